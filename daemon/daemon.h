/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The node daemon: the one loop behind cmon-kern and cmon-dpdk.
 *
 * Sources feed the aggregation engine (lib/agg.h): the kernel agent
 * (kmod-free/kagent.h) when bridges are given, and a program's own source
 * (cmon-dpdk: the Open vSwitch ring).  Once per interval the loop reads
 * every counter, ticks the engine, prints the view (lib/view.h), and hands
 * it to the sinks (export/: the HTTP server, InfluxDB, the embedded
 * history), with the clock offsets it estimates and the counters of the
 * --peer nodes.  Traced packets that a source captured go through one
 * filter to the pcap dump.
 */
#ifndef CMON_DAEMON_H
#define CMON_DAEMON_H

#include <stdint.h>
#include "agg.h"
#include "export.h"
#include "kagent.h"
#include "view.h"

#define CMON_MAX_PEERS		32
#define CMON_PCAP_MAX_CONTAINERS	16

/* The pcap dump (--pcap). */
struct cmon_pcap_opts {
	const char *path;		/* NULL: no dump */
	double mib;			/* rotate at this size; 0: never */
	unsigned int count;		/* files kept when rotating */
	unsigned int sample;		/* 1 traced packet in N */
	int proto;			/* IP protocol, or -1: any */
	const char *containers[CMON_PCAP_MAX_CONTAINERS];
	unsigned int ncontainers;	/* 0: any */
};

struct cmon_daemon_opts {
	struct cmon_kopts k;		/* the kernel agent runs with bridges */
	double interval;		/* seconds between reports */
	double duration;		/* stop after; 0: when signalled */
	enum cmon_view_out out;		/* on stdout each interval */
	const char *node;		/* name in the reports */
	struct cmon_export_opts x;
	struct cmon_pcap_opts pcap;
	const char *peers[CMON_MAX_PEERS];
	unsigned int npeers;
	int kernel;			/* the kernel agent even without a
					 * bridge (the rules' template) */
	const char *rules;		/* --rules FILE, or NULL */
	const char *etcd;		/* --etcd URL, or NULL */
	int cluster;			/* --cluster: peers from etcd */
	double etcd_lease;		/* --etcd-lease S; 0: the default */
	const char *etcd_user, *etcd_password;	/* NULL: no login */
	const char *etcd_cacert, *etcd_cert, *etcd_key;	/* NULL: none */
};

void cmon_daemon_opts_init(struct cmon_daemon_opts *o);

struct cmon_daemon;

/* What check() asks for, beside an exit status (> 0) to stop with. */
#define CMON_DAEMON_OK		0
#define CMON_DAEMON_RESTART	(-1)	/* start the program again */

/* A program's own source of trace records. */
struct cmon_daemon_source {
	void *ctx;
	/*
	 * Called before the loop and every 0.1 s in it: attach, or see
	 * whether what it reads is still there.  CMON_DAEMON_OK; an exit
	 * status (> 0) to stop with; or CMON_DAEMON_RESTART to start the
	 * program again (its history and unwritten InfluxDB lines go along).
	 */
	int (*check)(void *ctx, struct cmon_daemon *d);
	/* Move what is pending into the engine: cmon_daemon_record(),
	 * cmon_daemon_packet(). */
	void (*drain)(void *ctx, struct cmon_daemon *d);
	/* Its counters for a report, how many (<= @max). */
	unsigned int (*counters)(void *ctx, struct cmon_counter *out,
				 unsigned int max);
	/* 1 in how many packets it traces; 0 when unknown. */
	unsigned int (*sample_n)(void *ctx);
	/* Feed the engine the counters it keeps of every packet, once per
	 * interval before the tick (NULL: none). */
	void (*collect)(void *ctx, struct cmon_agg *agg);
	/* The flows it rewrote on their way to the kernel agent's hops, as
	 * its last collect() found them (*@out valid until the next
	 * collect(); NULL: none): the agent counts them as they left. */
	unsigned int (*renamed)(void *ctx,
				const struct cmon_flow_rename **out);
	/* The name of one of its devices (a switch port), or NULL (the
	 * callback may be NULL too). */
	const char *(*dev_name)(void *ctx, uint32_t netns, uint32_t ifindex);
	/* The containers it sees (on a switch's ports) into @out, how many
	 * (<= @max); valid until the next call (NULL: none). */
	unsigned int (*endpoints)(void *ctx, struct cmon_endpoint *out,
				  unsigned int max);
	/* Its switch's ports, with a role or without, into @out, how many
	 * (<= @max), called after endpoints(); valid until the next call
	 * (NULL: no switch). */
	unsigned int (*switch_ports)(void *ctx, struct cmon_switch_port *out,
				     unsigned int max);
	/* The veths of its switch's af_packet ports whose container's
	 * receive hop the kernel agent holds (@ifindex, @n of them): told
	 * after one is attached and before one is detached, with @wait
	 * returning once its switch no longer counts on those left out
	 * (NULL: no use for it). */
	void (*rx_hops)(void *ctx, const int *ifindex, unsigned int n,
			int wait);
	/* The name of the container of address @addr, or NULL (the callback
	 * may be NULL too). */
	const char *(*ip_name)(void *ctx, uint32_t addr);
	/*
	 * The rules in force for its hops (NULL: it takes none), at every
	 * interval and when they change: trace 1 packet in @n (0: the rules
	 * set none) and the pairs of @ps (@nps, any order) 1 in their own;
	 * the template's @nbridges @bridges of its kind (Open vSwitch
	 * bridges).  It applies what changed.
	 */
	void (*rules)(void *ctx, unsigned int n,
		      const struct cmon_pair_sample *ps, size_t nps,
		      const char *const *bridges, unsigned int nbridges);
	/* Release what it holds (at exit; not before a restart). */
	void (*stop)(void *ctx);
};

/*
 * Run until signalled, --duration, or a source says stop: start the
 * sinks, the kernel agent and @src (NULL: none), report every interval,
 * stop everything.  @argv is the program's, for a restart.  Returns the
 * exit status: 0; 1 a source failed; 2 a sink could not start; or what
 * @src's check() returned.
 */
int cmon_daemon_run(const struct cmon_daemon_opts *o,
		    const struct cmon_daemon_source *src, char **argv);

/* For sources: a trace record, and a captured packet for the dump. */
void cmon_daemon_record(struct cmon_daemon *d, const struct cmon_record *r);
void cmon_daemon_packet(struct cmon_daemon *d, const struct cmon_kpacket *p);
/* Is a pcap dump being written (worth capturing for)? */
int cmon_daemon_capturing(const struct cmon_daemon *d);
/* The veths Open vSwitch's af_packet ports read (@n of them): the kernel
 * agent, if it runs, watches them (cmon_kagent_switch_ports()). */
void cmon_daemon_switch_ports(struct cmon_daemon *d, const int *ifindex,
			      unsigned int n);

#endif /* CMON_DAEMON_H */
