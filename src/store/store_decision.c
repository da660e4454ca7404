/*
 * store_decision.c - `decide`'s decisions in the file, /decisions/NNNNNN
 * (see store.h), netCDF-style: a `response` and a `stage` dimension, so that
 * xarray opens the group as a dataset; and reading one back for `report
 * --decisions`.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "store_internal.h"
#include "twincast/store.h"

/* The per-response columns, by their offset in tc_decision_choice. */
static const struct column {
    const char *name;
    size_t at;
    int is_long;
    const char *comment;
} columns[] = {
    {"replications", offsetof(tc_decision_choice, replications), 1, "replications the procedure used"},
    {"eliminated_at", offsetof(tc_decision_choice, eliminated_at), 1,
     "the stage at which the response was eliminated; 0: it was not"},
    {"mean", offsetof(tc_decision_choice, mean), 0, "the objective's mean (lower is better)"},
    {"ci_lo", offsetof(tc_decision_choice, lo), 0,
     "the mean's confidence interval (Student t, at `confidence`)"},
    {"ci_hi", offsetof(tc_decision_choice, hi), 0,
     "the mean's confidence interval (Student t, at `confidence`)"},
    {"mcb_lo", offsetof(tc_decision_choice, mcb_lo), 0,
     "multiple comparisons with the best: theta_i - min of the others lies in [mcb_lo, mcb_hi]"},
    {"mcb_hi", offsetof(tc_decision_choice, mcb_hi), 0,
     "multiple comparisons with the best: theta_i - min of the others lies in [mcb_lo, mcb_hi]"},
};
#define N_COLUMNS (sizeof columns / sizeof *columns)

static herr_t write_column(hid_t g, const struct column *c, const tc_decision *d, hid_t scale)
{
    hsize_t n = (hsize_t)d->n;
    double *v = malloc(sizeof *v * (n + 1));
    long long *w = malloc(sizeof *w * (n + 1));
    hid_t space = H5Screate_simple(1, &n, NULL), ds = H5I_INVALID_HID;
    herr_t rc = -1;
    for (int i = 0; v && w && i < d->n; i++) {
        const char *at = (const char *)&d->choice[i] + c->at;
        long x;
        if (c->is_long) {
            memcpy(&x, at, sizeof x);
            w[i] = x;
        } else {
            memcpy(&v[i], at, sizeof v[i]);
        }
    }
    if (v && w && space >= 0 &&
        (ds = H5Dcreate2(g, c->name, c->is_long ? H5T_STD_I64LE : H5T_IEEE_F64LE, space, H5P_DEFAULT,
                         H5P_DEFAULT, H5P_DEFAULT)) >= 0 &&
        H5Dwrite(ds, c->is_long ? H5T_NATIVE_LLONG : H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                 c->is_long ? (const void *)w : (const void *)v) >= 0 &&
        H5DSattach_scale(ds, scale, 0) >= 0 && tc_h5_str_attr(ds, "comment", c->comment) >= 0)
        rc = 0;
    if (ds >= 0)
        H5Dclose(ds);
    if (space >= 0)
        H5Sclose(space);
    free(v);
    free(w);
    return rc;
}

