/*
 * decide.c - the decision job (decide.h): rank 0 reads and checks the
 * model, its responses and objective, and the options; the job is
 * broadcast as a forecast's is; then batches of replication indices run
 * on every rank for the responses still in the race, their objective
 * values go to rank 0 in replication order, and the KN procedure
 * (select.h) eliminates, one stage at a time, until one is left.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replicate.h"
#include "twincast/clock.h"
#include "twincast/decide.h"
#include "twincast/json_quote.h"
#include "twincast/select.h"
#include "twincast/stats.h"

typedef struct decide {
    MPI_Comm comm;
    int rank, size;
    const tc_model *m;
    const tc_job *job;
    tc_state *state; /* parsed from the job's text */
    ensemble e;
    tc_run_cfg cfg; /* the job's, with one time bin: decide reads no per-bin figure */
    tc_decide_plan p;
    int k; /* p.k */
    /* rank 0 */
    tc_kn *kn;
    tc_moments *mom; /* [k]: each response's objective over the observations KN used */
    double *fed;     /* [stages][k]: every stage's values as KN saw them (NaN once eliminated) */
    long fed_cap;
} decide;

void tc_decide_opts_default(tc_decide_opts *o)
{
    memset(o, 0, sizeof *o);
    tc_forecast_opts_default(&o->forecast);
    o->delta = o->confidence = NAN;
}

/* Rank 0: the responses, the objective and the procedure's settings, checked before any work. */
tc_status tc_decide_plan_make(const tc_decide_opts *o, const tc_model *m, tc_decide_plan *d, char *err,
                              size_t errlen)
{
    memset(d, 0, sizeof *d);
    if (m->n_responses < 2 || !m->objective) {
        snprintf(err, errlen, "%s: deciding needs the model's 'responses' (two or more) and its 'objective'",
                 m->path ? m->path : m->name);
        return TC_ERR_INPUT;
    }
    d->k = o->n_responses ? o->n_responses : m->n_responses;
    if (d->k < 2 || d->k > TC_DECIDE_MAX_RESPONSES) {
        snprintf(err, errlen, "--responses: give 2 to %d responses", TC_DECIDE_MAX_RESPONSES);
        return TC_ERR_INPUT;
    }
    for (int i = 0; i < d->k; i++) {
        d->idx[i] = o->n_responses ? tc_model_response_index(m, o->responses[i]) : i;
        if (d->idx[i] < 0) {
            snprintf(err, errlen, "--responses: unknown response '%s' (%s has:", o->responses[i],
                     m->path ? m->path : m->name);
            for (int r = 0; r < m->n_responses; r++)
                snprintf(err + strlen(err), errlen - strlen(err), " %s", m->responses[r].name);
            snprintf(err + strlen(err), errlen - strlen(err), ")");
            return TC_ERR_INPUT;
        }
        for (int j = 0; j < i; j++)
            if (d->idx[j] == d->idx[i]) {
                snprintf(err, errlen, "--responses: '%s' is given twice", o->responses[i]);
                return TC_ERR_INPUT;
            }
    }
    d->delta = isnan(o->delta) ? m->objective->delta : o->delta;
    d->confidence = !isnan(o->confidence)          ? o->confidence
                    : m->objective->confidence > 0 ? m->objective->confidence
                                                   : 0.95;
    d->n0 = o->n0 ? o->n0 : 20;
    d->max_replications = o->max_replications ? o->max_replications : 100000;
    if (isnan(o->delta) && !(d->delta > 0))
        snprintf(err, errlen,
                 "--delta: give the indifference zone, the smallest difference in the objective worth "
                 "acting on (or the objective's 'delta' in the model)");
    else if (!(d->delta > 0))
        snprintf(err, errlen, "--delta must be > 0, got %g", d->delta);
    else if (!(d->confidence > 0.5 && d->confidence < 1))
        snprintf(err, errlen, "--confidence must be in (0.5, 1), got %g", d->confidence);
    else if (d->n0 < 5)
        snprintf(err, errlen, "--n0 must be at least 5 (the first stage estimates the variances), got %ld",
                 d->n0);
    else if (d->max_replications < d->n0)
        snprintf(err, errlen, "--max-replications must be at least --n0 (%ld), got %ld", d->n0,
                 d->max_replications);
    else
        return TC_OK;
    return TC_ERR_INPUT;
}

