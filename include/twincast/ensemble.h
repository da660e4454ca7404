/*
 * ensemble.h - runs a range of replications of one scenario on OpenMP
 * threads.  Row r of the output is replication first + r, whichever thread
 * ran it, so any split gives bit-identical samples.
 */
#ifndef TWINCAST_ENSEMBLE_H
#define TWINCAST_ENSEMBLE_H

#include <stddef.h>

#include "twincast/engine.h"
#include "twincast/sample.h"

/*
 * Optional hooks, called on the calling thread (the one that may call MPI)
 * between its replications: progress with the count done so far, and
 * cancel, which stops the run when it returns nonzero (then `cancelled` is
 * set and the rows are incomplete).
 */
typedef struct tc_ensemble_hooks {
    void (*progress)(void *user, long done);
    int (*cancel)(void *user);
    void *user;
    int cancelled;
} tc_ensemble_hooks;

/*
 * Runs replications [first, first + count) into rows [row, row + count) of
 * out (which must have room).  Returns TC_ERR_INPUT if the state does not
 * fit the model, TC_ERR_RUNTIME if memory runs out; err says why.
 */
tc_status tc_ensemble_run(const tc_model *m, const tc_state *state, const tc_scenario *scenario,
                          const tc_run_cfg *cfg, long first, long count, int threads, tc_sample *out,
                          long row, tc_ensemble_hooks *hooks, char *err, size_t errlen);

#endif
