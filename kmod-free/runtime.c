// SPDX-License-Identifier: BSD-2-Clause
/*
 * Containers as their runtime knows them (runtime.h).  Two threads: one
 * holds the events stream open (GET /events, one JSON object a line) and
 * notes, in order, the containers an event names; the other inspects each
 * container an event started or changed (GET /containers/ID/json) and
 * drops those an event ended, one request a container: the whole list
 * (GET /containers/json, inspecting only those it does not know) is
 * asked for at the start, every 30 s in case an event was missed, and
 * when events were lost.  A container's entry is made once and shared,
 * counted, by the table and the snapshots that hold it: a snapshot is an
 * array of pointers, sorted by namespace.
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

/* A container as the runtime said last: never changed once made. */
struct rt_entry {
	struct cmon_rt_container c;	/* first: what snapshots hand out */
	char *id;			/* its full id */
	int ref;			/* the table's and snapshots' (atomic) */
};

/* A container an event named, and whether the event ended it. */
struct mark {
	char *id;
	int gone;
};

struct cmon_runtime {
	char *path;
	const char *name;		/* "docker" or "podman" */
	pthread_t events, lister;
	int started;			/* both threads */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
	int dirty;			/* an event since the last look */
	time_t since;			/* the first listing's start */
	struct mark marked[MAX_MARKED];	/* in the events' order */
	size_t nmarked;
	int marked_all;			/* events lost: list and inspect all */
	unsigned int gen;
	/* the table, by namespace: the lister's, changed under the lock */
	struct rt_entry **e;
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

/* GET @path: the answer as JSON, or NULL with @err said (and the HTTP
 * status in *@status, if not NULL: 0 when there was no answer). */
static json_t *get(const struct cmon_runtime *rt, const char *path,
		   long *status_out, char *err, size_t errlen)
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
	if (status_out)
		*status_out = rc == CURLE_OK ? status : 0;
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

/* ---- the table ---------------------------------------------------- */

static struct rt_entry *entry_hold(struct rt_entry *e)
{
	__atomic_add_fetch(&e->ref, 1, __ATOMIC_RELAXED);
	return e;
}

static void entry_put(struct rt_entry *e)
{
	if (e && !__atomic_sub_fetch(&e->ref, 1, __ATOMIC_ACQ_REL)) {
		cmon_rt_clear(&e->c);
		free(e->id);
		free(e);
	}
}

/* Container @id as inspected: a new entry (held once), or NULL when it
 * is none (not running, no namespace) and *@gone = 1 when the runtime
 * does not know it; NULL with @err said when the runtime did not
 * answer. */
static struct rt_entry *inspect(struct cmon_runtime *rt, const char *id,
				int *gone, char *err, size_t errlen)
{
	struct rt_entry *e;
	char path[128];
	long status;
	json_t *doc;

	*gone = 0;
	snprintf(path, sizeof(path), "/containers/%s/json", id);
	doc = get(rt, path, &status, err, errlen);
	if (!doc) {
		*gone = status == 404;
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (e && !rt_parse(doc, rt->name, &e->c) && (e->id = strdup(id))) {
		e->ref = 1;
	} else {
		*gone = 1;	/* not a container of ours, or no memory */
		if (e)
			cmon_rt_clear(&e->c);
		free(e);
		e = NULL;
	}
	json_decref(doc);
	return e;
}

static int by_netns(const void *a, const void *b)
{
	const struct rt_entry *x = *(struct rt_entry *const *)a;
	const struct rt_entry *y = *(struct rt_entry *const *)b;

	return (x->c.netns > y->c.netns) - (x->c.netns < y->c.netns);
}

/* The table's entries, each held again: NULL when out of memory. */
static struct rt_entry **table_copy(struct cmon_runtime *rt, size_t extra)
{
	struct rt_entry **v = calloc(rt->n + extra + 1, sizeof(*v));
	size_t i;

	for (i = 0; v && i < rt->n; i++)
		v[i] = entry_hold(rt->e[i]);
	return v;
}

/* Make @v (@n entries, held) the table; a new generation if it changed. */
static void table_swap(struct cmon_runtime *rt, struct rt_entry **v, size_t n)
{
	struct rt_entry **old;
	size_t i, nold;
	int same;

	qsort(v, n, sizeof(*v), by_netns);
	pthread_mutex_lock(&rt->mu);
	old = rt->e;
	nold = rt->n;
	same = n == nold && (!n || !memcmp(v, old, n * sizeof(*v)));
	rt->e = v;
	rt->n = n;
	rt->gen += !same;
	pthread_mutex_unlock(&rt->mu);
	for (i = 0; i < nold; i++)
		entry_put(old[i]);
	free(old);
}

/* Index of container @id in @v (@n), or @n. */
static size_t find_id(struct rt_entry **v, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n && strcmp(v[i]->id, id); i++)
		;
	return i;
}

/* List the containers, inspecting those not known, or with @all every
 * one; the table swapped in.  0, or -1 with @err said. */
static int list_all(struct cmon_runtime *rt, int all, char *err,
		    size_t errlen)
{
	json_t *list = get(rt, "/containers/json", NULL, err, errlen), *it;
	struct rt_entry **v;
	size_t i, j, n = 0;
	int gone;

	if (list && !json_is_array(list)) {
		snprintf(err, errlen, "GET /containers/json: not a list");
		json_decref(list);
		return -1;
	}
	if (!list)
		return -1;
	v = calloc(json_array_size(list) + 1, sizeof(*v));
	if (!v) {
		snprintf(err, errlen, "out of memory");
		json_decref(list);
		return -1;
	}
	json_array_foreach(list, i, it) {
		const char *id = json_string_value(json_object_get(it, "Id"));

		if (!id || strlen(id) > 80 || find_id(v, n, id) < n)
			continue;
		/* known: as it was (the lister alone changes the table),
		 * also when asked again and the runtime does not answer */
		j = find_id(rt->e, rt->n, id);
		v[n] = j < rt->n && !all ? entry_hold(rt->e[j]) :
		       inspect(rt, id, &gone, err, errlen);
		if (!v[n] && !gone && j < rt->n)
			v[n] = entry_hold(rt->e[j]);
		n += v[n] != NULL;
	}
	json_decref(list);
	table_swap(rt, v, n);
	return 0;
}

/* What the events @m (@nm, in order) said, one request a container
 * started or changed.  0, or -1 with @err said (the table as it was). */
static int apply_marks(struct cmon_runtime *rt, const struct mark *m,
		       size_t nm, char *err, size_t errlen)
{
	struct rt_entry **v = table_copy(rt, nm), *e;
	size_t i, j, n = rt->n;
	int gone;

	if (!v) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < nm; i++) {
		if ((j = find_id(v, n, m[i].id)) < n) {
			entry_put(v[j]);
			v[j] = v[--n];
		}
		if (m[i].gone)
			continue;
		e = inspect(rt, m[i].id, &gone, err, errlen);
		if (e)
			v[n++] = e;
		else if (!gone)
			break;		/* no answer */
	}
	if (i < nm) {
		for (j = 0; j < n; j++)
			entry_put(v[j]);
		free(v);
		return -1;
	}
	table_swap(rt, v, n);
	return 0;
}

