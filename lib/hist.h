/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Latency histogram: log-linear buckets (16 per power of two, so a
 * percentile is within 1/32 of the true value), exact min, max and sum.
 * Values are nanoseconds; negative values are clamped to 0 and counted.
 *
 * Only the buckets between the lowest and the highest value seen are
 * held (a window grown 16 buckets at a time): an interval's latencies
 * span a few powers of two, so a histogram takes a few hundred bytes,
 * not the 2.7 KiB of every bucket.  A zeroed struct is an empty
 * histogram; cmon_hist_free() releases one, cmon_hist_move() hands one
 * over without copying.
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
	uint32_t *bucket;	/* buckets [lo, lo + n), or NULL */
	uint16_t lo, n;
};

/* Empty it, keeping no memory. */
void cmon_hist_reset(struct cmon_hist *h);
#define cmon_hist_free cmon_hist_reset
/* @dst takes @src's samples and memory (its own are freed); @src is
 * left empty. */
void cmon_hist_move(struct cmon_hist *dst, struct cmon_hist *src);
/* 0, or -ENOMEM with the sample not counted. */
int cmon_hist_add(struct cmon_hist *h, int64_t ns);
/* Value at quantile q (0..1); 0 when empty.  Never above max. */
uint64_t cmon_hist_quantile(const struct cmon_hist *h, double q);
/* 0, or -ENOMEM with @dst unchanged. */
int cmon_hist_merge(struct cmon_hist *dst, const struct cmon_hist *src);
/* Count of bucket @idx (0..CMON_HIST_BUCKETS-1). */
static inline uint32_t cmon_hist_bucket(const struct cmon_hist *h,
					unsigned int idx)
{
	return idx - h->lo < h->n ? h->bucket[idx - h->lo] : 0;
}
/* Bytes held beside the struct. */
static inline unsigned int cmon_hist_mem(const struct cmon_hist *h)
{
	return h->n * (unsigned int)sizeof(uint32_t);
}
/* Bucket index of a value, and the bounds [lo, hi] of a bucket. */
unsigned int cmon_hist_index(uint64_t v);
void cmon_hist_bounds(unsigned int idx, uint64_t *lo, uint64_t *hi);
/* The middle of bucket @idx: what a quantile falling in it reports
 * (unless min or max is nearer). */
uint64_t cmon_hist_mid(unsigned int idx);

#endif /* CMON_HIST_H */
