/* model_internal.h - shared by the model's own files (model.c, model_load.c, model_calendar.c). */
#ifndef TWINCAST_MODEL_INTERNAL_H
#define TWINCAST_MODEL_INTERNAL_H
#include "doc.h"
#include "twincast/model.h"

/* The state of one model read. */
typedef struct tc_loader {
    tc_doc d;
    tc_model *m;
    int owned_cap;
    int cap_steps, cap_alts;
} tc_loader;

int tc_model_build_registry_(tc_model *m);
/* Zeroed memory freed with the model; NULL when memory runs out. */
void *tc_model_own_(tc_loader *L, size_t size);
/* The model's calendar keys (calendars, schedule, at_close, breaks, failure.clock, rate,
 * maintenance), once the stations and sources are read; -1 after an error in L->d. */
int tc_model_calendar_parse_(tc_loader *L, tc_node *root);
/* The `calibration:` block, once stations and sources are read; -1 after an error in L->d. */
int tc_model_calibration_parse_(tc_loader *L, tc_node *root);
/* One timed change of a scenario or response ({at, set, value} | {at, up} | {at, down}). */
int tc_model_parse_change_(tc_loader *L, tc_node *c, const char *what, tc_plant *scratch, tc_change *out);
/* `responses:` and `objective:`, once the registry is built; -1 after an error in L->d. */
int tc_model_decision_parse_(tc_loader *L, tc_node *root);
#endif
