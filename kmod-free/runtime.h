/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Containers as their runtime knows them: Docker's Engine API, or
 * Podman's Docker-compatible one, over the runtime's unix socket (libcurl,
 * jansson).  A thread lists the containers once, inspects each (name,
 * image, labels, Compose project and service, network namespace: its
 * SandboxKey), and follows the events stream, inspecting only the
 * container an event names; the agent takes a snapshot (shared entries,
 * no copy) when the generation moves and finds containers by network
 * namespace inode.  Without libcurl,
 * cmon_runtime_start() says so and returns NULL (runtime-stub.c).
 */
#ifndef CMON_RUNTIME_H
#define CMON_RUNTIME_H

#include <stddef.h>
#include <stdint.h>
#include "meta.h"

/* The sockets looked for when none is given, in order. */
#define CMON_RUNTIME_SOCKETS \
	{ "/var/run/docker.sock", "/run/podman/podman.sock", NULL }

struct cmon_runtime;

/* A container of a snapshot: its namespace and what the runtime says. */
struct cmon_rt_container {
	uint32_t netns;			/* inode of its network namespace */
	struct cmon_ct_meta meta;	/* strings owned by the snapshot */
};

struct cmon_rt_snapshot {
	struct cmon_rt_container **c;	/* running containers, by netns */
	size_t n;
};

/*
 * Follow the runtime at unix socket @path.  NULL (with a logged reason)
 * if it cannot be used: no such socket, no answer, not an Engine API.
 */
struct cmon_runtime *cmon_runtime_start(const char *path);
/* A number that changes whenever the containers change. */
unsigned int cmon_runtime_generation(struct cmon_runtime *rt);
/* The containers now (free with cmon_rt_snapshot_free()); NULL on
 * allocation failure. */
struct cmon_rt_snapshot *cmon_runtime_snapshot(struct cmon_runtime *rt);
/* The container of network namespace @netns in @s, or NULL. */
const struct cmon_rt_container *cmon_rt_find(const struct cmon_rt_snapshot *s,
					     uint32_t netns);
/* Accept NULL. */
void cmon_rt_snapshot_free(struct cmon_rt_snapshot *s);
void cmon_runtime_stop(struct cmon_runtime *rt);

/* The runtime's answers (for tests): a container from the JSON of its
 * inspect document, 0 or -1 if it is not one (not running, or no network
 * namespace); @runtime "docker" or "podman".  Free with cmon_rt_clear(). */
int cmon_rt_parse_inspect(const char *json, const char *runtime,
			  struct cmon_rt_container *out);
void cmon_rt_clear(struct cmon_rt_container *c);

#endif /* CMON_RUNTIME_H */
