// SPDX-License-Identifier: BSD-2-Clause
/* Embedded history: see history.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "agg.h"
#include "history.h"

#define MAX_SERIES	4096
#define MAX_COUNTERS	64

struct hpoint {
	double t;
	float pps, bps, loss_ratio;
	float e2e_p50, e2e_p99;		/* microseconds; < 0: none traced */
	uint32_t packets, lost, traced;
	uint8_t nsegs;
	struct {
		uint8_t from_tp, to_tp;
		float p50, p99;		/* microseconds */
	} seg[CMON_MAX_SEGS];
};

struct hseries {
	uint32_t saddr, daddr;
	uint8_t proto;
	char src[64], dst[64];
	unsigned int head, n;		/* next slot, points held */
	struct hpoint *pt;		/* grows to the capacity */
	unsigned int alloc;
	double last;
};

struct cmon_history {
	pthread_mutex_t mu;
	unsigned int cap;
	struct hseries *s;
	unsigned int ns, salloc;
	/* monitor counters */
	unsigned int nc;
	char cname[MAX_COUNTERS][40];
	double *ct;			/* [cap] times */
	uint64_t *cv;			/* [cap][MAX_COUNTERS] */
	unsigned int chead, cn;
};

struct cmon_history *cmon_history_create(unsigned int points)
{
	struct cmon_history *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->cap = points ? points : 1;
	h->ct = calloc(h->cap, sizeof(*h->ct));
	h->cv = calloc((size_t)h->cap * MAX_COUNTERS, sizeof(*h->cv));
	if (!h->ct || !h->cv) {
		cmon_history_destroy(h);
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_init(&h->mu, NULL);
	return h;
}

void cmon_history_destroy(struct cmon_history *h)
{
	unsigned int i;

	if (!h)
		return;
	for (i = 0; i < h->ns; i++)
		free(h->s[i].pt);
	free(h->s);
	free(h->ct);
	free(h->cv);
	free(h);
}

/* Times are kept as printed (ms), so ?since=T of a printed T is exact. */
static double ms(double t)
{
	return round(t * 1000) / 1000;
}

static float us(uint64_t ns)
{
	return ns / 1000.0f;
}

static struct hseries *series(struct cmon_history *h,
			      const struct cmon_view *v,
			      const struct cmon_pair_stats *p)
{
	struct hseries *s;
	unsigned int i, old = 0;

	for (i = 0; i < h->ns; i++)
		if (h->s[i].saddr == p->saddr && h->s[i].daddr == p->daddr &&
		    h->s[i].proto == p->proto)
			return &h->s[i];
	if (h->ns == MAX_SERIES) {
		/* full: reuse the series idle longest */
		for (i = 1; i < h->ns; i++)
			if (h->s[i].last < h->s[old].last)
				old = i;
		s = &h->s[old];
		s->head = s->n = 0;
	} else {
		if (h->ns == h->salloc) {
			unsigned int n = h->salloc ? h->salloc * 2 : 16;

			s = realloc(h->s, n * sizeof(*s));
			if (!s)
				return NULL;
			h->s = s;
			h->salloc = n;
		}
		s = &h->s[h->ns++];
		memset(s, 0, sizeof(*s));
	}
	s->saddr = p->saddr;
	s->daddr = p->daddr;
	s->proto = p->proto;
	cmon_view_ip(v, p->saddr, s->src, sizeof(s->src));
	cmon_view_ip(v, p->daddr, s->dst, sizeof(s->dst));
	return s;
}

static struct hpoint *next_point(struct cmon_history *h, struct hseries *s)
{
	struct hpoint *pt;

