// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Kernel hops of the container path (loaded by kmod-free/cmon-kern):
 *
 *   cmon_veth_in   tc ingress on the host side of a container veth: the
 *                  trust boundary.  Sanitises, counts, samples and stamps.
 *   cmon_veth_out  tc egress on the host side of a container veth: the last
 *                  hop.  Counts, strips (or takes the annotation that
 *                  waited beside the skb) and emits one record per traced
 *                  packet to the ring buffer.  Behind Open vSwitch's
 *                  af_packet port (which writes past tc egress) it is on
 *                  tc ingress of the container's eth0.
 *   cmon_uplink_out  tc egress on the node's physical NIC: strips (and
 *                  records) any annotation still on a packet leaving the
 *                  node outside the overlay, towards no strip hop.
 *   cmon_host_out/in  tc egress/ingress on a bridge device: the stamp hop of
 *                  packets the host stack sends to its containers, and the
 *                  strip hop of packets delivered to the host stack.
 *   cmon_ovl_out/in  tc egress/ingress on an overlay (VXLAN) device: an
 *                  intermediate hop writing its slot in place.
 *   cmon_ct_tx     tc egress on a container's eth0 (--ct-hops): the
 *                  time a sampled packet left the container's stack, taken
 *                  over by cmon_veth_in as the first hop.
 *   cmon_ct_rx     tc ingress on a container's eth0 (--ct-hops): the
 *                  last hop, completing the record cmon_veth_out started.
 *   cmon_kfree_skb tp_btf/kfree_skb: drops on monitored devices, by flow
 *                  and reason.
 *
 * All logic lives in the header-only helpers included below.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "cmon-kern.h"
#include "maps.bpf.h"
#include "parse.bpf.h"
#include "carrier.bpf.h"

/*
 * Verdicts: a packet goes on to the device's next tc program or filter
 * (another tool's, under tcx or clsact alike); only one a helper left
 * half-rewritten is dropped.
 */
#define CMON_TC_NEXT	(-1)	/* TC_ACT_UNSPEC, TCX_NEXT */
#define CMON_TC_DROP	2	/* TC_ACT_SHOT */

#define CMON_PACKET_OTHERHOST	3	/* skb->pkt_type: to another's MAC */

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Address of the kernel skb behind a tc context: the tracepoint key. */
static __always_inline __u64 cmon_skb_addr(struct __sk_buff *skb)
{
	return (__u64)bpf_cast_to_kern_ctx(skb);
}

/* The address of @skb's buffer: the key of cmon_skb_anns. */
static __always_inline __u64 cmon_skb_buf(struct __sk_buff *skb)
{
	struct sk_buff *k = bpf_cast_to_kern_ctx(skb);

	/* (read as plain memory: a number, where the field is a pointer) */
	return *(const __u64 *)bpf_rdonly_cast(&k->head, 0);
}

/* Bytes in front of the packet in its buffer. */
static __always_inline __u32 cmon_headroom(struct __sk_buff *skb)
{
	struct sk_buff *k = bpf_cast_to_kern_ctx(skb);

	return *(const __u64 *)bpf_rdonly_cast(&k->data, 0) -
	       *(const __u64 *)bpf_rdonly_cast(&k->head, 0);
}

/* A device as the maps know it: (namespace inode, ifindex). */
static __always_inline struct cmon_dev_key cmon_dev_key(const struct net_device *dev)
{
	struct cmon_dev_key d = {
		.netns = dev->nd_net.net->ns.inum,
		.ifindex = dev->ifindex,
	};
	return d;
}

/* What cmon reads of a conntrack entry (CO-RE: the kernel's own struct
 * nf_conn, which has a namesake, nf_conn___init). */
struct nf_conn___cmon {
	struct nf_conntrack_tuple_hash tuplehash[2];
	unsigned long status;
} __attribute__((preserve_access_index));

/* The conntrack entry of @k, a TCP or UDP packet (@proto), if its
 * connection is NATed; else NULL. */
static __always_inline const struct nf_conn___cmon *
cmon_ct_nated(const struct sk_buff *k, __u8 proto)
{
	unsigned long nfct = k->_nfct;
	const struct nf_conn___cmon *ct;

	if (!(nfct & ~7UL) ||
	    (proto != CMON_PROTO_TCP && proto != CMON_PROTO_UDP))
		return NULL;
	/* (read as plain memory: its fields placed by CO-RE) */
	ct = bpf_rdonly_cast((void *)(nfct & ~7UL), 0);
	return ct->status & (IPS_SRC_NAT | IPS_DST_NAT) ? ct : NULL;
}

/*
 * A packet the node NATed on its way from a monitored endpoint, one of
 * its own or another node's pod (DNAT to a service address or a
 * published port, and the replies): @f becomes the flow as its sender
 * sent it, the tuple its conntrack entry keeps for the packet's
 * direction, so that every hop counts it in the flow its first hop did.
 * 1 if it changed.  A sender no cmon hop watches has no first hop, and
 * the packet keeps the flow that names its container (what comes in
 * from outside to a published port).  TCP and UDP only (ICMP is a flow
 * by its echo id).
 */
static __always_inline int cmon_flow_unnat(const struct sk_buff *k,
					   struct cmon_flow_key *f)
{
	const struct nf_conn___cmon *ct = cmon_ct_nated(k, f->proto);
	const struct nf_conntrack_tuple *t;

	if (!ct)
		return 0;
	if ((k->_nfct & 7) >= IP_CT_IS_REPLY)
		t = &ct->tuplehash[IP_CT_DIR_REPLY].tuple;
	else
		t = &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	if (t->src.l3num != 2 /* AF_INET */ || t->dst.protonum != f->proto ||
	    (!cmon_peer_of(t->src.u3.ip) && !cmon_in_subnets(t->src.u3.ip)))
		return 0;
	f->saddr = t->src.u3.ip;
	f->daddr = t->dst.u3.ip;
	f->sport = t->src.u.all;
	f->dport = t->dst.u.all;
	return 1;
}

/* Keep flow @to under flow @from in the LRU map @map (cmon_nat,
 * cmon_nat_out): written only if it changed, the lookup keeping the entry
 * fresh.  1 if it made an entry (one another CPU made meanwhile is
 * written over, not counted). */
