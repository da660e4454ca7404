/*
 * posterior.c - conjugate posteriors with forgetting, censoring and drift
 * detection (see posterior.h).  The data are kept as decayed sufficient
 * statistics; the prior is never forgotten, so with no data the estimate is
 * the model's value.
 */
#include <math.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sf_erf.h>

#include "twincast/posterior.h"

#define TWO_PI 6.283185307179586476925

/* Page-Hinkley: drift allowed per observation, and the alarm threshold, in sd units. */
#define PH_DELTA     0.5
#define PH_THRESHOLD 12.0

static void ph_clear(tc_posterior *p)
{
    p->ph_up = p->ph_up_min = p->ph_down = p->ph_down_max = 0;
    p->ph_count = 0;
    memset(p->since_up, 0, sizeof p->since_up);
    memset(p->since_down, 0, sizeof p->since_down);
}

void tc_posterior_init(tc_posterior *p, tc_post_kind kind, double prior_mean, double prior_sd,
                       double prior_weight, double half_life, int detect)
{
    memset(p, 0, sizeof *p);
    p->kind = kind;
    p->prior_weight = prior_weight > 0 ? prior_weight : 1e-9;
    p->half_life = half_life;
    p->prior_mean = prior_mean;
    p->prior_sd = prior_sd;
    p->t_last = NAN;
    p->last_reset = NAN;
    p->detect = detect;
}

void tc_posterior_reset_prior(tc_posterior *p, double prior_mean, double prior_sd)
{
    p->prior_mean = prior_mean;
    p->prior_sd = prior_sd;
    p->n = p->s1 = p->s2 = 0;
    p->n_kept = 0;
    ph_clear(p);
}

/* Old observations lose weight: halved every half_life of event time. */
static void decay(tc_posterior *p, double t)
{
    if (isnan(p->t_last) || !(t > p->t_last)) {
        if (isnan(p->t_last))
            p->t_last = t;
        return;
    }
    if (p->half_life > 0 && isfinite(p->half_life)) {
        double f = exp2(-(t - p->t_last) / p->half_life);
        p->n *= f, p->s1 *= f, p->s2 *= f;
        for (int k = 0; k < 3; k++)
            p->since_up[k] *= f, p->since_down[k] *= f;
        for (int k = 0; k < p->n_kept; k++)
            p->kept_w[k] *= f;
    }
    p->t_last = t;
}

/* ---- the three kinds' posteriors ------------------------------------------------ */

typedef struct normal_gamma {
    double mu, kappa, a, b;
} normal_gamma;

/* The posterior from the prior and weighted sums n, s1, s2. */
static normal_gamma ng_from(const tc_posterior *p, double n, double s1, double s2)
{
    double k0 = p->prior_weight, a0 = k0 / 2, b0 = a0 * p->prior_sd * p->prior_sd;
    normal_gamma g = {p->prior_mean, k0, a0, b0};
    if (n > 0) {
        double xbar = s1 / n, ss = s2 - s1 * xbar;
        if (ss < 0)
            ss = 0; /* rounding */
        g.kappa = k0 + n;
        g.mu = (k0 * p->prior_mean + s1) / g.kappa;
        g.a = a0 + n / 2;
        g.b = b0 + ss / 2 + k0 * n * (xbar - p->prior_mean) * (xbar - p->prior_mean) / (2 * g.kappa);
    }
    return g;
}

static double ng_sd(normal_gamma g)
{
    return sqrt(g.b / (g.a > 1 ? g.a - 1 : g.a));
}

/* A value censored at c, under N(mean, sd): its expectation and second moment beyond c. */
static void beyond(double c, double mean, double sd, double *m1, double *m2)
{
    sd = sd > 0 ? sd : 1e-9;
    double z = (c - mean) / sd, lambda = gsl_sf_hazard(z), v = sd * sd * (1 + z * lambda - lambda * lambda);
    *m1 = mean + sd * lambda;
    *m2 = (v > 0 ? v : 0) + *m1 * *m1;
}

/* With the kept censored points imputed: EM from the estimate without them, until it settles. */
static normal_gamma ng_of(const tc_posterior *p)
{
    normal_gamma g = ng_from(p, p->n, p->s1, p->s2);
    for (int it = 0; it < 50 && p->n_kept > 0; it++) {
        double n = p->n, s1 = p->s1, s2 = p->s2, mean = g.mu, sd = ng_sd(g);
        for (int k = 0; k < p->n_kept; k++) {
            double m1, m2;
            beyond(p->kept_at[k], mean, sd, &m1, &m2);
            n += p->kept_w[k], s1 += p->kept_w[k] * m1, s2 += p->kept_w[k] * m2;
        }
        g = ng_from(p, n, s1, s2);
        if (fabs(g.mu - mean) <= 1e-10 * (1 + fabs(mean)) && fabs(ng_sd(g) - sd) <= 1e-10 * (1 + sd))
            break;
    }
    return g;
}

