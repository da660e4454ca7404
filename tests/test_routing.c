/*
 * test_routing - products and routing: priorities, a product's own
 * process time at a step, rework and scrap.  Exact results on
 * deterministic plants where a hand derivation exists; queueing theory
 * (Cobham's priority formula, M/M/1 with Bernoulli feedback) inside
 * intervals computed from independent replications otherwise; the schema's
 * errors with file:line:col; the registry paths.
 */
#include <math.h>
#include <string.h>

#include "tc_test.h"
#include "twincast/state.h"

#define LEVEL 0.99

typedef struct run {
    tc_model *m;
    tc_sim *sim;
    tc_result *res;
    tc_run_cfg cfg;
    tc_state *state;
} run;

static void run_open_state(run *r, const char *yaml, const char *state, double horizon, double warmup,
                           const char *scenario)
{
    char err[256];
    r->m = tc_test_model(yaml);
    r->state = NULL;
    if (state && tc_state_parse_json(r->m, state, strlen(state), "state.json", &r->state, err, sizeof err)) {
        print_error("%s\n", err);
        fail();
    }
    tc_run_cfg_default(&r->cfg, r->m);
    r->cfg.horizon = horizon;
    r->cfg.warmup = warmup;
    r->cfg.bin_width = horizon;
    r->sim = tc_sim_create(r->m);
    r->res = tc_result_create(r->m->plant.n_stations, r->m->plant.n_sources, 1);
    const tc_scenario *sc = scenario ? &r->m->scenarios[tc_model_scenario_index(r->m, scenario)] : NULL;
    assert_int_equal(tc_sim_initialize(r->sim, r->state, sc, &r->cfg, err, sizeof err), TC_OK);
}

static void run_open(run *r, const char *yaml, double horizon, double warmup, const char *scenario)
{
    run_open_state(r, yaml, NULL, horizon, warmup, scenario);
}

static void run_close(run *r)
{
    tc_result_destroy(r->res);
    tc_sim_destroy(r->sim);
    tc_state_destroy(r->state);
    tc_model_destroy(r->m);
}

/*
 * One server, service exactly 1; low-priority jobs every 0.25 (so a queue
 * builds), one high-priority job at t = 10.  The job in service then
 * started at 9.25; the high one is next at 10.25, whatever waits before
 * it, and leaves at 11.25: 1.25 in the system.  With equal priorities
 * (a scenario sets it to 0 at t = 0) it waits behind about 28 jobs.
 */
static const char priority_plant[] =
    "stations:\n  S: {process: {dist: constant, value: 1}}\n"
    "sources:\n"
    "  lo: {interarrival: {dist: constant, value: 0.25}, route: [S]}\n"
    "  hi: {interarrival: {dist: constant, value: 10}, priority: 1, route: [S]}\n"
    "scenarios:\n  fifo: [{at: 0, set: hi.priority, value: 0}]\n";

static void test_priority_exact(void **s)
{
    (void)s;
    run r;
    run_open(&r, priority_plant, 15, 0, NULL);
    tc_sim_run(r.sim, 0, r.res);
    assert_int_equal((int)r.res->completed[1], 1);
    assert_close(r.res->time_in_system[1], 1.25, 0);
    run_close(&r);
    run_open(&r, priority_plant, 41, 0, "fifo");
    tc_sim_run(r.sim, 0, r.res);
    /* FIFO: the high job queues behind the 39 low jobs that arrived before 10 (its arrival event
     * was scheduled first, so it precedes the low one arriving at 10 too); the 39th runs from
     * 38.25 to 39.25, the high job from 39.25 to 40.25 */
    assert_int_equal((int)r.res->completed[1], 1);
    assert_close(r.res->time_in_system[1], 30.25, 0);
    run_close(&r);
}

/*
 * A's every job is scrapped (p = 1): it leaves at once, frees A's server,
 * never reaches B.  Arrivals at 1, 2, ..., service exactly 1: by 10.5 the
 * jobs that arrived at 1..9 have finished at 2..10 and been scrapped.  A
 * never blocks, though B has no room at all.
 */
