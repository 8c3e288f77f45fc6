// SPDX-License-Identifier: BSD-2-Clause
/* The exporter: see export.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "agg.h"
#include "export.h"
#include "history.h"
#include "http.h"
#include "influx.h"
#include "log.h"
#include "peers.h"
#include "prom.h"

struct cmon_export {
	struct cmon_export_opts o;
	struct cmon_history *hist;
	struct cmon_prom *prom;
	struct cmon_http *http;
	struct cmon_influx *influx;
	struct cmon_peers *peers;
	uint64_t overflow;
};

struct cmon_export *cmon_export_start(const struct cmon_export_opts *o)
{
	struct cmon_export *e = calloc(1, sizeof(*e));

	if (!e)
		goto nomem;
	e->o = *o;
	e->hist = cmon_history_create(o->history);
	e->prom = cmon_prom_create(o->prom_labels, o->nprom_labels,
				   o->prom_label_values);
	if (!e->hist || !e->prom)
		goto nomem;
	if (o->influx_url) {
		e->influx = cmon_influx_start(o->influx_url, o->influx_db,
					      o->influx_buffer);
		if (!e->influx)
			goto fail;
	}
	if (o->http) {
		e->http = cmon_http_start(o->http, o->http_token, o->web_root,
					  e->hist);
		if (!e->http)
			goto fail;
	}
	return e;
nomem:
	cmon_err("exporter: out of memory");
fail:
	cmon_export_stop(e, 0);
	return NULL;
}

/* A stream writing into a malloc'd string: see close_doc(). */
struct doc {
	char *buf;
	size_t len;
	FILE *f;
};

static FILE *open_doc(struct doc *d)
{
	d->buf = NULL;
	d->len = 0;
	d->f = open_memstream(&d->buf, &d->len);
	return d->f;
}

static void close_doc(struct doc *d)
{
	if (d->f)
		fclose(d->f);
}

static void ip_list(FILE *out, const uint32_t *addr, unsigned int n)
{
	char ip[16];
	unsigned int i;

	fputc('[', out);
	for (i = 0; i < n; i++) {
		inet_ntop(AF_INET, &addr[i], ip, sizeof(ip));
		fprintf(out, "%s\"%s\"", i ? "," : "", ip);
	}
	fputc(']', out);
}

static int known(const struct cmon_endpoint *eps, unsigned int n,
		 uint32_t addr)
{
	unsigned int i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < eps[i].naddrs; j++)
			if (eps[i].addr[j] == addr)
				return 1;
	return 0;
}

/* An address seen in traffic but not among the monitored containers. */
static void stranger(FILE *out, const struct cmon_view *v, uint32_t addr,
		     int *first)
{
	char name[64];

	fputs(*first ? "{\"name\":" : ",{\"name\":", out);
	*first = 0;
	cmon_json_str(out, cmon_view_ip(v, addr, name, sizeof(name)));
	fputs(",\"ips\":", out);
	ip_list(out, &addr, 1);
	fputs(",\"bridge\":null,\"port\":null,\"port_type\":null,"
	      "\"monitored\":false,\"runtime\":null}", out);
}

/* Bridge @name (of Open vSwitch if @ovs) with the containers of @eps on
 * it, and its ports if it is an Open vSwitch bridge. */
static void bridge(FILE *out, const struct cmon_view *v,
		   const struct cmon_endpoint *eps, unsigned int n,
		   const char *name, int ovs, int *first)
{
	unsigned int i, j, k = 0;

	fputs(*first ? "{\"name\":" : ",{\"name\":", out);
	*first = 0;
	cmon_json_str(out, name);
	fprintf(out, ",\"type\":\"%s\",\"containers\":[",
		ovs ? "ovs" : "linux");
	for (i = 0; i < n; i++) {
		if (strcmp(eps[i].bridge, name))
			continue;
		fputs(k++ ? "," : "", out);
		cmon_json_str(out, eps[i].name);
	}
	fputc(']', out);
	if (ovs) {
		fputs(",\"ports\":[", out);
		for (i = 0, k = 0; i < v->nports; i++) {
			const struct cmon_switch_port *p = &v->ports[i];

			if (strcmp(p->bridge, name))
				continue;
			fputs(k++ ? ",{\"name\":" : "{\"name\":", out);
			cmon_json_str(out, p->name);
			fputs(",\"type\":", out);
			cmon_json_str(out, p->type);
			fputs(",\"role\":", out);
			cmon_json_str(out, p->role);
			fputs(",\"container\":", out);
			for (j = 0; j < n; j++)
				if (eps[j].port_type &&
				    !strcmp(eps[j].bridge, name) &&
				    !strcmp(eps[j].port, p->name))
					break;
			if (j < n)
				cmon_json_str(out, eps[j].name);
			else
				fputs("null", out);
			fputc('}', out);
		}
		fputc(']', out);
	}
	fputc('}', out);
}

