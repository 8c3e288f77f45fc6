#!/bin/sh
# Run the libFuzzer harnesses (tests/fuzz/automake.mk) for FUZZ_SECONDS
# each (default 10: the short pass make check runs; make fuzz runs 300),
# from their seed corpora, and print one line per harness: executions,
# corpus size, and what it found.  New inputs go to tests/fuzz/work/NAME
# in the build tree (the committed seeds stay as they are); an input that
# fails is saved as tests/fuzz/crash-NAME-* with the harness's report.
#
# Usage: run.sh [HARNESS...]   (default: all)
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
secs=${FUZZ_SECONDS:-10}
dir=$top_builddir/tests/fuzz
[ $# -gt 0 ] || set -- dp cfgfile peers http url nl pcap rules
for h; do
	if [ ! -x "$dir/fuzz-$h" ]; then
		echo "SKIP: fuzz-$h not built (needs clang's libFuzzer: apt-get install libclang-rt-14-dev)"
		exit 77
	fi
done
printf '%-10s %12s %10s %8s  %s\n' harness executions "exec/s" corpus result
rc=0
for h; do
	work=$dir/work/$h
	mkdir -p "$work"
	log=$dir/work/$h.log
	# -rss_limit_mb: the harnesses keep no state; anything big is a leak
	"$dir/fuzz-$h" -max_total_time="$secs" -print_final_stats=1 \
		-rss_limit_mb=2048 -timeout=10 \
		-artifact_prefix="$dir/crash-$h-" \
		"$work" "$top_srcdir/tests/fuzz/corpus/$h" >"$log" 2>&1
	st=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	units=$(ls "$work" | wc -l)
	if [ "$st" = 0 ]; then
		result="nothing found"
	else
		rc=1
		result="FAILED: $(grep -m1 -E 'ERROR|runtime error|SUMMARY|deadly' "$log")"
		result="$result (see $log)"
	fi
	printf '%-10s %12s %10s %8s  %s\n' "$h" "${execs:-?}" "${speed:-?}" \
		"$units" "$result"
	[ "$st" = 0 ] || tail -30 "$log"
done
exit $rc
