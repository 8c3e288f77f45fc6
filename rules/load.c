// SPDX-License-Identifier: BSD-2-Clause
/*
 * Reading a rule file (doc/rules.md) with libyaml's document API: every
 * node keeps its position, so each error names file, line and column.
 * All errors of a file are collected, not only the first; a file with any
 * error gives no rules at all.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include "rules-int.h"

struct ld {
	yaml_document_t *doc;
	const char *file;
	struct cmon_rules_errors *errs;
	const char *const *tdirs;
	unsigned int depth;	/* of template extension */
};

/* One more element, zeroed, at the end of the array @arr of @n: it, or
 * NULL (out of memory; the array stays as it was). */
#define GROW(arr, n) ({ \
	__typeof__(arr) nv_ = realloc((arr), ((n) + 1) * sizeof(*(arr))); \
	nv_ ? ((arr) = nv_, memset(&nv_[n], 0, sizeof(*nv_)), &nv_[(n)++]) \
	    : NULL; })

static void verr(struct cmon_rules_errors *e, const char *file,
		 struct cmon_mark m, const char *fmt, va_list ap)
{
	char msg[512], *line, **slot;
	int n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = m.line ? asprintf(&line, "%s:%u:%u: %s", file, m.line, m.column,
			      msg)
		   : asprintf(&line, "%s: %s", file, msg);
	if (n < 0)
		return;
	slot = GROW(e->msg, e->n);
	if (!slot)
		free(line);
	else
		*slot = line;
}

void cmon_rules_err(struct cmon_rules_errors *e, const char *file,
		    struct cmon_mark m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(e, file, m, fmt, ap);
	va_end(ap);
}

static struct cmon_mark mark_of(const yaml_node_t *n)
{
	return (struct cmon_mark){ (unsigned int)n->start_mark.line + 1,
				   (unsigned int)n->start_mark.column + 1 };
}

__attribute__((format(printf, 3, 4)))
static void err(struct ld *l, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(l->errs, l->file, n ? mark_of(n) : (struct cmon_mark){ 0, 0 },
	     fmt, ap);
	va_end(ap);
}

static yaml_node_t *node(struct ld *l, int id)
{
	return yaml_document_get_node(l->doc, id);
}

/* The scalar text of @n, or NULL (with an error naming @what). */
static const char *scalar(struct ld *l, const yaml_node_t *n,
			  const char *what)
{
	if (n->type != YAML_SCALAR_NODE) {
		err(l, n, "%s must be a single value", what);
		return NULL;
	}
	return (const char *)n->data.scalar.value;
}

static char *dup_scalar(struct ld *l, const yaml_node_t *n, const char *what)
{
	const char *s = scalar(l, n, what);

	return s ? strdup(s) : NULL;
}

/* Walk a mapping: @fn gets each key and value; keys not in @known are
 * errors (a typo must not silently mean nothing). */
typedef void (*field_fn)(struct ld *l, const char *key, yaml_node_t *k,
			 yaml_node_t *v, void *ctx);

static void fields(struct ld *l, yaml_node_t *map, const char *what,
		   const char *const *known, field_fn fn, void *ctx)
{
	yaml_node_pair_t *p;

	if (map->type != YAML_MAPPING_NODE) {
		err(l, map, "%s must be a mapping (key: value lines)", what);
		return;
	}
	for (p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(l, p->key), *v = node(l, p->value);
		const char *ks = scalar(l, k, "a key");
		const char *const *q;
		yaml_node_pair_t *o;

		if (!ks)
			continue;
		for (o = map->data.mapping.pairs.start; o < p; o++) {
			yaml_node_t *ok = node(l, o->key);

			if (ok->type == YAML_SCALAR_NODE &&
			    !strcmp((const char *)ok->data.scalar.value, ks))
				break;
		}
		if (o < p) {
			err(l, k, "%s: '%s' given twice", what, ks);
			continue;
		}
		for (q = known; *q && strcmp(*q, ks); q++)
			;
		if (!*q) {
			char list[256] = "";

			for (q = known; *q; q++)
				snprintf(list + strlen(list),
					 sizeof(list) - strlen(list), "%s%s",
					 q == known ? "" : ", ", *q);
			err(l, k, "%s: unknown key '%s' (known: %s)", what, ks,
			    list);
			continue;
		}
		fn(l, ks, k, v, ctx);
	}
}

