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

/*
 * The PIT's bias: whether the mean of n PIT values is 0.5, as it is for
 * calibrated forecasts.  Forecasts issued less than `span` apart (times t,
 * ascending, any unit) overlap and are correlated: the mean's variance is
 * estimated with Bartlett weights 1 - |dt| / span (Newey-West), so every
 * forecast is used, not only a spaced subset.  Returns the two-sided
 * p-value; *z (if not NULL) the standardized bias, negative when outcomes
 * come earlier than forecast.
 */
double tc_skill_pit_bias(const double *pit, const double *t, long n, double span, double *z);

/* ---- one epoch's forecast of one station, scored ---------------------------------- */

#define TC_SKILL_LEADS_MAX 8

/* What happened, as far as the data tell. */
enum {
    TC_OUTCOME_DATA_ENDED = -1, /* no onset before the data ended, short of the horizon */
    TC_OUTCOME_NOT_FORMED = 0,  /* no onset within the horizon */
    TC_OUTCOME_FORMED = 1       /* an onset within the horizon */
};

typedef struct tc_skill_row {
    int epoch, station;
    char as_of[40];
    int outcome;             /* TC_OUTCOME_* */
    double onset;            /* the realized onset after as_of, in the forecast's unit; NaN: none seen */
    double observed_until;   /* how long after as_of the outcome was watched (the horizon, or less) */
    double pit, crps;        /* the PIT (randomized where censored or tied) and the censored CRPS */
    double p_form;           /* the ensemble's probability of an onset within the horizon */
    double band_lo, band_hi; /* the 90% prediction band as published: 5% and 95% quantiles of the
                                members that formed (NaN: none did) */
    int in_band;             /* a realized onset inside the band: 1, 0; -1: no onset to cover */
    double spread;           /* the ensemble's sd of onsets clipped at the horizon (not formed: at it) */
    long members;            /* the ensemble's size */
    int n_leads;
    double lead[TC_SKILL_LEADS_MAX];       /* the forecast's unit; the last is the horizon */
    double p_within[TC_SKILL_LEADS_MAX];   /* the forecast probability of an onset within each lead */
    int formed_within[TC_SKILL_LEADS_MAX]; /* 1, 0, or -1 (unknown: the data ended before the lead) */
    double brier[TC_SKILL_LEADS_MAX];      /* (p - o)^2; NaN when unknown */
} tc_skill_row;

/*
 * Scores one forecast (onsets of `n` members, NaN: not within the horizon)
 * against an outcome: `onset` (NaN: none) watched for `observed_until`
 * (<= horizon) after the forecast's start.  Leads are in the forecast's
 * unit; u in [0, 1) randomizes the PIT.  Fills every numeric field of row
 * except epoch, station and as_of.
 */
void tc_skill_score(const double *onsets, int n, double horizon, double onset, double observed_until,
                    const double *leads, int n_leads, double u, tc_skill_row *row);

#endif
