/*
 * forecast.h - one forecast job on an MPI communicator, as a library call.
 *
 * Rank 0 reads and checks the model, the state, the scenarios and the
 * output (so bad input fails at once), then broadcasts one packed job;
 * every rank runs a contiguous share of the replication indices on OpenMP
 * threads, a round at a time; rank 0 gathers each round's rows in
 * replication order, adds them to its running summaries (tally.h) and
 * streams them into the file, while the per-bin bands are summed over
 * threads and a tree of ranks (bands.h).  So rank 0 holds one round of
 * rows, the onsets and the bands, whatever the replication count.  Any
 * split of ranks and threads gives bit-identical results.
 *
 * Three levels, for three kinds of caller:
 *  - tc_forecast_run: the whole `twincast forecast` (with --precision batches);
 *  - tc_forecast_replicate: the replications of one broadcast job, which
 *    rank 0 may abandon (the live twin's epochs);
 *  - tc_forecast_write_epoch: samples and summaries into one epoch of the
 *    file (forecast, merge and the live twin all write through it).
 * Nothing here prints; progress goes to a callback, failures to err.
 */
#ifndef TWINCAST_FORECAST_H
#define TWINCAST_FORECAST_H

#include <stddef.h>

#include <mpi.h>

#include "twincast/broadcast.h"
#include "twincast/model.h"
#include "twincast/state.h"
#include "twincast/store.h"
#include "twincast/summary.h"

#define TC_FORECAST_MAX_SCENARIOS 64

typedef struct tc_forecast_opts {
    const char *model; /* MODEL.yaml, read on rank 0 */
    const char *state; /* STATE.json, or NULL: an empty, all-up plant */
    const char *scenarios[TC_FORECAST_MAX_SCENARIOS];
    int n_scenarios;   /* what-if scenarios besides the baseline */
    long replications; /* <= 0: the model's */
    double precision;  /* > 0: add replications until every onset-mean interval is this tight */
    long min_replications, max_replications; /* the first batch and the bound, with precision */
    const char *horizon, *bin_width;         /* duration text, or NULL: the model's */
    const char *start;                       /* ISO time simulated time 0 is, without a state's as_of;
                                                NULL: the model's start, else now */
    long seed;                               /* < 0: the model's */
    int threads;                             /* per rank; <= 0: OpenMP's default */
    int rank0_works;                         /* 0: rank 0 only coordinates (needs 2 ranks) */
    long expect_ranks;                       /* > 0: fail unless the communicator has this many */
    const char *output;                      /* OUT.h5 to append an epoch to, or NULL */
    tc_keep keep;                            /* per-replication datasets: all (default) or none */
    long round;                              /* replications per streamed round (0: about 4 MB of rows);
                                                results never depend on it */
    /* called on rank 0 between replications: scenario, done and planned on rank 0 */
    void (*progress)(void *user, const char *scenario, long done, long planned, int ranks);
    void *progress_user;
} tc_forecast_opts;

void tc_forecast_opts_default(tc_forecast_opts *o);

/* What a forecast gives rank 0. */
typedef struct tc_forecast_result {
    tc_forecast_view *view; /* every scenario's summary, for printing; NULL if none was made */
    long replications;
    int scenarios, ranks, threads;
    const char *stop_reason; /* "fixed", "precision reached", "maximum replications" */
    int epoch;               /* the epoch written, 0 without an output */
    double seconds;          /* from the call until the file was closed */
    double t_setup, t_replications, t_statistics, t_written; /* phase ends, seconds from the call */
    double bytes_job;               /* the job each rank received (O(state + model)) */
    double bytes_rows, bytes_bands; /* what rank 0 received: rows O(R x S), bands O(bins x S x log P) */
    double t_tally;                 /* rank 0's serial work on the rounds: the tallies */
    double t_rows,
        t_rows_waited; /* rows into the file (on a thread of their own), and rank 0's wait for them */
} tc_forecast_result;

/*
 * Every rank of comm: runs the forecast the options describe.  On rank 0,
 * *res holds the outcome.  Returns the status every rank agrees on:
 * TC_ERR_INPUT for bad input (nothing run, the file untouched),
 * TC_ERR_RUNTIME for a failure (a failed rank included: nothing written).
 */
tc_status tc_forecast_run(const tc_forecast_opts *o, MPI_Comm comm, tc_forecast_result *res, char *err,
                          size_t errlen);
void tc_forecast_result_clear(tc_forecast_result *res);

/*
 * Rank 0: the job the options describe for a loaded model: horizon, bins,
 * seed, count, threads, scenarios (checked), the model's text.  The state
 * is left to the caller.  TC_ERR_INPUT names the bad option.
 */
tc_status tc_forecast_prepare_job(const tc_forecast_opts *o, const tc_model *m, int nranks, tc_job *job,
                                  char *err, size_t errlen);

/* Rank 0 may abandon a run when a newer state makes it pointless. */
typedef struct tc_forecast_abandon {
    int (*newer)(void *user); /* rank 0, between replications: nonzero abandons */
    void *user;
    int run_id; /* tells this run's abandon message from an older run's */
} tc_forecast_abandon;

/*
 * Every rank: runs the broadcast job's replications [0, job->replications)
 * of the baseline and each scenario, from the job's state.  On rank 0,
 * samples[k] (k = 0 baseline, then job->scenarios) receives them in
 * replication order; the caller destroys them.  *abandoned is agreed by all
 * ranks; then no sample is made.
 */
tc_status tc_forecast_replicate(const tc_model *m, const tc_job *job, MPI_Comm comm, tc_forecast_abandon *ab,
                                tc_sample **samples, int *abandoned, char *err, size_t errlen);

/* One epoch's content, on rank 0. */
typedef struct tc_epoch_data {
    const tc_model *m;
    int n_scenarios;             /* 0: no data (a superseded epoch) */
    const char *const *scenario; /* [n]: "baseline" first */
    tc_sample *const *sample;    /* [n], or NULL when the rows were streamed: */
    long streamed;               /* > 0: replications whose rows went to tc_store_append_rows as they came
                                    (or, with TC_KEEP_NONE, nowhere) */
    tc_keep keep;
    tc_summary *const *summary; /* [n] */
    double bin_width;
    const double *time;            /* [T] bin centres, or NULL: from the horizon and bin_width */
    double started;                /* MPI_Wtime() when the run began: wall_seconds then counts to the
                                      end of the write; NAN: info's wall_seconds as given */
    const tc_timetable *timetable; /* the run's calendar (scheduled_servers), or NULL */
    const tc_decision *decision;   /* the epoch's decision (serve --decide): /decisions/<epoch>; or NULL */
} tc_epoch_data;

/* Summaries of n scenarios' samples (paired differences to samples[0]). */
tc_status tc_forecast_summarise(tc_sample *const *samples, int n, tc_summary **sums, char *err,
                                size_t errlen);
/*
 * Appends one epoch to an open store (NULL: nothing is written and *epoch
 * is left alone): the scenarios, then the attributes.
 */
tc_status tc_forecast_write_epoch(tc_store *store, const tc_epoch_data *d, const tc_epoch_info *info,
                                  int *epoch, char *err, size_t errlen);

#endif
