# Tests.  `make check` runs, in order: CUnit unit tests (no privileges),
# BPF program tests through BPF_PROG_TEST_RUN (root), and integration tests
# in their own network namespaces (root).  Root-only tests exit 77 (skip)
# with the reason when not root; CI runs as root, so nothing skips there.
if HAVE_CUNIT
UNIT_TESTS = tests/unit/test-hist tests/unit/test-agg tests/unit/test-codec
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)
UNIT_LDADD = lib/libcmon.a $(CUNIT_LIBS) -lm
tests_unit_test_hist_SOURCES = tests/unit/test-hist.c tests/unit/unit.h
tests_unit_test_hist_LDADD = $(UNIT_LDADD)
tests_unit_test_agg_SOURCES = tests/unit/test-agg.c tests/unit/unit.h
tests_unit_test_agg_LDADD = $(UNIT_LDADD)
tests_unit_test_codec_SOURCES = tests/unit/test-codec.c tests/unit/unit.h
tests_unit_test_codec_LDADD = $(UNIT_LDADD)
endif
EXTRA_DIST += tests/integration/udp_exact.py

if HAVE_CUNIT
check_PROGRAMS += tests/bpf/test-bpf
TESTS += tests/bpf/test-bpf
tests_bpf_test_bpf_SOURCES = tests/bpf/test-bpf.c tests/unit/unit.h
nodist_tests_bpf_test_bpf_SOURCES = bpf/cmon_kern.skel.h
tests_bpf_test_bpf_CFLAGS = $(AM_CFLAGS) $(LIBBPF_CFLAGS)
tests_bpf_test_bpf_LDADD = lib/libcmon.a $(CUNIT_LIBS) $(LIBBPF_LIBS) \
	$(LIBELF_LIBS) $(ZLIB_LIBS)
endif
