// SPDX-License-Identifier: BSD-2-Clause
/*
 * Alert evaluation (alerts.h): one instance per rule, alert and pair,
 * found by name and pair, so reloading the rules keeps the state of the
 * alerts that stay.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include "alerts.h"
#include "hist.h"

/* Instances kept at most (beyond: counted in cmon_alerter_overflow). */
#define MAX_ALERTS	4096
/* How long a resolved alert stays listed, seconds. */
#define RESOLVED_KEEP_S	300.0

struct cmon_alerter {
	struct cmon_alert_inst *v;
	size_t n;
	uint64_t overflow;
	unsigned int *seen;		/* per instance: matched this round */
};

struct cmon_alerter *cmon_alerter_create(void)
{
	struct cmon_alerter *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->v = calloc(MAX_ALERTS, sizeof(*a->v));
	a->seen = calloc(MAX_ALERTS, sizeof(*a->seen));
	if (!a->v || !a->seen) {
		cmon_alerter_destroy(a);
		errno = ENOMEM;
		return NULL;
	}
	return a;
}

void cmon_alerter_destroy(struct cmon_alerter *a)
{
	if (!a)
		return;
	free(a->v);
	free(a->seen);
	free(a);
}

const char *cmon_alert_state_name(enum cmon_alert_state s)
{
	switch (s) {
	case CMON_ALERT_PENDING:	return "pending";
	case CMON_ALERT_FIRING:		return "firing";
	default:			return "resolved";
	}
}

static double quantile_s(const struct cmon_hist *h, double q)
{
	return h->count ? (double)cmon_hist_quantile(h, q) * 1e-9 : NAN;
}

double cmon_alert_metric(const struct cmon_alert *al,
			 const struct cmon_pair_stats *p)
{
	unsigned int i;

	switch (al->metric) {
	case CMON_M_E2E_P50:
		return quantile_s(&p->e2e, 0.5);
	case CMON_M_E2E_P99:
		return quantile_s(&p->e2e, 0.99);
	case CMON_M_E2E_MEAN:
		return p->e2e.count ? (double)p->e2e.sum / (double)p->e2e.count *
				      1e-9 : NAN;
	case CMON_M_SEG_P50:
	case CMON_M_SEG_P99:
		for (i = 0; i < p->nsegs; i++)
			if (p->seg[i].from_tp == al->seg_from &&
			    p->seg[i].to_tp == al->seg_to)
				return quantile_s(&p->seg[i].hist,
						  al->metric == CMON_M_SEG_P50 ?
						  0.5 : 0.99);
		return NAN;
	case CMON_M_LOSS_RATIO:
		return p->packets ? p->loss_ratio : NAN;
	case CMON_M_LOSS_LOST:
		return (double)p->lost;
	case CMON_M_PPS:
		return p->pps;
	case CMON_M_BPS:
		return p->bps;
	default:
		return NAN;
	}
}

static int holds(const struct cmon_alert *al, double v)
{
	if (isnan(v))
		return 0;	/* no data: not trouble, as in Prometheus */
	switch (al->op) {
	case CMON_OP_GT:	return v > al->value;
	case CMON_OP_GE:	return v >= al->value;
	case CMON_OP_LT:	return v < al->value;
	default:		return v <= al->value;
	}
}

static struct cmon_alert_inst *find(struct cmon_alerter *a,
				    const char *rule, const char *alert,
				    const struct cmon_pair_stats *p)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		struct cmon_alert_inst *x = &a->v[i];

		if (x->saddr == p->saddr && x->daddr == p->daddr &&
		    x->proto == p->proto && x->port == p->port &&
		    !strcmp(x->alert, alert) &&
		    !strcmp(x->rule, rule))
			return x;
	}
	return NULL;
}

static void copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

static void endpoint(cmon_endpoint_fn ep, void *ctx, uint32_t addr,
		     struct cmon_endpoint_info *out)
{
	memset(out, 0, sizeof(*out));
	out->addr = addr;
	if (ep)
		ep(ctx, addr, out);
}

int cmon_rules_pair(const struct cmon_rules *r,
		    const struct cmon_pair_stats *p, int port,
		    cmon_endpoint_fn ep, void *ctx)
{
	struct cmon_endpoint_info s, d;

	if (!r)
		return -1;
	endpoint(ep, ctx, p->saddr, &s);
	endpoint(ep, ctx, p->daddr, &d);
	return cmon_rules_match(r, &s, &d, p->proto, port, NULL, 0);
}

/* One alert of rule @ru on pair @p: its condition now @v. */
static void step(struct cmon_alerter *a, const struct cmon_rule *ru,
		 const struct cmon_alert *al, const struct cmon_pair_stats *p,
		 double now)
{
	struct cmon_alert_inst *x = find(a, ru->name, al->name, p);
	double v = cmon_alert_metric(al, p);
	int on = holds(al, v);

	if (!x) {
		if (!on)
			return;
		if (a->n == MAX_ALERTS) {
			a->overflow++;
			return;
		}
		x = &a->v[a->n++];
		memset(x, 0, sizeof(*x));
		copy(x->rule, sizeof(x->rule), ru->name);
		copy(x->alert, sizeof(x->alert), al->name);
		x->saddr = p->saddr;
		x->daddr = p->daddr;
		x->proto = p->proto;
		x->port = p->port;
		x->state = CMON_ALERT_RESOLVED;	/* as if: starts below */
	}
	a->seen[x - a->v] = 1;
	copy(x->severity, sizeof(x->severity), al->severity);
	copy(x->expr, sizeof(x->expr), al->expr);
	copy(x->summary, sizeof(x->summary), al->summary);
	x->value = v;
	if (on) {
		if (x->state == CMON_ALERT_RESOLVED) {
			x->state = CMON_ALERT_PENDING;
			x->active_at = now;
			x->fired_at = x->resolved_at = 0;
			x->changed = 1;
		}
		if (x->state == CMON_ALERT_PENDING &&
		    now - x->active_at >= al->for_s) {
			x->state = CMON_ALERT_FIRING;
			x->fired_at = now;
			x->changed = 1;
		}
	} else {
		a->seen[x - a->v] = 0;	/* settled below, as if unmatched */
	}
}

