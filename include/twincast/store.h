/*
 * store.h - the forecast file: HDF5, NetCDF-4 compatible (dimension
 * scales, creation order tracked), readable by h5py and by xarray through
 * h5netcdf.  One file holds many forecasts, one group per epoch:
 *
 *   /                     attrs Conventions, title, twincast_version, model_name,
 *                         model_sha256, created
 *   /model_yaml           the model text
 *   /forecasts/<epoch>/   6-digit sequence; attrs as_of, horizon, time_unit, seed,
 *                         replications, ranks, threads, stop_reason, wall_seconds, ...
 *      state_json         the state it started from
 *      <scenario>/        baseline and each what-if scenario
 *         station (S), realization (R), time (T), quantile (Q)   dimension scales
 *         onset_time, mean_waiting, max_waiting, utilisation, throughput,
 *         blocked, starved, availability, bottleneck_share       (R, S)
 *         waiting_quantiles (T, S, Q), bottleneck_probability (T, S)
 *         summary            compound (S)
 *         product (P)        dimension scale: the products (sources)
 *         completed, scrapped, reworks_per_job, time_in_system   (R, P)
 *         product_summary    compound (P): their means and intervals
 *   /forecasts/latest     soft link to the newest epoch
 *
 * Appending an epoch never rewrites the ones before it.  In atomic mode the
 * file is changed through a copy renamed into place at commit, so a crash
 * or a full disk leaves the previous file as it was.
 */
#ifndef TWINCAST_STORE_H
#define TWINCAST_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "twincast/model.h"
#include "twincast/sample.h"
#include "twincast/skill.h"
#include "twincast/state.h"
#include "twincast/summary.h"

typedef struct tc_store tc_store;

typedef struct tc_epoch_info {
    const char *as_of;
    double horizon;
    const char *time_unit;
    const char *timezone; /* the plant's IANA zone (the model's), or NULL */
    uint32_t seed;
    long replications;
    int ranks, threads;
    const char *stop_reason; /* "fixed", "precision reached", "maximum replications" */
    double precision;        /* 0 when fixed */
    double wall_seconds;
    const char *state_json; /* NULL: "{}" (an empty plant) */
    /* the live twin's epochs (serve, replay); NULL or 0 for a plain forecast */
    int superseded;            /* abandoned for a newer state: no data, 'latest' stays */
    const char *offsets_json;  /* the Kafka offsets (or input lines) the state reflects */
    const char *counters_json; /* events applied and rejected by reason, up to this epoch */
    long events;               /* events applied up to this epoch */
    const char *trigger;       /* what set it off: the significant events, or "interval" */
    /* the twin's calibration (from state_json): written as the epoch's `calibration` table */
    int n_calibration;
    const tc_state_calibration *calibration;
} tc_epoch_info;

/* What a forecast keeps of each replication: every per-replication measure, or nothing. */
typedef enum { TC_KEEP_SCALARS, TC_KEEP_NONE } tc_keep;

typedef struct tc_scenario_data {
    const char *name;
    const char *const *stations; /* [S] */
    const double *time;          /* [T] bin centres */
    const tc_sample *sample;     /* every replication's rows; NULL when they were streamed: */
    long streamed;               /* > 0: that many replications, appended by tc_store_append_rows (or, with
                                    TC_KEEP_NONE, not kept); the shapes come from the summary */
    tc_keep keep;
    const tc_summary *summary;
    int is_baseline;
    const int *threshold;        /* [S] the onset thresholds (NULL: not written) */
    const char *const *products; /* [P] product names (NULL or P = 0: no product datasets) */
    const char *time_units;      /* CF units of `time`: "minutes since 2026-12-07 08:00:00" (NULL: none) */
    const double *scheduled_servers; /* [T * S] the calendar's mean servers per bin (NULL: not written) */
} tc_scenario_data;

/*
 * TC_STORE_ATOMIC: work on a copy, renamed into place at a commit; readers
 * and crashes see the file before or after, never half of it.
 * TC_STORE_EPOCH_FILES (a new file; an existing one keeps its layout): the
 * file is an index, each epoch a small file of its own in PATH.epochs/,
 * linked from /forecasts by an HDF5 external link, so that an epoch copies
 * only the index's links, not the earlier epochs.  The live twin's choice.  The model passed
 * to tc_store_open must outlive the store.
 */
enum { TC_STORE_ATOMIC = 1, TC_STORE_EPOCH_FILES = 2 };

/*
 * Creates the file, or opens an existing twincast file of the same model
 * to append to it (TC_ERR_INPUT if it is not one, or of another model).
 */
tc_status tc_store_open(const char *path, const tc_model *m, int flags, tc_store **out, char *err,
                        size_t errlen);
/* Creates the next epoch's group (or, if one is open already, gives it); *epoch receives its number. */
tc_status tc_store_begin_epoch(tc_store *s, int *epoch, char *err, size_t errlen);
tc_status tc_store_write_scenario(tc_store *s, const tc_scenario_data *d, char *err, size_t errlen);
/*
 * Appends replications [first, first + rows->R) of one scenario of the open
 * epoch to its per-replication datasets, created (extendible, chunked) on
 * the first call: a forecast streams its rows here a round at a time, so
 * that they are never all in memory.  tc_store_write_scenario (with
 * `streamed`) then adds the rest and the dimension scales.
 */
tc_status tc_store_append_rows(tc_store *s, const char *scenario, const tc_sample *rows, long first,
                               char *err, size_t errlen);
/* Writes the epoch's attributes, points 'latest' at it and flushes. */
tc_status tc_store_end_epoch(tc_store *s, const tc_epoch_info *info, char *err, size_t errlen);
/* commit = 1: keep the changes (atomic mode: rename into place); 0: discard them. */
tc_status tc_store_close(tc_store *s, int commit, char *err, size_t errlen);