/* The topology; with @idle_only, of the pairs the engine knows only those
 * without traffic in the last interval (the metrics have the others: the
 * page asks for these only). */
static void topology(FILE *out, const struct cmon_view *v,
		     const struct cmon_endpoint *eps, unsigned int n,
		     int idle_only)
{
	unsigned int i, j, k, np = cmon_agg_npairs(v->agg);
	uint32_t *seen = calloc(2 * np + 1, sizeof(*seen));
	unsigned int nseen = 0;
	int first = 1;

	fprintf(out, "{\"time\":%.3f,\"node\":", v->time);
	cmon_json_str(out, v->node ? v->node : "");
	fputs(",\"containers\":[", out);
	for (i = 0; i < n; i++) {
		fputs(first ? "{\"name\":" : ",{\"name\":", out);
		first = 0;
		cmon_json_str(out, eps[i].name);
		fputs(",\"ips\":", out);
		ip_list(out, eps[i].addr, eps[i].naddrs);
		fputs(",\"bridge\":", out);
		if (*eps[i].bridge)
			cmon_json_str(out, eps[i].bridge);
		else
			fputs("null", out);	/* routed */
		fputs(",\"port\":", out);
		cmon_json_str(out, eps[i].port);
		fputs(",\"port_type\":", out);
		if (eps[i].port_type)
			cmon_json_str(out, eps[i].port_type);
		else
			fputs("null", out);
		fprintf(out, ",\"netns\":%u,\"monitored\":true,\"runtime\":",
			eps[i].netns);
		cmon_view_json_meta(out, eps[i].meta);
		fputc('}', out);
	}
	/* endpoints of traffic that are not monitored containers here */
	for (i = 0; i < np && seen; i++) {
		const struct cmon_pair_stats *p = cmon_view_pair(v, i);
		uint32_t a[2];

		if (!p)
			continue;
		a[0] = p->saddr;
		a[1] = p->daddr;
		for (j = 0; j < 2; j++) {
			if (known(eps, n, a[j]))
				continue;
			for (k = 0; k < nseen && seen[k] != a[j]; k++)
				;
			if (k < nseen)
				continue;
			seen[nseen++] = a[j];
			stranger(out, v, a[j], &first);
		}
	}
	free(seen);
	fputs("],\"bridges\":[", out);
	first = 1;
	for (i = 0; i < n; i++) {
		for (j = 0; j < i && strcmp(eps[j].bridge, eps[i].bridge); j++)
			;
		if (j == i && *eps[i].bridge)
			bridge(out, v, eps, n, eps[i].bridge,
			       eps[i].port_type != NULL, &first);
	}
	/* an Open vSwitch bridge without a container on it yet */
	for (i = 0; i < v->nports; i++) {
		const char *b = v->ports[i].bridge;

		for (j = 0; j < i && strcmp(v->ports[j].bridge, b); j++)
			;
		for (k = 0; k < n && strcmp(eps[k].bridge, b); k++)
			;
		if (j == i && k == n && *b)
			bridge(out, v, eps, n, b, 1, &first);
	}
	/* every pair the engine knows, idle ones too (\"active\") */
	fputs("],\"paths\":[", out);
	for (i = 0, first = 1; i < np; i++) {
		const struct cmon_pair_stats *p = cmon_view_pair(v, i);

		if (!p || (idle_only && p->active))
			continue;
		fputs(first ? "" : ",", out);
		first = 0;
		cmon_view_json_pair(out, v, i);
	}
	fputs("]}\n", out);
}

/* This node's hop counters, for the other nodes' engines (peers.h);
 * those beyond the document's bound are counted as overflow. */
