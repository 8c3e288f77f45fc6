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

/* Feed a hop's cumulative counters, as a producer reading its own. */
static void hop(struct cmon_agg *g, const struct cmon_flow *f, uint8_t tp,
		uint8_t node, uint64_t packets, uint64_t bytes)
{
	struct cmon_hop_counter c = { .flow = *f, .tp = tp, .node = node,
				      .packets = packets, .bytes = bytes };

	cmon_agg_hop_count(g, &c);
}

/* An engine that has run an interval: flows that start now are new. */
static struct cmon_agg *running(void)
{
	struct cmon_agg *g = cmon_agg_create();

	cmon_agg_tick(g, 1.0);
	return g;
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
	/* next interval without records: latency empty; the first's
	 * numbering, all there; the pair idle after that */
	cmon_agg_tick(g, 1.0);
	p = only_pair(g);
	CU_ASSERT_EQUAL(p->e2e.count, 0);
	CU_ASSERT_EQUAL(p->seq_received, 100);
	CU_ASSERT_EQUAL(p->seq_lost, 0);
	cmon_agg_tick(g, 1.0);
	CU_ASSERT_FALSE(only_pair(g)->active);
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
	CU_ASSERT_EQUAL(p->traced, 5);
	/* an interval's numbering is known at the end of the next */
	CU_ASSERT_EQUAL(p->seq_received, 0);
	CU_ASSERT_EQUAL(p->seq_lost, 0);
	cmon_agg_tick(g, 1.0);
	p = only_pair(g);
	CU_ASSERT_EQUAL(p->seq_received, 5);
	CU_ASSERT_EQUAL(p->seq_lost, 5);	/* 4, 6, 7, 8, 9 */
	CU_ASSERT(fabs(p->seq_loss_ratio - 0.5) < 1e-9);
	CU_ASSERT(p->active);	/* (though no packet came in it) */
	cmon_agg_tick(g, 1.0);
	CU_ASSERT_FALSE(only_pair(g)->active);
	/* a restarted stamper (seq back to 1) is not counted as loss */
	rec(g, 1, 1, 2);
	rec(g, 2, 1, 2);
	cmon_agg_tick(g, 1.0);
	cmon_agg_tick(g, 1.0);
	p = only_pair(g);
	CU_ASSERT_EQUAL(p->seq_received, 2);
	CU_ASSERT_EQUAL(p->seq_lost, 0);
	cmon_agg_destroy(g);
}

/* Packets late across the end of an interval, and by thousands of
 * numbers (a thread that took its numbers, then lost its CPU for a
 * while), the flow's first ones too, fill their gaps: no loss, no
 * restart. */
static void test_agg_seq_late_across_intervals(void)
{
	struct cmon_agg *g = cmon_agg_create();
	uint32_t i;

	for (i = 33; i <= 100; i++)
		if (i < 60 || i > 91)	/* 1..32, 60..91 held elsewhere */
			rec(g, i, 1, 2);
	cmon_agg_tick(g, 1.0);
	for (i = 101; i <= 3000; i++)
		rec(g, i, 1, 2);
	for (i = 1; i <= 32; i++)
		rec(g, i, 1, 2);
	for (i = 60; i <= 91; i++)
		rec(g, i, 1, 2);
	for (i = 3001; i <= 3100; i++)
		rec(g, i, 1, 2);
	cmon_agg_tick(g, 1.0);
	CU_ASSERT_EQUAL(only_pair(g)->seq_lost, 0);
	CU_ASSERT_EQUAL(only_pair(g)->seq_received, 36);
	cmon_agg_tick(g, 1.0);
	CU_ASSERT_EQUAL(only_pair(g)->seq_lost, 0);
	CU_ASSERT_EQUAL(only_pair(g)->seq_received, 3064);
	CU_ASSERT_EQUAL(cmon_agg_seq_restarts(g), 0);
	/* late by two intervals: too late, its gap was loss */
	rec(g, 3102, 1, 2);
	cmon_agg_tick(g, 1.0);
	cmon_agg_tick(g, 1.0);
	CU_ASSERT_EQUAL(only_pair(g)->seq_lost, 1);
	rec(g, 3101, 1, 2);
	cmon_agg_tick(g, 1.0);
	cmon_agg_tick(g, 1.0);
	CU_ASSERT_EQUAL(only_pair(g)->seq_lost, 0);
	CU_ASSERT_EQUAL(only_pair(g)->seq_received, 1);
	cmon_agg_destroy(g);
}

/* A numbering first seen past its start (the engine started under
 * traffic) that starts again at 1 intervals later (its stamper's word
 * evicted) is a restart, not a late first packet. */
static void test_agg_seq_restart_seen_late(void)
{
	struct cmon_agg *g = cmon_agg_create();
	uint32_t i;

	for (i = 5000; i <= 5100; i++)
		rec(g, i, 1, 2);
	cmon_agg_tick(g, 1.0);
	cmon_agg_tick(g, 1.0);
	for (i = 1; i <= 40; i++)
		if (i != 20)
			rec(g, i, 1, 2);
	cmon_agg_tick(g, 1.0);
	cmon_agg_tick(g, 1.0);
	CU_ASSERT_EQUAL(cmon_agg_seq_restarts(g), 1);
	CU_ASSERT_EQUAL(only_pair(g)->seq_lost, 1);	/* 20 */
	CU_ASSERT_EQUAL(only_pair(g)->seq_received, 39);
	cmon_agg_destroy(g);
}

