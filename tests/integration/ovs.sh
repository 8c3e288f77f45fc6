#!/bin/sh
# Open vSwitch with DPDK (ovs-patches/, tools/build-ovs): the patched
# ovs-vswitchd on hugepages with two kernel containers on af_packet ports
# and one DPDK container (testpmd on vhost-user, echoing), every packet
# traced; cmon-dpdk, a DPDK secondary process, reads the shared ring.
#   - UDP byte-exact (0..1472 B) and TCP sha256-exact between the kernel
#     containers
#   - ping through vhost-user answered; per-hop records both ways
#   - forged annotations from a container neutralised, payload unchanged
#   - every packet counted per flow: pairs equal to nft's counts and a
#     receiver's, loss from an OpenFlow drop rule, a meter, an egress QoS
#     policer and an ingress policer exact with the switch's reasons,
#     flood copies apart; the switch's bridge and ports in the topology,
#     and on the page (Chromium)
#   - other_config:cmon-capture: frames the switch strips dumped to pcapng
#     by cmon-dpdk --pcap, annotation and hops readable by tshark, and by
#     a rule's capture (its pairs' frames only)
#   - cmon-dpdk attaching and detaching during traffic disturbs nothing
#   - bad ovs-vsctl values rejected with a log line, previous value kept
#   - OVS absent or exiting: cmon-dpdk says so and exits 3
set -u
. "$(dirname "$0")/lib.sh"
it_init cmto
it_ovs_init

KEY=0123456789abcdef
C1=${CMON_PFX}c1 C2=${CMON_PFX}c2 D1=${CMON_PFX}d1
IP1=$NET.2 IP2=$NET.3 IPD=$NET.9 MACD=02:00:00:00:00:09
cmon_ovs_start "$IT_TMP/ovs" cmon-enable=true cmon-sample=1 \
	cmon-key=$KEY cmon-node-id=3 || it_fail "cannot start ovs-vswitchd"
cmon_ovs_container "$C1" "$IP1" container || it_fail "cannot plug $C1"
cmon_ovs_container "$C2" "$IP2" container || it_fail "cannot plug $C2"
cmon_ovs_vhost "$D1" container || it_fail "cannot add vhost port"
cmon_ovs_dpdk_container "$D1" "$IPD" "$MACD" ||
	it_fail "DPDK container did not start: $(tail -5 "$IT_TMP/ovs/$D1.testpmd.log")"
cmon_ovs_appctl cmon/show | grep -q "monitoring: on" ||
	it_fail "cmon/show does not say monitoring is on"
# the switch's own counters only, in the kernel's vocabulary
cmon_ovs_appctl cmon/show >"$IT_TMP/show"
grep -q "^skip_room: " "$IT_TMP/show" && ! grep -q "^skip_dst: " "$IT_TMP/show" ||
	it_fail "cmon/show counters: $(cat "$IT_TMP/show")"

# no OVS under that prefix: a clear error, exit 3
"$DPDK_APP" --file-prefix "${CMON_PFX}none" >/dev/null 2>"$IT_TMP/none.err"
rc=$?
[ "$rc" = 3 ] && grep -q "no ovs-vswitchd" "$IT_TMP/none.err" ||
	it_fail "absent OVS: exit $rc, $(cat "$IT_TMP/none.err")"

dpdk_start() {	# cmon-dpdk --json into $IT_TMP/$1.json [OPTIONS]
	local name=$1
	shift
	it_fresh "$IT_TMP/$name.json" "$IT_TMP/$name.err"
	"$DPDK_APP" --file-prefix "$CMON_OVS_PREFIX" --json --interval 0.5 "$@" \
		>"$IT_TMP/$name.json" 2>"$IT_TMP/$name.err" &
	DPDK_PID=$!
	it_wait "$IT_TMP/$name.err" "attached" 20 ||
		it_fail "cmon-dpdk did not attach: $(cat "$IT_TMP/$name.err")"
}
q() { python3 "$HERE/query.py" "$IT_TMP/main.json" "$@"; }

dpdk_start main
it_on_exit 'kill $DPDK_PID 2>/dev/null'

