/* dist.c - distributions: validation, moments, sampling. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_gamma.h>

#include <pthread.h>

#include "twincast/dist.h"

/*
 * Exponential draws by the ziggurat method (Marsaglia and Tsang, 2000):
 * 256 layers of equal area under exp(-x); about 99% of draws cost one
 * 64-bit word, a multiply and a compare, instead of a logarithm.  Layer
 * i >= 1 spans x in [0, zx[i]] and y in [exp(-zx[i]), exp(-zx[i+1])];
 * layer 0 is the base rectangle plus the tail beyond ZR.
 */
#define ZN 256
#define ZR 7.69711747013104972
#define ZV 3.949659822581572e-3
static double zx[ZN + 1], zf[ZN + 1];
static pthread_once_t zig_once = PTHREAD_ONCE_INIT;

static void zig_build(void)
{
    zx[0] = ZV / exp(-ZR);
    zx[1] = ZR;
    for (int i = 2; i < ZN; i++)
        zx[i] = -log(ZV / zx[i - 1] + exp(-zx[i - 1]));
    zx[ZN] = 0;
    for (int i = 0; i <= ZN; i++)
        zf[i] = exp(-zx[i]);
}

static inline double exp1(tc_rng *r)
{
    for (;;) {
        uint64_t w = tc_rng_bits(r);
        int i = (int)(w & (ZN - 1));          /* low 8 bits: the layer */
        double x = tc_rng_to_unit(w) * zx[i]; /* top 53 bits: the position */
        if (x < zx[i + 1])
            return x;
        if (i == 0)
            return ZR - log(tc_rng_uniform(r)); /* the tail is ZR + Exp(1) */
        if (zf[i] + tc_rng_uniform(r) * (zf[i + 1] - zf[i]) < exp(-x))
            return x;
    }
}

static const struct {
    const char *name;
    const char *param[TC_DIST_MAXP];
    int duration[TC_DIST_MAXP];
    int np;
} types[TC_DIST_NTYPES] = {
    [TC_DIST_CONSTANT] = {"constant", {"value"}, {1}, 1},
    [TC_DIST_EXPONENTIAL] = {"exponential", {"mean"}, {1}, 1},
    [TC_DIST_UNIFORM] = {"uniform", {"min", "max"}, {1, 1}, 2},
    [TC_DIST_TRIANGULAR] = {"triangular", {"min", "mode", "max"}, {1, 1, 1}, 3},
    [TC_DIST_NORMAL] = {"normal", {"mean", "sd"}, {1, 1}, 2},
    [TC_DIST_LOGNORMAL] = {"lognormal", {"mean", "sd"}, {1, 1}, 2},
    [TC_DIST_GAMMA] = {"gamma", {"mean", "sd"}, {1, 1}, 2},
    [TC_DIST_ERLANG] = {"erlang", {"k", "mean"}, {0, 1}, 2},
    [TC_DIST_WEIBULL] = {"weibull", {"shape", "scale"}, {0, 1}, 2},
    [TC_DIST_EMPIRICAL] = {"empirical", {0}, {0}, 0},
};

const char *tc_dist_type_name(tc_dist_type t)
{
    return types[t].name;
}
int tc_dist_nparams(tc_dist_type t)
{
    return types[t].np;
}
const char *tc_dist_param_name(tc_dist_type t, int i)
{
    return types[t].param[i];
}
int tc_dist_param_is_duration(tc_dist_type t, int i)
{
    return types[t].duration[i];
}

int tc_dist_type_parse(const char *name, tc_dist_type *t)
{
    for (int i = 0; i < TC_DIST_NTYPES; i++)
        if (strcmp(name, types[i].name) == 0) {
            *t = (tc_dist_type)i;
            return 0;
        }
    return -1;
}

int tc_dist_param_index(tc_dist_type t, const char *name)
{
    for (int i = 0; i < types[t].np; i++)
        if (strcmp(name, types[t].param[i]) == 0)
            return i;
    return -1;
}

#define FAIL(...)                                                                                            \
    do {                                                                                                     \
        snprintf(err, errlen, __VA_ARGS__);                                                                  \
        return -1;                                                                                           \
    } while (0)

