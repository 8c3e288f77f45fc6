// SPDX-License-Identifier: BSD-2-Clause
/*
 * Aggregation engine: see agg.h.  Flows, pairs and drop counters live in
 * small chained hash tables; all figures are computed at tick time so the
 * per-record path is a hash lookup and a few histogram increments.
 *
 * Loss from counters compares two neighbouring hops of a flow over the
 * same span only.  Hops that both counted the flow from its first packet
 * (they appeared after the engine's first interval, were in place before
 * the flow began, and no counter was lost around then) are compared from
 * zero; any other pair of hops from the first read that has both (a
 * consistent cut: producers read upstream first), and hops of two nodes
 * whose counts do not both start at the flow's first packet not at all,
 * since another node's counts are older than ours by an unknown span.  A
 * counter that restarts starts its segments anew.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include "agg.h"

#define HT_BUCKETS 4096

/* Reads in a row a gap between two hops' counts must last to be loss.
 * Packets between the hops while they are read show as a gap at one read;
 * on a busy path, now and then at two in a row (a false loss of 2 was
 * seen so), rarely at three.  Real loss shows at every read after it, so
 * three only reports it an interval later. */
#define GAP_READS	3

int cmon_tp_rank(uint8_t tp)
{
	switch (tp) {
	case CMON_TP_CT_TX:	return 0;
	case CMON_TP_HOST_OUT:	return 1;
	case CMON_TP_VETH_IN:	return 2;
	case CMON_TP_UPLINK:	return 3;
	case CMON_TP_OVL_OUT:	return 4;
	case CMON_TP_OVS_RX:	return 5;
	case CMON_TP_OVS_TX:	return 6;
	case CMON_TP_OVL_IN:	return 7;
	case CMON_TP_VETH_OUT:	return 8;
	case CMON_TP_HOST_IN:	return 9;
	case CMON_TP_CT_RX:	return 10;
	default:		return 99;
	}
}

/* How the segment from a hop to the next one is compared. */
enum seg_state {
	SEG_NEW,		/* no baseline yet: taken at the next tick */
	SEG_BASED,		/* compared from base / base_next */
	SEG_BLIND,		/* across nodes without a common start: not */
};

struct hop_ctr {
	uint8_t tp, node;
	uint8_t whole;			/* counted from the flow's first packet */
	uint8_t seg;			/* enum seg_state, towards the next hop */
	uint8_t unsure;			/* this interval's read is (agg.h) */
	unsigned int based;		/* interval of the segment's baseline */
	uint64_t epoch;			/* as fed: changes on a restart */
	uint64_t packets, bytes;	/* cumulative, as fed */
	uint64_t late;			/* packets read after downstream */
	uint64_t back;			/* of packets, taken back: the count
					 * now is packets - back */
	uint64_t drops_lost;		/* drops before the next hop counted
					 * as loss before the segment had
					 * a baseline (unseen_loss()) */
	uint64_t prev_packets, prev_bytes;	/* at the last tick */
	unsigned int born, fed;		/* intervals it appeared, last came */
	unsigned int placed;		/* + 1: the interval its hop was put
					 * in place in, as far as known */
	/* the segment to the next hop: both counts at its baseline, the
	 * max confirmed gap since and the gaps at the last ticks (newest
	 * first) */
	uint64_t base, base_next;
	uint64_t lost_max;
	uint64_t gap_prev[GAP_READS - 1];
};

struct pair;

struct flow {
	struct cmon_flow key;
	struct flow *next;
	struct pair *pair;		/* NULL while dormant (pair expired) */
	uint32_t max_seq;
	uint64_t seq_seen;		/* bit i: max_seq - i arrived */
	int seq_init;
	int seq_one;			/* its numbering passed 1 */
	unsigned int seq_since;		/* the interval it began in (here) */
	uint32_t seq_port;		/* the port whose records it follows */
	/* its numbering's gaps and arrivals: [0] this interval's, [1] the
	 * last's, its figures at the end of this one (but for the gaps late
	 * packets fill meanwhile) */
	uint64_t seq_gap[2], seq_recv[2];
	unsigned int nhops;
	struct hop_ctr hop[CMON_MAX_CHOPS];
	int ticked;			/* counted by a tick already */
	/* the hop its traffic is counted at: the first it had, kept while
	 * others join (another node's, read at another time) */
	int has_ref;
	uint8_t ref_tp, ref_node;
	unsigned int fed;		/* interval of the last input */
};

struct pair {
	struct pair *next;
	struct cmon_pair_stats st;	/* last tick's figures */
	struct cmon_hist e2e;		/* accumulating this interval */
	uint64_t e2e_unknown;		/* ... and not, for lack of offset */
	unsigned int nsegs;
	struct cmon_seg_stats seg[CMON_MAX_SEGS];
	uint64_t traced;
	uint64_t lost_at[CMON_TP_MAX];	/* this tick: lost after hop tp */
	uint8_t lost_to[CMON_TP_MAX];	/* ... before reaching this hop */
	uint64_t lost_before_ref;	/* this tick: lost before flows' ref hops */
	unsigned int idle;
	int dirty;
	int dead;			/* being expired */
};

struct drop {
	struct drop *next;
	struct cmon_flow flow;
	uint32_t netns, ifindex, reason;
	uint8_t before;			/* hop not reached, or CMON_TP_NONE */
	uint64_t count, prev;
	unsigned int fed;		/* interval of the last input */
};

