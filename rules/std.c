// SPDX-License-Identifier: BSD-2-Clause
/*
 * Standard rules: the canonical JSON document a rule file compiles to and
 * every node applies (schema: doc/api/rules.schema.json).  Keys sorted,
 * no spaces, reals to 15 significant digits: the same rules give the same
 * bytes, and their revision is a digest of them (the rule file's name,
 * which the document also holds, left out).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "agg.h"
#include "rules-int.h"

#define DUMP_FLAGS (JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(15))

static const char *const measure_names[] = { "latency", "loss",
					     "throughput" };
static const char *const op_names[] = { [CMON_OP_GT] = ">",
					[CMON_OP_GE] = ">=",
					[CMON_OP_LT] = "<",
					[CMON_OP_LE] = "<=" };

static json_t *strv_json(char *const *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static json_t *sel_json(int has, const struct cmon_sel *s)
{
	json_t *o, *labels, *cidrs;
	size_t i;

	if (!has)
		return json_null();
	labels = json_object();
	for (i = 0; i < s->nlabels; i++)
		json_object_set_new(labels, s->labels[i].key,
				    s->labels[i].value ?
				    json_string(s->labels[i].value) :
				    json_null());
	cidrs = json_array();
	for (i = 0; i < s->ncidrs; i++) {
		char a[INET_ADDRSTRLEN], buf[INET_ADDRSTRLEN + 4];

		inet_ntop(AF_INET, &s->cidrs[i].addr, a, sizeof(a));
		snprintf(buf, sizeof(buf), "%s/%u", a, s->cidrs[i].prefix);
		json_array_append_new(cidrs, json_string(buf));
	}
	o = json_object();
	json_object_set_new(o, "containers", strv_json(s->names, s->nnames));
	json_object_set_new(o, "labels", labels);
	json_object_set_new(o, "netns", strv_json(s->netns, s->nnetns));
	json_object_set_new(o, "cidr", cidrs);
	return o;
}

static json_t *hops_json(uint32_t hops)
{
	json_t *a = json_array();
	int tp;

	for (tp = 0; tp < CMON_TP_MAX; tp++)
		if (hops & 1u << tp)
			json_array_append_new(a,
				json_string(cmon_tp_name((uint8_t)tp)));
	return a;
}

static json_t *alert_json(const struct cmon_alert *a)
{
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(a->name));
	json_object_set_new(o, "expr", json_string(a->expr));
	json_object_set_new(o, "metric", json_string(cmon_metric_name(a->metric)));
	json_object_set_new(o, "segment",
			    a->metric == CMON_M_SEG_P50 ||
			    a->metric == CMON_M_SEG_P99 ?
			    json_pack("[ss]", cmon_tp_name(a->seg_from),
				      cmon_tp_name(a->seg_to)) : json_null());
	json_object_set_new(o, "op", json_string(op_names[a->op]));
	json_object_set_new(o, "value", json_real(a->value));
	json_object_set_new(o, "for_s", json_real(a->for_s));
	json_object_set_new(o, "severity", json_string(a->severity));
	json_object_set_new(o, "summary", a->summary ?
			    json_string(a->summary) : json_null());
	return o;
}

static json_t *rule_json(const struct cmon_rules *rs, size_t i)
{
	const struct cmon_rule *r = &rs->rules[i];
	json_t *o = json_object(), *ports = json_array(), *protos, *meas,
	       *alerts = json_array();
	size_t j;

	protos = json_array();
	if (r->protos & CMON_PROTO_BIT_ICMP)
		json_array_append_new(protos, json_string("icmp"));
	if (r->protos & CMON_PROTO_BIT_TCP)
		json_array_append_new(protos, json_string("tcp"));
	if (r->protos & CMON_PROTO_BIT_UDP)
		json_array_append_new(protos, json_string("udp"));
	for (j = 0; j < r->nports; j++)
		json_array_append_new(ports, json_pack("[ii]", r->ports[j].lo,
						       r->ports[j].hi));
	meas = json_array();
	for (j = 0; j < 3; j++)
		if (r->measure & 1u << j)
			json_array_append_new(meas,
					      json_string(measure_names[j]));
	for (j = 0; j < r->nalerts; j++)
		json_array_append_new(alerts, alert_json(&r->alerts[j]));
	json_object_set_new(o, "name", json_string(r->name));
	json_object_set_new(o, "order", json_integer((json_int_t)i));
	json_object_set_new(o, "specificity",
			    json_integer(cmon_rule_specificity(r)));
	json_object_set_new(o, "ignore", json_boolean(r->ignore));
	json_object_set_new(o, "from", sel_json(r->has_from, &r->from));
	json_object_set_new(o, "to", sel_json(r->has_to, &r->to));
	json_object_set_new(o, "protocols", protos);
	json_object_set_new(o, "ports", ports);
	json_object_set_new(o, "sample",
			    json_integer(r->sample ? r->sample : rs->sample));
	json_object_set_new(o, "measure", meas);
	json_object_set_new(o, "capture", r->capture_file ?
			    json_pack("{s:s,s:i,s:i}", "file", r->capture_file,
				      "size_mib", (int)r->capture_size_mib,
				      "count", r->capture_count ?
				      (int)r->capture_count : 4) :
			    json_null());
	json_object_set_new(o, "alerts", alerts);
	return o;
}

/* The document; with @meta the source and revision too. */
static json_t *doc_json(const struct cmon_rules *rs, int meta)
{
	const struct cmon_template *t = &rs->templates[0];
	json_t *o = json_object(), *tpl = json_object(), *rules = json_array();
	size_t i;

	json_object_set_new(tpl, "name", json_string(t->name));
	json_object_set_new(tpl, "description", t->description ?
			    json_string(t->description) : json_null());
	json_object_set_new(tpl, "bridges", strv_json(t->bridges, t->nbridges));
	json_object_set_new(tpl, "overlay", strv_json(t->overlay, t->noverlay));
	json_object_set_new(tpl, "uplink", strv_json(t->uplink, t->nuplink));
	json_object_set_new(tpl, "veths", strv_json(t->veths, t->nveths));
	json_object_set_new(tpl, "ovs_bridges",
			    strv_json(t->ovs_bridges, t->novs_bridges));
	json_object_set_new(tpl, "hops", hops_json(t->hops));
	for (i = 0; i < rs->nrules; i++)
		json_array_append_new(rules, rule_json(rs, i));
	json_object_set_new(o, "kind", json_string("cmon-rules"));
	json_object_set_new(o, "version", json_integer(CMON_RULES_VERSION));
	json_object_set_new(o, "sample", json_integer(rs->sample));
	json_object_set_new(o, "template", tpl);
	json_object_set_new(o, "alertmanager",
			    strv_json(rs->webhooks, rs->nwebhooks));
	json_object_set_new(o, "rules", rules);
	if (meta) {
		json_object_set_new(o, "source", json_string(rs->source));
		json_object_set_new(o, "revision", json_string(rs->revision));
	}
	return o;
}

