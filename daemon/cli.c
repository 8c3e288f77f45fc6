// SPDX-License-Identifier: BSD-2-Clause
/* The shared command line: see cli.h. */
#include "config.h"
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cfgfile.h"
#include "cli.h"
#include "log.h"

/* Long options without a short form. */
enum {
	OPT_UPLINK = 0x100, OPT_CT_HOPS, OPT_NO_HOST_HOPS, OPT_CLOCK,
	OPT_CLOCK_OFFSET, OPT_NODE_ID, OPT_FLOW_ENTRIES,
	OPT_HTTP_TOKEN, OPT_HTTP_TOKEN_FILE, OPT_WEB_ROOT, OPT_INFLUX,
	OPT_INFLUX_DB, OPT_INFLUX_BUFFER, OPT_HISTORY, OPT_PEER,
	OPT_PCAP, OPT_PCAP_SIZE, OPT_PCAP_COUNT, OPT_PCAP_CT, OPT_PCAP_PROTO,
	OPT_PCAP_SAMPLE, OPT_RULES, OPT_ETCD, OPT_ETCD_LEASE, OPT_ETCD_USER,
	OPT_ETCD_PASSWORD_FILE, OPT_RUNTIME, OPT_TC, OPT_PROM_LABELS,
	OPT_PROM_LABEL_VALUES, OPT_ETCD_CACERT, OPT_ETCD_CERT, OPT_ETCD_KEY,
	OPT_CLUSTER, OPT_CARRIER,
};

#define SHORTOPTS "b:o:p:k:s:i:d:jqn:c:H:vhV"

