/*
 * batch.c - stations that serve groups of jobs (an oven, a plating tank).
 *
 * A free server starts a batch when `size` jobs wait, or when the oldest
 * waiting job has waited `max_wait` (then with all that wait, up to
 * `size`), taking them in queue order.  One process time is drawn per
 * batch; the batch's first job stands for it in the station's in-service
 * list, so failures interrupt and resume the whole batch as they would one
 * job.  When processing ends every job goes on by its own route, and the
 * server counts as blocked until the last of them has left.
 */
#include "sim_internal.h"

/* The earliest time a waiting job joined; +inf when none waits. */
static void refresh_oldest(tc_sim *sim, int s)
{
    const ring *q = &sim->st[s].queue;
    double oldest = INFINITY;
    for (int k = 0; k < q->len; k++) {
        double t = sim->jobs[ring_at(q, k)].joined;
        if (t < oldest)
            oldest = t;
    }
    sim->ba[s].oldest = oldest;
}

/* A full batch waits, or the oldest job has waited max_wait (+inf: never). */
static int ready(const tc_sim *sim, int s)
{
    const station_rt *st = &sim->st[s];
    int n = st->queue.len;
    return n > 0 && (n >= st->cfg->batch_size || sim->now >= sim->ba[s].oldest + st->cfg->batch_max_wait);
}

/*
 * The event for the moment the oldest job will have waited max_wait.  The
 * same sum is compared in ready(), so the batch starts at exactly that time.
 * A pending event for an earlier oldest job is voided by the token.
 */
static void arm(tc_sim *sim, int s)
{
    batching_rt *ba = &sim->ba[s];
    double due = ba->oldest + sim->st[s].cfg->batch_max_wait;
    if (sim->st[s].queue.len == 0 || !isfinite(due) || due <= sim->now || due == ba->due)
        return;
    ba->due = due;
    schedule(sim, due, EV_BATCH_DUE, (uint32_t)s, ++ba->due_token);
}

/* A free batch record (one per batch under way; reused). */
static int record(tc_sim *sim, int s, int n)
{
    batching_rt *ba = &sim->ba[s];
    int b = 0;
    while (b < ba->nb && ba->b[b].used)
        b++;
    if (b == ba->nb) {
        if (ba->nb == ba->bcap)
            ba->b = tc_sim_grow(ba->b, &ba->bcap, sizeof *ba->b, 4);
        ba->b[ba->nb++] = (batch_rt){NULL, 0, 0, 0, 0};
    }
    batch_rt *r = &ba->b[b];
    while (r->cap < n)
        r->jobs = tc_sim_grow(r->jobs, &r->cap, sizeof *r->jobs, 8);
    r->n = r->left = n;
    r->used = 1;
    return b;
}

/* Starts batches while a server is free and one is ready. */
void tc_batch_fill(tc_sim *sim, int s)
{
    station_rt *st = &sim->st[s];
    batching_rt *ba = &sim->ba[s];
    while (st->idle > 0 && ready(sim, s)) {
        int n = st->queue.len < st->cfg->batch_size ? st->queue.len : st->cfg->batch_size;
        int b = record(sim, s, n);
        batch_rt *r = &ba->b[b];
        for (int k = 0; k < n; k++) {
            int id = ring_pop(&st->queue);
            r->jobs[k] = id;
            sim->jobs[id].server = b;
        }
        level_step(&st->k_wait, -n, sim->now);
        if (sim->now >= sim->cfg.warmup) {
            ba->started++;
            ba->served += n;
        }
        refresh_oldest(sim, s);
        double process = tc_dist_sample(&st->cfg->process, &st->rng_process);
        for (int k = 1; k < n; k++) /* the first job's start stands for the batch in the engine */
            SIM_TRACE(sim, TC_TRACE_START, s, r->jobs[k]);
        tc_sim_start_service(sim, s, r->jobs[0], process, 0);
        tc_assert(sim, st->busy + st->blocked <= st->servers);
    }
    arm(sim, s);
}

/* A job joined the waiting line (enter() has queued it). */
void tc_batch_joined(tc_sim *sim, int s, int id)
{
    if (sim->jobs[id].joined < sim->ba[s].oldest)
        sim->ba[s].oldest = sim->jobs[id].joined;
    tc_batch_fill(sim, s);
}

/*
 * Processing ended (the event of the batch's first job, already out of the
 * in-service list): the server turns from busy to blocked at once, then
 * every job goes on by its own route, in batch order.
 */
void tc_batch_done(tc_sim *sim, int s, int first)
{
    station_rt *st = &sim->st[s];
    int b = sim->jobs[first].server;
    st->busy--;
    level_step(&st->k_busy, -1, sim->now);
    st->blocked++;
    level_step(&st->k_blocked, 1, sim->now); /* a finish happens only while up */
    idle_refresh(sim, st);
    tc_assert_station(sim, st);
    activity_changed(sim, st, s);
    /* The record stays in use until its last job has left, so its list is stable here. */
    int n = sim->ba[s].b[b].n;
    for (int k = 0; k < n; k++)
        tc_sim_advance(sim, sim->ba[s].b[b].jobs[k], s);
}

/* A job of batch b has left the station; the last one frees the server. */
void tc_batch_left(tc_sim *sim, int s, int b)
{
    batch_rt *r = &sim->ba[s].b[b];
    tc_assert(sim, r->used && r->left > 0);
    if (--r->left == 0) {
        r->used = 0;
        blocked_step(sim, &sim->st[s], -1);
    }
}

/* A batch of the start state: n jobs in process, `rest` of it remaining. */
void tc_batch_place(tc_sim *sim, int s, int source, int step, int n, double rest)
{
    int first = -1, b = record(sim, s, n);
    for (int k = 0; k < n; k++) {
        int id = tc_sim_job_new(sim, source, step, 1);
        sim->ba[s].b[b].jobs[k] = id;
        sim->jobs[id].server = b;
        if (k == 0)
            first = id;
    }
    tc_sim_start_service(sim, s, first, rest, 1);
}

/* The start state's waiting jobs are in place (with their `joined` times). */
void tc_batch_queued(tc_sim *sim, int s)
{
    refresh_oldest(sim, s);
}

void tc_batch_reset(tc_sim *sim, int s)
{
    batching_rt *ba = &sim->ba[s];
    for (int b = 0; b < ba->nb; b++)
        ba->b[b].used = 0;
    ba->oldest = INFINITY;
    ba->due = NAN;
    ba->due_token = 0;
    ba->started = ba->served = 0;
}

/* Jobs per batch started since the warm-up; NaN when none started. */
double tc_batch_mean(const tc_sim *sim, int s)
{
    const batching_rt *ba = &sim->ba[s];
    return ba->started ? (double)ba->served / (double)ba->started : NAN;
}
