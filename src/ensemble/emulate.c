/*
 * emulate.c - the emulator: the engine's telemetry (engine.h, tc_trace_fn)
 * of one replication of a true plant, as event lines.  Drifts are timed
 * scenario changes of the true parameters.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "twincast/clock.h"
#include "twincast/emulate.h"
#include "twincast/engine.h"
#include "twincast/rng.h"

#define TC_NOISE_KEY 0x4e4f4953u /* the noise's own random numbers, apart from the plant's ("NOIS") */

void tc_emulate_opts_default(tc_emulate_opts *o)
{
    memset(o, 0, sizeof *o);
    o->seed = -1;
}

/* A line held back (late), sent once the plant's clock passes `release`. */
typedef struct held {
    double release, ts;
    const char *key;
    char *line;
} held;

typedef struct noise {
    double dup, late, drop, late_max; /* probabilities; seconds */
    int on;
    tc_rng rng;
    held *h;
    int n, cap;
} noise;

typedef struct writer {
    const tc_model *m;
    tc_emulate_sink sink;
    void *user;
    double start, unit; /* seconds since the epoch at 0; seconds per model unit */
    long *id;           /* [job index]: its serial, from 1 */
    int cap;
    long serial;
    tc_emulate_counts c;
    noise z;
    int failed;
} writer;

static const char *const kind_name[] = {"new", "arrive", "setup", "start", "finish", "scrap", "down", "up"};

static void send(writer *w, double ts, const char *key, const char *line, size_t len)
{
    if (!w->failed && w->sink(w->user, ts, key, line, len) != 0)
        w->failed = 2;
    w->c.sent++;
}

/* Held lines whose time has come (all of them at the end), oldest release first. */
static void release(writer *w, double now)
{
    for (;;) {
        int k = -1;
        for (int i = 0; i < w->z.n; i++)
            if (w->z.h[i].release <= now && (k < 0 || w->z.h[i].release < w->z.h[k].release))
                k = i;
        if (k < 0)
            return;
        held x = w->z.h[k];
        w->z.h[k] = w->z.h[--w->z.n];
        send(w, x.ts, x.key, x.line, strlen(x.line));
        free(x.line);
    }
}

/* One event through the noise: dropped, held back, sent twice, or sent. */
static void emit(writer *w, double ts, const char *key, const char *line, size_t len)
{
    w->c.events++;
    if (!w->z.on) {
        send(w, ts, key, line, len);
        return;
    }
    double u = tc_rng_uniform(&w->z.rng), v = tc_rng_uniform(&w->z.rng);
    release(w, ts);
    if (u < w->z.drop) {
        w->c.dropped++;
    } else if (u < w->z.drop + w->z.late) {
        if (w->z.n == w->z.cap) {
            int cap = w->z.cap ? 2 * w->z.cap : 16;
            held *grown = realloc(w->z.h, sizeof *grown * (size_t)cap);
            if (!grown) {
                w->failed = 1;
                return;
            }
            w->z.h = grown;
            w->z.cap = cap;
        }
        w->z.h[w->z.n++] = (held){ts + v * w->z.late_max, ts, key, strndup(line, len)};
        w->failed |= !w->z.h[w->z.n - 1].line;
        w->c.delayed++;
    } else {
        send(w, ts, key, line, len);
        if (u < w->z.drop + w->z.late + w->z.dup) {
            send(w, ts, key, line, len);
            w->c.duplicated++;
        }
    }
}

static void on_event(void *user, double t, tc_trace_kind kind, int station, int job, int product)
{
    writer *w = user;
    if (kind == TC_TRACE_NEW) { /* the engine reuses indices: give each job its own id */
        if (job >= w->cap) {
            int cap = job * 2 + 64;
            long *id = realloc(w->id, sizeof *id * (size_t)cap);
            if (!id) {
                w->failed = 1;
                return;
            }
            w->id = id;
            w->cap = cap;
        }
        w->id[job] = ++w->serial;
        return;
    }
    char iso[40], line[512], id[40] = "";
    double ts = w->start + t * w->unit;
    tc_iso_format(ts, iso, sizeof iso);
    if (w->z.on)
        snprintf(id, sizeof id, "\"id\": \"E%ld\", ", w->c.events + 1);
    const char *name = w->m->plant.stations[station].name;
    int n;
    if (job < 0)
        n = snprintf(line, sizeof line, "{%s\"ts\": \"%s\", \"type\": \"%s\", \"station\": \"%s\"}", id, iso,
                     kind_name[kind], name);
    else
        n = snprintf(line, sizeof line,
                     "{%s\"ts\": \"%s\", \"type\": \"%s\", \"station\": \"%s\", \"job\": \"J%ld\", "
                     "\"product\": \"%s\"}",
                     id, iso, kind_name[kind], name, job < w->cap ? w->id[job] : 0L,
                     w->m->plant.sources[product].name);
    emit(w, ts, name, line, n < (int)sizeof line ? (size_t)n : sizeof line - 1);
}

