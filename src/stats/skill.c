/*
 * skill.c - scores of onset forecasts against what happened (see skill.h).
 * The CRPS of an ensemble censored at the horizon is computed in closed
 * form: clipping members and outcome at H makes the integral over [0, H]
 * the whole-line CRPS, E|X - y| - E|X - X'| / 2.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "twincast/skill.h"
#include "twincast/stats.h"

static int formed(double x, double horizon)
{
    return !isnan(x) && x <= horizon;
}

double tc_skill_pit(const double *onsets, int n, double outcome, int censored, double horizon, double u)
{
    if (n <= 0)
        return NAN;
    long below = 0, at = 0, within = 0;
    for (int i = 0; i < n; i++) {
        if (!formed(onsets[i], horizon))
            continue;
        within++;
        below += onsets[i] < outcome;
        at += onsets[i] == outcome;
    }
    if (censored || !(outcome <= horizon)) {
        double f = (double)within / n;
        return f + u * (1 - f);
    }
    return ((double)below + u * (double)at) / n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double tc_skill_crps(const double *onsets, int n, double outcome, int censored, double horizon)
{
    if (n <= 0)
        return NAN;
    double *x = malloc(sizeof *x * (size_t)n);
    if (!x)
        return NAN;
    double y = censored || !(outcome <= horizon) ? horizon : outcome, to_y = 0, spread = 0;
    for (int i = 0; i < n; i++)
        x[i] = formed(onsets[i], horizon) ? onsets[i] : horizon;
    qsort(x, (size_t)n, sizeof *x, cmp_double);
    for (int i = 0; i < n; i++) {
        to_y += fabs(x[i] - y);
        spread += (2.0 * i - n + 1) * x[i]; /* sum over pairs of |x_i - x_j|, halved */
    }
    free(x);
    return to_y / n - spread / ((double)n * n);
}

double tc_skill_prob_within(const double *onsets, int n, double lead)
{
    long k = 0;
    for (int i = 0; i < n; i++)
        k += !isnan(onsets[i]) && onsets[i] <= lead;
    return n > 0 ? (double)k / n : NAN;
}

tc_brier tc_skill_brier(const double *p, const int *o, long n, int bins)
{
    tc_brier b = {n, NAN, NAN, NAN, NAN};
    if (n <= 0 || bins < 2)
        return b;
    double *sum_p = calloc((size_t)bins, sizeof *sum_p), *sum_o = calloc((size_t)bins, sizeof *sum_o);
    long *count = calloc((size_t)bins, sizeof *count);
    if (!sum_p || !sum_o || !count) {
        free(sum_p), free(sum_o), free(count);
        return b;
    }
    double score = 0, obar = 0;
    for (long i = 0; i < n; i++) {
        long k = lround(p[i] * (bins - 1));
        k = k < 0 ? 0 : k >= bins ? bins - 1 : k;
        count[k]++;
        sum_p[k] += p[i];
        sum_o[k] += o[i];
        score += (p[i] - o[i]) * (p[i] - o[i]);
        obar += o[i];
    }
    obar /= (double)n;
    double rel = 0, res = 0;
    for (int k = 0; k < bins; k++) {
        if (!count[k])
            continue;
        double pk = sum_p[k] / (double)count[k], ok = sum_o[k] / (double)count[k];
        rel += (double)count[k] * (pk - ok) * (pk - ok);
        res += (double)count[k] * (ok - obar) * (ok - obar);
    }
    b.score = score / (double)n;
    b.reliability = rel / (double)n;
    b.resolution = res / (double)n;
    b.uncertainty = obar * (1 - obar);
    free(sum_p), free(sum_o), free(count);
    return b;
}

double tc_skill_pit_uniformity(const double *pit, long n, int bins)
{
    if (n <= 0 || bins < 2)
        return NAN;
    long *count = calloc((size_t)bins, sizeof *count);
    if (!count)
        return NAN;
    for (long i = 0; i < n; i++) {
        long k = (long)floor(pit[i] * bins);
        count[k < 0 ? 0 : k >= bins ? bins - 1 : k]++;
    }
    double expect = (double)n / bins, chi2 = 0;
    for (int k = 0; k < bins; k++)
        chi2 += (count[k] - expect) * (count[k] - expect) / expect;
    free(count);
    return gsl_cdf_chisq_Q(chi2, bins - 1);
}

