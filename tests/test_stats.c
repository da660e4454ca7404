/*
 * test_stats - intervals and quantiles against textbook values, the
 * selection-based quantiles against a full sort, and the coverage of the
 * intervals the forecaster reports, measured on data with a known truth.
 */
#include <string.h>

#include "tc_test.h"
#include "twincast/summary.h"

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void test_textbook_values(void **s)
{
    (void)s;
    /* Wilson score interval for 5/10 at 95%: 0.2366 .. 0.7634 */
    tc_interval w = tc_wilson_interval(5, 10, 0.95);
    assert_close(w.lo, 0.2366, 1e-4);
    assert_close(w.hi, 0.7634, 1e-4);
    w = tc_wilson_interval(0, 20, 0.95);
    assert_close(w.lo, 0, 0);
    assert_close(w.hi, 0.1611, 1e-4);
    /* t interval: n = 2, values 0 and 2: mean 1, s = sqrt 2, t(0.975, 1) = 12.706 */
    tc_moments m;
    tc_moments_init(&m);
    tc_moments_add(&m, 0);
    tc_moments_add(&m, 2);
    tc_moments_add(&m, NAN); /* skipped */
    assert_int_equal(m.n, 2);
    assert_close(tc_t_halfwidth(&m, 0.95), 12.7062 * sqrt(2.0) / sqrt(2.0), 1e-3);
    double x[] = {1, 2, 3, 4};
    assert_close(tc_quantile_sorted(x, 4, 0.5), 2.5, 1e-15);
    assert_close(tc_quantile_sorted(x, 4, 0.05), 1.15, 1e-12);
}

static void test_select_matches_sort(void **s)
{
    (void)s;
    tc_rng r;
    tc_rng_init(&r, 3, 0, 0, 0);
    const double p[] = {0.05, 0.25, 0.5, 0.5, 0.75, 0.95, 1.0};
    for (int trial = 0; trial < 200; trial++) {
        size_t n = 1 + (size_t)(tc_rng_uniform(&r) * 300);
        double a[300], b[300], got[7];
        for (size_t i = 0; i < n; i++)
            a[i] = b[i] = floor(tc_rng_uniform(&r) * (trial % 2 ? 5 : 1e6)); /* with and without ties */
        qsort(b, n, sizeof *b, cmp);
        tc_quantiles_select(a, n, p, 7, got);
        for (int q = 0; q < 7; q++)
            assert_close(got[q], tc_quantile_sorted(b, n, p[q]), 1e-9);
    }
}

/* Builds a sample whose onset column is given; the rest is zero. */
static tc_sample *sample_of(const double *onset, long R)
{
    tc_sample *smp = tc_sample_create(R, 1, 1, 0);
    smp->R = R;
    for (int k = 0; k < TC_M_COUNT; k++)
        memset(smp->m[k], 0, sizeof(double) * (size_t)R);
    memcpy(smp->m[TC_M_ONSET], onset, sizeof(double) * (size_t)R);
    return smp;
}

static void test_summary_by_hand(void **s)
{
    (void)s;
    double on[] = {10, NAN, 30, 20, NAN, 40}, sc[] = {12, 5, NAN, 21, NAN, 43};
    tc_sample *a = sample_of(on, 6), *b = sample_of(sc, 6);
    tc_summary *sa = tc_summary_compute(a, NULL, 0.95), *sb = tc_summary_compute(b, a, 0.95);
    const tc_station_summary *o = &sa->station[0];
    assert_int_equal(o->n_formed, 4);
    assert_close(o->p_form, 4.0 / 6, 1e-15);
    assert_close(o->onset_mean, 25, 1e-12);
    assert_close(o->onset_q50, 25, 1e-12);
    assert_close(o->onset_median, 35, 1e-12); /* 10 20 30 40 inf inf: halfway between 30 and 40 */
    assert_true(isnan(o->diff_onset_mean));
    /* pairs where both formed: (12-10), (21-20), (43-40) */
    assert_int_equal(sb->station[0].n_pairs, 3);
    assert_close(sb->station[0].diff_onset_mean, 2, 1e-12);
    /* p < 1/2: no unconditional median */
    double few[] = {1, NAN, NAN};
    tc_sample *c = sample_of(few, 3);
    tc_summary *sc2 = tc_summary_compute(c, NULL, 0.95);
    assert_true(isnan(sc2->station[0].onset_median));
    tc_summary_destroy(sa);
    tc_summary_destroy(sb);
    tc_summary_destroy(sc2);
    tc_sample_destroy(a);
    tc_sample_destroy(b);
    tc_sample_destroy(c);
}

/* The median interval for n = 100 is X(40) .. X(61) (1-based), a textbook value. */
static void test_median_interval_ranks(void **s)
{
    (void)s;
    double on[100];
    for (int i = 0; i < 100; i++)
        on[i] = 99 - i; /* unsorted on purpose */
    tc_sample *a = sample_of(on, 100);
    tc_summary *sa = tc_summary_compute(a, NULL, 0.95);
    assert_close(sa->station[0].onset_q50_lo, 39, 0);
    assert_close(sa->station[0].onset_q50_hi, 60, 0);
    tc_summary_destroy(sa);
    tc_sample_destroy(a);
}

/*
 * Coverage, measured: 2000 samples of 40 from known distributions.  The
 * t interval of a normal mean and the order-statistic interval of an
 * exponential median must cover the truth in about 95% of them: the count
 * must lie in the 99.9% binomial range around 0.95 (or above, for the
 * conservative order-statistic interval).
 */
static void test_coverage(void **s)
{
    (void)s;
    const int trials = 2000, n = 40;
    tc_rng r;
    tc_rng_init(&r, 11, 0, 0, 0);
    tc_dist norm = {.type = TC_DIST_NORMAL, .p = {50, 5}}, ex = {.type = TC_DIST_EXPONENTIAL, .p = {10}};
    char err[64];
    tc_dist_prepare(&norm, err, sizeof err);
    tc_dist_prepare(&ex, err, sizeof err);
    int cover_mean = 0, cover_median = 0;
    double on[40];
    for (int t = 0; t < trials; t++) {
        for (int i = 0; i < n; i++)
            on[i] = tc_dist_sample(&norm, &r);
        tc_sample *a = sample_of(on, n);
        tc_summary *sa = tc_summary_compute(a, NULL, 0.95);
        cover_mean += sa->station[0].onset_lo <= 50 && 50 <= sa->station[0].onset_hi;
        tc_summary_destroy(sa);
        tc_sample_destroy(a);
        for (int i = 0; i < n; i++)
            on[i] = tc_dist_sample(&ex, &r);
        a = sample_of(on, n);
        sa = tc_summary_compute(a, NULL, 0.95);
        double median = 10 * log(2.0);
        cover_median += sa->station[0].onset_q50_lo <= median && median <= sa->station[0].onset_q50_hi;
        tc_summary_destroy(sa);
        tc_sample_destroy(a);
    }
    double half = 3.29 * sqrt(0.95 * 0.05 / trials);
    fprintf(stderr, "  coverage: t interval %.4f, median interval %.4f (expect 0.95 +- %.4f)\n",
            (double)cover_mean / trials, (double)cover_median / trials, half);
    assert_true(fabs((double)cover_mean / trials - 0.95) <= half);
    assert_true((double)cover_median / trials >= 0.95 - half);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_textbook_values), cmocka_unit_test(test_select_matches_sort),
        cmocka_unit_test(test_summary_by_hand), cmocka_unit_test(test_median_interval_ranks),
        cmocka_unit_test(test_coverage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