/* "dup=0.01,late=0.02,drop=0.005,late_max=5s" */
static tc_status parse_noise(const char *text, noise *z, char *err, size_t errlen)
{
    z->late_max = 5;
    for (const char *p = text; p && *p;) {
        size_t len = strcspn(p, ",");
        char item[64], why[128];
        snprintf(item, sizeof item, "%.*s", (int)(len < sizeof item ? len : sizeof item - 1), p);
        char *eq = strchr(item, '='), *end = NULL;
        double v = eq ? strtod(eq + 1, &end) : NAN;
        if (eq)
            *eq = '\0';
        double *to = !strcmp(item, "dup")    ? &z->dup
                     : !strcmp(item, "late") ? &z->late
                     : !strcmp(item, "drop") ? &z->drop
                                             : NULL;
        if (eq && !strcmp(item, "late_max")) {
            if (tc_duration_parse(eq + 1, TC_UNIT_S, &z->late_max, why, sizeof why) || !(z->late_max > 0)) {
                snprintf(err, errlen, "--noise: late_max must be a positive duration (5s), got '%s'", eq + 1);
                return TC_ERR_INPUT;
            }
        } else if (!eq || !to || !end || *end || !(v >= 0 && v <= 1)) {
            snprintf(
                err, errlen,
                "--noise: '%.*s' is not dup=P, late=P, drop=P (a probability from 0 to 1) or late_max=DUR",
                (int)len, p);
            return TC_ERR_INPUT;
        } else {
            *to = v;
        }
        p += len + (p[len] == ',');
    }
    if (z->dup + z->late + z->drop > 1) {
        snprintf(err, errlen, "--noise: dup + late + drop must not exceed 1");
        return TC_ERR_INPUT;
    }
    z->on = 1;
    return TC_OK;
}

static int cmp_change(const void *a, const void *b)
{
    const tc_change *x = a, *y = b;
    return (x->at > y->at) - (x->at < y->at);
}

/* "PATH=VALUE@ISO": a change of a true parameter at a time within the run. */
static tc_status parse_drift(const tc_model *m, const char *text, double start, double horizon, tc_change *c,
                             char *err, size_t errlen)
{
    const char *eq = strchr(text, '='), *at = eq ? strchr(eq, '@') : NULL;
    char path[256], value[64];
    double t;
    if (!eq || !at || (size_t)(eq - text) >= sizeof path || (size_t)(at - eq - 1) >= sizeof value) {
        snprintf(err, errlen,
                 "--drift '%s': expected PATH=VALUE@TIME, e.g. B.process.mean=2.3@2026-12-08T10:00:00Z",
                 text);
        return TC_ERR_INPUT;
    }
    snprintf(path, sizeof path, "%.*s", (int)(eq - text), text);
    snprintf(value, sizeof value, "%.*s", (int)(at - eq - 1), eq + 1);
    int p = tc_model_param_find(m, path);
    if (p < 0) {
        snprintf(err, errlen, "--drift '%s': unknown parameter path '%s'", text, path);
        return TC_ERR_INPUT;
    }
    double v;
    char why[256];
    if (tc_duration_parse(value, m->unit, &v, why, sizeof why) != 0) {
        snprintf(err, errlen, "--drift '%s': %s", text, why);
        return TC_ERR_INPUT;
    }
    if (tc_iso_parse(at + 1, &t) != 0) {
        snprintf(err, errlen, "--drift '%s': '%s' is not an ISO-8601 time with a zone", text, at + 1);
        return TC_ERR_INPUT;
    }
    tc_plant scratch = {0};
    tc_status st = tc_plant_clone(&scratch, &m->plant);
    if (st == TC_OK && tc_plant_set(&scratch, &m->params[p], v, why, sizeof why) != TC_OK) {
        snprintf(err, errlen, "--drift '%s': %s", text, why);
        st = TC_ERR_INPUT;
    }
    tc_plant_release(&scratch);
    double when = (t - start) / tc_time_unit_seconds(m->unit);
    if (st == TC_OK && !(when >= 0 && when <= horizon)) {
        snprintf(err, errlen, "--drift '%s': %s is outside the emulated time", text, at + 1);
        st = TC_ERR_INPUT;
    }
    *c = (tc_change){when, TC_CHANGE_SET, p, v};
    return st;
}

