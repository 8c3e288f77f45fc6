#!/bin/sh
# cmonctl rules, as an operator runs it: the shipped demo rules check and
# compile to standard rules the schema accepts; a bad file is refused
# whole with every error at its line and column and exit status 1; usage
# errors give 2; explain names the rule that applies and why.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
CTL=$top_builddir/ctl/cmonctl
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -x "$CTL" ] || fail "$CTL not built"
tmp=$(mktemp -d /tmp/cmctl.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

demo=$top_srcdir/etc/rules/demo.yaml
out=$("$CTL" rules check "$demo") || fail "demo rules refused: $out"
echo "$out" | grep -q "good: 3 rule(s), template demo-bridge, revision [0-9a-f]\{16\}" ||
	fail "check said: $out"
echo "ok: $out"

"$CTL" rules compile "$demo" >"$tmp/std.json" || fail "compile failed"
python3 - "$top_srcdir/doc/api/rules.schema.json" "$tmp/std.json" <<'PY' ||
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
jsonschema.validate(doc, schema)
# the demo's backends rule: its own sample, its alerts in base units
r = doc["rules"][0]
assert r["name"] == "web-to-backends" and r["sample"] == 2, r
assert abs(r["alerts"][0]["value"] - 0.002) < 1e-12, r["alerts"][0]
assert doc["template"]["bridges"] == ["cmdbr0", "docker0"], doc["template"]
PY
	fail "standard rules not as the schema and the file say"
echo "ok: standard rules valid against doc/api/rules.schema.json"

# compiling twice gives the same bytes
"$CTL" rules compile "$demo" | cmp -s - "$tmp/std.json" ||
	fail "two compiles of the same file differ"

cat >"$tmp/bad.yaml" <<'YAML'
version: 1
sampel: 4
rules:
  - name: a
    select:
      ports: [99999]
    alerts:
      - name: x
        when: e2e.p99 > 5
YAML
out=$("$CTL" rules check --templates "$top_srcdir/etc/templates" \
	"$tmp/bad.yaml" 2>&1)
rc=$?
[ "$rc" = 1 ] || fail "bad file: exit $rc, want 1 ($out)"
for want in "bad.yaml:2:1: the rule file: unknown key 'sampel'" \
	"bad.yaml:6:15: '99999' is not a port" \
	"bad.yaml:9:15: when: a latency needs a unit" \
	"3 error(s), nothing compiled"; do
	echo "$out" | grep -qF "$want" || fail "no '$want' in: $out"
done
echo "ok: bad file refused whole, errors located"

"$CTL" rules check >/dev/null 2>&1
[ $? = 2 ] || fail "no FILE: want exit 2"
"$CTL" rules frobnicate "$demo" >/dev/null 2>&1
[ $? = 2 ] || fail "unknown command: want exit 2"
"$CTL" rules check "$tmp/none.yaml" >/dev/null 2>&1
[ $? = 1 ] || fail "missing file: want exit 1"

out=$("$CTL" rules explain "$demo" cmd-web@10.213.0.2 cmd-db --proto tcp) ||
	fail "explain found no rule: $out"
echo "$out" | grep -q "^applies: web-to-backends, the most specific" ||
	fail "explain said: $out"
out=$("$CTL" rules explain "$demo" 10.213.0.1 cmd-cache-2 --proto icmp)
echo "$out" | grep -q "rule cache (line [0-9]*, specificity 5): no match on protocols" ||
	fail "explain said: $out"
echo "$out" | grep -q "^applies: host-pings.*(ignore: the pair is not shown)" ||
	fail "explain said: $out"
"$CTL" rules explain "$demo" cmd-api cmd-db --proto udp >/dev/null
[ $? = 1 ] || fail "explain with no rule: want exit 1"
echo "ok: explain names the rule and why"

for t in "$top_srcdir"/etc/templates/*.yaml; do
	name=$(basename "$t" .yaml)
	printf 'version: 1\ntemplate: %s\n' "$name" >"$tmp/t.yaml"
	"$CTL" rules check --templates "$top_srcdir/etc/templates" \
		"$tmp/t.yaml" >/dev/null || fail "template $name refused"
done
echo "PASS: cmonctl rules check, compile and explain"
