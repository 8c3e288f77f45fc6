// SPDX-License-Identifier: BSD-2-Clause
/*
 * cmon-pcap: the offline analyser of annotated traffic.  Reads pcap or
 * pcapng files with libpcap (cmon-dpdk --pcap dumps, or any capture taken
 * where packets still carry their annotation), decodes the annotation of
 * every packet in either carrier (lib/codec.h), feeds the hops it carries
 * to the aggregation engine and prints the same per-pair, per-hop table
 * (or JSON, doc/json.md) as the live view, over the whole capture.
 *
 * Usage: cmon-pcap [--json] [--key-file FILE] FILE...
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "agg.h"
#include "cfgfile.h"
#include "codec.h"
#include "log.h"
#include "view.h"

enum { PACKETS, ANNOTATED, PLAIN, BAD_VERSION, MALFORMED, BAD_TAG,
       NOT_IPV4, TRUNCATED, NCOUNT };
static const char *const count_names[NCOUNT] = {
	"packets", "annotated", "plain", "bad_version", "malformed",
	"bad_tag", "not_ipv4", "truncated",
};

struct run {
	struct cmon_agg *agg;
	uint64_t key;
	int check_tag;
	uint64_t count[NCOUNT];
	double first, last;
};

/* The IPv4 header of an Ethernet frame (VLAN tags skipped), or NULL. */
static const uint8_t *ipv4(const uint8_t *f, uint32_t caplen, uint32_t *left)
{
	uint32_t off = 12;
	uint16_t type;

	for (;;) {
		if (caplen < off + 2 + 20)
			return NULL;
		type = f[off] << 8 | f[off + 1];
		if (type != 0x8100 && type != 0x88a8)
			break;
		off += 4;
	}
	if (type != 0x0800 || (f[off + 2] >> 4) != 4)
		return NULL;
	*left = caplen - off - 2;
	return f + off + 2;
}

static void packet(struct run *r, const struct pcap_pkthdr *h,
		   const uint8_t *f)
{
	double t = h->ts.tv_sec + h->ts.tv_usec / 1e9;
	struct cmon_record rec;
	struct cmon_found fd;
	const uint8_t *ip, *pkt;
	uint8_t hdr[60];
	uint32_t left, tot;
	unsigned int ihl;

	r->count[PACKETS]++;
	if (!r->first || t < r->first)
		r->first = t;
	if (t > r->last)
		r->last = t;
	ip = ipv4(f, h->caplen, &left);
	if (!ip) {
		r->count[NOT_IPV4]++;
		return;
	}
	pkt = ip;
	ihl = (ip[0] & 0xf) * 4;
	tot = ip[2] << 8 | ip[3];
	if (tot > left) {
		/* cut by the snap length: an IPv4 option is still whole */
		if (ihl != 20 + CMON_ANN_WIRE_LEN || left < ihl) {
			r->count[TRUNCATED]++;
			return;
		}
		memcpy(hdr, ip, ihl);
		hdr[2] = 0;
		hdr[3] = (uint8_t)ihl;
		ip = hdr;
		left = ihl;
	}
	switch (cmon_ann_find(ip, left, r->key, r->check_tag, &fd)) {
	case CMON_FIND_OK:
		break;
	case CMON_FIND_NONE:
		r->count[PLAIN]++;
		return;
	case CMON_FIND_BAD_VERSION:
		r->count[BAD_VERSION]++;
		return;
	case CMON_FIND_BAD_TAG:
		r->count[BAD_TAG]++;
		return;
	default:
		r->count[MALFORMED]++;
		return;
	}
	r->count[ANNOTATED]++;
	memset(&rec, 0, sizeof(rec));
	cmon_ann_record_path(&fd.wire, &rec);
	/* the packet's own header (tot), ports only if decoded whole */
	cmon_ann_flow(pkt, left, &rec);
	rec.carrier = fd.carrier;
	rec.source = CMON_SRC_KERNEL;
	cmon_agg_record(r->agg, &rec);
}

static int read_file(struct run *r, const char *path)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;
	int ret;

	p = pcap_open_offline_with_tstamp_precision(
		path, PCAP_TSTAMP_PRECISION_NANO, err);
	if (!p) {
		cmon_err("%s: %s", path, err);
		return -1;
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		cmon_err("%s: link type %s, not Ethernet", path,
			 pcap_datalink_val_to_name(pcap_datalink(p)));
		pcap_close(p);
		return -1;
	}
	while ((ret = pcap_next_ex(p, &h, &data)) == 1)
		packet(r, h, data);
	if (ret == PCAP_ERROR)
		cmon_err("%s: %s (read what came before)", path,
			 pcap_geterr(p));
	pcap_close(p);
	return ret == PCAP_ERROR ? -1 : 0;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: cmon-pcap [--json] [--key-file FILE] FILE...\n"
"Per-pair, per-hop latency of the annotated packets in pcap/pcapng FILEs\n"
"(cmon-dpdk --pcap dumps), as cmon's live table or JSON (doc/json.md).\n"
"\n"
"  -j, --json            one JSON object for the whole capture\n"
"  -k, --key-file FILE   check the annotations' tags with this key (as\n"
"                        given to the agents); default: not checked\n"
"  -h, --help            this help\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "key-file", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cmon_counter c[NCOUNT + CMON_VIEW_AGG_COUNTERS];
	struct cmon_view v = { .node = "pcap", .sample_n = 0 };
	struct run r = { 0 };
	int json = 0, ch, i, rc = 0;

	cmon_log_init("cmon-pcap", CMON_LOG_INFO);
	while ((ch = getopt_long(argc, argv, "jk:h", lo, NULL)) != -1) {
		switch (ch) {
		case 'j':
			json = 1;
			break;
		case 'k':
			if (cmon_key_file(optarg, "--key-file", &r.key))
				return 2;
			r.check_tag = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return 2;
	}
	r.agg = cmon_agg_create();
	if (!r.agg) {
		cmon_err("out of memory");
		return 1;
	}
	for (i = optind; i < argc; i++)
		if (read_file(&r, argv[i]))
			rc = 1;
	for (i = 0; i < NCOUNT; i++)
		c[i] = (struct cmon_counter){ count_names[i], r.count[i], 0 };
	v.agg = r.agg;
	v.counters = c;
	v.ncounters = NCOUNT + cmon_view_agg_counters(r.agg, c + NCOUNT);
	v.time = r.last;
	v.interval = r.last > r.first ? r.last - r.first : 1;
	cmon_agg_tick(r.agg, v.interval);
	cmon_view_print(stdout, &v, json ? CMON_OUT_JSON : CMON_OUT_TABLE);
	cmon_agg_destroy(r.agg);
	return rc;
}
