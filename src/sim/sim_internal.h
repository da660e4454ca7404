/*
 * sim_internal.h - one replication's state, shared by the engine's files:
 * engine.c (events, jobs, stations, the loop), changeover.c (servers that
 * remember their last product) and batch.c (stations that serve groups).
 *
 * The primitive steps every file takes - the calendar, the levels whose
 * time integrals make the measures, the in-service list - are defined here
 * as static functions, so that each file keeps them inlinable on its hot
 * path.  Functions one file offers the others are tc_sim_* with hidden
 * visibility: internal to the library.
 */
#ifndef TWINCAST_SIM_INTERNAL_H
#define TWINCAST_SIM_INTERNAL_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_assert.h"
#include "twincast/engine.h"

#define TC_SIM_INTERNAL __attribute__((visibility("hidden")))
#define TC_SIM_SHARED   static __attribute__((unused))

enum { EV_ARRIVAL, EV_FINISH, EV_FAIL, EV_REPAIR, EV_CHANGE, EV_MARK, EV_SETUP_END, EV_BATCH_DUE, EV_SHIFT };

/* Why a station is down: any of these; up when none. */
enum {
    DOWN_FAILED = 1,
    DOWN_HELD = 2 /* by a scenario, or a start state without failures */,
    DOWN_MAINT = 4
};

typedef struct event {
    double t;
    uint64_t order; /* insertion sequence << 4 | type: FIFO among equal times */
    uint32_t a;     /* source, job, station or change index */
    uint32_t token;
} event;

#define EV_TYPE(e) ((uint32_t)((e)->order & 15u))

typedef struct job {
    double arrival;
    union {
        double finish; /* in service: its scheduled end */
        double joined; /* in a waiting line: when it joined (a batch's max_wait counts from it) */
    };
    double remaining; /* while interrupted */
    int source;
    int step;     /* index into the source's route */
    int station;  /* where it is (in service, waiting, or held blocked) */
    int holder;   /* while blocked: station index, or -1 - source */
    int slot;     /* position in the station's in-service list */
    int priority; /* in a waiting line: its product's priority when it joined */
    int reworks;  /* passes sent back by a rework decision */
    int server;   /* at a changeover station: its server record; at a batch station: its batch; else -1 */
    uint32_t token;
    union {            /* 64 bytes in all: a job's index is a shift */
        int initial;   /* live: part of the start state, arrival time unknown */
        int next_free; /* on the free list */
    };
} job;

typedef struct ring { /* FIFO of job ids, grows by doubling */
    int *v;
    int cap, head, len;
} ring;

/* Integrals from time 0 up to some time; the one at the warm-up is subtracted. */
typedef struct measures {
    double wait, busy, blocked, idle, uptime, avail, bn, maint;
    long departures;
} measures;

/* At stations with changeovers each server is tracked: the product it last ran, since when it is free. */
typedef struct server_rt {
    int product; /* -1: never worked, so no changeover */
    int held;    /* serving, in a changeover, or holding a blocked job */
    double free_since;
    double setup_end;  /* while in a changeover: when it ends */
    double setup_left; /* a changeover interrupted by a failure: what remains */
} server_rt;

/* A station's changeovers, kept apart so that plants without them keep station_rt small. */
typedef struct changeover_rt {
    server_rt *srv; /* [nsrv] */
    int nsrv, srvcap;
    int in_setup;     /* servers in a changeover (counted in busy too) */
    double k_setup;   /* integral of in_setup, as the station's k_ levels */
    double at_warmup; /* the integral at the warm-up */
    tc_rng rng;
} changeover_rt;

/* One server's batch: in process (its first job is in the in-service list), or leaving. */
typedef struct batch_rt {
    int *jobs;
    int n, cap;
    int left; /* jobs still at the station: the server is held until none is */
    int used;
} batch_rt;

/* A batch station's batches, kept apart like changeovers. */
typedef struct batching_rt {
    batch_rt *b; /* [nb]: a record per batch under way, reused */
    int nb, bcap;
    double oldest;        /* earliest `joined` in the waiting line; +inf when empty */
    double due;           /* when the pending max_wait event fires; NaN: none */
    uint32_t due_token;   /* a later one voids the pending event */
    long started, served; /* batches started since the warm-up, and their jobs */
} batching_rt;

