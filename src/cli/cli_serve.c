/*
 * cli_serve.c - `twincast serve`: the live digital twin.  Options in; the
 * Kafka consumer (ingest.h) started on rank 0 and resumed from the output
 * file's last completed epoch; the live loop (live.h) on the wall clock;
 * SIGINT and SIGTERM end it cleanly.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

#include "cli.h"
#include "cli_twin.h"

static const char usage[] =
    "usage: twincast serve MODEL.yaml --brokers HOST:PORT[,...]|mock [--topic plant.events]\n"
    "                      [--forecast-topic plant.forecasts] [--group twincast]\n"
    "                      [--dlq | --dlq-topic NAME] [--kafka-config FILE]\n"
    "                      [--interval 60s] [--debounce 200ms] [--on-shift-change]\n"
    "                      [-n N] [--horizon DUR] [--score-leads DUR,...] [--no-score]\n"
    "                      [--decide [--delta D] [--confidence C]]\n"
    "                      [--seed S] [--threads T] [--scenario NAME]... [-o twin.h5]\n"
    "                      [--replay EVENTS.jsonl [--speed X]] [--exit-when-idle DUR]\n"
    "\n"
    "Consumes plant events from Kafka, keeps the twin state and re-forecasts: after a\n"
    "significant event (down, up, set) once the debounce window has passed, and at most\n"
    "every interval while other events arrive.  A forecast still running when a newer\n"
    "significant event arrives is abandoned (recorded as superseded).  Each completed\n"
    "epoch is appended to the HDF5 file, published as JSON to the forecast topic, and\n"
    "only then are the consumer offsets committed.  A restart resumes from the file.\n"
    "\n"
    "  --brokers mock        start librdkafka's mock cluster in this process\n"
    "  --replay FILE         produce a recorded event log into the events topic\n"
    "  --speed X             replay X times faster than its timestamps (0: all at once; default 0)\n"
    "  --dlq                 copy skipped messages to <topic>.dlq (or --dlq-topic NAME)\n"
    "  --kafka-config FILE   librdkafka properties, name=value per line (security.protocol,\n"
    "                        sasl.*, ssl.*, session.timeout.ms ...); values are never logged\n"
    "  --exit-when-idle DUR  stop once no event has arrived for DUR and all is forecast\n"
    "  --on-shift-change     also re-forecast at each change of the model's calendar (a shift,\n"
    "                        a break, maintenance: wall-clock time), even if no event arrived\n"
    "  --score-leads L,...   with -o, each forecast is scored against what then happened\n"
    "                        (/skill; see `twincast score`), also within these leads\n"
    "  --no-score            do not score the forecasts\n"
    "  --decide         after each forecast, rank the model's responses (twincast decide):\n"
    "                   the message's recommendation, the file's /decisions/<epoch>;\n"
    "                   --delta D and --confidence C as for decide\n"
    "  --expect-ranks N      fail unless MPI started exactly N ranks (Slurm: $SLURM_NTASKS)\n"
    "  SIGINT / SIGTERM      abandon the running epoch, flush, commit, exit 0\n"
    "\n"
    "exit status: 0 ok, 1 run-time failure, 2 bad usage or bad input\n";

typedef struct serve_opts {
    const char *brokers, *topic, *forecast_topic, *group, *dlq_topic, *kafka_config, *replay;
    double speed;
    int dlq;
    long expect_ranks;
} serve_opts;

static int parse(tc_live_opts *lo, serve_opts *so, int argc, char **argv, int rank, int size)
{
    static const struct option longopts[] = {TWIN_LONGOPTS,
                                             {"brokers", required_argument, 0, 400},
                                             {"topic", required_argument, 0, 401},
                                             {"forecast-topic", required_argument, 0, 402},
                                             {"group", required_argument, 0, 403},
                                             {"dlq-topic", required_argument, 0, 404},
                                             {"dlq", no_argument, 0, 405},
                                             {"kafka-config", required_argument, 0, 406},
                                             {"replay", required_argument, 0, 407},
                                             {"speed", required_argument, 0, 408},
                                             {"exit-when-idle", required_argument, 0, 409},
                                             {"expect-ranks", required_argument, 0, 410},
                                             {"help", no_argument, 0, 'h'},
                                             {0, 0, 0, 0}};
    const char *bad = NULL, *badarg = NULL;
    char *end, why[128];
    int c;
    memset(so, 0, sizeof *so);
    so->topic = "plant.events";
    so->forecast_topic = "plant.forecasts";
    so->group = "twincast";
    optind = 1;
    opterr = rank == 0;
    while (!bad && (c = getopt_long(argc, argv, "n:o:qh", longopts, NULL)) != -1) {
        badarg = optarg;
        switch (c) {
        case 'h':
            if (rank == 0)
                fputs(usage, stdout);
            return -1;
        case 400: so->brokers = optarg; break;
        case 401: so->topic = optarg; break;
        case 402: so->forecast_topic = optarg; break;
        case 403: so->group = optarg; break;
        case 404: so->dlq_topic = optarg; break;
        case 405: so->dlq = 1; break;
        case 406: so->kafka_config = optarg; break;
        case 407: so->replay = optarg; break;
        case 408:
            so->speed = strtod(optarg, &end);
            if (*end || !(so->speed >= 0))
                bad = "--speed must be a number >= 0";
            break;
        case 409:
            if (tc_duration_parse(optarg, TC_UNIT_S, &lo->idle, why, sizeof why) || lo->idle < 0)
                bad = "--exit-when-idle must be a duration such as 5s";
            break;
        case 410:
            if (tc_cli_parse_long(optarg, 1, 1000000, &so->expect_ranks))
                bad = "--expect-ranks must be >= 1";
            break;
        default:
            if (!tc_cli_twin_opt(lo, c, optarg, &bad))
                bad = "bad option", badarg = NULL;
        }
    }
    if (!bad && optind != argc - 1)
        bad = "need one MODEL.yaml", badarg = NULL;
    if (!bad && !so->brokers)
        bad = "--brokers is required (HOST:PORT, or mock)", badarg = NULL;
    if (!bad && so->replay && strcmp(so->brokers, "mock") != 0)
        bad = "--replay goes with --brokers mock", badarg = NULL;
    if (!bad && so->expect_ranks && so->expect_ranks != size) {
        if (rank == 0)
            fprintf(stderr,
                    "twincast: started with %d MPI rank%s but --expect-ranks %ld: launch with srun/mpirun, "
                    "not as independent copies\n",
                    size, size == 1 ? "" : "s", so->expect_ranks);
        return TC_ERR_INPUT;
    }
    if (bad)
        return rank == 0 ? tc_cli_usage_error("serve", bad, badarg) : TC_ERR_INPUT;
    lo->forecast.model = argv[optind];
    if (so->dlq && !so->dlq_topic) {
        static char dlq[512];
        snprintf(dlq, sizeof dlq, "%s.dlq", so->topic);
        so->dlq_topic = dlq;
    }
    return TC_OK;
}

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

/* Rank 0: the consumer, started where the file's last epoch left off. */
static int start_ingest(tc_live *lv, const serve_opts *so, tc_ingest **in, char *err, size_t errlen)
{
    char *offsets = NULL;
    int st = tc_live_resume(lv, &offsets, err, errlen);
    tc_ingest_cfg cfg = {so->brokers,   so->topic, so->forecast_topic,
                         so->dlq_topic, so->group, so->kafka_config,
                         offsets,       65536};
    if (st == TC_OK)
        st = tc_ingest_start(&cfg, in, err, errlen);
    free(offsets);
    if (st == TC_OK && so->replay)
        st = tc_ingest_replay_file(*in, so->replay, so->speed, err, errlen);
    if (st != TC_OK)
        return st;
    if (getenv("TWINCAST_BOOTSTRAP_FILE")) { /* for tests: where the mock listens */
        FILE *bf = fopen(getenv("TWINCAST_BOOTSTRAP_FILE"), "w");
        if (bf) {
            fprintf(bf, "%s\n", tc_ingest_bootstraps(*in));
            fclose(bf);
        }
    }
    return TC_OK;
}

