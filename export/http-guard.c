// SPDX-License-Identifier: BSD-2-Clause
/*
 * What an HTTP request may reach (http.h): the web root's files only, and
 * the API only with the token.  Apart from the server so it builds, and
 * is unit-tested and fuzzed (tests/fuzz/fuzz-http.c), without
 * libmicrohttpd.
 */
#include <stdio.h>
#include <string.h>
#include "http.h"

int cmon_http_file_path(const char *root, const char *url, char *path,
			size_t len)
{
	int n;

	if (!root || url[0] != '/' || strstr(url, "..") || strchr(url, '\\'))
		return -1;
	n = snprintf(path, len, "%s%s%s", root, url,
		     url[strlen(url) - 1] == '/' ? "index.html" : "");
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int cmon_http_token_eq(const char *given, const char *token)
{
	size_t lg = strlen(given), lt = strlen(token), i;
	unsigned char d = lg != lt;

	/* time depends on the token's length only, not on where they differ */
	for (i = 0; i < lt; i++)
		d |= (unsigned char)((i < lg ? given[i] : 0) ^ token[i]);
	return !d;
}
