/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Latency histogram: log-linear buckets (16 per power of two, so a
 * percentile is within 1/32 of the true value), exact min, max and sum.
 * Values are nanoseconds; negative values are clamped to 0 and counted.
 */
#ifndef CMON_HIST_H
#define CMON_HIST_H

#include <stdint.h>

#define CMON_HIST_SUB_BITS	4
#define CMON_HIST_SUB		(1 << CMON_HIST_SUB_BITS)
#define CMON_HIST_MAX_EXP	44	/* ~4.9 hours in ns */
#define CMON_HIST_BUCKETS	((CMON_HIST_MAX_EXP - CMON_HIST_SUB_BITS + 2) * CMON_HIST_SUB)

struct cmon_hist {
	uint64_t count;
	uint64_t negative;	/* samples below zero (clock skew) */
	uint64_t min, max, sum;
	uint32_t bucket[CMON_HIST_BUCKETS];
};

void cmon_hist_reset(struct cmon_hist *h);
void cmon_hist_add(struct cmon_hist *h, int64_t ns);
/* Value at quantile q (0..1); 0 when empty.  Never above max. */
uint64_t cmon_hist_quantile(const struct cmon_hist *h, double q);
void cmon_hist_merge(struct cmon_hist *dst, const struct cmon_hist *src);
/* Bucket index of a value, and the bounds [lo, hi] of a bucket. */
unsigned int cmon_hist_index(uint64_t v);
void cmon_hist_bounds(unsigned int idx, uint64_t *lo, uint64_t *hi);

#endif /* CMON_HIST_H */
