/*
 * test_posterior - what telemetry says about a parameter: conjugate updates
 * against hand-computed results, forgetting, censoring (handled: consistent;
 * dropped or taken as complete: biased, and measured), drift detection
 * after a step change, and draws from the posterior.
 */
#include <math.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "tc_test.h"
#include "twincast/posterior.h"

/* splitmix64: the tests' own uniform stream */
static double uniform(void *state)
{
    uint64_t *s = state, z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return ((double)(z >> 11) + 0.5) / 9007199254740992.0;
}

static double exponential(uint64_t *s, double mean)
{
    return -mean * log(uniform(s));
}

static double gaussian(uint64_t *s)
{
    return sqrt(-2 * log(uniform(s))) * cos(6.283185307179586 * uniform(s));
}

/*
 * Exponential times, prior mean 2 worth 10 observations: Gamma(11, 20) on
 * the rate (E[1/rate] = 2).  Times 1, 3, 2.5 and one censored at 4: alpha
 * 14, beta 30.5.  Mean time E[1/rate] = 30.5 / 13; interval 1 / the rate's
 * quantiles.
 */
static void test_rate_conjugate(void **s)
{
    (void)s;
    tc_posterior p;
    tc_posterior_init(&p, TC_POST_RATE, 2, NAN, 10, 0, 0);
    assert_close(tc_posterior_estimate(&p).mean, 2, 1e-12); /* no data: the model's value */
    tc_posterior_observe(&p, 0, 1, 0);
    tc_posterior_observe(&p, 1, 3, 0);
    tc_posterior_observe(&p, 2, 2.5, 0);
    tc_posterior_observe(&p, 3, 4, 1);
    tc_post_estimate e = tc_posterior_estimate(&p);
    assert_close(e.mean, 30.5 / 13, 1e-12);
    assert_close(e.lo, 1 / gsl_cdf_gamma_Pinv(0.975, 14, 1 / 30.5), 1e-12);
    assert_close(e.hi, 1 / gsl_cdf_gamma_Pinv(0.025, 14, 1 / 30.5), 1e-12);
    assert_close(e.n_eff, 3, 0);
    assert_int_equal(p.n_obs, 4);
    assert_int_equal(p.n_censored, 1);
}

/*
 * Normal-gamma, prior mean 1, sd 0.5, worth 4: kappa 4, a 2, b 0.5.  Values
 * 1.2, 0.8, 1.5: mean 7/6, sum of squares about it 0.246667; kappa 7, mu
 * 7.5/7, a 3.5, b = 0.5 + 0.123333 + 4 * 3 * (1/6)^2 / 14.
 */
static void test_normal_conjugate(void **s)
{
    (void)s;
    tc_posterior p;
    tc_posterior_init(&p, TC_POST_NORMAL, 1, 0.5, 4, 0, 0);
    tc_posterior_observe(&p, 0, 1.2, 0);
    tc_posterior_observe(&p, 0, 0.8, 0);
    tc_posterior_observe(&p, 0, 1.5, 0);
    double ss = pow(1.2 - 7.0 / 6, 2) + pow(0.8 - 7.0 / 6, 2) + pow(1.5 - 7.0 / 6, 2);
    double b = 0.5 + ss / 2 + 4.0 * 3 * pow(7.0 / 6 - 1, 2) / 14;
    tc_post_estimate e = tc_posterior_estimate(&p);
    assert_close(e.mean, 7.5 / 7, 1e-12);
    double h = gsl_cdf_tdist_Pinv(0.975, 7) * sqrt(b / (3.5 * 7));
    assert_close(e.lo, 7.5 / 7 - h, 1e-12);
    assert_close(e.hi, 7.5 / 7 + h, 1e-12);
    assert_close(e.sd, sqrt(b / 2.5), 1e-12);
}

