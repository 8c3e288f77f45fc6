// SPDX-License-Identifier: BSD-2-Clause
/* Container discovery: see discover.h. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "discover.h"
#include "log.h"
#include "nl.h"

uint32_t cmon_host_netns(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : (uint32_t)st.st_ino;
}

int cmon_link_to_ns(const struct cmon_nl_link *l)
{
	return !strcmp(l->kind, "veth") && l->link_netnsid >= 0;
}

struct ports_ctx {
	const char *const *bridges;
	unsigned int nbridges;
	int br_ifindex[16];
	struct cmon_port *ports;
	unsigned int n, max;
};

static int find_bridges(const struct cmon_nl_link *l, void *arg)
{
	struct ports_ctx *c = arg;
	unsigned int i;

	for (i = 0; i < c->nbridges; i++)
		if (!strcmp(l->name, c->bridges[i]) && !strcmp(l->kind, "bridge"))
			c->br_ifindex[i] = l->ifindex;
	return 0;
}

static int find_ports(const struct cmon_nl_link *l, void *arg)
{
	struct ports_ctx *c = arg;
	unsigned int i;

	if (!l->master || c->n == c->max)
		return 0;
	for (i = 0; i < c->nbridges; i++) {
		struct cmon_port *p;

		if (l->master != c->br_ifindex[i])
			continue;
		p = &c->ports[c->n++];
		memset(p, 0, sizeof(*p));
		snprintf(p->bridge, sizeof(p->bridge), "%s", c->bridges[i]);
		p->bridge_ifindex = l->master;
		p->ifindex = l->ifindex;
		snprintf(p->name, sizeof(p->name), "%s", l->name);
		p->peer_ifindex = l->link;
		p->peer_nsid = l->link_netnsid;
		/* a veth whose peer is in this namespace too is an uplink
		 * (to Open vSwitch, another bridge), not a container */
		p->uplink = !cmon_link_to_ns(l);
	}
	return 0;
}

int cmon_bridge_ports(const char *const *bridges, unsigned int nbridges,
		      struct cmon_port *ports, unsigned int max,
		      const char **missing)
{
	struct ports_ctx c = { .bridges = bridges, .nbridges = nbridges,
			       .ports = ports, .max = max };
	unsigned int i;
	int err;

	if (nbridges > 16)
		return -E2BIG;
	*missing = NULL;
	err = cmon_nl_links(find_bridges, &c);
	if (err)
		return err;
	for (i = 0; i < nbridges && !*missing; i++)
		if (!c.br_ifindex[i])
			*missing = bridges[i];
	err = cmon_nl_links(find_ports, &c);
	return err ? err : (int)c.n;
}

int cmon_routed_name(const char *const *globs, unsigned int nglobs,
		     const char *name)
{
	unsigned int i;

	for (i = 0; i < nglobs; i++)
		if (!fnmatch(globs[i], name, 0))
			return 1;
	return 0;
}

int cmon_switch_port(const int *sw, unsigned int nsw, int ifindex)
{
	unsigned int i;

	for (i = 0; i < nsw; i++)
		if (sw[i] == ifindex)
			return 1;
	return 0;
}

struct routed_ctx {
	const char *const *globs;
	unsigned int nglobs;
	const int *sw;
	unsigned int nsw;
	struct cmon_port *ports;
	unsigned int n, max;
};

static int find_routed(const struct cmon_nl_link *l, void *arg)
{
	struct routed_ctx *c = arg;
	int sw = cmon_switch_port(c->sw, c->nsw, l->ifindex);
	struct cmon_port *p;

	if (l->master || !cmon_link_to_ns(l) || c->n == c->max ||
	    !(sw || cmon_routed_name(c->globs, c->nglobs, l->name)))
		return 0;
	p = &c->ports[c->n++];
	memset(p, 0, sizeof(*p));
	p->ifindex = l->ifindex;
	snprintf(p->name, sizeof(p->name), "%s", l->name);
	p->peer_ifindex = l->link;
	p->peer_nsid = l->link_netnsid;
	p->switch_port = sw;
	return 0;
}

int cmon_routed_ports(const char *const *globs, unsigned int nglobs,
		      const int *sw, unsigned int nsw,
		      struct cmon_port *ports, unsigned int max)
{
	struct routed_ctx c = { globs, nglobs, sw, nsw, ports, 0, max };
	int err;

	if (!nglobs && !nsw)
		return 0;
	err = cmon_nl_links(find_routed, &c);
	return err ? err : (int)c.n;
}

