// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer harness of rule files (rules/), operator input that reaches
 * every node: any file either fails with at least one located message or
 * loads, and then its standard rules read back as a node reads them
 * compile to the very same bytes (no rule changes meaning on the way).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const tdirs[] = { NULL };
	struct cmon_rules_errors e = { 0 };
	struct cmon_rules *r, *back;
	char *s, *s2;

	r = cmon_rules_load_text("f.yaml", (const char *)data, size, tdirs,
				 &e);
	if (!r) {
		if (!e.n)
			abort();	/* refused without a word */
		cmon_rules_errors_free(&e);
		return 0;
	}
	if (e.n)
		abort();		/* loaded despite errors */
	s = cmon_rules_compile(r);
	if (!s)
		abort();
	back = cmon_rules_parse_std(s, &e);
	if (!back)
		abort();
	s2 = cmon_rules_compile(back);
	if (!s2 || strcmp(s, s2) || strcmp(r->revision, back->revision))
		abort();
	free(s);
	free(s2);
	cmon_rules_free(r);
	cmon_rules_free(back);
	cmon_rules_errors_free(&e);
	return 0;
}
