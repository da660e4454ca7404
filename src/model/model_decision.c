/*
 * model_decision.c - reads what `decide` chooses among and by: the model's
 * `responses:` (candidate actions, each a list of timed changes like a
 * scenario's) and `objective:` (a weighted sum of per-replication measures,
 * lower is better, and a fixed cost per response).  Errors name
 * file:line:col.
 */
#include <stdio.h>
#include <string.h>

#include "model_internal.h"

static const char *const measure_names[TC_OBJ_COUNT] = {
    "mean_waiting",     "max_waiting", "utilisation",  "throughput", "blocked",   "starved", "availability",
    "bottleneck_share", "setup",       "planned_down", "onset",      "completed", "scrapped"};

const char *tc_obj_measure_name(tc_obj_measure k)
{
    return k < TC_OBJ_COUNT ? measure_names[k] : "?";
}

int tc_model_response_index(const tc_model *m, const char *name)
{
    for (int i = 0; i < m->n_responses; i++)
        if (strcmp(m->responses[i].name, name) == 0)
            return i;
    return -1;
}

static int parse_responses(tc_loader *L, tc_node *n, tc_node *at)
{
    tc_model *m = L->m;
    if (tc_doc_expect_mapping(&L->d, n, at, "'responses'"))
        return -1;
    if (n->count < 2)
        return tc_doc_fail(&L->d, n,
                           "'responses' needs at least two to choose between (do_nothing: [] is one)");
    tc_plant scratch = {0};
    if (!(m->responses = tc_model_own_(L, sizeof *m->responses * (size_t)n->count)) ||
        tc_plant_clone(&scratch, &m->plant) != TC_OK) {
        tc_plant_release(&scratch);
        return tc_doc_fail(&L->d, n, "out of memory");
    }
    int rc = 0;
    for (int i = 0; rc == 0 && i < n->count; i++) {
        tc_node *k = tc_node_key(n, i), *v = tc_node_value(n, i);
        const char *name = tc_doc_scalar(&L->d, k, "response name");
        char what[160];
        if (!name) {
            rc = -1;
            break;
        }
        if (tc_model_response_index(m, name) >= 0) {
            rc = tc_doc_fail(&L->d, k, "response '%s' is given twice", name);
            break;
        }
        snprintf(what, sizeof what, "response %s", name);
        if (!v || !tc_doc_is(v, TC_NODE_SEQUENCE)) {
            rc = tc_doc_fail(&L->d, v ? v : k,
                             "%s: must be a list of changes like {at: 0, set: C.servers, value: 2}", what);
            break;
        }
        tc_scenario *r = &m->responses[m->n_responses];
        r->name = tc_model_own_(L, strlen(name) + 1);
        r->changes = tc_model_own_(L, sizeof *r->changes * ((size_t)v->count + 1));
        if (!r->name || !r->changes) {
            rc = tc_doc_fail(&L->d, k, "out of memory");
            break;
        }
        strcpy(r->name, name);
        m->n_responses++;
        for (int j = 0; rc == 0 && j < v->count; j++)
            rc = tc_model_parse_change_(L, tc_node_item(v, j), what, &scratch, &r->changes[r->n_changes++]);
        /* changes in time order, stable: a response is applied like a scenario */
        for (int a = 1; rc == 0 && a < r->n_changes; a++)
            for (int b = a; b > 0 && r->changes[b - 1].at > r->changes[b].at; b--) {
                tc_change t = r->changes[b];
                r->changes[b] = r->changes[b - 1];
                r->changes[b - 1] = t;
            }
    }
    tc_plant_release(&scratch);
    return rc;
}

