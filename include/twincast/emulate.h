/*
 * emulate.h - a plant to test a twin against: one long replication of a
 * "true" model (with parameters that may drift at given times), written as
 * the telemetry a real plant sends - the event schema the switchboard reads,
 * with unique job ids and products, each stamped with when it happens.
 */
#ifndef TWINCAST_EMULATE_H
#define TWINCAST_EMULATE_H

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
    /*
     * What real telemetry suffers, "dup=0.01,late=0.02,drop=0.005,late_max=5s":
     * each event is dropped, or held back and sent after later ones (by up to
     * late_max of plant time, default 5 s), or sent twice, with these
     * probabilities.  With noise every event carries an id (as producers'
     * retries do), so the switchboard can tell a duplicate.  NULL: none.
     */
    const char *noise;
} tc_emulate_opts;

void tc_emulate_opts_default(tc_emulate_opts *o);

/*
 * Where the events go: one JSON line (no newline) stamped ts (seconds since
 * the epoch), keyed by its station (a Kafka key keeps a station's events in
 * one partition, in order); non-zero: stop.
 */
typedef int (*tc_emulate_sink)(void *user, double ts, const char *key, const char *line, size_t len);

/* What was sent; the faults injected. */
typedef struct tc_emulate_counts {
    long events; /* the plant's events */
    long sent;   /* lines sent: events - dropped + duplicated */
    long duplicated, delayed, dropped;
} tc_emulate_counts;

/*
 * Runs the plant and sends one JSON event per line.  TC_ERR_INPUT (with the
 * reason, naming the option or file) on bad input; TC_ERR_RUNTIME when the
 * sink fails.
 */
tc_status tc_emulate_run(const tc_emulate_opts *o, tc_emulate_sink sink, void *user,
                         tc_emulate_counts *counts, char *err, size_t errlen);

#endif
