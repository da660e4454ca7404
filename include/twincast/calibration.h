/*
 * calibration.h - the live twin learns its parameters from the telemetry
 * it applies (the model's `calibration:` block): process times from start
 * to finish less the downtime between, interarrival times at a source's
 * first station, times to repair (down to up) and to failure (up to down).
 * Each target keeps a posterior (posterior.h) in the model's family; as of
 * a snapshot, what is still open (a job in service, a station still down,
 * the time since the last arrival or repair) counts as censored, on a copy.
 *
 * Rank 0's switchboard owns it; single-threaded.
 */
#ifndef TWINCAST_CALIBRATION_H
#define TWINCAST_CALIBRATION_H

#include "twincast/event.h"
#include "twincast/model.h"
#include "twincast/posterior.h"

typedef struct tc_calibration tc_calibration;

/* One target's estimate as of a time, for the snapshot, the message and the report. */
typedef struct tc_calibration_row {
    const char *path;  /* the parameter the estimate is of: "B.process.mean" */
    double prior;      /* the model's (or the last `set`'s) value */
    double estimate;   /* posterior mean, model units */
    double sd;         /* the family's sd as estimated (NaN for exponential times) */
    double lo, hi;     /* 95% credible interval */
    long n_obs;        /* observations, censored ones included */
    double n_eff;      /* their weight after forgetting */
    double last_reset; /* event time (s since the epoch) of the last drift reset; NaN: none */
    /* the posterior a replication draws from (the model's calibration.uncertainty) */
    const char *draw_kind;  /* "rate", "normal" or "lognormal"; NULL: none */
    double a, b, mu, kappa; /* as tc_posterior_hyper */
    const char *sd_path;    /* the sd parameter a normal draw also sets, or NULL */
    tc_posterior_data data; /* what was learnt, without what is still open: for a restart */
} tc_calibration_row;

/* NULL when the model has no calibration block (or memory runs out: *failed is set then). */
tc_calibration *tc_calibration_create(const tc_model *m, int *failed);
void tc_calibration_destroy(tc_calibration *c);
int tc_calibration_count(const tc_calibration *c);

/*
 * After the twin applied an event.  `product`: the job's (source index);
 * `started`: for a finish, when its processing started (NaN: unknown, or
 * still in a changeover).
 */
void tc_calibration_observe(tc_calibration *c, const tc_event *ev, int product, double started);
/* A `set` on a calibrated parameter, or a restored value: the estimate restarts from it as the prior. */
void tc_calibration_reprior(tc_calibration *c, int param, double value);
/* A restart: the target of `path` takes up what a snapshot's row recorded (its data); 0, or -1: no such
 * target. */
int tc_calibration_restore(tc_calibration *c, const char *path, const tc_posterior_data *d);
/* A job in service, for the censored observations of a snapshot. */
typedef struct tc_calibration_job {
    int station, product;
    int setup;    /* in a changeover */
    double since; /* when its changeover, or its processing, began (seconds since the epoch) */
} tc_calibration_job;

/* As of `now`: each target's row, with what is still open (the jobs in service among it) counted as censored.
 */
void tc_calibration_rows(const tc_calibration *c, double now, const tc_calibration_job *svc, int n_svc,
                         tc_calibration_row *rows);
/*
 * The parameter values the estimates stand for, from rows: (param, value)
 * pairs that the model's registry accepts; returns how many (at most max).
 */
int tc_calibration_values(const tc_calibration *c, const tc_calibration_row *rows, int *param, double *value,
                          int max);

#endif
