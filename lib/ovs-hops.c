// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The hops Open vSwitch runs in userspace (include/cmon/dp.h; the patched
 * ovs-vswitchd links them from libcmon-dp, and the kernel agent uses the
 * transit hop on its pcap copies): the annotation rules of cmon/annotate.h
 * applied to the bytes of one frame, checksums updated incrementally
 * (RFC 1624) as the kernel hops' helpers do.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cmon/dp.h"
#include "codec.h"

struct pkt {
	uint8_t *ip;		/* IPv4 header inside the frame */
	uint32_t l2;		/* bytes before it: 14, 18 under a VLAN tag */
	uint32_t ihl, tot_len, frag_off;
	uint8_t proto;
	uint32_t saddr, daddr;	/* network order */
	uint16_t sport, dport;	/* network order */
};

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Parse an untagged Ethernet/IPv4 frame, or with @vlan one under an
 * 802.1Q or 802.1ad tag; -1 if it is not one. */
static int parse_l2(uint8_t *frame, uint32_t len, struct pkt *p, int vlan)
{
	uint32_t l2 = CMON_ETH_HLEN, type;
	struct cmon_ip4 h;
	uint32_t w[2];

	if (len < CMON_ETH_HLEN + 20)
		return -1;
	type = cmon_get16(frame + 12);
	if (vlan && (type == 0x8100 || type == 0x88a8)) {
		l2 += 4;
		type = cmon_get16(frame + 16);
	}
	if (type != CMON_ETH_P_IP || len < l2 + 20 ||
	    cmon_ip4_read(frame + l2, len - l2, &h))
		return -1;
	memset(p, 0, sizeof(*p));
	p->l2 = l2;
	p->ip = frame + l2;
	p->ihl = h.ihl;
	p->tot_len = h.tot_len;
	p->frag_off = h.frag_off;
	p->proto = h.proto;
	p->saddr = h.saddr;
	p->daddr = h.daddr;
	if ((p->frag_off & CMON_IP_OFFMASK) || !cmon_l4_known(p->proto))
		return 0;	/* no L4 header to read */
	if (p->tot_len < p->ihl + (p->proto == CMON_PROTO_TCP ? 20 : 8))
		return -1;
	memcpy(w, p->ip + p->ihl, sizeof(w));
	cmon_l4_ports(p->proto, w[0], w[1], &p->sport, &p->dport);
	return 0;
}

/* Parse an untagged Ethernet/IPv4 frame; -1 if it is not one. */
static int parse(uint8_t *frame, uint32_t len, struct pkt *p)
{
	return parse_l2(frame, len, p, 0);
}

