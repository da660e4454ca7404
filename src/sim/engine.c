/*
 * engine.c - one replication of the plant.
 *
 * Stations are dynamic resources: `servers` lives in the replication's own
 * copy of the plant and can change at any simulated time.  A station's
 * capacity in use is busy (in service) + blocked (finished, held because
 * the next station is full).  Shrinking never interrupts a job; it only
 * stops new starts until busy + blocked < servers.
 *
 * Cancellation is lazy: an event carries the token its job or station had
 * when it was scheduled, and an event whose token is stale is dropped.
 */
#include "sim_internal.h"

_Noreturn void tc_sim_assert_fail(const tc_sim *sim, const char *cond, const char *file, int line)
{
    fprintf(
        stderr,
        "twincast: engine invariant '%s' failed at t=%.17g (replication %u, seed %u, crn %u, scenario %s) "
        "%s:%d\n",
        cond, sim->now, sim->replication, sim->cfg.seed, sim->cfg.crn_key,
        sim->scenario ? sim->scenario->name : "baseline", file, line);
    abort();
}

int tc_sim_assertions(void)
{
#ifdef TC_ASSERTIONS
    return 1;
#else
    return 0;
#endif
}

void *tc_sim_grow(void *p, int *cap, size_t elem, int min)
{
    int ncap = *cap ? *cap * 2 : min;
    void *np = realloc(p, elem * (size_t)ncap);
    if (!np) {
        fprintf(stderr, "twincast: out of memory in the engine\n");
        abort();
    }
    *cap = ncap;
    return np;
}

/*
 * Joins a waiting line behind every job of its priority or higher: highest
 * first, FIFO within.  A job's priority is its product's when it joins the
 * line (noted then, so a later change reorders no line).
 */
static void queue_push(tc_sim *sim, ring *q, int id)
{
    ring_push(q, id);
    if (!sim->prioritised)
        return;
    int p = sim->jobs[id].priority = sim->plant.sources[sim->jobs[id].source].priority;
    for (int i = q->len - 1; i > 0; i--) {
        int a = q->head + i - 1, b = q->head + i;
        a -= a >= q->cap ? q->cap : 0;
        b -= b >= q->cap ? q->cap : 0;
        if (sim->jobs[q->v[a]].priority >= p)
            break;
        q->v[b] = q->v[a];
        q->v[a] = id;
    }
}

static event pop_event(tc_sim *sim)
{
    event top = sim->heap[0], last = sim->heap[--sim->nheap];
    int n = sim->nheap, i = 0;
    for (;;) {
        int c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && ev_before(&sim->heap[c + 1], &sim->heap[c]))
            c++;
        if (!ev_before(&sim->heap[c], &last))
            break;
        sim->heap[i] = sim->heap[c];
        i = c;
    }
    if (n > 0)
        sim->heap[i] = last;
    return top;
}

/* ---- jobs ---------------------------------------------------------------- */

static int job_new(tc_sim *sim, int source, int step, int initial)
{
    if (sim->free_job < 0) {
        int old = sim->njobs;
        sim->jobs = tc_sim_grow(sim->jobs, &sim->njobs, sizeof *sim->jobs, 256);
        for (int i = sim->njobs - 1; i >= old; i--) {
            sim->jobs[i].token = 0;
            sim->jobs[i].next_free = sim->free_job;
            sim->free_job = i;
        }
    }
    int id = sim->free_job;
    job *j = &sim->jobs[id];
    sim->free_job = j->next_free;
    j->arrival = sim->now;
    j->source = source;
    j->step = step;
    j->station = -1;
    j->holder = 0;
    j->initial = initial;
    j->reworks = 0;
    j->server = -1;
    return id;
}

int tc_sim_job_new(tc_sim *sim, int source, int step, int initial)
{
    return job_new(sim, source, step, initial);
}

static void job_free(tc_sim *sim, int id)
{
    sim->jobs[id].token++; /* any event still naming it is stale */
    sim->jobs[id].next_free = sim->free_job;
    sim->free_job = id;
}

/* ---- measures ------------------------------------------------------------ */

static measures measures_at(const station_rt *st, double t)
{
    measures m;
    m.wait = st->queue.len * t - st->k_wait;
    m.busy = st->busy * t - st->k_busy;
    m.blocked = (st->up ? st->blocked : 0) * t - st->k_blocked;
    m.idle = st->idle * t - st->k_idle;
    m.uptime = st->up * t - st->k_up;
    m.avail = (st->up ? st->servers : 0) * t - st->k_avail;
    m.bn = st->bn;
    m.maint = ((st->down_why & DOWN_MAINT) != 0) * t - st->k_maint;
    m.departures = st->departures;
    return m;
}

static void up_step(tc_sim *sim, station_rt *st, int up)
{
    int d = up ? 1 : -1;
    st->up = up;
    level_step(&st->k_up, d, sim->now);
    level_step(&st->k_avail, d * st->servers, sim->now);
    level_step(&st->k_blocked, d * st->blocked, sim->now);
    idle_refresh(sim, st);
}

static void waiting_changed(tc_sim *sim, station_rt *st)
{
    int w = st->queue.len;
    if (sim->now >= sim->cfg.warmup && w > st->max_wait)
        st->max_wait = w;
    if (w >= st->threshold && isnan(st->onset))
        st->onset = sim->now;
}

/* The momentary bottleneck: the station with the longest ongoing active period. */
void tc_sim_bn_rescan(tc_sim *sim)
{
    bn_credit(sim);
    int best = -1;
    for (int s = 0; s < sim->S; s++)
        if (sim->st[s].active && (best < 0 || sim->st[s].active_since < sim->st[best].active_since))
            best = s;
    sim->bn_cur = best;
}

/* ---- service ------------------------------------------------------------- */

/* Starts (or, for a job of the start state, continues) service. */
static void start_service(tc_sim *sim, int s, int id, double duration, int initial)
{
    station_rt *st = &sim->st[s];
    if (st->setups) {
        tc_changeover_start(sim, s, id, duration, initial);
        return;
    }
    job *j = &sim->jobs[id];
    j->station = s;
    svc_add(st, sim, id);
    SIM_TRACE(sim, TC_TRACE_START, s, id);
    if (st->up) {
        busy_step(sim, st, 1);
        j->finish = sim->now + duration;
        schedule(sim, j->finish, EV_FINISH, (uint32_t)id, j->token);
        activity_changed(sim, st, s);
    } else {
        j->remaining = duration; /* resumes at repair */
    }
}

