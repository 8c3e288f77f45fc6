/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cmon trace record: what a strip hop emits for every traced packet, into
 * the kernel BPF ring buffer or the Open vSwitch hugepage ring.  Every
 * producer writes this one fixed-size layout and the aggregation engine
 * (lib/agg.h) consumes it; it holds no pointers.
 */
#ifndef CMON_RECORD_H
#define CMON_RECORD_H

#include "cmon/annotation.h"

/* Hops a record can hold: the annotation's slots plus receive-side hops. */
#define CMON_REC_HOPS		6

/* Producers (cmon_record.source). */
enum cmon_source {
	CMON_SRC_KERNEL = 1,
	CMON_SRC_OVS = 2,
};

/* Carriers (cmon_record.carrier). */
enum cmon_carrier {
	CMON_CARRIER_TRAILER = 1,
	CMON_CARRIER_IPOPT = 2,
	CMON_CARRIER_SKB = 3,	/* none in the bytes: the annotation waited
				 * beside the packet (the kernel's skb, or
				 * Open vSwitch's dp_packet) */
};

/* One hop of a record: when, relative to the record's t0. */
struct cmon_rec_hop {
	__u8 tp;		/* enum cmon_tp */
	__u8 node;		/* node id */
	__u16 reserved;
	__s32 delta;		/* ns after t0 */
};

struct cmon_record {
	__u64 t0;		/* absolute stamp time, ns (clock per flags) */
	__u32 saddr;		/* IPv4 source, network order */
	__u32 daddr;		/* IPv4 destination, network order */
	__u16 sport;		/* L4 source port / ICMP id, network order */
	__u16 dport;		/* L4 destination port, network order */
	__u8 proto;		/* IPPROTO_* */
	__u8 nhops;		/* valid entries in hop[] */
	__u8 carrier;		/* enum cmon_carrier */
	__u8 flags;		/* CMON_ANN_F_* */
	__u32 seq;		/* per-flow sequence from the annotation */
	__u32 len;		/* IPv4 total length without annotation */
	__u16 segs;		/* packets this record stands for (GSO) */
	__u16 source;		/* enum cmon_source */
	__u32 port;		/* OVS: the port it left by (odp port number;
				 * each flooded copy has its own); kernel: 0 */
	struct cmon_rec_hop hop[CMON_REC_HOPS];
};

_Static_assert(sizeof(struct cmon_rec_hop) == 8, "record hop is 8 bytes");
_Static_assert(sizeof(struct cmon_record) == 88, "record is 88 bytes");

#endif /* CMON_RECORD_H */