static herr_t write_attrs(hid_t g, const tc_decision *d)
{
    long long stages = d->stages, run = d->replications_run, n0 = d->n0;
    int guaranteed = d->guaranteed;
    const struct {
        const char *name;
        double v;
    } reals[] = {
        {"delta", d->delta},         {"confidence", d->confidence}, {"rinott_replications", d->rinott},
        {"rinott_h", d->rinott_h},   {"kn_h2", d->kn_h2},           {"horizon", d->horizon},
        {"wall_seconds", d->seconds}};
    for (size_t i = 0; i < sizeof reals / sizeof *reals; i++)
        if (tc_h5_scalar_attr(g, reals[i].name, H5T_NATIVE_DOUBLE, &reals[i].v) < 0)
            return -1;
    return tc_h5_str_attr(g, "selected", d->choice[d->selected].name) < 0 ||
                   tc_h5_scalar_attr(g, "guaranteed", H5T_NATIVE_INT, &guaranteed) < 0 ||
                   tc_h5_scalar_attr(g, "n0", H5T_NATIVE_LLONG, &n0) < 0 ||
                   tc_h5_scalar_attr(g, "stages", H5T_NATIVE_LLONG, &stages) < 0 ||
                   tc_h5_scalar_attr(g, "replications_run", H5T_NATIVE_LLONG, &run) < 0 ||
                   tc_h5_scalar_attr(g, "seed", H5T_NATIVE_UINT, &d->seed) < 0 ||
                   tc_h5_scalar_attr(g, "ranks", H5T_NATIVE_INT, &d->ranks) < 0 ||
                   tc_h5_scalar_attr(g, "threads", H5T_NATIVE_INT, &d->threads) < 0 ||
                   tc_h5_str_attr(g, "as_of", d->as_of) < 0 ||
                   tc_h5_str_attr(g, "time_unit", d->time_unit) < 0 ||
                   tc_h5_str_attr(
                       g, "procedure",
                       "KN (Kim and Nelson 2001), fully sequential, common random numbers; lower is "
                       "better; MCB intervals of Nelson and Matejcik (1995)") < 0
               ? -1
               : 0;
}

static herr_t highest(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    (void)g, (void)info;
    int *last = data;
    if (strlen(name) == 6 && strspn(name, "0123456789") == 6 && (int)strtol(name, NULL, 10) > *last)
        *last = (int)strtol(name, NULL, 10);
    return 0;
}

/* The highest /decisions/NNNNNN (0: none); the live twin's follow its epochs, with gaps. */
static int last_number(hid_t f)
{
    int last = 0;
    if (H5Lexists(f, "decisions", H5P_DEFAULT) > 0)
        H5Literate_by_name(f, "decisions", H5_INDEX_NAME, H5_ITER_NATIVE, NULL, highest, &last, H5P_DEFAULT);
    return last;
}

tc_status tc_store_write_decision(tc_store *s, const tc_decision *d, int *number, char *err, size_t errlen)
{
    if (*number <= 0)
        *number = last_number(tc_store_file_(s)) + 1;
    char exists[32];
    snprintf(exists, sizeof exists, "decisions/%06d", *number);
    if (H5Lexists(tc_store_file_(s), "decisions", H5P_DEFAULT) > 0 &&
        H5Lexists(tc_store_file_(s), exists, H5P_DEFAULT) > 0) {
        snprintf(err, errlen, "%s: /%s exists already", tc_store_path_(s), exists);
        return TC_ERR_RUNTIME;
    }
    hid_t f = tc_store_decision_file_(s), top = H5I_INVALID_HID, g = H5I_INVALID_HID, str = H5I_INVALID_HID;
    hid_t scales[2] = {H5I_INVALID_HID, H5I_INVALID_HID};
    const char **names = calloc((size_t)d->n + 1, sizeof *names);
    long long *stage = calloc((size_t)d->stages + 1, sizeof *stage);
    char name[32];
    int bad = !names || !stage;
    for (int i = 0; !bad && i < d->n; i++)
        names[i] = d->choice[i].name;
    for (long r = 0; !bad && r < d->stages; r++)
        stage[r] = r + 1;
    snprintf(name, sizeof name, "%06d", *number);
    hsize_t dims[2] = {(hsize_t)d->stages, (hsize_t)d->n};
    bad = bad ||
          (top = H5Lexists(f, "decisions", H5P_DEFAULT) > 0 ? H5Gopen2(f, "decisions", H5P_DEFAULT)
                                                            : tc_h5_group(f, "decisions")) < 0 ||
          (g = tc_h5_group(top, name)) < 0 || (str = H5Tcopy(H5T_C_S1)) < 0 ||
          H5Tset_size(str, H5T_VARIABLE) < 0 || H5Tset_cset(str, H5T_CSET_UTF8) < 0 ||
          (scales[0] = tc_h5_scale(g, "stage", H5T_NATIVE_LLONG, dims[0], stage, NULL)) < 0 ||
          (scales[1] = tc_h5_scale(g, "response", str, dims[1], names, NULL)) < 0 || write_attrs(g, d) < 0;
    for (size_t c = 0; !bad && c < N_COLUMNS; c++)
        bad = write_column(g, &columns[c], d, scales[1]) < 0;
    bad = bad ||
          (d->objective && tc_h5_array(g, "objective", d->objective, 2, dims, scales, NULL,
                                       "each stage's objective value of each response, with common random "
                                       "numbers; NaN once the response was eliminated") < 0);
    for (int i = 1; i >= 0; i--)
        if (scales[i] >= 0)
            H5Dclose(scales[i]);
    if (str >= 0)
        H5Tclose(str);
    if (g >= 0)
        H5Gclose(g);
    if (top >= 0)
        H5Gclose(top);
    free(names);
    free(stage);
    if (bad)
        snprintf(err, errlen, "%s: HDF5 failed to write /decisions/%s", tc_store_path_(s), name);
    else
        tc_store_decided_(s, *number);
    return bad ? TC_ERR_RUNTIME : TC_OK;
}