/*
 * RATE: a gamma posterior on the rate, alpha events over beta exposure.  The
 * prior is Gamma(w + 1, w m): its mean time E[1/rate] = beta / (alpha - 1)
 * is the model's m, and with data (w m + exposure) / (w + events).
 */
static void rate_of(const tc_posterior *p, double *alpha, double *beta)
{
    *alpha = p->prior_weight + 1 + p->n;
    *beta = p->prior_weight * p->prior_mean + p->s1;
}

/*
 * The p-quantile of Gamma(shape a, rate b).  GSL's inversion stops
 * converging for large shapes; there the Wilson-Hilferty cube is accurate
 * to well below the interval's own precision.
 */
static double gamma_quantile(double prob, double a, double b)
{
    if (a < 500)
        return gsl_cdf_gamma_Pinv(prob, a, 1 / b);
    double z = gsl_cdf_ugaussian_Pinv(prob), c = 1 - 1 / (9 * a) + z * sqrt(1 / (9 * a));
    return a * c * c * c / b;
}

/* The current point estimate: mean (RATE: mean time) and sd; no intervals (cheap, per observation). */
static void point(const tc_posterior *p, double *mean, double *sd)
{
    double a, b;
    if (p->kind == TC_POST_RATE) {
        rate_of(p, &a, &b);
        *mean = *sd = b / (a - 1);
    } else {
        normal_gamma g = ng_of(p);
        *mean = g.mu;
        *sd = ng_sd(g);
    }
}

void tc_posterior_hyper(const tc_posterior *p, double *a, double *b, double *mu, double *kappa)
{
    *mu = *kappa = NAN;
    if (p->kind == TC_POST_RATE) {
        rate_of(p, a, b);
    } else if (p->kind == TC_POST_NORMAL) {
        normal_gamma g = ng_of(p);
        *a = g.a, *b = g.b, *mu = g.mu, *kappa = g.kappa;
    } else {
        *a = p->prior_weight * p->prior_mean + p->s1;
        *b = p->prior_weight * (1 - p->prior_mean) + (p->n - p->s1);
    }
}

tc_post_estimate tc_posterior_estimate(const tc_posterior *p)
{
    tc_post_estimate e = {NAN, NAN, NAN, NAN, p->n};
    double a, b;
    switch (p->kind) {
    case TC_POST_RATE:
        rate_of(p, &a, &b);
        e.mean = b / (a - 1); /* E[1/rate] */
        e.lo = 1 / gamma_quantile(0.975, a, b);
        e.hi = 1 / gamma_quantile(0.025, a, b);
        e.sd = e.mean;
        break;
    case TC_POST_NORMAL: {
        normal_gamma g = ng_of(p);
        double h = gsl_cdf_tdist_Pinv(0.975, 2 * g.a) * sqrt(g.b / (g.a * g.kappa));
        e.mean = g.mu;
        e.lo = g.mu - h;
        e.hi = g.mu + h;
        e.sd = ng_sd(g);
        break;
    }
    case TC_POST_PROBABILITY:
        a = p->prior_weight * p->prior_mean + p->s1;
        b = p->prior_weight * (1 - p->prior_mean) + (p->n - p->s1);
        e.mean = a / (a + b);
        e.lo = a > 0 && b > 0 ? gsl_cdf_beta_Pinv(0.025, a, b) : e.mean;
        e.hi = a > 0 && b > 0 ? gsl_cdf_beta_Pinv(0.975, a, b) : e.mean;
        break;
    }
    return e;
}

/* ---- drift ------------------------------------------------------------------------ */

static void add3(double *s, double w, double x)
{
    s[0] += w, s[1] += w * x, s[2] += w * x * x;
}

/*
 * Page-Hinkley in both directions on r, the observation standardized by the
 * estimate before it.  The sums of the observations since each direction's
 * running extremum (its change point) are kept: on an alarm they replace the
 * data, and the prior keeps only its own weight.
 */
static void watch(tc_posterior *p, double t, double x, double r)
{
    p->ph_count++;
    p->ph_up += r - PH_DELTA;
    p->ph_down += r + PH_DELTA;
    if (p->ph_up < p->ph_up_min) {
        p->ph_up_min = p->ph_up;
        memset(p->since_up, 0, sizeof p->since_up);
    } else {
        add3(p->since_up, 1, x);
    }
    if (p->ph_down > p->ph_down_max) {
        p->ph_down_max = p->ph_down;
        memset(p->since_down, 0, sizeof p->since_down);
    } else {
        add3(p->since_down, 1, x);
    }
    const double *since = p->ph_up - p->ph_up_min > PH_THRESHOLD       ? p->since_up
                          : p->ph_down_max - p->ph_down > PH_THRESHOLD ? p->since_down
                                                                       : NULL;
    if (!since)
        return;
    double keep[3] = {since[0], since[1], since[2]};
    ph_clear(p);
    p->n = keep[0];
    p->s1 = keep[1];
    p->s2 = keep[2];
    p->n_kept = 0; /* censored before the change */
    p->last_reset = t;
    p->resets++;
}

/* ---- observations ------------------------------------------------------------------ */

