// SPDX-License-Identifier: BSD-2-Clause
/*
 * The kernel-path agent (kagent.h).  Lifecycle: open skeleton -> set
 * rodata -> load -> attach tracepoints -> attach overlays and containers ->
 * { poll ring, follow link events (a look at every port every 30 s),
 * collect counters each tick } -> detach
 * exactly what was attached.
 */
#include "config.h"
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/perf_event.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "cmon/dp.h"
#include "attach.h"
#include "cmon-kern.skel.h"
#include "discover.h"
#include "cfgfile.h"
#include "codec.h"
#include "hopcount.h"
#include "kagent.h"
#include "log.h"
#include "nl.h"
#include "recring.h"
#include "runtime.h"

#define MAX_PORTS	2048	/* cmon_peers and cmon_devs hold theirs */
#define MAX_SLOW_DROPS	1024	/* keys of drops read in user space */
#define MAX_REASONS	256
#define MAX_HOST_ADDRS	64
#define MAX_BR_UPLINKS	64	/* of the watched bridges, all told */
/* link events say which ports come and go; every port is looked at
 * this often all the same (and after events were lost) */
#define CMON_FULL_LOOK_S 30

/* A port we attached to, with the container behind it. */
struct tracked {
	struct cmon_container ct;
	struct cmon_tc tc;
	struct cmon_tc ct_tc;		/* --ct-hops: at its eth0 */
	int ct_hops;			/* ct_tc attached */
	int seen;		/* in the last full look */
	int gone;		/* a link event or a full look said it left */
	/* what the runtime says of it (in a->rts), or NULL */
	const struct cmon_ct_meta *meta;
	unsigned int placed;	/* its hops': placed_now() */
};

struct cmon_kagent {
	struct cmon_kopts opt;
	struct cmon_kern *skel;
	struct ring_buffer *rb;		/* wakeups, and cmon_submit()'s rest */
	struct cmon_recring ring;	/* the records */
	uint64_t key;
	struct cmon_agg *agg;
	uint32_t host_ns;
	struct tracked *tr[MAX_PORTS];
	unsigned int ntr;
	/* the command line's overlay and uplink devices, attached at the
	 * start; then those a template adds (cmon_kagent_devices()) */
	struct cmon_tc ovl[CMON_MAX_OVERLAYS];
	unsigned int novl;
	struct cmon_tc upl[CMON_MAX_UPLINKS];
	unsigned int nupl;
	struct tdev {
		struct cmon_tc tc;	/* tc.ifindex 0: a free slot */
		char name[IF_NAMESIZE];
	} tovl[CMON_MAX_OVERLAYS], tupl[CMON_MAX_UPLINKS];
	struct cmon_tc br[CMON_MAX_BRIDGES];	/* host hops, as opt.bridges */
	/* the watched bridges' ports to no container (to the switch's
	 * trunk, a NIC): in cmon_devs, for the drops on them */
	struct br_uplink {
		int ifindex, peer;	/* peer: a veth's other end */
		char name[IF_NAMESIZE], bridge[IF_NAMESIZE];
		int seen;		/* in the last full look */
	} brup[MAX_BR_UPLINKS];
	unsigned int nbrup;
	/* the command line's bridges, and the names opt.bridges points to
	 * once a template adds some (cmon_kagent_watch()) */
	const char *cl_bridges[CMON_MAX_BRIDGES];
	unsigned int ncl_bridges;
	int cl_no_host_hops;
	char brname[CMON_MAX_BRIDGES][IF_NAMESIZE];
	/* a template's globs of routed containers' veths */
	char vglob[CMON_MAX_VETH_GLOBS][64];
	const char *vglobs[CMON_MAX_VETH_GLOBS];	/* into vglob */
	unsigned int nvglobs;
	/* the veths the switch's af_packet ports read */
	int swport[CMON_SHM_PORTS];
	unsigned int nswport;
	uint32_t haddr[MAX_HOST_ADDRS];	/* the host's, in cmon_peers */
	unsigned int nhaddr;
	char hostname[16];		/* what the views call the host */
	const volatile struct cmon_hop_slot *hop_cache;	/* mmap */
	size_t hop_nslots, hop_cache_len;
	/* entries the LRU maps evicted (made - present at the last read),
	 * by their CMON_EV_*_NEW */
	uint64_t evicted[CMON_EV_MAX];
	/* drops the programs could not read, read here (cmon_drop_ev):
	 * counted by key as cmon_drops counts the others */
	struct perf_buffer *pb;
	int epfd;			/* the ring buffer's and pb's */
	struct slow_drop {
		struct cmon_drop_key k;
		uint64_t n;
	} slow[MAX_SLOW_DROPS];
	unsigned int nslow;
	uint64_t unread;		/* ... that could not be read here */
	/* cmon_nat_out as the agent keeps it, sorted by the flow as sent:
	 * what the map held at the last read (and a->renamed), and what it
	 * held before while counters of the flow as sent remain (the map
	 * evicts an idle flow's entry, not its counters) */
	struct nat_out {
		struct cmon_flow_key sent, left;
		int kept;	/* in the map, or used, since the last read */
	} *nat_out;
	size_t nnat_out, nat_out_cap;
	/* every counter at the last read, by key (as cmon_hop_totals()
	 * sorts them): the flow it was fed as (nat_out_totals()), its
	 * counts as read, and of those what it counted as another flow
	 * before (not fed as this one) */
	struct fed_as {
		struct cmon_hop_key key;
		struct cmon_flow_key as;
		uint64_t packets, bytes;
		uint64_t base_packets, base_bytes;
	} *fed, *fed_next;
	size_t nfed, fed_cap;
	int fed_look;		/* one was renamed or had a base then */
	/* flows a switch rewrote on their way to the hops after it
	 * (cmon_kagent_renamed()), taken in as cmon_nat_out's are */
	struct cmon_flow_rename *renamed;
	unsigned int nrenamed, renamed_cap;
	uint32_t renamed_gen;	/* cmon_peers_gen when put in cmon_renamed */
	/* the container runtime (NULL: none), what it said last */
	struct cmon_runtime *rt;
	struct cmon_rt_snapshot *rts;
	unsigned int rt_gen;
	/* the pairs in cmon_sample_pairs, sorted (cmon_pair_sample_cmp) */
	struct cmon_pair_sample *samp;
	size_t nsamp;
	uint64_t samp_left_out;		/* pairs that found no room */
	char *reasons[MAX_REASONS];
	/* the reasons OTHERHOST and PACKET_SOCK_ERROR, or 0 */
	uint32_t otherhost, tap_full;
	char devname[160];
	struct cmon_names names;
	double last_look, last_full;
	double last_addrs;		/* every address looked at again */
	int scanned;			/* the bridges looked at once */
	int bridx[CMON_MAX_BRIDGES];	/* opt.bridges' ifindexes */
	/* the hops on bridges, overlays and uplinks: placed_now() */
	unsigned int devs_placed;
	/* ports to attach this second (since rate_t0) and the last */
	double rate_t0;
	unsigned int rate_n, rate_last;
	/* the tracked containers by address (names of every pair at every
	 * tick), made again after ct_peers() changed them */
	struct addr_slot {
		uint32_t addr;
		struct tracked *t;
	} *amap;
	unsigned int amask;
	int adirty;
	/* link events: a port made or gone makes the agent look at once,
	 * at it alone */
	int nlfd;
	int links_changed;
	int full;			/* a look at every port is due */
	double full_cost;		/* seconds the last full look took */
	/* ports to attach (from events or a full look), and links whose
	 * veth peer left this namespace (ports now, perhaps) */
	struct cmon_port pend[MAX_PORTS];
	unsigned int npend;
	int ask[64];
	unsigned int nask;
	/* scratch space of a look and of a captured packet */
	struct cmon_port ports[MAX_PORTS];
	struct cmon_container cts[MAX_PORTS];
	uint8_t frame[CMON_PCAP_SNAP];
};

void cmon_kopts_init(struct cmon_kopts *o)
{
	memset(o, 0, sizeof(*o));
	o->sample_n = CMON_DEFAULT_SAMPLE;
	o->flow_entries = 65536;
	o->tc_clsact = -1;
}

int cmon_kopts_check(const struct cmon_kopts *o)
{
	if (!o->nbridges) {
		cmon_err("no bridge given: use --bridge NAME (e.g. --bridge docker0), "
			 "or --rules FILE whose template names bridges");
		return -EINVAL;
	}
	if (o->nsubnets && !o->clock_tai)
		cmon_warn("--peer-subnet with the monotonic clock: cross-node "
			  "latencies are right only for nodes sharing one kernel; "
			  "use --clock tai on PTP-synchronised hosts");
	return 0;
}


/* Kernel drop reason names from the running kernel's BTF. */
static void load_reasons(struct cmon_kagent *a)
{
	struct btf *btf = btf__load_vmlinux_btf();
	const struct btf_type *t;
	const struct btf_enum *e;
	int id, i;

	if (!btf)
		return;
	id = btf__find_by_name_kind(btf, "skb_drop_reason", BTF_KIND_ENUM);
	if (id > 0) {
		t = btf__type_by_id(btf, id);
		e = btf_enum(t);
		for (i = 0; i < btf_vlen(t); i++, e++) {
			const char *n = btf__name_by_offset(btf, e->name_off);

			if ((uint32_t)e->val >= MAX_REASONS || !n)
				continue;
			if (!strncmp(n, "SKB_DROP_REASON_", 16))
				n += 16;
			a->reasons[e->val] = strdup(n);
			if (!strcmp(n, "OTHERHOST"))
				a->otherhost = (uint32_t)e->val;
			if (!strcmp(n, "PACKET_SOCK_ERROR"))
				a->tap_full = (uint32_t)e->val;
		}
	}
	btf__free(btf);
}

static unsigned int addr_hash(uint32_t addr, unsigned int mask)
{
	return (unsigned int)((addr * 0x9e3779b97f4a7c15ULL) >> 32) & mask;
}

/* The address map, sized for twice the addresses (linear probing). */
static int addr_map(struct cmon_kagent *a)
{
	unsigned int i, j, n = 0, size = 64, k;

	for (i = 0; i < a->ntr; i++)
		n += a->tr[i]->ct.naddrs;
	while (size < 2 * n)
		size *= 2;
	if (size != a->amask + 1 || !a->amap) {
		free(a->amap);
		a->amap = malloc(size * sizeof(*a->amap));
		if (!a->amap)
			return -ENOMEM;
		a->amask = size - 1;
	}
	memset(a->amap, 0, size * sizeof(*a->amap));
	for (i = 0; i < a->ntr; i++)
		for (j = 0; j < a->tr[i]->ct.naddrs; j++) {
			for (k = addr_hash(a->tr[i]->ct.addr[j], a->amask);
			     a->amap[k].t; k = (k + 1) & a->amask)
				if (a->amap[k].addr == a->tr[i]->ct.addr[j])
					break;	/* the first keeps it */
			if (!a->amap[k].t)
				a->amap[k] = (struct addr_slot){
					a->tr[i]->ct.addr[j], a->tr[i] };
		}
	a->adirty = 0;
	return 0;
}

static const struct tracked *tracked_of(struct cmon_kagent *a, uint32_t addr)
{
	unsigned int k, i, j;

	if (a->adirty || !a->amap) {
		if (addr_map(a)) {	/* no memory: look through them all */
			for (i = 0; i < a->ntr; i++)
				for (j = 0; j < a->tr[i]->ct.naddrs; j++)
					if (a->tr[i]->ct.addr[j] == addr)
						return a->tr[i];
			return NULL;
		}
	}
	for (k = addr_hash(addr, a->amask); a->amap[k].t;
	     k = (k + 1) & a->amask)
		if (a->amap[k].addr == addr)
			return a->amap[k].t;
	return NULL;
}

/* The engine's interval now, + 1: hops put in place now were in it
 * (cmon_hop_counter.placed). */
static unsigned int placed_now(const struct cmon_kagent *a)
{
	return cmon_agg_interval(a->agg) + 1;
}

