/*
 * event.h - one telemetry message from the plant, parsed and checked
 * against the model:
 *
 *   {"ts": "2026-12-01T08:03:12Z", "type": "down", "station": "B"}
 *   {"ts": ..., "type": "up" | "arrive" | "start" | "finish", "station": "A", "job": "J17"}
 *   {"ts": ..., "type": "arrive" | "start", "station": "press", "job": "J17", "product": "gadget"}
 *   {"ts": ..., "type": "setup" | "scrap", "station": "press", "job": "J17"}
 *   {"ts": ..., "type": "waiting", "station": "C", "value": 7}
 *   {"ts": ..., "type": "set", "path": "C.servers", "value": 2}
 *
 * `ts` is ISO-8601 with a zone, or a number in model time units (counted
 * from the Unix epoch).  Fields other than ts, type, station, job, path,
 * value, id and product are ignored.  Without a product, a job is of the
 * first product routed through the station.  `setup` marks a changeover's
 * start (its `start` then marks processing); `scrap` means the job left
 * the plant; a rework is the job's next `arrive` at the earlier station.  A message that fails any check is
 * rejected whole, with one reason.
 */
#ifndef TWINCAST_EVENT_H
#define TWINCAST_EVENT_H

#include <stddef.h>

#include "twincast/model.h"

#define TC_EVENT_MAX_BYTES 65536
#define TC_EVENT_ID_MAX    64

typedef enum tc_event_type {
    TC_EV_DOWN,
    TC_EV_UP,
    TC_EV_ARRIVE,
    TC_EV_START,
    TC_EV_FINISH,
    TC_EV_WAITING,
    TC_EV_SET,
    TC_EV_SETUP,
    TC_EV_SCRAP,
    TC_EV_NTYPES
} tc_event_type;

/* Why a message was skipped.  Names are stable: they are counters in files and logs. */
typedef enum tc_reject {
    TC_REJ_NONE = 0,
    TC_REJ_OVERSIZED, /* longer than TC_EVENT_MAX_BYTES */
    TC_REJ_NOT_JSON,  /* not a JSON object, or invalid UTF-8 */
    TC_REJ_MISSING_FIELD,
    TC_REJ_WRONG_TYPE,
    TC_REJ_UNKNOWN_TYPE,
    TC_REJ_UNKNOWN_STATION,
    TC_REJ_UNKNOWN_PATH,
    TC_REJ_OUT_OF_RANGE,
    TC_REJ_BAD_TIMESTAMP,
    TC_REJ_UNKNOWN_JOB,   /* finish of a job not in service there */
    TC_REJ_OVER_CAPACITY, /* more in service than servers, more waiting than the buffer */
    TC_REJ_LATE,          /* older than the twin's state and not idempotent */
    TC_REJ_DUPLICATE,     /* an event id seen already */
    TC_REJ_UNKNOWN_PRODUCT,
    TC_REJ_NOT_ON_ROUTE, /* a product whose route does not visit the station */
    TC_REJ_COUNT
} tc_reject;

typedef struct tc_event {
    tc_event_type type;
    double ts;   /* seconds since the Unix epoch */
    int station; /* -1 for set */
    int param;   /* set: index into the model's parameters */
    double value;
    int product;               /* source index, -1 if not given */
    char job[TC_EVENT_ID_MAX]; /* "" if none */
    char id[TC_EVENT_ID_MAX];  /* optional event id, for de-duplication */
} tc_event;

const char *tc_event_type_name(tc_event_type t);
const char *tc_reject_name(tc_reject r);
/* Significant events (down, up, set) trigger a re-forecast on their own. */
int tc_event_is_significant(tc_event_type t);

/* Parses and checks one message; TC_REJ_NONE or the reason, with detail in why. */
tc_reject tc_event_parse(const tc_model *m, const char *msg, size_t len, tc_event *ev, char *why,
                         size_t whylen);

#endif
