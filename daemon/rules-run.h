/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The daemon's monitoring rules (--rules FILE, --etcd URL, doc/rules.md):
 * loaded at start, loaded again when the file changes or etcd publishes
 * others (rules with errors are refused whole, the rules in force stay,
 * and the refusal shows in every report and in the node's etcd entry),
 * and applied at every interval: the pairs an ignore rule hides, how
 * finely each pair is traced, the alerts evaluated, sent to Alertmanager.
 */
#ifndef CMON_RULES_RUN_H
#define CMON_RULES_RUN_H

#include "agg.h"
#include "view.h"

struct cmon_rules_run;

/* Counters it adds to a report. */
#define CMON_RULES_RUN_NCOUNTERS 5

/*
 * Rules from @file (NULL: none), and with @etcd_url (NULL: none) the
 * standard rules published in etcd (as @login), this node registered
 * there as @node on a lease of @lease_s seconds (0: the default); the file is the
 * default until etcd has rules.  NULL after printing every error of the
 * file, or why etcd cannot be used.
 */
struct cmon_etcd_login;
struct cmon_rules_run *cmon_rules_run_start(const char *file,
					    const char *etcd_url,
					    const struct cmon_etcd_login *login,
					    const char *node, double lease_s);
/* Apply what etcd published, or the file again if it changed since (call
 * every tenth of a second: a stat and a lock); 1 if other rules are in
 * force now. */
int cmon_rules_run_check(struct cmon_rules_run *r);
/* The rules in force, or NULL. */
const struct cmon_rules *cmon_rules_run_rules(const struct cmon_rules_run *r);
/* The network template in force (its bases merged in), or NULL. */
const struct cmon_template *cmon_rules_run_template(const struct cmon_rules_run *r);
/*
 * After the engine ticked at wall clock @now: evaluate the alerts on its
 * pairs (named by @names, may be NULL), send what Alertmanager should
 * hear (@url: this node's page, for generatorURL, or NULL), and fill @out
 * for the view (valid until the next call): each pair's rule, whether it
 * is hidden, and with @sampling (the kernel agent applies the rules'
 * sampling) how finely it is traced (0 in out->sample and each pair's
 * sample otherwise, and while no rules are in force).
 */
void cmon_rules_run_tick(struct cmon_rules_run *r, const struct cmon_agg *agg,
			 const struct cmon_names *names, double now,
			 const char *url, int sampling,
			 struct cmon_view_rules *out);
/*
 * Other rules came in force (cmon_rules_run_check() said so): each pair's
 * rule and sampling now, rather than at the next interval, in @out as
 * cmon_rules_run_tick() fills it (the alerts those of the last interval),
 * and in this node's status in etcd.
 */
void cmon_rules_run_apply(struct cmon_rules_run *r, const struct cmon_agg *agg,
			  const struct cmon_names *names, const char *url,
			  int sampling, struct cmon_view_rules *out);
unsigned int cmon_rules_run_counters(struct cmon_rules_run *r,
				     struct cmon_counter *out);
/* Accepts NULL. */
void cmon_rules_run_stop(struct cmon_rules_run *r);

#endif /* CMON_RULES_RUN_H */
