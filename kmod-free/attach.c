// SPDX-License-Identifier: BSD-2-Clause
/* tc attachment: see attach.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "log.h"
#include "nl.h"

static int attach_one(struct cmon_tc *t, enum bpf_tc_attach_point where,
		      int fd)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = t->ifindex,
			    .attach_point = where);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = CMON_TC_HANDLE,
			    .priority = CMON_TC_PRIO, .prog_fd = fd,
			    .flags = BPF_TC_F_REPLACE);

	return bpf_tc_attach(&hook, &opts);
}

/* tcx attach types (linux/bpf.h of 6.6; libbpf 1.1's headers predate it). */
#define CMON_TCX_INGRESS	46
#define CMON_TCX_EGRESS		47

/* cmon_tc_use_clsact(1): clsact filters even where tcx exists. */
static int use_clsact;

void cmon_tc_use_clsact(int on)
{
	use_clsact = on;
}

/* tcx links for both programs: 0, or <0 when this kernel has no tcx. */
__thread int cmon_libbpf_expected;

/*
 * A stamp hop's link @fd moved to the upper half of the descriptor range
 * (raised to its hard limit once), above every strip hop's: see attach.h.
 * Where that cannot be, it stays where it is.
 */
static int stamp_fd(int fd)
{
	static int base;
	struct rlimit rl;
	int high;

	if (!base) {
		if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max > 1 << 20 ? 1 << 20 : rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
		base = getrlimit(RLIMIT_NOFILE, &rl) ? 512 : (int)(rl.rlim_cur / 2);
	}
	high = fcntl(fd, F_DUPFD_CLOEXEC, base);
	if (high < 0)
		return fd;
	close(fd);
	return high;
}

static int tcx_attach(struct cmon_tc *t, int in_fd, int out_fd, int stamps)
{
	if (in_fd >= 0) {
		t->in_link = bpf_link_create(in_fd, t->ifindex,
					     CMON_TCX_INGRESS, NULL);
		if (t->in_link < 0)
			return t->in_link;
		if (stamps & CMON_TC_STAMP_INGRESS)
			t->in_link = stamp_fd(t->in_link);
	}
	if (out_fd >= 0) {
		t->out_link = bpf_link_create(out_fd, t->ifindex,
					      CMON_TCX_EGRESS, NULL);
		if (t->out_link < 0)
			return t->out_link;
		if (stamps & CMON_TC_STAMP_EGRESS)
			t->out_link = stamp_fd(t->out_link);
	}
	return 0;
}

int cmon_tc_attach(struct cmon_tc *t, int ifindex, int in_fd, int out_fd,
		   int stamps)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	int err;

	memset(t, 0, sizeof(*t));
	t->ifindex = ifindex;
	t->in_link = t->out_link = -1;
	if (!use_clsact) {
		err = tcx_attach(t, in_fd, out_fd, stamps);
		if (!err)
			return 0;
		cmon_tc_detach(t);
		if (err == -ENODEV)
			return err;
	}
	/* no tcx (kernel before 6.6): a clsact qdisc and cls_bpf filters */
	t->ifindex = ifindex;
	cmon_libbpf_expected = 1;	/* an existing clsact is handled below */
	err = bpf_tc_hook_create(&hook);
	cmon_libbpf_expected = 0;
	if (!err) {
		t->created_qdisc = true;
	} else if (err == -EEXIST) {
		/* a clsact holding only cmon filters was left by a killed
		 * cmon-kern: treat it as ours so it goes when we go */
		t->created_qdisc =
			cmon_nl_foreign_filters(ifindex, 0, CMON_TC_HANDLE) == 0 &&
			cmon_nl_foreign_filters(ifindex, 1, CMON_TC_HANDLE) == 0;
	} else {
		return err;
	}
	if (out_fd >= 0) {
		err = attach_one(t, BPF_TC_EGRESS, out_fd);
		if (err)
			goto fail;
		t->egress = true;
	}
	if (in_fd >= 0) {
		err = attach_one(t, BPF_TC_INGRESS, in_fd);
		if (err)
			goto fail;
		t->ingress = true;
	}
	return 0;
fail:
	cmon_tc_detach(t);
	return err;
}

static void detach_one(struct cmon_tc *t, enum bpf_tc_attach_point where)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = t->ifindex,
			    .attach_point = where);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = CMON_TC_HANDLE,
			    .priority = CMON_TC_PRIO);
	int err = bpf_tc_detach(&hook, &opts);

	if (err && err != -ENOENT && err != -ENODEV && err != -EINVAL)
		cmon_warn("detaching filter from ifindex %d: %s", t->ifindex,
			  strerror(-err));
}

void cmon_tc_detach(struct cmon_tc *t)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = t->ifindex,
			    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);

	if (t->in_link >= 0)
		close(t->in_link);
	if (t->out_link >= 0)
		close(t->out_link);
	t->in_link = t->out_link = -1;

	if (t->ingress)
		detach_one(t, BPF_TC_INGRESS);
	if (t->egress)
		detach_one(t, BPF_TC_EGRESS);
	t->ingress = t->egress = false;
	/* remove the qdisc only if it is ours and nobody else uses it */
	if (t->created_qdisc &&
	    cmon_nl_foreign_filters(t->ifindex, 0, CMON_TC_HANDLE) == 0 &&
	    cmon_nl_foreign_filters(t->ifindex, 1, CMON_TC_HANDLE) == 0)
		bpf_tc_hook_destroy(&hook);
	t->created_qdisc = false;
}

/* Enter the network namespace at @ns_path: the descriptor of the one to
 * come back to, or -errno. */
static int enter_ns(const char *ns_path)
{
	int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int fd = open(ns_path, O_RDONLY | O_CLOEXEC), err = 0;

	if (home < 0 || fd < 0 || setns(fd, CLONE_NEWNET))
		err = -errno;
	if (fd >= 0)
		close(fd);
	if (err && home >= 0)
		close(home);
	return err ? err : home;
}

static void leave_ns(int home)
{
	if (setns(home, CLONE_NEWNET))
		cmon_err("cannot return to the agent's network namespace: %s",
			 strerror(errno));
	close(home);
}

int cmon_tc_attach_in(const char *ns_path, struct cmon_tc *t, int ifindex,
		      int in_fd, int out_fd, int stamps)
{
	int home = enter_ns(ns_path), err;

	if (home < 0)
		return home;
	err = cmon_tc_attach(t, ifindex, in_fd, out_fd, stamps);
	leave_ns(home);
	return err;
}

void cmon_tc_detach_in(const char *ns_path, struct cmon_tc *t)
{
	int home = -1;

	/* tcx links go with their descriptors; filters by netlink there
	 * (a namespace gone took its devices and their filters with it) */
	if ((t->ingress || t->egress) && (home = enter_ns(ns_path)) < 0)
		t->ingress = t->egress = t->created_qdisc = false;
	cmon_tc_detach(t);
	if (home >= 0)
		leave_ns(home);
}
