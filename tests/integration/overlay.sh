#!/bin/sh
# Two simulated nodes joined by a flannel-style VXLAN overlay (VNI 1, UDP
# 8472, per-node /24 subnets, static VTEP neighbours as flanneld sets
# them), one cmon-kern per node sharing a key.  Across the overlay UDP is
# byte-exact, TCP sha256-exact, and the receiving node reports the whole
# path -- both nodes' veths, both overlay devices, the underlay between
# them -- with per-hop latencies positive and adding up to end to end;
# traffic leaving the monitored domain (NAT to the underlay) is never
# annotated and is counted; traced packets that leave a node outside the
# overlay (its route to the other node's pods missing) lose their
# annotation at the uplink and are counted.  A rule file's template gives
# the overlay and uplink devices as --overlay and --uplink do, live.
set -u
. "$(dirname "$0")/lib.sh"
it_init cmto
echo 0123456789abcdef >"$IT_TMP/key"

it_overlay_nodes

# start_agent N [ARGS]: one cmon-kern in node N's namespace, stamping
# with CLOCK_TAI as PTP-synchronised nodes would; its overlay hop from
# $OVERLAY
AGENT_PIDS=""
OVERLAY="--overlay flannel.1"
start_agent() {
	local n=$1
	shift
	it_fresh "$IT_TMP/node$n.json" "$IT_TMP/node$n.err"
	ip netns exec "cmton$n" "$AGENT" --bridge cni0 $OVERLAY \
		--peer-subnet 10.244.0.0/16 --key-file "$IT_TMP/key" \
		--node-id "$n" --sample 1 --ct-hops --json --interval 0.5 \
		--clock tai "$@" \
		>"$IT_TMP/node$n.json" 2>"$IT_TMP/node$n.err" &
	AGENT_PIDS="$AGENT_PIDS $!"
	IT_PIDS="$IT_PIDS $!"
	it_wait "$IT_TMP/node$n.err" monitoring 10 ||
		{ cat "$IT_TMP/node$n.err"; it_fail "agent of node $n did not start"; }
}

# Only node 1 monitored: node 2 never strips, and its pod must still get
# exactly what was sent (the annotation rides in an IPv4 option it ignores)
start_agent 1
it_udp_exact cmtoc1 cmtoc2 10.244.2.2 0-1400 ||
	it_fail "UDP across the overlay: $(cat "$IT_TMP/recv")"
echo "UDP with no agent on the receiving node: $(tail -1 "$IT_TMP/recv")"
start_agent 2

# UDP byte-exact, including sizes that fragment or leave no MTU room
it_udp_exact cmtoc1 cmtoc2 10.244.2.2 0-3000 ||
	it_fail "UDP across the overlay: $(cat "$IT_TMP/recv")"
echo "UDP: $(tail -1 "$IT_TMP/recv")"

# TCP sha256-exact with TSO
head -c 50M /dev/urandom >"$IT_TMP/data"
want=$(sha256sum <"$IT_TMP/data" | cut -d' ' -f1)
it_in 2 sh -c "socat -u TCP-LISTEN:5002,reuseaddr - | sha256sum" >"$IT_TMP/got" &
rpid=$!
it_listening "${CMON_PFX}c2" 5002
it_in 1 socat -u "FILE:$IT_TMP/data" TCP:10.244.2.2:5002 || it_fail "TCP sender failed"
wait "$rpid"
[ "$(cut -d' ' -f1 "$IT_TMP/got")" = "$want" ] || it_fail "TCP across the overlay: sha256 differs"
echo "TCP: 50 MB sha256 equal"

it_in 1 ping -q -c 30 -i 0.02 10.244.2.2 >/dev/null || it_fail "ping"
sleep 1.5
stop_agents() {
	for p in $AGENT_PIDS; do
		kill -INT "$p"
		wait "$p" || it_fail "agent exited with $?"
	done
	AGENT_PIDS=""
	IT_PIDS=""
}
stop_agents

