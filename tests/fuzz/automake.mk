# libFuzzer harnesses (clang -fsanitize=fuzzer with ASan and UBSan) of the
# parsers of untrusted and operator input: the userspace hops on frames
# (dp), config files (cfgfile), peers' JSON (peers), HTTP request paths
# and tokens (http), URLs as logged (url), netlink replies (nl), pcap and
# pcapng dumps read by cmon-pcap (pcap), rule files (rules).  Each is built from the sources
# it exercises, instrumented, and starts from its seed corpus in
# tests/fuzz/corpus/NAME (made by tests/fuzz/seeds.py; inputs that once
# failed are kept there as regress-*).
#
#   make check        runs every harness for FUZZ_CHECK_SECONDS (10) each
#   make fuzz         runs them for FUZZ_SECONDS (300) each, by hand
FUZZ_HARNESSES = dp cfgfile peers http url nl pcap rules
FUZZERS = $(FUZZ_HARNESSES:%=tests/fuzz/fuzz-%)
FUZZ_SECONDS = 300
FUZZ_CHECK_SECONDS = 10
FUZZ_FLAGS = -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-g -O1 -I$(top_srcdir)/include -I$(top_srcdir)/lib \
	-I$(top_srcdir)/export -I$(top_srcdir)/bpf
FUZZ_BUILD = $(AM_V_CC)$(MKDIR_P) tests/fuzz && \
	$(CLANG) $(FUZZ_FLAGS) $(JANSSON_CFLAGS) -o $@

tests/fuzz/fuzz-dp: tests/fuzz/fuzz-dp.c lib/ovs-hops.c lib/codec.c
	$(FUZZ_BUILD) $^
tests/fuzz/fuzz-cfgfile: tests/fuzz/fuzz-cfgfile.c lib/cfgfile.c lib/log.c
	$(FUZZ_BUILD) $^
tests/fuzz/fuzz-peers: tests/fuzz/fuzz-peers.c export/peers-parse.c
	$(FUZZ_BUILD) $^ $(JANSSON_LIBS) -lm
tests/fuzz/fuzz-http: tests/fuzz/fuzz-http.c export/http-guard.c
	$(FUZZ_BUILD) $^
tests/fuzz/fuzz-url: tests/fuzz/fuzz-url.c lib/log.c
	$(FUZZ_BUILD) $^
tests/fuzz/fuzz-nl: tests/fuzz/fuzz-nl.c kmod-free/nl.c
	$(FUZZ_BUILD) -I$(top_srcdir)/kmod-free $^ $(LIBMNL_LIBS)
tests/fuzz/fuzz-rules: tests/fuzz/fuzz-rules.c rules/load.c rules/values.c \
		rules/std.c rules/match.c lib/agg.c lib/hist.c lib/clock.c
	$(FUZZ_BUILD) -I$(top_srcdir)/rules $(YAML_CFLAGS) $^ $(YAML_LIBS) \
		$(JANSSON_LIBS) -lm
# (tools/cmon-pcap.c is included by the harness)
tests/fuzz/fuzz-pcap: tests/fuzz/fuzz-pcap.c tools/cmon-pcap.c lib/agg.c \
		lib/hist.c lib/clock.c lib/codec.c lib/view.c lib/log.c \
		lib/cfgfile.c lib/ovs-flows.c
	$(FUZZ_BUILD) $(LIBPCAP_CFLAGS) $(srcdir)/tests/fuzz/fuzz-pcap.c \
		$(srcdir)/lib/agg.c $(srcdir)/lib/hist.c $(srcdir)/lib/clock.c \
		$(srcdir)/lib/codec.c $(srcdir)/lib/view.c $(srcdir)/lib/log.c \
		$(srcdir)/lib/cfgfile.c $(srcdir)/lib/ovs-flows.c \
		$(LIBPCAP_LIBS) -lm

EXTRA_DIST += tests/fuzz/run.sh tests/fuzz/seeds.py tests/fuzz/corpus \
	$(FUZZ_HARNESSES:%=tests/fuzz/fuzz-%.c)
CLEANFILES += $(FUZZERS)
CLEAN_LOCAL += clean-fuzz
clean-fuzz:
	rm -rf tests/fuzz/work tests/fuzz/crash-*

if HAVE_FUZZER
check_DATA += $(FUZZERS)
TESTS += tests/fuzz/run.sh
endif

fuzz: $(FUZZERS)
	FUZZ_SECONDS=$(FUZZ_SECONDS) top_srcdir=$(abs_top_srcdir) \
		top_builddir=$(abs_top_builddir) \
		$(SHELL) $(top_srcdir)/tests/fuzz/run.sh $(FUZZ_HARNESSES)
.PHONY: fuzz clean-fuzz
