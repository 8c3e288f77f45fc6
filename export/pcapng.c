// SPDX-License-Identifier: BSD-2-Clause
/*
 * pcapng writer (pcapng.h): a Section Header Block, one Interface
 * Description Block (Ethernet, nanosecond timestamps) and an Enhanced
 * Packet Block per frame with an opt_comment.  Host byte order, as the
 * format allows (the byte-order magic tells readers).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "agg.h"
#include "pcapng.h"

#define SNAPLEN		65535

struct cmon_pcapng {
	char *path;
	FILE *f;
	uint64_t max_bytes, bytes;
	unsigned int count;
	uint64_t packets, errors;
};

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* An option: code, length, value padded to 32 bits. */
static void opt(uint8_t **p, uint16_t code, const void *val, uint16_t len)
{
	static const uint8_t zero[4];

	memcpy(*p, &code, 2);
	memcpy(*p + 2, &len, 2);
	memcpy(*p + 4, val, len);
	memcpy(*p + 4 + len, zero, pad4(len) - len);
	*p += 4 + pad4(len);
}

static void u32(uint8_t **p, uint32_t v)
{
	memcpy(*p, &v, 4);
	*p += 4;
}

/* Close a block started at @b: both length fields.  Returns its size. */
static size_t finish(uint8_t *b, uint8_t **p)
{
	uint32_t len = (uint32_t)(*p - b) + 4;

	memcpy(b + 4, &len, 4);
	u32(p, len);
	return len;
}

static int put(struct cmon_pcapng *w, const void *b, size_t len)
{
	if (fwrite(b, 1, len, w->f) != len)
		return -(errno ? errno : EIO);
	w->bytes += len;
	return 0;
}

/* A new file, or (@append) a new section at the end of the one there. */
static int start_file(struct cmon_pcapng *w, int append)
{
	uint8_t buf[256], *p = buf, *idb;
	static const char app[] = "cmon-dpdk";
	static const char ifname[] = "cmon strip hops";
	uint8_t tsresol = 9;
	uint16_t ver[2] = { 1, 0 }, link[2] = { 1, 0 };
	int64_t section = -1;

	w->f = fopen(w->path, append ? "ae" : "we");
	if (!w->f)
		return -errno;
	w->bytes = append && !fseek(w->f, 0, SEEK_END) && ftell(w->f) > 0 ?
		   (uint64_t)ftell(w->f) : 0;
	/* Section Header Block */
	u32(&p, 0x0A0D0D0A);
	u32(&p, 0);
	u32(&p, 0x1A2B3C4D);
	memcpy(p, ver, 4);
	p += 4;
	memcpy(p, &section, 8);
	p += 8;
	opt(&p, 4, app, sizeof(app) - 1);	/* shb_userappl */
	u32(&p, 0);				/* opt_endofopt */
	finish(buf, &p);
	/* Interface Description Block: Ethernet, ns timestamps */
	idb = p;
	u32(&p, 1);
	u32(&p, 0);
	memcpy(p, link, 4);
	p += 4;
	u32(&p, SNAPLEN);
	opt(&p, 2, ifname, sizeof(ifname) - 1);	/* if_name */
	opt(&p, 9, &tsresol, 1);		/* if_tsresol */
	u32(&p, 0);
	finish(idb, &p);
	return put(w, buf, p - buf);
}

struct cmon_pcapng *cmon_pcapng_open(const char *path, uint64_t max_bytes,
				     unsigned int count, int append)
{
	struct cmon_pcapng *w = calloc(1, sizeof(*w));
	int err;

	if (!w || !(w->path = strdup(path))) {
		free(w);
		errno = ENOMEM;
		return NULL;
	}
	w->max_bytes = max_bytes;
	w->count = count ? count : 1;
	err = start_file(w, append);
	if (err) {
		if (w->f)
			fclose(w->f);
		free(w->path);
		free(w);
		errno = -err;
		return NULL;
	}
	return w;
}