/* What tc_decide_run holds besides the job: rank 0 reads and checks it all before any work. */
typedef struct standalone {
    const tc_decide_opts *o;
    int size;
    tc_model *m;
    tc_job job;
    tc_decide_plan plan;
    tc_store *store; /* -o, opened before any work */
} standalone;

static int prepare(standalone *d, char *err, size_t errlen)
{
    const tc_forecast_opts *o = &d->o->forecast;
    char *state_text = NULL;
    tc_state *state = NULL; /* checked here; every rank parses the job's text */
    int st = tc_model_load(o->model, &d->m, err, errlen);
    if (st == TC_OK)
        st = tc_decide_plan_make(d->o, d->m, &d->plan, err, errlen);
    if (st == TC_OK && o->state)
        st = tc_state_load_json(d->m, o->state, &state, &state_text, err, errlen);
    tc_state_destroy(state);
    d->job.state_text = state_text;
    if (st == TC_OK && o->state && !(d->job.state_origin = strdup(o->state))) {
        snprintf(err, errlen, "out of memory");
        st = TC_ERR_RUNTIME;
    }
    if (st == TC_OK)
        st = tc_forecast_prepare_job(o, d->m, d->size, &d->job, err, errlen);
    /* last: the output, so that an unwritable path fails before any work */
    if (st == TC_OK && o->output)
        st = tc_store_open(o->output, d->m, TC_STORE_ATOMIC, &d->store, err, errlen);
    return st;
}

/* A term's value in row r of a response's sample. */
static double term_value(const tc_objective_term *t, const tc_sample *s, long r, double horizon)
{
    static const int station_measure[TC_OBJ_COUNT] = {[TC_OBJ_MEAN_WAITING] = TC_M_MEAN_WAITING,
                                                      [TC_OBJ_MAX_WAITING] = TC_M_MAX_WAITING,
                                                      [TC_OBJ_UTILISATION] = TC_M_UTILISATION,
                                                      [TC_OBJ_THROUGHPUT] = TC_M_THROUGHPUT,
                                                      [TC_OBJ_BLOCKED] = TC_M_BLOCKED,
                                                      [TC_OBJ_STARVED] = TC_M_STARVED,
                                                      [TC_OBJ_AVAILABILITY] = TC_M_AVAILABILITY,
                                                      [TC_OBJ_BOTTLENECK_SHARE] = TC_M_BOTTLENECK_SHARE,
                                                      [TC_OBJ_SETUP] = TC_M_SETUP,
                                                      [TC_OBJ_PLANNED_DOWN] = TC_M_PLANNED_DOWN,
                                                      [TC_OBJ_ONSET] = TC_M_ONSET};
    if (t->station >= 0) {
        double v = s->m[station_measure[t->measure]][r * s->S + t->station];
        return t->measure == TC_OBJ_ONSET && isnan(v) ? horizon : v; /* never formed: the horizon */
    }
    int k = t->measure == TC_OBJ_SCRAPPED ? TC_P_SCRAPPED : TC_P_COMPLETED;
    double sum = 0;
    for (int p = 0; p < s->P; p++)
        if (t->product < 0 || t->product == p)
            sum += s->p[k][r * s->P + p];
    return t->measure == TC_OBJ_THROUGHPUT ? sum / horizon : sum;
}

static double objective(const decide *d, int i, const tc_sample *s, long r)
{
    const tc_objective *ob = d->m->objective;
    double v = ob->cost[d->p.idx[i]];
    for (int t = 0; t < ob->n_terms; t++)
        v += ob->terms[t].weight * term_value(&ob->terms[t], s, r, d->cfg.horizon);
    return v;
}