static __always_inline int cmon_nat_keep(void *map,
					 const struct cmon_flow_key *from,
					 const struct cmon_flow_key *to)
{
	struct cmon_flow_key *was = bpf_map_lookup_elem(map, from);

	if (!was && !bpf_map_update_elem(map, from, to, BPF_NOEXIST))
		return 1;
	if (!was || cmon_key_w0(was) != cmon_key_w0(to) ||
	    cmon_key_w1(was) != cmon_key_w1(to))
		bpf_map_update_elem(map, from, to, BPF_ANY);
	return 0;
}

/*
 * Is the frame @skb, leaving the host's end of a container's veth, to a
 * unicast MAC address other than that of the container's end (its peer),
 * an interface that passes no frame on at layer 2 either (no bridge,
 * macvlan or switch of the container's own on it: its rx_handler)?  The
 * peer's fields are read where the kernel reads them next, to pass the
 * frame on.  Out of line: only a shared buffer comes here.
 */
static __noinline int cmon_peer_other(struct __sk_buff *skb)
{
	const __u8 *data = (const __u8 *)(long)skb->data;
	const __u8 *end = (const __u8 *)(long)skb->data_end;
	struct sk_buff *k = bpf_cast_to_kern_ctx(skb);
	const struct veth_priv *priv;
	const struct net_device *to;

	if (!bpf_core_type_exists(struct veth_priv) || data + 6 > end ||
	    data[0] & 1)		/* broadcast, multicast */
		return 0;
	priv = bpf_rdonly_cast(&k->dev->priv,
			       bpf_core_type_id_kernel(struct veth_priv));
	to = priv->peer;
	if (!to || to->rx_handler)
		return 0;
	return *(const __u32 *)data != *(const __u32 *)to->dev_addr_shadow ||
	       *(const __u16 *)(data + 4) !=
		       *(const __u16 *)(to->dev_addr_shadow + 4);
}

/*
 * Is the frame @skb, on its way into a container (at the egress of the
 * host's end of its veth, or at the ingress of its own interface), a copy
 * that a bridge or a switch flooded there but sent to another (to a
 * unicast MAC address not the container's, which passes no frame on at
 * layer 2)?  Its stack drops it (OTHERHOST), promiscuous or not: it is
 * not a packet of its flow delivered.  At the ingress the kernel has
 * told (pkt_type); at the host's end only a buffer shared with other
 * copies (cloned: a bridge's flood, or a tap's copy) is looked at.
 */
static __always_inline int cmon_foreign_copy(struct __sk_buff *skb)
{
	struct sk_buff *k = bpf_cast_to_kern_ctx(skb);

	if (BPF_CORE_READ_BITFIELD(k, tc_at_ingress))
		return BPF_CORE_READ_BITFIELD(k, pkt_type) ==
			       CMON_PACKET_OTHERHOST &&
		       !k->dev->rx_handler;
	return BPF_CORE_READ_BITFIELD(k, cloned) && cmon_peer_other(skb);
}

/*
 * A packet of flow @f at a container's veth, its last hop: 1 if it is a
 * copy flooded to the wrong container (cmon_foreign_copy(), counted in
 * foreign_copies), else 0, and @f as its sender sent it (cmon_flow_unnat()),
 * the two flows kept apart for the drops behind it (cmon_nat).  Out of
 * line: its stack is not its callers', and its code is not theirs; the
 * fast path calls it only for what cmon_veth_out_looked() finds.
 */
static __noinline int cmon_veth_out_flow(struct __sk_buff *skb,
					 struct cmon_flow_key *f)
{
	struct cmon_flow_key got = *f;

	if (cmon_foreign_copy(skb)) {
		cmon_stat(CMON_EV_FOREIGN_COPIES);
		return 1;
	}
	if (cmon_flow_unnat(bpf_cast_to_kern_ctx(skb), f) &&
	    cmon_nat_keep(&cmon_nat, &got, f))
		cmon_stat(CMON_EV_NAT_NEW);
	return 0;
}

/*
 * Has a packet of flow @f at a container's veth anything for
 * cmon_veth_out_flow() to look at: is it at an ingress, in a shared
 * buffer, or of a NATed connection?  Two or three loads from the skb,
 * which most packets stop at, inline: a call's return is a mispredicted
 * branch where the kernel returns through a thunk (AMD's "Safe RET").
 */
static __always_inline int cmon_veth_out_looked(struct __sk_buff *skb,
						const struct cmon_flow_key *f)
{
	struct sk_buff *k = bpf_cast_to_kern_ctx(skb);

	return BPF_CORE_READ_BITFIELD(k, tc_at_ingress) ||
	       BPF_CORE_READ_BITFIELD(k, cloned) ||
	       cmon_ct_nated(k, f->proto);
}

/*
 * A packet of flow @f leaving by the overlay, NATed here on its way from
 * one of the node's own endpoints: the flow as its sender sent it kept
 * in cmon_nat_out, pointing at @f, the flow the other node sees.  Out of
 * line, called for a NATed connection's packets only (cmon_ct_nated()).
 */
static __noinline void cmon_flow_nat_out(struct __sk_buff *skb,
					 const struct cmon_flow_key *f)
{
	struct cmon_flow_key sent = *f;

	if (cmon_flow_unnat(bpf_cast_to_kern_ctx(skb), &sent) &&
	    cmon_peer_of(sent.saddr) && cmon_nat_keep(&cmon_nat_out, &sent, f))
		cmon_stat(CMON_EV_NAT_NEW);
}

/*
 * Where a packet sent to @f's destination, which has no strip hop, goes
 * once the node DNATs it: cmon_dst_monitored() of the address its
 * connection is NATed to, if that is one of the node's containers
 * (CMON_DST_SKB) or another node's pod (CMON_DST_REMOTE), else 0 (the
 * host, whose strip hop comes before the NAT), or -1 if the connection
 * has no conntrack entry (yet: it is known from its second packet on).
 * Called for traced packets only, out of line (the verifier's work on
 * the stamp stays near what it was).
 */
