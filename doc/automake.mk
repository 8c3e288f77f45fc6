# Documentation: wire format, JSON schema, benchmark results, man page.
man_MANS += doc/cmon-kern.8 doc/cmon-dpdk.8 doc/cmon-pcap.1 doc/cmonctl.1
EXTRA_DIST += doc/cmon-kern.8 doc/cmon-dpdk.8 doc/cmon-pcap.1 doc/cmonctl.1 \
	doc/annotation.md doc/json.md \
	doc/benchmark.md doc/benchmark-log.md doc/ovs.md doc/exporter.md doc/web.md doc/web.png doc/web-cluster.png \
	doc/api/defs.schema.json \
	doc/api/metrics.schema.json doc/api/topology.schema.json \
	doc/api/health.schema.json doc/api/history.schema.json \
	doc/api/counters.schema.json doc/api/rules.schema.json \
	doc/api/cluster.schema.json doc/rules.md