/* This rank's share of replications [first, first + count) of the responses alive: values[row][k]. */
static int run_share(decide *d, const char *alive, long first, long count, double *values, long *rows,
                     char *err, size_t errlen)
{
    long lo = count * d->rank / d->size, hi = count * (d->rank + 1) / d->size;
    *rows = hi - lo;
    int st = TC_OK, S = d->m->plant.n_stations, P = d->m->plant.n_sources;
    for (long r = 0; r < *rows * d->k; r++)
        values[r] = NAN;
    for (int i = 0; st == TC_OK && i<d->k && * rows> 0; i++) {
        if (!alive[i])
            continue;
        tc_sample *s = tc_sample_create(*rows, S, 1, P);
        if (!s) {
            snprintf(err, errlen, "out of memory");
            return TC_ERR_RUNTIME;
        }
        st = tc_ensemble_run(d->m, d->state, &d->m->responses[d->p.idx[i]], &d->cfg, first + lo, *rows,
                             d->job->threads, s, 0, NULL, err, errlen);
        for (long r = 0; st == TC_OK && r < *rows; r++)
            values[r * d->k + i] = objective(d, i, s, r);
        tc_sample_destroy(s);
    }
    return st;
}

/* Rank 0: the batch's stages into the procedure, in replication order, until it is done. */
static int feed(decide *d, const double *values, long count)
{
    long stage = tc_kn_stage(d->kn);
    if (!values)
        return TC_ERR_RUNTIME;
    if (stage + count > d->fed_cap) {
        long cap = 2 * (stage + count);
        double *nf = realloc(d->fed, sizeof *nf * (size_t)(cap * d->k));
        if (!nf)
            return TC_ERR_RUNTIME;
        d->fed = nf;
        d->fed_cap = cap;
    }
    for (long r = 0; r < count && !tc_kn_done(d->kn); r++, stage++) {
        const double *x = values + r * d->k;
        for (int i = 0; i < d->k; i++) {
            int alive = tc_kn_alive(d->kn, i);
            if (alive)
                tc_moments_add(&d->mom[i], x[i]);
            d->fed[stage * d->k + i] = alive ? x[i] : NAN;
        }
        tc_kn_add(d->kn, x);
    }
    return TC_OK;
}

/* Every rank: batches until the procedure is done.  Returns the agreed status. */
static int race(decide *d, tc_decide_result *res, char *err, size_t errlen)
{
    long first = 0, cap = d->p.n0 > 64 ? d->p.n0 : 64;
    char alive[TC_DECIDE_MAX_RESPONSES];
    double *values = NULL, *all = NULL;
    int *counts = calloc((size_t)d->size, sizeof *counts), *displs = calloc((size_t)d->size, sizeof *displs);
    int st = counts && displs ? TC_OK : TC_ERR_RUNTIME;
    for (int i = 0; i < d->k; i++)
        alive[i] = 1;
    for (int done = 0; !done && st == TC_OK;) {
        /* rank 0 sizes the batch: the first stage, then about a quarter more each time */
        long count = first == 0                                   ? d->p.n0
                     : first / 4 > 2L * d->size * d->job->threads ? first / 4
                                                                  : 2L * d->size * d->job->threads;
        if (count > d->p.max_replications - first)
            count = d->p.max_replications - first;
        MPI_Bcast(&count, 1, MPI_LONG, 0, d->comm);
        MPI_Bcast(alive, d->k, MPI_CHAR, 0, d->comm);
        if (count > cap || !values) {
            cap = count > cap ? count : cap;
            free(values);
            free(all);
            values = malloc(sizeof *values * (size_t)(cap * d->k + 1));
            all = d->rank == 0 ? malloc(sizeof *all * (size_t)(cap * d->k + 1)) : NULL;
        }
        long rows = 0;
        int mine = values && (d->rank != 0 || all)
                       ? run_share(d, alive, first, count, values, &rows, err, errlen)
                       : TC_ERR_RUNTIME;
        if (mine != TC_OK && d->rank != 0)
            tc_rank_error(d->rank, err, errlen, err);
        if ((st = tc_every_rank(mine, d->comm)) != TC_OK)
            break;
        for (int r = 0; r < d->size; r++) {
            counts[r] = (int)((count * (r + 1) / d->size - count * r / d->size) * d->k);
            displs[r] = (int)(count * r / d->size * d->k);
        }
        MPI_Gatherv(values, (int)(rows * d->k), MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, 0, d->comm);
        if (d->rank == 0) {
            for (int i = 0; i < d->k; i++)
                res->replications_run += alive[i] ? count : 0;
            if (feed(d, all, count) != TC_OK) {
                snprintf(err, errlen, "out of memory");
                done = -1;
            }
            for (int i = 0; i < d->k; i++)
                alive[i] = (char)tc_kn_alive(d->kn, i);
            done = done < 0 ? -1 : tc_kn_done(d->kn);
        }
        first += count;
        MPI_Bcast(&done, 1, MPI_INT, 0, d->comm);
        if (done < 0)
            st = TC_ERR_RUNTIME;
    }
    free(values);
    free(all);
    free(counts);
    free(displs);
    return st;
}

