// SPDX-License-Identifier: BSD-2-Clause
/*
 * The Open vSwitch hops' per-flow counters into the engine (ovs-flows.h).
 * Each read copies the slots in use, sorts them by flow and feeds each
 * flow's hops, summed over the switch's threads.  Slots of the receive
 * hop are read a second time after everything else (packets_late, the
 * baseline of the segment behind them: agg.h).  A flow the switch
 * rewrote on its way to kernel hops (CMON_TP_LEFT slots) is fed as it
 * left, the flow those hops count.
 */
#include <stdlib.h>
#include <string.h>
#include "cmon/annotation.h"
#include "cmon/dp.h"
#include "ovs-flows.h"
#include "view.h"

/* A slot's key: its flow, hop, port and reason, and the thread's row;
 * the flow fed (@flow) is the one the slot counts (@orig) or, rewritten,
 * the one it left the switch as. */
struct key {
	struct cmon_flow flow;
	uint8_t tp;
	uint16_t port;
	uint32_t reason;
	uint32_t row;
	struct cmon_flow orig;
};

/* A slot as read now. */
struct ent {
	struct key k;
	uint32_t idx, gen;
	uint64_t packets, bytes, late;
};

/*
 * A slot followed from read to read.  Its counts go on across the slot's
 * lives: a slot taken by another flow and back starts from 0 there, and
 * what it counted between the last read and then is missed (rebase).
 */
struct track {
	struct key k;
	uint32_t gen;			/* 0: the slot is another flow's now */
	uint64_t last;			/* its packets as last read */
	uint64_t last_bytes;
	uint64_t packets, bytes;	/* counted while followed */
	uint64_t late;			/* packets, with the late read's */
	uint64_t back;			/* of packets, taken back in this
					 * life: last - the slot's count */
	int rebase;			/* missed counts at this read */
	int from_start;			/* the slot was made after the
					 * baseline, and followed since */
	int main;			/* send hop: its port was the flow's
					 * main one at the last read */
	int renamed;			/* fed as another flow from now */
};

/* A flow rewritten, as the reader keeps it: what the last read found, and
 * what it found before while the flow's slots remain. */
struct rename {
	struct cmon_flow_rename r;
	uint64_t packets;		/* its slot's count (the latest wins) */
	int kept;			/* found now, or its flow's slots live */
};

struct cmon_ovs_flows {
	struct ent *ents;
	unsigned int nents, ents_cap;
	struct track *tr, *tr_next;
	unsigned int ntr, tr_cap;
	uint32_t roles_gen;
	unsigned int placed;		/* + 1: the engine's interval ports
					 * were last given roles in (the
					 * hops there were put in place) */
	uint32_t rows;			/* rows to read (a bit a row) */
	uint32_t found;			/* ... with a slot in use, last read */
	int read;			/* read once */
	uint64_t copies, moving;
	unsigned int flows;
	struct rename *renames;		/* by from */
	unsigned int nrenames, renames_cap;
	struct cmon_flow_rename *out;	/* cmon_ovs_flows_renamed() */
	unsigned int out_cap;
	struct cmon_shm_port ports[CMON_SHM_PORTS];	/* as last copied */
	struct addr_name {
		uint32_t addr;
		const char *name;
	} names[CMON_SHM_PORTS * CMON_EP_MAX_ADDRS];	/* by address */
	unsigned int nnames;
};

struct cmon_ovs_flows *cmon_ovs_flows_create(void)
{
	return calloc(1, sizeof(struct cmon_ovs_flows));
}

void cmon_ovs_flows_destroy(struct cmon_ovs_flows *r)
{
	if (!r)
		return;
	free(r->ents);
	free(r->tr);
	free(r->tr_next);
	free(r->renames);
	free(r->out);
	free(r);
}

/*
 * Copy slot @s (its writer may be rewriting it: a seqcount, shm.h).
 * Returns 1 with @out filled, 0 for a slot never used, -1 if it kept
 * moving.
 */
