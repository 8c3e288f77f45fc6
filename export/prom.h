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

struct cmon_prom *cmon_prom_create(void);
void cmon_prom_destroy(struct cmon_prom *p);
/* Add a ticked interval's figures. */
void cmon_prom_update(struct cmon_prom *p, const struct cmon_view *v);
/* The exposition: the cumulative state and @v's monitor counters. */
void cmon_prom_write(const struct cmon_prom *p, const struct cmon_view *v,
		     FILE *out);
/* Pairs dropped because the table was full (counted, exported). */
uint64_t cmon_prom_overflow(const struct cmon_prom *p);

#endif /* CMON_PROM_H */