static void conclude(decide *d, tc_decide_result *res)
{
    const tc_kn *kn = d->kn;
    res->n = d->k;
    res->selected = tc_kn_selected(kn, &res->guaranteed);
    res->delta = d->p.delta;
    res->confidence = d->p.confidence;
    res->n0 = d->p.n0;
    res->stages = tc_kn_stage(kn);
    res->kn_h2 = tc_kn_h2(kn);
    res->rinott_h = tc_rinott_h(d->k, (int)d->p.n0, d->p.confidence);
    res->horizon = d->cfg.horizon;
    res->seed = d->job->seed;
    res->objective = d->fed; /* the result owns them now */
    d->fed = NULL;
    snprintf(res->time_unit, sizeof res->time_unit, "%s", tc_time_unit_name(d->m->unit));
    if (d->state && d->state->as_of[0])
        snprintf(res->as_of, sizeof res->as_of, "%s", d->state->as_of);
    else
        tc_iso_format(d->job->start, res->as_of, sizeof res->as_of);
    for (int i = 0; i < d->k; i++) {
        tc_decide_choice *c = &res->choice[i];
        snprintf(c->name, sizeof c->name, "%s", d->m->responses[d->p.idx[i]].name);
        c->replications = tc_kn_count(kn, i);
        c->eliminated_at = tc_kn_eliminated_at(kn, i);
        c->mean = d->mom[i].mean;
        tc_interval ci = tc_t_interval(&d->mom[i], d->p.confidence);
        c->lo = ci.lo, c->hi = ci.hi;
        tc_kn_mcb(kn, i, &c->mcb_lo, &c->mcb_hi);
        double s2 = tc_kn_first_variance(kn, i),
               need = ceil(res->rinott_h * res->rinott_h * s2 / (d->p.delta * d->p.delta));
        res->rinott += need > (double)d->p.n0 ? need : (double)d->p.n0;
    }
}

tc_status tc_decide_job(const tc_model *m, const tc_job *job, const tc_decide_plan *plan, MPI_Comm comm,
                        tc_decision *res, char *err, size_t errlen)
{
    decide d = {.comm = comm, .m = m, .job = job, .p = *plan, .k = plan->k};
    double t0 = MPI_Wtime();
    memset(res, 0, sizeof *res);
    err[0] = '\0';
    MPI_Comm_rank(comm, &d.rank);
    MPI_Comm_size(comm, &d.size);
    int mine = TC_OK;
    if (job->state_text)
        mine = tc_state_parse_json(m, job->state_text, strlen(job->state_text), "the state", &d.state, err,
                                   errlen);
    if (mine == TC_OK && tc_ensemble_init(&d.e, m, job, d.state, comm) != TC_OK) {
        snprintf(err, errlen, "out of memory");
        mine = TC_ERR_RUNTIME;
    }
    if (mine == TC_OK && d.rank == 0 &&
        (!(d.kn = tc_kn_create(d.k, (int)d.p.n0, d.p.delta, d.p.confidence, d.p.max_replications)) ||
         !(d.mom = calloc((size_t)d.k, sizeof *d.mom)) ||
         !(res->choice = calloc((size_t)d.k, sizeof *res->choice)))) {
        snprintf(err, errlen, "out of memory");
        mine = TC_ERR_RUNTIME;
    }
    if (mine != TC_OK && d.rank != 0)
        tc_rank_error(d.rank, err, errlen, err);
    int st = tc_every_rank(mine, comm);
    if (st == TC_OK) {
        d.cfg = d.e.cfg;
        d.cfg.bin_width = d.cfg.horizon;
        for (int i = 0; d.rank == 0 && i < d.k; i++)
            tc_moments_init(&d.mom[i]);
        st = race(&d, res, err, errlen);
    }
    if (st == TC_OK && d.rank == 0)
        conclude(&d, res);
    res->ranks = d.size;
    res->threads = job->threads;
    res->seconds = MPI_Wtime() - t0;
    free(d.fed);
    tc_kn_destroy(d.kn);
    free(d.mom);
    tc_ensemble_free(&d.e);
    tc_state_destroy(d.state);
    return st;
}

