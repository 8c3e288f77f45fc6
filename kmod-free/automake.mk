# The kernel-path agent (no kernel module: BPF only): libcmon-kern, which
# the node daemon (daemon/) runs in cmon-kern, and in cmon-dpdk beside the
# OVS ring.
noinst_LIBRARIES += kmod-free/libcmon-kern.a
kmod_free_libcmon_kern_a_SOURCES = \
	kmod-free/kagent.c kmod-free/kagent.h \
	kmod-free/attach.c kmod-free/attach.h \
	kmod-free/discover.c kmod-free/discover.h \
	kmod-free/hopcount.c kmod-free/hopcount.h \
	kmod-free/recring.c kmod-free/recring.h \
	kmod-free/nl.c kmod-free/nl.h \
	kmod-free/runtime.h
if HAVE_LIBCURL
kmod_free_libcmon_kern_a_SOURCES += kmod-free/runtime.c
else
kmod_free_libcmon_kern_a_SOURCES += kmod-free/runtime-stub.c
endif
nodist_kmod_free_libcmon_kern_a_SOURCES = bpf/cmon-kern.skel.h
kmod_free_libcmon_kern_a_CFLAGS = $(AM_CFLAGS) $(LIBBPF_CFLAGS) \
	$(LIBMNL_CFLAGS) $(JANSSON_CFLAGS) $(LIBCURL_CFLAGS)
CMON_KERN_LIBS = kmod-free/libcmon-kern.a lib/libcmon.a lib/libcmon-dp.a \
	$(LIBBPF_LIBS) $(LIBMNL_LIBS) \
	$(LIBELF_LIBS) $(ZLIB_LIBS) $(JANSSON_LIBS) $(LIBCURL_LIBS) -lpthread

sbin_PROGRAMS += kmod-free/cmon-kern
kmod_free_cmon_kern_SOURCES = kmod-free/cmon-kern.c
kmod_free_cmon_kern_LDADD = $(CMON_DAEMON_LIBS)
