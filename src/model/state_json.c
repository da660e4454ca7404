/* state_json.c - the state snapshot in JSON, read strictly. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "twincast/state.h"

#define TC_STATE_MAX_BYTES (16u << 20)

/* A product named at n: known, and routed through station i. */
static int product_at(tc_doc *d, const tc_model *m, const tc_node *n, const char *what, int i, int *out)
{
    const char *name = tc_doc_scalar(d, n, "product");
    if (!name)
        return -1;
    int r = tc_model_source_index(m, name);
    if (r < 0)
        return tc_doc_fail(d, n, "%s: unknown product '%s'", what, name);
    if (tc_model_route_step(m, r, i) < 0)
        return tc_doc_fail(d, n, "%s: product %s is not routed through %s", what, name,
                           m->plant.stations[i].name);
    *out = r;
    return 0;
}

/* The pairs of a {"product": count} object, highest priority first, in the order listed within. */
static void order_by_priority(const tc_model *m, const int *product, int *order, int n)
{
    for (int k = 0; k < n; k++) {
        int j = k;
        for (; j > 0 &&
               m->plant.sources[product[order[j - 1]]].priority < m->plant.sources[product[k]].priority;
             j--)
            order[j] = order[j - 1];
        order[j] = k;
    }
}

/* One queued job: {"product": NAME, "waited": TIME}; waited defaults to 0. */
static int parse_queued(tc_doc *d, const tc_model *m, tc_node *item, const char *what, int i, tc_job_state *j)
{
    static const char *const keys[] = {"product", "waited", NULL};
    if (tc_doc_expect_mapping(d, item, item, what) || tc_doc_check_keys(d, item, what, keys))
        return -1;
    tc_node *p = tc_doc_find(item, "product", NULL), *w = tc_doc_find(item, "waited", NULL);
    if (!p)
        return tc_doc_fail(d, item, "%s: missing 'product'", what);
    *j = (tc_job_state){0, 0, 0, 1};
    return product_at(d, m, p, what, i, &j->product) || (w && tc_doc_duration(d, w, "waited", &j->time));
}

/*
 * Waiting jobs a whole state may hold: the by-product and list forms are
 * expanded job by job (24 bytes each, copied once), so a few bytes of JSON
 * ("widget": 44411110) must not ask for gigabytes (found by fuzz_state).
 */
#define MAX_WAITING 10000000L

/* Jobs already waiting at the other stations of the state. */
static long waiting_elsewhere(const tc_state *s, int i)
{
    long w = 0;
    for (int j = 0; j < s->n_stations; j++)
        w += j == i ? 0 : s->stations[j].waiting;
    return w;
}

/*
 * waiting: a count (jobs of the station's first product), {"widget": 8,
 * "gadget": 4} (queued by priority, then in the order listed), or a list
 * of jobs in queue order.
 */
static int parse_waiting(tc_doc *d, const tc_model *m, tc_node *n, const char *what, int i, tc_state *s)
{
    long x, total = 0, room = MAX_WAITING - waiting_elsewhere(s, i);
    if (tc_doc_is(n, TC_NODE_SCALAR)) {
        if (tc_doc_int(d, n, "waiting", 0, MAX_WAITING, &x))
            return -1;
        if (x > room)
            return tc_doc_fail(d, n, "%s.waiting: the state would hold more than 10^7 waiting jobs", what);
        s->stations[i].waiting = (int)x;
        return 0;
    }
    int map = tc_doc_is(n, TC_NODE_MAPPING);
    for (int k = 0; map && k < n->count; k++) {
        if (tc_doc_int(d, tc_node_value(n, k), "waiting", 0, MAX_WAITING, &x))
            return -1;
        if ((total += x) > room)
            return tc_doc_fail(d, n, "%s.waiting: the state would hold more than 10^7 waiting jobs", what);
    }
    if (!map)
        total = n->count;
    if (total > room)
        return tc_doc_fail(d, n, "%s.waiting: the state would hold more than 10^7 waiting jobs", what);
    tc_job_state *jobs = calloc((size_t)total + 1, sizeof *jobs);
    int *product = calloc((size_t)n->count + 1, sizeof *product),
        *order = calloc((size_t)n->count + 1, sizeof *order);
    if (!jobs || !product || !order) {
        free(jobs);
        free(product);
        free(order);
        return tc_doc_fail(d, n, "out of memory");
    }
    char sub[200];
    int rc = 0, at = 0;
    for (int k = 0; rc == 0 && k < n->count; k++) {
        if (map) {
            snprintf(sub, sizeof sub, "%s.waiting", what);
            rc = product_at(d, m, tc_node_key(n, k), sub, i, &product[k]);
        } else {
            snprintf(sub, sizeof sub, "%s.waiting[%d]", what, k);
            rc = parse_queued(d, m, tc_node_item(n, k), sub, i, &jobs[at++]);
        }
    }
    if (rc == 0 && map) {
        order_by_priority(m, product, order, n->count);
        for (int k = 0; k < n->count; k++) {
            tc_doc_int(d, tc_node_value(n, order[k]), "waiting", 0, MAX_WAITING, &x);
            for (long c = 0; c < x; c++)
                jobs[at++] = (tc_job_state){product[order[k]], 0, 0, 1};
        }
    }
    free(product);
    free(order);
    if (rc == 0 && tc_state_set_queue(s, i, jobs, (int)total) != TC_OK)
        rc = tc_doc_fail(d, n, "out of memory");
    free(jobs);
    return rc;
}

