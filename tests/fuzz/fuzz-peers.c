// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer harness of what another node's exporter sends (--peer): its
 * /api/v1/metrics links and /api/v1/counters (export/peers-parse.c).  A
 * peer may be down, old, or not cmon at all: whatever comes, the parsers
 * stay within their output bounds and only return values in range.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "peers.h"

#define MAX 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cmon_peer_link links[MAX + 1];
	struct cmon_hop_counter c[MAX + 1];
	unsigned int i, n;
	char *doc = malloc(size + 1);

	if (!doc)
		return 0;
	memcpy(doc, data, size);
	doc[size] = 0;
	memset(&links[MAX], 0xa5, sizeof(links[MAX]));
	memset(&c[MAX], 0xa5, sizeof(c[MAX]));
	/* (they count every entry, and write at most MAX) */
	n = cmon_peers_parse(doc, links, MAX);
	if (((uint8_t *)&links[MAX])[0] != 0xa5)
		abort();
	n = cmon_peers_parse_counters(doc, c, MAX);
	if (((uint8_t *)&c[MAX])[0] != 0xa5)
		abort();
	for (i = 0; i < n && i < MAX; i++)
		if (c[i].tp >= CMON_TP_MAX || c[i].partial > 1)
			abort();
	free(doc);
	return 0;
}
