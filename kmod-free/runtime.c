// SPDX-License-Identifier: BSD-2-Clause
/*
 * Containers as their runtime knows them (runtime.h).  Two threads: one
 * holds the events stream open (GET /events, one JSON object a line) and
 * marks the containers an event names; the other lists the containers
 * (GET /containers/json) and inspects those it does not know or an event
 * marked (GET /containers/ID/json), whenever an event came, and every 30 s
 * in case one was missed.  The table it builds is swapped in whole under
 * a lock; readers take a deep copy.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <curl/curl.h>
#include <jansson.h>
#include "log.h"
#include "runtime.h"

#define FULL_REFRESH_S	30
#define MAX_MARKED	256

struct cmon_runtime {
	char *path;
	const char *name;		/* "docker" or "podman" */
	pthread_t events, lister;
	int started;			/* both threads */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
	int dirty;			/* an event since the last listing */
	time_t since;			/* the first listing's start */
	char *marked[MAX_MARKED];	/* ids an event named: inspect again */
	size_t nmarked;
	int marked_all;			/* too many: inspect every one */
	unsigned int gen;
	struct cmon_rt_container *c;	/* the table (lister's and lock's) */
	char **ids;			/* c[i]'s full id */
	size_t n;
	/* the events stream: a line being assembled */
	char *line;
	size_t len, cap;
};

/* ---- HTTP over the unix socket ------------------------------------- */

struct buf {
	char *p;
	size_t len;
};

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	char *p = realloc(b->p, b->len + size * n + 1);

	if (!p)
		return 0;
	memcpy(p + b->len, data, size * n);
	b->p = p;
	b->len += size * n;
	p[b->len] = 0;
	return size * n;
}

static CURL *easy(const struct cmon_runtime *rt, const char *path)
{
	CURL *c = curl_easy_init();
	char url[512];

	if (!c)
		return NULL;
	snprintf(url, sizeof(url), "http://localhost%s", path);
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, rt->path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	return c;
}

/* GET @path: the answer as JSON, or NULL with @err said. */
static json_t *get(const struct cmon_runtime *rt, const char *path,
		   char *err, size_t errlen)
{
	struct buf b = { 0 };
	CURL *c = easy(rt, path);
	CURLcode rc;
	long status = 0;
	json_t *j = NULL;
	json_error_t je;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	if (rc != CURLE_OK)
		snprintf(err, errlen, "%s", curl_easy_strerror(rc));
	else if (status != 200)
		snprintf(err, errlen, "GET %s: HTTP %ld", path, status);
	else if (!(j = json_loadb(b.p ? b.p : "", b.len, 0, &je)))
		snprintf(err, errlen, "GET %s: not JSON (%s)", path, je.text);
	free(b.p);
	return j;
}

/* ---- containers ---------------------------------------------------- */

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

void cmon_rt_clear(struct cmon_rt_container *c)
{
	size_t i;

	if (!c)
		return;
	free((char *)c->meta.name);
	free((char *)c->meta.id);
	free((char *)c->meta.image);
	free((char *)c->meta.project);
	free((char *)c->meta.service);
	for (i = 0; i < c->meta.nlabels; i++) {
		free(c->meta.labels[i].key);
		free(c->meta.labels[i].value);
	}
	free((void *)c->meta.labels);
	memset(c, 0, sizeof(*c));
}

/* A deep copy of @src into @dst: 0, or -1 (nothing to free). */
static int rt_copy(struct cmon_rt_container *dst,
		   const struct cmon_rt_container *src)
{
	struct cmon_label *l = calloc(src->meta.nlabels + 1, sizeof(*l));
	size_t i;

	*dst = *src;
	dst->meta.labels = l;
	dst->meta.nlabels = l ? src->meta.nlabels : 0;
	dst->meta.name = strdup(src->meta.name);
	dst->meta.id = strdup(src->meta.id);
	dst->meta.image = strdup(src->meta.image);
	dst->meta.project = strdup(src->meta.project);
	dst->meta.service = strdup(src->meta.service);
	for (i = 0; i < dst->meta.nlabels; i++) {
		l[i].key = strdup(src->meta.labels[i].key);
		l[i].value = strdup(src->meta.labels[i].value);
		if (!l[i].key || !l[i].value)
			break;
	}
	if (l && i == src->meta.nlabels && dst->meta.name && dst->meta.id &&
	    dst->meta.image && dst->meta.project && dst->meta.service)
		return 0;
	cmon_rt_clear(dst);
	return -1;
}

