/*
 * forecast.c - one forecast job on a communicator: prepare on rank 0,
 * broadcast, replicate on every rank a round at a time, stream each round
 * into rank 0's tallies and the file, summarise, write.  The `forecast`
 * command, `merge` and the live twin's epochs are built on it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "replicate.h"
#include "round_writer.h"
#include "twincast/clock.h"
#include "twincast/ensemble.h"
#include "twincast/forecast.h"
#include "twincast/tally.h"

/*
 * Rows a round holds, on each rank and again on rank 0: about 4 MB of them,
 * whatever the plant.  Measured on line5 at 10^5 replications: 16 MB
 * rounds cost 23 MB more peak memory than 4 MB ones and saved no time
 * measurably (9.67 against 9.77 s, within the noise).
 */
#define ROUND_BYTES (4L << 20)

void tc_forecast_opts_default(tc_forecast_opts *o)
{
    memset(o, 0, sizeof *o);
    o->replications = -1;
    o->seed = -1;
    o->min_replications = 100;
    o->max_replications = 100000;
    o->rank0_works = 1;
}

void tc_forecast_result_clear(tc_forecast_result *res)
{
    tc_forecast_view_destroy(res->view);
    memset(res, 0, sizeof *res);
}

static char **copy_names(const char *const *names, int n)
{
    char **c = calloc((size_t)n + 1, sizeof *c);
    for (int k = 0; c && k < n; k++)
        if (!(c[k] = strdup(names[k]))) {
            for (int i = 0; i < k; i++)
                free(c[i]);
            free(c);
            return NULL;
        }
    return c;
}

tc_status tc_forecast_prepare_job(const tc_forecast_opts *o, const tc_model *m, int nranks, tc_job *j,
                                  char *err, size_t errlen)
{
    for (int k = 0; k < o->n_scenarios; k++) {
        if (tc_model_scenario_index(m, o->scenarios[k]) < 0) {
            snprintf(err, errlen, "--scenario %s: %s has no such scenario%s", o->scenarios[k], o->model,
                     m->n_scenarios ? "" : " (it declares none)");
            return TC_ERR_INPUT;
        }
        for (int i = 0; i < k; i++)
            if (!strcmp(o->scenarios[i], o->scenarios[k])) {
                snprintf(err, errlen, "--scenario %s given twice", o->scenarios[k]);
                return TC_ERR_INPUT;
            }
    }
    /* simulated time 0 without a state's as_of: --start, else the model's start, else now */
    j->start = m->has_start ? m->start : floor(tc_clock_now());
    if (o->start && tc_iso_parse(o->start, &j->start) != 0) {
        snprintf(err, errlen,
                 "--start must be an ISO-8601 time with a zone (e.g. 2026-12-11T21:30:00+01:00), got '%s'",
                 o->start);
        return TC_ERR_INPUT;
    }
    j->horizon = m->horizon;
    if (o->horizon &&
        (tc_duration_parse(o->horizon, m->unit, &j->horizon, err, errlen) || !(j->horizon > 0))) {
        snprintf(err, errlen, "--horizon must be a positive duration, got '%s'", o->horizon);
        return TC_ERR_INPUT;
    }
    j->bin_width = tc_model_bin_width(m, j->horizon);
    if (o->bin_width && (tc_duration_parse(o->bin_width, m->unit, &j->bin_width, err, errlen) ||
                         !(j->bin_width > 0) || j->horizon / j->bin_width > 100000)) {
        snprintf(err, errlen, "--bin-width must be a positive duration giving at most 100000 bins");
        return TC_ERR_INPUT;
    }
    j->seed = o->seed >= 0 ? (uint32_t)o->seed : m->seed;
    j->precision = o->precision;
    j->replications =
        o->precision > 0 ? o->max_replications : (o->replications > 0 ? o->replications : m->replications);
    j->min_replications = o->precision > 0 ? o->min_replications : j->replications;
    j->threads = o->threads > 0 ? o->threads : omp_get_max_threads();
    j->rank0_works = o->rank0_works || nranks == 1;
    j->model_text = strdup(m->text);
    j->model_origin = strdup(o->model);
    j->n_scenarios = o->n_scenarios;
    j->scenarios = copy_names(o->scenarios, o->n_scenarios);
    if (!j->model_text || !j->model_origin || !j->scenarios) {
        snprintf(err, errlen, "out of memory");
        return TC_ERR_RUNTIME;
    }
    return TC_OK;
}

