/*
 * cli_twin.h - the options `serve` and `replay` share: those of a forecast
 * (count, horizon, seed, threads, scenarios, output) and the trigger rules
 * (debounce after significant events, an interval for the others).
 */
#ifndef TWINCAST_CLI_TWIN_H
#define TWINCAST_CLI_TWIN_H

#include <getopt.h>

#include "twincast/live.h"

/* Handles option c if it is a shared one: returns 1 (with *bad set when its value is wrong), else 0. */
int tc_cli_twin_opt(tc_live_opts *o, int c, const char *arg, const char **bad);
/* The long options tc_cli_twin_opt() handles (short ones: "n:o:q"); serve and
 * replay list these first, then their own. */
#define TWIN_LONGOPTS                                                                                        \
    {"replications", required_argument, 0, 'n'}, {"output", required_argument, 0, 'o'},                      \
        {"quiet", no_argument, 0, 'q'}, {"horizon", required_argument, 0, 300},                              \
        {"bin-width", required_argument, 0, 301}, {"seed", required_argument, 0, 302},                       \
        {"threads", required_argument, 0, 303}, {"scenario", required_argument, 0, 304},                     \
        {"debounce", required_argument, 0, 305}, {"interval", required_argument, 0, 306},                    \
        {"on-shift-change", no_argument, 0, 307}, {"score-leads", required_argument, 0, 308},                \
        {"no-score", no_argument, 0, 309}, {"decide", no_argument, 0, 310},                                  \
        {"delta", required_argument, 0, 311},                                                                \
    {                                                                                                        \
        "confidence", required_argument, 0, 312                                                              \
    }
/* What replay and serve print at the end: events applied, skipped by reason. */
long tc_cli_twin_skipped(const tc_twin_counters *k);

#endif
