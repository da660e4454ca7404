/*
 * engine.h - the discrete-event engine: one replication of the plant from
 * a given state, with dynamic servers, failures (preempt-resume), blocking
 * after service, timed scenario changes and the per-station measures a
 * forecast needs.
 *
 * Lifecycle: tc_sim_create (allocates, once per thread), tc_sim_initialize
 * (binds a state, a scenario and a run configuration), tc_sim_run (any
 * number of replications, by index), tc_sim_terminate, tc_sim_destroy.
 * A replication's results depend only on (seed, crn_key, replication
 * index, state, scenario): never on the thread or rank that runs it.
 */
#ifndef TWINCAST_ENGINE_H
#define TWINCAST_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "twincast/model.h"
#include "twincast/state.h"

typedef struct tc_run_cfg {
    double horizon;   /* simulated time, model units */
    double warmup;    /* aggregate measures ignore [0, warmup) */
    double bin_width; /* width of the time bins */
    uint32_t seed;
    uint32_t crn_key;              /* same key = common random numbers */
    long max_departures;           /* stop after this many jobs left the plant; 0 = no limit */
    const tc_timetable *timetable; /* shifts, breaks, maintenance, rates (timetable.h); NULL: none */
} tc_run_cfg;

/* Fills a configuration from the model's defaults. */
void tc_run_cfg_default(tc_run_cfg *cfg, const tc_model *m);
int tc_run_cfg_bins(const tc_run_cfg *cfg);

/* Per replication.  Arrays indexed [station], [source] or [bin * S + station]. */
typedef struct tc_result {
    int n_stations, n_sources, n_bins;
    double *onset;        /* first time waiting >= threshold; NaN if not by the horizon */
    double *mean_waiting; /* time-average number waiting */
    double *max_waiting;
    double *utilisation;      /* busy server-time / available server-time */
    double *blocked;          /* blocked server-time / available server-time */
    double *starved;          /* idle server-time / available server-time */
    double *availability;     /* fraction of the time the station was up */
    double *throughput;       /* jobs leaving the station per time unit */
    double *bottleneck_share; /* share of time as momentary bottleneck (active-period method) */
    double *setup;            /* changeover server-time / available server-time */
    double *mean_batch;       /* jobs per batch started; NaN at a station that does not batch */
    double *planned_down;     /* fraction of the time down for planned maintenance */
    double *time_in_system;   /* [source] mean, NaN if no job of it finished */
    double *completed;        /* [source] jobs that finished their route */
    double *scrapped;         /* [source] jobs that left the plant as scrap */
    double *reworks_per_job;  /* [source] rework passes per job that left, NaN if none left */
    double *bin_waiting;      /* [T*S] time-average waiting per bin */
    double *bin_bottleneck;   /* [T*S] share of bin time as momentary bottleneck */
    uint64_t events;
    double end_time;
} tc_result;

tc_result *tc_result_create(int n_stations, int n_sources, int n_bins);
void tc_result_destroy(tc_result *r);

typedef struct tc_sim tc_sim;

tc_sim *tc_sim_create(const tc_model *m);
/*
 * Binds a start state (NULL: empty plant) and a scenario (NULL: baseline).
 * Returns TC_ERR_INPUT with the reason in err if the state does not fit.
 */
tc_status tc_sim_initialize(tc_sim *sim, const tc_state *state, const tc_scenario *scenario,
                            const tc_run_cfg *cfg, char *err, size_t errlen);
void tc_sim_run(tc_sim *sim, uint32_t replication, tc_result *out);
void tc_sim_terminate(tc_sim *sim);
void tc_sim_destroy(tc_sim *sim);

/*
 * Telemetry of one replication, as a plant would send it (the emulator's):
 * every job created, joining a station, starting a changeover or service,
 * leaving service (finished, or scrapped), and every station going down or
 * coming up.  `job` is the engine's job index, reused once a job has left
 * (a NEW announces each new job); -1 for a station's own events.  Off by
 * default: one predictable branch where each happens.
 */
typedef enum tc_trace_kind {
    TC_TRACE_NEW,
    TC_TRACE_ARRIVE,
    TC_TRACE_SETUP,
    TC_TRACE_START,
    TC_TRACE_FINISH,
    TC_TRACE_SCRAP,
    TC_TRACE_DOWN,
    TC_TRACE_UP
} tc_trace_kind;
typedef void (*tc_trace_fn)(void *user, double t, tc_trace_kind kind, int station, int job, int product);
/*
 * Only the engine's traced copy emits (the emulator's; the plain engine has
 * no hooks, so they cost forecasts nothing): the same lifecycle under
 * _traced names.  Set the trace after initialize, before run.
 */
tc_sim *tc_sim_create_traced(const tc_model *m);
tc_status tc_sim_initialize_traced(tc_sim *sim, const tc_state *state, const tc_scenario *scenario,
                                   const tc_run_cfg *cfg, char *err, size_t errlen);
void tc_sim_set_trace_traced(tc_sim *sim, tc_trace_fn fn, void *user);
void tc_sim_run_traced(tc_sim *sim, uint32_t replication, tc_result *out);
void tc_sim_terminate_traced(tc_sim *sim);
void tc_sim_destroy_traced(tc_sim *sim);
void tc_sim_set_trace(tc_sim *sim, tc_trace_fn fn, void *user);

/*
 * An engine invariant failed: prints it with the simulated time, the
 * replication, the seed and the scenario, then aborts.  Called by the
 * engine's assertions; never returns.
 */
_Noreturn void tc_sim_assert_fail(const tc_sim *sim, const char *cond, const char *file, int line);
/* 1 if this build checks the engine's invariants (TC_ASSERTIONS), else 0. */
int tc_sim_assertions(void);

#endif
