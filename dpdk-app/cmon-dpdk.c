// SPDX-License-Identifier: BSD-2-Clause
/*
 * cmon-dpdk: reads the records the patched ovs-vswitchd writes to its
 * shared hugepage ring (include/cmon/shm.h) as a DPDK secondary process,
 * and with --bridge also runs the kernel-path agent (kmod-free/kagent.h),
 * feeding both into one aggregation engine (lib/agg.h), so one process sees
 * paths that cross the kernel and Open vSwitch.  Shows the live table or
 * one JSON object per interval, like cmon-kern, and exports (export/):
 * HTTP (Prometheus /metrics, JSON API, event stream, web page) and
 * InfluxDB.
 *
 * It never touches OVS's packets or mempools: it maps the primary's
 * hugepage memory, looks the ring and counters up by name and only
 * dequeues.  When ovs-vswitchd is absent or exits, it says so and exits,
 * or with --wait waits for it and starts afresh (re-exec: DPDK's EAL can
 * attach only once per process).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_memzone.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "cmon/shm.h"
#include "agg.h"
#include "cfgfile.h"
#include "export.h"
#include "kagent.h"
#include "log.h"
#include "pcapng.h"
#include "peers.h"
#include "view.h"

#define BURST		64
#define RUNTIME_DIR	"/var/run/dpdk"

struct opts {
	struct cmon_kopts k;
	int kernel;		/* --bridge given: run the kernel agent */
	int ovs;		/* read the OVS ring */
	const char *prefix;
	const char *node;
	double interval, duration;
	int json, quiet, wait, verbose;
	struct cmon_export_opts x;
	int eal_argc;
	char **eal_argv;
	/* pcap dumps */
	const char *pcap;
	double pcap_mib;
	unsigned int pcap_count, pcap_sample;
	int pcap_proto;			/* -1: any */
	const char *pcap_ct[16];
	unsigned int npcap_ct;
	const char *peers[32];
	unsigned int npeers;
};

static volatile sig_atomic_t exiting;
static int eal_up;		/* attached to a live primary */

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

/* Set in the environment of the process --wait starts again. */
#define RESTARTED_ENV	"CMON_DPDK_RESTARTED"

/* Long options without a short form. */
enum {
	OPT_HTTP_TOKEN = 0x100, OPT_WEB_ROOT, OPT_INFLUX, OPT_INFLUX_DB,
	OPT_INFLUX_BUFFER, OPT_HISTORY, OPT_PCAP, OPT_PCAP_SIZE, OPT_PCAP_COUNT,
	OPT_PCAP_CT, OPT_PCAP_PROTO, OPT_PCAP_SAMPLE, OPT_PEER,
	OPT_HTTP_TOKEN_FILE,
};

