/*
 * model_calendar.c - reads the model's calendar keys, after its stations and
 * sources: `calendars` (weekly patterns and holidays), a station's
 * `schedule`, `at_close`, `breaks` and `failure.clock`, a source's `rate`,
 * and `maintenance`.  Like the rest of the loader, every complaint names
 * file:line:col and every key is checked.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"
#include "twincast/clock.h"

#define WEEK_SECONDS (7 * 86400.0)

/* The calendar part, allocated when the first calendar key is met. */
static tc_plant_calendar *calendar_of(tc_loader *L)
{
    tc_model *m = L->m;
    if (!m->calendar) {
        tc_plant_calendar *c = tc_model_own_(L, sizeof *c);
        if (!c || !(c->stations = tc_model_own_(L, sizeof *c->stations * (size_t)m->plant.n_stations)) ||
            !(c->sources = tc_model_own_(L, sizeof *c->sources * (size_t)m->plant.n_sources)))
            return NULL;
        m->calendar = c;
    }
    return m->calendar;
}

static int out_of_memory(tc_loader *L, const tc_node *n)
{
    return tc_doc_fail(&L->d, n, "out of memory");
}

/* Mon, Mon-Fri, or a list of them. */
static int parse_days(tc_loader *L, tc_node *n, const char *what, unsigned *mask)
{
    char why[256];
    *mask = 0;
    int count = tc_doc_is(n, TC_NODE_SEQUENCE) ? n->count : 1;
    for (int i = 0; i < count; i++) {
        tc_node *item = tc_doc_is(n, TC_NODE_SEQUENCE) ? tc_node_item(n, i) : n;
        const char *s = tc_doc_scalar(&L->d, item, "days");
        unsigned one;
        if (!s)
            return -1;
        if (tc_calendar_parse_days(s, &one, why, sizeof why) != 0)
            return tc_doc_fail(&L->d, item, "%s: days: %s", what, why);
        *mask |= one;
    }
    if (!*mask)
        return tc_doc_fail(&L->d, n, "%s: days: name at least one day", what);
    return 0;
}

static int parse_minute(tc_loader *L, tc_node *n, const char *key, const char *what, int *minute)
{
    char why[256];
    const char *s = tc_doc_scalar(&L->d, n, key);
    if (!s)
        return -1;
    if (tc_calendar_parse_time(s, minute, why, sizeof why) != 0)
        return tc_doc_fail(&L->d, n, "%s: %s: %s", what, key, why);
    return 0;
}

static tc_node *need(tc_loader *L, tc_node *map, const char *key, const char *what, const char *hint)
{
    tc_node *n = tc_doc_find(map, key, NULL);
    if (!n)
        tc_doc_fail(&L->d, map, "%s: missing '%s' (%s)", what, key, hint);
    return n;
}

/* {days, from, to}: an open period of a week. */
static int parse_period(tc_loader *L, tc_node *item, const char *what, tc_week_period *p)
{
    tc_node *d = need(L, item, "days", what, "Mon..Sun, a range such as Mon-Fri, or a list");
    tc_node *f = d ? need(L, item, "from", what, "a local time such as \"06:00\"") : NULL;
    tc_node *t = f ? need(L, item, "to", what, "a local time such as \"22:00\"") : NULL;
    if (!t || parse_days(L, d, what, &p->days) || parse_minute(L, f, "from", what, &p->from) ||
        parse_minute(L, t, "to", what, &p->to))
        return -1;
    if (p->to % 1440 == p->from % 1440 && !(p->from == 0 && p->to == 1440))
        return tc_doc_fail(&L->d, t,
                           "%s: 'to' equals 'from', so the period has no length (00:00 to 24:00 is a "
                           "whole day)",
                           what);
    return 0;
}

static int find_calendar(tc_loader *L, tc_node *n, const char *what, int *index)
{
    const char *s = tc_doc_scalar(&L->d, n, "calendar");
    const tc_plant_calendar *c = L->m->calendar;
    if (!s)
        return -1;
    for (int i = 0; c && i < c->n_calendars; i++)
        if (!strcmp(c->calendars[i].name, s)) {
            *index = i;
            return 0;
        }
    return tc_doc_fail(&L->d, n, "%s: calendar '%s' is not defined under 'calendars'", what, s);
}

/* ---- calendars ------------------------------------------------------------------ */

