// SPDX-License-Identifier: BSD-2-Clause
/* Unit tests of lib/agg: latency, rates, sequence and counter loss. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "agg.h"
#include "unit.h"

/* 10.199.0.2 -> 10.199.0.3, UDP 1000 -> 2000, in network byte order */
#define A htonl(0x0ac70002)
#define B htonl(0x0ac70003)

static struct cmon_flow flow;

static void rec(struct cmon_agg *g, uint32_t seq, int32_t d1, int32_t d2)
{
	struct cmon_record r;

	memset(&r, 0, sizeof(r));
	r.saddr = A;
	r.daddr = B;
	r.sport = htons(1000);
	r.dport = htons(2000);
	r.proto = 17;
	r.seq = seq;
	r.nhops = 3;
	r.hop[0].tp = CMON_TP_CT_TX;
	r.hop[1].tp = CMON_TP_VETH_IN;
	r.hop[1].delta = d1;
	r.hop[2].tp = CMON_TP_VETH_OUT;
	r.hop[2].delta = d2;
	cmon_agg_record(g, &r);
}

static const struct cmon_pair_stats *only_pair(struct cmon_agg *g)
{
	CU_ASSERT_EQUAL_FATAL(cmon_agg_npairs(g), 1);
	return cmon_agg_pair(g, 0);
}

static void test_agg_latency_segments(void)
{
	struct cmon_agg *g = cmon_agg_create();
	const struct cmon_pair_stats *p;
	uint32_t i;

	for (i = 1; i <= 100; i++)
		rec(g, i, 10000, 15000);	/* 10 us + 5 us */
	cmon_agg_tick(g, 1.0);
	p = only_pair(g);
	CU_ASSERT_EQUAL(p->traced, 100);
	CU_ASSERT_EQUAL(p->e2e.count, 100);
	CU_ASSERT(llabs((long long)cmon_hist_quantile(&p->e2e, 0.5) - 15000) < 500);
	CU_ASSERT_EQUAL(p->nsegs, 2);
	CU_ASSERT_EQUAL(p->seg[0].from_tp, CMON_TP_CT_TX);
	CU_ASSERT_EQUAL(p->seg[0].to_tp, CMON_TP_VETH_IN);
	CU_ASSERT(llabs((long long)cmon_hist_quantile(&p->seg[0].hist, 0.5) - 10000) < 400);
	CU_ASSERT(llabs((long long)cmon_hist_quantile(&p->seg[1].hist, 0.5) - 5000) < 200);
	CU_ASSERT_EQUAL(p->seq_lost, 0);
	/* next interval without records: latency empty, pair idle */
	cmon_agg_tick(g, 1.0);
	p = only_pair(g);
	CU_ASSERT_EQUAL(p->e2e.count, 0);
	CU_ASSERT_FALSE(p->active);
	cmon_agg_destroy(g);
}

static void test_agg_seq_gaps_and_reorder(void)
{
	struct cmon_agg *g = cmon_agg_create();
	const struct cmon_pair_stats *p;

	rec(g, 1, 1, 2);
	rec(g, 2, 1, 2);
	rec(g, 5, 1, 2);	/* 3 and 4 missing */
	rec(g, 3, 1, 2);	/* 3 was late, not lost */
	rec(g, 10, 1, 2);	/* 6..9 missing */
	cmon_agg_tick(g, 1.0);
	p = only_pair(g);
	CU_ASSERT_EQUAL(p->seq_received, 5);
	CU_ASSERT_EQUAL(p->seq_lost, 5);	/* 4, 6, 7, 8, 9 */
	CU_ASSERT(fabs(p->seq_loss_ratio - 0.5) < 1e-9);
	/* a restarted stamper (seq back to 1) is not counted as loss */
	rec(g, 1, 1, 2);
	rec(g, 2, 1, 2);
	cmon_agg_tick(g, 1.0);
	p = only_pair(g);
	CU_ASSERT_EQUAL(p->seq_lost, 0);
	cmon_agg_destroy(g);
}

