/*
 * test_timetable - the plant's calendar in the engine: shifts, breaks,
 * holidays, at_close finish/pause, planned maintenance, live capacity
 * overridden by the next scheduled change, time-varying arrivals.
 * Exact results on deterministic plants (each derivation in its comment);
 * queueing theory inside computed intervals otherwise: M_t/M/infinity per
 * bin, arrivals per period against the integral of the rate, and the
 * long-run throughput of a station open 16 of 24 hours.
 */
#include <math.h>
#include <string.h>

#include "tc_test.h"
#include "twincast/clock.h"
#include "twincast/state.h"

#define LEVEL 0.99

typedef struct run {
    tc_model *m;
    tc_timetable *tt;
    tc_sim *sim;
    tc_result *res;
    tc_run_cfg cfg;
    tc_state *state;
} run;

/* start: an ISO time, or NULL for the model's */
static void run_open(run *r, const char *yaml, const char *state, const char *start, double horizon,
                     double warmup, const char *scenario)
{
    char err[256];
    memset(r, 0, sizeof *r);
    r->m = tc_test_model(yaml);
    if (state && tc_state_parse_json(r->m, state, strlen(state), "state.json", &r->state, err, sizeof err)) {
        print_error("%s\n", err);
        fail();
    }
    double t0 = r->m->start;
    if (start)
        assert_int_equal(tc_iso_parse(start, &t0), 0);
    assert_int_equal(tc_timetable_build(r->m, t0, horizon, &r->tt, err, sizeof err), TC_OK);
    tc_run_cfg_default(&r->cfg, r->m);
    r->cfg.horizon = horizon;
    r->cfg.warmup = warmup;
    r->cfg.bin_width = horizon;
    r->cfg.timetable = r->tt;
    r->sim = tc_sim_create(r->m);
    r->res = tc_result_create(r->m->plant.n_stations, r->m->plant.n_sources, 1);
    const tc_scenario *sc = scenario ? &r->m->scenarios[tc_model_scenario_index(r->m, scenario)] : NULL;
    assert_int_equal(tc_sim_initialize(r->sim, r->state, sc, &r->cfg, err, sizeof err), TC_OK);
}

static void run_close(run *r)
{
    tc_result_destroy(r->res);
    tc_sim_destroy(r->sim);
    tc_timetable_destroy(r->tt);
    tc_state_destroy(r->state);
    tc_model_destroy(r->m);
}

/* The capacity changes of station 0, as (time, servers) pairs; returns how many. */
static int capacity_changes(const tc_timetable *tt, double *at, int *servers, int max)
{
    int n = 0;
    for (int i = 0; i < tt->n_changes && n < max; i++)
        if (tt->changes[i].kind == TC_SHIFT_SERVERS && tt->changes[i].station == 0) {
            at[n] = tt->changes[i].at;
            servers[n++] = tt->changes[i].servers;
        }
    return n;
}

/* ---- shifts -------------------------------------------------------------------- */

/* A night shift with one server, 22:00 to 06:00, Monday to Friday nights; two servers otherwise. */
#define NIGHT_PLANT(start)                                                                                   \
    "timezone: Europe/Berlin\nstart: " start "\n"                                                            \
    "stations:\n  S:\n    servers: 2\n    process: {dist: constant, value: 1}\n"                             \
    "    schedule: [{days: Mon-Fri, from: \"22:00\", to: \"06:00\", servers: 1}]\n"                          \
    "sources:\n  a: {interarrival: {dist: constant, value: 0.25}, route: [S]}\n"

/*
 * Friday 21:00: two servers for 60 min, one from 22:00 (the night that
 * starts on Friday runs over midnight) until 06:00 Saturday, 540 min in.
 * Always a queue (4 arrivals a minute).  Two servers start at 0.25 and 0.5
 * and each finish 60 jobs (the last at 60.25 and 60.5: finish, the default
 * at_close).  At 60.25 one server is still busy, which is all there is; at
 * 60.5 the one server starts and runs 1-minute jobs back to back: starts
 * 60.5 .. 539.5 = 480 jobs.  At 540 the second server starts at once (540,
 * 541, ... 599: 60 completions by the horizon 600); the first, free at
 * 540.5, completes 541.5 .. 599.5: 59.  In all 120 + 480 + 60 + 59 = 719.
 */
