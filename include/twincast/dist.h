/*
 * dist.h - the probability distributions of process times, inter-arrival
 * times, times to failure and times to repair.
 *
 * A distribution is a small value type: its user parameters (by name, so
 * that they can be set by path at run time) and the derived constants that
 * make sampling cheap.  tc_dist_prepare() validates the parameters and
 * derives those constants; call it after every parameter change.
 */
#ifndef TWINCAST_DIST_H
#define TWINCAST_DIST_H

#include "twincast/rng.h"
#include <stddef.h>

typedef enum tc_dist_type {
    TC_DIST_CONSTANT = 0,
    TC_DIST_EXPONENTIAL,
    TC_DIST_UNIFORM,
    TC_DIST_TRIANGULAR,
    TC_DIST_NORMAL,    /* of the underlying normal, truncated at 0 */
    TC_DIST_LOGNORMAL, /* mean and sd of the variable itself */
    TC_DIST_GAMMA,     /* mean and sd */
    TC_DIST_ERLANG,    /* k phases, overall mean */
    TC_DIST_WEIBULL,   /* shape, scale */
    TC_DIST_EMPIRICAL, /* values with optional weights */
    TC_DIST_NTYPES
} tc_dist_type;

#define TC_DIST_MAXP 3

typedef struct tc_dist {
    tc_dist_type type;
    double p[TC_DIST_MAXP]; /* user parameters, in tc_dist_param_name order */
    double d[4];            /* derived constants */
    /* empirical: n values with cumulative probabilities; owned elsewhere */
    int n;
    const double *values;
    const double *cum;
} tc_dist;

const char *tc_dist_type_name(tc_dist_type t);
int tc_dist_type_parse(const char *name, tc_dist_type *t);
/* Number of scalar parameters settable by name (empirical: 0). */
int tc_dist_nparams(tc_dist_type t);
const char *tc_dist_param_name(tc_dist_type t, int i);
/* Nonzero when parameter i is a duration (as opposed to a count or shape). */
int tc_dist_param_is_duration(tc_dist_type t, int i);
/* Index of a parameter by name, or -1. */
int tc_dist_param_index(tc_dist_type t, const char *name);

/* Validates and derives; 0 or -1 with a reason in err. */
int tc_dist_prepare(tc_dist *d, char *err, size_t errlen);

double tc_dist_mean(const tc_dist *d);
double tc_dist_variance(const tc_dist *d);

/* A draw.  Always >= 0. */
double tc_dist_sample(const tc_dist *d, tc_rng *r);

/*
 * The remaining time of a draw conditioned on exceeding `elapsed`: a job
 * already in service for `elapsed`, a repair already under way.  Returns
 * X - elapsed for X ~ d given X > elapsed; 0 when elapsed is beyond the
 * support.
 */
double tc_dist_sample_residual(const tc_dist *d, double elapsed, tc_rng *r);

#endif
