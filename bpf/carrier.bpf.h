/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The two annotation carriers (include/cmon/annotation.h): insert and remove
 * a payload trailer or an IPv4 option, keeping IPv4 and L4 checksums exact
 * for CHECKSUM_PARTIAL (offload) and fully computed checksums alike.
 *
 * Return values: 0 done; CMON_UNTOUCHED the packet was not changed (the
 * caller counts why); CMON_DAMAGED a helper failed half way and the packet
 * must be dropped rather than delivered with corrupted bytes.
 */
#ifndef CMON_CARRIER_BPF_H
#define CMON_CARRIER_BPF_H

#define CMON_UNTOUCHED	1
#define CMON_DAMAGED	2
/* 3..5: what is wrong with an annotation (cmon/annotate.h) */

static __always_inline __u32 cmon_fold(__u64 c)
{
	c = (c & 0xffff) + (c >> 16);
	c = (c & 0xffff) + (c >> 16);
	c = (c & 0xffff) + (c >> 16);
	return (__u32)c;
}

/*
 * One's complement sum of a trailer placed @l4_rel bytes into the L4
 * header, summed in the program (a call costs more); @neg gives the sum
 * to subtract.  An odd offset swaps the bytes.
 */
static __always_inline __u32 cmon_trailer_sum(const struct cmon_trailer *t,
					      __u32 l4_rel, int neg)
{
	const __u32 *w = (const __u32 *)t;
	__u64 s = 0;
	__u32 f;

#pragma unroll
	for (int i = 0; i < CMON_ANN_WIRE_LEN / 4; i++)
		s += w[i];
	f = cmon_fold(s);
	if (neg)
		f = (__u16)~f;
	if (l4_rel & 1)
		f = ((f & 0xff) << 8) | (f >> 8);
	return f;
}

/* Rewrite a 16-bit IPv4 header field, fixing the header checksum. */
static __always_inline int cmon_ip_set16(struct __sk_buff *skb, __u32 field,
					 __u16 old_host, __u16 new_host)
{
	__u16 o = bpf_htons(old_host), n = bpf_htons(new_host);

	if (bpf_l3_csum_replace(skb, CMON_ETH_HLEN + CMON_IPH_CHECK, o, n, 2))
		return -1;
	return bpf_skb_store_bytes(skb, CMON_ETH_HLEN + field, &n, 2, 0);
}

/*
 * Rewrite the IPv4 total length and the fragment field (its flags) to @tot
 * and @frag, host order, with the id between them as it is: one store and
 * one checksum update (the two fields one by one took four helper calls).
 */
static __always_inline int cmon_ip_set_len(struct __sk_buff *skb,
					   const struct cmon_pkt *p, __u16 tot,
					   __u16 frag)
{
	__be16 h[3] = { bpf_htons(tot), bpf_htons(p->ip_id), bpf_htons(frag) };
	__u32 diff = (__u16)~bpf_htons((__u16)p->tot_len) + h[0] +
		     (__u16)~bpf_htons(p->frag_off) + h[2];

	if (bpf_l3_csum_replace(skb, CMON_ETH_HLEN + CMON_IPH_CHECK, 0, diff, 0))
		return -1;
	return bpf_skb_store_bytes(skb, CMON_ETH_HLEN + CMON_IPH_TOT_LEN, h,
				   sizeof(h), 0);
}

/* Offset of the L4 checksum (UDP or ICMP) and its replace flags. */
static __always_inline __u32 cmon_l4_csum_off(const struct cmon_pkt *p)
{
	return p->l4_off + (p->flow.proto == CMON_PROTO_UDP ? 6 : 2);
}

static __always_inline __u64 cmon_l4_csum_flags(const struct cmon_pkt *p)
{
	/* a zero UDP checksum means "none" and stays zero */
	return p->flow.proto == CMON_PROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0;
}

/*
 * Apply the L4 checksum changes of growing (@grow) or shrinking the L4
 * payload by a trailer whose sum is @sum.
 */
