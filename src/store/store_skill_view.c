/*
 * store_skill_view.c - the /skill table of an index file (TC_STORE_EPOCH_FILES).
 * Its rows live in segment files of SEGMENT rows, BASE.epochs/skill/NNNNNN.h5,
 * each a /skill table of its own; the index's /skill is a view of them, HDF5
 * virtual datasets rebuilt at each append, so that the index stays small and
 * an epoch's cost does not grow with the rows scored before it.  A segment
 * grows by copy and rename until it is full, then never changes.  The view
 * maps only the rows its index committed: a reader of an older index, or a
 * crash between a segment's rename and the index's, sees what it saw before.
 * (Each rebuild leaves some 600 bytes HDF5 does not reuse: the index is
 * compacted now and then, store_index.c.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>

#include "store_internal.h"

enum { SEGMENT = 1024 };

/* Segment k's file, relative to the index's folder; '%' doubled for H5Pset_virtual. */
static void segment_name(const char *epochs, long long k, int for_hdf5, char *out, size_t n)
{
    size_t o = 0;
    for (const char *p = epochs; *p && o + 3 < n; p++) {
        if (*p == '%' && for_hdf5)
            out[o++] = '%';
        out[o++] = *p;
    }
    snprintf(out + o, n - o, "/skill/%06lld.h5", k);
}

hsize_t tc_skill_view_rows_(hid_t f)
{
    hid_t ds = H5Lexists(f, "skill", H5P_DEFAULT) > 0 ? H5Dopen2(f, "skill/score", H5P_DEFAULT) : -1,
          sp = ds >= 0 ? H5Dget_space(ds) : -1;
    hssize_t n = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : 0;
    if (sp >= 0)
        H5Sclose(sp);
    if (ds >= 0)
        H5Dclose(ds);
    return n > 0 ? (hsize_t)n : 0;
}

/* Rows [at, at + n) of segment k, written through a copy renamed into place. */
static int write_segment(tc_store *s, const tc_model *m, long long k, hsize_t at, const tc_skill_row *rows,
                         int n, char *why, size_t whylen)
{
    char rel[4096], final[8192], work[8300], host[64];
    segment_name(tc_store_epochs_(s), k, 0, rel, sizeof rel);
    tc_store_host_(host, sizeof host);
    snprintf(final, sizeof final, "%s%s", tc_store_dir_(s), rel);
    snprintf(work, sizeof work, "%s.tmp-%s-%ld", final, host, (long)getpid());
    if (tc_store_make_dirs_(work, why, whylen) != 0)
        return -1;
    hid_t f = H5I_INVALID_HID;
    if (at > 0 && tc_store_copy_(final, work, why, whylen) != 0)
        return -1;
    f = at > 0 ? H5Fopen(work, H5F_ACC_RDWR, H5P_DEFAULT) : tc_store_create_file_(work, 0);
    int bad = f < 0 || tc_skill_append_(f, m, rows, n, (long long)at, k * SEGMENT, why, whylen) != 0;
    if (f >= 0 && H5Fclose(f) < 0)
        bad = 1;
    if (bad || tc_store_commit_(work, final) != 0) {
        unlink(work);
        if (!bad)
            snprintf(why, whylen, "cannot put the skill segment %.300s in place", final);
        return -1;
    }
    return 0;
}

