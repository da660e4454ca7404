/*
 * cli_forecast.c - `twincast forecast`: the ensemble forecaster.
 *
 * Rank 0 reads the model and the state, checks everything the user gave
 * (so that a bad input or an unwritable output fails at once), and
 * broadcasts one packed job; every rank runs a contiguous share of the
 * replication indices on OpenMP threads; rank 0 gathers the samples in
 * replication order, summarises them and writes the epoch.  Any split of
 * the work gives bit-identical results.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mpi.h>
#include <omp.h>

#include "cli.h"
#include "twincast/broadcast.h"
#include "twincast/clock.h"
#include "twincast/ensemble.h"
#include "twincast/state.h"
#include "twincast/summary.h"

static const char usage[] =
    "usage: twincast forecast MODEL.yaml [--state STATE.json] [--scenario NAME]...\n"
    "                         [-n N | --precision REL] [--horizon DUR] [--seed S]\n"
    "                         [--threads T] [-o OUT.h5]\n"
    "       mpirun -np P twincast forecast ...   |   srun twincast forecast ...\n"
    "\n"
    "Runs replications of the plant from its current state (an empty, all-up plant\n"
    "without --state), for the baseline and each what-if scenario with common random\n"
    "numbers, and prints per station the probability that its bottleneck forms within\n"
    "the horizon (Wilson 95%% interval), the onset mean (Student-t 95%% interval) and\n"
    "the 90%% band of onset times.\n"
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
    "  --seed S                0 to 4294967295 (default: the model's)\n"
    "  --threads T             OpenMP threads per rank (default: OMP_NUM_THREADS or cores)\n"
    "  --no-rank0-work         rank 0 only coordinates (with more than one rank)\n"
    "  --expect-ranks N        fail unless MPI started exactly N ranks (Slurm: $SLURM_NTASKS)\n"
    "  -o, --output OUT.h5     write the forecast (a new epoch if OUT.h5 exists); the\n"
    "                          file is replaced atomically, never left half-written\n"
    "  -q, --quiet             no progress on stderr\n"
    "  -h, --help              this text\n"
    "\n"
    "The same seed gives bit-identical results for any number of ranks and threads.\n"
    "exit status: 0 ok, 1 run-time failure, 2 bad usage or bad input\n";

typedef struct opts {
    const char *model, *state, *out, *horizon, *bin_width;
    const char *scen[64];
    int nscen, quiet, threads, rank0_works;
    long n, seed, min_n, max_n, expect_ranks;
    double precision;
} opts;

typedef struct run {
    int rank, size;
    opts o;
    tc_job job;
    tc_model *m;
    tc_state *state;
    tc_store *store;
    tc_run_cfg cfg;
    int nsc; /* baseline + scenarios */
    const tc_scenario **sc;
    tc_sample **local, **global;
    long total;
    const char *stop_reason;
    double t0;
    char err[1024];
} run;

