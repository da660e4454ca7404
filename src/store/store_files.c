/*
 * store_files.c - the files behind a store: the temporary copy an append
 * works on, the ones a killed run left behind, and the live twin's epoch
 * files (one small immutable file per epoch, linked from the index file).
 */
#define _GNU_SOURCE /* copy_file_range */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_internal.h"

/* This machine's short name, for temporary files: a pid means nothing on another node. */
void tc_store_host_(char *out, size_t n)
{
    if (gethostname(out, n) != 0)
        snprintf(out, n, "localhost");
    out[n - 1] = '\0';
    out[strcspn(out, "./")] = '\0';
}

/*
 * Byte copy, not flushed: the commit's fsync before the rename covers it.
 * In the kernel where it can be (copy_file_range: no pass through a buffer
 * of ours, and on file systems that share extents, no data copied at all),
 * else read and written.
 */
int tc_store_copy_(const char *from, const char *to, char *err, size_t errlen)
{
    int in = open(from, O_RDONLY), out = -1;
    char buf[1 << 17];
    ssize_t n = 0;
    if (in < 0 || (out = open(to, O_WRONLY | O_CREAT | O_EXCL, 0644)) < 0) {
        snprintf(err, errlen, "%s: cannot copy for appending: %s", in < 0 ? from : to, strerror(errno));
        if (in >= 0)
            close(in);
        return -1;
    }
    off_t done = 0;
    while ((n = copy_file_range(in, NULL, out, NULL, (size_t)1 << 30, 0)) > 0)
        done += n;
    /* not here (an old kernel, another file system): by hand */
    int by_hand =
        n < 0 && done == 0 && (errno == ENOSYS || errno == EXDEV || errno == EINVAL || errno == EOPNOTSUPP);
    while (by_hand && (n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n) {
            n = -1;
            break;
        }
    if (n < 0)
        snprintf(err, errlen, "%s: cannot copy for appending: %s", to, strerror(errno));
    close(in);
    close(out);
    if (n < 0)
        unlink(to);
    return n < 0 ? -1 : 0;
}

/* Durable, then in place: a reader (or a crash) sees the old file or the new one, never a mix. */
int tc_store_commit_(const char *work, const char *path)
{
    int fd = open(work, O_RDONLY);
    int bad = fd < 0 || fsync(fd) != 0;
    if (fd >= 0)
        close(fd);
    return bad || rename(work, path) != 0 ? -1 : 0;
}

/*
 * A run killed with SIGKILL (kill -9, Slurm past its grace time, the OOM
 * killer) leaves its NAME.tmp-HOST-PID behind (and NAME.tmp-HOST-PID.c, an
 * index's compact copy): for the single file a full copy of it.  Requeued twins would fill the disk with
 * them, so each opening removes those in DIR of this host whose process is gone (with BASE, only NAME =
 * BASE); another host's are left alone.
 */
void tc_store_remove_stale_(const char *dir, const char *base, const char *host)
{
    char mark[128];
    DIR *d = opendir(dir);
    size_t nm = (size_t)snprintf(mark, sizeof mark, ".tmp-%s-", host);
    for (struct dirent *e; d && nm < sizeof mark && (e = readdir(d));) {
        const char *at = strstr(e->d_name, mark), *pid = at ? at + nm : NULL;
        if (!at || (base && ((size_t)(at - e->d_name) != strlen(base) ||
                             strncmp(e->d_name, base, strlen(base)) != 0)))
            continue;
        size_t digits = strspn(pid, "0123456789"); /* NAME.tmp-HOST-PID, or its compact copy PID.c */
        if (!digits || (pid[digits] && strcmp(pid + digits, ".c") != 0))
            continue;
        long p = strtol(pid, NULL, 10);
        if (p <= 0 || p == (long)getpid() || kill((pid_t)p, 0) == 0 || errno != ESRCH)
            continue;
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        char *full = malloc(len);
        if (!full)
            continue;
        snprintf(full, len, "%s/%s", dir, e->d_name);
        if (unlink(full) == 0)
            fprintf(stderr, "twincast: removed %s, left by a run that was killed (process %ld is gone)\n",
                    full, p);
        free(full);
    }
    if (d)
        closedir(d);
}

/*
 * Where epoch E of an index file lives, relative to the index's directory:
 * BASE.epochs/DDD/EEEEEE.h5, a thousand epochs per folder, because parallel
 * file systems slow down on directories of very many files.
 */
void tc_store_epoch_name_(const char *epochs, int epoch, char *out, size_t n)
{
    snprintf(out, n, "%s/%03d/%06d.h5", epochs, epoch / 1000, epoch);
}

/* mkdir -p of the folders of FILE (a path with at most a few missing levels). */
int tc_store_make_dirs_(const char *file, char *err, size_t errlen)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", file);
    for (char *p = strchr(dir + 1, '/'); p; p = strchr(p + 1, '/')) {
        *p = '\0';
        if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "%s: cannot create the epochs folder: %s", dir, strerror(errno));
            return -1;
        }
        *p = '/';
    }
    return 0;
}
