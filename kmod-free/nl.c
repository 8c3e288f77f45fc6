// SPDX-License-Identifier: BSD-2-Clause
/*
 * rtnetlink dumps (nl.h), with libmnl: replies are checked against the
 * request's sequence number and the socket's port id, every attribute is
 * validated (type and length) before it is read, and a dump the kernel
 * marks interrupted (NLM_F_DUMP_INTR: the tables changed meanwhile) is
 * made again, whole, before any of it is used.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <limits.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/net_namespace.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "nl.h"

#ifndef TC_H_CLSACT
#define TC_H_CLSACT TC_H_INGRESS
#endif
#define CMON_TC_H_MIN_INGRESS 0xFFF2U
#define CMON_TC_H_MIN_EGRESS 0xFFF3U

/* Dumps tried again at most this many times when interrupted. */
#define DUMP_TRIES	5

/*
 * How many of @len bytes at @buf are whole netlink messages, padding
 * included (the kernel pads every one).  libmnl reads a length of 2^31 or
 * more as negative and, aligned, as 0: it would walk such a message for
 * ever; and it walks attributes up to the aligned end, past the buffer
 * when the padding is missing (both found by tests/fuzz/fuzz-nl.c).
 */
static size_t whole(const char *buf, size_t len)
{
	size_t at = 0;

	while (len - at >= sizeof(struct nlmsghdr)) {
		const struct nlmsghdr *h = (const void *)(buf + at);

		if (h->nlmsg_len < sizeof(*h) || h->nlmsg_len > len - at ||
		    MNL_ALIGN(h->nlmsg_len) > len - at)
			break;
		at += MNL_ALIGN(h->nlmsg_len);
	}
	return at;
}

/*
 * Send request @nlh and gather the whole reply (malloc'd into *@out, its
 * length in *@outlen): 0, or -errno (the kernel's answer to the request,
 * or -EINTR if every try was interrupted).
 */
static int request(struct nlmsghdr *nlh, char **out, size_t *outlen)
{
	/* as large as the kernel makes a dump's messages: none is cut */
	char buf[32768];
	int dump = nlh->nlmsg_flags & NLM_F_DUMP, tries, err = 0, one = 1;
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	unsigned int portid;

	*out = NULL;
	*outlen = 0;
	if (!nl)
		return -errno;
	/* strict checking: the kernel reads a dump's filters (an address
	 * dump's IFA_TARGET_NETNSID only so) */
	if (mnl_socket_setsockopt(nl, NETLINK_GET_STRICT_CHK, &one,
				  sizeof(one)) < 0 ||
	    mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	for (tries = 0; tries < DUMP_TRIES; tries++) {
		int intr = 0, done = 0;

		nlh->nlmsg_seq = (unsigned int)time(NULL) + tries;
		free(*out);
		*out = NULL;
		*outlen = 0;
		if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
			err = -errno;
			goto out;
		}
		while (!done) {
			ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
			const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
			int left;
			char *grown;

			if (n < 0) {
				if (errno == EINTR)
					continue;
				err = -errno;
				goto out;
			}
			left = (int)whole(buf, (size_t)n);
			/* the reply to this request, from the kernel */
			for (; mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left)) {
				if (!mnl_nlmsg_seq_ok(h, nlh->nlmsg_seq) ||
				    !mnl_nlmsg_portid_ok(h, portid))
					continue;
				if (h->nlmsg_flags & NLM_F_DUMP_INTR)
					intr = 1;
				if (h->nlmsg_type == NLMSG_DONE)
					done = 1;
				if (h->nlmsg_type == NLMSG_ERROR) {
					const struct nlmsgerr *e =
						mnl_nlmsg_get_payload(h);

					if (mnl_nlmsg_get_payload_len(h) <
					    sizeof(*e)) {
						err = -EBADMSG;
						goto out;
					}
					if (e->error) {
						err = e->error < 0 &&
						      e->error != INT_MIN ?
						      e->error : -EPROTO;
						goto out;
					}
					done = 1;
				}
				/* kept aligned, as messages follow
				 * each other in a reply */
				grown = realloc(*out, *outlen +
						MNL_ALIGN(h->nlmsg_len));
				if (!grown) {
					err = -ENOMEM;
					goto out;
				}
				*out = grown;
				memset(*out + *outlen, 0, MNL_ALIGN(h->nlmsg_len));
				memcpy(*out + *outlen, h, h->nlmsg_len);
				*outlen += MNL_ALIGN(h->nlmsg_len);
			}
			if (!dump)
				done = 1;	/* a plain request: one answer */
		}
		if (!intr)
			goto out;
	}
	err = -EINTR;
