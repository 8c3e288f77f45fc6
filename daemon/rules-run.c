// SPDX-License-Identifier: BSD-2-Clause
/* The daemon's monitoring rules: see rules-run.h. */
#define _GNU_SOURCE
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "alertmanager.h"
#include "alerts.h"
#include "clock.h"
#include "etcd.h"
#include "log.h"
#include "rules-run.h"
#include "rules.h"

#ifndef CMON_TEMPLATE_DIR
#define CMON_TEMPLATE_DIR "/usr/local/share/cmon/templates"
#endif

struct cmon_rules_run {
	char *file, *tdir_rel;		/* file: NULL without --rules */
	const char *tdirs[3];
	const char *node;
	struct cmon_etcd *etcd;		/* NULL without --etcd */
	char *etcd_url;
	char *origin;			/* what the rules in force came from */
	struct cmon_rules *rules;	/* NULL: none (yet) */
	struct cmon_alerter *alerter;
	struct cmon_am *am;
	struct stat seen;		/* the file as last loaded or refused */
	char error[512];		/* the last refusal, or "" */
	char published[600];		/* revision and error last in etcd */
	uint64_t reloads, refused;
	struct cmon_view_alert *valerts;	/* of the last evaluation */
	unsigned int nvalerts;
	struct cmon_view_pair_rule *pairs;	/* per pair: for the view */
	int *rule_of;			/* per pair: its rule, or -1 */
	int *sample_of;			/* per pair: the rule its addresses
					 * are sampled by (a rule without
					 * ports), or -1 */
	unsigned int npairs_cap;
};

/* Name, namespace and labels of a container, for the rules' selectors:
 * the runtime's name and labels, or with namespace discovery alone the
 * namespace's name. */
static void endpoint(void *ctx, uint32_t addr, struct cmon_endpoint_info *out)
{
	const struct cmon_names *n = ctx;
	const struct cmon_ct_meta *m = n && n->meta ? n->meta(n->ctx, addr) :
						      NULL;

	out->name = n ? n->ip(n->ctx, addr) : NULL;
	out->netns = m ? NULL : out->name;
	out->labels = m ? m->labels : NULL;
	out->nlabels = m ? m->nlabels : 0;
}

/* Rules from @origin refused: say why (at start on stderr), keep those
 * in force; -1. */
static int refuse(struct cmon_rules_run *r, const char *origin,
		  struct cmon_rules_errors *e, int first)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		if (first)
			fprintf(stderr, "%s\n", e->msg[i]);
		else
			cmon_warn("rules: %s", e->msg[i]);
	snprintf(r->error, sizeof(r->error), "%s%s (%zu error(s); the rules "
		 "in force stay)", e->n ? e->msg[0] : origin,
		 e->n > 1 ? " and more" : "", e->n);
	cmon_rules_errors_free(e);
	r->refused++;
	return -1;
}

/* Put @nr (from @origin) in force; 0, or -1 if its Alertmanager cannot
 * be used at start. */
static int apply(struct cmon_rules_run *r, struct cmon_rules *nr,
		 const char *origin, int first)
{
	char *o = strdup(origin);

	if (nr->nwebhooks && !r->am) {
		r->am = cmon_am_start(nr->webhooks, nr->nwebhooks);
		if (!r->am && first) {
			cmon_rules_free(nr);
			free(o);
			return -1;
		}
	}
	if (!first)
		r->reloads++;
	cmon_info("rules: %s, revision %s: %zu rule(s), template %s%s",
		  origin, nr->revision, nr->nrules, nr->template,
		  first ? "" : " (applied)");
	cmon_rules_free(r->rules);
	r->rules = nr;
	free(r->origin);
	r->origin = o;
	r->error[0] = 0;
	return 0;
}

/* Load the file: 0, or -1 with its errors in r->error (and logged). */
static int load(struct cmon_rules_run *r, int first)
{
	struct cmon_rules_errors e = { 0 };
	struct cmon_rules *nr = cmon_rules_load(r->file, r->tdirs, &e);

	return nr ? apply(r, nr, r->file, first) : refuse(r, r->file, &e, first);
}

