#!/bin/sh
# A flow the switch rewrites between two kernel containers (a service
# address the switch's rules DNAT, as OVN's load balancers do): C1 on the
# Linux bridge behind the switch's trunk port sends 1000 datagrams to a
# service address; the switch rewrites it to C2's (on one of its own
# af_packet ports) and C2's replies back to the service address.  The
# Linux bridge drops 1 in 20 of C1's datagrams on their way out to the
# switch, C2's firewall 1 in 10 of what arrives; C2 echoes the rest, and
# the bridge drops 1 in 25 of the echoes as they come in from the switch.
#   C1 -> veth_in (kernel) -> ovs_rx -> [rewritten] ovs_tx -> veth_out (C2)
#   C2 -> ovs_rx -> [rewritten] ovs_tx -> veth_out (kernel, C1)
# The kernel's hop before the switch counts the flow C1 sent, the one
# after it the flow the switch made: both are one flow, the one that left
# the switch (as when a node NATs towards another node):
#   - to C2: one pair, every datagram counted once, its loss exactly what
#     the bridge dropped, at veth_in>ovs_rx (the kernel's hop before the
#     switch in the flow after it), the bridge's and C2's drops shown
#     with the kernel's reason, nothing under C1 to the service address; traced through
#     the switch once the kernel's first hop knows the flow is rewritten
#     towards a container (from the switch's first report of it on);
#   - the echoes: one pair (the service address to C1, as they left the
#     switch), every one counted, exactly those the bridge dropped lost,
#     at ovs_tx>veth_out, with their reason, traced through the switch,
#     nothing under C2 to C1, the service address not taken for C2's.
# Then, nothing dropped any more, cmon-dpdk started while C1 sends to the
# service address: no loss shown, none missing from the traced packets'
# sequence while the switch starts handing them on to C2's receive hop,
# nothing under the service address.
# Last, the bridge dropping again, a third container joins the bridge as
# C1 begins a new flow to the service address, in the same interval
# (intervals of 2 s): both ways the flow's loss is still exact, the first
# packets' too (only the joining container's hops start uncompared).
# And a flow the switch starts rewriting as it runs (its NAT rule added a
# second in): every datagram counted once, under the service address
# before, under C2 after, none as lost.
set -u
. "$(dirname "$0")/lib.sh"
it_init cmtvn
it_ovs_init

KEY=fedcba9876543210
echo "$KEY" >"$IT_TMP/key"
C1=${CMON_PFX}c1 C2=${CMON_PFX}c2
IP2=$NET.8 VIP=$NET.100
it_host 1
it_in 1 ethtool -K eth0 tx off tso off gso off >/dev/null
cmon_ovs_start "$IT_TMP/ovs" cmon-enable=true cmon-sample=1 \
	cmon-key=$KEY cmon-node-id=5 || it_fail "cannot start ovs-vswitchd"
cmon_ovs_uplink "$BR" trunk || it_fail "cannot add the uplink"
cmon_ovs_container "$C2" "$IP2" container || it_fail "cannot plug $C2"
MAC2=$(ip netns exec "$C2" cat /sys/class/net/eth0/address)
# (the service address answers no ARP: C1 is told a MAC for it)
it_in 1 ip neigh replace "$VIP" lladdr 02:00:00:00:01:00 dev eth0
# dnat PORT: the switch rewrites what C1 sends to the service address's
# PORT towards C2
dnat() {
	ovs-ofctl add-flow "$CMON_OVS_OF" "priority=100,udp,nw_dst=$VIP,tp_dst=$1,actions=mod_nw_dst:$IP2,mod_dl_dst:$MAC2,output:$(cmon_ovs_vsctl get Interface "$C2" ofport)"
}
dnat 7010 &&
	ovs-ofctl add-flow "$CMON_OVS_OF" "priority=100,udp,nw_src=$IP2,tp_src=7010,actions=mod_nw_src:$VIP,mod_dl_src:02:00:00:00:01:00,normal" ||
	it_fail "cannot add the switch's NAT rules"
it_input_drop 2 7010 10
# bridge_drops: the bridge's forward hook drops 1 in 20 on the way out of
# its uplink port to the switch, its prerouting hook 1 in 25 of the
# echoes as they come in by it
bridge_drops() {
	nft -f - <<NFT || it_fail "cannot add the bridge drops"
table bridge $CMON_PFX {
	counter dropped {}
	counter edropped {}
	chain to_switch {
		type filter hook forward priority 0; policy accept;
		ip daddr $VIP udp dport 7010 numgen inc mod 20 == 0 counter name dropped drop
	}
	chain from_switch {
		type filter hook prerouting priority 0; policy accept;
		ip saddr $VIP udp sport 7010 numgen inc mod 25 == 0 counter name edropped drop
	}
}
NFT
}
bridge_drops