static const struct option long_opts[] = {
	CMON_KOPTS_LONG,
	{ "file-prefix", required_argument, NULL, 'P' },
	{ "interval", required_argument, NULL, 'i' },
	{ "duration", required_argument, NULL, 'd' },
	{ "json", no_argument, NULL, 'j' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "node", required_argument, NULL, 'n' },
	{ "http", required_argument, NULL, 'H' },
	{ "http-token", required_argument, NULL, OPT_HTTP_TOKEN },
	{ "http-token-file", required_argument, NULL, OPT_HTTP_TOKEN_FILE },
	{ "web-root", required_argument, NULL, OPT_WEB_ROOT },
	{ "influx", required_argument, NULL, OPT_INFLUX },
	{ "influx-db", required_argument, NULL, OPT_INFLUX_DB },
	{ "influx-buffer", required_argument, NULL, OPT_INFLUX_BUFFER },
	{ "history", required_argument, NULL, OPT_HISTORY },
	{ "pcap", required_argument, NULL, OPT_PCAP },
	{ "pcap-size", required_argument, NULL, OPT_PCAP_SIZE },
	{ "pcap-count", required_argument, NULL, OPT_PCAP_COUNT },
	{ "pcap-container", required_argument, NULL, OPT_PCAP_CT },
	{ "pcap-proto", required_argument, NULL, OPT_PCAP_PROTO },
	{ "pcap-sample", required_argument, NULL, OPT_PCAP_SAMPLE },
	{ "peer", required_argument, NULL, OPT_PEER },
	{ "config", required_argument, NULL, 'c' },
	{ "wait", no_argument, NULL, 'w' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: cmon-dpdk [OPTIONS] [-- EAL-ARGS]\n"
"Per-hop latency, throughput and loss of the paths Open vSwitch (userspace\n"
"datapath, patched with cmon's ovs-patches/) traces, read from its shared\n"
"hugepage ring as a DPDK secondary process; with --bridge, also of the\n"
"kernel hops of the containers on those bridges, in one view.\n"
"\n"
"  -P, --file-prefix P   DPDK file prefix of ovs-vswitchd (its dpdk-extra\n"
"                        --file-prefix; default \"rte\").  Without --bridge\n"
"                        the OVS ring is always read; with it, only when\n"
"                        this option is given.\n"
"  -i, --interval S      seconds between reports (default 1)\n"
"  -d, --duration S      stop after S seconds (default: until SIGINT)\n"
"  -j, --json            one JSON object per interval (doc/json.md)\n"
"  -q, --quiet           no per-interval output (a service: use the sinks)\n"
"  -n, --node NAME       node name in the output (default: host name)\n"
"  -c, --config FILE     settings from FILE: \"name = value\" lines, names\n"
"                        being these long options (etc/cmon-dpdk.conf)\n"
"\n"
"Exporting (doc/exporter.md):\n"
"  -H, --http [ADDR:]PORT  serve /metrics (Prometheus), the JSON API under\n"
"                        /api/v1/ and the web page; ADDR defaults to\n"
"                        127.0.0.1 (another address needs --http-token)\n"
"      --http-token T    require \"Authorization: Bearer T\" or ?token=T\n"
"      --http-token-file FILE  the same, T being FILE's first line (kept\n"
"                        out of the process list; chmod 600 FILE)\n"
"      --web-root DIR    serve the web page's files from DIR\n"
"      --influx URL      write to InfluxDB 1.x at URL, e.g.\n"
"                        http://127.0.0.1:8086 (user:password@ accepted)\n"
"      --influx-db NAME  database, created if missing (default cmon)\n"
"      --influx-buffer MIB  lines kept while InfluxDB is unreachable\n"
"                        (default 8 MiB; beyond, the oldest are dropped\n"
"                        and counted in influx_dropped)\n"
"      --history N       points of embedded history per series (default\n"
"                        600: ten minutes at -i 1)\n"
"      --peer URL        another node's cmon-dpdk --http, e.g.\n"
"                        http://10.0.0.2:9417/?token=T (repeatable): its\n"
"                        delays from this node give the clock offset\n"
"                        between the two, so cross-node latencies are\n"
"                        corrected (until then they are unknown)\n"
"\n"
"pcap dumps (kernel strip hops, and Open vSwitch's when it runs with\n"
"other_config:cmon-capture=true):\n"
"      --pcap FILE       write traced packets as their strip hop saw them,\n"
"                        annotation included, to FILE (pcapng; a comment\n"
"                        per packet decodes its hops; tools/cmon.lua\n"
"                        dissects the annotation; cmon-pcap reads it)\n"
"      --pcap-size MIB   rotate when FILE reaches MIB (default: never)\n"
"      --pcap-count N    files kept when rotating (default 4)\n"
"      --pcap-container NAME  only packets from or to this container\n"
"                        (name or address; repeatable)\n"
"      --pcap-proto P    only tcp, udp or icmp\n"
"      --pcap-sample N   only 1 traced packet in N (default 1)\n"
"  -w, --wait            wait for ovs-vswitchd and its cmon ring instead of\n"
"                        exiting; start again if it restarts\n"
"  -v, --verbose         DPDK and debug logging\n"
"  -h, --help            this help\n"
"\n"
"ovs-vswitchd needs other_config:dpdk-multi-process=true (restart) and\n"
"other_config:cmon-enable=true; see cmon-dpdk(8).\n"
"\n"
"Kernel path (as cmon-kern; use OVS's cmon-key and cmon-node-id):\n"
"%s", cmon_kopts_help);
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static char host[HOST_NAME_MAX + 1], token[256];
	const struct cmon_export_opts xdef = CMON_EXPORT_OPTS_DEFAULT;
	double mib;
	int c, r;

	cmon_kopts_init(&o->k);
	o->prefix = "rte";
	o->interval = 1;
	o->x = xdef;
	o->pcap_count = 4;
	o->pcap_sample = 1;
	o->pcap_proto = -1;
	while ((c = getopt_long(argc, argv, CMON_KOPTS_SHORT
				"P:i:d:jqn:H:c:wvh", long_opts, NULL)) != -1) {
		r = cmon_kopts_parse(&o->k, c, optarg);
		if (r < 0)
			return -1;
		if (r)
			continue;
		switch (c) {
		case 'P':
			o->ovs = 1;
			if (!*optarg || strchr(optarg, '/')) {
				cmon_err("--file-prefix: \"%s\" is not a DPDK "
					 "file prefix", optarg);
				return -1;
			}
			o->prefix = optarg;
			break;
		case 'i':
			if (cmon_opt_num(optarg, 0.1, 3600, &o->interval,
					 "--interval"))
				return -1;
			break;
		case 'd':
			if (cmon_opt_num(optarg, 0.1, 1e9, &o->duration,
					 "--duration"))
				return -1;
			break;
		case 'j':
			o->json = 1;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'n':
			o->node = optarg;
			break;
		case 'H':
			o->x.http = optarg;
			break;
		case OPT_HTTP_TOKEN:
			o->x.http_token = optarg;
			break;
		case OPT_HTTP_TOKEN_FILE:
			if (cmon_secret_file(optarg, "--http-token-file", token,
					     sizeof(token)))
				return -1;
			o->x.http_token = token;
			break;
		case OPT_WEB_ROOT:
			o->x.web_root = optarg;
			break;
		case OPT_INFLUX:
			o->x.influx_url = optarg;
			break;
		case OPT_INFLUX_DB:
			o->x.influx_db = optarg;
			break;
		case OPT_INFLUX_BUFFER:
			if (cmon_opt_num(optarg, 0.001, 4096, &mib,
					 "--influx-buffer"))
				return -1;
			o->x.influx_buffer = (size_t)(mib * (1 << 20));
			break;
		case OPT_HISTORY:
			if (cmon_opt_uint(optarg, 1, 1000000, &o->x.history,
					  "--history"))
				return -1;
			break;
		case 'c':
			/* cmon_config_args() has read it */
			break;
		case OPT_PCAP:
			o->pcap = optarg;
			break;
		case OPT_PCAP_SIZE:
			if (cmon_opt_num(optarg, 0.01, 1e6, &o->pcap_mib,
					 "--pcap-size"))
				return -1;
			break;
		case OPT_PCAP_COUNT:
			if (cmon_opt_uint(optarg, 1, 1000, &o->pcap_count,
					  "--pcap-count"))
				return -1;
			break;
		case OPT_PCAP_CT:
			if (o->npcap_ct == 16) {
				cmon_err("--pcap-container: at most 16");
				return -1;
			}
			o->pcap_ct[o->npcap_ct++] = optarg;
			break;
		case OPT_PCAP_PROTO:
			o->pcap_proto = !strcmp(optarg, "tcp") ? 6 :
					!strcmp(optarg, "udp") ? 17 :
					!strcmp(optarg, "icmp") ? 1 : -2;
			if (o->pcap_proto == -2) {
				cmon_err("--pcap-proto: \"%s\" is not tcp, udp "
					 "or icmp", optarg);
				return -1;
			}
			break;
		case OPT_PEER:
			if (o->npeers == 32) {
				cmon_err("--peer: at most 32");
				return -1;
			}
			o->peers[o->npeers++] = optarg;
			break;
		case OPT_PCAP_SAMPLE:
			if (cmon_opt_uint(optarg, 1, 1u << 30, &o->pcap_sample,
					  "--pcap-sample"))
				return -1;
			break;
		case 'w':
			o->wait = 1;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	o->eal_argc = argc - optind;
	o->eal_argv = argv + optind;
	if (!o->node) {
		if (gethostname(host, sizeof(host) - 1))
			snprintf(host, sizeof(host), "host");
		o->node = host;
	}
	o->kernel = o->k.nbridges > 0;
	if (o->kernel)
		return cmon_kopts_check(&o->k) ? -1 : 0;
	if (o->k.noverlays || o->k.nsubnets || o->k.key_file) {
		cmon_err("--overlay, --peer-subnet and --key-file are options "
			 "of the kernel path: give --bridge too");
		return -1;
	}
	o->ovs = 1;
	return 0;
}

/* Is a DPDK primary with file prefix @prefix running? */
static int primary_alive(const char *prefix)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), RUNTIME_DIR "/%s/config", prefix);
	return access(path, F_OK) == 0 && rte_eal_primary_proc_alive(path);
}

