/*
 * round_writer.h - inside the ensemble stage: rank 0 writes a round's
 * per-replication rows into the file on a thread of its own while the
 * next round runs, so that the file no longer stands between two rounds.
 *
 * HDF5 here is not built thread-safe: while a round is being written, the
 * caller makes no HDF5 call of its own.  It waits (tc_round_writer_wait)
 * before it touches the store, and the writer never calls MPI.
 */
#ifndef TWINCAST_ROUND_WRITER_H
#define TWINCAST_ROUND_WRITER_H

#include "twincast/sample.h"
#include "twincast/store.h"

typedef struct tc_round_writer tc_round_writer;

/* One round's rows of `n_scenarios` scenarios (named as in the file) go into `store`'s open epoch. */
tc_round_writer *tc_round_writer_create(tc_store *store, int n_scenarios, const char *const *scenario, int S,
                                        int P);
/*
 * Takes scenario k's rows of a round, replications [first, first + rows->R):
 * their arrays are swapped with the writer's (rows keeps arrays to fill
 * next).  Once the last scenario's are in, the round is written behind the
 * caller's back.  The caller waits first, and begins the epoch, before it
 * hands over a round's first scenario.
 */
tc_status tc_round_writer_take(tc_round_writer *w, int k, tc_sample *rows, long first, char *err,
                               size_t errlen);
/* Waits until the round being written is in the file; its outcome (an error's message in err). */
tc_status tc_round_writer_wait(tc_round_writer *w, char *err, size_t errlen);
/* Seconds the writer spent writing, and the caller spent waiting for it. */
void tc_round_writer_seconds(const tc_round_writer *w, double *writing, double *waiting);
/* Waits, then frees. */
void tc_round_writer_destroy(tc_round_writer *w);

#endif
