/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The annotation's rules, written once for every hop: the kernel's BPF
 * programs (bpf/), the userspace hops Open vSwitch runs (lib/ovs-hops.c), and the
 * agents and tools that read annotated packets (lib/codec.c).  Header-only
 * and over the wire format of annotation.h as it is in the packet (network
 * byte order), so it compiles for the BPF target and for userspace alike:
 * no helper calls, no libc, no loops but over constants, and a byte order
 * of its own.
 *
 * What differs between the two worlds stays with them: how bytes are read
 * from and written to a packet, and how checksums follow (BPF helpers in
 * bpf/carrier.bpf.h, RFC 1624 arithmetic in lib/ovs-hops.c).
 */
#ifndef CMON_ANNOTATE_H
#define CMON_ANNOTATE_H

#include "cmon/record.h"

#define CMON_INLINE static inline __attribute__((always_inline))

/* Network byte order (both ways), for constants and values alike. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define cmon_n16(x)	((__u16)__builtin_bswap16((__u16)(x)))
#define cmon_n32(x)	((__u32)__builtin_bswap32((__u32)(x)))
#else
#define cmon_n16(x)	((__u16)(x))
#define cmon_n32(x)	((__u32)(x))
#endif

/* The packet layout every hop reads: untagged Ethernet, IPv4, and the
 * protocols whose headers it reads. */
#define CMON_ETH_HLEN		14
#define CMON_ETH_P_IP		0x0800
#define CMON_IPH_TOT_LEN	2	/* IPv4 header fields, by offset */
#define CMON_IPH_ID		4
#define CMON_IPH_FRAG_OFF	6
#define CMON_IPH_PROTO		9
#define CMON_IPH_CHECK		10
#define CMON_IPH_SADDR		12
#define CMON_IPH_DADDR		16
#define CMON_IP_MF		0x2000	/* in frag_off */
#define CMON_IP_OFFMASK		0x1fff
#define CMON_PROTO_ICMP		1
#define CMON_PROTO_TCP		6
#define CMON_PROTO_UDP		17

/* A 16-bit field in network byte order at @p, anywhere. */
CMON_INLINE __u16 cmon_get16(const __u8 *p)
{
	__u16 v;

	__builtin_memcpy(&v, p, 2);
	return cmon_n16(v);
}

/* The IPv4 header fields every hop reads: host order, but the addresses
 * as in flow keys (network order). */
struct cmon_ip4 {
	__u32 saddr, daddr;
	__u16 tot_len, frag_off, id;
	__u8 ihl;		/* header bytes, 20 to 60 */
	__u8 proto;
};

/*
 * Read the 20 bytes of a packet's IPv4 header at @h: -1 if it is not one.
 * @avail: the bytes the caller has from @h on, which the header length
 * and the total length must fit; 0 where the total length may be anything
 * (a BPF hop sees GSO packets whole).
 */
CMON_INLINE int cmon_ip4_read(const __u8 *h, __u32 avail, struct cmon_ip4 *o)
{
	if (h[0] >> 4 != 4 || (h[0] & 0xf) < 5)
		return -1;
	o->ihl = (__u8)((h[0] & 0xf) * 4);
	o->tot_len = cmon_get16(h + CMON_IPH_TOT_LEN);
	o->id = cmon_get16(h + CMON_IPH_ID);
	o->frag_off = cmon_get16(h + CMON_IPH_FRAG_OFF);
	o->proto = h[CMON_IPH_PROTO];
	__builtin_memcpy(&o->saddr, h + CMON_IPH_SADDR, 4);
	__builtin_memcpy(&o->daddr, h + CMON_IPH_DADDR, 4);
	if (avail && (o->tot_len < o->ihl || o->tot_len > avail))
		return -1;
	return 0;
}

/* What is wrong with an annotation read from a packet (0: nothing). */
#define CMON_BAD_VER	3	/* another version of the format */
#define CMON_BAD_TAG	4	/* not tagged under this key: forged */
#define CMON_MALFORMED	5	/* slots out of range, carrier broken */

/*
 * Check an annotation read from a packet: this format's version, a slot
 * count in range and, with @check_tag, the tag under @key.
 */
CMON_INLINE int cmon_ann_check(const struct cmon_ann *a, __u64 key,
			       int check_tag)
{
	if (cmon_ann_version(a) != CMON_ANN_VERSION)
		return CMON_BAD_VER;
	if (a->nslots == 0 || a->nslots > CMON_ANN_SLOTS)
		return CMON_MALFORMED;
	if (check_tag &&
	    cmon_n16(a->tag) != cmon_ann_tag(key, cmon_n32(a->seq),
					     cmon_n32(a->t0_lo),
					     cmon_n16(a->tp_mask)))
		return CMON_BAD_TAG;
	return 0;
}

