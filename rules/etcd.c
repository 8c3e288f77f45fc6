// SPDX-License-Identifier: BSD-2-Clause
/*
 * etcd v3 through its JSON gateway (etcd.h): keys and values travel in
 * base64; a watch is a POST whose answer is a stream of JSON objects, one
 * per line.  Two threads: one keeps the watch on PREFIX/rules (reading
 * the key first, then watching from the revision after), one keeps this
 * node's lease alive and its status put under it.
 */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include "clock.h"
#include "etcd.h"
#include "log.h"

struct cmon_etcd {
	char *url, *prefix, *node;
	char *user, *password;		/* NULL: no login */
	char *cacert, *cert, *key;	/* NULL: none given */
	double lease_s;
	pthread_t watcher, leaser;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
	int running;			/* both threads started */
	int connected;
	char *rules;			/* published, not taken yet */
	int rules_new;
	char *status;
	int status_new;			/* to put before the next keepalive */
	int64_t lease;			/* 0: none */
	long long last_mod;		/* mod_revision of the rules taken */
	/* the watch stream: a line being assembled */
	char *line;
	size_t len, cap;
};

/* ---- base64 -------------------------------------------------------- */

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *b64_enc(const char *s)
{
	size_t n = strlen(s), i, o = 0;
	char *out = malloc(4 * ((n + 2) / 3) + 1);

	if (!out)
		return NULL;
	for (i = 0; i < n; i += 3) {
		unsigned int v = (unsigned char)s[i] << 16;

		if (i + 1 < n)
			v |= (unsigned char)s[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)s[i + 2];
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	out[o] = 0;
	return out;
}

static char *b64_dec(const char *s)
{
	size_t n = strlen(s), o = 0;
	unsigned int v = 0, bits = 0;
	char *out = malloc(n * 3 / 4 + 1);

	if (!out)
		return NULL;
	for (; *s && *s != '='; s++) {
		const char *p = strchr(b64, *s);

		if (!p) {
			free(out);
			return NULL;
		}
		v = v << 6 | (unsigned int)(p - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)(v >> bits & 0xff);
		}
	}
	out[o] = 0;
	return out;
}

/* ---- requests ------------------------------------------------------ */

/* Who a series of calls runs as: the login, and the token etcd gave it
 * (each thread keeps its own). */
struct session {
	const char *url;
	struct cmon_etcd_login login;
	char token[256];
};

struct buf {
	char *p;
	size_t n;
};

static size_t collect(char *p, size_t sz, size_t n, void *ctx)
{
	struct buf *b = ctx;
	char *np = realloc(b->p, b->n + sz * n + 1);

	if (!np)
		return 0;
	memcpy(np + b->n, p, sz * n);
	b->n += sz * n;
	np[b->n] = 0;
	b->p = np;
	return sz * n;
}

/* The token header of @s, if it has one (NULL otherwise). */
static struct curl_slist *token_header(const struct session *s)
{
	char h[300];

	if (!s || !s->token[0])
		return NULL;
	snprintf(h, sizeof(h), "Authorization: %s", s->token);
	return curl_slist_append(NULL, h);
}

/* What to try when a request to @url as @s failed with @rc. */
static const char *tls_hint(const struct session *s, const char *url,
			    CURLcode rc)
{
	if (strncmp(url, "https://", 8))
		return "";
	if (rc == CURLE_PEER_FAILED_VERIFICATION)
		return " (the CA that signed etcd's certificate: --etcd-cacert "
		       "FILE)";
	if (!(s && s->login.cert) &&
	    (rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_RECV_ERROR ||
	     rc == CURLE_SEND_ERROR || rc == CURLE_GOT_NOTHING))
		return " (if etcd wants client certificates: --etcd-cert FILE "
		       "--etcd-key FILE)";
	return "";
}

/* The TLS files of @s's login on @c (those given). */
static void tls_files(CURL *c, const struct session *s)
{
	if (s && s->login.cacert)
		curl_easy_setopt(c, CURLOPT_CAINFO, s->login.cacert);
	if (s && s->login.cert)
		curl_easy_setopt(c, CURLOPT_SSLCERT, s->login.cert);
	if (s && s->login.key)
		curl_easy_setopt(c, CURLOPT_SSLKEY, s->login.key);
}

/* POST @text to @url/@path; the answer parsed (and its HTTP status in
 * *@code), or NULL with @err. */