/* Standard rules from etcd ("" when the key was deleted: the file's, if
 * any, are the default again). */
static void from_etcd(struct cmon_rules_run *r, const char *text,
		      const char *url)
{
	struct cmon_rules_errors e = { 0 };
	struct cmon_rules *nr;
	char origin[512];

	if (!*text) {
		cmon_info("rules: none published in etcd");
		if (r->file)
			load(r, 0);
		return;
	}
	nr = cmon_rules_parse_std(text, &e);
	snprintf(origin, sizeof(origin), "etcd %s (from %s)", url,
		 nr ? nr->source : "?");
	if (nr)
		apply(r, nr, origin, 0);
	else
		refuse(r, "etcd", &e, 0);
}

/* This node's status in etcd: what it applied, or why not. */
static void publish(struct cmon_rules_run *r, const struct cmon_view_rules *v,
		    unsigned int npairs, double now, const char *url)
{
	unsigned int i, firing = 0;
	char *s = NULL, key[sizeof(r->published)];
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return;
	for (i = 0; i < v->nalerts; i++)
		firing += !strcmp(v->alerts[i].state, "firing");
	fputs("{\"node\":", f);
	cmon_json_str(f, r->node ? r->node : "");
	fputs(",\"url\":", f);
	if (url)
		cmon_json_str(f, url);
	else
		fputs("null", f);
	fputs(",\"revision\":", f);
	if (v->revision)
		cmon_json_str(f, v->revision);
	else
		fputs("null", f);
	fputs(",\"error\":", f);
	if (v->error)
		cmon_json_str(f, v->error);
	else
		fputs("null", f);
	fprintf(f, ",\"pairs\":%u,\"alerts_firing\":%u,\"time\":%.3f}",
		npairs, firing, now);
	fclose(f);
	/* what it applied, or why not, goes out at once */
	snprintf(key, sizeof(key), "%s|%s", v->revision ? v->revision : "",
		 v->error ? v->error : "");
	cmon_etcd_set_status(r->etcd, s, strcmp(key, r->published) != 0);
	memcpy(r->published, key, sizeof(key));
	free(s);
}

struct cmon_rules_run *cmon_rules_run_start(const char *file,
					    const char *etcd_url,
					    const struct cmon_etcd_login *login,
					    const char *node, double lease_s)
{
	struct cmon_rules_run *r = calloc(1, sizeof(*r));
	char *dir = NULL;

	if (!r || !(r->alerter = cmon_alerter_create()) ||
	    (file && (!(r->file = strdup(file)) || !(dir = strdup(file))))) {
		cmon_err("rules: out of memory");
		cmon_rules_run_stop(r);
		return NULL;
	}
	if (dir && asprintf(&r->tdir_rel, "%s/../templates", dirname(dir)) < 0)
		r->tdir_rel = NULL;
	free(dir);
	r->tdirs[0] = r->tdir_rel ? r->tdir_rel : CMON_TEMPLATE_DIR;
	r->tdirs[1] = r->tdir_rel ? CMON_TEMPLATE_DIR : NULL;
	r->node = node;
	if (file) {
		stat(file, &r->seen);
		if (load(r, 1)) {
			cmon_err("--rules %s: %s", file, r->error);
			cmon_rules_run_stop(r);
			return NULL;
		}
	}
	if (etcd_url) {
		struct cmon_etcd_opts eo = { etcd_url, NULL, node, lease_s,
					     *login };
		struct cmon_view_rules v = {
			.source = r->origin,
			.revision = r->rules ? r->rules->revision : NULL };

		r->etcd_url = strdup(etcd_url);
		r->etcd = r->etcd_url ? cmon_etcd_start(&eo) : NULL;
		if (!r->etcd) {
			cmon_rules_run_stop(r);
			return NULL;
		}
		/* registered from the start, before the first interval */
		publish(r, &v, 0, cmon_time_wall(), NULL);
	}
	return r;
}