# UDP byte-exact up to the MTU (DPDK's af_packet PMD reassembles IP
# fragments into frames OVS then drops as too big: not a cmon matter);
# TCP sha256-exact
it_udp_exact "$C1" "$C2" "$IP2" 0-1472 || it_fail "UDP: $(cat "$IT_TMP/recv")"
echo "udp: $(tail -1 "$IT_TMP/recv")"
head -c 20M /dev/urandom >"$IT_TMP/data"
want=$(sha256sum <"$IT_TMP/data" | cut -d' ' -f1)
it_in 2 sh -c "socat -u TCP-LISTEN:5002,reuseaddr - | sha256sum" \
	>"$IT_TMP/got" &
rpid=$!
it_listening "$C2" 5002
it_in 1 socat -u "FILE:$IT_TMP/data" "TCP:$IP2:5002" || it_fail "TCP sender failed"
wait "$rpid"
[ "$(cut -d' ' -f1 "$IT_TMP/got")" = "$want" ] || it_fail "TCP sha256 differs"
echo "tcp: 20 MB sha256-exact"

# the DPDK container answers pings through vhost-user
it_in 1 ip neigh replace "$IPD" lladdr "$MACD" dev eth0
it_in 1 ping -c 20 -i 0.05 -W 2 "$IPD" >"$IT_TMP/ping" ||
	it_fail "DPDK container did not answer: $(tail -3 "$IT_TMP/ping")"
echo "ping: $(grep -o '[0-9]* received' "$IT_TMP/ping")"

# forged annotations from a container
it_forged "$C1" "$C2" "$IP1" "$IP2" >/dev/null
echo "forged: delivered unchanged"
sleep 1.5

udp_traced=$(q "$IP1" "$IP2" udp traced)
tcp_traced=$(q "$IP1" "$IP2" tcp traced)
ack_traced=$(q "$IP2" "$IP1" tcp traced)
ping_out=$(q "$IP1" "$IPD" icmp traced)
ping_back=$(q "$IPD" "$IP1" icmp traced)
seg=$(q "$IP1" "$IP2" udp seg_means)
echo "records: udp=$udp_traced tcp=$tcp_traced acks=$ack_traced ping=$ping_out/$ping_back"
echo "udp hops (mean us): $seg"
[ "$udp_traced" -gt 1000 ] || it_fail "only $udp_traced UDP records"
# full-MSS segments have no room for 40 bytes under a 1500 MTU (skip_mtu)
[ "$tcp_traced" -gt 0 ] || it_fail "no TCP data records"
[ "$ack_traced" -gt 200 ] || it_fail "only $ack_traced TCP ACK records"
[ "$ping_out" -ge 20 ] && [ "$ping_back" -ge 20 ] ||
	it_fail "vhost-user path records: $ping_out out, $ping_back back"
case "$seg" in *"'ovs_rx>ovs_tx'"*) ;; *) it_fail "no ovs_rx>ovs_tx hop: $seg" ;; esac
[ "$(q "$IP1" "$IP2" udp seg_min_p50)" != 0.0 ] || it_fail "zero hop latency"
for c in ovs_bad_tag ovs_bad_version ovs_malformed ovs_ring_full \
	 ovs_skip_room agg_bad_records; do
	[ "$(q - - - $c)" = 0 ] || it_fail "counter $c is $(q - - - $c)"
done
for c in ovs_skip_mtu ovs_sanitised; do
	[ "$(q - - - $c)" -gt 0 ] || it_fail "counter $c not counted"
done
[ "$(q - - - ovs_records)" -ge "$(q - - - ovs_stamped)" ] ||
	it_fail "fewer records than stamps on a path that drops none"

