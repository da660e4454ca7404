/*
 * cli_forecast.c - `twincast forecast`: options in, tc_forecast_run (the
 * library's forecast job on MPI_COMM_WORLD), the table and progress out.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mpi.h>

#include "cli.h"
#include "twincast/forecast.h"

static const char usage[] =
    "usage: twincast forecast MODEL.yaml [--state STATE.json] [--scenario NAME]...\n"
    "                         [-n N | --precision REL] [--horizon DUR] [--start ISO] [--seed S]\n"
    "                         [--threads T] [-o OUT.h5 [--keep scalars|none]]\n"
    "       mpirun -np P twincast forecast ...   |   srun twincast forecast ...\n"
    "\n"
    "Runs replications of the plant from its current state (an empty, all-up plant\n"
    "without --state), for the baseline and each what-if scenario with common random\n"
    "numbers, and prints per station the probability that its bottleneck forms within\n"
    "the horizon (Wilson 95% interval), the onset mean (Student-t 95% interval) and\n"
    "the 90% band of onset times.\n"
    "\n"
    "  --state STATE.json      the live plant state to start from\n"
    "  --scenario NAME         also run this scenario of the model (repeatable)\n"
    "  -n, --replications N    fixed ensemble size (default: the model's)\n"
    "  --precision REL         instead, add replications until every station's onset-mean\n"
    "                          interval half-width is within REL of its mean (e.g. 0.05)\n"
    "  --min-replications N    with --precision: first batch (default 100)\n"
    "  --max-replications N    with --precision: upper bound (default 100000)\n"
    "  --horizon DUR           simulated time: 480, 8h, 90min (default: the model's)\n"
    "  --bin-width DUR         width of the time bins (default: horizon/96)\n"
    "  --start ISO             the plant time the forecast starts at, without a state's\n"
    "                          as_of (default: the model's start, else now)\n"
    "  --seed S                0 to 4294967295 (default: the model's)\n"
    "  --threads T             OpenMP threads per rank (default: OMP_NUM_THREADS or cores)\n"
    "  --no-rank0-work         rank 0 only coordinates (with more than one rank)\n"
    "  --expect-ranks N        fail unless MPI started exactly N ranks (Slurm: $SLURM_NTASKS)\n"
    "  -o, --output OUT.h5     write the forecast (a new epoch if OUT.h5 exists); the\n"
    "                          file is replaced atomically, never left half-written\n"
    "  --keep scalars|none     per-replication datasets (R x S): kept (default), or left out\n"
    "                          (summaries, bands and onset statistics are written either way)\n"
    "  -q, --quiet             no progress on stderr\n"
    "  -h, --help              this text\n"
    "\n"
    "The same seed gives bit-identical results for any number of ranks and threads.\n"
    "exit status: 0 ok, 1 run-time failure, 2 bad usage or bad input\n";

static int parse(tc_forecast_opts *o, int *quiet, int argc, char **argv, int rank)
{
    enum {
        O_STATE = 256,
        O_SCEN,
        O_PREC,
        O_MIN,
        O_MAX,
        O_HOR,
        O_BIN,
        O_SEED,
        O_THR,
        O_NR0,
        O_EXPECT,
        O_START,
        O_KEEP
    };
    static const struct option longopts[] = {{"state", required_argument, 0, O_STATE},
                                             {"scenario", required_argument, 0, O_SCEN},
                                             {"replications", required_argument, 0, 'n'},
                                             {"precision", required_argument, 0, O_PREC},
                                             {"min-replications", required_argument, 0, O_MIN},
                                             {"max-replications", required_argument, 0, O_MAX},
                                             {"horizon", required_argument, 0, O_HOR},
                                             {"bin-width", required_argument, 0, O_BIN},
                                             {"start", required_argument, 0, O_START},
                                             {"seed", required_argument, 0, O_SEED},
                                             {"threads", required_argument, 0, O_THR},
                                             {"no-rank0-work", no_argument, 0, O_NR0},
                                             {"output", required_argument, 0, 'o'},
                                             {"expect-ranks", required_argument, 0, O_EXPECT},
                                             {"keep", required_argument, 0, O_KEEP},
                                             {"quiet", no_argument, 0, 'q'},
                                             {"help", no_argument, 0, 'h'},
                                             {0, 0, 0, 0}};
    const char *bad = NULL, *arg = NULL;
    long v;
    char *end;
    int c;
    tc_forecast_opts_default(o);
    *quiet = 0;
    optind = 1;
    opterr = rank == 0;
    while (!bad && (c = getopt_long(argc, argv, "n:o:qh", longopts, NULL)) != -1) {
        arg = optarg;
        switch (c) {
        case O_STATE: o->state = optarg; break;
        case O_SCEN:
            if (o->n_scenarios == TC_FORECAST_MAX_SCENARIOS)
                bad = "at most 64 scenarios";
            else
                o->scenarios[o->n_scenarios++] = optarg;
            break;
        case 'n':
            if (tc_cli_parse_long(optarg, 1, 100000000, &o->replications))
                bad = "-n must be from 1 to 100000000";
            break;
        case O_PREC:
            o->precision = strtod(optarg, &end);
            if (*end || !(o->precision > 0 && o->precision < 1))
                bad = "--precision must be between 0 and 1";
            break;
        case O_MIN:
            if (tc_cli_parse_long(optarg, 2, 100000000, &o->min_replications))
                bad = "--min-replications must be from 2";
            break;
        case O_MAX:
            if (tc_cli_parse_long(optarg, 2, 100000000, &o->max_replications))
                bad = "--max-replications must be from 2";
            break;
        case O_KEEP:
            if (!strcmp(optarg, "scalars"))
                o->keep = TC_KEEP_SCALARS;
            else if (!strcmp(optarg, "none"))
                o->keep = TC_KEEP_NONE;
            else
                bad = "--keep must be scalars or none";
            break;
        case O_HOR: o->horizon = optarg; break;
        case O_BIN: o->bin_width = optarg; break;
        case O_START: o->start = optarg; break;
        case O_SEED:
            if (tc_cli_parse_long(optarg, 0, 4294967295L, &o->seed))
                bad = "--seed must be from 0 to 4294967295";
            break;
        case O_THR:
            if (tc_cli_parse_long(optarg, 1, 4096, &v))
                bad = "--threads must be from 1 to 4096";
            o->threads = (int)v;
            break;
        case O_NR0: o->rank0_works = 0; break;
        case O_EXPECT:
            if (tc_cli_parse_long(optarg, 1, 1000000, &o->expect_ranks))
                bad = "--expect-ranks must be >= 1";
            break;
        case 'o': o->output = optarg; break;
        case 'q': *quiet = 1; break;
        case 'h':
            if (rank == 0)
                fputs(usage, stdout);
            return -1;
        default: bad = "bad option"; arg = NULL;
        }
    }
    if (!bad && o->replications > 0 && o->precision > 0)
        bad = "give either -n or --precision", arg = NULL;
    if (!bad && o->min_replications > o->max_replications)
        bad = "--min-replications exceeds --max-replications", arg = NULL;
    if (!bad && optind != argc - 1)
        bad = optind >= argc ? "missing MODEL.yaml" : "one model file only", arg = NULL;
    if (bad)
        return rank == 0 ? tc_cli_usage_error("forecast", bad, arg) : TC_ERR_INPUT;
    o->model = argv[optind];
    return TC_OK;
}

typedef struct progress {
    const char *scenario;
    long last, first; /* first: replications done at the batch's first report, when t0 was taken */
    double t0;
} progress;

