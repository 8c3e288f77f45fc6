// SPDX-License-Identifier: BSD-2-Clause
/* Stand-in for http.c when configure found no libmicrohttpd. */
#include <stdlib.h>
#include "http.h"
#include "log.h"

struct cmon_http *cmon_http_start(const char *listen, const char *token,
				  const char *web_root,
				  struct cmon_history *hist)
{
	cmon_err("--http: this cmon-dpdk was built without libmicrohttpd "
		 "(apt-get install libmicrohttpd-dev, then configure and "
		 "make again)");
	return NULL;
}

void cmon_http_publish(struct cmon_http *h, char *doc[CMON_NDOCS],
		       size_t len[CMON_NDOCS])
{
}

void cmon_http_peers(struct cmon_http *h, struct cmon_peers *p)
{
}

unsigned int cmon_http_port(const struct cmon_http *h)
{
	return 0;
}

const char *cmon_http_url(const struct cmon_http *h)
{
	return NULL;
}

unsigned int cmon_http_clients(struct cmon_http *h)
{
	return 0;
}

unsigned int cmon_http_streams(struct cmon_http *h)
{
	return 0;
}

void cmon_http_stop(struct cmon_http *h)
{
}
