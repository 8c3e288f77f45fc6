// SPDX-License-Identifier: BSD-2-Clause
/* The node daemon's loop: see daemon.h. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "daemon.h"
#include "log.h"
#include "merge.h"
#include "pcapng.h"
#include "peers.h"
#include "etcd.h"
#include "rules-run.h"
#include "rules.h"

/* The environment of a process restart() started; "handoff": what went
 * along is at HANDOFF_FD. */
#define RESTARTED_ENV	"CMON_RESTARTED"
#define HANDOFF_FD	3

#define MAX_CLOCKS	64
#define MAX_ENDPOINTS	4096
#define MAX_RCAPS	16	/* rule capture files open at once */
#define MAX_PEER_COUNTERS 65536
#define SOURCE_COUNTERS	32

struct cmon_daemon {
	const struct cmon_daemon_opts *o;
	const struct cmon_daemon_source *src;
	struct cmon_agg *agg;
	struct cmon_kagent *ka;		/* NULL: no kernel agent */
	struct cmon_export *x;
	struct cmon_peers *peers;
	struct cmon_pcapng *pcap;
	struct cmon_rules_run *rules;	/* NULL: no --rules */
	/* the rules' captures: a writer per file, and the pairs whose
	 * traced packets go to each (sorted by key) */
	struct rcap {
		char *file;
		struct cmon_pcapng *w;
		int used;
	} rcap[MAX_RCAPS];
	unsigned int nrcaps;
	struct rpair {
		uint32_t saddr, daddr;
		uint8_t proto;
		uint16_t port;
		unsigned int cap;
	} *rpairs;
	unsigned int nrpairs;
	uint64_t rcap_packets, rcap_errors;	/* of writers closed */
	int warned_ct;			/* the template's ct hops said */
	uint64_t pcap_seen;
	double start;
	char **argv;
	struct cmon_names names;	/* the kernel agent's, the source's */
};

static volatile sig_atomic_t exiting;

/* What the views call things: the kernel agent knows containers, devices
 * and the kernel's drop reasons; the source knows its own devices. */
static const struct cmon_names *ka_names(const struct cmon_daemon *d)
{
	return d->ka ? cmon_kagent_names(d->ka) : NULL;
}

/* The container name of @addr, or NULL. */
static const char *name_of(const struct cmon_daemon *d, uint32_t addr)
{
	const struct cmon_names *n = ka_names(d);
	const char *s = n ? n->ip(n->ctx, addr) : NULL;

	if (!s && d->src && d->src->ip_name)
		s = d->src->ip_name(d->src->ctx, addr);
	return s;
}

static const char *dname_ip(void *ctx, uint32_t addr)
{
	return name_of(ctx, addr);
}

static const char *dname_dev(void *ctx, uint32_t netns, uint32_t ifindex)
{
	const struct cmon_daemon *d = ctx;
	const struct cmon_names *n = ka_names(d);
	const char *s = n ? n->dev(n->ctx, netns, ifindex) : NULL;

	if (!s && d->src && d->src->dev_name)
		s = d->src->dev_name(d->src->ctx, netns, ifindex);
	return s;
}

static const char *dname_reason(void *ctx, uint32_t r)
{
	const struct cmon_names *n = ka_names(ctx);

	return n ? n->reason(n->ctx, r) : NULL;
}

static const struct cmon_ct_meta *dname_meta(void *ctx, uint32_t addr)
{
	const struct cmon_names *n = ka_names(ctx);

	return n && n->meta ? n->meta(n->ctx, addr) : NULL;
}

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

void cmon_daemon_opts_init(struct cmon_daemon_opts *o)
{
	const struct cmon_export_opts x = CMON_EXPORT_OPTS_DEFAULT;

	memset(o, 0, sizeof(*o));
	cmon_kopts_init(&o->k);
	o->interval = 1;
	o->x = x;
	o->pcap.count = 4;
	o->pcap.sample = 1;
	o->pcap.proto = -1;
}

void cmon_daemon_record(struct cmon_daemon *d, const struct cmon_record *r)
{
	cmon_agg_record(d->agg, r);
}

int cmon_daemon_capturing(const struct cmon_daemon *d)
{
	return d->pcap != NULL || d->nrcaps;
}

