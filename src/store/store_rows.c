/*
 * store_rows.c - a forecast's per-replication rows streamed into the open
 * epoch a round at a time: extendible datasets, chunked along the
 * replications, grown and written at each round (on rank 0's writer
 * thread: src/ensemble/round_writer.c).  Rank 0 so holds a round or two of
 * rows, never all of them.
 */
#include <stdio.h>

#include <hdf5.h>

#include "store_internal.h"

#define CHUNK_ROWS   4096
#define CHUNK_VALUES 65536 /* 512 kB: a chunk stays in HDF5's 1 MB chunk cache while rounds fill it */

/* An extendible (replication, width) float64 dataset, chunked, shuffled and deflated like the others. */
static hid_t create_rows(hid_t g, const char *name, hsize_t width, int k, int product)
{
    hsize_t rows = CHUNK_VALUES / (width ? width : 1);
    hsize_t dims[2] = {0, width}, max[2] = {H5S_UNLIMITED, width},
            chunk[2] = {rows < 1            ? 1
                        : rows > CHUNK_ROWS ? CHUNK_ROWS
                                            : rows,
                        width ? width : 1};
    hid_t space = H5Screate_simple(2, dims, max), dcpl = H5Pcreate(H5P_DATASET_CREATE), ds = H5I_INVALID_HID;
    const char *units, *comment;
    tc_store_measure_doc(k, product, &units, &comment);
    if (space >= 0 && dcpl >= 0 && H5Pset_chunk(dcpl, 2, chunk) >= 0 && H5Pset_shuffle(dcpl) >= 0 &&
        H5Pset_deflate(dcpl, 1) >= 0)
        ds = H5Dcreate2(g, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (ds >= 0 &&
        ((units && tc_h5_str_attr(ds, "units", units) < 0) || tc_h5_str_attr(ds, "comment", comment) < 0)) {
        H5Dclose(ds);
        ds = H5I_INVALID_HID;
    }
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (space >= 0)
        H5Sclose(space);
    return ds;
}

/* Rows [first, first + n) of one dataset, created on the first round. */
static herr_t append(hid_t g, const char *name, const double *rows, hsize_t first, hsize_t n, hsize_t width,
                     int k, int product)
{
    hid_t ds = H5Lexists(g, name, H5P_DEFAULT) > 0 ? H5Dopen2(g, name, H5P_DEFAULT)
                                                   : create_rows(g, name, width, k, product);
    hid_t file = H5I_INVALID_HID, mem = H5I_INVALID_HID;
    hsize_t size[2] = {first + n, width}, start[2] = {first, 0}, count[2] = {n, width};
    herr_t rc = -1;
    if (ds < 0 || H5Dset_extent(ds, size) < 0 || (file = H5Dget_space(ds)) < 0 ||
        H5Sselect_hyperslab(file, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
        (mem = H5Screate_simple(2, count, NULL)) < 0)
        goto done;
    rc = n * width == 0 ? 0 : H5Dwrite(ds, H5T_NATIVE_DOUBLE, mem, file, H5P_DEFAULT, rows);
done:
    if (mem >= 0)
        H5Sclose(mem);
    if (file >= 0)
        H5Sclose(file);
    if (ds >= 0)
        H5Dclose(ds);
    return rc;
}

tc_status tc_store_append_rows_(hid_t epoch_group, const char *scenario, const tc_sample *rows, long first,
                                const char *path, char *err, size_t errlen)
{
    hid_t g = H5Lexists(epoch_group, scenario, H5P_DEFAULT) > 0 ? H5Gopen2(epoch_group, scenario, H5P_DEFAULT)
                                                                : tc_h5_group(epoch_group, scenario);
    const char *what = "create the scenario group";
    hsize_t n = (hsize_t)rows->R;
    if (g >= 0) {
        what = NULL;
        for (int k = 0; !what && k < TC_M_COUNT; k++)
            if (append(g, tc_sample_measure_name(k), rows->m[k], (hsize_t)first, n, (hsize_t)rows->S, k, 0) <
                0)
                what = tc_sample_measure_name(k);
        for (int k = 0; !what && rows->P > 0 && k < TC_P_COUNT; k++)
            if (append(g, tc_sample_product_measure_name(k), rows->p[k], (hsize_t)first, n, (hsize_t)rows->P,
                       k, 1) < 0)
                what = tc_sample_product_measure_name(k);
        H5Gclose(g);
    }
    if (!what)
        return TC_OK;
    snprintf(err, errlen, "%s: HDF5 failed to append the rows of %s/%s", path, scenario, what);
    return TC_ERR_RUNTIME;
}