struct cmon_agg {
	struct flow *flows[HT_BUCKETS];
	struct pair *pairs[HT_BUCKETS];
	struct drop *drops[HT_BUCKETS];
	struct flow *last;		/* the last flow found (records come in
					 * runs of one flow) */
	struct pair **list;		/* pairs in stable order for readers */
	unsigned int npairs, cap;
	unsigned int nflows;
	unsigned int max_pairs, max_flows;
	uint64_t full;			/* inputs refused at those bounds */
	struct cmon_link links[CMON_MAX_LINKS];
	unsigned int nlinks;
	/* clock offsets: node b - node a, for a < b */
	struct { uint8_t a, b; int64_t ns; } off[CMON_MAX_LINKS];
	unsigned int noff;
	int trust_clocks;
	uint64_t records, bad_records;
	uint64_t overflow;		/* samples beyond a fixed bound */
	uint64_t restarts, seq_restarts;
	uint64_t copies;		/* records of flooded copies */
	struct cmon_port_range *ports;	/* set apart, sorted, disjoint */
	unsigned int nports;
	unsigned int ticks;		/* intervals closed: the current one */
	unsigned int attached;		/* + 1: the last with hops attached */
	unsigned int evicted;		/* + 1: the last with counters evicted */
};

static uint32_t hash_words(const uint32_t *w, unsigned int n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL;

	while (n--)
		h = cmon_mix64(h ^ *w++);
	return (uint32_t)h % HT_BUCKETS;
}

static uint32_t flow_hash(const struct cmon_flow *f)
{
	uint32_t w[3] = { f->saddr, f->daddr,
			  ((uint32_t)f->sport << 16 | f->dport) ^
			  (uint32_t)f->proto << 8 };
	return hash_words(w, 3);
}

static int flow_eq(const struct cmon_flow *a, const struct cmon_flow *b)
{
	return a->saddr == b->saddr && a->daddr == b->daddr &&
	       a->sport == b->sport && a->dport == b->dport &&
	       a->proto == b->proto;
}

static void pair_free(struct pair *p)
{
	unsigned int i;

	cmon_hist_free(&p->e2e);
	cmon_hist_free(&p->st.e2e);
	for (i = 0; i < CMON_MAX_SEGS; i++) {
		cmon_hist_free(&p->seg[i].hist);
		cmon_hist_free(&p->st.seg[i].hist);
	}
	free(p);
}

struct cmon_agg *cmon_agg_create(void)
{
	struct cmon_agg *agg = calloc(1, sizeof(struct cmon_agg));

	if (agg)
		cmon_agg_set_limits(agg, CMON_AGG_MAX_PAIRS,
				    CMON_AGG_MAX_FLOWS);
	return agg;
}

void cmon_agg_set_limits(struct cmon_agg *agg, unsigned int pairs,
			 unsigned int flows)
{
	agg->max_pairs = pairs;
	agg->max_flows = flows;
}

uint64_t cmon_agg_full(const struct cmon_agg *agg)
{
	return agg->full;
}

void cmon_agg_destroy(struct cmon_agg *agg)
{
	unsigned int i;

	if (!agg)
		return;
	for (i = 0; i < HT_BUCKETS; i++) {
		struct flow *f, *fn;
		struct pair *p, *pn;
		struct drop *d, *dn;

		for (f = agg->flows[i]; f; f = fn) {
			fn = f->next;
			free(f);
		}
		for (p = agg->pairs[i]; p; p = pn) {
			pn = p->next;
			pair_free(p);
		}
		for (d = agg->drops[i]; d; d = dn) {
			dn = d->next;
			free(d);
		}
	}
	free(agg->list);
	free(agg->ports);
	free(agg);
}

uint16_t cmon_agg_port_of(const struct cmon_agg *agg, uint8_t proto,
			  uint16_t dport)
{
	unsigned int lo = 0, hi = agg->nports;
	uint16_t port = ntohs(dport);

	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return 0;
	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;

		if (port > agg->ports[mid].hi)
			lo = mid + 1;
		else if (port < agg->ports[mid].lo)
			hi = mid;
		else
			return port;
	}
	return 0;
}

static struct pair *pair_get(struct cmon_agg *agg, const struct cmon_flow *k)
{
	uint16_t port = cmon_agg_port_of(agg, k->proto, k->dport);
	uint32_t w[4] = { k->saddr, k->daddr, k->proto, port };
	uint32_t b = hash_words(w, 4);
	struct pair *p;

	for (p = agg->pairs[b]; p; p = p->next)
		if (p->st.saddr == k->saddr && p->st.daddr == k->daddr &&
		    p->st.proto == k->proto && p->st.port == port)
			return p;
	if (agg->npairs >= agg->max_pairs) {
		agg->full++;
		return NULL;
	}
	if (agg->npairs == agg->cap) {
		unsigned int cap = agg->cap ? agg->cap * 2 : 64;
		struct pair **l = realloc(agg->list, cap * sizeof(*l));

		if (!l) {
			agg->overflow++;
			return NULL;
		}
		agg->list = l;
		agg->cap = cap;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		agg->overflow++;
		return NULL;
	}
	p->st.saddr = k->saddr;
	p->st.daddr = k->daddr;
	p->st.proto = k->proto;
	p->st.port = port;
	p->st.loss_from_tp = p->st.loss_to_tp = 0xff;	/* no loss seen */
	p->next = agg->pairs[b];
	agg->pairs[b] = p;
	agg->list[agg->npairs++] = p;
	return p;
}