/* A list of values (a single value counts as a list of one). */
typedef int (*item_fn)(struct ld *l, yaml_node_t *n, const char *s, void *out);

static void list(struct ld *l, yaml_node_t *n, const char *what,
		 item_fn fn, void *out)
{
	yaml_node_item_t *i;

	if (n->type == YAML_SCALAR_NODE) {
		fn(l, n, (const char *)n->data.scalar.value, out);
		return;
	}
	if (n->type != YAML_SEQUENCE_NODE) {
		err(l, n, "%s must be a list", what);
		return;
	}
	for (i = n->data.sequence.items.start; i < n->data.sequence.items.top;
	     i++) {
		yaml_node_t *e = node(l, *i);
		const char *s = scalar(l, e, what);

		if (s)
			fn(l, e, s, out);
	}
}

struct strv {
	char ***v;
	size_t *n;
};

static int push_str(struct ld *l, yaml_node_t *n, const char *s, void *out)
{
	struct strv *sv = out;
	char **slot = GROW(*sv->v, *sv->n);

	(void)l;
	(void)n;
	if (!slot || !(*slot = strdup(s)))
		return -ENOMEM;
	return 0;
}

static void strings(struct ld *l, yaml_node_t *n, const char *what,
		    char ***v, size_t *cnt)
{
	struct strv sv = { v, cnt };

	list(l, n, what, push_str, &sv);
}

/*
 * Why @s is no interface name the kernel takes (1 to 15 bytes, not "."
 * or "..", no '/', ':' or white space), or with @glob no shell glob of
 * such names (brackets closed); NULL if it is one.
 */
static const char *ifname_problem(const char *s, int glob)
{
	size_t len = strlen(s);
	const char *c, *close;

	if (!len || !strcmp(s, ".") || !strcmp(s, ".."))
		return "is no interface name";
	if (strpbrk(s, "/: \t\n"))
		return "holds '/', ':' or white space, which no interface "
		       "name does";
	if (!glob || !strpbrk(s, "*?["))
		return len > 15 ? "is longer than an interface name (15 "
				  "bytes)" : NULL;
	for (c = s; (c = strchr(c, '[')); c = close + 1)
		/* a class: a ']' first is one of its characters */
		if (!c[1] || !(close = strchr(c + 2, ']')))
			return "opens a [class] it does not close";
	return NULL;
}

/* Interface names, or with "glob" names and globs, into a strv. */
struct ifnames {
	struct strv sv;
	int glob;
};

static int push_ifname(struct ld *l, yaml_node_t *n, const char *s, void *out)
{
	struct ifnames *in = out;
	const char *why = ifname_problem(s, in->glob);

	if (why) {
		err(l, n, "'%s' %s", s, why);
		return -1;
	}
	return push_str(l, n, s, &in->sv);
}

static void ifnames(struct ld *l, yaml_node_t *n, const char *what,
		    char ***v, size_t *cnt, int glob)
{
	struct ifnames in = { { v, cnt }, glob };

	list(l, n, what, push_ifname, &in);
}

