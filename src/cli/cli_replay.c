/*
 * cli_replay.c - `twincast replay`: the live loop (live.h) over a recorded
 * event log, on event time: the debounce and the interval are measured in
 * the events' own time, so the same log always gives the same epochs and
 * the same results.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <mpi.h>

#include "cli.h"
#include "cli_twin.h"

static const char usage[] =
    "usage: twincast replay MODEL.yaml EVENTS.jsonl [-n N] [--horizon DUR] [--seed S]\n"
    "                       [--threads T] [--scenario NAME]... [--debounce DUR]\n"
    "                       [--interval DUR] [--on-shift-change] [-o OUT.h5] [-q]\n"
    "                       [--score-leads DUR,...] [--no-score] [--decide [--delta D]]\n"
    "\n"
    "Feeds a recorded event log (one JSON event per line) through the live twin's\n"
    "switchboard and re-forecasts as `serve` would: after a significant event (down, up,\n"
    "set) once the debounce window has passed, and otherwise at most every interval,\n"
    "both measured in event time.  Prints one forecast message (JSON) per epoch on\n"
    "stdout; with -o, writes the epochs to an HDF5 file.  Deterministic: the same log\n"
    "gives the same epochs and the same numbers.  Runs under mpirun/srun too.\n"
    "\n"
    "  --debounce DUR   wait after a significant event (default 200ms)\n"
    "  --interval DUR   re-forecast at least this often while events arrive (default 60s)\n"
    "  --on-shift-change  also re-forecast at each change of the model's calendar (a shift,\n"
    "                   a break, maintenance), as of that time, even if no event arrived\n"
    "  --score-leads L,...  with -o, each forecast is scored against what then happened\n"
    "                   (/skill; see `twincast score`): Brier scores of an onset within\n"
    "                   the horizon and within these leads (e.g. 30min,1h)\n"
    "  --no-score       do not score the forecasts\n"
    "  --decide         after each forecast, rank the model's responses (twincast decide):\n"
    "                   the message's recommendation, the file's /decisions/<epoch>;\n"
    "                   --delta D and --confidence C as for decide\n"
    "  (other options as for `twincast forecast`)\n"
    "\n"
    "exit status: 0 ok, 1 run-time failure, 2 bad usage or bad input\n";

static void print_outcome(const tc_live *lv, long lines)
{
    const tc_twin_counters *k = tc_live_counters(lv);
    int done = tc_live_epochs_done(lv);
    fprintf(stderr, "twincast: replayed %ld lines: %ld events applied (%ld late), %ld skipped; %d epoch%s\n",
            lines, k->applied, k->late, tc_cli_twin_skipped(k), done, done == 1 ? "" : "s");
    for (int r = 1; r < TC_REJ_COUNT; r++)
        if (k->rejected[r])
            fprintf(stderr, "  skipped %ld: %s\n", k->rejected[r], tc_reject_name((tc_reject)r));
}

int tc_cmd_replay(int argc, char **argv)
{
    static const struct option longopts[] = {TWIN_LONGOPTS, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int provided, rank;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    tc_live_opts o;
    tc_live_opts_default(&o);
    const char *bad = NULL, *badarg = NULL;
    int c;
    optind = 1;
    opterr = rank == 0;
    while (!bad && (c = getopt_long(argc, argv, "n:o:qh", longopts, NULL)) != -1) {
        if (c == 'h') {
            if (rank == 0)
                fputs(usage, stdout);
            MPI_Finalize();
            return TC_OK;
        }
        badarg = optarg;
        if (!tc_cli_twin_opt(&o, c, optarg, &bad))
            bad = "bad option", badarg = NULL;
    }
    if (!bad && optind != argc - 2)
        bad = "need MODEL.yaml and EVENTS.jsonl", badarg = NULL;
    if (bad) {
        if (rank == 0)
            tc_cli_usage_error("replay", bad, badarg);
        MPI_Finalize();
        return TC_ERR_INPUT;
    }
    o.forecast.model = argv[optind];
    const char *events = argv[optind + 1];
    char err[1024] = "";
    tc_live_source src = {0};
    tc_live *lv = NULL;
    int st = rank == 0 ? tc_live_file_open(&src, events, stdout, err, sizeof err) : TC_OK;
    MPI_Bcast(&st, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (st == TC_OK)
        st = tc_live_create(&o, MPI_COMM_WORLD, &lv, err, sizeof err);
    if (st == TC_OK)
        st = tc_live_run(lv, &src, TC_LIVE_EVENT_TIME, err, sizeof err);
    if (st == TC_OK && rank == 0)
        print_outcome(lv, tc_live_file_lines(&src));
    if (st != TC_OK && (rank == 0 || err[0]))
        fprintf(stderr, "twincast: %s\n", err);
    tc_live_file_close(&src);
    tc_live_destroy(lv);
    MPI_Finalize();
    return st;
}
