// SPDX-License-Identifier: BSD-2-Clause
/* Alertmanager sender thread: see alertmanager.h. */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "alertmanager.h"
#include "clock.h"
#include "log.h"

struct cmon_am {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
	double deadline;		/* monotonic; flush until then */
	char **urls;			/* .../api/v2/alerts */
	size_t nurls;
	char *q[CMON_AM_QUEUE];		/* oldest first */
	unsigned int nq;
	struct cmon_am_stats st;
	int down;
	CURL *curl;
	char err[CURL_ERROR_SIZE];
};

static size_t discard(char *p, size_t sz, size_t n, void *ctx)
{
	(void)p;
	(void)ctx;
	return sz * n;
}

/* 0 if every Alertmanager took @body. */
static int send_all(struct cmon_am *m, const char *body)
{
	struct curl_slist *h = curl_slist_append(NULL,
		"Content-Type: application/json");
	size_t i;
	int bad = 0;

	curl_easy_setopt(m->curl, CURLOPT_HTTPHEADER, h);
	for (i = 0; i < m->nurls; i++) {
		long code = -1;

		m->err[0] = 0;
		curl_easy_setopt(m->curl, CURLOPT_URL, m->urls[i]);
		curl_easy_setopt(m->curl, CURLOPT_POSTFIELDS, body);
		if (curl_easy_perform(m->curl) == CURLE_OK)
			curl_easy_getinfo(m->curl, CURLINFO_RESPONSE_CODE,
					  &code);
		if (code / 100 != 2) {
			pthread_mutex_lock(&m->mu);
			m->st.failed++;
			pthread_mutex_unlock(&m->mu);
			if (!m->down)
				cmon_warn("alertmanager: %s: %s", m->urls[i],
					  m->err[0] ? m->err : "not accepted");
			bad = 1;
		}
	}
	curl_slist_free_all(h);
	if (!bad && m->down)
		cmon_info("alertmanager: sending again");
	m->down = bad;
	return bad;
}

static void *run(void *arg)
{
	struct cmon_am *m = arg;

	pthread_mutex_lock(&m->mu);
	for (;;) {
		char *body;

		while (!m->nq && !m->stop)
			pthread_cond_wait(&m->cv, &m->mu);
		if (!m->nq || (m->stop && cmon_time_mono() > m->deadline))
			break;
		body = m->q[0];
		pthread_mutex_unlock(&m->mu);
		if (send_all(m, body)) {
			struct timespec ts = { 1, 0 };

			nanosleep(&ts, NULL);	/* then try it again */
			pthread_mutex_lock(&m->mu);
			continue;
		}
		pthread_mutex_lock(&m->mu);
		/* the queue may have moved while sending: find it again */
		if (m->nq && m->q[0] == body) {
			memmove(&m->q[0], &m->q[1], --m->nq * sizeof(m->q[0]));
			m->st.sent++;
		}
		free(body);
	}
	pthread_mutex_unlock(&m->mu);
	return NULL;
}

struct cmon_am *cmon_am_start(char *const *urls, size_t n)
{
	struct cmon_am *m = calloc(1, sizeof(*m));
	size_t i;

	if (!m || !(m->urls = calloc(n, sizeof(*m->urls))))
		goto nomem;
	for (i = 0; i < n; i++) {
		size_t l = strlen(urls[i]);

		if (strncmp(urls[i], "http://", 7) &&
		    strncmp(urls[i], "https://", 8)) {
			cmon_err("alertmanager: '%s' is not an http:// URL",
				 urls[i]);
			goto fail;
		}
		while (l && urls[i][l - 1] == '/')
			l--;
		if (asprintf(&m->urls[m->nurls], "%.*s/api/v2/alerts", (int)l,
			     urls[i]) < 0)
			goto nomem;
		m->nurls++;
	}
	m->curl = curl_easy_init();
	if (!m->curl)
		goto nomem;
	curl_easy_setopt(m->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(m->curl, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(m->curl, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(m->curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(m->curl, CURLOPT_ERRORBUFFER, m->err);
	pthread_mutex_init(&m->mu, NULL);
	pthread_cond_init(&m->cv, NULL);
	errno = pthread_create(&m->thread, NULL, run, m);
	if (errno) {
		cmon_err("alertmanager: cannot start its thread: %s",
			 strerror(errno));
		goto fail;
	}
	cmon_info("alertmanager: alerts go to %s%s", m->urls[0],
		  m->nurls > 1 ? " and more" : "");
	return m;
nomem:
	cmon_err("alertmanager: out of memory");
fail:
	if (m) {
		if (m->curl)
			curl_easy_cleanup(m->curl);
		for (i = 0; i < m->nurls; i++)
			free(m->urls[i]);
		free(m->urls);
		free(m);
	}
	return NULL;
}

void cmon_am_push(struct cmon_am *m, char *body)
{
	if (!m) {
		free(body);
		return;
	}
	pthread_mutex_lock(&m->mu);
	if (m->nq == CMON_AM_QUEUE) {
		/* the oldest goes, unless it is being sent (it stays first) */
		free(m->q[1]);
		memmove(&m->q[1], &m->q[2], (m->nq - 2) * sizeof(m->q[0]));
		m->nq--;
		m->st.dropped++;
	}
	m->q[m->nq++] = body;
	pthread_cond_signal(&m->cv);
	pthread_mutex_unlock(&m->mu);
}

void cmon_am_stats(struct cmon_am *m, struct cmon_am_stats *st)
{
	if (!m) {
		memset(st, 0, sizeof(*st));
		return;
	}
	pthread_mutex_lock(&m->mu);
	*st = m->st;
	pthread_mutex_unlock(&m->mu);
}

void cmon_am_stop(struct cmon_am *m, double flush_s)
{
	size_t i;

	if (!m)
		return;
	pthread_mutex_lock(&m->mu);
	m->stop = 1;
	m->deadline = cmon_time_mono() + flush_s;
	pthread_cond_signal(&m->cv);
	pthread_mutex_unlock(&m->mu);
	pthread_join(m->thread, NULL);
	for (i = 0; i < m->nq; i++)
		free(m->q[i]);
	for (i = 0; i < m->nurls; i++)
		free(m->urls[i]);
	free(m->urls);
	curl_easy_cleanup(m->curl);
	free(m);
}