static const struct option shared_opts[] = {
	/* reporting */
	{ "interval", required_argument, NULL, 'i' },
	{ "duration", required_argument, NULL, 'd' },
	{ "json", no_argument, NULL, 'j' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "node", required_argument, NULL, 'n' },
	{ "config", required_argument, NULL, 'c' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	/* the kernel path */
	{ "bridge", required_argument, NULL, 'b' },
	{ "overlay", required_argument, NULL, 'o' },
	{ "uplink", required_argument, NULL, OPT_UPLINK },
	{ "peer-subnet", required_argument, NULL, 'p' },
	{ "key-file", required_argument, NULL, 'k' },
	{ "ct-hops", no_argument, NULL, OPT_CT_HOPS },
	{ "no-host-hops", no_argument, NULL, OPT_NO_HOST_HOPS },
	{ "carrier", required_argument, NULL, OPT_CARRIER },
	{ "clock", required_argument, NULL, OPT_CLOCK },
	{ "clock-offset-ns", required_argument, NULL, OPT_CLOCK_OFFSET },
	{ "sample", required_argument, NULL, 's' },
	{ "node-id", required_argument, NULL, OPT_NODE_ID },
	{ "flow-entries", required_argument, NULL, OPT_FLOW_ENTRIES },
	{ "runtime", required_argument, NULL, OPT_RUNTIME },
	{ "tc", required_argument, NULL, OPT_TC },
	/* exporting */
	{ "http", required_argument, NULL, 'H' },
	{ "http-token", required_argument, NULL, OPT_HTTP_TOKEN },
	{ "http-token-file", required_argument, NULL, OPT_HTTP_TOKEN_FILE },
	{ "web-root", required_argument, NULL, OPT_WEB_ROOT },
	{ "influx", required_argument, NULL, OPT_INFLUX },
	{ "influx-db", required_argument, NULL, OPT_INFLUX_DB },
	{ "influx-buffer", required_argument, NULL, OPT_INFLUX_BUFFER },
	{ "history", required_argument, NULL, OPT_HISTORY },
	{ "prom-labels", required_argument, NULL, OPT_PROM_LABELS },
	{ "prom-label-values", required_argument, NULL,
	  OPT_PROM_LABEL_VALUES },
	{ "peer", required_argument, NULL, OPT_PEER },
	{ "cluster", no_argument, NULL, OPT_CLUSTER },
	/* pcap dumps */
	{ "pcap", required_argument, NULL, OPT_PCAP },
	{ "pcap-size", required_argument, NULL, OPT_PCAP_SIZE },
	{ "pcap-count", required_argument, NULL, OPT_PCAP_COUNT },
	{ "pcap-container", required_argument, NULL, OPT_PCAP_CT },
	{ "pcap-proto", required_argument, NULL, OPT_PCAP_PROTO },
	{ "pcap-sample", required_argument, NULL, OPT_PCAP_SAMPLE },
	/* monitoring rules */
	{ "rules", required_argument, NULL, OPT_RULES },
	{ "etcd", required_argument, NULL, OPT_ETCD },
	{ "etcd-lease", required_argument, NULL, OPT_ETCD_LEASE },
	{ "etcd-user", required_argument, NULL, OPT_ETCD_USER },
	{ "etcd-password-file", required_argument, NULL,
	  OPT_ETCD_PASSWORD_FILE },
	{ "etcd-cacert", required_argument, NULL, OPT_ETCD_CACERT },
	{ "etcd-cert", required_argument, NULL, OPT_ETCD_CERT },
	{ "etcd-key", required_argument, NULL, OPT_ETCD_KEY },
};
#define NSHARED (sizeof(shared_opts) / sizeof(shared_opts[0]))
#define MAX_PROG_OPTS 16

static const char help_report[] =
"  -i, --interval S      seconds between reports (default 1)\n"
"  -d, --duration S      stop after S seconds (default: until SIGINT)\n"
"  -j, --json            one JSON object per interval on stdout\n"
"                        (schema: doc/json.md)\n"
"  -q, --quiet           no per-interval output (a service: use the sinks)\n"
"  -n, --node NAME       node name in the reports (default: host name)\n"
"  -c, --config FILE     settings from FILE: \"name = value\" lines, names\n"
"                        being these long options (etc/cmon-dpdk.conf)\n";

static const char help_tail[] =
"  -v, --verbose         debug logging (attach, detach, discovery)\n"
"  -h, --help            this help\n"
"  -V, --version         the version\n";

static const char help_kernel[] =
"\nKernel path (the containers on Linux bridges, with BPF):\n"
"  -b, --bridge NAME     monitor containers on this bridge (repeatable)\n"
"  -o, --overlay DEV     hop on this overlay (VXLAN) device, e.g. flannel.1\n"
"      --uplink DEV      the node's physical NIC: remove annotations from\n"
"                        packets leaving through it outside the overlay\n"
"                        (counted as uplink_stripped; repeatable)\n"
"  -p, --peer-subnet CIDR  containers of other nodes (e.g. 10.244.0.0/16):\n"
"                        stamp packets towards them too (repeatable)\n"
"  -k, --key-file FILE   annotation key (16 hex digits) shared by the agents\n"
"                        of nodes that trace across each other (default:\n"
"                        random, for a single node)\n"
"      --clock CLOCK     stamp with 'monotonic' (default; nodes on one host)\n"
"                        or 'tai' (nodes synchronised by PTP)\n"
"      --clock-offset-ns N  add N ns to every stamp (testing: simulates\n"
"                        a node whose clock is off by N)\n"
"      --ct-hops         add the containers' own transmit and receive hops\n"
"                        (tc programs on each container's eth0: they cost\n"
"                        CPU on small packets)\n"
"      --no-host-hops    no hops on the bridges: traffic between containers\n"
"                        and host processes is counted as not monitored\n"
"      --carrier MODE    where a traced packet's annotation travels: 'auto'\n"
"                        (default: beside the packet, in the kernel, where\n"
"                        it stays one skb to its strip hop on this node;\n"
"                        in its bytes elsewhere) or 'bytes' (always in its\n"
"                        bytes: a payload trailer or an IPv4 option)\n"
"  -s, --sample N        trace 1 packet in N (default 32; 1 = every packet);\n"
"                        all packets are always counted\n"
"      --node-id N       node id written in hop stamps (0-255, default 0)\n"
"      --flow-entries N  flows the kernel keeps counters and sequence\n"
"                        numbers for, and NATed flows (default 65536);\n"
"                        beyond, the least recently seen are evicted\n"
"                        (hop_evicted etc.)\n"
"      --runtime SOCKET  the container runtime's API socket (Docker, or\n"
"                        Podman's Docker-compatible one): containers get\n"
"                        its names, images, labels; default: the first of\n"
"                        /var/run/docker.sock, /run/podman/podman.sock\n"
"                        that exists; 'none': namespace names only\n"
"      --tc MODE         how the hops are attached: 'tcx' (links the\n"
"                        kernel removes if the agent dies; 20 ms a port),\n"
"                        'clsact' (filters: attached 15 times faster) or\n"
"                        'auto' (default: tcx, but clsact past 250 ports\n"
"                        at the start or 8 coming a second)\n";

static const char help_export[] =
"\nExporting (doc/exporter.md):\n"
"  -H, --http [ADDR:]PORT  serve /metrics (Prometheus), the JSON API under\n"
"                        /api/v1/ and the web page; ADDR defaults to\n"
"                        127.0.0.1 (another address needs --http-token)\n"
"      --http-token T    require \"Authorization: Bearer T\" or ?token=T\n"
"      --http-token-file FILE  the same, T being FILE's first line (kept\n"
"                        out of the process list; chmod 600 FILE)\n"
"      --web-root DIR    serve the web page's files from DIR (default:\n"
"                        installed ones, or the build tree's web/dist)\n"
"      --influx URL      write to InfluxDB 1.x at URL, e.g.\n"
"                        http://127.0.0.1:8086 (user:password@ accepted)\n"
"      --influx-db NAME  database, created if missing (default cmon)\n"
"      --influx-buffer MIB  lines kept while InfluxDB is unreachable\n"
"                        (default 8 MiB; beyond, the oldest are dropped\n"
"                        and counted in influx_dropped)\n"
"      --history N       intervals the embedded history keeps (default\n"
"                        600: ten minutes at -i 1)\n"
"      --prom-labels KEY[,KEY]  what the container runtime says of a\n"
"                        pair's ends on its /metrics series, as src_KEY\n"
"                        and dst_KEY: a label's key, image,\n"
"                        compose_project or compose_service (at most 4)\n"
"      --prom-label-values N  values each may take (default 200); others\n"
"                        are \"_other\", counted in prom_label_overflow\n"
"      --peer URL        another node's --http, e.g.\n"
"                        http://10.0.0.2:9417/?token=T (repeatable): its\n"
"                        delays from this node give the clock offset\n"
"                        between the two, so cross-node latencies are\n"
"                        corrected (until then they are unknown), and\n"
"                        the page and /api/v1/cluster show its node too\n"
"      --cluster         the other nodes registered in etcd (--etcd) are\n"
"                        peers, as if given with --peer (with this\n"
"                        node's --http-token)\n";

static const char help_pcap[] =
"\npcap dumps (kernel strip hops, and Open vSwitch's when it runs with\n"
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
"      --pcap-sample N   only 1 traced packet in N (default 1)\n";

static const char help_rules[] =
"\nMonitoring rules (doc/rules.md):\n"
"      --rules FILE      what to watch and alert on, from a rule file\n"
"                        (cmonctl rules check FILE); loaded again when it\n"
"                        changes (a file with errors is refused whole and\n"
"                        the rules in force stay)\n"
"      --etcd URL        the standard rules published in etcd at URL\n"
"                        (cmonctl rules apply), watched; this node\n"
"                        registers there (cmonctl nodes); --rules FILE is\n"
"                        then the default until etcd has rules\n"
"      --etcd-lease S    this node's etcd entry expires S seconds after\n"
"                        it stops renewing it (default 10)\n"
"      --etcd-user NAME  log in to etcd as NAME (etcd authentication)\n"
"      --etcd-password-file FILE  that user's password, FILE's first line\n"
"                        (chmod 600 FILE)\n"
"      --etcd-cacert FILE  for https://: the CA etcd's certificate is\n"
"                        checked against (default: the system's)\n"
"      --etcd-cert FILE, --etcd-key FILE  for https:// when etcd asks\n"
"                        for client certificates: this node's certificate\n"
"                        and key, PEM\n";

static void usage(FILE *f, const struct cmon_cli *cli)
{
	fprintf(f, "%s\n%s%s%s%s%s%s%s%s", cli->usage, help_report,
		cli->help ? cli->help : "", help_tail, help_kernel,
		help_export, help_pcap, help_rules,
		cli->epilogue ? cli->epilogue : "");
}

/* Append a device name given to a repeatable option. */
static int add_ifname(const char **list, unsigned int *n, unsigned int max,
		      const char *name, const char *what)
{
	if (*n == max) {
		cmon_err("at most %u %s names", max, what);
		return -EINVAL;
	}
	if (!*name || strlen(name) >= IF_NAMESIZE) {
		cmon_err("invalid %s name '%s'", what, name);
		return -EINVAL;
	}
	list[(*n)++] = name;
	return 0;
}

/* "a.b.c.d/len" into an LPM key. */
static int parse_cidr(const char *s, struct cmon_lpm_key *k)
{
	char buf[INET_ADDRSTRLEN + 4], *slash;
	unsigned int len = 32;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash) {
		*slash = 0;
		if (cmon_opt_uint(slash + 1, 0, 32, &len, "--peer-subnet prefix"))
			return -EINVAL;
	}
	if (inet_pton(AF_INET, buf, &k->addr) != 1) {
		cmon_err("invalid --peer-subnet '%s': expected an IPv4 "
			 "network such as 10.244.0.0/16", s);
		return -EINVAL;
	}
	k->prefixlen = len;
	return 0;
}

