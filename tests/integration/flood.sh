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
# Then 1 in 10 of the receiver's own copies dropped on the bridge: lost
# exactly as many, the other container's copies counted apart.
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

# The receiver's own copy dropped on the bridge (1 in 10, an nft rule on
# its port), container 3's copies delivered: only the copy sent to the
# receiver's address counts, so the pair shows exactly the drops, at
# veth_in>veth_out (every copy counted would hide them); container 3's
# copies are counted apart, as foreign_copies, though it made its
# interface promiscuous (as tcpdump in it would: its stack still drops
# them).
it_in 3 ip link set dev eth0 promisc on ||
	it_fail "cannot make container 3's interface promiscuous"
nft -f - <<NFT || it_fail "cannot install the nft drop rule"
table bridge $CMON_PFX {
	counter dropped { }
	chain forward {
		type filter hook forward priority 0; policy accept;
		oifname "$(cmon_ns_port "${CMON_PFX}c2")" udp dport 5005 \
			numgen random mod 10 == 0 counter name dropped drop
	}
}
NFT
it_udp_recv 2 5005
rpid=$!
it_udp_paced 1 "$(it_ip 2)" 5005 5000
wait "$rpid"
it_settle 2
got=$(sed -n 's/^received //p' "$IT_TMP/r2")
dropped=$(it_nft_packets - bridge dropped)
lost=$(it_query cmtfc1 cmtfc2 udp lost)
hops=$(it_query cmtfc1 cmtfc2 udp loss_hops)
reasons=$(it_query cmtfc1 cmtfc2 udp reasons)
seq_lost=$(it_query cmtfc1 cmtfc2 udp seq_lost)
copies=$(it_query - - - foreign_copies)
echo "received=$got dropped=$dropped: lost=$lost at [$hops] [$reasons]" \
	"seq_lost=$seq_lost foreign_copies=$copies"
[ "$dropped" -gt 0 ] && [ $((got + dropped)) = 5000 ] ||
	it_fail "received $got and the rule dropped $dropped of 5000"
[ "$lost" = "$dropped" ] ||
	it_fail "$lost packets reported lost, $dropped dropped"
[ "$hops" = "veth_in>veth_out" ] || it_fail "loss located at [$hops]"
[ "$reasons" = NETFILTER_DROP ] || it_fail "drop reasons [$reasons]"
[ "$seq_lost" -ge $((dropped - 1)) ] && [ "$seq_lost" -le "$dropped" ] ||
	it_fail "$seq_lost sequence numbers missed, $dropped dropped"
[ "$copies" = 10000 ] ||
	it_fail "$copies copies to container 3 counted, 10000 flooded there"
it_agent_stop
echo "PASS: flooded packets traced once each, none missed;" \
	"the receiver's copies dropped are reported exactly"
