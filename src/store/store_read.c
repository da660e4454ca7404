/* store_read.c - reading a forecast epoch's summaries back (for `report`). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "store_internal.h"
#include "twincast/store.h"

static void get_num_attr(hid_t obj, const char *name, hid_t type, void *out)
{
    if (H5Aexists(obj, name) <= 0)
        return;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a >= 0) {
        H5Aread(a, type, out);
        H5Aclose(a);
    }
}

typedef struct names {
    int n, cap;
    char (*v)[64];
} names;

static herr_t collect_group(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    names *nm = data;
    H5O_info_t oi;
    if (info->type != H5L_TYPE_HARD || H5Oget_info_by_name(g, name, &oi, H5P_DEFAULT) < 0 ||
        oi.type != H5O_TYPE_GROUP)
        return 0;
    if (nm->n == nm->cap) {
        int ncap = nm->cap ? nm->cap * 2 : 8;
        void *nv = realloc(nm->v, sizeof *nm->v * (size_t)ncap);
        if (!nv)
            return -1;
        nm->v = nv;
        nm->cap = ncap;
    }
    snprintf(nm->v[nm->n++], 64, "%s", name);
    return 0;
}

static int latest_epoch(hid_t f)
{
    char target[256] = "";
    if (H5Lexists(f, "forecasts/latest", H5P_DEFAULT) <= 0 ||
        H5Lget_val(f, "forecasts/latest", target, sizeof target, H5P_DEFAULT) < 0)
        return 0;
    const char *slash = strrchr(target, '/');
    return slash ? (int)strtol(slash + 1, NULL, 10) : 0;
}

/* The names along a string dimension scale (station, product). */
static int read_names(hid_t g, const char *scale, int *n, char (**out)[64])
{
    hid_t ds = H5Dopen2(g, scale, H5P_DEFAULT), sp = -1, t = -1;
    int rc = -1;
    char **buf = NULL;
    if (ds < 0 || (sp = H5Dget_space(ds)) < 0)
        goto done;
    *n = (int)H5Sget_simple_extent_npoints(sp);
    buf = calloc((size_t)*n + 1, sizeof *buf);
    *out = calloc((size_t)*n + 1, sizeof **out);
    if (!buf || !*out || (t = H5Tcopy(H5T_C_S1)) < 0 || H5Tset_size(t, H5T_VARIABLE) < 0 ||
        H5Tset_cset(t, H5T_CSET_UTF8) < 0)
        goto done;
    if (H5Dread(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
        goto done;
    for (int i = 0; i < *n; i++)
        snprintf((*out)[i], 64, "%s", buf[i] ? buf[i] : "");
    H5Dvlen_reclaim(t, sp, H5P_DEFAULT, buf);
    rc = 0;
done:
    free(buf);
    if (t >= 0)
        H5Tclose(t);
    if (sp >= 0)
        H5Sclose(sp);
    if (ds >= 0)
        H5Dclose(ds);
    return rc;
}

static int read_stations(hid_t g, tc_forecast_view *v)
{
    return read_names(g, "station", &v->S, &v->station);
}

/* Reads a compound dataset into out, if the file has it (left as it is otherwise); closes `type`. */
static int read_records(hid_t g, const char *name, hid_t type, void *out)
{
    int rc = 0;
    if (H5Lexists(g, name, H5P_DEFAULT) > 0) {
        hid_t ds = H5Dopen2(g, name, H5P_DEFAULT);
        rc = ds >= 0 && type >= 0 && H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) >= 0 ? 0 : -1;
        if (ds >= 0)
            H5Dclose(ds);
    }
    if (type >= 0)
        H5Tclose(type);
    return rc;
}

/* The product summary of a scenario, if the file has products (files from before have none). */
static int read_product_summary(hid_t g, tc_forecast_view *v, int k)
{
    if (k == 0 && H5Lexists(g, "product", H5P_DEFAULT) > 0) {
        if (read_names(g, "product", &v->P, &v->product) != 0 ||
            !(v->product_summary =
                  calloc((size_t)v->n_scenarios * (size_t)v->P + 1, sizeof *v->product_summary)))
            return -1;
    }
    if (v->P == 0)
        return 0;
    tc_product_summary *out = v->product_summary + (size_t)k * v->P;
    for (int p = 0; p < v->P; p++)
        out[p] = (tc_product_summary){NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN};
    return read_records(g, "product_summary", tc_h5_product_summary_type(), out); /* absent: an older file */
}

/* Changeovers and batches of a scenario (NaN in files written before them). */
static int read_setup_batch(hid_t g, tc_forecast_view *v, int k)
{
    if (k == 0 &&
        !(v->setup_batch = calloc((size_t)v->n_scenarios * (size_t)v->S + 1, sizeof *v->setup_batch)))
        return -1;
    tc_setup_batch_summary *out = v->setup_batch + (size_t)k * v->S;
    for (int s = 0; s < v->S; s++)
        out[s] = (tc_setup_batch_summary){NAN, NAN, NAN, NAN, NAN, NAN};
    return read_records(g, "setup_batch_summary", tc_h5_setup_batch_type(), out);
}

static int read_summary(hid_t g, int is_baseline, tc_station_summary *out, int S)
{
    for (int s = 0; s < S; s++) {
        out[s].diff_onset_mean = out[s].diff_lo = out[s].diff_hi = NAN;
        out[s].n_pairs = 0;
    }
    hid_t ds = H5Dopen2(g, "summary", H5P_DEFAULT), t = tc_h5_summary_type(is_baseline);
    int rc = ds >= 0 && t >= 0 && H5Dread(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) >= 0 ? 0 : -1;
    if (t >= 0)
        H5Tclose(t);
    if (ds >= 0)
        H5Dclose(ds);
    return rc;
}

tc_status tc_store_read(const char *path, int epoch, const char *scenario, tc_forecast_view **out, char *err,
                        size_t errlen)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5I_INVALID_HID, eg = H5I_INVALID_HID;
    names nm = {0};
    tc_status st = TC_ERR_INPUT;
    tc_forecast_view *v = calloc(1, sizeof *v);
    if (!v) {
        snprintf(err, errlen, "out of memory");
        return TC_ERR_RUNTIME;
    }
    if (H5Fis_hdf5(path) <= 0 || (f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0) {
        snprintf(err, errlen, "%s: cannot open as an HDF5 file", path);
        goto fail;
    }
    if (H5Lexists(f, "forecasts", H5P_DEFAULT) <= 0) {
        snprintf(err, errlen, "%s: not a twincast forecast file (no /forecasts)", path);
        goto fail;
    }
    v->epoch = epoch > 0 ? epoch : latest_epoch(f);
    char gname[64];
    snprintf(gname, sizeof gname, "forecasts/%06d", v->epoch);
    if (v->epoch <= 0 || H5Lexists(f, gname, H5P_DEFAULT) <= 0 ||
        (eg = H5Gopen2(f, gname, H5P_DEFAULT)) < 0) {
        snprintf(err, errlen, "%s: no epoch %06d", path, v->epoch);
        goto fail;
    }
    tc_h5_read_str_attr(f, "model_name", v->model_name, sizeof v->model_name);
    tc_h5_read_str_attr(eg, "as_of", v->as_of, sizeof v->as_of);
    if (H5Aexists(eg, "timezone") > 0)
        tc_h5_read_str_attr(eg, "timezone", v->timezone, sizeof v->timezone);
    tc_h5_read_str_attr(eg, "time_unit", v->time_unit, sizeof v->time_unit);
    tc_h5_read_str_attr(eg, "stop_reason", v->stop_reason, sizeof v->stop_reason);
    get_num_attr(eg, "horizon", H5T_NATIVE_DOUBLE, &v->horizon);
    get_num_attr(eg, "wall_seconds", H5T_NATIVE_DOUBLE, &v->wall_seconds);
    get_num_attr(eg, "precision", H5T_NATIVE_DOUBLE, &v->precision);
    get_num_attr(eg, "replications", H5T_NATIVE_LONG, &v->replications);
    get_num_attr(eg, "ranks", H5T_NATIVE_INT, &v->ranks);
    get_num_attr(eg, "threads", H5T_NATIVE_INT, &v->threads);
    get_num_attr(eg, "seed", H5T_NATIVE_UINT, &v->seed);
    if (H5Literate(eg, H5_INDEX_CRT_ORDER, H5_ITER_INC, NULL, collect_group, &nm) < 0 || nm.n == 0) {
        snprintf(err, errlen, "%s: epoch %06d holds no scenario", path, v->epoch);
        goto fail;
    }
    if (scenario) {
        int k = -1;
        for (int i = 0; i < nm.n; i++)
            if (strcmp(nm.v[i], scenario) == 0)
                k = i;
        if (k < 0) {
            snprintf(err, errlen, "%s: epoch %06d has no scenario '%s'", path, v->epoch, scenario);
            goto fail;
        }
        memmove(nm.v[0], nm.v[k], sizeof nm.v[0]);
        nm.n = 1;
    }
    v->n_scenarios = nm.n;
    v->scenario = nm.v;
    nm.v = NULL;
    st = TC_ERR_RUNTIME;
    for (int i = 0; i < v->n_scenarios; i++) {
        hid_t g = H5Gopen2(eg, v->scenario[i], H5P_DEFAULT);
        int ok = g >= 0 && (i > 0 || read_stations(g, v) == 0);
        if (ok && i == 0 &&
            !(v->summary = calloc((size_t)v->n_scenarios * (size_t)v->S + 1, sizeof *v->summary)))
            ok = 0;
        if (ok)
            ok = read_summary(g, strcmp(v->scenario[i], "baseline") == 0, v->summary + (size_t)i * v->S,
                              v->S) == 0;
        if (ok)
            ok = read_product_summary(g, v, i) == 0;
        if (ok)
            ok = read_setup_batch(g, v, i) == 0;
        if (g >= 0)
            H5Gclose(g);
        if (!ok) {
            snprintf(err, errlen, "%s: cannot read scenario '%s' of epoch %06d", path, v->scenario[i],
                     v->epoch);
            goto fail;
        }
    }
    H5Gclose(eg);
    H5Fclose(f);
    *out = v;
    return TC_OK;
fail:
    free(nm.v);
    if (eg >= 0)
        H5Gclose(eg);
    if (f >= 0)
        H5Fclose(f);
    tc_forecast_view_destroy(v);
    return st;
}

void tc_forecast_view_destroy(tc_forecast_view *v)
{
    if (!v)
        return;
    free(v->scenario);
    free(v->station);
    free(v->summary);
    free(v->product);
    free(v->product_summary);
    free(v->setup_batch);
    free(v);
}

static char *read_text_dataset(hid_t loc, const char *name)
{
    hid_t ds = H5Dopen2(loc, name, H5P_DEFAULT), t = -1, sp = -1;
    char *buf = NULL, *out = NULL;
    if (ds < 0)
        return NULL;
    if ((t = H5Tcopy(H5T_C_S1)) >= 0 && H5Tset_size(t, H5T_VARIABLE) >= 0 &&
        H5Tset_cset(t, H5T_CSET_UTF8) >= 0 && (sp = H5Dget_space(ds)) >= 0 &&
        H5Dread(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, &buf) >= 0 && buf) {
        out = strdup(buf);
        H5Dvlen_reclaim(t, sp, H5P_DEFAULT, &buf);
    }
    if (sp >= 0)
        H5Sclose(sp);
    if (t >= 0)
        H5Tclose(t);
    H5Dclose(ds);
    return out;
}

static char *read_vstr_attr(hid_t obj, const char *name)
{
    if (H5Aexists(obj, name) <= 0)
        return NULL;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT), t = a >= 0 ? H5Aget_type(a) : -1;
    char *out = NULL;
    if (t >= 0 && H5Tget_class(t) == H5T_STRING && !H5Tis_variable_str(t)) {
        size_t n = H5Tget_size(t);
        if ((out = calloc(n + 1, 1)) && H5Aread(a, t, out) < 0) {
            free(out);
            out = NULL;
        }
    }
    if (t >= 0)
        H5Tclose(t);
    if (a >= 0)
        H5Aclose(a);
    return out;
}