static void test_scrap_exact(void **s)
{
    (void)s;
    run r;
    run_open(&r,
             "stations:\n  A: {process: {dist: constant, value: 1}}\n"
             "  B: {buffer: 0, process: {dist: constant, value: 100}}\n"
             "sources:\n  s: {interarrival: {dist: constant, value: 1},\n"
             "      route: [{station: A, scrap: 1.0}, B]}\n",
             10.5, 0, NULL);
    tc_sim_run(r.sim, 0, r.res);
    assert_int_equal((int)r.res->scrapped[0], 9);
    assert_int_equal((int)r.res->completed[0], 0);
    assert_close(r.res->blocked[0], 0, 0);
    assert_close(r.res->utilisation[1], 0, 0);
    assert_close(r.res->reworks_per_job[0], 0, 0);
    run_close(&r);
}

/*
 * A product's own process time at a step: gadgets take 3 at S, widgets
 * the station's 1.  One gadget arriving at 5 into an idle S leaves at 8.
 */
static void test_step_process_exact(void **s)
{
    (void)s;
    run r;
    run_open(&r,
             "stations:\n  S: {process: {dist: constant, value: 1}}\n"
             "sources:\n  widget: {interarrival: {dist: constant, value: 100}, route: [S]}\n"
             "  gadget: {interarrival: {dist: constant, value: 5},\n"
             "      route: [{station: S, process: {dist: constant, value: 3}}]}\n",
             9, 0, NULL);
    tc_sim_run(r.sim, 0, r.res);
    assert_int_equal((int)r.res->completed[1], 1);
    assert_close(r.res->time_in_system[1], 3, 0);
    assert_int_equal(tc_model_param_find(r.m, "gadget.S.process.value") >= 0, 1);
    run_close(&r);
}

/*
 * Changeovers, one server, process 1, setup 0.5.  A arrives at 4, 8, 12,
 * 16; B at 8, 16 (its arrival was scheduled first, so it goes first at a
 * tie).  4: A, no setup (never worked), leaves at 5.  8: B after A, setup:
 * 8 to 9.5; the A of 8 waits, setup after B: 9.5 to 11.  12: A after A,
 * none: 13.  16: as at 8: B 17.5, A 19.  A's times 1, 3, 1, 3; B's 1.5,
 * 1.5; changeovers 2 of the 20 available, processing 6.
 */
static const char changeover_plant[] =
    "stations:\n  P: {servers: 1, process: {dist: constant, value: 1}, setup: {dist: constant, value: 0.5}}\n"
    "sources:\n  A: {interarrival: {dist: constant, value: 4}, route: [P]}\n"
    "  B: {interarrival: {dist: constant, value: 8}, route: [P]}\n";

static void test_setup_exact(void **s)
{
    (void)s;
    run r;
    run_open(&r, changeover_plant, 20, 0, NULL);
    tc_sim_run(r.sim, 0, r.res);
    assert_int_equal((int)r.res->completed[0], 4);
    assert_close(r.res->time_in_system[0], 2, 1e-12);
    assert_close(r.res->time_in_system[1], 1.5, 1e-12);
    assert_close(r.res->setup[0], 2.0 / 20, 1e-12);
    assert_close(r.res->utilisation[0], 6.0 / 20, 1e-12);
    run_close(&r);
}

/*
 * Two servers: each product finds the server that last ran it, so no
 * changeover ever happens.  B takes 0.5 at P (its step's own time), so at
 * 12 the server B used has been free longer (since 8.5) than A's (since
 * 9): A still takes its own.
 */
static void test_setup_avoided_by_server_choice(void **s)
{
    (void)s;
    run r;
    run_open(
        &r,
        "stations:\n  P: {servers: 2, process: {dist: constant, value: 1}, setup: {dist: constant, value: "
        "0.5}}\n"
        "sources:\n  A: {interarrival: {dist: constant, value: 4}, route: [P]}\n"
        "  B: {interarrival: {dist: constant, value: 8},\n"
        "      route: [{station: P, process: {dist: constant, value: 0.5}}]}\n",
        20, 0, NULL);
    tc_sim_run(r.sim, 0, r.res);
    assert_int_equal((int)r.res->completed[0], 4);
    assert_close(r.res->time_in_system[0], 1, 0);
    assert_close(r.res->time_in_system[1], 0.5, 0);
    assert_close(r.res->setup[0], 0, 0);
    run_close(&r);
}

