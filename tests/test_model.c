/*
 * test_model - the YAML loader: the schema, durations, the parameter
 * registry, validated mutation, and a clear file:line:col message for each
 * kind of bad model.
 */
#include <string.h>

#include "tc_test.h"

static const char good[] =
    "name: factory\n"
    "time_unit: min\n"
    "horizon: 8h\n"
    "replications: 500\n"
    "seed: 20261201\n"
    "stations:\n"
    "  A: {servers: 2, process: {dist: exponential, mean: 1.6}}\n"
    "  B:\n"
    "    servers: 1\n"
    "    process: {dist: lognormal, mean: 1.8, sd: 0.4}\n"
    "    buffer: 30\n"
    "    threshold: 12\n"
    "    failure: {ttf: {dist: exponential, mean: 10h}, ttr: {dist: lognormal, mean: 40, sd: 15}}\n"
    "  C: {servers: 1, process: {dist: gamma, mean: 90s, sd: 0.5}, threshold: 12}\n"
    "  D: {servers: 2, process: {dist: triangular, min: 1.0, mode: 1.5, max: 3.0}}\n"
    "  E: {process: {dist: empirical, values: [1, 2, 3], weights: [1, 1, 2]}}\n"
    "sources:\n"
    "  orders:\n"
    "    interarrival: {dist: exponential, mean: 1.0}\n"
    "    route: [A, [B, C], D, E]\n"
    "scenarios:\n"
    "  overtime_C: [{at: 0, set: C.servers, value: 2}]\n"
    "  repair_B_1h: [{at: 1h, up: B}, {at: 30min, down: B}]\n";

static void test_loads_the_schema(void **s)
{
    (void)s;
    tc_model *m = tc_test_model(good);
    assert_string_equal(m->name, "factory");
    assert_int_equal(m->unit, TC_UNIT_MIN);
    assert_close(m->horizon, 480, 0);
    assert_int_equal(m->replications, 500);
    assert_int_equal(m->seed, 20261201u);
    assert_int_equal(m->plant.n_stations, 5);
    const tc_station *b = &m->plant.stations[1];
    assert_string_equal(b->name, "B");
    assert_int_equal(b->buffer, 30);
    assert_int_equal(b->threshold, 12);
    assert_true(b->has_failure);
    assert_close(b->ttf.p[0], 600, 1e-12);                       /* 10h in minutes */
    assert_close(m->plant.stations[2].process.p[0], 1.5, 1e-12); /* 90s */
    assert_int_equal(m->plant.stations[0].buffer, TC_UNLIMITED);
    assert_int_equal(m->plant.stations[0].threshold, 10); /* default without a buffer */
    assert_int_equal(m->plant.stations[4].servers, 1);    /* default */
    /* route: A, [B, C], D, E */
    const tc_source *o = &m->plant.sources[0];
    assert_int_equal(o->n_steps, 4);
    assert_int_equal(m->steps[o->first_step + 1].n_alts, 2);
    assert_int_equal(m->alts[m->steps[o->first_step + 1].first_alt + 1], 2);
    /* scenarios: changes sorted by time */
    int r = tc_model_scenario_index(m, "repair_B_1h");
    assert_true(r >= 0);
    assert_int_equal(m->scenarios[r].changes[0].kind, TC_CHANGE_DOWN);
    assert_close(m->scenarios[r].changes[1].at, 60, 0);
    tc_model_destroy(m);
}

static void test_registry_paths(void **s)
{
    (void)s;
    tc_model *m = tc_test_model(good);
    const char *paths[] = {"A.servers",          "B.buffer",       "B.threshold",
                           "B.process.mean",     "B.process.sd",   "B.failure.ttr.mean",
                           "B.failure.ttf.mean", "D.process.mode", "orders.interarrival.mean"};
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        int k = tc_model_param_find(m, paths[i]);
        if (k < 0)
            print_error("missing path %s\n", paths[i]);
        assert_true(k >= 0);
        assert_string_equal(m->params[k].path, paths[i]);
    }
    assert_int_equal(tc_model_param_find(m, "A.failure.ttr.mean"), -1); /* A never fails */
    assert_int_equal(tc_model_param_find(m, "E.process.values"), -1);
    assert_true(m->params[tc_model_param_find(m, "A.servers")].is_integer);
    assert_true(m->params[tc_model_param_find(m, "B.process.mean")].is_duration);
    tc_model_destroy(m);
}

