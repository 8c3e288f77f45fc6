# The Open vSwitch 3.1 patch set (git format-patch series); tools/build-ovs
# applies it and builds the patched ovs-vswitchd.
EXTRA_DIST += \
	ovs-patches/0000-cover-letter.patch \
	ovs-patches/0001-dpdk-Add-other_config-dpdk-multi-process-for-seconda.patch \
	ovs-patches/0002-cmon-hooks-Add-per-hop-monitoring-hooks-for-the-user.patch \
	ovs-patches/0003-netdev-dpdk-Call-cmon-hooks-on-vhost-user-and-ethdev.patch \
	ovs-patches/0004-dpif-netdev-Call-cmon-hooks-for-ports-outside-netdev.patch \
	ovs-patches/0005-cmon-hooks-Keep-a-traced-packet-s-annotation-beside-it.patch \
	ovs-patches/0006-cmon-hooks-Time-the-hooks-when-asked.patch \
	ovs-patches/0007-cmon-hooks-Finish-the-packets-in-the-switch-when-monitoring-goes-off.patch \
	ovs-patches/0008-cmon-hooks-Count-a-packet-in-the-flow-it-came-in-by.patch \
	ovs-patches/0009-cmon-hooks-Name-a-flow-rewritten-towards-kernel-hops-as-it-leaves.patch \
	ovs-patches/0010-cmon-hooks-Hand-a-traced-packet-on-to-an-af_packet-container-s-receive-hop.patch \
	ovs-patches/0011-cmon-hooks-Keep-a-packet-within-the-MTU-of-the-port-it-leaves-by.patch \
	ovs-patches/0012-cmon-hooks-List-the-ports-by-number-and-count-those-numbered-past-the-list.patch \
	ovs-patches/0013-cmon-hooks-Count-straight-into-the-thread-s-row-of-counters.patch
