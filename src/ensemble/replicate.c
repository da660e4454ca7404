/*
 * replicate.c - the replications of one job on every rank: this rank's
 * contiguous share on OpenMP threads, then the gather to rank 0 in
 * replication order.  Rank 0 may abandon a run; the workers learn it from a
 * small message they probe for between replications.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replicate.h"
#include "twincast/clock.h"

#define TAG_ABANDON 77

void tc_rank_error(int rank, char *err, size_t errlen, const char *detail)
{
    char d[1024];
    snprintf(d, sizeof d, "%s", detail && detail[0] ? detail : "out of memory");
    snprintf(err, errlen, "rank %d: %s", rank, d);
}

int tc_every_rank(int st, MPI_Comm comm)
{
    int worst = st;
    MPI_Allreduce(&st, &worst, 1, MPI_INT, MPI_MAX, comm);
    return worst;
}

void tc_ensemble_free(ensemble *e)
{
    for (int k = 0; k < e->nsc; k++) {
        if (e->local)
            tc_sample_destroy(e->local[k]);
        if (e->global)
            tc_sample_destroy(e->global[k]);
    }
    free(e->local);
    free(e->global);
    free(e->sc);
    tc_timetable_destroy(e->timetable);
}

int tc_job_load(const tc_job *j, tc_model **m, tc_state **state, char *err, size_t errlen)
{
    int st = tc_model_load_string(j->model_text, j->model_origin, m, err, errlen);
    if (st == TC_OK && j->state_text)
        st = tc_state_parse_json(*m, j->state_text, strlen(j->state_text), j->state_origin, state, err,
                                 errlen);
    return st;
}

int tc_ensemble_init(ensemble *e, const tc_model *m, const tc_job *job, const tc_state *state, MPI_Comm comm)
{
    memset(e, 0, sizeof *e);
    MPI_Comm_rank(comm, &e->rank);
    MPI_Comm_size(comm, &e->size);
    e->comm = comm;
    e->m = m;
    e->job = job;
    e->state = state;
    e->cfg = (tc_run_cfg){.horizon = job->horizon, .bin_width = job->bin_width, .seed = job->seed};
    /* calendar times into simulated time, here, before any thread starts (the zone is process-wide) */
    double start = job->start;
    if (state && state->as_of[0] && tc_iso_parse(state->as_of, &start) != 0)
        start = job->start;
    char why[128];
    if (tc_timetable_build(m, start, job->horizon, &e->timetable, why, sizeof why) != TC_OK)
        return TC_ERR_RUNTIME;
    e->cfg.timetable = e->timetable;
    e->nsc = 1 + job->n_scenarios;
    e->sc = calloc((size_t)e->nsc, sizeof *e->sc);
    e->local = calloc((size_t)e->nsc, sizeof *e->local);
    e->global = calloc((size_t)e->nsc, sizeof *e->global);
    if (!e->sc || !e->local || !e->global)
        return TC_ERR_RUNTIME;
    int S = m->plant.n_stations, T = tc_run_cfg_bins(&e->cfg), P = m->plant.n_sources;
    for (int k = 0; k < e->nsc; k++) {
        e->sc[k] = k ? &m->scenarios[tc_model_scenario_index(m, job->scenarios[k - 1])] : NULL;
        e->local[k] = tc_sample_create(1, S, T, P);
        e->global[k] = e->rank == 0 ? tc_sample_create(1, S, T, P) : NULL;
        if (!e->local[k] || (e->rank == 0 && !e->global[k]))
            return TC_ERR_RUNTIME;
    }
    return TC_OK;
}

static void report_progress(void *user, long done)
{
    ensemble *e = user;
    e->progress(e->progress_user, e->progress_scenario, e->progress_base + done, e->progress_planned,
                e->size);
}

/* Rank 0: has a newer state arrived?  Then tell the workers, with a small eager message. */
static int rank0_abandons(void *user)
{
    ensemble *e = user;
    if (e->abandon_sent || !e->abandon->newer(e->abandon->user))
        return e->abandon_sent;
    for (int r = 1; r < e->size; r++)
        MPI_Send(&e->abandon->run_id, 1, MPI_INT, r, TAG_ABANDON, e->comm);
    e->abandon_sent = 1;
    return 1;
}

/* Workers: has rank 0 abandoned this run?  Older runs' messages are drained. */
static int worker_abandons(void *user)
{
    ensemble *e = user;
    int flag = 0, id;
    MPI_Status s;
    MPI_Iprobe(0, TAG_ABANDON, e->comm, &flag, &s);
    while (flag) {
        MPI_Recv(&id, 1, MPI_INT, 0, TAG_ABANDON, e->comm, MPI_STATUS_IGNORE);
        if (id == e->abandon->run_id)
            e->abandon_sent = 1;
        MPI_Iprobe(0, TAG_ABANDON, e->comm, &flag, &s);
    }
    return e->abandon_sent;
}

static int run_and_gather(ensemble *e, long first, long count, long row, int *abandoned, char *err,
                          size_t errlen);

/* The batch's bands, summed over the ranks into rank 0's, once the batch's rows are all in. */
static int reduce_bands(ensemble *e, char *err, size_t errlen)
{
    int st = TC_OK;
    size_t words = 0;
    for (int k = 0; k < e->nsc && st == TC_OK; k++)
        st = tc_bands_reduce(e->local[k], e->global[k], e->comm, &words, err, errlen);
    e->bytes_bands += 4.0 * (double)words;
    return st;
}

