/*
 * test_store - the forecast file, read back with the HDF5 library itself:
 * layout, shapes, dimension scales, attributes, the summary compound; the
 * report reader; appending; refusing other models and foreign files; and
 * atomic replacement leaving the previous file intact when aborted.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "tc_test.h"
#include "twincast/ensemble.h"
#include "twincast/store.h"
#include "twincast/summary.h"

static const char plant[] = "name: tiny\n"
                            "stations:\n  A: {threshold: 3, process: {dist: exponential, mean: 0.9}}\n"
                            "  B: {threshold: 3, process: {dist: exponential, mean: 0.8}}\n"
                            "sources:\n  o: {interarrival: {dist: exponential, mean: 1.0}, route: [A, B]}\n"
                            "scenarios:\n  fast: [{at: 0, set: A.process.mean, value: 0.5}]\n";

static char path[256];

static int write_forecast(tc_model *m, int flags, int commit, long R)
{
    tc_run_cfg cfg;
    tc_run_cfg_default(&cfg, m);
    cfg.horizon = 200;
    cfg.bin_width = 20;
    int S = m->plant.n_stations, T = tc_run_cfg_bins(&cfg), epoch = -1;
    char err[512];
    tc_sample *smp[2];
    tc_summary *sum[2];
    double time[10];
    for (int b = 0; b < T; b++)
        time[b] = 10 + 20 * b;
    const char *names[] = {"A", "B"};
    for (int k = 0; k < 2; k++) {
        smp[k] = tc_sample_create(R, S, T, 0);
        assert_int_equal(tc_ensemble_run(m, NULL, k ? &m->scenarios[0] : NULL, &cfg, 0, R, 2, smp[k], 0, NULL,
                                         err, sizeof err),
                         TC_OK);
        smp[k]->R = R;
        sum[k] = tc_summary_compute(smp[k], k ? smp[0] : NULL, 0.95);
    }
    tc_store *st = NULL;
    tc_status rc = tc_store_open(path, m, flags, &st, err, sizeof err);
    if (rc != TC_OK) {
        fprintf(stderr, "  store: %s\n", err);
        goto out;
    }
    assert_int_equal(tc_store_begin_epoch(st, &epoch, err, sizeof err), TC_OK);
    for (int k = 0; k < 2; k++) {
        static const int thr[] = {3, 3};
        tc_scenario_data d = {.name = k ? "fast" : "baseline",
                              .stations = names,
                              .time = time,
                              .sample = smp[k],
                              .summary = sum[k],
                              .is_baseline = k == 0,
                              .threshold = thr};
        assert_int_equal(tc_store_write_scenario(st, &d, err, sizeof err), TC_OK);
    }
    tc_epoch_info info = {"2026-12-01T08:00:00Z",
                          200,
                          "min",
                          "Europe/Berlin",
                          cfg.seed,
                          R,
                          1,
                          2,
                          "fixed",
                          0,
                          0.5,
                          NULL,
                          0,
                          NULL,
                          NULL,
                          0,
                          NULL,
                          0,
                          NULL};
    assert_int_equal(tc_store_end_epoch(st, &info, err, sizeof err), TC_OK);
    rc = tc_store_close(st, commit, err, sizeof err);
out:
    for (int k = 0; k < 2; k++) {
        tc_summary_destroy(sum[k]);
        tc_sample_destroy(smp[k]);
    }
    return rc == TC_OK ? epoch : -(int)rc;
}

static void dims_of(hid_t f, const char *name, int rank, const hsize_t *want)
{
    hid_t ds = H5Dopen2(f, name, H5P_DEFAULT);
    if (ds < 0)
        print_error("missing dataset %s\n", name);
    assert_true(ds >= 0);
    hid_t sp = H5Dget_space(ds);
    hsize_t got[3];
    assert_int_equal(H5Sget_simple_extent_ndims(sp), rank);
    H5Sget_simple_extent_dims(sp, got, NULL);
    for (int i = 0; i < rank; i++)
        assert_int_equal(got[i], want[i]);
    /* every dimension has its scale: what netCDF readers need */
    for (int i = 0; i < rank; i++)
        assert_true(H5DSget_num_scales(ds, (unsigned)i) == 1);
    H5Sclose(sp);
    H5Dclose(ds);
}