void cmon_alerter_eval(struct cmon_alerter *a, const struct cmon_rules *r,
		       const struct cmon_agg *agg, cmon_endpoint_fn ep,
		       void *ctx, double now, int *rule_of)
{
	unsigned int i;
	size_t j, k;

	for (j = 0; j < a->n; j++) {
		a->seen[j] = 0;
		a->v[j].changed = 0;
	}
	for (i = 0; i < cmon_agg_npairs(agg); i++) {
		const struct cmon_pair_stats *p = cmon_agg_pair(agg, i);
		int ri = cmon_rules_pair(r, p, p->port, ep, ctx);

		if (rule_of)
			rule_of[i] = ri;
		if (ri < 0)
			continue;
		for (j = 0; j < r->rules[ri].nalerts; j++)
			step(a, &r->rules[ri], &r->rules[ri].alerts[j], p, now);
	}
	/* those whose condition no longer holds (or whose pair, rule or
	 * alert is gone): a pending one was never an alert, a firing one
	 * resolves; resolved ones go after a while */
	for (j = k = 0; j < a->n; j++) {
		struct cmon_alert_inst *x = &a->v[j];

		if (!a->seen[j]) {
			if (x->state == CMON_ALERT_PENDING)
				continue;
			if (x->state == CMON_ALERT_FIRING) {
				x->state = CMON_ALERT_RESOLVED;
				x->resolved_at = now;
				x->changed = 1;
			} else if (now - x->resolved_at > RESOLVED_KEEP_S) {
				continue;
			}
		}
		a->v[k++] = *x;
	}
	a->n = k;
}

size_t cmon_alerter_count(const struct cmon_alerter *a)
{
	return a->n;
}

const struct cmon_alert_inst *cmon_alerter_get(const struct cmon_alerter *a,
					       size_t i)
{
	return i < a->n ? &a->v[i] : NULL;
}

uint64_t cmon_alerter_overflow(const struct cmon_alerter *a)
{
	return a->overflow;
}

/* RFC 3339, UTC, milliseconds. */
static json_t *rfc3339(double t)
{
	time_t s = (time_t)t;
	struct tm tm;
	char buf[40];

	gmtime_r(&s, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), ".%03dZ",
		 (int)((t - (double)s) * 1000) % 1000);
	return json_string(buf);
}

static const char *ep_name(cmon_endpoint_fn ep, void *ctx, uint32_t addr,
			   char *buf, size_t len)
{
	struct cmon_endpoint_info i;

	endpoint(ep, ctx, addr, &i);
	if (i.name)
		return i.name;
	inet_ntop(AF_INET, &addr, buf, (socklen_t)len);
	return buf;
}

char *cmon_alerter_am_body(struct cmon_alerter *a, double now,
			   double resend_s, const char *node,
			   cmon_endpoint_fn ep, void *ctx, const char *url)
{
	json_t *arr = json_array();
	char *body = NULL, sb[16], db[16], val[32];
	size_t i;

	for (i = 0; arr && i < a->n; i++) {
		struct cmon_alert_inst *x = &a->v[i];
		json_t *o, *labels, *ann;
		int firing = x->state == CMON_ALERT_FIRING;

		if (x->state == CMON_ALERT_PENDING ||
		    (!x->changed && !(firing && x->notified_at &&
				      now - x->notified_at >= resend_s)))
			continue;
		if (!firing && !x->fired_at)
			continue;	/* resolved without having fired */
		labels = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}",
				   "alertname", x->alert, "rule", x->rule,
				   "src", ep_name(ep, ctx, x->saddr, sb,
						  sizeof(sb)),
				   "dst", ep_name(ep, ctx, x->daddr, db,
						  sizeof(db)),
				   "proto", cmon_proto_name(x->proto),
				   "severity", x->severity,
				   "node", node ? node : "");
		snprintf(val, sizeof(val), "%u", x->port);
		if (labels && x->port)
			json_object_set_new(labels, "port", json_string(val));
		snprintf(val, sizeof(val), "%.6g", x->value);
		ann = json_pack("{s:s,s:s}", "expr", x->expr, "value", val);
		if (ann && *x->summary)
			json_object_set_new(ann, "summary",
					    json_string(x->summary));
		o = json_pack("{s:o,s:o,s:o,s:o}", "labels", labels,
			      "annotations", ann, "startsAt",
			      rfc3339(x->fired_at), "endsAt",
			      rfc3339(firing ? now + 4 * resend_s :
				      x->resolved_at));
		if (o && url)
			json_object_set_new(o, "generatorURL",
					    json_string(url));
		if (o)
			json_array_append_new(arr, o);
		x->notified_at = now;
	}
	if (arr && json_array_size(arr))
		body = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	return body;
}