static int slot_read(const struct cmon_flow_slot *s, struct cmon_flow_slot *out)
{
	uint32_t g;
	int i;

	for (i = 0; i < 4; i++) {
		g = __atomic_load_n(&s->gen, __ATOMIC_ACQUIRE);
		if (!g)
			return 0;
		if (g & 1)
			continue;
		out->tp = __atomic_load_n(&s->tp, __ATOMIC_RELAXED);
		out->proto = __atomic_load_n(&s->proto, __ATOMIC_RELAXED);
		out->port = __atomic_load_n(&s->port, __ATOMIC_RELAXED);
		out->saddr = __atomic_load_n(&s->saddr, __ATOMIC_RELAXED);
		out->daddr = __atomic_load_n(&s->daddr, __ATOMIC_RELAXED);
		out->sport = __atomic_load_n(&s->sport, __ATOMIC_RELAXED);
		out->dport = __atomic_load_n(&s->dport, __ATOMIC_RELAXED);
		out->reason = __atomic_load_n(&s->reason, __ATOMIC_RELAXED);
		out->packets = __atomic_load_n(&s->packets, __ATOMIC_RELAXED);
		out->bytes = __atomic_load_n(&s->bytes, __ATOMIC_RELAXED);
		out->left_saddr = __atomic_load_n(&s->left_saddr,
						  __ATOMIC_RELAXED);
		out->left_daddr = __atomic_load_n(&s->left_daddr,
						  __ATOMIC_RELAXED);
		out->left_sport = __atomic_load_n(&s->left_sport,
						  __ATOMIC_RELAXED);
		out->left_dport = __atomic_load_n(&s->left_dport,
						  __ATOMIC_RELAXED);
		out->left_proto = __atomic_load_n(&s->left_proto,
						  __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&s->gen, __ATOMIC_RELAXED) == g) {
			out->gen = g;
			return 1;
		}
	}
	return -1;
}

static int flow_cmp(const struct cmon_flow *a, const struct cmon_flow *b)
{
	const uint64_t ka[] = { a->saddr, a->daddr,
				(uint64_t)a->sport << 16 | a->dport, a->proto };
	const uint64_t kb[] = { b->saddr, b->daddr,
				(uint64_t)b->sport << 16 | b->dport, b->proto };
	unsigned int i;

	for (i = 0; i < sizeof(ka) / sizeof(ka[0]); i++)
		if (ka[i] != kb[i])
			return ka[i] < kb[i] ? -1 : 1;
	return 0;
}

static int same_flow(const struct key *a, const struct key *b)
{
	return !flow_cmp(&a->flow, &b->flow);
}

/* Keys in flow order, then hop (receive, send, drops), reason, port, row
 * and the flow the slot counts. */
static int key_cmp(const struct key *a, const struct key *b)
{
	const uint64_t ka[] = { a->tp, a->reason, a->port, a->row };
	const uint64_t kb[] = { b->tp, b->reason, b->port, b->row };
	unsigned int i;
	int c = flow_cmp(&a->flow, &b->flow);

	if (c)
		return c;
	for (i = 0; i < sizeof(ka) / sizeof(ka[0]); i++)
		if (ka[i] != kb[i])
			return ka[i] < kb[i] ? -1 : 1;
	return flow_cmp(&a->orig, &b->orig);
}

static int ent_cmp(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;

	return key_cmp(&x->k, &y->k);
}

static int track_cmp(const void *a, const void *b)
{
	const struct track *x = a, *y = b;

	return key_cmp(&x->k, &y->k);
}

static int rename_cmp(const void *a, const void *b)
{
	const struct rename *x = a, *y = b;

	return flow_cmp(&x->r.from, &y->r.from);
}

/* (of two for one flow: the one found now, then the larger count) */
static int rename_newer(const void *a, const void *b)
{
	const struct rename *x = a, *y = b;
	int c = rename_cmp(a, b);

	if (c || x->kept != y->kept)
		return c ? c : y->kept - x->kept;
	return x->packets > y->packets ? -1 : x->packets < y->packets;
}

/* The flow @f is fed as, marking its rename kept if it has one. */
static struct cmon_flow fed_as(struct cmon_ovs_flows *r,
			       const struct cmon_flow *f)
{
	struct rename k = { .r.from = *f }, *m;

	m = r->nrenames ? bsearch(&k, r->renames, r->nrenames, sizeof(k),
				  rename_cmp) : NULL;
	if (!m)
		return *f;
	m->kept = 1;
	return m->r.to;
}

