/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * User views of the aggregation engine: the live terminal table and the
 * one-JSON-object-per-interval stream (schema: doc/json.md).
 */
#ifndef CMON_VIEW_H
#define CMON_VIEW_H

#include <stdint.h>
#include <stdio.h>
#include "agg.h"

/* How a binary names what the engine only knows by number. */
struct cmon_names {
	/* container name of an IPv4 address (network order), or NULL */
	const char *(*ip)(void *ctx, uint32_t addr);
	/* "device@namespace" of a device, or NULL */
	const char *(*dev)(void *ctx, uint32_t netns, uint32_t ifindex);
	/* kernel drop reason name, or NULL */
	const char *(*reason)(void *ctx, uint32_t reason);
	void *ctx;
};

/* Monitor health counters shown with every interval. */
struct cmon_counter {
	const char *name;
	uint64_t value;
};

struct cmon_view {
	const struct cmon_agg *agg;
	const struct cmon_names *names;
	const struct cmon_counter *counters;
	unsigned int ncounters;
	double time;		/* wall clock, seconds since the epoch */
	double interval;	/* seconds */
	const char *node;
	unsigned int sample_n;
};

void cmon_view_json(FILE *out, const struct cmon_view *v);
void cmon_view_table(FILE *out, const struct cmon_view *v, int clear);

/*
 * End an interval of @agg (v->agg): append the engine's own counters after
 * the @n in v->counters (room for CMON_VIEW_AGG_COUNTERS more), tick,
 * print to stdout as JSON or the live table, and expire idle pairs.
 */
#define CMON_VIEW_AGG_COUNTERS 2
void cmon_view_report(struct cmon_agg *agg, struct cmon_view *v,
		      struct cmon_counter *counters, unsigned int n, int json);

#endif /* CMON_VIEW_H */