/* Do endpoints @x and @y have an address in common? */
static int shares_addr(const struct cmon_endpoint *x,
		       const struct cmon_endpoint *y)
{
	unsigned int i, k;

	for (i = 0; i < x->naddrs; i++)
		for (k = 0; k < y->naddrs; k++)
			if (x->addr[i] == y->addr[k])
				return 1;
	return 0;
}

/*
 * The kernel agent's @nka endpoints at @eps and the source's @nsrc after
 * them: a container on one of the switch's ports that the agent watches
 * too (no Linux bridge, an address in common) is one endpoint, where the
 * switch has it, named as the agent (the runtime) names it.  How many.
 */
static unsigned int merge_switch_ports(struct cmon_endpoint *eps,
				       unsigned int nka, unsigned int nsrc)
{
	unsigned int i, j, n = 0;

	for (i = 0; i < nka; i++) {
		for (j = nka; j < nka + nsrc; j++)
			if (!*eps[i].bridge && eps[j].port_type &&
			    shares_addr(&eps[i], &eps[j]))
				break;
		if (j < nka + nsrc) {
			eps[j].name = eps[i].name;
			eps[j].meta = eps[i].meta;
			eps[j].netns = eps[i].netns;
		} else {
			eps[n++] = eps[i];
		}
	}
	memmove(eps + n, eps + nka, nsrc * sizeof(*eps));
	return n + nsrc;
}

void cmon_daemon_switch_ports(struct cmon_daemon *d, const int *ifindex,
			      unsigned int n)
{
	if (d->ka)
		cmon_kagent_switch_ports(d->ka, ifindex, n);
}

static int rpair_cmp(const void *a, const void *b)
{
	const struct rpair *x = a, *y = b;

	if (x->saddr != y->saddr)
		return x->saddr < y->saddr ? -1 : 1;
	if (x->daddr != y->daddr)
		return x->daddr < y->daddr ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	return (x->port > y->port) - (x->port < y->port);
}

/* Packets written or write errors (@what) of every rule capture. */
static uint64_t rcap_count(const struct cmon_daemon *d,
			   uint64_t (*what)(const struct cmon_pcapng *))
{
	uint64_t n = what == cmon_pcapng_packets ? d->rcap_packets :
		     d->rcap_errors;
	unsigned int i;

	for (i = 0; i < d->nrcaps; i++)
		n += what(d->rcap[i].w);
	return n;
}

static void rcap_close(struct cmon_daemon *d, unsigned int i)
{
	struct rcap *c = &d->rcap[i];

	d->rcap_packets += cmon_pcapng_packets(c->w);
	d->rcap_errors += cmon_pcapng_errors(c->w);
	cmon_info("capture: %llu packets written to %s",
		  (unsigned long long)cmon_pcapng_packets(c->w), c->file);
	cmon_pcapng_close(c->w);
	free(c->file);
	d->rcap[i] = d->rcap[--d->nrcaps];
}

/* The writer of @file, opened (appending) if it is not yet; -1 if it
 * cannot be. */
static int rcap_get(struct cmon_daemon *d, const struct cmon_view_pair_rule *pr)
{
	unsigned int i;
	struct rcap *c;

	for (i = 0; i < d->nrcaps; i++)
		if (!strcmp(d->rcap[i].file, pr->capture))
			return (int)i;
	if (d->nrcaps == MAX_RCAPS) {
		cmon_log_rl(CMON_LOG_WARN, "capture %s: more than %d capture "
			    "files at once", pr->capture, MAX_RCAPS);
		return -1;
	}
	c = &d->rcap[d->nrcaps];
	c->w = cmon_pcapng_open(pr->capture,
				(uint64_t)pr->capture_mib << 20,
				pr->capture_count, 1);
	if (!c->w || !(c->file = strdup(pr->capture))) {
		cmon_log_rl(CMON_LOG_WARN, "capture %s (rule %s): %s",
			    pr->capture, pr->rule, strerror(errno));
		cmon_pcapng_close(c->w);
		return -1;
	}
	cmon_info("capture: rule %s's traced packets to %s", pr->rule,
		  pr->capture);
	return (int)d->nrcaps++;
}

