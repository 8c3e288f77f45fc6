// SPDX-License-Identifier: BSD-2-Clause
/* Unit tests of lib/clock: one-way delay tracking and offset estimation. */
#include <errno.h>
#include <stdlib.h>
#include "clock.h"
#include "unit.h"

static struct cmon_owd ab, ba;

/* Feed @n delays of true value base + jitter in [0, jitter) plus @off. */
static void feed(struct cmon_owd *w, int n, int64_t base, int64_t jitter,
		 int64_t off)
{
	int i;

	for (i = 0; i < n; i++)
		cmon_owd_add(w, base + (jitter ? random() % jitter : 0) + off);
}

static void test_clock_owd_keeps_smallest(void)
{
	int64_t v;
	int i;

	cmon_owd_reset(&ab);
	for (i = 100; i > 0; i--)
		cmon_owd_add(&ab, i * 10);
	CU_ASSERT_EQUAL(ab.count, 100);
	CU_ASSERT_EQUAL(ab.n, CMON_OWD_KEEP);
	for (i = 0; i < CMON_OWD_KEEP; i++)
		CU_ASSERT_EQUAL(ab.low[i], (i + 1) * 10);
	CU_ASSERT_EQUAL(cmon_owd_low(&ab, &v), 0);
	CU_ASSERT_EQUAL(v, 30);		/* third smallest */
}

static void test_clock_needs_both_directions(void)
{
	int64_t off, bound;

	cmon_owd_reset(&ab);
	cmon_owd_reset(&ba);
	feed(&ab, 100, 20000, 5000, 0);
	CU_ASSERT_EQUAL(cmon_clock_estimate(&ab, &ba, &off, &bound), -EAGAIN);
	feed(&ba, CMON_OWD_MIN_SAMPLES - 1, 20000, 5000, 0);
	CU_ASSERT_EQUAL(cmon_clock_estimate(&ab, &ba, &off, &bound), -EAGAIN);
	feed(&ba, 1, 20000, 5000, 0);
	CU_ASSERT_EQUAL(cmon_clock_estimate(&ab, &ba, &off, &bound), 0);
}

static void test_clock_recovers_offset(void)
{
	static const int64_t offs[] = { 5000000, -5000000, 0, 123456 };
	int64_t off, bound;
	unsigned int i;

	/* 25 us +/- jitter each way, node B off by +-5 ms: within 20 us */
	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		cmon_owd_reset(&ab);
		cmon_owd_reset(&ba);
		feed(&ab, 2000, 25000, 40000, offs[i]);
		feed(&ba, 2000, 25000, 40000, -offs[i]);
		CU_ASSERT_EQUAL_FATAL(cmon_clock_estimate(&ab, &ba, &off, &bound), 0);
		CU_ASSERT(llabs(off - offs[i]) < 20000);
		/* the bound covers the real error */
		CU_ASSERT(llabs(off - offs[i]) <= bound);
		CU_ASSERT(bound < 30000);
	}
}

static void test_clock_robust_to_outliers(void)
{
	int64_t off, bound;

	cmon_owd_reset(&ab);
	cmon_owd_reset(&ba);
	feed(&ab, 500, 30000, 10000, 5000000);
	feed(&ba, 500, 30000, 10000, -5000000);
	/* two bogus tiny samples (e.g. a stale stamp) must not move it */
	cmon_owd_add(&ab, -9000000);
	cmon_owd_add(&ab, -8000000);
	CU_ASSERT_EQUAL(cmon_clock_estimate(&ab, &ba, &off, &bound), 0);
	CU_ASSERT(llabs(off - 5000000) < 20000);
}

static void test_clock_asymmetric_paths_bounded(void)
{
	int64_t off, bound;

	/* 10 us one way, 90 us back, no offset: the estimate is off by the
	 * asymmetry (40 us) but the bound says so */
	cmon_owd_reset(&ab);
	cmon_owd_reset(&ba);
	feed(&ab, 100, 10000, 0, 0);
	feed(&ba, 100, 90000, 0, 0);
	CU_ASSERT_EQUAL(cmon_clock_estimate(&ab, &ba, &off, &bound), 0);
	CU_ASSERT_EQUAL(off, -40000);
	CU_ASSERT_EQUAL(bound, 50000);
	CU_ASSERT(llabs(off) <= bound);
}

int main(void)
{
	static const struct unit_case cases[] = {
		{ "test_clock_owd_keeps_smallest", test_clock_owd_keeps_smallest },
		{ "test_clock_needs_both_directions",
		  test_clock_needs_both_directions },
		{ "test_clock_recovers_offset", test_clock_recovers_offset },
		{ "test_clock_robust_to_outliers", test_clock_robust_to_outliers },
		{ "test_clock_asymmetric_paths_bounded",
		  test_clock_asymmetric_paths_bounded },
		{ NULL, NULL }
	};
	srandom(42);
	return unit_run("clock", cases);
}
