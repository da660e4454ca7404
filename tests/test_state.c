/*
 * test_state - the JSON state snapshot: what it sets, and a message naming
 * the file, line, column and field for each kind of bad snapshot.
 */
#include <string.h>

#include "tc_test.h"
#include "twincast/state.h"

static const char plant[] =
    "stations:\n"
    "  A: {servers: 2, process: {dist: exponential, mean: 1.6}}\n"
    "  B: {buffer: 30, threshold: 12, process: {dist: lognormal, mean: 1.8, sd: 0.4},\n"
    "      failure: {ttf: {dist: exponential, mean: 600}, ttr: {dist: lognormal, mean: 40, sd: 15}}}\n"
    "  C: {process: {dist: gamma, mean: 1.9, sd: 0.5}, threshold: 12}\n"
    "sources:\n  o: {interarrival: {dist: exponential, mean: 1.0}, route: [A, [B, C]]}\n";

static tc_state *parse(const tc_model *m, const char *json, char *err, size_t n, tc_status *st)
{
    tc_state *s = NULL;
    *st = tc_state_parse_json(m, json, strlen(json), "state.json", &s, err, n);
    return s;
}

static void test_good_snapshot(void **unused)
{
    (void)unused;
    tc_model *m = tc_test_model(plant);
    char err[512];
    tc_status st;
    tc_state *s = parse(
        m,
        "{\"as_of\": \"2026-12-01T08:00:00Z\",\n"
        " \"stations\": {\"B\": {\"up\": false, \"down_for\": 5.0, \"waiting\": 12, \"in_service\": []},\n"
        "              \"C\": {\"up\": true, \"servers\": 1, \"waiting\": 4, \"in_service\": [0.7]}},\n"
        " \"params\": {\"C.process.mean\": 0.95, \"B.failure.ttr.mean\": \"1h\"}}",
        err, sizeof err, &st);
    if (st != TC_OK)
        print_error("%s\n", err);
    assert_int_equal(st, TC_OK);
    assert_string_equal(s->as_of, "2026-12-01T08:00:00Z");
    assert_false(s->stations[1].up);
    assert_close(s->stations[1].down_for, 5, 0);
    assert_int_equal(s->stations[1].waiting, 12);
    assert_int_equal(s->stations[2].n_in_service, 1);
    assert_close(s->stations[2].in_service[0], 0.7, 0);
    assert_true(s->stations[0].up); /* not listed: empty and up */
    assert_int_equal(s->stations[0].waiting, 0);
    assert_int_equal(s->n_overrides, 2);
    assert_close(s->overrides[1].value, 60, 1e-12); /* "1h" in minutes */
    tc_state_destroy(s);
    /* compact JSON, as other programs write it */
    s = parse(
        m,
        "{\"stations\":{\"B\":{\"up\":false,\"waiting\":3,\"in_service\":[1.5e0]}},\"as_of\":\"t\\u00e9\"}",
        err, sizeof err, &st);
    if (st != TC_OK)
        print_error("%s\n", err);
    assert_int_equal(st, TC_OK);
    assert_string_equal(s->as_of, "t\xc3\xa9");
    assert_int_equal(s->stations[1].waiting, 3);
    assert_close(s->stations[1].in_service[0], 1.5, 0);
    tc_state_destroy(s);
    tc_model_destroy(m);
}

static void expect(const tc_model *m, const char *json, const char *want)
{
    char err[1024] = "";
    tc_status st;
    tc_state *s = parse(m, json, err, sizeof err, &st);
    if (st != TC_ERR_INPUT || !strstr(err, want)) {
        print_error("status %d, message '%s', wanted '%s'\n", st, err, want);
        fail();
    }
    assert_null(s);
}

