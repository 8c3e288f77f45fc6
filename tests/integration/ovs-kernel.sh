#!/bin/sh
# One path through the kernel and Open vSwitch (the cMonitor case): a
# kernel container on a Linux bridge (cmon's BPF stamp) whose uplink is an
# OVS port (role trunk), to a DPDK container on vhost-user (OVS strips).
# cmon-dpdk runs the kernel agent and reads the OVS ring in one process and
# reports the whole path hop by hop, both directions:
#   container -> veth_in (kernel) -> ovs_rx -> ovs_tx (strip, OVS ring)
#   DPDK app -> ovs_rx (stamp) -> ovs_tx -> veth_out (strip, kernel ring)
# A third, kernel container on one of the switch's own af_packet ports
# gets its kernel receive hop (veth_out at its eth0's ingress), and the
# switch hands traced packets on to it (the hop strips them: datagrams
# arrive byte-exact, nothing reaches the container's stack annotated, and
# their path goes on into it), until cmon-dpdk stops or is killed; an
# annotation that would take a packet past the MTU of the container's port
# is not written into it there; drops between the switch and
# it are located at ovs_tx>veth_out, and the
# host stack's copy of what it sends the switch is no loss of its; the
# copy of what it sends the DPDK container that a switch which forgot that
# container's MAC floods to the trunk, and the Linux bridge sends no
# further, is no drop of its; a frame the switch copies to it for another
# is not counted there.
# One plugged into the switch while cmon-dpdk runs is watched from then
# on, and let go when its port goes.
set -u
. "$(dirname "$0")/lib.sh"
it_init cmtk
it_ovs_init

KEY=fedcba9876543210
echo "$KEY" >"$IT_TMP/key"
C1=${CMON_PFX}c1 C2=${CMON_PFX}c2 D1=${CMON_PFX}d1
IPD=$NET.9 MACD=02:00:00:00:00:09 IP2=$NET.8
it_host 1
it_in 1 ethtool -K eth0 tx off tso off gso off >/dev/null
cmon_ovs_start "$IT_TMP/ovs" cmon-enable=true cmon-sample=1 \
	cmon-key=$KEY cmon-node-id=5 || it_fail "cannot start ovs-vswitchd"
cmon_ovs_uplink "$BR" trunk || it_fail "cannot add the uplink"
cmon_ovs_vhost "$D1" container || it_fail "cannot add vhost port"
cmon_ovs_dpdk_container "$D1" "$IPD" "$MACD" ||
	it_fail "DPDK container did not start: $(tail -5 "$IT_TMP/ovs/$D1.testpmd.log")"
it_in 1 ip neigh replace "$IPD" lladdr "$MACD" dev eth0
cmon_ovs_container "$C2" "$IP2" container || it_fail "cannot plug $C2"
PORT2=$(cmon_ns_port "$C2")
ovs_if=$(cmon_ovs_vsctl get Interface "$C2" status:if_index | tr -d '"')
[ "$ovs_if" = "$(cat "/sys/class/net/$PORT2/ifindex")" ] ||
	it_fail "the switch's status names if_index [$ovs_if] for $C2's af_packet port, not $PORT2's"

it_fresh "$IT_TMP/agent.json" "$IT_TMP/agent.err"
"$DPDK_APP" --bridge "$BR" --file-prefix "$CMON_OVS_PREFIX" --sample 1 \
	--key-file "$IT_TMP/key" --peer-subnet "$IPD/32" --node-id 5 \
	--json --interval 0.5 >"$IT_TMP/agent.json" 2>"$IT_TMP/agent.err" &
AGENT_PID=$!
it_wait "$IT_TMP/agent.err" "attached" 20 ||
	it_fail "cmon-dpdk did not start: $(cat "$IT_TMP/agent.err")"
it_wait "$IT_TMP/agent.err" "container $C1 joined" 5 ||
	it_fail "cmon-dpdk's kernel agent did not find $C1"