/* A candidate namespace: a path that opens it and a display name. */
struct ns_cand {
	uint32_t ino;
	int nsid;		/* its id in the caller's namespace, or -1 */
	int asked;		/* nsid asked of the kernel, not remembered */
	char path[300];
	char name[64];
};

/* Whether @ino is among the @n candidates at @v. */
static int cand_has(const struct ns_cand *v, unsigned int n, uint32_t ino)
{
	while (n--)
		if (v[n].ino == ino)
			return 1;
	return 0;
}

static int cand_add(struct ns_cand **v, unsigned int *n, unsigned int *cap,
		    uint32_t host, const char *path, const char *name)
{
	struct stat st;

	if (stat(path, &st) || (uint32_t)st.st_ino == host ||
	    cand_has(*v, *n, (uint32_t)st.st_ino))
		return 0;	/* first (best) name wins */
	if (*n == *cap) {
		unsigned int nc = *cap ? *cap * 2 : 64;
		struct ns_cand *nv = realloc(*v, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = nc;
	}
	(*v)[*n].ino = (uint32_t)st.st_ino;
	(*v)[*n].nsid = -1;
	(*v)[*n].asked = 0;
	snprintf((*v)[*n].path, sizeof((*v)[*n].path), "%s", path);
	snprintf((*v)[*n].name, sizeof((*v)[*n].name), "%s", name);
	cmon_name_clean((*v)[*n].name);	/* a process name is the container's */
	(*n)++;
	return 0;
}

static void cand_dir(struct ns_cand **v, unsigned int *n, unsigned int *cap,
		     uint32_t host, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[300];

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		cand_add(v, n, cap, host, path, e->d_name);
	}
	closedir(d);
}

static void cand_procs(struct ns_cand **v, unsigned int *n, unsigned int *cap,
		       uint32_t host)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	struct stat st;
	char path[300], name[64], comm[32];

	if (!d)
		return;
	while ((e = readdir(d))) {
		FILE *f;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		/* most processes share a namespace already seen: named
		 * only when theirs is new */
		snprintf(path, sizeof(path), "/proc/%s/ns/net", e->d_name);
		if (stat(path, &st) || (uint32_t)st.st_ino == host ||
		    cand_has(*v, *n, (uint32_t)st.st_ino))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = 0;
		fclose(f);
		comm[strcspn(comm, "\n")] = 0;
		snprintf(name, sizeof(name), "%.24s[%.16s]", comm, e->d_name);
		snprintf(path, sizeof(path), "/proc/%s/ns/net", e->d_name);
		cand_add(v, n, cap, host, path, name);
	}
	closedir(d);
}

/*
 * The ids this namespace gives the namespaces seen at the last walk, by
 * inode (sorted): an id, once given, stays while the namespace lives, so
 * each new namespace costs one netlink request, not every one each walk.
 */
struct nsid_of {
	uint32_t ino;
	int nsid;
	int named;		/* found in a directory, not by a process */
};
static struct nsid_of *nsids;
static unsigned int nnsids;

static int nsid_cmp(const void *a, const void *b)
{
	const struct nsid_of *x = a, *y = b;

	return (x->ino > y->ino) - (x->ino < y->ino);
}

/* The id the last walk found for @c, or -1. */
static int cand_nsid_cached(const struct ns_cand *c)
{
	struct nsid_of k = { c->ino, -1, 0 };
	const struct nsid_of *f = nnsids ?
		bsearch(&k, nsids, nnsids, sizeof(k), nsid_cmp) : NULL;

	return f ? f->nsid : -1;
}

/* The id of @c's namespace: as the last walk found it if @cached and it
 * did, else asked of the kernel (one request); -1 when it has none. */
