/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * InfluxDB 1.x sink: line protocol over HTTP (/write), from a thread of
 * its own so the rings are never blocked.  Batches wait in a bounded
 * buffer while InfluxDB is down or slow; when it is full the oldest
 * batches are dropped and their lines counted, so that
 *     queued = written + dropped + rejected + buffered
 * holds at every moment (rejected: lines InfluxDB refused with a 4xx).
 */
#ifndef CMON_INFLUX_H
#define CMON_INFLUX_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "view.h"

struct cmon_influx;

struct cmon_influx_stats {
	uint64_t queued, written, dropped, rejected;
	uint64_t buffered_lines;
	uint64_t failures;		/* write attempts that failed */
	int down;			/* the last attempt failed */
	size_t buffered_bytes;
};

/*
 * Write one ticked interval as line protocol: measurements cmon_pair,
 * cmon_hop, cmon_drop, cmon_link and cmon_monitor (doc/exporter.md).
 * Returns the number of lines.
 */
unsigned int cmon_influx_format(FILE *out, const struct cmon_view *v);

/*
 * Start the sink for @url ("http://host:port", optionally with user:pass@)
 * and database @db (created if missing).  NULL with a logged reason when
 * the URL is not usable; an unreachable server is not an error.
 */
struct cmon_influx *cmon_influx_start(const char *url, const char *db,
				      size_t buffer_bytes);
/* Queue a batch of @nlines lines; takes @buf (malloc'd).  Never blocks. */
void cmon_influx_push(struct cmon_influx *x, char *buf, size_t len,
		      unsigned int nlines);
void cmon_influx_stats(struct cmon_influx *x, struct cmon_influx_stats *st);
/*
 * For a process about to exec itself: a copy of every line not written
 * yet, the batch in flight included (InfluxDB keeps one of two equal
 * points, so writing it twice is harmless).  Does not stop the sink.
 * Returns a malloc'd buffer of *@nlines lines, *@len bytes, or NULL.
 */
char *cmon_influx_unwritten(struct cmon_influx *x, size_t *len,
			    unsigned int *nlines);
/* Try for up to @flush_s seconds to write what is buffered, then stop;
 * what is left is counted as dropped.  Accepts NULL. */
void cmon_influx_stop(struct cmon_influx *x, double flush_s);

#endif /* CMON_INFLUX_H */
