/* SPDX-License-Identifier: BSD-2-Clause */
/* What the rules module's files share (not for its users: rules.h). */
#ifndef CMON_RULES_INT_H
#define CMON_RULES_INT_H

#include "rules.h"

__attribute__((format(printf, 4, 5)))
void cmon_rules_err(struct cmon_rules_errors *e, const char *file,
		    struct cmon_mark m, const char *fmt, ...);

/* Parsers of the values rule files hold: 0, or -1 if @s is not one. */
int cmon_cidr_parse(const char *s, struct cmon_cidr *out);
int cmon_port_range_parse(const char *s, struct cmon_port_range *out);
int cmon_duration_parse(const char *s, double *secs);
/* An alert condition ("e2e.p99 > 500us") into @a; -1 with a reason. */
int cmon_alert_parse(const char *s, struct cmon_alert *a, char *why,
		     size_t whylen);

/* enum cmon_tp of a hop name, or -1; every name, for messages. */
int cmon_hop_by_name(const char *name);
const char *cmon_hop_names(void);

void cmon_template_clear(struct cmon_template *t);

/* Compute r->revision from the standard rules; 0 or -ENOMEM. */
int cmon_rules_seal(struct cmon_rules *r);

#endif /* CMON_RULES_INT_H */
