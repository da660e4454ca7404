/*
 * store_scenario.c - one scenario's datasets: dimension scales, the
 * per-replication measures, the per-bin bands and the summary compound.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "store_internal.h"
#include "twincast/store.h"

/* A dimension scale: the coordinate variable of a netCDF dimension. */
hid_t tc_h5_scale(hid_t g, const char *name, hid_t type, hsize_t n, const void *data, const char *units)
{
    hid_t space = H5Screate_simple(1, &n, NULL), ds = H5I_INVALID_HID;
    if (space < 0)
        return H5I_INVALID_HID;
    ds = H5Dcreate2(g, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Sclose(space);
    if (ds < 0)
        return H5I_INVALID_HID;
    if ((n > 0 && H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) ||
        H5DSset_scale(ds, name) < 0 || (units && tc_h5_str_attr(ds, "units", units) < 0)) {
        H5Dclose(ds);
        return H5I_INVALID_HID;
    }
    return ds;
}

/* The bands' error bounds, as attributes of waiting_quantiles (bands.h). */
static herr_t write_band_bounds(hid_t g, double rank_error, double resolution)
{
    hid_t ds = H5Dopen2(g, "waiting_quantiles", H5P_DEFAULT);
    herr_t rc = ds >= 0 && tc_h5_scalar_attr(ds, "resolution", H5T_NATIVE_DOUBLE, &resolution) >= 0 &&
                        tc_h5_scalar_attr(ds, "rank_error_bound", H5T_NATIVE_DOUBLE, &rank_error) >= 0
                    ? 0
                    : -1;
    if (ds >= 0)
        H5Dclose(ds);
    return rc;
}

/* A chunked, shuffled and deflated float64 array with its dimension scales. */
herr_t tc_h5_array(hid_t g, const char *name, const double *v, int rank, const hsize_t *dims,
                   const hid_t *scales, const char *units, const char *comment)
{
    hsize_t chunk[3];
    hid_t space = H5I_INVALID_HID, dcpl = H5I_INVALID_HID, ds = H5I_INVALID_HID;
    herr_t rc = -1;
    int empty = 0;
    for (int i = 0; i < rank; i++) {
        chunk[i] = dims[i] > 0 ? dims[i] : 1;
        empty |= dims[i] == 0;
    }
    if (rank > 0 && chunk[0] > 4096)
        chunk[0] = 4096;
    if ((space = H5Screate_simple(rank, dims, NULL)) < 0 || (dcpl = H5Pcreate(H5P_DATASET_CREATE)) < 0)
        goto done;
    if (!empty &&
        (H5Pset_chunk(dcpl, rank, chunk) < 0 || H5Pset_shuffle(dcpl) < 0 || H5Pset_deflate(dcpl, 1) < 0))
        goto done;
    if ((ds = H5Dcreate2(g, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT)) < 0)
        goto done;
    if (!empty && H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
        goto done;
    for (int i = 0; i < rank; i++)
        if (H5DSattach_scale(ds, scales[i], (unsigned)i) < 0)
            goto done;
    if ((units && tc_h5_str_attr(ds, "units", units) < 0) ||
        (comment && tc_h5_str_attr(ds, "comment", comment) < 0))
        goto done;
    rc = 0;
done:
    if (ds >= 0)
        H5Dclose(ds);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (space >= 0)
        H5Sclose(space);
    return rc;
}

static const struct {
    const char *units, *comment;
} measure_doc[TC_M_COUNT] = {
    [TC_M_ONSET] = {NULL, "first time the station's waiting count reached its threshold; "
                          "NaN: it did not within the horizon"},
    [TC_M_MEAN_WAITING] = {"1", "time-average number of jobs waiting"},
    [TC_M_MAX_WAITING] = {"1", "largest number of jobs waiting"},
    [TC_M_UTILISATION] = {"1", "busy server-time over available server-time"},
    [TC_M_THROUGHPUT] = {NULL, "jobs leaving the station per time unit"},
    [TC_M_BLOCKED] = {"1", "blocked server-time over available server-time"},
    [TC_M_STARVED] = {"1", "idle server-time over available server-time"},
    [TC_M_AVAILABILITY] = {"1", "fraction of the time the station was up"},
    [TC_M_BOTTLENECK_SHARE] = {"1", "share of the time as momentary bottleneck (active-period method)"},
    [TC_M_SETUP] = {"1", "changeover server-time over available server-time (not in utilisation)"},
    [TC_M_MEAN_BATCH] = {"1", "jobs per batch started; NaN at a station that does not batch"},
    [TC_M_PLANNED_DOWN] = {"1", "fraction of the time the station was down for planned maintenance"},
};

/* The summary compound: one record per station. */
hid_t tc_h5_summary_type(int is_baseline)
{
    static const struct {
        const char *name;
        size_t off;
        int is_long, diff;
    } f[] = {
#define D(x) {#x, offsetof(tc_station_summary, x), 0, 0}
#define L(x)                                                                                                 \
    {                                                                                                        \
#x, offsetof(tc_station_summary, x), 1, 0                                                            \
    }
        D(p_form),
        D(p_form_lo),
        D(p_form_hi),
        D(onset_mean),
        D(onset_lo),
        D(onset_hi),
        D(onset_q05),
        D(onset_q50),
        D(onset_q95),
        L(n_formed),
        D(onset_q50_lo),
        D(onset_q50_hi),
        D(onset_median),
        D(waiting_mean),
        D(waiting_lo),
        D(waiting_hi),
        D(utilisation_mean),
        D(utilisation_lo),
        D(utilisation_hi),
        D(throughput_mean),
        D(throughput_lo),
        D(throughput_hi),
        {"diff_onset_mean", offsetof(tc_station_summary, diff_onset_mean), 0, 1},
        {"diff_lo", offsetof(tc_station_summary, diff_lo), 0, 1},
        {"diff_hi", offsetof(tc_station_summary, diff_hi), 0, 1},
        {"n_pairs", offsetof(tc_station_summary, n_pairs), 1, 1},
#undef D
#undef L
    };
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(tc_station_summary));
    for (size_t i = 0; t >= 0 && i < sizeof f / sizeof *f; i++)
        if (!(f[i].diff && is_baseline) &&
            H5Tinsert(t, f[i].name, f[i].off, f[i].is_long ? H5T_NATIVE_LONG : H5T_NATIVE_DOUBLE) < 0) {
            H5Tclose(t);
            return H5I_INVALID_HID;
        }
    return t;
}

typedef struct double_field {
    const char *name;
    size_t off;
} double_field;

/* A compound of n double fields, in memory layout `size`. */
static hid_t doubles_compound(size_t size, const double_field *f, size_t n)
{
    hid_t t = H5Tcreate(H5T_COMPOUND, size);
    for (size_t i = 0; t >= 0 && i < n; i++)
        if (H5Tinsert(t, f[i].name, f[i].off, H5T_NATIVE_DOUBLE) < 0) {
            H5Tclose(t);
            return H5I_INVALID_HID;
        }
    return t;
}

/* The product summary compound: one record per product. */
hid_t tc_h5_product_summary_type(void)
{
    static const double_field f[] = {
#define D(x) {#x, offsetof(tc_product_summary, x)}
        D(completed_mean), D(completed_lo),        D(completed_hi),      D(scrapped_mean),
        D(scrapped_lo),    D(scrapped_hi),         D(reworks_mean),      D(reworks_lo),
        D(reworks_hi),     D(time_in_system_mean), D(time_in_system_lo), D(time_in_system_hi),
#undef D
    };
    return doubles_compound(sizeof(tc_product_summary), f, sizeof f / sizeof *f);
}

/* The changeover and batch compound: one record per station. */
hid_t tc_h5_setup_batch_type(void)
{
    static const double_field f[] = {
#define D(x) {#x, offsetof(tc_setup_batch_summary, x)}
        D(setup_mean), D(setup_lo), D(setup_hi), D(batch_mean), D(batch_lo), D(batch_hi),
#undef D
    };
    return doubles_compound(sizeof(tc_setup_batch_summary), f, sizeof f / sizeof *f);
}

/* A compound dataset of n records along one dimension scale. */
static herr_t write_records(hid_t g, const char *name, hid_t mem, hsize_t n, const void *records, hid_t scale,
                            const char *note)
{
    hid_t file = H5I_INVALID_HID, space = H5I_INVALID_HID, ds = H5I_INVALID_HID;
    herr_t rc = -1;
    if (mem < 0 || (file = H5Tcopy(mem)) < 0 || H5Tpack(file) < 0 ||
        (space = H5Screate_simple(1, &n, NULL)) < 0)
        goto done;
    if ((ds = H5Dcreate2(g, name, file, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) < 0)
        goto done;
    if ((n > 0 && H5Dwrite(ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, records) < 0) ||
        H5DSattach_scale(ds, scale, 0) < 0)
        goto done;
    rc = tc_h5_str_attr(ds, "comment", note);
done:
    if (ds >= 0)
        H5Dclose(ds);
    if (space >= 0)
        H5Sclose(space);
    if (file >= 0)
        H5Tclose(file);
    return rc;
}

static const struct {
    const char *units, *comment;
} product_doc[TC_P_COUNT] = {
    [TC_P_COMPLETED] = {"1", "jobs of the product that finished their route (after the warm-up)"},
    [TC_P_SCRAPPED] = {"1", "jobs of the product that left the plant as scrap"},
    [TC_P_REWORKS_PER_JOB] = {"1", "rework passes per job that left the plant; NaN: none left"},
    [TC_P_TIME_IN_SYSTEM] = {NULL, "mean time from arrival to completion; NaN: none completed"},
};

void tc_store_measure_doc(int k, int product, const char **units, const char **comment)
{
    *units = product ? product_doc[k].units : measure_doc[k].units;
    *comment = product ? product_doc[k].comment : measure_doc[k].comment;
}

/*
 * A per-replication measure: written whole from rows, or, when a forecast
 * streamed it (rows NULL), already in the group: then only its scales are
 * attached.  realization < 0: not kept (--keep none), nothing to do.
 */
static herr_t replication_array(hid_t g, const char *name, const double *rows, hsize_t R, hsize_t width,
                                hid_t realization, hid_t scale, const char *units, const char *comment)
{
    hsize_t dims[2] = {R, width};
    hid_t scales[2] = {realization, scale};
    if (realization < 0)
        return 0;
    if (rows)
        return tc_h5_array(g, name, rows, 2, dims, scales, units, comment);
    hid_t ds = H5Dopen2(g, name, H5P_DEFAULT);
    herr_t rc =
        ds >= 0 && H5DSattach_scale(ds, realization, 0) >= 0 && H5DSattach_scale(ds, scale, 1) >= 0 ? 0 : -1;
    if (ds >= 0)
        H5Dclose(ds);
    return rc;
}

/* The products: their dimension scale, per-replication counts and summary. */
static const char *write_products(hid_t g, const tc_scenario_data *d, hid_t str, hid_t realization)
{
    const tc_sample *smp = d->sample;
    hsize_t R = smp ? (hsize_t)smp->R : (hsize_t)d->streamed, P = (hsize_t)d->summary->P;
    hid_t scale = tc_h5_scale(g, "product", str, P, d->products, NULL);
    const char *what = NULL;
    if (scale < 0)
        return "write the product scale";
    for (int k = 0; !what && k < TC_P_COUNT; k++)
        if (replication_array(g, tc_sample_product_measure_name(k), smp ? smp->p[k] : NULL, R, P, realization,
                              scale, product_doc[k].units, product_doc[k].comment) < 0)
            what = tc_sample_product_measure_name(k);
    char note[160];
    snprintf(note, sizeof note, "%.0f%% Student-t intervals over replications of the per-product measures",
             100 * d->summary->level);
    hid_t mem = tc_h5_product_summary_type();
    if (!what && write_records(g, "product_summary", mem, P, d->summary->product, scale, note) < 0)
        what = "write product_summary";
    if (mem >= 0)
        H5Tclose(mem);
    H5Dclose(scale);
    return what;
}

static herr_t write_summary(hid_t g, const tc_scenario_data *d, hid_t station_scale)
{
    char note[256];
    snprintf(note, sizeof note,
             "%.0f%% intervals: Wilson for p_form, Student-t for means, order statistics "
             "for the median; onset_q05..onset_q95 is a 90%% prediction band; onset statistics are over the "
             "replications where the bottleneck formed",
             100 * d->summary->level);
    hid_t mem = tc_h5_summary_type(d->is_baseline);
    herr_t rc =
        write_records(g, "summary", mem, (hsize_t)d->summary->S, d->summary->station, station_scale, note);
    if (mem >= 0)
        H5Tclose(mem);
    /* apart from `summary`, whose records stay as they were before changeovers and batches */
    snprintf(note, sizeof note,
             "%.0f%% Student-t intervals over replications of setup (changeover share of available time) "
             "and mean_batch (jobs per batch); NaN where a station has none",
             100 * d->summary->level);
    mem = tc_h5_setup_batch_type();
    if (rc >= 0)
        rc = write_records(g, "setup_batch_summary", mem, (hsize_t)d->summary->S, d->summary->setup_batch,
                           station_scale, note);
    if (mem >= 0)
        H5Tclose(mem);
    return rc;
}

tc_status tc_store_write_scenario_(hid_t epoch_group, const tc_scenario_data *d, const char *path, char *err,
                                   size_t errlen)
{
    const tc_sample *smp = d->sample;
    hsize_t R = smp ? (hsize_t)smp->R : (hsize_t)d->streamed, S = (hsize_t)d->summary->S,
            T = (hsize_t)d->summary->T, Q = TC_NQ;
    int kept = smp || d->keep == TC_KEEP_SCALARS;
    hid_t g = H5I_INVALID_HID, str = H5I_INVALID_HID, sc[4] = {-1, -1, -1, -1};
    long long *reals = kept ? malloc(sizeof *reals * (size_t)(R ? R : 1)) : NULL; /* 80 MB at 10^7 */
    const char *what = "out of memory";
    if (kept && !reals)
        goto fail;
    for (hsize_t i = 0; kept && i < R; i++)
        reals[i] = (long long)i;
    what = "create the scenario group";
    if ((g = H5Lexists(epoch_group, d->name, H5P_DEFAULT) > 0 ? H5Gopen2(epoch_group, d->name, H5P_DEFAULT)
                                                              : tc_h5_group(epoch_group, d->name)) < 0)
        goto fail;
    what = "write the dimension scales";
    if ((str = H5Tcopy(H5T_C_S1)) < 0 || H5Tset_size(str, H5T_VARIABLE) < 0 ||
        H5Tset_cset(str, H5T_CSET_UTF8) < 0)
        goto fail;
    if ((kept && (sc[0] = tc_h5_scale(g, "realization", H5T_NATIVE_LLONG, R, reals, NULL)) < 0) ||
        (sc[1] = tc_h5_scale(g, "station", str, S, d->stations, NULL)) < 0 ||
        (sc[2] = tc_h5_scale(g, "time", H5T_NATIVE_DOUBLE, T, d->time, d->time_units)) < 0 ||
        (sc[3] = tc_h5_scale(g, "quantile", H5T_NATIVE_DOUBLE, Q, tc_quantile_levels, "1")) < 0)
        goto fail;
    for (int k = 0; k < TC_M_COUNT; k++) {
        what = tc_sample_measure_name(k);
        if (replication_array(g, tc_sample_measure_name(k), smp ? smp->m[k] : NULL, R, S, sc[0], sc[1],
                              measure_doc[k].units, measure_doc[k].comment) < 0)
            goto fail;
    }
    hsize_t dq[3] = {T, S, Q}, db[2] = {T, S};
    hid_t sq[3] = {sc[2], sc[1], sc[3]}, sb[2] = {sc[2], sc[1]};
    what = "write waiting_quantiles";
    if (tc_h5_array(
            g, "waiting_quantiles", d->summary->waiting_quantiles, 3, dq, sq, "1",
            "quantiles over replications of the time-average number waiting in each time bin, read from "
            "histograms (attributes: resolution, the relative width of a cell; rank_error_bound, the largest "
            "fraction of replications a quantile's rank can be off by)") < 0 ||
        write_band_bounds(g, d->summary->waiting_rank_error, d->summary->waiting_resolution) < 0)
        goto fail;
    what = "write bottleneck_probability";
    if (tc_h5_array(g, "bottleneck_probability", d->summary->bottleneck_probability, 2, db, sb, "1",
                    "probability that the station is the momentary bottleneck, per time bin") < 0)
        goto fail;
    what = "write scheduled_servers";
    if (d->scheduled_servers &&
        tc_h5_array(
            g, "scheduled_servers", d->scheduled_servers, 2, db, sb, "1",
            "the calendar's mean servers per time bin (schedule and breaks; 0 in planned maintenance)") < 0)
        goto fail;
    what = "write the summary";
    if (write_summary(g, d, sc[1]) < 0)
        goto fail;
    if (d->products && d->summary->P > 0 && (what = write_products(g, d, str, sc[0])) != NULL)
        goto fail;
    if (d->threshold) {
        hid_t sp = H5Screate_simple(1, &S, NULL), ds = H5I_INVALID_HID;
        what = "write threshold";
        if (sp >= 0)
            ds = H5Dcreate2(g, "threshold", H5T_STD_I32LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        int ok = ds >= 0 && H5Dwrite(ds, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, d->threshold) >= 0 &&
                 H5DSattach_scale(ds, sc[1], 0) >= 0 &&
                 tc_h5_str_attr(ds, "comment", "waiting count at which the station's bottleneck forms") >= 0;
        if (ds >= 0)
            H5Dclose(ds);
        if (sp >= 0)
            H5Sclose(sp);
        if (!ok)
            goto fail;
    }
    for (int i = 3; i >= 0; i--)
        if (sc[i] >= 0)
            H5Dclose(sc[i]);
    H5Tclose(str);
    H5Gclose(g);
    free(reals);
    return TC_OK;
fail:
    snprintf(err, errlen, "%s: HDF5 failed to %s%s", path, strchr(what, ' ') ? "" : "write ", what);
    for (int i = 3; i >= 0; i--)
        if (sc[i] >= 0)
            H5Dclose(sc[i]);
    if (str >= 0)
        H5Tclose(str);
    if (g >= 0)
        H5Gclose(g);
    free(reals);
    return TC_ERR_RUNTIME;
}
