// SPDX-License-Identifier: BSD-2-Clause
/*
 * BPF program tests: the kernel hop programs run through BPF_PROG_TEST_RUN
 * on crafted packets (good, malformed, truncated, forged, with IP options,
 * fragments, GSO).  Needs root (CAP_BPF); exits 77 when it cannot load.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "cmon-kern.h"
#include "cmon-kern.skel.h"
#include "codec.h"
#include "cmon/dp.h"
#include "../../kmod-free/hopcount.h"
#include "../../kmod-free/recring.h"
#include "../unit/unit.h"

#define KEY	0x0123456789abcdefULL
#define NEXT	(-1)	/* verdict: on to the next tc program (TC_ACT_UNSPEC) */
#define SRC	"10.77.0.2"
#define DST	"10.77.0.3"
#define HOST	"10.77.0.1"	/* the host's own (bridge) address */
#define MTU_DEV	"cmtbpf0"

/* A loaded copy of the programs, its mapped counter cache and record
 * rings. */
struct progs {
	struct cmon_kern *k;
	const volatile struct cmon_hop_slot *cache;
	size_t nslots, ncpu;
	struct cmon_recring ring;
};

/* Records per CPU in the rings of the copies progs_open() loads, hop
 * slots per CPU, and words in their sequence numbers' array. */
static unsigned int ring_slots = 1024;
static unsigned int hop_slots = 1;
static unsigned int seq_slots = CMON_SEQ_SLOTS;

static struct progs progs;	/* the copy most tests run (setup()) */
static struct cmon_kern *skel;	/* progs.k */
static struct ring_buffer *rb;
static struct cmon_record last_rec;
static unsigned int nrec;
static int mtu_ifindex;

struct pkt {
	uint8_t b[9000];
	size_t len;
};

static void on_ring_rec(void *ctx, const struct cmon_record *r)
{
	last_rec = *r;
	nrec++;
}

/* From cmon_rb: records (a program found the ring busy) and wakeups. */
static unsigned int nwake;

static int on_rec(void *ctx, void *data, size_t len)
{
	if (len < sizeof(struct cmon_record)) {
		nwake++;
		return 0;
	}
	on_ring_rec(ctx, data);
	return 0;
}

/*
 * Load a copy of the programs tracing 1 in @sample_n, with the fast path
 * or without, with the skb carrier (@skb) or without, its counter cache
 * one slot per CPU (so every other flow takes a slot over), with DST a
 * monitored destination (a container behind a bridge).
 */
static int progs_open(struct progs *t, uint32_t sample_n, int fast, int skb)
{
	uint32_t dst, one = 1;

	t->k = cmon_kern__open();
	if (!t->k)
		return -1;
	t->k->data->cmon_sample_n = sample_n;
	t->k->data->cmon_sample_base = sample_n;
	t->k->rodata->cmon_key = KEY;
	t->k->rodata->cmon_fast_path = fast;
	t->k->rodata->cmon_skb_carrier = skb;
	bpf_map__set_max_entries(t->k->maps.cmon_skb_anns,
				 libbpf_num_possible_cpus() * CMON_SKB_SLOTS);
	t->k->rodata->cmon_hop_slots = hop_slots;
	t->k->bss->cmon_alive_until = UINT64_MAX;	/* an agent forever */
	t->ncpu = libbpf_num_possible_cpus();
	t->nslots = t->ncpu * hop_slots;
	bpf_map__set_max_entries(t->k->maps.cmon_hop_cache, t->nslots);
	t->k->rodata->cmon_seq_slots = seq_slots;
	bpf_map__set_max_entries(t->k->maps.cmon_seq, seq_slots / 2);
	t->k->rodata->cmon_rec_slots = ring_slots;
	/* (the slow build publishes records with the full barrier) */
	t->k->rodata->cmon_stores_ordered = fast ? CMON_STORES_ORDERED : 0;
	t->k->rodata->cmon_wake_mask = ring_slots / 4 - 1;
	bpf_map__set_max_entries(t->k->maps.cmon_rec_ring,
				 t->ncpu * ring_slots);
	bpf_map__set_max_entries(t->k->maps.cmon_rec_pos, t->ncpu);
	if (cmon_kern__load(t->k) ||
	    cmon_recring_map(&t->ring, bpf_map__fd(t->k->maps.cmon_rec_ring),
			     bpf_map__fd(t->k->maps.cmon_rec_pos), t->ncpu,
			     ring_slots))
		return -1;
	t->cache = mmap(NULL, t->nslots * sizeof(*t->cache), PROT_READ,
			MAP_SHARED, bpf_map__fd(t->k->maps.cmon_hop_cache), 0);
	if (t->cache == MAP_FAILED)
		return -1;
	inet_pton(AF_INET, DST, &dst);
	return bpf_map_update_elem(bpf_map__fd(t->k->maps.cmon_peers), &dst,
				   &one, 0);
}

static void progs_close(struct progs *t)
{
	munmap((void *)t->cache, t->nslots * sizeof(*t->cache));
	cmon_recring_free(&t->ring);
	cmon_kern__destroy(t->k);
}

/* Statistic @s of copy @t as cmon_stats holds it. */
static uint64_t raw_stat_of(struct progs *t, enum cmon_event s)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t v[512], sum = 0;
	uint32_t key = s;
	int i;

	if (bpf_map_lookup_elem(bpf_map__fd(t->k->maps.cmon_stats), &key, v))
		return ~0ULL;
	for (i = 0; i < ncpu; i++)
		sum += v[i];
	return sum;
}

/* Statistic @s of copy @t, as the agent reads it (the hop slots' part
 * too). */
static uint64_t stat_of(struct progs *t, enum cmon_event s)
{
	return cmon_slot_stat(s, raw_stat_of(t, s), t->cache, t->nslots);
}

static uint64_t stat(enum cmon_event s)
{
	return stat_of(&progs, s);
}

/* Run the calling thread on @cpu alone (0 or an errno; @was: the CPUs
 * it ran on, if not NULL). */
static int pin(int cpu, cpu_set_t *was)
{
	cpu_set_t set;

	if (was && pthread_getaffinity_np(pthread_self(), sizeof(*was), was))
		return -1;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void set_tot(uint8_t *ip, size_t tot)
{
	ip[2] = tot >> 8;
	ip[3] = tot & 0xff;
}

/* Fill L4 checksum (UDP/TCP with pseudo header, ICMP without). */
static void fix_csums(uint8_t *ip)
{
	size_t ihl = (ip[0] & 0xf) * 4, tot = ip[2] << 8 | ip[3];
	size_t l4len = tot - ihl;
	uint8_t *l4 = ip + ihl;
	uint32_t ph = 0;
	uint16_t c;
	int off = ip[9] == 17 ? 6 : ip[9] == 6 ? 16 : 2;

	ip[10] = ip[11] = 0;
	c = cmon_csum(ip, ihl, 0);
	ip[10] = c >> 8;
	ip[11] = c & 0xff;
	l4[off] = l4[off + 1] = 0;
	if (ip[9] != 1) {
		ph = (ip[12] << 8 | ip[13]) + (ip[14] << 8 | ip[15]) +
		     (ip[16] << 8 | ip[17]) + (ip[18] << 8 | ip[19]) +
		     ip[9] + (uint32_t)l4len;
	}
	c = cmon_csum(l4, l4len, ph);
	if (ip[9] == 17 && c == 0)
		c = 0xffff;
	l4[off] = c >> 8;
	l4[off + 1] = c & 0xff;
}

/* Verify IPv4 header and L4 checksums of the frame. */
static int csums_ok(const struct pkt *p)
{
	const uint8_t *ip = p->b + 14;
	size_t ihl = (ip[0] & 0xf) * 4, tot = ip[2] << 8 | ip[3];
	uint32_t ph = 0;

	if (cmon_csum(ip, ihl, 0) != 0)
		return 0;
	if (ip[9] == 17 && ip[ihl + 6] == 0 && ip[ihl + 7] == 0)
		return 1;	/* UDP without checksum */
	if (ip[9] != 1)
		ph = (ip[12] << 8 | ip[13]) + (ip[14] << 8 | ip[15]) +
		     (ip[16] << 8 | ip[17]) + (ip[18] << 8 | ip[19]) +
		     ip[9] + (uint32_t)(tot - ihl);
	return cmon_csum(ip + ihl, tot - ihl, ph) == 0;
}

/* Ethernet + IPv4 + L4 header + @plen payload bytes. */
static void build(struct pkt *p, uint8_t proto, size_t plen, uint16_t ipid)
{
	size_t l4h = proto == 6 ? 20 : 8, i;
	uint8_t *ip = p->b + 14, *l4 = ip + 20;
	size_t tot = 20 + l4h + plen;

	memset(p->b, 0, 14 + tot);
	memcpy(p->b, "\x02\x00\x00\x00\x00\x03\x02\x00\x00\x00\x00\x02\x08\x00", 14);
	ip[0] = 0x45;
	ip[2] = tot >> 8;
	ip[3] = tot & 0xff;
	ip[4] = ipid >> 8;
	ip[5] = ipid & 0xff;
	ip[6] = 0x40;		/* DF */
	ip[8] = 64;
	ip[9] = proto;
	inet_pton(AF_INET, SRC, ip + 12);
	inet_pton(AF_INET, DST, ip + 16);
	if (proto == 17) {
		l4[0] = 0x30; l4[1] = 0x39;	/* 12345 */
		l4[2] = 0x13; l4[3] = 0x89;	/* 5001 */
		l4[4] = (8 + plen) >> 8;
		l4[5] = (8 + plen) & 0xff;
	} else if (proto == 6) {
		l4[0] = 0x30; l4[1] = 0x39;
		l4[2] = 0x13; l4[3] = 0x8a;
		l4[4] = ipid >> 8; l4[7] = ipid & 0xff;	/* seq */
		l4[12] = 5 << 4;
		l4[13] = 0x18;	/* PSH ACK */
		l4[15] = 0xff;
	} else {
		l4[0] = 8;	/* echo request */
		l4[4] = 0x12; l4[5] = 0x34;	/* id */
		l4[7] = ipid & 0xff;		/* seq */
	}
	for (i = 0; i < plen; i++)
		l4[l4h + i] = (uint8_t)(i * 7 + plen);
	fix_csums(ip);
	p->len = 14 + tot;
}

static int run_ctx(struct bpf_program *prog, const struct pkt *in,
		   struct pkt *out, struct __sk_buff *ctx)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in->b,
		    .data_size_in = in->len, .data_out = out->b,
		    .data_size_out = sizeof(out->b), .ctx_in = ctx,
		    .ctx_size_in = ctx ? sizeof(*ctx) : 0);
	int err = bpf_prog_test_run_opts(bpf_program__fd(prog), &o);

	CU_ASSERT_EQUAL(err, 0);
	if (err)
		fprintf(stderr, "test_run: %s (len %zu)\n", strerror(-err), in->len);
	out->len = o.data_size_out;
	ring_buffer__consume(rb);
	cmon_recring_drain(&progs.ring, on_ring_rec, NULL);
	return (int)o.retval;
}

