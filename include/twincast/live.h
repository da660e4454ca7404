/*
 * live.h - the live twin's epoch loop, as a library: one loop for `serve`
 * (a Kafka consumer, the wall clock) and `replay` (a recorded event log,
 * the events' own time).
 *
 * Rank 0 owns the twin.  Messages from the source are offered to the
 * switchboard; an epoch is due a debounce window after a significant event
 * (down, up, set), or an interval after any other.  An epoch: settle the
 * queued events in timestamp order, snapshot the state, broadcast it, run
 * the ensemble on every rank (abandoned when a newer significant event
 * arrives), write the epoch, publish the forecast message, and only then
 * commit the source's offsets: the commit always follows the durable write.
 * Ranks other than 0 serve epochs until rank 0 stops them.
 *
 * Lifecycle: tc_live_create (every rank; loads and checks on rank 0),
 * tc_live_resume (rank 0, optional), tc_live_run (every rank),
 * tc_live_destroy.
 */
#ifndef TWINCAST_LIVE_H
#define TWINCAST_LIVE_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include <mpi.h>

#include "twincast/decide.h"
#include "twincast/forecast.h"
#include "twincast/ingest.h"
#include "twincast/twin.h"

typedef struct tc_live_opts {
    tc_forecast_opts forecast;    /* model, output, horizon, scenarios, count, seed, threads */
    double debounce, interval;    /* seconds (of the clock in use) */
    int on_shift_change;          /* also re-forecast at each of the calendar's changes (shifts, breaks,
                                     maintenance), as of that time, even if no event arrived */
    double idle;                  /* < 0: run until the source ends; else stop after this long
                                     without a message once all is forecast (wall clock) */
    int quiet;                    /* no progress lines on stderr */
    int no_score;                 /* do not score forecasts against outcomes (/skill) */
    const char *score_leads;      /* "30min,1h": Brier scores also within these leads (the horizon always) */
    const tc_decide_opts *decide; /* after each completed epoch, decide among the model's responses from
                                     the same state (decide.h): the message's `recommendation` and the
                                     file's /decisions/<epoch>; NULL: no decisions */
} tc_live_opts;

void tc_live_opts_default(tc_live_opts *o);

/* What next() gives. */
enum { TC_LIVE_END = -1, TC_LIVE_NONE = 0, TC_LIVE_MESSAGE = 1, TC_LIVE_OVERSIZED = 2 };

/*
 * Where events come from, and where forecasts go.  Every function but
 * next may be NULL.
 */
typedef struct tc_live_source {
    /* The next message, waiting at most `wait` seconds: TC_LIVE_MESSAGE (*msg
     * valid until the next call), TC_LIVE_NONE, TC_LIVE_OVERSIZED (skipped,
     * counted), or TC_LIVE_END (the source is exhausted, or asked to stop). */
    int (*next)(void *self, const char **msg, size_t *len, double wait);
    char *(*offsets_json)(void *self); /* offsets of every message taken so far (malloc'd) */
    int (*newer)(void *self);          /* a significant event arrived since the last offsets_json */
    void (*publish)(void *self, const char *json, size_t len);
    void (*commit)(void *self, const char *offsets_json);
    void (*dead_letter)(void *self, const char *raw, size_t len, const char *reason);
    long (*transport_errors)(void *self); /* broker errors so far */
    void *self;
} tc_live_source;

/* The clock that decides when epochs are due. */
typedef enum tc_live_clock {
    TC_LIVE_WALL_CLOCK, /* seconds of the machine's monotonic clock (serve) */
    TC_LIVE_EVENT_TIME  /* the events' own timestamps: deterministic (replay) */
} tc_live_clock;

typedef struct tc_live tc_live;

/*
 * Every rank of comm.  Rank 0 loads the model, checks the options and the
 * output; the others receive the model.  The status is agreed by all.
 */
tc_status tc_live_create(const tc_live_opts *o, MPI_Comm comm, tc_live **out, char *err, size_t errlen);
/*
 * Rank 0, before tc_live_run: the twin as of the output file's last
 * completed epoch, if the file exists.  *offsets (malloc'd, or NULL) are
 * the offsets that state reflects: where the source resumes.
 */
tc_status tc_live_resume(tc_live *lv, char **offsets, char *err, size_t errlen);
/*
 * Every rank: rank 0 runs the loop over the source until it ends, then
 * stops the workers (also after a failure); the others serve epochs.  On
 * rank 0, src NULL only releases the workers (a set-up step failed).
 */
tc_status tc_live_run(tc_live *lv, tc_live_source *src, tc_live_clock clock, char *err, size_t errlen);
void tc_live_destroy(tc_live *lv);

/*
 * Sources.  A recorded event log, one JSON message per line (blank lines
 * skipped); offsets are {"PATH": lines read}.  Forecast messages are
 * printed to `out` (NULL: not at all).
 */
tc_status tc_live_file_open(tc_live_source *src, const char *path, FILE *out, char *err, size_t errlen);
long tc_live_file_lines(const tc_live_source *src);
void tc_live_file_close(tc_live_source *src);
/*
 * A Kafka consumer (see ingest.h): offsets committed after each epoch,
 * forecasts to forecast_topic (keyed by `key`), skipped messages to
 * dlq_topic (NULL: none).  It ends when *stop becomes nonzero, which also
 * abandons a running epoch.
 */
tc_status tc_live_kafka_open(tc_live_source *src, tc_ingest *in, const char *forecast_topic,
                             const char *dlq_topic, const char *key, const volatile sig_atomic_t *stop,
                             char *err, size_t errlen);
void tc_live_kafka_close(tc_live_source *src);

/* Rank 0, after the run: what it did. */
const tc_twin_counters *tc_live_counters(const tc_live *lv);
const tc_model *tc_live_model(const tc_live *lv);
int tc_live_epochs_done(const tc_live *lv);
int tc_live_epochs_superseded(const tc_live *lv);

#endif
