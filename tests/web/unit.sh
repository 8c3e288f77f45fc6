#!/bin/sh
# The web page's logic (web/src/model.js) under node --test.
command -v node >/dev/null || { echo "SKIP: no Node.js"; exit 77; }
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
exec node --test "$top_srcdir/web/test/"
