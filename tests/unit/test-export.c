// SPDX-License-Identifier: BSD-2-Clause
/*
 * Unit tests of export/: Prometheus exposition (cumulative histograms,
 * label escaping), InfluxDB line protocol (escaping, line count), and the
 * embedded history (bounded, ordered, filtered).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "agg.h"
#include "clock.h"
#include "history.h"
#include "http.h"
#include "influx.h"
#include "log.h"
#include "merge.h"
#include "peers.h"
#include "prom.h"
#include "unit.h"
#include "view.h"

#define A htonl(0x0ac70002)
#define B htonl(0x0ac70003)

static const char *src_name = "web";

static const char *name_ip(void *ctx, uint32_t addr)
{
	return addr == A ? src_name : NULL;
}

static const struct cmon_names names = { name_ip, NULL, NULL, NULL, NULL };

/* @n UDP records A>B whose two hops are @d1 and @d2 ns after the first. */
static void records(struct cmon_agg *g, unsigned int n, int32_t d1,
		    int32_t d2)
{
	static uint32_t seq;
	struct cmon_record r;

	while (n--) {
		memset(&r, 0, sizeof(r));
		r.saddr = A;
		r.daddr = B;
		r.sport = htons(1000);
		r.dport = htons(2000);
		r.proto = 17;
		r.seq = ++seq;
		r.nhops = 3;
		r.hop[0].tp = CMON_TP_CT_TX;
		r.hop[1].tp = CMON_TP_VETH_IN;
		r.hop[1].delta = d1;
		r.hop[2].tp = CMON_TP_VETH_OUT;
		r.hop[2].delta = d2;
		cmon_agg_record(g, &r);
	}
}

static struct cmon_view view(struct cmon_agg *g, double t)
{
	static struct cmon_counter c[2] = {
		{ "records", 7, 0 }, { "ring_pending", 3, 1 },
	};
	struct cmon_view v = {
		.agg = g, .names = &names, .counters = c, .ncounters = 2,
		.time = t, .interval = 1, .node = "n1", .sample_n = 4,
	};

	cmon_agg_tick(g, 1.0);
	return v;
}

/* The text a writer produced, NUL-terminated. */
struct text {
	char *buf;
	size_t len;
	FILE *f;
};

static FILE *text_open(struct text *t)
{
	t->f = open_memstream(&t->buf, &t->len);
	return t->f;
}

static char *text_close(struct text *t)
{
	fclose(t->f);
	return t->buf;
}

/* /metrics as @p writes it once it has taken view @v (malloc'd). */
static char *prom_text(struct cmon_prom *p, const struct cmon_view *v)
{
	struct text t;

	cmon_prom_update(p, v);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text_open(&t));
	cmon_prom_write(p, v, t.f);
	return text_close(&t);
}

/* Value of the exposition line that starts with @series, or -1. */
static double sample(const char *text, const char *series)
{
	const char *p = text;
	size_t n = strlen(series);

	while ((p = strstr(p, series))) {
		if ((p == text || p[-1] == '\n') && p[n] == ' ')
			return atof(p + n + 1);
		p += n;
	}
	return -1;
}

static unsigned int count(const char *text, const char *what)
{
	unsigned int n = 0;

	while ((text = strstr(text, what))) {
		n++;
		text++;
	}
	return n;
}