static json_t *post(const struct session *s, const char *url,
		    const char *path, const char *text, long *code,
		    char *err, size_t errlen)
{
	char *full = NULL, cerr[CURL_ERROR_SIZE] = "";
	struct buf b = { NULL, 0 };
	struct curl_slist *h = token_header(s);
	CURL *c = curl_easy_init();
	json_t *out = NULL;
	json_error_t je;
	CURLcode rc;

	*code = 0;
	if (!c || asprintf(&full, "%s%s", url, path) < 0) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	curl_easy_setopt(c, CURLOPT_URL, full);
	tls_files(c, s);
	if (h)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, text);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	if ((rc = curl_easy_perform(c)) != CURLE_OK) {
		snprintf(err, errlen, "etcd at %s: %s%s", url, cerr,
			 tls_hint(s, url, rc));
		goto done;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, code);
	out = b.p ? json_loads(b.p, 0, &je) : NULL;
	if (*code != 200 || !out) {
		const char *m = json_string_value(json_object_get(out,
								   "message"));

		snprintf(err, errlen, "etcd at %s%s: HTTP %ld%s%.200s%s", url,
			 path, *code, m || b.p ? ": " : "",
			 m ? m : b.p ? b.p : "",
			 m && strstr(m, "user name is empty") ?
			 " (etcd has authentication on: give --etcd-user and "
			 "--etcd-password-file)" : "");
		json_decref(out);
		out = NULL;
	}
done:
	if (c)
		curl_easy_cleanup(c);
	curl_slist_free_all(h);
	free(full);
	free(b.p);
	return out;
}

/* Log in as s->login: 0, or -1 with @err. */
static int authenticate(struct session *s, char *err, size_t errlen)
{
	json_t *body = json_pack("{s:s,s:s}", "name", s->login.user,
				 "password", s->login.password ?
				 s->login.password : "");
	char *text = json_dumps(body, JSON_COMPACT);
	const char *t;
	json_t *r;
	long code;

	json_decref(body);
	s->token[0] = 0;
	r = text ? post(NULL, s->url, "/v3/auth/authenticate", text, &code,
			err, errlen) : NULL;
	free(text);
	t = json_string_value(json_object_get(r, "token"));
	if (t)
		snprintf(s->token, sizeof(s->token), "%s", t);
	json_decref(r);
	return t ? 0 : -1;
}

/*
 * POST @body (taken) to @path as session @s: the answer parsed, or NULL
 * with @err.  With a login, a token etcd no longer knows (it expires,
 * etcd restarts) is replaced once.
 */
static json_t *call(struct session *s, const char *path, json_t *body,
		    char *err, size_t errlen)
{
	char *text = json_dumps(body, JSON_COMPACT);
	json_t *out = NULL;
	long code = 0;
	int tries;

	json_decref(body);
	if (!text) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (tries = 0; tries < 2 && !out; tries++) {
		if (s->login.user && !s->token[0] &&
		    authenticate(s, err, errlen))
			break;
		out = post(s, s->url, path, text, &code, err, errlen);
		if (out || !s->login.user || code != 401)
			break;
		s->token[0] = 0;	/* refused: log in again */
	}
	free(text);
	return out;
}

/* The end of the key range under @prefix: its last byte plus one. */
static char *range_end(const char *prefix)
{
	char *e = strdup(prefix);
	size_t n = strlen(prefix);

	if (e && n)
		e[n - 1]++;
	return e;
}

static void session_init(struct session *s, const char *url,
			 const struct cmon_etcd_login *login)
{
	memset(s, 0, sizeof(*s));
	s->url = url;
	if (login)
		s->login = *login;
}

int cmon_etcd_put(const char *url, const struct cmon_etcd_login *login,
		  const char *key, const char *value, char *err,
		  size_t errlen)
{
	struct session ss;
	char *k = b64_enc(key), *v = b64_enc(value);
	json_t *r;

	session_init(&ss, url, login);
	r = k && v ? call(&ss, "/v3/kv/put",
			  json_pack("{s:s,s:s}", "key", k, "value", v), err,
			  errlen) : NULL;

	free(k);
	free(v);
	json_decref(r);
	return r ? 0 : -1;
}

int cmon_etcd_list(const char *url, const struct cmon_etcd_login *login,
		   const char *prefix,
		   void (*fn)(const char *key, const char *value, void *ctx),
		   void *ctx, char *err, size_t errlen)
{
	char *s = range_end(prefix), *k = b64_enc(prefix),
	     *e = s ? b64_enc(s) : NULL;
	struct session ss;
	json_t *r, *kv;
	size_t i;
	int n = 0;

	session_init(&ss, url, login);
	r = k && e ? call(&ss, "/v3/kv/range",
			  json_pack("{s:s,s:s}", "key", k, "range_end", e),
			  err, errlen) : NULL;
	free(s);
	free(k);
	free(e);
	if (!r)
		return -1;
	json_array_foreach(json_object_get(r, "kvs"), i, kv) {
		char *key = b64_dec(json_string_value(
				json_object_get(kv, "key")) ?: "");
		char *val = b64_dec(json_string_value(
				json_object_get(kv, "value")) ?: "");

		if (key && val) {
			fn(key, val, ctx);
			n++;
		}
		free(key);
		free(val);
	}
	json_decref(r);
	return n;
}

