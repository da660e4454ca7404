/*
 * model_load.c - reads a plant model from YAML (libfyaml).
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

#include <libfyaml.h>

#include "twincast/model.h"
#include "model_internal.h"

#define TC_MODEL_MAX_BYTES (16u << 20)
#define TC_NAME_MAX 63

typedef struct loader {
    const char *origin;
    char *err;
    size_t errlen;
    tc_model *m;
    int owned_cap;
    int cap_steps, cap_alts;
} loader;

/* ---- locations and messages ------------------------------------------- */

static int first_scalar_mark(struct fy_node *n, int *line, int *col)
{
    if (!n)
        return -1;
    if (fy_node_is_scalar(n)) {
        struct fy_token *t = fy_node_get_scalar_token(n);
        const struct fy_mark *mk = t ? fy_token_start_mark(t) : NULL;
        if (!mk)
            return -1;
        *line = mk->line + 1;
        *col = mk->column + 1;
        return 0;
    }
    void *it = NULL;
    if (fy_node_is_sequence(n)) {
        struct fy_node *c = fy_node_sequence_iterate(n, &it);
        return first_scalar_mark(c, line, col);
    }
    struct fy_node_pair *p = fy_node_mapping_iterate(n, &it);
    return p ? first_scalar_mark(fy_node_pair_key(p), line, col) : -1;
}

static int fail_at(loader *L, struct fy_node *n, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int line, col;
    if (first_scalar_mark(n, &line, &col) == 0)
        snprintf(L->err, L->errlen, "%s:%d:%d: %s", L->origin, line, col, msg);
    else
        snprintf(L->err, L->errlen, "%s: %s", L->origin, msg);
    return -1;
}

static void *own(loader *L, size_t size)
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

/* ---- scalars ------------------------------------------------------------ */

static const char *scalar(loader *L, struct fy_node *n, const char *key)
{
    if (!n || !fy_node_is_scalar(n)) {
        fail_at(L, n, "'%s' must be a single value, not a list or mapping", key);
        return NULL;
    }
    const char *s = fy_node_get_scalar0(n);
    if (!s)
        fail_at(L, n, "'%s': out of memory", key);
    return s;
}

static int get_real(loader *L, struct fy_node *n, const char *key, double *out)
{
    const char *s = scalar(L, n, key);
    if (!s)
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v))
        return fail_at(L, n, "'%s' must be a finite number, got '%s'", key, s);
    *out = v;
    return 0;
}

static int get_int(loader *L, struct fy_node *n, const char *key, long lo, long hi, long *out)
{
    const char *s = scalar(L, n, key);
    if (!s)
        return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno == ERANGE)
        return fail_at(L, n, "'%s' must be a whole number, got '%s'", key, s);
    if (v < lo || v > hi)
        return fail_at(L, n, "'%s' must be from %ld to %ld, got %ld", key, lo, hi, v);
    *out = v;
    return 0;
}

static int get_duration(loader *L, struct fy_node *n, const char *key, double *out)
{
    const char *s = scalar(L, n, key);
    if (!s)
        return -1;
    char why[256];
    if (tc_duration_parse(s, L->m->unit, out, why, sizeof why) != 0)
        return fail_at(L, n, "'%s': %s", key, why);
    if (*out < 0)
        return fail_at(L, n, "'%s' must not be negative, got '%s'", key, s);
    return 0;
}

/* ---- mappings ----------------------------------------------------------- */

static struct fy_node *find(struct fy_node *map, const char *key, struct fy_node **keynode)
{
    void *it = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(map, &it))) {
        struct fy_node *k = fy_node_pair_key(p);
        const char *ks = k && fy_node_is_scalar(k) ? fy_node_get_scalar0(k) : NULL;
        if (ks && strcmp(ks, key) == 0) {
            if (keynode)
                *keynode = k;
            return fy_node_pair_value(p);
        }
    }
    return NULL;
}

static int expect_mapping(loader *L, struct fy_node *n, struct fy_node *at, const char *what)
{
    if (!n || !fy_node_is_mapping(n))
        return fail_at(L, n ? n : at, "%s must be a mapping of key: value", what);
    return 0;
}

