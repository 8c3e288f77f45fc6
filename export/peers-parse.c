// SPDX-License-Identifier: BSD-2-Clause
/*
 * The "links" of another exporter's /api/v1/metrics (peers.h).  Kept
 * apart from the polling thread so it builds, and is unit-tested, without
 * libcurl.  The document is cmon's own (lib/view.c writes it); anything
 * else simply yields no links.
 */
#include <arpa/inet.h>
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

/* The string after "key":" inside [obj, end) into @buf, or -1. */
static int str_field(const char *obj, const char *end, const char *key,
		     char *buf, size_t len)
{
	char pat[32];
	const char *f, *q;

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	f = strstr(obj, pat);
	if (!f || f >= end)
		return -1;
	f += strlen(pat);
	q = strchr(f, '"');
	if (!q || q > end || (size_t)(q - f) >= len)
		return -1;
	memcpy(buf, f, q - f);
	buf[q - f] = 0;
	return 0;
}

unsigned int cmon_peers_parse_counters(const char *doc,
				       struct cmon_hop_counter *out,
				       unsigned int max)
{
	const char *p = strstr(doc, "\"counters\":["), *obj, *close;
	double sp, dp, proto, tp, node, pk, by, epoch;
	const char *partial;
	char a[16], b[16];
	unsigned int n = 0;

	if (!p)
		return 0;
	p += 12;
	while (n < max && (obj = strchr(p, '{')) && (close = strchr(obj, '}'))) {
		struct cmon_hop_counter *c = &out[n];

		p = close + 1;
		if (str_field(obj, close, "src_ip", a, sizeof(a)) ||
		    str_field(obj, close, "dst_ip", b, sizeof(b)) ||
		    field(obj, close, "sport", &sp) ||
		    field(obj, close, "dport", &dp) ||
		    field(obj, close, "proto", &proto) ||
		    field(obj, close, "tp", &tp) ||
		    field(obj, close, "node", &node) ||
		    field(obj, close, "packets", &pk) ||
		    field(obj, close, "bytes", &by) ||
		    inet_pton(AF_INET, a, &c->flow.saddr) != 1 ||
		    inet_pton(AF_INET, b, &c->flow.daddr) != 1 ||
		    sp < 0 || sp > 65535 || dp < 0 || dp > 65535 ||
		    proto < 0 || proto > 255 || tp < 0 || tp >= CMON_TP_MAX ||
		    node < 0 || node > 255 || pk < 0 || by < 0)
			continue;
		c->flow.sport = htons((uint16_t)sp);
		c->flow.dport = htons((uint16_t)dp);
		c->flow.proto = (uint8_t)proto;
		c->tp = (uint8_t)tp;
		c->node = (uint8_t)node;
		c->packets = (uint64_t)pk;
		c->bytes = (uint64_t)by;
		/* a peer that does not say counted from the start: not */
		partial = strstr(obj, "\"partial\":false");
		c->partial = !partial || partial > close;
		c->epoch = !field(obj, close, "epoch", &epoch) && epoch >= 0 ?
			   (uint64_t)epoch : 0;
		n++;
	}
	return n;
}
