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
#define SERIES_HT	1024
#define CHUNK		496	/* bytes of encoded points a chunk holds */
#define POINT_MAX	160	/* the most one encoded point takes */

/*
 * A point as appended and as decoded.  Latencies are the histogram
 * bucket indices of the interval's p50 and p99; rates come from the
 * counts and the interval's length, kept once per tick for all series.
 */
struct hpoint {
	uint64_t tick;			/* appends before this one */
	uint64_t packets, bytes, lost, traced;
	uint8_t has_e2e, nsegs;
	uint16_t e2e[2];
	struct {
		uint8_t from_tp, to_tp;
		uint16_t q[2];
	} seg[CMON_MAX_SEGS];
};

/*
 * Points are stored as differences from the point before (varints,
 * zigzag for signed ones), in chunks; each chunk starts from a zero
 * point, so a chunk decodes on its own and the oldest can go whole.
 * A steady pair's point takes about 15 bytes.
 */
struct hchunk {
	struct hchunk *next;
	uint64_t last_tick;
	uint16_t len;
	uint8_t d[CHUNK];
};

struct hseries {
	struct hseries *hnext;		/* same hash */
	uint32_t saddr, daddr;
	uint8_t proto;
	uint16_t port;
	char src[64], dst[64];
	struct hchunk *oldest, *newest;
	struct hpoint enc;		/* the last point: the next's base */
	double last;
};

struct cmon_history {
	pthread_mutex_t mu;
	unsigned int cap;
	struct hseries **s;
	unsigned int ns, salloc;
	struct hseries *ht[SERIES_HT];
	uint64_t evicted;
	/* ticks: time and length of the last cn intervals, tick k at k % cap */
	uint64_t tick;			/* intervals appended */
	unsigned int cn;
	double *ct;
	double *secs;
	/* monitor counters, per tick */
	unsigned int nc;
	char cname[MAX_COUNTERS][40];
	uint64_t *cv;			/* [cap][MAX_COUNTERS] */
};

