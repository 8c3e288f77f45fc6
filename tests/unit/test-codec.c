// SPDX-License-Identifier: BSD-2-Clause
/* Unit tests of lib/codec and the inline helpers of annotation.h. */
#include <arpa/inet.h>
#include <string.h>
#include "codec.h"
#include "unit.h"

#define KEY 0x1234567890abcdefULL

static struct cmon_ann_host sample(void)
{
	struct cmon_ann_host h;

	memset(&h, 0, sizeof(h));
	h.version = CMON_ANN_VERSION;
	h.nslots = 2;
	h.tp_mask = 1 << CMON_TP_VETH_IN | 1 << CMON_TP_VETH_OUT;
	h.seq = 77;
	h.t0_lo = 0xdeadbeef;
	h.slot[0].tp = CMON_TP_VETH_IN;
	h.slot[1].tp = CMON_TP_VETH_OUT;
	h.slot[1].node = 3;
	h.slot[1].delta = -12345;
	cmon_ann_sign(&h, KEY);
	return h;
}

/* IPv4/UDP packet with @plen payload bytes; returns total length. */
static size_t udp_pkt(uint8_t *b, size_t plen)
{
	size_t tot = 28 + plen;

	memset(b, 0, tot);
	b[0] = 0x45;
	b[2] = tot >> 8;
	b[3] = tot & 0xff;
	b[8] = 64;
	b[9] = 17;
	memcpy(b + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	b[24] = (8 + plen) >> 8;
	b[25] = (8 + plen) & 0xff;
	return tot;
}

static void add_trailer(uint8_t *b, size_t *tot, const struct cmon_ann_host *h,
			uint16_t magic)
{
	struct cmon_trailer t;

	cmon_ann_encode(h, &t.ann);
	t.magic = htons(magic);
	memcpy(b + *tot, &t, sizeof(t));
	*tot += sizeof(t);
	b[2] = *tot >> 8;
	b[3] = *tot & 0xff;
	b[6] |= 0x80;		/* decision bit */
}

static void test_codec_roundtrip(void)
{
	struct cmon_ann_host h = sample(), g;
	struct cmon_ann w;

	cmon_ann_encode(&h, &w);
	cmon_ann_decode(&w, &g);
	CU_ASSERT(memcmp(&h, &g, sizeof(h)) == 0);
	/* wire order is big endian */
	CU_ASSERT_EQUAL(((uint8_t *)&w.seq)[3], 77);
	CU_ASSERT_EQUAL(w.ver_flags >> 4, CMON_ANN_VERSION);
}

static void test_codec_tag_is_keyed(void)
{
	struct cmon_ann_host h = sample();

	CU_ASSERT_EQUAL(h.tag, cmon_ann_tag(KEY, 77, 0xdeadbeef, h.tp_mask));
	CU_ASSERT_NOT_EQUAL(h.tag, cmon_ann_tag(KEY + 1, 77, 0xdeadbeef,
						h.tp_mask));
	CU_ASSERT_NOT_EQUAL(h.tag, cmon_ann_tag(KEY, 78, 0xdeadbeef,
						h.tp_mask));
}

static void test_codec_sample_hash_spread(void)
{
	unsigned int hits = 0, i;

	/* 1 in 32 of distinct packets chosen, within 20 % */
	for (i = 0; i < 64000; i++)
		hits += cmon_sample_hash(0x0a000001, 0x0a000002, 0x12345678,
					 17, i) % 32 == 0;
	CU_ASSERT(hits > 1600 && hits < 2400);
	/* deterministic: every hop agrees */
	CU_ASSERT_EQUAL(cmon_sample_hash(1, 2, 3, 6, 4),
			cmon_sample_hash(1, 2, 3, 6, 4));
}

static void test_codec_find_trailer(void)
{
	struct cmon_ann_host h = sample();
	struct cmon_found f;
	uint8_t b[2000];
	size_t tot = udp_pkt(b, 100);

	CU_ASSERT_EQUAL(cmon_ann_find(b, tot, KEY, 1, &f), CMON_FIND_NONE);
	add_trailer(b, &tot, &h, CMON_TRAILER_MAGIC);
	CU_ASSERT_EQUAL(cmon_ann_find(b, tot, KEY, 1, &f), CMON_FIND_OK);
	CU_ASSERT_EQUAL(f.carrier, CMON_CARRIER_TRAILER);
	CU_ASSERT_EQUAL(f.offset, 128);
	CU_ASSERT_EQUAL(f.ann.seq, 77);
	CU_ASSERT_EQUAL(f.ann.slot[1].delta, -12345);
	CU_ASSERT_EQUAL(cmon_ann_find(b, tot, KEY ^ 1, 1, &f),
			CMON_FIND_BAD_TAG);
	/* truncated capture: total length beyond what we have */
	CU_ASSERT_EQUAL(cmon_ann_find(b, tot - 1, KEY, 1, &f), CMON_FIND_NONE);
}

static void test_codec_find_malformed(void)
{
	struct cmon_ann_host h = sample();
	struct cmon_found f;
	uint8_t b[2000];
	size_t tot = udp_pkt(b, 100);

	/* decision bit without magic */
	add_trailer(b, &tot, &h, 0x1111);
	CU_ASSERT_EQUAL(cmon_ann_find(b, tot, KEY, 1, &f), CMON_FIND_MALFORMED);
	/* decision bit on a packet too short to hold a trailer */
	tot = udp_pkt(b, 4);
	b[6] |= 0x80;
	CU_ASSERT_EQUAL(cmon_ann_find(b, tot, KEY, 1, &f), CMON_FIND_MALFORMED);
	/* unknown version */
	tot = udp_pkt(b, 10);
	h.version = 7;
	add_trailer(b, &tot, &h, CMON_TRAILER_MAGIC);
	CU_ASSERT_EQUAL(cmon_ann_find(b, tot, KEY, 1, &f),
			CMON_FIND_BAD_VERSION);
	/* slot count out of range */
	h = sample();
	h.nslots = CMON_ANN_SLOTS + 1;
	tot = udp_pkt(b, 10);
	add_trailer(b, &tot, &h, CMON_TRAILER_MAGIC);
	CU_ASSERT_EQUAL(cmon_ann_find(b, tot, KEY, 0, &f), CMON_FIND_MALFORMED);
}

static void test_codec_find_ipopt(void)
{
	struct cmon_ann_host h = sample();
	struct cmon_ipopt o = { CMON_IPOPT_TYPE, CMON_ANN_WIRE_LEN };
	struct cmon_found f;
	uint8_t b[200];

	memset(b, 0, sizeof(b));
	b[0] = 0x4f;
	b[3] = 100;
	b[9] = 6;
	cmon_ann_encode(&h, &o.ann);
	memcpy(b + 20, &o, sizeof(o));
	CU_ASSERT_EQUAL(cmon_ann_find(b, 100, KEY, 1, &f), CMON_FIND_OK);
	CU_ASSERT_EQUAL(f.carrier, CMON_CARRIER_IPOPT);
	CU_ASSERT_EQUAL(f.offset, 20);
	/* our option type, but not first: not ours */
	b[20] = 1;
	CU_ASSERT_EQUAL(cmon_ann_find(b, 100, KEY, 1, &f), CMON_FIND_NONE);
}

static void test_codec_csum(void)
{
	/* RFC 1071 example bytes */
	static const uint8_t d[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5,
				     0xf6, 0xf7 };

	CU_ASSERT_EQUAL(cmon_csum(d, sizeof(d), 0), (uint16_t)~0xddf2);
	/* odd length pads with zero */
	CU_ASSERT_EQUAL(cmon_csum(d, 1, 0), (uint16_t)~0x0000);
	CU_ASSERT_EQUAL(cmon_csum(d + 2, 1, 0), (uint16_t)~0xf200);
}

/* What cmon_ann_start() says the words it wrote sum to is what they sum
 * to, whatever its arguments. */
static void test_codec_ann_start_sum(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	struct cmon_ann a;
	uint32_t sum;
	int i;

	for (i = 0; i < 1000; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		memset(&a, 0x5a, sizeof(a));
		sum = cmon_ann_start(&a, (uint8_t)(x >> 7), (uint16_t)(x >> 13),
				     (uint32_t)(x >> 17), x ^ x >> 29, KEY,
				     (uint8_t)(x >> 41), (uint8_t)(x >> 53));
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		if (sum == 0xffff)
			sum = 0;	/* (one's complement: two zeros) */
		CU_ASSERT_EQUAL(sum, (uint16_t)~cmon_csum(&a, sizeof(a), 0) %
				0xffff);
	}
}

int main(void)
{
	static const struct unit_case cases[] = {
		{ "test_codec_roundtrip", test_codec_roundtrip },
		{ "test_codec_tag_is_keyed", test_codec_tag_is_keyed },
		{ "test_codec_sample_hash_spread", test_codec_sample_hash_spread },
		{ "test_codec_find_trailer", test_codec_find_trailer },
		{ "test_codec_find_malformed", test_codec_find_malformed },
		{ "test_codec_find_ipopt", test_codec_find_ipopt },
		{ "test_codec_csum", test_codec_csum },
		{ "test_codec_ann_start_sum", test_codec_ann_start_sum },
		{ NULL, NULL }
	};
	return unit_run("codec", cases);
}
