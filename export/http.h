/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The exporter's HTTP server (libmicrohttpd, a thread per connection):
 *   /metrics                 Prometheus text exposition
 *   /api/v1/metrics          the last interval (doc/json.md)
 *   /api/v1/topology         containers, bridges and the paths between them
 *   /api/v1/health           sinks, sampling and the monitor's own losses
 *   /api/v1/counters         this node's per-flow per-hop packet counters,
 *                            for other nodes' exporters (--peer)
 *   /api/v1/history[?src=&dst=&proto=&since=]   the embedded history
 *   /api/v1/history/monitor  the monitor counters' history
 *   /api/v1/events           server-sent events: one "metrics" event per
 *                            interval
 *   anything else            a file under the web root, if one is given
 * The main loop publishes whole documents once per interval; request
 * threads only copy them, so a slow client never holds the engine.
 */
#ifndef CMON_HTTP_H
#define CMON_HTTP_H

#include <stddef.h>
#include "history.h"

enum cmon_http_doc {
	CMON_DOC_PROM,
	CMON_DOC_METRICS,
	CMON_DOC_TOPOLOGY,
	CMON_DOC_TOPOLOGY_IDLE,	/* the same, its paths the idle ones only */
	CMON_DOC_HEALTH,
	CMON_DOC_COUNTERS,
	CMON_DOC_CLUSTER,
	CMON_NDOCS
};

struct cmon_http;

/*
 * Listen on @listen ("[ADDR:]PORT", ADDR an IPv4 address, loopback when
 * omitted; PORT 0 picks one).  A non-loopback ADDR needs @token, which
 * clients then give as "Authorization: Bearer TOKEN" or "?token=TOKEN".
 * NULL, with the reason logged, when it cannot listen.
 */
struct cmon_http *cmon_http_start(const char *listen, const char *token,
				  const char *web_root,
				  struct cmon_history *hist);
/* Replace the published documents (takes the malloc'd strings). */
void cmon_http_publish(struct cmon_http *h, char *doc[CMON_NDOCS],
		       size_t len[CMON_NDOCS]);
/* The port it listens on, its URL, how many connections are open, and how
 * many of them are live event streams (pages showing the live view). */
/* The peers whose history /api/v1/history?node=NAME reads (cluster). */
struct cmon_peers;
void cmon_http_peers(struct cmon_http *h, struct cmon_peers *p);
unsigned int cmon_http_port(const struct cmon_http *h);
const char *cmon_http_url(const struct cmon_http *h);
unsigned int cmon_http_clients(struct cmon_http *h);
unsigned int cmon_http_streams(struct cmon_http *h);
/*
 * The file under @root that @url (a request path) names, into @path: -1
 * for a path that is not absolute, climbs with "..", has a backslash, or
 * would not fit (never a shortened name of another file).
 */
int cmon_http_file_path(const char *root, const char *url, char *path,
			size_t len);
/* Is @given the @token?  In time that depends only on the token's length. */
int cmon_http_token_eq(const char *given, const char *token);
/* Close every connection and stop.  Accepts NULL. */
void cmon_http_stop(struct cmon_http *h);

#endif /* CMON_HTTP_H */
