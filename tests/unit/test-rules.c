// SPDX-License-Identifier: BSD-2-Clause
/* Unit tests of the rule files and the standard rules (rules/). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "alerts.h"
#include "rules.h"
#include "unit.h"

static const char *tdirs[3];

static struct cmon_rules *load(const char *text,
			       struct cmon_rules_errors *e)
{
	return cmon_rules_load_text("t.yaml", text, strlen(text), tdirs, e);
}

/* The one error @text gives, or "" if it loads. */
static const char *only_error(const char *text)
{
	static char msg[512];
	struct cmon_rules_errors e = { 0 };
	struct cmon_rules *r = load(text, &e);

	msg[0] = 0;
	if (!r && e.n)
		snprintf(msg, sizeof(msg), "%s%s", e.msg[0],
			 e.n > 1 ? " (and more)" : "");
	cmon_rules_free(r);
	cmon_rules_errors_free(&e);
	return msg;
}

static const char good[] =
	"version: 1\n"
	"templates:\n"
	"  - template: t1\n"
	"    extends: docker-bridge\n"
	"    bridges: [br9]\n"
	"    hops: [ct_tx]\n"
	"    drop_hops: [host_in]\n"
	"template: t1\n"
	"sample: 8\n"
	"alertmanager: http://127.0.0.1:9093\n"
	"rules:\n"
	"  - name: web-db\n"
	"    select:\n"
	"      from: { containers: [\"web-*\"], labels: { app: web } }\n"
	"      to: { cidr: [10.1.2.3/16] }\n"
	"      protocols: [tcp]\n"
	"      ports: [5432, 8000-8080]\n"
	"    measure:\n"
	"      metrics: [latency, loss]\n"
	"      capture: { file: /tmp/x.pcap, size_mib: 8 }\n"
	"    alerts:\n"
	"      - name: slow\n"
	"        when: e2e.p99 > 500us\n"
	"        for: 10s\n"
	"      - name: lossy\n"
	"        when: \"loss.ratio >= 1.5%\"\n"
	"        for: 500ms\n"
	"        severity: critical\n"
	"      - name: bridge\n"
	"        when: segment(veth_in, veth_out).p50 < 2ms\n"
	"      - name: fast\n"
	"        when: bps > 2.5G\n"
	"  - name: quiet\n"
	"    select: { protocols: icmp }\n"
	"    measure: { sample: 2 }\n"
	"    ignore: true\n";