/* Rejects keys outside `allowed` (NULL-terminated), naming the valid ones. */
static int check_keys(loader *L, struct fy_node *map, const char *what, const char *const *allowed)
{
    void *it = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(map, &it))) {
        struct fy_node *k = fy_node_pair_key(p);
        const char *ks = k && fy_node_is_scalar(k) ? fy_node_get_scalar0(k) : NULL;
        if (!ks)
            return fail_at(L, k, "%s: keys must be plain names", what);
        int ok = 0;
        for (int i = 0; allowed[i]; i++)
            ok |= strcmp(ks, allowed[i]) == 0;
        if (!ok) {
            char list[512] = "";
            for (int i = 0; allowed[i]; i++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", allowed[i]);
            return fail_at(L, k, "unknown key '%s' in %s (expected one of: %s)", ks, what, list);
        }
    }
    return 0;
}

static int check_name(loader *L, struct fy_node *k, const char *name, const char *what)
{
    size_t n = strlen(name);
    if (n == 0 || n > TC_NAME_MAX)
        return fail_at(L, k, "%s name must have 1 to %d characters", what, TC_NAME_MAX);
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return fail_at(L, k, "%s name '%s' may only use letters, digits, '_' and '-'", what, name);
    }
    if (tc_model_station_index(L->m, name) >= 0 || tc_model_source_index(L->m, name) >= 0)
        return fail_at(L, k, "duplicate name '%s': names are unique across stations and sources", name);
    return 0;
}

static char *own_str(loader *L, const char *s)
{
    char *d = own(L, strlen(s) + 1);
    if (d)
        strcpy(d, s);
    return d;
}

/* ---- distributions ------------------------------------------------------ */

typedef struct weighted { double v, w; } weighted;

static int cmp_weighted(const void *a, const void *b)
{
    double x = ((const weighted *)a)->v, y = ((const weighted *)b)->v;
    return (x > y) - (x < y);
}