/* The flow of key @k, or NULL; the last one found is looked at first. */
static struct flow *flow_find(struct cmon_agg *agg, const struct cmon_flow *k)
{
	struct flow *f;

	if (agg->last && flow_eq(&agg->last->key, k))
		return agg->last;	/* (without hashing) */
	for (f = agg->flows[flow_hash(k)]; f; f = f->next)
		if (flow_eq(&f->key, k))
			return agg->last = f;
	return NULL;
}

static struct flow *flow_get(struct cmon_agg *agg, const struct cmon_flow *k)
{
	struct flow *f = flow_find(agg, k);
	uint32_t b;

	if (f)
		return f;
	if (agg->nflows >= agg->max_flows) {
		agg->full++;
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		agg->overflow++;
		return NULL;
	}
	f->key = *k;
	f->pair = pair_get(agg, k);
	if (!f->pair) {
		free(f);
		return NULL;
	}
	b = flow_hash(k);
	f->next = agg->flows[b];
	agg->flows[b] = f;
	agg->nflows++;
	return f;
}

static struct cmon_seg_stats *seg_get(struct pair *p, const struct cmon_rec_hop *a,
				      const struct cmon_rec_hop *b)
{
	unsigned int i;

	for (i = 0; i < p->nsegs; i++)
		if (p->seg[i].from_tp == a->tp && p->seg[i].to_tp == b->tp &&
		    p->seg[i].from_node == a->node &&
		    p->seg[i].to_node == b->node)
			return &p->seg[i];
	if (p->nsegs == CMON_MAX_SEGS)
		return NULL;
	p->seg[i].from_tp = a->tp;
	p->seg[i].from_node = a->node;
	p->seg[i].to_tp = b->tp;
	p->seg[i].to_node = b->node;
	cmon_hist_reset(&p->seg[i].hist);
	p->nsegs++;
	return &p->seg[i];
}

/* A dormant flow's pair comes back when the flow has news. */
static struct pair *flow_pair(struct cmon_agg *agg, struct flow *f)
{
	if (!f->pair)
		f->pair = pair_get(agg, &f->key);
	return f->pair;
}

/*
 * Sequence bookkeeping in serial-number arithmetic (numbers wrap at 2^32):
 * a gap is loss, a late arrival gives one back, a duplicate changes
 * nothing.  An interval's gaps and arrivals are its flow's figures at the
 * end of the next one, so a packet late by less than an interval (held by
 * a thread whose CPU was given to another, or its record in another CPU's
 * ring) still fills its gap, as one late by thousands of numbers does.
 * A jump beyond these windows, or back to 1, is a stamper that restarted
 * its numbering (its word evicted): counted, not loss.  But a 1 its
 * numbering did not pass, in the interval it began in or the next, is
 * the flow's first packet, late.
 */
#define SEQ_GAP_MAX	65536
#define SEQ_LATE_MAX	65536

static void flow_seq(struct cmon_agg *agg, struct flow *f, uint32_t seq)
{
	int32_t d = (int32_t)(seq - f->max_seq);

	f->seq_recv[0]++;	/* (a duplicate takes it back) */
	if (f->seq_init && d > 0 && d <= SEQ_GAP_MAX) {
		f->seq_gap[0] += (uint32_t)d - 1;
		f->seq_seen = d < 64 ? f->seq_seen << d | 1 : 1;
		f->seq_one |= seq < f->max_seq;	/* (wrapped past 1) */
		f->max_seq = seq;
	} else if (f->seq_init && d <= 0 && d > -SEQ_LATE_MAX &&
		   !(seq == 1 && d < -1 &&
		     (f->seq_one || agg->ticks - f->seq_since > 1))) {
		uint64_t bit = -d < 64 ? 1ULL << -d : 0;

		if (f->seq_seen & bit) {
			f->seq_recv[0]--; /* a duplicate (a flooded copy) */
			return;
		}
		f->seq_seen |= bit;
		f->seq_one |= seq == 1;
		/* reordered: was counted a gap (the older first) */
		if (f->seq_gap[1])
			f->seq_gap[1]--;
		else if (f->seq_gap[0])
			f->seq_gap[0]--;
	} else {
		if (f->seq_init)
			agg->seq_restarts++;
		f->seq_init = 1;
		f->seq_one = seq == 1;
		f->seq_since = agg->ticks;
		f->max_seq = seq;
		f->seq_seen = 1;
	}
}

/* A cross-node segment's one-way delay, for clock offset estimation. */
static void link_add(struct cmon_agg *agg, uint8_t from, uint8_t to,
		     int64_t ns)
{
	unsigned int i;

	for (i = 0; i < agg->nlinks; i++)
		if (agg->links[i].from_node == from && agg->links[i].to_node == to)
			break;
	if (i == agg->nlinks) {
		if (agg->nlinks == CMON_MAX_LINKS) {
			agg->overflow++;
			return;
		}
		agg->nlinks++;
		agg->links[i].from_node = from;
		agg->links[i].to_node = to;
		cmon_owd_reset(&agg->links[i].owd);
	}
	cmon_owd_add(&agg->links[i].owd, ns);
}