static int parse_holidays(tc_loader *L, tc_node *n, long **out, int *count)
{
    char why[256];
    if (!tc_doc_is(n, TC_NODE_SEQUENCE))
        return tc_doc_fail(&L->d, n, "calendars: holidays must be a list of dates (YYYY-MM-DD)");
    if (!(*out = tc_model_own_(L, sizeof **out * (size_t)n->count)))
        return out_of_memory(L, n);
    for (int i = 0; i < n->count; i++) {
        const char *s = tc_doc_scalar(&L->d, tc_node_item(n, i), "holiday");
        if (!s)
            return -1;
        if (tc_calendar_parse_date(s, &(*out)[i], why, sizeof why) != 0)
            return tc_doc_fail(&L->d, tc_node_item(n, i), "calendars: holidays: %s", why);
    }
    *count = n->count;
    return 0;
}

static int parse_calendars(tc_loader *L, tc_node *n, tc_node *at)
{
    static const char *const keys[] = {"days", "from", "to", NULL};
    if (tc_doc_expect_mapping(&L->d, n, at, "'calendars'"))
        return -1;
    tc_plant_calendar *c = calendar_of(L);
    long *holidays = NULL;
    int n_holidays = 0;
    tc_node *h = tc_doc_find(n, "holidays", NULL);
    if (!c || !(c->calendars = tc_model_own_(L, sizeof *c->calendars * (size_t)n->count)))
        return out_of_memory(L, n);
    if (h && parse_holidays(L, h, &holidays, &n_holidays))
        return -1;
    for (int i = 0; i < n->count; i++) {
        tc_node *k = tc_node_key(n, i), *v = tc_node_value(n, i);
        const char *key = tc_doc_scalar(&L->d, k, "calendar name"); /* a YAML key may be a list or a map */
        char what[128];
        if (!key)
            return -1;
        if (!strcmp(key, "holidays"))
            continue;
        snprintf(what, sizeof what, "calendar %s", key);
        if (!tc_doc_is(v, TC_NODE_SEQUENCE) || v->count == 0)
            return tc_doc_fail(&L->d, v, "%s must be a list of open periods {days, from, to}", what);
        tc_named_calendar *nc = &c->calendars[c->n_calendars];
        char *name = tc_model_own_(L, strlen(key) + 1);
        if (!name || !(nc->cal.periods = tc_model_own_(L, sizeof(tc_week_period) * (size_t)v->count)))
            return out_of_memory(L, v);
        nc->name = strcpy(name, key);
        for (int j = 0; j < v->count; j++) {
            tc_node *item = tc_node_item(v, j);
            if (tc_doc_expect_mapping(&L->d, item, v, what) || tc_doc_check_keys(&L->d, item, what, keys) ||
                parse_period(L, item, what, &nc->cal.periods[j]))
                return -1;
        }
        nc->cal.n_periods = v->count;
        nc->cal.holidays = holidays;
        nc->cal.n_holidays = n_holidays;
        c->n_calendars++;
    }
    return 0;
}

/* ---- schedules and rates -------------------------------------------------------- */

typedef struct rule_kind {
    const char *value, *closed; /* servers / closed_servers, factor / closed_factor */
    double lo, hi;
    int integer;
} rule_kind;

static int parse_value(tc_loader *L, tc_node *n, const char *key, const rule_kind *rk, double *out)
{
    long x;
    if (rk->integer) {
        if (tc_doc_int(&L->d, n, key, (long)rk->lo, (long)rk->hi, &x))
            return -1;
        *out = (double)x;
        return 0;
    }
    if (tc_doc_real(&L->d, n, key, out))
        return -1;
    if (!(*out >= rk->lo && *out <= rk->hi))
        return tc_doc_fail(&L->d, n, "%s must be between %g and %g", key, rk->lo, rk->hi);
    return 0;
}