static int parse(opts *o, int argc, char **argv, int rank)
{
    enum { O_STATE = 256, O_SCEN, O_PREC, O_MIN, O_MAX, O_HOR, O_BIN, O_SEED, O_THR, O_NR0, O_EXPECT };
    static const struct option longopts[] = {{"state", required_argument, 0, O_STATE},
                                             {"scenario", required_argument, 0, O_SCEN},
                                             {"replications", required_argument, 0, 'n'},
                                             {"precision", required_argument, 0, O_PREC},
                                             {"min-replications", required_argument, 0, O_MIN},
                                             {"max-replications", required_argument, 0, O_MAX},
                                             {"horizon", required_argument, 0, O_HOR},
                                             {"bin-width", required_argument, 0, O_BIN},
                                             {"seed", required_argument, 0, O_SEED},
                                             {"threads", required_argument, 0, O_THR},
                                             {"no-rank0-work", no_argument, 0, O_NR0},
                                             {"output", required_argument, 0, 'o'},
                                             {"expect-ranks", required_argument, 0, O_EXPECT},
                                             {"quiet", no_argument, 0, 'q'},
                                             {"help", no_argument, 0, 'h'},
                                             {0, 0, 0, 0}};
    const char *bad = NULL, *arg = NULL;
    long v;
    char *end;
    int c;
    memset(o, 0, sizeof *o);
    o->n = -1;
    o->seed = -1;
    o->min_n = 100;
    o->max_n = 100000;
    o->rank0_works = 1;
    optind = 1;
    opterr = rank == 0;
    while (!bad && (c = getopt_long(argc, argv, "n:o:qh", longopts, NULL)) != -1) {
        arg = optarg;
        switch (c) {
        case O_STATE: o->state = optarg; break;
        case O_SCEN:
            if (o->nscen == 64)
                bad = "at most 64 scenarios";
            else
                o->scen[o->nscen++] = optarg;
            break;
        case 'n':
            if (tc_cli_parse_long(optarg, 1, 100000000, &o->n))
                bad = "-n must be from 1 to 100000000";
            break;
        case O_PREC:
            o->precision = strtod(optarg, &end);
            if (*end || !(o->precision > 0 && o->precision < 1))
                bad = "--precision must be between 0 and 1";
            break;
        case O_MIN:
            if (tc_cli_parse_long(optarg, 2, 100000000, &o->min_n))
                bad = "--min-replications must be from 2";
            break;
        case O_MAX:
            if (tc_cli_parse_long(optarg, 2, 100000000, &o->max_n))
                bad = "--max-replications must be from 2";
            break;
        case O_HOR: o->horizon = optarg; break;
        case O_BIN: o->bin_width = optarg; break;
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
        case 'o': o->out = optarg; break;
        case 'q': o->quiet = 1; break;
        case 'h':
            if (rank == 0)
                fputs(usage, stdout);
            return -1;
        default: bad = "bad option"; arg = NULL;
        }
    }
    if (!bad && o->n > 0 && o->precision > 0)
        bad = "give either -n or --precision", arg = NULL;
    if (!bad && o->min_n > o->max_n)
        bad = "--min-replications exceeds --max-replications", arg = NULL;
    if (!bad && optind != argc - 1)
        bad = optind >= argc ? "missing MODEL.yaml" : "one model file only", arg = NULL;
    if (bad)
        return rank == 0 ? tc_cli_usage_error("forecast", bad, arg) : TC_ERR_INPUT;
    o->model = argv[optind];
    return TC_OK;
}

