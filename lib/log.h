/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Logging for every cmon binary: levels, program name prefix, stderr.
 * Data-path callers rate-limit with cmon_log_rl().
 */
#ifndef CMON_LOG_H
#define CMON_LOG_H

#include <stddef.h>
#include <time.h>

enum cmon_log_level { CMON_LOG_ERR, CMON_LOG_WARN, CMON_LOG_INFO,
		      CMON_LOG_DEBUG };

extern enum cmon_log_level cmon_log_level;

void cmon_log_init(const char *prog, enum cmon_log_level level);
void cmon_log(enum cmon_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define cmon_err(...)	cmon_log(CMON_LOG_ERR, __VA_ARGS__)
#define cmon_warn(...)	cmon_log(CMON_LOG_WARN, __VA_ARGS__)
#define cmon_info(...)	cmon_log(CMON_LOG_INFO, __VA_ARGS__)
#define cmon_dbg(...)	cmon_log(CMON_LOG_DEBUG, __VA_ARGS__)

/*
 * @url as logs and documents may show it, in @buf: its user:password and
 * the value of any token= parameter become "***".  Returns @buf.
 */
char *cmon_url_redact(const char *url, char *buf, size_t len);

/*
 * Make a name a container controls (its processes' comm, its interface
 * names) safe to show: every control character, DEL and byte outside
 * ASCII becomes '?', so no terminal escape sequence gets through and the
 * name is valid UTF-8.  Returns @s.
 */
char *cmon_name_clean(char *s);

/* At most one message per second per call site. */
#define cmon_log_rl(level, ...) do {					\
	static time_t last_;						\
	time_t now_ = time(NULL);					\
	if (now_ != last_) {						\
		last_ = now_;						\
		cmon_log(level, __VA_ARGS__);				\
	}								\
} while (0)

#endif /* CMON_LOG_H */
