/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Maps and tunables shared by every kernel hop program, and the small
 * helpers that update them.  Header-only, included once by the entry file.
 */
#ifndef CMON_MAPS_BPF_H
#define CMON_MAPS_BPF_H

/* The kernel's sk_buff behind a tc context (the verifier inlines it). */
extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;
/* Memory read as a kernel type, each load guarded (inlined too). */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;
/* The conntrack entry of a tuple, taken (and given back). */
extern struct nf_conn *bpf_skb_ct_lookup(struct __sk_buff *skb,
					 struct bpf_sock_tuple *tuple,
					 __u32 tuple__sz,
					 struct bpf_ct_opts *opts,
					 __u32 opts__sz) __ksym;
extern void bpf_ct_release(struct nf_conn *ct) __ksym;

/*
 * Sampling, which the agent changes live (monitoring rules): a pair
 * traces 1 packet in its cmon_sample_pairs entry's N, else 1 in
 * cmon_sample_n.  cmon_sample_base divides every N in force, so a packet
 * it leaves out every pair leaves out, and the fast path decides without
 * finding the pair; cmon_sample_npairs is 0 while the map is empty.
 */
__u32 cmon_sample_n = CMON_DEFAULT_SAMPLE;
__u32 cmon_sample_base = CMON_DEFAULT_SAMPLE;
__u32 cmon_sample_npairs = 0;
/* Capture stripped packets into cmon_pcap_rb (pcap dumps: --pcap, or a
 * monitoring rule's capture), which the agent turns on and off. */
__u8 cmon_capture = 0;
/*
 * The agent's heartbeat: no packet is traced (stamped) once the
 * monotonic clock passes it.  The agent moves it on while it runs, so
 * hops it could not remove (clsact filters after a SIGKILL) go on
 * counting and stripping but add nothing to a packet.
 */
__u64 cmon_alive_until = 0;

/*
 * Moved on by the agent after each change to cmon_peers or cmon_subnets:
 * a destination's verdict kept in a hop slot (cmon_dst_of()) is good
 * while its dst_gen is this.  Never 0, which a slot taken anew has.
 */
__u32 cmon_peers_gen = 1;

/* The host's own addresses' bits (cmon_host_bit()), set by the agent. */
__u64 cmon_host_bits[CMON_HOST_BITS / 64];

/* Tunables, set by the agent before load. */
const volatile __u8 cmon_node_id = 0;
const volatile __u64 cmon_key = 0;
/* Stamp with CLOCK_TAI (PTP-synchronised nodes) instead of MONOTONIC. */
const volatile __u8 cmon_clock_tai = 0;
/* Added to every stamp: a test knob simulating an unsynchronised node. */
const volatile __s64 cmon_clock_offset = 0;
/* Container transmit/receive hops attached (cmon_ct_tx/rx). */
const volatile __u8 cmon_ct_hops = 0;
/*
 * Records per CPU in cmon_rec_ring, a power of two (max_entries is this
 * times the possible CPUs; both set by the agent).  Each CPU wakes the
 * agent once every cmon_wake_mask + 1 records it writes there (a quarter
 * of its ring): a wakeup is an interrupt the sending CPU raises, dear in
 * a VM.  Between wakeups the agent reads the rings every 100 ms anyway.
 */
const volatile __u32 cmon_rec_slots = CMON_REC_SLOTS;
const volatile __u32 cmon_wake_mask = CMON_REC_SLOTS / 4 - 1;
/* Plain packets nothing happens to take the short path (parse.bpf.h),
 * and a trailer's packet has its checksums kept by the program
 * (carrier.bpf.h); 0 sends every packet down the full path and keeps
 * checksums with the kernel's helpers (tests compare the two). */
const volatile __u8 cmon_fast_path = 1;
/* Slots per CPU in cmon_hop_cache, a power of two (max_entries is this
 * times the possible CPUs; both set by the agent). */
const volatile __u32 cmon_hop_slots = CMON_HOP_SLOTS;
/* 1: the CPU makes stores visible in program order (x86's TSO; set by
 * the agent), so a plain store of a ring's head publishes the record
 * written before it; 0: an atomic add does, a full barrier, which waits
 * for the record's stores to reach the cache (a ring slot's line is cold). */
const volatile __u8 cmon_stores_ordered = 0;
/* Words in cmon_seq, a power of two (twice its max_entries; set by the
 * agent). */
