/*
 * twin_snapshot.c - the twin written as the JSON state snapshot a forecast
 * starts from, and restored from one (after a restart).  A plant whose
 * jobs are all of each station's first product is written exactly as
 * before products existed; otherwise waiting lines and jobs in service
 * carry their products, phases and batches.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "twin_internal.h"
#include "twincast/clock.h"
#include "twincast/json_quote.h"

/* A waiting line this long or longer is written by product (the order within lost), not job by job. */
#define LIST_MAX 10000

typedef struct sbuf {
    char *s;
    size_t len, cap;
    int bad;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    for (;;) {
        if (b->bad)
            return;
        va_list ap;
        va_start(ap, fmt);
        // NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): started just above
        int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->bad = 1;
            return;
        }
        if (b->s && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        size_t ncap = b->cap ? b->cap * 2 : 1024;
        while (ncap < b->len + (size_t)n + 1)
            ncap *= 2;
        char *ns = realloc(b->s, ncap);
        if (!ns) {
            b->bad = 1;
            return;
        }
        b->s = ns;
        b->cap = ncap;
    }
}

static void sb_string(sbuf *b, const char *s)
{
    size_t n = tc_json_quote(NULL, 0, s);
    char *q = malloc(n + 1);
    if (!q) {
        b->bad = 1;
        return;
    }
    tc_json_quote(q, n + 1, s);
    sb_printf(b, "%s", q);
    free(q);
}

/* Nothing but the station's first product, processing, one job per server: the plain form. */
static int plain(const tc_twin *t, int s)
{
    const station_twin *st = &t->st[s];
    int first = tc_twin_default_product(t, s);
    if (t->m->plant.stations[s].batch_size > 0)
        return 0;
    for (int k = 0; k < st->nrun; k++)
        if (st->line[k].product != first)
            return 0;
    for (int k = 0; k < st->n; k++)
        if (st->svc[k].product != first || st->svc[k].setup)
            return 0;
    return 1;
}

static void write_line(sbuf *b, const tc_twin *t, int s, double at, double unit)
{
    const station_twin *st = &t->st[s];
    const tc_model *m = t->m;
    if (st->waiting >= LIST_MAX) { /* by product, in the order first met */
        sb_printf(b, "{");
        int first = 1;
        for (int r = 0; r < m->plant.n_sources; r++) {
            long n = 0;
            for (int k = 0; k < st->nrun; k++)
                n += st->line[k].product == r ? st->line[k].count : 0;
            if (n) {
                sb_printf(b, "%s", first ? "" : ", ");
                sb_string(b, m->plant.sources[r].name);
                sb_printf(b, ": %ld", n);
                first = 0;
            }
        }
        sb_printf(b, "}");
        return;
    }
    sb_printf(b, "[");
    int first = 1;
    for (int k = 0; k < st->nrun; k++) {
        double w = (at - st->line[k].since) / unit;
        for (long c = 0; c < st->line[k].count; c++, first = 0) {
            sb_printf(b, "%s{\"product\": ", first ? "" : ", ");
            sb_string(b, m->plant.sources[st->line[k].product].name);
            sb_printf(b, ", \"waited\": %.17g}", w > 0 ? w : 0.0);
        }
    }
    sb_printf(b, "]");
}

/*
 * Jobs in service with what is known of them.  At a batch station the jobs
 * that started at one instant are one batch (the product of its first).
 * The ids follow, one per job, batch by batch.
 */
