/*
 * calibration.c - observations from applied events into posteriors (see
 * calibration.h).  Times arrive as event timestamps (seconds since the
 * epoch); observations go to the posteriors in model units, so that an
 * estimate is directly a parameter's value.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "twincast/calibration.h"
#include "twincast/timetable.h"

#define DOWN_KEPT 64 /* a station's last down periods, to take downtime out of process times */

typedef struct station_clock {
    int known; /* an up or down seen, so up_since/down_since mean something */
    int up;
    double up_since, down_since;
    double down_from[DOWN_KEPT], down_to[DOWN_KEPT];
    int n_down, next_down;
} station_clock;

typedef struct target {
    const tc_cal_target *t;
    const tc_dist *dist; /* the model's */
    int logs;            /* lognormal: the posterior is on the logs */
    tc_posterior post;
    int param_mean, param_sd; /* registry indices the estimate maps to; -1: none */
    char path[160], sd_path[160];
} target;

/* A job whose service ended at a step with a rework target: whether it comes back is seen at its next
 * arrival. */
#define AWAITING_KEPT 64
typedef struct awaiting {
    char job[TC_EVENT_ID_MAX];
    int target; /* index into tg; -1: free */
} awaiting;

struct tc_calibration {
    const tc_model *m;
    awaiting aw[AWAITING_KEPT];
    int next_aw, n_aw;
    tc_timetable *tt;    /* the plant's calendar over [tt_lo, tt_hi] (seconds since the epoch); NULL: none */
    double tt_lo, tt_hi; /* rebuilt when an observation falls outside */
    double unit;         /* seconds per model unit */
    int n;
    target *tg;
    station_clock *sc;     /* [station] */
    double *last_arrival;  /* [source]; NaN: none yet */
    int *first_station_of; /* [source * S + station]: the station is on the route's first step */
};

static const tc_dist *dist_of(const tc_model *m, const tc_cal_target *t)
{
    switch (t->kind) {
    case TC_CAL_PROCESS: return &m->plant.stations[t->owner].process;
    case TC_CAL_INTERARRIVAL: return &m->plant.sources[t->owner].interarrival;
    case TC_CAL_TTR: return &m->plant.stations[t->owner].ttr;
    case TC_CAL_TTF: return &m->plant.stations[t->owner].ttf;
    case TC_CAL_SETUP: return &m->plant.stations[t->owner].setup;
    case TC_CAL_STEP_PROCESS: return &m->plant.steps[t->owner].process;
    case TC_CAL_STEP_SETUP: return &m->plant.steps[t->owner].setup;
    case TC_CAL_SCRAP:
    case TC_CAL_REWORK: return NULL; /* probabilities */
    }
    return NULL;
}

/* A variable's mean and variance as the posterior's prior: the mean time, its logs' mean and sd, or mean and
 * sd. */
static void prior_moments(const target *g, double mean, double var, double *m, double *sd)
{
    if (g->dist->type == TC_DIST_EXPONENTIAL) {
        *m = mean, *sd = NAN;
    } else if (g->logs) {
        double s2 = log(1 + var / (mean * mean));
        *m = log(mean) - s2 / 2, *sd = sqrt(s2);
    } else {
        *m = mean, *sd = sqrt(var);
    }
}

/* The posterior's prior from the model's distribution. */
static void prior_from(target *g, const tc_calibration_spec *spec, double unit)
{
    double m, sd;
    prior_moments(g, tc_dist_mean(g->dist), tc_dist_variance(g->dist), &m, &sd);
    tc_posterior_init(&g->post, g->dist->type == TC_DIST_EXPONENTIAL ? TC_POST_RATE : TC_POST_NORMAL, m, sd,
                      spec->prior_weight, spec->half_life * unit, spec->detect);
}

static int param_of(const tc_model *m, const char *base, const char *leaf)
{
    char path[200];
    snprintf(path, sizeof path, "%s.%s", base, leaf);
    return tc_model_param_find(m, path);
}

