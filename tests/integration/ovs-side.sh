#!/bin/sh
# Open vSwitch: the annotation a container port keeps beside a traced
# packet (ovs-patches 0005, doc/ovs.md), every packet traced, three
# kernel containers on af_packet ports: C1 and C2 container ports, N a
# port without a role.
#   - a packet dropped in the switch (an OpenFlow rule) leaves nothing
#     for the next packet its buffer carries: N's datagrams to C2, in the
#     buffers C1's dropped ones had, make no record (the switch counts
#     its records: none more) and arrive byte-exact (without the receive
#     hook's clearing: 2000 records)
#   - C1's datagrams to C2 are recorded, one each, and arrive as sent
#   - C1's datagrams to N, a port with no role, leave with the annotation
#     written into their bytes (an IPv4 option), for hops after the switch
#   - with other_config:cmon-carrier=bytes the same datagrams to C2 are
#     recorded and arrive as sent, the annotation in their bytes meanwhile
#   - other_config:cmon-profile (ovs-patches 0006): off, nothing timed; on,
#     cmon/show has the cycles of C1's datagrams at both hooks; off again,
#     the totals stay
set -u
. "$(dirname "$0")/lib.sh"
it_init cmts
it_ovs_init

C1=${CMON_PFX}c1 C2=${CMON_PFX}c2 N=${CMON_PFX}c3
IP1=$NET.2 IP2=$NET.3 IPN=$NET.4
cmon_ovs_start "$IT_TMP/ovs" cmon-enable=true cmon-sample=1 \
	cmon-key=0123456789abcdef || it_fail "cannot start ovs-vswitchd"
cmon_ovs_container "$C1" "$IP1" container || it_fail "cannot plug $C1"
cmon_ovs_container "$C2" "$IP2" container || it_fail "cannot plug $C2"
cmon_ovs_container "$N" "$IPN" - || it_fail "cannot plug $N"
ovs-ofctl add-flow "$CMON_OVS_OF" "priority=10,udp,tp_dst=5009,actions=drop" ||
	it_fail "cannot add the drop rule"
for i in 1 3; do
	it_in "$i" ping -c 1 -W 2 "$IP2" >/dev/null ||
		it_fail "container $i does not reach $IP2"
done
it_in 1 ping -c 1 -W 2 "$IPN" >/dev/null || it_fail "$C1 does not reach $IPN"

# show NAME: the switch's counter NAME (ovs-appctl cmon/show); recs: the
# records it made (no cmon-dpdk reads its ring: those the ring held, and
# those it had no room for)
show() { cmon_ovs_appctl cmon/show | sed -n "s/^$1: //p"; }
recs() { echo $(($(show records) + $(show ring_full))); }
# send I DST PORT N: N datagrams of 300 numbered bytes from container I
send() {
	it_in "$1" python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range($4):
    s.sendto(bytes((i + j) & 255 for j in range(300)), ('$2', $3))
    if i % 100 == 99:
        time.sleep(0.005)
" || it_fail "container $1 cannot send"
}
# exact I PORT: in the background, count datagrams at PORT in container I
# that arrive as sent (send()'s bytes, in order), and others ("received N
# exact M" in $IT_TMP/rI)
exact() {
	it_fresh "$IT_TMP/r$1"
	it_in "$1" python3 -u -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 33, 1 << 22)
s.bind(('0.0.0.0', $2))
s.settimeout(10)
print('ready', flush=True)
n = ok = 0
try:
    while True:
        d = s.recv(2048)
        ok += d == bytes((n + j) & 255 for j in range(300))
        n += 1
        s.settimeout(2)
except socket.timeout:
    print('received', n, 'exact', ok)
" >"$IT_TMP/r$1" 2>&1 &
	RPID=$!
	it_wait "$IT_TMP/r$1" ready || it_fail "no receiver in container $1"
}

# C1's datagrams dropped by the rule, each stamped first: more than the
# switch's pool holds buffers (it hands them out in turn: a thread that
# is no DPDK lcore has no cache of its own), so every buffer has last
# carried one of them
stamped=$(show stamped)
send 1 "$IP2" 5009 140000
[ $(($(show stamped) - stamped)) -ge 140000 ] ||
	it_fail "$(($(show stamped) - stamped)) of 140000 dropped datagrams stamped"
# N's datagrams to C2 right after, in the buffers those had
records=$(recs)
exact 2 5010
send 3 "$IP2" 5010 2000
wait "$RPID"
echo "N to C2: $(tail -n 1 "$IT_TMP/r2"), records $(($(recs) - records))"
grep -qx 'received 2000 exact 2000' "$IT_TMP/r2" ||
	it_fail "C2 got N's datagrams: $(tail -n 1 "$IT_TMP/r2")"