/* Make room for @n elements of @size at *@p (capacity *@cap): 0, or -1. */
static int grow(void *p, unsigned int *cap, unsigned int n, size_t size)
{
	unsigned int c = *cap ? *cap : 1024;
	void *q;

	if (n <= *cap)
		return 0;
	while (c < n)
		c *= 2;
	q = realloc(*(void **)p, (size_t)c * size);
	if (!q)
		return -1;
	*(void **)p = q;
	*cap = c;
	return 0;
}

/* A CMON_TP_LEFT slot @s read: its rename, found now.  0, or -1 without
 * memory. */
static int rename_found(struct cmon_ovs_flows *r, const struct cmon_flow_slot *s)
{
	struct rename *m;

	if (grow(&r->renames, &r->renames_cap, r->nrenames + 1, sizeof(*m)))
		return -1;
	m = &r->renames[r->nrenames++];
	*m = (struct rename){
		.r = { .from = { s->saddr, s->daddr, s->sport, s->dport,
				 s->proto },
		       .to = { s->left_saddr, s->left_daddr, s->left_sport,
			       s->left_dport, s->left_proto } },
		.packets = s->packets, .kept = 2 };
	return 0;
}

/* The renames found now and those kept from before, one per flow (the
 * newest), by flow; none kept, until fed_as() finds them used. */
static void renames_sort(struct cmon_ovs_flows *r)
{
	unsigned int i, n = 0;

	if (r->nrenames)
		qsort(r->renames, r->nrenames, sizeof(*r->renames),
		      rename_newer);
	for (i = 0; i < r->nrenames; i++)
		if (!n || rename_cmp(&r->renames[n - 1], &r->renames[i]))
			r->renames[n++] = r->renames[i];
	r->nrenames = n;
	for (i = 0; i < n; i++)
		r->renames[i].kept = 0;
}

/* Keep the renames whose flow's slots remain: those fed_as() found used
 * by a slot read now (snapshot()) or a track followed so far (retrack()),
 * which are every track merge() keeps; the others go. */
static void renames_keep(struct cmon_ovs_flows *r)
{
	unsigned int i, n = 0;

	for (i = 0; i < r->nrenames; i++)
		if (r->renames[i].kept)
			r->renames[n++] = r->renames[i];
	r->nrenames = n;
}

/* Tracks of a flow fed as another from now (renamed since the last read):
 * fed as that one, counted from here on, compared anew. */
static void retrack(struct cmon_ovs_flows *r)
{
	unsigned int i;
	int moved = 0;

	for (i = 0; i < r->ntr; i++) {
		struct track *t = &r->tr[i];
		struct cmon_flow f = fed_as(r, &t->k.orig);

		if (!flow_cmp(&f, &t->k.flow))
			continue;
		t->k.flow = f;
		t->renamed = 1;
		moved = 1;
	}
	if (moved)
		qsort(r->tr, r->ntr, sizeof(*r->tr), track_cmp);
}

/* Copy every slot in use of the rows to read, in key order; 0, or -1
 * without memory. */
static int snapshot(struct cmon_ovs_flows *r, const struct cmon_shm_flows *shm)
{
	unsigned int row, i, rows = shm->rows, slots = shm->slots;
	struct cmon_flow_slot s;

	if (rows > CMON_FLOW_ROWS)
		rows = CMON_FLOW_ROWS;
	if (slots > CMON_FLOW_SLOTS)
		slots = CMON_FLOW_SLOTS;
	r->nents = 0;
	r->found = 0;
	for (row = 0; row < rows; row++) {
		if (!(r->rows & 1u << row))
			continue;
		for (i = 0; i < slots; i++) {
			int rc = slot_read(&shm->slot[row][i], &s);
			struct ent *e;

			if (rc < 0)
				r->moving++;
			if (rc <= 0)
				continue;
			if (s.tp == CMON_TP_LEFT) {
				if (rename_found(r, &s))
					return -1;
				continue;
			}
			if (grow(&r->ents, &r->ents_cap, r->nents + 1,
				 sizeof(*e)))
				return -1;
			e = &r->ents[r->nents++];
			memset(e, 0, sizeof(*e));
			e->k.flow.saddr = s.saddr;
			e->k.flow.daddr = s.daddr;
			e->k.flow.sport = s.sport;
			e->k.flow.dport = s.dport;
			e->k.flow.proto = s.proto;
			e->k.orig = e->k.flow;
			e->k.tp = s.tp;
			e->k.port = s.port;
			e->k.reason = s.reason;
			e->k.row = row;
			r->found |= 1u << row;
			e->idx = i;
			e->gen = s.gen;
			e->packets = s.packets;
			e->bytes = s.bytes;
		}
	}
	/* the receive counts again, now that the send counts are read */
	for (i = 0; i < r->nents; i++) {
		struct ent *e = &r->ents[i];

		e->late = e->packets;
		if (e->k.tp == CMON_TP_OVS_RX &&
		    slot_read(&shm->slot[e->k.row][e->idx], &s) == 1 &&
		    s.gen == e->gen && s.packets > e->packets)
			e->late = s.packets;
	}
	renames_sort(r);
	for (i = 0; i < r->nents; i++)
		r->ents[i].k.flow = fed_as(r, &r->ents[i].k.orig);
	if (r->nents)
		qsort(r->ents, r->nents, sizeof(*r->ents), ent_cmp);
	return 0;
}