# Every packet counted per flow at the switch's hops (cmon_ovs_flows), by
# a cmon-dpdk started now: the pair to the DPDK container and back shows
# exactly what C1's nft counters saw leave and arrive; an OpenFlow rule
# dropping one flow of a pair and a meter dropping most of another are its
# exact loss, at ovs_rx>ovs_tx with the switch's reasons, while another
# rule floods the pair's third flow to C2 and C3 (D1 kept out of floods:
# it would echo them): copies are neither delivery nor duplicates.  A
# fourth rule rewrites the source port of a fourth flow: its packets are
# counted where they leave in the flow they came in by, once.
C3=${CMON_PFX}c3 IP3=$NET.4
cmon_ovs_container "$C3" "$IP3" container || it_fail "cannot plug $C3"
ovs-ofctl mod-port "$CMON_OVS_OF" "$D1" no-flood || it_fail "cannot keep $D1 out of floods"
cmon_ovs_vsctl set bridge "$CMON_OVS_BR" protocols=OpenFlow10,OpenFlow13
ovs-ofctl add-flow "$CMON_OVS_OF" "priority=100,udp,nw_src=$IP1,tp_src=40001,actions=drop" &&
ovs-ofctl add-flow "$CMON_OVS_OF" "priority=100,udp,nw_src=$IP1,tp_src=40002,actions=flood" &&
ovs-ofctl -O OpenFlow13 add-meter "$CMON_OVS_OF" "meter=1,pktps,band=type=drop,rate=50" &&
ovs-ofctl -O OpenFlow13 add-flow "$CMON_OVS_OF" \
	"priority=100,udp,nw_src=$IP1,tp_src=40003,actions=meter:1,normal" &&
ovs-ofctl add-flow "$CMON_OVS_OF" \
	"priority=100,udp,nw_src=$IP1,tp_src=40004,actions=mod_tp_src:40005,normal" ||
	it_fail "cannot add the OpenFlow rules"
ip netns exec "$C1" nft -f - <<NFT || it_fail "cannot add the nft counters"
table inet $CMON_PFX {
	counter to_dpdk {}
	counter from_dpdk {}
	chain out { type filter hook output priority 0; ip daddr $IPD counter name to_dpdk; }
	chain in { type filter hook input priority 0; ip saddr $IPD counter name from_dpdk; }
}
NFT
# (alone: the record ring has one reader)
kill -INT "$DPDK_PID"; wait "$DPDK_PID" || it_fail "cmon-dpdk exit status $?"
dpdk_start flows --http 127.0.0.1:0 --web-root "$top_builddir/web/dist"
sleep 1
it_udp_recv 2 5009 3
rpid=$!
it_in 1 python3 -c "
import socket, time
drop, keep = socket.socket(socket.AF_INET, socket.SOCK_DGRAM), socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
drop.bind(('0.0.0.0', 40001))
keep.bind(('0.0.0.0', 40002))
for i in range(4000):
    (drop if i % 4 == 0 else keep).sendto(b'x' * 200, ('$IP2', 5009))
    if i % 100 == 99:
        time.sleep(0.01)
metered = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
metered.bind(('0.0.0.0', 40003))
for i in range(2000):
    metered.sendto(b'x' * 200, ('$IP2', 5009))
    if i % 100 == 99:   # (faster, the af_packet port's ring overflows)
        time.sleep(0.01)
rewritten = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rewritten.bind(('0.0.0.0', 40004))
for i in range(1000):
    rewritten.sendto(b'x' * 200, ('$IP2', 5009))
    if i % 100 == 99:
        time.sleep(0.01)
"
it_in 1 ping -c 20 -i 0.05 -W 2 "$IPD" >/dev/null || it_fail "ping (flows)"
wait "$rpid"
got=$(sed -n 's/^received //p' "$IT_TMP/r2")
sleep 2.5	# a gap is loss once three reads show it
# the switch in the topology: its bridge, the containers on its ports by
# port name, with the addresses that came in there and the port's type,
# and every port of the bridge with its type and role
hport=$(it_http_port "$IT_TMP/flows.err")
/usr/bin/python3 "$HERE/api.py" validate "http://127.0.0.1:$hport/api/v1/topology" \
	topology.schema.json >"$IT_TMP/topo.json" ||
	it_fail "cmon-dpdk's topology: $(cat "$IT_TMP/topo.json")"
