/*
 * live_epoch.c - one epoch of the live twin, on every rank.  Rank 0 settles
 * the twin, snapshots it and broadcasts the job; all ranks replicate (rank
 * 0 abandons the run when its source reports a newer significant event);
 * rank 0 writes the epoch (atomically), publishes the forecast message and
 * then commits the offsets: at-least-once, never a commit before the write.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "live_internal.h"
#include "twincast/clock.h"
#include "twincast/json_quote.h"

enum { CMD_STOP = 0, CMD_RUN = 1 };

/* The forecast message: what an operator's dashboard reads. */
/* The message with `"recommendation": {...}` (decide.h's object) as its last member, if decided. */
static char *with_recommendation(char *b, const tc_decision *decision)
{
    char *rec = b && decision && decision->choice ? tc_decide_json(decision) : NULL;
    if (!rec)
        return b;
    size_t n = strlen(b), need = n + strlen(rec) + 32;
    char *grown = realloc(b, need);
    if (grown) {
        b = grown;
        snprintf(b + n - 1, need - n + 1, ", \"recommendation\": %s}", rec); /* over the closing brace */
    }
    free(rec);
    return b;
}

static char *forecast_message(const tc_live *lv, int epoch, const char *as_of, const char *offsets,
                              const tc_summary *sum, const tc_decision *decision)
{
    /* The model's name is free text; station names are letters, digits, '_' and '-'. */
    size_t qn = tc_json_quote(NULL, 0, lv->m->name);
    size_t cap = 4096 + (size_t)sum->S * 512 + strlen(offsets) + qn;
    char *b = malloc(cap), *model = malloc(qn + 1);
    if (!b || !model) {
        free(b);
        free(model);
        return NULL;
    }
    tc_json_quote(model, qn + 1, lv->m->name);
    double start = NAN; /* onset_at: the mean onset as a time, from the epoch's as_of */
    if (tc_iso_parse(as_of, &start) != 0)
        start = NAN;
    size_t n =
        (size_t)snprintf(b, cap,
                         "{\"epoch\": %d, \"as_of\": \"%s\", \"model\": %s, \"offsets\": %s, "
                         "\"events\": %ld, \"replications\": %ld, \"horizon\": %.10g, \"time_unit\": \"%s\", "
                         "\"scenario\": \"baseline\", \"stations\": [",
                         epoch, as_of, model, offsets, tc_twin_get_counters(lv->twin)->applied,
                         lv->job.replications, lv->job.horizon, tc_time_unit_name(lv->m->unit));
    for (int s = 0; s < sum->S && n < cap; s++) {
        const tc_station_summary *o = &sum->station[s];
        char on[96] = "null", ci[96] = "null", q05[48] = "null", q95[48] = "null", at[48] = "null";
        if (isfinite(o->onset_mean))
            snprintf(on, sizeof on, "%.6g", o->onset_mean);
        if (isfinite(o->onset_mean) && isfinite(start)) {
            at[0] = '"';
            tc_iso_format(floor(start + o->onset_mean * tc_time_unit_seconds(lv->m->unit) + 0.5), at + 1,
                          sizeof at - 2);
            strcat(at, "\"");
        }
        if (isfinite(o->onset_lo))
            snprintf(ci, sizeof ci, "[%.6g, %.6g]", o->onset_lo, o->onset_hi);
        if (isfinite(o->onset_q05))
            snprintf(q05, sizeof q05, "%.6g", o->onset_q05);
        if (isfinite(o->onset_q95))
            snprintf(q95, sizeof q95, "%.6g", o->onset_q95);
        n += (size_t)snprintf(b + n, cap - n,
                              "%s{\"station\": \"%s\", \"p_form\": %.6g, \"p_form_ci\": [%.6g, %.6g], "
                              "\"onset_mean\": %s, \"onset_at\": %s, \"onset_ci\": %s, \"onset_q05\": %s, "
                              "\"onset_q95\": %s}",
                              s ? ", " : "", lv->m->plant.stations[s].name, o->p_form, o->p_form_lo,
                              o->p_form_hi, on, at, ci, q05, q95);
    }
    /* the twin's calibration, as its snapshot recorded it (the snapshot's last member) */
    const char *cal = lv->job.state_text ? strstr(lv->job.state_text, "\n \"calibration\": [") : NULL;
    const char *end = cal ? strrchr(cal, ']') : NULL;
    if (n < cap && cal && end) {
        cal = strchr(cal, '[');
        size_t len = (size_t)(end - cal) + 1, need = n + len + 64;
        char *grown = need > cap ? realloc(b, need) : b;
        if (grown) {
            b = grown;
            cap = need > cap ? need : cap;
            n += (size_t)snprintf(b + n, cap - n, "], \"calibration\": ");
            for (size_t i = 0; i < len; i++) /* one line per message */
                if (cal[i] != '\n')
                    b[n++] = cal[i];
            snprintf(b + n, cap - n, "}");
            free(model);
            return with_recommendation(b, decision);
        }
    }
    if (n < cap)
        snprintf(b + n, cap - n, "]}");
    free(model);
    return with_recommendation(b, decision);
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

int tc_live_write_skill(tc_live *lv, tc_store *store, char *err, size_t errlen)
{
    tc_skill_row *rows = NULL;
    int n = tc_outcomes_take(lv->outcomes, &rows);
    int st = tc_store_append_skill(store, lv->m, rows, n, err, errlen);
    free(rows);
    return st;
}

/* Rank 0: the epoch's baseline forecast, watched from its start for what happens. */
static int watch(tc_live *lv, int epoch, const char *as_of, double start, const tc_sample *base)
{
    int S = lv->m->plant.n_stations, *waiting = malloc(sizeof *waiting * (size_t)S), rc = -1;
    if (waiting) {
        for (int s = 0; s < S; s++)
            waiting[s] = tc_twin_waiting(lv->twin, s);
        rc = tc_outcomes_watch(lv->outcomes, epoch, as_of, start, lv->job.horizon, base->m[TC_M_ONSET],
                               base->R, waiting);
    }
    free(waiting);
    return rc;
}

/* Rank 0: the epoch into the file (a superseded one as a record without data), and its message. */
static int write_epoch(tc_live *lv, int abandoned, tc_sample **samples, double started, const char *as_of,
                       const char *offsets, const tc_decision *decision, char **message, char *err,
                       size_t errlen)
{
    char trigger[640], events[512], iso[40];
    tc_twin_take_triggers(lv->twin, events, sizeof events);
    if (!isnan(lv->fire_at)) { /* the calendar's change, with any events it found waiting */
        tc_iso_format(lv->fire_at, iso, sizeof iso);
        snprintf(trigger, sizeof trigger, "shift change at %s%s%s", iso, events[0] ? "; " : "", events);
    } else {
        snprintf(trigger, sizeof trigger, "%s", events);
    }
    const tc_live_source *src = lv->src;
    int nsc = 1 + lv->job.n_scenarios, st = TC_OK, epoch = lv->epochs_done + lv->epochs_superseded + 1;
    tc_summary **sums = calloc((size_t)nsc, sizeof *sums);
    const char **names = calloc((size_t)nsc, sizeof *names);
    char *counters = counters_json(tc_twin_get_counters(lv->twin),
                                   src->transport_errors ? src->transport_errors(src->self) : 0);
    tc_store *store = NULL;
    if (!sums || !names || !counters) {
        snprintf(err, errlen, "out of memory");
        st = TC_ERR_RUNTIME;
    }
    for (int k = 0; st == TC_OK && k < nsc; k++)
        names[k] = k ? lv->job.scenarios[k - 1] : "baseline";
    if (st == TC_OK && !abandoned)
        st = tc_forecast_summarise(samples, nsc, sums, err, errlen);
    if (st == TC_OK && lv->o.forecast.output)
        st = tc_store_open(lv->o.forecast.output, lv->m, TC_STORE_ATOMIC | TC_STORE_EPOCH_FILES, &store, err,
                           errlen);
    tc_timetable *tt = NULL; /* the calendar as the replications saw it, for scheduled_servers */
    double start = NAN;
    if (st == TC_OK && tc_iso_parse(as_of, &start) == 0)
        st = tc_timetable_build(lv->m, start, lv->job.horizon, &tt, err, errlen);
    if (st == TC_OK) {
        tc_epoch_data d = {.m = lv->m,
                           .n_scenarios = abandoned ? 0 : nsc,
                           .scenario = names,
                           .sample = samples,
                           .summary = sums,
                           .bin_width = lv->job.bin_width,
                           .started = started,
                           .timetable = tt,
                           .decision = abandoned ? NULL : decision};
        tc_epoch_info info = {.as_of = as_of,
                              .horizon = lv->job.horizon,
                              .time_unit = tc_time_unit_name(lv->m->unit),
                              .timezone = lv->m->zone.name,
                              .seed = lv->job.seed,
                              .replications = lv->job.replications,
                              .ranks = lv->size,
                              .threads = lv->job.threads,
                              .stop_reason = abandoned ? "superseded" : "fixed",
                              .state_json = lv->job.state_text,
                              .superseded = abandoned,
                              .offsets_json = offsets,
                              .counters_json = counters,
                              .events = tc_twin_get_counters(lv->twin)->applied,
                              .trigger = trigger};
        st = tc_forecast_write_epoch(store, &d, &info, &epoch, err, errlen);
    }
    if (st == TC_OK && store && lv->outcomes)
        st = tc_live_write_skill(lv, store, err, errlen);
    tc_timetable_destroy(tt);
    if (store) {
        char cerr[512];
        if (tc_store_close(store, st == TC_OK, cerr, sizeof cerr) != TC_OK && st == TC_OK) {
            st = TC_ERR_RUNTIME;
            snprintf(err, errlen, "%s", cerr);
        }
    }
    if (st == TC_OK && !abandoned && lv->outcomes && watch(lv, epoch, as_of, start, samples[0]) != 0) {
        snprintf(err, errlen, "out of memory");
        st = TC_ERR_RUNTIME;
    }
    if (st == TC_OK && !abandoned &&
        !(*message = forecast_message(lv, epoch, as_of, offsets, sums[0], decision))) {
        snprintf(err, errlen, "out of memory");
        st = TC_ERR_RUNTIME;
    }
    for (int k = 0; sums && k < nsc; k++)
        tc_summary_destroy(sums[k]);
    free(sums);
    free(names);
    free(counters);
    return st;
}

static int source_newer(void *user)
{
    const tc_live *lv = user;
    return lv->src && lv->src->newer && lv->src->newer(lv->src->self);
}

/* Every rank: the epoch's replications; rank 0 then writes, publishes and commits. */
static int run_epoch(tc_live *lv, int epoch, const char *as_of, const char *offsets, char *err, size_t errlen)
{
    int nsc = 1 + lv->job.n_scenarios, abandoned = 0, st;
    tc_sample **samples = calloc((size_t)nsc, sizeof *samples);
    if (!samples) {
        snprintf(err, errlen, "out of memory");
        return TC_ERR_RUNTIME;
    }
    double t0 = MPI_Wtime();
    tc_forecast_abandon ab = {source_newer, lv, epoch};
    st = tc_forecast_replicate(lv->m, &lv->job, lv->comm, &ab, samples, &abandoned, err, errlen);
    tc_decision decision = {0};
    if (st == TC_OK && !abandoned && lv->o.decide) /* every rank: the same state, the responses raced */
        st = tc_decide_job(lv->m, &lv->job, &lv->plan, lv->comm, &decision, err, errlen);
    if (st == TC_OK && lv->rank == 0) {
        char *message = NULL;
        double tw = MPI_Wtime();
        st = write_epoch(lv, abandoned, samples, t0, as_of, offsets, lv->o.decide ? &decision : NULL,
                         &message, err, errlen);
        tw = MPI_Wtime() - tw;
        if (st == TC_OK && abandoned) {
            lv->epochs_superseded++;
            if (!lv->o.quiet)
                fprintf(stderr, "twincast: epoch superseded by a newer state after %.3f s\n",
                        MPI_Wtime() - t0);
        } else if (st == TC_OK) {
            lv->epochs_done++;
            if (lv->src->publish)
                lv->src->publish(lv->src->self, message, strlen(message));
            if (lv->src->commit)
                lv->src->commit(lv->src->self, offsets);
            if (!lv->o.quiet &&
                lv->o.forecast.output) /* the write's own time: the file's cost, benchmarked */
                fprintf(stderr, "twincast: epoch as of %s: %ld replications in %.3f s, written in %.4f s\n",
                        as_of, lv->job.replications, MPI_Wtime() - t0, tw);
            else if (!lv->o.quiet)
                fprintf(stderr, "twincast: epoch as of %s: %ld replications in %.3f s\n", as_of,
                        lv->job.replications, MPI_Wtime() - t0);
        }
        free(message);
    }
    for (int k = 0; k < nsc; k++)
        tc_sample_destroy(samples[k]);
    free(samples);
    tc_decision_clear(&decision);
    return st;
}

double tc_live_next_shift(const tc_live *lv, double after)
{
    const double unit = tc_time_unit_seconds(lv->m->unit), week = 8 * 86400.0 / unit;
    tc_timetable *tt = NULL;
    char why[128];
    double next = NAN;
    if (tc_timetable_build(lv->m, after, week, &tt, why, sizeof why) != TC_OK || !tt)
        return NAN;
    for (int i = 0; i < tt->n_changes && isnan(next); i++)
        if (tt->changes[i].at * unit >= 1) /* a change now is not the next one */
            next = after + tt->changes[i].at * unit;
    tc_timetable_destroy(tt);
    return next;
}

int tc_live_fire(tc_live *lv, char *err, size_t errlen)
{
    const tc_live_source *src = lv->src;
    char *offsets = src->offsets_json ? src->offsets_json(src->self) : strdup("{}");
    tc_twin_settle(lv->twin);
    double at = tc_twin_time(lv->twin);
    if (!isnan(lv->fire_at) && (isnan(at) || lv->fire_at > at))
        at = lv->fire_at; /* a calendar change: the state as of then */
    if (isnan(at))
        at = floor(tc_clock_now());
    char as_of[64];
    tc_iso_format(at, as_of, sizeof as_of);
    free(lv->job.state_text);
    lv->job.state_text = tc_twin_snapshot_json(lv->twin, at);
    lv->debounce_due = lv->interval_due = NAN;
    lv->applied_at_epoch = tc_twin_get_counters(lv->twin)->applied;
    if (!lv->job.state_text || !offsets) {
        free(offsets);
        snprintf(err, errlen, "out of memory");
        return TC_ERR_RUNTIME;
    }
    int epoch = lv->epochs_done + lv->epochs_superseded + 1;
    if (!lv->o.quiet)
        fprintf(stderr, "twincast: re-forecasting as of %s (%ld events so far)\n", as_of,
                tc_twin_get_counters(lv->twin)->applied);
    long long head[2] = {CMD_RUN, epoch};
    MPI_Request req; /* the workers wait in MPI_Ibcast: match it */
    MPI_Ibcast(head, 2, MPI_LONG_LONG, 0, lv->comm, &req);
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    int st = tc_job_broadcast(&lv->job, lv->comm, err, errlen);
    if (st == TC_OK)
        st = run_epoch(lv, epoch, as_of, offsets, err, errlen);
    free(offsets);
    return st;
}

/* Waits for rank 0's next command without spinning a core. */
static void wait_header(MPI_Comm comm, long long head[2])
{
    MPI_Request req;
    int done = 0;
    // NOLINTNEXTLINE(clang-analyzer-optin.mpi.MPI-Checker): completed by MPI_Test below
    MPI_Ibcast(head, 2, MPI_LONG_LONG, 0, comm, &req);
    struct timespec ts = {0, 1000000};
    for (;;) {
        MPI_Test(&req, &done, MPI_STATUS_IGNORE);
        if (done)
            return; // NOLINT(clang-analyzer-optin.mpi.MPI-Checker): MPI_Test completed the request
        nanosleep(&ts, NULL);
    }
}

int tc_live_worker(tc_live *lv, char *err, size_t errlen)
{
    for (;;) {
        long long head[2];
        wait_header(lv->comm, head);
        if (head[0] == CMD_STOP)
            return TC_OK;
        tc_job_clear(&lv->job);
        int st = tc_job_broadcast(&lv->job, lv->comm, err, errlen);
        if (st == TC_OK)
            st = run_epoch(lv, (int)head[1], "", "", err, errlen);
        if (st != TC_OK)
            return st;
    }
}

void tc_live_stop_workers(tc_live *lv)
{
    long long head[2] = {CMD_STOP, lv->epochs_done};
    MPI_Request req;
    MPI_Ibcast(head, 2, MPI_LONG_LONG, 0, lv->comm, &req);
    MPI_Wait(&req, MPI_STATUS_IGNORE);
}