static void test_export_prom_histogram(void)
{
	struct cmon_agg *g = cmon_agg_create();
	struct cmon_prom *p = cmon_prom_create(NULL, 0, 200);
	struct cmon_view v;
	const char *lab = "node=\"n1\",src=\"web\",dst=\"10.199.0.3\","
			  "proto=\"udp\"";
	char s[300], *out;

	records(g, 100, 1000, 3000);	/* e2e 3 us */
	records(g, 100, 10000, 30000);	/* e2e 30 us */
	v = view(g, 1e9);
	cmon_prom_update(p, &v);
	records(g, 50, 1000, 3000);
	v = view(g, 1e9 + 1);
	out = prom_text(p, &v);
	/* cumulative over both intervals, buckets cumulative over le */
	snprintf(s, sizeof(s), "cmon_e2e_latency_seconds_bucket{%s,le=\"2e-06\"}",
		 lab);
	CU_ASSERT_EQUAL(sample(out, s), 0);
	snprintf(s, sizeof(s), "cmon_e2e_latency_seconds_bucket{%s,le=\"5e-06\"}",
		 lab);
	CU_ASSERT_EQUAL(sample(out, s), 150);
	snprintf(s, sizeof(s), "cmon_e2e_latency_seconds_bucket{%s,le=\"5e-05\"}",
		 lab);
	CU_ASSERT_EQUAL(sample(out, s), 250);
	snprintf(s, sizeof(s), "cmon_e2e_latency_seconds_bucket{%s,le=\"+Inf\"}",
		 lab);
	CU_ASSERT_EQUAL(sample(out, s), 250);
	snprintf(s, sizeof(s), "cmon_e2e_latency_seconds_count{%s}", lab);
	CU_ASSERT_EQUAL(sample(out, s), 250);
	snprintf(s, sizeof(s), "cmon_e2e_latency_seconds_sum{%s}", lab);
	CU_ASSERT_DOUBLE_EQUAL(sample(out, s), 150 * 3e-6 + 100 * 30e-6, 1e-9);
	snprintf(s, sizeof(s), "cmon_hop_latency_seconds_count{%s,"
		 "hop=\"veth_in>veth_out\",from_node=\"0\",to_node=\"0\"}",
		 lab);
	CU_ASSERT_EQUAL(sample(out, s), 250);
	CU_ASSERT_EQUAL(sample(out, "cmon_monitor_events_total{node=\"n1\","
			       "event=\"records\"}"), 7);
	CU_ASSERT_EQUAL(sample(out, "cmon_monitor_pending{node=\"n1\","
			       "queue=\"ring_pending\"}"), 3);
	CU_ASSERT_DOUBLE_EQUAL(sample(out, "cmon_sampling_ratio{node=\"n1\"}"),
			       0.25, 1e-9);
	/* each metric announced once */
	CU_ASSERT_EQUAL(count(out, "# TYPE cmon_e2e_latency_seconds "
			      "histogram\n"), 1);
	CU_ASSERT_EQUAL(count(out, "# TYPE cmon_packets_total counter\n"), 1);
	free(out);
	cmon_prom_destroy(p);
	cmon_agg_destroy(g);
}

static void test_export_prom_escapes_labels(void)
{
	struct cmon_agg *g = cmon_agg_create();
	struct cmon_prom *p = cmon_prom_create(NULL, 0, 200);
	struct cmon_view v;
	char *out;

	src_name = "we\"ird\\na\nme";
	records(g, 1, 1000, 2000);
	v = view(g, 1e9);
	out = prom_text(p, &v);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "src=\"we\\\"ird\\\\na\\nme\""));
	src_name = "web";
	free(out);
	cmon_prom_destroy(p);
	cmon_agg_destroy(g);
}

static struct cmon_label tier = { "tier", "web" };
static const struct cmon_ct_meta web_meta = {
	"docker", "web", "0123456789ab", "img:1", "shop", "web", &tier, 1 };

static const struct cmon_ct_meta *meta_of(void *ctx, uint32_t addr)
{
	(void)ctx;
	return addr == A ? &web_meta : NULL;
}

/* Container labels chosen (--prom-labels) on a pair's series, as they are
 * now, each taking a bounded number of values. */
static void test_export_prom_container_labels(void)
{
	static const struct cmon_names with_meta = { name_ip, NULL, NULL,
						     meta_of, NULL };
	static const char *const keys[] = { "tier", "com.x/y", "image" };
	struct cmon_agg *g = cmon_agg_create();
	struct cmon_prom *p = cmon_prom_create(keys, 3, 1);
	struct cmon_view v;
	char *out;

	records(g, 1, 1000, 2000);
	v = view(g, 1e9);
	v.names = &with_meta;
	out = prom_text(p, &v);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "proto=\"udp\",src_tier=\"web\","
				      "dst_tier=\"\",src_com_x_y=\"\","
				      "dst_com_x_y=\"\",src_image=\"img:1\","
				      "dst_image=\"\"}"));
	CU_ASSERT_EQUAL(cmon_prom_label_overflow(p), 0);
	free(out);
	/* a second value of tier: no room for it */
	tier.value = "front";
	records(g, 1, 1000, 2000);
	v = view(g, 1e9 + 1);
	v.names = &with_meta;
	out = prom_text(p, &v);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "src_tier=\"_other\""));
	CU_ASSERT_PTR_NULL(strstr(out, "src_tier=\"front\""));
	CU_ASSERT_EQUAL(cmon_prom_label_overflow(p), 1);
	tier.value = "web";
	free(out);
	cmon_prom_destroy(p);
	cmon_agg_destroy(g);
}

static void test_export_influx_lines(void)
{
	struct cmon_agg *g = cmon_agg_create();
	struct cmon_view v;
	struct text t;
	unsigned int n, lines = 0;
	char *out, *c;

	src_name = "my web,1=x";
	records(g, 10, 1000, 3000);
	v = view(g, 1795000000.5);
	text_open(&t);
	n = cmon_influx_format(t.f, &v);
	out = text_close(&t);
	for (c = out; *c; c++)
		lines += *c == '\n';
	/* pair, two hops, monitor */
	CU_ASSERT_EQUAL(n, 4);
	CU_ASSERT_EQUAL(lines, n);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "cmon_pair,node=n1,src=my\\ web\\,1\\=x,"
				      "dst=10.199.0.3,proto=udp traced=10i,"
				      "packets=0i,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, ",hop=veth_in>veth_out,from_node=0,"
				      "to_node=0 count=10i,p50_us="));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "cmon_monitor,node=n1 interval_s="
				      "1.000,sample_n=4i,records=7i,"
				      "ring_pending=3i 1795000000500000000\n"));
	src_name = "web";
	free(out);
	cmon_agg_destroy(g);
}