static int rt_parse(json_t *doc, const char *runtime,
		    struct cmon_rt_container *out)
{
	json_t *cfg = json_object_get(doc, "Config");
	json_t *labels = json_object_get(cfg, "Labels");
	const char *name = json_string_value(json_object_get(doc, "Name"));
	const char *id = json_string_value(json_object_get(doc, "Id"));
	const char *sandbox = json_string_value(json_object_get(
		json_object_get(doc, "NetworkSettings"), "SandboxKey"));
	const char *key;
	json_t *v;
	struct stat st;
	struct cmon_label *l;
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	if (!json_is_true(json_object_get(json_object_get(doc, "State"),
					  "Running")) ||
	    !name || !id || !sandbox || !*sandbox || stat(sandbox, &st))
		return -1;
	l = calloc(json_object_size(labels) + 1, sizeof(*l));
	if (!l)
		return -1;
	out->netns = (uint32_t)st.st_ino;
	out->meta.runtime = runtime;
	out->meta.labels = l;
	out->meta.name = strdup(name + (*name == '/'));
	out->meta.id = strndup(id, 12);
	out->meta.image = dup_or_empty(json_string_value(
		json_object_get(cfg, "Image")));
	out->meta.project = dup_or_empty(json_string_value(
		json_object_get(labels, "com.docker.compose.project")));
	out->meta.service = dup_or_empty(json_string_value(
		json_object_get(labels, "com.docker.compose.service")));
	json_object_foreach(labels, key, v) {
		if (!json_is_string(v))
			continue;
		l[n].key = strdup(key);
		l[n].value = strdup(json_string_value(v));
		out->meta.nlabels = ++n;
		if (!l[n - 1].key || !l[n - 1].value) {
			cmon_rt_clear(out);
			return -1;
		}
	}
	if (out->meta.name && out->meta.id && out->meta.image &&
	    out->meta.project && out->meta.service)
		return 0;
	cmon_rt_clear(out);
	return -1;
}

int cmon_rt_parse_inspect(const char *json, const char *runtime,
			  struct cmon_rt_container *out)
{
	json_t *doc = json_loads(json, 0, NULL);
	int rc = doc ? rt_parse(doc, runtime, out) : -1;

	json_decref(doc);
	return rc;
}

/* ---- the lister ---------------------------------------------------- */

/* The ids events named, taken for one listing. */
struct marks {
	char *id[MAX_MARKED];
	size_t n;
	int all;			/* inspect every container */
};

static int marked(const struct marks *m, const char *id)
{
	size_t i;

	for (i = 0; i < m->n && !m->all; i++)
		if (!strcmp(m->id[i], id))
			return 1;
	return m->all;
}

static void free_table(struct cmon_rt_container *c, char **ids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		cmon_rt_clear(&c[i]);
		free(ids[i]);
	}
	free(c);
	free(ids);
}

/* List the containers, inspecting those not known, those events named
 * since the last listing, or with @all every one; the table swapped in.
 * 0, or -1 with @err said (the table stays, the marks too). */
static int list_once(struct cmon_runtime *rt, int all, char *err,
		     size_t errlen)
{
	struct cmon_rt_container *c = NULL;
	struct marks m;
	char **ids = NULL;
	size_t i, j, n = 0, cap;
	json_t *list, *e;

	pthread_mutex_lock(&rt->mu);
	memcpy(m.id, rt->marked, rt->nmarked * sizeof(m.id[0]));
	m.n = rt->nmarked;
	m.all = rt->marked_all || all;
	rt->nmarked = 0;
	rt->marked_all = 0;
	pthread_mutex_unlock(&rt->mu);
	list = get(rt, "/containers/json", err, errlen);
	if (list && !json_is_array(list)) {
		snprintf(err, errlen, "GET /containers/json: not a list");
		json_decref(list);
		list = NULL;
	}
	if (!list) {
		pthread_mutex_lock(&rt->mu);
		rt->marked_all = 1;	/* those marks are lost: all again */
		pthread_mutex_unlock(&rt->mu);
		goto out;
	}
	cap = json_array_size(list) + 1;
	c = calloc(cap, sizeof(*c));
	ids = calloc(cap, sizeof(*ids));
	json_array_foreach(list, i, e) {
		const char *id = json_string_value(json_object_get(e, "Id"));
		char path[128];
		json_t *doc;
		int done = 0;

		if (!c || !ids || !id || strlen(id) > 80)
			continue;
		/* known and not named by an event since: as it was */
		pthread_mutex_lock(&rt->mu);
		for (j = 0; j < rt->n && !marked(&m, id); j++)
			if (!strcmp(rt->ids[j], id)) {
				done = !rt_copy(&c[n], &rt->c[j]);
				break;
			}
		pthread_mutex_unlock(&rt->mu);
		if (!done) {
			snprintf(path, sizeof(path), "/containers/%s/json", id);
			doc = get(rt, path, err, errlen);
			done = doc && !rt_parse(doc, rt->name, &c[n]);
			json_decref(doc);
		}
		if (done && !(ids[n] = strdup(id)))
			cmon_rt_clear(&c[n]);
		else if (done)
			n++;
	}
	json_decref(list);
	if (!c || !ids) {
		free(c);
		free(ids);
		snprintf(err, errlen, "out of memory");
		list = NULL;
		goto out;
	}
	pthread_mutex_lock(&rt->mu);
	free_table(rt->c, rt->ids, rt->n);
	rt->c = c;
	rt->ids = ids;
	rt->n = n;
	rt->gen++;
	pthread_mutex_unlock(&rt->mu);
out:
	for (i = 0; i < m.n; i++)
		free(m.id[i]);
	return list ? 0 : -1;
}