/* The rules' captures, pair by pair, and the kernel hops' capture on
 * while any packet is to be kept. */
static void apply_capture(struct cmon_daemon *d,
			  const struct cmon_view_rules *vr)
{
	struct rpair *rp = NULL;
	unsigned int i, j, n = 0;
	int c;

	for (i = 0; i < d->nrcaps; i++)
		d->rcap[i].used = 0;
	for (i = 0; i < vr->npairs; i++) {
		const struct cmon_view_pair_rule *pr = &vr->pairs[i];
		const struct cmon_pair_stats *p = cmon_agg_pair(d->agg, i);

		if (!pr->capture || pr->hidden || (c = rcap_get(d, pr)) < 0)
			continue;
		d->rcap[c].used = 1;
		if (!rp && !(rp = calloc(vr->npairs, sizeof(*rp))))
			break;
		rp[n++] = (struct rpair){ p->saddr, p->daddr, p->proto,
					  p->port, (unsigned int)c };
	}
	if (n)
		qsort(rp, n, sizeof(*rp), rpair_cmp);
	free(d->rpairs);
	d->rpairs = rp;
	d->nrpairs = n;
	for (i = d->nrcaps; i-- > 0;)
		if (!d->rcap[i].used) {
			rcap_close(d, i);
			/* the one moved into slot i */
			for (j = 0; j < d->nrpairs; j++)
				if (d->rpairs[j].cap == d->nrcaps)
					d->rpairs[j].cap = i;
		}
	if (d->ka)
		cmon_kagent_capture(d->ka, d->pcap || d->nrcaps);
}

/* Is @addr the container @want (a name or an address)? */
static int is_container(const struct cmon_daemon *d, uint32_t addr,
			const char *want)
{
	const char *name = name_of(d, addr);
	char ip[16];

	inet_ntop(AF_INET, &addr, ip, sizeof(ip));
	return !strcmp(want, ip) || (name && !strcmp(want, name));
}

/* Does --pcap keep @p (its filters: protocol, containers, 1 in N)? */
static int pcap_keeps(struct cmon_daemon *d, const struct cmon_kpacket *p)
{
	const struct cmon_pcap_opts *o = &d->o->pcap;
	unsigned int i;

	if (!d->pcap || (o->proto >= 0 && p->rec.proto != o->proto))
		return 0;
	for (i = 0; i < o->ncontainers; i++)
		if (is_container(d, p->rec.saddr, o->containers[i]) ||
		    is_container(d, p->rec.daddr, o->containers[i]))
			break;
	if (o->ncontainers && i == o->ncontainers)
		return 0;
	return d->pcap_seen++ % o->sample == 0;
}

/* The writer of the rule capturing @p's pair, or NULL. */
static struct cmon_pcapng *rule_capture(struct cmon_daemon *d,
					const struct cmon_kpacket *p)
{
	struct rpair k = { p->rec.saddr, p->rec.daddr, p->rec.proto,
			   cmon_agg_port_of(d->agg, p->rec.proto,
					    p->rec.dport), 0 };
	const struct rpair *r = d->nrpairs ?
		bsearch(&k, d->rpairs, d->nrpairs, sizeof(k), rpair_cmp) :
		NULL;

	return r ? d->rcap[r->cap].w : NULL;
}

void cmon_daemon_packet(struct cmon_daemon *d, const struct cmon_kpacket *p)
{
	char comment[600], extra[200], dev[IF_NAMESIZE] = "ovs";
	struct cmon_pcapng *rw = rule_capture(d, p);
	int keep = pcap_keeps(d, p);
	const char *a, *b;

	if (!keep && !rw)
		return;
	a = name_of(d, p->rec.saddr);
	b = name_of(d, p->rec.daddr);
	if (p->ifindex && !if_indextoname(p->ifindex, dev))
		strcpy(dev, "?");
	snprintf(extra, sizeof(extra), "src=%s dst=%s dev=%s",
		 a ? a : "-", b ? b : "-", dev);
	cmon_pcapng_comment(comment, sizeof(comment), &p->rec, extra);
	if (keep)
		cmon_pcapng_write(d->pcap, p->wall, p->data, p->caplen,
				  p->len, comment);
	if (rw)
		cmon_pcapng_write(rw, p->wall, p->data, p->caplen, p->len,
				  comment);
}

