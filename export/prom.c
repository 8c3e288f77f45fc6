// SPDX-License-Identifier: BSD-2-Clause
/* Prometheus exposition: see prom.h. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "agg.h"
#include "prom.h"

/* Upper bounds of the latency buckets, seconds (+Inf is implicit). */
static const double le_s[] = {
	1e-6, 2e-6, 5e-6, 1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 5e-4,
	1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 0.1, 0.2, 0.5, 1, 2, 5,
};
#define NLE (sizeof(le_s) / sizeof(le_s[0]))

#define MAX_PAIRS	4096
#define MAX_HOPS	16
#define MAX_DROPS	16
/* Ticks a pair may stay idle before its series are forgotten. */
#define IDLE_TICKS	3600

struct phist {
	uint64_t le[NLE];	/* not cumulative here; summed when written */
	uint64_t count;
	double sum;		/* seconds */
};

struct phop {
	uint8_t from_tp, from_node, to_tp, to_node;
	struct phist h;
};

struct pdrop {
	char reason[48], dev[80];
	uint64_t count;
};

/* A pair's state: its labels and hops and drops as it has them. */
#define LABELS_MAX	1400
struct ppair {
	uint32_t saddr, daddr;
	uint8_t proto;
	uint16_t port;
	char *labels;		/* node="..",src="..",dst="..",proto=".."
				 * (,port=".." for a pair of a port) and
				 * the container labels chosen */
	uint64_t packets, bytes, traced, lost, seq_lost;
	double loss_ratio, pps, Bps;
	struct phist e2e;
	unsigned int nhops, ndrops;
	struct phop *hop;	/* up to MAX_HOPS */
	struct pdrop *drop;	/* up to MAX_DROPS */
	unsigned int idle;
	uint8_t metrics;	/* what its rule exports (CMON_VIEW_*) */
};

/* A container label exported: its key, and the values seen. */
struct plabel {
	char key[64];
	char name[64];		/* as a Prometheus label name */
	char **values;
	unsigned int nvalues;
};

struct cmon_prom {
	struct ppair *pair;
	unsigned int npairs, cap;
	uint64_t overflow;
	struct plabel label[CMON_PROM_MAX_LABELS];
	unsigned int nlabels, max_values;
	uint64_t label_overflow;
};

struct cmon_prom *cmon_prom_create(const char *const *labels,
				   unsigned int nlabels,
				   unsigned int max_values)
{
	struct cmon_prom *p = calloc(1, sizeof(*p));
	unsigned int i;
	char *c;

	if (!p)
		return NULL;
	for (i = 0; i < nlabels && i < CMON_PROM_MAX_LABELS; i++) {
		struct plabel *l = &p->label[p->nlabels++];

		snprintf(l->key, sizeof(l->key), "%s", labels[i]);
		snprintf(l->name, sizeof(l->name), "%s", labels[i]);
		for (c = l->name; *c; c++)
			if (!isalnum((unsigned char)*c))
				*c = '_';
	}
	p->max_values = max_values;
	return p;
}

static void ppair_free(struct ppair *q)
{
	free(q->labels);
	free(q->hop);
	free(q->drop);
}

void cmon_prom_destroy(struct cmon_prom *p)
{
	unsigned int i, j;

	if (!p)
		return;
	for (i = 0; i < p->nlabels; i++) {
		for (j = 0; j < p->label[i].nvalues; j++)
			free(p->label[i].values[j]);
		free(p->label[i].values);
	}
	for (i = 0; i < p->npairs; i++)
		ppair_free(&p->pair[i]);
	free(p->pair);
	free(p);
}

uint64_t cmon_prom_overflow(const struct cmon_prom *p)
{
	return p->overflow;
}

uint64_t cmon_prom_label_overflow(const struct cmon_prom *p)
{
	return p->label_overflow;
}

/* A label value, escaped as the exposition format asks. */
static void label_value(char *dst, size_t len, const char *s)
{
	size_t n = 0;

	for (; *s && n + 3 < len; s++) {
		if (*s == '\\' || *s == '"') {
			dst[n++] = '\\';
			dst[n++] = *s;
		} else if (*s == '\n') {
			dst[n++] = '\\';
			dst[n++] = 'n';
		} else {
			dst[n++] = *s;
		}
	}
	dst[n] = 0;
}