static void test_agg_counter_loss_hop(void)
{
	struct cmon_agg *g = cmon_agg_create();
	const struct cmon_pair_stats *p;

	cmon_agg_hop_count(g, &flow, CMON_TP_VETH_IN, 0, 1000, 1000000);
	cmon_agg_hop_count(g, &flow, CMON_TP_VETH_OUT, 0, 900, 900000);
	cmon_agg_tick(g, 2.0);
	p = only_pair(g);
	CU_ASSERT_EQUAL(p->packets, 1000);
	CU_ASSERT_EQUAL(p->bytes, 1000000);
	CU_ASSERT(fabs(p->pps - 500) < 1e-9);
	CU_ASSERT(fabs(p->bps - 4e6) < 1e-6);
	/* a gap seen once may be packets in flight: not loss yet */
	CU_ASSERT_EQUAL(p->lost, 0);

	/* next interval: 1000 more in, 1000 more out: the gap lasted */
	cmon_agg_hop_count(g, &flow, CMON_TP_VETH_IN, 0, 2000, 2000000);
	cmon_agg_hop_count(g, &flow, CMON_TP_VETH_OUT, 0, 1900, 1900000);
	cmon_agg_tick(g, 1.0);
	p = only_pair(g);
	CU_ASSERT_EQUAL(p->packets, 1000);
	CU_ASSERT_EQUAL(p->lost, 100);
	CU_ASSERT(fabs(p->loss_ratio - 0.1) < 1e-9);
	CU_ASSERT_EQUAL(p->loss_from_tp, CMON_TP_VETH_IN);
	CU_ASSERT_EQUAL(p->loss_to_tp, CMON_TP_VETH_OUT);

	/* and again: no new loss */
	cmon_agg_hop_count(g, &flow, CMON_TP_VETH_IN, 0, 3000, 3000000);
	cmon_agg_hop_count(g, &flow, CMON_TP_VETH_OUT, 0, 2900, 2900000);
	cmon_agg_tick(g, 1.0);
	p = only_pair(g);
	CU_ASSERT_EQUAL(p->lost, 0);
	CU_ASSERT_EQUAL(p->total_lost, 100);
	cmon_agg_destroy(g);
}

static void test_agg_in_flight_not_loss(void)
{
	struct cmon_agg *g = cmon_agg_create();
	const struct cmon_pair_stats *p;
	uint64_t in = 0, out = 0, lost = 0;
	int i;

	/* 3 packets in flight at every tick, none lost: at most once */
	for (i = 0; i < 20; i++) {
		in += 100;
		out = in - 3;
		cmon_agg_hop_count(g, &flow, CMON_TP_VETH_IN, 0, in, in * 100);
		cmon_agg_hop_count(g, &flow, CMON_TP_VETH_OUT, 0, out, out * 100);
		cmon_agg_tick(g, 1.0);
		lost += only_pair(g)->lost;
	}
	CU_ASSERT(lost <= 3);
	p = only_pair(g);
	CU_ASSERT(p->total_lost <= 3);
	cmon_agg_destroy(g);
}

/* A burst in flight at one read only (a busy TCP path) is not loss. */
static void test_agg_in_flight_burst_not_loss(void)
{
	struct cmon_agg *g = cmon_agg_create();
	uint64_t lost = 0;
	int i;

	for (i = 1; i <= 10; i++) {
		cmon_agg_hop_count(g, &flow, CMON_TP_VETH_IN, 0, i * 1000, 0);
		cmon_agg_hop_count(g, &flow, CMON_TP_VETH_OUT, 0,
				   i * 1000 - (i == 4 ? 45 : 0), 0);
		cmon_agg_tick(g, 1.0);
		lost += only_pair(g)->lost;
	}
	CU_ASSERT_EQUAL(lost, 0);
	cmon_agg_destroy(g);
}