/*
 * Has ovs-vswitchd's EAL finished initialising?  A secondary attaching
 * while the primary still sets up would hold the locks it needs next, and
 * the switch would fail to start: the primary writes RTE_MAGIC at the
 * start of its memory configuration (the config file) when it is done.
 */
static int primary_ready(const char *prefix)
{
	char path[PATH_MAX];
	uint32_t magic = 0;
	int fd;

	if (!primary_alive(prefix))
		return 0;
	snprintf(path, sizeof(path), RUNTIME_DIR "/%s/config", prefix);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (pread(fd, &magic, sizeof(magic), 0) != sizeof(magic))
		magic = 0;
	close(fd);
	return magic == RTE_MAGIC;
}

static int eal_attach(const struct opts *o)
{
	char prefix[PATH_MAX + 16], *argv[64];
	cpu_set_t all;
	int argc = 0, i, ret;

	snprintf(prefix, sizeof(prefix), "--file-prefix=%s", o->prefix);
	argv[argc++] = "cmon-dpdk";
	argv[argc++] = "--proc-type=secondary";
	argv[argc++] = prefix;
	argv[argc++] = "--no-pci";
	argv[argc++] = "--no-telemetry";
	argv[argc++] = "-l";
	argv[argc++] = "0";
	argv[argc++] = o->verbose ? "--log-level=info" : "--log-level=error";
	for (i = 0; i < o->eal_argc && argc < 63; i++)
		argv[argc++] = o->eal_argv[i];
	argv[argc] = NULL;
	CPU_ZERO(&all);
	sched_getaffinity(0, sizeof(all), &all);
	ret = rte_eal_init(argc, argv);
	/* EAL pins the main thread to one core: a monitor should not */
	sched_setaffinity(0, sizeof(all), &all);
	if (ret < 0) {
		cmon_err("cannot attach to ovs-vswitchd's DPDK memory (file "
			 "prefix \"%s\"): %s.  Is other_config:dpdk-multi-"
			 "process=true set and ovs-vswitchd restarted since?",
			 o->prefix, rte_strerror(rte_errno));
		return -1;
	}
	eal_up = 1;
	return 0;
}