static void test_layout(void **s)
{
    (void)s;
    tc_model *m = tc_test_model(plant);
    snprintf(path, sizeof path, "/tmp/tc_store_%d.h5", (int)getpid());
    unlink(path);
    assert_int_equal(write_forecast(m, TC_STORE_ATOMIC, 1, 40), 1);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    const char *root_attrs[] = {"Conventions", "title",        "twincast_version",
                                "model_name",  "model_sha256", "created"};
    for (size_t i = 0; i < 6; i++)
        assert_true(H5Aexists(f, root_attrs[i]) > 0);
    hsize_t rs[2] = {40, 2}, tsq[3] = {10, 2, 5}, ts[2] = {10, 2}, s1[1] = {2};
    const char *rs_names[] = {"onset_time", "mean_waiting", "max_waiting",  "utilisation",     "throughput",
                              "blocked",    "starved",      "availability", "bottleneck_share"};
    char name[128];
    for (size_t i = 0; i < 9; i++) {
        snprintf(name, sizeof name, "/forecasts/000001/baseline/%s", rs_names[i]);
        dims_of(f, name, 2, rs);
    }
    dims_of(f, "/forecasts/latest/fast/waiting_quantiles", 3, tsq);
    dims_of(f, "/forecasts/latest/fast/bottleneck_probability", 2, ts);
    dims_of(f, "/forecasts/000001/fast/summary", 1, s1);
    const char *epoch_attrs[] = {"as_of", "horizon", "time_unit",   "seed",        "replications",
                                 "ranks", "threads", "stop_reason", "wall_seconds"};
    hid_t g = H5Gopen2(f, "/forecasts/000001", H5P_DEFAULT);
    for (size_t i = 0; i < 9; i++)
        assert_true(H5Aexists(g, epoch_attrs[i]) > 0);
    assert_true(H5Lexists(g, "state_json", H5P_DEFAULT) > 0);
    /* the scenario's summary carries the paired differences; the baseline's does not */
    hid_t ds = H5Dopen2(f, "/forecasts/000001/fast/summary", H5P_DEFAULT), t = H5Dget_type(ds);
    assert_true(H5Tget_member_index(t, "diff_onset_mean") >= 0);
    assert_true(H5Tget_member_index(t, "n_formed") >= 0);
    H5Tclose(t);
    H5Dclose(ds);
    ds = H5Dopen2(f, "/forecasts/000001/baseline/summary", H5P_DEFAULT);
    t = H5Dget_type(ds);
    assert_true(H5Tget_member_index(t, "diff_onset_mean") < 0);
    H5Tclose(t);
    H5Dclose(ds);
    H5Gclose(g);
    H5Fclose(f);
    /* read back through the report reader */
    tc_forecast_view *v = NULL;
    char err[512];
    assert_int_equal(tc_store_read(path, 0, NULL, &v, err, sizeof err), TC_OK);
    assert_int_equal(v->epoch, 1);
    assert_int_equal(v->n_scenarios, 2);
    assert_string_equal(v->scenario[0], "baseline");
    assert_string_equal(v->scenario[1], "fast");
    assert_string_equal(v->station[1], "B");
    assert_string_equal(v->timezone, "Europe/Berlin");
    assert_int_equal(v->replications, 40);
    assert_true(isnan(v->summary[0].diff_onset_mean));
    assert_true(v->summary[0].p_form >= 0 && v->summary[0].p_form <= 1);
    tc_forecast_view_destroy(v);
    assert_int_equal(tc_store_read(path, 7, NULL, &v, err, sizeof err), TC_ERR_INPUT);
    assert_non_null(strstr(err, "no epoch 000007"));
    assert_int_equal(tc_store_read(path, 0, "nosuch", &v, err, sizeof err), TC_ERR_INPUT);
    tc_model_destroy(m);
}

static int same_bytes(const char *a, const char *b)
{
    FILE *x = fopen(a, "rb"), *y = fopen(b, "rb");
    int same = x && y;
    while (same) {
        int c1 = fgetc(x), c2 = fgetc(y); /* both read each time: equal lengths too */
        same = c1 == c2;
        if (c1 == EOF || c2 == EOF)
            break;
    }
    if (x)
        fclose(x);
    if (y)
        fclose(y);
    return same;
}

static void copy(const char *from, const char *to)
{
    FILE *x = fopen(from, "rb"), *y = fopen(to, "wb");
    int c;
    while ((c = fgetc(x)) != EOF)
        fputc(c, y);
    fclose(x);
    fclose(y);
}

