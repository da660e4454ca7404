/*
 * outcome.c - watching what happened after each forecast (see outcome.h).
 * A watched forecast keeps its ensemble of onsets per station until every
 * station's outcome is known: its line reached the threshold, or the
 * horizon passed.  The twin calls in after every applied event, so the
 * common case (nothing watched at that station, no deadline passed) costs
 * two comparisons.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "twincast/clock.h"
#include "twincast/outcome.h"
#include "twincast/rng.h"

typedef struct watched {
    int epoch;
    char as_of[40];
    double at, until; /* seconds since the epoch: the forecast's start, and start + horizon */
    double horizon;   /* model unit */
    long R;
    double *onsets; /* [S][R]: each station's ensemble */
    double *onset;  /* [S]: realized, model unit; NaN: not yet */
} watched;

struct tc_outcomes {
    const tc_model *m;
    int S;
    double unit; /* seconds per model unit */
    uint32_t seed;
    double leads[TC_SKILL_LEADS_MAX];
    int n_leads; /* the user's, without the horizon */
    watched *w;
    int n, cap;
    double next_until; /* the earliest deadline watched (+inf: none) */
    tc_skill_row *rows;
    int n_rows, rows_cap;
};

tc_outcomes *tc_outcomes_create(const tc_model *m, const double *leads, int n_leads, uint32_t seed)
{
    tc_outcomes *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->m = m;
    o->S = m->plant.n_stations;
    o->unit = tc_time_unit_seconds(m->unit);
    o->seed = seed;
    o->n_leads = n_leads < TC_SKILL_LEADS_MAX - 1 ? n_leads : TC_SKILL_LEADS_MAX - 1;
    for (int k = 0; k < o->n_leads; k++)
        o->leads[k] = leads[k];
    o->next_until = INFINITY;
    return o;
}

static void watched_free(watched *w)
{
    free(w->onsets);
    free(w->onset);
}

void tc_outcomes_destroy(tc_outcomes *o)
{
    if (!o)
        return;
    for (int i = 0; i < o->n; i++)
        watched_free(&o->w[i]);
    free(o->w);
    free(o->rows);
    free(o);
}

int tc_outcomes_watching(const tc_outcomes *o)
{
    return o->n;
}

static void refresh_deadline(tc_outcomes *o)
{
    o->next_until = INFINITY;
    for (int i = 0; i < o->n; i++)
        if (o->w[i].until < o->next_until)
            o->next_until = o->w[i].until;
}

int tc_outcomes_watch(tc_outcomes *o, int epoch, const char *as_of, double at, double horizon,
                      const double *onsets, long R, const int *waiting)
{
    if (o->n == o->cap) {
        int cap = o->cap ? 2 * o->cap : 8;
        watched *grown = realloc(o->w, sizeof *grown * (size_t)cap);
        if (!grown)
            return -1;
        o->w = grown;
        o->cap = cap;
    }
    watched w = {.epoch = epoch, .at = at, .until = at + horizon * o->unit, .horizon = horizon, .R = R};
    snprintf(w.as_of, sizeof w.as_of, "%s", as_of);
    w.onsets = malloc(sizeof *w.onsets * (size_t)(R * o->S + 1));
    w.onset = malloc(sizeof *w.onset * (size_t)o->S);
    if (!w.onsets || !w.onset) {
        watched_free(&w);
        return -1;
    }
    for (int s = 0; s < o->S; s++) {
        for (long r = 0; r < R; r++)
            w.onsets[s * R + r] = onsets[r * o->S + s];
        w.onset[s] = waiting[s] >= o->m->plant.stations[s].threshold ? 0 : NAN;
    }
    o->w[o->n++] = w;
    if (w.until < o->next_until)
        o->next_until = w.until;
    return 0;
}

static tc_skill_row *new_row(tc_outcomes *o)
{
    if (o->n_rows == o->rows_cap) {
        int cap = o->rows_cap ? 2 * o->rows_cap : 64;
        tc_skill_row *grown = realloc(o->rows, sizeof *grown * (size_t)cap);
        if (!grown)
            return NULL;
        o->rows = grown;
        o->rows_cap = cap;
    }
    return memset(&o->rows[o->n_rows++], 0, sizeof *o->rows);
}

/* Scores watched forecast i as watched until `ts` and stops watching it. */
static void conclude(tc_outcomes *o, int i, double ts)
{
    watched *w = &o->w[i];
    double leads[TC_SKILL_LEADS_MAX], seen = (ts < w->until ? ts - w->at : w->until - w->at) / o->unit;
    int n = 0;
    for (int k = 0; k < o->n_leads; k++)
        if (o->leads[k] < w->horizon)
            leads[n++] = o->leads[k];
    leads[n++] = w->horizon;
    for (int s = 0; s < o->S; s++) {
        if (!(seen > 0) && isnan(w->onset[s]))
            continue; /* the data ended as the forecast began: nothing to score */
        tc_skill_row *row = new_row(o);
        if (!row)
            break; /* out of memory: the scores are lost, the twin goes on */
        tc_rng rng;
        tc_rng_init(&rng, o->seed, 0, (uint32_t)w->epoch, TC_STREAM_SKILL(s));
        tc_skill_score(&w->onsets[s * w->R], (int)w->R, w->horizon, w->onset[s], seen > 0 ? seen : 0, leads,
                       n, tc_rng_uniform(&rng), row);
        row->epoch = w->epoch;
        row->station = s;
        snprintf(row->as_of, sizeof row->as_of, "%s", w->as_of);
    }
    watched_free(w);
    memmove(&o->w[i], &o->w[i + 1], sizeof *o->w * (size_t)(o->n - i - 1)); /* rows stay in epoch order */
    o->n--;
}

void tc_outcomes_observe(void *outcomes, int station, int waiting, double ts)
{
    tc_outcomes *o = outcomes;
    if (ts > o->next_until) { /* horizons passed: those forecasts are complete */
        for (int i = 0; i < o->n;)
            if (o->w[i].until < ts)
                conclude(o, i, ts);
            else
                i++;
        refresh_deadline(o);
    }
    if (station < 0 || waiting < o->m->plant.stations[station].threshold)
        return;
    for (int i = 0; i < o->n; i++) {
        watched *w = &o->w[i];
        if (isnan(w->onset[station]) && ts >= w->at && ts <= w->until)
            w->onset[station] = (ts - w->at) / o->unit;
    }
}

void tc_outcomes_finish(tc_outcomes *o, double ts)
{
    while (o->n > 0)
        conclude(o, 0, ts);
    o->next_until = INFINITY;
}

int tc_outcomes_scored(const tc_outcomes *o)
{
    return o->n_rows;
}

int tc_outcomes_take(tc_outcomes *o, tc_skill_row **rows)
{
    int n = o->n_rows;
    *rows = o->rows;
    o->rows = NULL;
    o->n_rows = o->rows_cap = 0;
    return n;
}