static void test_set_is_validated_and_atomic(void **s)
{
    (void)s;
    tc_model *m = tc_test_model(good);
    char err[256];
    const tc_param *sd = &m->params[tc_model_param_find(m, "B.process.sd")];
    const tc_param *sv = &m->params[tc_model_param_find(m, "C.servers")];
    const tc_param *mode = &m->params[tc_model_param_find(m, "D.process.mode")];
    tc_dist before = m->plant.stations[1].process;
    assert_int_equal(tc_plant_set(&m->plant, sd, -1, err, sizeof err), TC_ERR_INPUT);
    assert_non_null(strstr(err, "B.process.sd"));
    assert_memory_equal(&before, &m->plant.stations[1].process, sizeof before);
    assert_int_equal(tc_plant_set(&m->plant, sv, 2.5, err, sizeof err), TC_ERR_INPUT);
    assert_int_equal(tc_plant_set(&m->plant, sv, NAN, err, sizeof err), TC_ERR_INPUT);
    assert_int_equal(tc_plant_set(&m->plant, mode, 5, err, sizeof err), TC_ERR_INPUT); /* > max */
    assert_close(tc_plant_get(&m->plant, mode), 1.5, 0);
    assert_int_equal(tc_plant_set(&m->plant, sv, 3, err, sizeof err), TC_OK);
    assert_int_equal(m->plant.stations[2].servers, 3);
    assert_int_equal(tc_plant_set(&m->plant, sd, 0.8, err, sizeof err), TC_OK);
    assert_close(tc_dist_variance(&m->plant.stations[1].process), 0.64, 1e-12);
    tc_model_destroy(m);
}

/* Each bad model must fail with exit status 2 and a message holding `want`. */
static void expect_error(const char *yaml, const char *want)
{
    char err[1024] = "";
    tc_model *m = NULL;
    tc_status st = tc_model_load_string(yaml, "bad.yaml", &m, err, sizeof err);
    if (st != TC_ERR_INPUT || !strstr(err, want)) {
        print_error("status %d, message '%s', wanted '%s'\n", st, err, want);
        fail();
    }
    assert_null(m);
}

#define PLANT "stations:\n  A: {process: {dist: exponential, mean: 1}}\n"
#define SRC   "sources:\n  s: {interarrival: {dist: exponential, mean: 1}, route: [A]}\n"

/* The plant's clock: its zone and when a forecast without a state starts. */
static void test_clock(void **s)
{
    (void)s;
    tc_model *m = tc_test_model(PLANT SRC "timezone: Europe/Berlin\nstart: 2026-12-07T06:00:00+01:00\n");
    assert_string_equal(m->zone.name, "Europe/Berlin");
    assert_int_equal(m->has_start, 1);
    assert_close(m->start, 1796619600, 0); /* 05:00Z */
    tc_model_destroy(m);
    m = tc_test_model(PLANT SRC);
    assert_string_equal(m->zone.name, "UTC");
    assert_int_equal(m->has_start, 0);
    tc_model_destroy(m);
}

/* The calendar keys, read into the model's calendar part. */
#define START "start: 2026-12-07T06:00:00+01:00\n"
#define CAL   "calendars:\n  day: [{days: Mon-Fri, from: \"06:00\", to: \"22:00\"}]\n"

