// SPDX-License-Identifier: BSD-2-Clause
/*
 * cmon-bench-rules: what applying monitoring rules costs the daemon at
 * every interval (the datapath never sees rules): for R rules and P
 * pairs, the time to find each pair's rule (once: it says whether the
 * pair is hidden, and which alerts it has) and to evaluate every alert,
 * on one core.  Rules select by name glob and CIDR
 * and each has an alert; pairs are named as a node names them.
 *
 *   tools/cmon-bench-rules [rounds]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "agg.h"
#include "alerts.h"
#include "rules.h"

static void names(void *ctx, uint32_t addr, struct cmon_endpoint_info *out)
{
	static char buf[8][32];
	static unsigned int k;
	char *b = buf[k++ % 8];

	(void)ctx;
	snprintf(b, 32, "web-%u", ntohl(addr) & 0xffff);
	out->name = b;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static struct cmon_rules *rules_of(unsigned int n)
{
	struct cmon_rules_errors e = { 0 };
	struct cmon_rules *r;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	unsigned int i;

	fputs("version: 1\ntemplates:\n  - { template: b, bridges: [br0], "
	      "hops: [veth_in, veth_out] }\ntemplate: b\nrules:\n", f);
	for (i = 0; i < n; i++)
		fprintf(f, "  - name: r%u\n    select:\n"
			"      from: { containers: [\"web-%u*\"] }\n"
			"      to: { cidr: [10.%u.0.0/16] }\n"
			"    alerts:\n      - { name: a%u, when: pps > 1G, "
			"for: 10s }\n", i, i, 100 + i % 100, i);
	fclose(f);
	r = cmon_rules_load_text("bench.yaml", text, len, NULL, &e);
	if (!r)
		fprintf(stderr, "%s\n", e.n ? e.msg[0] : "?");
	free(text);
	cmon_rules_errors_free(&e);
	return r;
}

static struct cmon_agg *pairs_of(unsigned int n)
{
	struct cmon_agg *g = cmon_agg_create();
	unsigned int i;

	cmon_agg_tick(g, 1.0);
	for (i = 0; i < n; i++) {
		struct cmon_hop_counter c = {
			.flow = { htonl(0x0a000000 | i), htonl(0x0a640000 | i),
				  htons(1000), htons(2000), 17 },
			.tp = 1, .packets = 1000, .bytes = 100000 };

		cmon_agg_hop_count(g, &c);
	}
	cmon_agg_tick(g, 1.0);
	return g;
}

int main(int argc, char **argv)
{
	static const unsigned int nr[] = { 1, 10, 100 }, np[] = { 100, 500 };
	unsigned int rounds = argc > 1 ? (unsigned int)atoi(argv[1]) : 200;
	unsigned int a, b, k, i, hidden = 0;
	static int rule_of[1000];

	if (!rounds) {
		fprintf(stderr, "usage: cmon-bench-rules [rounds]\n");
		return 2;
	}
	printf("cmon-bench-rules: the daemon's work per interval, %u rounds, "
	       "one core\n\n| rules | pairs | us per interval | ns per pair |\n"
	       "|---|---|---|---|\n", rounds);
	for (a = 0; a < sizeof(nr) / sizeof(nr[0]); a++) {
		struct cmon_rules *r = rules_of(nr[a]);

		if (!r)
			return 1;
		for (b = 0; b < sizeof(np) / sizeof(np[0]); b++) {
			struct cmon_agg *g = pairs_of(np[b]);
			struct cmon_alerter *al = cmon_alerter_create();
			double t0 = now_s(), dt;

			for (k = 0; k < rounds; k++) {
				cmon_alerter_eval(al, r, g, names, NULL, k,
						  rule_of);
				for (i = 0; i < cmon_agg_npairs(g); i++)
					hidden += rule_of[i] >= 0 &&
						  r->rules[rule_of[i]].ignore;
			}
			dt = (now_s() - t0) / rounds;
			printf("| %u | %u | %.1f | %.0f |\n", nr[a], np[b],
			       dt * 1e6, dt * 1e9 / np[b]);
			cmon_alerter_destroy(al);
			cmon_agg_destroy(g);
		}
		cmon_rules_free(r);
	}
	return hidden ? 1 : 0;	/* no rule here ignores: a check */
}
