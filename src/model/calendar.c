/*
 * calendar.c - weekly patterns and holidays in local time, turned into
 * intervals of simulated time once per run.
 *
 * Local-to-UTC goes through the zone's offsets rather than mktime() alone:
 * around a daylight-saving change the same wall-clock time may happen twice
 * (the first is taken) or not at all (the change itself is taken: that is
 * when the wall clock passes it), and mktime() leaves both to the library.
 */
#define _DEFAULT_SOURCE 1 /* tm_gmtoff, strncasecmp: BSD extensions glibc keeps behind it */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "twincast/calendar.h"
#include "twincast/clock.h"

static const char *const day_names[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

/* ---- the zone: the C library's, set for the length of one conversion ---- */

typedef struct saved_tz {
    char *tz; /* the TZ before, or NULL if unset */
} saved_tz;

static saved_tz zone_enter(const tc_zone *z)
{
    const char *old = getenv("TZ");
    saved_tz s = {old ? strdup(old) : NULL};
    char spec[TC_ZONE_NAME_MAX + 2];
    snprintf(spec, sizeof spec, ":%s", z->name);
    setenv("TZ", spec, 1);
    tzset();
    return s;
}

static void zone_leave(saved_tz s)
{
    if (s.tz)
        setenv("TZ", s.tz, 1);
    else
        unsetenv("TZ");
    tzset();
    free(s.tz);
}

static long offset_at(long t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    return tm.tm_gmtoff;
}

tc_status tc_zone_open(tc_zone *z, const char *name, char *err, size_t errlen)
{
    const char *dir = getenv("TZDIR") ? getenv("TZDIR") : "/usr/share/zoneinfo";
    char path[512];
    struct stat sb;
    if (!name[0] || strlen(name) >= sizeof z->name || name[0] == '/' || strstr(name, "..")) {
        snprintf(err, errlen, "'%s' is not a time-zone name (e.g. Europe/Berlin, UTC)", name);
        return TC_ERR_INPUT;
    }
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        snprintf(err, errlen, "unknown time zone '%s' (not in the time-zone database %s)", name, dir);
        return TC_ERR_INPUT;
    }
    snprintf(z->name, sizeof z->name, "%s", name);
    return TC_OK;
}

/* Inside zone_enter(): local seconds (the wall clock read as if UTC) to the instant. */
static long local_to_utc(long local)
{
    /* Offsets a day before and after: at most one change lies between in any real zone. */
    long oa = offset_at(local - 86400), ob = offset_at(local + 86400);
    long ta = local - oa, tb = local - ob;
    int va = offset_at(ta) == oa, vb = offset_at(tb) == ob;
    if (va && vb)
        return ta < tb ? ta : tb; /* a repeated hour: the first time */
    if (va || vb)
        return va ? ta : tb;
    /* A skipped hour: the change happens between tb (old offset) and ta (new offset). */
    long lo = tb < ta ? tb : ta, hi = tb < ta ? ta : tb;
    while (hi - lo > 1) {
        long mid = lo + (hi - lo) / 2;
        if (offset_at(mid) == ob)
            hi = mid;
        else
            lo = mid;
    }
    return hi;
}

double tc_zone_to_utc(const tc_zone *z, int year, int month, int day, int minutes)
{
    saved_tz s = zone_enter(z);
    long t = local_to_utc(tc_days_from_civil(year, month, day) * 86400 + minutes * 60L);
    zone_leave(s);
    return (double)t;
}

static long local_date(double utc, int *weekday)
{
    time_t tt = (time_t)floor(utc);
    struct tm tm;
    localtime_r(&tt, &tm);
    if (weekday)
        *weekday = (tm.tm_wday + 6) % 7;
    return tc_days_from_civil(tm.tm_year + 1900L, tm.tm_mon + 1, tm.tm_mday);
}

long tc_zone_local_date(const tc_zone *z, double utc, int *weekday)
{
    saved_tz s = zone_enter(z);
    long d = local_date(utc, weekday);
    zone_leave(s);
    return d;
}

