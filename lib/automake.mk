# libcmon: the code every cmon binary shares (logging, histogram,
# aggregation engine, live table and JSON views, config files).
noinst_LIBRARIES += lib/libcmon.a
lib_libcmon_a_SOURCES = \
	lib/agg.c lib/agg.h \
	lib/clock.c lib/clock.h \
	lib/cfgfile.c lib/cfgfile.h \
	lib/hist.c lib/hist.h \
	lib/log.c lib/log.h \
	lib/meta.h \
	lib/ovs-ctl.c lib/ovs-ctl.h \
	lib/ovs-flows.c lib/ovs-flows.h \
	lib/sample.c lib/sample.h \
	lib/view.c lib/view.h

# libcmon-dp: annotated packets in userspace: the datapath hops
# (include/cmon/dp.h) and the codec that finds and decodes annotations
# (lib/codec.h), on their own so the patched ovs-vswitchd links only them
# (tools/build-ovs).  Built position-independent: OVS may be linked as a
# PIE.
noinst_LIBRARIES += lib/libcmon-dp.a
lib_libcmon_dp_a_SOURCES = lib/ovs-hops.c lib/codec.c lib/codec.h
lib_libcmon_dp_a_CFLAGS = $(AM_CFLAGS) -fPIC