int tc_dist_prepare(tc_dist *d, char *err, size_t errlen)
{
    const double *p = d->p;
    /* GSL's default handler aborts the process; we check results instead. */
    gsl_set_error_handler_off();
    pthread_once(&zig_once, zig_build);
    for (int i = 0; i < types[d->type].np; i++)
        if (!isfinite(p[i]))
            FAIL("%s: parameter '%s' must be finite", types[d->type].name, types[d->type].param[i]);
    switch (d->type) {
    case TC_DIST_CONSTANT:
        if (p[0] < 0)
            FAIL("constant: value must be >= 0");
        break;
    case TC_DIST_EXPONENTIAL:
        if (!(p[0] > 0))
            FAIL("exponential: mean must be > 0");
        break;
    case TC_DIST_UNIFORM:
        if (p[0] < 0 || !(p[1] >= p[0]))
            FAIL("uniform: need 0 <= min <= max");
        break;
    case TC_DIST_TRIANGULAR:
        if (p[0] < 0 || !(p[0] <= p[1] && p[1] <= p[2]) || !(p[2] > p[0]))
            FAIL("triangular: need 0 <= min <= mode <= max and min < max");
        d->d[0] = (p[1] - p[0]) / (p[2] - p[0]);
        break;
    case TC_DIST_NORMAL:
        if (!(p[0] > 0) || p[1] < 0)
            FAIL("normal: need mean > 0 and sd >= 0");
        d->d[0] = p[1] > 0 ? gsl_cdf_ugaussian_Q(-p[0] / p[1]) : 1.0; /* P(X > 0) */
        break;
    case TC_DIST_LOGNORMAL: {
        if (!(p[0] > 0) || p[1] < 0)
            FAIL("lognormal: need mean > 0 and sd >= 0");
        double s2 = log1p((p[1] / p[0]) * (p[1] / p[0]));
        d->d[0] = log(p[0]) - 0.5 * s2;
        d->d[1] = sqrt(s2);
        break;
    }
    case TC_DIST_GAMMA: {
        if (!(p[0] > 0) || !(p[1] > 0))
            FAIL("gamma: need mean > 0 and sd > 0");
        double k = (p[0] / p[1]) * (p[0] / p[1]);
        d->d[0] = k;
        d->d[1] = p[1] * p[1] / p[0];
        double kk = k < 1 ? k + 1 : k; /* Marsaglia-Tsang needs shape >= 1 */
        d->d[2] = kk - 1.0 / 3.0;
        d->d[3] = 1.0 / sqrt(9.0 * d->d[2]);
        break;
    }
    case TC_DIST_ERLANG:
        if (!(p[0] >= 1) || p[0] != floor(p[0]) || p[0] > 1000)
            FAIL("erlang: k must be a whole number from 1 to 1000");
        if (!(p[1] > 0))
            FAIL("erlang: mean must be > 0");
        d->d[0] = p[1] / p[0];
        break;
    case TC_DIST_WEIBULL:
        if (!(p[0] > 0) || !(p[1] > 0))
            FAIL("weibull: need shape > 0 and scale > 0");
        d->d[0] = 1.0 / p[0];
        break;
    case TC_DIST_EMPIRICAL:
        if (d->n < 1 || !d->values || !d->cum)
            FAIL("empirical: needs at least one value");
        break;
    default: FAIL("unknown distribution");
    }
    return 0;
}

static double triangular_inv(const tc_dist *d, double u)
{
    double a = d->p[0], c = d->p[1], b = d->p[2];
    if (u < d->d[0])
        return a + sqrt(u * (b - a) * (c - a));
    return b - sqrt((1 - u) * (b - a) * (b - c));
}

static double triangular_cdf(const tc_dist *d, double x)
{
    double a = d->p[0], c = d->p[1], b = d->p[2];
    if (x <= a)
        return 0;
    if (x >= b)
        return 1;
    if (x <= c)
        return (x - a) * (x - a) / ((b - a) * (c - a));
    return 1 - (b - x) * (b - x) / ((b - a) * (b - c));
}