__attribute__((noinline, cold)) void tc_sim_trace_emit(tc_sim *sim, tc_trace_kind kind, int s, int id)
{
    sim->trace(sim->trace_user, sim->now, kind, s, id, id >= 0 ? sim->jobs[id].source : -1);
}

void tc_sim_set_trace(tc_sim *sim, tc_trace_fn fn, void *user)
{
    sim->trace = fn;
    sim->trace_user = user;
}

void tc_sim_start_service(tc_sim *sim, int s, int id, double duration, int initial)
{
    start_service(sim, s, id, duration, initial);
}

/* The job frees its server record at a changeover station. */
static void release_server(tc_sim *sim, int s, int server)
{
    if (!sim->any_setups || !sim->st[s].setups || server < 0)
        return;
    tc_changeover_release(sim, s, server);
}

/* The job's process time here: its route step's own, or else the station's. */
static double draw_process(tc_sim *sim, int s, const job *j)
{
    station_rt *st = &sim->st[s];
    const tc_dist *d = &st->cfg->process;
    if (st->step_process) {
        const tc_step *sp = &sim->plant.steps[sim->plant.sources[j->source].first_step + j->step];
        if (sp->has_process)
            d = &sp->process;
    }
    return tc_dist_sample(d, &st->rng_process);
}

/* Up, with busy + blocked < servers: idle_refresh() keeps that count in `idle` at every change. */
static int has_free_server(const station_rt *st)
{
    return st->idle > 0;
}

/* A batch station's waiting places hold the jobs its batches gather, so only its buffer counts. */
static int has_room(const station_rt *st)
{
    return st->buffer == TC_UNLIMITED || st->queue.len < st->buffer ||
           (has_free_server(st) && st->queue.len == 0 && !st->batching);
}

/* Moves a job into station s; the caller has checked has_room(). */
static void enter(tc_sim *sim, int s, int id)
{
    station_rt *st = &sim->st[s];
    SIM_TRACE(sim, TC_TRACE_ARRIVE, s, id);
    if (has_free_server(st) && st->queue.len == 0 && __builtin_expect(!st->batching, 1)) {
        start_service(sim, s, id, draw_process(sim, s, &sim->jobs[id]), 0);
        tc_assert(sim, st->busy + st->blocked <= st->servers); /* a start needs a free server */
        return;
    }
    sim->jobs[id].station = s;
    sim->jobs[id].joined = sim->now;
    queue_push(sim, &st->queue, id);
    level_step(&st->k_wait, 1, sim->now);
    waiting_changed(sim, st);
    if (__builtin_expect(st->batching, 0))
        tc_batch_joined(sim, s, id);
}

/* Which station the job's current route step sends it to. */
static int choose(tc_sim *sim, const job *j)
{
    const tc_model *m = sim->m;
    const tc_route_step *step = &m->steps[sim->plant.sources[j->source].first_step + j->step];
    const int *alt = m->alts + step->first_alt;
    if (step->n_alts == 1)
        return alt[0];
    /* The alternative that is up with the fewest jobs per server; ties: first listed. */
    int best = -1;
    long bn = 0, bd = 1;
    for (int i = 0; i < step->n_alts; i++) {
        const station_rt *st = &sim->st[alt[i]];
        long n = st->queue.len + st->busy, d = st->servers;
        if (!st->up || d <= 0)
            continue;
        if (best < 0 || n * bd < bn * d) {
            best = alt[i];
            bn = n;
            bd = d;
        }
    }
    return best >= 0 ? best : alt[0];
}

static void station_pull(tc_sim *sim, int s);

/* On the Lambda time scale where rates vary: the next at Lambda^-1(Lambda(now) + X); none if never. */
static __attribute__((noinline)) void arrival_next_scaled(tc_sim *sim, int src, double x)
{
    source_rt *r = &sim->src[src];
    double t =
        tc_time_scale_inverse(r->lambda, tc_time_scale_at(r->lambda, sim->now, &r->piece) + x, &r->piece);
    if (t < INFINITY)
        schedule(sim, t > sim->now ? t : sim->now, EV_ARRIVAL, (uint32_t)src, 0);
}

static void arrival_next(tc_sim *sim, int src)
{
    source_rt *r = &sim->src[src];
    double x = tc_dist_sample(&sim->plant.sources[src].interarrival, &r->rng);
    if (__builtin_expect(r->lambda != NULL, 0))
        arrival_next_scaled(sim, src, x);
    else
        schedule(sim, sim->now + x, EV_ARRIVAL, (uint32_t)src, 0);
}

/* Free servers take waiting jobs. */
static inline void start_waiting(tc_sim *sim, int s)
{
    station_rt *st = &sim->st[s];
    while (has_free_server(st) && st->queue.len > 0) {
        int id = ring_pop(&st->queue);
        level_step(&st->k_wait, -1, sim->now);
        start_service(sim, s, id, draw_process(sim, s, &sim->jobs[id]), 0);
        tc_assert(sim, st->busy + st->blocked <= st->servers);
    }
}

/*
 * station_pull's rare path: a batch station fills batches; at a station
 * with jobs paused by at_close, they take the first free servers, with
 * their remaining time, before any waiting job.
 */
static __attribute__((noinline)) void slow_pull(tc_sim *sim, int s)
{
    station_rt *st = &sim->st[s];
    if (st->batching) {
        tc_batch_fill(sim, s);
        return;
    }
    while (has_free_server(st) && st->paused.len > 0) {
        int id = ring_pop(&st->paused);
        start_service(sim, s, id, sim->jobs[id].remaining, 1);
    }
    st->slow_pull = st->paused.len > 0;
    start_waiting(sim, s);
}

/* at_close pause: while more servers work than there are, the job with the most left stops. */
static __attribute__((noinline)) void pause_excess(tc_sim *sim, int s)
{
    station_rt *st = &sim->st[s];
    while (st->up && st->busy > 0 && st->busy + st->blocked > st->servers) {
        int best = 0;
        for (int i = 1; i < st->nsvc; i++)
            if (sim->jobs[st->svc[i]].finish >= sim->jobs[st->svc[best]].finish)
                best = i;
        int id = st->svc[best];
        job *j = &sim->jobs[id];
        j->remaining = j->finish - sim->now;
        j->token++; /* its finish event is void */
        svc_remove(st, sim, id);
        busy_step(sim, st, -1);
        ring_push(&st->paused, id);
        st->slow_pull = 1;
    }
    activity_changed(sim, st, s);
}

