/* state.c - the plant state a forecast starts from. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "twincast/state.h"

tc_state *tc_state_create(const tc_model *m)
{
    tc_state *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->n_stations = m->plant.n_stations;
    s->stations = calloc((size_t)s->n_stations, sizeof *s->stations);
    if (!s->stations) {
        free(s);
        return NULL;
    }
    for (int i = 0; i < s->n_stations; i++) {
        s->stations[i].up = 1;
        s->stations[i].servers = -1;
    }
    return s;
}

void tc_state_destroy(tc_state *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->n_stations; i++) {
        free(s->stations[i].in_service);
        free(s->stations[i].service);
        free(s->stations[i].queue);
        free(s->stations[i].last_product);
        free(s->stations[i].jobs);
    }
    free(s->stations);
    free(s->overrides);
    free(s->draws);
    free(s->calibration);
    free(s);
}

tc_status tc_state_set_in_service(tc_state *s, int station, const double *elapsed, int n)
{
    tc_station_state *st = &s->stations[station];
    double *copy = n > 0 ? malloc(sizeof *copy * (size_t)n) : NULL;
    if (n > 0 && !copy)
        return TC_ERR_RUNTIME;
    if (n > 0)
        memcpy(copy, elapsed, sizeof *copy * (size_t)n);
    free(st->in_service);
    free(st->jobs); /* ids no longer match */
    free(st->service);
    st->jobs = NULL;
    st->service = NULL;
    st->in_service = copy;
    st->n_in_service = n;
    return TC_OK;
}

static tc_job_state *copy_jobs(const tc_job_state *jobs, int n)
{
    tc_job_state *c = malloc(sizeof *c * (size_t)(n > 0 ? n : 1));
    if (c && n > 0)
        memcpy(c, jobs, sizeof *c * (size_t)n);
    return c;
}

tc_status tc_state_set_service(tc_state *s, int station, const tc_job_state *jobs, int n)
{
    double *elapsed = malloc(sizeof *elapsed * (size_t)(n > 0 ? n : 1));
    tc_job_state *c = copy_jobs(jobs, n);
    if (!elapsed || !c || tc_state_set_in_service(s, station, elapsed, 0) != TC_OK) {
        free(elapsed);
        free(c);
        return TC_ERR_RUNTIME;
    }
    for (int k = 0; k < n; k++)
        elapsed[k] = jobs[k].time;
    tc_station_state *st = &s->stations[station];
    free(st->in_service);
    st->in_service = elapsed;
    st->service = c;
    st->n_in_service = n;
    return TC_OK;
}

tc_status tc_state_set_queue(tc_state *s, int station, const tc_job_state *jobs, int n)
{
    tc_job_state *c = copy_jobs(jobs, n);
    if (!c)
        return TC_ERR_RUNTIME;
    tc_station_state *st = &s->stations[station];
    free(st->queue);
    st->queue = c;
    st->waiting = n;
    return TC_OK;
}

/* A job's product: known, and routed through the station. */
static tc_status check_product(const tc_model *m, int station, const char *field, int product, char *err,
                               size_t errlen)
{
    const char *nm = m->plant.stations[station].name;
    if (product < 0 || product >= m->plant.n_sources) {
        snprintf(err, errlen, "state: stations.%s.%s: no such product", nm, field);
        return TC_ERR_INPUT;
    }
    if (tc_model_route_step(m, product, station) < 0) {
        snprintf(err, errlen, "state: stations.%s.%s: product %s is not routed through %s", nm, field,
                 m->plant.sources[product].name, nm);
        return TC_ERR_INPUT;
    }
    return TC_OK;
}

