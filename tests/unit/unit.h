/* SPDX-License-Identifier: BSD-2-Clause */
/* CUnit scaffolding shared by the unit test programs. */
#ifndef CMON_UNIT_H
#define CMON_UNIT_H

#include <CUnit/Basic.h>
#include <stdlib.h>

struct unit_case {
	const char *name;
	void (*fn)(void);
};

/* Run one suite of cases; exit status for automake (0 pass, 1 fail). */
static inline int unit_run(const char *suite, const struct unit_case *c)
{
	CU_pSuite s;
	unsigned int fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 99;
	s = CU_add_suite(suite, NULL, NULL);
	for (; c->name; c++)
		CU_add_test(s, c->name, c->fn);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}

#endif /* CMON_UNIT_H */
