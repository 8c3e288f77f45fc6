#!/bin/sh
# Open vSwitch: monitoring switched off and on again under traffic
# (other_config:cmon-enable), twelve times, every packet traced, two kernel
# containers on af_packet ports, C1 sending to C2 as fast as it can.  The
# packets in the switch when monitoring goes off were counted (and
# stamped) where they came in: they must be counted (and recorded) where
# they leave, and those in it when it comes on again counted at neither.
# cmon-dpdk's pair C1>C2 must show no loss but what the switch dropped
# with a reason (none, as a rule: the datagrams the receiver misses are
# its socket's), and no sequence loss beyond it.
set -u
. "$(dirname "$0")/lib.sh"
it_init cmtg
it_ovs_init

C1=${CMON_PFX}c1 C2=${CMON_PFX}c2
IP1=$NET.2 IP2=$NET.3
cmon_ovs_start "$IT_TMP/ovs" cmon-enable=true cmon-sample=1 \
	cmon-key=0123456789abcdef || it_fail "cannot start ovs-vswitchd"
cmon_ovs_container "$C1" "$IP1" container || it_fail "cannot plug $C1"
cmon_ovs_container "$C2" "$IP2" container || it_fail "cannot plug $C2"

it_cmon_dpdk

it_udp_recv 2 5007 4
it_in 1 python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end = time.time() + 8
n = 0
while time.time() < end:
    for i in range(100):
        s.sendto(b'x' * 64, ('$IP2', 5007))
    n += 100
print(n)
" >"$IT_TMP/sent" &
spid=$!
sleep 1.5
closing=0
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	cmon_ovs_vsctl set Open_vSwitch . other_config:cmon-enable=false
	cmon_ovs_appctl cmon/show | grep -q "^monitoring: off (closing" &&
		closing=$((closing + 1))
	sleep 0.2
	cmon_ovs_vsctl set Open_vSwitch . other_config:cmon-enable=true
	sleep 0.3
done
wait "$spid"
it_wait "$IT_TMP/r2" received 20 || it_fail "the receiver did not finish"
sleep 2
kill -INT "$DPDK_PID"; wait "$DPDK_PID" || it_fail "cmon-dpdk exit status $?"
cmon_ovs_vsctl set Open_vSwitch . other_config:cmon-enable=false
# closing takes 200 ms, and the switch's main thread to see it
switch_off() { cmon_ovs_appctl cmon/show | grep -q "^monitoring: off$"; }
it_until 5 switch_off ||
	it_fail "still closing: $(cmon_ovs_appctl cmon/show | head -1)"
got=$(sed -n 's/^received //p' "$IT_TMP/r2") sent=$(cat "$IT_TMP/sent")
q() { python3 "$HERE/query.py" "$IT_TMP/agent.json" "$IP1" "$IP2" udp "$1"; }
pk=$(q packets) lost=$(q lost) seq_lost=$(q seq_lost) traced=$(q traced)
echo "sent $sent, received $got; monitoring closing $closing times; cmon: packets=$pk lost=$lost seq_lost=$seq_lost traced=$traced at [$(q loss_hops)] [$(q reasons)]"
[ "$closing" -gt 0 ] || it_fail "cmon/show never said monitoring was closing"
[ "$pk" -gt 100000 ] || it_fail "cmon counted only $pk packets"
dropped=0
for r in $(q reasons); do
	dropped=$((dropped + $(q "drops:$r")))
done
[ "$lost" = "$dropped" ] ||
	it_fail "$lost packets reported lost, $dropped of them dropped by the switch"
[ "$seq_lost" -le "$lost" ] ||
	it_fail "$seq_lost traced packets reported missing, $lost lost"
echo "PASS: monitoring off and on again under traffic: no false loss"
