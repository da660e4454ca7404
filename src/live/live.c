/*
 * live.c - the live twin's loop on rank 0: messages from a source are
 * offered to the switchboard, and epochs fire when due by the loop's clock.
 * With event time an epoch due before a message runs before it is offered,
 * so the same log always gives the same epochs; with the wall clock the
 * loop drains what has arrived, then fires.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "live_internal.h"
#include "twincast/clock.h"
#include "twincast/duration.h"
#include "twincast/store.h"

#define DRAIN_MAX   100000 /* messages taken before the due epochs get their turn */
#define PENDING_MAX 100000 /* queued events settled early rather than held */

void tc_live_opts_default(tc_live_opts *o)
{
    memset(o, 0, sizeof *o);
    tc_forecast_opts_default(&o->forecast);
    o->debounce = 0.2;
    o->interval = 60;
    o->idle = -1;
}

/*
 * Rank 0: what watches the forecasts' outcomes, with --score-leads parsed
 * (durations in the model's unit, each shorter than the horizon).
 */
static int watch_outcomes(tc_live *lv, char *err, size_t errlen)
{
    double leads[TC_SKILL_LEADS_MAX];
    int n = 0;
    const char *p = lv->o.score_leads;
    while (p && *p) {
        size_t len = strcspn(p, ",");
        char one[64], why[128];
        snprintf(one, sizeof one, "%.*s", (int)(len < sizeof one ? len : sizeof one - 1), p);
        if (n == TC_SKILL_LEADS_MAX - 1) {
            snprintf(err, errlen, "--score-leads: at most %d lead times", TC_SKILL_LEADS_MAX - 1);
            return TC_ERR_INPUT;
        }
        if (tc_duration_parse(one, lv->m->unit, &leads[n], why, sizeof why) || !(leads[n] > 0) ||
            !(leads[n] < lv->job.horizon) || (n > 0 && !(leads[n] > leads[n - 1]))) {
            snprintf(err, errlen,
                     "--score-leads: '%s' must be a positive duration, shorter than the horizon and longer "
                     "than the lead before it",
                     one);
            return TC_ERR_INPUT;
        }
        n++;
        p += len + (p[len] == ',');
    }
    if (!(lv->outcomes = tc_outcomes_create(lv->m, leads, n, lv->job.seed))) {
        snprintf(err, errlen, "out of memory");
        return TC_ERR_RUNTIME;
    }
    tc_twin_on_apply(lv->twin, tc_outcomes_observe, lv->outcomes);
    return TC_OK;
}

tc_status tc_live_create(const tc_live_opts *o, MPI_Comm comm, tc_live **out, char *err, size_t errlen)
{
    tc_live *lv = calloc(1, sizeof *lv);
    int st = lv ? TC_OK : TC_ERR_RUNTIME, rank;
    MPI_Comm_rank(comm, &rank);
    *out = lv;
    if (!lv) {
        snprintf(err, errlen, "out of memory");
    } else {
        lv->o = *o;
        lv->comm = comm;
        lv->rank = rank;
        MPI_Comm_size(comm, &lv->size);
        lv->debounce_due = lv->interval_due = lv->shift_due = lv->fire_at = NAN;
    }
    if (st == TC_OK && rank == 0) {
        st = tc_model_load(o->forecast.model, &lv->m, err, errlen);
        if (st == TC_OK)
            st = tc_forecast_prepare_job(&o->forecast, lv->m, lv->size, &lv->job, err, errlen);
        if (st == TC_OK && !(lv->twin = tc_twin_create(lv->m))) {
            snprintf(err, errlen, "out of memory");
            st = TC_ERR_RUNTIME;
        }
        if (st == TC_OK && o->forecast.output) { /* fail now, not at the first epoch */
            tc_store *s = NULL;
            if ((st = tc_store_open(o->forecast.output, lv->m, TC_STORE_ATOMIC | TC_STORE_EPOCH_FILES, &s,
                                    err, errlen)) == TC_OK)
                tc_store_close(s, 0, NULL, 0);
        }
        if (st == TC_OK && o->forecast.output && !o->no_score)
            st = watch_outcomes(lv, err, errlen);
        if (st == TC_OK && o->decide)
            st = tc_decide_plan_make(o->decide, lv->m, &lv->plan, err, errlen);
    }
    MPI_Bcast(&st, 1, MPI_INT, 0, comm);
    if (st == TC_OK && o->decide) /* plain numbers: every rank runs the same binary */
        MPI_Bcast(&lv->plan, (int)sizeof lv->plan, MPI_BYTE, 0, comm);
    if (st == TC_OK && rank != 0) {
        tc_job model_only = {0};
        /* the workers get the model once, then one state per epoch */
        st = tc_job_broadcast(&model_only, comm, err, errlen);
        if (st == TC_OK)
            st = tc_model_load_string(model_only.model_text, model_only.model_origin, &lv->m, err, errlen);
        tc_job_clear(&model_only);
    } else if (st == TC_OK) {
        st = tc_job_broadcast(&lv->job, comm, err, errlen);
    }
    int worst = st;
    MPI_Allreduce(&st, &worst, 1, MPI_INT, MPI_MAX, comm);
    return worst;
}

