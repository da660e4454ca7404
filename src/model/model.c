/* model.c - model lookups, the parameter registry and validated mutation. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"
#include "twincast/model.h"

void tc_model_destroy(tc_model *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->n_owned; i++)
        free(m->owned[i]);
    for (int i = 0; i < m->n_params; i++)
        free(m->params[i].path);
    for (int i = 0; i < m->n_scenarios; i++) {
        free(m->scenarios[i].name);
        free(m->scenarios[i].changes);
    }
    free(m->owned);
    free(m->params);
    free(m->scenarios);
    free(m->steps);
    free(m->alts);
    tc_plant_release(&m->plant);
    free(m->name);
    free(m->path);
    free(m->text);
    free(m);
}

int tc_model_station_index(const tc_model *m, const char *name)
{
    for (int i = 0; i < m->plant.n_stations; i++)
        if (strcmp(m->plant.stations[i].name, name) == 0)
            return i;
    return -1;
}

int tc_model_source_index(const tc_model *m, const char *name)
{
    for (int i = 0; i < m->plant.n_sources; i++)
        if (strcmp(m->plant.sources[i].name, name) == 0)
            return i;
    return -1;
}

int tc_model_param_find(const tc_model *m, const char *path)
{
    for (int i = 0; i < m->n_params; i++)
        if (strcmp(m->params[i].path, path) == 0)
            return i;
    return -1;
}

int tc_model_scenario_index(const tc_model *m, const char *name)
{
    for (int i = 0; i < m->n_scenarios; i++)
        if (strcmp(m->scenarios[i].name, name) == 0)
            return i;
    return -1;
}

int tc_model_route_step(const tc_model *m, int source, int station)
{
    const tc_source *src = &m->plant.sources[source];
    for (int k = 0; k < src->n_steps; k++) {
        const tc_route_step *step = &m->steps[src->first_step + k];
        for (int a = 0; a < step->n_alts; a++)
            if (m->alts[step->first_alt + a] == station)
                return k;
    }
    return -1;
}

int tc_model_first_product(const tc_model *m, int station)
{
    for (int r = 0; r < m->plant.n_sources; r++)
        if (tc_model_route_step(m, r, station) >= 0)
            return r;
    return -1;
}

double tc_model_bin_width(const tc_model *m, double horizon)
{
    return m->bin_width > 0 ? m->bin_width : horizon / 96.0;
}

void tc_plant_copy(tc_plant *dst, const tc_plant *src)
{
    dst->n_stations = src->n_stations;
    dst->n_sources = src->n_sources;
    dst->n_steps = src->n_steps;
    memcpy(dst->stations, src->stations, sizeof *src->stations * (size_t)src->n_stations);
    memcpy(dst->sources, src->sources, sizeof *src->sources * (size_t)src->n_sources);
    if (src->n_steps)
        memcpy(dst->steps, src->steps, sizeof *src->steps * (size_t)src->n_steps);
}

tc_status tc_plant_clone(tc_plant *dst, const tc_plant *src)
{
    memset(dst, 0, sizeof *dst);
    dst->stations = calloc((size_t)src->n_stations + 1, sizeof *dst->stations);
    dst->sources = calloc((size_t)src->n_sources + 1, sizeof *dst->sources);
    dst->steps = calloc((size_t)src->n_steps + 1, sizeof *dst->steps);
    if (!dst->stations || !dst->sources || !dst->steps) {
        tc_plant_release(dst);
        return TC_ERR_RUNTIME;
    }
    tc_plant_copy(dst, src);
    return TC_OK;
}

void tc_plant_release(tc_plant *p)
{
    free(p->stations);
    free(p->sources);
    free(p->steps);
    p->stations = NULL;
    p->sources = NULL;
    p->steps = NULL;
}

static tc_dist *param_dist(tc_plant *p, const tc_param *q)
{
    switch (q->field) {
    case TC_FIELD_STEP_PROCESS: return &p->steps[q->owner].process;
    case TC_FIELD_STEP_SETUP: return &p->steps[q->owner].setup;
    case TC_FIELD_SETUP: return &p->stations[q->owner].setup;
    case TC_FIELD_PROCESS: return &p->stations[q->owner].process;
    case TC_FIELD_TTF: return &p->stations[q->owner].ttf;
    case TC_FIELD_TTR: return &p->stations[q->owner].ttr;
    case TC_FIELD_INTERARRIVAL: return &p->sources[q->owner].interarrival;
    default: return NULL;
    }
}

double tc_plant_get(const tc_plant *p, const tc_param *q)
{
    switch (q->field) {
    case TC_FIELD_SERVERS: return p->stations[q->owner].servers;
    case TC_FIELD_BUFFER: return p->stations[q->owner].buffer;
    case TC_FIELD_THRESHOLD: return p->stations[q->owner].threshold;
    case TC_FIELD_PRIORITY: return p->sources[q->owner].priority;
    case TC_FIELD_REWORK_P: return p->steps[q->owner].rework_p;
    case TC_FIELD_SCRAP_P: return p->steps[q->owner].scrap_p;
    case TC_FIELD_BATCH_SIZE: return p->stations[q->owner].batch_size;
    case TC_FIELD_BATCH_MAX_WAIT: return p->stations[q->owner].batch_max_wait;
    default: return param_dist((tc_plant *)p, q)->p[q->index];
    }
}

tc_status tc_plant_set(tc_plant *p, const tc_param *q, double v, char *err, size_t errlen)
{
    if (!isfinite(v)) {
        snprintf(err, errlen, "%s: value must be a finite number", q->path);
        return TC_ERR_INPUT;
    }
    if (q->is_integer && v != floor(v)) {
        snprintf(err, errlen, "%s: value %g must be a whole number", q->path, v);
        return TC_ERR_INPUT;
    }
    if (v < q->min || v > q->max) {
        snprintf(err, errlen, "%s: value %g is out of range [%g, %g]", q->path, v, q->min, q->max);
        return TC_ERR_INPUT;
    }
    switch (q->field) {
    case TC_FIELD_SERVERS: p->stations[q->owner].servers = (int)v; return TC_OK;
    case TC_FIELD_BUFFER: p->stations[q->owner].buffer = (int)v; return TC_OK;
    case TC_FIELD_THRESHOLD: p->stations[q->owner].threshold = (int)v; return TC_OK;
    case TC_FIELD_PRIORITY: p->sources[q->owner].priority = (int)v; return TC_OK;
    case TC_FIELD_BATCH_SIZE: p->stations[q->owner].batch_size = (int)v; return TC_OK;
    case TC_FIELD_BATCH_MAX_WAIT: p->stations[q->owner].batch_max_wait = v; return TC_OK;
    case TC_FIELD_REWORK_P:
    case TC_FIELD_SCRAP_P: {
        tc_step *st = &p->steps[q->owner];
        double rework = q->field == TC_FIELD_REWORK_P ? v : st->rework_p;
        double scrap = q->field == TC_FIELD_SCRAP_P ? v : st->scrap_p;
        if (!(rework < 1) || rework + scrap > 1) {
            snprintf(err, errlen, "%s: value %g rejected: need rework p < 1 and rework p + scrap <= 1",
                     q->path, v);
            return TC_ERR_INPUT;
        }
        st->rework_p = rework;
        st->scrap_p = scrap;
        return TC_OK;
    }
    default: break;
    }
    tc_dist *d = param_dist(p, q);
    tc_dist saved = *d;
    char why[160];
    d->p[q->index] = v;
    if (tc_dist_prepare(d, why, sizeof why) != 0) {
        *d = saved; /* never half-applied */
        snprintf(err, errlen, "%s: value %g rejected: %s", q->path, v, why);
        return TC_ERR_INPUT;
    }
    return TC_OK;
}

