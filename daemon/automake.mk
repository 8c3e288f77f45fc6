# libcmon-daemon: the node daemon both programs are (daemon.h): one loop
# over the sources (the kernel agent, a program's own such as the OVS
# ring), the engine and the sinks, and the command line they share.
noinst_LIBRARIES += daemon/libcmon-daemon.a
daemon_libcmon_daemon_a_SOURCES = \
	daemon/daemon.c daemon/daemon.h \
	daemon/cli.c daemon/cli.h \
	daemon/rules-run.c daemon/rules-run.h
daemon_libcmon_daemon_a_CFLAGS = $(AM_CFLAGS) $(LIBBPF_CFLAGS)
daemon_libcmon_daemon_a_CPPFLAGS = $(AM_CPPFLAGS) \
	-DCMON_TEMPLATE_DIR='"$(cmontemplatedir)"' \
	-DCMON_WEB_DIR='"$(cmonwebdir)"'
CMON_DAEMON_LIBS = daemon/libcmon-daemon.a rules/libcmon-rules.a \
	$(CMON_KERN_LIBS) $(CMON_EXPORT_LIBS) $(YAML_LIBS)