/* A rule's metrics: the sinks export only the figures it names of its
 * pairs, the traced count always. */
static void test_export_rule_metrics(void)
{
	struct cmon_view_pair_rule pr = { .rule = "r", .sample = 4 };
	struct cmon_view_rules vr = { .pairs = &pr, .npairs = 1 };
	static const struct {
		uint8_t metrics;
		int latency, loss, throughput;
	} cases[] = {
		{ 0, 1, 1, 1 },
		{ CMON_VIEW_LATENCY, 1, 0, 0 },
		{ CMON_VIEW_LOSS | CMON_VIEW_THROUGHPUT, 0, 1, 1 },
	};
	const char *lab = "node=\"n1\",src=\"web\",dst=\"10.199.0.3\","
			  "proto=\"udp\"";
	unsigned int k;
	char s[300];

	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct cmon_agg *g = cmon_agg_create();
		struct cmon_prom *p = cmon_prom_create(NULL, 0, 200);
		struct cmon_view v;
		struct text t;
		char *out;

		pr.metrics = cases[k].metrics;
		records(g, 10, 1000, 3000);
		v = view(g, 1e9);
		v.rules = &vr;
		out = prom_text(p, &v);
		snprintf(s, sizeof(s), "cmon_traced_packets_total{%s}", lab);
		CU_ASSERT_EQUAL(sample(out, s), 10);
		snprintf(s, sizeof(s), "cmon_e2e_latency_seconds_count{%s}",
			 lab);
		CU_ASSERT_EQUAL(sample(out, s), cases[k].latency ? 10 : -1);
		snprintf(s, sizeof(s), "cmon_hop_latency_seconds_count{%s,",
			 lab);
		CU_ASSERT_EQUAL(!!strstr(out, s), cases[k].latency);
		snprintf(s, sizeof(s), "cmon_loss_ratio{%s}", lab);
		CU_ASSERT_EQUAL(sample(out, s), cases[k].loss ? 0 : -1);
		snprintf(s, sizeof(s), "cmon_packets_total{%s}", lab);
		CU_ASSERT_EQUAL(sample(out, s), cases[k].throughput ? 0 : -1);
		free(out);
		text_open(&t);
		cmon_influx_format(t.f, &v);
		out = text_close(&t);
		CU_ASSERT_PTR_NOT_NULL(strstr(out, "proto=udp traced=10i"));
		CU_ASSERT_EQUAL(!!strstr(out, "e2e_p50_us="), cases[k].latency);
		CU_ASSERT_EQUAL(!!strstr(out, "cmon_hop,"), cases[k].latency);
		CU_ASSERT_EQUAL(!!strstr(out, ",loss_ratio="), cases[k].loss);
		CU_ASSERT_EQUAL(!!strstr(out, ",packets="),
				cases[k].throughput);
		free(out);
		cmon_prom_destroy(p);
		cmon_agg_destroy(g);
	}
}

static void test_export_history_bounded(void)
{
	struct cmon_history *h = cmon_history_create(3);
	struct cmon_agg *g = cmon_agg_create();
	struct cmon_view v;
	struct text t;
	char *out;
	int i;

	for (i = 1; i <= 5; i++) {
		records(g, i, 1000, 2000);
		v = view(g, 1e9 + i);
		cmon_history_append(h, &v);
	}
	text_open(&t);
	CU_ASSERT_EQUAL(cmon_history_pair(h, t.f, "web", "10.199.0.3", "udp", -1,
					  0), 0);
	out = text_close(&t);
	/* the newest three, oldest first */
	CU_ASSERT_PTR_NULL(strstr(out, "\"t\":1000000002.000"));
	CU_ASSERT_EQUAL(count(out, "{\"t\":"), 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"traced\":3,"));
	CU_ASSERT(strstr(out, "1000000003.000") < strstr(out, "1000000005.000"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"hop\":\"veth_in>veth_out\""));
	free(out);
	/* since, by address, any protocol */
	text_open(&t);
	CU_ASSERT_EQUAL(cmon_history_pair(h, t.f, "10.199.0.2", "10.199.0.3",
					  NULL, -1, 1e9 + 4), 0);
	out = text_close(&t);
	CU_ASSERT_PTR_NULL(strstr(out, "1000000004.000"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "1000000005.000"));
	free(out);
	text_open(&t);
	CU_ASSERT_EQUAL(cmon_history_pair(h, t.f, "web", "10.199.0.3", "tcp", -1,
					  0), -ENOENT);
	text_close(&t);
	free(t.buf);
	text_open(&t);
	cmon_history_monitor(h, t.f, 0);
	out = text_close(&t);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"counters\":[\"records\","
				      "\"ring_pending\"]"));
	CU_ASSERT_PTR_NULL(strstr(out, "1000000002.000"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "{\"t\":1000000005.000,\"values\":"
				      "[7,3]}"));
	free(out);
	cmon_agg_destroy(g);
	cmon_history_destroy(h);
}

