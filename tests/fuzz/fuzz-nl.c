// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer harness of netlink replies as the agent reads them
 * (kmod-free/nl.c): whatever the messages hold, names come out
 * terminated and within their size, prefixes within 32 bits, and no
 * attribute is read past its end.  The first input byte picks links or
 * addresses; the rest is the reply.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "nl.h"

static int on_link(const struct cmon_nl_link *l, void *arg)
{
	(void)arg;
	if (strnlen(l->name, sizeof(l->name)) == sizeof(l->name) ||
	    strnlen(l->kind, sizeof(l->kind)) == sizeof(l->kind))
		abort();
	return 0;
}

static int on_addr(int ifindex, uint32_t addr, unsigned int plen, void *arg)
{
	(void)ifindex;
	(void)addr;
	(void)arg;
	if (plen > 32)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* netlink messages are 4-byte aligned: a copy, aligned */
	void *buf;

	if (size < 1)
		return 0;
	buf = malloc(size);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	if (data[0] & 1)
		cmon_nl_parse_addrs(buf, size - 1, on_addr, NULL);
	else
		cmon_nl_parse_links(buf, size - 1, on_link, NULL);
	free(buf);
	return 0;
}