grep -q "upb" "$IT_TMP/agent.err" &&
	it_fail "the uplink veth was taken for a container"
it_wait "$IT_TMP/agent.err" "container $C2 joined .* af_packet port: receive hop at its eth0" 5 ||
	it_fail "cmon-dpdk's kernel agent did not watch $C2's af_packet veth: $(cat "$IT_TMP/agent.err")"
progs=$(it_tcx_on "$AGENT_PID" "$(cat "/sys/class/net/$PORT2/ifindex")")
progs_ct=$(it_tcx_on "$AGENT_PID" "$(it_in 2 cat /sys/class/net/eth0/ifindex)")
[ -z "$progs" ] && [ "$progs_ct" = "ingress cmon_veth_out" ] ||
	it_fail "$C2's veth has [$progs], its eth0 [$progs_ct]: want the receive hop alone, at eth0's ingress"
# handed_on: the switch hands traced packets on to $C2's receive hop
# within 5 s (it looks twice a second)
handed_on() {
	local i
	for i in $(seq 50); do
		cmon_ovs_appctl cmon/show | grep -q "receive hop:.* $C2\b" &&
			return 0
		sleep 0.1
	done
	return 1
}
handed_on || it_fail "the switch does not hand traced packets on to $C2's receive hop: $(cmon_ovs_appctl cmon/show | grep 'handed on')"
# (what reaches $C2's stack with IPv4 options: an annotation not stripped)
it_in 2 nft -f - <<NFT || it_fail "cannot add $C2's counter of IPv4 options"
table inet $CMON_PFX {
	counter options {}
	counter echoed {}
	chain seen {
		type filter hook input priority -10; policy accept;
		ip hdrlength != 5 counter name options
		ip saddr $IPD udp sport 7010-7012 counter name echoed
	}
}
NFT

it_in 1 ping -c 30 -i 0.05 -W 2 "$IPD" >"$IT_TMP/ping" ||
	it_fail "DPDK container did not answer: $(tail -3 "$IT_TMP/ping")"
echo "ping: $(grep -o '[0-9]* received' "$IT_TMP/ping")"

# Drops behind the switch: the Linux bridge drops 1 in 10 of what comes
# back from the DPDK container through the trunk.  The switch counts every
# packet at its hops and the kernel hop after it carries the path on: the
# loss is located at ovs_tx>veth_out, exactly as many as nft dropped.
nft -f - <<NFT || it_fail "cannot add the bridge drop"
table bridge $CMON_PFX {
	counter dropped {}
	chain forward {
		type filter hook forward priority 0; policy accept;
		iifname "${CMON_PFX}upb" ip saddr $IPD udp sport 7000 numgen inc mod 10 == 0 counter name dropped drop
	}
}
NFT
it_udp_paced 1 "$IPD" 7000 2000
# Behind the switch's af_packet port: the container's own firewall drops
# 1 in 10 datagrams to one port, and nothing listens on another.  Its
# receive hop counts them all (the path lost none), and each datagram the
# receiver missed is a drop in the container, with the kernel's reason.
# The reverse pair loses none, though the host stack drops its own copy
# of what the container sends the switch.
it_input_drop 2 7001 10
it_in 1 ping -c 2 -i 0.2 -W 2 "$IP2" >/dev/null ||
	it_fail "$C2 on its af_packet port did not answer $C1"
it_udp_recv 2 7001 3
it_udp_recv 1 7002 3
it_udp_paced 1 "$IP2" 7001 2000
it_udp_paced 1 "$IP2" 7004 100
it_udp_paced 2 "$(it_ip 1)" 7002 2000
it_wait "$IT_TMP/r2" received 10 && it_wait "$IT_TMP/r1" received 10 ||
	it_fail "the receivers did not finish"