/* ---- the node's side: watch and lease ------------------------------- */

static int stopping(struct cmon_etcd *e)
{
	int s;

	pthread_mutex_lock(&e->mu);
	s = e->stop;
	pthread_mutex_unlock(&e->mu);
	return s;
}

/* Sleep @s seconds unless told to stop (1) or woken by @wake (may be
 * NULL) going non-zero (cleared). */
static int nap(struct cmon_etcd *e, double s, int *wake)
{
	struct timespec ts;
	int stop;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)s;
	ts.tv_nsec += (long)((s - (double)(time_t)s) * 1e9);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&e->mu);
	while (!e->stop && !(wake && *wake) &&
	       pthread_cond_timedwait(&e->cv, &e->mu, &ts) != ETIMEDOUT)
		;
	if (wake)
		*wake = 0;
	stop = e->stop;
	pthread_mutex_unlock(&e->mu);
	return stop;
}

/* A key-value of the rules key: hand its value over if it is new. */
static void offer(struct cmon_etcd *e, json_t *kv, int deleted)
{
	json_int_t mod = 0;
	const char *v = json_string_value(json_object_get(kv, "value"));
	const char *m = json_string_value(json_object_get(kv, "mod_revision"));
	char *text = deleted ? strdup("") : b64_dec(v ? v : "");

	if (m)
		mod = strtoll(m, NULL, 10);
	pthread_mutex_lock(&e->mu);
	if (text && (deleted || mod != e->last_mod)) {
		free(e->rules);
		e->rules = text;
		e->rules_new = 1;
		e->last_mod = mod;
		text = NULL;
	}
	pthread_mutex_unlock(&e->mu);
	free(text);
}

/* One line of the watch stream. */
static void watch_line(struct cmon_etcd *e, const char *line)
{
	json_t *o = json_loads(line, 0, NULL), *ev;
	json_t *res = json_object_get(o, "result");
	size_t i;

	if (json_is_true(json_object_get(res, "created"))) {
		pthread_mutex_lock(&e->mu);
		if (!e->connected)
			cmon_info("etcd: watching %srules at %s", e->prefix,
				  e->url);
		e->connected = 1;
		pthread_mutex_unlock(&e->mu);
	}
	json_array_foreach(json_object_get(res, "events"), i, ev)
		offer(e, json_object_get(ev, "kv"),
		      json_is_string(json_object_get(ev, "type")) &&
		      !strcmp(json_string_value(json_object_get(ev, "type")),
			      "DELETE"));
	json_decref(o);
}

static size_t on_stream(char *p, size_t sz, size_t n, void *ctx)
{
	struct cmon_etcd *e = ctx;
	size_t i, len = sz * n;

	for (i = 0; i < len; i++) {
		if (p[i] == '\n') {
			if (e->len) {
				e->line[e->len] = 0;
				watch_line(e, e->line);
			}
			e->len = 0;
			continue;
		}
		if (e->len + 2 > e->cap) {
			size_t nc = e->cap ? 2 * e->cap : 4096;
			char *nl = nc <= (64u << 20) ? realloc(e->line, nc) : NULL;

			if (!nl)
				return 0;	/* ends the watch: read again */
			e->line = nl;
			e->cap = nc;
		}
		e->line[e->len++] = p[i];
	}
	return len;
}

static int on_progress(void *ctx, curl_off_t a, curl_off_t b, curl_off_t c,
		       curl_off_t d)
{
	(void)a;
	(void)b;
	(void)c;
	(void)d;
	return stopping(ctx);
}

