/*
 * decide.h - when something breaks, which response is best: the model's
 * `responses:` ranked by its `objective:` (lower is better) with a stated
 * probability of correct selection, as a library call on an MPI
 * communicator.
 *
 * Every rank runs a contiguous share of each batch's replication indices
 * for every response still in the race, on OpenMP threads; replication r
 * of every response uses the same random numbers (common random numbers).
 * Each replication's objective value goes to rank 0, which feeds them to
 * the KN procedure (select.h) one stage at a time, so the decisions, and
 * every figure reported, are bit-identical for any split of ranks and
 * threads and any batch size.  Nothing here prints.
 */
#ifndef TWINCAST_DECIDE_H
#define TWINCAST_DECIDE_H

#include <stddef.h>

#include <mpi.h>

#include "twincast/forecast.h"

#define TC_DECIDE_MAX_RESPONSES 64

typedef struct tc_decide_opts {
    tc_forecast_opts
        forecast; /* model, state, horizon, start, seed, threads, expect_ranks (scenarios unused) */
    const char *responses[TC_DECIDE_MAX_RESPONSES];
    int n_responses;       /* the candidates; 0: every response of the model */
    double delta;          /* the indifference zone; NaN: the objective's `delta` */
    double confidence;     /* the probability of correct selection; NaN: the objective's, else 0.95 */
    long n0;               /* the first stage; 0: 20 */
    long max_replications; /* per response; 0: 100,000 */
} tc_decide_opts;

void tc_decide_opts_default(tc_decide_opts *o);

typedef struct tc_decide_choice {
    char name[64];
    long replications;     /* used by the procedure (its observations) */
    long eliminated_at;    /* the stage at which it was eliminated; 0: it survived */
    double mean, lo, hi;   /* the objective's mean and its confidence interval (Student t, the same level) */
    double mcb_lo, mcb_hi; /* MCB: theta_i - min of the others, lower is better */
} tc_decide_choice;

typedef struct tc_decide_result {
    int n;                    /* responses compared */
    tc_decide_choice *choice; /* [n], in the order given */
    int selected;             /* index into choice */
    int guaranteed;           /* 0: stopped at --max-replications with several left, no guarantee */
    double delta, confidence;
    long n0, stages;       /* first stage; stages fed (the largest replication count) */
    long replications_run; /* every replication simulated, past the last decision included */
    double rinott;         /* what Rinott's two-stage procedure would need for the same guarantee */
    double rinott_h, kn_h2;
    double horizon;
    char time_unit[8];
    char as_of[64]; /* the start (the state's as_of, --start, or the model's start) */
    int ranks, threads;
    double seconds;
} tc_decide_result;

/*
 * Every rank of comm: the decision the options describe.  On rank 0, *res
 * holds it.  TC_ERR_INPUT for bad input (nothing run), TC_ERR_RUNTIME for a
 * failure; every rank returns the same status.
 */
tc_status tc_decide_run(const tc_decide_opts *o, MPI_Comm comm, tc_decide_result *res, char *err,
                        size_t errlen);
void tc_decide_result_clear(tc_decide_result *res);
/* The recommendation as a JSON object (malloc'd), as `decide --format json` prints it. */
char *tc_decide_json(const tc_decide_result *res);

#endif
