/*
 * cli.c - the twincast command line.  Thin: it parses options, wires the
 * model, engine, statistics and store together, and maps failures to exit
 * statuses (0 ok, 1 run-time failure, 2 bad usage or bad input).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <omp.h>

#include "twincast/duration.h"
#include "twincast/engine.h"
#include "twincast/model.h"
#include "twincast/stats.h"
#include "twincast/store.h"
#include "twincast/version.h"

static const char usage_main[] =
    "usage: twincast COMMAND [OPTIONS]\n"
    "\n"
    "Forecasts where and when a plant's bottleneck forms, from many stochastic\n"
    "discrete-event replications.\n"
    "\n"
    "commands:\n"
    "  forecast MODEL.yaml   run an ensemble of replications and summarise it\n"
    "\n"
    "  twincast COMMAND --help   options of a command\n"
    "  twincast --version        version\n"
    "\n"
    "exit status: 0 ok, 1 run-time failure, 2 bad usage or bad input\n";

static const char usage_forecast[] =
    "usage: twincast forecast MODEL.yaml [-n N] [--horizon DUR] [--seed S]\n"
    "                         [--threads T] [--bin-width DUR] [-o OUT.h5]\n"
    "\n"
    "Runs N replications of the plant from an empty, all-up state and prints,\n"
    "per station, the probability that its bottleneck forms within the horizon\n"
    "(Wilson 95%% interval) and the mean onset time (Student-t 95%% interval).\n"
    "\n"
    "  -n, --replications N   ensemble size (default: the model's 'replications')\n"
    "      --horizon DUR      simulated time, e.g. 480, 8h, 90min (default: model)\n"
    "      --seed S           0 to 4294967295 (default: the model's 'seed')\n"
    "      --threads T        OpenMP threads (default: OMP_NUM_THREADS or all cores)\n"
    "      --bin-width DUR    width of the time bins (default: horizon/96)\n"
    "  -o, --output OUT.h5    write the forecast to an HDF5 file (appends a new\n"
    "                         epoch if OUT.h5 is already a twincast file)\n"
    "  -q, --quiet            no progress on stderr\n"
    "  -h, --help             this text\n"
    "\n"
    "The same seed gives bit-identical results for any number of threads.\n"
    "exit status: 0 ok, 1 run-time failure, 2 bad usage or bad input\n";

static int bad_usage(const char *msg, const char *arg)
{
    fprintf(stderr, "twincast: %s%s%s\nTry 'twincast forecast --help'.\n", msg, arg ? ": " : "", arg ? arg : "");
    return TC_ERR_INPUT;
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end || errno == ERANGE || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct forecast_opts {
    const char *model_path, *out_path;
    long n;
    const char *horizon, *bin_width;
    long seed;
    int threads, quiet;
} forecast_opts;

typedef struct ensemble {
    int R, S, T;
    double *onset, *mean_waiting, *max_waiting, *utilisation, *throughput;
    double *time;
} ensemble;

static void ensemble_free(ensemble *e)
{
    free(e->onset); free(e->mean_waiting); free(e->max_waiting);
    free(e->utilisation); free(e->throughput); free(e->time);
}

/* Runs replications 0..R-1; row r of each matrix is replication r whatever thread ran it. */
static int run_ensemble(const tc_model *m, const tc_run_cfg *cfg, int threads, int progress,
                        ensemble *e, char *err, size_t errlen)
{
    int S = m->plant.n_stations, R = e->R, failed = 0;
    size_t cells = (size_t)R * (size_t)S;
    e->S = S;
    e->T = tc_run_cfg_bins(cfg);
    double **mats[] = {&e->onset, &e->mean_waiting, &e->max_waiting, &e->utilisation, &e->throughput};
    for (size_t i = 0; i < sizeof mats / sizeof *mats; i++)
        if (!(*mats[i] = malloc(sizeof(double) * cells)))
            failed = 1;
    if (!(e->time = malloc(sizeof(double) * (size_t)e->T)))
        failed = 1;
    if (failed) {
        snprintf(err, errlen, "out of memory for %d replications", R);
        return TC_ERR_RUNTIME;
    }
    for (int b = 0; b < e->T; b++) {
        double hi = (b + 1) * cfg->bin_width;
        e->time[b] = 0.5 * (b * cfg->bin_width + (hi < cfg->horizon ? hi : cfg->horizon));
    }
    long done = 0;
    double t0 = wall_now();
    int status = TC_OK;
#pragma omp parallel num_threads(threads) reduction(max : status)
    {
        char lerr[512];
        tc_sim *sim = tc_sim_create(m);
        tc_result *res = tc_result_create(S, m->plant.n_sources, e->T);
        if (!sim || !res)
            status = TC_ERR_RUNTIME;
        else if ((status = tc_sim_initialize(sim, NULL, NULL, cfg, lerr, sizeof lerr)) != TC_OK) {
#pragma omp critical
            snprintf(err, errlen, "%s", lerr);
        } else {
#pragma omp for schedule(dynamic, 8)
            for (int r = 0; r < R; r++) {
                tc_sim_run(sim, (uint32_t)r, res);
                size_t o = (size_t)r * S;
                memcpy(e->onset + o, res->onset, sizeof(double) * S);
                memcpy(e->mean_waiting + o, res->mean_waiting, sizeof(double) * S);
                memcpy(e->max_waiting + o, res->max_waiting, sizeof(double) * S);
                memcpy(e->utilisation + o, res->utilisation, sizeof(double) * S);
                memcpy(e->throughput + o, res->throughput, sizeof(double) * S);
                if (progress) {
                    long d;
#pragma omp atomic capture
                    d = ++done;
                    if (omp_get_thread_num() == 0 && (d % 50 == 0 || d == R)) {
                        double el = wall_now() - t0, rate = d / (el > 0 ? el : 1e-9);
                        fprintf(stderr, "\r%ld/%d replications, %.0f/s, ETA %.1f s   ", d, R, rate,
                                (R - d) / rate);
                    }
                }
            }
            tc_sim_terminate(sim);
        }
        tc_result_destroy(res);
        tc_sim_destroy(sim);
    }
    if (progress)
        fputc('\n', stderr);
    if (status == TC_ERR_RUNTIME && !err[0])
        snprintf(err, errlen, "out of memory in the engine");
    return status;
}

