/*
 * timetable.h - the plant's timetable: shifts (capacity by local time),
 * breaks, planned maintenance and arrival-rate factors, as the model states
 * them (tc_plant_calendar), and as one run sees them (tc_timetable): every
 * calendar time converted, once, at set-up, into simulated time from the
 * forecast's start, so that the engine only meets numbers.
 *
 * Building a timetable converts through the time-zone database (calendar.h):
 * call tc_timetable_build on one thread, before any replication starts.
 */
#ifndef TWINCAST_TIMETABLE_H
#define TWINCAST_TIMETABLE_H

#include "twincast/calendar.h"
#include "twincast/status.h"

struct tc_model;

/* ---- what the model says ---------------------------------------------------- */

typedef struct tc_named_calendar {
    const char *name;
    tc_calendar cal; /* its holidays are the model's `calendars.holidays` */
} tc_named_calendar;

/*
 * One entry of a station's schedule (a number of servers) or of a source's
 * rate (a factor): in a weekly period, or inside and/or outside a named
 * calendar's open time.
 */
typedef struct tc_rule {
    int calendar; /* -1: `period` says when; else an index into tc_plant_calendar.calendars */
    tc_week_period period;
    int has_open, has_closed;
    double open_value;   /* in the period, or in the calendar's open time */
    double closed_value; /* outside the calendar's open time */
} tc_rule;

/* A weekly moment and a length: a break, or a repeating maintenance. */
typedef struct tc_recurring {
    unsigned days; /* bit 0: Monday .. bit 6: Sunday */
    int minute;    /* after local midnight */
    double length; /* seconds */
} tc_recurring;

typedef struct tc_station_calendar {
    int n_rules;
    tc_rule *rules; /* the schedule, in order: later entries win where they overlap */
    int n_breaks;
    tc_recurring *breaks; /* no server works */
    int pause;            /* at_close: pause (preempt-resume), else finish */
    int operating;        /* failure.clock: operating (time to failure runs only while open) */
} tc_station_calendar;

typedef struct tc_source_calendar {
    int n_rules;
    tc_rule *rules; /* rate factors, default 1 */
} tc_source_calendar;

typedef struct tc_maintenance {
    int station;
    int repeating;      /* 1: every.days at every.minute; 0: at */
    double at;          /* seconds since the epoch */
    tc_recurring every; /* its length is the maintenance's, for both kinds */
} tc_maintenance;

/* The model's calendar part; NULL in a model that uses none. */
typedef struct tc_plant_calendar {
    int n_calendars;
    tc_named_calendar *calendars;
    tc_station_calendar *stations; /* [n_stations] */
    tc_source_calendar *sources;   /* [n_sources] */
    int n_maintenance;
    tc_maintenance *maintenance;
} tc_plant_calendar;

/* ---- what one run sees -------------------------------------------------------- */

/*
 * A piecewise-linear clock L(t) with slope rate[i] on [t[i], t[i+1]), the
 * last piece running on for ever: the cumulative arrival intensity Lambda,
 * or a station's operating time.
 */
typedef struct tc_time_scale {
    int n;                  /* 0: the plain clock, L(t) = t */
    double *t, *rate, *cum; /* cum[i] = L(t[i]); t[0] = 0 */
} tc_time_scale;

typedef enum tc_shift_kind { TC_SHIFT_MAINT_END, TC_SHIFT_SERVERS, TC_SHIFT_MAINT_START } tc_shift_kind;

/* A change the timetable makes at a time: a capacity, or maintenance beginning or ending. */
typedef struct tc_shift_change {
    double at; /* simulated time, model units, in [0, horizon] */
    int station;
    tc_shift_kind kind;
    int servers; /* TC_SHIFT_SERVERS */
} tc_shift_change;

typedef struct tc_timetable {
    int n_stations, n_sources;
    double start;   /* seconds since the epoch at simulated time 0 */
    double horizon; /* model units */
    int n_changes;
    tc_shift_change *changes; /* by time; at one time maintenance ends, capacities, then starts */
    int *servers0;            /* [station]: the schedule's capacity at 0; -1: no schedule */
    unsigned char *pause;     /* [station]: at_close pause */
    tc_time_scale *arrivals;  /* [source] */
    tc_time_scale *operating; /* [station]: open time, for failure.clock operating */
} tc_timetable;

/*
 * The model's timetable for a run from `start` (seconds since the epoch)
 * over `horizon` (model units).  *out is NULL for a model without a
 * calendar.  TC_ERR_RUNTIME when memory runs out.
 */
tc_status tc_timetable_build(const struct tc_model *m, double start, double horizon, tc_timetable **out,
                             char *err, size_t errlen);
void tc_timetable_destroy(tc_timetable *tt);

/*
 * The plan's mean servers per station over each of T bins of bin_width from
 * 0 (the last cut at the horizon): the schedule and breaks, 0 in planned
 * maintenance; a station without a schedule has its model servers.
 * out[b * S + s].  No live capacity, failures or scenarios: the plan.
 */
void tc_timetable_servers_per_bin(const tc_timetable *tt, const struct tc_model *m, double bin_width, int T,
                                  double *out);

/* L(t), advancing *piece (the piece of the last t asked; start at 0) as t grows. */
double tc_time_scale_at(const tc_time_scale *s, double t, int *piece);
/* The first t >= s->t[*piece] with L(t) >= y; +inf if L never gets there. */
double tc_time_scale_inverse(const tc_time_scale *s, double y, const int *piece);

#endif
