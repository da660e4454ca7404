/*
 * state.h - the live plant state a forecast starts from: per station
 * up/down (with how long it has been down), current servers, the jobs
 * waiting and the elapsed times of the jobs in service (with their
 * products, where known); plus parameter overrides by path.  A station not
 * described starts empty and up.
 */
#ifndef TWINCAST_STATE_H
#define TWINCAST_STATE_H

#include "twincast/model.h"
#include <stddef.h>

/* A job of the start state, where its product (or more) is known. */
typedef struct tc_job_state {
    int product; /* source index; its route position is its step that visits the station */
    double time; /* waiting: how long it has waited; in service: as in_service[] */
    int setup;   /* in service: in a changeover (phase "setup"), processing next */
    int batch;   /* in service at a batch station: the jobs of its batch; else 1 */
} tc_job_state;

typedef struct tc_station_state {
    int up;
    double down_for; /* elapsed down time when !up */
    int servers;     /* -1: as in the model (after overrides) */
    int waiting;
    tc_job_state *queue; /* [waiting] in queue order, or NULL: the station's first product, waited 0 */
    int n_in_service;
    double *in_service;    /* elapsed service (or changeover) times */
    tc_job_state *service; /* [n_in_service], or NULL: the first product, processing, batches of 1 */
    char (*jobs)[64];      /* ids of the jobs in service, or NULL when not known */
    int n_last;            /* servers whose last product is known, from the first */
    int *last_product;     /* [n_last]: source index, -1: never worked */
} tc_station_state;

typedef struct tc_param_override {
    int param; /* index into tc_model.params */
    double value;
} tc_param_override;

/*
 * A calibrated parameter's posterior (calibration.h), from which each
 * replication draws its value when the model asks for input uncertainty.
 */
typedef enum tc_draw_kind {
    TC_DRAW_RATE,     /* exponential times: Gamma(a, rate b) on the rate; the mean is 1 / rate */
    TC_DRAW_NORMAL,   /* normal-gamma (mu, kappa, a, b) on the values: mean and sd */
    TC_DRAW_LOGNORMAL /* the same on the logs: the variable's mean and sd */
} tc_draw_kind;

typedef struct tc_param_draw {
    tc_draw_kind kind;
    int param_mean, param_sd; /* registry indices the draw sets; param_sd -1: none */
    double a, b, mu, kappa;
} tc_param_draw;

/* One calibrated parameter as the twin recorded it (the snapshot's `calibration` entries). */
typedef struct tc_state_calibration {
    char path[128];
    double prior, estimate, lo, hi; /* NaN where the record has null */
    long n;
    double n_eff;
    char last_reset[40]; /* ISO, or "" */
    /* the record's `data`, for a twin's restart: prior mean, prior sd, n, s1, s2, t (as tc_posterior_data) */
    int has_data;
    double data[6];
    long data_obs, data_censored;
} tc_state_calibration;

typedef struct tc_state {
    char as_of[64]; /* ISO-8601 text as given, or "" */
    int n_stations;
    tc_station_state *stations;
    int n_overrides;
    tc_param_override *overrides;
    int n_draws; /* input uncertainty: each replication draws these (after the overrides) */
    tc_param_draw *draws;
    int n_calibration; /* the twin's calibration record, for the epoch's table */
    tc_state_calibration *calibration;
} tc_state;

/* An empty plant: every station up, idle, nothing waiting. */
tc_state *tc_state_create(const tc_model *m);
void tc_state_destroy(tc_state *s);
/* Jobs in service (their products unknown: the station's first product). */
tc_status tc_state_set_in_service(tc_state *s, int station, const double *elapsed, int n);
/* Jobs in service with what is known of them (n entries of jobs; the elapsed times are jobs[k].time). */
tc_status tc_state_set_service(tc_state *s, int station, const tc_job_state *jobs, int n);
/* Jobs waiting in queue order (n entries; waited = jobs[k].time). */
tc_status tc_state_set_queue(tc_state *s, int station, const tc_job_state *jobs, int n);
tc_status tc_state_add_override(tc_state *s, int param, double value);
/*
 * Reads a state snapshot (JSON):
 *   {"as_of": "2026-12-01T08:00:00Z",
 *    "stations": {"B": {"up": false, "down_for": 5.0, "waiting": 12, "in_service": []}},
 *    "params": {"C.process.mean": 0.95}}
 * A station may also give "in_service_jobs": ["J17", ...], the ids of the
 * jobs in service (as many as in_service).  Times are in model units (or duration strings such as "90s").
 * With products: "waiting" may be {"widget": 8, "gadget": 4} (queued by
 * priority, then in the order listed) or [{"product": "gadget", "waited":
 * 3.5}, ...] in queue order; "in_service" items may be {"product": ...,
 * "elapsed": ..., "phase": "setup"|"process", "batch": n}; "last_product"
 * lists each server's last product (null: never worked).
 * Errors name the file, line, column and field; TC_ERR_INPUT.
 */
tc_status tc_state_parse_json(const tc_model *m, const char *text, size_t len, const char *origin,
                              tc_state **out, char *err, size_t errlen);
tc_status tc_state_load_json(const tc_model *m, const char *path, tc_state **out, char **text, char *err,
                             size_t errlen);
/* Checks the state against the model; TC_ERR_INPUT names the field. */
tc_status tc_state_validate(const tc_state *s, const tc_model *m, char *err, size_t errlen);

#endif