static void test_bad_snapshots(void **unused)
{
    (void)unused;
    tc_model *m = tc_test_model(plant);
    expect(m, "{\"stations\": {\"B\": {\"up\": false}",
           "state.json:2:1: did not find expected ',' or '}'"); /* truncated */
    expect(m, "not json at all", "state.json");
    expect(m, "", "state.json");
    expect(m, "[1, 2]", "a state snapshot must be a JSON object");
    expect(m, "{\"statons\": {}}", "state.json:1:2: unknown key 'statons' in the state");
    expect(m, "{\"stations\": {\"X\": {}}}", "state.json:1:15: stations: unknown station 'X'");
    expect(m, "{\"stations\": {\"B\": {\"up\": \"false\"}}}", "'up' must be true or false");
    expect(m, "{\"stations\": {\"B\": {\"waiting\": 1.5}}}", "'waiting' must be a whole number");
    expect(m, "{\"stations\": {\"B\": {\"waiting\": \"3\"}}}", "'waiting' must be a whole number");
    expect(m, "{\"stations\": {\"B\": {\"waiting\": -1}}}", "'waiting' must be from 0");
    expect(m, "{\"stations\": {\"B\": {\"waiting\": 31}}}",
           "stations.B.waiting: 31 exceeds the buffer of 30");
    expect(m, "{\"stations\": {\"B\": {\"in_service\": [1, 2]}}}",
           "stations.B.in_service: 2 jobs in service but only 1 servers");
    expect(m, "{\"stations\": {\"B\": {\"servers\": 1, \"in_service\": [1, 2]}}}",
           "2 jobs in service but only 1 servers");
    expect(m, "{\"stations\": {\"B\": {\"in_service\": [-1]}}}", "'in_service' must not be negative");
    expect(m, "{\"stations\": {\"B\": {\"in_service\": 3}}}", "in_service must be a list");
    expect(m, "{\"stations\": {\"B\": {\"up\": true, \"down_for\": 3}}}",
           "down_for: given, but the station is up");
    expect(m, "{\"stations\": {\"B\": {\"wating\": 3}}}", "unknown key 'wating' in stations.B");
    expect(m, "{\"stations\": {\"B\": {\"waiting\": null}}}", "'waiting' must be a whole number");
    expect(m, "{\"params\": {\"C.process.maen\": 1}}", "params: unknown parameter path 'C.process.maen'");
    expect(m, "{\"params\": {\"C.process.mean\": -1}}", "'C.process.mean' must not be negative");
    expect(m, "{\"params\": {\"C.servers\": 2.5}}", "C.servers: value 2.5 must be a whole number");
    expect(m, "{\"params\": {\"C.process.sd\": 1e999}}", "is not a finite number");
    expect(m, "{\"stations\": {\"B\": {\"waiting\": 1}, \"B\": {\"waiting\": 2}}}",
           "state.json:1:36: duplicate key 'B'");
    /* JSON, not YAML: the reader of a JSON file refuses what only YAML allows */
    expect(m, "stations: {}", "state.json:1:1: not JSON: a YAML block list or mapping");
    expect(m, "{\"stations\": {B: {}}}", "state.json:1:15: not JSON: text must be in double quotes, got 'B'");
    expect(m, "{\"as_of\": 'x'}", "not JSON: text must be in double quotes");
    expect(m, "{\"params\": {\"C.servers\": 0x2}}", "not JSON: text must be in double quotes, got '0x2'");
    expect(m, "{\"params\": {\"C.servers\": 2.}}", "got '2.'");
    expect(m, "{\"stations\": {\"B\": &b {}, \"C\": *b}}", "not JSON: an alias 'b'");
    expect(m, "{\"as_of\": \"a\\u0000b\"}", "state.json:1:11: a value holds a NUL character");
    expect(m, "{} {}", "state.json:1:4: did not find expected <document start>");
    /* regression (fuzz_state): a count too large for a long was cast regardless */
    expect(m, "{\"calibration\": [{\"path\": \"C.process.mean\", \"n\": 1e300}]}",
           "state.json:1:50: calibration: 'n' must be a count of observations");
    expect(m, "{\"calibration\": [{\"path\": \"C.process.mean\", \"n\": -1}]}", "'n' must be a count");
    expect(m, "{\"calibration\": [{\"path\": \"C.process.mean\", \"data\": {\"prior\": 2}}]}",
           "calibration data: 'prior' must be [mean, sd]");
    expect(m,
           "{\"calibration\": [{\"path\": \"C.process.mean\", \"data\": {\"prior\": [2, null], \"n\": 1, "
           "\"s1\": 1, \"s2\": 1, \"t\": null, \"obs\": 2, \"censored\": 3}}]}",
           "calibration data: counts must be whole, from 0, censored within obs");
    expect(m,
           "{\"calibration\": [{\"path\": \"C.process.mean\", \"data\": {\"prior\": [2, null], \"n\": 1}}]}",
           "calibration data: missing 's1'");
    /* legal JSON, but libyaml would fold these into the id: refused, never changed */
    expect(m, "{\"stations\": {\"B\": {\"in_service\": [1], \"in_service_jobs\": [\"J\xe2\x80\xa8\"]}}}",
           "state.json:1:62: U+2028 written raw: write it as \\u2028");
    expect(m, "{\"as_of\": \"\xc2\x85\"}", "state.json:1:12: U+0085 written raw");
    tc_model_destroy(m);
}

/* Products in a snapshot: waiting by product or as a list, jobs in service with phase and batch. */
static const char products[] =
    "stations:\n"
    "  P: {servers: 2, process: {dist: exponential, mean: 1}, setup: {dist: constant, value: 2}}\n"
    "  oven: {batch: {size: 4, max_wait: 10}, process: {dist: constant, value: 30}}\n"
    "  Q: {process: {dist: exponential, mean: 1}}\n"
    "sources:\n"
    "  widget: {interarrival: {dist: exponential, mean: 3}, route: [P, oven]}\n"
    "  gadget: {interarrival: {dist: exponential, mean: 5}, priority: 1, route: [P, oven]}\n"
    "  other: {interarrival: {dist: exponential, mean: 5}, route: [Q]}\n";