struct reader {
	struct rte_ring *ring;			/* NULL: no OVS */
	const struct cmon_shm_stats *stats;
	struct cmon_kagent *ka;			/* NULL: no kernel agent */
	struct cmon_agg *agg;
	struct cmon_export *x;
	const struct opts *o;
	struct cmon_pcapng *pcap;
	uint64_t pcap_seen;
	struct rte_ring *capture;		/* OVS's captured frames */
	uint64_t capture_bad;			/* ... with unusable records */
	struct cmon_peers *peers;
	int trusted;				/* clocks synchronised (TAI) */
};

/*
 * Clock offsets between the nodes whose delays this node measures and
 * the other direction's (measured here too, or by a --peer): estimate,
 * and apply to the engine unless the clocks are trusted.
 */
#define MAX_CLOCKS 64
static unsigned int clocks(struct reader *r, struct cmon_clock_info *out)
{
	struct cmon_peer_link pl[MAX_CLOCKS];
	unsigned int np = 0, i, j, n = 0;
	const struct cmon_link *l, *m;
	int64_t ab, ba;

	if (r->peers)
		np = cmon_peers_links(r->peers, pl, MAX_CLOCKS);
	for (i = 0; i < cmon_agg_nlinks(r->agg) && n < MAX_CLOCKS; i++) {
		struct cmon_clock_info *c = &out[n++];
		int have = 0;

		l = cmon_agg_link(r->agg, i);
		*c = (struct cmon_clock_info){ l->from_node, l->to_node };
		if (cmon_owd_low(&l->owd, &ab))
			goto done;
		/* the other direction: measured here, or by a peer */
		for (j = 0; j < cmon_agg_nlinks(r->agg) && !have; j++) {
			m = cmon_agg_link(r->agg, j);
			have = m->from_node == l->to_node &&
			       m->to_node == l->from_node &&
			       !cmon_owd_low(&m->owd, &ba);
		}
		for (j = 0; j < np && !have; j++) {
			have = pl[j].from == l->to_node &&
			       pl[j].to == l->from_node;
			ba = pl[j].low;
		}
		if (have) {
			cmon_clock_offset(ab, ba, &c->offset, &c->bound);
			c->estimated = 1;
			if (!r->trusted)
				cmon_agg_set_offset(r->agg, c->a, c->b,
						    c->offset);
		}
done:
		c->trusted = r->trusted;
		c->applied = r->trusted || c->estimated;
	}
	return n;
}

