/*
 * store.c - the forecast file's lifecycle: create or open for appending
 * (through a copy in atomic mode), epochs, attributes, commit.  Handles
 * start invalid and close in reverse order; HDF5's own error printing is
 * off and every failure comes back as a message naming the file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <hdf5.h>
#include <nettle/sha2.h>

#include "store_internal.h"
#include "twincast/clock.h"
#include "twincast/store.h"
#include "twincast/version.h"

struct tc_store {
    hid_t file;
    hid_t epoch_group;
    int epoch;
    int flags;
    char *path; /* the file the user named */
    char *work; /* the file being written: path itself, or its temporary copy */
};

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
    if (info->type == H5L_TYPE_HARD && strlen(name) == 6 && strspn(name, "0123456789") == 6) {
        int e = (int)strtol(name, NULL, 10);
        if (e > *last)
            *last = e;
    }
    return 0;
}

/* Byte copy, flushed to disk: the temporary file an append works on. */
static int copy_file(const char *from, const char *to, char *err, size_t errlen)
{
    int in = open(from, O_RDONLY), out = -1;
    char buf[1 << 16];
    ssize_t n = 0;
    if (in < 0 || (out = open(to, O_WRONLY | O_CREAT | O_EXCL, 0644)) < 0) {
        snprintf(err, errlen, "%s: cannot copy for appending: %s", in < 0 ? from : to, strerror(errno));
        if (in >= 0)
            close(in);
        return -1;
    }
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n) {
            n = -1;
            break;
        }
    int bad = n < 0 || fsync(out) != 0;
    if (bad)
        snprintf(err, errlen, "%s: cannot copy for appending: %s", to, strerror(errno));
    close(in);
    close(out);
    if (bad)
        unlink(to);
    return bad ? -1 : 0;
}

static tc_status open_existing(tc_store *s, const tc_model *m, char *err, size_t errlen)
{
    if (H5Fis_hdf5(s->path) <= 0) {
        snprintf(err, errlen, "%s: exists and is not an HDF5 file; refusing to overwrite it", s->path);
        return TC_ERR_INPUT;
    }
    if ((s->flags & TC_STORE_ATOMIC) && copy_file(s->path, s->work, err, errlen) != 0)
        return TC_ERR_INPUT;
    if ((s->file = H5Fopen(s->work, H5F_ACC_RDWR, H5P_DEFAULT)) < 0) {
        snprintf(err, errlen, "%s: cannot open for appending (permissions? open elsewhere?)", s->path);
        return TC_ERR_INPUT;
    }
    if (H5Aexists(s->file, "model_sha256") <= 0 || H5Lexists(s->file, "forecasts", H5P_DEFAULT) <= 0) {
        snprintf(err, errlen, "%s: not a twincast forecast file; refusing to modify it", s->path);
        return TC_ERR_INPUT;
    }
    char mine[65], theirs[65] = "";
    tc_sha256_hex(m->text ? m->text : "", m->text_len, mine);
    hid_t a = H5Aopen(s->file, "model_sha256", H5P_DEFAULT), t = a >= 0 ? H5Aget_type(a) : -1;
    if (t >= 0 && H5Tget_class(t) == H5T_STRING && H5Tget_size(t) == sizeof theirs)
        H5Aread(a, t, theirs);
    if (t >= 0)
        H5Tclose(t);
    if (a >= 0)
        H5Aclose(a);
    if (strcmp(mine, theirs) != 0) {
        snprintf(err, errlen,
                 "%s: holds forecasts of another model (sha256 %.12s..., this one %.12s...); "
                 "write to another file",
                 s->path, theirs, mine);
        return TC_ERR_INPUT;
    }
    int last = 0;
    if (H5Literate_by_name(s->file, "forecasts", H5_INDEX_NAME, H5_ITER_NATIVE, NULL, find_last_epoch, &last,
                           H5P_DEFAULT) < 0) {
        snprintf(err, errlen, "%s: HDF5 failed to list /forecasts", s->path);
        return TC_ERR_RUNTIME;
    }
    s->epoch = last;
    return TC_OK;
}

