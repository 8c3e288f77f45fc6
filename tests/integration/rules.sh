#!/bin/sh
# Monitoring rules applied by a running agent (--rules), against a real
# Prometheus Alertmanager: an ignore rule hides its pairs; 20 % loss
# injected (nft) makes an alert pending, then firing, in the JSON, on
# /metrics and in Alertmanager; it resolves when the loss stops; a rule
# file edited while the agent runs is applied, and a broken one is
# refused whole with the rules in force kept and the refusal reported; a
# rule's metrics choose which of its pairs' series /metrics shows.
set -u
. "$(dirname "$0")/lib.sh"
it_init cmru
it_host 3
it_alertmanager
mkdir -p "$IT_TMP/rules"

# the rule file as operators keep it, beside the shipped templates
cp -r "$top_srcdir/etc/templates" "$IT_TMP/templates"
RULES=$IT_TMP/rules/node.yaml
write_rules() {	# write_rules IGNORE(true|false)
	cat >"$RULES.new" <<YAML
version: 1
templates:
  - template: test
    bridges: [$BR]
    hops: [veth_in, veth_out, host_in, host_out]
template: test
alertmanager: $AM
rules:
  - name: to-c2
    select:
      to: { containers: [${CMON_PFX}c2] }
      protocols: [udp]
    alerts:
      - name: c2-lossy
        when: loss.ratio > 5%
        for: 1s
        severity: critical
        summary: datagrams towards c2 are lost
  - name: quiet-c3
    select:
      from: { containers: [${CMON_PFX}c3] }
      to: { containers: ["${CMON_PFX}c*"] }
    ignore: $1
    measure: { metrics: [throughput] }
YAML
	mv "$RULES.new" "$RULES"
}
write_rules true

port=$(cmon_ns_port "${CMON_PFX}c1")
nft -f - <<NFT || it_fail "cannot install the nft table"
table bridge $CMON_PFX {
	chain forward {
		type filter hook forward priority 0; policy accept;
	}
}
NFT

it_agent_start --rules "$RULES" --http 127.0.0.1:0
HPORT=$(it_http_port "$IT_TMP/agent.err")
grep -q "rules: $RULES, revision" "$IT_TMP/agent.err" ||
	it_fail "the agent did not say which rules it runs"

# steady traffic c1 -> c2 and c3 -> c2 for the whole test
it_udp_steady "${CMON_PFX}c1" "$(it_ip 2)" 5003 40 20
it_udp_steady "${CMON_PFX}c3" "$(it_ip 2)" 5004 40 20

pair_seen='lambda o, s, d: any(p["src"] == s and p["dst"] == d for p in o["pairs"])'
C1=${CMON_PFX}c1 C2=${CMON_PFX}c2 C3=${CMON_PFX}c3

it_wait_json "c1>c2 not reported" 10 "($pair_seen)(o, '$C1', '$C2')"
[ "$(it_last_json "($pair_seen)(o, '$C3', '$C2')")" = False ] ||
	it_fail "c3>c2 shown although a rule ignores it"
[ "$(it_last_json 'o["alerts"]')" = "[]" ] || it_fail "alerts without loss: $(it_last_json 'o["alerts"]')"
echo "ok: c3>c2 hidden by its ignore rule, no alert without loss"

# 20 % of c1's datagrams to c2 dropped on the bridge
nft add rule bridge "$CMON_PFX" forward iifname "$port" udp dport 5003 \
	numgen random mod 5 == 0 drop || it_fail "cannot add the drop rule"
alert='[a for a in o["alerts"] if a["alert"] == "c2-lossy"]'
it_wait_json "no pending or firing alert with 20 % loss" 10 "len($alert) == 1"
it_wait_json "the alert did not fire" 10 "$alert[0]['state'] == 'firing'"
it_last_json "$alert[0]" | grep -q "'src': '$C1', 'dst': '$C2'" ||
	it_fail "alert on the wrong pair: $(it_last_json "$alert[0]")"
