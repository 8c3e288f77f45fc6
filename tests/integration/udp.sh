#!/bin/sh
# UDP byte-exact through the monitored bridge, every packet traced, for
# payload sizes 0..8000 with tx checksum offload on and then off (the
# receiver then verifies checksums in software).
set -u
. "$(dirname "$0")/lib.sh"
it_init cmtu
it_host 2
it_agent_start --sample 1

for mode in offload-on offload-off; do
	if [ "$mode" = offload-off ]; then
		it_in 1 ethtool -K eth0 tx off >/dev/null
		it_in 2 ethtool -K eth0 rx off >/dev/null
	fi
	it_udp_exact cmtuc1 cmtuc2 "$(it_ip 2)" 0-8000 ||
		it_fail "$mode: $(cat "$IT_TMP/recv")"
	echo "$mode: $(tail -1 "$IT_TMP/recv")"
done
csum_err=$(it_in 2 nstat -az UdpInCsumErrors | awk '/UdpInCsumErrors/ {print $2}')
[ "$csum_err" = 0 ] || it_fail "receiver saw $csum_err UDP checksum errors"
it_settle
stamped=$(it_query - - - stamped)
stripped=$(it_query - - - stripped)
echo "stamped=$stamped stripped=$stripped skip_frag=$(it_query - - - skip_frag)" \
     "skip_mtu=$(it_query - - - skip_mtu)"
[ "$stamped" -gt 5000 ] || it_fail "only $stamped packets stamped"
[ "$stripped" = "$stamped" ] || it_fail "stamped $stamped but stripped $stripped"
[ "$(it_query - - - skip_frag)" -gt 0 ] || it_fail "fragments not counted"
[ "$(it_query - - - skip_mtu)" -gt 0 ] || it_fail "no-MTU-room packets not counted"
for c in bad_tag bad_version malformed skip_room ring_full; do
	[ "$(it_query - - - $c)" = 0 ] || it_fail "counter $c is not 0"
done
lost=$(it_query cmtuc1 cmtuc2 udp lost)
[ "$lost" = 0 ] || it_fail "$lost packets reported lost on a path that drops none"
traced=$(it_query cmtuc1 cmtuc2 udp traced)
[ "$traced" -gt 5000 ] || it_fail "pair cmtuc1>cmtuc2 traced only $traced"
it_agent_stop
echo "PASS: UDP byte-exact 0..8000 B, offload on and off"
