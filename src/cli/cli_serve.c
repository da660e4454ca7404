/*
 * cli_serve.c - `twincast serve`: the live digital twin.
 *
 * Rank 0: a consumer thread (ingest) fills a bounded queue; the main
 * thread drains it into the twin, decides when to re-forecast (debounce
 * after down/up/set, an interval for the rest), runs epochs with all
 * ranks, appends them to the file, publishes forecasts and only then
 * commits the offsets.  On restart it resumes from the file's last
 * completed epoch: its state and the offsets that state reflects.
 */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_twin.h"
#include "twincast/clock.h"
#include "twincast/ingest.h"
#include "twincast/store.h"

static const char usage[] =
    "usage: twincast serve MODEL.yaml --brokers HOST:PORT[,...]|mock [--topic plant.events]\n"
    "                      [--forecast-topic plant.forecasts] [--group twincast]\n"
    "                      [--dlq | --dlq-topic NAME] [--kafka-config FILE]\n"
    "                      [--interval 60s] [--debounce 200ms] [-n N] [--horizon DUR]\n"
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
    "  --expect-ranks N      fail unless MPI started exactly N ranks (Slurm: $SLURM_NTASKS)\n"
    "  SIGINT / SIGTERM      abandon the running epoch, flush, commit, exit 0\n"
    "\n"
    "exit status: 0 ok, 1 run-time failure, 2 bad usage or bad input\n";

static atomic_int stopping;

static void on_signal(int sig)
{
    (void)sig;
    atomic_store(&stopping, 1);
}

typedef struct kafka_source {
    tc_ingest *in;
    const char *forecast_topic, *dlq_topic, *model;
    long significant_at_snapshot;
} kafka_source;

static char *k_offsets(void *self)
{
    kafka_source *k = self;
    k->significant_at_snapshot = tc_ingest_significant(k->in);
    return tc_ingest_offsets_json(k->in);
}

static int k_newer(void *self)
{
    kafka_source *k = self;
    return atomic_load(&stopping) || tc_ingest_significant(k->in) != k->significant_at_snapshot;
}

static void k_publish(void *self, const char *json, size_t len)
{
    kafka_source *k = self;
    tc_ingest_produce(k->in, k->forecast_topic, k->model, json, len, NULL);
}

static void k_commit(void *self, const char *offsets)
{
    kafka_source *k = self;
    char err[256];
    (void)offsets;
    if (tc_ingest_commit(k->in, err, sizeof err) != TC_OK)
        fprintf(stderr, "twincast: %s (the events will be read again after a restart)\n", err);
}

static long k_errors(void *self)
{
    return tc_ingest_errors(((kafka_source *)self)->in);
}

static void k_dead_letter(void *self, const char *raw, size_t len, const char *reason)
{
    kafka_source *k = self;
    if (k->dlq_topic)
        tc_ingest_produce(k->in, k->dlq_topic, NULL, raw, len, reason);
}

typedef struct serve_opts {
    const char *brokers, *topic, *forecast_topic, *group, *dlq_topic, *kafka_config, *replay;
    double speed, idle;
    int dlq;
    long expect_ranks;
} serve_opts;

static int parse(twin_run *tr, serve_opts *so, int argc, char **argv)
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
    so->idle = -1;
    optind = 1;
    opterr = tr->rank == 0;
    while (!bad && (c = getopt_long(argc, argv, "n:o:qh", longopts, NULL)) != -1) {
        badarg = optarg;
        switch (c) {
        case 'h':
            if (tr->rank == 0)
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
            if (tc_duration_parse(optarg, TC_UNIT_S, &so->idle, why, sizeof why) || so->idle < 0)
                bad = "--exit-when-idle must be a duration such as 5s";
            break;
        case 410:
            if (tc_cli_parse_long(optarg, 1, 1000000, &so->expect_ranks))
                bad = "--expect-ranks must be >= 1";
            break;
        default:
            if (!twin_opt(&tr->o, c, optarg, &bad))
                bad = "bad option", badarg = NULL;
        }
    }
    if (!bad && optind != argc - 1)
        bad = "need one MODEL.yaml", badarg = NULL;
    if (!bad && !so->brokers)
        bad = "--brokers is required (HOST:PORT, or mock)", badarg = NULL;
    if (!bad && so->replay && strcmp(so->brokers, "mock") != 0)
        bad = "--replay goes with --brokers mock", badarg = NULL;
    if (!bad && so->expect_ranks && so->expect_ranks != tr->size) {
        if (tr->rank == 0)
            fprintf(stderr,
                    "twincast: started with %d MPI rank%s but --expect-ranks %ld: launch with srun/mpirun, "
                    "not as independent copies\n",
                    tr->size, tr->size == 1 ? "" : "s", so->expect_ranks);
        return TC_ERR_INPUT;
    }
    if (bad)
        return tr->rank == 0 ? tc_cli_usage_error("serve", bad, badarg) : TC_ERR_INPUT;
    tr->o.model = argv[optind];
    if (so->dlq && !so->dlq_topic) {
        static char dlq[512];
        snprintf(dlq, sizeof dlq, "%s.dlq", so->topic);
        so->dlq_topic = dlq;
    }
    return TC_OK;
}