/* Registry construction, used by the loader. */

static int add_param(tc_model *m, int *cap, const char *path, int is_integer, int is_duration, double lo,
                     double hi, int owner, tc_param_field field, int index)
{
    if (m->n_params == *cap) {
        int ncap = *cap ? *cap * 2 : 32;
        tc_param *np = realloc(m->params, sizeof *np * (size_t)ncap);
        if (!np)
            return -1;
        m->params = np;
        *cap = ncap;
    }
    char *dup = malloc(strlen(path) + 1);
    if (!dup)
        return -1;
    strcpy(dup, path);
    m->params[m->n_params++] = (tc_param){dup, is_integer, is_duration, lo, hi, owner, field, index};
    return 0; // cppcheck-suppress memleak ; dup is owned by m->params, freed in tc_model_destroy
}

static int add_dist_params(tc_model *m, int *cap, const char *prefix, const tc_dist *d, int owner,
                           tc_param_field field)
{
    char path[512];
    for (int i = 0; i < tc_dist_nparams(d->type); i++) {
        snprintf(path, sizeof path, "%s.%s", prefix, tc_dist_param_name(d->type, i));
        int integer = d->type == TC_DIST_ERLANG && i == 0;
        if (add_param(m, cap, path, integer, tc_dist_param_is_duration(d->type, i), integer ? 1 : 0,
                      integer ? 1000 : 1e15, owner, field, i) != 0)
            return -1;
    }
    return 0;
}