tc_calibration *tc_calibration_create(const tc_model *m, int *failed)
{
    *failed = 0;
    const tc_calibration_spec *spec = m->calibration;
    if (!spec)
        return NULL;
    int S = m->plant.n_stations, R = m->plant.n_sources;
    tc_calibration *c = calloc(1, sizeof *c);
    if (c) {
        c->tg = calloc((size_t)spec->n, sizeof *c->tg);
        c->sc = calloc((size_t)S, sizeof *c->sc);
        c->last_arrival = malloc(sizeof *c->last_arrival * (size_t)R);
        c->first_station_of = calloc((size_t)S * (size_t)R, sizeof *c->first_station_of);
    }
    if (!c || !c->tg || !c->sc || !c->last_arrival || !c->first_station_of) {
        tc_calibration_destroy(c);
        *failed = 1;
        return NULL;
    }
    c->m = m;
    c->unit = tc_time_unit_seconds(m->unit);
    c->n = spec->n;
    for (int r = 0; r < R; r++) {
        c->last_arrival[r] = NAN;
        const tc_route_step *first = &m->steps[m->plant.sources[r].first_step];
        for (int a = 0; a < first->n_alts; a++)
            c->first_station_of[r * S + m->alts[first->first_alt + a]] = 1;
    }
    for (int k = 0; k < AWAITING_KEPT; k++)
        c->aw[k].target = -1;
    for (int k = 0; k < c->n; k++) {
        target *g = &c->tg[k];
        g->t = &spec->targets[k];
        if (g->t->kind == TC_CAL_SCRAP || g->t->kind == TC_CAL_REWORK) { /* a beta on the probability */
            const tc_step *step = &m->plant.steps[g->t->owner];
            int scrap = g->t->kind == TC_CAL_SCRAP;
            tc_posterior_init(&g->post, TC_POST_PROBABILITY, scrap ? step->scrap_p : step->rework_p, NAN,
                              spec->prior_weight, spec->half_life * c->unit, 0);
            snprintf(g->path, sizeof g->path, "%s%s", g->t->name, scrap ? "" : ".p");
            g->param_mean = tc_model_param_find(m, g->path);
            g->param_sd = -1;
            continue;
        }
        g->dist = dist_of(m, g->t);
        g->logs = g->dist->type == TC_DIST_LOGNORMAL;
        prior_from(g, spec, c->unit);
        const char *leaf = g->dist->type == TC_DIST_CONSTANT ? "value" : "mean";
        g->param_mean = g->dist->type == TC_DIST_UNIFORM || g->dist->type == TC_DIST_TRIANGULAR
                            ? -1
                            : param_of(m, g->t->name, leaf);
        g->param_sd = g->dist->type == TC_DIST_LOGNORMAL || g->dist->type == TC_DIST_GAMMA ||
                              g->dist->type == TC_DIST_NORMAL
                          ? param_of(m, g->t->name, "sd")
                          : -1;
        snprintf(g->path, sizeof g->path, "%s.%s", g->t->name, leaf);
        snprintf(g->sd_path, sizeof g->sd_path, "%s.sd", g->t->name);
    }
    return c;
}

void tc_calibration_destroy(tc_calibration *c)
{
    if (!c)
        return;
    tc_timetable_destroy(c->tt);
    free(c->tg);
    free(c->sc);
    free(c->last_arrival);
    free(c->first_station_of);
    free(c);
}

int tc_calibration_count(const tc_calibration *c)
{
    return c ? c->n : 0;
}

/* ---- the plant's calendar -------------------------------------------------------- */

/*
 * The timetable over [a, b] (seconds since the epoch), built for a week and
 * a day around them when they fall outside the one held; NULL for a model
 * without a calendar (or if memory runs out: the wall clock is used then).
 * A cache: it changes no estimate, so the const snapshot path may fill it.
 */
