/*
 * score.h - `twincast score`: how good a twin's forecasts were, from the
 * /skill table serve and replay append (outcome.h).  Per station: the mean
 * censored CRPS, Brier scores within each lead with Murphy's decomposition,
 * the 90% band's coverage of realized onsets, and the PIT histogram's
 * uniformity on forecasts spaced at least `spacing` apart (overlapping
 * forecasts are correlated, which a chi-square test must not see).  Each
 * score is set against a reference forecast: the same model from an empty
 * plant, without the live state, for the same outcomes.
 *
 * Forecasts whose outcome the data cut short (outcome "data ended") are
 * counted but not scored.  The reference runs replications in-process
 * (MPI_COMM_SELF, OpenMP threads): MPI must be initialized.
 */
#ifndef TWINCAST_SCORE_H
#define TWINCAST_SCORE_H

#include "twincast/skill.h"
#include "twincast/status.h"

#define TC_SCORE_PIT_BINS_MAX 50

typedef struct tc_score_opts {
    const char *path;    /* FILE.h5 */
    const char *spacing; /* duration text; NULL: the horizon */
    const char *station; /* only this one; NULL: every station */
    int pit_bins;        /* <= 0: 10 */
    int reference;       /* run the empty-plant reference */
    int threads;         /* for the reference; <= 0: OpenMP's default */
} tc_score_opts;

void tc_score_opts_default(tc_score_opts *o);

typedef struct tc_station_score {
    const char *name;
    long forecasts, open;  /* rows, and those the data cut short */
    long scored, formed;   /* with a known outcome; of which the bottleneck formed */
    double crps, crps_ref; /* means over scored forecasts (the forecasts' unit) */
    int n_leads;
    double lead[TC_SKILL_LEADS_MAX]; /* the last is the horizon */
    tc_brier brier[TC_SKILL_LEADS_MAX], brier_ref[TC_SKILL_LEADS_MAX];
    long band_n, band_in; /* realized onsets, and those inside the 90% band */
    long spaced;          /* forecasts spaced at least `spacing` apart, for the PIT */
    int pit_bins;
    long pit_hist[TC_SCORE_PIT_BINS_MAX];
    double pit_mean, pit_p; /* the spaced PITs' mean and the chi-square uniformity p-value */
    double bias_mean, bias_z,
        bias_p;         /* every scored PIT's mean, its bias test (tc_skill_pit_bias, span = spacing) */
    double band_width;  /* mean width of the 90% band (of forecasts with one) */
    double spread;      /* mean ensemble spread (sd of onsets clipped at the horizon) */
    double pit_cover90; /* share of PITs in [0.05, 0.95]: the central 90% predictive interval's
                           coverage of what happened (0.9 when calibrated) */
} tc_station_score;

typedef struct tc_score_result {
    char unit[8];            /* the forecasts' time unit */
    double spacing, horizon; /* in that unit */
    int reference_runs;      /* empty-plant ensembles run (one per distinct start with a calendar) */
    int n;
    tc_station_score *station;
} tc_score_result;

/* Reads the file and scores; TC_ERR_INPUT: a bad file or option (err says which). */
tc_status tc_score_run(const tc_score_opts *o, tc_score_result *res, char *err, size_t errlen);
void tc_score_result_free(tc_score_result *res);

/* The skill score of a score against its reference's: 1 - s / ref (NaN when ref is 0). */
double tc_score_skill(double s, double ref);

#endif
