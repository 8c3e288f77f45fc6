#!/bin/sh
# Traffic NATed on its way between containers of two nodes (a service
# address DNATed on the client's node to a pod on another, as kube-proxy
# does), on the flannel-style overlay of tests/integration/clocks.sh, each
# node with an exporter reading the other's counters (--peer): C1 (node
# 1) sends 1000 datagrams to a service address node 1 DNATs to C2 (node
# 2), which echoes each one back (de-NATed on node 1 on its way back).
# Node 1's forward chain drops 1 in 20 of them.  Then 20 MB over TCP
# to the service address (segmentation offloaded: the overlay hop's full
# path).
#   - one pair, C1 to C2, shown by C2's node: every datagram counted once
#     with the hops of both nodes, none under C1 to the service address
#     (on either node); its loss exactly what node 1's forward chain
#     dropped (its nft counter), at veth_in>ovl_out; traced, its latency
#     known across both nodes, from C1's own transmit hop to C2's
#     receive hop (--ct-hops)
#   - the echoes: one pair, C2 to C1, shown by C1's node, every one
#     counted, none lost, traced, none under the service address to C1
#   - a burst of 6000 new connections to the service address, one
#     datagram each, sent faster than an interval (more flows NATed on
#     their way out than the overlay hop kept before): every one counted
#     under C1 to C2 on both nodes, none under the service address, none
#     lost
#   - TCP: its bytes arrive as sent; one pair each way, none under the
#     service address, none lost
#   - C2 sending to a port node 1 publishes for C1 (DNAT on the receiving
#     node), C1 echoing: one pair each way, on both nodes, named as C2
#     sent it (to node 1's address), every datagram counted once
#   - node 1's agent again with room for 1024 flows (--flow-entries), and
#     a burst of 3000: the flows it forgot counted (nat_evicted)
set -u
. "$(dirname "$0")/lib.sh"
it_init cmtnn
it_exporter_init
echo 0123456789abcdef >"$IT_TMP/key"
TOKEN=cmtnn-token
IP1=10.244.1.2 IP2=10.244.2.2 VIP=10.96.0.10 NODE1=10.250.0.1

it_overlay_nodes
ip netns exec "${CMON_PFX}n1" nft -f - <<NFT || it_fail "cannot add node 1's NAT"
table ip $CMON_PFX {
	counter fw_dropped {}
	chain pre {
		type nat hook prerouting priority -100;
		ip daddr $VIP udp dport 5009 dnat to $IP2:5010
		ip daddr $VIP udp dport 5011 dnat to $IP2:5011
		ip daddr $VIP tcp dport 5012 dnat to $IP2:5002
		ip daddr $NODE1 udp dport 6009 dnat to $IP1:5010
	}
	chain fw { type filter hook forward priority 0; ip daddr $IP2 udp dport 5010 numgen inc mod 20 == 0 counter name fw_dropped drop; }
}
NFT

# shellcheck disable=SC2046
it_node_exporter 2 $(it_node_peer 2 1)
# shellcheck disable=SC2046
it_node_exporter 1 $(it_node_peer 1 2)
sleep 1

it_echo_server 2 5010
epid=$!
got=$(it_echo_send 1 $VIP 5009 1000)
wait "$epid"
echoed=$(sed -n "s/^echoed $IP1 //p" "$IT_TMP/echo")
# burst N: N datagrams from C1 to the service address, each from a
# source port of its own (a raw socket, no checksum), 100 a millisecond;
# prints how many C2 got
burst() {
	it_udp_recv 2 5011
	rpid=$!
	it_udp_burst 1 "$VIP" 5011 "$1" || it_fail "the burst's sender failed"
	wait "$rpid"
	sed -n 's/^received //p' "$IT_TMP/r2"
}
BURST=6000
burst=$(burst $BURST)
head -c 20M /dev/urandom >"$IT_TMP/data"
want=$(sha256sum <"$IT_TMP/data" | cut -d' ' -f1)
it_in 2 sh -c "socat -u TCP-LISTEN:5002,reuseaddr - | sha256sum" >"$IT_TMP/got" &
rpid=$!
it_listening "${CMON_PFX}c2" 5002
it_in 1 socat -u "FILE:$IT_TMP/data" "TCP:$VIP:5012" || it_fail "TCP sender failed"
wait "$rpid"
[ "$(cut -d' ' -f1 "$IT_TMP/got")" = "$want" ] ||
	it_fail "TCP to the service address: sha256 differs"
