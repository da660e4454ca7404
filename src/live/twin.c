/*
 * twin.c - the twin state and the switchboard: event type -> validated
 * mutation.  Nothing is changed until every check of an event has passed.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "twincast/clock.h"
#include "twincast/json_quote.h"
#include "twincast/twin.h"

typedef struct in_service {
    char job[TC_EVENT_ID_MAX];
    double start; /* seconds since the epoch */
} in_service;

typedef struct station_twin {
    int up;
    double down_since;
    int waiting;
    int n, cap;
    in_service *svc;
} station_twin;

typedef struct pending {
    tc_event ev;
    long seq;
    char *raw;
    size_t len;
} pending;

/*
 * Recently seen event ids, for de-duplication: a producer's retry or a
 * replayed message carries the same id.  64-bit hashes in an open-addressing
 * table; the oldest of the last ID_RING ids is forgotten first.
 */
#define ID_RING  65536
#define ID_SLOTS (4 * ID_RING)

typedef struct id_set {
    uint64_t *slot; /* 0 = empty, 1 = deleted */
    uint64_t *ring;
    long next, count;
} id_set;

struct tc_twin {
    const tc_model *m;
    tc_plant plant;   /* parameters as set by events */
    char *overridden; /* [n_params]: set by an event */
    station_twin *st;
    double time;
    tc_twin_counters c;
    pending *q;
    long nq, capq, seq;
    tc_twin_reject_fn on_reject;
    void *user;
    int keep_raw;
    char triggers[512]; /* significant events since the last snapshot, for the record */
    id_set ids;
};

static uint64_t id_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h < 2 ? h + 2 : h;
}

static long id_find(const id_set *ids, uint64_t h)
{
    for (long i = (long)(h % ID_SLOTS), n = 0; n < ID_SLOTS; i = (i + 1) % ID_SLOTS, n++) {
        if (ids->slot[i] == h)
            return i;
        if (ids->slot[i] == 0)
            return -1;
    }
    return -1;
}

/* Returns 1 if the id was seen already, else remembers it (-1: out of memory). */
static int id_seen(id_set *ids, const char *id)
{
    if (!ids->slot) { /* only plants that send ids pay for the table */
        ids->slot = calloc(ID_SLOTS, sizeof *ids->slot);
        ids->ring = calloc(ID_RING, sizeof *ids->ring);
        if (!ids->slot || !ids->ring)
            return -1;
    }
    uint64_t h = id_hash(id);
    if (id_find(ids, h) >= 0)
        return 1;
    if (ids->count == ID_RING) { /* forget the oldest */
        long old = id_find(ids, ids->ring[ids->next]);
        if (old >= 0)
            ids->slot[old] = 1;
        ids->count--;
    }
    long i = (long)(h % ID_SLOTS);
    while (ids->slot[i] > 1)
        i = (i + 1) % ID_SLOTS;
    ids->slot[i] = h;
    ids->ring[ids->next] = h;
    ids->next = (ids->next + 1) % ID_RING;
    ids->count++;
    return 0;
}

tc_twin *tc_twin_create(const tc_model *m)
{
    tc_twin *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->m = m;
    t->time = NAN;
    t->st = calloc((size_t)m->plant.n_stations, sizeof *t->st);
    t->overridden = calloc((size_t)m->n_params + 1, 1);

    if (!t->st || !t->overridden || tc_plant_clone(&t->plant, &m->plant) != TC_OK) {
        tc_twin_destroy(t);
        return NULL;
    }
    for (int s = 0; s < m->plant.n_stations; s++)
        t->st[s].up = 1;
    return t;
}

void tc_twin_destroy(tc_twin *t)
{
    if (!t)
        return;
    if (t->st)
        for (int s = 0; s < t->m->plant.n_stations; s++)
            free(t->st[s].svc);
    for (long i = 0; i < t->nq; i++)
        free(t->q[i].raw);
    free(t->q);
    free(t->ids.slot);
    free(t->ids.ring);
    free(t->st);
    free(t->overridden);
    tc_plant_release(&t->plant);
    free(t);
}

void tc_twin_on_reject(tc_twin *t, tc_twin_reject_fn fn, void *user, int keep_raw)
{
    t->on_reject = fn;
    t->user = user;
    t->keep_raw = keep_raw;
}

double tc_twin_time(const tc_twin *t)
{
    return t->time;
}

