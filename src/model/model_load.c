/*
 * model_load.c - reads a plant model from YAML (libyaml, through doc.h).
 *
 * Every complaint names the file, line and column of the offending node,
 * and every key is checked against the schema: a misspelt key is an error,
 * never a silent default.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "model_internal.h"
#include "twincast/clock.h"
#include "twincast/model.h"

#define TC_MODEL_MAX_BYTES (16u << 20)
#define TC_NAME_MAX        63

typedef tc_loader loader;

#define TC_PRIORITY_MAX 1000000

void *tc_model_own_(tc_loader *L, size_t size)
{
    tc_model *m = L->m;
    if (m->n_owned == L->owned_cap) {
        int ncap = L->owned_cap ? L->owned_cap * 2 : 16;
        void **no = realloc(m->owned, sizeof *no * (size_t)ncap);
        if (!no)
            return NULL;
        m->owned = no;
        L->owned_cap = ncap;
    }
    void *p = calloc(1, size ? size : 1);
    if (p)
        m->owned[m->n_owned++] = p;
    return p;
}

static int check_name(loader *L, tc_node *k, const char *name, const char *what)
{
    size_t n = strlen(name);
    if (n == 0 || n > TC_NAME_MAX)
        return tc_doc_fail(&L->d, k, "%s name must have 1 to %d characters", what, TC_NAME_MAX);
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '-'))
            return tc_doc_fail(&L->d, k, "%s name '%s' may only use letters, digits, '_' and '-'", what,
                               name);
    }
    if (tc_model_station_index(L->m, name) >= 0 || tc_model_source_index(L->m, name) >= 0)
        return tc_doc_fail(&L->d, k, "duplicate name '%s': names are unique across stations and sources",
                           name);
    return 0;
}

static char *own_str(loader *L, const char *s)
{
    char *d = tc_model_own_(L, strlen(s) + 1);
    if (d)
        strcpy(d, s);
    return d;
}

/* ---- distributions ------------------------------------------------------ */

typedef struct weighted {
    double v, w;
} weighted;

static int cmp_weighted(const void *a, const void *b)
{
    double x = ((const weighted *)a)->v, y = ((const weighted *)b)->v;
    return (x > y) - (x < y);
}

static int parse_empirical(loader *L, tc_node *n, const char *what, tc_dist *d)
{
    tc_node *vals = tc_doc_find(n, "values", NULL), *wts = tc_doc_find(n, "weights", NULL);
    if (!vals || !tc_doc_is(vals, TC_NODE_SEQUENCE) || vals->count < 1)
        return tc_doc_fail(&L->d, vals ? vals : n, "%s: empirical needs 'values', a non-empty list", what);
    int cnt = vals->count;
    if (wts && (!tc_doc_is(wts, TC_NODE_SEQUENCE) || wts->count != cnt))
        return tc_doc_fail(&L->d, wts, "%s: 'weights' must be a list as long as 'values' (%d)", what, cnt);
    weighted *t = calloc((size_t)cnt, sizeof *t);
    double *values = tc_model_own_(L, sizeof(double) * (size_t)cnt),
           *cum = tc_model_own_(L, sizeof(double) * (size_t)cnt);
    if (!t || !values || !cum) {
        free(t);
        return tc_doc_fail(&L->d, n, "out of memory");
    }
    double total = 0;
    for (int i = 0; i < cnt; i++) {
        tc_node *v = tc_node_item(vals, i), *w = wts ? tc_node_item(wts, i) : NULL;
        t[i].w = 1;
        if (tc_doc_duration(&L->d, v, "values", &t[i].v) ||
            (w && tc_doc_real(&L->d, w, "weights", &t[i].w))) {
            free(t);
            return -1;
        }
        if (t[i].w < 0) {
            free(t);
            return tc_doc_fail(&L->d, w, "%s: weights must be >= 0", what);
        }
        total += t[i].w;
    }
    if (!(total > 0)) {
        free(t);
        return tc_doc_fail(&L->d, wts, "%s: weights must not all be 0", what);
    }
    /* Sorted values let the residual draw skip the values already exceeded. */
    qsort(t, (size_t)cnt, sizeof *t, cmp_weighted);
    double c = 0;
    for (int i = 0; i < cnt; i++) {
        values[i] = t[i].v;
        c += t[i].w;
        cum[i] = c;
    }
    free(t);
    d->n = cnt;
    d->values = values;
    d->cum = cum;
    return 0;
}

