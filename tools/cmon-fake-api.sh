# Sourced by what runs the page against the synthetic exporter
# (tools/cmon-fake-api.py): tests/web/lib.sh, tools/cmon-bench-page.
#
# cmon_fake_start TOP WEB_DIST ARGS...: the exporter of ARGS (after its
# web root WEB_DIST; TOP: the source tree; the environment passed on),
# started; FAKE_URL once it serves, FAKE_PID; 1, with what it printed,
# if it does not within 5 s.  cmon_fake_stop: stop it.
FAKE_PID= FAKE_OUT=
cmon_fake_start() {
	local top=$1 dist=$2 n=0
	shift 2
	FAKE_OUT=$(mktemp)
	python3 "$top/tools/cmon-fake-api.py" "$dist" "$@" >"$FAKE_OUT" 2>&1 &
	FAKE_PID=$!
	until grep -q serving "$FAKE_OUT"; do
		n=$((n + 1))
		[ "$n" -lt 50 ] || {
			echo "FAIL: the synthetic exporter did not start: $(cat "$FAKE_OUT")" >&2
			return 1
		}
		sleep 0.1
	done
	FAKE_URL=$(sed -n 's/^serving //p' "$FAKE_OUT")
}

cmon_fake_stop() {
	[ -z "$FAKE_PID" ] || { kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null || true; }
	[ -z "$FAKE_OUT" ] || rm -f "$FAKE_OUT"
	FAKE_PID= FAKE_OUT=
	return 0
}