/* Follow slot @e from its track @t (NULL: a slot new to this read; at
 * the first read, what it counted before is the baseline: the switch
 * counted those packets before this reader was there). */
static void follow(struct track *n, const struct track *t, const struct ent *e,
		   int first)
{
	if (!t) {
		memset(n, 0, sizeof(*n));
		n->k = e->k;
	} else {
		*n = *t;
		n->rebase = 0;
	}
	if (t && t->renamed) {
		/* (what it counted before is the other flow's) */
		n->renamed = 0;
		n->rebase = 1;
		n->from_start = 0;
		n->packets = n->bytes = n->late = 0;
	}
	if (!e) {			/* the slot went to another flow */
		n->rebase = n->gen != 0;
		n->gen = 0;
		n->back = 0;
		n->from_start = 0;
		n->late = n->packets;
		return;
	}
	if (t && t->gen == e->gen) {
		/* (a packet counted sent and taken back between two reads
		 * counts once: the count never goes back, and what a read
		 * showed and was taken back since is told apart) */
		if (e->packets > n->last) {
			n->packets += e->packets - n->last;
			n->last = e->packets;
		}
		n->back = n->last - e->packets;
		if (e->bytes > n->last_bytes) {
			n->bytes += e->bytes - n->last_bytes;
			n->last_bytes = e->bytes;
		}
	} else {
		/* a new slot, or a new life of it: counted from 0 there; a
		 * slot new to this read that another key held before (taken
		 * over: the flow's counts before may be in a slot it lost
		 * since, never read) is compared from here too */
		n->rebase = t != NULL || e->gen != CMON_FLOW_GEN_FIRST;
		n->back = 0;	/* (compared anew: rebase) */
		n->from_start = !t && !first;
		n->packets += first ? 0 : e->packets;
		n->bytes += first ? 0 : e->bytes;
		n->last = e->packets;
		n->last_bytes = e->bytes;
	}
	n->gen = e->gen;
	n->late = n->packets +
		  (e->late > e->packets ? e->late - e->packets : 0);
}

/* Merge this read's slots into the tracks; flows with no slot left are
 * let go.  0, or -1 without memory. */
static int merge(struct cmon_ovs_flows *r, int first)
{
	unsigned int i = 0, j = 0, n = 0, start, cap = r->tr_cap;
	struct track *t;

	if (grow(&r->tr_next, &cap, r->ntr + r->nents, sizeof(*t)) ||
	    grow(&r->tr, &r->tr_cap, r->ntr + r->nents, sizeof(*t)))
		return -1;
	while (i < r->ntr || j < r->nents) {
		int c = i == r->ntr ? 1 : j == r->nents ? -1 :
			key_cmp(&r->tr[i].k, &r->ents[j].k);

		if (c < 0)
			follow(&r->tr_next[n++], &r->tr[i++], NULL, first);
		else if (c > 0)
			follow(&r->tr_next[n++], NULL, &r->ents[j++], first);
		else
			follow(&r->tr_next[n++], &r->tr[i++], &r->ents[j++],
			       first);
	}
	/* keep the flows that still have a slot */
	r->ntr = 0;
	for (i = 0; i < n; i = j) {
		int live = 0;

		for (j = i; j < n && same_flow(&r->tr_next[i].k,
					       &r->tr_next[j].k); j++)
			live |= r->tr_next[j].gen != 0;
		if (!live)
			continue;
		for (start = i; start < j; start++)
			r->tr[r->ntr++] = r->tr_next[start];
	}
	return 0;
}

