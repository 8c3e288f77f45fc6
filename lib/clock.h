/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Clock offset between two nodes from traffic in both directions (the
 * RTT/2 method cMonitor proposes).  A one-way delay measured across nodes
 * is the true delay plus the receiver's clock offset: d_ab = t_ab + o,
 * d_ba = t_ba - o.  With low quantiles of each direction,
 *
 *	o ~= (d_ab - d_ba) / 2,  |error| <= (d_ab + d_ba) / 2
 *
 * (the bound holds whatever the asymmetry, as true delays are >= 0).  The
 * few smallest samples are kept per direction; the estimate uses the
 * third smallest so that up to two bogus low samples cannot move it.
 * Also the binaries' clock readings, in seconds.
 */
#ifndef CMON_CLOCK_H
#define CMON_CLOCK_H

#include <stdint.h>

/* Seconds on CLOCK_MONOTONIC (intervals) and CLOCK_REALTIME (reports). */
double cmon_time_mono(void);
double cmon_time_wall(void);
/*
 * Wall-clock seconds of @ns, a time of the stamps' clock (CLOCK_TAI when
 * @tai, else CLOCK_MONOTONIC, plus @offset ns as --clock-offset-ns adds).
 */
double cmon_stamp_wall(uint64_t ns, int tai, int64_t offset);

#define CMON_OWD_KEEP		16	/* smallest samples kept */
#define CMON_OWD_RANK		2	/* use the (RANK+1)-th smallest */
#define CMON_OWD_MIN_SAMPLES	8	/* below this: no estimate */

/* One-way delays (signed ns) of one direction between two nodes. */
struct cmon_owd {
	uint64_t count;
	unsigned int n;
	int64_t low[CMON_OWD_KEEP];	/* ascending */
};

void cmon_owd_reset(struct cmon_owd *w);
void cmon_owd_add(struct cmon_owd *w, int64_t ns);
/* The robust low quantile, or 0 with -EAGAIN when too few samples. */
int cmon_owd_low(const struct cmon_owd *w, int64_t *ns);

/*
 * Offset of node B's clock relative to node A's (B - A) and its error
 * bound, from delays A->B (@ab, stamped by A, received by B) and B->A
 * (@ba).  Returns 0, or -EAGAIN until both directions have enough
 * samples: cross-node latencies are then unknown, never guessed.
 */
int cmon_clock_estimate(const struct cmon_owd *ab, const struct cmon_owd *ba,
			int64_t *offset, int64_t *bound);
/* The same from the two directions' low delays (ns), however obtained. */
void cmon_clock_offset(int64_t ab_low, int64_t ba_low, int64_t *offset,
		       int64_t *bound);

#endif /* CMON_CLOCK_H */
