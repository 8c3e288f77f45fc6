// SPDX-License-Identifier: BSD-2-Clause
/* Config files as command-line arguments: see config.h. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cfgfile.h"
#include "log.h"

static const struct option *find(const struct option *o, const char *name)
{
	for (; o->name; o++)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

static int is_false(const char *v)
{
	return !strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0") ||
	       !strcmp(v, "off");
}

static int is_true(const char *v)
{
	return !*v || !strcmp(v, "true") || !strcmp(v, "yes") ||
	       !strcmp(v, "1") || !strcmp(v, "on");
}

/* Parse one line into "--name[=value]" (or nothing); -1 if bad. */
static int setting(const char *path, unsigned int ln, char *line,
		   const struct option *opts, char **arg)
{
	const struct option *o;
	char *name, *val, *hash;
	size_t n;

	*arg = NULL;
	line = trim(line);
	if (!*line || *line == '#')
		return 0;
	name = line;
	n = strcspn(name, " \t=");
	val = name + n;
	if (*val) {
		*val++ = 0;
		val = trim(val);
		if (*val == '=')
			val = trim(val + 1);
	}
	if (*val == '"') {
		char *end = strchr(val + 1, '"');

		if (!end || (*trim(end + 1) && *trim(end + 1) != '#')) {
			cmon_err("%s:%u: unterminated quoted value", path, ln);
			return -1;
		}
		*end = 0;
		val++;
	} else if ((hash = strchr(val, '#'))) {
		*hash = 0;
		val = trim(val);
	}
	o = find(opts, name);
	if (!o || !strcmp(name, "config") || !strcmp(name, "help")) {
		cmon_err("%s:%u: unknown setting \"%s\" (settings are the "
			 "long options of --help, without the dashes)", path,
			 ln, name);
		return -1;
	}
	if (o->has_arg == no_argument) {
		if (is_false(val))
			return 0;
		if (!is_true(val)) {
			cmon_err("%s:%u: \"%s\" is a flag: give no value, "
				 "true or false", path, ln, name);
			return -1;
		}
		return asprintf(arg, "--%s", name) < 0 ? -1 : 0;
	}
	if (!*val) {
		cmon_err("%s:%u: \"%s\" needs a value (%s = VALUE)", path, ln,
			 name, name);
		return -1;
	}
	return asprintf(arg, "--%s=%s", name, val) < 0 ? -1 : 0;
}

/* Where the config option is in argv: its index and the file name. */
static int config_arg(int argc, char **argv, const char **path, int *span)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strncmp(argv[i], "--config=", 9)) {
			*path = argv[i] + 9;
			*span = 1;
			return i;
		}
		if ((!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) &&
		    i + 1 < argc) {
			*path = argv[i + 1];
			*span = 2;
			return i;
		}
	}
	return -1;
}

/* Where the settings cmon_config_args() made came from, for messages;
 * and the argument vector it made, which lives as long as the program. */
static struct {
	char **argv;
	char *path;
	char **args;			/* [n], the settings (argv[1..n]) */
	unsigned int *lines;		/* [n] */
	int n;
} origin;

const char *cmon_config_origin(const char *s)
{
	static char where[320];
	int i;

	for (i = 0; s && i < origin.n; i++)
		if (s >= origin.args[i] &&
		    s <= origin.args[i] + strlen(origin.args[i])) {
			snprintf(where, sizeof(where), "%s:%u", origin.path,
				 origin.lines[i]);
			return where;
		}
	return NULL;
}