void tc_zone_format_local(const tc_zone *z, double utc, char *buf, size_t n)
{
    saved_tz s = zone_enter(z);
    time_t tt = (time_t)floor(utc + 0.5); /* to the nearest second, then minutes shown */
    struct tm tm;
    localtime_r(&tt, &tm);
    zone_leave(s);
    snprintf(buf, n, "%s %02d:%02d", day_names[(tm.tm_wday + 6) % 7], tm.tm_hour, tm.tm_min);
}

/* ---- text ---------------------------------------------------------------- */

static int day_index(const char *s, size_t n)
{
    for (int i = 0; i < 7; i++)
        if (n == 3 && !strncasecmp(s, day_names[i], 3))
            return i;
    return -1;
}

int tc_calendar_parse_days(const char *text, unsigned *mask, char *err, size_t errlen)
{
    const char *dash = strchr(text, '-');
    size_t n1 = dash ? (size_t)(dash - text) : strlen(text);
    int a = day_index(text, n1), b = dash ? day_index(dash + 1, strlen(dash + 1)) : a;
    if (a < 0 || b < 0) {
        snprintf(err, errlen,
                 "'%s' is not a day or a range of days (Mon, Tue, Wed, Thu, Fri, Sat, Sun; Mon-Fri)", text);
        return -1;
    }
    *mask = 0;
    for (int i = a;; i = (i + 1) % 7) { /* Fri-Mon wraps over the weekend */
        *mask |= 1u << i;
        if (i == b)
            break;
    }
    return 0;
}

/* n decimal digits at s, as a number; -1 if any is not a digit. */
static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int tc_calendar_parse_time(const char *text, int *minutes, char *err, size_t errlen)
{
    int h = strlen(text) == 5 && text[2] == ':' ? digits(text, 2) : -1, m = h >= 0 ? digits(text + 3, 2) : -1;
    if (h < 0 || m < 0 || h > 24 || m > 59 || (h == 24 && m)) {
        snprintf(err, errlen, "'%s' is not a time of day as HH:MM (00:00 to 24:00)", text);
        return -1;
    }
    *minutes = h * 60 + m;
    return 0;
}

int tc_calendar_parse_date(const char *text, long *days, char *err, size_t errlen)
{
    int ok = strlen(text) == 10 && text[4] == '-' && text[7] == '-';
    int y = ok ? digits(text, 4) : -1, m = ok ? digits(text + 5, 2) : -1, d = ok ? digits(text + 8, 2) : -1;
    long yy;
    int mm, dd;
    if (y < 0 || m < 1 || m > 12 || d < 1) {
        snprintf(err, errlen, "'%s' is not a date as YYYY-MM-DD", text);
        return -1;
    }
    *days = tc_days_from_civil(y, m, d);
    tc_civil_from_days(*days, &yy, &mm, &dd);
    if (yy != y || mm != m || dd != d) { /* 2026-02-30 */
        snprintf(err, errlen, "'%s' is not a date of the calendar", text);
        return -1;
    }
    return 0;
}

/* ---- open time ------------------------------------------------------------- */

typedef struct span {
    long from, to; /* seconds since the epoch */
} span;

static int cmp_span(const void *a, const void *b)
{
    const span *x = a, *y = b;
    return (x->from > y->from) - (x->from < y->from);
}

/* Inside zone_enter(): the instant a local date's minute happens. */
static long at_local(long date, int minutes)
{
    return local_to_utc(date * 86400 + minutes * 60L);
}

/* Sorts and merges touching or overlapping spans in place; returns the new count. */
static int merge(span *s, int n)
{
    if (n == 0)
        return 0;
    qsort(s, (size_t)n, sizeof *s, cmp_span);
    int k = 0;
    for (int i = 1; i < n; i++) {
        if (s[i].from <= s[k].to) {
            if (s[i].to > s[k].to)
                s[k].to = s[i].to;
        } else {
            s[++k] = s[i];
        }
    }
    return k + 1;
}

