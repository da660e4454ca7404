/*
 * emulate.c - the emulator: the engine's telemetry (engine.h, tc_trace_fn)
 * of one replication of a true plant, as event lines.  Drifts are timed
 * scenario changes of the true parameters.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "twincast/clock.h"
#include "twincast/emulate.h"
#include "twincast/engine.h"

void tc_emulate_opts_default(tc_emulate_opts *o)
{
    memset(o, 0, sizeof *o);
    o->seed = -1;
}

typedef struct writer {
    const tc_model *m;
    FILE *out;
    double start, unit; /* seconds since the epoch at 0; seconds per model unit */
    long *id;           /* [job index]: its serial, from 1 */
    int cap;
    long serial, events;
    int failed;
} writer;

static const char *const kind_name[] = {"new", "arrive", "setup", "start", "finish", "scrap", "down", "up"};

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
    char iso[40];
    tc_iso_format(w->start + t * w->unit, iso, sizeof iso);
    const char *name = w->m->plant.stations[station].name;
    if (job < 0)
        fprintf(w->out, "{\"ts\": \"%s\", \"type\": \"%s\", \"station\": \"%s\"}\n", iso, kind_name[kind],
                name);
    else
        fprintf(w->out,
                "{\"ts\": \"%s\", \"type\": \"%s\", \"station\": \"%s\", \"job\": \"J%ld\", \"product\": "
                "\"%s\"}\n",
                iso, kind_name[kind], name, job < w->cap ? w->id[job] : 0L,
                w->m->plant.sources[product].name);
    w->events++;
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

tc_status tc_emulate_run(const tc_emulate_opts *o, FILE *out, long *events, char *err, size_t errlen)
{
    tc_model *m = NULL;
    tc_timetable *tt = NULL;
    tc_sim *sim = NULL;
    tc_result *res = NULL;
    tc_scenario drift = {0};
    writer w = {0};
    double start, horizon;
    *events = 0;
    tc_status st = tc_model_load(o->model, &m, err, errlen);
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
        w = (writer){.m = m, .out = out, .start = start, .unit = tc_time_unit_seconds(m->unit)};
        tc_sim_set_trace_traced(sim, on_event, &w);
        tc_sim_run_traced(sim, 0, res);
        tc_sim_terminate_traced(sim);
        *events = w.events;
        if (w.failed || fflush(out) != 0 || ferror(out)) {
            snprintf(err, errlen, w.failed ? "out of memory" : "cannot write the events");
            st = TC_ERR_RUNTIME;
        }
    }
    free(w.id);
    free(drift.changes);
    tc_result_destroy(res);
    tc_sim_destroy_traced(sim);
    tc_timetable_destroy(tt);
    tc_model_destroy(m);
    return st;
}