/* One flow's tracks [a, b): its hops and drops into @agg. */
static void feed_flow(struct cmon_ovs_flows *r, struct track *a,
		      struct track *b, uint8_t node, struct cmon_agg *agg)
{
	/* (counts never restart from 0 here: one epoch) */
	struct cmon_hop_counter rx = { .flow = a->k.flow, .tp = CMON_TP_OVS_RX,
				       .node = node, .epoch = 1,
				       .known_place = 1, .placed = r->placed };
	struct cmon_hop_counter tx = rx;
	uint64_t tx_all = 0;
	struct track *t, *q, *main = NULL, *main_end = NULL;
	int was_main = 0, main_had = 0;

	tx.tp = CMON_TP_OVS_TX;
	rx.from_start = 1;
	for (t = a; t < b && t->k.tp == CMON_TP_OVS_RX; t++) {
		rx.from_start &= t->from_start;
		rx.packets += t->packets;
		rx.bytes += t->bytes;
		rx.packets_late += t->late;
		rx.rebase |= t->rebase;
	}
	if (t > a)
		cmon_agg_hop_count(agg, &rx);
	/* the send hop: its output port that took the most of the flow */
	for (; t < b && t->k.tp == CMON_TP_OVS_TX; t = q) {
		struct cmon_hop_counter c = tx;
		int had = 0;

		c.packets = c.bytes = c.packets_back = 0;
		c.rebase = 0;
		c.from_start = 1;
		for (q = t; q < b && q->k.tp == CMON_TP_OVS_TX &&
			    q->k.port == t->k.port; q++) {
			c.from_start &= q->from_start;
			c.packets += q->packets;
			c.packets_back += q->back;
			c.bytes += q->bytes;
			c.rebase |= q->rebase;
			had |= q->main;
			q->main = 0;
		}
		was_main |= had;
		tx_all += c.packets;
		if (!main || c.packets > tx.packets) {
			tx = c;
			main = t;
			main_end = q;
			main_had = had;
		}
	}
	if (main) {
		r->copies += tx_all - tx.packets;
		/* another port taking the lead brings its counts along: the
		 * count only grows (it is a max), compared anew from here */
		tx.rebase |= was_main && !main_had;
		for (q = main; q < main_end; q++)
			q->main = 1;
		cmon_agg_hop_count(agg, &tx);
	}
	/* drops, by reason and port; a port other than the main one
	 * dropping what it was to send drops a copy, not the flow's packet */
	for (; t < b; t = q) {
		uint64_t n = 0;

		for (q = t; q < b && q->k.reason == t->k.reason &&
			    q->k.port == t->k.port; q++)
			n += q->packets;
		if (t->k.reason >= CMON_OVS_DROP_PORT_DOWN && main &&
		    t->k.port != main->k.port)
			continue;
		cmon_agg_drop(agg, &t->k.flow, CMON_NETNS_OVS, t->k.port,
			      CMON_REASON_OVS + t->k.reason, CMON_TP_OVS_TX, n);
	}
	r->flows++;
}

/* Read the slots into the tracks (@first: the baseline); 0, or -1 without
 * memory. */
static int read_slots(struct cmon_ovs_flows *r,
		      const struct cmon_shm_flows *shm, int first)
{
	if (snapshot(r, shm))
		return -1;
	retrack(r);
	if (merge(r, first))
		return -1;
	renames_keep(r);
	return 0;
}

int cmon_ovs_flows_baseline(struct cmon_ovs_flows *r,
			    const struct cmon_shm_flows *shm)
{
	r->roles_gen = __atomic_load_n(&shm->roles_gen, __ATOMIC_ACQUIRE);
	r->rows = ~0u;
	if (read_slots(r, shm, 1))
		return -1;
	r->rows = r->found;	/* (and those cmon_ovs_flows_feed() is given) */
	r->read = 1;
	return 0;
}

