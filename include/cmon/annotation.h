/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cmon annotation wire format: the timing record a traced packet carries
 * along its path.  This one header is included by the BPF programs, the
 * user-space agents, the Open vSwitch patch set, the DPDK exporter and the
 * tools; doc/annotation.md is its specification.
 *
 * The annotation body (struct cmon_ann, 38 bytes, network byte order) rides
 * in one of two carriers:
 *
 *   payload trailer  body + 2-byte magic appended to the L4 payload of a
 *                    non-GSO UDP or ICMP packet; the reserved IPv4 flag bit
 *                    (the "decision bit") says a trailer is present.
 *   IPv4 option      option type 0x9e (copy bit + experimental number 30,
 *                    RFC 4727), length 40, body follows; used for TCP and
 *                    for every GSO packet.
 *
 * Both carriers are exactly CMON_ANN_WIRE_LEN (40) bytes, so a stamp needs
 * 40 bytes of room under the MTU and later hops never resize the packet.
 */
#ifndef CMON_ANNOTATION_H
#define CMON_ANNOTATION_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Version of struct cmon_ann; hops reject (count, pass untouched) others. */
#define CMON_ANN_VERSION	1
/* Hop slots pre-allocated by the stamper (stamp hop included). */
#define CMON_ANN_SLOTS		4
/* Bytes the annotation adds to a packet, in either carrier. */
#define CMON_ANN_WIRE_LEN	40
/* Last two bytes of a payload trailer (network order). */
#define CMON_TRAILER_MAGIC	0xc3a7
/* IPv4 option type: copied flag (0x80) | class 0 | number 30. */
#define CMON_IPOPT_TYPE		0x9e
/* Reserved IPv4 flag bit (in frag_off) set when a payload trailer follows. */
#define CMON_IP_DECISION_BIT	0x8000

/* Flags (low nibble of ver_flags). */
#define CMON_ANN_F_TAI		0x1	/* stamps are CLOCK_TAI, not MONOTONIC */

/*
 * Tracepoint (hop) ids.  Bit n of cmon_ann.tp_mask enables hop n.  Kernel
 * hops are 0..7 and 10, Open vSwitch userspace hops 8 and 9.
 */
enum cmon_tp {
	CMON_TP_CT_TX = 0,	/* container eth0 transmit (tc egress) */
	CMON_TP_VETH_IN = 1,	/* host side of container veth, from container */
	CMON_TP_OVL_OUT = 2,	/* overlay (vxlan) device, leaving the node */
	CMON_TP_OVL_IN = 3,	/* overlay (vxlan) device, entering the node */
	CMON_TP_VETH_OUT = 4,	/* host side of container veth, to container */
	CMON_TP_CT_RX = 5,	/* container eth0 receive (tc ingress) */
	CMON_TP_HOST_IN = 6,	/* bridge device, delivered to the host stack */
	CMON_TP_HOST_OUT = 7,	/* bridge device, sent by the host stack */
	CMON_TP_OVS_RX = 8,	/* Open vSwitch vport receive */
	CMON_TP_OVS_TX = 9,	/* Open vSwitch vport send */
	CMON_TP_UPLINK = 10,	/* the node's uplink (physical NIC), leaving */
	CMON_TP_MAX = 16,
};

/* One pre-allocated hop slot: which hop, on which node, when. */
struct cmon_ann_slot {
	__u8 tp;		/* enum cmon_tp; 0xff = slot unused */
	__u8 node;		/* node id of the hop's host */
	__u32 delta;		/* ns after the stamp time t0 (signed) */
} __attribute__((packed));

/* The annotation body, identical in both carriers. */
struct cmon_ann {
	__u8 ver_flags;		/* version << 4 | CMON_ANN_F_* */
	__u8 nslots;		/* slots written so far (<= CMON_ANN_SLOTS) */
	__u16 tp_mask;		/* enabled hops, bit per enum cmon_tp */
	__u32 seq;		/* per-flow sequence number of traced packets */
	__u32 t0_lo;		/* low 32 bits of the stamp time in ns */
	__u16 tag;		/* keyed check value, see cmon_ann_tag() */
	struct cmon_ann_slot slot[CMON_ANN_SLOTS];
} __attribute__((packed));

/* Payload trailer: body then magic, found from the packet's tail. */
struct cmon_trailer {
	struct cmon_ann ann;
	__u16 magic;		/* CMON_TRAILER_MAGIC */
} __attribute__((packed));

/* IPv4 option carrier: standard type/length then body. */
struct cmon_ipopt {
	__u8 type;		/* CMON_IPOPT_TYPE */
	__u8 len;		/* CMON_ANN_WIRE_LEN */
	struct cmon_ann ann;
} __attribute__((packed));

_Static_assert(sizeof(struct cmon_ann_slot) == 6, "slot is 6 bytes");
_Static_assert(sizeof(struct cmon_ann) == 38, "annotation body is 38 bytes");
_Static_assert(sizeof(struct cmon_trailer) == CMON_ANN_WIRE_LEN, "trailer");
_Static_assert(sizeof(struct cmon_ipopt) == CMON_ANN_WIRE_LEN, "ip option");
_Static_assert(CMON_ANN_WIRE_LEN % 4 == 0, "IPv4 options are 32-bit words");