static tc_status create_new(tc_store *s, const tc_model *m, char *err, size_t errlen)
{
    hid_t fcpl = H5I_INVALID_HID, fapl = H5I_INVALID_HID, g = H5I_INVALID_HID;
    tc_status st = TC_ERR_RUNTIME;
    char created[32], title[512], sha[65];
    CHECK(fcpl = H5Pcreate(H5P_FILE_CREATE), "create a property list");
    CHECK(H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
          "set creation order");
    CHECK(fapl = H5Pcreate(H5P_FILE_ACCESS), "create a property list");
    CHECK(H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST), "set format bounds");
    if ((s->file = H5Fcreate(s->work, H5F_ACC_EXCL, fcpl, fapl)) < 0) {
        snprintf(err, errlen, "%s: cannot create (does the directory exist and is it writable?)", s->path);
        st = TC_ERR_INPUT;
        goto fail;
    }
    tc_iso_now(created, sizeof created);
    snprintf(title, sizeof title, "twincast bottleneck forecasts for plant %s", m->name);
    tc_sha256_hex(m->text ? m->text : "", m->text_len, sha);
    CHECK(tc_h5_str_attr(s->file, "Conventions", "CF-1.8"), "write attributes");
    CHECK(tc_h5_str_attr(s->file, "title", title), "write attributes");
    CHECK(tc_h5_str_attr(s->file, "twincast_version", TC_VERSION), "write attributes");
    CHECK(tc_h5_str_attr(s->file, "model_name", m->name), "write attributes");
    CHECK(tc_h5_str_attr(s->file, "model_sha256", sha), "write attributes");
    CHECK(tc_h5_str_attr(s->file, "created", created), "write attributes");
    CHECK(tc_h5_text_dataset(s->file, "model_yaml", m->text ? m->text : ""), "write /model_yaml");
    CHECK(g = tc_h5_group(s->file, "forecasts"), "create /forecasts");
    st = TC_OK;
fail:
    if (g >= 0)
        H5Gclose(g);
    if (fapl >= 0)
        H5Pclose(fapl);
    if (fcpl >= 0)
        H5Pclose(fcpl);
    return st;
}

/* This machine's short name, for temporary files: a pid means nothing on another node. */
static void host_name(char *out, size_t n)
{
    if (gethostname(out, n) != 0)
        snprintf(out, n, "localhost");
    out[n - 1] = '\0';
    out[strcspn(out, "./")] = '\0';
}

/*
 * A run killed with SIGKILL (kill -9, Slurm past its grace time, the OOM
 * killer) leaves its PATH.tmp-HOST-PID behind: a full copy of the file.
 * Requeued twins would fill the disk with them, so each opening removes
 * those of this host whose process is gone; another host's are left alone.
 */
static void remove_stale(const char *path, const char *host)
{
    char prefix[512];
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    char *dir = slash ? strndup(path, (size_t)(slash - path + 1)) : strdup("./");
    DIR *d = dir ? opendir(dir) : NULL;
    size_t np = (size_t)snprintf(prefix, sizeof prefix, "%s.tmp-%s-", base, host);
    for (struct dirent *e; d && np < sizeof prefix && (e = readdir(d));) {
        const char *pid = e->d_name + np;
        if (strncmp(e->d_name, prefix, np) != 0 || !*pid || strspn(pid, "0123456789") != strlen(pid))
            continue;
        long p = strtol(pid, NULL, 10);
        if (p <= 0 || p == (long)getpid() || kill((pid_t)p, 0) == 0 || errno != ESRCH)
            continue;
        size_t len = strlen(dir) + strlen(e->d_name) + 1;
        char *full = malloc(len);
        if (!full)
            continue;
        snprintf(full, len, "%s%s", dir, e->d_name);
        if (unlink(full) == 0)
            fprintf(stderr, "twincast: removed %s, left by a run that was killed (process %ld is gone)\n",
                    full, p);
        free(full);
    }
    if (d)
        closedir(d);
    free(dir);
}