/* ---- the whole forecast ---------------------------------------------------------- */

typedef struct forecast {
    const tc_forecast_opts *o;
    int rank, size;
    MPI_Comm comm;
    tc_job job;
    tc_model *m;
    tc_state *state;
    tc_store *store;
    int epoch;                /* the epoch the rows stream into, once begun */
    tc_tally **tally;         /* [nsc], rank 0 */
    tc_round_writer *writer;  /* rank 0, rows kept: the rounds' rows into the file */
    const char **round_names; /* [nsc]: the writer's scenario names */
    ensemble e;
    const char *stop_reason;
    double t0;
    double t_tally; /* rank 0's serial work per round: the tallies */
} forecast;

/* Rank 0: read and check everything, fill the job.  Nothing runs before this passes. */
static int prepare(forecast *f, char *err, size_t errlen)
{
    const tc_forecast_opts *o = f->o;
    char *state_text = NULL;
    int st = tc_model_load(o->model, &f->m, err, errlen);
    if (st == TC_OK && o->state)
        st = tc_state_load_json(f->m, o->state, &f->state, &state_text, err, errlen);
    f->job.state_text = state_text;
    if (st == TC_OK && o->state && !(f->job.state_origin = strdup(o->state))) {
        snprintf(err, errlen, "out of memory");
        st = TC_ERR_RUNTIME;
    }
    if (st == TC_OK)
        st = tc_forecast_prepare_job(o, f->m, f->size, &f->job, err, errlen);
    if (st == TC_OK && !f->job.rank0_works && f->size < 2) {
        snprintf(err, errlen, "--no-rank0-work needs at least two ranks");
        st = TC_ERR_INPUT;
    }
    if (st == TC_OK && o->expect_ranks && o->expect_ranks != f->size) {
        /* N copies started side by side would each run the whole forecast */
        snprintf(err, errlen,
                 "started with %d MPI rank%s but --expect-ranks %ld: launch with srun or mpirun, not as "
                 "independent copies",
                 f->size, f->size == 1 ? "" : "s", o->expect_ranks);
        st = TC_ERR_INPUT;
    }
    /* last: the output, so that an unwritable path fails before any work */
    if (st == TC_OK && o->output)
        st = tc_store_open(o->output, f->m, TC_STORE_ATOMIC, &f->store, err, errlen);
    return st;
}

/* Rank 0, with --precision: done yet?  If not, how many replications in all next. */
static int precise_enough(forecast *f, long *next)
{
    double need = 0;
    int ok = 1;
    for (int k = 0; k < f->e.nsc; k++) /* from the running moments: nothing is recomputed from the rows */
        ok &= tc_tally_precise(f->tally[k], f->job.precision, 0.95, &need);
    long lo = f->e.total + 50, target = (long)ceil(1.1 * need);
    *next = target < lo ? lo : target;
    if (*next > f->job.replications)
        *next = f->job.replications;
    return ok;
}

/*
 * Rank 0: one round of one scenario's rows, in replication order: into the
 * tally, then handed to the writer, which writes the round while the next
 * one runs.  The writer's last round is waited for before the store is
 * touched here (HDF5 is one thread's at a time).
 */