const volatile __u32 cmon_seq_slots = CMON_SEQ_SLOTS;
/* 1: a packet towards a container on this node whose strip hop takes
 * the same skb (cmon_skb_anns) leaves its annotation beside it, not in
 * it (set by the agent; tests run both). */
const volatile __u8 cmon_skb_carrier = 0;

/*
 * Addresses with a strip hop on this node (value: CMON_PEER_*): containers
 * (their veth's egress) and the host's own (its bridges' ingress).  Only
 * packets towards these, or towards cmon_subnets, are stamped.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u32);
} cmon_peers SEC(".maps");

/*
 * Remote container subnets (other nodes' pods behind an overlay): their
 * own node's agent strips, so packets towards them are stamped too.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 256);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct cmon_lpm_key);
	__type(value, __u32);
} cmon_subnets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CMON_SAMPLE_PAIRS);
	__type(key, struct cmon_pair_key);
	__type(value, __u32);
} cmon_sample_pairs SEC(".maps");

/* Devices whose kfree_skb drops are attributed (value: cmon_dev_role). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct cmon_dev_key);
	__type(value, __u32);
} cmon_devs SEC(".maps");

/* Next sequence number per flow (stamp hop): buckets of two words
 * (cmon_seq_take(), cmon/annotation.h). */
struct cmon_seq_bucket {
	__u64 w[2];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CMON_SEQ_SLOTS / 2);
	__type(key, __u32);
	__type(value, struct cmon_seq_bucket);
} cmon_seq SEC(".maps");

/*
 * Per-flow per-hop counters of every packet: a per-CPU direct-mapped cache
 * in front of a hash.  Counting a packet touches one slot (one cache line,
 * found without the map code's hashing); a slot wanted by another key
 * first adds its counts to cmon_hops.  A hop's count is cmon_hops plus the
 * slots holding its key (the agent reads the cache through mmap).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, CMON_HOP_SLOTS);
	__type(key, __u32);
	__type(value, struct cmon_hop_slot);
} cmon_hop_cache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct cmon_hop_key);
	__type(value, struct cmon_hop_count);
} cmon_hops SEC(".maps");

/*
 * Flows the node NATed on their way to a container's veth (DNAT to a
 * service address or a published port): the flow as the container gets
 * it, to the flow as its sender sent it (cmon_flow_unnat()), for the
 * drops in the receiving container, whose packets no longer carry their
 * conntrack entry there (it stays in the node's namespace).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct cmon_flow_key);
	__type(value, struct cmon_flow_key);
} cmon_nat SEC(".maps");

/*
 * Flows the node NATed on their way from one of its containers to another
 * node (a service address DNATed to a pod there, a published port's
 * replies): the flow as its sender sent it, to the flow as it leaves by
 * the overlay (cmon_ovl_out).  The other node counts it in the second
 * only; the agent counts the sender's first hop, and its drops here, in
 * it too.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct cmon_flow_key);
	__type(value, struct cmon_flow_key);
} cmon_nat_out SEC(".maps");

/* A conntrack lookup's question (cmon_nat_dst()), off the stack: this
 * CPU's. */
struct cmon_ct_query {
	struct bpf_sock_tuple tuple;
	struct bpf_ct_opts opts;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cmon_ct_query);
} cmon_ct_query SEC(".maps");

/*
 * Addresses the node DNATs to a container (service addresses, published
 * ports), as the stamp hop found them (cmon_nat_dst()): the containers'
 * own transmit hop (cmon_ct_tx, in the container's namespace, which has
 * no such conntrack entry) takes a traced packet's time towards them too.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} cmon_nat_addrs SEC(".maps");

/*
 * Flows a switch after this node's hops rewrites towards one of its
 * containers (an Open vSwitch NAT, cmon_kagent_renamed()), as sent: the
 * stamp hop traces them, with the IPv4 option (a receiver no hop strips
 * for, should the switch's rules change, ignores it).  cmon_nrenamed is
 * 0 while the map is empty.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CMON_MAX_RENAMED);
	__type(key, struct cmon_flow_key);
	__type(value, __u8);
} cmon_renamed SEC(".maps");
__u32 cmon_nrenamed = 0;

/* Drops by flow, device and reason. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct cmon_drop_key);
	__type(value, __u64);
} cmon_drops SEC(".maps");

/* Drops the agent reads (struct cmon_drop_ev): see cmon_kfree_skb. */
struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} cmon_drop_ev SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CMON_EV_MAX);
	__type(key, __u32);
	__type(value, __u64);
} cmon_stats SEC(".maps");