/*
 * A job left station s (`server`: its server or batch record there).  At a
 * batch station the server stays held until the batch's last job is gone.
 */
static void station_left(tc_sim *sim, int s, int server)
{
    sim->st[s].departures++;
    if (__builtin_expect(sim->st[s].batching, 0))
        tc_batch_left(sim, s, server);
    station_pull(sim, s);
}

/* A holder (station or source) is free again: its blocked job moved on. */
static void holder_released(tc_sim *sim, int holder, int server)
{
    if (holder < 0) {
        arrival_next(sim, -1 - holder);
        return;
    }
    station_rt *h = &sim->st[holder];
    if (!h->batching) /* a batch's server counts as blocked once, until all its jobs are gone */
        blocked_step(sim, h, -1);
    tc_assert(sim, h->blocked >= 0);
    station_left(sim, holder, server);
}

/*
 * Fills station s as far as it will go: free servers take waiting jobs,
 * freed waiting places take jobs held upstream, which frees their holders
 * in turn (recursively, up the line).
 */
static void station_pull(tc_sim *sim, int s)
{
    station_rt *st = &sim->st[s];
    for (;;) {
        if (__builtin_expect(st->slow_pull, 0))
            slow_pull(sim, s);
        else
            start_waiting(sim, s);
        if (st->blockers.len == 0 || !has_room(st))
            return;
        int id = ring_pop(&st->blockers);
        int holder = sim->jobs[id].holder, server = sim->jobs[id].server;
        if (holder >= 0) /* its server there is free once it moves (before: it may re-enter there) */
            release_server(sim, holder, server);
        enter(sim, s, id);
        holder_released(sim, holder, server);
    }
}

/*
 * Where a job goes when service at its step ends: on, back to an earlier
 * step (rework), or out as scrap; one uniform from the product's routing
 * stream decides, drawn only at steps that can rework or scrap.  Returns
 * the next step, or SCRAP.  (A return value, not an out-parameter: an
 * address-taken local would cost the hot caller a stack-protector check.)
 */
#define SCRAP (-1)
static __attribute__((noinline)) int next_step(tc_sim *sim, job *j)
{
    const tc_step *sp = &sim->plant.steps[sim->plant.sources[j->source].first_step + j->step];
    if (sp->rework_p > 0 || sp->scrap_p > 0) {
        double u = tc_rng_uniform(&sim->src[j->source].rng_routing);
        if (u < sp->rework_p) {
            j->reworks++;
            return sp->rework_to;
        }
        if (u < sp->rework_p + sp->scrap_p)
            return SCRAP;
    }
    return j->step + 1;
}

/* The job leaves the plant from station `holder`: its route done, or as scrap. */
static void job_leaves(tc_sim *sim, int id, int holder, int scrap)
{
    job *j = &sim->jobs[id];
    int server = j->server;
    if (sim->now >= sim->cfg.warmup && !j->initial) {
        source_rt *r = &sim->src[j->source];
        if (scrap) {
            r->scrapped++;
        } else {
            r->sum_time += sim->now - j->arrival;
            r->done++;
        }
        r->reworks += j->reworks;
    }
    sim->departures++;
    release_server(sim, holder, server);
    job_free(sim, id);
    station_left(sim, holder, server);
}

/* The job ends its current step (at a station, or as a new arrival). */
static void job_advance(tc_sim *sim, int id, int holder)
{
    job *j = &sim->jobs[id];
    int next = j->step;
    if (holder >= 0) {
        next = sim->reworks_or_scraps ? next_step(sim, j) : next + 1;
        SIM_TRACE(sim, next == SCRAP ? TC_TRACE_SCRAP : TC_TRACE_FINISH, holder, id);
        if (next == SCRAP || next >= sim->plant.sources[j->source].n_steps) {
            job_leaves(sim, id, holder, next == SCRAP);
            return;
        }
    }
    j->step = next;
    int t = choose(sim, j);
    if (has_room(&sim->st[t])) {
        int server = j->server;
        if (holder >= 0) /* before entering: a rework may come back to this very station */
            release_server(sim, holder, server);
        enter(sim, t, id);
        if (holder >= 0) {
            station_left(sim, holder, server);
        } else {
            arrival_next(sim, -1 - holder);
        }
        return;
    }
    /* blocking after service: the holder keeps the job until t has room */
    j->holder = holder;
    j->station = t;
    ring_push(&sim->st[t].blockers, id);
    if (holder >= 0 && !sim->st[holder].batching)
        blocked_step(sim, &sim->st[holder], 1);
}

void tc_sim_advance(tc_sim *sim, int id, int holder)
{
    job_advance(sim, id, holder);
}

/* ---- failures ------------------------------------------------------------ */

static void go_down(tc_sim *sim, int s)
{
    station_rt *st = &sim->st[s];
    SIM_TRACE(sim, TC_TRACE_DOWN, s, -1);
    up_step(sim, st, 0);
    for (int i = 0; i < st->nsvc; i++) {
        job *j = &sim->jobs[st->svc[i]];
        j->remaining = j->finish - sim->now;
        j->token++; /* preempted: its finish (and changeover) events are void; a batch's with its first job */
    }
    if (st->setups)
        tc_changeover_down(sim, s);
    busy_step(sim, st, -st->busy);
    activity_changed(sim, st, s);
}

/* The next failure: time to failure on the calendar, or on the station's open time (clock: operating). */
static void schedule_failure(tc_sim *sim, int s)
{
    station_rt *st = &sim->st[s];
    double x = tc_dist_sample(&st->cfg->ttf, &st->rng_failure), t = sim->now + x;
    if (__builtin_expect(st->op_scale != NULL, 0)) {
        t = tc_time_scale_inverse(st->op_scale, tc_time_scale_at(st->op_scale, sim->now, &st->op_piece) + x,
                                  &st->op_piece);
        if (!(t < INFINITY))
            return; /* never open again */
        t = t > sim->now ? t : sim->now;
    }
    schedule(sim, t, EV_FAIL, (uint32_t)s, st->fail_token);
}