static void test_night_shift_across_midnight(void **s)
{
    (void)s;
    run r;
    run_open(&r, NIGHT_PLANT("2026-12-11T21:00:00+01:00"), NULL, NULL, 600, 0, NULL);
    double at[8];
    int sv[8];
    assert_int_equal(capacity_changes(r.tt, at, sv, 8), 2);
    assert_close(at[0], 60, 0);
    assert_int_equal(sv[0], 1);
    assert_close(at[1], 540, 0);
    assert_int_equal(sv[1], 2);
    assert_int_equal(r.tt->servers0[0], 2);
    tc_sim_run(r.sim, 0, r.res);
    assert_close(r.res->completed[0], 719, 0);
    run_close(&r);
}

/*
 * Daylight saving in Europe/Berlin: the night of Sat 28 to Sun 29 March
 * 2026 has no 02:00-03:00, so 22:00 to 06:00 lasts 7 hours; the night of
 * Sat 24 to Sun 25 October repeats 02:00-03:00, so it lasts 9.  Friday and
 * Saturday nights both start a period (Mon-Fri means nights starting Mon
 * to Fri).  Here the schedule's days are every day.
 */
static void test_shift_across_daylight_saving(void **s)
{
    (void)s;
    static const char spring[] =
        "timezone: Europe/Berlin\nstart: 2026-03-28T21:00:00+01:00\n"
        "stations:\n  S:\n    servers: 2\n    process: {dist: constant, value: 1}\n"
        "    schedule: [{days: Mon-Sun, from: \"22:00\", to: \"06:00\", servers: 1}]\n"
        "sources:\n  a: {interarrival: {dist: constant, value: 0.25}, route: [S]}\n";
    run r;
    double at[8];
    int sv[8];
    run_open(&r, spring, NULL, NULL, 720, 0, NULL);
    assert_int_equal(capacity_changes(r.tt, at, sv, 8), 2);
    assert_close(at[0], 60, 0);
    assert_close(at[1], 60 + 7 * 60, 0);
    run_close(&r);
    run_open(&r, spring, NULL, "2026-10-24T21:00:00+02:00", 720, 0, NULL);
    assert_int_equal(capacity_changes(r.tt, at, sv, 8), 2);
    assert_close(at[0], 60, 0);
    assert_close(at[1], 60 + 9 * 60, 0);
    /* the engine follows: one server for 540 min instead of 480 (see the night-shift count) */
    tc_sim_run(r.sim, 0, r.res);
    assert_close(r.res->completed[0], 120 + 540 + 2 * 120 - 1, 0);
    run_close(&r);
}

/* ---- closing: finish or pause ------------------------------------------------------ */

/*
 * Open Monday and Tuesday 06:00-07:00; arrivals only in Monday's open hour,
 * one every 55 min of it: one job, at 55 (06:55), needing 10 min.  At 07:00
 * (60) the station closes.  finish: it completes at 65, 10 min in the
 * system.  pause: it stops with 5 min left and resumes at Tuesday 06:00
 * (1440), leaving at 1445: 1390 min in the system.
 */
#define CLOSING_PLANT(at_close)                                                                              \
    "start: 2026-12-07T06:00:00Z\n"                                                                          \
    "calendars:\n  early: [{days: Mon-Tue, from: \"06:00\", to: \"07:00\"}]\n"                               \
    "  monday: [{days: Mon, from: \"06:00\", to: \"07:00\"}]\n"                                              \
    "stations:\n  S:\n    process: {dist: constant, value: 10}\n    at_close: " at_close "\n"                \
    "    schedule: [{calendar: early, closed_servers: 0}]\n"                                                 \
    "sources:\n  a:\n    interarrival: {dist: constant, value: 55}\n    route: [S]\n"                        \
    "    rate: [{calendar: monday, closed_factor: 0}]\n"

