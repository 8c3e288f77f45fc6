// SPDX-License-Identifier: BSD-2-Clause
/*
 * cmon-dpdk: the node daemon (daemon/) with the Open vSwitch ring as a
 * source, and with --bridge the kernel-path agent beside it, so one
 * process sees paths that cross the kernel and Open vSwitch.
 *
 * It reads the records the patched ovs-vswitchd writes to its shared
 * hugepage ring (include/cmon/shm.h) as a DPDK secondary process.  It
 * never touches OVS's packets or mempools: it maps the primary's hugepage
 * memory, looks the ring and counters up by name and only dequeues.  When
 * ovs-vswitchd is absent or exits, it says so and exits, or with --wait
 * waits for it and starts again (DPDK's EAL attaches once per process).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_memzone.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "cmon/shm.h"
#include "clock.h"
#include "cli.h"
#include "daemon.h"
#include "log.h"
#include "ovs-ctl.h"
#include "ovs-flows.h"

#define BURST		64
#define RUNTIME_DIR	"/var/run/dpdk"

/* The Open vSwitch source: where it stands, what it reads. */
enum ovs_state { WAIT_SWITCH, WAIT_RING, ATTACHED };

struct ovs {
	const char *prefix;		/* DPDK file prefix of ovs-vswitchd */
	int given;			/* --file-prefix given */
	int wait;			/* --wait */
	int kernel;			/* --kernel */
	int eal_argc;
	char **eal_argv;
	enum ovs_state state;
	double ready_at;		/* WAIT_SWITCH: first seen ready */
	double last_capture;		/* last look for the capture ring */
	int told;			/* said what it waits for */
	int eal_up;			/* attached to a live primary */
	struct rte_ring *ring;
	const struct cmon_shm_stats *stats;
	const struct cmon_shm_flows *flows;	/* its per-flow counters */
	struct cmon_ovs_flows *reader;
	struct cmon_shm_ctl *ctl;	/* the rules in force in the switch */
	size_t ctl_left_out;		/* pairs that found no room there */
	int has_rules;			/* --rules or --etcd given */
	struct rte_ring *capture;	/* the switch's captured frames */
	uint64_t capture_bad;		/* ... with unusable records */
	int capture_told;
	uint32_t ports_gen;		/* the ports' roles_gen last followed */
	int ports_read;			/* ... once */
	uint32_t ports_unlisted;	/* ... numbered past the list, last read */
	int handon[CMON_SHM_PORTS];	/* the af_packet ports' veths whose
					 * container's receive hop the kernel
					 * agent holds */
	unsigned int nhandon;
};

/* The switch strips at its af_packet ports again this long after the last
 * cmon-dpdk that handed them on stopped moving its heartbeat on. */
#define HANDON_S	3

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

static int eal_attach(struct ovs *s)
{
	char prefix[PATH_MAX + 16], *argv[64];
	cpu_set_t all;
	int argc = 0, i, ret;

	snprintf(prefix, sizeof(prefix), "--file-prefix=%s", s->prefix);
	argv[argc++] = "cmon-dpdk";
	argv[argc++] = "--proc-type=secondary";
	argv[argc++] = prefix;
	argv[argc++] = "--no-pci";
	argv[argc++] = "--no-telemetry";
	argv[argc++] = "-l";
	argv[argc++] = "0";
	argv[argc++] = cmon_log_level >= CMON_LOG_DEBUG ? "--log-level=info" :
			"--log-level=error";
	for (i = 0; i < s->eal_argc && argc < 63; i++)
		argv[argc++] = s->eal_argv[i];
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
			 s->prefix, rte_strerror(rte_errno));
		return -1;
	}
	s->eal_up = 1;
	return 0;
}

