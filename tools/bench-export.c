// SPDX-License-Identifier: BSD-2-Clause
/*
 * cmon-bench-export: how fast cmon-dpdk's consumer side ingests trace
 * records, on one core, against the limit of this machine — the raw
 * dequeue rate of the same shared ring (an rte_ring of 88-byte
 * struct cmon_record elements, as ovs-vswitchd creates it).
 *
 * Each round a synthetic producer fills the ring with records of many
 * container pairs (four hops each, varied latencies); then the consumer
 * drains it, timed, either dequeuing only ("raw") or dequeuing into the
 * aggregation engine ("ingest", what cmon-dpdk's drain() does, with one
 * engine tick per round).  Rounds alternate and the medians are compared.
 * Then the memory each monitored pair costs: engine, Prometheus state and
 * a full embedded history, measured with mallinfo2() against the same
 * run without pairs; and what is left of a pair idle for the history's
 * span.
 *
 * Usage: cmon-bench-export [--rounds N] [--pairs N] [--ring LOG2]
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "cmon/record.h"
#include "agg.h"
#include "history.h"
#include "prom.h"

#define BURST 64

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Record @i of a stream over @pairs pairs. */
static void make(struct cmon_record *r, uint64_t i, unsigned int pairs)
{
	unsigned int p = i % pairs;
	uint32_t j = (uint32_t)(i * 2654435761u);

	memset(r, 0, sizeof(*r));
	r->t0 = 1000000000ull + i * 1000;
	r->saddr = htonl(0x0a000000 | (p >> 8) << 8 | (p & 0xff));
	r->daddr = htonl(0x0a800000 | p);
	r->sport = htons(1000 + p % 7);
	r->dport = htons(5201);
	r->proto = p % 3 ? 17 : 6;
	r->seq = i / pairs + 1;
	r->len = 1400;
	r->segs = 1;
	r->source = CMON_SRC_KERNEL;
	r->carrier = CMON_CARRIER_TRAILER;
	r->nhops = 4;
	r->hop[0].tp = CMON_TP_CT_TX;
	r->hop[1].tp = CMON_TP_VETH_IN;
	r->hop[1].delta = 2000 + j % 3000;
	r->hop[2].tp = CMON_TP_VETH_OUT;
	r->hop[2].delta = r->hop[1].delta + 3000 + (j >> 8) % 9000;
	r->hop[3].tp = CMON_TP_CT_RX;
	r->hop[3].delta = r->hop[2].delta + 1500 + (j >> 16) % 2000;
}

/* The producer: fill the ring; returns the records enqueued. */
static unsigned int fill(struct rte_ring *ring, uint64_t *next,
			 unsigned int pairs)
{
	struct cmon_record b[BURST];
	unsigned int n, i, total = 0;

	do {
		for (i = 0; i < BURST; i++)
			make(&b[i], *next + i, pairs);
		n = rte_ring_sp_enqueue_burst_elem(ring, b, sizeof(b[0]),
						   BURST, NULL);
		*next += n;
		total += n;
	} while (n == BURST);
	return total;
}

