/*
 * bench - engine throughput, printed, never asserted (CI machines are
 * noisy).  Usage: bench [INPUTS_DIR [mm1|line5|plant|calendar|big]]
 *   1. M/M/1 at rho 0.9, 1,000,000 customers in one replication.
 *   2. 1000 replications of line5 over 480 min on one thread.
 *   3. The same for plant.yaml (products, changeovers, a batch oven, rework, its
 *      calendar from Monday 06:00): events/s.
 *   4. The calendar's set-up: two shifts on weekdays, Saturday morning and a
 *      holiday in Europe/Berlin turned into open periods for 8 h and 30 days;
 *      and plant.yaml's whole timetable (11 station schedules, breaks, rates,
 *      maintenance) for the same horizons.
 *   5. Only when asked (`big`): 100 replications of DIR/big.yaml, the
 *      1,000-station plant tests/bench/big_plant.sh generates, in ns/event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "twincast/calendar.h"
#include "twincast/engine.h"
#include "twincast/model.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static tc_model *load(const char *dir, const char *file)
{
    char path[4096], err[1024];
    tc_model *m = NULL;
    snprintf(path, sizeof path, "%s/%s", dir, file);
    if (tc_model_load(path, &m, err, sizeof err) != TC_OK) {
        fprintf(stderr, "bench: %s\n", err);
        exit(1);
    }
    return m;
}

/* Best of `tries` runs: the least disturbed measurement of the same work. */
static void bench_mm1(const char *dir, int tries)
{
    tc_model *m = load(dir, "mm1.yaml");
    tc_run_cfg cfg;
    char err[256];
    tc_run_cfg_default(&cfg, m);
    cfg.horizon = 1e12;
    cfg.bin_width = cfg.horizon / 96;
    cfg.max_departures = 1000000;
    tc_sim *sim = tc_sim_create(m);
    tc_result *res = tc_result_create(1, 1, tc_run_cfg_bins(&cfg));
    tc_sim_initialize(sim, NULL, NULL, &cfg, err, sizeof err);
    double best = 1e30;
    uint64_t events = 0;
    for (int i = 0; i < tries; i++) {
        double t0 = now();
        tc_sim_run(sim, (uint32_t)i, res);
        double t = now() - t0;
        if (t < best)
            best = t;
        events = res->events;
    }
    printf("mm1   1,000,000 customers, 1 replication : %.4f s  (%.1f M events/s, %llu events; best of %d)\n",
           best, events / best / 1e6, (unsigned long long)events, tries);
    tc_result_destroy(res);
    tc_sim_destroy(sim);
    tc_model_destroy(m);
}

/* n replications of a model over its horizon on one thread: seconds (best of tries) and events. */
static double bench_replications(tc_model *m, int tries, uint32_t n, uint64_t *events_out)
{
    tc_run_cfg cfg;
    char err[256];
    tc_run_cfg_default(&cfg, m);
    tc_timetable *tt = NULL; /* a plant with a calendar runs on it, from its start */
    tc_timetable_build(m, m->start, cfg.horizon, &tt, err, sizeof err);
    cfg.timetable = tt;
    tc_sim *sim = tc_sim_create(m);
    tc_result *res = tc_result_create(m->plant.n_stations, m->plant.n_sources, tc_run_cfg_bins(&cfg));
    tc_sim_initialize(sim, NULL, NULL, &cfg, err, sizeof err);
    double best = 1e30;
    uint64_t events = 0;
    for (int i = 0; i < tries; i++) {
        uint64_t ev = 0;
        double t0 = now();
        for (uint32_t r = 0; r < n; r++) {
            tc_sim_run(sim, r, res);
            ev += res->events;
        }
        double t = now() - t0;
        if (t < best)
            best = t;
        events = ev;
    }
    tc_result_destroy(res);
    tc_sim_destroy(sim);
    tc_timetable_destroy(tt);
    *events_out = events;
    return best;
}

static void bench_line5(const char *dir, int tries)
{
    tc_model *m = load(dir, "line5.yaml");
    uint64_t events;
    double best = bench_replications(m, tries, 1000, &events);
    printf("line5 1000 replications x 480 min, 1 thread: %.4f s  (%.1f M events/s, %.1f ns/event, %.1f "
           "us/replication; SimPy ~19 ms/replication -> %.0fx)\n",
           best, events / best / 1e6, best / (double)events * 1e9, best * 1e3, 0.019 * 1000 / best);
    tc_model_destroy(m);
}

