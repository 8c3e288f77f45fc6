// SPDX-License-Identifier: BSD-2-Clause
/* Logging: see log.h. */
#include <stdarg.h>
#include <stdio.h>
#include "log.h"

enum cmon_log_level cmon_log_level = CMON_LOG_INFO;
static const char *cmon_log_prog = "cmon";

void cmon_log_init(const char *prog, enum cmon_log_level level)
{
	cmon_log_prog = prog;
	cmon_log_level = level;
}

void cmon_log(enum cmon_log_level level, const char *fmt, ...)
{
	static const char *names[] = { "error", "warning", "info", "debug" };
	va_list ap;

	if (level > cmon_log_level)
		return;
	fprintf(stderr, "%s: %s: ", cmon_log_prog, names[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
