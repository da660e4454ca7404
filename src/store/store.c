/*
 * store.c - the forecast file's lifecycle: create or open for appending
 * (through a copy in atomic mode), epochs, attributes, commit.  A file
 * created with TC_STORE_EPOCH_FILES is an index: each epoch is written to
 * a small file of its own, made durable and renamed into place, then
 * linked (an HDF5 external link) from the index, whose copy stays small
 * (its links, about 140 bytes an epoch, are all that still grows).
 * Handles start invalid and close in reverse order; HDF5's own error
 * printing is off and every failure comes back as a message naming the file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <hdf5.h>
#include <nettle/sha2.h>

#include "store_internal.h"

/* An index file's newest epoch (root attribute, int). */
#define LAST_EPOCH "last_epoch"
#include "twincast/clock.h"
#include "twincast/store.h"
#include "twincast/version.h"

struct tc_store {
    hid_t file;
    hid_t epoch_group;
    hid_t epoch_file; /* epoch files: the open epoch's own file */
    int epoch;
    int flags;
    const tc_model *m;
    char *path;       /* the file the user named */
    char *work;       /* the file being written: path itself, or its temporary copy */
    char *dir;        /* path's folder, with its slash ("" for the working directory) */
    char *epochs;     /* epoch files: their folder, relative to dir (NULL: one file) */
    char *epoch_work; /* epoch files: the open epoch's temporary name */
    char *epoch_done; /* epoch files: the epoch's file, in place but linked only when the index commits */
    char host[64];
    int swept;    /* this process removed the killed runs' files already */
    int decision; /* epoch files: the open epoch's file holds /decisions/<this number> (0: none) */
};

/*
 * Whether this process has removed the leftovers of killed runs for PATH
 * already (they can only predate it); remembers PATH.  Rank 0 alone opens
 * stores, from one thread.
 */
static int swept(const char *path)
{
    static char last[4096];
    if (strcmp(last, path) == 0)
        return 1;
    snprintf(last, sizeof last, "%s", path);
    return 0;
}

#define CHECK(expr, what)                                                                                    \
    do {                                                                                                     \
        if ((expr) < 0) {                                                                                    \
            snprintf(err, errlen, "%s: HDF5 failed to %s", s->path, what);                                   \
            goto fail;                                                                                       \
        }                                                                                                    \
    } while (0)