typedef struct station_rt {
    tc_station *cfg; /* into the replication's plant copy */
    int busy, blocked, up, down_why;
    ring queue;             /* waiting jobs */
    ring blockers;          /* jobs held upstream, waiting for room here */
    int *svc, nsvc, svccap; /* jobs in service, running or interrupted */
    uint32_t fail_token;
    int servers, buffer, threshold; /* cached from the replication's plant */
    int step_process;               /* some route step sets its own process time here */
    int batching;                   /* serves batches: see sim->ba (here, a hole before the doubles) */
    int slow_pull;                  /* batching, or jobs paused by at_close: station_pull's rare path */
    /*
     * Time integrals of piecewise-constant levels, kept as k = sum of
     * (change * time of change), so that integral(t) = level * t - k: a
     * change costs one multiply-add and nothing is done between changes.
     */
    double k_wait, k_busy, k_blocked, k_idle, k_up, k_avail;
    int setups; /* the station or a step there has a changeover time: see sim->co */
    int idle;   /* idle servers while up: never negative */
    double bn;  /* time as momentary bottleneck */
    long departures;
    measures at_warmup;
    double prev_wait, prev_bn; /* integrals at the last bin edge */
    int max_wait;
    double onset;
    int active;
    double active_since;
    double inactive_at, previous_since; /* to bridge zero-length gaps */
    tc_rng rng_process, rng_failure;
    /* the timetable's, rarely touched */
    ring paused;                   /* at_close pause: jobs interrupted by a capacity drop, in order */
    int pausing;                   /* at_close: pause */
    int op_piece;                  /* failure.clock operating: where on its time scale */
    const tc_time_scale *op_scale; /* or NULL: time to failure runs on the calendar */
    double k_maint;                /* integral of being in maintenance, as the k_ levels */
} station_rt;

typedef struct source_rt {
    tc_rng rng;
    tc_rng rng_routing; /* rework and scrap: drawn only at steps that have them */
    double sum_time;
    long done, scrapped, reworks; /* reworks: of the jobs that left */
    const tc_time_scale *lambda;  /* rate factors: its cumulative intensity; NULL: constant rate */
    int piece;                    /* where on it */
} source_rt;

struct tc_sim {
    /* touched by every event: first, together */
    event *heap;
    int nheap, heapcap;
    uint64_t seq;
    double now;
    job *jobs;
    int njobs, free_job;
    station_rt *st;
    source_rt *src;
    long departures;
    uint64_t events;
    int bn_cur;
    double bn_last;
    int prioritised;       /* priorities differ, or a scenario changes one: order waiting lines */
    int reworks_or_scraps; /* some route step may rework or scrap */
    int any_setups;
    const tc_model *m;
    tc_plant plant; /* per replication */
    tc_run_cfg cfg;
    int S, R, T;
    double inv_bin;
    int bins_done; /* bin edges passed */
    int warmup_done;
    uint32_t replication;
    tc_result *out;
    /* set-up */
    tc_plant base; /* model + state overrides */
    const tc_state *state;
    const tc_scenario *scenario;
    int *entry_source, *entry_step; /* where a job found at a station continues */
    int *route_step;                /* [source * S + station]: its route's step there, or -1 */
    unsigned char *step_process;    /* [station]: some route step sets its own process time there */
    unsigned char *setup_at;        /* [station]: the station or a step there has a changeover time */
    changeover_rt *co;              /* [station] */
    batching_rt *ba;                /* [station] */
    const tc_timetable *tt;         /* or NULL */
    int shift_next;                 /* the timetable's next change */
    tc_trace_fn trace;              /* telemetry out (the emulator), or NULL */
    void *trace_user;
};

/* Telemetry: only in the emulator's copy of the engine (engine_traced.c); nothing in the plain one. */
TC_SIM_INTERNAL void tc_sim_trace_emit(tc_sim *sim, tc_trace_kind kind, int s, int id);
#ifdef TC_SIM_TRACED
#define SIM_TRACE(sim, kind, s, id)                                                                          \
    do {                                                                                                     \
        if ((sim)->trace)                                                                                    \
            tc_sim_trace_emit((sim), (kind), (s), (id));                                                     \
    } while (0)
#else
#define SIM_TRACE(sim, kind, s, id) ((void)0)
#endif

/*
 * TC_SIM_CHECK stays on in every build: its few checks guard results that
 * would otherwise be silently wrong.  tc_assert (sim_assert.h) is compiled
 * in for debug, sanitizer and fuzz builds only, so it may sit on the hot
 * path.  Both report through tc_sim_assert_fail().
 */