static int parse_empirical(loader *L, struct fy_node *n, const char *what, tc_dist *d)
{
    struct fy_node *vals = find(n, "values", NULL), *wts = find(n, "weights", NULL);
    if (!vals || !fy_node_is_sequence(vals) || fy_node_sequence_item_count(vals) < 1)
        return fail_at(L, vals ? vals : n, "%s: empirical needs 'values', a non-empty list", what);
    int cnt = fy_node_sequence_item_count(vals);
    if (wts && (!fy_node_is_sequence(wts) || fy_node_sequence_item_count(wts) != cnt))
        return fail_at(L, wts, "%s: 'weights' must be a list as long as 'values' (%d)", what, cnt);
    weighted *t = calloc((size_t)cnt, sizeof *t);
    double *values = own(L, sizeof(double) * (size_t)cnt), *cum = own(L, sizeof(double) * (size_t)cnt);
    if (!t || !values || !cum) {
        free(t);
        return fail_at(L, n, "out of memory");
    }
    void *it = NULL, *wit = NULL;
    double total = 0;
    for (int i = 0; i < cnt; i++) {
        struct fy_node *v = fy_node_sequence_iterate(vals, &it);
        struct fy_node *w = wts ? fy_node_sequence_iterate(wts, &wit) : NULL;
        t[i].w = 1;
        if (get_duration(L, v, "values", &t[i].v) || (w && get_real(L, w, "weights", &t[i].w))) {
            free(t);
            return -1;
        }
        if (t[i].w < 0) {
            free(t);
            return fail_at(L, w, "%s: weights must be >= 0", what);
        }
        total += t[i].w;
    }
    if (!(total > 0)) {
        free(t);
        return fail_at(L, wts, "%s: weights must not all be 0", what);
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

static int parse_dist(loader *L, struct fy_node *n, struct fy_node *at, const char *what, tc_dist *d)
{
    if (expect_mapping(L, n, at, what))
        return -1;
    struct fy_node *tn = find(n, "dist", NULL);
    if (!tn)
        return fail_at(L, n, "%s: missing 'dist' (one of constant, exponential, uniform, triangular, "
                             "normal, lognormal, gamma, erlang, weibull, empirical)", what);
    const char *tname = scalar(L, tn, "dist");
    if (!tname)
        return -1;
    memset(d, 0, sizeof *d);
    if (tc_dist_type_parse(tname, &d->type) != 0)
        return fail_at(L, tn, "%s: unknown distribution '%s' (one of constant, exponential, uniform, "
                              "triangular, normal, lognormal, gamma, erlang, weibull, empirical)", what, tname);
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
    if (check_keys(L, n, ctx, allowed))
        return -1;
    for (int i = 0; i < tc_dist_nparams(d->type); i++) {
        const char *pn = tc_dist_param_name(d->type, i);
        struct fy_node *v = find(n, pn, NULL);
        if (!v)
            return fail_at(L, n, "%s: missing parameter '%s'", ctx, pn);
        int rc = tc_dist_param_is_duration(d->type, i) ? get_duration(L, v, pn, &d->p[i])
                                                       : get_real(L, v, pn, &d->p[i]);
        if (rc)
            return -1;
    }
    if (d->type == TC_DIST_EMPIRICAL && parse_empirical(L, n, what, d))
        return -1;
    char why[256];
    if (tc_dist_prepare(d, why, sizeof why) != 0)
        return fail_at(L, n, "%s: %s", what, why);
    return 0;
}

/* ---- stations and sources ----------------------------------------------- */

static int parse_station(loader *L, struct fy_node *k, struct fy_node *v, tc_station *s)
{
    static const char *const keys[] = {"servers", "process", "buffer", "threshold", "failure", NULL};
    char what[128];
    snprintf(what, sizeof what, "station %s", s->name);
    if (expect_mapping(L, v, k, what) || check_keys(L, v, what, keys))
        return -1;
    long x;
    struct fy_node *n = find(v, "servers", NULL);
    s->servers = 1;
    if (n) {
        if (get_int(L, n, "servers", 1, 1000000, &x))
            return -1;
        s->servers = (int)x;
    }
    s->buffer = TC_UNLIMITED;
    if ((n = find(v, "buffer", NULL))) {
        if (get_int(L, n, "buffer", 0, 1000000000, &x))
            return -1;
        s->buffer = (int)x;
    }
    s->threshold = s->buffer == TC_UNLIMITED ? 10 : (s->buffer > 0 ? s->buffer : 1);
    if ((n = find(v, "threshold", NULL))) {
        if (get_int(L, n, "threshold", 1, 1000000000, &x))
            return -1;
        if (s->buffer != TC_UNLIMITED && x > s->buffer)
            return fail_at(L, n, "%s: threshold %ld exceeds buffer %d, so the bottleneck could never form",
                           what, x, s->buffer);
        s->threshold = (int)x;
    }
    struct fy_node *pk = NULL;
    n = find(v, "process", &pk);
    if (!n)
        return fail_at(L, k, "%s: missing 'process' (its process-time distribution)", what);
    char sub[160];
    snprintf(sub, sizeof sub, "%s process", what);
    if (parse_dist(L, n, pk, sub, &s->process))
        return -1;
    struct fy_node *fk = NULL;
    if ((n = find(v, "failure", &fk))) {
        static const char *const fkeys[] = {"ttf", "ttr", NULL};
        snprintf(sub, sizeof sub, "%s failure", what);
        if (expect_mapping(L, n, fk, sub) || check_keys(L, n, sub, fkeys))
            return -1;
        struct fy_node *ttf = find(n, "ttf", &pk), *ttr;
        if (!ttf)
            return fail_at(L, n, "%s: missing 'ttf' (time to failure)", sub);
        snprintf(sub, sizeof sub, "%s ttf", what);
        if (parse_dist(L, ttf, pk, sub, &s->ttf))
            return -1;
        if (!(ttr = find(n, "ttr", &pk)))
            return fail_at(L, n, "%s failure: missing 'ttr' (time to repair)", what);
        snprintf(sub, sizeof sub, "%s ttr", what);
        if (parse_dist(L, ttr, pk, sub, &s->ttr))
            return -1;
        if (!(tc_dist_mean(&s->ttf) > 0))
            return fail_at(L, ttf, "%s: mean time to failure must be > 0", what);
        s->has_failure = 1;
    }
    return 0;
}

static int push_step(loader *L, int *cap_steps, int *cap_alts, const int *alts, int n)
{
    tc_model *m = L->m;
    if (m->n_steps == *cap_steps) {
        *cap_steps = *cap_steps ? *cap_steps * 2 : 16;
        tc_route_step *ns = realloc(m->steps, sizeof *ns * (size_t)*cap_steps);
        if (!ns)
            return -1;
        m->steps = ns;
    }
    while (m->n_alts + n > *cap_alts) {
        *cap_alts = *cap_alts ? *cap_alts * 2 : 32;
        int *na = realloc(m->alts, sizeof *na * (size_t)*cap_alts);
        if (!na)
            return -1;
        m->alts = na;
    }
    m->steps[m->n_steps++] = (tc_route_step){m->n_alts, n};
    memcpy(m->alts + m->n_alts, alts, sizeof *alts * (size_t)n);
    m->n_alts += n;
    return 0;
}

static int route_station(loader *L, struct fy_node *n, const char *src, char *seen)
{
    const char *name = scalar(L, n, "route");
    if (!name)
        return -1;
    int idx = tc_model_station_index(L->m, name);
    if (idx < 0)
        return fail_at(L, n, "source %s: route names unknown station '%s'", src, name);
    if (seen[idx])
        return fail_at(L, n, "source %s: station '%s' appears twice in the route (a route cycle)", src, name);
    seen[idx] = 1;
    return idx;
}

static int parse_route(loader *L, struct fy_node *r, struct fy_node *at, tc_source *src, char *reached)
{
    tc_model *m = L->m;
    if (!r || !fy_node_is_sequence(r) || fy_node_sequence_item_count(r) < 1)
        return fail_at(L, r ? r : at, "source %s: 'route' must be a non-empty list of stations", src->name);
    int S = m->plant.n_stations, rc = 0;
    char *seen = calloc((size_t)S, 1);
    int *alts = calloc((size_t)S, sizeof *alts);
    if (!seen || !alts) {
        free(seen);
        free(alts);
        return fail_at(L, r, "out of memory");
    }
    src->first_step = m->n_steps;
    void *it = NULL;
    struct fy_node *item;
    while (rc == 0 && (item = fy_node_sequence_iterate(r, &it))) {
        int n = 0;
        if (fy_node_is_sequence(item)) {
            void *ait = NULL;
            struct fy_node *a;
            if (fy_node_sequence_item_count(item) < 1)
                rc = fail_at(L, item, "source %s: an alternatives list must not be empty", src->name);
            while (rc == 0 && (a = fy_node_sequence_iterate(item, &ait))) {
                int idx = route_station(L, a, src->name, seen);
                if (idx < 0) rc = -1; else alts[n++] = idx;
            }
        } else {
            int idx = route_station(L, item, src->name, seen);
            if (idx < 0) rc = -1; else alts[n++] = idx;
        }
        if (rc == 0 && push_step(L, &L->cap_steps, &L->cap_alts, alts, n))
            rc = fail_at(L, item, "out of memory");
    }
    src->n_steps = m->n_steps - src->first_step;
    for (int i = 0; i < S; i++)
        reached[i] |= seen[i];
    free(seen);
    free(alts);
    return rc;
}

static int parse_source(loader *L, struct fy_node *k, struct fy_node *v, tc_source *src, char *reached)
{
    static const char *const keys[] = {"interarrival", "route", NULL};
    char what[128];
    snprintf(what, sizeof what, "source %s", src->name);
    if (expect_mapping(L, v, k, what) || check_keys(L, v, what, keys))
        return -1;
    struct fy_node *ik = NULL, *rk = NULL;
    struct fy_node *ia = find(v, "interarrival", &ik), *route = find(v, "route", &rk);
    if (!ia)
        return fail_at(L, k, "%s: missing 'interarrival' (its inter-arrival time distribution)", what);
    char sub[160];
    snprintf(sub, sizeof sub, "%s interarrival", what);
    if (parse_dist(L, ia, ik, sub, &src->interarrival))
        return -1;
    if (!(tc_dist_mean(&src->interarrival) > 0))
        return fail_at(L, ia, "%s: mean inter-arrival time must be > 0", what);
    if (!route)
        return fail_at(L, k, "%s: missing 'route'", what);
    return parse_route(L, route, rk, src, reached);
}

/* Stations first (routes refer to them), then sources. */
static int parse_plant(loader *L, struct fy_node *stations, struct fy_node *sk,
                       struct fy_node *sources, struct fy_node *rk)
{
    tc_model *m = L->m;
    if (!stations)
        return fail_at(L, NULL, "missing 'stations'");
    if (expect_mapping(L, stations, sk, "'stations'"))
        return -1;
    if (!sources)
        return fail_at(L, stations, "missing 'sources' (nothing would ever arrive)");
    if (expect_mapping(L, sources, rk, "'sources'"))
        return -1;
    int ns = fy_node_mapping_item_count(stations), nr = fy_node_mapping_item_count(sources);
    if (ns < 1 || nr < 1)
        return fail_at(L, ns < 1 ? stations : sources, "need at least one station and one source");
    m->plant.stations = calloc((size_t)ns, sizeof *m->plant.stations);
    m->plant.sources = calloc((size_t)nr, sizeof *m->plant.sources);
    char *reached = calloc((size_t)ns, 1);
    if (!m->plant.stations || !m->plant.sources || !reached) {
        free(reached);
        return fail_at(L, stations, "out of memory");
    }
    void *it = NULL;
    struct fy_node_pair *p;
    int rc = 0;
    while (rc == 0 && (p = fy_node_mapping_iterate(stations, &it))) {
        struct fy_node *k = fy_node_pair_key(p);
        const char *name = scalar(L, k, "station name");
        if (!name || check_name(L, k, name, "station")) { rc = -1; break; }
        tc_station *s = &m->plant.stations[m->plant.n_stations];
        if (!(s->name = own_str(L, name))) { rc = fail_at(L, k, "out of memory"); break; }
        m->plant.n_stations++;
        rc = parse_station(L, k, fy_node_pair_value(p), s);
    }
    it = NULL;
    while (rc == 0 && (p = fy_node_mapping_iterate(sources, &it))) {
        struct fy_node *k = fy_node_pair_key(p);
        const char *name = scalar(L, k, "source name");
        if (!name || check_name(L, k, name, "source")) { rc = -1; break; }
        tc_source *src = &m->plant.sources[m->plant.n_sources];
        if (!(src->name = own_str(L, name))) { rc = fail_at(L, k, "out of memory"); break; }
        m->plant.n_sources++;
        rc = parse_source(L, k, fy_node_pair_value(p), src, reached);
    }
    for (int i = 0; rc == 0 && i < ns; i++)
        if (!reached[i]) {
            it = NULL;
            struct fy_node *k = NULL;
            find(stations, m->plant.stations[i].name, &k);
            rc = fail_at(L, k, "station %s is on no source's route, so no job can ever reach it",
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

static int parse_change(loader *L, struct fy_node *c, const char *what, tc_plant *scratch, tc_change *out)
{
    static const char *const keys[] = {"at", "set", "value", "up", "down", NULL};
    if (expect_mapping(L, c, c, what) || check_keys(L, c, what, keys))
        return -1;
    struct fy_node *at = find(c, "at", NULL), *set = find(c, "set", NULL), *val = find(c, "value", NULL);
    struct fy_node *up = find(c, "up", NULL), *down = find(c, "down", NULL);
    if (!at)
        return fail_at(L, c, "%s: missing 'at' (when the change happens)", what);
    if (get_duration(L, at, "at", &out->at))
        return -1;
    if ((set != NULL) + (up != NULL) + (down != NULL) != 1)
        return fail_at(L, c, "%s: give exactly one of 'set' (with 'value'), 'up' or 'down'", what);
    if (set) {
        const char *path = scalar(L, set, "set");
        if (!path)
            return -1;
        int pi = tc_model_param_find(L->m, path);
        if (pi < 0)
            return fail_at(L, set, "%s: unknown parameter path '%s'", what, path);
        if (!val)
            return fail_at(L, c, "%s: 'set' needs a 'value'", what);
        const tc_param *q = &L->m->params[pi];
        if ((q->is_duration ? get_duration(L, val, "value", &out->value) : get_real(L, val, "value", &out->value)))
            return -1;
        char why[256];
        tc_plant_copy(scratch, &L->m->plant);
        if (tc_plant_set(scratch, q, out->value, why, sizeof why) != TC_OK)
            return fail_at(L, val, "%s: %s", what, why);
        out->kind = TC_CHANGE_SET;
        out->target = pi;
        return 0;
    }
    if (val)
        return fail_at(L, val, "%s: 'value' goes only with 'set'", what);
    struct fy_node *sn = up ? up : down;
    const char *name = scalar(L, sn, up ? "up" : "down");
    if (!name)
        return -1;
    if ((out->target = tc_model_station_index(L->m, name)) < 0)
        return fail_at(L, sn, "%s: unknown station '%s'", what, name);
    out->kind = up ? TC_CHANGE_UP : TC_CHANGE_DOWN;
    return 0;
}

static int parse_scenarios(loader *L, struct fy_node *n, struct fy_node *at)
{
    tc_model *m = L->m;
    if (expect_mapping(L, n, at, "'scenarios'"))
        return -1;
    int cnt = fy_node_mapping_item_count(n);
    m->scenarios = calloc((size_t)cnt + 1, sizeof *m->scenarios);
    tc_plant scratch = {0};
    scratch.stations = calloc((size_t)m->plant.n_stations, sizeof *scratch.stations);
    scratch.sources = calloc((size_t)m->plant.n_sources, sizeof *scratch.sources);
    int rc = 0;
    if (!m->scenarios || !scratch.stations || !scratch.sources)
        rc = fail_at(L, n, "out of memory");
    void *it = NULL;
    struct fy_node_pair *p;
    while (rc == 0 && (p = fy_node_mapping_iterate(n, &it))) {
        struct fy_node *k = fy_node_pair_key(p), *v = fy_node_pair_value(p);
        const char *name = scalar(L, k, "scenario name");
        if (!name) { rc = -1; break; }
        if (strcmp(name, "baseline") == 0 || tc_model_scenario_index(m, name) >= 0) {
            rc = fail_at(L, k, "scenario name '%s' is reserved or used twice", name);
            break;
        }
        char what[160];
        snprintf(what, sizeof what, "scenario %s", name);
        if (!v || !fy_node_is_sequence(v)) {
            rc = fail_at(L, v ? v : k, "%s: must be a list of changes like {at: 1h, up: B}", what);
            break;
        }
        tc_scenario *sc = &m->scenarios[m->n_scenarios];
        int nc = fy_node_sequence_item_count(v);
        sc->name = malloc(strlen(name) + 1);
        sc->changes = calloc((size_t)nc + 1, sizeof *sc->changes);
        m->n_scenarios++;
        if (!sc->name || !sc->changes) { rc = fail_at(L, k, "out of memory"); break; }
        strcpy(sc->name, name);
        void *cit = NULL;
        struct fy_node *c;
        while (rc == 0 && (c = fy_node_sequence_iterate(v, &cit)))
            rc = parse_change(L, c, what, &scratch, &sc->changes[sc->n_changes++]);
        qsort(sc->changes, (size_t)sc->n_changes, sizeof *sc->changes, cmp_change);
    }
    free(scratch.stations);
    free(scratch.sources);
    return rc;
}

/* ---- the document ------------------------------------------------------- */

static int parse_root(loader *L, struct fy_node *root)
{
    static const char *const keys[] = {"name", "time_unit", "horizon", "replications", "seed",
                                       "bin_width", "stations", "sources", "scenarios", NULL};
    tc_model *m = L->m;
    if (!root || !fy_node_is_mapping(root))
        return fail_at(L, root, "a model must be a mapping with stations and sources");
    if (check_keys(L, root, "the model", keys))
        return -1;
    struct fy_node *n, *k1 = NULL, *k2 = NULL;
    const char *s;
    m->unit = TC_UNIT_MIN;
    if ((n = find(root, "time_unit", NULL))) {
        if (!(s = scalar(L, n, "time_unit")))
            return -1;
        if (tc_time_unit_parse(s, &m->unit) != 0)
            return fail_at(L, n, "unknown time_unit '%s' (use s, min or h)", s);
    }
    if ((n = find(root, "name", NULL))) {
        if (!(s = scalar(L, n, "name")))
            return -1;
        free(m->name);
        if (!(m->name = malloc(strlen(s) + 1)))
            return fail_at(L, n, "out of memory");
        strcpy(m->name, s);
    }
    m->horizon = 480.0 * 60.0 / tc_time_unit_seconds(m->unit);
    if ((n = find(root, "horizon", NULL))) {
        if (get_duration(L, n, "horizon", &m->horizon))
            return -1;
        if (!(m->horizon > 0))
            return fail_at(L, n, "'horizon' must be > 0");
    }
    if ((n = find(root, "bin_width", NULL))) {
        if (get_duration(L, n, "bin_width", &m->bin_width))
            return -1;
        if (!(m->bin_width > 0) || m->horizon / m->bin_width > 100000)
            return fail_at(L, n, "'bin_width' must be > 0 and give at most 100000 bins");
    }
    long x;
    m->replications = 1000;
    if ((n = find(root, "replications", NULL))) {
        if (get_int(L, n, "replications", 1, 100000000, &x))
            return -1;
        m->replications = x;
    }
    m->seed = 1;
    if ((n = find(root, "seed", NULL))) {
        if (get_int(L, n, "seed", 0, 4294967295L, &x))
            return -1;
        m->seed = (uint32_t)x;
    }
    struct fy_node *st = find(root, "stations", &k1), *so = find(root, "sources", &k2);
    if (parse_plant(L, st, k1, so, k2))
        return -1;
    if (tc_model_build_registry_(m) != 0)
        return fail_at(L, root, "out of memory");
    if ((n = find(root, "scenarios", &k1)) && parse_scenarios(L, n, k1))
        return -1;
    return 0;
}

static void diag_sink(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
    (void)diag; (void)user; (void)buf; (void)len;  /* errors are collected, not printed */
}

static tc_status parse_text(loader *L)
{
    tc_model *m = L->m;
    struct fy_diag_cfg dc;
    fy_diag_cfg_default(&dc);
    dc.fp = NULL;
    dc.output_fn = diag_sink;
    dc.colorize = false;
    struct fy_diag *diag = fy_diag_create(&dc);
    if (!diag) {
        snprintf(L->err, L->errlen, "%s: out of memory", L->origin);
        return TC_ERR_RUNTIME;
    }
    fy_diag_set_collect_errors(diag, true);
    struct fy_parse_cfg pc = {.flags = FYPCF_QUIET | FYPCF_RESOLVE_DOCUMENT, .diag = diag};
    struct fy_document *fyd = fy_document_build_from_string(&pc, m->text, m->text_len);
    tc_status st = TC_OK;
    if (!fyd || fy_document_root(fyd) == NULL) {
        void *it = NULL;
        struct fy_diag_error *e = fy_diag_errors_iterate(diag, &it);
        if (e)
            snprintf(L->err, L->errlen, "%s:%d:%d: %s", L->origin, e->line, e->column, e->msg);
        else
            snprintf(L->err, L->errlen, "%s: not a YAML document (empty, or not UTF-8 text?)", L->origin);
        st = TC_ERR_INPUT;
    } else if (parse_root(L, fy_document_root(fyd)) != 0) {
        st = TC_ERR_INPUT;
    }
    fy_document_destroy(fyd);
    fy_diag_unref(diag);
    return st;
}

static const char *basename_of(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

static tc_status load_common(tc_model *m, const char *origin, tc_model **out, char *err, size_t errlen)
{
    loader L = {.origin = origin, .err = err, .errlen = errlen, .m = m};
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

tc_status tc_model_load_string(const char *text, const char *origin, tc_model **out,
                               char *err, size_t errlen)
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
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return TC_ERR_INPUT;
    }
    char *buf = malloc(TC_MODEL_MAX_BYTES + 1);
    size_t n = buf ? fread(buf, 1, TC_MODEL_MAX_BYTES + 1, f) : 0;
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        free(buf);
        snprintf(err, errlen, "%s: %s", path, buf ? "read error" : "out of memory");
        return TC_ERR_RUNTIME;
    }
    if (n > TC_MODEL_MAX_BYTES) {
        free(buf);
        snprintf(err, errlen, "%s: larger than the %u MiB limit for a model file", path,
                 TC_MODEL_MAX_BYTES >> 20);
        return TC_ERR_INPUT;
    }
    if (memchr(buf, '\0', n)) {
        free(buf);
        snprintf(err, errlen, "%s: contains a NUL byte; not a YAML text file", path);
        return TC_ERR_INPUT;
    }
    buf[n] = '\0';
    tc_status st = tc_model_load_string(buf, path, out, err, errlen);
    free(buf);
    return st;
}