void cmon_agg_record(struct cmon_agg *agg, const struct cmon_record *r)
{
	struct cmon_flow k = { .saddr = r->saddr, .daddr = r->daddr,
			       .sport = r->sport, .dport = r->dport,
			       .proto = r->proto };
	struct flow *f;
	struct pair *p;
	unsigned int i, n = r->nhops;
	int64_t e2e_off = 0;
	int e2e_known = 1;

	agg->records++;
	if (n < 2 || n > CMON_REC_HOPS) {
		agg->bad_records++;
		return;
	}
	f = flow_get(agg, &k);
	p = f ? flow_pair(agg, f) : NULL;
	if (!p)
		return;		/* counted: full or no memory */
	f->fed = agg->ticks;
	/* A switch that floods a packet sends a copy, and a record, to each
	 * port: the sequence follows the port that gets the newest packets,
	 * and the copies elsewhere are neither duplicates nor late. */
	if (f->seq_init && r->port != f->seq_port &&
	    (int32_t)(r->seq - f->max_seq) <= 0)
		agg->copies++;
	else {
		f->seq_port = r->port;
		flow_seq(agg, f, r->seq);
	}
	p->traced++;
	p->dirty = 1;
	for (i = 1; i < n; i++) {
		struct cmon_seg_stats *s = seg_get(p, &r->hop[i - 1], &r->hop[i]);
		int64_t d = (int64_t)r->hop[i].delta - r->hop[i - 1].delta;
		uint8_t a = r->hop[i - 1].node, b = r->hop[i].node;
		int64_t off = 0;
		int known = 1;

		if (a != b) {
			/* raw one-way delays feed the offset estimation */
			link_add(agg, a, b, d);
			known = !cmon_agg_offset(agg, a, b, &off);
		}
		e2e_off += off;
		e2e_known &= known;
		if (!s || (known && cmon_hist_add(&s->hist, d - off)))
			agg->overflow++;
		else if (!known)
			s->unknown++;
	}
	if (e2e_known) {
		if (cmon_hist_add(&p->e2e, (int64_t)r->hop[n - 1].delta -
				  r->hop[0].delta - e2e_off))
			agg->overflow++;
	} else
		p->e2e_unknown++;
}

unsigned int cmon_agg_hop_counters(const struct cmon_agg *agg, uint8_t node,
				   struct cmon_hop_counter *out,
				   unsigned int max)
{
	const struct flow *f;
	unsigned int b, i, n = 0;

	for (b = 0; b < HT_BUCKETS; b++)
		for (f = agg->flows[b]; f; f = f->next)
			for (i = 0; i < f->nhops; i++) {
				if (f->hop[i].node != node)
					continue;
				if (n++ >= max)
					continue;	/* counted, not written */
				out[n - 1] = (struct cmon_hop_counter){
					.flow = f->key, .tp = f->hop[i].tp,
					.node = node,
					.partial = !f->hop[i].whole,
					.epoch = f->hop[i].epoch,
					.packets = f->hop[i].packets,
					.bytes = f->hop[i].bytes,
					.packets_back = f->hop[i].back };
			}
	return n;
}

/* Index of the offset between nodes @a < @b, or agg->noff if none. */
static unsigned int off_find(const struct cmon_agg *agg, uint8_t a, uint8_t b)
{
	unsigned int i;

	for (i = 0; i < agg->noff; i++)
		if (agg->off[i].a == a && agg->off[i].b == b)
			break;
	return i;
}

int cmon_agg_offset(const struct cmon_agg *agg, uint8_t a, uint8_t b,
		    int64_t *ns)
{
	unsigned int i = off_find(agg, a < b ? a : b, a < b ? b : a);

	*ns = 0;
	if (a == b)
		return 0;
	if (i == agg->noff)
		return agg->trust_clocks ? 0 : -EAGAIN;
	*ns = a < b ? agg->off[i].ns : -agg->off[i].ns;
	return 0;
}

void cmon_agg_set_offset(struct cmon_agg *agg, uint8_t a, uint8_t b,
			 int64_t ns)
{
	unsigned int i;

	if (a > b) {
		cmon_agg_set_offset(agg, b, a, -ns);
		return;
	}
	i = off_find(agg, a, b);
	if (i == agg->noff) {
		if (agg->noff == CMON_MAX_LINKS) {
			agg->overflow++;
			return;
		}
		agg->noff++;
	}
	agg->off[i].a = a;
	agg->off[i].b = b;
	agg->off[i].ns = ns;
}

void cmon_agg_trust_clocks(struct cmon_agg *agg, int trust)
{
	agg->trust_clocks = trust;
}

void cmon_agg_hops_changed(struct cmon_agg *agg)
{
	agg->attached = agg->ticks + 1;
}

unsigned int cmon_agg_interval(const struct cmon_agg *agg)
{
	return agg->ticks;
}

void cmon_agg_counters_evicted(struct cmon_agg *agg)
{
	agg->attached = agg->evicted = agg->ticks + 1;
}

/*
 * The interval (+ 1) the hop of counter @c was put in place in: as its
 * producer knows it, or else the last one any hop was attached in (the
 * hop may be that one).
 */
static unsigned int hop_placed(const struct cmon_agg *agg,
			       const struct cmon_hop_counter *c)
{
	return c->known_place ? c->placed : agg->attached;
}

