/*
 * store_skill.c - the file's /skill table (see store.h): one extendible
 * dataset per column along the `score` dimension, the Brier columns along
 * `lead` too, so that xarray opens the group as a dataset of its own.
 * Appends grow every column by the same rows, within the store's session
 * (atomic with the epoch it is written with).
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "store_internal.h"
#include "twincast/store.h"

enum { K_INT, K_BYTE, K_LONG, K_REAL, K_STATION, K_AS_OF };

static const struct column {
    const char *name;
    int kind, per_lead;
    size_t at;      /* offset in tc_skill_row */
    int time_units; /* in the forecast's unit */
    const char *comment;
} columns[] = {
    {"epoch", K_INT, 0, offsetof(tc_skill_row, epoch), 0, "the forecast's epoch (/forecasts/NNNNNN)"},
    {"station", K_STATION, 0, 0, 0, "the station whose bottleneck onset was forecast"},
    {"as_of", K_AS_OF, 0, 0, 0, "the forecast's start (ISO 8601)"},
    {"outcome", K_BYTE, 0, offsetof(tc_skill_row, outcome), 0, "what happened"},
    {"onset", K_REAL, 0, offsetof(tc_skill_row, onset), 1, "the realized onset after as_of; NaN: none seen"},
    {"observed_until", K_REAL, 0, offsetof(tc_skill_row, observed_until), 1,
     "how long after as_of the plant was watched (the horizon, or until the data ended)"},
    {"pit", K_REAL, 0, offsetof(tc_skill_row, pit), 0,
     "probability integral transform of the outcome in the ensemble, randomized where censored or tied"},
    {"crps", K_REAL, 0, offsetof(tc_skill_row, crps), 1, "continuous ranked probability score, censored"},
    {"p_form", K_REAL, 0, offsetof(tc_skill_row, p_form), 0,
     "forecast probability of an onset within the horizon"},
    {"band_lo", K_REAL, 0, offsetof(tc_skill_row, band_lo), 1,
     "the 90% prediction band's lower edge: 5% quantile of the onsets of members that formed"},
    {"band_hi", K_REAL, 0, offsetof(tc_skill_row, band_hi), 1,
     "the 90% prediction band's upper edge (95% quantile)"},
    {"in_band", K_BYTE, 0, offsetof(tc_skill_row, in_band), 0,
     "a realized onset inside the 90% band: 1, 0; -1: no onset to cover"},
    {"spread", K_REAL, 0, offsetof(tc_skill_row, spread), 1,
     "the ensemble's standard deviation of onsets clipped at the horizon"},
    {"members", K_LONG, 0, offsetof(tc_skill_row, members), 0, "ensemble size"},
    {"p_within", K_REAL, 1, offsetof(tc_skill_row, p_within), 0,
     "forecast probability of an onset within the lead"},
    {"formed_within", K_BYTE, 1, offsetof(tc_skill_row, formed_within), 0,
     "an onset within the lead: 1, 0; -1 unknown (the data ended)"},
    {"brier", K_REAL, 1, offsetof(tc_skill_row, brier), 0, "Brier score of p_within; NaN where unknown"},
};
#define N_COLUMNS (sizeof columns / sizeof *columns)

static hid_t mem_type(int kind, hid_t str)
{
    switch (kind) {
    case K_INT: return H5T_NATIVE_INT;
    case K_BYTE: return H5T_NATIVE_INT;
    case K_LONG: return H5T_NATIVE_LONG;
    case K_REAL: return H5T_NATIVE_DOUBLE;
    default: return str;
    }
}

static hid_t file_type(int kind, hid_t str)
{
    switch (kind) {
    case K_INT: return H5T_STD_I32LE;
    case K_BYTE: return H5T_STD_I8LE;
    case K_LONG: return H5T_STD_I64LE;
    case K_REAL: return H5T_IEEE_F64LE;
    default: return str;
    }
}