got2=$(sed -n 's/^received //p' "$IT_TMP/r2")
got1=$(sed -n 's/^received //p' "$IT_TMP/r1")
dropped=$(it_nft_packets - bridge dropped)
dropped2=$(it_input_dropped 2)
# $C1's echo requests to the DPDK container, and its replies to the
# requests the container reflects, copied by the switch to $C2's af_packet
# port too (an OpenFlow rule, as a flood to a MAC the switch has not
# learnt would): copies $C2's eth0 drops as OTHERHOST, as many as an nft
# counter there sees, counted apart, not in their flow.
it_settle 1
copies0=$(it_query - - - foreign_copies)
it_in 2 nft -f - <<NFT || it_fail "cannot add $C2's counter of copies"
table netdev $CMON_PFX {
	counter otherhost {}
	chain in {
		type filter hook ingress device eth0 priority 0; policy accept;
		meta pkttype other ip protocol icmp counter name otherhost
	}
}
NFT
copy="priority=100,icmp,nw_src=$(it_ip 1),nw_dst=$IPD"
ovs-ofctl add-flow "$CMON_OVS_OF" "$copy,actions=output:$D1,output:$C2" ||
	it_fail "cannot add the rule copying to $C2"
it_in 1 ping -c 5 -i 0.2 -W 2 "$IPD" >/dev/null ||
	it_fail "the DPDK container did not answer the copied echoes"
ovs-ofctl --strict del-flows "$CMON_OVS_OF" "$copy" || it_fail "cannot remove the rule"
it_settle 1
copies=$(($(it_query - - - foreign_copies) - copies0))
otherhost=$(it_nft_packets "$C2" netdev otherhost)
echo "echoes copied to $C2: $otherhost (its nft), $copies counted apart"
[ "$otherhost" -ge 5 ] && [ "$copies" = "$otherhost" ] ||
	it_fail "$copies copies to $C2 counted apart; its nft saw $otherhost"
# A switch that has forgotten the DPDK container's MAC floods $C2's
# datagrams to it, the trunk too; the Linux bridge, which learnt that MAC
# behind its uplink, drops the copy (a frame back out of the port it came
# in by): not a drop of the pair's, its packet reached the container.
it_in 2 ip neigh replace "$IPD" lladdr "$MACD" dev eth0
for i in 1 2 3 4 5; do
	cmon_ovs_appctl fdb/flush >/dev/null
	it_in 2 python3 -c "
import socket
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x' * 64, ('$IPD', 7003))"
	sleep 0.2
done
# c2_echoes PORT BYTES: $C2 sends 20 datagrams of BYTES (IPv4 length) to
# the DPDK container's PORT, which echoes them: how many came back
# ($echoed), and how many packets reached $C2's stack with IPv4 options so
# far ($options)
c2_echoes() {
	local echoed0
	echoed0=$(it_nft_packets "$C2" inet echoed)
	it_in 2 python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(20):
    s.sendto(b'x' * ($2 - 28), ('$IPD', $1)); time.sleep(0.01)"
	sleep 0.5
	echoed=$(($(it_nft_packets "$C2" inet echoed) - echoed0))
	options=$(it_nft_packets "$C2" inet options)
}
# port_mtu N: $C2's port in the switch (and so its veth) at MTU N
port_mtu() {
	local i
	cmon_ovs_vsctl set Interface "$C2" mtu_request="$1" ||
		it_fail "cannot set $C2's port's MTU"
	for i in $(seq 100); do
		[ "$(cat "/sys/class/net/$PORT2/mtu")" = "$1" ] && break
		sleep 0.1
	done
	# (the switch reads a port's MTU as it applies its other_config)
	cmon_ovs_vsctl set Interface "$C2" external_ids:${CMON_PFX}mtu="$1"
}
# Echoes that would not fit $C2's port with their annotation (its MTU
# 1400, the DPDK container's 1500) leave as they came, their path ending
# at the switch: all reach $C2 (written into them, the kernel would drop
# each as too long for the veth).
port_mtu 1400
c2_echoes 7012 1400
echo "echoes of 1400 bytes to $C2's port of MTU 1400: $echoed of 20"
[ "$echoed" = 20 ] ||
	it_fail "$echoed of 20 echoes of 1400 bytes reached $C2 through its port of MTU 1400"
