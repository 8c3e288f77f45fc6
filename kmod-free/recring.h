/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The reading end of the kernel programs' per-CPU record rings
 * (cmon_rec_ring and cmon_rec_pos in bpf/maps.bpf.h), mapped.
 */
#ifndef CMON_RECRING_H
#define CMON_RECRING_H

#include <stddef.h>
#include <stdint.h>
#include "cmon-kern.h"

/* A ring with records left, and the time of its next one. */
struct cmon_recring_live {
	uint64_t t;
	unsigned int cpu;
};

struct cmon_recring {
	const struct cmon_record *recs;	/* ncpu rings of slots records */
	struct cmon_rec_pos *pos;	/* ncpu */
	unsigned int ncpu, slots;
	uint64_t *head, *tail;		/* ncpu: each ring's, while read */
	struct cmon_recring_live *live;	/* ncpu: the rings with records */
	int mapped;			/* recs and pos are mmaps */
};

/* Map the rings of @ncpu CPUs, @slots records each, from the maps
 * @ring_fd and @pos_fd.  0 or -errno. */
int cmon_recring_map(struct cmon_recring *r, int ring_fd, int pos_fd,
		     unsigned int ncpu, unsigned int slots);

/* Read rings in memory (@recs, @pos) of @ncpu CPUs, @slots each. */
int cmon_recring_init(struct cmon_recring *r, const struct cmon_record *recs,
		      struct cmon_rec_pos *pos, unsigned int ncpu,
		      unsigned int slots);

void cmon_recring_free(struct cmon_recring *r);

typedef void (*cmon_recring_fn)(void *ctx, const struct cmon_record *rec);

/*
 * Hand @fn every record the rings hold, in the order of their last hop's
 * time across CPUs (each ring is in that order already), and free their
 * slots.  Returns how many.
 */
size_t cmon_recring_drain(struct cmon_recring *r, cmon_recring_fn fn,
			  void *ctx);

#endif /* CMON_RECRING_H */
