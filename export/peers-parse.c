// SPDX-License-Identifier: BSD-2-Clause
/*
 * The "links" of another exporter's /api/v1/metrics (peers.h).  Kept
 * apart from the polling thread so it builds, and is unit-tested, without
 * libcurl.  The document is cmon's own (lib/view.c writes it); anything
 * else simply yields no links.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "peers.h"

/* The number after "key": inside [obj, end), or -1 if absent. */
static int field(const char *obj, const char *end, const char *key,
		 double *v)
{
	char pat[32];
	const char *f;
	char *stop;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	f = strstr(obj, pat);
	if (!f || f >= end)
		return -1;
	*v = strtod(f + strlen(pat), &stop);
	return stop == f + strlen(pat) ? -1 : 0;
}

unsigned int cmon_peers_parse(const char *doc, struct cmon_peer_link *out,
			      unsigned int max)
{
	const char *p = strstr(doc, "\"links\":["), *end, *obj;
	double from, to, samples, low;
	unsigned int n = 0;

	if (!p)
		return 0;
	p += 9;
	end = strchr(p, ']');
	while (end && n < max && (obj = strchr(p, '{')) && obj < end) {
		const char *close = strchr(obj, '}');

		if (!close || close > end)
			break;
		if (!field(obj, close, "from_node", &from) &&
		    !field(obj, close, "to_node", &to) &&
		    !field(obj, close, "samples", &samples) &&
		    !field(obj, close, "low_us", &low) &&
		    from >= 0 && from < 256 && to >= 0 && to < 256) {
			out[n].from = (uint8_t)from;
			out[n].to = (uint8_t)to;
			out[n].samples = (uint64_t)samples;
			out[n].low = (int64_t)(low * 1e3 + (low < 0 ? -0.5 : 0.5));
			n++;
		}
		p = close + 1;
	}
	return n;
}