python3 -c "
import sys
sys.path.insert(0, '$HERE')
from query import load, summary
recv = load('$IT_TMP/node2.json')
send = load('$IT_TMP/node1.json')
s = summary(recv, '10.244.1.2', 'cmtoc2', 'icmp')
segs = s['seg_means']
print('node 2 sees 10.244.1.2>cmtoc2 icmp: e2e %.1f us, hops %s' % (s['e2e_mean'], segs))
want = ['ct_tx>veth_in', 'veth_in>ovl_out', 'ovl_out>ovl_in', 'ovl_in>veth_out', 'veth_out>ct_rx']
assert all(k in segs for k in want), 'missing hops: %s' % segs
assert all(segs[k] > 0 for k in want), 'hop latency not positive'
total = sum(segs[k] for k in want)
assert abs(total - s['e2e_mean']) <= 0.01 * s['e2e_mean'] + 0.01, (total, s['e2e_mean'])
c1, c2 = send[-1]['counters'], recv[-1]['counters']
print('node 1: stamped %d written %d; node 2: stripped %d written %d bad_tag %d' % (
    c1['stamped'], c1['written'], c2['stripped'], c2['written'], c2['bad_tag']))
assert c1['stamped'] > 1000 and c2['stripped'] > 1000
# what node 1 stamped while node 2 had no agent reached pod 2 unstripped
assert c1['stamped'] >= c2['stripped'] + 3000, 'phase 1 was not stamped'
assert c2['bad_tag'] == 0 and c2['malformed'] == 0
assert c1['written'] > 1000 and c2['written'] > 1000
t = summary(recv, '10.244.1.2', 'cmtoc2', 'tcp')
assert t['traced'] > 100 and 'ovl_out>ovl_in' in t['seg_means'], t
# (the container's own hop finds TCP's segments by their flow and sequence)
assert 'ct_tx>veth_in' in t['seg_means'], t
" || it_fail "cross-node path check"

# Node 2's clock 5 ms ahead (test knob): the underlay segment, measured
# between the two nodes' clocks, shows the offset; node-local hops do not.
start_agent 1
start_agent 2 --clock-offset-ns 5000000
it_in 1 ping -q -c 200 -i 0.005 10.244.2.2 >/dev/null || it_fail "ping"
sleep 1.5
stop_agents
python3 -c "
import sys
sys.path.insert(0, '$HERE')
from query import load, summary
n1, n2 = load('$IT_TMP/node1.json'), load('$IT_TMP/node2.json')
s = summary(n2, '10.244.1.2', 'cmtoc2', 'icmp')
segs = s['seg_means']
print('with node 2 at +5 ms: %s' % segs)
assert 4900 < segs['ovl_out>ovl_in'] < 5300, segs
assert 0 < segs['ovl_in>veth_out'] < 300 and 0 < segs['veth_in>ovl_out'] < 300, segs
# each node exports the one-way delays arriving from the other; both
# directions together give the offset (doc: lib/clock.h)
ab = [l for l in n2[-1]['links'] if (l['from_node'], l['to_node']) == (1, 2)][0]
ba = [l for l in n1[-1]['links'] if (l['from_node'], l['to_node']) == (2, 1)][0]
off = (ab['low_us'] - ba['low_us']) / 2
bound = abs(ab['low_us'] + ba['low_us']) / 2
print('links: 1>2 low %.1f us, 2>1 low %.1f us: offset %.1f us, bound %.1f us'
      % (ab['low_us'], ba['low_us'], off, bound))
assert abs(off - 5000) < 20, off
assert abs(off - 5000) <= bound + 1, (off, bound)
" || { tail -3 "$IT_TMP/node2.json" | cut -c1-1500; it_fail "clock offset check"; }
# Leaving the monitored domain: pod 1 to a host process on the underlay
# (node 2's address, masqueraded as flanneld does): never annotated, so it
# arrives byte-exact, and node 1 counts what it did not stamp (skip_dst)
ip netns exec cmton1 iptables -t nat -A POSTROUTING -s 10.244.1.0/24 \
	! -d 10.244.0.0/16 -j MASQUERADE || it_fail "cannot add the NAT rule"
start_agent 1
it_udp_exact cmtoc1 cmton2 10.250.0.2 0-1400 ||
	it_fail "UDP out of the domain: $(cat "$IT_TMP/recv")"
sleep 1
stop_agents
skip=$(python3 -c "import json; print(json.loads(open('$IT_TMP/node1.json').readlines()[-1])['counters']['skip_dst'])")
[ "$skip" -ge 4000 ] || it_fail "only $skip packets counted as leaving the domain"
echo "out of the domain: byte-exact, $skip packets not stamped (skip_dst)"

