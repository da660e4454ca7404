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
        free(s->stations[i].jobs);
    }
    free(s->stations);
    free(s->overrides);
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
    st->jobs = NULL;
    st->in_service = copy;
    st->n_in_service = n;
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
