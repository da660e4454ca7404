/*
 * cli.c - what the subcommands share: usage errors, number options, and
 * the forecast's table, JSON and CSV.  Exit statuses: 0 ok, 1 run-time
 * failure, 2 bad usage or bad input.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "twincast/calendar.h"
#include "twincast/clock.h"
#include "twincast/json_quote.h"

int tc_cli_usage_error(const char *cmd, const char *msg, const char *arg)
{
    fprintf(stderr, "twincast: %s%s%s\nTry 'twincast %s --help'.\n", msg, arg ? ": " : "", arg ? arg : "",
            cmd);
    return TC_ERR_INPUT;
}

int tc_cli_parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end || errno == ERANGE || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

double tc_cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void interval(FILE *f, double mean, double lo, double hi, int prec)
{
    if (isnan(mean))
        fprintf(f, "%*s %*s", 7, "-", 17, "");
    else if (isnan(lo))
        fprintf(f, "%7.*f %17s", prec, mean, "");
    else
        fprintf(f, "%7.*f [%7.*f,%7.*f]", prec, mean, prec, lo, prec, hi);
}

/* Per product: jobs completed and their rate, scrap, rework passes, time in system. */
static void print_products(FILE *f, const tc_forecast_view *v, int k)
{
    char rate[16];
    snprintf(rate, sizeof rate, "per %s", v->time_unit);
    fprintf(f, "%-10s %25s %10s %25s %11s %25s\n", "product", "completed [95% CI]", rate, "scrapped [95% CI]",
            "reworks/job", "time in system [95% CI]");
    for (int p = 0; p < v->P; p++) {
        const tc_product_summary *o = &v->product_summary[(size_t)k * v->P + p];
        fprintf(f, "%-10s ", v->product[p]);
        interval(f, o->completed_mean, o->completed_lo, o->completed_hi, 1);
        fprintf(f, " %10.4f ", v->horizon > 0 ? o->completed_mean / v->horizon : NAN);
        interval(f, o->scrapped_mean, o->scrapped_lo, o->scrapped_hi, 1);
        fprintf(f, " %11.4f ", o->reworks_mean);
        interval(f, o->time_in_system_mean, o->time_in_system_lo, o->time_in_system_hi, 1);
        fputc('\n', f);
    }
}

/* Stations with changeovers or batches: their share of time changing over, their jobs per batch. */
static void print_setup_batch(FILE *f, const tc_forecast_view *v, int k)
{
    const tc_setup_batch_summary *o = v->setup_batch + (size_t)k * v->S;
    int any = 0;
    for (int s = 0; s < v->S; s++)
        any |= o[s].setup_mean > 0 || isfinite(o[s].batch_mean);
    if (!any)
        return;
    fprintf(f, "%-10s %25s %25s\n", "station", "changeover [95% CI]", "jobs per batch [95% CI]");
    for (int s = 0; s < v->S; s++) {
        if (!(o[s].setup_mean > 0) && !isfinite(o[s].batch_mean))
            continue;
        fprintf(f, "%-10s ", v->station[s]);
        if (o[s].setup_mean > 0)
            interval(f, o[s].setup_mean, o[s].setup_lo, o[s].setup_hi, 3);
        else
            fprintf(f, "%25s", "-");
        fputc(' ', f);
        interval(f, o[s].batch_mean, o[s].batch_lo, o[s].batch_hi, 2);
        fputc('\n', f);
    }
}

/* Where the onsets of a table are shown as the plant's wall-clock time: its start, unit and zone. */
typedef struct plant_clock {
    int known; /* the start (as_of) is a time */
    double start, unit;
    tc_zone zone;
} plant_clock;

static plant_clock clock_of(const tc_forecast_view *v)
{
    plant_clock c = {0, 0, 60, {"UTC"}};
    tc_time_unit u;
    char why[160];
    c.known = tc_iso_parse(v->as_of, &c.start) == 0;
    if (tc_time_unit_parse(v->time_unit, &u) == 0)
        c.unit = tc_time_unit_seconds(u);
    if (v->timezone[0] && tc_zone_open(&c.zone, v->timezone, why, sizeof why) != TC_OK)
        snprintf(c.zone.name, sizeof c.zone.name, "UTC");
    return c;
}

