/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The monitoring rules put in force in Open vSwitch: cmon-dpdk writes the
 * rules' sampling, pair by pair, and the template's Open vSwitch bridges
 * into the switch's control memzone (include/cmon/shm.h, CMON_SHM_CTL);
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

#endif /* CMON_OVS_CTL_H */