void cmon_ovs_flows_feed(struct cmon_ovs_flows *r,
			 const struct cmon_shm_flows *shm, uint32_t rows,
			 uint8_t node, struct cmon_agg *agg)
{
	uint32_t roles_gen = __atomic_load_n(&shm->roles_gen, __ATOMIC_ACQUIRE);
	int first = !r->read;
	unsigned int i, j;

	r->rows |= rows;	/* (a row read once is read from then on) */
	/* ports given a role since: their counts start mid-flow */
	if (!first && roles_gen != r->roles_gen)
		r->placed = cmon_agg_interval(agg) + 1;
	r->roles_gen = roles_gen;
	r->copies = 0;
	r->flows = 0;
	if (read_slots(r, shm, first))
		return;		/* no memory: nothing fed, compared anew */
	r->read = 1;
	for (i = 0; i < r->ntr; i = j) {
		for (j = i + 1; j < r->ntr &&
			       same_flow(&r->tr[i].k, &r->tr[j].k); j++)
			;
		feed_flow(r, &r->tr[i], &r->tr[j], node, agg);
	}
}

uint64_t cmon_ovs_flows_copies(const struct cmon_ovs_flows *r)
{
	return r->copies;
}

unsigned int cmon_ovs_flows_count(const struct cmon_ovs_flows *r)
{
	return r->flows;
}

uint64_t cmon_ovs_flows_moving(const struct cmon_ovs_flows *r)
{
	return r->moving;
}

unsigned int cmon_ovs_flows_renamed(struct cmon_ovs_flows *r,
				    const struct cmon_flow_rename **out)
{
	unsigned int i;

	*out = NULL;
	if (grow(&r->out, &r->out_cap, r->nrenames, sizeof(*r->out)))
		return 0;
	for (i = 0; i < r->nrenames; i++)
		r->out[i] = r->renames[i].r;
	*out = r->out;
	return r->nrenames;
}

static int addr_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct addr_name *)a)->addr;
	uint32_t y = ((const struct addr_name *)b)->addr;

	return x < y ? -1 : x > y;
}

/* An endpoint by the port it sits on. */
struct port_ep {
	uint32_t port;
	unsigned int ep;
};

static int port_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct port_ep *)a)->port;
	uint32_t y = ((const struct port_ep *)b)->port;

	return x < y ? -1 : x > y;
}

unsigned int cmon_ovs_endpoints(struct cmon_ovs_flows *r,
				const struct cmon_shm_flows *shm,
				struct cmon_endpoint *eps, unsigned int max)
{
	struct port_ep by_port[CMON_SHM_PORTS];
	unsigned int i, k, n = 0;

	memcpy(r->ports, shm->ports, sizeof(r->ports));
	for (i = 0; i < CMON_SHM_PORTS && n < max; i++) {
		struct cmon_shm_port *p = &r->ports[i];
		struct cmon_endpoint *e = &eps[n];

		p->name[sizeof(p->name) - 1] = 0;
		p->type[sizeof(p->type) - 1] = 0;
		p->bridge[sizeof(p->bridge) - 1] = 0;
		if (p->role != CMON_ROLE_CONTAINER || !p->name[0])
			continue;
		memset(e, 0, sizeof(*e));
		e->name = e->port = p->name;
		e->bridge = p->bridge;
		e->port_type = p->type;
		by_port[n] = (struct port_ep){ p->port, n };
		n++;
	}
	if (n)
		qsort(by_port, n, sizeof(by_port[0]), port_cmp);
	/* the sources of what came in at each port, in one pass */
	for (i = 0; i < r->ntr && n; i++) {
		const struct track *t = &r->tr[i];
		const struct port_ep key = { t->k.port, 0 }, *f;
		struct cmon_endpoint *e;

		if (t->k.tp != CMON_TP_OVS_RX || !t->gen)
			continue;
		f = bsearch(&key, by_port, n, sizeof(key), port_cmp);
		if (!f)
			continue;
		e = &eps[f->ep];
		/* (as it came in: not as the switch rewrote it) */
		for (k = 0; k < e->naddrs && e->addr[k] != t->k.orig.saddr; k++)
			;
		if (k == e->naddrs && k < CMON_EP_MAX_ADDRS)
			e->addr[e->naddrs++] = t->k.orig.saddr;
	}
	r->nnames = 0;
	for (i = 0; i < n; i++)
		for (k = 0; k < eps[i].naddrs; k++)
			r->names[r->nnames++] = (struct addr_name){
				eps[i].addr[k], eps[i].name };
	qsort(r->names, r->nnames, sizeof(r->names[0]), addr_cmp);
	return n;
}

