/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Types shared by the kernel BPF programs (bpf/cmon-kern.bpf.c) and the
 * agent that loads them (kmod-free/): map keys and values, counters.
 */
#ifndef CMON_KERN_H
#define CMON_KERN_H

#include "cmon/annotate.h"
#include "cmon/events.h"

/* Default sampling: 1 packet in CMON_DEFAULT_SAMPLE is traced. */
#define CMON_DEFAULT_SAMPLE	32

/* A unidirectional IPv4 flow (network byte order). */
struct cmon_flow_key {
	__u32 saddr;
	__u32 daddr;
	__u16 sport;		/* ICMP: echo id */
	__u16 dport;		/* ICMP: 0 */
	__u8 proto;
	__u8 pad[3];
};

/* A pair's own sampling (cmon_sample_pairs): its addresses and protocol. */
struct cmon_pair_key {
	__u32 saddr;
	__u32 daddr;
	__u8 proto;
	__u8 pad[3];
};

/* Entries of cmon_sample_pairs: pairs with a rule's own sampling. */
#define CMON_SAMPLE_PAIRS	16384

/* Per-flow per-hop counter key: every packet, traced or not. */
struct cmon_hop_key {
	struct cmon_flow_key flow;
	__u8 tp;		/* enum cmon_tp */
	__u8 node;
	__u8 pad[2];
};

struct cmon_hop_count {
	__u64 packets;		/* GSO segments count individually */
	__u64 bytes;		/* IPv4 bytes, annotation excluded */
	__u64 born;		/* when the entry was made (set on the CPU
				 * that made it): a new one means the last
				 * was evicted */
};

/*
 * A slot of the per-CPU hop counter cache (cmon_hop_cache): counts of one
 * hop key since the slot took it, one cache line.  gen is odd while the
 * slot changes hands (its counts go to cmon_hops first).  A slot also
 * counts two statistics of its hop's packets (less what cmon_stats holds
 * of them: a statistic counted there would be one more line, and page, to
 * touch for every packet): a stamp hop's, those sampling left out and
 * those it stamped; an overlay's hop's, those it wrote its slot into; any
 * other hop's, those it stripped and the records it wrote (cmon_tp_stat()).
 * A stamp hop's slot keeps where its flow's destination is
 * (cmon_dst_monitored()), valid while dst_gen is cmon_peers_gen (never 0),
 * and, for a destination without a strip hop, how many of the flow's
 * traced packets to let pass before conntrack is asked again whether it
 * NATs them to one (nat_skip).
 */
struct cmon_hop_slot {
	struct cmon_hop_key key;
	__u32 gen;
	__u64 packets;
	__u64 bytes;
	union {
		struct {			/* a stamp hop's */
			__u64 sampled_out;
			__u64 stamped;
		};
		struct {			/* an overlay's hop's */
			__u64 written;
			__u64 written_pad;
		};
		struct {			/* any other hop's */
			__u64 stripped;
			__u64 records;
		};
	};
	__u32 dst_gen;
	__u8 dst;
	__u8 nat_skip;
	__u8 pad[2];
};
_Static_assert(sizeof(struct cmon_hop_slot) == 64, "a hop slot is a line");

/* Which statistics the slots of hop @tp count (struct cmon_hop_slot). */
enum cmon_slot_stats {
	CMON_SLOT_STAMPS,	/* a stamp hop: sampled_out, stamped */
	CMON_SLOT_WRITES,	/* an overlay's hop: written */
	CMON_SLOT_STRIPS,	/* any other: stripped, records */
};

static inline enum cmon_slot_stats cmon_tp_stat(__u8 tp)
{
	return tp == CMON_TP_VETH_IN || tp == CMON_TP_HOST_OUT ?
	       CMON_SLOT_STAMPS :
	       tp == CMON_TP_OVL_OUT || tp == CMON_TP_OVL_IN ?
	       CMON_SLOT_WRITES : CMON_SLOT_STRIPS;
}

/*
 * Is @tp a hop where packets leave the node's part of a path (its slot
 * the odd one of its flow's pair)?  A flow meets at most two counting
 * hops on a node, one where it enters (veth_in, host_out, ovl_in) and one
 * where it leaves (veth_out, host_in, ovl_out).
 */
static inline int cmon_tp_exits(__u8 tp)
{
	return tp == CMON_TP_VETH_OUT || tp == CMON_TP_HOST_IN ||
	       tp == CMON_TP_OVL_OUT;
}

/* Default slots per CPU in cmon_hop_cache (a power of two). */
#define CMON_HOP_SLOTS	1024

/* Default words in cmon_seq (a power of two; two a bucket). */
#define CMON_SEQ_SLOTS	262144

/*
 * Where a CPU's ring of trace records (cmon_rec_ring) stands: head, the
 * records its programs wrote; tail, those the agent read (the agent
 * alone writes it).  busy while a program writes one: another program
 * run from an interrupt of that one sends its record through cmon_rb.
 * Head and tail each have a cache line of their own.
 */
struct cmon_rec_pos {
	__u64 head;
	__u32 busy;
	__u32 pad;
	__u8 pad1[48];
	__u64 tail;
	__u8 pad2[56];
};

/* What the agent sets cmon_stores_ordered to: 1 where the CPU keeps
 * stores in program order (x86-64), so a ring's head is published by a
 * plain store. */
