/*
 * score.c - the forecasts' skill from a file's /skill table (see score.h):
 * the scores per station, their reference from an empty plant, and the PIT
 * uniformity test on spaced forecasts.
 */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

#include "twincast/clock.h"
#include "twincast/duration.h"
#include "twincast/forecast.h"
#include "twincast/score.h"
#include "twincast/store.h"

void tc_score_opts_default(tc_score_opts *o)
{
    memset(o, 0, sizeof *o);
    o->pit_bins = 10;
    o->reference = 1;
}

double tc_score_skill(double s, double ref)
{
    return ref > 0 ? 1 - s / ref : NAN;
}

/* The empty plant's ensembles, one per start (one in all when the model has no calendar). */
typedef struct reference {
    const tc_model *m;
    const char *path;
    int threads;
    double *start;
    long *R;
    double **onsets; /* [i][r * S + s] */
    int n;
} reference;

static const double *reference_onsets(reference *ref, double start, long R, double horizon, char *err,
                                      size_t errlen)
{
    if (!ref->m->calendar)
        start = 0; /* nothing in the model depends on the clock */
    for (int i = 0; i < ref->n; i++)
        if (ref->start[i] == start && ref->R[i] == R)
            return ref->onsets[i];
    tc_forecast_opts fo;
    tc_forecast_opts_default(&fo);
    fo.model = ref->path;
    fo.replications = R;
    fo.threads = ref->threads;
    tc_job job = {0};
    tc_sample *samples[1] = {NULL};
    int abandoned = 0;
    tc_status st = tc_forecast_prepare_job(&fo, ref->m, 1, &job, err, errlen);
    job.start = start ? start : job.start;
    job.horizon = horizon;
    if (st == TC_OK)
        st = tc_forecast_replicate(ref->m, &job, MPI_COMM_SELF, NULL, samples, &abandoned, err, errlen);
    tc_job_clear(&job);
    double *keep = st == TC_OK && samples[0] ? samples[0]->m[TC_M_ONSET] : NULL;
    int grown = keep && (ref->start = realloc(ref->start, sizeof *ref->start * (size_t)(ref->n + 1))) &&
                (ref->R = realloc(ref->R, sizeof *ref->R * (size_t)(ref->n + 1))) &&
                (ref->onsets = realloc(ref->onsets, sizeof *ref->onsets * (size_t)(ref->n + 1)));
    if (!grown) {
        if (st == TC_OK)
            snprintf(err, errlen, "out of memory");
        tc_sample_destroy(samples[0]);
        return NULL;
    }
    samples[0]->m[TC_M_ONSET] = NULL; /* handed over */
    tc_sample_destroy(samples[0]);
    ref->start[ref->n] = start;
    ref->R[ref->n] = R;
    ref->onsets[ref->n] = keep;
    return ref->onsets[ref->n++];
}

static void reference_free(reference *ref)
{
    for (int i = 0; i < ref->n; i++)
        free(ref->onsets[i]);
    free(ref->onsets);
    free(ref->start);
    free(ref->R);
}

/* Brier scores of one lead over the rows whose outcome at that lead is known. */
static void brier_of(const tc_skill_row *rows, const int *idx, long n, int k, const double *p_ref, int bins,
                     tc_brier *b, tc_brier *ref)
{
    double *p = malloc(sizeof *p * (size_t)(n + 1)), *pr = malloc(sizeof *pr * (size_t)(n + 1));
    int *o = malloc(sizeof *o * (size_t)(n + 1));
    long m = 0;
    for (long i = 0; p && pr && o && i < n; i++) {
        const tc_skill_row *r = &rows[idx[i]];
        if (r->formed_within[k] < 0)
            continue;
        p[m] = r->p_within[k];
        pr[m] = p_ref ? p_ref[i * TC_SKILL_LEADS_MAX + k] : NAN;
        o[m++] = r->formed_within[k];
    }
    *b = tc_skill_brier(p, o, m, bins);
    *ref = p_ref ? tc_skill_brier(pr, o, m, bins) : (tc_brier){m, NAN, NAN, NAN, NAN};
    free(p);
    free(pr);
    free(o);
}

static double seconds_of(const char *iso)
{
    double t;
    return tc_iso_parse(iso, &t) == 0 ? t : NAN;
}