static int parse_rule(tc_loader *L, tc_node *item, const char *what, const rule_kind *rk, tc_rule *r)
{
    const char *keys[] = {"days", "from", "to", "calendar", rk->value, rk->closed, NULL};
    if (tc_doc_expect_mapping(&L->d, item, item, what) || tc_doc_check_keys(&L->d, item, what, keys))
        return -1;
    tc_node *cal = tc_doc_find(item, "calendar", NULL), *v = tc_doc_find(item, rk->value, NULL);
    tc_node *closed = tc_doc_find(item, rk->closed, NULL);
    r->calendar = -1;
    if (cal) {
        if (tc_doc_find(item, "days", NULL) || tc_doc_find(item, "from", NULL) ||
            tc_doc_find(item, "to", NULL))
            return tc_doc_fail(&L->d, item, "%s: give either a calendar or days/from/to, not both", what);
        if (!v && !closed)
            return tc_doc_fail(&L->d, item,
                               "%s: a calendar entry needs '%s' (in its open time) or '%s' (outside it)",
                               what, rk->value, rk->closed);
        if (find_calendar(L, cal, what, &r->calendar))
            return -1;
    } else {
        if (closed)
            return tc_doc_fail(&L->d, closed,
                               "%s: '%s' needs a 'calendar' (outside whose open time it applies)", what,
                               rk->closed);
        if (!v)
            return tc_doc_fail(&L->d, item, "%s: missing '%s'", what, rk->value);
        if (parse_period(L, item, what, &r->period))
            return -1;
    }
    r->has_open = v != NULL;
    r->has_closed = closed != NULL;
    return (v && parse_value(L, v, rk->value, rk, &r->open_value)) ||
                   (closed && parse_value(L, closed, rk->closed, rk, &r->closed_value))
               ? -1
               : 0;
}

static int parse_rules(tc_loader *L, tc_node *n, const char *what, const rule_kind *rk, tc_rule **out,
                       int *count)
{
    if (!tc_doc_is(n, TC_NODE_SEQUENCE))
        return tc_doc_fail(&L->d, n, "%s must be a list of entries", what);
    if (!(*out = tc_model_own_(L, sizeof **out * (size_t)n->count)))
        return out_of_memory(L, n);
    for (int i = 0; i < n->count; i++)
        if (parse_rule(L, tc_node_item(n, i), what, rk, &(*out)[i]))
            return -1;
    *count = n->count;
    return 0;
}

/* {days, at, for}: a weekly moment and how long it lasts. */
static int parse_recurring(tc_loader *L, tc_node *item, tc_node *length, const char *what, tc_recurring *w)
{
    tc_node *d = need(L, item, "days", what, "Mon..Sun, a range such as Mon-Fri, or a list");
    tc_node *a = d ? need(L, item, "at", what, "a local time such as \"10:00\"") : NULL;
    double len;
    if (!a || parse_days(L, d, what, &w->days) || parse_minute(L, a, "at", what, &w->minute))
        return -1;
    if (!length)
        return tc_doc_fail(&L->d, item, "%s: missing 'for' (how long, e.g. 15min)", what);
    if (tc_doc_duration(&L->d, length, "for", &len))
        return -1;
    w->length = len * tc_time_unit_seconds(L->m->unit);
    if (!(w->length > 0) || w->length >= WEEK_SECONDS)
        return tc_doc_fail(&L->d, length, "%s: 'for' must be longer than 0 and shorter than a week", what);
    return 0;
}

static int parse_breaks(tc_loader *L, tc_node *n, const char *what, tc_station_calendar *sc)
{
    static const char *const keys[] = {"days", "at", "for", NULL};
    if (!tc_doc_is(n, TC_NODE_SEQUENCE))
        return tc_doc_fail(&L->d, n, "%s must be a list of {days, at, for}", what);
    if (!(sc->breaks = tc_model_own_(L, sizeof *sc->breaks * (size_t)n->count)))
        return out_of_memory(L, n);
    for (int i = 0; i < n->count; i++) {
        tc_node *item = tc_node_item(n, i);
        if (tc_doc_expect_mapping(&L->d, item, n, what) || tc_doc_check_keys(&L->d, item, what, keys) ||
            parse_recurring(L, item, tc_doc_find(item, "for", NULL), what, &sc->breaks[i]))
            return -1;
    }
    sc->n_breaks = n->count;
    return 0;
}

