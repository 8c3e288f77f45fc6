// SPDX-License-Identifier: BSD-2-Clause
/*
 * InfluxDB line protocol for one interval of the engine (influx.h).  Kept
 * apart from the HTTP sink so that it builds, and is unit-tested, without
 * libcurl.
 */
#include <stdint.h>
#include "agg.h"
#include "influx.h"

/* A tag value: commas, equals signs and spaces escaped; no control chars. */
static void tag(FILE *out, const char *key, const char *val)
{
	if (!val || !*val)
		return;
	fprintf(out, ",%s=", key);
	for (; *val; val++) {
		if (*val == ',' || *val == '=' || *val == ' ' || *val == '\\')
			fputc('\\', out);
		fputc((unsigned char)*val < 0x20 ? '_' : *val, out);
	}
}

/* A string field value: quotes and backslashes escaped. */
static void str_field(FILE *out, const char *key, const char *val)
{
	fprintf(out, ",%s=\"", key);
	for (; *val; val++) {
		if (*val == '"' || *val == '\\')
			fputc('\\', out);
		fputc((unsigned char)*val < 0x20 ? ' ' : *val, out);
	}
	fputc('"', out);
}

static void lat_fields(FILE *out, const char *pfx, const struct cmon_hist *h)
{
	fprintf(out, ",%sp50_us=%.3f,%sp90_us=%.3f,%sp99_us=%.3f,%smax_us=%.3f"
		",%smean_us=%.3f", pfx, cmon_hist_quantile(h, 0.5) / 1e3,
		pfx, cmon_hist_quantile(h, 0.9) / 1e3, pfx,
		cmon_hist_quantile(h, 0.99) / 1e3, pfx, h->max / 1e3, pfx,
		(double)h->sum / h->count / 1e3);
}

static void pair_tags(FILE *out, const char *meas, const struct cmon_view *v,
		      const struct cmon_pair_stats *p)
{
	char a[64], b[64];

	fputs(meas, out);
	tag(out, "node", v->node);
	tag(out, "src", cmon_view_ip(v, p->saddr, a, sizeof(a)));
	tag(out, "dst", cmon_view_ip(v, p->daddr, b, sizeof(b)));
	tag(out, "proto", cmon_proto_name(p->proto));
	if (p->port) {
		snprintf(a, sizeof(a), "%u", p->port);
		tag(out, "port", a);
	}
}

unsigned int cmon_influx_format(FILE *out, const struct cmon_view *v)
{
	long long ts = (long long)(v->time * 1e9);
	unsigned int i, j, n = 0;
	char buf[80], seg[40];

	for (i = 0; i < cmon_agg_npairs(v->agg); i++) {
		const struct cmon_pair_stats *p = cmon_view_pair(v, i);
		unsigned int m = cmon_view_pair_metrics(v, i);

		if (!p || !p->active)
			continue;
		/* the figures the pair's rule exports (traced: always) */
		pair_tags(out, "cmon_pair", v, p);
		fprintf(out, " traced=%llui", (unsigned long long)p->traced);
		if (m & CMON_VIEW_THROUGHPUT)
			fprintf(out, ",packets=%llui,bytes=%llui,pps=%.1f,"
				"bps=%.1f", (unsigned long long)p->packets,
				(unsigned long long)p->bytes, p->pps, p->bps);
		if (m & CMON_VIEW_LOSS)
			fprintf(out, ",lost=%llui,loss_ratio=%.6f,"
				"seq_lost=%llui", (unsigned long long)p->lost,
				p->loss_ratio, (unsigned long long)p->seq_lost);
		if ((m & CMON_VIEW_LOSS) && p->loss_from_tp != 0xff)
			str_field(out, "loss_hop",
				  cmon_seg_label(p->loss_from_tp,
						 p->loss_to_tp, seg,
						 sizeof(seg)));
		if ((m & CMON_VIEW_LATENCY) && p->e2e.count)
			lat_fields(out, "e2e_", &p->e2e);
		fprintf(out, " %lld\n", ts);
		n++;
		for (j = 0; j < p->nsegs && m & CMON_VIEW_LATENCY; j++) {
			const struct cmon_seg_stats *s = &p->seg[j];

			if (!s->hist.count)
				continue;
			pair_tags(out, "cmon_hop", v, p);
			tag(out, "hop", cmon_seg_label(s->from_tp, s->to_tp,
						       seg, sizeof(seg)));
			snprintf(buf, sizeof(buf), "%u", s->from_node);
			tag(out, "from_node", buf);
			snprintf(buf, sizeof(buf), "%u", s->to_node);
			tag(out, "to_node", buf);
			fprintf(out, " count=%llui",
				(unsigned long long)s->hist.count);
			lat_fields(out, "", &s->hist);
			fprintf(out, " %lld\n", ts);
			n++;
		}
		for (j = 0; j < p->nreasons && m & CMON_VIEW_LOSS; j++) {
			const struct cmon_reason_stats *r = &p->reasons[j];

			pair_tags(out, "cmon_drop", v, p);
			tag(out, "reason", cmon_view_reason(v, r->reason, buf,
							    sizeof(buf)));
			tag(out, "dev", cmon_view_dev(v, r->netns, r->ifindex,
						      buf, sizeof(buf)));
			fprintf(out, " count=%llui %lld\n",
				(unsigned long long)r->count, ts);
			n++;
		}
	}
	for (i = 0; i < cmon_agg_nlinks(v->agg); i++) {
		const struct cmon_link *l = cmon_agg_link(v->agg, i);
		int64_t low;

		fputs("cmon_link", out);
		tag(out, "node", v->node);
		snprintf(buf, sizeof(buf), "%u", l->from_node);
		tag(out, "from_node", buf);
		snprintf(buf, sizeof(buf), "%u", l->to_node);
		tag(out, "to_node", buf);
		fprintf(out, " samples=%llui", (unsigned long long)l->owd.count);
		if (!cmon_owd_low(&l->owd, &low))
			fprintf(out, ",low_us=%.3f", low / 1e3);
		fprintf(out, " %lld\n", ts);
		n++;
	}
	fputs("cmon_monitor", out);
	tag(out, "node", v->node);
	fprintf(out, " interval_s=%.3f,sample_n=%ui", v->interval, v->sample_n);
	for (i = 0; i < v->ncounters; i++)
		fprintf(out, ",%s=%llui", v->counters[i].name,
			(unsigned long long)v->counters[i].value);
	fprintf(out, " %lld\n", ts);
	return n + 1;
}
