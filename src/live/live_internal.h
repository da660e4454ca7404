/* live_internal.h - inside the live stage: the loop's state, shared by the
 * loop (live.c) and the epochs (live_epoch.c). */
#ifndef TWINCAST_LIVE_INTERNAL_H
#define TWINCAST_LIVE_INTERNAL_H

#include "twincast/live.h"
#include "twincast/outcome.h"
#include "twincast/store.h"

struct tc_live {
    int rank, size;
    MPI_Comm comm;
    tc_live_opts o;
    tc_model *m;
    tc_twin *twin;
    tc_job job;
    tc_live_source *src;
    int epochs_done, epochs_superseded;
    long applied_at_epoch;             /* twin counters when the last epoch was taken */
    double debounce_due, interval_due; /* NAN: none */
    double last_log[TC_REJ_COUNT];     /* when each reason was last logged */
    double shift_due;      /* --on-shift-change: the calendar's next change (epoch s); NAN: none */
    double fire_at;        /* an epoch fired for a change: as of then (NAN: the twin's time) */
    tc_outcomes *outcomes; /* rank 0, with an output file: forecasts watched for their outcome */
    tc_decide_plan plan;   /* o.decide: what each epoch decides among, and how (every rank) */
};

/* Rank 0: the scores known so far into the open file (live_epoch.c). */
int tc_live_write_skill(tc_live *lv, tc_store *store, char *err, size_t errlen);

/* Rank 0: the calendar's first change after `after` (seconds since the epoch), within 8 days; NAN: none. */
double tc_live_next_shift(const tc_live *lv, double after);
/* Rank 0: runs an epoch with all ranks (TC_OK even if superseded). */
int tc_live_fire(tc_live *lv, char *err, size_t errlen);
/* Ranks > 0: serve epochs until rank 0 says stop. */
int tc_live_worker(tc_live *lv, char *err, size_t errlen);
/* Rank 0: tells the workers to stop. */
void tc_live_stop_workers(tc_live *lv);

#endif
