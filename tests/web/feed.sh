#!/bin/sh
# The page given a malformed event (a synthetic exporter,
# tools/cmon-fake-api.py, cuts one short): reported, and the next ones
# applied (feed.mjs).  No root needed.
set -u
. "$(dirname "$0")/lib.sh"
CMON_FAKE_BAD=2 web_fake 30 3 40 || exit 1
CMON_WEB=$top_srcdir/web node "$top_srcdir/tests/web/feed.mjs" "$FAKE_URL" || exit 1
echo "PASS: a malformed event is reported and the page goes on"
