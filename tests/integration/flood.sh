#!/bin/sh
# A bridge that learns no address floods every frame to every port: a
# traced packet's copies share its buffer, and the annotation waiting
# beside it (the skb carrier) makes one record per packet, not one per
# copy, and none is missed.  Every packet traced: the receiver gets every
# datagram, the pair shows each traced once, no sequence number missed,
# every packet counted once, no loss, no drop (the other container's
# stack, and the host's with the bridge promiscuous as tcpdump makes it,
# drop the copies they were not sent; a packet socket on the receiver's
# port that never reads drops its own), no annotation left unclaimed.
set -u
. "$(dirname "$0")/lib.sh"
it_init cmtf
it_host 3
ip link set dev "$BR" type bridge ageing_time 0 ||
	it_fail "cannot set the bridge's ageing time"
# (as tcpdump on the bridge does: the host's stack gets every frame too)
ip link set dev "$BR" promisc on || it_fail "cannot make the bridge promiscuous"
for i in 1 2 3; do
	bridge link set dev "$(cmon_ns_port "${CMON_PFX}c$i")" learning off ||
		it_fail "cannot turn learning off on container $i's port"
done
it_agent_start --sample 1
# a tap on container 2's port that never reads (as a tcpdump that cannot
# keep up): the kernel drops its copies
python3 -c "
import socket, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.bind(('$(cmon_ns_port "${CMON_PFX}c2")', 0))
print('ready', flush=True)
time.sleep(600)
" >"$IT_TMP/tap" 2>&1 &
tap=$!
it_wait "$IT_TMP/tap" ready || it_fail "no packet socket: $(cat "$IT_TMP/tap")"
it_udp_recv 2 5003
rpid=$!
it_udp_paced 1 "$(it_ip 2)" 5003 5000
wait "$rpid"
it_settle 2
kill "$tap"
[ -n "$(bridge fdb show br "$BR" dynamic)" ] &&
	it_fail "the bridge learnt addresses: frames were not flooded"
it_all_traced cmtfc1 cmtfc2 5000
# (container 3's stack and the host's drop the copies they were not
# sent, the tap has no room for its copies: not the pair's)
pkts=$(it_query cmtfc1 cmtfc2 udp packets)
reasons=$(it_query cmtfc1 cmtfc2 udp reasons)
echo "packets=$pkts drops [$reasons]"
[ "$pkts" = 5000 ] || it_fail "$pkts packets counted of 5000 sent"
[ -z "$reasons" ] || it_fail "drops shown, none was the pair's: [$reasons]"
it_agent_stop
echo "PASS: flooded packets traced once each, none missed"
