# Documentation: wire format, JSON schema, benchmark results, man page.
man_MANS += doc/cmon-kern.8 doc/cmon-dpdk.8
EXTRA_DIST += doc/cmon-kern.8 doc/cmon-dpdk.8 doc/annotation.md doc/json.md \
	doc/benchmark.md doc/ovs.md