port_mtu 1500
it_settle 2
it_agent_stop
# cmon-dpdk took its receive hop back before detaching it: the switch
# strips again what the DPDK container echoes to $C2
cmon_ovs_appctl cmon/show | grep -q "handed on to the container's receive hop: none" ||
	it_fail "cmon-dpdk stopped, the switch still hands on: $(cmon_ovs_appctl cmon/show | grep 'handed on')"
# strips_again PORT WHEN: echoes to $C2 reach its stack without options
strips_again() {
	c2_echoes "$1" 92
	echo "$2: $echoed of 20 echoed to $C2, $options with IPv4 options"
	[ "$echoed" -gt 0 ] && [ "$options" = 0 ] ||
		it_fail "$2: $echoed echoes reached $C2, $options with IPv4 options"
}
strips_again 7010 "cmon-dpdk stopped"
for f in packets lost reasons drops:NETFILTER_DROP drops:NO_SOCKET; do
	v=$(it_query "$C1" "$C2" udp "$f")
	eval "to2_${f#drops:}=\$v"
done
for f in packets lost reasons; do
	eval "from2_$f=\$(it_query "$C2" "$C1" udp $f)"
done
echo "af_packet port: to $C2 $to2_packets packets, $to2_lost lost [$to2_reasons], $got2 of 2000 received, its nft dropped $dropped2 (cmon: $to2_NETFILTER_DROP), 100 to no socket (cmon: $to2_NO_SOCKET); from it $from2_packets packets, $from2_lost lost [$from2_reasons], $got1 received"
[ "$to2_packets" = 2100 ] && [ "$to2_lost" = 0 ] ||
	it_fail "to $C2: $to2_packets packets, $to2_lost lost on the path; 2100 sent, all reached $C2"
[ "$dropped2" -ge 190 ] && [ "$to2_NETFILTER_DROP" = "$dropped2" ] &&
	[ $((got2 + dropped2)) = 2000 ] ||
	it_fail "to $C2: cmon saw $to2_NETFILTER_DROP NETFILTER_DROP, $C2's nft dropped $dropped2, its receiver got $got2 of 2000"
[ "$to2_NO_SOCKET" = 100 ] ||
	it_fail "to $C2: cmon saw $to2_NO_SOCKET NO_SOCKET drops in it, 100 sent to no socket"
[ "$from2_packets" = 2000 ] && [ "$from2_lost" = 0 ] && [ "$got1" = 2000 ] &&
	[ -z "$from2_reasons" ] ||
	it_fail "from $C2: $from2_packets packets, $from2_lost lost [$from2_reasons], $got1 received; 2000 sent"
# handed on by the switch, stripped by $C2's receive hop, every one
# recorded there: its path goes on to veth_out, none lost in sequence, no
# annotation reaches its stack
for f in traced seq_lost seg_means; do
	eval "to2_$f=\$(it_query "$C1" "$C2" udp $f)"
done
echo_seg=$(it_query "$IPD" "$C2" udp seg_means)
options=$(it_nft_packets "$C2" inet options)
echo "handed on to $C2: $to2_traced traced, $to2_seq_lost missing; $options with IPv4 options at its stack; $C1 -> $C2: $to2_seg_means; echoes of the DPDK container: $echo_seg"
[ "$to2_traced" = 2100 ] && [ "$to2_seq_lost" = 0 ] && [ "$options" = 0 ] ||
	it_fail "to $C2: $to2_traced of 2100 traced, $to2_seq_lost missing, $options reached its stack with options"
for s in "veth_in>ovs_rx" "ovs_rx>ovs_tx" "ovs_tx>veth_out"; do
	case "$to2_seg_means" in *"'$s'"*) ;; *) it_fail "$C1 -> $C2 lacks $s: $to2_seg_means" ;; esac
