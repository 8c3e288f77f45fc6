// SPDX-License-Identifier: BSD-2-Clause
/* Stand-in for influx.c when configure found no libcurl. */
#include <stdlib.h>
#include "influx.h"
#include "log.h"

struct cmon_influx *cmon_influx_start(const char *url, const char *db,
				      size_t buffer_bytes)
{
	cmon_err("--influx: this cmon-dpdk was built without libcurl "
		 "(apt-get install libcurl4-openssl-dev, then configure and "
		 "make again)");
	return NULL;
}

void cmon_influx_push(struct cmon_influx *x, char *buf, size_t len,
		      unsigned int nlines)
{
	free(buf);
}

void cmon_influx_stats(struct cmon_influx *x, struct cmon_influx_stats *st)
{
}

char *cmon_influx_unwritten(struct cmon_influx *x, size_t *len,
			    unsigned int *nlines)
{
	return NULL;
}

void cmon_influx_stop(struct cmon_influx *x, double flush_s)
{
}
