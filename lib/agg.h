/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The aggregation engine every cmon binary shares.  Producers feed it trace
 * records (struct cmon_record), cumulative per-flow per-hop packet counters
 * and cumulative kfree_skb drop counters; once per interval cmon_agg_tick()
 * turns them into per container pair figures: packets and bytes per second,
 * end-to-end and per-hop latency percentiles, and loss with the hop where
 * packets vanished and the drop reasons seen there.
 */
#ifndef CMON_AGG_H
#define CMON_AGG_H

#include <stdint.h>
#include "cmon/record.h"
#include "clock.h"
#include "hist.h"

/* A unidirectional flow as the engine sees it (network byte order). */
struct cmon_flow {
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint8_t proto;
};

/* A flow a switch rewrote on its way (@from as it came in, @to as it
 * left): the hops after it count it as @to, and so do all of them. */
struct cmon_flow_rename {
	struct cmon_flow from, to;
};

/* Up to this many distinct hop-to-hop segments per pair. */
#define CMON_MAX_SEGS	8
/* Up to this many hops a pair's counters are kept at. */
#define CMON_MAX_CHOPS	8
/* Distinct drop (reason, device) entries reported per pair. */
#define CMON_MAX_REASONS 4

struct cmon_seg_stats {
	uint8_t from_tp, from_node, to_tp, to_node;
	struct cmon_hist hist;		/* this interval */
	uint64_t unknown;		/* this interval: no clock offset yet */
};

struct cmon_reason_stats {
	uint32_t reason;
	uint32_t netns, ifindex;
	uint64_t count;			/* this interval */
};

/* Destination ports @lo to @hi (host order). */
struct cmon_port_range {
	uint16_t lo, hi;
};

/*
 * What cmon_agg_tick() reports for one container pair and protocol, and
 * destination port when it is one of the ports set apart
 * (cmon_agg_set_ports()).
 */
struct cmon_pair_stats {
	uint32_t saddr, daddr;
	uint8_t proto;
	uint16_t port;			/* host order; 0: every other port */
	/* this interval, from the hop counters of every packet */
	uint64_t packets, bytes;
	double pps, bps;
	/* this interval, from trace records */
	uint64_t traced;
	struct cmon_hist e2e;
	uint64_t e2e_unknown;		/* spanning nodes with no offset yet */
	unsigned int nsegs;
	struct cmon_seg_stats seg[CMON_MAX_SEGS];
	/* loss from per-hop counter differences (every packet) */
	uint64_t lost;
	double loss_ratio;
	uint8_t loss_from_tp, loss_to_tp;	/* segment where they vanished */
	/* loss from sequence gaps of traced packets */
	uint64_t seq_lost, seq_received;
	double seq_loss_ratio;
	unsigned int nreasons;
	struct cmon_reason_stats reasons[CMON_MAX_REASONS];
	/* cumulative since the pair appeared */
	uint64_t total_packets, total_bytes, total_lost;
	int active;			/* anything seen this interval */
};

struct cmon_agg;

struct cmon_agg *cmon_agg_create(void);
void cmon_agg_destroy(struct cmon_agg *agg);

/*
 * The cumulative counters of a flow at one hop, as a producer reads them
 * (or another node's engine reports them: cmon_agg_hop_counters()).
 */