hid_t tc_store_file_(const tc_store *s)
{
    return s->file;
}

const char *tc_store_path_(const tc_store *s)
{
    return s->path;
}

tc_status tc_store_open(const char *path, const tc_model *m, int flags, tc_store **out, char *err,
                        size_t errlen)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    tc_store *s = calloc(1, sizeof *s);
    size_t n = strlen(path);
    if (!s || !(s->path = malloc(n + 1)) || !(s->work = malloc(n + 96))) {
        if (s)
            free(s->path);
        free(s);
        snprintf(err, errlen, "%s: out of memory", path);
        return TC_ERR_RUNTIME;
    }
    strcpy(s->path, path);
    if (flags & TC_STORE_ATOMIC) {
        char host[64];
        host_name(host, sizeof host);
        remove_stale(path, host);
        snprintf(s->work, n + 96, "%s.tmp-%s-%ld", path, host, (long)getpid());
    } else
        strcpy(s->work, path);
    s->flags = flags;
    s->file = s->epoch_group = H5I_INVALID_HID;
    tc_status st = access(path, F_OK) == 0 ? open_existing(s, m, err, errlen) : create_new(s, m, err, errlen);
    if (st != TC_OK) {
        tc_store_close(s, 0, NULL, 0);
        return st;
    }
    *out = s;
    return TC_OK;
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
    CHECK(s->epoch_group = tc_h5_group(s->file, name), "create the epoch group");
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
    if (info->superseded) {
        H5Gclose(s->epoch_group);
        s->epoch_group = H5I_INVALID_HID;
        CHECK(H5Fflush(s->file, H5F_SCOPE_GLOBAL), "flush");
        return TC_OK;
    }
    if (H5Lexists(s->file, "forecasts/latest", H5P_DEFAULT) > 0)
        CHECK(H5Ldelete(s->file, "forecasts/latest", H5P_DEFAULT), "replace /forecasts/latest");
    snprintf(target, sizeof target, "/forecasts/%06d", s->epoch);
    CHECK(H5Lcreate_soft(target, s->file, "forecasts/latest", H5P_DEFAULT, H5P_DEFAULT),
          "link /forecasts/latest");
    H5Gclose(s->epoch_group);
    s->epoch_group = H5I_INVALID_HID;
    CHECK(H5Fflush(s->file, H5F_SCOPE_GLOBAL), "flush");
    return TC_OK;
fail:
    return TC_ERR_RUNTIME;
}

tc_status tc_store_close(tc_store *s, int commit, char *err, size_t errlen)
{
    if (!s)
        return TC_OK;
    tc_status st = TC_OK;
    if (s->epoch_group >= 0)
        H5Gclose(s->epoch_group);
    if (s->file >= 0 && H5Fclose(s->file) < 0) {
        if (err)
            snprintf(err, errlen, "%s: HDF5 failed to close the file (disk full?)", s->path);
        st = TC_ERR_RUNTIME;
    }
    int atomic = s->flags & TC_STORE_ATOMIC;
    if (st == TC_OK && commit && atomic) {
        int fd = open(s->work, O_RDONLY);
        int bad = fd < 0 || fsync(fd) != 0;
        if (fd >= 0)
            close(fd);
        if (bad || rename(s->work, s->path) != 0) {
            if (err)
                snprintf(err, errlen, "%s: cannot put the new file in place: %s", s->path, strerror(errno));
            st = TC_ERR_RUNTIME;
        }
    }
    if (atomic && (st != TC_OK || !commit))
        unlink(s->work); /* the previous file stays as it was */
    free(s->path);
    free(s->work);
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