static void test_close_finish_or_pause(void **s)
{
    (void)s;
    run r;
    run_open(&r, CLOSING_PLANT("finish"), NULL, NULL, 1500, 0, NULL);
    tc_sim_run(r.sim, 0, r.res);
    assert_close(r.res->completed[0], 1, 0);
    assert_close(r.res->time_in_system[0], 10, 0);
    run_close(&r);
    run_open(&r, CLOSING_PLANT("pause"), NULL, NULL, 1500, 0, NULL);
    tc_sim_run(r.sim, 0, r.res);
    assert_close(r.res->completed[0], 1, 0);
    assert_close(r.res->time_in_system[0], 1390, 0);
    run_close(&r);
}

/*
 * A break Monday 06:30 for 15 min (30..45), process 10.  finish, arrivals
 * every 32: the job of 32 waits out the break, 45..55 (23 in the system);
 * the job of 64 leaves at 74 (10): mean 16.5 by 80.  pause, arrivals every
 * 25: the job of 25 stops at 30 with 5 left, resumes at 45, leaves at 50
 * (25); the job of 50 leaves at 60 (10): mean 17.5 by 70.
 */
#define BREAK_PLANT(at_close, every)                                                                         \
    "start: 2026-12-07T06:00:00Z\n"                                                                          \
    "stations:\n  S:\n    process: {dist: constant, value: 10}\n    at_close: " at_close "\n"                \
    "    breaks: [{days: Mon, at: \"06:30\", for: 15min}]\n"                                                 \
    "sources:\n  a: {interarrival: {dist: constant, value: " every "}, route: [S]}\n"

static void test_break(void **s)
{
    (void)s;
    run r;
    run_open(&r, BREAK_PLANT("finish", "32"), NULL, NULL, 80, 0, NULL);
    tc_sim_run(r.sim, 0, r.res);
    assert_close(r.res->completed[0], 2, 0);
    assert_close(r.res->time_in_system[0], 16.5, 0);
    run_close(&r);
    run_open(&r, BREAK_PLANT("pause", "25"), NULL, NULL, 70, 0, NULL);
    tc_sim_run(r.sim, 0, r.res);
    assert_close(r.res->completed[0], 2, 0);
    assert_close(r.res->time_in_system[0], 17.5, 0);
    run_close(&r);
}

/*
 * Monday 7 December 2026 is a holiday: nothing arrives or works until
 * Tuesday 06:00.  Arrivals every 60 min of open time: Tuesday 07:00 (1860),
 * 08:00, ... 12:00 (2160, the horizon: it arrives but is not served).
 * Process 1: five jobs leave.  Were the holiday ignored, Monday's sixteen
 * hours would add fifteen or sixteen.
 */
static void test_holiday(void **s)
{
    (void)s;
    static const char plant[] =
        "start: 2026-12-07T00:00:00Z\n"
        "calendars:\n  day: [{days: Mon-Fri, from: \"06:00\", to: \"22:00\"}]\n  holidays: [2026-12-07]\n"
        "stations:\n  S:\n    process: {dist: constant, value: 1}\n"
        "    schedule: [{calendar: day, closed_servers: 0}]\n"
        "sources:\n  a:\n    interarrival: {dist: constant, value: 60}\n    route: [S]\n"
        "    rate: [{calendar: day, closed_factor: 0}]\n";
    run r;
    run_open(&r, plant, NULL, NULL, 36 * 60, 0, NULL);
    tc_sim_run(r.sim, 0, r.res);
    assert_close(r.res->completed[0], 5, 0);
    assert_close(r.res->time_in_system[0], 1, 0);
    run_close(&r);
}

/* ---- maintenance ----------------------------------------------------------------------- */

/*
 * Maintenance 06:30 for 20 min (30..50); arrivals every 25, process 10.
 * The job of 25 is preempted at 30 with 5 left and resumes at 50, leaving
 * at 55 (30 in the system); the job of 50 waits for it and would leave at
 * 65, after the horizon 60.  Down 20 of 60 min, all of it planned.  A
 * failure that cannot happen in the horizon (ttf 1000) keeps its clock.
 */