/*
 * When the hop that counted @k was put in place (placed_now()), 0 if not
 * known: a container's hops count what it sends and what is sent to it,
 * by address (a container sending as another's address gets its counts
 * taken for that one's: they start late, never early, which shows no
 * loss), the bridges', overlays' and uplinks' are taken together.
 */
static unsigned int counter_placed(struct cmon_kagent *a,
				   const struct cmon_hop_key *k)
{
	const struct tracked *t;

	switch (k->tp) {
	case CMON_TP_VETH_IN:
	case CMON_TP_CT_TX:
		t = tracked_of(a, k->flow.saddr);
		return t ? t->placed : 0;
	case CMON_TP_VETH_OUT:
	case CMON_TP_CT_RX:
		t = tracked_of(a, k->flow.daddr);
		return t ? t->placed : 0;
	default:
		return a->devs_placed;
	}
}

/* Is @addr one of the host's (those in cmon_peers, with host hops)? */
static int host_addr(const struct cmon_kagent *a, uint32_t addr)
{
	unsigned int i;

	for (i = 0; i < a->nhaddr; i++)
		if (a->haddr[i] == addr)
			return 1;
	return 0;
}

static const char *name_ip(void *ctx, uint32_t addr)
{
	struct cmon_kagent *a = ctx;
	const struct tracked *t;

	if (host_addr(a, addr))
		return a->hostname;
	t = tracked_of(a, addr);
	return t ? t->ct.name : NULL;
}

static const struct cmon_ct_meta *name_meta(void *ctx, uint32_t addr)
{
	const struct tracked *t = tracked_of(ctx, addr);

	return t ? t->meta : NULL;
}

/* The watched bridges' uplink port @ifindex, or NULL. */
static struct br_uplink *br_uplink(struct cmon_kagent *a, int ifindex)
{
	unsigned int i;

	for (i = 0; i < a->nbrup; i++)
		if (a->brup[i].ifindex == ifindex)
			return &a->brup[i];
	return NULL;
}

static const char *name_dev(void *ctx, uint32_t netns, uint32_t ifindex)
{
	struct cmon_kagent *a = ctx;
	const struct br_uplink *u;
	unsigned int i;

	for (i = 0; i < a->opt.nbridges && netns == a->host_ns; i++)
		if (ifindex == (uint32_t)a->br[i].ifindex)
			return a->opt.bridges[i];
	if (netns == a->host_ns && (u = br_uplink(a, (int)ifindex))) {
		snprintf(a->devname, sizeof(a->devname), "%s (uplink of %s)",
			 u->name, u->bridge);
		return a->devname;
	}
	for (i = 0; i < a->ntr; i++) {
		struct cmon_container *c = &a->tr[i]->ct;

		if (netns == a->host_ns && ifindex == (uint32_t)c->port_ifindex)
			snprintf(a->devname, sizeof(a->devname), "%s (port of %s)",
				 c->port, c->name);
		else if (netns == c->netns && ifindex == (uint32_t)c->ct_ifindex)
			snprintf(a->devname, sizeof(a->devname), "%s@%s",
				 c->ct_ifname, c->name);
		else
			continue;
		return a->devname;
	}
	return NULL;
}

static const char *name_reason(void *ctx, uint32_t r)
{
	struct cmon_kagent *a = ctx;

	return r < MAX_REASONS ? a->reasons[r] : NULL;
}

static void dev_map(struct cmon_kagent *a, uint32_t netns, int ifindex,
		    uint32_t role, int add)
{
	struct cmon_dev_key k = { .netns = netns, .ifindex = ifindex };
	int fd = bpf_map__fd(a->skel->maps.cmon_devs);

	if (add)
		bpf_map_update_elem(fd, &k, &role, BPF_ANY);
	else
		bpf_map_delete_elem(fd, &k);
}

/* After a change to cmon_peers or cmon_subnets: what the hops keep of
 * them (a destination's verdict in its flow's hop slot) is stale. */
static void peers_changed(struct cmon_kagent *a)
{
	if (!++a->skel->data->cmon_peers_gen)
		a->skel->data->cmon_peers_gen = 1;
}

/* Add or remove addresses whose strip hop is @what (CMON_PEER_*). */
static void peers_map(struct cmon_kagent *a, const uint32_t *addr,
		      unsigned int n, uint32_t what, int add)
{
	int fd = bpf_map__fd(a->skel->maps.cmon_peers);
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (add)
			bpf_map_update_elem(fd, &addr[i], &what, BPF_ANY);
		else
			bpf_map_delete_elem(fd, &addr[i]);
	}
	if (n)
		peers_changed(a);
}

/* The hops may trace for the next CMON_ALIVE_S seconds (their
 * cmon_alive_until): called while the agent is busy too. */
#define CMON_ALIVE_S	5
static void alive(struct cmon_kagent *a)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	a->skel->bss->cmon_alive_until = (uint64_t)ts.tv_sec * 1000000000ULL +
					 (uint64_t)ts.tv_nsec +
					 CMON_ALIVE_S * 1000000000ULL;
}

static void ct_peers(struct cmon_kagent *a, const struct cmon_container *c,
		     int add)
{
	peers_map(a, c->addr, c->naddrs,
		  c->switch_port ? CMON_PEER_CT_SW : CMON_PEER_CT, add);
	a->adirty = 1;
}

/* Where container @c's port is, for the log. */
static const char *port_kind(const struct cmon_container *c)
{
	return *c->bridge ? c->bridge : c->switch_port ?
	       "Open vSwitch's af_packet port: receive hop at its eth0" :
	       "no bridge: routed";
}

/* Tell on_rx_hops the af_packet ports' veths with a receive hop, but
 * that of tracked container @skip (-1: none); with @wait, once the switch
 * no longer hands packets on to @skip's. */
static void rx_hops(struct cmon_kagent *a, int skip, int wait)
{
	int ifindex[CMON_SHM_PORTS];
	unsigned int i, n = 0;

	if (!a->opt.on_rx_hops)
		return;
	for (i = 0; i < a->ntr && n < CMON_SHM_PORTS; i++)
		if (a->tr[i]->ct.switch_port && (int)i != skip)
			ifindex[n++] = a->tr[i]->ct.port_ifindex;
	a->opt.on_rx_hops(a->opt.rx_hops_ctx, ifindex, n, wait);
}

/* Detach from port i; @why says whether the container left or we stop. */
static void untrack(struct cmon_kagent *a, unsigned int i, const char *why)
{
	struct tracked *t = a->tr[i];
	char name[IF_NAMESIZE];

	/* (a veth gone with its container gets no packet any more) */
	if (t->ct.switch_port)
		rx_hops(a, (int)i,
			if_indextoname((unsigned int)t->ct.port_ifindex,
				       name) != NULL);
	alive(a);	/* tcx links take 10 ms each to go */
	/* stop stamping towards it before its strip hop goes away */
	ct_peers(a, &t->ct, 0);
	dev_map(a, a->host_ns, t->ct.port_ifindex, 0, 0);
	dev_map(a, t->ct.netns, t->ct.ct_ifindex, 0, 0);
	if (t->ct.switch_port)
		cmon_tc_detach_in(t->ct.ns_path, &t->tc);
	else
		cmon_tc_detach(&t->tc);
	/* (its receive hop last: no strip hop is left to wait for it) */
	if (t->ct_hops)
		cmon_tc_detach_in(t->ct.ns_path, &t->ct_tc);
	cmon_info("container %s %s (%s on %s)", t->ct.name, why, t->ct.port,
		  port_kind(&t->ct));
	free(t);
	a->tr[i] = a->tr[--a->ntr];
}

static const struct cmon_ct_meta *meta_of(struct cmon_kagent *a,
					  uint32_t netns);

/* What the runtime says of @t now (NULL: nothing, as when it stopped):
 * the name it gave stays. */
static void set_meta(struct tracked *t, const struct cmon_ct_meta *m)
{
	t->meta = m;
	if (m)
		snprintf(t->ct.name, sizeof(t->ct.name), "%s", m->name);
}

/*
 * Attach the hop programs for container @t: with --ct-hops its own hops
 * at its eth0 first, so that a record its strip hop leaves for the
 * receive hop never waits for one not yet there.
 */
static int attach_hops(struct cmon_kagent *a, struct tracked *t)
{
	const struct cmon_container *c = &t->ct;
	int err;

	if (a->opt.ct_hops && !c->switch_port) {
		err = cmon_tc_attach_in(c->ns_path, &t->ct_tc, c->ct_ifindex,
					bpf_program__fd(a->skel->progs.cmon_ct_rx),
					bpf_program__fd(a->skel->progs.cmon_ct_tx),
					0);
		if (err)
			return err;
		t->ct_hops = 1;
	}
	/* the switch's af_packet port reads what the container sends
	 * before tc ingress (the switch is its stamp hop), and writes
	 * past tc egress (no qdisc): the receive hop is on the
	 * container's side, at its eth0's ingress */
	if (c->switch_port)
		err = cmon_tc_attach_in(c->ns_path, &t->tc, c->ct_ifindex,
					bpf_program__fd(a->skel->progs.cmon_veth_out),
					-1, 0);
	else
		err = cmon_tc_attach(&t->tc, c->port_ifindex,
				     bpf_program__fd(a->skel->progs.cmon_veth_in),
				     bpf_program__fd(a->skel->progs.cmon_veth_out),
				     CMON_TC_STAMP_INGRESS);
	if (err && t->ct_hops)
		cmon_tc_detach_in(c->ns_path, &t->ct_tc);
	return err;
}

/* Start monitoring the containers @cts (@n of them, resolved). */
static void track(struct cmon_kagent *a, const struct cmon_container *cts,
		  unsigned int n)
{
	char ip[INET_ADDRSTRLEN];
	unsigned int i;

	for (i = 0; i < n; i++) {
		const struct cmon_container *c = &cts[i];
		struct tracked *t;
		int err;

		if (a->ntr == MAX_PORTS) {
			cmon_log_rl(CMON_LOG_WARN, "more than %d ports: %u not "
				    "monitored", MAX_PORTS, n - i);
			break;
		}
		alive(a);	/* tcx links take 20 ms a port */
		if (!(t = calloc(1, sizeof(*t)))) {
			cmon_warn("out of memory: %u port(s) not monitored",
				  n - i);
			break;
		}
		t->ct = *c;
		err = attach_hops(a, t);
		if (err) {
			cmon_log_rl(CMON_LOG_WARN, "cannot attach to %s "
				    "(container %s): %s", c->port, c->name,
				    strerror(-err));
			free(t);
			continue;
		}
		dev_map(a, a->host_ns, c->port_ifindex, CMON_DEV_PORT, 1);
		dev_map(a, c->netns, c->ct_ifindex, c->switch_port ?
			CMON_DEV_CT_RX : CMON_DEV_CT, 1);
		/* flows through it may predate its counters */
		t->placed = placed_now(a);
		cmon_agg_hops_changed(a->agg);
		/* the strip hop is in place: now stamp packets towards it */
		ct_peers(a, c, 1);
		t->seen = 1;
		set_meta(t, meta_of(a, c->netns));
		a->tr[a->ntr++] = t;
		if (c->switch_port)
			rx_hops(a, -1, 0);
		snprintf(ip, sizeof(ip), "-");
		if (c->naddrs)
			inet_ntop(AF_INET, &c->addr[0], ip, sizeof(ip));
		cmon_info("container %s joined (%s %s on %s)", t->ct.name, ip,
			  c->port, port_kind(c));
	}
}

/* What the runtime said last of namespace @netns's container, or NULL. */
static const struct cmon_ct_meta *meta_of(struct cmon_kagent *a,
					  uint32_t netns)
{
	const struct cmon_rt_container *c = cmon_rt_find(a->rts, netns);

	return c ? &c->meta : NULL;
}