/*
 * The group, its `score` and `lead` scales, created on first use; the leads
 * must agree with the file's.  With vdcpl (not H5P_DEFAULT), a new `score`
 * is the virtual dataset of `rows` rows it maps (an index file's view).
 */
hid_t tc_skill_group_(hid_t file, const tc_model *m, const tc_skill_row *r0, hid_t vdcpl, hsize_t rows,
                      hid_t *score, hid_t *lead, char *why, size_t whylen)
{
    hid_t g = H5I_INVALID_HID;
    *score = *lead = H5I_INVALID_HID;
    if (H5Lexists(file, "skill", H5P_DEFAULT) > 0) {
        double have[TC_SKILL_LEADS_MAX];
        hid_t space = H5I_INVALID_HID;
        if ((g = H5Gopen2(file, "skill", H5P_DEFAULT)) < 0 ||
            (*score = H5Dopen2(g, "score", H5P_DEFAULT)) < 0 ||
            (*lead = H5Dopen2(g, "lead", H5P_DEFAULT)) < 0 || (space = H5Dget_space(*lead)) < 0) {
            snprintf(why, whylen, "cannot open /skill");
            goto fail;
        }
        hssize_t n = H5Sget_simple_extent_npoints(space);
        H5Sclose(space);
        int same =
            n == r0->n_leads && H5Dread(*lead, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, have) >= 0;
        for (int k = 0; same && k < r0->n_leads; k++)
            same = have[k] == r0->lead[k];
        if (!same) {
            snprintf(
                why, whylen,
                "/skill scores other lead times than this run (--score-leads and --horizon must match the "
                "file's)");
            goto fail;
        }
        return g;
    }
    hsize_t zero = 0, unlimited = H5S_UNLIMITED, chunk = 256, nl = (hsize_t)r0->n_leads;
    int virt = vdcpl != H5P_DEFAULT;
    hid_t space = virt ? H5Screate_simple(1, &rows, NULL) : H5Screate_simple(1, &zero, &unlimited),
          dcpl = virt ? H5Pcopy(vdcpl) : H5Pcreate(H5P_DATASET_CREATE);
    if ((g = tc_h5_group(file, "skill")) < 0 || space < 0 || dcpl < 0 ||
        (!virt && H5Pset_chunk(dcpl, 1, &chunk) < 0) ||
        (*score = H5Dcreate2(g, "score", H5T_STD_I64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT)) < 0 ||
        H5DSset_scale(*score, "score") < 0 ||
        tc_h5_str_attr(g, "comment",
                       "each epoch's onset forecast of each station scored against what the plant did "
                       "(twincast score summarises it)") < 0) {
        snprintf(why, whylen, "cannot create /skill");
        if (space >= 0)
            H5Sclose(space);
        if (dcpl >= 0)
            H5Pclose(dcpl);
        goto fail;
    }
    H5Sclose(space);
    H5Pclose(dcpl);
    space = H5Screate_simple(1, &nl, NULL);
    if (space < 0 ||
        (*lead = H5Dcreate2(g, "lead", H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) < 0 ||
        H5Dwrite(*lead, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, r0->lead) < 0 ||
        H5DSset_scale(*lead, "lead") < 0 || tc_h5_str_attr(*lead, "units", tc_time_unit_name(m->unit)) < 0 ||
        tc_h5_str_attr(*lead, "comment", "lead times of the Brier scores; the last is the horizon") < 0) {
        snprintf(why, whylen, "cannot create /skill/lead");
        if (space >= 0)
            H5Sclose(space);
        goto fail;
    }
    H5Sclose(space);
    return g;
fail:
    if (*lead >= 0)
        H5Dclose(*lead);
    if (*score >= 0)
        H5Dclose(*score);
    if (g >= 0)
        H5Gclose(g);
    *score = *lead = H5I_INVALID_HID;
    return H5I_INVALID_HID;
}

void tc_skill_group_close_(hid_t g, hid_t score, hid_t lead)
{
    if (lead >= 0)
        H5Dclose(lead);
    if (score >= 0)
        H5Dclose(score);
    if (g >= 0)
        H5Gclose(g);
}

const char *tc_skill_column_(int i, int *per_lead)
{
    if (i < 0 || i >= (int)N_COLUMNS)
        return NULL;
    *per_lead = columns[i].per_lead;
    return columns[i].name;
}

/* Column c, opened, or created: extendible and empty, or (vdcpl) the virtual one of `rows` rows. */
static hid_t open_column(hid_t g, const struct column *c, const tc_model *m, hid_t str, hid_t score,
                         hid_t lead, hid_t vdcpl, hsize_t rows)
{
    if (H5Lexists(g, c->name, H5P_DEFAULT) > 0)
        return H5Dopen2(g, c->name, H5P_DEFAULT);
    hsize_t nl = 0, zero[2] = {0, 0}, max[2] = {H5S_UNLIMITED, 0}, chunk[2] = {256, 1};
    int virt = vdcpl != H5P_DEFAULT;
    if (c->per_lead) {
        hid_t ls = H5Dget_space(lead);
        nl = ls >= 0 ? (hsize_t)H5Sget_simple_extent_npoints(ls) : 1;
        if (ls >= 0)
            H5Sclose(ls);
        zero[1] = max[1] = chunk[1] = nl;
    }
    int rank = c->per_lead ? 2 : 1;
    if (virt)
        zero[0] = max[0] = rows;
    hid_t space = H5Screate_simple(rank, zero, max),
          dcpl = virt ? H5Pcopy(vdcpl) : H5Pcreate(H5P_DATASET_CREATE), ds = H5I_INVALID_HID;
    if (space >= 0 && dcpl >= 0 && (virt || H5Pset_chunk(dcpl, rank, chunk) >= 0))
        ds = H5Dcreate2(g, c->name, file_type(c->kind, str), space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (space >= 0)
        H5Sclose(space);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (ds < 0)
        return ds;
    int bad = H5DSattach_scale(ds, score, 0) < 0 || (c->per_lead && H5DSattach_scale(ds, lead, 1) < 0) ||
              tc_h5_str_attr(ds, "comment", c->comment) < 0 ||
              (c->time_units && tc_h5_str_attr(ds, "units", tc_time_unit_name(m->unit)) < 0);
    if (!bad && !strcmp(c->name, "outcome")) { /* CF flags */
        signed char v[3] = {TC_OUTCOME_DATA_ENDED, TC_OUTCOME_NOT_FORMED, TC_OUTCOME_FORMED};
        hsize_t three = 3;
        hid_t as = H5Screate_simple(1, &three, NULL),
              a = as >= 0 ? H5Acreate2(ds, "flag_values", H5T_STD_I8LE, as, H5P_DEFAULT, H5P_DEFAULT) : -1;
        bad = a < 0 || H5Awrite(a, H5T_NATIVE_SCHAR, v) < 0 ||
              tc_h5_str_attr(ds, "flag_meanings", "data_ended_first not_formed_within_horizon formed") < 0;
        if (a >= 0)
            H5Aclose(a);
        if (as >= 0)
            H5Sclose(as);
    }
    if (bad) {
        H5Dclose(ds);
        return H5I_INVALID_HID;
    }
    return ds;
}

/* One column's values of rows [0, n), packed as its memory type (strings point into the rows and model). */
static void *pack(const struct column *c, const tc_model *m, const tc_skill_row *rows, int n, int nl)
{
    int width = c->per_lead ? nl : 1;
    size_t size = c->kind == K_REAL      ? sizeof(double)
                  : c->kind == K_LONG    ? sizeof(long)
                  : c->kind >= K_STATION ? sizeof(const char *)
                                         : sizeof(int);
    char *buf = malloc(size * (size_t)n * (size_t)width + 1);
    for (int i = 0; buf && i < n; i++) {
        const char *r = (const char *)&rows[i];
        for (int k = 0; k < width; k++) {
            void *to = buf + size * ((size_t)i * (size_t)width + (size_t)k);
            if (c->kind == K_STATION)
                *(const char **)to = m->plant.stations[rows[i].station].name;
            else if (c->kind == K_AS_OF)
                *(const char **)to = rows[i].as_of;
            else
                memcpy(to, r + c->at + size * (size_t)k, size);
        }
    }
    return buf;
}

static herr_t append_column(hid_t ds, hid_t mem, hsize_t old, hsize_t n, hsize_t nl, int per_lead,
                            const void *buf)
{
    hsize_t dims[2] = {old + n, nl}, start[2] = {old, 0}, count[2] = {n, nl};
    int rank = per_lead ? 2 : 1;
    hid_t fs = H5I_INVALID_HID, ms = H5I_INVALID_HID;
    herr_t rc = -1;
    if (H5Dset_extent(ds, dims) >= 0 && (fs = H5Dget_space(ds)) >= 0 &&
        H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) >= 0 &&
        (ms = H5Screate_simple(rank, count, NULL)) >= 0)
        rc = H5Dwrite(ds, mem, ms, fs, H5P_DEFAULT, buf);
    if (ms >= 0)
        H5Sclose(ms);
    if (fs >= 0)
        H5Sclose(fs);
    return rc;
}

/*
 * The strings of the last row read back, so that HDF5 knows the global heap
 * collection they are in has room: otherwise every opening of the file
 * starts a new 4 kB collection for a few rows' strings, and a live twin's
 * file grows by 4 kB an epoch of nothing (measured: 960 kB of 1.2 MB after
 * 260 epochs).
 */
static void reuse_heap(hid_t g, hid_t str, hsize_t rows)
{
    static const char *const names[] = {"station", "as_of"};
    for (int k = 0; k < 2; k++) {
        hid_t ds = H5Dopen2(g, names[k], H5P_DEFAULT), fs = ds >= 0 ? H5Dget_space(ds) : -1;
        hsize_t at = rows - 1, one = 1;
        hid_t ms = H5Screate_simple(1, &one, NULL);
        char *text = NULL;
        if (fs >= 0 && ms >= 0 && H5Sselect_hyperslab(fs, H5S_SELECT_SET, &at, NULL, &one, NULL) >= 0 &&
            H5Dread(ds, str, ms, fs, H5P_DEFAULT, &text) >= 0)
            H5Dvlen_reclaim(str, ms, H5P_DEFAULT, &text);
        if (ms >= 0)
            H5Sclose(ms);
        if (fs >= 0)
            H5Sclose(fs);
        if (ds >= 0)
            H5Dclose(ds);
    }
}

/* Appends rows to FILE's /skill from row `at` (-1: its end), their `score` base + row; 0 or -1 (why). */
int tc_skill_append_(hid_t file, const tc_model *m, const tc_skill_row *rows, int n, long long at,
                     long long base, char *why, size_t whylen)
{
    hid_t str = H5Tcopy(H5T_C_S1), score = H5I_INVALID_HID, lead = H5I_INVALID_HID, g = H5I_INVALID_HID;
    int bad = str < 0 || H5Tset_size(str, H5T_VARIABLE) < 0 || H5Tset_cset(str, H5T_CSET_UTF8) < 0 ||
              (g = tc_skill_group_(file, m, &rows[0], H5P_DEFAULT, 0, &score, &lead, why, whylen)) < 0;
    hid_t space = bad ? H5I_INVALID_HID : H5Dget_space(score);
    hsize_t old = space >= 0 ? (hsize_t)H5Sget_simple_extent_npoints(space) : 0,
            nl = (hsize_t)rows[0].n_leads;
    if (space >= 0)
        H5Sclose(space);
    if (at >= 0) /* past rows a crash left behind are written over */
        old = (hsize_t)at;
    long long *index = bad ? NULL : malloc(sizeof *index * (size_t)n);
    bad = bad || !index;
    for (int i = 0; !bad && i < n; i++)
        index[i] = base + (long long)old + i;
    bad = bad || append_column(score, H5T_NATIVE_LLONG, old, (hsize_t)n, 1, 0, index) < 0;
    free(index);
    if (!bad && old > 0)
        reuse_heap(g, str, old);
    for (size_t c = 0; !bad && c < N_COLUMNS; c++) {
        hid_t ds = open_column(g, &columns[c], m, str, score, lead, H5P_DEFAULT, 0);
        void *buf = ds >= 0 ? pack(&columns[c], m, rows, n, (int)nl) : NULL;
        bad = !buf || append_column(ds, mem_type(columns[c].kind, str), old, (hsize_t)n, nl,
                                    columns[c].per_lead, buf) < 0;
        free(buf);
        if (ds >= 0)
            H5Dclose(ds);
    }
    tc_skill_group_close_(g, score, lead);
    if (str >= 0)
        H5Tclose(str);
    return bad ? -1 : 0;
}

tc_status tc_store_append_skill(tc_store *s, const tc_model *m, const tc_skill_row *rows, int n, char *err,
                                size_t errlen)
{
    if (n <= 0)
        return TC_OK;
    char why[256] = "HDF5 failed to append to /skill";
    for (int i = 1; i < n; i++) {
        int same = rows[i].n_leads == rows[0].n_leads;
        for (int k = 0; same && k < rows[0].n_leads; k++)
            same = rows[i].lead[k] == rows[0].lead[k];
        if (!same) {
            snprintf(err, errlen, "%s: rows to append score different lead times", tc_store_path_(s));
            return TC_ERR_RUNTIME;
        }
    }
    if (tc_store_epochs_(s))
        return tc_skill_append_segments_(s, m, rows, n, err, errlen);
    if (tc_skill_append_(tc_store_file_(s), m, rows, n, -1, 0, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s: %s", tc_store_path_(s), why);
        return TC_ERR_RUNTIME;
    }
    return TC_OK;
}

/* One column of every row, read into rows (strings: the station's index, the as_of text). */
static int read_column(hid_t g, const struct column *c, const tc_model *m, hid_t str, tc_skill_row *rows,
                       hsize_t n, int nl, char *why, size_t whylen)
{
    hid_t ds = H5Dopen2(g, c->name, H5P_DEFAULT), space = ds >= 0 ? H5Dget_space(ds) : -1;
    int width = c->per_lead ? nl : 1, bad = 0;
    hsize_t want = n * (hsize_t)width;
    void *buf = calloc(want + 1, sizeof(double) > sizeof(long) ? sizeof(double) : sizeof(long));
    if (ds < 0 || space < 0 || !buf || (hsize_t)H5Sget_simple_extent_npoints(space) != want ||
        H5Dread(ds, mem_type(c->kind, str), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        snprintf(why, whylen, "cannot read /skill/%s (or its length differs from /skill/score)", c->name);
        bad = 1;
    }
    for (hsize_t i = 0; !bad && i < n; i++) {
        char *r = (char *)&rows[i];
        if (c->kind == K_STATION) {
            const char *name = ((char **)buf)[i];
            if ((rows[i].station = name ? tc_model_station_index(m, name) : -1) < 0) {
                snprintf(why, whylen, "/skill row %llu: the model has no station '%s'", (unsigned long long)i,
                         name ? name : "");
                bad = 1;
            }
        } else if (c->kind == K_AS_OF) {
            const char *a = ((char **)buf)[i];
            snprintf(rows[i].as_of, sizeof rows[i].as_of, "%s", a ? a : "");
        } else {
            size_t size = c->kind == K_REAL ? sizeof(double) : c->kind == K_LONG ? sizeof(long) : sizeof(int);
            memcpy(r + c->at, (char *)buf + size * i * (hsize_t)width, size * (size_t)width);
        }
    }
    if (buf && c->kind >= K_STATION && space >= 0)
        H5Dvlen_reclaim(str, space, H5P_DEFAULT, buf);
    free(buf);
    if (space >= 0)
        H5Sclose(space);
    if (ds >= 0)
        H5Dclose(ds);
    return bad ? -1 : 0;
}

tc_status tc_store_read_skill(const char *path, const tc_model *m, tc_skill_row **rows, int *n, char *err,
                              size_t errlen)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    *rows = NULL;
    *n = 0;
    hid_t f = H5Fis_hdf5(path) > 0 ? H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT) : -1;
    hid_t g = H5I_INVALID_HID, lead = H5I_INVALID_HID, score = H5I_INVALID_HID, space = H5I_INVALID_HID,
          str = H5Tcopy(H5T_C_S1);
    char why[256] = "";
    tc_status st = TC_ERR_INPUT;
    double leads[TC_SKILL_LEADS_MAX];
    if (f < 0) {
        snprintf(err, errlen, "%s: cannot open as an HDF5 file", path);
        if (str >= 0)
            H5Tclose(str);
        return TC_ERR_INPUT;
    }
    if (H5Lexists(f, "skill", H5P_DEFAULT) <= 0) {
        snprintf(
            why, sizeof why,
            "no /skill table yet (serve and replay write one once the first forecast's horizon has passed)");
        goto done;
    }
    hssize_t nl = -1, count = -1;
    if (str < 0 || H5Tset_size(str, H5T_VARIABLE) < 0 || H5Tset_cset(str, H5T_CSET_UTF8) < 0 ||
        (g = H5Gopen2(f, "skill", H5P_DEFAULT)) < 0 || (lead = H5Dopen2(g, "lead", H5P_DEFAULT)) < 0 ||
        (space = H5Dget_space(lead)) < 0 || (nl = H5Sget_simple_extent_npoints(space)) < 1 ||
        nl > TC_SKILL_LEADS_MAX ||
        H5Dread(lead, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, leads) < 0) {
        snprintf(why, sizeof why, "/skill/lead is missing or holds more than %d leads", TC_SKILL_LEADS_MAX);
        goto done;
    }
    H5Sclose(space);
    if ((score = H5Dopen2(g, "score", H5P_DEFAULT)) < 0 || (space = H5Dget_space(score)) < 0 ||
        (count = H5Sget_simple_extent_npoints(space)) < 0 || count > 100000000) {
        snprintf(why, sizeof why, "/skill/score is missing");
        goto done;
    }
    if (!(*rows = calloc((size_t)count + 1, sizeof **rows))) {
        snprintf(why, sizeof why, "out of memory");
        st = TC_ERR_RUNTIME;
        goto done;
    }
    for (hssize_t i = 0; i < count; i++) {
        (*rows)[i].n_leads = (int)nl;
        memcpy((*rows)[i].lead, leads, sizeof leads);
    }
    for (size_t c = 0; c < N_COLUMNS; c++)
        if (read_column(g, &columns[c], m, str, *rows, (hsize_t)count, (int)nl, why, sizeof why))
            goto done;
    *n = (int)count;
    st = TC_OK;
done:
    if (st != TC_OK) {
        snprintf(err, errlen, "%s: %s", path, why);
        free(*rows);
        *rows = NULL;
    }
    if (space >= 0)
        H5Sclose(space);
    if (score >= 0)
        H5Dclose(score);
    if (lead >= 0)
        H5Dclose(lead);
    if (g >= 0)
        H5Gclose(g);
    if (str >= 0)
        H5Tclose(str);
    H5Fclose(f);
    return st;
}

/* Column i of an index file's /skill: the virtual dataset of `rows` rows vdcpl maps. */
hid_t tc_skill_column_view_(hid_t g, int i, const tc_model *m, hid_t str, hid_t score, hid_t lead,
                            hid_t vdcpl, hsize_t rows)
{
    return open_column(g, &columns[i], m, str, score, lead, vdcpl, rows);
}
