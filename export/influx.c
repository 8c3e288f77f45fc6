// SPDX-License-Identifier: BSD-2-Clause
/* InfluxDB sink thread: see influx.h. */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "clock.h"
#include "influx.h"
#include "log.h"

struct batch {
	struct batch *next;
	char *buf;
	size_t len;
	unsigned int nlines;
};

struct cmon_influx {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
	double deadline;		/* monotonic; flush until then */
	char *write_url, *query_url;
	char url[512];			/* as shown: no password */
	char db[128];
	size_t cap;
	struct batch *head, *tail;	/* oldest first, not in flight */
	struct batch *flying;		/* being written */
	struct cmon_influx_stats st;
	int down;			/* last attempt failed */
	CURL *curl;
	char err[CURL_ERROR_SIZE];
};

static size_t discard(char *p, size_t sz, size_t n, void *ctx)
{
	(void)p;
	(void)ctx;
	return sz * n;
}

/* HTTP status of a POST of @body to @url, or -1 (x->err says why). */
static long post(struct cmon_influx *x, const char *url, const char *body,
		 size_t len)
{
	long code = -1;

	x->err[0] = 0;
	curl_easy_setopt(x->curl, CURLOPT_URL, url);
	curl_easy_setopt(x->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(x->curl, CURLOPT_POSTFIELDSIZE, (long)len);
	if (curl_easy_perform(x->curl) != CURLE_OK)
		return -1;
	curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &code);
	snprintf(x->err, sizeof(x->err), "HTTP status %ld", code);
	return code;
}

static int create_db(struct cmon_influx *x)
{
	char q[256];
	long code;

	snprintf(q, sizeof(q), "q=CREATE DATABASE \"%s\"", x->db);
	code = post(x, x->query_url, q, strlen(q));
	if (code / 100 != 2) {
		cmon_warn("influxdb: cannot create database \"%s\" at %s: "
			  "%s", x->db, x->url, x->err[0] ? x->err : "no answer");
		return -1;
	}
	return 0;
}

/* Drop the oldest batches while over the bound.  Called locked. */
static void bound(struct cmon_influx *x)
{
	while (x->head && x->st.buffered_bytes > x->cap) {
		struct batch *b = x->head;

		x->head = b->next;
		if (!x->head)
			x->tail = NULL;
		x->st.dropped += b->nlines;
		x->st.buffered_lines -= b->nlines;
		x->st.buffered_bytes -= b->len;
		free(b->buf);
		free(b);
	}
}

static void requeue(struct cmon_influx *x, struct batch *b)
{
	b->next = x->head;
	x->head = b;
	if (!x->tail)
		x->tail = b;
	bound(x);
}

static void finish(struct cmon_influx *x, struct batch *b, uint64_t *counter)
{
	*counter += b->nlines;
	x->st.buffered_lines -= b->nlines;
	x->st.buffered_bytes -= b->len;
	free(b->buf);
	free(b);
}

static void wait_locked(struct cmon_influx *x, double secs)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)secs;
	ts.tv_nsec += (long)((secs - (time_t)secs) * 1e9);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&x->cv, &x->mu, &ts);
}

/* Stop now, or keep flushing until the deadline?  Called locked. */
static int stopping(struct cmon_influx *x)
{
	return x->stop && (!x->head || cmon_time_mono() >= x->deadline);
}

static void *run(void *arg)
{
	struct cmon_influx *x = arg;
	double backoff = 0.5;
	struct batch *b;
	long code;

	pthread_mutex_lock(&x->mu);
	for (;;) {
		if (stopping(x))
			break;
		if (!x->head) {
			wait_locked(x, 1);
			continue;
		}
		b = x->flying = x->head;
		x->head = b->next;
		if (!x->head)
			x->tail = NULL;
		pthread_mutex_unlock(&x->mu);
		code = post(x, x->write_url, b->buf, b->len);
		if (code == 404 && !create_db(x))
			code = post(x, x->write_url, b->buf, b->len);
		pthread_mutex_lock(&x->mu);
		x->flying = NULL;
		if (code / 100 == 2) {
			finish(x, b, &x->st.written);
			if (x->down)
				cmon_info("influxdb: %s is writable again; "
					  "%llu lines dropped so far", x->url,
					  (unsigned long long)x->st.dropped);
			x->down = 0;
			backoff = 0.5;
			continue;
		}
		if (code >= 400 && code < 500 && code != 404) {
			/* InfluxDB refuses these lines: retrying cannot help */
			cmon_log_rl(CMON_LOG_ERR, "influxdb: %s rejected %u "
				    "lines (%s); they are counted as rejected",
				    x->url, b->nlines, x->err);
			finish(x, b, &x->st.rejected);
			continue;
		}
		x->st.failures++;
		requeue(x, b);
		if (!x->down)
			cmon_warn("influxdb: cannot write to %s (%s); keeping "
				  "the newest %zu KiB of lines and retrying: "
				  "is influxd running there?", x->url,
				  x->err[0] ? x->err : "no answer",
				  x->cap >> 10);
		x->down = 1;
		if (!x->stop)
			wait_locked(x, backoff);
		if (backoff < 4)
			backoff *= 2;
	}
	pthread_mutex_unlock(&x->mu);
	return NULL;
}