/* The container name of @addr, or NULL. */
static const char *name_of(const struct reader *r, uint32_t addr)
{
	const struct cmon_names *n;

	if (!r->ka)
		return NULL;
	n = cmon_kagent_names(r->ka);
	return n->ip(n->ctx, addr);
}

/*
 * Other nodes' counters at the sending hops of flows to containers here:
 * with ours they place loss anywhere on the path, the underlay included.
 * Only upstream hops are taken, and they are read before ours and are
 * older, so a difference never overstates loss; downstream hops of other
 * nodes (flows leaving here) are theirs to judge.
 */
static void feed_peer_counters(struct reader *r)
{
	static struct cmon_hop_counter hc[65536];
	unsigned int i, n = cmon_peers_counters(r->peers, hc, 65536);

	for (i = 0; i < n; i++)
		if (hc[i].node != r->o->k.node_id &&
		    (hc[i].tp == CMON_TP_VETH_IN || hc[i].tp == CMON_TP_OVL_OUT) &&
		    name_of(r, hc[i].flow.daddr))
			cmon_agg_hop_count(r->agg, &hc[i]);
}

/* Is @addr the container @want (a name or an address)? */
static int is_container(const struct reader *r, uint32_t addr,
			const char *want)
{
	const char *name = name_of(r, addr);
	char ip[16];

	inet_ntop(AF_INET, &addr, ip, sizeof(ip));
	return !strcmp(want, ip) || (name && !strcmp(want, name));
}

/*
 * A packet from a strip hop (kernel: its device; Open vSwitch: ifindex
 * 0): filter, then dump it.
 */
static void on_packet(void *ctx, const struct cmon_kpacket *p)
{
	struct reader *r = ctx;
	const struct opts *o = r->o;
	char comment[600], extra[200], dev[IF_NAMESIZE] = "ovs";
	const char *a, *b;
	unsigned int i;

	if (o->pcap_proto >= 0 && p->rec.proto != o->pcap_proto)
		return;
	for (i = 0; i < o->npcap_ct; i++)
		if (is_container(r, p->rec.saddr, o->pcap_ct[i]) ||
		    is_container(r, p->rec.daddr, o->pcap_ct[i]))
			break;
	if (o->npcap_ct && i == o->npcap_ct)
		return;
	if (r->pcap_seen++ % o->pcap_sample)
		return;
	a = name_of(r, p->rec.saddr);
	b = name_of(r, p->rec.daddr);
	if (p->ifindex && !if_indextoname(p->ifindex, dev))
		strcpy(dev, "?");
	snprintf(extra, sizeof(extra), "src=%s dst=%s dev=%s",
		 a ? a : "-", b ? b : "-", dev);
	cmon_pcapng_write(r->pcap, p->wall, p->data, p->caplen, p->len,
			  cmon_pcapng_comment(comment, sizeof(comment),
					      &p->rec, extra));
}

/* Find the ring and counters; 0 when found. */
static int lookup(struct reader *r)
{
	const struct rte_memzone *mz = rte_memzone_lookup(CMON_SHM_STATS);
	const struct cmon_shm_stats *s;

	if (!mz)
		return -1;
	s = mz->addr;
	if (__atomic_load_n(&s->magic, __ATOMIC_ACQUIRE) != CMON_SHM_MAGIC)
		return -1;
	if (s->version != CMON_SHM_VERSION) {
		cmon_err("ovs-vswitchd's cmon counters are version %u, this "
			 "cmon-dpdk reads version %u: rebuild one of them",
			 s->version, CMON_SHM_VERSION);
		return -2;
	}
	r->ring = rte_ring_lookup(CMON_SHM_RING);
	if (!r->ring)
		return -1;
	r->stats = s;
	return 0;
}

/* With --pcap: find the switch's capture ring (it may come later). */
static void lookup_capture(struct reader *r)
{
	static int told;

	if (!r->pcap || !r->ring || r->capture)
		return;
	r->capture = rte_ring_lookup(CMON_SHM_CAPTURE);
	if (r->capture)
		cmon_info("pcap: reading the frames ovs-vswitchd captures");
	else if (!told++)
		cmon_warn("pcap: ovs-vswitchd captures no frames yet: set "
			  "other_config:cmon-capture=true to dump its strip "
			  "hops too");
}

