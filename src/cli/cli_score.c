/*
 * cli_score.c - `twincast score`: the skill of a twin's forecasts, from
 * the /skill table of its file (score.h), as a table or JSON.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <mpi.h>

#include "cli.h"
#include "twincast/score.h"

static const char usage[] =
    "usage: twincast score FILE.h5 [--spacing DUR] [--station NAME] [--pit-bins K]\n"
    "                      [--no-reference] [--threads T] [--json]\n"
    "\n"
    "How good the twin's forecasts were.  `serve` and `replay` with -o score every\n"
    "forecast against what the plant then did (the /skill table); this prints, per\n"
    "station: the mean CRPS of the onset forecast (censored at the horizon), Brier\n"
    "scores of an onset within each lead with their reliability and resolution, how\n"
    "often the 90% band covered the realized onset, and whether the PIT histogram is\n"
    "uniform (chi-square), on forecasts spaced at least --spacing apart since\n"
    "overlapping ones are correlated.  Skill scores compare each with a reference\n"
    "forecast: the same model from an empty plant, without the live state.\n"
    "\n"
    "  --spacing DUR    PIT test on forecasts this far apart (default: the horizon)\n"
    "  --station NAME   only this station\n"
    "  --pit-bins K     PIT histogram bins (default 10)\n"
    "  --no-reference   skip the empty-plant reference runs\n"
    "  --threads T      threads for the reference runs (default: OpenMP's)\n"
    "  --json           one JSON object on stdout\n"
    "\n"
    "exit status: 0 ok, 1 run-time failure, 2 bad usage or bad input\n";

/* `, "name": x` (x null when not finite), or without the comma as the first member. */
static void field(FILE *f, const char *name, double x, int first)
{
    fprintf(f, "%s\"%s\": ", first ? "" : ", ", name);
    if (isfinite(x))
        fprintf(f, "%.6g", x);
    else
        fputs("null", f);
}

static void print_brier(FILE *f, const tc_brier *b)
{
    fputs("{", f);
    field(f, "n", (double)b->n, 1);
    field(f, "score", b->score, 0);
    field(f, "reliability", b->reliability, 0);
    field(f, "resolution", b->resolution, 0);
    field(f, "uncertainty", b->uncertainty, 0);
    fputs("}", f);
}

static void print_json(FILE *f, const tc_score_result *r)
{
    fprintf(f,
            "{\"time_unit\": \"%s\", \"horizon\": %.6g, \"spacing\": %.6g, \"reference_runs\": %d, "
            "\"stations\": [",
            r->unit, r->horizon, r->spacing, r->reference_runs);
    for (int s = 0; s < r->n; s++) {
        const tc_station_score *o = &r->station[s];
        fprintf(
            f,
            "%s{\"station\": \"%s\", \"forecasts\": %ld, \"open\": %ld, \"scored\": %ld, \"formed\": %ld, ",
            s ? ", " : "", o->name, o->forecasts, o->open, o->scored, o->formed);
        const struct {
            const char *name;
            double x;
        } v[] = {{"crps", o->crps},
                 {"crps_reference", o->crps_ref},
                 {"crps_skill", tc_score_skill(o->crps, o->crps_ref)},
                 {"band_n", (double)o->band_n},
                 {"band_in", (double)o->band_in},
                 {"band_coverage", o->band_n ? (double)o->band_in / (double)o->band_n : NAN},
                 {"spaced", (double)o->spaced},
                 {"pit_mean", o->pit_mean},
                 {"pit_p", o->pit_p},
                 {"pit_bias_mean", o->bias_mean},
                 {"pit_bias_z", o->bias_z},
                 {"pit_bias_p", o->bias_p},
                 {"band_width", o->band_width},
                 {"spread", o->spread},
                 {"pit_cover90", o->pit_cover90}};
        for (size_t k = 0; k < sizeof v / sizeof *v; k++)
            field(f, v[k].name, v[k].x, k == 0);
        fputs(", \"pit_histogram\": [", f);
        for (int b = 0; b < o->pit_bins; b++)
            fprintf(f, "%s%ld", b ? ", " : "", o->pit_hist[b]);
        fputs("], \"brier\": [", f);
        for (int k = 0; k < o->n_leads; k++) {
            fprintf(f, "%s{\"lead\": %.6g, \"forecast\": ", k ? ", " : "", o->lead[k]);
            print_brier(f, &o->brier[k]);
            fputs(", \"reference\": ", f);
            print_brier(f, &o->brier_ref[k]);
            field(f, "skill", tc_score_skill(o->brier[k].score, o->brier_ref[k].score), 0);
            fputs("}", f);
        }
        fputs("]}", f);
    }
    fputs("]}\n", f);
}