/* Find the ring and counters: 0, -1 not (yet) there, -2 unusable. */
static int lookup(struct ovs *s)
{
	const struct rte_memzone *mz = rte_memzone_lookup(CMON_SHM_STATS);
	const struct cmon_shm_flows *fl;
	const struct cmon_shm_stats *st;

	if (!mz)
		return -1;
	st = mz->addr;
	if (__atomic_load_n(&st->magic, __ATOMIC_ACQUIRE) != CMON_SHM_MAGIC)
		return -1;
	if (st->version != CMON_SHM_VERSION) {
		cmon_err("ovs-vswitchd's cmon counters are version %u, this "
			 "cmon-dpdk reads version %u: rebuild one of them",
			 st->version, CMON_SHM_VERSION);
		return -2;
	}
	s->ring = rte_ring_lookup(CMON_SHM_RING);
	if (!s->ring)
		return -1;
	s->stats = st;
	/* made before the counters, or not at all */
	mz = rte_memzone_lookup(CMON_SHM_FLOWS);
	fl = mz ? mz->addr : NULL;
	s->flows = fl && __atomic_load_n(&fl->magic, __ATOMIC_ACQUIRE) ==
			 CMON_SHM_FLOWS_MAGIC ? fl : NULL;
	if (!s->flows)
		cmon_warn("ovs-vswitchd keeps no per-flow counters (see its "
			  "log): pairs through it show traced packets only");
	else if (!s->reader && !(s->reader = cmon_ovs_flows_create()))
		return -2;
	mz = rte_memzone_lookup(CMON_SHM_CTL);
	s->ctl = mz && __atomic_load_n(&((struct cmon_shm_ctl *)mz->addr)->
				       magic, __ATOMIC_ACQUIRE) ==
		 CMON_SHM_CTL_MAGIC ? mz->addr : NULL;
	/* rules a cmon-dpdk before this one left there go, unless this one
	 * has rules: they replace them at its first interval, and the ports
	 * of the template's bridges keep their role meanwhile (one losing it
	 * for a moment would send a container annotated packets) */
	if (s->ctl && !s->has_rules)
		cmon_ovs_ctl_write(s->ctl, 0, 0, NULL, 0, NULL, 0,
				   &s->ctl_left_out);
	return 0;
}

/* With --pcap: find the switch's capture ring (it may come later). */
static void lookup_capture(struct ovs *s)
{
	s->capture = rte_ring_lookup(CMON_SHM_CAPTURE);
	if (s->capture)
		cmon_info("pcap: reading the frames ovs-vswitchd captures");
	else if (!s->capture_told++)
		cmon_warn("pcap: ovs-vswitchd captures no frames yet: set "
			  "other_config:cmon-capture=true to dump its strip "
			  "hops too");
}

/*
 * Wait for a switch whose DPDK is ready, at two looks half a second apart
 * (a fresh primary's config may still hold its predecessor's magic for a
 * moment), then attach.  Without --wait it must be there at once.
 */
static int wait_switch(struct ovs *s, double now)
{
	if (!primary_ready(s->prefix)) {
		s->ready_at = 0;
		if (!s->wait && primary_alive(s->prefix)) {
			cmon_err("ovs-vswitchd with DPDK file prefix \"%s\" is "
				 "still starting (its DPDK is not ready); try "
				 "again in a moment, or use --wait", s->prefix);
			return 3;
		}
		if (!s->wait) {
			cmon_err("no ovs-vswitchd with DPDK file prefix \"%s\" "
				 "is running (nothing at %s/%s/config); start "
				 "it, or use --wait", s->prefix, RUNTIME_DIR,
				 s->prefix);
			return 3;
		}
		if (!s->told++)
			cmon_info("waiting for ovs-vswitchd (DPDK file prefix "
				  "\"%s\")", s->prefix);
		return CMON_DAEMON_OK;
	}
	if (s->wait && (!s->ready_at || now - s->ready_at < 0.5)) {
		if (!s->ready_at)
			s->ready_at = now;
		return CMON_DAEMON_OK;
	}
	if (eal_attach(s))
		return 3;
	s->state = WAIT_RING;
	s->told = 0;
	return CMON_DAEMON_OK;
}