/* When the runtime's containers changed: what it says of ours. */
static void follow_runtime(struct cmon_kagent *a)
{
	struct cmon_rt_snapshot *old = a->rts, *now;
	unsigned int gen, i;

	if (!a->rt || (gen = cmon_runtime_generation(a->rt)) == a->rt_gen)
		return;
	now = cmon_runtime_snapshot(a->rt);
	if (!now)
		return;		/* out of memory: the next scan tries again */
	a->rt_gen = gen;
	a->rts = now;
	for (i = 0; i < a->ntr; i++) {
		struct tracked *t = a->tr[i];
		const struct cmon_ct_meta *m = meta_of(a, t->ct.netns);

		if (m && strcmp(m->name, t->ct.name))
			cmon_info("container %s is %s's %s (image %s)",
				  t->ct.name, m->runtime, m->name, m->image);
		set_meta(t, m);
	}
	cmon_rt_snapshot_free(old);
}

/*
 * Attach to a device named on the command line (@what: "overlay",
 * "uplink"; @hint: how to list such devices).  Its ifindex, or <0 (logged).
 */
static int attach_named(const char *dev, const char *what, const char *hint,
			struct cmon_tc *t, int in_fd, int out_fd)
{
	int ifindex = (int)if_nametoindex(dev), err;

	if (!ifindex) {
		cmon_err("%s device '%s' not found (%s)", what, dev, hint);
		return -ENODEV;
	}
	err = cmon_tc_attach(t, ifindex, in_fd, out_fd, 0);	/* no stamp */
	if (err) {
		cmon_err("cannot attach to %s %s: %s", what, dev,
			 strerror(-err));
		return err;
	}
	return ifindex;
}

/* Is @name among the @n names at @v? */
static int named_in(const char *const *v, unsigned int n, const char *name)
{
	while (n--)
		if (!strcmp(v[n], name))
			return 1;
	return 0;
}

/*
 * The template's devices of one kind (@want, @nwant names) in the slots
 * @td (@max of them) beside the command line's (@cl, @ncl): attached
 * when there, detached when no longer named or made again.  @overlay:
 * overlay hops (both ways, in cmon_devs), else uplink strip hops.
 */
static void template_devs(struct cmon_kagent *a, struct tdev *td,
			  unsigned int max, const char *const *want,
			  unsigned int nwant, const char *const *cl,
			  unsigned int ncl, int overlay)
{
	const char *what = overlay ? "overlay" : "uplink";
	unsigned int i, j;
	int ifindex, err;

	for (i = 0; i < max; i++) {
		if (!td[i].tc.ifindex ||
		    (named_in(want, nwant, td[i].name) &&
		     !named_in(cl, ncl, td[i].name) &&
		     (int)if_nametoindex(td[i].name) == td[i].tc.ifindex))
			continue;
		if (overlay)
			dev_map(a, a->host_ns, td[i].tc.ifindex, 0, 0);
		cmon_tc_detach(&td[i].tc);
		td[i].tc.ifindex = 0;
		cmon_info("template's %s %s let go", what, td[i].name);
	}
	for (j = 0; j < nwant; j++) {
		if (named_in(cl, ncl, want[j]) ||
		    !(ifindex = (int)if_nametoindex(want[j])))
			continue;	/* the command line's, or not there */
		for (i = 0; i < max; i++)
			if (td[i].tc.ifindex && !strcmp(td[i].name, want[j]))
				break;
		if (i < max)
			continue;	/* attached */
		for (i = 0; i < max && td[i].tc.ifindex; i++)
			;
		if (i == max) {
			cmon_log_rl(CMON_LOG_WARN, "more than %u %s devices: "
				    "%s not watched", max, what, want[j]);
			continue;
		}
		err = overlay ?
		      cmon_tc_attach(&td[i].tc, ifindex,
				     bpf_program__fd(a->skel->progs.cmon_ovl_in),
				     bpf_program__fd(a->skel->progs.cmon_ovl_out),
				     0) :
		      cmon_tc_attach(&td[i].tc, ifindex, -1,
				     bpf_program__fd(a->skel->progs.cmon_uplink_out),
				     0);
		if (err) {
			cmon_log_rl(CMON_LOG_WARN, "cannot attach to the "
				    "template's %s %s: %s", what, want[j],
				    strerror(-err));
			td[i].tc.ifindex = 0;
			continue;
		}
		snprintf(td[i].name, sizeof(td[i].name), "%s", want[j]);
		a->devs_placed = placed_now(a);
		if (overlay)
			dev_map(a, a->host_ns, ifindex, CMON_DEV_OVERLAY, 1);
		cmon_info("template's %s %s: %s", what, want[j],
			  overlay ? "hop on it" : "annotations stripped there");
	}
}

void cmon_kagent_devices(struct cmon_kagent *a, const char *const *overlays,
			 unsigned int noverlays, const char *const *uplinks,
			 unsigned int nuplinks)
{
	template_devs(a, a->tovl, CMON_MAX_OVERLAYS, overlays, noverlays,
		      a->opt.overlays, a->opt.noverlays, 1);
	template_devs(a, a->tupl, CMON_MAX_UPLINKS, uplinks, nuplinks,
		      a->opt.uplinks, a->opt.nuplinks, 0);
}

/* Hop programs on the overlay and uplink devices, and the remote subnets. */
static int attach_overlays(struct cmon_kagent *a)
{
	int sfd = bpf_map__fd(a->skel->maps.cmon_subnets);
	uint32_t one = 1;
	unsigned int i;
	int err;

	for (i = 0; i < a->opt.nsubnets; i++) {
		err = bpf_map_update_elem(sfd, &a->opt.subnets[i], &one, BPF_ANY);
		if (err) {
			cmon_err("adding peer subnet: %s", strerror(errno));
			return -errno;
		}
	}
	peers_changed(a);
	for (i = 0; i < a->opt.noverlays; i++) {
		err = attach_named(a->opt.overlays[i], "overlay",
				   "ip link show type vxlan", &a->ovl[a->novl],
				   bpf_program__fd(a->skel->progs.cmon_ovl_in),
				   bpf_program__fd(a->skel->progs.cmon_ovl_out));
		if (err < 0)
			return err;
		a->novl++;
		a->devs_placed = placed_now(a);
		dev_map(a, a->host_ns, err, CMON_DEV_OVERLAY, 1);
		cmon_info("hop on overlay device %s", a->opt.overlays[i]);
	}
	for (i = 0; i < a->opt.nuplinks; i++) {
		err = attach_named(a->opt.uplinks[i], "uplink", "ip link show",
				   &a->upl[a->nupl], -1,
				   bpf_program__fd(a->skel->progs.cmon_uplink_out));
		if (err < 0)
			return err;
		a->nupl++;
		a->devs_placed = placed_now(a);
		cmon_info("annotations stripped at uplink %s",
			  a->opt.uplinks[i]);
	}
	return 0;
}

/*
 * Host stack hops: the strip hop (host_in) and the stamp hop (host_out) on
 * every bridge, following a bridge that is re-created.
 */
static void host_hops(struct cmon_kagent *a)
{
	unsigned int i;
	int ifindex, err;

	for (i = 0; i < a->opt.nbridges; i++) {
		struct cmon_tc *t = &a->br[i];

		ifindex = (int)if_nametoindex(a->opt.bridges[i]);
		if (ifindex == t->ifindex)
			continue;
		if (t->ifindex) {
			dev_map(a, a->host_ns, t->ifindex, 0, 0);
			cmon_tc_detach(t);
			t->ifindex = 0;
		}
		if (!ifindex)
			continue;
		err = cmon_tc_attach(t, ifindex,
				     bpf_program__fd(a->skel->progs.cmon_host_in),
				     bpf_program__fd(a->skel->progs.cmon_host_out),
				     CMON_TC_STAMP_EGRESS);
		if (err) {
			cmon_log_rl(CMON_LOG_WARN, "cannot attach to bridge %s: "
				    "%s; host stack traffic not traced",
				    a->opt.bridges[i], strerror(-err));
			t->ifindex = 0;
			continue;
		}
		a->devs_placed = placed_now(a);
		dev_map(a, a->host_ns, ifindex, CMON_DEV_BRIDGE, 1);
		cmon_info("host stack hops on bridge %s", a->opt.bridges[i]);
	}
}

/*
 * Make the @n addresses @now the host's own in cmon_peers, and theirs the
 * bits of cmon_host_bits: a new address's bit set before it goes in, a
 * gone one's cleared after it has left (the bridges' hops ask cmon_peers
 * only where an address's bit is set).
 */
static void host_peers(struct cmon_kagent *a, const uint32_t *now,
		       unsigned int n)
{
	__u64 bits[CMON_HOST_BITS / 64] = { 0 };
	__u64 *in = a->skel->bss->cmon_host_bits;
	unsigned int i;

	for (i = 0; i < n; i++)
		cmon_host_bit_set(bits, now[i]);
	for (i = 0; i < CMON_HOST_BITS / 64; i++)
		in[i] |= bits[i];
	peers_map(a, a->haddr, a->nhaddr, CMON_PEER_HOST, 0);
	for (i = 0; i < n; i++)
		a->haddr[i] = now[i];
	a->nhaddr = n;
	peers_map(a, a->haddr, a->nhaddr, CMON_PEER_HOST, 1);
	for (i = 0; i < CMON_HOST_BITS / 64; i++)
		in[i] = bits[i];
}

/* Follow the host's own addresses in the stamp map (after host_hops). */
static void host_addrs(struct cmon_kagent *a)
{
	uint32_t now[MAX_HOST_ADDRS];
	int br[CMON_MAX_BRIDGES], n;
	unsigned int i, nbr = 0;

	for (i = 0; i < a->opt.nbridges; i++)
		if (a->br[i].ifindex)
			br[nbr++] = a->br[i].ifindex;
	n = cmon_host_addrs(br, nbr, now, MAX_HOST_ADDRS);

	if (n < 0 || ((unsigned int)n == a->nhaddr &&
		      !memcmp(now, a->haddr, n * sizeof(now[0]))))
		return;
	host_peers(a, now, n);
}

/* Follow address changes of a tracked container in the stamp map. */
static void refresh_addrs(struct cmon_kagent *a, struct tracked *t)
{
	struct cmon_container old = t->ct;
	char ip[INET_ADDRSTRLEN] = "-";

	if (cmon_container_addrs(&t->ct) <= 0)
		return;		/* unchanged, or gone: the next scan sees it */
	ct_peers(a, &old, 0);
	ct_peers(a, &t->ct, 1);
	if (t->ct.naddrs)
		inet_ntop(AF_INET, &t->ct.addr[0], ip, sizeof(ip));
	cmon_info("container %s now has %u address(es) (%s)", t->ct.name,
		  t->ct.naddrs, ip);
}

/* The watched bridge @ifindex is (index in opt.bridges), or -1. */
static int bridge_of(const struct cmon_kagent *a, int ifindex)
{
	unsigned int i;

	for (i = 0; ifindex > 0 && i < a->opt.nbridges; i++)
		if (a->bridx[i] == ifindex)
			return (int)i;
	return -1;
}

static struct tracked *tracked_port(struct cmon_kagent *a, int ifindex)
{
	unsigned int i;

	for (i = 0; i < a->ntr; i++)
		if (a->tr[i]->ct.port_ifindex == ifindex)
			return a->tr[i];
	return NULL;
}

/*
 * Port @ifindex of bridge @bridge, @name, whose peer is @peer, leads to
 * no container (@bridge not NULL) or no longer (gone, moved, a container's
 * port after all): its drops are watched while it is an uplink.
 */
static void br_uplink_note(struct cmon_kagent *a, int ifindex,
			   const char *name, int peer, const char *bridge)
{
	struct br_uplink *u = br_uplink(a, ifindex);

	if (!bridge) {
		if (!u)
			return;
		if (!tracked_port(a, ifindex))	/* else its port's now */
			dev_map(a, a->host_ns, ifindex, 0, 0);
		*u = a->brup[--a->nbrup];
		return;
	}
	if (!u) {
		if (a->nbrup == MAX_BR_UPLINKS) {
			cmon_log_rl(CMON_LOG_WARN, "more than %d uplink ports "
				    "on the bridges: drops on %s not seen",
				    MAX_BR_UPLINKS, name);
			return;
		}
		u = &a->brup[a->nbrup++];
		u->ifindex = ifindex;
		dev_map(a, a->host_ns, ifindex, CMON_DEV_UPLINK, 1);
	}
	u->peer = peer;
	snprintf(u->name, sizeof(u->name), "%s", name);
	snprintf(u->bridge, sizeof(u->bridge), "%s", bridge);
	u->seen = 1;
}

