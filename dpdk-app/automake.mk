# cmon-dpdk: the OVS-DPDK reader (a DPDK secondary process of the patched
# ovs-vswitchd).  Built when configure finds DPDK.
if HAVE_DPDK
sbin_PROGRAMS += dpdk-app/cmon-dpdk
dpdk_app_cmon_dpdk_SOURCES = dpdk-app/cmon-dpdk.c
dpdk_app_cmon_dpdk_CFLAGS = $(AM_CFLAGS) $(DPDK_CFLAGS) $(LIBBPF_CFLAGS)
dpdk_app_cmon_dpdk_LDADD = $(CMON_DAEMON_LIBS) $(DPDK_LIBS)
endif