out:
	mnl_socket_close(nl);
	if (err) {
		free(*out);
		*out = NULL;
		*outlen = 0;
	}
	return err;
}

/* Attributes of one level, each checked against @types (MNL_TYPE_*, or
 * MNL_TYPE_UNSPEC for one not read) before it is kept. */
struct attrs {
	const struct nlattr *tb[64];
	const enum mnl_attr_data_type *types;
	unsigned int max;
	int bad;
};

static int attr_cb(const struct nlattr *a, void *data)
{
	struct attrs *t = data;
	unsigned int type = mnl_attr_get_type(a);

	if (type > t->max || type >= sizeof(t->tb) / sizeof(t->tb[0]))
		return MNL_CB_OK;	/* newer than us: not read */
	if (t->types[type] != MNL_TYPE_UNSPEC &&
	    mnl_attr_validate(a, t->types[type]) < 0) {
		t->bad = 1;
		return MNL_CB_OK;	/* malformed: not read */
	}
	t->tb[type] = a;
	return MNL_CB_OK;
}

/* A NUL-terminated string attribute into @buf (@len bytes), cut short. */
static void attr_str(const struct nlattr *a, char *buf, size_t len)
{
	const char *s = mnl_attr_get_str(a);
	size_t n = strnlen(s, mnl_attr_get_payload_len(a));

	if (n >= len)
		n = len - 1;
	memcpy(buf, s, n);
	buf[n] = 0;
}

static const enum mnl_attr_data_type link_types[IFLA_MAX + 1] = {
	[IFLA_IFNAME] = MNL_TYPE_NUL_STRING,
	[IFLA_MASTER] = MNL_TYPE_U32,
	[IFLA_LINK] = MNL_TYPE_U32,
	[IFLA_LINK_NETNSID] = MNL_TYPE_U32,
	[IFLA_MTU] = MNL_TYPE_U32,
	[IFLA_LINKINFO] = MNL_TYPE_NESTED,
	[IFLA_NEW_NETNSID] = MNL_TYPE_U32,
};

static const enum mnl_attr_data_type info_types[IFLA_INFO_MAX + 1] = {
	[IFLA_INFO_KIND] = MNL_TYPE_NUL_STRING,
};

struct link_ctx {
	cmon_link_cb cb;
	void *arg;
	int events;		/* RTM_DELLINK read too */
};

static int link_msg(const struct nlmsghdr *h, void *data)
{
	struct link_ctx *c = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(h);
	struct attrs t = { .types = link_types, .max = IFLA_MAX };
	struct attrs li = { .types = info_types, .max = IFLA_INFO_MAX };
	struct cmon_nl_link l = { .link_netnsid = -1, .new_netnsid = -1 };

	/* a bridge tells of its ports in AF_BRIDGE messages too (their
	 * bridge attributes, as a port joins or leaves): not the link's */
	if ((h->nlmsg_type != RTM_NEWLINK &&
	     (h->nlmsg_type != RTM_DELLINK || !c->events)) ||
	    mnl_nlmsg_get_payload_len(h) < sizeof(*ifi) ||
	    ifi->ifi_family != AF_UNSPEC)
		return MNL_CB_OK;
	l.ifindex = ifi->ifi_index;
	l.deleted = h->nlmsg_type == RTM_DELLINK;
	mnl_attr_parse(h, sizeof(*ifi), attr_cb, &t);
	if (t.tb[IFLA_IFNAME])
		attr_str(t.tb[IFLA_IFNAME], l.name, sizeof(l.name));
	if (t.tb[IFLA_MASTER])
		l.master = (int)mnl_attr_get_u32(t.tb[IFLA_MASTER]);
	if (t.tb[IFLA_LINK])
		l.link = (int)mnl_attr_get_u32(t.tb[IFLA_LINK]);
	if (t.tb[IFLA_LINK_NETNSID])
		l.link_netnsid = (int)mnl_attr_get_u32(t.tb[IFLA_LINK_NETNSID]);
	if (t.tb[IFLA_MTU])
		l.mtu = mnl_attr_get_u32(t.tb[IFLA_MTU]);
	if (t.tb[IFLA_NEW_NETNSID])
		l.new_netnsid = (int)mnl_attr_get_u32(t.tb[IFLA_NEW_NETNSID]);
	if (t.tb[IFLA_LINKINFO]) {
		mnl_attr_parse_nested(t.tb[IFLA_LINKINFO], attr_cb, &li);
		if (li.tb[IFLA_INFO_KIND])
			attr_str(li.tb[IFLA_INFO_KIND], l.kind, sizeof(l.kind));
	}
	return c->cb(&l, c->arg) ? MNL_CB_STOP : MNL_CB_OK;
}