static void test_maintenance_preempt_resume(void **s)
{
    (void)s;
    static const char plant[] =
        "start: 2026-12-07T06:00:00Z\n"
        "stations:\n  S:\n    process: {dist: constant, value: 10}\n"
        "    failure: {ttf: {dist: constant, value: 1000}, ttr: {dist: constant, value: 1}}\n"
        "maintenance:\n  - {station: S, at: 2026-12-07T06:30:00Z, for: 20min}\n"
        "sources:\n  a: {interarrival: {dist: constant, value: 25}, route: [S]}\n";
    run r;
    run_open(&r, plant, NULL, NULL, 60, 0, NULL);
    tc_sim_run(r.sim, 0, r.res);
    assert_close(r.res->completed[0], 1, 0);
    assert_close(r.res->time_in_system[0], 30, 0);
    assert_close(r.res->planned_down[0], 20.0 / 60, 1e-12);
    assert_close(r.res->availability[0], 40.0 / 60, 1e-12);
    run_close(&r);
}

/*
 * Maintenance every Sunday 06:00 for 2 h; from Sunday 05:00 that is 60..180.
 * A failure is due after 100 min, repairs take 30; horizon 300.
 * Operating clock: the maintenance voids the failure due at 100 and renews
 * the clock at 180, so it fails at 280: down 60..180 (planned) and 280..300.
 * Calendar clock: it fails at 100, inside the maintenance; the repair ends
 * at 130, the next failure is due at 230 and the station is up from 180:
 * down 60..180 (planned) and 230..260.
 */
#define FAILING_PLANT(clock)                                                                                 \
    "start: 2026-12-13T05:00:00Z\n"                                                                          \
    "stations:\n  S:\n    process: {dist: constant, value: 1000}\n"                                          \
    "    failure: {ttf: {dist: constant, value: 100}, ttr: {dist: constant, value: 30}, clock: " clock "}\n" \
    "maintenance:\n  - {station: S, every: {days: Sun, at: \"06:00\"}, for: 2h}\n"                           \
    "sources:\n  a: {interarrival: {dist: constant, value: 5000}, route: [S]}\n"

static void test_maintenance_and_failure_clock(void **s)
{
    (void)s;
    run r;
    run_open(&r, FAILING_PLANT("operating"), NULL, NULL, 300, 0, NULL);
    tc_sim_run(r.sim, 0, r.res);
    assert_close(r.res->planned_down[0], 120.0 / 300, 1e-12);
    assert_close(r.res->availability[0], (300 - 120 - 20) / 300.0, 1e-12);
    run_close(&r);
    run_open(&r, FAILING_PLANT("calendar"), NULL, NULL, 300, 0, NULL);
    tc_sim_run(r.sim, 0, r.res);
    assert_close(r.res->planned_down[0], 120.0 / 300, 1e-12);
    assert_close(r.res->availability[0], (300 - 120 - 30) / 300.0, 1e-12);
    run_close(&r);
}

/* ---- live capacity ------------------------------------------------------------------ */

/*
 * The schedule gives two servers 06:00-07:00 and three 07:00-08:00.  The
 * state (a live `set`) reports one server: it holds until 07:00 (60), then
 * the schedule's three take over.  Always a queue: the first server runs
 * jobs 0.25 .. 118.25 (118 done by the horizon 119), the two more start at
 * 60 and finish 59 each: 236.  A `set` event (the twin writes it among the
 * state's params) and a scenario setting one server at 0 do the same.
 */
