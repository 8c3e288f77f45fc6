// SPDX-License-Identifier: BSD-2-Clause
/* Log-linear latency histogram: see hist.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "hist.h"

void cmon_hist_reset(struct cmon_hist *h)
{
	free(h->bucket);
	memset(h, 0, sizeof(*h));
}

void cmon_hist_move(struct cmon_hist *dst, struct cmon_hist *src)
{
	if (dst == src)
		return;
	free(dst->bucket);
	*dst = *src;
	memset(src, 0, sizeof(*src));
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

uint64_t cmon_hist_mid(unsigned int idx)
{
	uint64_t lo, hi;

	cmon_hist_bounds(idx, &lo, &hi);
	return lo + (hi - lo) / 2;
}

/* Make the window hold buckets [lo, hi] (whole groups of 16). */
static int cover(struct cmon_hist *h, unsigned int lo, unsigned int hi)
{
	unsigned int nlo, nhi, n;
	uint32_t *b;

	if (h->n && lo >= h->lo && hi < (unsigned int)h->lo + h->n)
		return 0;
	if (h->n) {
		if (h->lo < lo)
			lo = h->lo;
		if ((unsigned int)h->lo + h->n - 1 > hi)
			hi = h->lo + h->n - 1;
	}
	nlo = lo / CMON_HIST_SUB * CMON_HIST_SUB;
	nhi = (hi / CMON_HIST_SUB + 1) * CMON_HIST_SUB;
	n = nhi - nlo;
	b = calloc(n, sizeof(*b));
	if (!b)
		return -ENOMEM;
	if (h->n)
		memcpy(b + (h->lo - nlo), h->bucket, h->n * sizeof(*b));
	free(h->bucket);
	h->bucket = b;
	h->lo = (uint16_t)nlo;
	h->n = (uint16_t)n;
	return 0;
}

int cmon_hist_add(struct cmon_hist *h, int64_t ns)
{
	uint64_t v = ns < 0 ? 0 : (uint64_t)ns;
	unsigned int i = cmon_hist_index(v);

	if (cover(h, i, i))
		return -ENOMEM;
	if (ns < 0)
		h->negative++;
	if (!h->count || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->count++;
	h->sum += v;
	h->bucket[i - h->lo]++;
	return 0;
}

uint64_t cmon_hist_quantile(const struct cmon_hist *h, double q)
{
	uint64_t rank, seen = 0, mid;
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
	for (i = 0; i + 1 < h->n; i++) {
		seen += h->bucket[i];
		if (seen >= rank)
			break;
	}
	mid = cmon_hist_mid(h->lo + i);
	if (mid > h->max)
		mid = h->max;
	if (mid < h->min)
		mid = h->min;
	return mid;
}

int cmon_hist_merge(struct cmon_hist *dst, const struct cmon_hist *src)
{
	unsigned int i;

	if (!src->count)
		return 0;
	if (cover(dst, src->lo, src->lo + src->n - 1))
		return -ENOMEM;
	if (!dst->count || src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->negative += src->negative;
	dst->sum += src->sum;
	for (i = 0; i < src->n; i++)
		dst->bucket[src->lo + i - dst->lo] += src->bucket[i];
	return 0;
}
