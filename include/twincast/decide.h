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

/* What a decision compares and how, checked (tc_decide_plan_make); the same on every rank. */
typedef struct tc_decide_plan {
    int k;                            /* responses compared */
    int idx[TC_DECIDE_MAX_RESPONSES]; /* their indices in the model */
    double delta, confidence;
    long n0, max_replications;
} tc_decide_plan;

/* Rank 0: the plan the options give for a loaded model; TC_ERR_INPUT naming the option or key. */
tc_status tc_decide_plan_make(const tc_decide_opts *o, const tc_model *m, tc_decide_plan *p, char *err,
                              size_t errlen);

/* The decision (store.h keeps it in the file as /decisions/NNNNNN). */
typedef tc_decision_choice tc_decide_choice;
typedef tc_decision tc_decide_result;

/*
 * Every rank of comm: the decision the options describe.  On rank 0, *res
 * holds it.  TC_ERR_INPUT for bad input (nothing run), TC_ERR_RUNTIME for a
 * failure; every rank returns the same status.
 */
tc_status tc_decide_run(const tc_decide_opts *o, MPI_Comm comm, tc_decide_result *res, char *err,
                        size_t errlen);
/*
 * Every rank: the decision for a job every rank holds (its model loaded,
 * the state in the job's text: the live twin's epoch), with the plan.
 */
tc_status tc_decide_job(const tc_model *m, const tc_job *job, const tc_decide_plan *plan, MPI_Comm comm,
                        tc_decision *res, char *err, size_t errlen);
/* The recommendation as a JSON object (malloc'd), as `decide --format json` prints it. */
char *tc_decide_json(const tc_decide_result *res);

#endif
