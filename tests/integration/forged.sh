#!/bin/sh
# A container is untrusted: datagrams whose payload ends in a valid-looking
# cmon trailer -- sent normally, and sent raw with the decision bit set --
# reach the receiver with exactly the payload that was sent.
set -u
. "$(dirname "$0")/lib.sh"
it_init cmtf
it_host 2
it_agent_start --sample 1
it_forged cmtfc1 cmtfc2 "$(it_ip 1)" "$(it_ip 2)"
it_settle
san=$(it_query - - - sanitised)
echo "sanitised=$san"
[ "$san" -ge 1 ] || it_fail "the raw packet's decision bit was not counted as sanitised"
it_agent_stop
echo "PASS: forged trailers delivered unchanged"