/* Run program @fd on @in, @repeat times over, into @out, without
 * asserting (for threads): 0 or the error. */
static int run_fd(int fd, const struct pkt *in, struct pkt *out, int repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in->b,
		    .data_size_in = in->len, .data_out = out->b,
		    .data_size_out = sizeof(out->b), .repeat = repeat);
	int err = bpf_prog_test_run_opts(fd, &o);

	out->len = o.data_size_out;
	return err;
}

static int run(struct bpf_program *prog, const struct pkt *in, struct pkt *out)
{
	return run_ctx(prog, in, out, NULL);
}

static int same(const struct pkt *a, const struct pkt *b)
{
	return a->len == b->len && !memcmp(a->b, b->b, a->len);
}

static enum cmon_find find(const struct pkt *p, struct cmon_found *f)
{
	return cmon_ann_find(p->b + 14, p->len - 14, KEY, 1, f);
}

static struct pkt in, st, out;

/*
 * A UDP packet whose payload ends in a syntactically valid trailer of
 * version @ver signed with @key; @bit sets the decision bit too.
 */
static void forged(struct pkt *p, uint16_t ipid, uint8_t ver, uint64_t key,
		   int bit)
{
	struct cmon_ann_host h = { .version = ver, .nslots = 1,
				   .tp_mask = 0x12, .seq = 5, .t0_lo = 99 };
	struct cmon_trailer t;

	cmon_ann_sign(&h, key);
	cmon_ann_encode(&h, &t.ann);
	t.magic = htons(CMON_TRAILER_MAGIC);
	build(p, 17, 100, ipid);
	memcpy(p->b + p->len - sizeof(t), &t, sizeof(t));
	if (bit)
		p->b[14 + 6] |= 0x80;
	fix_csums(p->b + 14);
}

static void roundtrip(uint8_t proto, size_t plen, enum cmon_carrier carrier)
{
	struct cmon_found f;
	unsigned int before = nrec;

	build(&in, proto, plen, (uint16_t)(plen + 1));
	CU_ASSERT_EQUAL(run(skel->progs.cmon_veth_in, &in, &st), NEXT);
	CU_ASSERT_EQUAL(st.len, in.len + CMON_ANN_WIRE_LEN);
	CU_ASSERT(csums_ok(&st));
	CU_ASSERT_EQUAL_FATAL(find(&st, &f), CMON_FIND_OK);
	CU_ASSERT_EQUAL(f.carrier, carrier);
	CU_ASSERT_EQUAL(f.ann.nslots, 1);
	CU_ASSERT_EQUAL(f.ann.slot[0].tp, CMON_TP_VETH_IN);
	CU_ASSERT_EQUAL(run(skel->progs.cmon_veth_out, &st, &out), NEXT);
	CU_ASSERT(same(&in, &out));
	CU_ASSERT_EQUAL(nrec, before + 1);
	CU_ASSERT_EQUAL(last_rec.nhops, 2);
	CU_ASSERT_EQUAL(last_rec.hop[0].tp, CMON_TP_VETH_IN);
	CU_ASSERT_EQUAL(last_rec.hop[1].tp, CMON_TP_VETH_OUT);
	CU_ASSERT(last_rec.hop[1].delta >= 0);
	CU_ASSERT_EQUAL(last_rec.seq, f.ann.seq);
	CU_ASSERT_EQUAL(last_rec.proto, proto);
	CU_ASSERT_EQUAL(last_rec.carrier, carrier);
	CU_ASSERT_EQUAL(last_rec.len, in.len - 14);
}

/* Stamp, two overlay hops, strip: slots, checksums, record, bytes. */
static void overlay_path(uint8_t proto, size_t plen)
{
	struct cmon_found f;
	struct pkt h1, h2;
	unsigned int before = nrec;

	build(&in, proto, plen, (uint16_t)(plen + 3));
	CU_ASSERT_EQUAL(run(skel->progs.cmon_veth_in, &in, &st), NEXT);
	CU_ASSERT_EQUAL(run(skel->progs.cmon_ovl_out, &st, &h1), NEXT);
	CU_ASSERT_EQUAL(h1.len, st.len);
	CU_ASSERT(csums_ok(&h1));
	CU_ASSERT_EQUAL_FATAL(find(&h1, &f), CMON_FIND_OK);
	CU_ASSERT_EQUAL(f.ann.nslots, 2);
	CU_ASSERT_EQUAL(f.ann.slot[1].tp, CMON_TP_OVL_OUT);
	CU_ASSERT(f.ann.slot[1].delta >= 0);
	CU_ASSERT_EQUAL(run(skel->progs.cmon_ovl_in, &h1, &h2), NEXT);
	CU_ASSERT(csums_ok(&h2));
	CU_ASSERT_EQUAL_FATAL(find(&h2, &f), CMON_FIND_OK);
	CU_ASSERT_EQUAL(f.ann.nslots, 3);
	CU_ASSERT_EQUAL(f.ann.slot[2].tp, CMON_TP_OVL_IN);
	CU_ASSERT(f.ann.slot[2].delta >= f.ann.slot[1].delta);
	CU_ASSERT_EQUAL(run(skel->progs.cmon_veth_out, &h2, &out), NEXT);
	CU_ASSERT(same(&in, &out));
	CU_ASSERT_EQUAL(nrec, before + 1);
	CU_ASSERT_EQUAL(last_rec.nhops, 4);
	CU_ASSERT_EQUAL(last_rec.hop[1].tp, CMON_TP_OVL_OUT);
	CU_ASSERT_EQUAL(last_rec.hop[2].tp, CMON_TP_OVL_IN);
	CU_ASSERT_EQUAL(last_rec.hop[3].tp, CMON_TP_VETH_OUT);
}

static void test_bpf_overlay_hops(void)
{
	overlay_path(17, 100);
	overlay_path(17, 101);		/* trailer at an odd offset */
	overlay_path(1, 56);
	overlay_path(6, 500);
}

static void test_bpf_overlay_full_and_forged(void)
{
	uint64_t hops = stat(CMON_EV_WRITTEN), tag = stat(CMON_EV_BAD_TAG);
	struct pkt a, b;

	/* slots run out: the fourth intermediate hop leaves it untouched */
	build(&in, 17, 50, 77);
	run(skel->progs.cmon_veth_in, &in, &a);
	run(skel->progs.cmon_ovl_out, &a, &b);
	run(skel->progs.cmon_ovl_in, &b, &a);
	run(skel->progs.cmon_ovl_out, &a, &b);
	CU_ASSERT_EQUAL(stat(CMON_EV_WRITTEN), hops + 3);
	run(skel->progs.cmon_ovl_in, &b, &a);
	CU_ASSERT(same(&a, &b));
	CU_ASSERT_EQUAL(stat(CMON_EV_WRITTEN), hops + 3);
	/* a forged trailer (wrong key) is not written to */
	forged(&in, 7, CMON_ANN_VERSION, KEY ^ 1, 1);
	CU_ASSERT_EQUAL(run(skel->progs.cmon_ovl_out, &in, &out), NEXT);
	CU_ASSERT(same(&in, &out));
	CU_ASSERT_EQUAL(stat(CMON_EV_BAD_TAG), tag + 1);
}

static void test_bpf_udp_roundtrip(void)
{
	static const size_t sizes[] = { 0, 1, 2, 3, 7, 64, 99, 1000, 1431 };
	unsigned int i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		roundtrip(17, sizes[i], CMON_CARRIER_TRAILER);
}

/*
 * The hops keep the checksums of a trailer's packet in the program
 * (headers copied out and stored back) or, without the fast path, with
 * the kernel's checksum helpers: both give exact checksums, at even and
 * odd trailer offsets, for UDP (a zero checksum staying zero) and ICMP,
 * and the strip gives back the bytes sent.
 */
static void test_bpf_trailer_csums_both_ways(void)
{
	static const size_t sizes[] = { 0, 1, 2, 3, 7, 64, 99, 1000, 1431 };
	struct pkt a, b, c;
	struct progs t;
	unsigned int i, zero;
	int fast;

	for (fast = 0; fast < 2; fast++) {
		CU_ASSERT_FATAL(progs_open(&t, 1, fast, 0) == 0);
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
			for (zero = 0; zero < 3; zero++) {
				build(&a, zero == 2 ? 1 : 17, sizes[i],
				      (uint16_t)i);
				if (zero == 1)	/* no UDP checksum */
					a.b[14 + 26] = a.b[14 + 27] = 0;
				CU_ASSERT_EQUAL(run(t.k->progs.cmon_veth_in,
						    &a, &b), NEXT);
				CU_ASSERT_EQUAL(b.len,
						a.len + CMON_ANN_WIRE_LEN);
				CU_ASSERT(csums_ok(&b));
				if (zero == 1)
					CU_ASSERT(!b.b[14 + 26] &&
						  !b.b[14 + 27]);
				CU_ASSERT_EQUAL(run(t.k->progs.cmon_veth_out,
						    &b, &c), NEXT);
				CU_ASSERT(same(&a, &c));
			}
		progs_close(&t);
	}
}

static void test_bpf_udp_zero_csum(void)
{
	build(&in, 17, 33, 9);
	in.b[14 + 26] = in.b[14 + 27] = 0;	/* no UDP checksum */
	CU_ASSERT_EQUAL(run(skel->progs.cmon_veth_in, &in, &st), NEXT);
	CU_ASSERT_EQUAL(st.b[14 + 26], 0);
	CU_ASSERT_EQUAL(st.b[14 + 27], 0);
	CU_ASSERT_EQUAL(run(skel->progs.cmon_veth_out, &st, &out), NEXT);
	CU_ASSERT(same(&in, &out));
}

static void test_bpf_icmp_roundtrip(void)
{
	roundtrip(1, 56, CMON_CARRIER_TRAILER);
	roundtrip(1, 57, CMON_CARRIER_TRAILER);
}

