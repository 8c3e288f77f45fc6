// SPDX-License-Identifier: BSD-2-Clause
/* Logging: see log.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "log.h"

enum cmon_log_level cmon_log_level = CMON_LOG_INFO;
static const char *cmon_log_prog = "cmon";

void cmon_log_init(const char *prog, enum cmon_log_level level)
{
	cmon_log_prog = prog;
	cmon_log_level = level;
}

/* One write(2) per line, so lines of concurrent threads never mix. */
void cmon_log(enum cmon_log_level level, const char *fmt, ...)
{
	static const char *names[] = { "error", "warning", "info", "debug" };
	char line[CMON_LOG_LINE];
	va_list ap;
	int n, m;

	if (level > cmon_log_level)
		return;
	n = snprintf(line, sizeof(line), "%s: %s: ", cmon_log_prog,
		     names[level]);
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	n = m < 0 ? n : n + m;
	if (n > (int)sizeof(line) - 2) {	/* cut: say so */
		n = sizeof(line) - 2;
		memcpy(line + n - 3, "...", 3);
	}
	line[n++] = '\n';
	fflush(stderr);			/* what stdio holds goes first */
	if (write(STDERR_FILENO, line, n) < 0)
		return;			/* nowhere to say it */
}

int cmon_log_rl_pass(struct cmon_log_rl *rl, unsigned long *suppressed)
{
	struct timespec ts;
	time_t now, last = __atomic_load_n(&rl->last, __ATOMIC_RELAXED);

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = ts.tv_sec;
	if (now <= last ||
	    !__atomic_compare_exchange_n(&rl->last, &last, now, 0,
					 __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
		__atomic_add_fetch(&rl->suppressed, 1, __ATOMIC_RELAXED);
		return 0;
	}
	*suppressed = __atomic_exchange_n(&rl->suppressed, 0,
					  __ATOMIC_RELAXED);
	return 1;
}

char *cmon_url_redact(const char *url, char *buf, size_t len)
{
	const char *host = strstr(url, "://"), *at, *p;
	size_t n = 0;

	if (!len)
		return buf;
	host = host ? host + 3 : url;
	at = strchr(host, '@');
	p = url;
	/* userinfo: only an '@' before the path counts */
	if (at && at < host + strcspn(host, "/?#")) {
		n = snprintf(buf, len, "%.*s***", (int)(host - url), url);
		p = at;
	}
	while (*p && n + 1 < len) {
		int tok = (p[0] == '?' || p[0] == '&') &&
			  !strncmp(p + 1, "token=", 6);

		if (tok) {
			n += snprintf(buf + n, len - n, "%.7s***", p);
			p += 7 + strcspn(p + 7, "&#");
		} else {
			buf[n++] = *p++;
		}
		if (n >= len)
			n = len - 1;
	}
	buf[n < len ? n : len - 1] = 0;
	return buf;
}

char *cmon_name_clean(char *s)
{
	unsigned char *p;

	for (p = (unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p >= 0x7f)
			*p = '?';
	return s;
}
