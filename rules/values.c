// SPDX-License-Identifier: BSD-2-Clause
/*
 * The values a rule file holds (addresses, ports, durations, alert
 * conditions, hop names), and freeing what cmon_rules_load() made.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "agg.h"
#include "rules-int.h"

int cmon_cidr_parse(const char *s, struct cmon_cidr *out)
{
	char buf[32], *slash, *end;
	struct in_addr a;
	long prefix = 32;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash) {
		*slash = 0;
		errno = 0;
		prefix = strtol(slash + 1, &end, 10);
		if (!slash[1] || *end || errno || prefix < 0 || prefix > 32)
			return -1;
	}
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -1;
	out->prefix = (uint8_t)prefix;
	out->addr = a.s_addr & (prefix ? htonl(~0u << (32 - prefix)) : 0);
	return 0;
}

static int port(const char *s, char **end, uint16_t *out)
{
	unsigned long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoul(s, end, 10);
	if (errno || v < 1 || v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

int cmon_port_range_parse(const char *s, struct cmon_port_range *out)
{
	char *end;

	if (port(s, &end, &out->lo))
		return -1;
	out->hi = out->lo;
	if (*end == '-' && port(end + 1, &end, &out->hi))
		return -1;
	return *end || out->hi < out->lo ? -1 : 0;
}

/* A number and its unit: the unit's text in @unit (may be empty). */
static int num_unit(const char *s, double *v, char *unit, size_t ulen)
{
	char *end;
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)*s) && *s != '.')
		return -1;
	errno = 0;
	*v = strtod(s, &end);
	if (errno || !isfinite(*v) || *v < 0)
		return -1;
	while (isspace((unsigned char)*end))
		end++;
	n = strlen(end);
	while (n && isspace((unsigned char)end[n - 1]))
		n--;
	if (n >= ulen)
		return -1;
	memcpy(unit, end, n);
	unit[n] = 0;
	return 0;
}