/*
 * A failure during a changeover: as in test_setup_exact but with setup 2;
 * B's changeover runs from 8, P is down from 9 to 12, the changeover
 * resumes with its remaining 1 (12 to 13), then B is processed to 14: 6 in
 * the system.  The A of 8 then changes over from 14: by 15, changeovers
 * took 1 + 1 + 1 of the 12 available.
 */
static void test_failure_during_setup(void **s)
{
    (void)s;
    run r;
    run_open(&r,
             "stations:\n  P: {servers: 1, process: {dist: constant, value: 1}, setup: {dist: constant, "
             "value: 2}}\n"
             "sources:\n  A: {interarrival: {dist: constant, value: 4}, route: [P]}\n"
             "  B: {interarrival: {dist: constant, value: 8}, route: [P]}\n"
             "scenarios:\n  stop: [{at: 9, down: P}, {at: 12, up: P}]\n",
             15, 0, "stop");
    tc_sim_run(r.sim, 0, r.res);
    assert_int_equal((int)r.res->completed[1], 1);
    assert_close(r.res->time_in_system[1], 6, 1e-12);
    assert_close(r.res->setup[0], 3.0 / 12, 1e-12);
    assert_close(r.res->availability[0], 12.0 / 15, 1e-12);
    run_close(&r);
}

typedef struct tally {
    tc_moments lq, util, t[2], reworks, scrap_share;
} tally;

static void run_tally(const char *yaml, int reps, double horizon, double warmup, tally *t)
{
    run r;
    run_open(&r, yaml, horizon, warmup, NULL);
    memset(t, 0, sizeof *t);
    for (int rep = 0; rep < reps; rep++) {
        tc_sim_run(r.sim, (uint32_t)rep, r.res);
        tc_moments_add(&t->lq, r.res->mean_waiting[0]);
        tc_moments_add(&t->util, r.res->utilisation[0]);
        for (int k = 0; k < r.m->plant.n_sources && k < 2; k++)
            tc_moments_add(&t->t[k], r.res->time_in_system[k]);
        tc_moments_add(&t->reworks, r.res->reworks_per_job[0]);
        double left = r.res->completed[0] + r.res->scrapped[0];
        tc_moments_add(&t->scrap_share, left > 0 ? r.res->scrapped[0] / left : NAN);
    }
    run_close(&r);
}

/*
 * Non-preemptive two-class M/M/1 (Cobham): lambda 0.3 (high) and 0.4
 * (low), exponential service of mean 1.  W0 = sum lambda_i E[S_i^2] / 2 =
 * 0.7; W_k = W0 / ((1 - s_{k-1})(1 - s_k)), s_k the load of classes 1..k:
 * W_hi = 0.7 / 0.7 = 1, W_lo = 0.7 / (0.7 * 0.3); time in system W + 1.
 */
static void test_cobham_priority(void **s)
{
    (void)s;
    tally t;
    run_tally("stations:\n  S: {process: {dist: exponential, mean: 1}}\n"
              "sources:\n"
              "  hi: {interarrival: {dist: exponential, mean: 3.3333333333333335}, priority: 1, route: [S]}\n"
              "  lo: {interarrival: {dist: exponential, mean: 2.5}, route: [S]}\n",
              60, 42000, 2000, &t);
    double w0 = 0.7, s1 = 0.3, s2 = 0.7;
    assert_ci_contains(&t.t[0], 1 + w0 / (1 - s1), LEVEL, "Cobham: time in system, high priority");
    assert_ci_contains(&t.t[1], 1 + w0 / ((1 - s1) * (1 - s2)), LEVEL,
                       "Cobham: time in system, low priority");
    assert_ci_contains(&t.util, s2, LEVEL, "two-class M/M/1 utilisation");
}

/*
 * M/M/1 with Bernoulli feedback: lambda 0.5, mu 1, a job goes round again
 * with p = 0.3.  The station sees lambda / (1 - p) and behaves as an M/M/1
 * at rho = 0.5 / 0.7; the rework passes per job are geometric, mean
 * p / (1 - p).
 */