static void write_service(sbuf *b, const tc_twin *t, int s, double at, double unit)
{
    const station_twin *st = &t->st[s];
    int batches = t->m->plant.stations[s].batch_size > 0;
    int *order = malloc(sizeof *order * (size_t)(st->n + 1)), *size = calloc((size_t)st->n + 1, sizeof *size);
    if (!order || !size) {
        free(order);
        free(size);
        b->bad = 1;
        return;
    }
    int n = 0, items = 0;
    char *placed = calloc((size_t)st->n + 1, 1);
    for (int k = 0; placed && k < st->n; k++) {
        if (placed[k])
            continue;
        for (int j = k; j < st->n; j++)
            if (j == k || (batches && !placed[j] && st->svc[j].start == st->svc[k].start)) {
                placed[j] = 1;
                order[n++] = j;
                size[items]++;
            }
        items++;
    }
    b->bad |= !placed;
    free(placed);
    sb_printf(b, "[");
    for (int i = 0, at_job = 0; i < items; at_job += size[i], i++) {
        const in_service *j = &st->svc[order[at_job]];
        double e = (at - j->start) / unit;
        sb_printf(b, "%s{\"product\": ", i ? ", " : "");
        sb_string(b, t->m->plant.sources[j->product].name);
        sb_printf(b, ", \"elapsed\": %.17g, \"phase\": \"%s\"", e > 0 ? e : 0.0,
                  j->setup ? "setup" : "process");
        if (batches)
            sb_printf(b, ", \"batch\": %d", size[i]);
        sb_printf(b, "}");
    }
    sb_printf(b, "], \"in_service_jobs\": [");
    for (int k = 0; k < n; k++) {
        sb_printf(b, "%s", k ? ", " : "");
        sb_string(b, st->svc[order[k]].job);
    }
    sb_printf(b, "]");
    free(order);
    free(size);
}

/*
 * The parameters the snapshot sets: those `set` by events, and the
 * calibration's estimates as of `at` (which win: a `set` restarted them).
 * Returns the calibration's rows (in *rows, allocated) and their count.
 */
static int write_values(const tc_twin *t, double at, double *value, char *has, tc_calibration_row **rows,
                        sbuf *b)
{
    const tc_model *m = t->m;
    if (!value || !has) {
        b->bad = 1;
        return 0;
    }
    for (int i = 0; i < m->n_params; i++)
        if (t->overridden[i]) {
            value[i] = tc_plant_get(&t->plant, &m->params[i]);
            has[i] = 1;
        }
    int n = tc_calibration_count(t->cal), nsvc = 0;
    if (n == 0)
        return 0;
    for (int s = 0; s < m->plant.n_stations; s++)
        nsvc += t->st[s].n;
    tc_calibration_job *svc = malloc(sizeof *svc * (size_t)(nsvc + 1));
    int *param = malloc(sizeof *param * (size_t)(2 * n));
    double *v = malloc(sizeof *v * (size_t)(2 * n));
    *rows = malloc(sizeof **rows * (size_t)n);
    if (!svc || !param || !v || !*rows) {
        b->bad = 1;
        n = 0;
    } else {
        int j = 0;
        for (int s = 0; s < m->plant.n_stations; s++)
            for (int k = 0; k < t->st[s].n; k++, j++) {
                const in_service *x = &t->st[s].svc[k];
                svc[j] = (tc_calibration_job){s, x->product, x->setup, x->start};
            }
        tc_calibration_rows(t->cal, at, svc, nsvc, *rows);
        int nv = tc_calibration_values(t->cal, *rows, param, v, 2 * n);
        for (int k = 0; k < nv; k++) {
            value[param[k]] = v[k];
            has[param[k]] = 1;
        }
    }
    free(svc);
    free(param);
    free(v);
    return n;
}

static void write_number(sbuf *b, const char *key, double x)
{
    if (isfinite(x))
        sb_printf(b, ", \"%s\": %.10g", key, x);
    else
        sb_printf(b, ", \"%s\": null", key);
}