fw=$(it_nft_packets "${CMON_PFX}n1" ip fw_dropped)
# a port node 1 publishes for C1, and C2 sending to it
it_echo_server 1 5010
epid=$!
pgot=$(it_echo_send 2 $NODE1 6009 300)
wait "$epid"
pechoed=$(sed -n "s/^echoed $IP2 //p" "$IT_TMP/echo")
sleep 3			# each node's last counters reach the other
it_node_exporters_stop
n1() { python3 "$HERE/query.py" "$IT_TMP/node1.json" "$@"; }
n2() { python3 "$HERE/query.py" "$IT_TMP/node2.json" "$@"; }
echo "node 2, C1 to C2: packets=$(n2 $IP1 $IP2 udp packets) lost=$(n2 $IP1 $IP2 udp lost) at [$(n2 $IP1 $IP2 udp loss_hops)] traced=$(n2 $IP1 $IP2 udp traced) hops $(n2 $IP1 $IP2 udp seg_means); node 1's forward chain dropped $fw"
echo "to the service: node 1 $(n1 $IP1 $VIP udp packets), node 2 $(n2 $IP1 $VIP udp packets); C1 to C2 on node 1: $(n1 $IP1 $IP2 udp packets)"
echo "echoes: node 1, C2 to C1: packets=$(n1 $IP2 $IP1 udp packets) lost=$(n1 $IP2 $IP1 udp lost) at [$(n1 $IP2 $IP1 udp loss_hops)]; from the service $(n1 $VIP $IP1 udp packets); C2 echoed $echoed, C1 got $got"
[ "$fw" -gt 0 ] && [ "$echoed" -gt 0 ] || it_fail "no drop or no echo: the setup is wrong"
echo "the burst: C2 got $burst of $BURST; flows forgotten: node 1 $(n1 - - - nat_evicted)"
[ "$burst" = $BURST ] || it_fail "C2 got $burst of the burst's $BURST datagrams"
[ "$(n1 - - - nat_evicted)" = 0 ] ||
	it_fail "node 1 forgot $(n1 - - - nat_evicted) flows NATed on their way out"
[ "$(n2 $IP1 $IP2 udp packets)" = $((1000 + BURST)) ] ||
	it_fail "node 2: $(n2 $IP1 $IP2 udp packets) packets from C1 to C2 counted of $((1000 + BURST)) sent"
for n in n1 n2; do
	[ "$($n $IP1 $VIP udp packets)" = 0 ] ||
		it_fail "$n: $($n $IP1 $VIP udp packets) packets counted again under the service address"
done
[ "$(n2 $IP1 $IP2 udp lost)" = "$fw" ] ||
	it_fail "node 2: $(n2 $IP1 $IP2 udp lost) lost, node 1's forward chain dropped $fw"
[ "$(n2 $IP1 $IP2 udp loss_hops)" = "veth_in>ovl_out" ] ||
	it_fail "loss at $(n2 $IP1 $IP2 udp loss_hops), not veth_in>ovl_out"
# traced from the connection's second packet on (its conntrack entry
# says where it goes), across both nodes
traced=$(n2 $IP1 $IP2 udp traced) seq=$(n2 $IP1 $IP2 udp seq_lost)
[ "$traced" -ge 500 ] || it_fail "$traced of 1000 datagrams to the service traced"
[ "$seq" -le "$fw" ] || it_fail "$seq traced datagrams missing, node 1 dropped $fw"
python3 -c "
import sys
segs = eval(sys.argv[1])
want = ['ct_tx>veth_in', 'veth_in>ovl_out', 'ovl_out>ovl_in', 'ovl_in>veth_out',
        'veth_out>ct_rx']
sys.exit(not all(k in segs and segs[k] > 0 for k in want))
" "$(n2 $IP1 $IP2 udp seg_means)" ||
	it_fail "traced, not on every hop of both nodes: $(n2 $IP1 $IP2 udp seg_means)"
echo "node 1, C1 to C2: packets=$(n1 $IP1 $IP2 udp packets) lost=$(n1 $IP1 $IP2 udp lost) [$(n1 $IP1 $IP2 udp reasons)]"
[ "$got" = "$echoed" ] || it_fail "C1 got $got of $echoed echoes"
[ "$(n1 $IP2 $IP1 udp packets)" = "$echoed" ] ||
	it_fail "node 1: $(n1 $IP2 $IP1 udp packets) echoes counted, C2 sent $echoed"