struct cmon_history *cmon_history_create(unsigned int points)
{
	struct cmon_history *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->cap = points ? points : 1;
	h->ct = calloc(h->cap, sizeof(*h->ct));
	h->secs = calloc(h->cap, sizeof(*h->secs));
	h->cv = calloc((size_t)h->cap * MAX_COUNTERS, sizeof(*h->cv));
	if (!h->ct || !h->secs || !h->cv) {
		cmon_history_destroy(h);
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_init(&h->mu, NULL);
	return h;
}

static void chunks_free(struct hseries *s)
{
	struct hchunk *c, *n;

	for (c = s->oldest; c; c = n) {
		n = c->next;
		free(c);
	}
	s->oldest = s->newest = NULL;
	memset(&s->enc, 0, sizeof(s->enc));
}

void cmon_history_destroy(struct cmon_history *h)
{
	unsigned int i;

	if (!h)
		return;
	for (i = 0; i < h->ns; i++) {
		chunks_free(h->s[i]);
		free(h->s[i]);
	}
	free(h->s);
	free(h->ct);
	free(h->secs);
	free(h->cv);
	free(h);
}

/* Times are kept as printed (ms), so ?since=T of a printed T is exact. */
static double ms(double t)
{
	return round(t * 1000) / 1000;
}

/* Is tick @k among the last cn? */
static int held(const struct cmon_history *h, uint64_t k)
{
	return k < h->tick && h->tick - k <= h->cn;
}

/* --- encoding --- */

static void put_uv(uint8_t *b, unsigned int *n, uint64_t v)
{
	while (v >= 0x80) {
		b[(*n)++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b[(*n)++] = (uint8_t)v;
}

static void put_sv(uint8_t *b, unsigned int *n, int64_t v)
{
	put_uv(b, n, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

static int get_uv(const uint8_t *b, unsigned int *n, unsigned int len,
		  uint64_t *v)
{
	unsigned int shift = 0;

	*v = 0;
	while (*n < len && shift < 64) {
		uint8_t c = b[(*n)++];

		*v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return 0;
		shift += 7;
	}
	return -1;
}

static int get_sv(const uint8_t *b, unsigned int *n, unsigned int len,
		  int64_t *v)
{
	uint64_t u;

	if (get_uv(b, n, len, &u))
		return -1;
	*v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
	return 0;
}

#define F_E2E		0x01
#define F_LAYOUT	0x02

static int same_layout(const struct hpoint *a, const struct hpoint *b)
{
	unsigned int j;

	if (a->nsegs != b->nsegs)
		return 0;
	for (j = 0; j < a->nsegs; j++)
		if (a->seg[j].from_tp != b->seg[j].from_tp ||
		    a->seg[j].to_tp != b->seg[j].to_tp)
			return 0;
	return 1;
}

/* @p as differences from @b into @out (POINT_MAX bytes); its length. */
static unsigned int encode(const struct hpoint *b, const struct hpoint *p,
			   uint8_t *out)
{
	unsigned int n = 0, j, k;
	uint8_t f = (p->has_e2e ? F_E2E : 0) |
		    (same_layout(b, p) ? 0 : F_LAYOUT) | p->nsegs << 4;

	put_uv(out, &n, p->tick - b->tick);
	out[n++] = f;
	put_sv(out, &n, (int64_t)(p->packets - b->packets));
	put_sv(out, &n, (int64_t)(p->bytes - b->bytes));
	put_uv(out, &n, p->lost);
	put_sv(out, &n, (int64_t)(p->traced - b->traced));
	for (k = 0; k < 2 && p->has_e2e; k++)
		put_sv(out, &n, (int)p->e2e[k] - b->e2e[k]);
	for (j = 0; j < p->nsegs && (f & F_LAYOUT); j++) {
		out[n++] = p->seg[j].from_tp;
		out[n++] = p->seg[j].to_tp;
	}
	for (j = 0; j < p->nsegs; j++)
		for (k = 0; k < 2; k++)
			put_sv(out, &n, (int)p->seg[j].q[k] - b->seg[j].q[k]);
	return n;
}

/* The point after @p (its base) from @d at *@n; 0, or -1 at the end or
 * on bytes that are not a point (@p and *@n unchanged). */
static int decode(struct hpoint *p, const uint8_t *d, unsigned int *n,
		  unsigned int len)
{
	struct hpoint q = *p;
	unsigned int at = *n, j, k;
	uint64_t u;
	int64_t v;
	uint8_t f;

	if (at >= len || get_uv(d, &at, len, &u) || at >= len)
		return -1;
	q.tick += u;
	f = d[at++];
	if ((f >> 4) > CMON_MAX_SEGS)
		return -1;
	if (get_sv(d, &at, len, &v))
		return -1;
	q.packets += (uint64_t)v;
	if (get_sv(d, &at, len, &v))
		return -1;
	q.bytes += (uint64_t)v;
	if (get_uv(d, &at, len, &q.lost) || get_sv(d, &at, len, &v))
		return -1;
	q.traced += (uint64_t)v;
	q.has_e2e = f & F_E2E;
	for (k = 0; k < 2 && q.has_e2e; k++) {
		if (get_sv(d, &at, len, &v))
			return -1;
		q.e2e[k] = (uint16_t)(q.e2e[k] + v);
	}
	q.nsegs = f >> 4;
	for (j = 0; j < q.nsegs && (f & F_LAYOUT); j++) {
		if (at + 2 > len)
			return -1;
		q.seg[j].from_tp = d[at++];
		q.seg[j].to_tp = d[at++];
	}
	for (j = 0; j < q.nsegs; j++)
		for (k = 0; k < 2; k++) {
			if (get_sv(d, &at, len, &v))
				return -1;
			q.seg[j].q[k] = (uint16_t)(q.seg[j].q[k] + v);
		}
	*p = q;
	*n = at;
	return 0;
}

/* Append @p to @s: 0, or -ENOMEM (the point is not kept). */
static int series_add(struct hseries *s, const struct hpoint *p)
{
	static const struct hpoint zero;
	uint8_t buf[POINT_MAX];
	struct hchunk *c = s->newest;
	unsigned int n = 0;

	if (c)
		n = encode(&s->enc, p, buf);
	if (!c || c->len + n > CHUNK) {
		c = malloc(sizeof(*c));
		if (!c)
			return -ENOMEM;
		c->next = NULL;
		c->len = 0;
		n = encode(&zero, p, buf);
		if (s->newest)
			s->newest->next = c;
		else
			s->oldest = c;
		s->newest = c;
	}
	memcpy(c->d + c->len, buf, n);
	c->len += n;
	c->last_tick = p->tick;
	s->enc = *p;
	return 0;
}

/* Call @fn on each of @s's points still held, oldest first; stops when
 * it returns nonzero.  Returns the points visited. */
static unsigned int series_walk(const struct cmon_history *h,
				const struct hseries *s,
				int (*fn)(const struct cmon_history *h,
					  const struct hpoint *p, void *arg),
				void *arg)
{
	const struct hchunk *c;
	unsigned int n = 0, at;
	struct hpoint p;

	for (c = s->oldest; c; c = c->next) {
		memset(&p, 0, sizeof(p));
		for (at = 0; !decode(&p, c->d, &at, c->len);) {
			if (!held(h, p.tick))
				continue;
			n++;
			if (fn && fn(h, &p, arg))
				return n;
		}
	}
	return n;
}

/* Drop @s's chunks whose points have all left the ticks held. */
static void series_trim(struct cmon_history *h, struct hseries *s)
{
	struct hchunk *c;

	while ((c = s->oldest) && !held(h, c->last_tick)) {
		s->oldest = c->next;
		free(c);
	}
	if (!s->oldest)
		chunks_free(s);
}

static unsigned int series_hash(uint32_t saddr, uint32_t daddr, uint8_t proto,
				uint16_t port)
{
	uint64_t k = ((uint64_t)saddr << 32 | daddr) * 0x9e3779b97f4a7c15ULL;

	return (unsigned int)((k >> 40) ^ proto ^ (uint32_t)port << 8) %
	       SERIES_HT;
}

static void series_unhash(struct cmon_history *h, struct hseries *s)
{
	struct hseries **pp = &h->ht[series_hash(s->saddr, s->daddr,
						  s->proto, s->port)];

	while (*pp && *pp != s)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = s->hnext;
}

/* @s's slot takes the pair's key and names. */
static void series_key(struct cmon_history *h, struct hseries *s,
		       uint32_t saddr, uint32_t daddr, uint8_t proto,
		       uint16_t port)
{
	unsigned int b = series_hash(saddr, daddr, proto, port);

	s->saddr = saddr;
	s->daddr = daddr;
	s->proto = proto;
	s->port = port;
	s->hnext = h->ht[b];
	h->ht[b] = s;
}

static struct hseries *series(struct cmon_history *h,
			      const struct cmon_view *v,
			      const struct cmon_pair_stats *p)
{
	struct hseries *s, **ns;
	unsigned int i, old = 0;

	for (s = h->ht[series_hash(p->saddr, p->daddr, p->proto, p->port)];
	     s; s = s->hnext)
		if (s->saddr == p->saddr && s->daddr == p->daddr &&
		    s->proto == p->proto && s->port == p->port)
			return s;
	if (h->ns == MAX_SERIES) {
		/* full: the series idle longest goes (counted) */
		for (i = 1; i < h->ns; i++)
			if (h->s[i]->last < h->s[old]->last)
				old = i;
		s = h->s[old];
		series_unhash(h, s);
		chunks_free(s);
		h->evicted++;
	} else {
		if (h->ns == h->salloc) {
			unsigned int n = h->salloc ? h->salloc * 2 : 16;

			ns = realloc(h->s, n * sizeof(*ns));
			if (!ns)
				return NULL;
			h->s = ns;
			h->salloc = n;
		}
		s = calloc(1, sizeof(*s));
		if (!s)
			return NULL;
		h->s[h->ns++] = s;
	}
	series_key(h, s, p->saddr, p->daddr, p->proto, p->port);
	cmon_view_ip(v, p->saddr, s->src, sizeof(s->src));
	cmon_view_ip(v, p->daddr, s->dst, sizeof(s->dst));
	return s;
}

/* Series with no point held any more go: idle pairs cost nothing. */
static void series_expire(struct cmon_history *h)
{
	unsigned int i, n = 0;

	for (i = 0; i < h->ns; i++) {
		struct hseries *s = h->s[i];

		series_trim(h, s);
		if (s->oldest) {
			h->s[n++] = s;
		} else {
			series_unhash(h, s);
			free(s);
		}
	}
	h->ns = n;
}

static uint16_t q_index(const struct cmon_hist *hi, double q)
{
	return (uint16_t)cmon_hist_index(cmon_hist_quantile(hi, q));
}

void cmon_history_append(struct cmon_history *h, const struct cmon_view *v)
{
	unsigned int i, j, slot = h->tick % h->cap;
	uint64_t tick = h->tick;
	const char *n;

	pthread_mutex_lock(&h->mu);
	/* the tick: its time, length and counters (names fixed by the
	 * first interval) */
	if (!h->nc) {
		for (i = 0; i < v->ncounters && i < MAX_COUNTERS; i++)
			snprintf(h->cname[i], sizeof(h->cname[i]), "%s",
				 v->counters[i].name);
		h->nc = i;
	}
	h->ct[slot] = ms(v->time);
	h->secs[slot] = v->interval;
	for (i = 0; i < h->nc; i++)
		h->cv[(size_t)slot * MAX_COUNTERS + i] =
			i < v->ncounters ? v->counters[i].value : 0;
	h->tick++;
	if (h->cn < h->cap)
		h->cn++;
	for (i = 0; i < cmon_agg_npairs(v->agg); i++) {
		const struct cmon_pair_stats *p = cmon_view_pair(v, i);
		struct hseries *s;
		struct hpoint pt;

		if (!p || !p->active || !(s = series(h, v, p)))
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
		pt = s->enc;
		pt.tick = tick;
		pt.packets = p->packets;
		pt.bytes = p->bytes;
		pt.lost = p->lost;
		pt.traced = p->traced;
		pt.has_e2e = p->e2e.count > 0;
		if (pt.has_e2e) {
			pt.e2e[0] = q_index(&p->e2e, 0.5);
			pt.e2e[1] = q_index(&p->e2e, 0.99);
		}
		pt.nsegs = 0;
		for (j = 0; j < p->nsegs; j++) {
			const struct cmon_seg_stats *g = &p->seg[j];

			if (!g->hist.count)
				continue;
			pt.seg[pt.nsegs].from_tp = g->from_tp;
			pt.seg[pt.nsegs].to_tp = g->to_tp;
			pt.seg[pt.nsegs].q[0] = q_index(&g->hist, 0.5);
			pt.seg[pt.nsegs++].q[1] = q_index(&g->hist, 0.99);
		}
		series_add(s, &pt);
	}
	series_expire(h);
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
	if (s->port)
		fprintf(out, ",\"port\":%u", s->port);
	else
		fputs(",\"port\":null", out);
}

void cmon_history_index(struct cmon_history *h, FILE *out)
{
	unsigned int i;

	pthread_mutex_lock(&h->mu);
	fprintf(out, "{\"capacity\":%u,\"series\":[", h->cap);
	for (i = 0; i < h->ns; i++) {
		fputs(i ? ",{" : "{", out);
		pair_keys(out, h->s[i]);
		fprintf(out, ",\"points\":%u,\"last\":%.3f}",
			series_walk(h, h->s[i], NULL, NULL), h->s[i]->last);
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

static double us(unsigned int idx)
{
	return cmon_hist_mid(idx < CMON_HIST_BUCKETS ? idx :
			     CMON_HIST_BUCKETS - 1) / 1e3;
}

struct print_arg {
	FILE *out;
	double since;
	unsigned int n;
};

static int print_point(const struct cmon_history *h, const struct hpoint *p,
		       void *arg)
{
	struct print_arg *a = arg;
	unsigned int slot = p->tick % h->cap, j;
	double t = h->ct[slot], secs = h->secs[slot];
	char seg[40];

	if (t <= a->since)
		return 0;
	fprintf(a->out, "%s{\"t\":%.3f,\"pps\":%.1f,\"bps\":%.1f,"
		"\"packets\":%llu,\"lost\":%llu,\"loss_ratio\":%.6f,"
		"\"traced\":%llu", a->n++ ? "," : "", t,
		secs > 0 ? p->packets / secs : 0,
		secs > 0 ? p->bytes * 8 / secs : 0,
		(unsigned long long)p->packets, (unsigned long long)p->lost,
		!p->packets ? 0 : p->lost >= p->packets ? 1 :
		(double)p->lost / p->packets, (unsigned long long)p->traced);
	if (p->has_e2e)
		fprintf(a->out, ",\"e2e_p50_us\":%.3f,\"e2e_p99_us\":%.3f",
			us(p->e2e[0]), us(p->e2e[1]));
	else
		fputs(",\"e2e_p50_us\":null,\"e2e_p99_us\":null", a->out);
	fputs(",\"hops\":[", a->out);
	for (j = 0; j < p->nsegs; j++)
		fprintf(a->out, "%s{\"hop\":\"%s\",\"p50_us\":%.3f,"
			"\"p99_us\":%.3f}", j ? "," : "",
			cmon_seg_label(p->seg[j].from_tp, p->seg[j].to_tp,
				       seg, sizeof(seg)),
			us(p->seg[j].q[0]), us(p->seg[j].q[1]));
	fputs("]}", a->out);
	return 0;
}

int cmon_history_pair(struct cmon_history *h, FILE *out, const char *src,
		      const char *dst, const char *proto, int port,
		      double since)
{
	struct print_arg a = { out, since, 0 };
	const struct hseries *s = NULL;
	unsigned int i;

	pthread_mutex_lock(&h->mu);
	for (i = 0; i < h->ns && !s; i++)
		if (matches(h->s[i]->src, h->s[i]->saddr, src) &&
		    matches(h->s[i]->dst, h->s[i]->daddr, dst) &&
		    (!proto ||
		     !strcmp(proto, cmon_proto_name(h->s[i]->proto))) &&
		    (port < 0 || port == h->s[i]->port))
			s = h->s[i];
	if (!s) {
		pthread_mutex_unlock(&h->mu);
		return -ENOENT;
	}
	fputc('{', out);
	pair_keys(out, s);
	fputs(",\"points\":[", out);
	series_walk(h, s, print_point, &a);
	fputs("]}", out);
	pthread_mutex_unlock(&h->mu);
	return 0;
}

void cmon_history_monitor(struct cmon_history *h, FILE *out, double since)
{
	unsigned int j, n = 0, slot;
	uint64_t k;

	pthread_mutex_lock(&h->mu);
	fputs("{\"counters\":[", out);
	for (j = 0; j < h->nc; j++) {
		fputs(j ? "," : "", out);
		cmon_json_str(out, h->cname[j]);
	}
	fputs("],\"points\":[", out);
	for (k = h->tick - h->cn; k < h->tick; k++) {
		slot = k % h->cap;
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
 * The hand-over format: a header, the counters' names, the ticks held
 * (oldest first: time, length, counters), then each series: its key,
 * names and chunks.  Only the same build reads it back.
 */
struct hheader {
	char magic[8];
	uint32_t max_counters, chunk, cap, cn, nc, ns;
	uint64_t tick;
};

struct hsaved {
	uint32_t saddr, daddr;
	uint8_t proto;
	uint16_t port;
	char src[64], dst[64];
	double last;
	uint32_t nchunks;
};

#define HMAGIC "cmonhs03"

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
	struct hheader hd = { .max_counters = MAX_COUNTERS, .chunk = CHUNK,
			      .cap = h->cap };
	const struct hchunk *c;
	unsigned int i, slot;
	uint64_t k;
	int err;

	memcpy(hd.magic, HMAGIC, sizeof(hd.magic));
	pthread_mutex_lock(&h->mu);
	hd.tick = h->tick;
	hd.cn = h->cn;
	hd.nc = h->nc;
	hd.ns = h->ns;
	err = put(out, &hd, sizeof(hd)) ?:
	      put(out, h->cname, sizeof(h->cname));
	for (k = h->tick - h->cn; k < h->tick && !err; k++) {
		slot = k % h->cap;
		err = put(out, &h->ct[slot], sizeof(*h->ct)) ?:
		      put(out, &h->secs[slot], sizeof(*h->secs)) ?:
		      put(out, &h->cv[(size_t)slot * MAX_COUNTERS],
			  MAX_COUNTERS * sizeof(*h->cv));
	}
	for (i = 0; i < h->ns && !err; i++) {
		const struct hseries *s = h->s[i];
		struct hsaved hs = { .saddr = s->saddr, .daddr = s->daddr,
				     .proto = s->proto, .port = s->port,
				     .last = s->last };

		memcpy(hs.src, s->src, sizeof(hs.src));
		memcpy(hs.dst, s->dst, sizeof(hs.dst));
		for (c = s->oldest; c; c = c->next)
			hs.nchunks++;
		err = put(out, &hs, sizeof(hs));
		for (c = s->oldest; c && !err; c = c->next)
			err = put(out, &c->len, sizeof(c->len)) ?:
			      put(out, c->d, c->len);
	}
	pthread_mutex_unlock(&h->mu);
	return err ?: fflush(out) ? -errno : 0;
}

/* A chunk read back: its points decode to the end, and the last is
 * the series' base for the next. */
static int chunk_load(FILE *in, struct hseries *s)
{
	struct hchunk *c = malloc(sizeof(*c));
	struct hpoint p = { 0 };
	unsigned int at = 0, n = 0;

	if (!c)
		return -ENOMEM;
	c->next = NULL;
	if (get(in, &c->len, sizeof(c->len)) || c->len > CHUNK ||
	    get(in, c->d, c->len)) {
		free(c);
		return -EINVAL;
	}
	while (!decode(&p, c->d, &at, c->len))
		n++;
	if (!n || at != c->len) {
		free(c);
		return -EINVAL;
	}
	c->last_tick = p.tick;
	if (s->newest)
		s->newest->next = c;
	else
		s->oldest = c;
	s->newest = c;
	s->enc = p;
	return 0;
}

int cmon_history_load(struct cmon_history *h, FILE *in)
{
	struct hheader hd;
	struct hsaved hs;
	struct hseries *s, **ns;
	unsigned int i, j, slot;
	double t;
	double secs;
	uint64_t cv[MAX_COUNTERS];
	int err;

	if (get(in, &hd, sizeof(hd)) || memcmp(hd.magic, HMAGIC, 8) ||
	    hd.max_counters != MAX_COUNTERS || hd.chunk != CHUNK ||
	    hd.nc > MAX_COUNTERS || hd.ns > MAX_SERIES || hd.cn > hd.cap ||
	    hd.cn > hd.tick)
		return -EINVAL;
	pthread_mutex_lock(&h->mu);
	err = get(in, h->cname, sizeof(h->cname));
	for (i = 0; i < MAX_COUNTERS; i++)
		h->cname[i][sizeof(h->cname[i]) - 1] = 0;
	h->nc = hd.nc;
	/* the newest ticks that fit */
	h->tick = hd.tick - hd.cn;
	h->cn = 0;
	for (i = 0; i < hd.cn && !err; i++) {
		err = get(in, &t, sizeof(t)) ?: get(in, &secs, sizeof(secs)) ?:
		      get(in, cv, sizeof(cv));
		if (err)
			break;
		slot = h->tick % h->cap;
		h->ct[slot] = t;
		h->secs[slot] = secs;
		memcpy(&h->cv[(size_t)slot * MAX_COUNTERS], cv, sizeof(cv));
		h->tick++;
		if (h->cn < h->cap)
			h->cn++;
	}
	for (i = 0; i < hd.ns && !err; i++) {
		err = get(in, &hs, sizeof(hs));
		if (err)
			break;
		if (h->ns == h->salloc) {
			unsigned int n = h->salloc ? h->salloc * 2 : 16;

			ns = realloc(h->s, n * sizeof(*ns));
			if (!ns) {
				err = -ENOMEM;
				break;
			}
			h->s = ns;
			h->salloc = n;
		}
		s = calloc(1, sizeof(*s));
		if (!s) {
			err = -ENOMEM;
			break;
		}
		h->s[h->ns++] = s;
		series_key(h, s, hs.saddr, hs.daddr, hs.proto, hs.port);
		memcpy(s->src, hs.src, sizeof(s->src));
		memcpy(s->dst, hs.dst, sizeof(s->dst));
		s->src[sizeof(s->src) - 1] = s->dst[sizeof(s->dst) - 1] = 0;
		s->last = hs.last;
		for (j = 0; j < hs.nchunks && !err; j++)
			err = chunk_load(in, s);
	}
	series_expire(h);
	pthread_mutex_unlock(&h->mu);
	return err;
}

size_t cmon_history_bytes(struct cmon_history *h)
{
	size_t b = sizeof(*h);
	const struct hchunk *c;
	unsigned int i;

	pthread_mutex_lock(&h->mu);
	b += (size_t)h->cap * (sizeof(*h->ct) + sizeof(*h->secs) +
			       MAX_COUNTERS * sizeof(*h->cv));
	b += (size_t)h->salloc * sizeof(*h->s);
	for (i = 0; i < h->ns; i++) {
		b += sizeof(struct hseries);
		for (c = h->s[i]->oldest; c; c = c->next)
			b += sizeof(*c);
	}
	pthread_mutex_unlock(&h->mu);
	return b;
}

unsigned int cmon_history_series(struct cmon_history *h)
{
	unsigned int n;

	pthread_mutex_lock(&h->mu);
	n = h->ns;
	pthread_mutex_unlock(&h->mu);
	return n;
}

uint64_t cmon_history_evicted(struct cmon_history *h)
{
	uint64_t n;

	pthread_mutex_lock(&h->mu);
	n = h->evicted;
	pthread_mutex_unlock(&h->mu);
	return n;
}
