/*
 * test_calendar - the plant's clock: day, time and date text; local time to
 * UTC in Europe/Berlin across both daylight-saving changes of 2026 (a
 * skipped hour, a repeated hour); open intervals of a weekly pattern across
 * midnight, a weekend, a holiday and the changes.  Expected instants are
 * computed independently with timegm() from the UTC times worked out by
 * hand (Berlin: UTC+1 in winter, UTC+2 from 2026-03-29 01:00Z to
 * 2026-10-25 01:00Z).
 */
#define _DEFAULT_SOURCE 1 /* timegm */
#include <string.h>
#include <time.h>

#include "tc_test.h"
#include "twincast/calendar.h"

static double utc(int y, int m, int d, int h, int mi)
{
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
    return (double)timegm(&tm);
}

static tc_zone berlin(void)
{
    tc_zone z;
    char err[256];
    if (tc_zone_open(&z, "Europe/Berlin", err, sizeof err) != TC_OK)
        fail_msg("%s", err);
    return z;
}

static void test_text(void **s)
{
    (void)s;
    char err[256];
    unsigned mask;
    int min;
    long day;
    assert_int_equal(tc_calendar_parse_days("Mon-Fri", &mask, err, sizeof err), 0);
    assert_int_equal(mask, 0x1f);
    assert_int_equal(tc_calendar_parse_days("sat", &mask, err, sizeof err), 0);
    assert_int_equal(mask, 0x20);
    assert_int_equal(tc_calendar_parse_days("Fri-Mon", &mask, err, sizeof err), 0);
    assert_int_equal(mask, 0x71); /* Fri, Sat, Sun, Mon */
    assert_int_equal(tc_calendar_parse_days("Mon-Frx", &mask, err, sizeof err), -1);
    assert_non_null(strstr(err, "'Mon-Frx' is not a day or a range of days"));
    assert_int_equal(tc_calendar_parse_days("Monday", &mask, err, sizeof err), -1);
    assert_int_equal(tc_calendar_parse_time("06:00", &min, err, sizeof err), 0);
    assert_int_equal(min, 360);
    assert_int_equal(tc_calendar_parse_time("24:00", &min, err, sizeof err), 0);
    assert_int_equal(min, 1440);
    const char *bad[] = {"24:30", "6:00", "12:60", "12:00x", "ab:cd", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(tc_calendar_parse_time(bad[i], &min, err, sizeof err), -1);
    assert_int_equal(tc_calendar_parse_date("2026-12-24", &day, err, sizeof err), 0);
    assert_close((double)day * 86400, utc(2026, 12, 24, 0, 0), 0);
    assert_int_equal(tc_calendar_parse_date("2026-02-30", &day, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a date of the calendar"));
    assert_int_equal(tc_calendar_parse_date("2026-2-3", &day, err, sizeof err), -1);
}

static void test_zones(void **s)
{
    (void)s;
    tc_zone z;
    char err[256];
    assert_int_equal(tc_zone_open(&z, "Europe/Berlinn", err, sizeof err), TC_ERR_INPUT);
    assert_non_null(strstr(err, "unknown time zone 'Europe/Berlinn'"));
    assert_int_equal(tc_zone_open(&z, "../../etc/passwd", err, sizeof err), TC_ERR_INPUT);
    assert_int_equal(tc_zone_open(&z, "UTC", err, sizeof err), TC_OK);
    assert_close(tc_zone_to_utc(&z, 2026, 12, 7, 6 * 60), utc(2026, 12, 7, 6, 0), 0);
    z = berlin();
    assert_close(tc_zone_to_utc(&z, 2026, 12, 7, 6 * 60), utc(2026, 12, 7, 5, 0), 0);
    assert_close(tc_zone_to_utc(&z, 2026, 7, 1, 6 * 60), utc(2026, 7, 1, 4, 0), 0);
    /* spring: 02:00 CET becomes 03:00 CEST at 01:00Z; 02:30 never shows, the clock passes it then */
    assert_close(tc_zone_to_utc(&z, 2026, 3, 29, 1 * 60 + 59), utc(2026, 3, 29, 0, 59), 0);
    assert_close(tc_zone_to_utc(&z, 2026, 3, 29, 2 * 60 + 30), utc(2026, 3, 29, 1, 0), 0);
    assert_close(tc_zone_to_utc(&z, 2026, 3, 29, 3 * 60), utc(2026, 3, 29, 1, 0), 0);
    /* autumn: 03:00 CEST becomes 02:00 CET at 01:00Z; 02:30 shows twice, the first is taken */
    assert_close(tc_zone_to_utc(&z, 2026, 10, 25, 2 * 60 + 30), utc(2026, 10, 25, 0, 30), 0);
    assert_close(tc_zone_to_utc(&z, 2026, 10, 25, 3 * 60), utc(2026, 10, 25, 2, 0), 0);
    int wd;
    long d = tc_zone_local_date(&z, utc(2026, 12, 11, 23, 30), &wd); /* Saturday 00:30 in Berlin */
    assert_int_equal(wd, 5);
    assert_close((double)d * 86400, utc(2026, 12, 12, 0, 0), 0);
    assert_null(getenv("TZ")); /* the process's zone is left as it was */
}

static void expect_open(const tc_calendar *c, double start, double horizon_h, double unit, const double *want,
                        int nwant)
{
    tc_zone z = berlin();
    tc_open_period *iv = NULL;
    int n = -1;
    assert_int_equal(tc_calendar_open(c, &z, start, horizon_h * 3600, unit, &iv, &n), TC_OK);
    if (n != nwant) {
        for (int i = 0; i < n; i++)
            print_error("  got [%g, %g)\n", iv[i].from, iv[i].to);
        fail_msg("%d intervals, wanted %d", n, nwant);
    }
    for (int i = 0; i < n; i++) {
        assert_close(iv[i].from, want[2 * i], 1e-9);
        assert_close(iv[i].to, want[2 * i + 1], 1e-9);
    }
    free(iv);
}

static void test_open_time(void **s)
{
    (void)s;
    /* two shifts on weekdays, a morning on Saturday; from Friday 21:30 for 10 h, in minutes:
     * open until the 22:00 closure, closed until Saturday 06:00 */
    tc_week_period shifts[] = {{0x1f, 6 * 60, 22 * 60}, {0x20, 6 * 60, 14 * 60}};
    tc_calendar c = {2, shifts, 0, NULL};
    const double friday[] = {0, 30, 510, 600};
    expect_open(&c, utc(2026, 12, 11, 20, 30), 10, 60, friday, 2);
    /* a night shift that crosses midnight: Monday 22:00 to Tuesday 06:00, none on Sunday night */
    tc_week_period night[] = {{0x1f, 22 * 60, 6 * 60}};
    tc_calendar cn = {1, night, 0, NULL};
    const double monday[] = {22 * 60, 24 * 60};
    expect_open(&cn, utc(2026, 12, 6, 23, 0), 24, 60, monday, 1);
    /* 01:00 to 05:00 every day, in hours from local midnight: 3 h on the spring day, 5 h in autumn */
    tc_week_period early[] = {{0x7f, 60, 5 * 60}};
    tc_calendar ce = {1, early, 0, NULL};
    const double spring[] = {1, 4}, autumn[] = {1, 6};
    expect_open(&ce, utc(2026, 3, 28, 23, 0), 24, 3600, spring, 1);
    expect_open(&ce, utc(2026, 10, 24, 22, 0), 24, 3600, autumn, 1);
    /* a holiday closes Thursday 24 December, also the part of a night shift that runs into it */
    long xmas;
    char err[128];
    assert_int_equal(tc_calendar_parse_date("2026-12-24", &xmas, err, sizeof err), 0);
    tc_calendar ch = {2, shifts, 1, &xmas};
    const double week[] = {6, 22, 54, 70};
    expect_open(&ch, utc(2026, 12, 22, 23, 0), 72, 3600, week, 2);
    tc_calendar cnh = {1, night, 1, &xmas};
    /* Tuesday's night from the start to 06:00, Wednesday's stops at midnight, Thursday's (begun on the
     * holiday) resumes on Friday at midnight, Friday's runs on */
    const double nights[] = {0, 6, 22, 24, 48, 54, 70, 72};
    expect_open(&cnh, utc(2026, 12, 22, 23, 0), 72, 3600, nights, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_zones),
        cmocka_unit_test(test_open_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
