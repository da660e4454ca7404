/*
 * cli_merge.c - `twincast merge`: the files of a Slurm job array, one per
 * scenario, combined into one forecast with a scenario comparison.  The
 * inputs must share the model and the baseline (same seed, state and
 * replications: common random numbers), which is checked, so that the
 * paired differences to the baseline stay paired.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "twincast/forecast.h"

static const char usage[] = "usage: twincast merge OUT.h5 IN.h5 [IN.h5]...\n"
                            "\n"
                            "Combines the latest epoch of each input (forecasts of the same model, run with\n"
                            "the same seed, state and replications, e.g. one scenario per Slurm array task)\n"
                            "into one new epoch of OUT.h5: the shared baseline and every input's scenarios,\n"
                            "with paired differences to the baseline.  Prints the comparison.\n"
                            "\n"
                            "exit status: 0 ok, 1 run-time failure, 2 bad usage or bad input\n";

typedef struct part {
    char name[64];
    tc_scenario_read r;
    tc_summary *sum;
} part;

static int same_doubles(const double *a, const double *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(a[i] == b[i] || (isnan(a[i]) && isnan(b[i]))))
            return 0;
    return 1;
}

static int gather_parts(int nin, char **in, part **out, int *nparts, char *err, size_t errlen)
{
    int cap = 8, n = 0;
    part *p = calloc((size_t)cap, sizeof *p);
    if (!p)
        return TC_ERR_RUNTIME;
    for (int i = 0; i < nin; i++) {
        tc_forecast_view *v = NULL;
        int st = tc_store_read(in[i], 0, NULL, &v, err, errlen);
        if (st != TC_OK) {
            *out = p;
            *nparts = n;
            return st;
        }
        for (int k = 0; k < v->n_scenarios; k++) {
            int base = !strcmp(v->scenario[k], "baseline");
            if (base && i > 0 && n > 0 && p[0].r.sample) { /* the shared baseline: must be the very same */
                tc_scenario_read b;
                if ((st = tc_store_read_scenario(in[i], v->epoch, "baseline", &b, err, errlen)) != TC_OK)
                    break;
                size_t cells = (size_t)b.sample->R * (size_t)b.sample->S;
                int same =
                    b.sample->R == p[0].r.sample->R && b.sample->S == p[0].r.sample->S &&
                    same_doubles(b.sample->m[TC_M_ONSET], p[0].r.sample->m[TC_M_ONSET], cells) &&
                    same_doubles(b.sample->m[TC_M_MEAN_WAITING], p[0].r.sample->m[TC_M_MEAN_WAITING], cells);
                tc_scenario_read_clear(&b);
                if (!same) {
                    snprintf(err, errlen,
                             "%s: its baseline differs from %s's (another seed, state or count): the "
                             "scenarios would not share random numbers",
                             in[i], in[0]);
                    st = TC_ERR_INPUT;
                    break;
                }
                continue;
            }
            for (int j = 0; j < n; j++)
                if (!strcmp(p[j].name, v->scenario[k])) {
                    snprintf(err, errlen, "%s: scenario '%s' is also in another input", in[i],
                             v->scenario[k]);
                    st = TC_ERR_INPUT;
                }
            if (st != TC_OK)
                break;
            if (n == cap) {
                part *np = realloc(p, sizeof *p * (size_t)(cap *= 2));
                if (!np) {
                    st = TC_ERR_RUNTIME;
                    break;
                }
                p = np;
            }
            memset(&p[n], 0, sizeof p[n]);
            snprintf(p[n].name, sizeof p[n].name, "%s", v->scenario[k]);
            if ((st = tc_store_read_scenario(in[i], v->epoch, v->scenario[k], &p[n].r, err, errlen)) != TC_OK)
                break;
            if (n == 0 && !base) {
                snprintf(err, errlen, "%s: the first input must hold a baseline", in[i]);
                st = TC_ERR_INPUT;
                break;
            }
            n++;
        }
        tc_forecast_view_destroy(v);
        if (st != TC_OK) {
            *out = p;
            *nparts = n;
            return st;
        }
    }
    *out = p;
    *nparts = n;
    return TC_OK;
}