void tc_sha256_hex(const char *text, size_t len, char out[65])
{
    struct sha256_ctx ctx;
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_init(&ctx);
    sha256_update(&ctx, len, (const uint8_t *)text);
    sha256_digest(&ctx, sizeof d, d);
    for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static herr_t find_last_epoch(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    (void)g;
    int *last = data;
    if ((info->type == H5L_TYPE_HARD || info->type == H5L_TYPE_EXTERNAL) && strlen(name) == 6 &&
        strspn(name, "0123456789") == 6) {
        int e = (int)strtol(name, NULL, 10);
        if (e > *last)
            *last = e;
    }
    return 0;
}

/*
 * An index's newest epoch, from its root attribute: listing /forecasts
 * would cost time in proportion to the epochs.  Trusted only if that epoch
 * exists and the next does not (a file an older twincast appended to).
 */
static int known_last_epoch(hid_t f, int *last)
{
    char name[32];
    int e = -1;
    hid_t a = H5Aexists(f, LAST_EPOCH) > 0 ? H5Aopen(f, LAST_EPOCH, H5P_DEFAULT) : -1;
    if (a < 0)
        return -1;
    herr_t rc = H5Aread(a, H5T_NATIVE_INT, &e);
    H5Aclose(a);
    if (rc < 0 || e < 1 || e > 999999)
        return -1;
    snprintf(name, sizeof name, "forecasts/%06d", e);
    if (H5Lexists(f, name, H5P_DEFAULT) <= 0)
        return -1;
    snprintf(name, sizeof name, "forecasts/%06d", e + 1);
    if (H5Lexists(f, name, H5P_DEFAULT) != 0)
        return -1;
    *last = e;
    return 0;
}

static tc_status open_existing(tc_store *s, const tc_model *m, char *err, size_t errlen)
{
    if (H5Fis_hdf5(s->path) <= 0) {
        snprintf(err, errlen, "%s: exists and is not an HDF5 file; refusing to overwrite it", s->path);
        return TC_ERR_INPUT;
    }
    if ((s->flags & TC_STORE_ATOMIC) && tc_store_copy_(s->path, s->work, err, errlen) != 0)
        return TC_ERR_INPUT;
    if ((s->file = H5Fopen(s->work, H5F_ACC_RDWR, H5P_DEFAULT)) < 0) {
        snprintf(err, errlen, "%s: cannot open for appending (permissions? open elsewhere?)", s->path);
        return TC_ERR_INPUT;
    }
    if (H5Aexists(s->file, "model_sha256") <= 0 || H5Lexists(s->file, "forecasts", H5P_DEFAULT) <= 0) {
        snprintf(err, errlen, "%s: not a twincast forecast file; refusing to modify it", s->path);
        return TC_ERR_INPUT;
    }
    char mine[65], theirs[65], epochs[256];
    tc_sha256_hex(m->text ? m->text : "", m->text_len, mine);
    tc_h5_read_str_attr(s->file, "model_sha256", theirs, sizeof theirs);
    if (strcmp(mine, theirs) != 0) {
        snprintf(err, errlen,
                 "%s: holds forecasts of another model (sha256 %.12s..., this one %.12s...); "
                 "write to another file",
                 s->path, theirs, mine);
        return TC_ERR_INPUT;
    }
    int last = 0;
    if (known_last_epoch(s->file, &last) != 0 &&
        H5Literate_by_name(s->file, "forecasts", H5_INDEX_NAME, H5_ITER_NATIVE, NULL, find_last_epoch, &last,
                           H5P_DEFAULT) < 0) {
        snprintf(err, errlen, "%s: HDF5 failed to list /forecasts", s->path);
        return TC_ERR_RUNTIME;
    }
    s->epoch = last;
    tc_h5_read_str_attr(s->file, "epoch_files", epochs, sizeof epochs);
    if (epochs[0] && !(s->epochs = strdup(epochs))) {
        snprintf(err, errlen, "%s: out of memory", s->path);
        return TC_ERR_RUNTIME;
    }
    if (s->epochs && (s->flags & TC_STORE_ATOMIC) && !s->swept) { /* where a killed run's epoch would be */
        char shard[4096];
        tc_store_epoch_name_(epochs, last + 1, shard, sizeof shard);
        size_t n = strlen(s->dir) + strlen(shard) + 8;
        char *where = malloc(n);
        if (where) {
            snprintf(where, n, "%s%.*s", s->dir, (int)(strrchr(shard, '/') - shard), shard);
            tc_store_remove_stale_(where, NULL, s->host);
            snprintf(where, n, "%s%s/skill", s->dir, epochs);
            tc_store_remove_stale_(where, NULL, s->host);
        }
        free(where);
    }
    return TC_OK;
}

/* Creation order kept, and a format h5py, xarray and HDF5 1.10 tools all read. */
hid_t tc_store_create_file_(const char *name, int index)
{
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE), fapl = H5Pcreate(H5P_FILE_ACCESS), f = H5I_INVALID_HID;
    if (fcpl >= 0 && fapl >= 0 &&
        H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) >= 0 &&
        (!index || H5Pset_file_space_strategy(fcpl, H5F_FSPACE_STRATEGY_FSM_AGGR, 1, 1) >= 0) &&
        H5Pset_libver_bounds(fapl, index ? H5F_LIBVER_V110 : H5F_LIBVER_V18, H5F_LIBVER_LATEST) >= 0)
        f = H5Fcreate(name, H5F_ACC_EXCL, fcpl, fapl);
    if (fapl >= 0)
        H5Pclose(fapl);
    if (fcpl >= 0)
        H5Pclose(fcpl);
    return f;
}

/* What every twincast file starts with; an epoch file too, so that it can be read on its own. */
static herr_t write_root(hid_t f, const tc_model *m, const char *epochs)
{
    char created[32], title[512], sha[65];
    hid_t g = H5I_INVALID_HID;
    tc_iso_now(created, sizeof created);
    snprintf(title, sizeof title, "twincast bottleneck forecasts for plant %s", m->name);
    tc_sha256_hex(m->text ? m->text : "", m->text_len, sha);
    herr_t rc = tc_h5_str_attr(f, "Conventions", "CF-1.8") < 0 || tc_h5_str_attr(f, "title", title) < 0 ||
                        tc_h5_str_attr(f, "twincast_version", TC_VERSION) < 0 ||
                        tc_h5_str_attr(f, "model_name", m->name) < 0 ||
                        tc_h5_str_attr(f, "model_sha256", sha) < 0 ||
                        tc_h5_str_attr(f, "created", created) < 0 ||
                        (epochs && tc_h5_str_attr(f, "epoch_files", epochs) < 0) ||
                        tc_h5_text_dataset(f, "model_yaml", m->text ? m->text : "") < 0 ||
                        (g = tc_h5_group(f, "forecasts")) < 0
                    ? -1
                    : 0;
    if (g >= 0)
        H5Gclose(g);
    return rc;
}

