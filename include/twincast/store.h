/*
 * store.h - the forecast file (HDF5, NetCDF-4 compatible with dimension
 * scales).  One file holds many forecasts, one group per epoch:
 *
 *   /                       attrs Conventions, title, twincast_version, model_name, created
 *   /model_yaml             the model text
 *   /forecasts/<epoch>/     6-digit sequence; attrs as_of, horizon, time_unit, seed, ...
 *      state_json
 *      <scenario>/          station, realization, time dimension scales;
 *                           onset_time, mean_waiting, max_waiting, utilisation,
 *                           throughput (realization, station)
 *   /forecasts/latest       soft link to the newest epoch
 *
 * Appending an epoch never rewrites the ones before it.
 */
#ifndef TWINCAST_STORE_H
#define TWINCAST_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "twincast/model.h"

typedef struct tc_store tc_store;

typedef struct tc_epoch_info {
    const char *as_of;
    double horizon;
    const char *time_unit;
    uint32_t seed;
    long replications;
    int ranks, threads;
    const char *stop_reason;
    double wall_seconds;
    const char *state_json;   /* NULL: "{}" (an empty plant) */
} tc_epoch_info;

typedef struct tc_scenario_data {
    const char *name;
    int R, S, T;
    const char *const *stations;
    const double *onset, *mean_waiting, *max_waiting, *utilisation, *throughput;  /* [R*S] */
    const double *time;       /* [T] bin centres */
} tc_scenario_data;

/* Creates the file, or opens an existing twincast file to append to it. */
tc_status tc_store_open(const char *path, const tc_model *m, tc_store **out, char *err, size_t errlen);
/* Creates the next epoch's group; *epoch receives its number. */
tc_status tc_store_begin_epoch(tc_store *s, int *epoch, char *err, size_t errlen);
tc_status tc_store_write_scenario(tc_store *s, const tc_scenario_data *d, char *err, size_t errlen);
/* Writes the epoch's attributes, points 'latest' at it and flushes. */
tc_status tc_store_end_epoch(tc_store *s, const tc_epoch_info *info, char *err, size_t errlen);
tc_status tc_store_close(tc_store *s, char *err, size_t errlen);

#endif
