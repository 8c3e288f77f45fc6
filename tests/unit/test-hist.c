// SPDX-License-Identifier: BSD-2-Clause
/* Unit tests of lib/hist: bucket layout, percentiles, merge. */
#include <math.h>
#include "hist.h"
#include "unit.h"

static struct cmon_hist h, h2;

static void test_hist_index_bounds(void)
{
	uint64_t v, lo, hi;

	/* every value falls inside the bounds of its bucket */
	for (v = 0; v < 5000000; v = v < 100 ? v + 1 : v * 1.01 + 1) {
		cmon_hist_bounds(cmon_hist_index(v), &lo, &hi);
		CU_ASSERT(lo <= v && v <= hi);
		/* relative width at most 1/16 */
		CU_ASSERT(hi - lo <= v / 16 + 1);
	}
	CU_ASSERT_EQUAL(cmon_hist_index(UINT64_MAX), CMON_HIST_BUCKETS - 1);
}

static void test_hist_quantiles_uniform(void)
{
	int i;

	cmon_hist_reset(&h);
	for (i = 1; i <= 10000; i++)
		cmon_hist_add(&h, i * 1000);	/* 1 us .. 10 ms */
	CU_ASSERT_EQUAL(h.count, 10000);
	CU_ASSERT_EQUAL(h.min, 1000);
	CU_ASSERT_EQUAL(h.max, 10000000);
	CU_ASSERT(fabs(cmon_hist_quantile(&h, 0.5) / 5e6 - 1) < 0.04);
	CU_ASSERT(fabs(cmon_hist_quantile(&h, 0.9) / 9e6 - 1) < 0.04);
	CU_ASSERT(fabs(cmon_hist_quantile(&h, 0.99) / 9.9e6 - 1) < 0.04);
	CU_ASSERT_EQUAL(cmon_hist_quantile(&h, 1), 10000000);
}

static void test_hist_single_and_empty(void)
{
	cmon_hist_reset(&h);
	CU_ASSERT_EQUAL(cmon_hist_quantile(&h, 0.5), 0);
	cmon_hist_add(&h, 123456);
	/* one sample: every percentile is that sample (clamped to min/max) */
	CU_ASSERT_EQUAL(cmon_hist_quantile(&h, 0.5), 123456);
	CU_ASSERT_EQUAL(cmon_hist_quantile(&h, 0.99), 123456);
}

static void test_hist_negative_counted(void)
{
	cmon_hist_reset(&h);
	cmon_hist_add(&h, -5);
	cmon_hist_add(&h, 10);
	CU_ASSERT_EQUAL(h.negative, 1);
	CU_ASSERT_EQUAL(h.min, 0);
	CU_ASSERT_EQUAL(h.count, 2);
}

static void test_hist_tail(void)
{
	int i;

	/* 99 fast samples and one slow: p50 fast, p99 fast, max slow */
	cmon_hist_reset(&h);
	for (i = 0; i < 990; i++)
		cmon_hist_add(&h, 2000);
	for (i = 0; i < 10; i++)
		cmon_hist_add(&h, 800000);
	CU_ASSERT(cmon_hist_quantile(&h, 0.5) <= 2100);
	CU_ASSERT(cmon_hist_quantile(&h, 0.99) <= 2100);
	CU_ASSERT(cmon_hist_quantile(&h, 0.995) >= 760000);
	CU_ASSERT_EQUAL(h.max, 800000);
}

static void test_hist_merge(void)
{
	int i;

	cmon_hist_reset(&h);
	cmon_hist_reset(&h2);
	for (i = 0; i < 100; i++) {
		cmon_hist_add(&h, 1000);
		cmon_hist_add(&h2, 3000);
	}
	cmon_hist_merge(&h, &h2);
	CU_ASSERT_EQUAL(h.count, 200);
	CU_ASSERT_EQUAL(h.min, 1000);
	CU_ASSERT_EQUAL(h.max, 3000);
	CU_ASSERT_EQUAL(h.sum, 400000);
	CU_ASSERT(cmon_hist_quantile(&h, 0.25) <= 1100);
	CU_ASSERT(cmon_hist_quantile(&h, 0.75) >= 2900);
}

static void test_hist_window(void)
{
	uint64_t lo, hi;
	int i;

	/* a narrow interval holds few buckets */
	cmon_hist_reset(&h);
	for (i = 0; i < 1000; i++)
		cmon_hist_add(&h, 20000 + i * 30);	/* 20 .. 50 us */
	CU_ASSERT(cmon_hist_mem(&h) <= 3 * CMON_HIST_SUB * 4);
	/* growing down and up keeps every count where it was */
	cmon_hist_add(&h, 3);
	cmon_hist_add(&h, 7000000000LL);
	CU_ASSERT_EQUAL(h.count, 1002);
	CU_ASSERT_EQUAL(cmon_hist_bucket(&h, cmon_hist_index(3)), 1);
	CU_ASSERT_EQUAL(cmon_hist_bucket(&h, cmon_hist_index(7000000000ULL)), 1);
	CU_ASSERT_EQUAL(cmon_hist_quantile(&h, 0), 3);
	CU_ASSERT_EQUAL(cmon_hist_quantile(&h, 1), 7000000000ULL);
	cmon_hist_bounds(cmon_hist_index(35000), &lo, &hi);
	CU_ASSERT(cmon_hist_quantile(&h, 0.5) >= lo - lo / 16 &&
		  cmon_hist_quantile(&h, 0.5) <= hi + hi / 16);
	CU_ASSERT_EQUAL(cmon_hist_bucket(&h, CMON_HIST_BUCKETS - 1), 0);
	/* a move hands the buckets over and leaves an empty histogram */
	cmon_hist_reset(&h2);
	cmon_hist_add(&h2, 1);
	cmon_hist_move(&h2, &h);
	CU_ASSERT_EQUAL(h2.count, 1002);
	CU_ASSERT_EQUAL(h.count, 0);
	CU_ASSERT_EQUAL(cmon_hist_mem(&h), 0);
	CU_ASSERT_EQUAL(cmon_hist_quantile(&h, 0.5), 0);
	cmon_hist_free(&h2);
	CU_ASSERT_EQUAL(cmon_hist_mem(&h2), 0);
}

int main(void)
{
	static const struct unit_case cases[] = {
		{ "test_hist_index_bounds", test_hist_index_bounds },
		{ "test_hist_quantiles_uniform", test_hist_quantiles_uniform },
		{ "test_hist_single_and_empty", test_hist_single_and_empty },
		{ "test_hist_negative_counted", test_hist_negative_counted },
		{ "test_hist_tail", test_hist_tail },
		{ "test_hist_merge", test_hist_merge },
		{ "test_hist_window", test_hist_window },
		{ NULL, NULL }
	};
	return unit_run("hist", cases);
}
