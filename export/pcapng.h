/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pcapng dumps of annotated traffic: Ethernet frames as a strip hop saw
 * them (annotation included), nanosecond timestamps, and a comment on
 * every packet with its decoded per-hop timing, so tshark and Wireshark
 * show the path without cmon's dissector (tools/cmon.lua decodes the
 * annotation bytes themselves).  Rotates by size, keeping a number of
 * files: FILE (newest), FILE.1, ... FILE.<count-1>.
 */
#ifndef CMON_PCAPNG_H
#define CMON_PCAPNG_H

#include <stddef.h>
#include <stdint.h>
#include "cmon/record.h"

struct cmon_pcapng;

/*
 * Create @path (replacing it), or with @append add a new section to it
 * (pcapng files hold several: a restarted writer loses nothing); rotate
 * when a file would pass @max_bytes (0: never), keeping @count files.
 * The file is not inherited across exec.  NULL with errno on failure.
 */
struct cmon_pcapng *cmon_pcapng_open(const char *path, uint64_t max_bytes,
				     unsigned int count, int append);
/* Append one frame; 0 or -errno (counted in cmon_pcapng_errors()). */
int cmon_pcapng_write(struct cmon_pcapng *w, double wall,
		      const uint8_t *data, uint32_t caplen, uint32_t len,
		      const char *comment);
uint64_t cmon_pcapng_packets(const struct cmon_pcapng *w);
uint64_t cmon_pcapng_errors(const struct cmon_pcapng *w);
/* Flush and close.  Accepts NULL. */
void cmon_pcapng_close(struct cmon_pcapng *w);

/*
 * The comment cmon writes for a packet: "cmon seq=S carrier=C
 * e2e_us=X hops=TP@NODE:US,... segs=FROM>TO:US,..." (times in µs after
 * the stamp), then @extra.  Returns @buf.
 */
const char *cmon_pcapng_comment(char *buf, size_t len,
				const struct cmon_record *r,
				const char *extra);

#endif /* CMON_PCAPNG_H */
