#!/bin/sh
# Traffic the node NATs on its way between two containers (DNAT to a
# service address, as kube-proxy and Docker's published ports do), in the
# routed layout (tests/integration/routed.sh): C1 sends 1000 datagrams to
# a service address the node DNATs to C2, which echoes each one it takes
# back to C1 (de-NATed on its way back).  The node's forward chain drops 1
# in 20 of them, C2's own firewall 1 in 10 of what arrives.
#   - one pair, C1 to the service address, as C1 sent them: every datagram
#     counted once, none under C1 to C2; traced (every packet), its
#     latency known from C1's own transmit hop (--ct-hops) on, no traced
#     packet missing but those the node dropped
#   - its loss exactly what the node's forward chain dropped (its nft
#     counter), at veth_in>veth_out, NETFILTER_DROP; C2's own drops
#     shown with their reason, not as the path's loss (as without NAT)
#   - the echoes: one pair, C2 to C1 as C2 sent them, every one counted,
#     none lost, as many as C1 received
#   - X, a namespace the node routes but cmon does not watch (no first
#     hop here, as a client outside the node), sending to the service
#     address first: its packets counted at C2's veth in the flow that
#     names C2; C2's echoes to X (a reply, whose conntrack entry is NATed
#     too) not stamped, since no hop of X's strips: none left unclaimed,
#     X gets its bytes back as it sent them
#   - the agent again with room for 1024 flows (--flow-entries), and a
#     burst of 3000 new connections to the service address: the flows
#     NATed to C2 that its veth_out forgot counted (nat_evicted)
set -u
. "$(dirname "$0")/lib.sh"
it_init cmtna
NODE=${CMON_PFX}n1
C1=${CMON_PFX}c1 C2=${CMON_PFX}c2 X=${CMON_PFX}c9
IP1=$NET.2 IP2=$NET.3 IPX=$NET.9 VIP=$NET.100
cmon_ns_routed_node "$NODE" || it_fail "cannot create node $NODE"
cmon_ns_routed_container "$NODE" "$C1" "$IP1" &&
cmon_ns_routed_container "$NODE" "$C2" "$IP2" &&
cmon_ns_routed_container "$NODE" "$X" "$IPX" ||
	it_fail "cannot create the routed containers"
cmon_ns_routed_rename "$NODE" "$X" "$IPX" "${CMON_PFX}x9" ||
	it_fail "cannot rename $X's host end out of the glob"
ip netns exec "$NODE" nft -f - <<NFT || it_fail "cannot add the node's NAT"
table ip $CMON_PFX {
	counter fw_dropped {}
	chain pre { type nat hook prerouting priority -100; ip daddr $VIP udp dport 5009 dnat to $IP2:5010; }
	chain fw { type filter hook forward priority 0; ip daddr $IP2 udp dport 5010 numgen inc mod 20 == 0 counter name fw_dropped drop; }
}
NFT
ip netns exec "$C2" nft -f - <<NFT || it_fail "cannot add $C2's firewall"
table inet $CMON_PFX {
	chain in { type filter hook input priority 0; udp dport 5010 numgen inc mod 10 == 0 drop; }
}
NFT

RULES=$IT_TMP/rules.yaml
cat >"$RULES" <<YAML
version: 1
templates:
  - { template: calico, veths: ["${CMON_PFX}v*"], hops: [ct_tx, veth_in, veth_out, ct_rx] }
template: calico
sample: 1
YAML
it_agent_node "$NODE" "$C1 $C2" --rules "$RULES" --ct-hops
apid=$!

# C2 echoes what it takes (and says how many to whom); X, then C1, send
# over two seconds each (several intervals) and count the echoes
it_echo_server 2 5010
epid=$!
xgot=$(ip netns exec "$X" python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('0.0.0.0', 40009))
s.setblocking(False)
sent, n, bad = set(), 0, 0
def take():
    global n, bad
    try:
        while True:
            d = s.recv(2048)
            n += 1
            bad += d not in sent
    except BlockingIOError:
        pass
for i in range(200):
    d = b'%04d' % i + b'y' * 96
    sent.add(d)
    s.sendto(d, ('$VIP', 5009))
    if i % 20 == 19:
        time.sleep(0.2)
    take()
time.sleep(0.5)
take()
print(n, bad)
") || it_fail "$X cannot send"
unclaimed=$(it_last_json 'o["counters"]["skb_unclaimed"]')
echo "$X: echoes $xgot (received, not as sent); annotations left unclaimed $unclaimed"
[ "${xgot#* }" = 0 ] || it_fail "$X got echoes not as it sent them: $xgot"
[ "${xgot% *}" -gt 100 ] || it_fail "$X got $xgot echoes of 200"
[ "$unclaimed" = 0 ] || it_fail "$unclaimed annotations left unclaimed: echoes to $X stamped"
fw0=$(it_nft_packets "$NODE" ip fw_dropped)
got=$(it_echo_send 1 $VIP 5009 1000)
wait "$epid"
echoed=$(sed -n "s/^echoed $IP1 //p" "$IT_TMP/echo")
xechoed=$(sed -n "s/^echoed $IPX //p" "$IT_TMP/echo")
fw=$(it_nft_packets "$NODE" ip fw_dropped)
fw=$((fw - fw0))
sleep 2.5	# a gap is loss once three reads show it
f() { python3 "$HERE/query.py" "$IT_TMP/agent.json" "$@"; }
echo "to the service: packets=$(f "$IP1" "$VIP" udp packets) lost=$(f "$IP1" "$VIP" udp lost) at [$(f "$IP1" "$VIP" udp loss_hops)] [$(f "$IP1" "$VIP" udp reasons)]; the forward chain dropped $fw, $C2 echoed $echoed; $C1 to $C2 $(f "$IP1" "$IP2" udp packets)"
echo "echoes: packets=$(f "$IP2" "$IP1" udp packets) lost=$(f "$IP2" "$IP1" udp lost); $C1 got $got"
[ "$fw" -gt 0 ] && [ "$echoed" -gt 0 ] || it_fail "no drop or no echo: the setup is wrong"
[ "$(f "$IP1" "$VIP" udp packets)" = 1000 ] ||
	it_fail "$(f "$IP1" "$VIP" udp packets) packets to the service counted of 1000 sent"
