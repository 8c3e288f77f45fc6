#!/bin/sh
# make install (into a DESTDIR): the programs, the man pages, the page,
# the templates, an example configuration and the systemd units where
# doc/exporter.md says; the installed cmon-kern serves the installed page
# and cmonctl checks the installed example rules against the installed
# templates; make uninstall leaves no file behind.
set -u
. "$(dirname "$0")/lib.sh"
it_init cmin
D=$IT_TMP/root
make -C "$top_builddir" install DESTDIR="$D" >"$IT_TMP/install.log" 2>&1 ||
	it_fail "make install: $(tail -5 "$IT_TMP/install.log")"
P=$D$(sed -n 's/^prefix = //p' "$top_builddir/Makefile")
for f in sbin/cmon-kern sbin/cmon-dpdk bin/cmonctl bin/cmon-pcap \
	share/man/man8/cmon-kern.8 share/man/man8/cmon-dpdk.8 \
	share/man/man1/cmonctl.1 share/man/man1/cmon-pcap.1 \
	share/cmon/web/index.html share/cmon/web/app.js share/cmon/web/api.js \
	share/cmon/web/feed.js \
	share/cmon/web/model.js share/cmon/web/style.css \
	share/cmon/web/vendor/uPlot.iife.min.js \
	share/cmon/templates/docker-bridge.yaml share/cmon/templates/routed.yaml \
	share/doc/cmon/examples/cmon-dpdk.conf \
	share/doc/cmon/examples/cmon-kern.service \
	share/doc/cmon/examples/cmon-dpdk.service \
	share/doc/cmon/examples/demo.yaml; do
	[ -s "$P/$f" ] || it_fail "make install did not put $f in place"
done
[ -x "$P/sbin/cmon-kern" ] && [ -x "$P/bin/cmonctl" ] || it_fail "programs not executable"
grep -q "ExecStart=${P#$D}/sbin/cmon-kern" "$P/share/doc/cmon/examples/cmon-kern.service" ||
	it_fail "the cmon-kern unit does not start the installed program"
echo "ok: make install: programs, man pages, page, templates, examples"

"$P/bin/cmonctl" rules check "$P/share/doc/cmon/examples/demo.yaml" \
	--templates "$P/share/cmon/templates" >"$IT_TMP/check" 2>&1 ||
	it_fail "the installed example rules: $(cat "$IT_TMP/check")"

it_host 1
it_fresh "$IT_TMP/agent.err"
"$P/sbin/cmon-kern" --bridge "$BR" --quiet --http 127.0.0.1:0 \
	--web-root "$P/share/cmon/web" 2>"$IT_TMP/agent.err" &
AGENT_PID=$!
it_wait "$IT_TMP/agent.err" "serving http" 10 || it_fail "the installed cmon-kern did not serve"
port=$(it_http_port "$IT_TMP/agent.err")
for f in / /app.js /vendor/uPlot.min.css; do
	code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$f")
	[ "$code" = 200 ] || it_fail "the installed page: $f answered $code"
done
it_agent_stop
echo "ok: the installed cmon-kern serves the installed page"

make -C "$top_builddir" uninstall DESTDIR="$D" >>"$IT_TMP/install.log" 2>&1 ||
	it_fail "make uninstall: $(tail -5 "$IT_TMP/install.log")"
left=$(find "$D" -type f | head -5)
[ -z "$left" ] || it_fail "make uninstall left: $left"
echo "PASS: make install and uninstall; the installed programs work"
