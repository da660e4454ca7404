/*
 * tally.h - the running summaries of one scenario's ensemble, fed with
 * replications in replication order, a round at a time: exact moments of
 * every per-replication measure (Welford, in replication order, so the
 * result is the very same as summarising all rows at once), and every
 * onset time, which the order statistics and the paired differences need
 * (R x S doubles: 40 MB for 10^6 replications of 5 stations).  Nothing
 * else grows with the replications; the per-bin bands are kept apart
 * (bands.h) and given when summarising.  Knows nothing of the engine.
 */
#ifndef TWINCAST_TALLY_H
#define TWINCAST_TALLY_H

#include "twincast/bands.h"
#include "twincast/sample.h"
#include "twincast/stats.h"
#include "twincast/summary.h"

typedef struct tc_tally tc_tally;

tc_tally *tc_tally_create(int S, int P);
void tc_tally_destroy(tc_tally *t);
/* Rows [0, rows->R) of `rows` are the next replications. */
tc_status tc_tally_add(tc_tally *t, const tc_sample *rows);
long tc_tally_replications(const tc_tally *t);
/*
 * --precision: whether every station that formed at least twice has an
 * onset-mean interval (at `level`) whose half-width is within rel of its
 * mean; *need grows to the replications that would make the widest so
 * (the half-width shrinking as 1/sqrt(n)).  From the running moments alone.
 */
int tc_tally_precise(const tc_tally *t, double rel, double level, double *need);
/*
 * The summary (summary.h) of what was added, with paired differences to
 * baseline's onsets (or NULL) and the bands (or NULL: NaN bands) over T
 * bins.  NULL when memory runs out.
 */
tc_summary *tc_tally_summarise(const tc_tally *t, const tc_tally *baseline, const tc_bands *bands, int T,
                               double level);

#endif
