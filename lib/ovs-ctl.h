/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The monitoring rules put in force in Open vSwitch: cmon-dpdk writes the
 * rules' sampling, pair by pair, the template's Open vSwitch bridges, and
 * the af_packet ports its kernel agent holds a receive hop behind, into
 * the switch's control memzone (include/cmon/shm.h, CMON_SHM_CTL);
 * the patched switch reads them (ovs-patches/, doc/ovs.md).
 */
#ifndef CMON_OVS_CTL_H
#define CMON_OVS_CTL_H

#include <stddef.h>
#include <stdint.h>
#include "cmon/shm.h"
#include "sample.h"

/*
 * Put in @ctl, for cmon-dpdk @writer (its pid): trace 1 packet in @n (0:
 * the switch's own setting) and the pairs of @ps (@nps, any order) 1 in
 * their own; the template's @nbridges @bridges.  Nothing is written if
 * @ctl holds that already.  Returns 1 if it was rewritten, 0 if not;
 * *@left_out: pairs that found no room (they are traced 1 in @n).
 */
int cmon_ovs_ctl_write(struct cmon_shm_ctl *ctl, uint32_t writer,
		       unsigned int n, const struct cmon_pair_sample *ps,
		       size_t nps, const char *const *bridges,
		       unsigned int nbridges, size_t *left_out);

/*
 * Put in @ctl the veths of the switch's af_packet ports whose container's
 * receive hop is in place (@ifindex, @n of them), for the switch to hand
 * traced packets on to, until CLOCK_MONOTONIC @until (ns) unless moved on
 * again.  Returns the gen the switch acknowledges the list by once its
 * datapath threads go by it (cmon_shm_stats.handon_seen), or 0 if @ctl
 * held that list already (@until moved on alone).
 */
uint32_t cmon_ovs_ctl_handon(struct cmon_shm_ctl *ctl, const int *ifindex,
			     unsigned int n, uint64_t until);

#endif /* CMON_OVS_CTL_H */