/* Port @l of bridge @b (-1: a routed veth) to attach at the next look
 * (once). */
static void pend_add(struct cmon_kagent *a, const struct cmon_nl_link *l,
		     int b)
{
	struct cmon_port *p = NULL;
	unsigned int i;

	for (i = 0; i < a->npend && !p; i++)
		if (a->pend[i].ifindex == l->ifindex)
			p = &a->pend[i];
	if (!p && a->npend == MAX_PORTS) {
		a->full = 1;		/* too many at once: look at all */
		return;
	}
	if (!p)
		p = &a->pend[a->npend++];
	memset(p, 0, sizeof(*p));
	if (b >= 0) {
		snprintf(p->bridge, sizeof(p->bridge), "%s", a->opt.bridges[b]);
		p->bridge_ifindex = a->bridx[b];
	}
	p->ifindex = l->ifindex;
	snprintf(p->name, sizeof(p->name), "%s", l->name);
	p->peer_ifindex = l->link;
	p->peer_nsid = l->link_netnsid;
	p->switch_port = b < 0 && cmon_switch_port(a->swport, a->nswport,
						   l->ifindex);
}

static void pend_drop(struct cmon_kagent *a, int ifindex)
{
	unsigned int i;

	for (i = 0; i < a->npend; i++)
		if (a->pend[i].ifindex == ifindex) {
			a->pend[i] = a->pend[--a->npend];
			return;
		}
}

/*
 * A link made, changed or removed in this namespace (an event, or the
 * answer to a question the agent asked): what it means for the ports.
 * A container's port is a veth on a watched bridge (or, routed, with no
 * bridge and a name the template's globs match) whose peer is in another
 * namespace; a peer that moves there says nothing of its other end, only
 * that it went: that end is asked about at the next look.
 */
static int link_event(const struct cmon_nl_link *l, void *arg)
{
	struct cmon_kagent *a = arg;
	int b = l->deleted ? -1 : bridge_of(a, l->master);
	int routed = !l->deleted && !l->master &&
		     (cmon_routed_name(a->vglobs, a->nvglobs, l->name) ||
		      cmon_switch_port(a->swport, a->nswport, l->ifindex));
	struct tracked *t;
	unsigned int i;

	if (!strcmp(l->kind, "bridge")) {
		/* one of ours gone, renamed, or made again */
		for (i = 0; i < a->opt.nbridges; i++)
			if ((l->ifindex == a->bridx[i]) !=
			    (!l->deleted && !strcmp(l->name, a->opt.bridges[i])))
				a->full = 1;
		a->links_changed |= a->full;
		return 0;
	}
	if (l->deleted && l->new_netnsid >= 0 && l->link > 0) {
		if (a->nask < sizeof(a->ask) / sizeof(a->ask[0]))
			a->ask[a->nask++] = l->link;
		else
			a->full = 1;
		a->links_changed = 1;
	}
	/* the last event of a link says what it is: one read after a full
	 * look may be older than the look, and those after it follow */
	br_uplink_note(a, l->ifindex, l->name, l->link,
		       b >= 0 && !cmon_link_to_ns(l) ? a->opt.bridges[b] : NULL);
	t = tracked_port(a, l->ifindex);
	if (t) {
		t->gone = *t->ct.bridge ? b < 0 || strcmp(a->opt.bridges[b],
							  t->ct.bridge)
					: !routed;
		a->links_changed |= t->gone;
		return 0;
	}
	pend_drop(a, l->ifindex);
	if ((b >= 0 || routed) && cmon_link_to_ns(l)) {
		pend_add(a, l, b);
		a->links_changed = 1;
	}
	return 0;
}

/*
 * Look at every port of the bridges: those not attached are pending,
 * those attached and not there any more gone.  0 or -errno.
 */
static int look_all(struct cmon_kagent *a)
{
	struct cmon_port *ports = a->ports;
	const char *missing = NULL;
	double t = cmon_time_mono();
	unsigned int i, j;
	int n;

	n = cmon_bridge_ports(a->opt.bridges, a->opt.nbridges, ports,
			      MAX_PORTS, &missing);
	if (missing)
		cmon_log_rl(CMON_LOG_WARN, "bridge '%s' disappeared", missing);
	if (n >= 0) {
		int r = cmon_routed_ports(a->vglobs, a->nvglobs, a->swport,
					  a->nswport, ports + n,
					  MAX_PORTS - (unsigned int)n);

		n = r < 0 ? r : n + r;
	}
	if (n < 0) {
		cmon_err("listing bridge ports: %s", strerror(-n));
		return n;
	}
	if (a->opt.tc_clsact < 0 && !a->scanned && n > CMON_TC_AUTO_PORTS) {
		/* --tc auto: tcx links take about 20 ms a port (an RCU
		 * grace period under the RTNL lock each) */
		a->opt.tc_clsact = 1;
		cmon_tc_use_clsact(1);
		cmon_info("%d ports: attaching with clsact filters (--tc "
			  "auto; tcx links would take %d s)", n, n / 50);
	}
	for (i = 0; i < a->opt.nbridges; i++)
		a->bridx[i] = (int)if_nametoindex(a->opt.bridges[i]);
	for (; i < CMON_MAX_BRIDGES; i++)
		a->bridx[i] = 0;
	for (i = 0; i < a->ntr; i++)
		a->tr[i]->seen = 0;
	for (i = 0; i < a->nbrup; i++)
		a->brup[i].seen = 0;
	a->npend = 0;
	for (j = 0; j < (unsigned int)n; j++) {
		struct tracked *t = tracked_port(a, ports[j].ifindex);

		if (ports[j].uplink)
			br_uplink_note(a, ports[j].ifindex, ports[j].name,
				       ports[j].peer_ifindex, ports[j].bridge);
		else if (t)
			t->seen = 1;
		else
			a->pend[a->npend++] = ports[j];
	}
	for (i = 0; i < a->ntr; i++)	/* newer than any event read */
		a->tr[i]->gone = !a->tr[i]->seen;
	for (i = a->nbrup; i-- > 0;)
		if (!a->brup[i].seen)
			br_uplink_note(a, a->brup[i].ifindex, NULL, 0, NULL);
	a->full = 0;
	a->last_full = cmon_time_mono();
	a->full_cost = a->last_full - t;
	return 0;
}

/* Attach to the pending ports whose containers are found. */
static void attach_pending(struct cmon_kagent *a, int first)
{
	struct cmon_container *cts = a->cts;
	unsigned int i, j, n = a->npend;

	if (!n)
		return;
	cmon_resolve_containers(a->pend, n, cts);
	a->npend = 0;
	for (i = j = 0; j < n; j++) {
		if (!cts[j].resolved) {
			cmon_log_rl(CMON_LOG_WARN, "port %s: container namespace "
				    "not found yet", cts[j].port);
			a->pend[a->npend++] = a->pend[j];	/* next look */
			continue;
		}
		if (i != j)
			cts[i] = cts[j];
		i++;
	}
	/* --tc auto: ports coming faster than CMON_TC_AUTO_RATE a second
	 * (this second or the last) take clsact filters */
	if (cmon_time_mono() - a->rate_t0 >= 1) {
		a->rate_last = a->rate_n;
		a->rate_n = 0;
		a->rate_t0 = cmon_time_mono();
	}
	a->rate_n += first ? 0 : i;	/* those there at the start: above */
	if (a->opt.tc_clsact < 0 && (a->rate_n > CMON_TC_AUTO_RATE ||
				     a->rate_last > CMON_TC_AUTO_RATE)) {
		cmon_log_rl(CMON_LOG_INFO, "%u ports coming in a second: "
			    "attaching with clsact filters (--tc auto)",
			    a->rate_n);
		cmon_tc_use_clsact(1);
	}
	track(a, cts, i);
	cmon_tc_use_clsact(a->opt.tc_clsact > 0);
}

/*
 * Bring the attached set in line with the bridges' ports: those the link
 * events brought, or (@full) every port there is.  0 or -errno.
 */
static int look(struct cmon_kagent *a, int full)
{
	unsigned int i, nask = a->nask;
	int first = !a->scanned, all, err;

	a->nask = 0;
	if (full && (err = look_all(a)))
		return err;
	/* the other ends of veths whose peer moved away, as they are now */
	for (i = 0; i < nask && !full; i++)
		cmon_nl_link_get(a->ask[i], link_event, a);
	a->links_changed = 0;
	a->scanned = 1;
	if (!a->opt.no_host_hops) {
		host_hops(a);
		host_addrs(a);
	}
	follow_runtime(a);
	for (i = a->ntr; i-- > 0;)
		if (a->tr[i]->gone)
			untrack(a, i, "left");
	/* addresses come after the veth: look again until there is one,
	 * and every 10 s after that (not at every look: link events make
	 * many) */
	all = cmon_time_mono() - a->last_addrs >= 10;
	if (all)
		a->last_addrs = cmon_time_mono();
	for (i = 0; i < a->ntr; i++)
		if (!a->tr[i]->ct.naddrs || all)
			refresh_addrs(a, a->tr[i]);
	attach_pending(a, first);
	return 0;
}

/* Add bridge @name to @names (@n of them) unless it is there. */
static void bridge_add(char (*names)[IF_NAMESIZE], unsigned int *n,
		       const char *name)
{
	unsigned int i;

	for (i = 0; i < *n; i++)
		if (!strcmp(names[i], name))
			return;
	if (*n == CMON_MAX_BRIDGES) {
		cmon_log_rl(CMON_LOG_WARN, "more than %d bridges: %s not "
			    "watched", CMON_MAX_BRIDGES, name);
		return;
	}
	snprintf(names[(*n)++], IF_NAMESIZE, "%s", name);
}

void cmon_kagent_watch(struct cmon_kagent *a, const char *const *extra,
		       unsigned int nextra, int host_hops)
{
	char names[CMON_MAX_BRIDGES][IF_NAMESIZE], list[256] = "";
	struct cmon_tc br[CMON_MAX_BRIDGES] = { 0 };
	unsigned int i, j, n = 0;
	size_t len = 0;

	host_hops = host_hops && !a->cl_no_host_hops;
	for (i = 0; i < a->ncl_bridges; i++)
		bridge_add(names, &n, a->cl_bridges[i]);
	for (i = 0; i < nextra; i++)
		if (if_nametoindex(extra[i]))
			bridge_add(names, &n, extra[i]);
	for (i = 0; n == a->opt.nbridges && i < n; i++)
		if (strcmp(names[i], a->opt.bridges[i]))
			break;
	if (i == n && n == a->opt.nbridges &&
	    host_hops == !a->opt.no_host_hops)
		return;
	/* host hops: stop stamping towards the host before a strip hop
	 * goes; those of bridges that stay stay attached */
	if (!host_hops)
		host_peers(a, NULL, 0);
	for (i = 0; i < n && host_hops; i++)
		for (j = 0; j < a->opt.nbridges; j++)
			if (a->br[j].ifindex &&
			    !strcmp(names[i], a->opt.bridges[j])) {
				br[i] = a->br[j];
				a->br[j].ifindex = 0;
			}
	for (j = 0; j < CMON_MAX_BRIDGES; j++)
		if (a->br[j].ifindex) {
			dev_map(a, a->host_ns, a->br[j].ifindex, 0, 0);
			cmon_tc_detach(&a->br[j]);
		}
	memcpy(a->br, br, sizeof(br));
	memcpy(a->brname, names, sizeof(names));
	for (i = 0; i < n; i++) {
		a->opt.bridges[i] = a->brname[i];
		if (len < sizeof(list))
			len += snprintf(list + len, sizeof(list) - len, "%s%s",
					i ? ", " : "", names[i]);
	}
	a->opt.nbridges = n;
	a->opt.no_host_hops = !host_hops;
	cmon_info("watching bridge(s) %s, %s host stack hops",
		  n ? list : "(none)", host_hops ? "with" : "without");
	look(a, 1);
}