static void test_agg_drop_reasons(void)
{
	struct cmon_agg *g = cmon_agg_create();
	const struct cmon_pair_stats *p;

	cmon_agg_drop(g, &flow, 4026531840u, 7, 12, 50);
	cmon_agg_drop(g, &flow, 4026531840u, 7, 2, 3);
	cmon_agg_tick(g, 1.0);
	p = only_pair(g);
	CU_ASSERT_EQUAL(p->nreasons, 2);
	CU_ASSERT(p->active);
	/* cumulative input: only the increase counts next time */
	cmon_agg_drop(g, &flow, 4026531840u, 7, 12, 60);
	cmon_agg_tick(g, 1.0);
	p = only_pair(g);
	CU_ASSERT_EQUAL(p->nreasons, 1);
	CU_ASSERT_EQUAL(p->reasons[0].reason, 12);
	CU_ASSERT_EQUAL(p->reasons[0].count, 10);
	cmon_agg_destroy(g);
}

static void test_agg_drop_only_pair_has_no_loss_hop(void)
{
	struct cmon_agg *g = cmon_agg_create();
	const struct cmon_pair_stats *p;

	/* a pair first seen through a drop (within one tick) */
	cmon_agg_tick(g, 1.0);
	cmon_agg_drop(g, &flow, 1, 2, 12, 5);
	cmon_agg_tick(g, 1.0);
	p = only_pair(g);
	CU_ASSERT(p->active);
	CU_ASSERT_EQUAL(p->lost, 0);
	CU_ASSERT_EQUAL(p->loss_from_tp, 0xff);
	CU_ASSERT_EQUAL(p->loss_to_tp, 0xff);
	cmon_agg_destroy(g);
}

static void test_agg_cross_node_links(void)
{
	struct cmon_agg *g = cmon_agg_create();
	const struct cmon_pair_stats *p;
	const struct cmon_link *l;
	struct cmon_record r;
	int64_t low, off;
	int i;

	memset(&r, 0, sizeof(r));
	r.saddr = A;
	r.daddr = B;
	r.proto = 17;
	r.nhops = 3;
	r.hop[0].tp = CMON_TP_VETH_IN;
	r.hop[0].node = 1;
	r.hop[1].tp = CMON_TP_OVL_IN;
	r.hop[1].node = 2;
	r.hop[2].tp = CMON_TP_VETH_OUT;
	r.hop[2].node = 2;
	for (i = 0; i < 20; i++) {
		r.seq = i + 1;
		/* node 2 five ms behind: the cross-node delay is negative */
		r.hop[1].delta = -5000000 + 30000 + i * 1000;
		r.hop[2].delta = r.hop[1].delta + 2000;
		cmon_agg_record(g, &r);
	}
	CU_ASSERT_EQUAL_FATAL(cmon_agg_nlinks(g), 1);	/* 2>2 is no link */
	CU_ASSERT_EQUAL(cmon_agg_overflow(g), 0);
	l = cmon_agg_link(g, 0);
	CU_ASSERT_EQUAL(l->from_node, 1);
	CU_ASSERT_EQUAL(l->to_node, 2);
	CU_ASSERT_EQUAL(l->owd.count, 20);
	CU_ASSERT_EQUAL(cmon_owd_low(&l->owd, &low), 0);
	CU_ASSERT_EQUAL(low, -5000000 + 30000 + 2000);	/* third smallest */

	/* no offset known yet: the cross-node figures are unknown, not raw */
	cmon_agg_tick(g, 1.0);
	p = only_pair(g);
	CU_ASSERT_EQUAL(p->nsegs, 2);
	CU_ASSERT_EQUAL(p->seg[0].hist.count, 0);
	CU_ASSERT_EQUAL(p->seg[0].unknown, 20);
	CU_ASSERT_EQUAL(p->seg[1].hist.count, 20);	/* within node 2 */
	CU_ASSERT_EQUAL(p->seg[1].unknown, 0);
	CU_ASSERT_EQUAL(p->e2e.count, 0);
	CU_ASSERT_EQUAL(p->e2e_unknown, 20);

	/* with the offset (node 2 minus node 1) latencies are corrected */
	cmon_agg_set_offset(g, 2, 1, 5000000);
	CU_ASSERT_EQUAL(cmon_agg_offset(g, 1, 2, &off), 0);
	CU_ASSERT_EQUAL(off, -5000000);
	for (i = 0; i < 20; i++) {
		r.seq = 21 + i;
		r.hop[1].delta = -5000000 + 30000;
		r.hop[2].delta = r.hop[1].delta + 2000;
		cmon_agg_record(g, &r);
	}
	cmon_agg_tick(g, 1.0);
	p = only_pair(g);
	CU_ASSERT_EQUAL(p->seg[0].unknown, 0);
	CU_ASSERT(llabs((long long)cmon_hist_quantile(&p->seg[0].hist, 0.5) -
			30000) < 1000);
	CU_ASSERT(llabs((long long)cmon_hist_quantile(&p->e2e, 0.5) - 32000) <
		  1100);
	CU_ASSERT_EQUAL(p->e2e_unknown, 0);
	CU_ASSERT_EQUAL(p->e2e.negative, 0);

	/* trusted clocks (one host, or PTP): offsets not set are 0 */
	CU_ASSERT_EQUAL(cmon_agg_offset(g, 1, 3, &off), -EAGAIN);
	cmon_agg_trust_clocks(g, 1);
	CU_ASSERT_EQUAL(cmon_agg_offset(g, 1, 3, &off), 0);
	CU_ASSERT_EQUAL(off, 0);
	cmon_agg_destroy(g);
}