/* One line on the terminal, rewritten in place. */
static void show_progress(void *user, const char *scenario, long done, long planned, int ranks)
{
    progress *p = user;
    if (!p->scenario || strcmp(scenario, p->scenario) != 0 || done < p->last) { /* a new batch */
        p->scenario = scenario;
        p->t0 = tc_cli_now();
        p->first = done;
    }
    p->last = done;
    planned = planned > done ? planned : done; /* rounds split evenly: rank 0's share may gain one a round */
    /* The rate counts from the first report, not from the batch's unknown start: no rate until it means
       something (the first report's had divided by a near-zero time, hundreds of millions a second). */
    double el = tc_cli_now() - p->t0;
    if (el < 0.25 || done <= p->first) {
        fprintf(stderr, "\r  %s: %ld/%ld replications on rank 0 (x%d ranks)   ", scenario, done, planned,
                ranks);
        return;
    }
    double rate = (double)(done - p->first) / el;
    fprintf(stderr, "\r  %s: %ld/%ld replications on rank 0 (x%d ranks), %.0f/s, ETA %.1f s   ", scenario,
            done, planned, ranks, rate, (double)(planned - done) / rate);
}

static void print_outcome(const tc_forecast_opts *o, const tc_forecast_result *r)
{
    tc_cli_print_table(stdout, r->view);
    fprintf(stderr, "twincast: %ld replications x %d scenario%s on %d rank%s x %d thread%s in %.3f s (%s)",
            r->replications, r->scenarios, r->scenarios == 1 ? "" : "s", r->ranks, r->ranks == 1 ? "" : "s",
            r->threads, r->threads == 1 ? "" : "s", r->seconds, r->stop_reason);
    if (o->output)
        fprintf(stderr, "; epoch %06d in %s", r->epoch, o->output);
    fputc('\n', stderr);
}

int tc_cmd_forecast(int argc, char **argv)
{
    int provided, rank, quiet;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    tc_forecast_opts o;
    int st = parse(&o, &quiet, argc, argv, rank);
    if (st != TC_OK) {
        MPI_Finalize();
        return st < 0 ? TC_OK : st; /* -1: --help was printed */
    }
    progress p = {0};
    int show = rank == 0 && !quiet && isatty(2);
    if (show) {
        o.progress = show_progress;
        o.progress_user = &p;
    }
    tc_forecast_result r;
    char err[1024];
    const char *round = getenv("TWINCAST_ROUND"); /* for tests: rounds of this many replications */
    if (round)
        o.round = strtol(round, NULL, 10);
    st = tc_forecast_run(&o, MPI_COMM_WORLD, &r, err, sizeof err);
    if (show && p.scenario)
        fputc('\n', stderr);
    if (rank == 0 && getenv("TWINCAST_TIMING")) {
        fprintf(stderr, "twincast timing: statistics + datasets written at %.4f s\n", r.t_written);
        fprintf(stderr,
                "twincast timing: set-up %.4f s, replications + gather %.4f s, statistics + file %.4f s\n",
                r.t_setup, r.t_replications - r.t_setup, r.t_statistics - r.t_replications);
        fprintf(
            stderr,
            "twincast timing: rank 0 on the rounds: tallies %.4f s, rows into the file %.4f s (on a thread "
            "of their own; waited for %.4f s)\n",
            r.t_tally, r.t_rows, r.t_rows_waited);
        fprintf(stderr,
                "twincast timing: bytes: the job %.0f (to each rank), rows %.0f and bands %.0f (to rank 0)\n",
                r.bytes_job, r.bytes_rows, r.bytes_bands);
    }
    if (st == TC_OK && rank == 0)
        print_outcome(&o, &r);
    else if (st != TC_OK && (rank == 0 || err[0]))
        fprintf(stderr, "twincast: %s\n", err[0] ? err : "out of memory");
    tc_forecast_result_clear(&r);
    MPI_Finalize();
    return st;
}
