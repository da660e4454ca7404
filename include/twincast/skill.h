/*
 * skill.h - how good were the forecasts, once what happened is known: the
 * scores of one epoch's onset forecast against the realized onset, and
 * their aggregates over many epochs.  An onset forecast is the ensemble of
 * onset times (NaN: not formed within the horizon H); an outcome is the
 * realized onset, or "not by H" (censored).
 *
 * Numbers in, numbers out: nothing here knows the twin or the engine.
 */
#ifndef TWINCAST_SKILL_H
#define TWINCAST_SKILL_H

/*
 * The PIT of the outcome within the ensemble: F(y-) + u (F(y) - F(y-))
 * with F the ensemble's empirical CDF (members not formed lie beyond H) and
 * u in [0, 1) from the caller (randomizing ties); a censored outcome (no
 * onset by H) is uniform over [F(H), 1].  Uniform over epochs when the
 * forecasts are calibrated.
 */
double tc_skill_pit(const double *onsets, int n, double outcome, int censored, double horizon, double u);

/*
 * The CRPS of the ensemble against the outcome, both censored at H:
 * integral over [0, H] of (F(x) - 1{y <= x})^2.  In the onsets' unit;
 * lower is better; 0 for an ensemble that was exactly right.
 */
double tc_skill_crps(const double *onsets, int n, double outcome, int censored, double horizon);

/* The probability the ensemble gives to "forms within lead L" (members with onset <= L). */
double tc_skill_prob_within(const double *onsets, int n, double lead);

/* Brier score over pairs (forecast probability p, outcome o in {0, 1}), with Murphy's decomposition. */
typedef struct tc_brier {
    long n;
    double score;                                /* mean (p - o)^2 */
    double reliability, resolution, uncertainty; /* score = reliability - resolution + uncertainty */
} tc_brier;
/*
 * Each p falls to the nearest of `bins` levels 0, 1/(bins-1), ..., 1 (an
 * ensemble of R members: bins = R + 1); the decomposition is exact when
 * every p is one of them.
 */
tc_brier tc_skill_brier(const double *p, const int *o, long n, int bins);

/* Pearson's chi-square test of PIT values against uniform on `bins` equal bins: the p-value. */
double tc_skill_pit_uniformity(const double *pit, long n, int bins);

#endif
