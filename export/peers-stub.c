// SPDX-License-Identifier: BSD-2-Clause
/* Stand-in for peers.c when configure found no libcurl. */
#include <errno.h>
#include <stdlib.h>
#include "log.h"
#include "peers.h"

struct cmon_peers *cmon_peers_start(const char *const *urls, unsigned int n,
				    cmon_peers_find_fn find, void *ctx)
{
	cmon_err("--peer: this cmon-dpdk was built without libcurl "
		 "(apt-get install libcurl4-openssl-dev, then configure and "
		 "make again)");
	return NULL;
}

unsigned int cmon_peers_links(struct cmon_peers *p, struct cmon_peer_link *out,
			      unsigned int max)
{
	return 0;
}

unsigned int cmon_peers_counters(struct cmon_peers *p,
				 struct cmon_hop_counter *out, unsigned int max)
{
	return 0;
}

void cmon_peers_cluster(struct cmon_peers *p, FILE *out)
{
}

int cmon_peers_history(struct cmon_peers *p, const char *node,
		       const char *src, const char *dst, const char *proto,
		       int port, double since, FILE *out)
{
	return -ENOENT;
}

uint64_t cmon_peers_left_out(struct cmon_peers *p)
{
	return 0;
}

unsigned int cmon_peers_up(struct cmon_peers *p, unsigned int *total)
{
	*total = 0;
	return 0;
}

void cmon_peers_stop(struct cmon_peers *p)
{
}
