/*
 * test_dist - every distribution's sample mean and variance against its
 * analytic moments, with intervals computed from the sample; residual
 * (conditioned) draws against rejection sampling; parameter validation.
 */
#include <string.h>

#include "tc_test.h"
#include "twincast/dist.h"

#define N 200000

static tc_dist make(tc_dist_type t, double a, double b, double c)
{
    tc_dist d;
    memset(&d, 0, sizeof d);
    d.type = t;
    d.p[0] = a;
    d.p[1] = b;
    d.p[2] = c;
    char err[256];
    if (tc_dist_prepare(&d, err, sizeof err) != 0) {
        print_error("prepare failed: %s\n", err);
        fail();
    }
    return d;
}

/*
 * Mean: Student-t interval.  Variance: the sample variance's standard
 * error from the fourth central moment, sqrt((m4 - s^4) / n), at 99.9%.
 */
static void check_moments(const tc_dist *d, uint32_t stream)
{
    tc_rng r;
    tc_rng_init(&r, 42, 0, 0, stream);
    double *x = malloc(sizeof *x * N);
    tc_moments m;
    tc_moments_init(&m);
    for (int i = 0; i < N; i++) {
        x[i] = tc_dist_sample(d, &r);
        assert_true(x[i] >= 0);
        tc_moments_add(&m, x[i]);
    }
    double m4 = 0, var = tc_moments_variance(&m);
    for (int i = 0; i < N; i++) {
        double e = x[i] - m.mean;
        m4 += e * e * e * e;
    }
    m4 /= N;
    free(x);
    char what[64];
    snprintf(what, sizeof what, "%s mean", tc_dist_type_name(d->type));
    assert_ci_contains(&m, tc_dist_mean(d), 0.999, what);
    double se = sqrt(fabs(m4 - var * var) / N), truth = tc_dist_variance(d);
    fprintf(stderr, "  %-44s var  %.5f +- %.5f (99.9%%), theory %.5f\n", tc_dist_type_name(d->type), var,
            3.29 * se, truth);
    if (truth == 0)
        assert_close(var, 0, 1e-12);
    else
        assert_true(fabs(var - truth) <= 3.29 * se);
}

static void test_constant(void **s)
{
    (void)s;
    tc_dist d = make(TC_DIST_CONSTANT, 2.5, 0, 0);
    check_moments(&d, 1);
}
static void test_exponential(void **s)
{
    (void)s;
    tc_dist d = make(TC_DIST_EXPONENTIAL, 1.6, 0, 0);
    check_moments(&d, 2);
}
static void test_uniform(void **s)
{
    (void)s;
    tc_dist d = make(TC_DIST_UNIFORM, 1, 3, 0);
    check_moments(&d, 3);
}
static void test_triangular(void **s)
{
    (void)s;
    tc_dist d = make(TC_DIST_TRIANGULAR, 1, 1.5, 3);
    check_moments(&d, 4);
}
static void test_normal(void **s)
{
    (void)s;
    tc_dist d = make(TC_DIST_NORMAL, 1.0, 0.8, 0);
    check_moments(&d, 5);
}
static void test_lognormal(void **s)
{
    (void)s;
    tc_dist d = make(TC_DIST_LOGNORMAL, 1.8, 0.4, 0);
    check_moments(&d, 6);
}
static void test_gamma(void **s)
{
    (void)s;
    tc_dist d = make(TC_DIST_GAMMA, 1.9, 0.5, 0);
    check_moments(&d, 7);
}
static void test_gamma_small_shape(void **s)
{
    (void)s;
    tc_dist d = make(TC_DIST_GAMMA, 1.0, 2.0, 0);
    check_moments(&d, 8);
}
static void test_erlang(void **s)
{
    (void)s;
    tc_dist d = make(TC_DIST_ERLANG, 3, 2.4, 0);
    check_moments(&d, 9);
}
static void test_weibull(void **s)
{
    (void)s;
    tc_dist d = make(TC_DIST_WEIBULL, 1.5, 2.0, 0);
    check_moments(&d, 10);
}

static void test_empirical(void **s)
{
    (void)s;
    static const double values[] = {1, 2, 5}, cum[] = {1, 3, 4}; /* weights 1, 2, 1 */
    tc_dist d;
    memset(&d, 0, sizeof d);
    d.type = TC_DIST_EMPIRICAL;
    d.n = 3;
    d.values = values;
    d.cum = cum;
    char err[128];
    assert_int_equal(tc_dist_prepare(&d, err, sizeof err), 0);
    assert_close(tc_dist_mean(&d), (1 + 4 + 5) / 4.0, 1e-12);
    check_moments(&d, 11);
}

/*
 * X - e given X > e, drawn directly, must match rejection sampling from the
 * plain distribution: compare the two means with a two-sample interval.
 */