static void print_table(FILE *f, const tc_score_result *r)
{
    fprintf(f, "forecast skill (times in %s; horizon %g; PIT on forecasts %g apart)\n", r->unit, r->horizon,
            r->spacing);
    for (int s = 0; s < r->n; s++) {
        const tc_station_score *o = &r->station[s];
        fprintf(f, "\n%s: %ld forecasts scored (%ld cut short by the end of the data); formed in %ld\n",
                o->name, o->scored, o->open, o->formed);
        if (!o->scored)
            continue;
        fprintf(f, "  CRPS          %10.4g   reference %10.4g   skill %6.3f\n", o->crps, o->crps_ref,
                tc_score_skill(o->crps, o->crps_ref));
        for (int k = 0; k < o->n_leads; k++) {
            const tc_brier *b = &o->brier[k];
            fprintf(f,
                    "  Brier <= %-5g %10.4f   reference %10.4f   skill %6.3f   (reliability %.4f, resolution "
                    "%.4f, uncertainty %.4f; n %ld)\n",
                    o->lead[k], b->score, o->brier_ref[k].score,
                    tc_score_skill(b->score, o->brier_ref[k].score), b->reliability, b->resolution,
                    b->uncertainty, b->n);
        }
        if (o->band_n)
            fprintf(f, "  90%% band      covered %ld of %ld realized onsets (%.3f); mean width %.4g\n",
                    o->band_in, o->band_n, (double)o->band_in / (double)o->band_n, o->band_width);
        fprintf(f, "  PIT           %ld spaced forecasts, mean %.3f, uniformity p = %.3g   [", o->spaced,
                o->pit_mean, o->pit_p);
        for (int b = 0; b < o->pit_bins; b++)
            fprintf(f, "%s%ld", b ? " " : "", o->pit_hist[b]);
        fputs("]\n", f);
        fprintf(f, "  90%% central  covered %.3f of what happened (PIT in [0.05, 0.95]); mean spread %.4g\n",
                o->pit_cover90, o->spread);
        fprintf(f, "  PIT bias      mean %.3f over all %ld (overlap-corrected): z = %.2f, p = %.3g\n",
                o->bias_mean, o->scored, o->bias_z, o->bias_p);
    }
}

int tc_cmd_score(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"spacing", required_argument, 0, 's'},  {"station", required_argument, 0, 'S'},
        {"pit-bins", required_argument, 0, 'b'}, {"no-reference", no_argument, 0, 'R'},
        {"threads", required_argument, 0, 't'},  {"json", no_argument, 0, 'j'},
        {"help", no_argument, 0, 'h'},           {0, 0, 0, 0}};
    tc_score_opts o;
    tc_score_opts_default(&o);
    int c, json = 0;
    long v;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(usage, stdout); return TC_OK;
        case 's': o.spacing = optarg; break;
        case 'S': o.station = optarg; break;
        case 'R': o.reference = 0; break;
        case 'j': json = 1; break;
        case 'b':
            if (tc_cli_parse_long(optarg, 2, TC_SCORE_PIT_BINS_MAX, &v))
                return tc_cli_usage_error("score", "--pit-bins must be from 2 to 50", optarg);
            o.pit_bins = (int)v;
            break;
        case 't':
            if (tc_cli_parse_long(optarg, 1, 4096, &v))
                return tc_cli_usage_error("score", "--threads must be from 1 to 4096", optarg);
            o.threads = (int)v;
            break;
        default: return tc_cli_usage_error("score", "bad option", NULL);
        }
    }
    if (argc - optind != 1)
        return tc_cli_usage_error("score", "need FILE.h5", NULL);
    o.path = argv[optind];
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided); /* the reference replicates */
    char err[1024] = "";
    tc_score_result r;
    int st = tc_score_run(&o, &r, err, sizeof err);
    if (st == TC_OK) {
        if (json)
            print_json(stdout, &r);
        else
            print_table(stdout, &r);
        tc_score_result_free(&r);
    } else {
        fprintf(stderr, "twincast: %s\n", err);
    }
    MPI_Finalize();
    return st;
}