static const tc_timetable *calendar_over(const tc_calibration *cc, double a, double b)
{
    tc_calibration *c = (tc_calibration *)cc;
    if (!c->m->calendar || !(a <= b))
        return NULL;
    if (c->tt && a >= c->tt_lo && b <= c->tt_hi)
        return c->tt;
    tc_timetable_destroy(c->tt);
    c->tt = NULL;
    double from = floor(a) - 86400, span = (b - from) + 8 * 86400.0;
    char why[128];
    if (tc_timetable_build(c->m, from, span / c->unit, &c->tt, why, sizeof why) != TC_OK)
        c->tt = NULL;
    c->tt_lo = from;
    c->tt_hi = from + span;
    return c->tt;
}

static double scale_between(const tc_time_scale *sc, const tc_timetable *tt, double unit, double a, double b)
{
    int pa = 0, pb = 0;
    return (tc_time_scale_at(sc, (b - tt->start) / unit, &pb) -
            tc_time_scale_at(sc, (a - tt->start) / unit, &pa)) *
           unit;
}

/* An interarrival gap of source r on its arrival clock: Lambda's increase (seconds at rate factor 1). */
static double arrival_gap(const tc_calibration *c, int r, double a, double b)
{
    const tc_timetable *tt = calendar_over(c, a, b);
    if (!tt || tt->arrivals[r].n == 0)
        return b - a;
    return scale_between(&tt->arrivals[r], tt, c->unit, a, b);
}

/* Up time of station s on its failure clock: operating time for failure.clock operating. */
static double failure_gap(const tc_calibration *c, int s, double a, double b)
{
    const tc_timetable *tt = calendar_over(c, a, b);
    if (!tt || tt->operating[s].n == 0)
        return b - a;
    return scale_between(&tt->operating[s], tt, c->unit, a, b);
}

/* Time in [a, b] that station s (at_close: pause) was closed: its jobs were paused, not processed. */
static double paused(const tc_calibration *c, int s, double a, double b)
{
    const tc_timetable *tt = calendar_over(c, a, b);
    if (!tt || !tt->pause[s])
        return 0;
    int servers = tt->servers0[s] >= 0 ? tt->servers0[s] : c->m->plant.stations[s].servers;
    double from = tt->start, sum = 0;
    for (int i = 0; i <= tt->n_changes; i++) {
        const tc_shift_change *x = i < tt->n_changes ? &tt->changes[i] : NULL;
        if (x && (x->station != s || x->kind != TC_SHIFT_SERVERS))
            continue;
        double to = x ? tt->start + x->at * c->unit : c->tt_hi;
        if (servers == 0) {
            double lo = from > a ? from : a, hi = to < b ? to : b;
            if (hi > lo)
                sum += hi - lo;
        }
        if (x) {
            servers = x->servers;
            from = to;
        }
    }
    return sum;
}

/* ---- observations ---------------------------------------------------------------- */

static void feed(target *g, double t, double x_units, int censored)
{
    if (g->logs) {
        if (!(x_units > 0))
            return;
        tc_posterior_observe(&g->post, t, log(x_units), censored);
    } else {
        tc_posterior_observe(&g->post, t, x_units, censored);
    }
}

static void observe(tc_calibration *c, tc_cal_kind kind, int owner, double t, double seconds, int censored)
{
    if (!(seconds >= 0))
        return;
    for (int k = 0; k < c->n; k++)
        if (c->tg[k].t->kind == kind && c->tg[k].t->owner == owner)
            feed(&c->tg[k], t, seconds / c->unit, censored);
}

/* Downtime of station s within [a, b): its kept down periods, and the one under way. */
static double downtime(const station_clock *sc, double a, double b)
{
    double sum = 0;
    for (int i = 0; i < sc->n_down; i++) {
        double lo = sc->down_from[i] > a ? sc->down_from[i] : a, hi = sc->down_to[i] < b ? sc->down_to[i] : b;
        if (hi > lo)
            sum += hi - lo;
    }
    if (sc->known && !sc->up) {
        double lo = sc->down_since > a ? sc->down_since : a;
        if (b > lo)
            sum += b - lo;
    }
    return sum;
}

