/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Packet parsing for tc hop programs: Ethernet + IPv4 + the L4 fields the
 * flow key and sampling need.  Reads with bpf_skb_load_bytes so headers in
 * paged GSO buffers parse too.
 */
#ifndef CMON_PARSE_BPF_H
#define CMON_PARSE_BPF_H

struct cmon_pkt {
	struct cmon_flow_key flow;
	__u32 ihl_bytes;	/* IPv4 header length in bytes */
	__u32 tot_len;		/* IPv4 total length (host order) */
	__u16 frag_off;		/* host order, flags included */
	__u16 ip_id;		/* host order */
	__u32 pkt_id;		/* sampling id (cmon_l4_sample_id()) */
	__u32 l4_off;		/* offset of the L4 header from skb->data */
	__u32 l4_hlen;		/* L4 header length (TCP doff, 8 for UDP/ICMP) */
	__u8 first_opt[2];	/* first IPv4 option type and length */
	__u8 is_frag;
	__u8 dst;		/* where a traced packet's strip hop is
				 * (CMON_DST_*; 0: none), set by the stamp
				 * hop */
};

/*
 * Copy @len (a constant) bytes at @off: a direct read when they are in the
 * linear part of the skb, the load helper otherwise (paged GSO headers).
 */
static __always_inline int cmon_load(struct __sk_buff *skb, __u32 off,
				     void *buf, __u32 len)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;

	if (off <= 128 && data + off + len <= end) {
		__builtin_memcpy(buf, data + off, len);
		return 0;
	}
	return bpf_skb_load_bytes(skb, off, buf, len);
}

/*
 * cmon_parse() of a packet whose IPv4 header has no options and is in the
 * skb's linear part with 16 bytes behind it: read in place, nothing
 * copied to the stack first (@ip, @l4: the two, checked by the caller).
 */
static __always_inline void cmon_parse_linear(const struct iphdr *ip,
					      const __u32 *l4,
					      struct cmon_pkt *p)
{
	__u16 tot = bpf_ntohs(ip->tot_len), frag = bpf_ntohs(ip->frag_off);
	__u16 id = bpf_ntohs(ip->id);
	__u8 proto = ip->protocol;
	__u32 w2 = 0, w3 = 0;

	*p = (struct cmon_pkt){ .flow = { .saddr = ip->saddr,
					  .daddr = ip->daddr,
					  .proto = proto },
				.ihl_bytes = 20, .tot_len = tot,
				.frag_off = frag, .ip_id = id, .pkt_id = id,
				.l4_off = CMON_ETH_HLEN + 20,
				.is_frag = (frag & (CMON_IP_MF |
						    CMON_IP_OFFMASK)) != 0 };
	if ((frag & CMON_IP_OFFMASK) || !cmon_l4_known(proto))
		return;
	/* (as cmon_parse(): words 2 and 3 only where they are the packet's) */
	if (proto == CMON_PROTO_TCP ||
	    (proto == CMON_PROTO_UDP && tot >= 20 + CMON_L4_ID_LEN)) {
		w2 = l4[2];
		w3 = l4[3];
	}
	p->l4_hlen = proto == CMON_PROTO_TCP ? ((w3 & 0xff) >> 4) * 4 : 8;
	cmon_l4_ports(proto, l4[0], l4[1], &p->flow.sport, &p->flow.dport);
	p->pkt_id = cmon_l4_sample_id(proto, id, l4[1], w2, w3);
}