# agent_start [INTERVAL]: cmon-dpdk with its kernel agent, watching C1
# and C2, reporting every INTERVAL (0.5 s unless given)
agent_start() {
	it_fresh "$IT_TMP/agent.json" "$IT_TMP/agent.err"
	"$DPDK_APP" --bridge "$BR" --file-prefix "$CMON_OVS_PREFIX" \
		--sample 1 --key-file "$IT_TMP/key" --node-id 5 --json \
		--interval "${1:-0.5}" >"$IT_TMP/agent.json" 2>"$IT_TMP/agent.err" &
	AGENT_PID=$!
	it_wait "$IT_TMP/agent.err" "attached" 20 ||
		it_fail "cmon-dpdk did not start: $(cat "$IT_TMP/agent.err")"
	it_wait "$IT_TMP/agent.err" "container $C1 joined" 5 &&
		it_wait "$IT_TMP/agent.err" "container $C2 joined" 5 ||
		it_fail "cmon-dpdk's kernel agent did not watch both: $(cat "$IT_TMP/agent.err")"
}
agent_start

it_echo_server 2 7010
epid=$!
got=$(it_echo_send 1 "$VIP" 7010 1000)
wait "$epid"
echoed=$(sed -n "s/^echoed $(it_ip 1) //p" "$IT_TMP/echo")
dropped=$(it_input_dropped 2)
bdropped=$(it_nft_packets - bridge dropped)
edropped=$(it_nft_packets - bridge edropped)
it_settle 2.5	# a gap is loss once three reads show it
it_agent_stop
q() { it_query "$@"; }
echo "to $C2: $(q "$C1" "$C2" udp packets) packets, $(q "$C1" "$C2" udp lost) lost at [$(q "$C1" "$C2" udp loss_hops)], drops [$(q "$C1" "$C2" udp reasons)] $(q "$C1" "$C2" udp drops:NETFILTER_DROP); to the service address $(q "$C1" "$VIP" udp packets); the bridge dropped $bdropped, $C2's nft $dropped, it echoed $echoed"
echo "echoes: the service address to $C1 $(q "$VIP" "$C1" udp packets) packets, $(q "$VIP" "$C1" udp lost) lost at [$(q "$VIP" "$C1" udp loss_hops)], drops $(q "$VIP" "$C1" udp drops:NETFILTER_DROP); $C2 to $C1 $(q "$C2" "$C1" udp packets); the bridge dropped $edropped, $C1 got $got"
[ "$bdropped" -ge 40 ] && [ "$dropped" -ge 80 ] &&
	[ $((echoed + dropped + bdropped)) = 1000 ] && [ "$edropped" -ge 20 ] &&
	[ $((got + edropped)) = "$echoed" ] ||
	it_fail "the path lost datagrams ($echoed echoed, $bdropped dropped by the bridge, $dropped by $C2, $got back, $edropped echoes dropped by the bridge): no truth to compare"
[ "$(q "$C1" "$C2" udp packets)" = 1000 ] ||
	it_fail "to $C2: $(q "$C1" "$C2" udp packets) packets counted of 1000 sent"
[ "$(q "$C1" "$C2" udp lost)" = "$bdropped" ] &&
	[ "$(q "$C1" "$C2" udp loss_hops)" = "veth_in>ovs_rx" ] ||
	it_fail "to $C2: $(q "$C1" "$C2" udp lost) lost at [$(q "$C1" "$C2" udp loss_hops)], the bridge dropped $bdropped before the switch"
[ "$(q "$C1" "$C2" udp drops:NETFILTER_DROP)" = $((dropped + bdropped)) ] ||
	it_fail "to $C2: $(q "$C1" "$C2" udp drops:NETFILTER_DROP) drops seen, the bridge dropped $bdropped and $C2's nft $dropped"
[ "$(q "$C1" "$VIP" udp packets)" = 0 ] ||
	it_fail "$(q "$C1" "$VIP" udp packets) packets counted again under the service address"