/* 1: @c was a kernel-path option and is applied; 0: not one; <0: bad. */
static int kernel_opt(struct cmon_kopts *o, int c, const char *arg)
{
	double v;

	switch (c) {
	case 'b':
		return add_ifname(o->bridges, &o->nbridges, CMON_MAX_BRIDGES,
				  arg, "bridge") ? -EINVAL : 1;
	case 'o':
		return add_ifname(o->overlays, &o->noverlays,
				  CMON_MAX_OVERLAYS, arg, "overlay device") ?
		       -EINVAL : 1;
	case OPT_UPLINK:
		return add_ifname(o->uplinks, &o->nuplinks, CMON_MAX_UPLINKS,
				  arg, "uplink device") ? -EINVAL : 1;
	case 'p':
		if (o->nsubnets == CMON_MAX_SUBNETS) {
			cmon_err("at most %d peer subnets", CMON_MAX_SUBNETS);
			return -EINVAL;
		}
		if (parse_cidr(arg, &o->subnets[o->nsubnets]))
			return -EINVAL;
		o->nsubnets++;
		return 1;
	case 'k':
		o->key_file = arg;
		return 1;
	case OPT_CT_HOPS:
		o->ct_hops = 1;
		return 1;
	case OPT_NO_HOST_HOPS:
		o->no_host_hops = 1;
		return 1;
	case OPT_CARRIER:
		if (strcmp(arg, "auto") && strcmp(arg, "bytes")) {
			cmon_err("invalid --carrier '%s': expected 'auto' or "
				 "'bytes'", arg);
			return -EINVAL;
		}
		o->carrier_bytes = !strcmp(arg, "bytes");
		return 1;
	case OPT_RUNTIME:
		o->runtime = arg;
		return 1;
	case OPT_TC:
		if (strcmp(arg, "tcx") && strcmp(arg, "clsact") &&
		    strcmp(arg, "auto")) {
			cmon_err("invalid --tc '%s': expected 'auto', 'tcx' "
				 "or 'clsact'", arg);
			return -EINVAL;
		}
		o->tc_clsact = !strcmp(arg, "auto") ? -1 :
			       !strcmp(arg, "clsact");
		return 1;
	case OPT_CLOCK:
		if (!strcmp(arg, "tai")) {
			o->clock_tai = 1;
		} else if (strcmp(arg, "monotonic")) {
			cmon_err("invalid --clock '%s': expected 'monotonic' or "
				 "'tai'", arg);
			return -EINVAL;
		}
		return 1;
	case OPT_CLOCK_OFFSET:
		/* within the 2 s the 32-bit t0 on the wire tolerates */
		if (cmon_opt_num(arg, -1e9, 1e9, &v, "--clock-offset-ns"))
			return -EINVAL;
		o->clock_offset = (long long)v;
		return 1;
	case 's':
		return cmon_opt_uint(arg, 1, 1 << 30, &o->sample_n, "--sample") ?
		       -EINVAL : 1;
	case OPT_NODE_ID:
		return cmon_opt_uint(arg, 0, 255, &o->node_id, "--node-id") ?
		       -EINVAL : 1;
	case OPT_FLOW_ENTRIES:
		return cmon_opt_uint(arg, 16, 1u << 24, &o->flow_entries,
				     "--flow-entries") ? -EINVAL : 1;
	}
	return 0;
}