/* One job in service: elapsed time, or {"product", "elapsed", "phase", "batch"}. */
static int parse_serving(tc_doc *d, const tc_model *m, tc_node *item, const char *what, int i,
                         tc_job_state *j)
{
    static const char *const keys[] = {"product", "elapsed", "phase", "batch", NULL};
    *j = (tc_job_state){tc_model_first_product(m, i), 0, 0, 1};
    if (tc_doc_is(item, TC_NODE_SCALAR))
        return tc_doc_duration(d, item, "in_service", &j->time);
    if (tc_doc_expect_mapping(d, item, item, what) || tc_doc_check_keys(d, item, what, keys))
        return -1;
    tc_node *n;
    long x;
    if ((n = tc_doc_find(item, "product", NULL)) && product_at(d, m, n, what, i, &j->product))
        return -1;
    if ((n = tc_doc_find(item, "elapsed", NULL)) && tc_doc_duration(d, n, "elapsed", &j->time))
        return -1;
    if ((n = tc_doc_find(item, "phase", NULL))) {
        const char *ph = tc_doc_scalar(d, n, "phase");
        if (!ph)
            return -1;
        if (strcmp(ph, "setup") != 0 && strcmp(ph, "process") != 0)
            return tc_doc_fail(d, n, "%s.phase: '%s' is neither 'setup' nor 'process'", what, ph);
        j->setup = !strcmp(ph, "setup");
    }
    if ((n = tc_doc_find(item, "batch", NULL))) {
        if (tc_doc_int(d, n, "batch", 1, 1000000, &x))
            return -1;
        j->batch = (int)x;
    }
    return 0;
}

static int parse_in_service(tc_doc *d, const tc_model *m, tc_node *n, const char *what, int i, tc_state *s)
{
    tc_station_state *st = &s->stations[i];
    if (!tc_doc_is(n, TC_NODE_SEQUENCE))
        return tc_doc_fail(d, n, "%s.in_service must be a list of elapsed times or jobs", what);
    int cnt = n->count, known = 0;
    int servers = st->servers >= 0 ? st->servers : m->plant.stations[i].servers;
    if (cnt > servers && st->servers >= 0)
        return tc_doc_fail(d, n, "%s.in_service: %d jobs in service but only %d servers", what, cnt, servers);
    tc_job_state *jobs = calloc((size_t)cnt + 1, sizeof *jobs);
    if (!jobs)
        return tc_doc_fail(d, n, "out of memory");
    char sub[200];
    for (int k = 0; k < cnt; k++) {
        snprintf(sub, sizeof sub, "%s.in_service[%d]", what, k);
        known |= tc_doc_is(tc_node_item(n, k), TC_NODE_MAPPING);
        if (parse_serving(d, m, tc_node_item(n, k), sub, i, &jobs[k])) {
            free(jobs);
            return -1;
        }
    }
    tc_status rc = known ? tc_state_set_service(s, i, jobs, cnt) : TC_OK;
    if (!known) { /* numbers only: the form from before products, kept as it was */
        double *el = calloc((size_t)cnt + 1, sizeof *el);
        for (int k = 0; el && k < cnt; k++)
            el[k] = jobs[k].time;
        rc = el ? tc_state_set_in_service(s, i, el, cnt) : TC_ERR_RUNTIME;
        free(el);
    }
    free(jobs);
    return rc == TC_OK ? 0 : tc_doc_fail(d, n, "out of memory");
}