/* Wait until an event (1), @s seconds (0), or stop (-1). */
static int wait_dirty(struct cmon_runtime *rt, double s)
{
	struct timespec ts;
	int rc;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)s;
	pthread_mutex_lock(&rt->mu);
	while (!rt->stop && !rt->dirty &&
	       pthread_cond_timedwait(&rt->cv, &rt->mu, &ts) != ETIMEDOUT)
		;
	rc = rt->stop ? -1 : rt->dirty;
	rt->dirty = 0;
	pthread_mutex_unlock(&rt->mu);
	return rc;
}

static int stopping(struct cmon_runtime *rt)
{
	int stop;

	pthread_mutex_lock(&rt->mu);
	stop = rt->stop;
	pthread_mutex_unlock(&rt->mu);
	return stop;
}

static void *lister(void *arg)
{
	struct cmon_runtime *rt = arg;
	struct timespec pause = { 0, 20 * 1000000L };
	char err[256];
	int ok = 1, ev;

	/* an event: what it named; no event for a while: every container,
	 * in case one was missed */
	while ((ev = wait_dirty(rt, ok ? FULL_REFRESH_S : 2)) >= 0) {
		/* events close together are one listing */
		nanosleep(&pause, NULL);
		if (list_once(rt, !ev, err, sizeof(err))) {
			if (ok)
				cmon_warn("%s at %s: %s (containers keep the "
					  "names they had)", rt->name,
					  rt->path, err);
			ok = 0;
		} else {
			ok = 1;
		}
	}
	return NULL;
}

/* ---- the events stream --------------------------------------------- */

static void on_event(struct cmon_runtime *rt, const char *line)
{
	static const char *const actions[] = { "start", "die", "destroy",
					       "rename", "update", NULL };
	json_t *ev = json_loads(line, 0, NULL);
	const char *action = json_string_value(json_object_get(ev, "Action"));
	const char *id = json_string_value(json_object_get(
		json_object_get(ev, "Actor"), "ID"));
	size_t i;

	for (i = 0; action && actions[i] && strcmp(action, actions[i]); i++)
		;
	if (action && actions[i] && id) {
		pthread_mutex_lock(&rt->mu);
		if (rt->nmarked == MAX_MARKED)
			rt->marked_all = 1;
		else if ((rt->marked[rt->nmarked] = strdup(id)))
			rt->nmarked++;
		rt->dirty = 1;
		pthread_cond_broadcast(&rt->cv);
		pthread_mutex_unlock(&rt->mu);
	}
	json_decref(ev);
}

static size_t on_stream(char *data, size_t size, size_t n, void *arg)
{
	struct cmon_runtime *rt = arg;
	size_t len = size * n, i;

	for (i = 0; i < len; i++) {
		if (data[i] == '\n') {
			if (rt->line) {
				rt->line[rt->len] = 0;
				on_event(rt, rt->line);
			}
			rt->len = 0;
			continue;
		}
		if (rt->len + 2 > rt->cap) {
			size_t cap = rt->cap ? rt->cap * 2 : 4096;
			char *p = cap <= (1 << 20) ? realloc(rt->line, cap) : NULL;

			if (!p)
				return 0;	/* ends the stream: listed again */
			rt->line = p;
			rt->cap = cap;
		}
		rt->line[rt->len++] = data[i];
	}
	return len;
}

static int on_progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c,
		       curl_off_t d)
{
	(void)a, (void)b, (void)c, (void)d;
	return stopping(arg);
}

