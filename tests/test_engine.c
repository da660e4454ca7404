/*
 * test_engine - exact behaviour of the engine on deterministic plants
 * (constant times, so every result can be derived by hand), the
 * dynamic-capacity invariants, failures with preempt-resume, blocking,
 * start states, and bit-identical reproducibility.
 */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tc_test.h"
#include "twincast/state.h"

typedef struct run {
    tc_model *m;
    tc_sim *sim;
    tc_result *res;
    tc_run_cfg cfg;
} run;

static void run_open(run *r, const char *yaml, double horizon)
{
    r->m = tc_test_model(yaml);
    tc_run_cfg_default(&r->cfg, r->m);
    r->cfg.horizon = horizon;
    r->cfg.bin_width = horizon / 10;
    r->sim = tc_sim_create(r->m);
    r->res = tc_result_create(r->m->plant.n_stations, r->m->plant.n_sources, tc_run_cfg_bins(&r->cfg));
    assert_non_null(r->sim);
    assert_non_null(r->res);
}

static void run_go(run *r, const tc_state *state, const char *scenario)
{
    char err[512];
    const tc_scenario *sc = NULL;
    if (scenario) {
        int k = tc_model_scenario_index(r->m, scenario);
        assert_true(k >= 0);
        sc = &r->m->scenarios[k];
    }
    if (tc_sim_initialize(r->sim, state, sc, &r->cfg, err, sizeof err) != TC_OK) {
        print_error("initialize: %s\n", err);
        fail();
    }
    tc_sim_run(r->sim, 0, r->res);
    tc_sim_terminate(r->sim);
}

static void run_close(run *r)
{
    tc_result_destroy(r->res);
    tc_sim_destroy(r->sim);
    tc_model_destroy(r->m);
}

/*
 * One server, service 1, an arrival every 0.5 (the first at 0.5).  At each
 * whole time n, 2n jobs have arrived and n have started: n are waiting, so
 * a threshold of 5 is first reached at exactly t = 5.
 */
static const char growing[] =
    "stations:\n  S: {servers: 1, threshold: 5, process: {dist: constant, value: 1}}\n"
    "sources:\n  s: {interarrival: {dist: constant, value: 0.5}, route: [S]}\n"
    "scenarios:\n"
    "  grow_at_3: [{at: 3, set: S.servers, value: 3}]\n"
    "  grow_at_5: [{at: 5, set: S.servers, value: 3}]\n"
    "  grow_after_5: [{at: 5.000001, set: S.servers, value: 3}]\n";

static void test_onset_exact(void **s)
{
    (void)s;
    run r;
    run_open(&r, growing, 20);
    run_go(&r, NULL, NULL);
    assert_close(r.res->onset[0], 5.0, 0);
    /* 20 time units at 1 job per unit: waiting grows by one per unit */
    assert_close(r.res->utilisation[0], 19.5 / 20, 1e-12);
    /* growth at t=3 starts two waiting jobs at once: the queue never reaches 5 */
    run_go(&r, NULL, "grow_at_3");
    assert_true(isnan(r.res->onset[0]));
    /* a change at t=5 takes effect before the arrival at t=5 (scheduled earlier) */
    run_go(&r, NULL, "grow_at_5");
    assert_true(isnan(r.res->onset[0]));
    run_go(&r, NULL, "grow_after_5");
    assert_close(r.res->onset[0], 5.0, 0);
    run_close(&r);
}

/*
 * Two servers, service 10, an arrival every 1 from t = 1.  At t = 5 the
 * station shrinks to one server.  Jobs 1 and 2 (in service) are not
 * interrupted and finish at 11 and 12; job 3 may start only when busy < 1,
 * at 12, and finishes at 22.  Mean time in system: (10 + 10 + 19) / 3.
 */
static void test_shrink_never_interrupts(void **s)
{
    (void)s;
    run r;
    run_open(&r,
             "stations:\n  S: {servers: 2, process: {dist: constant, value: 10}}\n"
             "sources:\n  s: {interarrival: {dist: constant, value: 1}, route: [S]}\n"
             "scenarios:\n  shrink: [{at: 5, set: S.servers, value: 1}]\n",
             22.5);
    run_go(&r, NULL, "shrink");
    assert_close(r.res->completed[0], 3, 0);
    assert_close(r.res->time_in_system[0], 39.0 / 3, 1e-12);
    /* busy server-time: 2 servers over [1,5], then 2 busy > 1 server until 11, ... */
    double busy = (11 - 1) + (12 - 2) + (22.5 - 12);
    double avail = 2 * 5 + 1 * 17.5;
    assert_close(r.res->utilisation[0], busy / avail, 1e-12);
    run_close(&r);
}

/*
 * Service 10, arrivals every 1 from t = 1; the station is down over [5, 8)
 * (scenario), so job 1 is interrupted at 5 with 6 left and resumes at 8:
 * it leaves at 14.
 */