/*
 * The skb carrier: between a stamp hop and the strip hop of a container
 * on this node, a packet stays in one buffer on one CPU (a bridge
 * forwards, or the host routes, in the same call), so its annotation can
 * wait beside it, in this CPU's slot for the buffer's address (skb->head,
 * which the copies a bridge floods share), instead of riding in its
 * bytes: nothing is resized, nothing rewritten, no checksum touched.
 * The first strip hop to see the buffer takes the slot (a flooded packet
 * makes one record, not one per copy); one that holds a packet that
 * never came (dropped on its way: its sequence number is missed, as any
 * lost packet's) is taken over, counted (skb_unclaimed), once it is 10 ms
 * old.  A slot still in use sends the packet to the carriers in its
 * bytes.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CMON_SKB_SLOTS);
	__type(key, __u32);
	__type(value, struct cmon_skb_ann);
} cmon_skb_anns SEC(".maps");

#define CMON_SKB_STALE_NS	10000000ULL
_Static_assert(CMON_SKB_SLOTS == 16, "cmon_skb_slot() takes 4 bits");

/* This CPU's slot in cmon_skb_anns for the buffer at @addr. */
static __always_inline struct cmon_skb_ann *cmon_skb_slot(__u64 addr)
{
	__u32 idx = bpf_get_smp_processor_id() * CMON_SKB_SLOTS +
		    (__u32)((addr * 0x9e3779b97f4a7c15ULL) >> 60);

	return bpf_map_lookup_elem(&cmon_skb_anns, &idx);
}

/*
 * The container's own hops, keyed by skb address (the same skb goes
 * from a container's eth0 to the host-side veth and back):
 * cmon_pre holds the container transmit time of a sampled packet until the
 * stamp hop takes it; cmon_post holds the record of a stripped packet until
 * the container's receive completes it.  Each value carries the packet's
 * sampling hash or length so a reused skb address is never mistaken.
 */
struct cmon_pre_val {
	__u64 ts;
	__u32 hash;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct cmon_pre_val);
} cmon_pre SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct cmon_record);
} cmon_post SEC(".maps");

/*
 * Trace records to the agent: a ring per CPU in an array the agent maps
 * (cmon_rec_slots records each; where each stands in cmon_rec_pos).  A
 * record costs a copy and a few stores there, where bpf_ringbuf_output()
 * takes a lock with interrupts off: 80-90 ns a record on this kind of
 * VM.  cmon_rb carries the wakeups, and the records of a program that
 * found its CPU's ring in use (cmon_submit()).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, CMON_REC_SLOTS);
	__type(key, __u32);
	__type(value, struct cmon_record);
} cmon_rec_ring SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cmon_rec_pos);
} cmon_rec_pos SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 18);
} cmon_rb SEC(".maps");

/* Packets as the strip hop saw them, for pcap dumps (cmon_capture). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} cmon_pcap_rb SEC(".maps");

#define CMON_DST_LOCAL	1	/* the host, or a container behind a switch */
#define CMON_DST_REMOTE	2	/* in a peer subnet: another node strips */
#define CMON_DST_SKB	3	/* a container whose strip hop takes the
				 * same skb (cmon_skb_anns) */

/* What @addr is on this node (CMON_PEER_*), or 0. */
static __always_inline __u32 cmon_peer_of(__u32 addr)
{
	__u32 *v = bpf_map_lookup_elem(&cmon_peers, &addr);

	return v ? *v : 0;
}

/* Might @addr be one of the host's own addresses: is its bit set in
 * cmon_host_bits?  (A load and a test, where the map is a call.) */
static __always_inline int cmon_host_maybe(__u32 addr)
{
	__u32 b = cmon_host_bit(addr);

	return (cmon_host_bits[b / 64] >> (b % 64)) & 1;
}

/* Is @addr one of the host's own addresses? */
static __always_inline int cmon_host_addr(__u32 addr)
{
	return cmon_host_maybe(addr) && cmon_peer_of(addr) == CMON_PEER_HOST;
}

/* Is @addr in a peer subnet (another node's pods)? */
static __always_inline int cmon_in_subnets(__u32 addr)
{
	struct cmon_lpm_key k = { .prefixlen = 32, .addr = addr };

	return !!bpf_map_lookup_elem(&cmon_subnets, &k);
}