static void hist_add(struct phist *ph, const struct cmon_hist *h)
{
	unsigned int i, j;
	uint64_t lo, hi;

	if (!h->count)
		return;
	for (i = 0; i < h->n; i++) {
		if (!h->bucket[i])
			continue;
		cmon_hist_bounds(h->lo + i, &lo, &hi);
		for (j = 0; j < NLE && lo > le_s[j] * 1e9; j++)
			;
		if (j < NLE)
			ph->le[j] += h->bucket[i];
	}
	ph->count += h->count;
	ph->sum += h->sum / 1e9;
}

/* What the runtime says of @addr's container under @key, or "". */
static const char *meta_value(const struct cmon_view *v, uint32_t addr,
			      const char *key)
{
	const struct cmon_ct_meta *m = cmon_view_meta(v, addr);
	size_t i;

	if (!m)
		return "";
	if (!strcmp(key, "image"))
		return m->image;
	if (!strcmp(key, "compose_project"))
		return m->project;
	if (!strcmp(key, "compose_service"))
		return m->service;
	for (i = 0; i < m->nlabels; i++)
		if (!strcmp(m->labels[i].key, key))
			return m->labels[i].value;
	return "";
}

/* @val as label @l takes it: itself while there is room for new values,
 * else "_other" (counted). */
static const char *bounded(struct cmon_prom *p, struct plabel *l,
			   const char *val)
{
	char **nv;
	unsigned int i;

	if (!*val)
		return val;
	for (i = 0; i < l->nvalues; i++)
		if (!strcmp(l->values[i], val))
			return val;
	if (l->nvalues >= p->max_values ||
	    !(nv = realloc(l->values, (l->nvalues + 1) * sizeof(*nv))) ||
	    !(nv[l->nvalues] = strdup(val))) {
		p->label_overflow++;
		return "_other";
	}
	l->values = nv;
	l->nvalues++;
	return val;
}

/* A pair's labels as they are now: the names, and the container labels
 * chosen, may change (a runtime naming a container it started).
 * -ENOMEM when there is no room for them. */
static int pair_labels(struct cmon_prom *p, const struct cmon_view *v,
		       struct ppair *q)
{
	char a[64], b[64], ea[160], eb[160], en[160], lab[LABELS_MAX];
	size_t n;
	unsigned int i, end;
	char *l;

	label_value(en, sizeof(en), v->node ? v->node : "");
	label_value(ea, sizeof(ea), cmon_view_ip(v, q->saddr, a, sizeof(a)));
	label_value(eb, sizeof(eb), cmon_view_ip(v, q->daddr, b, sizeof(b)));
	n = (size_t)snprintf(lab, sizeof(lab),
			     "node=\"%s\",src=\"%s\",dst=\"%s\",proto=\"%s\"",
			     en, ea, eb, cmon_proto_name(q->proto));
	if (q->port && n < sizeof(lab))
		n += (size_t)snprintf(lab + n, sizeof(lab) - n,
				      ",port=\"%u\"", q->port);
	for (i = 0; i < p->nlabels && n < sizeof(lab); i++)
		for (end = 0; end < 2 && n < sizeof(lab); end++) {
			struct plabel *pl = &p->label[i];
			char val[65];

			snprintf(val, sizeof(val), "%s", meta_value(v,
				 end ? q->daddr : q->saddr, pl->key));
			label_value(ea, sizeof(ea), bounded(p, pl, val));
			n += (size_t)snprintf(lab + n, sizeof(lab) - n,
					      ",%s_%s=\"%s\"",
					      end ? "dst" : "src", pl->name,
					      ea);
		}
	if (q->labels && !strcmp(q->labels, lab))
		return 0;
	if (!(l = strdup(lab)))
		return -ENOMEM;
	free(q->labels);
	q->labels = l;
	return 0;
}

static struct ppair *find_pair(struct cmon_prom *p, const struct cmon_view *v,
			       const struct cmon_pair_stats *s)
{
	struct ppair *q;
	unsigned int i;

	for (i = 0; i < p->npairs; i++) {
		q = &p->pair[i];
		if (q->saddr == s->saddr && q->daddr == s->daddr &&
		    q->proto == s->proto && q->port == s->port) {
			pair_labels(p, v, q);	/* else the old ones stay */
			return q;
		}
	}
	if (p->npairs == p->cap) {
		unsigned int cap = p->cap ? p->cap * 2 : 64;

		if (cap > MAX_PAIRS ||
		    !(q = realloc(p->pair, cap * sizeof(*q)))) {
			p->overflow++;
			return NULL;
		}
		p->pair = q;
		p->cap = cap;
	}
	q = &p->pair[p->npairs];
	memset(q, 0, sizeof(*q));
	q->saddr = s->saddr;
	q->daddr = s->daddr;
	q->proto = s->proto;
	q->port = s->port;
	if (pair_labels(p, v, q)) {
		p->overflow++;
		return NULL;
	}
	p->npairs++;
	return q;
}

