/* clock.c - ISO-8601 timestamps, by the proleptic Gregorian calendar. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "twincast/clock.h"

/* Days from 1970-01-01 to y-m-d (Howard Hinnant's algorithm, restated). */
long tc_days_from_civil(long y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void tc_civil_from_days(long z, long *y, int *m, int *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int tc_iso_parse(const char *s, double *seconds)
{
    int y, mo, d, h, mi, se;
    if (strlen(s) < 20 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
        digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || digits(s + 11, 2, &h) ||
        s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &se))
        return -1;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap) || h > 23 ||
        mi > 59 || se > 60)
        return -1;
    const char *p = s + 19;
    double frac = 0;
    if (*p == '.' || *p == ',') {
        double scale = 0.1;
        p++;
        if (*p < '0' || *p > '9')
            return -1;
        while (*p >= '0' && *p <= '9') {
            frac += (*p - '0') * scale;
            scale *= 0.1;
            p++;
        }
    }
    int offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 || om > 59)
            return -1;
        offset = (oh * 60 + om) * 60 * (*p == '+' ? 1 : -1);
        p += 6;
    } else {
        return -1; /* a timestamp without a zone is ambiguous */
    }
    if (*p != '\0')
        return -1;
    *seconds = (double)tc_days_from_civil(y, mo, d) * 86400.0 + h * 3600.0 + mi * 60.0 + se + frac - offset;
    return 0;
}

void tc_iso_format(double seconds, char *buf, size_t n)
{
    double whole = floor(seconds);
    long ms = lround((seconds - whole) * 1000);
    if (ms == 1000) {
        whole += 1;
        ms = 0;
    }
    long t = (long)whole, days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400), rest = t - days * 86400;
    long y;
    int m, d;
    tc_civil_from_days(days, &y, &m, &d);
    if (ms)
        snprintf(buf, n, "%04ld-%02d-%02dT%02ld:%02ld:%02ld.%03ldZ", y, m, d, rest / 3600, rest / 60 % 60,
                 rest % 60, ms);
    else
        snprintf(buf, n, "%04ld-%02d-%02dT%02ld:%02ld:%02ldZ", y, m, d, rest / 3600, rest / 60 % 60,
                 rest % 60);
}

double tc_clock_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void tc_iso_now(char *buf, size_t n)
{
    tc_iso_format(floor(tc_clock_now()), buf, n);
}

double tc_clock_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
