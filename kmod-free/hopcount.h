/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The kernel hops' per-flow per-hop counters, read whole: the hash
 * cmon_hops plus the per-CPU cache in front of it (cmon_hop_cache, see
 * bpf/maps.bpf.h), summed by key.
 */
#ifndef CMON_HOPCOUNT_H
#define CMON_HOPCOUNT_H

#include <stddef.h>
#include <stdint.h>
#include "cmon-kern.h"

struct cmon_hop_total {
	struct cmon_hop_key key;
	uint64_t packets, bytes;	/* cumulative */
	uint64_t packets_late;	/* packets read again after every hop
				 * downstream (agg.h) */
	uint64_t born;		/* its cmon_hops entry's; 0: in the cache only */
	int unsure;		/* counts moved from a slot to the map while
				 * they were read: maybe short by those */
	unsigned int placed;	/* the agent's: when its hop was put in
				 * place (cmon_hop_counter), 0: not known */
	int rebase;		/* the agent's: compared anew */
};

/*
 * Every hop key's counts: cmon_hops (fd @hops_fd, per-CPU values) read
 * first, then the @nslots cache slots at @slots (cmon_hop_cache mapped
 * read-only).  A slot changing hands while it is read is read again, so a
 * count is never seen twice; one moved between the two reads is missed
 * until the next call (the key is marked unsure; every key, if a slot was
 * changing hands at both reads).  Returns how many
 * totals *@out holds (malloc'd,
 * sorted by key; the caller frees it), or -errno; *@entries: how many
 * entries cmon_hops held.
 */
int cmon_hop_totals(int hops_fd, const volatile struct cmon_hop_slot *slots,
		    size_t nslots, struct cmon_hop_total **out,
		    size_t *entries);

/*
 * The statistic @ev (enum cmon_event): @stat, what cmon_stats holds of it
 * (read first), and, for those the hops count in their flows' slots
 * (sampled_out, stamped at stamp hops; written at an overlay's hops;
 * stripped, records at the others), what the @nslots cache slots at
 * @slots hold.  A slot that changes hands meanwhile hands its counts to
 * cmon_stats: missed until the next call, never counted twice.
 */
uint64_t cmon_slot_stat(unsigned int ev, uint64_t stat,
			const volatile struct cmon_hop_slot *slots,
			size_t nslots);

#endif /* CMON_HOPCOUNT_H */
