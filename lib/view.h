/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * User views of the aggregation engine: the live terminal table and the
 * one-JSON-object-per-interval stream (schema: doc/json.md).
 */
#ifndef CMON_VIEW_H
#define CMON_VIEW_H

#include <stdint.h>
#include <stdio.h>
#include "agg.h"
#include "meta.h"

/* How a binary names what the engine only knows by number. */
struct cmon_names {
	/* container name of an IPv4 address (network order), or NULL */
	const char *(*ip)(void *ctx, uint32_t addr);
	/* "device@namespace" of a device, or NULL */
	const char *(*dev)(void *ctx, uint32_t netns, uint32_t ifindex);
	/* kernel drop reason name, or NULL */
	const char *(*reason)(void *ctx, uint32_t reason);
	/* what the container runtime says of an address's container, or
	 * NULL (the callback may be NULL too) */
	const struct cmon_ct_meta *(*meta)(void *ctx, uint32_t addr);
	void *ctx;
};

/* A monitored container (addresses in network order). */
#define CMON_EP_MAX_ADDRS 8
struct cmon_endpoint {
	const char *name;
	const struct cmon_ct_meta *meta;	/* the runtime's, or NULL */
	const char *bridge;		/* "" when not on a Linux bridge */
	const char *port;		/* host side of its veth */
	uint32_t netns;			/* namespace inode */
	unsigned int naddrs;
	uint32_t addr[CMON_EP_MAX_ADDRS];
	/* NULL: a veth on a Linux bridge; else on an Open vSwitch bridge,
	 * its port's type (dpdk, dpdkvhostuserclient, tap...) */
	const char *port_type;
};

/* A port of an Open vSwitch bridge, as the switch lists it (at most
 * CMON_MAX_SWITCH_PORTS: as many as it lists, CMON_SHM_PORTS). */
#define CMON_MAX_SWITCH_PORTS	1024
struct cmon_switch_port {
	const char *name;
	const char *type;	/* as the bridge has it: dpdk, internal... */
	const char *bridge;
	const char *role;	/* "container", "trunk" or "none" */
};

/* Monitor health counters shown with every interval. */
struct cmon_counter {
	const char *name;
	uint64_t value;
	int gauge;		/* a level (e.g. records pending), not a count */
};

/* A clock offset between two nodes, as the view reports it. */
struct cmon_clock_info {
	uint8_t a, b;
	int64_t offset;		/* ns, node b's clock minus node a's */
	int64_t bound;		/* ns, error bound of the estimate */
	int estimated;		/* from both directions' delays */
	int trusted;		/* clocks synchronised: offset taken as 0 */
	int applied;		/* cross-node latencies reported */
};

/* An alert of a monitoring rule, as the view reports it. */
struct cmon_view_alert {
	const char *rule, *alert, *state, *severity, *expr, *summary;
	uint32_t saddr, daddr;		/* the pair, network order */
	uint8_t proto;
	uint16_t port;			/* the pair's port, or 0 */
	double value;			/* the metric, base units; NAN: none */
	double active_at, fired_at, resolved_at;	/* 0: not (yet) */
};

/* A pair under the monitoring rules. */
/* The figures of a pair a rule's `metrics` sends to the sinks
 * (Prometheus, InfluxDB); the JSON, the table and the page show all. */
#define CMON_VIEW_LATENCY	0x1	/* e2e and hop latencies */
#define CMON_VIEW_LOSS		0x2	/* lost, seq_lost, ratio, drops */
#define CMON_VIEW_THROUGHPUT	0x4	/* packets, bytes and their rates */
#define CMON_VIEW_ALL		0x7

struct cmon_view_pair_rule {
	const char *rule;		/* the rule that applies, or NULL */
	uint32_t sample;		/* its packets traced 1 in N */
	uint8_t hidden;			/* an ignore rule applies */
	/* the rule's capture of traced packets: file, or NULL; rotated at
	 * capture_mib MiB (0: never), capture_count files kept */
	const char *capture;
	uint32_t capture_mib, capture_count;
	uint8_t metrics;		/* CMON_VIEW_*; 0: all */
};