static __always_inline int cmon_l4_fix(struct __sk_buff *skb,
				       const struct cmon_pkt *p, __u32 sum,
				       __u16 old_l4len, __u16 new_l4len)
{
	__u16 o = bpf_htons(old_l4len), n = bpf_htons(new_l4len);
	__u32 csum = cmon_l4_csum_off(p);
	__u64 mm = cmon_l4_csum_flags(p);

	if (p->flow.proto == CMON_PROTO_UDP) {
		/* the pseudo-header's length (also in a checksum the device
		 * completes); the UDP length field itself goes with the
		 * trailer's bytes below, in one update */
		if (bpf_l4_csum_replace(skb, csum, o, n,
					BPF_F_PSEUDO_HDR | mm | 2))
			return -1;
		if (bpf_skb_store_bytes(skb, p->l4_off + 4, &n, 2, 0))
			return -1;
		sum += (__u16)~o + n;
	}
	return bpf_l4_csum_replace(skb, csum, 0, sum, mm);
}

/* The skb's checksum states (include/linux/skbuff.h). */
#define CMON_CHECKSUM_COMPLETE	2
#define CMON_CHECKSUM_PARTIAL	3
/* Frames up to this long (a mask) have their trailer read in place: the
 * verifier takes a variable offset into the packet only so far. */
#define CMON_DIRECT_MAX		0x3fff

/*
 * The IPv4 header (without options) and the first 8 bytes of the L4
 * header, copied out of the packet to be changed and stored back in one
 * call.  (Nothing is written through a packet pointer: a program that
 * did would have the verifier un-clone every cloned skb it sees, every
 * TCP segment among them, before it runs.)
 */
struct cmon_l34 {
	__u16 w[14];
} __attribute__((aligned(4)));

/*
 * Can the program keep the checksums itself, the headers copied out
 * (@h) and stored back in one call, where the helpers take five?  Not for
 * CHECKSUM_COMPLETE, whose skb->csum the helpers keep too, nor an ICMP
 * checksum the device is to complete, nor behind IPv4 options, nor
 * headers outside the skb's linear part (nor without cmon_fast_path).
 */
static __always_inline int cmon_l34_get(struct __sk_buff *skb,
					const struct cmon_pkt *p,
					struct cmon_l34 *h, __u8 *summed)
{
	struct sk_buff *k = bpf_cast_to_kern_ctx(skb);
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	const __u32 *w = data + CMON_ETH_HLEN;

	*summed = BPF_CORE_READ_BITFIELD(k, ip_summed);
	if (!cmon_fast_path ||
	    *summed == CMON_CHECKSUM_COMPLETE || p->ihl_bytes != 20 ||
	    (p->flow.proto != CMON_PROTO_UDP &&
	     *summed == CMON_CHECKSUM_PARTIAL) ||
	    (void *)(w + 7) > data_end)
		return 0;
#pragma unroll
	for (int i = 0; i < 7; i++)
		((__u32 *)h->w)[i] = w[i];
	return 1;
}

/*
 * What resizing the packet by a trailer does to its headers @h (copied
 * by cmon_l34_get()), then stored: the IPv4 total length @tot and
 * fragment field @frag (host order) and header checksum; the UDP length
 * @l4len; the L4 checksum by @tsum, the sum of the trailer's bytes added
 * or, one's complement negated, taken away.  A checksum the device is to
 * complete (@summed CHECKSUM_PARTIAL) holds the pseudo-header's sum only;
 * a zero UDP checksum means none and stays.
 */
static __always_inline int cmon_l34_resize(struct __sk_buff *skb,
					   const struct cmon_pkt *p,
					   struct cmon_l34 *h, __u8 summed,
					   __u16 tot, __u16 frag, __u16 l4len,
					   __u32 tsum)
{
	__u16 *ip = h->w, *l4 = h->w + 10;
	__u16 nt = bpf_htons(tot), nf = bpf_htons(frag);

	/* (the old lengths as parsed, as the helpers' path takes them) */
	ip[5] = ~cmon_fold((__u16)~ip[5] +
			   (__u16)~bpf_htons((__u16)p->tot_len) + nt +
			   (__u16)~bpf_htons(p->frag_off) + nf);
	ip[1] = nt;
	ip[3] = nf;
	if (p->flow.proto == CMON_PROTO_UDP) {
		__u16 nl = bpf_htons(l4len);
		__u32 d = (__u16)~bpf_htons((__u16)(p->tot_len - p->ihl_bytes)) +
			  nl;

		l4[2] = nl;
		if (summed == CMON_CHECKSUM_PARTIAL) {
			l4[3] = cmon_fold(l4[3] + d);
		} else if (l4[3]) {
			l4[3] = ~cmon_fold((__u16)~l4[3] + 2 * d + tsum);
			if (!l4[3])
				l4[3] = 0xffff;
		}
	} else {
		l4[1] = ~cmon_fold((__u16)~l4[1] + tsum);
	}
	return bpf_skb_store_bytes(skb, CMON_ETH_HLEN, h, sizeof(*h), 0);
}