static void test_append_and_atomicity(void **s)
{
    (void)s;
    tc_model *m = tc_test_model(plant);
    char saved[300];
    snprintf(saved, sizeof saved, "%s.saved", path);
    copy(path, saved);
    /* an aborted append leaves the file byte for byte as it was, and no temporary behind */
    assert_int_equal(write_forecast(m, TC_STORE_ATOMIC, 0, 10), 2);
    assert_true(same_bytes(path, saved));
    char tmp[300];
    snprintf(tmp, sizeof tmp, "%s.tmp-%d", path, (int)getpid());
    assert_true(access(tmp, F_OK) != 0);
    /* a committed one adds epoch 2 and moves latest */
    assert_int_equal(write_forecast(m, TC_STORE_ATOMIC, 1, 10), 2);
    tc_forecast_view *v = NULL;
    char err[512];
    assert_int_equal(tc_store_read(path, 0, NULL, &v, err, sizeof err), TC_OK);
    assert_int_equal(v->epoch, 2);
    assert_int_equal(v->replications, 10);
    tc_forecast_view_destroy(v);
    assert_int_equal(tc_store_read(path, 1, "baseline", &v, err, sizeof err), TC_OK);
    assert_int_equal(v->replications, 40);
    tc_forecast_view_destroy(v);
    /* another model's forecasts do not go into this file */
    tc_model *other =
        tc_test_model("stations:\n  A: {process: {dist: exponential, mean: 1}}\n"
                      "sources:\n  o: {interarrival: {dist: exponential, mean: 2}, route: [A]}\n");
    tc_store *st = NULL;
    assert_int_equal(tc_store_open(path, other, TC_STORE_ATOMIC, &st, err, sizeof err), TC_ERR_INPUT);
    assert_non_null(strstr(err, "another model"));
    /* nor into a file that is not one of ours */
    FILE *f = fopen(saved, "w");
    fputs("not hdf5\n", f);
    fclose(f);
    assert_int_equal(tc_store_open(saved, m, TC_STORE_ATOMIC, &st, err, sizeof err), TC_ERR_INPUT);
    assert_non_null(strstr(err, "not an HDF5 file"));
    unlink(saved);
    unlink(path);
    tc_model_destroy(other);
    tc_model_destroy(m);
}

static void skill_row(tc_skill_row *r, int i)
{
    memset(r, 0, sizeof *r);
    r->epoch = i / 2 + 1;
    r->station = i % 2;
    snprintf(r->as_of, sizeof r->as_of, "2026-12-01T08:%02d:00Z", i % 60);
    r->outcome = i % 3 - 1;
    r->onset = i * 0.25;
    r->crps = 1.0 / (i + 1);
    r->members = 10 + i;
    r->n_leads = 1;
    r->lead[0] = 200;
    r->p_within[0] = (i % 7) / 7.0;
    r->formed_within[0] = i % 2;
    r->brier[0] = i * 0.001;
}

/*
 * A live twin's file: an index linking one file per epoch, its /skill rows
 * in segments under a view; aborted epochs leave nothing, the rows read back
 * exactly across a segment's edge and the index's compaction.
 */
