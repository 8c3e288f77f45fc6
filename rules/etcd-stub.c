// SPDX-License-Identifier: BSD-2-Clause
/* Stand-in for etcd.c when configure found no libcurl. */
#include <stdio.h>
#include <stdlib.h>
#include "etcd.h"
#include "log.h"

#define NO_CURL "this cmon was built without libcurl (apt-get install " \
	"libcurl4-openssl-dev, then configure and make again)"

struct cmon_etcd *cmon_etcd_start(const struct cmon_etcd_opts *o)
{
	cmon_err("--etcd: %s", NO_CURL);
	return NULL;
}

char *cmon_etcd_take_rules(struct cmon_etcd *e)
{
	return NULL;
}

void cmon_etcd_set_status(struct cmon_etcd *e, const char *json, int now)
{
}

int cmon_etcd_connected(struct cmon_etcd *e)
{
	return 0;
}

void cmon_etcd_stop(struct cmon_etcd *e)
{
}

int cmon_etcd_put(const char *url, const struct cmon_etcd_login *login,
		  const char *key, const char *value, char *err,
		  size_t errlen)
{
	snprintf(err, errlen, "%s", NO_CURL);
	return -1;
}

int cmon_etcd_list(const char *url, const struct cmon_etcd_login *login,
		   const char *prefix,
		   void (*fn)(const char *key, const char *value, void *ctx),
		   void *ctx, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s", NO_CURL);
	return -1;
}
