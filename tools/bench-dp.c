// SPDX-License-Identifier: BSD-2-Clause
/*
 * cmon-bench-dp: per-packet cost of the userspace datapath hops as the
 * patched ovs-vswitchd runs them (the inline fast paths of <cmon/dp.h>,
 * then lib/ovs-hops.c for the packets they do not settle) on one core, measured
 * side by side against the loop doing nothing but the hook's branch.
 * Prints ns and TSC cycles per packet for each case.
 *
 * Usage: cmon-bench-dp [packets]   (default 2000000 per case)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>
#include "cmon/dp.h"

#define ROOM	128
#define LEN	(14 + 20 + 8 + 64)

static uint8_t base[ROOM + 256];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Ethernet/IPv4/UDP, 64 payload bytes, IP id @id. */
static void frame(uint8_t *f, uint16_t id)
{
	uint8_t *ip = f + 14;

	memset(f, 0, LEN);
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[3] = LEN - 14;
	ip[4] = id >> 8;
	ip[5] = id & 0xff;
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	ip[20] = 0x30, ip[22] = 0x13, ip[25] = 8 + 64;
}

enum op { NOP, STAMP, STAMP_SIDE, TRANSIT, STRIP, RECORD_SIDE };

struct result {
	double ns, cycles;
};

/* Run @op on @n copies of frame @proto, re-initialised each time. */
static struct result run(const struct cmon_dp_cfg *cfg, enum op op,
			 int annotated, unsigned int n)
{
	static uint8_t buf[ROOM + 256];
	uint64_t stat[CMON_EV_MAX] = { 0 };
	struct cmon_dp_res res;
	struct cmon_record rec;
	struct cmon_dp_cfg all = *cfg;
	struct cmon_dp_clock clk = { CLOCK_MONOTONIC, 0 };
	struct cmon_dp_side side = { .t0 = 1, .seq = 1, .gen = cfg->side_gen };
	uint64_t c0, c1;
	double t0, t1;
	unsigned int i;

	all.sample_n = 1;
	if (annotated) {	/* a stamped frame, made once */
		frame(base + ROOM, 1);
		cmon_dp_stamp(&all, base + ROOM, LEN, ROOM, 1500,
			      &(struct cmon_dp_clock){ .ns = 1 }, stat, &res);
	} else {
		frame(base + ROOM, 1);
	}
	t0 = now();
	c0 = __rdtsc();
	for (i = 0; i < n; i++) {
		uint8_t *f = buf + ROOM - (annotated ? 40 : 0);
		uint32_t len = LEN + (annotated ? 40 : 0);

		memcpy(f, base + ROOM - (annotated ? 40 : 0), len);
		if (!(i % 32))	/* one clock read per batch of 32, as OVS */
			clk.ns = 0;
		f[14 + 5] = (uint8_t)i;	/* vary the IPv4 id */
		switch (op) {
		case NOP:
			__asm__ volatile("" : : "r"(f) : "memory");
			break;
		case STAMP:
			if (!cmon_dp_sampled_out(cfg, f, len))
				cmon_dp_stamp(cfg, f, len, ROOM, 1500, &clk,
					      stat, &res);
			break;
		case STAMP_SIDE:
			side.gen = 0;
			if (!cmon_dp_sampled_out(cfg, f, len))
				cmon_dp_stamp_side(cfg, f, len, ROOM, 1500,
						   &clk, stat, &side);
			break;
		case RECORD_SIDE:
			cmon_dp_side_record(cfg, &side, f, len, &clk, stat,
					    &rec);
			break;
		case TRANSIT:
			if (!cmon_dp_unannotated(f, len))
				cmon_dp_transit(cfg, f, len, CMON_TP_OVS_RX,
						&clk, stat);
			break;
		case STRIP:
			if (!cmon_dp_unannotated(f, len))
				cmon_dp_strip(cfg, f, len, &clk, stat, &rec,
					      &res, NULL);
			break;
		}
	}
	c1 = __rdtsc();
	t1 = now();
	return (struct result){ (t1 - t0) * 1e9 / n, (double)(c1 - c0) / n };
}

/*
 * Per-flow counting (cmon_dp_count) of batches of 32 frames, as a hook
 * counts a batch: @nflows flows in turn (0: a new flow in every packet,
 * each taking a slot from another), or with @count 0 the same loop without
 * counting (the baseline).  With @sent, each batch is also counted sent at
 * another port and then taken back as dropped there (a full queue): the
 * three counting points a forwarded packet meets in tools/cmon-bench-ovs,
 * each packet's flow kept beside it by the first for the others, as the
 * switch does (struct cmon_dp_side).
 */