/* Where the strip hop for @daddr is, or 0 if it has none. */
static __always_inline int cmon_dst_monitored(__u32 daddr)
{
	__u32 *v = bpf_map_lookup_elem(&cmon_peers, &daddr);

	if (v)
		return *v == CMON_PEER_CT ? CMON_DST_SKB : CMON_DST_LOCAL;
	return cmon_in_subnets(daddr) ? CMON_DST_REMOTE : 0;
}

/* The time of every stamp this node writes. */
static __always_inline __u64 cmon_now(void)
{
	__u64 t = cmon_clock_tai ? bpf_ktime_get_tai_ns() : bpf_ktime_get_ns();

	return t + cmon_clock_offset;
}

/*
 * Is a packet of @f with sampling hash @hash traced?  Not while the agent's
 * heartbeat (cmon_alive_until) is past.  If it is, *@now is the time of its
 * stamp (cmon_now()): on the monotonic clock, the one read serves both.
 */
static __always_inline int cmon_traced(const struct cmon_flow_key *f,
				       __u32 hash, __u64 *now)
{
	struct cmon_pair_key k = { .saddr = f->saddr, .daddr = f->daddr,
				   .proto = f->proto };
	__u32 n = cmon_sample_n, *pn;
	__u64 mono;

	if (cmon_sample_npairs && (pn = bpf_map_lookup_elem(&cmon_sample_pairs,
							     &k)))
		n = *pn;
	if (cmon_sample_skip(n, hash))
		return 0;
	mono = bpf_ktime_get_ns();
	if (mono > cmon_alive_until)
		return 0;
	*now = (cmon_clock_tai ? bpf_ktime_get_tai_ns() : mono) +
	       cmon_clock_offset;
	return 1;
}

static __always_inline void cmon_stat_add(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&cmon_stats, &idx);

	if (v)
		*v += n;
}

static __always_inline void cmon_stat(__u32 idx)
{
	cmon_stat_add(idx, 1);
}

/*
 * Add to a hop's counts in cmon_hops, making its entry if need be (one
 * made by another CPU meanwhile is added to: nothing is lost to the race).
 */
static __always_inline void cmon_hops_add(const struct cmon_hop_key *k,
					  __u64 packets, __u64 bytes)
{
	struct cmon_hop_count *c = bpf_map_lookup_elem(&cmon_hops, k);

	if (!c) {
		struct cmon_hop_count init = { .packets = packets,
					       .bytes = bytes,
					       .born = bpf_ktime_get_ns() | 1 };

		if (!bpf_map_update_elem(&cmon_hops, k, &init, BPF_NOEXIST)) {
			cmon_stat(CMON_EV_HOP_NEW);
			return;
		}
		c = bpf_map_lookup_elem(&cmon_hops, k);
		if (!c)
			return;
	}
	c->packets += packets;
	c->bytes += bytes;
}

/* @flow's key at hop @tp on this node. */
static __always_inline struct cmon_hop_key
cmon_hop_key_of(const struct cmon_flow_key *flow, __u8 tp)
{
	return (struct cmon_hop_key){
		.flow = { .saddr = flow->saddr, .daddr = flow->daddr,
			  .sport = flow->sport, .dport = flow->dport,
			  .proto = flow->proto },
		.tp = tp, .node = cmon_node_id };
}

/* cmon_hops_add() of @flow at hop @tp (out of line: its key's room on
 * the stack is needed only here). */
static __noinline void cmon_hops_add_flow(const struct cmon_flow_key *flow,
					  __u8 tp, __u32 segs, __u32 bytes)
{
	struct cmon_hop_key k = cmon_hop_key_of(flow, tp);

	cmon_hops_add(&k, segs, bytes);
}

/* Hand slot @s to @flow at hop @tp: its old key's counts go to cmon_hops
 * first. */
static __noinline void cmon_slot_take(struct cmon_hop_slot *s,
				      const struct cmon_flow_key *flow,
				      __u8 tp, __u32 segs, __u32 bytes)
{
	/* odd: a reader retries rather than see the counts twice */
	s->gen++;
	if (s->packets)
		cmon_hops_add(&s->key, s->packets, s->bytes);
	if (cmon_tp_stat(s->key.tp) == CMON_SLOT_STAMPS) {
		if (s->sampled_out)
			cmon_stat_add(CMON_EV_SAMPLED_OUT, s->sampled_out);
		if (s->stamped)
			cmon_stat_add(CMON_EV_STAMPED, s->stamped);
	} else if (cmon_tp_stat(s->key.tp) == CMON_SLOT_WRITES) {
		if (s->written)
			cmon_stat_add(CMON_EV_WRITTEN, s->written);
	} else {
		if (s->stripped)
			cmon_stat_add(CMON_EV_STRIPPED, s->stripped);
		if (s->records)
			cmon_stat_add(CMON_EV_RECORDS, s->records);
	}
	s->key = cmon_hop_key_of(flow, tp);
	s->packets = segs;
	s->bytes = bytes;
	s->sampled_out = 0;
	s->stamped = 0;
	s->dst_gen = 0;
	s->nat_skip = 0;
	s->gen++;
}

