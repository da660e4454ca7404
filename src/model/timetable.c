/*
 * timetable.c - the model's calendar compiled for one run: schedules and
 * breaks painted, in order, onto a piecewise-constant capacity per station;
 * rate factors onto a piecewise-constant intensity per source (then summed
 * into the Lambda time scale); maintenance into begin/end changes.  All the
 * time-zone work happens here, once; the engine reads numbers.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "twincast/model.h"
#include "twincast/timetable.h"

/* A piecewise-constant value on [0, horizon): v[i] from t[i] to t[i+1]. */
typedef struct line {
    int n, cap;
    double *t, *v;
} line;

static int line_init(line *l, double value)
{
    l->cap = 16;
    l->t = malloc(sizeof *l->t * (size_t)l->cap);
    l->v = malloc(sizeof *l->v * (size_t)l->cap);
    if (!l->t || !l->v)
        return -1;
    l->n = 1;
    l->t[0] = 0;
    l->v[0] = value;
    return 0;
}

static void line_free(line *l)
{
    free(l->t);
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* The index of a breakpoint at x (0 < x), inserted if there is none; -1 when memory runs out. */
static int line_split(line *l, double x)
{
    int k = l->n;
    while (k > 0 && l->t[k - 1] >= x)
        k--;
    if (k < l->n && l->t[k] == x)
        return k;
    if (l->n == l->cap) {
        int cap = l->cap * 2;
        double *t = realloc(l->t, sizeof *t * (size_t)cap);
        if (t)
            l->t = t;
        double *v = t ? realloc(l->v, sizeof *v * (size_t)cap) : NULL;
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    memmove(l->t + k + 1, l->t + k, sizeof *l->t * (size_t)(l->n - k));
    memmove(l->v + k + 1, l->v + k, sizeof *l->v * (size_t)(l->n - k));
    l->t[k] = x;
    l->v[k] = l->v[k - 1];
    l->n++;
    return k;
}

/* Sets the value on [a, b) within [0, horizon). */
static int line_paint(line *l, double a, double b, double value, double horizon)
{
    if (a < 0)
        a = 0;
    if (b > horizon)
        b = horizon;
    if (!(a < b))
        return 0;
    int i = a > 0 ? line_split(l, a) : 0; /* b > a: splitting at b leaves index i where it is */
    int j = b < horizon ? line_split(l, b) : l->n;
    if (i < 0 || j < 0)
        return -1;
    for (int k = i; k < j; k++)
        l->v[k] = value;
    return 0;
}

/* Drops breakpoints that do not change the value. */
static void line_compact(line *l)
{
    int k = 1;
    for (int i = 1; i < l->n; i++)
        if (l->v[i] != l->v[k - 1]) {
            l->t[k] = l->t[i];
            l->v[k++] = l->v[i];
        }
    l->n = k;
}

typedef struct builder {
    const tc_model *m;
    const tc_plant_calendar *c;
    double start, horizon, unit; /* seconds since the epoch; model units; seconds per unit */
} builder;

/* Paints one schedule or rate entry. */
static int paint_rule(const builder *b, line *l, const tc_rule *r)
{
    tc_calendar one = {1, (tc_week_period *)&r->period, 0, NULL};
    const tc_calendar *cal = r->calendar >= 0 ? &b->c->calendars[r->calendar].cal : &one;
    tc_open_period *iv = NULL;
    int n = 0, rc = 0;
    if (tc_calendar_open(cal, &b->m->zone, b->start, b->horizon * b->unit, b->unit, &iv, &n) != TC_OK)
        return -1;
    double from = 0; /* the closed time before the next open period */
    for (int i = 0; rc == 0 && i < n; i++) {
        if (r->has_closed)
            rc |= line_paint(l, from, iv[i].from, r->closed_value, b->horizon);
        if (r->has_open)
            rc |= line_paint(l, iv[i].from, iv[i].to, r->open_value, b->horizon);
        from = iv[i].to;
    }
    if (rc == 0 && r->has_closed)
        rc = line_paint(l, from, b->horizon, r->closed_value, b->horizon);
    free(iv);
    return rc;
}

/* The runs of a weekly moment that overlap the horizon, as [from, to) in model units, through `each`. */
static int each_recurring(const builder *b, const tc_recurring *w, int (*each)(void *, double, double),
                          void *user)
{
    double *at = NULL;
    int n = 0, rc = 0;
    if (tc_calendar_occurrences(w->days, w->minute, &b->m->zone, b->start - w->length,
                                b->start + b->horizon * b->unit, &at, &n) != TC_OK)
        return -1;
    for (int i = 0; rc == 0 && i < n; i++)
        rc = each(user, (at[i] - b->start) / b->unit, (at[i] + w->length - b->start) / b->unit);
    free(at);
    return rc;
}

typedef struct paint_zero {
    line *l;
    double horizon;
} paint_zero;

static int break_each(void *user, double from, double to)
{
    paint_zero *p = user;
    return line_paint(p->l, from, to, 0, p->horizon);
}

static tc_status scale_from(tc_time_scale *s, const line *l)
{
    s->n = l->n;
    s->t = malloc(sizeof *s->t * (size_t)l->n);
    s->rate = malloc(sizeof *s->rate * (size_t)l->n);
    s->cum = malloc(sizeof *s->cum * (size_t)l->n);
    if (!s->t || !s->rate || !s->cum)
        return TC_ERR_RUNTIME;
    for (int i = 0; i < l->n; i++) {
        s->t[i] = l->t[i];
        s->rate[i] = l->v[i];
        s->cum[i] = i ? s->cum[i - 1] + s->rate[i - 1] * (s->t[i] - s->t[i - 1]) : 0;
    }
    return TC_OK;
}

/* ---- changes ------------------------------------------------------------------ */

typedef struct changes {
    tc_shift_change *v;
    int n, cap;
} changes;

static int change_add(changes *c, double at, int station, tc_shift_kind kind, int servers)
{
    if (c->n == c->cap) {
        int cap = c->cap ? c->cap * 2 : 32;
        tc_shift_change *v = realloc(c->v, sizeof *v * (size_t)cap);
        if (!v)
            return -1;
        c->v = v;
        c->cap = cap;
    }
    c->v[c->n++] = (tc_shift_change){at, station, kind, servers};
    return 0;
}

static int cmp_change(const void *a, const void *b)
{
    const tc_shift_change *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    if (x->kind != y->kind)
        return (int)x->kind - (int)y->kind;
    return x->station - y->station;
}

/* A station's capacity line: its servers, then its schedule in order, then its breaks. */
static tc_status station_line(const builder *b, int s, line *l)
{
    const tc_station_calendar *sc = &b->c->stations[s];
    if (line_init(l, b->m->plant.stations[s].servers) != 0)
        return TC_ERR_RUNTIME;
    for (int k = 0; k < sc->n_rules; k++)
        if (paint_rule(b, l, &sc->rules[k]) != 0)
            return TC_ERR_RUNTIME;
    paint_zero p = {l, b->horizon};
    for (int k = 0; k < sc->n_breaks; k++)
        if (each_recurring(b, &sc->breaks[k], break_each, &p) != 0)
            return TC_ERR_RUNTIME;
    line_compact(l);
    return TC_OK;
}

static tc_status add_capacity(const builder *b, tc_timetable *tt, changes *c)
{
    for (int s = 0; s < tt->n_stations; s++) {
        const tc_station_calendar *sc = &b->c->stations[s];
        tt->servers0[s] = -1;
        tt->pause[s] = (unsigned char)sc->pause;
        if (!sc->n_rules && !sc->n_breaks && !sc->operating) /* always open */
            continue;
        line l = {0};
        tc_status st = station_line(b, s, &l);
        if (st == TC_OK) {
            tt->servers0[s] = sc->n_rules || sc->n_breaks ? (int)l.v[0] : -1;
            for (int i = 1; st == TC_OK && i < l.n; i++)
                if (change_add(c, l.t[i], s, TC_SHIFT_SERVERS, (int)l.v[i]) != 0)
                    st = TC_ERR_RUNTIME;
        }
        if (st == TC_OK && sc->operating) { /* open while it has servers */
            for (int i = 0; i < l.n; i++)
                l.v[i] = l.v[i] > 0;
            line_compact(&l);
            st = scale_from(&tt->operating[s], &l);
        }
        line_free(&l);
        if (st != TC_OK)
            return st;
    }
    return TC_OK;
}

typedef struct maint_runs {
    double *from, *to;
    int n, cap;
} maint_runs;

static int maint_each(void *user, double from, double to)
{
    maint_runs *r = user;
    if (r->n == r->cap) {
        int cap = r->cap ? r->cap * 2 : 16;
        double *f = realloc(r->from, sizeof *f * (size_t)cap);
        if (f)
            r->from = f;
        double *t = f ? realloc(r->to, sizeof *t * (size_t)cap) : NULL;
        if (!t)
            return -1;
        r->to = t;
        r->cap = cap;
    }
    r->from[r->n] = from;
    r->to[r->n++] = to;
    return 0;
}

/* Maintenance on one station: its runs merged (the loader refuses overlaps; touching runs join). */
static tc_status add_maintenance(const builder *b, int s, changes *c)
{
    maint_runs r = {0};
    int rc = 0;
    for (int k = 0; rc == 0 && k < b->c->n_maintenance; k++) {
        const tc_maintenance *mt = &b->c->maintenance[k];
        if (mt->station != s)
            continue;
        rc = mt->repeating ? each_recurring(b, &mt->every, maint_each, &r)
                           : maint_each(&r, (mt->at - b->start) / b->unit,
                                        (mt->at + mt->every.length - b->start) / b->unit);
    }
    for (int i = 1; rc == 0 && i < r.n; i++) /* insertion sort: a handful of runs */
        for (int j = i; j > 0 && r.from[j] < r.from[j - 1]; j--) {
            double f = r.from[j], t = r.to[j];
            r.from[j] = r.from[j - 1], r.to[j] = r.to[j - 1];
            r.from[j - 1] = f, r.to[j - 1] = t;
        }
    for (int i = 0; rc == 0 && i < r.n;) {
        double from = r.from[i], to = r.to[i];
        for (i++; i < r.n && r.from[i] <= to; i++)
            to = r.to[i] > to ? r.to[i] : to;
        if (to <= 0 || from >= b->horizon)
            continue;
        rc |= change_add(c, from > 0 ? from : 0, s, TC_SHIFT_MAINT_START, 0);
        if (to <= b->horizon)
            rc |= change_add(c, to, s, TC_SHIFT_MAINT_END, 0);
    }
    free(r.from);
    free(r.to);
    return rc ? TC_ERR_RUNTIME : TC_OK;
}

static tc_status add_arrivals(const builder *b, tc_timetable *tt)
{
    for (int r = 0; r < tt->n_sources; r++) {
        const tc_source_calendar *sc = &b->c->sources[r];
        if (!sc->n_rules)
            continue;
        line l = {0};
        tc_status st = line_init(&l, 1) == 0 ? TC_OK : TC_ERR_RUNTIME;
        for (int k = 0; st == TC_OK && k < sc->n_rules; k++)
            if (paint_rule(b, &l, &sc->rules[k]) != 0)
                st = TC_ERR_RUNTIME;
        if (st == TC_OK) {
            line_compact(&l);
            st = scale_from(&tt->arrivals[r], &l);
        }
        line_free(&l);
        if (st != TC_OK)
            return st;
    }
    return TC_OK;
}

tc_status tc_timetable_build(const tc_model *m, double start, double horizon, tc_timetable **out, char *err,
                             size_t errlen)
{
    *out = NULL;
    if (!m->calendar)
        return TC_OK;
    builder b = {m, m->calendar, start, horizon, tc_time_unit_seconds(m->unit)};
    int S = m->plant.n_stations, R = m->plant.n_sources;
    tc_timetable *tt = calloc(1, sizeof *tt);
    changes c = {0};
    tc_status st = TC_ERR_RUNTIME;
    if (tt) {
        tt->n_stations = S;
        tt->n_sources = R;
        tt->start = start;
        tt->horizon = horizon;
        tt->servers0 = calloc((size_t)S, sizeof *tt->servers0);
        tt->pause = calloc((size_t)S, 1);
        tt->operating = calloc((size_t)S, sizeof *tt->operating);
        tt->arrivals = calloc((size_t)R, sizeof *tt->arrivals);
        if (tt->servers0 && tt->pause && tt->operating && tt->arrivals)
            st = add_capacity(&b, tt, &c);
        for (int s = 0; st == TC_OK && s < S; s++)
            st = add_maintenance(&b, s, &c);
        if (st == TC_OK)
            st = add_arrivals(&b, tt);
    }
    if (st != TC_OK) {
        free(c.v);
        tc_timetable_destroy(tt);
        snprintf(err, errlen, "timetable: out of memory");
        return st;
    }
    if (c.n > 1)
        qsort(c.v, (size_t)c.n, sizeof *c.v, cmp_change);
    tt->changes = c.v;
    tt->n_changes = c.n;
    *out = tt;
    return TC_OK;
}

static void scale_free(tc_time_scale *s)
{
    free(s->t);
    free(s->rate);
    free(s->cum);
}

void tc_timetable_destroy(tc_timetable *tt)
{
    if (!tt)
        return;
    for (int r = 0; tt->arrivals && r < tt->n_sources; r++)
        scale_free(&tt->arrivals[r]);
    for (int s = 0; tt->operating && s < tt->n_stations; s++)
        scale_free(&tt->operating[s]);
    free(tt->arrivals);
    free(tt->operating);
    free(tt->servers0);
    free(tt->pause);
    free(tt->changes);
    free(tt);
}

/* Adds level * the length of [a, b) to each bin it covers. */
static void spread(double *out, int S, int s, double bin_width, int T, double a, double b, double level)
{
    for (int k = (int)(a / bin_width); level != 0 && k < T && k * bin_width < b; k++) {
        double lo = k * bin_width > a ? k * bin_width : a,
               hi = (k + 1) * bin_width < b ? (k + 1) * bin_width : b;
        if (hi > lo)
            out[(size_t)k * S + s] += level * (hi - lo);
    }
}

void tc_timetable_servers_per_bin(const tc_timetable *tt, const tc_model *m, double bin_width, int T,
                                  double *out)
{
    int S = m->plant.n_stations;
    memset(out, 0, sizeof *out * (size_t)T * (size_t)S);
    for (int s = 0; s < S; s++) {
        double servers = tt->servers0[s] >= 0 ? tt->servers0[s] : m->plant.stations[s].servers, from = 0;
        int maintained = 0;
        for (int i = 0; i <= tt->n_changes; i++) {
            const tc_shift_change *c = i < tt->n_changes ? &tt->changes[i] : NULL;
            if (c && c->station != s)
                continue;
            double to = c ? c->at : tt->horizon;
            spread(out, S, s, bin_width, T, from, to, maintained ? 0 : servers);
            from = to;
            if (c && c->kind == TC_SHIFT_SERVERS)
                servers = c->servers;
            else if (c)
                maintained = c->kind == TC_SHIFT_MAINT_START;
        }
    }
    for (int k = 0; k < T; k++) { /* sums of level * time into means; the last bin may be cut short */
        double w = (k + 1) * bin_width < tt->horizon ? bin_width : tt->horizon - k * bin_width;
        for (int s = 0; s < S; s++)
            out[(size_t)k * S + s] = w > 0 ? out[(size_t)k * S + s] / w : NAN;
    }
}

double tc_time_scale_at(const tc_time_scale *s, double t, int *piece)
{
    if (s->n == 0)
        return t;
    int i = *piece;
    while (i + 1 < s->n && s->t[i + 1] <= t)
        i++;
    *piece = i;
    return s->cum[i] + s->rate[i] * (t - s->t[i]);
}

double tc_time_scale_inverse(const tc_time_scale *s, double y, const int *piece)
{
    if (s->n == 0)
        return y;
    int i = *piece;
    /* a piece of rate 0 adds nothing: the answer lies in a later one */
    while (i + 1 < s->n && (s->cum[i + 1] < y || s->rate[i] <= 0))
        i++;
    if (!(s->rate[i] > 0))
        return INFINITY;
    double t = s->t[i] + (y - s->cum[i]) / s->rate[i];
    return t > s->t[i] ? t : s->t[i];
}
