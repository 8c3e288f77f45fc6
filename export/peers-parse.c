// SPDX-License-Identifier: BSD-2-Clause
/*
 * The "links" of another exporter's /api/v1/metrics and the "counters" of
 * its /api/v1/counters (peers.h), parsed with jansson.  Kept apart from
 * the polling thread so it builds, and is unit-tested and fuzzed
 * (tests/fuzz/fuzz-peers.c), without libcurl.  The documents are cmon's
 * own (lib/view.c, export/export.c write them); an entry with a field
 * missing, of the wrong type or out of range is left out, and anything
 * that is not such a document yields nothing.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "peers.h"

/* The whole number @key of object @o within [0, @max] into @v, or -1. */
static int uint_field(const json_t *o, const char *key, json_int_t max,
		      json_int_t *v)
{
	const json_t *j = json_object_get(o, key);

	if (!json_is_integer(j))
		return -1;
	*v = json_integer_value(j);
	return *v < 0 || *v > max ? -1 : 0;
}

/* The IPv4 address string @key of object @o into @addr, or -1. */
static int ip_field(const json_t *o, const char *key, uint32_t *addr)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s && inet_pton(AF_INET, s, addr) == 1 ? 0 : -1;
}

/* The array @key of the document @doc (a new reference held by *@root). */
static const json_t *doc_array(const char *doc, const char *key,
			       json_t **root)
{
	const json_t *a;

	*root = json_loads(doc, JSON_REJECT_DUPLICATES, NULL);
	a = json_object_get(*root, key);
	return json_is_array(a) ? a : NULL;
}

unsigned int cmon_peers_parse(const char *doc, struct cmon_peer_link *out,
			      unsigned int max)
{
	json_t *root;
	const json_t *a = doc_array(doc, "links", &root), *o;
	json_int_t from, to, samples;
	unsigned int n = 0;
	size_t i;

	json_array_foreach(a, i, o) {
		const json_t *low = json_object_get(o, "low_us");
		double us = json_number_value(low);

		/* a one-way delay beyond an hour either way is no delay */
		if (uint_field(o, "from_node", 255, &from) ||
		    uint_field(o, "to_node", 255, &to) ||
		    uint_field(o, "samples", LLONG_MAX, &samples) ||
		    !json_is_number(low) || !isfinite(us) || fabs(us) > 3.6e9)
			continue;
		if (n++ >= max)
			continue;	/* counted, not written */
		out[n - 1].from = (uint8_t)from;
		out[n - 1].to = (uint8_t)to;
		out[n - 1].samples = (uint64_t)samples;
		out[n - 1].low = (int64_t)llround(us * 1e3);
	}
	json_decref(root);
	return n;
}

unsigned int cmon_peers_parse_counters(const char *doc,
				       struct cmon_hop_counter *out,
				       unsigned int max)
{
	json_t *root;
	const json_t *a = doc_array(doc, "counters", &root), *o;
	json_int_t sp, dp, proto, tp, node, pk, by, epoch, back;
	unsigned int n = 0;
	size_t i;

	json_array_foreach(a, i, o) {
		struct cmon_hop_counter tmp, *c = n < max ? &out[n] : &tmp;

		if (ip_field(o, "src_ip", &c->flow.saddr) ||
		    ip_field(o, "dst_ip", &c->flow.daddr) ||
		    uint_field(o, "sport", 65535, &sp) ||
		    uint_field(o, "dport", 65535, &dp) ||
		    uint_field(o, "proto", 255, &proto) ||
		    uint_field(o, "tp", CMON_TP_MAX - 1, &tp) ||
		    uint_field(o, "node", 255, &node) ||
		    uint_field(o, "packets", LLONG_MAX, &pk) ||
		    uint_field(o, "bytes", LLONG_MAX, &by))
			continue;
		c->flow.sport = htons((uint16_t)sp);
		c->flow.dport = htons((uint16_t)dp);
		c->flow.proto = (uint8_t)proto;
		c->tp = (uint8_t)tp;
		c->node = (uint8_t)node;
		c->packets = (uint64_t)pk;
		c->bytes = (uint64_t)by;
		/* a peer that does not say it counted from the start did not */
		c->partial = !json_is_false(json_object_get(o, "partial"));
		c->epoch = uint_field(o, "epoch", LLONG_MAX, &epoch) ?
			   0 : (uint64_t)epoch;
		/* (optional: a peer that does not say took nothing back) */
		c->packets_back = uint_field(o, "back", LLONG_MAX, &back) ?
				  0 : (uint64_t)back;
		n++;
	}
	json_decref(root);
	return n;
}

int cmon_peers_parse_doc(const char *doc, char *node, size_t len)
{
	json_t *o = json_loads(doc, 0, NULL);
	const char *n;

	if (!json_is_object(o)) {
		json_decref(o);
		return -1;
	}
	n = json_string_value(json_object_get(o, "node"));
	snprintf(node, len, "%s", n ? n : "");
	json_decref(o);
	return 0;
}