static int take_round(void *user, int k, tc_sample *rows, long first, char *err, size_t errlen)
{
    forecast *f = user;
    double t0 = MPI_Wtime();
    if (tc_tally_add(f->tally[k], rows) != TC_OK) {
        snprintf(err, errlen, "out of memory for the onsets (%ld replications)", first + rows->R);
        return TC_ERR_RUNTIME;
    }
    f->t_tally += MPI_Wtime() - t0;
    if (!f->writer)
        return TC_OK;
    int st = k == 0 ? tc_round_writer_wait(f->writer, err, errlen) : TC_OK;
    if (st == TC_OK)
        st = tc_store_begin_epoch(f->store, &f->epoch, err, errlen);
    if (st == TC_OK)
        st = tc_round_writer_take(f->writer, k, rows, first, err, errlen);
    return st;
}

/* Every rank: rounds of a size that keeps about ROUND_BYTES of rows; rank 0: the tallies. */
static int stream_rounds(forecast *f)
{
    int S = f->m->plant.n_stations, P = f->m->plant.n_sources;
    if (f->rank == 0 && !(f->tally = calloc((size_t)f->e.nsc, sizeof *f->tally)))
        return TC_ERR_RUNTIME;
    for (int k = 0; f->rank == 0 && k < f->e.nsc; k++)
        if (!(f->tally[k] = tc_tally_create(S, P)))
            return TC_ERR_RUNTIME;
    if (f->rank == 0 && f->store && f->o->keep != TC_KEEP_NONE) {
        if (!(f->round_names = calloc((size_t)f->e.nsc, sizeof *f->round_names)))
            return TC_ERR_RUNTIME;
        for (int k = 0; k < f->e.nsc; k++)
            f->round_names[k] = k ? f->job.scenarios[k - 1] : "baseline";
        if (!(f->writer = tc_round_writer_create(f->store, f->e.nsc, f->round_names, S, P)))
            return TC_ERR_RUNTIME;
    }
    long row = (long)tc_sample_row_bytes(S, P) * f->e.nsc;
    f->e.round = f->o->round > 0 ? f->o->round : ROUND_BYTES / row > 64 ? ROUND_BYTES / row : 64;
    f->e.on_round = take_round;
    f->e.round_user = f;
    return TC_OK;
}

/* Batches of replications until the count, or the precision, is reached. */
static int simulate(forecast *f, char *err, size_t errlen)
{
    long target = f->job.precision > 0 ? f->job.min_replications : f->job.replications;
    if (target > f->job.replications)
        target = f->job.replications;
    for (;;) {
        int abandoned;
        int st = tc_ensemble_batch(&f->e, f->e.total, target - f->e.total, &abandoned, err, errlen);
        if (st != TC_OK)
            return st;
        long decision[2] = {1, 0}; /* stop?, next target */
        if (f->rank == 0) {
            f->stop_reason = "fixed";
            if (f->job.precision > 0) {
                int ok = precise_enough(f, &decision[1]);
                f->stop_reason = ok ? "precision reached" : "maximum replications";
                decision[0] = ok || f->e.total >= f->job.replications;
            }
        }
        MPI_Bcast(decision, 2, MPI_LONG, 0, f->comm);
        if (decision[0])
            return TC_OK;
        target = decision[1];
    }
}