/* No reason to be down is left: up, jobs resumed, and (unless the clock goes on) the next failure drawn. */
static void come_up(tc_sim *sim, int s, int draw_failure)
{
    station_rt *st = &sim->st[s];
    SIM_TRACE(sim, TC_TRACE_UP, s, -1);
    up_step(sim, st, 1);
    st->down_why = 0;
    for (int i = 0; i < st->nsvc; i++) { /* preempt-resume */
        job *j = &sim->jobs[st->svc[i]];
        j->finish = sim->now + j->remaining;
        schedule(sim, j->finish, EV_FINISH, (uint32_t)st->svc[i], j->token);
    }
    busy_step(sim, st, st->nsvc - st->busy);
    if (st->setups)
        tc_changeover_up(sim, s);
    activity_changed(sim, st, s);
    if (draw_failure && st->cfg->has_failure)
        schedule_failure(sim, s);
    if (__builtin_expect(st->pausing, 0))
        pause_excess(sim, s);
    station_pull(sim, s);
}

static void fail(tc_sim *sim, int s, double repair)
{
    station_rt *st = &sim->st[s];
    st->fail_token++;
    st->down_why |= DOWN_FAILED;
    if (st->up) /* else down for maintenance: the repair runs alongside */
        go_down(sim, s);
    schedule(sim, sim->now + repair, EV_REPAIR, (uint32_t)s, st->fail_token);
}

/*
 * A repair, or a scenario's `up`, left only maintenance to keep the station
 * down.  On the calendar clock the time to the next failure starts now; on
 * the operating clock it starts when the maintenance ends.
 */
static void up_but_maintained(tc_sim *sim, int s)
{
    station_rt *st = &sim->st[s];
    if (st->cfg->has_failure && !st->op_scale && st->down_why == DOWN_MAINT)
        schedule_failure(sim, s);
}

static void repaired(tc_sim *sim, int s)
{
    station_rt *st = &sim->st[s];
    st->down_why &= ~DOWN_FAILED;
    if (!st->down_why)
        come_up(sim, s, 1);
    else
        up_but_maintained(sim, s);
}

/* ---- the timetable ------------------------------------------------------------ */

/* Planned downtime begins: down like a failure (preempt-resume); on the operating clock no failure is due. */
static void maintenance_start(tc_sim *sim, int s)
{
    station_rt *st = &sim->st[s];
    st->down_why |= DOWN_MAINT;
    level_step(&st->k_maint, 1, sim->now);
    if (st->op_scale && !(st->down_why & DOWN_FAILED))
        st->fail_token++;
    if (st->up)
        go_down(sim, s);
}

static void maintenance_end(tc_sim *sim, int s)
{
    station_rt *st = &sim->st[s];
    st->down_why &= ~DOWN_MAINT;
    level_step(&st->k_maint, -1, sim->now);
    if (!st->down_why) /* the operating clock starts afresh; the calendar clock's failure is pending */
        come_up(sim, s, st->op_scale != NULL);
}

static void capacity_changed(tc_sim *sim, int s);

/* Every change the timetable makes now, then the event for its next. */
static void shift(tc_sim *sim)
{
    const tc_timetable *tt = sim->tt;
    if (!tt) /* only a timetable schedules these */
        return;
    while (sim->shift_next < tt->n_changes && tt->changes[sim->shift_next].at <= sim->now) {
        const tc_shift_change *c = &tt->changes[sim->shift_next++];
        if (c->kind == TC_SHIFT_SERVERS) { /* a live `set` of the servers holds only until here */
            sim->plant.stations[c->station].servers = c->servers;
            capacity_changed(sim, c->station);
        } else if (c->kind == TC_SHIFT_MAINT_START) {
            maintenance_start(sim, c->station);
        } else {
            maintenance_end(sim, c->station);
        }
    }
    if (sim->shift_next < tt->n_changes)
        schedule(sim, tt->changes[sim->shift_next].at, EV_SHIFT, 0, 0);
}

/* ---- scenario changes ------------------------------------------------------ */

static void apply_change(tc_sim *sim, const tc_change *c)
{
    station_rt *st;
    switch (c->kind) {
    case TC_CHANGE_UP:
        st = &sim->st[c->target];
        if (!st->up) {
            st->fail_token++; /* a pending repair is overtaken; planned maintenance is not */
            st->down_why &= DOWN_MAINT;
            if (!st->down_why)
                come_up(sim, c->target, 1);
            else
                up_but_maintained(sim, c->target);
        }
        return;
    case TC_CHANGE_DOWN:
        st = &sim->st[c->target];
        st->fail_token++; /* held down until an 'up': no repair, no new failure */
        if (st->up)
            go_down(sim, c->target);
        st->down_why = (st->down_why & DOWN_MAINT) | DOWN_HELD;
        return;
    case TC_CHANGE_SET: {
        const tc_param *q = &sim->m->params[c->target];
        char why[8];
        if (q->field == TC_FIELD_INTERARRIVAL || q->field == TC_FIELD_PRIORITY ||
            q->field == TC_FIELD_STEP_PROCESS || q->field == TC_FIELD_REWORK_P ||
            q->field == TC_FIELD_SCRAP_P || q->field == TC_FIELD_STEP_SETUP || q->field == TC_FIELD_SETUP) {
            /* not a station's: read when next used (a new job's priority, the next service or decision) */
            tc_plant_set(&sim->plant, q, c->value, why, sizeof why);
            return;
        }
        tc_plant_set(&sim->plant, q, c->value, why, sizeof why); /* validated at load */
        capacity_changed(sim, q->owner);
        return;
    }
    }
}

/* A station's servers, buffer or threshold changed in the replication's plant. */
static void capacity_changed(tc_sim *sim, int s)
{
    station_rt *st = &sim->st[s];
    if (st->up)
        level_step(&st->k_avail, st->cfg->servers - st->servers, sim->now);
    st->servers = st->cfg->servers;
    st->buffer = st->cfg->buffer;
    st->threshold = st->cfg->threshold;
    if (st->setups)
        tc_changeover_cover(sim, s);
    idle_refresh(sim, st);
    waiting_changed(sim, st);
    if (__builtin_expect(st->pausing, 0))
        pause_excess(sim, s);
    station_pull(sim, s);
}

/* ---- the loop ---------------------------------------------------------------- */

/* Marks cut the running integrals at bin edges and at the end of the warm-up. */
static void schedule_mark(tc_sim *sim)
{
    double t = (sim->bins_done + 1) * sim->cfg.bin_width;
    if (!sim->warmup_done && sim->cfg.warmup < t)
        t = sim->cfg.warmup;
    if (t < sim->cfg.horizon)
        schedule(sim, t, EV_MARK, 0, 0);
}

