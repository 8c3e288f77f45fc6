# libcmon: the code every cmon binary shares (logging, histogram,
# aggregation engine, live table and JSON views).
noinst_LIBRARIES += lib/libcmon.a
lib_libcmon_a_SOURCES = \
	lib/agg.c lib/agg.h \
	lib/clock.c lib/clock.h \
	lib/codec.c lib/codec.h \
	lib/hist.c lib/hist.h \
	lib/log.c lib/log.h \
	lib/view.c lib/view.h