/* FNV-1a, 64 bits: a digest to tell revisions apart, not a signature. */
static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ULL;
	return h;
}

int cmon_rules_seal(struct cmon_rules *r)
{
	json_t *o;
	char *s;

	if (!r->ntemplates)
		return -EINVAL;
	o = doc_json(r, 0);
	s = o ? json_dumps(o, DUMP_FLAGS) : NULL;
	json_decref(o);
	if (!s)
		return -ENOMEM;
	snprintf(r->revision, sizeof(r->revision), "%016llx",
		 (unsigned long long)fnv1a(s));
	free(s);
	return 0;
}

char *cmon_rules_compile(const struct cmon_rules *r)
{
	json_t *o = doc_json(r, 1);
	char *s = o ? json_dumps(o, DUMP_FLAGS) : NULL;

	json_decref(o);
	return s;
}

/* ---- back from JSON (a node reading what was published) ------------ */

struct rd {
	struct cmon_rules_errors *errs;
	int bad;
};

static void bad(struct rd *d, const char *what)
{
	if (!d->bad++)
		cmon_rules_err(d->errs, "standard rules",
			       (struct cmon_mark){ 0, 0 }, "%s", what);
}

static void strv_read(struct rd *d, json_t *a, char ***v, size_t *n)
{
	size_t i;
	json_t *e;

	if (!json_is_array(a)) {
		bad(d, "a list is not one");
		return;
	}
	*v = calloc(json_array_size(a) + 1, sizeof(**v));
	json_array_foreach(a, i, e) {
		if (!json_is_string(e)) {
			bad(d, "a list holds a non-string");
			return;
		}
		(*v)[(*n)++] = strdup(json_string_value(e));
	}
}

