// SPDX-License-Identifier: BSD-2-Clause
/* Clock offset estimation between nodes: see clock.h. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include "clock.h"

static double seconds(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

double cmon_time_mono(void)
{
	return seconds(CLOCK_MONOTONIC);
}

double cmon_time_wall(void)
{
	return seconds(CLOCK_REALTIME);
}

void cmon_owd_reset(struct cmon_owd *w)
{
	memset(w, 0, sizeof(*w));
}

void cmon_owd_add(struct cmon_owd *w, int64_t ns)
{
	unsigned int i;

	w->count++;
	if (w->n == CMON_OWD_KEEP && ns >= w->low[w->n - 1])
		return;
	if (w->n < CMON_OWD_KEEP)
		w->n++;
	/* insertion into the ascending list, dropping the largest */
	for (i = w->n - 1; i > 0 && w->low[i - 1] > ns; i--)
		w->low[i] = w->low[i - 1];
	w->low[i] = ns;
}

int cmon_owd_low(const struct cmon_owd *w, int64_t *ns)
{
	*ns = 0;
	if (w->count < CMON_OWD_MIN_SAMPLES || w->n <= CMON_OWD_RANK)
		return -EAGAIN;
	*ns = w->low[CMON_OWD_RANK];
	return 0;
}

int cmon_clock_estimate(const struct cmon_owd *ab, const struct cmon_owd *ba,
			int64_t *offset, int64_t *bound)
{
	int64_t dab, dba;

	*offset = *bound = 0;
	if (cmon_owd_low(ab, &dab) || cmon_owd_low(ba, &dba))
		return -EAGAIN;
	cmon_clock_offset(dab, dba, offset, bound);
	return 0;
}

void cmon_clock_offset(int64_t ab_low, int64_t ba_low, int64_t *offset,
		       int64_t *bound)
{
	*offset = (ab_low - ba_low) / 2;
	*bound = (ab_low + ba_low) / 2;
	if (*bound < 0)
		*bound = -*bound;	/* inconsistent input: say how bad */
}

double cmon_stamp_wall(uint64_t ns, int tai, int64_t offset)
{
	struct timespec s, w;
	int64_t now;

	clock_gettime(tai ? CLOCK_TAI : CLOCK_MONOTONIC, &s);
	clock_gettime(CLOCK_REALTIME, &w);
	now = (int64_t)s.tv_sec * 1000000000 + s.tv_nsec + offset;
	return w.tv_sec + w.tv_nsec / 1e9 - (now - (int64_t)ns) / 1e9;
}