/* Room for one more of @n elements of @size in *@arr, which holds 1,
 * 2, 4, 8... (up to @max). */
static int grow(void *arr, unsigned int n, unsigned int max, size_t size)
{
	void *a;

	if (n >= max)
		return -ENOSPC;
	if (n & (n - 1))	/* not a power of two: room left */
		return 0;
	a = realloc(*(void **)arr, (n ? n * 2 : 1) * size);
	if (!a)
		return -ENOMEM;
	*(void **)arr = a;
	return 0;
}

static struct phop *find_hop(struct ppair *q, const struct cmon_seg_stats *s)
{
	unsigned int i;

	for (i = 0; i < q->nhops; i++)
		if (q->hop[i].from_tp == s->from_tp &&
		    q->hop[i].to_tp == s->to_tp &&
		    q->hop[i].from_node == s->from_node &&
		    q->hop[i].to_node == s->to_node)
			return &q->hop[i];
	if (grow(&q->hop, q->nhops, MAX_HOPS, sizeof(*q->hop)))
		return NULL;
	q->hop[q->nhops] = (struct phop){ s->from_tp, s->from_node,
					  s->to_tp, s->to_node };
	return &q->hop[q->nhops++];
}

static void add_drop(struct cmon_prom *p, struct ppair *q,
		     const struct cmon_view *v,
		     const struct cmon_reason_stats *r)
{
	char rs[48], ds[80], buf[80];
	unsigned int i;

	label_value(rs, sizeof(rs), cmon_view_reason(v, r->reason, buf,
						     sizeof(buf)));
	label_value(ds, sizeof(ds), cmon_view_dev(v, r->netns, r->ifindex,
						  buf, sizeof(buf)));
	for (i = 0; i < q->ndrops; i++)
		if (!strcmp(q->drop[i].reason, rs) &&
		    !strcmp(q->drop[i].dev, ds))
			break;
	if (i == q->ndrops &&
	    grow(&q->drop, q->ndrops, MAX_DROPS, sizeof(*q->drop))) {
		p->overflow++;
		return;
	}
	if (i == q->ndrops) {
		q->ndrops++;
		strcpy(q->drop[i].reason, rs);
		strcpy(q->drop[i].dev, ds);
	}
	q->drop[i].count += r->count;
}

void cmon_prom_update(struct cmon_prom *p, const struct cmon_view *v)
{
	unsigned int i, j;

	for (i = 0; i < p->npairs; i++)
		p->pair[i].idle++;
	for (i = 0; i < cmon_agg_npairs(v->agg); i++) {
		const struct cmon_pair_stats *s = cmon_view_pair(v, i);
		struct ppair *q;

		if (!s || !s->active || !(q = find_pair(p, v, s)))
			continue;
		q->idle = 0;
		q->metrics = (uint8_t)cmon_view_pair_metrics(v, i);
		q->packets += s->packets;
		q->bytes += s->bytes;
		q->traced += s->traced;
		q->lost += s->lost;
		q->seq_lost += s->seq_lost;
		q->loss_ratio = s->loss_ratio;
		q->pps = s->pps;
		q->Bps = s->bps / 8;
		hist_add(&q->e2e, &s->e2e);
		for (j = 0; j < s->nsegs; j++) {
			struct phop *h = find_hop(q, &s->seg[j]);

			if (h)
				hist_add(&h->h, &s->seg[j].hist);
			else
				p->overflow++;
		}
		for (j = 0; j < s->nreasons; j++)
			add_drop(p, q, v, &s->reasons[j]);
	}
	/* forget pairs gone for an hour: their series end */
	for (i = 0; i < p->npairs;) {
		if (p->pair[i].idle > IDLE_TICKS) {
			ppair_free(&p->pair[i]);
			p->pair[i] = p->pair[--p->npairs];
		} else
			i++;
	}
}

