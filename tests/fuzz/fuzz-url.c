// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer harness of cmon_url_redact() (lib/log.c), which every URL
 * given on the command line passes before it is logged or shown: the
 * result always fits and is terminated, and a password or token value
 * marked in the input never survives.  The input is a URL; the harness
 * plants "PW" as user:password and as a token= value around it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *url = malloc(size + 1), *with = malloc(size + 64), out[96];
	size_t len;

	if (!url || !with || !size)
		goto out;
	memcpy(url, data, size);
	url[size] = 0;
	/* any text: the result fits, terminated */
	memset(out, 0x5a, sizeof(out));
	len = data[0] % sizeof(out);
	cmon_url_redact(url, out, len);
	if (len && !memchr(out, 0, len))
		abort();
	if (out[len] != 0x5a)		/* nothing written past it */
		abort();
	/* a secret planted where URLs keep them never comes out */
	if (!strchr(url, '@') && !strchr(url, '/') && !strchr(url, '?') &&
	    !strchr(url, '#') && !strstr(url, "PW")) {
		snprintf(with, size + 64, "http://u:PW@h%s/?token=PW", url);
		if (strstr(cmon_url_redact(with, out, sizeof(out)), "PW"))
			abort();
	}
out:
	free(url);
	free(with);
	return 0;
}