_Static_assert(sizeof(struct cmon_flow_key) == 16 &&
	       __builtin_offsetof(struct cmon_hop_key, tp) == 16 &&
	       __builtin_offsetof(struct cmon_hop_key, node) == 17,
	       "a hop key is compared as two words and tp, node");
/* The first two words of a struct cmon_flow_key as they lie in memory
 * (its padding zero), and its hop key's tp and node as their 16 bits. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define cmon_key_w0(f)	((__u64)(f)->daddr << 32 | (f)->saddr)
#define cmon_key_w1(f)	((__u64)(f)->proto << 32 | (__u32)(f)->dport << 16 | \
			 (f)->sport)
#define cmon_key_tpnode(tp)	((__u16)((tp) | (__u16)cmon_node_id << 8))
#else
#define cmon_key_w0(f)	((__u64)(f)->saddr << 32 | (f)->daddr)
#define cmon_key_w1(f)	((__u64)(f)->sport << 48 | (__u64)(f)->dport << 32 | \
			 (__u32)(f)->proto << 24)
#define cmon_key_tpnode(tp)	((__u16)((tp) << 8 | cmon_node_id))
#endif

/*
 * Count a packet (@segs segments, @bytes) of @flow at hop @tp: in this
 * CPU's slot of the hop cache, returned (NULL: counted in cmon_hops).  A
 * flow's two hops on the node have the two slots of one 128-byte pair
 * (cmon_tp_exits()): where a packet crosses both on one CPU, the second
 * finds its line, and its page, just used by the first.  The slot's key
 * is compared as the words it lies in (the hop key is built on the stack
 * only when a slot changes hands).
 */
static __always_inline struct cmon_hop_slot *
cmon_count_hop(const struct cmon_flow_key *flow, __u8 tp, __u32 segs,
	       __u32 bytes)
{
	__u64 w0 = cmon_key_w0(flow), w1 = cmon_key_w1(flow);
	/* (the word the sampling hash starts from, which the stamp hop
	 * has made already) */
	__u64 x = cmon_flow_word(flow->saddr, flow->daddr,
				 (__u32)flow->sport << 16 | flow->dport,
				 flow->proto);
	__u32 h = (x * 0x9e3779b97f4a7c15ULL) >> 48, n = cmon_hop_slots;
	__u32 idx = bpf_get_smp_processor_id() * n +
		    (((h & ~1U) | cmon_tp_exits(tp)) & (n - 1));
	struct cmon_hop_slot *s = bpf_map_lookup_elem(&cmon_hop_cache, &idx);

	if (!s) {
		cmon_hops_add_flow(flow, tp, segs, bytes);
		return NULL;
	}
	if (*(__u64 *)&s->key.flow == w0 &&
	    *((__u64 *)&s->key.flow + 1) == w1 &&
	    *(__u16 *)&s->key.tp == cmon_key_tpnode(tp)) {
		s->packets += segs;
		s->bytes += bytes;
		return s;
	}
	cmon_slot_take(s, flow, tp, segs, bytes);
	return s;
}

/* A packet sampling left out at a stamp hop, or one it stamped, counted
 * in its flow's hop slot @s (cmon_count_hop()'s). */
static __always_inline void cmon_count_sampled_out(struct cmon_hop_slot *s)
{
	if (s)
		s->sampled_out++;
	else
		cmon_stat(CMON_EV_SAMPLED_OUT);
}

static __always_inline void cmon_count_stamped(struct cmon_hop_slot *s)
{
	if (s)
		s->stamped++;
	else
		cmon_stat(CMON_EV_STAMPED);
}

/* A packet an overlay's hop wrote its slot into, counted in its flow's
 * hop slot @s, if any. */
static __always_inline void cmon_count_written(struct cmon_hop_slot *s)
{
	if (s)
		s->written++;
	else
		cmon_stat(CMON_EV_WRITTEN);
}