done
for s in "ovs_rx>ovs_tx" "ovs_tx>veth_out"; do
	case "$echo_seg" in *"'$s'"*) ;; *) it_fail "DPDK container -> $C2 lacks $s: $echo_seg" ;; esac
done
flood_reasons=$(it_query "$C2" "$IPD" udp reasons)
echo "flooded to the trunk: $C2 to the DPDK container $(it_query "$C2" "$IPD" udp packets) packets, drops [$flood_reasons]"
[ -z "$flood_reasons" ] ||
	it_fail "$C2 to the DPDK container: drops [$flood_reasons] shown for the copies the switch flooded to the trunk"
for f in packets lost loss_hops reasons; do
	eval "out_$f=\$(it_query "$C1" "$IPD" udp $f)"
	eval "back_$f=\$(it_query "$IPD" "$C1" udp $f)"
done
echo "udp: out $out_packets packets, $out_lost lost at [$out_loss_hops] [$out_reasons]; back $back_packets packets, $back_lost lost at [$back_loss_hops] [$back_reasons]; nft dropped $dropped"
# (the DPDK container echoes what it gets: on a busy machine a ring on the
# way to it can be full, a loss located on the way)
[ "$out_packets" = 2000 ] && [ $((out_lost + back_packets)) = 2000 ] ||
	it_fail "to the DPDK container: $out_packets packets, $out_lost lost; it echoed $back_packets of 2000"
case "$out_lost:$out_loss_hops" in
0:|*:veth_in\>ovs_rx|*:ovs_rx\>ovs_tx) ;;
*) it_fail "to the DPDK container: $out_lost lost at [$out_loss_hops] [$out_reasons]" ;;
esac
[ "$back_lost" = "$dropped" ] && [ "$dropped" -ge 150 ] ||
	it_fail "back: $back_lost lost, the bridge dropped $dropped"
[ "$back_loss_hops" = "ovs_tx>veth_out" ] ||
	it_fail "back: loss at [$back_loss_hops], not ovs_tx>veth_out"
back_nf=$(it_query "$IPD" "$C1" udp drops:NETFILTER_DROP)
[ "$back_nf" = "$dropped" ] ||
	it_fail "back: $back_nf drops seen with NETFILTER_DROP, the bridge dropped $dropped"

out=$(it_query "$C1" "$IPD" icmp seg_means)
back=$(it_query "$IPD" "$C1" icmp seg_means)
echo "$C1 -> DPDK (mean us): $out"
echo "DPDK -> $C1 (mean us): $back"
for s in "veth_in>ovs_rx" "ovs_rx>ovs_tx"; do
	case "$out" in *"'$s'"*) ;; *) it_fail "outbound path lacks $s: $out" ;; esac
done
for s in "ovs_rx>ovs_tx" "ovs_tx>veth_out"; do
	case "$back" in *"'$s'"*) ;; *) it_fail "return path lacks $s: $back" ;; esac
done
n_out=$(it_query "$C1" "$IPD" icmp traced)
n_back=$(it_query "$IPD" "$C1" icmp traced)
echo "records: $n_out out, $n_back back"
# testpmd swaps addresses, so each ping is two packets each way
[ "$n_out" -ge 30 ] && [ "$n_back" -ge 30 ] ||
	it_fail "records: $n_out out, $n_back back, want >= 30 each"
for c in ovs_bad_tag ovs_malformed bad_tag malformed ovs_ring_full ring_full; do
	[ "$(it_query - - - $c)" = 0 ] || it_fail "counter $c is not 0"
done
[ "$(it_query - - - ovs_written)" -gt 0 ] || it_fail "trunk port wrote no hop"
e2e=$(it_query "$C1" "$IPD" icmp e2e_mean)
python3 -c "import sys; sys.exit(0 if 0 < $e2e < 1e6 else 1)" ||
	it_fail "end-to-end mean $e2e us"