	if (s->head >= s->alloc && s->alloc < h->cap) {
		unsigned int n = s->alloc ? s->alloc * 2 : 16;

		if (n > h->cap)
			n = h->cap;
		pt = realloc(s->pt, n * sizeof(*pt));
		if (!pt)
			return NULL;
		s->pt = pt;
		s->alloc = n;
	}
	pt = &s->pt[s->head];
	s->head = (s->head + 1) % h->cap;
	if (s->n < h->cap)
		s->n++;
	return pt;
}

void cmon_history_append(struct cmon_history *h, const struct cmon_view *v)
{
	unsigned int i, j;
	const char *n;

	pthread_mutex_lock(&h->mu);
	for (i = 0; i < cmon_agg_npairs(v->agg); i++) {
		const struct cmon_pair_stats *p = cmon_view_pair(v, i);
		struct hseries *s;
		struct hpoint *pt;

		if (!p || !p->active || !(s = series(h, v, p)) ||
		    !(pt = next_point(h, s)))
			continue;
		/* names may resolve later than the first packets */
		n = v->names && v->names->ip ?
		    v->names->ip(v->names->ctx, p->saddr) : NULL;
		if (n)
			snprintf(s->src, sizeof(s->src), "%s", n);
		n = v->names && v->names->ip ?
		    v->names->ip(v->names->ctx, p->daddr) : NULL;
		if (n)
			snprintf(s->dst, sizeof(s->dst), "%s", n);
		s->last = v->time;
		memset(pt, 0, sizeof(*pt));
		pt->t = ms(v->time);
		pt->pps = p->pps;
		pt->bps = p->bps;
		pt->loss_ratio = p->loss_ratio;
		pt->packets = p->packets;
		pt->lost = p->lost;
		pt->traced = p->traced;
		pt->e2e_p50 = p->e2e.count ?
			      us(cmon_hist_quantile(&p->e2e, 0.5)) : -1;
		pt->e2e_p99 = p->e2e.count ?
			      us(cmon_hist_quantile(&p->e2e, 0.99)) : -1;
		for (j = 0; j < p->nsegs; j++) {
			const struct cmon_seg_stats *g = &p->seg[j];

			if (!g->hist.count)
				continue;
			pt->seg[pt->nsegs].from_tp = g->from_tp;
			pt->seg[pt->nsegs].to_tp = g->to_tp;
			pt->seg[pt->nsegs].p50 =
				us(cmon_hist_quantile(&g->hist, 0.5));
			pt->seg[pt->nsegs++].p99 =
				us(cmon_hist_quantile(&g->hist, 0.99));
		}
	}
	/* counters: names fixed by the first interval */
	if (!h->nc) {
		for (i = 0; i < v->ncounters && i < MAX_COUNTERS; i++)
			snprintf(h->cname[i], sizeof(h->cname[i]), "%s",
				 v->counters[i].name);
		h->nc = i;
	}
	h->ct[h->chead] = ms(v->time);
	for (i = 0; i < h->nc; i++)
		h->cv[(size_t)h->chead * MAX_COUNTERS + i] =
			i < v->ncounters ? v->counters[i].value : 0;
	h->chead = (h->chead + 1) % h->cap;
	if (h->cn < h->cap)
		h->cn++;
	pthread_mutex_unlock(&h->mu);
}

static void pair_keys(FILE *out, const struct hseries *s)
{
	char a[16], b[16];

	inet_ntop(AF_INET, &s->saddr, a, sizeof(a));
	inet_ntop(AF_INET, &s->daddr, b, sizeof(b));
	fputs("\"src\":", out);
	cmon_json_str(out, s->src);
	fputs(",\"dst\":", out);
	cmon_json_str(out, s->dst);
	fprintf(out, ",\"src_ip\":\"%s\",\"dst_ip\":\"%s\",\"proto\":\"%s\"",
		a, b, cmon_proto_name(s->proto));
}

void cmon_history_index(struct cmon_history *h, FILE *out)
{
	unsigned int i;

	pthread_mutex_lock(&h->mu);
	fprintf(out, "{\"capacity\":%u,\"series\":[", h->cap);
	for (i = 0; i < h->ns; i++) {
		fputs(i ? ",{" : "{", out);
		pair_keys(out, &h->s[i]);
		fprintf(out, ",\"points\":%u,\"last\":%.3f}", h->s[i].n,
			h->s[i].last);
	}
	fputs("]}", out);
	pthread_mutex_unlock(&h->mu);
}

/* Is @want the endpoint's name or address? */
static int matches(const char *name, uint32_t addr, const char *want)
{
	char ip[16];

	inet_ntop(AF_INET, &addr, ip, sizeof(ip));
	return !strcmp(want, name) || !strcmp(want, ip);
}

static void opt_float(FILE *out, const char *key, float v)
{
	if (v < 0)
		fprintf(out, ",\"%s\":null", key);
	else
		fprintf(out, ",\"%s\":%.3f", key, v);
}

int cmon_history_pair(struct cmon_history *h, FILE *out, const char *src,
		      const char *dst, const char *proto, double since)
{
	const struct hseries *s = NULL;
	unsigned int i, j, n = 0;
	char seg[40];

	pthread_mutex_lock(&h->mu);
	for (i = 0; i < h->ns && !s; i++)
		if (matches(h->s[i].src, h->s[i].saddr, src) &&
		    matches(h->s[i].dst, h->s[i].daddr, dst) &&
		    (!proto || !strcmp(proto, cmon_proto_name(h->s[i].proto))))
			s = &h->s[i];
	if (!s) {
		pthread_mutex_unlock(&h->mu);
		return -ENOENT;
	}
	fputc('{', out);
	pair_keys(out, s);
	fputs(",\"points\":[", out);
	for (i = 0; i < s->n; i++) {
		const struct hpoint *p =
			&s->pt[(s->head + h->cap - s->n + i) % h->cap];

		if (p->t <= since)
			continue;
		fprintf(out, "%s{\"t\":%.3f,\"pps\":%.1f,\"bps\":%.1f,"
			"\"packets\":%u,\"lost\":%u,\"loss_ratio\":%.6f,"
			"\"traced\":%u", n++ ? "," : "", p->t, p->pps, p->bps,
			p->packets, p->lost, p->loss_ratio, p->traced);
		opt_float(out, "e2e_p50_us", p->e2e_p50);
		opt_float(out, "e2e_p99_us", p->e2e_p99);
		fputs(",\"hops\":[", out);
		for (j = 0; j < p->nsegs; j++)
			fprintf(out, "%s{\"hop\":\"%s\",\"p50_us\":%.3f,"
				"\"p99_us\":%.3f}", j ? "," : "",
				cmon_seg_label(p->seg[j].from_tp,
					       p->seg[j].to_tp, seg,
					       sizeof(seg)),
				p->seg[j].p50, p->seg[j].p99);
		fputs("]}", out);
	}
	fputs("]}", out);
	pthread_mutex_unlock(&h->mu);
	return 0;
}

void cmon_history_monitor(struct cmon_history *h, FILE *out, double since)
{
	unsigned int i, j, n = 0, slot;

	pthread_mutex_lock(&h->mu);
	fputs("{\"counters\":[", out);
	for (i = 0; i < h->nc; i++) {
		fputs(i ? "," : "", out);
		cmon_json_str(out, h->cname[i]);
	}
	fputs("],\"points\":[", out);
	for (i = 0; i < h->cn; i++) {
		slot = (h->chead + h->cap - h->cn + i) % h->cap;
		if (h->ct[slot] <= since)
			continue;
		fprintf(out, "%s{\"t\":%.3f,\"values\":[", n++ ? "," : "",
			h->ct[slot]);
		for (j = 0; j < h->nc; j++)
			fprintf(out, "%s%llu", j ? "," : "",
				(unsigned long long)
				h->cv[(size_t)slot * MAX_COUNTERS + j]);
		fputs("]}", out);
	}
	fputs("]}", out);
	pthread_mutex_unlock(&h->mu);
}

/*
 * The hand-over format: a header that names this build's layout, the
 * counters' names and points, then each series with its points, oldest
 * first.  Raw structs: only the same build reads it back.
 */
struct hheader {
	char magic[8];
	uint32_t point_size, series_size, max_counters, cap;
	uint32_t ns, nc, cn;
};

#define HMAGIC "cmonhs01"

static int put(FILE *f, const void *p, size_t n)
{
	return n && fwrite(p, n, 1, f) != 1 ? -EIO : 0;
}

static int get(FILE *f, void *p, size_t n)
{
	return n && fread(p, n, 1, f) != 1 ? -EINVAL : 0;
}

int cmon_history_save(struct cmon_history *h, FILE *out)
{
	struct hheader hd = { .point_size = sizeof(struct hpoint),
			      .series_size = sizeof(struct hseries),
			      .max_counters = MAX_COUNTERS, .cap = h->cap };
	unsigned int i, j, slot;
	int err;

	memcpy(hd.magic, HMAGIC, sizeof(hd.magic));
	pthread_mutex_lock(&h->mu);
	hd.ns = h->ns;
	hd.nc = h->nc;
	hd.cn = h->cn;
	err = put(out, &hd, sizeof(hd)) ?:
	      put(out, h->cname, sizeof(h->cname));
	for (i = 0; i < h->cn && !err; i++) {
		slot = (h->chead + h->cap - h->cn + i) % h->cap;
		err = put(out, &h->ct[slot], sizeof(*h->ct)) ?:
		      put(out, &h->cv[(size_t)slot * MAX_COUNTERS],
			  MAX_COUNTERS * sizeof(*h->cv));
	}
	for (i = 0; i < h->ns && !err; i++) {
		const struct hseries *s = &h->s[i];

		err = put(out, s, sizeof(*s));
		for (j = 0; j < s->n && !err; j++)
			err = put(out, &s->pt[(s->head + h->cap - s->n + j) %
					      h->cap], sizeof(*s->pt));
	}
	pthread_mutex_unlock(&h->mu);
	return err ?: fflush(out) ? -errno : 0;
}

int cmon_history_load(struct cmon_history *h, FILE *in)
{
	struct hheader hd;
	struct hseries s, *d;
	struct hpoint p;
	unsigned int i, j;
	double t;
	uint64_t cv[MAX_COUNTERS];
	int err;

	if (get(in, &hd, sizeof(hd)) || memcmp(hd.magic, HMAGIC, 8) ||
	    hd.point_size != sizeof(struct hpoint) ||
	    hd.series_size != sizeof(struct hseries) ||
	    hd.max_counters != MAX_COUNTERS || hd.nc > MAX_COUNTERS ||
	    hd.ns > MAX_SERIES || hd.cn > hd.cap)
		return -EINVAL;
	pthread_mutex_lock(&h->mu);
	err = get(in, h->cname, sizeof(h->cname));
	for (i = 0; i < MAX_COUNTERS; i++)
		h->cname[i][sizeof(h->cname[i]) - 1] = 0;
	h->nc = hd.nc;
	for (i = 0; i < hd.cn && !err; i++) {
		err = get(in, &t, sizeof(t)) ?: get(in, cv, sizeof(cv));
		if (err)
			break;
		h->ct[h->chead] = t;
		memcpy(&h->cv[(size_t)h->chead * MAX_COUNTERS], cv, sizeof(cv));
		h->chead = (h->chead + 1) % h->cap;
		if (h->cn < h->cap)
			h->cn++;
	}
	for (i = 0; i < hd.ns && !err; i++) {
		err = get(in, &s, sizeof(s));
		if (err || s.n > hd.cap) {
			err = -EINVAL;
			break;
		}
		if (h->ns == h->salloc) {
			unsigned int n = h->salloc ? h->salloc * 2 : 16;

			d = realloc(h->s, n * sizeof(*d));
			if (!d) {
				err = -ENOMEM;
				break;
			}
			h->s = d;
			h->salloc = n;
		}
		d = &h->s[h->ns++];
		*d = s;
		d->src[sizeof(d->src) - 1] = d->dst[sizeof(d->dst) - 1] = 0;
		d->head = d->n = d->alloc = 0;
		d->pt = NULL;
		for (j = 0; j < s.n && !err; j++) {
			struct hpoint *pt;

			err = get(in, &p, sizeof(p));
			if (err)
				break;
			if (p.nsegs > CMON_MAX_SEGS)
				p.nsegs = CMON_MAX_SEGS;
			pt = next_point(h, d);
			if (!pt)
				err = -ENOMEM;
			else
				*pt = p;
		}
	}
	pthread_mutex_unlock(&h->mu);
	return err;
}

size_t cmon_history_bytes(struct cmon_history *h)
{
	size_t b = sizeof(*h);
	unsigned int i;

	pthread_mutex_lock(&h->mu);
	b += (size_t)h->cap * (sizeof(*h->ct) + MAX_COUNTERS * sizeof(*h->cv));
	b += (size_t)h->salloc * sizeof(*h->s);
	for (i = 0; i < h->ns; i++)
		b += (size_t)h->s[i].alloc * sizeof(struct hpoint);
	pthread_mutex_unlock(&h->mu);
	return b;
}