#define TC_SIM_CHECK(sim, cond)                                                                              \
    do {                                                                                                     \
        if (!(cond))                                                                                         \
            tc_sim_assert_fail(sim, #cond, __FILE__, __LINE__);                                              \
    } while (0)

/* A station's counts agree: never negative, and the busy servers are the jobs (batches) in service while up.
 */
#define tc_assert_station(sim, st)                                                                           \
    do {                                                                                                     \
        tc_assert(sim, (st)->busy >= 0 && (st)->blocked >= 0 && (st)->nsvc >= 0 && (st)->queue.len >= 0);    \
        tc_assert(sim, (st)->up ? (st)->busy == (st)->nsvc : (st)->busy == 0);                               \
        tc_assert(sim, ((st)->idle > 0) == ((st)->up && (st)->busy + (st)->blocked < (st)->servers));        \
    } while (0)

/* ---- offered by engine.c ---- */
TC_SIM_INTERNAL void *tc_sim_grow(void *p, int *cap, size_t elem, int min);
TC_SIM_INTERNAL void tc_sim_bn_rescan(tc_sim *sim);
TC_SIM_INTERNAL void tc_sim_start_service(tc_sim *sim, int s, int id, double duration, int initial);
TC_SIM_INTERNAL void tc_sim_advance(tc_sim *sim, int id, int holder);
TC_SIM_INTERNAL int tc_sim_job_new(tc_sim *sim, int source, int step, int initial);

/* ---- changeover.c ---- */
TC_SIM_INTERNAL void tc_changeover_cover(tc_sim *sim, int s);
TC_SIM_INTERNAL void tc_changeover_start(tc_sim *sim, int s, int id, double duration, int initial);
TC_SIM_INTERNAL void tc_changeover_release(tc_sim *sim, int s, int server);
TC_SIM_INTERNAL void tc_changeover_remember(tc_sim *sim, int s, const int *last_product, int n);
TC_SIM_INTERNAL void tc_changeover_place(tc_sim *sim, int s, int id, double setup_left, double process);
TC_SIM_INTERNAL void tc_changeover_end(tc_sim *sim, int id);
TC_SIM_INTERNAL void tc_changeover_down(tc_sim *sim, int s);
TC_SIM_INTERNAL void tc_changeover_up(tc_sim *sim, int s);
TC_SIM_INTERNAL void tc_changeover_reset(tc_sim *sim, int s);
TC_SIM_INTERNAL void tc_changeover_warmup(tc_sim *sim);
TC_SIM_INTERNAL double tc_changeover_time(const tc_sim *sim, int s, double end);

/* ---- batch.c ---- */
TC_SIM_INTERNAL void tc_batch_joined(tc_sim *sim, int s, int id);
TC_SIM_INTERNAL void tc_batch_fill(tc_sim *sim, int s);
TC_SIM_INTERNAL void tc_batch_done(tc_sim *sim, int s, int first);
TC_SIM_INTERNAL void tc_batch_left(tc_sim *sim, int s, int batch);
TC_SIM_INTERNAL void tc_batch_place(tc_sim *sim, int s, int source, int step, int n, double rest);
TC_SIM_INTERNAL void tc_batch_queued(tc_sim *sim, int s);
TC_SIM_INTERNAL void tc_batch_reset(tc_sim *sim, int s);
TC_SIM_INTERNAL double tc_batch_mean(const tc_sim *sim, int s);

/* ---- primitive steps ------------------------------------------------------ */

static inline void ring_push(ring *r, int x)
{
    if (r->len == r->cap) {
        int old = r->cap;
        r->v = tc_sim_grow(r->v, &r->cap, sizeof *r->v, 16);
        /* unwrap: move the wrapped head segment to the end of the new space */
        if (r->head + r->len > old) {
            int tail = old - r->head;
            memmove(r->v + r->cap - tail, r->v + r->head, sizeof *r->v * (size_t)tail);
            r->head = r->cap - tail;
        }
    }
    int i = r->head + r->len;
    if (i >= r->cap)
        i -= r->cap;
    r->v[i] = x;
    r->len++;
}

TC_SIM_SHARED int ring_pop(ring *r)
{
    int x = r->v[r->head];
    if (++r->head == r->cap)
        r->head = 0;
    r->len--;
    return x;
}

/* The k-th job of a ring, from its head. */
static inline int ring_at(const ring *r, int k)
{
    int i = r->head + k;
    return r->v[i >= r->cap ? i - r->cap : i];
}

/*
 * Event times are never negative, and the bits of non-negative doubles
 * order as unsigned integers do; so (time, order) compares as one 128-bit
 * integer: no branch on ties, which the calendar meets on every sift.
 */
static inline unsigned __int128 ev_key(const event *e)
{
    uint64_t bits;
    memcpy(&bits, &e->t, sizeof bits);
    return (unsigned __int128)bits << 64 | e->order;
}

static inline int ev_before(const event *x, const event *y)
{
    return ev_key(x) < ev_key(y);
}

/* The calendar is a binary heap on (t, seq). */
TC_SIM_SHARED void schedule(tc_sim *sim, double t, uint32_t type, uint32_t a, uint32_t token)
{
    if (sim->nheap == sim->heapcap)
        sim->heap = tc_sim_grow(sim->heap, &sim->heapcap, sizeof *sim->heap, 64);
    TC_SIM_CHECK(sim, t >= 0);                               /* ev_key's premise; NaN fails it too */
    event e = {t + 0.0, (sim->seq++ << 4) | type, a, token}; /* + 0.0: -0 becomes +0 */
    int i = sim->nheap++;
    while (i > 0) {
        int p = (i - 1) / 2;
        if (!ev_before(&e, &sim->heap[p]))
            break;
        sim->heap[i] = sim->heap[p];
        i = p;
    }
    sim->heap[i] = e;
}

static inline void level_step(double *k, int delta, double now)
{
    *k += delta * now;
}

/* Idle servers: up, neither busy nor blocked.  Zero, not negative, while a
 * shrink is still draining the jobs above the new capacity. */
TC_SIM_SHARED void idle_refresh(tc_sim *sim, station_rt *st)
{
    int idle = st->up ? st->servers - st->busy - st->blocked : 0;
    if (idle < 0)
        idle = 0;
    if (idle != st->idle) {
        level_step(&st->k_idle, idle - st->idle, sim->now);
        st->idle = idle;
    }
}

TC_SIM_SHARED void busy_step(tc_sim *sim, station_rt *st, int delta)
{
    st->busy += delta;
    level_step(&st->k_busy, delta, sim->now);
    idle_refresh(sim, st);
    tc_assert_station(sim, st);
}

/* Blocked server-time counts while the station is up, like available time. */
TC_SIM_SHARED void blocked_step(tc_sim *sim, station_rt *st, int delta)
{
    st->blocked += delta;
    if (st->up)
        level_step(&st->k_blocked, delta, sim->now);
    idle_refresh(sim, st);
    tc_assert_station(sim, st);
}

TC_SIM_SHARED void bn_credit(tc_sim *sim)
{
    double dt = sim->now - sim->bn_last;
    sim->bn_last = sim->now;
    if (sim->bn_cur >= 0 && dt > 0)
        sim->st[sim->bn_cur].bn += dt;
}

/*
 * Active period: working, down or in repair; starved or blocked: inactive.
 * A station that hands over from one job to the next at the same instant
 * never stops being active: a gap of zero length does not end its period.
 * A new period is the shortest there is, so it changes the bottleneck only
 * when there was none (or on a tie, which the lower index wins); a period
 * that ends matters only if it was the bottleneck's.
 */
/* s: st's index, passed rather than derived (a division by sizeof *st on a hot path). */
TC_SIM_SHARED void activity_changed(tc_sim *sim, station_rt *st, int s)
{
    int a = st->busy > 0 || !st->up;
    if (a == st->active)
        return;
    st->active = a;
    int cur = sim->bn_cur;
    if (a) {
        st->active_since = st->inactive_at == sim->now ? st->previous_since : sim->now;
        double since = st->active_since;
        if (cur < 0 || since < sim->st[cur].active_since || (since == sim->st[cur].active_since && s < cur)) {
            bn_credit(sim);
            sim->bn_cur = s;
        }
    } else {
        st->inactive_at = sim->now;
        st->previous_since = st->active_since;
        if (s == cur)
            tc_sim_bn_rescan(sim);
    }
}

TC_SIM_SHARED void svc_add(station_rt *st, tc_sim *sim, int id)
{
    if (st->nsvc == st->svccap)
        st->svc = tc_sim_grow(st->svc, &st->svccap, sizeof *st->svc, 8);
    sim->jobs[id].slot = st->nsvc;
    st->svc[st->nsvc++] = id;
}

TC_SIM_SHARED void svc_remove(station_rt *st, tc_sim *sim, int id)
{
    int slot = sim->jobs[id].slot, last = st->svc[--st->nsvc];
    st->svc[slot] = last;
    sim->jobs[last].slot = slot;
}

#endif
