/*
 * broadcast.h - the MPI side of a forecast: rank 0 packs what every rank
 * needs (model text, state text, run settings) into one versioned buffer
 * and broadcasts it; ranks split the replication indices into contiguous
 * shares; rank 0 gathers the samples back in replication order.
 *
 * Ranks are assumed to be of the same architecture (the buffer holds
 * native doubles), as on any homogeneous cluster partition; the version
 * and a byte-order mark are checked.
 */
#ifndef TWINCAST_BROADCAST_H
#define TWINCAST_BROADCAST_H

#include <stddef.h>
#include <stdint.h>

#include <mpi.h>

#include "twincast/sample.h"

#define TC_JOB_VERSION 2

typedef struct tc_job {
    char *model_text, *model_origin;
    char *state_text, *state_origin; /* NULL: an empty plant */
    int n_scenarios;
    char **scenarios; /* what-if scenarios besides the baseline */
    double horizon, bin_width;
    double start; /* simulated time 0, seconds since the epoch, unless the state has an as_of */
    uint32_t seed;
    long replications; /* the count, or the maximum with precision */
    long min_replications;
    double precision; /* 0: a fixed count */
    int threads;      /* per rank */
    int rank0_works;
    uint64_t packed_bytes; /* set by tc_job_broadcast: what each rank received (the cost model's O(state)) */
} tc_job;

/* Root 0 sends *job; the others receive into it (allocating). */
tc_status tc_job_broadcast(tc_job *job, MPI_Comm comm, char *err, size_t errlen);
void tc_job_clear(tc_job *job);

/* The contiguous share of [first, first + count) run by `rank`. */
void tc_share(long first, long count, int rank, int nranks, int rank0_works, long *lo, long *n);

/*
 * Gathers every rank's rows [0, n_local) of `local` into rows
 * [row, row + count) of `global` on rank 0, in rank (= replication) order.
 */
tc_status tc_sample_gather(const tc_sample *local, long n_local, tc_sample *global, long row, MPI_Comm comm,
                           char *err, size_t errlen);
/*
 * Adds every rank's local bands into global's on rank 0: a tree reduction
 * over ranks that uses the local bands as scratch (rank 0's first are
 * adopted, not copied).  Once per batch, however many rounds it had.
 * *received grows by the uint32 words this rank received.
 */
tc_status tc_bands_reduce(tc_sample *local, tc_sample *global, MPI_Comm comm, size_t *received, char *err,
                          size_t errlen);

#endif
