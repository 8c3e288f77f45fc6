// SPDX-License-Identifier: BSD-2-Clause
/* Live table and JSON views: see view.h and doc/json.md. */
#include <arpa/inet.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "view.h"
#include "ovs-flows.h"

const char *cmon_view_ip(const struct cmon_view *v, uint32_t addr, char *buf,
			 size_t len)
{
	const char *n = v->names && v->names->ip ?
			v->names->ip(v->names->ctx, addr) : NULL;

	if (n)
		return n;
	inet_ntop(AF_INET, &addr, buf, len);
	return buf;
}

const char *cmon_view_proto(uint8_t proto, uint16_t port, char *buf,
			    size_t len)
{
	if (!port)
		return cmon_proto_name(proto);
	snprintf(buf, len, "%s:%u", cmon_proto_name(proto), port);
	return buf;
}

/* "port": the pair's, or null. */
static void json_port(FILE *out, uint16_t port)
{
	if (port)
		fprintf(out, ",\"port\":%u", port);
	else
		fputs(",\"port\":null", out);
}

/* Bytes of the well-formed UTF-8 sequence at @s (RFC 3629), or 0. */
static int utf8_len(const unsigned char *s)
{
	int n, i;
	uint32_t c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	/* no overlong form, surrogate or code point beyond U+10FFFF */
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return n;
}

void cmon_json_str(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	int n;

	fputc('"', out);
	while (*s) {
		n = utf8_len(s);
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if (*s < 0x20 || *s == 0x7f)
			fprintf(out, "\\u%04x", *s);
		else if (!n)
			fputs("\\ufffd", out);	/* not UTF-8: replaced */
		else
			fwrite(s, 1, n, out);
		s += n ? n : 1;
	}
	fputc('"', out);
}

const char *cmon_seg_label(uint8_t from_tp, uint8_t to_tp, char *buf,
			   size_t len)
{
	snprintf(buf, len, "%s>%s", cmon_tp_name(from_tp), cmon_tp_name(to_tp));
	return buf;
}

static double us(uint64_t ns)
{
	return ns / 1000.0;
}

static void json_lat(FILE *out, const struct cmon_hist *h, uint64_t unknown)
{
	fprintf(out, "\"count\":%llu", (unsigned long long)h->count);
	if (unknown)
		fprintf(out, ",\"unknown\":%llu", (unsigned long long)unknown);
	if (!h->count)
		return;
	fprintf(out, ",\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"max\":%.3f"
		",\"mean\":%.3f",
		us(cmon_hist_quantile(h, 0.5)), us(cmon_hist_quantile(h, 0.9)),
		us(cmon_hist_quantile(h, 0.99)), us(h->max),
		us(h->sum / h->count));
}

const char *cmon_view_reason(const struct cmon_view *v, uint32_t r, char *buf,
			     size_t len)
{
	const char *n = v->names && v->names->reason ?
			v->names->reason(v->names->ctx, r) : NULL;

	if (!n)
		n = cmon_ovs_reason_name(r);
	if (n)
		return n;
	snprintf(buf, len, "%u", r);
	return buf;
}

const char *cmon_view_dev(const struct cmon_view *v, uint32_t netns,
			  uint32_t ifindex, char *buf, size_t len)
{
	const char *n = v->names && v->names->dev ?
			v->names->dev(v->names->ctx, netns, ifindex) : NULL;

	if (n)
		return n;
	if (netns == CMON_NETNS_OVS)
		snprintf(buf, len, "ovs port %u", ifindex);
	else
		snprintf(buf, len, "if%u@ns%u", ifindex, netns);
	return buf;
}

/* What the rules make of pair @i (NULL: no rules, or a pair they have
 * not seen yet). */
static const struct cmon_view_pair_rule *pair_rule(const struct cmon_view *v,
						   unsigned int i)
{
	const struct cmon_view_rules *r = v->rules;

	return r && i < r->npairs ? &r->pairs[i] : NULL;
}