static void test_live_set_overridden(void **s)
{
    (void)s;
    static const char plant[] =
        "start: 2026-12-07T06:00:00Z\n"
        "stations:\n  S:\n    process: {dist: constant, value: 1}\n"
        "    schedule:\n      - {days: Mon, from: \"06:00\", to: \"07:00\", servers: 2}\n"
        "      - {days: Mon, from: \"07:00\", to: \"08:00\", servers: 3}\n"
        "sources:\n  a: {interarrival: {dist: constant, value: 0.25}, route: [S]}\n"
        "scenarios:\n  one: [{at: 0, set: S.servers, value: 1}]\n";
    run r;
    run_open(&r, plant, "{\"stations\": {\"S\": {\"servers\": 1}}}", NULL, 119, 0, NULL);
    tc_sim_run(r.sim, 0, r.res);
    assert_close(r.res->completed[0], 236, 0);
    run_close(&r);
    run_open(&r, plant, "{\"params\": {\"S.servers\": 1}}", NULL, 119, 0, NULL); /* a `set` event */
    tc_sim_run(r.sim, 0, r.res);
    assert_close(r.res->completed[0], 236, 0);
    run_close(&r);
    run_open(&r, plant, NULL, NULL, 119, 0, "one");
    tc_sim_run(r.sim, 0, r.res);
    assert_close(r.res->completed[0], 236, 0);
    run_close(&r);
    run_open(&r, plant, NULL, NULL, 119, 0, NULL); /* two servers (118 each), a third from 60 (59) */
    tc_sim_run(r.sim, 0, r.res);
    assert_close(r.res->completed[0], 118 + 118 + 59, 0);
    run_close(&r);
}

/*
 * Friday 21:30, the plant closes at 22:00 (30).  Arrivals every 7 min,
 * process 1: no queue while open; the job of 28 leaves at 29.  From 35 the
 * jobs wait: the tenth (the threshold) joins at 28 + 70 = 98.  Without the
 * calendar no queue would ever form.
 */
static void test_friday_closure_seen(void **s)
{
    (void)s;
    static const char plant[] =
        "timezone: Europe/Berlin\nstart: 2026-12-07T06:00:00+01:00\n"
        "calendars:\n  shifts: [{days: Mon-Fri, from: \"06:00\", to: \"22:00\"}]\n"
        "stations:\n  S:\n    process: {dist: constant, value: 1}\n    threshold: 10\n"
        "    schedule: [{calendar: shifts, closed_servers: 0}]\n"
        "sources:\n  a: {interarrival: {dist: constant, value: 7}, route: [S]}\n";
    run r;
    run_open(&r, plant, NULL, "2026-12-11T21:30:00+01:00", 480, 0, NULL);
    tc_sim_run(r.sim, 0, r.res);
    assert_close(r.res->onset[0], 98, 0);
    assert_close(r.res->completed[0], 4, 0);
    run_close(&r);
    run_open(&r, plant, NULL, "2026-12-09T21:30:00+01:00", 20, 0, NULL); /* a Wednesday, before 22:00 */
    tc_sim_run(r.sim, 0, r.res);
    assert_true(isnan(r.res->onset[0]));
    run_close(&r);
}

/* ---- theory ------------------------------------------------------------------------ */

/*
 * M_t/M/infinity, empty at 0: m(t) = integral_0^t lambda(u) exp(-(t-u)/mu) du.
 * lambda = 1/min, 3/min Monday 07:00-08:00, 0 from 08:00 to 08:30; mu = 10.
 * The mean number in service over each 30-min bin (its utilisation times
 * the servers, with a warm-up at the bin's start) against the bin's mean
 * of m(t); and the arrivals per period (jobs leaving T, first on the route,
 * which takes 1e-6 min) against the integral of the rate, 0 where it is 0.
 */
static const char mt_plant[] =
    "start: 2026-12-07T06:00:00Z\n"
    "stations:\n  S:\n    servers: 100000\n    process: {dist: exponential, mean: 10}\n"
    "  T:\n    servers: 100000\n    process: {dist: constant, value: 0.000001}\n"
    "sources:\n  a:\n    interarrival: {dist: exponential, mean: 1}\n    route: [T, S]\n"
    "    rate:\n      - {days: Mon, from: \"07:00\", to: \"08:00\", factor: 3}\n"
    "      - {days: Mon, from: \"08:00\", to: \"08:30\", factor: 0}\n";