/* What is known of the jobs: products on their routes, phases and batches the station has. */
static tc_status validate_jobs(const tc_station_state *st, const tc_model *m, int i, char *err, size_t errlen)
{
    const tc_station *ms = &m->plant.stations[i];
    char field[64];
    for (int k = 0; st->queue && k < st->waiting; k++) {
        snprintf(field, sizeof field, "waiting[%d]", k);
        if (check_product(m, i, field, st->queue[k].product, err, errlen) != TC_OK)
            return TC_ERR_INPUT;
        if (!(st->queue[k].time >= 0) || !isfinite(st->queue[k].time)) {
            snprintf(err, errlen, "state: stations.%s.waiting[%d].waited must be finite and >= 0", ms->name,
                     k);
            return TC_ERR_INPUT;
        }
    }
    for (int k = 0; st->service && k < st->n_in_service; k++) {
        const tc_job_state *j = &st->service[k];
        snprintf(field, sizeof field, "in_service[%d]", k);
        if (check_product(m, i, field, j->product, err, errlen) != TC_OK)
            return TC_ERR_INPUT;
        if (j->batch < 1 || (j->batch > 1 && ms->batch_size <= 0)) {
            snprintf(err, errlen, "state: stations.%s.in_service[%d].batch: %d %s", ms->name, k, j->batch,
                     j->batch < 1 ? "must be >= 1" : "but the station does not batch");
            return TC_ERR_INPUT;
        }
        const tc_step *sp =
            &m->plant.steps[m->plant.sources[j->product].first_step + tc_model_route_step(m, j->product, i)];
        if (j->setup && !ms->has_setup && !sp->has_setup) {
            snprintf(err, errlen,
                     "state: stations.%s.in_service[%d].phase: 'setup', but %s has no changeover time there",
                     ms->name, k, m->plant.sources[j->product].name);
            return TC_ERR_INPUT;
        }
    }
    for (int k = 0; k < st->n_last; k++)
        if (st->last_product[k] >= 0) {
            snprintf(field, sizeof field, "last_product[%d]", k);
            if (check_product(m, i, field, st->last_product[k], err, errlen) != TC_OK)
                return TC_ERR_INPUT;
        }
    return TC_OK;
}

tc_status tc_state_add_override(tc_state *s, int param, double value)
{
    tc_param_override *no = realloc(s->overrides, sizeof *no * (size_t)(s->n_overrides + 1));
    if (!no)
        return TC_ERR_RUNTIME;
    s->overrides = no;
    s->overrides[s->n_overrides++] = (tc_param_override){param, value};
    return TC_OK;
}

tc_status tc_state_validate(const tc_state *s, const tc_model *m, char *err, size_t errlen)
{
    if (s->n_stations != m->plant.n_stations) {
        snprintf(err, errlen, "state: describes %d stations, the model has %d", s->n_stations,
                 m->plant.n_stations);
        return TC_ERR_INPUT;
    }
    for (int i = 0; i < s->n_stations; i++) {
        const tc_station_state *st = &s->stations[i];
        const tc_station *ms = &m->plant.stations[i];
        int servers = st->servers >= 0 ? st->servers : ms->servers;
        for (int k = 0; k < s->n_overrides; k++) {
            const tc_param *q = &m->params[s->overrides[k].param];
            if (q->owner == i && q->field == TC_FIELD_SERVERS && st->servers < 0)
                servers = (int)s->overrides[k].value;
        }
        const char *nm = ms->name;
        if (st->waiting < 0 || st->n_in_service < 0 || !(st->down_for >= 0) || !isfinite(st->down_for)) {
            snprintf(err, errlen, "state: stations.%s: counts and down_for must be finite and >= 0", nm);
            return TC_ERR_INPUT;
        }
        if (st->n_last > servers) {
            snprintf(err, errlen, "state: stations.%s.last_product: %d entries but only %d servers", nm,
                     st->n_last, servers);
            return TC_ERR_INPUT;
        }
        if (validate_jobs(st, m, i, err, errlen) != TC_OK)
            return TC_ERR_INPUT;
        if (st->n_in_service > servers) {
            snprintf(err, errlen, "state: stations.%s.in_service: %d jobs in service but only %d servers", nm,
                     st->n_in_service, servers);
            return TC_ERR_INPUT;
        }
        if (ms->buffer != TC_UNLIMITED && st->waiting > ms->buffer) {
            snprintf(err, errlen, "state: stations.%s.waiting: %d exceeds the buffer of %d", nm, st->waiting,
                     ms->buffer);
            return TC_ERR_INPUT;
        }
        for (int k = 0; k < st->n_in_service; k++)
            if (!(st->in_service[k] >= 0) || !isfinite(st->in_service[k])) {
                snprintf(err, errlen,
                         "state: stations.%s.in_service[%d]: elapsed time must be finite and >= 0", nm, k);
                return TC_ERR_INPUT;
            }
    }
    return TC_OK;
}
