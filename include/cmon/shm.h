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
 *
 * Counters and configuration echo are written by the producer only; the
 * consumer only reads them (and the ring's consumer side).
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
#define CMON_SHM_VERSION	3
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
	uint64_t pad[3];
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

#endif /* CMON_SHM_H */
