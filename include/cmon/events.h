/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What the hops count: one vocabulary for the kernel's hops (bpf/, the
 * per-CPU array cmon_stats) and Open vSwitch's (lib/ovs-hops.c, the rows of
 * include/cmon/shm.h).  An event has one id and one name wherever it is
 * shown: the table, the JSON, /metrics and InfluxDB (Open vSwitch's with
 * the prefix "ovs_").  Each producer counts what it can see, and shows
 * those (CMON_EV_KERNEL, CMON_EV_OVS).
 */
#ifndef CMON_EVENTS_H
#define CMON_EVENTS_H

enum cmon_event {
	CMON_EV_PACKETS,	/* packets through a monitored port (OVS) */
	CMON_EV_STAMPED,	/* annotations attached */
	CMON_EV_SAMPLED_OUT,	/* not chosen by sampling */
	CMON_EV_SKIP_DST,	/* chosen, but no strip hop on its path
				 * (destination outside the monitored domain) */
	CMON_EV_SKIP_PROTO,	/* not IPv4 TCP/UDP/ICMP: not traced */
	CMON_EV_SKIP_MTU,	/* no room for 40 bytes under the MTU */
	CMON_EV_SKIP_IPOPT,	/* IPv4 options already present */
	CMON_EV_SKIP_FRAG,	/* IPv4 fragment */
	CMON_EV_SKIP_ROOM,	/* no room made for it: a kernel helper refused
				 * to resize, or a buffer lacks headroom */
	CMON_EV_SANITISED,	/* a container's decision bit or option removed */
	CMON_EV_WRITTEN,	/* slots written by intermediate hops */
	CMON_EV_NO_SLOT,	/* annotation full: an intermediate hop not
				 * recorded (OVS) */
	CMON_EV_STRIPPED,	/* annotations removed at the last hop */
	CMON_EV_BAD_VERSION,	/* unknown annotation version: untouched */
	CMON_EV_BAD_TAG,	/* tag not from our key (forged): untouched */
	CMON_EV_MALFORMED,	/* inconsistent carrier: untouched */
	CMON_EV_RING_FULL,	/* record lost: the record ring was full */
	CMON_EV_RECORDS,	/* records emitted */
	CMON_EV_CAPTURE_FULL,	/* a packet not dumped: capture ring full */
	CMON_EV_DROPS,		/* kernel drops seen on monitored devices */
	CMON_EV_UPLINK_STRIPPED, /* annotations removed at an uplink: traced
				 * packets leaving outside the overlay */
	CMON_EV_HOP_NEW,	/* entries made in the kernel's cmon_hops ... */
	CMON_EV_SEQ_TAKEN,	/* a flow's sequence number given up: its
				 * place in cmon_seq taken by another flow
				 * (seq_evicted) */
	CMON_EV_DROP_NEW,	/* entries made in the kernel's cmon_drops;
				 * hop_new and this shown as made minus present:
				 * what their LRU evicted (*_evicted) */
	CMON_EV_NOP_OPTIONS,	/* a neutralised option's bytes left as NOPs
				 * in a packet the strip hop passed on */
	CMON_EV_FLOW_EVICTED,	/* OVS: a flow's counter slot taken by another
				 * flow (its counts start again) */
	CMON_EV_FLOW_UNCOUNTED,	/* OVS: packets not counted per flow (a
				 * thread beyond the counter rows) */
	CMON_EV_DROP_UNREAD,	/* kernel drops whose packet the agent could
				 * not read (headers out of reach, or its
				 * event buffer full): reason and flow unknown */
	CMON_EV_SKIP_SEQ,	/* chosen, but other CPUs (or the switch's
				 * threads) kept changing its flow's
				 * sequence number: not traced */
	CMON_EV_SKB_UNCLAIMED,	/* an annotation left beside its packet (the
				 * skb carrier) that its strip hop never
				 * took: the packet lost on its way */
	CMON_EV_NAT_NEW,	/* entries made in the kernel's cmon_nat and
				 * cmon_nat_out (flows NATed on their way to
				 * a container here, or to another node);
				 * reported as those they evicted */
	CMON_EV_FOREIGN_COPIES,	/* copies a bridge or switch flooded to a
				 * container not their destination (its
				 * stack drops them): not counted in their
				 * flow, no record */
	CMON_EV_MAX,
};

#define CMON_EV_NAMES { \
	"packets", "stamped", "sampled_out", "skip_dst", "skip_proto", \
	"skip_mtu", "skip_ipopt", "skip_frag", "skip_room", "sanitised", \
	"written", "no_slot", "stripped", "bad_version", "bad_tag", \
	"malformed", "ring_full", "records", "capture_full", "drops", \
	"uplink_stripped", "hop_evicted", "seq_evicted", "drop_evicted", \
	"nop_options", "flow_evicted", "flow_uncounted", "drops_unread", \
	"skip_seq", "skb_unclaimed", "nat_evicted", "foreign_copies", }

#define CMON_EV_BIT(e)	(1u << (e))
/* The events each producer counts. */
#define CMON_EV_KERNEL	(~0u & ~CMON_EV_BIT(CMON_EV_PACKETS) & \
			 ~CMON_EV_BIT(CMON_EV_SKIP_PROTO) & \
			 ~CMON_EV_BIT(CMON_EV_NO_SLOT) & \
			 ~CMON_EV_BIT(CMON_EV_FLOW_EVICTED) & \
			 ~CMON_EV_BIT(CMON_EV_FLOW_UNCOUNTED))
#define CMON_EV_OVS	(CMON_EV_BIT(CMON_EV_PACKETS) | \
			 CMON_EV_BIT(CMON_EV_STAMPED) | \
			 CMON_EV_BIT(CMON_EV_SAMPLED_OUT) | \
			 CMON_EV_BIT(CMON_EV_SKIP_PROTO) | \
			 CMON_EV_BIT(CMON_EV_SKIP_MTU) | \
			 CMON_EV_BIT(CMON_EV_SKIP_IPOPT) | \
			 CMON_EV_BIT(CMON_EV_SKIP_FRAG) | \
			 CMON_EV_BIT(CMON_EV_SKIP_ROOM) | \
			 CMON_EV_BIT(CMON_EV_SANITISED) | \
			 CMON_EV_BIT(CMON_EV_WRITTEN) | \
			 CMON_EV_BIT(CMON_EV_NO_SLOT) | \
			 CMON_EV_BIT(CMON_EV_STRIPPED) | \
			 CMON_EV_BIT(CMON_EV_BAD_VERSION) | \
			 CMON_EV_BIT(CMON_EV_BAD_TAG) | \
			 CMON_EV_BIT(CMON_EV_MALFORMED) | \
			 CMON_EV_BIT(CMON_EV_RING_FULL) | \
			 CMON_EV_BIT(CMON_EV_RECORDS) | \
			 CMON_EV_BIT(CMON_EV_CAPTURE_FULL) | \
			 CMON_EV_BIT(CMON_EV_SEQ_TAKEN) | \
			 CMON_EV_BIT(CMON_EV_FLOW_EVICTED) | \
			 CMON_EV_BIT(CMON_EV_FLOW_UNCOUNTED) | \
			 CMON_EV_BIT(CMON_EV_SKIP_SEQ))

_Static_assert(CMON_EV_MAX <= 32, "event masks are 32 bits");

#endif /* CMON_EVENTS_H */