static void cut_bin(tc_sim *sim, int b)
{
    for (int s = 0; s < sim->S; s++) {
        station_rt *st = &sim->st[s];
        size_t i = (size_t)b * sim->S + s;
        double wait = st->queue.len * sim->now - st->k_wait;
        sim->out->bin_waiting[i] = wait - st->prev_wait;
        sim->out->bin_bottleneck[i] = st->bn - st->prev_bn;
        st->prev_wait = wait;
        st->prev_bn = st->bn;
    }
}

static void mark(tc_sim *sim)
{
    bn_credit(sim);
    if (!sim->warmup_done && sim->now >= sim->cfg.warmup) {
        for (int s = 0; s < sim->S; s++)
            sim->st[s].at_warmup = measures_at(&sim->st[s], sim->now);
        if (sim->any_setups)
            tc_changeover_warmup(sim);
        sim->warmup_done = 1;
    }
    while (sim->bins_done < sim->T - 1 && (sim->bins_done + 1) * sim->cfg.bin_width <= sim->now)
        cut_bin(sim, sim->bins_done++);
    schedule_mark(sim);
}

static void handle(tc_sim *sim, const event *e)
{
    switch (EV_TYPE(e)) {
    case EV_ARRIVAL: {
        int id = job_new(sim, (int)e->a, 0, 0);
        SIM_TRACE(sim, TC_TRACE_NEW, -1, id);
        job_advance(sim, id, -1 - (int)e->a);
        break;
    }
    case EV_FINISH: {
        job *j = &sim->jobs[e->a];
        if (j->token != e->token)
            return; /* preempted or gone */
        int s = j->station;
        tc_assert(sim, s >= 0 && s < sim->S); /* a live token: the job is in service at its station */
        station_rt *st = &sim->st[s];
        tc_assert(sim, st->up && j->slot < st->nsvc && st->svc[j->slot] == (int)e->a);
        svc_remove(st, sim, (int)e->a);
        if (__builtin_expect(st->batching, 0)) {
            tc_batch_done(sim, s, (int)e->a);
            break;
        }
        busy_step(sim, st, -1);
        tc_assert(sim, st->busy >= 0);
        activity_changed(sim, st, s);
        job_advance(sim, (int)e->a, s);
        break;
    }
    case EV_FAIL: {
        station_rt *st = &sim->st[e->a];
        if (st->fail_token != e->token || (st->down_why & ~DOWN_MAINT))
            return; /* void, or down for another reason; during maintenance the calendar clock still fails */
        fail(sim, (int)e->a, tc_dist_sample(&st->cfg->ttr, &st->rng_failure));
        break;
    }
    case EV_REPAIR:
        if (sim->st[e->a].fail_token != e->token)
            return;
        tc_assert(sim, !sim->st[e->a].up); /* a live repair token: the station is down */
        repaired(sim, (int)e->a);
        break;
    case EV_CHANGE:
        if (sim->scenario) /* only a scenario schedules changes */
            apply_change(sim, &sim->scenario->changes[e->a]);
        break;
    case EV_MARK: mark(sim); return; /* bookkeeping, not a plant event */
    case EV_SHIFT: shift(sim); break;
    case EV_SETUP_END:
        if (sim->jobs[e->a].token != e->token)
            return; /* interrupted: it resumes at the repair */
        tc_changeover_end(sim, (int)e->a);
        return; /* part of the service, not an event of its own */
    case EV_BATCH_DUE:
        if (sim->ba[e->a].due_token != e->token)
            return;
        sim->ba[e->a].due = NAN;
        station_pull(sim, (int)e->a); /* the oldest job has waited max_wait: a batch may start */
        break;
    }
    sim->events++;
}

/* ---- set-up ------------------------------------------------------------------ */

void tc_run_cfg_default(tc_run_cfg *cfg, const tc_model *m)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->horizon = m->horizon;
    cfg->bin_width = tc_model_bin_width(m, m->horizon);
    cfg->seed = m->seed;
}

int tc_run_cfg_bins(const tc_run_cfg *cfg)
{
    double n = ceil(cfg->horizon / cfg->bin_width - 1e-9);
    return n < 1 ? 1 : (int)n;
}

tc_result *tc_result_create(int S, int R, int T)
{
    tc_result *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->n_stations = S;
    r->n_sources = R;
    r->n_bins = T;
    double **per_station[] = {&r->onset,        &r->mean_waiting, &r->max_waiting,
                              &r->utilisation,  &r->blocked,      &r->starved,
                              &r->availability, &r->throughput,   &r->bottleneck_share,
                              &r->setup,        &r->mean_batch,   &r->planned_down};
    int ok = 1;
    for (size_t i = 0; i < sizeof per_station / sizeof *per_station; i++)
        ok &= (*per_station[i] = calloc((size_t)S, sizeof(double))) != NULL;
    ok &= (r->time_in_system = calloc((size_t)R, sizeof(double))) != NULL;
    ok &= (r->completed = calloc((size_t)R, sizeof(double))) != NULL;
    ok &= (r->scrapped = calloc((size_t)R, sizeof(double))) != NULL;
    ok &= (r->reworks_per_job = calloc((size_t)R, sizeof(double))) != NULL;
    ok &= (r->bin_waiting = calloc((size_t)S * (size_t)T, sizeof(double))) != NULL;
    ok &= (r->bin_bottleneck = calloc((size_t)S * (size_t)T, sizeof(double))) != NULL;
    if (!ok) {
        tc_result_destroy(r);
        return NULL;
    }
    return r;
}

void tc_result_destroy(tc_result *r)
{
    if (!r)
        return;
    free(r->onset);
    free(r->mean_waiting);
    free(r->max_waiting);
    free(r->utilisation);
    free(r->blocked);
    free(r->starved);
    free(r->availability);
    free(r->throughput);
    free(r->bottleneck_share);
    free(r->setup);
    free(r->mean_batch);
    free(r->planned_down);
    free(r->time_in_system);
    free(r->completed);
    free(r->scrapped);
    free(r->reworks_per_job);
    free(r->bin_waiting);
    free(r->bin_bottleneck);
    free(r);
}