/* A whole number in [min, max]. */
static int number(struct ld *l, yaml_node_t *n, const char *what,
		  unsigned long min, unsigned long max, uint32_t *out)
{
	const char *s = scalar(l, n, what);
	char *end;
	unsigned long v;

	if (!s)
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || errno || *s == '-' || v < min || v > max) {
		err(l, n, "%s must be a whole number from %lu to %lu, not '%s'",
		    what, min, max, s);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

static int boolean(struct ld *l, yaml_node_t *n, const char *what, int *out)
{
	const char *s = scalar(l, n, what);

	if (!s)
		return -1;
	if (!strcmp(s, "true") || !strcmp(s, "yes")) {
		*out = 1;
		return 0;
	}
	if (!strcmp(s, "false") || !strcmp(s, "no")) {
		*out = 0;
		return 0;
	}
	err(l, n, "%s must be true or false, not '%s'", what, s);
	return -1;
}

/* ---- selectors ---------------------------------------------------- */

static int push_cidr(struct ld *l, yaml_node_t *n, const char *s, void *out)
{
	struct cmon_sel *sel = out;
	struct cmon_cidr c, *slot;

	if (cmon_cidr_parse(s, &c)) {
		err(l, n, "'%s' is not an IPv4 address or CIDR (10.1.0.0/16)",
		    s);
		return -1;
	}
	slot = GROW(sel->cidrs, sel->ncidrs);
	if (!slot)
		return -ENOMEM;
	*slot = c;
	return 0;
}

static void sel_labels(struct ld *l, yaml_node_t *map, struct cmon_sel *sel)
{
	yaml_node_pair_t *p;

	if (map->type != YAML_MAPPING_NODE) {
		err(l, map, "labels must be a mapping (label: value)");
		return;
	}
	for (p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		const char *k = scalar(l, node(l, p->key), "a label");
		const char *v = scalar(l, node(l, p->value), "a label value");
		struct cmon_label *lab;

		if (!k || !v)
			continue;
		lab = GROW(sel->labels, sel->nlabels);
		if (!lab)
			return;
		lab->key = strdup(k);
		lab->value = strcmp(v, "*") ? strdup(v) : NULL;
	}
}

static const char *const sel_keys[] = { "containers", "labels", "netns",
					"cidr", NULL };

static void sel_field(struct ld *l, const char *key, yaml_node_t *k,
		      yaml_node_t *v, void *ctx)
{
	struct cmon_sel *sel = ctx;

	(void)k;
	if (!strcmp(key, "containers"))
		strings(l, v, "containers", &sel->names, &sel->nnames);
	else if (!strcmp(key, "labels"))
		sel_labels(l, v, sel);
	else if (!strcmp(key, "netns"))
		strings(l, v, "netns", &sel->netns, &sel->nnetns);
	else
		list(l, v, "cidr", push_cidr, sel);
}

static void sel_load(struct ld *l, yaml_node_t *n, const char *what,
		     struct cmon_sel *sel)
{
	fields(l, n, what, sel_keys, sel_field, sel);
	if (!sel->nnames && !sel->nlabels && !sel->nnetns && !sel->ncidrs)
		err(l, n, "%s selects nothing: give containers, labels, "
		    "netns or cidr (leave %s out to mean any)", what, what);
}

/* ---- a rule ------------------------------------------------------- */

static int push_proto(struct ld *l, yaml_node_t *n, const char *s, void *out)
{
	uint8_t *p = out;

	if (!strcmp(s, "tcp"))
		*p |= CMON_PROTO_BIT_TCP;
	else if (!strcmp(s, "udp"))
		*p |= CMON_PROTO_BIT_UDP;
	else if (!strcmp(s, "icmp"))
		*p |= CMON_PROTO_BIT_ICMP;
	else {
		err(l, n, "unknown protocol '%s' (tcp, udp or icmp)", s);
		return -1;
	}
	return 0;
}

static int push_ports(struct ld *l, yaml_node_t *n, const char *s, void *out)
{
	struct cmon_rule *r = out;
	struct cmon_port_range pr, *slot;

	if (cmon_port_range_parse(s, &pr)) {
		err(l, n, "'%s' is not a port (1-65535) or a range "
		    "(8000-8080)", s);
		return -1;
	}
	slot = GROW(r->ports, r->nports);
	if (!slot)
		return -ENOMEM;
	*slot = pr;
	return 0;
}

static const char *const select_keys[] = { "from", "to", "protocols",
					   "ports", NULL };

static void select_field(struct ld *l, const char *key, yaml_node_t *k,
			 yaml_node_t *v, void *ctx)
{
	struct cmon_rule *r = ctx;

	(void)k;
	if (!strcmp(key, "from")) {
		r->has_from = 1;
		sel_load(l, v, "from", &r->from);
	} else if (!strcmp(key, "to")) {
		r->has_to = 1;
		sel_load(l, v, "to", &r->to);
	} else if (!strcmp(key, "protocols")) {
		list(l, v, "protocols", push_proto, &r->protos);
	} else {
		list(l, v, "ports", push_ports, r);
	}
}

static int push_measure(struct ld *l, yaml_node_t *n, const char *s,
			void *out)
{
	unsigned int *m = out;

	if (!strcmp(s, "latency"))
		*m |= CMON_MEASURE_LATENCY;
	else if (!strcmp(s, "loss"))
		*m |= CMON_MEASURE_LOSS;
	else if (!strcmp(s, "throughput"))
		*m |= CMON_MEASURE_THROUGHPUT;
	else {
		err(l, n, "unknown measure '%s' (latency, loss or "
		    "throughput)", s);
		return -1;
	}
	return 0;
}

static const char *const capture_keys[] = { "file", "size_mib", "count",
					    NULL };

static void capture_field(struct ld *l, const char *key, yaml_node_t *k,
			  yaml_node_t *v, void *ctx)
{
	struct cmon_rule *r = ctx;

	(void)k;
	if (!strcmp(key, "file"))
		r->capture_file = dup_scalar(l, v, "capture file");
	else if (!strcmp(key, "size_mib"))
		number(l, v, "capture size_mib", 1, 1 << 20,
		       &r->capture_size_mib);
	else
		number(l, v, "capture count", 1, 1000, &r->capture_count);
}

static const char *const measure_keys[] = { "metrics", "sample", "capture",
					    NULL };

static void measure_field(struct ld *l, const char *key, yaml_node_t *k,
			  yaml_node_t *v, void *ctx)
{
	struct cmon_rule *r = ctx;

	(void)k;
	if (!strcmp(key, "metrics")) {
		r->measure = 0;
		list(l, v, "metrics", push_measure, &r->measure);
		if (!r->measure)
			err(l, v, "metrics lists nothing (to watch nothing "
			    "of these pairs, write ignore: true)");
	} else if (!strcmp(key, "sample")) {
		number(l, v, "sample", 1, 1u << 30, &r->sample);
	} else {
		fields(l, v, "capture", capture_keys, capture_field, r);
		if (!r->capture_file)
			err(l, v, "capture needs a file");
	}
}

static const char *const alert_keys[] = { "name", "when", "for", "severity",
					  "summary", NULL };

static void alert_field(struct ld *l, const char *key, yaml_node_t *k,
			yaml_node_t *v, void *ctx)
{
	struct cmon_alert *a = ctx;
	const char *s = scalar(l, v, key);
	char why[160];

	(void)k;
	if (!s)
		return;
	if (!strcmp(key, "name")) {
		a->name = strdup(s);
	} else if (!strcmp(key, "when")) {
		a->expr = strdup(s);
		if (cmon_alert_parse(s, a, why, sizeof(why)))
			err(l, v, "when: %s", why);
	} else if (!strcmp(key, "for")) {
		if (cmon_duration_parse(s, &a->for_s))
			err(l, v, "for: '%s' is not a duration (10s, 500ms, "
			    "2m)", s);
	} else if (!strcmp(key, "severity")) {
		a->severity = strdup(s);
	} else {
		a->summary = strdup(s);
	}
}

static void alerts_load(struct ld *l, yaml_node_t *n, struct cmon_rule *r)
{
	yaml_node_item_t *i;
	size_t j;

	if (n->type != YAML_SEQUENCE_NODE) {
		err(l, n, "alerts must be a list");
		return;
	}
	for (i = n->data.sequence.items.start; i < n->data.sequence.items.top;
	     i++) {
		yaml_node_t *e = node(l, *i);
		struct cmon_alert *a = GROW(r->alerts, r->nalerts);

		if (!a)
			return;
		a->mark = mark_of(e);
		fields(l, e, "an alert", alert_keys, alert_field, a);
		if (!a->name) {
			err(l, e, "an alert needs a name");
			continue;
		}
		if (!a->expr)
			err(l, e, "alert %s needs a condition (when: "
			    "\"loss.ratio > 1%%\")", a->name);
		if (!a->severity)
			a->severity = strdup("warning");
		for (j = 0; j + 1 < r->nalerts; j++)
			if (r->alerts[j].name &&
			    !strcmp(r->alerts[j].name, a->name))
				err(l, e, "alert name '%s' used twice in rule "
				    "%s", a->name, r->name ? r->name : "");
	}
}

static const char *const rule_keys[] = { "name", "select", "measure",
					 "alerts", "ignore", NULL };

static void rule_field(struct ld *l, const char *key, yaml_node_t *k,
		       yaml_node_t *v, void *ctx)
{
	struct cmon_rule *r = ctx;

	(void)k;
	if (!strcmp(key, "name"))
		r->name = dup_scalar(l, v, "name");
	else if (!strcmp(key, "select"))
		fields(l, v, "select", select_keys, select_field, r);
	else if (!strcmp(key, "measure"))
		fields(l, v, "measure", measure_keys, measure_field, r);
	else if (!strcmp(key, "alerts"))
		alerts_load(l, v, r);
	else
		boolean(l, v, "ignore", &r->ignore);
}

static void rules_load(struct ld *l, yaml_node_t *n, struct cmon_rules *rs)
{
	yaml_node_item_t *i;
	size_t j;

	if (n->type != YAML_SEQUENCE_NODE) {
		err(l, n, "rules must be a list (lines starting with '- ')");
		return;
	}
	for (i = n->data.sequence.items.start; i < n->data.sequence.items.top;
	     i++) {
		yaml_node_t *e = node(l, *i);
		struct cmon_rule *r = GROW(rs->rules, rs->nrules);

		if (!r)
			return;
		r->measure = CMON_MEASURE_ALL;
		r->mark = mark_of(e);
		fields(l, e, "a rule", rule_keys, rule_field, r);
		if (!r->name) {
			err(l, e, "a rule needs a name");
			continue;
		}
		if (r->ignore && (r->nalerts || r->capture_file))
			err(l, e, "rule %s ignores its pairs: it can have "
			    "no alerts and no capture", r->name);
		if (r->nports && r->sample)
			err(l, e, "rule %s has ports: it cannot set sample "
			    "(the hops sample by addresses and protocol: "
			    "give the sample to a rule without ports)",
			    r->name);
		for (j = 0; j + 1 < rs->nrules; j++)
			if (rs->rules[j].name &&
			    !strcmp(rs->rules[j].name, r->name))
				err(l, e, "rule name '%s' used twice (first "
				    "at line %u)", r->name,
				    rs->rules[j].mark.line);
	}
}

/* ---- templates ---------------------------------------------------- */

struct tpl_ctx {
	struct cmon_template *t;
	uint32_t add, drop;
	char *extends;
	yaml_node_t *extends_node;
};

static int push_hop(struct ld *l, yaml_node_t *n, const char *s, void *out)
{
	uint32_t *mask = out;
	int tp = cmon_hop_by_name(s);

	if (tp < 0) {
		err(l, n, "unknown hop '%s' (%s)", s, cmon_hop_names());
		return -1;
	}
	*mask |= 1u << tp;
	return 0;
}

static const char *const tpl_keys[] = { "template", "name", "description",
					"extends", "bridges", "overlay",
					"uplink", "ovs_bridges", "veths",
					"hops", "drop_hops", NULL };

static void tpl_field(struct ld *l, const char *key, yaml_node_t *k,
		      yaml_node_t *v, void *ctx)
{
	struct tpl_ctx *c = ctx;
	struct cmon_template *t = c->t;

	(void)k;
	if (!strcmp(key, "template") || !strcmp(key, "name")) {
		free(t->name);
		t->name = dup_scalar(l, v, key);
	} else if (!strcmp(key, "description")) {
		t->description = dup_scalar(l, v, key);
	} else if (!strcmp(key, "extends")) {
		c->extends = dup_scalar(l, v, key);
		c->extends_node = v;
	} else if (!strcmp(key, "bridges")) {
		ifnames(l, v, key, &t->bridges, &t->nbridges, 0);
	} else if (!strcmp(key, "overlay")) {
		ifnames(l, v, key, &t->overlay, &t->noverlay, 0);
	} else if (!strcmp(key, "uplink")) {
		ifnames(l, v, key, &t->uplink, &t->nuplink, 0);
	} else if (!strcmp(key, "ovs_bridges")) {
		ifnames(l, v, key, &t->ovs_bridges, &t->novs_bridges, 0);
	} else if (!strcmp(key, "veths")) {
		ifnames(l, v, key, &t->veths, &t->nveths, 1);
	} else if (!strcmp(key, "hops")) {
		list(l, v, key, push_hop, &c->add);
	} else {
		list(l, v, key, push_hop, &c->drop);
	}
}

static int find_template(struct ld *l, const char *name, yaml_node_t *at,
			 struct cmon_rules *rs);

/* Add the lists of @src to those of @dst (an extending template adds to
 * what it extends). */
static void strv_add(char ***dst, size_t *nd, char *const *src, size_t ns)
{
	char **nv;
	size_t i;

	if (!ns)
		return;
	nv = realloc(*dst, (*nd + ns) * sizeof(*nv));
	if (!nv)
		return;
	*dst = nv;
	for (i = 0; i < ns; i++)
		nv[(*nd)++] = strdup(src[i]);
}

/* Load template mapping @n into rs->templates (resolving what it
 * extends first); 0 or -1. */
static int template_load(struct ld *l, yaml_node_t *n, struct cmon_rules *rs)
{
	struct cmon_template t = { 0 }, *nv, *base = NULL;
	struct tpl_ctx c = { &t, 0, 0, NULL, NULL };
	size_t before = l->errs->n, i;

	fields(l, n, "a template", tpl_keys, tpl_field, &c);
	if (!t.name) {
		err(l, n, "a template needs a name (template: NAME)");
		goto fail;
	}
	for (i = 0; i < rs->ntemplates; i++)
		if (!strcmp(rs->templates[i].name, t.name)) {
			err(l, n, "template %s defined twice", t.name);
			goto fail;
		}
	if (c.extends) {
		int bi;

		if (!strcmp(c.extends, t.name) || l->depth >= 8) {
			err(l, c.extends_node, "template %s extends itself",
			    t.name);
			goto fail;
		}
		bi = find_template(l, c.extends, c.extends_node, rs);
		if (bi < 0)
			goto fail;
		base = &rs->templates[bi];
		strv_add(&t.bridges, &t.nbridges, base->bridges,
			 base->nbridges);
		strv_add(&t.overlay, &t.noverlay, base->overlay,
			 base->noverlay);
		strv_add(&t.uplink, &t.nuplink, base->uplink, base->nuplink);
		strv_add(&t.ovs_bridges, &t.novs_bridges, base->ovs_bridges,
			 base->novs_bridges);
		strv_add(&t.veths, &t.nveths, base->veths, base->nveths);
		t.hops = base->hops;
		if (!t.description && base->description)
			t.description = strdup(base->description);
	}
	t.hops = (t.hops | c.add) & ~c.drop;
	if (!t.hops)
		err(l, n, "template %s has no hops", t.name);
	if (l->errs->n != before)
		goto fail;
	nv = realloc(rs->templates, (rs->ntemplates + 1) * sizeof(*nv));
	if (!nv)
		goto fail;
	rs->templates = nv;
	rs->templates[rs->ntemplates++] = t;
	free(c.extends);
	return 0;
fail:
	cmon_template_clear(&t);
	free(c.extends);
	return -1;
}

static void yaml_problem(struct cmon_rules_errors *e, const char *file,
			 const yaml_parser_t *p)
{
	cmon_rules_err(e, file, (struct cmon_mark){
			(unsigned int)p->problem_mark.line + 1,
			(unsigned int)p->problem_mark.column + 1 },
		       "not valid YAML: %s%s%s",
		       p->problem ? p->problem : "cannot parse",
		       p->context ? " " : "", p->context ? p->context : "");
}

/* Template @name from the file @path (open as @f): its index in
 * rs->templates, or -1. */
static int template_file(struct ld *l, const char *name, const char *path,
			 FILE *f, struct cmon_rules *rs)
{
	struct ld sub = *l;
	yaml_parser_t p;
	yaml_document_t doc;
	yaml_node_t *root;
	int r = -1;

	yaml_parser_initialize(&p);
	yaml_parser_set_input_file(&p, f);
	if (!yaml_parser_load(&p, &doc)) {
		yaml_problem(l->errs, path, &p);
		yaml_parser_delete(&p);
		return -1;
	}
	sub.doc = &doc;
	sub.file = path;
	sub.depth++;
	root = yaml_document_get_root_node(&doc);
	if (!root) {
		cmon_rules_err(l->errs, path, (struct cmon_mark){ 0, 0 },
			       "empty template file");
	} else if (!template_load(&sub, root, rs)) {
		const char *got = rs->templates[rs->ntemplates - 1].name;

		if (!strcmp(got, name))
			r = (int)rs->ntemplates - 1;
		else
			err(&sub, root, "the file names its template %s, "
			    "not %s", got, name);
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&p);
	return r;
}

/* A template by name: one loaded already, else NAME.yaml in the template
 * directories.  Its index in rs->templates, or -1 (reported at @at). */
static int find_template(struct ld *l, const char *name, yaml_node_t *at,
			 struct cmon_rules *rs)
{
	const char *const *d;
	size_t i;

	for (i = 0; i < rs->ntemplates; i++)
		if (!strcmp(rs->templates[i].name, name))
			return (int)i;
	if (strchr(name, '/') || !*name) {
		err(l, at, "template name '%s' may not hold '/'", name);
		return -1;
	}
	for (d = l->tdirs; d && *d; d++) {
		char path[4096];
		FILE *f;
		int r;

		snprintf(path, sizeof(path), "%s/%s.yaml", *d, name);
		f = fopen(path, "r");
		if (!f)
			continue;
		r = template_file(l, name, path, f, rs);
		fclose(f);
		return r;
	}
	{
		char dirs[1024] = "";

		for (d = l->tdirs; d && *d; d++)
			snprintf(dirs + strlen(dirs), sizeof(dirs) - strlen(dirs),
				 "%s%s", d == l->tdirs ? "" : ", ", *d);
		err(l, at, "no template %s: not in this file's templates:, nor "
		    "%s.yaml in %s", name, name, *dirs ? dirs :
		    "a template directory");
	}
	return -1;
}

/* ---- the file ----------------------------------------------------- */

struct top {
	struct cmon_rules *rs;
	yaml_node_t *rules, *templates, *template, *version;
};

static const char *const top_keys[] = { "version", "template", "sample",
					"alertmanager", "templates", "rules",
					NULL };

static void top_field(struct ld *l, const char *key, yaml_node_t *k,
		      yaml_node_t *v, void *ctx)
{
	struct top *t = ctx;

	(void)k;
	if (!strcmp(key, "version"))
		t->version = v;
	else if (!strcmp(key, "template"))
		t->template = v;
	else if (!strcmp(key, "sample"))
		number(l, v, "sample", 1, 1u << 30, &t->rs->sample);
	else if (!strcmp(key, "alertmanager"))
		strings(l, v, "alertmanager", &t->rs->webhooks,
			&t->rs->nwebhooks);
	else if (!strcmp(key, "templates"))
		t->templates = v;
	else
		t->rules = v;
}

static void load_doc(struct ld *l, yaml_node_t *root, struct cmon_rules *rs)
{
	struct top t = { rs, NULL, NULL, NULL, NULL };
	yaml_node_item_t *i;
	uint32_t ver;
	size_t j;

	fields(l, root, "the rule file", top_keys, top_field, &t);
	if (!t.version)
		err(l, root, "the rule file needs 'version: %d'",
		    CMON_RULES_VERSION);
	else if (!number(l, t.version, "version", 0, 1u << 30, &ver) &&
		 ver != CMON_RULES_VERSION)
		err(l, t.version, "version %u: this cmon reads version %d",
		    ver, CMON_RULES_VERSION);
	if (t.templates) {
		if (t.templates->type != YAML_SEQUENCE_NODE)
			err(l, t.templates, "templates must be a list");
		else
			for (i = t.templates->data.sequence.items.start;
			     i < t.templates->data.sequence.items.top; i++)
				template_load(l, node(l, *i), rs);
	}
	rs->template = t.template ? dup_scalar(l, t.template, "template")
				  : strdup("docker-bridge");
	if (rs->template &&
	    find_template(l, rs->template, t.template ? t.template : root,
			  rs) >= 0) {
		/* keep only the template in force first, then its bases */
		for (j = 0; j < rs->ntemplates; j++)
			if (!strcmp(rs->templates[j].name, rs->template))
				break;
		if (j) {
			struct cmon_template x = rs->templates[j];

			memmove(&rs->templates[1], &rs->templates[0],
				j * sizeof(x));
			rs->templates[0] = x;
		}
	}
	if (t.rules)
		rules_load(l, t.rules, rs);
	for (j = 0; j < rs->nrules; j++) {
		struct cmon_rule *r = &rs->rules[j];
		size_t a;

		for (a = 0; a < r->nalerts; a++)
			if ((r->alerts[a].metric == CMON_M_SEG_P50 ||
			     r->alerts[a].metric == CMON_M_SEG_P99) &&
			    rs->ntemplates &&
			    (!(rs->templates[0].hops &
			       1u << r->alerts[a].seg_from) ||
			     !(rs->templates[0].hops &
			       1u << r->alerts[a].seg_to)))
				cmon_rules_err(l->errs, l->file,
					       r->alerts[a].mark,
					       "alert %s: template %s has no "
					       "such segment", r->alerts[a].name,
					       rs->templates[0].name);
	}
}

struct cmon_rules *cmon_rules_load_text(const char *name, const char *text,
					size_t len, const char *const *tdirs,
					struct cmon_rules_errors *errs)
{
	struct cmon_rules *rs = calloc(1, sizeof(*rs));
	struct ld l = { NULL, name, errs, tdirs, 0 };
	yaml_parser_t p;
	yaml_document_t doc;
	yaml_node_t *root;
	size_t before = errs->n;

	if (!rs)
		return NULL;
	rs->sample = 64;
	rs->source = strdup(name);
	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	if (!yaml_parser_load(&p, &doc)) {
		yaml_problem(errs, name, &p);
		yaml_parser_delete(&p);
		cmon_rules_free(rs);
		return NULL;
	}
	l.doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (!root)
		cmon_rules_err(errs, name, (struct cmon_mark){ 0, 0 },
			       "the rule file is empty");
	else
		load_doc(&l, root, rs);
	yaml_document_delete(&doc);
	yaml_parser_delete(&p);
	if (errs->n != before || cmon_rules_seal(rs)) {
		cmon_rules_free(rs);
		return NULL;
	}
	return rs;
}

struct cmon_rules *cmon_rules_load(const char *path, const char *const *tdirs,
				   struct cmon_rules_errors *errs)
{
	struct cmon_rules *rs;
	char *text = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "r");

	if (f) {
		FILE *m = open_memstream(&text, &len);
		char buf[8192];
		size_t n;

		while (m && (n = fread(buf, 1, sizeof(buf), f)) > 0)
			fwrite(buf, 1, n, m);
		if (m)
			fclose(m);
		if (ferror(f)) {
			free(text);
			text = NULL;
		}
		fclose(f);
	}
	if (!text) {
		cmon_rules_err(errs, path, (struct cmon_mark){ 0, 0 },
			       "cannot read: %s", strerror(errno));
		return NULL;
	}
	rs = cmon_rules_load_text(path, text, len, tdirs, errs);
	free(text);
	return rs;
}

void cmon_rules_errors_free(struct cmon_rules_errors *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		free(e->msg[i]);
	free(e->msg);
	e->msg = NULL;
	e->n = 0;
}
