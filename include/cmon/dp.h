/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Userspace datapath hops: what the Open vSwitch patch set does to one
 * Ethernet frame at a monitored port, on plain bytes so it is the same code
 * whatever the buffer (mbuf, malloc'd dp_packet) and is unit tested in
 * cmon (tests/unit/test-dp.c).  Built into lib/libcmon-dp.a, which the
 * patched ovs-vswitchd links (tools/build-ovs).
 *
 * Port roles (other_config:cmon-role of an OVS Interface):
 *
 *   container  a trust boundary towards one container (vhost-user, tap,
 *              af_packet on its veth).  Receive: neutralise any annotation
 *              the container sent, sample, stamp a fresh IPv4-option
 *              annotation (OVS_RX as the first hop).  Send: write OVS_TX,
 *              strip, and return a record.
 *   trunk      a link towards monitored kernel hops (a bridge uplink).
 *              Receive and send: write the hop slot of an annotation that
 *              is already there and leave it for the kernel's strip hop.
 *
 * A container port's receive hop may leave the annotation beside the
 * packet instead (struct cmon_dp_side, in Open vSwitch's dp_packet): the
 * packet then crosses the switch as it came, nothing moved and no
 * checksum touched.  The port it leaves by records it (a container port)
 * or writes it into the packet's bytes then (any other: the hops after the
 * switch read it there).
 *
 * Nothing here allocates, blocks or logs: results are counted in the
 * caller's stat array (enum cmon_event, include/cmon/shm.h), with
 * cmon_dp_stat(): it may be the caller's row of the shared counters.
 */
#ifndef CMON_DP_H
#define CMON_DP_H

#include <stdint.h>
#include "cmon/annotate.h"
#include "cmon/dp-side.h"
#include "cmon/shm.h"

/* Add @n to counter @e of @stat: a relaxed store, never torn, as @stat may
 * be a row of the shared counters (its thread its only writer, another
 * process reading it). */
static inline void cmon_dp_stat(uint64_t *stat, enum cmon_event e, uint64_t n)
{
	__atomic_store_n(&stat[e], stat[e] + n, __ATOMIC_RELAXED);
}

enum cmon_dp_role {
	CMON_ROLE_NONE = 0,
	CMON_ROLE_CONTAINER = 1,
	CMON_ROLE_TRUNK = 2,
};

struct cmon_dp_cfg {
	uint64_t key;		/* annotation tag key (cmon-key) */
	uint32_t sample_n;	/* trace 1 in N (>= 1); with @ctl, its
				 * sample_base: packets kept are thinned
				 * to their pair's rate */
	uint8_t node;		/* node id written in slots */
	uint8_t tai;		/* stamps are CLOCK_TAI */
	uint16_t side_gen;	/* a cmon_dp_side is valid while its gen is
				 * this (never 0): changed whenever the hooks
				 * start again, since packets received while
				 * they were off kept what they held */
	const struct cmon_shm_ctl *ctl;	/* the rules' sampling, or NULL */
};

/* 1 in how many packets the rules in @ctl trace of pair (@saddr, @daddr,
 * @proto), network order; 0 while cmon-dpdk rewrites them. */
uint32_t cmon_dp_pair_sample(const struct cmon_shm_ctl *ctl, uint32_t saddr,
			     uint32_t daddr, uint8_t proto);

/* The hop time: read at most once per batch, and only when a packet is
 * stamped, written or stripped (sampled-out packets need no clock). */
struct cmon_dp_clock {
	int id;			/* clockid_t: CLOCK_MONOTONIC or CLOCK_TAI */
	uint64_t ns;		/* 0 until read; set it to fix the time */
};

/* What the caller must do to its buffer after a hop changed the frame. */
struct cmon_dp_res {
	int32_t head;		/* >0: frame now starts this many bytes
				 * earlier (headroom used); <0: later */
	int32_t tail;		/* bytes added (>0) or removed (<0) at the end */
	int record;		/* 1: *rec was filled (strip hop) */
};

/* Bytes of headroom a stamp needs. */
#define CMON_DP_HEADROOM	CMON_ANN_WIRE_LEN

/* Is the Ethernet frame @frame (14 bytes at least) IPv4? */
static inline int cmon_dp_ipv4(const uint8_t *frame)
{
	return frame[12] == CMON_ETH_P_IP >> 8 &&
	       frame[13] == (CMON_ETH_P_IP & 0xff);
}

/*
 * Fast paths, inline in a port's loop: most packets need nothing but a
 * count, and a call per packet into the hops below would cost more than
 * deciding that.  Each answers 1 only where the hop would do nothing else
 * (tests/unit/test-dp.c holds them to that); on 0, call the hop.
 */

/*
 * Sampling at a container port.  The port is the only hop in the switch
 * that decides, and it writes the decision into the packet, so unlike the
 * kernel hops (a hash of the packet's fields, cmon_sample_hash()) it needs
 * no agreement with another hop: each thread leaves out a random number
 * of packets, uniform in 0 .. 2N-2, between two it traces.  That traces 1
 * in N of every flow, also of flows whose fields never change (a DPDK
 * application's constant IPv4 id), and costs no hash per packet.
 * cmon_dp_skip is the count still to leave out; one outside 1 .. 2N-2 (0,
 * or drawn for a larger N before the setting changed) traces the next
 * packet and draws again.
 */
extern __thread uint32_t cmon_dp_skip;

/* 1 if this thread's sampler leaves out the next packet at 1 in @n
 * (1 <= n < 2^31; n <= 1 leaves out none). */
static inline int cmon_dp_skip_next(uint32_t n)
{
	return n > 1 && cmon_dp_skip - 1 < 2 * n - 2;
}

/*
 * Receive at a container port: 1 if @frame is IPv4 TCP, UDP or ICMP with
 * neither options nor the decision bit, not a later fragment, and
 * sampling leaves it out: the hop only counts it (packets, sampled_out).
 */
static inline int cmon_dp_sampled_out(const struct cmon_dp_cfg *cfg,
				      const uint8_t *frame, uint32_t len)
{
	const uint8_t *ip = frame + CMON_ETH_HLEN;
	uint32_t tot;
	uint8_t proto;

	if (!cmon_dp_skip_next(cfg->sample_n) ||
	    len < CMON_ETH_HLEN + 20 + 8 || !cmon_dp_ipv4(frame) ||
	    ip[0] != 0x45 ||
	    (ip[CMON_IPH_FRAG_OFF] & (CMON_IP_DECISION_BIT | CMON_IP_OFFMASK) >> 8) ||
	    ip[CMON_IPH_FRAG_OFF + 1])
		return 0;
	proto = ip[CMON_IPH_PROTO];
	tot = cmon_get16(ip + CMON_IPH_TOT_LEN);
	if (!cmon_l4_known(proto) || tot > len - CMON_ETH_HLEN ||
	    tot < (proto == CMON_PROTO_TCP ? 40u : 28u))
		return 0;
	cmon_dp_skip--;
	return 1;
}

/* Send or transit: 1 if @frame carries no annotation (not IPv4, or IPv4
 * with neither options nor the decision bit): the hop only counts it. */
static inline int cmon_dp_unannotated(const uint8_t *frame, uint32_t len)
{
	return len < CMON_ETH_HLEN + 20 || !cmon_dp_ipv4(frame) ||
	       (frame[CMON_ETH_HLEN] == 0x45 &&
		!(frame[CMON_ETH_HLEN + CMON_IPH_FRAG_OFF] &
		  CMON_IP_DECISION_BIT >> 8));
}

/*
 * Receive at a container port: sanitise, sample, stamp.  @frame points at
 * the Ethernet header with at least @headroom writable bytes before it;
 * @mtu is the largest IPv4 packet the path carries.
 */
void cmon_dp_stamp(const struct cmon_dp_cfg *cfg, uint8_t *frame,
		   uint32_t len, uint32_t headroom, uint32_t mtu,
		   struct cmon_dp_clock *clk,
		   uint64_t *stat, struct cmon_dp_res *res);

/*
 * The same, the annotation left in @side (where the packet's bytes would
 * hold it): set only if the packet is stamped, with gen cfg->side_gen.
 * The checks are the same: room for it in the bytes at the port it may
 * leave by.  The caller clears @side's gen for every packet received.
 */
void cmon_dp_stamp_side(const struct cmon_dp_cfg *cfg, uint8_t *frame,
			uint32_t len, uint32_t headroom, uint32_t mtu,
			struct cmon_dp_clock *clk, uint64_t *stat,
			struct cmon_dp_side *side);

/* Send at a container port of a packet stamped beside it (@side valid):
 * fill @rec with its path (1), or 0 if @frame is no longer IPv4. */
int cmon_dp_side_record(const struct cmon_dp_cfg *cfg,
			const struct cmon_dp_side *side, uint8_t *frame,
			uint32_t len, struct cmon_dp_clock *clk,
			uint64_t *stat, struct cmon_record *rec);

/*
 * Send at any other port, or before a tunnel's header is pushed, of a
 * packet stamped beside it: write the annotation into its bytes as
 * cmon_dp_stamp() would have (res->head > 0; at a trunk, cmon_dp_transit()
 * adds the send hop after).  A packet with no room for it any more (the
 * switch added IPv4 options, or used the headroom, or it would no longer
 * fit the MTU @mtu of the port it leaves by; 0: none to keep) ends its
 * path here: @rec filled, res->record 1.
 */
void cmon_dp_side_write(const struct cmon_dp_cfg *cfg,
			const struct cmon_dp_side *side, uint8_t *frame,
			uint32_t len, uint32_t headroom, uint32_t mtu,
			struct cmon_dp_clock *clk, uint64_t *stat,
			struct cmon_record *rec, struct cmon_dp_res *res);

/* The flow of record @rec: the one its packet came in by, as @flow keeps it
 * (cmon_dp_count()), if it does. */
void cmon_dp_record_flow(struct cmon_record *rec,
			 const struct cmon_dp_side *flow);

/* Any port: write hop @tp into an annotation already present (trunk). */
void cmon_dp_transit(const struct cmon_dp_cfg *cfg, uint8_t *frame,
		     uint32_t len, uint8_t tp, struct cmon_dp_clock *clk,
		     uint64_t *stat);

/*
 * Send at a container port: write OVS_TX, strip the annotation (either
 * carrier) and fill @rec with the packet's whole path.  With @cap, a
 * packet that yields a record is first copied there as it arrived
 * (annotation included; cap->rec is the caller's to fill).
 */
void cmon_dp_strip(const struct cmon_dp_cfg *cfg, uint8_t *frame,
		   uint32_t len, struct cmon_dp_clock *clk, uint64_t *stat,
		   struct cmon_record *rec, struct cmon_dp_res *res,
		   struct cmon_capture *cap);

/*
 * Per-flow counters (struct cmon_flow_slot, cmon/shm.h): @row is the
 * calling thread's CMON_FLOW_SLOTS slots, which no other thread writes.
 *
 * cmon_dp_count(): the @n frames @frames[i] of @lens[i] bytes, a batch of
 * port @port, at hop @tp: CMON_TP_OVS_RX, CMON_TP_OVS_TX, or CMON_TP_DROPS
 * for frames the switch dropped for @reason (enum cmon_ovs_drop; 0 for the
 * hops).  Only IPv4 is counted (what the engine calls a flow); an
 * annotation is not in a packet's bytes.  A run of frames of one flow adds
 * to its slot once.  A slot taken from another key counts
 * CMON_EV_FLOW_EVICTED in @stat.  With @sides (NULL, or NULL entries:
 * none), a frame's flow is kept beside it, in @sides[i], at the receive
 * hop, and taken from there, where kept, at the others: a packet the
 * switch rewrote on its way (addresses, ports, a tunnel's header pushed)
 * is counted in the flow it came in by, where it leaves or is dropped.
 *
 * cmon_dp_uncount(): frames that port @port counted at its send hop and
 * then dropped for @reason: taken back from the send hop, counted dropped.
 */
void cmon_dp_count(struct cmon_flow_slot *row, const uint8_t *const *frames,
		   const uint32_t *lens, struct cmon_dp_side *const *sides,
		   unsigned int n, uint8_t tp, uint16_t port, uint32_t reason,
		   uint64_t *stat);
void cmon_dp_uncount(struct cmon_flow_slot *row, const uint8_t *const *frames,
		     const uint32_t *lens, struct cmon_dp_side *const *sides,
		     unsigned int n, uint16_t port, uint32_t reason,
		     uint64_t *stat);

/*
 * The @n frames of a batch leaving by port @port, whose packets meet
 * kernel hops after it (a trunk, an af_packet port): those the switch
 * rewrote on their way (their flow now not the one kept in @sides[i] at
 * their receive hop, nor a tunnel's header pushed over them) are counted
 * in a CMON_TP_LEFT slot of the flow they came in by, which names the
 * flow they left as: the flow those hops count them in.
 */
void cmon_dp_count_left(struct cmon_flow_slot *row,
			const uint8_t *const *frames, const uint32_t *lens,
			struct cmon_dp_side *const *sides, unsigned int n,
			uint16_t port, uint64_t *stat);

#endif /* CMON_DP_H */
