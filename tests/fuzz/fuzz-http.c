// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer harness of what an HTTP request may reach
 * (export/http-guard.c): any request path maps to a file under the web
 * root or to none, never elsewhere, and only the exact token passes.
 * The input is "PATH\0GIVEN-TOKEN".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "http.h"

#define ROOT	"/srv/cmon/web"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = malloc(size + 2), path[256];
	const char *url, *given;
	size_t ul;

	if (!in)
		return 0;
	memcpy(in, data, size);
	in[size] = in[size + 1] = 0;
	url = in;
	ul = strlen(url);
	given = in + ul + 1 <= in + size ? in + ul + 1 : "";
	if (!cmon_http_file_path(ROOT, url, path, sizeof(path))) {
		size_t rl = strlen(ROOT);

		/* under the root, the request's own path, no way up */
		if (strncmp(path, ROOT "/", rl + 1) ||
		    strncmp(path + rl, url, ul) || strstr(path, "..") ||
		    strlen(path) >= sizeof(path))
			abort();
	}
	if (cmon_http_token_eq(given, "s3cret-token") !=
	    !strcmp(given, "s3cret-token"))
		abort();
	free(in);
	return 0;
}