static __noinline int cmon_nat_dst(struct __sk_buff *skb,
				   const struct cmon_flow_key *f)
{
	struct cmon_ct_query *q;
	struct nf_conn *ct;
	__u32 to = 0, zero = 0;
	__u8 yes = 1;
	int dst;

	if (f->proto != CMON_PROTO_TCP && f->proto != CMON_PROTO_UDP)
		return 0;
	q = bpf_map_lookup_elem(&cmon_ct_query, &zero);
	if (!q)
		return 0;
	q->tuple.ipv4.saddr = f->saddr;
	q->tuple.ipv4.daddr = f->daddr;
	q->tuple.ipv4.sport = f->sport;
	q->tuple.ipv4.dport = f->dport;
	q->opts = (struct bpf_ct_opts){ .netns_id = -1, .l4proto = f->proto };
	ct = bpf_skb_ct_lookup(skb, &q->tuple, sizeof(q->tuple.ipv4), &q->opts,
			       sizeof(q->opts));
	if (!ct)
		return -1;
	/* (a reply, to a connection's initiator, is not NATed towards a
	 * container of ours: it goes where its header says) */
	if (q->opts.dir == IP_CT_DIR_ORIGINAL && (ct->status & IPS_DST_NAT))
		to = ct->tuplehash[IP_CT_DIR_REPLY].tuple.src.u3.ip;
	bpf_ct_release(ct);
	if (!to)
		return 0;
	dst = cmon_dst_monitored(to);
	if (dst != CMON_DST_SKB && dst != CMON_DST_REMOTE)
		return 0;
	if (cmon_ct_hops && !bpf_map_lookup_elem(&cmon_nat_addrs, &f->daddr))
		bpf_map_update_elem(&cmon_nat_addrs, &f->daddr, &yes, BPF_ANY);
	return dst;
}

/* cmon_nat_dst() of a traced packet of the flow of hop slot @s (NULL:
 * none), asked only every CMON_NAT_ASK-th time for a flow whose
 * conntrack entry says it is not NATed towards a strip hop (the outside
 * world, traced 1 in N: a kfunc call and a hash lookup each time).  What
 * is NATed towards one is asked every time: a verdict kept after the NAT
 * changed would stamp towards a receiver no hop strips for. */
#define CMON_NAT_ASK	64

static __always_inline int cmon_nat_dst_of(struct __sk_buff *skb,
					   struct cmon_hop_slot *s,
					   const struct cmon_flow_key *f)
{
	int dst;

	if (s && s->nat_skip) {
		s->nat_skip--;
		return 0;
	}
	dst = cmon_nat_dst(skb, f);
	if (s && !dst)
		s->nat_skip = CMON_NAT_ASK - 1;
	return dst > 0 ? dst : 0;
}

/* Records waiting in cmon_post: the receive hop's cheap gate. */
__u64 cmon_post_pending;

/*
 * Fill an annotation for the packet @seq of its flow, stamped @now.
 * @t_ct is the time it left the container (0 if unknown): it becomes t0
 * and the first slot.  Tagged (cmon_ann_tag()) if it rides in the
 * packet's bytes (@in_bytes), where a hop must tell it from a forged one;
 * beside the skb nothing can forge it.
 */
static __always_inline void cmon_ann_init(struct cmon_ann *a, __u32 seq,
					  __u8 tp, __u64 now, __u64 t_ct,
					  int in_bytes)
{
	__u16 mask = 1 << CMON_TP_CT_TX | 1 << tp | 1 << CMON_TP_VETH_OUT |
		     1 << CMON_TP_CT_RX | 1 << CMON_TP_HOST_IN;
	__u64 t0 = t_ct ? t_ct : now;
	__u8 flags = cmon_clock_tai ? CMON_ANN_F_TAI : 0;
	__u16 tag = in_bytes ? cmon_ann_tag(cmon_key, seq, (__u32)t0, mask) : 0;

	if (t_ct) {
		cmon_ann_start_tagged(a, flags, mask, seq, t0, tag,
				      CMON_TP_CT_TX, cmon_node_id);
		cmon_ann_slot_set(a, 1, tp, cmon_node_id, (__s32)(now - t0));
	} else {
		cmon_ann_start_tagged(a, flags, mask, seq, t0, tag, tp,
				      cmon_node_id);
	}
}

/* Container transmit time of this sampled packet, if recorded (else 0). */
static __always_inline __u64 cmon_take_ct_tx(struct __sk_buff *skb,
					     __u32 hash, __u64 now)
{
	__u64 key = cmon_skb_addr(skb), ts = 0;
	struct cmon_pre_val *v = bpf_map_lookup_elem(&cmon_pre, &key);

	if (!v)
		return 0;
	if (v->hash == hash && v->ts <= now && now - v->ts < 1000000000ULL)
		ts = v->ts;
	bpf_map_delete_elem(&cmon_pre, &key);
	return ts;
}

/*
 * Does the packet, @grow bytes longer, still fit its device's MTU?  What
 * bpf_check_mtu() tells of a packet that is not GSO, read without the
 * helper call.
 */
static __always_inline int cmon_fits_mtu(struct __sk_buff *skb, __u32 grow)
{
	struct sk_buff *k = bpf_cast_to_kern_ctx(skb);
	struct net_device *dev = k->dev;

	return skb->len + grow <= dev->mtu + dev->hard_header_len;
}

/* The annotation waiting beside @skb's buffer (cmon_skb_anns), or NULL.
 * One load of a line of this CPU's. */
static __always_inline struct cmon_skb_ann *
cmon_skb_waiting(struct __sk_buff *skb)
{
	struct cmon_skb_ann *e;
	__u64 key;

	if (!cmon_skb_carrier)
		return NULL;
	key = cmon_skb_buf(skb);
	e = cmon_skb_slot(key);
	return e && e->skb == key ? e : NULL;
}

/*
 * A packet at its first hop on this node, in a buffer an annotation still
 * waits beside: the packet that left it there never reached its strip hop
 * (dropped on its way, or moved to another buffer), and this one, which
 * the allocator gave the same buffer, must not take it at its own strip
 * hop.  Freed and counted (skb_unclaimed), for every packet: a packet
 * that dies on its way is freed at once, and the next one its CPU sends
 * gets its buffer back.  cmon_skb_unclaimed() frees the annotation @e
 * found waiting.
 */