python3 - "$IT_TMP/topo.json" "$CMON_OVS_BR" "$D1" "$IPD" "$C1" "$IP1" <<'PY' ||
import json, sys
t = json.load(open(sys.argv[1]))
br, d1, ipd, c1, ip1 = sys.argv[2:]
bridges = {b["name"]: b for b in t["bridges"]}
assert bridges.get(br, {}).get("type") == "ovs", t["bridges"]
cts = {c["name"]: c for c in t["containers"]}
assert set(bridges[br]["containers"]) >= {d1, c1}, bridges[br]
assert cts[d1]["port_type"] == "dpdkvhostuserclient" and cts[d1]["ips"] == [ipd], cts[d1]
assert cts[c1]["port_type"] == "dpdk" and cts[c1]["bridge"] == br and ip1 in cts[c1]["ips"], cts[c1]
# its ports, with a role or without, and who is on them
ports = {p["name"]: p for p in bridges[br]["ports"]}
assert ports.get(br) == {"name": br, "type": "internal", "role": "none", "container": None}, ports
assert ports[d1] == {"name": d1, "type": "dpdkvhostuserclient", "role": "container", "container": d1}, ports
assert ports[c1] == {"name": c1, "type": "dpdk", "role": "container", "container": c1}, ports
assert len(ports) == 5, ports	# and C2's, C3's
# the pairs are named after the ports too
assert any(p["src"] == c1 and p["dst"] == d1 for p in t["paths"]), [(p["src"], p["dst"]) for p in t["paths"]]
PY
	it_fail "the switch in the topology: $(cat "$IT_TMP/topo.json" | head -c 600)"
# the page draws the switch with its containers, the kernel one and the
# DPDK one linked
it_page_topology - "http://127.0.0.1:$hport/" ovs "$CMON_OVS_BR" ovs \
	"$C1" "$D1" "$C2"
echo "topology: $CMON_OVS_BR (ovs) with $(python3 -c 'import json,sys; print(" ".join(sorted(c["name"] for c in json.load(open(sys.argv[1]))["containers"] if c.get("port_type"))))' "$IT_TMP/topo.json")"
kill -INT "$DPDK_PID"; wait "$DPDK_PID" || it_fail "cmon-dpdk (flows) exit $?"
f() { python3 "$HERE/query.py" "$IT_TMP/flows.json" "$@"; }
echo "flows: udp packets=$(f "$IP1" "$IP2" udp packets) bytes=$(f "$IP1" "$IP2" udp bytes) lost=$(f "$IP1" "$IP2" udp lost) at [$(f "$IP1" "$IP2" udp loss_hops)] [$(f "$IP1" "$IP2" udp reasons)]; C2 got $got; flood copies $(f - - - ovs_flood_copies)"
# (the rule lets 3000 through, the meter some of 2000, the rewrite 1000)
[ "$got" -gt 4000 ] && [ "$got" -lt 5000 ] ||
	it_fail "C2 received $got datagrams"
[ "$(f "$IP1" "$IP2" udp packets)" = 7000 ] ||
	it_fail "$(f "$IP1" "$IP2" udp packets) packets counted of 7000 sent"
[ "$(f "$IP1" "$IP2" udp bytes)" = $((7000 * 228)) ] ||
	it_fail "$(f "$IP1" "$IP2" udp bytes) bytes counted of $((7000 * 228)) sent"
[ "$(f "$IP1" "$IP2" udp lost)" = $((7000 - got)) ] ||
	it_fail "$(f "$IP1" "$IP2" udp lost) lost, C2 missed $((7000 - got))"
[ "$(f "$IP1" "$IP2" udp loss_hops)" = "ovs_rx>ovs_tx" ] ||
	it_fail "loss at $(f "$IP1" "$IP2" udp loss_hops), not ovs_rx>ovs_tx"
# (what tells the switch's counts from the engine's, should a reason
# go missing)
[ "$(f "$IP1" "$IP2" udp reasons)" = "datapath_drop_meter drop_action_of_pipeline" ] ||
	it_fail "reasons: $(f "$IP1" "$IP2" udp reasons); drops seen: meter $(f "$IP1" "$IP2" udp drops:datapath_drop_meter), rule $(f "$IP1" "$IP2" udp drops:drop_action_of_pipeline); the switch's meter dropped $(cmon_ovs_appctl coverage/read-counter datapath_drop_meter); flow_evicted $(f - - - ovs_flow_evicted); $(cmon_ovs_appctl cmon/show | tr '\n' ' ')"
