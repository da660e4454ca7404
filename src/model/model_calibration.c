/*
 * model_calibration.c - reads the model's `calibration:` block: which
 * distributions the live twin learns from telemetry, how fast it forgets,
 * and how much the model's own values count.  Errors name file:line:col.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model_internal.h"

/* Families whose parameters a posterior on mean and sd (or on the logs, or on a rate) maps back to. */
static int calibratable(const tc_dist *d)
{
    return d->type != TC_DIST_WEIBULL && d->type != TC_DIST_EMPIRICAL;
}

static const tc_dist *target_dist(const tc_model *m, const tc_cal_target *t)
{
    switch (t->kind) {
    case TC_CAL_PROCESS:
        return m->plant.stations[t->owner].has_process ? &m->plant.stations[t->owner].process : NULL;
    case TC_CAL_INTERARRIVAL: return &m->plant.sources[t->owner].interarrival;
    case TC_CAL_TTR: return m->plant.stations[t->owner].has_failure ? &m->plant.stations[t->owner].ttr : NULL;
    case TC_CAL_TTF: return m->plant.stations[t->owner].has_failure ? &m->plant.stations[t->owner].ttf : NULL;
    case TC_CAL_SETUP:
        return m->plant.stations[t->owner].has_setup ? &m->plant.stations[t->owner].setup : NULL;
    case TC_CAL_STEP_PROCESS:
        return m->plant.steps[t->owner].has_process ? &m->plant.steps[t->owner].process : NULL;
    case TC_CAL_STEP_SETUP:
        return m->plant.steps[t->owner].has_setup ? &m->plant.steps[t->owner].setup : NULL;
    case TC_CAL_SCRAP:
    case TC_CAL_REWORK: return NULL; /* probabilities, no distribution */
    }
    return NULL;
}

/* "widget.P": the step of product widget named by its (first) station P; -1: none. */
static int step_named(const tc_model *m, int src, const char *station)
{
    const tc_source *r = &m->plant.sources[src];
    for (int k = 0; k < r->n_steps; k++) {
        int g = r->first_step + k;
        if (!strcmp(m->plant.stations[m->alts[m->steps[g].first_alt]].name, station))
            return g;
    }
    return -1;
}

static int add_target(tc_loader *L, tc_calibration_spec *c, int cap, tc_cal_kind kind, int owner,
                      const char *owner_name, const char *what)
{
    char name[400];
    snprintf(name, sizeof name, "%s.%s", owner_name, what);
    if (c->n == cap)
        return -1;
    char *copy = tc_model_own_(L, strlen(name) + 1);
    if (!copy)
        return -1;
    c->targets[c->n++] = (tc_cal_target){kind, owner, strcpy(copy, name)};
    return 0;
}