static int port_in(const struct cmon_shm_port *p)
{
	return p->flags & CMON_SHM_PORT_IN;
}

_Static_assert(CMON_MAX_SWITCH_PORTS >= CMON_SHM_PORTS,
	       "the view takes every port the switch lists");

unsigned int cmon_ovs_switch_ports(const struct cmon_ovs_flows *r,
				   struct cmon_switch_port *ports,
				   unsigned int max)
{
	static const char *const roles[] = { "none", "container", "trunk" };
	unsigned int i, n = 0;

	for (i = 0; i < CMON_SHM_PORTS && n < max; i++) {
		const struct cmon_shm_port *p = &r->ports[i];

		if (!port_in(p) || !p->name[0])
			continue;
		ports[n++] = (struct cmon_switch_port){
			.name = p->name, .type = p->type, .bridge = p->bridge,
			.role = p->role < 3 ? roles[p->role] : "none" };
	}
	return n;
}

const char *cmon_ovs_ip_name(const struct cmon_ovs_flows *r, uint32_t addr)
{
	const struct addr_name key = { addr, NULL }, *f;

	f = r->nnames ? bsearch(&key, r->names, r->nnames, sizeof(key),
				addr_cmp) : NULL;
	return f ? f->name : NULL;
}

unsigned int cmon_ovs_kernel_ports(const struct cmon_shm_flows *shm,
				   int *ifindex, unsigned int max)
{
	unsigned int i, n = 0;

	for (i = 0; i < CMON_SHM_PORTS && n < max; i++) {
		struct cmon_shm_port p = shm->ports[i];

		if (p.role && p.ifindex && p.ifindex <= INT32_MAX)
			ifindex[n++] = (int)p.ifindex;
	}
	return n;
}

const char *cmon_ovs_port_name(const struct cmon_shm_flows *shm,
			       uint32_t port)
{
	const struct cmon_shm_port *p =
		port < CMON_SHM_PORTS ? &shm->ports[port] : NULL;

	return p && port_in(p) && p->name[0] ? p->name : NULL;
}

const char *cmon_ovs_reason_name(uint32_t reason)
{
	static const char *const xlate[] = {
		"drop_action_of_pipeline", "drop_action_bridge_not_found",
		"drop_action_recursion_too_deep",
		"drop_action_too_many_resubmit", "drop_action_stack_too_deep",
		"drop_action_no_recirculation_context",
		"drop_action_recirculation_conflict",
		"drop_action_too_many_mpls_labels",
		"drop_action_invalid_tunnel_metadata",
		"drop_action_unsupported_packet_type",
		"drop_action_congestion", "drop_action_forwarding_disabled",
	};
#define O(r) [CMON_OVS_DROP_##r - CMON_OVS_DROP_INVALID_PORT]
	static const char *const other[] = {
		O(INVALID_PORT) = "datapath_drop_invalid_port",
		O(METER) = "datapath_drop_meter",
		O(UPCALL) = "datapath_drop_upcall_error",
		O(RECIRC) = "datapath_drop_recirc_error",
		O(INVALID_TNL_PORT) = "datapath_drop_invalid_tnl_port",
		O(INVALID_BOND) = "datapath_drop_invalid_bond",
		O(RX_QOS) = "rx_qos_drops",
		O(TUNNEL_PUSH) = "datapath_drop_tunnel_push_error",
		O(PUSH_HEADER) = "netdev_push_header_drops",
		O(TUNNEL_POP) = "datapath_drop_tunnel_pop_error",
		O(PORT_DOWN) = "tx_dropped_port_down",
		O(MTU) = "tx_mtu_exceeded_drops",
		O(TX_FAILURE) = "tx_failure_drops",
		O(QOS) = "tx_qos_drops",
	};
#undef O
	uint32_t r = reason - CMON_REASON_OVS;

	if (reason < CMON_REASON_OVS || r >= CMON_OVS_DROP_MAX)
		return NULL;
	if (r <= CMON_OVS_DROP_XLATE_MAX)
		return r < sizeof(xlate) / sizeof(xlate[0]) ? xlate[r] :
							      "drop_action";
	return other[r - CMON_OVS_DROP_INVALID_PORT];
}