static char *url_join(const char *base, const char *path, const char *q)
{
	size_t n = strlen(base);
	char *s;

	while (n && base[n - 1] == '/')
		n--;
	if (asprintf(&s, "%.*s%s%s", (int)n, base, path, q) < 0)
		return NULL;
	return s;
}

struct cmon_influx *cmon_influx_start(const char *url, const char *db,
				      size_t buffer_bytes)
{
	struct cmon_influx *x;
	char *edb, q[300], shown[512];

	cmon_url_redact(url, shown, sizeof(shown));
	if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)) {
		cmon_err("--influx: \"%s\" is not an http:// or https:// URL "
			 "(e.g. http://127.0.0.1:8086)", shown);
		return NULL;
	}
	if (!*db || strlen(db) >= 128 || strpbrk(db, "\"\\\n")) {
		cmon_err("--influx-db: \"%s\" is not a usable database name",
			 db);
		return NULL;
	}
	x = calloc(1, sizeof(*x));
	if (!x || !(x->curl = curl_easy_init()))
		goto nomem;
	memcpy(x->url, shown, sizeof(shown));
	snprintf(x->db, sizeof(x->db), "%s", db);
	x->cap = buffer_bytes;
	edb = curl_easy_escape(x->curl, db, 0);
	snprintf(q, sizeof(q), "?db=%s&precision=ns", edb ? edb : db);
	curl_free(edb);
	x->write_url = url_join(url, "/write", q);
	x->query_url = url_join(url, "/query", "");
	if (!x->write_url || !x->query_url)
		goto nomem;
	curl_easy_setopt(x->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->curl, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(x->curl, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(x->curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(x->curl, CURLOPT_ERRORBUFFER, x->err);
	/* say at once whether it is there; not fatal: it may come later */
	if (!create_db(x)) {
		cmon_info("influxdb: writing to database \"%s\" at %s", db,
			  x->url);
	} else {
		cmon_warn("influxdb: buffering up to %zu KiB of lines and "
			  "retrying %s", x->cap >> 10, x->url);
		x->down = 1;
	}
	pthread_mutex_init(&x->mu, NULL);
	pthread_cond_init(&x->cv, NULL);
	errno = pthread_create(&x->thread, NULL, run, x);
	if (errno) {
		cmon_err("influxdb: cannot start its thread: %s",
			 strerror(errno));
		goto fail;
	}
	return x;
nomem:
	cmon_err("influxdb: out of memory");
fail:
	if (x) {
		if (x->curl)
			curl_easy_cleanup(x->curl);
		free(x->write_url);
		free(x->query_url);
		free(x);
	}
	return NULL;
}

void cmon_influx_push(struct cmon_influx *x, char *buf, size_t len,
		      unsigned int nlines)
{
	struct batch *b = malloc(sizeof(*b));

	pthread_mutex_lock(&x->mu);
	x->st.queued += nlines;
	if (!b) {
		x->st.dropped += nlines;
		free(buf);
		pthread_mutex_unlock(&x->mu);
		return;
	}
	*b = (struct batch){ NULL, buf, len, nlines };
	if (x->tail)
		x->tail->next = b;
	else
		x->head = b;
	x->tail = b;
	x->st.buffered_lines += nlines;
	x->st.buffered_bytes += len;
	bound(x);
	pthread_cond_signal(&x->cv);
	pthread_mutex_unlock(&x->mu);
}

void cmon_influx_stats(struct cmon_influx *x, struct cmon_influx_stats *st)
{
	pthread_mutex_lock(&x->mu);
	*st = x->st;
	st->down = x->down;
	pthread_mutex_unlock(&x->mu);
}

char *cmon_influx_unwritten(struct cmon_influx *x, size_t *len,
			    unsigned int *nlines)
{
	struct batch *b, *first;
	char *buf = NULL;
	size_t n = 0;

	*len = 0;
	*nlines = 0;
	pthread_mutex_lock(&x->mu);
	first = x->flying ? x->flying : x->head;
	for (b = first; b; b = b == x->flying ? x->head : b->next)
		n += b->len;
	if (n && (buf = malloc(n)))
		for (b = first; b; b = b == x->flying ? x->head : b->next) {
			memcpy(buf + *len, b->buf, b->len);
			*len += b->len;
			*nlines += b->nlines;
		}
	pthread_mutex_unlock(&x->mu);
	return buf;
}

void cmon_influx_stop(struct cmon_influx *x, double flush_s)
{
	struct batch *b;

	if (!x)
		return;
	pthread_mutex_lock(&x->mu);
	x->stop = 1;
	x->deadline = cmon_time_mono() + flush_s;
	pthread_cond_signal(&x->cv);
	pthread_mutex_unlock(&x->mu);
	pthread_join(x->thread, NULL);
	while ((b = x->head)) {
		x->head = b->next;
		finish(x, b, &x->st.dropped);
	}
	if (x->st.dropped || x->st.rejected)
		cmon_warn("influxdb: %llu of %llu lines written, %llu dropped "
			  "while it was unreachable or at exit, %llu rejected",
			  (unsigned long long)x->st.written,
			  (unsigned long long)x->st.queued,
			  (unsigned long long)x->st.dropped,
			  (unsigned long long)x->st.rejected);
	else
		cmon_info("influxdb: all %llu lines written",
			  (unsigned long long)x->st.written);
	curl_easy_cleanup(x->curl);
	free(x->write_url);
	free(x->query_url);
	free(x);
}
