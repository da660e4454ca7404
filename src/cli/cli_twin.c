/*
 * cli_twin.c - the live twin's epochs, shared by `serve` and `replay`.
 *
 * Rank 0 owns the twin.  An epoch: settle the queued events in timestamp
 * order, snapshot the state as JSON, broadcast it, run the ensemble on
 * every rank; rank 0 polls its source between replications and, when a
 * newer significant event has arrived, abandons the epoch (telling the
 * workers with a small message they probe for).  A completed epoch is
 * written (atomically), then published, then its offsets committed: the
 * commit always follows the durable write (at-least-once).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <omp.h>

#include "cli.h"
#include "cli_twin.h"
#include "twincast/json_quote.h"
#include "twincast/clock.h"
#include "twincast/ensemble.h"
#include "twincast/store.h"
#include "twincast/summary.h"

#define TAG_ABANDON 77
enum { CMD_STOP = 0, CMD_RUN = 1 };

void twin_opts_default(twin_opts *o)
{
    memset(o, 0, sizeof *o);
    o->n = -1;
    o->seed = -1;
    o->debounce = 0.2;
    o->interval = 60;
}

int twin_init(twin_run *tr)
{
    int st = TC_OK;
    tr->debounce_due = tr->interval_due = NAN;
    if (tr->rank == 0) {
        st = tc_model_load(tr->o.model, &tr->m, tr->err, sizeof tr->err);
        for (int k = 0; st == TC_OK && k < tr->o.nscen; k++)
            if (tc_model_scenario_index(tr->m, tr->o.scen[k]) < 0) {
                snprintf(tr->err, sizeof tr->err, "--scenario %s: no such scenario in %s", tr->o.scen[k],
                         tr->o.model);
                st = TC_ERR_INPUT;
            }
        tc_job *j = &tr->job;
        if (st == TC_OK) {
            j->horizon = tr->m->horizon;
            if (tr->o.horizon &&
                (tc_duration_parse(tr->o.horizon, tr->m->unit, &j->horizon, tr->err, sizeof tr->err) ||
                 !(j->horizon > 0))) {
                snprintf(tr->err, sizeof tr->err, "--horizon must be a positive duration, got '%s'",
                         tr->o.horizon);
                st = TC_ERR_INPUT;
            }
        }
        if (st == TC_OK) {
            j->bin_width = tc_model_bin_width(tr->m, j->horizon);
            if (tr->o.bin_width &&
                (tc_duration_parse(tr->o.bin_width, tr->m->unit, &j->bin_width, tr->err, sizeof tr->err) ||
                 !(j->bin_width > 0) || j->horizon / j->bin_width > 100000)) {
                snprintf(tr->err, sizeof tr->err,
                         "--bin-width must be a positive duration giving at most 100000 bins");
                st = TC_ERR_INPUT;
            }
        }
        if (st == TC_OK) {
            j->seed = tr->o.seed >= 0 ? (uint32_t)tr->o.seed : tr->m->seed;
            j->replications = tr->o.n > 0 ? tr->o.n : tr->m->replications;
            j->min_replications = j->replications;
            j->threads = tr->o.threads > 0 ? tr->o.threads : omp_get_max_threads();
            j->rank0_works = 1;
            j->model_text = strdup(tr->m->text);
            j->model_origin = strdup(tr->o.model);
            j->n_scenarios = tr->o.nscen;
            j->scenarios = calloc((size_t)tr->o.nscen + 1, sizeof *j->scenarios);
            for (int k = 0; j->scenarios && k < tr->o.nscen; k++)
                j->scenarios[k] = strdup(tr->o.scen[k]);
            if (!(tr->twin = tc_twin_create(tr->m)) || !j->model_text || !j->scenarios) {
                snprintf(tr->err, sizeof tr->err, "out of memory");
                st = TC_ERR_RUNTIME;
            }
        }
        if (st == TC_OK && tr->o.out) { /* fail now, not at the first epoch */
            tc_store *s = NULL;
            if ((st = tc_store_open(tr->o.out, tr->m, TC_STORE_ATOMIC, &s, tr->err, sizeof tr->err)) == TC_OK)
                tc_store_close(s, 0, NULL, 0);
        }
    }
    MPI_Bcast(&st, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (st == TC_OK && tr->rank != 0) {
        tc_job model_only = {0};
        /* the workers get the model once, then one state per epoch */
        st = tc_job_broadcast(&model_only, MPI_COMM_WORLD, tr->err, sizeof tr->err);
        if (st == TC_OK)
            st = tc_model_load_string(model_only.model_text, model_only.model_origin, &tr->m, tr->err,
                                      sizeof tr->err);
        tc_job_clear(&model_only);
    } else if (st == TC_OK) {
        st = tc_job_broadcast(&tr->job, MPI_COMM_WORLD, tr->err, sizeof tr->err);
    }
    int worst = st;
    MPI_Allreduce(&st, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return worst;
}

/* A skipped message: logged once per reason per 10 s, copied to the dead-letter topic if there is one. */
static void skipped(twin_run *tr, const char *raw, size_t len, tc_reject why, const char *detail)
{
    static double last_log[TC_REJ_COUNT];
    double t = tc_cli_now();
    if (!tr->o.quiet && t - last_log[why] >= 10) {
        fprintf(stderr, "twincast: skipped a message (%s): %s\n", tc_reject_name(why), detail);
        last_log[why] = t;
    }
    if (tr->src.dead_letter && raw)
        tr->src.dead_letter(tr->src.self, raw, len, tc_reject_name(why));
}

static void reject_at_settle(void *user, const char *raw, size_t len, tc_reject why, const char *detail)
{
    skipped(user, raw, len, why, detail);
}

void twin_offer(twin_run *tr, const char *raw, size_t len, double now)
{
    tc_event ev;
    char why[256];
    tc_twin_on_reject(tr->twin, reject_at_settle, tr, tr->src.dead_letter != NULL);
    tc_reject r = tc_event_parse(tr->m, raw, len, &ev, why, sizeof why);
    if (r != TC_REJ_NONE) {
        tc_twin_count_rejected(tr->twin, r);
        skipped(tr, raw, len, r, why);
        return;
    }
    if (tc_twin_offer(tr->twin, &ev, raw, len) != TC_OK) {
        tc_twin_count_rejected(tr->twin, TC_REJ_OVERSIZED);
        return;
    }
    if (tc_event_is_significant(ev.type) && isnan(tr->debounce_due))
        tr->debounce_due = now + tr->o.debounce;
    if (isnan(tr->interval_due))
        tr->interval_due = now + tr->o.interval;
    /* bound the queue: settle early rather than hold a million raw messages */
    if (tc_twin_pending(tr->twin) >= 100000)
        tc_twin_settle(tr->twin);
}

int twin_dirty(const twin_run *tr)
{
    return tc_twin_pending(tr->twin) > 0 || tc_twin_get_counters(tr->twin)->applied != tr->applied_at_epoch;
}

double twin_next_due(const twin_run *tr)
{
    double a = tr->debounce_due, b = tr->interval_due;
    return isnan(a) ? b : isnan(b) ? a : (a < b ? a : b);
}

int twin_due(const twin_run *tr, double now)
{
    double d = twin_next_due(tr);
    return !isnan(d) && d <= now;
}

/* ---- one epoch, on every rank ----------------------------------------------------- */

typedef struct cancel_ctx {
    twin_run *tr;
    int epoch;
    int signalled;
} cancel_ctx;

static int rank0_cancel(void *user)
{
    cancel_ctx *c = user;
    twin_run *tr = c->tr;
    if (c->signalled || !tr->src.newer || !tr->src.newer(tr->src.self))
        return c->signalled;
    for (int r = 1; r < tr->size; r++) /* small and eager: never blocks */
        MPI_Send(&c->epoch, 1, MPI_INT, r, TAG_ABANDON, MPI_COMM_WORLD);
    c->signalled = 1;
    return 1;
}

static int worker_cancel(void *user)
{
    cancel_ctx *c = user;
    int flag = 0, e;
    MPI_Status s;
    MPI_Iprobe(0, TAG_ABANDON, MPI_COMM_WORLD, &flag, &s);
    while (flag) {
        MPI_Recv(&e, 1, MPI_INT, 0, TAG_ABANDON, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (e == c->epoch)
            c->signalled = 1;
        MPI_Iprobe(0, TAG_ABANDON, MPI_COMM_WORLD, &flag, &s);
    }
    return c->signalled;
}

/* Runs this rank's share.  Returns status; *cancelled is agreed by all ranks. */
static int run_share(twin_run *tr, int epoch, tc_sample **local, tc_sample **global, int *cancelled)
{
    tc_job *j = &tr->job;
    tc_state *state = NULL;
    tc_run_cfg cfg = {.horizon = j->horizon, .bin_width = j->bin_width, .seed = j->seed};
    int S = tr->m->plant.n_stations, T = tc_run_cfg_bins(&cfg), nsc = 1 + j->n_scenarios, st, mine = 0;
    long lo, n;
    tc_share(0, j->replications, tr->rank, tr->size, 1, &lo, &n);
    st = tc_state_parse_json(tr->m, j->state_text, strlen(j->state_text), "the twin's state", &state, tr->err,
                             sizeof tr->err);
    cancel_ctx cc = {tr, epoch, 0};
    for (int k = 0; k < nsc && st == TC_OK; k++) {
        const tc_scenario *sc =
            k ? &tr->m->scenarios[tc_model_scenario_index(tr->m, j->scenarios[k - 1])] : NULL;
        local[k] = tc_sample_create(n > 0 ? n : 1, S, T);
        if (tr->rank == 0)
            global[k] = tc_sample_create(j->replications, S, T);
        if (!local[k] || (tr->rank == 0 && !global[k])) {
            st = TC_ERR_RUNTIME;
            snprintf(tr->err, sizeof tr->err, "out of memory");
            break;
        }
        tc_ensemble_hooks hooks = {NULL, tr->rank == 0 ? rank0_cancel : worker_cancel, &cc, 0};
        if (!cc.signalled)
            st = tc_ensemble_run(tr->m, state, sc, &cfg, lo, n, j->threads, local[k], 0, &hooks, tr->err,
                                 sizeof tr->err);
        local[k]->R = n;
        mine |= hooks.cancelled || cc.signalled;
    }
    tc_state_destroy(state);
    int worst = st;
    MPI_Allreduce(&st, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    MPI_Allreduce(&mine, cancelled, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (worst != TC_OK || *cancelled)
        return worst;
    for (int k = 0; k < nsc && st == TC_OK; k++)
        st = tc_sample_gather(local[k], n, global[k], 0, MPI_COMM_WORLD, tr->err, sizeof tr->err);
    return st;
}

/* The forecast message: what an operator's dashboard reads. */
static char *forecast_message(twin_run *tr, int epoch, const char *as_of, const char *offsets,
                              tc_summary *sum)
{
    if (!sum)
        return NULL;
    /* The model's name is free text; station names are letters, digits, '_' and '-'. */
    size_t qn = tc_json_quote(NULL, 0, tr->m->name);
    size_t cap = 4096 + (size_t)sum->S * 512 + strlen(offsets) + qn;
    char *b = malloc(cap), *model = malloc(qn + 1);
    if (!b || !model) {
        free(b);
        free(model);
        return NULL;
    }
    tc_json_quote(model, qn + 1, tr->m->name);
    size_t n =
        (size_t)snprintf(b, cap,
                         "{\"epoch\": %d, \"as_of\": \"%s\", \"model\": %s, \"offsets\": %s, "
                         "\"events\": %ld, \"replications\": %ld, \"horizon\": %.10g, \"time_unit\": \"%s\", "
                         "\"scenario\": \"baseline\", \"stations\": [",
                         epoch, as_of, model, offsets, tc_twin_get_counters(tr->twin)->applied,
                         tr->job.replications, tr->job.horizon, tc_time_unit_name(tr->m->unit));
    for (int s = 0; s < sum->S && n < cap; s++) {
        const tc_station_summary *o = &sum->station[s];
        char on[96] = "null", ci[96] = "null", q05[48] = "null", q95[48] = "null";
        if (isfinite(o->onset_mean))
            snprintf(on, sizeof on, "%.6g", o->onset_mean);
        if (isfinite(o->onset_lo))
            snprintf(ci, sizeof ci, "[%.6g, %.6g]", o->onset_lo, o->onset_hi);
        if (isfinite(o->onset_q05))
            snprintf(q05, sizeof q05, "%.6g", o->onset_q05);
        if (isfinite(o->onset_q95))
            snprintf(q95, sizeof q95, "%.6g", o->onset_q95);
        n += (size_t)snprintf(b + n, cap - n,
                              "%s{\"station\": \"%s\", \"p_form\": %.6g, \"p_form_ci\": [%.6g, %.6g], "
                              "\"onset_mean\": %s, \"onset_ci\": %s, \"onset_q05\": %s, \"onset_q95\": %s}",
                              s ? ", " : "", tr->m->plant.stations[s].name, o->p_form, o->p_form_lo,
                              o->p_form_hi, on, ci, q05, q95);
    }
    if (n < cap)
        snprintf(b + n, cap - n, "]}");
    free(model);
    return b;
}

static char *counters_json(const tc_twin_counters *c, long transport_errors)
{
    char *b = malloc(2048);
    if (!b)
        return NULL;
    size_t n = (size_t)snprintf(b, 2048,
                                "{\"offered\": %ld, \"applied\": %ld, \"late\": %ld, "
                                "\"broker_errors\": %ld, \"skipped\": {",
                                c->offered, c->applied, c->late, transport_errors);
    for (int r = 1; r < TC_REJ_COUNT; r++)
        n += (size_t)snprintf(b + n, 2048 - n, "%s\"%s\": %ld", r > 1 ? ", " : "",
                              tc_reject_name((tc_reject)r), c->rejected[r]);
    snprintf(b + n, 2048 - n, "}}");
    return b;
}

static int write_epoch(twin_run *tr, int cancelled, tc_sample **global, const char *as_of,
                       const char *offsets, char **message)
{
    char trigger[512];
    tc_twin_take_triggers(tr->twin, trigger, sizeof trigger);
    int nsc = 1 + tr->job.n_scenarios, S = tr->m->plant.n_stations, st, epoch = 0;
    tc_run_cfg cfg = {.horizon = tr->job.horizon, .bin_width = tr->job.bin_width, .seed = tr->job.seed};
    int T = tc_run_cfg_bins(&cfg);
    tc_summary **sums = calloc((size_t)nsc, sizeof *sums);
    double *time = malloc(sizeof(double) * (size_t)T);
    const char **names = malloc(sizeof *names * (size_t)S);
    int *thresholds = malloc(sizeof *thresholds * (size_t)S);
    char *counters = counters_json(tc_twin_get_counters(tr->twin),
                                   tr->src.transport_errors ? tr->src.transport_errors(tr->src.self) : 0);
    tc_store *store = NULL;
    if (!sums || !time || !names || !thresholds || !counters) {
        snprintf(tr->err, sizeof tr->err, "out of memory");
        st = TC_ERR_RUNTIME;
        goto done;
    }
    for (int b = 0; b < T; b++) {
        double hi = (b + 1) * cfg.bin_width;
        time[b] = 0.5 * (b * cfg.bin_width + (hi < cfg.horizon ? hi : cfg.horizon));
    }
    for (int s = 0; s < S; s++) {
        names[s] = tr->m->plant.stations[s].name;
        thresholds[s] = tr->m->plant.stations[s].threshold;
    }
    for (int k = 0; !cancelled && k < nsc; k++)
        if (!(sums[k] = tc_summary_compute(global[k], k ? global[0] : NULL, 0.95))) {
            snprintf(tr->err, sizeof tr->err, "out of memory for the statistics");
            st = TC_ERR_RUNTIME;
            goto done;
        }
    st =
        tr->o.out ? tc_store_open(tr->o.out, tr->m, TC_STORE_ATOMIC, &store, tr->err, sizeof tr->err) : TC_OK;
    if (st == TC_OK && store)
        st = tc_store_begin_epoch(store, &epoch, tr->err, sizeof tr->err);
    else
        epoch = tr->epochs_done + tr->epochs_superseded + 1;
    for (int k = 0; st == TC_OK && store && !cancelled && k < nsc; k++) {
        tc_scenario_data d = {
            k ? tr->job.scenarios[k - 1] : "baseline", names, time, global[k], sums[k], k == 0, thresholds};
        st = tc_store_write_scenario(store, &d, tr->err, sizeof tr->err);
    }
    if (st == TC_OK && store) {
        tc_epoch_info info = {as_of,
                              cfg.horizon,
                              tc_time_unit_name(tr->m->unit),
                              cfg.seed,
                              tr->job.replications,
                              tr->size,
                              tr->job.threads,
                              cancelled ? "superseded" : "fixed",
                              0,
                              MPI_Wtime() - tr->t0,
                              tr->job.state_text,
                              cancelled,
                              offsets,
                              counters,
                              tc_twin_get_counters(tr->twin)->applied,
                              trigger};
        st = tc_store_end_epoch(store, &info, tr->err, sizeof tr->err);
    }
    if (store) {
        char cerr[512];
        if (tc_store_close(store, st == TC_OK, cerr, sizeof cerr) != TC_OK && st == TC_OK) {
            st = TC_ERR_RUNTIME;
            snprintf(tr->err, sizeof tr->err, "%s", cerr);
        }
    }
    if (st == TC_OK && !cancelled)
        *message = forecast_message(tr, epoch, as_of, offsets, sums[0]);
done:
    for (int k = 0; sums && k < nsc; k++)
        tc_summary_destroy(sums[k]);
    free(sums);
    free(time);
    free(names);
    free(thresholds);
    free(counters);
    return st;
}

static int epoch_common(twin_run *tr, int epoch, const char *as_of, const char *offsets)
{
    int nsc = 1 + tr->job.n_scenarios, cancelled = 0, st;
    tc_sample **local = calloc((size_t)nsc, sizeof *local), **global = calloc((size_t)nsc, sizeof *global);
    if (!local || !global) {
        free(local);
        free(global);
        return TC_ERR_RUNTIME;
    }
    double t0 = MPI_Wtime();
    tr->t0 = t0;
    st = run_share(tr, epoch, local, global, &cancelled);
    if (st == TC_OK && tr->rank == 0) {
        char *message = NULL;
        st = write_epoch(tr, cancelled, global, as_of, offsets, &message);
        if (st == TC_OK && cancelled) {
            tr->epochs_superseded++;
            if (!tr->o.quiet)
                fprintf(stderr, "twincast: epoch superseded by a newer state after %.3f s\n",
                        MPI_Wtime() - t0);
        } else if (st == TC_OK) {
            tr->epochs_done++;
            if (tr->src.publish && message)
                tr->src.publish(tr->src.self, message, strlen(message));
            if (tr->src.commit)
                tr->src.commit(tr->src.self, offsets);
            if (!tr->o.quiet)
                fprintf(stderr, "twincast: epoch as of %s: %ld replications in %.3f s\n", as_of,
                        tr->job.replications, MPI_Wtime() - t0);
        }
        free(message);
    }
    for (int k = 0; k < nsc; k++) {
        tc_sample_destroy(local[k]);
        tc_sample_destroy(global[k]);
    }
    free(local);
    free(global);
    return st;
}

int twin_fire(twin_run *tr)
{
    char *offsets = tr->src.offsets_json ? tr->src.offsets_json(tr->src.self) : NULL;
    tc_twin_settle(tr->twin);
    double at = tc_twin_time(tr->twin);
    if (isnan(at))
        at = floor(tc_clock_now());
    char as_of[64];
    tc_iso_format(at, as_of, sizeof as_of);
    free(tr->job.state_text);
    tr->job.state_text = tc_twin_snapshot_json(tr->twin, at);
    tr->debounce_due = tr->interval_due = NAN;
    tr->applied_at_epoch = tc_twin_get_counters(tr->twin)->applied;
    if (!tr->job.state_text || !offsets) {
        free(offsets);
        snprintf(tr->err, sizeof tr->err, "out of memory");
        return TC_ERR_RUNTIME;
    }
    int epoch = tr->epochs_done + tr->epochs_superseded + 1;
    if (!tr->o.quiet)
        fprintf(stderr, "twincast: re-forecasting as of %s (%ld events so far)\n", as_of,
                tc_twin_get_counters(tr->twin)->applied);
    long long head[2] = {CMD_RUN, epoch};
    MPI_Request req; /* the workers wait in MPI_Ibcast: match it */
    MPI_Ibcast(head, 2, MPI_LONG_LONG, 0, MPI_COMM_WORLD, &req);
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    int st = tc_job_broadcast(&tr->job, MPI_COMM_WORLD, tr->err, sizeof tr->err);
    if (st == TC_OK)
        st = epoch_common(tr, epoch, as_of, offsets);
    free(offsets);
    return st;
}

/* Waits for rank 0's next command without spinning a core. */
static void wait_header(long long head[2])
{
    MPI_Request req;
    int done = 0;
    // NOLINTNEXTLINE(clang-analyzer-optin.mpi.MPI-Checker): completed by MPI_Test below
    MPI_Ibcast(head, 2, MPI_LONG_LONG, 0, MPI_COMM_WORLD, &req);
    struct timespec ts = {0, 1000000};
    for (;;) {
        MPI_Test(&req, &done, MPI_STATUS_IGNORE);
        if (done)
            return; // NOLINT(clang-analyzer-optin.mpi.MPI-Checker): MPI_Test completed the request
        nanosleep(&ts, NULL);
    }
}

int twin_worker(twin_run *tr)
{
    for (;;) {
        long long head[2];
        wait_header(head);
        if (head[0] == CMD_STOP)
            return TC_OK;
        tc_job_clear(&tr->job);
        int st = tc_job_broadcast(&tr->job, MPI_COMM_WORLD, tr->err, sizeof tr->err);
        if (st == TC_OK)
            st = epoch_common(tr, (int)head[1], "", "");
        if (st != TC_OK) {
            fprintf(stderr, "twincast: rank %d: %s\n", tr->rank, tr->err);
            return st;
        }
    }
}

void twin_stop(twin_run *tr)
{
    long long head[2] = {CMD_STOP, tr->epochs_done};
    MPI_Request req;
    MPI_Ibcast(head, 2, MPI_LONG_LONG, 0, MPI_COMM_WORLD, &req);
    MPI_Wait(&req, MPI_STATUS_IGNORE);
}

void twin_free(twin_run *tr)
{
    tc_twin_destroy(tr->twin);
    tc_model_destroy(tr->m);
    tc_job_clear(&tr->job);
}
