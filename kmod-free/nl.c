// SPDX-License-Identifier: BSD-2-Clause
/* rtnetlink dumps: see nl.h. */
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "nl.h"

#ifndef TC_H_CLSACT
#define TC_H_CLSACT TC_H_INGRESS
#endif
#define CMON_TC_H_MIN_INGRESS 0xFFF2U
#define CMON_TC_H_MIN_EGRESS 0xFFF3U

typedef int (*nl_msg_cb)(struct nlmsghdr *h, void *arg);

/* Send one dump request and feed every reply message to @cb. */
static int nl_dump(void *req, size_t len, nl_msg_cb cb, void *arg)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int dump = ((struct nlmsghdr *)req)->nlmsg_flags & NLM_F_DUMP;
	char buf[32768];
	int fd, ret = 0, done = 0;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (sendto(fd, req, len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		goto out;
	}
	while (!done) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				done = 1;
				break;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);

				ret = e->error;
				done = 1;
				break;
			}
			if (!ret && cb(h, arg))
				ret = 1;	/* stop: drain the rest */
		}
		if (!dump)
			done = 1;	/* a plain request gets one answer */
	}
out:
	close(fd);
	return ret < 0 ? ret : 0;
}

static void parse_rta(struct rtattr **tb, int max, struct rtattr *rta, int len)
{
	memset(tb, 0, sizeof(*tb) * (max + 1));
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if (rta->rta_type <= max)
			tb[rta->rta_type] = rta;
}

struct link_ctx {
	cmon_link_cb cb;
	void *arg;
};

static int link_msg(struct nlmsghdr *h, void *arg)
{
	struct link_ctx *c = arg;
	struct ifinfomsg *ifi = NLMSG_DATA(h);
	struct rtattr *tb[IFLA_MAX + 1], *li[IFLA_INFO_MAX + 1];
	struct cmon_link l = { .ifindex = ifi->ifi_index, .link_netnsid = -1 };

	if (h->nlmsg_type != RTM_NEWLINK)
		return 0;
	parse_rta(tb, IFLA_MAX, IFLA_RTA(ifi), IFLA_PAYLOAD(h));
	if (tb[IFLA_IFNAME])
		strncpy(l.name, RTA_DATA(tb[IFLA_IFNAME]), sizeof(l.name) - 1);
	if (tb[IFLA_MASTER])
		l.master = *(int *)RTA_DATA(tb[IFLA_MASTER]);
	if (tb[IFLA_LINK])
		l.link = *(int *)RTA_DATA(tb[IFLA_LINK]);
	if (tb[IFLA_LINK_NETNSID])
		l.link_netnsid = *(int *)RTA_DATA(tb[IFLA_LINK_NETNSID]);
	if (tb[IFLA_MTU])
		l.mtu = *(unsigned int *)RTA_DATA(tb[IFLA_MTU]);
	if (tb[IFLA_LINKINFO]) {
		parse_rta(li, IFLA_INFO_MAX, RTA_DATA(tb[IFLA_LINKINFO]),
			  RTA_PAYLOAD(tb[IFLA_LINKINFO]));
		if (li[IFLA_INFO_KIND])
			strncpy(l.kind, RTA_DATA(li[IFLA_INFO_KIND]),
				sizeof(l.kind) - 1);
	}
	return c->cb(&l, c->arg);
}

int cmon_nl_links(cmon_link_cb cb, void *arg)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETLINK,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.i = { .ifi_family = AF_UNSPEC },
	};
	struct link_ctx c = { cb, arg };

	return nl_dump(&req, sizeof(req), link_msg, &c);
}

struct addr_ctx {
	cmon_addr_cb cb;
	void *arg;
};

static int addr_msg(struct nlmsghdr *h, void *arg)
{
	struct addr_ctx *c = arg;
	struct ifaddrmsg *ifa = NLMSG_DATA(h);
	struct rtattr *tb[IFA_MAX + 1];
	uint32_t a;

	if (h->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != AF_INET)
		return 0;
	parse_rta(tb, IFA_MAX, IFA_RTA(ifa), IFA_PAYLOAD(h));
	if (!tb[IFA_LOCAL] && !tb[IFA_ADDRESS])
		return 0;
	memcpy(&a, RTA_DATA(tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS]),
	       4);
	return c->cb((int)ifa->ifa_index, a, ifa->ifa_prefixlen, c->arg);
}

int cmon_nl_addrs(cmon_addr_cb cb, void *arg)
{
	struct {
		struct nlmsghdr h;
		struct ifaddrmsg a;
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETADDR,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.a = { .ifa_family = AF_INET },
	};
	struct addr_ctx c = { cb, arg };

	return nl_dump(&req, sizeof(req), addr_msg, &c);
}

struct filter_ctx {
	uint32_t own;
	int count;
};

static int filter_msg(struct nlmsghdr *h, void *arg)
{
	struct filter_ctx *c = arg;
	struct tcmsg *t = NLMSG_DATA(h);

	/* the per-priority chain head has handle 0; count real filters */
	if (h->nlmsg_type == RTM_NEWTFILTER && t->tcm_handle &&
	    t->tcm_handle != c->own)
		c->count++;
	return 0;
}

int cmon_nl_foreign_filters(int ifindex, int egress, uint32_t own_handle)
{
	struct {
		struct nlmsghdr h;
		struct tcmsg t;
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETTFILTER,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.t = { .tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex,
		       .tcm_parent = TC_H_MAKE(TC_H_CLSACT,
					       egress ? CMON_TC_H_MIN_EGRESS :
							CMON_TC_H_MIN_INGRESS) },
	};
	struct filter_ctx c = { own_handle, 0 };
	int err = nl_dump(&req, sizeof(req), filter_msg, &c);

	return err < 0 ? err : c.count;
}

static int nsid_msg(struct nlmsghdr *h, void *arg)
{
	struct rtgenmsg *g = NLMSG_DATA(h);
	struct rtattr *tb[NETNSA_MAX + 1];

	if (h->nlmsg_type != RTM_NEWNSID)
		return 0;
	parse_rta(tb, NETNSA_MAX, (struct rtattr *)((char *)g +
		  NLMSG_ALIGN(sizeof(*g))), NLMSG_PAYLOAD(h, sizeof(*g)));
	if (tb[NETNSA_NSID])
		*(int *)arg = *(int *)RTA_DATA(tb[NETNSA_NSID]);
	return 1;
}

int cmon_nl_nsid(int fd)
{
	struct {
		struct nlmsghdr h;
		struct rtgenmsg g;
		char pad[3];
		struct rtattr a;
		int fd;
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETNSID,
		       .nlmsg_flags = NLM_F_REQUEST },
		.g = { .rtgen_family = AF_UNSPEC },
		.a = { .rta_len = RTA_LENGTH(sizeof(int)),
		       .rta_type = NETNSA_FD },
		.fd = fd,
	};
	int id = -1;

	if (nl_dump(&req, sizeof(req), nsid_msg, &id) < 0)
		return -1;
	return id;
}
