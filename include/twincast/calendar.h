/*
 * calendar.h - the plant's own clock: weekly patterns of open periods in
 * local time (an IANA time zone, daylight-saving changes honoured) and
 * holidays, converted once, at set-up, into intervals of simulated time
 * from a forecast's start.  Nothing here runs in the event loop.
 *
 * Conversions go through the C library's time-zone database (tzdata), which
 * keeps its zone in process-wide state: call these on one thread, before any
 * replication starts.
 */
#ifndef TWINCAST_CALENDAR_H
#define TWINCAST_CALENDAR_H

#include <stddef.h>

#include "twincast/status.h"

#define TC_ZONE_NAME_MAX 64

/* An IANA time zone, checked to exist in the database. */
typedef struct tc_zone {
    char name[TC_ZONE_NAME_MAX];
} tc_zone;

/* One open period of a weekly pattern, in local time. */
typedef struct tc_week_period {
    unsigned days; /* bit 0: Monday .. bit 6: Sunday; the day the period starts */
    int from, to;  /* minutes after local midnight, 0..1440; to <= from: it ends the next day */
} tc_week_period;

/* A weekly pattern and the local dates on which it is closed all day. */
typedef struct tc_calendar {
    int n_periods;
    tc_week_period *periods;
    int n_holidays;
    long *holidays; /* local dates, as days since 1970-01-01 */
} tc_calendar;

/* An interval of simulated time [from, to), in model units from the start. */
typedef struct tc_open_period {
    double from, to;
} tc_open_period;

/* "UTC", "Europe/Berlin", ...: TC_ERR_INPUT with the reason when the database has no such zone. */
tc_status tc_zone_open(tc_zone *z, const char *name, char *err, size_t errlen);
/*
 * The instant (seconds since the Unix epoch) at which the zone's wall clock
 * first shows the local date and time: in a repeated hour the first one; a
 * time skipped by a daylight-saving change maps to the change itself (the
 * wall clock passes it there).
 */
double tc_zone_to_utc(const tc_zone *z, int year, int month, int day, int minutes);
/* The local date (days since 1970-01-01) and weekday (0: Monday) of an instant. */
long tc_zone_local_date(const tc_zone *z, double utc, int *weekday);

/* An instant as the zone's wall clock: "Mon 08:51". */
void tc_zone_format_local(const tc_zone *z, double utc, char *buf, size_t n);

/* "Mon", "Mon-Fri", "Fri-Mon" (wrapping): a day mask; -1 with the reason on bad text. */
int tc_calendar_parse_days(const char *text, unsigned *mask, char *err, size_t errlen);
/* "06:00" .. "24:00": minutes after midnight; -1 with the reason on bad text. */
int tc_calendar_parse_time(const char *text, int *minutes, char *err, size_t errlen);
/* "2026-12-24": days since 1970-01-01; -1 with the reason on bad text. */
int tc_calendar_parse_date(const char *text, long *days, char *err, size_t errlen);

/*
 * The calendar's open time within [start, start + horizon) (seconds since the
 * epoch, seconds), as sorted, disjoint intervals of simulated time in units
 * of `unit_seconds` from the start.  *out is allocated (free() it).
 */
tc_status tc_calendar_open(const tc_calendar *c, const tc_zone *z, double start, double horizon,
                           double unit_seconds, tc_open_period **out, int *n);

/*
 * The instants in [from, to) (seconds since the epoch) at which the zone's
 * wall clock shows `minute` (after midnight) on one of `days`: a break's or
 * a repeating maintenance's starts.  *out is allocated (free() it).
 */
tc_status tc_calendar_occurrences(unsigned days, int minute, const tc_zone *z, double from, double to,
                                  double **out, int *n);

#endif
