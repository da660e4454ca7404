/* duration.c - time units and duration strings. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "twincast/duration.h"

static const struct {
    const char *name;
    double seconds;
} units[] = {
    [TC_UNIT_S] = {"s", 1.0},
    [TC_UNIT_MIN] = {"min", 60.0},
    [TC_UNIT_H] = {"h", 3600.0},
};

double tc_time_unit_seconds(tc_time_unit u)
{
    return units[u].seconds;
}
const char *tc_time_unit_name(tc_time_unit u)
{
    return units[u].name;
}

int tc_time_unit_parse(const char *s, tc_time_unit *u)
{
    for (int i = 0; i < (int)(sizeof units / sizeof units[0]); i++)
        if (strcmp(s, units[i].name) == 0) {
            *u = (tc_time_unit)i;
            return 0;
        }
    return -1;
}

int tc_duration_parse(const char *s, tc_time_unit unit, double *out, char *err, size_t errlen)
{
    char *end = NULL;
    while (isspace((unsigned char)*s))
        s++;
    if (*s == '\0') {
        snprintf(err, errlen, "empty duration");
        return -1;
    }
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno == ERANGE || !isfinite(v)) {
        snprintf(err, errlen, "'%s' is not a finite number or duration (e.g. 90s, 45min, 2h, 1d)", s);
        return -1;
    }
    while (isspace((unsigned char)*end))
        end++;
    double seconds_per = tc_time_unit_seconds(unit);
    if (*end != '\0') {
        if (strcmp(end, "ms") == 0)
            seconds_per = 0.001;
        else if (strcmp(end, "s") == 0)
            seconds_per = 1.0;
        else if (strcmp(end, "min") == 0)
            seconds_per = 60.0;
        else if (strcmp(end, "h") == 0)
            seconds_per = 3600.0;
        else if (strcmp(end, "d") == 0)
            seconds_per = 86400.0;
        else {
            snprintf(err, errlen, "unknown duration suffix '%s' in '%s' (use ms, s, min, h or d)", end, s);
            return -1;
        }
    }
    *out = v * seconds_per / tc_time_unit_seconds(unit);
    return 0;
}
