// SPDX-License-Identifier: BSD-2-Clause
/* Annotation codec: see codec.h and doc/annotation.md. */
#include <arpa/inet.h>
#include <string.h>
#include "codec.h"

void cmon_ann_decode(const struct cmon_ann *w, struct cmon_ann_host *h)
{
	int i;

	h->version = w->ver_flags >> 4;
	h->flags = w->ver_flags & 0xf;
	h->nslots = w->nslots;
	h->tp_mask = ntohs(w->tp_mask);
	h->seq = ntohl(w->seq);
	h->t0_lo = ntohl(w->t0_lo);
	h->tag = ntohs(w->tag);
	for (i = 0; i < CMON_ANN_SLOTS; i++) {
		h->slot[i].tp = w->slot[i].tp;
		h->slot[i].node = w->slot[i].node;
		h->slot[i].delta = (int32_t)ntohl(w->slot[i].delta);
	}
}

void cmon_ann_encode(const struct cmon_ann_host *h, struct cmon_ann *w)
{
	int i;

	w->ver_flags = (uint8_t)(h->version << 4 | (h->flags & 0xf));
	w->nslots = h->nslots;
	w->tp_mask = htons(h->tp_mask);
	w->seq = htonl(h->seq);
	w->t0_lo = htonl(h->t0_lo);
	w->tag = htons(h->tag);
	for (i = 0; i < CMON_ANN_SLOTS; i++) {
		w->slot[i].tp = h->slot[i].tp;
		w->slot[i].node = h->slot[i].node;
		w->slot[i].delta = htonl((uint32_t)h->slot[i].delta);
	}
}

void cmon_ann_sign(struct cmon_ann_host *h, uint64_t key)
{
	h->tag = cmon_ann_tag(key, h->seq, h->t0_lo, h->tp_mask);
}

static enum cmon_find check(struct cmon_found *f, uint64_t key,
			    int check_tag)
{
	switch (cmon_ann_check(&f->wire, key, check_tag)) {
	case 0:
		return CMON_FIND_OK;
	case CMON_BAD_VER:
		return CMON_FIND_BAD_VERSION;
	case CMON_BAD_TAG:
		return CMON_FIND_BAD_TAG;
	default:
		return CMON_FIND_MALFORMED;
	}
}

enum cmon_find cmon_ann_locate(const uint8_t *ip, size_t len, uint64_t key,
			       int check_tag, struct cmon_found *out)
{
	struct cmon_ip4 h;
	size_t tot, at;

	/* (a total length is at most 0xffff) */
	if (len < 20 || cmon_ip4_read(ip, len > 0xffff ? 0xffff : (__u32)len, &h))
		return CMON_FIND_NONE;
	tot = h.tot_len;
	if (h.ihl > 20 && cmon_ann_in_option(h.ihl, ip[20], ip[21])) {
		out->carrier = CMON_CARRIER_IPOPT;
		out->offset = 20;
		at = 22;		/* the body, behind type and length */
	} else {
		if (!(h.frag_off & CMON_IP_DECISION_BIT))
			return CMON_FIND_NONE;
		if (tot < h.ihl + 8u + CMON_ANN_WIRE_LEN ||
		    (h.frag_off & (CMON_IP_MF | CMON_IP_OFFMASK)) ||
		    (h.proto != CMON_PROTO_UDP && h.proto != CMON_PROTO_ICMP) ||
		    cmon_get16(ip + tot - 2) != CMON_TRAILER_MAGIC)
			return CMON_FIND_MALFORMED;
		out->carrier = CMON_CARRIER_TRAILER;
		out->offset = tot - CMON_ANN_WIRE_LEN;
		at = out->offset;	/* the body, then the magic */
	}
	/* straight from the packet: a copy of a copy would wait for it */
	memcpy(&out->wire, ip + at, sizeof(out->wire));
	return check(out, key, check_tag);
}

enum cmon_find cmon_ann_find(const uint8_t *ip, size_t len, uint64_t key,
			     int check_tag, struct cmon_found *out)
{
	enum cmon_find r;

	memset(out, 0, sizeof(*out));
	r = cmon_ann_locate(ip, len, key, check_tag, out);
	cmon_ann_decode(&out->wire, &out->ann);
	return r;
}

uint16_t cmon_csum(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	uint64_t s = sum;
	uint32_t w;

	/* 32-bit big-endian words fold to the same sum as 16-bit ones */
	for (; len >= 4; len -= 4, p += 4) {
		memcpy(&w, p, 4);
		s += ntohl(w);
	}
	if (len >= 2) {
		s += (uint32_t)(p[0] << 8 | p[1]);
		p += 2;
		len -= 2;
	}
	if (len)
		s += (uint32_t)p[0] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

void cmon_ann_flow(const uint8_t *ip, size_t len, struct cmon_record *r)
{
	struct cmon_ip4 h;
	size_t ihl;

	if (len < 20 || cmon_ip4_read(ip, 0, &h))
		return;
	ihl = h.ihl;
	r->saddr = h.saddr;
	r->daddr = h.daddr;
	r->proto = h.proto;
	r->len = (uint32_t)h.tot_len - CMON_ANN_WIRE_LEN;
	if (len < ihl + 8)
		return;
	if (r->proto == CMON_PROTO_TCP || r->proto == CMON_PROTO_UDP) {
		memcpy(&r->sport, ip + ihl, 2);
		memcpy(&r->dport, ip + ihl + 2, 2);
	} else if (r->proto == CMON_PROTO_ICMP) {
		memcpy(&r->sport, ip + ihl + 4, 2);
	}
}