traced=$(q "$C1" "$C2" udp traced)
echo "to $C2: $traced traced, $(q "$C1" "$C2" udp seq_lost) missing from their sequence, through [$(q "$C1" "$C2" udp seg_means)]"
[ "$traced" -ge 500 ] && [ "$(q "$C1" "$C2" udp seq_lost)" -le "$bdropped" ] ||
	it_fail "to $C2: $traced of 1000 traced, $(q "$C1" "$C2" udp seq_lost) missing"
case "$(q "$C1" "$C2" udp seg_means)" in
*"'veth_in>ovs_rx'"*"'ovs_rx>ovs_tx'"*|*"'ovs_rx>ovs_tx'"*"'veth_in>ovs_rx'"*) ;;
*) it_fail "to $C2: not traced through the switch: $(q "$C1" "$C2" udp seg_means)" ;;
esac
[ "$(q "$VIP" "$C1" udp packets)" = "$echoed" ] &&
	[ "$(q "$VIP" "$C1" udp lost)" = "$edropped" ] &&
	[ "$(q "$VIP" "$C1" udp loss_hops)" = "ovs_tx>veth_out" ] ||
	it_fail "echoes: $(q "$VIP" "$C1" udp packets) counted, $(q "$VIP" "$C1" udp lost) lost at [$(q "$VIP" "$C1" udp loss_hops)]; $C2 echoed $echoed, the bridge dropped $edropped"
[ "$(q "$VIP" "$C1" udp drops:NETFILTER_DROP)" = "$edropped" ] ||
	it_fail "echoes: $(q "$VIP" "$C1" udp drops:NETFILTER_DROP) drops seen, the bridge dropped $edropped"
# (by name: neither counted again as C2 sent them, nor the service
# address taken for one of C2's)
[ "$(q "$C2" "$C1" udp packets)" = 0 ] ||
	it_fail "$(q "$C2" "$C1" udp packets) echoes counted under $C2 to $C1"
[ "$(q "$VIP" "$C1" udp traced)" -ge $((echoed / 2)) ] ||
	it_fail "echoes: $(q "$VIP" "$C1" udp traced) of $echoed traced"
case "$(q "$VIP" "$C1" udp seg_means)" in
*"'ovs_rx>ovs_tx'"*"'ovs_tx>veth_out'"*|*"'ovs_tx>veth_out'"*"'ovs_rx>ovs_tx'"*) ;;
*) it_fail "echoes: not traced through the switch: $(q "$VIP" "$C1" udp seg_means)" ;;
esac

echo "== cmon-dpdk started under rewritten traffic"
it_in 2 nft delete table inet "$CMON_PFX" &&
	nft delete table bridge "$CMON_PFX" || it_fail "cannot remove the drops"
it_udp_recv 2 7010
it_udp_steady "$C1" "$VIP" 7010 6
sleep 2
agent_start
sleep 5
it_wait "$IT_TMP/r2" received 10 || it_fail "the receiver did not finish"
it_settle 2.5
it_agent_stop
recv=$(sed -n 's/^received //p' "$IT_TMP/r2")
echo "under traffic: to $C2 $(q "$C1" "$C2" udp packets) packets counted since the start, $(q "$C1" "$C2" udp lost) lost at [$(q "$C1" "$C2" udp loss_hops)]; to the service address $(q "$C1" "$VIP" udp packets); $recv received"
[ "$(q "$C1" "$C2" udp packets)" -gt 500 ] &&
	[ "$(q "$C1" "$C2" udp packets)" -le "$recv" ] ||
	it_fail "under traffic: $(q "$C1" "$C2" udp packets) counted, $recv received"
[ "$(q "$C1" "$C2" udp lost)" = 0 ] && [ "$(q "$C1" "$VIP" udp packets)" = 0 ] ||
	it_fail "under traffic: $(q "$C1" "$C2" udp lost) lost at [$(q "$C1" "$C2" udp loss_hops)], $(q "$C1" "$VIP" udp packets) under the service address; nothing was dropped"
echo "under traffic: to $C2 $(q "$C1" "$C2" udp traced) traced, $(q "$C1" "$C2" udp seq_lost) missing, through [$(q "$C1" "$C2" udp seg_means)]"
[ "$(q "$C1" "$C2" udp traced)" -gt 0 ] && [ "$(q "$C1" "$C2" udp seq_lost)" = 0 ] ||
	it_fail "under traffic: $(q "$C1" "$C2" udp traced) traced, $(q "$C1" "$C2" udp seq_lost) missing from their sequence; nothing was dropped"