struct cmon_hop_counter {
	struct cmon_flow flow;
	uint8_t tp, node;
	/* 1: the counter missed the flow's first packets (another node's
	 * engine says so); producers reading their own hops leave it 0 */
	uint8_t partial;
	/* 1: the producer saw the counter begin after it started reading
	 * (an Open vSwitch slot made since cmon-dpdk's baseline): it holds
	 * the flow from its first packet even in the engine's first
	 * interval, where a counter is otherwise taken to have missed
	 * traffic from before */
	uint8_t from_start;
	/* 1: read while counts moved inside the producer (it may be short
	 * by those): not compared with its neighbours at this read, and
	 * not taken at all if below the last (not a restart) */
	uint8_t unsure;
	/* 1: @placed says when the hop that counted it was put in place;
	 * 0: the producer cannot tell which of its hops counted it, any
	 * attached lately (cmon_agg_hops_changed()) may be that one */
	uint8_t known_place;
	/* with known_place: 1 + the engine's interval (cmon_agg_interval())
	 * the hop was put in place in, 0 before the engine's first */
	unsigned int placed;
	/* 1: the producer may have missed counts since its last read (a
	 * part of it restarted, or, a counter new to it, it may hold less
	 * than the flow passed): it goes on from where it stands, and is
	 * compared with its neighbours anew from this read */
	uint8_t rebase;
	/* changes when the counter restarts (its map entry was evicted and
	 * made anew); 0: unknown */
	uint64_t epoch;
	uint64_t packets, bytes;
	/* the count read again after the hops downstream of it (it then holds
	 * every packet their counts hold: the baseline of the segment after
	 * it); 0: not read so, taken as packets */
	uint64_t packets_late;
	/* of packets, those the producer counted, showed, and then took
	 * back (Open vSwitch's send hop, when the queue turned out full):
	 * packets never goes back, and the hop's count now is packets -
	 * packets_back */
	uint64_t packets_back;
};

/* Feed one trace record. */
void cmon_agg_record(struct cmon_agg *agg, const struct cmon_record *r);
/*
 * Feed the cumulative counters of a flow at one hop.  A producer feeds
 * every counter it has at every interval: one not fed for a whole
 * interval has gone (evicted) and starts anew.
 */
void cmon_agg_hop_count(struct cmon_agg *agg, const struct cmon_hop_counter *c);
/*
 * A producer attached hops (a container joined) since the last tick: the
 * counters that appear now may have missed packets their neighbours
 * counted, so they are compared from a common read on, not from zero.
 * A counter whose producer knows when its own hop was put in place
 * (known_place) is judged by that instead: a container joining does not
 * make a flow between two others start uncompared.
 */
void cmon_agg_hops_changed(struct cmon_agg *agg);
/* The engine's current interval: the ticks so far. */
unsigned int cmon_agg_interval(const struct cmon_agg *agg);
/*
 * A producer's map evicted counters since the last tick, before it feeds
 * this interval's: besides what cmon_agg_hops_changed() implies, a
 * counter without an epoch now or at the last read (its counts partly
 * outside the map) may have lost counts with an entry made and evicted
 * in between, so it restarts too.
 */
void cmon_agg_counters_evicted(struct cmon_agg *agg);
/*
 * Feed the cumulative drop count of a flow on a device, by reason.
 * @before is the hop the dropped packets did not reach (CMON_TP_*), or
 * CMON_TP_NONE when that is not known or they were dropped after their
 * last hop (in the receiving container): the drops are reasons only.
 * Drops before a hop that has never counted the flow are its loss there
 * (all its packets dropped, no two hops' counts to compare).
 */
#define CMON_TP_NONE	0xff
void cmon_agg_drop(struct cmon_agg *agg, const struct cmon_flow *f,
		   uint32_t netns, uint32_t ifindex, uint32_t reason,
		   uint8_t before, uint64_t count);
/* Close the interval of @secs seconds: compute every pair's figures. */
void cmon_agg_tick(struct cmon_agg *agg, double secs);

/*
 * Set apart the TCP and UDP traffic to destination ports in @r (@n
 * ranges; the monitoring rules' `ports`): a flow to such a port makes a
 * pair of its own, per port, and the pair of its addresses and protocol
 * holds the traffic to every other port.  Flows already counted move to
 * their new pair from this interval on.  Returns 0, or -1 (ENOMEM) with
 * the ports before kept.
 */
int cmon_agg_set_ports(struct cmon_agg *agg, const struct cmon_port_range *r,
		       unsigned int n);
/* The pair port of a flow's @proto and destination port @dport (network
 * order): @dport in host order if it is set apart, else 0. */
uint16_t cmon_agg_port_of(const struct cmon_agg *agg, uint8_t proto,
			  uint16_t dport);

/* Pairs as computed by the last tick (active or not). */
unsigned int cmon_agg_npairs(const struct cmon_agg *agg);
const struct cmon_pair_stats *cmon_agg_pair(const struct cmon_agg *agg,
					    unsigned int i);
/*
 * Forget pairs idle for more than @ticks intervals.  Their flows' counters
 * are kept as long as producers still feed them, so traffic that resumes
 * is counted from where it stood, never again from the start.
 */