/* The products plant: priorities, changeovers, rework and scrap, alternatives, a failing welder. */
static void bench_plant(const char *dir, int tries)
{
    tc_model *m = load(dir, "plant.yaml");
    uint64_t events;
    double best = bench_replications(m, tries, 1000, &events);
    printf("plant 1000 replications x 480 min, 1 thread: %.4f s  (%.1f M events/s, %.1f us/replication, "
           "%llu events; 11 stations, 3 products)\n",
           best, events / best / 1e6, best * 1e3, (unsigned long long)events);
    tc_model_destroy(m);
}

/* 1,000 stations (tests/bench/big_plant.sh writes DIR/big.yaml): time per event against line5's. */
static void bench_big(const char *dir)
{
    tc_model *m = load(dir, "big.yaml");
    uint64_t events;
    double best = bench_replications(m, 1, 100, &events);
    printf("big plant 100 replications x 480 min, 1 thread: %.3f s  (%.1f M events/s, %.1f ns/event, "
           "%llu events; %d stations)\n",
           best, events / best / 1e6, best / (double)events * 1e9, (unsigned long long)events,
           m->plant.n_stations);
    tc_model_destroy(m);
}

/* A whole model's timetable, built once per run. */
static void bench_timetable(const char *dir, int tries)
{
    tc_model *m = load(dir, "plant.yaml");
    static const struct {
        const char *name;
        double minutes;
    } h[] = {{"8 h", 480}, {"30 days", 30 * 1440}};
    for (int k = 0; k < 2; k++) {
        double best = 1e9;
        int n = 0;
        char err[128];
        for (int t = 0; t < tries; t++) {
            tc_timetable *tt = NULL;
            double t0 = now();
            tc_timetable_build(m, m->start, h[k].minutes, &tt, err, sizeof err);
            double dt = now() - t0;
            best = dt < best ? dt : best;
            n = tt ? tt->n_changes : 0;
            tc_timetable_destroy(tt);
        }
        printf("plant.yaml timetable set-up, %s horizon: %.1f us (%d changes)\n", h[k].name, best * 1e6, n);
    }
    tc_model_destroy(m);
}

/* What a calendar costs: it is converted once per run, never in the event loop. */
static void bench_calendar(int tries)
{
    tc_zone z;
    char err[256];
    if (tc_zone_open(&z, "Europe/Berlin", err, sizeof err) != TC_OK) {
        printf("calendar: skipped (%s)\n", err);
        return;
    }
    /* two shifts on weekdays, Saturday morning (breaks would be calendars of their own) */
    tc_week_period week[] = {{0x1f, 6 * 60, 14 * 60}, {0x1f, 14 * 60, 22 * 60}, {0x20, 6 * 60, 14 * 60}};
    long holiday = 20811; /* 2026-12-24 */
    tc_calendar c = {3, week, 1, &holiday};
    double start = 1796619600; /* 2026-12-07T06:00:00+01:00 */
    static const struct {
        const char *name;
        double seconds;
    } h[] = {{"8 h", 8 * 3600.0}, {"30 days", 30 * 86400.0}};
    for (int k = 0; k < 2; k++) {
        double best = 1e9;
        int n = 0;
        for (int t = 0; t < tries; t++) {
            tc_open_period *iv = NULL;
            double t0 = now();
            tc_calendar_open(&c, &z, start, h[k].seconds, 60, &iv, &n);
            double dt = now() - t0;
            best = dt < best ? dt : best;
            free(iv);
        }
        printf("calendar set-up, %s horizon: %.1f us (%d open periods)\n", h[k].name, best * 1e6, n);
    }
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "inputs";
    const char *only =
        argc > 2 ? argv[2] : ""; /* mm1, line5, plant or calendar: one alone, e.g. for a profiler */
    if (!only[0] || !strcmp(only, "mm1"))
        bench_mm1(dir, 5);
    if (!only[0] || !strcmp(only, "line5"))
        bench_line5(dir, 5);
    if (!only[0] || !strcmp(only, "plant"))
        bench_plant(dir, 5);
    if (!strcmp(only, "big")) /* only when asked: its model is generated */
        bench_big(dir);
    if (!only[0] || !strcmp(only, "calendar")) {
        bench_calendar(5);
        bench_timetable(dir, 5);
    }
    return 0;
}