tc_sim *tc_sim_create(const tc_model *m)
{
    tc_sim *sim = calloc(1, sizeof *sim);
    if (!sim)
        return NULL;
    sim->m = m;
    sim->S = m->plant.n_stations;
    sim->R = m->plant.n_sources;
    sim->free_job = -1;
    sim->st = calloc((size_t)sim->S, sizeof *sim->st);
    sim->src = calloc((size_t)sim->R, sizeof *sim->src);
    sim->entry_source = calloc((size_t)sim->S, sizeof(int));
    sim->entry_step = calloc((size_t)sim->S, sizeof(int));
    sim->step_process = calloc((size_t)sim->S, 1);
    sim->setup_at = calloc((size_t)sim->S, 1);
    sim->co = calloc((size_t)sim->S, sizeof *sim->co);
    sim->route_step = calloc((size_t)sim->S * (size_t)sim->R, sizeof *sim->route_step);
    int batches = 0;
    for (int s = 0; s < sim->S; s++)
        batches |= m->plant.stations[s].batch_size > 0;
    if (batches && !(sim->ba = calloc((size_t)sim->S, sizeof *sim->ba))) {
        tc_sim_destroy(sim);
        return NULL;
    }
    int plants =
        tc_plant_clone(&sim->base, &m->plant) == TC_OK && tc_plant_clone(&sim->plant, &m->plant) == TC_OK;
    if (!plants || !sim->st || !sim->src || !sim->entry_source || !sim->entry_step || !sim->step_process ||
        !sim->setup_at || !sim->co || !sim->route_step) {
        tc_sim_destroy(sim);
        return NULL;
    }
    /* A job found at a station by the start state continues along the first
     * route that visits the station. */
    for (int s = 0; s < sim->S; s++)
        sim->entry_source[s] = -1;
    for (int r = 0; r < sim->R; r++)
        for (int s = 0; s < sim->S; s++)
            sim->route_step[r * sim->S + s] = tc_model_route_step(m, r, s);
    for (int r = 0; r < sim->R; r++) {
        const tc_source *src = &m->plant.sources[r];
        for (int k = 0; k < src->n_steps; k++) {
            const tc_route_step *step = &m->steps[src->first_step + k];
            for (int a = 0; a < step->n_alts; a++) {
                int s = m->alts[step->first_alt + a];
                sim->step_process[s] |= (unsigned char)m->plant.steps[src->first_step + k].has_process;
                sim->setup_at[s] |= (unsigned char)(m->plant.steps[src->first_step + k].has_setup ||
                                                    m->plant.stations[s].has_setup);
                sim->any_setups |= sim->setup_at[s];
                sim->reworks_or_scraps |= m->plant.steps[src->first_step + k].rework_p > 0 ||
                                          m->plant.steps[src->first_step + k].scrap_p > 0;
                if (sim->entry_source[s] < 0) {
                    sim->entry_source[s] = r;
                    sim->entry_step[s] = k;
                }
            }
        }
    }
    return sim;
}

void tc_sim_destroy(tc_sim *sim)
{
    if (!sim)
        return;
    if (sim->st)
        for (int s = 0; s < sim->S; s++) {
            free(sim->st[s].queue.v);
            free(sim->st[s].blockers.v);
            free(sim->st[s].svc);
            free(sim->st[s].paused.v);
            free(sim->co ? sim->co[s].srv : NULL);
            for (int b = 0; sim->ba && b < sim->ba[s].nb; b++)
                free(sim->ba[s].b[b].jobs);
            free(sim->ba ? sim->ba[s].b : NULL);
        }
    free(sim->st);
    free(sim->src);
    free(sim->entry_source);
    free(sim->entry_step);
    free(sim->step_process);
    free(sim->setup_at);
    free(sim->co);
    free(sim->ba);
    free(sim->route_step);
    tc_plant_release(&sim->base);
    tc_plant_release(&sim->plant);
    free(sim->heap);
    free(sim->jobs);
    free(sim);
}

tc_status tc_sim_initialize(tc_sim *sim, const tc_state *state, const tc_scenario *scenario,
                            const tc_run_cfg *cfg, char *err, size_t errlen)
{
    const tc_model *m = sim->m;
    if (!(cfg->horizon > 0) || !(cfg->bin_width > 0) || !(cfg->warmup >= 0) || cfg->warmup >= cfg->horizon ||
        cfg->horizon / cfg->bin_width > 1e6) {
        snprintf(err, errlen, "run: need horizon > warmup >= 0 and at most 10^6 bins");
        return TC_ERR_INPUT;
    }
    tc_plant_copy(&sim->base, &m->plant);
    if (state) {
        tc_status st = tc_state_validate(state, m, err, errlen);
        if (st != TC_OK)
            return st;
        for (int k = 0; k < state->n_overrides; k++) {
            char why[256];
            const tc_param_override *o = &state->overrides[k];
            if (tc_plant_set(&sim->base, &m->params[o->param], o->value, why, sizeof why) != TC_OK) {
                snprintf(err, errlen, "state: params: %s", why);
                return TC_ERR_INPUT;
            }
        }
        for (int s = 0; s < sim->S; s++)
            if (state->stations[s].servers >= 0)
                sim->base.stations[s].servers = state->stations[s].servers;
    }
    /* the schedule's capacity at the start, unless the state reports a live one (its `servers`, or a
     * `set` of X.servers among its params): that holds until the next scheduled change */
    const tc_timetable *tt = cfg->timetable;
    for (int s = 0; tt && s < sim->S; s++) {
        int live = state && state->stations[s].servers >= 0;
        for (int k = 0; state && k < state->n_overrides; k++) {
            const tc_param *q = &m->params[state->overrides[k].param];
            live |= q->field == TC_FIELD_SERVERS && q->owner == s;
        }
        if (tt->servers0[s] >= 0 && !live)
            sim->base.stations[s].servers = tt->servers0[s];
    }
    sim->tt = tt;
    sim->prioritised = 0;
    for (int r = 1; r < sim->R; r++)
        sim->prioritised |= sim->base.sources[r].priority != sim->base.sources[0].priority;
    for (int k = 0; scenario && k < scenario->n_changes; k++)
        sim->prioritised |= scenario->changes[k].kind == TC_CHANGE_SET &&
                            m->params[scenario->changes[k].target].field == TC_FIELD_PRIORITY;
    sim->state = state;
    sim->scenario = scenario;
    sim->cfg = *cfg;
    sim->T = tc_run_cfg_bins(cfg);
    sim->inv_bin = 1.0 / cfg->bin_width;
    return TC_OK;
}

void tc_sim_terminate(tc_sim *sim)
{
    sim->state = NULL;
    sim->scenario = NULL;
}

