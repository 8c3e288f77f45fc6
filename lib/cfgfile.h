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
#include <stddef.h>
#include <stdint.h>

/*
 * If @argv has "-c FILE", "--config FILE" or "--config=FILE", read FILE
 * and replace the argument vector with a new one: argv[0], the file's
 * settings as "--name=value", then the other arguments.  0 when done (or no config
 * given), -1 with a message naming file and line when the file is bad.
 */
int cmon_config_args(int *argc, char ***argv, const struct option *opts);
/*
 * "FILE:LINE" if @s points into a setting cmon_config_args() made from a
 * config file (an option's value, as getopt gives it), else NULL: option
 * checks name where a bad value came from.
 */
const char *cmon_config_origin(const char *s);

/*
 * A number in [min, max] from an option's value: 0, or -EINVAL with a
 * message naming the option (@what) and, for a config file's setting, its
 * file and line.
 */
int cmon_opt_num(const char *s, double min, double max, double *out,
		 const char *what);
int cmon_opt_uint(const char *s, unsigned int min, unsigned int max,
		  unsigned int *out, const char *what);

/* 0 if @path (option @what) can be read, else -1 with the reason said. */
int cmon_readable_file(const char *path, const char *what);
/*
 * A secret kept in a file (@what names the option, e.g. "--key-file"):
 * its first line without surrounding blanks into @buf.  0, or -1 with a
 * message naming the file (unreadable, empty, or longer than @len - 1).
 * Warns when users other than the owner may read it.
 */
int cmon_secret_file(const char *path, const char *what, char *buf,
		     size_t len);
/* The shared annotation key: 16 hex digits in a file (cmon_secret_file). */
int cmon_key_file(const char *path, const char *what, uint64_t *key);

#endif /* CMON_CFGFILE_H */