[ "$(n1 $IP2 $IP1 udp lost)" = 0 ] ||
	it_fail "node 1: $(n1 $IP2 $IP1 udp lost) echoes lost, C1 got all"
[ "$(n1 $IP2 $IP1 udp traced)" -gt 0 ] && [ "$(n1 $IP2 $IP1 udp seq_lost)" = 0 ] ||
	it_fail "echoes: $(n1 $IP2 $IP1 udp traced) traced, $(n1 $IP2 $IP1 udp seq_lost) missing"
[ "$(n1 $VIP $IP1 udp packets)" = 0 ] ||
	it_fail "node 1: $(n1 $VIP $IP1 udp packets) echoes counted under the service address"
echo "TCP: 20 MB sha256 equal; node 2, C1 to C2: packets=$(n2 $IP1 $IP2 tcp packets) lost=$(n2 $IP1 $IP2 tcp lost) traced=$(n2 $IP1 $IP2 tcp traced); node 1, C2 to C1: packets=$(n1 $IP2 $IP1 tcp packets) lost=$(n1 $IP2 $IP1 tcp lost); under the service address $(n1 $IP1 $VIP tcp packets), $(n2 $IP1 $VIP tcp packets), $(n1 $VIP $IP1 tcp packets)"
[ "$(n2 $IP1 $IP2 tcp packets)" -gt 1000 ] && [ "$(n2 $IP1 $IP2 tcp lost)" = 0 ] ||
	it_fail "TCP, node 2: $(n2 $IP1 $IP2 tcp packets) packets, $(n2 $IP1 $IP2 tcp lost) lost"
[ "$(n1 $IP2 $IP1 tcp packets)" -gt 100 ] && [ "$(n1 $IP2 $IP1 tcp lost)" = 0 ] ||
	it_fail "TCP, node 1: $(n1 $IP2 $IP1 tcp packets) packets back, $(n1 $IP2 $IP1 tcp lost) lost"
[ "$(n1 $IP1 $VIP tcp packets)" = 0 ] && [ "$(n2 $IP1 $VIP tcp packets)" = 0 ] &&
	[ "$(n1 $VIP $IP1 tcp packets)" = 0 ] ||
	it_fail "TCP counted under the service address"
echo "published port: C2 to node 1 $(n1 $IP2 $NODE1 udp packets) (node 1) and $(n2 $IP2 $NODE1 udp packets) (node 2), lost $(n1 $IP2 $NODE1 udp lost); back $(n1 $NODE1 $IP2 udp packets) and $(n2 $NODE1 $IP2 udp packets); C1 echoed $pechoed, C2 got $pgot"
for n in n1 n2; do
	[ "$($n $IP2 $NODE1 udp packets)" = 300 ] && [ "$($n $IP2 $NODE1 udp lost)" = 0 ] ||
		it_fail "$n: $($n $IP2 $NODE1 udp packets) datagrams to the published port counted of 300, $($n $IP2 $NODE1 udp lost) lost"
	[ "$($n $NODE1 $IP2 udp packets)" = "$pgot" ] ||
		it_fail "$n: $($n $NODE1 $IP2 udp packets) echoes from the published port counted, C2 got $pgot"
done
[ "$pechoed" = 300 ] && [ "$(n1 $IP2 $IP1 udp packets)" = "$echoed" ] &&
	[ "$(n2 $IP1 $IP2 udp packets)" = $((1000 + BURST)) ] ||
	it_fail "the published port's traffic counted again under C1 and C2"

# room for fewer flows than a burst makes in an interval: what is
# forgotten is counted
it_node_exporter 1 --flow-entries 1024
[ "$(burst 3000)" = 3000 ] || it_fail "C2 missed datagrams of the second burst"
sleep 1
kill -INT "$PID_1" && wait "$PID_1" || it_fail "node 1's agent exited with $?"
forgot=$(n1 - - - nat_evicted)
echo "--flow-entries 1024, a burst of 3000: nat_evicted $forgot"
[ "$forgot" -ge 1000 ] && [ "$forgot" -le 3000 ] ||
	it_fail "node 1 counted $forgot flows forgotten of a burst of 3000 with room for 1024"
echo "PASS: traffic NATed on the sending node is one pair across the nodes, its loss exact"
