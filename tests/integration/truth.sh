#!/bin/sh
# Figures true at the edges, against receivers counting the truth: the
# agent started while TCP and UDP already flow, a container joining while
# traffic towards it starts, a pair idle for longer than the engine keeps
# it, then active again, and counters evicted from maps far too small.  No interval may report loss (nothing here
# drops) and no packet may be counted twice.
set -u
. "$(dirname "$0")/lib.sh"
it_init cmtt
it_host 3
command -v iperf3 >/dev/null || it_fail "iperf3 missing (tools/install-deps)"

# udp_send I DST PORT SECONDS: 200-byte datagrams, paced, for SECONDS;
# prints how many were sent
udp_send() {
	it_in "$1" python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end, n = time.time() + $4, 0
while time.time() < end:
    try:
        s.sendto(b'x' * 200, ('$2', $3))
        n += 1
    except OSError:
        pass
    if n % 50 == 49:
        time.sleep(0.005)
print(n)
"
}

# total_lost: packets reported lost by every pair in every interval
total_lost() {
	python3 -c "
import json, sys
lost, worst = 0, ''
for line in open(sys.argv[1]):
    try:
        o = json.loads(line)
    except ValueError:
        continue
    for p in o['pairs']:
        if p['loss']['lost']:
            lost += p['loss']['lost']
            worst = '%s>%s %s at %s' % (p['src'], p['dst'], p['proto'],
                                        p['loss']['hop'])
print(lost, worst)
" "$IT_TMP/agent.json"
}

echo "== agent started under running TCP and UDP"
it_udp_recv 2 5010
it_in 2 iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
it_listening "${CMON_PFX}c2" 5201
udp_send 1 "$(it_ip 2)" 5010 8 >"$IT_TMP/sent12" &
spid=$!
it_in 3 iperf3 -c "$(it_ip 2)" -p 5201 -t 8 -b 50M >"$IT_TMP/iperf" 2>&1 &
tpid=$!
sleep 2
it_agent_start
wait "$spid" "$tpid" || it_fail "traffic failed: $(cat "$IT_TMP/iperf")"
it_settle 5		# the receiver's timeout, and intervals after it
it_agent_stop
sent=$(cat "$IT_TMP/sent12")
recv=$(sed -n 's/^received //p' "$IT_TMP/r2")
pkts=$(it_query cmttc1 cmttc2 udp packets)
tcp=$(it_query cmttc3 cmttc2 tcp packets)
set -- $(total_lost)
echo "udp: sent $sent, received $recv, counted $pkts since start; tcp counted $tcp; lost reported $1 $*"
[ "$sent" = "$recv" ] || it_fail "the path dropped datagrams ($recv of $sent): no truth to compare"
[ "$pkts" -gt 1000 ] && [ "$pkts" -le "$sent" ] ||
	it_fail "udp counted $pkts, sent $sent"
[ "$tcp" -gt 1000 ] || it_fail "tcp not counted ($tcp)"
[ "$1" = 0 ] || it_fail "loss reported where none happened: $*"

echo "== a container joining while traffic towards it starts"
ip netns del "${CMON_PFX}c3" 2>/dev/null
sleep 0.5
it_agent_start
# datagrams towards container 3's address before it exists go nowhere
# (no ARP answer); they flow from the moment it joins, before the agent
# has seen it
udp_send 1 "$(it_ip 3)" 5011 7 >"$IT_TMP/sent13" &
spid=$!
sleep 1
cmon_ns_container "${CMON_PFX}c3" "$BR" "$(it_ip 3)" ||
	it_fail "cannot create container 3"
it_udp_recv 3 5011
wait "$spid"
it_settle 5
it_agent_stop
recv=$(sed -n 's/^received //p' "$IT_TMP/r3")
pkts=$(it_query cmttc1 cmttc3 udp packets)
set -- $(total_lost)
echo "joined: received $recv, counted $pkts; lost reported $1 $*"
[ "$recv" -gt 1000 ] || it_fail "container 3 received only $recv"
[ "$1" = 0 ] || it_fail "loss reported where none happened: $*"

echo "== a pair idle longer than the engine keeps it"
# the engine forgets a pair after 60 idle intervals: 6 s at 0.1 s
it_agent_start --interval 0.1
it_udp_recv 2 5012 12
udp_send 1 "$(it_ip 2)" 5012 0.5 >"$IT_TMP/sent" ; first=$(cat "$IT_TMP/sent")
sleep 9
udp_send 1 "$(it_ip 2)" 5012 0.3 >"$IT_TMP/sent" ; second=$(cat "$IT_TMP/sent")
it_wait "$IT_TMP/r2" received 15 || it_fail "receiver did not finish"
it_agent_stop
recv=$(sed -n 's/^received //p' "$IT_TMP/r2")
pkts=$(it_query cmttc1 cmttc2 udp packets)
set -- $(total_lost)
echo "idle: sent $first + $second, received $recv, counted $pkts; lost $1"
[ "$recv" = $((first + second)) ] || it_fail "the path dropped datagrams"
[ "$pkts" = "$recv" ] || it_fail "counted $pkts packets for $recv sent"
[ "$1" = 0 ] || it_fail "loss reported where none happened: $*"
echo "== forced evictions: 200 flows through maps of 16 entries"
it_agent_start --flow-entries 16
it_udp_recv 2 5013
it_in 1 python3 -c "
import socket, time
socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(200)]
end, n = time.time() + 5, 0
while time.time() < end:
    for s in socks:
        s.sendto(b'e' * 100, ('$(it_ip 2)', 5013))
        n += 1
    time.sleep(0.005)
print(n)
" >"$IT_TMP/sent"
it_wait "$IT_TMP/r2" received 10 || it_fail "receiver did not finish"
it_settle 1
it_agent_stop
sent=$(cat "$IT_TMP/sent")
recv=$(sed -n 's/^received //p' "$IT_TMP/r2")
evicted=$(it_query - - - hop_evicted)
restarts=$(it_query - - - agg_counter_restarts)
set -- $(total_lost)
echo "evictions: sent $sent, received $recv; hop_evicted $evicted, counter restarts $restarts; lost reported $1 $*"
[ "$sent" = "$recv" ] || it_fail "the path dropped datagrams"
[ "$evicted" -gt 0 ] || it_fail "no eviction counted"
[ "$restarts" -gt 0 ] || it_fail "no counter restart counted"
[ "$1" = 0 ] || it_fail "loss reported where none happened: $*"
echo "PASS: no false loss and no packet counted twice at the edges"