/* The monitoring rules in force (--rules), as the view reports them. */
struct cmon_view_rules {
	const char *source, *revision;	/* NULL: no rules yet */
	const char *error;		/* the last reload refused, or NULL */
	int stale;			/* etcd unreachable: maybe old */
	const struct cmon_view_alert *alerts;
	unsigned int nalerts;
	uint64_t alerts_overflow;
	unsigned int sample;		/* pairs without their own: 1 in N */
	/* per engine pair index: what the rules make of it */
	const struct cmon_view_pair_rule *pairs;
	unsigned int npairs;
};

struct cmon_view {
	const struct cmon_agg *agg;
	const struct cmon_names *names;
	const struct cmon_counter *counters;
	unsigned int ncounters;
	double time;		/* wall clock, seconds since the epoch */
	double interval;	/* seconds */
	const char *node;
	unsigned int sample_n;
	const char *url;	/* where the web page is, or NULL */
	const struct cmon_clock_info *clocks;
	unsigned int nclocks;
	int node_id;		/* this node's id in hop slots, or -1 */
	const struct cmon_view_rules *rules;	/* NULL: no --rules */
	const struct cmon_switch_port *ports;	/* an Open vSwitch's ports */
	unsigned int nports;
};

/* The figures of pair @i the sinks export (CMON_VIEW_*). */
unsigned int cmon_view_pair_metrics(const struct cmon_view *v, unsigned int i);
/* Pair @i of the engine's last tick, or NULL if a rule hides it. */
const struct cmon_pair_stats *cmon_view_pair(const struct cmon_view *v,
					     unsigned int i);

void cmon_view_json(FILE *out, const struct cmon_view *v);
/* Pair @i of the last tick as a JSON object (doc/json.md); nothing if
 * a rule hides it. */
void cmon_view_json_pair(FILE *out, const struct cmon_view *v, unsigned int i);
void cmon_view_table(FILE *out, const struct cmon_view *v, int clear);

/*
 * Names for the sinks: a container's name (else its address), a drop
 * reason's name (else its number), "device@namespace" (else numbers).
 * They return @buf or a string owned by the names provider.
 */
const char *cmon_view_ip(const struct cmon_view *v, uint32_t addr, char *buf,
			 size_t len);
/* A pair's protocol, and its port if it has one: "tcp", "tcp:5432". */
const char *cmon_view_proto(uint8_t proto, uint16_t port, char *buf,
			    size_t len);
const char *cmon_view_reason(const struct cmon_view *v, uint32_t r, char *buf,
			     size_t len);
const char *cmon_view_dev(const struct cmon_view *v, uint32_t netns,
			  uint32_t ifindex, char *buf, size_t len);
/* A JSON string literal of @s, escaped. */
void cmon_json_str(FILE *out, const char *s);
/* What the container runtime says of a container, as a JSON object
 * (runtime name, id, image, Compose project and service, labels), or
 * null. */
void cmon_view_json_meta(FILE *out, const struct cmon_ct_meta *m);
/* What the runtime says of @addr's container, or NULL. */
const struct cmon_ct_meta *cmon_view_meta(const struct cmon_view *v,
					  uint32_t addr);
/*
 * The containers at either end of the pairs shown (active, not hidden)
 * that the runtime says something of, each once, in pair order: the
 * first @max of them into @out; returns how many it wrote.
 */
#define CMON_VIEW_MAX_METAS 4096
unsigned int cmon_view_metas(const struct cmon_view *v,
			     const struct cmon_ct_meta **out, unsigned int max);
/* A segment's label, "from>to" (hop names). */
const char *cmon_seg_label(uint8_t from_tp, uint8_t to_tp, char *buf,
			   size_t len);
/* The engine's own counters, CMON_VIEW_AGG_COUNTERS of them, into @out. */
#define CMON_VIEW_AGG_COUNTERS 6
unsigned int cmon_view_agg_counters(const struct cmon_agg *agg,
				    struct cmon_counter *out);
/* Print a ticked interval as @how says (the table clears a terminal). */
enum cmon_view_out { CMON_OUT_TABLE, CMON_OUT_JSON, CMON_OUT_NONE };
void cmon_view_print(FILE *out, const struct cmon_view *v,
		     enum cmon_view_out how);

#endif /* CMON_VIEW_H */