[ "$(f - - - ovs_flood_copies)" = 3000 ] ||
	it_fail "$(f - - - ovs_flood_copies) copies counted, the switch flooded 3000"
[ "$(f - - - agg_copies)" = 3000 ] ||
	it_fail "$(f - - - agg_copies) records of copies, the switch traced 3000"
for dir in "$IP1 $IPD to_dpdk" "$IPD $IP1 from_dpdk"; do
	set -- $dir
	want=$(it_nft_packets "$C1" inet "$3")
	[ "$(f "$1" "$2" icmp packets)" = "$want" ] && [ "$want" -ge 40 ] ||
		it_fail "$1 > $2: $(f "$1" "$2" icmp packets) packets counted, C1 counted $want"
	[ "$(f "$1" "$2" icmp lost)" = 0 ] || it_fail "$1 > $2: phantom loss"
done
echo "flows: DPDK container pair $(f "$IP1" "$IPD" icmp packets)/$(f "$IPD" "$IP1" icmp packets) packets, as C1's nft counted"
ip netns exec "$C1" nft delete table inet "$CMON_PFX"

# A policer drops most of a burst from C1 to C3: the pair's loss is what
# C3 missed and what the switch's own statistics count, at ovs_rx>ovs_tx
# with the switch's reason.
#   policed NAME UDP_PORT IFACE STATISTIC REASON: the burst, cmon-dpdk's
#   JSON in $IT_TMP/NAME.json; the policer is set (and cleared) around it
policed() {
	local name=$1 port=$2 iface=$3 stat=$4 reason=$5 got dropped n0
	n0=$(cmon_ovs_vsctl get interface "$iface" "statistics:$stat")
	dpdk_start "$name"
	sleep 1
	it_udp_recv 3 "$port" 3
	rpid=$!
	it_in 1 python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(1000):
    s.sendto(b'x' * 200, ('$IP3', $port))
    if i % 100 == 99:
        time.sleep(0.01)
"
	wait "$rpid"
	got=$(sed -n 's/^received //p' "$IT_TMP/r3")
	sleep 2.5
	kill -INT "$DPDK_PID"; wait "$DPDK_PID" || it_fail "cmon-dpdk ($name) exit $?"
	dropped=$(( $(cmon_ovs_vsctl get interface "$iface" "statistics:$stat") - n0 ))
	g() { python3 "$HERE/query.py" "$IT_TMP/$name.json" "$@"; }
	echo "$name: packets=$(g "$IP1" "$IP3" udp packets) lost=$(g "$IP1" "$IP3" udp lost) at [$(g "$IP1" "$IP3" udp loss_hops)] [$(g "$IP1" "$IP3" udp reasons)]; C3 got $got, the policer dropped $dropped"
	[ "$got" -gt 0 ] && [ "$dropped" -gt 0 ] && [ $((got + dropped)) = 1000 ] ||
		it_fail "$name: C3 got $got and the policer dropped $dropped of 1000"
	[ "$(g "$IP1" "$IP3" udp packets)" = 1000 ] ||
		it_fail "$name: $(g "$IP1" "$IP3" udp packets) packets counted of 1000 sent"
	[ "$(g "$IP1" "$IP3" udp lost)" = "$dropped" ] ||
		it_fail "$name: $(g "$IP1" "$IP3" udp lost) lost, the policer dropped $dropped"
	[ "$(g "$IP1" "$IP3" udp loss_hops)" = "ovs_rx>ovs_tx" ] &&
	[ "$(g "$IP1" "$IP3" udp reasons)" = "$reason" ] ||
		it_fail "$name: loss at [$(g "$IP1" "$IP3" udp loss_hops)] [$(g "$IP1" "$IP3" udp reasons)]"
}
it_in 1 ping -c 1 -W 2 "$IP3" >/dev/null || it_fail "$C1 cannot reach $C3"
# an egress QoS policer on C3's port
cmon_ovs_vsctl set port "$C3" qos=@q -- --id=@q create qos \
	type=egress-policer other-config:cir=20000 other-config:cbs=4000 \
	>/dev/null || it_fail "cannot set the egress policer"
