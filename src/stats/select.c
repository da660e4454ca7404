/*
 * select.c - the KN fully sequential selection, Rinott's constant, MCB
 * intervals (see select.h).  Kim, S.-H. and Nelson, B. L. (2001), "A fully
 * sequential procedure for indifference-zone selection in simulation", ACM
 * TOMACS 11(3); Rinott, Y. (1978), Comm. Statist. A7; Nelson, B. L. and
 * Matejcik, F. J. (1995), Management Science 41(12), for the MCB intervals.
 */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>

#include "twincast/select.h"

struct tc_kn {
    int k, n0, n_alive, done;
    double delta, h2;
    long stage, max_stage;
    double *first; /* [n0][k]: the first stage, for the variances of the differences */
    double *s2;    /* [k][k]: S^2_il of the paired differences, after stage n0 */
    double *sum;   /* [k]: each system's sum over its observations */
    long *count;   /* [k] */
    long *out_at;  /* [k]: the stage of elimination, 0: alive */
    char *alive;   /* [k] */
    char *was;     /* [k]: alive before the current screening */
};

tc_kn *tc_kn_create(int k, int n0, double delta, double confidence, long max_stage)
{
    if (k < 2 || n0 < 2 || !(delta > 0) || !(confidence > 0.5 && confidence < 1) || max_stage < n0)
        return NULL;
    tc_kn *kn = calloc(1, sizeof *kn);
    if (!kn)
        return NULL;
    kn->k = kn->n_alive = k;
    kn->n0 = n0;
    kn->delta = delta;
    kn->max_stage = max_stage;
    /* eta from the Bonferroni split of 1 - confidence over the k - 1 rivals of the best */
    double alpha = 1 - confidence, eta = 0.5 * (pow(2 * alpha / (k - 1), -2.0 / (n0 - 1)) - 1);
    kn->h2 = 2 * eta * (n0 - 1);
    kn->first = calloc((size_t)n0 * (size_t)k, sizeof *kn->first);
    kn->s2 = calloc((size_t)k * (size_t)k, sizeof *kn->s2);
    kn->sum = calloc((size_t)k, sizeof *kn->sum);
    kn->count = calloc((size_t)k, sizeof *kn->count);
    kn->out_at = calloc((size_t)k, sizeof *kn->out_at);
    kn->alive = calloc((size_t)k, 1);
    kn->was = calloc((size_t)k, 1);
    if (!kn->first || !kn->s2 || !kn->sum || !kn->count || !kn->out_at || !kn->alive || !kn->was) {
        tc_kn_destroy(kn);
        return NULL;
    }
    for (int i = 0; i < k; i++)
        kn->alive[i] = 1;
    return kn;
}

void tc_kn_destroy(tc_kn *kn)
{
    if (!kn)
        return;
    free(kn->first);
    free(kn->s2);
    free(kn->sum);
    free(kn->count);
    free(kn->out_at);
    free(kn->alive);
    free(kn->was);
    free(kn);
}

static void first_stage_variances(tc_kn *kn)
{
    int k = kn->k, n0 = kn->n0;
    for (int i = 0; i < k; i++)
        for (int l = i + 1; l < k; l++) {
            double mean = (kn->sum[i] - kn->sum[l]) / n0, ss = 0;
            for (int j = 0; j < n0; j++) {
                double d = kn->first[(size_t)j * k + i] - kn->first[(size_t)j * k + l] - mean;
                ss += d * d;
            }
            kn->s2[(size_t)i * k + l] = kn->s2[(size_t)l * k + i] = ss / (n0 - 1);
        }
}

/* One screening at the current stage r, over the systems alive before it. */
static void screen(tc_kn *kn)
{
    int k = kn->k;
    double r = (double)kn->stage, d = kn->delta;
    char *was = kn->was;
    for (int i = 0; i < k; i++)
        was[i] = kn->alive[i];
    for (int i = 0; i < k; i++) {
        if (!was[i])
            continue;
        for (int l = 0; l < k; l++) {
            if (l == i || !was[l])
                continue;
            double w = fmax(0, d / (2 * r) * (kn->h2 * kn->s2[(size_t)i * k + l] / (d * d) - r));
            if (kn->sum[i] / r > kn->sum[l] / r + w) { /* i is worse than l beyond the boundary */
                kn->alive[i] = 0;
                kn->out_at[i] = kn->stage;
                kn->n_alive--;
                break;
            }
        }
    }
}

int tc_kn_add(tc_kn *kn, const double *x)
{
    if (kn->done)
        return kn->n_alive;
    int k = kn->k;
    for (int i = 0; i < k; i++) {
        if (!kn->alive[i])
            continue;
        if (kn->stage < kn->n0)
            kn->first[(size_t)kn->stage * k + i] = x[i];
        kn->sum[i] += x[i];
        kn->count[i]++;
    }
    kn->stage++;
    if (kn->stage < kn->n0)
        return kn->n_alive;
    if (kn->stage == kn->n0)
        first_stage_variances(kn);
    screen(kn);
    kn->done = kn->n_alive == 1 || kn->stage >= kn->max_stage;
    return kn->n_alive;
}

