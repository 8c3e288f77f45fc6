// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer harness of cmon-pcap (tools/cmon-pcap.c) on arbitrary pcap and
 * pcapng files: whatever a dump holds, every packet lands in exactly one
 * of its counts, and the engine and the JSON view take what it records.
 * The tool is compiled in whole, its main() renamed.
 */
#define _GNU_SOURCE
#define main cmon_pcap_main
#include "../../tools/cmon-pcap.c"
#undef main

#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	static FILE *devnull;
	struct cmon_view v = { .node = "fuzz", .interval = 1, .node_id = -1 };
	struct run r = { .key = 0x0123456789abcdefULL, .check_tag = 1 };
	uint64_t sum = 0;
	int i;

	if (fd < 0) {
		cmon_log_init("fuzz", (enum cmon_log_level)-1);	/* quiet */
		fd = memfd_create("cmon-fuzz.pcap", 0);
		devnull = fopen("/dev/null", "w");
		if (fd < 0 || !devnull)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	r.agg = cmon_agg_create();
	if (!r.agg)
		return 0;
	read_file(&r, path);
	for (i = 1; i < NCOUNT; i++)
		sum += r.count[i];
	if (sum != r.count[PACKETS])
		abort();
	cmon_agg_tick(r.agg, 1.0);
	v.agg = r.agg;
	cmon_view_json(devnull, &v);
	cmon_agg_destroy(r.agg);
	return 0;
}
