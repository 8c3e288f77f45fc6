# Scripts: dependency install, the test command, demo, benchmark, and the
# namespace library the demo and integration tests share.
dist_noinst_SCRIPTS += tools/install-deps tools/check tools/cmon-demo \
	tools/cmon-bench
EXTRA_DIST += tools/cmon-netns.sh