policed qos 5010 "$C3" ovs_tx_qos_drops tx_qos_drops
cmon_ovs_vsctl clear port "$C3" qos
# an ingress policer on C1's port: what it drops is counted received,
# then dropped
cmon_ovs_vsctl set interface "$C1" ingress_policing_rate=200 \
	ingress_policing_burst=20 || it_fail "cannot set the ingress policer"
policed iqos 5011 "$C1" ovs_rx_qos_drops rx_qos_drops
cmon_ovs_vsctl set interface "$C1" ingress_policing_rate=0
dpdk_start main

# the switch's strip hops captured (live setting) and dumped
cmon_ovs_vsctl set Open_vSwitch . other_config:cmon-capture=true
it_fresh "$IT_TMP/cap.err"
"$DPDK_APP" --file-prefix "$CMON_OVS_PREFIX" --quiet --pcap "$IT_TMP/ovs.pcapng" \
	2>"$IT_TMP/cap.err" &
cap_pid=$!
it_wait "$IT_TMP/cap.err" "reading the frames ovs-vswitchd captures" 20 ||
	it_fail "no capture ring: $(cat "$IT_TMP/cap.err")"
cmon_ovs_appctl cmon/show | grep -q "capture: cmon_ovs_capture" ||
	it_fail "cmon/show does not show the capture"
it_in 1 ping -c 10 -i 0.05 -W 2 "$IPD" >/dev/null || it_fail "ping (capture)"
sleep 1
kill -INT "$cap_pid"; wait "$cap_pid" || it_fail "cmon-dpdk --pcap exit $?"
cmon_ovs_vsctl set Open_vSwitch . other_config:cmon-capture=false
n=$(capinfos -c -M "$IT_TMP/ovs.pcapng" | sed -n 's/^Number of packets: *//p')
[ "${n:-0}" -ge 20 ] || it_fail "$n frames captured of 20 pings and replies"
tshark -X lua_script:"$top_srcdir/tools/cmon.lua" -r "$IT_TMP/ovs.pcapng" \
	-Y "icmp && cmon" -T fields -E separator='|' -e cmon.carrier -e cmon.hop.tp \
	-e frame.comment 2>/dev/null >"$IT_TMP/ovs.fields"
[ "$(wc -l <"$IT_TMP/ovs.fields")" -ge 20 ] ||
	it_fail "dissector: $(head -3 "$IT_TMP/ovs.fields")"
while IFS='|' read -r carrier tps comment; do
	[ "$carrier" = ipv4-option ] || it_fail "carrier $carrier"
	case "$tps" in 8*) ;; *) it_fail "first hop $tps is not ovs_rx" ;; esac
	case "$comment" in *"ovs_tx@3:"*"dev=ovs"*) ;;
	*) it_fail "comment without the ovs_tx hop: $comment" ;; esac
done <"$IT_TMP/ovs.fields"
echo "capture: $n frames from the switch's strip hops, dissected"

# a rule's capture in cmon-dpdk: the switch's frames of its pairs only
mkdir -p "$IT_TMP/rules"
cat >"$IT_TMP/rules/ovs.yaml" <<YAML
version: 1
templates:
  - { template: switch, hops: [ovs_rx, ovs_tx] }
template: switch
sample: 1
rules:
  - name: to-dpdk
    select: { to: { cidr: [$IPD] }, protocols: [icmp] }
    measure: { capture: { file: $IT_TMP/rule.pcapng } }
YAML
cmon_ovs_vsctl set Open_vSwitch . other_config:cmon-capture=true
it_fresh "$IT_TMP/rcap.err"
"$DPDK_APP" --file-prefix "$CMON_OVS_PREFIX" --quiet -i 0.5 \
	--rules "$IT_TMP/rules/ovs.yaml" 2>"$IT_TMP/rcap.err" &
cap_pid=$!
# the capture follows the pair's rule from the interval after it appears
it_in 1 ping -c 30 -i 0.1 -W 2 "$IPD" >/dev/null &
ping_pid=$!
it_wait "$IT_TMP/rcap.err" "reading the frames ovs-vswitchd captures" 20 ||
	it_fail "no capture ring for the rule: $(cat "$IT_TMP/rcap.err")"