static void test_rules_good_file(void)
{
	struct cmon_rules_errors e = { 0 };
	struct cmon_rules *r = load(good, &e);
	const struct cmon_rule *w;
	const struct cmon_template *t;

	CU_ASSERT_EQUAL(e.n, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->sample, 8);
	CU_ASSERT_STRING_EQUAL(r->template, "t1");
	CU_ASSERT_EQUAL(r->nwebhooks, 1);
	/* the template in force comes first, its base's lists added to its
	 * own, hops added and dropped */
	t = &r->templates[0];
	CU_ASSERT_STRING_EQUAL(t->name, "t1");
	CU_ASSERT_EQUAL_FATAL(t->nbridges, 2);
	CU_ASSERT_STRING_EQUAL(t->bridges[0], "br9");
	CU_ASSERT_STRING_EQUAL(t->bridges[1], "docker0");
	CU_ASSERT_EQUAL(t->hops, 1u << 0 | 1u << 1 | 1u << 4 | 1u << 7);
	CU_ASSERT_EQUAL_FATAL(r->nrules, 2);
	w = &r->rules[0];
	CU_ASSERT_STRING_EQUAL(w->name, "web-db");
	CU_ASSERT(w->has_from && w->has_to);
	CU_ASSERT_STRING_EQUAL(w->from.names[0], "web-*");
	CU_ASSERT_STRING_EQUAL(w->from.labels[0].key, "app");
	CU_ASSERT_EQUAL(w->to.cidrs[0].addr, htonl(0x0a010000));
	CU_ASSERT_EQUAL(w->to.cidrs[0].prefix, 16);
	CU_ASSERT_EQUAL(w->protos, CMON_PROTO_BIT_TCP);
	CU_ASSERT_EQUAL_FATAL(w->nports, 2);
	CU_ASSERT(w->ports[1].lo == 8000 && w->ports[1].hi == 8080);
	CU_ASSERT_EQUAL(w->sample, 0);
	CU_ASSERT_EQUAL(r->rules[1].sample, 2);
	CU_ASSERT_EQUAL(w->measure, CMON_MEASURE_LATENCY | CMON_MEASURE_LOSS);
	CU_ASSERT_STRING_EQUAL(w->capture_file, "/tmp/x.pcap");
	CU_ASSERT_EQUAL(w->capture_size_mib, 8);
	CU_ASSERT_EQUAL_FATAL(w->nalerts, 4);
	/* values in base units */
	CU_ASSERT_EQUAL(w->alerts[0].metric, CMON_M_E2E_P99);
	CU_ASSERT_EQUAL(w->alerts[0].op, CMON_OP_GT);
	CU_ASSERT_DOUBLE_EQUAL(w->alerts[0].value, 500e-6, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(w->alerts[0].for_s, 10, 1e-9);
	CU_ASSERT_STRING_EQUAL(w->alerts[0].severity, "warning");
	CU_ASSERT_EQUAL(w->alerts[1].op, CMON_OP_GE);
	CU_ASSERT_DOUBLE_EQUAL(w->alerts[1].value, 0.015, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(w->alerts[1].for_s, 0.5, 1e-12);
	CU_ASSERT_EQUAL(w->alerts[2].metric, CMON_M_SEG_P50);
	CU_ASSERT_EQUAL(w->alerts[2].seg_from, 1);
	CU_ASSERT_EQUAL(w->alerts[2].seg_to, 4);
	CU_ASSERT_EQUAL(w->alerts[2].op, CMON_OP_LT);
	CU_ASSERT_DOUBLE_EQUAL(w->alerts[3].value, 2.5e9, 1);
	CU_ASSERT(r->rules[1].ignore);
	CU_ASSERT_EQUAL(r->rules[1].measure, CMON_MEASURE_ALL);
	CU_ASSERT_EQUAL(strlen(r->revision), 16);
	cmon_rules_free(r);
	cmon_rules_errors_free(&e);
}

#define V "version: 1\n"

/* Each mistake is named at its line and column. */
static void test_rules_errors_located(void)
{
	static const struct { const char *text, *want; } c[] = {
		{ "", "t.yaml: the rule file is empty" },
		{ "rules: [\n", "t.yaml:2:1: not valid YAML" },
		{ "rules: []\n", "t.yaml:1:1: the rule file needs 'version: 1'" },
		{ "version: 2\n", "t.yaml:1:10: version 2: this cmon reads" },
		{ V "sampel: 4\n", "t.yaml:2:1: the rule file: unknown key 'sampel'" },
		{ V "sample: 0\n", "t.yaml:2:9: sample must be a whole number" },
		{ V "sample: 1\nsample: 2\n", "t.yaml:3:1: the rule file: 'sample' given twice" },
		{ V "template: nosuch\n", "t.yaml:2:11: no template nosuch" },
		{ V "template: ../x\n", "t.yaml:2:11: template name '../x' may not hold '/'" },
		{ V "rules: { a: 1 }\n", "t.yaml:2:8: rules must be a list" },
		{ V "rules:\n  - select: {}\n", "t.yaml:3:5: a rule needs a name" },
		{ V "rules:\n  - { select: { from: { containers: [a] } } }\n",
		  "t.yaml:3:5: a rule needs a name" },
		{ V "rules:\n  - name: a\n    select: { from: {} }\n",
		  "t.yaml:4:21: from selects nothing" },
		{ V "rules:\n  - name: a\n    select: { to: { cidr: [1.2.3.4/33] } }\n",
		  "t.yaml:4:28: '1.2.3.4/33' is not an IPv4 address" },
		{ V "rules:\n  - name: a\n    select: { ports: [0] }\n",
		  "t.yaml:4:23: '0' is not a port" },
		{ V "rules:\n  - name: a\n    select: { protocols: [sctp] }\n",
		  "t.yaml:4:27: unknown protocol 'sctp'" },
		{ V "rules:\n  - name: a\n    measure: { metrics: [jitter] }\n",
		  "t.yaml:4:26: unknown measure 'jitter'" },
		{ V "rules:\n  - name: a\n    measure: { capture: { size_mib: 1 } }\n",
		  "t.yaml:4:25: capture needs a file" },
		{ V "rules:\n  - name: a\n  - name: a\n",
		  "t.yaml:4:5: rule name 'a' used twice (first at line 3)" },
		{ V "rules:\n  - name: a\n    ignore: maybe\n",
		  "t.yaml:4:13: ignore must be true or false" },
		{ V "rules:\n  - name: a\n    ignore: true\n    alerts: [{ name: x, when: pps > 1 }]\n",
		  "t.yaml:3:5: rule a ignores its pairs" },
		{ V "rules:\n  - name: a\n    alerts: [{ name: x }]\n",
		  "t.yaml:4:14: alert x needs a condition" },
		{ V "rules:\n  - name: a\n    alerts: [{ name: x, when: e2e.p99 > 5 }]\n",
		  "t.yaml:4:31: when: a latency needs a unit" },
		{ V "rules:\n  - name: a\n    alerts: [{ name: x, when: e2e.p99 5ms }]\n",
		  "t.yaml:4:31: when: 'e2e.p99 5ms' has no comparison" },
		{ V "rules:\n  - name: a\n    alerts: [{ name: x, when: jitter > 5ms }]\n",
		  "t.yaml:4:31: when: unknown metric 'jitter'" },
		{ V "rules:\n  - name: a\n    alerts: [{ name: x, when: loss.ratio > 2 }]\n",
		  "t.yaml:4:31: when: a loss ratio is a percentage" },
		{ V "rules:\n  - name: a\n    alerts: [{ name: x, when: pps > 5 Mbit }]\n",
		  "t.yaml:4:31: when: a rate takes k, M or G" },
		{ V "rules:\n  - name: a\n    alerts: [{ name: x, when: \"segment(veth_out,veth_in).p99 > 1ms\" }]\n",
		  "t.yaml:4:31: when: segment(veth_out,veth_in): the first hop" },
		{ V "rules:\n  - name: a\n    alerts: [{ name: x, when: \"segment(veth_in,ovl_in).p99 > 1ms\" }]\n",
		  "t.yaml:4:14: alert x: template docker-bridge has no such segment" },
		{ V "rules:\n  - name: a\n    alerts: [{ name: x, when: pps > 1, for: soon }]\n",
		  "t.yaml:4:45: for: 'soon' is not a duration" },
		{ V "templates:\n  - template: t\n    extends: t\n",
		  "t.yaml:4:14: template t extends itself" },
		{ V "templates:\n  - template: t\n    veths: [\"cali[0-9\"]\n",
		  "t.yaml:4:13: 'cali[0-9' opens a [class] it does not close" },
		{ V "templates:\n  - template: t\n    bridges: [br0, a-bridge-name-too-long]\n",
		  "t.yaml:4:20: 'a-bridge-name-too-long' is longer than an interface name" },
		{ V "templates:\n  - template: t\n    uplink: [\"eth0:1\"]\n",
		  "t.yaml:4:14: 'eth0:1' holds '/', ':' or white space" },
		{ V "templates:\n  - template: t\n    hops: [wormhole]\n",
		  "t.yaml:4:12: unknown hop 'wormhole'" },
		{ V "templates:\n  - template: t\n    drop_hops: [veth_in, veth_out, host_in, host_out]\n    extends: docker-bridge\n",
		  "t.yaml:3:5: template t has no hops" },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		const char *got = only_error(c[i].text);

		if (strncmp(got, c[i].want, strlen(c[i].want)))
			fprintf(stderr, "case %zu: want '%s', got '%s'\n", i,
				c[i].want, got);
		CU_ASSERT(!strncmp(got, c[i].want, strlen(c[i].want)));
	}
}

/* Every error of a file is reported, not only the first. */
static void test_rules_all_errors(void)
{
	struct cmon_rules_errors e = { 0 };
	struct cmon_rules *r = load(V "bogus: 1\nrules:\n"
				    "  - name: a\n    select: { ports: [x] }\n"
				    "  - name: b\n    alerts: [{ name: y, when: q }]\n",
				    &e);

	CU_ASSERT_PTR_NULL(r);
	CU_ASSERT_EQUAL(e.n, 3);
	cmon_rules_errors_free(&e);
}

/* The same rules give the same bytes, whatever the file's layout; the
 * standard rules read back compile to the same bytes; a change in a rule
 * changes the revision. */
static void test_rules_canonical(void)
{
	static const char a[] =
		V "rules:\n  - name: x\n    select: { to: { containers: [db] } }\n";
	static const char b[] =
		"# the same, written otherwise\nrules:\n"
		"- select:\n    to:\n      containers: db\n  name: x\n" V;
	static const char c[] =
		V "rules:\n  - name: x\n    select: { to: { containers: [dc] } }\n";
	struct cmon_rules_errors e = { 0 };
	struct cmon_rules *ra = load(a, &e), *rb = load(b, &e),
			  *rc = load(c, &e), *rg = load(good, &e), *back;
	char *sa, *sb, *sg, *sback;

	CU_ASSERT_EQUAL_FATAL(e.n, 0);
	CU_ASSERT_STRING_EQUAL(ra->revision, rb->revision);
	CU_ASSERT_STRING_NOT_EQUAL(ra->revision, rc->revision);
	sa = cmon_rules_compile(ra);
	sb = cmon_rules_compile(rb);
	CU_ASSERT_STRING_EQUAL(sa, sb);
	sg = cmon_rules_compile(rg);
	back = cmon_rules_parse_std(sg, &e);
	if (!back)
		fprintf(stderr, "%s\n", e.n ? e.msg[0] : "?");
	CU_ASSERT_PTR_NOT_NULL_FATAL(back);
	CU_ASSERT_STRING_EQUAL(back->revision, rg->revision);
	sback = cmon_rules_compile(back);
	CU_ASSERT_STRING_EQUAL(sback, sg);
	free(sa);
	free(sb);
	free(sg);
	free(sback);
	cmon_rules_free(ra);
	cmon_rules_free(rb);
	cmon_rules_free(rc);
	cmon_rules_free(rg);
	cmon_rules_free(back);
	cmon_rules_errors_free(&e);
}

/* A node refuses standard rules it cannot trust to mean what they say. */
static void test_rules_std_refused(void)
{
	struct cmon_rules_errors e = { 0 };
	struct cmon_rules *r = load(good, &e);
	char *s = cmon_rules_compile(r), *p;

	CU_ASSERT_PTR_NULL(cmon_rules_parse_std("{", &e));
	CU_ASSERT_PTR_NULL(cmon_rules_parse_std("{\"kind\":\"x\"}", &e));
	/* another version */
	p = strstr(s, "\"version\":1");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	p[10] = '7';
	CU_ASSERT_PTR_NULL(cmon_rules_parse_std(s, &e));
	CU_ASSERT(strstr(e.msg[e.n - 1], "version 7") != NULL);
	p[10] = '1';
	/* changed after compiling: the revision does not match */
	p = strstr(s, "\"sample\":2");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	p[9] = '3';
	CU_ASSERT_PTR_NULL(cmon_rules_parse_std(s, &e));
	CU_ASSERT(strstr(e.msg[e.n - 1], "revision") != NULL);
	free(s);
	cmon_rules_free(r);
	cmon_rules_errors_free(&e);
}

static int match(const struct cmon_rules *r, const char *src,
		 const char *saddr, const char *dst, const char *daddr,
		 uint8_t proto, uint16_t port)
{
	static const struct cmon_label web = { "app", "web" };
	struct cmon_endpoint_info s = { src, 0, NULL, &web,
					!strcmp(src, "web") };
	struct cmon_endpoint_info d = { dst, 0, NULL, NULL, 0 };

	inet_pton(AF_INET, saddr, &s.addr);
	inet_pton(AF_INET, daddr, &d.addr);
	return cmon_rules_match(r, &s, &d, proto, port, NULL, 0);
}

/* The most specific matching rule applies, then the first. */
static void test_rules_precedence(void)
{
	static const char text[] =
		V "rules:\n"
		"  - name: any-to-db\n"
		"    select: { to: { containers: [\"db*\"] } }\n"
		"  - name: web-to-db\n"
		"    select: { from: { labels: { app: \"*\" } }, to: { containers: [db1] } }\n"
		"  - name: web-to-db-pg\n"
		"    select: { from: { containers: [web] }, to: { cidr: [10.0.0.0/8] }, ports: [5432] }\n"
		"  - name: also-any-to-db\n"
		"    select: { to: { containers: [db1] } }\n"
		"  - name: tcp\n"
		"    select: { protocols: [tcp] }\n";
	struct cmon_rules_errors e = { 0 };
	struct cmon_rules *r = load(text, &e);
	char why[2048];
	struct cmon_endpoint_info s = { "web", 0, NULL, NULL, 0 };
	struct cmon_endpoint_info d = { "db1", htonl(0x0a000001), NULL, NULL, 0 };

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(match(r, "web", "10.0.0.2", "db1", "10.0.0.3", 6, 5432), 2);
	CU_ASSERT_EQUAL(match(r, "web", "10.0.0.2", "db1", "10.0.0.3", 6, 80), 1);
	CU_ASSERT_EQUAL(match(r, "web", "10.0.0.2", "db1", "11.0.0.3", 6, 5432), 1);
	/* two equally specific: the first */
	CU_ASSERT_EQUAL(match(r, "api", "10.0.0.2", "db1", "10.0.0.3", 17, 53), 0);
	CU_ASSERT_EQUAL(match(r, "api", "10.0.0.2", "web", "10.0.0.3", 6, 80), 4);
	CU_ASSERT_EQUAL(match(r, "api", "10.0.0.2", "web", "10.0.0.3", 17, 80), -1);
	CU_ASSERT_EQUAL(cmon_rules_match(r, &s, &d, 6, 5432, why, sizeof(why)), 2);
	CU_ASSERT(strstr(why, "applies: web-to-db-pg, the most specific") != NULL);
	CU_ASSERT(strstr(why, "rule web-to-db (line 5, specificity 8): no match on labels") != NULL);
	cmon_rules_free(r);
	cmon_rules_errors_free(&e);
}

/* Templates from a directory: the shipped ones load and extend. */
static void test_rules_shipped_templates(void)
{
	static const char *const names[] = { "docker-bridge", "flannel-vxlan",
					     "ovs-dpdk", "host-stack",
					     "routed" };
	struct cmon_rules_errors e = { 0 };
	char text[128];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct cmon_rules *r;

		snprintf(text, sizeof(text), V "template: %s\n", names[i]);
		r = load(text, &e);
		CU_ASSERT_PTR_NOT_NULL(r);
		if (r && !strcmp(names[i], "flannel-vxlan")) {
			CU_ASSERT_EQUAL(r->templates[0].noverlay, 1);
			/* its own hops and docker-bridge's */
			CU_ASSERT(r->templates[0].hops & 1u << 2);
			CU_ASSERT(r->templates[0].hops & 1u << 1);
		}
		cmon_rules_free(r);
	}
	for (i = 0; i < e.n; i++)
		fprintf(stderr, "%s\n", e.msg[i]);
	cmon_rules_errors_free(&e);
}

/* The engine's pairs, named as a node names them: 10.0.0.N is "cN". */
static void names(void *ctx, uint32_t addr, struct cmon_endpoint_info *out)
{
	static char buf[4][16];
	static int k;
	char *b = buf[k++ % 4];

	(void)ctx;
	snprintf(b, 16, "c%u", ntohl(addr) & 0xff);
	out->name = b;
}

/* One interval of @pps packets from c2 to c3 (UDP), counted at veth_in. */
static void interval(struct cmon_agg *g, uint64_t *total, uint64_t pps)
{
	struct cmon_flow f = { htonl(0x0a000002), htonl(0x0a000003),
			       htons(1000), htons(2000), 17 };
	struct cmon_hop_counter c = { .flow = f, .tp = 1 };

	*total += pps;
	c.packets = *total;
	c.bytes = *total * 100;
	cmon_agg_hop_count(g, &c);
	cmon_agg_tick(g, 1.0);
}

static const struct cmon_alert_inst *alert_of(struct cmon_alerter *a,
					      const char *name)
{
	size_t i;

	for (i = 0; i < cmon_alerter_count(a); i++)
		if (!strcmp(cmon_alerter_get(a, i)->alert, name))
			return cmon_alerter_get(a, i);
	return NULL;
}

/* Pending while the condition holds for less than for:, then firing,
 * resolved when it stops, gone a while after; for: 0 fires at once. */
static void test_alerts_states(void)
{
	static const char text[] =
		V "rules:\n  - name: busy\n    select: { to: { containers: [c3] } }\n"
		"    alerts:\n"
		"      - { name: rate, when: pps > 100, for: 2s }\n"
		"      - { name: now, when: pps > 100 }\n"
		"      - { name: never, when: pps > 100000 }\n"
		"      - { name: slow, when: e2e.p99 > 1ms }\n";
	struct cmon_rules_errors e = { 0 };
	struct cmon_rules *r = load(text, &e);
	struct cmon_agg *g = cmon_agg_create();
	struct cmon_alerter *a = cmon_alerter_create();
	const struct cmon_alert_inst *x;
	uint64_t total = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	cmon_agg_tick(g, 1.0);
	interval(g, &total, 500);
	cmon_alerter_eval(a, r, g, names, NULL, 1000, NULL);
	x = alert_of(a, "rate");
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_EQUAL(x->state, CMON_ALERT_PENDING);
	CU_ASSERT(x->changed);
	CU_ASSERT_DOUBLE_EQUAL(x->value, 500, 1e-9);
	CU_ASSERT_EQUAL(alert_of(a, "now")->state, CMON_ALERT_FIRING);
	CU_ASSERT_PTR_NULL(alert_of(a, "never"));
	/* no traced packets: no latency, which is no trouble */
	CU_ASSERT_PTR_NULL(alert_of(a, "slow"));

	interval(g, &total, 500);
	cmon_alerter_eval(a, r, g, names, NULL, 1001, NULL);
	CU_ASSERT_EQUAL(alert_of(a, "rate")->state, CMON_ALERT_PENDING);
	CU_ASSERT(!alert_of(a, "rate")->changed);
	interval(g, &total, 500);
	cmon_alerter_eval(a, r, g, names, NULL, 1002, NULL);
	x = alert_of(a, "rate");
	CU_ASSERT_EQUAL(x->state, CMON_ALERT_FIRING);
	CU_ASSERT(x->changed);
	CU_ASSERT_DOUBLE_EQUAL(x->active_at, 1000, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(x->fired_at, 1002, 1e-9);
	CU_ASSERT_STRING_EQUAL(x->rule, "busy");
	CU_ASSERT_EQUAL(x->daddr, htonl(0x0a000003));

	/* the traffic stops: resolved, listed a while, then gone */
	interval(g, &total, 0);
	cmon_alerter_eval(a, r, g, names, NULL, 1003, NULL);
	x = alert_of(a, "rate");
	CU_ASSERT_EQUAL(x->state, CMON_ALERT_RESOLVED);
	CU_ASSERT_DOUBLE_EQUAL(x->resolved_at, 1003, 1e-9);
	CU_ASSERT(x->changed);
	interval(g, &total, 0);
	cmon_alerter_eval(a, r, g, names, NULL, 1003 + 400, NULL);
	CU_ASSERT_EQUAL(cmon_alerter_count(a), 0);

	/* pending that stops holding was never an alert */
	interval(g, &total, 500);
	cmon_alerter_eval(a, r, g, names, NULL, 2000, NULL);
	CU_ASSERT_EQUAL(alert_of(a, "rate")->state, CMON_ALERT_PENDING);
	interval(g, &total, 10);
	cmon_alerter_eval(a, r, g, names, NULL, 2001, NULL);
	CU_ASSERT_PTR_NULL(alert_of(a, "rate"));
	CU_ASSERT_EQUAL(alert_of(a, "now")->state, CMON_ALERT_RESOLVED);

	/* rules gone (a reload without them): a firing alert resolves */
	interval(g, &total, 500);
	cmon_alerter_eval(a, r, g, names, NULL, 3000, NULL);
	CU_ASSERT_EQUAL(alert_of(a, "now")->state, CMON_ALERT_FIRING);
	interval(g, &total, 500);
	cmon_alerter_eval(a, NULL, g, names, NULL, 3001, NULL);
	CU_ASSERT_EQUAL(alert_of(a, "now")->state, CMON_ALERT_RESOLVED);
	cmon_alerter_destroy(a);
	cmon_agg_destroy(g);
	cmon_rules_free(r);
}

/* An ignore rule applies to the pairs it selects, unless a more specific
 * rule does. */
static void test_alerts_ignored(void)
{
	struct cmon_rules_errors e = { 0 };
	struct cmon_rules *r = load(V "rules:\n"
		"  - { name: q, select: { to: { containers: [c3] } }, ignore: true }\n"
		"  - { name: w, select: { from: { containers: [c2] }, to: { containers: [c3] } } }\n",
		&e);
	struct cmon_pair_stats p = { htonl(0x0a000002), htonl(0x0a000003), 17 };

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	/* the more specific watch rule wins over the ignore */
	CU_ASSERT_EQUAL(cmon_rules_pair(r, &p, p.port, names, NULL), 1);
	p.saddr = htonl(0x0a000004);
	CU_ASSERT_EQUAL(cmon_rules_pair(r, &p, p.port, names, NULL), 0);
	CU_ASSERT(r->rules[0].ignore);
	p.daddr = htonl(0x0a000005);
	CU_ASSERT_EQUAL(cmon_rules_pair(r, &p, p.port, names, NULL), -1);
	CU_ASSERT_EQUAL(cmon_rules_pair(NULL, &p, p.port, names, NULL), -1);
	cmon_rules_free(r);
}

/* A rule with ports applies to the pairs of those ports only; it cannot
 * set the sampling, which the hops do by addresses. */
static void test_rules_ports(void)
{
	struct cmon_rules_errors e = { 0 };
	struct cmon_rules *r = load(V "rules:\n"
		"  - { name: pg, select: { to: { containers: [c3] }, ports: [5432, 8000-8080] } }\n"
		"  - { name: all, select: { to: { containers: [c3] } }, measure: { sample: 8 } }\n"
		"  - { name: dns, select: { ports: [53] } }\n",
		&e);
	struct cmon_pair_stats p = { htonl(0x0a000002), htonl(0x0a000003), 17,
				     5432 };
	struct cmon_port_range *pr;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(cmon_rules_pair(r, &p, p.port, names, NULL), 0);
	/* the addresses' sampling: the rule without ports */
	CU_ASSERT_EQUAL(cmon_rules_pair(r, &p, 0, names, NULL), 1);
	p.port = 0;
	CU_ASSERT_EQUAL(cmon_rules_pair(r, &p, p.port, names, NULL), 1);
	p.port = 53;
	CU_ASSERT_EQUAL(cmon_rules_pair(r, &p, p.port, names, NULL), 1);
	p.daddr = htonl(0x0a000004);
	CU_ASSERT_EQUAL(cmon_rules_pair(r, &p, p.port, names, NULL), 2);
	p.port = 0;
	CU_ASSERT_EQUAL(cmon_rules_pair(r, &p, p.port, names, NULL), -1);
	CU_ASSERT_EQUAL(cmon_rules_ports(r, &pr), 3);
	CU_ASSERT(pr[1].lo == 8000 && pr[1].hi == 8080 && pr[2].lo == 53);
	free(pr);
	CU_ASSERT_EQUAL(cmon_rules_ports(NULL, &pr), 0);
	CU_ASSERT_PTR_NULL(pr);
	cmon_rules_free(r);
	CU_ASSERT(strstr(only_error(V "rules:\n"
		"  - name: pg\n"
		"    select: { ports: [5432] }\n"
		"    measure: { sample: 2 }\n"),
		"t.yaml:3:5: rule pg has ports: it cannot set sample") != NULL);
}

int main(void)
{
	static const struct unit_case cases[] = {
		{ "test_rules_good_file", test_rules_good_file },
		{ "test_rules_ports", test_rules_ports },
		{ "test_rules_errors_located", test_rules_errors_located },
		{ "test_rules_all_errors", test_rules_all_errors },
		{ "test_rules_canonical", test_rules_canonical },
		{ "test_rules_std_refused", test_rules_std_refused },
		{ "test_rules_precedence", test_rules_precedence },
		{ "test_rules_shipped_templates",
		  test_rules_shipped_templates },
		{ "test_alerts_states", test_alerts_states },
		{ "test_alerts_ignored", test_alerts_ignored },
		{ NULL, NULL }
	};
	static char dir[4096];
	const char *top = getenv("top_srcdir");

	snprintf(dir, sizeof(dir), "%s/etc/templates", top ? top : ".");
	tdirs[0] = dir;
	return unit_run("rules", cases);
}