static void test_products(void **unused)
{
    (void)unused;
    tc_model *m = tc_test_model(products);
    char err[512];
    tc_status st;
    tc_state *s =
        parse(m,
              "{\"stations\": {\"P\": {\"waiting\": {\"widget\": 2, \"gadget\": 1},\n"
              "  \"in_service\": [0.5, {\"product\": \"gadget\", \"elapsed\": 1.5, \"phase\": \"setup\"}],\n"
              "  \"last_product\": [\"widget\", null]},\n"
              " \"oven\": {\"waiting\": [{\"product\": \"gadget\", \"waited\": 3.5}, {\"product\": "
              "\"widget\"}],\n"
              "  \"in_service\": [{\"elapsed\": 12, \"batch\": 4}]}}}",
              err, sizeof err, &st);
    if (st != TC_OK)
        print_error("%s\n", err);
    assert_int_equal(st, TC_OK);
    const tc_station_state *p = &s->stations[0], *o = &s->stations[1];
    /* by priority, then as listed: the gadget first */
    assert_int_equal(p->waiting, 3);
    assert_int_equal(p->queue[0].product, 1);
    assert_int_equal(p->queue[1].product, 0);
    assert_int_equal(p->queue[2].product, 0);
    assert_int_equal(p->n_in_service, 2);
    assert_int_equal(p->service[0].product, 0); /* a number: the station's first product */
    assert_int_equal(p->service[0].setup, 0);
    assert_int_equal(p->service[1].product, 1);
    assert_int_equal(p->service[1].setup, 1);
    assert_close(p->in_service[1], 1.5, 0);
    assert_int_equal(p->n_last, 2);
    assert_int_equal(p->last_product[0], 0);
    assert_int_equal(p->last_product[1], -1);
    assert_int_equal(o->waiting, 2);
    assert_int_equal(o->queue[0].product, 1);
    assert_close(o->queue[0].time, 3.5, 0);
    assert_close(o->queue[1].time, 0, 0);
    assert_int_equal(o->service[0].batch, 4);
    assert_close(o->in_service[0], 12, 0);
    tc_state_destroy(s);

    /* a few bytes asking for 44 million jobs (fuzz_state: out of memory), and a whole state past 10^7 */
    expect(m, "{\"stations\": {\"P\": {\"waiting\": {\"widget\": 6, \"gadget\": 44411110}}}}",
           "state.json:1:56: 'waiting' must be from 0 to 10000000, got 44411110");
    expect(m, "{\"stations\": {\"P\": {\"waiting\": 6000000}, \"Q\": {\"waiting\": {\"other\": 5000000}}}}",
           "stations.Q.waiting: the state would hold more than 10^7 waiting jobs");
    expect(m, "{\"stations\": {\"P\": {\"waiting\": {\"gizmo\": 2}}}}",
           "state.json:1:33: stations.P.waiting: unknown product 'gizmo'");
    expect(m, "{\"stations\": {\"P\": {\"waiting\": {\"other\": 2}}}}",
           "state.json:1:33: stations.P.waiting: product other is not routed through P");
    expect(m, "{\"stations\": {\"Q\": {\"in_service\": [{\"product\": \"widget\"}]}}}",
           "stations.Q.in_service[0]: product widget is not routed through Q");
    expect(m, "{\"stations\": {\"P\": {\"waiting\": [{\"waited\": 2}]}}}",
           "stations.P.waiting[0]: missing 'product'");
    expect(m, "{\"stations\": {\"P\": {\"waiting\": [{\"product\": \"widget\", \"waited\": -2}]}}}",
           "'waited' must not be negative");
    expect(m, "{\"stations\": {\"P\": {\"in_service\": [{\"phase\": \"baking\"}]}}}",
           "stations.P.in_service[0].phase: 'baking' is neither 'setup' nor 'process'");
    expect(m, "{\"stations\": {\"P\": {\"in_service\": [{\"batch\": 3}]}}}",
           "state: stations.P.in_service[0].batch: 3 but the station does not batch");
    expect(m, "{\"stations\": {\"Q\": {\"in_service\": [{\"phase\": \"setup\"}]}}}",
           "stations.Q.in_service[0].phase: 'setup', but other has no changeover time there");
    expect(m, "{\"stations\": {\"P\": {\"last_product\": [\"widget\", \"gadget\", \"widget\"]}}}",
           "stations.P.last_product: 3 entries but only 2 servers");
    expect(m, "{\"stations\": {\"P\": {\"last_product\": [\"nope\"]}}}",
           "stations.P.last_product[0]: unknown product 'nope'");
    expect(m, "{\"stations\": {\"P\": {\"in_service\": [{\"product\": \"widget\", \"speed\": 1}]}}}",
           "unknown key 'speed' in stations.P.in_service[0]");
    tc_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_snapshot),
        cmocka_unit_test(test_bad_snapshots),
        cmocka_unit_test(test_products),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