/*
 * Start the annotation of a packet stamped at @t0 by hop @tp of node
 * @node (its first slot): flags CMON_ANN_F_*, the hops @tp_mask enables,
 * its flow's sequence number @seq, its tag @tag.  Returns the sum of
 * the 16-bit big-endian words it wrote (not folded): what a checksum
 * over the annotation needs, made from the values, since reading back
 * what was just written field by field would wait for the stores.
 */
CMON_INLINE __u32 cmon_ann_start_tagged(struct cmon_ann *a, __u8 flags,
					__u16 tp_mask, __u32 seq, __u64 t0,
					__u16 tag, __u8 tp, __u8 node)
{
	__u8 vf = CMON_ANN_VERSION << 4 | (flags & 0xf);
	int i;

	a->ver_flags = vf;
	a->tp_mask = cmon_n16(tp_mask);
	a->seq = cmon_n32(seq);
	a->t0_lo = cmon_n32((__u32)t0);
	a->tag = cmon_n16(tag);
	for (i = 0; i < CMON_ANN_SLOTS; i++) {
		a->slot[i].tp = 0xff;
		a->slot[i].node = 0;
		a->slot[i].delta = 0;
	}
	a->slot[0].tp = tp;
	a->slot[0].node = node;
	a->nslots = 1;
	/* ver_flags and nslots, tp_mask, seq, t0_lo, tag; the slots: the
	 * first's hop and node, the others' 0xff and 0, all deltas 0 */
	return ((__u32)vf << 8 | 1) + tp_mask + (seq >> 16) + (seq & 0xffff) +
	       ((__u32)t0 >> 16) + ((__u32)t0 & 0xffff) + tag +
	       ((__u32)tp << 8 | node) + (CMON_ANN_SLOTS - 1) * (0xffu << 8);
}

/* cmon_ann_start_tagged(), tagged under @key: an annotation that rides in
 * a packet's bytes. */
CMON_INLINE __u32 cmon_ann_start(struct cmon_ann *a, __u8 flags,
				 __u16 tp_mask, __u32 seq, __u64 t0,
				 __u64 key, __u8 tp, __u8 node)
{
	return cmon_ann_start_tagged(a, flags, tp_mask, seq, t0,
				     cmon_ann_tag(key, seq, (__u32)t0, tp_mask),
				     tp, node);
}

/*
 * Nanoseconds from an annotation's stamp time to @now.  Only t0's low 32
 * bits travel: this holds while a path takes less than two seconds.
 */
CMON_INLINE __s32 cmon_ann_delta(const struct cmon_ann *a, __u64 now)
{
	return (__s32)((__u32)now - cmon_n32(a->t0_lo));
}

/*
 * Write slot @i (below CMON_ANN_SLOTS): hop @tp of node @node, @delta ns
 * after t0, the slots before it being written already.  With a constant
 * @i (a stamp's second slot) it is one store.
 */
CMON_INLINE void cmon_ann_slot_set(struct cmon_ann *a, __u32 i, __u8 tp,
				   __u8 node, __s32 delta)
{
	struct cmon_ann_slot *s;

	/* constant indexes keep the verifier's view of the stack simple */
	if (i == 0)
		s = &a->slot[0];
	else if (i == 1)
		s = &a->slot[1];
	else if (i == 2)
		s = &a->slot[2];
	else
		s = &a->slot[3];
	s->tp = tp;
	s->node = node;
	s->delta = cmon_n32((__u32)delta);
	a->nslots = i + 1;
}

/*
 * A later hop, @tp of node @node at @now: write the next free slot of an
 * annotation that passed cmon_ann_check() (so the stamp's slot is
 * written).  0, or -1 when every slot is taken.
 */
CMON_INLINE int cmon_ann_slot_add(struct cmon_ann *a, __u8 tp, __u8 node,
				  __u64 now)
{
	__u32 n = a->nslots;

	if (n == 0 || n >= CMON_ANN_SLOTS)
		return -1;
	cmon_ann_slot_set(a, n, tp, node, cmon_ann_delta(a, now));
	return 0;
}

/*
 * The path an annotation holds, into a record: flags, sequence, one hop
 * per written slot (t0 stays the caller's: unknown without a hop's
 * clock), every other hop entry empty (0xff, zeros).  The flow, length,
 * carrier, segments, source and port are the caller's too.  Returns the
 * hops written.
 */