/* The store gives back the live figures of every interval it holds,
 * over chunk boundaries, in a few bytes a point; idle pairs go. */
static void test_export_history_true_and_compact(void)
{
	enum { CAP = 300, TICKS = 420 };
	static uint64_t packets[TICKS], lost[TICKS], traced[TICKS];
	static uint64_t p50[TICKS];
	static double pps[TICKS];
	struct cmon_history *h = cmon_history_create(CAP);
	struct cmon_agg *g = cmon_agg_create();
	struct cmon_flow f = { A, B, htons(1000), htons(2000), 17 };
	struct cmon_hop_counter c = { .flow = f };
	uint64_t in = 0, out_ = 0;
	unsigned long long pk, lo, tr;
	unsigned int n = 0, t;
	struct cmon_view v;
	struct text tx;
	double e2e, secs, rate;
	char *out, *at;
	size_t base;

	for (t = 0; t < TICKS; t++) {
		const struct cmon_pair_stats *p;

		records(g, 1 + t % 5, 1000 + t * 37, 3000 + t * 91);
		in += 500 + t % 37;
		out_ += 500 + t % 37 - (t % 10 ? 0 : 3);
		c.tp = CMON_TP_VETH_IN;
		c.packets = in;
		c.bytes = in * 100;
		cmon_agg_hop_count(g, &c);
		c.tp = CMON_TP_VETH_OUT;
		c.packets = out_;
		c.bytes = out_ * 100;
		cmon_agg_hop_count(g, &c);
		v = view(g, 1e9 + t);
		p = cmon_agg_pair(g, 0);
		packets[t] = p->packets;
		lost[t] = p->lost;
		traced[t] = p->traced;
		p50[t] = cmon_hist_quantile(&p->e2e, 0.5);
		pps[t] = p->pps;
		cmon_history_append(h, &v);
		if (!t)		/* the rings, one series, one chunk */
			base = cmon_history_bytes(h);
	}
	text_open(&tx);
	CU_ASSERT_EQUAL(cmon_history_pair(h, tx.f, "web", "10.199.0.3", "udp", -1,
					  0), 0);
	out = text_close(&tx);
	for (at = strstr(out, "{\"t\":"); at; at = strstr(at + 1, "{\"t\":")) {
		t = TICKS - CAP + n++;
		if (sscanf(at, "{\"t\":%lf,\"pps\":%lf,\"bps\":%*f,\"packets\":%llu,"
			   "\"lost\":%llu,\"loss_ratio\":%*f,\"traced\":%llu,"
			   "\"e2e_p50_us\":%lf", &secs, &rate, &pk, &lo, &tr,
			   &e2e) != 6 ||
		    t >= TICKS) {
			CU_FAIL("history point unreadable");
			break;
		}
		CU_ASSERT_EQUAL(secs, 1e9 + t);
		CU_ASSERT_EQUAL(pk, packets[t]);
		CU_ASSERT(fabs(rate - pps[t]) <= 0.05);	/* printed %.1f */
		CU_ASSERT_EQUAL(lo, lost[t]);
		CU_ASSERT_EQUAL(tr, traced[t]);
		CU_ASSERT(fabs(e2e * 1e3 - p50[t]) <= p50[t] / 32.0 + 1);
	}
	CU_ASSERT_EQUAL(n, CAP);
	for (t = TICKS - CAP, pk = lo = 0; t < TICKS; t++) {
		pk += packets[t];
		lo += lost[t];
	}
	CU_ASSERT(pk > 0 && lo > 0);
	free(out);
	/* a point takes a few bytes */
	CU_ASSERT(cmon_history_bytes(h) < base + CAP * 24);
	/* a pair idle for every interval held has no series any more */
	CU_ASSERT_EQUAL(cmon_history_series(h), 1);
	cmon_agg_expire(g, 0);
	/* (the interval after its last packets still has their sequence
	 * figures) */
	for (t = 0; t <= CAP; t++) {
		v = view(g, 1e9 + TICKS + t);
		cmon_history_append(h, &v);
	}
	CU_ASSERT_EQUAL(cmon_history_series(h), 0);
	CU_ASSERT_EQUAL(cmon_history_evicted(h), 0);
	cmon_agg_destroy(g);
	cmon_history_destroy(h);
}

