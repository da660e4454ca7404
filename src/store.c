/*
 * store.c - the HDF5 forecast file.  Handles start invalid and are closed
 * in reverse order of opening; HDF5's own error stack printing is off and
 * every failure comes back as a message naming the file and the object.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "twincast/store.h"
#include "twincast/version.h"

struct tc_store {
    hid_t file;
    hid_t epoch_group;
    int epoch;
    char *path;
};

#define CHECK(expr, what)                                                       \
    do {                                                                        \
        if ((expr) < 0) {                                                       \
            snprintf(err, errlen, "%s: HDF5 failed to %s", s->path, what);      \
            goto fail;                                                          \
        }                                                                       \
    } while (0)

static herr_t put_str_attr(hid_t obj, const char *name, const char *value)
{
    hid_t type = H5I_INVALID_HID, space = H5I_INVALID_HID, attr = H5I_INVALID_HID;
    herr_t rc = -1;
    if ((type = H5Tcopy(H5T_C_S1)) < 0 || H5Tset_size(type, strlen(value) + 1) < 0 ||
        H5Tset_strpad(type, H5T_STR_NULLTERM) < 0 || H5Tset_cset(type, H5T_CSET_UTF8) < 0)
        goto done;
    if ((space = H5Screate(H5S_SCALAR)) < 0)
        goto done;
    if (H5Aexists(obj, name) > 0 && H5Adelete(obj, name) < 0)
        goto done;
    if ((attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT)) < 0)
        goto done;
    rc = H5Awrite(attr, type, value);
done:
    if (attr >= 0) H5Aclose(attr);
    if (space >= 0) H5Sclose(space);
    if (type >= 0) H5Tclose(type);
    return rc;
}

static herr_t put_num_attr(hid_t obj, const char *name, hid_t type, const void *value)
{
    hid_t space = H5I_INVALID_HID, attr = H5I_INVALID_HID;
    herr_t rc = -1;
    if ((space = H5Screate(H5S_SCALAR)) < 0)
        goto done;
    if ((attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT)) < 0)
        goto done;
    rc = H5Awrite(attr, type, value);
done:
    if (attr >= 0) H5Aclose(attr);
    if (space >= 0) H5Sclose(space);
    return rc;
}

static herr_t put_text_dataset(hid_t loc, const char *name, const char *text)
{
    hid_t type = H5I_INVALID_HID, space = H5I_INVALID_HID, ds = H5I_INVALID_HID;
    herr_t rc = -1;
    if ((type = H5Tcopy(H5T_C_S1)) < 0 || H5Tset_size(type, H5T_VARIABLE) < 0 ||
        H5Tset_cset(type, H5T_CSET_UTF8) < 0)
        goto done;
    if ((space = H5Screate(H5S_SCALAR)) < 0)
        goto done;
    if ((ds = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) < 0)
        goto done;
    rc = H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, &text);
done:
    if (ds >= 0) H5Dclose(ds);
    if (space >= 0) H5Sclose(space);
    if (type >= 0) H5Tclose(type);
    return rc;
}

static void iso_now(char *buf, size_t n)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static herr_t find_last_epoch(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    (void)g;
    int *last = data;
    if (info->type == H5L_TYPE_HARD && strlen(name) == 6 && strspn(name, "0123456789") == 6) {
        int e = atoi(name);
        if (e > *last)
            *last = e;
    }
    return 0;
}

tc_status tc_store_open(const char *path, const tc_model *m, tc_store **out, char *err, size_t errlen)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    tc_store *s = calloc(1, sizeof *s);
    if (!s || !(s->path = malloc(strlen(path) + 1))) {
        free(s);
        snprintf(err, errlen, "%s: out of memory", path);
        return TC_ERR_RUNTIME;
    }
    strcpy(s->path, path);
    s->file = s->epoch_group = H5I_INVALID_HID;
    hid_t fapl = H5I_INVALID_HID, fcpl = H5I_INVALID_HID, gcpl = H5I_INVALID_HID, g = H5I_INVALID_HID;
    tc_status st = TC_ERR_RUNTIME;
    FILE *probe = fopen(path, "rb");
    if (probe) {
        fclose(probe);
        if (H5Fis_hdf5(path) <= 0) {
            snprintf(err, errlen, "%s: exists and is not an HDF5 file; refusing to overwrite it", path);
            st = TC_ERR_INPUT;
            goto fail;
        }
        if ((s->file = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT)) < 0) {
            snprintf(err, errlen, "%s: cannot open for appending (permissions? open elsewhere?)", path);
            st = TC_ERR_INPUT;
            goto fail;
        }
        if (H5Aexists(s->file, "twincast_version") <= 0 || H5Lexists(s->file, "forecasts", H5P_DEFAULT) <= 0) {
            snprintf(err, errlen, "%s: not a twincast forecast file; refusing to modify it", path);
            st = TC_ERR_INPUT;
            goto fail;
        }
        int last = 0;
        CHECK(H5Literate_by_name(s->file, "forecasts", H5_INDEX_NAME, H5_ITER_NATIVE, NULL,
                                  find_last_epoch, &last, H5P_DEFAULT), "list /forecasts");
        s->epoch = last;
    } else {
        /* Track creation order so that netCDF-4 readers accept the groups. */
        CHECK(fcpl = H5Pcreate(H5P_FILE_CREATE), "create a property list");
        CHECK(H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), "set creation order");
        CHECK(fapl = H5Pcreate(H5P_FILE_ACCESS), "create a property list");
        CHECK(H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST), "set format bounds");
        if ((s->file = H5Fcreate(path, H5F_ACC_EXCL, fcpl, fapl)) < 0) {
            snprintf(err, errlen, "%s: cannot create (does the directory exist and is it writable?)", path);
            st = TC_ERR_INPUT;
            goto fail;
        }
        char created[32], title[512];
        iso_now(created, sizeof created);
        snprintf(title, sizeof title, "twincast bottleneck forecasts for plant %s", m->name);
        CHECK(put_str_attr(s->file, "Conventions", "CF-1.8"), "write attributes");
        CHECK(put_str_attr(s->file, "title", title), "write attributes");
        CHECK(put_str_attr(s->file, "twincast_version", TC_VERSION), "write attributes");
        CHECK(put_str_attr(s->file, "model_name", m->name), "write attributes");
        CHECK(put_str_attr(s->file, "created", created), "write attributes");
        CHECK(put_text_dataset(s->file, "model_yaml", m->text ? m->text : ""), "write /model_yaml");
        CHECK(gcpl = H5Pcreate(H5P_GROUP_CREATE), "create a property list");
        CHECK(H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), "set creation order");
        CHECK(g = H5Gcreate2(s->file, "forecasts", H5P_DEFAULT, gcpl, H5P_DEFAULT), "create /forecasts");
        s->epoch = 0;
    }
    if (g >= 0) H5Gclose(g);
    if (gcpl >= 0) H5Pclose(gcpl);
    if (fapl >= 0) H5Pclose(fapl);
    if (fcpl >= 0) H5Pclose(fcpl);
    *out = s;
    return TC_OK;
