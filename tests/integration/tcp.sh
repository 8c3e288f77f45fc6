#!/bin/sh
# TCP 200 MB through the monitored bridge with TSO/GSO on and every packet
# traced, with each carrier the bridge can use (--carrier bytes: the IPv4
# option; the default: beside the skb): the receiver's sha256 equals the
# sender's, and every segment is counted, none lost.
set -u
. "$(dirname "$0")/lib.sh"
it_init cmtt
it_host 2
it_in 1 ethtool -k eth0 | grep -q "tcp-segmentation-offload: on" ||
	it_fail "TSO is not on in the sender container"
head -c 200M /dev/urandom >"$IT_TMP/data"
want=$(sha256sum <"$IT_TMP/data" | cut -d' ' -f1)
for carrier in bytes auto; do
it_agent_start --sample 1 --carrier "$carrier"

it_in 2 sh -c "socat -u TCP-LISTEN:5002,reuseaddr - | sha256sum" \
	>"$IT_TMP/got" &
rpid=$!
it_listening "${CMON_PFX}c2" 5002
it_in 1 socat -u "FILE:$IT_TMP/data" "TCP:$(it_ip 2):5002" ||
	it_fail "sender failed"
wait "$rpid"
got=$(cut -d' ' -f1 "$IT_TMP/got")
[ "$got" = "$want" ] || it_fail "$carrier: sha256 differs: sent $want received $got"
it_settle
stamped=$(it_query - - - stamped)
pkts=$(it_query cmttc1 cmttc2 tcp packets)
traced=$(it_query cmttc1 cmttc2 tcp traced)
echo "$carrier: sha256 equal; stamped=$stamped packets=$pkts traced=$traced"
[ "$traced" -gt 1000 ] || it_fail "$carrier: only $traced TCP records"
# 200 MB is at least 140k MSS-sized packets, GSO segments counted singly
[ "$pkts" -gt 140000 ] || it_fail "$carrier: only $pkts packets counted"
[ "$(it_query - - - skip_room)" = 0 ] || it_fail "$carrier: resize errors counted"
[ "$(it_query - - - skb_unclaimed)" = 0 ] ||
	it_fail "$carrier: annotations left behind (skb_unclaimed)"
lost=$(it_query cmttc1 cmttc2 tcp lost)
[ "$lost" = 0 ] || it_fail "$carrier: $lost packets reported lost on a path that drops none"
it_agent_stop
done
echo "PASS: TCP 200 MB sha256-exact with TSO on, both carriers"