static __always_inline void cmon_skb_unclaimed(struct cmon_skb_ann *e)
{
	e->skb = 0;
	cmon_stat(CMON_EV_SKB_UNCLAIMED);
}

static __always_inline void cmon_skb_reused(struct __sk_buff *skb)
{
	struct cmon_skb_ann *e = cmon_skb_waiting(skb);

	if (e)
		cmon_skb_unclaimed(e);
}

/*
 * A free slot of cmon_skb_anns for the buffer @key of the packet to be
 * stamped at @now, or NULL: its slot holds a packet still on its way (the
 * packet then carries its annotation in its bytes).  A slot whose packet
 * never reached its strip hop is taken over and counted.
 */
static __always_inline struct cmon_skb_ann *cmon_skb_free(__u64 key,
							  __u64 now)
{
	struct cmon_skb_ann *e = cmon_skb_slot(key);

	if (!e)
		return NULL;
	if (e->skb) {
		if (now - e->t < CMON_SKB_STALE_NS)
			return NULL;
		cmon_stat(CMON_EV_SKB_UNCLAIMED);
		e->skb = 0;
	}
	return e;
}

/*
 * Stamp a sampled packet at its first hop @tp at time @now, if it is bound
 * for a strip hop (p->dst) and there is room (@slot: its flow's hop slot,
 * or NULL):
 * beside its skb where it can (cmon_skb_anns), else in its bytes.
 * Out of line: most packets never come here, and the path they take stays
 * short.
 */
static __noinline int cmon_stamp(struct __sk_buff *skb, struct cmon_pkt *p,
				 __u32 tp, __u64 now, struct cmon_hop_slot *slot)
{
	struct cmon_skb_ann *e = NULL;
	__u64 t_ct, key = 0;
	int err, dst, ipopt;
	__u32 seq;

	dst = p->dst;
	if (!dst) {
		cmon_stat(CMON_EV_SKIP_DST);	/* no strip hop on that path */
		return CMON_TC_NEXT;
	}
	/* Towards another node use the IPv4 option whatever the protocol:
	 * should that node's agent not strip it, the receiver ignores an
	 * unknown option, while a trailer would reach the application. */
	ipopt = p->flow.proto == CMON_PROTO_TCP || skb->gso_size ||
		dst == CMON_DST_REMOTE;
	if (p->is_frag) {
		cmon_stat(CMON_EV_SKIP_FRAG);
		return CMON_TC_NEXT;
	}
	/* (a pcap capture wants the annotation in the packet's bytes) */
	if (dst == CMON_DST_SKB && cmon_skb_carrier && !cmon_capture) {
		key = cmon_skb_buf(skb);
		e = cmon_skb_free(key, now);
	}
	if (e)
		goto number;
	if (p->ihl_bytes != 20) {
		cmon_stat(CMON_EV_SKIP_IPOPT);
		return CMON_TC_NEXT;
	}
	if (!skb->gso_size && !cmon_fits_mtu(skb, CMON_ANN_WIRE_LEN)) {
		cmon_stat(CMON_EV_SKIP_MTU);
		return CMON_TC_NEXT;
	}
	/* a trailer goes at the very end: not behind link-layer padding
	 * (checked before a sequence number is spent on the packet) */
	if (!ipopt && CMON_ETH_HLEN + p->tot_len != skb->len) {
		cmon_stat(CMON_EV_SKIP_ROOM);
		return CMON_TC_NEXT;
	}

number:
	seq = cmon_next_seq(&p->flow);
	if (!seq)
		return CMON_TC_NEXT;	/* (counted) */
	/* a container's own transmit hop comes before its veth */
	t_ct = cmon_ct_hops && tp == CMON_TP_VETH_IN ?
	       cmon_take_ct_tx(skb, cmon_pkt_hash(&p->flow, p->pkt_id), now) :
	       0;
	if (e) {
		cmon_ann_init(&e->ann, seq, tp, now, t_ct, 0);
		e->t = now;
		e->len = skb->len;
		e->skb = key;
		cmon_count_stamped(slot);
		return CMON_TC_NEXT;
	}
	if (ipopt) {
		struct cmon_ipopt_hdr h = { .o = { .type = CMON_IPOPT_TYPE,
						   .len = CMON_ANN_WIRE_LEN } };

		cmon_ann_init(&h.o.ann, seq, tp, now, t_ct, 1);
		/* a packet leaving for another node has its head reallocated
		 * here if it has not the room: with the room an overlay's
		 * encapsulation takes too (VXLAN over IPv4: 80 bytes before
		 * the IPv4 header), or that reallocates it again (not a GSO
		 * packet: each room made takes from its segments' size) */
		err = cmon_ipopt_insert(skb, p, &h,
					dst == CMON_DST_REMOTE && !skb->gso_size &&
					cmon_headroom(skb) < CMON_ANN_WIRE_LEN ?
					CMON_HEAD_SPARE : 0);
	} else {
		struct cmon_trailer t __attribute__((aligned(8))) = {
			.magic = bpf_htons(CMON_TRAILER_MAGIC) };

		cmon_ann_init(&t.ann, seq, tp, now, t_ct, 1);
		err = cmon_trailer_insert(skb, p, &t);
	}
	if (err) {
		cmon_stat(CMON_EV_SKIP_ROOM);
		return err == CMON_DAMAGED ? CMON_TC_DROP : CMON_TC_NEXT;
	}
	cmon_count_stamped(slot);
	return CMON_TC_NEXT;
}

/*
 * The first hop (@tp) of a parsed packet entering the monitored domain:
 * sanitise what its sender may have forged, count it, and stamp it if
 * sampled.
 */
static __always_inline int cmon_stamp_hop(struct __sk_buff *skb,
					  struct cmon_pkt *p, __u8 tp)
{
	struct cmon_hop_slot *slot;
	__u32 hash;
	__u64 now;
	int err;