tc_status tc_live_resume(tc_live *lv, char **offsets, char *err, size_t errlen)
{
    const char *out = lv->o.forecast.output;
    char *state = NULL;
    int epoch = 0;
    *offsets = NULL;
    if (!out || access(out, F_OK) != 0)
        return TC_OK;
    int st = tc_store_read_resume(out, &state, offsets, &epoch, err, errlen);
    if (st == TC_OK && state)
        st = tc_twin_restore(lv->twin, state, out, err, errlen);
    if (st == TC_OK && state && !lv->o.quiet)
        fprintf(stderr, "twincast: resuming from epoch %06d of %s (offsets %s)\n", epoch, out,
                *offsets ? *offsets : "none");
    free(state);
    return st;
}

void tc_live_destroy(tc_live *lv)
{
    if (!lv)
        return;
    tc_outcomes_destroy(lv->outcomes);
    tc_twin_destroy(lv->twin);
    tc_model_destroy(lv->m);
    tc_job_clear(&lv->job);
    free(lv);
}

const tc_twin_counters *tc_live_counters(const tc_live *lv)
{
    return tc_twin_get_counters(lv->twin);
}

const tc_model *tc_live_model(const tc_live *lv)
{
    return lv->m;
}

int tc_live_epochs_done(const tc_live *lv)
{
    return lv->epochs_done;
}

int tc_live_epochs_superseded(const tc_live *lv)
{
    return lv->epochs_superseded;
}

/* A skipped message: logged once per reason per 10 s, copied to the dead-letter topic if there is one. */
static void skipped(tc_live *lv, const char *raw, size_t len, tc_reject why, const char *detail)
{
    double t = tc_clock_monotonic();
    if (!lv->o.quiet && (lv->last_log[why] == 0 || t - lv->last_log[why] >= 10)) {
        fprintf(stderr, "twincast: skipped a message (%s): %s\n", tc_reject_name(why), detail);
        lv->last_log[why] = t;
    }
    if (lv->src->dead_letter && raw)
        lv->src->dead_letter(lv->src->self, raw, len, tc_reject_name(why));
}

static void reject_at_settle(void *user, const char *raw, size_t len, tc_reject why, const char *detail)
{
    skipped(user, raw, len, why, detail);
}

/* One raw message in, at time `now` of the loop's clock. */
static void offer(tc_live *lv, const char *raw, size_t len, double now)
{
    tc_event ev;
    char why[256];
    tc_reject r = tc_event_parse(lv->m, raw, len, &ev, why, sizeof why);
    if (r != TC_REJ_NONE) {
        tc_twin_count_rejected(lv->twin, r);
        skipped(lv, raw, len, r, why);
        return;
    }
    if (tc_twin_offer(lv->twin, &ev, raw, len) != TC_OK) {
        tc_twin_count_rejected(lv->twin, TC_REJ_OVERSIZED);
        return;
    }
    if (tc_event_is_significant(ev.type) && isnan(lv->debounce_due))
        lv->debounce_due = now + lv->o.debounce;
    if (isnan(lv->interval_due))
        lv->interval_due = now + lv->o.interval;
    if (tc_twin_pending(lv->twin) >= PENDING_MAX)
        tc_twin_settle(lv->twin);
}

/* Something was offered since the last epoch. */
static int dirty(const tc_live *lv)
{
    return tc_twin_pending(lv->twin) > 0 || tc_twin_get_counters(lv->twin)->applied != lv->applied_at_epoch;
}

static double next_due(const tc_live *lv)
{
    double a = lv->debounce_due, b = lv->interval_due;
    return isnan(a) ? b : isnan(b) ? a : (a < b ? a : b);
}

static int due(const tc_live *lv, double now)
{
    double d = next_due(lv);
    return !isnan(d) && d <= now;
}

/* Event time: the newest timestamp seen, so the clock never runs backwards. */
static double event_time(const tc_live *lv, const char *raw, size_t len, double now)
{
    tc_event ev;
    char why[64];
    if (tc_event_parse(lv->m, raw, len, &ev, why, sizeof why) == TC_REJ_NONE && (isnan(now) || ev.ts > now))
        return ev.ts;
    return now;
}