/* A virtual dataset's mappings: rows [j SEGMENT, ...) from dataset `name` of segment j. */
static hid_t view_dcpl(const char *epochs, const char *name, hsize_t total, int rank, hsize_t nl)
{
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    char file[4096], dset[96];
    snprintf(dset, sizeof dset, "/skill/%s", name);
    for (hsize_t j = 0; dcpl >= 0 && j * SEGMENT < total; j++) {
        hsize_t rows = total - j * SEGMENT < SEGMENT ? total - j * SEGMENT : SEGMENT;
        hsize_t vdims[2] = {total, nl}, start[2] = {j * SEGMENT, 0}, count[2] = {rows, nl};
        hid_t vs = H5Screate_simple(rank, vdims, NULL), ss = H5Screate_simple(rank, count, NULL);
        segment_name(epochs, (long long)j, 1, file, sizeof file);
        int bad = vs < 0 || ss < 0 || H5Sselect_hyperslab(vs, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
                  H5Pset_virtual(dcpl, vs, file, dset, ss) < 0;
        if (ss >= 0)
            H5Sclose(ss);
        if (vs >= 0)
            H5Sclose(vs);
        if (bad) {
            H5Pclose(dcpl);
            dcpl = H5I_INVALID_HID;
        }
    }
    return dcpl;
}

/* F's /skill (an index file's), replaced by a view of `total` rows of the segments in EPOCHS. */
int tc_skill_view_build_(hid_t f, const char *epochs, const tc_model *m, const tc_skill_row *r0,
                         hsize_t total, char *why, size_t whylen)
{
    hid_t str = H5Tcopy(H5T_C_S1), score = H5I_INVALID_HID, lead = H5I_INVALID_HID, g = H5I_INVALID_HID,
          dcpl = view_dcpl(epochs, "score", total, 1, 1);
    int bad = str < 0 || dcpl < 0 || H5Tset_size(str, H5T_VARIABLE) < 0 ||
              H5Tset_cset(str, H5T_CSET_UTF8) < 0 ||
              (H5Lexists(f, "skill", H5P_DEFAULT) > 0 && H5Ldelete(f, "skill", H5P_DEFAULT) < 0) ||
              (g = tc_skill_group_(f, m, r0, dcpl, total, &score, &lead, why, whylen)) < 0;
    if (dcpl >= 0)
        H5Pclose(dcpl);
    const char *name;
    int per_lead = 0;
    for (int i = 0; !bad && (name = tc_skill_column_(i, &per_lead)); i++) {
        hid_t cd = view_dcpl(epochs, name, total, per_lead ? 2 : 1, per_lead ? (hsize_t)r0->n_leads : 1),
              ds = cd >= 0 ? tc_skill_column_view_(g, i, m, str, score, lead, cd, total) : -1;
        bad = ds < 0;
        if (ds >= 0)
            H5Dclose(ds);
        if (cd >= 0)
            H5Pclose(cd);
    }
    if (bad && why[0] == '\0')
        snprintf(why, whylen, "HDF5 failed to build the /skill view");
    tc_skill_group_close_(g, score, lead);
    if (str >= 0)
        H5Tclose(str);
    return bad ? -1 : 0;
}

tc_status tc_skill_append_segments_(tc_store *s, const tc_model *m, const tc_skill_row *rows, int n,
                                    char *err, size_t errlen)
{
    char why[512] = "";
    hid_t f = tc_store_file_(s), score = H5I_INVALID_HID, lead = H5I_INVALID_HID, g = H5I_INVALID_HID;
    hsize_t total = tc_skill_view_rows_(f);
    int bad = 0;
    if (H5Lexists(f, "skill", H5P_DEFAULT) > 0) { /* the leads must agree with the file's */
        bad = (g = tc_skill_group_(f, m, &rows[0], H5P_DEFAULT, 0, &score, &lead, why, sizeof why)) < 0;
        tc_skill_group_close_(g, score, lead);
    }
    for (int done = 0; !bad && done < n;) {
        hsize_t at = total % SEGMENT;
        int take = (int)(SEGMENT - at) < n - done ? (int)(SEGMENT - at) : n - done;
        bad = write_segment(s, m, (long long)(total / SEGMENT), at, rows + done, take, why, sizeof why) != 0;
        total += (hsize_t)take;
        done += take;
    }
    bad = bad || tc_skill_view_build_(f, tc_store_epochs_(s), m, &rows[0], total, why, sizeof why) != 0;
    if (bad)
        snprintf(err, errlen, "%s: %s", tc_store_path_(s), why[0] ? why : "HDF5 failed to append to /skill");
    return bad ? TC_ERR_RUNTIME : TC_OK;
}
