// SPDX-License-Identifier: BSD-2-Clause
/* Logging: see log.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
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