tc_status tc_store_read_resume(const char *path, char **state, char **offsets, int *epoch, char *err,
                               size_t errlen)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    *state = *offsets = NULL;
    *epoch = 0;
    hid_t f = H5Fis_hdf5(path) > 0 ? H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT) : -1;
    if (f < 0) {
        snprintf(err, errlen, "%s: cannot open as an HDF5 file", path);
        return TC_ERR_INPUT;
    }
    int e = latest_epoch(f);
    if (e > 0) {
        char gname[64];
        snprintf(gname, sizeof gname, "forecasts/%06d", e);
        hid_t g = H5Gopen2(f, gname, H5P_DEFAULT);
        if (g >= 0) {
            *state = read_text_dataset(g, "state_json");
            *offsets = read_vstr_attr(g, "offsets");
            H5Gclose(g);
        }
        *epoch = e;
    }
    H5Fclose(f);
    if (e > 0 && !*state) {
        snprintf(err, errlen, "%s: cannot read the state of epoch %06d", path, e);
        return TC_ERR_RUNTIME;
    }
    return TC_OK;
}

/* Reads a whole dataset of `n` values of `type`; 0 or -1 (wrong size, missing). */
static int read_all(hid_t g, const char *name, hid_t type, void *buf, hssize_t n)
{
    hid_t ds = H5Dopen2(g, name, H5P_DEFAULT), sp = -1;
    int rc = -1;
    if (ds >= 0 && (sp = H5Dget_space(ds)) >= 0 && H5Sget_simple_extent_npoints(sp) == n &&
        (n == 0 || H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0))
        rc = 0;
    if (sp >= 0)
        H5Sclose(sp);
    if (ds >= 0)
        H5Dclose(ds);
    return rc;
}