/* The route step (global index) at which a job of `product` visits station s; -1: unknown. */
static int step_of(const tc_model *m, int product, int s)
{
    int k = product >= 0 ? tc_model_route_step(m, product, s) : -1;
    return k < 0 ? -1 : m->plant.sources[product].first_step + k;
}

/*
 * Which target a time of a job at station s is an observation of: the
 * product's own (its route step sets one) or the station's.
 */
static void time_target(const tc_model *m, int s, int product, int setup, tc_cal_kind *kind, int *owner)
{
    int g = step_of(m, product, s);
    int own = g >= 0 && (setup ? m->plant.steps[g].has_setup : m->plant.steps[g].has_process);
    *kind = own ? (setup ? TC_CAL_STEP_SETUP : TC_CAL_STEP_PROCESS) : (setup ? TC_CAL_SETUP : TC_CAL_PROCESS);
    *owner = own ? g : s;
}

/* A job's time at station s: processing (or, setup, its changeover) from `from` to `to`, less downtime. */
static void observe_time(tc_calibration *c, int s, int product, int setup, double from, double to)
{
    tc_cal_kind kind;
    int owner;
    time_target(c->m, s, product, setup, &kind, &owner);
    observe(c, kind, owner, to, to - from - downtime(&c->sc[s], from, to) - paused(c, s, from, to), 0);
}

/*
 * A job's service ended at a step (finish, or scrap): a trial of the step's
 * scrap and rework probabilities.  A finished job counts as not reworked
 * until it arrives back at the rework step (came_back).
 */
static void service_ended(tc_calibration *c, const tc_event *ev, int product)
{
    int g = step_of(c->m, product, ev->station);
    for (int k = 0; g >= 0 && k < c->n; k++) {
        const tc_cal_target *t = c->tg[k].t;
        if (t->owner != g || (t->kind != TC_CAL_SCRAP && t->kind != TC_CAL_REWORK))
            continue;
        tc_posterior_observe_outcome(&c->tg[k].post, ev->ts,
                                     t->kind == TC_CAL_SCRAP && ev->type == TC_EV_SCRAP);
        if (t->kind == TC_CAL_REWORK && ev->type == TC_EV_FINISH && ev->job[0]) {
            awaiting *a = &c->aw[c->next_aw]; /* the oldest is forgotten first */
            c->n_aw += a->target < 0;
            snprintf(a->job, sizeof a->job, "%s", ev->job);
            a->target = k;
            c->next_aw = (c->next_aw + 1) % AWAITING_KEPT;
        }
    }
}

/* A job's next arrival after a step with a rework target: back at the rework step, or on. */
static void came_back(tc_calibration *c, const tc_event *ev, int product)
{
    for (int i = 0; i < AWAITING_KEPT; i++) {
        awaiting *a = &c->aw[i];
        if (a->target < 0 || strcmp(a->job, ev->job) != 0)
            continue;
        target *g = &c->tg[a->target];
        const tc_step *step = &c->m->plant.steps[g->t->owner];
        int back = product >= 0 && tc_model_route_step(c->m, product, ev->station) == step->rework_to;
        if (back)
            tc_posterior_turned_success(&g->post, ev->ts);
        a->target = -1;
        c->n_aw--;
        return; /* a job awaits once: its next arrival settles it */
    }
}

