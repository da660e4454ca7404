/*
 * test_bands - the per-bin bands as mergeable histograms (src/stats/bands.c):
 * exact where values sit on cell edges, within the stated resolution
 * elsewhere, identical whatever the order and grouping of the merges (also
 * through the packed form that MPI sends), also once a column outgrows its
 * cell budget and is coarsened, refusing a packed copy of another shape or with its cells out of order; and,
 * against a sort-based reference on 10,000 real replications of line5 and of the factory with B down, every
 * quantile within the rank error the bands state, and that bound within 0.1%. Usage: test_bands [INPUTS_DIR]
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tc_test.h"
#include "twincast/bands.h"
#include "twincast/engine.h"
#include "twincast/rng.h"
#include "twincast/stats.h"
#include "twincast/summary.h"

static const char *inputs = TC_INPUTS;

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Integers and zeros sit on cell edges: the type-7 quantiles come out exact, with no rank error. */
static void test_exact_on_edges(void **s)
{
    (void)s;
    tc_bands *b = tc_bands_create(1, 2);
    double w[2], bn[2], got[2 * TC_NQ], prob[2], err = -1, res;
    double col0[] = {0, 0, 3, 1, 7, 2, 0, 12, 5, 1, 4}, col1[11];
    for (int r = 0; r < 11; r++) {
        col1[r] = r % 3 ? NAN : 1000 + r; /* NaN: an empty bin, left out */
        w[0] = col0[r];
        w[1] = col1[r];
        bn[0] = r % 2 ? 0.25 : 0.5; /* shares with exact binary fractions: the mean is exact */
        bn[1] = 1;
        assert_int_equal(tc_bands_add(b, w, bn), TC_OK);
    }
    assert_int_equal(tc_bands_summarise(b, tc_quantile_levels, TC_NQ, got, prob, &err, &res), TC_OK);
    qsort(col0, 11, sizeof(double), cmp);
    double c1[] = {1000, 1003, 1006, 1009};
    for (int q = 0; q < TC_NQ; q++) {
        assert_true(got[q] == tc_quantile_sorted(col0, 11, tc_quantile_levels[q]));
        assert_true(got[TC_NQ + q] == tc_quantile_sorted(c1, 4, tc_quantile_levels[q]));
    }
    assert_true(err == 0);
    assert_true(res == TC_BANDS_RESOLUTION);
    assert_true(prob[0] == (6 * 0.5 + 5 * 0.25) / 11);
    assert_true(prob[1] == 1);
    assert_int_equal(tc_bands_replications(b), 11);
    tc_bands_destroy(b);
}

/* Values inside cells: within 2^-11 (TC_BANDS_RESOLUTION) of the exact quantile, relatively, and the error
 * bound says how many sit inside. */
static void test_resolution(void **s)
{
    (void)s;
    enum { N = 2000 };
    tc_rng r;
    tc_rng_init(&r, 11, 0, 0, 0);
    double x[N], bn = 0, got[TC_NQ], prob, err, res;
    tc_bands *b = tc_bands_create(1, 1);
    for (int i = 0; i < N; i++) {
        x[i] = -log(tc_rng_uniform(&r)) * 7.3;
        assert_int_equal(tc_bands_add(b, &x[i], &bn), TC_OK);
    }
    assert_int_equal(tc_bands_summarise(b, tc_quantile_levels, TC_NQ, got, &prob, &err, &res), TC_OK);
    qsort(x, N, sizeof(double), cmp);
    for (int q = 0; q < TC_NQ; q++) {
        double want = tc_quantile_sorted(x, N, tc_quantile_levels[q]);
        assert_true(fabs(got[q] - want) <= TC_BANDS_RESOLUTION * want);
    }
    print_message("  exponential, %d values: rank error bound %g\n", N, err);
    assert_true(err > 0 && err <= 3.0 / N); /* continuous data: a value or two per cell read */
    assert_true(prob == 0);
    tc_bands_destroy(b);
}