/* What cmon-dpdk --wait hands to the process it starts again. */
static void test_export_history_handed_over(void)
{
	struct cmon_history *h = cmon_history_create(3), *h2, *h3;
	struct cmon_agg *g = cmon_agg_create();
	FILE *f = tmpfile();
	struct cmon_view v;
	struct text t;
	char *out, *want;
	int i;

	for (i = 1; i <= 5; i++) {
		records(g, i, 1000, 2000);
		v = view(g, 1e9 + i);
		cmon_history_append(h, &v);
	}
	CU_ASSERT_EQUAL(cmon_history_save(h, f), 0);
	/* the same capacity: the same documents */
	h2 = cmon_history_create(3);
	rewind(f);
	CU_ASSERT_EQUAL(cmon_history_load(h2, f), 0);
	text_open(&t);
	cmon_history_pair(h, t.f, "web", "10.199.0.3", "udp", -1, 0);
	cmon_history_monitor(h, t.f, 0);
	want = text_close(&t);
	text_open(&t);
	cmon_history_pair(h2, t.f, "web", "10.199.0.3", "udp", -1, 0);
	cmon_history_monitor(h2, t.f, 0);
	out = text_close(&t);
	CU_ASSERT_STRING_EQUAL(out, want);
	free(out);
	free(want);
	/* and it goes on from there */
	records(g, 6, 1000, 2000);
	v = view(g, 1e9 + 6);
	cmon_history_append(h2, &v);
	text_open(&t);
	cmon_history_pair(h2, t.f, "web", "10.199.0.3", "udp", -1, 0);
	out = text_close(&t);
	CU_ASSERT_EQUAL(count(out, "{\"t\":"), 3);
	CU_ASSERT(strstr(out, "1000000004.000") < strstr(out, "1000000006.000"));
	free(out);
	/* a smaller store keeps the newest */
	h3 = cmon_history_create(2);
	rewind(f);
	CU_ASSERT_EQUAL(cmon_history_load(h3, f), 0);
	text_open(&t);
	cmon_history_pair(h3, t.f, "web", "10.199.0.3", "udp", -1, 0);
	out = text_close(&t);
	CU_ASSERT_EQUAL(count(out, "{\"t\":"), 2);
	CU_ASSERT_PTR_NULL(strstr(out, "1000000003.000"));
	free(out);
	cmon_history_destroy(h3);
	/* not a store: nothing loaded */
	h3 = cmon_history_create(3);
	rewind(f);
	fputs("GET / HTTP/1.1", f);
	rewind(f);
	CU_ASSERT_EQUAL(cmon_history_load(h3, f), -EINVAL);
	text_open(&t);
	cmon_history_index(h3, t.f);
	out = text_close(&t);
	CU_ASSERT_STRING_EQUAL(out, "{\"capacity\":3,\"series\":[]}");
	free(out);
	cmon_history_destroy(h3);
	fclose(f);
	cmon_agg_destroy(g);
	cmon_history_destroy(h2);
	cmon_history_destroy(h);
}

/* Records A>B stamped at node 1 and received at node 2, @ns apart. */
static void cross_node(struct cmon_agg *g, int64_t ns)
{
	struct cmon_record r;
	int i;

	memset(&r, 0, sizeof(r));
	r.saddr = A;
	r.daddr = B;
	r.proto = 17;
	r.nhops = 2;
	r.hop[0].tp = CMON_TP_VETH_IN;
	r.hop[0].node = 1;
	r.hop[1].tp = CMON_TP_OVL_IN;
	r.hop[1].node = 2;
	for (i = 0; i < 20; i++) {
		r.seq = i + 1;
		r.hop[1].delta = ns + i * 1000;
		cmon_agg_record(g, &r);
	}
}