static void test_calendar_schema(void **s)
{
    (void)s;
    tc_model *m = tc_test_model(
        START CAL
        "  holidays: [2026-12-24, 2026-12-25]\n"
        "stations:\n  A:\n    servers: 2\n    process: {dist: exponential, mean: 1}\n    at_close: pause\n"
        "    schedule: [{days: [Sat, Sun], from: \"22:00\", to: \"06:00\", servers: 1}, {calendar: day, "
        "closed_servers: 0}]\n"
        "    breaks: [{days: Mon-Fri, at: \"10:00\", for: 15min}]\n"
        "    failure: {ttf: {dist: exponential, mean: 600}, ttr: {dist: exponential, mean: 40}, clock: "
        "operating}\n"
        "maintenance:\n  - {station: A, at: 2026-12-08T02:00:00+01:00, for: 3h}\n"
        "  - {station: A, every: {days: Sun, at: \"06:00\"}, for: 2h}\n"
        "sources:\n  s:\n    interarrival: {dist: exponential, mean: 1}\n    route: [A]\n"
        "    rate: [{days: Mon-Fri, from: \"06:00\", to: \"10:00\", factor: 2.0}, {calendar: day, "
        "closed_factor: 0}]\n");
    const tc_plant_calendar *c = m->calendar;
    assert_non_null(c);
    assert_int_equal(c->n_calendars, 1);
    assert_int_equal(c->calendars[0].cal.n_holidays, 2);
    const tc_station_calendar *a = &c->stations[0];
    assert_int_equal(a->n_rules, 2);
    assert_int_equal(a->rules[0].period.days, 0x60); /* Sat, Sun */
    assert_int_equal(a->rules[0].period.from, 22 * 60);
    assert_int_equal(a->rules[0].period.to, 6 * 60);
    assert_int_equal(a->rules[1].calendar, 0);
    assert_int_equal(a->rules[1].has_closed, 1);
    assert_int_equal(a->pause, 1);
    assert_int_equal(a->operating, 1);
    assert_int_equal(a->n_breaks, 1);
    assert_close(a->breaks[0].length, 900, 0);
    assert_int_equal(c->n_maintenance, 2);
    assert_close(c->maintenance[1].every.length, 7200, 0);
    assert_int_equal(c->sources[0].n_rules, 2);
    assert_close(c->sources[0].rules[0].open_value, 2, 0);
    tc_model_destroy(m);
    m = tc_test_model(PLANT SRC "calibration: {half_life: 2h}\n");
    assert_non_null(m->calibration); /* default: every distribution the events can inform */
    assert_int_equal(m->calibration->n, 2);
    assert_string_equal(m->calibration->targets[0].name, "A.process");
    assert_string_equal(m->calibration->targets[1].name, "s.interarrival");
    assert_close(m->calibration->half_life, 120, 0);
    assert_close(m->calibration->prior_weight, 20, 0);
    tc_model_destroy(m);
    /* the default takes changeovers and products' own times too */
    m = tc_test_model(
        "stations:\n  A: {process: {dist: exponential, mean: 1}, setup: {dist: constant, value: 2}}\n"
        "sources:\n  s: {interarrival: {dist: exponential, mean: 1}, route: [{station: A, "
        "process: {dist: gamma, mean: 2, sd: 1}, setup: {dist: exponential, mean: 3}}]}\n"
        "calibration: {}\n");
    assert_int_equal(m->calibration->n, 5);
    assert_string_equal(m->calibration->targets[1].name, "A.setup");
    assert_string_equal(m->calibration->targets[3].name, "s.A.process");
    assert_string_equal(m->calibration->targets[4].name, "s.A.setup");
    assert_int_equal(m->calibration->targets[3].kind, TC_CAL_STEP_PROCESS);
    tc_model_destroy(m);
    m = tc_test_model(PLANT SRC);
    assert_null(m->calendar); /* no calendar: the engine sees none */
    assert_null(m->calibration);
    tc_model_destroy(m);
}