static inline __u8 cmon_ann_version(const struct cmon_ann *a)
{
	return a->ver_flags >> 4;
}

/* 64-bit finaliser (MurmurHash3 fmix64): cheap, good avalanche. */
static inline __u64 cmon_mix64(__u64 h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/*
 * Keyed check value over the fields the stamper fixes (host byte order
 * inputs).  Not a MAC: it lets a hop refuse annotations that were not
 * written by a stamper sharing its key, on top of the decision bit that
 * every stamp hop clears on container traffic.
 */
static inline __u16 cmon_ann_tag(__u64 key, __u32 seq, __u32 t0_lo,
				 __u16 tp_mask)
{
	__u64 h = cmon_mix64(key ^ ((__u64)seq << 32 | t0_lo));

	h = cmon_mix64(h ^ tp_mask ^ key >> 7);
	return (__u16)(h ^ h >> 16 ^ h >> 32 ^ h >> 48);
}

/* A flow's addresses, ports (sport << 16 | dport) and protocol folded
 * into one word: where the hashes over a flow (its sampling, its counter's
 * slot, its sequence numbers) start. */
static inline __u64 cmon_flow_word(__u32 saddr, __u32 daddr, __u32 ports,
				   __u8 proto)
{
	return ((__u64)saddr << 32 | daddr) ^ (__u64)ports << 16 ^ proto;
}

/*
 * Sequence numbers of traced packets, per flow, shared by every CPU (the
 * kernel's cmon_seq) or thread (the switch's) that stamps: an array of
 * buckets of two words, a flow's bucket given by the low bits of
 * cmon_seq_hash().  A flow's word: its upper half the rest of that hash
 * (a tag: never 0), its lower half the flow's last number.  Found without
 * a call, changed by one compare-and-swap.  A flow that finds both words
 * of its bucket held by others takes one, which then starts again at 1:
 * the readers take that as a new start, not as loss.  Two flows share a
 * word only if 32 bits of tag and the bucket's bits of their hashes agree.
 */
static inline __u64 cmon_seq_hash(__u32 saddr, __u32 daddr, __u16 sport,
				  __u16 dport, __u8 proto)
{
	return cmon_mix64(((__u64)saddr << 32 | daddr) +
			  ((__u64)sport << 24 ^ (__u64)dport << 8 ^ proto) *
			  0x9e3779b97f4a7c15ULL);
}

/* The next number of the flow of hash @h from its bucket @b (two words),
 * from 1; 0 if others kept changing its word (the packet is then not
 * traced).  *@taken is set when the word was another flow's. */
static inline __attribute__((__always_inline__)) __u32
cmon_seq_take(__u64 *b, __u64 h, int *taken)
{
	__u64 hi = ~0xffffffffULL, tag = (h | 1ULL << 32) & hi;

#ifdef __clang__
#pragma unroll
#endif
	for (int i = 0; i < 4; i++) {
		__u64 w0 = *(volatile __u64 *)&b[0];
		__u64 w1 = *(volatile __u64 *)&b[1], old, *w;
		__u32 n = 1;

		/* its own word, else a free one, else one its hash picks */
		if ((w0 & hi) == tag || ((w1 & hi) != tag &&
					 (!w0 || (w1 && !(h >> 63))))) {
			w = &b[0];
			old = w0;
		} else {
			w = &b[1];
			old = w1;
		}
		if ((old & hi) == tag)
			n = (__u32)old + 1;
		n = n ? n : 1;	/* (after 2^32 packets) */
		if (__sync_val_compare_and_swap(w, old, tag | n) == old) {
			*taken = old && (old & hi) != tag;
			return n;
		}
	}
	return 0;
}

/*
 * Sampling hash over fields no hop changes (addresses, protocol, ports
 * and a per-packet id: IPv4 id, TCP sequence or ICMP sequence), so every
 * hop that samples agrees on the same packets.  A packet is traced when
 * cmon_sample_hash() % N == 0 (cmon_sample_skip()).  It runs for every
 * packet a stamp hop sees, so it is two multiplies, one of them beside
 * the rest: the id spread over 64 bits (a Weyl sequence as the id
 * counts), the flow's fields folded in, and the product's top half,
 * which every bit below it moves.
 */
static inline __u32 cmon_sample_hash(__u32 saddr, __u32 daddr, __u32 ports,
				     __u8 proto, __u32 pkt_id)
{
	__u64 f = cmon_flow_word(saddr, daddr, ports, proto);

	return (__u32)(((f ^ (__u64)pkt_id * 0x9e3779b97f4a7c15ULL) *
			0xc2b2ae3d27d4eb4fULL) >> 32);
}

/* 1 if sampling 1 in @n leaves out a packet of @hash: hash % n != 0, a
 * mask when n is a power of two (the same answer without a division); no
 * packet is left out for n <= 1. */
static inline int cmon_sample_skip(__u32 n, __u32 hash)
{
	if (n <= 1)
		return 0;
	return (n & (n - 1)) ? hash % n != 0 : (hash & (n - 1)) != 0;
}

#endif /* CMON_ANNOTATION_H */
