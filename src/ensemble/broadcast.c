/* broadcast.c - one packed, versioned job buffer; shares; ordered gathers. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "twincast/broadcast.h"

#define TAG_BANDS 78 /* replicate.c's abandon messages are 77 */

#define MAGIC 0x4a435754u /* "TWCJ" */
#define BOM   0x01020304u

typedef struct packer {
    char *buf;
    size_t len, cap, pos;
    int bad;
} packer;

static void put(packer *p, const void *v, size_t n)
{
    if (p->bad)
        return;
    if (p->len + n > p->cap) {
        size_t ncap = p->cap ? p->cap * 2 : 4096;
        while (ncap < p->len + n)
            ncap *= 2;
        char *nb = realloc(p->buf, ncap);
        if (!nb) {
            p->bad = 1;
            return;
        }
        p->buf = nb;
        p->cap = ncap;
    }
    memcpy(p->buf + p->len, v, n);
    p->len += n;
}

static void put_str(packer *p, const char *s)
{
    uint64_t n = s ? strlen(s) + 1 : 0; /* 0 = NULL */
    put(p, &n, sizeof n);
    if (s)
        put(p, s, n);
}

static void get(packer *p, void *v, size_t n)
{
    if (p->bad || p->pos + n > p->len) {
        p->bad = 1;
        memset(v, 0, n);
        return;
    }
    memcpy(v, p->buf + p->pos, n);
    p->pos += n;
}

static char *get_str(packer *p)
{
    uint64_t n;
    get(p, &n, sizeof n);
    if (n == 0 || p->bad)
        return NULL;
    if (p->pos + n > p->len || p->buf[p->pos + n - 1] != '\0') {
        p->bad = 1;
        return NULL;
    }
    char *s = malloc(n);
    if (!s) {
        p->bad = 1;
        return NULL;
    }
    memcpy(s, p->buf + p->pos, n);
    p->pos += n;
    return s;
}

static void pack(packer *p, const tc_job *j)
{
    uint32_t head[3] = {MAGIC, TC_JOB_VERSION, BOM};
    int64_t ints[5] = {j->replications, j->min_replications, j->threads, j->rank0_works, j->n_scenarios};
    double reals[4] = {j->horizon, j->bin_width, j->precision, j->start};
    uint32_t seed = j->seed;
    put(p, head, sizeof head);
    put(p, ints, sizeof ints);
    put(p, reals, sizeof reals);
    put(p, &seed, sizeof seed);
    put_str(p, j->model_text);
    put_str(p, j->model_origin);
    put_str(p, j->state_text);
    put_str(p, j->state_origin);
    for (int i = 0; i < j->n_scenarios; i++)
        put_str(p, j->scenarios[i]);
}

static int unpack(packer *p, tc_job *j, char *err, size_t errlen)
{
    uint32_t head[3];
    int64_t ints[5];
    double reals[4];
    get(p, head, sizeof head);
    if (p->bad || head[0] != MAGIC || head[2] != BOM || head[1] != TC_JOB_VERSION) {
        snprintf(err, errlen,
                 "the job broadcast by rank 0 is not version %d of this build "
                 "(are all ranks running the same twincast on the same architecture?)",
                 TC_JOB_VERSION);
        return -1;
    }
    get(p, ints, sizeof ints);
    get(p, reals, sizeof reals);
    get(p, &j->seed, sizeof j->seed);
    j->replications = (long)ints[0];
    j->min_replications = (long)ints[1];
    j->threads = (int)ints[2];
    j->rank0_works = (int)ints[3];
    j->n_scenarios = (int)ints[4];
    j->horizon = reals[0];
    j->bin_width = reals[1];
    j->precision = reals[2];
    j->start = reals[3];
    j->model_text = get_str(p);
    j->model_origin = get_str(p);
    j->state_text = get_str(p);
    j->state_origin = get_str(p);
    if (!p->bad && j->n_scenarios > 0 && j->n_scenarios < 100000) {
        j->scenarios = calloc((size_t)j->n_scenarios, sizeof *j->scenarios);
        for (int i = 0; j->scenarios && i < j->n_scenarios; i++)
            j->scenarios[i] = get_str(p);
        if (!j->scenarios)
            p->bad = 1;
    }
    if (p->bad || !j->model_text) {
        snprintf(err, errlen, "the job broadcast by rank 0 is truncated or corrupt");
        return -1;
    }
    return 0;
}

tc_status tc_job_broadcast(tc_job *job, MPI_Comm comm, char *err, size_t errlen)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    packer p = {0};
    uint64_t len = 0;
    if (rank == 0) {
        pack(&p, job);
        len = p.bad ? 0 : p.len;
    }
    MPI_Bcast(&len, 1, MPI_UINT64_T, 0, comm);
    if (len == 0 || len > (uint64_t)INT32_MAX) {
        free(p.buf);
        snprintf(err, errlen, "cannot broadcast the job (out of memory, or larger than 2 GiB)");
        return TC_ERR_RUNTIME;
    }
    if (rank != 0 && !(p.buf = malloc(len))) {
        snprintf(err, errlen, "out of memory for the job");
        return TC_ERR_RUNTIME;
    }
    p.len = len;
    MPI_Bcast(p.buf, (int)len, MPI_BYTE, 0, comm);
    job->packed_bytes = len;
    tc_status st = TC_OK;
    if (rank != 0) {
        memset(job, 0, sizeof *job);
        job->packed_bytes = len;
        if (unpack(&p, job, err, errlen) != 0)
            st = TC_ERR_RUNTIME;
    }
    free(p.buf);
    return st;
}

