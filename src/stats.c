/* stats.c - moments, intervals and quantiles (quantile functions from GSL). */
#include <math.h>

#include <gsl/gsl_cdf.h>

#include "twincast/stats.h"

void tc_moments_init(tc_moments *m)
{
    m->n = 0;
    m->mean = 0;
    m->m2 = 0;
}

void tc_moments_add(tc_moments *m, double x)
{
    if (isnan(x))
        return;
    m->n++;
    double d = x - m->mean;
    m->mean += d / (double)m->n;
    m->m2 += d * (x - m->mean);
}

double tc_moments_variance(const tc_moments *m)
{
    return m->n >= 2 ? m->m2 / (double)(m->n - 1) : NAN;
}

double tc_t_halfwidth(const tc_moments *m, double level)
{
    if (m->n < 2)
        return NAN;
    double t = gsl_cdf_tdist_Pinv(0.5 + 0.5 * level, (double)(m->n - 1));
    return t * sqrt(tc_moments_variance(m) / (double)m->n);
}

tc_interval tc_t_interval(const tc_moments *m, double level)
{
    double h = tc_t_halfwidth(m, level);
    return (tc_interval){m->mean - h, m->mean + h};
}

tc_interval tc_wilson_interval(long k, long n, double level)
{
    if (n <= 0)
        return (tc_interval){NAN, NAN};
    double z = gsl_cdf_ugaussian_Pinv(0.5 + 0.5 * level), p = (double)k / (double)n;
    double z2n = z * z / (double)n;
    double centre = (p + 0.5 * z2n) / (1 + z2n);
    double half = z * sqrt(p * (1 - p) / (double)n + 0.25 * z2n / (double)n) / (1 + z2n);
    tc_interval r = {centre - half, centre + half};
    if (r.lo < 0) r.lo = 0;
    if (r.hi > 1) r.hi = 1;
    return r;
}

double tc_quantile_sorted(const double *x, size_t n, double p)
{
    if (n == 0)
        return NAN;
    double h = (double)(n - 1) * p;
    size_t i = (size_t)floor(h);
    if (i + 1 >= n)
        return x[n - 1];
    return x[i] + (h - (double)i) * (x[i + 1] - x[i]);
}
