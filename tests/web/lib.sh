# What the browser tests against the synthetic exporter share (sourced
# by scale.sh and feed.sh): the checks that they can run, and the
# exporter (tools/cmon-fake-api.sh) stopped when they end.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
command -v node >/dev/null || { echo "SKIP: no Node.js"; exit 77; }
[ -f "$top_builddir/web/dist/index.html" ] || { echo "FAIL: web/dist not built (make)"; exit 1; }
[ -d "$top_srcdir/web/node_modules/playwright-core" ] ||
	{ echo "FAIL: playwright-core not installed (make runs npm ci in web/)"; exit 1; }
. "$top_srcdir/tools/cmon-fake-api.sh"
trap cmon_fake_stop EXIT

# web_fake ARGS...: the synthetic exporter of ARGS serving web/dist
web_fake() {
	cmon_fake_start "$top_srcdir" "$top_builddir/web/dist" "$@"
}