wait "$ping_pid" || it_fail "ping (rule capture)"
it_in 2 ping -c 10 -i 0.05 -W 2 "$IP1" >/dev/null || it_fail "ping (not captured)"
sleep 1.5
kill -INT "$cap_pid"; wait "$cap_pid" || it_fail "cmon-dpdk --rules exit $?"
cmon_ovs_vsctl set Open_vSwitch . other_config:cmon-capture=false
tshark -r "$IT_TMP/rule.pcapng" -T fields -e ip.src -e ip.dst \
	2>/dev/null | sort | uniq -c >"$IT_TMP/rule.pairs"
n=$(awk -v s="$IP1" -v d="$IPD" '$2 == s && $3 == d { print $1 }' \
	"$IT_TMP/rule.pairs")
[ "$(wc -l <"$IT_TMP/rule.pairs")" = 1 ] && [ "${n:-0}" -ge 10 ] ||
	it_fail "the rule's capture: $(cat "$IT_TMP/rule.pairs")"
# (the DPDK container sends every packet back with the addresses swapped:
# C1's kernel answers each reflected request with a reply to it, so the
# pair carries two packets a ping, a request and a reply)
echo "rule capture in cmon-dpdk: $n frames of the pair to the DPDK container (30 pings), nothing else"

# attach and detach cmon-dpdk while traffic runs
kill -INT "$DPDK_PID"; wait "$DPDK_PID" || it_fail "cmon-dpdk exit status $?"
it_fresh "$IT_TMP/recv"
it_in 2 python3 "$HERE/udp_exact.py" recv 5001 0-1400 >"$IT_TMP/recv" 2>&1 &
rpid=$!
it_wait "$IT_TMP/recv" ready || it_fail "receiver did not start"
it_in 1 python3 "$HERE/udp_exact.py" send "$IP2" 5001 0-1400 3 &
spid=$!
for i in 1 2 3; do
	dpdk_start "churn$i"
	kill -INT "$DPDK_PID"; wait "$DPDK_PID" || it_fail "cmon-dpdk exit $?"
done
wait "$spid" && wait "$rpid" || it_fail "UDP during attach/detach: $(cat "$IT_TMP/recv")"
echo "attach/detach x3 during traffic: UDP still byte-exact"

# bad values are rejected and the previous setting kept; good ones apply
cmon_ovs_vsctl set Open_vSwitch . other_config:cmon-sample=abc
cmon_ovs_vsctl set Interface "$C1" other_config:cmon-role=bogus
sleep 0.5
grep -q 'cmon-sample="abc" is not a number' "$IT_TMP/ovs/vswitchd.log" ||
	it_fail "no log line for cmon-sample=abc"
grep -q 'cmon-role="bogus" is not one of' "$IT_TMP/ovs/vswitchd.log" ||
	it_fail "no log line for cmon-role=bogus"
cmon_ovs_appctl cmon/show | grep -q "sampling: 1 in 1" ||
	it_fail "bad cmon-sample changed the setting"
cmon_ovs_vsctl set Open_vSwitch . other_config:cmon-sample=8
sleep 0.5
cmon_ovs_appctl cmon/show | grep -q "sampling: 1 in 8" ||
	it_fail "cmon-sample=8 not applied live"

# ovs-vswitchd exits under a running cmon-dpdk: it says so, exits 3
dpdk_start last
vs_pid=$(cat "$IT_TMP/ovs/vswitchd.pid")
kill "$vs_pid"
it_wait "$IT_TMP/last.err" "exited" 10 ||
	it_fail "cmon-dpdk did not notice ovs-vswitchd exit: $(cat "$IT_TMP/last.err")"
wait "$DPDK_PID"
rc=$?
[ "$rc" = 3 ] || it_fail "cmon-dpdk exit status $rc after OVS exit, want 3"