fail:
    if (g >= 0) H5Gclose(g);
    if (gcpl >= 0) H5Pclose(gcpl);
    if (fapl >= 0) H5Pclose(fapl);
    if (fcpl >= 0) H5Pclose(fcpl);
    if (s->file >= 0) H5Fclose(s->file);
    free(s->path);
    free(s);
    return st;
}

tc_status tc_store_begin_epoch(tc_store *s, int *epoch, char *err, size_t errlen)
{
    char name[32];
    hid_t gcpl = H5I_INVALID_HID;
    if (s->epoch >= 999999) {
        snprintf(err, errlen, "%s: holds 999999 epochs already", s->path);
        return TC_ERR_RUNTIME;
    }
    snprintf(name, sizeof name, "forecasts/%06d", s->epoch + 1);
    CHECK(gcpl = H5Pcreate(H5P_GROUP_CREATE), "create a property list");
    CHECK(H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), "set creation order");
    CHECK(s->epoch_group = H5Gcreate2(s->file, name, H5P_DEFAULT, gcpl, H5P_DEFAULT), "create the epoch group");
    H5Pclose(gcpl);
    *epoch = ++s->epoch;
    return TC_OK;
fail:
    if (gcpl >= 0) H5Pclose(gcpl);
    return TC_ERR_RUNTIME;
}

