// SPDX-License-Identifier: BSD-2-Clause
/*
 * cmonctl: the operator's command for cmon's monitoring rules (rules/,
 * doc/rules.md).
 *
 *   cmonctl rules check FILE      every error, as FILE:LINE:COLUMN
 *   cmonctl rules compile FILE    the standard rules, as nodes get them
 *   cmonctl rules explain FILE SRC DST [--proto P] [--port N]
 *   cmonctl rules apply FILE --etcd URL   publish them to every node
 *   cmonctl rules show --etcd URL         the revision in force, per node
 *   cmonctl nodes --etcd URL              every registered node
 *
 * Exit status: 0 good, 1 the rules are not (or explain found no rule, or
 * a node has not applied the rules in force, or etcd failed), 2 usage.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include "cfgfile.h"
#include "etcd.h"
#include "rules.h"

#ifndef CMON_TEMPLATE_DIR
#define CMON_TEMPLATE_DIR "/usr/local/share/cmon/templates"
#endif

#define MAX_TDIRS 16

/* --etcd-user, --etcd-password-file, --etcd-cacert, --etcd-cert,
 * --etcd-key */
static struct cmon_etcd_login login;
static char password[256];

static const char usage_text[] =
"Usage: cmonctl rules check FILE [--templates DIR]...\n"
"       cmonctl rules compile FILE [--templates DIR]...\n"
"       cmonctl rules explain FILE SRC DST [--proto tcp|udp|icmp] "
"[--port N]\n"
"       cmonctl rules apply FILE --etcd URL\n"
"       cmonctl rules show --etcd URL\n"
"       cmonctl nodes --etcd URL\n"
"\n"
"Check a rule file (doc/rules.md), print the standard rules it compiles\n"
"to, say which rule applies to traffic from SRC to DST, publish them to\n"
"every node through etcd, show which nodes applied them, list nodes.\n"
"\n"
"  --etcd URL      etcd's client URL (http://127.0.0.1:2379); keys under\n"
"                  " CMON_ETCD_PREFIX "\n"
"  --etcd-user NAME, --etcd-password-file FILE\n"
"                  log in to an etcd with authentication enabled\n"
"                  (the password is FILE's first line)\n"
"  --etcd-cacert FILE, --etcd-cert FILE, --etcd-key FILE\n"
"                  for https://: the CA to check etcd against (default:\n"
"                  the system's), and a client certificate and its key\n"
"                  when etcd asks for one, PEM\n"
"  SRC, DST        NAME, ADDRESS or NAME@ADDRESS, then ,LABEL=VALUE and\n"
"                  ,netns=NS as many as needed (web-1@10.0.0.2,app=web)\n"
"  --templates DIR where templates named in the file are looked for\n"
"                  (repeatable); then the file's ../templates, then\n"
"                  " CMON_TEMPLATE_DIR "\n"
"  --proto P       tcp, udp or icmp (default: any)\n"
"  --port N        destination port (default: any)\n"
"  -h, --help      this help\n"
"\n"
"Exit status: 0 good, 1 the rules are not (or no rule applies, or a\n"
"node has not applied the rules in force, or etcd failed), 2 usage.\n";

static int usage(const char *msg)
{
	if (msg)
		fprintf(stderr, "cmonctl: %s\n", msg);
	fputs(usage_text, msg ? stderr : stdout);
	return msg ? 2 : 0;
}

static void print_errors(const struct cmon_rules_errors *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		fprintf(stderr, "%s\n", e->msg[i]);
}

struct ep {
	struct cmon_endpoint_info info;
	struct cmon_label labels[16];
	char buf[512];
};

/* NAME, ADDR or NAME@ADDR, then ,K=V... */
static int ep_parse(const char *s, struct ep *e)
{
	char *tok, *save, *at;
	struct in_addr a;

	memset(e, 0, sizeof(*e));
	if (strlen(s) >= sizeof(e->buf))
		return -1;
	strcpy(e->buf, s);
	tok = strtok_r(e->buf, ",", &save);
	if (!tok)
		return -1;
	at = strchr(tok, '@');
	if (at) {
		*at = 0;
		if (inet_pton(AF_INET, at + 1, &a) != 1)
			return -1;
		e->info.addr = a.s_addr;
		e->info.name = tok;
	} else if (inet_pton(AF_INET, tok, &a) == 1) {
		e->info.addr = a.s_addr;
	} else {
		e->info.name = tok;
	}
	while ((tok = strtok_r(NULL, ",", &save))) {
		char *eq = strchr(tok, '=');

		if (!eq)
			return -1;
		*eq = 0;
		if (!strcmp(tok, "netns")) {
			e->info.netns = eq + 1;
			continue;
		}
		if (e->info.nlabels == 16)
			return -1;
		e->labels[e->info.nlabels].key = tok;
		e->labels[e->info.nlabels++].value = eq + 1;
	}
	e->info.labels = e->labels;
	return 0;
}