/* The counters of one node's hops, as another node's engine takes them. */
static void test_agg_hop_counters_of_a_node(void)
{
	struct cmon_agg *g = cmon_agg_create();
	struct cmon_hop_counter c[4];

	cmon_agg_hop_count(g, &flow, CMON_TP_VETH_IN, 1, 100, 1000);
	cmon_agg_hop_count(g, &flow, CMON_TP_OVL_OUT, 1, 99, 990);
	cmon_agg_hop_count(g, &flow, CMON_TP_OVL_IN, 2, 90, 900);
	CU_ASSERT_EQUAL_FATAL(cmon_agg_hop_counters(g, 1, c, 4), 2);
	CU_ASSERT_EQUAL(c[0].tp, CMON_TP_VETH_IN);
	CU_ASSERT_EQUAL(c[0].packets, 100);
	CU_ASSERT_EQUAL(c[1].tp, CMON_TP_OVL_OUT);
	CU_ASSERT(!memcmp(&c[1].flow, &flow, sizeof(flow)));
	CU_ASSERT_EQUAL(cmon_agg_hop_counters(g, 2, c, 4), 1);
	CU_ASSERT_EQUAL(cmon_agg_hop_counters(g, 1, c, 1), 1);
	/* 1 + 9 lost, most of them on the underlay (a gap lasting two reads) */
	cmon_agg_tick(g, 1.0);
	CU_ASSERT_EQUAL(only_pair(g)->lost, 0);
	cmon_agg_tick(g, 1.0);
	CU_ASSERT_EQUAL(only_pair(g)->lost, 10);
	CU_ASSERT_EQUAL(only_pair(g)->loss_from_tp, CMON_TP_OVL_OUT);
	CU_ASSERT_EQUAL(only_pair(g)->loss_to_tp, CMON_TP_OVL_IN);
	cmon_agg_destroy(g);

	/* another node's hop joining a counted flow: its past is not this
	 * interval's traffic */
	g = cmon_agg_create();
	cmon_agg_hop_count(g, &flow, CMON_TP_OVL_IN, 2, 500, 5000);
	cmon_agg_tick(g, 1.0);
	CU_ASSERT_EQUAL(only_pair(g)->packets, 500);
	cmon_agg_hop_count(g, &flow, CMON_TP_VETH_IN, 1, 1000, 10000);
	cmon_agg_hop_count(g, &flow, CMON_TP_OVL_IN, 2, 1000, 10000);
	cmon_agg_tick(g, 1.0);
	CU_ASSERT_EQUAL(only_pair(g)->packets, 0);
	cmon_agg_hop_count(g, &flow, CMON_TP_VETH_IN, 1, 1400, 14000);
	cmon_agg_hop_count(g, &flow, CMON_TP_OVL_IN, 2, 1400, 14000);
	cmon_agg_tick(g, 1.0);
	CU_ASSERT_EQUAL(only_pair(g)->packets, 400);
	CU_ASSERT_EQUAL(only_pair(g)->lost, 0);
	cmon_agg_destroy(g);
}