/* The kernel agent's captured packets. */
static void on_kpacket(void *ctx, const struct cmon_kpacket *p)
{
	cmon_daemon_packet(ctx, p);
}

/* The devices of the rules' template to the kernel agent: its bridges,
 * routed veths, overlay and uplink devices (those there are) beside the
 * command line's, the host stack hops if it has them; the command line's
 * alone without rules. */
static void apply_template(struct cmon_daemon *d)
{
	const struct cmon_template *t = cmon_rules_run_template(d->rules);
	const uint32_t host = 1u << CMON_TP_HOST_IN | 1u << CMON_TP_HOST_OUT,
		       ct = 1u << CMON_TP_CT_TX | 1u << CMON_TP_CT_RX;

	if (!d->ka)
		return;
	if (t && (t->hops & ct) && !d->o->k.ct_hops && !d->warned_ct) {
		cmon_warn("template %s has the container hops (ct_tx, "
			  "ct_rx): they need --ct-hops at start", t->name);
		d->warned_ct = 1;
	}
	cmon_kagent_watch(d->ka, t ? (const char *const *)t->bridges : NULL,
			  t ? (unsigned int)t->nbridges : 0,
			  !t || (t->hops & host));
	cmon_kagent_routed(d->ka, t ? (const char *const *)t->veths : NULL,
			   t ? (unsigned int)t->nveths : 0);
	cmon_kagent_devices(d->ka, t ? (const char *const *)t->overlay : NULL,
			    t ? (unsigned int)t->noverlay : 0,
			    t ? (const char *const *)t->uplink : NULL,
			    t ? (unsigned int)t->nuplink : 0);
}

/* Do the rules' sampling reach the hops (the kernel's, the source's)? */
static int samples(const struct cmon_daemon *d)
{
	return d->ka || (d->src && d->src->rules);
}

/* The rules' sampling, pair by pair, to the kernel hops and the source's,
 * and the template's bridges of its kind to the source. */
static void apply_sampling(struct cmon_daemon *d,
			   const struct cmon_view_rules *vr)
{
	const struct cmon_template *t = cmon_rules_run_template(d->rules);
	struct cmon_pair_sample *ps = calloc(vr->npairs + 1, sizeof(*ps));
	unsigned int i;

	if (!ps)
		return;
	for (i = 0; i < vr->npairs; i++) {
		const struct cmon_pair_stats *p = cmon_agg_pair(d->agg, i);

		ps[i] = (struct cmon_pair_sample){ p->saddr, p->daddr,
						   p->proto, vr->pairs[i].sample };
	}
	if (d->ka && vr->sample)
		cmon_kagent_sampling(d->ka, vr->sample, ps, vr->npairs);
	if (d->src && d->src->rules)
		d->src->rules(d->src->ctx, vr->sample, ps, vr->npairs,
			      t ? (const char *const *)t->ovs_bridges : NULL,
			      t ? (unsigned int)t->novs_bridges : 0);
	free(ps);
}

/* How this node logs in to etcd (--etcd-user and the TLS files). */
static struct cmon_etcd_login etcd_login(const struct cmon_daemon_opts *o)
{
	return (struct cmon_etcd_login){ o->etcd_user, o->etcd_password,
					 o->etcd_cacert, o->etcd_cert,
					 o->etcd_key };
}

/* --cluster: the exporters of the other nodes registered in etcd, with
 * this node's token (from the peers' thread). */
struct found {
	const struct cmon_daemon_opts *o;
	char (*out)[512];
	unsigned int n, max;
};

static void on_node(const char *key, const char *value, void *ctx)
{
	struct found *f = ctx;
	json_t *j = json_loads(value, 0, NULL);
	const char *node = json_string_value(json_object_get(j, "node"));
	const char *url = json_string_value(json_object_get(j, "url"));
	const char *tok = f->o->x.http_token;

	(void)key;
	/* (an exporter on every address registers one no other node can
	 * reach: here it would be this node's own) */
	if (url && strstr(url, "://0.0.0.0:"))
		cmon_log_rl(CMON_LOG_WARN, "--cluster: node %s registered %s: "
			    "its --http needs an address other nodes reach",
			    node ? node : "?", url);
	else if (node && url && strcmp(node, f->o->node) && f->n < f->max &&
		 !strncmp(url, "http", 4))
		snprintf(f->out[f->n++], sizeof(f->out[0]), "%s%s%s", url,
			 tok ? "?token=" : "", tok ? tok : "");
	json_decref(j);
}