int tc_cmd_merge(int argc, char **argv)
{
    static const struct option longopts[] = {{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'h') {
            fputs(usage, stdout);
            return TC_OK;
        }
        return tc_cli_usage_error("merge", "bad option", NULL);
    }
    if (argc - optind < 2)
        return tc_cli_usage_error("merge", "need OUT.h5 and at least one IN.h5", NULL);
    const char *outp = argv[optind];
    char **in = argv + optind + 1;
    int nin = argc - optind - 1, st = TC_OK, nparts = 0, epoch = 0;
    char err[1024] = "";
    char *text = tc_store_read_model(in[0]);
    tc_model *m = NULL;
    part *p = NULL;
    tc_store *store = NULL;
    char *state = NULL, *offsets = NULL;
    tc_forecast_view *first = NULL;
    if (!text) {
        snprintf(err, sizeof err, "%s: not a twincast forecast file (no /model_yaml)", in[0]);
        st = TC_ERR_INPUT;
        goto done;
    }
    for (int i = 1; i < nin && st == TC_OK; i++) {
        char *t = tc_store_read_model(in[i]);
        if (!t || strcmp(t, text) != 0) {
            snprintf(err, sizeof err, "%s: %s", in[i],
                     t ? "holds another model than the first input" : "not a twincast forecast file");
            st = TC_ERR_INPUT;
        }
        free(t);
    }
    if (st == TC_OK)
        st = tc_model_load_string(text, in[0], &m, err, sizeof err);
    if (st == TC_OK)
        st = gather_parts(nin, in, &p, &nparts, err, sizeof err);
    if (st == TC_OK)
        st = tc_store_read(in[0], 0, NULL, &first, err, sizeof err);
    if (st == TC_OK)
        st = tc_store_read_resume(in[0], &state, &offsets, &epoch, err, sizeof err);
    for (int k = 0; st == TC_OK && k < nparts; k++) {
        part *q = &p[k];
        if (!(q->sum = tc_summary_compute(q->r.sample, k ? p[0].r.sample : NULL, 0.95))) {
            st = TC_ERR_RUNTIME;
            snprintf(err, sizeof err, "out of memory");
            break;
        }
        size_t ts = (size_t)q->r.sample->T * (size_t)q->r.sample->S; /* the bands as the runs stored them */
        memcpy(q->sum->waiting_quantiles, q->r.waiting_quantiles, sizeof(double) * ts * TC_NQ);
        memcpy(q->sum->bottleneck_probability, q->r.bottleneck_probability, sizeof(double) * ts);
        q->sum->waiting_rank_error = q->r.waiting_rank_error;
        q->sum->waiting_resolution = q->r.waiting_resolution;
    }
    if (st == TC_OK)
        st = tc_store_open(outp, m, TC_STORE_ATOMIC, &store, err, sizeof err);
    char reason[64];
    snprintf(reason, sizeof reason, "merged from %d files", nin);
    const char **names = calloc((size_t)nparts + 1, sizeof *names);
    tc_sample **samples = calloc((size_t)nparts + 1, sizeof *samples);
    tc_summary **sums = calloc((size_t)nparts + 1, sizeof *sums);
    if (st == TC_OK && (!names || !samples || !sums)) {
        snprintf(err, sizeof err, "out of memory");
        st = TC_ERR_RUNTIME;
    }
    for (int k = 0; st == TC_OK && k < nparts; k++) {
        names[k] = p[k].name;
        samples[k] = p[k].r.sample;
        sums[k] = p[k].sum;
    }
    if (st == TC_OK) {
        tc_epoch_data d = {.m = m,
                           .n_scenarios = nparts,
                           .scenario = names,
                           .sample = samples,
                           .summary = sums,
                           .time = p[0].r.time,
                           .started = NAN};
        tc_epoch_info info = {.as_of = first->as_of,
                              .horizon = first->horizon,
                              .time_unit = first->time_unit,
                              .timezone = m->zone.name,
                              .seed = first->seed,
                              .replications = first->replications,
                              .ranks = first->ranks,
                              .threads = first->threads,
                              .stop_reason = reason,
                              .state_json = state};
        st = tc_forecast_write_epoch(store, &d, &info, &epoch, err, sizeof err);
    }
    free(names);
    free(samples);
    free(sums);
    if (store) {
        char cerr[512];
        if (tc_store_close(store, st == TC_OK, cerr, sizeof cerr) != TC_OK && st == TC_OK) {
            st = TC_ERR_RUNTIME;
            snprintf(err, sizeof err, "%s", cerr);
        }
    }
    if (st == TC_OK) {
        tc_forecast_view *v = NULL;
        if (tc_store_read(outp, epoch, NULL, &v, err, sizeof err) == TC_OK) {
            printf("%s, epoch %06d (%s)\n", outp, v->epoch, reason);
            tc_cli_print_table(stdout, v);
            tc_forecast_view_destroy(v);
        }
    }
done:
    if (st != TC_OK)
        fprintf(stderr, "twincast: %s\n", err);
    for (int k = 0; p && k < nparts; k++) {
        tc_scenario_read_clear(&p[k].r);
        tc_summary_destroy(p[k].sum);
    }
    free(p);
    free(state);
    free(offsets);
    tc_forecast_view_destroy(first);
    tc_model_destroy(m);
    free(text);
    return st;
}