static int sel_read(struct rd *d, json_t *o, struct cmon_sel *s)
{
	const char *k;
	json_t *v, *a;
	size_t i;

	if (json_is_null(o))
		return 0;
	if (!json_is_object(o)) {
		bad(d, "a selector is not an object");
		return 0;
	}
	strv_read(d, json_object_get(o, "containers"), &s->names, &s->nnames);
	strv_read(d, json_object_get(o, "netns"), &s->netns, &s->nnetns);
	v = json_object_get(o, "labels");
	if (json_is_object(v)) {
		s->labels = calloc(json_object_size(v) + 1,
				   sizeof(*s->labels));
		json_object_foreach(v, k, a) {
			s->labels[s->nlabels].key = strdup(k);
			s->labels[s->nlabels].value = json_is_string(a) ?
				strdup(json_string_value(a)) : NULL;
			s->nlabels++;
		}
	}
	a = json_object_get(o, "cidr");
	s->cidrs = calloc(json_array_size(a) + 1, sizeof(*s->cidrs));
	json_array_foreach(a, i, v)
		if (!json_is_string(v) ||
		    cmon_cidr_parse(json_string_value(v),
				    &s->cidrs[s->ncidrs++]))
			bad(d, "a cidr is not one");
	return 1;
}

static void alert_read(struct rd *d, json_t *o, struct cmon_alert *a)
{
	const char *name = NULL, *expr = NULL, *sev = NULL, *sum;
	json_t *jsum = NULL;
	double for_s = 0;
	char why[160];

	if (json_unpack(o, "{s:s,s:s,s:F,s:s,s?o}", "name", &name, "expr",
			&expr, "for_s", &for_s, "severity", &sev, "summary",
			&jsum)) {
		bad(d, "an alert lacks name, expr, for_s or severity");
		return;
	}
	a->name = strdup(name);
	a->expr = strdup(expr);
	a->severity = strdup(sev);
	sum = json_string_value(jsum);
	a->summary = sum ? strdup(sum) : NULL;
	a->for_s = for_s;
	/* the condition as written is the truth; metric, op and value are
	 * there for readers that do not parse it */
	if (cmon_alert_parse(expr, a, why, sizeof(why)))
		bad(d, why);
}

static void rule_read(struct rd *d, const struct cmon_rules *rs, json_t *o,
		      struct cmon_rule *r)
{
	json_t *v, *e;
	size_t i;
	int ig = 0;
	json_int_t sample = 0;

	if (json_unpack(o, "{s:s,s:b,s:I}", "name", &(const char *){ NULL },
			"ignore", &ig, "sample", &sample)) {
		bad(d, "a rule lacks name, ignore or sample");
		return;
	}
	r->name = strdup(json_string_value(json_object_get(o, "name")));
	r->ignore = ig;
	r->sample = sample > 0 && sample != rs->sample ? (uint32_t)sample : 0;
	r->has_from = sel_read(d, json_object_get(o, "from"), &r->from);
	r->has_to = sel_read(d, json_object_get(o, "to"), &r->to);
	json_array_foreach(json_object_get(o, "protocols"), i, v) {
		const char *p = json_string_value(v);

		r->protos |= !p ? 0 : !strcmp(p, "tcp") ? CMON_PROTO_BIT_TCP :
			     !strcmp(p, "udp") ? CMON_PROTO_BIT_UDP :
			     !strcmp(p, "icmp") ? CMON_PROTO_BIT_ICMP : 0;
	}
	v = json_object_get(o, "ports");
	r->ports = calloc(json_array_size(v) + 1, sizeof(*r->ports));
	json_array_foreach(v, i, e) {
		json_int_t lo, hi;

		if (json_unpack(e, "[II]", &lo, &hi) || lo < 1 || hi > 65535 ||
		    lo > hi) {
			bad(d, "a port range is not one");
			continue;
		}
		r->ports[r->nports++] = (struct cmon_port_range){
			(uint16_t)lo, (uint16_t)hi };
	}
	if (r->nports && r->sample)
		bad(d, "a rule with ports has a sample of its own");
	json_array_foreach(json_object_get(o, "measure"), i, v)
		for (size_t j = 0; j < 3; j++)
			if (json_is_string(v) &&
			    !strcmp(json_string_value(v), measure_names[j]))
				r->measure |= 1u << j;
	v = json_object_get(o, "capture");
	if (json_is_object(v)) {
		const char *file = NULL;
		int size = 0, count = 0;

		if (json_unpack(v, "{s:s,s:i,s:i}", "file", &file, "size_mib",
				&size, "count", &count))
			bad(d, "a capture lacks file, size_mib or count");
		else {
			r->capture_file = strdup(file);
			r->capture_size_mib = (uint32_t)size;
			r->capture_count = (uint32_t)count;
		}
	}
	v = json_object_get(o, "alerts");
	r->alerts = calloc(json_array_size(v) + 1, sizeof(*r->alerts));
	json_array_foreach(v, i, e)
		alert_read(d, e, &r->alerts[r->nalerts++]);
}