/*
 * A job of the start state in service: the rest of its process time given
 * what has elapsed; in a changeover, the rest of that and then a whole
 * process time; at a batch station, its batch.  A job whose product is not
 * known is the station's first product's.
 */
static void place_in_service(tc_sim *sim, int s, const tc_station_state *ss, int k, tc_rng *init)
{
    station_rt *st = &sim->st[s];
    const tc_job_state *js = ss->service ? &ss->service[k] : NULL;
    int r = js ? js->product : sim->entry_source[s];
    int step = js ? sim->route_step[r * sim->S + s] : sim->entry_step[s];
    const tc_step *sp = &sim->plant.steps[sim->plant.sources[r].first_step + step];
    const tc_dist *process = sp->has_process ? &sp->process : &st->cfg->process;
    if (js && js->setup) {
        double left = tc_dist_sample_residual(sp->has_setup ? &sp->setup : &st->cfg->setup, js->time, init);
        double whole = tc_dist_sample(process, init);
        tc_changeover_place(sim, s, job_new(sim, r, step, 1), left, whole);
        return;
    }
    double rest = tc_dist_sample_residual(process, ss->in_service[k], init);
    if (st->batching) {
        tc_batch_place(sim, s, r, step, js ? js->batch : 1, rest);
        return;
    }
    int id = job_new(sim, r, step, 1);
    start_service(sim, s, id, rest, 1);
}

/* Places the start state's jobs and failures at time 0. */
static void place_state(tc_sim *sim)
{
    const tc_state *state = sim->state;
    for (int s = 0; s < sim->S; s++) {
        station_rt *st = &sim->st[s];
        const tc_station_state *ss = state ? &state->stations[s] : NULL;
        tc_rng init;
        tc_rng_init(&init, sim->cfg.seed, sim->cfg.crn_key, sim->replication, TC_STREAM_INITIAL(s));
        if (ss && !ss->up) {
            st->up = 0;
            st->down_why = st->cfg->has_failure ? DOWN_FAILED : DOWN_HELD;
            idle_refresh(sim, st);
            st->active = 1;
            st->active_since = -ss->down_for;
            if (st->cfg->has_failure)
                schedule(sim, tc_dist_sample_residual(&st->cfg->ttr, ss->down_for, &init), EV_REPAIR,
                         (uint32_t)s, st->fail_token);
            /* else down until a scenario brings it up */
        } else if (st->cfg->has_failure) {
            schedule_failure(sim, s);
        }
        if (!ss)
            continue;
        if (st->setups)
            tc_changeover_remember(sim, s, ss->last_product, ss->n_last);
        for (int k = 0; k < ss->n_in_service; k++)
            place_in_service(sim, s, ss, k, &init);
        for (int k = 0; k < ss->waiting; k++) { /* a job's product unknown: the station's first */
            const tc_job_state *js = ss->queue ? &ss->queue[k] : NULL;
            int r = js ? js->product : sim->entry_source[s];
            int id = job_new(sim, r, js ? sim->route_step[r * sim->S + s] : sim->entry_step[s], 1);
            sim->jobs[id].station = s;
            sim->jobs[id].joined = js ? -js->time : 0;
            queue_push(sim, &st->queue, id); /* at t = 0: no integral to adjust */
        }
        if (st->batching)
            tc_batch_queued(sim, s);
        waiting_changed(sim, st);
    }
    /* a snapshot may show idle servers next to waiting jobs: start them now */
    for (int s = 0; s < sim->S; s++)
        station_pull(sim, s);
}

/* Gamma(shape a, rate b), through the model's own gamma (mean a/b, sd sqrt(a)/b). */
static double draw_gamma(double a, double b, tc_rng *r)
{
    tc_dist g = {.type = TC_DIST_GAMMA, .p = {a / b, sqrt(a) / b}};
    char why[8];
    return tc_dist_prepare(&g, why, sizeof why) == 0 ? tc_dist_sample(&g, r) : a / b;
}

static double draw_normal(tc_rng *r)
{
    return sqrt(-2 * log(tc_rng_uniform(r))) * cos(6.283185307179586 * tc_rng_uniform(r));
}

/*
 * Input uncertainty: the replication's parameters drawn from the twin's
 * posteriors, on a stream of their own keyed by the replication alone, so
 * that every scenario (and every rank and thread) sees the same draw.  A
 * draw the registry refuses (say a negative mean) leaves the value as it was.
 */
static __attribute__((noinline)) void draw_params(tc_sim *sim, uint32_t rep)
{
    tc_rng r;
    tc_rng_init(&r, sim->cfg.seed, 0, rep, TC_STREAM_PARAMS);
    char why[8];
    for (int k = 0; k < sim->state->n_draws; k++) {
        const tc_param_draw *w = &sim->state->draws[k];
        double mean, sd = NAN;
        if (w->kind == TC_DRAW_RATE) {
            mean = 1 / draw_gamma(w->a, w->b, &r);
        } else {
            double tau = draw_gamma(w->a, w->b, &r);
            sd = 1 / sqrt(tau);
            mean = w->mu + draw_normal(&r) / sqrt(w->kappa * tau);
            if (w->kind == TC_DRAW_LOGNORMAL) {
                double v = sd * sd;
                mean = exp(mean + v / 2);
                sd = mean * sqrt(exp(v) - 1);
            }
        }
        tc_plant_set(&sim->plant, &sim->m->params[w->param_mean], mean, why, sizeof why);
        if (w->param_sd >= 0 && isfinite(sd))
            tc_plant_set(&sim->plant, &sim->m->params[w->param_sd], sd, why, sizeof why);
    }
}