void cmon_kagent_routed(struct cmon_kagent *a, const char *const *globs,
			unsigned int n)
{
	char list[160] = "";
	size_t len = 0;
	unsigned int i;

	if (n > CMON_MAX_VETH_GLOBS) {
		cmon_log_rl(CMON_LOG_WARN, "more than %d veth patterns: the "
			    "others are not watched", CMON_MAX_VETH_GLOBS);
		n = CMON_MAX_VETH_GLOBS;
	}
	for (i = 0; n == a->nvglobs && i < n; i++)
		if (strncmp(globs[i], a->vglob[i], sizeof(a->vglob[i]) - 1))
			break;
	if (n == a->nvglobs && i == n)
		return;
	for (i = 0; i < n; i++) {
		snprintf(a->vglob[i], sizeof(a->vglob[i]), "%s", globs[i]);
		a->vglobs[i] = a->vglob[i];
		if (len < sizeof(list))
			len += snprintf(list + len, sizeof(list) - len, "%s%s",
					i ? ", " : "", globs[i]);
	}
	a->nvglobs = n;
	cmon_info("watching routed veths %s", n ? list : "(none)");
	look(a, 1);
}

void cmon_kagent_switch_ports(struct cmon_kagent *a, const int *ifindex,
			      unsigned int n)
{
	char list[160] = "", name[IF_NAMESIZE];
	size_t len = 0;
	unsigned int i;

	if (n > CMON_SHM_PORTS)
		n = CMON_SHM_PORTS;
	if (n == a->nswport && !memcmp(ifindex, a->swport, n * sizeof(*ifindex)))
		return;
	for (i = 0; i < n; i++) {
		a->swport[i] = ifindex[i];
		if (len < sizeof(list))
			len += snprintf(list + len, sizeof(list) - len, "%s%s",
					i ? ", " : "",
					if_indextoname((unsigned int)ifindex[i],
						       name) ? name : "?");
	}
	a->nswport = n;
	cmon_info("watching the veths of Open vSwitch's af_packet ports: %s",
		  n ? list : "(none)");
	look(a, 1);
}

/* What each program costs the verifier and the JIT (tools/cmon-insns). */
static void log_costs(struct bpf_object *obj)
{
	struct bpf_program *p;

	if (cmon_log_level < CMON_LOG_DEBUG)
		return;
	bpf_object__for_each_program(p, obj) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);

		if (bpf_program__fd(p) < 0 ||
		    bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len))
			continue;
		cmon_dbg("program %s: %u verified insns, %u xlated insns, "
			 "%u JIT bytes", bpf_program__name(p),
			 info.verified_insns, info.xlated_prog_len / 8,
			 info.jited_prog_len);
	}
}

/* Fail early, before loading anything, when a bridge does not exist. */
static int check_bridges(const struct cmon_kopts *o)
{
	struct cmon_port *ports = calloc(MAX_PORTS, sizeof(*ports));
	const char *missing = NULL;
	int n = ports ? cmon_bridge_ports(o->bridges, o->nbridges, ports,
					  MAX_PORTS, &missing) : -ENOMEM;

	free(ports);
	if (n >= 0 && missing) {
		cmon_err("bridge '%s' not found: create it or check the name "
			 "(ip link show type bridge)", missing);
		return -ENODEV;
	}
	if (n < 0) {
		cmon_err("listing bridge ports: %s", strerror(-n));
		return n;
	}
	return 0;
}

static int on_record(void *ctx, void *data, size_t len)
{
	struct cmon_kagent *a = ctx;

	if (len >= sizeof(struct cmon_record))
		cmon_agg_record(a->agg, data);
	return 0;
}

static void on_ring_record(void *ctx, const struct cmon_record *rec)
{
	struct cmon_kagent *a = ctx;

	cmon_agg_record(a->agg, rec);
}

static int on_packet(void *ctx, void *data, size_t len)
{
	struct cmon_kagent *a = ctx;
	const struct cmon_pcap_ev *ev = data;
	uint8_t *frame = a->frame;
	struct cmon_dp_cfg cfg = { a->key, 1, a->opt.node_id,
				   a->opt.clock_tai };
	struct cmon_dp_clock clk = { 0, ev->now };
	uint64_t stat[CMON_EV_MAX] = { 0 };
	struct cmon_kpacket k;

	if (len < sizeof(*ev) || ev->caplen > CMON_PCAP_SNAP)
		return 0;
	memcpy(frame, ev->data, ev->caplen);
	/* the strip hop's slot, in this copy only (the packet went on) */
	cmon_dp_transit(&cfg, frame, ev->caplen, ev->tp, &clk, stat);
	memset(&k, 0, sizeof(k));
	cmon_ann_record(&ev->ann, ev->now, ev->tp, a->opt.node_id, &k.rec);
	if (ev->caplen > 14)
		cmon_ann_flow(frame + 14, ev->caplen - 14, &k.rec);
	k.rec.carrier = ev->carrier;
	k.rec.source = CMON_SRC_KERNEL;
	k.wall = cmon_stamp_wall(ev->now, a->opt.clock_tai,
				 a->opt.clock_offset);
	k.ifindex = ev->ifindex;
	k.len = ev->len;
	k.caplen = ev->caplen;
	k.data = frame;
	a->opt.on_packet(a->opt.packet_ctx, &k);
	return 0;
}

static int flow_cmp(const struct cmon_flow_key *x,
		    const struct cmon_flow_key *y)
{
	if (x->saddr != y->saddr)
		return x->saddr < y->saddr ? -1 : 1;
	if (x->daddr != y->daddr)
		return x->daddr < y->daddr ? -1 : 1;
	if (x->sport != y->sport)
		return x->sport < y->sport ? -1 : 1;
	if (x->dport != y->dport)
		return x->dport < y->dport ? -1 : 1;
	return (int)x->proto - (int)y->proto;
}

static int nat_out_cmp(const void *x, const void *y)
{
	return flow_cmp(&((const struct nat_out *)x)->sent,
			&((const struct nat_out *)y)->sent);
}

/* (the map's entry first of two for one flow: the newer) */
static int nat_out_newer(const void *x, const void *y)
{
	int c = nat_out_cmp(x, y);

	return c ? c : ((const struct nat_out *)y)->kept -
		       ((const struct nat_out *)x)->kept;
}

static struct cmon_flow_key flow_key_of(const struct cmon_flow *f)
{
	return (struct cmon_flow_key){ .saddr = f->saddr, .daddr = f->daddr,
				       .sport = f->sport, .dport = f->dport,
				       .proto = f->proto };
}

/* cmon_renamed: the flows of @r (@n) rewritten towards a container this
 * agent watches, or none (@add 0). */
static void renamed_map(struct cmon_kagent *a,
			const struct cmon_flow_rename *r, unsigned int n,
			int add)
{
	int fd = bpf_map__fd(a->skel->maps.cmon_renamed);
	uint32_t in = 0;
	uint8_t one = 1;
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct cmon_flow_key k = flow_key_of(&r[i].from);

		if (!add)
			bpf_map_delete_elem(fd, &k);
		else if (tracked_of(a, r[i].to.daddr) &&
			 !bpf_map_update_elem(fd, &k, &one, BPF_ANY))
			in++;
	}
	if (add)
		a->skel->bss->cmon_nrenamed = in;
}

void cmon_kagent_renamed(struct cmon_kagent *a,
			 const struct cmon_flow_rename *r, unsigned int n)
{
	struct cmon_flow_rename *v;

	/* (what is traced changes with the containers watched too) */
	if (n == a->nrenamed && !memcmp(r, a->renamed, n * sizeof(*r)) &&
	    a->renamed_gen == a->skel->data->cmon_peers_gen)
		return;
	a->renamed_gen = a->skel->data->cmon_peers_gen;
	renamed_map(a, a->renamed, a->nrenamed, 0);
	a->nrenamed = 0;
	if (n > CMON_MAX_RENAMED)
		cmon_log_rl(CMON_LOG_WARN, "%u flows the switch rewrote: %u "
			    "of them traced", n, CMON_MAX_RENAMED);
	if (n > a->renamed_cap) {
		v = realloc(a->renamed, n * sizeof(*v));
		if (!v) {
			cmon_log_rl(CMON_LOG_WARN, "no memory for the %u flows "
				    "the switch rewrote", n);
			return;
		}
		a->renamed = v;
		a->renamed_cap = n;
	}
	memcpy(a->renamed, r, n * sizeof(*r));
	a->nrenamed = n;
	renamed_map(a, r, n < CMON_MAX_RENAMED ? n : CMON_MAX_RENAMED, 1);
}

/* Room for one more entry in a->nat_out, which has @n: 0, or -1. */
static int nat_out_room(struct cmon_kagent *a, size_t n)
{
	struct nat_out *v;

	if (n < a->nat_out_cap)
		return 0;
	v = realloc(a->nat_out, (n + 1024) * sizeof(*v));
	if (!v)
		return -1;
	a->nat_out = v;
	a->nat_out_cap = n + 1024;
	return 0;
}

/*
 * Read the NAT map @fd (cmon_nat, cmon_nat_out: a flow to a flow) in
 * batches, a system call each (it holds --flow-entries), handing each
 * batch to @take (NULL: only counted) with @ctx.  Returns how many
 * entries it held.
 */
static size_t nat_map_read(int fd, const char *name,
			   void (*take)(void *ctx,
					const struct cmon_flow_key *from,
					const struct cmon_flow_key *to,
					uint32_t n),
			   void *ctx)
{
	enum { BATCH = 256 };
	struct cmon_flow_key from[BATCH], to[BATCH];
	uint32_t at = 0, next, got;
	size_t present = 0, calls = 0;
	int err;

	do {
		got = BATCH;
		err = bpf_map_lookup_batch(fd, calls++ ? &at : NULL, &next,
					   from, to, &got, NULL);
		if (err && err != -ENOENT) {
			cmon_log_rl(CMON_LOG_WARN, "reading %s: %s", name,
				    strerror(-err));
			break;
		}
		if (take)
			take(ctx, from, to, got);
		present += got;
		at = next;
	} while (!err);
	return present;
}

/* Where nat_out_read() puts what it reads. */
struct nat_out_fill {
	struct cmon_kagent *a;
	size_t n;		/* entries of a->nat_out filled */
};

static void nat_out_take(void *ctx, const struct cmon_flow_key *sent,
			 const struct cmon_flow_key *left, uint32_t got)
{
	struct nat_out_fill *f = ctx;
	uint32_t i;

	for (i = 0; i < got && !nat_out_room(f->a, f->n); i++)
		f->a->nat_out[f->n++] = (struct nat_out){ sent[i], left[i], 1 };
}

/* Read cmon_nat_out, the flows this node NATed on their way from its own
 * endpoints to another node, as sent and as they left, and those the
 * switch rewrote on their way here (a->renamed), into a->nat_out: with
 * what it kept from before and used since.  Returns how many entries
 * the map held. */
static size_t nat_out_read(struct cmon_kagent *a)
{
	struct nat_out_fill f = { a, 0 };
	size_t i, n, present;

	for (i = 0; i < a->nnat_out; i++)
		if (a->nat_out[i].kept) {
			a->nat_out[f.n] = a->nat_out[i];
			a->nat_out[f.n++].kept = 0;
		}
	present = nat_map_read(bpf_map__fd(a->skel->maps.cmon_nat_out),
			       "cmon_nat_out", nat_out_take, &f);
	n = f.n;
	for (i = 0; i < a->nrenamed && !nat_out_room(a, n); i++)
		a->nat_out[n++] = (struct nat_out){
			flow_key_of(&a->renamed[i].from),
			flow_key_of(&a->renamed[i].to), 1 };
	if (n)
		qsort(a->nat_out, n, sizeof(*a->nat_out), nat_out_newer);
	for (i = 1, a->nnat_out = !!n; i < n; i++)
		if (nat_out_cmp(&a->nat_out[a->nnat_out - 1], &a->nat_out[i]))
			a->nat_out[a->nnat_out++] = a->nat_out[i];
	return present;
}