static void test_preempt_resume(void **s)
{
    (void)s;
    run r;
    run_open(&r,
             "stations:\n  S: {process: {dist: constant, value: 10}}\n"
             "sources:\n  s: {interarrival: {dist: constant, value: 1}, route: [S]}\n"
             "scenarios:\n  stop: [{at: 5, down: S}, {at: 8, up: S}]\n",
             15);
    run_go(&r, NULL, "stop");
    assert_close(r.res->completed[0], 1, 0);
    assert_close(r.res->time_in_system[0], 13, 1e-12);
    assert_close(r.res->availability[0], 12.0 / 15, 1e-12);
    run_close(&r);
}

/*
 * Start state: the station is down for 3 already with a constant repair of
 * 5 (2 left); a job in service for 4 of its 10 has 6 left after the repair:
 * it leaves at 8.  Two jobs wait; threshold 2 means the bottleneck has
 * formed at time 0.
 */
static void test_start_state(void **s)
{
    (void)s;
    run r;
    run_open(&r,
             "stations:\n  S: {threshold: 2, process: {dist: constant, value: 10},\n"
             "      failure: {ttf: {dist: constant, value: 1000}, ttr: {dist: constant, value: 5}}}\n"
             "sources:\n  s: {interarrival: {dist: constant, value: 100}, route: [S]}\n",
             30);
    tc_state *st = tc_state_create(r.m);
    st->stations[0].up = 0;
    st->stations[0].down_for = 3;
    st->stations[0].waiting = 2;
    double elapsed = 4;
    tc_state_set_in_service(st, 0, &elapsed, 1);
    run_go(&r, st, NULL);
    assert_close(r.res->onset[0], 0, 0);
    assert_close(r.res->availability[0], 28.0 / 30, 1e-12);
    /* leaves at 8, then the two waiting jobs take 10 each: 8..18, 18..28 */
    assert_close(r.res->throughput[0], 3.0 / 30, 1e-12);
    /* jobs of the start state have no known arrival: not in time in system */
    assert_true(isnan(r.res->time_in_system[0]));
    /* a state that does not fit the model names the field */
    char err[256];
    st->stations[0].waiting = -1;
    assert_int_equal(tc_sim_initialize(r.sim, st, NULL, &r.cfg, err, sizeof err), TC_ERR_INPUT);
    assert_non_null(strstr(err, "stations.S"));
    st->stations[0].waiting = 0;
    double two[2] = {1, 2};
    tc_state_set_in_service(st, 0, two, 2);
    assert_int_equal(tc_sim_initialize(r.sim, st, NULL, &r.cfg, err, sizeof err), TC_ERR_INPUT);
    assert_non_null(strstr(err, "2 jobs in service but only 1 servers"));
    tc_state_destroy(st);
    run_close(&r);
}

/*
 * Blocking after service: A (service 1) feeds B (service 2, buffer 1).  B
 * limits the line to one job per 2 time units; A spends the rest of its
 * time blocked, never more jobs waiting at B than its buffer, and the flow
 * is conserved.
 */
static void test_blocking(void **s)
{
    (void)s;
    run r;
    run_open(&r,
             "stations:\n  A: {process: {dist: constant, value: 1}}\n"
             "  B: {buffer: 1, process: {dist: constant, value: 2}}\n"
             "sources:\n  s: {interarrival: {dist: constant, value: 1}, route: [A, B]}\n",
             10000);
    run_go(&r, NULL, NULL);
    assert_true(r.res->max_waiting[1] <= 1);
    assert_close(r.res->throughput[1], 0.5, 1e-3);
    assert_close(r.res->throughput[0], r.res->throughput[1], 2.0 / 10000);
    assert_close(r.res->utilisation[0], 0.5, 1e-3);
    assert_close(r.res->blocked[0], 0.5, 1e-3);
    assert_close(r.res->utilisation[0] + r.res->blocked[0] + r.res->starved[0], 1, 1e-9);
    /* B works all the time: it is the momentary bottleneck almost always */
    assert_true(r.res->bottleneck_share[1] > 0.99);
    run_close(&r);
}

/*
 * Random plant with buffers, failures and a storm of capacity changes:
 * the engine's own invariant checks (never negative counts) must hold,
 * buffers are respected, and the accounting adds up.
 */