int cmon_config_args(int *argc, char ***argv, const struct option *opts)
{
	const char *path;
	char **out = NULL, **tmp, *line = NULL, *arg;
	int at, span, n = 0, i, ret = -1;
	unsigned int ln = 0, *lines = NULL, *ltmp;
	size_t cap = 0;
	FILE *f;

	at = config_arg(*argc, *argv, &path, &span);
	if (at < 0)
		return 0;
	f = fopen(path, "r");
	if (!f) {
		cmon_err("config file %s: %s", path, strerror(errno));
		return -1;
	}
	out = calloc(*argc + 1, sizeof(*out));
	if (!out)
		goto done;
	out[n++] = (*argv)[0];
	while (getline(&line, &cap, f) > 0) {
		if (setting(path, ++ln, line, opts, &arg))
			goto done;
		if (!arg)
			continue;
		tmp = realloc(out, (*argc + n + 2) * sizeof(*out));
		if (tmp)
			out = tmp;
		ltmp = realloc(lines, (n + 1) * sizeof(*lines));
		if (ltmp)
			lines = ltmp;
		if (!tmp || !ltmp) {
			free(arg);
			goto done;
		}
		lines[n - 1] = ln;
		out[n++] = arg;
	}
	if (ferror(f)) {
		cmon_err("config file %s: %s", path, strerror(errno));
		goto done;
	}
	free(origin.path);
	free(origin.args);
	free(origin.lines);
	origin.n = n - 1;
	origin.lines = lines;
	lines = NULL;
	origin.path = strdup(path);
	origin.args = malloc((n + 1) * sizeof(*origin.args));
	if (!origin.path || !origin.args)
		origin.n = 0;		/* messages will not say where */
	else
		memcpy(origin.args, out + 1, (n - 1) * sizeof(*out));
	for (i = 1; i < *argc; i++)
		if (i < at || i >= at + span)
			out[n++] = (*argv)[i];
	out[n] = NULL;
	*argc = n;
	*argv = origin.argv = out;
	out = NULL;
	ret = 0;
done:
	/* on failure, the settings made so far (argv's own are not ours) */
	for (i = 1; out && i < n; i++)
		free(out[i]);
	free(out);
	free(lines);
	free(line);
	fclose(f);
	return ret;
}

int cmon_readable_file(const char *path, const char *what)
{
	FILE *f = fopen(path, "r");

	if (!f) {
		cmon_err("%s %s: %s", what, path, strerror(errno));
		return -1;
	}
	fclose(f);
	return 0;
}

int cmon_secret_file(const char *path, const char *what, char *buf,
		     size_t len)
{
	char *line = NULL, *s;
	size_t cap = 0;
	struct stat st;
	FILE *f = fopen(path, "r");
	int ret = -1;

	if (!f) {
		cmon_err("%s %s: %s", what, path, strerror(errno));
		return -1;
	}
	if (!fstat(fileno(f), &st) && st.st_mode & 077)
		cmon_warn("%s %s: others may read it (chmod 600 %s)", what,
			  path, path);
	if (getline(&line, &cap, f) < 0) {
		cmon_err("%s %s: empty", what, path);
		goto out;
	}
	s = trim(line);
	if (!*s || strlen(s) >= len) {
		cmon_err("%s %s: %s", what, path, *s ? "too long" :
			 "the first line is empty");
		goto out;
	}
	memcpy(buf, s, strlen(s) + 1);
	ret = 0;
out:
	if (line)		/* no copy of the secret left behind */
		memset(line, 0, cap);
	free(line);
	fclose(f);
	return ret;
}

int cmon_key_file(const char *path, const char *what, uint64_t *key)
{
	char buf[32], *end;

	if (cmon_secret_file(path, what, buf, sizeof(buf)))
		return -1;
	errno = 0;
	*key = strtoull(buf, &end, 16);
	if (errno || *end || strlen(buf) != 16) {
		cmon_err("%s %s must hold 16 hex digits (e.g. from "
			 "'od -An -tx8 -N8 /dev/urandom')", what, path);
		return -1;
	}
	return 0;
}

/* "FILE:LINE: " when option value @s came from a config file, else "". */
static const char *where_from(const char *s, char *buf, size_t len)
{
	const char *where = cmon_config_origin(s);

	snprintf(buf, len, "%s%s", where ? where : "", where ? ": " : "");
	return buf;
}

int cmon_opt_num(const char *s, double min, double max, double *out,
		     const char *what)
{
	char *end, at[340];
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < min || v > max) {
		cmon_err("%sinvalid %s '%s': expected a number from %.10g to "
			 "%.10g", where_from(s, at, sizeof(at)), what, s, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int cmon_opt_uint(const char *s, unsigned int min, unsigned int max,
		      unsigned int *out, const char *what)
{
	char at[340];
	double v;

	if (cmon_opt_num(s, min, max, &v, what))
		return -EINVAL;
	if (v != (unsigned int)v) {
		cmon_err("%sinvalid %s '%s': expected a whole number",
			 where_from(s, at, sizeof(at)), what, s);
		return -EINVAL;
	}
	*out = (unsigned int)v;
	return 0;
}