/* FILE.<n-1> goes, FILE.<i> becomes FILE.<i+1>, FILE becomes FILE.1. */
static int rotate(struct cmon_pcapng *w)
{
	char from[4096], to[4096];
	unsigned int i;

	if (fclose(w->f))
		w->errors++;
	w->f = NULL;
	for (i = w->count - 1; i >= 1; i--) {
		if (i == 1)
			snprintf(from, sizeof(from), "%s", w->path);
		else
			snprintf(from, sizeof(from), "%s.%u", w->path, i - 1);
		snprintf(to, sizeof(to), "%s.%u", w->path, i);
		rename(from, to);
	}
	return start_file(w, 0);
}

int cmon_pcapng_write(struct cmon_pcapng *w, double wall,
		      const uint8_t *data, uint32_t caplen, uint32_t len,
		      const char *comment)
{
	size_t clen = comment ? strlen(comment) : 0, size;
	uint64_t ts = (uint64_t)(wall * 1e9);
	uint8_t *b, *p;
	int err;

	if (clen > 4000)
		clen = 4000;
	size = 28 + pad4(caplen) + (clen ? 4 + pad4(clen) : 0) + 4 + 4;
	if (w->max_bytes && w->bytes + size > w->max_bytes &&
	    w->bytes > 512 && (err = rotate(w))) {
		w->errors++;
		return err;
	}
	if (!w->f) {
		w->errors++;
		return -EBADF;
	}
	b = malloc(size);
	if (!b) {
		w->errors++;
		return -ENOMEM;
	}
	p = b;
	u32(&p, 6);				/* Enhanced Packet Block */
	u32(&p, 0);
	u32(&p, 0);				/* interface 0 */
	u32(&p, (uint32_t)(ts >> 32));
	u32(&p, (uint32_t)ts);
	u32(&p, caplen);
	u32(&p, len);
	memcpy(p, data, caplen);
	memset(p + caplen, 0, pad4(caplen) - caplen);
	p += pad4(caplen);
	if (clen)
		opt(&p, 1, comment, (uint16_t)clen);	/* opt_comment */
	u32(&p, 0);
	finish(b, &p);
	err = put(w, b, p - b);
	free(b);
	if (err) {
		w->errors++;
		return err;
	}
	w->packets++;
	return 0;
}

uint64_t cmon_pcapng_packets(const struct cmon_pcapng *w)
{
	return w->packets;
}

uint64_t cmon_pcapng_errors(const struct cmon_pcapng *w)
{
	return w->errors;
}

void cmon_pcapng_close(struct cmon_pcapng *w)
{
	if (!w)
		return;
	if (w->f)
		fclose(w->f);
	free(w->path);
	free(w);
}

const char *cmon_pcapng_comment(char *buf, size_t len,
				const struct cmon_record *r,
				const char *extra)
{
	size_t n;
	unsigned int i;

	n = snprintf(buf, len, "cmon seq=%u carrier=%s", r->seq,
		     r->carrier == CMON_CARRIER_IPOPT ? "ipopt" :
		     r->carrier == CMON_CARRIER_SKB ? "skb" : "trailer");
	if (r->nhops && n < len)
		n += snprintf(buf + n, len - n, " e2e_us=%.3f",
			      r->hop[r->nhops - 1].delta / 1e3);
	for (i = 0; i < r->nhops && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%s@%u:%.3f",
			      i ? "," : " hops=", cmon_tp_name(r->hop[i].tp),
			      r->hop[i].node, r->hop[i].delta / 1e3);
	for (i = 1; i < r->nhops && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%s>%s:%.3f",
			      i > 1 ? "," : " segs=",
			      cmon_tp_name(r->hop[i - 1].tp),
			      cmon_tp_name(r->hop[i].tp),
			      (r->hop[i].delta - r->hop[i - 1].delta) / 1e3);
	if (extra && *extra && n < len)
		snprintf(buf + n, len - n, " %s", extra);
	return buf;
}