static void *events(void *arg)
{
	struct cmon_runtime *rt = arg;
	struct timespec pause = { 1, 0 };
	char path[160];
	int warned = 0;

	/* filters={"type":["container"]}, since the first listing began:
	 * what happened while it ran is told too */
	snprintf(path, sizeof(path), "/events?since=%lld&filters=%%7B%%22type"
		 "%%22%%3A%%5B%%22container%%22%%5D%%7D", (long long)rt->since);
	for (;;) {
		CURL *c = easy(rt, path);
		CURLcode rc;

		if (!c || stopping(rt))
			break;
		rt->len = 0;
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_stream);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, rt);
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(c, CURLOPT_XFERINFODATA, rt);
		rc = curl_easy_perform(c);
		curl_easy_cleanup(c);
		pthread_mutex_lock(&rt->mu);
		if (rt->stop) {
			pthread_mutex_unlock(&rt->mu);
			break;
		}
		/* what happened while it was down: list again */
		rt->marked_all = 1;
		rt->dirty = 1;
		pthread_cond_broadcast(&rt->cv);
		pthread_mutex_unlock(&rt->mu);
		if (!warned++)
			cmon_warn("%s at %s: the events stream ended (%s); "
				  "opening it again", rt->name, rt->path,
				  curl_easy_strerror(rc));
		nanosleep(&pause, NULL);
		/* from now on: a listing follows each reopening */
		snprintf(path, sizeof(path), "/events?filters=%%7B%%22type"
			 "%%22%%3A%%5B%%22container%%22%%5D%%7D");
	}
	return NULL;
}

/* ---- the handle ---------------------------------------------------- */

struct cmon_runtime *cmon_runtime_start(const char *path)
{
	struct cmon_runtime *rt = calloc(1, sizeof(*rt));
	char err[256];
	json_t *v;

	if (!rt || !(rt->path = strdup(path))) {
		free(rt);
		cmon_err("container runtime: out of memory");
		return NULL;
	}
	pthread_mutex_init(&rt->mu, NULL);
	pthread_cond_init(&rt->cv, NULL);
	rt->name = "docker";
	v = get(rt, "/version", err, sizeof(err));
	if (!v) {
		cmon_err("container runtime at %s: %s (is it running? "
			 "--runtime none does without)", path, err);
		cmon_runtime_stop(rt);
		return NULL;
	}
	{
		char *s = json_dumps(v, JSON_COMPACT);

		if (s && strstr(s, "Podman"))
			rt->name = "podman";
		cmon_info("container runtime: %s %s at %s", rt->name,
			  json_string_value(json_object_get(v, "Version")) ?: "?",
			  path);
		free(s);
	}
	json_decref(v);
	rt->since = time(NULL) - 1;
	if (list_once(rt, 1, err, sizeof(err))) {
		cmon_err("container runtime at %s: %s", path, err);
		cmon_runtime_stop(rt);
		return NULL;
	}
	if (pthread_create(&rt->lister, NULL, lister, rt)) {
		cmon_err("container runtime: cannot start a thread");
		cmon_runtime_stop(rt);
		return NULL;
	}
	if (pthread_create(&rt->events, NULL, events, rt)) {
		cmon_err("container runtime: cannot start a thread");
		pthread_mutex_lock(&rt->mu);
		rt->stop = 1;
		pthread_cond_broadcast(&rt->cv);
		pthread_mutex_unlock(&rt->mu);
		pthread_join(rt->lister, NULL);
		cmon_runtime_stop(rt);
		return NULL;
	}
	rt->started = 1;
	return rt;
}

unsigned int cmon_runtime_generation(struct cmon_runtime *rt)
{
	unsigned int g;

	pthread_mutex_lock(&rt->mu);
	g = rt->gen;
	pthread_mutex_unlock(&rt->mu);
	return g;
}

struct cmon_rt_snapshot *cmon_runtime_snapshot(struct cmon_runtime *rt)
{
	struct cmon_rt_snapshot *s = calloc(1, sizeof(*s));
	size_t i;

	if (!s)
		return NULL;
	pthread_mutex_lock(&rt->mu);
	s->c = calloc(rt->n + 1, sizeof(*s->c));
	for (i = 0; s->c && i < rt->n; i++)
		if (!rt_copy(&s->c[s->n], &rt->c[i]))
			s->n++;
	pthread_mutex_unlock(&rt->mu);
	if (!s->c) {
		free(s);
		return NULL;
	}
	return s;
}

const struct cmon_rt_container *cmon_rt_find(const struct cmon_rt_snapshot *s,
					     uint32_t netns)
{
	size_t i;

	for (i = 0; s && i < s->n; i++)
		if (s->c[i].netns == netns)
			return &s->c[i];
	return NULL;
}

void cmon_rt_snapshot_free(struct cmon_rt_snapshot *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		cmon_rt_clear(&s->c[i]);
	free(s->c);
	free(s);
}

void cmon_runtime_stop(struct cmon_runtime *rt)
{
	size_t i;

	if (!rt)
		return;
	if (rt->started) {
		pthread_mutex_lock(&rt->mu);
		rt->stop = 1;
		pthread_cond_broadcast(&rt->cv);
		pthread_mutex_unlock(&rt->mu);
		pthread_join(rt->lister, NULL);
		pthread_join(rt->events, NULL);
	}
	free_table(rt->c, rt->ids, rt->n);
	for (i = 0; i < rt->nmarked; i++)
		free(rt->marked[i]);
	free(rt->line);
	free(rt->path);
	free(rt);
}