/* ---- the lister ---------------------------------------------------- */

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
	struct mark m[MAX_MARKED];
	char err[256];
	int ok = 1, ev, all, rc;
	time_t listed = time(NULL);
	size_t nm, i;

	/* an event: what it named; every 30 s: the list, in case one was
	 * missed; events lost: every container inspected again */
	while ((ev = wait_dirty(rt, ok ? FULL_REFRESH_S : 2)) >= 0) {
		/* events close together are one look */
		nanosleep(&pause, NULL);
		pthread_mutex_lock(&rt->mu);
		nm = rt->nmarked;
		memcpy(m, rt->marked, nm * sizeof(m[0]));
		all = rt->marked_all;
		rt->nmarked = 0;
		rt->marked_all = 0;
		pthread_mutex_unlock(&rt->mu);
		if (all || !ev || !ok ||
		    time(NULL) - listed >= FULL_REFRESH_S) {
			rc = list_all(rt, all || !ok, err, sizeof(err));
			listed = time(NULL);
		} else {
			rc = apply_marks(rt, m, nm, err, sizeof(err));
		}
		for (i = 0; i < nm; i++)
			free(m[i].id);
		if (rc) {
			if (ok)
				cmon_warn("%s at %s: %s (containers keep the "
					  "names they had)", rt->name,
					  rt->path, err);
			ok = 0;		/* all again, every 2 s until it works */
		} else {
			ok = 1;
		}
	}
	return NULL;
}

/* ---- the events stream --------------------------------------------- */

static void on_event(struct cmon_runtime *rt, const char *line)
{
	/* what starts or changes a container, then what ends one (Podman
	 * says died and remove where Docker says die and destroy) */
	static const char *const actions[] = { "start", "restart", "rename",
					       "update", "die", "died",
					       "destroy", "remove", NULL };
	json_t *ev = json_loads(line, 0, NULL);
	const char *action = json_string_value(json_object_get(ev, "Action"));
	const char *id = json_string_value(json_object_get(
		json_object_get(ev, "Actor"), "ID"));
	size_t i;

	for (i = 0; action && actions[i] && strcmp(action, actions[i]); i++)
		;
	if (action && actions[i] && id && strlen(id) <= 80) {
		pthread_mutex_lock(&rt->mu);
		if (rt->nmarked == MAX_MARKED) {
			rt->marked_all = 1;
		} else if ((rt->marked[rt->nmarked].id = strdup(id))) {
			rt->marked[rt->nmarked].gone = i >= 4;
			rt->nmarked++;
		} else {
			rt->marked_all = 1;
		}
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
	v = get(rt, "/version", NULL, err, sizeof(err));
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
	if (list_all(rt, 1, err, sizeof(err))) {
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

	if (!s)
		return NULL;
	pthread_mutex_lock(&rt->mu);
	s->c = (struct cmon_rt_container **)table_copy(rt, 0);
	s->n = s->c ? rt->n : 0;
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
	size_t lo = 0, hi = s ? s->n : 0;

	while (lo < hi) {		/* sorted by netns (table_swap) */
		size_t mid = lo + (hi - lo) / 2;

		if (s->c[mid]->netns == netns)
			return s->c[mid];
		if (s->c[mid]->netns < netns)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void cmon_rt_snapshot_free(struct cmon_rt_snapshot *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		entry_put((struct rt_entry *)s->c[i]);
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
	for (i = 0; i < rt->n; i++)
		entry_put(rt->e[i]);
	free(rt->e);
	for (i = 0; i < rt->nmarked; i++)
		free(rt->marked[i].id);
	free(rt->line);
	free(rt->path);
	free(rt);
}
