/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What other nodes' figures (export/peers.h) add to this node's engine:
 * the clock offsets between nodes, from the one-way delays measured in
 * both directions, and the counters of the hops upstream of this node's
 * containers.
 */
#ifndef CMON_MERGE_H
#define CMON_MERGE_H

#include "agg.h"
#include "peers.h"
#include "view.h"

/*
 * For each link this node measures (delays from another node), the offset
 * between the two nodes' clocks when the other direction is known, here
 * or from a peer's @pl: into @out (at most @max), and into the engine
 * unless the clocks are @trusted (synchronised: offset 0).  How many.
 */
unsigned int cmon_merge_clocks(struct cmon_agg *agg,
			       const struct cmon_peer_link *pl, unsigned int np,
			       int trusted, struct cmon_clock_info *out,
			       unsigned int max);

/*
 * Feed the engine the peers' counters @hc at the sending hops of flows to
 * containers of this node (@names knows them): with this node's own they
 * place loss anywhere on the path, the underlay included.  Only upstream
 * hops are taken, and they were read before ours and are older, so a
 * difference never overstates loss; downstream hops of other nodes (flows
 * leaving here) are theirs to judge.  Counters of node @self are ours
 * already.  Returns how many were taken.
 */
unsigned int cmon_merge_counters(struct cmon_agg *agg,
				 const struct cmon_hop_counter *hc,
				 unsigned int n, unsigned int self,
				 const struct cmon_names *names);

#endif /* CMON_MERGE_H */