struct cmon_rules *cmon_rules_parse_std(const char *text,
					struct cmon_rules_errors *errs)
{
	struct rd d = { errs, 0 };
	struct cmon_rules *rs;
	struct cmon_template *t;
	json_error_t je;
	json_t *o, *tpl, *v, *e;
	json_int_t ver = 0, sample = 0;
	const char *kind = NULL, *source = NULL, *rev = NULL, *name = NULL;
	size_t i;

	o = json_loads(text, 0, &je);
	if (!o) {
		cmon_rules_err(errs, "standard rules",
			       (struct cmon_mark){ (unsigned int)je.line,
						   (unsigned int)je.column },
			       "not JSON: %s", je.text);
		return NULL;
	}
	if (json_unpack(o, "{s:s,s:I}", "kind", &kind, "version", &ver) ||
	    strcmp(kind, "cmon-rules")) {
		cmon_rules_err(errs, "standard rules", (struct cmon_mark){ 0, 0 },
			       "not a cmon-rules document");
		json_decref(o);
		return NULL;
	}
	if (ver != CMON_RULES_VERSION) {
		cmon_rules_err(errs, "standard rules", (struct cmon_mark){ 0, 0 },
			       "version %lld: this cmon applies version %d",
			       (long long)ver, CMON_RULES_VERSION);
		json_decref(o);
		return NULL;
	}
	rs = calloc(1, sizeof(*rs));
	t = calloc(1, sizeof(*t));
	if (!rs || !t || json_unpack(o, "{s:I,s:s,s:s,s:o}", "sample", &sample,
				     "source", &source, "revision", &rev,
				     "template", &tpl) ||
	    sample < 1 || json_unpack(tpl, "{s:s}", "name", &name)) {
		bad(&d, "sample, source, revision or template missing");
		free(t);
		goto out;
	}
	rs->templates = t;
	rs->ntemplates = 1;
	rs->sample = (uint32_t)sample;
	rs->source = strdup(source);
	t->name = strdup(name);
	rs->template = strdup(name);
	v = json_object_get(tpl, "description");
	t->description = json_is_string(v) ? strdup(json_string_value(v)) : NULL;
	strv_read(&d, json_object_get(tpl, "bridges"), &t->bridges, &t->nbridges);
	strv_read(&d, json_object_get(tpl, "overlay"), &t->overlay, &t->noverlay);
	strv_read(&d, json_object_get(tpl, "uplink"), &t->uplink, &t->nuplink);
	strv_read(&d, json_object_get(tpl, "veths"), &t->veths, &t->nveths);
	strv_read(&d, json_object_get(tpl, "ovs_bridges"), &t->ovs_bridges,
		  &t->novs_bridges);
	json_array_foreach(json_object_get(tpl, "hops"), i, v) {
		int tp = json_is_string(v) ?
			 cmon_hop_by_name(json_string_value(v)) : -1;

		if (tp < 0)
			bad(&d, "an unknown hop in the template");
		else
			t->hops |= 1u << tp;
	}
	strv_read(&d, json_object_get(o, "alertmanager"), &rs->webhooks,
		  &rs->nwebhooks);
	v = json_object_get(o, "rules");
	if (!json_is_array(v)) {
		bad(&d, "no rules list");
		goto out;
	}
	rs->rules = calloc(json_array_size(v) + 1, sizeof(*rs->rules));
	json_array_foreach(v, i, e)
		rule_read(&d, rs, e, &rs->rules[rs->nrules++]);
	if (!d.bad && !cmon_rules_seal(rs) && strcmp(rs->revision, rev))
		bad(&d, "its revision does not match its content (changed "
		    "after it was compiled?)");
out:
	json_decref(o);
	if (d.bad) {
		cmon_rules_free(rs);
		return NULL;
	}
	return rs;
}