void tc_twin_take_triggers(tc_twin *t, char *buf, size_t n)
{
    snprintf(buf, n, "%s", t->triggers);
    t->triggers[0] = '\0';
}
const tc_twin_counters *tc_twin_get_counters(const tc_twin *t)
{
    return &t->c;
}
long tc_twin_pending(const tc_twin *t)
{
    return t->nq;
}
void tc_twin_count_rejected(tc_twin *t, tc_reject why)
{
    t->c.offered++;
    t->c.rejected[why]++;
}

static int find_job(const station_twin *st, const char *job)
{
    for (int i = 0; i < st->n; i++)
        if (!strcmp(st->svc[i].job, job))
            return i;
    return -1;
}

static int servers_now(const tc_twin *t, int s)
{
    return t->plant.stations[s].servers;
}

#define REJECT(code, ...)                                                                                    \
    do {                                                                                                     \
        snprintf(why, whylen, __VA_ARGS__);                                                                  \
        return code;                                                                                         \
    } while (0)

/* Checks everything first; the mutation at the end cannot fail. */
tc_reject tc_twin_apply(tc_twin *t, const tc_event *ev, char *why, size_t whylen)
{
    const tc_model *m = t->m;
    if (ev->type != TC_EV_SET && (ev->station < 0 || ev->station >= m->plant.n_stations))
        REJECT(TC_REJ_UNKNOWN_STATION,
               "no such station"); /* the parser guarantees it; the switchboard checks */
    if (ev->type == TC_EV_SET && (ev->param < 0 || ev->param >= m->n_params))
        REJECT(TC_REJ_UNKNOWN_PATH, "no such parameter");
    station_twin *st = ev->type != TC_EV_SET ? &t->st[ev->station] : NULL;
    int late = !isnan(t->time) && ev->ts < t->time;
    /* only an arrival counts something up: applied twice, it would count twice */
    if (late && ev->type == TC_EV_ARRIVE)
        REJECT(TC_REJ_LATE, "arrival at %s older than the state; not idempotent",
               m->plant.stations[ev->station].name);
    int k;
    switch (ev->type) {
    case TC_EV_DOWN:
        if (st->up) {
            st->up = 0;
            st->down_since = ev->ts;
        }
        break;
    case TC_EV_UP: st->up = 1; break;
    case TC_EV_ARRIVE: {
        int buffer = t->plant.stations[ev->station].buffer;
        if (buffer != TC_UNLIMITED && st->waiting >= buffer)
            REJECT(TC_REJ_OVER_CAPACITY, "%s: arrival beyond its buffer of %d",
                   m->plant.stations[ev->station].name, buffer);
        st->waiting++;
        break;
    }
    case TC_EV_START:
        if (find_job(st, ev->job) >= 0)
            break; /* seen already: idempotent */
        if (st->n >= servers_now(t, ev->station))
            REJECT(TC_REJ_OVER_CAPACITY, "%s: job %s starts but all %d servers are busy",
                   m->plant.stations[ev->station].name, ev->job, servers_now(t, ev->station));
        if (st->n == st->cap) {
            int ncap = st->cap ? st->cap * 2 : 4;
            in_service *ns = realloc(st->svc, sizeof *ns * (size_t)ncap);
            if (!ns)
                REJECT(TC_REJ_OVER_CAPACITY, "out of memory");
            st->svc = ns;
            st->cap = ncap;
        }
        if (st->waiting > 0)
            st->waiting--;
        snprintf(st->svc[st->n].job, TC_EVENT_ID_MAX, "%s", ev->job);
        st->svc[st->n++].start = ev->ts;
        break;
    case TC_EV_FINISH:
        if ((k = find_job(st, ev->job)) < 0) {
            if (late)
                break; /* finished already: idempotent */
            REJECT(TC_REJ_UNKNOWN_JOB, "%s: job %s is not in service there",
                   m->plant.stations[ev->station].name, ev->job);
        }
        st->svc[k] = st->svc[--st->n];
        break;
    case TC_EV_WAITING: {
        int buffer = t->plant.stations[ev->station].buffer;
        if (buffer != TC_UNLIMITED && ev->value > buffer)
            REJECT(TC_REJ_OVER_CAPACITY, "%s: %g waiting exceeds its buffer of %d",
                   m->plant.stations[ev->station].name, ev->value, buffer);
        st->waiting = (int)ev->value;
        break;
    }
    case TC_EV_SET: {
        const tc_param *q = &m->params[ev->param];
        if (q->field == TC_FIELD_SERVERS && ev->value < 1)
            REJECT(TC_REJ_OUT_OF_RANGE, "%s: a station keeps at least one server (use a down event)",
                   q->path);
        char reason[256];
        if (tc_plant_set(&t->plant, q, ev->value, reason, sizeof reason) != TC_OK) /* atomic by itself */
            REJECT(TC_REJ_OUT_OF_RANGE, "%s", reason);
        t->overridden[ev->param] = 1;
        break;
    }
    default: REJECT(TC_REJ_UNKNOWN_TYPE, "unknown type");
    }
    if (tc_event_is_significant(ev->type)) {
        char iso[40], one[160];
        size_t used = strlen(t->triggers);
        tc_iso_format(ev->ts, iso, sizeof iso);
        snprintf(one, sizeof one, "%s%s %s at %s", used ? "; " : "", tc_event_type_name(ev->type),
                 ev->type == TC_EV_SET ? m->params[ev->param].path : m->plant.stations[ev->station].name,
                 iso);
        if (used + strlen(one) < sizeof t->triggers - 4)
            strcat(t->triggers, one);
        else if (used < sizeof t->triggers - 4 && !strstr(t->triggers, "..."))
            strcat(t->triggers, "; ...");
    }
    if (late)
        t->c.late++;
    else
        t->time = ev->ts;
    t->c.applied++;
    t->c.by_type[ev->type]++;
    return TC_REJ_NONE;
}