grep -q '"state":"pending"' "$IT_TMP/agent.json" ||
	it_fail "the alert never was pending before firing"
echo "ok: 20 % loss: c2-lossy pending, then firing ($(it_last_json "$alert[0]['value']"))"

python3 "$HERE/api.py" validate "http://127.0.0.1:$HPORT/api/v1/metrics" \
	metrics.schema.json >"$IT_TMP/api.json" ||
	it_fail "/api/v1/metrics with a firing alert not as doc/api/metrics.schema.json says"
grep -q '"alert": "c2-lossy"' "$IT_TMP/api.json" || it_fail "no alert in /api/v1/metrics"
curl -sf "http://127.0.0.1:$HPORT/metrics" >"$IT_TMP/metrics" || it_fail "no /metrics"
grep -q "^cmon_alert{.*alertname=\"c2-lossy\",rule=\"to-c2\",src=\"$C1\",dst=\"$C2\",proto=\"udp\",severity=\"critical\",alertstate=\"firing\"} 1" \
	"$IT_TMP/metrics" || it_fail "no firing cmon_alert on /metrics: $(grep cmon_alert "$IT_TMP/metrics")"

it_am_wait c2-lossy "$C1" critical True ||
	it_fail "Alertmanager has no active c2-lossy: $(curl -s "$AM/api/v2/alerts")"
echo "ok: firing on /metrics and in Alertmanager"

# the loss stops: resolved here and in Alertmanager
nft flush chain bridge "$CMON_PFX" forward
it_wait_json "the alert did not resolve" 15 "$alert[0]['state'] == 'resolved'"
it_am_wait c2-lossy "$C1" critical False ||
	it_fail "Alertmanager still has c2-lossy active"
echo "ok: resolved when the loss stopped, here and in Alertmanager"

# a broken edit is refused whole: the rules in force stay
rev=$(it_last_json 'o["rules"]["revision"]')
printf 'version: 1\nrules:\n  - name: x\n    ignore: perhaps\n' >"$RULES"
it_wait_json "the broken file was not reported" 10 \
	"'ignore must be true or false' in (o['rules']['error'] or '')"
[ "$(it_last_json 'o["rules"]["revision"]')" = "$rev" ] || it_fail "revision changed on a refused file"
[ "$(it_last_json "($pair_seen)(o, '$C3', '$C2')")" = False ] ||
	it_fail "c3>c2 shown after a refused edit"
echo "ok: a broken edit refused, the rules in force kept"

# a good edit is applied: c3 no longer ignored
write_rules false
it_wait_json "c3>c2 not shown after its ignore rule went" 10 \
	"($pair_seen)(o, '$C3', '$C2') and o['rules']['error'] is None"
[ "$(it_last_json 'o["rules"]["revision"]')" != "$rev" ] || it_fail "revision unchanged after an edit"
grep -q "rules_reloads\":1" "$IT_TMP/agent.json" || it_fail "reload not counted"
# its rule's metrics: its throughput on /metrics, not its latency
series() {	# series NAME SRC: NAME's samples of SRC>c2 on /metrics
	curl -sf "http://127.0.0.1:$HPORT/metrics" |
		grep -c "^$1{node=\"[^\"]*\",src=\"$2\",dst=\"$C2\",proto=\"udp\"}"
}
c3_shown() { [ "$(series cmon_packets_total "$C3")" = 1 ]; }
sleep 1.5
it_until 10 c3_shown || it_fail "c3>c2's throughput not on /metrics"
[ "$(series cmon_e2e_latency_seconds_count "$C3")" = 0 ] ||
	it_fail "c3>c2's latency on /metrics although its rule measures throughput only"
[ "$(series cmon_e2e_latency_seconds_count "$C1")" = 1 ] ||
	it_fail "c1>c2's latency missing from /metrics"
echo "ok: a rule's metrics choose what /metrics shows of its pairs"
it_agent_stop
echo "PASS: rules applied live: ignore, alerts pending/firing/resolved to Alertmanager, edits"