/* The nodes registered in etcd, as their agents put them. */
struct nodes {
	json_t *list;		/* [{node status}] */
};

static void on_node(const char *key, const char *value, void *ctx)
{
	struct nodes *n = ctx;
	json_t *o = json_loads(value, 0, NULL);

	(void)key;
	if (json_is_object(o))
		json_array_append_new(n->list, o);
	else
		json_decref(o);
}

static int nodes_list(const char *url, struct nodes *n)
{
	char err[512], prefix[64];

	n->list = json_array();
	snprintf(prefix, sizeof(prefix), "%snodes/", CMON_ETCD_PREFIX);
	if (cmon_etcd_list(url, &login, prefix, on_node, n, err,
			   sizeof(err)) < 0) {
		fprintf(stderr, "cmonctl: %s\n", err);
		json_decref(n->list);
		return -1;
	}
	return 0;
}

static const char *jstr(json_t *o, const char *k, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : dflt;
}

static int cmd_nodes(const char *url)
{
	struct nodes n;
	json_t *o;
	size_t i;
	double now = (double)time(NULL);

	if (nodes_list(url, &n))
		return 1;
	printf("%-20s %-30s %-17s %s\n", "NODE", "URL", "RULES", "SEEN");
	json_array_foreach(n.list, i, o)
		printf("%-20s %-30s %-17s %.0f s ago\n", jstr(o, "node", "?"),
		       jstr(o, "url", "-"), jstr(o, "revision", "none"),
		       now - json_number_value(json_object_get(o, "time")));
	if (!json_array_size(n.list))
		printf("(no node registered under %snodes/)\n",
		       CMON_ETCD_PREFIX);
	json_decref(n.list);
	return 0;
}

/* The standard rules in etcd, if any: their revision into @rev. */
static void on_rules(const char *key, const char *value, void *ctx)
{
	json_t *o = json_loads(value, 0, NULL);
	char *out = ctx;

	(void)key;
	snprintf(out, 128, "%s (from %s, %zu rule(s))",
		 jstr(o, "revision", "?"), jstr(o, "source", "?"),
		 json_array_size(json_object_get(o, "rules")));
	json_decref(o);
}

static int cmd_show(const char *url)
{
	char err[512], key[64], in_force[128] = "", rev[17] = "";
	struct nodes n;
	json_t *o;
	size_t i;
	int rc = 0;

	snprintf(key, sizeof(key), "%srules", CMON_ETCD_PREFIX);
	if (cmon_etcd_list(url, &login, key, on_rules, in_force, err,
			   sizeof(err)) < 0) {
		fprintf(stderr, "cmonctl: %s\n", err);
		return 1;
	}
	if (!*in_force) {
		printf("no rules published (cmonctl rules apply FILE --etcd "
		       "%s)\n", url);
	} else {
		printf("in force: %s\n", in_force);
		snprintf(rev, sizeof(rev), "%s", in_force);
	}
	if (nodes_list(url, &n))
		return 1;
	json_array_foreach(n.list, i, o) {
		const char *r = jstr(o, "revision", "none");
		const char *e = jstr(o, "error", NULL);
		int ok = *rev && !strcmp(r, rev);

		printf("node %s: %s %s%s%s\n", jstr(o, "node", "?"),
		       ok ? "applied" : "has", r, e ? "; refused: " : "",
		       e ? e : "");
		if (*rev && !ok)
			rc = 1;
	}
	json_decref(n.list);
	return rc;
}