/* Rank 0: read and check everything, fill the job.  Nothing runs before this passes. */
static int prepare(run *r)
{
    opts *o = &r->o;
    tc_job *j = &r->job;
    char *state_text = NULL;
    int st = tc_model_load(o->model, &r->m, r->err, sizeof r->err);
    if (st != TC_OK)
        return st;
    const tc_model *m = r->m;
    for (int k = 0; k < o->nscen; k++) {
        if (tc_model_scenario_index(m, o->scen[k]) < 0) {
            snprintf(r->err, sizeof r->err, "--scenario %s: %s has no such scenario%s", o->scen[k], o->model,
                     m->n_scenarios ? "" : " (it declares none)");
            return TC_ERR_INPUT;
        }
        for (int i = 0; i < k; i++)
            if (!strcmp(o->scen[i], o->scen[k])) {
                snprintf(r->err, sizeof r->err, "--scenario %s given twice", o->scen[k]);
                return TC_ERR_INPUT;
            }
    }
    if (o->state &&
        (st = tc_state_load_json(m, o->state, &r->state, &state_text, r->err, sizeof r->err)) != TC_OK)
        return st;
    j->horizon = m->horizon;
    if (o->horizon &&
        (tc_duration_parse(o->horizon, m->unit, &j->horizon, r->err, sizeof r->err) || !(j->horizon > 0))) {
        snprintf(r->err, sizeof r->err, "--horizon must be a positive duration, got '%s'", o->horizon);
        free(state_text);
        return TC_ERR_INPUT;
    }
    j->bin_width = tc_model_bin_width(m, j->horizon);
    if (o->bin_width && (tc_duration_parse(o->bin_width, m->unit, &j->bin_width, r->err, sizeof r->err) ||
                         !(j->bin_width > 0) || j->horizon / j->bin_width > 100000)) {
        snprintf(r->err, sizeof r->err, "--bin-width must be a positive duration giving at most 100000 bins");
        free(state_text);
        return TC_ERR_INPUT;
    }
    j->seed = o->seed >= 0 ? (uint32_t)o->seed : m->seed;
    j->precision = o->precision;
    j->replications = o->precision > 0 ? o->max_n : (o->n > 0 ? o->n : m->replications);
    j->min_replications = o->min_n;
    j->threads = o->threads > 0 ? o->threads : omp_get_max_threads();
    j->rank0_works = o->rank0_works || r->size == 1;
    j->model_text = strdup(m->text);
    j->model_origin = strdup(o->model);
    j->state_text = state_text;
    j->state_origin = o->state ? strdup(o->state) : NULL;
    j->n_scenarios = o->nscen;
    j->scenarios = calloc((size_t)o->nscen + 1, sizeof *j->scenarios);
    for (int k = 0; j->scenarios && k < o->nscen; k++)
        j->scenarios[k] = strdup(o->scen[k]);
    if (!j->model_text || !j->model_origin || !j->scenarios) {
        snprintf(r->err, sizeof r->err, "out of memory");
        return TC_ERR_RUNTIME;
    }
    /* last: the output, so that an unwritable path fails before any work */
    if (o->out)
        return tc_store_open(o->out, m, TC_STORE_ATOMIC, &r->store, r->err, sizeof r->err);
    return TC_OK;
}

/* Other ranks: the same model and state, from the broadcast texts. */
static int receive(run *r)
{
    tc_job *j = &r->job;
    int st = tc_model_load_string(j->model_text, j->model_origin, &r->m, r->err, sizeof r->err);
    if (st == TC_OK && j->state_text)
        st = tc_state_parse_json(r->m, j->state_text, strlen(j->state_text), j->state_origin, &r->state,
                                 r->err, sizeof r->err);
    return st;
}

static int setup(run *r)
{
    tc_job *j = &r->job;
    r->cfg = (tc_run_cfg){.horizon = j->horizon, .bin_width = j->bin_width, .seed = j->seed};
    r->nsc = 1 + j->n_scenarios;
    r->sc = calloc((size_t)r->nsc, sizeof *r->sc);
    r->local = calloc((size_t)r->nsc, sizeof *r->local);
    r->global = calloc((size_t)r->nsc, sizeof *r->global);
    if (!r->sc || !r->local || !r->global)
        return TC_ERR_RUNTIME;
    int S = r->m->plant.n_stations, T = tc_run_cfg_bins(&r->cfg);
    for (int k = 0; k < r->nsc; k++) {
        r->sc[k] = k ? &r->m->scenarios[tc_model_scenario_index(r->m, j->scenarios[k - 1])] : NULL;
        r->local[k] = tc_sample_create(1, S, T);
        r->global[k] = r->rank == 0 ? tc_sample_create(1, S, T) : NULL;
        if (!r->local[k] || (r->rank == 0 && !r->global[k]))
            return TC_ERR_RUNTIME;
    }
    return TC_OK;
}

typedef struct progress {
    run *r;
    int k;
    long n;
    double t0;
} progress;