static int parse_station(tc_loader *L, int s, tc_node *v)
{
    static const rule_kind servers = {"servers", "closed_servers", 0, 1000000, 1};
    const tc_station *st = &L->m->plant.stations[s];
    tc_node *schedule = tc_doc_find(v, "schedule", NULL), *at_close = tc_doc_find(v, "at_close", NULL);
    tc_node *breaks = tc_doc_find(v, "breaks", NULL), *failure = tc_doc_find(v, "failure", NULL);
    tc_node *clock = failure ? tc_doc_find(failure, "clock", NULL) : NULL;
    if (!schedule && !at_close && !breaks && !clock)
        return 0;
    tc_plant_calendar *c = calendar_of(L);
    if (!c)
        return out_of_memory(L, v);
    tc_station_calendar *sc = &c->stations[s];
    char what[128];
    const char *x;
    snprintf(what, sizeof what, "station %s schedule", st->name);
    if (schedule && parse_rules(L, schedule, what, &servers, &sc->rules, &sc->n_rules))
        return -1;
    snprintf(what, sizeof what, "station %s breaks", st->name);
    if (breaks && parse_breaks(L, breaks, what, sc))
        return -1;
    if (at_close) {
        if (!(x = tc_doc_scalar(&L->d, at_close, "at_close")))
            return -1;
        if (strcmp(x, "finish") != 0 && strcmp(x, "pause") != 0)
            return tc_doc_fail(&L->d, at_close, "station %s: at_close must be finish or pause, not '%s'",
                               st->name, x);
        sc->pause = !strcmp(x, "pause");
        if (sc->pause && (st->batch_size > 0 || st->has_setup))
            return tc_doc_fail(
                &L->d, at_close,
                "station %s: at_close: pause is not supported at a station with %s (use finish)", st->name,
                st->batch_size > 0 ? "batches" : "changeovers");
    }
    if (clock) {
        if (!(x = tc_doc_scalar(&L->d, clock, "clock")))
            return -1;
        if (strcmp(x, "calendar") != 0 && strcmp(x, "operating") != 0)
            return tc_doc_fail(&L->d, clock,
                               "station %s failure: clock must be calendar or operating, not '%s'", st->name,
                               x);
        sc->operating = !strcmp(x, "operating");
    }
    return 0;
}

static int parse_source(tc_loader *L, int r, tc_node *v)
{
    static const rule_kind factor = {"factor", "closed_factor", 0, 1e6, 0};
    tc_node *rate = tc_doc_find(v, "rate", NULL);
    if (!rate)
        return 0;
    tc_plant_calendar *c = calendar_of(L);
    char what[128];
    snprintf(what, sizeof what, "source %s rate", L->m->plant.sources[r].name);
    if (!c)
        return out_of_memory(L, v);
    return parse_rules(L, rate, what, &factor, &c->sources[r].rules, &c->sources[r].n_rules);
}

/* ---- maintenance ------------------------------------------------------------------ */

/* Whether two runs of planned downtime on one station meet: checked over the runs they can have. */
static int overlaps(const tc_model *m, const tc_maintenance *a, const tc_maintenance *b)
{
    if (!a->repeating && !b->repeating)
        return a->at < b->at + b->every.length && b->at < a->at + a->every.length;
    if (a->repeating && b->repeating) { /* on the week's wall clock, one week either side */
        for (int i = 0; i < 7; i++)
            for (int j = 0; j < 7; j++) {
                if (!(a->every.days >> i & 1) || !(b->every.days >> j & 1))
                    continue;
                double x = (i * 1440.0 + a->every.minute) * 60, y = (j * 1440.0 + b->every.minute) * 60;
                for (int w = -1; w <= 1; w++)
                    if (x < y + w * WEEK_SECONDS + b->every.length &&
                        y + w * WEEK_SECONDS < x + a->every.length)
                        return 1;
            }
        return 0;
    }
    const tc_maintenance *once = a->repeating ? b : a, *every = a->repeating ? a : b;
    double *at = NULL;
    int n = 0, hit = 0;
    if (tc_calendar_occurrences(every->every.days, every->every.minute, &m->zone,
                                once->at - every->every.length, once->at + once->every.length, &at,
                                &n) != TC_OK)
        return 0;
    for (int i = 0; i < n; i++)
        hit |= at[i] < once->at + once->every.length && once->at < at[i] + every->every.length;
    free(at);
    return hit;
}