void tc_decision_clear(tc_decision *d)
{
    free(d->choice);
    free(d->objective);
    memset(d, 0, sizeof *d);
}

static int read_attr(hid_t g, const char *name, hid_t type, void *out)
{
    hid_t a = H5Aexists(g, name) > 0 ? H5Aopen(g, name, H5P_DEFAULT) : -1;
    int rc = a >= 0 && H5Aread(a, type, out) >= 0 ? 0 : -1;
    if (a >= 0)
        H5Aclose(a);
    return rc;
}

static int read_dataset(hid_t g, const char *name, hid_t type, void *out)
{
    hid_t ds = H5Dopen2(g, name, H5P_DEFAULT);
    int rc = ds >= 0 && H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) >= 0 ? 0 : -1;
    if (ds >= 0)
        H5Dclose(ds);
    return rc;
}

/* The columns and the response names of group g into d (d->n set). */
static int read_choices(hid_t g, tc_decision *d)
{
    char **names = calloc((size_t)d->n + 1, sizeof *names), sel[64] = "";
    double *v = calloc((size_t)d->n + 1, sizeof *v);
    long long *w = calloc((size_t)d->n + 1, sizeof *w);
    hid_t str = H5Tcopy(H5T_C_S1);
    int bad = !names || !v || !w || str < 0 || H5Tset_size(str, H5T_VARIABLE) < 0 ||
              H5Tset_cset(str, H5T_CSET_UTF8) < 0 || read_dataset(g, "response", str, names) != 0;
    for (int i = 0; !bad && i < d->n; i++)
        snprintf(d->choice[i].name, sizeof d->choice[i].name, "%s", names[i] ? names[i] : "");
    for (size_t c = 0; !bad && c < N_COLUMNS; c++) {
        bad = read_dataset(g, columns[c].name, columns[c].is_long ? H5T_NATIVE_LLONG : H5T_NATIVE_DOUBLE,
                           columns[c].is_long ? (void *)w : (void *)v) != 0;
        for (int i = 0; !bad && i < d->n; i++) {
            char *at = (char *)&d->choice[i] + columns[c].at;
            long x = (long)w[i];
            if (columns[c].is_long)
                memcpy(at, &x, sizeof x);
            else
                memcpy(at, &v[i], sizeof v[i]);
        }
    }
    tc_h5_read_str_attr(g, "selected", sel, sizeof sel);
    for (int i = 0; i < d->n; i++)
        if (strcmp(d->choice[i].name, sel) == 0)
            d->selected = i;
    if (names && str >= 0) {
        hsize_t n = (hsize_t)d->n;
        hid_t sp = H5Screate_simple(1, &n, NULL);
        if (sp >= 0) {
            H5Dvlen_reclaim(str, sp, H5P_DEFAULT, names);
            H5Sclose(sp);
        }
    }
    if (str >= 0)
        H5Tclose(str);
    free(names);
    free(v);
    free(w);
    return bad ? -1 : 0;
}