static double rate_at(double t)
{
    return t >= 60 && t < 120 ? 3 : (t >= 120 && t < 150 ? 0 : 1);
}

/* m(t), by the trapezoid rule on a fine grid (the integrand is smooth between rate changes) */
static double m_of_t(double t)
{
    int n = 20000;
    double h = t / n, sum = 0;
    for (int i = 0; i <= n; i++) {
        double u = i * h, w = (i == 0 || i == n) ? 0.5 : 1;
        sum += w * rate_at(u) * exp(-(t - u) / 10);
    }
    return sum * h;
}

static void test_mt_m_infinity(void **s)
{
    (void)s;
    const double w = 30;
    for (int b = 0; b < 6; b++) {
        run r;
        run_open(&r, mt_plant, NULL, NULL, (b + 1) * w, b * w, NULL);
        tc_moments busy, arrivals;
        tc_moments_init(&busy);
        tc_moments_init(&arrivals);
        for (uint32_t k = 0; k < 400; k++) {
            tc_sim_run(r.sim, k, r.res);
            tc_moments_add(&busy, r.res->utilisation[0] * 100000);
            tc_moments_add(&arrivals, r.res->throughput[1] * w);
        }
        double truth = 0;
        for (int i = 0; i <= 60; i++) /* the bin's mean of m(t), Simpson */
            truth += (i == 0 || i == 60 ? 1 : (i % 2 ? 4 : 2)) * m_of_t(b * w + i * w / 60);
        truth /= 3 * 60;
        char what[64];
        snprintf(what, sizeof what, "M_t/M/inf busy, bin %d", b);
        assert_ci_contains(&busy, truth, LEVEL, what);
        double lambda = w * rate_at(b * w);
        snprintf(what, sizeof what, "arrivals in bin %d", b);
        if (lambda == 0)
            assert_close(arrivals.mean + sqrt(tc_moments_variance(&arrivals)), 0, 0);
        else
            assert_ci_contains(&arrivals, lambda, LEVEL, what);
        run_close(&r);
    }
}

/*
 * A station open 06:00-22:00 every day, always with work (a source that a
 * 5-place buffer blocks), exponential process mean 1, at_close pause:
 * completions are a Poisson process in open time, so over ten days
 * (9600 open minutes of 14400) the throughput is 2/3 per minute.
 */
static void test_throughput_open_16_of_24(void **s)
{
    (void)s;
    static const char plant[] = "start: 2026-12-07T06:00:00Z\n"
                                "calendars:\n  day: [{days: Mon-Sun, from: \"06:00\", to: \"22:00\"}]\n"
                                "stations:\n  S:\n    buffer: 5\n    at_close: pause\n"
                                "    process: {dist: exponential, mean: 1}\n"
                                "    schedule: [{calendar: day, closed_servers: 0}]\n"
                                "sources:\n  a: {interarrival: {dist: constant, value: 0.1}, route: [S]}\n";
    run r;
    run_open(&r, plant, NULL, NULL, 14400, 0, NULL);
    tc_moments th;
    tc_moments_init(&th);
    for (uint32_t k = 0; k < 40; k++) {
        tc_sim_run(r.sim, k, r.res);
        tc_moments_add(&th, r.res->throughput[0]);
    }
    assert_ci_contains(&th, 2.0 / 3, LEVEL, "throughput open 16 of 24 h");
    run_close(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_night_shift_across_midnight),
        cmocka_unit_test(test_shift_across_daylight_saving),
        cmocka_unit_test(test_close_finish_or_pause),
        cmocka_unit_test(test_break),
        cmocka_unit_test(test_holiday),
        cmocka_unit_test(test_maintenance_preempt_resume),
        cmocka_unit_test(test_maintenance_and_failure_clock),
        cmocka_unit_test(test_live_set_overridden),
        cmocka_unit_test(test_friday_closure_seen),
        cmocka_unit_test(test_mt_m_infinity),
        cmocka_unit_test(test_throughput_open_16_of_24),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