static double gamma_sample(double k, double theta, double dd, double c, tc_rng *r)
{
    double boost = 1.0;
    if (k < 1)
        boost = pow(tc_rng_uniform(r), 1.0 / k);
    for (;;) {
        double z = gsl_cdf_ugaussian_Pinv(tc_rng_uniform(r));
        double v = 1 + c * z;
        if (v <= 0)
            continue;
        v = v * v * v;
        double u = tc_rng_uniform(r);
        if (log(u) < 0.5 * z * z + dd - dd * v + dd * log(v))
            return dd * v * theta * boost;
    }
}

static double empirical_pick(const tc_dist *d, double u)
{
    int lo = 0, hi = d->n - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (u <= d->cum[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return d->values[lo];
}

double tc_dist_sample(const tc_dist *d, tc_rng *r)
{
    const double *p = d->p;
    switch (d->type) {
    case TC_DIST_CONSTANT: return p[0];
    case TC_DIST_EXPONENTIAL: return p[0] * exp1(r);
    case TC_DIST_UNIFORM: return p[0] + (p[1] - p[0]) * tc_rng_uniform(r);
    case TC_DIST_TRIANGULAR: return triangular_inv(d, tc_rng_uniform(r));
    case TC_DIST_NORMAL: {
        if (p[1] == 0)
            return p[0];
        /* Inversion restricted to the part of the normal above 0. */
        double x = p[0] + p[1] * gsl_cdf_ugaussian_Qinv(tc_rng_uniform(r) * d->d[0]);
        return x > 0 ? x : 0;
    }
    case TC_DIST_LOGNORMAL: return exp(d->d[0] + d->d[1] * gsl_cdf_ugaussian_Pinv(tc_rng_uniform(r)));
    case TC_DIST_GAMMA: return gamma_sample(d->d[0], d->d[1], d->d[2], d->d[3], r);
    case TC_DIST_ERLANG: {
        double prod = 1.0, sum = 0.0;
        for (int i = 0; i < (int)p[0]; i++) {
            prod *= tc_rng_uniform(r);
            if (prod < 1e-280) {
                sum += log(prod);
                prod = 1.0;
            }
        }
        return -d->d[0] * (sum + log(prod));
    }
    case TC_DIST_WEIBULL: return p[1] * pow(-log(tc_rng_uniform(r)), d->d[0]);
    case TC_DIST_EMPIRICAL: return empirical_pick(d, tc_rng_uniform(r) * d->cum[d->n - 1]);
    default: return 0;
    }
}

double tc_dist_sample_residual(const tc_dist *d, double e, tc_rng *r)
{
    const double *p = d->p;
    if (!(e > 0))
        return tc_dist_sample(d, r);
    double u = tc_rng_uniform(r), x, q;
    switch (d->type) {
    case TC_DIST_CONSTANT: return p[0] > e ? p[0] - e : 0;
    case TC_DIST_EXPONENTIAL: return -p[0] * log(u); /* memoryless: a fresh draw */
    case TC_DIST_UNIFORM: {
        if (e >= p[1])
            return 0;
        double lo = e > p[0] ? e : p[0];
        return lo + (p[1] - lo) * u - e;
    }
    case TC_DIST_TRIANGULAR: {
        if (e >= p[2])
            return 0;
        double f = triangular_cdf(d, e);
        x = triangular_inv(d, f + u * (1 - f));
        return x > e ? x - e : 0;
    }
    case TC_DIST_NORMAL:
        if (p[1] == 0)
            return p[0] > e ? p[0] - e : 0;
        q = gsl_cdf_ugaussian_Q((e - p[0]) / p[1]);
        if (!(q > 0))
            return 0;
        x = p[0] + p[1] * gsl_cdf_ugaussian_Qinv(u * q);
        return x > e ? x - e : 0;
    case TC_DIST_LOGNORMAL:
        if (d->d[1] == 0)
            return p[0] > e ? p[0] - e : 0;
        q = gsl_cdf_lognormal_Q(e, d->d[0], d->d[1]);
        if (!(q > 0))
            return 0;
        x = gsl_cdf_lognormal_Qinv(u * q, d->d[0], d->d[1]);
        return x > e ? x - e : 0;
    case TC_DIST_GAMMA:
    case TC_DIST_ERLANG: {
        double k = d->type == TC_DIST_GAMMA ? d->d[0] : p[0];
        double th = d->type == TC_DIST_GAMMA ? d->d[1] : d->d[0];
        q = gsl_cdf_gamma_Q(e, k, th);
        if (!(q > 0))
            return 0;
        x = gsl_cdf_gamma_Qinv(u * q, k, th);
        return isfinite(x) && x > e ? x - e : 0;
    }
    case TC_DIST_WEIBULL: {
        /* S(x) = exp(-(x/scale)^shape), inverted in closed form. */
        double h = pow(e / p[1], p[0]) - log(u);
        x = p[1] * pow(h, d->d[0]);
        return x > e ? x - e : 0;
    }
    case TC_DIST_EMPIRICAL: {
        /* Restrict to values above e: renormalise their weights. */
        double below = 0, total = d->cum[d->n - 1];
        int i = 0;
        while (i < d->n && d->values[i] <= e) {
            below = d->cum[i];
            i++;
        }
        if (i == d->n || !(total - below > 0))
            return 0;
        x = empirical_pick(d, below + u * (total - below));
        return x > e ? x - e : 0;
    }
    default: return 0;
    }
}

double tc_dist_mean(const tc_dist *d)
{
    const double *p = d->p;
    switch (d->type) {
    case TC_DIST_CONSTANT: return p[0];
    case TC_DIST_EXPONENTIAL: return p[0];
    case TC_DIST_UNIFORM: return 0.5 * (p[0] + p[1]);
    case TC_DIST_TRIANGULAR: return (p[0] + p[1] + p[2]) / 3;
    case TC_DIST_NORMAL: {
        if (p[1] == 0)
            return p[0];
        double a = -p[0] / p[1];
        return p[0] + p[1] * exp(-0.5 * a * a) / 2.5066282746310002 / d->d[0];
    }
    case TC_DIST_LOGNORMAL:
    case TC_DIST_GAMMA: return p[0];
    case TC_DIST_ERLANG: return p[1];
    case TC_DIST_WEIBULL: return p[1] * gsl_sf_gamma(1 + 1 / p[0]);
    case TC_DIST_EMPIRICAL: {
        double s = 0, prev = 0;
        for (int i = 0; i < d->n; i++) {
            s += d->values[i] * (d->cum[i] - prev);
            prev = d->cum[i];
        }
        return s / d->cum[d->n - 1];
    }
    default: return NAN;
    }
}

double tc_dist_variance(const tc_dist *d)
{
    const double *p = d->p;
    switch (d->type) {
    case TC_DIST_CONSTANT: return 0;
    case TC_DIST_EXPONENTIAL: return p[0] * p[0];
    case TC_DIST_UNIFORM: return (p[1] - p[0]) * (p[1] - p[0]) / 12;
    case TC_DIST_TRIANGULAR: {
        double a = p[0], c = p[1], b = p[2];
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18;
    }
    case TC_DIST_NORMAL: {
        if (p[1] == 0)
            return 0;
        double a = -p[0] / p[1];
        double lam = exp(-0.5 * a * a) / 2.5066282746310002 / d->d[0];
        return p[1] * p[1] * (1 + a * lam - lam * lam);
    }
    case TC_DIST_LOGNORMAL:
    case TC_DIST_GAMMA: return p[1] * p[1];
    case TC_DIST_ERLANG: return p[1] * p[1] / p[0];
    case TC_DIST_WEIBULL: {
        double g1 = gsl_sf_gamma(1 + 1 / p[0]);
        return p[1] * p[1] * (gsl_sf_gamma(1 + 2 / p[0]) - g1 * g1);
    }
    case TC_DIST_EMPIRICAL: {
        double m = tc_dist_mean(d), s = 0, prev = 0;
        for (int i = 0; i < d->n; i++) {
            double dv = d->values[i] - m;
            s += dv * dv * (d->cum[i] - prev);
            prev = d->cum[i];
        }
        return s / d->cum[d->n - 1];
    }
    default: return NAN;
    }
}
