/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Config files: one setting per line, "name = value" or a bare "name" for
 * a flag, where name is a long command-line option (so a config file and
 * the command line say the same things the same way); '#' starts a
 * comment; values may be double-quoted.  The settings become arguments
 * placed before the command line's, so the command line wins.
 */
#ifndef CMON_CFGFILE_H
#define CMON_CFGFILE_H

#include <getopt.h>

/*
 * If @argv has "-c FILE", "--config FILE" or "--config=FILE", read FILE
 * and replace the argument vector with a new one: argv[0], the file's
 * settings as "--name=value", then the other arguments.  0 when done (or no config
 * given), -1 with a message naming file and line when the file is bad.
 */
int cmon_config_args(int *argc, char ***argv, const struct option *opts);

#endif /* CMON_CFGFILE_H */
