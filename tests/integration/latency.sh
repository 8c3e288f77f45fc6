#!/bin/sh
# ICMP traced both ways with the container hops (--ct-hops); per-hop
# latencies are positive and add up to the end-to-end latency (means are
# additive, so this holds exactly up to rounding).  Without --ct-hops the
# paths run veth to veth.  Then datagrams of IPv4 id 0, 1 in 4 traced.
set -u
. "$(dirname "$0")/lib.sh"
it_init cmtl
it_host 2
it_agent_start --sample 1 --ct-hops
it_in 1 ping -q -c 40 -i 0.02 "$(it_ip 2)" >/dev/null || it_fail "ping failed"
it_settle
for dir in "cmtlc1 cmtlc2" "cmtlc2 cmtlc1"; do
	# shellcheck disable=SC2086
	set -- $dir
	traced=$(it_query "$1" "$2" icmp traced)
	[ "$traced" -ge 40 ] || it_fail "$1>$2: $traced of 40 ICMP traced"
	python3 -c "
import sys
sys.path.insert(0, '$HERE')
from query import load, summary
s = summary(load('$IT_TMP/agent.json'), '$1', '$2', 'icmp')
segs = s['seg_means']
print('$1>$2 e2e mean %.2f us, hops %s' % (s['e2e_mean'], segs))
assert s['e2e_mean'] > 0, 'no end-to-end latency'
assert segs and all(v > 0 for v in segs.values()), 'hop latency not positive'
assert s['seg_min_p50'] > 0, 'a hop p50 is zero'
total = sum(segs.values())
assert abs(total - s['e2e_mean']) <= 0.01 * s['e2e_mean'] + 0.01, \
    'hops sum to %.3f, e2e %.3f' % (total, s['e2e_mean'])
" || it_fail "$1>$2 latency check"
done
it_agent_stop
grep -q ct_tx "$IT_TMP/agent.json" || it_fail "--ct-hops: no container hops"

# by default only the veth hops, records emitted at the strip
it_agent_start --sample 1
it_in 1 ping -q -c 10 -i 0.02 "$(it_ip 2)" >/dev/null || it_fail "ping failed"
it_settle
traced=$(it_query cmtlc1 cmtlc2 icmp traced)
[ "$traced" -ge 10 ] || it_fail "default hops: $traced of 10 traced"
grep -q ct_tx "$IT_TMP/agent.json" && it_fail "ct_tx reported without --ct-hops"
it_agent_stop

# 1 in 4: an unconnected socket's datagrams (all of IPv4 id 0, their
# payloads numbered) are sampled 1 in 4, not all or none, the
# container's transmit hop picks the same ones as the stamp, every one
# the stamp left out is counted as sampled out, and every one arrives,
# its checksum right (computed by the sender's stack, the
# stamp's update of it covers the trailer, transmit hop included)
it_in 1 ethtool -K eth0 tx off >/dev/null
it_agent_start --sample 4 --ct-hops
it_udp_recv 2 5004 3
rpid=$!
it_in 1 python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(400):
    s.sendto(b'%08d' % i + b'x' * 40, ('$(it_ip 2)', 5004))
    time.sleep(0.001)
"
wait "$rpid"
got=$(sed -n 's/^received //p' "$IT_TMP/r2")
it_settle
traced=$(it_query cmtlc1 cmtlc2 udp traced)
counted=$(it_last_json 'o["counters"]["stamped"], o["counters"]["sampled_out"]')
ct=$(python3 -c "
import sys
sys.path.insert(0, '$HERE')
from query import load, summary
print(summary(load('$IT_TMP/agent.json'), 'cmtlc1', 'cmtlc2', 'udp')['seg_n'].get('ct_tx>veth_in', 0))")
it_agent_stop
echo "1 in 4: $traced of 400 datagrams of IPv4 id 0 traced, $ct with their container's transmit hop; $got received; stamped, sampled out: $counted"
[ "$got" = 400 ] || it_fail "$got of 400 datagrams received"
csum_err=$(it_in 2 nstat -az UdpInCsumErrors | awk '/UdpInCsumErrors/ {print $2}')
[ "$csum_err" = 0 ] || it_fail "receiver saw $csum_err UDP checksum errors"
[ "$traced" -ge 60 ] && [ "$traced" -le 140 ] ||
	it_fail "1 in 4 traced $traced of 400 datagrams"
[ "$ct" = "$traced" ] || it_fail "$ct of $traced traced datagrams have ct_tx"
# (the only IPv4 packets the stamp hops saw in this run: the 400)
[ "$counted" = "$traced $((400 - traced))" ] ||
	it_fail "stamped and sampled out $counted; $traced of 400 traced"
echo "PASS: ICMP traced both ways, hops positive and summing to e2e; UDP of IPv4 id 0 sampled 1 in 4"
