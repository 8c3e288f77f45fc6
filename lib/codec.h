/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * User-space codec of the annotation wire format (include/cmon/annotation.h):
 * find an annotation in an IPv4 packet in either carrier, decode it to host
 * byte order, encode one.  Used by the tests, the pcap analyser and the
 * userspace datapath hooks; the rules every hop applies (checks, slots,
 * records) are cmon/annotate.h's.
 */
#ifndef CMON_CODEC_H
#define CMON_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include "cmon/annotate.h"

/* An annotation in host byte order. */
struct cmon_ann_host {
	uint8_t version, flags, nslots;
	uint16_t tp_mask;
	uint32_t seq, t0_lo;
	uint16_t tag;
	struct {
		uint8_t tp, node;
		int32_t delta;
	} slot[CMON_ANN_SLOTS];
};

enum cmon_find {
	CMON_FIND_NONE = 0,		/* no annotation present */
	CMON_FIND_OK = 1,		/* annotation decoded (and tag valid) */
	CMON_FIND_BAD_VERSION = -1,	/* carrier present, unknown version */
	CMON_FIND_MALFORMED = -2,	/* carrier present but inconsistent */
	CMON_FIND_BAD_TAG = -3,		/* tag does not match the key */
};

struct cmon_found {
	enum cmon_carrier carrier;
	size_t offset;			/* of the carrier, from the IP header */
	struct cmon_ann wire;		/* as in the packet */
	struct cmon_ann_host ann;	/* decoded (cmon_ann_find() only) */
};

void cmon_ann_decode(const struct cmon_ann *w, struct cmon_ann_host *h);
void cmon_ann_encode(const struct cmon_ann_host *h, struct cmon_ann *w);
/* Compute and set the tag of @h under @key. */
void cmon_ann_sign(struct cmon_ann_host *h, uint64_t key);

/*
 * Look for an annotation in the IPv4 packet @ip of @len bytes: an IPv4
 * option first in the header, or a payload trailer when the decision bit
 * is set.  With @check_tag the tag is verified under @key.  Find also
 * decodes what it found (out->ann; zero where nothing was read); locate,
 * for the hops, only reads it (out->wire), and fills @out only as far as
 * it got.
 */
enum cmon_find cmon_ann_find(const uint8_t *ip, size_t len, uint64_t key,
			     int check_tag, struct cmon_found *out);
enum cmon_find cmon_ann_locate(const uint8_t *ip, size_t len, uint64_t key,
			       int check_tag, struct cmon_found *out);

/*
 * Flow fields of a record from the annotated IPv4 packet @ip, @len bytes of
 * it at hand: addresses, protocol, length without the annotation, and the
 * ports (ICMP: the id as source port) when the L4 header is within @len.
 */
void cmon_ann_flow(const uint8_t *ip, size_t len, struct cmon_record *r);

/* Internet checksum (RFC 1071) of @len bytes added to @sum, folded. */
uint16_t cmon_csum(const void *buf, size_t len, uint32_t sum);

#endif /* CMON_CODEC_H */