# --kernel without --bridge: the kernel agent for the switch's af_packet
# ports alone (not the bridge's containers)
it_fresh "$IT_TMP/agent.json" "$IT_TMP/agent.err"
"$DPDK_APP" --kernel --file-prefix "$CMON_OVS_PREFIX" --sample 1 \
	--key-file "$IT_TMP/key" --node-id 5 --json --interval 0.5 \
	--http 127.0.0.1:0 >"$IT_TMP/agent.json" 2>"$IT_TMP/agent.err" &
AGENT_PID=$!
it_wait "$IT_TMP/agent.err" "container $C2 joined" 20 ||
	it_fail "cmon-dpdk --kernel did not watch $C2: $(cat "$IT_TMP/agent.err")"
it_udp_recv 2 7006 2
it_udp_paced 1 "$IP2" 7006 300
it_wait "$IT_TMP/r2" received 10 || it_fail "the receiver did not finish"
# in the topology once: on the switch's port, as the agent names it
hport=$(it_http_port "$IT_TMP/agent.err")
curl -sf "http://127.0.0.1:$hport/api/v1/topology" >"$IT_TMP/topo.json" ||
	it_fail "no topology from cmon-dpdk --kernel"
python3 - "$IT_TMP/topo.json" "$C2" "$IP2" "$CMON_OVS_BR" "${CMON_PFX}up" <<'PY' ||
import json, sys
t = json.load(open(sys.argv[1]))
c2, ip2, br, trunk = sys.argv[2:]
mine = [c for c in t["containers"] if ip2 in c["ips"]]
assert len(mine) == 1, mine
assert mine[0]["name"] == c2 and mine[0]["bridge"] == br and mine[0]["port_type"] == "dpdk", mine
# the switch's ports: the trunk to the Linux bridge, and C2's
ports = {p["name"]: p for p in next(b for b in t["bridges"] if b["name"] == br)["ports"]}
assert ports[trunk] == {"name": trunk, "type": "dpdk", "role": "trunk", "container": None}, ports
assert ports[mine[0]["port"]]["container"] == c2, ports
PY
	it_fail "$C2 in the topology: $(head -c 800 "$IT_TMP/topo.json")"
# A kernel container plugged into the switch while cmon-dpdk runs, then
# unplugged: its receive hop from its join (every datagram counted, none
# lost), and gone with its port.
C3=${CMON_PFX}c3 IP3=$NET.7
cmon_ovs_container "$C3" "$IP3" container || it_fail "cannot plug $C3 live"
it_wait "$IT_TMP/agent.err" "container $C3 joined .* af_packet port" 10 ||
	it_fail "cmon-dpdk did not watch $C3, plugged live: $(tail -5 "$IT_TMP/agent.err")"
# (links are told by ifindex alone: $C2's eth0 may have the same)
ct3_if=$(it_in 3 cat /sys/class/net/eth0/ifindex)
others=
[ "$ct3_if" != "$(it_in 2 cat /sys/class/net/eth0/ifindex)" ] ||
	others="ingress cmon_veth_out"
progs3=$(it_tcx_on "$AGENT_PID" "$ct3_if" | paste -sd' ')
[ "$progs3" = "${others:+$others }ingress cmon_veth_out" ] ||
	it_fail "$C3's eth0, plugged live, has [$progs3]: want its receive hop"
# (the burst below would overflow $C1's queue for an unresolved neighbour)
it_in 1 ping -c 2 -i 0.2 -W 2 "$IP3" >/dev/null ||
	it_fail "$C3, plugged live, does not answer $C1"
it_udp_recv 3 7007 2
it_udp_paced 1 "$IP3" 7007 300
it_wait "$IT_TMP/r3" received 10 || it_fail "$C3's receiver did not finish"
got3=$(sed -n 's/^received //p' "$IT_TMP/r3")
cmon_ovs_vsctl del-port "$CMON_OVS_BR" "$C3" || it_fail "cannot unplug $C3"
it_wait "$IT_TMP/agent.err" "container $C3 left" 10 ||
	it_fail "cmon-dpdk did not let $C3 go with its port: $(tail -5 "$IT_TMP/agent.err")"