/* A packet a strip hop stripped, and (@rec) whose record it wrote,
 * counted in its flow's hop slot @s, if any. */
static __always_inline void cmon_count_stripped(struct cmon_hop_slot *s,
						int rec)
{
	if (s) {
		s->stripped++;
		s->records += rec;
		return;
	}
	cmon_stat(CMON_EV_STRIPPED);
	if (rec)
		cmon_stat(CMON_EV_RECORDS);
}

/* cmon_dst_monitored() of @daddr, the flow's of hop slot @s: kept there
 * until the maps it reads change (a map lookup is a call, dear where
 * every packet is stamped).  The verdict is of the slot's destination
 * alone, so it is taken and kept only while the slot holds @daddr. */
static __always_inline int cmon_dst_of(struct cmon_hop_slot *s, __u32 daddr)
{
	__u32 gen = cmon_peers_gen;
	int dst;

	if (s && s->dst_gen == gen && s->key.flow.daddr == daddr)
		return s->dst;
	dst = cmon_dst_monitored(daddr);
	if (s && s->key.flow.daddr == daddr) {
		s->dst = dst;
		s->dst_gen = gen;
	}
	return dst;
}

/* The next sequence number of @flow, from 1 (cmon_seq_take()); 0 if
 * other CPUs kept changing its word (counted: the packet is not traced). */
static __always_inline __u32 cmon_next_seq(const struct cmon_flow_key *flow)
{
	__u64 h = cmon_seq_hash(flow->saddr, flow->daddr, flow->sport,
				flow->dport, flow->proto);
	__u32 idx = (__u32)h & (cmon_seq_slots / 2 - 1), n;
	struct cmon_seq_bucket *b = bpf_map_lookup_elem(&cmon_seq, &idx);
	int taken = 0;

	if (!b)
		return 0;
	n = cmon_seq_take(b->w, h, &taken);
	if (!n)
		cmon_stat(CMON_EV_SKIP_SEQ);
	else if (taken)
		cmon_stat(CMON_EV_SEQ_TAKEN);
	return n;
}

/* Keep the compiler from moving memory accesses across this point. */
#define cmon_barrier()	asm volatile("" ::: "memory")

/*
 * Copy a finished record to this CPU's ring (cmon_rec_ring), waking the
 * agent at every cmon_wake_mask + 1-th: 1, or 0 for a full ring (counted).
 * The caller counts the record.  Programs on one CPU run one after
 * another, but a tracepoint's can run from an interrupt of another's: one
 * that finds the ring in use (busy) sends its record through cmon_rb
 * instead.
 */
static __always_inline int cmon_put_record(const struct cmon_record *rec)
{
	__u32 cpu = bpf_get_smp_processor_id(), idx;
	struct cmon_rec_pos *pos = bpf_map_lookup_elem(&cmon_rec_pos, &cpu);
	struct cmon_record *slot;
	__u64 head;

	if (!pos || pos->busy) {
		if (!bpf_ringbuf_output(&cmon_rb, (void *)rec, sizeof(*rec), 0))
			return 1;
		cmon_stat(CMON_EV_RING_FULL);
		return 0;
	}
	pos->busy = 1;
	cmon_barrier();
	head = pos->head;
	idx = cpu * cmon_rec_slots + ((__u32)head & (cmon_rec_slots - 1));
	slot = bpf_map_lookup_elem(&cmon_rec_ring, &idx);
	if (!slot || head - *(volatile __u64 *)&pos->tail >= cmon_rec_slots) {
		cmon_barrier();
		pos->busy = 0;
		cmon_stat(CMON_EV_RING_FULL);
		return 0;
	}
	__builtin_memcpy(slot, rec, sizeof(*rec));
	/* the record before the head that shows it */
	if (cmon_stores_ordered) {
		cmon_barrier();
		*(volatile __u64 *)&pos->head = head + 1;
	} else {
		__sync_fetch_and_add(&pos->head, 1);
	}
	cmon_barrier();
	pos->busy = 0;
	if (!((head + 1) & cmon_wake_mask))
		bpf_ringbuf_output(&cmon_rb, &head, sizeof(head),
				   BPF_RB_FORCE_WAKEUP);
	return 1;
}

/* cmon_put_record(), the record counted. */
static __always_inline void cmon_submit(const struct cmon_record *rec)
{
	if (cmon_put_record(rec))
		cmon_stat(CMON_EV_RECORDS);
}

#endif /* CMON_MAPS_BPF_H */
