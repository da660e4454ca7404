/*
 * twin.h - the synchronized plant state and its switchboard.  Events are
 * offered as they arrive and settled in timestamp order (the debounce
 * window); each maps to exactly one validated mutation of the state, or is
 * rejected whole with a reason.  The state can be written as the JSON
 * snapshot a forecast starts from, and restored from one.
 */
#ifndef TWINCAST_TWIN_H
#define TWINCAST_TWIN_H

#include <stddef.h>

#include "twincast/event.h"
#include "twincast/state.h"

typedef struct tc_twin_counters {
    long offered; /* events handed to the twin */
    long applied;
    long late;                   /* older than the state, applied (idempotent) or rejected */
    long by_type[TC_EV_NTYPES];  /* applied, per type */
    long rejected[TC_REJ_COUNT]; /* per reason, parse rejections included */
} tc_twin_counters;

typedef struct tc_twin tc_twin;

/* Called for each event the switchboard rejects at settling, with its raw message. */
typedef void (*tc_twin_reject_fn)(void *user, const char *raw, size_t len, tc_reject why, const char *detail);

/*
 * Called after each event the switchboard applied: the station's waiting
 * line as it now is (station -1: a `set`), at the event's time.  What
 * watches the plant's outcomes (outcome.h) listens here.
 */
typedef void (*tc_twin_watch_fn)(void *user, int station, int waiting, double ts);

tc_twin *tc_twin_create(const tc_model *m);
void tc_twin_destroy(tc_twin *t);
/* keep_raw: hold a copy of each queued message, to hand rejected ones to fn (for a dead-letter topic). */
void tc_twin_on_reject(tc_twin *t, tc_twin_reject_fn fn, void *user, int keep_raw);

void tc_twin_on_apply(tc_twin *t, tc_twin_watch_fn fn, void *user);
/* Jobs waiting at station s now. */
int tc_twin_waiting(const tc_twin *t, int s);

/* Queues a parsed event (raw: its message, kept for the dead-letter copy). */
tc_status tc_twin_offer(tc_twin *t, const tc_event *ev, const char *raw, size_t len);
/* Counts a message rejected before it became an event (parse errors). */
void tc_twin_count_rejected(tc_twin *t, tc_reject why);
/*
 * Applies the queued events in timestamp order; at one instant, what frees
 * before what takes (finish, scrap; up, set; arrive, waiting; setup; start;
 * down), each job's own events in arrival order.  Returns how many were applied.
 */
long tc_twin_settle(tc_twin *t);
long tc_twin_pending(const tc_twin *t);

/* The switchboard for one event, now: TC_REJ_NONE, or why not (state unchanged). */
tc_reject tc_twin_apply(tc_twin *t, const tc_event *ev, char *why, size_t whylen);

double tc_twin_time(const tc_twin *t);
/* The significant events applied since the last call ("down B at ...; set C.servers at ..."). */
void tc_twin_take_triggers(tc_twin *t, char *buf,
                           size_t n); /* latest applied ts, seconds since the epoch; NAN before any */
const tc_twin_counters *tc_twin_get_counters(const tc_twin *t);

/* The state at time `at` as a JSON snapshot (malloc'd), exact to the bit. */
char *tc_twin_snapshot_json(const tc_twin *t, double at);
/* Replaces the state by a snapshot's (as written above). */
tc_status tc_twin_restore(tc_twin *t, const char *json, const char *origin, char *err, size_t errlen);

#endif
