#!/bin/sh
# A latency alert fires and resolves as the latency it watches comes and
# goes: a token-bucket shaper (tc tbf) on the receiver's bridge port queues
# its datagrams (netem does not exist here), the segment from the veth to
# the receiving container's eth0 (--ct-hops) grows to hundreds of
# milliseconds, and the rule's alert fires in the JSON and in a real
# Alertmanager, then resolves there and here once the shaper goes.
set -u
. "$(dirname "$0")/lib.sh"
it_init cmlt
it_host 2
it_alertmanager
C1=${CMON_PFX}c1 C2=${CMON_PFX}c2
cat >"$IT_TMP/rules.yaml" <<YAML
version: 1
templates:
  - { template: t, bridges: [$BR], hops: [ct_tx, veth_in, veth_out, ct_rx] }
template: t
alertmanager: $AM
rules:
  - name: to-c2
    select: { to: { containers: [$C2] } }
    alerts:
      - name: c2-queue
        when: segment(veth_out,ct_rx).p99 > 20ms
        for: 1s
        severity: warning
YAML
it_agent_start --rules "$IT_TMP/rules.yaml" --ct-hops --sample 4
it_udp_steady "$C1" "$(it_ip 2)" 5003 60

# last EXPR: a Python expression over the last JSON line (o)
last() {
	tail -n 1 "$IT_TMP/agent.json" | python3 -c "
import json, sys
o = json.loads(sys.stdin.read())
print($1)" 2>/dev/null
}
state='[a["state"] for a in o["alerts"] if a["alert"] == "c2-queue"]'
wait_state() {	# wait_state WANT SECONDS
	local i
	for i in $(seq $(($2 * 5))); do
		[ "$(last "$state")" = "$1" ] && return 0
		sleep 0.2
	done
	return 1
}
sleep 3
[ "$(last "$state")" = "[]" ] || it_fail "alert without a queue: $(last "$state")"

port=$(cmon_ns_port "$C2")
tc qdisc add dev "$port" root tbf rate 1mbit burst 4kb latency 300ms ||
	it_fail "cannot add the shaper"
wait_state "['firing']" 15 || it_fail "no firing alert with a queue: $(last "$state")"
echo "ok: queue on $C2's port: c2-queue firing at p99 $(last '[a["value"] for a in o["alerts"]][0]') s"
it_am_wait c2-queue "$C1" warning True ||
	it_fail "Alertmanager has no active c2-queue: $(curl -s "$AM/api/v2/alerts")"
tc qdisc del dev "$port" root
wait_state "['resolved']" 15 || it_fail "the alert did not resolve: $(last "$state")"
it_am_wait c2-queue "$C1" warning False || it_fail "Alertmanager still has c2-queue"
it_agent_stop
echo "PASS: a queueing latency alert fires and resolves, here and in Alertmanager"