static int time_unit(const char *u, double *scale)
{
	static const struct { const char *u; double s; } t[] = {
		{ "ns", 1e-9 }, { "us", 1e-6 }, { "\xc2\xb5s", 1e-6 },
		{ "ms", 1e-3 }, { "s", 1 }, { "m", 60 }, { "h", 3600 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(u, t[i].u)) {
			*scale = t[i].s;
			return 0;
		}
	return -1;
}

int cmon_duration_parse(const char *s, double *secs)
{
	char unit[8];
	double v, scale;

	if (num_unit(s, &v, unit, sizeof(unit)) ||
	    time_unit(unit, &scale) || v * scale > 86400 * 7)
		return -1;
	*secs = v * scale;
	return 0;
}

static const char *const metric_names[CMON_M_MAX] = {
	[CMON_M_E2E_P50] = "e2e.p50",
	[CMON_M_E2E_P99] = "e2e.p99",
	[CMON_M_E2E_MEAN] = "e2e.mean",
	[CMON_M_SEG_P50] = "segment.p50",
	[CMON_M_SEG_P99] = "segment.p99",
	[CMON_M_LOSS_RATIO] = "loss.ratio",
	[CMON_M_LOSS_LOST] = "loss.lost",
	[CMON_M_PPS] = "pps",
	[CMON_M_BPS] = "bps",
};

const char *cmon_metric_name(enum cmon_metric m)
{
	return m < CMON_M_MAX ? metric_names[m] : "unknown";
}

/* "segment(veth_in,veth_out).p99": the hops and the statistic. */
static int segment(const char *s, size_t n, struct cmon_alert *a, char *why,
		   size_t whylen)
{
	char buf[64], *from, *to, *stat;
	int f, t;

	if (n >= sizeof(buf))
		goto bad;
	memcpy(buf, s, n);
	buf[n] = 0;
	from = buf + strlen("segment(");
	to = strchr(from, ',');
	stat = strchr(from, ')');
	if (!to || !stat || to > stat || strncmp(stat, ").", 2))
		goto bad;
	*to++ = 0;
	*stat = 0;
	stat += 2;
	while (*to == ' ')
		to++;
	f = cmon_hop_by_name(from);
	t = cmon_hop_by_name(to);
	if (f < 0 || t < 0) {
		snprintf(why, whylen, "unknown hop '%s' (%s)",
			 f < 0 ? from : to, cmon_hop_names());
		return -1;
	}
	if (f == t || cmon_tp_rank((uint8_t)f) >= cmon_tp_rank((uint8_t)t)) {
		snprintf(why, whylen, "segment(%s,%s): the first hop must "
			 "come before the second", from, to);
		return -1;
	}
	if (!strcmp(stat, "p50"))
		a->metric = CMON_M_SEG_P50;
	else if (!strcmp(stat, "p99"))
		a->metric = CMON_M_SEG_P99;
	else
		goto bad;
	a->seg_from = (uint8_t)f;
	a->seg_to = (uint8_t)t;
	return 0;
bad:
	snprintf(why, whylen, "write a segment as segment(HOP,HOP).p50 or "
		 ".p99");
	return -1;
}

int cmon_alert_parse(const char *s, struct cmon_alert *a, char *why,
		     size_t whylen)
{
	static const struct { const char *t; enum cmon_op op; } ops[] = {
		{ ">=", CMON_OP_GE }, { "<=", CMON_OP_LE },
		{ ">", CMON_OP_GT }, { "<", CMON_OP_LT },
	};
	const char *p = s, *m, *opat = NULL;
	char unit[8];
	double v, scale = 1;
	size_t n, i, oplen = 0;
	int k;

	while (isspace((unsigned char)*p))
		p++;
	m = p;
	/* the metric ends where the operator starts */
	for (; *p && !opat; p++)
		for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
			if (!strncmp(p, ops[i].t, strlen(ops[i].t))) {
				opat = p;
				oplen = strlen(ops[i].t);
				a->op = ops[i].op;
				break;
			}
	if (!opat) {
		snprintf(why, whylen, "'%s' has no comparison: write METRIC "
			 "> VALUE (or >=, <, <=)", s);
		return -1;
	}
	n = (size_t)(opat - m);
	while (n && isspace((unsigned char)m[n - 1]))
		n--;
	if (n > strlen("segment(") && !strncmp(m, "segment(", 8)) {
		if (segment(m, n, a, why, whylen))
			return -1;
	} else {
		for (k = 0; k < CMON_M_MAX; k++)
			if (k != CMON_M_SEG_P50 && k != CMON_M_SEG_P99 &&
			    strlen(metric_names[k]) == n &&
			    !strncmp(m, metric_names[k], n))
				break;
		if (k == CMON_M_MAX) {
			snprintf(why, whylen, "unknown metric '%.*s' (e2e.p50, "
				 "e2e.p99, e2e.mean, segment(HOP,HOP).p50, "
				 ".p99, loss.ratio, loss.lost, pps, bps)",
				 (int)n, m);
			return -1;
		}
		a->metric = (enum cmon_metric)k;
	}
	if (num_unit(opat + oplen, &v, unit, sizeof(unit))) {
		snprintf(why, whylen, "'%s': no number after the comparison",
			 s);
		return -1;
	}
	switch (a->metric) {
	case CMON_M_E2E_P50: case CMON_M_E2E_P99: case CMON_M_E2E_MEAN:
	case CMON_M_SEG_P50: case CMON_M_SEG_P99:
		if (time_unit(unit, &scale) || scale > 60) {
			snprintf(why, whylen, "a latency needs a unit: ns, us, "
				 "ms or s ('%s')", unit);
			return -1;
		}
		break;
	case CMON_M_LOSS_RATIO:
		if (!strcmp(unit, "%"))
			scale = 0.01;
		else if (*unit || v > 1) {
			snprintf(why, whylen, "a loss ratio is a percentage "
				 "(1%%) or a fraction from 0 to 1");
			return -1;
		}
		if (v * scale > 1) {
			snprintf(why, whylen, "a loss ratio above 100%%");
			return -1;
		}
		break;
	case CMON_M_LOSS_LOST:
		if (*unit) {
			snprintf(why, whylen, "loss.lost counts packets: no "
				 "unit ('%s')", unit);
			return -1;
		}
		break;
	default:
		if (!strcmp(unit, "k"))
			scale = 1e3;
		else if (!strcmp(unit, "M"))
			scale = 1e6;
		else if (!strcmp(unit, "G"))
			scale = 1e9;
		else if (*unit) {
			snprintf(why, whylen, "a rate takes k, M or G, not "
				 "'%s'", unit);
			return -1;
		}
	}
	a->value = v * scale;
	return 0;
}

int cmon_hop_by_name(const char *name)
{
	int tp;

	for (tp = 0; tp < CMON_TP_MAX; tp++)
		if (!strcmp(cmon_tp_name((uint8_t)tp), name) &&
		    strcmp(name, "unknown"))
			return tp;
	return -1;
}

const char *cmon_hop_names(void)
{
	return "ct_tx, veth_in, ovl_out, ovl_in, veth_out, ct_rx, host_in, "
	       "host_out, ovs_rx, ovs_tx, uplink";
}

unsigned int cmon_rule_specificity(const struct cmon_rule *r)
{
	return 4 * (unsigned int)(r->has_from + r->has_to) +
	       2 * (r->nports != 0) + (r->protos != 0);
}

static void strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void cmon_template_clear(struct cmon_template *t)
{
	free(t->name);
	free(t->description);
	strv_free(t->bridges, t->nbridges);
	strv_free(t->overlay, t->noverlay);
	strv_free(t->uplink, t->nuplink);
	strv_free(t->veths, t->nveths);
	strv_free(t->ovs_bridges, t->novs_bridges);
	memset(t, 0, sizeof(*t));
}

static void sel_clear(struct cmon_sel *s)
{
	size_t i;

	strv_free(s->names, s->nnames);
	for (i = 0; i < s->nlabels; i++) {
		free(s->labels[i].key);
		free(s->labels[i].value);
	}
	free(s->labels);
	strv_free(s->netns, s->nnetns);
	free(s->cidrs);
}

void cmon_rules_free(struct cmon_rules *r)
{
	size_t i, j;

	if (!r)
		return;
	for (i = 0; i < r->nrules; i++) {
		struct cmon_rule *ru = &r->rules[i];

		free(ru->name);
		sel_clear(&ru->from);
		sel_clear(&ru->to);
		free(ru->ports);
		free(ru->capture_file);
		for (j = 0; j < ru->nalerts; j++) {
			free(ru->alerts[j].name);
			free(ru->alerts[j].severity);
			free(ru->alerts[j].summary);
			free(ru->alerts[j].expr);
		}
		free(ru->alerts);
	}
	free(r->rules);
	for (i = 0; i < r->ntemplates; i++)
		cmon_template_clear(&r->templates[i]);
	free(r->templates);
	strv_free(r->webhooks, r->nwebhooks);
	free(r->template);
	free(r->source);
	free(r);
}