tc_status tc_twin_offer(tc_twin *t, const tc_event *ev, const char *raw, size_t len)
{
    int seen = ev->id[0] ? id_seen(&t->ids, ev->id) : 0;
    if (seen < 0)
        return TC_ERR_RUNTIME;
    if (seen) {
        t->c.offered++;
        t->c.rejected[TC_REJ_DUPLICATE]++;
        if (t->on_reject)
            t->on_reject(t->user, raw, len, TC_REJ_DUPLICATE, "an event with this id was seen already");
        return TC_OK;
    }
    if (t->nq == t->capq) {
        long ncap = t->capq ? t->capq * 2 : 256;
        pending *nq = realloc(t->q, sizeof *nq * (size_t)ncap);
        if (!nq)
            return TC_ERR_RUNTIME;
        t->q = nq;
        t->capq = ncap;
    }
    pending *p = &t->q[t->nq];
    p->ev = *ev;
    p->seq = t->seq++;
    p->len = raw ? len : 0;
    p->raw = NULL;
    if (raw && t->keep_raw) { /* a copy only if rejected messages go somewhere */
        if (!(p->raw = malloc(len + 1)))
            return TC_ERR_RUNTIME;
        memcpy(p->raw, raw, len);
        p->raw[len] = '\0';
    }
    t->nq++;
    t->c.offered++;
    return TC_OK;
}