/* A flow this node counted before it NATed it on its way to another node
 * becomes the flow that node counts (cmon_nat_out): one pair across the
 * two.  1 if @f changed. */
static int nat_out_flow(struct cmon_kagent *a, struct cmon_flow_key *f)
{
	struct nat_out key = { .sent = *f };
	struct nat_out *o = a->nnat_out ?
		bsearch(&key, a->nat_out, a->nnat_out, sizeof(key),
			nat_out_cmp) : NULL;

	if (!o)
		return 0;
	o->kept = 1;
	*f = o->left;
	return 1;
}

static int upstream_first(const void *a, const void *b)
{
	const struct cmon_hop_total *x = a, *y = b;

	return cmon_tp_rank(x->key.tp) - cmon_tp_rank(y->key.tp);
}

static int total_cmp(const void *a, const void *b)
{
	const struct cmon_hop_key *x = &((const struct cmon_hop_total *)a)->key;
	const struct cmon_hop_key *y = &((const struct cmon_hop_total *)b)->key;
	int c = flow_cmp(&x->flow, &y->flow);

	return c ? c : x->tp != y->tp ? x->tp - y->tp : x->node - y->node;
}

static int fed_cmp(const void *x, const void *y)
{
	return memcmp(&((const struct fed_as *)x)->key,
		      &((const struct fed_as *)y)->key,
		      sizeof(struct cmon_hop_key));
}

/*
 * Total @t, read as key @k and fed as its flow now, recorded in @next.
 * Fed as another flow at the last read (its rename found or gone since),
 * what it had counted until then was that flow's and stays so: it goes
 * on from there, compared anew.  With @look, what it counted as another
 * flow is taken off (else there is none).  1 if it had any.
 */
static int fed_from(const struct cmon_kagent *a, struct cmon_hop_total *t,
		    const struct cmon_hop_key *k, int look,
		    struct fed_as *next)
{
	const struct fed_as key = { .key = *k }, *f = NULL;
	uint64_t bp = 0, bb = 0;

	if (look && a->nfed)
		f = bsearch(&key, a->fed, a->nfed, sizeof(key), fed_cmp);
	if (f && flow_cmp(&f->as, &t->key.flow)) {
		bp = f->packets;
		bb = f->bytes;
		t->rebase = 1;
	} else if (f) {
		bp = f->base_packets;
		bb = f->base_bytes;
	}
	/* (below it: a counter made anew, or a read short by what moved
	 * meanwhile, which the engine passes over) */
	if (!t->unsure && (t->packets < bp || t->bytes < bb))
		bp = bb = 0;
	if (next)
		*next = (struct fed_as){ *k, t->key.flow, t->packets, t->bytes,
					 bp, bb };
	t->packets -= t->packets > bp ? bp : t->packets;
	t->bytes -= t->bytes > bb ? bb : t->bytes;
	t->packets_late -= t->packets_late > bp ? bp : t->packets_late;
	return bp || bb;
}

/*
 * The @n totals @t (sorted by key) with the flows this node NATed on
 * their way to another node in the flow that node counts (nat_out_flow()),
 * two totals of one key made one; a counter fed as another flow before
 * goes on from what it counted as that one (fed_from()).  Returns how many
 * are left.
 */
static int nat_out_totals(struct cmon_kagent *a,
			  struct cmon_hop_total *t, int n)
{
	int i, m, moved = 0, based = 0, look = a->fed_look || a->nnat_out;
	int keep;
	struct fed_as *v = NULL, *w = NULL;

	if ((size_t)n > a->fed_cap) {
		if ((v = realloc(a->fed, (size_t)n * sizeof(*v))))
			a->fed = v;
		if (v && (w = realloc(a->fed_next, (size_t)n * sizeof(*w))))
			a->fed_next = w;
		if (w)
			a->fed_cap = (size_t)n;
	}
	keep = (size_t)n <= a->fed_cap;	/* (else no memory: not known) */
	for (i = 0; i < n; i++) {
		struct cmon_hop_key k = t[i].key;

		moved |= nat_out_flow(a, &t[i].key.flow);
		based |= fed_from(a, &t[i], &k, look,
				  keep ? &a->fed_next[i] : NULL);
	}
	v = a->fed;
	a->fed = a->fed_next;
	a->fed_next = v;
	a->nfed = keep ? (size_t)n : 0;
	a->fed_look = moved || based;
	if (!moved)
		return n;
	qsort(t, n, sizeof(*t), total_cmp);
	for (i = 1, m = 0; i < n; i++) {
		if (total_cmp(&t[m], &t[i])) {
			t[++m] = t[i];
			continue;
		}
		t[m].packets += t[i].packets;
		t[m].bytes += t[i].bytes;
		t[m].packets_late += t[i].packets_late;
		t[m].unsure |= t[i].unsure;
		t[m].rebase |= t[i].rebase;
		/* (the later of two, or not known) */
		if (!t[i].placed || (t[m].placed && t[i].placed > t[m].placed))
			t[m].placed = t[i].placed;
		if (!t[m].born)
			t[m].born = t[i].born;
	}
	return m + 1;
}

/*
 * The hop that packets towards @daddr dropped on device (@netns,
 * @ifindex) did not reach: on a container's port or a bridge, on their
 * way to a container here, its veth_out; to the host, with the host stack
 * hops on, host_in.  CMON_TP_NONE for drops in a container (after the
 * last hop towards it), towards anywhere else, and on a veth an af_packet
 * port of the switch writes to, or the other end of one (a bridge's
 * uplink to the switch's trunk): its transmit ring sends a frame the veth
 * dropped again, so a drop there is no loss unless the counters say so.
 */
static uint8_t drop_before(struct cmon_kagent *a, uint32_t netns,
			   uint32_t ifindex, uint32_t daddr)
{
	const struct tracked *t;
	const struct br_uplink *u;
	unsigned int i;
	int on_path = 0;

	for (i = 0; i < CMON_MAX_BRIDGES && netns == a->host_ns; i++)
		on_path |= a->br[i].ifindex && (uint32_t)a->br[i].ifindex == ifindex;
	if (netns == a->host_ns && (t = tracked_port(a, (int)ifindex)))
		on_path |= !t->ct.switch_port;
	if (netns == a->host_ns && (u = br_uplink(a, (int)ifindex)))
		on_path |= !cmon_switch_port(a->swport, a->nswport, u->peer);
	if (!on_path)
		return CMON_TP_NONE;
	if (tracked_of(a, daddr))
		return CMON_TP_VETH_OUT;
	return !a->opt.no_host_hops && host_addr(a, daddr) ? CMON_TP_HOST_IN :
							    CMON_TP_NONE;
}

/*
 * Is a drop of a packet towards @daddr on device (@netns, @ifindex) the
 * host stack's own copy of what a container sent through the switch?
 * Open vSwitch's af_packet port reads a frame before tc ingress, and the
 * stack then drops its copy (not for this host): no packet of the
 * container's is lost.  On such a port only what goes to the container
 * is the container's traffic.
 */
static int switch_copy(struct cmon_kagent *a, uint32_t netns,
		       uint32_t ifindex, uint32_t daddr)
{
	const struct tracked *t = netns == a->host_ns ?
				  tracked_port(a, (int)ifindex) : NULL;

	return t && t->ct.switch_port && tracked_of(a, daddr) != t;
}

/*
 * Is drop @k of a packet towards @daddr that of a copy, the packet itself
 * gone on to its receiver (or lost where its hops show)?
 * - OTHERHOST in a namespace @daddr is not of: the frame is addressed to
 *   another's MAC, a copy a bridge flooded (to a destination it has not
 *   learnt) or passed up to its own device made promiscuous (by tcpdump
 *   on it), which that namespace's stack was not sent;
 * - PACKET_SOCK_ERROR: a packet socket (tcpdump, any tap) had no room for
 *   its copy; but on a veth an af_packet port of the switch reads, that
 *   socket is the packet's way.
 */
static int copy_dropped(struct cmon_kagent *a, const struct cmon_drop_key *k,
			uint32_t daddr)
{
	const struct tracked *t;

	if (k->reason && k->reason == a->tap_full)
		return k->netns != a->host_ns ||
		       !cmon_switch_port(a->swport, a->nswport,
					 (int)k->ifindex);
	if (!k->reason || k->reason != a->otherhost)
		return 0;
	if (k->netns == a->host_ns)
		return !host_addr(a, daddr);
	t = tracked_of(a, daddr);
	return !t || t->ct.netns != k->netns;
}

/*
 * Is drop @k, on a bridge's uplink, of a packet towards @daddr neither
 * from nor to a container on that bridge?  Between two ends beyond it: a
 * copy the switch flooded to its trunk that the bridge sends no further
 * (a frame back out of the port it came in by), another host's frame on
 * a NIC.  (The kfree_skb program passes on those with a container's
 * address of any bridge.)
 */
static int beyond_uplink(struct cmon_kagent *a, const struct cmon_drop_key *k,
			 uint32_t daddr)
{
	const struct br_uplink *u = k->netns == a->host_ns ?
				    br_uplink(a, (int)k->ifindex) : NULL;
	const struct tracked *from, *to;

	if (!u)
		return 0;
	from = tracked_of(a, k->flow.saddr);
	to = tracked_of(a, daddr);
	return !(from && !strcmp(from->ct.bridge, u->bridge)) &&
	       !(to && !strcmp(to->ct.bridge, u->bridge));
}

/* Where the drops read here under key @k are in a->slow, or a->nslow. */
static unsigned int slow_find(const struct cmon_kagent *a,
			      const struct cmon_drop_key *k)
{
	unsigned int i;

	for (i = 0; i < a->nslow && memcmp(&a->slow[i].k, k, sizeof(*k)); i++)
		;
	return i;
}

/*
 * A drop the kfree_skb program handed over with the packet's first bytes
 * (struct cmon_drop_ev): its flow read as cmon_parse_kskb() reads one,
 * counted under its key; one that cannot be is counted unread.
 */
static void drop_ev(struct cmon_kagent *a, const void *data, uint32_t size)
{
	const struct cmon_drop_ev *ev = data;
	const uint8_t *h;
	struct cmon_drop_key k;
	struct cmon_ip4 ip;
	uint32_t w[2], avail;
	unsigned int i;

	if (size < sizeof(*ev) || ev->len > size - sizeof(*ev) ||
	    ev->nh + 20 > ev->len) {
		a->unread++;
		return;
	}
	h = (const uint8_t *)(ev + 1) + ev->nh;
	avail = ev->len - ev->nh;
	if (cmon_ip4_read(h, 0, &ip)) {
		a->unread++;	/* not IPv4 after all */
		return;
	}
	k = ev->key;
	memset(&k.flow, 0, sizeof(k.flow));
	k.flow.saddr = ip.saddr;
	k.flow.daddr = ip.daddr;
	k.flow.proto = ip.proto;
	if (!(ip.frag_off & CMON_IP_OFFMASK) && cmon_l4_known(ip.proto) &&
	    ip.ihl + 8u <= avail) {
		memcpy(w, h + ip.ihl, sizeof(w));
		cmon_l4_ports(ip.proto, w[0], w[1], &k.flow.sport,
			      &k.flow.dport);
	}
	i = slow_find(a, &k);
	if (i < a->nslow)
		a->slow[i].n++;
	else if (a->nslow == MAX_SLOW_DROPS)
		a->unread++;
	else
		a->slow[a->nslow++] = (struct slow_drop){ k, 1 };
}

/* An event of the drops' perf buffer: a drop, or drops it had no room
 * for. */
static enum bpf_perf_event_ret on_drop_event(void *ctx, int cpu,
					     struct perf_event_header *e)
{
	struct cmon_kagent *a = ctx;

	(void)cpu;
	if (e->type == PERF_RECORD_SAMPLE) {
		const struct { struct perf_event_header h; uint32_t size;
			       uint8_t data[]; } *r = (const void *)e;

		drop_ev(a, r->data, r->size);
	} else if (e->type == PERF_RECORD_LOST) {
		const struct { struct perf_event_header h; uint64_t id;
			       uint64_t lost; } *r = (const void *)e;

		a->unread += r->lost;
	}
	return LIBBPF_PERF_EVENT_CONT;
}

