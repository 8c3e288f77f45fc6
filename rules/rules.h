/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Monitoring rules: what an operator wants watched, said once in a YAML
 * rule file (doc/rules.md), and the standard rules every node's agent
 * applies, a canonical JSON document compiled from it.
 *
 *   rule file --cmon_rules_load()--> struct cmon_rules
 *             --cmon_rules_compile()--> standard rules (JSON text)
 *             --cmon_rules_parse_std()--> struct cmon_rules (on a node)
 *
 * cmon_rules_match() says which rule applies to a pair of endpoints, and
 * why: the most specific rule wins, then the first in the file.
 */
#ifndef CMON_RULES_H
#define CMON_RULES_H

#include <stddef.h>
#include <stdint.h>
#include "agg.h"
#include "meta.h"

/* Version of the standard rules document; agents refuse any other. */
#define CMON_RULES_VERSION	1

/* A position in a rule file (1-based, as editors show them). */
struct cmon_mark {
	unsigned int line, column;
};

struct cmon_cidr {
	uint32_t addr;		/* network order, host bits cleared */
	uint8_t prefix;
};

/* One end of a pair: a container matches if it matches every list given
 * (within a list, any entry). */
struct cmon_sel {
	char **names;		/* container name globs (fnmatch) */
	size_t nnames;
	struct cmon_label *labels;
	size_t nlabels;
	char **netns;		/* network namespace names (ip netns) */
	size_t nnetns;
	struct cmon_cidr *cidrs;
	size_t ncidrs;
};

enum cmon_metric {
	CMON_M_E2E_P50,		/* seconds */
	CMON_M_E2E_P99,
	CMON_M_E2E_MEAN,
	CMON_M_SEG_P50,		/* a segment's, seconds */
	CMON_M_SEG_P99,
	CMON_M_LOSS_RATIO,	/* 0..1 */
	CMON_M_LOSS_LOST,	/* packets per interval */
	CMON_M_PPS,
	CMON_M_BPS,
	CMON_M_MAX,
};

enum cmon_op { CMON_OP_GT, CMON_OP_GE, CMON_OP_LT, CMON_OP_LE };

struct cmon_alert {
	char *name;
	enum cmon_metric metric;
	uint8_t seg_from, seg_to;	/* hops of a CMON_M_SEG_* metric */
	enum cmon_op op;
	double value;		/* base units: seconds, ratio, per second */
	double for_s;		/* how long it must hold before firing */
	char *severity;		/* label for Alertmanager (default warning) */
	char *summary;		/* optional annotation */
	char *expr;		/* the condition as written */
	struct cmon_mark mark;
};

#define CMON_MEASURE_LATENCY	0x1
#define CMON_MEASURE_LOSS	0x2
#define CMON_MEASURE_THROUGHPUT	0x4
#define CMON_MEASURE_ALL	0x7

#define CMON_PROTO_BIT_ICMP	0x1
#define CMON_PROTO_BIT_TCP	0x2
#define CMON_PROTO_BIT_UDP	0x4

struct cmon_rule {
	char *name;
	int ignore;		/* action: ignore (the pairs are not shown) */
	int has_from, has_to;
	struct cmon_sel from, to;
	uint8_t protos;		/* CMON_PROTO_BIT_*; 0: any */
	struct cmon_port_range *ports;	/* destination ports; none: any */
	size_t nports;
	uint32_t sample;	/* trace 1 in N; 0: the file's default */
	unsigned int measure;	/* CMON_MEASURE_* */
	char *capture_file;	/* pcap of traced packets, or NULL */
	uint32_t capture_size_mib, capture_count;
	struct cmon_alert *alerts;
	size_t nalerts;
	struct cmon_mark mark;
};

/* A network template: which devices carry which hops. */
struct cmon_template {
	char *name;
	char *description;
	char **bridges, **overlay, **uplink, **ovs_bridges;
	size_t nbridges, noverlay, nuplink, novs_bridges;
	char **veths;		/* routed containers' host veths: globs */
	size_t nveths;
	uint32_t hops;		/* bit per enum cmon_tp */
};

struct cmon_rules {
	char *source;		/* the rule file's name */
	uint32_t sample;	/* default 1 in N (default 64) */
	char *template;		/* the template in force */
	struct cmon_template *templates;	/* that one, and those it
						 * extends, resolved */
	size_t ntemplates;
	char **webhooks;	/* Alertmanager URLs alerts go to */
	size_t nwebhooks;
	struct cmon_rule *rules;
	size_t nrules;
	char revision[17];	/* hex digest of the standard rules */
};

/* Error messages, each "FILE:LINE:COLUMN: what is wrong". */
struct cmon_rules_errors {
	char **msg;
	size_t n;
};

/*
 * Load and check the rule file @path, resolving templates named in it
 * from its own templates: section or from the directories @tdirs (NULL
 * terminated).  Returns the rules, or NULL with every error found in
 * @errs (none but a message for an unreadable file).
 */
struct cmon_rules *cmon_rules_load(const char *path, const char *const *tdirs,
				   struct cmon_rules_errors *errs);

/* The same from text held in memory (@name stands for the file). */
struct cmon_rules *cmon_rules_load_text(const char *name, const char *text,
					size_t len, const char *const *tdirs,
					struct cmon_rules_errors *errs);

/* The standard rules: canonical JSON (malloc'd, NUL-terminated), the same
 * bytes for the same rules; NULL on allocation failure. */
char *cmon_rules_compile(const struct cmon_rules *r);

/* Standard rules back from their JSON; NULL with a message in @errs for
 * another version or a document that is not one. */
struct cmon_rules *cmon_rules_parse_std(const char *json,
					struct cmon_rules_errors *errs);

void cmon_rules_free(struct cmon_rules *r);
void cmon_rules_errors_free(struct cmon_rules_errors *e);

/* An endpoint as a node knows it. */
struct cmon_endpoint_info {
	const char *name;	/* container name, or NULL */
	uint32_t addr;		/* IPv4, network order */
	const char *netns;	/* namespace name, or NULL */
	const struct cmon_label *labels;
	size_t nlabels;
};

/*
 * The rule that applies to traffic from @src to @dst with protocol
 * @proto (IPPROTO_*, 0: any) to port @dport: a port, 0 for traffic to no
 * port a rule names (a pair's port 0: rules with ports do not apply), or
 * CMON_ANY_PORT to leave ports out of the question.  Its index, or -1 if
 * none does (the pair is watched with the defaults).  @why, if not NULL,
 * gets a sentence on the choice (@whylen bytes).
 */
#define CMON_ANY_PORT	(-1)
int cmon_rules_match(const struct cmon_rules *r,
		     const struct cmon_endpoint_info *src,
		     const struct cmon_endpoint_info *dst, uint8_t proto,
		     int dport, char *why, size_t whylen);

/* Every rule's ports, for cmon_agg_set_ports(): how many (@out holds
 * them, malloc'd, or NULL with none). */
unsigned int cmon_rules_ports(const struct cmon_rules *r,
			      struct cmon_port_range **out);

/* Specificity of a rule (doc/rules.md): higher wins. */
unsigned int cmon_rule_specificity(const struct cmon_rule *rule);

/* Names of metrics as rule files write them ("e2e.p99", "loss.ratio"). */
const char *cmon_metric_name(enum cmon_metric m);

#endif /* CMON_RULES_H */