/*
 * Did a hop appearing now count the flow from its first packet?  Not in
 * the first interval (traffic was running before), unless its producer
 * saw the counter begin, nor where the hop was put in place in this
 * interval (the flow may have started before it), nor where counters
 * were evicted in it, nor where its producer may have missed counts.
 * (A flow that started an interval earlier, before the hop was there,
 * has an upstream hop that appeared then: seg_base() compares the two
 * from zero only if this hop was in place by then.)
 */
static int hop_whole(const struct cmon_agg *agg, const struct cmon_hop_counter *c)
{
	return (agg->ticks >= 1 || c->from_start) &&
	       hop_placed(agg, c) <= agg->ticks &&
	       agg->evicted <= agg->ticks && !c->partial && !c->rebase;
}

void cmon_agg_hop_count(struct cmon_agg *agg, const struct cmon_hop_counter *c)
{
	struct flow *f = flow_get(agg, &c->flow);
	struct hop_ctr *h;
	unsigned int i, j;

	if (!f)
		return;		/* counted: full or no memory */
	for (i = 0; i < f->nhops; i++)
		if (f->hop[i].tp == c->tp && f->hop[i].node == c->node)
			break;
	if (i == f->nhops) {
		if (f->nhops == CMON_MAX_CHOPS) {
			agg->overflow++;
			return;
		}
		/* keep hops in path order */
		for (i = 0; i < f->nhops && cmon_tp_rank(f->hop[i].tp) <= cmon_tp_rank(c->tp); i++)
			;
		for (j = f->nhops; j > i; j--)
			f->hop[j] = f->hop[j - 1];
		h = &f->hop[i];
		memset(h, 0, sizeof(*h));
		h->tp = c->tp;
		h->node = c->node;
		h->born = agg->ticks;
		h->placed = hop_placed(agg, c);
		h->whole = hop_whole(agg, c);
		h->epoch = c->epoch;
		/* a hop joining a flow already counted (another node's, read
		 * later) starts from its current count: the traffic before is
		 * not this interval's */
		if (f->ticked) {
			h->prev_packets = c->packets;
			h->prev_bytes = c->bytes;
		}
		if (i)		/* the segment before it has a new end */
			f->hop[i - 1].seg = SEG_NEW;
		f->nhops++;
	} else {
		h = &f->hop[i];
		/* a read that may be short (counts moving inside the producer
		 * as it read) and is below the last: short, not a counter made
		 * anew; the hop keeps its last count until a sure read */
		if (c->unsure && c->packets < h->packets) {
			h->fed = f->fed = agg->ticks;
			h->unsure = 1;
			return;
		}
		/* (an epoch appears, from 0, when a count first reaches
		 * the producer's map: not a restart, unless the map evicted
		 * entries meanwhile, one of them maybe this counter's) */
		int anew = c->packets < h->packets ||
			   (h->epoch && c->epoch != h->epoch);
		int maybe_lost = agg->evicted == agg->ticks + 1 &&
				 (!h->epoch || !c->epoch);

		if (anew || maybe_lost || c->rebase ||
		    h->fed + 1 < agg->ticks) {
			/* evicted and made anew, or gone for an interval:
			 * compare it with its neighbours anew */
			agg->restarts++;
			if (anew) {
				h->prev_packets = 0;
				h->prev_bytes = 0;
			}
			h->whole = 0;
			h->seg = SEG_NEW;
			if (i)
				f->hop[i - 1].seg = SEG_NEW;
		}
		h->epoch = c->epoch;
	}
	h->fed = f->fed = agg->ticks;
	h->unsure = c->unsure;
	if (c->packets != h->packets && flow_pair(agg, f))
		f->pair->dirty = 1;
	h->packets = c->packets;
	h->bytes = c->bytes;
	h->back = c->packets_back < c->packets ? c->packets_back : c->packets;
	h->late = (c->packets_late > c->packets ? c->packets_late : c->packets) -
		  h->back;
}

void cmon_agg_drop(struct cmon_agg *agg, const struct cmon_flow *k,
		   uint32_t netns, uint32_t ifindex, uint32_t reason,
		   uint8_t before, uint64_t count)
{
	uint32_t w[6] = { k->saddr, k->daddr,
			  (uint32_t)k->sport << 16 | k->dport, k->proto,
			  netns ^ ifindex << 16, reason };
	uint32_t b = hash_words(w, 6);
	struct drop *d;

	for (d = agg->drops[b]; d; d = d->next)
		if (flow_eq(&d->flow, k) && d->netns == netns &&
		    d->ifindex == ifindex && d->reason == reason)
			break;
	if (!d) {
		d = calloc(1, sizeof(*d));
		if (!d)
			return;
		d->flow = *k;
		d->netns = netns;
		d->ifindex = ifindex;
		d->reason = reason;
		d->next = agg->drops[b];
		agg->drops[b] = d;
	} else if (count < d->count) {
		agg->restarts++;	/* evicted and made anew */
		d->prev = 0;
	}
	d->count = count;
	d->before = before;
	d->fed = agg->ticks;
}

/* A hop's count now: what its segments compare (its packets, a count
 * that never goes back, may hold packets taken back since). */
static uint64_t hop_now(const struct hop_ctr *h)
{
	return h->packets - h->back;
}

/* A downstream count ahead of its upstream one by at most this is the
 * two being read a moment apart, not a restart of the upstream counter. */