/* The view that `report` would read back from the file, made from the summaries. */
static tc_forecast_view *make_view(const forecast *f, tc_summary *const *sums, const char *as_of)
{
    const tc_model *m = f->m;
    int S = m->plant.n_stations, nsc = f->e.nsc;
    tc_forecast_view *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    int P = m->plant.n_sources;
    v->summary = malloc(sizeof *v->summary * (size_t)S * (size_t)nsc);
    v->scenario = malloc(sizeof *v->scenario * (size_t)nsc);
    v->station = malloc(sizeof *v->station * (size_t)S);
    v->product = malloc(sizeof *v->product * (size_t)P);
    v->product_summary = malloc(sizeof *v->product_summary * (size_t)P * (size_t)nsc);
    v->setup_batch = malloc(sizeof *v->setup_batch * (size_t)S * (size_t)nsc);
    if (!v->summary || !v->scenario || !v->station || !v->product || !v->product_summary || !v->setup_batch) {
        tc_forecast_view_destroy(v);
        return NULL;
    }
    for (int s = 0; s < S; s++)
        snprintf(v->station[s], 64, "%s", m->plant.stations[s].name);
    for (int p = 0; p < P; p++)
        snprintf(v->product[p], 64, "%s", m->plant.sources[p].name);
    for (int k = 0; k < nsc; k++) {
        snprintf(v->scenario[k], 64, "%s", k ? f->job.scenarios[k - 1] : "baseline");
        memcpy(v->summary + (size_t)k * S, sums[k]->station, sizeof *v->summary * (size_t)S);
        memcpy(v->product_summary + (size_t)k * P, sums[k]->product, sizeof *v->product_summary * (size_t)P);
        memcpy(v->setup_batch + (size_t)k * S, sums[k]->setup_batch, sizeof *v->setup_batch * (size_t)S);
    }
    v->P = P;
    v->S = S;
    v->n_scenarios = nsc;
    v->horizon = f->job.horizon;
    v->replications = f->e.total;
    snprintf(v->as_of, sizeof v->as_of, "%s", as_of);
    snprintf(v->timezone, sizeof v->timezone, "%s", m->zone.name);
    snprintf(v->time_unit, sizeof v->time_unit, "%s", tc_time_unit_name(m->unit));
    snprintf(v->model_name, sizeof v->model_name, "%s", m->name);
    snprintf(v->stop_reason, sizeof v->stop_reason, "%s", f->stop_reason);
    v->seed = f->job.seed;
    v->ranks = f->size;
    v->threads = f->job.threads;
    v->precision = f->job.precision;
    return v;
}

/* Rank 0: summarise, write. */
static int conclude(forecast *f, tc_forecast_result *res, char *err, size_t errlen)
{
    int nsc = f->e.nsc, st;
    tc_summary **sums = calloc((size_t)nsc, sizeof *sums);
    char as_of[64]; /* simulated time 0: the state's as_of, else the job's start (--start as written) */
    if (f->state && f->state->as_of[0])
        snprintf(as_of, sizeof as_of, "%s", f->state->as_of);
    else if (f->o->start)
        snprintf(as_of, sizeof as_of, "%s", f->o->start);
    else
        tc_iso_format(f->job.start, as_of, sizeof as_of);
    if (!sums) {
        snprintf(err, errlen, "out of memory");
        return TC_ERR_RUNTIME;
    }
    st = TC_OK;
    for (int k = 0; k < nsc && st == TC_OK; k++)
        if (!(sums[k] = tc_tally_summarise(f->tally[k], k ? f->tally[0] : NULL, f->e.global[k]->bands,
                                           f->e.global[k]->T, 0.95))) {
            snprintf(err, errlen, "out of memory for the statistics");
            st = TC_ERR_RUNTIME;
        }
    if (st == TC_OK && !(res->view = make_view(f, sums, as_of))) {
        snprintf(err, errlen, "out of memory");
        st = TC_ERR_RUNTIME;
    }
    if (st == TC_OK && f->writer) /* the summaries were made while the last round's rows were written */
        st = tc_round_writer_wait(f->writer, err, errlen);
    if (st == TC_OK && f->store) {
        const char *names[TC_FORECAST_MAX_SCENARIOS + 1];
        for (int k = 0; k < nsc; k++)
            names[k] = res->view->scenario[k];
        tc_epoch_data d = {.m = f->m,
                           .n_scenarios = nsc,
                           .scenario = names,
                           .streamed = f->e.total,
                           .keep = f->o->keep,
                           .summary = sums,
                           .bin_width = f->job.bin_width,
                           .started = f->t0,
                           .timetable = f->e.timetable};
        tc_epoch_info info = {.as_of = as_of,
                              .horizon = f->job.horizon,
                              .time_unit = tc_time_unit_name(f->m->unit),
                              .timezone = f->m->zone.name,
                              .seed = f->job.seed,
                              .replications = f->e.total,
                              .ranks = f->size,
                              .threads = f->job.threads,
                              .stop_reason = f->stop_reason,
                              .precision = f->job.precision,
                              .state_json = f->job.state_text};
        st = tc_forecast_write_epoch(f->store, &d, &info, &res->epoch, err, errlen);
    }
    res->t_written = MPI_Wtime() - f->t0;
    if (f->store) {
        char cerr[512];
        tc_status cs = tc_store_close(f->store, st == TC_OK, cerr, sizeof cerr);
        f->store = NULL;
        if (st == TC_OK && cs != TC_OK) {
            st = cs;
            snprintf(err, errlen, "%s", cerr);
        }
    }
    for (int k = 0; k < nsc; k++)
        tc_summary_destroy(sums[k]);
    free(sums);
    return st;
}

