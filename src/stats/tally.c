/* tally.c - running summaries of an ensemble, and the summary made from them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "twincast/tally.h"

/* The station measures summarised by their moments, and where they come from in a sample. */
enum { W_WAITING, W_UTILISATION, W_THROUGHPUT, W_SETUP, W_BATCH, W_ONSET, W_COUNT };
static const int measure_of[W_COUNT] = {TC_M_MEAN_WAITING, TC_M_UTILISATION, TC_M_THROUGHPUT,
                                        TC_M_SETUP,        TC_M_MEAN_BATCH,  TC_M_ONSET};

struct tc_tally {
    int S, P;
    long R, cap;         /* replications added; room for onsets */
    double *onset;       /* [cap][S]: NaN where the bottleneck did not form */
    tc_moments *station; /* [S][W_COUNT] */
    tc_moments *product; /* [P][TC_P_COUNT] */
};

tc_tally *tc_tally_create(int S, int P)
{
    tc_tally *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->S = S;
    t->P = P;
    t->station = malloc(sizeof *t->station * (size_t)S * W_COUNT);
    t->product = malloc(sizeof *t->product * ((size_t)P * TC_P_COUNT + 1));
    if (!t->station || !t->product) {
        tc_tally_destroy(t);
        return NULL;
    }
    for (size_t i = 0; i < (size_t)S * W_COUNT; i++)
        tc_moments_init(&t->station[i]);
    for (size_t i = 0; i < (size_t)P * TC_P_COUNT; i++)
        tc_moments_init(&t->product[i]);
    return t;
}

void tc_tally_destroy(tc_tally *t)
{
    if (!t)
        return;
    free(t->onset);
    free(t->station);
    free(t->product);
    free(t);
}

long tc_tally_replications(const tc_tally *t)
{
    return t->R;
}

static const tc_moments *onset_moments(const tc_tally *t, int s)
{
    return &t->station[(size_t)s * W_COUNT + W_ONSET];
}

int tc_tally_precise(const tc_tally *t, double rel, double level, double *need)
{
    int ok = 1;
    for (int s = 0; s < t->S; s++) {
        const tc_moments *mo = onset_moments(t, s);
        if (mo->n < 2)
            continue;
        tc_interval ci = tc_t_interval(mo, level); /* the summary's interval, to the bit */
        double half = 0.5 * (ci.hi - ci.lo), want = rel * fabs(mo->mean);
        ok &= half <= want;
        if (want > 0 && half > want) {
            double n = (double)t->R * (half / want) * (half / want);
            *need = n > *need ? n : *need;
        }
    }
    return ok;
}