static int cmp_pending(const void *a, const void *b)
{
    const pending *x = a, *y = b;
    if (x->ev.ts != y->ev.ts)
        return x->ev.ts < y->ev.ts ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

long tc_twin_settle(tc_twin *t)
{
    long applied = 0;
    if (t->nq == 0)
        return 0; /* qsort(NULL, 0) is undefined behaviour (found by fuzzing) */
    qsort(t->q, (size_t)t->nq, sizeof *t->q, cmp_pending);
    for (long i = 0; i < t->nq; i++) {
        char why[256];
        tc_reject r = tc_twin_apply(t, &t->q[i].ev, why, sizeof why);
        if (r == TC_REJ_NONE) {
            applied++;
        } else {
            t->c.rejected[r]++;
            if (r == TC_REJ_LATE)
                t->c.late++;
            if (t->on_reject)
                t->on_reject(t->user, t->q[i].raw, t->q[i].len, r, why);
        }
        free(t->q[i].raw);
    }
    t->nq = 0;
    return applied;
}

/* ---- snapshots ------------------------------------------------------------------ */

typedef struct sbuf {
    char *s;
    size_t len, cap;
    int bad;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    for (;;) {
        if (b->bad)
            return;
        va_list ap;
        va_start(ap, fmt);
        // NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): started just above
        int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->bad = 1;
            return;
        }
        if (b->s && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        size_t ncap = b->cap ? b->cap * 2 : 1024;
        while (ncap < b->len + (size_t)n + 1)
            ncap *= 2;
        char *ns = realloc(b->s, ncap);
        if (!ns) {
            b->bad = 1;
            return;
        }
        b->s = ns;
        b->cap = ncap;
    }
}

static void sb_string(sbuf *b, const char *s)
{
    size_t n = tc_json_quote(NULL, 0, s);
    char *q = malloc(n + 1);
    if (!q) {
        b->bad = 1;
        return;
    }
    tc_json_quote(q, n + 1, s);
    sb_printf(b, "%s", q);
    free(q);
}

char *tc_twin_snapshot_json(const tc_twin *t, double at)
{
    const tc_model *m = t->m;
    double unit = tc_time_unit_seconds(m->unit);
    char iso[64];
    sbuf b = {0};
    tc_iso_format(at, iso, sizeof iso);
    sb_printf(&b, "{\"as_of\": \"%s\",\n \"stations\": {", iso);
    for (int s = 0; s < m->plant.n_stations; s++) {
        const station_twin *st = &t->st[s];
        sb_printf(&b, "%s\n  ", s ? "," : "");
        sb_string(&b, m->plant.stations[s].name);
        sb_printf(&b, ": {\"up\": %s, ", st->up ? "true" : "false");
        if (!st->up) {
            double d = (at - st->down_since) / unit;
            sb_printf(&b, "\"down_for\": %.17g, ", d > 0 ? d : 0.0);
        }
        sb_printf(&b, "\"waiting\": %d, \"in_service\": [", st->waiting);
        for (int k = 0; k < st->n; k++) {
            double e = (at - st->svc[k].start) / unit;
            sb_printf(&b, "%s%.17g", k ? ", " : "", e > 0 ? e : 0.0);
        }
        sb_printf(&b, "], \"in_service_jobs\": [");
        for (int k = 0; k < st->n; k++) {
            sb_printf(&b, "%s", k ? ", " : "");
            sb_string(&b, st->svc[k].job);
        }
        sb_printf(&b, "]}");
    }
    sb_printf(&b, "},\n \"params\": {");
    int first = 1;
    for (int i = 0; i < m->n_params; i++)
        if (t->overridden[i]) {
            sb_printf(&b, "%s\"%s\": %.17g", first ? "" : ", ", m->params[i].path,
                      tc_plant_get(&t->plant, &m->params[i]));
            first = 0;
        }
    sb_printf(&b, "}}\n");
    if (b.bad) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

tc_status tc_twin_restore(tc_twin *t, const char *json, const char *origin, char *err, size_t errlen)
{
    const tc_model *m = t->m;
    tc_state *s = NULL;
    tc_status st = tc_state_parse_json(m, json, strlen(json), origin, &s, err, errlen);
    if (st != TC_OK)
        return st;
    double at;
    if (tc_iso_parse(s->as_of, &at) != 0) {
        snprintf(err, errlen, "%s: as_of '%s' is not ISO-8601 with a zone", origin, s->as_of);
        tc_state_destroy(s);
        return TC_ERR_INPUT;
    }
    double unit = tc_time_unit_seconds(m->unit);
    tc_plant_copy(&t->plant, &m->plant);
    memset(t->overridden, 0, (size_t)m->n_params);
    for (int k = 0; k < s->n_overrides; k++) {
        char why[256];
        tc_plant_set(&t->plant, &m->params[s->overrides[k].param], s->overrides[k].value, why, sizeof why);
        t->overridden[s->overrides[k].param] = 1;
    }
    for (int i = 0; i < m->plant.n_stations; i++) {
        const tc_station_state *ss = &s->stations[i];
        station_twin *tw = &t->st[i];
        tw->up = ss->up;
        tw->down_since = at - ss->down_for * unit;
        tw->waiting = ss->waiting;
        tw->n = 0;
        if (ss->n_in_service > tw->cap) {
            in_service *ns = realloc(tw->svc, sizeof *ns * (size_t)ss->n_in_service);
            if (!ns) {
                tc_state_destroy(s);
                snprintf(err, errlen, "out of memory");
                return TC_ERR_RUNTIME;
            }
            tw->svc = ns;
            tw->cap = ss->n_in_service;
        }
        for (int k = 0; k < ss->n_in_service; k++) {
            tw->svc[k].start = at - ss->in_service[k] * unit;
            if (ss->jobs)
                snprintf(tw->svc[k].job, TC_EVENT_ID_MAX, "%s", ss->jobs[k]);
            else
                snprintf(tw->svc[k].job, TC_EVENT_ID_MAX, "restored-%d", k);
        }
        tw->n = ss->n_in_service;
    }
    t->time = at;
    tc_state_destroy(s);
    return TC_OK;
}