static void test_epoch_files(void **s)
{
    (void)s;
    tc_model *m = tc_test_model(plant);
    char dir[] = "/tmp/tc_store_idx.XXXXXX", saved[300], name[400], err[512];
    assert_non_null(mkdtemp(dir));
    char keep[256];
    snprintf(keep, sizeof keep, "%s", path);
    snprintf(path, sizeof path, "%s/twin.h5", dir);
    for (int e = 1; e <= 3; e++)
        assert_int_equal(write_forecast(m, TC_STORE_ATOMIC | TC_STORE_EPOCH_FILES, 1, 10), e);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    H5L_info_t li;
    assert_true(H5Lget_info(f, "forecasts/000002", &li, H5P_DEFAULT) >= 0);
    assert_int_equal(li.type, H5L_TYPE_EXTERNAL);
    H5Fclose(f);
    snprintf(name, sizeof name, "%s/twin.h5.epochs/000/000003.h5", dir);
    assert_int_equal(access(name, F_OK), 0);
    tc_forecast_view *v = NULL;
    assert_int_equal(tc_store_read(path, 0, NULL, &v, err, sizeof err), TC_OK);
    assert_int_equal(v->epoch, 3);
    tc_forecast_view_destroy(v);
    assert_int_equal(tc_store_read(path, 1, "fast", &v, err, sizeof err), TC_OK);
    assert_int_equal(v->replications, 10);
    tc_forecast_view_destroy(v);
    /* aborted: neither the index nor an epoch file changes */
    snprintf(saved, sizeof saved, "%s.saved", path);
    copy(path, saved);
    assert_int_equal(write_forecast(m, TC_STORE_ATOMIC | TC_STORE_EPOCH_FILES, 0, 10), 4);
    assert_true(same_bytes(path, saved));
    snprintf(name, sizeof name, "%s/twin.h5.epochs/000/000004.h5", dir);
    assert_int_not_equal(access(name, F_OK), 0);
    /* /skill: 2 rows a session, 1200 rows past the first segment of 1024 and past compaction */
    enum { ROWS = 1200 };
    tc_skill_row r[2], *back = NULL;
    for (int i = 0; i < ROWS; i += 2) {
        tc_store *st = NULL;
        skill_row(&r[0], i);
        skill_row(&r[1], i + 1);
        assert_int_equal(tc_store_open(path, m, TC_STORE_ATOMIC, &st, err, sizeof err), TC_OK);
        assert_int_equal(tc_store_append_skill(st, m, r, 2, err, sizeof err), TC_OK);
        assert_int_equal(tc_store_close(st, 1, err, sizeof err), TC_OK);
    }
    int n = 0;
    assert_int_equal(tc_store_read_skill(path, m, &back, &n, err, sizeof err), TC_OK);
    assert_int_equal(n, ROWS);
    for (int i = 0; i < ROWS; i++) {
        skill_row(&r[0], i);
        assert_int_equal(back[i].epoch, r[0].epoch);
        assert_int_equal(back[i].station, r[0].station);
        assert_string_equal(back[i].as_of, r[0].as_of);
        assert_int_equal(back[i].outcome, r[0].outcome);
        assert_true(back[i].onset == r[0].onset && back[i].crps == r[0].crps &&
                    back[i].brier[0] == r[0].brier[0]);
        assert_int_equal(back[i].members, r[0].members);
    }
    free(back);
    snprintf(name, sizeof name, "%s/twin.h5.epochs/skill/000001.h5", dir);
    assert_int_equal(access(name, F_OK), 0);
    /* the full segments' view, lost (or an index older than it): built again, every row still there */
    snprintf(name, sizeof name, "%s/twin.h5.epochs/skill/full.h5", dir);
    assert_int_equal(unlink(name), 0);
    skill_row(&r[0], ROWS);
    tc_store *st = NULL;
    assert_int_equal(tc_store_open(path, m, TC_STORE_ATOMIC, &st, err, sizeof err), TC_OK);
    assert_int_equal(tc_store_append_skill(st, m, r, 1, err, sizeof err), TC_OK);
    assert_int_equal(tc_store_close(st, 1, err, sizeof err), TC_OK);
    assert_int_equal(access(name, F_OK), 0);
    assert_int_equal(tc_store_read_skill(path, m, &back, &n, err, sizeof err), TC_OK);
    assert_int_equal(n, ROWS + 1);
    assert_int_equal(back[ROWS].epoch, r[0].epoch);
    skill_row(&r[1], 1023); /* the last row of the first segment, now read through full.h5 */
    assert_true(back[1023].epoch == r[1].epoch && back[1023].crps == r[1].crps);
    free(back);
    /* the newest epoch's attribute, stale (an older twincast appended): the epochs are listed instead */
    f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    int stale = 1;
    hid_t a = H5Aopen(f, "last_epoch", H5P_DEFAULT);
    assert_true(a >= 0 && H5Awrite(a, H5T_NATIVE_INT, &stale) >= 0);
    H5Aclose(a);
    H5Fclose(f);
    assert_int_equal(write_forecast(m, TC_STORE_ATOMIC | TC_STORE_EPOCH_FILES, 1, 10), 4);
    f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    a = H5Aopen(f, "last_epoch", H5P_DEFAULT);
    assert_true(a >= 0 && H5Aread(a, H5T_NATIVE_INT, &stale) >= 0);
    assert_int_equal(stale, 4);
    H5Aclose(a);
    H5Fclose(f);
    f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(H5Aexists(f, "compacted_bytes") > 0); /* compacted at least once, epochs kept */
    assert_true(H5Lexists(f, "forecasts/000004", H5P_DEFAULT) > 0);
    H5Fclose(f);
    assert_int_equal(tc_store_read(path, 2, "baseline", &v, err, sizeof err), TC_OK);
    tc_forecast_view_destroy(v);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof path, "%s", keep);
    tc_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_append_and_atomicity),
        cmocka_unit_test(test_epoch_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