static void print_summary(const tc_model *m, const ensemble *e, double horizon)
{
    printf("%-12s %7s %17s %9s %19s %9s %7s\n", "station", "P(form)", "95% CI", "onset", "95% CI",
           "waiting", "util");
    double *col = malloc(sizeof(double) * (size_t)e->R);
    for (int s = 0; s < e->S; s++) {
        tc_moments on, w, u;
        tc_moments_init(&on);
        tc_moments_init(&w);
        tc_moments_init(&u);
        long formed = 0;
        for (int r = 0; r < e->R; r++) {
            size_t i = (size_t)r * e->S + s;
            if (!isnan(e->onset[i])) {
                formed++;
                tc_moments_add(&on, e->onset[i]);
            }
            tc_moments_add(&w, e->mean_waiting[i]);
            tc_moments_add(&u, e->utilisation[i]);
        }
        tc_interval pi = tc_wilson_interval(formed, e->R, 0.95), oi = tc_t_interval(&on, 0.95);
        printf("%-12s %7.3f   [%5.3f, %5.3f] ", m->plant.stations[s].name, (double)formed / e->R, pi.lo, pi.hi);
        if (formed >= 2)
            printf("%9.1f [%7.1f, %7.1f] ", on.mean, oi.lo, oi.hi);
        else
            printf("%9s %19s ", formed ? "" : "-", "");
        printf("%9.2f %7.3f\n", w.mean, u.mean);
    }
    free(col);
    printf("onset times in %s from the start, over %d replications and a horizon of %g %s\n",
           tc_time_unit_name(m->unit), e->R, horizon, tc_time_unit_name(m->unit));
}

static int write_epoch(tc_store *st, const tc_model *m, const tc_run_cfg *cfg, const ensemble *e,
                       int threads, double wall, int *epoch, char *err, size_t errlen)
{
    int status;
    const char **names = malloc(sizeof *names * (size_t)e->S);
    if (!names)
        return TC_ERR_RUNTIME;
    for (int s = 0; s < e->S; s++)
        names[s] = m->plant.stations[s].name;
    tc_scenario_data d = {"baseline", e->R, e->S, e->T, names, e->onset, e->mean_waiting,
                          e->max_waiting, e->utilisation, e->throughput, e->time};
    tc_epoch_info info = {"", cfg->horizon, tc_time_unit_name(m->unit), cfg->seed, e->R, 1,
                          threads, "fixed", wall, NULL};
    if ((status = tc_store_begin_epoch(st, epoch, err, errlen)) == TC_OK &&
        (status = tc_store_write_scenario(st, &d, err, errlen)) == TC_OK)
        status = tc_store_end_epoch(st, &info, err, errlen);
    free(names);
    return status;
}

