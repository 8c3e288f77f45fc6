// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer harness of the userspace hops (lib/ovs-hops.c) on arbitrary frames,
 * as a container or another switch port could send them.  Besides not
 * crashing (ASan, UBSan), it holds the hops to what the wire format
 * promises:
 *  - a frame that carries no annotation valid under our key leaves the
 *    strip and transit hops exactly as it came (no real payload removed);
 *  - a frame a container sends, once stamped, comes out of the strip hop
 *    as it was after the stamp hop's sanitising: byte for byte.
 * The first input byte picks the hop and the sampling; the rest is the
 * Ethernet frame.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "cmon/dp.h"
#include "codec.h"

#define KEY	0x0123456789abcdefULL
#define ROOM	64
#define MAXF	9100

static int annotated(const uint8_t *f, uint32_t len)
{
	struct cmon_found found;

	return len > 14 && f[12] == 0x08 && f[13] == 0 &&
	       cmon_ann_find(f + 14, len - 14, KEY, 1, &found) == CMON_FIND_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[ROOM + MAXF + 64], orig[MAXF], san[MAXF];
	struct cmon_dp_cfg cfg = { .key = KEY, .sample_n = 1, .node = 3 };
	uint64_t stat[CMON_EV_MAX] = { 0 };
	struct cmon_dp_clock clk = { .ns = 7000000000ULL };
	struct cmon_dp_res res = { 0 };
	struct cmon_record rec;
	uint8_t *f = buf + ROOM, mode;
	uint32_t len;

	if (size < 2 || size - 1 > MAXF)
		return 0;
	mode = data[0];
	len = (uint32_t)size - 1;
	memcpy(f, data + 1, len);
	memcpy(orig, f, len);
	switch (mode % 3) {
	case 0:		/* strip: only our own annotations come off */
		cmon_dp_strip(&cfg, f, len, &clk, stat, &rec, &res, NULL);
		if (!annotated(orig, len) &&
		    (res.head || res.tail || res.record || memcmp(f, orig, len)))
			abort();
		break;
	case 1:		/* transit: writes a slot in ours, touches nothing else */
		cmon_dp_transit(&cfg, f, len, CMON_TP_VETH_IN, &clk, stat);
		if (!annotated(orig, len) && memcmp(f, orig, len))
			abort();
		break;
	default:	/* stamp, then strip: the sanitised frame back */
		cfg.sample_n = 1 + (mode >> 2) % 4;
		cmon_dp_stamp(&cfg, f, len, ROOM, 1500, &clk, stat, &res);
		if (!stat[CMON_EV_STAMPED]) {
			if (res.head || res.tail)
				abort();
			break;
		}
		/* what the container sent, as the stamp hop sanitised it,
		 * is the frame minus the 40 bytes it inserted */
		f -= res.head;
		len += res.head;
		memcpy(san, f, 14 + 20);
		memcpy(san + 14 + 20, f + 14 + 20 + CMON_ANN_WIRE_LEN,
		       len - 14 - 20 - CMON_ANN_WIRE_LEN);
		clk.ns += 1000;
		cmon_dp_strip(&cfg, f, len, &clk, stat, &rec, &res, NULL);
		if (!res.record || res.head != -CMON_ANN_WIRE_LEN)
			abort();
		f -= res.head;
		len += res.head;
		/* header length, total length and checksum come back */
		if (memcmp(f + 14 + 20, san + 14 + 20, len - 14 - 20) ||
		    memcmp(f, orig, 14) || memcmp(f + 14 + 12, orig + 14 + 12, 8))
			abort();
		break;
	}
	return 0;
}
