#!/bin/sh
# Rules change what the kernel hops do, live, on an agent started with a
# rule file and no --bridge:
# * the template's bridge is watched, with the host stack hops;
# * a rule's sampling shows in the traced ratio of its pair only (every
#   packet against the file's 1 in 256), and an edit changes it (1 in 16);
# * a template edit adds a bridge (its containers attached, their pair
#   reported) and drops the host stack hops (their programs detached),
#   and the next edit removes the bridge again (its ports detached).
set -u
. "$(dirname "$0")/lib.sh"
it_init cmrl
it_host 3
B2=${CMON_PFX}b2
cmon_ns_bridge "$B2" 10.251.0 || it_fail "cannot create bridge $B2"
cmon_ns_container "${CMON_PFX}d1" "$B2" 10.251.0.2 &&
cmon_ns_container "${CMON_PFX}d2" "$B2" 10.251.0.3 ||
	it_fail "cannot create the containers on $B2"
mkdir -p "$IT_TMP/rules"
RULES=$IT_TMP/rules/node.yaml
C1=${CMON_PFX}c1 C2=${CMON_PFX}c2 C3=${CMON_PFX}c3
D1=${CMON_PFX}d1 D2=${CMON_PFX}d2

write_rules() {	# write_rules BRIDGES HOPS SAMPLE
	cat >"$RULES.new" <<YAML
version: 1
templates:
  - { template: test, bridges: [$1], hops: [$2] }
template: test
sample: 256
rules:
  - name: fine
    select:
      from: { containers: [$C1] }
      to: { containers: [$C2] }
    measure: { sample: $3 }
YAML
	mv "$RULES.new" "$RULES"
}
write_rules "$BR" "veth_in, veth_out, host_in, host_out" 1

it_fresh "$IT_TMP/agent.json" "$IT_TMP/agent.err"
"$AGENT" --rules "$RULES" --json --interval 0.5 \
	>"$IT_TMP/agent.json" 2>"$IT_TMP/agent.err" &
AGENT_PID=$!
IT_PIDS="$IT_PIDS $AGENT_PID"
it_wait "$IT_TMP/agent.err" "monitoring" 10 ||
	it_fail "agent did not start: $(tail -3 "$IT_TMP/agent.err")"

it_udp_steady "$C1" "$(it_ip 2)" 5003 60 20
it_udp_steady "$C3" "$(it_ip 2)" 5004 60 20
it_udp_steady "$D1" 10.251.0.3 5006 60 20

pair='lambda o, s, d: [p for p in o["pairs"] if p["src"] == s and p["dst"] == d]'
# ratio SRC DST LINES: traced / packets of a pair over the last LINES reports
ratio() {
	tail -n "$3" "$IT_TMP/agent.json" | python3 -c "
import json, sys
t = n = 0
for line in sys.stdin:
    for p in json.loads(line)['pairs']:
        if p['src'] == '$1' and p['dst'] == '$2':
            t += p['traced']
            n += p['packets']
print('%.4f %d %d' % (t / n if n else -1, t, n))"
}
# hop_progs NAME: how many of the agent's programs NAME are attached
hop_progs() {
	it_tcx_progs | grep -cx "$1"
}

it_wait_json "c1>c2 not reported from the template's bridge" 10 \
	"len(($pair)(o, '$C1', '$C2')) == 1"
[ "$(hop_progs cmon_host_in)" = 1 ] ||
	it_fail "the host stack hops are not on $BR: $(it_tcx_progs | sort | uniq -c)"
[ "$(it_last_json "($pair)(o, '$D1', '$D2')")" = "[]" ] ||
	it_fail "d1>d2 reported although $B2 is not in the template"
sleep 4
set -- $(ratio "$C1" "$C2" 6)
python3 -c "import sys; sys.exit(not $1 > 0.95)" ||
	it_fail "c1>c2 (sample 1): traced $2 of $3 packets"
echo "ok: c1>c2 under rule 'fine' (sample 1): traced $2 of $3 packets"
set -- $(ratio "$C3" "$C2" 6)
python3 -c "import sys; sys.exit(not 0 <= $1 < 0.02)" ||
	it_fail "c3>c2 (the file's 1 in 256): traced $2 of $3 packets"
echo "ok: c3>c2 at the file's 1 in 256: traced $2 of $3 packets"
[ "$(it_last_json "[(p['sample'], p['rule']) for p in ($pair)(o, '$C1', '$C2') + ($pair)(o, '$C3', '$C2')]")" = "[(1, 'fine'), (256, None)]" ] ||
	it_fail "pairs' sample and rule not in the JSON: $(tail -n 1 "$IT_TMP/agent.json" | cut -c1-600)"

# one edit: the second bridge in, the host stack hops out, 1 in 16
rev=$(it_last_json 'o["rules"]["revision"]')
write_rules "$BR, $B2" "veth_in, veth_out" 16
it_wait_json "the edit not applied" 10 "o['rules']['revision'] != '$rev'"
it_wait_json "d1>d2 not reported once $B2 is in the template" 10 \
	"len(($pair)(o, '$D1', '$D2')) == 1"
[ "$(hop_progs cmon_host_in)" = 0 ] && [ "$(hop_progs cmon_host_out)" = 0 ] ||
	it_fail "host stack hops still attached: $(it_tcx_progs | sort | uniq -c)"
[ "$(hop_progs cmon_veth_in)" = 5 ] ||
	it_fail "not every port of both bridges attached: $(it_tcx_progs | sort | uniq -c)"
echo "ok: template edit: $B2's containers attached, the host stack hops detached"
sleep 4
set -- $(ratio "$C1" "$C2" 6)
python3 -c "import sys; sys.exit(not 1 / 32 < $1 < 1 / 8)" ||
	it_fail "c1>c2 after 'sample: 16': traced $2 of $3 packets"
echo "ok: c1>c2 after the edit to 1 in 16: traced $2 of $3 packets"

# the bridge out again: its ports detached, its pair gone
rev=$(it_last_json 'o["rules"]["revision"]')
write_rules "$BR" "veth_in, veth_out" 16
it_wait_json "the second edit not applied" 10 "o['rules']['revision'] != '$rev'"
it_wait_json "d1>d2 still reported once $B2 left the template" 10 \
	"($pair)(o, '$D1', '$D2') == []"
[ "$(hop_progs cmon_veth_in)" = 3 ] ||
	it_fail "$B2's ports still attached: $(it_tcx_progs | sort | uniq -c)"
grep -q "watching bridge(s) $BR, without host stack hops" "$IT_TMP/agent.err" ||
	it_fail "the agent did not say what it watches: $(grep watching "$IT_TMP/agent.err")"
it_agent_stop
[ "$(hop_progs cmon_veth_in)" = 0 ] || it_fail "programs left attached after the agent stopped"
echo "PASS: rules' sampling and template applied live"