	err = cmon_sanitise(skb, p);
	if (err < 0)
		return CMON_TC_DROP;
	if (err)
		cmon_stat(CMON_EV_SANITISED);
	slot = cmon_count_hop(&p->flow, tp, cmon_segs(skb, p),
			      skb->len - CMON_ETH_HLEN);

	if (!cmon_l4_known(p->flow.proto))
		return CMON_TC_NEXT;
	hash = cmon_pkt_hash(&p->flow, p->pkt_id);
	/* (the clock is read only for packets that get stamped) */
	if (!cmon_traced(&p->flow, hash, &now)) {
		cmon_count_sampled_out(slot);
		return CMON_TC_NEXT;
	}
	/* (conntrack asked here, not in cmon_stamp(): the stack a call
	 * chain may use is 512 bytes) */
	p->dst = cmon_dst_of(slot, p->flow.daddr);
	if (!p->dst && tp == CMON_TP_VETH_IN)
		p->dst = cmon_nat_dst_of(skb, slot, &p->flow);
	if (!p->dst && cmon_nrenamed &&
	    bpf_map_lookup_elem(&cmon_renamed, &p->flow))
		p->dst = CMON_DST_REMOTE;
	return cmon_stamp(skb, p, tp, now, slot);
}

/*
 * The hops below first try the fast path (cmon_parse_plain()): a plain
 * packet sampling leaves out is only counted.  Every other packet takes
 * the full path, inline: a call's return is a mispredicted branch where
 * the kernel returns through a thunk (AMD's "Safe RET").
 */
static __always_inline int cmon_veth_in_full(struct __sk_buff *skb)
{
	struct cmon_pkt p;

	if (cmon_parse(skb, &p))
		return CMON_TC_NEXT;
	return cmon_stamp_hop(skb, &p, CMON_TP_VETH_IN);
}

SEC("tc")
int cmon_veth_in(struct __sk_buff *skb)
{
	struct cmon_flow_key f;
	__u32 pkt_id;

	cmon_skb_reused(skb);	/* a container's packet starts here */
	if (!cmon_parse_plain(skb, &f, &pkt_id) &&
	    cmon_sample_skip(cmon_sample_base, cmon_pkt_hash(&f, pkt_id))) {
		cmon_count_sampled_out(cmon_count_hop(&f, CMON_TP_VETH_IN, 1,
						      skb->len - CMON_ETH_HLEN));
		return CMON_TC_NEXT;
	}
	return cmon_veth_in_full(skb);
}

/*
 * Bridge egress: what the host stack sends into the bridge.  Only packets
 * from the host's own addresses start here; forwarded ones (from an
 * overlay, de-NATed replies) went through their first hop elsewhere.
 */
SEC("tc")
int cmon_host_out(struct __sk_buff *skb)
{
	struct cmon_skb_ann *e = cmon_skb_waiting(skb);
	struct cmon_pkt p;
	int err = cmon_parse(skb, &p);
	/* (a source that is not the host's, with no annotation waiting,
	 * needs no lookup: most packets here) */
	__u32 peer = !err && (e || cmon_host_maybe(p.flow.saddr))
		     ? cmon_peer_of(p.flow.saddr) : 0;

	/* a container's packet may pass here on its way to a container on
	 * another bridge, its annotation beside it; any other starts here */
	if (e && peer != CMON_PEER_CT)
		cmon_skb_unclaimed(e);
	if (peer != CMON_PEER_HOST)
		return CMON_TC_NEXT;
	return cmon_stamp_hop(skb, &p, CMON_TP_HOST_OUT);
}

/*
 * Record of a stripped packet, emitted at once (1: written, for the
 * caller to count); with the container hops (cmon_ct_hops) a veth's
 * record waits in cmon_post until the receiving container's stack takes
 * the packet (cmon_ct_rx adds that hop and emits it) or the kernel drops
 * it (cmon_kfree_skb emits it as is).
 */
static __always_inline int cmon_emit(struct __sk_buff *skb,
				      const struct cmon_flow_key *f, __u32 len,
				      const struct cmon_ann *a, __u8 tp,
				      __u8 carrier, __u32 segs, __u64 now)
{
	struct cmon_record r = {};
	__u64 key = cmon_skb_addr(skb);

	r.saddr = f->saddr;
	r.daddr = f->daddr;
	r.sport = f->sport;
	r.dport = f->dport;
	r.proto = f->proto;
	r.carrier = carrier;
	r.len = len;
	r.segs = segs;
	r.source = CMON_SRC_KERNEL;
	cmon_ann_record(a, now, tp, cmon_node_id, &r);
	/* only a container's veth has a receive hop after it, unless this
	 * is its eth0's ingress (the hop behind a switch's af_packet port) */
	if (!cmon_ct_hops || tp != CMON_TP_VETH_OUT ||
	    skb->ingress_ifindex == skb->ifindex ||
	    bpf_map_update_elem(&cmon_post, &key, &r, BPF_ANY))
		return cmon_put_record(&r);
	__sync_fetch_and_add(&cmon_post_pending, 1);
	return 0;
}

/* Emit and forget the pending record of @key (one caller wins). */
static __always_inline void cmon_post_done(__u64 key, struct cmon_record *r)
{
	cmon_submit(r);
	if (!bpf_map_delete_elem(&cmon_post, &key))
		__sync_fetch_and_sub(&cmon_post_pending, 1);
}

/*
 * Count why a strip or intermediate hop left an annotation alone (@err):
 * the check that failed, or (@other_is_err) skip_room otherwise.
 */
static __always_inline void cmon_count_failure(int err, int other_is_err)
{
	if (err == CMON_BAD_VER)
		cmon_stat(CMON_EV_BAD_VERSION);
	else if (err == CMON_BAD_TAG)
		cmon_stat(CMON_EV_BAD_TAG);
	else if (err == CMON_MALFORMED)
		cmon_stat(CMON_EV_MALFORMED);
	else if (other_is_err)
		cmon_stat(CMON_EV_SKIP_ROOM);
}

/*
 * pcap capture (cmon_capture): copy the frame, annotation included, before
 * the strip; cmon_capture_end() sends it if the strip succeeded.
 */
