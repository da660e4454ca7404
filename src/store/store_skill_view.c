/*
 * store_skill_view.c - the /skill table of an index file (TC_STORE_EPOCH_FILES).
 * Its rows live in segment files of SEGMENT rows, BASE.epochs/skill/NNNNNN.h5,
 * each a /skill table of its own; a segment grows by copy and rename until
 * it is full, then never changes.  BASE.epochs/skill/full.h5 is a view of
 * the full segments, rebuilt when one more fills; the index's /skill is a
 * view of full.h5 and the last segment, HDF5 virtual datasets rebuilt at
 * each append.  So the index stays small and an epoch's cost does not grow
 * with the rows scored before it (two mappings a column, not one a
 * segment).  The view maps only the rows its index committed: a reader of
 * an older index, or a crash between a segment's rename and the index's,
 * sees what it saw before.  (Each rebuild leaves some 600 bytes HDF5 does
 * not reuse: the index is compacted now and then, store_index.c.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>

#include "store_internal.h"

enum { SEGMENT = 1024 };

/* Segment k's file (k < 0: full.h5), relative to the index's folder; '%' doubled for H5Pset_virtual. */
static void segment_name(const char *epochs, long long k, int for_hdf5, char *out, size_t n)
{
    size_t o = 0;
    for (const char *p = epochs; *p && o + 3 < n; p++) {
        if (*p == '%' && for_hdf5)
            out[o++] = '%';
        out[o++] = *p;
    }
    if (k < 0)
        snprintf(out + o, n - o, "/skill/full.h5");
    else
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

/* Rows [first, first + rows) of a view, rows [0, rows) of dataset /skill/NAME in `file`. */
struct source {
    char file[4096];
    hsize_t first, rows;
};

/* A virtual dataset's mappings, one per source. */
static hid_t view_dcpl(const struct source *src, int n_src, const char *name, hsize_t total, int rank,
                       hsize_t nl)
{
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    char dset[96];
    snprintf(dset, sizeof dset, "/skill/%s", name);
    for (int j = 0; dcpl >= 0 && j < n_src; j++) {
        hsize_t vdims[2] = {total, nl}, start[2] = {src[j].first, 0}, count[2] = {src[j].rows, nl};
        hid_t vs = H5Screate_simple(rank, vdims, NULL), ss = H5Screate_simple(rank, count, NULL);
        int bad = vs < 0 || ss < 0 || H5Sselect_hyperslab(vs, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
                  H5Pset_virtual(dcpl, vs, src[j].file, dset, ss) < 0;
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

/* F's /skill, replaced by a view of `total` rows mapped from SRC. */
static int build_view(hid_t f, const struct source *src, int n_src, const tc_model *m, const tc_skill_row *r0,
                      hsize_t total, char *why, size_t whylen)
{
    hid_t str = H5Tcopy(H5T_C_S1), score = H5I_INVALID_HID, lead = H5I_INVALID_HID, g = H5I_INVALID_HID,
          dcpl = view_dcpl(src, n_src, "score", total, 1, 1);
    int bad = str < 0 || dcpl < 0 || H5Tset_size(str, H5T_VARIABLE) < 0 ||
              H5Tset_cset(str, H5T_CSET_UTF8) < 0 ||
              (H5Lexists(f, "skill", H5P_DEFAULT) > 0 && H5Ldelete(f, "skill", H5P_DEFAULT) < 0) ||
              (g = tc_skill_group_(f, m, r0, dcpl, total, &score, &lead, why, whylen)) < 0;
    if (dcpl >= 0)
        H5Pclose(dcpl);
    const char *name;
    int per_lead = 0;
    for (int i = 0; !bad && (name = tc_skill_column_(i, &per_lead)); i++) {
        hid_t cd = view_dcpl(src, n_src, name, total, per_lead ? 2 : 1, per_lead ? (hsize_t)r0->n_leads : 1),
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

/*
 * EPOCHS/skill/full.h5: a view of the first `full` segments, which never
 * change, rebuilt (through a copy renamed into place) when one more fills.
 * The index maps it whole, so that its own view has two mappings however
 * many segments there are.  Its sources are named relative to its folder.
 */
static int build_full(const char *dir, const char *epochs, const tc_model *m, const tc_skill_row *r0,
                      long long full, char *why, size_t whylen)
{
    char final[8192], work[8300], host[64];
    struct source *src = calloc((size_t)full, sizeof *src);
    if (!src) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    for (long long j = 0; j < full; j++) {
        snprintf(src[j].file, sizeof src[j].file, "%06lld.h5", j);
        src[j].first = (hsize_t)j * SEGMENT;
        src[j].rows = SEGMENT;
    }
    tc_store_host_(host, sizeof host);
    snprintf(final, sizeof final, "%s%s/skill/full.h5", dir, epochs);
    snprintf(work, sizeof work, "%s.tmp-%s-%ld", final, host, (long)getpid());
    hid_t f = tc_store_create_file_(work, 0);
    int bad = f < 0 || build_view(f, src, (int)full, m, r0, (hsize_t)full * SEGMENT, why, whylen) != 0;
    if (f >= 0 && H5Fclose(f) < 0)
        bad = 1;
    free(src);
    if (bad || tc_store_commit_(work, final) != 0) {
        unlink(work);
        if (!bad)
            snprintf(why, whylen, "cannot put %.300s in place", final);
        return -1;
    }
    return 0;
}

/* F's /skill (an index file's), replaced by a view of `total` rows: full.h5's, then the last segment's. */
int tc_skill_view_build_(hid_t f, const char *dir, const char *epochs, const tc_model *m,
                         const tc_skill_row *r0, hsize_t total, int refull, char *why, size_t whylen)
{
    struct source src[2];
    long long full = (long long)(total / SEGMENT);
    int n = 0;
    char path[8192];
    snprintf(path, sizeof path, "%s%s/skill/full.h5", dir, epochs);
    if (full > 0 && (refull || access(path, F_OK) != 0) &&
        build_full(dir, epochs, m, r0, full, why, whylen) != 0)
        return -1;
    if (full > 0) {
        segment_name(epochs, -1, 1, src[n].file, sizeof src[n].file);
        src[n].first = 0;
        src[n++].rows = (hsize_t)full * SEGMENT;
    }
    if (total % SEGMENT) {
        segment_name(epochs, full, 1, src[n].file, sizeof src[n].file);
        src[n].first = (hsize_t)full * SEGMENT;
        src[n++].rows = total % SEGMENT;
    }
    return build_view(f, src, n, m, r0, total, why, whylen);
}

tc_status tc_skill_append_segments_(tc_store *s, const tc_model *m, const tc_skill_row *rows, int n,
                                    char *err, size_t errlen)
{
    char why[512] = "";
    hid_t f = tc_store_file_(s), score = H5I_INVALID_HID, lead = H5I_INVALID_HID, g = H5I_INVALID_HID;
    hsize_t total = tc_skill_view_rows_(f), before = total;
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
    bad = bad || tc_skill_view_build_(f, tc_store_dir_(s), tc_store_epochs_(s), m, &rows[0], total,
                                      total / SEGMENT != before / SEGMENT, why, sizeof why) != 0;
    if (bad)
        snprintf(err, errlen, "%s: %s", tc_store_path_(s), why[0] ? why : "HDF5 failed to append to /skill");
    return bad ? TC_ERR_RUNTIME : TC_OK;
}
