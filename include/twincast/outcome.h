/*
 * outcome.h - what happened after each forecast.  The live twin watches
 * every station of each epoch's baseline forecast: the outcome is the first
 * time after the epoch's as_of at which the station's live waiting line
 * reached its threshold, censored at the horizon or where the data end.
 * Once known, the forecast is scored (skill.h) and the row waits to be
 * written to the file's /skill table.
 *
 * Rank 0's switchboard owns it (tc_twin_on_apply); single-threaded.
 */
#ifndef TWINCAST_OUTCOME_H
#define TWINCAST_OUTCOME_H

#include <stdint.h>

#include "twincast/model.h"
#include "twincast/skill.h"

typedef struct tc_outcomes tc_outcomes;

/*
 * leads: the Brier scores' lead times in the model's unit; each row also
 * scores "within the horizon", as its last lead.  NULL: out of memory.
 */
tc_outcomes *tc_outcomes_create(const tc_model *m, const double *leads, int n_leads, uint32_t seed);
void tc_outcomes_destroy(tc_outcomes *o);

/*
 * Watches an epoch's forecast from `at` (seconds since the epoch) for
 * `horizon` (model unit): onsets[r * S + s] as the replications gave them;
 * waiting[s] the lines at `at` (a line at its threshold already is an onset
 * at 0).  -1: out of memory.
 */
int tc_outcomes_watch(tc_outcomes *o, int epoch, const char *as_of, double at, double horizon,
                      const double *onsets, long R, const int *waiting);
/* The twin applied an event (a tc_twin_watch_fn): a line's new length at ts, or only time passing. */
void tc_outcomes_observe(void *outcomes, int station, int waiting, double ts);
/* The data end at ts: what is still watched is scored as censored there. */
void tc_outcomes_finish(tc_outcomes *o, double ts);
/* Forecasts being watched. */
int tc_outcomes_watching(const tc_outcomes *o);
/* Rows scored and not yet taken. */
int tc_outcomes_scored(const tc_outcomes *o);
/* The rows scored since the last call (malloc'd, the caller frees); their count. */
int tc_outcomes_take(tc_outcomes *o, tc_skill_row **rows);

#endif
