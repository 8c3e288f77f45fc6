// SPDX-License-Identifier: BSD-2-Clause
/*
 * Unit tests of the userspace datapath hops (lib/ovs-hops.c): what the patched
 * Open vSwitch does to a frame at a container port and at a trunk port.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "cmon/dp.h"
#include "codec.h"
#include "ovs-ctl.h"
#include "ovs-flows.h"
#include "view.h"
#include "unit.h"

#define KEY	0x0123456789abcdefULL
#define ROOM	128
#define NOW	5000000000ULL
/* A hop time fixed by the test. */
#define AT(t)	(&(struct cmon_dp_clock){ .ns = (t) })

static const struct cmon_dp_cfg cfg = { .key = KEY, .sample_n = 1,
					.node = 7 };

/* Ethernet + IPv4 + UDP (or TCP) frame with @plen payload bytes at @f. */
static uint32_t frame(uint8_t *f, uint8_t proto, uint32_t plen)
{
	uint32_t l4 = proto == 6 ? 20 : 8, tot = 20 + l4 + plen, i;
	uint8_t *ip = f + 14, *l;

	memset(f, 0, 14 + tot);
	memcpy(f, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00", 14);
	ip[0] = 0x45;
	ip[2] = tot >> 8;
	ip[3] = tot & 0xff;
	ip[4] = 0x12;
	ip[5] = 0x34;
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, "\x0a\x01\x00\x02\x0a\x01\x00\x03", 8);
	l = ip + 20;
	l[0] = 0x30, l[1] = 0x39, l[2] = 0x13, l[3] = 0x88;
	for (i = 0; i < plen; i++)
		l[l4 + i] = (uint8_t)(i * 7 + 1);
	if (proto == 17) {
		l[4] = (8 + plen) >> 8;
		l[5] = (8 + plen) & 0xff;
		uint32_t sum = 0x0a01 + 0x0002 + 0x0a01 + 0x0003 + 17 + 8 +
			       plen;
		uint16_t c = cmon_csum(l, 8 + plen, sum);

		l[6] = c >> 8;
		l[7] = c & 0xff;
	} else {
		l[12] = 0x50;
	}
	ip[10] = 0, ip[11] = 0;
	uint16_t c = cmon_csum(ip, 20, 0);

	ip[10] = c >> 8;
	ip[11] = c & 0xff;
	return 14 + tot;
}

static int ip_csum_ok(const uint8_t *ip)
{
	return cmon_csum(ip, (ip[0] & 0xfu) * 4, 0) == 0;
}

static int udp_csum_ok(const uint8_t *ip)
{
	uint32_t ihl = (ip[0] & 0xfu) * 4, tot = ip[2] << 8 | ip[3];
	uint32_t sum = (ip[12] << 8 | ip[13]) + (ip[14] << 8 | ip[15]) +
		       (ip[16] << 8 | ip[17]) + (ip[18] << 8 | ip[19]) + 17 +
		       tot - ihl;

	return cmon_csum(ip + ihl, tot - ihl, sum) == 0;
}

/* Stamp at a container port, transit a trunk port, strip: the receiver
 * gets the sender's exact bytes and the record holds all three hops. */
static void test_dp_roundtrip(void)
{
	uint8_t buf[ROOM + 1600], orig[1600], *f = buf + ROOM;
	uint64_t stat[CMON_EV_MAX] = { 0 };
	struct cmon_dp_res res;
	struct cmon_record rec;
	struct cmon_found found;
	uint32_t len = frame(f, 17, 100);

	memcpy(orig, f, len);
	cmon_dp_stamp(&cfg, f, len, ROOM, 1500, AT(NOW), stat, &res);
	CU_ASSERT_EQUAL(res.head, 40);
	CU_ASSERT_EQUAL(stat[CMON_EV_STAMPED], 1);
	f -= res.head;
	len += res.head;
	CU_ASSERT(ip_csum_ok(f + 14));
	CU_ASSERT(udp_csum_ok(f + 14));
	CU_ASSERT_EQUAL(cmon_ann_find(f + 14, len - 14, KEY, 1, &found),
			CMON_FIND_OK);
	CU_ASSERT_EQUAL(found.carrier, CMON_CARRIER_IPOPT);
	CU_ASSERT_EQUAL(found.ann.slot[0].tp, CMON_TP_OVS_RX);
	CU_ASSERT_EQUAL(found.ann.slot[0].node, 7);
	CU_ASSERT_EQUAL(memcmp(f, orig, 12), 0);	/* MACs kept */

	cmon_dp_transit(&cfg, f, len, CMON_TP_VETH_IN, AT(NOW + 1000), stat);
	CU_ASSERT_EQUAL(stat[CMON_EV_WRITTEN], 1);
	CU_ASSERT(ip_csum_ok(f + 14));

	cmon_dp_strip(&cfg, f, len, AT(NOW + 3000), stat, &rec, &res, NULL);
	CU_ASSERT_EQUAL(res.record, 1);
	CU_ASSERT_EQUAL(res.head, -40);
	f -= res.head;
	len += res.head;
	CU_ASSERT_EQUAL(len, 14 + 128);
	CU_ASSERT_EQUAL(memcmp(f, orig, len), 0);
	CU_ASSERT_EQUAL(rec.nhops, 3);
	CU_ASSERT_EQUAL(rec.hop[0].tp, CMON_TP_OVS_RX);
	CU_ASSERT_EQUAL(rec.hop[1].tp, CMON_TP_VETH_IN);
	CU_ASSERT_EQUAL(rec.hop[1].delta, 1000);
	CU_ASSERT_EQUAL(rec.hop[2].tp, CMON_TP_OVS_TX);
	CU_ASSERT_EQUAL(rec.hop[2].delta, 3000);
	CU_ASSERT_EQUAL(rec.t0, NOW);
	CU_ASSERT_EQUAL(rec.seq, 1);
	CU_ASSERT_EQUAL(rec.source, CMON_SRC_OVS);
	CU_ASSERT_EQUAL(rec.len, 128);
	CU_ASSERT_EQUAL(ntohs(rec.dport), 5000);
}

/*
 * The annotation beside the packet: stamped at a container port, the
 * packet crosses the switch as it came and a container port records its
 * path; any other port writes it into the bytes as a stamp in them would,
 * and what follows finds it there; with no room left, its path ends at
 * that port.
 */
