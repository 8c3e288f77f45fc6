# cmon-dpdk: the OVS-DPDK reader (a DPDK secondary process of the patched
# ovs-vswitchd).  Built when configure finds DPDK.
if HAVE_DPDK
sbin_PROGRAMS += dpdk-app/cmon-dpdk
dpdk_app_cmon_dpdk_SOURCES = dpdk-app/cmon-dpdk.c
dpdk_app_cmon_dpdk_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/kmod-free
dpdk_app_cmon_dpdk_CFLAGS = $(AM_CFLAGS) $(DPDK_CFLAGS) $(LIBBPF_CFLAGS)
dpdk_app_cmon_dpdk_LDADD = $(CMON_KERN_LIBS) $(CMON_EXPORT_LIBS) $(DPDK_LIBS)
endif
