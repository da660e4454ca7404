/*
 * twin.c - the twin state and the switchboard: event type -> validated
 * mutation.  Nothing is changed until every check of an event has passed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "twin_internal.h"
#include "twincast/clock.h"

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
    int cal_failed = 0;
    t->cal = tc_calibration_create(m, &cal_failed);
    if (!t->st || !t->overridden || cal_failed || tc_plant_clone(&t->plant, &m->plant) != TC_OK) {
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
        for (int s = 0; s < t->m->plant.n_stations; s++) {
            free(t->st[s].svc);
            free(t->st[s].line);
        }
    for (long i = 0; i < t->nq; i++)
        free(t->q[i].raw);
    free(t->q);
    free(t->ids.slot);
    free(t->ids.ring);
    free(t->st);
    free(t->overridden);
    tc_calibration_destroy(t->cal);
    tc_plant_release(&t->plant);
    free(t);
}

void tc_twin_on_reject(tc_twin *t, tc_twin_reject_fn fn, void *user, int keep_raw)
{
    t->on_reject = fn;
    t->user = user;
    t->keep_raw = keep_raw;
}

void tc_twin_on_apply(tc_twin *t, tc_twin_watch_fn fn, void *user)
{
    t->on_apply = fn;
    t->apply_user = user;
}

int tc_twin_waiting(const tc_twin *t, int s)
{
    return t->st[s].waiting;
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

static int servers_now(const tc_twin *t, int s)
{
    return t->plant.stations[s].servers;
}

/*
 * Room for a job starting at `ts`.  At a batch station the jobs that start
 * at one instant are one batch, up to its size, and each batch takes a
 * server (as the snapshot will write them).
 */
static int room_to_start(const tc_twin *t, int s, double ts)
{
    const station_twin *st = &t->st[s];
    int size = t->plant.stations[s].batch_size;
    if (size <= 0)
        return st->n < servers_now(t, s);
    int same = 0, batches = 0;
    for (int k = 0; k < st->n; k++) {
        int first = 1; /* the first job of its start time counts its batch */
        for (int j = 0; j < k && first; j++)
            first = st->svc[j].start != st->svc[k].start;
        batches += first;
        same += st->svc[k].start == ts;
    }
    return same ? same < size : batches < servers_now(t, s);
}

/* A changeover the model knows of: else a `setup` event is taken as the start of processing. */
static int has_changeover(const tc_twin *t, int s, int product)
{
    const tc_model *m = t->m;
    int k = tc_model_route_step(m, product, s);
    return k >= 0 && (t->plant.stations[s].has_setup ||
                      t->plant.steps[m->plant.sources[product].first_step + k].has_setup);
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
    int k, product = ev->product;
    double started = NAN; /* for calibration: a finishing job's processing start, or a changeover's start */
    if (product < 0 && ev->type != TC_EV_SET)
        product = tc_twin_default_product(t, ev->station);
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
        if (tc_twin_line_join(st, product, ev->ts, 1))
            REJECT(TC_REJ_OVER_CAPACITY, "out of memory");
        break;
    }
    case TC_EV_SETUP:
    case TC_EV_START:
        if ((k = tc_twin_service_find(st, ev->job)) >= 0) {
            if (ev->type == TC_EV_START && st->svc[k].setup) { /* the changeover is over: processing */
                started = st->svc[k].start;                    /* when it began, for calibration */
                product = st->svc[k].product;
                st->svc[k].setup = 0;
                st->svc[k].start = ev->ts;
            }
            break; /* else seen already: idempotent */
        }
        if (!room_to_start(t, ev->station, ev->ts))
            REJECT(TC_REJ_OVER_CAPACITY, "%s: job %s starts but all %d servers are busy",
                   m->plant.stations[ev->station].name, ev->job, servers_now(t, ev->station));
        if (tc_twin_service_reserve(st))
            REJECT(TC_REJ_OVER_CAPACITY, "out of memory");
        tc_twin_line_take(st, product);
        snprintf(st->svc[st->n].job, TC_EVENT_ID_MAX, "%s", ev->job);
        st->svc[st->n].product = product;
        st->svc[st->n].setup = ev->type == TC_EV_SETUP && has_changeover(t, ev->station, product);
        st->svc[st->n++].start = ev->ts;
        break;
    case TC_EV_SCRAP:
    case TC_EV_FINISH:
        if ((k = tc_twin_service_find(st, ev->job)) < 0) {
            if (late)
                break; /* finished already: idempotent */
            REJECT(TC_REJ_UNKNOWN_JOB, "%s: job %s is not in service there",
                   m->plant.stations[ev->station].name, ev->job);
        }
        if (!st->svc[k].setup)
            started = st->svc[k].start;
        product = st->svc[k].product;
        st->svc[k] = st->svc[--st->n];
        break;
    case TC_EV_WAITING: {
        int buffer = t->plant.stations[ev->station].buffer;
        if (buffer != TC_UNLIMITED && ev->value > buffer)
            REJECT(TC_REJ_OVER_CAPACITY, "%s: %g waiting exceeds its buffer of %d",
                   m->plant.stations[ev->station].name, ev->value, buffer);
        if (tc_twin_line_set(st, (long)ev->value, product, ev->ts))
            REJECT(TC_REJ_OVER_CAPACITY, "out of memory");
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
        tc_calibration_reprior(t->cal, ev->param,
                               ev->value); /* a calibrated value set: the estimate restarts */
        break;
    }
    default: REJECT(TC_REJ_UNKNOWN_TYPE, "unknown type");
    }
    tc_calibration_observe(t->cal, ev, product, started);
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
    if (t->on_apply)
        t->on_apply(t->apply_user, st ? ev->station : -1, st ? st->waiting : 0, ev->ts);
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

