// SPDX-License-Identifier: BSD-2-Clause
/* The per-CPU record rings' reading end (kmod-free/recring.c), on rings
 * in memory written as the kernel programs write them. */
#include <string.h>
#include "recring.h"
#include "unit.h"

#define NCPU	3
#define SLOTS	8

static struct cmon_record recs[NCPU * SLOTS];
static struct cmon_rec_pos pos[NCPU];
static struct cmon_recring ring;
static uint32_t got[64];
static unsigned int ngot;
static int write_during;	/* take() writes a record to CPU 0 once */

/* Write a record with sequence number @seq, last hop at time @t (t0
 * @t0, its hops after it), to @cpu's ring, as cmon_submit() does. */
static void put(unsigned int cpu, uint32_t seq, uint64_t t0, uint64_t t,
		unsigned int nhops)
{
	struct cmon_record *r = &recs[cpu * SLOTS + (pos[cpu].head & (SLOTS - 1))];

	memset(r, 0, sizeof(*r));
	r->seq = seq;
	r->t0 = t0;
	r->nhops = nhops;
	if (nhops)
		r->hop[nhops - 1].delta = (int32_t)(t - t0);
	pos[cpu].head++;
}

static void take(void *ctx, const struct cmon_record *rec)
{
	if (ngot < 64)
		got[ngot++] = rec->seq;
	if (write_during) {	/* a program writes while the agent reads */
		write_during = 0;
		put(0, 99, 0, 5, 1);
	}
}

static void reset(void)
{
	memset(recs, 0, sizeof(recs));
	memset(pos, 0, sizeof(pos));
	ngot = 0;
	cmon_recring_free(&ring);
	CU_ASSERT_EQUAL_FATAL(cmon_recring_init(&ring, recs, pos, NCPU, SLOTS), 0);
}

/* Records of two CPUs come out by the time of their last hop, whatever
 * their stamp time (t0: another node's clock), and the slots are freed. */
static void test_recring_merged_by_time(void)
{
	static const uint32_t want[] = { 1, 2, 3, 4, 5, 6 };
	unsigned int c;

	reset();
	put(0, 1, 1000, 1010, 2);
	put(0, 3, 900, 1030, 3);
	put(0, 6, 1040, 1060, 2);
	put(2, 2, 5000, 1020, 2);	/* a skewed sender's t0 */
	put(2, 4, 1035, 1035, 0);	/* no hops: t0 */
	put(2, 5, 1000, 1050, 4);
	CU_ASSERT_EQUAL(cmon_recring_drain(&ring, take, NULL), 6);
	CU_ASSERT_EQUAL_FATAL(ngot, 6);
	CU_ASSERT(!memcmp(got, want, sizeof(want)));
	for (c = 0; c < NCPU; c++)
		CU_ASSERT_EQUAL(pos[c].tail, pos[c].head);
	CU_ASSERT_EQUAL(cmon_recring_drain(&ring, take, NULL), 0);
}

/* A record written while the rings are read waits for the next drain. */
static void test_recring_written_while_read(void)
{
	reset();
	put(0, 1, 0, 1, 1);
	put(1, 2, 0, 2, 1);
	write_during = 1;
	CU_ASSERT_EQUAL(cmon_recring_drain(&ring, take, NULL), 2);
	CU_ASSERT_EQUAL(pos[0].head, 2);
	CU_ASSERT_EQUAL(pos[0].tail, 1);
	ngot = 0;
	CU_ASSERT_EQUAL(cmon_recring_drain(&ring, take, NULL), 1);
	CU_ASSERT_EQUAL(got[0], 99);
	CU_ASSERT_EQUAL(pos[0].tail, 2);
}