static void test_bernoulli_feedback(void **s)
{
    (void)s;
    tally t;
    run_tally("stations:\n  S: {process: {dist: exponential, mean: 1}}\n"
              "sources:\n  c: {interarrival: {dist: exponential, mean: 2},\n"
              "      route: [{station: S, rework: {p: 0.3, to: S}}]}\n",
              60, 42000, 2000, &t);
    double p = 0.3, rho = 0.5 / (1 - p);
    assert_ci_contains(&t.lq, rho * rho / (1 - rho), LEVEL, "feedback M/M/1: Lq at lambda/(1-p)");
    assert_ci_contains(&t.util, rho, LEVEL, "feedback M/M/1: utilisation");
    assert_ci_contains(&t.reworks, p / (1 - p), LEVEL, "feedback M/M/1: rework passes per job");
}

/* Rework back to an earlier step and scrap at the same step share one draw: fractions as declared. */
static void test_rework_and_scrap_fractions(void **s)
{
    (void)s;
    tally t;
    run_tally("stations:\n  A: {process: {dist: exponential, mean: 0.5}}\n"
              "  Q: {process: {dist: exponential, mean: 0.2}}\n"
              "sources:\n  c: {interarrival: {dist: exponential, mean: 2},\n"
              "      route: [A, {station: Q, rework: {p: 0.2, to: A}, scrap: 0.1}]}\n",
              40, 20000, 1000, &t);
    /* per pass through Q: out with 0.8, of which scrap 0.1/0.8; passes - 1 is geometric */
    assert_ci_contains(&t.scrap_share, 0.1 / 0.8, LEVEL, "share of jobs scrapped");
    assert_ci_contains(&t.reworks, 0.2 / 0.8, LEVEL, "rework passes per job");
}

/* Registry paths of products and routing, and the validated mutation behind them. */
static void test_paths(void **s)
{
    (void)s;
    tc_model *m = tc_test_model("stations:\n  P: {process: {dist: exponential, mean: 1}}\n"
                                "  Q: {process: {dist: exponential, mean: 1}}\n  Q2: {}\n"
                                "sources:\n  w: {interarrival: {dist: exponential, mean: 3}, priority: 2,\n"
                                "      route: [P, {any: [Q2, Q], process: {dist: gamma, mean: 1, sd: 0.5},\n"
                                "                  rework: {p: 0.06, to: P}, scrap: 0.01}]}\n");
    char err[256];
    const char *paths[] = {"w.priority", "w.Q2.process.mean", "w.Q2.process.sd", "w.Q2.rework.p",
                           "w.Q2.scrap"};
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++)
        if (tc_model_param_find(m, paths[i]) < 0) {
            print_error("no parameter %s\n", paths[i]);
            fail();
        }
    assert_int_equal(tc_model_param_find(m, "Q2.process.mean"), -1); /* Q2 has no process of its own */
    const tc_param *rework = &m->params[tc_model_param_find(m, "w.Q2.rework.p")];
    const tc_param *scrap = &m->params[tc_model_param_find(m, "w.Q2.scrap")];
    assert_close(tc_plant_get(&m->plant, rework), 0.06, 0);
    assert_int_equal(tc_plant_set(&m->plant, scrap, 0.95, err, sizeof err),
                     TC_ERR_INPUT); /* 0.06 + 0.95 > 1 */
    assert_non_null(strstr(err, "w.Q2.scrap"));
    assert_close(tc_plant_get(&m->plant, scrap), 0.01, 0); /* unchanged */
    assert_int_equal(tc_plant_set(&m->plant, rework, 1.0, err, sizeof err), TC_ERR_INPUT);
    assert_int_equal(tc_plant_set(&m->plant, rework, 0.5, err, sizeof err), TC_OK);
    const tc_param *prio = &m->params[tc_model_param_find(m, "w.priority")];
    assert_int_equal(tc_plant_set(&m->plant, prio, 1.5, err, sizeof err), TC_ERR_INPUT);
    assert_int_equal(m->plant.sources[0].priority, 2);
    tc_model_destroy(m);
}

static void expect_error(const char *yaml, const char *want)
{
    char err[1024] = "";
    tc_model *m = NULL;
    tc_status st = tc_model_load_string(yaml, "bad.yaml", &m, err, sizeof err);
    if (st != TC_ERR_INPUT || !strstr(err, want)) {
        print_error("status %d, message '%s', wanted '%s'\n", st, err, want);
        fail();
    }
    assert_null(m);
}