static tc_status create_new(tc_store *s, const tc_model *m, char *err, size_t errlen)
{
    char epochs[512];
    if (s->flags & TC_STORE_EPOCH_FILES) {
        const char *slash = strrchr(s->path, '/');
        snprintf(epochs, sizeof epochs, "%s.epochs", slash ? slash + 1 : s->path);
        if (!(s->epochs = strdup(epochs))) {
            snprintf(err, errlen, "%s: out of memory", s->path);
            return TC_ERR_RUNTIME;
        }
    }
    if ((s->file = tc_store_create_file_(s->work, s->epochs != NULL)) < 0) {
        snprintf(err, errlen, "%s: cannot create (does the directory exist and is it writable?)", s->path);
        return TC_ERR_INPUT;
    }
    if (write_root(s->file, m, s->epochs) < 0) {
        snprintf(err, errlen, "%s: HDF5 failed to write attributes", s->path);
        return TC_ERR_RUNTIME;
    }
    return TC_OK;
}

hid_t tc_store_file_(const tc_store *s)
{
    return s->file;
}

const char *tc_store_path_(const tc_store *s)
{
    return s->path;
}

const char *tc_store_dir_(const tc_store *s)
{
    return s->dir;
}

const char *tc_store_epochs_(const tc_store *s)
{
    return s->epochs;
}

hid_t tc_store_decision_file_(const tc_store *s)
{
    return s->epochs && s->epoch_file >= 0 ? s->epoch_file : s->file;
}

void tc_store_decided_(tc_store *s, int number)
{
    if (s->epochs && s->epoch_file >= 0)
        s->decision = number;
}

tc_status tc_store_open(const char *path, const tc_model *m, int flags, tc_store **out, char *err,
                        size_t errlen)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    tc_store *s = calloc(1, sizeof *s);
    size_t n = strlen(path);
    const char *slash = strrchr(path, '/');
    if (!s || !(s->path = strdup(path)) || !(s->work = malloc(n + 96)) ||
        !(s->dir = strndup(path, slash ? (size_t)(slash - path + 1) : 0))) {
        if (s) {
            free(s->path);
            free(s->work);
        }
        free(s);
        snprintf(err, errlen, "%s: out of memory", path);
        return TC_ERR_RUNTIME;
    }
    s->flags = flags;
    s->m = m;
    s->file = s->epoch_group = s->epoch_file = H5I_INVALID_HID;
    tc_store_host_(s->host, sizeof s->host);
    if (flags & TC_STORE_ATOMIC) {
        if (!(s->swept = swept(path))) /* a live twin opens its file at every epoch: once is enough */
            tc_store_remove_stale_(s->dir[0] ? s->dir : ".", slash ? slash + 1 : path, s->host);
        snprintf(s->work, n + 96, "%s.tmp-%s-%ld", path, s->host, (long)getpid());
    } else
        strcpy(s->work, path);
    tc_status st = access(path, F_OK) == 0 ? open_existing(s, m, err, errlen) : create_new(s, m, err, errlen);
    if (st != TC_OK) {
        tc_store_close(s, 0, NULL, 0);
        return st;
    }
    *out = s;
    return TC_OK;
}

/* The epoch's own file, under a temporary name until it is complete. */
static tc_status begin_epoch_file(tc_store *s, int epoch, char *err, size_t errlen)
{
    char rel[4096];
    tc_store_epoch_name_(s->epochs, epoch, rel, sizeof rel);
    size_t n = strlen(s->dir) + strlen(rel) + 96;
    free(s->epoch_work);
    if (!(s->epoch_work = malloc(n))) {
        snprintf(err, errlen, "%s: out of memory", s->path);
        return TC_ERR_RUNTIME;
    }
    snprintf(s->epoch_work, n, "%s%s.tmp-%s-%ld", s->dir, rel, s->host, (long)getpid());
    if (tc_store_make_dirs_(s->epoch_work, err, errlen) != 0)
        return TC_ERR_INPUT;
    if ((s->epoch_file = tc_store_create_file_(s->epoch_work, 0)) < 0 ||
        write_root(s->epoch_file, s->m, NULL) < 0) {
        snprintf(err, errlen, "%s: cannot create the epoch's file (is the folder writable?)", s->epoch_work);
        return TC_ERR_INPUT;
    }
    return TC_OK;
}

