# Scripts: dependency install, the test command, demo, benchmark, the
# patched Open vSwitch build, and the namespace and OVS libraries the demo
# and integration tests share.
dist_noinst_SCRIPTS += tools/install-deps tools/check tools/cmon-demo \
	tools/cmon-bench tools/build-ovs
EXTRA_DIST += tools/cmon-netns.sh tools/cmon-ovs.sh
