// SPDX-License-Identifier: BSD-2-Clause
/* Peers' figures into this node's engine: see merge.h. */
#include "clock.h"
#include "merge.h"

unsigned int cmon_merge_clocks(struct cmon_agg *agg,
			       const struct cmon_peer_link *pl, unsigned int np,
			       int trusted, struct cmon_clock_info *out,
			       unsigned int max)
{
	unsigned int i, j, n = 0;
	const struct cmon_link *l, *m;
	int64_t ab, ba = 0;

	for (i = 0; i < cmon_agg_nlinks(agg) && n < max; i++) {
		struct cmon_clock_info *c = &out[n++];
		int have = 0;

		l = cmon_agg_link(agg, i);
		*c = (struct cmon_clock_info){ l->from_node, l->to_node };
		if (!cmon_owd_low(&l->owd, &ab)) {
			/* the other direction: measured here, or by a peer */
			for (j = 0; j < cmon_agg_nlinks(agg) && !have; j++) {
				m = cmon_agg_link(agg, j);
				have = m->from_node == l->to_node &&
				       m->to_node == l->from_node &&
				       !cmon_owd_low(&m->owd, &ba);
			}
			for (j = 0; j < np && !have; j++) {
				have = pl[j].from == l->to_node &&
				       pl[j].to == l->from_node;
				ba = pl[j].low;
			}
		}
		if (have) {
			cmon_clock_offset(ab, ba, &c->offset, &c->bound);
			c->estimated = 1;
			if (!trusted)
				cmon_agg_set_offset(agg, c->a, c->b, c->offset);
		}
		c->trusted = trusted;
		c->applied = trusted || c->estimated;
	}
	return n;
}

unsigned int cmon_merge_counters(struct cmon_agg *agg,
				 const struct cmon_hop_counter *hc,
				 unsigned int n, unsigned int self,
				 const struct cmon_names *names)
{
	unsigned int i, taken = 0;

	for (i = 0; i < n; i++)
		if (hc[i].node != self &&
		    (hc[i].tp == CMON_TP_VETH_IN ||
		     hc[i].tp == CMON_TP_OVL_OUT) &&
		    names && names->ip && names->ip(names->ctx,
						    hc[i].flow.daddr)) {
			cmon_agg_hop_count(agg, &hc[i]);
			taken++;
		}
	return taken;
}