/*
 * One station: idx lists its scored rows in epoch order.  The reference's
 * CRPS and lead probabilities come per row from its start's ensemble.
 */
static int station_scores(const tc_score_opts *o, const tc_model *m, reference *ref, const tc_skill_row *rows,
                          const int *idx, long n, double spacing, double unit, tc_station_score *out,
                          char *err, size_t errlen)
{
    int S = m->plant.n_stations, bins = n > 0 ? (int)rows[idx[0]].members + 1 : 2;
    double *p_ref = o->reference ? calloc((size_t)(n + 1) * TC_SKILL_LEADS_MAX, sizeof *p_ref) : NULL;
    long most = 1; /* a file may hold epochs of different ensemble sizes (a twin restarted with another -n) */
    for (long i = 0; i < n; i++)
        most = rows[idx[i]].members > most ? rows[idx[i]].members : most;
    double *x = o->reference ? malloc(sizeof *x * (size_t)(most + 1)) : NULL;
    double *pit = calloc((size_t)(n + 1), sizeof *pit), last = -INFINITY, sum_crps = 0, sum_ref = 0;
    double *all_pit = malloc(sizeof *all_pit * (size_t)(n + 1)), *t = malloc(sizeof *t * (size_t)(n + 1));
    double width = 0, bias_sum = 0;
    long n_width = 0, cover = 0;
    double spread = 0;
    if ((o->reference && (!p_ref || !x)) || !pit || !all_pit || !t) {
        snprintf(err, errlen, "out of memory");
        free(p_ref), free(x), free(pit), free(all_pit), free(t);
        return TC_ERR_RUNTIME;
    }
    for (long i = 0; i < n; i++) {
        const tc_skill_row *r = &rows[idx[i]];
        sum_crps += r->crps;
        out->formed += r->outcome == TC_OUTCOME_FORMED;
        if (r->outcome == TC_OUTCOME_FORMED && r->in_band >= 0) {
            out->band_n++;
            out->band_in += r->in_band;
        }
        double at = seconds_of(r->as_of), horizon = r->lead[r->n_leads - 1];
        all_pit[i] = r->pit;
        spread += r->spread;
        cover += r->pit >= 0.05 && r->pit <= 0.95;
        bias_sum += r->pit;
        t[i] = at / unit;
        if (r->band_hi >= r->band_lo) { /* a band: some members formed */
            width += r->band_hi - r->band_lo;
            n_width++;
        }
        if (!(at < last + spacing * unit)) { /* far enough from the last one taken */
            pit[out->spaced++] = r->pit;
            last = at;
        }
        if (!o->reference)
            continue;
        const double *all = reference_onsets(ref, at, r->members, horizon, err, errlen);
        if (!all) {
            free(p_ref), free(x), free(pit), free(all_pit), free(t);
            return TC_ERR_RUNTIME;
        }
        for (long k = 0; k < r->members; k++)
            x[k] = all[k * S + r->station];
        sum_ref += tc_skill_crps(x, (int)r->members, r->onset, r->outcome != TC_OUTCOME_FORMED, horizon);
        for (int k = 0; k < r->n_leads; k++)
            p_ref[i * TC_SKILL_LEADS_MAX + k] = tc_skill_prob_within(x, (int)r->members, r->lead[k]);
    }
    out->scored = n;
    out->crps = n ? sum_crps / (double)n : NAN;
    out->crps_ref = n && o->reference ? sum_ref / (double)n : NAN;
    out->n_leads = n ? rows[idx[0]].n_leads : 0;
    for (int k = 0; k < out->n_leads; k++) {
        out->lead[k] = rows[idx[0]].lead[k];
        brier_of(rows, idx, n, k, p_ref, bins, &out->brier[k], &out->brier_ref[k]);
    }
    out->pit_bins = o->pit_bins;
    double s = 0;
    for (long i = 0; i < out->spaced; i++) {
        int b = (int)(pit[i] * out->pit_bins);
        out->pit_hist[b < 0 ? 0 : b >= out->pit_bins ? out->pit_bins - 1 : b]++;
        s += pit[i];
    }
    out->pit_mean = out->spaced ? s / (double)out->spaced : NAN;
    out->pit_p = out->spaced ? tc_skill_pit_uniformity(pit, out->spaced, out->pit_bins) : NAN;
    out->bias_mean = n ? bias_sum / (double)n : NAN;
    out->bias_p = tc_skill_pit_bias(all_pit, t, n, spacing, &out->bias_z);
    out->band_width = n_width ? width / (double)n_width : NAN;
    out->spread = n ? spread / (double)n : NAN;
    out->pit_cover90 = n ? (double)cover / (double)n : NAN;
    free(p_ref), free(x), free(pit), free(all_pit), free(t);
    return TC_OK;
}

