/*
 * twin_internal.h - the twin's state, shared by twin.c (the switchboard),
 * twin_line.c (waiting lines and jobs in service, with their products) and
 * twin_snapshot.c (the JSON snapshot a forecast starts from, and restore).
 */
#ifndef TWINCAST_TWIN_INTERNAL_H
#define TWINCAST_TWIN_INTERNAL_H

#include <stdint.h>

#include "twincast/calibration.h"
#include "twincast/twin.h"

typedef struct in_service {
    char job[TC_EVENT_ID_MAX];
    double start; /* seconds since the epoch: of the changeover while `setup`, else of processing */
    int product;  /* source index */
    int setup;    /* in a changeover: its `start` event has not come yet */
} in_service;

/* Jobs that joined the waiting line together: a run of one product since one time. */
typedef struct waiting_run {
    int product;
    double since; /* seconds since the epoch */
    long count;
} waiting_run;

typedef struct station_twin {
    int up;
    double down_since;
    int waiting;       /* jobs in the line: the runs' counts summed */
    waiting_run *line; /* oldest first */
    int nrun, runcap;
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
    tc_twin_watch_fn on_apply; /* or NULL */
    void *apply_user;
    tc_calibration *cal; /* what the telemetry says about the parameters; NULL: no calibration block */
};

/* ---- twin_line.c ---- */
/* The first product routed through station s: a job's product when an event does not say. */
int tc_twin_default_product(const tc_twin *t, int s);
/* n jobs of `product` join the line at `since`; -1: out of memory. */
int tc_twin_line_join(station_twin *st, int product, double since, long n);
/* One job leaves the line for service: the oldest of its product, else the oldest. */
void tc_twin_line_take(station_twin *st, int product);
/* A count from the plant: drops the oldest, or adds jobs of `product` since `at`; -1: out of memory. */
int tc_twin_line_set(station_twin *st, long count, int product, double at);
/* Room for one more job in service; -1: out of memory. */
int tc_twin_service_reserve(station_twin *st);
/* The index of a job in service, or -1. */
int tc_twin_service_find(const station_twin *st, const char *job);

#endif