/* Pages per CPU of the drops' perf buffer; the agent is woken when half
 * of one is full (not at each drop). */
#define DROP_EV_PAGES	16

/* The drops' perf buffer, and one epoll set for it and the ring buffer. */
static int drop_events_open(struct cmon_kagent *a)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE, .size = sizeof(attr),
		.config = PERF_COUNT_SW_BPF_OUTPUT,
		.sample_type = PERF_SAMPLE_RAW, .sample_period = 1,
		.watermark = 1, .wakeup_watermark = DROP_EV_PAGES * 4096 / 2,
	};
	struct epoll_event ev = { .events = EPOLLIN };

	a->pb = perf_buffer__new_raw(bpf_map__fd(a->skel->maps.cmon_drop_ev),
				     DROP_EV_PAGES, &attr, on_drop_event, a,
				     NULL);
	a->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!a->pb || a->epfd < 0 ||
	    epoll_ctl(a->epfd, EPOLL_CTL_ADD, ring_buffer__epoll_fd(a->rb),
		      &ev) ||
	    epoll_ctl(a->epfd, EPOLL_CTL_ADD, perf_buffer__epoll_fd(a->pb),
		      &ev))
		return -errno;
	return 0;
}

/* The drops read here under key @k, taken (0 if none). */
static uint64_t slow_take(struct cmon_kagent *a, const struct cmon_drop_key *k,
			  unsigned char *taken)
{
	unsigned int i = slow_find(a, k);

	if (i == a->nslow)
		return 0;
	taken[i] = 1;
	return a->slow[i].n;
}

/* A cmon_stats counter summed over the CPUs (0 if unreadable). */
static uint64_t stat_sum(struct cmon_kagent *a, uint32_t idx)
{
	int ncpu = libbpf_num_possible_cpus(), c;
	uint64_t *v = ncpu > 0 ? calloc(ncpu, sizeof(*v)) : NULL, sum = 0;

	if (v && !bpf_map_lookup_elem(bpf_map__fd(a->skel->maps.cmon_stats),
				      &idx, v))
		for (c = 0; c < ncpu; c++)
			sum += v[c];
	free(v);
	return sum;
}

/*
 * What the LRU map whose entries made the programs count in @e
 * (CMON_EV_*_NEW) evicted since the last read: entries made (@made, read
 * before the map) minus entries present now.  1 if that grew.
 */
static int count_evictions(struct cmon_kagent *a, enum cmon_event e,
			   uint64_t made, size_t present)
{
	if (made <= present || made - present <= a->evicted[e])
		return 0;
	a->evicted[e] = made - present;
	return 1;
}

/* @cnt drops so far under key @k, to the engine. */
static void drop_feed(struct cmon_kagent *a, const struct cmon_drop_key *k,
		      uint64_t cnt)
{
	struct cmon_flow_key fk = k->flow;
	/* where it was going (NATed: the address it had there) */
	uint32_t to = k->nat_daddr ? k->nat_daddr : k->flow.daddr;
	struct cmon_flow f;

	nat_out_flow(a, &fk);	/* NATed here towards another node */
	f = (struct cmon_flow){ fk.saddr, fk.daddr, fk.sport, fk.dport,
				fk.proto };

	if (switch_copy(a, k->netns, k->ifindex, to) ||
	    copy_dropped(a, k, to) || beyond_uplink(a, k, to))
		return;
	cmon_agg_drop(a->agg, &f, k->netns, k->ifindex, k->reason,
		      drop_before(a, k->netns, k->ifindex, to), cnt);
}

/*
 * Feed the cumulative per-hop and drop counters into the engine (upstream
 * hops first, as cmon_hop_totals() read them).
 */
static void read_counters(struct cmon_kagent *a)
{
	unsigned char taken[MAX_SLOW_DROPS] = { 0 };
	struct cmon_drop_key dk, ndk, *dprev = NULL;
	struct cmon_hop_total *t = NULL;
	uint64_t cnt, made[3];
	size_t present[3] = { 0 };
	int fd, n, i;

	/* (made first: an entry made while the map is read is never taken
	 * for one evicted) */
	made[0] = stat_sum(a, CMON_EV_HOP_NEW);
	made[1] = stat_sum(a, CMON_EV_DROP_NEW);
	made[2] = stat_sum(a, CMON_EV_NAT_NEW);
	n = cmon_hop_totals(bpf_map__fd(a->skel->maps.cmon_hops),
			    a->hop_cache, a->hop_nslots, &t, &present[0]);
	if (n < 0)
		cmon_log_rl(CMON_LOG_WARN, "reading hop counters: %s",
			    strerror(-n));
	present[2] = nat_out_read(a) +
		     nat_map_read(bpf_map__fd(a->skel->maps.cmon_nat),
				  "cmon_nat", NULL, NULL);
	count_evictions(a, CMON_EV_NAT_NEW, made[2], present[2]);
	/* (by the flow as counted, its addresses the container's: before
	 * nat_out_totals() feeds it as the flow it left as) */
	for (i = 0; i < n; i++)
		t[i].placed = counter_placed(a, &t[i].key);
	if (n > 0) {
		n = nat_out_totals(a, t, n);
		qsort(t, n, sizeof(*t), upstream_first);
	} else
		a->nfed = 0;	/* (none fed) */
	/* counters the map evicted may be among those fed now */
	if (count_evictions(a, CMON_EV_HOP_NEW, made[0], present[0]))
		cmon_agg_counters_evicted(a->agg);
	for (i = 0; i < n; i++) {
		const struct cmon_hop_key *k = &t[i].key;
		struct cmon_hop_counter c = {
			.flow = { k->flow.saddr, k->flow.daddr, k->flow.sport,
				  k->flow.dport, k->flow.proto },
			.tp = k->tp, .node = k->node, .epoch = t[i].born,
			.known_place = t[i].placed != 0,
			.placed = t[i].placed, .rebase = (uint8_t)t[i].rebase,
			.unsure = (uint8_t)t[i].unsure,
			.packets = t[i].packets, .bytes = t[i].bytes,
			.packets_late = t[i].packets_late };

		cmon_agg_hop_count(a->agg, &c);
	}
	free(t);
	fd = bpf_map__fd(a->skel->maps.cmon_drops);
	while (!bpf_map_get_next_key(fd, dprev, &ndk)) {
		dk = ndk;
		dprev = &dk;
		if (bpf_map_lookup_elem(fd, &dk, &cnt))
			continue;
		present[1]++;
		drop_feed(a, &dk, cnt + slow_take(a, &dk, taken));
	}
	for (i = 0; i < (int)a->nslow; i++)	/* drops read here alone */
		if (!taken[i])
			drop_feed(a, &a->slow[i].k, a->slow[i].n);
	count_evictions(a, CMON_EV_DROP_NEW, made[1], present[1]);
}

static int libbpf_log(enum libbpf_print_level level, const char *fmt,
		      va_list ap)
{
	char msg[512];

	if (level == LIBBPF_DEBUG && cmon_log_level < CMON_LOG_DEBUG)
		return 0;
	/* a failure the caller handles (attach.c) is not the user's */
	if (cmon_libbpf_expected && cmon_log_level < CMON_LOG_DEBUG)
		return 0;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	return fputs(msg, stderr);
}

unsigned int cmon_kagent_counters(struct cmon_kagent *a,
				  struct cmon_counter *out, unsigned int max)
{
	static const char *names[] = CMON_EV_NAMES;
	unsigned int i, n = 0;

	if (max < CMON_KAGENT_NCOUNTERS)
		return 0;
	for (i = 0; i < CMON_EV_MAX; i++) {
		uint64_t v;

		if (!(CMON_EV_KERNEL & CMON_EV_BIT(i)))
			continue;
		/* entries made are reported as entries evicted */
		if (i == CMON_EV_HOP_NEW || i == CMON_EV_DROP_NEW ||
		    i == CMON_EV_NAT_NEW)
			v = a->evicted[i];
		else
			v = stat_sum(a, i);
		if (i == CMON_EV_DROP_UNREAD)
			v += a->unread;
		v = cmon_slot_stat(i, v, a->hop_cache, a->hop_nslots);
		out[n++] = (struct cmon_counter){ names[i], v, 0 };
	}
	/* records waiting for their receive hop: growth means evictions */
	out[n++] = (struct cmon_counter){ "records_pending",
					  a->skel->bss->cmon_post_pending, 1 };
	out[n++] = (struct cmon_counter){ "sample_pairs_left_out",
					  a->samp_left_out, 1 };
	return n;
}

static void sample_pair_map(struct cmon_kagent *a,
			    const struct cmon_pair_sample *p, int add)
{
	struct cmon_pair_key k = { .saddr = p->saddr, .daddr = p->daddr,
				   .proto = p->proto };
	int fd = bpf_map__fd(a->skel->maps.cmon_sample_pairs);

	if (add ? bpf_map_update_elem(fd, &k, &p->n, BPF_ANY) :
		  bpf_map_delete_elem(fd, &k))
		cmon_warn("sampling of a pair: %s", strerror(errno));
}

void cmon_kagent_sampling(struct cmon_kagent *a, unsigned int n,
			  const struct cmon_pair_sample *ps, size_t nps)
{
	struct cmon_pair_sample *want = malloc((nps + 1) * sizeof(*want));
	volatile uint32_t *base = &a->skel->data->cmon_sample_base;
	unsigned int b;
	size_t i, j, nw, left_out;

	if (!want) {
		cmon_warn("sampling: out of memory (unchanged)");
		return;
	}
	nw = cmon_sample_plan(n, ps, nps, CMON_SAMPLE_PAIRS, want, &left_out,
			      &b);
	a->samp_left_out = left_out;
	/* while the map changes, the fast path's filter divides both the
	 * old and the new rates, so it never leaves out a traced packet */
	*base = cmon_gcd(*base, b);
	for (i = j = 0; i < nw || j < a->nsamp;) {
		int c = i == nw ? 1 : j == a->nsamp ? -1 :
			cmon_pair_sample_cmp(&want[i], &a->samp[j]);

		if (c < 0 || (c == 0 && want[i].n != a->samp[j].n))
			sample_pair_map(a, &want[i], 1);
		else if (c > 0)
			sample_pair_map(a, &a->samp[j], 0);
		i += c <= 0;
		j += c >= 0;
	}
	free(a->samp);
	a->samp = want;
	a->nsamp = nw;
	a->skel->bss->cmon_sample_npairs = (uint32_t)nw;
	a->skel->data->cmon_sample_n = n;
	*base = b;
}

void cmon_kagent_collect(struct cmon_kagent *a)
{
	read_counters(a);
}

unsigned int cmon_kagent_endpoints(struct cmon_kagent *a,
				   struct cmon_endpoint *out, unsigned int max)
{
	unsigned int i, j, n = 0;

	for (i = 0; i < a->ntr && n < max; i++) {
		const struct cmon_container *c = &a->tr[i]->ct;
		struct cmon_endpoint *e = &out[n++];

		*e = (struct cmon_endpoint){ c->name, a->tr[i]->meta,
					     c->bridge, c->port, c->netns, 0 };
		for (j = 0; j < c->naddrs && j < CMON_EP_MAX_ADDRS; j++)
			e->addr[e->naddrs++] = c->addr[j];
	}
	return n;
}

void cmon_kagent_capture(struct cmon_kagent *a, int on)
{
	if (!a->opt.on_packet || !a->skel->bss->cmon_capture == !on)
		return;
	a->skel->bss->cmon_capture = !!on;
	cmon_info("capture of traced packets %s", on ? "on" : "off");
}

const struct cmon_names *cmon_kagent_names(struct cmon_kagent *a)
{
	return &a->names;
}