static void test_dp_side(void)
{
	static const struct cmon_dp_cfg sc = { .key = KEY, .sample_n = 1,
					       .node = 7, .side_gen = 3 };
	uint8_t buf[ROOM + 1600], orig[1600], *f = buf + ROOM;
	uint64_t stat[CMON_EV_MAX] = { 0 };
	struct cmon_dp_side side = { 0 };
	struct cmon_found found;
	struct cmon_dp_res res;
	struct cmon_record rec, inb;
	uint32_t len = frame(f, 17, 100), seq;

	memcpy(orig, f, len);
	cmon_dp_stamp_side(&sc, f, len, ROOM, 1500, AT(NOW), stat, &side);
	CU_ASSERT_EQUAL(stat[CMON_EV_STAMPED], 1);
	CU_ASSERT_EQUAL(side.gen, 3);
	seq = side.seq;		/* (the flow's, as the thread stamped it) */
	CU_ASSERT_EQUAL(side.t0, NOW);
	CU_ASSERT_EQUAL(memcmp(f, orig, len), 0);	/* as it came */

	/* a container port: the record, the bytes untouched */
	memset(&rec, 0xee, sizeof(rec));
	CU_ASSERT_EQUAL(cmon_dp_side_record(&sc, &side, f, len,
					    AT(NOW + 3000), stat, &rec), 1);
	CU_ASSERT_EQUAL(memcmp(f, orig, len), 0);
	CU_ASSERT_EQUAL(stat[CMON_EV_STRIPPED], 1);
	CU_ASSERT_EQUAL(rec.nhops, 2);
	CU_ASSERT_EQUAL(rec.hop[0].tp, CMON_TP_OVS_RX);
	CU_ASSERT_EQUAL(rec.hop[0].node, 7);
	CU_ASSERT_EQUAL(rec.hop[0].delta, 0);
	CU_ASSERT_EQUAL(rec.hop[1].tp, CMON_TP_OVS_TX);
	CU_ASSERT_EQUAL(rec.hop[1].delta, 3000);
	CU_ASSERT_EQUAL(rec.hop[2].tp, 0xff);
	CU_ASSERT_EQUAL(rec.hop[5].tp, 0xff);
	CU_ASSERT_EQUAL(rec.t0, NOW);
	CU_ASSERT_EQUAL(rec.seq, seq);
	CU_ASSERT_EQUAL(rec.len, 128);
	CU_ASSERT_EQUAL(rec.segs, 1);
	CU_ASSERT_EQUAL(rec.source, CMON_SRC_OVS);
	CU_ASSERT_EQUAL(rec.carrier, CMON_CARRIER_SKB);
	CU_ASSERT_EQUAL(ntohs(rec.sport), 12345);
	CU_ASSERT_EQUAL(ntohs(rec.dport), 5000);
	CU_ASSERT_EQUAL(rec.proto, 17);

	/* a trunk: in the bytes, then the send hop; the strip after it
	 * makes the record an annotation in the bytes from the start
	 * makes (the next sequence number) */
	cmon_dp_stamp_side(&sc, f, len, ROOM, 1500, AT(NOW), stat, &side);
	CU_ASSERT_EQUAL(side.seq, seq + 1);
	cmon_dp_side_write(&sc, &side, f, len, ROOM, 1500, AT(NOW + 500),
			   stat, &rec, &res);
	CU_ASSERT_EQUAL(res.head, 40);
	CU_ASSERT_EQUAL(res.record, 0);
	f -= res.head;
	len += res.head;
	CU_ASSERT(ip_csum_ok(f + 14));
	CU_ASSERT(udp_csum_ok(f + 14));
	CU_ASSERT_EQUAL_FATAL(cmon_ann_find(f + 14, len - 14, KEY, 1, &found),
			      CMON_FIND_OK);
	CU_ASSERT_EQUAL(found.ann.slot[0].tp, CMON_TP_OVS_RX);
	CU_ASSERT_EQUAL(found.ann.seq, seq + 1);
	cmon_dp_transit(&sc, f, len, CMON_TP_OVS_TX, AT(NOW + 500), stat);
	CU_ASSERT_EQUAL(stat[CMON_EV_WRITTEN], 1);
	cmon_dp_strip(&sc, f, len, AT(NOW + 900), stat, &rec, &res, NULL);
	CU_ASSERT_EQUAL_FATAL(res.record, 1);
	f -= res.head;
	len += res.head;
	CU_ASSERT_EQUAL(memcmp(f, orig, len), 0);
	CU_ASSERT_EQUAL(rec.nhops, 3);
	CU_ASSERT_EQUAL(rec.hop[1].tp, CMON_TP_OVS_TX);
	CU_ASSERT_EQUAL(rec.hop[1].delta, 500);
	CU_ASSERT_EQUAL(rec.t0, NOW);
	CU_ASSERT_EQUAL(rec.seq, seq + 1);
	/* the same packet stamped in its bytes gives that record too */
	cmon_dp_stamp(&sc, f, len, ROOM, 1500, AT(NOW), stat, &res);
	f -= res.head;
	len += res.head;
	cmon_dp_transit(&sc, f, len, CMON_TP_OVS_TX, AT(NOW + 500), stat);
	cmon_dp_strip(&sc, f, len, AT(NOW + 900), stat, &inb, &res, NULL);
	f -= res.head;
	len += res.head;
	inb.seq--;
	CU_ASSERT_EQUAL(memcmp(&inb, &rec, sizeof(rec)), 0);

	/* no headroom left at the port it leaves by, or an MTU the packet
	 * would no longer fit (a 128-byte packet, 167): its path ends there */
	cmon_dp_stamp_side(&sc, f, len, ROOM, 1500, AT(NOW), stat, &side);
	cmon_dp_side_write(&sc, &side, f, len, 39, 0, AT(NOW + 700), stat,
			   &rec, &res);
	CU_ASSERT_EQUAL(res.head, 0);
	CU_ASSERT_EQUAL(res.record, 1);
	CU_ASSERT_EQUAL(memcmp(f, orig, len), 0);
	CU_ASSERT_EQUAL(rec.seq, seq + 3);
	CU_ASSERT_EQUAL(rec.hop[1].delta, 700);
	cmon_dp_side_write(&sc, &side, f, len, ROOM, 167, AT(NOW + 700), stat,
			   &rec, &res);
	CU_ASSERT_EQUAL(res.head, 0);
	CU_ASSERT_EQUAL(res.record, 1);
	CU_ASSERT_EQUAL(memcmp(f, orig, len), 0);
	cmon_dp_side_write(&sc, &side, f, len, ROOM, 168, AT(NOW + 700), stat,
			   &rec, &res);
	CU_ASSERT_EQUAL(res.head, 40);
	CU_ASSERT_EQUAL(res.record, 0);
	memcpy(f, orig, len);			/* (as it was) */

	/* a VLAN tag pushed on the way: recorded, or written under it */
	memmove(f + 16, f + 12, len - 12);
	f[12] = 0x81, f[13] = 0x00, f[14] = 0x00, f[15] = 0x05;
	len += 4;
	CU_ASSERT_EQUAL(cmon_dp_side_record(&sc, &side, f, len, AT(NOW + 800),
					    stat, &rec), 1);
	CU_ASSERT_EQUAL(rec.len, 128);
	CU_ASSERT_EQUAL(ntohs(rec.dport), 5000);
	cmon_dp_side_write(&sc, &side, f, len, ROOM, 1500, AT(NOW + 700),
			   stat, &rec, &res);
	CU_ASSERT_EQUAL_FATAL(res.head, 40);
	CU_ASSERT_EQUAL(res.record, 0);
	CU_ASSERT_EQUAL(memcmp(f - 40 + 12, "\x81\x00\x00\x05\x08\x00", 6),
			0);
	CU_ASSERT(ip_csum_ok(f - 40 + 18));
	CU_ASSERT_EQUAL(cmon_ann_find(f - 40 + 18, len + 40 - 18, KEY, 1,
				      &found), CMON_FIND_OK);
	CU_ASSERT_EQUAL(found.ann.seq, seq + 3);
	len = frame(f, 17, 100);			/* as it was */

	/* the stamp's checks and sanitising are the same */
	memset(&side, 0, sizeof(side));
	cmon_dp_stamp_side(&sc, f, len, 39, 1500, AT(NOW), stat, &side);
	CU_ASSERT_EQUAL(side.gen, 0);
	CU_ASSERT_EQUAL(stat[CMON_EV_SKIP_ROOM], 1);
	cmon_dp_stamp_side(&sc, f, len, ROOM, len - 14 + 39, AT(NOW), stat,
			   &side);
	CU_ASSERT_EQUAL(side.gen, 0);
	CU_ASSERT_EQUAL(stat[CMON_EV_SKIP_MTU], 1);
	f[14 + 6] |= CMON_IP_DECISION_BIT >> 8;		/* forged */
	f[14 + 10] = f[14 + 11] = 0;
	{
		uint16_t c = cmon_csum(f + 14, 20, 0);

		f[14 + 10] = c >> 8, f[14 + 11] = c & 0xff;
	}
	cmon_dp_stamp_side(&sc, f, len, ROOM, 1500, AT(NOW), stat, &side);
	CU_ASSERT_EQUAL(stat[CMON_EV_SANITISED], 1);
	CU_ASSERT_EQUAL(side.gen, 3);
	CU_ASSERT_EQUAL(memcmp(f, orig, len), 0);
	CU_ASSERT(ip_csum_ok(f + 14));
}

/*
 * A UDP frame at @f with @plen payload bytes and a kernel hop's payload
 * trailer behind them (annotation @a with one slot, signed), checksums
 * right: what a kernel stamp hop sends.  Returns its length.
 */
static uint32_t trailer_frame(uint8_t *f, uint32_t plen,
			      struct cmon_ann_host *a)
{
	uint8_t *ip = f + 14;
	uint32_t len = frame(f, 17, plen), tot;
	struct cmon_trailer t;
	uint16_t c;

	a->slot[0].tp = CMON_TP_VETH_IN;
	a->slot[1].tp = a->slot[2].tp = a->slot[3].tp = 0xff;
	cmon_ann_sign(a, KEY);
	cmon_ann_encode(a, &t.ann);
	t.magic = htons(CMON_TRAILER_MAGIC);
	memcpy(f + len, &t, sizeof(t));
	len += 40;
	tot = len - 14;
	ip[2] = tot >> 8, ip[3] = tot & 0xff, ip[6] |= 0x80;
	ip[24] = (tot - 20) >> 8, ip[25] = (tot - 20) & 0xff;
	ip[26] = ip[27] = 0;
	c = cmon_csum(ip + 20, tot - 20, 0x0a01 + 2 + 0x0a01 + 3 + 17 +
		      tot - 20);
	ip[26] = c >> 8, ip[27] = c & 0xff;
	ip[10] = ip[11] = 0;
	c = cmon_csum(ip, 20, 0);
	ip[10] = c >> 8, ip[11] = c & 0xff;
	return len;
}

/*
 * A packet corrupted on its way keeps a checksum that says so: the hops
 * update checksums (RFC 1624), never compute them afresh.
 */
static void test_dp_corruption_kept(void)
{
	uint8_t buf[ROOM + 1600], *f = buf + ROOM, *ip;
	uint64_t stat[CMON_EV_MAX] = { 0 };
	struct cmon_ann_host a = { .version = CMON_ANN_VERSION, .nslots = 1,
				   .seq = 3, .t0_lo = (uint32_t)NOW };
	struct cmon_dp_res res;
	struct cmon_record rec;
	uint32_t len = frame(f, 17, 100);

	/* the IPv4 option: a header byte changed in flight */
	cmon_dp_stamp(&cfg, f, len, ROOM, 1500, AT(NOW), stat, &res);
	f -= res.head;
	len += res.head;
	f[14 + 8]--;				/* TTL, checksum not updated */
	cmon_dp_transit(&cfg, f, len, CMON_TP_VETH_IN, AT(NOW + 10), stat);
	cmon_dp_strip(&cfg, f, len, AT(NOW + 20), stat, &rec, &res, NULL);
	CU_ASSERT_EQUAL_FATAL(res.record, 1);
	f -= res.head;
	len += res.head;
	CU_ASSERT(!ip_csum_ok(f + 14));
	CU_ASSERT(udp_csum_ok(f + 14));
	f[14 + 8]++;				/* undone, all is well */
	CU_ASSERT(ip_csum_ok(f + 14));

	/* the payload trailer (odd offset): a payload byte changed */
	f = buf + ROOM;
	ip = f + 14;
	len = trailer_frame(f, 33, &a);
	CU_ASSERT(udp_csum_ok(ip));
	ip[20 + 8 + 5] ^= 0x10;			/* in flight */
	cmon_dp_transit(&cfg, f, len, CMON_TP_OVS_RX, AT(NOW + 100), stat);
	CU_ASSERT(!udp_csum_ok(ip));
	cmon_dp_strip(&cfg, f, len, AT(NOW + 200), stat, &rec, &res, NULL);
	CU_ASSERT_EQUAL_FATAL(res.record, 1);
	CU_ASSERT(ip_csum_ok(ip));
	CU_ASSERT(!udp_csum_ok(ip));
	ip[20 + 8 + 5] ^= 0x10;
	CU_ASSERT(udp_csum_ok(ip));
}

/* A kernel hop's payload trailer is stripped byte-exact, UDP checksum
 * included. */
static void test_dp_strip_trailer(void)
{
	uint8_t buf[ROOM + 1600], orig[1600], pre[1600], *f = buf + ROOM;
	uint8_t *ip = f + 14;
	static struct cmon_capture cap;
	struct cmon_found found;
	uint64_t stat[CMON_EV_MAX] = { 0 };
	struct cmon_ann_host a = { .version = CMON_ANN_VERSION, .nslots = 1,
				   .seq = 9, .t0_lo = (uint32_t)NOW - 500 };
	struct cmon_dp_res res;
	struct cmon_record rec;
	uint32_t len;

	frame(orig, 17, 33);
	len = trailer_frame(f, 33, &a);

	cmon_dp_transit(&cfg, f, len, CMON_TP_OVS_RX, AT(NOW + 100), stat);
	CU_ASSERT_EQUAL(stat[CMON_EV_WRITTEN], 1);
	CU_ASSERT(udp_csum_ok(ip));
	/* captured as it arrived, annotation included */
	memcpy(pre, f, len);
	cmon_dp_strip(&cfg, f, len, AT(NOW + 200), stat, &rec, &res, &cap);
	CU_ASSERT_EQUAL(res.record, 1);
	CU_ASSERT_EQUAL(cap.len, len);
	CU_ASSERT_EQUAL(cap.caplen, len);
	CU_ASSERT_EQUAL(memcmp(cap.data, pre, len), 0);
	CU_ASSERT_EQUAL(cmon_ann_find(cap.data + 14, len - 14, KEY, 1, &found),
			CMON_FIND_OK);
	CU_ASSERT_EQUAL(res.head, 0);
	CU_ASSERT_EQUAL(res.tail, -40);
	CU_ASSERT_EQUAL(memcmp(f, orig, len - 40), 0);
	CU_ASSERT_EQUAL(rec.carrier, CMON_CARRIER_TRAILER);
	CU_ASSERT_EQUAL(rec.nhops, 3);
	CU_ASSERT_EQUAL(rec.hop[1].delta, 600);
	CU_ASSERT_EQUAL(rec.hop[2].delta, 700);
	CU_ASSERT_EQUAL(rec.seq, 9);
}