int tc_ensemble_batch(ensemble *e, long first, long count, int *abandoned, char *err, size_t errlen)
{
    long lo, n0; /* progress over the whole batch: rank 0's share of it, for every scenario */
    tc_share(first, count, e->rank, e->size, e->job->rank0_works, &lo, &n0);
    e->progress_planned = n0 * e->nsc;
    e->progress_base = 0;
    if (e->nsc > 1)
        snprintf(e->progress_label, sizeof e->progress_label, "baseline + %d scenario%s", e->nsc - 1,
                 e->nsc > 2 ? "s" : "");
    else
        snprintf(e->progress_label, sizeof e->progress_label, "baseline");
    e->progress_scenario = e->progress_label;
    for (int k = 0; k < e->nsc; k++)
        tc_bands_clear(e->local[k]->bands); /* this batch's alone: the last one's are in global */
    if (!e->on_round) {
        int st = run_and_gather(e, first, count, first, abandoned, err, errlen);
        return st == TC_OK && !*abandoned ? reduce_bands(e, err, errlen) : st;
    }
    /* streaming: a round at a time into rows [0, n) of rank 0's samples, handed over in order */
    for (long done = 0; done < count;) {
        long n = count - done < e->round ? count - done : e->round;
        int st = run_and_gather(e, first + done, n, 0, abandoned, err, errlen);
        if (st != TC_OK || *abandoned)
            return st;
        for (int k = 0; e->rank == 0 && k < e->nsc && st == TC_OK; k++)
            st = e->on_round(e->round_user, k, e->global[k], first + done, err, errlen);
        MPI_Bcast(&st, 1, MPI_INT, 0, e->comm); /* rank 0's file or memory failed: every rank stops */
        if (st != TC_OK)
            return st;
        done += n;
    }
    return reduce_bands(e, err, errlen);
}

static int run_and_gather(ensemble *e, long first, long count, long row, int *abandoned, char *err,
                          size_t errlen)
{
    long lo, n;
    int st = TC_OK, mine = 0;
    tc_share(first, count, e->rank, e->size, e->job->rank0_works, &lo, &n);
    for (int k = 0; k < e->nsc && st == TC_OK; k++) {
        tc_ensemble_hooks hooks = {0};
        if (e->rank == 0 && e->progress)
            hooks.progress = report_progress;
        if (e->abandon)
            hooks.cancel = e->rank == 0 ? rank0_abandons : worker_abandons;
        hooks.user = e;
        st = tc_sample_reserve(e->local[k], n > 0 ? n : 1);
        if (st == TC_OK && !e->abandon_sent)
            st = tc_ensemble_run(e->m, e->state, e->sc[k], &e->cfg, lo, n, e->job->threads, e->local[k], 0,
                                 &hooks, err, errlen);
        e->local[k]->R = n;
        e->progress_base += n;
        mine |= hooks.cancelled || e->abandon_sent;
    }
    if (st != TC_OK)
        tc_rank_error(e->rank, err, errlen, err);
    int worst = tc_every_rank(st, e->comm);
    *abandoned = 0;
    MPI_Allreduce(&mine, abandoned, 1, MPI_INT, MPI_MAX, e->comm);
    if (worst != TC_OK) {
        if (st == TC_OK)
            snprintf(err, errlen, "%s", e->rank == 0 ? "a rank failed; no forecast written" : "");
        return worst;
    }
    if (*abandoned)
        return TC_OK;
    for (int k = 0; k < e->nsc && st == TC_OK; k++) {
        st = tc_sample_gather(e->local[k], n, e->global[k], row, e->comm, err, errlen);
    }
    if (e->rank == 0) { /* the rows that came from other ranks */
        e->bytes_rows +=
            (double)(count - n) * e->nsc * tc_sample_row_bytes(e->m->plant.n_stations, e->m->plant.n_sources);
    }
    e->total = first + count;
    return st;
}

tc_status tc_forecast_replicate(const tc_model *m, const tc_job *job, MPI_Comm comm, tc_forecast_abandon *ab,
                                tc_sample **samples, int *abandoned, char *err, size_t errlen)
{
    ensemble e = {0};
    tc_state *state = NULL;
    int st = TC_OK;
    *abandoned = 0;
    MPI_Comm_rank(comm, &e.rank);
    if (job->state_text)
        st = tc_state_parse_json(m, job->state_text, strlen(job->state_text), "the twin's state", &state, err,
                                 errlen);
    if (st == TC_OK && (st = tc_ensemble_init(&e, m, job, state, comm)) != TC_OK)
        snprintf(err, errlen, "out of memory");
    if (st != TC_OK) {
        tc_rank_error(e.rank, err, errlen, err);
        st = tc_every_rank(st, comm);
    } else {
        e.abandon = ab;
        st = tc_ensemble_batch(&e, 0, job->replications, abandoned, err, errlen);
    }
    for (int k = 0; st == TC_OK && !*abandoned && e.rank == 0 && k < e.nsc; k++) {
        samples[k] = e.global[k]; /* handed over */
        e.global[k] = NULL;
    }
    tc_ensemble_free(&e);
    tc_state_destroy(state);
    return st;
}
