/*
 * test_select - the KN selection against a configuration whose truth is
 * known: the slippage configuration (the best delta below k - 1 equal
 * rivals), constant plus normal noise, with a common component as common
 * random numbers give.  Over 200 independent runs the best is chosen in at
 * least 0.93 of them (nominal 0.95), the MCB interval for the chosen best
 * covers the true difference as often, and KN uses fewer observations on
 * average than Rinott's two-stage procedure would for the same guarantee.
 * Rinott's h is checked against a Monte Carlo estimate of its defining
 * probability, within a computed interval.
 */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "tc_test.h"
#include "twincast/select.h"

enum { K = 5, N0 = 20, RUNS = 200 };
static const double DELTA = 0.5, CONF = 0.95;

static void test_arguments(void **s)
{
    (void)s;
    assert_null(tc_kn_create(1, N0, DELTA, CONF, 100));
    assert_null(tc_kn_create(K, 1, DELTA, CONF, 100));
    assert_null(tc_kn_create(K, N0, 0, CONF, 100));
    assert_null(tc_kn_create(K, N0, DELTA, 0.5, 100));
    assert_null(tc_kn_create(K, N0, DELTA, 1, 100));
    assert_null(tc_kn_create(K, N0, DELTA, CONF, N0 - 1));
    assert_true(isnan(tc_rinott_h(1, N0, CONF)));
}

/* P(all k-1 rivals' Z_i <= h / sqrt(nu (1/X_i + 1/Y))) with X_i, Y chi-square(nu): Rinott's equation. */
static void test_rinott_h(void **s)
{
    (void)s;
    double h = tc_rinott_h(K, N0, CONF);
    assert_true(h > 2 && h < 5);
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 11);
    const int n = 200000;
    double nu = N0 - 1;
    long hits = 0;
    for (int j = 0; j < n; j++) {
        double y = gsl_ran_chisq(g, nu);
        int all = 1;
        for (int i = 1; i < K; i++) {
            double x = gsl_ran_chisq(g, nu), z = gsl_ran_ugaussian(g);
            all &= z <= h / sqrt(nu * (1 / x + 1 / y));
        }
        hits += all;
    }
    double p = (double)hits / n, se = sqrt(CONF * (1 - CONF) / n);
    printf("     Rinott h(k=%d, n0=%d, %.2f) = %.4f; Monte Carlo P = %.4f (+-%.4f)\n", K, N0, CONF, h, p,
           4 * se);
    assert_true(fabs(p - CONF) < 4 * se);
    gsl_rng_free(g);
}

static void test_slippage(void **s)
{
    (void)s;
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    int correct = 0, covered = 0;
    double kn_obs = 0, rinott_obs = 0, h = tc_rinott_h(K, N0, CONF);
    for (int run = 0; run < RUNS; run++) {
        gsl_rng_set(g, 1000 + (unsigned long)run);
        tc_kn *kn = tc_kn_create(K, N0, DELTA, CONF, 100000);
        assert_non_null(kn);
        double x[K];
        while (!tc_kn_done(kn)) {
            double common = gsl_ran_gaussian(g, 1.0); /* what common random numbers share */
            for (int i = 0; i < K; i++)
                x[i] = (i == 2 ? 0 : DELTA) + common + gsl_ran_gaussian(g, 1.0);
            tc_kn_add(kn, x);
        }
        int guaranteed = 0, best = tc_kn_selected(kn, &guaranteed);
        assert_true(guaranteed);
        correct += best == 2;
        double lo, hi;
        tc_kn_mcb(kn, 2, &lo, &hi); /* the truth: theta_2 - min of the others = -delta */
        covered += lo <= -DELTA && -DELTA <= hi;
        for (int i = 0; i < K; i++) {
            kn_obs += (double)tc_kn_count(kn, i);
            rinott_obs += fmax(N0, ceil(h * h * tc_kn_first_variance(kn, i) / (DELTA * DELTA)));
        }
        tc_kn_destroy(kn);
    }
    printf("     slippage, k=%d, delta %.1f, %d runs: correct %d, MCB covers %d; observations per run: KN "
           "%.0f, Rinott %.0f\n",
           K, DELTA, RUNS, correct, covered, kn_obs / RUNS, rinott_obs / RUNS);
    assert_true(correct >= 0.93 * RUNS);
    assert_true(covered >= 0.93 * RUNS);
    assert_true(kn_obs < rinott_obs);
    gsl_rng_free(g);
}

/* With every mean equal but the boundary closed by the cap, no guarantee is claimed. */
static void test_cap(void **s)
{
    (void)s;
    tc_kn *kn = tc_kn_create(3, 5, 0.01, CONF, 8);
    double x[3];
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 5);
    while (!tc_kn_done(kn)) {
        for (int i = 0; i < 3; i++)
            x[i] = gsl_ran_gaussian(g, 1.0);
        tc_kn_add(kn, x);
    }
    int guaranteed = 1;
    assert_true(tc_kn_selected(kn, &guaranteed) >= 0);
    assert_int_equal(tc_kn_stage(kn), 8);
    assert_false(guaranteed);
    tc_kn_destroy(kn);
    gsl_rng_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arguments),
        cmocka_unit_test(test_rinott_h),
        cmocka_unit_test(test_slippage),
        cmocka_unit_test(test_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
