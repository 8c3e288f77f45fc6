// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The per-CPU record rings' reading end.  Each CPU's programs write its
 * ring in the order of their clock, and a flow's packets may cross more
 * than one CPU (a sender that moves, RPS): records are merged by the time
 * of their last hop, so the aggregator sees a flow's sequence numbers as
 * they were stripped, not a CPU's batch after another's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "recring.h"

int cmon_recring_init(struct cmon_recring *r, const struct cmon_record *recs,
		      struct cmon_rec_pos *pos, unsigned int ncpu,
		      unsigned int slots)
{
	memset(r, 0, sizeof(*r));
	if (!ncpu || !slots || slots & (slots - 1))
		return -EINVAL;
	r->recs = recs;
	r->pos = pos;
	r->ncpu = ncpu;
	r->slots = slots;
	r->head = calloc(ncpu, sizeof(*r->head));
	r->tail = calloc(ncpu, sizeof(*r->tail));
	r->live = calloc(ncpu, sizeof(*r->live));
	if (!r->head || !r->tail || !r->live) {
		cmon_recring_free(r);
		return -ENOMEM;
	}
	return 0;
}

int cmon_recring_map(struct cmon_recring *r, int ring_fd, int pos_fd,
		     unsigned int ncpu, unsigned int slots)
{
	size_t rl = (size_t)ncpu * slots * sizeof(struct cmon_record);
	size_t pl = (size_t)ncpu * sizeof(struct cmon_rec_pos);
	void *recs, *pos;
	int err;

	recs = mmap(NULL, rl, PROT_READ, MAP_SHARED, ring_fd, 0);
	if (recs == MAP_FAILED)
		return -errno;
	pos = mmap(NULL, pl, PROT_READ | PROT_WRITE, MAP_SHARED, pos_fd, 0);
	if (pos == MAP_FAILED) {
		err = -errno;
		munmap(recs, rl);
		return err;
	}
	err = cmon_recring_init(r, recs, pos, ncpu, slots);
	if (err) {
		munmap(recs, rl);
		munmap(pos, pl);
		return err;
	}
	r->mapped = 1;
	return 0;
}

void cmon_recring_free(struct cmon_recring *r)
{
	if (r->mapped) {
		munmap((void *)r->recs,
		       (size_t)r->ncpu * r->slots * sizeof(*r->recs));
		munmap(r->pos, (size_t)r->ncpu * sizeof(*r->pos));
	}
	free(r->head);
	free(r->tail);
	free(r->live);
	memset(r, 0, sizeof(*r));
}

/* The record at @cpu's tail, and the time of its last hop. */
static const struct cmon_record *at(const struct cmon_recring *r,
				    unsigned int cpu, uint64_t *t)
{
	const struct cmon_record *rec =
		&r->recs[(size_t)cpu * r->slots +
			 (r->tail[cpu] & (r->slots - 1))];
	unsigned int n = rec->nhops;

	*t = rec->t0;
	if (n >= 1 && n <= CMON_REC_HOPS)
		*t += (uint64_t)(int64_t)rec->hop[n - 1].delta;
	return rec;
}

/* The rings with records left, @n of them, are a heap by the time of
 * their next record (r->live[0] the earliest): a record costs the log of
 * the CPUs with records to merge, not their number. */
static void sift_down(struct cmon_recring *r, unsigned int i, unsigned int n)
{
	struct cmon_recring_live x = r->live[i];

	for (;;) {
		unsigned int k = 2 * i + 1;

		if (k >= n)
			break;
		if (k + 1 < n && r->live[k + 1].t < r->live[k].t)
			k++;
		if (x.t <= r->live[k].t)
			break;
		r->live[i] = r->live[k];
		i = k;
	}
	r->live[i] = x;
}

size_t cmon_recring_drain(struct cmon_recring *r, cmon_recring_fn fn,
			  void *ctx)
{
	unsigned int c, i, nlive = 0;
	size_t n = 0;
	uint64_t t;

	/* up to the heads as they are now: what comes after waits for the
	 * next drain (its times are later than those read now, or by little) */
	for (c = 0; c < r->ncpu; c++) {
		r->head[c] = __atomic_load_n(&r->pos[c].head, __ATOMIC_ACQUIRE);
		r->tail[c] = r->pos[c].tail;
		if (r->head[c] - r->tail[c] > r->slots)	/* never (a bug) */
			r->tail[c] = r->head[c] - r->slots;
		if (r->head[c] != r->tail[c]) {
			r->live[nlive].cpu = c;
			at(r, c, &r->live[nlive].t);
			nlive++;
		}
	}
	for (i = nlive / 2; i-- > 0;)
		sift_down(r, i, nlive);
	while (nlive) {
		c = r->live[0].cpu;
		fn(ctx, at(r, c, &t));
		n++;
		if (++r->tail[c] == r->head[c])
			r->live[0] = r->live[--nlive];
		else
			at(r, c, &r->live[0].t);
		sift_down(r, 0, nlive);
	}
	for (c = 0; c < r->ncpu; c++)
		__atomic_store_n(&r->pos[c].tail, r->tail[c], __ATOMIC_RELEASE);
	return n;
}