static void test_agg_overflow_counted(void)
{
	struct cmon_agg *g = cmon_agg_create();
	int tp;

	/* more hops for one flow than the engine keeps: the rest counted */
	for (tp = 0; tp < CMON_MAX_CHOPS + 2; tp++)
		cmon_agg_hop_count(g, &flow, (uint8_t)tp, 0, 10, 100);
	CU_ASSERT_EQUAL(cmon_agg_overflow(g), 2);
	cmon_agg_destroy(g);
}

static void test_agg_bad_record_counted(void)
{
	struct cmon_agg *g = cmon_agg_create();
	struct cmon_record r;

	memset(&r, 0, sizeof(r));
	r.nhops = 1;			/* a path needs two hops */
	cmon_agg_record(g, &r);
	r.nhops = CMON_REC_HOPS + 1;
	cmon_agg_record(g, &r);
	CU_ASSERT_EQUAL(cmon_agg_records(g), 2);
	CU_ASSERT_EQUAL(cmon_agg_bad_records(g), 2);
	CU_ASSERT_EQUAL(cmon_agg_npairs(g), 0);
	cmon_agg_destroy(g);
}

static void test_agg_expire(void)
{
	struct cmon_agg *g = cmon_agg_create();
	int i;

	rec(g, 1, 1, 2);
	cmon_agg_drop(g, &flow, 1, 2, 12, 1);
	cmon_agg_tick(g, 1.0);
	for (i = 0; i < 3; i++)
		cmon_agg_tick(g, 1.0);
	cmon_agg_expire(g, 5);
	CU_ASSERT_EQUAL(cmon_agg_npairs(g), 1);
	cmon_agg_expire(g, 2);
	CU_ASSERT_EQUAL(cmon_agg_npairs(g), 0);
	/* the pair comes back cleanly */
	rec(g, 2, 1, 2);
	cmon_agg_tick(g, 1.0);
	CU_ASSERT_EQUAL(only_pair(g)->traced, 1);
	cmon_agg_destroy(g);
}

int main(void)
{
	flow = (struct cmon_flow){ A, B, htons(1000), htons(2000), 17 };
	static const struct unit_case cases[] = {
		{ "test_agg_latency_segments", test_agg_latency_segments },
		{ "test_agg_seq_gaps_and_reorder", test_agg_seq_gaps_and_reorder },
		{ "test_agg_counter_loss_hop", test_agg_counter_loss_hop },
		{ "test_agg_in_flight_not_loss", test_agg_in_flight_not_loss },
		{ "test_agg_in_flight_burst_not_loss",
		  test_agg_in_flight_burst_not_loss },
		{ "test_agg_drop_reasons", test_agg_drop_reasons },
		{ "test_agg_drop_only_pair_has_no_loss_hop",
		  test_agg_drop_only_pair_has_no_loss_hop },
		{ "test_agg_cross_node_links", test_agg_cross_node_links },
		{ "test_agg_hop_counters_of_a_node",
		  test_agg_hop_counters_of_a_node },
		{ "test_agg_overflow_counted", test_agg_overflow_counted },
		{ "test_agg_bad_record_counted", test_agg_bad_record_counted },
		{ "test_agg_expire", test_agg_expire },
		{ NULL, NULL }
	};
	return unit_run("agg", cases);
}
