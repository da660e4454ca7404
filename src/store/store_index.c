/*
 * store_index.c - an index file (TC_STORE_EPOCH_FILES) written afresh.
 * HDF5 1.10 never reuses the global heap space of a deleted dataset's
 * variable-length attributes (each /skill column's DIMENSION_LIST), so the
 * /skill view rebuilt at each epoch leaves some 600 bytes behind.  When the
 * index has grown past twice its size at the last compaction (and 256 kB),
 * its content is copied into a new file: links, attributes, the model,
 * and /skill's view rebuilt.  Amortized over the epochs in between, a
 * constant cost per epoch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <hdf5.h>

#include "store_internal.h"

#define COMPACTED "compacted_bytes"

/* Root attributes are fixed-size (strings of fixed length, numbers): copied as bytes. */
static herr_t copy_attr(hid_t from, const char *name, const H5A_info_t *info, void *data)
{
    (void)info;
    hid_t to = *(hid_t *)data, a = H5Aopen(from, name, H5P_DEFAULT), t = a >= 0 ? H5Aget_type(a) : -1,
          sp = a >= 0 ? H5Aget_space(a) : -1, b = -1;
    hssize_t n = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    size_t size = t >= 0 ? H5Tget_size(t) : 0;
    void *buf = n >= 0 && size > 0 ? malloc(size * (size_t)(n ? n : 1)) : NULL;
    herr_t rc = -1;
    if (buf && H5Tis_variable_str(t) <= 0 && H5Aread(a, t, buf) >= 0 &&
        (b = H5Acreate2(to, name, t, sp, H5P_DEFAULT, H5P_DEFAULT)) >= 0)
        rc = H5Awrite(b, t, buf);
    free(buf);
    if (b >= 0)
        H5Aclose(b);
    if (sp >= 0)
        H5Sclose(sp);
    if (t >= 0)
        H5Tclose(t);
    if (a >= 0)
        H5Aclose(a);
    return rc;
}

long long tc_store_compacted_(hid_t f)
{
    long long v = 0;
    hid_t a = H5Aexists(f, COMPACTED) > 0 ? H5Aopen(f, COMPACTED, H5P_DEFAULT) : -1;
    if (a >= 0) {
        H5Aread(a, H5T_NATIVE_LLONG, &v);
        H5Aclose(a);
    }
    return v;
}

/* The leads /skill scores, as the first row of an append would carry them. */
static int read_leads(hid_t f, tc_skill_row *r0)
{
    hid_t ds = H5Dopen2(f, "skill/lead", H5P_DEFAULT), sp = ds >= 0 ? H5Dget_space(ds) : -1;
    hssize_t n = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    int ok = n >= 1 && n <= TC_SKILL_LEADS_MAX &&
             H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, r0->lead) >= 0;
    r0->n_leads = (int)n;
    if (sp >= 0)
        H5Sclose(sp);
    if (ds >= 0)
        H5Dclose(ds);
    return ok ? 0 : -1;
}

int tc_store_compact_(hid_t f, const char *dir, const char *epochs, const tc_model *m, const char *work2,
                      char *why, size_t whylen)
{
    hid_t g = tc_store_create_file_(work2, 1);
    tc_skill_row r0;
    memset(&r0, 0, sizeof r0);
    hsize_t rows = H5Lexists(f, "skill", H5P_DEFAULT) > 0 ? tc_skill_view_rows_(f) : 0;
    int bad = g < 0 || H5Aiterate2(f, H5_INDEX_CRT_ORDER, H5_ITER_INC, NULL, copy_attr, &g) < 0 ||
              H5Ocopy(f, "model_yaml", g, "model_yaml", H5P_DEFAULT, H5P_DEFAULT) < 0 ||
              H5Ocopy(f, "forecasts", g, "forecasts", H5P_DEFAULT, H5P_DEFAULT) < 0 ||
              (rows > 0 && (read_leads(f, &r0) != 0 ||
                            tc_skill_view_build_(g, dir, epochs, m, &r0, rows, 0, why, whylen) != 0));
    if (g >= 0 && H5Fclose(g) < 0)
        bad = 1;
    struct stat st;
    if (!bad && stat(work2, &st) == 0) { /* the size it starts from, for the next compaction */
        long long size = (long long)st.st_size;
        hid_t h = H5Fopen(work2, H5F_ACC_RDWR, H5P_DEFAULT);
        bad = h < 0 || tc_h5_scalar_attr(h, COMPACTED, H5T_NATIVE_LLONG, &size) < 0;
        if (h >= 0 && H5Fclose(h) < 0)
            bad = 1;
    }
    if (bad && !why[0])
        snprintf(why, whylen, "HDF5 failed to compact the index");
    return bad ? -1 : 0;
}
