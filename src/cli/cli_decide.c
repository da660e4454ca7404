/*
 * cli_decide.c - `twincast decide`: options in, tc_decide_run (the library's
 * decision job on MPI_COMM_WORLD), the ranking as a table or JSON out.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

#include "cli.h"
#include "twincast/decide.h"

static const char usage[] =
    "usage: twincast decide MODEL.yaml [--state STATE.json] [--responses A,B,...] [--delta D]\n"
    "                       [--confidence C] [--n0 N] [--max-replications N] [--horizon DUR]\n"
    "                       [--start ISO] [--seed S] [--threads T] [--format table|json] [-o OUT.h5]\n"
    "       mpirun -np P twincast decide ...   |   srun twincast decide ...\n"
    "\n"
    "Which of the model's responses (candidate actions, `responses:`) is best by its\n"
    "`objective:` (lower is better), from the plant's current state, with a stated\n"
    "probability of correct selection: Kim and Nelson's fully sequential procedure\n"
    "with common random numbers.  A first stage of n0 replications of every response,\n"
    "then batches of those still in the race, each eliminated as soon as another is\n"
    "better beyond doubt; it stops when one is left.  The guarantee: if the best is at\n"
    "least --delta better than every other, it is chosen with probability at least\n"
    "--confidence.  Prints each response's objective with its interval, replications\n"
    "used, the stage it was eliminated at, its MCB interval against the best, and what\n"
    "Rinott's two-stage procedure would have needed.\n"
    "\n"
    "  --state STATE.json    the live plant state to start from\n"
    "  --responses A,B,...   compare only these (default: all the model's)\n"
    "  --delta D             indifference zone, in objective units (default: the\n"
    "                        objective's `delta`; one of the two is needed)\n"
    "  --confidence C        probability of correct selection, in (0.5, 1) (default 0.95)\n"
    "  --n0 N                first-stage replications, at least 5 (default 20)\n"
    "  --max-replications N  per response (default 100000); reached with several left:\n"
    "                        the survivors are reported and no guarantee holds\n"
    "  --horizon DUR, --start ISO, --seed S, --threads T   as for forecast\n"
    "  --format table|json   json: the recommendation object on stdout\n"
    "  -o OUT.h5             also keep it in the file as /decisions/NNNNNN (with every\n"
    "                        stage's objective values); `twincast report OUT.h5 --decisions`\n"
    "\n"
    "exit status: 0 ok, 1 run-time failure, 2 bad usage or bad input\n";

enum { O_STATE = 256, O_RESP, O_DELTA, O_CONF, O_N0, O_MAX, O_HOR, O_START, O_SEED, O_THR, O_FORMAT };

static int real_arg(const char *s, double *out)
{
    char *end;
    *out = strtod(s, &end);
    return *s == '\0' || *end != '\0';
}

/* --responses a,b,c into o->responses (pointers into a copy that lives until exit). */
static const char *split_responses(tc_decide_opts *o, const char *list)
{
    static char copy[4096];
    snprintf(copy, sizeof copy, "%s", list);
    for (char *save = NULL, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (o->n_responses == TC_DECIDE_MAX_RESPONSES)
            return "at most 64 responses";
        o->responses[o->n_responses++] = t;
    }
    return o->n_responses ? NULL : "--responses needs names";
}