static uint64_t clk_now(struct cmon_dp_clock *c)
{
	struct timespec ts;

	if (!c->ns) {
		clock_gettime(c->id, &ts);
		c->ns = (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	}
	return c->ns;
}

/*
 * Checksums are updated, never recomputed (RFC 1624), as the kernel hops
 * do: a packet corrupted on its way keeps a checksum that says so.
 */

/* One's complement sum of @a and @b (16-bit sums). */
static uint32_t add16(uint32_t a, uint32_t b)
{
	a += b;
	return (a & 0xffff) + (a >> 16);
}

/* A 16-bit sum as it counts at an odd offset: its bytes swapped. */
static uint32_t swap16(uint32_t s)
{
	return (s >> 8 | s << 8) & 0xffff;
}

/* The 16-bit one's complement sum of @len bytes at @p, as they count at
 * an even or an odd (@odd) offset of the data a checksum covers. */
static uint32_t sum16(const uint8_t *p, uint32_t len, int odd)
{
	uint32_t s = (uint16_t)~cmon_csum(p, len, 0);

	return odd ? swap16(s) : s;
}

/* A sum of 16-bit words folded to 16 bits. */
static uint32_t fold16(uint32_t s)
{
	return add16(s & 0xffff, s >> 16);
}

/* RFC 1624 eqn. 3: checksum @c once data summing to @m sums to @m2
 * (16-bit sums): HC' = ~(~HC + ~m + m'). */
static uint16_t csum_upd(uint16_t c, uint32_t m, uint32_t m2)
{
	return (uint16_t)~add16(add16((uint16_t)~c, (uint16_t)~m), m2);
}

/* The checksum at @field, updated (csum_upd()).  @udp: 0 means "none"
 * and stays so, and a result of 0 is sent as 0xffff. */
static void csum_fix(uint8_t *field, uint32_t m, uint32_t m2, int udp)
{
	uint16_t c;

	if (udp && !cmon_get16(field))
		return;
	c = csum_upd(cmon_get16(field), m, m2);
	put16(field, udp && !c ? 0xffff : c);
}

/* The L4 checksum of a UDP or ICMP packet (trailer carrier) once its
 * data summing to @m sums to @m2 and, UDP, its length field goes to
 * @ulen2 (the caller writes it after). */
static void l4_fix(uint8_t *ip, uint32_t ihl, uint32_t m, uint32_t m2,
		   uint32_t ulen2)
{
	uint8_t *l4 = ip + ihl;
	uint32_t ulen = cmon_get16(l4 + 4);

	if (ip[CMON_IPH_PROTO] == CMON_PROTO_ICMP) {
		csum_fix(l4 + 2, m, m2, 0);
		return;
	}
	/* the length counts twice: in the pseudo-header and the header */
	csum_fix(l4 + 6, add16(m, add16(ulen, ulen)),
		 add16(m2, add16(ulen2, ulen2)), 1);
}

static void count(uint64_t *stat, enum cmon_event s)
{
	cmon_dp_stat(stat, s, 1);
}

static void count_find(uint64_t *stat, enum cmon_find f)
{
	if (f == CMON_FIND_BAD_VERSION)
		count(stat, CMON_EV_BAD_VERSION);
	else if (f == CMON_FIND_BAD_TAG)
		count(stat, CMON_EV_BAD_TAG);
	else if (f == CMON_FIND_MALFORMED)
		count(stat, CMON_EV_MALFORMED);
}

/*
 * Per-flow sequence numbers of the packets this process stamps, one table
 * for all its threads (cmon_seq_take(), cmon/annotation.h), as the
 * kernel's is for all CPUs: a flow may be received by several threads (the
 * queues of one port polled by two, a flow moving from queue to queue),
 * and its numbers must still run 1, 2, 3...  The compare-and-swap is paid
 * by traced packets only.
 */
#define SEQ_BUCKETS 2048
static __u64 seq_tab[SEQ_BUCKETS][2] __attribute__((aligned(64)));

/* @p's next number; 0 (counted: not traced) if other threads kept
 * changing its word. */
static uint32_t next_seq(const struct pkt *p, uint64_t *stat)
{
	uint64_t h = cmon_seq_hash(p->saddr, p->daddr, p->sport, p->dport,
				   p->proto);
	int taken = 0;
	uint32_t n = cmon_seq_take(seq_tab[h & (SEQ_BUCKETS - 1)], h, &taken);

	if (!n)
		count(stat, CMON_EV_SKIP_SEQ);
	else if (taken)
		count(stat, CMON_EV_SEQ_TAKEN);
	return n;
}

__thread uint32_t cmon_dp_skip;
static __thread uint64_t rng_state;

/* A random number from this thread's sequence.  Each thread's sequence
 * starts from the address of its own state, so threads do not draw the
 * same gaps. */
static uint32_t rand32(void)
{
	if (!rng_state)
		rng_state = (uintptr_t)&rng_state;
	return (uint32_t)(cmon_mix64(rng_state += 0x9e3779b97f4a7c15ULL) >> 32);
}

/* How many packets to leave out before the next traced one at 1 in @n
 * (include/cmon/dp.h): uniform in 0 .. 2n-2, so 1 in n on average. */
static uint32_t draw_skip(uint32_t n)
{
	return (uint32_t)((uint64_t)rand32() * (2 * n - 1) >> 32);
}

uint32_t cmon_dp_pair_sample(const struct cmon_shm_ctl *ctl, uint32_t saddr,
			     uint32_t daddr, uint8_t proto)
{
	uint32_t gen = __atomic_load_n(&ctl->gen, __ATOMIC_ACQUIRE);
	uint32_t at = cmon_ctl_slot(saddr, daddr, proto), n, i;

	if (gen & 1)
		return 0;
	n = ctl->sample_n;
	for (i = 0; i < CMON_CTL_PROBES; i++) {
		const struct cmon_ctl_pair *e =
			&ctl->pair[(at + i) & (CMON_CTL_PAIRS - 1)];

		if (!e->n)
			break;
		if (e->saddr == saddr && e->daddr == daddr &&
		    e->proto == proto) {
			n = e->n;
			break;
		}
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return __atomic_load_n(&ctl->gen, __ATOMIC_RELAXED) == gen ? n : 0;
}

/* With the rules' sampling: 1 if the pair of @p, kept by the fast path's
 * 1 in sample_n, is left out by its own rate (kept with probability
 * sample_n / its n). */
static int pair_leaves_out(const struct cmon_dp_cfg *cfg, const struct pkt *p)
{
	uint32_t n;

	if (!cfg->ctl)
		return 0;
	n = cmon_dp_pair_sample(cfg->ctl, p->saddr, p->daddr, p->proto) /
	    cfg->sample_n;
	return n > 1 && (uint64_t)rand32() * n >> 32 != 0;
}

/* Trust boundary: neutralise annotation state a sender put in @p. */
static void sanitise(struct pkt *p, uint64_t *stat)
{
	int changed = 0;

	if (p->frag_off & CMON_IP_DECISION_BIT) {
		csum_fix(p->ip + CMON_IPH_CHECK, p->frag_off,
			 p->frag_off & ~CMON_IP_DECISION_BIT, 0);
		p->frag_off &= ~CMON_IP_DECISION_BIT;
		put16(p->ip + CMON_IPH_FRAG_OFF, p->frag_off);
		changed = 1;
	}
	if (p->ihl > 20 && cmon_ann_in_option(p->ihl, p->ip[20], p->ip[21])) {
		uint32_t m = sum16(p->ip + 20, CMON_ANN_WIRE_LEN, 0);

		memset(p->ip + 20, 1, CMON_ANN_WIRE_LEN);	/* NOPs */
		csum_fix(p->ip + CMON_IPH_CHECK, m,
			 sum16(p->ip + 20, CMON_ANN_WIRE_LEN, 0), 0);
		changed = 1;
	}
	if (changed)
		count(stat, CMON_EV_SANITISED);
}

/*
 * A container port's receive hop on @frame, parsed into @p: count it,
 * neutralise what its sender forged, and decide (sampling, and room for
 * an annotation in its bytes, which a packet stamped beside it may need
 * at the port it leaves by).  0: stamp it.
 */
static int stamp_wanted(const struct cmon_dp_cfg *cfg, uint8_t *frame,
			uint32_t len, uint32_t headroom, uint32_t mtu,
			uint64_t *stat, struct pkt *p)
{
	count(stat, CMON_EV_PACKETS);
	if (parse(frame, len, p) || !cmon_l4_known(p->proto)) {
		count(stat, CMON_EV_SKIP_PROTO);
		return -1;
	}
	sanitise(p, stat);
	if (cmon_dp_skip_next(cfg->sample_n)) {
		cmon_dp_skip--;
		count(stat, CMON_EV_SAMPLED_OUT);
		return -1;
	}
	if (cfg->sample_n > 1)
		cmon_dp_skip = draw_skip(cfg->sample_n);
	if (pair_leaves_out(cfg, p)) {
		count(stat, CMON_EV_SAMPLED_OUT);
		return -1;
	}
	if (p->frag_off & (CMON_IP_MF | CMON_IP_OFFMASK)) {
		count(stat, CMON_EV_SKIP_FRAG);
		return -1;
	}
	if (p->ihl != 20) {
		count(stat, CMON_EV_SKIP_IPOPT);
		return -1;
	}
	if (p->tot_len + CMON_ANN_WIRE_LEN > mtu) {
		count(stat, CMON_EV_SKIP_MTU);
		return -1;
	}
	if (headroom < CMON_DP_HEADROOM) {
		count(stat, CMON_EV_SKIP_ROOM);
		return -1;
	}
	return 0;
}

/*
 * Write the annotation of packet @seq, stamped at @t0 with @flags by node
 * @node at OVS_RX, into @frame (parsed into @p: IPv4 without options,
 * CMON_DP_HEADROOM bytes of headroom): the frame then starts that many
 * bytes earlier.
 */
static void write_option(const struct cmon_dp_cfg *cfg, uint8_t *frame,
			 const struct pkt *p, uint32_t seq, uint64_t t0,
			 uint8_t flags, uint8_t node)
{
	uint8_t *ip = frame - CMON_ANN_WIRE_LEN + p->l2;
	struct cmon_ipopt *o = (struct cmon_ipopt *)(ip + 20);
	uint16_t c = cmon_get16(p->ip + CMON_IPH_CHECK);
	uint32_t m, m2;

	/* The Ethernet and IPv4 headers move 40 bytes into the headroom, the
	 * option goes behind them, each byte written once, and the checksum
	 * is updated from the values written: a load of what stores just
	 * wrote, over more than one of them, would wait for them all to
	 * reach the cache (the headroom's line, besides, nothing touched
	 * yet).  The first two words change (a header of 20 bytes starts
	 * 0x45), the option's are added. */
	m = (0x45 << 8 | p->ip[1]) + p->tot_len;
	m2 = (0x40 | (20 + CMON_ANN_WIRE_LEN) / 4) << 8 | p->ip[1];
	m2 += p->tot_len + CMON_ANN_WIRE_LEN;
	memcpy(ip - p->l2, frame, p->l2 + 20);
	/* (the option goes over where the headers were) */
	o->type = CMON_IPOPT_TYPE;
	o->len = CMON_ANN_WIRE_LEN;
	m2 += CMON_IPOPT_TYPE << 8 | CMON_ANN_WIRE_LEN;
	m2 += cmon_ann_start(&o->ann, flags,
			     1 << CMON_TP_OVS_RX | 1 << CMON_TP_OVS_TX, seq,
			     t0, cfg->key, CMON_TP_OVS_RX, node);
	ip[0] = 0x40 | (20 + CMON_ANN_WIRE_LEN) / 4;
	put16(ip + CMON_IPH_TOT_LEN, p->tot_len + CMON_ANN_WIRE_LEN);
	put16(ip + CMON_IPH_CHECK, csum_upd(c, fold16(m), fold16(m2)));
}

void cmon_dp_stamp(const struct cmon_dp_cfg *cfg, uint8_t *frame,
		   uint32_t len, uint32_t headroom, uint32_t mtu,
		   struct cmon_dp_clock *clk, uint64_t *stat,
		   struct cmon_dp_res *res)
{
	struct pkt p;
	uint32_t seq;

	memset(res, 0, sizeof(*res));
	if (stamp_wanted(cfg, frame, len, headroom, mtu, stat, &p) ||
	    !(seq = next_seq(&p, stat)))
		return;
	write_option(cfg, frame, &p, seq, clk_now(clk),
		     cfg->tai ? CMON_ANN_F_TAI : 0, cfg->node);
	res->head = CMON_ANN_WIRE_LEN;
	count(stat, CMON_EV_STAMPED);
}

void cmon_dp_stamp_side(const struct cmon_dp_cfg *cfg, uint8_t *frame,
			uint32_t len, uint32_t headroom, uint32_t mtu,
			struct cmon_dp_clock *clk, uint64_t *stat,
			struct cmon_dp_side *side)
{
	struct pkt p;

	if (stamp_wanted(cfg, frame, len, headroom, mtu, stat, &p) ||
	    !(side->seq = next_seq(&p, stat)))
		return;
	side->t0 = clk_now(clk);
	side->flags = cfg->tai ? CMON_ANN_F_TAI : 0;
	side->node = cfg->node;
	side->gen = cfg->side_gen;
	count(stat, CMON_EV_STAMPED);
}

/*
 * Find a valid annotation in a parsed frame; count what is wrong with a
 * bad one.  Returns 1 with @f filled, 0 if none is usable.
 */
static int find(const struct cmon_dp_cfg *cfg, struct pkt *p, uint64_t *stat,
		struct cmon_found *f)
{
	enum cmon_find r;

	if (p->frag_off & CMON_IP_OFFMASK)
		return 0;
	/* cmon_ann_locate() rejects trailers on fragments, other protocols
	 * and on packets too short to hold one behind the L4 header */
	r = cmon_ann_locate(p->ip, p->tot_len, cfg->key, 1, f);
	count_find(stat, r);
	return r == CMON_FIND_OK;
}

/*
 * Write hop @tp of node @node, at @now, into the next free slot of the
 * annotation @f found in @p, in place: the slot and the slot count, the
 * checksum updated from the values written (cmon_dp_stamp()).  -1: no
 * slot free.
 */
static int add_slot(struct pkt *p, const struct cmon_found *f, uint8_t tp,
		    uint8_t node, uint64_t now)
{
	uint32_t at = f->carrier == CMON_CARRIER_IPOPT ? 22 : f->offset;
	struct cmon_ann *a = (struct cmon_ann *)(p->ip + at);
	uint32_t n = f->wire.nslots, vf = f->wire.ver_flags, m, m2;
	uint32_t d = (uint32_t)cmon_ann_delta(&f->wire, now);

	if (n == 0 || n >= CMON_ANN_SLOTS)
		return -1;
	/* the words of the slot count and of the slot (at even offsets of
	 * the annotation: an odd one of the annotation swaps them all) */
	m = add16(vf << 8 | n, sum16((const uint8_t *)&a->slot[n],
				     sizeof(a->slot[n]), 0));
	m2 = fold16((vf << 8 | (n + 1)) + (uint32_t)(tp << 8 | node) +
		    (d >> 16) + (d & 0xffff));
	cmon_ann_slot_set(a, n, tp, node, (int32_t)d);	/* (nslots too) */
	if (at & 1) {
		m = swap16(m);
		m2 = swap16(m2);
	}
	if (f->carrier == CMON_CARRIER_IPOPT)
		csum_fix(p->ip + CMON_IPH_CHECK, m, m2, 0);
	else
		l4_fix(p->ip, p->ihl, m, m2, cmon_get16(p->ip + p->ihl + 4));
	return 0;
}

void cmon_dp_transit(const struct cmon_dp_cfg *cfg, uint8_t *frame,
		     uint32_t len, uint8_t tp, struct cmon_dp_clock *clk,
		     uint64_t *stat)
{
	struct cmon_found f;
	struct pkt p;

	count(stat, CMON_EV_PACKETS);
	if (cmon_dp_unannotated(frame, len) || parse(frame, len, &p) ||
	    !find(cfg, &p, stat, &f))
		return;
	if (add_slot(&p, &f, tp, cfg->node, clk_now(clk))) {
		count(stat, CMON_EV_NO_SLOT);
		return;
	}
	count(stat, CMON_EV_WRITTEN);
}

/* The fields of a record the switch's send hop takes from the packet @p:
 * its flow, @carrier, its IPv4 length @len without the annotation. */
static void record_packet(struct cmon_record *rec, const struct pkt *p,
			  uint8_t carrier, uint32_t len)
{
	rec->saddr = p->saddr;
	rec->daddr = p->daddr;
	rec->sport = p->sport;
	rec->dport = p->dport;
	rec->proto = p->proto;
	rec->carrier = carrier;
	rec->len = len;
	rec->segs = 1;
	rec->source = CMON_SRC_OVS;
	rec->port = 0;		/* (the caller's) */
}

void cmon_dp_strip(const struct cmon_dp_cfg *cfg, uint8_t *frame,
		   uint32_t len, struct cmon_dp_clock *clk, uint64_t *stat,
		   struct cmon_record *rec, struct cmon_dp_res *res,
		   struct cmon_capture *cap)
{
	uint64_t now;
	struct cmon_found f;
	struct pkt p;

	memset(res, 0, sizeof(*res));
	count(stat, CMON_EV_PACKETS);
	if (cmon_dp_unannotated(frame, len) || parse(frame, len, &p) ||
	    !find(cfg, &p, stat, &f))
		return;

	if (cap) {
		cap->len = len;
		cap->caplen = len < CMON_CAPTURE_SNAP ? len : CMON_CAPTURE_SNAP;
		memcpy(cap->data, frame, cap->caplen);
	}
	now = clk_now(clk);
	/* (every field written, each once: zeroing the record first took
	 * a rep stos, dear at 88 bytes) */
	cmon_ann_record(&f.wire, now, CMON_TP_OVS_TX, cfg->node, rec);
	record_packet(rec, &p, (uint8_t)f.carrier,
		      p.tot_len - CMON_ANN_WIRE_LEN);
	res->record = 1;

	if (f.carrier == CMON_CARRIER_IPOPT) {
		uint8_t *ip = frame + CMON_ANN_WIRE_LEN + CMON_ETH_HLEN;
		uint32_t tot = p.tot_len - CMON_ANN_WIRE_LEN;
		/* the first two words change (0x4f to 0x45, the length),
		 * the option's go; the headers move over the option, each
		 * byte written once (cmon_dp_stamp()) */
		uint16_t c = csum_upd(cmon_get16(p.ip + CMON_IPH_CHECK),
				      add16(fold16((0x4f << 8 | p.ip[1]) +
						   p.tot_len),
					    sum16(p.ip + 20,
						  CMON_ANN_WIRE_LEN, 0)),
				      fold16((0x45 << 8 | p.ip[1]) + tot));

		memcpy(ip - CMON_ETH_HLEN, frame, CMON_ETH_HLEN + 20);
		ip[0] = 0x45;
		put16(ip + CMON_IPH_TOT_LEN, tot);
		put16(ip + CMON_IPH_CHECK, c);
		res->head = -CMON_ANN_WIRE_LEN;
	} else {
		uint32_t tot = p.tot_len - CMON_ANN_WIRE_LEN;
		uint32_t frag = p.frag_off & ~CMON_IP_DECISION_BIT;
		uint8_t *l4 = p.ip + p.ihl;

		/* bytes after the IPv4 packet (Ethernet padding) go too */
		csum_fix(p.ip + CMON_IPH_CHECK, add16(p.tot_len, p.frag_off),
			 add16(tot, frag), 0);
		put16(p.ip + CMON_IPH_TOT_LEN, tot);
		put16(p.ip + CMON_IPH_FRAG_OFF, frag);
		/* the trailer's bytes leave the L4 sum, at their parity */
		l4_fix(p.ip, p.ihl,
		       sum16(p.ip + f.offset, CMON_ANN_WIRE_LEN,
			     (f.offset - p.ihl) & 1), 0, tot - p.ihl);
		if (p.proto == CMON_PROTO_UDP)
			put16(l4 + 4, tot - p.ihl);
		res->tail = (int32_t)(CMON_ETH_HLEN + tot) - (int32_t)len;
	}
	count(stat, CMON_EV_STRIPPED);
}

/* The record of a packet stamped beside it (@side), leaving @frame
 * (parsed into @p) at @now by hop OVS_TX of this node. */
static void side_record(const struct cmon_dp_cfg *cfg,
			const struct cmon_dp_side *side, const struct pkt *p,
			uint64_t now, struct cmon_record *rec)
{
	unsigned int i;

	rec->t0 = side->t0;
	record_packet(rec, p, CMON_CARRIER_SKB, p->tot_len);
	rec->nhops = 2;
	rec->flags = side->flags;
	rec->seq = side->seq;
	rec->hop[0] = (struct cmon_rec_hop){ .tp = CMON_TP_OVS_RX,
					     .node = side->node };
	rec->hop[1] = (struct cmon_rec_hop){
		.tp = CMON_TP_OVS_TX, .node = cfg->node,
		.delta = (int32_t)(now - side->t0) };
	for (i = 2; i < CMON_REC_HOPS; i++)
		rec->hop[i] = (struct cmon_rec_hop){ .tp = 0xff };
}

int cmon_dp_side_record(const struct cmon_dp_cfg *cfg,
			const struct cmon_dp_side *side, uint8_t *frame,
			uint32_t len, struct cmon_dp_clock *clk,
			uint64_t *stat, struct cmon_record *rec)
{
	struct pkt p;

	if (parse_l2(frame, len, &p, 1)) {
		count(stat, CMON_EV_MALFORMED);
		return 0;
	}
	side_record(cfg, side, &p, clk_now(clk), rec);
	count(stat, CMON_EV_STRIPPED);
	return 1;
}

void cmon_dp_record_flow(struct cmon_record *rec,
			 const struct cmon_dp_side *flow)
{
	if (!flow->keyed)
		return;
	rec->saddr = (uint32_t)flow->addrs;
	rec->daddr = (uint32_t)(flow->addrs >> 32);
	rec->sport = (uint16_t)flow->ports;
	rec->dport = (uint16_t)(flow->ports >> 16);
	rec->proto = flow->proto;
}

void cmon_dp_side_write(const struct cmon_dp_cfg *cfg,
			const struct cmon_dp_side *side, uint8_t *frame,
			uint32_t len, uint32_t headroom, uint32_t mtu,
			struct cmon_dp_clock *clk, uint64_t *stat,
			struct cmon_record *rec, struct cmon_dp_res *res)
{
	struct pkt p;

	memset(res, 0, sizeof(*res));
	if (parse_l2(frame, len, &p, 1)) {
		count(stat, CMON_EV_MALFORMED);
		return;
	}
	if (p.ihl == 20 && !(p.frag_off & (CMON_IP_MF | CMON_IP_OFFMASK)) &&
	    headroom >= CMON_DP_HEADROOM &&
	    (!mtu || p.tot_len + CMON_ANN_WIRE_LEN <= mtu)) {
		write_option(cfg, frame, &p, side->seq, side->t0, side->flags,
			     side->node);
		res->head = CMON_ANN_WIRE_LEN;
		return;
	}
	/* no room for it in the bytes after all: its path ends here */
	side_record(cfg, side, &p, clk_now(clk), rec);
	res->record = 1;
	count(stat, CMON_EV_STRIPPED);
}

/*
 * Per-flow counters (cmon/shm.h).  A packet's key is made and compared in
 * whole words, as it is stored: a word read back from smaller stores just
 * made would wait for them (no store forwarding), a stall per packet.
 */
struct ckey {
	uint64_t addrs;			/* saddr | daddr << 32 (as in memory) */
	uint32_t ports;			/* sport | dport << 16 */
	uint32_t bytes;			/* the packet's, annotation left out */
	uint32_t proto;
};

/* @k of a frame; -1 if it is not IPv4. */
CMON_INLINE int count_key(const uint8_t *frame, uint32_t len, struct ckey *k)
{
	const uint8_t *ip = frame + CMON_ETH_HLEN;
	uint32_t ihl, tot, w[2], bytes;
	uint16_t sport = 0, dport = 0;
	uint64_t addrs;
	uint8_t proto;

	if (len < CMON_ETH_HLEN + 20 || !cmon_dp_ipv4(frame) ||
	    ip[0] >> 4 != 4)
		return -1;
	ihl = (ip[0] & 15) * 4u;
	tot = cmon_get16(ip + CMON_IPH_TOT_LEN);
	if (ihl < 20 || tot < ihl || tot > len - CMON_ETH_HLEN)
		return -1;
	proto = ip[CMON_IPH_PROTO];
	memcpy(&addrs, ip + 12, 8);
	if (!(cmon_get16(ip + CMON_IPH_FRAG_OFF) & CMON_IP_OFFMASK) &&
	    cmon_l4_known(proto) && tot >= ihl + 8) {
		memcpy(w, ip + ihl, sizeof(w));
		cmon_l4_ports(proto, w[0], w[1], &sport, &dport);
	}
	bytes = tot;
	if (ihl > 20 && cmon_ann_in_option(ihl, ip[20], ip[21]))
		bytes -= CMON_ANN_WIRE_LEN;
	*k = (struct ckey){ addrs, (uint32_t)sport | (uint32_t)dport << 16,
			    bytes, proto };
	return 0;
}

static int key_same(const struct ckey *a, const struct ckey *b)
{
	return a->addrs == b->addrs && a->ports == b->ports &&
	       a->proto == b->proto;
}

#define COUNT_BUCKET_BITS	12
_Static_assert(CMON_FLOW_SLOTS == CMON_FLOW_BUCKET << COUNT_BUCKET_BITS,
	       "buckets fill the row");

/* The bucket of @k's flow: CMON_FLOW_BUCKET slots, all its hops'.  One
 * multiply (Fibonacci hashing: the product's top bits depend on every
 * bit of the key), where a full mix (cmon_mix64) chains two. */
static struct cmon_flow_slot *count_bucket(struct cmon_flow_slot *row,
					   const struct ckey *k)
{
	uint64_t x = k->addrs ^ ((uint64_t)k->ports << 16 | k->proto);

	return &row[((x * 0x9e3779b97f4a7c15ULL) >> (64 - COUNT_BUCKET_BITS)) *
		    CMON_FLOW_BUCKET];
}

/* Where in its bucket the slot of hop @tp of @port usually is: a flow's
 * receive and send hops apart, the drops at a port apart from what it
 * sends, and the same hop at two ports whose numbers differ in the lowest
 * bit (a flow received, or sent, at two ports). */
static unsigned int count_home(uint8_t tp, uint16_t port)
{
	return (tp == CMON_TP_OVS_RX ? 0 : tp == CMON_TP_OVS_TX ? 1 : 3) ^
	       (port & 1) << 1;
}

/* Is slot @s one of @k's flow? */
static int slot_flow(const struct cmon_flow_slot *s, const struct ckey *k)
{
	uint64_t addrs;
	uint32_t ports;

	memcpy(&addrs, &s->saddr, 8);
	memcpy(&ports, &s->sport, 4);
	return s->gen && addrs == k->addrs && ports == k->ports &&
	       s->proto == k->proto;
}

/* The word of a slot that holds its hop @tp, @proto and @port. */
static inline uint32_t hop_word(uint8_t tp, uint8_t proto, uint16_t port)
{
	struct { uint8_t tp, proto; uint16_t port; } h = { tp, proto, port };
	uint32_t w;

	_Static_assert(offsetof(struct cmon_flow_slot, proto) ==
		       offsetof(struct cmon_flow_slot, tp) + 1 &&
		       offsetof(struct cmon_flow_slot, port) ==
		       offsetof(struct cmon_flow_slot, tp) + 2,
		       "a slot's hop is one word");
	memcpy(&w, &h, 4);
	return w;
}

/* Is slot @s @k's at hop @tp of @port (@reason for drops)?  Its words
 * compared: the hop's, the addresses', the ports' and the reason.  (A
 * slot in use has a tp, never 0, and only this thread writes it.) */
static inline int slot_is(const struct cmon_flow_slot *s,
			  const struct ckey *k, uint8_t tp, uint16_t port,
			  uint32_t reason)
{
	uint64_t addrs;
	uint32_t w, ports;

	memcpy(&w, &s->tp, 4);
	memcpy(&addrs, &s->saddr, 8);
	memcpy(&ports, &s->sport, 4);
	return w == hop_word(tp, (uint8_t)k->proto, port) &&
	       addrs == k->addrs && ports == k->ports && s->reason == reason;
}

/*
 * The slot of @k at hop @tp of @port (@reason) in its bucket @b, not at
 * the hop's own place in it (count_home), where the caller looked (*@hit
 * 1), or with @take one to take for it (*@hit 0), in this order: the
 * hop's own place if never used, another never used, the hop's own place
 * if another flow's, another flow's, and, the bucket all this flow's, the
 * hop's own place.  NULL: none.
 */
static struct cmon_flow_slot *bucket_slot(struct cmon_flow_slot *b,
					  const struct ckey *k, uint8_t tp,
					  uint16_t port, uint32_t reason,
					  int take, int *hit)
{
	unsigned int home = count_home(tp, port), i;
	struct cmon_flow_slot *s = &b[home], *empty = NULL;

	*hit = 1;
	for (i = 0; i < CMON_FLOW_BUCKET; i++) {
		if (i == home)
			continue;
		if (!b[i].gen)
			empty = empty ? empty : &b[i];
		else if (slot_is(&b[i], k, tp, port, reason))
			return &b[i];
	}
	*hit = 0;
	if (!take || !s->gen)
		return take ? s : NULL;
	if (empty || !slot_flow(s, k))
		return empty ? empty : s;
	for (i = 0; i < CMON_FLOW_BUCKET; i++)
		if (!slot_flow(&b[i], k))
			return &b[i];
	return s;
}

/* Add @packets (may be -1) and @bytes to slot @s. */
static inline void slot_add(struct cmon_flow_slot *s, int64_t packets,
			    int64_t bytes)
{
	__atomic_store_n(&s->packets, s->packets + packets, __ATOMIC_RELAXED);
	__atomic_store_n(&s->bytes, s->bytes + bytes, __ATOMIC_RELAXED);
}

/* Make slot @s, whose gen is @gen (0: never used), @k's at hop @tp of
 * @port (@reason), with @packets and @bytes, and, @left not NULL, the flow
 * its packets left as (CMON_TP_LEFT). */
static void slot_take(struct cmon_flow_slot *s, uint32_t gen,
		      const struct ckey *k, uint8_t tp, uint16_t port,
		      uint32_t reason, int64_t packets, int64_t bytes,
		      const struct ckey *left)
{
	/* odd while rewritten; readers retry or skip it (a seqcount: plain
	 * stores on x86, ordered by the fences) */
	__atomic_store_n(&s->gen, gen | 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy(&s->saddr, &k->addrs, 8);
	memcpy(&s->sport, &k->ports, 4);
	s->proto = (uint8_t)k->proto;
	s->tp = tp;
	s->port = port;
	s->reason = reason;
	__atomic_store_n(&s->packets, (uint64_t)packets, __ATOMIC_RELAXED);
	__atomic_store_n(&s->bytes, (uint64_t)bytes, __ATOMIC_RELAXED);
	if (left) {
		memcpy(&s->left_saddr, &left->addrs, 8);
		memcpy(&s->left_sport, &left->ports, 4);
		s->left_proto = (uint8_t)left->proto;
	}
	__atomic_store_n(&s->gen, (gen | 1) + 1, __ATOMIC_RELEASE);
}

/* count_add() of a key not at its own place in its bucket. */
static void count_elsewhere(struct cmon_flow_slot *b, const struct ckey *k,
			    uint8_t tp, uint16_t port, uint32_t reason,
			    int64_t packets, int64_t bytes, uint64_t *stat)
{
	int hit;
	struct cmon_flow_slot *s = bucket_slot(b, k, tp, port, reason,
					       packets > 0, &hit);

	if (!s)
		return;		/* its count went with the slot */
	if (hit) {
		slot_add(s, packets, bytes);
		return;
	}
	if (s->gen)
		count(stat, CMON_EV_FLOW_EVICTED);
	slot_take(s, s->gen, k, tp, port, reason, packets, bytes, NULL);
}

/* Add @packets (may be -1) and @bytes to @k's slot at hop @tp of @port
 * (@reason) in bucket @b, taking one if need be (only to add: a slot is
 * never taken to subtract).  Inline where it usually is, at the hop's own
 * place. */
static inline void count_add(struct cmon_flow_slot *b, const struct ckey *k,
			     uint8_t tp, uint16_t port, uint32_t reason,
			     int64_t packets, int64_t bytes, uint64_t *stat)
{
	struct cmon_flow_slot *s = &b[count_home(tp, port)];

	if (slot_is(s, k, tp, port, reason))
		slot_add(s, packets, bytes);
	else
		count_elsewhere(b, k, tp, port, reason, packets, bytes, stat);
}

/* The key of frame @i of a batch, kept beside it in @sides[i] (if any)
 * at the receive hop, taken from there at the others; -1 if the packet
 * is not IPv4.  (Inline, as count_key(): a key stored by a call and
 * loaded whole after it waits for the stores.) */
CMON_INLINE int batch_key(const uint8_t *const *frames, const uint32_t *lens,
			  struct cmon_dp_side *const *sides, unsigned int i,
			  uint8_t tp, uint16_t port, struct ckey *k)
{
	struct cmon_dp_side *s = sides ? sides[i] : NULL;
	int rx = tp == CMON_TP_OVS_RX;

	if (s && !rx && s->keyed) {
		*k = (struct ckey){ s->addrs, s->ports, s->bytes, s->proto };
		return 0;
	}
	if (count_key(frames[i], lens[i], k)) {
		if (s && rx)
			s->keyed = 0;
		return -1;
	}
	if (s && rx) {
		s->addrs = k->addrs;
		s->ports = k->ports;
		s->bytes = (uint16_t)k->bytes;
		s->proto = (uint8_t)k->proto;
		s->in_port = port;
		s->keyed = 1;
	}
	return 0;
}

/*
 * Per batch: the runs of one flow (consecutive frames, other frames
 * between them left out) with each run's bucket fetched ahead (another
 * cache line per flow), then one update per run: @sign times its packets
 * and bytes to @tp's slot (for CMON_TP_DROPS, of @reason) and, with @drop
 * (taking back what the send hop counted), as many to the slot of the
 * drops for @reason, in the same bucket.
 */
#define COUNT_CHUNK	32

static void count_runs(struct cmon_flow_slot *row, const uint8_t *const *frames,
		       const uint32_t *lens, struct cmon_dp_side *const *sides,
		       unsigned int n, uint8_t tp, uint16_t port,
		       uint32_t reason, int sign, int drop, uint64_t *stat)
{
	uint32_t why = tp == CMON_TP_DROPS ? reason : 0;
	unsigned int home = count_home(tp, port);
	struct run {
		struct ckey k;		/* bytes: the run's */
		struct cmon_flow_slot *bucket;
		int64_t packets;
	} run[COUNT_CHUNK];
	unsigned int base, m, i, nr;
	struct ckey k;

	for (base = 0; base < n; base += m) {
		m = n - base < COUNT_CHUNK ? n - base : COUNT_CHUNK;
		for (i = 0, nr = 0; i < m; i++) {
			if (batch_key(frames, lens, sides, base + i, tp, port,
				      &k))
				continue;
			if (nr && key_same(&k, &run[nr - 1].k)) {
				run[nr - 1].k.bytes += k.bytes;
				run[nr - 1].packets++;
				continue;
			}
			run[nr].k = k;
			run[nr].packets = 1;
			run[nr].bucket = count_bucket(row, &k);
			__builtin_prefetch(&run[nr].bucket[home], 1);
			nr++;
		}
		for (i = 0; i < nr; i++) {
			const struct run *r = &run[i];

			count_add(r->bucket, &r->k, tp, port, why,
				  sign * r->packets, sign * (int64_t)r->k.bytes,
				  stat);
			if (drop)
				count_add(r->bucket, &r->k, CMON_TP_DROPS, port,
					  reason, r->packets, r->k.bytes, stat);
		}
	}
}

void cmon_dp_count(struct cmon_flow_slot *row, const uint8_t *const *frames,
		   const uint32_t *lens, struct cmon_dp_side *const *sides,
		   unsigned int n, uint8_t tp, uint16_t port, uint32_t reason,
		   uint64_t *stat)
{
	count_runs(row, frames, lens, sides, n, tp, port, reason, 1, 0, stat);
}

void cmon_dp_uncount(struct cmon_flow_slot *row, const uint8_t *const *frames,
		     const uint32_t *lens, struct cmon_dp_side *const *sides,
		     unsigned int n, uint16_t port, uint32_t reason,
		     uint64_t *stat)
{
	count_runs(row, frames, lens, sides, n, CMON_TP_OVS_TX, port, reason,
		   -1, 1, stat);
}

/* Is @l the flow that slot @s says its packets left as? */
static int left_is(const struct cmon_flow_slot *s, const struct ckey *l)
{
	uint64_t addrs;
	uint32_t ports;

	memcpy(&addrs, &s->left_saddr, 8);
	memcpy(&ports, &s->left_sport, 4);
	return addrs == l->addrs && ports == l->ports &&
	       s->left_proto == l->proto;
}

/* @packets of @k's flow (@k's bytes theirs) left port @port as flow @l. */
static void count_left(struct cmon_flow_slot *row, const struct ckey *k,
		       const struct ckey *l, uint16_t port, int64_t packets,
		       uint64_t *stat)
{
	struct cmon_flow_slot *b = count_bucket(row, k), *s;
	int hit = 1;

	s = &b[count_home(CMON_TP_LEFT, port)];
	if (!slot_is(s, k, CMON_TP_LEFT, port, 0))
		s = bucket_slot(b, k, CMON_TP_LEFT, port, 0, 1, &hit);
	if (hit && left_is(s, l)) {
		slot_add(s, packets, (int64_t)k->bytes);
		return;
	}
	if (s->gen && !hit)
		count(stat, CMON_EV_FLOW_EVICTED);
	/* (the flow now leaves as another: its count starts anew) */
	slot_take(s, s->gen, k, CMON_TP_LEFT, port, 0, packets,
		  (int64_t)k->bytes, l);
}

void cmon_dp_count_left(struct cmon_flow_slot *row,
			const uint8_t *const *frames, const uint32_t *lens,
			struct cmon_dp_side *const *sides, unsigned int n,
			uint16_t port, uint64_t *stat)
{
	struct ckey k, l, run_k = { 0 }, run_l = { 0 };
	int64_t packets = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		const struct cmon_dp_side *s = sides[i];

		if (!s || s->keyed != 1 ||	/* not counted, or pushed */
		    count_key(frames[i], lens[i], &l))
			continue;
		k = (struct ckey){ s->addrs, s->ports, s->bytes, s->proto };
		if (key_same(&k, &l))
			continue;
		if (packets && key_same(&k, &run_k) && key_same(&l, &run_l)) {
			run_k.bytes += k.bytes;
			packets++;
			continue;
		}
		if (packets)
			count_left(row, &run_k, &run_l, port, packets, stat);
		run_k = k;
		run_l = l;
		packets = 1;
	}
	if (packets)
		count_left(row, &run_k, &run_l, port, packets, stat);
}