static struct result run_count(struct cmon_flow_slot *row, unsigned int nflows,
			       int count, int sent, unsigned int n)
{
	static uint8_t bufs[32][LEN];
	static struct cmon_dp_side side[32];
	struct cmon_dp_side *sides[32];
	uint64_t stat[CMON_EV_MAX] = { 0 };
	const uint8_t *frames[32];
	uint32_t lens[32], sport = 0;
	unsigned int done, i;
	uint64_t c0, c1;
	double t0, t1;

	for (i = 0; i < 32; i++) {
		frame(bufs[i], 1);
		frames[i] = bufs[i];
		lens[i] = LEN;
		sides[i] = &side[i];
	}
	t0 = now();
	c0 = __rdtsc();
	for (done = 0; done < n; done += 32) {
		for (i = 0; i < 32; i++, sport++) {
			uint16_t p = (uint16_t)(nflows ? sport % nflows :
							 sport);

			bufs[i][34] = p >> 8;
			bufs[i][35] = p & 0xff;
		}
		if (count)
			cmon_dp_count(row, frames, lens, sides, 32,
				      CMON_TP_OVS_RX, 1, 0, stat);
		if (count && sent) {
			cmon_dp_count(row, frames, lens, sides, 32,
				      CMON_TP_OVS_TX, 2, 0, stat);
			cmon_dp_uncount(row, frames, lens, sides, 32, 2,
					CMON_OVS_DROP_TX_FAILURE, stat);
		}
		if (!count)
			__asm__ volatile("" : : "r"(frames) : "memory");
	}
	c1 = __rdtsc();
	t1 = now();
	return (struct result){ (t1 - t0) * 1e9 / done,
				(double)(c1 - c0) / done };
}

int main(int argc, char **argv)
{
	unsigned int n = argc > 1 ? (unsigned int)atoi(argv[1]) : 2000000;
	struct cmon_dp_cfg cfg = { .key = 0x1234, .sample_n = 32, .node = 1,
				   .side_gen = 1 };
	struct cmon_dp_cfg every = cfg;
	static const struct {
		const char *name;
		enum op op;
		int annotated, every;
	} cases[] = {
		{ "container rx, 1 in 32 stamped", STAMP, 0, 0 },
		{ "container rx, every packet stamped", STAMP, 0, 1 },
		{ "container rx, every packet stamped beside it", STAMP_SIDE, 0,
		  1 },
		{ "trunk, no annotation", TRANSIT, 0, 0 },
		{ "trunk, hop written", TRANSIT, 1, 0 },
		{ "container tx, no annotation", STRIP, 0, 0 },
		{ "container tx, strip + record", STRIP, 1, 0 },
		{ "container tx, record from beside it", RECORD_SIDE, 0, 0 },
	};
	struct result base0, base1, r;
	unsigned int i;

	if (!n) {
		fprintf(stderr, "usage: cmon-bench-dp [packets]\n");
		return 2;
	}
	every.sample_n = 1;
	base0 = run(&cfg, NOP, 0, n);	/* copy + loop: the baseline */
	base1 = run(&cfg, NOP, 1, n);
	printf("cmon-bench-dp: %u packets of %d bytes per case, one core\n",
	       n, LEN);
	printf("| hop (lib/ovs-hops.c) | ns/packet | cycles/packet |\n|---|---|---|\n");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct result b = cases[i].annotated ? base1 : base0;

		r = run(cases[i].every ? &every : &cfg, cases[i].op,
			cases[i].annotated, n);
		printf("| %s | %.1f | %.0f |\n", cases[i].name, r.ns - b.ns,
		       r.cycles - b.cycles);
	}
	printf("(baseline: copying the frame and looping, %.1f ns, "
	       "subtracted; monitoring off costs one branch per batch)\n",
	       base0.ns);

	struct cmon_flow_slot *row = calloc(CMON_FLOW_SLOTS, sizeof(*row));
	static const struct {
		const char *name;
		unsigned int flows;
		int sent;
	} counts[] = {
		{ "one flow", 1, 0 },
		{ "64 flows in turn", 64, 0 },
		{ "a new flow in every packet (slots taken)", 0, 0 },
		{ "one flow: received, sent, dropped at the send", 1, 1 },
		{ "64 flows: received, sent, dropped at the send", 64, 1 },
		{ "new flows: received, sent, dropped at the send", 0, 1 },
	};

	if (!row)
		return 1;
	printf("\n| per-flow counting, batches of 32 (cmon_dp_count) | ns/packet | cycles/packet |\n|---|---|---|\n");
	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		struct result b = run_count(row, counts[i].flows, 0, 0, n);

		r = run_count(row, counts[i].flows, 1, counts[i].sent, n);
		printf("| %s | %.1f | %.0f |\n", counts[i].name, r.ns - b.ns,
		       r.cycles - b.cycles);
	}
	free(row);
	return 0;
}