/* 1: @c was a reporting, exporting, pcap or rules option; 0: not one; <0:
 * bad. */
/* --prom-labels KEY[,KEY...] (the option may be repeated): 1, or
 * -EINVAL said.  The keys point into @arg (argv or a config line kept). */
static int prom_labels(struct cmon_daemon_opts *o, char *arg)
{
	char *key, *save = NULL;

	for (key = strtok_r(arg, ",", &save); key;
	     key = strtok_r(NULL, ",", &save)) {
		if (o->x.nprom_labels == CMON_PROM_MAX_LABELS) {
			cmon_err("--prom-labels: at most %d (each one multiplies "
				 "the series Prometheus keeps)",
				 CMON_PROM_MAX_LABELS);
			return -EINVAL;
		}
		o->x.prom_labels[o->x.nprom_labels++] = key;
	}
	return 1;
}

static int daemon_opt(struct cmon_daemon_opts *o, int c, const char *arg)
{
	static char token[256], etcd_password[256];
	double mib;

	switch (c) {
	case 'i':
		return cmon_opt_num(arg, 0.1, 3600, &o->interval,
				    "--interval") ? -EINVAL : 1;
	case 'd':
		return cmon_opt_num(arg, 0.1, 1e9, &o->duration,
				    "--duration") ? -EINVAL : 1;
	case 'j':
		if (o->out != CMON_OUT_NONE)
			o->out = CMON_OUT_JSON;
		return 1;
	case 'q':
		o->out = CMON_OUT_NONE;
		return 1;
	case 'n':
		o->node = arg;
		return 1;
	case 'c':
		/* cmon_config_args() has read it */
		return 1;
	case 'H':
		o->x.http = arg;
		return 1;
	case OPT_HTTP_TOKEN:
		o->x.http_token = arg;
		return 1;
	case OPT_HTTP_TOKEN_FILE:
		if (cmon_secret_file(arg, "--http-token-file", token,
				     sizeof(token)))
			return -EINVAL;
		o->x.http_token = token;
		return 1;
	case OPT_WEB_ROOT:
		o->x.web_root = arg;
		return 1;
	case OPT_INFLUX:
		o->x.influx_url = arg;
		return 1;
	case OPT_INFLUX_DB:
		o->x.influx_db = arg;
		return 1;
	case OPT_INFLUX_BUFFER:
		if (cmon_opt_num(arg, 0.001, 4096, &mib, "--influx-buffer"))
			return -EINVAL;
		o->x.influx_buffer = (size_t)(mib * (1 << 20));
		return 1;
	case OPT_PROM_LABELS:
		return prom_labels(o, (char *)arg);
	case OPT_PROM_LABEL_VALUES:
		return cmon_opt_uint(arg, 1, 100000, &o->x.prom_label_values,
				     "--prom-label-values") ? -EINVAL : 1;
	case OPT_HISTORY:
		return cmon_opt_uint(arg, 1, 1000000, &o->x.history,
				     "--history") ? -EINVAL : 1;
	case OPT_PEER:
		if (o->npeers == CMON_MAX_PEERS) {
			cmon_err("--peer: at most %d", CMON_MAX_PEERS);
			return -EINVAL;
		}
		o->peers[o->npeers++] = arg;
		return 1;
	case OPT_PCAP:
		o->pcap.path = arg;
		return 1;
	case OPT_PCAP_SIZE:
		return cmon_opt_num(arg, 0.01, 1e6, &o->pcap.mib,
				    "--pcap-size") ? -EINVAL : 1;
	case OPT_PCAP_COUNT:
		return cmon_opt_uint(arg, 1, 1000, &o->pcap.count,
				     "--pcap-count") ? -EINVAL : 1;
	case OPT_PCAP_CT:
		if (o->pcap.ncontainers == CMON_PCAP_MAX_CONTAINERS) {
			cmon_err("--pcap-container: at most %d",
				 CMON_PCAP_MAX_CONTAINERS);
			return -EINVAL;
		}
		o->pcap.containers[o->pcap.ncontainers++] = arg;
		return 1;
	case OPT_PCAP_PROTO:
		o->pcap.proto = !strcmp(arg, "tcp") ? 6 :
				!strcmp(arg, "udp") ? 17 :
				!strcmp(arg, "icmp") ? 1 : -2;
		if (o->pcap.proto == -2) {
			cmon_err("--pcap-proto: \"%s\" is not tcp, udp or icmp",
				 arg);
			return -EINVAL;
		}
		return 1;
	case OPT_PCAP_SAMPLE:
		return cmon_opt_uint(arg, 1, 1u << 30, &o->pcap.sample,
				     "--pcap-sample") ? -EINVAL : 1;
	case OPT_RULES:
		o->rules = arg;
		return 1;
	case OPT_ETCD:
		o->etcd = arg;
		return 1;
	case OPT_CLUSTER:
		o->cluster = 1;
		return 1;
	case OPT_ETCD_LEASE:
		return cmon_opt_num(arg, 2, 3600, &o->etcd_lease,
				    "--etcd-lease") ? -EINVAL : 1;
	case OPT_ETCD_USER:
		o->etcd_user = arg;
		return 1;
	case OPT_ETCD_PASSWORD_FILE:
		if (cmon_secret_file(arg, "--etcd-password-file",
				     etcd_password, sizeof(etcd_password)))
			return -EINVAL;
		o->etcd_password = etcd_password;
		return 1;
	case OPT_ETCD_CACERT:
	case OPT_ETCD_CERT:
	case OPT_ETCD_KEY:
		if (cmon_readable_file(arg, c == OPT_ETCD_CACERT ?
				       "--etcd-cacert" : c == OPT_ETCD_CERT ?
				       "--etcd-cert" : "--etcd-key"))
			return -EINVAL;
		*(c == OPT_ETCD_CACERT ? &o->etcd_cacert :
		  c == OPT_ETCD_CERT ? &o->etcd_cert : &o->etcd_key) = arg;
		return 1;
	}
	return 0;
}