static void test_agg_counter_loss_hop(void)
{
	struct cmon_agg *g = running();
	const struct cmon_pair_stats *p;

	hop(g, &flow, CMON_TP_VETH_IN, 0, 1000, 1000000);
	hop(g, &flow, CMON_TP_VETH_OUT, 0, 900, 900000);
	cmon_agg_tick(g, 2.0);
	p = only_pair(g);
	CU_ASSERT_EQUAL(p->packets, 1000);
	CU_ASSERT_EQUAL(p->bytes, 1000000);
	CU_ASSERT(fabs(p->pps - 500) < 1e-9);
	CU_ASSERT(fabs(p->bps - 4e6) < 1e-6);
	/* a gap seen once may be packets in flight: not loss yet */
	CU_ASSERT_EQUAL(p->lost, 0);

	/* 1000 more in, 1000 more out: the gap lasted, but so may packets
	 * in flight at two reads in a row */
	hop(g, &flow, CMON_TP_VETH_IN, 0, 2000, 2000000);
	hop(g, &flow, CMON_TP_VETH_OUT, 0, 1900, 1900000);
	cmon_agg_tick(g, 1.0);
	CU_ASSERT_EQUAL(only_pair(g)->lost, 0);

	/* at the third read it is loss */
	hop(g, &flow, CMON_TP_VETH_IN, 0, 3000, 3000000);
	hop(g, &flow, CMON_TP_VETH_OUT, 0, 2900, 2900000);
	cmon_agg_tick(g, 1.0);
	p = only_pair(g);
	CU_ASSERT_EQUAL(p->packets, 1000);
	CU_ASSERT_EQUAL(p->lost, 100);
	CU_ASSERT(fabs(p->loss_ratio - 0.1) < 1e-9);
	CU_ASSERT_EQUAL(p->loss_from_tp, CMON_TP_VETH_IN);
	CU_ASSERT_EQUAL(p->loss_to_tp, CMON_TP_VETH_OUT);

	/* and again: no new loss */
	hop(g, &flow, CMON_TP_VETH_IN, 0, 4000, 4000000);
	hop(g, &flow, CMON_TP_VETH_OUT, 0, 3900, 3900000);
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
		hop(g, &flow, CMON_TP_VETH_IN, 0, in, in * 100);
		hop(g, &flow, CMON_TP_VETH_OUT, 0, out, out * 100);
		cmon_agg_tick(g, 1.0);
		lost += only_pair(g)->lost;
	}
	CU_ASSERT(lost <= 3);
	p = only_pair(g);
	CU_ASSERT(p->total_lost <= 3);
	cmon_agg_destroy(g);
}

/* A burst in flight at one read (a busy TCP path), and a few packets in
 * flight at the next too, is not loss. */
