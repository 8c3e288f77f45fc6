// SPDX-License-Identifier: BSD-2-Clause
/*
 * Link messages as the agent reads them (kmod-free/nl.h): the events a
 * container's start and stop make, built as the kernel writes them.
 */
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include "nl.h"
#include "unit.h"

#define MAX_SEEN 8

struct seen {
	struct cmon_nl_link l[MAX_SEEN];
	unsigned int n;
};

static int on_link(const struct cmon_nl_link *l, void *arg)
{
	struct seen *s = arg;

	if (s->n < MAX_SEEN)
		s->l[s->n++] = *l;
	return 0;
}

/* A link message of @type and @family at @at (aligned): its length. */
static size_t put_link(char *at, uint16_t type, unsigned char family,
		       int ifindex, const char *name, const char *kind,
		       int master, int link, int link_nsid, int new_nsid)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(at);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));
	struct nlattr *info;

	h->nlmsg_type = type;
	ifi->ifi_family = family;
	ifi->ifi_index = ifindex;
	mnl_attr_put_strz(h, IFLA_IFNAME, name);
	if (master)
		mnl_attr_put_u32(h, IFLA_MASTER, (uint32_t)master);
	if (link)
		mnl_attr_put_u32(h, IFLA_LINK, (uint32_t)link);
	if (link_nsid >= 0)
		mnl_attr_put_u32(h, IFLA_LINK_NETNSID, (uint32_t)link_nsid);
	if (new_nsid >= 0)
		mnl_attr_put_u32(h, IFLA_NEW_NETNSID, (uint32_t)new_nsid);
	if (kind) {
		info = mnl_attr_nest_start(h, IFLA_LINKINFO);
		mnl_attr_put_strz(h, IFLA_INFO_KIND, kind);
		mnl_attr_nest_end(h, info);
	}
	return MNL_ALIGN(h->nlmsg_len);
}

static void test_nl_port_events(void)
{
	static char buf[4096] __attribute__((aligned(4)));
	struct seen s = { .n = 0 };
	size_t len = 0;

	/* the port enslaved, its peer in namespace 7 */
	len += put_link(buf + len, RTM_NEWLINK, AF_UNSPEC, 40, "veth1", "veth",
			3, 2, 7, -1);
	/* the bridge's own word of its port: not the link's */
	len += put_link(buf + len, RTM_NEWLINK, AF_BRIDGE, 40, "veth1", NULL,
			3, 0, -1, -1);
	len += put_link(buf + len, RTM_DELLINK, AF_BRIDGE, 40, "veth1", NULL,
			3, 0, -1, -1);
	/* a veth's end moved to namespace 9, its other end is 41 */
	len += put_link(buf + len, RTM_DELLINK, AF_UNSPEC, 42, "eth0", "veth",
			0, 41, -1, 9);
	/* the port removed */
	len += put_link(buf + len, RTM_DELLINK, AF_UNSPEC, 40, "veth1", "veth",
			3, 2, 7, -1);
	CU_ASSERT_EQUAL_FATAL(cmon_nl_parse_links(buf, len, on_link, &s), 0);
	CU_ASSERT_EQUAL_FATAL(s.n, 3);
	CU_ASSERT_EQUAL(s.l[0].ifindex, 40);
	CU_ASSERT_STRING_EQUAL(s.l[0].name, "veth1");
	CU_ASSERT_STRING_EQUAL(s.l[0].kind, "veth");
	CU_ASSERT_EQUAL(s.l[0].master, 3);
	CU_ASSERT_EQUAL(s.l[0].link, 2);
	CU_ASSERT_EQUAL(s.l[0].link_netnsid, 7);
	CU_ASSERT_EQUAL(s.l[0].deleted, 0);
	CU_ASSERT_EQUAL(s.l[0].new_netnsid, -1);
	CU_ASSERT_EQUAL(s.l[1].ifindex, 42);
	CU_ASSERT_EQUAL(s.l[1].deleted, 1);
	CU_ASSERT_EQUAL(s.l[1].link, 41);
	CU_ASSERT_EQUAL(s.l[1].new_netnsid, 9);
	CU_ASSERT_EQUAL(s.l[1].link_netnsid, -1);
	CU_ASSERT_EQUAL(s.l[2].ifindex, 40);
	CU_ASSERT_EQUAL(s.l[2].deleted, 1);
	CU_ASSERT_EQUAL(s.l[2].new_netnsid, -1);
}

static void test_nl_bad_messages(void)
{
	static char buf[4096] __attribute__((aligned(4)));
	struct seen s = { .n = 0 };
	struct nlmsghdr *h;
	struct nlattr *a;
	size_t len;

	memset(buf, 0, sizeof(buf));
	/* a name longer than a link's, and a master of 2 bytes */
	len = put_link(buf, RTM_NEWLINK, AF_UNSPEC, 5, "abcdefghijklmnopqrstu",
		       "veth", 0, 0, -1, -1);
	h = (struct nlmsghdr *)buf;
	a = mnl_nlmsg_get_payload_tail(h);
	a->nla_type = IFLA_MASTER;
	a->nla_len = 4 + 2;
	h->nlmsg_len += 8;
	len = MNL_ALIGN(h->nlmsg_len);
	CU_ASSERT_EQUAL(cmon_nl_parse_links(buf, len, on_link, &s), 0);
	CU_ASSERT_EQUAL_FATAL(s.n, 1);
	CU_ASSERT_STRING_EQUAL(s.l[0].name, "abcdefghijklmno");
	CU_ASSERT_EQUAL(s.l[0].master, 0);	/* malformed: not read */
	/* cut short: the whole messages only */
	s.n = 0;
	len = put_link(buf, RTM_NEWLINK, AF_UNSPEC, 6, "a", "veth", 1, 0, -1,
		       -1);
	len += put_link(buf + len, RTM_NEWLINK, AF_UNSPEC, 7, "b", "veth", 1,
			0, -1, -1);
	CU_ASSERT_EQUAL(cmon_nl_parse_links(buf, len - 8, on_link, &s), 0);
	CU_ASSERT_EQUAL_FATAL(s.n, 1);
	CU_ASSERT_EQUAL(s.l[0].ifindex, 6);
}

int main(void)
{
	static const struct unit_case cases[] = {
		{ "port events", test_nl_port_events },
		{ "bad messages", test_nl_bad_messages },
		{ NULL, NULL },
	};

	return unit_run("nl", cases);
}