/* Frames the switch captured: their records are in the main ring. */
static void drain_capture(struct reader *r)
{
	static struct cmon_capture caps[8];
	struct cmon_kpacket k;
	unsigned int n, i;

	do {
		n = rte_ring_sc_dequeue_burst_elem(r->capture, caps,
						   sizeof(caps[0]), 8, NULL);
		for (i = 0; i < n; i++) {
			const struct cmon_record *rec = &caps[i].rec;

			if (!rec->nhops || rec->nhops > CMON_REC_HOPS) {
				r->capture_bad++;
				continue;
			}
			k = (struct cmon_kpacket){
				.wall = cmon_stamp_wall(rec->t0 +
					rec->hop[rec->nhops - 1].delta,
					rec->flags & CMON_ANN_F_TAI, 0),
				.len = caps[i].len,
				.caplen = caps[i].caplen > CMON_CAPTURE_SNAP ?
					  CMON_CAPTURE_SNAP : caps[i].caplen,
				.data = caps[i].data, .rec = *rec,
			};
			on_packet(r, &k);
		}
	} while (n == 8);
}

static void drain(struct reader *r)
{
	struct cmon_record recs[BURST];
	unsigned int n, i;

	if (!r->ring)
		return;
	do {
		n = rte_ring_sc_dequeue_burst_elem(r->ring, recs,
						   sizeof(recs[0]), BURST,
						   NULL);
		for (i = 0; i < n; i++)
			cmon_agg_record(r->agg, &recs[i]);
	} while (n == BURST);
	if (r->capture)
		drain_capture(r);
}

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Wait about @ms, reading kernel records meanwhile if there is an agent. */
static int idle(struct reader *r, int ms)
{
	if (r->ka)
		return cmon_kagent_poll(r->ka, ms);
	pause_ms(ms);
	return 0;
}

static void report(const struct opts *o, struct reader *r, double secs)
{
	static const char *const names[] = CMON_DP_STAT_NAMES;
	static char label[CMON_DP_NSTATS][32];
	static struct cmon_endpoint eps[1024];
	struct cmon_counter c[CMON_KAGENT_NCOUNTERS + CMON_DP_NSTATS + 1 +
			      CMON_EXPORT_NCOUNTERS + 4 +
			      CMON_VIEW_AGG_COUNTERS];
	struct cmon_clock_info clk[MAX_CLOCKS];
	unsigned int i, n = 0, neps = 0;
	struct cmon_view v = {
		.time = cmon_time_wall(), .interval = secs, .node = o->node,
		.url = cmon_export_url(r->x),
		.node_id = r->ka ? (int)o->k.node_id : -1,
	};

	if (r->peers && r->ka)
		feed_peer_counters(r);
	if (r->ka) {
		cmon_kagent_collect(r->ka);
		n = cmon_kagent_counters(r->ka, c, CMON_KAGENT_NCOUNTERS);
		v.names = cmon_kagent_names(r->ka);
		v.sample_n = o->k.sample_n;
		neps = cmon_kagent_endpoints(r->ka, eps, 1024);
	}
	if (r->ring) {
		for (i = 0; i < CMON_DP_NSTATS && i < r->stats->nstats; i++) {
			snprintf(label[i], sizeof(label[i]), "ovs_%s",
				 names[i]);
			c[n++] = (struct cmon_counter){
				label[i], cmon_shm_stat(r->stats, i), 0 };
		}
		c[n++] = (struct cmon_counter){ "ring_pending",
						rte_ring_count(r->ring), 1 };
		if (!r->ka)
			v.sample_n = r->stats->sample_n;
	}
	n += cmon_export_counters(r->x, c + n);
	v.clocks = clk;
	v.nclocks = clocks(r, clk);
	if (r->pcap) {
		c[n++] = (struct cmon_counter){ "pcap_packets",
			cmon_pcapng_packets(r->pcap), 0 };
		c[n++] = (struct cmon_counter){ "pcap_write_errors",
			cmon_pcapng_errors(r->pcap), 0 };
		c[n++] = (struct cmon_counter){ "pcap_bad_captures",
			r->capture_bad, 0 };
	}
	if (r->peers)
		c[n++] = (struct cmon_counter){ "peers_left_out",
			cmon_peers_left_out(r->peers), 0 };
	cmon_view_report(r->agg, &v, c, n, o->quiet ? CMON_OUT_NONE :
			 o->json ? CMON_OUT_JSON : CMON_OUT_TABLE);
	cmon_export_tick(r->x, &v, eps, neps);
}