static __always_inline struct cmon_pcap_ev *
cmon_capture_begin(struct __sk_buff *skb)
{
	struct cmon_pcap_ev *ev;
	__u32 n = skb->len;

	if (!cmon_capture)
		return NULL;
	ev = bpf_ringbuf_reserve(&cmon_pcap_rb, sizeof(*ev), 0);
	if (!ev) {
		cmon_stat(CMON_EV_CAPTURE_FULL);
		return NULL;
	}
	if (n > CMON_PCAP_SNAP)
		n = CMON_PCAP_SNAP;
	ev->len = skb->len;
	ev->caplen = n;
	ev->ifindex = skb->ifindex;
	if (n < CMON_ETH_HLEN || bpf_skb_load_bytes(skb, 0, ev->data, n)) {
		bpf_ringbuf_discard(ev, 0);
		return NULL;
	}
	return ev;
}

static __always_inline void cmon_capture_end(struct cmon_pcap_ev *ev,
					     const struct cmon_ann *a, __u8 tp,
					     __u8 carrier, __u64 now, int err)
{
	if (!ev)
		return;
	if (err) {
		bpf_ringbuf_discard(ev, 0);
		return;
	}
	ev->now = now;
	ev->tp = tp;
	ev->carrier = carrier;
	__builtin_memcpy(&ev->ann, a, sizeof(*a));
	bpf_ringbuf_submit(ev, 0);
}

/*
 * Strip the annotation of a packet at its last hop @tp and emit its
 * record: 0, or the error that kept it (counted).  *@rec tells whether
 * the record was written; the caller counts the strip and the record.
 * Out of line, as cmon_stamp().
 */
static __noinline int cmon_strip(struct __sk_buff *skb, struct cmon_pkt *p,
				 __u32 tp, int *rec)
{
	union {
		struct cmon_ipopt_hdr h;
		struct cmon_trailer t;
	} u __attribute__((aligned(8)));
	const struct cmon_ann *a;
	struct cmon_pcap_ev *ev;
	__u8 carrier;
	__u32 segs = 1;
	int err;
	__u64 now = cmon_now();

	ev = cmon_capture_begin(skb);
	if (cmon_has_ipopt(p)) {
		err = cmon_ipopt_strip(skb, p, &u.h);
		a = &u.h.o.ann;
		carrier = CMON_CARRIER_IPOPT;
		if (!err) {
			p->l4_off -= CMON_ANN_WIRE_LEN;
			segs = cmon_segs(skb, p);
		}
	} else {
		err = cmon_trailer_strip(skb, p, &u.t);
		a = &u.t.ann;
		carrier = CMON_CARRIER_TRAILER;
	}
	cmon_capture_end(ev, a, tp, carrier, now, err);
	if (err)
		cmon_count_failure(err, 1);
	else if (rec)
		*rec = cmon_emit(skb, &p->flow, p->tot_len - CMON_ANN_WIRE_LEN,
				 a, tp, carrier, segs, now);
	return err;
}

/*
 * The record of a packet (@f, IPv4 length @len, 0 to read it; @segs)
 * whose annotation waits in cmon_skb_anns, if it does, at its strip hop
 * veth_out; counted in the flow's hop slot @hs.
 */
static __noinline void cmon_skb_take(struct __sk_buff *skb,
				     const struct cmon_flow_key *f, __u32 len,
				     __u32 segs, struct cmon_hop_slot *hs)
{
	__u64 key = cmon_skb_buf(skb), now;
	struct cmon_skb_ann *e = cmon_skb_slot(key);
	__be16 tot;
	int rec;

	if (!e || e->skb != key)
		return;
	e->skb = 0;
	now = cmon_now();
	/* a reused buffer's: that packet never came here */
	if (e->len != skb->len || now - e->t >= CMON_SKB_STALE_NS) {
		cmon_stat(CMON_EV_SKB_UNCLAIMED);
		return;
	}
	if (!len) {
		if (cmon_load(skb, CMON_ETH_HLEN + CMON_IPH_TOT_LEN, &tot, 2))
			return;
		len = bpf_ntohs(tot);
	}
	rec = cmon_emit(skb, f, len, &e->ann, CMON_TP_VETH_OUT,
			CMON_CARRIER_SKB, segs, now);
	cmon_count_stripped(hs, rec);
}

/*
 * The last hop (@tp) of a parsed packet leaving the monitored domain:
 * strip its annotation if it carries one, count it.
 */
static __always_inline int cmon_strip_hop(struct __sk_buff *skb,
					  struct cmon_pkt *p, __u8 tp)
{
	struct cmon_hop_slot *slot;
	int err = -1, rec = 0;

	if (tp == CMON_TP_VETH_OUT) {
		/* a copy flooded to the wrong container: its annotation, if
		 * in its bytes, stripped, and nothing else */
		if (cmon_veth_out_flow(skb, &p->flow))
			return cmon_carries_ann(p) &&
			       cmon_strip(skb, p, tp, NULL) == CMON_DAMAGED
			       ? CMON_TC_DROP : CMON_TC_NEXT;
	} else
		cmon_flow_unnat(bpf_cast_to_kern_ctx(skb), &p->flow);
	if (cmon_carries_ann(p))
		err = cmon_strip(skb, p, tp, &rec);
	else if (p->ihl_bytes > 20 && p->first_opt[0] == 1)
		/* options opening with a NOP, such as the NOPs a forged
		 * option became at the stamp hop: passed on, counted */
		cmon_stat(CMON_EV_NOP_OPTIONS);
	if (err == CMON_DAMAGED)
		return CMON_TC_DROP;
	if (!err)
		p->tot_len -= CMON_ANN_WIRE_LEN;
	slot = cmon_count_hop(&p->flow, tp, cmon_segs(skb, p),
			      skb->len - CMON_ETH_HLEN);
	if (!err)
		cmon_count_stripped(slot, rec);
	else if (err < 0 && tp == CMON_TP_VETH_OUT && cmon_skb_waiting(skb))
		cmon_skb_take(skb, &p->flow, p->tot_len, cmon_segs(skb, p),
			      slot);
	return CMON_TC_NEXT;
}