static void test_bpf_tcp_ipopt(void)
{
	roundtrip(6, 0, CMON_CARRIER_IPOPT);
	roundtrip(6, 1000, CMON_CARRIER_IPOPT);
	CU_ASSERT_EQUAL(st.b[14] & 0xf, 15);
	CU_ASSERT_EQUAL(st.b[14 + 20], CMON_IPOPT_TYPE);
}

static void test_bpf_seq_per_flow(void)
{
	struct cmon_found f1, f2;

	build(&in, 17, 10, 100);
	run(skel->progs.cmon_veth_in, &in, &st);
	find(&st, &f1);
	build(&in, 17, 10, 101);
	run(skel->progs.cmon_veth_in, &in, &st);
	find(&st, &f2);
	CU_ASSERT_EQUAL(f2.ann.seq, f1.ann.seq + 1);
}

/*
 * GSO packets must never get a payload trailer: they get the IPv4 option,
 * or stay untouched and counted when the kernel refuses to resize them.
 * (The test runner cannot set gso_type, so the kernel may refuse here;
 * real TSO traffic is covered by the TCP integration test.)
 */
static void gso_case(uint8_t proto)
{
	struct __sk_buff ctx = { .gso_size = 1000, .gso_segs = 3 };
	uint64_t err0 = stat(CMON_EV_SKIP_ROOM);
	struct cmon_found f;

	build(&in, proto, 3000, 5);
	CU_ASSERT_EQUAL(run_ctx(skel->progs.cmon_veth_in, &in, &st, &ctx), NEXT);
	CU_ASSERT_EQUAL(st.b[14 + 6] & 0x80, 0);	/* no decision bit */
	if (find(&st, &f) == CMON_FIND_OK) {
		CU_ASSERT_EQUAL(f.carrier, CMON_CARRIER_IPOPT);
		CU_ASSERT(csums_ok(&st));
	} else {
		CU_ASSERT(same(&in, &st));
		CU_ASSERT_EQUAL(stat(CMON_EV_SKIP_ROOM), err0 + 1);
	}
}

static void test_bpf_gso(void)
{
	gso_case(6);
	gso_case(17);
}

static void test_bpf_malformed_untouched(void)
{
	uint64_t stamped = stat(CMON_EV_STAMPED);

	/* truncated: IPv4 total length beyond the frame (the kernel's test
	 * runner refuses frames shorter than an IPv4 header) */
	build(&in, 17, 10, 1);
	in.len -= 4;
	CU_ASSERT_EQUAL(run(skel->progs.cmon_veth_in, &in, &out), NEXT);
	CU_ASSERT(same(&in, &out));
	in.b[14 + 6] |= 0x80;
	CU_ASSERT_EQUAL(run(skel->progs.cmon_veth_out, &in, &out), NEXT);
	CU_ASSERT(same(&in, &out));
	/* IHL below 5 */
	build(&in, 17, 10, 1);
	in.b[14] = 0x44;
	CU_ASSERT_EQUAL(run(skel->progs.cmon_veth_in, &in, &out), NEXT);
	CU_ASSERT(same(&in, &out));
	/* truncated UDP header (IP says 28 bytes, frame has 36 - 4) */
	build(&in, 17, 8, 1);
	in.len = 14 + 24;
	CU_ASSERT_EQUAL(run(skel->progs.cmon_veth_in, &in, &out), NEXT);
	CU_ASSERT(same(&in, &out));
	CU_ASSERT_EQUAL(stat(CMON_EV_STAMPED), stamped);
}

static void test_bpf_forged_trailer_from_container(void)
{
	uint64_t san = stat(CMON_EV_SANITISED);
	struct pkt orig;

	/* payload ends in a valid-looking trailer signed with OUR key, and
	 * the container even set the decision bit */
	forged(&in, 42, CMON_ANN_VERSION, KEY, 1);
	orig = in;
	CU_ASSERT_EQUAL(run(skel->progs.cmon_veth_in, &in, &st), NEXT);
	CU_ASSERT_EQUAL(stat(CMON_EV_SANITISED), san + 1);
	CU_ASSERT_EQUAL(run(skel->progs.cmon_veth_out, &st, &out), NEXT);
	/* delivered payload is the container's, reserved bit cleared */
	orig.b[14 + 6] &= 0x7f;
	fix_csums(orig.b + 14);
	CU_ASSERT(same(&orig, &out));
	CU_ASSERT(csums_ok(&out));

	/* without the bit: byte-for-byte unchanged */
	forged(&in, 43, CMON_ANN_VERSION, KEY, 0);
	run(skel->progs.cmon_veth_in, &in, &st);
	run(skel->progs.cmon_veth_out, &st, &out);
	CU_ASSERT(same(&in, &out));
}

static void test_bpf_forged_at_strip(void)
{
	uint64_t tag = stat(CMON_EV_BAD_TAG), ver = stat(CMON_EV_BAD_VERSION);
	uint64_t mal = stat(CMON_EV_MALFORMED);

	/* bad tag: a trailer that did not come from our stamper */
	forged(&in, 7, CMON_ANN_VERSION, KEY ^ 0x5555, 1);
	CU_ASSERT_EQUAL(run(skel->progs.cmon_veth_out, &in, &out), NEXT);
	CU_ASSERT(same(&in, &out));
	CU_ASSERT_EQUAL(stat(CMON_EV_BAD_TAG), tag + 1);
	/* unknown version */
	forged(&in, 7, 9, KEY, 1);
	CU_ASSERT_EQUAL(run(skel->progs.cmon_veth_out, &in, &out), NEXT);
	CU_ASSERT(same(&in, &out));
	CU_ASSERT_EQUAL(stat(CMON_EV_BAD_VERSION), ver + 1);
	/* decision bit, no magic */
	build(&in, 17, 100, 8);
	in.b[14 + 6] |= 0x80;
	fix_csums(in.b + 14);
	CU_ASSERT_EQUAL(run(skel->progs.cmon_veth_out, &in, &out), NEXT);
	CU_ASSERT(same(&in, &out));
	/* decision bit on a packet too short for a trailer */
	build(&in, 17, 3, 8);
	in.b[14 + 6] |= 0x80;
	fix_csums(in.b + 14);
	CU_ASSERT_EQUAL(run(skel->progs.cmon_veth_out, &in, &out), NEXT);
	CU_ASSERT(same(&in, &out));
	CU_ASSERT_EQUAL(stat(CMON_EV_MALFORMED), mal + 2);
}

static void test_bpf_forged_ipopt_from_container(void)
{
	struct cmon_ann_host h = { .version = CMON_ANN_VERSION, .nslots = 1,
				   .tp_mask = 0x12, .seq = 5, .t0_lo = 99 };
	struct cmon_ipopt o = { CMON_IPOPT_TYPE, CMON_ANN_WIRE_LEN };
	struct cmon_found f;
	uint8_t *ip;
	unsigned int before = nrec;
	uint64_t nops = stat(CMON_EV_NOP_OPTIONS);

	/* a container sends TCP with a valid-looking cmon option first */
	cmon_ann_sign(&h, KEY);
	cmon_ann_encode(&h, &o.ann);
	build(&in, 6, 200, 3);
	ip = in.b + 14;
	memmove(ip + 60, ip + 20, in.len - 34);
	memcpy(ip + 20, &o, sizeof(o));
	ip[0] = 0x4f;
	set_tot(ip, in.len - 14 + 40);
	in.len += 40;
	fix_csums(ip);
	CU_ASSERT_EQUAL(run(skel->progs.cmon_veth_in, &in, &st), NEXT);
	CU_ASSERT_EQUAL(find(&st, &f), CMON_FIND_NONE);	/* neutralised */
	CU_ASSERT(csums_ok(&st));
	CU_ASSERT_EQUAL(run(skel->progs.cmon_veth_out, &st, &out), NEXT);
	CU_ASSERT(same(&st, &out));
	CU_ASSERT_EQUAL(nrec, before);
	/* the NOPs it became passed on, and counted */
	CU_ASSERT_EQUAL(stat(CMON_EV_NOP_OPTIONS), nops + 1);
	/* payload untouched */
	CU_ASSERT(!memcmp(out.b + 14 + 80, in.b + 14 + 80, 200));
}

static void test_bpf_existing_ipopts_skipped(void)
{
	uint64_t skip = stat(CMON_EV_SKIP_IPOPT);
	uint8_t *ip;

	build(&in, 6, 100, 4);
	ip = in.b + 14;
	memmove(ip + 24, ip + 20, in.len - 34);
	memset(ip + 20, 1, 4);		/* four NOPs */
	ip[0] = 0x46;
	set_tot(ip, in.len - 14 + 4);
	in.len += 4;
	fix_csums(ip);
	CU_ASSERT_EQUAL(run(skel->progs.cmon_veth_in, &in, &st), NEXT);
	CU_ASSERT(same(&in, &st));
	CU_ASSERT_EQUAL(stat(CMON_EV_SKIP_IPOPT), skip + 1);
}

static void test_bpf_fragments_skipped(void)
{
	uint64_t skip = stat(CMON_EV_SKIP_FRAG);

	build(&in, 17, 100, 4);
	in.b[14 + 6] = 0x20;		/* MF, offset 0 */
	fix_csums(in.b + 14);
	CU_ASSERT_EQUAL(run(skel->progs.cmon_veth_in, &in, &st), NEXT);
	CU_ASSERT(same(&in, &st));
	build(&in, 17, 100, 4);
	in.b[14 + 6] = 0x00;
	in.b[14 + 7] = 0xb9;		/* later fragment */
	fix_csums(in.b + 14);
	CU_ASSERT_EQUAL(run(skel->progs.cmon_veth_in, &in, &st), NEXT);
	CU_ASSERT(same(&in, &st));
	CU_ASSERT_EQUAL(stat(CMON_EV_SKIP_FRAG), skip + 2);
}

static void test_bpf_mtu_skipped(void)
{
	struct __sk_buff ctx = { .ifindex = mtu_ifindex };
	uint64_t skip = stat(CMON_EV_SKIP_MTU), stamped;

	CU_ASSERT_FATAL(mtu_ifindex > 0);
	build(&in, 17, 1472, 4);	/* full 1500-byte MTU */
	CU_ASSERT_EQUAL(run_ctx(skel->progs.cmon_veth_in, &in, &st, &ctx), NEXT);
	CU_ASSERT(same(&in, &st));
	CU_ASSERT_EQUAL(stat(CMON_EV_SKIP_MTU), skip + 1);
	/* 40 bytes of room: stamped */
	stamped = stat(CMON_EV_STAMPED);
	build(&in, 17, 1432, 4);
	run_ctx(skel->progs.cmon_veth_in, &in, &st, &ctx);
	CU_ASSERT_EQUAL(stat(CMON_EV_STAMPED), stamped + 1);
}

