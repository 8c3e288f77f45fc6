// SPDX-License-Identifier: BSD-2-Clause
/* The exporter's HTTP server: see http.h. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "http.h"
#include "peers.h"
#include "log.h"

#define MAX_CLIENTS	64
#define SSE_KEEPALIVE_S	15

/* One published set of documents, shared by the requests that read it. */
struct snap {
	unsigned int refs;
	unsigned long long seq;
	char *doc[CMON_NDOCS];
	size_t len[CMON_NDOCS];
};

struct cmon_http {
	struct MHD_Daemon *d;
	int fd;				/* until libmicrohttpd has it */
	unsigned int port;
	char url[64];
	char *token;
	const char *web_root;
	struct cmon_history *hist;
	struct cmon_peers *peers;	/* set at start: other nodes' history */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct snap *snap;
	int stopping;
	unsigned int clients;
	unsigned int streams;		/* live event streams */
};

static void snap_put(struct snap *s)
{
	unsigned int i;

	if (!s || --s->refs)
		return;
	for (i = 0; i < CMON_NDOCS; i++)
		free(s->doc[i]);
	free(s);
}

/* The current documents, referenced; NULL before the first interval. */
static struct snap *snap_get(struct cmon_http *h)
{
	struct snap *s;

	pthread_mutex_lock(&h->mu);
	s = h->snap;
	if (s)
		s->refs++;
	pthread_mutex_unlock(&h->mu);
	return s;
}

static void snap_release(struct cmon_http *h, struct snap *s)
{
	pthread_mutex_lock(&h->mu);
	snap_put(s);
	pthread_mutex_unlock(&h->mu);
}

void cmon_http_publish(struct cmon_http *h, char *doc[CMON_NDOCS],
		       size_t len[CMON_NDOCS])
{
	struct snap *s = calloc(1, sizeof(*s));
	unsigned int i;

	if (!s) {
		for (i = 0; i < CMON_NDOCS; i++)
			free(doc[i]);
		return;
	}
	s->refs = 1;
	for (i = 0; i < CMON_NDOCS; i++) {
		s->doc[i] = doc[i];
		s->len[i] = len[i];
	}
	pthread_mutex_lock(&h->mu);
	s->seq = h->snap ? h->snap->seq + 1 : 1;
	snap_put(h->snap);
	h->snap = s;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status,
			     const char *type, const char *body, size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, (void *)body,
					    MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result error(struct MHD_Connection *c, unsigned int status,
			     const char *fmt, ...)
{
	char msg[300], body[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(body, sizeof(body), "{\"error\":\"%s\"}\n", msg);
	return reply(c, status, "application/json", body, strlen(body));
}

/* Reply with a document the caller writes to a memory stream. */
typedef int (*render_fn)(struct cmon_http *h, struct MHD_Connection *c,
			 FILE *out);

static enum MHD_Result rendered(struct cmon_http *h, struct MHD_Connection *c,
				render_fn fn)
{
	enum MHD_Result ret;
	size_t len = 0;
	char *buf = NULL;
	FILE *out = open_memstream(&buf, &len);
	int err;

	if (!out)
		return error(c, 500, "out of memory");
	err = fn(h, c, out);
	fputc('\n', out);
	fclose(out);
	if (err == -ENOENT)
		ret = error(c, 404, "no such series: see /api/v1/history");
	else if (err == -EINVAL)
		ret = error(c, 400, "port: 0 (the pair of no port) to 65535");
	else if (err == -EIO)
		ret = error(c, 502, "that node's exporter did not answer");
	else
		ret = reply(c, 200, "application/json", buf, len);
	free(buf);
	return ret;
}

static int render_history(struct cmon_http *h, struct MHD_Connection *c,
			  FILE *out)
{
	const char *src = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
						      "src");
	const char *dst = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
						      "dst");
	const char *proto = MHD_lookup_connection_value(
		c, MHD_GET_ARGUMENT_KIND, "proto");
	const char *since = MHD_lookup_connection_value(
		c, MHD_GET_ARGUMENT_KIND, "since");
	const char *port = MHD_lookup_connection_value(
		c, MHD_GET_ARGUMENT_KIND, "port");
	const char *node = MHD_lookup_connection_value(
		c, MHD_GET_ARGUMENT_KIND, "node");
	char *end = NULL;
	long pn = port ? strtol(port, &end, 10) : -1;

	if (!src || !dst) {
		cmon_history_index(h->hist, out);
		return 0;
	}
	if (port && (!*port || *end || pn < 0 || pn > 65535))
		return -EINVAL;
	/* another node's pair, in the cluster view: that node's history */
	if (node && h->peers)
		return cmon_peers_history(h->peers, node, src, dst, proto,
					  (int)pn, since ? atof(since) : 0, out);
	return cmon_history_pair(h->hist, out, src, dst, proto, (int)pn,
				 since ? atof(since) : 0);
}

