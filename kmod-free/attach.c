// SPDX-License-Identifier: BSD-2-Clause
/* tc attachment: see attach.h. */
#include <errno.h>
#include <string.h>
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

int cmon_tc_attach(struct cmon_tc *t, int ifindex, int in_fd, int out_fd)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	int err;

	memset(t, 0, sizeof(*t));
	t->ifindex = ifindex;
	err = bpf_tc_hook_create(&hook);
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