static void test_bad_models(void **s)
{
    (void)s;
    expect_error(PLANT SRC "horizn: 8h\n", "bad.yaml:5:1: unknown key 'horizn' in the model");
    expect_error(
        PLANT SRC "timezone: Europe/Berlinn\n",
        "bad.yaml:5:11: timezone: unknown time zone 'Europe/Berlinn' (not in the time-zone database");
    expect_error(PLANT SRC "start: 2026-12-07T06:00:00\n",
                 "bad.yaml:5:8: start: '2026-12-07T06:00:00' is not an ISO-8601 time with a zone");
    /* calibration */
    expect_error(
        PLANT SRC "calibration: {params: [A.proces]}\n",
        "bad.yaml:5:24: calibration: 'A.proces' is not STATION.process, STATION.setup, STATION.failure.ttr");
    expect_error(PLANT SRC "calibration: {params: [A.failure.ttr]}\n",
                 "bad.yaml:5:24: calibration: A.failure.ttr has no failure in the model to start from");
    expect_error(PLANT SRC "calibration: {params: [A.setup]}\n",
                 "calibration: A.setup has no changeover time in the model to start from");
    expect_error(PLANT SRC "calibration: {params: [s.A.process]}\n",
                 "calibration: s.A.process has no process time of its own in the model to start from");
    expect_error(PLANT SRC "calibration: {params: [s.A.scrap]}\n",
                 "calibration: s.A.scrap is 0 in the model: nothing to start from");
    expect_error(PLANT SRC "calibration: {params: [s.B.process]}\n",
                 "calibration: 's.B.process' is not STATION.process, STATION.setup");
    expect_error("stations:\n  A: {process: {dist: weibull, shape: 2, scale: 1}}\n" SRC
                 "calibration: {params: [A.process]}\n",
                 "calibration: A.process is weibull, which cannot be calibrated");
    expect_error(PLANT SRC "calibration: {prior_weight: 0}\n", "calibration: prior_weight must be above 0");
    expect_error(PLANT SRC "calibration: {change_detection: maybe}\n",
                 "calibration: change_detection must be on or off");
    /* calendars (a name that is not a scalar: found by fuzz_model,
     * regressions/model/crash-calendar-name-not-a-scalar) */
    expect_error(PLANT SRC START
                 "calendars:\n  ? [a, b]\n  : [{days: Mon, from: \"06:00\", to: \"07:00\"}]\n",
                 "bad.yaml:7:5: 'calendar name' must be a single value, not a list or mapping");
    expect_error(PLANT SRC CAL, "bad.yaml:5:1: a model with a calendar needs 'start'");
    expect_error(PLANT SRC START "calendars:\n  day: [{days: Mon-Fry, from: \"06:00\", to: \"22:00\"}]\n",
                 "bad.yaml:7:16: calendar day: days: 'Mon-Fry' is not a day or a range of days");
    expect_error(PLANT SRC START "calendars:\n  day: [{days: Mon, from: \"06:00\", to: \"06:00\"}]\n",
                 "bad.yaml:7:40: calendar day: 'to' equals 'from', so the period has no length");
    expect_error(PLANT SRC START "calendars:\n  day: [{days: Mon, from: \"6am\", to: \"22:00\"}]\n",
                 "bad.yaml:7:27: calendar day: from: '6am' is not a time of day as HH:MM");
    expect_error(PLANT SRC START "calendars:\n  holidays: [2026-02-30]\n",
                 "bad.yaml:7:14: calendars: holidays: '2026-02-30' is not a date of the calendar");
    expect_error("stations:\n  A:\n    process: {dist: exponential, mean: 1}\n"
                 "    schedule: [{calendar: night, closed_servers: 0}]\n" SRC START CAL,
                 "bad.yaml:4:27: station A schedule: calendar 'night' is not defined under 'calendars'");
    expect_error("stations:\n  A:\n    process: {dist: exponential, mean: 1}\n"
                 "    schedule: [{days: Mon, from: \"06:00\", to: \"10:00\", closed_servers: 0}]\n" SRC START,
                 "station A schedule: 'closed_servers' needs a 'calendar'");
    expect_error("stations:\n  A:\n    process: {dist: exponential, mean: 1}\n    at_close: stop\n" SRC START,
                 "bad.yaml:4:15: station A: at_close must be finish or pause, not 'stop'");
    expect_error(
        "stations:\n  A:\n    process: {dist: exponential, mean: 1}\n    setup: {dist: constant, value: 1}\n"
        "    at_close: pause\n" SRC START,
        "station A: at_close: pause is not supported at a station with changeovers");
    expect_error("stations:\n  A:\n    process: {dist: exponential, mean: 1}\n"
                 "    failure: {ttf: {dist: exponential, mean: 9}, ttr: {dist: exponential, mean: 1}, clock: "
                 "wall}\n" SRC START,
                 "station A failure: clock must be calendar or operating, not 'wall'");
    expect_error(PLANT SRC START "maintenance:\n  - {station: A, at: 2026-12-08T02:00:00+01:00, for: 3h}\n"
                                 "  - {station: A, at: 2026-12-08T04:00:00+01:00, for: 1h}\n",
                 "bad.yaml:8:5: maintenance[1]: overlaps maintenance[0] on station A");
    expect_error(PLANT SRC START "maintenance:\n  - {station: A, at: 2026-12-13T07:00:00+01:00, for: 2h}\n"
                                 "  - {station: A, every: {days: Sun, at: \"06:00\"}, for: 2h}\n",
                 "bad.yaml:8:5: maintenance[1]: overlaps maintenance[0] on station A");
    expect_error(PLANT SRC START
                 "maintenance:\n  - {station: A, every: {days: Sat-Sun, at: \"23:00\"}, for: 2h}\n"
                 "  - {station: A, every: {days: Mon, at: \"00:30\"}, for: 1h}\n",
                 "bad.yaml:8:5: maintenance[1]: overlaps maintenance[0] on station A");
    expect_error(PLANT SRC START "maintenance:\n  - {station: Z, at: 2026-12-08T02:00:00+01:00, for: 3h}\n",
                 "bad.yaml:7:15: maintenance[0]: unknown station 'Z'");
    expect_error("stations:\n  A: {process: {dist: exponential, mean: 1}}\n"
                 "sources:\n  s: {interarrival: {dist: exponential, mean: 1}, route: [A], rate: [{days: Mon, "
                 "from: \"06:00\", to: \"07:00\", factor: -1}]}\n" START,
                 "factor must be between 0 and 1e+06");
    expect_error("stations:\n  A: {procss: {dist: exponential, mean: 1}}\n" SRC,
                 "bad.yaml:2:7: unknown key 'procss' in station A");
    expect_error("stations:\n  A: {process: {dist: expo, mean: 1}}\n" SRC,
                 "bad.yaml:2:23: station A process: unknown distribution 'expo'");
    expect_error("stations:\n  A: {process: {dist: exponential, mean: -1}}\n" SRC,
                 "2:42: 'mean' must not be negative");
    expect_error("stations:\n  A: {process: {dist: exponential, mean: 0}}\n" SRC,
                 "exponential: mean must be > 0");
    expect_error("stations:\n  A: {process: {dist: exponential, mean: 1e999}}\n" SRC, "not a finite number");
    expect_error("stations:\n  A: {process: {dist: exponential, mean: .nan}}\n" SRC, "not a finite number");
    expect_error("stations:\n  A: {process: {dist: exponential}}\n" SRC, "missing parameter 'mean'");
    expect_error("stations:\n  A: {servers: two, process: {dist: exponential, mean: 1}}\n" SRC,
                 "'servers' must be a whole number");
    expect_error("stations:\n  A: {servers: 0, process: {dist: exponential, mean: 1}}\n" SRC,
                 "'servers' must be from 1");
    expect_error("stations:\n  A: {buffer: 5, threshold: 6, process: {dist: exponential, mean: 1}}\n" SRC,
                 "threshold 6 exceeds buffer 5");
    expect_error(PLANT "sources:\n  s: {interarrival: {dist: exponential, mean: 1}, route: [A, X]}\n",
                 "4:62: source s: route names unknown station 'X'");
    expect_error(PLANT "sources:\n  s: {interarrival: {dist: exponential, mean: 1}, route: [A, A]}\n",
                 "appears twice in the route (a route cycle)");
    expect_error("stations:\n  A: {process: {dist: exponential, mean: 1}}\n  B: {process: {dist: "
                 "exponential, mean: 1}}\n" SRC,
                 "3:3: station B is on no source's route");
    expect_error(PLANT "sources:\n  A: {interarrival: {dist: exponential, mean: 1}, route: [A]}\n",
                 "duplicate name 'A'");
    expect_error(PLANT SRC "stations: {}\n", "bad.yaml:5:1: duplicate key 'stations'");
    expect_error(PLANT, "missing 'sources'");
    expect_error(SRC, "missing 'stations'");
    expect_error(PLANT SRC "horizon: 5 weeks\n", "unknown duration suffix 'weeks'");
    expect_error(PLANT SRC "time_unit: fortnight\n", "unknown time_unit 'fortnight'");
    expect_error(PLANT SRC "scenarios:\n  x: [{at: 1h, set: A.servrs, value: 2}]\n",
                 "unknown parameter path 'A.servrs'");
    expect_error(PLANT SRC "scenarios:\n  x: [{at: 1h, set: A.servers, value: 0.5}]\n",
                 "must be a whole number");
    expect_error(PLANT SRC "scenarios:\n  x: [{at: 1h, up: A, down: A}]\n", "exactly one of");
    expect_error(PLANT SRC "scenarios:\n  baseline: []\n", "reserved");
    expect_error("stations: [A, B]\n" SRC, "'stations' must be a mapping");
    expect_error("a: [unclosed\n", "bad.yaml:");
    expect_error("", "bad.yaml");
    expect_error("stations:\n  A.x: {process: {dist: exponential, mean: 1}}\n" SRC, "may only use letters");
}