static int parse_dist(loader *L, tc_node *n, tc_node *at, const char *what, tc_dist *d)
{
    if (tc_doc_expect_mapping(&L->d, n, at, what))
        return -1;
    tc_node *tn = tc_doc_find(n, "dist", NULL);
    if (!tn)
        return tc_doc_fail(&L->d, n,
                           "%s: missing 'dist' (one of constant, exponential, uniform, triangular, "
                           "normal, lognormal, gamma, erlang, weibull, empirical)",
                           what);
    const char *tname = tc_doc_scalar(&L->d, tn, "dist");
    if (!tname)
        return -1;
    memset(d, 0, sizeof *d);
    if (tc_dist_type_parse(tname, &d->type) != 0)
        return tc_doc_fail(&L->d, tn,
                           "%s: unknown distribution '%s' (one of constant, exponential, uniform, "
                           "triangular, normal, lognormal, gamma, erlang, weibull, empirical)",
                           what, tname);
    const char *allowed[TC_DIST_MAXP + 3] = {"dist"};
    int na = 1;
    for (int i = 0; i < tc_dist_nparams(d->type); i++)
        allowed[na++] = tc_dist_param_name(d->type, i);
    if (d->type == TC_DIST_EMPIRICAL) {
        allowed[na++] = "values";
        allowed[na++] = "weights";
    }
    allowed[na] = NULL;
    char ctx[256];
    snprintf(ctx, sizeof ctx, "%s (%s)", what, tname);
    if (tc_doc_check_keys(&L->d, n, ctx, allowed))
        return -1;
    for (int i = 0; i < tc_dist_nparams(d->type); i++) {
        const char *pn = tc_dist_param_name(d->type, i);
        tc_node *v = tc_doc_find(n, pn, NULL);
        if (!v)
            return tc_doc_fail(&L->d, n, "%s: missing parameter '%s'", ctx, pn);
        int rc = tc_dist_param_is_duration(d->type, i) ? tc_doc_duration(&L->d, v, pn, &d->p[i])
                                                       : tc_doc_real(&L->d, v, pn, &d->p[i]);
        if (rc)
            return -1;
    }
    if (d->type == TC_DIST_EMPIRICAL && parse_empirical(L, n, what, d))
        return -1;
    char why[256];
    if (tc_dist_prepare(d, why, sizeof why) != 0)
        return tc_doc_fail(&L->d, n, "%s: %s", what, why);
    return 0;
}

/* ---- stations and sources ----------------------------------------------- */

/* batch: {size, max_wait}: a batch station; max_wait omitted = full batches only. */
static int parse_batch(loader *L, tc_node *n, tc_node *at, const char *what, tc_station *s)
{
    static const char *const keys[] = {"size", "max_wait", NULL};
    char sub[160];
    snprintf(sub, sizeof sub, "%s batch", what);
    if (tc_doc_expect_mapping(&L->d, n, at, sub) || tc_doc_check_keys(&L->d, n, sub, keys))
        return -1;
    tc_node *size = tc_doc_find(n, "size", NULL), *wait = tc_doc_find(n, "max_wait", NULL);
    long x;
    if (!size)
        return tc_doc_fail(&L->d, n, "%s: missing 'size' (the most jobs a batch holds)", sub);
    if (tc_doc_int(&L->d, size, "batch size", 1, 1000000, &x))
        return -1;
    if (s->buffer != TC_UNLIMITED && x > s->buffer)
        return tc_doc_fail(&L->d, size, "%s: size %ld exceeds buffer %d, so a full batch could never wait",
                           sub, x, s->buffer);
    if (s->has_setup)
        return tc_doc_fail(&L->d, at, "%s: a batch station has no changeovers: remove 'setup'", what);
    s->batch_size = (int)x;
    s->batch_max_wait = INFINITY;
    if (wait) {
        if (tc_doc_duration(&L->d, wait, "max_wait", &s->batch_max_wait))
            return -1;
        if (!(s->batch_max_wait >= 0) || !isfinite(s->batch_max_wait))
            return tc_doc_fail(&L->d, wait, "%s: max_wait must be a finite time >= 0", sub);
    }
    return 0;
}