tc_status tc_decide_run(const tc_decide_opts *o, MPI_Comm comm, tc_decision *res, char *err, size_t errlen)
{
    standalone d = {.o = o};
    int rank;
    double t0 = MPI_Wtime();
    memset(res, 0, sizeof *res);
    err[0] = '\0';
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &d.size);
    int st = rank == 0 ? prepare(&d, err, errlen) : TC_OK;
    MPI_Bcast(&st, 1, MPI_INT, 0, comm);
    if (st == TC_OK) {
        MPI_Bcast(&d.plan, (int)sizeof d.plan, MPI_BYTE, 0, comm); /* plain numbers, the same machine type */
        int mine = tc_job_broadcast(&d.job, comm, err, errlen);
        if (mine == TC_OK && rank != 0)
            mine = tc_model_load_string(d.job.model_text, d.job.model_origin, &d.m, err, errlen);
        if (mine != TC_OK && rank != 0)
            tc_rank_error(rank, err, errlen, err);
        st = tc_every_rank(mine, comm);
    }
    if (st == TC_OK)
        st = tc_decide_job(d.m, &d.job, &d.plan, comm, res, err, errlen);
    res->seconds = MPI_Wtime() - t0;
    if (st == TC_OK && d.store) {
        int number = 0;
        st = tc_store_write_decision(d.store, res, &number, err, errlen);
        if (tc_store_close(d.store, st == TC_OK, err[0] ? NULL : err, errlen) != TC_OK && st == TC_OK)
            st = TC_ERR_RUNTIME;
        d.store = NULL;
    }
    tc_store_close(d.store, 0, NULL, 0);
    MPI_Bcast(&st, 1, MPI_INT, 0, comm); /* the file's fate too */
    tc_model_destroy(d.m);
    tc_job_clear(&d.job);
    return st;
}

static void quoted(FILE *f, const char *s)
{
    char q[512];
    tc_json_quote(q, sizeof q, s);
    fputs(q, f);
}

static void number(FILE *f, double x)
{
    if (isfinite(x))
        fprintf(f, "%.6g", x);
    else
        fputs("null", f);
}

static void pair(FILE *f, double a, double b)
{
    fputc('[', f);
    number(f, a);
    fputs(", ", f);
    number(f, b);
    fputc(']', f);
}

/* "response": NAME, "objective": MEAN, "ci": [LO, HI] */
static void head(FILE *f, const tc_decide_choice *c)
{
    fputs("\"response\": ", f);
    quoted(f, c->name);
    fputs(", \"objective\": ", f);
    number(f, c->mean);
    fputs(", \"ci\": ", f);
    pair(f, c->lo, c->hi);
}

char *tc_decide_json(const tc_decide_result *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    long used = 0;
    for (int i = 0; i < r->n; i++)
        used += r->choice[i].replications;
    fputc('{', f);
    head(f, &r->choice[r->selected]);
    fprintf(f,
            ", \"pcs\": %.6g, \"delta\": %.6g, \"guaranteed\": %s, \"as_of\": \"%s\", \"replications\": %ld, "
            "\"rinott_replications\": %.0f, \"alternatives\": [",
            r->confidence, r->delta, r->guaranteed ? "true" : "false", r->as_of, used, r->rinott);
    for (int i = 0; i < r->n; i++) {
        const tc_decide_choice *c = &r->choice[i];
        fputs(i ? ", {" : "{", f);
        head(f, c);
        fprintf(f, ", \"replications\": %ld, \"eliminated_at\": ", c->replications);
        if (c->eliminated_at)
            fprintf(f, "%ld", c->eliminated_at);
        else
            fputs("null", f);
        fputs(", \"mcb\": ", f);
        pair(f, c->mcb_lo, c->mcb_hi);
        fputc('}', f);
    }
    /* last: the only figure that depends on the split (the batches run past the last decision) */
    fprintf(f, "], \"replications_run\": %ld}", r->replications_run);
    fclose(f);
    return buf;
}