int cmon_rules_run_check(struct cmon_rules_run *r)
{
	const struct cmon_rules *before = r->rules;
	struct stat st;
	char *text;

	if (r->etcd && (text = cmon_etcd_take_rules(r->etcd))) {
		from_etcd(r, text, r->etcd_url);
		free(text);
	}
	/* the file is the default until etcd has rules */
	if (!r->file || (r->etcd && r->origin && strcmp(r->origin, r->file)))
		return r->rules != before;
	if (stat(r->file, &st)) {
		if (!r->error[0])
			cmon_warn("rules: %s: %m (the rules in force stay)",
				  r->file);
		snprintf(r->error, sizeof(r->error), "%s: %m (the rules in "
			 "force stay)", r->file);
		return r->rules != before;
	}
	if (st.st_mtim.tv_sec != r->seen.st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != r->seen.st_mtim.tv_nsec ||
	    st.st_size != r->seen.st_size || st.st_ino != r->seen.st_ino) {
		r->seen = st;
		load(r, 0);
	}
	return r->rules != before;
}

const struct cmon_rules *cmon_rules_run_rules(const struct cmon_rules_run *r)
{
	return r->rules;
}

const struct cmon_template *cmon_rules_run_template(const struct cmon_rules_run *r)
{
	return r->rules && r->rules->ntemplates ? &r->rules->templates[0] :
						  NULL;
}

/* Room for @np pairs: 1, or 0 if there is none. */
static int room(struct cmon_rules_run *r, unsigned int np)
{
	struct cmon_view_pair_rule *pr;
	int *ro, *so;

	if (np <= r->npairs_cap)
		return 1;
	pr = realloc(r->pairs, np * sizeof(*pr));
	if (!pr)
		return 0;
	r->pairs = pr;
	ro = realloc(r->rule_of, np * sizeof(*ro));
	if (!ro)
		return 0;
	r->rule_of = ro;
	so = realloc(r->sample_of, np * sizeof(*so));
	if (!so)
		return 0;
	r->sample_of = so;
	r->npairs_cap = np;
	return 1;
}

_Static_assert(CMON_MEASURE_LATENCY == CMON_VIEW_LATENCY &&
	       CMON_MEASURE_LOSS == CMON_VIEW_LOSS &&
	       CMON_MEASURE_THROUGHPUT == CMON_VIEW_THROUGHPUT,
	       "a rule's measure is the view's metrics");

/*
 * @out from each of the @np pairs of @agg: its rule (r->rule_of), the
 * rule of its addresses' sampling (the hops sample by addresses and
 * protocol, so a rule with ports sets none) and the alerts of the last
 * evaluation; this node's status to etcd.
 */
static void fill(struct cmon_rules_run *r, const struct cmon_agg *agg,
		 unsigned int np, int sampling, double now, const char *url,
		 const struct cmon_names *names, struct cmon_view_rules *out)
{
	unsigned int i;

	for (i = 0; i < np; i++) {
		const struct cmon_pair_stats *p = cmon_agg_pair(agg, i);

		r->sample_of[i] = !p->port ? r->rule_of[i] :
			cmon_rules_pair(r->rules, p, 0, endpoint,
					(void *)names);
	}
	for (i = 0; i < np; i++) {
		const struct cmon_rule *rule = r->rule_of[i] >= 0 ?
			&r->rules->rules[r->rule_of[i]] : NULL;
		const struct cmon_rule *srule = r->sample_of[i] >= 0 ?
			&r->rules->rules[r->sample_of[i]] : NULL;

		r->pairs[i] = (struct cmon_view_pair_rule){
			rule ? rule->name : NULL,
			!sampling || !r->rules ? 0 :
			srule && srule->sample ? srule->sample :
			r->rules->sample,
			rule && rule->ignore,
			rule ? rule->capture_file : NULL,
			rule ? rule->capture_size_mib : 0,
			rule && rule->capture_count ? rule->capture_count : 4,
			rule ? (uint8_t)rule->measure : 0 };
	}
	*out = (struct cmon_view_rules){
		r->origin, r->rules ? r->rules->revision : NULL,
		r->error[0] ? r->error : NULL,
		r->etcd && !cmon_etcd_connected(r->etcd),
		r->valerts, r->nvalerts, cmon_alerter_overflow(r->alerter),
		sampling && r->rules ? r->rules->sample : 0, r->pairs, np };
	if (r->etcd)
		publish(r, out, np, now, url);
}