/* Beta: prior 0.1 worth 20 (2, 18); 5 reworks in 30: Beta(7, 43), mean 0.14. */
static void test_probability_conjugate(void **s)
{
    (void)s;
    tc_posterior p;
    tc_posterior_init(&p, TC_POST_PROBABILITY, 0.1, NAN, 20, 0, 0);
    for (int i = 0; i < 30; i++)
        tc_posterior_observe_outcome(&p, i, i < 5);
    tc_post_estimate e = tc_posterior_estimate(&p);
    assert_close(e.mean, 0.14, 1e-12);
    assert_close(e.lo, gsl_cdf_beta_Pinv(0.025, 7, 43), 1e-12);
    assert_close(e.hi, gsl_cdf_beta_Pinv(0.975, 7, 43), 1e-12);
}

/*
 * Forgetting: half-life 10 s.  A time of 2 at t = 0 weighs 1/2 by t = 10,
 * when a time of 4 comes: 1.5 events over 1 + 4 of exposure, plus the prior
 * (mean 1, worth 1): Gamma(3.5, 6), mean time 6 / 2.5 = 2.4.  The prior is
 * never forgotten.
 */
static void test_forgetting(void **s)
{
    (void)s;
    tc_posterior p;
    tc_posterior_init(&p, TC_POST_RATE, 1, NAN, 1, 10, 0);
    tc_posterior_observe(&p, 0, 2, 0);
    tc_posterior_observe(&p, 10, 4, 0);
    tc_post_estimate e = tc_posterior_estimate(&p);
    assert_close(e.n_eff, 1.5, 1e-12);
    assert_close(e.mean, 2.4, 1e-12);
    tc_posterior_observe(&p, 1e6, 1, 1); /* long after: the data are gone, the prior stays */
    assert_true(tc_posterior_estimate(&p).n_eff < 1e-9);
}

/*
 * Repairs with mean 30 min seen through a 40-min window (longer ones are
 * still down when it closes: censored at 40).  Counting them as censored is
 * consistent; dropping them, or taking them as complete at 40, is biased
 * low (dropped: about 30 - 40 e^-4/3 / (1 - e^-4/3) = 15.7).  Both
 * measured, for exponential (exact) and lognormal (EM) repairs.
 */
static void test_censoring(void **s)
{
    (void)s;
    uint64_t rng = 7;
    tc_posterior handled, dropped, complete;
    tc_posterior_init(&handled, TC_POST_RATE, 30, NAN, 1, 0, 0);
    tc_posterior_init(&dropped, TC_POST_RATE, 30, NAN, 1, 0, 0);
    tc_posterior_init(&complete, TC_POST_RATE, 30, NAN, 1, 0, 0);
    long censored = 0;
    for (int i = 0; i < 4000; i++) {
        double x = exponential(&rng, 30), c = x > 40;
        censored += c;
        tc_posterior_observe(&handled, i, c ? 40 : x, c);
        if (!c)
            tc_posterior_observe(&dropped, i, x, 0);
        tc_posterior_observe(&complete, i, c ? 40 : x, 0);
    }
    tc_post_estimate h = tc_posterior_estimate(&handled), d = tc_posterior_estimate(&dropped),
                     k = tc_posterior_estimate(&complete);
    fprintf(stderr,
            "  exponential repairs, %ld of 4000 censored at 40: handled %.2f [%.2f, %.2f], "
            "dropped %.2f, as complete %.2f (truth 30)\n",
            censored, h.mean, h.lo, h.hi, d.mean, k.mean);
    assert_true(h.lo < 30 && 30 < h.hi);
    assert_true(d.hi < 20 && k.hi < 26);
    /* lognormal repairs (logs N(log 25, 0.6)), censored at 40: the logs' mean, against the estimate
     * from the same values all seen (the sample's own answer: the censored estimate is EM's MLE) */
    tc_posterior ln, lnd, all;
    tc_posterior_init(&ln, TC_POST_NORMAL, log(20), 0.8, 2, 0, 0);
    tc_posterior_init(&lnd, TC_POST_NORMAL, log(20), 0.8, 2, 0, 0);
    tc_posterior_init(&all, TC_POST_NORMAL, log(20), 0.8, 2, 0, 0);
    for (int i = 0; i < 4000; i++) {
        double y = log(25) + 0.6 * gaussian(&rng);
        int c = y > log(40);
        tc_posterior_observe(&ln, i, c ? log(40) : y, c);
        if (!c)
            tc_posterior_observe(&lnd, i, y, 0);
        tc_posterior_observe(&all, i, y, 0);
    }
    tc_post_estimate l = tc_posterior_estimate(&ln), ld = tc_posterior_estimate(&lnd),
                     la = tc_posterior_estimate(&all);
    fprintf(stderr,
            "  lognormal repairs, log mean: handled %.4f [%.4f, %.4f], dropped %.4f, all seen %.4f (truth "
            "%.4f)\n",
            l.mean, l.lo, l.hi, ld.mean, la.mean, log(25));
    assert_true(fabs(l.mean - la.mean) < 0.01 && fabs(l.sd - la.sd) < 0.01);
    assert_true(l.lo < la.mean && la.mean < l.hi);
    assert_true(ld.hi < la.mean - 0.15);
}

