# Scripts: dependency install, the test command, demo, benchmark, the
# patched Open vSwitch build, and the namespace and OVS libraries the demo
# and integration tests share.
dist_noinst_SCRIPTS += tools/install-deps tools/check tools/cmon-demo \
	tools/cmon-bench tools/cmon-bench-ovs tools/cmon-bench-apply \
	tools/cmon-bench-scale tools/cmon-bench-page tools/cmon-bench-prof \
	tools/cmon-bench-out tools/cmon-insns tools/build-ovs
EXTRA_DIST += tools/cmon-netns.sh tools/cmon-ovs.sh tools/cmon-root.sh tools/cmon-fake-api.sh \
	tools/cmonbench.py \
	tools/cmon-runtimes.sh tools/cmon-fake-api.py

# Per-packet cost of the userspace datapath hops (doc/benchmark.md).
noinst_PROGRAMS += tools/cmon-bench-dp
tools_cmon_bench_dp_SOURCES = tools/bench-dp.c
tools_cmon_bench_dp_LDADD = lib/libcmon-dp.a

# Empty programs at cmon-kern's tc hooks: the "hooks" mode of cmon-bench.
noinst_PROGRAMS += tools/cmon-bench-hooks
tools_cmon_bench_hooks_SOURCES = tools/bench-hooks.c
tools_cmon_bench_hooks_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/kmod-free
tools_cmon_bench_hooks_CFLAGS = $(AM_CFLAGS) $(LIBBPF_CFLAGS)
tools_cmon_bench_hooks_LDADD = $(CMON_KERN_LIBS)

# The JIT line table of a loaded BPF program: cmon-bench-prof places
# perf's samples with it.
noinst_PROGRAMS += tools/cmon-bpf-lines
tools_cmon_bpf_lines_SOURCES = tools/bpf-lines.c
tools_cmon_bpf_lines_CFLAGS = $(AM_CFLAGS) $(LIBBPF_CFLAGS)
tools_cmon_bpf_lines_LDADD = $(CMON_KERN_LIBS)

# Records per second cmon-dpdk's consumer ingests, against the raw ring
# dequeue rate, and memory per pair (doc/benchmark.md).
if HAVE_DPDK
noinst_PROGRAMS += tools/cmon-bench-export
tools_cmon_bench_export_SOURCES = tools/bench-export.c
tools_cmon_bench_export_CFLAGS = $(AM_CFLAGS) $(DPDK_CFLAGS)
tools_cmon_bench_export_LDADD = $(CMON_EXPORT_LIBS) $(DPDK_LIBS)
endif

# cmon-pcap: the offline analyser of annotated captures (libpcap).
if HAVE_LIBPCAP
bin_PROGRAMS += tools/cmon-pcap
tools_cmon_pcap_SOURCES = tools/cmon-pcap.c
tools_cmon_pcap_CFLAGS = $(AM_CFLAGS) $(LIBPCAP_CFLAGS)
tools_cmon_pcap_LDADD = lib/libcmon-dp.a lib/libcmon.a $(LIBPCAP_LIBS) -lm
endif
EXTRA_DIST += tools/cmon.lua

# What monitoring rules cost the daemon per interval (doc/rules.md).
noinst_PROGRAMS += tools/cmon-bench-rules
tools_cmon_bench_rules_SOURCES = tools/bench-rules.c
tools_cmon_bench_rules_LDADD = $(CMON_RULES_LIBS)
