// SPDX-License-Identifier: BSD-2-Clause
/* Reading the kernel hops' counters: see hopcount.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "agg.h"
#include "hopcount.h"

struct totals {
	struct cmon_hop_total *v;
	size_t n, cap;
};

static int push(struct totals *t, const struct cmon_hop_key *k,
		uint64_t packets, uint64_t late, uint64_t bytes, uint64_t born)
{
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 256;
		struct cmon_hop_total *nv = realloc(t->v, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		t->v = nv;
		t->cap = nc;
	}
	t->v[t->n++] = (struct cmon_hop_total){ *k, packets, bytes, late, born,
						0 };
	return 0;
}

static int by_key(const void *a, const void *b)
{
	return memcmp(&((const struct cmon_hop_total *)a)->key,
		      &((const struct cmon_hop_total *)b)->key,
		      sizeof(struct cmon_hop_key));
}

static int read_map(int fd, struct totals *t)
{
	int ncpu = libbpf_num_possible_cpus();
	struct cmon_hop_key k, *prev = NULL, next;
	struct cmon_hop_count *v;
	int c, err = 0;

	if (ncpu < 0)
		return ncpu;
	v = calloc(ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	while (!err && !bpf_map_get_next_key(fd, prev, &next)) {
		uint64_t pk = 0, by = 0, born = 0;

		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(fd, &k, v))
			continue;	/* evicted meanwhile */
		for (c = 0; c < ncpu; c++) {
			pk += v[c].packets;
			by += v[c].bytes;
			if (v[c].born > born)	/* the maker's CPU */
				born = v[c].born;
		}
		err = push(t, &k, pk, pk, by, born);
	}
	free(v);
	return err;
}

/*
 * One slot as it was between two changes of hands (key and counts into
 * @o), and its gen then; 1 (odd: never a gen seen twice) if it was
 * changing hands all along (@o untouched).
 */
static uint32_t slot_read(const volatile struct cmon_hop_slot *s,
			  struct cmon_hop_total *o)
{
	int tries;

	for (tries = 0; tries < 1000; tries++) {
		uint32_t gen = s->gen;

		if (gen & 1)
			continue;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		memcpy(&o->key, (const void *)&s->key, sizeof(o->key));
		o->packets = s->packets;
		o->bytes = s->bytes;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (s->gen == gen)
			return gen;
	}
	return 1;
}

/* One slot's counts, as slot_read() reads them; 0 if it holds none. */
static int read_slot(const volatile struct cmon_hop_slot *s,
		     struct cmon_hop_total *o)
{
	return slot_read(s, o) != 1 && o->packets != 0;
}

static int rank_order(const void *a, const void *b)
{
	return cmon_tp_rank(*(const uint8_t *)a) -
	       cmon_tp_rank(*(const uint8_t *)b);
}

