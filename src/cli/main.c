/*
 * main.c - the twincast command line: dispatch to the subcommands.  Each
 * subcommand parses its options, calls the library and prints; exit
 * statuses: 0 ok, 1 run-time failure, 2 bad usage or bad input.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "twincast/version.h"

static const char usage_main[] =
    "usage: twincast COMMAND [OPTIONS]\n"
    "\n"
    "Forecasts where and when a plant's bottleneck forms, from many stochastic\n"
    "discrete-event replications that start from the plant's current state.\n"
    "\n"
    "commands:\n"
    "  forecast MODEL.yaml   run an ensemble (MPI ranks x OpenMP threads) and write HDF5\n"
    "  report OUT.h5         print the summary of a forecast file\n"
    "  serve MODEL.yaml      the live twin: consume Kafka, re-forecast on events, publish\n"
    "  replay MODEL.yaml EVENTS.jsonl   the same from a recorded event log, deterministically\n"
    "  merge OUT.h5 IN.h5...  combine per-scenario forecasts (a Slurm array) into one\n"
    "  emulate TRUTH.yaml    a true plant's telemetry as an event log, to test a twin\n"
    "  score OUT.h5          how good the twin's forecasts were, against what happened\n"
    "  decide MODEL.yaml     which response to a breakdown is best, with a stated guarantee\n"
    "\n"
    "  twincast COMMAND --help   options of a command\n"
    "  twincast --version        version\n"
    "\n"
    "exit status: 0 ok, 1 run-time failure, 2 bad usage or bad input\n";

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_main, stderr);
        return TC_ERR_INPUT;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        fputs(usage_main, stdout);
        return TC_OK;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
        printf("twincast %s\n", TC_VERSION);
        return TC_OK;
    }
    if (!strcmp(argv[1], "forecast"))
        return tc_cmd_forecast(argc - 1, argv + 1);
    if (!strcmp(argv[1], "report"))
        return tc_cmd_report(argc - 1, argv + 1);
    if (!strcmp(argv[1], "replay"))
        return tc_cmd_replay(argc - 1, argv + 1);
    if (!strcmp(argv[1], "serve"))
        return tc_cmd_serve(argc - 1, argv + 1);
    if (!strcmp(argv[1], "merge"))
        return tc_cmd_merge(argc - 1, argv + 1);
    if (!strcmp(argv[1], "emulate"))
        return tc_cmd_emulate(argc - 1, argv + 1);
    if (!strcmp(argv[1], "score"))
        return tc_cmd_score(argc - 1, argv + 1);
    if (!strcmp(argv[1], "decide"))
        return tc_cmd_decide(argc - 1, argv + 1);
    fprintf(stderr, "twincast: unknown command '%s'\n%s", argv[1], usage_main);
    return TC_ERR_INPUT;
}
