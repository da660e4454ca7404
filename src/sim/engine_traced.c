/*
 * engine_traced.c - the engine once more, with its telemetry hooks compiled
 * in: the emulator's (emulate.c).  The engine every forecast runs is built
 * without them, so they cost it nothing; this copy is the same source, so
 * the emulated plant behaves exactly as a replication does.
 */
#include "sim_traced.h"

/* the same sources, compiled once more: deliberate */
#include "batch.c"      // NOLINT(bugprone-suspicious-include)
#include "changeover.c" // NOLINT(bugprone-suspicious-include)
#include "engine.c"     // NOLINT(bugprone-suspicious-include)
