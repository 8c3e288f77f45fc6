// SPDX-License-Identifier: BSD-2-Clause
/* Containers as their runtime knows them, without libcurl: none
 * (runtime.h). */
#include <string.h>
#include "log.h"
#include "runtime.h"

struct cmon_runtime *cmon_runtime_start(const char *path)
{
	cmon_err("container runtime at %s: cmon was built without libcurl "
		 "(install libcurl4-openssl-dev and build again)", path);
	return NULL;
}

unsigned int cmon_runtime_generation(struct cmon_runtime *rt)
{
	(void)rt;
	return 0;
}

struct cmon_rt_snapshot *cmon_runtime_snapshot(struct cmon_runtime *rt)
{
	(void)rt;
	return NULL;
}

const struct cmon_rt_container *cmon_rt_find(const struct cmon_rt_snapshot *s,
					     uint32_t netns)
{
	(void)s, (void)netns;
	return NULL;
}

void cmon_rt_snapshot_free(struct cmon_rt_snapshot *s)
{
	(void)s;
}

void cmon_runtime_stop(struct cmon_runtime *rt)
{
	(void)rt;
}

int cmon_rt_parse_inspect(const char *json, const char *runtime,
			  struct cmon_rt_container *out)
{
	(void)json, (void)runtime;
	memset(out, 0, sizeof(*out));
	return -1;
}

void cmon_rt_clear(struct cmon_rt_container *c)
{
	(void)c;
}
