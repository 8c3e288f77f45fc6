#!/bin/sh
# The live web page end to end: three containers with traffic, cmon-kern
# serving the page (web/dist), and headless Chromium (page.mjs): the
# containers appear, a pair's per-hop latency appears and changes, pause
# and resume work, the legend explains every colour, a tooltip follows
# its link across updates, 30 % loss injected on one link turns it red
# and wide with its loss marker within seconds, the health panel names
# it, and a rule's alert fires in the alerts panel; the exporter stopped
# (SIGSTOP), every figure greys out and says how old it is; no console
# errors; the screenshots are written to web-screenshot.png and
# web-screenshot-stale.png in the build tree.
set -u
. "$(dirname "$0")/../integration/lib.sh"
it_init cmwb
it_exporter_init
it_browser_init
it_host 3
port=$(cmon_ns_port "${CMON_PFX}c1")

# a rule whose alert the injected loss fires
cat >"$IT_TMP/rules.yaml" <<YAML
version: 1
templates:
  - { template: page, bridges: [$BR], hops: [veth_in, veth_out] }
template: page
rules:
  - name: to-c2
    select: { to: { containers: [${CMON_PFX}c2] } }
    alerts:
      - { name: c2-lossy, when: loss.ratio > 10%, severity: critical }
YAML
it_fresh "$IT_TMP/agent.err"
"$APP" --bridge "$BR" --sample 4 --interval 0.5 --http 127.0.0.1:0 \
	--rules "$IT_TMP/rules.yaml" \
	--web-root "$top_builddir/web/dist" --quiet 2>"$IT_TMP/agent.err" &
AGENT_PID=$!
it_wait "$IT_TMP/agent.err" monitoring 10 || it_fail "the exporter did not start"
HPORT=$(it_http_port "$IT_TMP/agent.err")
[ -n "$HPORT" ] || it_fail "no HTTP port"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HPORT/")
[ "$code" = 200 ] || it_fail "GET / answered $code"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HPORT/../etc/passwd")
[ "$code" = 404 ] || it_fail "path outside the web root answered $code"

# traffic for the whole test: UDP c1 > c2, ping c2 > c3
it_in 1 python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end = time.time() + 90
while time.time() < end:
    for i in range(20):
        s.sendto(b'x' * 300, ('$(it_ip 2)', 5003))
    time.sleep(0.02)
" &
IT_PIDS="$IT_PIDS $!"
it_in 2 ping -q -i 0.05 -w 90 "$(it_ip 3)" >/dev/null 2>&1 &
IT_PIDS="$IT_PIDS $!"

CMON_LOSS_CMD="nft -f - <<NFT
table bridge $CMON_PFX {
	chain forward {
		type filter hook forward priority 0; policy accept;
		iifname \"$port\" udp dport 5003 numgen random mod 10 < 3 drop
	}
}
NFT"
CMON_STOP_CMD="kill -STOP $AGENT_PID" CMON_CONT_CMD="kill -CONT $AGENT_PID"
export CMON_LOSS_CMD CMON_STOP_CMD CMON_CONT_CMD CHROMIUM
CMON_WEB=$top_srcdir/web node "$top_srcdir/tests/web/page.mjs" \
	"http://127.0.0.1:$HPORT/" "$top_builddir/web-screenshot.png" \
	cmwbc1 cmwbc2 "$(it_ip 1)>$(it_ip 2)/udp" || it_fail "the page"
[ -s "$top_builddir/web-screenshot.png" ] || it_fail "no screenshot"
echo "PASS: live page in Chromium: containers, per-hop latency, pause, loss marker, alert"
