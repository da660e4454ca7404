/*
 * store_calibration.c - an epoch's `calibration` table: what the twin had
 * learnt of each calibrated parameter when the epoch's state was taken
 * (one record per parameter, from the state's calibration entries), and
 * reading it back for `report --calibration`.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"
#include "twincast/store.h"

/* The record as it sits in memory, fixed-length strings and all. */
static hid_t calibration_type(void)
{
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(tc_state_calibration)), path = H5Tcopy(H5T_C_S1),
          reset = H5Tcopy(H5T_C_S1);
    if (t < 0 || path < 0 || reset < 0 || H5Tset_size(path, sizeof((tc_state_calibration *)0)->path) < 0 ||
        H5Tset_size(reset, sizeof((tc_state_calibration *)0)->last_reset) < 0 ||
        H5Tinsert(t, "path", offsetof(tc_state_calibration, path), path) < 0 ||
        H5Tinsert(t, "prior", offsetof(tc_state_calibration, prior), H5T_NATIVE_DOUBLE) < 0 ||
        H5Tinsert(t, "estimate", offsetof(tc_state_calibration, estimate), H5T_NATIVE_DOUBLE) < 0 ||
        H5Tinsert(t, "ci_lo", offsetof(tc_state_calibration, lo), H5T_NATIVE_DOUBLE) < 0 ||
        H5Tinsert(t, "ci_hi", offsetof(tc_state_calibration, hi), H5T_NATIVE_DOUBLE) < 0 ||
        H5Tinsert(t, "n_obs", offsetof(tc_state_calibration, n), H5T_NATIVE_LONG) < 0 ||
        H5Tinsert(t, "n_eff", offsetof(tc_state_calibration, n_eff), H5T_NATIVE_DOUBLE) < 0 ||
        H5Tinsert(t, "last_reset", offsetof(tc_state_calibration, last_reset), reset) < 0) {
        if (t >= 0)
            H5Tclose(t);
        t = H5I_INVALID_HID;
    }
    if (reset >= 0)
        H5Tclose(reset);
    if (path >= 0)
        H5Tclose(path);
    return t;
}

herr_t tc_h5_write_calibration(hid_t epoch_group, const tc_state_calibration *rows, int n)
{
    hid_t mem = H5I_INVALID_HID, file = H5I_INVALID_HID, space = H5I_INVALID_HID, ds = H5I_INVALID_HID;
    hsize_t dims = (hsize_t)n;
    herr_t rc = -1;
    if ((mem = calibration_type()) < 0 || (file = H5Tcopy(mem)) < 0 || H5Tpack(file) < 0 ||
        (space = H5Screate_simple(1, &dims, NULL)) < 0 ||
        (ds = H5Dcreate2(epoch_group, "calibration", file, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) < 0)
        goto done;
    if (H5Dwrite(ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) < 0)
        goto done;
    rc = tc_h5_str_attr(
        ds, "comment",
        "what the twin had learnt of each calibrated parameter when the epoch's state was taken: "
        "the prior (the model's, or the last set), the posterior mean and its 95% interval, "
        "observations (censored included), their weight after forgetting, the last drift reset");
done:
    if (ds >= 0)
        H5Dclose(ds);
    if (space >= 0)
        H5Sclose(space);
    if (file >= 0)
        H5Tclose(file);
    if (mem >= 0)
        H5Tclose(mem);
    return rc;
}

tc_status tc_store_read_calibration(const char *path, int epoch, tc_state_calibration **out, int *n,
                                    char *err, size_t errlen)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    *out = NULL;
    *n = 0;
    hid_t f = H5Fis_hdf5(path) > 0 ? H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT) : -1;
    hid_t ds = H5I_INVALID_HID, space = H5I_INVALID_HID, mem = H5I_INVALID_HID;
    tc_status st = TC_ERR_INPUT;
    char name[64], target[256] = "";
    if (f < 0) {
        snprintf(err, errlen, "%s: cannot open as an HDF5 file", path);
        return TC_ERR_INPUT;
    }
    if (epoch <= 0 && H5Lexists(f, "forecasts", H5P_DEFAULT) > 0 &&
        H5Lexists(f, "forecasts/latest", H5P_DEFAULT) > 0 &&
        H5Lget_val(f, "forecasts/latest", target, sizeof target, H5P_DEFAULT) >= 0 && strrchr(target, '/'))
        epoch = (int)strtol(strrchr(target, '/') + 1, NULL, 10);
    snprintf(name, sizeof name, "forecasts/%06d/calibration", epoch);
    if (epoch <= 0 || H5Lexists(f, "forecasts", H5P_DEFAULT) <= 0 || H5Lexists(f, name, H5P_DEFAULT) <= 0 ||
        (ds = H5Dopen2(f, name, H5P_DEFAULT)) < 0) {
        snprintf(err, errlen,
                 "%s: epoch %06d has no calibration (a twin whose model has a calibration block "
                 "writes one)",
                 path, epoch);
        goto done;
    }
    st = TC_ERR_RUNTIME;
    hssize_t count = (space = H5Dget_space(ds)) >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
    if (count < 0 || (mem = calibration_type()) < 0 ||
        !(*out = calloc((size_t)(count ? count : 1), sizeof **out)) ||
        (count > 0 && H5Dread(ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, *out) < 0)) {
        snprintf(err, errlen, "%s: cannot read %s", path, name);
        free(*out);
        *out = NULL;
        goto done;
    }
    *n = (int)count;
    st = TC_OK;
done:
    if (mem >= 0)
        H5Tclose(mem);
    if (space >= 0)
        H5Sclose(space);
    if (ds >= 0)
        H5Dclose(ds);
    H5Fclose(f);
    return st;
}