/* The ring wraps: records past its end are read from its start. */
static void test_recring_wraps(void)
{
	unsigned int i;

	reset();
	pos[1].head = pos[1].tail = 3 * SLOTS - 2;
	for (i = 0; i < 5; i++)
		put(1, 10 + i, 0, 100 + i, 1);
	CU_ASSERT_EQUAL(cmon_recring_drain(&ring, take, NULL), 5);
	for (i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(got[i], 10 + i);
	CU_ASSERT_EQUAL(pos[1].tail, 3 * SLOTS + 3);
}

/* A head more than a ring ahead of the tail (never written so) gives a
 * ring's records, not more. */
static void test_recring_bad_head(void)
{
	reset();
	pos[2].head = 5 * SLOTS;
	CU_ASSERT_EQUAL(cmon_recring_drain(&ring, take, NULL), SLOTS);
	CU_ASSERT_EQUAL(pos[2].tail, 5 * SLOTS);
}

/* The records of many CPUs, each ring in its time order: all come out,
 * in time order, each CPU's in its own order. */
#define MANY	64
#define MSLOTS	16
static struct cmon_record mrecs[MANY * MSLOTS];
static struct cmon_rec_pos mpos[MANY];
static uint64_t mlast;
static unsigned int mgot, mbad;
static int32_t mnext[MANY];	/* each CPU's next sequence number */

static void take_many(void *ctx, const struct cmon_record *rec)
{
	uint64_t t = rec->t0 + (uint64_t)(int64_t)rec->hop[0].delta;
	unsigned int cpu = rec->port;

	if (t < mlast || (int32_t)rec->seq != mnext[cpu])
		mbad++;
	mnext[cpu]++;
	mlast = t;
	mgot++;
}

static void test_recring_many_cpus(void)
{
	struct cmon_recring r;
	unsigned int c, i, want = 0;
	uint64_t seed = 7;

	memset(mrecs, 0, sizeof(mrecs));
	memset(mpos, 0, sizeof(mpos));
	for (c = 0; c < MANY; c++) {
		uint64_t t = 1000;
		unsigned int n;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		n = (unsigned int)(seed >> 60);		/* 0 .. 15 */
		mpos[c].head = mpos[c].tail = seed >> 40 & 0xff;
		for (i = 0; i < n; i++) {
			struct cmon_record *rec = &mrecs[c * MSLOTS +
				(mpos[c].head & (MSLOTS - 1))];

			seed = seed * 6364136223846793005ULL + 1;
			t += seed >> 56;			/* ties too */
			rec->t0 = t - 5;
			rec->nhops = 1;
			rec->hop[0].delta = 5;
			rec->seq = i;
			rec->port = c;
			mpos[c].head++;
		}
		want += n;
	}
	CU_ASSERT_EQUAL_FATAL(cmon_recring_init(&r, mrecs, mpos, MANY, MSLOTS), 0);
	CU_ASSERT_EQUAL(cmon_recring_drain(&r, take_many, NULL), want);
	CU_ASSERT_EQUAL(mgot, want);
	CU_ASSERT_EQUAL(mbad, 0);
	CU_ASSERT(want > 200);
	for (c = 0; c < MANY; c++)
		CU_ASSERT_EQUAL(mpos[c].tail, mpos[c].head);
	cmon_recring_free(&r);
}

static void test_recring_bad_size(void)
{
	struct cmon_recring r;

	CU_ASSERT_NOT_EQUAL(cmon_recring_init(&r, recs, pos, NCPU, 6), 0);
	CU_ASSERT_NOT_EQUAL(cmon_recring_init(&r, recs, pos, 0, SLOTS), 0);
}

int main(void)
{
	static const struct unit_case cases[] = {
		{ "test_recring_merged_by_time", test_recring_merged_by_time },
		{ "test_recring_written_while_read",
		  test_recring_written_while_read },
		{ "test_recring_wraps", test_recring_wraps },
		{ "test_recring_bad_head", test_recring_bad_head },
		{ "test_recring_many_cpus", test_recring_many_cpus },
		{ "test_recring_bad_size", test_recring_bad_size },
		{ NULL, NULL }
	};
	int ret = unit_run("recring", cases);

	cmon_recring_free(&ring);
	return ret;
}