/* Append a trailer to a non-GSO UDP/ICMP packet and set the decision bit. */
static __always_inline int cmon_trailer_insert(struct __sk_buff *skb,
					       const struct cmon_pkt *p,
					       const struct cmon_trailer *t)
{
	__u32 end = CMON_ETH_HLEN + p->tot_len;
	__u16 l4len = p->tot_len - p->ihl_bytes;
	struct cmon_l34 h;
	__u8 summed;
	int fast;

	if (end != skb->len)
		return CMON_UNTOUCHED;	/* link-layer padding: leave it */
	fast = cmon_l34_get(skb, p, &h, &summed);
	if (bpf_skb_change_tail(skb, end + CMON_ANN_WIRE_LEN, 0))
		return CMON_UNTOUCHED;
	if (bpf_skb_store_bytes(skb, end, t, sizeof(*t), 0))
		return CMON_DAMAGED;
	if (fast) {
		if (cmon_l34_resize(skb, p, &h, summed,
				    p->tot_len + CMON_ANN_WIRE_LEN,
				    p->frag_off | CMON_IP_DECISION_BIT,
				    l4len + CMON_ANN_WIRE_LEN,
				    cmon_trailer_sum(t, l4len, 0)))
			return CMON_DAMAGED;
		return 0;
	}
	if (cmon_l4_fix(skb, p, cmon_trailer_sum(t, l4len, 0), l4len,
			l4len + CMON_ANN_WIRE_LEN) ||
	    cmon_ip_set_len(skb, p, p->tot_len + CMON_ANN_WIRE_LEN,
			    p->frag_off | CMON_IP_DECISION_BIT))
		return CMON_DAMAGED;
	return 0;
}

/*
 * Read and verify the trailer of a packet whose decision bit is set, then
 * remove it and clear the bit.  @t receives the trailer.
 */
static __always_inline int cmon_trailer_strip(struct __sk_buff *skb,
					      const struct cmon_pkt *p,
					      struct cmon_trailer *t)
{
	__u32 end = CMON_ETH_HLEN + p->tot_len;
	__u16 l4len = p->tot_len - p->ihl_bytes;
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	const __u64 *tr;
	struct cmon_l34 h;
	__u8 summed;
	int err;

	if (p->is_frag || end != skb->len ||
	    (p->flow.proto != CMON_PROTO_UDP && p->flow.proto != CMON_PROTO_ICMP) ||
	    l4len < p->l4_hlen + CMON_ANN_WIRE_LEN)
		return CMON_MALFORMED;
	tr = data + ((end - CMON_ANN_WIRE_LEN) & CMON_DIRECT_MAX);
	if (end <= CMON_DIRECT_MAX && (void *)(tr + 5) <= data_end) {
#pragma unroll
		for (int i = 0; i < 5; i++)
			((__u64 *)t)[i] = tr[i];
	} else if (bpf_skb_load_bytes(skb, end - CMON_ANN_WIRE_LEN, t,
				      sizeof(*t))) {
		return CMON_MALFORMED;
	}
	if (t->magic != bpf_htons(CMON_TRAILER_MAGIC))
		return CMON_MALFORMED;
	err = cmon_ann_check(&t->ann, cmon_key, 1);
	if (err)
		return err;
	if (cmon_l34_get(skb, p, &h, &summed)) {
		if (cmon_l34_resize(skb, p, &h, summed,
				    p->tot_len - CMON_ANN_WIRE_LEN,
				    p->frag_off & ~CMON_IP_DECISION_BIT,
				    l4len - CMON_ANN_WIRE_LEN,
				    cmon_trailer_sum(t, l4len - CMON_ANN_WIRE_LEN,
						     1)))
			return CMON_DAMAGED;
	} else if (cmon_l4_fix(skb, p,
			       cmon_trailer_sum(t, l4len - CMON_ANN_WIRE_LEN, 1),
			       l4len, l4len - CMON_ANN_WIRE_LEN) ||
		   cmon_ip_set_len(skb, p, p->tot_len - CMON_ANN_WIRE_LEN,
				   p->frag_off & ~CMON_IP_DECISION_BIT)) {
		return CMON_DAMAGED;
	}
	if (bpf_skb_change_tail(skb, end - CMON_ANN_WIRE_LEN, 0))
		return CMON_DAMAGED;
	return 0;
}

