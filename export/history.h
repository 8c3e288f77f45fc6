/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The embedded history: a bounded in-memory time series per container pair
 * (rates, loss, end-to-end and per-hop latency) and one for the monitor's
 * counters, so a single node needs nothing external to show the recent
 * past.  The main loop appends once per tick; the HTTP threads read.
 * Thread-safe.
 */
#ifndef CMON_HISTORY_H
#define CMON_HISTORY_H

#include <stdio.h>
#include "view.h"

struct cmon_history;

/*
 * Keep the last @points intervals: a series holds its points of those
 * (a pair idle for all of them has no series any more).  Latencies are
 * kept as the histogram bucket of each percentile: a point's p50 and p99
 * are the middle of the bucket the interval's figure fell in, within
 * 1/32 of it.
 */
struct cmon_history *cmon_history_create(unsigned int points);
void cmon_history_destroy(struct cmon_history *h);
/* Append the active pairs and the counters of a ticked interval. */
void cmon_history_append(struct cmon_history *h, const struct cmon_view *v);
/* JSON: the list of series (no points). */
void cmon_history_index(struct cmon_history *h, FILE *out);
/*
 * JSON: one pair's points after @since (seconds since the epoch), the pair
 * named by source and destination (container name or address), protocol
 * name and port (0: the pair of no port); @proto NULL and @port -1 match
 * any.  Returns -ENOENT if no series.
 */
int cmon_history_pair(struct cmon_history *h, FILE *out, const char *src,
		      const char *dst, const char *proto, int port,
		      double since);
/* JSON: the monitor counters' points after @since. */
void cmon_history_monitor(struct cmon_history *h, FILE *out, double since);
/*
 * Hand the store to the next process (cmon-dpdk --wait starts itself again
 * after an Open vSwitch restart): write everything it holds to @out, and
 * read it back into a fresh store.  Load returns 0, or -EINVAL when @in
 * holds no store written by this build (nothing loaded) or is cut short
 * (what came before stays); a store of another capacity keeps the newest
 * points.
 */
int cmon_history_save(struct cmon_history *h, FILE *out);
int cmon_history_load(struct cmon_history *h, FILE *in);
/* Bytes the store uses now. */
size_t cmon_history_bytes(struct cmon_history *h);
/* Series held, and series dropped to make room for a new one (the
 * store holds MAX_SERIES, 4096; the one idle longest goes). */
unsigned int cmon_history_series(struct cmon_history *h);
uint64_t cmon_history_evicted(struct cmon_history *h);

#endif /* CMON_HISTORY_H */