/* Read the rules key, then watch it from the revision after. */
static void watch_once(struct cmon_etcd *e, struct session *ws, char *err,
		       size_t errlen)
{
	char *key = NULL, *k64 = NULL, *body = NULL, *url = NULL;
	struct curl_slist *h = NULL;
	json_t *r, *kv;
	const char *rev;
	CURL *c = NULL;
	CURLcode rc;

	if (asprintf(&key, "%srules", e->prefix) < 0 || !(k64 = b64_enc(key)))
		goto out;
	r = call(ws, "/v3/kv/range", json_pack("{s:s}", "key", k64), err,
		 errlen);
	if (!r)
		goto out;
	kv = json_array_get(json_object_get(r, "kvs"), 0);
	if (kv)
		offer(e, kv, 0);
	rev = json_string_value(json_object_get(json_object_get(r, "header"),
						"revision"));
	if (asprintf(&body, "{\"create_request\":{\"key\":\"%s\","
		     "\"start_revision\":\"%lld\"}}", k64,
		     (rev ? strtoll(rev, NULL, 10) : 0) + 1) < 0 ||
	    asprintf(&url, "%s/v3/watch", e->url) < 0) {
		json_decref(r);
		goto out;
	}
	json_decref(r);
	c = curl_easy_init();
	if (!c)
		goto out;
	e->len = 0;
	h = token_header(ws);
	if (h)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_URL, url);
	tls_files(c, ws);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_stream);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, e);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, e);
	/* a dead connection shows within a minute */
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPIDLE, 10L);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPINTVL, 5L);
	rc = curl_easy_perform(c);
	snprintf(err, errlen, "etcd at %s: the watch ended (%s)%s", e->url,
		 curl_easy_strerror(rc), tls_hint(ws, e->url, rc));
out:
	if (c)
		curl_easy_cleanup(c);
	curl_slist_free_all(h);
	free(key);
	free(k64);
	free(body);
	free(url);
}

static void session_of(struct session *s, const struct cmon_etcd *e)
{
	struct cmon_etcd_login login = { e->user, e->password, e->cacert,
					 e->cert, e->key };

	session_init(s, e->url, &login);
}

static void *watcher(void *arg)
{
	struct cmon_etcd *e = arg;
	double backoff = 0.5;
	struct session ws;
	char err[512];

	session_of(&ws, e);
	while (!stopping(e)) {
		double t0 = cmon_time_mono();

		err[0] = 0;
		watch_once(e, &ws, err, sizeof(err));
		pthread_mutex_lock(&e->mu);
		if (e->connected && !e->stop)
			cmon_warn("%s: the rules in force stay (stale) until "
				  "it answers again", err);
		e->connected = 0;
		pthread_mutex_unlock(&e->mu);
		/* a watch that held a while starts the backoff over */
		if (cmon_time_mono() - t0 > 10)
			backoff = 0.5;
		if (nap(e, backoff, NULL))
			break;
		backoff = backoff * 2 > 8 ? 8 : backoff * 2;
	}
	return NULL;
}

/* Keep the lease and put the status under it; 0 or -1. */
static int register_once(struct cmon_etcd *e, struct session *ls, char *err,
			 size_t errlen)
{
	char *key = NULL, *k64 = NULL, *v64 = NULL, id[32];
	json_t *r;
	int rc = -1;

	if (e->lease) {
		snprintf(id, sizeof(id), "%lld", (long long)e->lease);
		r = call(ls, "/v3/lease/keepalive",
			 json_pack("{s:s}", "ID", id), err, errlen);
		/* an expired lease answers without a TTL */
		if (!r || !json_object_get(json_object_get(r, "result"), "TTL"))
			e->lease = 0;
		json_decref(r);
	}
	if (!e->lease) {
		r = call(ls, "/v3/lease/grant",
			 json_pack("{s:i}", "TTL", (int)e->lease_s), err,
			 errlen);
		if (!r)
			return -1;
		e->lease = strtoll(json_string_value(json_object_get(r, "ID")) ?: "0",
				   NULL, 10);
		json_decref(r);
		if (!e->lease)
			return -1;
	}
	snprintf(id, sizeof(id), "%lld", (long long)e->lease);
	pthread_mutex_lock(&e->mu);
	v64 = b64_enc(e->status ? e->status : "{}");
	pthread_mutex_unlock(&e->mu);
	if (asprintf(&key, "%snodes/%s", e->prefix, e->node) >= 0 &&
	    (k64 = b64_enc(key)) && v64) {
		r = call(ls, "/v3/kv/put",
			 json_pack("{s:s,s:s,s:s}", "key", k64, "value", v64,
				   "lease", id), err, errlen);
		rc = r ? 0 : -1;
		json_decref(r);
	}
	free(key);
	free(k64);
	free(v64);
	return rc;
}

static void *leaser(void *arg)
{
	struct cmon_etcd *e = arg;
	struct session ls;
	char err[512];
	int ok = 1;

	session_of(&ls, e);
	while (!stopping(e)) {
		if (register_once(e, &ls, err, sizeof(err))) {
			if (ok)
				cmon_warn("%s: registering this node again "
					  "when it answers", err);
			ok = 0;
		} else {
			ok = 1;
		}
		if (nap(e, ok ? e->lease_s / 3 : 1, &e->status_new))
			break;
	}
	return NULL;
}