/*
 * Set the header checksum of the IPv4 header (@len 20 or 60 bytes) at
 * @h, a copy aligned to 4, summed in the program.
 */
static __always_inline void cmon_ip_csum_set(void *h, __u32 len)
{
	const __u32 *w = h;
	__u64 s = 0;

	((__u16 *)h)[CMON_IPH_CHECK / 2] = 0;
#pragma unroll
	for (int i = 0; i < 15; i++)
		if (i < len / 4)
			s += w[i];
	((__u16 *)h)[CMON_IPH_CHECK / 2] = ~cmon_fold(s);
}

/* Headroom a stamp leaves beyond its option where it must reallocate a
 * packet's head (cmon_ipopt_insert()): the kernel reallocates in steps of
 * 64 bytes, so any packet then keeps 88 or more in front of its Ethernet
 * header, where VXLAN over IPv4 on an Ethernet underlay needs 66. */
#define CMON_HEAD_SPARE	64

/* An IPv4 header with the annotation as its option, as stored. */
struct cmon_ipopt_hdr {
	__u8 ip[20];
	struct cmon_ipopt o;
} __attribute__((packed, aligned(4)));

/* Store @h, read from the packet and changed, back in one call, its
 * header checksum set. */
static __always_inline int cmon_ipopt_hdr_store(struct __sk_buff *skb,
						struct cmon_ipopt_hdr *h)
{
	cmon_ip_csum_set(h, sizeof(*h));
	return bpf_skb_store_bytes(skb, CMON_ETH_HLEN, h, sizeof(*h), 0);
}

/*
 * Insert the annotation in @h->o as the (only) IPv4 option of a header
 * with none: the header is copied into @h, its length, total length and
 * checksum set there, and stored with the option in one call (the L4
 * checksum covers no IPv4 option).  With @spare, the room is made
 * @spare bytes larger and they are taken away again: a packet whose head
 * has to be reallocated for the option then keeps @spare bytes of
 * headroom more, and is not reallocated a second time by a tunnel's
 * encapsulation further on.
 */
static __always_inline int cmon_ipopt_insert(struct __sk_buff *skb,
					     const struct cmon_pkt *p,
					     struct cmon_ipopt_hdr *h,
					     __u32 spare)
{
	if (p->ihl_bytes != 20 || cmon_load(skb, CMON_ETH_HLEN, h->ip, 20))
		return CMON_UNTOUCHED;
	h->ip[0] = 0x40 | sizeof(*h) / 4;
	*(__u16 *)(h->ip + CMON_IPH_TOT_LEN) =
		bpf_htons(p->tot_len + CMON_ANN_WIRE_LEN);
	cmon_ip_csum_set(h, sizeof(*h));
	if (bpf_skb_adjust_room(skb, CMON_ANN_WIRE_LEN + spare,
				BPF_ADJ_ROOM_NET, 0))
		return CMON_UNTOUCHED;
	if (spare && bpf_skb_adjust_room(skb, -(__s32)spare, BPF_ADJ_ROOM_NET,
					 0))
		return CMON_DAMAGED;
	if (bpf_skb_store_bytes(skb, CMON_ETH_HLEN, h, sizeof(*h), 0))
		return CMON_DAMAGED;
	return 0;
}

/* Is the first IPv4 option a cmon annotation? (Only there is it ours.) */
static __always_inline int cmon_has_ipopt(const struct cmon_pkt *p)
{
	return cmon_ann_in_option(p->ihl_bytes, p->first_opt[0],
				  p->first_opt[1]);
}

/* Does the packet claim an annotation, by either carrier?  (To verify.) */
static __always_inline int cmon_carries_ann(const struct cmon_pkt *p)
{
	return cmon_has_ipopt(p) || p->frag_off & CMON_IP_DECISION_BIT;
}

/*
 * Read (into @h), verify and remove an IPv4 option annotation; the header
 * left, its length, total length and checksum set in @h, is stored in
 * one call.
 */
static __always_inline int cmon_ipopt_strip(struct __sk_buff *skb,
					    const struct cmon_pkt *p,
					    struct cmon_ipopt_hdr *h)
{
	int err;