static int parse_station(loader *L, tc_node *k, tc_node *v, tc_station *s)
{
    static const char *const keys[] = {"servers", "process",  "setup",    "batch",  "buffer", "threshold",
                                       "failure", "schedule", "at_close", "breaks", NULL};
    char what[128];
    snprintf(what, sizeof what, "station %s", s->name);
    if (tc_doc_expect_mapping(&L->d, v, k, what) || tc_doc_check_keys(&L->d, v, what, keys))
        return -1;
    long x;
    tc_node *n = tc_doc_find(v, "servers", NULL);
    s->servers = 1;
    if (n) {
        if (tc_doc_int(&L->d, n, "servers", 1, 1000000, &x))
            return -1;
        s->servers = (int)x;
    }
    s->buffer = TC_UNLIMITED;
    if ((n = tc_doc_find(v, "buffer", NULL))) {
        if (tc_doc_int(&L->d, n, "buffer", 0, 1000000000, &x))
            return -1;
        s->buffer = (int)x;
    }
    s->threshold = s->buffer == TC_UNLIMITED ? 10 : (s->buffer > 0 ? s->buffer : 1);
    if ((n = tc_doc_find(v, "threshold", NULL))) {
        if (tc_doc_int(&L->d, n, "threshold", 1, 1000000000, &x))
            return -1;
        if (s->buffer != TC_UNLIMITED && x > s->buffer)
            return tc_doc_fail(&L->d, n,
                               "%s: threshold %ld exceeds buffer %d, so the bottleneck could never form",
                               what, x, s->buffer);
        s->threshold = (int)x;
    }
    tc_node *pk = NULL;
    char sub[160];
    /* optional when every route step that visits the station sets its own (checked with the routes) */
    if ((n = tc_doc_find(v, "process", &pk))) {
        snprintf(sub, sizeof sub, "%s process", what);
        if (parse_dist(L, n, pk, sub, &s->process))
            return -1;
        s->has_process = 1;
    }
    if ((n = tc_doc_find(v, "setup", &pk))) {
        snprintf(sub, sizeof sub, "%s setup", what);
        if (parse_dist(L, n, pk, sub, &s->setup))
            return -1;
        s->has_setup = 1;
    }
    if ((n = tc_doc_find(v, "batch", &pk)) && parse_batch(L, n, pk, what, s))
        return -1;
    tc_node *fk = NULL;
    if ((n = tc_doc_find(v, "failure", &fk))) {
        static const char *const fkeys[] = {"ttf", "ttr", "clock", NULL}; /* clock: model_calendar.c */
        snprintf(sub, sizeof sub, "%s failure", what);
        if (tc_doc_expect_mapping(&L->d, n, fk, sub) || tc_doc_check_keys(&L->d, n, sub, fkeys))
            return -1;
        tc_node *ttf = tc_doc_find(n, "ttf", &pk), *ttr;
        if (!ttf)
            return tc_doc_fail(&L->d, n, "%s: missing 'ttf' (time to failure)", sub);
        snprintf(sub, sizeof sub, "%s ttf", what);
        if (parse_dist(L, ttf, pk, sub, &s->ttf))
            return -1;
        if (!(ttr = tc_doc_find(n, "ttr", &pk)))
            return tc_doc_fail(&L->d, n, "%s failure: missing 'ttr' (time to repair)", what);
        snprintf(sub, sizeof sub, "%s ttr", what);
        if (parse_dist(L, ttr, pk, sub, &s->ttr))
            return -1;
        if (!(tc_dist_mean(&s->ttf) > 0))
            return tc_doc_fail(&L->d, ttf, "%s: mean time to failure must be > 0", what);
        s->has_failure = 1;
    }
    return 0;
}

static int push_step(loader *L, int *cap_steps, int *cap_alts, const int *alts, int n, const tc_step *params)
{
    tc_model *m = L->m;
    if (m->n_steps == *cap_steps) {
        *cap_steps = *cap_steps ? *cap_steps * 2 : 16;
        tc_route_step *ns = realloc(m->steps, sizeof *ns * (size_t)*cap_steps);
        if (!ns)
            return -1;
        m->steps = ns;
        tc_step *np = realloc(m->plant.steps, sizeof *np * (size_t)*cap_steps);
        if (!np)
            return -1;
        m->plant.steps = np;
    }
    while (m->n_alts + n > *cap_alts) {
        *cap_alts = *cap_alts ? *cap_alts * 2 : 32;
        int *na = realloc(m->alts, sizeof *na * (size_t)*cap_alts);
        if (!na)
            return -1;
        m->alts = na;
    }
    m->plant.steps[m->n_steps] = *params;
    m->steps[m->n_steps++] = (tc_route_step){m->n_alts, n};
    m->plant.n_steps = m->n_steps;
    memcpy(m->alts + m->n_alts, alts, sizeof *alts * (size_t)n);
    m->n_alts += n;
    return 0;
}

static int route_station(loader *L, tc_node *n, const char *src, char *seen)
{
    const char *name = tc_doc_scalar(&L->d, n, "route");
    if (!name)
        return -1;
    int idx = tc_model_station_index(L->m, name);
    if (idx < 0)
        return tc_doc_fail(&L->d, n, "source %s: route names unknown station '%s'", src, name);
    if (seen[idx])
        return tc_doc_fail(&L->d, n, "source %s: station '%s' appears twice in the route (a route cycle)",
                           src, name);
    seen[idx] = 1;
    return idx;
}

