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

/* Called on the calling thread now and then with replications done so far. */
typedef void (*tc_progress_fn)(void *user, long done);

/*
 * Runs replications [first, first + count) into rows [row, row + count) of
 * out (which must have room).  Returns TC_ERR_INPUT if the state does not
 * fit the model, TC_ERR_RUNTIME if memory runs out; err says why.
 */
tc_status tc_ensemble_run(const tc_model *m, const tc_state *state, const tc_scenario *scenario,
                          const tc_run_cfg *cfg, long first, long count, int threads, tc_sample *out,
                          long row, tc_progress_fn progress, void *user, char *err, size_t errlen);

#endif