#define TWO                                                                                                  \
    "stations:\n  A: {process: {dist: exponential, mean: 1}}\n  B: {process: {dist: exponential, mean: "     \
    "1}}\n"
#define SRC "sources:\n  s: {interarrival: {dist: exponential, mean: 1}, "

static void test_bad_routes(void **s)
{
    (void)s;
    expect_error(
        TWO SRC "route: [A, {station: B, rework: {p: 0.1, to: C}}]}\n",
        "bad.yaml:5:96: source s step B rework: to 'C' is not a station of this step or of an earlier");
    expect_error(TWO SRC "route: [{station: A, rework: {p: 0.1, to: B}}, B]}\n",
                 "to 'B' is not a station of this step or of an earlier step");
    expect_error(TWO SRC "route: [A, {station: B, rework: {p: 1, to: A}}]}\n", "p must be below 1");
    expect_error(TWO SRC "route: [A, {station: B, rework: {p: 1.5, to: A}}]}\n",
                 "must be a probability from 0 to 1, got 1.5");
    expect_error(TWO SRC "route: [A, {station: B, rework: {p: 0.6, to: A}, scrap: 0.5}]}\n",
                 "rework p + scrap = 1.1 exceeds 1");
    expect_error(TWO SRC "route: [A, {station: B, any: [A]}]}\n", "give exactly one of 'station: NAME'");
    expect_error(TWO SRC "route: [A, {station: B, setp: 1}]}\n", "unknown key 'setp'");
    expect_error(TWO SRC "route: [A, B], priority: 1.5}\n", "priority");
    expect_error("stations:\n  A: {servers: 1}\n" SRC "route: [A]}\n",
                 "bad.yaml:4:59: source s: station A has no 'process' of its own, so this step must set one");
    expect_error(TWO SRC "route: [A, B, A]}\n", "appears twice in the route (a route cycle)");
}

/*
 * A rework loop's pass count: one job at a time (arrivals every 1000,
 * service exactly 1, rework to itself with p = 0.5), so a job's time in
 * the system is exactly its passes: 1 + its reworks.  Sums of whole
 * numbers are exact, so the identity holds to the last bit, and S's
 * departures are every pass of every job.
 */
static void test_rework_pass_count(void **s)
{
    (void)s;
    run r;
    run_open(&r,
             "stations:\n  S: {process: {dist: constant, value: 1}}\n"
             "sources:\n  c: {interarrival: {dist: constant, value: 1000},\n"
             "      route: [{station: S, rework: {p: 0.5, to: S}}]}\n",
             200500, 0, NULL);
    for (uint32_t rep = 0; rep < 3; rep++) {
        tc_sim_run(r.sim, rep, r.res);
        double done = r.res->completed[0], reworks = r.res->reworks_per_job[0] * done;
        assert_int_equal((int)done, 200);
        assert_close(reworks, round(reworks), 1e-9);
        assert_close(r.res->time_in_system[0], 1 + r.res->reworks_per_job[0], 1e-12);
        assert_close(r.res->throughput[0] * 200500, done + reworks, 1e-6);
        assert_true(r.res->reworks_per_job[0] > 0.5 && r.res->reworks_per_job[0] < 1.5); /* mean 1 */
    }
    run_close(&r);
}

/*
 * A batch started at its size: the oven bakes 3 at a time for 2.5; jobs
 * arrive at 1, 2, 3, ...  Batches start at 3, 6, 9 and 12 (each when its
 * third job arrives; the server is free again at 5.5, 8.5, 11.5) and the
 * jobs of a batch wait 2, 1 and 0 before it: in the system 4.5, 3.5, 2.5.
 * By 12.5 three batches are done: 9 jobs, 3.5 on average; busy 3 x 2.5 +
 * 0.5 of 12.5; waiting integral 4 x 3.  The line after the oven never
 * batches: its mean_batch is NaN.
 */