int tc_kn_done(const tc_kn *kn)
{
    return kn->done;
}

int tc_kn_selected(const tc_kn *kn, int *guaranteed)
{
    int best = -1;
    for (int i = 0; kn->done && i < kn->k; i++)
        if (kn->alive[i] && (best < 0 || kn->sum[i] < kn->sum[best]))
            best = i;
    if (guaranteed)
        *guaranteed = kn->done && kn->n_alive == 1;
    return best;
}

long tc_kn_stage(const tc_kn *kn)
{
    return kn->stage;
}

int tc_kn_alive(const tc_kn *kn, int i)
{
    return kn->alive[i];
}

long tc_kn_count(const tc_kn *kn, int i)
{
    return kn->count[i];
}

long tc_kn_eliminated_at(const tc_kn *kn, int i)
{
    return kn->out_at[i];
}

double tc_kn_mean(const tc_kn *kn, int i)
{
    return kn->count[i] ? kn->sum[i] / (double)kn->count[i] : NAN;
}

double tc_kn_h2(const tc_kn *kn)
{
    return kn->h2;
}

double tc_kn_first_variance(const tc_kn *kn, int i)
{
    int n0 = kn->n0, k = kn->k;
    if (kn->stage < n0)
        return NAN;
    double mean = 0, ss = 0;
    for (int j = 0; j < n0; j++)
        mean += kn->first[(size_t)j * k + i];
    mean /= n0;
    for (int j = 0; j < n0; j++) {
        double d = kn->first[(size_t)j * k + i] - mean;
        ss += d * d;
    }
    return ss / (n0 - 1);
}

void tc_kn_mcb(const tc_kn *kn, int i, double *lo, double *hi)
{
    double best_other = INFINITY;
    for (int l = 0; l < kn->k; l++)
        if (l != i && kn->count[l] > 0)
            best_other = fmin(best_other, tc_kn_mean(kn, l));
    double d = tc_kn_mean(kn, i) - best_other;
    *lo = fmin(0, d - kn->delta);
    *hi = fmax(0, d + kn->delta);
}

/* ---- Rinott's constant ---------------------------------------------------- */

typedef struct rinott {
    double h, nu, y;
    double log_norm; /* log of the chi-square density's constant, once: lgamma per point dominated */
    int k;
    gsl_integration_workspace *inner_ws;
} rinott;

static double chisq_pdf(const rinott *r, double x)
{
    return exp((r->nu / 2 - 1) * log(x) - x / 2 - r->log_norm);
}

static double inner_integrand(double x, void *p)
{
    const rinott *r = p;
    if (x <= 0)
        return 0;
    return gsl_cdf_ugaussian_P(r->h / sqrt(r->nu * (1 / x + 1 / r->y))) * chisq_pdf(r, x);
}

static double outer_integrand(double y, void *p)
{
    rinott *r = p;
    if (y <= 0)
        return 0;
    r->y = y;
    gsl_function f = {inner_integrand, r};
    double inner = 0, abserr = 0;
    gsl_integration_qagiu(&f, 0, 1e-11, 1e-9, 1000, r->inner_ws, &inner, &abserr);
    return pow(inner, r->k - 1) * chisq_pdf(r, y);
}

static double rinott_pcs(rinott *r, gsl_integration_workspace *ws, double h)
{
    r->h = h;
    gsl_function f = {outer_integrand, r};
    double v = NAN, abserr = 0;
    if (gsl_integration_qagiu(&f, 0, 1e-10, 1e-8, 1000, ws, &v, &abserr) != GSL_SUCCESS)
        return NAN;
    return v;
}

double tc_rinott_h(int k, int n0, double confidence)
{
    if (k < 2 || n0 < 2 || !(confidence > 0 && confidence < 1))
        return NAN;
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    rinott r = {.nu = n0 - 1, .k = k, .inner_ws = gsl_integration_workspace_alloc(1000)};
    r.log_norm = r.nu / 2 * log(2.0) + lgamma(r.nu / 2);
    gsl_integration_workspace *ws = gsl_integration_workspace_alloc(1000);
    double lo = 0, hi = 1, h = NAN;
    if (ws && r.inner_ws) {
        while (hi < 64 && rinott_pcs(&r, ws, hi) < confidence) /* the PCS grows with h */
            hi *= 2;
        int failed = hi >= 64;
        for (int it = 0; hi - lo > 1e-7 && !failed; it++) { /* h to 7 digits, far below its use */
            double mid = 0.5 * (lo + hi), p = rinott_pcs(&r, ws, mid);
            failed = isnan(p);
            if (p < confidence)
                lo = mid;
            else
                hi = mid;
        }
        h = failed ? NAN : 0.5 * (lo + hi);
    }
    gsl_integration_workspace_free(ws);
    gsl_integration_workspace_free(r.inner_ws);
    gsl_set_error_handler(old);
    return h;
}