static int timed_out(const struct opts *o, double start)
{
	return exiting ||
	       (o->duration && cmon_time_mono() - start >= o->duration);
}

/*
 * Attach to ovs-vswitchd and find its ring: 0 when done, 1 when stopped
 * while waiting, <0 on failure (logged).
 */
static int ovs_attach(const struct opts *o, struct reader *r, double start)
{
	int told = 0, ready = 0, err;

	/* ready at two looks half a second apart: a fresh primary's config
	 * may still hold its predecessor's magic for a moment */
	while (ready < 2) {
		if (primary_ready(o->prefix)) {
			if (ready++ || !o->wait)
				continue;
			if (idle(r, 500))
				return 1;
			continue;
		}
		ready = 0;
		if (!o->wait && primary_alive(o->prefix)) {
			cmon_err("ovs-vswitchd with DPDK file prefix \"%s\" is "
				 "still starting (its DPDK is not ready); try "
				 "again in a moment, or use --wait", o->prefix);
			return -1;
		}
		if (!o->wait) {
			cmon_err("no ovs-vswitchd with DPDK file prefix \"%s\" "
				 "is running (nothing at %s/%s/config); start "
				 "it, or use --wait", o->prefix, RUNTIME_DIR,
				 o->prefix);
			return -1;
		}
		if (!told++)
			cmon_info("waiting for ovs-vswitchd (DPDK file prefix "
				  "\"%s\")", o->prefix);
		if (idle(r, 500) || timed_out(o, start))
			return 1;
	}
	if (eal_attach(o))
		return -1;
	told = 0;
	while ((err = lookup(r))) {
		if (err == -2 || !o->wait) {
			if (err == -1)
				cmon_err("ovs-vswitchd has no cmon ring: is it "
					 "built with cmon's ovs-patches and is "
					 "other_config:cmon-enable=true set? "
					 "(or use --wait)");
			return -1;
		}
		if (!told++)
			cmon_info("waiting for ovs-vswitchd to enable cmon "
				  "(other_config:cmon-enable=true)");
		if (idle(r, 200) || timed_out(o, start))
			return 1;
	}
	cmon_info("attached to ovs-vswitchd (file prefix \"%s\"): ring %s "
		  "of %u records, sampling 1/%u", o->prefix, CMON_SHM_RING,
		  r->stats->ring_size, r->stats->sample_n);
	lookup_capture(r);
	return 0;
}

/*
 * Start this program again (--wait, after ovs-vswitchd exited: DPDK's EAL
 * attaches once per process), at once: the EAL's files stay locked while
 * any process holds them open, and the next ovs-vswitchd cannot start
 * until then.  The exporter's history and unwritten InfluxDB lines go
 * along in a memfd at HANDOFF_FD; nothing else it had open does.  Returns
 * only on failure.
 */
#define HANDOFF_FD	3

static void restart(char **argv, struct cmon_export *x)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int fd = memfd_create("cmon-dpdk-handoff", 0);
	FILE *f = fd >= 0 ? fdopen(dup(fd), "w") : NULL;
	int err = f ? cmon_export_hand_over(x, f) : -errno;

	if (f)
		fclose(f);
	if (err)
		cmon_warn("restarting: the history and unwritten InfluxDB "
			  "lines cannot go along: %s", strerror(-err));
	if (n <= 0) {
		cmon_err("restarting: /proc/self/exe: %s", strerror(errno));
		return;
	}
	self[n] = 0;
	if (!err && dup2(fd, HANDOFF_FD) == HANDOFF_FD)
		setenv(RESTARTED_ENV, "handoff", 1);
	else
		setenv(RESTARTED_ENV, "", 1);
	close_range(HANDOFF_FD + 1, ~0U, 0);
	execv(self, argv);
	cmon_err("restarting %s: %s", self, strerror(errno));
}