static void test_batch_at_size(void **s)
{
    (void)s;
    run r;
    run_open(&r,
             "stations:\n  oven: {batch: {size: 3}, process: {dist: constant, value: 2.5}}\n"
             "  pack: {servers: 9, process: {dist: constant, value: 0}}\n"
             "sources:\n  c: {interarrival: {dist: constant, value: 1}, route: [oven, pack]}\n",
             12.5, 0, NULL);
    tc_sim_run(r.sim, 0, r.res);
    assert_int_equal((int)r.res->completed[0], 9);
    assert_close(r.res->time_in_system[0], 3.5, 1e-12);
    assert_close(r.res->mean_batch[0], 3, 0);
    assert_true(isnan(r.res->mean_batch[1]));
    assert_close(r.res->utilisation[0], 8 / 12.5, 1e-12);
    assert_close(r.res->mean_waiting[0], 12 / 12.5, 1e-12);
    assert_close(r.res->throughput[0] * 12.5, 9, 1e-9);
    run_close(&r);
}

/*
 * A batch started at max_wait: size 3, max_wait 1.5, arrivals every 1.
 * The job of 1 has waited 1.5 at 2.5: the batch {1, 2} starts then and
 * ends at 3.5; the job of 3 has waited 1.5 at 4.5: {3, 4} until 5.5; and
 * so on - never a full batch.  By 10: 8 jobs done (1.5 after they
 * arrived, or 2.5), batches of 2.
 */
static void test_batch_at_max_wait(void **s)
{
    (void)s;
    run r;
    run_open(&r,
             "stations:\n  oven: {batch: {size: 3, max_wait: 1.5}, process: {dist: constant, value: 1}}\n"
             "sources:\n  c: {interarrival: {dist: constant, value: 1}, route: [oven]}\n",
             10, 0, NULL);
    tc_sim_run(r.sim, 0, r.res);
    assert_int_equal((int)r.res->completed[0], 8);
    assert_close(r.res->time_in_system[0], 2, 1e-12);
    assert_close(r.res->mean_batch[0], 2, 0);
    assert_close(r.res->utilisation[0], 4 / 10.0, 1e-12);
    run_close(&r);
    /* the same with max_wait set by a scenario path: 1.5 from t = 0 */
    run_open(&r,
             "stations:\n  oven: {batch: {size: 3}, process: {dist: constant, value: 1}}\n"
             "sources:\n  c: {interarrival: {dist: constant, value: 1}, route: [oven]}\n"
             "scenarios:\n  partial: [{at: 0, set: oven.batch.max_wait, value: 1.5}]\n",
             10, 0, "partial");
    tc_sim_run(r.sim, 0, r.res);
    assert_int_equal((int)r.res->completed[0], 8);
    assert_close(r.res->mean_batch[0], 2, 0);
    run_close(&r);
}

/*
 * A failure during a batch: size 2, process 4; {1, 2} starts at 2, the
 * oven is down from 3 to 5, the batch resumes with its remaining 3 and
 * ends at 8: in the system 7 and 6.  Busy 2-3 and 5-8.5 (the next batch
 * starts at 8) of the 6.5 up.
 */
static void test_batch_failure(void **s)
{
    (void)s;
    run r;
    run_open(&r,
             "stations:\n  oven: {batch: {size: 2}, process: {dist: constant, value: 4}}\n"
             "sources:\n  c: {interarrival: {dist: constant, value: 1}, route: [oven]}\n"
             "scenarios:\n  stop: [{at: 3, down: oven}, {at: 5, up: oven}]\n",
             8.5, 0, "stop");
    tc_sim_run(r.sim, 0, r.res);
    assert_int_equal((int)r.res->completed[0], 2);
    assert_close(r.res->time_in_system[0], 6.5, 1e-12);
    assert_close(r.res->utilisation[0], 4.5 / 6.5, 1e-12);
    assert_close(r.res->availability[0], 6.5 / 8.5, 1e-12);
    run_close(&r);
}

/*
 * The server stays blocked until its whole batch has left: {1, 2} bakes
 * 2 to 3; B (one server, no buffer, 3 each) takes job 1 at 3, and job 2
 * is held until B frees at 6.  The oven is blocked 3 to 6, then starts
 * {3, 4} at 6 though jobs 3, 4 and 5 waited long before.
 */