[ "$(f "$IP1" "$IP2" udp packets)" = 0 ] ||
	it_fail "$(f "$IP1" "$IP2" udp packets) packets counted again from $C1 to $C2"
[ "$(f "$IP1" "$VIP" udp lost)" = "$fw" ] ||
	it_fail "$(f "$IP1" "$VIP" udp lost) lost, the node's forward chain dropped $fw"
[ "$(f "$IP1" "$VIP" udp loss_hops)" = "veth_in>veth_out" ] ||
	it_fail "loss at $(f "$IP1" "$VIP" udp loss_hops), not veth_in>veth_out"
[ "$(f "$IP1" "$VIP" udp reasons)" = NETFILTER_DROP ] ||
	it_fail "reasons: $(f "$IP1" "$VIP" udp reasons)"
# traced from the connection's second packet on (its conntrack entry
# says where it goes), every packet once the rules' rate applies
traced=$(f "$IP1" "$VIP" udp traced) seq=$(f "$IP1" "$VIP" udp seq_lost)
echo "traced to the service: $traced, $seq missing from their sequence, e2e p50 $(f "$IP1" "$VIP" udp e2e_p50_max) us"
[ "$traced" -ge 500 ] || it_fail "$traced of 1000 datagrams to the service traced"
[ "$seq" -le "$fw" ] || it_fail "$seq traced datagrams missing, the node dropped $fw"
python3 -c "import sys; sys.exit(not float(sys.argv[1]) > 0)" \
	"$(f "$IP1" "$VIP" udp e2e_p50_max)" || it_fail "no latency to the service"
# from C1's own transmit hop on (it sees the service address)
case "$(f "$IP1" "$VIP" udp seg_means)" in
*"'ct_tx>veth_in'"*) ;;
*) it_fail "no ct_tx>veth_in to the service: $(f "$IP1" "$VIP" udp seg_means)" ;;
esac
[ "$got" = "$echoed" ] || it_fail "$C1 got $got of $echoed echoes"
[ "$(f "$IP2" "$IP1" udp packets)" = "$echoed" ] ||
	it_fail "$(f "$IP2" "$IP1" udp packets) echoes counted, $C2 sent $echoed"
[ "$(f "$IP2" "$IP1" udp lost)" = 0 ] ||
	it_fail "$(f "$IP2" "$IP1" udp lost) echoes lost, $C1 got all"
[ "$(f "$IP2" "$IP1" udp traced)" -gt 0 ] &&
	[ "$(f "$IP2" "$IP1" udp seq_lost)" = 0 ] ||
	it_fail "echoes: $(f "$IP2" "$IP1" udp traced) traced, $(f "$IP2" "$IP1" udp seq_lost) missing"
[ "$(f "$VIP" "$IP1" udp packets)" = 0 ] ||
	it_fail "$(f "$VIP" "$IP1" udp packets) echoes counted again from the service"
# (the forward chain's 1 in 20 before C2's veth, C2's own 1 in 10 after)
xin=$(f "$IPX" "$IP2" udp packets)
echo "from $X: $xin counted to $C2, $(f "$IPX" "$VIP" udp packets) to the service; $C2 echoed $xechoed to $X"
[ "$xin" -gt 150 ] && [ "$xin" -le 200 ] ||
	it_fail "$xin of X's 200 datagrams counted arriving at $C2"
[ "${xgot% *}" = "$xechoed" ] || it_fail "$X got ${xgot% *} of $xechoed echoes"
[ "$(f "$IPX" "$VIP" udp packets)" = 0 ] ||
	it_fail "X's datagrams counted under the service address, where no hop of theirs is"
# C2's veth_out keeps the flows NATed to it (for the drops in C2): with
# room for 65536 it forgot none; with room for 1024, a burst of 3000 new
# connections to the service address, each from a source port of its
# own, makes it forget most before the agent reads them: counted
evicted=$(it_last_json 'o["counters"]["nat_evicted"]')
[ "$evicted" = 0 ] || it_fail "$evicted flows NATed to $C2 forgotten"
kill -INT "$apid" && wait "$apid" || it_fail "the agent exited with $?"
it_agent_node "$NODE" "$C1 $C2" --rules "$RULES" --ct-hops --flow-entries 1024
apid=$!
it_udp_recv 2 5010
rpid=$!
it_udp_burst 1 "$VIP" 5009 3000 || it_fail "the burst's sender failed"
wait "$rpid"
sleep 1
kill -INT "$apid" && wait "$apid" || it_fail "the agent exited with $?"
forgot=$(it_query - - - nat_evicted)
echo "--flow-entries 1024, a burst of 3000 to the service: $C2 got $(sed -n 's/^received //p' "$IT_TMP/r2"), nat_evicted $forgot"
[ "$forgot" -ge 1000 ] && [ "$forgot" -le 3000 ] ||
	it_fail "$forgot flows NATed to $C2 counted forgotten of a burst of 3000 with room for 1024"
echo "PASS: traffic the node NATs is one flow, as its sender sent it: its packets once, its loss exact"
