#!/bin/sh
# Open vSwitch's native VXLAN tunnel in the userspace datapath, patched
# switch (tools/build-ovs) on hugepages, cmon-dpdk reading it:
#   - R, a namespace on an af_packet port (role trunk), is the tunnel's far
#     end; the bridge's own port holds the tunnel's local address, and a
#     second bridge the VXLAN port, so the switch ends the tunnel
#   - datagrams whose VXLAN header the switch cannot take off (bad flags)
#     are dropped there: cmon-dpdk counts each as the pair's loss at
#     ovs_rx>ovs_tx with the switch's own reason,
#     datapath_drop_tunnel_pop_error, as many as its coverage counter
#   - well-formed ones, whose tunnel the switch ends, are not loss
#   - the topology lists the bridges' ports (not the VXLAN port: below)
#   - a container on the tunnel's bridge sends into the tunnel: the switch
#     writes the annotation it kept beside each packet into the packet
#     before it pushes the tunnel's header, so R finds it in the inner
#     packet (the outer one, the tunnel's, is the switch's own)
set -u
. "$(dirname "$0")/lib.sh"
it_init cmtt
it_ovs_init

KEY=0123456789abcdef
R=${CMON_PFX}c1 IPR=$NET.2 LOCAL=$NET.1
INT=${CMON_PFX}int VX=${CMON_PFX}vx
cmon_ovs_start "$IT_TMP/ovs" cmon-enable=true cmon-sample=1 \
	cmon-key=$KEY cmon-node-id=3 || it_fail "cannot start ovs-vswitchd"
cmon_ovs_container "$R" "$IPR" trunk || it_fail "cannot plug $R"
ip addr add "$LOCAL/24" dev "$CMON_OVS_BR" &&
	ip link set "$CMON_OVS_BR" up || it_fail "cannot address $CMON_OVS_BR"
cmon_ovs_vsctl add-br "$INT" -- set bridge "$INT" datapath_type=netdev \
	-- add-port "$INT" "$VX" -- set Interface "$VX" type=vxlan \
	options:remote_ip="$IPR" options:local_ip="$LOCAL" ||
	it_fail "cannot add the VXLAN port"
it_in 1 ping -c 2 -i 0.2 -W 2 "$LOCAL" >/dev/null ||
	it_fail "$R does not reach the tunnel's local address"
# (the switch ends the tunnel once it has taken the local address in)
n=0
until cmon_ovs_appctl tnl/ports/show -v 2>/dev/null |
	grep -qF "ipv4(dst=$LOCAL,"; do
	n=$((n + 1))
	[ "$n" -lt 100 ] || it_fail "the switch does not end the tunnel at $LOCAL: $(cmon_ovs_appctl tnl/ports/show -v 2>&1)"
	sleep 0.1
done

"$DPDK_APP" --file-prefix "$CMON_OVS_PREFIX" --json --interval 0.5 \
	--http 127.0.0.1:0 >"$IT_TMP/tnl.json" 2>"$IT_TMP/tnl.err" &
DPDK_PID=$!
IT_PIDS="$IT_PIDS $DPDK_PID"
it_wait "$IT_TMP/tnl.err" "attached to ovs-vswitchd" 20 ||
	it_fail "cmon-dpdk did not attach: $(cat "$IT_TMP/tnl.err")"
sleep 1	# (its first read is the baseline)
# 200 VXLAN datagrams with no "VNI present" flag, 300 well-formed ones
# carrying a frame to nobody
it_in 1 python3 -c "
import socket, struct, time
bad = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
bad.bind(('$IPR', 40001))
good = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
good.bind(('$IPR', 40002))
frame = bytes.fromhex('02000000aa01' '020000000bb0' '0800') + bytes(46)
for i in range(300):
    if i < 200:
        bad.sendto(struct.pack('!II', 0, 0) + frame, ('$LOCAL', 4789))
    good.sendto(struct.pack('!II', 0x08000000, 0) + frame, ('$LOCAL', 4789))
    if i % 50 == 49:
        time.sleep(0.01)