static void test_batch_held_until_all_leave(void **s)
{
    (void)s;
    run r;
    run_open(&r,
             "stations:\n  oven: {batch: {size: 2}, process: {dist: constant, value: 1}}\n"
             "  B: {buffer: 0, process: {dist: constant, value: 3}}\n"
             "sources:\n  c: {interarrival: {dist: constant, value: 1}, route: [oven, B]}\n",
             6.5, 0, NULL);
    tc_sim_run(r.sim, 0, r.res);
    assert_int_equal((int)r.res->completed[0], 1);
    assert_close(r.res->time_in_system[0], 5, 0);
    assert_close(r.res->blocked[0], 3 / 6.5, 1e-12);
    assert_close(r.res->utilisation[0], 1.5 / 6.5, 1e-12);
    assert_close(r.res->throughput[0] * 6.5, 2, 1e-9);
    run_close(&r);
}

/* Batch paths and the schema's batch errors. */
static void test_batch_schema(void **s)
{
    (void)s;
    tc_model *m =
        tc_test_model("stations:\n  oven: {batch: {size: 8, max_wait: 20min},\n"
                      "    process: {dist: normal, mean: 30, sd: 2}}\n"
                      "time_unit: min\n"
                      "sources:\n  w: {interarrival: {dist: exponential, mean: 3}, route: [oven]}\n");
    char err[256];
    const tc_param *size = &m->params[tc_model_param_find(m, "oven.batch.size")];
    const tc_param *wait = &m->params[tc_model_param_find(m, "oven.batch.max_wait")];
    assert_close(tc_plant_get(&m->plant, size), 8, 0);
    assert_close(tc_plant_get(&m->plant, wait), 20, 0);
    assert_int_equal(tc_plant_set(&m->plant, size, 0, err, sizeof err), TC_ERR_INPUT);
    assert_int_equal(tc_plant_set(&m->plant, size, 2.5, err, sizeof err), TC_ERR_INPUT);
    assert_int_equal(tc_plant_set(&m->plant, wait, -1, err, sizeof err), TC_ERR_INPUT);
    assert_int_equal(tc_plant_set(&m->plant, size, 4, err, sizeof err), TC_OK);
    assert_int_equal(m->plant.stations[0].batch_size, 4);
    tc_model_destroy(m);
#define OVEN "stations:\n  oven: {batch: {size: 4}, process: {dist: exponential, mean: 1}}\n"
    expect_error(OVEN SRC "route: [{station: oven, process: {dist: exponential, mean: 2}}]}\n",
                 "bad.yaml:4:75: source s step oven: oven is a batch station (one process time per batch, no "
                 "changeovers): a step there cannot set its own 'process'");
    expect_error(OVEN SRC "route: [{station: oven, setup: {dist: exponential, mean: 2}}]}\n",
                 "cannot set its own 'setup'");
    expect_error("stations:\n  oven: {setup: {dist: constant, value: 1}, batch: {size: 2},\n"
                 "    process: {dist: exponential, mean: 1}}\n" SRC "route: [oven]}\n",
                 "bad.yaml:2:45: station oven: a batch station has no changeovers: remove 'setup'");
    expect_error(
        "stations:\n  oven: {buffer: 3, batch: {size: 4}, process: {dist: exponential, mean: 1}}\n" SRC
        "route: [oven]}\n",
        "bad.yaml:2:35: station oven batch: size 4 exceeds buffer 3, so a full batch could never wait");
    expect_error("stations:\n  oven: {batch: {size: 0}, process: {dist: exponential, mean: 1}}\n" SRC
                 "route: [oven]}\n",
                 "bad.yaml:2:24");
    expect_error("stations:\n  oven: {batch: {max_wait: 3}, process: {dist: exponential, mean: 1}}\n" SRC
                 "route: [oven]}\n",
                 "station oven batch: missing 'size'");
    expect_error(
        "stations:\n  oven: {batch: {size: 2, max_wait: -3}, process: {dist: exponential, mean: 1}}\n" SRC
        "route: [oven]}\n",
        "max_wait");
}

/*
 * A start state with products at a changeover station (one server,
 * process 1, setup 0.5; no arrivals before 100).  A gadget in a changeover
 * for 0.2 of its 0.5: 0.3 more, then processing to 1.3.  A widget waits;
 * the server last ran the gadget: a changeover 1.3 to 1.8, processing to
 * 2.8.  Of 3: changeovers 0.8, processing 2.  Had the server last run a
 * widget with nothing in service, the widget would start at 0 with none.
 */
