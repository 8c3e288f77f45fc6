# cmon-kern: the kernel-path agent (no kernel module: BPF only).
sbin_PROGRAMS += kmod-free/cmon-kern
kmod_free_cmon_kern_SOURCES = \
	kmod-free/cmon-kern.c \
	kmod-free/attach.c kmod-free/attach.h \
	kmod-free/discover.c kmod-free/discover.h \
	kmod-free/nl.c kmod-free/nl.h
nodist_kmod_free_cmon_kern_SOURCES = bpf/cmon_kern.skel.h
kmod_free_cmon_kern_CFLAGS = $(AM_CFLAGS) $(LIBBPF_CFLAGS)
kmod_free_cmon_kern_LDADD = lib/libcmon.a $(LIBBPF_LIBS) $(LIBELF_LIBS) $(ZLIB_LIBS)