/* The stations of a list of alternatives (a sequence node), or of one name. */
static int step_stations(loader *L, tc_node *n, const tc_source *src, char *seen, int *alts, int *na)
{
    if (!tc_doc_is(n, TC_NODE_SEQUENCE)) {
        int idx = route_station(L, n, src->name, seen);
        if (idx < 0)
            return -1;
        alts[(*na)++] = idx;
        return 0;
    }
    if (n->count < 1)
        return tc_doc_fail(&L->d, n, "source %s: an alternatives list must not be empty", src->name);
    for (int j = 0; j < n->count; j++) {
        int idx = route_station(L, tc_node_item(n, j), src->name, seen);
        if (idx < 0)
            return -1;
        alts[(*na)++] = idx;
    }
    return 0;
}

/* A probability in [0, 1]. */
static int parse_probability(loader *L, tc_node *n, const char *what, double *p)
{
    if (tc_doc_real(&L->d, n, what, p))
        return -1;
    if (!(*p >= 0 && *p <= 1))
        return tc_doc_fail(&L->d, n, "%s must be a probability from 0 to 1, got %g", what, *p);
    return 0;
}

/* rework: {p, to}: `to` names a station of this step or of an earlier one of the same route. */
static int parse_rework(loader *L, tc_node *n, tc_node *at, const tc_source *src, int step, const int *alts,
                        int na, const char *what, tc_step *params)
{
    static const char *const keys[] = {"p", "to", NULL};
    if (tc_doc_expect_mapping(&L->d, n, at, what) || tc_doc_check_keys(&L->d, n, what, keys))
        return -1;
    tc_node *p = tc_doc_find(n, "p", NULL), *to = tc_doc_find(n, "to", NULL);
    if (!p || !to)
        return tc_doc_fail(&L->d, n, "%s: needs 'p' (its probability) and 'to' (the station to go back to)",
                           what);
    char sub[200];
    snprintf(sub, sizeof sub, "%.180s p", what);
    if (parse_probability(L, p, sub, &params->rework_p))
        return -1;
    if (!(params->rework_p < 1))
        return tc_doc_fail(&L->d, p, "%s: p must be below 1, or no job would ever leave", what);
    const char *name = tc_doc_scalar(&L->d, to, "to");
    if (!name)
        return -1;
    int s = tc_model_station_index(L->m, name);
    const tc_model *m = L->m;
    for (int k = 0; s >= 0 && k < step; k++) {
        const tc_route_step *rs = &m->steps[src->first_step + k];
        for (int a = 0; a < rs->n_alts; a++)
            if (m->alts[rs->first_alt + a] == s) {
                params->rework_to = k;
                return 0;
            }
    }
    for (int a = 0; s >= 0 && a < na; a++)
        if (alts[a] == s) {
            params->rework_to = step;
            return 0;
        }
    return tc_doc_fail(&L->d, to,
                       "%s: to '%s' is not a station of this step or of an earlier step of the route", what,
                       name);
}

/*
 * One route step: NAME, a list of alternatives, or a mapping with exactly
 * one of `station: NAME` or `any: [NAME, ...]` and optionally the
 * product's own `process`, `rework: {p, to}` and `scrap: p`.
 */
static int parse_step(loader *L, tc_node *item, const tc_source *src, int step, char *seen, int *alts,
                      int *na, tc_step *params)
{
    const tc_model *m = L->m;
    char what[160];
    tc_node *where = item;
    *na = 0;
    if (!tc_doc_is(item, TC_NODE_MAPPING)) {
        if (step_stations(L, item, src, seen, alts, na))
            return -1;
    } else {
        static const char *const keys[] = {"station", "any", "process", "setup", "rework", "scrap", NULL};
        snprintf(what, sizeof what, "source %s route step %d", src->name, step + 1);
        if (tc_doc_check_keys(&L->d, item, what, keys))
            return -1;
        tc_node *one = tc_doc_find(item, "station", NULL), *any = tc_doc_find(item, "any", NULL), *n,
                *k = NULL;
        if ((one != NULL) == (any != NULL))
            return tc_doc_fail(&L->d, item, "%s: give exactly one of 'station: NAME' or 'any: [NAME, ...]'",
                               what);
        if (any && !tc_doc_is(any, TC_NODE_SEQUENCE))
            return tc_doc_fail(&L->d, any, "%s: 'any' must be a list of stations", what);
        where = one ? one : any;
        if (step_stations(L, where, src, seen, alts, na))
            return -1;
        snprintf(what, sizeof what, "source %s step %s", src->name, m->plant.stations[alts[0]].name);
        char sub[200];
        const tc_station *batch = NULL;
        for (int a = 0; a < *na; a++)
            if (m->plant.stations[alts[a]].batch_size > 0)
                batch = &m->plant.stations[alts[a]];
        tc_node *own = tc_doc_find(item, "process", &k) ? k : tc_doc_find(item, "setup", &k) ? k : NULL;
        if (batch && own)
            return tc_doc_fail(&L->d, own,
                               "%s: %s is a batch station (one process time per batch, no changeovers): "
                               "a step there cannot set its own '%s'",
                               what, batch->name, tc_doc_scalar(&L->d, own, "key"));
        if ((n = tc_doc_find(item, "process", &k))) {
            snprintf(sub, sizeof sub, "%s process", what);
            if (parse_dist(L, n, k, sub, &params->process))
                return -1;
            params->has_process = 1;
        }
        if ((n = tc_doc_find(item, "setup", &k))) {
            snprintf(sub, sizeof sub, "%s setup", what);
            if (parse_dist(L, n, k, sub, &params->setup))
                return -1;
            params->has_setup = 1;
        }
        if ((n = tc_doc_find(item, "rework", &k))) {
            snprintf(sub, sizeof sub, "%s rework", what);
            if (parse_rework(L, n, k, src, step, alts, *na, sub, params))
                return -1;
        }
        if ((n = tc_doc_find(item, "scrap", &k))) {
            snprintf(sub, sizeof sub, "%s scrap", what);
            if (parse_probability(L, n, sub, &params->scrap_p))
                return -1;
            if (params->rework_p + params->scrap_p > 1)
                return tc_doc_fail(&L->d, n, "%s: rework p + scrap = %g exceeds 1", what,
                                   params->rework_p + params->scrap_p);
        }
    }
    for (int a = 0; !params->has_process && a < *na; a++)
        if (!m->plant.stations[alts[a]].has_process)
            return tc_doc_fail(&L->d, where,
                               "source %s: station %s has no 'process' of its own, so this step must set "
                               "one for the product",
                               src->name, m->plant.stations[alts[a]].name);
    return 0;
}

