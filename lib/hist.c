// SPDX-License-Identifier: BSD-2-Clause
/* Log-linear latency histogram: see hist.h. */
#include <string.h>
#include "hist.h"

void cmon_hist_reset(struct cmon_hist *h)
{
	memset(h, 0, sizeof(*h));
}

unsigned int cmon_hist_index(uint64_t v)
{
	unsigned int e;

	if (v < CMON_HIST_SUB)
		return (unsigned int)v;
	e = 63 - __builtin_clzll(v);		/* >= CMON_HIST_SUB_BITS */
	if (e > CMON_HIST_MAX_EXP)
		return CMON_HIST_BUCKETS - 1;
	return (e - CMON_HIST_SUB_BITS + 1) * CMON_HIST_SUB +
	       (unsigned int)((v >> (e - CMON_HIST_SUB_BITS)) &
			      (CMON_HIST_SUB - 1));
}

void cmon_hist_bounds(unsigned int idx, uint64_t *lo, uint64_t *hi)
{
	unsigned int grp = idx / CMON_HIST_SUB, sub = idx % CMON_HIST_SUB;
	unsigned int shift;

	if (grp == 0) {
		*lo = *hi = idx;
		return;
	}
	shift = grp - 1;
	*lo = ((uint64_t)(CMON_HIST_SUB + sub)) << shift;
	*hi = *lo + ((uint64_t)1 << shift) - 1;
}

void cmon_hist_add(struct cmon_hist *h, int64_t ns)
{
	uint64_t v;

	if (ns < 0) {
		h->negative++;
		ns = 0;
	}
	v = (uint64_t)ns;
	if (!h->count || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->count++;
	h->sum += v;
	h->bucket[cmon_hist_index(v)]++;
}

uint64_t cmon_hist_quantile(const struct cmon_hist *h, double q)
{
	uint64_t rank, seen = 0, lo, hi, mid;
	unsigned int i;

	if (!h->count)
		return 0;
	if (q <= 0)
		return h->min;
	if (q >= 1)
		return h->max;
	rank = (uint64_t)(q * (double)h->count);
	if ((double)rank < q * (double)h->count)
		rank++;			/* ceil: the rank-th smallest value */
	for (i = 0; i < CMON_HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= rank)
			break;
	}
	cmon_hist_bounds(i, &lo, &hi);
	mid = lo + (hi - lo) / 2;
	if (mid > h->max)
		mid = h->max;
	if (mid < h->min)
		mid = h->min;
	return mid;
}

void cmon_hist_merge(struct cmon_hist *dst, const struct cmon_hist *src)
{
	unsigned int i;

	if (!src->count)
		return;
	if (!dst->count || src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->negative += src->negative;
	dst->sum += src->sum;
	for (i = 0; i < CMON_HIST_BUCKETS; i++)
		dst->bucket[i] += src->bucket[i];
}