static void reset(tc_sim *sim, uint32_t rep, tc_result *out)
{
    tc_plant_copy(&sim->plant, &sim->base);
    if (sim->state && sim->state->n_draws > 0)
        draw_params(sim, rep);
    sim->replication = rep;
    sim->out = out;
    sim->now = 0;
    sim->nheap = 0;
    sim->seq = 0;
    sim->departures = 0;
    sim->events = 0;
    sim->bn_cur = -1;
    sim->bn_last = 0;
    /* every job back on the free list, lowest ids first */
    sim->free_job = -1;
    for (int i = sim->njobs - 1; i >= 0; i--) {
        sim->jobs[i].token++;
        sim->jobs[i].next_free = sim->free_job;
        sim->free_job = i;
    }
    sim->bins_done = 0;
    sim->warmup_done = sim->cfg.warmup <= 0;
    memset(out->bin_waiting, 0, sizeof(double) * (size_t)sim->S * (size_t)sim->T);
    memset(out->bin_bottleneck, 0, sizeof(double) * (size_t)sim->S * (size_t)sim->T);
    for (int s = 0; s < sim->S; s++) {
        station_rt *st = &sim->st[s];
        ring q = st->queue, b = st->blockers, p = st->paused;
        int *svc = st->svc, svccap = st->svccap;
        memset(st, 0, sizeof *st);
        st->queue = (ring){q.v, q.cap, 0, 0};
        st->blockers = (ring){b.v, b.cap, 0, 0};
        st->paused = (ring){p.v, p.cap, 0, 0};
        if (sim->tt) {
            st->pausing = sim->tt->pause[s];
            st->op_scale = sim->tt->operating[s].n ? &sim->tt->operating[s] : NULL;
        }
        st->svc = svc;
        st->svccap = svccap;
        st->cfg = &sim->plant.stations[s];
        st->servers = st->cfg->servers;
        st->buffer = st->cfg->buffer;
        st->threshold = st->cfg->threshold;
        st->step_process = sim->step_process[s];
        st->setups = sim->setup_at[s];
        st->up = 1;
        st->idle = st->servers;
        st->onset = NAN;
        st->inactive_at = -1;
        tc_rng_init(&st->rng_process, sim->cfg.seed, sim->cfg.crn_key, rep, TC_STREAM_PROCESS(s));
        tc_rng_init(&st->rng_failure, sim->cfg.seed, sim->cfg.crn_key, rep, TC_STREAM_FAILURE(s));
        if (st->setups)
            tc_changeover_reset(sim, s);
        st->batching = sim->ba && sim->plant.stations[s].batch_size > 0;
        st->slow_pull = st->batching;
        if (st->batching)
            tc_batch_reset(sim, s);
    }
    for (int r = 0; r < sim->R; r++) {
        memset(&sim->src[r], 0, sizeof sim->src[r]);
        tc_rng_init(&sim->src[r].rng, sim->cfg.seed, sim->cfg.crn_key, rep, TC_STREAM_ARRIVALS(r));
        tc_rng_init(&sim->src[r].rng_routing, sim->cfg.seed, sim->cfg.crn_key, rep, TC_STREAM_ROUTING(r));
        if (sim->tt && sim->tt->arrivals[r].n)
            sim->src[r].lambda = &sim->tt->arrivals[r];
    }
    sim->shift_next = 0;
}

static void finish(tc_sim *sim, tc_result *out)
{
    double end = sim->now, dur = end - sim->cfg.warmup;
    bn_credit(sim);
    cut_bin(sim, sim->bins_done);
    for (int s = 0; s < sim->S; s++) {
        station_rt *st = &sim->st[s];
        measures m = measures_at(st, end), w = st->at_warmup;
        double avail = m.avail - w.avail, busy = m.busy - w.busy, blocked = m.blocked - w.blocked;
        double setup = st->setups ? tc_changeover_time(sim, s, end) : 0;
        out->onset[s] = st->onset;
        out->mean_waiting[s] = dur > 0 ? (m.wait - w.wait) / dur : NAN;
        out->max_waiting[s] = st->max_wait;
        out->utilisation[s] = avail > 0 ? (busy - setup) / avail : NAN; /* processing only */
        out->setup[s] = avail > 0 ? setup / avail : NAN;
        out->mean_batch[s] = st->batching ? tc_batch_mean(sim, s) : NAN;
        out->planned_down[s] = dur > 0 ? (m.maint - w.maint) / dur : NAN;
        out->blocked[s] = avail > 0 ? blocked / avail : NAN;
        out->starved[s] = avail > 0 ? (m.idle - w.idle) / avail : NAN;
        out->availability[s] = dur > 0 ? (m.uptime - w.uptime) / dur : NAN;
        out->throughput[s] = dur > 0 ? (double)(m.departures - w.departures) / dur : NAN;
        out->bottleneck_share[s] = dur > 0 ? (m.bn - w.bn) / dur : NAN;
    }
    for (int r = 0; r < sim->R; r++) {
        const source_rt *sr = &sim->src[r];
        long left = sr->done + sr->scrapped;
        out->completed[r] = (double)sr->done;
        out->scrapped[r] = (double)sr->scrapped;
        out->reworks_per_job[r] = left ? (double)sr->reworks / (double)left : NAN;
        out->time_in_system[r] = sim->src[r].done ? sim->src[r].sum_time / sim->src[r].done : NAN;
    }
    /* bins hold integrals; the last may be narrower, and bins past an early stop are empty */
    for (int b = 0; b < sim->T; b++) {
        double w0 = b * sim->cfg.bin_width, w1 = w0 + sim->cfg.bin_width;
        if (w1 > end)
            w1 = end;
        double w = b <= sim->bins_done && w1 > w0 ? w1 - w0 : 0;
        for (int s = 0; s < sim->S; s++) {
            size_t i = (size_t)b * sim->S + s;
            out->bin_waiting[i] = w > 0 ? out->bin_waiting[i] / w : NAN;
            out->bin_bottleneck[i] = w > 0 ? out->bin_bottleneck[i] / w : NAN;
        }
    }
    out->events = sim->events;
    out->end_time = end;
}

void tc_sim_run(tc_sim *sim, uint32_t rep, tc_result *out)
{
    reset(sim, rep, out);
    if (sim->scenario)
        for (int k = 0; k < sim->scenario->n_changes; k++)
            if (sim->scenario->changes[k].at <= sim->cfg.horizon)
                schedule(sim, sim->scenario->changes[k].at, EV_CHANGE, (uint32_t)k, 0);
    if (sim->tt && sim->tt->n_changes > 0)
        schedule(sim, sim->tt->changes[0].at, EV_SHIFT, 0, 0);
    place_state(sim);
    for (int r = 0; r < sim->R; r++)
        arrival_next(sim, r);
    tc_sim_bn_rescan(sim);
    schedule_mark(sim);
    const double horizon = sim->cfg.horizon;
    const long maxdep = sim->cfg.max_departures;
    while (sim->nheap > 0 && sim->heap[0].t <= horizon) {
        event e = pop_event(sim);
        tc_assert(sim, e.t >= sim->now); /* the calendar never runs backwards */
        sim->now = e.t;
        handle(sim, &e);
        if (maxdep && sim->departures >= maxdep)
            break;
    }
    if (!(maxdep && sim->departures >= maxdep))
        sim->now = horizon;
    finish(sim, out);
}