/* last_product: each server's last product, from the first; null: never worked. */
static int parse_last_product(tc_doc *d, const tc_model *m, tc_node *n, const char *what, int i, tc_state *s)
{
    tc_station_state *st = &s->stations[i];
    if (!tc_doc_is(n, TC_NODE_SEQUENCE))
        return tc_doc_fail(d, n, "%s.last_product must be a list of products, one per server", what);
    free(st->last_product);
    st->n_last = 0;
    if (!(st->last_product = calloc((size_t)n->count + 1, sizeof *st->last_product)))
        return tc_doc_fail(d, n, "out of memory");
    char sub[200];
    for (int k = 0; k < n->count; k++) {
        tc_node *e = tc_node_item(n, k);
        snprintf(sub, sizeof sub, "%s.last_product[%d]", what, k);
        st->last_product[k] = -1;
        if (tc_doc_is(e, TC_NODE_SCALAR) && !e->quoted && !strcmp(e->text, "null"))
            continue;
        if (product_at(d, m, e, sub, i, &st->last_product[k]))
            return -1;
    }
    st->n_last = n->count;
    return 0;
}

static int parse_station(tc_doc *d, const tc_model *m, tc_node *k, tc_node *v, tc_state *s)
{
    static const char *const keys[] = {"up",         "down_for",        "servers",      "waiting",
                                       "in_service", "in_service_jobs", "last_product", NULL};
    const char *name = tc_doc_scalar(d, k, "station name");
    if (!name)
        return -1;
    int i = tc_model_station_index(m, name);
    if (i < 0)
        return tc_doc_fail(d, k, "stations: unknown station '%s'", name);
    char what[160];
    snprintf(what, sizeof what, "stations.%s", name);
    if (tc_doc_expect_mapping(d, v, k, what) || tc_doc_check_keys(d, v, what, keys))
        return -1;
    tc_station_state *st = &s->stations[i];
    tc_node *n, *df;
    long x;
    if ((n = tc_doc_find(v, "up", NULL)) && tc_doc_bool(d, n, "up", &st->up))
        return -1;
    if ((df = tc_doc_find(v, "down_for", NULL))) {
        if (st->up)
            return tc_doc_fail(d, df, "%s.down_for: given, but the station is up", what);
        if (tc_doc_duration(d, df, "down_for", &st->down_for))
            return -1;
    }
    if ((n = tc_doc_find(v, "servers", NULL))) {
        if (tc_doc_int(d, n, "servers", 0, 1000000, &x))
            return -1;
        st->servers = (int)x;
    }
    if ((n = tc_doc_find(v, "waiting", NULL)) && parse_waiting(d, m, n, what, i, s))
        return -1;
    if ((n = tc_doc_find(v, "in_service", NULL)) && parse_in_service(d, m, n, what, i, s))
        return -1;
    if ((n = tc_doc_find(v, "last_product", NULL)) && parse_last_product(d, m, n, what, i, s))
        return -1;
    tc_node *jn = tc_doc_find(v, "in_service_jobs", NULL);
    int jobs = 0; /* a batch's jobs each have an id */
    for (int k2 = 0; k2 < st->n_in_service; k2++)
        jobs += st->service ? st->service[k2].batch : 1;
    if (jn) {
        if (!tc_doc_is(jn, TC_NODE_SEQUENCE) || jn->count != jobs)
            return tc_doc_fail(d, jn, "%s.in_service_jobs must list an id for each of the %d jobs in service",
                               what, jobs);
        free(st->jobs);
        if (!(st->jobs = calloc((size_t)jobs + 1, sizeof *st->jobs)))
            return tc_doc_fail(d, jn, "out of memory");
        for (int k2 = 0; k2 < jobs; k2++) {
            tc_node *e = tc_node_item(jn, k2);
            const char *id = tc_doc_scalar(d, e, "in_service_jobs");
            if (!id)
                return -1;
            if (!id[0] || strlen(id) >= sizeof st->jobs[0])
                return tc_doc_fail(d, e, "%s.in_service_jobs: ids have 1 to 63 bytes", what);
            strcpy(st->jobs[k2], id);
        }
    }
    return 0;
}