static __always_inline int cmon_veth_out_full(struct __sk_buff *skb)
{
	struct cmon_pkt p;

	if (cmon_parse(skb, &p))
		return CMON_TC_NEXT;
	return cmon_strip_hop(skb, &p, CMON_TP_VETH_OUT);
}

/* A plain packet carries no annotation: a hop that strips or writes one
 * only counts it. */
static __always_inline int cmon_count_plain(struct __sk_buff *skb, __u8 tp)
{
	struct cmon_flow_key f;
	__u32 pkt_id;

	if (cmon_parse_plain(skb, &f, &pkt_id))
		return -1;
	cmon_count_hop(&f, tp, 1, skb->len - CMON_ETH_HLEN);
	return 0;
}

/* The IPv4 length of a plain packet (cmon_parse_plain()), read in place;
 * 0 if it cannot be. */
static __always_inline __u32 cmon_plain_len(struct __sk_buff *skb)
{
	const struct iphdr *ip = (void *)(long)skb->data + CMON_ETH_HLEN;

	if ((void *)(ip + 1) > (void *)(long)skb->data_end)
		return 0;
	return bpf_ntohs(ip->tot_len);
}

SEC("tc")
int cmon_veth_out(struct __sk_buff *skb)
{
	struct cmon_hop_slot *s;
	struct cmon_flow_key f;
	__u32 pkt_id;

	if (cmon_parse_plain(skb, &f, &pkt_id))
		return cmon_veth_out_full(skb);
	if (cmon_veth_out_looked(skb, &f) && cmon_veth_out_flow(skb, &f))
		return CMON_TC_NEXT;
	s = cmon_count_hop(&f, CMON_TP_VETH_OUT, 1, skb->len - CMON_ETH_HLEN);
	if (cmon_skb_waiting(skb))
		cmon_skb_take(skb, &f, cmon_plain_len(skb), 1, s);
	return CMON_TC_NEXT;
}

/*
 * Bridge ingress: frames the bridge passes up to the host stack.  Only
 * packets to the host's own addresses end here; the rest are routed on
 * (to an overlay, or NATed out) and keep their annotation.
 */
SEC("tc")
int cmon_host_in(struct __sk_buff *skb)
{
	struct cmon_pkt p;

	if (cmon_parse(skb, &p) || !cmon_host_addr(p.flow.daddr))
		return CMON_TC_NEXT;
	return cmon_strip_hop(skb, &p, CMON_TP_HOST_IN);
}

/*
 * Uplink egress: packets leaving the node through its physical NIC.  An
 * overlay's packets pass here encapsulated, their annotation inside, and
 * are not touched; a traced packet still carrying one in its own header
 * is leaving outside the overlay (a missing overlay route, traffic
 * redirected out), towards something no cmon hop will strip: strip it
 * here, record it with this hop last, and count it.  Not counted per flow:
 * the uplink carries the node's every packet.
 */
SEC("tc")
int cmon_uplink_out(struct __sk_buff *skb)
{
	struct cmon_pkt p;
	int err, rec = 0;

	if (cmon_parse(skb, &p) || !cmon_carries_ann(&p))
		return CMON_TC_NEXT;
	err = cmon_strip(skb, &p, CMON_TP_UPLINK, &rec);
	if (!err) {
		cmon_count_stripped(NULL, rec);
		cmon_stat(CMON_EV_UPLINK_STRIPPED);
	}
	return err == CMON_DAMAGED ? CMON_TC_DROP : CMON_TC_NEXT;
}

/*
 * Intermediate hop (overlay device): count, and write a slot into the
 * annotation of a traced packet.  On a VXLAN device tc sees the inner
 * packet: before encapsulation on egress, after decapsulation on ingress.
 */
static __noinline int cmon_hop(struct __sk_buff *skb, __u8 tp)
{
	struct cmon_hop_slot *slot;
	struct cmon_pkt p;
	__u32 extra = 0, gso_extra = 0;
	int err;

	if (cmon_parse(skb, &p))
		return CMON_TC_NEXT;
	if (tp == CMON_TP_OVL_OUT)
		cmon_flow_nat_out(skb, &p.flow);
	err = cmon_hop_write(skb, &p, tp, cmon_node_id, cmon_now());
	if (err == CMON_DAMAGED)
		return CMON_TC_DROP;
	/* untouched: no annotation, or all slots taken */
	if (err)
		cmon_count_failure(err, 0);
	/* count as the stamp and strip hops do: without the annotation */
	if (cmon_has_ipopt(&p)) {
		extra = CMON_ANN_WIRE_LEN;
		gso_extra = CMON_ANN_WIRE_LEN;
	} else if (p.frag_off & CMON_IP_DECISION_BIT && err != CMON_MALFORMED) {
		extra = CMON_ANN_WIRE_LEN;
	}
	slot = cmon_count_hop(&p.flow, tp, cmon_segs_gso(skb, &p, gso_extra),
			      skb->len - CMON_ETH_HLEN - extra);
	if (!err)
		cmon_count_written(slot);
	return CMON_TC_NEXT;
}

SEC("tc")
int cmon_ovl_out(struct __sk_buff *skb)
{
	struct cmon_flow_key f;
	__u32 pkt_id;

	if (cmon_parse_plain(skb, &f, &pkt_id))
		return cmon_hop(skb, CMON_TP_OVL_OUT);
	if (cmon_ct_nated(bpf_cast_to_kern_ctx(skb), f.proto))
		cmon_flow_nat_out(skb, &f);
	cmon_count_hop(&f, CMON_TP_OVL_OUT, 1, skb->len - CMON_ETH_HLEN);
	return CMON_TC_NEXT;
}

SEC("tc")
int cmon_ovl_in(struct __sk_buff *skb)
{
	if (!cmon_count_plain(skb, CMON_TP_OVL_IN))
		return CMON_TC_NEXT;
	return cmon_hop(skb, CMON_TP_OVL_IN);
}

/*
 * The container hops are tc programs on the container's own eth0, attached
 * there only (--ct-hops), so that they run once per packet, where
 * tracepoints ran at every device a packet crossed: egress, as the
 * container's stack hands the packet to its device; ingress, as the device
 * hands it to the container's stack.
 */