# The overlay and uplink devices from a rule file's template instead of
# the command line, applied live: the overlay hop comes with the
# template and goes when the template no longer names it
tpl() {	# tpl OVERLAYS: the template nodes' devices
	cat >"$IT_TMP/rules.yaml.new" <<YAML
version: 1
templates:
  - template: nodes
    bridges: [cni0]
    overlay: [$1]
    uplink: [cmtou1, cmtou2]
    hops: [veth_in, veth_out, host_in, host_out, ovl_out, ovl_in, uplink]
template: nodes
sample: 1
YAML
	mv "$IT_TMP/rules.yaml.new" "$IT_TMP/rules.yaml"
}
tpl flannel.1
OVERLAY="--rules $IT_TMP/rules.yaml"
start_agent 1
start_agent 2
for n in 1 2; do
	it_wait "$IT_TMP/node$n.err" "template's overlay flannel.1: hop on it" 5 &&
	it_wait "$IT_TMP/node$n.err" "template's uplink cmtou$n: annotations" 5 ||
		it_fail "node $n did not attach the template's devices"
done
it_in 1 ping -q -c 30 -i 0.02 10.244.2.2 >/dev/null || it_fail "ping"
sleep 1.5
tpl ""
for n in 1 2; do
	it_wait "$IT_TMP/node$n.err" "template's overlay flannel.1 let go" 5 ||
		it_fail "node $n kept the overlay hop the template dropped"
done
sleep 1
since=$(wc -l <"$IT_TMP/node2.json")
it_in 1 ping -q -c 30 -i 0.02 10.244.2.2 >/dev/null || it_fail "ping"
sleep 1.5
stop_agents
python3 -c "
import sys
sys.path.insert(0, '$HERE')
from query import load, summary
recv = load('$IT_TMP/node2.json')
a = summary(recv[:$since], '10.244.1.2', 'cmtoc2', 'icmp')['seg_means']
b = summary(recv[$since:], '10.244.1.2', 'cmtoc2', 'icmp')['seg_means']
print('template with flannel.1: %s; without: %s' % (a, b))
assert 'veth_in>ovl_out' in a and 'ovl_out>ovl_in' in a, a
assert not any('ovl' in k for k in b) and 'veth_in>veth_out' in b, b
" || it_fail "the template's overlay hop"
echo "the template's overlay and uplink devices: attached, and let go live"
OVERLAY="--overlay flannel.1"

# outside_overlay [ARGS]: node 1 routes node 2's pods out of its underlay
# NIC, bypassing flannel.1; UDP from pod 1 with node 1's agent (ARGS added)
# and none on node 2; sets LEAKED (IPv4 packets on node 2's underlay still
# carrying options) and STRIPPED (node 1's uplink_stripped)
outside_overlay() {
	it_fresh "$IT_TMP/ul.err"
	ip netns exec cmton2 tcpdump -i cmtou2 -w "$IT_TMP/ul.pcap" -U \
		udp and dst host 10.244.2.2 2>"$IT_TMP/ul.err" &
	tpid=$!
	IT_PIDS="$IT_PIDS $tpid"
	it_wait "$IT_TMP/ul.err" "listening on" || it_fail "tcpdump did not start"
	start_agent 1 "$@"
	sleep 1
	it_udp_exact cmtoc1 cmtoc2 10.244.2.2 0-1400 ||
		it_fail "UDP outside the overlay: $(cat "$IT_TMP/recv")"
	sleep 1
	stop_agents
	kill -INT "$tpid"
	wait "$tpid"
	LEAKED=$(tcpdump -r "$IT_TMP/ul.pcap" 'ip[0] & 0xf != 5' 2>/dev/null |
		wc -l)
	STRIPPED=$(python3 -c "import json; print(json.loads(open('$IT_TMP/node1.json').readlines()[-1])['counters']['uplink_stripped'])")
}
ip -n cmton1 route replace 10.244.2.0/24 via 10.250.0.2 dev cmtou1 ||
	it_fail "cannot reroute node 2's pods"
outside_overlay
echo "outside the overlay, no --uplink: $LEAKED packets left node 1 annotated"
[ "$LEAKED" -gt 1000 ] ||
	it_fail "expected annotations to leave without --uplink"
outside_overlay --uplink cmtou1
echo "outside the overlay, --uplink: $LEAKED annotated, $STRIPPED stripped" \
     "at the uplink"
[ "$LEAKED" = 0 ] || it_fail "$LEAKED annotated packets left node 1 with --uplink"
[ "$STRIPPED" -gt 1000 ] || it_fail "only $STRIPPED counted as uplink_stripped"

echo "PASS: flannel-style overlay traced end to end across two nodes"