static int parse_term(tc_loader *L, tc_node *t, int i, tc_objective_term *out)
{
    static const char *const keys[] = {"measure", "station", "product", "weight", NULL};
    char what[64];
    snprintf(what, sizeof what, "objective term %d", i + 1);
    if (tc_doc_expect_mapping(&L->d, t, t, what) || tc_doc_check_keys(&L->d, t, what, keys))
        return -1;
    tc_node *mn = tc_doc_find(t, "measure", NULL), *sn = tc_doc_find(t, "station", NULL),
            *pn = tc_doc_find(t, "product", NULL), *wn = tc_doc_find(t, "weight", NULL);
    const char *s;
    if (!mn)
        return tc_doc_fail(&L->d, t, "%s: missing 'measure'", what);
    if (!(s = tc_doc_scalar(&L->d, mn, "measure")))
        return -1;
    int k = 0;
    while (k < TC_OBJ_COUNT && strcmp(measure_names[k], s) != 0)
        k++;
    if (k == TC_OBJ_COUNT)
        return tc_doc_fail(
            &L->d, mn,
            "%s: unknown measure '%s' (expected one of: mean_waiting, max_waiting, utilisation, "
            "throughput, blocked, starved, availability, bottleneck_share, setup, planned_down, "
            "onset, completed, scrapped)",
            what, s);
    out->measure = (tc_obj_measure)k;
    out->station = out->product = -1;
    out->weight = 1;
    int per_product = k == TC_OBJ_COMPLETED || k == TC_OBJ_SCRAPPED || k == TC_OBJ_THROUGHPUT;
    if (sn) {
        if (!(s = tc_doc_scalar(&L->d, sn, "station")))
            return -1;
        if (k == TC_OBJ_COMPLETED || k == TC_OBJ_SCRAPPED)
            return tc_doc_fail(&L->d, sn, "%s: '%s' counts a product's jobs, not a station's", what,
                               measure_names[k]);
        if ((out->station = tc_model_station_index(L->m, s)) < 0)
            return tc_doc_fail(&L->d, sn, "%s: unknown station '%s'", what, s);
    } else if (!per_product) {
        return tc_doc_fail(&L->d, t, "%s: '%s' needs a 'station'", what, measure_names[k]);
    }
    if (pn) {
        if (!(s = tc_doc_scalar(&L->d, pn, "product")))
            return -1;
        if (!per_product || sn)
            return tc_doc_fail(
                &L->d, pn, "%s: 'product' goes only with completed, scrapped or a plant's throughput", what);
        if ((out->product = tc_model_source_index(L->m, s)) < 0)
            return tc_doc_fail(&L->d, pn, "%s: unknown product '%s'", what, s);
    }
    if (wn && tc_doc_real(&L->d, wn, "weight", &out->weight))
        return -1;
    return 0;
}

static int parse_objective(tc_loader *L, tc_node *n, tc_node *at)
{
    static const char *const keys[] = {"terms", "cost", "delta", "confidence", NULL};
    tc_model *m = L->m;
    if (tc_doc_expect_mapping(&L->d, n, at, "'objective'") ||
        tc_doc_check_keys(&L->d, n, "the objective", keys))
        return -1;
    tc_objective *o = m->objective = tc_model_own_(L, sizeof *o);
    tc_node *tn = tc_doc_find(n, "terms", NULL), *cn = tc_doc_find(n, "cost", NULL),
            *dn = tc_doc_find(n, "delta", NULL), *pn = tc_doc_find(n, "confidence", NULL);
    if (!o || !(o->cost = tc_model_own_(L, sizeof *o->cost * ((size_t)m->n_responses + 1))))
        return tc_doc_fail(&L->d, n, "out of memory");
    if (!tn || !tc_doc_is(tn, TC_NODE_SEQUENCE) || tn->count < 1)
        return tc_doc_fail(&L->d, tn ? tn : n,
                           "the objective needs 'terms': a list like {measure: mean_waiting, "
                           "station: C, weight: 1}");
    if (!(o->terms = tc_model_own_(L, sizeof *o->terms * (size_t)tn->count)))
        return tc_doc_fail(&L->d, n, "out of memory");
    for (int i = 0; i < tn->count; i++, o->n_terms++)
        if (parse_term(L, tc_node_item(tn, i), i, &o->terms[i]))
            return -1;
    if (cn) {
        if (tc_doc_expect_mapping(&L->d, cn, cn, "the objective's 'cost'"))
            return -1;
        for (int i = 0; i < cn->count; i++) {
            tc_node *k = tc_node_key(cn, i);
            const char *name = tc_doc_scalar(&L->d, k, "response name");
            int r = name ? tc_model_response_index(m, name) : -1;
            if (!name)
                return -1;
            if (r < 0)
                return tc_doc_fail(&L->d, k, "the objective's cost: unknown response '%s'", name);
            if (tc_doc_real(&L->d, tc_node_value(cn, i), name, &o->cost[r]))
                return -1;
        }
    }
    if (dn && (tc_doc_real(&L->d, dn, "delta", &o->delta) || !(o->delta > 0)))
        return tc_doc_fail(&L->d, dn,
                           "the objective's 'delta' must be > 0 (the smallest difference worth acting on)");
    if (pn &&
        (tc_doc_real(&L->d, pn, "confidence", &o->confidence) || !(o->confidence > 0.5 && o->confidence < 1)))
        return tc_doc_fail(&L->d, pn, "the objective's 'confidence' must be in (0.5, 1)");
    return 0;
}

int tc_model_decision_parse_(tc_loader *L, tc_node *root)
{
    tc_node *k1 = NULL, *k2 = NULL, *r = tc_doc_find(root, "responses", &k1),
            *o = tc_doc_find(root, "objective", &k2);
    if (r && parse_responses(L, r, k1))
        return -1;
    if (o && !r)
        return tc_doc_fail(&L->d, k2, "an 'objective' needs 'responses' to choose among");
    if (o && parse_objective(L, o, k2))
        return -1;
    return 0;
}
