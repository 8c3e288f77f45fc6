// SPDX-License-Identifier: BSD-2-Clause
/* Unit tests of lib/cfgfile: config files become command-line arguments. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cfgfile.h"
#include "unit.h"

static const struct option opts[] = {
	{ "bridge", required_argument, NULL, 'b' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "json", no_argument, NULL, 'j' },
	{ "influx", required_argument, NULL, 1 },
	{ "config", required_argument, NULL, 'c' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static char path[64];

static void write_file(const char *text)
{
	int fd;
	FILE *f;

	strcpy(path, "/tmp/cmon-cfg.XXXXXX");
	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
}

static int load(const char *text, int *argc, char ***argv, char **base,
		int n)
{
	int ret;

	write_file(text);
	base[n - 1] = path;
	*argc = n;
	*argv = base;
	ret = cmon_config_args(argc, argv, opts);
	unlink(path);
	return ret;
}

static void test_cfgfile_settings_before_arguments(void)
{
	char *base[] = { "prog", "--bridge", "br9", "-c", NULL, NULL };
	char **argv;
	int argc;

	CU_ASSERT_EQUAL_FATAL(load("# comment\n\nbridge = br0\n"
				   "  influx=\"http://h:1/#x\"  # note\n"
				   "quiet\njson = false\nbridge br1 # two\n",
				   &argc, &argv, base, 5), 0);
	CU_ASSERT_EQUAL_FATAL(argc, 7);
	CU_ASSERT_STRING_EQUAL(argv[0], "prog");
	CU_ASSERT_STRING_EQUAL(argv[1], "--bridge=br0");
	CU_ASSERT_STRING_EQUAL(argv[2], "--influx=http://h:1/#x");
	CU_ASSERT_STRING_EQUAL(argv[3], "--quiet");
	CU_ASSERT_STRING_EQUAL(argv[4], "--bridge=br1");
	/* the command line comes last, so it wins */
	CU_ASSERT_STRING_EQUAL(argv[5], "--bridge");
	CU_ASSERT_STRING_EQUAL(argv[6], "br9");
	CU_ASSERT_PTR_NULL(argv[7]);
	/* a value names its file and line; the command line's do not */
	CU_ASSERT_PTR_NOT_NULL_FATAL(cmon_config_origin(argv[4] + 9));
	CU_ASSERT(strstr(cmon_config_origin(argv[4] + 9), ":7") != NULL);
	CU_ASSERT(!strncmp(cmon_config_origin(argv[1]), "/tmp/cmon-cfg.", 14));
	CU_ASSERT(strstr(cmon_config_origin(argv[2]), ":4") != NULL);
	CU_ASSERT_PTR_NULL(cmon_config_origin(argv[6]));
	/* the settings are the caller's (the program keeps them) */
	for (argc = 1; argc <= 4; argc++)
		free(argv[argc]);
	free(argv);
}

static void test_cfgfile_errors(void)
{
	char *base[] = { "prog", "-c", NULL, NULL };
	char **argv;
	int argc;

	CU_ASSERT_EQUAL(load("nosuch = 1\n", &argc, &argv, base, 3), -1);
	CU_ASSERT_EQUAL(load("config = x\n", &argc, &argv, base, 3), -1);
	CU_ASSERT_EQUAL(load("bridge\n", &argc, &argv, base, 3), -1);
	CU_ASSERT_EQUAL(load("quiet = perhaps\n", &argc, &argv, base, 3), -1);
	CU_ASSERT_EQUAL(load("bridge = \"br0\n", &argc, &argv, base, 3), -1);
	CU_ASSERT_PTR_EQUAL(argv, base);
}

static void test_cfgfile_absent_is_noop(void)
{
	char *base[] = { "prog", "--bridge", "br0", NULL };
	char **argv = base;
	int argc = 3;

	CU_ASSERT_EQUAL(cmon_config_args(&argc, &argv, opts), 0);
	CU_ASSERT_PTR_EQUAL(argv, base);
	CU_ASSERT_EQUAL(argc, 3);
	base[1] = "--config=/nonexistent/cmon.conf";
	CU_ASSERT_EQUAL(cmon_config_args(&argc, &argv, opts), -1);
}

/* Secrets and keys in files: the first line, trimmed; bad ones refused. */
static void test_cfgfile_secret_and_key_files(void)
{
	char buf[16];
	uint64_t key;

	write_file("  s3cret \nsecond line\n");
	CU_ASSERT_EQUAL(cmon_secret_file(path, "--http-token-file", buf,
					 sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "s3cret");
	unlink(path);
	write_file("a-token-longer-than-the-buffer\n");
	CU_ASSERT_EQUAL(cmon_secret_file(path, "--http-token-file", buf,
					 sizeof(buf)), -1);
	unlink(path);
	write_file("\n");
	CU_ASSERT_EQUAL(cmon_secret_file(path, "x", buf, sizeof(buf)), -1);
	unlink(path);
	CU_ASSERT_EQUAL(cmon_secret_file("/nonexistent/x", "x", buf,
					 sizeof(buf)), -1);
	write_file("0123456789abcdef\n");
	CU_ASSERT_EQUAL(cmon_key_file(path, "--key-file", &key), 0);
	CU_ASSERT_EQUAL(key, 0x0123456789abcdefULL);
	unlink(path);
	write_file("0123456789abcdeg\n");
	CU_ASSERT_EQUAL(cmon_key_file(path, "--key-file", &key), -1);
	unlink(path);
	write_file("123\n");
	CU_ASSERT_EQUAL(cmon_key_file(path, "--key-file", &key), -1);
	unlink(path);
}

int main(void)
{
	static const struct unit_case cases[] = {
		{ "test_cfgfile_settings_before_arguments",
		  test_cfgfile_settings_before_arguments },
		{ "test_cfgfile_errors", test_cfgfile_errors },
		{ "test_cfgfile_absent_is_noop", test_cfgfile_absent_is_noop },
		{ "test_cfgfile_secret_and_key_files",
		  test_cfgfile_secret_and_key_files },
		{ NULL, NULL }
	};
	return unit_run("cfgfile", cases);
}