/* Run @msg over every message of a gathered reply (seq and port checked
 * already); 0 or -errno. */
static int run(const char *buf, size_t len, mnl_cb_t msg, void *data)
{
	int ret;

	len = whole(buf, len);
	ret = len ? mnl_cb_run(buf, len, 0, 0, msg, data) : MNL_CB_OK;
	if (ret >= 0)
		return 0;
	/* libmnl passes on an NLMSG_ERROR's code negated: any int */
	return errno > 0 ? -errno : -EPROTO;
}

/* A dump request of @type in @req, with an extra header of @len bytes
 * (zeroed, in *@extra). */
static struct nlmsghdr *dump_request(char *req, uint16_t type, size_t len,
				     void **extra)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	*extra = mnl_nlmsg_put_extra_header(nlh, len);
	return nlh;
}

/* Send @nlh and run @msg over its whole reply: 0 or -errno. */
static int dump(struct nlmsghdr *nlh, mnl_cb_t msg, void *data)
{
	size_t len;
	char *reply;
	int err = request(nlh, &reply, &len);

	if (!err)
		err = run(reply, len, msg, data);
	free(reply);
	return err;
}

int cmon_nl_parse_links(const void *buf, size_t len, cmon_link_cb cb,
			void *arg)
{
	struct link_ctx c = { cb, arg, 1 };

	return run(buf, len, link_msg, &c);
}

/* Links of the namespace called @nsid here (-1: this one): all, or
 * (@ifindex > 0) that one alone. */
static int links(int nsid, int ifindex, cmon_link_cb cb, void *arg)
{
	char req[MNL_SOCKET_BUFFER_SIZE];
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh = dump_request(req, RTM_GETLINK, sizeof(*ifi),
					    (void **)&ifi);
	struct link_ctx c = { cb, arg, 0 };

	ifi->ifi_family = AF_UNSPEC;
	if (ifindex > 0) {
		nlh->nlmsg_flags = NLM_F_REQUEST;
		ifi->ifi_index = ifindex;
	}
	if (nsid >= 0)
		mnl_attr_put_u32(nlh, IFLA_TARGET_NETNSID, (uint32_t)nsid);
	return dump(nlh, link_msg, &c);
}

int cmon_nl_links_in(int nsid, cmon_link_cb cb, void *arg)
{
	return links(nsid, 0, cb, arg);
}

int cmon_nl_link_get(int ifindex, cmon_link_cb cb, void *arg)
{
	return ifindex > 0 ? links(-1, ifindex, cb, arg) : -ENODEV;
}

int cmon_nl_links(cmon_link_cb cb, void *arg)
{
	return cmon_nl_links_in(-1, cb, arg);
}

static const enum mnl_attr_data_type addr_types[IFA_MAX + 1] = {
	[IFA_LOCAL] = MNL_TYPE_U32,
	[IFA_ADDRESS] = MNL_TYPE_U32,
};

struct addr_ctx {
	cmon_addr_cb cb;
	void *arg;
};

static int addr_msg(const struct nlmsghdr *h, void *data)
{
	struct addr_ctx *c = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(h);
	struct attrs t = { .types = addr_types, .max = IFA_MAX };
	const struct nlattr *a;
	uint32_t addr;

	if (h->nlmsg_type != RTM_NEWADDR ||
	    mnl_nlmsg_get_payload_len(h) < sizeof(*ifa) ||
	    ifa->ifa_family != AF_INET || ifa->ifa_prefixlen > 32)
		return MNL_CB_OK;
	mnl_attr_parse(h, sizeof(*ifa), attr_cb, &t);
	a = t.tb[IFA_LOCAL] ? t.tb[IFA_LOCAL] : t.tb[IFA_ADDRESS];
	if (!a)
		return MNL_CB_OK;
	memcpy(&addr, mnl_attr_get_payload(a), sizeof(addr));
	return c->cb((int)ifa->ifa_index, addr, ifa->ifa_prefixlen, c->arg) ?
	       MNL_CB_STOP : MNL_CB_OK;
}

int cmon_nl_parse_addrs(const void *buf, size_t len, cmon_addr_cb cb,
			void *arg)
{
	struct addr_ctx c = { cb, arg };

	return run(buf, len, addr_msg, &c);
}