/* What a container sends is neutralised, never trusted or stripped. */
static void test_dp_forged(void)
{
	uint8_t buf[ROOM + 1600], *f = buf + ROOM, *ip = f + 14;
	uint64_t stat[CMON_EV_MAX] = { 0 };
	struct cmon_dp_cfg nosample = cfg;
	struct cmon_dp_res res;
	struct cmon_record rec;
	uint32_t len = frame(f, 17, 64);

	/* decision bit set by the container, not sampled: bit cleared */
	nosample.sample_n = 0x7fffffff;
	cmon_dp_skip = 1000;	/* the sampler leaves the next packets out */
	ip[6] |= 0x80;
	ip[10] = ip[11] = 0;
	uint16_t c = cmon_csum(ip, 20, 0);

	ip[10] = c >> 8, ip[11] = c & 0xff;
	cmon_dp_stamp(&nosample, f, len, ROOM, 1500, AT(NOW), stat, &res);
	CU_ASSERT_EQUAL(stat[CMON_EV_SANITISED], 1);
	CU_ASSERT_EQUAL(stat[CMON_EV_SAMPLED_OUT], 1);
	CU_ASSERT_EQUAL(res.head, 0);
	CU_ASSERT_EQUAL(ip[6] & 0x80, 0);
	CU_ASSERT(ip_csum_ok(ip));

	/* an annotation under another key: strip leaves it untouched */
	struct cmon_dp_cfg other = cfg;

	other.key = KEY ^ 1;
	cmon_dp_stamp(&other, f, len, ROOM, 1500, AT(NOW), stat, &res);
	f -= res.head;
	len += res.head;
	uint8_t copy[1600];

	memcpy(copy, f, len);
	cmon_dp_strip(&cfg, f, len, AT(NOW), stat, &rec, &res, NULL);
	CU_ASSERT_EQUAL(res.record, 0);
	CU_ASSERT_EQUAL(res.head, 0);
	CU_ASSERT_EQUAL(stat[CMON_EV_BAD_TAG], 1);
	CU_ASSERT_EQUAL(memcmp(copy, f, len), 0);

	/* a truncated "trailer" is malformed and left alone */
	len = frame(f = buf + ROOM, 17, 4);
	f[14 + 6] |= 0x80;
	memcpy(copy, f, len);
	cmon_dp_strip(&cfg, f, len, AT(NOW), stat, &rec, &res, NULL);
	CU_ASSERT_EQUAL(res.record, 0);
	CU_ASSERT_EQUAL(stat[CMON_EV_MALFORMED], 1);
	CU_ASSERT_EQUAL(memcmp(copy, f, len), 0);
}

/* Packets that cannot carry 40 more bytes are counted, not damaged. */
static void test_dp_skips(void)
{
	uint8_t buf[ROOM + 1600], *f = buf + ROOM;
	uint64_t stat[CMON_EV_MAX] = { 0 };
	struct cmon_dp_res res;
	uint32_t len = frame(f, 6, 1460);

	cmon_dp_stamp(&cfg, f, len, ROOM, 1500, AT(NOW), stat, &res);
	CU_ASSERT_EQUAL(stat[CMON_EV_SKIP_MTU], 1);
	CU_ASSERT_EQUAL(res.head, 0);
	len = frame(f, 6, 100);
	cmon_dp_stamp(&cfg, f, len, 10, 1500, AT(NOW), stat, &res);
	CU_ASSERT_EQUAL(stat[CMON_EV_SKIP_ROOM], 1);
	CU_ASSERT_EQUAL(res.head, 0);
	f[12] = 0x86, f[13] = 0xdd;	/* IPv6: not traced */
	cmon_dp_stamp(&cfg, f, len, ROOM, 1500, AT(NOW), stat, &res);
	CU_ASSERT_EQUAL(stat[CMON_EV_SKIP_PROTO], 1);
	CU_ASSERT_EQUAL(stat[CMON_EV_PACKETS], 3);
	CU_ASSERT_EQUAL(stat[CMON_EV_STAMPED], 0);
}

/* Stamp a copy of the frame @f0 of @len bytes at 1 in @n: 1 if traced;
 * *seq is then the annotation's sequence number. */
static int traced_by(const struct cmon_dp_cfg *s, const uint8_t *f0,
		     uint32_t len, uint64_t *stat, uint32_t *seq)
{
	uint8_t buf[ROOM + 1600], *f = buf + ROOM;
	struct cmon_dp_res res;
	struct cmon_found found;

	memcpy(f, f0, len);
	cmon_dp_stamp(s, f, len, ROOM, 1500, AT(NOW), stat, &res);
	if (!res.head)
		return 0;
	f -= res.head;
	CU_ASSERT_EQUAL_FATAL(cmon_ann_find(f + 14, len + res.head - 14, KEY,
					    1, &found), CMON_FIND_OK);
	*seq = found.ann.seq;
	return 1;
}

static int traced(const uint8_t *f0, uint32_t len, uint32_t n, uint64_t *stat,
		  uint32_t *seq)
{
	struct cmon_dp_cfg s = cfg;

	s.sample_n = n;
	return traced_by(&s, f0, len, stat, seq);
}

/* Sampling traces 1 in N packets even of a flow whose fields never change
 * (a constant IPv4 id, as DPDK applications send), at irregular gaps, and
 * numbers the flow's traced packets without gaps; a smaller N applies at
 * once. */
static void test_dp_sampling(void)
{
	uint8_t f[1600];
	uint64_t stat[CMON_EV_MAX] = { 0 };
	uint32_t i, len, n = 0, seq, last = 0, gap = 0, gaps = 0;
	uint32_t seen[16] = { 0 };

	len = frame(f, 17, 20);
	for (i = 0; i < 4000; i++) {
		gap++;
		if (!traced(f, len, 8, stat, &seq))
			continue;
		if (n++)	/* earlier cases stamped this flow too */
			CU_ASSERT_EQUAL(seq, last + 1);
		last = seq;
		CU_ASSERT(gap <= 2 * 8 - 1);
		gaps += !seen[gap < 16 ? gap : 0]++;
		gap = 0;
	}
	/* mean gap 8, standard deviation of the count about 12 */
	CU_ASSERT(n > 440 && n < 560);
	CU_ASSERT(gaps >= 10);	/* of the 15 gap lengths, not periodic */
	CU_ASSERT_EQUAL(stat[CMON_EV_SAMPLED_OUT], 4000 - n);
	CU_ASSERT_EQUAL(stat[CMON_EV_STAMPED], n);

	/* from 1 in 2^20 to 1 in 4: traced within 7 packets */
	while (!traced(f, len, 1u << 20, stat, &seq))
		;
	for (i = 0, n = 0; i < 7; i++)
		n += traced(f, len, 4, stat, &seq);
	CU_ASSERT(n >= 1);
	for (i = 0, n = 0; i < 20; i++)
		n += traced(f, len, 1, stat, &seq);
	CU_ASSERT_EQUAL(n, 20);
}

/* One flow stamped by two threads at once (the queues of one port polled
 * by two datapath threads): its sequence numbers run on across both, each
 * number given once. */
#define SEQ_BY_EACH	50000
struct seq_thread {
	pthread_t t;
	const uint8_t *f;
	uint32_t len;
	uint64_t stat[CMON_EV_MAX];
	uint32_t seq[SEQ_BY_EACH];	/* 0: not stamped */
};

static void *stamp_flow(void *arg)
{
	struct seq_thread *st = arg;
	uint8_t buf[ROOM + 1600], *f = buf + ROOM;
	struct cmon_dp_res res;
	struct cmon_found found;
	uint32_t i;

	for (i = 0; i < SEQ_BY_EACH; i++) {
		memcpy(f, st->f, st->len);
		cmon_dp_stamp(&cfg, f, st->len, ROOM, 1500, AT(NOW), st->stat,
			      &res);
		st->seq[i] = res.head && cmon_ann_find(f - res.head + 14,
						       st->len + res.head - 14,
						       KEY, 1, &found) ==
						 CMON_FIND_OK ?
			     found.ann.seq : 0;
	}
	return NULL;
}

static void test_dp_seq_threads(void)
{
	static struct seq_thread th[2];
	uint8_t f[1600];
	uint32_t len = frame(f, 17, 30), first, i, j, stamped = 0;
	uint8_t *seen = calloc(2 * SEQ_BY_EACH + 1, 1);
	uint32_t seq;

	CU_ASSERT_FATAL(seen != NULL);
	f[14 + 12] = 0x0b;	/* a flow of its own */
	CU_ASSERT_FATAL(traced(f, len, 1, th[0].stat, &first));
	for (i = 0; i < 2; i++) {
		memset(th[i].stat, 0, sizeof(th[i].stat));
		th[i].f = f;
		th[i].len = len;
		CU_ASSERT_FATAL(pthread_create(&th[i].t, NULL, stamp_flow,
					       &th[i]) == 0);
	}
	for (i = 0; i < 2; i++)
		pthread_join(th[i].t, NULL);
	for (i = 0; i < 2; i++) {
		for (j = 0; j < SEQ_BY_EACH; j++) {
			if (!th[i].seq[j])
				continue;
			seq = th[i].seq[j] - first;
			CU_ASSERT(seq >= 1 && seq <= 2 * SEQ_BY_EACH);
			if (seq >= 1 && seq <= 2 * SEQ_BY_EACH) {
				CU_ASSERT_EQUAL(seen[seq], 0);
				seen[seq] = 1;
			}
			stamped++;
		}
		/* a packet not stamped is counted (other threads kept
		 * changing its number's word) */
		CU_ASSERT_EQUAL(th[i].stat[CMON_EV_STAMPED] +
				th[i].stat[CMON_EV_SKIP_SEQ], SEQ_BY_EACH);
		CU_ASSERT_EQUAL(th[i].stat[CMON_EV_SEQ_TAKEN], 0);
	}
	/* no number skipped */
	for (j = 1; j <= stamped; j++)
		CU_ASSERT_EQUAL(seen[j], 1);
	CU_ASSERT(stamped > SEQ_BY_EACH);
	free(seen);
}