static int find_nodes(void *ctx, char (*out)[512], unsigned int max)
{
	const struct cmon_daemon_opts *o = ctx;
	const struct cmon_etcd_login login = etcd_login(o);
	struct found f = { o, out, 0, max };
	char err[512];

	if (cmon_etcd_list(o->etcd, &login, CMON_ETCD_PREFIX "nodes/",
			   on_node, &f, err, sizeof(err)) < 0) {
		cmon_log_rl(CMON_LOG_WARN, "--cluster: %s (the nodes found "
			    "before stay)", err);
		return -1;
	}
	return (int)f.n;
}

/* The rules' ports set apart in the engine's pairs. */
static void apply_ports(struct cmon_daemon *d)
{
	struct cmon_port_range *pr;
	unsigned int n = cmon_rules_ports(cmon_rules_run_rules(d->rules), &pr);

	if (cmon_agg_set_ports(d->agg, pr, n))
		cmon_warn("rules: out of memory: the ports of the rules "
			  "before stay set apart");
	free(pr);
}

/* Other rules in force: the template's devices, the ports set apart,
 * each pair's rule and sampling, and what this node applied, at once. */
static void rules_changed(struct cmon_daemon *d)
{
	struct cmon_view_rules vr;

	apply_template(d);
	apply_ports(d);
	cmon_rules_run_apply(d->rules, d->agg,
			     d->ka ? cmon_kagent_names(d->ka) : NULL,
			     cmon_export_url(d->x), samples(d), &vr);
	apply_sampling(d, &vr);
	apply_capture(d, &vr);
}

