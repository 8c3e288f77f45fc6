// SPDX-License-Identifier: BSD-2-Clause
/*
 * cmon-bench-hooks: attach an empty tc program (it returns TC_ACT_UNSPEC
 * and nothing else) at ingress and egress of each named device, the way
 * cmon-kern attaches its hop programs (kmod-free/attach.c: tcx links, or
 * clsact filters), and hold them until SIGINT or SIGTERM.  tools/cmon-bench
 * runs it as the "hooks" mode: what the hook points alone cost, which any
 * tc-based monitor pays, side by side with what cmon's programs add.
 *
 * Usage: cmon-bench-hooks DEVICE...
 */
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include "attach.h"
#include "log.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	/* r0 = -1 (TC_ACT_UNSPEC); exit */
	const struct bpf_insn empty[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0,
		  .imm = -1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	struct cmon_tc *tc;
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, old;
	int fd, i, err;

	cmon_log_init("cmon-bench-hooks", CMON_LOG_INFO);
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fprintf(argc < 2 ? stderr : stdout,
			"usage: cmon-bench-hooks DEVICE...\n"
			"Attach an empty tc program at ingress and egress of "
			"each DEVICE until SIGINT/SIGTERM.\n");
		return argc < 2 ? 2 : 0;
	}
	/* held until sigsuspend(): a signal while attaching still detaches */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "cmon_empty", "GPL",
			   empty, 2, NULL);
	if (fd < 0) {
		cmon_err("loading the empty program: %s (needs root)",
			 strerror(errno));
		return 1;
	}
	tc = calloc(argc - 1, sizeof(*tc));
	if (!tc)
		return 1;
	for (i = 1; i < argc; i++) {
		unsigned int ifindex = if_nametoindex(argv[i]);

		if (!ifindex) {
			cmon_err("no device '%s'", argv[i]);
			err = 1;
			goto out;
		}
		err = cmon_tc_attach(&tc[i - 1], ifindex, fd, fd, 0);
		if (err) {
			cmon_err("attaching to %s: %s", argv[i], strerror(-err));
			tc[i - 1].ifindex = 0;
			err = 1;
			goto out;
		}
	}
	cmon_info("empty programs on %d device(s)", argc - 1);
	while (!stop)
		sigsuspend(&old);
	err = 0;
out:
	for (i = 1; i < argc; i++)
		if (tc[i - 1].ifindex)
			cmon_tc_detach(&tc[i - 1]);
	free(tc);
	close(fd);
	return err;
}