/*
 * --on-shift-change: every change of the calendar up to `now` (seconds since
 * the epoch) fires an epoch as of that change, whether or not an event came.
 */
static int shift_changes(tc_live *lv, double now, char *err, size_t errlen)
{
    int st = TC_OK;
    if (!lv->o.on_shift_change || !lv->m->calendar || isnan(now))
        return TC_OK;
    if (isnan(lv->shift_due)) /* the first time: from now on */
        lv->shift_due = tc_live_next_shift(lv, now);
    while (st == TC_OK && !isnan(lv->shift_due) && lv->shift_due <= now) {
        lv->fire_at = lv->shift_due;
        st = tc_live_fire(lv, err, errlen);
        lv->fire_at = NAN;
        lv->shift_due = tc_live_next_shift(lv, lv->shift_due);
    }
    return st;
}

static int loop(tc_live *lv, tc_live_clock clock, char *err, size_t errlen)
{
    int event_clock = clock == TC_LIVE_EVENT_TIME, st = TC_OK, got = TC_LIVE_NONE;
    double now = event_clock ? NAN : tc_clock_monotonic(), last_activity = NAN;
    while (st == TC_OK && got != TC_LIVE_END) {
        double wait = 0;
        if (!event_clock) {
            double d = next_due(lv);
            now = tc_clock_monotonic();
            wait = 0.1;
            if (!isnan(d) && d - now < wait)
                wait = d - now > 0 ? d - now : 0;
        }
        for (int k = 0; st == TC_OK && k <= DRAIN_MAX; k++) {
            const char *msg;
            size_t len;
            if ((got = lv->src->next(lv->src->self, &msg, &len, k ? 0 : wait)) == TC_LIVE_OVERSIZED)
                tc_twin_count_rejected(lv->twin, TC_REJ_OVERSIZED);
            if (got != TC_LIVE_MESSAGE)
                break;
            if (event_clock) { /* an epoch due before this event runs first */
                now = event_time(lv, msg, len, now);
                st = shift_changes(lv, now, err, errlen);
                while (st == TC_OK && !isnan(now) && due(lv, now) && dirty(lv))
                    st = tc_live_fire(lv, err, errlen);
                offer(lv, msg, len, isnan(now) ? 0 : now);
            } else {
                offer(lv, msg, len, tc_clock_monotonic());
                last_activity = tc_clock_monotonic();
            }
        }
        if (got == TC_LIVE_END || event_clock || st != TC_OK)
            continue;
        now = tc_clock_monotonic();
        if (due(lv, now) && dirty(lv))
            st = tc_live_fire(lv, err, errlen);
        if (st == TC_OK) /* the calendar runs on the wall clock */
            st = shift_changes(lv, floor(tc_clock_now()), err, errlen);
        if (lv->o.idle >= 0 && !isnan(last_activity) && now - last_activity >= lv->o.idle && !dirty(lv) &&
            isnan(next_due(lv)))
            break;
    }
    if (st == TC_OK && event_clock && dirty(lv)) /* the log's tail */
        st = tc_live_fire(lv, err, errlen);
    return st;
}

static int score_the_rest(tc_live *lv, char *err, size_t errlen)
{
    tc_outcomes_finish(lv->outcomes, tc_twin_time(lv->twin));
    if (tc_outcomes_scored(lv->outcomes) == 0)
        return TC_OK;
    tc_store *store = NULL;
    int st = tc_store_open(lv->o.forecast.output, lv->m, TC_STORE_ATOMIC | TC_STORE_EPOCH_FILES, &store, err,
                           errlen);
    if (st == TC_OK)
        st = tc_live_write_skill(lv, store, err, errlen);
    if (store) {
        char cerr[512];
        if (tc_store_close(store, st == TC_OK, cerr, sizeof cerr) != TC_OK && st == TC_OK) {
            snprintf(err, errlen, "%s", cerr);
            st = TC_ERR_RUNTIME;
        }
    }
    return st;
}

tc_status tc_live_run(tc_live *lv, tc_live_source *src, tc_live_clock clock, char *err, size_t errlen)
{
    if (lv->rank != 0)
        return tc_live_worker(lv, err, errlen);
    if (!src) {
        tc_live_stop_workers(lv);
        return TC_OK;
    }
    lv->src = src;
    tc_twin_on_reject(lv->twin, reject_at_settle, lv, src->dead_letter != NULL);
    int st = loop(lv, clock, err, errlen);
    tc_live_stop_workers(lv);
    if (st == TC_OK && lv->outcomes) /* the data end here: what is still watched is censored */
        st = score_the_rest(lv, err, errlen);
    return st;
}