static void head(FILE *out, const char *name, const char *type,
		 const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void write_hist(FILE *out, const char *name, const char *labels,
		       const struct phist *h)
{
	uint64_t cum = 0;
	unsigned int i;

	for (i = 0; i < NLE; i++) {
		cum += h->le[i];
		fprintf(out, "%s_bucket{%s,le=\"%g\"} %llu\n", name, labels,
			le_s[i], (unsigned long long)cum);
	}
	fprintf(out, "%s_bucket{%s,le=\"+Inf\"} %llu\n", name, labels,
		(unsigned long long)h->count);
	fprintf(out, "%s_sum{%s} %.9f\n", name, labels, h->sum);
	fprintf(out, "%s_count{%s} %llu\n", name, labels,
		(unsigned long long)h->count);
}

/* The per-pair counters and gauges: a uint64_t or double in ppair, of
 * a family a rule's metrics may leave out (CMON_VIEW_*; 0: never). */
struct pair_metric {
	const char *name, *type, *help;
	size_t off;
	int is_double;
	unsigned int family;
};

static const struct pair_metric pair_metrics[] = {
	{ "cmon_packets_total", "counter",
	  "Packets from src to dst, counted at their first hop.",
	  offsetof(struct ppair, packets), 0, CMON_VIEW_THROUGHPUT },
	{ "cmon_bytes_total", "counter",
	  "IPv4 bytes from src to dst, counted at their first hop.",
	  offsetof(struct ppair, bytes), 0, CMON_VIEW_THROUGHPUT },
	{ "cmon_traced_packets_total", "counter",
	  "Packets whose per-hop timing was recorded (sampled).",
	  offsetof(struct ppair, traced), 0, 0 },
	{ "cmon_lost_packets_total", "counter",
	  "Packets seen at one hop and not at the next.",
	  offsetof(struct ppair, lost), 0, CMON_VIEW_LOSS },
	{ "cmon_seq_lost_packets_total", "counter",
	  "Traced packets missing from the sequence at the last hop.",
	  offsetof(struct ppair, seq_lost), 0, CMON_VIEW_LOSS },
	{ "cmon_loss_ratio", "gauge",
	  "Share of packets lost in the last interval.",
	  offsetof(struct ppair, loss_ratio), 1, CMON_VIEW_LOSS },
	{ "cmon_packets_per_second", "gauge",
	  "Packet rate in the last interval.",
	  offsetof(struct ppair, pps), 1, CMON_VIEW_THROUGHPUT },
	{ "cmon_bytes_per_second", "gauge",
	  "Byte rate (IPv4 bytes) in the last interval.",
	  offsetof(struct ppair, Bps), 1, CMON_VIEW_THROUGHPUT },
};

static void write_pairs(FILE *out, const struct cmon_prom *p,
			const struct pair_metric *m)
{
	unsigned int i;

	head(out, m->name, m->type, m->help);
	for (i = 0; i < p->npairs; i++) {
		const char *q = (const char *)&p->pair[i] + m->off;

		if (m->family && !(p->pair[i].metrics & m->family))
			continue;
		if (m->is_double)
			fprintf(out, "%s{%s} %.6g\n", m->name,
				p->pair[i].labels, *(const double *)q);
		else
			fprintf(out, "%s{%s} %llu\n", m->name,
				p->pair[i].labels,
				(unsigned long long)*(const uint64_t *)q);
	}
}

/* The monitor's counters (@gauge 0) or levels (1), labelled @label. */
static void write_monitor(FILE *out, const struct cmon_view *v,
			  const char *node, int gauge, const char *name,
			  const char *label)
{
	unsigned int i;

	for (i = 0; i < v->ncounters; i++)
		if (!v->counters[i].gauge == !gauge)
			fprintf(out, "%s{node=\"%s\",%s=\"%s\"} %llu\n", name,
				node, label, v->counters[i].name,
				(unsigned long long)v->counters[i].value);
}

/* The labels of an alert (without its state). */
static void alert_labels(const struct cmon_view *v,
			 const struct cmon_view_alert *x, const char *node,
			 char *lab, size_t len)
{
	char f[5][160], a[64], b[64], port[16];

	label_value(f[0], sizeof(f[0]), x->alert);
	label_value(f[1], sizeof(f[1]), x->rule);
	label_value(f[2], sizeof(f[2]), cmon_view_ip(v, x->saddr, a, sizeof(a)));
	label_value(f[3], sizeof(f[3]), cmon_view_ip(v, x->daddr, b, sizeof(b)));
	label_value(f[4], sizeof(f[4]), x->severity);
	snprintf(port, sizeof(port), ",port=\"%u\"", x->port);
	snprintf(lab, len, "node=\"%s\",alertname=\"%s\",rule=\"%s\","
		 "src=\"%s\",dst=\"%s\",proto=\"%s\"%s,severity=\"%s\"", node,
		 f[0], f[1], f[2], f[3], cmon_proto_name(x->proto),
		 x->port ? port : "", f[4]);
}

/* The rules' alerts pending or firing, as Prometheus's own ALERTS, and
 * the value each watches. */
static void write_alerts(FILE *out, const struct cmon_view *v,
			 const char *node)
{
	const struct cmon_view_rules *r = v->rules;
	char lab[1200];
	unsigned int i;

	head(out, "cmon_alert", "gauge",
	     "Alerts of the monitoring rules (doc/rules.md), pending or "
	     "firing.");
	for (i = 0; i < r->nalerts; i++)
		if (strcmp(r->alerts[i].state, "resolved")) {
			alert_labels(v, &r->alerts[i], node, lab, sizeof(lab));
			fprintf(out, "cmon_alert{%s,alertstate=\"%s\"} 1\n",
				lab, r->alerts[i].state);
		}
	head(out, "cmon_alert_value", "gauge",
	     "The metric each of those alerts watches, at the last interval "
	     "(seconds, ratio, per second).");
	for (i = 0; i < r->nalerts; i++)
		if (strcmp(r->alerts[i].state, "resolved") &&
		    !isnan(r->alerts[i].value)) {
			alert_labels(v, &r->alerts[i], node, lab, sizeof(lab));
			fprintf(out, "cmon_alert_value{%s} %.9g\n", lab,
				r->alerts[i].value);
		}
}

void cmon_prom_write(const struct cmon_prom *p, const struct cmon_view *v,
		     FILE *out)
{
	char node[160], lab[LABELS_MAX + 200], seg[40];
	unsigned int i, j;

	for (i = 0; i < sizeof(pair_metrics) / sizeof(pair_metrics[0]); i++)
		write_pairs(out, p, &pair_metrics[i]);

	head(out, "cmon_drops_total", "counter",
	     "Kernel drops of the pair's packets, by reason and device.");
	for (i = 0; i < p->npairs; i++)
		for (j = 0; j < p->pair[i].ndrops &&
			    p->pair[i].metrics & CMON_VIEW_LOSS; j++)
			fprintf(out, "cmon_drops_total{%s,reason=\"%s\","
				"dev=\"%s\"} %llu\n", p->pair[i].labels,
				p->pair[i].drop[j].reason,
				p->pair[i].drop[j].dev,
				(unsigned long long)p->pair[i].drop[j].count);

	head(out, "cmon_e2e_latency_seconds", "histogram",
	     "Time from the first hop to the last, traced packets.");
	for (i = 0; i < p->npairs; i++)
		if (p->pair[i].metrics & CMON_VIEW_LATENCY)
			write_hist(out, "cmon_e2e_latency_seconds",
				   p->pair[i].labels, &p->pair[i].e2e);
	head(out, "cmon_hop_latency_seconds", "histogram",
	     "Time between two consecutive hops, traced packets.");
	for (i = 0; i < p->npairs; i++) {
		for (j = 0; j < p->pair[i].nhops &&
			    p->pair[i].metrics & CMON_VIEW_LATENCY; j++) {
			const struct phop *h = &p->pair[i].hop[j];

			snprintf(lab, sizeof(lab), "%s,hop=\"%s\","
				 "from_node=\"%u\",to_node=\"%u\"",
				 p->pair[i].labels,
				 cmon_seg_label(h->from_tp, h->to_tp, seg,
						sizeof(seg)),
				 h->from_node, h->to_node);
			write_hist(out, "cmon_hop_latency_seconds", lab,
				   &h->h);
		}
	}

	label_value(node, sizeof(node), v->node ? v->node : "");
	head(out, "cmon_sampling_ratio", "gauge",
	     "Share of packets traced (1/N).");
	fprintf(out, "cmon_sampling_ratio{node=\"%s\"} %.9g\n", node,
		v->sample_n ? 1.0 / v->sample_n : 0);
	head(out, "cmon_monitor_events_total", "counter",
	     "The monitor's own work and losses, by event (cmon-dpdk(8)).");
	write_monitor(out, v, node, 0, "cmon_monitor_events_total", "event");
	head(out, "cmon_monitor_pending", "gauge",
	     "Records waiting in the monitor's queues, by queue.");
	write_monitor(out, v, node, 1, "cmon_monitor_pending", "queue");
	if (v->rules)
		write_alerts(out, v, node);
}
