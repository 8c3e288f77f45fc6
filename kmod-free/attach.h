/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tc clsact attachment of the hop programs to one device, remembering
 * exactly what was created so that detaching removes only that: our two
 * filters, and the clsact qdisc only if we created it and no other
 * filter uses it.
 */
#ifndef CMON_ATTACH_H
#define CMON_ATTACH_H

#include <stdbool.h>

/* tc filter handle and priority of every cmon filter. */
#define CMON_TC_HANDLE	0xc30a
#define CMON_TC_PRIO	1

struct cmon_tc {
	int ifindex;
	bool created_qdisc;
	bool ingress, egress;
};

/* Attach @in_fd at ingress and @out_fd at egress (-1: none). */
int cmon_tc_attach(struct cmon_tc *t, int ifindex, int in_fd, int out_fd);
/* Remove what cmon_tc_attach() added; harmless if the device is gone. */
void cmon_tc_detach(struct cmon_tc *t);

#endif /* CMON_ATTACH_H */