static int cmd_forecast(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"replications", required_argument, 0, 'n'}, {"horizon", required_argument, 0, 'H'},
        {"seed", required_argument, 0, 's'},          {"threads", required_argument, 0, 't'},
        {"bin-width", required_argument, 0, 'b'},     {"output", required_argument, 0, 'o'},
        {"quiet", no_argument, 0, 'q'},               {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    forecast_opts o = {.n = -1, .seed = -1, .threads = 0};
    long v;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "n:o:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'n':
            if (parse_long(optarg, 1, 100000000, &o.n)) return bad_usage("-n must be from 1 to 100000000", optarg);
            break;
        case 'H': o.horizon = optarg; break;
        case 'b': o.bin_width = optarg; break;
        case 's':
            if (parse_long(optarg, 0, 4294967295L, &o.seed)) return bad_usage("--seed must be from 0 to 4294967295", optarg);
            break;
        case 't':
            if (parse_long(optarg, 1, 4096, &v)) return bad_usage("--threads must be from 1 to 4096", optarg);
            o.threads = (int)v;
            break;
        case 'o': o.out_path = optarg; break;
        case 'q': o.quiet = 1; break;
        case 'h': fputs(usage_forecast, stdout); return TC_OK;
        default: return bad_usage("bad option", NULL);
        }
    }
    if (optind != argc - 1)
        return bad_usage(optind >= argc ? "missing MODEL.yaml" : "one model file only", NULL);
    o.model_path = argv[optind];

    char err[1024] = "";
    tc_model *m = NULL;
    int status = tc_model_load(o.model_path, &m, err, sizeof err);
    if (status != TC_OK) {
        fprintf(stderr, "twincast: %s\n", err);
        return status;
    }
    tc_run_cfg cfg;
    tc_run_cfg_default(&cfg, m);
    if (o.horizon && (tc_duration_parse(o.horizon, m->unit, &cfg.horizon, err, sizeof err) || !(cfg.horizon > 0))) {
        tc_model_destroy(m);
        return bad_usage("--horizon must be a positive duration", o.horizon);
    }
    cfg.bin_width = tc_model_bin_width(m, cfg.horizon);
    if (o.bin_width && (tc_duration_parse(o.bin_width, m->unit, &cfg.bin_width, err, sizeof err) ||
                        !(cfg.bin_width > 0) || cfg.horizon / cfg.bin_width > 100000)) {
        tc_model_destroy(m);
        return bad_usage("--bin-width must be a positive duration giving at most 100000 bins", o.bin_width);
    }
    if (o.seed >= 0)
        cfg.seed = (uint32_t)o.seed;
    ensemble e = {.R = (int)(o.n > 0 ? o.n : m->replications)};
    int threads = o.threads > 0 ? o.threads : omp_get_max_threads();
    /* Open the output first: an unwritable path should fail in a second, not after the run. */
    tc_store *store = NULL;
    int existed = o.out_path && access(o.out_path, F_OK) == 0, epoch = 0;
    if (o.out_path && (status = tc_store_open(o.out_path, m, &store, err, sizeof err)) != TC_OK) {
        fprintf(stderr, "twincast: %s\n", err);
        tc_model_destroy(m);
        return status;
    }
    err[0] = '\0';
    double t0 = wall_now();
    status = run_ensemble(m, &cfg, threads, !o.quiet && isatty(2), &e, err, sizeof err);
    if (status == TC_OK) {
        print_summary(m, &e, cfg.horizon);
        if (store)
            status = write_epoch(store, m, &cfg, &e, threads, wall_now() - t0, &epoch, err, sizeof err);
    }
    double wall = wall_now() - t0;
    char cerr[512];
    if (store && tc_store_close(store, cerr, sizeof cerr) != TC_OK && status == TC_OK) {
        status = TC_ERR_RUNTIME;
        snprintf(err, sizeof err, "%s", cerr);
    }
    if (status == TC_OK) {
        fprintf(stderr, "twincast: %d replications in %.3f s on %d thread%s", e.R, wall, threads,
                threads == 1 ? "" : "s");
        if (o.out_path)
            fprintf(stderr, "; wrote epoch %06d to %s", epoch, o.out_path);
        fputc('\n', stderr);
    } else {
        fprintf(stderr, "twincast: %s\n", err);
        if (o.out_path && !existed)
            unlink(o.out_path);          /* no half-written new file left behind */
    }
    ensemble_free(&e);
    tc_model_destroy(m);
    return status;
}

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
        return cmd_forecast(argc - 1, argv + 1);
    fprintf(stderr, "twincast: unknown command '%s'\n%s", argv[1], usage_main);
    return TC_ERR_INPUT;
}