/* Removes [from, to) from the merged spans; `s` has room for one more. */
static int cut(span *s, int n, long from, long to)
{
    for (int i = 0; i < n; i++) {
        if (s[i].to <= from || s[i].from >= to)
            continue;
        if (s[i].from < from && s[i].to > to) { /* split in two */
            memmove(s + i + 2, s + i + 1, sizeof *s * (size_t)(n - i - 1));
            s[i + 1] = (span){to, s[i].to};
            s[i].to = from;
            return n + 1;
        }
        if (s[i].from < from)
            s[i].to = from;
        else if (s[i].to > to)
            s[i].from = to;
        else
            s[i].to = s[i].from; /* emptied: dropped below */
    }
    int k = 0;
    for (int i = 0; i < n; i++)
        if (s[i].to > s[i].from)
            s[k++] = s[i];
    return k;
}

tc_status tc_calendar_open(const tc_calendar *c, const tc_zone *z, double start, double horizon,
                           double unit_seconds, tc_open_period **out, int *n)
{
    *out = NULL;
    *n = 0;
    saved_tz saved = zone_enter(z);
    long first = local_date(start, NULL) - 1, last = local_date(start + horizon, NULL) + 1;
    long days = last - first + 1;
    size_t cap = (size_t)(days * c->n_periods) + (size_t)c->n_holidays + 2;
    span *s = malloc(sizeof *s * cap);
    if (!s) {
        zone_leave(saved);
        return TC_ERR_RUNTIME;
    }
    int k = 0;
    for (long d = first; d <= last; d++) {
        int weekday = (int)((d % 7 + 7 + 3) % 7); /* 1970-01-01 was a Thursday */
        for (int p = 0; p < c->n_periods; p++) {
            const tc_week_period *wp = &c->periods[p];
            if (!(wp->days & (1u << weekday)))
                continue;
            long from = at_local(d, wp->from);
            long to = wp->to > wp->from ? at_local(d, wp->to) : at_local(d + 1, wp->to);
            if (to > from)
                s[k++] = (span){from, to};
        }
    }
    k = merge(s, k);
    for (int h = 0; h < c->n_holidays; h++)
        if (c->holidays[h] >= first && c->holidays[h] <= last)
            k = cut(s, k, at_local(c->holidays[h], 0), at_local(c->holidays[h] + 1, 0));
    zone_leave(saved);
    tc_open_period *iv = malloc(sizeof *iv * (size_t)(k + 1));
    if (!iv) {
        free(s);
        return TC_ERR_RUNTIME;
    }
    int m = 0;
    for (int i = 0; i < k; i++) {
        double a = (double)s[i].from - start, b = (double)s[i].to - start;
        if (b <= 0 || a >= horizon)
            continue;
        iv[m++] =
            (tc_open_period){(a > 0 ? a : 0) / unit_seconds, (b < horizon ? b : horizon) / unit_seconds};
    }
    free(s);
    *out = iv;
    *n = m;
    return TC_OK;
}

tc_status tc_calendar_occurrences(unsigned days, int minute, const tc_zone *z, double from, double to,
                                  double **out, int *n)
{
    *out = NULL;
    *n = 0;
    saved_tz saved = zone_enter(z);
    long first = local_date(from, NULL) - 1, last = local_date(to, NULL) + 1;
    double *t = malloc(sizeof *t * (size_t)(last - first + 1));
    if (!t) {
        zone_leave(saved);
        return TC_ERR_RUNTIME;
    }
    int k = 0;
    for (long d = first; d <= last; d++) {
        int weekday = (int)((d % 7 + 7 + 3) % 7); /* 1970-01-01 was a Thursday */
        double at = (double)at_local(d, minute);
        if ((days & (1u << weekday)) && at >= from && at < to && (k == 0 || at > t[k - 1]))
            t[k++] = at;
    }
    zone_leave(saved);
    *out = t;
    *n = k;
    return TC_OK;
}
