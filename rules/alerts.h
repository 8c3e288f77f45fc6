/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Alerts of monitoring rules (doc/rules.md), evaluated on the engine's
 * pairs at every interval, with Prometheus's states: pending while the
 * condition holds for less than its "for:", firing after, resolved when
 * it stops holding (kept a while so sinks can say so).
 */
#ifndef CMON_ALERTS_H
#define CMON_ALERTS_H

#include <stddef.h>
#include <stdint.h>
#include "agg.h"
#include "rules.h"

enum cmon_alert_state {
	CMON_ALERT_PENDING,
	CMON_ALERT_FIRING,
	CMON_ALERT_RESOLVED,
};

/* One alert of one rule on one pair. */
struct cmon_alert_inst {
	char rule[64], alert[64];
	char severity[32], expr[128], summary[160];
	uint32_t saddr, daddr;		/* network order */
	uint8_t proto;
	uint16_t port;			/* the pair's (host order), or 0 */
	enum cmon_alert_state state;
	double value;		/* the metric at the last interval (base
				 * units), NAN when it had no data */
	double active_at;	/* wall clock: the condition began to hold */
	double fired_at;	/* firing since (0: never fired) */
	double resolved_at;
	double notified_at;	/* last sent to Alertmanager (0: never) */
	int changed;		/* state changed at the last evaluation */
};

struct cmon_alerter;

/* NULL with errno set on allocation failure. */
struct cmon_alerter *cmon_alerter_create(void);
void cmon_alerter_destroy(struct cmon_alerter *a);

/* How the evaluator learns an endpoint's name and labels. */
typedef void (*cmon_endpoint_fn)(void *ctx, uint32_t addr,
				 struct cmon_endpoint_info *out);

/*
 * Evaluate every alert of @r (NULL: none, so every alert resolves) on the
 * pairs of @agg's last tick, at wall clock @now.  A pair's rule is
 * cmon_rules_pair()'s; @rule_of, if not NULL, receives it for each pair
 * (cmon_agg_npairs() entries).
 */
void cmon_alerter_eval(struct cmon_alerter *a, const struct cmon_rules *r,
		       const struct cmon_agg *agg, cmon_endpoint_fn ep,
		       void *ctx, double now, int *rule_of);

/* The alerts pending, firing or resolved lately, oldest first. */
size_t cmon_alerter_count(const struct cmon_alerter *a);
const struct cmon_alert_inst *cmon_alerter_get(const struct cmon_alerter *a,
					       size_t i);
/* Alerts not kept because the table was full (counted, not lost
 * silently). */
uint64_t cmon_alerter_overflow(const struct cmon_alerter *a);

/* The metric an alert watches, from a pair's interval (NAN: no data). */
double cmon_alert_metric(const struct cmon_alert *al,
			 const struct cmon_pair_stats *p);

const char *cmon_alert_state_name(enum cmon_alert_state s);

/*
 * What Alertmanager should hear now, as the JSON body of its API v2
 * (POST /api/v2/alerts): alerts that fired or resolved at the last
 * evaluation, and firing ones last sent @resend_s ago or more (their
 * endsAt a few resends ahead, so Alertmanager resolves them by itself
 * should this node go quiet).  Labels: alertname, rule, src, dst, proto,
 * port (of a pair with one), severity, node.  Marks them sent.  NULL if
 * nothing is to be sent.
 */
char *cmon_alerter_am_body(struct cmon_alerter *a, double now,
			   double resend_s, const char *node,
			   cmon_endpoint_fn ep, void *ctx, const char *url);

/* The rule that applies to pair @p's endpoints and protocol to port
 * @port (cmon_rules_match(): p->port for the pair's own rule), or -1. */
int cmon_rules_pair(const struct cmon_rules *r,
		    const struct cmon_pair_stats *p, int port,
		    cmon_endpoint_fn ep, void *ctx);

#endif /* CMON_ALERTS_H */