static void report(struct cmon_daemon *d, double secs)
{
	static struct cmon_endpoint eps[MAX_ENDPOINTS];
	static struct cmon_switch_port sw[CMON_MAX_SWITCH_PORTS];
	static struct cmon_hop_counter hc[MAX_PEER_COUNTERS];
	struct cmon_peer_link pl[MAX_CLOCKS];
	struct cmon_counter c[CMON_KAGENT_NCOUNTERS + SOURCE_COUNTERS +
			      CMON_EXPORT_NCOUNTERS + 3 +
			      CMON_RULES_RUN_NCOUNTERS + 2 +
			      CMON_VIEW_AGG_COUNTERS];
	struct cmon_view_rules vr;
	struct cmon_clock_info clk[MAX_CLOCKS];
	const struct cmon_daemon_opts *o = d->o;
	unsigned int n = 0, neps = 0, np = 0;
	struct cmon_view v = {
		.agg = d->agg, .time = cmon_time_wall(), .interval = secs,
		.node = o->node, .url = cmon_export_url(d->x),
		.node_id = d->ka ? (int)o->k.node_id : -1, .counters = c,
		.clocks = clk,
	};

	if (d->src) {
		d->src->drain(d->src->ctx, d);
		if (d->src->collect)
			d->src->collect(d->src->ctx, d->agg);
	}
	v.names = &d->names;
	if (d->ka) {
		if (d->peers)
			cmon_merge_counters(d->agg, hc,
					    cmon_peers_counters(d->peers, hc,
							MAX_PEER_COUNTERS),
					    o->k.node_id, v.names);
		if (d->src && d->src->renamed) {
			const struct cmon_flow_rename *rn;
			unsigned int nrn = d->src->renamed(d->src->ctx, &rn);

			cmon_kagent_renamed(d->ka, rn, nrn);
		}
		cmon_kagent_collect(d->ka);
		n = cmon_kagent_counters(d->ka, c, CMON_KAGENT_NCOUNTERS);
		v.sample_n = o->k.sample_n;
		neps = cmon_kagent_endpoints(d->ka, eps, MAX_ENDPOINTS);
	}
	if (d->src) {
		n += d->src->counters(d->src->ctx, c + n, SOURCE_COUNTERS);
		if (d->src->endpoints)
			neps = merge_switch_ports(eps, neps,
				d->src->endpoints(d->src->ctx, eps + neps,
						  MAX_ENDPOINTS - neps));
		if (d->src->switch_ports) {
			v.ports = sw;
			v.nports = d->src->switch_ports(d->src->ctx, sw,
							CMON_MAX_SWITCH_PORTS);
		}
		if (!d->ka)
			v.sample_n = d->src->sample_n(d->src->ctx);
	}
	n += cmon_export_counters(d->x, c + n);
	if (d->peers)
		np = cmon_peers_links(d->peers, pl, MAX_CLOCKS);
	v.nclocks = cmon_merge_clocks(d->agg, pl, np, o->k.clock_tai, clk,
				      MAX_CLOCKS);
	if (d->pcap) {
		c[n++] = (struct cmon_counter){ "pcap_packets",
			cmon_pcapng_packets(d->pcap), 0 };
		c[n++] = (struct cmon_counter){ "pcap_write_errors",
			cmon_pcapng_errors(d->pcap), 0 };
	}
	if (d->peers)
		c[n++] = (struct cmon_counter){ "peers_left_out",
			cmon_peers_left_out(d->peers), 0 };
	if (d->rules) {
		n += cmon_rules_run_counters(d->rules, c + n);
		c[n++] = (struct cmon_counter){ "rule_capture_packets",
			rcap_count(d, cmon_pcapng_packets), 0 };
		c[n++] = (struct cmon_counter){ "rule_capture_write_errors",
			rcap_count(d, cmon_pcapng_errors), 0 };
	}
	n += cmon_view_agg_counters(d->agg, c + n);
	v.ncounters = n;
	cmon_agg_tick(d->agg, secs);
	if (d->rules) {
		apply_template(d);	/* a template's bridge may appear */
		cmon_rules_run_tick(d->rules, d->agg, v.names, v.time, v.url,
				    samples(d), &vr);
		v.rules = &vr;
		apply_sampling(d, &vr);
		apply_capture(d, &vr);
		v.sample_n = vr.sample ? vr.sample : v.sample_n;
	}
	cmon_view_print(stdout, &v, o->out);
	cmon_export_tick(d->x, &v, eps, neps);
	cmon_agg_expire(d->agg, 60);
}

/*
 * Start this program again, at once (a source asked: cmon-dpdk after
 * ovs-vswitchd restarted, as DPDK's EAL attaches once per process and its
 * files stay locked while any process holds them).  The sinks' history
 * and unwritten InfluxDB lines go along in a memfd at HANDOFF_FD; nothing
 * else the process had open does.  Returns only on failure.
 */
static void restart(struct cmon_daemon *d)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int fd = memfd_create("cmon-handoff", 0);
	FILE *f = fd >= 0 ? fdopen(dup(fd), "w") : NULL;
	int err = f ? cmon_export_hand_over(d->x, f) : -errno;

	if (f)
		fclose(f);
	if (err)
		cmon_warn("restarting: the history and unwritten InfluxDB "
			  "lines cannot go along: %s", strerror(-err));
	/* detached in order: no stamp without its strip */
	cmon_kagent_stop(d->ka);
	d->ka = NULL;
	/* every captured frame on disk: the next process adds to the file */
	cmon_pcapng_close(d->pcap);
	d->pcap = NULL;
	while (d->nrcaps)
		rcap_close(d, d->nrcaps - 1);
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
	execv(self, d->argv);
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

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Start the sinks and the kernel agent: 0, or the exit status. */
static int start(struct cmon_daemon *d, struct cmon_kopts *k, int restarted,
		 int handoff)
{
	const struct cmon_daemon_opts *o = d->o;

	d->agg = cmon_agg_create();
	if (!d->agg) {
		cmon_err("out of memory");
		return 1;
	}
	d->x = cmon_export_start(&o->x);
	if (!d->x)
		return 2;
	if (handoff)
		take_over(d->x);
	if (o->rules || o->etcd) {
		struct cmon_etcd_login login = etcd_login(o);

		d->rules = cmon_rules_run_start(o->rules, o->etcd, &login,
						o->node, o->etcd_lease);
		if (!d->rules)
			return 2;
		apply_ports(d);
	}
	if (o->npeers || o->cluster) {
		d->peers = cmon_peers_start(o->peers, o->npeers,
					    o->cluster ? find_nodes : NULL,
					    (void *)o);
		if (!d->peers)
			return 2;
		cmon_export_peers(d->x, d->peers);
	}
	if (o->pcap.path) {
		/* after a restart: what the file holds stays */
		d->pcap = cmon_pcapng_open(o->pcap.path,
					   (uint64_t)(o->pcap.mib * (1 << 20)),
					   o->pcap.count, restarted);
		if (!d->pcap) {
			cmon_err("--pcap %s: %s", o->pcap.path,
				 strerror(errno));
			return 2;
		}
		k->capture = 1;
	}
	/* the rules' captures start and stop with the rules in force */
	if (o->pcap.path || o->rules || o->etcd) {
		k->on_packet = on_kpacket;
		k->packet_ctx = d;
	}
	if (d->src && d->src->rx_hops) {
		k->on_rx_hops = d->src->rx_hops;
		k->rx_hops_ctx = d->src->ctx;
	}
	if (k->nbridges || o->kernel) {
		d->ka = cmon_kagent_start(k, d->agg);
		if (!d->ka)
			return 1;
		if (d->rules)
			apply_template(d);
	}
	return 0;
}