/* Rank 0 with an existing file: the twin as of its last completed epoch. */
static int resume(twin_run *tr, char **offsets)
{
    char *state = NULL;
    int epoch = 0;
    *offsets = NULL;
    if (!tr->o.out || access(tr->o.out, F_OK) != 0)
        return TC_OK;
    int st = tc_store_read_resume(tr->o.out, &state, offsets, &epoch, tr->err, sizeof tr->err);
    if (st == TC_OK && state)
        st = tc_twin_restore(tr->twin, state, tr->o.out, tr->err, sizeof tr->err);
    if (st == TC_OK && state && !tr->o.quiet)
        fprintf(stderr, "twincast: resuming from epoch %06d of %s (offsets %s)\n", epoch, tr->o.out,
                *offsets ? *offsets : "none");
    free(state);
    return st;
}

static int serve_loop(twin_run *tr, serve_opts *so, tc_ingest *in)
{
    double last_activity = NAN; /* the idle clock starts with the first event */
    int st = TC_OK;
    while (st == TC_OK && !atomic_load(&stopping)) {
        double now = tc_cli_now(), due = twin_next_due(tr), wait = 0.1;
        if (!isnan(due) && due - now < wait)
            wait = due - now > 0 ? due - now : 0;
        tc_message m;
        int got = tc_ingest_pop(in, &m, wait);
        for (int k = 0; got == 1 && k < 100000; k++) { /* drain, but never starve the epochs */
            tc_ingest_mark(in, &m);
            twin_offer(tr, m.payload, m.len, tc_cli_now());
            tc_message_clear(&m);
            last_activity = tc_cli_now();
            got = tc_ingest_pop(in, &m, 0);
        }
        if (got == 1) {
            tc_ingest_mark(in, &m);
            twin_offer(tr, m.payload, m.len, tc_cli_now());
            tc_message_clear(&m);
        }
        now = tc_cli_now();
        if (twin_due(tr, now) && twin_dirty(tr))
            st = twin_fire(tr);
        if (so->idle >= 0 && !isnan(last_activity) && now - last_activity >= so->idle && !twin_dirty(tr) &&
            isnan(twin_next_due(tr)))
            break;
    }
    if (atomic_load(&stopping) && !tr->o.quiet)
        fprintf(stderr, "twincast: stopping on a signal\n");
    return st;
}

int tc_cmd_serve(int argc, char **argv)
{
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    twin_run tr = {0};
    serve_opts so;
    MPI_Comm_rank(MPI_COMM_WORLD, &tr.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &tr.size);
    twin_opts_default(&tr.o);
    int st = parse(&tr, &so, argc, argv);
    if (st != TC_OK) {
        MPI_Finalize();
        return st < 0 ? TC_OK : st;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    st = twin_init(&tr);
    int workers_waiting = st == TC_OK; /* from here on the workers wait for a command */
    tc_ingest *in = NULL;
    kafka_source ks = {0};
    char *offsets = NULL;
    if (st == TC_OK && tr.rank == 0)
        st = resume(&tr, &offsets);
    if (st == TC_OK && tr.rank == 0) {
        tc_ingest_cfg cfg = {so.brokers, so.topic,        so.forecast_topic, so.dlq_topic,
                             so.group,   so.kafka_config, offsets,           65536};
        st = tc_ingest_start(&cfg, &in, tr.err, sizeof tr.err);
        if (st == TC_OK && so.replay)
            st = tc_ingest_replay_file(in, so.replay, so.speed, tr.err, sizeof tr.err);
        int mock = so.brokers && strcmp(so.brokers, "mock") == 0;
        if (st == TC_OK && in && !tr.o.quiet)
            fprintf(stderr, "twincast: serving %s from %s%s, forecasts to %s\n", so.topic,
                    mock ? "the mock cluster at " : "", tc_ingest_bootstraps(in), so.forecast_topic);
        if (st == TC_OK && in && getenv("TWINCAST_BOOTSTRAP_FILE")) { /* for tests: where the mock listens */
            FILE *bf = fopen(getenv("TWINCAST_BOOTSTRAP_FILE"), "w");
            if (bf) {
                fprintf(bf, "%s\n", tc_ingest_bootstraps(in));
                fclose(bf);
            }
        }
        ks = (kafka_source){in, so.forecast_topic, so.dlq_topic, tr.m->name, 0};
        tr.src = (twin_source){k_offsets, k_newer, k_publish, k_commit, so.dlq_topic ? k_dead_letter : NULL,
                               k_errors,  &ks};
    }
    if (st == TC_OK)
        st = tr.rank == 0 ? serve_loop(&tr, &so, in) : twin_worker(&tr);
    if (tr.rank == 0) {
        if (workers_waiting)
            twin_stop(&tr);
        if (st == TC_OK && !tr.o.quiet) {
            const tc_twin_counters *k = tc_twin_get_counters(tr.twin);
            long rejected = 0;
            for (int r = 1; r < TC_REJ_COUNT; r++)
                rejected += k->rejected[r];
            fprintf(stderr, "twincast: %ld events applied, %ld skipped, %d epochs completed, %d superseded\n",
                    k->applied, rejected, tr.epochs_done, tr.epochs_superseded);
        }
        if (st != TC_OK)
            fprintf(stderr, "twincast: %s\n", tr.err);
    }
    tc_ingest_destroy(in);
    free(offsets);
    twin_free(&tr);
    MPI_Finalize();
    return st;
}