/* A dimension scale: the coordinate variable of a netCDF dimension. */
static hid_t make_scale(hid_t g, const char *name, hid_t type, hsize_t n, const void *data)
{
    hid_t space = H5Screate_simple(1, &n, NULL), ds = H5I_INVALID_HID;
    if (space < 0)
        return H5I_INVALID_HID;
    ds = H5Dcreate2(g, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Sclose(space);
    if (ds < 0)
        return H5I_INVALID_HID;
    if (H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0 || H5DSset_scale(ds, name) < 0) {
        H5Dclose(ds);
        return H5I_INVALID_HID;
    }
    return ds;
}

static herr_t write_matrix(hid_t g, const char *name, const double *v, hsize_t R, hsize_t S,
                           hid_t dim0, hid_t dim1, const char *units, const char *note)
{
    hsize_t dims[2] = {R, S}, chunk[2] = {R < 4096 ? R : 4096, S};
    hid_t space = H5I_INVALID_HID, dcpl = H5I_INVALID_HID, ds = H5I_INVALID_HID;
    herr_t rc = -1;
    double fill = 0;
    if ((space = H5Screate_simple(2, dims, NULL)) < 0 || (dcpl = H5Pcreate(H5P_DATASET_CREATE)) < 0)
        goto done;
    if (H5Pset_chunk(dcpl, 2, chunk) < 0 || H5Pset_shuffle(dcpl) < 0 || H5Pset_deflate(dcpl, 4) < 0 ||
        H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &fill) < 0)
        goto done;
    if ((ds = H5Dcreate2(g, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT)) < 0)
        goto done;
    if (H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
        goto done;
    if (H5DSattach_scale(ds, dim0, 0) < 0 || H5DSattach_scale(ds, dim1, 1) < 0)
        goto done;
    if ((units && put_str_attr(ds, "units", units) < 0) || (note && put_str_attr(ds, "comment", note) < 0))
        goto done;
    rc = 0;
done:
    if (ds >= 0) H5Dclose(ds);
    if (dcpl >= 0) H5Pclose(dcpl);
    if (space >= 0) H5Sclose(space);
    return rc;
}

tc_status tc_store_write_scenario(tc_store *s, const tc_scenario_data *d, char *err, size_t errlen)
{
    hid_t g = H5I_INVALID_HID, strtype = H5I_INVALID_HID;
    hid_t dst = H5I_INVALID_HID, dre = H5I_INVALID_HID, dti = H5I_INVALID_HID;
    long long *reals = malloc(sizeof *reals * (size_t)(d->R > 0 ? d->R : 1));
    if (!reals) {
        snprintf(err, errlen, "%s: out of memory", s->path);
        return TC_ERR_RUNTIME;
    }
    for (int i = 0; i < d->R; i++)
        reals[i] = i;
    CHECK(g = H5Gcreate2(s->epoch_group, d->name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "create the scenario group");
    CHECK(strtype = H5Tcopy(H5T_C_S1), "make a string type");
    CHECK(H5Tset_size(strtype, H5T_VARIABLE), "make a string type");
    CHECK(H5Tset_cset(strtype, H5T_CSET_UTF8), "make a string type");
    CHECK(dst = make_scale(g, "station", strtype, (hsize_t)d->S, d->stations), "write the station scale");
    CHECK(dre = make_scale(g, "realization", H5T_NATIVE_LLONG, (hsize_t)d->R, reals), "write the realization scale");
    CHECK(dti = make_scale(g, "time", H5T_NATIVE_DOUBLE, (hsize_t)d->T, d->time), "write the time scale");
    CHECK(write_matrix(g, "onset_time", d->onset, (hsize_t)d->R, (hsize_t)d->S, dre, dst, NULL,
                       "first time the waiting count reached the station's threshold; NaN: not within the horizon"),
          "write onset_time");
    CHECK(write_matrix(g, "mean_waiting", d->mean_waiting, (hsize_t)d->R, (hsize_t)d->S, dre, dst, "jobs",
                       "time-average number of jobs waiting"), "write mean_waiting");
    CHECK(write_matrix(g, "max_waiting", d->max_waiting, (hsize_t)d->R, (hsize_t)d->S, dre, dst, "jobs",
                       "largest number of jobs waiting"), "write max_waiting");
    CHECK(write_matrix(g, "utilisation", d->utilisation, (hsize_t)d->R, (hsize_t)d->S, dre, dst, "1",
                       "busy server-time over available server-time"), "write utilisation");
    CHECK(write_matrix(g, "throughput", d->throughput, (hsize_t)d->R, (hsize_t)d->S, dre, dst, NULL,
                       "jobs leaving the station per time unit"), "write throughput");
    H5Dclose(dti); H5Dclose(dre); H5Dclose(dst); H5Tclose(strtype); H5Gclose(g);
    free(reals);
    return TC_OK;
fail:
    if (dti >= 0) H5Dclose(dti);
    if (dre >= 0) H5Dclose(dre);
    if (dst >= 0) H5Dclose(dst);
    if (strtype >= 0) H5Tclose(strtype);
    if (g >= 0) H5Gclose(g);
    free(reals);
    return TC_ERR_RUNTIME;
}

tc_status tc_store_end_epoch(tc_store *s, const tc_epoch_info *info, char *err, size_t errlen)
{
    hid_t g = s->epoch_group;
    char target[32];
    int ranks = info->ranks, threads = info->threads;
    long long reps = info->replications;
    unsigned int seed = info->seed;
    CHECK(put_text_dataset(g, "state_json", info->state_json ? info->state_json : "{}"), "write state_json");
    CHECK(put_str_attr(g, "as_of", info->as_of ? info->as_of : ""), "write epoch attributes");
    CHECK(put_num_attr(g, "horizon", H5T_NATIVE_DOUBLE, &info->horizon), "write epoch attributes");
    CHECK(put_str_attr(g, "time_unit", info->time_unit), "write epoch attributes");
    CHECK(put_num_attr(g, "seed", H5T_NATIVE_UINT, &seed), "write epoch attributes");
    CHECK(put_num_attr(g, "replications", H5T_NATIVE_LLONG, &reps), "write epoch attributes");
    CHECK(put_num_attr(g, "ranks", H5T_NATIVE_INT, &ranks), "write epoch attributes");
    CHECK(put_num_attr(g, "threads", H5T_NATIVE_INT, &threads), "write epoch attributes");
    CHECK(put_str_attr(g, "stop_reason", info->stop_reason ? info->stop_reason : "fixed"), "write epoch attributes");
    CHECK(put_num_attr(g, "wall_seconds", H5T_NATIVE_DOUBLE, &info->wall_seconds), "write epoch attributes");
    if (H5Lexists(s->file, "forecasts/latest", H5P_DEFAULT) > 0)
        CHECK(H5Ldelete(s->file, "forecasts/latest", H5P_DEFAULT), "replace /forecasts/latest");
    snprintf(target, sizeof target, "/forecasts/%06d", s->epoch);
    CHECK(H5Lcreate_soft(target, s->file, "forecasts/latest", H5P_DEFAULT, H5P_DEFAULT), "link /forecasts/latest");
    H5Gclose(s->epoch_group);
    s->epoch_group = H5I_INVALID_HID;
    CHECK(H5Fflush(s->file, H5F_SCOPE_GLOBAL), "flush");
    return TC_OK;
fail:
    return TC_ERR_RUNTIME;
}

tc_status tc_store_close(tc_store *s, char *err, size_t errlen)
{
    if (!s)
        return TC_OK;
    tc_status st = TC_OK;
    if (s->epoch_group >= 0)
        H5Gclose(s->epoch_group);
    if (s->file >= 0 && H5Fclose(s->file) < 0) {
        snprintf(err, errlen, "%s: HDF5 failed to close the file", s->path);
        st = TC_ERR_RUNTIME;
    }
    free(s->path);
    free(s);
    return st;
}