/* Parse an Ethernet/IPv4 packet.  Returns 0, or -1 if not IPv4 or short. */
static __always_inline int cmon_parse(struct __sk_buff *skb, struct cmon_pkt *p)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	const struct iphdr *iph = data + CMON_ETH_HLEN;
	const __u32 *l4 = data + CMON_ETH_HLEN + 20;
	__u8 h[20] __attribute__((aligned(4)));
	struct cmon_ip4 ip;
	__u32 l4w[4];

	if (skb->protocol != bpf_htons(CMON_ETH_P_IP))
		return -1;
	if (cmon_fast_path && (void *)(l4 + 4) <= end &&
	    *(const __u8 *)iph == 0x45) {
		cmon_parse_linear(iph, l4, p);
		return 0;
	}
	if (cmon_load(skb, CMON_ETH_HLEN, h, sizeof(h)) ||
	    cmon_ip4_read(h, 0, &ip))
		return -1;
	__builtin_memset(p, 0, sizeof(*p));
	p->ihl_bytes = ip.ihl;
	p->tot_len = ip.tot_len;
	p->frag_off = ip.frag_off;
	p->ip_id = ip.id;
	p->flow.saddr = ip.saddr;
	p->flow.daddr = ip.daddr;
	p->flow.proto = ip.proto;
	p->l4_off = CMON_ETH_HLEN + p->ihl_bytes;
	p->pkt_id = p->ip_id;
	p->is_frag = (p->frag_off & (CMON_IP_MF | CMON_IP_OFFMASK)) != 0;
	if (p->ihl_bytes > 20 && cmon_load(skb, CMON_ETH_HLEN + 20, p->first_opt, 2))
		return -1;
	if (p->is_frag && (p->frag_off & CMON_IP_OFFMASK))
		return 0;	/* no L4 header in a later fragment */

	if (!cmon_l4_known(ip.proto))
		return 0;
	/* (a TCP header has the 16 bytes; UDP's 8 and its payload's first
	 * 8, if there are that many, make a datagram's sampling id) */
	if (ip.proto == CMON_PROTO_TCP ||
	    (ip.proto == CMON_PROTO_UDP &&
	     p->tot_len >= p->ihl_bytes + CMON_L4_ID_LEN)) {
		if (cmon_load(skb, p->l4_off, l4w, CMON_L4_ID_LEN))
			return -1;
	} else {
		if (cmon_load(skb, p->l4_off, l4w, 8))
			return -1;
		l4w[2] = l4w[3] = 0;
	}
	p->l4_hlen = ip.proto == CMON_PROTO_TCP ? ((l4w[3] & 0xff) >> 4) * 4 : 8;
	cmon_l4_ports(ip.proto, l4w[0], l4w[1], &p->flow.sport, &p->flow.dport);
	p->pkt_id = cmon_l4_sample_id(ip.proto, p->ip_id, l4w[1], l4w[2],
				      l4w[3]);
	return 0;
}

/*
 * The common packet, read straight from the linear header: IPv4 TCP, UDP
 * or ICMP without options, without the decision bit, not a fragment, not
 * GSO, with 16 bytes of L4 header in the linear part.  Fills the flow key
 * and sampling id as cmon_parse() does; anything else (-1) takes the full
 * path.  Nearly every packet a hop sees is one: no copy to the stack, no
 * helper call, a few dozen instructions.
 */
static __always_inline int cmon_parse_plain(struct __sk_buff *skb,
					    struct cmon_flow_key *f,
					    __u32 *pkt_id)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct iphdr *ip = data + CMON_ETH_HLEN;
	__u32 *l4 = data + CMON_ETH_HLEN + 20, more;

	if (!cmon_fast_path || (void *)(l4 + 4) > end ||
	    skb->protocol != bpf_htons(CMON_ETH_P_IP) || *(__u8 *)ip != 0x45 ||
	    ip->frag_off & bpf_htons(CMON_IP_DECISION_BIT | CMON_IP_MF |
				     CMON_IP_OFFMASK) ||
	    skb->gso_size || !cmon_l4_known(ip->protocol))
		return -1;
	*f = (struct cmon_flow_key){ .saddr = ip->saddr, .daddr = ip->daddr,
				     .proto = ip->protocol };
	cmon_l4_ports(ip->protocol, l4[0], l4[1], &f->sport, &f->dport);
	/* (words 2 and 3 only if the IPv4 packet has them) */
	more = -(__u32)(bpf_ntohs(ip->tot_len) >= 20 + CMON_L4_ID_LEN);
	*pkt_id = cmon_l4_sample_id(ip->protocol, bpf_ntohs(ip->id), l4[1],
				    l4[2] & more, l4[3] & more);
	return 0;
}

/* Sampling hash of a parsed packet (include/cmon/annotation.h). */
static __always_inline __u32 cmon_pkt_hash(const struct cmon_flow_key *f,
					   __u32 pkt_id)
{
	return cmon_sample_hash(f->saddr, f->daddr,
				(__u32)f->sport << 16 | f->dport, f->proto,
				pkt_id);
}