static void check_residual(const tc_dist *d, double e, uint32_t stream)
{
    tc_rng r1, r2;
    tc_rng_init(&r1, 7, 0, 0, stream);
    tc_rng_init(&r2, 7, 0, 1, stream);
    tc_moments direct, reject;
    tc_moments_init(&direct);
    tc_moments_init(&reject);
    for (int i = 0; i < N / 2; i++) {
        double x = tc_dist_sample_residual(d, e, &r1);
        assert_true(x >= 0);
        tc_moments_add(&direct, x);
    }
    while (reject.n < N / 2) {
        double x = tc_dist_sample(d, &r2);
        if (x > e)
            tc_moments_add(&reject, x - e);
    }
    double se = sqrt(tc_moments_variance(&direct) / direct.n + tc_moments_variance(&reject) / reject.n);
    fprintf(stderr, "  residual %-12s e=%-5g direct %.5f rejection %.5f (+- %.5f)\n",
            tc_dist_type_name(d->type), e, direct.mean, reject.mean, 3.29 * se);
    assert_true(fabs(direct.mean - reject.mean) <= 3.29 * se);
}

static void test_residuals(void **s)
{
    (void)s;
    tc_dist d;
    d = make(TC_DIST_EXPONENTIAL, 2, 0, 0);
    check_residual(&d, 3, 20);
    d = make(TC_DIST_UNIFORM, 1, 3, 0);
    check_residual(&d, 2, 21);
    d = make(TC_DIST_TRIANGULAR, 1, 1.5, 3);
    check_residual(&d, 1.7, 22);
    d = make(TC_DIST_NORMAL, 2, 1, 0);
    check_residual(&d, 2.5, 23);
    d = make(TC_DIST_LOGNORMAL, 40, 15, 0);
    check_residual(&d, 30, 24);
    d = make(TC_DIST_GAMMA, 1.9, 0.5, 0);
    check_residual(&d, 2.0, 25);
    d = make(TC_DIST_ERLANG, 2, 4, 0);
    check_residual(&d, 5, 26);
    d = make(TC_DIST_WEIBULL, 2, 3, 0);
    check_residual(&d, 2, 27);
    /* beyond the support: nothing is left */
    tc_rng r;
    tc_rng_init(&r, 1, 0, 0, 0);
    d = make(TC_DIST_UNIFORM, 1, 3, 0);
    assert_close(tc_dist_sample_residual(&d, 5, &r), 0, 0);
    d = make(TC_DIST_CONSTANT, 4, 0, 0);
    assert_close(tc_dist_sample_residual(&d, 1, &r), 3, 1e-12);
}

static void test_rejects_bad_parameters(void **s)
{
    (void)s;
    struct {
        tc_dist_type t;
        double a, b, c;
    } bad[] = {
        {TC_DIST_EXPONENTIAL, 0, 0, 0}, {TC_DIST_EXPONENTIAL, -1, 0, 0},  {TC_DIST_UNIFORM, 3, 1, 0},
        {TC_DIST_TRIANGULAR, 1, 4, 3},  {TC_DIST_NORMAL, -1, 1, 0},       {TC_DIST_LOGNORMAL, 1, -0.1, 0},
        {TC_DIST_GAMMA, 1, 0, 0},       {TC_DIST_ERLANG, 2.5, 1, 0},      {TC_DIST_ERLANG, 0, 1, 0},
        {TC_DIST_WEIBULL, 0, 1, 0},     {TC_DIST_EXPONENTIAL, NAN, 0, 0}, {TC_DIST_UNIFORM, 0, INFINITY, 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        tc_dist d;
        memset(&d, 0, sizeof d);
        d.type = bad[i].t;
        d.p[0] = bad[i].a;
        d.p[1] = bad[i].b;
        d.p[2] = bad[i].c;
        char err[256] = "";
        assert_int_equal(tc_dist_prepare(&d, err, sizeof err), -1);
        assert_true(strlen(err) > 0);
    }
}

static void test_streams_are_addressed(void **s)
{
    (void)s;
    /* Same address, same numbers; any other coordinate, other numbers. */
    tc_rng a, b, c, k;
    tc_rng_init(&a, 5, 0, 17, 3);
    tc_rng_init(&b, 5, 0, 17, 3);
    tc_rng_init(&c, 5, 0, 18, 3);
    tc_rng_init(&k, 5, 1, 17, 3);
    for (int i = 0; i < 1000; i++) {
        double x = tc_rng_uniform(&a);
        assert_true(x > 0 && x < 1);
        assert_true(x == tc_rng_uniform(&b));
        assert_true(x != tc_rng_uniform(&c));
        assert_true(x != tc_rng_uniform(&k));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constant),
        cmocka_unit_test(test_exponential),
        cmocka_unit_test(test_uniform),
        cmocka_unit_test(test_triangular),
        cmocka_unit_test(test_normal),
        cmocka_unit_test(test_lognormal),
        cmocka_unit_test(test_gamma),
        cmocka_unit_test(test_gamma_small_shape),
        cmocka_unit_test(test_erlang),
        cmocka_unit_test(test_weibull),
        cmocka_unit_test(test_empirical),
        cmocka_unit_test(test_residuals),
        cmocka_unit_test(test_rejects_bad_parameters),
        cmocka_unit_test(test_streams_are_addressed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