static void counters(FILE *out, struct cmon_export *e,
		     const struct cmon_view *v)
{
	static struct cmon_hop_counter hc[65536];
	const unsigned int max = sizeof(hc) / sizeof(hc[0]);
	unsigned int i, n = 0;
	char a[16], b[16];

	if (v->node_id >= 0)
		n = cmon_agg_hop_counters(v->agg, (uint8_t)v->node_id, hc, max);
	if (n > max) {
		e->overflow += n - max;
		n = max;
	}
	fprintf(out, "{\"time\":%.3f,\"node_id\":%d,\"counters\":[", v->time,
		v->node_id);
	for (i = 0; i < n; i++) {
		inet_ntop(AF_INET, &hc[i].flow.saddr, a, sizeof(a));
		inet_ntop(AF_INET, &hc[i].flow.daddr, b, sizeof(b));
		fprintf(out, "%s{\"src_ip\":\"%s\",\"dst_ip\":\"%s\",\"sport\":%u,"
			"\"dport\":%u,\"proto\":%u,\"tp\":%u,\"node\":%u,"
			"\"packets\":%llu,\"bytes\":%llu,\"partial\":%s,"
			"\"epoch\":%llu,\"back\":%llu}", i ? "," : "", a, b,
			ntohs(hc[i].flow.sport), ntohs(hc[i].flow.dport),
			hc[i].flow.proto, hc[i].tp, hc[i].node,
			(unsigned long long)hc[i].packets,
			(unsigned long long)hc[i].bytes,
			hc[i].partial ? "true" : "false",
			(unsigned long long)hc[i].epoch,
			(unsigned long long)hc[i].packets_back);
	}
	fputs("]}\n", out);
}

static void health(FILE *out, struct cmon_export *e, const struct cmon_view *v)
{
	struct cmon_influx_stats st;
	char url[512];
	unsigned int i;

	fprintf(out, "{\"time\":%.3f,\"node\":", v->time);
	cmon_json_str(out, v->node ? v->node : "");
	fprintf(out, ",\"interval_s\":%.3f,\"sample\":%u,\"sinks\":{",
		v->interval, v->sample_n);
	fprintf(out, "\"http\":{\"port\":%u,\"clients\":%u,\"streams\":%u}",
		e->http ? cmon_http_port(e->http) : 0,
		e->http ? cmon_http_clients(e->http) : 0,
		e->http ? cmon_http_streams(e->http) : 0);
	fputs(",\"influxdb\":", out);
	if (e->influx) {
		cmon_influx_stats(e->influx, &st);
		fputs("{\"url\":", out);
		cmon_json_str(out, cmon_url_redact(e->o.influx_url, url,
						   sizeof(url)));
		fprintf(out, ",\"connected\":%s,\"queued\":%llu,"
			"\"written\":%llu,\"dropped\":%llu,\"rejected\":%llu,"
			"\"buffered_lines\":%llu,\"failures\":%llu}",
			st.down ? "false" : "true",
			(unsigned long long)st.queued,
			(unsigned long long)st.written,
			(unsigned long long)st.dropped,
			(unsigned long long)st.rejected,
			(unsigned long long)st.buffered_lines,
			(unsigned long long)st.failures);
	} else {
		fputs("null", out);
	}
	fprintf(out, "},\"history_bytes\":%zu,\"history_series\":%u,"
		"\"history_evicted\":%llu,\"counters\":{",
		cmon_history_bytes(e->hist), cmon_history_series(e->hist),
		(unsigned long long)cmon_history_evicted(e->hist));
	for (i = 0; i < v->ncounters; i++)
		fprintf(out, "%s\"%s\":%llu", i ? "," : "", v->counters[i].name,
			(unsigned long long)v->counters[i].value);
	fputs("}}\n", out);
}

/* The cluster view: this node's documents, then the peers'. */
static void cluster(FILE *out, struct cmon_export *e,
		    const struct cmon_view *v, const char *metrics,
		    const char *topology)
{
	fprintf(out, "{\"time\":%.3f,\"nodes\":[{\"node\":", v->time);
	cmon_json_str(out, v->node ? v->node : "");
	fputs(",\"self\":true,\"url\":", out);
	cmon_json_str(out, cmon_export_url(e) ? cmon_export_url(e) : "");
	fprintf(out, ",\"up\":true,\"age_s\":0,\"error\":null,"
		"\"metrics\":%s,\"topology\":%s}", metrics ? metrics : "null",
		topology ? topology : "null");
	if (e->peers)
		cmon_peers_cluster(e->peers, out);
	fputs("]}\n", out);
}

