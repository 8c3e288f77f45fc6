#!/bin/sh
# Monitoring rules in Open vSwitch (doc/rules.md): cmon-dpdk --rules puts
# them in force in the patched switch, live, through its control memzone.
#   - the template's ovs_bridges give the af_packet port that has no
#     cmon-role of its own the role "container" (not the bridge's own
#     internal port); a port whose cmon-role says none keeps it
#   - a rule's sampling shows in the traced ratio of its pair only (every
#     packet against the file's 1 in 64), and an edit changes it (1 in 8)
#   - a template without the bridge takes the role back
#   - cmon-dpdk exiting gives the switch its own settings back
set -u
. "$(dirname "$0")/lib.sh"
it_init cmtr
it_ovs_init

C1=${CMON_PFX}c1 C2=${CMON_PFX}c2 C3=${CMON_PFX}c3
IP1=$NET.2 IP2=$NET.3 IP3=$NET.4
cmon_ovs_start "$IT_TMP/ovs" cmon-enable=true cmon-sample=1 \
	cmon-key=0123456789abcdef || it_fail "cannot start ovs-vswitchd"
cmon_ovs_container "$C1" "$IP1" container || it_fail "cannot plug $C1"
cmon_ovs_container "$C2" "$IP2" - || it_fail "cannot plug $C2"
cmon_ovs_container "$C3" "$IP3" none || it_fail "cannot plug $C3"
LOG=$IT_TMP/ovs/vswitchd.log
grep -q "$C2: role" "$LOG" && it_fail "$C2 has a role without rules"

RULES=$IT_TMP/rules.yaml
write_rules() {	# write_rules TEMPLATE SAMPLE
	cat >"$RULES.new" <<YAML
version: 1
templates:
  - { template: here, ovs_bridges: [$CMON_OVS_BR], hops: [ovs_rx, ovs_tx] }
  - { template: elsewhere, ovs_bridges: [br-int], hops: [ovs_rx, ovs_tx] }
template: $1
sample: 64
rules:
  - name: fine
    select:
      from: { cidr: [$IP1/32] }
      to: { cidr: [$IP2/32] }
    measure: { sample: $2 }
YAML
	mv "$RULES.new" "$RULES"
}
write_rules here 1

it_cmon_dpdk --rules "$RULES"
it_wait "$LOG" "$C2: role container (cmon-dpdk's rules" 10 ||
	it_fail "$C2 took no role from the template: $(grep cmon "$LOG" | tail -5)"
grep -q "$C3: role container" "$LOG" &&
	it_fail "$C3 took the template's role over its own cmon-role=none"
grep -q "$CMON_OVS_BR: role container" "$LOG" &&
	it_fail "the bridge's own port took the template's role"
cmon_ovs_appctl cmon/show >"$IT_TMP/show"
grep -q "^rules: cmon-dpdk pid $DPDK_PID, sampling 1 in 64 .*bridges: $CMON_OVS_BR$" \
	"$IT_TMP/show" || it_fail "cmon/show: $(cat "$IT_TMP/show")"

it_udp_steady "$C1" "$IP2" 5003 60 5
it_udp_steady "$C2" "$IP1" 5004 60 5

# ratio SRC DST LINES: traced / packets of a pair over the last LINES reports
ratio() {
	tail -n "$3" "$IT_TMP/agent.json" | python3 -c "
import json, sys
t = n = 0
for line in sys.stdin:
    for p in json.loads(line)['pairs']:
        if p['src_ip'] == '$1' and p['dst_ip'] == '$2' and p['proto'] == 'udp':
            t += p['traced']
            n += p['packets']
print('%.4f %d %d' % (t / n if n else -1, t, n))"
}
# expect SRC DST LO HI WHAT: the pair's ratio over the last 3 s in [LO, HI]
expect() {
	set -- "$@" $(ratio "$1" "$2" 6)
	echo "$5: traced $7 of $8 ($6)"
	python3 -c "import sys; sys.exit(not $3 <= $6 <= $4)" ||
		it_fail "$5: traced $7 of $8 packets ($6), not in [$3, $4]"
}
# (the pairs are known to the rules from their first counted interval on)
it_wait "$IT_TMP/agent.err" "rules in force in ovs-vswitchd: sampling of the rules ([1-9]" 10 ||
	it_fail "the pair's sampling did not reach the switch: $(tail -3 "$IT_TMP/agent.err")"
sleep 4
tail -n 1 "$IT_TMP/agent.json" | python3 -c "
import json, sys
for p in json.load(sys.stdin)['pairs']:
    print('pair', p['src'], p['dst'], p['proto'], p['packets'], p['traced'], p['sample'], p['rule'])"
# (1350 packets each: 21 expected at 1 in 64, standard deviation 4.6)
expect "$IP1" "$IP2" 0.98 1.0 "c1>c2 (its rule: every packet)"
expect "$IP2" "$IP1" 0.004 0.035 "c2>c1 (the file's 1 in 64)"

# the rule's sampling edited: 1 in 8 (170 expected, deviation 12)
write_rules here 8
it_wait "$IT_TMP/agent.err" "revision .* (applied)" 10 ||
	it_fail "the edit was not applied: $(tail -3 "$IT_TMP/agent.err")"
sleep 4
expect "$IP1" "$IP2" 0.08 0.17 "c1>c2 (its rule: 1 in 8)"

# the template without the switch's bridge: the role goes again
write_rules elsewhere 8
it_wait "$LOG" "$C2: role none" 10 ||
	it_fail "$C2 kept the template's role: $(grep cmon "$LOG" | tail -5)"
cmon_ovs_appctl cmon/show | grep -q "^rules: .*bridges: br-int$" ||
	it_fail "cmon/show after the edit: $(cmon_ovs_appctl cmon/show)"

# cmon-dpdk exits: the switch's own settings (other_config) again
kill -INT "$DPDK_PID"; wait "$DPDK_PID" || it_fail "cmon-dpdk exit status $?"
sleep 1
cmon_ovs_appctl cmon/show >"$IT_TMP/show"
grep -q "^rules: none" "$IT_TMP/show" && grep -q "^sampling: 1 in 1$" "$IT_TMP/show" ||
	it_fail "after cmon-dpdk exited: $(cat "$IT_TMP/show")"
echo "PASS: rules in force in Open vSwitch, live"
