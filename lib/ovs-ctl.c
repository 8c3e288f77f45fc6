// SPDX-License-Identifier: BSD-2-Clause
/* The rules in force in Open vSwitch: see ovs-ctl.h. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ovs-ctl.h"

/* What @ctl holds from its writer to its hand-on list: the rules. */
#define BODY_AT		offsetof(struct cmon_shm_ctl, writer)
#define BODY_LEN	(offsetof(struct cmon_shm_ctl, handon) - BODY_AT)

/* Put pair @p in the first free slot it may be found in: 0, or -1. */
static int place(struct cmon_shm_ctl *img, const struct cmon_pair_sample *p)
{
	uint32_t at = cmon_ctl_slot(p->saddr, p->daddr, p->proto), i;

	for (i = 0; i < CMON_CTL_PROBES; i++) {
		struct cmon_ctl_pair *e =
			&img->pair[(at + i) & (CMON_CTL_PAIRS - 1)];

		if (!e->n) {
			*e = (struct cmon_ctl_pair){ p->saddr, p->daddr,
						     p->proto, p->n };
			return 0;
		}
	}
	return -1;
}

int cmon_ovs_ctl_write(struct cmon_shm_ctl *ctl, uint32_t writer,
		       unsigned int n, const struct cmon_pair_sample *ps,
		       size_t nps, const char *const *bridges,
		       unsigned int nbridges, size_t *left_out)
{
	struct cmon_shm_ctl *img = calloc(1, sizeof(*img));
	struct cmon_pair_sample *want = malloc((nps + 1) * sizeof(*want));
	unsigned int base = n, i;
	size_t nw = 0, k;
	uint32_t gen;
	int changed = 0;

	*left_out = nps;
	if (!img || !want)
		goto out;
	if (n)
		nw = cmon_sample_plan(n, ps, nps, CMON_CTL_PAIRS / 2, want,
				      left_out, &base);
	img->writer = writer;
	img->sample_n = n;
	img->sample_base = n ? base : 0;
	for (k = 0; k < nw; k++)
		if (place(img, &want[k]))
			++*left_out;
		else
			img->npairs++;
	for (i = 0; i < nbridges && i < CMON_CTL_BRIDGES; i++)
		snprintf(img->bridge[i], sizeof(img->bridge[i]), "%s",
			 bridges[i]);
	img->nbridges = i;
	if (!memcmp((char *)img + BODY_AT, (char *)ctl + BODY_AT, BODY_LEN))
		goto out;
	gen = __atomic_load_n(&ctl->gen, __ATOMIC_RELAXED) | 1;
	__atomic_store_n(&ctl->gen, gen, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy((char *)ctl + BODY_AT, (char *)img + BODY_AT, BODY_LEN);
	__atomic_store_n(&ctl->gen, gen + 1, __ATOMIC_RELEASE);
	changed = 1;
out:
	free(img);
	free(want);
	return changed;
}

uint32_t cmon_ovs_ctl_handon(struct cmon_shm_ctl *ctl, const int *ifindex,
			     unsigned int n, uint64_t until)
{
	struct cmon_ctl_handon *h = &ctl->handon;
	uint32_t gen;

	if (n > CMON_SHM_PORTS)
		n = CMON_SHM_PORTS;
	__atomic_store_n(&h->until, until, __ATOMIC_RELAXED);
	if (h->n == n &&
	    (!n || !memcmp(h->ifindex, ifindex, n * sizeof(*ifindex))))
		return 0;
	gen = __atomic_load_n(&h->gen, __ATOMIC_RELAXED) | 1;
	__atomic_store_n(&h->gen, gen, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	h->n = n;
	if (n)
		memcpy(h->ifindex, ifindex, n * sizeof(*ifindex));
	__atomic_store_n(&h->gen, gen + 1, __ATOMIC_RELEASE);
	return gen + 1;
}
