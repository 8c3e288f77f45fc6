#!/bin/sh
# Container churn while the agent runs: a container added is traced within
# about a second, also when its address comes after its veth (as with
# Docker), and when its end of the veth moves into its namespace after the
# port is on the bridge (as libnetwork does); one removed, or whose port
# leaves the bridge, is cleaned up (its address leaves the stamp map) and
# the agent keeps running.  The agent follows link events: it looks at
# every port only every 30 s, so each of these is the events' doing.
# With --ct-hops each container's own hops (at its eth0) come and go with
# it: no record waits for a receive hop that is not there.
set -u
. "$(dirname "$0")/lib.sh"
it_init cmtc
it_host 2

# traced_from_1 N: five pings from cmtcc1 to cmtccN, all five traced (a
# pair by its addresses: the intervals before the agent learnt a new
# container's address name it by the address)
traced_from_1() {
	it_in 1 ping -q -c 5 -i 0.1 "$(it_ip "$1")" >/dev/null ||
		it_fail "ping to cmtcc$1"
	it_settle
	traced=$(it_query "$(it_ip 1)" "$(it_ip "$1")" icmp traced)
	[ "$traced" -ge 5 ] || it_fail "traffic to cmtcc$1 traced $traced/5"
}

it_agent_start --sample 1 --ct-hops
cmon_ns_container cmtcc3 "$BR" "$(it_ip 3)" || it_fail "cannot add container"
t0=$(date +%s.%N)
it_wait "$IT_TMP/agent.err" "container cmtcc3 joined" ||
	it_fail "new container not picked up within 5 s"
echo "new container attached after $(python3 -c "print(round($(date +%s.%N) - $t0, 2))") s"
it_in 3 ping -q -c 5 -i 0.1 "$(it_ip 1)" >/dev/null || it_fail "ping from new container"
it_settle
traced=$(it_query "$(it_ip 3)" "$(it_ip 1)" icmp traced)
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
traced_from_1 4

# as libnetwork does it: both ends made here, the port on the bridge and
# up, then the container's end moved into its namespace (the port hears
# nothing of that; its peer's leaving is the only event)
port5=$(cmon_ns_port cmtcc5)
ip netns add cmtcc5
ip link add "$port5" type veth peer name cmtcc5e
ip link set "$port5" master "$BR" up
sleep 0.3	# the agent sees a veth whose peer is here: not a container
grep -q "container cmtcc5 joined" "$IT_TMP/agent.err" &&
	it_fail "a veth with both ends in the host was taken for a container"
ip link set cmtcc5e netns cmtcc5
ip -n cmtcc5 link set cmtcc5e name eth0
ip -n cmtcc5 addr add "$(it_ip 5)/24" dev eth0
ip -n cmtcc5 link set eth0 up
it_wait "$IT_TMP/agent.err" "container cmtcc5 joined" ||
	it_fail "container whose end moved in after the port was enslaved not picked up"
# (it may join as its end moves in, before the address comes)
it_wait "$IT_TMP/agent.err" \
	"container cmtcc5 \(joined ($(it_ip 5)\|now has 1 address\)" ||
	it_fail "the address of cmtcc5 was not picked up"
traced_from_1 5

# a veth pair with both ends here on the bridge (an uplink) is no container
ip link add cmtccup0 type veth peer name cmtccup1
ip link set cmtccup0 master "$BR" up

# a port taken off the bridge leaves; put back, it joins again
ip link set "$port5" nomaster
it_wait "$IT_TMP/agent.err" "container cmtcc5 left" ||
	it_fail "a port taken off the bridge was not let go"
sleep 0.3	# off the bridge, it must not join again on its own
[ "$(grep -c "container cmtcc5 joined" "$IT_TMP/agent.err")" -eq 1 ] ||
	it_fail "cmtcc5 joined twice before its port was back"
ip link set "$port5" master "$BR"
n=50
while [ "$(grep -c "container cmtcc5 joined" "$IT_TMP/agent.err")" -lt 2 ] &&
      [ $n -gt 0 ]; do
	sleep 0.1
	n=$((n - 1))
done
[ $n -gt 0 ] || it_fail "a port put back on the bridge did not join again"
grep -q "container cmtccup" "$IT_TMP/agent.err" &&
	it_fail "an uplink veth was taken for a container"

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
pending=$(it_last_json 'o["counters"]["records_pending"]')
[ "$pending" = 0 ] || it_fail "$pending record(s) left waiting for a receive hop"
it_agent_stop
echo "PASS: container churn followed"
