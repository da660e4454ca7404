/*
 * stats.h - the statistics of an ensemble: moments, confidence intervals
 * and quantiles.  Knows nothing of the engine: it works on plain numbers.
 * Summation is in the caller's order, so the same replications in the same
 * order give bit-identical results.
 */
#ifndef TWINCAST_STATS_H
#define TWINCAST_STATS_H

#include <stddef.h>

typedef struct tc_moments {
    long n;
    double mean;
    double m2; /* sum of squared deviations (Welford) */
} tc_moments;

typedef struct tc_interval {
    double lo, hi;
} tc_interval;

void tc_moments_init(tc_moments *m);
void tc_moments_add(tc_moments *m, double x);    /* NaN is skipped */
double tc_moments_variance(const tc_moments *m); /* sample variance, NaN if n < 2 */

/* Half-width of the Student-t interval for the mean at `level` (e.g. 0.95). */
double tc_t_halfwidth(const tc_moments *m, double level);
tc_interval tc_t_interval(const tc_moments *m, double level);
/* Wilson score interval for a proportion k/n. */
tc_interval tc_wilson_interval(long k, long n, double level);
/* Linear-interpolation quantile (type 7) of sorted data. */
double tc_quantile_sorted(const double *x, size_t n, double p);
/*
 * The same quantiles for np ascending levels p, without a full sort: x is
 * reordered in place (selection), in O(n) per level.  x holds no NaN.
 */
void tc_quantiles_select(double *x, size_t n, const double *p, int np, double *out);

#endif
