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
    if (r.lo < 0 || k == 0)
        r.lo = 0; /* exact at the ends, not 1e-17 off */
    if (r.hi > 1 || k == n)
        r.hi = 1;
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

/* Moves the k-th smallest of x[lo..hi] to x[k], smaller ones before it, larger after. */
static void select_kth(double *x, size_t lo, size_t hi, size_t k)
{
    while (hi > lo) {
        double pivot = x[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (x[i] < pivot)
                i++;
            while (x[j] > pivot)
                j--;
            if (i <= j) {
                double t = x[i];
                x[i] = x[j];
                x[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return;
    }
}

void tc_quantiles_select(double *x, size_t n, const double *p, int np, double *out)
{
    size_t lo = 0;
    for (int q = 0; q < np; q++) {
        if (n == 0) {
            out[q] = NAN;
            continue;
        }
        double h = (double)(n - 1) * p[q];
        size_t i = (size_t)floor(h);
        if (i < lo) /* an equal level: already in place */
            i = lo > 0 ? lo - 1 : 0;
        else
            select_kth(x, lo, n - 1, i);
        double a = x[i], b = a;
        if (i + 1 < n) {
            b = x[i + 1];
            for (size_t k = i + 2; k < n; k++)
                if (x[k] < b)
                    b = x[k];
        }
        out[q] = a + (h - (double)i) * (b - a);
        lo = i + 1;
    }
}