void cmon_agg_expire(struct cmon_agg *agg, unsigned int ticks);

/*
 * Cross-node links: one-way delays of every segment whose two hops are on
 * different nodes, per (from node, to node), since the engine started.
 * They hold the receiving node's clock offset; cmon_clock_estimate() on
 * both directions (merged from both nodes) recovers it.
 */
#define CMON_MAX_LINKS 64

struct cmon_link {
	uint8_t from_node, to_node;
	struct cmon_owd owd;
};

unsigned int cmon_agg_nlinks(const struct cmon_agg *agg);

/*
 * Clock offsets between nodes, applied to every latency that crosses
 * nodes from then on: node @b's clock minus node @a's, in ns.  Until a
 * pair of nodes has one (or clocks are trusted), latencies across them
 * are counted as unknown (cmon_seg_stats.unknown), never reported raw.
 * cmon_agg_trust_clocks(): every node stamps with one clock (CLOCK_TAI
 * under PTP, or nodes on one host): offsets not set are 0.
 */
void cmon_agg_set_offset(struct cmon_agg *agg, uint8_t a, uint8_t b,
			 int64_t ns);
void cmon_agg_trust_clocks(struct cmon_agg *agg, int trust);
/* The offset in use from @a to @b; -EAGAIN when none. */
int cmon_agg_offset(const struct cmon_agg *agg, uint8_t a, uint8_t b,
		    int64_t *ns);
const struct cmon_link *cmon_agg_link(const struct cmon_agg *agg,
				      unsigned int i);

/*
 * The cumulative per-hop counters fed for hops of @node (as given to
 * cmon_agg_hop_count()), so another node's engine can place loss between
 * its hops and these; partial says whether this engine saw them from the
 * flow's first packet.  Returns how many there are: more than @max means
 * only @max were written.
 */
unsigned int cmon_agg_hop_counters(const struct cmon_agg *agg, uint8_t node,
				   struct cmon_hop_counter *out,
				   unsigned int max);

/*
 * The engine holds at most this many pairs and flows (memory bounded
 * whatever the traffic matrix: a pair costs about 3.5 KiB, a flow 1 KiB);
 * inputs of new ones beyond are refused and counted (cmon_agg_full()).
 * Idle pairs make room as cmon_agg_expire() lets them go.
 */
#define CMON_AGG_MAX_PAIRS	16384
#define CMON_AGG_MAX_FLOWS	65536
void cmon_agg_set_limits(struct cmon_agg *agg, unsigned int pairs,
			 unsigned int flows);
uint64_t cmon_agg_full(const struct cmon_agg *agg);

/* Records fed in total, and records the engine could not use. */
uint64_t cmon_agg_records(const struct cmon_agg *agg);
uint64_t cmon_agg_bad_records(const struct cmon_agg *agg);
/*
 * Inputs the engine had no room for (more segments, hops or links than
 * its fixed bounds, or no memory): counted, never silently dropped.
 */
uint64_t cmon_agg_overflow(const struct cmon_agg *agg);
/*
 * Hop counters that restarted (evicted from their map, or gone for an
 * interval) and sequence numberings that restarted (the stamper's entry
 * evicted): each is compared anew from a common read, never as loss.
 */
uint64_t cmon_agg_counter_restarts(const struct cmon_agg *agg);
uint64_t cmon_agg_seq_restarts(const struct cmon_agg *agg);
/*
 * Records of copies: the same packet (sequence number) leaving a switch by
 * another port than the one its flow's newest packets leave by, as a
 * flood sends it to every port.  Their latencies count; their sequence
 * numbers are not the flow's (neither duplicates, nor late, nor loss).
 */
uint64_t cmon_agg_copies(const struct cmon_agg *agg);

/*
 * Position of a hop along a path (smaller is upstream).  Producers read
 * counters upstream first, so packets in flight between two reads never
 * look lost.
 */
int cmon_tp_rank(uint8_t tp);

/* Names: hop ids and segment labels. */
const char *cmon_tp_name(uint8_t tp);
const char *cmon_proto_name(uint8_t proto);

#endif /* CMON_AGG_H */