void cmon_view_json_pair(FILE *out, const struct cmon_view *v,
			 unsigned int idx)
{
	const struct cmon_pair_stats *p = cmon_view_pair(v, idx);
	const struct cmon_view_pair_rule *pr = pair_rule(v, idx);
	char a[64], b[64];
	unsigned int i;

	if (!p)
		return;

	fputs("{\"src\":", out);
	cmon_json_str(out, cmon_view_ip(v, p->saddr, a, sizeof(a)));
	fputs(",\"dst\":", out);
	cmon_json_str(out, cmon_view_ip(v, p->daddr, b, sizeof(b)));
	inet_ntop(AF_INET, &p->saddr, a, sizeof(a));
	inet_ntop(AF_INET, &p->daddr, b, sizeof(b));
	fprintf(out, ",\"src_ip\":\"%s\",\"dst_ip\":\"%s\",\"proto\":\"%s\"",
		a, b, cmon_proto_name(p->proto));
	json_port(out, p->port);
	fprintf(out, ",\"active\":%s,\"packets\":%llu,\"bytes\":%llu,\"pps\":%.1f,\"bps\":%.1f"
		",\"traced\":%llu",
		p->active ? "true" : "false",
		(unsigned long long)p->packets, (unsigned long long)p->bytes,
		p->pps, p->bps, (unsigned long long)p->traced);
	fprintf(out, ",\"sample\":%u,\"rule\":", pr ? pr->sample : v->sample_n);
	if (pr && pr->rule)
		cmon_json_str(out, pr->rule);
	else
		fputs("null", out);
	fprintf(out, ",\"loss\":{\"ratio\":%.6f,\"lost\":%llu",
		p->loss_ratio, (unsigned long long)p->lost);
	if (p->loss_from_tp != 0xff)
		fprintf(out, ",\"hop\":\"%s>%s\"", cmon_tp_name(p->loss_from_tp),
			cmon_tp_name(p->loss_to_tp));
	else
		fputs(",\"hop\":null", out);
	fprintf(out, ",\"seq_lost\":%llu,\"seq_ratio\":%.6f,\"reasons\":[",
		(unsigned long long)p->seq_lost, p->seq_loss_ratio);
	for (i = 0; i < p->nreasons; i++) {
		const struct cmon_reason_stats *r = &p->reasons[i];

		fputs(i ? ",{\"reason\":" : "{\"reason\":", out);
		cmon_json_str(out, cmon_view_reason(v, r->reason, a, sizeof(a)));
		fputs(",\"dev\":", out);
		cmon_json_str(out, cmon_view_dev(v, r->netns, r->ifindex, b, sizeof(b)));
		fprintf(out, ",\"count\":%llu}", (unsigned long long)r->count);
	}
	fputs("]},\"latency_us\":{\"e2e\":{", out);
	json_lat(out, &p->e2e, p->e2e_unknown);
	fputs("},\"hops\":[", out);
	for (i = 0; i < p->nsegs; i++) {
		const struct cmon_seg_stats *s = &p->seg[i];

		fprintf(out, "%s{\"from\":\"%s\",\"to\":\"%s\",\"from_node\":%u"
			",\"to_node\":%u,", i ? "," : "",
			cmon_tp_name(s->from_tp), cmon_tp_name(s->to_tp),
			s->from_node, s->to_node);
		json_lat(out, &s->hist, s->unknown);
		fputc('}', out);
	}
	fputs("]}}", out);
}

unsigned int cmon_view_pair_metrics(const struct cmon_view *v, unsigned int i)
{
	const struct cmon_view_pair_rule *pr = pair_rule(v, i);

	return pr && pr->metrics ? pr->metrics : CMON_VIEW_ALL;
}

const struct cmon_pair_stats *cmon_view_pair(const struct cmon_view *v,
					     unsigned int i)
{
	const struct cmon_view_pair_rule *pr = pair_rule(v, i);

	if (pr && pr->hidden)
		return NULL;
	return cmon_agg_pair(v->agg, i);
}

static void json_num(FILE *out, const char *key, double x)
{
	fprintf(out, ",\"%s\":", key);
	if (isnan(x))
		fputs("null", out);
	else
		fprintf(out, "%.9g", x);
}

static void json_time(FILE *out, const char *key, double t)
{
	fprintf(out, ",\"%s\":", key);
	if (t)
		fprintf(out, "%.3f", t);
	else
		fputs("null", out);
}

static void json_str_or_null(FILE *out, const char *s)
{
	if (s)
		cmon_json_str(out, s);
	else
		fputs("null", out);
}