double tc_skill_pit_bias(const double *pit, const double *t, long n, double span, double *z)
{
    double mean = 0, var = 0;
    if (z)
        *z = NAN;
    if (n < 2)
        return NAN;
    for (long i = 0; i < n; i++)
        mean += pit[i];
    mean /= (double)n;
    for (long i = 0; i < n; i++) {
        double di = pit[i] - mean;
        var += di * di;
        for (long j = i + 1; j < n && t[j] - t[i] < span; j++) /* t ascending: the window ends */
            var += 2 * (1 - (t[j] - t[i]) / span) * di * (pit[j] - mean);
    }
    var /= (double)n * (double)n;
    if (!(var > 0))
        return NAN;
    double zz = (mean - 0.5) / sqrt(var);
    if (z)
        *z = zz;
    return erfc(fabs(zz) / sqrt(2.0));
}

void tc_skill_score(const double *onsets, int n, double horizon, double onset, double observed_until,
                    const double *leads, int n_leads, double u, tc_skill_row *row)
{
    int formed_now = !isnan(onset) && onset <= observed_until && onset <= horizon;
    double until = observed_until < horizon ? observed_until : horizon;
    row->outcome = formed_now         ? TC_OUTCOME_FORMED
                   : until >= horizon ? TC_OUTCOME_NOT_FORMED
                                      : TC_OUTCOME_DATA_ENDED;
    row->onset = formed_now ? onset : NAN;
    row->observed_until = until;
    row->members = n;
    row->p_form = tc_skill_prob_within(onsets, n, horizon);
    /* censored at the end of what was watched: the scores use only [0, until] */
    row->pit = tc_skill_pit(onsets, n, row->onset, !formed_now, formed_now ? horizon : until, u);
    row->crps = tc_skill_crps(onsets, n, row->onset, !formed_now, formed_now ? horizon : until);
    double sum = 0, sum2 = 0;
    for (int i = 0; i < n; i++) {
        double c = formed(onsets[i], horizon) ? onsets[i] : horizon;
        sum += c;
        sum2 += c * c;
    }
    row->spread = n > 1 ? sqrt(fmax(0, (sum2 - sum * sum / n) / (n - 1))) : NAN;
    /* the band as published (summary.h): the 5% and 95% quantiles of the members that formed */
    double *x = n > 0 ? malloc(sizeof *x * (size_t)n) : NULL;
    long m = 0;
    row->band_lo = row->band_hi = NAN;
    row->in_band = -1; /* the band is of onsets given one forms: for realized onsets only */
    if (x) {
        for (int i = 0; i < n; i++)
            if (formed(onsets[i], horizon))
                x[m++] = onsets[i];
        qsort(x, (size_t)m, sizeof *x, cmp_double);
        row->band_lo = m ? tc_quantile_sorted(x, (size_t)m, 0.05) : NAN;
        row->band_hi = m ? tc_quantile_sorted(x, (size_t)m, 0.95) : NAN;
        if (formed_now)
            row->in_band = m > 0 && row->band_lo <= onset && onset <= row->band_hi;
        free(x);
    }
    row->n_leads = n_leads < TC_SKILL_LEADS_MAX ? n_leads : TC_SKILL_LEADS_MAX;
    for (int k = 0; k < row->n_leads; k++) {
        double lead = row->lead[k] = leads[k] < horizon ? leads[k] : horizon;
        row->p_within[k] = tc_skill_prob_within(onsets, n, lead);
        row->formed_within[k] = formed_now && onset <= lead ? 1 : until >= lead ? 0 : -1;
        double o = row->formed_within[k];
        row->brier[k] = o >= 0 ? (row->p_within[k] - o) * (row->p_within[k] - o) : NAN;
    }
}