SEC("tc")
int cmon_ct_tx(struct __sk_buff *ctx)
{
	struct sk_buff *skb = bpf_cast_to_kern_ctx(ctx);
	struct cmon_pre_val v = {};
	struct cmon_flow_key f;
	__u64 key = (__u64)skb;
	__u32 pkt_id;

	/* cheapest tests first: most packets are not sampled; a plain
	 * packet is read in place (cmon_parse_plain()), any other through
	 * the skb (GSO, options, fragments) */
	if (cmon_parse_plain(ctx, &f, &pkt_id) &&
	    cmon_parse_kskb(skb, &f, &pkt_id))
		return CMON_TC_NEXT;
	v.hash = cmon_pkt_hash(&f, pkt_id);
	if (cmon_sample_skip(cmon_sample_base, v.hash) ||
	    !cmon_traced(&f, v.hash, &v.ts) ||
	    (!cmon_dst_monitored(f.daddr) &&
	     !bpf_map_lookup_elem(&cmon_nat_addrs, &f.daddr)))
		return CMON_TC_NEXT;
	bpf_map_update_elem(&cmon_pre, &key, &v, BPF_ANY);
	return CMON_TC_NEXT;
}

SEC("tc")
int cmon_ct_rx(struct __sk_buff *ctx)
{
	__u64 key = cmon_skb_addr(ctx), now, n;	/* n: 64-bit, for the verifier */
	struct cmon_record *r;

	if (!cmon_post_pending)
		return CMON_TC_NEXT;
	r = bpf_map_lookup_elem(&cmon_post, &key);
	if (!r)
		return CMON_TC_NEXT;
	now = cmon_now();
	n = r->nhops;
	/* same packet (IPv4 length: tc sees the Ethernet header too) and
	 * not a stale entry of a reused skb: its strip hop (ours, so on our
	 * clock, whatever the sender's) was less than a second ago */
	if (ctx->len == r->len + CMON_ETH_HLEN && n >= 1 &&
	    n < CMON_REC_HOPS &&
	    (__s64)(now - r->t0 - (__s32)r->hop[n - 1].delta) < 1000000000LL) {
		r->hop[n].tp = CMON_TP_CT_RX;
		r->hop[n].node = cmon_node_id;
		r->hop[n].delta = (__s32)(now - r->t0);
		r->nhops = n + 1;
	}
	cmon_post_done(key, r);
	return CMON_TC_NEXT;
}

/*
 * A drop of @skb, whose headers cmon_parse_kskb() cannot reach, handed to
 * the agent with its first bytes (bpf_skb_output() copies from the page
 * fragments too); one it cannot hand over is counted (drops_unread).
 */
static __always_inline void cmon_drop_slow(struct sk_buff *skb,
					   const struct cmon_drop_key *k)
{
	struct cmon_drop_ev ev = { .key = *k };
	__u32 data = (__u32)(skb->data - skb->head), len = skb->len;
	__u64 n;

	ev.nh = skb->network_header - data;
	if (ev.nh > 64) {		/* headers before data, or unset */
		cmon_stat(CMON_EV_DROP_UNREAD);
		return;
	}
	n = ev.nh + 60 < len ? ev.nh + 60 : len;
	ev.len = (__u32)n;
	if (bpf_skb_output(skb, &cmon_drop_ev, BPF_F_CURRENT_CPU | n << 32,
			   &ev, sizeof(ev)))
		cmon_stat(CMON_EV_DROP_UNREAD);
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(cmon_kfree_skb, struct sk_buff *skb, void *location,
	     enum skb_drop_reason reason)
{
	struct cmon_drop_key k = {};
	struct cmon_dev_key d;
	struct net_device *dev;
	__u64 one = 1, *cnt, key = (__u64)skb;
	struct cmon_record *r;
	__u32 pkt_id, *role;
	int err;

	if (reason < SKB_DROP_REASON_NOT_SPECIFIED)
		return 0;	/* not a drop (consumed) */
	/* dropped after its strip hop: emit its record without CT_RX */
	if (cmon_post_pending) {
		r = bpf_map_lookup_elem(&cmon_post, &key);
		if (r)
			cmon_post_done(key, r);
	}
	dev = skb->dev;
	if (!dev)
		return 0;
	d = cmon_dev_key(dev);
	role = bpf_map_lookup_elem(&cmon_devs, &d);
	if (!role)
		return 0;
	k.netns = d.netns;
	k.ifindex = d.ifindex;
	k.reason = reason;
	err = cmon_parse_kskb(skb, &k.flow, &pkt_id);
	if (err == -2) {
		cmon_drop_slow(skb, &k);
		goto out;
	}
	if (err)
		return 0;
	/* in the flow its sender sent: NATed here, or on the way to a
	 * container that drops it */
	k.nat_daddr = k.flow.daddr;
	if (!cmon_flow_unnat(skb, &k.flow)) {
		struct cmon_flow_key *was = bpf_map_lookup_elem(&cmon_nat,
								&k.flow);

		if (was)
			k.flow = *was;
		else
			k.nat_daddr = 0;
	}
	/* on a bridge's uplink, only what a container on a bridge sent or
	 * is sent: the rest goes between two ends beyond it */
	if (*role == CMON_DEV_UPLINK &&
	    cmon_peer_of(k.flow.saddr) != CMON_PEER_CT &&
	    cmon_peer_of(k.nat_daddr ? k.nat_daddr : k.flow.daddr) !=
	    CMON_PEER_CT)
		return 0;
	cnt = bpf_map_lookup_elem(&cmon_drops, &k);
	if (!cnt) {
		if (!bpf_map_update_elem(&cmon_drops, &k, &one, BPF_NOEXIST)) {
			cmon_stat(CMON_EV_DROP_NEW);
			goto out;
		}
		cnt = bpf_map_lookup_elem(&cmon_drops, &k);	/* lost a race */
	}
	if (cnt)
		__sync_fetch_and_add(cnt, 1);
out:
	cmon_stat(CMON_EV_DROPS);
	return 0;
}