/* The "rules" and "alerts" members (doc/json.md), each after a comma. */
static void json_rules(FILE *out, const struct cmon_view *v)
{
	const struct cmon_view_rules *r = v->rules;
	char a[64], b[64];
	unsigned int i;

	if (!r) {
		fputs(",\"rules\":null,\"alerts\":[]", out);
		return;
	}
	fputs(",\"rules\":{\"source\":", out);
	json_str_or_null(out, r->source);
	fputs(",\"revision\":", out);
	json_str_or_null(out, r->revision);
	fputs(",\"error\":", out);
	json_str_or_null(out, r->error);
	fprintf(out, ",\"stale\":%s,\"alerts_overflow\":%llu},\"alerts\":[",
		r->stale ? "true" : "false",
		(unsigned long long)r->alerts_overflow);
	for (i = 0; i < r->nalerts; i++) {
		const struct cmon_view_alert *x = &r->alerts[i];

		fprintf(out, "%s{\"rule\":", i ? "," : "");
		cmon_json_str(out, x->rule);
		fputs(",\"alert\":", out);
		cmon_json_str(out, x->alert);
		fputs(",\"state\":", out);
		cmon_json_str(out, x->state);
		fputs(",\"severity\":", out);
		cmon_json_str(out, x->severity);
		fputs(",\"src\":", out);
		cmon_json_str(out, cmon_view_ip(v, x->saddr, a, sizeof(a)));
		fputs(",\"dst\":", out);
		cmon_json_str(out, cmon_view_ip(v, x->daddr, b, sizeof(b)));
		fputs(",\"proto\":", out);
		cmon_json_str(out, cmon_proto_name(x->proto));
		json_port(out, x->port);
		fputs(",\"expr\":", out);
		cmon_json_str(out, x->expr);
		json_num(out, "value", x->value);
		json_time(out, "active_at", x->active_at);
		json_time(out, "fired_at", x->fired_at);
		json_time(out, "resolved_at", x->resolved_at);
		fputs(",\"summary\":", out);
		json_str_or_null(out, x->summary && *x->summary ? x->summary
							      : NULL);
		fputc('}', out);
	}
	fputc(']', out);
}

void cmon_view_json_meta(FILE *out, const struct cmon_ct_meta *m)
{
	size_t i;

	if (!m) {
		fputs("null", out);
		return;
	}
	fputs("{\"name\":", out);
	cmon_json_str(out, m->runtime);
	fputs(",\"id\":", out);
	cmon_json_str(out, m->id);
	fputs(",\"image\":", out);
	cmon_json_str(out, m->image);
	fputs(",\"compose_project\":", out);
	cmon_json_str(out, m->project);
	fputs(",\"compose_service\":", out);
	cmon_json_str(out, m->service);
	fputs(",\"labels\":{", out);
	for (i = 0; i < m->nlabels; i++) {
		fputs(i ? "," : "", out);
		cmon_json_str(out, m->labels[i].key);
		fputc(':', out);
		cmon_json_str(out, m->labels[i].value);
	}
	fputs("}}", out);
}

const struct cmon_ct_meta *cmon_view_meta(const struct cmon_view *v,
					  uint32_t addr)
{
	return v->names && v->names->meta ?
	       v->names->meta(v->names->ctx, addr) : NULL;
}

unsigned int cmon_view_metas(const struct cmon_view *v,
			     const struct cmon_ct_meta **out, unsigned int max)
{
	unsigned int i, j, k, n = 0;

	for (i = 0; i < cmon_agg_npairs(v->agg) && n < max; i++) {
		const struct cmon_pair_stats *p = cmon_view_pair(v, i);

		for (k = 0; p && p->active && k < 2 && n < max; k++) {
			const struct cmon_ct_meta *m =
				cmon_view_meta(v, k ? p->daddr : p->saddr);

			for (j = 0; m && j < n && out[j] != m; j++)
				;
			if (m && j == n)
				out[n++] = m;
		}
	}
	return n;
}

/* "containers": what the runtime says of those in the pairs, by name. */
static void json_containers(FILE *out, const struct cmon_view *v)
{
	const struct cmon_ct_meta *m[CMON_VIEW_MAX_METAS];
	unsigned int i, n = cmon_view_metas(v, m, CMON_VIEW_MAX_METAS);

	fputs(",\"containers\":{", out);
	for (i = 0; i < n; i++) {
		fputs(i ? "," : "", out);
		cmon_json_str(out, m[i]->name);
		fputc(':', out);
		cmon_view_json_meta(out, m[i]);
	}
	fputc('}', out);
}

