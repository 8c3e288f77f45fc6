# BPF programs: vmlinux.h from the kernel BTF, the object with clang
# -target bpf, and its libbpf skeleton for the agent.
CMON_BPF_FLAGS = -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 \
	-I$(top_builddir)/bpf -I$(top_srcdir)/bpf -I$(top_srcdir)/include \
	-Wall -Wno-unused-function

CMON_BPF_HDRS = \
	bpf/cmon-kern.h \
	bpf/maps.bpf.h \
	bpf/parse.bpf.h \
	bpf/carrier.bpf.h

EXTRA_DIST += bpf/cmon-kern.bpf.c $(CMON_BPF_HDRS)
BUILT_SOURCES += bpf/vmlinux.h bpf/cmon-kern.skel.h
CLEANFILES += bpf/vmlinux.h bpf/cmon-kern.bpf.o bpf/cmon-kern.skel.h

bpf/vmlinux.h:
	$(AM_V_GEN)$(MKDIR_P) bpf && \
	$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.tmp && mv $@.tmp $@

bpf/cmon-kern.bpf.o: $(top_srcdir)/bpf/cmon-kern.bpf.c bpf/vmlinux.h \
		$(addprefix $(top_srcdir)/,$(CMON_BPF_HDRS)) \
		$(top_srcdir)/include/cmon/annotation.h \
		$(top_srcdir)/include/cmon/annotate.h \
		$(top_srcdir)/include/cmon/events.h \
		$(top_srcdir)/include/cmon/record.h
	$(AM_V_CC)$(CLANG) $(CMON_BPF_FLAGS) -c $< -o $@

bpf/cmon-kern.skel.h: bpf/cmon-kern.bpf.o
	$(AM_V_GEN)$(BPFTOOL) gen skeleton $< name cmon_kern > $@.tmp && mv $@.tmp $@
