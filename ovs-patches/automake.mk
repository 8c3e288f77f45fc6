# The Open vSwitch 3.1 patch set (git format-patch series); tools/build-ovs
# applies it and builds the patched ovs-vswitchd.
EXTRA_DIST += $(wildcard $(srcdir)/ovs-patches/*.patch)
