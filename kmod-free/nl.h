/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Minimal rtnetlink queries for the agent, from the calling thread's
 * network namespace: links, IPv4 addresses (there, or in a namespace it
 * has an id for) and tc filters.
 */
#ifndef CMON_NL_H
#define CMON_NL_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

struct cmon_nl_link {
	int ifindex;
	char name[IF_NAMESIZE];
	char kind[16];		/* IFLA_INFO_KIND: "veth", "bridge", ... */
	int master;		/* IFLA_MASTER, 0 if none */
	int link;		/* IFLA_LINK: a veth's peer ifindex */
	int link_netnsid;	/* IFLA_LINK_NETNSID, -1 if same namespace */
	unsigned int mtu;
	/* events only: RTM_DELLINK, and where the link went when it moved
	 * to another namespace (IFLA_NEW_NETNSID, -1 if not) */
	int deleted;
	int new_netnsid;
};

typedef int (*cmon_link_cb)(const struct cmon_nl_link *l, void *arg);
typedef int (*cmon_addr_cb)(int ifindex, uint32_t addr, unsigned int plen,
			    void *arg);

/*
 * The messages of a netlink reply or event (@len bytes at @buf) as
 * cmon_nl_links(), cmon_nl_link_events() and cmon_nl_addrs() read them,
 * for tests and fuzzing: 0 or -errno.
 */
int cmon_nl_parse_links(const void *buf, size_t len, cmon_link_cb cb,
			void *arg);
int cmon_nl_parse_addrs(const void *buf, size_t len, cmon_addr_cb cb,
			void *arg);

/* Call @cb for every link; a non-zero return from @cb stops the walk. */
int cmon_nl_links(cmon_link_cb cb, void *arg);
/* Call @cb for every IPv4 address (network order) and its prefix length. */
int cmon_nl_addrs(cmon_addr_cb cb, void *arg);
/*
 * The same in the namespace the caller's calls @nsid (-1: the caller's),
 * read from here (IFLA_TARGET_NETNSID, IFA_TARGET_NETNSID): no setns, so
 * a namespace costs one request, not a switch there and back.  Addresses
 * of @ifindex only, if > 0.
 */
int cmon_nl_links_in(int nsid, cmon_link_cb cb, void *arg);
/* One link of the caller's namespace: 0, or -errno (-ENODEV: none). */
int cmon_nl_link_get(int ifindex, cmon_link_cb cb, void *arg);
int cmon_nl_addrs_in(int nsid, int ifindex, cmon_addr_cb cb, void *arg);
/*
 * The id the caller's namespace gives the namespace open at @fd (what
 * IFLA_LINK_NETNSID of a veth into it says), or -1 when it has none.
 */
int cmon_nl_nsid(int fd);
/*
 * Link events of the caller's namespace (a port made, enslaved, removed):
 * a non-blocking socket to hand to cmon_nl_link_events(), or -errno.
 */
int cmon_nl_link_watch(void);
/*
 * Read every event waiting, calling @cb for each link made, changed
 * (deleted = 0) or removed (deleted = 1), in the kernel's order: how many
 * came, or -ENOBUFS when the kernel dropped some for lack of room (the
 * caller must look at everything again), or another -errno.  Messages not
 * from the kernel are ignored.
 */
int cmon_nl_link_events(int fd, cmon_link_cb cb, void *arg);

/*
 * Count tc filters on a clsact hook (@egress 0/1) whose handle is not
 * @own_handle.  Returns the count or -errno.
 */
int cmon_nl_foreign_filters(int ifindex, int egress, uint32_t own_handle);

#endif /* CMON_NL_H */