static int parse_route(loader *L, tc_node *r, tc_node *at, tc_source *src, char *reached)
{
    tc_model *m = L->m;
    if (!r || !tc_doc_is(r, TC_NODE_SEQUENCE) || r->count < 1)
        return tc_doc_fail(&L->d, r ? r : at, "source %s: 'route' must be a non-empty list of stations",
                           src->name);
    int S = m->plant.n_stations, rc = 0;
    char *seen = calloc((size_t)S, 1);
    int *alts = calloc((size_t)S, sizeof *alts);
    if (!seen || !alts) {
        free(seen);
        free(alts);
        return tc_doc_fail(&L->d, r, "out of memory");
    }
    src->first_step = m->n_steps;
    for (int i = 0; rc == 0 && i < r->count; i++) {
        tc_node *item = tc_node_item(r, i);
        tc_step params = {0};
        int n = 0;
        rc = parse_step(L, item, src, i, seen, alts, &n, &params);
        if (rc == 0 && push_step(L, &L->cap_steps, &L->cap_alts, alts, n, &params))
            rc = tc_doc_fail(&L->d, item, "out of memory");
    }
    src->n_steps = m->n_steps - src->first_step;
    for (int i = 0; i < S; i++)
        reached[i] |= seen[i];
    free(seen);
    free(alts);
    return rc;
}

static int parse_source(loader *L, tc_node *k, tc_node *v, tc_source *src, char *reached)
{
    static const char *const keys[] = {"interarrival", "route", "priority", "rate", NULL};
    char what[128];
    snprintf(what, sizeof what, "source %s", src->name);
    if (tc_doc_expect_mapping(&L->d, v, k, what) || tc_doc_check_keys(&L->d, v, what, keys))
        return -1;
    tc_node *pn = tc_doc_find(v, "priority", NULL);
    long prio = 0;
    if (pn && tc_doc_int(&L->d, pn, "priority", -TC_PRIORITY_MAX, TC_PRIORITY_MAX, &prio))
        return -1;
    src->priority = (int)prio;
    tc_node *ik = NULL, *rk = NULL;
    tc_node *ia = tc_doc_find(v, "interarrival", &ik), *route = tc_doc_find(v, "route", &rk);
    if (!ia)
        return tc_doc_fail(&L->d, k, "%s: missing 'interarrival' (its inter-arrival time distribution)",
                           what);
    char sub[160];
    snprintf(sub, sizeof sub, "%s interarrival", what);
    if (parse_dist(L, ia, ik, sub, &src->interarrival))
        return -1;
    if (!(tc_dist_mean(&src->interarrival) > 0))
        return tc_doc_fail(&L->d, ia, "%s: mean inter-arrival time must be > 0", what);
    if (!route)
        return tc_doc_fail(&L->d, k, "%s: missing 'route'", what);
    return parse_route(L, route, rk, src, reached);
}