static void test_bpf_unmonitored_destination(void)
{
	uint64_t skip = stat(CMON_EV_SKIP_DST);

	build(&in, 17, 10, 4);
	inet_pton(AF_INET, "10.77.9.9", in.b + 14 + 16);
	fix_csums(in.b + 14);
	CU_ASSERT_EQUAL(run(skel->progs.cmon_veth_in, &in, &st), NEXT);
	CU_ASSERT(same(&in, &st));
	CU_ASSERT_EQUAL(stat(CMON_EV_SKIP_DST), skip + 1);
}

/*
 * A flow's stamp hop keeps where its destination is (in its hop slot)
 * until the agent says the maps changed (cmon_peers_gen): a container
 * that comes is stamped towards from then on, one that goes no longer
 * (its strip hop gone, a trailer would reach the application).  Pinned
 * to one CPU, so every packet meets the same slot.
 */
static void test_bpf_destination_comes_and_goes(void)
{
	int fd = bpf_map__fd(skel->maps.cmon_peers);
	uint32_t dst, what = CMON_PEER_CT;
	uint64_t skip = stat(CMON_EV_SKIP_DST), stamped;
	cpu_set_t was;
	int i;

	CU_ASSERT_FATAL(!pin(0, &was));
	build(&in, 17, 10, 4);
	inet_pton(AF_INET, "10.77.0.9", &dst);
	memcpy(in.b + 14 + 16, &dst, 4);
	fix_csums(in.b + 14);
	for (i = 0; i < 2; i++)
		CU_ASSERT_EQUAL(run(skel->progs.cmon_veth_in, &in, &st), NEXT);
	CU_ASSERT(same(&in, &st));
	CU_ASSERT_EQUAL(stat(CMON_EV_SKIP_DST), skip + 2);
	/* it comes */
	CU_ASSERT_FATAL(!bpf_map_update_elem(fd, &dst, &what, 0));
	skel->data->cmon_peers_gen++;
	stamped = stat(CMON_EV_STAMPED);
	for (i = 0; i < 2; i++)
		run(skel->progs.cmon_veth_in, &in, &st);
	CU_ASSERT_EQUAL(stat(CMON_EV_STAMPED), stamped + 2);
	CU_ASSERT_EQUAL(st.len, in.len + CMON_ANN_WIRE_LEN);
	/* it goes */
	CU_ASSERT_FATAL(!bpf_map_delete_elem(fd, &dst));
	skel->data->cmon_peers_gen++;
	for (i = 0; i < 2; i++)
		run(skel->progs.cmon_veth_in, &in, &st);
	CU_ASSERT(same(&in, &st));
	CU_ASSERT_EQUAL(stat(CMON_EV_STAMPED), stamped + 2);
	CU_ASSERT_EQUAL(stat(CMON_EV_SKIP_DST), skip + 4);
	pthread_setaffinity_np(pthread_self(), sizeof(was), &was);
}

/* Set every slot of copy @t's cmon_skb_anns: holding a packet stamped
 * @age ns ago (@age > 0), or free (0). */