#define PAIR(a, b)	htonl(0x0a010000 | (a)), htonl(0x0a010000 | (b))

/* The rules' sampling in the switch (lib/ovs-ctl.c writes it, the hops
 * read it): a pair with a rate of its own is found, the others take the
 * rules' rate; writing the same rules again changes nothing; pairs beyond
 * the table's room are counted; a table being rewritten says 0. */
static void test_dp_rules_table(void)
{
	struct cmon_shm_ctl *ctl = calloc(1, sizeof(*ctl));
	struct cmon_pair_sample ps[] = {
		{ PAIR(2, 3), 17, 4 }, { PAIR(2, 3), 6, 64 },
		{ PAIR(3, 2), 17, 1 }, { PAIR(2, 3), 17, 4 },
	};
	const char *br[] = { "br-int", "br-ex" };
	struct cmon_pair_sample *many = calloc(9000, sizeof(*many));
	size_t left = 99;
	uint32_t gen, i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ctl);
	CU_ASSERT_PTR_NOT_NULL_FATAL(many);
	CU_ASSERT_EQUAL(cmon_ovs_ctl_write(ctl, 42, 64, ps, 4, br, 2, &left),
			1);
	CU_ASSERT_EQUAL(left, 0);
	CU_ASSERT_EQUAL(ctl->writer, 42);
	CU_ASSERT_EQUAL(ctl->sample_n, 64);
	CU_ASSERT_EQUAL(ctl->sample_base, 1);	/* gcd(64, 4, 1) */
	CU_ASSERT_EQUAL(ctl->npairs, 2);	/* 64 is the rules' own */
	CU_ASSERT_EQUAL(ctl->nbridges, 2);
	CU_ASSERT_STRING_EQUAL(ctl->bridge[1], "br-ex");
	CU_ASSERT_EQUAL(cmon_dp_pair_sample(ctl, PAIR(2, 3), 17), 4);
	CU_ASSERT_EQUAL(cmon_dp_pair_sample(ctl, PAIR(3, 2), 17), 1);
	CU_ASSERT_EQUAL(cmon_dp_pair_sample(ctl, PAIR(2, 3), 6), 64);
	CU_ASSERT_EQUAL(cmon_dp_pair_sample(ctl, PAIR(2, 4), 17), 64);
	gen = ctl->gen;
	CU_ASSERT(gen && !(gen & 1));
	CU_ASSERT_EQUAL(cmon_ovs_ctl_write(ctl, 42, 64, ps, 4, br, 2, &left),
			0);
	CU_ASSERT_EQUAL(ctl->gen, gen);

	/* a reader during a rewrite */
	ctl->gen = gen + 1;
	CU_ASSERT_EQUAL(cmon_dp_pair_sample(ctl, PAIR(2, 3), 17), 0);
	ctl->gen = gen;

	/* more pairs than the table holds: the rest keep the rules' rate */
	for (i = 0; i < 9000; i++)
		many[i] = (struct cmon_pair_sample){ PAIR(i, i + 1), 17, 2 };
	CU_ASSERT_EQUAL(cmon_ovs_ctl_write(ctl, 42, 64, many, 9000, NULL, 0,
					   &left), 1);
	CU_ASSERT(left >= 9000 - CMON_CTL_PAIRS / 2);
	CU_ASSERT_EQUAL(ctl->npairs + left, 9000);
	CU_ASSERT_EQUAL(ctl->sample_base, 2);
	CU_ASSERT_EQUAL(ctl->nbridges, 0);
	for (i = 0; i < 9000; i += 97) {
		uint32_t n = cmon_dp_pair_sample(ctl, PAIR(i, i + 1), 17);

		CU_ASSERT(n == 2 || n == 64);
	}

	/* let go: the switch's own settings */
	CU_ASSERT_EQUAL(cmon_ovs_ctl_write(ctl, 0, 0, NULL, 0, NULL, 0, &left),
			1);
	CU_ASSERT_EQUAL(ctl->writer, 0);
	CU_ASSERT_EQUAL(ctl->sample_n, 0);
	CU_ASSERT_EQUAL(ctl->npairs, 0);
	free(many);
	free(ctl);
}

/* The af_packet ports the switch hands traced packets on at: a new list
 * is a new even gen for the switch to acknowledge; the same list again
 * moves its heartbeat alone, and leaves the rules as they were. */
static void test_dp_handon_list(void)
{
	struct cmon_shm_ctl *ctl = calloc(1, sizeof(*ctl));
	const int two[] = { 7, 9 }, one[] = { 9 };
	size_t left;
	uint32_t g1, g2, rules;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ctl);
	cmon_ovs_ctl_write(ctl, 42, 64, NULL, 0, NULL, 0, &left);
	rules = ctl->gen;
	g1 = cmon_ovs_ctl_handon(ctl, two, 2, 1000);
	CU_ASSERT(g1 && !(g1 & 1));
	CU_ASSERT_EQUAL(ctl->handon.gen, g1);
	CU_ASSERT_EQUAL(ctl->handon.n, 2);
	CU_ASSERT_EQUAL(ctl->handon.ifindex[1], 9);
	CU_ASSERT_EQUAL(ctl->handon.until, 1000);
	CU_ASSERT_EQUAL(cmon_ovs_ctl_handon(ctl, two, 2, 2000), 0);
	CU_ASSERT_EQUAL(ctl->handon.gen, g1);
	CU_ASSERT_EQUAL(ctl->handon.until, 2000);
	g2 = cmon_ovs_ctl_handon(ctl, one, 1, 3000);
	CU_ASSERT(g2 > g1 && !(g2 & 1));
	CU_ASSERT_EQUAL(ctl->handon.n, 1);
	CU_ASSERT_EQUAL(ctl->handon.ifindex[0], 9);
	CU_ASSERT(cmon_ovs_ctl_handon(ctl, NULL, 0, 0) > g2);
	CU_ASSERT_EQUAL(ctl->handon.n, 0);
	/* the rules, written again alike, are not rewritten */
	CU_ASSERT_EQUAL(cmon_ovs_ctl_write(ctl, 42, 64, NULL, 0, NULL, 0,
					   &left), 0);
	CU_ASSERT_EQUAL(ctl->gen, rules);
	free(ctl);
}

/* The rules' sampling at a container port: the fast path keeps 1 in the
 * base rate, and a kept packet is traced at its pair's own rate: every
 * packet of a pair whose rule says 1, 1 in 64 of another. */
static void test_dp_rules_sampling(void)
{
	struct cmon_shm_ctl *ctl = calloc(1, sizeof(*ctl));
	struct cmon_pair_sample ps = { PAIR(2, 3), 17, 1 };
	uint64_t stat[CMON_EV_MAX] = { 0 };
	struct cmon_dp_cfg s = cfg;
	uint8_t udp[1600], tcp[1600];
	uint32_t i, ulen, tlen, nu = 0, nt = 0, seq;
	size_t left;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ctl);
	cmon_ovs_ctl_write(ctl, 42, 64, &ps, 1, NULL, 0, &left);
	s.sample_n = ctl->sample_base;
	s.ctl = ctl;
	ulen = frame(udp, 17, 20);
	tlen = frame(tcp, 6, 20);
	for (i = 0; i < 6400; i++) {
		nu += traced_by(&s, udp, ulen, stat, &seq);
		nt += traced_by(&s, tcp, tlen, stat, &seq);
	}
	CU_ASSERT_EQUAL(nu, 6400);
	/* 100 expected, standard deviation 10 */
	CU_ASSERT(nt > 50 && nt < 150);
	CU_ASSERT_EQUAL(stat[CMON_EV_STAMPED], nu + nt);
	CU_ASSERT_EQUAL(stat[CMON_EV_SAMPLED_OUT], 6400 - nt);

	/* the rule goes: the UDP pair is traced 1 in 64 too */
	cmon_ovs_ctl_write(ctl, 42, 64, NULL, 0, NULL, 0, &left);
	for (i = 0, nu = 0; i < 6400; i++)
		nu += traced_by(&s, udp, ulen, stat, &seq);
	CU_ASSERT(nu > 50 && nu < 150);
	free(ctl);
}

/* Only @stat[CMON_EV_PACKETS] and @stat[@also] (if not -1) are 1. */
static int counted_only(const uint64_t *stat, int also)
{
	for (int i = 0; i < CMON_EV_MAX; i++)
		if (stat[i] != (i == CMON_EV_PACKETS || i == also))
			return 0;
	return 1;
}

/* The inline fast paths answer 1 exactly where the full hop would only
 * count the packet: over frames with random headers (some stamped), the
 * hop leaves each frame they pass untouched, and they pass every plain
 * frame the hop samples out. */
static void test_dp_fast_paths(void)
{
	static const uint8_t protos[] = { 6, 17, 1, 47 };
	static const uint8_t spots[] = { 12, 13, 14, 16, 17, 20, 21, 23, 26,
					 34, 35, 36, 37, 38, 39, 40, 41 };
	uint8_t buf[ROOM + 1600], orig[1600], *f;
	uint32_t i, j, len, seed = 1, fast_out = 0, fast_plain = 0;
	struct cmon_dp_cfg s = cfg;

	for (i = 0; i < 20000; i++) {
		uint64_t stat[CMON_EV_MAX] = { 0 };
		struct cmon_record rec;
		struct cmon_dp_res res;
		uint32_t skip, skip_out;
		int plain_hdr, out;

		s.sample_n = (uint32_t[]){ 1, 2, 3, 32 }[i % 4];
		f = buf + ROOM;
		len = frame(f, protos[i / 4 % 4], i % 64);
		if (i % 5 == 0) {	/* a stamped frame */
			cmon_dp_stamp(&cfg, f, len, ROOM, 1500, AT(NOW), stat,
				      &res);
			f -= res.head;
			len += res.head;
		}
		for (j = 0; j < 3; j++) {	/* random header bytes */
			seed = seed * 1103515245 + 12345;
			f[spots[(seed >> 8) % sizeof(spots)]] ^=
				(uint8_t)(1u << (seed >> 20) % 8);
		}
		if (i % 7 == 0)
			len = (seed >> 4) % len;
		memcpy(orig, f, len);
		plain_hdr = len >= 14 + 20 && f[12] == 8 && !f[13] &&
			    f[14] == 0x45 && !(f[20] & 0x9f) && !f[21];

		/* both from the same sampler state, to the same state */
		skip = cmon_dp_skip;
		out = cmon_dp_sampled_out(&s, orig, len);
		skip_out = cmon_dp_skip;
		cmon_dp_skip = skip;
		memset(stat, 0, sizeof(stat));
		cmon_dp_stamp(&s, f, len, ROOM, 1500, AT(NOW), stat, &res);
		if (out) {
			fast_out++;
			CU_ASSERT(counted_only(stat, CMON_EV_SAMPLED_OUT));
			CU_ASSERT_EQUAL(res.head, 0);
			CU_ASSERT_EQUAL(memcmp(f, orig, len), 0);
			CU_ASSERT_EQUAL(cmon_dp_skip, skip_out);
		} else if (plain_hdr) {
			CU_ASSERT(!counted_only(stat, CMON_EV_SAMPLED_OUT));
		}
		memcpy(f, orig, len);

		if (!cmon_dp_unannotated(orig, len))
			continue;
		fast_plain++;
		memset(stat, 0, sizeof(stat));
		cmon_dp_strip(&cfg, f, len, AT(NOW), stat, &rec, &res, NULL);
		cmon_dp_transit(&cfg, f, len, CMON_TP_OVS_RX, AT(NOW), stat);
		CU_ASSERT_EQUAL(stat[CMON_EV_PACKETS], 2);
		stat[CMON_EV_PACKETS] = 1;
		CU_ASSERT(counted_only(stat, -1));
		CU_ASSERT(!res.head && !res.tail && !res.record);
		CU_ASSERT_EQUAL(memcmp(f, orig, len), 0);
	}
	/* both answers occurred often */
	CU_ASSERT(fast_out > 500 && fast_out < 20000 - 500);
	CU_ASSERT(fast_plain > 2000 && fast_plain < 20000 - 2000);
}