/*
 * The epoch's file made durable and put in place, then linked from the
 * index: a crash before the index's own commit leaves an unlinked file,
 * which the next epoch of that number replaces.
 */
static tc_status end_epoch_file(tc_store *s, char *err, size_t errlen)
{
    char rel[4096], name[32], target[32];
    tc_store_epoch_name_(s->epochs, s->epoch, rel, sizeof rel);
    size_t n = strlen(s->dir) + strlen(rel) + 1;
    char *final = malloc(n);
    herr_t closed = H5Fclose(s->epoch_file);
    s->epoch_file = H5I_INVALID_HID;
    if (final)
        snprintf(final, n, "%s%s", s->dir, rel);
    int bad = !final || closed < 0 || tc_store_commit_(s->epoch_work, final) != 0;
    free(s->epoch_done);
    s->epoch_done = bad ? NULL : final;
    if (bad) {
        free(final);
        snprintf(err, errlen, "%s: cannot write the epoch's file (disk full?)", s->epoch_work);
        return TC_ERR_RUNTIME;
    }
    snprintf(name, sizeof name, "forecasts/%06d", s->epoch);
    snprintf(target, sizeof target, "/forecasts/%06d", s->epoch);
    if (H5Lcreate_external(rel, target, s->file, name, H5P_DEFAULT, H5P_DEFAULT) < 0 ||
        tc_h5_scalar_attr(s->file, LAST_EPOCH, H5T_NATIVE_INT, &s->epoch) < 0) {
        snprintf(err, errlen, "%s: HDF5 failed to link the epoch's file", s->path);
        return TC_ERR_RUNTIME;
    }
    if (s->decision > 0) { /* its decision, kept in the epoch's file too */
        hid_t g = H5Lexists(s->file, "decisions", H5P_DEFAULT) > 0
                      ? H5Gopen2(s->file, "decisions", H5P_DEFAULT)
                      : tc_h5_group(s->file, "decisions");
        snprintf(name, sizeof name, "%06d", s->decision);
        snprintf(target, sizeof target, "/decisions/%06d", s->decision);
        int unlinked = g < 0 || H5Lcreate_external(rel, target, g, name, H5P_DEFAULT, H5P_DEFAULT) < 0;
        if (g >= 0)
            H5Gclose(g);
        s->decision = 0;
        if (unlinked) {
            snprintf(err, errlen, "%s: HDF5 failed to link the epoch's decision", s->path);
            return TC_ERR_RUNTIME;
        }
    }
    return TC_OK;
}

/* The epoch complete: its group closed, and with epoch files, its file committed and linked. */
static tc_status close_epoch(tc_store *s, char *err, size_t errlen)
{
    H5Gclose(s->epoch_group);
    s->epoch_group = H5I_INVALID_HID;
    return s->epochs ? end_epoch_file(s, err, errlen) : TC_OK;
}

tc_status tc_store_begin_epoch(tc_store *s, int *epoch, char *err, size_t errlen)
{
    char name[32];
    if (s->epoch_group >= 0) { /* begun already, by rows streamed into it */
        *epoch = s->epoch;
        return TC_OK;
    }
    if (s->epoch >= 999999) {
        snprintf(err, errlen, "%s: holds 999999 epochs already", s->path);
        return TC_ERR_RUNTIME;
    }
    snprintf(name, sizeof name, "forecasts/%06d", s->epoch + 1);
    if (s->epochs && begin_epoch_file(s, s->epoch + 1, err, errlen) != TC_OK)
        return TC_ERR_RUNTIME;
    CHECK(s->epoch_group = tc_h5_group(s->epochs ? s->epoch_file : s->file, name), "create the epoch group");
    *epoch = ++s->epoch;
    return TC_OK;
fail:
    return TC_ERR_RUNTIME;
}

