/*
 * replicate.h - inside the ensemble stage: what every rank holds while a
 * job's replications run, shared by the forecast (batches) and
 * tc_forecast_replicate (one abandonable run).
 */
#ifndef TWINCAST_REPLICATE_H
#define TWINCAST_REPLICATE_H

#include "twincast/ensemble.h"
#include "twincast/forecast.h"

/* What every rank holds while a job runs. */
typedef struct ensemble {
    int rank, size;
    MPI_Comm comm;
    const tc_model *m;
    const tc_job *job;
    const tc_state *state;
    tc_run_cfg cfg;
    tc_timetable *timetable;     /* the model's calendar from the start, or NULL */
    int nsc;                     /* baseline + scenarios */
    const tc_scenario **sc;      /* [nsc], NULL for the baseline */
    tc_sample **local, **global; /* [nsc]; global on rank 0 only */
    long total;                  /* replications gathered so far */
    /* rank 0 streaming (a forecast): each round's rows go here, in replication order, and global
       holds one round at a time (its bands add up over all); NULL: global keeps every row */
    int (*on_round)(void *user, int scenario, tc_sample *rows, long first, char *err, size_t errlen);
    void *round_user;
    long round;                     /* replications per round while streaming */
    double bytes_rows, bytes_bands; /* what rank 0 received from the other ranks (the cost model) */
    tc_forecast_abandon *abandon;   /* or NULL */
    int abandon_sent;
    /* rank 0's progress report */
    void (*progress)(void *user, const char *scenario, long done, long planned, int ranks);
    void *progress_user;
    const char *progress_scenario;
    long progress_planned; /* rank 0's replications in the whole batch, all scenarios */
    long progress_base;    /* .. of which done in the batch's earlier rounds and scenarios */
    char progress_label[64];
} ensemble;

/* Other ranks: the model and state of a broadcast job, from its texts. */
int tc_job_load(const tc_job *j, tc_model **m, tc_state **state, char *err, size_t errlen);
/* Allocates the samples; TC_ERR_RUNTIME when memory runs out. */
int tc_ensemble_init(ensemble *e, const tc_model *m, const tc_job *job, const tc_state *state, MPI_Comm comm);
void tc_ensemble_free(ensemble *e);
/*
 * Runs this rank's share of replications [first, first + count) of every
 * scenario, then, unless a rank failed or the run was abandoned, gathers
 * them into rows [first, ...) of rank 0's samples (streaming: in rounds of
 * e->round, each handed to on_round).  The status is agreed by every rank;
 * a failing rank's err names it, rank 0's says a rank failed.
 */
int tc_ensemble_batch(ensemble *e, long first, long count, int *abandoned, char *err, size_t errlen);
/* A failure of this rank alone: "rank R: detail". */
void tc_rank_error(int rank, char *err, size_t errlen, const char *detail);
/* The worst status of every rank. */
int tc_every_rank(int st, MPI_Comm comm);

#endif