static void show_progress(void *user, long done)
{
    progress *p = user;
    double el = tc_cli_now() - p->t0, rate = done / (el > 0 ? el : 1e-9);
    fprintf(stderr, "\r  %s: %ld/%ld replications on rank 0 (x%d ranks), %.0f/s, ETA %.1f s   ",
            p->k ? p->r->job.scenarios[p->k - 1] : "baseline", done, p->n, p->r->size, rate,
            (p->n - done) / rate);
}

/* Rank 0, with --precision: done yet?  If not, how many replications in all next. */
static int precise_enough(run *r, long *next)
{
    double need = 0;
    int ok = 1;
    for (int k = 0; k < r->nsc; k++) {
        tc_summary *sum = tc_summary_compute(r->global[k], k ? r->global[0] : NULL, 0.95);
        if (!sum)
            return -1;
        ok &= tc_summary_precise(sum, r->job.precision);
        for (int s = 0; s < sum->S; s++) {
            const tc_station_summary *o = &sum->station[s];
            double half = 0.5 * (o->onset_hi - o->onset_lo), want = r->job.precision * fabs(o->onset_mean);
            if (o->n_formed >= 2 && want > 0 && half > want) {
                double n = r->total * (half / want) * (half / want);
                need = n > need ? n : need;
            }
        }
        tc_summary_destroy(sum);
    }
    long lo = r->total + 50, target = (long)ceil(1.1 * need);
    *next = target < lo ? lo : target;
    if (*next > r->job.replications)
        *next = r->job.replications;
    return ok;
}