/* The onset mean as the plant's wall-clock time ("at Fri 21:46 Europe/Berlin"), when the start is known. */
static void print_onset_at(FILE *f, const plant_clock *c, double onset)
{
    char when[32];
    if (isnan(onset) || !c->known)
        return;
    tc_zone_format_local(&c->zone, c->start + onset * c->unit, when, sizeof when);
    fprintf(f, "  at %s %s", when, c->zone.name);
}

void tc_cli_print_table(FILE *f, const tc_forecast_view *v)
{
    plant_clock clock = clock_of(v);
    for (int k = 0; k < v->n_scenarios; k++) {
        int base = strcmp(v->scenario[k], "baseline") == 0;
        fprintf(f, "%s%s: %ld replications, horizon %g %s%s%s\n", k ? "\n" : "", v->scenario[k],
                v->replications, v->horizon, v->time_unit, v->as_of[0] ? ", from " : "", v->as_of);
        fprintf(f, "%-10s %6s %15s %25s %17s %7s %6s", "station", "P(form)", "95% CI", "onset mean [95% CI]",
                "90% band", "waiting", "util");
        if (!base)
            fprintf(f, " %25s", "vs baseline [95% CI]");
        fputc('\n', f);
        for (int s = 0; s < v->S; s++) {
            const tc_station_summary *o = &v->summary[(size_t)k * v->S + s];
            fprintf(f, "%-10s %6.3f  [%5.3f, %5.3f] ", v->station[s], o->p_form, o->p_form_lo, o->p_form_hi);
            interval(f, o->onset_mean, o->onset_lo, o->onset_hi, 1);
            if (isnan(o->onset_q05))
                fprintf(f, " %17s", "");
            else
                fprintf(f, " %7.1f .. %6.1f", o->onset_q05, o->onset_q95);
            fprintf(f, " %7.2f %6.3f", o->waiting_mean, o->utilisation_mean);
            if (!base) {
                fputc(' ', f);
                interval(f, o->diff_onset_mean, o->diff_lo, o->diff_hi, 1);
            }
            print_onset_at(f, &clock, o->onset_mean);
            fputc('\n', f);
        }
        if (v->setup_batch)
            print_setup_batch(f, v, k);
        if (v->P > 0)
            print_products(f, v, k);
    }
    fprintf(f,
            "onset: %s from the start until the waiting count first reaches the threshold, among the "
            "futures where it does; band: 5%%..95%% of those onsets\n",
            v->time_unit);
}

static void json_num(FILE *f, const char *key, double x, int last)
{
    if (isfinite(x))
        fprintf(f, "\"%s\": %.10g%s", key, x, last ? "" : ", ");
    else
        fprintf(f, "\"%s\": null%s", key, last ? "" : ", ");
}

static void json_str(FILE *f, const char *s);

/* "key": mean, "key_ci": [lo, hi] (null where not finite), and a separator. */
static void json_mean_ci(FILE *f, const char *key, double mean, double lo, double hi)
{
    json_num(f, key, mean, 0);
    if (isfinite(lo) && isfinite(hi))
        fprintf(f, "\"%s_ci\": [%.10g, %.10g], ", key, lo, hi);
    else
        fprintf(f, "\"%s_ci\": null, ", key);
}

static void json_str(FILE *f, const char *s)
{
    size_t n = tc_json_quote(NULL, 0, s);
    char *q = malloc(n + 1);
    if (q) {
        tc_json_quote(q, n + 1, s);
        fputs(q, f);
    } else {
        fputs("null", f); /* out of memory: still valid JSON */
    }
    free(q);
}