/* Rows of a toy ensemble, merged in different groupings and orders, directly and packed: the same bits. */
static void test_merge_any_order(void **s)
{
    (void)s;
    enum { T = 3, S = 2, R = 300 };
    tc_rng r;
    tc_rng_init(&r, 5, 0, 0, 0);
    static double w[R][T * S], bn[R][T * S];
    for (int i = 0; i < R; i++)
        for (int j = 0; j < T * S; j++) {
            double u = tc_rng_uniform(&r);
            w[i][j] = u < 0.3 ? 0 : u < 0.4 ? floor(10 * u) : -log(u) * 4;
            bn[i][j] = tc_rng_uniform(&r);
        }
    tc_bands *all = tc_bands_create(T, S), *part[3];
    for (int i = 0; i < R; i++)
        assert_int_equal(tc_bands_add(all, w[i], bn[i]), TC_OK);
    for (int k = 0; k < 3; k++) {
        part[k] = tc_bands_create(T, S);
        for (int i = R - 1; i >= 0; i--) /* reversed, and interleaved across parts */
            if (i % 3 == k)
                assert_int_equal(tc_bands_add(part[k], w[i], bn[i]), TC_OK);
    }
    tc_bands *a = tc_bands_create(T, S), *b = tc_bands_create(T, S);
    assert_int_equal(tc_bands_merge(a, part[2]), TC_OK);
    assert_int_equal(tc_bands_merge(a, part[0]), TC_OK);
    assert_int_equal(tc_bands_merge(a, part[1]), TC_OK);
    for (int k = 0; k < 3; k++) { /* the packed form, as the tree over ranks sends it */
        size_t n = tc_bands_packed_words(part[k]);
        uint32_t *buf = malloc(sizeof(uint32_t) * n);
        tc_bands_pack(part[k], buf);
        assert_int_equal(tc_bands_merge_packed(b, buf, n), TC_OK);
        assert_int_equal(tc_bands_merge_packed(b, buf, n - 1), TC_ERR_INPUT); /* cut short */
        free(buf);
    }
    { /* cells out of order (the packed form is sorted by code): refused whole, nothing added */
        size_t n = tc_bands_packed_words(part[0]);
        uint32_t *buf = malloc(sizeof(uint32_t) * n), t[2];
        tc_bands_pack(part[0], buf);
        assert_true(buf[4 + 4] >= 2); /* the first column's cells */
        memcpy(t, buf + 10, sizeof t);
        memcpy(buf + 10, buf + 12, sizeof t);
        memcpy(buf + 12, t, sizeof t);
        long before = tc_bands_replications(b);
        assert_int_equal(tc_bands_merge_packed(b, buf, n), TC_ERR_INPUT);
        assert_int_equal(tc_bands_replications(b), before);
        free(buf);
    }
    tc_bands *other = tc_bands_create(S, T);
    size_t n = tc_bands_packed_words(other);
    uint32_t *buf = malloc(sizeof(uint32_t) * n);
    tc_bands_pack(other, buf);
    assert_int_equal(tc_bands_merge_packed(b, buf, n), TC_ERR_INPUT); /* another shape */
    assert_int_equal(tc_bands_merge(b, other), TC_ERR_INPUT);
    free(buf);
    double q[3][T * S * TC_NQ], p[3][T * S], e[3], res[3];
    tc_bands *x[3] = {all, a, b};
    for (int k = 0; k < 3; k++)
        assert_int_equal(tc_bands_summarise(x[k], tc_quantile_levels, TC_NQ, q[k], p[k], &e[k], &res[k]),
                         TC_OK);
    assert_memory_equal(q[0], q[1], sizeof q[0]);
    assert_memory_equal(q[0], q[2], sizeof q[0]);
    assert_memory_equal(p[0], p[1], sizeof p[0]);
    assert_memory_equal(p[0], p[2], sizeof p[0]);
    assert_true(e[0] == e[1] && e[0] == e[2]);
    assert_int_equal(tc_bands_replications(b), R);
    for (int k = 0; k < 3; k++)
        tc_bands_destroy(part[k]);
    tc_bands_destroy(all);
    tc_bands_destroy(a);
    tc_bands_destroy(b);
    tc_bands_destroy(other);
}

/*
 * A column past its cell budget is coarsened: three parts of 5000 distinct
 * values each fit alone, their union does not.  Merged in any order, or
 * added all at once, the result is the same coarser column, to the bit,
 * and the quantiles stay within its stated resolution.
 */
static void test_coarsening_any_order(void **s)
{
    (void)s;
    enum { N = 15000 };
    static double x[N], sorted[N];
    double zero = 0, got[4][TC_NQ], prob[4], err[4], res[4];
    tc_rng r;
    tc_rng_init(&r, 3, 0, 0, 0);
    tc_bands *part[3], *all = tc_bands_create(1, 1), *ab = tc_bands_create(1, 1), *ba = tc_bands_create(1, 1);
    for (int k = 0; k < 3; k++)
        part[k] = tc_bands_create(1, 1);
    for (int i = 0; i < N; i++) {
        x[i] = sorted[i] = exp2(10 * tc_rng_uniform(&r)); /* over 10 powers of two: 20480 cells */
        assert_int_equal(tc_bands_add(all, &x[i], &zero), TC_OK);
        assert_int_equal(tc_bands_add(part[i % 3], &x[i], &zero), TC_OK);
    }
    for (int k = 0; k < 3; k++) {
        assert_int_equal(tc_bands_merge(ab, part[k]), TC_OK);
        assert_int_equal(tc_bands_merge(ba, part[2 - k]), TC_OK);
    }
    tc_bands *x4[4] = {all, ab, ba, part[0]};
    for (int k = 0; k < 4; k++)
        assert_int_equal(
            tc_bands_summarise(x4[k], tc_quantile_levels, TC_NQ, got[k], &prob[k], &err[k], &res[k]), TC_OK);
    assert_true(res[3] == TC_BANDS_RESOLUTION);     /* a part alone fits */
    assert_true(res[0] == 2 * TC_BANDS_RESOLUTION); /* the whole is one step coarser */
    for (int k = 1; k < 3; k++) {
        assert_memory_equal(got[0], got[k], sizeof got[0]);
        assert_true(res[k] == res[0] && err[k] == err[0]);
    }
    qsort(sorted, N, sizeof(double), cmp);
    for (int q = 0; q < TC_NQ; q++) {
        double want = tc_quantile_sorted(sorted, N, tc_quantile_levels[q]);
        assert_true(fabs(got[0][q] - want) <= res[0] * want);
    }
    for (int k = 0; k < 3; k++)
        tc_bands_destroy(part[k]);
    tc_bands_destroy(all);
    tc_bands_destroy(ab);
    tc_bands_destroy(ba);
}