#define READ_SKEW_MAX	64

/*
 * The baseline of the segment from hop @a to the next hop @b: zero when
 * both counted the flow from its first packet (b appearing at most an
 * interval after a: the first packets may have been in flight; b in place
 * before the interval a appeared in, which the flow began in), else their
 * counts now, and none across nodes without that common start.  Counts
 * read now: a's as read after b's (a packet b counted then, a had
 * counted; a packet passing both between the two reads would otherwise be
 * in b's baseline and not in a's, a gap that never closes).  Where a
 * producer reads no such late count, a downstream count ahead of the
 * upstream one is the two read a moment apart: the baseline takes b as
 * even with a.
 */
static void seg_base(struct hop_ctr *a, const struct hop_ctr *b,
		     unsigned int now)
{
	int zero = a->whole && b->whole && b->born <= a->born + 1 &&
		   b->placed <= a->born;
	uint64_t next = hop_now(b);
	int skew = next > a->late && next - a->late <= READ_SKEW_MAX;

	a->seg = zero || a->node == b->node ? SEG_BASED : SEG_BLIND;
	a->base = zero ? 0 : a->late;
	a->base_next = zero ? 0 : skew ? a->late : next;
	/* from zero, the drops already counted as loss are in the gap: a
	 * gap is loss beyond them (a baseline at the counts now would
	 * take in the packets between the hops too, and never count
	 * those of them dropped after it) */
	a->lost_max = zero ? a->drops_lost : 0;
	a->based = now;
	memset(a->gap_prev, 0, sizeof(a->gap_prev));
}

static unsigned int ref_hop(struct flow *f)
{
	unsigned int i;

	if (!f->has_ref) {
		f->has_ref = 1;
		f->ref_tp = f->hop[0].tp;
		f->ref_node = f->hop[0].node;
	}
	for (i = 0; i < f->nhops; i++)
		if (f->hop[i].tp == f->ref_tp && f->hop[i].node == f->ref_node)
			return i;
	return 0;
}

/* Counter figures of one flow for interval @now, added to its pair. */
static void flow_tick(struct flow *f, unsigned int now)
{
	struct pair *p = f->pair;
	struct cmon_pair_stats *st = p ? &p->st : NULL;
	unsigned int i, j, ref;

	if (st && (f->seq_gap[1] || f->seq_recv[1])) {
		st->seq_lost += f->seq_gap[1];
		st->seq_received += f->seq_recv[1];
		st->active = 1;	/* (its traffic may have stopped) */
	}
	f->seq_gap[1] = f->seq_gap[0];
	f->seq_recv[1] = f->seq_recv[0];
	f->seq_gap[0] = f->seq_recv[0] = 0;
	if (!f->nhops)
		return;
	/* traffic is what passed the flow's reference hop */
	ref = ref_hop(f);
	if (st) {
		st->packets += f->hop[ref].packets - f->hop[ref].prev_packets;
		st->bytes += f->hop[ref].bytes - f->hop[ref].prev_bytes;
	}
	for (i = 0; i + 1 < f->nhops; i++) {
		struct hop_ctr *a = &f->hop[i], *b = &f->hop[i + 1];
		uint64_t in, out, d, gap, a_now = hop_now(a), b_now = hop_now(b);

		/* a read that may be short, or none (a counter evicted and
		 * not made again yet), is no baseline and no comparison: a
		 * gap then needs GAP_READS sure reads after it */
		if (a->unsure || b->unsure || a->fed != now || b->fed != now) {
			memset(a->gap_prev, 0, sizeof(a->gap_prev));
			continue;
		}
		if (a->seg == SEG_NEW)
			seg_base(a, b, now);
		if (a->seg == SEG_BLIND)
			continue;
		/* (the late read the baseline took may exceed a's count now) */
		in = a_now > a->base ? a_now - a->base : 0;
		out = b_now > a->base_next ? b_now - a->base_next : 0;
		d = in > out ? in - out : 0;
		/* a gap is loss once it has lasted GAP_READS reads: packets
		 * in flight between the hops at one read have arrived by
		 * the next; a gap that never closes raises the max once */
		gap = d;
		for (j = GAP_READS - 1; j-- > 0;) {
			if (a->gap_prev[j] < gap)
				gap = a->gap_prev[j];
			a->gap_prev[j] = j ? a->gap_prev[j - 1] : d;
		}
		if (gap > a->lost_max && a->tp < CMON_TP_MAX) {
			if (p) {
				p->lost_at[a->tp] += gap - a->lost_max;
				p->lost_to[a->tp] = b->tp;
				if (i < ref)
					p->lost_before_ref += gap - a->lost_max;
				/* confirmed after the traffic stopped: news */
				st->active = 1;
				p->idle = 0;
			}
			a->lost_max = gap;
		}
	}
	for (i = 0; i < f->nhops; i++) {
		f->hop[i].prev_packets = f->hop[i].packets;
		f->hop[i].prev_bytes = f->hop[i].bytes;
		f->hop[i].unsure = 0;
	}
	f->ticked = 1;
}

/*
 * @n drops of @d's flow before hop d->before: loss after the hop before
 * it, unless the two hops' counts show it (a segment based before this
 * interval: counting it here too would count it twice).  That hop may
 * never have counted the flow (a firewall dropping all of it).
 */
