/*
 * clock.h - wall-clock timestamps: ISO-8601 text <-> seconds since the
 * Unix epoch (UTC), without the C library's time-zone state.
 */
#ifndef TWINCAST_CLOCK_H
#define TWINCAST_CLOCK_H

#include <stddef.h>

/*
 * Parses YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM) (a space may stand
 * for the T).  A zone is required.  Returns 0, or -1 if malformed.
 */
int tc_iso_parse(const char *s, double *seconds);
/* Formats as YYYY-MM-DDTHH:MM:SS[.mmm]Z (milliseconds only when not whole). */
void tc_iso_format(double seconds, char *buf, size_t n);
/* Days from 1970-01-01 to a proleptic Gregorian date, and back. */
long tc_days_from_civil(long y, int m, int d);
void tc_civil_from_days(long days, long *y, int *m, int *d);
/* The current UTC time, ISO-8601. */
void tc_iso_now(char *buf, size_t n);
double tc_clock_now(void);       /* seconds since the epoch, from CLOCK_REALTIME */
double tc_clock_monotonic(void); /* seconds from CLOCK_MONOTONIC: for durations and timeouts */

#endif