static hssize_t extent(hid_t g, const char *name)
{
    hid_t ds = H5Dopen2(g, name, H5P_DEFAULT), sp = ds >= 0 ? H5Dget_space(ds) : -1;
    hssize_t n = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    if (sp >= 0)
        H5Sclose(sp);
    if (ds >= 0)
        H5Dclose(ds);
    return n;
}

void tc_scenario_read_clear(tc_scenario_read *r)
{
    tc_sample_destroy(r->sample);
    free(r->waiting_quantiles);
    free(r->bottleneck_probability);
    free(r->time);
    free(r->threshold);
    free(r->station);
    memset(r, 0, sizeof *r);
}

tc_status tc_store_read_scenario(const char *path, int epoch, const char *scenario, tc_scenario_read *out,
                                 char *err, size_t errlen)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    memset(out, 0, sizeof *out);
    hid_t f = H5Fis_hdf5(path) > 0 ? H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT) : -1, g = -1;
    if (f < 0) {
        snprintf(err, errlen, "%s: cannot open as an HDF5 file", path);
        return TC_ERR_INPUT;
    }
    int e = epoch > 0 ? epoch : latest_epoch(f);
    char name[256];
    snprintf(name, sizeof name, "forecasts/%06d/%s", e, scenario);
    tc_status st = TC_ERR_INPUT;
    if (e <= 0 || H5Lexists(f, "forecasts", H5P_DEFAULT) <= 0 || H5Lexists(f, name, H5P_DEFAULT) <= 0 ||
        (g = H5Gopen2(f, name, H5P_DEFAULT)) < 0) {
        snprintf(err, errlen, "%s: no scenario '%s' in epoch %06d", path, scenario, e);
        goto done;
    }
    if (H5Lexists(g, "station", H5P_DEFAULT) > 0 && H5Lexists(g, "realization", H5P_DEFAULT) <= 0) {
        snprintf(err, errlen, "%s: epoch %06d was written with --keep none: it has no per-replication data",
                 path, e);
        goto done;
    }
    hssize_t R = extent(g, "realization"), S = extent(g, "station"), T = extent(g, "time");
    hssize_t P = H5Lexists(g, "product", H5P_DEFAULT) > 0 ? extent(g, "product") : 0;
    if (R < 0 || S <= 0 || T <= 0) {
        snprintf(err, errlen, "%s: %s lacks its dimension scales", path, name);
        goto done;
    }
    tc_forecast_view v = {0};
    st = TC_ERR_RUNTIME;
    out->sample = tc_sample_create(R > 0 ? R : 1, (int)S, (int)T, P > 0 ? (int)P : 0);
    out->waiting_quantiles = malloc(sizeof(double) * (size_t)(T * S * TC_NQ));
    out->bottleneck_probability = malloc(sizeof(double) * (size_t)(T * S));
    out->time = malloc(sizeof(double) * (size_t)T);
    out->threshold = calloc((size_t)S, sizeof(int));
    if (!out->sample || !out->waiting_quantiles || !out->bottleneck_probability || !out->time ||
        !out->threshold || read_stations(g, &v) != 0) {
        snprintf(err, errlen, "%s: cannot read %s", path, name);
        free(v.station);
        goto done;
    }
    out->station = v.station;
    out->sample->R = R;
    for (int k = 0; k < TC_M_COUNT; k++)
        if ((k == TC_M_SETUP || k == TC_M_MEAN_BATCH || k == TC_M_PLANNED_DOWN) &&
            H5Lexists(g, tc_sample_measure_name(k), H5P_DEFAULT) <= 0) { /* files from before them */
            for (hssize_t i = 0; i < R * S; i++)
                out->sample->m[k][i] = k == TC_M_MEAN_BATCH ? NAN : 0;
        } else if (read_all(g, tc_sample_measure_name(k), H5T_NATIVE_DOUBLE, out->sample->m[k], R * S) != 0) {
            snprintf(err, errlen, "%s: cannot read %s/%s", path, name, tc_sample_measure_name(k));
            goto done;
        }
    for (int k = 0; P > 0 && k < TC_P_COUNT; k++)
        if (read_all(g, tc_sample_product_measure_name(k), H5T_NATIVE_DOUBLE, out->sample->p[k], R * P) !=
            0) {
            snprintf(err, errlen, "%s: cannot read %s/%s", path, name, tc_sample_product_measure_name(k));
            goto done;
        }
    tc_bands_destroy(out->sample->bands); /* per-bin data are not stored, only their bands */
    out->sample->bands = NULL;
    if (read_all(g, "waiting_quantiles", H5T_NATIVE_DOUBLE, out->waiting_quantiles, T * S * TC_NQ) ||
        read_all(g, "bottleneck_probability", H5T_NATIVE_DOUBLE, out->bottleneck_probability, T * S) ||
        read_all(g, "time", H5T_NATIVE_DOUBLE, out->time, T)) {
        snprintf(err, errlen, "%s: cannot read the bands of %s", path, name);
        goto done;
    }
    read_all(g, "threshold", H5T_NATIVE_INT, out->threshold, S); /* older files have none */
    out->waiting_rank_error = out->waiting_resolution = NAN;
    hid_t wq = H5Dopen2(g, "waiting_quantiles", H5P_DEFAULT);
    if (wq >= 0) {
        get_num_attr(wq, "rank_error_bound", H5T_NATIVE_DOUBLE, &out->waiting_rank_error);
        get_num_attr(wq, "resolution", H5T_NATIVE_DOUBLE, &out->waiting_resolution);
        H5Dclose(wq);
    }
    st = TC_OK;
done:
    if (g >= 0)
        H5Gclose(g);
    H5Fclose(f);
    if (st != TC_OK)
        tc_scenario_read_clear(out);
    return st;
}

char *tc_store_read_model(const char *path)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fis_hdf5(path) > 0 ? H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT) : -1;
    if (f < 0)
        return NULL;
    char *text = read_text_dataset(f, "model_yaml");
    H5Fclose(f);
    return text;
}
