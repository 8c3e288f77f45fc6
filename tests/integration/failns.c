// SPDX-License-Identifier: BSD-2-Clause
/*
 * A fault for the integration tests (LD_PRELOAD): setns() into a network
 * namespace works CMON_SETNS_OK times, then fails with EPERM (0: never
 * works, as for an agent not allowed to enter containers' namespaces).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sched.h>
#include <stdlib.h>

int setns(int fd, int nstype)
{
	static int (*real)(int, int);
	static int left = -2;

	if (!real)
		real = (int (*)(int, int))dlsym(RTLD_NEXT, "setns");
	if (left == -2) {
		const char *s = getenv("CMON_SETNS_OK");

		left = s ? atoi(s) : -1;
	}
	if (left == 0) {
		errno = EPERM;
		return -1;
	}
	if (left > 0)
		left--;
	return real(fd, nstype);
}
