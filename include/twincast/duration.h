/*
 * duration.h - model time units and duration strings ("90s", "45min",
 * "2h", "1d").  Plain numbers are in the model's time unit.
 */
#ifndef TWINCAST_DURATION_H
#define TWINCAST_DURATION_H

typedef enum tc_time_unit { TC_UNIT_S = 0, TC_UNIT_MIN, TC_UNIT_H } tc_time_unit;

/* Seconds in one unit. */
double tc_time_unit_seconds(tc_time_unit u);
const char *tc_time_unit_name(tc_time_unit u);
/* Returns 0 and sets *u, or -1 for an unknown name. */
int tc_time_unit_parse(const char *s, tc_time_unit *u);

/*
 * Parses a duration: a finite number (in `unit`) or a number followed by
 * ms, s, min, h or d.  Returns 0 and sets *out (in `unit`), or -1 with a reason
 * in err.
 */
int tc_duration_parse(const char *s, tc_time_unit unit, double *out, char *err, size_t errlen);

#endif