int tc_cmd_serve(int argc, char **argv)
{
    int provided, rank, size;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    tc_live_opts o;
    serve_opts so;
    tc_live_opts_default(&o);
    int st = parse(&o, &so, argc, argv, rank, size);
    if (st != TC_OK) {
        MPI_Finalize();
        return st < 0 ? TC_OK : st;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    char err[1024] = "";
    tc_live *lv = NULL;
    tc_ingest *in = NULL;
    tc_live_source src = {0};
    st = tc_live_create(&o, MPI_COMM_WORLD, &lv, err, sizeof err);
    int workers_waiting = st == TC_OK; /* from here on the workers wait for epochs */
    if (st == TC_OK && rank == 0) {
        st = start_ingest(lv, &so, &in, err, sizeof err);
        if (st == TC_OK && !o.quiet)
            fprintf(stderr, "twincast: serving %s from %s%s, forecasts to %s\n", so.topic,
                    so.brokers && strcmp(so.brokers, "mock") == 0 ? "the mock cluster at " : "",
                    tc_ingest_bootstraps(in), so.forecast_topic);
        if (st == TC_OK)
            st = tc_live_kafka_open(&src, in, so.forecast_topic, so.dlq_topic, tc_live_model(lv)->name,
                                    &stopping, err, sizeof err);
    }
    if (workers_waiting) {
        int rs = tc_live_run(lv, rank != 0 || st == TC_OK ? &src : NULL, TC_LIVE_WALL_CLOCK, err, sizeof err);
        st = st == TC_OK ? rs : st;
    }
    if (rank == 0 && st == TC_OK && stopping && !o.quiet)
        fprintf(stderr, "twincast: stopping on a signal\n");
    if (rank == 0 && st == TC_OK && !o.quiet) {
        const tc_twin_counters *k = tc_live_counters(lv);
        fprintf(stderr, "twincast: %ld events applied, %ld skipped, %d epochs completed, %d superseded\n",
                k->applied, tc_cli_twin_skipped(k), tc_live_epochs_done(lv), tc_live_epochs_superseded(lv));
    }
    if (st != TC_OK && (rank == 0 || err[0]))
        fprintf(stderr, "twincast: %s\n", err);
    tc_live_kafka_close(&src);
    tc_ingest_destroy(in);
    tc_live_destroy(lv);
    MPI_Finalize();
    return st;
}