int cmon_hop_totals(int hops_fd, const volatile struct cmon_hop_slot *slots,
		    size_t nslots, struct cmon_hop_total **out,
		    size_t *entries)
{
	struct totals t = { 0 };
	struct cmon_hop_total s, *hit;
	struct cmon_hop_key *key0 = calloc(nslots, sizeof(*key0));
	uint32_t *gen0 = calloc(nslots, sizeof(*gen0));
	uint8_t tps[CMON_TP_MAX];
	uint32_t present = 0;
	unsigned int ntp = 0;
	int blind = 0;
	size_t i, j;
	int err, r;

	if (!key0 || !gen0) {
		free(key0);
		free(gen0);
		return -ENOMEM;
	}
	/* which key each slot holds before the map is read: one that
	 * changes hands meanwhile may have moved counts into the map after
	 * they were read there */
	for (i = 0; i < nslots; i++) {
		gen0[i] = slot_read(&slots[i], &s);
		key0[i] = gen0[i] == 1 ? (struct cmon_hop_key){ 0 } : s.key;
	}
	/* the map first: a count moving into it after this is missed for
	 * now, never counted twice */
	err = read_map(hops_fd, &t);
	*entries = t.n;
	/* then the live counts, upstream hops first: a packet between two
	 * hops is never counted downstream but not upstream (one pass per
	 * hop the slots hold); then again downstream first, for the late
	 * counts: a packet counted downstream is in its upstream hop's */
	for (i = 0; i < nslots; i++)
		if (slots[i].packets && slots[i].key.tp < CMON_TP_MAX)
			present |= 1u << slots[i].key.tp;
	for (r = 0; r < CMON_TP_MAX; r++)
		if (present & 1u << r)
			tps[ntp++] = (uint8_t)r;
	qsort(tps, ntp, 1, rank_order);
	for (r = 0; !err && r < 2 * (int)ntp; r++) {
		int late = r >= (int)ntp;
		uint8_t tp = tps[late ? 2 * (int)ntp - 1 - r : r];

		for (i = 0; !err && i < nslots; i++)
			if (slots[i].key.tp == tp &&
			    read_slot(&slots[i], &s) && s.key.tp == tp)
				err = push(&t, &s.key, late ? 0 : s.packets,
					   late ? s.packets : 0,
					   late ? 0 : s.bytes, 0);
	}
	if (err) {
		free(t.v);
		free(key0);
		free(gen0);
		return err;
	}
	if (t.n)
		qsort(t.v, t.n, sizeof(*t.v), by_key);
	for (i = 0, j = 0; i < t.n; i++) {
		if (j && !by_key(&t.v[j - 1], &t.v[i])) {
			t.v[j - 1].packets += t.v[i].packets;
			t.v[j - 1].packets_late += t.v[i].packets_late;
			t.v[j - 1].bytes += t.v[i].bytes;
			if (t.v[i].born > t.v[j - 1].born)
				t.v[j - 1].born = t.v[i].born;
		} else {
			t.v[j++] = t.v[i];
		}
	}
	for (i = 0; i < nslots && !blind; i++) {
		uint32_t gen = slot_read(&slots[i], &s);

		/* a slot in the middle of changing hands at both reads (its
		 * CPU held up there): which key it held is unknown */
		blind = gen == 1 && gen0[i] == 1;
		if (gen == gen0[i])
			continue;
		memset(&s, 0, sizeof(s));
		s.key = key0[i];
		hit = j && gen0[i] != 1 ?
		      bsearch(&s, t.v, j, sizeof(*t.v), by_key) : NULL;
		if (hit)
			hit->unsure = 1;
	}
	for (i = 0; blind && i < j; i++)
		t.v[i].unsure = 1;
	free(key0);
	free(gen0);
	*out = t.v;
	return (int)j;
}

uint64_t cmon_slot_stat(unsigned int ev, uint64_t stat,
			const volatile struct cmon_hop_slot *slots,
			size_t nslots)
{
	int first = ev == CMON_EV_SAMPLED_OUT || ev == CMON_EV_STRIPPED;
	enum cmon_slot_stats kind;
	size_t i;

	if (ev == CMON_EV_SAMPLED_OUT || ev == CMON_EV_STAMPED)
		kind = CMON_SLOT_STAMPS;
	else if (ev == CMON_EV_WRITTEN)
		kind = CMON_SLOT_WRITES;
	else if (ev == CMON_EV_STRIPPED || ev == CMON_EV_RECORDS)
		kind = CMON_SLOT_STRIPS;
	else
		return stat;
	for (i = 0; i < nslots; i++) {
		const volatile struct cmon_hop_slot *s = &slots[i];
		uint32_t gen = s->gen;
		uint64_t v;

		/* (whose the two counts are goes with the key: a slot that
		 * changes hands meanwhile is left out, as one handed over) */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (gen & 1 || cmon_tp_stat(s->key.tp) != kind)
			continue;
		if (kind == CMON_SLOT_STAMPS)
			v = first ? s->sampled_out : s->stamped;
		else if (kind == CMON_SLOT_WRITES)
			v = s->written;
		else
			v = first ? s->stripped : s->records;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (s->gen == gen)
			stat += v;
	}
	return stat;
}