/*
 * Among events of one timestamp, what frees comes before what takes: a
 * job's finish before the next job's start on its server, an arrival
 * before the start that takes it from the line, capacity back (up, set)
 * before starts, a breakdown last.  Telemetry stamped to the millisecond
 * often has a finish and the next start at the same instant, and a
 * producer's retry (or another partition) can send them in either order.
 */
static int causal_rank(tc_event_type type)
{
    switch (type) {
    case TC_EV_FINISH:
    case TC_EV_SCRAP: return 0;
    case TC_EV_UP:
    case TC_EV_SET: return 1;
    case TC_EV_ARRIVE:
    case TC_EV_WAITING: return 2;
    case TC_EV_SETUP: return 3;
    case TC_EV_START: return 4;
    default: return 5; /* down */
    }
}

/*
 * Orders q[a, b) (one timestamp, in arrival order) by causal rank, keeping
 * each job's own events in the order they came (a job's start before its
 * own finish, even at one instant).  Groups are a few events: quadratic.
 */
static void causal_order(pending *q, long a, long b)
{
    for (long k = a; k < b - 1; k++) {
        long best = -1;
        for (long j = k; j < b; j++) {
            int ready = 1; /* no earlier event of the same job still to place */
            for (long i = k; ready && i < j; i++)
                ready = !q[j].ev.job[0] || strcmp(q[i].ev.job, q[j].ev.job) != 0;
            if (ready && (best < 0 || causal_rank(q[j].ev.type) < causal_rank(q[best].ev.type)))
                best = j;
        }
        if (best > k) { /* move it to k, the others keep their order */
            pending x = q[best];
            memmove(&q[k + 1], &q[k], sizeof *q * (size_t)(best - k));
            q[k] = x;
        }
    }
}

long tc_twin_settle(tc_twin *t)
{
    long applied = 0;
    if (t->nq == 0)
        return 0; /* qsort(NULL, 0) is undefined behaviour (found by fuzzing) */
    qsort(t->q, (size_t)t->nq, sizeof *t->q, cmp_pending);
    for (long a = 0, b; a < t->nq; a = b) {
        for (b = a + 1; b < t->nq && t->q[b].ev.ts == t->q[a].ev.ts; b++)
            ;
        if (b - a > 1)
            causal_order(t->q, a, b);
    }
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