case "$(q "$C1" "$C2" udp seg_means)" in
*"'ovs_tx>veth_out'"*) ;;
*) it_fail "under traffic: not handed on to $C2's receive hop: $(q "$C1" "$C2" udp seg_means)" ;;
esac

echo "== a container joining as a flow begins"
bridge_drops
agent_start 2
C3=${CMON_PFX}c3
cmon_ns_container "$C3" "$BR" "$NET.4" || it_fail "cannot create $C3"
it_wait "$IT_TMP/agent.err" "container $C3 joined" 10 ||
	it_fail "$C3 did not join: $(cat "$IT_TMP/agent.err")"
it_echo_server 2 7010
epid=$!
got=$(it_echo_send 1 "$VIP" 7010 1000 40002)
wait "$epid"
echoed=$(sed -n "s/^echoed $(it_ip 1) //p" "$IT_TMP/echo")
bdropped=$(it_nft_packets - bridge dropped)
edropped=$(it_nft_packets - bridge edropped)
it_settle 7	# three reads
it_agent_stop
echo "joining: to $C2 $(q "$C1" "$C2" udp packets) packets, $(q "$C1" "$C2" udp lost) lost at [$(q "$C1" "$C2" udp loss_hops)]; the bridge dropped $bdropped, $C2 echoed $echoed; echoes $(q "$VIP" "$C1" udp packets), $(q "$VIP" "$C1" udp lost) lost at [$(q "$VIP" "$C1" udp loss_hops)], the bridge dropped $edropped, $C1 got $got"
[ "$bdropped" -ge 40 ] && [ $((echoed + bdropped)) = 1000 ] &&
	[ "$edropped" -ge 30 ] && [ $((got + edropped)) = "$echoed" ] ||
	it_fail "joining: the path lost datagrams: no truth to compare"
[ "$(q "$C1" "$C2" udp packets)" = 1000 ] &&
	[ "$(q "$C1" "$C2" udp lost)" = "$bdropped" ] &&
	[ "$(q "$C1" "$C2" udp loss_hops)" = "veth_in>ovs_rx" ] ||
	it_fail "joining: to $C2 $(q "$C1" "$C2" udp packets) of 1000 counted, $(q "$C1" "$C2" udp lost) lost at [$(q "$C1" "$C2" udp loss_hops)], the bridge dropped $bdropped"
[ "$(q "$VIP" "$C1" udp packets)" = "$echoed" ] &&
	[ "$(q "$VIP" "$C1" udp lost)" = "$edropped" ] &&
	[ "$(q "$VIP" "$C1" udp loss_hops)" = "ovs_tx>veth_out" ] ||
	it_fail "joining: echoes $(q "$VIP" "$C1" udp packets) of $echoed counted, $(q "$VIP" "$C1" udp lost) lost at [$(q "$VIP" "$C1" udp loss_hops)], the bridge dropped $edropped"

echo "== the switch's rewrite added while a flow runs"
agent_start
it_udp_recv 2 7012
it_echo_send 1 "$VIP" 7012 1000 40003 >/dev/null &
spid=$!
sleep 1
dnat 7012 || it_fail "cannot add the switch's NAT rule for 7012"
wait "$spid"
it_wait "$IT_TMP/r2" received 10 || it_fail "the receiver did not finish"
recv=$(sed -n 's/^received //p' "$IT_TMP/r2")
it_settle 2.5
it_agent_stop
before=$(q "$C1" "$VIP" udp packets) after=$(q "$C1" "$C2" udp packets)
echo "rewritten as it runs: $before under the service address, $after under $C2 ($recv received), $(q "$C1" "$C2" udp lost) lost, $(q "$C1" "$VIP" udp lost) before"
[ "$recv" -gt 100 ] && [ "$recv" -lt 1000 ] ||
	it_fail "rewritten as it runs: $C2 received $recv of 1000: the rule did not come mid-flow"
[ $((before + after)) = 1000 ] && [ "$after" -ge "$recv" ] ||
	it_fail "rewritten as it runs: $before + $after counted of 1000 sent, $recv received after the rule"
[ "$(q "$C1" "$C2" udp lost)" = 0 ] && [ "$(q "$C1" "$VIP" udp lost)" = 0 ] ||
	it_fail "rewritten as it runs: loss shown ($(q "$C1" "$VIP" udp lost) before, $(q "$C1" "$C2" udp lost) after); none was lost"
echo "PASS: a flow the switch rewrites is one flow with the kernel's hops: its packets once, its drops shown"
