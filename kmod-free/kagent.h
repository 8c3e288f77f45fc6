/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The kernel-path agent as a library: loads the hop programs (bpf/), finds
 * the containers on the given bridges and attaches to their veth ports
 * (and to the bridges, for traffic to and from the host stack), follows
 * churn, and feeds trace records and counters into an aggregation
 * engine (lib/agg.h) the caller owns.  The node daemon (daemon/) runs it,
 * in cmon-kern alone and in cmon-dpdk beside the Open vSwitch ring, so
 * that one process sees whole paths.
 */
#ifndef CMON_KAGENT_H
#define CMON_KAGENT_H

#include <stdint.h>
#include "agg.h"
#include "cmon-kern.h"
#include "sample.h"
#include "view.h"

/*
 * A traced packet as its strip hop saw it, annotation included, with the
 * strip hop's own slot written into this copy when one was free (so the
 * dump shows the whole path the bytes carried); for pcap dumps.
 */
struct cmon_kpacket {
	double wall;			/* strip time, seconds since the epoch */
	uint32_t ifindex;		/* the strip hop's device (host side) */
	uint32_t len, caplen;		/* frame length, bytes in data */
	const uint8_t *data;		/* the Ethernet frame */
	struct cmon_record rec;		/* its hops, the strip hop last */
};
typedef void (*cmon_kpacket_fn)(void *ctx, const struct cmon_kpacket *p);
/* The veths of Open vSwitch's af_packet ports whose container's receive
 * hop is attached now (@ifindex, @n of them); with @wait, it returns once
 * the switch no longer counts on those left out. */
typedef void (*cmon_rx_hops_fn)(void *ctx, const int *ifindex,
				unsigned int n, int wait);

#define CMON_MAX_BRIDGES	16
#define CMON_MAX_VETH_GLOBS	8
#define CMON_MAX_OVERLAYS	4
#define CMON_MAX_UPLINKS	4
#define CMON_MAX_SUBNETS	64

/* Options of the kernel path (daemon/cli.c reads them from a command line). */
/* --tc auto: clsact filters for the run when the first look finds more
 * ports than this, and for ports coming faster than CMON_TC_AUTO_RATE
 * a second later (tcx links otherwise: 20 ms a port) */
#define CMON_TC_AUTO_PORTS	250
#define CMON_TC_AUTO_RATE	8

struct cmon_kopts {
	const char *bridges[CMON_MAX_BRIDGES];
	unsigned int nbridges;
	const char *overlays[CMON_MAX_OVERLAYS];
	unsigned int noverlays;
	const char *uplinks[CMON_MAX_UPLINKS];
	unsigned int nuplinks;
	struct cmon_lpm_key subnets[CMON_MAX_SUBNETS];
	unsigned int nsubnets;
	const char *key_file;
	int ct_hops;
	int no_host_hops;
	int carrier_bytes;		/* --carrier bytes: no skb carrier */
	int clock_tai;
	long long clock_offset;
	unsigned int sample_n;
	unsigned int node_id;
	unsigned int flow_entries;	/* per-flow map entries */
	int tc_clsact;			/* --tc: 1 clsact filters, 0 tcx links,
					 * -1 auto (CMON_TC_AUTO_PORTS) */
	const char *runtime;		/* runtime API socket; NULL: look for
					 * one; "none": none */
	/* set: stripped packets can be captured and handed to it, from
	 * the start if @capture (else once cmon_kagent_capture() says) */
	cmon_kpacket_fn on_packet;
	void *packet_ctx;
	int capture;
	/* set: told the af_packet ports' receive hops after one is attached
	 * and before one is detached, waiting unless its veth is gone (the
	 * switch hands traced packets on to them) */
	cmon_rx_hops_fn on_rx_hops;
	void *rx_hops_ctx;
};

/* Defaults: nothing watched, sampling 1 in CMON_DEFAULT_SAMPLE. */
void cmon_kopts_init(struct cmon_kopts *o);
/* Whether @o can run (a bridge given), with warnings about combinations;
 * <0 if unusable. */
int cmon_kopts_check(const struct cmon_kopts *o);