static int wait_ring(struct ovs *s)
{
	int err = lookup(s);

	if (err == -2)
		return 3;
	if (err) {
		if (!s->wait) {
			cmon_err("ovs-vswitchd has no cmon ring: is it built "
				 "with cmon's ovs-patches and is other_config:"
				 "cmon-enable=true set? (or use --wait)");
			return 3;
		}
		if (!s->told++)
			cmon_info("waiting for ovs-vswitchd to enable cmon "
				  "(other_config:cmon-enable=true)");
		return CMON_DAEMON_OK;
	}
	/* the counters' baseline now: the first interval's figures are
	 * what the switch counted from here on */
	if (s->flows && cmon_ovs_flows_baseline(s->reader, s->flows))
		cmon_warn("per-flow counters: no memory for their baseline "
			  "(the first interval's traffic is not counted)");
	cmon_info("attached to ovs-vswitchd (file prefix \"%s\"): ring %s "
		  "of %u records, sampling 1/%u", s->prefix, CMON_SHM_RING,
		  s->stats->ring_size, s->stats->sample_n);
	s->state = ATTACHED;
	return CMON_DAEMON_OK;
}

/*
 * Put the list of receive hops the switch hands traced packets on to in
 * force, and move its heartbeat on; with @wait, return once the switch's
 * datapath threads go by it (its main thread looks twice a second).
 */
static void handon_put(struct ovs *s, int wait)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	double t0;
	uint32_t gen;

	if (s->state != ATTACHED || !s->ctl)
		return;
	t0 = cmon_time_mono();
	gen = cmon_ovs_ctl_handon(s->ctl, s->handon, s->nhandon,
				  (uint64_t)((t0 + HANDON_S) * 1e9));
	if (!gen || !wait)
		return;
	while (__atomic_load_n(&s->stats->handon_seen, __ATOMIC_ACQUIRE) !=
	       gen && primary_alive(s->prefix)) {
		if (cmon_time_mono() - t0 > HANDON_S) {
			cmon_warn("ovs-vswitchd did not take back its af_packet "
				  "ports' receive hops in %d s: a traced packet "
				  "may reach a container with its annotation (an "
				  "IPv4 option)", HANDON_S);
			return;
		}
		nanosleep(&ts, NULL);
	}
}

/* The kernel agent's receive hops behind the switch's af_packet ports
 * (@ifindex, @n of them); with @wait, one going waits until the switch
 * strips again the packets it handed on to it. */
static void ovs_rx_hops(void *ctx, const int *ifindex, unsigned int n,
			int wait)
{
	struct ovs *s = ctx;
	unsigned int i, k;
	int gone = 0;

	for (i = 0; wait && i < s->nhandon && !gone; i++) {
		for (k = 0; k < n && ifindex[k] != s->handon[i]; k++)
			;
		gone = k == n;
	}
	s->nhandon = n < CMON_SHM_PORTS ? n : CMON_SHM_PORTS;
	if (s->nhandon)
		memcpy(s->handon, ifindex, s->nhandon * sizeof(*ifindex));
	handon_put(s, gone);
}

/* The veths the switch's af_packet ports read, for the kernel agent. */
static void follow_ports(struct ovs *s, struct cmon_daemon *d)
{
	int ifindex[CMON_SHM_PORTS];
	uint32_t gen, unlisted;

	if (!s->flows)
		return;
	unlisted = __atomic_load_n(&s->flows->ports_unlisted, __ATOMIC_RELAXED);
	if (unlisted != s->ports_unlisted && unlisted)
		cmon_warn("the switch has %u port(s) numbered %d or above: "
			  "not listed, so neither named nor their containers' "
			  "kernel side watched (ovs_ports_unlisted)", unlisted,
			  CMON_SHM_PORTS);
	s->ports_unlisted = unlisted;
	gen = __atomic_load_n(&s->flows->roles_gen, __ATOMIC_ACQUIRE);
	if (s->ports_read && gen == s->ports_gen)
		return;
	s->ports_gen = gen;
	s->ports_read = 1;
	cmon_daemon_switch_ports(d, ifindex,
				 cmon_ovs_kernel_ports(s->flows, ifindex,
						       CMON_SHM_PORTS));
}