tc_status tc_forecast_run(const tc_forecast_opts *o, MPI_Comm comm, tc_forecast_result *res, char *err,
                          size_t errlen)
{
    forecast f = {.o = o, .comm = comm, .t0 = MPI_Wtime()};
    memset(res, 0, sizeof *res);
    err[0] = '\0';
    MPI_Comm_rank(comm, &f.rank);
    MPI_Comm_size(comm, &f.size);
    int st = f.rank == 0 ? prepare(&f, err, errlen) : TC_OK;
    MPI_Bcast(&st, 1, MPI_INT, 0, comm);
    if (st == TC_OK) {
        int mine = tc_job_broadcast(&f.job, comm, err, errlen);
        if (mine == TC_OK && f.rank != 0)
            mine = tc_job_load(&f.job, &f.m, &f.state, err, errlen);
        if (mine == TC_OK && tc_ensemble_init(&f.e, f.m, &f.job, f.state, comm) != TC_OK) {
            snprintf(err, errlen, "out of memory");
            mine = TC_ERR_RUNTIME;
        }
        if (mine != TC_OK && f.rank != 0)
            tc_rank_error(f.rank, err, errlen, err);
        st = tc_every_rank(mine, comm); /* every rank goes on, or none does */
    }
    res->t_setup = MPI_Wtime() - f.t0;
    if (st == TC_OK) {
        if (f.rank == 0)
            f.e.progress = o->progress, f.e.progress_user = o->progress_user;
        int mine = stream_rounds(&f);
        if (mine != TC_OK)
            snprintf(err, errlen, "out of memory");
        st = tc_every_rank(mine, comm);
    }
    if (st == TC_OK)
        st = simulate(&f, err, errlen);
    res->t_replications = MPI_Wtime() - f.t0;
    if (st == TC_OK && f.rank == 0)
        st = conclude(&f, res, err, errlen);
    res->replications = f.e.total;
    res->bytes_job = (double)f.job.packed_bytes;
    res->bytes_rows = f.e.bytes_rows;
    res->bytes_bands = f.e.bytes_bands;
    res->t_tally = f.t_tally;
    if (f.writer) {
        char ignored[8]; /* a failure of its own was reported by conclude; a later one is not news */
        tc_round_writer_wait(f.writer, ignored, sizeof ignored);
        tc_round_writer_seconds(f.writer, &res->t_rows, &res->t_rows_waited);
    }
    tc_round_writer_destroy(f.writer); /* before the store closes: it may still be writing */
    free(f.round_names);
    res->scenarios = f.e.nsc;
    res->ranks = f.size;
    res->threads = f.job.threads;
    res->stop_reason = f.stop_reason;
    res->seconds = res->t_statistics = MPI_Wtime() - f.t0;
    if (f.store)
        tc_store_close(f.store, 0, NULL, 0);
    for (int k = 0; f.tally && k < f.e.nsc; k++)
        tc_tally_destroy(f.tally[k]);
    free(f.tally);
    tc_ensemble_free(&f.e);
    tc_state_destroy(f.state);
    tc_model_destroy(f.m);
    tc_job_clear(&f.job);
    return st;
}