void cmon_rules_run_apply(struct cmon_rules_run *r, const struct cmon_agg *agg,
			  const struct cmon_names *names, const char *url,
			  int sampling, struct cmon_view_rules *out)
{
	unsigned int i, np = cmon_agg_npairs(agg);

	if (!room(r, np))
		np = 0;
	for (i = 0; i < np; i++)
		r->rule_of[i] = cmon_rules_pair(r->rules, cmon_agg_pair(agg, i),
						cmon_agg_pair(agg, i)->port,
						endpoint, (void *)names);
	fill(r, agg, np, sampling, cmon_time_wall(), url, names, out);
}

void cmon_rules_run_tick(struct cmon_rules_run *r, const struct cmon_agg *agg,
			 const struct cmon_names *names, double now,
			 const char *url, int sampling,
			 struct cmon_view_rules *out)
{
	unsigned int np = cmon_agg_npairs(agg);
	int fits = room(r, np);
	size_t i, n;
	char *body;

	cmon_alerter_eval(r->alerter, r->rules, agg, endpoint, (void *)names,
			  now, fits ? r->rule_of : NULL);
	body = cmon_alerter_am_body(r->alerter, now, CMON_AM_RESEND_S,
				    r->node, endpoint, (void *)names, url);
	if (body)
		cmon_am_push(r->am, body);
	n = cmon_alerter_count(r->alerter);
	free(r->valerts);
	r->valerts = calloc(n + 1, sizeof(*r->valerts));
	r->nvalerts = r->valerts ? (unsigned int)n : 0;
	for (i = 0; i < r->nvalerts; i++) {
		const struct cmon_alert_inst *x = cmon_alerter_get(r->alerter, i);

		r->valerts[i] = (struct cmon_view_alert){
			x->rule, x->alert, cmon_alert_state_name(x->state),
			x->severity, x->expr, x->summary, x->saddr, x->daddr,
			x->proto, x->port, x->value, x->active_at, x->fired_at,
			x->resolved_at };
	}
	fill(r, agg, fits ? np : 0, sampling, now, url, names, out);
}

unsigned int cmon_rules_run_counters(struct cmon_rules_run *r,
				     struct cmon_counter *out)
{
	struct cmon_am_stats st;

	cmon_am_stats(r->am, &st);
	out[0] = (struct cmon_counter){ "rules_reloads", r->reloads, 0 };
	out[1] = (struct cmon_counter){ "rules_refused", r->refused, 0 };
	out[2] = (struct cmon_counter){ "alerts_sent", st.sent, 0 };
	out[3] = (struct cmon_counter){ "alerts_send_failed", st.failed, 0 };
	out[4] = (struct cmon_counter){ "alerts_dropped",
		st.dropped + cmon_alerter_overflow(r->alerter), 0 };
	return CMON_RULES_RUN_NCOUNTERS;
}

void cmon_rules_run_stop(struct cmon_rules_run *r)
{
	if (!r)
		return;
	cmon_etcd_stop(r->etcd);
	cmon_am_stop(r->am, 2);
	cmon_alerter_destroy(r->alerter);
	cmon_rules_free(r->rules);
	free(r->valerts);
	free(r->pairs);
	free(r->rule_of);
	free(r->sample_of);
	free(r->tdir_rel);
	free(r->file);
	free(r->origin);
	free(r->etcd_url);
	free(r);
}
