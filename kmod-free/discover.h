/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Container discovery on docker0-style bridges: every veth enslaved to a
 * monitored bridge whose peer is in another namespace is a container port
 * (and, routed without a bridge, every veth named as the template says);
 * its peer is the container's eth0 in that network namespace, found among
 * /run/netns, /var/run/docker/netns and the namespaces of running
 * processes by the id the port names it with, and read from the host's
 * namespace (netlink with a target namespace id: no setns).
 */
#ifndef CMON_DISCOVER_H
#define CMON_DISCOVER_H

#include <net/if.h>
#include <stdint.h>

#define CMON_CT_MAX_ADDRS 8

struct cmon_container {
	char name[64];			/* namespace name or process */
	uint32_t netns;			/* namespace inode */
	int nsid;			/* its id here (IFLA_LINK_NETNSID) */
	char bridge[IF_NAMESIZE];
	int port_ifindex;		/* host side of the veth */
	char port[IF_NAMESIZE];
	int ct_ifindex;			/* container side, in netns */
	char ct_ifname[IF_NAMESIZE];
	unsigned int naddrs;
	uint32_t addr[CMON_CT_MAX_ADDRS];	/* IPv4, network order */
	int switch_port;		/* its port is read by the switch's
					 * af_packet port: no stamp hop there */
	int resolved;			/* namespace found */
	char ns_path[300];		/* a path that opens the namespace */
};

/* A bridge port as seen from the host namespace. */
struct cmon_port {
	char bridge[IF_NAMESIZE];
	int bridge_ifindex;
	int ifindex;
	char name[IF_NAMESIZE];
	int peer_ifindex;		/* IFLA_LINK */
	int peer_nsid;			/* IFLA_LINK_NETNSID */
	int switch_port;		/* one of the switch's (below) */
	int uplink;			/* a bridge's port to no container */
};

/* Inode of the caller's network namespace. */
uint32_t cmon_host_netns(void);
struct cmon_nl_link;
/* Is @l a veth whose other end is in another namespace (as a
 * container's port is)? */
int cmon_link_to_ns(const struct cmon_nl_link *l);
/*
 * List the ports of the named bridges: veths to containers, and the
 * others with uplink set (a veth whose peer is in this namespace too, to
 * Open vSwitch or another bridge; a NIC, a tap).  Returns the number of
 * ports put in @ports (at most @max) of the bridges there are, with a
 * bridge that is not in @missing (else NULL); or -errno.
 */
int cmon_bridge_ports(const char *const *bridges, unsigned int nbridges,
		      struct cmon_port *ports, unsigned int max,
		      const char **missing);
/*
 * List the veths without a bridge whose peer is in another namespace:
 * routed (as Calico wires them), with a name that matches one of the
 * @nglobs @globs (fnmatch), and the switch's, read and written by
 * Open vSwitch's af_packet ports: one of the @nsw ifindexes @sw
 * (switch_port set).  Bridge "" in @ports (at most @max).  Returns how
 * many, or -errno.
 */
int cmon_routed_ports(const char *const *globs, unsigned int nglobs,
		      const int *sw, unsigned int nsw,
		      struct cmon_port *ports, unsigned int max);
/* Is @ifindex one of the @nsw @sw? */
int cmon_switch_port(const int *sw, unsigned int nsw, int ifindex);
/* Does @name match one of the @nglobs @globs? */
int cmon_routed_name(const char *const *globs, unsigned int nglobs,
		     const char *name);
/*
 * Find the containers behind @n ports (filled in @cts, same order).
 * Unresolved ports keep resolved = 0.
 */
int cmon_resolve_containers(const struct cmon_port *ports, unsigned int n,
			    struct cmon_container *cts);

/*
 * Re-read a resolved container's IPv4 addresses (a runtime may add them
 * after plugging the veth).  Returns 1 if they changed, 0 if not, or
 * -errno (the namespace is gone or was replaced).
 */
int cmon_container_addrs(struct cmon_container *ct);

/*
 * The caller's namespace's own IPv4 addresses that a container on one of
 * the @bridges (ifindexes) reaches through the bridge's own ingress: those
 * of the bridges, and those outside every bridge's subnet (routed via the
 * gateway); not 127/8, nor one on another device inside a bridge's subnet
 * (reached through a bridge port).  Sorted.  Returns how many were put in
 * @addr (at most @max), or -errno.
 */
int cmon_host_addrs(const int *bridges, unsigned int nbridges, uint32_t *addr,
		    unsigned int max);

#endif /* CMON_DISCOVER_H */
