// SPDX-License-Identifier: BSD-2-Clause
/* Polling other nodes' exporters: see peers.h. */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "clock.h"
#include "log.h"
#include "peers.h"
#include "view.h"

#define MAX_PEERS	32
#define MAX_LINKS	64
#define MAX_COUNTERS	65536
#define FRESH_S		10
/* found peers: the registry asked this often; one no longer in it is
 * still polled (and shown down) this long */
#define FIND_S		5
#define GONE_S		600

/* A response being read. */
struct body {
	char *buf;
	size_t len;
};

struct peer {
	char *base;			/* as given or found */
	int found;			/* found in the registry (find()) */
	double gone;			/* monotonic time it left it, or 0 */
	char *url;			/* .../api/v1/metrics */
	char shown[512];		/* url without its token, for logs */
	char *counters_url;		/* .../api/v1/counters */
	char *topology_url;		/* .../api/v1/topology */
	CURL *curl;
	struct body rx;			/* the response being read */
	int up, told;
	double at;			/* monotonic time of the links */
	/* for the cluster view: its name, why it did not answer, its last
	 * good documents (JSON objects, as they came) */
	char node[64], error[160];
	char *metrics, *topology;
	unsigned int nlinks;
	struct cmon_peer_link links[MAX_LINKS];
	unsigned int ncounters;
	struct cmon_hop_counter *counters;	/* [MAX_COUNTERS] */
};

struct cmon_peers {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
	unsigned int n;
	struct peer peer[MAX_PEERS];
	uint64_t left_out;		/* links and counters beyond bounds */
	cmon_peers_find_fn find;
	void *find_ctx;
	double found_at;
	int full_told;
};

/* @n found, room for @max: how many to take; the rest counted. */
static unsigned int fit(struct cmon_peers *ps, unsigned int n,
			unsigned int max)
{
	if (n <= max)
		return n;
	ps->left_out += n - max;
	return max;
}

static size_t take(char *data, size_t sz, size_t nm, void *ctx)
{
	struct body *b = ctx;
	size_t n = sz * nm;
	char *nb;

	if (b->len + n > (64u << 20))
		return 0;		/* no peer document is that large */
	nb = realloc(b->buf, b->len + n + 1);
	if (!nb)
		return 0;
	memcpy(nb + b->len, data, n);
	b->len += n;
	nb[b->len] = 0;
	b->buf = nb;
	return n;
}

/* @c reads into @b, waiting at most 1 s to connect and 2 s in all. */
static void transfer_into(CURL *c, struct body *b)
{
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 2000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, take);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
}

/* GET @url into p->rx; the HTTP status, or -1 (*rc says why). */
static long get(struct peer *p, const char *url, CURLcode *rc)
{
	long code = -1;

	p->rx.len = 0;
	if (p->rx.buf)
		p->rx.buf[0] = 0;
	curl_easy_setopt(p->curl, CURLOPT_URL, url);
	*rc = curl_easy_perform(p->curl);
	if (*rc == CURLE_OK)
		curl_easy_getinfo(p->curl, CURLINFO_RESPONSE_CODE, &code);
	return code;
}

/* GET @url: its body if it is a JSON object (its "node" into @node),
 * else NULL with why in @why. */
static char *get_doc(struct peer *p, const char *url, char *node,
		     size_t nlen, char *why, size_t wlen)
{
	CURLcode rc;
	long code = get(p, url, &rc);

	if (rc != CURLE_OK)
		snprintf(why, wlen, "%s", curl_easy_strerror(rc));
	else if (code != 200)
		snprintf(why, wlen, "HTTP status %ld", code);
	else if (!p->rx.buf || cmon_peers_parse_doc(p->rx.buf, node, nlen))
		snprintf(why, wlen, "not a cmon document");
	else
		return strdup(p->rx.buf);
	return NULL;
}