void tc_posterior_observe(tc_posterior *p, double t, double x, int censored)
{
    if (!isfinite(x) || p->kind == TC_POST_PROBABILITY)
        return;
    decay(p, t);
    p->n_obs++;
    tc_post_estimate e;
    point(p, &e.mean, &e.sd);
    if (p->kind == TC_POST_RATE) {
        if (x < 0)
            return;
        if (censored) { /* exposure without an event: exact for the exponential */
            p->s1 += x;
            p->n_censored++;
            return;
        }
        if (p->detect && e.mean > 0)
            watch(p, t, x, (x - e.mean) / e.mean);
        p->n += 1;
        p->s1 += x;
        return;
    }
    if (censored) { /* kept for EM; when the list is full its oldest is fixed at the current estimate */
        if (p->n_kept == TC_POST_CENSORED_KEPT) {
            double m1, m2;
            beyond(p->kept_at[0], e.mean, e.sd, &m1, &m2);
            p->n += p->kept_w[0], p->s1 += p->kept_w[0] * m1, p->s2 += p->kept_w[0] * m2;
            memmove(p->kept_at, p->kept_at + 1, sizeof *p->kept_at * (TC_POST_CENSORED_KEPT - 1));
            memmove(p->kept_w, p->kept_w + 1, sizeof *p->kept_w * (TC_POST_CENSORED_KEPT - 1));
            p->n_kept--;
        }
        p->kept_at[p->n_kept] = x;
        p->kept_w[p->n_kept++] = 1;
        p->n_censored++;
        return;
    }
    if (p->detect && e.sd > 0)
        watch(p, t, x, (x - e.mean) / e.sd);
    p->n += 1;
    p->s1 += x;
    p->s2 += x * x;
}

void tc_posterior_observe_outcome(tc_posterior *p, double t, int success)
{
    if (p->kind != TC_POST_PROBABILITY)
        return;
    decay(p, t);
    p->n_obs++;
    p->n += 1;
    p->s1 += success ? 1 : 0;
}

void tc_posterior_turned_success(tc_posterior *p, double t)
{
    if (p->kind != TC_POST_PROBABILITY)
        return;
    decay(p, t);
    if (p->s1 + 1 <= p->n) /* the trial's weight has decayed meanwhile: never more successes than trials */
        p->s1 += 1;
    else
        p->s1 = p->n;
}

/* ---- draws ---------------------------------------------------------------------------- */

static double normal(double (*u)(void *), void *s)
{
    return sqrt(-2 * log(u(s))) * cos(TWO_PI * u(s)); /* Box-Muller, one of the pair */
}

/* Gamma(shape a, scale 1): Marsaglia and Tsang; a < 1 by the boost U^(1/a). */
static double gamma1(double a, double (*u)(void *), void *s)
{
    if (a < 1)
        return gamma1(a + 1, u, s) * pow(u(s), 1 / a);
    double d = a - 1.0 / 3, c = 1 / sqrt(9 * d);
    for (;;) {
        double x = normal(u, s), v = 1 + c * x;
        if (v <= 0)
            continue;
        v = v * v * v;
        double w = u(s);
        if (log(w) < 0.5 * x * x + d - d * v + d * log(v))
            return d * v;
    }
}

void tc_posterior_draw(const tc_posterior *p, double (*u)(void *), void *stream, double *mean, double *sd)
{
    double a, b;
    *sd = NAN;
    switch (p->kind) {
    case TC_POST_RATE:
        rate_of(p, &a, &b);
        *mean = b / gamma1(a, u, stream); /* 1 / rate, rate ~ Gamma(a, rate b) */
        *sd = *mean;
        return;
    case TC_POST_NORMAL: {
        normal_gamma g = ng_of(p);
        double tau = gamma1(g.a, u, stream) / g.b;
        *sd = 1 / sqrt(tau);
        *mean = g.mu + normal(u, stream) / sqrt(g.kappa * tau);
        return;
    }
    case TC_POST_PROBABILITY: {
        a = p->prior_weight * p->prior_mean + p->s1;
        b = p->prior_weight * (1 - p->prior_mean) + (p->n - p->s1);
        double x = gamma1(a > 0 ? a : 1e-9, u, stream), y = gamma1(b > 0 ? b : 1e-9, u, stream);
        *mean = x / (x + y);
        return;
    }
    }
}

tc_posterior_data tc_posterior_get_data(const tc_posterior *p)
{
    return (tc_posterior_data){p->prior_mean, p->prior_sd, p->n,     p->s1,
                               p->s2,         p->t_last,   p->n_obs, p->n_censored};
}

void tc_posterior_set_data(tc_posterior *p, const tc_posterior_data *d)
{
    p->prior_mean = d->prior_mean;
    p->prior_sd = d->prior_sd;
    p->n = d->n;
    p->s1 = d->s1;
    p->s2 = d->s2;
    p->t_last = d->t_last;
    p->n_obs = d->n_obs;
    p->n_censored = d->n_censored;
    p->n_kept = 0;
}
