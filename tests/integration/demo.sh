#!/bin/sh
# The README's main command: tools/cmon-demo (Docker containers where
# Docker is installed, as here after tools/install-deps) runs, reports the
# demo's containers by name with the rules' sampling, and leaves nothing
# behind: no namespace, link, dockerd or traffic of its own, the host's
# iptables as they were.  A second demo started meanwhile is refused,
# naming the first, and leaves it running.
set -u
. "$(dirname "$0")/lib.sh"
it_init cmdx		# (the demo's own objects are cmd*)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
before=$(iptables-save | grep -v '^#' | sed 's/\[[0-9:]*\]//')
"$top_srcdir/tools/cmon-demo" --duration 15 --json --http-port "$port" \
	>"$IT_TMP/demo.json" 2>"$IT_TMP/demo.err" &
demo=$!
# a second demo while it runs: refused, naming the first, touching nothing
n=0
until grep -q "^{" "$IT_TMP/demo.json" 2>/dev/null; do
	n=$((n + 1))
	[ "$n" -lt 600 ] && kill -0 "$demo" 2>/dev/null || break
	sleep 0.2
done
"$top_srcdir/tools/cmon-demo" --duration 5 --json --http-port $((port + 1)) \
	>/dev/null 2>"$IT_TMP/second.err"
st=$?
wait "$demo" || {
	tail -20 "$IT_TMP/demo.err"
	it_fail "tools/cmon-demo failed"
}
[ "$st" = 1 ] && grep -q "another cmon-demo is running.* PID $demo " "$IT_TMP/second.err" ||
	it_fail "a second demo while one runs: exit $st, $(cat "$IT_TMP/second.err")"
. "$top_srcdir/tools/cmon-runtimes.sh"
layout=docker
grep -q "container runtime: docker" "$IT_TMP/demo.err" || layout=bridge
[ "$layout" = docker ] || [ -n "$(cmon_rt_missing docker)" ] ||
	it_fail "Docker is installed, the demo did not use it: $(head -5 "$IT_TMP/demo.err")"
grep "^{" "$IT_TMP/demo.json" | tail -n 1 | python3 -c '
import json, sys
o = json.load(sys.stdin)
pairs = {(p["src"], p["dst"], p["proto"]): p for p in o["pairs"]}
web_api = pairs[("cmd-web", "cmd-api", "tcp")]
assert web_api["packets"] > 1000, web_api
assert web_api["rule"] == "web-to-backends" and web_api["sample"] == 2, web_api
assert ("cmd-api", "cmd-db", "udp") in pairs, sorted(pairs)
assert ("cmd-web", "cmd-cache", "udp") in pairs, sorted(pairs)
assert o["rules"]["error"] is None, o["rules"]
' || it_fail "the demo's last report: $(grep '^{' "$IT_TMP/demo.json" | tail -n 1 | cut -c1-600)"
[ -z "$(ip netns list | grep '^cmd')" ] || it_fail "namespaces left: $(ip netns list)"
[ -z "$(ip -o link show | grep ': cmd')" ] || it_fail "links left"
pgrep -f "dockerd --data-root /tmp/cmon-demo" >/dev/null && it_fail "dockerd left running"
pgrep -f "iperf3 .*-I /tmp/cmon-demo" >/dev/null && it_fail "iperf3 servers left running"
# (the traffic to and from the demo's addresses)
left=$(pgrep -af "(iperf3|sockperf|ping) .*10\.213\.0\.") &&
	it_fail "traffic left running: $left"
[ "$(iptables-save | grep -v '^#' | sed 's/\[[0-9:]*\]//')" = "$before" ] ||
	it_fail "iptables not as they were"
echo "PASS: tools/cmon-demo ($layout layout): containers by name, rules applied, nothing left behind"
