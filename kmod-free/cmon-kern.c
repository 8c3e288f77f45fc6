// SPDX-License-Identifier: BSD-2-Clause
/*
 * cmon-kern: the kernel-path agent (kagent.c) with a report loop: every
 * interval, the aggregation engine's view as a live table or a JSON line.
 */
#include "config.h"
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "agg.h"
#include "cfgfile.h"
#include "kagent.h"
#include "log.h"
#include "view.h"

struct options {
	struct cmon_kopts k;
	double interval;
	double duration;	/* 0: until signalled */
	int json;
	const char *node;
	int verbose;
};

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	exiting = 1;
}

static void usage(FILE *out)
{
	fprintf(out,
"Usage: cmon-kern --bridge NAME [--bridge NAME ...] [options]\n"
"\n"
"Monitor every container attached to the given Linux bridges (docker0\n"
"layout): per-hop and end-to-end latency, throughput and loss for each\n"
"pair of containers that talk, shown live.\n"
"\n"
"%s"
"  -i, --interval SEC    reporting interval (default 1)\n"
"  -d, --duration SEC    stop after SEC seconds (default: until SIGINT)\n"
"  -j, --json            one JSON object per interval on stdout\n"
"                        (schema: doc/json.md)\n"
"  -n, --node NAME       node name for reports (default: hostname)\n"
"  -c, --config FILE     settings from FILE: \"name = value\" lines, names\n"
"                        being these long options (see cmon-kern(8))\n"
"  -v, --verbose         log attach/detach and discovery\n"
"  -h, --help            show this help\n"
"  -V, --version         show the version\n", cmon_kopts_help);
}

static const struct option longopts[] = {
	CMON_KOPTS_LONG,
	{ "interval", required_argument, NULL, 'i' },
	{ "duration", required_argument, NULL, 'd' },
	{ "json", no_argument, NULL, 'j' },
	{ "node", required_argument, NULL, 'n' },
	{ "config", required_argument, NULL, 'c' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ 0 }
};

static int parse_args(int argc, char **argv, struct options *o)
{
	static char host[64];
	int c, r;

	cmon_kopts_init(&o->k);
	o->interval = 1;
	while ((c = getopt_long(argc, argv, CMON_KOPTS_SHORT "i:d:jn:c:vhV",
				longopts, NULL)) != -1) {
		r = cmon_kopts_parse(&o->k, c, optarg);
		if (r < 0)
			return r;
		if (r)
			continue;
		switch (c) {
		case 'i':
			if (cmon_opt_num(optarg, 0.1, 3600, &o->interval,
					 "--interval"))
				return -EINVAL;
			break;
		case 'd':
			if (cmon_opt_num(optarg, 0.1, 1e9, &o->duration,
					 "--duration"))
				return -EINVAL;
			break;
		case 'j':
			o->json = 1;
			break;
		case 'n':
			o->node = optarg;
			break;
		case 'c':
			/* cmon_config_args() has read it */
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("cmon-kern %s\n", PACKAGE_VERSION);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		cmon_err("unexpected argument '%s' (see --help)", argv[optind]);
		return -EINVAL;
	}
	if (cmon_kopts_check(&o->k))
		return -EINVAL;
	if (!o->node) {
		if (gethostname(host, sizeof(host) - 1))
			strcpy(host, "localhost");
		o->node = host;
	}
	return 0;
}

static void report(const struct options *o, struct cmon_kagent *ka,
		   struct cmon_agg *agg, double secs)
{
	struct cmon_counter c[CMON_KAGENT_NCOUNTERS + CMON_VIEW_AGG_COUNTERS];
	struct cmon_view v = {
		.names = cmon_kagent_names(ka), .time = cmon_time_wall(),
		.interval = secs, .node = o->node, .sample_n = o->k.sample_n,
	};

	cmon_kagent_collect(ka);
	cmon_view_report(agg, &v, c, cmon_kagent_counters(ka, c,
			 CMON_KAGENT_NCOUNTERS), o->json);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct options o = { 0 };
	struct cmon_kagent *ka;
	struct cmon_agg *agg;
	double start, last_tick, t;
	int err = 0;

	cmon_log_init("cmon-kern", CMON_LOG_INFO);
	if (cmon_config_args(&argc, &argv, longopts) ||
	    parse_args(argc, argv, &o))
		return 2;
	if (o.verbose)
		cmon_log_level = CMON_LOG_DEBUG;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	agg = cmon_agg_create();
	if (!agg) {
		cmon_err("out of memory");
		return 1;
	}
	ka = cmon_kagent_start(&o.k, agg);
	if (!ka) {
		cmon_agg_destroy(agg);
		return 1;
	}
	start = last_tick = cmon_time_mono();
	while (!exiting) {
		if (cmon_kagent_poll(ka, 100)) {
			err = 1;
			break;
		}
		t = cmon_time_mono();
		if (t - last_tick >= o.interval) {
			report(&o, ka, agg, t - last_tick);
			last_tick = t;
		}
		if (o.duration && t - start >= o.duration)
			break;
	}
	cmon_kagent_stop(ka);
	cmon_agg_destroy(agg);
	return err;
}