static int parse_params(tc_doc *d, const tc_model *m, tc_node *p, tc_node *at, tc_state *s)
{
    if (tc_doc_expect_mapping(d, p, at, "params"))
        return -1;
    tc_plant scratch = {0};
    int rc = tc_plant_clone(&scratch, &m->plant) == TC_OK ? 0 : tc_doc_fail(d, p, "out of memory");
    for (int i = 0; rc == 0 && i < p->count; i++) {
        tc_node *k = tc_node_key(p, i), *v = tc_node_value(p, i);
        const char *path = tc_doc_scalar(d, k, "parameter path");
        int pi = path ? tc_model_param_find(m, path) : -1;
        if (!path) {
            rc = -1;
            break;
        }
        if (pi < 0) {
            rc = tc_doc_fail(d, k, "params: unknown parameter path '%s'", path);
            break;
        }
        double value;
        const tc_param *q = &m->params[pi];
        if ((q->is_duration ? tc_doc_duration(d, v, path, &value) : tc_doc_real(d, v, path, &value))) {
            rc = -1;
            break;
        }
        char why[256];
        if (tc_plant_set(&scratch, q, value, why, sizeof why) != TC_OK) {
            rc = tc_doc_fail(d, v, "params: %s", why);
            break;
        }
        if (tc_state_add_override(s, pi, value) != TC_OK)
            rc = tc_doc_fail(d, v, "out of memory");
    }
    tc_plant_release(&scratch);
    return rc;
}

/* A number of a posterior, finite (and > 0 where it is a shape, rate or weight). */
static int posterior_number(tc_doc *d, tc_node *post, const char *key, int positive, double *out)
{
    tc_node *n = tc_doc_find(post, key, NULL);
    if (!n)
        return tc_doc_fail(d, post, "calibration posterior: missing '%s'", key);
    if (tc_doc_real(d, n, key, out))
        return -1;
    if (positive && !(*out > 0))
        return tc_doc_fail(d, n, "calibration posterior: '%s' must be above 0", key);
    return 0;
}

static int posterior_path(tc_doc *d, const tc_model *m, tc_node *item, const char *key, int *param)
{
    tc_node *n = tc_doc_find(item, key, NULL);
    *param = -1;
    if (!n || (n->kind == TC_NODE_SCALAR && !n->quoted && !strcmp(n->text, "null")))
        return 0;
    const char *path = tc_doc_scalar(d, n, key);
    if (!path)
        return -1;
    if ((*param = tc_model_param_find(m, path)) < 0)
        return tc_doc_fail(d, n, "calibration: unknown parameter path '%s'", path);
    return 0;
}

/* A record member: a number, or null (NaN); absent: NaN. */
static int record_number(tc_doc *d, tc_node *item, const char *key, double *out)
{
    tc_node *n = tc_doc_find(item, key, NULL);
    *out = NAN;
    if (!n || (n->kind == TC_NODE_SCALAR && !n->quoted && !strcmp(n->text, "null")))
        return 0;
    return tc_doc_real(d, n, key, out);
}

/* A record's `data`: what the twin had learnt, for a restart (null: NaN).  Counts are checked before casts.
 */