void tc_calibration_observe(tc_calibration *c, const tc_event *ev, int product, double started)
{
    if (!c)
        return;
    int S = c->m->plant.n_stations;
    station_clock *sc = ev->station >= 0 && ev->station < S ? &c->sc[ev->station] : NULL;
    if (!sc && ev->type != TC_EV_SET) /* the switchboard checked it already */
        return;
    switch (ev->type) {
    case TC_EV_DOWN:
        if (sc->known && sc->up)
            observe(c, TC_CAL_TTF, ev->station, ev->ts, failure_gap(c, ev->station, sc->up_since, ev->ts), 0);
        if (!sc->known || sc->up) {
            sc->up = 0;
            sc->down_since = ev->ts;
        }
        sc->known = 1;
        break;
    case TC_EV_UP:
        if (sc->known && !sc->up) {
            observe(c, TC_CAL_TTR, ev->station, ev->ts, ev->ts - sc->down_since, 0);
            sc->down_from[sc->next_down] = sc->down_since;
            sc->down_to[sc->next_down] = ev->ts;
            sc->next_down = (sc->next_down + 1) % DOWN_KEPT;
            if (sc->n_down < DOWN_KEPT)
                sc->n_down++;
        }
        if (!sc->known || !sc->up) {
            sc->up = 1;
            sc->up_since = ev->ts;
        }
        sc->known = 1;
        break;
    case TC_EV_FINISH:
    case TC_EV_SCRAP:
        if (!isnan(started))
            observe_time(c, ev->station, product, 0, started, ev->ts);
        service_ended(c, ev, product);
        break;
    case TC_EV_START: /* a changeover ended (started: when it began) */
        if (!isnan(started))
            observe_time(c, ev->station, product, 1, started, ev->ts);
        break;
    case TC_EV_ARRIVE:
        if (c->n_aw > 0 && ev->job[0])
            came_back(c, ev, product);
        if (product >= 0 && c->first_station_of[product * S + ev->station]) {
            if (!isnan(c->last_arrival[product]))
                observe(c, TC_CAL_INTERARRIVAL, product, ev->ts,
                        arrival_gap(c, product, c->last_arrival[product], ev->ts), 0);
            c->last_arrival[product] = ev->ts;
        }
        break;
    default: break;
    }
}

void tc_calibration_reprior(tc_calibration *c, int param, double value)
{
    for (int k = 0; c && k < c->n; k++) {
        target *g = &c->tg[k];
        if (param != g->param_mean && param != g->param_sd)
            continue;
        if (g->post.kind == TC_POST_PROBABILITY) {
            tc_posterior_reset_prior(&g->post, value, NAN);
            continue;
        }
        double mean = tc_dist_mean(g->dist), var = tc_dist_variance(g->dist); /* the model's, one changed */
        if (param == g->param_mean)
            mean = value;
        else
            var = value * value;
        double m, sd;
        prior_moments(g, mean, var, &m, &sd);
        tc_posterior_reset_prior(&g->post, m, sd);
    }
}

int tc_calibration_restore(tc_calibration *c, const char *path, const tc_posterior_data *d)
{
    for (int k = 0; c && k < c->n; k++)
        if (!strcmp(c->tg[k].path, path)) {
            tc_posterior_set_data(&c->tg[k].post, d);
            return 0;
        }
    return -1;
}

/* ---- estimates ---------------------------------------------------------------------- */

static double prior_value(const target *g)
{
    if (g->post.kind == TC_POST_RATE || !g->logs)
        return g->post.prior_mean;
    return exp(g->post.prior_mean + g->post.prior_sd * g->post.prior_sd / 2);
}

