/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The annotation a switch's container port leaves beside a packet it
 * stamps (a field of Open vSwitch's struct dp_packet), where nothing needs
 * it in the packet's bytes: see <cmon/dp.h>.  Only this struct, so the
 * switch's packet header can hold one without the rest of cmon's.
 */
#ifndef CMON_DP_SIDE_H
#define CMON_DP_SIDE_H

#include <stdint.h>

struct cmon_dp_side {
	uint64_t t0;		/* stamp time */
	uint32_t seq;		/* the flow's sequence number */
	uint16_t gen;		/* the hooks' side_gen when stamped; 0: none */
	uint16_t counted;	/* the hooks' side_gen when counted on
				 * receipt, or'ed with 0x8000 when left to
				 * the send hook (a port without a role);
				 * 0: neither (received while monitoring was
				 * off or closing) */
	/* The flow the receive hop counted the packet in (cmon_dp_count()),
	 * as its headers were there, where the hops after count it too:
	 * the switch may rewrite them on the way. */
	uint64_t addrs;		/* saddr | daddr << 32, as in memory */
	uint32_t ports;		/* sport | dport << 16, as in memory */
	uint16_t bytes;		/* IPv4 total length, annotation left out */
	uint16_t in_port;	/* the receive port's number */
	uint8_t flags;		/* CMON_ANN_F_* */
	uint8_t node;		/* the stamping node */
	uint8_t proto;
	uint8_t keyed;		/* 1: the flow above is the packet's, or'ed
				 * with CMON_SIDE_PUSHED once a tunnel's
				 * header went over it */
};

/* keyed: a tunnel's header went over the packet (its headers there are
 * not its flow's) */
#define CMON_SIDE_PUSHED	2

#endif /* CMON_DP_SIDE_H */