void tc_job_clear(tc_job *j)
{
    free(j->model_text);
    free(j->model_origin);
    free(j->state_text);
    free(j->state_origin);
    for (int i = 0; i < j->n_scenarios && j->scenarios; i++)
        free(j->scenarios[i]);
    free(j->scenarios);
    memset(j, 0, sizeof *j);
}

void tc_share(long first, long count, int rank, int nranks, int rank0_works, long *lo, long *n)
{
    int workers = rank0_works || nranks == 1 ? nranks : nranks - 1;
    int w = rank0_works || nranks == 1 ? rank : rank - 1;
    if (w < 0) {
        *lo = first;
        *n = 0;
        return;
    }
    long base = count / workers, extra = count % workers;
    *lo = first + w * base + (w < extra ? w : extra);
    *n = base + (w < extra ? 1 : 0);
}

/*
 * The per-bin bands summed over ranks to rank 0 along a binomial tree:
 * log2(P) rounds, each a message the size of one rank's bands (which does
 * not grow with the replications).  A rank that cannot pack sends an empty
 * message, so that no receiver waits for ever; the failure is agreed after.
 */
static int bands_reduce(tc_bands *mine, MPI_Comm comm, int rank, int size, size_t *received)
{
    int st = TC_OK;
    for (int step = 1; step < size; step <<= 1) {
        if (rank & step) {
            size_t words = tc_bands_packed_words(mine);
            uint32_t *buf = st == TC_OK && words <= INT_MAX ? malloc(sizeof(uint32_t) * words) : NULL;
            if (buf)
                tc_bands_pack(mine, buf);
            int sent = buf ? (int)words : 0;
            MPI_Send(buf, sent, MPI_UINT32_T, rank - step, TAG_BANDS, comm);
            free(buf);
            return sent ? st : TC_ERR_RUNTIME;
        }
        if (rank + step < size) {
            MPI_Status ms;
            int words = 0;
            MPI_Probe(rank + step, TAG_BANDS, comm, &ms);
            MPI_Get_count(&ms, MPI_UINT32_T, &words);
            uint32_t *buf = malloc(sizeof(uint32_t) * (size_t)(words > 0 ? words : 1));
            MPI_Recv(buf, buf ? words : 0, MPI_UINT32_T, rank + step, TAG_BANDS, comm, MPI_STATUS_IGNORE);
            if (!buf || words == 0 || tc_bands_merge_packed(mine, buf, (size_t)words) != TC_OK)
                st = TC_ERR_RUNTIME;
            *received += (size_t)words;
            free(buf);
        }
    }
    return st;
}

tc_status tc_sample_gather(const tc_sample *local, long n_local, tc_sample *global, long row, MPI_Comm comm,
                           char *err, size_t errlen)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    long long mine = n_local;
    long long *counts = rank == 0 ? calloc((size_t)size, sizeof *counts) : NULL;
    int *rc = rank == 0 ? calloc((size_t)size, sizeof *rc) : NULL;
    int *displ = rank == 0 ? calloc((size_t)size, sizeof *displ) : NULL;
    int ok = rank != 0 || (counts && rc && displ);
    MPI_Gather(&mine, 1, MPI_LONG_LONG, counts, 1, MPI_LONG_LONG, 0, comm);
    long total = 0;
    if (rank == 0 && ok) {
        for (int i = 0; i < size; i++)
            total += (long)counts[i];
        ok = tc_sample_reserve(global, row + total) == TC_OK;
    }
    MPI_Bcast(&ok, 1, MPI_INT, 0, comm);
    if (!ok) {
        free(counts);
        free(rc);
        free(displ);
        snprintf(err, errlen, "out of memory gathering the results");
        return TC_ERR_RUNTIME;
    }
    for (int pass = 0; pass < TC_M_COUNT + TC_P_COUNT; pass++) {
        int is_product = pass >= TC_M_COUNT;
        long width = is_product ? local->P : local->S;
        const double *src = is_product ? local->p[pass - TC_M_COUNT] : local->m[pass];
        double *dst = NULL;
        if (rank == 0 && rc && counts && displ) { /* all three exist whenever ok */
            long off = 0;
            for (int i = 0; i < size; i++) {
                rc[i] = (int)(counts[i] * width);
                displ[i] = (int)off;
                off += counts[i] * width;
            }
            dst = (is_product ? global->p[pass - TC_M_COUNT] : global->m[pass]) + row * width;
        }
        MPI_Gatherv(src, (int)(n_local * width), MPI_DOUBLE, dst, rc, displ, MPI_DOUBLE, 0, comm);
    }
    if (rank == 0)
        global->R = row + total;
    free(counts);
    free(rc);
    free(displ);
    return TC_OK;
}

tc_status tc_bands_reduce(tc_sample *local, tc_sample *global, MPI_Comm comm, size_t *received, char *err,
                          size_t errlen)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    int st = bands_reduce(local->bands, comm, rank, size, received);
    if (st == TC_OK && rank == 0 && tc_bands_replications(global->bands) == 0) {
        tc_bands *empty = global->bands; /* the first batch: adopted, not copied (rank 0 holds one set) */
        global->bands = local->bands;
        local->bands = empty;
    } else if (st == TC_OK && rank == 0) {
        st = tc_bands_merge(global->bands, local->bands);
    }
    int worst = st;
    MPI_Allreduce(&st, &worst, 1, MPI_INT, MPI_MAX, comm);
    if ((st = worst) != TC_OK)
        snprintf(err, errlen, "out of memory reducing the per-bin bands");
    return (tc_status)st;
}