void cmon_view_json(FILE *out, const struct cmon_view *v)
{
	unsigned int i, n = 0;

	fprintf(out, "{\"time\":%.3f,\"interval_s\":%.3f,\"node\":",
		v->time, v->interval);
	cmon_json_str(out, v->node ? v->node : "");
	fprintf(out, ",\"sample\":%u,\"counters\":{", v->sample_n);
	for (i = 0; i < v->ncounters; i++)
		fprintf(out, "%s\"%s\":%llu", i ? "," : "", v->counters[i].name,
			(unsigned long long)v->counters[i].value);
	fputs("},\"links\":[", out);
	for (i = 0; i < cmon_agg_nlinks(v->agg); i++) {
		const struct cmon_link *l = cmon_agg_link(v->agg, i);
		int64_t low;

		fprintf(out, "%s{\"from_node\":%u,\"to_node\":%u,\"samples\":%llu",
			i ? "," : "", l->from_node, l->to_node,
			(unsigned long long)l->owd.count);
		if (!cmon_owd_low(&l->owd, &low))
			fprintf(out, ",\"low_us\":%.3f", low / 1000.0);
		fputc('}', out);
	}
	fputs("],\"clocks\":[", out);
	for (i = 0; i < v->nclocks; i++) {
		const struct cmon_clock_info *c = &v->clocks[i];

		fprintf(out, "%s{\"a\":%u,\"b\":%u,\"estimated\":%s", i ? "," : "",
			c->a, c->b, c->estimated ? "true" : "false");
		if (c->estimated)
			fprintf(out, ",\"offset_us\":%.3f,\"bound_us\":%.3f",
				c->offset / 1e3, c->bound / 1e3);
		fprintf(out, ",\"trusted\":%s,\"applied\":%s}",
			c->trusted ? "true" : "false",
			c->applied ? "true" : "false");
	}
	fputc(']', out);
	json_rules(out, v);
	json_containers(out, v);
	fputs(",\"pairs\":[", out);
	for (i = 0; i < cmon_agg_npairs(v->agg); i++) {
		const struct cmon_pair_stats *p = cmon_view_pair(v, i);

		if (!p || !p->active)
			continue;
		if (n++)
			fputc(',', out);
		cmon_view_json_pair(out, v, i);
	}
	fputs("]}\n", out);
	fflush(out);
}

static void human_rate(char *buf, size_t len, double v, const char *unit)
{
	const char *pfx = "";

	if (v >= 1e9) {
		v /= 1e9;
		pfx = "G";
	} else if (v >= 1e6) {
		v /= 1e6;
		pfx = "M";
	} else if (v >= 1e3) {
		v /= 1e3;
		pfx = "k";
	}
	snprintf(buf, len, "%.1f%s%s", v, pfx, unit);
}

static int by_rate(const void *a, const void *b)
{
	const struct cmon_pair_stats *x = *(const struct cmon_pair_stats **)a;
	const struct cmon_pair_stats *y = *(const struct cmon_pair_stats **)b;

	return (x->bps < y->bps) - (x->bps > y->bps);
}

/* What the runtime says of the containers in the pairs shown. */
static void table_containers(FILE *out, const struct cmon_view *v)
{
	const struct cmon_ct_meta *m[CMON_VIEW_MAX_METAS];
	unsigned int i, n = cmon_view_metas(v, m, CMON_VIEW_MAX_METAS);
	char compose[80];
	size_t j;

	if (n)
		fprintf(out, "%-16s %-28s %-20s %s\n", "CONTAINER", "IMAGE",
			"COMPOSE", "LABELS");
	for (i = 0; i < n; i++) {
		snprintf(compose, sizeof(compose), "%s%s%s", m[i]->project,
			 *m[i]->service ? "/" : "", m[i]->service);
		fprintf(out, "%-16.16s %-28.28s %-20.20s", m[i]->name,
			m[i]->image, *compose ? compose : "-");
		for (j = 0; j < m[i]->nlabels; j++)	/* Compose's own: above */
			if (strncmp(m[i]->labels[j].key, "com.docker.compose.",
				    19))
				fprintf(out, " %s=%s", m[i]->labels[j].key,
					m[i]->labels[j].value);
		fputc('\n', out);
	}
}

