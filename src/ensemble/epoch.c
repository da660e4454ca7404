/*
 * epoch.c - an epoch of the forecast file from the samples of its
 * scenarios: summaries, bin centres, station names and thresholds, then the
 * store.  Everything that writes forecasts (forecast, merge, the live twin)
 * comes through here, so the file means the same whoever wrote it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

#include "twincast/clock.h"
#include "twincast/forecast.h"

/*
 * CF units of the time axis, from the forecast's start (as_of): the bins'
 * centres are model units since then, so that xarray and netCDF tools read
 * them as dates.  No units when as_of is not a time (an empty plant's "").
 */
static void time_units(const tc_model *m, const char *as_of, char *buf, size_t n)
{
    static const char *const words[] = {"seconds", "minutes", "hours"};
    double t;
    char iso[40];
    buf[0] = '\0';
    if (!as_of || tc_iso_parse(as_of, &t) != 0)
        return;
    tc_iso_format(t, iso, sizeof iso); /* 2026-12-07T08:00:00Z (or with .123 before the Z): in UTC */
    iso[10] = ' ';
    iso[strlen(iso) - 1] = '\0';
    snprintf(buf, n, "%s since %s", words[m->unit], iso);
}

tc_status tc_forecast_summarise(tc_sample *const *samples, int n, tc_summary **sums, char *err, size_t errlen)
{
    for (int k = 0; k < n; k++)
        if (!(sums[k] = tc_summary_compute(samples[k], k ? samples[0] : NULL, 0.95))) {
            snprintf(err, errlen, "out of memory for the statistics");
            return TC_ERR_RUNTIME;
        }
    return TC_OK;
}

tc_status tc_forecast_write_epoch(tc_store *store, const tc_epoch_data *d, const tc_epoch_info *info,
                                  int *epoch, char *err, size_t errlen)
{
    if (!store)
        return TC_OK;
    const tc_model *m = d->m;
    tc_state *state = NULL; /* the twin's calibration record, if the state carries one */
    int S = m->plant.n_stations, T = d->n_scenarios ? d->summary[0]->T : 0, st;
    double *time = malloc(sizeof(double) * (size_t)(T + 1));
    const char **names = malloc(sizeof *names * (size_t)S);
    const char **products = malloc(sizeof *products * (size_t)(m->plant.n_sources + 1));
    int *thresholds = malloc(sizeof *thresholds * (size_t)S);
    double *scheduled = d->timetable ? malloc(sizeof *scheduled * (size_t)(T ? T : 1) * (size_t)S) : NULL;
    if (!time || !names || !thresholds || !products || (d->timetable && !scheduled)) {
        snprintf(err, errlen, "out of memory");
        st = TC_ERR_RUNTIME;
        goto done;
    }
    for (int b = 0; b < T; b++) {
        double hi = (b + 1) * d->bin_width;
        time[b] = d->time ? d->time[b] : 0.5 * (b * d->bin_width + (hi < info->horizon ? hi : info->horizon));
    }
    for (int s = 0; s < S; s++) {
        names[s] = m->plant.stations[s].name;
        thresholds[s] = m->plant.stations[s].threshold;
    }
    for (int p = 0; p < m->plant.n_sources; p++)
        products[p] = m->plant.sources[p].name;
    char units[80];
    time_units(m, info->as_of, units, sizeof units);
    if (scheduled)
        tc_timetable_servers_per_bin(d->timetable, m, d->bin_width, T, scheduled);
    char why[256];
    if (info->state_json && strstr(info->state_json, "\"calibration\"") &&
        tc_state_parse_json(m, info->state_json, strlen(info->state_json), "state_json", &state, why,
                            sizeof why) != TC_OK)
        state = NULL;
    st = tc_store_begin_epoch(store, epoch, err, errlen);
    for (int k = 0; st == TC_OK && k < d->n_scenarios; k++) {
        tc_scenario_data sd = {.name = d->scenario[k],
                               .stations = names,
                               .time = time,
                               .sample = d->sample ? d->sample[k] : NULL,
                               .streamed = d->streamed,
                               .keep = d->keep,
                               .summary = d->summary[k],
                               .is_baseline = k == 0,
                               .threshold = thresholds,
                               .products = products,
                               .time_units = units[0] ? units : NULL,
                               .scheduled_servers = scheduled};
        st = tc_store_write_scenario(store, &sd, err, errlen);
    }
    tc_epoch_info done = *info;
    if (state) {
        done.n_calibration = state->n_calibration;
        done.calibration = state->calibration;
    }
    if (!isnan(d->started))
        done.wall_seconds = MPI_Wtime() - d->started;
    if (st == TC_OK && d->decision) { /* numbered as its epoch */
        int number = *epoch;
        st = tc_store_write_decision(store, d->decision, &number, err, errlen);
    }
    if (st == TC_OK)
        st = tc_store_end_epoch(store, &done, err, errlen);
done:
    free(time);
    free(names);
    free(thresholds);
    free(products);
    free(scheduled);
    tc_state_destroy(state);
    return st;
}