/* Two 16-bit fields as the 32-bit word they make in memory. */
static __always_inline __u32 cmon_word(__u16 first, __u16 second)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return first | (__u32)second << 16;
#else
	return (__u32)first << 16 | second;
#endif
}

/*
 * Parse a kernel skb from a tracepoint (no packet helpers there): flow
 * key and sampling id from the network and transport headers, read in
 * place: the headers are cast to the kernel's own types
 * (bpf_rdonly_cast(), which the verifier inlines), and each field is a
 * load the JIT guards against a fault (a fault reads 0), where a copy
 * would be a helper call.
 * 0; -1: not IPv4, or not readable; -2: the headers are not in the skb's
 * linear part (an af_packet socket's ring sends a frame's bytes in page
 * fragments), which a tracepoint cannot read.
 */
static __always_inline int cmon_parse_kskb(struct sk_buff *skb,
					   struct cmon_flow_key *f,
					   __u32 *pkt_id)
{
	unsigned char *head = skb->head;
	__u32 nh = skb->network_header, tail = skb->tail, ihl;
	const struct iphdr *iph;
	const struct udphdr *l4;
	const struct in6_addr *w;
	__u16 frag_off, ip_id;

	if (skb->protocol != bpf_htons(CMON_ETH_P_IP))
		return -1;
	if (nh + 20 > tail)
		return -2;
	iph = bpf_rdonly_cast(head + nh, bpf_core_type_id_kernel(struct iphdr));
	if (iph->version != 4 || iph->ihl < 5)
		return -1;
	ihl = iph->ihl * 4;
	__builtin_memset(f, 0, sizeof(*f));
	f->saddr = iph->saddr;
	f->daddr = iph->daddr;
	f->proto = iph->protocol;
	ip_id = bpf_ntohs(iph->id);
	*pkt_id = ip_id;
	frag_off = bpf_ntohs(iph->frag_off);
	if (frag_off & CMON_IP_OFFMASK)
		return 0;
	if (!cmon_l4_known(f->proto))
		return 0;
	if (nh + ihl + 8 > tail)
		return -2;
	/* (the first 8 bytes of TCP, UDP and ICMP, as UDP's four fields) */
	l4 = bpf_rdonly_cast(head + nh + ihl, bpf_core_type_id_kernel(struct udphdr));
	cmon_l4_ports(f->proto, cmon_word(l4->source, l4->dest),
		      cmon_word(l4->len, l4->check), &f->sport, &f->dport);
	/* the sampling id's words (those beyond the linear part, as an
	 * af_packet ring or MSG_ZEROCOPY sends a payload, read as zeros:
	 * the id then differs from the stamp hop's, which only costs that
	 * packet its container's transmit hop) */
	if (bpf_ntohs(iph->tot_len) >= ihl + CMON_L4_ID_LEN &&
	    nh + ihl + CMON_L4_ID_LEN <= tail) {
		w = bpf_rdonly_cast(head + nh + ihl,
				    bpf_core_type_id_kernel(struct in6_addr));
		*pkt_id = cmon_l4_sample_id(f->proto, ip_id,
					    w->in6_u.u6_addr32[1],
					    w->in6_u.u6_addr32[2],
					    w->in6_u.u6_addr32[3]);
	} else {
		*pkt_id = cmon_l4_sample_id(f->proto, ip_id,
					    cmon_word(l4->len, l4->check), 0, 0);
	}
	return 0;
}

/*
 * Packets a (possibly GSO) skb stands for, from its payload and gso_size
 * (gso_segs is reset when a hop resizes the header, so it is not used).
 * @gso_extra: bytes an IPv4 option annotation in the skb took off
 * gso_size (0 when it carries none).
 */
static __always_inline __u32 cmon_segs_gso(struct __sk_buff *skb,
					   const struct cmon_pkt *p,
					   __u32 gso_extra)
{
	__u32 hdr = p->l4_off + p->l4_hlen;
	__u32 gso = skb->gso_size + gso_extra;

	/* not a GSO packet: one, whatever the annotation adds */
	if (!skb->gso_size || skb->len <= hdr)
		return 1;
	return (skb->len - hdr + gso - 1) / gso;
}

static __always_inline __u32 cmon_segs(struct __sk_buff *skb,
				       const struct cmon_pkt *p)
{
	return cmon_segs_gso(skb, p, 0);
}

#endif /* CMON_PARSE_BPF_H */
