/*
 * sample.h - the per-replication results of one scenario, in replication
 * order: plain arrays (and the per-bin bands, which are summaries of a
 * fixed size, not rows), shared by the ensemble runner that fills them, the
 * MPI layer that gathers them and the statistics that summarise them.
 */
#ifndef TWINCAST_SAMPLE_H
#define TWINCAST_SAMPLE_H

#include "twincast/bands.h"
#include "twincast/status.h"

/* The (replication, station) measures, in the order they are stored. */
enum {
    TC_M_ONSET,
    TC_M_MEAN_WAITING,
    TC_M_MAX_WAITING,
    TC_M_UTILISATION,
    TC_M_THROUGHPUT,
    TC_M_BLOCKED,
    TC_M_STARVED,
    TC_M_AVAILABILITY,
    TC_M_BOTTLENECK_SHARE,
    TC_M_SETUP,
    TC_M_MEAN_BATCH,
    TC_M_PLANNED_DOWN,
    TC_M_COUNT
};
/* The (replication, product) measures; a product is a source. */
enum { TC_P_COMPLETED, TC_P_SCRAPPED, TC_P_REWORKS_PER_JOB, TC_P_TIME_IN_SYSTEM, TC_P_COUNT };

typedef struct tc_sample {
    long R, cap; /* replications held, room for */
    int S, T, P;
    double *m[TC_M_COUNT]; /* each [R * S] */
    tc_bands *bands;       /* the per-bin bands of the replications added, [T][S] */
    double *p[TC_P_COUNT]; /* each [R * P]; P = 0: not recorded (files from before products) */
} tc_sample;

const char *tc_sample_measure_name(int k);
const char *tc_sample_product_measure_name(int k);
tc_sample *tc_sample_create(long cap, int S, int T, int P);
/* The bytes of one replication's rows (every measure of S stations and P products). */
double tc_sample_row_bytes(int S, int P);
/* Makes room for `cap` replications, keeping those held. */
tc_status tc_sample_reserve(tc_sample *s, long cap);
/*
 * Swaps the per-replication rows of two samples of one shape (S and P), not
 * their bands: a round's rows handed to a writer without copying them.
 * TC_ERR_INPUT, and nothing swapped, if the shapes differ.
 */
tc_status tc_sample_swap_rows(tc_sample *a, tc_sample *b);
void tc_sample_destroy(tc_sample *s);

#endif