tc_status tc_store_read_decision(const char *path, int number, tc_decision *d, int *got, char *err,
                                 size_t errlen)
{
    memset(d, 0, sizeof *d);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fis_hdf5(path) > 0 ? H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT) : -1, g = -1, sp = -1;
    char name[32];
    tc_status st = TC_ERR_INPUT;
    if (f < 0) {
        snprintf(err, errlen, "%s: cannot open as an HDF5 file", path);
        return TC_ERR_INPUT;
    }
    *got = number > 0 ? number : last_number(f);
    snprintf(name, sizeof name, "decisions/%06d", *got);
    if (*got <= 0 || H5Lexists(f, "decisions", H5P_DEFAULT) <= 0 || H5Lexists(f, name, H5P_DEFAULT) <= 0 ||
        (g = H5Gopen2(f, name, H5P_DEFAULT)) < 0) {
        if (number > 0)
            snprintf(err, errlen, "%s: no decision %06d", path, number);
        else
            snprintf(err, errlen, "%s: no decisions (twincast decide -o writes them)", path);
        goto done;
    }
    hid_t ds = H5Dopen2(g, "response", H5P_DEFAULT);
    sp = ds >= 0 ? H5Dget_space(ds) : -1;
    d->n = sp >= 0 ? (int)H5Sget_simple_extent_npoints(sp) : 0;
    if (ds >= 0)
        H5Dclose(ds);
    long long stages = 0, run = 0, n0 = 0;
    d->choice = d->n > 0 ? calloc((size_t)d->n, sizeof *d->choice) : NULL;
    st = TC_ERR_RUNTIME;
    if (!d->choice || read_choices(g, d) != 0 || read_attr(g, "stages", H5T_NATIVE_LLONG, &stages) != 0 ||
        read_attr(g, "replications_run", H5T_NATIVE_LLONG, &run) != 0 ||
        read_attr(g, "n0", H5T_NATIVE_LLONG, &n0) != 0 ||
        read_attr(g, "guaranteed", H5T_NATIVE_INT, &d->guaranteed) ||
        read_attr(g, "delta", H5T_NATIVE_DOUBLE, &d->delta) ||
        read_attr(g, "confidence", H5T_NATIVE_DOUBLE, &d->confidence) ||
        read_attr(g, "rinott_replications", H5T_NATIVE_DOUBLE, &d->rinott) ||
        read_attr(g, "horizon", H5T_NATIVE_DOUBLE, &d->horizon)) {
        snprintf(err, errlen, "%s: /%s is not a readable decision", path, name);
        goto done;
    }
    d->stages = (long)stages, d->replications_run = (long)run, d->n0 = (long)n0;
    read_attr(g, "rinott_h", H5T_NATIVE_DOUBLE, &d->rinott_h);
    read_attr(g, "kn_h2", H5T_NATIVE_DOUBLE, &d->kn_h2);
    read_attr(g, "wall_seconds", H5T_NATIVE_DOUBLE, &d->seconds);
    read_attr(g, "seed", H5T_NATIVE_UINT, &d->seed);
    read_attr(g, "ranks", H5T_NATIVE_INT, &d->ranks);
    read_attr(g, "threads", H5T_NATIVE_INT, &d->threads);
    tc_h5_read_str_attr(g, "as_of", d->as_of, sizeof d->as_of);
    tc_h5_read_str_attr(g, "time_unit", d->time_unit, sizeof d->time_unit);
    if (H5Lexists(g, "objective", H5P_DEFAULT) > 0 &&
        (!(d->objective = malloc(sizeof *d->objective * ((size_t)d->stages * (size_t)d->n + 1))) ||
         read_dataset(g, "objective", H5T_NATIVE_DOUBLE, d->objective) != 0)) {
        snprintf(err, errlen, "%s: cannot read /%s/objective", path, name);
        goto done;
    }
    st = TC_OK;
done:
    if (sp >= 0)
        H5Sclose(sp);
    if (g >= 0)
        H5Gclose(g);
    H5Fclose(f);
    if (st != TC_OK)
        tc_decision_clear(d);
    return st;
}