# ovs-vswitchd restarted under cmon-dpdk --wait --pcap: it attaches again
# on its own, and the frames captured before are still in the file
# until the switch forwards again (the database still says "up")
switch_back() {
	n=0
	while kill -0 "$vs_pid" 2>/dev/null; do	# its memory is freed
		n=$((n + 1))
		[ "$n" -lt 100 ] || it_fail "ovs-vswitchd $vs_pid does not exit"
		sleep 0.1
	done
	cmon_ovs_vswitchd || it_fail "cannot start ovs-vswitchd again"
	n=0
	until it_in 1 ping -c 1 -W 1 "$IP2" >/dev/null 2>&1; do
		n=$((n + 1))
		[ "$n" -lt 30 ] || it_fail "no forwarding after the restart"
	done
}
switch_back
# (the database still holds the bad role given above: a fresh switch has
# no previous one to keep)
cmon_ovs_vsctl set Open_vSwitch . other_config:cmon-capture=true \
	other_config:cmon-sample=1 -- \
	set Interface "$C1" other_config:cmon-role=container
# (its history and the InfluxDB lines it could not write go along: no
# InfluxDB listens at port 9)
point_times() {	# times of the history's points from $IP1 to $IP2, at port $1
	curl -sf "http://127.0.0.1:$1/api/v1/history?src=$IP1&dst=$IP2&proto=icmp" |
		python3 -c '
import json, sys
print(" ".join("%.3f" % p["t"] for p in json.load(sys.stdin)["points"]))'
}
http_port() {	# the port of the $1th server the log names
	it_http_port "$IT_TMP/wait.err" | sed -n "$1p"
}
it_fresh "$IT_TMP/wait.err"
"$DPDK_APP" --file-prefix "$CMON_OVS_PREFIX" --quiet --wait -i 0.5 \
	--http 127.0.0.1:0 --influx http://127.0.0.1:9 \
	--pcap "$IT_TMP/wait.pcapng" 2>"$IT_TMP/wait.err" &
DPDK_PID=$!
it_wait "$IT_TMP/wait.err" "reading the frames ovs-vswitchd captures" 20 ||
	it_fail "no capture ring: $(cat "$IT_TMP/wait.err")"
it_in 1 ping -c 10 -i 0.05 -W 2 "$IP2" >/dev/null || it_fail "ping (before)"
sleep 1
before=$(point_times "$(http_port 1)")
[ -n "$before" ] || it_fail "no history of the pings before the restart"
vs_pid=$(cat "$IT_TMP/ovs/vswitchd.pid")
kill "$vs_pid"
it_wait "$IT_TMP/wait.err" "waiting for it to come back" 10 ||
	it_fail "cmon-dpdk --wait did not notice the exit: $(cat "$IT_TMP/wait.err")"
switch_back
n=0
until [ "$(grep -c "reading the frames ovs-vswitchd captures" "$IT_TMP/wait.err")" -ge 2 ]; do
	n=$((n + 1))
	[ "$n" -lt 100 ] || it_fail "cmon-dpdk did not attach again: $(tail -5 "$IT_TMP/wait.err")"
	sleep 0.2
done
it_in 1 ping -c 10 -i 0.05 -W 2 "$IP2" >/dev/null || it_fail "ping (after)"
sleep 1
after=$(point_times "$(http_port 2)")
case "$after" in
"$before "*) ;;
*) it_fail "history across the restart: points at $before before, at $after after" ;;
esac
grep -q "lines not written yet go to the next process" "$IT_TMP/wait.err" ||
	it_fail "the unwritten InfluxDB lines were not handed over: $(cat "$IT_TMP/wait.err")"
grep -q "history of the process before is lost" "$IT_TMP/wait.err" &&
	it_fail "$(grep "is lost" "$IT_TMP/wait.err")"
kill -INT "$DPDK_PID"; wait "$DPDK_PID" || it_fail "cmon-dpdk --wait exit $?"
DPDK_PID=""
n=$(capinfos -c -M "$IT_TMP/wait.pcapng" | sed -n 's/^Number of packets: *//p')
[ "${n:-0}" -ge 40 ] ||
	it_fail "$n frames in the capture of 40 pings and replies around a restart"
echo "restart: cmon-dpdk --wait attached again; $n frames and the history ($(echo $before | wc -w) points before, $(echo $after | wc -w) after) kept across it"
echo "PASS: OVS-DPDK hops, shared ring, cmon-dpdk secondary"