CMON_INLINE __u32 cmon_ann_record_path(const struct cmon_ann *a,
				       struct cmon_record *r)
{
	__u32 n = a->nslots;
	int i;

	r->flags = a->ver_flags & 0xf;
	r->seq = cmon_n32(a->seq);
	if (n > CMON_ANN_SLOTS)
		n = CMON_ANN_SLOTS;
	for (i = 0; i < CMON_REC_HOPS; i++)	/* (one store each) */
		r->hop[i] = (struct cmon_rec_hop){ .tp = 0xff };
	for (i = 0; i < CMON_ANN_SLOTS; i++) {
		if ((__u32)i >= n)
			break;
		r->hop[i].tp = a->slot[i].tp;
		r->hop[i].node = a->slot[i].node;
		r->hop[i].delta = (__s32)cmon_n32(a->slot[i].delta);
	}
	r->nhops = n;
	return n;
}

/*
 * The record of a packet whose annotation @a ends at hop @tp of node
 * @node at @now: as cmon_ann_record_path(), with t0 and that last hop.
 */
CMON_INLINE void cmon_ann_record(const struct cmon_ann *a, __u64 now,
				 __u8 tp, __u8 node, struct cmon_record *r)
{
	__s32 d = cmon_ann_delta(a, now);
	__u32 n = cmon_ann_record_path(a, r);

	r->t0 = now - (__u64)(__s64)d;
	if (n < CMON_REC_HOPS) {
		r->hop[n].tp = tp;
		r->hop[n].node = node;
		r->hop[n].delta = d;
		r->nhops = n + 1;
	}
}

/* Does an IPv4 header of @ihl bytes whose first option starts with
 * @type, @len carry an annotation option?  (Only there is it ours.) */
CMON_INLINE int cmon_ann_in_option(__u32 ihl, __u8 type, __u8 len)
{
	return ihl == 20 + CMON_ANN_WIRE_LEN && type == CMON_IPOPT_TYPE &&
	       len == CMON_ANN_WIRE_LEN;
}

/* TCP, UDP or ICMP: a protocol whose header cmon_l4_ports() reads. */
CMON_INLINE int cmon_l4_known(__u8 proto)
{
	return proto == CMON_PROTO_TCP || proto == CMON_PROTO_UDP ||
	       proto == CMON_PROTO_ICMP;
}

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define CMON_W_FIRST(w)		((w) & 0xffff)	/* a word's first 2 bytes */
#define CMON_W_SECOND(w)	((w) >> 16)
#else
#define CMON_W_FIRST(w)		((w) >> 16)
#define CMON_W_SECOND(w)	((w) & 0xffff)
#endif

/*
 * Flow ports from the first two 32-bit words of a TCP, UDP or ICMP header,
 * as loaded from the packet (network byte order in memory): the ports, or
 * for ICMP the echo id as source port (@dport 0).
 */
CMON_INLINE void cmon_l4_ports(__u8 proto, __u32 w0, __u32 w1, __u16 *sport,
			       __u16 *dport)
{
	if (proto == CMON_PROTO_ICMP) {
		/* type, code, csum, id, seq: a flow by its echo id */
		*sport = CMON_W_FIRST(w1);
		*dport = 0;
		return;
	}
	*sport = CMON_W_FIRST(w0);
	*dport = CMON_W_SECOND(w0);
}

/* Bytes from the L4 header a sampling id reads (its words 0 to 3). */
#define CMON_L4_ID_LEN	16

/*
 * Sampling id of a TCP, UDP or ICMP packet (doc/annotation.md), from its
 * IPv4 id and words 1 to 3 of its L4 header as loaded: fields no hop
 * before the stamp changes, so every hop that samples picks the same
 * packets, and fields that move from one packet of a flow to the next:
 *   TCP: sequence + acknowledgement (a stream of bare ACKs keeps its
 *        sequence number);
 *   ICMP: the echo sequence;
 *   UDP: IPv4 id + the first 8 bytes of payload (@w2, @w3; 0 unless the
 *        IPv4 packet has CMON_L4_ID_LEN bytes from the UDP header on):
 *        Linux sends every datagram of an unconnected socket with IPv4
 *        id 0.
 */
CMON_INLINE __u32 cmon_l4_sample_id(__u8 proto, __u16 ip_id, __u32 w1,
				    __u32 w2, __u32 w3)
{
	if (proto == CMON_PROTO_TCP)
		return w1 + w2;
	if (proto == CMON_PROTO_ICMP)
		return CMON_W_SECOND(w1);
	return ip_id + w2 + w3;
}
#undef CMON_W_FIRST
#undef CMON_W_SECOND

#endif /* CMON_ANNOTATE_H */
