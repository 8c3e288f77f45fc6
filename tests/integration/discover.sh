#!/bin/sh
# Container discovery names each namespace the way Docker hosts do: from
# /run/netns (ip netns), from /var/run/docker/netns (Docker's sandboxes),
# or from the process that owns an unnamed namespace; it reads them from
# the host's namespace, never entering one.
set -u
. "$(dirname "$0")/lib.sh"
it_init cmts
it_host 1			# cmtsc1: named by /run/netns

# wire an unnamed namespace held by process $1 to the bridge as $2
wire() {
	ip link add "$2" type veth peer name eth0 netns "$1" ||
		it_fail "cannot create veth into pid $1"
	ip link set "$2" master "$BR" up
	nsenter -t "$1" -n ip addr add "$3/24" dev eth0
	nsenter -t "$1" -n ip link set eth0 up
}

unshare --net sleep 120 &
owner=$!
IT_PIDS="$IT_PIDS $owner"
sleep 0.3
wire "$owner" cmtsvproc "$(it_ip 2)"

# Docker keeps sandboxes as bind mounts under /var/run/docker/netns
unshare --net sleep 120 &
sandbox=$!
IT_PIDS="$IT_PIDS $sandbox"
sleep 0.3
dockerdir=/var/run/docker/netns
made_dir=""
[ -d "$dockerdir" ] || { mkdir -p "$dockerdir" && made_dir=1; }
touch "$dockerdir/cmts-sandbox"
mount --bind "/proc/$sandbox/ns/net" "$dockerdir/cmts-sandbox" ||
	it_fail "cannot bind-mount the sandbox namespace"
undocker() {
	umount "$dockerdir/cmts-sandbox" 2>/dev/null
	rm -f "$dockerdir/cmts-sandbox"
	[ -n "$made_dir" ] && rmdir "$dockerdir" /var/run/docker 2>/dev/null
	it_cleanup
}
trap undocker EXIT
wire "$sandbox" cmtsvdock "$(it_ip 3)"

# a process that names itself with a terminal escape, a bell and a byte
# outside ASCII: its name reaches no output as such
unshare --net python3 -c '
import ctypes, time
ctypes.CDLL(None).prctl(15, b"\x1b]0;pwn\x07\xff", 0, 0, 0)
time.sleep(120)' &
hostile=$!
IT_PIDS="$IT_PIDS $hostile"
sleep 0.3
wire "$hostile" cmtsvbad "$(it_ip 4)"

it_agent_start
cat "$IT_TMP/agent.err"
grep -q "container cmtsc1 joined" "$IT_TMP/agent.err" ||
	it_fail "ip-netns container not named cmtsc1"
grep -q "container sleep\[$owner\] joined" "$IT_TMP/agent.err" ||
	it_fail "process-owned namespace not named sleep[$owner]"
grep -q "container cmts-sandbox joined" "$IT_TMP/agent.err" ||
	it_fail "docker sandbox not named cmts-sandbox"
grep -qF "container ?]0;pwn??[$hostile] joined" "$IT_TMP/agent.err" ||
	it_fail "hostile process name not shown as ?]0;pwn??[$hostile]"
# traffic from it, so its name is in the JSON too
nsenter -t "$hostile" -n ping -q -c 3 -i 0.1 "$(it_ip 1)" >/dev/null ||
	it_fail "ping from the hostile namespace"
it_settle
it_agent_stop
esc=$(printf '\033')
bel=$(printf '\007')
if grep -q "[$esc$bel]" "$IT_TMP/agent.err" "$IT_TMP/agent.json" ||
   LC_ALL=C grep -q "$(printf '[\200-\377]')" "$IT_TMP/agent.err" "$IT_TMP/agent.json"; then
	it_fail "a control character or non-ASCII byte reached the output"
fi
[ "$(it_query "?]0;pwn??[$hostile]" cmtsc1 icmp packets)" -ge 3 ] ||
	it_fail "the hostile namespace's traffic is not reported under its cleaned name"
# discovery reads containers' namespaces from the host's (netlink with a
# target namespace id) and never enters one: with every setns() failing
# (LD_PRELOAD), all four are found and named
rc=0
# (ASAN_OPTIONS: an --enable-sanitizers build takes the preload too)
LD_PRELOAD=$top_builddir/tests/integration/failns.so CMON_SETNS_OK=0 \
	ASAN_OPTIONS=verify_asan_link_order=0 \
	timeout 20 "$AGENT" --bridge "$BR" --json --duration 2 >/dev/null \
	2>"$IT_TMP/failns.err" || rc=$?
cat "$IT_TMP/failns.err"
[ "$rc" = 0 ] || it_fail "agent without setns exited with $rc"
grep -q "monitoring 4 container port(s)" "$IT_TMP/failns.err" ||
	it_fail "not every container found without entering its namespace"
for name in cmtsc1 "sleep\[$owner\]" cmts-sandbox; do
	grep -q "container $name joined" "$IT_TMP/failns.err" ||
		it_fail "$name not named without entering its namespace"
done
[ "$(bpftool prog show | grep -c cmon_veth)" = 0 ] ||
	it_fail "programs left attached"
echo "PASS: namespaces found and named from ip netns, docker and processes, without entering them; hostile names cleaned"