void cmon_export_tick(struct cmon_export *e, const struct cmon_view *v,
		      const struct cmon_endpoint *eps, unsigned int n)
{
	struct doc d[CMON_NDOCS], lines;
	char *buf[CMON_NDOCS];
	size_t len[CMON_NDOCS];
	unsigned int i, nlines;

	cmon_history_append(e->hist, v);
	cmon_prom_update(e->prom, v);
	if (e->influx && open_doc(&lines)) {
		nlines = cmon_influx_format(lines.f, v);
		close_doc(&lines);
		cmon_influx_push(e->influx, lines.buf, lines.len, nlines);
	}
	if (!e->http)
		return;
	for (i = 0; i < CMON_NDOCS; i++)
		if (!open_doc(&d[i]))
			e->overflow++;
	if (d[CMON_DOC_PROM].f)
		cmon_prom_write(e->prom, v, d[CMON_DOC_PROM].f);
	if (d[CMON_DOC_METRICS].f)
		cmon_view_json(d[CMON_DOC_METRICS].f, v);
	if (d[CMON_DOC_TOPOLOGY].f)
		topology(d[CMON_DOC_TOPOLOGY].f, v, eps, n, 0);
	if (d[CMON_DOC_TOPOLOGY_IDLE].f)
		topology(d[CMON_DOC_TOPOLOGY_IDLE].f, v, eps, n, 1);
	if (d[CMON_DOC_HEALTH].f)
		health(d[CMON_DOC_HEALTH].f, e, v);
	if (d[CMON_DOC_COUNTERS].f)
		counters(d[CMON_DOC_COUNTERS].f, e, v);
	for (i = 0; i < CMON_NDOCS; i++) {
		if (i == CMON_DOC_CLUSTER && d[i].f)
			cluster(d[i].f, e, v, buf[CMON_DOC_METRICS],
				buf[CMON_DOC_TOPOLOGY]);
		close_doc(&d[i]);
		buf[i] = d[i].buf;
		len[i] = d[i].len;
	}
	cmon_http_publish(e->http, buf, len);
}

void cmon_export_peers(struct cmon_export *e, struct cmon_peers *p)
{
	e->peers = p;
	if (e->http)
		cmon_http_peers(e->http, p);
}

const char *cmon_export_url(const struct cmon_export *e)
{
	return e->http ? cmon_http_url(e->http) : NULL;
}

unsigned int cmon_export_counters(struct cmon_export *e,
				  struct cmon_counter *out)
{
	struct cmon_influx_stats st = { 0 };

	if (e->influx)
		cmon_influx_stats(e->influx, &st);
	out[0] = (struct cmon_counter){ "influx_lines", st.queued, 0 };
	out[1] = (struct cmon_counter){ "influx_written", st.written, 0 };
	out[2] = (struct cmon_counter){ "influx_dropped", st.dropped, 0 };
	out[3] = (struct cmon_counter){ "influx_rejected", st.rejected, 0 };
	out[4] = (struct cmon_counter){ "influx_pending", st.buffered_lines,
					1 };
	out[5] = (struct cmon_counter){ "export_overflow", e->overflow +
					cmon_prom_overflow(e->prom), 0 };
	out[6] = (struct cmon_counter){ "prom_label_overflow",
					cmon_prom_label_overflow(e->prom), 0 };
	return CMON_EXPORT_NCOUNTERS;
}

void cmon_export_stop(struct cmon_export *e, double flush_s)
{
	if (!e)
		return;
	cmon_http_stop(e->http);
	cmon_influx_stop(e->influx, flush_s);
	cmon_prom_destroy(e->prom);
	cmon_history_destroy(e->hist);
	free(e);
}

/* After the history: the InfluxDB lines, as one batch. */
struct left_header {
	uint64_t len;
	uint32_t nlines;
};

int cmon_export_hand_over(struct cmon_export *e, FILE *out)
{
	struct left_header lh = { 0 };
	size_t len = 0;
	char *buf = NULL;
	int err;

	err = cmon_history_save(e->hist, out);
	if (e->influx)
		buf = cmon_influx_unwritten(e->influx, &len, &lh.nlines);
	lh.len = len;
	if (!err && (fwrite(&lh, sizeof(lh), 1, out) != 1 ||
		     (len && fwrite(buf, len, 1, out) != 1) || fflush(out)))
		err = -EIO;
	free(buf);
	if (!err && lh.nlines)
		cmon_info("influxdb: %u lines not written yet go to the next "
			  "process", lh.nlines);
	return err;
}

int cmon_export_take_over(struct cmon_export *e, FILE *in)
{
	struct left_header lh;
	char *buf;
	int err;

	err = cmon_history_load(e->hist, in);
	if (err)
		return err;
	if (fread(&lh, sizeof(lh), 1, in) != 1 || lh.len > (1ull << 32))
		return -EINVAL;
	if (!lh.len || !e->influx)
		return 0;
	buf = malloc(lh.len);
	if (!buf)
		return -ENOMEM;
	if (fread(buf, lh.len, 1, in) != 1) {
		free(buf);
		return -EINVAL;
	}
	cmon_influx_push(e->influx, buf, lh.len, lh.nlines);
	return 0;
}
