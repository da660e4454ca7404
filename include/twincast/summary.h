/*
 * summary.h - what an ensemble says about each station: the probability
 * that its bottleneck forms within the horizon (Wilson interval), the
 * onset time among the futures where it forms (Student-t interval for the
 * mean, quantiles with an order-statistic interval for the median, and a
 * 90% prediction band kept apart from those error intervals), paired
 * differences to the baseline, and per-bin bands of the waiting count
 * (from the sample's mergeable histograms: bands.h).
 * Works on samples only: it knows nothing of the engine.
 */
#ifndef TWINCAST_SUMMARY_H
#define TWINCAST_SUMMARY_H

#include "twincast/sample.h"

#define TC_NQ 5
extern const double tc_quantile_levels[TC_NQ]; /* 0.05 0.25 0.5 0.75 0.95 */

typedef struct tc_station_summary {
    double p_form, p_form_lo, p_form_hi;      /* Wilson interval */
    double onset_mean, onset_lo, onset_hi;    /* among formed; Student-t interval */
    double onset_q05, onset_q50, onset_q95;   /* among formed; q05..q95 = 90% prediction band */
    double onset_q50_lo, onset_q50_hi;        /* order-statistic interval of the median */
    double onset_median;                      /* unconditional; NaN unless p_form >= 0.5 */
    double diff_onset_mean, diff_lo, diff_hi; /* scenario - baseline, paired; NaN for the baseline */
    double waiting_mean, waiting_lo, waiting_hi;
    double utilisation_mean, utilisation_lo, utilisation_hi;
    double throughput_mean, throughput_lo, throughput_hi;
    long n_formed, n_pairs;
} tc_station_summary;

/* Per station: the changeover share of available time and the jobs per batch (NaN where it has none). */
typedef struct tc_setup_batch_summary {
    double setup_mean, setup_lo, setup_hi; /* Student-t intervals over replications */
    double batch_mean, batch_lo, batch_hi;
} tc_setup_batch_summary;

/* Per product (source): jobs completed and scrapped, rework passes per job, time in system. */
typedef struct tc_product_summary {
    double completed_mean, completed_lo, completed_hi; /* Student-t intervals over replications */
    double scrapped_mean, scrapped_lo, scrapped_hi;
    double reworks_mean, reworks_lo, reworks_hi;
    double time_in_system_mean, time_in_system_lo, time_in_system_hi;
} tc_product_summary;

typedef struct tc_summary {
    int S, T, P;
    double level;                        /* of every interval, e.g. 0.95 */
    tc_station_summary *station;         /* [S] */
    tc_product_summary *product;         /* [P] */
    tc_setup_batch_summary *setup_batch; /* [S] */
    double *waiting_quantiles;           /* [T][S][TC_NQ] */
    double *bottleneck_probability;      /* [T][S] */
    double waiting_rank_error;           /* the bands' bound on the quantiles' rank error (bands.h) */
    double waiting_resolution;           /* and the relative width of their coarsest cell */
} tc_summary;

/* baseline: the baseline sample for paired differences, or NULL. */
tc_summary *tc_summary_compute(const tc_sample *s, const tc_sample *baseline, double level);
void tc_summary_destroy(tc_summary *sum);

#endif