void tc_calibration_rows(const tc_calibration *c, double now, const tc_calibration_job *svc, int n_svc,
                         tc_calibration_row *rows)
{
    for (int k = 0; k < c->n; k++) {
        const target *g0 = &c->tg[k];
        target g = *g0; /* what is still open counts as censored, on this copy only */
        int per_station = g.t->kind == TC_CAL_TTR || g.t->kind == TC_CAL_TTF;
        const station_clock *sc = per_station ? &c->sc[g.t->owner] : NULL;
        switch (g.t->kind) {
        case TC_CAL_PROCESS:
        case TC_CAL_SETUP:
        case TC_CAL_STEP_PROCESS:
        case TC_CAL_STEP_SETUP:
            for (int j = 0; j < n_svc; j++) { /* jobs in service (or changeover) for this target's time */
                tc_cal_kind kind;
                int owner, s = svc[j].station;
                time_target(c->m, s, svc[j].product, svc[j].setup, &kind, &owner);
                double since = svc[j].since;
                if (kind == g.t->kind && owner == g.t->owner && !isnan(since) && now > since)
                    feed(&g, now,
                         (now - since - downtime(&c->sc[s], since, now) - paused(c, s, since, now)) / c->unit,
                         1);
            }
            break;
        case TC_CAL_SCRAP:
        case TC_CAL_REWORK: break; /* outcomes: nothing stays open */
        case TC_CAL_INTERARRIVAL:
            if (!isnan(c->last_arrival[g.t->owner]) && now > c->last_arrival[g.t->owner])
                feed(&g, now, arrival_gap(c, g.t->owner, c->last_arrival[g.t->owner], now) / c->unit, 1);
            break;
        case TC_CAL_TTR:
            if (sc->known && !sc->up && now > sc->down_since)
                feed(&g, now, (now - sc->down_since) / c->unit, 1);
            break;
        case TC_CAL_TTF:
            if (sc->known && sc->up && now > sc->up_since)
                feed(&g, now, failure_gap(c, g.t->owner, sc->up_since, now) / c->unit, 1);
            break;
        }
        tc_post_estimate e = tc_posterior_estimate(&g.post);
        rows[k].data = tc_posterior_get_data(&g0->post);
        tc_calibration_row *r = &rows[k];
        r->draw_kind = NULL;
        r->sd_path = NULL;
        if (c->m->calibration->uncertainty && g0->param_mean >= 0 &&
            g.post.kind != TC_POST_PROBABILITY) { /* what replications draw from */
            tc_posterior_hyper(&g.post, &r->a, &r->b, &r->mu, &r->kappa);
            r->draw_kind = g.post.kind == TC_POST_RATE ? "rate" : g.logs ? "lognormal" : "normal";
            r->sd_path = g0->param_sd >= 0 ? g0->sd_path : NULL;
        }
        r->path = g0->path;
        r->prior = prior_value(g0);
        r->n_obs = g.post.n_obs;
        r->n_eff = e.n_eff;
        r->last_reset = g.post.last_reset;
        if (g.post.kind != TC_POST_NORMAL || !g.logs) {
            r->estimate = e.mean, r->lo = e.lo, r->hi = e.hi;
            r->sd = g.post.kind == TC_POST_NORMAL ? e.sd : NAN;
        } else { /* lognormal: the variable's mean and sd from the logs' */
            double half = e.sd * e.sd / 2;
            r->estimate = exp(e.mean + half), r->lo = exp(e.lo + half), r->hi = exp(e.hi + half);
            r->sd = r->estimate * sqrt(exp(e.sd * e.sd) - 1);
        }
    }
}

int tc_calibration_values(const tc_calibration *c, const tc_calibration_row *rows, int *param, double *value,
                          int max)
{
    int n = 0;
    tc_plant scratch = {0};
    if (tc_plant_clone(&scratch, &c->m->plant) != TC_OK)
        return 0;
    for (int k = 0; k < c->n && n + 2 <= max; k++) {
        const target *g = &c->tg[k];
        const tc_calibration_row *r = &rows[k];
        char why[128];
        /* a value the registry refuses (an sd of 0, say) is left as it was */
        if (g->param_mean >= 0 && isfinite(r->estimate) &&
            tc_plant_set(&scratch, &c->m->params[g->param_mean], r->estimate, why, sizeof why) == TC_OK)
            param[n] = g->param_mean, value[n++] = r->estimate;
        if (g->param_sd >= 0 && isfinite(r->sd) && r->sd > 0 &&
            tc_plant_set(&scratch, &c->m->params[g->param_sd], r->sd, why, sizeof why) == TC_OK)
            param[n] = g->param_sd, value[n++] = r->sd;
    }
    tc_plant_release(&scratch);
    return n;
}
