#!/bin/sh
# Container churn while the agent runs: a container added is traced within
# about a second; one removed is cleaned up (its address leaves the stamp
# map) and the agent keeps running.
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
