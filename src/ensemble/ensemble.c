/*
 * ensemble.c - replications on OpenMP threads, one engine per thread.  The
 * threads share one set of per-bin bands (its size is the cells the values
 * fall in, which per-thread copies would multiply): each thread holds a few
 * replications' rows and adds them stripe by stripe of columns, each stripe
 * under its own lock, starting from a stripe of its own, spread out, so that
 * threads rarely wait for each other.  Counts add the same in any order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "twincast/ensemble.h"

static void store_row(tc_sample *out, long row, const tc_result *res)
{
    size_t S = (size_t)out->S, o = (size_t)row * S;
    const double *src[TC_M_COUNT] = {
        res->onset,      res->mean_waiting, res->max_waiting,  res->utilisation,      res->throughput,
        res->blocked,    res->starved,      res->availability, res->bottleneck_share, res->setup,
        res->mean_batch, res->planned_down,
    };
    for (int k = 0; k < TC_M_COUNT; k++)
        memcpy(out->m[k] + o, src[k], sizeof(double) * S);
    const double *per_product[TC_P_COUNT] = {res->completed, res->scrapped, res->reworks_per_job,
                                             res->time_in_system};
    for (int k = 0; k < TC_P_COUNT; k++)
        memcpy(out->p[k] + (size_t)row * (size_t)out->P, per_product[k], sizeof(double) * (size_t)out->P);
}

#define STRIPES 64

typedef struct band_feed {
    tc_bands *bands;
    size_t TS;
    int stripes, rows; /* rows: replications a thread holds before adding them */
    omp_lock_t lock[STRIPES];
} band_feed;

static void feed_init(band_feed *f, tc_bands *bands, size_t TS)
{
    f->bands = bands;
    f->TS = TS;
    f->stripes = TS < STRIPES ? (int)(TS ? TS : 1) : STRIPES;
    f->rows = (int)(65536 / (TS ? TS : 1)); /* at most 1 MB of rows per thread */
    f->rows = f->rows < 1 ? 1 : f->rows > 128 ? 128 : f->rows;
    for (int i = 0; i < f->stripes; i++)
        omp_init_lock(&f->lock[i]);
}

static void feed_destroy(band_feed *f)
{
    for (int i = 0; i < f->stripes; i++)
        omp_destroy_lock(&f->lock[i]);
}

static tc_status feed_rows(band_feed *f, const double *w, const double *bn, int rows, int thread)
{
    tc_status st = TC_OK;
    /* threads start spread out over the stripes: started side by side (thread, thread + 1), two threads
       that meet walk in step, the one behind waiting at every stripe (libgomp 1.9-2.7% of a 2-thread
       forecast in perf, 1.1% spread out) */
    int from = thread * f->stripes / omp_get_num_threads();
    for (int k = 0; k < f->stripes; k++) {
        int s = (k + from) % f->stripes;
        size_t lo = f->TS * (size_t)s / (size_t)f->stripes, hi = f->TS * (size_t)(s + 1) / (size_t)f->stripes;
        omp_set_lock(&f->lock[s]);
        if (st == TC_OK)
            st = tc_bands_add_columns(f->bands, w, bn, rows, lo, hi);
        omp_unset_lock(&f->lock[s]);
    }
    return st;
}

tc_status tc_ensemble_run(const tc_model *m, const tc_state *state, const tc_scenario *scenario,
                          const tc_run_cfg *cfg, long first, long count, int threads, tc_sample *out,
                          long row, tc_ensemble_hooks *hooks, char *err, size_t errlen)
{
    int status = TC_OK, stop = 0;
    long done = 0;
    if (hooks)
        hooks->cancelled = 0;
    if (errlen > 0)
        err[0] = '\0';
    if (count <= 0)
        return TC_OK;
    if (threads > count)
        threads = (int)count;
    if (threads < 1)
        threads = 1; // NOLINT(clang-analyzer-deadcode.DeadStores): read by num_threads() below
    band_feed feed;
    feed_init(&feed, out->bands, (size_t)out->T * (size_t)out->S);
#pragma omp parallel num_threads(threads) reduction(max : status)
    {
        char lerr[512] = "";
        tc_sim *sim = tc_sim_create(m);
        tc_result *res = tc_result_create(m->plant.n_stations, m->plant.n_sources, out->T);
        double *held = malloc(sizeof(double) * 2 * feed.TS * (size_t)feed.rows); /* waiting, then shares */
        int nheld = 0, id = omp_get_thread_num();
        long mine = 0;
        tc_status st = TC_OK;
        if (!sim || !res || !held) {
            st = TC_ERR_RUNTIME;
            snprintf(lerr, sizeof lerr, "out of memory for an engine");
        } else {
            st = tc_sim_initialize(sim, state, scenario, cfg, lerr, sizeof lerr);
        }
        if (st != TC_OK) {
#pragma omp critical(tc_ensemble_err)
            if (!err[0])
                snprintf(err, errlen, "%s", lerr);
            status = st;
        }
        /* every thread reaches the loop, so the worksharing construct stays valid */
#pragma omp for schedule(dynamic, 4)
        for (long i = 0; i < count; i++) {
            int halt;
#pragma omp atomic read
            halt = stop;
            if (st != TC_OK || halt)
                continue;
            tc_sim_run(sim, (uint32_t)(first + i), res);
            store_row(out, row + i, res);
            memcpy(held + (size_t)nheld * feed.TS, res->bin_waiting, sizeof(double) * feed.TS);
            memcpy(held + (size_t)(feed.rows + nheld) * feed.TS, res->bin_bottleneck,
                   sizeof(double) * feed.TS);
            mine++;
            if (++nheld == feed.rows) {
                st = feed_rows(&feed, held, held + (size_t)feed.rows * feed.TS, nheld, id);
                nheld = 0;
            }
            long d;
#pragma omp atomic capture
            d = ++done;
            if (hooks && omp_get_thread_num() == 0) {
                if (hooks->progress && (d % 32 == 0 || d == count))
                    hooks->progress(hooks->user, d);
                if (hooks->cancel && hooks->cancel(hooks->user)) {
#pragma omp atomic write
                    stop = 1;
                    hooks->cancelled = 1;
                }
            }
        }
        if (held && st == TC_OK && nheld > 0)
            st = feed_rows(&feed, held, held + (size_t)feed.rows * feed.TS, nheld, id);
#pragma omp barrier
            /* the values the columns still buffer, merged in on every thread, not later on one */
#pragma omp for schedule(static)
        for (int k = 0; k < feed.stripes; k++) {
            size_t lo = feed.TS * (size_t)k / (size_t)feed.stripes,
                   hi = feed.TS * (size_t)(k + 1) / (size_t)feed.stripes;
            if (st == TC_OK)
                st = tc_bands_settle(feed.bands, lo, hi);
        }
#pragma omp critical(tc_ensemble_count)
        tc_bands_count(out->bands, mine);
        if (st != TC_OK && status == TC_OK) { /* the engine's own failures are reported above */
            status = st;
#pragma omp critical(tc_ensemble_err)
            if (!err[0])
                snprintf(err, errlen, "out of memory for the per-bin bands");
        }
        free(held);
        if (sim)
            tc_sim_terminate(sim);
        tc_result_destroy(res);
        tc_sim_destroy(sim);
    }
    feed_destroy(&feed);
    return (tc_status)status;
}
