#!/bin/sh
# A switch with a thousand ports (a node with that many containers on
# it): the switch lists its ports for cmon-dpdk by number, up to 1023.
# 1018 internal ports with role container fill the numbers up to 1019,
# then two kernel containers on af_packet ports take the next: both are
# listed (named in the topology, on their switch's port), cmon-dpdk's
# kernel agent gives each its receive hop, and their traffic is one pair,
# every datagram counted, traced through the switch into the receiver.
# Ten more ports take numbers up to 1031: those numbered 1024 and up are
# counted as not listed (ovs_ports_unlisted, cmon/show) and cmon-dpdk
# says so; gone again, the count goes back to 0.
set -u
. "$(dirname "$0")/lib.sh"
it_init cmtp
it_ovs_init

KEY=fedcba9876543210
echo "$KEY" >"$IT_TMP/key"
C1=${CMON_PFX}c1 C2=${CMON_PFX}c2
IP1=$NET.7 IP2=$NET.8
cmon_ovs_start "$IT_TMP/ovs" cmon-enable=true cmon-sample=1 \
	cmon-key=$KEY cmon-node-id=5 || it_fail "cannot start ovs-vswitchd"

# internal add|del FROM TO: internal ports FROM..TO (role container)
# added or removed, in one transaction
internal() {
	local i=$2 args=
	while [ "$i" -le "$3" ]; do
		case $1 in
		add) args="$args -- add-port $CMON_OVS_BR ${CMON_PFX}p$i -- set Interface ${CMON_PFX}p$i type=internal other_config:cmon-role=container" ;;
		del) args="$args -- del-port $CMON_OVS_BR ${CMON_PFX}p$i" ;;
		esac
		i=$((i + 1))
	done
	# shellcheck disable=SC2086
	cmon_ovs_vsctl --timeout=120 $args
}
# odp_ports: the datapath's port numbers, one a line
odp_ports() {
	cmon_ovs_appctl dpif/show | sed -n 's|.* [0-9]*/\([0-9]*\):.*|\1|p'
}
# unlisted: the switch's count of ports not listed, as cmon/show says it
unlisted() {
	cmon_ovs_appctl cmon/show |
		sed -n 's/^ports not listed for cmon-dpdk (numbered 1024 and up): //p'
}

internal add 1 1018 || it_fail "cannot add 1018 internal ports"
cmon_ovs_container "$C1" "$IP1" container &&
	cmon_ovs_container "$C2" "$IP2" container ||
	it_fail "cannot plug $C1 and $C2"
odp_ports >"$IT_TMP/odp"
n_ports=$(wc -l <"$IT_TMP/odp")
top=$(sort -n "$IT_TMP/odp" | tail -1)
echo "the datapath: $n_ports ports, numbered up to $top; $(unlisted) not listed"
[ "$top" -lt 1024 ] && [ "$top" -gt 1000 ] && [ "$(unlisted)" = 0 ] ||
	it_fail "$n_ports ports numbered up to $top, $(unlisted) not listed: want all below 1024, listed"

it_cmon_dpdk --kernel --sample 1 --key-file "$IT_TMP/key" --node-id 5 \
	--http 127.0.0.1:0
it_wait "$IT_TMP/agent.err" "container $C1 joined .* af_packet port" 30 &&
	it_wait "$IT_TMP/agent.err" "container $C2 joined .* af_packet port" 5 ||
	it_fail "cmon-dpdk did not watch $C1 and $C2: $(tail -5 "$IT_TMP/agent.err")"
it_in 1 ping -c 2 -i 0.2 -W 2 "$IP2" >/dev/null ||
	it_fail "$C1 does not reach $C2"
it_udp_recv 2 7020 2
it_udp_paced 1 "$IP2" 7020 300
it_wait "$IT_TMP/r2" received 10 || it_fail "the receiver did not finish"
got=$(sed -n 's/^received //p' "$IT_TMP/r2")

hport=$(it_http_port "$IT_TMP/agent.err")
curl -sf "http://127.0.0.1:$hport/api/v1/topology" >"$IT_TMP/topo.json" ||
	it_fail "no topology from cmon-dpdk"
python3 - "$IT_TMP/topo.json" "$CMON_OVS_BR" "$C1" "$IP1" "$C2" "$IP2" \
	"$n_ports" <<'PY' || it_fail "the topology: $(head -c 600 "$IT_TMP/topo.json")"
import json, sys
t = json.load(open(sys.argv[1]))
br, c1, ip1, c2, ip2, n = sys.argv[2:]
ports = next(b for b in t["bridges"] if b["name"] == br)["ports"]
# every port of the bridge, as the datapath has them
print("the topology: %d ports on %s" % (len(ports), br))
assert len(ports) == int(n), len(ports)
for c, ip in ((c1, ip1), (c2, ip2)):
    mine = [e for e in t["containers"] if ip in e["ips"]]
    assert len(mine) == 1 and mine[0]["name"] == c, mine
    assert next(p for p in ports if p["name"] == mine[0]["port"])["container"] == c
PY
it_settle
packets=$(it_query "$C1" "$C2" udp packets)
lost=$(it_query "$C1" "$C2" udp lost)
traced=$(it_query "$C1" "$C2" udp traced)
segs=$(it_query "$C1" "$C2" udp seg_means)
echo "$C1 -> $C2: $packets packets, $lost lost, $traced traced, through [$segs]; $got received"
[ "$got" = 300 ] && [ "$packets" = 300 ] && [ "$lost" = 0 ] &&
	[ "$traced" = 300 ] ||
	it_fail "$C1 -> $C2: $packets packets, $lost lost, $traced traced; 300 sent, $got received"
case "$segs" in
*"'ovs_rx>ovs_tx'"*"'ovs_tx>veth_out'"*|*"'ovs_tx>veth_out'"*"'ovs_rx>ovs_tx'"*) ;;
*) it_fail "$C1 -> $C2: not traced through the switch into $C2: $segs" ;;
esac

internal add 1019 1028 || it_fail "cannot add ten more ports"
odp_ports >"$IT_TMP/odp"
want=$(awk '$1 >= 1024' "$IT_TMP/odp" | wc -l)
it_wait "$IT_TMP/agent.err" "numbered 1024 or above" 5 ||
	it_fail "cmon-dpdk did not say the switch has ports it does not list"
it_settle
echo "ten more ports: $want numbered 1024 and up; not listed: $(unlisted) (cmon/show), $(it_query - - - ovs_ports_unlisted) (cmon-dpdk)"
[ "$want" -gt 0 ] && [ "$(unlisted)" = "$want" ] &&
	[ "$(it_query - - - ovs_ports_unlisted)" = "$want" ] ||
	it_fail "$want ports numbered 1024 and up; $(unlisted) counted by the switch, $(it_query - - - ovs_ports_unlisted) by cmon-dpdk"
internal del 1019 1028 || it_fail "cannot remove the ten ports"
it_settle
echo "removed: not listed $(unlisted) (cmon/show), $(it_query - - - ovs_ports_unlisted) (cmon-dpdk)"
[ "$(unlisted)" = 0 ] && [ "$(it_query - - - ovs_ports_unlisted)" = 0 ] ||
	it_fail "the ports numbered 1024 and up are gone: still $(unlisted) counted by the switch, $(it_query - - - ovs_ports_unlisted) by cmon-dpdk"
kill -INT "$DPDK_PID"; wait "$DPDK_PID" || it_fail "cmon-dpdk exit status $?"
echo "PASS: a switch with a thousand ports: every port below 1024 listed, the others counted"