static void test_export_merge_clocks(void)
{
	struct cmon_agg *g = cmon_agg_create();
	struct cmon_peer_link pl = { 2, 1, 20, 0 };
	struct cmon_clock_info c[4];
	int64_t low, off, bound, o;

	/* node 2's clock 4 ms ahead of node 1's, 30 us each way */
	cross_node(g, 4000000 + 30000);
	CU_ASSERT_EQUAL_FATAL(cmon_owd_low(&cmon_agg_link(g, 0)->owd, &low), 0);
	/* one direction only: nothing known, nothing applied */
	CU_ASSERT_EQUAL(cmon_merge_clocks(g, NULL, 0, 0, c, 4), 1);
	CU_ASSERT_EQUAL(c[0].a, 1);
	CU_ASSERT_EQUAL(c[0].b, 2);
	CU_ASSERT_FALSE(c[0].estimated);
	CU_ASSERT_FALSE(c[0].applied);
	CU_ASSERT_EQUAL(cmon_agg_offset(g, 1, 2, &o), -EAGAIN);
	/* the other direction from a peer: estimated and applied */
	pl.low = -4000000 + 30000;
	cmon_clock_offset(low, pl.low, &off, &bound);
	CU_ASSERT_EQUAL(cmon_merge_clocks(g, &pl, 1, 0, c, 4), 1);
	CU_ASSERT(c[0].estimated && c[0].applied && !c[0].trusted);
	CU_ASSERT_EQUAL(c[0].offset, off);
	CU_ASSERT_EQUAL(c[0].bound, bound);
	CU_ASSERT(llabs(off - 4000000) < 2000);
	CU_ASSERT_EQUAL(cmon_agg_offset(g, 1, 2, &o), 0);
	CU_ASSERT_EQUAL(o, off);
	/* a peer's link of another pair of nodes does not count */
	pl.from = 3;
	CU_ASSERT_EQUAL(cmon_merge_clocks(g, &pl, 1, 0, c, 4), 1);
	CU_ASSERT_FALSE(c[0].estimated);
	cmon_agg_destroy(g);
	/* trusted clocks: applied as they are, the engine's offset not set */
	g = cmon_agg_create();
	cross_node(g, 30000);
	pl.from = 2;
	CU_ASSERT_EQUAL(cmon_merge_clocks(g, &pl, 1, 1, c, 4), 1);
	CU_ASSERT(c[0].estimated && c[0].applied && c[0].trusted);
	CU_ASSERT_EQUAL(cmon_agg_offset(g, 1, 2, &o), -EAGAIN);
	cmon_agg_destroy(g);
}

static void test_export_merge_counters(void)
{
	struct cmon_agg *g = cmon_agg_create();
	struct cmon_hop_counter hc[4], out[8];
	unsigned int i;

	for (i = 0; i < 4; i++)
		hc[i] = (struct cmon_hop_counter){
			.flow = { A, A, htons(1000), htons(2000), 17 },
			.tp = CMON_TP_VETH_IN, .node = 1, .epoch = 7,
			.packets = 10, .bytes = 1000 };
	hc[1].node = 0;				/* ours already */
	hc[2].tp = CMON_TP_VETH_OUT;		/* downstream: theirs */
	hc[3].flow.daddr = B;			/* not to a container here */
	CU_ASSERT_EQUAL(cmon_merge_counters(g, hc, 4, 0, &names), 1);
	CU_ASSERT_EQUAL(cmon_agg_hop_counters(g, 1, out, 8), 1);
	CU_ASSERT_EQUAL(out[0].packets, 10);
	CU_ASSERT_EQUAL(cmon_agg_hop_counters(g, 0, out, 8), 0);
	/* without names nothing is known to be here */
	CU_ASSERT_EQUAL(cmon_merge_counters(g, hc, 4, 0, NULL), 0);
	cmon_agg_destroy(g);
}

static void test_export_peer_links(void)
{
	const char *doc = "{\"time\":1.0,\"counters\":{\"links\":7},"
		"\"links\":[{\"from_node\":1,\"to_node\":2,\"samples\":40,"
		"\"low_us\":-4975.250},{\"from_node\":3,\"to_node\":2,"
		"\"samples\":2},{\"from_node\":4,\"to_node\":2,"
		"\"samples\":9,\"low_us\":31.5}],\"pairs\":[{\"from_node\":9}]}";
	struct cmon_peer_link l[4];

	/* the one without a low delay (too few samples) is left out */
	CU_ASSERT_EQUAL_FATAL(cmon_peers_parse(doc, l, 4), 2);
	CU_ASSERT_EQUAL(l[0].from, 1);
	CU_ASSERT_EQUAL(l[0].to, 2);
	CU_ASSERT_EQUAL(l[0].samples, 40);
	CU_ASSERT_EQUAL(l[0].low, -4975250);
	CU_ASSERT_EQUAL(l[1].from, 4);
	CU_ASSERT_EQUAL(l[1].low, 31500);
	/* more than there is room for: all counted, the room filled */
	CU_ASSERT_EQUAL(cmon_peers_parse(doc, l, 1), 2);
	CU_ASSERT_EQUAL(l[0].from, 1);
	CU_ASSERT_EQUAL(cmon_peers_parse("{\"links\":[]}", l, 4), 0);
	CU_ASSERT_EQUAL(cmon_peers_parse("<html>", l, 4), 0);
	CU_ASSERT_EQUAL(cmon_peers_parse("{\"links\":[{\"from_node\":1", l, 4),
			0);
}

