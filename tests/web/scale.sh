#!/bin/sh
# The page with 1000 containers over 10 bridges and 2000 pairs (a
# synthetic exporter, tools/cmon-fake-api.py: only the page is under
# test) in headless Chromium (scale.mjs), one node's and then a cluster's
# of 10 nodes: every container drawn, a search finds one among them, no
# console errors; prints what each update cost (tools/cmon-bench-page
# compares sizes).  No root needed.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
command -v node >/dev/null || { echo "SKIP: no Node.js"; exit 77; }
[ -f "$top_builddir/web/dist/index.html" ] || { echo "FAIL: web/dist not built (make)"; exit 1; }
[ -d "$top_srcdir/web/node_modules/playwright-core" ] ||
	{ echo "FAIL: playwright-core not installed (make runs npm ci in web/)"; exit 1; }
# NODES SHOT: the page of one exporter with 1000 containers over NODES
# nodes (1: one node's own page; more: a cluster's)
run() {
	out=$(mktemp)
	python3 "$top_srcdir/tools/cmon-fake-api.py" "$top_builddir/web/dist" \
		1000 10 2000 0 "$1" >"$out" 2>&1 &
	pid=$!
	n=0
	until grep -q serving "$out"; do
		n=$((n + 1))
		[ "$n" -lt 50 ] || { echo "FAIL: the synthetic exporter did not start: $(cat "$out")"; return 1; }
		sleep 0.1
	done
	url=$(sed -n 's/^serving //p' "$out")
	CMON_WEB=$top_srcdir/web node "$top_srcdir/tests/web/scale.mjs" "$url" 1000 5 "$2" "$1"
	r=$?
	kill $pid
	rm -f "$out"
	return $r
}
trap 'kill $pid 2>/dev/null' EXIT
run 1 "$top_builddir/web-scale.png" || exit 1
echo "PASS: 1000 containers on the page"
run 10 "$top_builddir/web-scale-cluster.png" || exit 1
echo "PASS: 1000 containers over 10 nodes on the cluster's page"