/* The consumer, as cmon-dpdk's drain(); returns records per second. */
static double drain(struct rte_ring *ring, struct cmon_agg *agg,
		    unsigned int expect)
{
	struct cmon_record b[BURST];
	unsigned int n, i, got = 0;
	double t = now();

	do {
		n = rte_ring_sc_dequeue_burst_elem(ring, b, sizeof(b[0]),
						   BURST, NULL);
		if (agg)
			for (i = 0; i < n; i++)
				cmon_agg_record(agg, &b[i]);
		got += n;
	} while (n);
	if (agg)
		cmon_agg_tick(agg, 1.0);
	t = now() - t;
	if (got != expect)
		fprintf(stderr, "drained %u of %u records\n", got, expect);
	return got / t;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct pair_mem {
	double engine, prom, history;	/* bytes per pair, all active */
	double idle;	/* per pair, once idle for the history's span */
};

/* Interval @t of @pairs pairs: @per traced records each, and their
 * counters at two hops. */
static void feed(struct cmon_agg *agg, unsigned int pairs, unsigned int per,
		 unsigned int t)
{
	struct cmon_hop_counter c = { 0 };
	uint64_t k = (uint64_t)t * per * pairs;
	struct cmon_record r;
	unsigned int i, j;

	for (i = 0; i < pairs; i++) {
		for (j = 0; j < per; j++) {
			make(&r, k + (uint64_t)j * pairs + i, pairs);
			cmon_agg_record(agg, &r);
		}
		c.flow = (struct cmon_flow){ r.saddr, r.daddr, r.sport,
					     r.dport, r.proto };
		c.packets = (uint64_t)(t + 1) * per * 32;
		c.bytes = c.packets * r.len;
		c.tp = CMON_TP_VETH_IN;
		cmon_agg_hop_count(agg, &c);
		c.tp = CMON_TP_VETH_OUT;
		cmon_agg_hop_count(agg, &c);
	}
}

/* Bytes malloc() has handed out: from the heap and mapped on their own. */
static size_t in_use(void)
{
	struct mallinfo2 m = mallinfo2();

	return m.uordblks + m.hblkhd;
}

/*
 * Bytes held after @points intervals of @pairs pairs' traffic (@idle:
 * and as many again without): in the history, the Prometheus state and
 * the engine (each measured with mallinfo2() as it is let go).
 */
static void memory_held(unsigned int pairs, unsigned int points,
			unsigned int per, int idle, double part[3])
{
	struct cmon_agg *agg = cmon_agg_create();
	struct cmon_prom *prom = cmon_prom_create(NULL, 0, 200);
	struct cmon_history *h = cmon_history_create(points);
	struct cmon_view v;
	size_t m[4];
	unsigned int t;

	for (t = 0; t < (idle ? 2 : 1) * points; t++) {
		if (t < points)
			feed(agg, pairs, per, t);
		cmon_agg_tick(agg, 1.0);
		cmon_agg_expire(agg, 60);
		v = (struct cmon_view){ .agg = agg, .time = 1e9 + t,
					.interval = 1, .node = "bench" };
		cmon_history_append(h, &v);
		cmon_prom_update(prom, &v);
	}
	m[0] = in_use();
	cmon_history_destroy(h);
	m[1] = in_use();
	cmon_prom_destroy(prom);
	m[2] = in_use();
	cmon_agg_destroy(agg);
	m[3] = in_use();
	part[0] = (double)(m[0] - m[1]);
	part[1] = (double)(m[1] - m[2]);
	part[2] = (double)(m[2] - m[3]);
}

/* What one more pair costs: with @pairs pairs against with none. */
static void memory_per_pair(unsigned int pairs, unsigned int points,
			    unsigned int per, struct pair_mem *pm)
{
	double a[3], z[3];

	memory_held(pairs, points, per, 0, a);
	memory_held(0, points, per, 0, z);
	pm->history = (a[0] - z[0]) / pairs;
	pm->prom = (a[1] - z[1]) / pairs;
	pm->engine = (a[2] - z[2]) / pairs;
	memory_held(pairs, points, per, 1, a);
	pm->idle = (a[0] + a[1] + a[2] - z[0] - z[1] - z[2]) / pairs;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "rounds", required_argument, NULL, 'r' },
		{ "pairs", required_argument, NULL, 'p' },
		{ "ring", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *eal[] = { "cmon-bench-export", "--no-huge", "--no-shconf",
			"--no-pci", "--no-telemetry", "-l", "0", "-m", "512",
			"--log-level=error", NULL };
	unsigned int rounds = 9, pairs = 1000, log2 = 20, i, n;
	double raw[64], ing[64], r, g;
	struct pair_mem pm = { 0 };
	struct rte_ring *ring;
	struct cmon_agg *agg;
	uint64_t next = 0;
	int c;

	while ((c = getopt_long(argc, argv, "r:p:R:h", lo, NULL)) != -1) {
		switch (c) {
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'p':
			pairs = atoi(optarg);
			break;
		case 'R':
			log2 = atoi(optarg);
			break;
		default:
			printf("Usage: cmon-bench-export [--rounds N (1-64)] "
			       "[--pairs N] [--ring LOG2 (10-22)]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (rounds < 1 || rounds > 64 || !pairs || log2 < 10 || log2 > 22) {
		fprintf(stderr, "cmon-bench-export: bad arguments (--help)\n");
		return 2;
	}
	if (rte_eal_init(sizeof(eal) / sizeof(eal[0]) - 1, eal) < 0) {
		fprintf(stderr, "cmon-bench-export: EAL: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	ring = rte_ring_create_elem("cmon_bench_ring",
				    sizeof(struct cmon_record), 1u << log2,
				    SOCKET_ID_ANY,
				    RING_F_SP_ENQ | RING_F_SC_DEQ |
				    RING_F_EXACT_SZ);
	agg = cmon_agg_create();
	if (!ring || !agg) {
		fprintf(stderr, "cmon-bench-export: no ring: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	/* warm up: the engine learns every pair once */
	n = fill(ring, &next, pairs);
	drain(ring, agg, n);
	for (i = 0; i < rounds; i++) {
		n = fill(ring, &next, pairs);
		raw[i] = drain(ring, NULL, n);
		n = fill(ring, &next, pairs);
		ing[i] = drain(ring, agg, n);
	}
	r = median(raw, rounds);
	g = median(ing, rounds);
	printf("records of %zu B, %u pairs, ring of %u, %u rounds, one core\n",
	       sizeof(struct cmon_record), pairs, 1u << log2, rounds);
	printf("%-34s %12.2f Mrec/s\n", "raw ring dequeue (the limit)", r / 1e6);
	printf("%-34s %12.2f Mrec/s\n", "dequeue + aggregate (cmon-dpdk)",
	       g / 1e6);
	printf("%-34s %12.3f\n", "ratio ingest/raw", g / r);
	printf("%-34s %12.0f ns\n", "aggregation cost per record",
	       1e9 / g - 1e9 / r);
	memory_per_pair(200, 600, 32, &pm);
	printf("%-34s %12.1f KiB\n", "memory per pair (600-point history)",
	       (pm.engine + pm.prom + pm.history) / 1024);
	printf("%-34s %12.1f KiB\n", "  engine", pm.engine / 1024);
	printf("%-34s %12.1f KiB\n", "  Prometheus state", pm.prom / 1024);
	printf("%-34s %12.1f KiB\n", "  history (600 points)",
	       pm.history / 1024);
	printf("%-34s %12.1f KiB\n", "memory per pair idle 600 intervals",
	       pm.idle / 1024);
	if (cmon_agg_bad_records(agg) || cmon_agg_overflow(agg))
		printf("warning: %llu bad records, %llu overflows\n",
		       (unsigned long long)cmon_agg_bad_records(agg),
		       (unsigned long long)cmon_agg_overflow(agg));
	cmon_agg_destroy(agg);
	rte_ring_free(ring);
	rte_eal_cleanup();
	return 0;
}