void cmon_http_peers(struct cmon_http *h, struct cmon_peers *p)
{
	h->peers = p;
}

static int render_monitor(struct cmon_http *h, struct MHD_Connection *c,
			  FILE *out)
{
	const char *since = MHD_lookup_connection_value(
		c, MHD_GET_ARGUMENT_KIND, "since");

	cmon_history_monitor(h->hist, out, since ? atof(since) : 0);
	return 0;
}

static enum MHD_Result document(struct cmon_http *h, struct MHD_Connection *c,
				enum cmon_http_doc d, const char *type)
{
	struct snap *s = snap_get(h);
	enum MHD_Result ret;

	if (!s)
		return error(c, 503, "no interval reported yet: retry in a "
			     "second");
	ret = reply(c, 200, type, s->doc[d], s->len[d]);
	snap_release(h, s);
	return ret;
}

/* A server-sent events stream: one client. */
struct sse {
	struct cmon_http *h;
	unsigned long long seq;		/* last sent */
	char *buf;
	size_t len, off;
};

static int sse_next(struct sse *e)
{
	struct cmon_http *h = e->h;
	struct snap *s = NULL;
	struct timespec ts;
	size_t n;
	int ret;

	pthread_mutex_lock(&h->mu);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += SSE_KEEPALIVE_S;
	while (!h->stopping && (!h->snap || h->snap->seq == e->seq)) {
		if (pthread_cond_timedwait(&h->cv, &h->mu, &ts) == ETIMEDOUT)
			break;
	}
	if (h->stopping) {
		pthread_mutex_unlock(&h->mu);
		return -1;
	}
	if (h->snap && h->snap->seq != e->seq) {
		s = h->snap;
		s->refs++;
	}
	pthread_mutex_unlock(&h->mu);
	free(e->buf);
	e->buf = NULL;
	e->off = 0;
	if (!s) {
		e->buf = strdup(": keepalive\n\n");
		e->len = e->buf ? strlen(e->buf) : 0;
		return e->buf ? 0 : -1;
	}
	n = s->len[CMON_DOC_METRICS];
	while (n && s->doc[CMON_DOC_METRICS][n - 1] == '\n')
		n--;
	ret = asprintf(&e->buf, "id: %llu\nevent: metrics\ndata: %.*s\n\n",
		       s->seq, (int)n, s->doc[CMON_DOC_METRICS]);
	e->seq = s->seq;
	snap_release(h, s);
	if (ret < 0) {
		e->buf = NULL;
		return -1;
	}
	e->len = ret;
	return 0;
}

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sse *e = cls;
	size_t n;

	(void)pos;
	if (e->off == e->len && sse_next(e))
		return MHD_CONTENT_READER_END_OF_STREAM;
	n = e->len - e->off;
	if (n > max)
		n = max;
	memcpy(buf, e->buf + e->off, n);
	e->off += n;
	return n;
}

static void sse_free(void *cls)
{
	struct sse *e = cls;

	pthread_mutex_lock(&e->h->mu);
	e->h->streams--;
	pthread_mutex_unlock(&e->h->mu);
	free(e->buf);
	free(e);
}

static enum MHD_Result events(struct cmon_http *h, struct MHD_Connection *c)
{
	struct MHD_Response *r;
	struct sse *e = calloc(1, sizeof(*e));
	enum MHD_Result ret;

	if (!e)
		return error(c, 500, "out of memory");
	e->h = h;
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024,
					      sse_read, e, sse_free);
	if (!r) {
		free(e);
		return MHD_NO;
	}
	pthread_mutex_lock(&h->mu);
	h->streams++;		/* until sse_free() */
	pthread_mutex_unlock(&h->mu);
	MHD_add_response_header(r, "Content-Type", "text/event-stream");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