static int parse(tc_decide_opts *o, int *json, int argc, char **argv, int rank)
{
    static const struct option longopts[] = {{"state", required_argument, 0, O_STATE},
                                             {"responses", required_argument, 0, O_RESP},
                                             {"delta", required_argument, 0, O_DELTA},
                                             {"confidence", required_argument, 0, O_CONF},
                                             {"n0", required_argument, 0, O_N0},
                                             {"max-replications", required_argument, 0, O_MAX},
                                             {"horizon", required_argument, 0, O_HOR},
                                             {"start", required_argument, 0, O_START},
                                             {"seed", required_argument, 0, O_SEED},
                                             {"threads", required_argument, 0, O_THR},
                                             {"format", required_argument, 0, O_FORMAT},
                                             {"output", required_argument, 0, 'o'},
                                             {"help", no_argument, 0, 'h'},
                                             {0, 0, 0, 0}};
    const char *bad = NULL, *arg = NULL;
    long v;
    int c;
    tc_decide_opts_default(o);
    *json = 0;
    optind = 1;
    opterr = rank == 0;
    while (!bad && (c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        arg = optarg;
        switch (c) {
        case O_STATE: o->forecast.state = optarg; break;
        case O_RESP: bad = split_responses(o, optarg); break;
        case O_DELTA:
            if (real_arg(optarg, &o->delta) || !(o->delta > 0))
                bad = "--delta must be > 0";
            break;
        case O_CONF:
            if (real_arg(optarg, &o->confidence) || !(o->confidence > 0.5 && o->confidence < 1))
                bad = "--confidence must be in (0.5, 1)";
            break;
        case O_N0:
            if (tc_cli_parse_long(optarg, 5, 1000000, &o->n0))
                bad = "--n0 must be from 5 to 1000000";
            break;
        case O_MAX:
            if (tc_cli_parse_long(optarg, 5, 100000000, &o->max_replications))
                bad = "--max-replications must be from 5 to 100000000";
            break;
        case O_HOR: o->forecast.horizon = optarg; break;
        case O_START: o->forecast.start = optarg; break;
        case O_SEED:
            if (tc_cli_parse_long(optarg, 0, 4294967295L, &o->forecast.seed))
                bad = "--seed must be from 0 to 4294967295";
            break;
        case O_THR:
            if (tc_cli_parse_long(optarg, 1, 4096, &v))
                bad = "--threads must be from 1 to 4096";
            o->forecast.threads = (int)v;
            break;
        case O_FORMAT:
            if (!strcmp(optarg, "json"))
                *json = 1;
            else if (strcmp(optarg, "table") != 0)
                bad = "--format must be table or json";
            break;
        case 'o': o->forecast.output = optarg; break;
        case 'h':
            if (rank == 0)
                fputs(usage, stdout);
            return -1;
        default: bad = "bad option"; arg = NULL;
        }
    }
    if (!bad && optind != argc - 1)
        bad = optind >= argc ? "missing MODEL.yaml" : "one model file only", arg = NULL;
    if (bad)
        return rank == 0 ? tc_cli_usage_error("decide", bad, arg) : TC_ERR_INPUT;
    o->forecast.model = argv[optind];
    return TC_OK;
}

void tc_cli_print_decision(FILE *f, const tc_decision *r)
{
    const tc_decide_choice *b = &r->choice[r->selected];
    fprintf(f, "decision as of %s (objective: lower is better; horizon %g %s)\n\n", r->as_of, r->horizon,
            r->time_unit);
    fprintf(f, "%-22s %10s %23s %8s %11s %23s\n", "response", "objective", "[CI]", "reps", "eliminated",
            "MCB vs best");
    for (int i = 0; i < r->n; i++) {
        const tc_decide_choice *c = &r->choice[i];
        char elim[24] = "-";
        if (c->eliminated_at)
            snprintf(elim, sizeof elim, "stage %ld", c->eliminated_at);
        fprintf(f, "%-22s %10.4g [%10.4g, %10.4g] %8ld %11s [%10.4g, %10.4g]%s\n", c->name, c->mean, c->lo,
                c->hi, c->replications, elim, c->mcb_lo, c->mcb_hi, i == r->selected ? "  <- best" : "");
    }
    if (r->guaranteed)
        fprintf(
            f,
            "\nbest response: %s, objective %.4g [%.4g, %.4g]; chosen with probability >= %.2f if it is at "
            "least %g better than the rest (KN, common random numbers)\n",
            b->name, b->mean, b->lo, b->hi, r->confidence, r->delta);
    else
        fprintf(
            f,
            "\nno guarantee: --max-replications reached with several responses left; the best mean so far "
            "is %s\n",
            b->name);
    fprintf(f, "replications: %ld run (%ld stages), Rinott's two-stage procedure would need about %.0f\n",
            r->replications_run, r->stages, r->rinott);
}

int tc_cmd_decide(int argc, char **argv)
{
    int provided, rank, json;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    tc_decide_opts o;
    int st = parse(&o, &json, argc, argv, rank);
    if (st != TC_OK) {
        MPI_Finalize();
        return st < 0 ? TC_OK : st; /* -1: --help was printed */
    }
    tc_decide_result r;
    char err[1024];
    st = tc_decide_run(&o, MPI_COMM_WORLD, &r, err, sizeof err);
    if (st == TC_OK && rank == 0) {
        char *text = json ? tc_decide_json(&r) : NULL;
        if (json && text)
            printf("%s\n", text);
        else
            tc_cli_print_decision(stdout, &r);
        free(text);
        fprintf(
            stderr,
            "twincast: decided among %d responses: %ld replications on %d rank%s x %d thread%s in %.3f s\n",
            r.n, r.replications_run, r.ranks, r.ranks == 1 ? "" : "s", r.threads, r.threads == 1 ? "" : "s",
            r.seconds);
    } else if (st != TC_OK && (rank == 0 || err[0])) {
        fprintf(stderr, "twincast: %s\n", err[0] ? err : "out of memory");
    }
    tc_decision_clear(&r);
    MPI_Finalize();
    return st;
}