void cmon_view_table(FILE *out, const struct cmon_view *v, int clear)
{
	unsigned int i, j, n = 0, shown = 0;
	const struct cmon_pair_stats **rows;

	if (clear)
		fputs("\033[H\033[2J", out);
	fprintf(out, "cmon  node %s  sampling ", v->node ? v->node : "-");
	if (v->sample_n)
		fprintf(out, "1/%u", v->sample_n);
	else
		fputs("-", out);
	fprintf(out, "  interval %.1fs", v->interval);
	if (v->url)
		fprintf(out, "  web %s", v->url);
	fputc('\n', out);
	for (i = 0; i < v->ncounters; i++)
		if (v->counters[i].value)
			fprintf(out, "%s%s=%llu", shown++ ? " " : "  ",
				v->counters[i].name,
				(unsigned long long)v->counters[i].value);
	fprintf(out, "\n%-16s %-16s %-4s %9s %9s %8s %-17s %9s %9s  %s\n",
		"SRC", "DST", "PROT", "PKT/S", "BIT/S", "LOSS", "LOSS AT",
		"E2E p50", "E2E p99", "PER-HOP p50/p99 (us)");
	/* busiest pairs first */
	rows = calloc(cmon_agg_npairs(v->agg) + 1, sizeof(*rows));
	if (!rows)
		return;
	for (i = 0; i < cmon_agg_npairs(v->agg); i++)
		if (cmon_view_pair(v, i) && cmon_view_pair(v, i)->active)
			rows[n++] = cmon_view_pair(v, i);
	qsort(rows, n, sizeof(*rows), by_rate);
	for (i = 0; i < n; i++) {
		const struct cmon_pair_stats *p = rows[i];
		char a[64], b[64], pps[16], bps[16], at[40] = "-", why[80] = "",
		     pr[16];

		human_rate(pps, sizeof(pps), p->pps, "");
		human_rate(bps, sizeof(bps), p->bps, "");
		if (p->loss_from_tp != 0xff)
			cmon_seg_label(p->loss_from_tp, p->loss_to_tp, at,
				       sizeof(at));
		if (p->lost && p->nreasons)
			snprintf(why, sizeof(why), " [%s]",
				 cmon_view_reason(v, p->reasons[0].reason, a,
					     sizeof(a)));
		fprintf(out, "%-16.16s ", cmon_view_ip(v, p->saddr, a, sizeof(a)));
		fprintf(out, "%-16.16s %-4s %9s %9s %7.2f%% %-17.17s ",
			cmon_view_ip(v, p->daddr, b, sizeof(b)),
			cmon_view_proto(p->proto, p->port, pr, sizeof(pr)),
			pps, bps,
			100 * p->loss_ratio, at);
		if (p->e2e.count)
			fprintf(out, "%9.1f %9.1f ",
				us(cmon_hist_quantile(&p->e2e, 0.5)),
				us(cmon_hist_quantile(&p->e2e, 0.99)));
		else
			fprintf(out, "%9s %9s ", "-", "-");
		for (j = 0; j < p->nsegs; j++)
			if (p->seg[j].hist.count)
				fprintf(out, " %s>%s %.1f/%.1f",
					cmon_tp_name(p->seg[j].from_tp),
					cmon_tp_name(p->seg[j].to_tp),
					us(cmon_hist_quantile(&p->seg[j].hist, 0.5)),
					us(cmon_hist_quantile(&p->seg[j].hist, 0.99)));
		fprintf(out, "%s\n", why);
	}
	free(rows);
	table_containers(out, v);
	/* alerts not resolved, and the rules' state */
	for (i = 0; v->rules && i < v->rules->nalerts; i++) {
		const struct cmon_view_alert *x = &v->rules->alerts[i];
		char a[64], b[64], pr[16];

		if (!strcmp(x->state, "resolved"))
			continue;
		fprintf(out, "ALERT %-8s %s/%s %s>%s %s: %s (now %.6g)\n",
			x->state, x->rule, x->alert,
			cmon_view_ip(v, x->saddr, a, sizeof(a)),
			cmon_view_ip(v, x->daddr, b, sizeof(b)),
			cmon_view_proto(x->proto, x->port, pr, sizeof(pr)),
			x->expr, x->value);
	}
	if (v->rules && v->rules->error)
		fprintf(out, "rules: %s\n", v->rules->error);
	if (v->rules && v->rules->stale)
		fputs("rules: etcd unreachable: the rules in force may be "
		      "stale\n", out);
	fflush(out);
}

unsigned int cmon_view_agg_counters(const struct cmon_agg *agg,
				    struct cmon_counter *out)
{
	out[0] = (struct cmon_counter){ "agg_bad_records",
					cmon_agg_bad_records(agg), 0 };
	out[1] = (struct cmon_counter){ "agg_overflow",
					cmon_agg_overflow(agg), 0 };
	out[2] = (struct cmon_counter){ "agg_counter_restarts",
					cmon_agg_counter_restarts(agg), 0 };
	out[3] = (struct cmon_counter){ "agg_seq_restarts",
					cmon_agg_seq_restarts(agg), 0 };
	out[4] = (struct cmon_counter){ "agg_full", cmon_agg_full(agg), 0 };
	out[5] = (struct cmon_counter){ "agg_copies", cmon_agg_copies(agg), 0 };
	return CMON_VIEW_AGG_COUNTERS;
}

void cmon_view_print(FILE *out, const struct cmon_view *v,
		     enum cmon_view_out how)
{
	if (how == CMON_OUT_JSON)
		cmon_view_json(out, v);
	else if (how == CMON_OUT_TABLE)
		cmon_view_table(out, v, isatty(fileno(out)));
	fflush(out);
}