/* Stations first (routes refer to them), then sources. */
static int parse_plant(loader *L, tc_node *stations, tc_node *sk, tc_node *sources, tc_node *rk)
{
    tc_model *m = L->m;
    if (!stations)
        return tc_doc_fail(&L->d, NULL, "missing 'stations'");
    if (tc_doc_expect_mapping(&L->d, stations, sk, "'stations'"))
        return -1;
    if (!sources)
        return tc_doc_fail(&L->d, stations, "missing 'sources' (nothing would ever arrive)");
    if (tc_doc_expect_mapping(&L->d, sources, rk, "'sources'"))
        return -1;
    int ns = stations->count, nr = sources->count;
    if (ns < 1 || nr < 1)
        return tc_doc_fail(&L->d, ns < 1 ? stations : sources, "need at least one station and one source");
    m->plant.stations = calloc((size_t)ns, sizeof *m->plant.stations);
    m->plant.sources = calloc((size_t)nr, sizeof *m->plant.sources);
    char *reached = calloc((size_t)ns, 1);
    if (!m->plant.stations || !m->plant.sources || !reached) {
        free(reached);
        return tc_doc_fail(&L->d, stations, "out of memory");
    }
    int rc = 0;
    for (int i = 0; rc == 0 && i < ns; i++) {
        tc_node *k = tc_node_key(stations, i);
        const char *name = tc_doc_scalar(&L->d, k, "station name");
        if (!name || check_name(L, k, name, "station")) {
            rc = -1;
            break;
        }
        tc_station *s = &m->plant.stations[m->plant.n_stations];
        if (!(s->name = own_str(L, name))) {
            rc = tc_doc_fail(&L->d, k, "out of memory");
            break;
        }
        m->plant.n_stations++;
        rc = parse_station(L, k, tc_node_value(stations, i), s);
    }
    for (int i = 0; rc == 0 && i < nr; i++) {
        tc_node *k = tc_node_key(sources, i);
        const char *name = tc_doc_scalar(&L->d, k, "source name");
        if (!name || check_name(L, k, name, "source")) {
            rc = -1;
            break;
        }
        tc_source *src = &m->plant.sources[m->plant.n_sources];
        if (!(src->name = own_str(L, name))) {
            rc = tc_doc_fail(&L->d, k, "out of memory");
            break;
        }
        m->plant.n_sources++;
        rc = parse_source(L, k, tc_node_value(sources, i), src, reached);
    }
    for (int i = 0; rc == 0 && i < ns; i++)
        if (!reached[i]) {
            tc_node *k = NULL;
            tc_doc_find(stations, m->plant.stations[i].name, &k);
            rc = tc_doc_fail(&L->d, k, "station %s is on no source's route, so no job can ever reach it",
                             m->plant.stations[i].name);
        }
    free(reached);
    return rc;
}

/* ---- scenarios ---------------------------------------------------------- */

static int cmp_change(const void *a, const void *b)
{
    const tc_change *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return (x > y) - (x < y);
}

int tc_model_parse_change_(loader *L, tc_node *c, const char *what, tc_plant *scratch, tc_change *out)
{
    static const char *const keys[] = {"at", "set", "value", "up", "down", NULL};
    if (tc_doc_expect_mapping(&L->d, c, c, what) || tc_doc_check_keys(&L->d, c, what, keys))
        return -1;
    tc_node *at = tc_doc_find(c, "at", NULL), *set = tc_doc_find(c, "set", NULL),
            *val = tc_doc_find(c, "value", NULL);
    tc_node *up = tc_doc_find(c, "up", NULL), *down = tc_doc_find(c, "down", NULL);
    if (!at)
        return tc_doc_fail(&L->d, c, "%s: missing 'at' (when the change happens)", what);
    if (tc_doc_duration(&L->d, at, "at", &out->at))
        return -1;
    if ((set != NULL) + (up != NULL) + (down != NULL) != 1)
        return tc_doc_fail(&L->d, c, "%s: give exactly one of 'set' (with 'value'), 'up' or 'down'", what);
    if (set) {
        const char *path = tc_doc_scalar(&L->d, set, "set");
        if (!path)
            return -1;
        int pi = tc_model_param_find(L->m, path);
        if (pi < 0)
            return tc_doc_fail(&L->d, set, "%s: unknown parameter path '%s'", what, path);
        if (!val)
            return tc_doc_fail(&L->d, c, "%s: 'set' needs a 'value'", what);
        const tc_param *q = &L->m->params[pi];
        if ((q->is_duration ? tc_doc_duration(&L->d, val, "value", &out->value)
                            : tc_doc_real(&L->d, val, "value", &out->value)))
            return -1;
        char why[256];
        tc_plant_copy(scratch, &L->m->plant);
        if (tc_plant_set(scratch, q, out->value, why, sizeof why) != TC_OK)
            return tc_doc_fail(&L->d, val, "%s: %s", what, why);
        out->kind = TC_CHANGE_SET;
        out->target = pi;
        return 0;
    }
    if (val)
        return tc_doc_fail(&L->d, val, "%s: 'value' goes only with 'set'", what);
    tc_node *sn = up ? up : down;
    const char *name = tc_doc_scalar(&L->d, sn, up ? "up" : "down");
    if (!name)
        return -1;
    if ((out->target = tc_model_station_index(L->m, name)) < 0)
        return tc_doc_fail(&L->d, sn, "%s: unknown station '%s'", what, name);
    out->kind = up ? TC_CHANGE_UP : TC_CHANGE_DOWN;
    return 0;
}