static void test_export_peer_counters(void)
{
	const char *doc = "{\"time\":1.0,\"node_id\":1,\"counters\":["
		"{\"src_ip\":\"10.244.1.2\",\"dst_ip\":\"10.244.2.2\","
		"\"sport\":4000,\"dport\":5003,\"proto\":17,\"tp\":2,"
		"\"node\":1,\"packets\":20000,\"bytes\":4560000,"
		"\"partial\":false,\"epoch\":77,\"back\":32},"
		"{\"src_ip\":\"10.244.1.3\",\"dst_ip\":\"10.244.2.2\","
		"\"sport\":4000,\"dport\":5003,\"proto\":17,\"tp\":2,"
		"\"node\":1,\"packets\":20,\"bytes\":4560},"
		"{\"src_ip\":\"999.1.1.1\",\"dst_ip\":\"10.244.2.2\","
		"\"sport\":1,\"dport\":2,\"proto\":17,\"tp\":2,\"node\":1,"
		"\"packets\":1,\"bytes\":1},"
		"{\"src_ip\":\"10.244.1.2\",\"dst_ip\":\"10.244.2.2\","
		"\"sport\":1,\"dport\":2,\"proto\":17,\"tp\":99,\"node\":1,"
		"\"packets\":1,\"bytes\":1}]}";
	struct cmon_hop_counter c[4];

	/* a bad address and an unknown hop are left out */
	CU_ASSERT_EQUAL_FATAL(cmon_peers_parse_counters(doc, c, 4), 2);
	CU_ASSERT_EQUAL(c[0].flow.saddr, inet_addr("10.244.1.2"));
	CU_ASSERT_EQUAL(c[0].flow.sport, htons(4000));
	CU_ASSERT_EQUAL(c[0].flow.dport, htons(5003));
	CU_ASSERT_EQUAL(c[0].flow.proto, 17);
	CU_ASSERT_EQUAL(c[0].tp, CMON_TP_OVL_OUT);
	CU_ASSERT_EQUAL(c[0].node, 1);
	CU_ASSERT_EQUAL(c[0].packets, 20000);
	CU_ASSERT_EQUAL(c[0].bytes, 4560000);
	CU_ASSERT_EQUAL(c[0].partial, 0);
	CU_ASSERT_EQUAL(c[0].epoch, 77);
	CU_ASSERT_EQUAL(c[0].packets_back, 32);
	/* a peer that does not say it counted from the start did not */
	CU_ASSERT_EQUAL(c[1].partial, 1);
	CU_ASSERT_EQUAL(c[1].epoch, 0);
	CU_ASSERT_EQUAL(c[1].packets_back, 0);
	CU_ASSERT_EQUAL(cmon_peers_parse_counters("{}", c, 4), 0);
	/* more than there is room for: all counted, the room filled */
	memset(&c[1], 0, sizeof(c[1]));
	CU_ASSERT_EQUAL(cmon_peers_parse_counters(doc, c, 1), 2);
	CU_ASSERT_EQUAL(c[0].packets, 20000);
	CU_ASSERT_EQUAL(c[1].packets, 0);
}

