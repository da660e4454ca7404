/*
 * cli_twin.h - what `serve` and `replay` share: the options, the trigger
 * rules (debounce after significant events, an interval for the others),
 * and the epoch: settle the twin, snapshot, broadcast, run the ensemble on
 * every rank (abandoned when a newer state arrives), write, publish, commit.
 */
#ifndef TWINCAST_CLI_TWIN_H
#define TWINCAST_CLI_TWIN_H

#include <mpi.h>

#include "twincast/broadcast.h"
#include "twincast/model.h"
#include "twincast/twin.h"

typedef struct twin_opts {
    const char *model, *out, *horizon, *bin_width;
    const char *scen[64];
    int nscen, quiet, threads;
    long n, seed;
    double debounce, interval; /* seconds */
} twin_opts;

/* Where events come from: Kafka (serve) or a file (replay). */
typedef struct twin_source {
    char *(*offsets_json)(void *self); /* offsets of every event offered so far */
    int (*newer)(void *self);          /* a significant event arrived since the snapshot */
    void (*publish)(void *self, const char *json, size_t len);
    void (*commit)(void *self, const char *offsets_json);
    void (*dead_letter)(void *self, const char *raw, size_t len, const char *reason);
    long (*transport_errors)(void *self); /* broker errors so far (outages), or NULL */
    void *self;
} twin_source;

typedef struct twin_run {
    int rank, size;
    twin_opts o;
    tc_model *m;
    tc_twin *twin;
    tc_job job;
    twin_source src;
    int epochs_done, epochs_superseded;
    long applied_at_epoch;             /* twin counters when the last epoch was taken */
    double debounce_due, interval_due; /* NAN: none */
    double t0;
    char err[1024];
} twin_run;

/* Options common to serve and replay; returns 1 if it consumed argv[*i] (and its value). */
int twin_opt(twin_opts *o, int c, const char *arg, const char **bad);
/* The long options twin_opt() handles (short ones: "n:o:q"); serve and
 * replay list these first, then their own. */
#define TWIN_LONGOPTS                                                                                        \
    {"replications", required_argument, 0, 'n'}, {"output", required_argument, 0, 'o'},                      \
        {"quiet", no_argument, 0, 'q'}, {"horizon", required_argument, 0, 300},                              \
        {"bin-width", required_argument, 0, 301}, {"seed", required_argument, 0, 302},                       \
        {"threads", required_argument, 0, 303}, {"scenario", required_argument, 0, 304},                     \
        {"debounce", required_argument, 0, 305},                                                             \
    {                                                                                                        \
        "interval", required_argument, 0, 306                                                                \
    }
void twin_opts_default(twin_opts *o);

/* Rank 0: loads the model, checks the output; all ranks: receive the model. */
int twin_init(twin_run *tr);
/* Rank 0: one raw message in, at time `now` (event time for replay, wall time for serve). */
void twin_offer(twin_run *tr, const char *raw, size_t len, double now);
/* Rank 0: is an epoch due at `now`?  When is the next one due (NAN: none)? */
int twin_due(const twin_run *tr, double now);
double twin_next_due(const twin_run *tr);
/* Rank 0: something was offered since the last epoch. */
int twin_dirty(const twin_run *tr);
/* Rank 0: runs an epoch with all ranks.  TC_OK even if superseded. */
int twin_fire(twin_run *tr);
/* Ranks > 0: serve epochs until rank 0 says stop. */
int twin_worker(twin_run *tr);
/* Rank 0: tells the workers to stop. */
void twin_stop(twin_run *tr);
void twin_free(twin_run *tr);

#endif