int cmon_kagent_poll(struct cmon_kagent *a, int timeout_ms)
{
	struct epoll_event ev[2];
	int err = epoll_wait(a->epfd, ev, 2, timeout_ms) < 0 ? -errno : 0, n;
	double t;

	alive(a);
	if (err < 0 && err != -EINTR) {
		cmon_err("waiting for records: %s", strerror(-err));
		return err;
	}
	/* (records sent without wakeup too) */
	err = ring_buffer__consume(a->rb);
	if (err < 0) {
		cmon_err("reading ring buffer: %s", strerror(-err));
		return err;
	}
	cmon_recring_drain(&a->ring, on_ring_record, a);
	perf_buffer__consume(a->pb);	/* drops the programs could not read */
	t = cmon_time_mono();
	if (a->nlfd >= 0 &&
	    (n = cmon_nl_link_events(a->nlfd, link_event, a)) < 0) {
		cmon_log_rl(n == -ENOBUFS ? CMON_LOG_INFO : CMON_LOG_WARN,
			    "link events: %s: looking at every port",
			    n == -ENOBUFS ? "some lost (too many at once)" :
			    strerror(-n));
		a->full = 1;	/* some were lost: look at every port */
		a->links_changed = 1;
	}
	/* at once when the runtime started or stopped a container, or a
	 * link changed: at most every 50 ms (a container's start is many
	 * events).  At every port only every CMON_FULL_LOOK_S, or after
	 * events were lost but then no more than a third of the time: a
	 * look at all costs the kernel time in the square of the
	 * namespaces, 40 ms with 1000 */
	if (t - a->last_look >= 1.0 ||
	    (a->links_changed && t - a->last_look >= 0.05) ||
	    (a->rt && cmon_runtime_generation(a->rt) != a->rt_gen)) {
		look(a, a->nlfd < 0 || t - a->last_full >= CMON_FULL_LOOK_S ||
			(a->full && t - a->last_full >= 3 * a->full_cost));
		a->last_look = cmon_time_mono();
	}
	return 0;
}

void cmon_kagent_stop(struct cmon_kagent *a)
{
	unsigned int i;

	if (!a)
		return;
	/* the switch strips again, at every port at once, before the
	 * receive hops go */
	if (a->opt.on_rx_hops)
		a->opt.on_rx_hops(a->opt.rx_hops_ctx, NULL, 0, 1);
	a->opt.on_rx_hops = NULL;
	for (i = a->ntr; i-- > 0;)
		untrack(a, i, "detached");
	if (a->skel)
		host_peers(a, NULL, 0);
	for (i = 0; i < CMON_MAX_BRIDGES; i++)
		if (a->br[i].ifindex)
			cmon_tc_detach(&a->br[i]);
	for (i = 0; i < a->novl; i++)
		cmon_tc_detach(&a->ovl[i]);
	for (i = 0; i < a->nupl; i++)
		cmon_tc_detach(&a->upl[i]);
	if (a->skel)
		cmon_kagent_devices(a, NULL, 0, NULL, 0);
	ring_buffer__free(a->rb);
	cmon_recring_free(&a->ring);
	perf_buffer__free(a->pb);
	if (a->epfd >= 0)
		close(a->epfd);
	if (a->hop_cache)
		munmap((void *)a->hop_cache, a->hop_cache_len);
	cmon_kern__destroy(a->skel);
	cmon_runtime_stop(a->rt);
	cmon_rt_snapshot_free(a->rts);
	free(a->samp);
	free(a->nat_out);
	free(a->renamed);
	free(a->fed);
	free(a->fed_next);
	for (i = 0; i < MAX_REASONS; i++)
		free(a->reasons[i]);
	free(a->amap);
	if (a->nlfd >= 0)
		close(a->nlfd);
	free(a);
}

/* The container runtime: --runtime's socket, or the first of the usual
 * ones that exists; 0, or -1 if the one given cannot be used. */
static int start_runtime(struct cmon_kagent *a)
{
	static const char *const socks[] = CMON_RUNTIME_SOCKETS;
	const char *path = a->opt.runtime;
	struct stat st;
	unsigned int i;

	if (path && !strcmp(path, "none"))
		return 0;
	for (i = 0; !path && socks[i]; i++)
		if (!stat(socks[i], &st) && S_ISSOCK(st.st_mode))
			path = socks[i];
	if (!path) {
		cmon_info("no container runtime socket (%s, %s): containers "
			  "are named by their namespaces", socks[0], socks[1]);
		return 0;
	}
	a->rt = cmon_runtime_start(path);
	if (a->rt) {
		a->rts = cmon_runtime_snapshot(a->rt);
		a->rt_gen = cmon_runtime_generation(a->rt);
		return 0;
	}
	if (a->opt.runtime)
		return -1;
	cmon_warn("going on without the runtime at %s: containers are named "
		  "by their namespaces (--runtime none says so at once)", path);
	return 0;
}

struct cmon_kagent *cmon_kagent_start(const struct cmon_kopts *o,
				      struct cmon_agg *agg)
{
	struct cmon_kagent *a;
	uint64_t key;
	unsigned int slots, ncpu, rslots, seq_slots;
	int err;

	libbpf_set_print(libbpf_log);
	if (geteuid() != 0)
		cmon_warn("not running as root: loading BPF programs will "
			  "likely fail (run with sudo)");
	if (o->key_file) {
		if (cmon_key_file(o->key_file, "--key-file", &key))
			return NULL;
	} else if (getrandom(&key, sizeof(key), 0) != sizeof(key)) {
		key = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL;
	}
	if (check_bridges(o))
		return NULL;
	a = calloc(1, sizeof(*a));
	if (!a) {
		cmon_err("out of memory");
		return NULL;
	}
	a->opt = *o;
	a->epfd = -1;
	a->nlfd = cmon_nl_link_watch();
	if (a->nlfd < 0)
		cmon_warn("no link events (%s): containers are looked for "
			  "every second", strerror(-a->nlfd));
	a->agg = agg;
	cmon_tc_use_clsact(o->tc_clsact > 0);
	memcpy(a->cl_bridges, o->bridges, sizeof(a->cl_bridges));
	a->ncl_bridges = o->nbridges;
	a->cl_no_host_hops = o->no_host_hops;
	/* PTP-synchronised nodes (TAI stamps): cross-node times are trusted */
	cmon_agg_trust_clocks(agg, o->clock_tai);
	a->host_ns = cmon_host_netns();
	a->names = (struct cmon_names){ name_ip, name_dev, name_reason,
					name_meta, a };
	if (start_runtime(a))
		goto fail;
	/* unique in a merged view of many nodes */
	if (o->node_id)
		snprintf(a->hostname, sizeof(a->hostname), "host/%u", o->node_id);
	else
		snprintf(a->hostname, sizeof(a->hostname), "host");

	a->skel = cmon_kern__open();
	if (!a->skel) {
		cmon_err("opening BPF skeleton: %s", strerror(errno));
		goto fail;
	}
	a->skel->data->cmon_sample_n = o->sample_n;
	a->skel->data->cmon_sample_base = o->sample_n;
	a->skel->rodata->cmon_node_id = o->node_id;
	a->skel->rodata->cmon_key = key;
	a->skel->rodata->cmon_ct_hops = o->ct_hops;
	a->skel->rodata->cmon_clock_tai = o->clock_tai;
	a->skel->rodata->cmon_clock_offset = o->clock_offset;
	a->skel->bss->cmon_capture = o->on_packet && o->capture;
	a->key = key;
	ncpu = (unsigned int)libbpf_num_possible_cpus();
	/* the per-flow maps, and a per-CPU cache in front of the hop
	 * counters of at most a 16th of their entries */
	slots = CMON_HOP_SLOTS;
	while (slots > 1 && slots * 16 > o->flow_entries)
		slots /= 2;
	a->skel->rodata->cmon_hop_slots = slots;
	a->hop_nslots = (size_t)ncpu * slots;
	/* a ring of records per CPU: 16384 records each (1.4 MiB), or as
	 * many as 16 MiB in all holds, 1024 at least */
	rslots = CMON_REC_SLOTS;
	while (rslots > 1024 &&
	       (size_t)rslots * ncpu * sizeof(struct cmon_record) > 16 << 20)
		rslots /= 2;
	a->skel->rodata->cmon_rec_slots = rslots;
	a->skel->rodata->cmon_stores_ordered = CMON_STORES_ORDERED;
	a->skel->rodata->cmon_wake_mask = rslots / 4 - 1;
	bpf_map__set_max_entries(a->skel->maps.cmon_rec_ring, ncpu * rslots);
	bpf_map__set_max_entries(a->skel->maps.cmon_rec_pos, ncpu);
	bpf_map__set_max_entries(a->skel->maps.cmon_skb_anns,
				 ncpu * CMON_SKB_SLOTS);
	a->skel->rodata->cmon_skb_carrier = !o->carrier_bytes;
	bpf_map__set_max_entries(a->skel->maps.cmon_hop_cache, a->hop_nslots);
	bpf_map__set_max_entries(a->skel->maps.cmon_hops, o->flow_entries);
	/* the flows NATed: as many as are counted */
	bpf_map__set_max_entries(a->skel->maps.cmon_nat, o->flow_entries);
	bpf_map__set_max_entries(a->skel->maps.cmon_nat_out, o->flow_entries);
	/* four words a flow in the sequence numbers' array, two a bucket:
	 * a flow loses its word to others seldom */
	seq_slots = 1024;
	while (seq_slots < 4ULL * o->flow_entries)
		seq_slots *= 2;
	a->skel->rodata->cmon_seq_slots = seq_slots;
	bpf_map__set_max_entries(a->skel->maps.cmon_seq, seq_slots / 2);
	bpf_map__set_max_entries(a->skel->maps.cmon_drops,
				 o->flow_entries / 4 > 16 ? o->flow_entries / 4 : 16);
	if (!o->on_packet)
		bpf_map__set_max_entries(a->skel->maps.cmon_pcap_rb,
					 getpagesize());
	err = cmon_kern__load(a->skel);
	if (err) {
		cmon_err("loading BPF programs: %s (needs root, a kernel with "
			 "BTF, and CAP_BPF/CAP_NET_ADMIN)", strerror(-err));
		goto fail;
	}
	alive(a);
	log_costs(a->skel->obj);
	a->hop_cache_len = a->hop_nslots * sizeof(struct cmon_hop_slot);
	a->hop_cache = mmap(NULL, a->hop_cache_len, PROT_READ, MAP_SHARED,
			    bpf_map__fd(a->skel->maps.cmon_hop_cache), 0);
	if (a->hop_cache == MAP_FAILED) {
		a->hop_cache = NULL;
		cmon_err("mapping the hop counter cache: %s", strerror(errno));
		goto fail;
	}
	err = cmon_kern__attach(a->skel);
	if (err) {
		cmon_err("attaching kfree_skb tracepoint: %s", strerror(-err));
		goto fail;
	}
	err = cmon_recring_map(&a->ring,
			       bpf_map__fd(a->skel->maps.cmon_rec_ring),
			       bpf_map__fd(a->skel->maps.cmon_rec_pos), ncpu,
			       rslots);
	if (err) {
		cmon_err("mapping the record rings: %s", strerror(-err));
		goto fail;
	}
	a->rb = ring_buffer__new(bpf_map__fd(a->skel->maps.cmon_rb), on_record,
				 a, NULL);
	if (!a->rb || (o->on_packet &&
		       ring_buffer__add(a->rb,
					bpf_map__fd(a->skel->maps.cmon_pcap_rb),
					on_packet, a))) {
		cmon_err("creating ring buffer reader: %s", strerror(errno));
		goto fail;
	}
	err = drop_events_open(a);
	if (err) {
		cmon_err("creating the drop event reader: %s", strerror(-err));
		goto fail;
	}
	load_reasons(a);
	if (attach_overlays(a) || look(a, 1))
		goto fail;
	a->last_look = cmon_time_mono();
	/* what the hops counted while they were being attached, read now:
	 * the engine's first interval ends here, so a flow that starts from
	 * now on is counted whole, from its first packet */
	read_counters(a);
	cmon_agg_tick(a->agg, 0);
	cmon_info("monitoring %u container port(s) on %u bridge(s), "
		  "sampling 1/%u", a->ntr, o->nbridges, o->sample_n);
	return a;
fail:
	cmon_kagent_stop(a);
	return NULL;
}
