/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Standard rules through etcd (v3, its JSON gateway over plain HTTP, so
 * no gRPC stack): cmonctl publishes them under PREFIX/rules; every node's
 * agent watches that key and registers itself under PREFIX/nodes/NAME on
 * a lease, with its status (the revision it applied, or why it refused
 * one), so a dead node's entry expires.  Keys (doc/rules.md):
 *
 *   PREFIX/rules          the standard rules in force (JSON)
 *   PREFIX/nodes/NAME     a node's status (JSON), on its lease
 */
#ifndef CMON_ETCD_H
#define CMON_ETCD_H

#include <stddef.h>

#define CMON_ETCD_PREFIX	"/cmon/"
#define CMON_ETCD_LEASE_S	10

struct cmon_etcd;

/* How cmon proves itself to etcd: an etcd user (etcd's own
 * authentication; NULL user: none), and for https:// the certificate
 * authority to trust (NULL: the system's) and a client certificate and
 * its key (NULL: none), all PEM files. */
struct cmon_etcd_login {
	const char *user, *password;
	const char *cacert, *cert, *key;
};

struct cmon_etcd_opts {
	const char *url;	/* http://host:2379 */
	const char *prefix;	/* NULL: CMON_ETCD_PREFIX */
	const char *node;	/* this node's name */
	double lease_s;		/* 0: CMON_ETCD_LEASE_S */
	struct cmon_etcd_login login;
};

/*
 * Start watching and registering, from threads of their own: an
 * unreachable etcd is not an error (they try again, backing off).  NULL
 * with a logged reason if @o is not usable.
 */
struct cmon_etcd *cmon_etcd_start(const struct cmon_etcd_opts *o);
/* The standard rules published since the last call (malloc'd JSON, the
 * caller's), or NULL; an empty string if the key was deleted. */
char *cmon_etcd_take_rules(struct cmon_etcd *e);
/* This node's status to register (a JSON object; copied): with the next
 * keepalive of its lease, or with @now at once. */
void cmon_etcd_set_status(struct cmon_etcd *e, const char *json, int now);
/* 1 while the watch is established. */
int cmon_etcd_connected(struct cmon_etcd *e);
/* Accepts NULL. */
void cmon_etcd_stop(struct cmon_etcd *e);

/* For cmonctl: put @value at @key as @login (NULL: none): 0, or -1 with
 * a message in @err. */
int cmon_etcd_put(const char *url, const struct cmon_etcd_login *login,
		  const char *key, const char *value, char *err,
		  size_t errlen);
/* Every key under @prefix, in key order: @fn(key, value, ctx) for each.
 * The number of keys, or -1 with a message in @err. */
int cmon_etcd_list(const char *url, const struct cmon_etcd_login *login,
		   const char *prefix,
		   void (*fn)(const char *key, const char *value, void *ctx),
		   void *ctx, char *err, size_t errlen);

#endif /* CMON_ETCD_H */
