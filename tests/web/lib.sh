# What the browser tests against the synthetic exporter share (sourced
# by scale.sh and feed.sh): the checks that they can run, and the
# exporter (tools/cmon-fake-api.py) itself.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
command -v node >/dev/null || { echo "SKIP: no Node.js"; exit 77; }
[ -f "$top_builddir/web/dist/index.html" ] || { echo "FAIL: web/dist not built (make)"; exit 1; }
[ -d "$top_srcdir/web/node_modules/playwright-core" ] ||
	{ echo "FAIL: playwright-core not installed (make runs npm ci in web/)"; exit 1; }
FAKE_PID= FAKE_OUT=
trap 'web_fake_stop' EXIT

# web_fake ARGS...: the synthetic exporter of ARGS (after its web root;
# the environment passed on), started; FAKE_URL once it serves.
web_fake() {
	FAKE_OUT=$(mktemp)
	python3 "$top_srcdir/tools/cmon-fake-api.py" "$top_builddir/web/dist" \
		"$@" >"$FAKE_OUT" 2>&1 &
	FAKE_PID=$!
	n=0
	until grep -q serving "$FAKE_OUT"; do
		n=$((n + 1))
		[ "$n" -lt 50 ] || {
			echo "FAIL: the synthetic exporter did not start: $(cat "$FAKE_OUT")"
			return 1
		}
		sleep 0.1
	done
	FAKE_URL=$(sed -n 's/^serving //p' "$FAKE_OUT")
}

web_fake_stop() {
	[ -z "$FAKE_PID" ] || { kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null; }
	[ -z "$FAKE_OUT" ] || rm -f "$FAKE_OUT"
	FAKE_PID= FAKE_OUT=
}