progs3=$(it_tcx_on "$AGENT_PID" "$ct3_if" | paste -sd' ')
[ "$progs3" = "$others" ] ||
	it_fail "$C3's eth0 keeps [$progs3] after its port went"
it_settle
it_agent_stop
grep -q "container $C1 joined" "$IT_TMP/agent.err" &&
	it_fail "cmon-dpdk --kernel watched $C1, on a bridge it was not given"
# ($C1, on the bridge, is known by its address alone)
k_packets=$(it_query "$(it_ip 1)" "$C2" udp packets)
k_lost=$(it_query "$(it_ip 1)" "$C2" udp lost)
k_got=$(sed -n 's/^received //p' "$IT_TMP/r2")
echo "--kernel: to $C2 $k_packets packets, $k_lost lost, $k_got received"
[ "$k_packets" = 300 ] && [ "$k_lost" = 0 ] && [ "$k_got" = 300 ] ||
	it_fail "--kernel: to $C2 $k_packets packets, $k_lost lost; 300 sent, $k_got received"
l_packets=$(it_query "$(it_ip 1)" "$C3" udp packets)
l_lost=$(it_query "$(it_ip 1)" "$C3" udp lost)
l_reasons=$(it_query "$(it_ip 1)" "$C3" udp reasons)
echo "plugged live: to $C3 $l_packets packets, $l_lost lost [$l_reasons], $got3 received"
[ "$l_packets" = 300 ] && [ "$l_lost" = 0 ] && [ "$got3" = 300 ] &&
	[ -z "$l_reasons" ] ||
	it_fail "plugged live: to $C3 $l_packets packets, $l_lost lost [$l_reasons]; 300 sent, $got3 received"
# Every byte $C1 sends reaches $C2 as sent: the trailer the kernel's
# stamp hop adds to a datagram, carried through the switch, is stripped at
# $C2's receive hop.  Killed, cmon-dpdk takes nothing back: its receive
# hops go with it, and the switch strips again once its heartbeat stops.
"$DPDK_APP" --bridge "$BR" --file-prefix "$CMON_OVS_PREFIX" --sample 1 \
	--key-file "$IT_TMP/key" --peer-subnet "$IPD/32" --node-id 5 \
	--json --interval 0.5 >"$IT_TMP/agent.json" 2>"$IT_TMP/agent.err" &
AGENT_PID=$!
it_wait "$IT_TMP/agent.err" "container $C2 joined" 20 &&
	it_wait "$IT_TMP/agent.err" "container $C1 joined" 5 ||
	it_fail "cmon-dpdk did not watch $C1 and $C2 again: $(cat "$IT_TMP/agent.err")"
handed_on || it_fail "the switch does not hand on to $C2's receive hop again"
it_udp_exact "$C1" "$C2" "$IP2" 0-1400/7 ||
	it_fail "$C1 to $C2, handed on: not byte-exact: $(cat "$IT_TMP/recv")"
it_settle 1
# (201 sizes, each sent 3 times, every one traced and recorded at $C2's
# receive hop, where it was stripped)
x_packets=$(it_query "$C1" "$C2" udp packets)
x_traced=$(it_query "$C1" "$C2" udp traced)
echo "byte-exact, handed on: $C1 to $C2 $x_packets datagrams, $x_traced traced"
[ "$x_packets" = 603 ] && [ "$x_traced" = 603 ] ||
	it_fail "byte-exact to $C2: $x_packets datagrams counted, $x_traced traced; 603 sent"
kill -KILL "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null
AGENT_PID=""
it_wait "$CMON_OVS_DIR/vswitchd.log" "cmon-dpdk stopped without taking its receive hops back" 6 ||
	it_fail "cmon-dpdk killed, the switch still hands on: $(cmon_ovs_appctl cmon/show | grep 'handed on')"
strips_again 7011 "cmon-dpdk killed"
echo "PASS: kernel and OVS-DPDK hops in one path, one process"