/* What the YAML reader itself refuses, and the YAML it accepts beyond the plain schema. */
static void test_yaml_syntax(void **s)
{
    (void)s;
    /* found by fuzz_model: libfyaml 0.7.12 crashed in its own clean-up on these 20 bytes */
    expect_error("- ?  ?  - - ? s: \t:,", "bad.yaml:1:1: a model must be a mapping");
    expect_error("a: [unclosed\n", "bad.yaml:2:1: did not find expected ',' or ']'");
    expect_error("a: 'x\n", "bad.yaml:2:1: found unexpected end of stream");
    expect_error(PLANT SRC "---\n" PLANT SRC, "bad.yaml:5:1: a second document ('---')");
    expect_error("# nothing but a comment\n", "bad.yaml: empty: no YAML document in it");
    expect_error("name: \"a\\0b\"\n" PLANT SRC, "bad.yaml:1:7: a value holds a NUL character");
    expect_error("name: \xff\n", "bad.yaml:1:7: not valid UTF-8 text (byte 0xff at offset 6)");
    expect_error(PLANT SRC "scenarios:\n  x: &x [{at: 1h, up: *x}]\n",
                 "alias to no complete anchor before it");
    expect_error(PLANT SRC "horizon:\n", "'horizon': "); /* an empty value is not 'absent' */
    expect_error(
        "stations:\n  A: {servers: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
        "1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}}\n" SRC,
        "nested more than 64 deep");
    /* anchors and aliases share a definition; quoted numbers are still numbers in YAML */
    char err[512];
    tc_model *m = NULL;
    assert_int_equal(
        tc_model_load_string("stations:\n"
                             "  A: {servers: '2', process: &p {dist: exponential, mean: 1.5}}\n"
                             "  B: {process: *p}\n"
                             "sources:\n"
                             "  s: {interarrival: {dist: exponential, mean: 4}, route: [A, B]}\n",
                             "ok.yaml", &m, err, sizeof err),
        TC_OK);
    assert_int_equal(m->plant.stations[0].servers, 2);
    assert_close(m->plant.stations[1].process.p[0], 1.5, 0);
    tc_model_destroy(m);
}

static void test_empirical_and_file_errors(void **s)
{
    (void)s;
    expect_error("stations:\n  A: {process: {dist: empirical, values: [1, 2], weights: [1]}}\n" SRC,
                 "'weights' must be a list as long as 'values'");
    expect_error("stations:\n  A: {process: {dist: empirical, values: []}}\n" SRC, "non-empty list");
    char err[512];
    tc_model *m = NULL;
    assert_int_equal(tc_model_load("/nonexistent/plant.yaml", &m, err, sizeof err), TC_ERR_INPUT);
    assert_non_null(strstr(err, "/nonexistent/plant.yaml: cannot open"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loads_the_schema),
        cmocka_unit_test(test_registry_paths),
        cmocka_unit_test(test_set_is_validated_and_atomic),
        cmocka_unit_test(test_clock),
        cmocka_unit_test(test_calendar_schema),
        cmocka_unit_test(test_bad_models),
        cmocka_unit_test(test_yaml_syntax),
        cmocka_unit_test(test_empirical_and_file_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