static void poll_one(struct cmon_peers *ps, struct peer *p)
{
	static struct cmon_hop_counter counters[MAX_COUNTERS];
	struct cmon_peer_link links[MAX_LINKS];
	unsigned int n = 0, nc = 0;
	char node[64] = "", why[160] = "", tnode[64], *metrics, *topo = NULL;
	CURLcode rc;

	/* counters first: they are older than the links, never newer */
	if (get(p, p->counters_url, &rc) == 200 && p->rx.buf)
		nc = cmon_peers_parse_counters(p->rx.buf, counters,
					       MAX_COUNTERS);
	metrics = get_doc(p, p->url, node, sizeof(node), why, sizeof(why));
	if (metrics) {
		n = cmon_peers_parse(metrics, links, MAX_LINKS);
		topo = get_doc(p, p->topology_url, tnode, sizeof(tnode), why,
			       sizeof(why));
	}
	pthread_mutex_lock(&ps->mu);
	nc = fit(ps, nc, MAX_COUNTERS);
	n = fit(ps, n, MAX_LINKS);
	if (nc && !p->counters)
		p->counters = malloc(MAX_COUNTERS * sizeof(*p->counters));
	if (p->counters) {
		memcpy(p->counters, counters, nc * sizeof(*counters));
		p->ncounters = nc;
	}
	if (metrics && topo) {
		if (!p->up)
			cmon_info("peer %s answers", p->shown);
		p->up = 1;
		p->told = 0;
		p->nlinks = n;
		memcpy(p->links, links, n * sizeof(links[0]));
		p->at = cmon_time_mono();
		snprintf(p->node, sizeof(p->node), "%s", node);
		p->error[0] = 0;
		free(p->metrics);
		free(p->topology);
		p->metrics = metrics;
		p->topology = topo;
	} else {
		if (p->up || !p->told++)
			cmon_warn("peer %s: %s; cross-node latencies need its "
				  "delays (is cmon-dpdk --http running there?)",
				  p->shown, why);
		p->up = 0;
		snprintf(p->error, sizeof(p->error), "%s", why);
		free(metrics);
	}
	pthread_mutex_unlock(&ps->mu);
}

static void discover(struct cmon_peers *ps);

static void *run(void *arg)
{
	struct cmon_peers *ps = arg;
	struct timespec ts;
	unsigned int i;

	pthread_mutex_lock(&ps->mu);
	while (!ps->stop) {
		pthread_mutex_unlock(&ps->mu);
		if (ps->find && cmon_time_mono() - ps->found_at >= FIND_S)
			discover(ps);
		for (i = 0; i < ps->n; i++)
			poll_one(ps, &ps->peer[i]);
		pthread_mutex_lock(&ps->mu);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		if (!ps->stop)
			pthread_cond_timedwait(&ps->cv, &ps->mu, &ts);
	}
	pthread_mutex_unlock(&ps->mu);
	return NULL;
}

static void peer_free(struct peer *p)
{
	free(p->base);
	free(p->url);
	free(p->counters_url);
	free(p->topology_url);
	free(p->counters);
	free(p->metrics);
	free(p->topology);
	free(p->rx.buf);
	if (p->curl)
		curl_easy_cleanup(p->curl);
	memset(p, 0, sizeof(*p));
}

/* @p polls the exporter at @url; 0, or -1 (why logged, @p freed). */
static int peer_init(struct peer *p, const char *url, int found)
{
	const char *q = strchr(url, '?');
	size_t l = q ? (size_t)(q - url) : strlen(url);

	memset(p, 0, sizeof(*p));
	if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)) {
		cmon_err("--peer: \"%s\" is not an http:// URL of another "
			 "node's cmon-dpdk --http",
			 cmon_url_redact(url, p->shown, sizeof(p->shown)));
		return -1;
	}
	while (l && url[l - 1] == '/')
		l--;
	/* a ?token=T query stays on the API path */
	if (!(p->base = strdup(url)) ||
	    asprintf(&p->url, "%.*s/api/v1/metrics%s", (int)l, url,
		     q ? q : "") < 0 ||
	    asprintf(&p->counters_url, "%.*s/api/v1/counters%s", (int)l, url,
		     q ? q : "") < 0 ||
	    asprintf(&p->topology_url, "%.*s/api/v1/topology%s", (int)l, url,
		     q ? q : "") < 0 ||
	    !(p->curl = curl_easy_init())) {
		cmon_err("peer %s: out of memory", url);
		peer_free(p);
		return -1;
	}
	p->found = found;
	cmon_url_redact(p->url, p->shown, sizeof(p->shown));
	transfer_into(p->curl, &p->rx);
	return 0;
}

/* Peers from the registry: new ones polled from now on, those gone from
 * it kept a while (shown down), then dropped.  Only this thread changes
 * the set; readers hold the lock. */
