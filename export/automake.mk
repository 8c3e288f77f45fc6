# libcmon-export: the sinks cmon-dpdk feeds once per interval (export.h):
# embedded history, Prometheus exposition, InfluxDB line protocol and the
# HTTP server.  The HTTP server needs libmicrohttpd and the InfluxDB sink
# libcurl; without them stand-ins say how to get them.
noinst_LIBRARIES += export/libcmon-export.a
export_libcmon_export_a_SOURCES = \
	export/export.c export/export.h \
	export/history.c export/history.h \
	export/prom.c export/prom.h \
	export/influx-format.c export/influx.h \
	export/pcapng.c export/pcapng.h \
	export/peers-parse.c export/peers.h \
	export/merge.c export/merge.h \
	export/http-guard.c export/http.h export/alertmanager.h
export_libcmon_export_a_CFLAGS = $(AM_CFLAGS) $(MICROHTTPD_CFLAGS) \
	$(LIBCURL_CFLAGS) $(JANSSON_CFLAGS)
if HAVE_MICROHTTPD
export_libcmon_export_a_SOURCES += export/http.c
else
export_libcmon_export_a_SOURCES += export/http-stub.c
endif
if HAVE_LIBCURL
export_libcmon_export_a_SOURCES += export/influx.c export/peers.c \
	export/alertmanager.c
else
export_libcmon_export_a_SOURCES += export/influx-stub.c export/peers-stub.c \
	export/alertmanager-stub.c
endif
CMON_EXPORT_LIBS = export/libcmon-export.a lib/libcmon.a \
	$(MICROHTTPD_LIBS) $(LIBCURL_LIBS) $(JANSSON_LIBS) -lpthread -lm
