// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer harness of config files (lib/cfgfile.c), operator input: any
 * file either fails with a message or becomes arguments that name only
 * known options, "--name" or "--name=value", followed by the command
 * line's own, in order.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "cfgfile.h"
#include "log.h"

static const struct option opts[] = {
	{ "bridge", required_argument, NULL, 'b' },
	{ "interval", required_argument, NULL, 'i' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "json", no_argument, NULL, 'j' },
	{ "config", required_argument, NULL, 'c' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int known(const char *arg)
{
	size_t n = strcspn(arg + 2, "=");
	const struct option *o;

	if (strncmp(arg, "--", 2))
		return 0;
	for (o = opts; o->name; o++)
		if (strlen(o->name) == n && !strncmp(o->name, arg + 2, n))
			return o->has_arg == no_argument ? !arg[2 + n] :
							   arg[2 + n] == '=';
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	char *in[] = { "cmon", "-c", path, "--quiet", NULL }, **argv = in;
	int argc = 4, i;

	if (fd < 0) {
		cmon_log_init("fuzz", (enum cmon_log_level)-1);	/* quiet */
		fd = memfd_create("cmon-fuzz.conf", 0);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	if (cmon_config_args(&argc, &argv, opts))
		return 0;
	if (argv == in || strcmp(argv[0], "cmon") ||
	    strcmp(argv[argc - 1], "--quiet") || argv[argc])
		abort();
	for (i = 1; i < argc - 1; i++) {
		if (!known(argv[i]))
			abort();
		free(argv[i]);
	}
	free(argv);
	return 0;
}
