/*
 * sim_assert.h - the engine's invariant assertions, in the spirit of the
 * best C simulation libraries: a failure prints the replication, the seed,
 * the scenario and the simulated time (enough to rerun exactly that
 * replication), then aborts.  tc_assert is compiled in where TC_ASSERTIONS
 * is defined - debug, sanitizer and fuzz builds - and out of release
 * builds, so it costs nothing where speed counts.
 */
#ifndef TWINCAST_SIM_ASSERT_H
#define TWINCAST_SIM_ASSERT_H

#include "twincast/engine.h"

#ifdef TC_ASSERTIONS
#define tc_assert(sim, cond)                                                                                 \
    do {                                                                                                     \
        if (!(cond))                                                                                         \
            tc_sim_assert_fail(sim, #cond, __FILE__, __LINE__);                                              \
    } while (0)
#else
#define tc_assert(sim, cond) ((void)0)
#endif

#endif