static void discover(struct cmon_peers *ps)
{
	static char urls[MAX_PEERS][512];
	double now = cmon_time_mono();
	int n = ps->find(ps->find_ctx, urls, MAX_PEERS);
	unsigned int i, k;
	int j;

	ps->found_at = now;
	if (n < 0)
		return;			/* unknown now: keep what we have */
	pthread_mutex_lock(&ps->mu);
	for (i = 0; i < ps->n; i++) {
		struct peer *p = &ps->peer[i];

		for (j = 0; j < n && strcmp(urls[j], p->base); j++)
			;
		if (p->found && j == n && !p->gone)
			p->gone = now;
		else if (j < n)
			p->gone = 0;
	}
	for (j = 0; j < n; j++) {
		for (i = 0; i < ps->n && strcmp(urls[j], ps->peer[i].base); i++)
			;
		if (i < ps->n)
			continue;
		if (ps->n == MAX_PEERS) {
			if (!ps->full_told++)
				cmon_warn("peers: more than %d nodes: the "
					  "others are not read", MAX_PEERS);
			continue;
		}
		if (!peer_init(&ps->peer[ps->n], urls[j], 1)) {
			cmon_info("peer %s found in the registry",
				  ps->peer[ps->n].shown);
			ps->n++;
		}
	}
	for (i = k = 0; i < ps->n; i++)
		if (ps->peer[i].gone && now - ps->peer[i].gone > GONE_S) {
			peer_free(&ps->peer[i]);
		} else if (k++ != i) {
			/* (its transfers write where it is now) */
			ps->peer[k - 1] = ps->peer[i];
			curl_easy_setopt(ps->peer[k - 1].curl,
					 CURLOPT_WRITEDATA,
					 &ps->peer[k - 1].rx);
		}
	ps->n = k;
	pthread_mutex_unlock(&ps->mu);
}

struct cmon_peers *cmon_peers_start(const char *const *urls, unsigned int n,
				    cmon_peers_find_fn find, void *ctx)
{
	struct cmon_peers *ps;
	unsigned int i;

	if (n > MAX_PEERS) {
		cmon_err("--peer: at most %d peers", MAX_PEERS);
		return NULL;
	}
	ps = calloc(1, sizeof(*ps));
	if (!ps)
		return NULL;
	ps->find = find;
	ps->find_ctx = ctx;
	for (i = 0; i < n; i++) {
		if (peer_init(&ps->peer[i], urls[i], 0))
			goto fail;
		ps->n++;
	}
	pthread_mutex_init(&ps->mu, NULL);
	pthread_cond_init(&ps->cv, NULL);
	if (pthread_create(&ps->thread, NULL, run, ps)) {
		cmon_err("--peer: cannot start its thread");
		goto fail;
	}
	return ps;
fail:
	for (i = 0; i < ps->n; i++)
		peer_free(&ps->peer[i]);
	free(ps);
	return NULL;
}

unsigned int cmon_peers_links(struct cmon_peers *ps,
			      struct cmon_peer_link *out, unsigned int max)
{
	double now = cmon_time_mono();
	unsigned int i, j, n = 0;

	pthread_mutex_lock(&ps->mu);
	for (i = 0; i < ps->n; i++) {
		const struct peer *p = &ps->peer[i];

		if (!p->at || now - p->at > FRESH_S)
			continue;
		for (j = fit(ps, p->nlinks, max - n); j; j--)
			out[n++] = p->links[p->nlinks - j];
	}
	pthread_mutex_unlock(&ps->mu);
	return n;
}

unsigned int cmon_peers_counters(struct cmon_peers *ps,
				 struct cmon_hop_counter *out, unsigned int max)
{
	double now = cmon_time_mono();
	unsigned int i, n = 0, k;

	pthread_mutex_lock(&ps->mu);
	for (i = 0; i < ps->n; i++) {
		const struct peer *p = &ps->peer[i];

		/* (a peer that sent no counters yet has no array) */
		if (!p->at || now - p->at > FRESH_S || !p->counters)
			continue;
		k = fit(ps, p->ncounters, max - n);
		memcpy(out + n, p->counters, k * sizeof(*out));
		n += k;
	}
	pthread_mutex_unlock(&ps->mu);
	return n;
}

