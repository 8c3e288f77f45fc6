# Tests.  `make check` runs, in order: CUnit unit tests (no privileges),
# BPF program tests through BPF_PROG_TEST_RUN (root), and integration tests
# in their own network namespaces (root).  Root-only tests exit 77 (skip)
# with the reason when not root; CI runs as root, so nothing skips there.
if HAVE_CUNIT
UNIT_TESTS = tests/unit/test-hist tests/unit/test-agg tests/unit/test-codec \
	tests/unit/test-clock tests/unit/test-dp tests/unit/test-cfgfile \
	tests/unit/test-export tests/unit/test-rules
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)
UNIT_LDADD = lib/libcmon.a $(CUNIT_LIBS) -lm
tests_unit_test_hist_SOURCES = tests/unit/test-hist.c tests/unit/unit.h
tests_unit_test_hist_LDADD = $(UNIT_LDADD)
tests_unit_test_agg_SOURCES = tests/unit/test-agg.c tests/unit/unit.h
tests_unit_test_agg_LDADD = $(UNIT_LDADD)
tests_unit_test_codec_SOURCES = tests/unit/test-codec.c tests/unit/unit.h
tests_unit_test_codec_LDADD = lib/libcmon-dp.a $(UNIT_LDADD)
tests_unit_test_clock_SOURCES = tests/unit/test-clock.c tests/unit/unit.h
tests_unit_test_clock_LDADD = $(UNIT_LDADD)
tests_unit_test_dp_SOURCES = tests/unit/test-dp.c tests/unit/unit.h
tests_unit_test_dp_LDADD = lib/libcmon-dp.a $(UNIT_LDADD) -lpthread
tests_unit_test_cfgfile_SOURCES = tests/unit/test-cfgfile.c tests/unit/unit.h
tests_unit_test_cfgfile_LDADD = $(UNIT_LDADD)
tests_unit_test_rules_SOURCES = tests/unit/test-rules.c tests/unit/unit.h
tests_unit_test_rules_LDADD = $(CMON_RULES_LIBS) $(CUNIT_LIBS)
UNIT_TESTS += tests/unit/test-nl tests/unit/test-recring
tests_unit_test_recring_SOURCES = tests/unit/test-recring.c tests/unit/unit.h \
	kmod-free/recring.c
tests_unit_test_recring_LDADD = $(UNIT_LDADD)
tests_unit_test_nl_SOURCES = tests/unit/test-nl.c tests/unit/unit.h \
	kmod-free/nl.c
tests_unit_test_nl_CFLAGS = $(AM_CFLAGS) $(LIBMNL_CFLAGS)
tests_unit_test_nl_LDADD = $(UNIT_LDADD) $(LIBMNL_LIBS)
if HAVE_LIBCURL
UNIT_TESTS += tests/unit/test-runtime
tests_unit_test_runtime_SOURCES = tests/unit/test-runtime.c tests/unit/unit.h \
	kmod-free/runtime.c
tests_unit_test_runtime_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	$(LIBCURL_CFLAGS)
tests_unit_test_runtime_LDADD = $(UNIT_LDADD) $(JANSSON_LIBS) \
	$(LIBCURL_LIBS) -lpthread
endif
tests_unit_test_export_SOURCES = tests/unit/test-export.c tests/unit/unit.h
tests_unit_test_export_LDADD = export/libcmon-export.a $(UNIT_LDADD) \
	$(MICROHTTPD_LIBS) $(LIBCURL_LIBS) $(JANSSON_LIBS) -lpthread

# The same unit tests built with AddressSanitizer and UndefinedBehavior-
# Sanitizer, with the libraries they test: every make check runs them so
# (./configure --enable-sanitizers builds everything that way instead).
if HAVE_SANITIZERS
SAN_UNIT_TESTS = $(UNIT_TESTS:=-san)
check_PROGRAMS += $(SAN_UNIT_TESTS)
TESTS += $(SAN_UNIT_TESTS)
check_LIBRARIES = lib/libcmon-san.a lib/libcmon-dp-san.a \
	export/libcmon-export-san.a
lib_libcmon_san_a_SOURCES = $(lib_libcmon_a_SOURCES)
lib_libcmon_san_a_CFLAGS = $(AM_CFLAGS) $(SAN_FLAGS)
lib_libcmon_dp_san_a_SOURCES = $(lib_libcmon_dp_a_SOURCES)
lib_libcmon_dp_san_a_CFLAGS = $(AM_CFLAGS) $(SAN_FLAGS)
export_libcmon_export_san_a_SOURCES = $(export_libcmon_export_a_SOURCES)
export_libcmon_export_san_a_CFLAGS = $(export_libcmon_export_a_CFLAGS) \
	$(SAN_FLAGS)
