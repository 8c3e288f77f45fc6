#!/bin/sh
# Real Podman through its Docker-compatible API (tools/cmon-runtimes.sh:
# the test's own storage, run and network directories, API service and
# socket, a netavark network on bridge cmpdbr0): containers started with
# `podman run --name` are reported by those names with their labels, and
# podman stop, rm and run are followed.
set -u
. "$(dirname "$0")/lib.sh"
it_init cmpd
. "$top_srcdir/tools/cmon-runtimes.sh"
why=$(cmon_rt_missing podman)
if [ -n "$why" ]; then
	echo "SKIP: $why"
	exit 77
fi
cmon_podman_start "$IT_TMP/podman" || it_fail "cannot start podman's service"
it_on_exit cmon_podman_stop
PODMAN_IMAGE=cmpd-busybox:1 PODMAN_NET=cmpdnet
cmon_podman_image $PODMAN_IMAGE || it_fail "cannot import the busybox image"
cmon_podman_net cmpdnet cmpdbr0 10.218.0.0/24
cmon_podman_run cmpd-a --label app=a || it_fail "podman run cmpd-a failed"
cmon_podman_run cmpd-b || it_fail "podman run cmpd-b failed"
sandbox() {
	$PODMAN inspect -f '{{.NetworkSettings.SandboxKey}}' "$1"
}
ip_of() {
	$PODMAN inspect -f '{{(index .NetworkSettings.Networks "cmpdnet").IPAddress}}' "$1"
}

it_fresh "$IT_TMP/agent.json" "$IT_TMP/agent.err"
"$AGENT" --bridge cmpdbr0 --runtime "$PODMAN_SOCK" --json --interval 0.5 \
	--http 127.0.0.1:0 >"$IT_TMP/agent.json" 2>"$IT_TMP/agent.err" &
AGENT_PID=$!
it_wait "$IT_TMP/agent.err" "monitoring" 10 || it_fail "agent did not start"
grep -q "container runtime: podman" "$IT_TMP/agent.err" ||
	it_fail "the agent did not see Podman"
HPORT=$(it_http_port "$IT_TMP/agent.err")
it_udp_steady "$(sandbox cmpd-a)" "$(ip_of cmpd-b)" 5011 40

pair='lambda o, s, d: [p for p in o["pairs"] if p["src"] == s and p["dst"] == d]'
it_wait_json "cmpd-a>cmpd-b not reported by Podman names" 10 \
	"len(($pair)(o, 'cmpd-a', 'cmpd-b')) == 1"
curl -sf "http://127.0.0.1:$HPORT/api/v1/topology" | python3 -c '
import json, sys
t = json.load(sys.stdin)
a = [c for c in t["containers"] if c["name"] == "cmpd-a"][0]["runtime"]
assert a["name"] == "podman" and a["labels"]["app"] == "a", a
assert a["image"].endswith("cmpd-busybox:1"), a' ||
	it_fail "the topology API lacks what Podman says of cmpd-a"
echo "ok: Podman names and labels"

$PODMAN stop -t 0 cmpd-b >/dev/null || it_fail "podman stop failed"
it_wait "$IT_TMP/agent.err" "container cmpd-b left" 5 ||
	it_fail "podman stop cmpd-b not followed"
$PODMAN rm cmpd-b >/dev/null
cmon_podman_run cmpd-c || it_fail "podman run cmpd-c failed"
# attached when its veth appears, named when podman says it started
it_wait "$IT_TMP/agent.err" "container cmpd-c joined\\|is podman's cmpd-c " 5 ||
	it_fail "podman run cmpd-c not followed"
it_udp_steady "$(sandbox cmpd-a)" "$(ip_of cmpd-c)" 5012 20
it_wait_json "cmpd-a>cmpd-c not reported" 10 "len(($pair)(o, 'cmpd-a', 'cmpd-c')) == 1"
echo "ok: podman stop, rm and run followed by name"
it_agent_stop
echo "PASS: Podman containers by name and label, churn followed"