void cmon_peers_cluster(struct cmon_peers *ps, FILE *out)
{
	double now = cmon_time_mono();
	char url[512], why[256], *q;
	unsigned int i;

	pthread_mutex_lock(&ps->mu);
	for (i = 0; i < ps->n; i++) {
		const struct peer *p = &ps->peer[i];

		/* the exporter's own URL, as the page would open it */
		snprintf(url, sizeof(url), "%s", p->shown);
		if ((q = strstr(url, "/api/v1/metrics")))
			strcpy(q, "/");
		fputs(",{\"node\":", out);
		if (p->metrics)
			cmon_json_str(out, p->node);
		else
			fputs("null", out);
		fputs(",\"self\":false,\"url\":", out);
		cmon_json_str(out, url);
		fprintf(out, ",\"up\":%s,\"age_s\":", p->up ? "true" : "false");
		if (p->at)
			fprintf(out, "%.1f", now - p->at);
		else
			fputs("null", out);
		fputs(",\"error\":", out);
		if (p->gone) {
			snprintf(why, sizeof(why), "left the registry %.0f s "
				 "ago%s%s", now - p->gone, p->up ? "" : ": ",
				 p->up ? "" : p->error);
			cmon_json_str(out, why);
		} else if (p->up || !p->error[0])
			fputs("null", out);
		else
			cmon_json_str(out, p->error);
		fprintf(out, ",\"metrics\":%s,\"topology\":%s}",
			p->metrics ? p->metrics : "null",
			p->topology ? p->topology : "null");
	}
	pthread_mutex_unlock(&ps->mu);
}

int cmon_peers_history(struct cmon_peers *ps, const char *node,
		       const char *src, const char *dst, const char *proto,
		       int port, double since, FILE *out)
{
	struct body b = { NULL, 0 };
	char base[1024] = "", *url = NULL, *es, *ed, *ep, *q, n[64];
	const char *tok = "";
	CURL *c = NULL;
	long code = 0;
	unsigned int i;
	int rc = -EIO;

	pthread_mutex_lock(&ps->mu);
	for (i = 0; i < ps->n && !base[0]; i++)
		if (ps->peer[i].metrics && !strcmp(ps->peer[i].node, node))
			snprintf(base, sizeof(base), "%s", ps->peer[i].base);
	pthread_mutex_unlock(&ps->mu);
	if (!base[0])
		return -ENOENT;
	/* its ?token=T goes after the query */
	if ((q = strchr(base, '?'))) {
		*q = 0;
		tok = q + 1;
	}
	while (*base && base[strlen(base) - 1] == '/')
		base[strlen(base) - 1] = 0;
	if (!(c = curl_easy_init()))
		return -EIO;
	es = curl_easy_escape(c, src, 0);
	ed = curl_easy_escape(c, dst, 0);
	ep = curl_easy_escape(c, proto ? proto : "", 0);
	snprintf(n, sizeof(n), "%d", port);
	if (es && ed && ep &&
	    asprintf(&url, "%s/api/v1/history?src=%s&dst=%s%s%s%s%s&since=%.3f"
		     "%s%s", base, es, ed, proto ? "&proto=" : "", ep,
		     port >= 0 ? "&port=" : "", port >= 0 ? n : "", since,
		     *tok ? "&" : "", tok) < 0)
		url = NULL;
	if (url) {
		curl_easy_setopt(c, CURLOPT_URL, url);
		transfer_into(c, &b);
		if (curl_easy_perform(c) == CURLE_OK)
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	}
	if (code == 200 && b.buf && !cmon_peers_parse_doc(b.buf, n, sizeof(n))) {
		fputs(b.buf, out);
		rc = 0;
	} else if (code == 404) {
		rc = -ENOENT;
	}
	curl_free(es);
	curl_free(ed);
	curl_free(ep);
	free(url);
	free(b.buf);
	curl_easy_cleanup(c);
	return rc;
}

uint64_t cmon_peers_left_out(struct cmon_peers *ps)
{
	uint64_t n;

	pthread_mutex_lock(&ps->mu);
	n = ps->left_out;
	pthread_mutex_unlock(&ps->mu);
	return n;
}

unsigned int cmon_peers_up(struct cmon_peers *ps, unsigned int *total)
{
	unsigned int i, up = 0;

	pthread_mutex_lock(&ps->mu);
	for (i = 0; i < ps->n; i++)
		up += ps->peer[i].up;
	*total = ps->n;
	pthread_mutex_unlock(&ps->mu);
	return up;
}

void cmon_peers_stop(struct cmon_peers *ps)
{
	unsigned int i;

	if (!ps)
		return;
	pthread_mutex_lock(&ps->mu);
	ps->stop = 1;
	pthread_cond_signal(&ps->cv);
	pthread_mutex_unlock(&ps->mu);
	pthread_join(ps->thread, NULL);
	for (i = 0; i < ps->n; i++)
		peer_free(&ps->peer[i]);
	free(ps);
}
