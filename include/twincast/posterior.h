/*
 * posterior.h - what the plant's telemetry says about one parameter: a
 * conjugate posterior that starts from the model's value (a prior worth
 * `prior_weight` observations), forgets old observations with a half-life
 * in event time, counts right-censored observations as censored, and
 * watches for drift (a two-sided Page-Hinkley test) that collapses the past
 * into a new prior.
 *
 * Three kinds, after the model's distribution family:
 *  - TC_POST_RATE: exponential times; a gamma posterior on the rate.  A
 *    censored time adds exposure without an event (exact).
 *  - TC_POST_NORMAL: a normal-gamma posterior on the mean and variance of
 *    the values (lognormal: of their logs; other families: of the values
 *    themselves).  A censored value enters through its expectation and
 *    second moment beyond the censoring point, re-estimated with the
 *    estimate (EM, to convergence) for the last TC_POST_CENSORED_KEPT of
 *    them, fixed for older ones: never as complete at the censoring point,
 *    never dropped.
 *  - TC_POST_PROBABILITY: a beta posterior on a probability (rework, scrap).
 *
 * Numbers in, numbers out: nothing here knows the model, the twin or the
 * engine.  Single-threaded: a posterior belongs to rank 0's switchboard.
 */
#ifndef TWINCAST_POSTERIOR_H
#define TWINCAST_POSTERIOR_H

#include <stdint.h>

typedef enum tc_post_kind { TC_POST_RATE, TC_POST_NORMAL, TC_POST_PROBABILITY } tc_post_kind;

#define TC_POST_CENSORED_KEPT 32

typedef struct tc_posterior {
    tc_post_kind kind;
    double prior_weight; /* observations the prior is worth */
    double half_life;    /* event-time seconds; <= 0 or inf: no forgetting */
    /* the prior: RATE (mean time), NORMAL (mean, sd), PROBABILITY (p) */
    double prior_mean, prior_sd;
    /* the data, decayed: weight, weighted sums (RATE: s1 is exposure; PROBABILITY: s1 successes) */
    double n, s1, s2;
    double t_last; /* event time of the last decay; NaN before the first */
    int n_kept;    /* NORMAL: censored points kept for EM, oldest first, with their decayed weights */
    double kept_at[TC_POST_CENSORED_KEPT], kept_w[TC_POST_CENSORED_KEPT];
    long n_obs; /* observations seen (complete and censored), never decayed */
    long n_censored;
    /* drift: Page-Hinkley on standardized observations, both directions */
    int detect;
    double ph_up, ph_up_min, ph_down, ph_down_max;
    double since_up[3], since_down[3]; /* weight, sum, sum of squares since each direction's change point */
    long ph_count;
    double last_reset; /* event time of the last reset; NaN: none */
    long resets;
} tc_posterior;

/* A summary for output: the estimate of the mean (RATE: mean time; NORMAL: mean; PROBABILITY: p). */
typedef struct tc_post_estimate {
    double mean, lo, hi; /* posterior mean and 95% credible interval */
    double sd;           /* NORMAL: the estimate of the sd (of logs for lognormal) */
    double n_eff;        /* data weight after forgetting */
} tc_post_estimate;

/* prior_mean / prior_sd as above (prior_sd is used by NORMAL only). */
void tc_posterior_init(tc_posterior *p, tc_post_kind kind, double prior_mean, double prior_sd,
                       double prior_weight, double half_life, int detect);
/* A new prior (a `set` event): the estimate restarts from it. */
void tc_posterior_reset_prior(tc_posterior *p, double prior_mean, double prior_sd);

/* An observation at event time t: complete, or censored (the true value is larger than x). */
void tc_posterior_observe(tc_posterior *p, double t, double x, int censored);
/* A Bernoulli outcome (PROBABILITY). */
void tc_posterior_observe_outcome(tc_posterior *p, double t, int success);

/*
 * What a posterior has learnt, enough to carry it across a restart: the
 * prior's parameters and the decayed data (censored points kept for EM and
 * the drift test's state are not carried: they start afresh).
 */
typedef struct tc_posterior_data {
    double prior_mean, prior_sd;
    double n, s1, s2, t_last;
    long n_obs, n_censored;
} tc_posterior_data;

tc_posterior_data tc_posterior_get_data(const tc_posterior *p);
void tc_posterior_set_data(tc_posterior *p, const tc_posterior_data *d);

/* PROBABILITY: a trial already counted as a failure turned out a success (seen later, at t). */
void tc_posterior_turned_success(tc_posterior *p, double t);

tc_post_estimate tc_posterior_estimate(const tc_posterior *p);
/*
 * The posterior's hyperparameters, censored values imputed: RATE Gamma(a,
 * rate b) on the rate; NORMAL normal-gamma (mu, kappa, a, b); PROBABILITY
 * Beta(a, b).  What a replication draws from.
 */
void tc_posterior_hyper(const tc_posterior *p, double *a, double *b, double *mu, double *kappa);

/*
 * Draws (mean, sd) from the posterior with a caller's uniform stream:
 * u() returns uniforms in (0, 1).  RATE: the mean time; NORMAL: mean and sd;
 * PROBABILITY: p.  Deterministic given the stream.
 */
void tc_posterior_draw(const tc_posterior *p, double (*u)(void *), void *stream, double *mean, double *sd);

#endif
