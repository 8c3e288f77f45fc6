/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Other nodes' exporters (cmon-dpdk --peer URL): a thread reads each
 * one's /api/v1/metrics once a second and keeps the one-way delays it
 * measured arriving from other nodes ("links").  With this node's own,
 * they give both directions between two nodes, hence the clock offset
 * between them (lib/clock.h).  It also reads each one's /api/v1/counters,
 * the per-flow counters of its hops, so this node's engine sees a path's
 * counters on both nodes and locates loss between them (the underlay).
 */
#ifndef CMON_PEERS_H
#define CMON_PEERS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "agg.h"

/* A delay a peer measured: from node @from to node @to (its own). */
struct cmon_peer_link {
	uint8_t from, to;
	uint64_t samples;
	int64_t low;		/* ns, the robust low one-way delay */
};

struct cmon_peers;

/*
 * Other nodes found while running (the etcd registry): up to @max
 * exporter URLs ("http://host:port/", with a ?token=T query if need be)
 * into @out; how many, or -1 if they cannot be known now (the peers found
 * before stay).
 */
typedef int (*cmon_peers_find_fn)(void *ctx, char (*out)[512],
				  unsigned int max);
/*
 * Start polling @n URLs ("http://host:port"), and with @find (may be
 * NULL) every 5 s the nodes it finds, those it no longer finds for 10
 * minutes more; NULL (logged) on failure.
 */
struct cmon_peers *cmon_peers_start(const char *const *urls, unsigned int n,
				    cmon_peers_find_fn find, void *ctx);
/* The freshest links (read in the last 10 s) of every peer; how many. */
unsigned int cmon_peers_links(struct cmon_peers *p, struct cmon_peer_link *out,
			      unsigned int max);
/*
 * Parse the "links" of an /api/v1/metrics document (doc/json.md) into
 * @out; returns how many it holds (only those with a low delay): more
 * than @max means only @max were written.
 */
unsigned int cmon_peers_parse(const char *doc, struct cmon_peer_link *out,
			      unsigned int max);
/* The freshest hop counters of every peer; how many. */
unsigned int cmon_peers_counters(struct cmon_peers *p,
				 struct cmon_hop_counter *out, unsigned int max);
/* Parse the "counters" of an /api/v1/counters document; how many, as
 * cmon_peers_parse() counts them. */
unsigned int cmon_peers_parse_counters(const char *doc,
				       struct cmon_hop_counter *out,
				       unsigned int max);
/*
 * Is @doc a JSON object (another exporter's document)?  0 if so, its
 * "node" (or "") into @node (@len bytes); -1 if not.
 */
int cmon_peers_parse_doc(const char *doc, char *node, size_t len);
/*
 * The cluster view (/api/v1/cluster, doc/json.md): for each peer, ",{...}"
 * with its node name, URL (token left out), whether it answered at the
 * last poll, how long ago it last did, why not, and its last good
 * /api/v1/metrics and /api/v1/topology documents as they came.
 */
void cmon_peers_cluster(struct cmon_peers *p, FILE *out);
/*
 * One pair's history from the peer whose node is @node (its
 * /api/v1/history?src=&dst=&proto=&port=&since=; @proto NULL, @port -1:
 * any), written to @out: 0, -ENOENT if no peer is that node or it has no
 * such series, -EIO if it did not answer.  For the cluster view's page.
 */
int cmon_peers_history(struct cmon_peers *p, const char *node,
		       const char *src, const char *dst, const char *proto,
		       int port, double since, FILE *out);
/* Links and counters peers sent beyond the bounds kept: left out. */
uint64_t cmon_peers_left_out(struct cmon_peers *p);
/* Peers that answered at the last poll, of how many. */
unsigned int cmon_peers_up(struct cmon_peers *p, unsigned int *total);
void cmon_peers_stop(struct cmon_peers *p);

#endif /* CMON_PEERS_H */