static int parse_one_maintenance(tc_loader *L, tc_node *item, int i, tc_maintenance *mt)
{
    static const char *const keys[] = {"station", "at", "every", "for", NULL};
    static const char *const every_keys[] = {"days", "at", NULL};
    char what[64];
    snprintf(what, sizeof what, "maintenance[%d]", i);
    if (tc_doc_expect_mapping(&L->d, item, item, what) || tc_doc_check_keys(&L->d, item, what, keys))
        return -1;
    tc_node *st = need(L, item, "station", what, "the station it takes down");
    const char *name = st ? tc_doc_scalar(&L->d, st, "station") : NULL;
    if (!name)
        return -1;
    if ((mt->station = tc_model_station_index(L->m, name)) < 0)
        return tc_doc_fail(&L->d, st, "%s: unknown station '%s'", what, name);
    tc_node *at = tc_doc_find(item, "at", NULL), *every = tc_doc_find(item, "every", NULL);
    tc_node *length = tc_doc_find(item, "for", NULL);
    if (!at == !every)
        return tc_doc_fail(&L->d, item, "%s: give either 'at' (a date and time) or 'every' ({days, at})",
                           what);
    if (every) {
        mt->repeating = 1;
        return tc_doc_expect_mapping(&L->d, every, item, what) ||
                       tc_doc_check_keys(&L->d, every, what, every_keys) ||
                       parse_recurring(L, every, length, what, &mt->every)
                   ? -1
                   : 0;
    }
    const char *s = tc_doc_scalar(&L->d, at, "at");
    if (!s)
        return -1;
    if (tc_iso_parse(s, &mt->at) != 0)
        return tc_doc_fail(
            &L->d, at, "%s: at: '%s' is not an ISO-8601 time with a zone (e.g. 2026-12-08T02:00:00+01:00)",
            what, s);
    mt->every = (tc_recurring){0x7f, 0, 0};
    double len;
    if (!length)
        return tc_doc_fail(&L->d, item, "%s: missing 'for' (how long, e.g. 3h)", what);
    if (tc_doc_duration(&L->d, length, "for", &len))
        return -1;
    mt->every.length = len * tc_time_unit_seconds(L->m->unit);
    if (!(mt->every.length > 0) || !isfinite(mt->every.length))
        return tc_doc_fail(&L->d, length, "%s: 'for' must be longer than 0", what);
    return 0;
}

static int parse_maintenance(tc_loader *L, tc_node *n)
{
    tc_plant_calendar *c = calendar_of(L);
    if (!tc_doc_is(n, TC_NODE_SEQUENCE))
        return tc_doc_fail(&L->d, n, "maintenance must be a list of {station, at | every, for}");
    if (!c || !(c->maintenance = tc_model_own_(L, sizeof *c->maintenance * (size_t)n->count)))
        return out_of_memory(L, n);
    for (int i = 0; i < n->count; i++) {
        tc_maintenance *mt = &c->maintenance[i];
        if (parse_one_maintenance(L, tc_node_item(n, i), i, mt))
            return -1;
        for (int j = 0; j < i; j++)
            if (c->maintenance[j].station == mt->station && overlaps(L->m, &c->maintenance[j], mt))
                return tc_doc_fail(
                    &L->d, tc_node_item(n, i),
                    "maintenance[%d]: overlaps maintenance[%d] on station %s (planned downtime on "
                    "one station must not overlap)",
                    i, j, L->m->plant.stations[mt->station].name);
        c->n_maintenance++;
    }
    return 0;
}

int tc_model_calendar_parse_(tc_loader *L, tc_node *root)
{
    tc_model *m = L->m;
    tc_node *k = NULL, *n;
    if ((n = tc_doc_find(root, "calendars", &k)) && parse_calendars(L, n, k))
        return -1;
    tc_node *stations = tc_doc_find(root, "stations", NULL), *sources = tc_doc_find(root, "sources", NULL);
    for (int s = 0; s < m->plant.n_stations; s++)
        if (parse_station(L, s, tc_node_value(stations, s)))
            return -1;
    for (int r = 0; r < m->plant.n_sources; r++)
        if (parse_source(L, r, tc_node_value(sources, r)))
            return -1;
    if ((n = tc_doc_find(root, "maintenance", NULL)) && parse_maintenance(L, n))
        return -1;
    if (m->calendar && !m->has_start)
        return tc_doc_fail(&L->d, k ? k : root,
                           "a model with a calendar needs 'start' (an ISO-8601 time with a zone, e.g. "
                           "2026-12-07T06:00:00+01:00): its times of day need a date");
    return 0;
}
