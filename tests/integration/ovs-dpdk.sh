#!/bin/sh
# Two DPDK containers through Open vSwitch (vhost-user both): D1 sends UDP
# as fast as it can (testpmd txonly), D2 receives (rxonly), both on one
# core, so the switch finds D2's queue full and drops some.  cmon-dpdk's
# pair D1>D2 must show what the applications counted:
#   - packets and bytes: D1's TX-packets, but for what D1 still held in
#     its ring when it exited
#   - lost: those - D2's RX-packets, exactly, at ovs_rx>ovs_tx, with the
#     switch's reason (tx_failure_drops: the vhost-user queue was full)
#   - the switch's own count of those drops agrees
set -u
. "$(dirname "$0")/lib.sh"
it_init cmtp
CMON_OVS_PAGES=1024	# the switch and two DPDK containers
it_ovs_init

D1=${CMON_PFX}d1 D2=${CMON_PFX}d2
IP1=$NET.9 IP2=$NET.10 MAC1=02:00:00:00:00:09 MAC2=02:00:00:00:00:0a
cmon_ovs_start "$IT_TMP/ovs" cmon-enable=true cmon-sample=32 \
	cmon-key=0123456789abcdef || it_fail "cannot start ovs-vswitchd"
cmon_ovs_vhost "$D1" container && cmon_ovs_vhost "$D2" container ||
	it_fail "cannot add the vhost ports"
# (D2 never sends: the switch would flood to it for ever)
dpdk_app() {	# dpdk_app NAME MAC MODE [TESTPMD-ARGS...]
	local name=$1 mac=$2 mode=$3
	shift 3
	cmon_ovs_dpdk_app "$name" "$mac" 1 "$mode" "$@" ||
		it_fail "$name did not start: $(tail -5 "$CMON_OVS_DIR/$name.testpmd.log")"
}
dpdk_app "$D2" "$MAC2" rxonly
ovs-ofctl add-flow "$CMON_OVS_OF" "priority=200,dl_dst=$MAC2,actions=output:$(cmon_ovs_vsctl get Interface "$D2" ofport)" ||
	it_fail "cannot add the flow to $D2"

it_cmon_dpdk

# 64-byte frames: 50 IPv4 bytes each
dpdk_app "$D1" "$MAC1" txonly --eth-peer="0,$MAC2" --tx-ip="$IP1,$IP2" \
	--txpkts=64
sleep 3
cmon_ovs_testpmd_quit "$D1" || it_fail "$D1 did not stop"
sleep 0.5
cmon_ovs_testpmd_quit "$D2" || it_fail "$D2 did not stop"
sent=$(cmon_ovs_testpmd_total "$D1" TX-packets)
got=$(cmon_ovs_testpmd_total "$D2" RX-packets)
sleep 2.5	# a gap is loss once three reads show it
kill -INT "$DPDK_PID"; wait "$DPDK_PID" || it_fail "cmon-dpdk exit status $?"
# db_stat IFACE KEY: the switch's statistic (written to its database
# every 5 s: read until two reads 6 s apart agree)
db_stat() {
	local v= d n=0
	while [ "$n" -lt 10 ]; do
		d=$(cmon_ovs_vsctl get Interface "$1" "statistics:$2" 2>/dev/null)
		[ -n "$d" ] && [ "$d" = "$v" ] && break
		v=$d n=$((n + 1))
		sleep 6
	done
	echo "$v"
}
ovs_drops=$(db_stat "$D2" ovs_tx_failure_drops)
q() { python3 "$HERE/query.py" "$IT_TMP/agent.json" "$@"; }
pk=$(q "$IP1" "$IP2" udp packets) by=$(q "$IP1" "$IP2" udp bytes)
lost=$(q "$IP1" "$IP2" udp lost)
echo "d1>d2: $D1 sent $sent, $D2 received $got, the switch's tx_failure_drops $ovs_drops; cmon: packets=$pk bytes=$by lost=$lost at [$(q "$IP1" "$IP2" udp loss_hops)] [$(q "$IP1" "$IP2" udp reasons)] traced=$(q "$IP1" "$IP2" udp traced)"
[ -n "$sent" ] && [ "$sent" -gt 10000 ] || it_fail "$D1 sent only '$sent'"
# (testpmd exits right after it stops: what it had queued and the switch
# had not taken yet, at most its ring of 256, never reaches the switch;
# the switch's statistics of a port whose application left are gone)
[ "$pk" -le "$sent" ] && [ "$((sent - pk))" -le 256 ] ||
	it_fail "cmon counted $pk packets, $D1 sent $sent"
[ "$by" = "$((pk * 50))" ] || it_fail "cmon counted $by bytes, not $pk x 50"
[ "$lost" = "$((pk - got))" ] ||
	it_fail "cmon's loss $lost, not received by the switch - by $D2 = $((pk - got))"
if [ "$lost" -gt 0 ]; then
	[ "$(q "$IP1" "$IP2" udp loss_hops)" = "ovs_rx>ovs_tx" ] ||
		it_fail "loss located at [$(q "$IP1" "$IP2" udp loss_hops)]"
	q "$IP1" "$IP2" udp reasons | grep -qw tx_failure_drops ||
		it_fail "no tx_failure_drops reason: $(q "$IP1" "$IP2" udp reasons)"
	[ "$ovs_drops" = "$lost" ] ||
		it_fail "the switch counted $ovs_drops drops, cmon $lost"
fi
echo "PASS: a DPDK pair counted as its applications counted"