static void test_dynamic_capacity_storm(void **s)
{
    (void)s;
    char yaml[4096] =
        "stations:\n"
        "  A: {servers: 2, process: {dist: exponential, mean: 1.6}}\n"
        "  B: {servers: 1, buffer: 4, process: {dist: lognormal, mean: 1.8, sd: 0.6},\n"
        "      failure: {ttf: {dist: exponential, mean: 50}, ttr: {dist: exponential, mean: 8}}}\n"
        "  C: {servers: 2, buffer: 3, process: {dist: gamma, mean: 1.9, sd: 0.5}}\n"
        "  D: {servers: 2, buffer: 2, process: {dist: triangular, min: 1.0, mode: 1.5, max: 3.0}}\n"
        "sources:\n  o: {interarrival: {dist: exponential, mean: 0.9}, route: [A, [B, C], D]}\n"
        "scenarios:\n  storm: [";
    for (int k = 0; k < 60; k++)
        snprintf(yaml + strlen(yaml), sizeof yaml - strlen(yaml), "%s{at: %d, set: %c.servers, value: %d}",
                 k ? ", " : "", 5 * k + 1, "ABCD"[k % 4], k % 3);
    strcat(yaml, "]\n");
    run r;
    run_open(&r, yaml, 400);
    for (uint32_t rep = 0; rep < 50; rep++) {
        char err[256];
        int k = tc_model_scenario_index(r.m, "storm");
        assert_int_equal(tc_sim_initialize(r.sim, NULL, &r.m->scenarios[k], &r.cfg, err, sizeof err), TC_OK);
        tc_sim_run(r.sim, rep, r.res);
        assert_true(r.res->max_waiting[1] <= 4);
        assert_true(r.res->max_waiting[2] <= 3);
        assert_true(r.res->max_waiting[3] <= 2);
        for (int st = 0; st < 4; st++) {
            double u = r.res->utilisation[st];
            assert_true(u >= 0 && r.res->blocked[st] >= 0 && r.res->starved[st] >= 0);
            assert_true(r.res->availability[st] >= 0 && r.res->availability[st] <= 1);
            assert_true(isnan(r.res->onset[st]) || (r.res->onset[st] >= 0 && r.res->onset[st] <= 400));
        }
        double share = 0;
        for (int st = 0; st < 4; st++)
            share += r.res->bottleneck_share[st];
        assert_true(share <= 1 + 1e-9);
    }
    run_close(&r);
}

static int results_equal(const tc_result *a, const tc_result *b)
{
    int S = a->n_stations, T = a->n_bins;
    return !memcmp(a->onset, b->onset, sizeof(double) * S) &&
           !memcmp(a->mean_waiting, b->mean_waiting, sizeof(double) * S) &&
           !memcmp(a->utilisation, b->utilisation, sizeof(double) * S) &&
           !memcmp(a->throughput, b->throughput, sizeof(double) * S) &&
           !memcmp(a->bottleneck_share, b->bottleneck_share, sizeof(double) * S) &&
           !memcmp(a->bin_waiting, b->bin_waiting, sizeof(double) * S * T) &&
           !memcmp(a->bin_bottleneck, b->bin_bottleneck, sizeof(double) * S * T) && a->events == b->events;
}

/*
 * A replication is a function of its address: the same index gives the
 * same bits whether it runs first, after others, or in another engine.
 */
static void test_reproducible(void **s)
{
    (void)s;
    tc_model *m = tc_test_model(
        "stations:\n  A: {servers: 2, process: {dist: exponential, mean: 1.6}}\n"
        "  B: {buffer: 5, process: {dist: lognormal, mean: 1.8, sd: 0.4},\n"
        "      failure: {ttf: {dist: exponential, mean: 100}, ttr: {dist: lognormal, mean: 10, sd: 5}}}\n"
        "  C: {process: {dist: gamma, mean: 1.9, sd: 0.5}}\n"
        "sources:\n  o: {interarrival: {dist: exponential, mean: 1.0}, route: [A, [B, C]]}\n");
    tc_run_cfg cfg;
    tc_run_cfg_default(&cfg, m);
    char err[128];
    int T = tc_run_cfg_bins(&cfg);
    tc_sim *a = tc_sim_create(m), *b = tc_sim_create(m);
    tc_result *ra = tc_result_create(3, 1, T), *rb = tc_result_create(3, 1, T);
    tc_sim_initialize(a, NULL, NULL, &cfg, err, sizeof err);
    tc_sim_initialize(b, NULL, NULL, &cfg, err, sizeof err);
    tc_sim_run(a, 7, ra);
    for (uint32_t rep = 0; rep < 7; rep++)
        tc_sim_run(b, rep, rb);
    tc_sim_run(b, 7, rb);
    assert_true(results_equal(ra, rb));
    tc_sim_run(b, 8, rb);
    assert_false(results_equal(ra, rb));
    /* another seed, other results */
    cfg.seed++;
    tc_sim_initialize(b, NULL, NULL, &cfg, err, sizeof err);
    tc_sim_run(b, 7, rb);
    assert_false(results_equal(ra, rb));
    tc_result_destroy(ra);
    tc_result_destroy(rb);
    tc_sim_destroy(a);
    tc_sim_destroy(b);
    tc_model_destroy(m);
}