#if defined(__x86_64__)
#define CMON_STORES_ORDERED	1
#else
#define CMON_STORES_ORDERED	0
#endif

/* Default records per CPU in cmon_rec_ring (a power of two). */
#define CMON_REC_SLOTS	16384

/* kfree_skb drops on a monitored device, by flow and reason. */
struct cmon_drop_key {
	struct cmon_flow_key flow;	/* as its sender sent it */
	__u32 netns;		/* network namespace inode */
	__u32 ifindex;		/* device in that namespace */
	__u32 reason;		/* enum skb_drop_reason */
	__u32 nat_daddr;	/* NATed on its way: its destination there
				 * (where it was going); else 0 */
};

/*
 * A drop whose packet's headers are not in the skb's linear part (a frame
 * an af_packet socket sent from its ring: the bytes stay in the ring's
 * pages), for the agent to read: this, then the packet's first bytes
 * from skb->data (cmon_drop_ev).  key.flow is zero.
 */
struct cmon_drop_ev {
	struct cmon_drop_key key;
	__u32 nh;		/* the network header's offset in the bytes */
	__u32 len;		/* bytes that follow */
};

/* What an address in cmon_peers is: where the strip hop for it sits. */
#define CMON_PEER_CT	1	/* a container: its veth's egress strips */
#define CMON_PEER_HOST	2	/* the host: its bridges' ingress strips */
#define CMON_PEER_CT_SW	3	/* a container on a switch's port: its eth0's
				 * ingress strips (another skb: the switch
				 * sent the packet anew) */

/*
 * The host's own addresses (CMON_PEER_HOST in cmon_peers) have a bit each
 * in cmon_host_bits, of CMON_HOST_BITS: the bridges' hops, which ask of
 * every packet whether an address is the host's, ask cmon_peers (a call,
 * and its hash's lines) only where the bit is set.  The agent sets an
 * address's bit before the address goes into cmon_peers, and clears it
 * only after the address has left.
 */
#define CMON_HOST_BITS	256

static inline __u32 cmon_host_bit(__u32 addr)
{
	return (__u32)(addr * 0x9e3779b1U) >> 24;
}

/* Set @addr's bit in @bits, CMON_HOST_BITS of them (the agent's side). */
static inline void cmon_host_bit_set(__u64 *bits, __u32 addr)
{
	__u32 b = cmon_host_bit(addr);

	bits[b / 64] |= 1ULL << (b % 64);
}

/* Flows a switch rewrites towards a container that the stamp hops trace
 * (cmon_renamed). */
#define CMON_MAX_RENAMED	4096

/* Slots per CPU in cmon_skb_anns (max_entries: this times the possible
 * CPUs, set by the agent). */
#define CMON_SKB_SLOTS	16

/* A slot of cmon_skb_anns (bpf/maps.bpf.h: the skb carrier). */
struct cmon_skb_ann {
	__u64 skb;		/* its buffer's address; 0: free */
	__u64 t;		/* stamp time (the stamp hop's clock) */
	__u32 len;		/* skb->len: the same packet, not a reused
				 * buffer's */
	struct cmon_ann ann;
	__u8 pad[6];
};

_Static_assert(sizeof(struct cmon_skb_ann) == 64, "a slot is a cache line");

/* Key of the remote-subnet LPM trie (addr in network order). */
struct cmon_lpm_key {
	__u32 prefixlen;
	__u32 addr;
};

/* A monitored device: (namespace inode, ifindex). */
struct cmon_dev_key {
	__u32 netns;
	__u32 ifindex;
};

/* What a monitored device is (cmon_devs value). */
enum cmon_dev_role {
	CMON_DEV_PORT = 1,	/* host side of a container veth */
	CMON_DEV_CT = 2,	/* container's eth0 */
	CMON_DEV_BRIDGE = 3,	/* the bridge itself (host stack hops) */
	CMON_DEV_OVERLAY = 4,	/* an overlay (VXLAN) device */
	CMON_DEV_CT_RX = 5,	/* container's eth0 whose port has no
				 * stamp hop (Open vSwitch's af_packet
				 * port): its receive hop and drops */
	CMON_DEV_UPLINK = 6,	/* a bridge's port to no container (to
				 * the switch's trunk, a NIC): its drops */
};

/* Counters of work done and not done: the per-CPU array cmon_stats, indexed
 * by enum cmon_event (cmon/events.h). */

/* Bytes of a stripped packet captured for pcap dumps (cmon-dpdk --pcap). */
#define CMON_PCAP_SNAP	2048

/*
 * A traced packet as its strip hop saw it, annotation included
 * (cmon_pcap_rb), captured only when cmon_capture is set.
 */
struct cmon_pcap_ev {
	__u64 now;		/* strip time, the stamp clock */
	__u32 ifindex;		/* the strip hop's device (host side) */
	__u32 len;		/* frame length */
	__u32 caplen;		/* bytes in data[] */
	__u8 carrier;		/* enum cmon_carrier */
	__u8 tp;		/* the strip hop (enum cmon_tp) */
	__u8 pad[2];
	struct cmon_ann ann;	/* the annotation it carried (wire order) */
	__u8 pad2[2];
	__u8 data[CMON_PCAP_SNAP];
};

#endif /* CMON_KERN_H */