static void test_agg_in_flight_burst_not_loss(void)
{
	struct cmon_agg *g = cmon_agg_create();
	uint64_t lost = 0;
	int i;

	for (i = 1; i <= 10; i++) {
		hop(g, &flow, CMON_TP_VETH_IN, 0, i * 1000, 0);
		hop(g, &flow, CMON_TP_VETH_OUT, 0,
				   i * 1000 - (i == 4 ? 45 : i == 5 ? 2 : 0), 0);
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

	cmon_agg_drop(g, &flow, 4026531840u, 7, 12, CMON_TP_NONE, 50);
	cmon_agg_drop(g, &flow, 4026531840u, 7, 2, CMON_TP_NONE, 3);
	cmon_agg_tick(g, 1.0);
	p = only_pair(g);
	CU_ASSERT_EQUAL(p->nreasons, 2);
	CU_ASSERT(p->active);
	/* cumulative input: only the increase counts next time */
	cmon_agg_drop(g, &flow, 4026531840u, 7, 12, CMON_TP_NONE, 60);
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
	cmon_agg_drop(g, &flow, 1, 2, 12, CMON_TP_NONE, 5);
	cmon_agg_tick(g, 1.0);
	p = only_pair(g);
	CU_ASSERT(p->active);
	CU_ASSERT_EQUAL(p->lost, 0);
	CU_ASSERT_EQUAL(p->loss_from_tp, 0xff);
	CU_ASSERT_EQUAL(p->loss_to_tp, 0xff);
	cmon_agg_destroy(g);
}

/* Every packet of a flow dropped between its first hop and the next (a
 * firewall's policy): the next hop never counts the flow, so there are no
 * two counts to compare; the drops before that hop are the loss, located,
 * and once packets pass, the hops' counts take over without counting a
 * drop twice. */
static void test_agg_all_dropped_before_next_hop(void)
{
	struct cmon_agg *g = running();
	const struct cmon_pair_stats *p;
	int i;

	for (i = 1; i <= 3; i++) {
		hop(g, &flow, CMON_TP_VETH_IN, 0, i * 100, 0);
		cmon_agg_drop(g, &flow, 1, 2, 12, CMON_TP_VETH_OUT, i * 100);
		/* dropped in the receiving container: a reason, no loss */
		cmon_agg_drop(g, &flow, 3, 4, 5, CMON_TP_NONE, i);
		cmon_agg_tick(g, 1.0);
		p = only_pair(g);
		CU_ASSERT_EQUAL(p->packets, 100);
		CU_ASSERT_EQUAL(p->lost, 100);
		CU_ASSERT_EQUAL(p->loss_from_tp, CMON_TP_VETH_IN);
		CU_ASSERT_EQUAL(p->loss_to_tp, CMON_TP_VETH_OUT);
		CU_ASSERT_EQUAL(p->nreasons, 2);
	}
	/* let through from now on: 40 more dropped, then none */
	hop(g, &flow, CMON_TP_VETH_IN, 0, 400, 0);
	hop(g, &flow, CMON_TP_VETH_OUT, 0, 60, 0);
	cmon_agg_drop(g, &flow, 1, 2, 12, CMON_TP_VETH_OUT, 340);
	cmon_agg_tick(g, 1.0);
	for (i = 0; i < 5; i++) {
		hop(g, &flow, CMON_TP_VETH_IN, 0, 500 + i * 100, 0);
		hop(g, &flow, CMON_TP_VETH_OUT, 0, 160 + i * 100, 0);
		cmon_agg_tick(g, 1.0);
		CU_ASSERT_EQUAL(only_pair(g)->lost, 0);
	}
	CU_ASSERT_EQUAL(only_pair(g)->total_lost, 340);
	cmon_agg_destroy(g);
}

/* Some packets dropped between two hops that both counted the flow from
 * its first packet: the counts show the loss; the drops are not counted
 * again. */
static void test_agg_drops_counted_once(void)
{
	struct cmon_agg *g = running();
	uint64_t lost = 0;
	int i;

	for (i = 1; i <= 8; i++) {
		hop(g, &flow, CMON_TP_VETH_IN, 0, i * 100, 0);
		hop(g, &flow, CMON_TP_VETH_OUT, 0, i * 90, 0);
		cmon_agg_drop(g, &flow, 1, 2, 12, CMON_TP_VETH_OUT, i * 10);
		cmon_agg_tick(g, 1.0);
		lost += only_pair(g)->lost;
	}
	/* a gap is loss once it lasted three reads: the last two wait */
	CU_ASSERT_EQUAL(lost, 60);
	cmon_agg_destroy(g);
}

/* Drops counted in the first interval, before the two hops' counts have
 * a baseline (the send hop's count not read yet), and packets between
 * the hops at the baseline: those of them dropped after it are loss too
 * (the switch's full queue, as cmon-dpdk starts reading). */
static void test_agg_drops_before_baseline(void)
{
	/* cumulative: received, dropped, in flight at each read */
	static const uint64_t rx[] = { 1000, 2000, 2000, 2000, 2000, 2000 };
	static const uint64_t drops[] = { 150, 380, 400, 400, 400, 400 };
	static const uint64_t flight[] = { 0, 40, 0, 0, 0, 0 };
	struct cmon_agg *g = running();
	uint64_t lost = 0;
	unsigned int i;

	for (i = 0; i < 6; i++) {
		hop(g, &flow, CMON_TP_OVS_RX, 0, rx[i], 0);
		if (i)
			hop(g, &flow, CMON_TP_OVS_TX, 0,
			    rx[i] - drops[i] - flight[i], 0);
		cmon_agg_drop(g, &flow, 1, 2, 12, CMON_TP_OVS_TX, drops[i]);
		cmon_agg_tick(g, 1.0);
		lost += only_pair(g)->lost;
	}
	CU_ASSERT_EQUAL(lost, 400);
	CU_ASSERT_EQUAL(only_pair(g)->total_lost, 400);
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
	struct cmon_agg *g = running();
	struct cmon_hop_counter c[4];

	hop(g, &flow, CMON_TP_VETH_IN, 1, 100, 1000);
	hop(g, &flow, CMON_TP_OVL_OUT, 1, 99, 990);
	hop(g, &flow, CMON_TP_OVL_IN, 2, 90, 900);
	CU_ASSERT_EQUAL_FATAL(cmon_agg_hop_counters(g, 1, c, 4), 2);
	CU_ASSERT_EQUAL(c[0].tp, CMON_TP_VETH_IN);
	CU_ASSERT_EQUAL(c[0].packets, 100);
	CU_ASSERT_EQUAL(c[1].tp, CMON_TP_OVL_OUT);
	/* (field by field: a struct's padding is not part of its value) */
	CU_ASSERT(c[1].flow.saddr == flow.saddr && c[1].flow.daddr == flow.daddr &&
		  c[1].flow.sport == flow.sport && c[1].flow.dport == flow.dport &&
		  c[1].flow.proto == flow.proto);
	CU_ASSERT_EQUAL(cmon_agg_hop_counters(g, 2, c, 4), 1);
	/* more than there is room for: all counted, one written */
	CU_ASSERT_EQUAL(cmon_agg_hop_counters(g, 1, c, 1), 2);
	/* 1 + 9 lost, most of them on the underlay (a gap lasting three
	 * reads; only hops read at a tick are compared) */
	cmon_agg_tick(g, 1.0);
	CU_ASSERT_EQUAL(only_pair(g)->lost, 0);
	hop(g, &flow, CMON_TP_VETH_IN, 1, 100, 1000);
	hop(g, &flow, CMON_TP_OVL_OUT, 1, 99, 990);
	cmon_agg_tick(g, 1.0);
	CU_ASSERT_EQUAL(only_pair(g)->lost, 0);	/* ovl_in not read */
	hop(g, &flow, CMON_TP_VETH_IN, 1, 100, 1000);
	hop(g, &flow, CMON_TP_OVL_OUT, 1, 99, 990);
	hop(g, &flow, CMON_TP_OVL_IN, 2, 90, 900);
	cmon_agg_tick(g, 1.0);
	/* the first segment's third read; ovl_in back: anew */
	CU_ASSERT_EQUAL(only_pair(g)->lost, 1);
	hop(g, &flow, CMON_TP_VETH_IN, 1, 100, 1000);
	hop(g, &flow, CMON_TP_OVL_OUT, 1, 99, 990);
	hop(g, &flow, CMON_TP_OVL_IN, 2, 90, 900);
	cmon_agg_tick(g, 1.0);
	CU_ASSERT_EQUAL(only_pair(g)->lost, 0);
	cmon_agg_destroy(g);

	/* read at every tick: the gap is loss once it lasted three reads */
	g = running();
	for (int i = 0; i < 3; i++) {
		hop(g, &flow, CMON_TP_VETH_IN, 1, 100, 1000);
		hop(g, &flow, CMON_TP_OVL_OUT, 1, 99, 990);
		hop(g, &flow, CMON_TP_OVL_IN, 2, 90, 900);
		cmon_agg_tick(g, 1.0);
	}
	CU_ASSERT_EQUAL(only_pair(g)->lost, 10);
	CU_ASSERT_EQUAL(only_pair(g)->loss_from_tp, CMON_TP_OVL_OUT);
	CU_ASSERT_EQUAL(only_pair(g)->loss_to_tp, CMON_TP_OVL_IN);
	cmon_agg_destroy(g);

	/* another node's hop joining a counted flow, from a snapshot older
	 * than ours: traffic stays counted where it was, once */
	g = running();
	hop(g, &flow, CMON_TP_OVL_IN, 2, 500, 5000);
	cmon_agg_tick(g, 1.0);
	CU_ASSERT_EQUAL(only_pair(g)->packets, 500);
	hop(g, &flow, CMON_TP_VETH_IN, 1, 900, 9000);
	hop(g, &flow, CMON_TP_OVL_IN, 2, 1000, 10000);
	cmon_agg_tick(g, 1.0);
	CU_ASSERT_EQUAL(only_pair(g)->packets, 500);
	hop(g, &flow, CMON_TP_VETH_IN, 1, 1400, 14000);
	hop(g, &flow, CMON_TP_OVL_IN, 2, 1400, 14000);
	cmon_agg_tick(g, 1.0);
	CU_ASSERT_EQUAL(only_pair(g)->packets, 400);
	CU_ASSERT_EQUAL(only_pair(g)->total_packets, 1400);
	CU_ASSERT_EQUAL(only_pair(g)->lost, 0);
	cmon_agg_destroy(g);
}

/* Lost packets summed over @ticks intervals of a lossless path whose hops
 * keep the gap they had at the engine's first read. */
static uint64_t lossless_run(struct cmon_agg *g, uint64_t in, uint64_t out,
			     int ticks)
{
	uint64_t lost = 0;
	int i;

	for (i = 0; i < ticks; i++) {
		hop(g, &flow, CMON_TP_VETH_IN, 0, in, in * 100);
		hop(g, &flow, CMON_TP_VETH_OUT, 0, out, out * 100);
		cmon_agg_tick(g, 1.0);
		lost += only_pair(g)->lost;
		in += 1000;
		out += 1000;
	}
	return lost;
}

/* An agent started under traffic attaches its hops one after the other:
 * what one counted before the next was there is not loss. */
static void test_agg_started_under_traffic(void)
{
	struct cmon_agg *g = cmon_agg_create();

	CU_ASSERT_EQUAL(lossless_run(g, 1000, 700, 10), 0);
	/* and loss from then on is still seen, exactly */
	hop(g, &flow, CMON_TP_VETH_IN, 0, 11000 + 1000, 0);
	hop(g, &flow, CMON_TP_VETH_OUT, 0, 10700 + 950, 0);
	cmon_agg_tick(g, 1.0);
	hop(g, &flow, CMON_TP_VETH_IN, 0, 12000 + 1000, 0);
	hop(g, &flow, CMON_TP_VETH_OUT, 0, 11650 + 1000, 0);
	cmon_agg_tick(g, 1.0);
	CU_ASSERT_EQUAL(only_pair(g)->lost, 0);
	hop(g, &flow, CMON_TP_VETH_IN, 0, 13000 + 1000, 0);
	hop(g, &flow, CMON_TP_VETH_OUT, 0, 12650 + 1000, 0);
	cmon_agg_tick(g, 1.0);
	CU_ASSERT_EQUAL(only_pair(g)->lost, 50);
	CU_ASSERT_EQUAL(only_pair(g)->total_lost, 50);
	cmon_agg_destroy(g);
}

/* The downstream hop read a moment after the upstream one, a packet
 * ahead of it, at the read that sets the baseline: no loss from that. */
static void test_agg_baseline_read_skew(void)
{
	struct cmon_agg *g = cmon_agg_create();

	/* the first interval (traffic was running): a baseline, skewed */
	CU_ASSERT_EQUAL(lossless_run(g, 1000, 1002, 1), 0);
	CU_ASSERT_EQUAL(lossless_run(g, 2000, 2000, 10), 0);
	cmon_agg_destroy(g);
}

/* A container joining under traffic: its hop starts late. */
static void test_agg_hop_attached_late(void)
{
	struct cmon_agg *g = running();
	struct cmon_flow late = flow;

	hop(g, &flow, CMON_TP_VETH_IN, 0, 500, 0);
	cmon_agg_tick(g, 1.0);
	cmon_agg_hops_changed(g);	/* the receiver's veth attached */
	CU_ASSERT_EQUAL(lossless_run(g, 1500, 300, 10), 0);
	cmon_agg_destroy(g);

	/* even when both hops first show together after the attach */
	g = running();
	cmon_agg_hops_changed(g);
	CU_ASSERT_EQUAL(lossless_run(g, 1000, 700, 10), 0);
	cmon_agg_destroy(g);

	/* a flow starting well after the attach is counted from its first
	 * packet: its first 10 lost are loss */
	g = running();
	cmon_agg_hops_changed(g);
	cmon_agg_tick(g, 1.0);
	cmon_agg_tick(g, 1.0);
	late.sport = htons(1001);
	hop(g, &late, CMON_TP_VETH_IN, 0, 100, 0);
	hop(g, &late, CMON_TP_VETH_OUT, 0, 90, 0);
	cmon_agg_tick(g, 1.0);
	hop(g, &late, CMON_TP_VETH_IN, 0, 200, 0);
	hop(g, &late, CMON_TP_VETH_OUT, 0, 190, 0);
	cmon_agg_tick(g, 1.0);
	hop(g, &late, CMON_TP_VETH_IN, 0, 300, 0);
	hop(g, &late, CMON_TP_VETH_OUT, 0, 290, 0);
	cmon_agg_tick(g, 1.0);
	CU_ASSERT_EQUAL(only_pair(g)->lost, 10);
	cmon_agg_destroy(g);
}

/* hop() for a counter whose producer knows when its hop was put in place
 * (@placed: 1 + the interval). */
static void hop_placed(struct cmon_agg *g, uint8_t tp, unsigned int placed,
		       uint64_t packets)
{
	struct cmon_hop_counter c = { .flow = flow, .tp = tp,
				      .known_place = 1, .placed = placed,
				      .packets = packets };

	cmon_agg_hop_count(g, &c);
}

/* Intervals @from to @to of a flow: 100 packets an interval through the
 * sender's hop (put in place in @in_at), the receiver's (in @out_at)
 * short by @missed of them.  Returns the loss shown. */
static uint64_t placed_run(struct cmon_agg *g, unsigned int in_at,
			   unsigned int out_at, unsigned int from,
			   unsigned int to, uint64_t missed)
{
	uint64_t lost = 0;
	unsigned int i;

	for (i = from; i <= to; i++) {
		hop_placed(g, CMON_TP_VETH_IN, in_at, 100 * i);
		hop_placed(g, CMON_TP_VETH_OUT, out_at, 100 * i - missed);
		cmon_agg_tick(g, 1.0);
		lost += only_pair(g)->lost;
	}
	return lost;
}

/* Another container joining while a flow between two that were there
 * begins: the flow is counted whole, its first packets' loss too.  The
 * receiver's hop put in place as the flow began is not compared from
 * zero, neither in that interval nor in the next with the sender's from
 * the first. */
static void test_agg_hop_placed(void)
{
	struct cmon_agg *g = running();
	unsigned int at = cmon_agg_interval(g);

	cmon_agg_hops_changed(g);	/* a third container joined */
	CU_ASSERT_EQUAL(placed_run(g, at, at, 1, 4, 7), 7);
	cmon_agg_destroy(g);

	/* the receiver's hop put in place now: what its sender's counted
	 * before is not loss, in this interval or when it first counts in
	 * the next */
	g = running();
	at = cmon_agg_interval(g);
	cmon_agg_hops_changed(g);
	hop_placed(g, CMON_TP_VETH_IN, at, 100);
	cmon_agg_tick(g, 1.0);
	CU_ASSERT_EQUAL(placed_run(g, at, at + 1, 2, 6, 100), 0);
	cmon_agg_destroy(g);

	/* ... and in the interval it was put in place in */
	g = running();
	at = cmon_agg_interval(g);
	cmon_agg_hops_changed(g);
	CU_ASSERT_EQUAL(placed_run(g, at, at + 1, 1, 5, 30), 0);
	cmon_agg_destroy(g);
}

/* A container joining under traffic, its hop's baseline read while
 * packets pass: 3 of them reached both hops between the upstream read and
 * the downstream one.  The producer's late upstream read (after the
 * downstream one) holds them; the baseline takes it, so they are no gap. */
static void test_agg_baseline_late_read(void)
{
	struct cmon_agg *g = running();
	struct cmon_hop_counter in = { .flow = flow, .tp = CMON_TP_VETH_IN };
	struct cmon_hop_counter out = { .flow = flow, .tp = CMON_TP_VETH_OUT };
	uint64_t lost = 0;
	int i;

	in.packets = in.packets_late = 500;
	cmon_agg_hop_count(g, &in);
	cmon_agg_tick(g, 1.0);
	cmon_agg_hops_changed(g);	/* the receiver's veth attached */
	in.packets = 1000;		/* read before out */
	in.packets_late = 1003;		/* read after out */
	out.packets = 503;		/* 500 passed before it was there */
	cmon_agg_hop_count(g, &in);
	cmon_agg_hop_count(g, &out);
	cmon_agg_tick(g, 1.0);
	for (i = 1; i <= 5; i++) {
		in.packets = 1000 + i * 1000;
		in.packets_late = in.packets;
		out.packets = in.packets - 500;
		cmon_agg_hop_count(g, &in);
		cmon_agg_hop_count(g, &out);
		cmon_agg_tick(g, 1.0);
		lost += only_pair(g)->lost;
	}
	CU_ASSERT_EQUAL(lost, 0);
	CU_ASSERT_EQUAL(only_pair(g)->total_lost, 0);
	cmon_agg_destroy(g);
}

/* A counter evicted from its map (made anew: a new epoch, a smaller
 * count) or gone for an interval is compared anew, and counted. */
/* Memory is bounded: new pairs and flows beyond the bounds are refused
 * and counted, those already held stay exact, and idle ones make room. */
static void test_agg_bounded(void)
{
	struct cmon_agg *g = running();
	struct cmon_flow f = flow;
	unsigned int i;

	cmon_agg_set_limits(g, 2, 3);
	for (i = 0; i < 5; i++) {
		f.daddr = htonl(0x0ac70010 + i);	/* a pair each */
		hop(g, &f, CMON_TP_VETH_IN, 0, 100, 10000);
	}
	f.daddr = htonl(0x0ac70010);
	for (i = 0; i < 3; i++) {
		f.sport = htons(3000 + i);		/* more flows */
		hop(g, &f, CMON_TP_VETH_IN, 0, 100, 10000);
	}
	cmon_agg_tick(g, 1.0);
	CU_ASSERT_EQUAL(cmon_agg_npairs(g), 2);
	/* three pairs, then two of three flows refused */
	CU_ASSERT_EQUAL(cmon_agg_full(g), 5);
	CU_ASSERT_EQUAL(cmon_agg_overflow(g), 0);
	/* idle, they go, and new ones come in */
	cmon_agg_tick(g, 1.0);
	cmon_agg_tick(g, 1.0);
	cmon_agg_expire(g, 1);
	CU_ASSERT_EQUAL(cmon_agg_npairs(g), 0);
	f.daddr = htonl(0x0ac70020);
	hop(g, &f, CMON_TP_VETH_IN, 0, 100, 10000);
	cmon_agg_tick(g, 1.0);
	CU_ASSERT_EQUAL(cmon_agg_npairs(g), 1);
	CU_ASSERT_EQUAL(cmon_agg_full(g), 5);
	cmon_agg_destroy(g);
}

static void test_agg_evicted_counter(void)
{
	struct cmon_hop_counter c = { .flow = flow, .tp = CMON_TP_VETH_OUT };
	struct cmon_agg *g = running();
	uint64_t lost = 0;
	int i;

	for (i = 1; i <= 3; i++) {
		hop(g, &flow, CMON_TP_VETH_IN, 0, i * 1000, 0);
		hop(g, &flow, CMON_TP_VETH_OUT, 0, i * 1000, 0);
		cmon_agg_tick(g, 1.0);
	}
	/* the downstream hop's entry evicted and made anew */
	for (i = 4; i <= 8; i++) {
		hop(g, &flow, CMON_TP_VETH_IN, 0, i * 1000, 0);
		c.packets = (i - 3) * 1000 - 200;
		c.epoch = 7;
		cmon_agg_hop_count(g, &c);
		cmon_agg_tick(g, 1.0);
		lost += only_pair(g)->lost;
	}
	CU_ASSERT_EQUAL(lost, 0);
	CU_ASSERT_EQUAL(cmon_agg_counter_restarts(g), 1);
	/* made anew again and already past its old count: the epoch says */
	hop(g, &flow, CMON_TP_VETH_IN, 0, 9000, 0);
	c.packets = 5000;
	c.epoch = 8;
	cmon_agg_hop_count(g, &c);
	cmon_agg_tick(g, 1.0);
	CU_ASSERT_EQUAL(cmon_agg_counter_restarts(g), 2);
	for (i = 10; i <= 13; i++) {
		hop(g, &flow, CMON_TP_VETH_IN, 0, i * 1000, 0);
		c.packets += 1000;
		cmon_agg_hop_count(g, &c);
		cmon_agg_tick(g, 1.0);
		lost += only_pair(g)->lost;
	}
	CU_ASSERT_EQUAL(lost, 0);
	/* gone for an interval (evicted), back past its old count from a
	 * producer that cannot say (the same epoch) */
	hop(g, &flow, CMON_TP_VETH_IN, 0, 14000, 0);
	cmon_agg_tick(g, 1.0);
	for (i = 15; i <= 18; i++) {
		hop(g, &flow, CMON_TP_VETH_IN, 0, i * 1000, 0);
		c.packets = 9000 + (i - 14) * 1000 - 300;
		cmon_agg_hop_count(g, &c);
		cmon_agg_tick(g, 1.0);
		lost += only_pair(g)->lost;
	}
	CU_ASSERT_EQUAL(lost, 0);
	CU_ASSERT_EQUAL(cmon_agg_counter_restarts(g), 3);
	/* an epoch first appearing (the count reached the map) is not one */
	c.flow.sport = htons(1001);
	c.epoch = 0;
	cmon_agg_hop_count(g, &c);
	c.epoch = 9;
	cmon_agg_hop_count(g, &c);
	CU_ASSERT_EQUAL(cmon_agg_counter_restarts(g), 3);
	cmon_agg_destroy(g);
}

/* Sequence numbers wrap at 2^32; duplicates are not arrivals of lost
 * packets; a numbering that starts again at 1 is a restart. */
static void test_agg_seq_wrap_duplicates_restart(void)
{
	struct cmon_agg *g = cmon_agg_create();
	int i;

	rec(g, 0xfffffffe, 1, 2);
	rec(g, 0xffffffff, 1, 2);
	rec(g, 2, 1, 2);		/* 0 and 1 lost across the wrap */
	cmon_agg_tick(g, 1.0);
	rec(g, 3, 1, 2);
	rec(g, 6, 1, 2);		/* 4, 5 lost */
	rec(g, 6, 1, 2);		/* copies (a flood): not late arrivals */
	rec(g, 3, 1, 2);
	cmon_agg_tick(g, 1.0);
	CU_ASSERT_EQUAL(only_pair(g)->seq_lost, 2);
	rec(g, 5, 1, 2);		/* late, once */
	rec(g, 5, 1, 2);
	rec(g, 7, 1, 2);
	cmon_agg_tick(g, 1.0);
	CU_ASSERT_EQUAL(only_pair(g)->seq_lost, 1);	/* 4 */
	CU_ASSERT_EQUAL(only_pair(g)->seq_received, 2);	/* nor arrivals */
	/* the stamper's entry evicted: its numbering starts at 1 again */
	for (i = 8; i < 200; i++)
		rec(g, i, 1, 2);
	cmon_agg_tick(g, 1.0);
	CU_ASSERT_EQUAL(only_pair(g)->seq_lost, 0);
	for (i = 1; i <= 50; i++)
		rec(g, i, 1, 2);
	cmon_agg_tick(g, 1.0);
	cmon_agg_tick(g, 1.0);
	CU_ASSERT_EQUAL(only_pair(g)->seq_lost, 0);
	CU_ASSERT_EQUAL(only_pair(g)->seq_received, 50);
	CU_ASSERT_EQUAL(cmon_agg_seq_restarts(g), 1);
	cmon_agg_destroy(g);
}

/* A switch floods a packet to every port, one record per copy with the
 * same sequence number: the copies are neither duplicates nor late, the
 * flow's numbering follows the port that gets its newest packets, and a
 * gap there is loss still. */
static void test_agg_flood_copies(void)
{
	struct cmon_agg *g = cmon_agg_create();
	struct cmon_record r;
	uint32_t seq;

	memset(&r, 0, sizeof(r));
	r.saddr = A;
	r.daddr = B;
	r.proto = 1;
	r.nhops = 2;
	r.hop[0].tp = CMON_TP_OVS_RX;
	r.hop[1].tp = CMON_TP_OVS_TX;
	r.hop[1].delta = 5000;
	for (seq = 1; seq <= 5; seq++) {	/* flooded: port 3 first */
		r.seq = seq;
		r.port = 3;
		cmon_agg_record(g, &r);
		r.port = 2;
		cmon_agg_record(g, &r);
		r.port = 4;
		cmon_agg_record(g, &r);
	}
	for (seq = 6; seq <= 20; seq++) {	/* learnt: port 2 only */
		r.seq = seq;
		if (seq != 12)
			cmon_agg_record(g, &r);
	}
	cmon_agg_tick(g, 1.0);
	CU_ASSERT_EQUAL(only_pair(g)->traced, 29);
	CU_ASSERT_EQUAL(only_pair(g)->e2e.count, 29);
	CU_ASSERT_EQUAL(cmon_agg_copies(g), 10);
	cmon_agg_tick(g, 1.0);
	CU_ASSERT_EQUAL(only_pair(g)->seq_lost, 1);
	CU_ASSERT_EQUAL(only_pair(g)->seq_received, 19);
	CU_ASSERT_EQUAL(cmon_agg_seq_restarts(g), 0);
	cmon_agg_destroy(g);
}

/* A pair idle longer than the engine keeps it comes back with its new
 * traffic only, never its history again. */
static void test_agg_idle_pair_no_phantom(void)
{
	struct cmon_agg *g = running();
	uint64_t packets = 0;
	int i;

	hop(g, &flow, CMON_TP_VETH_IN, 0, 200, 20000);
	hop(g, &flow, CMON_TP_VETH_OUT, 0, 200, 20000);
	cmon_agg_tick(g, 1.0);
	CU_ASSERT_EQUAL(only_pair(g)->packets, 200);
	for (i = 0; i < 30; i++) {
		hop(g, &flow, CMON_TP_VETH_IN, 0, 200, 20000);
		hop(g, &flow, CMON_TP_VETH_OUT, 0, 200, 20000);
		cmon_agg_tick(g, 1.0);
		cmon_agg_expire(g, 10);
		packets += cmon_agg_npairs(g) ? only_pair(g)->packets : 0;
	}
	CU_ASSERT_EQUAL(cmon_agg_npairs(g), 0);
	CU_ASSERT_EQUAL(packets, 0);
	hop(g, &flow, CMON_TP_VETH_IN, 0, 210, 21000);
	hop(g, &flow, CMON_TP_VETH_OUT, 0, 210, 21000);
	cmon_agg_tick(g, 1.0);
	CU_ASSERT_EQUAL(only_pair(g)->packets, 10);
	CU_ASSERT_EQUAL(only_pair(g)->lost, 0);
	/* counters the producer no longer has go with the pair */
	for (i = 0; i < 15; i++) {
		cmon_agg_tick(g, 1.0);
		cmon_agg_expire(g, 10);
	}
	CU_ASSERT_EQUAL(cmon_agg_npairs(g), 0);
	hop(g, &flow, CMON_TP_VETH_IN, 0, 5, 500);	/* a new entry */
	cmon_agg_tick(g, 1.0);
	CU_ASSERT_EQUAL(only_pair(g)->packets, 5);
	cmon_agg_destroy(g);
}

/* Hops of two nodes that did not both count from the flow's start are
 * not compared (the other node's counts are older by an unknown span);
 * the loss ratio is of what entered the path. */
static void test_agg_cross_node_without_common_start(void)
{
	struct cmon_hop_counter peer = { .flow = flow, .tp = CMON_TP_VETH_IN,
					 .node = 1, .partial = 1 };
	struct cmon_agg *g = running();
	uint64_t lost = 0;
	int i;

	for (i = 1; i <= 8; i++) {
		peer.packets = 5000 + i * 1000 - (i % 2) * 400;	/* lagging */
		cmon_agg_hop_count(g, &peer);
		hop(g, &flow, CMON_TP_OVL_IN, 2, i * 1000, 0);
		cmon_agg_tick(g, 1.0);
		lost += only_pair(g)->lost;
	}
	CU_ASSERT_EQUAL(lost, 0);
	cmon_agg_destroy(g);

	/* both from the start: 100 of 1000 lost on the way, counted at the
	 * receiving node's hop: a ratio of 10 %, not 100 / 900 */
	g = running();
	peer.partial = 0;
	for (i = 1; i <= 3; i++) {
		peer.packets = i * 1000;
		cmon_agg_hop_count(g, &peer);
		hop(g, &flow, CMON_TP_OVL_IN, 2, i == 1 ? 900 : 900 + (i - 1) * 1000, 0);
		cmon_agg_tick(g, 1.0);
	}
	CU_ASSERT_EQUAL(only_pair(g)->total_lost, 100);
	cmon_agg_destroy(g);

	/* the receiving node's hop counted first: what was lost before it
	 * still entered the path */
	g = running();
	for (i = 1; i <= 3; i++) {
		hop(g, &flow, CMON_TP_OVL_IN, 2, i == 1 ? 900 : 900 + (i - 1) * 1000, 0);
		cmon_agg_tick(g, 1.0);
		peer.packets = i * 1000;
		cmon_agg_hop_count(g, &peer);
	}
	hop(g, &flow, CMON_TP_OVL_IN, 2, 2900, 0);
	cmon_agg_tick(g, 1.0);
	for (i = 0; i < 2; i++) {
		hop(g, &flow, CMON_TP_OVL_IN, 2, 2900, 0);
		cmon_agg_hop_count(g, &peer);
		cmon_agg_tick(g, 1.0);
	}
	CU_ASSERT_EQUAL(only_pair(g)->total_lost, 100);
	CU_ASSERT_EQUAL(only_pair(g)->total_packets, 3000);
	cmon_agg_destroy(g);
}

/* A read the producer marks unsure (counts moving inside it while read)
 * neither sets a baseline nor confirms a gap. */
static void test_agg_unsure_reads(void)
{
	struct cmon_hop_counter out = { .flow = flow, .tp = CMON_TP_VETH_OUT,
					.unsure = 1 };
	struct cmon_agg *g = running();
	uint64_t lost = 0;
	int i;

	for (i = 1; i <= 10; i++) {
		hop(g, &flow, CMON_TP_VETH_IN, 0, i * 1000, 0);
		/* short by a few at two reads in a row, unsure then */
		out.unsure = i / 2 % 2;
		out.packets = i * 1000 - (out.unsure ? 7 : 0);
		cmon_agg_hop_count(g, &out);
		cmon_agg_tick(g, 1.0);
		lost += only_pair(g)->lost;
	}
	CU_ASSERT_EQUAL(lost, 0);
	/* real loss between sure reads is still seen */
	for (i = 11; i <= 13; i++) {
		hop(g, &flow, CMON_TP_VETH_IN, 0, i * 1000, 0);
		out.packets = i * 1000 - 50;
		out.unsure = 0;
		cmon_agg_hop_count(g, &out);
		cmon_agg_tick(g, 1.0);
		lost += only_pair(g)->lost;
	}
	CU_ASSERT_EQUAL(lost, 50);
	cmon_agg_destroy(g);

	/* an unsure read below the last one, the traffic over (a slot's
	 * counts moved to the map as it was read): short, not a counter
	 * made anew, so its packets are not counted again */
	g = running();
	out.tp = CMON_TP_VETH_IN;
	for (i = 1; i <= 5; i++) {
		out.unsure = i == 3;
		out.packets = i == 3 ? 950 : 1000;
		cmon_agg_hop_count(g, &out);
		hop(g, &flow, CMON_TP_VETH_OUT, 0, 1000, 0);
		cmon_agg_tick(g, 1.0);
	}
	CU_ASSERT_EQUAL(only_pair(g)->total_packets, 1000);
	CU_ASSERT_EQUAL(only_pair(g)->total_lost, 0);
	cmon_agg_destroy(g);
}

static void test_agg_overflow_counted(void)
{
	struct cmon_agg *g = cmon_agg_create();
	int tp;

	/* more hops for one flow than the engine keeps: the rest counted */
	for (tp = 0; tp < CMON_MAX_CHOPS + 2; tp++)
		hop(g, &flow, (uint8_t)tp, 0, 10, 100);
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
	cmon_agg_drop(g, &flow, 1, 2, 12, CMON_TP_NONE, 1);
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

/* The pair of protocol @proto and port @port (0: the other ports). */
static const struct cmon_pair_stats *port_pair(struct cmon_agg *g,
					       uint8_t proto, uint16_t port)
{
	unsigned int i;

	for (i = 0; i < cmon_agg_npairs(g); i++)
		if (cmon_agg_pair(g, i)->proto == proto &&
		    cmon_agg_pair(g, i)->port == port)
			return cmon_agg_pair(g, i);
	return NULL;
}

/* Ports the rules name set their traffic apart; the rest stays with the
 * addresses' pair; a change moves counted flows without phantom loss. */
static void test_agg_ports_set_apart(void)
{
	static const struct cmon_port_range r[] = {
		{ 5050, 6000 }, { 2000, 2000 }, { 5000, 5100 } };
	struct cmon_flow other = flow, ping = flow;
	struct cmon_agg *g = running();
	const struct cmon_pair_stats *p;
	uint64_t n;

	other.dport = htons(80);
	ping.proto = 1;
	CU_ASSERT_EQUAL(cmon_agg_set_ports(g, r, 3), 0);
	CU_ASSERT_EQUAL(cmon_agg_port_of(g, 17, htons(5500)), 5500);
	CU_ASSERT_EQUAL(cmon_agg_port_of(g, 6, htons(5000)), 5000);
	CU_ASSERT_EQUAL(cmon_agg_port_of(g, 17, htons(6001)), 0);
	CU_ASSERT_EQUAL(cmon_agg_port_of(g, 17, htons(4999)), 0);
	CU_ASSERT_EQUAL(cmon_agg_port_of(g, 1, htons(2000)), 0);
	for (n = 1; n <= 4; n++) {
		hop(g, &flow, CMON_TP_VETH_IN, 0, 1000 * n, 100000 * n);
		hop(g, &other, CMON_TP_VETH_IN, 0, 300 * n, 30000 * n);
		hop(g, &ping, CMON_TP_VETH_IN, 0, 10 * n, 1000 * n);
		hop(g, &flow, CMON_TP_VETH_OUT, 0, 1000 * n, 100000 * n);
		hop(g, &other, CMON_TP_VETH_OUT, 0, 300 * n - 3, 30000 * n);
		hop(g, &ping, CMON_TP_VETH_OUT, 0, 10 * n, 1000 * n);
		cmon_agg_tick(g, 1.0);
	}
	CU_ASSERT_EQUAL(cmon_agg_npairs(g), 3);
	p = port_pair(g, 17, 2000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(p->packets, 1000);
	CU_ASSERT_EQUAL(p->total_packets, 4000);
	CU_ASSERT_EQUAL(p->total_lost, 0);
	p = port_pair(g, 17, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(p->packets, 300);
	CU_ASSERT_EQUAL(p->total_lost, 3);
	CU_ASSERT_PTR_NOT_NULL(port_pair(g, 1, 0));

	/* no port named any more: the port's flow joins the others */
	CU_ASSERT_EQUAL(cmon_agg_set_ports(g, NULL, 0), 0);
	hop(g, &flow, CMON_TP_VETH_IN, 0, 5000, 500000);
	hop(g, &other, CMON_TP_VETH_IN, 0, 1500, 150000);
	hop(g, &ping, CMON_TP_VETH_IN, 0, 50, 5000);
	hop(g, &flow, CMON_TP_VETH_OUT, 0, 5000, 500000);
	hop(g, &other, CMON_TP_VETH_OUT, 0, 1497, 150000);
	hop(g, &ping, CMON_TP_VETH_OUT, 0, 50, 5000);
	cmon_agg_tick(g, 1.0);
	p = port_pair(g, 17, 0);
	CU_ASSERT_EQUAL(p->packets, 1300);
	CU_ASSERT_EQUAL(p->lost, 0);
	p = port_pair(g, 17, 2000);
	CU_ASSERT_EQUAL(p->packets, 0);
	CU_ASSERT_EQUAL(p->active, 0);
	cmon_agg_destroy(g);
}

int main(void)
{
	flow = (struct cmon_flow){ A, B, htons(1000), htons(2000), 17 };
	static const struct unit_case cases[] = {
		{ "test_agg_latency_segments", test_agg_latency_segments },
		{ "test_agg_seq_gaps_and_reorder", test_agg_seq_gaps_and_reorder },
		{ "test_agg_seq_late_across_intervals",
		  test_agg_seq_late_across_intervals },
		{ "test_agg_seq_restart_seen_late",
		  test_agg_seq_restart_seen_late },
		{ "test_agg_counter_loss_hop", test_agg_counter_loss_hop },
		{ "test_agg_in_flight_not_loss", test_agg_in_flight_not_loss },
		{ "test_agg_in_flight_burst_not_loss",
		  test_agg_in_flight_burst_not_loss },
		{ "test_agg_drop_reasons", test_agg_drop_reasons },
		{ "test_agg_all_dropped_before_next_hop",
		  test_agg_all_dropped_before_next_hop },
		{ "test_agg_drops_counted_once", test_agg_drops_counted_once },
		{ "test_agg_drops_before_baseline",
		  test_agg_drops_before_baseline },
		{ "test_agg_drop_only_pair_has_no_loss_hop",
		  test_agg_drop_only_pair_has_no_loss_hop },
		{ "test_agg_cross_node_links", test_agg_cross_node_links },
		{ "test_agg_hop_counters_of_a_node",
		  test_agg_hop_counters_of_a_node },
		{ "test_agg_overflow_counted", test_agg_overflow_counted },
		{ "test_agg_bad_record_counted", test_agg_bad_record_counted },
		{ "test_agg_expire", test_agg_expire },
		{ "test_agg_ports_set_apart", test_agg_ports_set_apart },
		{ "test_agg_started_under_traffic",
		  test_agg_started_under_traffic },
		{ "test_agg_hop_attached_late", test_agg_hop_attached_late },
		{ "test_agg_hop_placed", test_agg_hop_placed },
		{ "test_agg_baseline_late_read", test_agg_baseline_late_read },
		{ "test_agg_baseline_read_skew", test_agg_baseline_read_skew },
		{ "test_agg_evicted_counter", test_agg_evicted_counter },
		{ "test_agg_bounded", test_agg_bounded },
		{ "test_agg_seq_wrap_duplicates_restart",
		  test_agg_seq_wrap_duplicates_restart },
		{ "test_agg_flood_copies", test_agg_flood_copies },
		{ "test_agg_idle_pair_no_phantom", test_agg_idle_pair_no_phantom },
		{ "test_agg_unsure_reads", test_agg_unsure_reads },
		{ "test_agg_cross_node_without_common_start",
		  test_agg_cross_node_without_common_start },
		{ NULL, NULL }
	};
	return unit_run("agg", cases);
}