static void test_state_products_changeover(void **s)
{
    (void)s;
    static const char plant[] =
        "stations:\n  P: {process: {dist: constant, value: 1}, setup: {dist: constant, value: 0.5}}\n"
        "sources:\n  widget: {interarrival: {dist: constant, value: 100}, route: [P]}\n"
        "  gadget: {interarrival: {dist: constant, value: 100}, route: [P]}\n";
    run r;
    run_open_state(&r, plant,
                   "{\"stations\": {\"P\": {\"waiting\": [{\"product\": \"widget\"}],\n"
                   "  \"in_service\": [{\"product\": \"gadget\", \"elapsed\": 0.2, \"phase\": \"setup\"}]}}}",
                   3, 0, NULL);
    tc_sim_run(r.sim, 0, r.res);
    assert_close(r.res->setup[0], 0.8 / 3, 1e-12);
    assert_close(r.res->utilisation[0], 2 / 3.0, 1e-12);
    run_close(&r);
    run_open_state(&r, plant, "{\"stations\": {\"P\": {\"waiting\": 1, \"last_product\": [\"widget\"]}}}", 3,
                   0, NULL);
    tc_sim_run(r.sim, 0, r.res);
    assert_close(r.res->setup[0], 0, 0);
    assert_close(r.res->utilisation[0], 1 / 3.0, 1e-12);
    run_close(&r);
    /* the same with the server's last product a gadget: the widget changes over first */
    run_open_state(&r, plant, "{\"stations\": {\"P\": {\"waiting\": 1, \"last_product\": [\"gadget\"]}}}", 3,
                   0, NULL);
    tc_sim_run(r.sim, 0, r.res);
    assert_close(r.res->setup[0], 0.5 / 3, 1e-12);
    run_close(&r);
}

/*
 * A start state at a batch station (size 3, max_wait 2, process 4;
 * arrivals at 2.5, 5, 7.5).  A batch of 3 in process for 1: done at 3.  A
 * job that has waited 1.5 is overdue by then, so at 3 it goes with the
 * job of 2.5 (3 to 7); the job of 5 has waited 2 at 7, when the oven
 * frees: alone, 7 to 11.  By 7.5: 5 jobs left the oven, batches of 2 and
 * 1 started, the job of 2.5 done after 4.5.
 */
static void test_state_batch(void **s)
{
    (void)s;
    run r;
    run_open_state(&r,
                   "stations:\n  oven: {batch: {size: 3, max_wait: 2}, process: {dist: constant, value: 4}}\n"
                   "sources:\n  c: {interarrival: {dist: constant, value: 2.5}, route: [oven]}\n",
                   "{\"stations\": {\"oven\": {\"in_service\": [{\"elapsed\": 1, \"batch\": 3}],\n"
                   "  \"waiting\": [{\"product\": \"c\", \"waited\": 1.5}]}}}",
                   7.5, 0, NULL);
    tc_sim_run(r.sim, 0, r.res);
    assert_close(r.res->throughput[0] * 7.5, 5, 1e-9);
    assert_close(r.res->mean_batch[0], 1.5, 0);
    assert_int_equal((int)r.res->completed[0], 1);
    assert_close(r.res->time_in_system[0], 4.5, 1e-12);
    assert_close(r.res->utilisation[0], 1, 1e-12);
    run_close(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_priority_exact),
        cmocka_unit_test(test_scrap_exact),
        cmocka_unit_test(test_step_process_exact),
        cmocka_unit_test(test_cobham_priority),
        cmocka_unit_test(test_bernoulli_feedback),
        cmocka_unit_test(test_rework_and_scrap_fractions),
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_bad_routes),
        cmocka_unit_test(test_setup_exact),
        cmocka_unit_test(test_setup_avoided_by_server_choice),
        cmocka_unit_test(test_failure_during_setup),
        cmocka_unit_test(test_rework_pass_count),
        cmocka_unit_test(test_batch_at_size),
        cmocka_unit_test(test_batch_at_max_wait),
        cmocka_unit_test(test_batch_failure),
        cmocka_unit_test(test_batch_held_until_all_leave),
        cmocka_unit_test(test_batch_schema),
        cmocka_unit_test(test_state_products_changeover),
        cmocka_unit_test(test_state_batch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