static int simulate(run *r)
{
    long target = r->job.precision > 0 ? r->job.min_replications : r->job.replications;
    if (target > r->job.replications)
        target = r->job.replications;
    int show = r->rank == 0 && !r->o.quiet && isatty(2);
    for (;;) {
        long count = target - r->total, lo, n;
        tc_share(r->total, count, r->rank, r->size, r->job.rank0_works, &lo, &n);
        int st = TC_OK;
        for (int k = 0; k < r->nsc && st == TC_OK; k++) {
            progress p = {r, k, n, tc_cli_now()};
            tc_ensemble_hooks hooks = {show ? show_progress : NULL, NULL, &p, 0};
            st = tc_sample_reserve(r->local[k], n > 0 ? n : 1);
            if (st == TC_OK)
                st = tc_ensemble_run(r->m, r->state, r->sc[k], &r->cfg, lo, n, r->job.threads, r->local[k], 0,
                                     &hooks, r->err, sizeof r->err);
            r->local[k]->R = n;
        }
        if (show)
            fputc('\n', stderr);
        if (st != TC_OK)
            fprintf(stderr, "twincast: rank %d: %s\n", r->rank, r->err);
        int worst = st;
        MPI_Allreduce(&st, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        if (worst != TC_OK) {
            snprintf(r->err, sizeof r->err, "a rank failed; no forecast written");
            return worst;
        }
        for (int k = 0; k < r->nsc; k++)
            if ((st = tc_sample_gather(r->local[k], n, r->global[k], r->total, MPI_COMM_WORLD, r->err,
                                       sizeof r->err)) != TC_OK)
                return st;
        r->total = target;
        long decision[2] = {1, 0}; /* stop?, next target */
        if (r->rank == 0) {
            r->stop_reason = "fixed";
            if (r->job.precision > 0) {
                int ok = precise_enough(r, &decision[1]);
                if (ok < 0)
                    return TC_ERR_RUNTIME;
                r->stop_reason = ok ? "precision reached" : "maximum replications";
                decision[0] = ok || r->total >= r->job.replications;
            }
        }
        MPI_Bcast(decision, 2, MPI_LONG, 0, MPI_COMM_WORLD);
        if (decision[0])
            return TC_OK;
        target = decision[1];
    }
}

/* Rank 0: summarise, print, write. */
static int conclude(run *r)
{
    const tc_model *m = r->m;
    int S = m->plant.n_stations, T = tc_run_cfg_bins(&r->cfg), st = TC_OK, epoch = 0;
    tc_summary **sums = calloc((size_t)r->nsc, sizeof *sums);
    double *time = malloc(sizeof(double) * (size_t)T);
    const char **names = malloc(sizeof *names * (size_t)S);
    int *thresholds = malloc(sizeof *thresholds * (size_t)S);
    tc_forecast_view v = {0};
    v.summary = malloc(sizeof *v.summary * (size_t)S * (size_t)r->nsc);
    v.scenario = malloc(sizeof *v.scenario * (size_t)r->nsc);
    v.station = malloc(sizeof *v.station * (size_t)S);
    if (!sums || !time || !names || !thresholds || !v.summary || !v.scenario || !v.station) {
        snprintf(r->err, sizeof r->err, "out of memory");
        st = TC_ERR_RUNTIME;
        goto done;
    }
    for (int b = 0; b < T; b++) {
        double hi = (b + 1) * r->cfg.bin_width;
        time[b] = 0.5 * (b * r->cfg.bin_width + (hi < r->cfg.horizon ? hi : r->cfg.horizon));
    }
    for (int s = 0; s < S; s++) {
        names[s] = m->plant.stations[s].name;
        thresholds[s] = m->plant.stations[s].threshold;
        snprintf(v.station[s], 64, "%s", names[s]);
    }
    char as_of[64];
    if (r->state && r->state->as_of[0])
        snprintf(as_of, sizeof as_of, "%s", r->state->as_of);
    else
        tc_iso_now(as_of, sizeof as_of);
    v.S = S;
    v.n_scenarios = r->nsc;
    v.horizon = r->cfg.horizon;
    v.replications = r->total;
    snprintf(v.as_of, sizeof v.as_of, "%s", as_of);
    snprintf(v.time_unit, sizeof v.time_unit, "%s", tc_time_unit_name(m->unit));
    for (int k = 0; k < r->nsc && st == TC_OK; k++) {
        if (!(sums[k] = tc_summary_compute(r->global[k], k ? r->global[0] : NULL, 0.95))) {
            snprintf(r->err, sizeof r->err, "out of memory for the statistics");
            st = TC_ERR_RUNTIME;
            break;
        }
        snprintf(v.scenario[k], 64, "%s", k ? r->job.scenarios[k - 1] : "baseline");
        memcpy(v.summary + (size_t)k * S, sums[k]->station, sizeof *v.summary * (size_t)S);
        if (r->store) {
            tc_scenario_data d = {v.scenario[k], names, time, r->global[k], sums[k], k == 0, thresholds};
            if (k == 0)
                st = tc_store_begin_epoch(r->store, &epoch, r->err, sizeof r->err);
            if (st == TC_OK)
                st = tc_store_write_scenario(r->store, &d, r->err, sizeof r->err);
        }
    }
    if (getenv("TWINCAST_TIMING"))
        fprintf(stderr, "twincast timing: statistics + datasets written at %.4f s\n", MPI_Wtime() - r->t0);
    if (st == TC_OK)
        tc_cli_print_table(stdout, &v);
    if (st == TC_OK && r->store) {
        tc_epoch_info info = {as_of,
                              r->cfg.horizon,
                              tc_time_unit_name(m->unit),
                              r->cfg.seed,
                              r->total,
                              r->size,
                              r->job.threads,
                              r->stop_reason,
                              r->job.precision,
                              MPI_Wtime() - r->t0,
                              r->job.state_text,
                              0,
                              NULL,
                              NULL,
                              0,
                              NULL};
        st = tc_store_end_epoch(r->store, &info, r->err, sizeof r->err);
    }
    if (r->store) {
        char cerr[512];
        tc_status cs = tc_store_close(r->store, st == TC_OK, cerr, sizeof cerr);
        r->store = NULL;
        if (st == TC_OK && cs != TC_OK) {
            st = cs;
            snprintf(r->err, sizeof r->err, "%s", cerr);
        }
    }
    if (st == TC_OK) {
        fprintf(stderr,
                "twincast: %ld replications x %d scenario%s on %d rank%s x %d thread%s in %.3f s (%s)",
                r->total, r->nsc, r->nsc == 1 ? "" : "s", r->size, r->size == 1 ? "" : "s", r->job.threads,
                r->job.threads == 1 ? "" : "s", MPI_Wtime() - r->t0, r->stop_reason);
        if (r->o.out)
            fprintf(stderr, "; epoch %06d in %s", epoch, r->o.out);
        fputc('\n', stderr);
    }
done:
    for (int k = 0; sums && k < r->nsc; k++)
        tc_summary_destroy(sums[k]);
    free(sums);
    free(time);
    free(names);
    free(thresholds);
    free(v.summary);
    free(v.scenario);
    free(v.station);
    return st;
}

static void cleanup(run *r)
{
    for (int k = 0; k < r->nsc; k++) {
        if (r->local)
            tc_sample_destroy(r->local[k]);
        if (r->global)
            tc_sample_destroy(r->global[k]);
    }
    free(r->local);
    free(r->global);
    free(r->sc);
    if (r->store)
        tc_store_close(r->store, 0, NULL, 0);
    tc_state_destroy(r->state);
    tc_model_destroy(r->m);
    tc_job_clear(&r->job);
}

int tc_cmd_forecast(int argc, char **argv)
{
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    run r = {0};
    r.t0 = MPI_Wtime();
    MPI_Comm_rank(MPI_COMM_WORLD, &r.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &r.size);
    int st = parse(&r.o, argc, argv, r.rank);
    if (st != TC_OK) {
        MPI_Finalize();
        return st < 0 ? TC_OK : st; /* -1: --help was printed */
    }
    if (r.rank == 0) {
        st = prepare(&r);
        if (st == TC_OK && !r.job.rank0_works && r.size < 2) {
            st = TC_ERR_INPUT;
            snprintf(r.err, sizeof r.err, "--no-rank0-work needs at least two ranks");
        }
        if (st == TC_OK && r.o.expect_ranks && r.o.expect_ranks != r.size) {
            /* N copies started side by side would each run the whole forecast */
            st = TC_ERR_INPUT;
            snprintf(r.err, sizeof r.err,
                     "started with %d MPI rank%s but --expect-ranks %ld: launch with srun or "
                     "mpirun, not as independent copies",
                     r.size, r.size == 1 ? "" : "s", r.o.expect_ranks);
        }
    }
    MPI_Bcast(&st, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (st == TC_OK)
        st = tc_job_broadcast(&r.job, MPI_COMM_WORLD, r.err, sizeof r.err);
    if (st == TC_OK && r.rank != 0)
        st = receive(&r);
    if (st == TC_OK && (st = setup(&r)) != TC_OK && !r.err[0])
        snprintf(r.err, sizeof r.err, "out of memory");
    if (st != TC_OK && r.rank != 0)
        fprintf(stderr, "twincast: rank %d: %s\n", r.rank, r.err);
    int worst = st; /* every rank goes on, or none does */
    MPI_Allreduce(&st, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    st = worst;
    double t_sim = MPI_Wtime();
    if (st == TC_OK)
        st = simulate(&r);
    double t_end_sim = MPI_Wtime();
    if (st == TC_OK && r.rank == 0)
        st = conclude(&r);
    if (r.rank == 0 && getenv("TWINCAST_TIMING"))
        fprintf(stderr,
                "twincast timing: set-up %.4f s, replications + gather %.4f s, statistics + file %.4f s\n",
                t_sim - r.t0, t_end_sim - t_sim, MPI_Wtime() - t_end_sim);
    if (st != TC_OK && r.rank == 0)
        fprintf(stderr, "twincast: %s\n", r.err[0] ? r.err : "out of memory");
    cleanup(&r);
    MPI_Finalize();
    return st;
}