tc_status tc_store_end_epoch(tc_store *s, const tc_epoch_info *info, char *err, size_t errlen)
{
    hid_t g = s->epoch_group;
    char target[32];
    int ranks = info->ranks, threads = info->threads;
    long long reps = info->replications;
    unsigned int seed = info->seed;
    CHECK(tc_h5_text_dataset(g, "state_json", info->state_json ? info->state_json : "{}"),
          "write state_json");
    if (info->n_calibration > 0)
        CHECK(tc_h5_write_calibration(g, info->calibration, info->n_calibration), "write calibration");
    CHECK(tc_h5_str_attr(g, "as_of", info->as_of ? info->as_of : ""), "write epoch attributes");
    if (info->timezone)
        CHECK(tc_h5_str_attr(g, "timezone", info->timezone), "write epoch attributes");
    CHECK(tc_h5_scalar_attr(g, "horizon", H5T_NATIVE_DOUBLE, &info->horizon), "write epoch attributes");
    CHECK(tc_h5_str_attr(g, "time_unit", info->time_unit), "write epoch attributes");
    CHECK(tc_h5_scalar_attr(g, "seed", H5T_NATIVE_UINT, &seed), "write epoch attributes");
    CHECK(tc_h5_scalar_attr(g, "replications", H5T_NATIVE_LLONG, &reps), "write epoch attributes");
    CHECK(tc_h5_scalar_attr(g, "ranks", H5T_NATIVE_INT, &ranks), "write epoch attributes");
    CHECK(tc_h5_scalar_attr(g, "threads", H5T_NATIVE_INT, &threads), "write epoch attributes");
    CHECK(tc_h5_str_attr(g, "stop_reason", info->stop_reason ? info->stop_reason : "fixed"),
          "write epoch attributes");
    CHECK(tc_h5_scalar_attr(g, "precision", H5T_NATIVE_DOUBLE, &info->precision), "write epoch attributes");
    CHECK(tc_h5_str_attr(g, "random_numbers",
                         "Philox4x32-10; scenarios share the streams of the same "
                         "replication index (common random numbers)"),
          "write epoch attributes");
    CHECK(tc_h5_scalar_attr(g, "wall_seconds", H5T_NATIVE_DOUBLE, &info->wall_seconds),
          "write epoch attributes");
    CHECK(tc_h5_str_attr(g, "status", info->superseded ? "superseded" : "completed"),
          "write epoch attributes");
    if (info->offsets_json) {
        long long events = info->events;
        CHECK(tc_h5_str_attr(g, "offsets", info->offsets_json), "write epoch attributes");
        CHECK(tc_h5_str_attr(g, "event_counters", info->counters_json ? info->counters_json : "{}"),
              "write epoch attributes");
        CHECK(tc_h5_scalar_attr(g, "events", H5T_NATIVE_LLONG, &events), "write epoch attributes");
        CHECK(tc_h5_str_attr(g, "trigger", info->trigger && info->trigger[0] ? info->trigger : "interval"),
              "write epoch attributes");
    }
    if (close_epoch(s, err, errlen) != TC_OK)
        return TC_ERR_RUNTIME;
    if (info->superseded) {
        CHECK(H5Fflush(s->file, H5F_SCOPE_GLOBAL), "flush");
        return TC_OK;
    }
    if (H5Lexists(s->file, "forecasts/latest", H5P_DEFAULT) > 0)
        CHECK(H5Ldelete(s->file, "forecasts/latest", H5P_DEFAULT), "replace /forecasts/latest");
    snprintf(target, sizeof target, "/forecasts/%06d", s->epoch);
    CHECK(H5Lcreate_soft(target, s->file, "forecasts/latest", H5P_DEFAULT, H5P_DEFAULT),
          "link /forecasts/latest");
    CHECK(H5Fflush(s->file, H5F_SCOPE_GLOBAL), "flush");
    return TC_OK;
fail:
    return TC_ERR_RUNTIME;
}

/* An index grown past twice its last compact size (and 256 kB) written afresh beside it, as WORK.c. */
static int compact(tc_store *s)
{
    hsize_t size = 0;
    long long last = tc_store_compacted_(s->file);
    if (H5Fget_filesize(s->file, &size) < 0 || (double)size <= 2.0 * (double)last + (1 << 18))
        return 0;
    size_t n = strlen(s->work) + 3;
    char *work2 = malloc(n), why[256] = "";
    if (!work2)
        return 0;
    snprintf(work2, n, "%s.c", s->work);
    int ok = tc_store_compact_(s->file, s->dir, s->epochs, s->m, work2, why, sizeof why) == 0;
    if (!ok) /* the file as it is stays good, only bigger */
        unlink(work2);
    free(work2);
    return ok;
}

