/*
 * emulate.h - a plant to test a twin against: one long replication of a
 * "true" model (with parameters that may drift at given times), written as
 * the telemetry a real plant sends - the event schema the switchboard reads,
 * with unique job ids and products, each stamped with when it happens.
 */
#ifndef TWINCAST_EMULATE_H
#define TWINCAST_EMULATE_H

#include <stdio.h>

#include "twincast/status.h"

#define TC_EMULATE_MAX_DRIFTS 64

typedef struct tc_emulate_opts {
    const char *model; /* the true plant */
    const char *start; /* ISO-8601 with a zone; NULL: the model's start, else now */
    const char *days;  /* how long, a duration ("20d", "36h"); NULL with until NULL: one day */
    const char *until; /* or until when (ISO) */
    long seed;         /* -1: the model's */
    int n_drifts;
    const char *drift[TC_EMULATE_MAX_DRIFTS]; /* "B.process.mean=2.3@2026-12-08T10:00:00Z" */
} tc_emulate_opts;

void tc_emulate_opts_default(tc_emulate_opts *o);
/*
 * Runs the plant and writes one JSON event per line to out.  TC_ERR_INPUT
 * (with the reason, naming the option or file) on bad input; *events is the
 * number written.
 */
tc_status tc_emulate_run(const tc_emulate_opts *o, FILE *out, long *events, char *err, size_t errlen);

#endif