struct cmon_etcd *cmon_etcd_start(const struct cmon_etcd_opts *o)
{
	struct cmon_etcd *e = calloc(1, sizeof(*e));
	size_t n;

	if (strncmp(o->url, "http://", 7) && strncmp(o->url, "https://", 8)) {
		cmon_err("--etcd %s: not an http:// URL (etcd's client URL, "
			 "e.g. http://127.0.0.1:2379)", o->url);
		free(e);
		return NULL;
	}
	if (!e || !(e->url = strdup(o->url)) ||
	    !(e->prefix = strdup(o->prefix ? o->prefix : CMON_ETCD_PREFIX)) ||
	    !(e->node = strdup(o->node ? o->node : "node"))) {
		cmon_err("etcd: out of memory");
		cmon_etcd_stop(e);
		return NULL;
	}
	if ((o->login.user && (!(e->user = strdup(o->login.user)) ||
			       !(e->password = strdup(o->login.password ?
						      o->login.password : "")))) ||
	    (o->login.cacert && !(e->cacert = strdup(o->login.cacert))) ||
	    (o->login.cert && !(e->cert = strdup(o->login.cert))) ||
	    (o->login.key && !(e->key = strdup(o->login.key)))) {
		cmon_err("etcd: out of memory");
		cmon_etcd_stop(e);
		return NULL;
	}
	n = strlen(e->url);
	while (n && e->url[n - 1] == '/')
		e->url[--n] = 0;
	e->lease_s = o->lease_s > 0 ? o->lease_s : CMON_ETCD_LEASE_S;
	pthread_mutex_init(&e->mu, NULL);
	pthread_cond_init(&e->cv, NULL);
	if (pthread_create(&e->watcher, NULL, watcher, e)) {
		cmon_err("etcd: cannot start a thread");
		cmon_etcd_stop(e);
		return NULL;
	}
	if (pthread_create(&e->leaser, NULL, leaser, e)) {
		cmon_err("etcd: cannot start a thread");
		pthread_mutex_lock(&e->mu);
		e->stop = 1;
		pthread_cond_broadcast(&e->cv);
		pthread_mutex_unlock(&e->mu);
		pthread_join(e->watcher, NULL);
		cmon_etcd_stop(e);
		return NULL;
	}
	e->running = 1;
	cmon_info("etcd: rules from %s%srules, this node as %snodes/%s",
		  e->url, e->prefix, e->prefix, e->node);
	return e;
}

char *cmon_etcd_take_rules(struct cmon_etcd *e)
{
	char *r = NULL;

	pthread_mutex_lock(&e->mu);
	if (e->rules_new) {
		r = e->rules;
		e->rules = NULL;
		e->rules_new = 0;
	}
	pthread_mutex_unlock(&e->mu);
	return r;
}

void cmon_etcd_set_status(struct cmon_etcd *e, const char *json, int now)
{
	char *s = strdup(json);

	pthread_mutex_lock(&e->mu);
	if (s) {
		free(e->status);
		e->status = s;
	}
	if (now) {
		e->status_new = 1;
		pthread_cond_broadcast(&e->cv);
	}
	pthread_mutex_unlock(&e->mu);
}

int cmon_etcd_connected(struct cmon_etcd *e)
{
	int c;

	pthread_mutex_lock(&e->mu);
	c = e->connected;
	pthread_mutex_unlock(&e->mu);
	return c;
}

void cmon_etcd_stop(struct cmon_etcd *e)
{
	char err[256], id[32];

	if (!e)
		return;
	if (e->running) {
		pthread_mutex_lock(&e->mu);
		e->stop = 1;
		pthread_cond_broadcast(&e->cv);
		pthread_mutex_unlock(&e->mu);
		pthread_join(e->watcher, NULL);
		pthread_join(e->leaser, NULL);
		/* leaving: the node's entry goes at once */
		if (e->lease) {
			struct session rs;

			session_of(&rs, e);
			snprintf(id, sizeof(id), "%lld", (long long)e->lease);
			json_decref(call(&rs, "/v3/lease/revoke",
					 json_pack("{s:s}", "ID", id), err,
					 sizeof(err)));
		}
	}
	free(e->url);
	free(e->prefix);
	free(e->node);
	free(e->user);
	free(e->cacert);
	free(e->cert);
	free(e->key);
	if (e->password)
		explicit_bzero(e->password, strlen(e->password));
	free(e->password);
	free(e->rules);
	free(e->status);
	free(e->line);
	free(e);
}
