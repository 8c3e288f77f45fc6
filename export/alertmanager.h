/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Alerts to Prometheus Alertmanager (its API v2: POST /api/v2/alerts),
 * from a thread of its own so the daemon's loop never waits on it.  Up
 * to CMON_AM_QUEUE batches wait while Alertmanager is down; beyond, the
 * oldest are dropped and counted (a firing alert is sent again anyway,
 * every CMON_AM_RESEND_S seconds, until it resolves).
 */
#ifndef CMON_ALERTMANAGER_H
#define CMON_ALERTMANAGER_H

#include <stddef.h>
#include <stdint.h>

#define CMON_AM_QUEUE		64
#define CMON_AM_RESEND_S	30.0

struct cmon_am;

struct cmon_am_stats {
	uint64_t sent;		/* batches every Alertmanager took */
	uint64_t failed;	/* posts that failed (each URL, each try) */
	uint64_t dropped;	/* batches dropped, the queue being full */
};

/* Start for the Alertmanager base URLs @urls (http://host:9093); NULL
 * with a logged reason if one is not usable.  Unreachable is not an
 * error. */
struct cmon_am *cmon_am_start(char *const *urls, size_t n);
/* Queue a JSON array of alerts (takes @body, malloc'd).  Never blocks. */
void cmon_am_push(struct cmon_am *m, char *body);
void cmon_am_stats(struct cmon_am *m, struct cmon_am_stats *st);
/* Try for up to @flush_s seconds to send what waits, then stop. */
void cmon_am_stop(struct cmon_am *m, double flush_s);

#endif /* CMON_ALERTMANAGER_H */