/* A forecast epoch read back: its attributes and every scenario's summary. */
typedef struct tc_forecast_view {
    int epoch;
    char as_of[64], time_unit[8], stop_reason[64], model_name[128];
    char timezone[64]; /* the plant's zone; "" in files written before it */
    double horizon, wall_seconds, precision;
    long replications;
    int ranks, threads;
    unsigned seed;
    int n_scenarios, S;
    char (*scenario)[64];                /* [n_scenarios], baseline first */
    char (*station)[64];                 /* [S] */
    tc_station_summary *summary;         /* [n_scenarios * S]; diff fields NaN for the baseline */
    int P;                               /* products; 0 in files written before products */
    char (*product)[64];                 /* [P] */
    tc_product_summary *product_summary; /* [n_scenarios * P] */
    tc_setup_batch_summary *setup_batch; /* [n_scenarios * S]; NaN in files written before it */
} tc_forecast_view;

/* Reads epoch `epoch` (0: the latest), all scenarios or just `scenario`. */
tc_status tc_store_read(const char *path, int epoch, const char *scenario, tc_forecast_view **out, char *err,
                        size_t errlen);
void tc_forecast_view_destroy(tc_forecast_view *v);

/*
 * The live twin's restart point: the state_json and offsets of the newest
 * completed epoch (both malloc'd; *offsets NULL if the epoch has none).
 * TC_OK with *state NULL when the file holds no completed epoch.
 */
tc_status tc_store_read_resume(const char *path, char **state, char **offsets, int *epoch, char *err,
                               size_t errlen);

/* One scenario of an epoch read back in full (for `merge`): the per-replication
 * measures in a sample (with no bands: per-bin data are not stored), and the
 * per-bin bands as stored.  All malloc'd. */
typedef struct tc_scenario_read {
    tc_sample *sample;
    double *waiting_quantiles;      /* [T*S*TC_NQ] */
    double *bottleneck_probability; /* [T*S] */
    double waiting_rank_error;      /* the stored bounds; NaN in files from before the histograms */
    double waiting_resolution;
    double *time;        /* [T] */
    int *threshold;      /* [S] */
    char (*station)[64]; /* [S] */
} tc_scenario_read;

/* An epoch's calibration table (epoch <= 0: the latest); *out allocated (free() it). */
tc_status tc_store_read_calibration(const char *path, int epoch, tc_state_calibration **out, int *n,
                                    char *err, size_t errlen);
tc_status tc_store_read_scenario(const char *path, int epoch, const char *scenario, tc_scenario_read *out,
                                 char *err, size_t errlen);
void tc_scenario_read_clear(tc_scenario_read *r);
/* The model text stored in a forecast file (malloc'd), or NULL. */
char *tc_store_read_model(const char *path);

/* Hex SHA-256 of a text (65 bytes with the NUL). */
void tc_sha256_hex(const char *text, size_t len, char out[65]);

/*
 * The /skill table: each forecast scored against what happened (outcome.h),
 * appended as outcomes become known.  One row per (epoch, station) along
 * the `score` dimension; Brier scores along `lead` (the last is the
 * horizon).  Appending rows whose leads differ from the file's is refused.
 */
tc_status tc_store_append_skill(tc_store *s, const tc_model *m, const tc_skill_row *rows, int n, char *err,
                                size_t errlen);
/* Reads the whole table; stations named as in m (a row of a station m lacks is refused). */
tc_status tc_store_read_skill(const char *path, const tc_model *m, tc_skill_row **rows, int *n, char *err,
                              size_t errlen);

/*
 * A decision of `decide` (decide.h) as the file keeps it, /decisions/NNNNNN:
 * every response's figures along a `response` dimension, and the objective
 * value of every stage the procedure used along `stage` (NaN once a
 * response is eliminated).
 */
typedef struct tc_decision_choice {
    char name[64];
    long replications;     /* used by the procedure (its observations) */
    long eliminated_at;    /* the stage at which it was eliminated; 0: it survived */
    double mean, lo, hi;   /* the objective's mean and its confidence interval (Student t, the same level) */
    double mcb_lo, mcb_hi; /* MCB: theta_i - min of the others, lower is better */
} tc_decision_choice;

typedef struct tc_decision {
    int n;                      /* responses compared */
    tc_decision_choice *choice; /* [n], in the order given */
    int selected;               /* index into choice */
    int guaranteed;             /* 0: stopped at --max-replications with several left, no guarantee */
    double delta, confidence;
    long n0, stages;       /* first stage; stages fed (the largest replication count) */
    long replications_run; /* every replication simulated, past the last decision included */
    double rinott;         /* what Rinott's two-stage procedure would need for the same guarantee */
    double rinott_h, kn_h2;
    double horizon;
    char time_unit[8];
    char as_of[64]; /* the start (the state's as_of, --start, or the model's start) */
    unsigned int seed;
    int ranks, threads;
    double seconds;
    double *objective; /* [stages * n]: each stage's values, NaN once eliminated (NULL: not kept) */
} tc_decision;

/*
 * Writes the decision as /decisions/NNNNNN: number *number if it is above 0
 * (the live twin's: its epoch's), else the next one, which *number
 * receives.  In an index file with an epoch open, it goes into the
 * epoch's own file, linked from the index when the epoch ends.
 */
tc_status tc_store_write_decision(tc_store *s, const tc_decision *d, int *number, char *err, size_t errlen);
/* Reads /decisions/NNNNNN (number 0: the latest) into *d (objective included); *number receives it. */
tc_status tc_store_read_decision(const char *path, int number, tc_decision *d, int *got, char *err,
                                 size_t errlen);
void tc_decision_clear(tc_decision *d);

#endif
