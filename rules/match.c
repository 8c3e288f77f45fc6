// SPDX-License-Identifier: BSD-2-Clause
/*
 * Which rule applies to a pair (doc/rules.md, "Which rule applies"): of
 * the rules whose selectors all match, the most specific; among equally
 * specific ones, the first in the file.
 */
#include <arpa/inet.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rules-int.h"

static int label_match(const struct cmon_label *want,
		       const struct cmon_endpoint_info *ep)
{
	size_t i;

	for (i = 0; i < ep->nlabels; i++)
		if (!strcmp(ep->labels[i].key, want->key))
			return !want->value || (ep->labels[i].value &&
				!strcmp(ep->labels[i].value, want->value));
	return 0;
}

/* Does @ep match @s?  If not, @why says which list it failed. */
static int sel_match(const struct cmon_sel *s,
		     const struct cmon_endpoint_info *ep, const char **why)
{
	size_t i;

	if (s->nnames) {
		for (i = 0; i < s->nnames; i++)
			if (ep->name && !fnmatch(s->names[i], ep->name, 0))
				break;
		if (i == s->nnames) {
			*why = "containers";
			return 0;
		}
	}
	for (i = 0; i < s->nlabels; i++)
		if (!label_match(&s->labels[i], ep)) {
			*why = "labels";
			return 0;
		}
	if (s->nnetns) {
		for (i = 0; i < s->nnetns; i++)
			if (ep->netns && !strcmp(s->netns[i], ep->netns))
				break;
		if (i == s->nnetns) {
			*why = "netns";
			return 0;
		}
	}
	if (s->ncidrs) {
		for (i = 0; i < s->ncidrs; i++) {
			uint32_t m = s->cidrs[i].prefix ?
				     htonl(~0u << (32 - s->cidrs[i].prefix)) : 0;

			if ((ep->addr & m) == s->cidrs[i].addr)
				break;
		}
		if (i == s->ncidrs) {
			*why = "cidr";
			return 0;
		}
	}
	return 1;
}

static int rule_match(const struct cmon_rule *r,
		      const struct cmon_endpoint_info *src,
		      const struct cmon_endpoint_info *dst, uint8_t proto,
		      int dport, const char **why)
{
	uint8_t pb = proto == 6 ? CMON_PROTO_BIT_TCP :
		     proto == 17 ? CMON_PROTO_BIT_UDP :
		     proto == 1 ? CMON_PROTO_BIT_ICMP : 0;
	size_t i;

	if (r->has_from && !sel_match(&r->from, src, why))
		return 0;
	if (r->has_to && !sel_match(&r->to, dst, why))
		return 0;
	if (r->protos && proto && !(r->protos & pb)) {
		*why = "protocols";
		return 0;
	}
	if (r->nports && dport != CMON_ANY_PORT) {
		for (i = 0; i < r->nports; i++)
			if (dport >= r->ports[i].lo && dport <= r->ports[i].hi)
				break;
		if (i == r->nports) {
			*why = "ports";
			return 0;
		}
	}
	return 1;
}

int cmon_rules_match(const struct cmon_rules *rs,
		     const struct cmon_endpoint_info *src,
		     const struct cmon_endpoint_info *dst, uint8_t proto,
		     int dport, char *why, size_t whylen)
{
	int best = -1, also = 0;
	unsigned int bs = 0;
	size_t i, off = 0;

	for (i = 0; i < rs->nrules; i++) {
		const char *miss = NULL;
		unsigned int s = cmon_rule_specificity(&rs->rules[i]);
		int m = rule_match(&rs->rules[i], src, dst, proto, dport,
				   &miss);

		if (why && off < whylen)
			off += (size_t)snprintf(why + off, whylen - off,
				"%s%s (line %u, specificity %u): %s%s\n",
				"rule ", rs->rules[i].name,
				rs->rules[i].mark.line, s,
				m ? "matches" : "no match on ",
				m ? "" : miss);
		if (!m)
			continue;
		if (best < 0 || s > bs) {
			best = (int)i;
			bs = s;
			also = 0;
		} else if (s == bs) {
			also++;
		}
	}
	if (why && off < whylen) {
		if (best < 0)
			snprintf(why + off, whylen - off, "no rule matches: "
				 "the pair is watched as the agent's command "
				 "line says, with no alert\n");
		else
			snprintf(why + off, whylen - off, "applies: %s, %s%s\n",
				 rs->rules[best].name,
				 also ? "the first of the most specific" :
				 "the most specific",
				 rs->rules[best].ignore ? " (ignore: the pair "
				 "is not shown)" : "");
	}
	return best;
}

unsigned int cmon_rules_ports(const struct cmon_rules *r,
			      struct cmon_port_range **out)
{
	size_t i, n = 0;

	*out = NULL;
	for (i = 0; r && i < r->nrules; i++)
		n += r->rules[i].nports;
	if (!n || !(*out = malloc(n * sizeof(**out))))
		return 0;
	for (i = 0, n = 0; i < r->nrules; i++)
		if (r->rules[i].nports) {
			memcpy(*out + n, r->rules[i].ports,
			       r->rules[i].nports * sizeof(**out));
			n += r->rules[i].nports;
		}
	return (unsigned int)n;
}
