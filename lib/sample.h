/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The monitoring rules' sampling as the hops take it: one rate for every
 * pair, and the pairs whose rule says another, each hop's fast path
 * leaving out all but 1 in a base rate that divides them all (the kernel
 * hops: kmod-free/kagent.h; the switch's: lib/ovs-ctl.h).
 */
#ifndef CMON_SAMPLE_H
#define CMON_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

/* A pair traced 1 in its own N (monitoring rules). */
struct cmon_pair_sample {
	uint32_t saddr, daddr;		/* network order */
	uint8_t proto;
	uint32_t n;
};

/* Order of pairs by addresses and protocol (qsort, bsearch). */
int cmon_pair_sample_cmp(const void *x, const void *y);

/*
 * The pairs of @ps (@nps of them, in any order) whose own rate is not
 * @n, sorted and once each, at most @max of them, into @out (room for
 * @nps): how many.  *@left_out: those beyond @max; *@base: the greatest
 * common divisor of @n and the rates of those in @out.
 */
size_t cmon_sample_plan(unsigned int n, const struct cmon_pair_sample *ps,
			size_t nps, size_t max, struct cmon_pair_sample *out,
			size_t *left_out, unsigned int *base);

/* The greatest common divisor of @x and @y (@x when @y is 0). */
unsigned int cmon_gcd(unsigned int x, unsigned int y);

#endif /* CMON_SAMPLE_H */
