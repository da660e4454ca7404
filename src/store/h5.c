/*
 * h5.c - the HDF5 building blocks every part of the file uses: attributes,
 * text datasets, ordered groups.  Each returns a negative herr_t/hid_t on
 * failure with its handles closed, so callers only test and report.
 */
#include <string.h>

#include <hdf5.h>

#include "store_internal.h"

/* A scalar attribute, replacing one of the same name (a resumed epoch rewrites its status). */
herr_t tc_h5_scalar_attr(hid_t obj, const char *name, hid_t type, const void *value)
{
    hid_t space = H5I_INVALID_HID, attr = H5I_INVALID_HID;
    herr_t rc = -1;
    if ((space = H5Screate(H5S_SCALAR)) < 0)
        goto done;
    if (H5Aexists(obj, name) > 0 && H5Adelete(obj, name) < 0)
        goto done;
    if ((attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT)) < 0)
        goto done;
    rc = H5Awrite(attr, type, value);
done:
    if (attr >= 0)
        H5Aclose(attr);
    if (space >= 0)
        H5Sclose(space);
    return rc;
}

/* UTF-8, fixed length, NUL-terminated: what h5py and netCDF readers expect of a string attribute. */
herr_t tc_h5_str_attr(hid_t obj, const char *name, const char *value)
{
    hid_t type = H5I_INVALID_HID;
    herr_t rc = -1;
    if ((type = H5Tcopy(H5T_C_S1)) >= 0 && H5Tset_size(type, strlen(value) + 1) >= 0 &&
        H5Tset_strpad(type, H5T_STR_NULLTERM) >= 0 && H5Tset_cset(type, H5T_CSET_UTF8) >= 0)
        rc = tc_h5_scalar_attr(obj, name, type, value);
    if (type >= 0)
        H5Tclose(type);
    return rc;
}

herr_t tc_h5_text_dataset(hid_t loc, const char *name, const char *text)
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
    if (ds >= 0)
        H5Dclose(ds);
    if (space >= 0)
        H5Sclose(space);
    if (type >= 0)
        H5Tclose(type);
    return rc;
}

hid_t tc_h5_group(hid_t loc, const char *name)
{
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE), g = H5I_INVALID_HID;
    if (gcpl < 0)
        return H5I_INVALID_HID;
    if (H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) >= 0)
        g = H5Gcreate2(loc, name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
    H5Pclose(gcpl);
    return g;
}

/* A fixed-length string attribute into OUT (empty if absent or too long). */
void tc_h5_read_str_attr(hid_t obj, const char *name, char *out, size_t n)
{
    out[0] = '\0';
    if (H5Aexists(obj, name) <= 0)
        return;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT), t = a >= 0 ? H5Aget_type(a) : -1;
    if (t >= 0 && H5Tget_class(t) == H5T_STRING && !H5Tis_variable_str(t) && H5Tget_size(t) <= n)
        H5Aread(a, t, out);
    out[n - 1] = '\0';
    if (t >= 0)
        H5Tclose(t);
    if (a >= 0)
        H5Aclose(a);
}