int tc_model_build_registry_(tc_model *m)
{
    int cap = 0;
    char path[512];
    for (int i = 0; i < m->plant.n_stations; i++) {
        const tc_station *s = &m->plant.stations[i];
        snprintf(path, sizeof path, "%s.servers", s->name);
        if (add_param(m, &cap, path, 1, 0, 0, 1e6, i, TC_FIELD_SERVERS, 0))
            return -1;
        snprintf(path, sizeof path, "%s.buffer", s->name);
        if (add_param(m, &cap, path, 1, 0, 0, 1e9, i, TC_FIELD_BUFFER, 0))
            return -1;
        snprintf(path, sizeof path, "%s.threshold", s->name);
        if (add_param(m, &cap, path, 1, 0, 1, 1e9, i, TC_FIELD_THRESHOLD, 0))
            return -1;
        snprintf(path, sizeof path, "%s.process", s->name);
        if (s->has_process && add_dist_params(m, &cap, path, &s->process, i, TC_FIELD_PROCESS))
            return -1;
        snprintf(path, sizeof path, "%s.setup", s->name);
        if (s->has_setup && add_dist_params(m, &cap, path, &s->setup, i, TC_FIELD_SETUP))
            return -1;
        if (s->has_failure) {
            snprintf(path, sizeof path, "%s.failure.ttf", s->name);
            if (add_dist_params(m, &cap, path, &s->ttf, i, TC_FIELD_TTF))
                return -1;
            snprintf(path, sizeof path, "%s.failure.ttr", s->name);
            if (add_dist_params(m, &cap, path, &s->ttr, i, TC_FIELD_TTR))
                return -1;
        }
    }
    for (int i = 0; i < m->plant.n_sources; i++) {
        snprintf(path, sizeof path, "%s.interarrival", m->plant.sources[i].name);
        if (add_dist_params(m, &cap, path, &m->plant.sources[i].interarrival, i, TC_FIELD_INTERARRIVAL))
            return -1;
    }
    /* products and routing: after everything above, so older models keep their registry order */
    for (int i = 0; i < m->plant.n_stations; i++) {
        const tc_station *s = &m->plant.stations[i];
        if (s->batch_size <= 0)
            continue;
        snprintf(path, sizeof path, "%s.batch.size", s->name);
        if (add_param(m, &cap, path, 1, 0, 1, 1e6, i, TC_FIELD_BATCH_SIZE, 0))
            return -1;
        snprintf(path, sizeof path, "%s.batch.max_wait", s->name); /* settable even where omitted (+inf) */
        if (add_param(m, &cap, path, 0, 1, 0, 1e15, i, TC_FIELD_BATCH_MAX_WAIT, 0))
            return -1;
    }
    for (int i = 0; i < m->plant.n_sources; i++) {
        const tc_source *src = &m->plant.sources[i];
        snprintf(path, sizeof path, "%s.priority", src->name);
        if (add_param(m, &cap, path, 1, 0, -1000000, 1000000, i, TC_FIELD_PRIORITY, 0))
            return -1;
        for (int k = 0; k < src->n_steps; k++) {
            int g = src->first_step + k; /* a step is named by its first listed station */
            const tc_step *st = &m->plant.steps[g];
            const char *at = m->plant.stations[m->alts[m->steps[g].first_alt]].name;
            snprintf(path, sizeof path, "%s.%s.process", src->name, at);
            if (st->has_process && add_dist_params(m, &cap, path, &st->process, g, TC_FIELD_STEP_PROCESS))
                return -1;
            snprintf(path, sizeof path, "%s.%s.setup", src->name, at);
            if (st->has_setup && add_dist_params(m, &cap, path, &st->setup, g, TC_FIELD_STEP_SETUP))
                return -1;
            snprintf(path, sizeof path, "%s.%s.rework.p", src->name, at);
            if (st->rework_p > 0 && add_param(m, &cap, path, 0, 0, 0, 1, g, TC_FIELD_REWORK_P, 0))
                return -1;
            snprintf(path, sizeof path, "%s.%s.scrap", src->name, at);
            if (st->scrap_p > 0 && add_param(m, &cap, path, 0, 0, 0, 1, g, TC_FIELD_SCRAP_P, 0))
                return -1;
        }
    }
    return 0;
}