/* What the telemetry said, for the record: the forecast reads the values from "params". */
static void write_calibration(sbuf *b, const tc_calibration_row *rows, int n)
{
    sb_printf(b, ",\n \"calibration\": [");
    for (int k = 0; k < n; k++) {
        const tc_calibration_row *r = &rows[k];
        char reset[48] = "null";
        if (!isnan(r->last_reset)) {
            reset[0] = '"';
            tc_iso_format(r->last_reset, reset + 1, sizeof reset - 2);
            strcat(reset, "\"");
        }
        sb_printf(b, "%s\n  {\"path\": ", k ? "," : "");
        sb_string(b, r->path);
        write_number(b, "prior", r->prior);
        write_number(b, "estimate", r->estimate);
        if (isfinite(r->lo) && isfinite(r->hi))
            sb_printf(b, ", \"ci\": [%.10g, %.10g]", r->lo, r->hi);
        else
            sb_printf(b, ", \"ci\": null");
        sb_printf(b, ", \"n\": %ld", r->n_obs);
        write_number(b, "n_eff", r->n_eff);
        sb_printf(b, ", \"last_reset\": %s", reset);
        if (r->draw_kind) { /* input uncertainty: each replication draws from this */
            sb_printf(b, ", \"posterior\": {\"kind\": \"%s\", \"a\": %.17g, \"b\": %.17g", r->draw_kind, r->a,
                      r->b);
            if (strcmp(r->draw_kind, "rate") != 0)
                sb_printf(b, ", \"mu\": %.17g, \"kappa\": %.17g", r->mu, r->kappa);
            if (r->sd_path)
                sb_printf(b, ", \"sd_path\": \"%s\"", r->sd_path);
            sb_printf(b, "}");
        }
        const tc_posterior_data *d = &r->data; /* exact, for a restart (tc_twin_restore) */
        char sd[40] = "null", t[40] = "null";
        if (!isnan(d->prior_sd))
            snprintf(sd, sizeof sd, "%.17g", d->prior_sd);
        if (!isnan(d->t_last))
            snprintf(t, sizeof t, "%.17g", d->t_last);
        sb_printf(
            b,
            ", \"data\": {\"prior\": [%.17g, %s], \"n\": %.17g, \"s1\": %.17g, \"s2\": %.17g, \"t\": %s, "
            "\"obs\": %ld, \"censored\": %ld}",
            d->prior_mean, sd, d->n, d->s1, d->s2, t, d->n_obs, d->n_censored);
        sb_printf(b, "}");
    }
    sb_printf(b, "]");
}

