#!/bin/sh
# The page given a malformed event (a synthetic exporter,
# tools/cmon-fake-api.py, cuts one short): reported, and the next ones
# applied (feed.mjs).  No root needed.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
command -v node >/dev/null || { echo "SKIP: no Node.js"; exit 77; }
[ -f "$top_builddir/web/dist/index.html" ] || { echo "FAIL: web/dist not built (make)"; exit 1; }
[ -d "$top_srcdir/web/node_modules/playwright-core" ] ||
	{ echo "FAIL: playwright-core not installed (make runs npm ci in web/)"; exit 1; }
out=$(mktemp)
CMON_FAKE_BAD=2 python3 "$top_srcdir/tools/cmon-fake-api.py" \
	"$top_builddir/web/dist" 30 3 40 >"$out" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -f "$out"' EXIT
n=0
until grep -q serving "$out"; do
	n=$((n + 1))
	[ "$n" -lt 50 ] || { echo "FAIL: the synthetic exporter did not start: $(cat "$out")"; exit 1; }
	sleep 0.1
done
CMON_WEB=$top_srcdir/web node "$top_srcdir/tests/web/feed.mjs" \
	"$(sed -n 's/^serving //p' "$out")" || exit 1
echo "PASS: a malformed event is reported and the page goes on"
