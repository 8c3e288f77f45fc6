/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Logging for every cmon binary: levels, program name prefix, stderr,
 * one write per line.  Data-path callers rate-limit with cmon_log_rl().
 */
#ifndef CMON_LOG_H
#define CMON_LOG_H

#include <stddef.h>
#include <time.h>

enum cmon_log_level { CMON_LOG_ERR, CMON_LOG_WARN, CMON_LOG_INFO,
		      CMON_LOG_DEBUG };

/* Longest line logged (longer ones are cut and end in "..."). */
#define CMON_LOG_LINE 1024

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

/*
 * At most one message per second per call site, from any thread; the
 * next one that passes says how many were suppressed since.
 */
struct cmon_log_rl {
	time_t last;			/* CLOCK_MONOTONIC second */
	unsigned long suppressed;
};
/* 1: log now (*@suppressed: how many were not since); 0: suppressed. */
int cmon_log_rl_pass(struct cmon_log_rl *rl, unsigned long *suppressed);

#define cmon_log_rl(level, ...) do {					\
	static struct cmon_log_rl rl_;					\
	unsigned long n_;						\
	if (cmon_log_rl_pass(&rl_, &n_)) {				\
		cmon_log(level, __VA_ARGS__);				\
		if (n_)							\
			cmon_log(level, "(%lu more like the above "	\
				 "suppressed)", n_);			\
	}								\
} while (0)

#endif /* CMON_LOG_H */