/* Secrets in URLs never reach a log line or a document. */
/* The rate limiter lets one a second through and counts the rest. */
static void test_export_log_rate_limited(void)
{
	struct cmon_log_rl rl = { 1L << 40, 0 };	/* a second to come */
	unsigned long n = 99;
	int i;

	for (i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(cmon_log_rl_pass(&rl, &n), 0);
	CU_ASSERT_EQUAL(n, 99);			/* untouched */
	CU_ASSERT_EQUAL(rl.suppressed, 5);
	rl.last = 0;				/* a second went by */
	CU_ASSERT_EQUAL(cmon_log_rl_pass(&rl, &n), 1);
	CU_ASSERT_EQUAL(n, 5);
	CU_ASSERT_EQUAL(rl.suppressed, 0);
	rl.last = 0;
	CU_ASSERT_EQUAL(cmon_log_rl_pass(&rl, &n), 1);
	CU_ASSERT_EQUAL(n, 0);
}

static void test_export_url_redacted(void)
{
	char b[128];

	CU_ASSERT_STRING_EQUAL(cmon_url_redact("http://u:pw@db:8086/x", b,
					       sizeof(b)), "http://***@db:8086/x");
	CU_ASSERT_STRING_EQUAL(cmon_url_redact("http://h:1/api?a=1&token=s3"
					       "&b=2", b, sizeof(b)),
			       "http://h:1/api?a=1&token=***&b=2");
	CU_ASSERT_STRING_EQUAL(cmon_url_redact("http://h/?token=s3#f", b,
					       sizeof(b)), "http://h/?token=***#f");
	/* an '@' in the path is no password */
	CU_ASSERT_STRING_EQUAL(cmon_url_redact("http://h/a@b", b, sizeof(b)),
			       "http://h/a@b");
	CU_ASSERT_STRING_EQUAL(cmon_url_redact("http://u:pw@h", b, 8),
			       "http://");
	CU_ASSERT(!strstr(cmon_url_redact("https://admin:hunter2@h/?token="
					  "hunter2", b, sizeof(b)), "hunter2"));
}

/* The web root's files only, never outside it; the token compared whole. */
static void test_export_http_guard(void)
{
	char p[64];

	CU_ASSERT_EQUAL(cmon_http_file_path("/srv/web", "/", p, sizeof(p)), 0);
	CU_ASSERT_STRING_EQUAL(p, "/srv/web/index.html");
	CU_ASSERT_EQUAL(cmon_http_file_path("/srv/web", "/js/app.js", p,
					    sizeof(p)), 0);
	CU_ASSERT_STRING_EQUAL(p, "/srv/web/js/app.js");
	CU_ASSERT_EQUAL(cmon_http_file_path("/srv/web", "/../etc/passwd", p,
					    sizeof(p)), -1);
	CU_ASSERT_EQUAL(cmon_http_file_path("/srv/web", "/a/..", p,
					    sizeof(p)), -1);
	CU_ASSERT_EQUAL(cmon_http_file_path("/srv/web", "x", p, sizeof(p)), -1);
	CU_ASSERT_EQUAL(cmon_http_file_path("/srv/web", "/a\\b", p,
					    sizeof(p)), -1);
	CU_ASSERT_EQUAL(cmon_http_file_path(NULL, "/", p, sizeof(p)), -1);
	/* too long for the buffer: refused, not cut to another name */
	CU_ASSERT_EQUAL(cmon_http_file_path("/srv/web", "/index.html.gz", p,
					    22), -1);
	CU_ASSERT(cmon_http_token_eq("s3cret", "s3cret"));
	CU_ASSERT(!cmon_http_token_eq("s3cre", "s3cret"));
	CU_ASSERT(!cmon_http_token_eq("s3cretX", "s3cret"));
	CU_ASSERT(!cmon_http_token_eq("", "s3cret"));
	CU_ASSERT(!cmon_http_token_eq("S3cret", "s3cret"));
}

/* JSON strings are valid UTF-8 and escape what a terminal acts on,
 * whatever bytes a name holds; names a container controls are cleaned. */
static void test_export_json_strings(void)
{
	static const struct { const char *in, *out; } t[] = {
		{ "plain", "\"plain\"" },
		{ "q\"b\\", "\"q\\\"b\\\\\"" },
		{ "\x1b[31m\x07\x7f", "\"\\u001b[31m\\u0007\\u007f\"" },
		{ "caf\xc3\xa9", "\"caf\xc3\xa9\"" },		/* UTF-8 kept */
		{ "\xff\xc3(", "\"\\ufffd\\ufffd(\"" },	/* not UTF-8 */
		{ "\xc0\xaf", "\"\\ufffd\\ufffd\"" },		/* overlong */
		{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },	/* surrogate */
		{ "\xe2\x82", "\"\\ufffd\\ufffd\"" },		/* cut short */
	};
	char name[] = "\x1b]0;x\x07\xff ok";
	unsigned int i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		cmon_json_str(f, t[i].in);
		fclose(f);
		CU_ASSERT_STRING_EQUAL(buf, t[i].out);
		free(buf);
	}
	CU_ASSERT_STRING_EQUAL(cmon_name_clean(name), "?]0;x?? ok");
}

int main(void)
{
	static const struct unit_case cases[] = {
		{ "test_export_peer_counters", test_export_peer_counters },
		{ "test_export_peer_links", test_export_peer_links },
		{ "test_export_prom_histogram", test_export_prom_histogram },
		{ "test_export_prom_container_labels",
		  test_export_prom_container_labels },
		{ "test_export_prom_escapes_labels",
		  test_export_prom_escapes_labels },
		{ "test_export_influx_lines", test_export_influx_lines },
		{ "test_export_rule_metrics", test_export_rule_metrics },
		{ "test_export_url_redacted", test_export_url_redacted },
		{ "test_export_log_rate_limited", test_export_log_rate_limited },
		{ "test_export_http_guard", test_export_http_guard },
		{ "test_export_json_strings", test_export_json_strings },
		{ "test_export_history_bounded", test_export_history_bounded },
		{ "test_export_merge_clocks", test_export_merge_clocks },
		{ "test_export_merge_counters", test_export_merge_counters },
		{ "test_export_history_handed_over",
		  test_export_history_handed_over },
		{ "test_export_history_true_and_compact",
		  test_export_history_true_and_compact },
		{ NULL, NULL }
	};
	return unit_run("export", cases);
}
