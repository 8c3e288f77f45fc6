#!/bin/sh
# The page with 1000 containers over 10 bridges and 2000 pairs (a
# synthetic exporter, tools/cmon-fake-api.py: only the page is under
# test) in headless Chromium (scale.mjs), one node's and then a cluster's
# of 10 nodes: every container drawn, a search finds one among them, no
# console errors; prints what each update cost, and on one node's page
# what an update and the frame that paints it cost the page's thread, from
# the browser's trace (tools/cmon-bench-page compares sizes).  No root
# needed.
set -u
. "$(dirname "$0")/lib.sh"
# NODES SHOT FRAMES: the page of one exporter with 1000 containers over NODES
# nodes (1: one node's own page; more: a cluster's), FRAMES updates traced
# (0: none)
run() {
	web_fake 1000 10 2000 0 "$1" || return 1
	CMON_FRAMES=$3 CMON_WEB=$top_srcdir/web node \
		"$top_srcdir/tests/web/scale.mjs" "$FAKE_URL" 1000 5 "$2" "$1"
	r=$?
	cmon_fake_stop
	return $r
}
run 1 "$top_builddir/web-scale.png" 5 || exit 1
echo "PASS: 1000 containers on the page"
run 10 "$top_builddir/web-scale-cluster.png" 0 || exit 1
echo "PASS: 1000 containers over 10 nodes on the cluster's page"