static int cmd_rules(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "templates", required_argument, NULL, 't' },
		{ "proto", required_argument, NULL, 'p' },
		{ "port", required_argument, NULL, 'P' },
		{ "etcd", required_argument, NULL, 'e' },
		{ "etcd-user", required_argument, NULL, 'u' },
		{ "etcd-password-file", required_argument, NULL, 'w' },
		{ "etcd-cacert", required_argument, NULL, 'C' },
		{ "etcd-cert", required_argument, NULL, 'c' },
		{ "etcd-key", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *tdirs[MAX_TDIRS + 3] = { NULL };
	struct cmon_rules_errors errs = { 0 };
	struct cmon_rules *r;
	unsigned int ntd = 0;
	uint8_t proto = 0;
	long port = CMON_ANY_PORT;
	char *sub, *file, *fdir, *rel = NULL;
	const char *etcd = NULL;
	int c, rc = 0;

	optind = 2;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (ntd == MAX_TDIRS)
				return usage("too many --templates");
			tdirs[ntd++] = optarg;
			break;
		case 'p':
			proto = !strcmp(optarg, "tcp") ? 6 :
				!strcmp(optarg, "udp") ? 17 :
				!strcmp(optarg, "icmp") ? 1 : 0;
			if (!proto)
				return usage("--proto takes tcp, udp or icmp");
			break;
		case 'P': {
			char *end;

			port = strtol(optarg, &end, 10);
			if (*end || port < 1 || port > 65535)
				return usage("--port takes 1 to 65535");
			break;
		}
		case 'e':
			etcd = optarg;
			break;
		case 'u':
			login.user = optarg;
			break;
		case 'w':
			if (cmon_secret_file(optarg, "--etcd-password-file",
					     password, sizeof(password)))
				return 2;
			login.password = password;
			break;
		case 'C':
		case 'c':
		case 'k':
			if (cmon_readable_file(optarg, c == 'C' ?
					       "--etcd-cacert" : c == 'c' ?
					       "--etcd-cert" : "--etcd-key"))
				return 2;
			*(c == 'C' ? &login.cacert : c == 'c' ? &login.cert :
			  &login.key) = optarg;
			break;
		case 'h':
			return usage(NULL);
		default:
			return 2;
		}
	}
	if (!strcmp(argv[1], "nodes")) {
		if (argc != optind || !etcd)
			return usage("nodes: give --etcd URL");
		return cmd_nodes(etcd);
	}
	if (argc - optind == 1 && !strcmp(argv[optind], "show")) {
		if (!etcd)
			return usage("rules show: give --etcd URL");
		return cmd_show(etcd);
	}
	if (argc - optind < 2)
		return usage("rules: give a command and a FILE");
	sub = argv[optind];
	file = argv[optind + 1];
	if (strcmp(sub, "check") && strcmp(sub, "compile") &&
	    strcmp(sub, "explain") && strcmp(sub, "apply"))
		return usage("rules: the commands are check, compile, explain, "
			     "apply, show");
	if (strcmp(sub, "explain") ? argc - optind != 2 : argc - optind != 4)
		return usage(strcmp(sub, "explain") ? "rules: one FILE" :
			     "rules explain: give FILE SRC DST");
	if (!strcmp(sub, "apply") && !etcd)
		return usage("rules apply: give --etcd URL");
	fdir = strdup(file);
	if (!fdir || asprintf(&rel, "%s/../templates", dirname(fdir)) < 0)
		rel = NULL;
	tdirs[ntd++] = rel;
	tdirs[ntd++] = CMON_TEMPLATE_DIR;
	r = cmon_rules_load(file, tdirs, &errs);
	if (!r) {
		print_errors(&errs);
		fprintf(stderr, "%s: %zu error(s), nothing compiled\n", file,
			errs.n);
		rc = 1;
	} else if (!strcmp(sub, "check")) {
		printf("%s: good: %zu rule(s), template %s, revision %s\n",
		       file, r->nrules, r->template, r->revision);
	} else if (!strcmp(sub, "compile") || !strcmp(sub, "apply")) {
		char *s = cmon_rules_compile(r), key[64], err[512];

		snprintf(key, sizeof(key), "%srules", CMON_ETCD_PREFIX);
		if (!s) {
			fprintf(stderr, "cmonctl: out of memory\n");
			rc = 1;
		} else if (!strcmp(sub, "compile")) {
			printf("%s\n", s);
		} else if (cmon_etcd_put(etcd, &login, key, s, err,
					 sizeof(err))) {
			fprintf(stderr, "cmonctl: %s\n", err);
			rc = 1;
		} else {
			printf("%s: revision %s published at %s%s (cmonctl "
			       "rules show --etcd %s: which nodes applied "
			       "it)\n", file, r->revision, etcd, key, etcd);
		}
		free(s);
	} else {
		struct ep src, dst;
		char why[8192];

		if (ep_parse(argv[optind + 2], &src) ||
		    ep_parse(argv[optind + 3], &dst)) {
			cmon_rules_free(r);
			free(fdir);
			free(rel);
			return usage("rules explain: SRC and DST are NAME, "
				     "ADDRESS or NAME@ADDRESS, then ,K=V");
		}
		if (cmon_rules_match(r, &src.info, &dst.info, proto,
				     (int)port, why, sizeof(why)) < 0)
			rc = 1;
		fputs(why, stdout);
	}
	cmon_rules_free(r);
	cmon_rules_errors_free(&errs);
	free(fdir);
	free(rel);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage("give a command");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return usage(NULL);
	if (!strcmp(argv[1], "rules") || !strcmp(argv[1], "nodes"))
		return cmd_rules(argc, argv);
	return usage("unknown command (rules, nodes)");
}
