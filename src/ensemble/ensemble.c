/* ensemble.c - replications on OpenMP threads, one engine per thread. */
#include <stdio.h>
#include <string.h>

#include <omp.h>

#include "twincast/ensemble.h"

static void store_row(tc_sample *out, long row, const tc_result *res)
{
    size_t S = (size_t)out->S, TS = S * (size_t)out->T, o = (size_t)row * S;
    const double *src[TC_M_COUNT] = {
        res->onset,      res->mean_waiting, res->max_waiting,  res->utilisation,      res->throughput,
        res->blocked,    res->starved,      res->availability, res->bottleneck_share, res->setup,
        res->mean_batch, res->planned_down,
    };
    for (int k = 0; k < TC_M_COUNT; k++)
        memcpy(out->m[k] + o, src[k], sizeof(double) * S);
    memcpy(out->b[TC_B_WAITING] + (size_t)row * TS, res->bin_waiting, sizeof(double) * TS);
    memcpy(out->b[TC_B_BOTTLENECK] + (size_t)row * TS, res->bin_bottleneck, sizeof(double) * TS);
    const double *per_product[TC_P_COUNT] = {res->completed, res->scrapped, res->reworks_per_job,
                                             res->time_in_system};
    for (int k = 0; k < TC_P_COUNT; k++)
        memcpy(out->p[k] + (size_t)row * (size_t)out->P, per_product[k], sizeof(double) * (size_t)out->P);
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
#pragma omp parallel num_threads(threads) reduction(max : status)
    {
        char lerr[512] = "";
        tc_sim *sim = tc_sim_create(m);
        tc_result *res = tc_result_create(m->plant.n_stations, m->plant.n_sources, out->T);
        tc_status st = TC_OK;
        if (!sim || !res) {
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
        if (sim)
            tc_sim_terminate(sim);
        tc_result_destroy(res);
        tc_sim_destroy(sim);
    }
    return (tc_status)status;
}
