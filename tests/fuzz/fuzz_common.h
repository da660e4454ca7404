/* fuzz_common.h - a plant with two products, a changeover, a batch station and calibration, loaded once, for
 * the state and event fuzzers. */
#ifndef TC_FUZZ_COMMON_H
#define TC_FUZZ_COMMON_H
#include <stdlib.h>

#include "twincast/model.h"

static const char fuzz_plant[] =
    "stations:\n"
    "  A: {servers: 2, process: {dist: exponential, mean: 1.0}}\n"
    "  B: {servers: 1, buffer: 30, threshold: 12, process: {dist: lognormal, mean: 1.8, sd: 0.4},\n"
    "      failure: {ttf: {dist: exponential, mean: 600}, ttr: {dist: lognormal, mean: 40, sd: 15}}}\n"
    "  C: {servers: 1, threshold: 12, process: {dist: gamma, mean: 1.2, sd: 0.3}}\n"
    "  D: {servers: 2, process: {dist: triangular, min: 0.8, mode: 1.2, max: 2.2}}\n"
    "  E: {servers: 1, batch: {size: 4, max_wait: 10}, process: {dist: constant, value: 5}}\n"
    "  F: {servers: 2, setup: {dist: constant, value: 1}, process: {dist: exponential, mean: 1}}\n"
    "sources:\n  orders: {interarrival: {dist: exponential, mean: 1.0}, route: [A, [B, C], D]}\n"
    "  rush: {interarrival: {dist: exponential, mean: 5}, priority: 1,\n"
    "         route: [A, {station: F, rework: {p: 0.1, to: A}}, E]}\n"
    "calibration: {half_life: 30min, prior_weight: 3}\n"; /* every event also feeds the posteriors */

static tc_model *fuzz_model(void)
{
    static tc_model *m;
    char err[512];
    if (!m && tc_model_load_string(fuzz_plant, "plant.yaml", &m, err, sizeof err) != TC_OK)
        abort();
    return m;
}
#endif
