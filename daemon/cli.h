/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The command line cmon-kern and cmon-dpdk share: reporting, the kernel
 * path, exporting, pcap dumps and --config FILE, into the daemon's options
 * (daemon.h).  A program adds its own options; their values are its short
 * letters or CMON_CLI_PROG_OPT and up (the shared long-only options use
 * values from 0x100, never a letter a program could want).
 */
#ifndef CMON_CLI_H
#define CMON_CLI_H

#include <getopt.h>
#include "daemon.h"

#define CMON_CLI_PROG_OPT	0x400

struct cmon_cli {
	const char *name;		/* for --version */
	const char *usage;		/* "Usage: ..." and what it does */
	const char *help;		/* its own options' help lines */
	const char *epilogue;		/* printed after every option */
	const struct option *opts;	/* its own options, NULL-terminated */
	const char *shortopts;		/* and their letters, getopt style */
	/* One of its own options: 0, or <0 (said why). */
	int (*parse)(void *ctx, int c, const char *arg);
	void *ctx;
	/* out: the arguments after the options */
	int argc;
	char **argv;
};

/*
 * Parse @argc/@argv (after the settings of a --config FILE) into @o,
 * which cmon_daemon_opts_init() prepared.  0, or 2 after saying what is
 * wrong; --help and --version print and exit 0.  The node name defaults
 * to the host name.
 */
int cmon_cli_parse(int argc, char **argv, struct cmon_cli *cli,
		   struct cmon_daemon_opts *o);

#endif /* CMON_CLI_H */