/*
 * Per-flow counters (cmon_dp_count, lib/ovs-flows.c): what the switch's
 * threads count and what cmon-dpdk makes of it, against the packets the
 * test sends.
 */
struct sums {
	uint64_t packets, bytes, lost;
	uint8_t from, to;
	char reason[128];
};

static struct cmon_shm_flows *flows_new(void)
{
	struct cmon_shm_flows *shm = calloc(1, sizeof(*shm));

	CU_ASSERT_PTR_NOT_NULL_FATAL(shm);
	shm->rows = CMON_FLOW_ROWS;
	shm->slots = CMON_FLOW_SLOTS;
	return shm;
}

/* Count one frame at hop @tp of @port. */
static void count1(struct cmon_flow_slot *row, const uint8_t *f, uint32_t len,
		   uint8_t tp, uint16_t port, uint32_t reason, uint64_t *stat)
{
	cmon_dp_count(row, &f, &len, NULL, 1, tp, port, reason, stat);
}

/* UDP 10.1.0.2:@sport -> 10.1.0.3:5000 with @plen payload bytes. */
static uint32_t flow_frame(uint8_t *f, uint16_t sport, uint32_t plen)
{
	uint32_t len = frame(f, 17, plen);

	f[34] = sport >> 8;
	f[35] = sport & 0xff;
	return len;
}

/* A switch's counters, cmon-dpdk's reader, its engine, their figures. */
struct fx {
	struct cmon_shm_flows *shm;
	struct cmon_ovs_flows *r;
	struct cmon_agg *g;
	uint64_t stat[CMON_EV_MAX];
	struct sums s;
	uint32_t rows;		/* the rows cmon-dpdk is told to read */
};

static void fx_init(struct fx *x)
{
	memset(x, 0, sizeof(*x));
	x->shm = flows_new();
	x->r = cmon_ovs_flows_create();
	x->g = cmon_agg_create();
	x->rows = ~0u;
}

static void fx_done(struct fx *x)
{
	cmon_agg_destroy(x->g);
	cmon_ovs_flows_destroy(x->r);
	free(x->shm);
}

/* One interval: cmon-dpdk's read, the engine's tick, its figures summed. */
static void interval(struct fx *x)
{
	struct cmon_agg *g = x->g;
	struct sums *s = &x->s;
	unsigned int i, j;

	cmon_ovs_flows_feed(x->r, x->shm, x->rows, 7, g);
	cmon_agg_tick(g, 1.0);
	for (i = 0; i < cmon_agg_npairs(g); i++) {
		const struct cmon_pair_stats *p = cmon_agg_pair(g, i);

		s->packets += p->packets;
		s->bytes += p->bytes;
		s->lost += p->lost;
		if (p->lost) {
			s->from = p->loss_from_tp;
			s->to = p->loss_to_tp;
		}
		for (j = 0; j < p->nreasons; j++) {
			const char *n =
				cmon_ovs_reason_name(p->reasons[j].reason);

			if (!n)
				n = "?";
			if (!strstr(s->reason, n))
				snprintf(s->reason + strlen(s->reason),
					 sizeof(s->reason) - strlen(s->reason),
					 "%s%s", *s->reason ? " " : "", n);
		}
	}
}

/* cmon-dpdk reads the rows of the threads that have added to their
 * counters (cmon_shm_flow_rows()), and every row it read once: a thread
 * found one read late has all it counted fed then, none of it loss. */
static void test_flows_rows_read(void)
{
	struct cmon_shm_stats *st = calloc(1, sizeof(*st));
	struct fx x;
	uint8_t f[200];
	uint32_t len = flow_frame(f, 1000, 64);
	int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	fx_init(&x);
	CU_ASSERT_EQUAL(cmon_shm_flow_rows(st), 0);
	st->row[0][3] = 1;		/* (row 0 is shared: no flows) */
	st->row[4][3] = 1;		/* counter row 4: slot row 3 */
	x.rows = cmon_shm_flow_rows(st);
	CU_ASSERT_EQUAL(x.rows, 1u << 3);
	interval(&x);			/* the first read */
	/* the thread of counter row 6 counts in slot row 5 before it adds
	 * to its counters */
	for (i = 0; i < 10; i++) {
		count1(x.shm->slot[5], f, len, CMON_TP_OVS_RX, 1, 0, x.stat);
		count1(x.shm->slot[5], f, len, CMON_TP_OVS_TX, 2, 0, x.stat);
	}
	x.rows = cmon_shm_flow_rows(st);
	interval(&x);
	CU_ASSERT_EQUAL(x.s.packets, 0);
	st->row[6][0] = 20;
	x.rows = cmon_shm_flow_rows(st);
	CU_ASSERT_EQUAL(x.rows, 1u << 3 | 1u << 5);
	interval(&x);
	CU_ASSERT_EQUAL(x.s.packets, 10);
	/* read from then on, told or not */
	for (i = 0; i < 5; i++) {
		count1(x.shm->slot[5], f, len, CMON_TP_OVS_RX, 1, 0, x.stat);
		count1(x.shm->slot[5], f, len, CMON_TP_OVS_TX, 2, 0, x.stat);
	}
	x.rows = 0;
	interval(&x);
	interval(&x);
	CU_ASSERT_EQUAL(x.s.packets, 15);
	CU_ASSERT_EQUAL(x.s.lost, 0);
	/* a reader attaching: its baseline reads every row, and it goes on
	 * reading those it found in use */
	cmon_ovs_flows_destroy(x.r);
	x.r = cmon_ovs_flows_create();
	CU_ASSERT_EQUAL_FATAL(cmon_ovs_flows_baseline(x.r, x.shm), 0);
	for (i = 0; i < 3; i++) {
		count1(x.shm->slot[5], f, len, CMON_TP_OVS_RX, 1, 0, x.stat);
		count1(x.shm->slot[5], f, len, CMON_TP_OVS_TX, 2, 0, x.stat);
	}
	interval(&x);
	CU_ASSERT_EQUAL(x.s.packets, 18);
	CU_ASSERT_EQUAL(x.s.lost, 0);
	fx_done(&x);
	free(st);
}

/* Every packet counted at both hops of two threads: the pair's packets,
 * bytes, and its loss at ovs_rx>ovs_tx with the switch's reason. */
static void test_flows_loss_located(void)
{
	struct fx x;
	uint8_t f[1600];
	uint32_t len = flow_frame(f, 1000, 100);
	int round, i;

	fx_init(&x);
	for (i = 0; i < 10; i++) {
		count1(x.shm->slot[0], f, len, CMON_TP_OVS_RX, 1, 0, x.stat);
		count1(x.shm->slot[0], f, len, CMON_TP_OVS_TX, 2, 0, x.stat);
	}
	interval(&x);
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 100; i++) {
			struct cmon_flow_slot *row = x.shm->slot[i & 1];

			count1(row, f, len, CMON_TP_OVS_RX, 1, 0, x.stat);
			if (i % 25 == 3)	/* an OpenFlow drop rule */
				count1(row, f, len, CMON_TP_DROPS, 1,
				       CMON_OVS_DROP_XLATE, x.stat);
			else
				count1(row, f, len, CMON_TP_OVS_TX, 2, 0,
				       x.stat);
		}
		interval(&x);
	}
	for (round = 0; round < 4; round++)	/* the gaps confirmed */
		interval(&x);
	/* (the first read is the baseline: counted before cmon-dpdk) */
	CU_ASSERT_EQUAL(x.s.packets, 300);
	CU_ASSERT_EQUAL(x.s.bytes, 300 * (20 + 8 + 100));
	CU_ASSERT_EQUAL(x.s.lost, 12);
	CU_ASSERT_EQUAL(x.s.from, CMON_TP_OVS_RX);
	CU_ASSERT_EQUAL(x.s.to, CMON_TP_OVS_TX);
	CU_ASSERT_STRING_EQUAL(x.s.reason, "drop_action_of_pipeline");
	CU_ASSERT_EQUAL(x.stat[CMON_EV_FLOW_EVICTED], 0);
	CU_ASSERT_EQUAL(cmon_ovs_flows_count(x.r), 1);
	fx_done(&x);
}

/* The switch rewrites a flow's packets on their way (a NAT, an OpenFlow
 * set_field): counted where they leave or are dropped in the flow they
 * came in by, kept beside each packet (cmon_dp_side) by its receive hop,
 * they are the pair's packets once and its loss only where dropped. */