/*
 * Drift: B's process time (lognormal, logs sd 0.2) steps from a median of
 * 1.8 to 2.3 min, 1.23 sd of the logs, after 300 jobs.  With detection no
 * alarm before the step, one within 40 jobs after it, and 150 jobs after
 * the step the estimate is within 5% of 2.3 (the prior, worth 20 jobs,
 * still pulls); without it, the 300 old jobs hold it 10% low or more.
 */
static void test_drift_detection(void **s)
{
    (void)s;
    uint64_t rng = 11;
    tc_posterior on, off;
    tc_posterior_init(&on, TC_POST_NORMAL, log(1.8), 0.2, 20, 0, 1);
    tc_posterior_init(&off, TC_POST_NORMAL, log(1.8), 0.2, 20, 0, 0);
    for (int i = 0; i < 450; i++) {
        double y = (i < 300 ? log(1.8) : log(2.3)) + 0.2 * gaussian(&rng);
        tc_posterior_observe(&on, i, y, 0);
        tc_posterior_observe(&off, i, y, 0);
        if (i == 299)
            assert_int_equal(on.resets, 0);
        if (i == 339)
            assert_true(on.resets >= 1 && on.last_reset >= 300);
    }
    double a = exp(tc_posterior_estimate(&on).mean), b = exp(tc_posterior_estimate(&off).mean);
    fprintf(stderr,
            "  after the step, 150 jobs: with detection %.3f (reset at job %.0f), without %.3f; truth 2.3\n",
            a, on.last_reset, b);
    assert_true(fabs(a / 2.3 - 1) < 0.05);
    assert_true(b < 2.3 * 0.9);
}

/* Draws: deterministic given the stream; their mean is the posterior's. */
static void test_draws(void **s)
{
    (void)s;
    tc_posterior p;
    tc_posterior_init(&p, TC_POST_RATE, 2, NAN, 10, 0, 0);
    tc_posterior_observe(&p, 0, 3, 0);
    uint64_t a = 5, b = 5;
    double m1, s1, m2, s2;
    tc_posterior_draw(&p, uniform, &a, &m1, &s1);
    tc_posterior_draw(&p, uniform, &b, &m2, &s2);
    assert_true(m1 == m2);
    tc_moments mm;
    tc_moments_init(&mm);
    for (int i = 0; i < 20000; i++) {
        double m, sd;
        tc_posterior_draw(&p, uniform, &a, &m, &sd);
        tc_moments_add(&mm, m);
    }
    assert_ci_contains(&mm, tc_posterior_estimate(&p).mean, 0.99, "rate: mean of drawn mean times");
    tc_posterior q;
    tc_posterior_init(&q, TC_POST_NORMAL, 1, 0.5, 4, 0, 0);
    tc_posterior_observe(&q, 0, 1.4, 0);
    tc_moments_init(&mm);
    for (int i = 0; i < 20000; i++) {
        double m, sd;
        tc_posterior_draw(&q, uniform, &a, &m, &sd);
        tc_moments_add(&mm, m);
    }
    assert_ci_contains(&mm, tc_posterior_estimate(&q).mean, 0.99, "normal: mean of drawn means");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rate_conjugate),
        cmocka_unit_test(test_normal_conjugate),
        cmocka_unit_test(test_probability_conjugate),
        cmocka_unit_test(test_forgetting),
        cmocka_unit_test(test_censoring),
        cmocka_unit_test(test_drift_detection),
        cmocka_unit_test(test_draws),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