static void skb_slots_set(struct progs *t, uint64_t age)
{
	int fd = bpf_map__fd(t->k->maps.cmon_skb_anns);
	struct cmon_skb_ann e = { 0 };
	struct timespec ts;
	uint32_t i;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (age) {
		e.skb = 1;
		e.t = (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec - age;
	}
	for (i = 0; i < t->ncpu * CMON_SKB_SLOTS; i++)
		CU_ASSERT_FATAL(!bpf_map_update_elem(fd, &i, &e, 0));
}

/* The slots of @t's cmon_skb_anns in use, the last of them in @e. */
static unsigned int skb_slots_used(struct progs *t, struct cmon_skb_ann *e)
{
	int fd = bpf_map__fd(t->k->maps.cmon_skb_anns);
	struct cmon_skb_ann v;
	unsigned int n = 0;
	uint32_t i;

	for (i = 0; i < t->ncpu * CMON_SKB_SLOTS; i++)
		if (!bpf_map_lookup_elem(fd, &i, &v) && v.skb) {
			*e = v;
			n++;
		}
	return n;
}

/*
 * The skb carrier: towards a container behind the bridge, a packet leaves
 * its stamp hop as it came, its annotation in a slot beside it; with the
 * slot still holding a packet on its way, or a capture on, in its bytes;
 * a slot whose packet never came (10 ms) is taken over and counted.
 */
static void test_bpf_skb_carrier(void)
{
	struct cmon_skb_ann e;
	struct cmon_found f;
	struct progs t;

	CU_ASSERT_FATAL(progs_open(&t, 1, 1, 1) == 0);
	skb_slots_set(&t, 0);
	build(&in, 17, 10, 4);
	CU_ASSERT_EQUAL(run(t.k->progs.cmon_veth_in, &in, &st), NEXT);
	CU_ASSERT(same(&in, &st));
	CU_ASSERT_EQUAL(stat_of(&t, CMON_EV_STAMPED), 1);
	CU_ASSERT_EQUAL_FATAL(skb_slots_used(&t, &e), 1);
	CU_ASSERT_EQUAL(e.len, in.len);
	CU_ASSERT_EQUAL(ntohl(e.ann.seq), 1);
	CU_ASSERT_EQUAL(e.ann.nslots, 1);
	CU_ASSERT_EQUAL(e.ann.slot[0].tp, CMON_TP_VETH_IN);
	/* a packet the strip hop finds no slot for passes as it is */
	skb_slots_set(&t, 0);
	CU_ASSERT_EQUAL(run(t.k->progs.cmon_veth_out, &st, &out), NEXT);
	CU_ASSERT(same(&in, &out));
	CU_ASSERT_EQUAL(stat_of(&t, CMON_EV_STRIPPED), 0);
	/* every slot holds a packet on its way: in the bytes */
	skb_slots_set(&t, 1000);
	run(t.k->progs.cmon_veth_in, &in, &st);
	CU_ASSERT_EQUAL(st.len, in.len + CMON_ANN_WIRE_LEN);
	CU_ASSERT_EQUAL(find(&st, &f), CMON_FIND_OK);
	CU_ASSERT_EQUAL(f.carrier, CMON_CARRIER_TRAILER);
	CU_ASSERT_EQUAL(f.ann.seq, 2);
	CU_ASSERT_EQUAL(stat_of(&t, CMON_EV_SKB_UNCLAIMED), 0);
	/* every slot's packet never came: taken over, counted */
	skb_slots_set(&t, 20000000);
	run(t.k->progs.cmon_veth_in, &in, &st);
	CU_ASSERT(same(&in, &st));
	CU_ASSERT_EQUAL(stat_of(&t, CMON_EV_SKB_UNCLAIMED), 1);
	CU_ASSERT_EQUAL(stat_of(&t, CMON_EV_STAMPED), 3);
	/* a capture wants the annotation in the bytes */
	skb_slots_set(&t, 0);
	t.k->bss->cmon_capture = 1;
	run(t.k->progs.cmon_veth_in, &in, &st);
	t.k->bss->cmon_capture = 0;
	CU_ASSERT_EQUAL(find(&st, &f), CMON_FIND_OK);
	CU_ASSERT_EQUAL(skb_slots_used(&t, &e), 0);
	/* TCP too: no IPv4 option on the way to a container here */
	build(&in, 6, 100, 5);
	run(t.k->progs.cmon_veth_in, &in, &st);
	CU_ASSERT(same(&in, &st));
	CU_ASSERT_EQUAL(skb_slots_used(&t, &e), 1);
	progs_close(&t);
}

/*
 * A stamped packet that never reaches its strip hop (dropped on the bridge)
 * leaves its slot behind, and the allocator hands its buffer to the next
 * packet of its CPU (here: the next test run's copy, of the same size).
 * That packet, plain, must not leave its own strip hop with a record of the
 * lost one's annotation: its first hop frees the slot, counted.
 */
static void test_bpf_skb_reused(void)
{
	struct cmon_skb_ann e;
	struct progs t;
	cpu_set_t was;

	CU_ASSERT_FATAL(progs_open(&t, 1, 1, 1) == 0);
	CU_ASSERT_FATAL(!pin(0, &was));
	skb_slots_set(&t, 0);
	build(&in, 17, 10, 4);
	run(t.k->progs.cmon_veth_in, &in, &st);	/* stamped, then lost */
	CU_ASSERT_EQUAL_FATAL(skb_slots_used(&t, &e), 1);
	/* the next packet of the flow, left out by sampling */
	t.k->data->cmon_sample_n = t.k->data->cmon_sample_base = 1U << 30;
	build(&in, 17, 10, 4);
	run(t.k->progs.cmon_veth_in, &in, &st);
	CU_ASSERT_EQUAL(stat_of(&t, CMON_EV_STAMPED), 1);
	CU_ASSERT(same(&in, &st));
	run(t.k->progs.cmon_veth_out, &st, &out);
	CU_ASSERT(same(&in, &out));
	CU_ASSERT_EQUAL(stat_of(&t, CMON_EV_RECORDS), 0);
	/* the lost packet's annotation: freed and counted where the buffer
	 * was its (as the allocator does here), else still waiting */
	CU_ASSERT_EQUAL(skb_slots_used(&t, &e) +
			stat_of(&t, CMON_EV_SKB_UNCLAIMED), 1);
	pthread_setaffinity_np(pthread_self(), sizeof(was), &was);
	progs_close(&t);
}

/* Sequence numbers of the records a drain hands over. */
static uint32_t ring_seq[16];
static unsigned int ring_n;

static void on_ring_seq(void *ctx, const struct cmon_record *r)
{
	if (ring_n < 16)
		ring_seq[ring_n++] = r->seq;
}

/*
 * The strip hop counts what it stripped and the records it wrote in its
 * flow's hop slot, as the stamp hop counts what it stamped: three flows
 * stamped and stripped by turns through one slot a CPU (the stamp and the
 * strip hops taking it from each other at every packet, each handing its
 * counts to cmon_stats), and every statistic exact as the agent reads it.
 */
static void test_bpf_strip_counted_in_slot(void)
{
	static const uint8_t protos[] = { 17, 6, 1 };
	struct cmon_found f;
	struct progs t;
	unsigned int i, stamped = 0, stripped = 0;
	cpu_set_t was;

	CU_ASSERT_FATAL(progs_open(&t, 1, 1, 0) == 0);
	CU_ASSERT_FATAL(!pin(0, &was));	/* (one CPU's slot: the raw counts) */
	for (i = 0; i < 300; i++) {
		build(&in, protos[i % 3], 20, (uint16_t)i);
		run(t.k->progs.cmon_veth_in, &in, &st);
		if (find(&st, &f) != CMON_FIND_OK)
			continue;
		stamped++;
		CU_ASSERT_EQUAL(run(t.k->progs.cmon_veth_out, &st, &out), NEXT);
		stripped += same(&in, &out);
	}
	CU_ASSERT_EQUAL(stamped, 300);
	CU_ASSERT_EQUAL(stripped, 300);
	CU_ASSERT_EQUAL(stat_of(&t, CMON_EV_STAMPED), 300);
	CU_ASSERT_EQUAL(stat_of(&t, CMON_EV_SAMPLED_OUT), 0);
	CU_ASSERT_EQUAL(stat_of(&t, CMON_EV_STRIPPED), 300);
	CU_ASSERT_EQUAL(stat_of(&t, CMON_EV_RECORDS), 300);
	/* (the last strip's counts still in the slot) */
	CU_ASSERT_EQUAL(raw_stat_of(&t, CMON_EV_STRIPPED), 299);
	CU_ASSERT_EQUAL(raw_stat_of(&t, CMON_EV_RECORDS), 299);
	ring_n = 0;
	CU_ASSERT_EQUAL(cmon_recring_drain(&t.ring, on_ring_seq, NULL), 300);
	pthread_setaffinity_np(pthread_self(), sizeof(was), &was);
	progs_close(&t);
}

/*
 * A flow's two hops count in the two slots of one pair (even: where it
 * enters, odd: where it leaves), so that the second finds the line, and
 * the page, the first has just used.
 */
static void test_bpf_hop_slots_paired(void)
{
	unsigned int i, in_at = ~0U, out_at = ~0U;
	struct progs t;
	cpu_set_t was;

	hop_slots = 64;
	CU_ASSERT_FATAL(progs_open(&t, 1, 1, 0) == 0);
	hop_slots = 1;
	CU_ASSERT_FATAL(!pin(0, &was));
	build(&in, 17, 20, 1);
	run(t.k->progs.cmon_veth_in, &in, &st);
	CU_ASSERT_EQUAL(run(t.k->progs.cmon_veth_out, &st, &out), NEXT);
	for (i = 0; i < 64; i++) {
		if (t.cache[i].key.tp == CMON_TP_VETH_IN && t.cache[i].packets)
			in_at = i;
		if (t.cache[i].key.tp == CMON_TP_VETH_OUT && t.cache[i].packets)
			out_at = i;
	}
	CU_ASSERT(in_at < 64 && in_at % 2 == 0);
	CU_ASSERT_EQUAL(out_at, in_at + 1);
	pthread_setaffinity_np(pthread_self(), sizeof(was), &was);
	progs_close(&t);
}

/*
 * The per-CPU record rings: a record a full ring has no room for is
 * counted (ring_full), never written over one unread, and its packet goes
 * on unchanged; the agent is woken once per quarter ring; a program that
 * finds its CPU's ring in use (by one it interrupted) sends its record
 * through cmon_rb.
 */
static void test_bpf_record_ring(void)
{
	struct ring_buffer *trb;
	uint32_t seq[12];
	cpu_set_t was;
	struct cmon_found f;
	struct progs t;
	unsigned int i;

	ring_slots = 8;
	CU_ASSERT_FATAL(progs_open(&t, 1, 1, 0) == 0);
	ring_slots = 1024;
	trb = ring_buffer__new(bpf_map__fd(t.k->maps.cmon_rb), on_rec, NULL,
			       NULL);
	CU_ASSERT_FATAL(trb != NULL);
	CU_ASSERT_FATAL(!pin(0, &was));
	nwake = 0;
	for (i = 0; i < 12; i++) {
		build(&in, 17, 10, (uint16_t)(300 + i));
		run(t.k->progs.cmon_veth_in, &in, &st);
		CU_ASSERT_EQUAL_FATAL(find(&st, &f), CMON_FIND_OK);
		seq[i] = f.ann.seq;
		CU_ASSERT_EQUAL(run(t.k->progs.cmon_veth_out, &st, &out), NEXT);
		CU_ASSERT(same(&in, &out));
		if (i == 9) {	/* the ring full: the agent reads it */
			CU_ASSERT_EQUAL(stat_of(&t, CMON_EV_RING_FULL), 2);
			CU_ASSERT_EQUAL(stat_of(&t, CMON_EV_RECORDS), 8);
			ring_buffer__consume(trb);
			CU_ASSERT_EQUAL(nwake, 4);
			ring_n = 0;
			CU_ASSERT_EQUAL(cmon_recring_drain(&t.ring, on_ring_seq,
							   NULL), 8);
			CU_ASSERT(!memcmp(ring_seq, seq, sizeof(*seq) * 8));
		}
		if (i == 10) {	/* a program interrupted writing */
			ring_n = 0;
			CU_ASSERT_EQUAL(cmon_recring_drain(&t.ring, on_ring_seq,
							   NULL), 1);
			CU_ASSERT_EQUAL(ring_seq[0], seq[10]);
			t.ring.pos[0].busy = 1;
		}
	}
	t.ring.pos[0].busy = 0;
	CU_ASSERT_EQUAL(cmon_recring_drain(&t.ring, on_ring_seq, NULL), 0);
	nrec = 0;
	ring_buffer__consume(trb);
	CU_ASSERT_EQUAL(nrec, 1);
	CU_ASSERT_EQUAL(last_rec.seq, seq[11]);
	CU_ASSERT_EQUAL(stat_of(&t, CMON_EV_RECORDS), 10);
	CU_ASSERT_EQUAL(stat_of(&t, CMON_EV_RING_FULL), 2);
	pthread_setaffinity_np(pthread_self(), sizeof(was), &was);
	ring_buffer__free(trb);
	progs_close(&t);
}

/* Set the source and destination of a built packet. */
static void addrs(struct pkt *p, const char *src, const char *dst)
{
	inet_pton(AF_INET, src, p->b + 14 + 12);
	inet_pton(AF_INET, dst, p->b + 14 + 16);
	fix_csums(p->b + 14);
}

/*
 * The bridge device's hops: host_out stamps what the host sends, host_in
 * strips what is delivered to the host; neither touches traffic that is
 * only routed through the host.
 */
static void test_bpf_host_hops(void)
{
	uint64_t stamped = stat(CMON_EV_STAMPED);
	unsigned int before = nrec;
	struct cmon_found f;

	/* host process -> container */
	build(&in, 17, 100, 21);
	addrs(&in, HOST, DST);
	CU_ASSERT_EQUAL(run(skel->progs.cmon_host_out, &in, &st), NEXT);
	CU_ASSERT_EQUAL_FATAL(find(&st, &f), CMON_FIND_OK);
	CU_ASSERT_EQUAL(f.ann.slot[0].tp, CMON_TP_HOST_OUT);
	CU_ASSERT_EQUAL(run(skel->progs.cmon_veth_out, &st, &out), NEXT);
	CU_ASSERT(same(&in, &out));
	CU_ASSERT_EQUAL_FATAL(nrec, before + 1);
	CU_ASSERT_EQUAL(last_rec.hop[0].tp, CMON_TP_HOST_OUT);

	/* container -> host process, TCP (IPv4 option) */
	build(&in, 6, 200, 22);
	addrs(&in, SRC, HOST);
	CU_ASSERT_EQUAL(run(skel->progs.cmon_veth_in, &in, &st), NEXT);
	CU_ASSERT_EQUAL_FATAL(find(&st, &f), CMON_FIND_OK);
	CU_ASSERT_EQUAL(f.carrier, CMON_CARRIER_IPOPT);
	CU_ASSERT_EQUAL(run(skel->progs.cmon_host_in, &st, &out), NEXT);
	CU_ASSERT(same(&in, &out));
	CU_ASSERT(csums_ok(&out));
	CU_ASSERT_EQUAL_FATAL(nrec, before + 2);
	CU_ASSERT_EQUAL(last_rec.nhops, 2);
	CU_ASSERT_EQUAL(last_rec.hop[0].tp, CMON_TP_VETH_IN);
	CU_ASSERT_EQUAL(last_rec.hop[1].tp, CMON_TP_HOST_IN);
	CU_ASSERT_EQUAL(stat(CMON_EV_STAMPED), stamped + 2);

	/* routed through the host (to another node): host_in keeps the
	 * annotation, and host_out does not stamp what it did not send */
	build(&in, 17, 100, 23);
	addrs(&in, SRC, "10.78.3.4");
	CU_ASSERT_EQUAL(run(skel->progs.cmon_veth_in, &in, &st), NEXT);
	CU_ASSERT_EQUAL(run(skel->progs.cmon_host_in, &st, &out), NEXT);
	CU_ASSERT(same(&st, &out));
	build(&in, 17, 100, 24);
	addrs(&in, "10.78.3.4", DST);
	CU_ASSERT_EQUAL(run(skel->progs.cmon_host_out, &in, &out), NEXT);
	CU_ASSERT(same(&in, &out));
	CU_ASSERT_EQUAL(nrec, before + 2);
	CU_ASSERT_EQUAL(stat(CMON_EV_STAMPED), stamped + 3);
}

/*
 * A traced packet leaving through the uplink still annotated (outside the
 * overlay) is stripped there, recorded and counted; an unannotated one
 * (what an encapsulated overlay packet's outer header is) passes as it is.
 */
static void test_bpf_uplink_strips(void)
{
	uint64_t up = stat(CMON_EV_UPLINK_STRIPPED);
	unsigned int before = nrec;

	build(&in, 17, 100, 31);
	addrs(&in, SRC, "10.78.3.4");
	CU_ASSERT_EQUAL(run(skel->progs.cmon_veth_in, &in, &st), NEXT);
	CU_ASSERT_EQUAL(st.len, in.len + CMON_ANN_WIRE_LEN);
	CU_ASSERT_EQUAL(run(skel->progs.cmon_uplink_out, &st, &out), NEXT);
	CU_ASSERT(same(&in, &out));
	CU_ASSERT(csums_ok(&out));
	CU_ASSERT_EQUAL(stat(CMON_EV_UPLINK_STRIPPED), up + 1);
	CU_ASSERT_EQUAL_FATAL(nrec, before + 1);
	CU_ASSERT_EQUAL(last_rec.hop[last_rec.nhops - 1].tp, CMON_TP_UPLINK);
	CU_ASSERT_EQUAL(run(skel->progs.cmon_uplink_out, &in, &out), NEXT);
	CU_ASSERT(same(&in, &out));
	CU_ASSERT_EQUAL(stat(CMON_EV_UPLINK_STRIPPED), up + 1);
}

static void test_bpf_remote_subnet_uses_ipopt(void)
{
	struct cmon_found f;

	/* towards another node's pods: the IPv4 option even for UDP/ICMP,
	 * so a node without cmon never sees a trailer in its payload */
	build(&in, 17, 100, 9);
	inet_pton(AF_INET, "10.78.3.4", in.b + 14 + 16);
	fix_csums(in.b + 14);
	CU_ASSERT_EQUAL(run(skel->progs.cmon_veth_in, &in, &st), NEXT);
	CU_ASSERT_EQUAL_FATAL(find(&st, &f), CMON_FIND_OK);
	CU_ASSERT_EQUAL(f.carrier, CMON_CARRIER_IPOPT);
	CU_ASSERT(csums_ok(&st));
	/* the UDP payload is untouched even before the strip */
	CU_ASSERT(!memcmp(st.b + 14 + 60, in.b + 14 + 20, in.len - 34));
	CU_ASSERT_EQUAL(run(skel->progs.cmon_veth_out, &st, &out), NEXT);
	CU_ASSERT(same(&in, &out));
}

/* Every hop's counts in a copy of the programs (kmod-free/hopcount.h). */
static int hop_totals(const struct progs *p, struct cmon_hop_total **t)
{
	size_t entries;

	return cmon_hop_totals(bpf_map__fd(p->k->maps.cmon_hops), p->cache,
			       p->nslots, t, &entries);
}

/* Packets counted at @tp for the flow of packets built with @sport. */
static uint64_t hop_packets(uint8_t tp, uint16_t sport)
{
	struct cmon_hop_total *t;
	uint64_t n = 0;
	int i, nt;

	nt = hop_totals(&progs, &t);
	CU_ASSERT_FATAL(nt >= 0);
	for (i = 0; i < nt; i++)
		if (t[i].key.tp == tp && t[i].key.flow.sport == htons(sport) &&
		    t[i].key.flow.proto == 17)
			n += t[i].packets;
	free(t);
	return n;
}

/*
 * Every packet counted, through the per-CPU cache (one slot per CPU here,
 * so two flows keep taking it from each other) and its hash.
 */
static void test_bpf_hop_counters(void)
{
	uint64_t a0 = hop_packets(CMON_TP_VETH_IN, 12345);
	uint64_t b0 = hop_packets(CMON_TP_VETH_IN, 12346);
	struct pkt other;
	int i;

	build(&in, 17, 10, 4);
	build(&other, 17, 10, 4);
	other.b[14 + 20 + 1] = 0x3a;	/* source port 12346 */
	fix_csums(other.b + 14);
	for (i = 0; i < 10; i++) {
		run(skel->progs.cmon_veth_in, &in, &st);
		if (i % 3 == 0)
			run(skel->progs.cmon_veth_in, &other, &st);
	}
	CU_ASSERT_EQUAL(hop_packets(CMON_TP_VETH_IN, 12345), a0 + 10);
	CU_ASSERT_EQUAL(hop_packets(CMON_TP_VETH_IN, 12346), b0 + 4);
}

/*
 * A slot caught half way through changing hands at both of its reads (its
 * CPU held up inside cmon_slot_take(), as a descheduled vCPU can be): the
 * old key's counts may be neither in the slot nor yet in the map, and
 * which key that is cannot be known, so no total of that read is sure.
 */
static void test_bpf_hop_totals_held_slot(void)
{
	struct cmon_hop_slot slots[2] = { 0 };
	struct cmon_hop_total *t;
	struct pkt other;
	size_t entries;
	int i, n, unsure = 0;

	/* two flows taking the one slot per CPU from each other: counts
	 * in the map */
	build(&in, 17, 10, 4);
	build(&other, 17, 10, 4);
	other.b[14 + 20 + 1] = 0x3b;
	fix_csums(other.b + 14);
	run(skel->progs.cmon_veth_in, &in, &st);
	run(skel->progs.cmon_veth_in, &other, &st);
	slots[0].key.tp = CMON_TP_VETH_OUT;
	slots[0].key.flow.sport = htons(4242);
	slots[0].packets = 5;
	slots[0].gen = 2;
	n = cmon_hop_totals(bpf_map__fd(progs.k->maps.cmon_hops), slots, 2,
			    &t, &entries);
	CU_ASSERT_FATAL(n >= 2);
	for (i = 0; i < n; i++)
		unsure += t[i].unsure;
	CU_ASSERT_EQUAL(unsure, 0);
	free(t);

	slots[1].gen = 7;		/* odd: changing hands */
	n = cmon_hop_totals(bpf_map__fd(progs.k->maps.cmon_hops), slots, 2,
			    &t, &entries);
	CU_ASSERT_FATAL(n >= 2);
	for (i = 0; i < n; i++)
		unsure += t[i].unsure;
	CU_ASSERT_EQUAL(unsure, n);
	free(t);
}

/* The kernel traces exactly the packets cmon_sample_hash() picks from the
 * fields doc/annotation.md names, so every kernel hop agrees. */
static void test_bpf_sampling_consistent(void)
{
	static const uint8_t protos[] = { 17, 6, 1 };
	unsigned int i, stamped = 0, agree = 0;
	struct progs s4;
	struct cmon_found f;

	CU_ASSERT_FATAL(progs_open(&s4, 4, 1, 0) == 0);
	for (i = 0; i < 600; i++) {
		uint8_t proto = protos[i % 3], *ip = in.b + 14;
		uint32_t saddr, daddr, ports, pkt_id, w[4];
		uint16_t sport, dport;
		int traced, want;

		build(&in, proto, 20, (uint16_t)i);
		run(s4.k->progs.cmon_veth_in, &in, &st);
		traced = find(&st, &f) == CMON_FIND_OK;
		/* the decision doc/annotation.md specifies */
		memcpy(&saddr, ip + 12, 4);
		memcpy(&daddr, ip + 16, 4);
		memcpy(w, ip + 20, sizeof(w));	/* (20 bytes of payload) */
		cmon_l4_ports(proto, w[0], w[1], &sport, &dport);
		pkt_id = cmon_l4_sample_id(proto, ip[4] << 8 | ip[5], w[1], w[2],
					   w[3]);
		ports = (uint32_t)sport << 16 | dport;
		want = !cmon_sample_skip(4, cmon_sample_hash(saddr, daddr, ports,
							      proto, pkt_id));
		stamped += traced;
		agree += traced == want;
	}
	CU_ASSERT_EQUAL(agree, 600);
	CU_ASSERT(stamped > 100 && stamped < 200);
	/* every packet is counted as stamped or sampled out: three flows
	 * taking the one slot from each other by turns (its counts handed to
	 * cmon_stats each time), then one flow that keeps it */
	CU_ASSERT_EQUAL(stat_of(&s4, CMON_EV_STAMPED), stamped);
	CU_ASSERT_EQUAL(stat_of(&s4, CMON_EV_SAMPLED_OUT), 600 - stamped);
	for (i = 0; i < 400; i++) {
		build(&in, 17, 20, (uint16_t)i);
		in.b[14 + 28] = (uint8_t)i;	/* (the sampling id's payload) */
		in.b[14 + 29] = (uint8_t)(i >> 8);
		fix_csums(in.b + 14);
		run(s4.k->progs.cmon_veth_in, &in, &st);
		stamped += find(&st, &f) == CMON_FIND_OK;
	}
	CU_ASSERT_EQUAL(stat_of(&s4, CMON_EV_STAMPED), stamped);
	CU_ASSERT_EQUAL(stat_of(&s4, CMON_EV_SAMPLED_OUT), 1000 - stamped);
	/* (which the slot kept: not all in cmon_stats) */
	CU_ASSERT(raw_stat_of(&s4, CMON_EV_SAMPLED_OUT) < 1000 - stamped);
	CU_ASSERT(raw_stat_of(&s4, CMON_EV_STAMPED) < stamped);
	progs_close(&s4);
}

/* Stamped of 64 packets of protocol @proto, sequential ids. */
static unsigned int stamped_of(struct progs *t, uint8_t proto)
{
	unsigned int i, n = 0;
	struct cmon_found f;

	for (i = 0; i < 64; i++) {
		build(&in, proto, 20, (uint16_t)i);
		run(t->k->progs.cmon_veth_in, &in, &st);
		n += find(&st, &f) == CMON_FIND_OK;
	}
	return n;
}

/*
 * Flows whose IPv4 id or TCP sequence stands still are sampled 1 in N
 * too, not all of a flow or none: datagrams of an unconnected socket
 * (Linux gives them all IPv4 id 0; their payloads differ) and bare ACKs
 * (one sequence number, the acknowledgement moving on).  400 packets of
 * each at 1 in 4: 100 expected, 60 to 140 is more than 4 standard
 * deviations either way.
 */
static void test_bpf_sampling_constant_ids(void)
{
	unsigned int i, udp = 0, acks = 0;
	struct progs s4;
	struct cmon_found f;
	uint8_t *ip = in.b + 14, *l4 = ip + 20;

	CU_ASSERT_FATAL(progs_open(&s4, 4, 1, 0) == 0);
	for (i = 0; i < 400; i++) {
		build(&in, 17, 40, 0);
		memcpy(l4 + 8, &i, sizeof(i));	/* a request's number, say */
		fix_csums(ip);
		run(s4.k->progs.cmon_veth_in, &in, &st);
		udp += find(&st, &f) == CMON_FIND_OK;

		build(&in, 6, 0, 1000);			/* seq 1000 */
		l4[13] = 0x10;				/* ACK */
		l4[8] = (uint8_t)(i * 1448 >> 24);	/* ack */
		l4[9] = (uint8_t)(i * 1448 >> 16);
		l4[10] = (uint8_t)(i * 1448 >> 8);
		l4[11] = (uint8_t)(i * 1448);
		fix_csums(ip);
		run(s4.k->progs.cmon_veth_in, &in, &st);
		acks += find(&st, &f) == CMON_FIND_OK;
	}
	CU_ASSERT(udp >= 60 && udp <= 140);
	CU_ASSERT(acks >= 60 && acks <= 140);
	if (udp < 60 || udp > 140 || acks < 60 || acks > 140)
		fprintf(stderr, "1 in 4 traced %u of 400 datagrams of IPv4 id 0, "
			"%u of 400 bare ACKs\n", udp, acks);
	progs_close(&s4);
}

/* A pair with its own sampling (a monitoring rule's) is traced at its
 * rate, changed live; the other pairs keep the default. */
static void test_bpf_sampling_pairs(void)
{
	struct cmon_pair_key k = { .proto = 17 };
	uint32_t every = 1, quarter = 4;
	struct progs t;
	int fd, fast;

	for (fast = 0; fast < 2; fast++) {
		CU_ASSERT_FATAL(progs_open(&t, 1u << 30, fast, 0) == 0);
		fd = bpf_map__fd(t.k->maps.cmon_sample_pairs);
		inet_pton(AF_INET, SRC, &k.saddr);
		inet_pton(AF_INET, DST, &k.daddr);
		CU_ASSERT_EQUAL(stamped_of(&t, 17), 0);
		/* as the agent does it: the filter first, then the pair */
		t.k->data->cmon_sample_base = 1;
		CU_ASSERT_EQUAL(bpf_map_update_elem(fd, &k, &every, 0), 0);
		t.k->bss->cmon_sample_npairs = 1;
		CU_ASSERT_EQUAL(stamped_of(&t, 17), 64);
		CU_ASSERT_EQUAL(stamped_of(&t, 6), 0);	/* another pair */
		CU_ASSERT_EQUAL(bpf_map_update_elem(fd, &k, &quarter, 0), 0);
		t.k->data->cmon_sample_base = 4;
		{
			unsigned int n = stamped_of(&t, 17);

			CU_ASSERT(n > 4 && n < 32);
		}
		progs_close(&t);
	}
}

/* Hops whose agent stopped moving its heartbeat on (killed, its clsact
 * filters left) stamp nothing, and stamp again once it moves. */
static void test_bpf_dead_agent_stamps_nothing(void)
{
	struct progs t;
	int fast;

	for (fast = 0; fast < 2; fast++) {
		CU_ASSERT_FATAL(progs_open(&t, 1, fast, 0) == 0);
		CU_ASSERT_EQUAL(stamped_of(&t, 17), 64);
		t.k->bss->cmon_alive_until = 1;		/* long past */
		CU_ASSERT_EQUAL(stamped_of(&t, 17), 0);
		CU_ASSERT_EQUAL(stamped_of(&t, 6), 0);
		t.k->bss->cmon_alive_until = UINT64_MAX;
		CU_ASSERT_EQUAL(stamped_of(&t, 6), 64);
		progs_close(&t);
	}
}

/* A random frame: plain, forged, or stamped by the main programs (which
 * trace every packet), then maybe a header bit flipped or cut short. */
static void random_frame(struct pkt *p, unsigned int i)
{
	static const uint8_t protos[] = { 17, 17, 6, 1 };
	int kind = rand() % 8;

	build(p, protos[rand() % 4], rand() % 120, (uint16_t)i);
	if (kind == 0)
		forged(p, (uint16_t)i, CMON_ANN_VERSION, KEY, rand() & 1);
	if (kind == 1) {
		run(skel->progs.cmon_veth_in, p, &st);
		*p = st;
	}
	if (rand() % 2) {
		size_t n = rand() % 2 + 1, lim = p->len < 62 ? p->len : 62;

		while (n--) {
			size_t at = 12 + rand() % (lim - 12);

			p->b[at] ^= 1 << (rand() % 8);
		}
	}
	if (rand() % 8 == 0)
		p->len = 34 + rand() % (p->len - 33);
}

/* Packets that got a clock reading: a stamp or a written hop slot. */
static uint64_t clocked(struct progs *t)
{
	return stat_of(t, CMON_EV_STAMPED) + stat_of(t, CMON_EV_WRITTEN);
}

/* One CPU's part in test_bpf_concurrent_first_packets(). */
struct race {
	struct progs *p;
	int cpu, iters;
	pthread_barrier_t *bar;
	int err;
};

static void *race_cpu(void *arg)
{
	struct race *r = arg;
	struct pkt *flow = malloc(sizeof(*flow)), *filler = malloc(sizeof(*flow));
	struct pkt *o = malloc(sizeof(*o));
	int fd = bpf_program__fd(r->p->k->progs.cmon_veth_out), i;

	r->err = !flow || !filler || !o || pin(r->cpu, NULL);
	if (!r->err) {
		build(filler, 17, 10, 1);
		filler->b[14 + 20 + 1] = (uint8_t)(0x80 + r->cpu);
		fix_csums(filler->b + 14);
	}
	/* (every iteration meets the other thread, even after a failure) */
	for (i = 0; i < r->iters; i++) {
		/* flow i's first packet here, then another flow takes the
		 * slot: both CPUs make flow i's map entry at once */
		if (!r->err) {
			build(flow, 17, 10, 2);
			flow->b[14 + 20] = (uint8_t)(0x40 + (i >> 8));
			flow->b[14 + 20 + 1] = (uint8_t)i;
			fix_csums(flow->b + 14);
			r->err = run_fd(fd, flow, o, 0);
		}
		pthread_barrier_wait(r->bar);	/* flush together */
		if (!r->err)
			r->err = run_fd(fd, filler, o, 0);
	}
	free(flow);
	free(filler);
	free(o);
	return NULL;
}

/*
 * Two CPUs counting the first packets of the same new flows: the entry
 * one makes is added to by the other, never overwritten (every count of
 * every flow arrives).
 */
static void test_bpf_concurrent_first_packets(void)
{
	enum { ITERS = 8000 };
	struct progs p;
	struct race r[2];
	pthread_barrier_t bar;
	pthread_t t[2];
	struct cmon_hop_total *tot;
	uint64_t sum = 0;
	int i, n, flows = 0;

	if (libbpf_num_possible_cpus() < 2 || sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		CU_PASS("one CPU: no race to test");
		return;
	}
	CU_ASSERT_FATAL(progs_open(&p, 1 << 30, 1, 0) == 0);
	pthread_barrier_init(&bar, NULL, 2);
	for (i = 0; i < 2; i++) {
		r[i] = (struct race){ &p, i, ITERS, &bar, 0 };
		CU_ASSERT_FATAL(!pthread_create(&t[i], NULL, race_cpu, &r[i]));
	}
	for (i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		CU_ASSERT_EQUAL(r[i].err, 0);
	}
	pthread_barrier_destroy(&bar);
	n = hop_totals(&p, &tot);
	CU_ASSERT_FATAL(n > 0);
	for (i = 0; i < n; i++)
		if (tot[i].key.tp == CMON_TP_VETH_OUT &&
		    (ntohs(tot[i].key.flow.sport) >> 8 & 0xc0) == 0x40) {
			flows++;
			sum += tot[i].packets;
			if (tot[i].packets != 2)
				fprintf(stderr, "flow %u: %llu of 2 counted\n",
					ntohs(tot[i].key.flow.sport),
					(unsigned long long)tot[i].packets);
		}
	CU_ASSERT_EQUAL(flows, ITERS);
	CU_ASSERT_EQUAL(sum, 2 * ITERS);
	free(tot);
	progs_close(&p);
}

/* The sequence number the stamp hop of @t gives a packet of the flow
 * with source port byte @sport (0: not stamped). */
static uint32_t seq_of(struct progs *t, uint8_t sport)
{
	static uint16_t ipid = 400;
	struct cmon_found f;

	build(&in, 17, 10, ipid++);
	in.b[14 + 20 + 1] = sport;
	fix_csums(in.b + 14);
	run(t->k->progs.cmon_veth_in, &in, &st);
	return find(&st, &f) == CMON_FIND_OK ? f.ann.seq : 0;
}

/*
 * Flows whose sequence numbers share a bucket of two words (an array of
 * one): two keep theirs; a third takes one of them, counted
 * (seq_evicted), and the flow it was taken from starts again at 1; none
 * goes on from another's numbers.
 */
static void test_bpf_seq_bucket_shared(void)
{
	uint32_t a, b;
	struct progs t;
	int i;

	seq_slots = 2;
	CU_ASSERT_FATAL(progs_open(&t, 1, 1, 0) == 0);
	seq_slots = CMON_SEQ_SLOTS;
	for (i = 1; i <= 3; i++) {
		CU_ASSERT_EQUAL(seq_of(&t, 1), i);
		CU_ASSERT_EQUAL(seq_of(&t, 2), i);
	}
	CU_ASSERT_EQUAL(stat_of(&t, CMON_EV_SEQ_TAKEN), 0);
	CU_ASSERT_EQUAL(seq_of(&t, 3), 1);
	CU_ASSERT_EQUAL(stat_of(&t, CMON_EV_SEQ_TAKEN), 1);
	/* one of the first two lost its word: it alone starts again */
	a = seq_of(&t, 1);
	b = a == 4 ? seq_of(&t, 2) : 1;
	CU_ASSERT((a == 4 && b == 1) || a == 1);
	CU_ASSERT_EQUAL(stat_of(&t, CMON_EV_SEQ_TAKEN), 2);
	progs_close(&t);
}

/* One CPU's part in test_bpf_seq_concurrent(): @iters runs of the stamp
 * hop, each @repeat times over on one packet of the flow (in the kernel,
 * back to back: the trailer it adds is taken for payload by the next). */
struct seq_race {
	struct progs *p;
	int cpu, iters, repeat;
	int err;
};

static void *seq_race_cpu(void *arg)
{
	struct seq_race *r = arg;
	struct pkt *p = malloc(sizeof(*p)), *o = malloc(sizeof(*o));
	int fd = bpf_program__fd(r->p->k->progs.cmon_veth_in), i;

	r->err = !p || !o || pin(r->cpu, NULL);
	for (i = 0; i < r->iters && !r->err; i++) {
		build(p, 17, 10, (uint16_t)i);
		r->err = run_fd(fd, p, o, r->repeat);
	}
	free(p);
	free(o);
	return NULL;
}

/*
 * Two CPUs stamping packets of one flow as fast as they can: every
 * number is given once and none skipped, so the next packet's number is
 * one more than the packets stamped (a packet whose number could not be
 * had is not stamped: skip_seq).  (A build that reads and writes the
 * number without the compare and swap fails this: numbers given twice.)
 */
static void test_bpf_seq_concurrent(void)
{
	enum { ITERS = 40, REPEAT = 150 };
	struct seq_race r[2];
	struct cmon_found f;
	uint64_t stamped;
	pthread_t t[2];
	struct progs p;
	unsigned int i;

	if (libbpf_num_possible_cpus() < 2 || sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		CU_PASS("one CPU: no race to test");
		return;
	}
	CU_ASSERT_FATAL(progs_open(&p, 1, 1, 0) == 0);
	for (i = 0; i < 2; i++) {
		r[i] = (struct seq_race){ &p, (int)i, ITERS, REPEAT, 0 };
		CU_ASSERT_FATAL(!pthread_create(&t[i], NULL, seq_race_cpu, &r[i]));
	}
	for (i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		CU_ASSERT_EQUAL(r[i].err, 0);
	}
	stamped = stat_of(&p, CMON_EV_STAMPED);
	build(&in, 17, 10, 7);
	run(p.k->progs.cmon_veth_in, &in, &st);
	CU_ASSERT_EQUAL_FATAL(find(&st, &f), CMON_FIND_OK);
	CU_ASSERT_EQUAL(f.ann.seq, stamped + 1);
	CU_ASSERT(stamped > 2 * ITERS * REPEAT / 2);
	CU_ASSERT_EQUAL(stat_of(&p, CMON_EV_SKIP_ROOM), 0);
	fprintf(stderr, "two CPUs: %llu stamped, next number %u, %llu not "
		"(skip_seq)\n", (unsigned long long)stamped, f.ann.seq,
		(unsigned long long)stat_of(&p, CMON_EV_SKIP_SEQ));
	progs_close(&p);
}

/*
 * Does @p carry an annotation valid under KEY (an IPv4 frame)?  An
 * option of ours is in the header: valid whatever the rest says.
 */
static int ours(const struct pkt *p)
{
	uint8_t ip[20 + CMON_ANN_WIRE_LEN];
	struct cmon_found f;

	if (p->len <= 14 + 20 || p->b[12] != 0x08 || p->b[13])
		return 0;
	if (p->len >= 14 + sizeof(ip) && p->b[14] == 0x40 + sizeof(ip) / 4 &&
	    p->b[14 + 20] == CMON_IPOPT_TYPE) {
		memcpy(ip, p->b + 14, sizeof(ip));
		ip[2] = 0;
		ip[3] = sizeof(ip);
		return cmon_ann_find(ip, sizeof(ip), KEY, 1, &f) == CMON_FIND_OK;
	}
	return cmon_ann_find(p->b + 14, p->len - 14, KEY, 1, &f) ==
	       CMON_FIND_OK;
}

/*
 * The fast path (cmon_parse_plain()) only ever takes packets the full
 * path would only have counted or sampled out, and counts them the same:
 * every program gives the same verdict and bytes with it and without it,
 * and the two copies end with the same counters, key by key.
 */
static void test_bpf_fast_path_agrees(void)
{
	struct progs fast, full;
	struct cmon_hop_total *tf, *tl;
	struct pkt f_out, l_out, frame;
	int nf, nl, i;

	CU_ASSERT_FATAL(progs_open(&fast, 4, 1, 0) == 0);
	CU_ASSERT_FATAL(progs_open(&full, 4, 0, 0) == 0);
	struct bpf_program *pf[] = { fast.k->progs.cmon_veth_in,
				     fast.k->progs.cmon_veth_out,
				     fast.k->progs.cmon_ovl_out };
	struct bpf_program *pl[] = { full.k->progs.cmon_veth_in,
				     full.k->progs.cmon_veth_out,
				     full.k->progs.cmon_ovl_out };
	srand(7);
	for (i = 0; i < 20000; i++) {
		/* some as GSO packets of 40-byte segments */
		uint32_t gso = rand() % 8 ? 0 : 40;
		struct __sk_buff ctx = { .gso_size = gso,
					 .gso_segs = gso ? 2 : 0 };
		int j;

		random_frame(&frame, (unsigned int)i);
		for (j = 0; j < 3; j++) {
			uint64_t before = clocked(&fast);
			int rf = run_ctx(pf[j], &frame, &f_out, &ctx);
			int rl = run_ctx(pl[j], &frame, &l_out, &ctx);

			CU_ASSERT_EQUAL(rf, rl);
			CU_ASSERT_EQUAL(f_out.len, l_out.len);
			/* the strip hop takes off only annotations of ours:
			 * whatever else comes passes byte for byte */
			if (j == 1 && !ours(&frame) && !same(&frame, &f_out)) {
				CU_FAIL("strip hop changed a frame without "
					"an annotation of ours");
				fprintf(stderr, "frame %d changed\n", i);
				break;
			}
			/* a stamp or a hop slot holds its own clock reading:
			 * packets that got one are compared by length */
			if (clocked(&fast) == before &&
			    !same(&f_out, &l_out)) {
				CU_FAIL("fast and full path differ");
				fprintf(stderr, "frame %d program %d differs\n",
					i, j);
				break;
			}
		}
	}
	for (i = 0; i < CMON_EV_MAX; i++)
		CU_ASSERT_EQUAL(stat_of(&fast, i), stat_of(&full, i));
	CU_ASSERT(stat_of(&fast, CMON_EV_SAMPLED_OUT) > 5000);
	nf = hop_totals(&fast, &tf);
	nl = hop_totals(&full, &tl);
	CU_ASSERT_FATAL(nf > 100 && nf == nl);
	for (i = 0; i < nf; i++) {
		CU_ASSERT(!memcmp(&tf[i].key, &tl[i].key, sizeof(tf[i].key)));
		CU_ASSERT_EQUAL(tf[i].packets, tl[i].packets);
		CU_ASSERT_EQUAL(tf[i].bytes, tl[i].bytes);
	}
	free(tf);
	free(tl);
	progs_close(&fast);
	progs_close(&full);
}

static int setup(void)
{
	struct cmon_lpm_key subnet = { .prefixlen = 16 };
	uint32_t dst, one = 1;
	char cmd[128];

	/* every packet traced */
	if (progs_open(&progs, 1, 1, 0) || cmon_kern__attach(progs.k))
		return -1;
	skel = progs.k;
	inet_pton(AF_INET, HOST, &dst);
	/* the host's address, and its bit, as the agent sets them */
	cmon_host_bit_set(skel->bss->cmon_host_bits, dst);
	bpf_map_update_elem(bpf_map__fd(skel->maps.cmon_peers), &dst,
			    &(uint32_t){ CMON_PEER_HOST }, 0);
	inet_pton(AF_INET, "10.78.0.0", &subnet.addr);
	bpf_map_update_elem(bpf_map__fd(skel->maps.cmon_subnets), &subnet, &one, 0);
	rb = ring_buffer__new(bpf_map__fd(skel->maps.cmon_rb), on_rec, NULL,
			      NULL);
	snprintf(cmd, sizeof(cmd), "ip link add %s mtu 1500 type veth 2>/dev/null",
		 MTU_DEV);
	if (system(cmd) == -1)
		return -1;
	mtu_ifindex = (int)if_nametoindex(MTU_DEV);
	return rb ? 0 : -1;
}

int main(void)
{
	static const struct unit_case cases[] = {
		{ "test_bpf_udp_roundtrip", test_bpf_udp_roundtrip },
		{ "test_bpf_udp_zero_csum", test_bpf_udp_zero_csum },
		{ "test_bpf_icmp_roundtrip", test_bpf_icmp_roundtrip },
		{ "test_bpf_tcp_ipopt", test_bpf_tcp_ipopt },
		{ "test_bpf_seq_per_flow", test_bpf_seq_per_flow },
		{ "test_bpf_overlay_hops", test_bpf_overlay_hops },
		{ "test_bpf_overlay_full_and_forged",
		  test_bpf_overlay_full_and_forged },
		{ "test_bpf_gso", test_bpf_gso },
		{ "test_bpf_malformed_untouched", test_bpf_malformed_untouched },
		{ "test_bpf_forged_trailer_from_container",
		  test_bpf_forged_trailer_from_container },
		{ "test_bpf_forged_at_strip", test_bpf_forged_at_strip },
		{ "test_bpf_forged_ipopt_from_container",
		  test_bpf_forged_ipopt_from_container },
		{ "test_bpf_existing_ipopts_skipped",
		  test_bpf_existing_ipopts_skipped },
		{ "test_bpf_fragments_skipped", test_bpf_fragments_skipped },
		{ "test_bpf_mtu_skipped", test_bpf_mtu_skipped },
		{ "test_bpf_unmonitored_destination",
		  test_bpf_unmonitored_destination },
		{ "test_bpf_destination_comes_and_goes",
		  test_bpf_destination_comes_and_goes },
		{ "test_bpf_remote_subnet_uses_ipopt",
		  test_bpf_remote_subnet_uses_ipopt },
		{ "test_bpf_host_hops", test_bpf_host_hops },
		{ "test_bpf_uplink_strips", test_bpf_uplink_strips },
		{ "test_bpf_hop_counters", test_bpf_hop_counters },
		{ "test_bpf_hop_totals_held_slot",
		  test_bpf_hop_totals_held_slot },
		{ "test_bpf_sampling_consistent", test_bpf_sampling_consistent },
		{ "test_bpf_sampling_constant_ids",
		  test_bpf_sampling_constant_ids },
		{ "test_bpf_sampling_pairs", test_bpf_sampling_pairs },
		{ "test_bpf_dead_agent_stamps_nothing",
		  test_bpf_dead_agent_stamps_nothing },
		{ "test_bpf_fast_path_agrees", test_bpf_fast_path_agrees },
		{ "test_bpf_trailer_csums_both_ways",
		  test_bpf_trailer_csums_both_ways },
		{ "test_bpf_concurrent_first_packets",
		  test_bpf_concurrent_first_packets },
		{ "test_bpf_record_ring", test_bpf_record_ring },
		{ "test_bpf_strip_counted_in_slot",
		  test_bpf_strip_counted_in_slot },
		{ "test_bpf_hop_slots_paired", test_bpf_hop_slots_paired },
		{ "test_bpf_seq_bucket_shared", test_bpf_seq_bucket_shared },
		{ "test_bpf_seq_concurrent", test_bpf_seq_concurrent },
		{ "test_bpf_skb_carrier", test_bpf_skb_carrier },
		{ "test_bpf_skb_reused", test_bpf_skb_reused },
		{ NULL, NULL }
	};
	int ret;

	if (geteuid() != 0) {
		fprintf(stderr, "SKIP: BPF program tests need root (CAP_BPF)\n");
		return 77;
	}
	if (setup()) {
		fprintf(stderr, "cannot load the BPF programs: %s\n",
			strerror(errno));
		return 1;
	}
	ret = unit_run("bpf", cases);
	ring_buffer__free(rb);
	progs_close(&progs);
	if (system("ip link del " MTU_DEV " 2>/dev/null") == -1)
		ret = 1;
	return ret;
}
