/* summary.c - statistics of an ensemble, per station and per time bin. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "twincast/stats.h"
#include "twincast/summary.h"

const double tc_quantile_levels[TC_NQ] = {0.05, 0.25, 0.5, 0.75, 0.95};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Mean and interval of one (replication, station) measure. */
static void mean_ci(const double *m, long R, int S, int s, double level, double *mean, double *lo, double *hi)
{
    tc_moments mo;
    tc_moments_init(&mo);
    for (long r = 0; r < R; r++)
        tc_moments_add(&mo, m[r * S + s]);
    tc_interval ci = tc_t_interval(&mo, level);
    *mean = mo.n ? mo.mean : NAN;
    *lo = ci.lo;
    *hi = ci.hi;
}

/*
 * Distribution-free interval for the median of n sorted values: the order
 * statistics x(j+1) and x(n-j), with the largest j such that
 * 2 P(Binomial(n, 1/2) <= j) <= 1 - level.
 */
static void median_interval(const double *x, long n, double level, double *lo, double *hi)
{
    *lo = *hi = NAN;
    long j = -1;
    for (long k = 0; k < n / 2; k++) {
        if (2 * gsl_cdf_binomial_P((unsigned)k, 0.5, (unsigned)n) > 1 - level)
            break;
        j = k;
    }
    if (j >= 0) {
        *lo = x[j];
        *hi = x[n - 1 - j];
    }
}

static void onset_stats(const tc_sample *smp, const tc_sample *base, int s, double level, double *buf,
                        tc_station_summary *o)
{
    long R = smp->R, n = 0;
    int S = smp->S;
    const double *on = smp->m[TC_M_ONSET];
    tc_moments mo;
    tc_moments_init(&mo);
    for (long r = 0; r < R; r++) {
        double x = on[r * S + s];
        if (!isnan(x)) {
            buf[n++] = x;
            tc_moments_add(&mo, x);
        }
    }
    o->n_formed = n;
    o->p_form = R ? (double)n / (double)R : NAN;
    tc_interval w = tc_wilson_interval(n, R, level);
    o->p_form_lo = w.lo;
    o->p_form_hi = w.hi;
    tc_interval ci = tc_t_interval(&mo, level);
    o->onset_mean = n ? mo.mean : NAN;
    o->onset_lo = ci.lo;
    o->onset_hi = ci.hi;
    qsort(buf, (size_t)n, sizeof *buf, cmp_double);
    o->onset_q05 = tc_quantile_sorted(buf, (size_t)n, 0.05);
    o->onset_q50 = tc_quantile_sorted(buf, (size_t)n, 0.50);
    o->onset_q95 = tc_quantile_sorted(buf, (size_t)n, 0.95);
    median_interval(buf, n, level, &o->onset_q50_lo, &o->onset_q50_hi);
    /* unconditional median: futures where it never forms count as "later than any" */
    o->onset_median = NAN;
    if (R && 2 * n >= R + 1) {
        for (long k = n; k < R; k++)
            buf[k] = INFINITY;
        double med = tc_quantile_sorted(buf, (size_t)R, 0.5);
        o->onset_median = isfinite(med) ? med : NAN;
    }
    /* paired with the baseline: same replication index = same random numbers */
    o->diff_onset_mean = o->diff_lo = o->diff_hi = NAN;
    o->n_pairs = 0;
    if (base) {
        tc_moments d;
        tc_moments_init(&d);
        const double *bo = base->m[TC_M_ONSET];
        long RR = R < base->R ? R : base->R;
        for (long r = 0; r < RR; r++)
            if (!isnan(on[r * S + s]) && !isnan(bo[r * S + s]))
                tc_moments_add(&d, on[r * S + s] - bo[r * S + s]);
        tc_interval dc = tc_t_interval(&d, level);
        o->n_pairs = d.n;
        o->diff_onset_mean = d.n ? d.mean : NAN;
        o->diff_lo = dc.lo;
        o->diff_hi = dc.hi;
    }
}