/*
 * The rank of v among n sorted values, as the interval [#below, #at-or-below]:
 * a quantile's rank error is the distance from (n-1)p to that interval.
 */
static double rank_distance(const double *x, long n, double v, double target)
{
    long lo = 0, hi = 0;
    while (lo < n && x[lo] < v)
        lo++;
    hi = lo;
    while (hi < n && x[hi] <= v)
        hi++;
    if (target < lo - 1)
        return (lo - 1) - target; /* v is above the target's order statistics */
    if (target > hi)
        return target - hi;
    return 0;
}

/* Real replications: the bands against the exact quantiles of the same rows. */
static void check_model(const char *file, const char *state_file, long R)
{
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/%s", inputs, file);
    tc_model *m = NULL;
    tc_state *state = NULL;
    if (tc_model_load(path, &m, err, sizeof err) != TC_OK)
        fail_msg("%s", err);
    if (state_file) {
        snprintf(path, sizeof path, "%s/%s", inputs, state_file);
        char *text = NULL;
        if (tc_state_load_json(m, path, &state, &text, err, sizeof err) != TC_OK)
            fail_msg("%s", err);
        free(text);
    }
    tc_run_cfg cfg;
    tc_run_cfg_default(&cfg, m);
    int S = m->plant.n_stations, T = tc_run_cfg_bins(&cfg);
    size_t TS = (size_t)T * (size_t)S;
    double *rows = malloc(sizeof(double) * TS * (size_t)R);
    tc_sim *sim = tc_sim_create(m);
    tc_result *res = tc_result_create(S, m->plant.n_sources, T);
    tc_bands *b = tc_bands_create(T, S);
    assert_int_equal(tc_sim_initialize(sim, state, NULL, &cfg, err, sizeof err), TC_OK);
    for (long r = 0; r < R; r++) {
        tc_sim_run(sim, (uint32_t)r, res);
        memcpy(rows + (size_t)r * TS, res->bin_waiting, sizeof(double) * TS);
        assert_int_equal(tc_bands_add(b, res->bin_waiting, res->bin_bottleneck), TC_OK);
    }
    double *q = malloc(sizeof(double) * TS * TC_NQ), *p = malloc(sizeof(double) * TS), bound, width;
    double *col = malloc(sizeof(double) * (size_t)R), worst = 0, worst_value = 0;
    assert_int_equal(tc_bands_summarise(b, tc_quantile_levels, TC_NQ, q, p, &bound, &width), TC_OK);
    for (size_t ts = 0; ts < TS; ts++) {
        long n = 0;
        for (long r = 0; r < R; r++)
            if (!isnan(rows[(size_t)r * TS + ts]))
                col[n++] = rows[(size_t)r * TS + ts];
        qsort(col, (size_t)n, sizeof *col, cmp);
        for (int k = 0; k < TC_NQ; k++) {
            double want = tc_quantile_sorted(col, (size_t)n, tc_quantile_levels[k]), got = q[ts * TC_NQ + k];
            double d = rank_distance(col, n, got, (double)(n - 1) * tc_quantile_levels[k]) / (double)n;
            worst = d > worst ? d : worst;
            if (want > 0 && fabs(got - want) / want > worst_value)
                worst_value = fabs(got - want) / want;
        }
    }
    print_message("  %s, %ld replications: rank error %.5f%% (bound stated %.5f%%), value error %.4f%%\n",
                  file, R, 100 * worst, 100 * bound, 100 * worst_value);
    assert_true(worst <= bound + 1e-12);
    assert_true(bound <= 0.001);
    assert_true(worst_value <= width);
    free(col);
    free(q);
    free(p);
    free(rows);
    tc_bands_destroy(b);
    tc_result_destroy(res);
    tc_sim_terminate(sim);
    tc_sim_destroy(sim);
    tc_state_destroy(state);
    tc_model_destroy(m);
}

static void test_line5_against_sort(void **s)
{
    (void)s;
    check_model("line5.yaml", NULL, 10000);
}

static void test_factory_down_against_sort(void **s)
{
    (void)s;
    check_model("factory.yaml", "state_b_down.json", 10000);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        inputs = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_on_edges),     cmocka_unit_test(test_resolution),
        cmocka_unit_test(test_merge_any_order),    cmocka_unit_test(test_coarsening_any_order),
        cmocka_unit_test(test_line5_against_sort), cmocka_unit_test(test_factory_down_against_sort),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
