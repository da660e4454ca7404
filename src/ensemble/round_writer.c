/*
 * round_writer.c - a round's rows written on a thread of rank 0's own (see
 * round_writer.h).  One round is in flight at most: rank 0 so holds two
 * rounds of rows, the one being written and the one being gathered.  A
 * thread is started per round (a round is megabytes of rows, its start is
 * microseconds); if none can be started, the round is written in place.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "round_writer.h"
#include "twincast/clock.h"

struct tc_round_writer {
    tc_store *store;
    int nsc;
    const char *const *scenario;
    tc_sample **rows; /* [nsc]: the round in flight, or the arrays the next one swaps in */
    long *first;      /* [nsc] */
    int taken;        /* scenarios of the next round handed over */
    int running;      /* a thread writes the round in flight */
    pthread_t thread;
    tc_status status; /* the last round's outcome, with its message */
    char err[1024];
    double writing, waiting;
};

tc_round_writer *tc_round_writer_create(tc_store *store, int n_scenarios, const char *const *scenario, int S,
                                        int P)
{
    tc_round_writer *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->store = store;
    w->nsc = n_scenarios;
    w->scenario = scenario;
    w->rows = calloc((size_t)n_scenarios, sizeof *w->rows);
    w->first = calloc((size_t)n_scenarios, sizeof *w->first);
    int ok = w->rows && w->first;
    for (int k = 0; ok && k < n_scenarios; k++) /* no bins: the writer holds rows, never bands */
        ok = (w->rows[k] = tc_sample_create(1, S, 0, P)) != NULL;
    if (!ok) {
        tc_round_writer_destroy(w);
        return NULL;
    }
    return w;
}

/* The round in flight into the file, scenario by scenario; the first failure stops it. */
static void *write_round(void *arg)
{
    tc_round_writer *w = arg;
    double t0 = tc_clock_monotonic();
    tc_status st = TC_OK;
    for (int k = 0; k < w->nsc && st == TC_OK; k++)
        st = tc_store_append_rows(w->store, w->scenario[k], w->rows[k], w->first[k], w->err, sizeof w->err);
    w->status = st;
    w->writing += tc_clock_monotonic() - t0;
    return NULL;
}

tc_status tc_round_writer_take(tc_round_writer *w, int k, tc_sample *rows, long first, char *err,
                               size_t errlen)
{
    if (w->running || k != w->taken) { /* a caller's bug: it did not wait, or skipped a scenario */
        snprintf(err, errlen, "rows of scenario %d handed over out of turn", k);
        return TC_ERR_RUNTIME;
    }
    if (tc_sample_swap_rows(w->rows[k], rows) != TC_OK) {
        snprintf(err, errlen, "rows of scenario %d are not of the writer's shape", k);
        return TC_ERR_RUNTIME;
    }
    w->first[k] = first;
    if (++w->taken < w->nsc)
        return TC_OK;
    w->taken = 0;
    w->status = TC_OK;
    w->running = pthread_create(&w->thread, NULL, write_round, w) == 0;
    if (!w->running) { /* no thread to be had: written now, as before there was a writer */
        write_round(w);
        return tc_round_writer_wait(w, err, errlen);
    }
    return TC_OK;
}

tc_status tc_round_writer_wait(tc_round_writer *w, char *err, size_t errlen)
{
    if (w->running) {
        double t0 = tc_clock_monotonic();
        pthread_join(w->thread, NULL);
        w->running = 0;
        w->waiting += tc_clock_monotonic() - t0;
    }
    if (w->status != TC_OK)
        snprintf(err, errlen, "%s", w->err);
    return w->status;
}

void tc_round_writer_seconds(const tc_round_writer *w, double *writing, double *waiting)
{
    *writing = w->writing;
    *waiting = w->waiting;
}

void tc_round_writer_destroy(tc_round_writer *w)
{
    if (!w)
        return;
    if (w->running)
        pthread_join(w->thread, NULL);
    for (int k = 0; w->rows && k < w->nsc; k++)
        tc_sample_destroy(w->rows[k]);
    free(w->rows);
    free(w->first);
    free(w);
}