/*
 * An engine invariant that fails says where to rerun it: the simulated
 * time, the replication, the seed and the scenario; then it aborts.  The
 * failure is planted through the engine's own reporting function, in a
 * child process, after a real replication set the time.
 */
static void test_invariant_report(void **s)
{
    (void)s;
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fd[1], 2);
        close(fd[0]);
        run r;
        char err[128];
        run_open(&r, growing, 10);
        r.cfg.seed = 4242;
        const tc_scenario *sc = &r.m->scenarios[tc_model_scenario_index(r.m, "grow_at_3")];
        if (tc_sim_initialize(r.sim, NULL, sc, &r.cfg, err, sizeof err) != TC_OK)
            _exit(3);
        tc_sim_run(r.sim, 5, r.res);
        tc_sim_assert_fail(r.sim, "planted", "test_engine.c", 1);
    }
    close(fd[1]);
    char out[1024] = "";
    size_t n = 0;
    ssize_t k;
    while (n < sizeof out - 1 && (k = read(fd[0], out + n, sizeof out - 1 - n)) > 0)
        n += (size_t)k;
    out[n] = '\0';
    close(fd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    fprintf(stderr, "  engine assertions %s in this build; the report reads: %s",
            tc_sim_assertions() ? "compiled in" : "compiled out", out);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    assert_non_null(strstr(out, "invariant 'planted' failed at t=10 "));
    assert_non_null(strstr(out, "replication 5, seed 4242"));
    assert_non_null(strstr(out, "scenario grow_at_3"));
}

/*
 * Input uncertainty: the state carries a posterior for S's process mean,
 * Gamma(41, rate 20) on the rate, so the drawn mean 1/rate has mean
 * 20/40 = 0.5 and sd 0.5/sqrt(39) = 0.080.  Arrivals every 1, so a
 * replication's utilisation is close to its drawn mean: over 200
 * replications their mean is 0.5 (in its interval) and they spread ten
 * times more than without the posterior.  The same replication draws the
 * same, whatever else it runs with (bit for bit).
 */
static void test_parameter_draws(void **s)
{
    (void)s;
    static const char plant[] = "stations:\n  S: {process: {dist: exponential, mean: 0.5}}\n"
                                "sources:\n  a: {interarrival: {dist: constant, value: 1}, route: [S]}\n";
    static const char posterior[] = "{\"calibration\": [{\"path\": \"S.process.mean\", \"posterior\": "
                                    "{\"kind\": \"rate\", \"a\": 41, \"b\": 20}}]}";
    run r;
    char err[256];
    run_open(&r, plant, 5000);
    tc_state *st = NULL;
    assert_int_equal(
        tc_state_parse_json(r.m, posterior, strlen(posterior), "state.json", &st, err, sizeof err), TC_OK);
    assert_int_equal(st->n_draws, 1);
    tc_moments with, without;
    tc_moments_init(&with);
    tc_moments_init(&without);
    for (int pass = 0; pass < 2; pass++) {
        assert_int_equal(tc_sim_initialize(r.sim, pass ? NULL : st, NULL, &r.cfg, err, sizeof err), TC_OK);
        for (uint32_t k = 0; k < 200; k++) {
            tc_sim_run(r.sim, k, r.res);
            tc_moments_add(pass ? &without : &with, r.res->utilisation[0]);
        }
        tc_sim_terminate(r.sim);
    }
    assert_ci_contains(&with, 0.5, 0.99, "utilisation with drawn process means");
    double sw = sqrt(tc_moments_variance(&with)), so = sqrt(tc_moments_variance(&without));
    fprintf(stderr, "  spread across replications: %.4f with draws (theory about 0.080), %.4f without\n", sw,
            so);
    assert_true(sw > 10 * so && fabs(sw - 0.080) < 0.02);
    /* replication 7 again, alone: the same bits */
    tc_result *again = tc_result_create(1, 1, tc_run_cfg_bins(&r.cfg));
    assert_int_equal(tc_sim_initialize(r.sim, st, NULL, &r.cfg, err, sizeof err), TC_OK);
    tc_sim_run(r.sim, 7, r.res);
    tc_sim_run(r.sim, 3, again);
    tc_sim_run(r.sim, 7, again);
    assert_true(results_equal(r.res, again));
    tc_sim_terminate(r.sim);
    tc_result_destroy(again);
    tc_state_destroy(st);
    run_close(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parameter_draws),
        cmocka_unit_test(test_onset_exact),
        cmocka_unit_test(test_shrink_never_interrupts),
        cmocka_unit_test(test_preempt_resume),
        cmocka_unit_test(test_start_state),
        cmocka_unit_test(test_blocking),
        cmocka_unit_test(test_dynamic_capacity_storm),
        cmocka_unit_test(test_reproducible),
        cmocka_unit_test(test_invariant_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
