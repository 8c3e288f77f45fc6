/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Shared hugepage memory between the Open vSwitch patch set (the producer,
 * a DPDK primary) and cmon-dpdk (the consumer, a DPDK secondary):
 *
 *   CMON_SHM_RING   an rte_ring of fixed-size elements created with
 *                   rte_ring_create_elem(): each element is one
 *                   struct cmon_record (include/cmon/record.h).  No mbuf
 *                   pointers and no shared mempool cross the boundary.
 *   CMON_SHM_CAPTURE  an rte_ring of struct cmon_capture elements, made
 *                   only while other_config:cmon-capture=true: frames as
 *                   the strip hop saw them, for cmon-dpdk --pcap.
 *   CMON_SHM_STATS  a memzone holding struct cmon_shm_stats: what the
 *                   userspace hops did and did not do, counted per batch
 *                   in one row per datapath thread (plain stores, no
 *                   locked instructions); readers add the rows up.
 *   CMON_SHM_FLOWS  a memzone holding struct cmon_shm_flows: every
 *                   packet at a port with a role counted per flow, hop
 *                   and port, and every packet the switch dropped per
 *                   flow and reason, in one table of slots per datapath
 *                   thread; and the datapath's ports with their roles,
 *                   by number.
 *   CMON_SHM_CTL    a memzone holding struct cmon_shm_ctl: the rules
 *                   cmon-dpdk puts in force, and the af_packet ports to
 *                   hand traced packets on at.
 *
 * Counters and configuration echo are written by the producer only; the
 * consumer only reads them (and the ring's consumer side).  CMON_SHM_CTL
 * is the other way round: cmon-dpdk writes it, the switch reads it.
 */
#ifndef CMON_SHM_H
#define CMON_SHM_H

#include <stdint.h>
#include "cmon/events.h"
#include "cmon/record.h"

#define CMON_SHM_RING		"cmon_ovs_records"
#define CMON_SHM_CAPTURE	"cmon_ovs_capture"
#define CMON_SHM_STATS		"cmon_ovs_stats"
#define CMON_SHM_MAGIC		0x636d6f6e73746174ULL	/* "cmonstat" */
#define CMON_SHM_VERSION	11
/* Default and bounds of other_config:cmon-ring-size (records). */
#define CMON_SHM_RING_DEFAULT	65536
#define CMON_SHM_RING_MIN	1024
#define CMON_SHM_RING_MAX	(1u << 22)

/* What the userspace (OVS) hops did with the packets they saw: counters
 * indexed by enum cmon_event (cmon/events.h), those of CMON_EV_OVS. */

/* Bytes of a frame captured, and frames the capture ring holds. */
#define CMON_CAPTURE_SNAP	2048
#define CMON_CAPTURE_RING	1024

/* One frame as a strip hop saw it (annotation included), and its record. */
struct cmon_capture {
	struct cmon_record rec;
	uint32_t len;			/* frame length */
	uint32_t caplen;		/* bytes in data[] */
	uint8_t data[CMON_CAPTURE_SNAP];
};

/* Counter rows: row 0 is shared (atomic adds) by threads beyond the
 * others, which own one row each.  A row is padded to whole cache lines. */
#define CMON_SHM_ROWS		64
#define CMON_SHM_ROW_LEN	32
_Static_assert(CMON_EV_MAX <= CMON_SHM_ROW_LEN, "counter row too short");

struct cmon_shm_stats {
	uint64_t magic;			/* CMON_SHM_MAGIC once initialised */
	uint32_t version;		/* CMON_SHM_VERSION */
	uint32_t nstats;		/* CMON_EV_MAX of the producer */
	uint32_t ring_size;		/* records the ring holds */
	uint32_t sample_n;		/* sampling in force (1 = every) */
	uint32_t node_id;		/* node id written in hop slots */
	uint32_t enabled;		/* hooks active */
	uint64_t boot_ns;		/* producer start, CLOCK_MONOTONIC */
	uint32_t handon_seen;		/* the cmon_shm_ctl.handon gen every
					 * datapath thread goes by */
	uint32_t pad32;
	uint64_t pad[2];
	uint64_t row[CMON_SHM_ROWS][CMON_SHM_ROW_LEN] __attribute__((aligned(64)));
};

/* Counter @i summed over the rows (relaxed loads). */
static inline uint64_t cmon_shm_stat(const struct cmon_shm_stats *s,
				     unsigned int i)
{
	uint64_t v = 0;
	unsigned int r;

	for (r = 0; r < CMON_SHM_ROWS; r++)
		v += __atomic_load_n(&s->row[r][i], __ATOMIC_RELAXED);
	return v;
}

/*
 * Per-flow counters of the userspace hops.  Each datapath thread owns one
 * row of CMON_FLOW_SLOTS slots and is its only writer: a packet adds to
 * its slot with plain stores (no lock, no atomic).  The thread whose
 * counters are cmon_shm_stats.row[r] (r >= 1) owns slot[r - 1]
 * (cmon_shm_flow_rows()).  The row is cut in
 * buckets of CMON_FLOW_BUCKET slots, direct-mapped by the flow's hash: a
 * flow's hops and drops share its bucket, so the send hop finds the lines
 * the receive hop just wrote; a key has one slot at most.  A slot another
 * key takes starts from 0 (counted: CMON_EV_FLOW_EVICTED), its gen bumped
 * to odd while it is rewritten and to a new even value after, so a reader
 * copies a slot, checks gen did not move and is even, and sees a count
 * restart as a new gen.  A slot never used has gen 0, and
 * CMON_FLOW_GEN_FIRST once taken: only a slot in its first life is sure
 * to hold its key from the key's first packet (a bucket with a slot free
 * has had no eviction).
 *
 * Keys: (flow, CMON_TP_OVS_RX, input port), (flow, CMON_TP_OVS_TX, output
 * port): packets and bytes (IPv4 total length, annotation left out) at the
 * port's receive and send hops; (flow, CMON_TP_DROPS, port, reason):
 * packets the switch dropped between them (port: where they came in, or,
 * dropped at the send, where they were to go out; those are taken back
 * from the send count); (flow, CMON_TP_LEFT, output port): the flow's
 * packets that left by a port with kernel hops after it (a trunk, an
 * af_packet port) rewritten (an OpenFlow set_field, a NAT), and, in
 * left_*, the flow they left as, which those hops count.
 */
#define CMON_SHM_FLOWS		"cmon_ovs_flows"
#define CMON_SHM_FLOWS_MAGIC	0x636d6f6e666c6f77ULL	/* "cmonflow" */
#define CMON_FLOW_ROWS		16
#define CMON_FLOW_SLOTS		16384	/* a power of 2 */
#define CMON_FLOW_BUCKET	4	/* slots a flow's bucket has */
#define CMON_FLOW_GEN_FIRST	2	/* a slot's gen in its first life */
/* Ports listed by number (cmon_shm_flows.ports): dpif-netdev numbers a
 * datapath's ports from 1, the lowest free first, so the numbers of its
 * first 1023 ports. */
#define CMON_SHM_PORTS		1024
#define CMON_TP_DROPS		0xff	/* a slot of drops, not a hop */
#define CMON_TP_LEFT		0xfe	/* a slot of a flow rewritten */

/* Why the switch dropped a packet: OVS's own names (its coverage counters
 * and interface statistics).  Reason numbers of the engine (lib/agg.h) are
 * CMON_REASON_OVS + these, apart from the kernel's. */
#define CMON_REASON_OVS		0x10000
enum cmon_ovs_drop {
	/* OVS_ACTION_ATTR_DROP: CMON_OVS_DROP_XLATE + enum xlate_error */
	CMON_OVS_DROP_XLATE = 0,	/* XLATE_OK: an OpenFlow drop */
	CMON_OVS_DROP_XLATE_MAX = 31,
	CMON_OVS_DROP_INVALID_PORT,	/* output to a port that is not there */
	CMON_OVS_DROP_METER,		/* an OpenFlow meter's drop band */
	CMON_OVS_DROP_UPCALL,		/* no flow: the upcall failed */
	CMON_OVS_DROP_RECIRC,		/* recirculated too deep */
	CMON_OVS_DROP_INVALID_TNL_PORT,	/* no such tunnel port */
	CMON_OVS_DROP_INVALID_BOND,	/* no such bond */
	CMON_OVS_DROP_RX_QOS,		/* the input port's ingress policer */
	CMON_OVS_DROP_TUNNEL_PUSH,	/* no tunnel port to push a header */
	CMON_OVS_DROP_PUSH_HEADER,	/* a header not pushed (offload flags) */
	CMON_OVS_DROP_TUNNEL_POP,	/* a tunnel header not popped */
	/* at an output port, from here on: the send hop's reasons */
	CMON_OVS_DROP_PORT_DOWN,	/* output port down or not connected */
	CMON_OVS_DROP_MTU,		/* longer than the output port takes */
	CMON_OVS_DROP_TX_FAILURE,	/* the port's queue was full */
	CMON_OVS_DROP_QOS,		/* the output port's QoS policer */
	CMON_OVS_DROP_MAX,
};

struct cmon_flow_slot {
	uint32_t gen;		/* odd: being rewritten; 0: never used */
	uint8_t tp;		/* CMON_TP_OVS_RX, CMON_TP_OVS_TX,
				 * CMON_TP_DROPS or CMON_TP_LEFT */
	uint8_t proto;
	uint16_t port;		/* odp port number */
	uint32_t saddr, daddr;	/* network order */
	uint16_t sport, dport;	/* network order (ICMP: as cmon_l4_ports) */
	uint32_t reason;	/* drops: enum cmon_ovs_drop */
	uint64_t packets, bytes;
	/* CMON_TP_LEFT: the flow as it left (as saddr...proto above) */
	uint32_t left_saddr, left_daddr;
	uint16_t left_sport, left_dport;
	uint8_t left_proto, pad8[3];
	uint64_t pad;
};
_Static_assert(sizeof(struct cmon_flow_slot) == 64, "a slot is a cache line");

/* A port of the datapath and its role (other_config:cmon-role, or the
 * rules' template): cmon_shm_flows.ports[n] is port number n's (flags 0:
 * no such port), for n below CMON_SHM_PORTS; ports numbered past that are
 * counted in cmon_shm_flows.ports_unlisted.  The switch's main thread
 * rewrites an entry in place: a reader copies it and takes what it read
 * as it is (names are NUL-terminated within). */
#define CMON_SHM_PORT_IN	1u	/* flags: the entry is a port */
struct cmon_shm_port {
	uint32_t role;		/* enum cmon_dp_role (0: none) */
	uint32_t port;		/* odp port number */
	char name[32];		/* the Interface's name */
	char type[24];		/* its type as its bridge has it: dpdk,
				 * dpdkvhostuserclient, tap, internal... */
	char bridge[32];	/* the bridge it is a port of */
	uint32_t ifindex;	/* the kernel interface a DPDK af_packet
				 * port reads and writes (the host side of
				 * a container's veth, say); 0: none */
	uint32_t flags;		/* CMON_SHM_PORT_IN; 0: no such port */
};

struct cmon_shm_flows {
	uint64_t magic;		/* CMON_SHM_FLOWS_MAGIC once initialised */
	uint32_t version;	/* CMON_SHM_VERSION */
	uint32_t rows, slots;	/* CMON_FLOW_ROWS, CMON_FLOW_SLOTS */
	uint32_t roles_gen;	/* bumped whenever a port's role changes */
	uint32_t counting;	/* 1: per-flow counting is on */
	uint32_t ports_unlisted;	/* ports numbered CMON_SHM_PORTS and up */
	uint32_t pad[8];
	struct cmon_shm_port ports[CMON_SHM_PORTS];
	struct cmon_flow_slot slot[CMON_FLOW_ROWS][CMON_FLOW_SLOTS]
		__attribute__((aligned(64)));
};

_Static_assert(CMON_FLOW_ROWS <= 32, "a row is a bit of a uint32_t");

/* The rows of cmon_shm_flows.slot[] whose threads have run: bit r - 1 for
 * each counter row r of @s a thread has added to.  A thread counts a
 * batch's flows before it adds to its counters: a row may be found one
 * read late, with all it counted so far. */
static inline uint32_t cmon_shm_flow_rows(const struct cmon_shm_stats *s)
{
	uint32_t rows = 0;
	unsigned int r, i;

	for (r = 1; r <= CMON_FLOW_ROWS && r < CMON_SHM_ROWS; r++)
		for (i = 0; i < CMON_SHM_ROW_LEN; i++)
			if (__atomic_load_n(&s->row[r][i], __ATOMIC_RELAXED)) {
				rows |= 1u << (r - 1);
				break;
			}
	return rows;
}

/*
 * The monitoring rules in force in the switch, written by one cmon-dpdk
 * (doc/rules.md) and read by the switch: its main thread takes the
 * sampling and bridges when gen moves, its datapath threads look a
 * traced packet's pair up in pair[].  cmon-dpdk bumps gen to odd, rewrites,
 * bumps it to the next even value; a reader that sees gen odd or moved
 * takes sample_n for the packet.  writer 0 (no cmon-dpdk has rules in
 * force): the switch's own other_config alone.
 *
 * Sampling: the switch's fast path leaves out all but 1 in sample_base
 * packets; a packet it keeps is traced with probability sample_base / n,
 * n being its pair's (pair[]) or sample_n.  sample_base divides both.
 */
#define CMON_SHM_CTL		"cmon_ovs_ctl"
#define CMON_SHM_CTL_MAGIC	0x636d6f6e6374726cULL	/* "cmonctrl" */
#define CMON_CTL_BRIDGES	16
#define CMON_CTL_PAIRS		16384	/* a power of 2 */
#define CMON_CTL_PROBES		8	/* slots a pair may be found in */

struct cmon_ctl_pair {
	uint32_t saddr, daddr;	/* network order */
	uint32_t proto;
	uint32_t n;		/* 1 in n; 0: slot free */
};

/*
 * The veths of the switch's af_packet ports whose container's receive hop
 * (veth_out at the ingress of its eth0) cmon-dpdk's kernel agent holds:
 * a traced packet leaving by such a port keeps its annotation, written
 * into its bytes as at a trunk, for that hop to strip, instead of being
 * stripped by the switch.  Only while @until is ahead: cmon-dpdk moves
 * it on while it runs.  Written apart from the rules, under its own gen
 * (cmon_ovs_ctl_handon()); once the datapath threads go by a gen, the
 * switch writes it in cmon_shm_stats.handon_seen, and cmon-dpdk detaches
 * a hop only then.
 */
struct cmon_ctl_handon {
	uint32_t gen;		/* odd: being rewritten */
	uint32_t n;		/* entries in ifindex[] */
	uint64_t until;		/* CLOCK_MONOTONIC ns; past it: none */
	int32_t ifindex[CMON_SHM_PORTS];
};

struct cmon_shm_ctl {
	uint64_t magic;		/* CMON_SHM_CTL_MAGIC once made */
	uint32_t version;	/* CMON_SHM_VERSION */
	uint32_t gen;		/* odd: being rewritten */
	uint32_t writer;	/* pid of the cmon-dpdk whose rules these
				 * are; 0: none */
	uint32_t sample_n;	/* 1 in N where no pair says; 0: the
				 * switch's other_config:cmon-sample */
	uint32_t sample_base;	/* divides sample_n and every pair's n */
	uint32_t npairs;	/* pairs in pair[] */
	uint32_t nbridges;	/* bridges in bridge[] */
	uint32_t pad[7];
	char bridge[CMON_CTL_BRIDGES][32];	/* the template's ovs_bridges */
	struct cmon_ctl_pair pair[CMON_CTL_PAIRS];
	struct cmon_ctl_handon handon;
};

/* The first slot of pair (@saddr, @daddr, @proto) in pair[]; it is
 * there or in one of the CMON_CTL_PROBES - 1 slots after it (wrapping). */
static inline uint32_t cmon_ctl_slot(uint32_t saddr, uint32_t daddr,
				     uint32_t proto)
{
	uint64_t h = ((uint64_t)saddr << 32 | daddr) * 0x9e3779b97f4a7c15ULL;

	h ^= proto;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	return (uint32_t)(h >> 32) & (CMON_CTL_PAIRS - 1);
}

#endif /* CMON_SHM_H */
