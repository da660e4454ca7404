/*
 * test_queueing - the engine against queueing theory.  Each replication
 * gives one warm-up-cut time average; the replications are independent,
 * so a Student-t interval over them must contain the theoretical value.
 * Seeds are fixed, so a pass is reproducible; the interval is computed from
 * the data, never a hand-picked tolerance.
 */
#include <string.h>

#include "tc_test.h"

#define LEVEL 0.99

typedef struct ensemble {
    tc_moments lq[4], w[2], util[4], avail[4], share[4];
} ensemble;

static void run_ensemble(const char *yaml, int reps, double horizon, double warmup, ensemble *e)
{
    tc_model *m = tc_test_model(yaml);
    tc_run_cfg cfg;
    tc_run_cfg_default(&cfg, m);
    cfg.horizon = horizon;
    cfg.warmup = warmup;
    cfg.bin_width = horizon;
    char err[256];
    tc_sim *sim = tc_sim_create(m);
    tc_result *r = tc_result_create(m->plant.n_stations, m->plant.n_sources, 1);
    assert_int_equal(tc_sim_initialize(sim, NULL, NULL, &cfg, err, sizeof err), TC_OK);
    memset(e, 0, sizeof *e);
    for (int rep = 0; rep < reps; rep++) {
        tc_sim_run(sim, (uint32_t)rep, r);
        for (int s = 0; s < m->plant.n_stations; s++) {
            tc_moments_add(&e->lq[s], r->mean_waiting[s]);
            tc_moments_add(&e->util[s], r->utilisation[s]);
            tc_moments_add(&e->avail[s], r->availability[s]);
            tc_moments_add(&e->share[s], r->bottleneck_share[s]);
        }
        tc_moments_add(&e->w[0], r->time_in_system[0]);
    }
    tc_result_destroy(r);
    tc_sim_destroy(sim);
    tc_model_destroy(m);
}

/* M/M/1, rho = 0.9: Lq = rho^2/(1-rho) = 8.1, W = 1/(mu-lambda) = 10. */
static void test_mm1(void **s)
{
    (void)s;
    ensemble e;
    run_ensemble("stations:\n  S: {process: {dist: exponential, mean: 1.0}}\n"
                 "sources:\n  c: {interarrival: {dist: exponential, mean: 1.1111111111111112}, route: [S]}\n",
                 100, 52000, 2000, &e);
    double rho = 0.9;
    assert_ci_contains(&e.lq[0], rho * rho / (1 - rho), LEVEL, "M/M/1 Lq");
    assert_ci_contains(&e.w[0], 1 / (1 - rho), LEVEL, "M/M/1 W");
    assert_ci_contains(&e.util[0], rho, LEVEL, "M/M/1 utilisation");
    /* the only station is the momentary bottleneck exactly while it works */
    assert_ci_contains(&e.share[0], rho, LEVEL, "M/M/1 bottleneck share");
}

/* M/M/c with c = 3, lambda = 2.4, mu = 1: Erlang C. */
static void test_mmc_erlang_c(void **s)
{
    (void)s;
    const int c = 3;
    const double lambda = 2.4, mu = 1.0, a = lambda / mu, rho = a / c;
    double sum = 0, term = 1;
    for (int k = 0; k < c; k++) {
        sum += term; /* a^k / k! */
        term *= a / (k + 1);
    }
    double tail = term / (1 - rho); /* a^c / c! / (1 - rho) */
    double p_wait = tail / (sum + tail), lq = p_wait * rho / (1 - rho);
    ensemble e;
    run_ensemble("stations:\n  S: {servers: 3, process: {dist: exponential, mean: 1.0}}\n"
                 "sources:\n  c: {interarrival: {dist: exponential, mean: 0.4166666666666667}, route: [S]}\n",
                 60, 21000, 1000, &e);
    assert_ci_contains(&e.lq[0], lq, LEVEL, "M/M/3 Lq (Erlang C)");
    assert_ci_contains(&e.util[0], rho, LEVEL, "M/M/3 utilisation");
}

/* Jackson tandem: two M/M/1 in series behave as independent M/M/1 queues. */
static void test_jackson_tandem(void **s)
{
    (void)s;
    const double lambda = 0.8, mu1 = 1.0, mu2 = 1 / 1.1;
    const double r1 = lambda / mu1, r2 = lambda / mu2;
    ensemble e;
    run_ensemble("stations:\n  A: {process: {dist: exponential, mean: 1.0}}\n"
                 "  B: {process: {dist: exponential, mean: 1.1}}\n"
                 "sources:\n  c: {interarrival: {dist: exponential, mean: 1.25}, route: [A, B]}\n",
                 60, 31000, 1000, &e);
    assert_ci_contains(&e.lq[0], r1 * r1 / (1 - r1), LEVEL, "tandem station 1 Lq");
    assert_ci_contains(&e.lq[1], r2 * r2 / (1 - r2), LEVEL, "tandem station 2 Lq");
    assert_ci_contains(&e.w[0], 1 / (mu1 - lambda) + 1 / (mu2 - lambda), LEVEL, "tandem W");
}

/*
 * A failing single server: availability = MTTF / (MTTF + MTTR) whatever
 * the repair distribution; with preempt-resume nothing is lost, so the
 * busy share of available time is lambda / (mu * availability).
 */
static void test_availability(void **s)
{
    (void)s;
    const double mttf = 100, mttr = 10, lambda = 0.5, mu = 1.0;
    ensemble e;
    run_ensemble(
        "stations:\n  S: {process: {dist: exponential, mean: 1.0},\n"
        "      failure: {ttf: {dist: exponential, mean: 100}, ttr: {dist: lognormal, mean: 10, sd: 5}}}\n"
        "sources:\n  c: {interarrival: {dist: exponential, mean: 2.0}, route: [S]}\n",
        40, 101000, 1000, &e);
    double av = mttf / (mttf + mttr);
    assert_ci_contains(&e.avail[0], av, LEVEL, "availability MTTF/(MTTF+MTTR)");
    assert_ci_contains(&e.util[0], lambda / (mu * av), LEVEL, "utilisation of available time");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mm1),
        cmocka_unit_test(test_mmc_erlang_c),
        cmocka_unit_test(test_jackson_tandem),
        cmocka_unit_test(test_availability),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