/* "B.process", "B.failure.ttr", "B.failure.ttf", "orders.interarrival": a target, or -1 with a message. */
static int parse_target(tc_loader *L, tc_node *n, tc_calibration_spec *c, int cap)
{
    const tc_model *m = L->m;
    const char *s = tc_doc_scalar(&L->d, n, "calibration params");
    if (!s)
        return -1;
    const char *dot = strchr(s, '.');
    char owner[128];
    size_t len = dot ? (size_t)(dot - s) : 0;
    if (!dot || len >= sizeof owner)
        return tc_doc_fail(&L->d, n,
                           "calibration: '%s' is not STATION.process, STATION.setup, STATION.failure.ttr, "
                           "STATION.failure.ttf, SOURCE.interarrival, SOURCE.STATION.process or "
                           "SOURCE.STATION.setup",
                           s);
    memcpy(owner, s, len);
    owner[len] = '\0';
    int st = tc_model_station_index(m, owner), src = tc_model_source_index(m, owner), rc = -2;
    const char *dot2 = src >= 0 ? strchr(dot + 1, '.') : NULL; /* PRODUCT.STATION.process|setup */
    if (dot2 && (size_t)(dot2 - dot - 1) < sizeof owner) {
        char at[128], pair[260];
        snprintf(at, sizeof at, "%.*s", (int)(dot2 - dot - 1), dot + 1);
        snprintf(pair, sizeof pair, "%s.%s", owner, at);
        int g = step_named(m, src, at);
        if (g >= 0 && !strcmp(dot2 + 1, "process"))
            rc = add_target(L, c, cap, TC_CAL_STEP_PROCESS, g, pair, "process");
        else if (g >= 0 && !strcmp(dot2 + 1, "scrap"))
            rc = add_target(L, c, cap, TC_CAL_SCRAP, g, pair, "scrap");
        else if (g >= 0 && !strcmp(dot2 + 1, "rework"))
            rc = add_target(L, c, cap, TC_CAL_REWORK, g, pair, "rework");
        else if (g >= 0 && !strcmp(dot2 + 1, "setup"))
            rc = add_target(L, c, cap, TC_CAL_STEP_SETUP, g, pair, "setup");
    } else if (st >= 0 && !strcmp(dot + 1, "setup"))
        rc = add_target(L, c, cap, TC_CAL_SETUP, st, owner, "setup");
    else if (st >= 0 && !strcmp(dot + 1, "process"))
        rc = add_target(L, c, cap, TC_CAL_PROCESS, st, owner, "process");
    else if (st >= 0 && !strcmp(dot + 1, "failure.ttr"))
        rc = add_target(L, c, cap, TC_CAL_TTR, st, owner, "failure.ttr");
    else if (st >= 0 && !strcmp(dot + 1, "failure.ttf"))
        rc = add_target(L, c, cap, TC_CAL_TTF, st, owner, "failure.ttf");
    else if (src >= 0 && !strcmp(dot + 1, "interarrival"))
        rc = add_target(L, c, cap, TC_CAL_INTERARRIVAL, src, owner, "interarrival");
    if (rc == -2)
        return tc_doc_fail(
            &L->d, n,
            "calibration: '%s' is not STATION.process, STATION.setup, STATION.failure.ttr, "
            "STATION.failure.ttf, SOURCE.interarrival, SOURCE.STATION.process, "
            "SOURCE.STATION.setup, SOURCE.STATION.scrap or SOURCE.STATION.rework of this model",
            s);
    if (rc != 0)
        return tc_doc_fail(&L->d, n, "calibration: too many params or out of memory");
    const tc_cal_target *t = &c->targets[c->n - 1];
    const tc_dist *d = target_dist(m, t);
    for (int i = 0; i + 1 < c->n; i++)
        if (!strcmp(c->targets[i].name, t->name))
            return tc_doc_fail(&L->d, n, "calibration: '%s' listed twice", s);
    if (t->kind == TC_CAL_SCRAP || t->kind == TC_CAL_REWORK) { /* a probability: beta, from the model's */
        const tc_step *step = &m->plant.steps[t->owner];
        if (!((t->kind == TC_CAL_SCRAP ? step->scrap_p : step->rework_p) > 0))
            return tc_doc_fail(&L->d, n, "calibration: %s is 0 in the model: nothing to start from", t->name);
        return 0;
    }
    if (!d)
        return tc_doc_fail(&L->d, n, "calibration: %s has no %s in the model to start from", t->name,
                           t->kind == TC_CAL_PROCESS || t->kind == TC_CAL_STEP_PROCESS
                               ? "process time of its own"
                           : t->kind == TC_CAL_SETUP || t->kind == TC_CAL_STEP_SETUP ? "changeover time"
                                                                                     : "failure");
    if (!calibratable(d))
        return tc_doc_fail(
            &L->d, n,
            "calibration: %s is %s, which cannot be calibrated (exponential, lognormal, gamma, "
            "normal, erlang, uniform, triangular or constant can)",
            s, d->type == TC_DIST_WEIBULL ? "weibull" : "empirical");
    return 0;
}