static const char *mime(const char *path)
{
	static const struct { const char *ext, *type; } t[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".mjs", "text/javascript; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".json", "application/json" },
		{ ".svg", "image/svg+xml" },
		{ ".png", "image/png" },
		{ ".ico", "image/x-icon" },
		{ ".woff2", "font/woff2" },
	};
	const char *dot = strrchr(path, '.');
	unsigned int i;

	for (i = 0; dot && i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(dot, t[i].ext))
			return t[i].type;
	return "application/octet-stream";
}

/* A file under the web root; never outside it. */
static enum MHD_Result file(struct cmon_http *h, struct MHD_Connection *c,
			    const char *url)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char path[4096];
	struct stat st;
	int fd;

	if (!h->web_root)
		return error(c, 404, "no web page here: its files were not "
			     "found (give --web-root DIR: web/dist in a build "
			     "tree, or run make install); the API is under "
			     "/api/v1/ and /metrics");
	if (cmon_http_file_path(h->web_root, url, path, sizeof(path)))
		return error(c, 404, "not found: the API is under /api/v1/ "
			     "and /metrics");
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return error(c, 404, "not found");
	}
	r = MHD_create_response_from_fd(st.st_size, fd);
	if (!r) {
		close(fd);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", mime(path));
	ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

static int authorised(struct cmon_http *h, struct MHD_Connection *c)
{
	const char *auth, *q;

	if (!h->token)
		return 1;
	auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
					   "Authorization");
	if (auth && !strncmp(auth, "Bearer ", 7) &&
	    cmon_http_token_eq(auth + 7, h->token))
		return 1;
	q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
	return q && cmon_http_token_eq(q, h->token);
}

/* /api/v1/topology, with every pair the engine knows or (?paths=idle)
 * only those the metrics leave out */
static enum MHD_Result topology(struct cmon_http *h, struct MHD_Connection *c)
{
	const char *q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
						    "paths");

	if (q && strcmp(q, "idle") && strcmp(q, "all"))
		return error(c, 400, "paths= takes all or idle");
	return document(h, c, q && !strcmp(q, "idle") ? CMON_DOC_TOPOLOGY_IDLE
			: CMON_DOC_TOPOLOGY, "application/json");
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_size, void **state)
{
	struct cmon_http *h = cls;

	(void)version;
	(void)upload;
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return error(c, 405, "only GET and HEAD");
	if (*upload_size)
		return error(c, 400, "no request body expected");
	if (!*state) {
		/* first call: headers only; answer on the second */
		*state = h;
		return MHD_YES;
	}
	/* the page's own files hold no figure: its API calls carry the
	 * token it was opened with */
	if (strcmp(url, "/metrics") && strncmp(url, "/api/", 5))
		return file(h, c, url);
	if (!authorised(h, c))
		return error(c, 401, "a token is required: Authorization: "
			     "Bearer TOKEN or ?token=TOKEN");
	if (!strcmp(url, "/metrics"))
		return document(h, c, CMON_DOC_PROM,
				"text/plain; version=0.0.4; charset=utf-8");
	if (!strcmp(url, "/api/v1/metrics"))
		return document(h, c, CMON_DOC_METRICS, "application/json");
	if (!strcmp(url, "/api/v1/topology"))
		return topology(h, c);
	if (!strcmp(url, "/api/v1/health"))
		return document(h, c, CMON_DOC_HEALTH, "application/json");
	if (!strcmp(url, "/api/v1/counters"))
		return document(h, c, CMON_DOC_COUNTERS, "application/json");
	if (!strcmp(url, "/api/v1/cluster"))
		return document(h, c, CMON_DOC_CLUSTER, "application/json");
	if (!strcmp(url, "/api/v1/history"))
		return rendered(h, c, render_history);
	if (!strcmp(url, "/api/v1/history/monitor"))
		return rendered(h, c, render_monitor);
	if (!strcmp(url, "/api/v1/events"))
		return events(h, c);
	return error(c, 404, "no such endpoint: see cmon-dpdk(8)");
}

static void notify(void *cls, struct MHD_Connection *c, void **socket_ctx,
		   enum MHD_ConnectionNotificationCode code)
{
	struct cmon_http *h = cls;

	(void)c;
	(void)socket_ctx;
	pthread_mutex_lock(&h->mu);
	if (code == MHD_CONNECTION_NOTIFY_STARTED)
		h->clients++;
	else if (h->clients)
		h->clients--;
	pthread_mutex_unlock(&h->mu);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[300];

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = 0;
	cmon_log_rl(CMON_LOG_WARN, "http: %s", msg);
}

/*
 * Bind and listen on "[ADDR:]PORT"; the socket, or -1 (logged).  @addr
 * (16 bytes) gets the address.
 */