static int load(const tc_score_opts *o, tc_model **m, tc_skill_row **rows, int *n, char *err, size_t errlen)
{
    char *text = tc_store_read_model(o->path);
    if (!text) {
        snprintf(err, errlen, "%s: not a twincast forecast file (no model in it)", o->path);
        return TC_ERR_INPUT;
    }
    int st = tc_model_load_string(text, o->path, m, err, errlen);
    free(text);
    if (st == TC_OK)
        st = tc_store_read_skill(o->path, *m, rows, n, err, errlen);
    return st;
}

tc_status tc_score_run(const tc_score_opts *o, tc_score_result *res, char *err, size_t errlen)
{
    memset(res, 0, sizeof *res);
    tc_model *m = NULL;
    tc_skill_row *rows = NULL;
    int n = 0, *idx = NULL, st = load(o, &m, &rows, &n, err, errlen);
    int S = m ? m->plant.n_stations : 0, only = -1;
    reference ref = {m, o->path, o->threads > 0 ? o->threads : omp_get_max_threads(), NULL, NULL, NULL, 0};
    if (st == TC_OK && o->station && (only = tc_model_station_index(m, o->station)) < 0) {
        snprintf(err, errlen, "--station %s: %s has no such station", o->station, o->path);
        st = TC_ERR_INPUT;
    }
    if (st == TC_OK && (o->pit_bins < 2 || o->pit_bins > TC_SCORE_PIT_BINS_MAX)) {
        snprintf(err, errlen, "--pit-bins must be from 2 to %d", TC_SCORE_PIT_BINS_MAX);
        st = TC_ERR_INPUT;
    }
    res->horizon = n ? rows[0].lead[rows[0].n_leads - 1] : NAN;
    res->spacing = res->horizon;
    if (st == TC_OK && m && o->spacing &&
        (tc_duration_parse(o->spacing, m->unit, &res->spacing, err, errlen) || !(res->spacing >= 0))) {
        snprintf(err, errlen, "--spacing must be a duration such as 8h, got '%s'", o->spacing);
        st = TC_ERR_INPUT;
    }
    if (st == TC_OK && (!(idx = malloc(sizeof *idx * (size_t)(n + 1))) ||
                        !(res->station = calloc((size_t)S + 1, sizeof *res->station)))) {
        snprintf(err, errlen, "out of memory");
        st = TC_ERR_RUNTIME;
    }
    if (st == TC_OK && m)
        snprintf(res->unit, sizeof res->unit, "%s", tc_time_unit_name(m->unit));
    for (int s = 0; st == TC_OK && s < S; s++) {
        if (only >= 0 && s != only)
            continue;
        tc_station_score *out = &res->station[res->n++];
        long k = 0;
        out->name = m->plant.stations[s].name; /* valid while res lives: copied below */
        for (int i = 0; i < n; i++) {
            if (rows[i].station != s)
                continue;
            out->forecasts++;
            if (rows[i].outcome == TC_OUTCOME_DATA_ENDED)
                out->open++;
            else
                idx[k++] = i;
        }
        st = station_scores(o, m, &ref, rows, idx, k, res->spacing, tc_time_unit_seconds(m->unit), out, err,
                            errlen);
        if (!(out->name = strdup(out->name)) && st == TC_OK) {
            snprintf(err, errlen, "out of memory");
            st = TC_ERR_RUNTIME;
        }
    }
    res->reference_runs = ref.n;
    reference_free(&ref);
    free(idx);
    free(rows);
    tc_model_destroy(m);
    if (st != TC_OK)
        tc_score_result_free(res);
    return st;
}

void tc_score_result_free(tc_score_result *res)
{
    for (int s = 0; res->station && s < res->n; s++)
        free((char *)res->station[s].name);
    free(res->station);
    memset(res, 0, sizeof *res);
}