[ "$(recs)" = "$records" ] ||
	it_fail "$(($(recs) - records)) records of N's untraced datagrams"

# C1 to C2: one record a datagram, the bytes as sent
exact 2 5011
send 1 "$IP2" 5011 2000
wait "$RPID"
echo "C1 to C2: $(tail -n 1 "$IT_TMP/r2"), records $(($(recs) - records))"
grep -qx 'received 2000 exact 2000' "$IT_TMP/r2" ||
	it_fail "C2 got C1's datagrams: $(tail -n 1 "$IT_TMP/r2")"
[ $(($(recs) - records)) -ge 2000 ] ||
	it_fail "$(($(recs) - records)) records of C1's 2000 datagrams"

# C1 to N (no role): the annotation in the bytes, as an IPv4 option
it_fresh "$IT_TMP/rn"
it_in 3 python3 -u "$HERE/annotated.py" frames eth0 "$IP1" >"$IT_TMP/rn" 2>&1 &
npid=$!
it_wait "$IT_TMP/rn" ready || it_fail "no capture in $N"
send 1 "$IPN" 5012 200
wait "$npid"
echo "C1 to N: $(tail -n 1 "$IT_TMP/rn")"
grep -qx 'received 200 annotated 200' "$IT_TMP/rn" ||
	it_fail "N got C1's datagrams: $(tail -n 1 "$IT_TMP/rn")"

# the annotation in the bytes from the receive hop on
cmon_ovs_vsctl set Open_vSwitch . other_config:cmon-carrier=bytes
it_wait "$IT_TMP/ovs/vswitchd.log" "annotations in packets' bytes" 5 ||
	it_fail "cmon-carrier=bytes not applied"
records=$(recs)
exact 2 5013
send 1 "$IP2" 5013 2000
wait "$RPID"
echo "C1 to C2, in the bytes: $(tail -n 1 "$IT_TMP/r2"), records $(($(recs) - records))"
grep -qx 'received 2000 exact 2000' "$IT_TMP/r2" ||
	it_fail "C2 got C1's datagrams: $(tail -n 1 "$IT_TMP/r2")"
[ $(($(recs) - records)) -ge 2000 ] ||
	it_fail "$(($(recs) - records)) records of C1's 2000 datagrams"
cmon_ovs_vsctl set Open_vSwitch . other_config:cmon-carrier=nowhere
it_wait "$IT_TMP/ovs/vswitchd.log" 'cmon-carrier="nowhere" is neither' 5 ||
	it_fail "no log line for cmon-carrier=nowhere"

# other_config:cmon-profile: the hooks time themselves while it is on
# prof NAME: the profile's total NAME (cmon/show's "profile:" line)
prof() { cmon_ovs_appctl cmon/show | sed -n "s/^profile: .* $1=\([0-9]*\).*/\1/p"; }
cmon_ovs_appctl cmon/show | grep -q "^profile: off" ||
	it_fail "cmon/show: $(cmon_ovs_appctl cmon/show | grep '^profile')"
[ "$(prof rx_packets)" = 0 ] || it_fail "hooks timed while cmon-profile is off"
cmon_ovs_vsctl set Open_vSwitch . other_config:cmon-carrier=side \
	other_config:cmon-profile=true
it_wait "$IT_TMP/ovs/vswitchd.log" "hooks timed (cmon-profile)" 5 ||
	it_fail "cmon-profile=true not applied"
exact 2 5014
send 1 "$IP2" 5014 2000
wait "$RPID"
cmon_ovs_appctl cmon/show | grep "^profile" >"$IT_TMP/profile"
cat "$IT_TMP/profile"
[ "$(prof rx_packets)" -ge 2000 ] && [ "$(prof tx_packets)" -ge 2000 ] &&
	[ "$(prof rx_cycles)" -gt 0 ] && [ "$(prof tx_count_cycles)" -gt 0 ] &&
	grep -q "^profile receive: [0-9.]* cycles a packet" "$IT_TMP/profile" ||
	it_fail "no profile of C1's 2000 datagrams: $(cat "$IT_TMP/profile")"
cmon_ovs_vsctl set Open_vSwitch . other_config:cmon-profile=false
timed=$(prof rx_packets)
exact 2 5015
send 1 "$IP2" 5015 200
wait "$RPID"
[ "$(prof rx_packets)" = "$timed" ] ||
	it_fail "hooks still timed after cmon-profile=false: $timed, then $(prof rx_packets)"
echo "PASS: the annotation beside the packet: recorded, written out where needed, nothing left for a buffer's next packet; hooks timed when asked"
