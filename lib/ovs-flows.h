/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The Open vSwitch hops' per-flow counters (include/cmon/shm.h,
 * CMON_SHM_FLOWS) read into the aggregation engine: every packet at a port
 * with a role, as the kernel hops' counters are, so a pair through the
 * switch gets its packets, bytes, rates and loss located at ovs_rx>ovs_tx
 * with the switch's reasons.
 *
 * The switch's threads write their slots while this reads them: a slot
 * that moves during the read is retried, and one still moving is left for
 * the next read.
 */
#ifndef CMON_OVS_FLOWS_H
#define CMON_OVS_FLOWS_H

#include <stdint.h>
#include "agg.h"
#include "cmon/shm.h"

/* The engine's device namespace of the switch's ports (drops at port N are
 * on device (CMON_NETNS_OVS, N)): no kernel namespace has inode 0. */
#define CMON_NETNS_OVS	0

struct cmon_ovs_flows;

struct cmon_ovs_flows *cmon_ovs_flows_create(void);
void cmon_ovs_flows_destroy(struct cmon_ovs_flows *r);

/*
 * Read every slot of @shm as the baseline (on attaching): what the switch
 * counted before is not fed; cmon_ovs_flows_feed() then feeds what it
 * counted since.  0, or -1 without memory (the first feed is the baseline
 * then).
 */
int cmon_ovs_flows_baseline(struct cmon_ovs_flows *r,
			    const struct cmon_shm_flows *shm);

/*
 * Read the slots of @shm in rows @rows (a bit a row: cmon_shm_flow_rows(),
 * and every row read before) and feed @agg: per flow, the ovs_rx count (all
 * rows and input ports), the ovs_tx count of the output port that took
 * most of its packets (copies sent to other ports, as a flood makes, are
 * not the flow's delivery), and its drops by reason; a flow rewritten on
 * its way to kernel hops, as it left (cmon_ovs_flows_renamed()), counted
 * there from when it was found so.  @node: the switch's
 * node id.  Counts go on across a slot's lives; where a slot missed some
 * (taken by another flow between two reads), the engine compares that
 * hop anew (cmon_hop_counter.rebase).
 */
void cmon_ovs_flows_feed(struct cmon_ovs_flows *r,
			 const struct cmon_shm_flows *shm, uint32_t rows,
			 uint8_t node, struct cmon_agg *agg);

/*
 * The flows the switch rewrote on their way to kernel hops after it (a
 * trunk, an af_packet port), as the last read found them: fed as they
 * left (@to), which the kernel's hops before the switch must count them
 * as too (cmon_kagent_renamed()).  *@out is @r's until the next call.
 */
unsigned int cmon_ovs_flows_renamed(struct cmon_ovs_flows *r,
				    const struct cmon_flow_rename **out);

/* At the last read: packets sent as extra copies of their flow (floods),
 * flows counted, and slots left out because they moved while read. */
uint64_t cmon_ovs_flows_copies(const struct cmon_ovs_flows *r);
unsigned int cmon_ovs_flows_count(const struct cmon_ovs_flows *r);
uint64_t cmon_ovs_flows_moving(const struct cmon_ovs_flows *r);

/*
 * The containers on the switch's ports with role "container", as
 * endpoints (view.h) into @eps: each named after its port, with the
 * addresses its packets came from (those of the last read).  Returns how
 * many (<= @max).  The names are @r's, until the next call.
 */
struct cmon_endpoint;
unsigned int cmon_ovs_endpoints(struct cmon_ovs_flows *r,
				const struct cmon_shm_flows *shm,
				struct cmon_endpoint *eps, unsigned int max);

/* The switch's ports, with a role or without, into @ports as the last
 * cmon_ovs_endpoints() read them: how many (<= @max).  The names are
 * @r's, until that is called again. */
struct cmon_switch_port;
unsigned int cmon_ovs_switch_ports(const struct cmon_ovs_flows *r,
				   struct cmon_switch_port *ports,
				   unsigned int max);

/* The name of the container (port) address @addr came from, as the last
 * cmon_ovs_endpoints() found it, or NULL. */
const char *cmon_ovs_ip_name(const struct cmon_ovs_flows *r, uint32_t addr);

/* The kernel interfaces that the switch's ports with a role read (its
 * af_packet ports'), at most @max in @ifindex: how many. */
unsigned int cmon_ovs_kernel_ports(const struct cmon_shm_flows *shm,
				   int *ifindex, unsigned int max);

/* The switch's name of port @port, or NULL. */
const char *cmon_ovs_port_name(const struct cmon_shm_flows *shm,
			       uint32_t port);

/* The name of an engine drop reason of the switch (CMON_REASON_OVS + enum
 * cmon_ovs_drop), as Open vSwitch counts it; NULL for other reasons. */
const char *cmon_ovs_reason_name(uint32_t reason);

#endif /* CMON_OVS_FLOWS_H */