tc_status tc_store_close(tc_store *s, int commit, char *err, size_t errlen)
{
    if (!s)
        return TC_OK;
    tc_status st = TC_OK;
    if (s->epoch_group >= 0)
        H5Gclose(s->epoch_group);
    if (s->epoch_file >= 0) { /* an epoch that failed: its file never existed */
        H5Fclose(s->epoch_file);
        unlink(s->epoch_work);
    }
    int compacted = commit && s->file >= 0 && s->epochs && (s->flags & TC_STORE_ATOMIC) && compact(s);
    if (s->file >= 0 && H5Fclose(s->file) < 0) {
        if (err)
            snprintf(err, errlen, "%s: HDF5 failed to close the file (disk full?)", s->path);
        st = TC_ERR_RUNTIME;
    }
    int atomic = s->flags & TC_STORE_ATOMIC;
    if (compacted) { /* the compact copy replaces the work file, or is dropped */
        size_t n = strlen(s->work) + 3;
        char *work2 = malloc(n);
        if (work2)
            snprintf(work2, n, "%s.c", s->work);
        if (work2 && (st != TC_OK || rename(work2, s->work) != 0))
            unlink(work2);
        free(work2);
    }
    if (st == TC_OK && commit && atomic) {
        if (tc_store_commit_(s->work, s->path) != 0) {
            if (err)
                snprintf(err, errlen, "%s: cannot put the new file in place: %s", s->path, strerror(errno));
            st = TC_ERR_RUNTIME;
        }
    }
    if (atomic && (st != TC_OK || !commit)) {
        unlink(s->work); /* the previous file stays as it was */
        if (s->epoch_done)
            unlink(s->epoch_done);
    }
    free(s->path);
    free(s->work);
    free(s->dir);
    free(s->epochs);
    free(s->epoch_work);
    free(s->epoch_done);
    free(s);
    return st;
}

/*
 * Room for a scenario's arrays (uncompressed, so an over-estimate) and a
 * margin.  Checked first because HDF5 1.10 cannot recover from a write that
 * runs out of space: the file handle is left half-closed and the library
 * crashes at exit (found by the disk-full fault test).
 */
static int has_room(const tc_store *s, double need, char *err, size_t errlen)
{
    struct statvfs fs;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", s->work);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        strcpy(dir, ".");
    if (statvfs(dir, &fs) != 0)
        return 1;    /* cannot tell: let the write decide */
    need += 1 << 20; /* a margin for HDF5's own metadata */
    double avail = (double)fs.f_bavail * (double)fs.f_frsize;
    if (avail >= need)
        return 1;
    snprintf(err, errlen,
             "%s: disk full: %.0f kB free in %s, the epoch needs up to %.0f kB more; the file is unchanged",
             s->path, avail / 1024, dir, need / 1024);
    return 0;
}

tc_status tc_store_append_rows(tc_store *s, const char *scenario, const tc_sample *rows, long first,
                               char *err, size_t errlen)
{
    if (s->epoch_group < 0) {
        snprintf(err, errlen, "%s: no epoch open to append rows to", s->path);
        return TC_ERR_RUNTIME;
    }
    /* checked before every round: HDF5 1.10 does not survive a write that finds the disk full */
    double need = (double)rows->R * tc_sample_row_bytes(rows->S, rows->P);
    if (!has_room(s, need, err, errlen))
        return TC_ERR_RUNTIME;
    return tc_store_append_rows_(s->epoch_group, scenario, rows, first, s->path, err, errlen);
}

tc_status tc_store_write_scenario(tc_store *s, const tc_scenario_data *d, char *err, size_t errlen)
{
    double R = d->sample ? (double)d->sample->R : 0, S = d->summary->S, T = d->summary->T; /* streamed: in */
    if (!has_room(s, 8.0 * (R * S * (TC_M_COUNT + 1) + T * S * (TC_NQ + 2) + S * 32), err, errlen))
        return TC_ERR_RUNTIME;
    return tc_store_write_scenario_(s->epoch_group, d, s->path, err, errlen);
}