static void test_flows_rewritten(void)
{
	struct fx x;
	struct cmon_flow_slot *row;
	struct cmon_dp_side side, *sp = &side;
	struct cmon_record rec;
	uint8_t f[1600], g[1600];
	uint32_t len = flow_frame(f, 1000, 100), v6;
	const uint8_t *in = f, *out = g;
	int round, i;

	fx_init(&x);
	row = x.shm->slot[0];
	interval(&x);
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 100; i++) {
			memset(&side, 0xa5, sizeof(side));
			cmon_dp_count(row, &in, &len, &sp, 1, CMON_TP_OVS_RX,
				      1, 0, x.stat);
			memcpy(g, f, len);	/* to 10.1.0.9:6000 */
			g[33] = 9;
			g[36] = 6000 >> 8;
			g[37] = 6000 & 0xff;
			if (i % 25 == 3) {	/* an OpenFlow drop rule */
				cmon_dp_count(row, &out, &len, &sp, 1,
					      CMON_TP_DROPS, 1,
					      CMON_OVS_DROP_XLATE, x.stat);
				continue;
			}
			cmon_dp_count(row, &out, &len, &sp, 1, CMON_TP_OVS_TX,
				      2, 0, x.stat);
			if (i % 50 == 7)	/* its queue full */
				cmon_dp_uncount(row, &out, &len, &sp, 1, 2,
						CMON_OVS_DROP_TX_FAILURE,
						x.stat);
		}
		interval(&x);
	}
	for (round = 0; round < 4; round++)
		interval(&x);
	CU_ASSERT_EQUAL(x.s.packets, 300);
	CU_ASSERT_EQUAL(x.s.bytes, 300 * (20 + 8 + 100));
	CU_ASSERT_EQUAL(x.s.lost, 12 + 6);
	CU_ASSERT_EQUAL(x.s.from, CMON_TP_OVS_RX);
	CU_ASSERT_EQUAL(x.s.to, CMON_TP_OVS_TX);
	CU_ASSERT_PTR_NOT_NULL(strstr(x.s.reason, "drop_action_of_pipeline"));
	CU_ASSERT_PTR_NOT_NULL(strstr(x.s.reason, "tx_failure_drops"));
	CU_ASSERT_EQUAL(cmon_ovs_flows_count(x.r), 1);	/* the one it came in by */
	CU_ASSERT_EQUAL(side.in_port, 1);
	/* a traced one's record names that flow too */
	memset(&rec, 0, sizeof(rec));
	cmon_dp_record_flow(&rec, &side);
	CU_ASSERT(!memcmp(&rec.saddr, f + 26, 4) && !memcmp(&rec.daddr, f + 30, 4));
	CU_ASSERT(!memcmp(&rec.sport, f + 34, 2) && !memcmp(&rec.dport, f + 36, 2));
	CU_ASSERT_EQUAL(rec.proto, 17);
	/* a packet that is not IPv4 where it came in is keyed by nothing:
	 * where it leaves, its own headers tell */
	v6 = frame(f, 17, 10);
	f[12] = 0x86, f[13] = 0xdd;
	cmon_dp_count(row, &in, &v6, &sp, 1, CMON_TP_OVS_RX, 1, 0, x.stat);
	CU_ASSERT_EQUAL(side.keyed, 0);
	rec.proto = 6;
	cmon_dp_record_flow(&rec, &side);
	CU_ASSERT_EQUAL(rec.proto, 6);
	fx_done(&x);
}

/* One packet of flow @f received at port 1, rewritten (to 10.1.0.9:6000)
 * on its way to port 2, kernel hops after it: counted at both hops, and
 * its rewrite where it leaves (cmon_dp_count_left()). */
static void send_rewritten(struct fx *x, struct cmon_flow_slot *row,
			   const uint8_t *f, uint32_t len)
{
	struct cmon_dp_side side, *sp = &side;
	uint8_t g[1600];
	const uint8_t *out = g;

	memset(&side, 0xa5, sizeof(side));
	cmon_dp_count(row, &f, &len, &sp, 1, CMON_TP_OVS_RX, 1, 0, x->stat);
	memcpy(g, f, len);
	g[33] = 9;
	g[36] = 6000 >> 8;
	g[37] = 6000 & 0xff;
	cmon_dp_count(row, &out, &len, &sp, 1, CMON_TP_OVS_TX, 2, 0, x->stat);
	cmon_dp_count_left(row, &out, &len, &sp, 1, 2, x->stat);
}

/* A flow the switch rewrites on its way to kernel hops after it is fed as
 * it left, the flow those hops count: from its first packet when the
 * rewrite was there from the start; when found later, from then on (what
 * was counted before stays the other flow's, no packet twice).  A packet
 * a tunnel's header went over is not taken for rewritten. */
static void test_flows_left(void)
{
	const struct cmon_flow_rename *rn;
	struct cmon_dp_side side, *sp = &side;
	struct cmon_flow_slot *row;
	uint8_t f[1600], h[1600];
	uint32_t len = flow_frame(f, 1000, 100), hlen = flow_frame(h, 1001, 10);
	const uint8_t *in = h;
	unsigned int i, n;
	struct fx x;
	int round;

	fx_init(&x);
	row = x.shm->slot[0];
	interval(&x);
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 100; i++)
			send_rewritten(&x, row, f, len);
		interval(&x);
	}
	n = cmon_ovs_flows_renamed(x.r, &rn);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT(!memcmp(&rn[0].from.saddr, f + 26, 4) &&
		  !memcmp(&rn[0].from.daddr, f + 30, 4));
	CU_ASSERT(!memcmp(&rn[0].to.daddr, "\x0a\x01\x00\x09", 4));
	CU_ASSERT_EQUAL(rn[0].to.dport, htons(6000));
	CU_ASSERT_EQUAL(rn[0].to.sport, htons(1000));
	CU_ASSERT_EQUAL(x.s.packets, 300);
	CU_ASSERT_EQUAL(x.s.lost, 0);
	CU_ASSERT_EQUAL(cmon_agg_npairs(x.g), 1);
	CU_ASSERT_EQUAL(cmon_agg_pair(x.g, 0)->daddr, rn[0].to.daddr);
	CU_ASSERT_EQUAL(x.stat[CMON_EV_FLOW_EVICTED], 0);

	/* another flow, sent as it came in, then rewritten */
	for (round = 0; round < 2; round++) {
		for (i = 0; i < 50; i++) {
			count1(row, h, hlen, CMON_TP_OVS_RX, 1, 0, x.stat);
			count1(row, h, hlen, CMON_TP_OVS_TX, 2, 0, x.stat);
		}
		interval(&x);
	}
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 50; i++)
			send_rewritten(&x, row, h, hlen);
		interval(&x);
	}
	for (round = 0; round < 4; round++)	/* no gap shows */
		interval(&x);
	CU_ASSERT_EQUAL(cmon_ovs_flows_renamed(x.r, &rn), 2);
	CU_ASSERT_EQUAL(x.s.packets, 300 + 100 + 150);
	CU_ASSERT_EQUAL(x.s.lost, 0);

	/* a batch of three: one update of its slot, their bytes summed */
	fx_done(&x);
	fx_init(&x);
	row = x.shm->slot[0];
	{
		struct cmon_dp_side sd[3], *sds[3] = { &sd[0], &sd[1], &sd[2] };
		const uint8_t *fr[3] = { h, h, h }, *to[3] = { f, f, f };
		uint32_t ls[3] = { hlen, hlen, hlen };
		unsigned int j, left = 0;

		cmon_dp_count(row, fr, ls, sds, 3, CMON_TP_OVS_RX, 1, 0,
			      x.stat);
		memcpy(f, h, hlen);
		f[33] = 77;
		cmon_dp_count_left(row, to, ls, sds, 3, 2, x.stat);
		for (j = 0; j < CMON_FLOW_SLOTS; j++) {
			if (row[j].tp != CMON_TP_LEFT)
				continue;
			left++;
			CU_ASSERT_EQUAL(row[j].packets, 3);
			CU_ASSERT_EQUAL(row[j].bytes, 3 * (20 + 8 + 10));
			CU_ASSERT_EQUAL(row[j].left_daddr & 0xff000000,
					77u << 24);
		}
		CU_ASSERT_EQUAL(left, 1);
	}

	/* a tunnel's header pushed over it: no rename */
	fx_done(&x);
	fx_init(&x);
	row = x.shm->slot[0];
	cmon_dp_count(row, &in, &hlen, &sp, 1, CMON_TP_OVS_RX, 1, 0, x.stat);
	side.keyed |= CMON_SIDE_PUSHED;
	memcpy(f, h, hlen);
	f[33] = 77;
	in = f;
	cmon_dp_count_left(row, &in, &hlen, &sp, 1, 2, x.stat);
	interval(&x);
	CU_ASSERT_EQUAL(cmon_ovs_flows_renamed(x.r, &rn), 0);
	fx_done(&x);
}

/* @rounds intervals of 100 packets of @f received at port 1 and sent at
 * port 2, the first round's last @missed not counted sent. */
static void sent_short(struct fx *x, const uint8_t *f, uint32_t len,
		       unsigned int rounds, unsigned int missed)
{
	struct cmon_flow_slot *row = x->shm->slot[0];
	unsigned int i, round;

	for (round = 0; round < rounds; round++) {
		for (i = 0; i < 100; i++)
			count1(row, f, len, CMON_TP_OVS_RX, 1, 0, x->stat);
		for (i = 0; i < (round ? 100 : 100 - missed); i++)
			count1(row, f, len, CMON_TP_OVS_TX, 2, 0, x->stat);
		interval(x);
	}
}

/* A port given a role mid-flow starts counting it there late: what the
 * hop before counted is no loss, in the read that finds the roles
 * changed and the next; a flow beginning after is counted whole.  Hops
 * attached elsewhere (a container joining) change nothing here. */
static void test_flows_roles_given(void)
{
	uint8_t f[200], g[200];
	uint32_t len = flow_frame(f, 1000, 10), glen = flow_frame(g, 1001, 10);
	struct fx x;

	fx_init(&x);
	interval(&x);
	interval(&x);
	x.shm->roles_gen++;	/* port 2 given a role: its count begins */
	sent_short(&x, f, len, 5, 40);
	CU_ASSERT_EQUAL(x.s.lost, 0);
	/* a flow that begins now, 10 of its first packets lost, while a
	 * container joins elsewhere */
	cmon_agg_hops_changed(x.g);
	sent_short(&x, g, glen, 4, 10);
	CU_ASSERT_EQUAL(x.s.lost, 10);
	fx_done(&x);
}

/* A flood's copies to other ports are not the flow's delivery: they
 * neither hide loss nor count as traffic; a packet the port could not
 * send after its send hop counted it is taken back and is loss. */