static int parse_scenarios(loader *L, tc_node *n, tc_node *at)
{
    tc_model *m = L->m;
    if (tc_doc_expect_mapping(&L->d, n, at, "'scenarios'"))
        return -1;
    int cnt = n->count;
    m->scenarios = calloc((size_t)cnt + 1, sizeof *m->scenarios);
    tc_plant scratch = {0};
    int rc = 0;
    if (tc_plant_clone(&scratch, &m->plant) != TC_OK || !m->scenarios) {
        tc_plant_release(&scratch);
        return tc_doc_fail(&L->d, n, "out of memory");
    }
    for (int i = 0; rc == 0 && i < cnt; i++) {
        tc_node *k = tc_node_key(n, i), *v = tc_node_value(n, i);
        const char *name = tc_doc_scalar(&L->d, k, "scenario name");
        if (!name) {
            rc = -1;
            break;
        }
        if (strcmp(name, "baseline") == 0 || tc_model_scenario_index(m, name) >= 0) {
            rc = tc_doc_fail(&L->d, k, "scenario name '%s' is reserved or used twice", name);
            break;
        }
        char what[160];
        snprintf(what, sizeof what, "scenario %s", name);
        if (!v || !tc_doc_is(v, TC_NODE_SEQUENCE)) {
            rc = tc_doc_fail(&L->d, v ? v : k, "%s: must be a list of changes like {at: 1h, up: B}", what);
            break;
        }
        tc_scenario *sc = &m->scenarios[m->n_scenarios];
        int nc = v->count;
        sc->name = malloc(strlen(name) + 1);
        sc->changes = calloc((size_t)nc + 1, sizeof *sc->changes);
        m->n_scenarios++;
        if (!sc->name || !sc->changes) {
            rc = tc_doc_fail(&L->d, k, "out of memory");
            break;
        }
        strcpy(sc->name, name);
        for (int j = 0; rc == 0 && j < nc; j++)
            rc = tc_model_parse_change_(L, tc_node_item(v, j), what, &scratch, &sc->changes[sc->n_changes++]);
        qsort(sc->changes, (size_t)sc->n_changes, sizeof *sc->changes, cmp_change);
    }
    tc_plant_release(&scratch);
    return rc;
}

/* ---- the document ------------------------------------------------------- */

/* timezone (IANA, checked against the database; default UTC) and start (ISO-8601 with a zone). */
static int parse_clock(loader *L, tc_node *root)
{
    tc_model *m = L->m;
    tc_node *n;
    const char *s;
    char why[256];
    snprintf(m->zone.name, sizeof m->zone.name, "UTC");
    if ((n = tc_doc_find(root, "timezone", NULL))) {
        if (!(s = tc_doc_scalar(&L->d, n, "timezone")))
            return -1;
        if (tc_zone_open(&m->zone, s, why, sizeof why) != TC_OK)
            return tc_doc_fail(&L->d, n, "timezone: %s", why);
    }
    if ((n = tc_doc_find(root, "start", NULL))) {
        if (!(s = tc_doc_scalar(&L->d, n, "start")))
            return -1;
        if (tc_iso_parse(s, &m->start) != 0)
            return tc_doc_fail(
                &L->d, n, "start: '%s' is not an ISO-8601 time with a zone (e.g. 2026-12-07T06:00:00+01:00)",
                s);
        m->has_start = 1;
    }
    return 0;
}