static int listen_on(const char *spec, char *addr, int *loopback,
		     unsigned int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	const char *colon = strrchr(spec, ':'), *all = spec;
	char *end;
	socklen_t slen = sizeof(sa);
	unsigned long p;
	int fd, one = 1;

	strcpy(addr, "127.0.0.1");
	if (colon) {
		if (colon - spec >= INET_ADDRSTRLEN)
			goto bad;
		memcpy(addr, spec, colon - spec);
		addr[colon - spec] = 0;
		spec = colon + 1;
	}
	errno = 0;
	p = strtoul(spec, &end, 10);
	if (!*spec || *end || errno || p > 65535 ||
	    inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		goto bad;
	sa.sin_port = htons(p);
	*loopback = (ntohl(sa.sin_addr.s_addr) >> 24) == 127;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(fd, 64)) {
		cmon_err("http: cannot listen on %s:%lu: %s%s", addr, p,
			 strerror(errno), errno == EADDRINUSE ?
			 " (another program has it: choose another --http "
			 "port)" : "");
		close(fd);
		return -1;
	}
	getsockname(fd, (struct sockaddr *)&sa, &slen);
	*port = ntohs(sa.sin_port);
	return fd;
bad:
	cmon_err("--http: \"%s\" is not [IPv4-ADDRESS:]PORT (e.g. 9417 or "
		 "0.0.0.0:9417)", all);
	return -1;
}

struct cmon_http *cmon_http_start(const char *listen, const char *token,
				  const char *web_root,
				  struct cmon_history *hist)
{
	struct cmon_http *h = calloc(1, sizeof(*h));
	char addr[INET_ADDRSTRLEN];
	int loopback = 1;

	if (!h)
		return NULL;
	h->hist = hist;
	h->web_root = web_root;
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	h->fd = listen_on(listen, addr, &loopback, &h->port);
	if (h->fd < 0)
		goto fail;
	if (!loopback && !token) {
		cmon_err("http: %s is reachable from other hosts: give "
			 "--http-token TOKEN too (clients then send "
			 "\"Authorization: Bearer TOKEN\")", listen);
		goto fail;
	}
	if (token && !(h->token = strdup(token)))
		goto fail;
	h->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
				MHD_USE_THREAD_PER_CONNECTION |
				MHD_USE_ERROR_LOG,
				0, NULL, NULL, handle, h,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
				MHD_OPTION_LISTEN_SOCKET, h->fd,
				MHD_OPTION_CONNECTION_LIMIT,
				(unsigned int)MAX_CLIENTS,
				MHD_OPTION_CONNECTION_TIMEOUT,
				(unsigned int)(2 * SSE_KEEPALIVE_S),
				MHD_OPTION_NOTIFY_CONNECTION, notify, h,
				MHD_OPTION_END);
	/* the socket is libmicrohttpd's now: it closes it, once, whether
	 * it started or not (closing it again here could close another
	 * thread's new descriptor) */
	h->fd = -1;
	if (!h->d) {
		cmon_err("http: cannot start the server on %s", listen);
		goto fail;
	}
	snprintf(h->url, sizeof(h->url), "http://%s:%u/", addr, h->port);
	cmon_info("http: serving %s (metrics at /metrics, API under /api/v1/, "
		  "%s%s)", h->url, web_root ? "the page from " : "no page: "
		  "--web-root DIR", web_root ? web_root : "");
	return h;
fail:
	if (h->fd >= 0)
		close(h->fd);
	free(h->token);
	free(h);
	return NULL;
}

unsigned int cmon_http_port(const struct cmon_http *h)
{
	return h->port;
}

const char *cmon_http_url(const struct cmon_http *h)
{
	return h->url;
}

unsigned int cmon_http_clients(struct cmon_http *h)
{
	unsigned int n;

	pthread_mutex_lock(&h->mu);
	n = h->clients;
	pthread_mutex_unlock(&h->mu);
	return n;
}

unsigned int cmon_http_streams(struct cmon_http *h)
{
	unsigned int n;

	pthread_mutex_lock(&h->mu);
	n = h->streams;
	pthread_mutex_unlock(&h->mu);
	return n;
}

void cmon_http_stop(struct cmon_http *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->mu);
	h->stopping = 1;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	MHD_stop_daemon(h->d);		/* closes the listen socket */
	snap_put(h->snap);
	free(h->token);
	free(h);
}
