#!/bin/sh
# cmon-kern rejects bad arguments and a missing bridge with a clear
# message and a distinct exit status, before touching the kernel.
set -u
top_builddir=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
AGENT=$top_builddir/kmod-free/cmon-kern
fail() { echo "FAIL: $*" >&2; exit 1; }

# expect STATUS PATTERN ARGS...: exit status and a stderr/stdout pattern
expect() {
	want=$1 pat=$2
	shift 2
	out=$("$AGENT" "$@" 2>&1)
	rc=$?
	[ "$rc" = "$want" ] || fail "cmon-kern $*: exit $rc, want $want ($out)"
	echo "$out" | grep -q -- "$pat" || fail "cmon-kern $*: no '$pat' in: $out"
	echo "ok: cmon-kern $* -> $rc: $(echo "$out" | head -1)"
}

expect 0 "Usage: cmon-kern --bridge" --help
expect 0 "cmon-kern [0-9]" --version
expect 2 "no bridge given" 
expect 2 "invalid --sample '0'" --bridge br0 --sample 0
expect 2 "invalid --sample 'abc'" --bridge br0 --sample abc
expect 2 "invalid --sample '1.5': expected a whole number" --bridge br0 --sample 1.5
expect 2 "invalid --interval" --bridge br0 --interval 0
expect 2 "invalid --node-id" --bridge br0 --node-id 300
expect 2 "unexpected argument 'extra'" --bridge br0 extra
expect 2 "invalid bridge name" --bridge 0123456789abcdefXYZ
expect 2 "unrecognized option" --bridge br0 --bogus
expect 2 "invalid --peer-subnet 'x'" --bridge br0 --peer-subnet x
expect 2 "invalid --peer-subnet prefix" --bridge br0 --peer-subnet 10.0.0.0/33
expect 1 "--key-file /nonexistent: No such file" --bridge br0 --key-file /nonexistent
tmp=$(mktemp)
echo "not-hex" >"$tmp"
expect 1 "must hold 16 hex digits" --bridge br0 --key-file "$tmp"
rm -f "$tmp"
expect 1 "bridge 'cmtnosuchbr' not found" --bridge cmtnosuchbr
echo "PASS: bad arguments rejected clearly"
