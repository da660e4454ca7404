/* model_internal.h - shared between model.c and model_load.c only. */
#ifndef TWINCAST_MODEL_INTERNAL_H
#define TWINCAST_MODEL_INTERNAL_H
#include "twincast/model.h"
int tc_model_build_registry_(tc_model *m);
#endif