/* The page's files when --web-root is not given: installed (make
 * install), or beside the program in a build tree (web/dist); NULL. */
static const char *default_web_root(void)
{
	static char dir[PATH_MAX];
	char exe[PATH_MAX], probe[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (!access(CMON_WEB_DIR "/index.html", R_OK))
		return CMON_WEB_DIR;
	if (n <= 0)
		return NULL;
	exe[n] = 0;
	slash = strrchr(exe, '/');
	if (!slash)
		return NULL;
	*slash = 0;
	snprintf(probe, sizeof(probe), "%s/../web/dist/index.html", exe);
	if (access(probe, R_OK) || !realpath(probe, dir))
		return NULL;
	*strrchr(dir, '/') = 0;		/* the directory */
	return dir;
}

int cmon_cli_parse(int argc, char **argv, struct cmon_cli *cli,
		   struct cmon_daemon_opts *o)
{
	static char host[HOST_NAME_MAX + 1];
	struct option opts[NSHARED + MAX_PROG_OPTS + 1];
	char shortopts[64];
	unsigned int n;
	int c, r;

	/* the program's options, then the shared ones */
	for (n = 0; cli->opts && cli->opts[n].name; n++)
		if (n == MAX_PROG_OPTS)
			abort();	/* a program with too many options */
	memcpy(opts, cli->opts, n * sizeof(opts[0]));
	memcpy(opts + n, shared_opts, sizeof(shared_opts));
	memset(&opts[n + NSHARED], 0, sizeof(opts[0]));
	snprintf(shortopts, sizeof(shortopts), "%s" SHORTOPTS,
		 cli->shortopts ? cli->shortopts : "");
	if (cmon_config_args(&argc, &argv, opts))
		return 2;
	optind = 1;
	while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		r = kernel_opt(&o->k, c, optarg);
		if (!r)
			r = daemon_opt(o, c, optarg);
		if (r < 0)
			return 2;
		if (r)
			continue;
		switch (c) {
		case 'v':
			cmon_log_level = CMON_LOG_DEBUG;
			break;
		case 'h':
			usage(stdout, cli);
			exit(0);
		case 'V':
			printf("%s %s\n", cli->name, PACKAGE_VERSION);
			exit(0);
		case '?':
			usage(stderr, cli);
			return 2;
		default:	/* the program's own */
			if (!cli->parse || cli->parse(cli->ctx, c, optarg) < 0)
				return 2;
		}
	}
	cli->argc = argc - optind;
	cli->argv = argv + optind;
	if (o->cluster && !o->etcd) {
		cmon_err("--cluster finds the nodes in etcd: it needs --etcd");
		return 2;
	}
	if (o->x.http && !o->x.web_root)
		o->x.web_root = default_web_root();
	if (!o->node) {
		if (gethostname(host, sizeof(host) - 1))
			snprintf(host, sizeof(host), "localhost");
		o->node = host;
	}
	return 0;
}