/* The run's start and length (model units) from the options. */
static tc_status span(const tc_emulate_opts *o, const tc_model *m, double *start, double *horizon, char *err,
                      size_t errlen)
{
    double unit = tc_time_unit_seconds(m->unit), end;
    *start = m->has_start ? m->start : floor(tc_clock_now());
    if (o->start && tc_iso_parse(o->start, start) != 0) {
        snprintf(err, errlen, "--start must be an ISO-8601 time with a zone, got '%s'", o->start);
        return TC_ERR_INPUT;
    }
    *horizon = 86400 / unit;
    if (o->days && (tc_duration_parse(o->days, TC_UNIT_H, horizon, err, errlen) != 0 || !(*horizon > 0))) {
        snprintf(err, errlen, "--days must be a positive duration (20d, 36h, or days as a number), got '%s'",
                 o->days);
        return TC_ERR_INPUT;
    }
    if (o->days) { /* a plain number means days */
        char *endp;
        double d = strtod(o->days, &endp);
        *horizon = (*endp == '\0' ? d * 86400 : *horizon * 3600) / unit;
    }
    if (o->until) {
        if (tc_iso_parse(o->until, &end) != 0 || !(end > *start)) {
            snprintf(err, errlen, "--until must be an ISO-8601 time after the start, got '%s'", o->until);
            return TC_ERR_INPUT;
        }
        *horizon = (end - *start) / unit;
    }
    return TC_OK;
}

tc_status tc_emulate_run(const tc_emulate_opts *o, tc_emulate_sink sink, void *user,
                         tc_emulate_counts *counts, char *err, size_t errlen)
{
    tc_model *m = NULL;
    tc_timetable *tt = NULL;
    tc_sim *sim = NULL;
    tc_result *res = NULL;
    tc_scenario drift = {0};
    writer w = {0};
    double start, horizon;
    memset(counts, 0, sizeof *counts);
    tc_status st = tc_model_load(o->model, &m, err, errlen);
    if (st == TC_OK && o->noise)
        st = parse_noise(o->noise, &w.z, err, errlen);
    if (st == TC_OK)
        st = span(o, m, &start, &horizon, err, errlen);
    if (st == TC_OK && o->n_drifts > 0) {
        static char name[] = "drift";
        drift.name = name;
        if (!(drift.changes = calloc((size_t)o->n_drifts, sizeof *drift.changes)))
            st = TC_ERR_RUNTIME;
        for (int k = 0; st == TC_OK && k < o->n_drifts; k++)
            st = parse_drift(m, o->drift[k], start, horizon, &drift.changes[drift.n_changes++], err, errlen);
        if (st == TC_OK)
            qsort(drift.changes, (size_t)drift.n_changes, sizeof *drift.changes, cmp_change);
    }
    if (st == TC_OK)
        st = tc_timetable_build(m, start, horizon, &tt, err, errlen);
    tc_run_cfg cfg;
    if (st == TC_OK) {
        tc_run_cfg_default(&cfg, m);
        cfg.horizon = horizon;
        cfg.bin_width = horizon;
        cfg.seed = o->seed >= 0 ? (uint32_t)o->seed : m->seed;
        cfg.timetable = tt;
        sim = tc_sim_create_traced(m);
        res = tc_result_create(m->plant.n_stations, m->plant.n_sources, 1);
        if (!sim || !res) {
            snprintf(err, errlen, "out of memory");
            st = TC_ERR_RUNTIME;
        }
    }
    if (st == TC_OK)
        st = tc_sim_initialize_traced(sim, NULL, drift.n_changes ? &drift : NULL, &cfg, err, errlen);
    if (st == TC_OK) {
        w.m = m;
        w.sink = sink;
        w.user = user;
        w.start = start;
        w.unit = tc_time_unit_seconds(m->unit);
        tc_rng_init(&w.z.rng, cfg.seed, TC_NOISE_KEY, 0, 0);
        tc_sim_set_trace_traced(sim, on_event, &w);
        tc_sim_run_traced(sim, 0, res);
        tc_sim_terminate_traced(sim);
        release(&w, INFINITY);
        *counts = w.c;
        if (w.failed) {
            snprintf(err, errlen, w.failed == 1 ? "out of memory" : "cannot send the events");
            st = TC_ERR_RUNTIME;
        }
    }
    for (int i = 0; i < w.z.n; i++)
        free(w.z.h[i].line);
    free(w.z.h);
    free(w.id);
    free(drift.changes);
    tc_result_destroy(res);
    tc_sim_destroy_traced(sim);
    tc_timetable_destroy(tt);
    tc_model_destroy(m);
    return st;
}