static int ovs_check(void *ctx, struct cmon_daemon *d)
{
	struct ovs *s = ctx;
	double now = cmon_time_mono();

	switch (s->state) {
	case WAIT_SWITCH:
		return wait_switch(s, now);
	case WAIT_RING:
		return wait_ring(s);
	case ATTACHED:
		break;
	}
	if (cmon_daemon_capturing(d) && !s->capture &&
	    now - s->last_capture >= 1.0) {
		s->last_capture = now;
		lookup_capture(s);
	}
	follow_ports(s, d);
	handon_put(s, 0);
	if (primary_alive(s->prefix))
		return CMON_DAEMON_OK;
	cmon_err("ovs-vswitchd (file prefix \"%s\") exited%s", s->prefix,
		 s->wait ? "; waiting for it to come back" : "");
	/* no rte_eal_cleanup(): its primary is gone */
	s->eal_up = 0;
	return s->wait ? CMON_DAEMON_RESTART : 3;
}

/* Frames the switch captured: their records are in the main ring. */
static void drain_capture(struct ovs *s, struct cmon_daemon *d)
{
	static struct cmon_capture caps[8];
	struct cmon_kpacket k;
	unsigned int n, i;

	do {
		n = rte_ring_sc_dequeue_burst_elem(s->capture, caps,
						   sizeof(caps[0]), 8, NULL);
		for (i = 0; i < n; i++) {
			const struct cmon_record *rec = &caps[i].rec;

			if (!rec->nhops || rec->nhops > CMON_REC_HOPS) {
				s->capture_bad++;
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
			cmon_daemon_packet(d, &k);
		}
	} while (n == 8);
}

static void ovs_drain(void *ctx, struct cmon_daemon *d)
{
	struct cmon_record recs[BURST];
	struct ovs *s = ctx;
	unsigned int n, i;

	if (s->state != ATTACHED)
		return;
	do {
		n = rte_ring_sc_dequeue_burst_elem(s->ring, recs,
						   sizeof(recs[0]), BURST,
						   NULL);
		for (i = 0; i < n; i++)
			cmon_daemon_record(d, &recs[i]);
	} while (n == BURST);
	if (s->capture)
		drain_capture(s, d);
}

/* Every packet the switch counted, into the engine. */
static void ovs_collect(void *ctx, struct cmon_agg *agg)
{
	struct ovs *s = ctx;

	if (s->state == ATTACHED && s->flows)
		cmon_ovs_flows_feed(s->reader, s->flows,
				    cmon_shm_flow_rows(s->stats),
				    s->stats->node_id, agg);
}

static unsigned int ovs_renamed(void *ctx,
				const struct cmon_flow_rename **out)
{
	struct ovs *s = ctx;

	*out = NULL;
	return s->state == ATTACHED && s->flows ?
	       cmon_ovs_flows_renamed(s->reader, out) : 0;
}

static const char *ovs_dev_name(void *ctx, uint32_t netns, uint32_t ifindex)
{
	struct ovs *s = ctx;

	return s->state == ATTACHED && s->flows && netns == CMON_NETNS_OVS ?
	       cmon_ovs_port_name(s->flows, ifindex) : NULL;
}

static unsigned int ovs_endpoints(void *ctx, struct cmon_endpoint *out,
				  unsigned int max)
{
	struct ovs *s = ctx;

	return s->state == ATTACHED && s->flows ?
	       cmon_ovs_endpoints(s->reader, s->flows, out, max) : 0;
}

static unsigned int ovs_switch_ports(void *ctx, struct cmon_switch_port *out,
				     unsigned int max)
{
	struct ovs *s = ctx;

	return s->state == ATTACHED && s->reader ?
	       cmon_ovs_switch_ports(s->reader, out, max) : 0;
}

static const char *ovs_ip_name(void *ctx, uint32_t addr)
{
	struct ovs *s = ctx;

	return s->state == ATTACHED && s->reader ?
	       cmon_ovs_ip_name(s->reader, addr) : NULL;
}

static unsigned int ovs_counters(void *ctx, struct cmon_counter *c,
				 unsigned int max)
{
	static const char *const names[] = CMON_EV_NAMES;
	static char label[CMON_EV_MAX][32];
	struct ovs *s = ctx;
	unsigned int i, n = 0;

	if (s->state != ATTACHED)
		return 0;
	for (i = 0; i < CMON_EV_MAX && i < s->stats->nstats &&
		    n + 7 < max; i++) {
		if (!(CMON_EV_OVS & CMON_EV_BIT(i)))
			continue;
		snprintf(label[i], sizeof(label[i]), "ovs_%s", names[i]);
		c[n++] = (struct cmon_counter){
			label[i], cmon_shm_stat(s->stats, i), 0 };
	}
	c[n++] = (struct cmon_counter){ "ring_pending",
					rte_ring_count(s->ring), 1 };
	if (s->capture)
		c[n++] = (struct cmon_counter){ "pcap_bad_captures",
						s->capture_bad, 0 };
	if (s->flows) {
		c[n++] = (struct cmon_counter){ "ovs_flows",
			cmon_ovs_flows_count(s->reader), 1 };
		c[n++] = (struct cmon_counter){ "ovs_flood_copies",
			cmon_ovs_flows_copies(s->reader), 1 };
		c[n++] = (struct cmon_counter){ "ovs_flows_moving",
			cmon_ovs_flows_moving(s->reader), 0 };
		c[n++] = (struct cmon_counter){ "ovs_ports_unlisted",
						s->ports_unlisted, 1 };
	}
	if (s->ctl)
		c[n++] = (struct cmon_counter){ "ovs_sample_pairs_left_out",
			s->ctl_left_out, 1 };
	return n;
}

static void ovs_rules(void *ctx, unsigned int n,
		      const struct cmon_pair_sample *ps, size_t nps,
		      const char *const *bridges, unsigned int nbridges)
{
	struct ovs *s = ctx;

	if (s->state == ATTACHED && s->ctl &&
	    cmon_ovs_ctl_write(s->ctl, (uint32_t)getpid(), n, ps, nps,
			       bridges, nbridges, &s->ctl_left_out))
		cmon_info("rules in force in ovs-vswitchd: sampling %s (%u "
			  "pair(s) of their own), %u bridge(s) of the template",
			  n ? "of the rules" : "its own", s->ctl->npairs,
			  nbridges);
}

static unsigned int ovs_sample_n(void *ctx)
{
	struct ovs *s = ctx;

	return s->state == ATTACHED ? s->stats->sample_n : 0;
}

static void ovs_stop(void *ctx)
{
	struct ovs *s = ctx;

	if (s->eal_up && s->ctl) {	/* the switch's own settings again */
		cmon_ovs_ctl_write(s->ctl, 0, 0, NULL, 0, NULL, 0,
				   &s->ctl_left_out);
		cmon_ovs_ctl_handon(s->ctl, NULL, 0, 0);
	}
	if (s->eal_up)
		rte_eal_cleanup();
	s->eal_up = 0;
	cmon_ovs_flows_destroy(s->reader);
	s->reader = NULL;
}

static int ovs_opt(void *ctx, int c, const char *arg)
{
	struct ovs *s = ctx;

	switch (c) {
	case 'P':
		if (!*arg || strchr(arg, '/')) {
			cmon_err("--file-prefix: \"%s\" is not a DPDK file "
				 "prefix", arg);
			return -EINVAL;
		}
		s->prefix = arg;
		s->given = 1;
		return 0;
	case 'w':
		s->wait = 1;
		return 0;
	case 'K':
		s->kernel = 1;
		return 0;
	}
	return -EINVAL;
}

static const struct option ovs_opts[] = {
	{ "file-prefix", required_argument, NULL, 'P' },
	{ "wait", no_argument, NULL, 'w' },
	{ "kernel", no_argument, NULL, 'K' },
	{ NULL, 0, NULL, 0 },
};

int main(int argc, char **argv)
{
	struct ovs s = { .prefix = "rte" };
	struct cmon_daemon_source src = {
		.ctx = &s, .check = ovs_check, .drain = ovs_drain,
		.counters = ovs_counters, .sample_n = ovs_sample_n,
		.collect = ovs_collect, .renamed = ovs_renamed,
		.dev_name = ovs_dev_name,
		.endpoints = ovs_endpoints, .switch_ports = ovs_switch_ports,
		.rx_hops = ovs_rx_hops, .ip_name = ovs_ip_name,
		.rules = ovs_rules, .stop = ovs_stop,
	};
	struct cmon_cli cli = {
		.name = "cmon-dpdk",
		.usage =
"Usage: cmon-dpdk [OPTIONS] [-- EAL-ARGS]\n"
"Per-hop latency, throughput and loss of the paths Open vSwitch (userspace\n"
"datapath, patched with cmon's ovs-patches/) traces, read from its shared\n"
"hugepage ring as a DPDK secondary process; with --bridge, also of the\n"
"kernel hops of the containers on those bridges, in one view.\n",
		.help =
"  -P, --file-prefix P   DPDK file prefix of ovs-vswitchd (its dpdk-extra\n"
"                        --file-prefix; default \"rte\").  Without --bridge\n"
"                        the OVS ring is always read; with it, only when\n"
"                        this option is given.\n"
"  -w, --wait            wait for ovs-vswitchd and its cmon ring instead of\n"
"                        exiting; start again if it restarts\n"
"  -K, --kernel          run the kernel path's agent without --bridge too.\n"
"                        With it (and with --bridge), the veths of the\n"
"                        switch's af_packet ports are watched: a container\n"
"                        on one gets its kernel receive hop (veth_out, at\n"
"                        its eth0), so loss between the switch and it is\n"
"                        located, and drops in it shown with their reason\n",
		.epilogue =
"\novs-vswitchd needs other_config:dpdk-multi-process=true (restart) and\n"
"other_config:cmon-enable=true; see cmon-dpdk(8).  The kernel path's\n"
"--key-file and --node-id must match the switch's cmon-key and\n"
"cmon-node-id.\n",
		.opts = ovs_opts, .shortopts = "P:wK", .parse = ovs_opt,
		.ctx = &s,
	};
	struct cmon_daemon_opts o;
	int ovs;

	cmon_log_init("cmon-dpdk", CMON_LOG_INFO);
	cmon_daemon_opts_init(&o);
	if (cmon_cli_parse(argc, argv, &cli, &o))
		return 2;
	s.eal_argc = cli.argc;
	s.eal_argv = cli.argv;
	s.has_rules = o.rules || o.etcd;
	o.kernel = s.kernel;
	if (o.k.nbridges) {
		if (cmon_kopts_check(&o.k))
			return 2;
		ovs = s.given;
	} else if (o.kernel) {
		ovs = 1;
	} else if (o.k.noverlays || o.k.nsubnets || o.k.key_file) {
		cmon_err("--overlay, --peer-subnet and --key-file are options "
			 "of the kernel path: give --bridge or --kernel too");
		return 2;
	} else {
		ovs = 1;
	}
	return cmon_daemon_run(&o, ovs ? &src : NULL, argv);
}