tc_status tc_tally_add(tc_tally *t, const tc_sample *rows)
{
    long n = rows->R, S = t->S;
    if (t->R + n > t->cap) {
        long cap = t->cap ? t->cap : 64;
        while (cap < t->R + n)
            cap *= 2;
        double *o = realloc(t->onset, sizeof(double) * (size_t)cap * (size_t)S);
        if (!o)
            return TC_ERR_RUNTIME;
        t->onset = o;
        t->cap = cap;
    }
    memcpy(t->onset + (size_t)t->R * (size_t)S, rows->m[TC_M_ONSET], sizeof(double) * (size_t)n * (size_t)S);
    /* each accumulator sees the replications in order: the same bits as one pass over all of them */
    for (long r = 0; r < n; r++) {
        for (long s = 0; s < S; s++)
            for (int w = 0; w < W_COUNT; w++)
                tc_moments_add(&t->station[s * W_COUNT + w], rows->m[measure_of[w]][r * S + s]);
        for (int p = 0; p < t->P; p++)
            for (int k = 0; k < TC_P_COUNT; k++)
                tc_moments_add(&t->product[p * TC_P_COUNT + k], rows->p[k][r * t->P + p]);
    }
    t->R += n;
    return TC_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void mean_ci(const tc_moments *mo, double level, double *mean, double *lo, double *hi)
{
    tc_interval ci = tc_t_interval(mo, level);
    *mean = mo->n ? mo->mean : NAN;
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

static void onset_stats(const tc_tally *t, const tc_tally *base, int s, double level, double *buf,
                        tc_station_summary *o)
{
    long R = t->R, n = 0;
    int S = t->S;
    const double *on = t->onset;
    for (long r = 0; r < R; r++)
        if (!isnan(on[r * S + s]))
            buf[n++] = on[r * S + s];
    o->n_formed = n;
    o->p_form = R ? (double)n / (double)R : NAN;
    tc_interval w = tc_wilson_interval(n, R, level);
    o->p_form_lo = w.lo;
    o->p_form_hi = w.hi;
    mean_ci(onset_moments(t, s), level, &o->onset_mean, &o->onset_lo, &o->onset_hi);
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
        const double *bo = base->onset;
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

static void station_stats(const tc_tally *t, tc_summary *sum)
{
    for (int s = 0; s < t->S; s++) {
        const tc_moments *mo = &t->station[(size_t)s * W_COUNT];
        tc_station_summary *o = &sum->station[s];
        tc_setup_batch_summary *b = &sum->setup_batch[s];
        mean_ci(&mo[W_WAITING], sum->level, &o->waiting_mean, &o->waiting_lo, &o->waiting_hi);
        mean_ci(&mo[W_UTILISATION], sum->level, &o->utilisation_mean, &o->utilisation_lo, &o->utilisation_hi);
        mean_ci(&mo[W_THROUGHPUT], sum->level, &o->throughput_mean, &o->throughput_lo, &o->throughput_hi);
        mean_ci(&mo[W_SETUP], sum->level, &b->setup_mean, &b->setup_lo, &b->setup_hi);
        mean_ci(&mo[W_BATCH], sum->level, &b->batch_mean, &b->batch_lo, &b->batch_hi);
    }
    for (int p = 0; p < t->P; p++) {
        const tc_moments *mo = &t->product[(size_t)p * TC_P_COUNT];
        tc_product_summary *o = &sum->product[p];
        mean_ci(&mo[TC_P_COMPLETED], sum->level, &o->completed_mean, &o->completed_lo, &o->completed_hi);
        mean_ci(&mo[TC_P_SCRAPPED], sum->level, &o->scrapped_mean, &o->scrapped_lo, &o->scrapped_hi);
        mean_ci(&mo[TC_P_REWORKS_PER_JOB], sum->level, &o->reworks_mean, &o->reworks_lo, &o->reworks_hi);
        mean_ci(&mo[TC_P_TIME_IN_SYSTEM], sum->level, &o->time_in_system_mean, &o->time_in_system_lo,
                &o->time_in_system_hi);
    }
}

static int band_stats(const tc_bands *bands, tc_summary *sum)
{
    size_t TS = (size_t)sum->T * (size_t)sum->S;
    sum->waiting_rank_error = sum->waiting_resolution = NAN;
    if (bands)
        return tc_bands_summarise(bands, tc_quantile_levels, TC_NQ, sum->waiting_quantiles,
                                  sum->bottleneck_probability, &sum->waiting_rank_error,
                                  &sum->waiting_resolution) == TC_OK
                   ? 0
                   : -1;
    for (size_t i = 0; i < TS; i++) {
        sum->bottleneck_probability[i] = NAN;
        for (int q = 0; q < TC_NQ; q++)
            sum->waiting_quantiles[i * TC_NQ + (size_t)q] = NAN;
    }
    return 0;
}

tc_summary *tc_tally_summarise(const tc_tally *t, const tc_tally *base, const tc_bands *bands, int T,
                               double level)
{
    int S = t->S;
    tc_summary *sum = calloc(1, sizeof *sum);
    double *buf = malloc(sizeof(double) * (size_t)(t->R ? t->R : 1));
    if (!sum || !buf)
        goto fail;
    sum->S = S;
    sum->T = T;
    sum->P = t->P;
    sum->level = level;
    sum->station = calloc((size_t)S, sizeof *sum->station);
    sum->setup_batch = calloc((size_t)S, sizeof *sum->setup_batch);
    sum->product = calloc((size_t)t->P + 1, sizeof *sum->product);
    sum->waiting_quantiles = malloc(sizeof(double) * (size_t)T * (size_t)S * TC_NQ);
    sum->bottleneck_probability = malloc(sizeof(double) * (size_t)T * (size_t)S);
    if (!sum->station || !sum->setup_batch || !sum->product || !sum->waiting_quantiles ||
        !sum->bottleneck_probability)
        goto fail;
    for (int s = 0; s < S; s++)
        onset_stats(t, base, s, level, buf, &sum->station[s]);
    station_stats(t, sum);
    if (band_stats(bands, sum) != 0)
        goto fail;
    free(buf);
    return sum;
fail:
    free(buf);
    tc_summary_destroy(sum);
    return NULL;
}