static int record_data(tc_doc *d, tc_node *n, tc_state_calibration *r)
{
    static const char *const keys[] = {"n", "s1", "s2", "t", NULL};
    tc_node *prior = tc_doc_find(n, "prior", NULL);
    double obs, cens;
    if (tc_doc_expect_mapping(d, n, n, "calibration data"))
        return -1;
    if (!tc_doc_is(prior, TC_NODE_SEQUENCE) || prior->count != 2)
        return tc_doc_fail(d, prior ? prior : n, "calibration data: 'prior' must be [mean, sd]");
    if (tc_doc_real(d, tc_node_item(prior, 0), "prior", &r->data[0]))
        return -1;
    tc_node *sd = tc_node_item(prior, 1);
    r->data[1] = NAN;
    if (!(sd->kind == TC_NODE_SCALAR && !sd->quoted && !strcmp(sd->text, "null")) &&
        tc_doc_real(d, sd, "prior", &r->data[1]))
        return -1;
    for (int k = 0; keys[k]; k++) {
        if (!tc_doc_find(n, keys[k], NULL))
            return tc_doc_fail(d, n, "calibration data: missing '%s'", keys[k]);
        if (record_number(d, n, keys[k], &r->data[2 + k]))
            return -1;
    }
    if (record_number(d, n, "obs", &obs) || record_number(d, n, "censored", &cens))
        return -1;
    if (!(obs >= 0 && obs <= 1e15 && cens >= 0 && cens <= obs && obs == floor(obs) && cens == floor(cens) &&
          r->data[2] >= 0 && isfinite(r->data[2])))
        return tc_doc_fail(d, n, "calibration data: counts must be whole, from 0, censored within obs");
    r->data_obs = (long)obs;
    r->data_censored = (long)cens;
    r->has_data = 1;
    return 0;
}

/* The record, kept for the epoch's calibration table. */
static int record_calibration(tc_doc *d, tc_node *item, tc_state *s)
{
    tc_state_calibration r = {0};
    tc_node *n = tc_doc_find(item, "path", NULL), *ci = tc_doc_find(item, "ci", NULL);
    const char *text = n ? tc_doc_scalar(d, n, "path") : NULL;
    double count;
    if (!text)
        return n ? -1 : tc_doc_fail(d, item, "calibration: an entry needs its 'path'");
    snprintf(r.path, sizeof r.path, "%s", text);
    if (record_number(d, item, "prior", &r.prior) || record_number(d, item, "estimate", &r.estimate) ||
        record_number(d, item, "n", &count) || record_number(d, item, "n_eff", &r.n_eff))
        return -1;
    /* a count from a file: checked before the cast (a huge n overflowed it, found by fuzz_state) */
    if (isfinite(count) && !(count >= 0 && count <= 1e15 && count == floor(count)))
        return tc_doc_fail(d, tc_doc_find(item, "n", NULL),
                           "calibration: 'n' must be a count of observations");
    r.n = isfinite(count) ? (long)count : 0;
    r.lo = r.hi = NAN;
    if (tc_doc_is(ci, TC_NODE_SEQUENCE) && ci->count == 2 &&
        (tc_doc_real(d, tc_node_item(ci, 0), "ci", &r.lo) ||
         tc_doc_real(d, tc_node_item(ci, 1), "ci", &r.hi)))
        return -1;
    if ((n = tc_doc_find(item, "last_reset", NULL)) && n->kind == TC_NODE_SCALAR && n->quoted)
        snprintf(r.last_reset, sizeof r.last_reset, "%s", n->text);
    if ((n = tc_doc_find(item, "data", NULL)) && record_data(d, n, &r))
        return -1;
    tc_state_calibration *grown = realloc(s->calibration, sizeof *grown * (size_t)(s->n_calibration + 1));
    if (!grown)
        return tc_doc_fail(d, item, "out of memory");
    s->calibration = grown;
    s->calibration[s->n_calibration++] = r;
    return 0;
}

/*
 * The twin's calibration: a record, except a `posterior` member (written when
 * the model asks for input uncertainty), from which replications draw.
 */