SAN_LDADD = lib/libcmon-san.a $(CUNIT_LIBS) -lm
tests_unit_test_hist_san_SOURCES = $(tests_unit_test_hist_SOURCES)
tests_unit_test_hist_san_CFLAGS = $(AM_CFLAGS) $(SAN_FLAGS)
tests_unit_test_hist_san_LDFLAGS = $(SAN_FLAGS)
tests_unit_test_hist_san_LDADD = $(SAN_LDADD)
tests_unit_test_agg_san_SOURCES = $(tests_unit_test_agg_SOURCES)
tests_unit_test_agg_san_CFLAGS = $(AM_CFLAGS) $(SAN_FLAGS)
tests_unit_test_agg_san_LDFLAGS = $(SAN_FLAGS)
tests_unit_test_agg_san_LDADD = $(SAN_LDADD)
tests_unit_test_codec_san_SOURCES = $(tests_unit_test_codec_SOURCES)
tests_unit_test_codec_san_CFLAGS = $(AM_CFLAGS) $(SAN_FLAGS)
tests_unit_test_codec_san_LDFLAGS = $(SAN_FLAGS)
tests_unit_test_codec_san_LDADD = lib/libcmon-dp-san.a $(SAN_LDADD)
tests_unit_test_clock_san_SOURCES = $(tests_unit_test_clock_SOURCES)
tests_unit_test_clock_san_CFLAGS = $(AM_CFLAGS) $(SAN_FLAGS)
tests_unit_test_clock_san_LDFLAGS = $(SAN_FLAGS)
tests_unit_test_clock_san_LDADD = $(SAN_LDADD)
tests_unit_test_dp_san_SOURCES = $(tests_unit_test_dp_SOURCES)
tests_unit_test_dp_san_CFLAGS = $(AM_CFLAGS) $(SAN_FLAGS)
tests_unit_test_dp_san_LDFLAGS = $(SAN_FLAGS)
tests_unit_test_dp_san_LDADD = lib/libcmon-dp-san.a $(SAN_LDADD) -lpthread
tests_unit_test_cfgfile_san_SOURCES = $(tests_unit_test_cfgfile_SOURCES)
tests_unit_test_cfgfile_san_CFLAGS = $(AM_CFLAGS) $(SAN_FLAGS)
tests_unit_test_cfgfile_san_LDFLAGS = $(SAN_FLAGS)
tests_unit_test_cfgfile_san_LDADD = $(SAN_LDADD)
tests_unit_test_rules_san_SOURCES = $(tests_unit_test_rules_SOURCES) \
	$(rules_libcmon_rules_a_SOURCES)
tests_unit_test_rules_san_CFLAGS = $(AM_CFLAGS) $(SAN_FLAGS) $(YAML_CFLAGS) \
	$(JANSSON_CFLAGS) $(LIBCURL_CFLAGS)
tests_unit_test_rules_san_LDFLAGS = $(SAN_FLAGS)
tests_unit_test_rules_san_LDADD = $(SAN_LDADD) $(YAML_LIBS) $(JANSSON_LIBS) \
	$(LIBCURL_LIBS) -lpthread
tests_unit_test_export_san_SOURCES = $(tests_unit_test_export_SOURCES)
tests_unit_test_export_san_CFLAGS = $(AM_CFLAGS) $(SAN_FLAGS)
tests_unit_test_export_san_LDFLAGS = $(SAN_FLAGS)
tests_unit_test_export_san_LDADD = export/libcmon-export-san.a $(SAN_LDADD) \
	$(MICROHTTPD_LIBS) $(LIBCURL_LIBS) $(JANSSON_LIBS) -lpthread
if HAVE_LIBCURL
tests_unit_test_runtime_san_SOURCES = $(tests_unit_test_runtime_SOURCES)
tests_unit_test_runtime_san_CFLAGS = $(tests_unit_test_runtime_CFLAGS) \
	$(SAN_FLAGS)
tests_unit_test_runtime_san_LDFLAGS = $(SAN_FLAGS)
tests_unit_test_runtime_san_LDADD = $(SAN_LDADD) $(JANSSON_LIBS) \
	$(LIBCURL_LIBS) -lpthread