static void unseen_loss(struct cmon_agg *agg, struct pair *p,
			const struct drop *d, uint64_t n)
{
	struct flow *f = d->before < CMON_TP_MAX ? flow_find(agg, &d->flow) :
						   NULL;
	struct hop_ctr *a;
	unsigned int i;

	if (!f || !f->nhops)
		return;
	for (i = 0; i < f->nhops && f->hop[i].tp != d->before; i++)
		;
	if (i == 0)
		return;		/* dropped before the flow's first hop */
	a = &f->hop[i - 1];
	/* the counts cover this interval: based before it, or from zero */
	if (i < f->nhops && a->seg != SEG_NEW &&
	    (a->based < agg->ticks || (!a->base && !a->base_next)))
		return;
	if (a->tp >= CMON_TP_MAX ||
	    cmon_tp_rank(a->tp) >= cmon_tp_rank(d->before))
		return;
	a->drops_lost += n;
	p->lost_at[a->tp] += n;
	p->lost_to[a->tp] = d->before;
}

static void reason_add(struct cmon_pair_stats *st, const struct drop *d,
		       uint64_t n)
{
	unsigned int i, min = 0;

	for (i = 0; i < st->nreasons; i++) {
		struct cmon_reason_stats *r = &st->reasons[i];

		if (r->reason == d->reason && r->netns == d->netns &&
		    r->ifindex == d->ifindex) {
			r->count += n;
			return;
		}
		if (r->count < st->reasons[min].count)
			min = i;
	}
	if (st->nreasons < CMON_MAX_REASONS)
		i = st->nreasons++;
	else if (st->reasons[min].count < n)
		i = min;
	else
		return;
	st->reasons[i] = (struct cmon_reason_stats){
		.reason = d->reason, .netns = d->netns,
		.ifindex = d->ifindex, .count = n };
}

void cmon_agg_tick(struct cmon_agg *agg, double secs)
{
	unsigned int i, j;

	for (i = 0; i < agg->npairs; i++) {
		struct pair *p = agg->list[i];
		struct cmon_pair_stats *st = &p->st;

		st->packets = st->bytes = st->lost = 0;
		st->seq_lost = st->seq_received = 0;
		st->nreasons = 0;
		st->loss_from_tp = st->loss_to_tp = 0xff;
		st->traced = p->traced;
		/* the interval's histograms move to the figures, and the
		 * next interval's start empty */
		cmon_hist_move(&st->e2e, &p->e2e);
		st->e2e_unknown = p->e2e_unknown;
		p->e2e_unknown = 0;
		st->nsegs = p->nsegs;
		for (j = 0; j < p->nsegs; j++) {
			struct cmon_seg_stats *g = &st->seg[j];

			g->from_tp = p->seg[j].from_tp;
			g->from_node = p->seg[j].from_node;
			g->to_tp = p->seg[j].to_tp;
			g->to_node = p->seg[j].to_node;
			g->unknown = p->seg[j].unknown;
			cmon_hist_move(&g->hist, &p->seg[j].hist);
			p->seg[j].unknown = 0;
		}
		p->traced = 0;
		memset(p->lost_at, 0, sizeof(p->lost_at));
		p->lost_before_ref = 0;
		st->active = p->dirty;
		p->idle = p->dirty ? 0 : p->idle + 1;
		p->dirty = 0;
	}
	for (i = 0; i < HT_BUCKETS; i++) {
		struct flow *f;

		for (f = agg->flows[i]; f; f = f->next)
			flow_tick(f, agg->ticks);
	}
	for (i = 0; i < HT_BUCKETS; i++) {
		struct drop *d;

		for (d = agg->drops[i]; d; d = d->next) {
			struct pair *p;

			if (d->count == d->prev)
				continue;
			p = pair_get(agg, &d->flow);
			if (p) {
				reason_add(&p->st, d, d->count - d->prev);
				unseen_loss(agg, p, d, d->count - d->prev);
				p->st.active = 1;
				p->idle = 0;
			}
			d->prev = d->count;
		}
	}
	for (i = 0; i < agg->npairs; i++) {
		struct pair *p = agg->list[i];
		struct cmon_pair_stats *st = &p->st;
		uint64_t seen = st->seq_lost + st->seq_received, max = 0;

		for (j = 0; j < CMON_TP_MAX; j++) {
			st->lost += p->lost_at[j];
			if (p->lost_at[j] > max) {
				max = p->lost_at[j];
				st->loss_from_tp = j;
				st->loss_to_tp = p->lost_to[j];
			}
		}
		/* what entered the path: what passed the flows' reference
		 * hops, and what was lost before them */
		st->packets += p->lost_before_ref;
		st->pps = secs > 0 ? st->packets / secs : 0;
		st->bps = secs > 0 ? st->bytes * 8 / secs : 0;
		st->loss_ratio = st->packets ? (double)st->lost / st->packets : 0;
		if (st->loss_ratio > 1)
			st->loss_ratio = 1;
		st->seq_loss_ratio = seen ? (double)st->seq_lost / seen : 0;
		st->total_packets += st->packets;
		st->total_bytes += st->bytes;
		st->total_lost += st->lost;
	}
	agg->ticks++;
}

static int range_cmp(const void *x, const void *y)
{
	const struct cmon_port_range *a = x, *b = y;

	return a->lo != b->lo ? a->lo - b->lo : a->hi - b->hi;
}