static int parse_calibration(tc_doc *d, const tc_model *m, tc_node *list, tc_state *s)
{
    if (!tc_doc_is(list, TC_NODE_SEQUENCE))
        return tc_doc_fail(d, list, "calibration must be a list (the twin's estimates)");
    for (int i = 0; i < list->count; i++) {
        tc_node *item = tc_node_item(list, i), *post;
        if (tc_doc_is(item, TC_NODE_MAPPING) && record_calibration(d, item, s))
            return -1;
        if (!tc_doc_is(item, TC_NODE_MAPPING) || !(post = tc_doc_find(item, "posterior", NULL)))
            continue;
        if (tc_doc_expect_mapping(d, post, item, "calibration posterior"))
            return -1;
        tc_node *kn = tc_doc_find(post, "kind", NULL);
        const char *kind = kn ? tc_doc_scalar(d, kn, "kind") : NULL;
        tc_param_draw w = {0};
        if (!kind)
            return kn ? -1 : tc_doc_fail(d, post, "calibration posterior: missing 'kind'");
        if (!strcmp(kind, "rate"))
            w.kind = TC_DRAW_RATE;
        else if (!strcmp(kind, "normal"))
            w.kind = TC_DRAW_NORMAL;
        else if (!strcmp(kind, "lognormal"))
            w.kind = TC_DRAW_LOGNORMAL;
        else
            return tc_doc_fail(d, kn, "calibration posterior: kind '%s' is not rate, normal or lognormal",
                               kind);
        if (posterior_path(d, m, item, "path", &w.param_mean) ||
            posterior_path(d, m, post, "sd_path", &w.param_sd) || posterior_number(d, post, "a", 1, &w.a) ||
            posterior_number(d, post, "b", 1, &w.b))
            return -1;
        if (w.kind != TC_DRAW_RATE &&
            (posterior_number(d, post, "mu", 0, &w.mu) || posterior_number(d, post, "kappa", 1, &w.kappa)))
            return -1;
        if (w.param_mean < 0)
            return tc_doc_fail(d, item, "calibration: a posterior needs the 'path' it draws");
        tc_param_draw *grown = realloc(s->draws, sizeof *grown * (size_t)(s->n_draws + 1));
        if (!grown)
            return tc_doc_fail(d, item, "out of memory");
        s->draws = grown;
        s->draws[s->n_draws++] = w;
    }
    return 0;
}

static int parse_root(tc_doc *d, const tc_model *m, tc_node *root, tc_state *s)
{
    static const char *const keys[] = {"as_of", "stations", "params", "calibration", NULL};
    if (!root || !tc_doc_is(root, TC_NODE_MAPPING))
        return tc_doc_fail(d, root, "a state snapshot must be a JSON object");
    if (tc_doc_check_keys(d, root, "the state", keys))
        return -1;
    tc_node *n, *k = NULL;
    if ((n = tc_doc_find(root, "as_of", NULL))) {
        const char *a = tc_doc_scalar(d, n, "as_of");
        if (!a)
            return -1;
        if (strlen(a) >= sizeof s->as_of)
            return tc_doc_fail(d, n, "'as_of' is too long for a timestamp");
        strcpy(s->as_of, a);
    }
    if ((n = tc_doc_find(root, "stations", &k))) {
        if (tc_doc_expect_mapping(d, n, k, "stations"))
            return -1;
        for (int i = 0; i < n->count; i++)
            if (parse_station(d, m, tc_node_key(n, i), tc_node_value(n, i), s))
                return -1;
    }
    if ((n = tc_doc_find(root, "params", &k)) && parse_params(d, m, n, k, s))
        return -1;
    /* the twin's calibration: the values it stands for are in params; posteriors, if any, to draw from */
    if ((n = tc_doc_find(root, "calibration", &k)) && parse_calibration(d, m, n, s))
        return -1;
    return 0;
}

tc_status tc_state_parse_json(const tc_model *m, const char *text, size_t len, const char *origin,
                              tc_state **out, char *err, size_t errlen)
{
    tc_doc d = {.origin = origin, .err = err, .errlen = errlen, .unit = m->unit, .json = 1};
    tc_state *s = tc_state_create(m);
    if (!s) {
        snprintf(err, errlen, "%s: out of memory", origin);
        return TC_ERR_RUNTIME;
    }
    tc_status st = tc_doc_parse(&d, text, len);
    if (st == TC_OK && parse_root(&d, m, tc_doc_root(&d), s) != 0)
        st = TC_ERR_INPUT;
    tc_doc_close(&d);
    if (st == TC_OK) {
        char why[512];
        if ((st = tc_state_validate(s, m, why, sizeof why)) != TC_OK)
            snprintf(err, errlen, "%s: %s", origin, why);
    }
    if (st != TC_OK) {
        tc_state_destroy(s);
        return st;
    }
    *out = s;
    return TC_OK;
}

tc_status tc_state_load_json(const tc_model *m, const char *path, tc_state **out, char **text, char *err,
                             size_t errlen)
{
    size_t n;
    tc_status st = tc_doc_read_file(path, TC_STATE_MAX_BYTES, text, &n, err, errlen);
    if (st != TC_OK)
        return st;
    st = tc_state_parse_json(m, *text, n, path, out, err, errlen);
    if (st != TC_OK) {
        free(*text);
        *text = NULL;
    }
    return st;
}
