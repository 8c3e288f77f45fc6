// SPDX-License-Identifier: BSD-2-Clause
/* Pair-by-pair sampling: see sample.h. */
#include <stdlib.h>
#include "sample.h"

int cmon_pair_sample_cmp(const void *x, const void *y)
{
	const struct cmon_pair_sample *p = x, *q = y;

	if (p->saddr != q->saddr)
		return p->saddr < q->saddr ? -1 : 1;
	if (p->daddr != q->daddr)
		return p->daddr < q->daddr ? -1 : 1;
	return (int)p->proto - (int)q->proto;
}

unsigned int cmon_gcd(unsigned int x, unsigned int y)
{
	while (y) {
		unsigned int t = x % y;

		x = y;
		y = t;
	}
	return x;
}

size_t cmon_sample_plan(unsigned int n, const struct cmon_pair_sample *ps,
			size_t nps, size_t max, struct cmon_pair_sample *out,
			size_t *left_out, unsigned int *base)
{
	size_t i, j, nw = 0;

	for (i = 0; i < nps; i++)
		if (ps[i].n && ps[i].n != n)
			out[nw++] = ps[i];
	qsort(out, nw, sizeof(*out), cmon_pair_sample_cmp);
	for (i = j = 0; i < nw; i++)
		if (!j || cmon_pair_sample_cmp(&out[j - 1], &out[i]))
			out[j++] = out[i];
	*left_out = j > max ? j - max : 0;
	nw = j > max ? max : j;
	*base = n;
	for (i = 0; i < nw; i++)
		*base = cmon_gcd(*base, out[i].n);
	return nw;
}