endif
tests_unit_test_nl_san_SOURCES = $(tests_unit_test_nl_SOURCES)
tests_unit_test_nl_san_CFLAGS = $(tests_unit_test_nl_CFLAGS) $(SAN_FLAGS)
tests_unit_test_nl_san_LDFLAGS = $(SAN_FLAGS)
tests_unit_test_nl_san_LDADD = $(SAN_LDADD) $(LIBMNL_LIBS)
tests_unit_test_recring_san_SOURCES = $(tests_unit_test_recring_SOURCES)
tests_unit_test_recring_san_CFLAGS = $(AM_CFLAGS) $(SAN_FLAGS)
tests_unit_test_recring_san_LDFLAGS = $(SAN_FLAGS)
tests_unit_test_recring_san_LDADD = $(SAN_LDADD)
endif
endif
EXTRA_DIST += tests/integration/udp_exact.py tests/integration/api.py \
	tests/web/browser.mjs tests/web/page.mjs tests/web/cluster.mjs tests/web/topology.mjs \
	tests/web/scale.mjs tests/web/feed.mjs tests/web/lib.sh

if HAVE_CUNIT
check_PROGRAMS += tests/bpf/test-bpf
TESTS += tests/bpf/test-bpf
tests_bpf_test_bpf_SOURCES = tests/bpf/test-bpf.c tests/unit/unit.h
nodist_tests_bpf_test_bpf_SOURCES = bpf/cmon-kern.skel.h
tests_bpf_test_bpf_CFLAGS = $(AM_CFLAGS) $(LIBBPF_CFLAGS)
tests_bpf_test_bpf_LDADD = kmod-free/libcmon-kern.a lib/libcmon-dp.a \
	lib/libcmon.a \
	$(CUNIT_LIBS) $(LIBBPF_LIBS) $(LIBMNL_LIBS) \
	$(LIBELF_LIBS) $(ZLIB_LIBS)
endif

# A stand-in for another tool's tc program (tests/integration/restart.sh),
# and a setns() that fails on cue (LD_PRELOAD, tests/integration/args.sh).
check_DATA = tests/bpf/foreign.bpf.o tests/integration/failns.so
CLEANFILES += tests/bpf/foreign.bpf.o tests/integration/failns.so
EXTRA_DIST += tests/bpf/foreign.bpf.c tests/integration/failns.c
tests/integration/failns.so: $(top_srcdir)/tests/integration/failns.c
	$(AM_V_CC)$(MKDIR_P) tests/integration && \
		$(CC) -shared -fPIC -O2 -o $@ $< -ldl
tests/bpf/foreign.bpf.o: $(top_srcdir)/tests/bpf/foreign.bpf.c bpf/vmlinux.h
	$(AM_V_CC)$(MKDIR_P) tests/bpf && $(CLANG) $(CMON_BPF_FLAGS) -c $< -o $@

# Root integration tests: namespaces, real traffic, the real agent.
INTEGRATION_TESTS = \
	tests/integration/args.sh \
	tests/integration/install.sh \
	tests/integration/cmonctl.sh \
	tests/integration/rules.sh \
	tests/integration/rules-live.sh \
	tests/integration/rules-ports.sh \
	tests/integration/rules-capture.sh \
	tests/integration/docker.sh \
	tests/integration/podman.sh \
	tests/integration/demo.sh \
	tests/integration/alert-latency.sh \
	tests/integration/etcd.sh \
	tests/integration/udp.sh \
	tests/integration/tcp.sh \
	tests/integration/latency.sh \
	tests/integration/loss.sh \
	tests/integration/flood.sh \
	tests/integration/bridges.sh \
	tests/integration/truth.sh \
	tests/integration/faults.sh \
	tests/integration/forged.sh \
	tests/integration/host.sh \
	tests/integration/churn.sh \
	tests/integration/discover.sh \
	tests/integration/overlay.sh \
	tests/integration/routed.sh \
	tests/integration/nat.sh \
	tests/integration/nat-nodes.sh \
	tests/integration/restart.sh \
	tests/integration/ovs.sh \
	tests/integration/ovs-kernel.sh \
	tests/integration/ovs-nat.sh \
	tests/integration/ovs-tunnel.sh \
	tests/integration/ovs-side.sh \
	tests/integration/ovs-rules.sh \
	tests/integration/ovs-dpdk.sh \
	tests/integration/ovs-threads.sh \
	tests/integration/ovs-toggle.sh \
	tests/integration/ovs-ports.sh \
	tests/integration/export.sh \
	tests/integration/pcap.sh \
	tests/integration/clocks.sh \
	tests/web/unit.sh \
	tests/web/page.sh \
	tests/web/cluster.sh \
	tests/web/scale.sh \
	tests/web/feed.sh
TESTS += $(INTEGRATION_TESTS)
EXTRA_DIST += $(INTEGRATION_TESTS) tests/integration/lib.sh \
	tests/integration/query.py tests/integration/forge.py \
	tests/integration/annotated.py