static void stop(struct cmon_daemon *d)
{
	cmon_kagent_stop(d->ka);
	if (d->src && d->src->stop)
		d->src->stop(d->src->ctx);
	/* a last flush of what InfluxDB has not taken yet */
	cmon_export_stop(d->x, 5);
	if (d->pcap)
		cmon_info("pcap: %llu packets written to %s%s",
			  (unsigned long long)cmon_pcapng_packets(d->pcap),
			  d->o->pcap.path, cmon_pcapng_errors(d->pcap) ?
			  " (some writes failed: see pcap_write_errors)" : "");
	cmon_pcapng_close(d->pcap);
	while (d->nrcaps)
		rcap_close(d, d->nrcaps - 1);
	free(d->rpairs);
	cmon_peers_stop(d->peers);
	cmon_rules_run_stop(d->rules);
	cmon_agg_destroy(d->agg);
}

int cmon_daemon_run(const struct cmon_daemon_opts *o,
		    const struct cmon_daemon_source *src, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct cmon_daemon d = { .o = o, .src = src, .argv = argv };
	const char *env = getenv(RESTARTED_ENV);
	int restarted = env != NULL, handoff = env && !strcmp(env, "handoff");
	struct cmon_kopts k = o->k;
	double last_tick, last_check, last_rules, t;
	int rc;

	d.names = (struct cmon_names){ dname_ip, dname_dev, dname_reason,
				       dname_meta, &d };
	unsetenv(RESTARTED_ENV);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	d.start = cmon_time_mono();
	rc = start(&d, &k, restarted, handoff);
	if (!rc && src)
		rc = src->check(src->ctx, &d);
	last_tick = last_check = last_rules = cmon_time_mono();
	while (!rc && !exiting) {
		if (src)
			src->drain(src->ctx, &d);
		/* a source is polled: the kernel agent waits briefly */
		if (d.ka && cmon_kagent_poll(d.ka, src ? 2 : 100)) {
			rc = 1;
			break;
		}
		if (!d.ka)
			pause_ms(src ? 2 : 100);
		t = cmon_time_mono();
		if (src && t - last_check >= 0.1) {
			last_check = t;
			rc = src->check(src->ctx, &d);
			if (rc)
				break;
		}
		if (d.rules && t - last_rules >= 0.1) {
			last_rules = t;
			if (cmon_rules_run_check(d.rules))
				rules_changed(&d);
		}
		if (t - last_tick >= o->interval) {
			report(&d, t - last_tick);
			last_tick = t;
		}
		if (o->duration && t - d.start >= o->duration)
			break;
	}
	if (rc == CMON_DAEMON_RESTART) {
		restart(&d);		/* returns only when it failed */
		rc = 1;
	}
	if (src)
		src->drain(src->ctx, &d);
	stop(&d);
	return rc;
}