char *tc_twin_snapshot_json(const tc_twin *t, double at)
{
    const tc_model *m = t->m;
    double unit = tc_time_unit_seconds(m->unit);
    char iso[64];
    sbuf b = {0};
    tc_iso_format(at, iso, sizeof iso);
    sb_printf(&b, "{\"as_of\": \"%s\",\n \"stations\": {", iso);
    for (int s = 0; s < m->plant.n_stations; s++) {
        const station_twin *st = &t->st[s];
        sb_printf(&b, "%s\n  ", s ? "," : "");
        sb_string(&b, m->plant.stations[s].name);
        sb_printf(&b, ": {\"up\": %s, ", st->up ? "true" : "false");
        if (!st->up) {
            double d = (at - st->down_since) / unit;
            sb_printf(&b, "\"down_for\": %.17g, ", d > 0 ? d : 0.0);
        }
        if (!plain(t, s)) {
            sb_printf(&b, "\"waiting\": ");
            write_line(&b, t, s, at, unit);
            sb_printf(&b, ", \"in_service\": ");
            write_service(&b, t, s, at, unit);
            sb_printf(&b, "}");
            continue;
        }
        sb_printf(&b, "\"waiting\": %d, \"in_service\": [", st->waiting);
        for (int k = 0; k < st->n; k++) {
            double e = (at - st->svc[k].start) / unit;
            sb_printf(&b, "%s%.17g", k ? ", " : "", e > 0 ? e : 0.0);
        }
        sb_printf(&b, "], \"in_service_jobs\": [");
        for (int k = 0; k < st->n; k++) {
            sb_printf(&b, "%s", k ? ", " : "");
            sb_string(&b, st->svc[k].job);
        }
        sb_printf(&b, "]}");
    }
    sb_printf(&b, "},\n \"params\": {");
    double *value = calloc((size_t)m->n_params + 1, sizeof *value);
    char *has = calloc((size_t)m->n_params + 1, 1);
    tc_calibration_row *rows = NULL;
    int nrows = write_values(t, at, value, has, &rows, &b);
    int first = 1;
    for (int i = 0; has && value && i < m->n_params; i++)
        if (has[i]) {
            sb_printf(&b, "%s\"%s\": %.17g", first ? "" : ", ", m->params[i].path, value[i]);
            first = 0;
        }
    sb_printf(&b, "}");
    if (nrows > 0)
        write_calibration(&b, rows, nrows);
    sb_printf(&b, "}\n");
    free(value);
    free(has);
    free(rows);
    if (b.bad) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

/* A station's jobs from a snapshot: its line, then its jobs in service (a batch's jobs one by one). */
static int restore_station(tc_twin *t, int i, const tc_station_state *ss, double at, double unit)
{
    station_twin *tw = &t->st[i];
    int first = tc_twin_default_product(t, i);
    tw->up = ss->up;
    tw->down_since = at - ss->down_for * unit;
    tw->nrun = tw->waiting = tw->n = 0;
    for (int k = 0; ss->queue && k < ss->waiting; k++)
        if (tc_twin_line_join(tw, ss->queue[k].product, at - ss->queue[k].time * unit, 1))
            return -1;
    if (!ss->queue && tc_twin_line_join(tw, first, at, ss->waiting))
        return -1;
    for (int k = 0, job = 0; k < ss->n_in_service; k++) {
        const tc_job_state *js = ss->service ? &ss->service[k] : NULL;
        for (int c = 0; c < (js ? js->batch : 1); c++, job++) {
            if (tc_twin_service_reserve(tw))
                return -1;
            in_service *v = &tw->svc[tw->n++];
            v->start = at - ss->in_service[k] * unit;
            v->product = js ? js->product : first;
            v->setup = js ? js->setup : 0;
            if (ss->jobs)
                snprintf(v->job, TC_EVENT_ID_MAX, "%s", ss->jobs[job]);
            else
                snprintf(v->job, TC_EVENT_ID_MAX, "restored-%d", job);
        }
    }
    return 0;
}

tc_status tc_twin_restore(tc_twin *t, const char *json, const char *origin, char *err, size_t errlen)
{
    const tc_model *m = t->m;
    tc_state *s = NULL;
    tc_status st = tc_state_parse_json(m, json, strlen(json), origin, &s, err, errlen);
    if (st != TC_OK)
        return st;
    double at;
    if (tc_iso_parse(s->as_of, &at) != 0) {
        snprintf(err, errlen, "%s: as_of '%s' is not ISO-8601 with a zone", origin, s->as_of);
        tc_state_destroy(s);
        return TC_ERR_INPUT;
    }
    double unit = tc_time_unit_seconds(m->unit);
    tc_plant_copy(&t->plant, &m->plant);
    memset(t->overridden, 0, (size_t)m->n_params);
    for (int k = 0; k < s->n_overrides; k++) {
        char why[256];
        tc_plant_set(&t->plant, &m->params[s->overrides[k].param], s->overrides[k].value, why, sizeof why);
        t->overridden[s->overrides[k].param] = 1;
        /* a calibrated value restarts its estimate there; the calibration's data, below, restore its weight
         */
        tc_calibration_reprior(t->cal, s->overrides[k].param, s->overrides[k].value);
    }
    for (int k = 0; k < s->n_calibration; k++) { /* what the twin had learnt, with its weight */
        const tc_state_calibration *r = &s->calibration[k];
        if (!r->has_data)
            continue;
        tc_posterior_data d = {r->data[0], r->data[1], r->data[2],  r->data[3],
                               r->data[4], r->data[5], r->data_obs, r->data_censored};
        tc_calibration_restore(t->cal, r->path, &d);
    }
    for (int i = 0; i < m->plant.n_stations; i++)
        if (restore_station(t, i, &s->stations[i], at, unit)) {
            tc_state_destroy(s);
            snprintf(err, errlen, "out of memory");
            return TC_ERR_RUNTIME;
        }
    t->time = at;
    tc_state_destroy(s);
    return TC_OK;
}