/* In the process restart() started: take over what it handed on. */
static void take_over(struct cmon_export *x)
{
	FILE *f;
	int err;

	if (lseek(HANDOFF_FD, 0, SEEK_SET) || !(f = fdopen(HANDOFF_FD, "r"))) {
		cmon_warn("the history of the process before is lost: %s",
			  strerror(errno));
		close(HANDOFF_FD);
		return;
	}
	err = cmon_export_take_over(x, f);
	if (err)
		cmon_warn("the history of the process before is lost: %s",
			  strerror(-err));
	fclose(f);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct reader r = { 0 };
	struct opts o = { 0 };
	double start, last_tick, last_check, last_capture, t;
	/* started again by itself (--wait, after ovs-vswitchd came back) */
	const char *env = getenv(RESTARTED_ENV);
	int rc = 0, err, restarted = env != NULL;
	int handoff = env && !strcmp(env, "handoff");

	unsetenv(RESTARTED_ENV);
	cmon_log_init("cmon-dpdk", CMON_LOG_INFO);
	if (cmon_config_args(&argc, &argv, long_opts) ||
	    parse_args(argc, argv, &o))
		return 2;
	if (o.verbose)
		cmon_log_level = CMON_LOG_DEBUG;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	start = cmon_time_mono();
	r.agg = cmon_agg_create();
	if (!r.agg) {
		cmon_err("out of memory");
		return 1;
	}
	r.x = cmon_export_start(&o.x);
	if (!r.x) {
		rc = 2;
		goto out;
	}
	if (handoff)
		take_over(r.x);
	r.o = &o;
	r.trusted = o.k.clock_tai;
	if (o.npeers) {
		r.peers = cmon_peers_start(o.peers, o.npeers);
		if (!r.peers) {
			rc = 2;
			goto out;
		}
	}
	if (o.pcap) {
		/* after a restart for --wait: what the file holds stays */
		r.pcap = cmon_pcapng_open(o.pcap,
					  (uint64_t)(o.pcap_mib * (1 << 20)),
					  o.pcap_count, restarted);
		if (!r.pcap) {
			cmon_err("--pcap %s: %s", o.pcap, strerror(errno));
			rc = 2;
			goto out;
		}
		o.k.on_packet = on_packet;
		o.k.packet_ctx = &r;
	}
	if (o.kernel) {
		r.ka = cmon_kagent_start(&o.k, r.agg);
		if (!r.ka) {
			rc = 1;
			goto out;
		}
	}
	if (o.ovs) {
		err = ovs_attach(&o, &r, start);
		if (err) {
			rc = err < 0 ? 3 : 0;
			goto out;
		}
	}

	last_tick = last_check = last_capture = cmon_time_mono();
	while (!exiting) {
		drain(&r);
		if (idle(&r, 2)) {
			rc = 1;
			break;
		}
		t = cmon_time_mono();
		if (t - last_tick >= o.interval) {
			drain(&r);
			report(&o, &r, t - last_tick);
			last_tick = t;
		}
		if (r.ring && t - last_capture >= 1.0) {
			last_capture = t;
			lookup_capture(&r);
		}
		/* often: a restarted switch waits for the EAL's files */
		if (r.ring && t - last_check >= 0.1) {
			last_check = t;
			if (!primary_alive(o.prefix)) {
				cmon_err("ovs-vswitchd (file prefix \"%s\") "
					 "exited%s", o.prefix, o.wait ?
					 "; waiting for it to come back" : "");
				/* no rte_eal_cleanup(): its primary is gone */
				eal_up = 0;
				rc = 3;
				if (o.wait) {
					/* detached in order: no stamp
					 * without its strip */
					cmon_kagent_stop(r.ka);
					r.ka = NULL;
					/* every captured frame on disk, and
					 * the next process adds to the file */
					cmon_pcapng_close(r.pcap);
					r.pcap = NULL;
					restart(argv, r.x);
				}
				break;
			}
		}
		if (o.duration && t - start >= o.duration)
			break;
	}
	drain(&r);
out:
	cmon_kagent_stop(r.ka);
	/* a last flush of what InfluxDB has not taken yet */
	cmon_export_stop(r.x, 5);
	if (r.pcap)
		cmon_info("pcap: %llu packets written to %s%s",
			  (unsigned long long)cmon_pcapng_packets(r.pcap),
			  o.pcap, cmon_pcapng_errors(r.pcap) ?
			  " (some writes failed: see pcap_write_errors)" : "");
	cmon_pcapng_close(r.pcap);
	cmon_peers_stop(r.peers);
	cmon_agg_destroy(r.agg);
	if (eal_up)
		rte_eal_cleanup();
	return rc;
}