static int parse_root(loader *L, tc_node *root)
{
    static const char *const keys[] = {"name",      "time_unit", "horizon",     "replications", "seed",
                                       "bin_width", "timezone",  "start",       "calendars",    "stations",
                                       "sources",   "scenarios", "maintenance", "calibration",  "responses",
                                       "objective", NULL};
    tc_model *m = L->m;
    if (!root || !tc_doc_is(root, TC_NODE_MAPPING))
        return tc_doc_fail(&L->d, root, "a model must be a mapping with stations and sources");
    if (tc_doc_check_keys(&L->d, root, "the model", keys))
        return -1;
    tc_node *n, *k1 = NULL, *k2 = NULL;
    const char *s;
    m->unit = TC_UNIT_MIN;
    if ((n = tc_doc_find(root, "time_unit", NULL))) {
        if (!(s = tc_doc_scalar(&L->d, n, "time_unit")))
            return -1;
        if (tc_time_unit_parse(s, &m->unit) != 0)
            return tc_doc_fail(&L->d, n, "unknown time_unit '%s' (use s, min or h)", s);
    }
    L->d.unit = m->unit;
    if (parse_clock(L, root))
        return -1;
    if ((n = tc_doc_find(root, "name", NULL))) {
        if (!(s = tc_doc_scalar(&L->d, n, "name")))
            return -1;
        free(m->name);
        if (!(m->name = malloc(strlen(s) + 1)))
            return tc_doc_fail(&L->d, n, "out of memory");
        strcpy(m->name, s);
    }
    m->horizon = 480.0 * 60.0 / tc_time_unit_seconds(m->unit);
    if ((n = tc_doc_find(root, "horizon", NULL))) {
        if (tc_doc_duration(&L->d, n, "horizon", &m->horizon))
            return -1;
        if (!(m->horizon > 0))
            return tc_doc_fail(&L->d, n, "'horizon' must be > 0");
    }
    if ((n = tc_doc_find(root, "bin_width", NULL))) {
        if (tc_doc_duration(&L->d, n, "bin_width", &m->bin_width))
            return -1;
        if (!(m->bin_width > 0) || m->horizon / m->bin_width > 100000)
            return tc_doc_fail(&L->d, n, "'bin_width' must be > 0 and give at most 100000 bins");
    }
    long x;
    m->replications = 1000;
    if ((n = tc_doc_find(root, "replications", NULL))) {
        if (tc_doc_int(&L->d, n, "replications", 1, 100000000, &x))
            return -1;
        m->replications = x;
    }
    m->seed = 1;
    if ((n = tc_doc_find(root, "seed", NULL))) {
        if (tc_doc_int(&L->d, n, "seed", 0, 4294967295L, &x))
            return -1;
        m->seed = (uint32_t)x;
    }
    tc_node *st = tc_doc_find(root, "stations", &k1), *so = tc_doc_find(root, "sources", &k2);
    if (parse_plant(L, st, k1, so, k2))
        return -1;
    if (tc_model_calendar_parse_(L, root) || tc_model_calibration_parse_(L, root))
        return -1;
    if (tc_model_build_registry_(m) != 0)
        return tc_doc_fail(&L->d, root, "out of memory");
    if ((n = tc_doc_find(root, "scenarios", &k1)) && parse_scenarios(L, n, k1))
        return -1;
    if (tc_model_decision_parse_(L, root))
        return -1;
    return 0;
}

static tc_status parse_text(loader *L)
{
    tc_model *m = L->m;
    tc_status st = tc_doc_parse(&L->d, m->text, m->text_len);
    if (st == TC_OK && parse_root(L, tc_doc_root(&L->d)) != 0)
        st = TC_ERR_INPUT;
    tc_doc_close(&L->d);
    return st;
}

static const char *basename_of(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

static tc_status load_common(tc_model *m, const char *origin, tc_model **out, char *err, size_t errlen)
{
    loader L = {.d = {.origin = origin, .err = err, .errlen = errlen, .unit = TC_UNIT_MIN}, .m = m};
    if (!m->name) {
        const char *b = basename_of(origin);
        size_t n = strcspn(b, ".");
        if ((m->name = malloc(n + 1))) {
            memcpy(m->name, b, n);
            m->name[n] = '\0';
        }
    }
    tc_status st = m->name ? parse_text(&L) : TC_ERR_RUNTIME;
    if (st != TC_OK) {
        tc_model_destroy(m);
        return st;
    }
    *out = m;
    return TC_OK;
}

tc_status tc_model_load_string(const char *text, const char *origin, tc_model **out, char *err, size_t errlen)
{
    tc_model *m = calloc(1, sizeof *m);
    size_t n = strlen(text);
    if (!m || !(m->text = malloc(n + 1)) || !(m->path = malloc(strlen(origin) + 1))) {
        tc_model_destroy(m);
        snprintf(err, errlen, "%s: out of memory", origin);
        return TC_ERR_RUNTIME;
    }
    memcpy(m->text, text, n + 1);
    m->text_len = n;
    strcpy(m->path, origin);
    return load_common(m, origin, out, err, errlen);
}

tc_status tc_model_load(const char *path, tc_model **out, char *err, size_t errlen)
{
    char *text = NULL;
    size_t n = 0;
    tc_status st = tc_doc_read_file(path, TC_MODEL_MAX_BYTES, &text, &n, err, errlen);
    if (st != TC_OK)
        return st;
    st = tc_model_load_string(text, path, out, err, errlen);
    free(text);
    return st;
}
