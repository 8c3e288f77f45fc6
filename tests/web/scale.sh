#!/bin/sh
# The page with 1000 containers over 10 bridges and 2000 pairs (a
# synthetic exporter, tools/cmon-fake-api.py: only the page is under
# test) in headless Chromium (scale.mjs): every container drawn, a search
# finds one among them, no console errors; prints what each update cost
# (tools/cmon-bench-page compares sizes).  No root needed.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
command -v node >/dev/null || { echo "SKIP: no Node.js"; exit 77; }
[ -f "$top_builddir/web/dist/index.html" ] || { echo "FAIL: web/dist not built (make)"; exit 1; }
[ -d "$top_srcdir/web/node_modules/playwright-core" ] ||
	{ echo "FAIL: playwright-core not installed (make runs npm ci in web/)"; exit 1; }
out=$(mktemp)
python3 "$top_srcdir/tools/cmon-fake-api.py" "$top_builddir/web/dist" \
	1000 10 2000 >"$out" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -f "$out"' EXIT
n=0
until grep -q serving "$out"; do
	n=$((n + 1))
	[ "$n" -lt 50 ] || { echo "FAIL: the synthetic exporter did not start: $(cat "$out")"; exit 1; }
	sleep 0.1
done
url=$(sed -n 's/^serving //p' "$out")
CMON_WEB=$top_srcdir/web node "$top_srcdir/tests/web/scale.mjs" "$url" 1000 5 \
	"$top_builddir/web-scale.png" || exit 1
echo "PASS: 1000 containers on the page"