static void test_flows_flood_copies(void)
{
	struct fx x;
	struct cmon_flow_slot *row;
	uint8_t f[1600];
	uint32_t len = flow_frame(f, 1000, 10);
	int round, i;

	fx_init(&x);
	row = x.shm->slot[0];
	interval(&x);		/* the monitor was first */
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 50; i++) {
			count1(row, f, len, CMON_TP_OVS_RX, 1, 0, x.stat);
			count1(row, f, len, CMON_TP_OVS_TX, 2, 0, x.stat);
			if (!round && i < 5) {	/* MAC not learnt yet */
				count1(row, f, len, CMON_TP_OVS_TX, 3, 0,
				       x.stat);
				/* (a port down: the copy goes nowhere) */
				count1(row, f, len, CMON_TP_DROPS, 4,
				       CMON_OVS_DROP_PORT_DOWN, x.stat);
			}
			if (round == 1 && i < 2)	/* queue full */
				cmon_dp_uncount(row, (const uint8_t *[]){ f },
						&len, NULL, 1, 2,
						CMON_OVS_DROP_TX_FAILURE,
						x.stat);
		}
		interval(&x);
		CU_ASSERT_EQUAL(cmon_ovs_flows_copies(x.r), 5);
	}
	for (round = 0; round < 4; round++)
		interval(&x);
	CU_ASSERT_EQUAL(x.s.packets, 150);
	CU_ASSERT_EQUAL(x.s.lost, 2);
	CU_ASSERT_STRING_EQUAL(x.s.reason, "tx_failure_drops");
	fx_done(&x);
}

/* @n frames @f received at port 1 and sent at port 2. */
static void forward(struct fx *x, struct cmon_flow_slot *row, const uint8_t *f,
		    uint32_t len, int n)
{
	while (n-- > 0) {
		count1(row, f, len, CMON_TP_OVS_RX, 1, 0, x->stat);
		count1(row, f, len, CMON_TP_OVS_TX, 2, 0, x->stat);
	}
}

/* @n frames @f that port 2 counted sent, then found its queue full for. */
static void refused(struct fx *x, struct cmon_flow_slot *row,
		    const uint8_t *f, uint32_t len, int n)
{
	while (n-- > 0)
		cmon_dp_uncount(row, &f, &len, NULL, 1, 2,
				CMON_OVS_DROP_TX_FAILURE, x->stat);
}

/* A batch the send hop counted, a read showed, and the full queue then
 * sent none of, as the traffic stopped: taken back, it is loss (the
 * reader's count of the send hop never goes back). */
static void test_flows_taken_back_after_read(void)
{
	struct fx x;
	struct cmon_flow_slot *row;
	uint8_t f[1600];
	uint32_t len = flow_frame(f, 1000, 10);
	int round;

	fx_init(&x);
	row = x.shm->slot[0];
	interval(&x);		/* the monitor was first */
	forward(&x, row, f, len, 100);
	interval(&x);
	forward(&x, row, f, len, 32);	/* a batch, received and sent */
	interval(&x);		/* read before the send failed */
	refused(&x, row, f, len, 32);
	for (round = 0; round < 5; round++)
		interval(&x);
	CU_ASSERT_EQUAL(x.s.packets, 132);
	CU_ASSERT_EQUAL(x.s.lost, 32);
	CU_ASSERT_EQUAL(x.s.from, CMON_TP_OVS_RX);
	CU_ASSERT_STRING_EQUAL(x.s.reason, "tx_failure_drops");
	/* and sent again after it: the count goes on from the slot's */
	forward(&x, row, f, len, 10);
	for (round = 0; round < 5; round++)
		interval(&x);
	CU_ASSERT_EQUAL(x.s.packets, 142);
	CU_ASSERT_EQUAL(x.s.lost, 32);
	fx_done(&x);
}

/* A flow that begins after cmon-dpdk's baseline, in the engine's first
 * interval, with a batch between its hops at that read that the full
 * queue then drops: counted from its first packet, its loss is exact. */
static void test_flows_first_interval(void)
{
	struct fx x;
	struct cmon_flow_slot *row;
	uint8_t f[1600];
	uint32_t len = flow_frame(f, 1000, 10);
	int round, i;

	fx_init(&x);
	row = x.shm->slot[0];
	CU_ASSERT_FATAL(!cmon_ovs_flows_baseline(x.r, x.shm));
	forward(&x, row, f, len, 32);
	for (i = 0; i < 32; i++)	/* received, not yet sent */
		count1(row, f, len, CMON_TP_OVS_RX, 1, 0, x.stat);
	interval(&x);
	for (i = 0; i < 32; i++)
		count1(row, f, len, CMON_TP_OVS_TX, 2, 0, x.stat);
	refused(&x, row, f, len, 32);
	for (round = 0; round < 5; round++)
		interval(&x);
	CU_ASSERT_EQUAL(x.s.packets, 64);
	CU_ASSERT_EQUAL(x.s.lost, 32);
	CU_ASSERT_STRING_EQUAL(x.s.reason, "tx_failure_drops");
	fx_done(&x);
}

/* More flows than slots: slots change hands (counted), counts restart,
 * and that is never loss. */
static void test_flows_evictions_no_phantom(void)
{
	struct fx x;
	uint8_t f[1600];
	int round, i;

	fx_init(&x);
	for (round = 0; round < 8; round++) {
		for (i = 0; i < 3 * CMON_FLOW_SLOTS / 2; i++) {
			uint32_t len = flow_frame(f, (uint16_t)(1000 + i), 0);

			count1(x.shm->slot[0], f, len, CMON_TP_OVS_RX, 1, 0,
			       x.stat);
			count1(x.shm->slot[0], f, len, CMON_TP_OVS_TX, 2, 0,
			       x.stat);
		}
		interval(&x);
	}
	CU_ASSERT(x.stat[CMON_EV_FLOW_EVICTED] > 1000);
	CU_ASSERT(x.s.packets > 0);
	CU_ASSERT_EQUAL(x.s.lost, 0);
	fx_done(&x);

	/* Every flow received, then every flow sent, between two reads: a
	 * flow's send slot taken from another flow after its receive slot
	 * counted it, or a slot lost and taken back, all before a read,
	 * holds less than the flow sent; it is compared from its next read,
	 * not from 0. */
	fx_init(&x);
	interval(&x);
	for (round = 0; round < 3; round++) {
		int sent;

		for (sent = 0; sent < 2; sent++)
			for (i = 0; i < CMON_FLOW_SLOTS / 2; i++) {
				uint32_t len = flow_frame(f, (uint16_t)(1000 + i),
							  0);

				count1(x.shm->slot[0], f, len,
				       sent ? CMON_TP_OVS_TX : CMON_TP_OVS_RX,
				       sent ? 2 : 1, 0, x.stat);
			}
	}
	for (i = 0; i < 5; i++)
		interval(&x);
	CU_ASSERT(x.stat[CMON_EV_FLOW_EVICTED] > 1000);
	CU_ASSERT(x.s.packets > 0);
	CU_ASSERT_EQUAL(x.s.lost, 0);
	fx_done(&x);
}

/* The containers on the switch's container ports, with the addresses that
 * came in there; a trunk port's are none of them.  The switch lists its
 * ports by number. */
static void test_flows_endpoints(void)
{
	struct cmon_endpoint eps[4];
	struct fx x;
	uint8_t f[128];
	uint32_t len;
	unsigned int n;

	fx_init(&x);
	x.shm->ports[1] = (struct cmon_shm_port){ CMON_ROLE_CONTAINER, 1,
		"ct1", "dpdk", "br0", .flags = CMON_SHM_PORT_IN };
	x.shm->ports[2] = (struct cmon_shm_port){ CMON_ROLE_CONTAINER, 2,
		"vhost0", "dpdkvhostuserclient", "br0",
		.flags = CMON_SHM_PORT_IN };
	x.shm->ports[3] = (struct cmon_shm_port){ CMON_ROLE_TRUNK, 3,
		"up", "dpdk", "br0", .flags = CMON_SHM_PORT_IN };
	CU_ASSERT_STRING_EQUAL(cmon_ovs_port_name(x.shm, 2), "vhost0");
	CU_ASSERT_PTR_NULL(cmon_ovs_port_name(x.shm, 4));
	CU_ASSERT_PTR_NULL(cmon_ovs_port_name(x.shm, CMON_SHM_PORTS));
	CU_ASSERT_PTR_NULL(cmon_ovs_port_name(x.shm, UINT32_MAX));
	interval(&x);
	len = flow_frame(f, 1000, 0);		/* 10.1.0.2 at port 1 */
	count1(x.shm->slot[0], f, len, CMON_TP_OVS_RX, 1, 0, x.stat);
	count1(x.shm->slot[0], f, len, CMON_TP_OVS_TX, 2, 0, x.stat);
	f[14 + 15] = 9;				/* 10.1.0.9 at port 3 */
	count1(x.shm->slot[1], f, len, CMON_TP_OVS_RX, 3, 0, x.stat);
	interval(&x);
	n = cmon_ovs_endpoints(x.r, x.shm, eps, 4);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_STRING_EQUAL(eps[0].name, "ct1");
	CU_ASSERT_STRING_EQUAL(eps[0].bridge, "br0");
	CU_ASSERT_STRING_EQUAL(eps[0].port_type, "dpdk");
	CU_ASSERT_EQUAL(eps[0].naddrs, 1);
	CU_ASSERT_EQUAL(eps[0].addr[0], inet_addr("10.1.0.2"));
	CU_ASSERT_STRING_EQUAL(eps[1].name, "vhost0");
	CU_ASSERT_EQUAL(eps[1].naddrs, 0);
	CU_ASSERT_STRING_EQUAL(cmon_ovs_ip_name(x.r, inet_addr("10.1.0.2")),
			       "ct1");
	CU_ASSERT_PTR_NULL(cmon_ovs_ip_name(x.r, inet_addr("10.1.0.9")));
	CU_ASSERT_EQUAL(cmon_ovs_endpoints(x.r, x.shm, eps, 1), 1);
	fx_done(&x);
}

/* The slot of flow @sport's receive counter at port 1. */
static unsigned int slot_of(struct cmon_flow_slot *row, uint16_t sport)
{
	uint64_t stat[CMON_EV_MAX] = { 0 };
	uint8_t f[128];
	uint32_t len = flow_frame(f, sport, 0);
	unsigned int i;

	count1(row, f, len, CMON_TP_OVS_RX, 1, 0, stat);
	for (i = 0; i < CMON_FLOW_SLOTS && !row[i].gen; i++)
		;
	memset(&row[i % CMON_FLOW_SLOTS], 0, sizeof(*row));
	return i;
}

/* A batch counts as its frames one by one would: runs of one flow, flows
 * between them, frames that are no flow, more flows than their bucket
 * holds. */