tc_summary *tc_summary_compute(const tc_sample *smp, const tc_sample *base, double level)
{
    int S = smp->S, T = smp->T;
    tc_summary *sum = calloc(1, sizeof *sum);
    double *buf = malloc(sizeof(double) * (size_t)(smp->R ? smp->R : 1));
    if (!sum || !buf)
        goto fail;
    sum->S = S;
    sum->T = T;
    sum->level = level;
    sum->station = calloc((size_t)S, sizeof *sum->station);
    sum->waiting_quantiles = malloc(sizeof(double) * (size_t)T * (size_t)S * TC_NQ);
    sum->bottleneck_probability = malloc(sizeof(double) * (size_t)T * (size_t)S);
    if (!sum->station || !sum->waiting_quantiles || !sum->bottleneck_probability)
        goto fail;
    for (int s = 0; s < S; s++) {
        tc_station_summary *o = &sum->station[s];
        onset_stats(smp, base, s, level, buf, o);
        mean_ci(smp->m[TC_M_MEAN_WAITING], smp->R, S, s, level, &o->waiting_mean, &o->waiting_lo,
                &o->waiting_hi);
        mean_ci(smp->m[TC_M_UTILISATION], smp->R, S, s, level, &o->utilisation_mean, &o->utilisation_lo,
                &o->utilisation_hi);
        mean_ci(smp->m[TC_M_THROUGHPUT], smp->R, S, s, level, &o->throughput_mean, &o->throughput_lo,
                &o->throughput_hi);
    }
    if (!(sum->setup_batch = calloc((size_t)S, sizeof *sum->setup_batch)))
        goto fail;
    for (int s = 0; s < S; s++) {
        tc_setup_batch_summary *o = &sum->setup_batch[s];
        mean_ci(smp->m[TC_M_SETUP], smp->R, S, s, level, &o->setup_mean, &o->setup_lo, &o->setup_hi);
        mean_ci(smp->m[TC_M_MEAN_BATCH], smp->R, S, s, level, &o->batch_mean, &o->batch_lo, &o->batch_hi);
    }
    sum->P = smp->P;
    if (!(sum->product = calloc((size_t)smp->P + 1, sizeof *sum->product)))
        goto fail;
    for (int p = 0; p < smp->P; p++) {
        tc_product_summary *o = &sum->product[p];
        mean_ci(smp->p[TC_P_COMPLETED], smp->R, smp->P, p, level, &o->completed_mean, &o->completed_lo,
                &o->completed_hi);
        mean_ci(smp->p[TC_P_SCRAPPED], smp->R, smp->P, p, level, &o->scrapped_mean, &o->scrapped_lo,
                &o->scrapped_hi);
        mean_ci(smp->p[TC_P_REWORKS_PER_JOB], smp->R, smp->P, p, level, &o->reworks_mean, &o->reworks_lo,
                &o->reworks_hi);
        mean_ci(smp->p[TC_P_TIME_IN_SYSTEM], smp->R, smp->P, p, level, &o->time_in_system_mean,
                &o->time_in_system_lo, &o->time_in_system_hi);
    }
    sum->waiting_rank_error = NAN;
    if (!smp->bands) {
        for (size_t i = 0; i < (size_t)T * (size_t)S; i++) {
            sum->bottleneck_probability[i] = NAN;
            for (int q = 0; q < TC_NQ; q++)
                sum->waiting_quantiles[i * TC_NQ + (size_t)q] = NAN;
        }
    } else if (tc_bands_summarise(smp->bands, tc_quantile_levels, TC_NQ, sum->waiting_quantiles,
                                  sum->bottleneck_probability, &sum->waiting_rank_error) != TC_OK) {
        goto fail;
    }
    free(buf);
    return sum;
fail:
    free(buf);
    tc_summary_destroy(sum);
    return NULL;
}

void tc_summary_destroy(tc_summary *sum)
{
    if (!sum)
        return;
    free(sum->station);
    free(sum->product);
    free(sum->setup_batch);
    free(sum->waiting_quantiles);
    free(sum->bottleneck_probability);
    free(sum);
}

int tc_summary_precise(const tc_summary *sum, double rel)
{
    for (int s = 0; s < sum->S; s++) {
        const tc_station_summary *o = &sum->station[s];
        if (o->n_formed < 2)
            continue;
        double half = 0.5 * (o->onset_hi - o->onset_lo);
        if (!(half <= rel * fabs(o->onset_mean)))
            return 0;
    }
    return 1;
}
