/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Prometheus text exposition (format 0.0.4) of the engine's figures.  The
 * engine reports per interval; Prometheus wants counters and histograms
 * that only grow, so this keeps cumulative state per container pair,
 * updated once per tick.  Latencies are histograms in seconds whose
 * bucket bounds are exact to the engine histogram's resolution (1/16).
 */
#ifndef CMON_PROM_H
#define CMON_PROM_H

#include <stdio.h>
#include "view.h"

struct cmon_prom;

/* At most this many container labels exported (--prom-labels). */
#define CMON_PROM_MAX_LABELS	4

/*
 * @labels (@nlabels): what the container runtime says of a pair's ends
 * to add to its series as src_KEY and dst_KEY (a label's key, or image,
 * compose_project, compose_service); each takes at most @max_values
 * values, any further one is "_other" (counted: label_overflow).
 */
struct cmon_prom *cmon_prom_create(const char *const *labels,
				   unsigned int nlabels,
				   unsigned int max_values);
void cmon_prom_destroy(struct cmon_prom *p);
/* Add a ticked interval's figures. */
void cmon_prom_update(struct cmon_prom *p, const struct cmon_view *v);
/* The exposition: the cumulative state and @v's monitor counters. */
void cmon_prom_write(const struct cmon_prom *p, const struct cmon_view *v,
		     FILE *out);
/* Pairs dropped because the table was full (counted, exported). */
uint64_t cmon_prom_overflow(const struct cmon_prom *p);
/* Label values exported as "_other" for want of room. */
uint64_t cmon_prom_label_overflow(const struct cmon_prom *p);

#endif /* CMON_PROM_H */
