#!/bin/sh
# Container churn while the agent runs: a container added is traced within
# about a second, also when its address comes after its veth (as with
# Docker); one removed is cleaned up (its address leaves the stamp map) and
# the agent keeps running.
set -u
. "$(dirname "$0")/lib.sh"
it_init cmtc
it_host 2
it_agent_start --sample 1
cmon_ns_container cmtcc3 "$BR" "$(it_ip 3)" || it_fail "cannot add container"
t0=$(date +%s.%N)
it_wait "$IT_TMP/agent.err" "container cmtcc3 joined" ||
	it_fail "new container not picked up within 5 s"
echo "new container attached after $(python3 -c "print(round($(date +%s.%N) - $t0, 2))") s"
it_in 3 ping -q -c 5 -i 0.1 "$(it_ip 1)" >/dev/null || it_fail "ping from new container"
it_settle
traced=$(it_query cmtcc3 cmtcc1 icmp traced)
[ "$traced" -ge 5 ] || it_fail "new container's traffic traced $traced/5"

# as Docker does it: the veth is on the bridge before eth0 has an address
port4=$(cmon_ns_port cmtcc4)
ip netns add cmtcc4
ip link add "$port4" type veth peer name eth0 netns cmtcc4
ip link set "$port4" master "$BR" up
ip -n cmtcc4 link set eth0 up
it_wait "$IT_TMP/agent.err" "container cmtcc4 joined" ||
	it_fail "address-less container not picked up"
ip -n cmtcc4 addr add "$(it_ip 4)/24" dev eth0
it_wait "$IT_TMP/agent.err" "container cmtcc4 now has 1 address" ||
	it_fail "the container's new address was not picked up"
it_in 1 ping -q -c 5 -i 0.1 "$(it_ip 4)" >/dev/null || it_fail "ping to late-addressed container"
it_settle
traced=$(it_query cmtcc1 cmtcc4 icmp traced)
[ "$traced" -ge 5 ] || it_fail "traffic to the late-addressed container traced $traced/5"

cmon_ns_container_del cmtcc2
it_wait "$IT_TMP/agent.err" "container cmtcc2 left" ||
	it_fail "removed container not cleaned up within 5 s"
kill -0 "$AGENT_PID" || it_fail "agent died after container removal"
peers=$(bpftool -j map dump name cmon_peers)
python3 - "$peers" "$(it_ip 1)" "$(it_ip 2)" "$(it_ip 3)" <<'PY' ||
import json, socket, sys
entries = json.loads(sys.argv[1])
have = {socket.inet_ntoa(bytes(int(b, 16) for b in e["key"])) for e in entries}
c1, c2, c3 = sys.argv[2:5]
assert c1 in have and c3 in have, "live containers missing: %s" % have
assert c2 not in have, "removed container still in the stamp map"
PY
	it_fail "stamp map does not match the live containers"
it_agent_stop
echo "PASS: container churn followed"
