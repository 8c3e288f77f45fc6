// SPDX-License-Identifier: BSD-2-Clause
/*
 * cmon-kern: the node daemon (daemon/) with the kernel-path agent as its
 * only source: every interval, the live table or a JSON line, and the
 * sinks (HTTP with /metrics and the API, InfluxDB, pcap dumps).
 */
#include <stdio.h>
#include "cli.h"
#include "daemon.h"
#include "log.h"

int main(int argc, char **argv)
{
	struct cmon_cli cli = {
		.name = "cmon-kern",
		.usage =
"Usage: cmon-kern --bridge NAME [--bridge NAME ...] [options]\n"
"       cmon-kern --rules FILE | --etcd URL [options]   (the rules'\n"
"                 template names the bridges)\n"
"\n"
"Monitor every container attached to the given Linux bridges (docker0\n"
"layout): per-hop and end-to-end latency, throughput and loss for each\n"
"pair of containers that talk, shown live and exported.\n",
	};
	struct cmon_daemon_opts o;

	cmon_log_init("cmon-kern", CMON_LOG_INFO);
	cmon_daemon_opts_init(&o);
	if (cmon_cli_parse(argc, argv, &cli, &o))
		return 2;
	if (cli.argc) {
		cmon_err("unexpected argument '%s' (see --help)", cli.argv[0]);
		return 2;
	}
	/* with rules, the bridges may come from their template */
	o.kernel = o.rules || o.etcd;
	if (!o.kernel && cmon_kopts_check(&o.k))
		return 2;
	return cmon_daemon_run(&o, NULL, argv);
}