struct cmon_kagent;

/* Load, attach and discover; NULL (with a logged reason) on failure. */
struct cmon_kagent *cmon_kagent_start(const struct cmon_kopts *o,
				      struct cmon_agg *agg);
/* Read records for up to @timeout_ms; rescan the bridges once a second.
 * Returns 0, or <0 when the ring cannot be read. */
int cmon_kagent_poll(struct cmon_kagent *a, int timeout_ms);
/* Feed the per-hop and drop counters into the engine (once per tick). */
void cmon_kagent_collect(struct cmon_kagent *a);
/* The BPF hops' counters (CMON_EV_KERNEL), records pending and pairs
 * left with the default sampling for want of room; how many
 * (none when @max is below CMON_KAGENT_NCOUNTERS). */
#define CMON_KAGENT_NCOUNTERS (CMON_EV_MAX + 2)
unsigned int cmon_kagent_counters(struct cmon_kagent *a,
				  struct cmon_counter *out, unsigned int max);
/* Names of containers, devices and drop reasons for the views. */
const struct cmon_names *cmon_kagent_names(struct cmon_kagent *a);
/* The containers traced now (valid until the next poll); how many. */
unsigned int cmon_kagent_endpoints(struct cmon_kagent *a,
				   struct cmon_endpoint *out, unsigned int max);
/*
 * Trace 1 packet in @n, and the pairs of @ps (@nps of them, in any
 * order) 1 in their own, from now on: the BPF hops' sampling changes in
 * place.  Pairs beyond the map's room keep @n and are counted
 * (sample_pairs_left_out).
 */
void cmon_kagent_sampling(struct cmon_kagent *a, unsigned int n,
			  const struct cmon_pair_sample *ps, size_t nps);
/* Hand the stripped packets to on_packet (from now on), or stop: the
 * strip hops copy each traced packet while it is on. */
void cmon_kagent_capture(struct cmon_kagent *a, int on);
/*
 * Watch the command line's bridges and those of @extra (a template's,
 * @nextra of them) that exist now, with the host stack hops if
 * @host_hops (and the command line allows them); at once, the ports of
 * bridges no longer watched detached.  Nothing happens if that is what
 * is watched already, so it can be called every interval.
 */
void cmon_kagent_watch(struct cmon_kagent *a, const char *const *extra,
		       unsigned int nextra, int host_hops);
/*
 * Watch the veths of containers routed without a bridge (a template's
 * veths: name globs, @n of them; none: no routed container): those that
 * match attached, those that no longer do detached.  Nothing happens if
 * that is what is watched already.
 */
void cmon_kagent_routed(struct cmon_kagent *a, const char *const *globs,
			unsigned int n);
/*
 * Watch the veths that Open vSwitch's af_packet ports read (@ifindex, @n
 * of them; none: no such port): a container on one is attached with its
 * receive hop (veth_out) alone, the switch's receive hop being its first;
 * so loss between the switch and the container is located there.
 * Nothing happens if that is what is watched already.
 */
void cmon_kagent_switch_ports(struct cmon_kagent *a, const int *ifindex,
			      unsigned int n);
/*
 * The overlay and uplink devices a template names (beside the command
 * line's, which stay): those there now attached, those no longer named
 * or made again let go; those not there yet are looked for at the next
 * call, so it can be called every interval.
 */
void cmon_kagent_devices(struct cmon_kagent *a, const char *const *overlays,
			 unsigned int noverlays, const char *const *uplinks,
			 unsigned int nuplinks);
/*
 * The @n flows a switch (Open vSwitch, cmon-dpdk's) rewrote on their way
 * to this agent's hops after it, as it came in and as it left: from the
 * next collect on, counted at every hop as they left (as the flows this
 * node NATs towards another node: the hops after count them so), while
 * counters of theirs remain.
 */
void cmon_kagent_renamed(struct cmon_kagent *a,
			 const struct cmon_flow_rename *r, unsigned int n);
/* Detach exactly what was attached and free everything. */
void cmon_kagent_stop(struct cmon_kagent *a);

#endif /* CMON_KAGENT_H */