int cmon_agg_set_ports(struct cmon_agg *agg, const struct cmon_port_range *r,
		       unsigned int n)
{
	struct cmon_port_range *m = malloc((n + 1) * sizeof(*m));
	unsigned int i, k = 0, b;

	if (!m)
		return -1;
	if (n)
		memcpy(m, r, n * sizeof(*m));
	qsort(m, n, sizeof(*m), range_cmp);
	for (i = 0; i < n; i++)		/* merge overlapping and adjacent */
		if (k && m[i].lo <= m[k - 1].hi + 1u) {
			if (m[i].hi > m[k - 1].hi)
				m[k - 1].hi = m[i].hi;
		} else {
			m[k++] = m[i];
		}
	if (k == agg->nports &&
	    (!k || !memcmp(m, agg->ports, k * sizeof(*m)))) {
		free(m);
		return 0;
	}
	free(agg->ports);
	agg->ports = m;
	agg->nports = k;
	/* counted flows to their new pairs (dormant ones find it on news) */
	for (b = 0; b < HT_BUCKETS; b++) {
		struct flow *f;

		for (f = agg->flows[b]; f; f = f->next)
			if (f->pair && f->pair->st.port !=
			    cmon_agg_port_of(agg, f->key.proto, f->key.dport))
				f->pair = pair_get(agg, &f->key);
	}
	return 0;
}

unsigned int cmon_agg_npairs(const struct cmon_agg *agg)
{
	return agg->npairs;
}

const struct cmon_pair_stats *cmon_agg_pair(const struct cmon_agg *agg,
					    unsigned int i)
{
	return i < agg->npairs ? &agg->list[i]->st : NULL;
}

void cmon_agg_expire(struct cmon_agg *agg, unsigned int ticks)
{
	unsigned int i, b, n = 0;

	for (i = 0; i < agg->npairs; i++)
		agg->list[i]->dead = agg->list[i]->idle > ticks;
	/*
	 * A flow of an expired pair stays, dormant, while its counters are
	 * still fed: they are cumulative, and would otherwise come back as
	 * new traffic.  Flows and drop counters no longer fed go.
	 */
	for (b = 0; b < HT_BUCKETS; b++) {
		struct flow **fp = &agg->flows[b];
		struct drop **dp = &agg->drops[b];

		while (*fp) {
			struct flow *f = *fp;
			int fed = f->nhops && f->fed + 1 >= agg->ticks;

			if (f->pair && f->pair->dead)
				f->pair = NULL;
			if (!f->pair && !fed) {
				*fp = f->next;
				if (agg->last == f)
					agg->last = NULL;
				free(f);
				agg->nflows--;
			} else {
				fp = &f->next;
			}
		}
		while (*dp) {
			struct drop *d = *dp;

			if (d->fed + 1 < agg->ticks) {
				*dp = d->next;
				free(d);
			} else {
				dp = &d->next;
			}
		}
	}
	for (i = 0; i < agg->npairs; i++)
		if (!agg->list[i]->dead)
			agg->list[n++] = agg->list[i];
	agg->npairs = n;
	for (b = 0; b < HT_BUCKETS; b++) {
		struct pair **pp = &agg->pairs[b];

		while (*pp) {
			struct pair *p = *pp;

			if (p->dead) {
				*pp = p->next;
				pair_free(p);
			} else {
				pp = &p->next;
			}
		}
	}
}

unsigned int cmon_agg_nlinks(const struct cmon_agg *agg)
{
	return agg->nlinks;
}

const struct cmon_link *cmon_agg_link(const struct cmon_agg *agg,
				      unsigned int i)
{
	return i < agg->nlinks ? &agg->links[i] : NULL;
}

uint64_t cmon_agg_records(const struct cmon_agg *agg)
{
	return agg->records;
}

uint64_t cmon_agg_overflow(const struct cmon_agg *agg)
{
	return agg->overflow;
}

uint64_t cmon_agg_bad_records(const struct cmon_agg *agg)
{
	return agg->bad_records;
}

uint64_t cmon_agg_counter_restarts(const struct cmon_agg *agg)
{
	return agg->restarts;
}

uint64_t cmon_agg_copies(const struct cmon_agg *agg)
{
	return agg->copies;
}

uint64_t cmon_agg_seq_restarts(const struct cmon_agg *agg)
{
	return agg->seq_restarts;
}

const char *cmon_tp_name(uint8_t tp)
{
	switch (tp) {
	case CMON_TP_CT_TX:	return "ct_tx";
	case CMON_TP_VETH_IN:	return "veth_in";
	case CMON_TP_OVL_OUT:	return "ovl_out";
	case CMON_TP_OVL_IN:	return "ovl_in";
	case CMON_TP_VETH_OUT:	return "veth_out";
	case CMON_TP_CT_RX:	return "ct_rx";
	case CMON_TP_HOST_IN:	return "host_in";
	case CMON_TP_HOST_OUT:	return "host_out";
	case CMON_TP_OVS_RX:	return "ovs_rx";
	case CMON_TP_OVS_TX:	return "ovs_tx";
	case CMON_TP_UPLINK:	return "uplink";
	default:		return "unknown";
	}
}

const char *cmon_proto_name(uint8_t proto)
{
	switch (proto) {
	case 1:		return "icmp";
	case 6:		return "tcp";
	case 17:	return "udp";
	default:	return "other";
	}
}