	if (bpf_skb_load_bytes(skb, CMON_ETH_HLEN, h, sizeof(*h)))
		return CMON_MALFORMED;
	err = cmon_ann_check(&h->o.ann, cmon_key, 1);
	if (err)
		return err;
	if (bpf_skb_adjust_room(skb, -CMON_ANN_WIRE_LEN, BPF_ADJ_ROOM_NET, 0))
		return CMON_UNTOUCHED;
	h->ip[0] = 0x45;
	*(__u16 *)(h->ip + CMON_IPH_TOT_LEN) =
		bpf_htons(p->tot_len - CMON_ANN_WIRE_LEN);
	cmon_ip_csum_set(h->ip, 20);
	if (bpf_skb_store_bytes(skb, CMON_ETH_HLEN, h->ip, 20, 0))
		return CMON_DAMAGED;
	return 0;
}

/*
 * Intermediate hop: write this hop's slot into the annotation in place,
 * keeping the IPv4 header checksum (option) or the L4 checksum (trailer)
 * exact.  Returns 0, CMON_UNTOUCHED when there is no annotation or no free
 * slot, or a check result (CMON_BAD_*) with the packet left untouched.
 */
static __always_inline int cmon_hop_write(struct __sk_buff *skb,
					  const struct cmon_pkt *p, __u8 tp,
					  __u8 node, __u64 now)
{
	if (cmon_has_ipopt(p)) {
		struct cmon_ipopt_hdr h;
		int err;

		if (bpf_skb_load_bytes(skb, CMON_ETH_HLEN, &h, sizeof(h)))
			return CMON_MALFORMED;
		err = cmon_ann_check(&h.o.ann, cmon_key, 1);
		if (err)
			return err;
		if (cmon_ann_slot_add(&h.o.ann, tp, node, now))
			return CMON_UNTOUCHED;
		if (cmon_ipopt_hdr_store(skb, &h))
			return CMON_DAMAGED;
		return 0;
	}
	if (p->frag_off & CMON_IP_DECISION_BIT) {
		__u32 end = CMON_ETH_HLEN + p->tot_len;
		__u16 rel = p->tot_len - p->ihl_bytes - CMON_ANN_WIRE_LEN;
		struct cmon_trailer t, old;
		__u32 sum;
		int err;

		if (p->is_frag || end != skb->len ||
		    p->tot_len < p->ihl_bytes + p->l4_hlen + CMON_ANN_WIRE_LEN ||
		    bpf_skb_load_bytes(skb, end - CMON_ANN_WIRE_LEN, &t,
				       sizeof(t)) ||
		    t.magic != bpf_htons(CMON_TRAILER_MAGIC))
			return CMON_MALFORMED;
		err = cmon_ann_check(&t.ann, cmon_key, 1);
		if (err)
			return err;
		old = t;
		if (cmon_ann_slot_add(&t.ann, tp, node, now))
			return CMON_UNTOUCHED;
		sum = cmon_fold((__u32)bpf_csum_diff((__be32 *)&old, sizeof(old),
						     (__be32 *)&t, sizeof(t), 0));
		if (rel & 1)
			sum = ((sum & 0xff) << 8) | (sum >> 8);
		if (bpf_skb_store_bytes(skb, end - CMON_ANN_WIRE_LEN, &t,
					sizeof(t), 0) ||
		    bpf_l4_csum_replace(skb, cmon_l4_csum_off(p), 0, sum,
					cmon_l4_csum_flags(p)))
			return CMON_DAMAGED;
		return 0;
	}
	return CMON_UNTOUCHED;
}

/*
 * Trust boundary: remove whatever annotation-like state a container put
 * in its packet, so no later hop mistakes it for ours.  Returns 1 if the
 * packet was changed.
 */
static __always_inline int cmon_sanitise(struct __sk_buff *skb,
					 struct cmon_pkt *p)
{
	int changed = 0;

	if (p->frag_off & CMON_IP_DECISION_BIT) {
		if (cmon_ip_set16(skb, CMON_IPH_FRAG_OFF, p->frag_off,
				  p->frag_off & ~CMON_IP_DECISION_BIT))
			return -1;
		p->frag_off &= ~CMON_IP_DECISION_BIT;
		changed = 1;
	}
	if (cmon_has_ipopt(p)) {
		struct cmon_ipopt_hdr h;

		if (bpf_skb_load_bytes(skb, CMON_ETH_HLEN, &h, sizeof(h)))
			return -1;
		__builtin_memset(&h.o, 1, sizeof(h.o));	/* IPOPT_NOOP */
		if (cmon_ipopt_hdr_store(skb, &h))
			return -1;
		p->first_opt[0] = 1;
		changed = 1;
	}
	return changed;
}

#endif /* CMON_CARRIER_BPF_H */
