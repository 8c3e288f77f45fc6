#!/bin/sh
# cmon-kern rejects bad arguments and a missing bridge with a clear
# message and a distinct exit status, before touching the kernel; every
# option the programs' --help lists has its entry in their man pages.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
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

# documented PROGRAM PAGE: every long option of PROGRAM --help is an entry
# (a .B or .BR line) of doc/PAGE
documented() {
	for o in $("$1" --help 2>&1 | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		esc=$(echo "$o" | sed 's/-/\\\\-/g')
		grep -Eq "^\.BR? (.* )?$esc([^a-z\\]|\$)" "$top_srcdir/doc/$2" ||
			fail "$1 --help lists $o, doc/$2 does not describe it"
	done
	echo "ok: every option of $(basename "$1") --help in doc/$2"
}
documented "$AGENT" cmon-kern.8
documented "$top_builddir/ctl/cmonctl" cmonctl.1
DPDK_APP=$top_builddir/dpdk-app/cmon-dpdk
[ -x "$DPDK_APP" ] && documented "$DPDK_APP" cmon-dpdk.8
echo "PASS: bad arguments rejected clearly, every option documented"