static void test_flows_batch(void)
{
	static uint8_t buf[70][128];
	struct cmon_shm_flows *shm = flows_new();
	const uint8_t *frames[70];
	uint32_t lens[70];
	uint64_t st1[CMON_EV_MAX] = { 0 }, st2[CMON_EV_MAX] = { 0 };
	unsigned int i, j, want = slot_of(shm->slot[2], 1000);
	uint16_t other[4], sport = 1001;

	/* four more flows of 1000's bucket: five keys for four slots */
	for (j = 0; j < 4; j++) {
		while (slot_of(shm->slot[2], sport) / CMON_FLOW_BUCKET !=
		       want / CMON_FLOW_BUCKET)
			sport++;
		other[j] = sport++;
	}

	for (i = 0; i < 70; i++) {
		/* runs of 1 to 4 frames of one flow; every 9th no IPv4 */
		lens[i] = flow_frame(buf[i], (uint16_t)(1000 + i / 3 +
					  (i % 7 == 0)), i % 5);
		if (i % 9 == 4)
			buf[i][12] = 0x86, buf[i][13] = 0xdd;
		if (i % 11 == 5)	/* five flows for four slots */
			lens[i] = flow_frame(buf[i], 1000, 3);
		if (i % 11 == 10)
			lens[i] = flow_frame(buf[i], other[i / 11 % 4], 3);
		frames[i] = buf[i];
	}
	cmon_dp_count(shm->slot[0], frames, lens, NULL, 70, CMON_TP_OVS_RX, 1,
		      0, st1);
	for (i = 0; i < 70; i++)
		count1(shm->slot[1], frames[i], lens[i], CMON_TP_OVS_RX, 1, 0,
		       st2);
	for (i = 0; i < CMON_FLOW_SLOTS; i++) {
		const struct cmon_flow_slot *a = &shm->slot[0][i];
		const struct cmon_flow_slot *b = &shm->slot[1][i];

		CU_ASSERT_EQUAL(a->gen, b->gen);
		CU_ASSERT_EQUAL(a->sport, b->sport);
		CU_ASSERT_EQUAL(a->packets, b->packets);
		CU_ASSERT_EQUAL(a->bytes, b->bytes);
	}
	CU_ASSERT_EQUAL(memcmp(st1, st2, sizeof(st1)), 0);
	CU_ASSERT(st1[CMON_EV_FLOW_EVICTED] >= 2);
	free(shm);
}

/* The slots in use among the first @n of @row. */
static unsigned int slots_used(const struct cmon_flow_slot *row, unsigned int n)
{
	unsigned int i, used = 0;

	for (i = 0; i < n; i++)
		used += !!row[i].gen;
	return used;
}

/* A flow's hops and drops share its bucket: a flow flooded to two ports
 * with drops, or two flows of one bucket received and sent, take nothing
 * from each other; a fifth key in a full bucket does (counted).  The
 * engine's figures are what was sent. */
static void test_flows_bucket(void)
{
	struct cmon_shm_flows *probe = flows_new();
	struct fx x;
	struct cmon_flow_slot *row;
	uint8_t f[1600], g[1600];
	uint32_t len = flow_frame(f, 1000, 10), glen;
	unsigned int b = slot_of(probe->slot[0], 1000) / CMON_FLOW_BUCKET, i;
	uint16_t other = 1001;

	while (slot_of(probe->slot[0], other) / CMON_FLOW_BUCKET != b)
		other++;
	free(probe);
	glen = flow_frame(g, other, 20);

	fx_init(&x);
	row = x.shm->slot[0];
	interval(&x);
	for (i = 0; i < 12; i++) {
		count1(row, f, len, CMON_TP_OVS_RX, 1, 0, x.stat);
		if (i % 6 == 5) {	/* an OpenFlow drop rule */
			count1(row, f, len, CMON_TP_DROPS, 1,
			       CMON_OVS_DROP_XLATE, x.stat);
			continue;
		}
		count1(row, f, len, CMON_TP_OVS_TX, 2, 0, x.stat);
		count1(row, f, len, CMON_TP_OVS_TX, 3, 0, x.stat);
	}
	CU_ASSERT_EQUAL(x.stat[CMON_EV_FLOW_EVICTED], 0);
	CU_ASSERT_EQUAL(slots_used(row, CMON_FLOW_SLOTS), 4);
	CU_ASSERT_EQUAL(slots_used(row + b * CMON_FLOW_BUCKET,
				   CMON_FLOW_BUCKET), 4);
	for (i = 0; i < 5; i++)		/* the gap confirmed */
		interval(&x);
	CU_ASSERT_EQUAL(x.s.packets, 12);
	CU_ASSERT_EQUAL(x.s.lost, 2);
	CU_ASSERT_STRING_EQUAL(x.s.reason, "drop_action_of_pipeline");
	count1(row, f, len, CMON_TP_OVS_TX, 4, 0, x.stat);
	CU_ASSERT_EQUAL(x.stat[CMON_EV_FLOW_EVICTED], 1);
	fx_done(&x);

	fx_init(&x);
	row = x.shm->slot[0];
	interval(&x);
	for (i = 0; i < 10; i++) {
		count1(row, f, len, CMON_TP_OVS_RX, 1, 0, x.stat);
		count1(row, g, glen, CMON_TP_OVS_RX, 1, 0, x.stat);
		count1(row, f, len, CMON_TP_OVS_TX, 2, 0, x.stat);
		count1(row, g, glen, CMON_TP_OVS_TX, 2, 0, x.stat);
	}
	CU_ASSERT_EQUAL(x.stat[CMON_EV_FLOW_EVICTED], 0);
	CU_ASSERT_EQUAL(slots_used(row, CMON_FLOW_SLOTS), 4);
	interval(&x);
	CU_ASSERT_EQUAL(x.s.packets, 20);
	CU_ASSERT_EQUAL(x.s.bytes, 10 * (len - 14) + 10 * (glen - 14));
	CU_ASSERT_EQUAL(x.s.lost, 0);
	fx_done(&x);
}

/* A thread's 2000 flows (one client's connections to a service), each
 * received and sent in turn, three rounds between two reads: every flow
 * keeps its slots, so its figures are what was sent (with 4096 slots a
 * thread, 1189 packets of 6000 were missed, 194 shown lost). */
static void test_flows_many(void)
{
	enum { FLOWS = 2000, ROUNDS = 3 };
	static uint8_t f[FLOWS][128];
	uint32_t len[FLOWS];
	struct cmon_flow_slot *row;
	unsigned int i, round;
	struct fx x;

	for (i = 0; i < FLOWS; i++)
		len[i] = flow_frame(f[i], 20000 + i, 10);
	fx_init(&x);
	row = x.shm->slot[0];
	interval(&x);
	for (round = 0; round < ROUNDS; round++) {
		for (i = 0; i < FLOWS; i++)
			count1(row, f[i], len[i], CMON_TP_OVS_RX, 1, 0, x.stat);
		for (i = 0; i < FLOWS; i++)
			count1(row, f[i], len[i], CMON_TP_OVS_TX, 2, 0, x.stat);
	}
	for (i = 0; i < 5; i++)
		interval(&x);
	printf("\n    %u flows: %llu of %u packets counted, %llu lost, "
	       "%llu slots taken from another\n", FLOWS,
	       (unsigned long long)x.s.packets, FLOWS * ROUNDS,
	       (unsigned long long)x.s.lost,
	       (unsigned long long)x.stat[CMON_EV_FLOW_EVICTED]);
	CU_ASSERT_EQUAL(x.s.packets, FLOWS * ROUNDS);
	CU_ASSERT_EQUAL(x.stat[CMON_EV_FLOW_EVICTED], 0);
	CU_ASSERT_EQUAL(x.s.lost, 0);
	fx_done(&x);
}

/* A slot its thread is rewriting is left for the next read. */
static void test_flows_moving_slot(void)
{
	struct fx x;
	struct cmon_flow_slot *row;
	uint8_t f[1600];
	uint32_t len = flow_frame(f, 1000, 0);
	unsigned int i, used = 0;

	fx_init(&x);
	row = x.shm->slot[0];
	count1(row, f, len, CMON_TP_OVS_RX, 1, 0, x.stat);
	for (i = 0; i < CMON_FLOW_SLOTS; i++)
		if (row[i].gen) {
			used++;
			row[i].gen |= 1;
		}
	CU_ASSERT_EQUAL(used, 1);
	cmon_ovs_flows_feed(x.r, x.shm, ~0u, 7, x.g);
	CU_ASSERT_EQUAL(cmon_ovs_flows_count(x.r), 0);
	CU_ASSERT_EQUAL(cmon_ovs_flows_moving(x.r), 1);
	/* a frame that is not IPv4 is no flow */
	f[12] = 0x08, f[13] = 0x06;
	count1(row, f, len, CMON_TP_OVS_RX, 1, 0, x.stat);
	for (i = 0, used = 0; i < CMON_FLOW_SLOTS; i++)
		used += !!row[i].gen;
	CU_ASSERT_EQUAL(used, 1);
	fx_done(&x);
}

int main(void)
{
	static const struct unit_case cases[] = {
		{ "stamp, transit, strip round trip", test_dp_roundtrip },
		{ "the annotation beside the packet", test_dp_side },
		{ "strip a kernel payload trailer", test_dp_strip_trailer },
		{ "corruption in flight stays visible", test_dp_corruption_kept },
		{ "forged annotations", test_dp_forged },
		{ "skips are counted", test_dp_skips },
		{ "sampling 1 in N and sequence", test_dp_sampling },
		{ "one flow's numbers across threads", test_dp_seq_threads },
		{ "fast paths agree with the hops", test_dp_fast_paths },
		{ "the rules' sampling table", test_dp_rules_table },
		{ "the ports traced packets are handed on at", test_dp_handon_list },
		{ "the rows of the flows read", test_flows_rows_read },
		{ "the rules' sampling pair by pair", test_dp_rules_sampling },
		{ "per-flow counters: loss located, reason",
		  test_flows_loss_located },
		{ "per-flow counters: flood copies", test_flows_flood_copies },
		{ "per-flow counters: a rewritten flow", test_flows_rewritten },
		{ "per-flow counters: a flow rewritten towards kernel hops",
		  test_flows_left },
		{ "per-flow counters: a port given a role mid-flow",
		  test_flows_roles_given },
		{ "per-flow counters: taken back after a read",
		  test_flows_taken_back_after_read },
		{ "per-flow counters: a flow of the first interval",
		  test_flows_first_interval },
		{ "per-flow counters: evictions are no loss",
		  test_flows_evictions_no_phantom },
		{ "per-flow counters: a slot being rewritten",
		  test_flows_moving_slot },
		{ "per-flow counters: a flow's bucket", test_flows_bucket },
		{ "per-flow counters: a thread's 2000 flows", test_flows_many },
		{ "per-flow counters: a batch as frames one by one",
		  test_flows_batch },
		{ "per-flow counters: the switch's containers",
		  test_flows_endpoints },
		{ NULL, NULL },
	};
	return unit_run("dp", cases);
}