void tc_cli_print_json(FILE *f, const tc_forecast_view *v)
{
    fprintf(f, "{\"epoch\": %d, \"model\": ", v->epoch);
    json_str(f, v->model_name);
    fprintf(f, ", \"as_of\": ");
    json_str(f, v->as_of);
    fprintf(f, ", \"horizon\": %.10g, \"time_unit\": ", v->horizon);
    json_str(f, v->time_unit);
    fprintf(f, ", \"replications\": %ld, \"ranks\": %d, \"threads\": %d, \"seed\": %u, \"stop_reason\": ",
            v->replications, v->ranks, v->threads, v->seed);
    json_str(f, v->stop_reason);
    fprintf(f, ", \"wall_seconds\": %.6g, \"scenarios\": [", v->wall_seconds);
    for (int k = 0; k < v->n_scenarios; k++) {
        fprintf(f, "%s{\"scenario\": ", k ? ", " : "");
        json_str(f, v->scenario[k]);
        fprintf(f, ", \"stations\": [");
        for (int s = 0; s < v->S; s++) {
            const tc_station_summary *o = &v->summary[(size_t)k * v->S + s];
            fprintf(f, "%s{\"station\": ", s ? ", " : "");
            json_str(f, v->station[s]);
            fprintf(f, ", ");
            json_num(f, "p_form", o->p_form, 0);
            fprintf(f, "\"p_form_ci\": [%.6g, %.6g], \"n_formed\": %ld, ", o->p_form_lo, o->p_form_hi,
                    o->n_formed);
            json_num(f, "onset_mean", o->onset_mean, 0);
            if (isfinite(o->onset_lo))
                fprintf(f, "\"onset_ci\": [%.10g, %.10g], ", o->onset_lo, o->onset_hi);
            else
                fprintf(f, "\"onset_ci\": null, ");
            json_num(f, "onset_q05", o->onset_q05, 0);
            json_num(f, "onset_q50", o->onset_q50, 0);
            json_num(f, "onset_q95", o->onset_q95, 0);
            json_num(f, "onset_median", o->onset_median, 0);
            json_num(f, "mean_waiting", o->waiting_mean, 0);
            json_num(f, "utilisation", o->utilisation_mean, 0);
            json_num(f, "throughput", o->throughput_mean, 0);
            json_num(f, "diff_onset_mean", o->diff_onset_mean, 0);
            if (isfinite(o->diff_lo))
                fprintf(f, "\"diff_ci\": [%.10g, %.10g]}", o->diff_lo, o->diff_hi);
            else
                fprintf(f, "\"diff_ci\": null}");
        }
        fprintf(f, "], \"products\": [");
        for (int p = 0; p < v->P; p++) {
            const tc_product_summary *o = &v->product_summary[(size_t)k * v->P + p];
            fprintf(f, "%s{\"product\": ", p ? ", " : "");
            json_str(f, v->product[p]);
            fprintf(f, ", ");
            json_mean_ci(f, "completed", o->completed_mean, o->completed_lo, o->completed_hi);
            json_num(f, "throughput", v->horizon > 0 ? o->completed_mean / v->horizon : NAN, 0);
            json_mean_ci(f, "scrapped", o->scrapped_mean, o->scrapped_lo, o->scrapped_hi);
            json_mean_ci(f, "reworks_per_job", o->reworks_mean, o->reworks_lo, o->reworks_hi);
            json_num(f, "time_in_system", o->time_in_system_mean, 0);
            if (isfinite(o->time_in_system_lo) && isfinite(o->time_in_system_hi))
                fprintf(f, "\"time_in_system_ci\": [%.10g, %.10g]}", o->time_in_system_lo,
                        o->time_in_system_hi);
            else
                fprintf(f, "\"time_in_system_ci\": null}");
        }
        fprintf(f, "]}");
    }
    fprintf(f, "]}\n");
}

void tc_cli_print_csv(FILE *f, const tc_forecast_view *v)
{
    fprintf(f, "epoch,scenario,station,p_form,p_form_lo,p_form_hi,n_formed,onset_mean,onset_lo,onset_hi,"
               "onset_q05,onset_q50,onset_q95,onset_median,mean_waiting,utilisation,throughput,"
               "diff_onset_mean,diff_lo,diff_hi\n");
    for (int k = 0; k < v->n_scenarios; k++)
        for (int s = 0; s < v->S; s++) {
            const tc_station_summary *o = &v->summary[(size_t)k * v->S + s];
            fprintf(f,
                    "%d,%s,%s,%.6g,%.6g,%.6g,%ld,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.6g,%.6g,%.6g,"
                    "%.10g,%.10g,%.10g\n",
                    v->epoch, v->scenario[k], v->station[s], o->p_form, o->p_form_lo, o->p_form_hi,
                    o->n_formed, o->onset_mean, o->onset_lo, o->onset_hi, o->onset_q05, o->onset_q50,
                    o->onset_q95, o->onset_median, o->waiting_mean, o->utilisation_mean, o->throughput_mean,
                    o->diff_onset_mean, o->diff_lo, o->diff_hi);
        }
}
