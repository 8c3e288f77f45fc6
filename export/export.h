/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The exporter: what cmon-dpdk does with the aggregation engine's figures
 * besides printing them.  Once per interval the main loop hands it the
 * interval's view (lib/view.h) and the monitored containers; it keeps the
 * embedded history, the Prometheus counters and histograms, queues
 * InfluxDB line protocol, and publishes everything to the HTTP server's
 * threads.  Nothing here ever blocks the caller on a sink: a slow or dead
 * InfluxDB only fills a bounded buffer (its drops are counted).
 */
#ifndef CMON_EXPORT_H
#define CMON_EXPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "prom.h"
#include "view.h"

struct cmon_export_opts {
	const char *http;		/* "[ADDR:]PORT", or NULL: no server */
	const char *http_token;		/* required when ADDR is not loopback */
	const char *web_root;		/* static files served at / (or NULL) */
	const char *influx_url;		/* "http://host:port", or NULL */
	const char *influx_db;		/* database (default "cmon") */
	size_t influx_buffer;		/* bytes of lines kept while it is down */
	unsigned int history;		/* points kept per series */
	/* container labels on the Prometheus series (prom.h), and how
	 * many values each may take */
	const char *prom_labels[CMON_PROM_MAX_LABELS];
	unsigned int nprom_labels, prom_label_values;
};

#define CMON_EXPORT_OPTS_DEFAULT { .influx_db = "cmon", \
	.influx_buffer = 8u << 20, .history = 600, .prom_label_values = 200 }

struct cmon_export;

/* Start the configured sinks; NULL (reason logged) when one cannot start. */
struct cmon_export *cmon_export_start(const struct cmon_export_opts *o);
/*
 * Publish one interval: @v, the engine ticked for it (as the daemon loop
 * does before printing), and the @n monitored containers.
 */
void cmon_export_tick(struct cmon_export *e, const struct cmon_view *v,
		      const struct cmon_endpoint *eps, unsigned int n);
/* The other nodes (--peer) whose documents the cluster view holds. */
struct cmon_peers;
void cmon_export_peers(struct cmon_export *e, struct cmon_peers *p);
/* "http://ADDR:PORT/" of the HTTP server, or NULL without one. */
const char *cmon_export_url(const struct cmon_export *e);
/* The exporter's own counters (InfluxDB lines queued, written, dropped). */
#define CMON_EXPORT_NCOUNTERS 7
unsigned int cmon_export_counters(struct cmon_export *e,
				  struct cmon_counter *out);
/* Flush InfluxDB for at most @flush_s seconds, stop the server, free. */
void cmon_export_stop(struct cmon_export *e, double flush_s);
/*
 * For a program about to exec itself (cmon-dpdk --wait): write to @out
 * what the next process needs, the embedded history and the InfluxDB
 * lines not written yet.  The sinks go on running until the exec.  The
 * next process, started with the same options, reads it back with
 * cmon_export_take_over().  0 or -errno.
 */
int cmon_export_hand_over(struct cmon_export *e, FILE *out);
int cmon_export_take_over(struct cmon_export *e, FILE *in);

#endif /* CMON_EXPORT_H */
