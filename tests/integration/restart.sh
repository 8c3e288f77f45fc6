#!/bin/sh
# The agent removes exactly what it attached: another tool's clsact qdisc
# and filter survive it, its own qdiscs, filters, programs and maps do not
# -- also after it was killed with SIGKILL and restarted.
set -u
. "$(dirname "$0")/lib.sh"
it_init cmtr
it_host 2
p1=$(cmon_ns_port cmtrc1)
p2=$(cmon_ns_port cmtrc2)
tc qdisc add dev "$p1" clsact
tc filter add dev "$p1" ingress prio 7 handle 7 bpf da \
	obj "$top_builddir/tests/bpf/foreign.bpf.o" sec tc ||
	it_fail "cannot add the foreign filter"

cmon_objects() {
	# our programs and maps still loaded anywhere
	bpftool prog show | grep -c "cmon_veth" || true
}
check_clean() {
	for _ in $(seq 1 30); do
		[ "$(cmon_objects)" = 0 ] && break
		sleep 0.1
	done
	[ "$(cmon_objects)" = 0 ] || it_fail "$1: cmon programs still loaded"
	bpftool map show | grep -q "cmon_" && it_fail "$1: cmon maps remain"
	tc filter show dev "$p1" ingress | grep -q "foreign_pass" ||
		it_fail "$1: foreign filter removed"
	tc filter show dev "$p1" ingress | grep -q "c30a" &&
		it_fail "$1: cmon filter left on $p1"
	tc qdisc show dev "$p2" | grep -q clsact &&
		it_fail "$1: clsact left on $p2"
	return 0
}

it_agent_start --sample 1
tc filter show dev "$p2" egress | grep -q "c30a" || it_fail "not attached to $p2"
tc filter show dev "$p1" ingress | grep -q "c30a" || it_fail "not attached to $p1"
it_agent_stop
check_clean "after SIGINT"

it_agent_start --sample 1
kill -KILL "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null
AGENT_PID=""
tc filter show dev "$p2" egress | grep -q "c30a" ||
	it_fail "expected stale filters after SIGKILL"
it_agent_start --sample 1
it_in 1 ping -q -c 3 -i 0.1 "$(it_ip 2)" >/dev/null || it_fail "ping after restart"
it_settle
[ "$(it_query cmtrc1 cmtrc2 icmp traced)" -ge 3 ] ||
	it_fail "not tracing after restart over stale filters"
it_agent_stop
check_clean "after SIGKILL and restart"
echo "PASS: restart leaves no stale qdiscs, filters, programs or maps"