" || it_fail "cannot send the VXLAN datagrams"
sleep 2.5	# a gap is loss once three reads show it
# the switch's bridge in the topology with its ports (the tunnel's VXLAN
# port is not listed: Open vSwitch gives its other_config to no datapath
# port)
hport=$(it_http_port "$IT_TMP/tnl.err")
/usr/bin/python3 "$HERE/api.py" validate "http://127.0.0.1:$hport/api/v1/topology" \
	topology.schema.json >"$IT_TMP/topo.json" ||
	it_fail "cmon-dpdk's topology: $(cat "$IT_TMP/topo.json")"
python3 - "$IT_TMP/topo.json" "$CMON_OVS_BR" "$R" "$INT" <<'PY' ||
import json, sys
t = json.load(open(sys.argv[1]))
br, r, int_ = sys.argv[2:]
ports = {b["name"]: {p["name"]: p for p in b.get("ports", [])} for b in t["bridges"]}
assert ports[br] == {
    br: {"name": br, "type": "internal", "role": "none", "container": None},
    r: {"name": r, "type": "dpdk", "role": "trunk", "container": None}}, ports
assert ports[int_] == {
    int_: {"name": int_, "type": "internal", "role": "none", "container": None}}, ports
PY
	it_fail "the bridges' ports: $(head -c 800 "$IT_TMP/topo.json")"
kill -INT "$DPDK_PID"; wait "$DPDK_PID" || it_fail "cmon-dpdk exit $?"

# C, a container on the tunnel's bridge, sends 20 datagrams to an address
# whose MAC the bridge has not learnt: flooded into the tunnel, to R
C=${CMON_PFX}c2
cmon_ovs_container "$C" 192.168.77.1 container "$INT" ||
	it_fail "cannot plug $C"
ip -n "$C" neigh add 192.168.77.2 lladdr 02:00:00:00:77:02 dev eth0
it_fresh "$IT_TMP/vx"
it_in 1 python3 -u "$HERE/annotated.py" vxlan "$IPR" >"$IT_TMP/vx" 2>&1 &
vpid=$!
it_wait "$IT_TMP/vx" ready || it_fail "no VXLAN receiver in $R"
ip netns exec "$C" python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(20):
    s.sendto(b'x' * 100, ('192.168.77.2', 5005))
" || it_fail "$C cannot send"
wait "$vpid"
echo "into the tunnel: $(tail -n 1 "$IT_TMP/vx")"
grep -qx 'received 20 annotated 20' "$IT_TMP/vx" ||
	it_fail "R did not get the 20 datagrams with the annotation in the inner packet: $(tail -n 1 "$IT_TMP/vx")"
popped=$(cmon_ovs_appctl coverage/read-counter datapath_drop_tunnel_pop_error)
f() { python3 "$HERE/query.py" "$IT_TMP/tnl.json" "$@"; }
echo "tunnel: $(f "$IPR" "$LOCAL" udp packets) packets, $(f "$IPR" "$LOCAL" udp lost) lost at [$(f "$IPR" "$LOCAL" udp loss_hops)] [$(f "$IPR" "$LOCAL" udp reasons)]; the switch could not pop $popped"
[ "$popped" = 200 ] || it_fail "the switch dropped $popped at the tunnel's pop, not 200"
[ "$(f "$IPR" "$LOCAL" udp packets)" = 500 ] ||
	it_fail "$(f "$IPR" "$LOCAL" udp packets) packets counted of 500 sent"
[ "$(f "$IPR" "$LOCAL" udp lost)" = 200 ] ||
	it_fail "$(f "$IPR" "$LOCAL" udp lost) lost, the switch dropped 200"
[ "$(f "$IPR" "$LOCAL" udp loss_hops)" = "ovs_rx>ovs_tx" ] ||
	it_fail "loss at $(f "$IPR" "$LOCAL" udp loss_hops), not ovs_rx>ovs_tx"
[ "$(f "$IPR" "$LOCAL" udp reasons)" = datapath_drop_tunnel_pop_error ] ||
	it_fail "reasons: $(f "$IPR" "$LOCAL" udp reasons)"
[ "$(f "$IPR" "$LOCAL" udp drops:datapath_drop_tunnel_pop_error)" = 200 ] ||
	it_fail "$(f "$IPR" "$LOCAL" udp drops:datapath_drop_tunnel_pop_error) drops seen of 200"
echo "PASS: a tunnel header the switch cannot pop is the pair's loss, with its reason; the annotation goes under the header it pushes"
