/*
 * changeover.c - servers that remember the product they last ran.
 *
 * A job starting service takes a free server that last ran its own product
 * if there is one, and then needs no changeover; else the server free
 * longest, which first spends a changeover time (the route step's `setup`,
 * else the station's) unless it never worked.  A changeover occupies its
 * server (busy) and is measured apart (`setup`); a failure interrupts it
 * like a service, and it resumes with what remained.
 */
#include "sim_internal.h"

/* Makes sure every server of a changeover station has its record (servers can grow). */
void tc_changeover_cover(tc_sim *sim, int s)
{
    changeover_rt *co = &sim->co[s];
    while (co->nsrv < sim->st[s].servers) {
        if (co->nsrv == co->srvcap)
            co->srv = tc_sim_grow(co->srv, &co->srvcap, sizeof *co->srv, 4);
        co->srv[co->nsrv++] = (server_rt){-1, 0, sim->now, 0, 0};
    }
}

/* The free server the job takes, and its changeover time. */
static double take_server(tc_sim *sim, int s, job *j, int initial)
{
    changeover_rt *co = &sim->co[s];
    tc_changeover_cover(sim, s);
    int same = -1, longest = -1;
    for (int i = 0; i < co->nsrv; i++) {
        const server_rt *v = &co->srv[i];
        if (v->held)
            continue;
        if (v->product == j->source && (same < 0 || v->free_since < co->srv[same].free_since))
            same = i;
        if (longest < 0 || v->free_since < co->srv[longest].free_since)
            longest = i;
    }
    TC_SIM_CHECK(sim, longest >= 0); /* a start needs a free server */
    int pick = same >= 0 ? same : longest;
    server_rt *v = &co->srv[pick];
    int changeover = !initial && same < 0 && v->product >= 0;
    v->product = j->source;
    v->held = 1;
    v->setup_left = 0;
    j->server = pick;
    if (!changeover)
        return 0;
    const tc_step *sp = &sim->plant.steps[sim->plant.sources[j->source].first_step + j->step];
    const tc_station *cfg = sim->st[s].cfg;
    const tc_dist *d = sp->has_setup ? &sp->setup : cfg->has_setup ? &cfg->setup : NULL;
    return d ? tc_dist_sample(d, &co->rng) : 0;
}

/* The job frees its server record. */
void tc_changeover_release(tc_sim *sim, int s, int server)
{
    sim->co[s].srv[server].held = 0;
    sim->co[s].srv[server].free_since = sim->now;
}

static void setup_step(tc_sim *sim, int s, int delta)
{
    changeover_rt *co = &sim->co[s];
    co->in_setup += delta;
    level_step(&co->k_setup, delta, sim->now);
    tc_assert(sim, co->in_setup >= 0 && co->in_setup <= sim->st[s].busy);
}

/* A changeover starts (or resumes) now and lasts `left`. */
static void begin_setup(tc_sim *sim, int s, int id, double left)
{
    job *j = &sim->jobs[id];
    server_rt *v = &sim->co[s].srv[j->server];
    v->setup_end = sim->now + left;
    v->setup_left = 0;
    setup_step(sim, s, 1);
    schedule(sim, v->setup_end, EV_SETUP_END, (uint32_t)id, j->token);
}

/* Service begins (or, down, waits for the repair): a changeover of `setup` first, then `duration`. */
static void begin_service(tc_sim *sim, int s, int id, double setup, double duration)
{
    station_rt *st = &sim->st[s];
    job *j = &sim->jobs[id];
    j->station = s;
    svc_add(st, sim, id);
    if (st->up) {
        busy_step(sim, st, 1);
        j->finish = sim->now + setup + duration;
        schedule(sim, j->finish, EV_FINISH, (uint32_t)id, j->token);
        if (setup > 0)
            begin_setup(sim, s, id, setup);
        activity_changed(sim, st, s);
    } else {
        j->remaining = setup + duration; /* resumes at repair */
        sim->co[s].srv[j->server].setup_left = setup;
    }
}

/* Service at a station with changeovers: a server record, and a changeover first where needed. */
void tc_changeover_start(tc_sim *sim, int s, int id, double duration, int initial)
{
    double setup = take_server(sim, s, &sim->jobs[id], initial);
    SIM_TRACE(sim, setup > 0 ? TC_TRACE_SETUP : TC_TRACE_START, s, id);
    begin_service(sim, s, id, setup, duration);
}

/* A job of the start state in a changeover: `setup_left` of it remains, then `process`. */
void tc_changeover_place(tc_sim *sim, int s, int id, double setup_left, double process)
{
    take_server(sim, s, &sim->jobs[id], 1);
    begin_service(sim, s, id, setup_left, process);
}

/* The start state's servers remember their last products (-1: never worked). */
void tc_changeover_remember(tc_sim *sim, int s, const int *last_product, int n)
{
    changeover_rt *co = &sim->co[s];
    for (int k = 0; k < n && k < co->nsrv; k++)
        co->srv[k].product = last_product[k];
}

/* The job's changeover ended (its event still live): processing begins. */
void tc_changeover_end(tc_sim *sim, int id)
{
    setup_step(sim, sim->jobs[id].station, -1);
    SIM_TRACE(sim, TC_TRACE_START, sim->jobs[id].station, id);
}

/* The station goes down: changeovers under way stop and keep what remains. */
void tc_changeover_down(tc_sim *sim, int s)
{
    const station_rt *st = &sim->st[s];
    for (int i = 0; i < st->nsvc; i++) {
        server_rt *v = &sim->co[s].srv[sim->jobs[st->svc[i]].server];
        v->setup_left = v->setup_end > sim->now ? v->setup_end - sim->now : 0;
    }
    if (sim->co[s].in_setup)
        setup_step(sim, s, -sim->co[s].in_setup);
}

/* The station is up again: an interrupted changeover resumes too. */
void tc_changeover_up(tc_sim *sim, int s)
{
    const station_rt *st = &sim->st[s];
    for (int i = 0; i < st->nsvc; i++) {
        const server_rt *v = &sim->co[s].srv[sim->jobs[st->svc[i]].server];
        if (v->setup_left > 0)
            begin_setup(sim, s, st->svc[i], v->setup_left);
    }
}

void tc_changeover_reset(tc_sim *sim, int s)
{
    changeover_rt *co = &sim->co[s];
    co->nsrv = co->in_setup = 0;
    co->k_setup = co->at_warmup = 0;
    tc_rng_init(&co->rng, sim->cfg.seed, sim->cfg.crn_key, sim->replication, TC_STREAM_SETUP(s));
    tc_changeover_cover(sim, s);
}

void tc_changeover_warmup(tc_sim *sim)
{
    for (int s = 0; s < sim->S; s++)
        sim->co[s].at_warmup = sim->co[s].in_setup * sim->now - sim->co[s].k_setup;
}

/* Changeover server-time from the warm-up to `end`. */
double tc_changeover_time(const tc_sim *sim, int s, double end)
{
    const changeover_rt *co = &sim->co[s];
    return co->in_setup * end - co->k_setup - co->at_warmup;
}