int cmon_nl_addrs_in(int nsid, int ifindex, cmon_addr_cb cb, void *arg)
{
	char req[MNL_SOCKET_BUFFER_SIZE];
	struct ifaddrmsg *ifa;
	struct nlmsghdr *nlh = dump_request(req, RTM_GETADDR, sizeof(*ifa),
					    (void **)&ifa);
	struct addr_ctx c = { cb, arg };

	ifa->ifa_family = AF_INET;
	ifa->ifa_index = ifindex > 0 ? (uint32_t)ifindex : 0;
	if (nsid >= 0)
		mnl_attr_put_u32(nlh, IFA_TARGET_NETNSID, (uint32_t)nsid);
	return dump(nlh, addr_msg, &c);
}

int cmon_nl_addrs(cmon_addr_cb cb, void *arg)
{
	return cmon_nl_addrs_in(-1, 0, cb, arg);
}

struct filter_ctx {
	uint32_t own;
	int count;
};

static int filter_msg(const struct nlmsghdr *h, void *data)
{
	struct filter_ctx *c = data;
	const struct tcmsg *t = mnl_nlmsg_get_payload(h);

	/* the per-priority chain head has handle 0; count real filters */
	if (h->nlmsg_type == RTM_NEWTFILTER &&
	    mnl_nlmsg_get_payload_len(h) >= sizeof(*t) && t->tcm_handle &&
	    t->tcm_handle != c->own)
		c->count++;
	return MNL_CB_OK;
}

int cmon_nl_foreign_filters(int ifindex, int egress, uint32_t own_handle)
{
	char req[MNL_SOCKET_BUFFER_SIZE];
	struct tcmsg *t;
	struct nlmsghdr *nlh = dump_request(req, RTM_GETTFILTER, sizeof(*t),
					    (void **)&t);
	struct filter_ctx c = { own_handle, 0 };
	int err;

	t->tcm_family = AF_UNSPEC;
	t->tcm_ifindex = ifindex;
	t->tcm_parent = TC_H_MAKE(TC_H_CLSACT, egress ? CMON_TC_H_MIN_EGRESS :
							CMON_TC_H_MIN_INGRESS);
	err = dump(nlh, filter_msg, &c);
	return err < 0 ? err : c.count;
}

static const enum mnl_attr_data_type nsid_types[NETNSA_MAX + 1] = {
	[NETNSA_NSID] = MNL_TYPE_U32,
};

static int nsid_msg(const struct nlmsghdr *h, void *data)
{
	struct attrs t = { .types = nsid_types, .max = NETNSA_MAX };

	if (h->nlmsg_type != RTM_NEWNSID ||
	    mnl_nlmsg_get_payload_len(h) < sizeof(struct rtgenmsg))
		return MNL_CB_OK;
	mnl_attr_parse(h, NLMSG_ALIGN(sizeof(struct rtgenmsg)), attr_cb, &t);
	if (t.tb[NETNSA_NSID])
		*(int *)data = (int)mnl_attr_get_u32(t.tb[NETNSA_NSID]);
	return MNL_CB_STOP;
}

int cmon_nl_nsid(int fd)
{
	char req[MNL_SOCKET_BUFFER_SIZE], *reply;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	struct rtgenmsg *g;
	size_t len;
	int id = -1;

	nlh->nlmsg_type = RTM_GETNSID;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	g = mnl_nlmsg_put_extra_header(nlh, NLMSG_ALIGN(sizeof(*g)));
	g->rtgen_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, NETNSA_FD, (uint32_t)fd);
	if (request(nlh, &reply, &len))
		return -1;
	run(reply, len, nsid_msg, &id);
	free(reply);
	return id;
}

int cmon_nl_link_watch(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
				  .nl_groups = RTMGRP_LINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
			NETLINK_ROUTE);
	int room = 4 << 20;	/* 2000 links' events: a burst's */

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &room, sizeof(room)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &room, sizeof(room));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int cmon_nl_link_events(int fd, cmon_link_cb cb, void *arg)
{
	char buf[32768];
	int n = 0, lost = 0;

	for (;;) {
		struct sockaddr_nl from;
		socklen_t flen = sizeof(from);
		ssize_t r = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &flen);

		/* the kernel says once that it dropped events, and drops
		 * more without a word until the queue has been emptied:
		 * emptied first, so the caller's look comes after them all */
		if (r < 0 && errno == ENOBUFS)
			lost = 1;
		if (r < 0 && (errno == EINTR || errno == ENOBUFS))
			continue;
		if (r < 0)
			return errno != EAGAIN ? -errno : lost ? -ENOBUFS : n;
		/* the kernel's port id is 0: another process may send to
		 * the group too (with CAP_NET_ADMIN), never as the kernel */
		if (flen != sizeof(from) || from.nl_pid)
			continue;
		if (!cmon_nl_parse_links(buf, (size_t)r, cb, arg))
			n++;
	}
}