/* Default: every distribution the events can inform. */
static int default_targets(tc_loader *L, tc_calibration_spec *c, int cap)
{
    const tc_model *m = L->m;
    for (int s = 0; s < m->plant.n_stations; s++) {
        const tc_station *st = &m->plant.stations[s];
        if (st->has_process && calibratable(&st->process) &&
            add_target(L, c, cap, TC_CAL_PROCESS, s, st->name, "process"))
            return -1;
        if (st->has_failure && calibratable(&st->ttr) &&
            add_target(L, c, cap, TC_CAL_TTR, s, st->name, "failure.ttr"))
            return -1;
        if (st->has_failure && calibratable(&st->ttf) &&
            add_target(L, c, cap, TC_CAL_TTF, s, st->name, "failure.ttf"))
            return -1;
        if (st->has_setup && calibratable(&st->setup) &&
            add_target(L, c, cap, TC_CAL_SETUP, s, st->name, "setup"))
            return -1;
    }
    for (int r = 0; r < m->plant.n_sources; r++) {
        const tc_source *src = &m->plant.sources[r];
        if (calibratable(&src->interarrival) &&
            add_target(L, c, cap, TC_CAL_INTERARRIVAL, r, src->name, "interarrival"))
            return -1;
        for (int k = 0; k < src->n_steps; k++) {
            int g = src->first_step + k;
            const tc_step *step = &m->plant.steps[g];
            char pair[260];
            snprintf(pair, sizeof pair, "%s.%s", src->name,
                     m->plant.stations[m->alts[m->steps[g].first_alt]].name);
            if (step->has_process && calibratable(&step->process) &&
                add_target(L, c, cap, TC_CAL_STEP_PROCESS, g, pair, "process"))
                return -1;
            if (step->has_setup && calibratable(&step->setup) &&
                add_target(L, c, cap, TC_CAL_STEP_SETUP, g, pair, "setup"))
                return -1;
            if (step->scrap_p > 0 && add_target(L, c, cap, TC_CAL_SCRAP, g, pair, "scrap"))
                return -1;
            if (step->rework_p > 0 && add_target(L, c, cap, TC_CAL_REWORK, g, pair, "rework"))
                return -1;
        }
    }
    return 0;
}

static int parse_switch(tc_loader *L, tc_node *n, const char *key, int *out)
{
    const char *s = tc_doc_scalar(&L->d, n, key);
    if (!s)
        return -1;
    if (!strcmp(s, "on") || !strcmp(s, "true"))
        *out = 1;
    else if (!strcmp(s, "off") || !strcmp(s, "false"))
        *out = 0;
    else
        return tc_doc_fail(&L->d, n, "calibration: %s must be on or off (true or false), got '%s'", key, s);
    return 0;
}

int tc_model_calibration_parse_(tc_loader *L, tc_node *root)
{
    static const char *const keys[] = {"params",      "half_life",        "prior_weight",
                                       "uncertainty", "change_detection", NULL};
    tc_node *k = NULL, *v = tc_doc_find(root, "calibration", &k), *n;
    tc_model *m = L->m;
    if (!v)
        return 0;
    if (tc_doc_expect_mapping(&L->d, v, k, "calibration") || tc_doc_check_keys(&L->d, v, "calibration", keys))
        return -1;
    int cap = 4 * m->plant.n_stations + m->plant.n_sources + 4 * m->plant.n_steps;
    tc_calibration_spec *c = tc_model_own_(L, sizeof *c);
    if (!c || !(c->targets = tc_model_own_(L, sizeof *c->targets * (size_t)cap)))
        return tc_doc_fail(&L->d, v, "out of memory");
    c->half_life = 8 * 3600 / tc_time_unit_seconds(m->unit);
    c->prior_weight = 20;
    c->detect = 1;
    if ((n = tc_doc_find(v, "params", NULL))) {
        if (!tc_doc_is(n, TC_NODE_SEQUENCE) || n->count == 0)
            return tc_doc_fail(&L->d, n,
                               "calibration: params must be a list such as [B.process, orders.interarrival]");
        for (int i = 0; i < n->count; i++)
            if (parse_target(L, tc_node_item(n, i), c, cap))
                return -1;
    } else if (default_targets(L, c, cap)) {
        return tc_doc_fail(&L->d, v, "out of memory");
    }
    if ((n = tc_doc_find(v, "half_life", NULL)) && tc_doc_duration(&L->d, n, "half_life", &c->half_life))
        return -1;
    if (n && !(c->half_life > 0))
        return tc_doc_fail(&L->d, n, "calibration: half_life must be longer than 0");
    if ((n = tc_doc_find(v, "prior_weight", NULL))) {
        if (tc_doc_real(&L->d, n, "prior_weight", &c->prior_weight))
            return -1;
        if (!(c->prior_weight > 0) || c->prior_weight > 1e9)
            return tc_doc_fail(&L->d, n,
                               "calibration: prior_weight must be above 0 (observations the model's "
                               "value is worth)");
    }
    if ((n = tc_doc_find(v, "change_detection", NULL)) && parse_switch(L, n, "change_detection", &c->detect))
        return -1;
    if ((n = tc_doc_find(v, "uncertainty", NULL)) && parse_switch(L, n, "uncertainty", &c->uncertainty))
        return -1;
    m->calibration = c;
    return 0;
}
