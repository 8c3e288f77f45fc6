/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tc attachment of the hop programs to one device.  On kernels with tcx
 * (6.6 and later) each program is a tcx link: no qdisc, the cheapest hook,
 * and the kernel removes it when the link's file descriptor closes, so
 * even a killed agent leaves nothing behind.  But each link waits for an
 * RCU grace period under the RTNL lock, one after the other, when it is
 * made and when it goes, even from many threads: about 10 ms here, 20 s
 * for 1000 containers.
 * Older kernels, or cmon_tc_use_clsact(1) (--tc clsact: hundreds of
 * containers attached in a second), get clsact filters, remembering
 * exactly what was created so that detaching removes only that: our two
 * filters, and the clsact qdisc only if we created it and no other filter
 * uses it.  Either way the programs let every packet
 * go on to the device's other tc programs (they return TC_ACT_UNSPEC).
 *
 * A killed agent's links go in the reverse order of their descriptors (the
 * kernel releases an exiting task's files last opened first): the links
 * of stamp hops are moved to descriptors above every strip hop's, so no
 * stamp outlives the strip hops, and no packet leaves stamped and never
 * stripped (a payload trailer would reach the receiver).
 */
#ifndef CMON_ATTACH_H
#define CMON_ATTACH_H

#include <stdbool.h>

/* tc filter handle and priority of every cmon filter. */
#define CMON_TC_HANDLE	0xc30a
#define CMON_TC_PRIO	1

struct cmon_tc {
	int ifindex;
	int in_link, out_link;		/* tcx link fds, or -1 */
	bool created_qdisc;
	bool ingress, egress;		/* clsact filters */
};

/* Which of the two programs stamp (cmon_tc_attach()'s @stamps). */
#define CMON_TC_STAMP_INGRESS	1
#define CMON_TC_STAMP_EGRESS	2

/*
 * Set while this thread calls libbpf for something whose failure the
 * caller handles itself: libbpf's warnings then are not the user's.
 */
extern __thread int cmon_libbpf_expected;

/* clsact filters (1) or tcx links (0, the default) from now on. */
void cmon_tc_use_clsact(int on);
/* Attach @in_fd at ingress and @out_fd at egress (-1: none). */
int cmon_tc_attach(struct cmon_tc *t, int ifindex, int in_fd, int out_fd,
		   int stamps);
/* Remove what cmon_tc_attach() added; harmless if the device is gone. */
void cmon_tc_detach(struct cmon_tc *t);
/*
 * The same for device @ifindex of the network namespace at @ns_path (a
 * container's eth0): the calling thread enters it for the netlink and
 * link calls that name the device, and comes back.
 */
int cmon_tc_attach_in(const char *ns_path, struct cmon_tc *t, int ifindex,
		      int in_fd, int out_fd, int stamps);
void cmon_tc_detach_in(const char *ns_path, struct cmon_tc *t);

#endif /* CMON_ATTACH_H */