static int cand_nsid(struct ns_cand *c, int cached)
{
	int fd, nsid;

	if (cached && (nsid = cand_nsid_cached(c)) >= 0)
		return nsid;
	c->asked = 1;
	fd = open(c->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	nsid = cmon_nl_nsid(fd);
	close(fd);
	return nsid;
}

/* Index of the first port not resolved yet leading to @nsid, or @n. */
static unsigned int port_to(const struct cmon_port *ports, unsigned int n,
			    const struct cmon_container *cts, int nsid)
{
	unsigned int j;

	for (j = 0; j < n && nsid >= 0; j++)
		if (!cts[j].resolved && ports[j].peer_nsid == nsid)
			return j;
	return n;
}

/* Keep the ids of this walk's candidates (those with one, the first
 * @named of them from directories) for the next, and (@merge: the walk
 * did not look at the processes) the last walk's ids of processes'
 * namespaces. */
static void nsids_keep(const struct ns_cand *cand, unsigned int n,
		       unsigned int named, int merge)
{
	unsigned int i, k = 0, m = merge ? nnsids : 0;
	struct nsid_of *v = malloc((n + m + 1) * sizeof(*v));

	if (!v)
		return;
	for (i = 0; i < n; i++)
		if (cand[i].nsid >= 0)
			v[k++] = (struct nsid_of){ cand[i].ino, cand[i].nsid,
						   i < named };
	qsort(v, k, sizeof(*v), nsid_cmp);
	for (i = 0, n = k; i < m; i++)
		if (!nsids[i].named &&
		    !bsearch(&nsids[i], v, n, sizeof(*v), nsid_cmp))
			v[k++] = nsids[i];
	qsort(v, k, sizeof(*v), nsid_cmp);
	free(nsids);
	nsids = v;
	nnsids = k;
}

struct peer_ctx {
	const struct cmon_port *ports;
	unsigned int n;
	struct cmon_container *cts;
	const struct ns_cand *ns;
	unsigned int found;
};

static int match_peer(const struct cmon_nl_link *l, void *arg)
{
	struct peer_ctx *c = arg;
	unsigned int i;

	for (i = 0; i < c->n; i++) {
		struct cmon_container *ct = &c->cts[i];

		/* ifindexes repeat across namespaces: the namespace id the
		 * port names must be this one too */
		if (ct->resolved || c->ns->nsid < 0 ||
		    c->ns->nsid != c->ports[i].peer_nsid ||
		    l->ifindex != c->ports[i].peer_ifindex ||
		    l->link != c->ports[i].ifindex || strcmp(l->kind, "veth"))
			continue;
		ct->resolved = 1;
		ct->netns = c->ns->ino;
		ct->nsid = c->ns->nsid;
		ct->ct_ifindex = l->ifindex;
		snprintf(ct->ct_ifname, sizeof(ct->ct_ifname), "%s", l->name);
		cmon_name_clean(ct->ct_ifname);
		snprintf(ct->name, sizeof(ct->name), "%s", c->ns->name);
		snprintf(ct->ns_path, sizeof(ct->ns_path), "%s", c->ns->path);
		c->found++;
	}
	return 0;
}

static int match_addr(int ifindex, uint32_t addr, unsigned int plen,
		      void *arg)
{
	struct peer_ctx *c = arg;
	unsigned int i;

	(void)plen;
	for (i = 0; i < c->n; i++) {
		struct cmon_container *ct = &c->cts[i];

		if (ct->resolved && ct->netns == c->ns->ino &&
		    ct->ct_ifindex == ifindex && ct->naddrs < CMON_CT_MAX_ADDRS)
			ct->addr[ct->naddrs++] = addr;
	}
	return 0;
}

/*
 * Read the namespaces @cand[@from..@n) that ports lead to (@c), by the
 * ids the last walk found (@again: every id not asked yet asked now).
 */
static void resolve_in(struct ns_cand *cand, unsigned int from,
		       unsigned int n, struct peer_ctx *c, int again)
{
	unsigned int i;

	/* a namespace a port leads to is read from here, by the id the
	 * port names it with: no switch into it and back; an inode, then
	 * an id, may have gone to another namespace since the last walk:
	 * a match is asked again */
	for (i = from; i < n && c->found < c->n; i++) {
		if (again && cand[i].asked)
			continue;
		cand[i].nsid = cand_nsid(&cand[i], !again);
		if (port_to(c->ports, c->n, c->cts, cand[i].nsid) == c->n)
			continue;	/* no port of ours leads there */
		if (!cand[i].asked)
			cand[i].nsid = cand_nsid(&cand[i], 0);
		if (port_to(c->ports, c->n, c->cts, cand[i].nsid) == c->n)
			continue;
		c->ns = &cand[i];
		if (!cmon_nl_links_in(cand[i].nsid, match_peer, c))
			cmon_nl_addrs_in(cand[i].nsid, 0, match_addr, c);
	}
}

int cmon_resolve_containers(const struct cmon_port *ports, unsigned int n,
			    struct cmon_container *cts)
{
	struct ns_cand *cand = NULL;
	unsigned int ncand = 0, cap = 0, i, named;
	uint32_t host = cmon_host_netns();
	struct peer_ctx c = { .ports = ports, .n = n, .cts = cts };

	for (i = 0; i < n; i++) {
		memset(&cts[i], 0, sizeof(cts[i]));
		snprintf(cts[i].bridge, sizeof(cts[i].bridge), "%s",
			 ports[i].bridge);
		cts[i].port_ifindex = ports[i].ifindex;
		snprintf(cts[i].port, sizeof(cts[i].port), "%s", ports[i].name);
		cts[i].switch_port = ports[i].switch_port;
	}
	if (!n)
		return 0;
	/* named namespaces first (a few files), the processes' (a walk of
	 * /proc) only for ports still not found, and every id asked again
	 * only for ports not found even so */
	cand_dir(&cand, &ncand, &cap, host, "/run/netns");
	cand_dir(&cand, &ncand, &cap, host, "/var/run/docker/netns");
	for (i = 0; i < ncand; i++)
		cand[i].nsid = -1;
	resolve_in(cand, 0, ncand, &c, 0);
	named = ncand;
	if (c.found < n) {
		cand_procs(&cand, &ncand, &cap, host);
		for (i = named; i < ncand; i++)
			cand[i].nsid = -1;
		resolve_in(cand, named, ncand, &c, 0);
	}
	if (c.found < n)
		resolve_in(cand, 0, ncand, &c, 1);
	/* those not reached keep what the last walk found */
	for (i = 0; i < ncand; i++)
		if (cand[i].nsid < 0 && !cand[i].asked)
			cand[i].nsid = cand_nsid_cached(&cand[i]);
	nsids_keep(cand, ncand, named, named == ncand);
	free(cand);
	return 0;
}

struct addrs_ctx {
	int ifindex;
	unsigned int n;
	uint32_t addr[CMON_CT_MAX_ADDRS];
};

static int one_ct_addr(int ifindex, uint32_t addr, unsigned int plen,
		       void *arg)
{
	struct addrs_ctx *c = arg;

	(void)plen;
	if (ifindex == c->ifindex && c->n < CMON_CT_MAX_ADDRS)
		c->addr[c->n++] = addr;
	return 0;
}

#define MAX_ADDRS 256

struct host_addrs_ctx {
	unsigned int n;
	struct { int ifindex; uint32_t addr, mask; } a[MAX_ADDRS];
};

static int one_host_addr(int ifindex, uint32_t addr, unsigned int plen,
			 void *arg)
{
	struct host_addrs_ctx *c = arg;

	if ((ntohl(addr) >> 24) != 127 && c->n < MAX_ADDRS)
		c->a[c->n++] = (typeof(c->a[0])){ ifindex, addr,
			plen ? htonl(~0U << (32 - (plen > 32 ? 32 : plen))) : 0 };
	return 0;
}

static int listed(const int *v, unsigned int n, int x)
{
	while (n--)
		if (v[n] == x)
			return 1;
	return 0;
}

/*
 * Is address @i on another device but inside a bridge's subnet?  Then it
 * is reached through a bridge port, not the bridge's own ingress.
 */
static int behind_port(const struct host_addrs_ctx *c, unsigned int i,
		       const int *bridges, unsigned int nbridges)
{
	unsigned int j;

	if (listed(bridges, nbridges, c->a[i].ifindex))
		return 0;
	for (j = 0; j < c->n; j++)
		if (listed(bridges, nbridges, c->a[j].ifindex) &&
		    !((c->a[i].addr ^ c->a[j].addr) & c->a[j].mask))
			return 1;
	return 0;
}

int cmon_host_addrs(const int *bridges, unsigned int nbridges, uint32_t *addr,
		    unsigned int max)
{
	struct host_addrs_ctx c = { 0 };
	unsigned int i, j, n = 0;
	int err;

	err = cmon_nl_addrs(one_host_addr, &c);
	if (err)
		return err;
	for (i = 0; i < c.n && n < max; i++) {
		if (behind_port(&c, i, bridges, nbridges))
			continue;
		/* sorted, so that two readings compare with memcmp */
		for (j = n; j > 0 && addr[j - 1] > c.a[i].addr; j--)
			addr[j] = addr[j - 1];
		addr[j] = c.a[i].addr;
		n++;
	}
	return (int)n;
}

int cmon_container_addrs(struct cmon_container *ct)
{
	struct addrs_ctx c = { .ifindex = ct->ct_ifindex };
	struct stat st;
	int err;

	if (stat(ct->ns_path, &st))
		return -errno;
	if ((uint32_t)st.st_ino != ct->netns)
		return -ESTALE;		/* the path names another namespace now */
	err = cmon_nl_addrs_in(ct->nsid, ct->ct_ifindex, one_ct_addr, &c);
	if (err)
		return err;
	if (c.n == ct->naddrs &&
	    !memcmp(c.addr, ct->addr, c.n * sizeof(c.addr[0])))
		return 0;
	ct->naddrs = c.n;
	memcpy(ct->addr, c.addr, sizeof(c.addr));
	return 1;
}
