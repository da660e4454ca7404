/*
 * bands.c - per-bin bands as mergeable histograms.  Each (bin, station)
 * column is a small open-addressing table from cell code to count: the
 * cells a column's values fall in are few (a waiting level spans a few
 * powers of two, 4096 cells each), however many replications there are.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "twincast/bands.h"

#define DROP_BITS   41         /* 52 mantissa bits - 11 kept */
#define MOST_CELLS  8192u      /* cells a column may hold: its memory is bounded whatever the replications */
#define LEAST_CELLS 256u       /* .. and with many columns, at least this many */
#define ALL_CELLS   (1u << 23) /* .. so that all columns hold about 8 M cells (some 128 MB) at most */
#define MAX_LEVEL   24u

typedef struct column {
    uint32_t *slot; /* [2 * cap]: cell code + 1 (0: empty), count */
    uint32_t cap, used;
    uint32_t level;   /* cells are 2^level finest cells wide (coarsened to stay within the budget) */
    uint32_t n;       /* waiting levels counted (not NaN) */
    uint32_t n_share; /* bottleneck shares counted */
    uint64_t share;   /* sum of the shares in units of 2^-32: exact, so any order gives the same */
} column;

struct tc_bands {
    int T, S;
    uint32_t budget; /* cells per column: the same for every set of one shape, so all agree */
    long R;
    column *col; /* [T * S] */
};

tc_bands *tc_bands_create(int T, int S)
{
    tc_bands *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->T = T;
    b->S = S;
    size_t share = ALL_CELLS / ((size_t)T * (size_t)S + 1);
    for (b->budget = MOST_CELLS; b->budget > LEAST_CELLS && b->budget > share;)
        b->budget /= 2;
    if (!(b->col = calloc((size_t)T * (size_t)S + 1, sizeof *b->col))) {
        free(b);
        return NULL;
    }
    return b;
}

void tc_bands_destroy(tc_bands *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < (size_t)b->T * (size_t)b->S; i++)
        free(b->col[i].slot);
    free(b->col);
    free(b);
}

void tc_bands_clear(tc_bands *b)
{
    for (size_t i = 0; i < (size_t)b->T * (size_t)b->S; i++) {
        column *c = &b->col[i];
        if (c->slot)
            memset(c->slot, 0, sizeof(uint32_t) * 2 * c->cap);
        c->used = c->n = c->n_share = 0;
        c->share = 0;
    }
    b->R = 0;
}

long tc_bands_replications(const tc_bands *b)
{
    return b->R;
}

/*
 * A value's cell: its bits with the 41 lowest mantissa bits dropped, 2048
 * cells per power of two from 2^-20 jobs up, index OCTAVE onwards, so that
 * coarser cells (2, 4, .. 2048 of them grouped) still start on powers of
 * two and integers; index 0 holds 0 (its edge) and what is below 2^-20 (a
 * millionth of a job waiting is none).  Its code is 2 * index, + 1 unless
 * the value sits exactly on the cell's lower edge.
 */
#define OCTAVE    2048u
#define FLOOR_KEY ((UINT32_C(0x3ff) - 20) << 11) /* 2^-20's bits >> 41: a multiple of OCTAVE */

static uint32_t cell_of(double x)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    if (!(x > 0))
        return 0; /* 0, and nothing below it: waiting levels are not negative */
    uint32_t key = (uint32_t)(bits >> DROP_BITS);
    if (key < FLOOR_KEY)
        return 1;
    return (key - FLOOR_KEY + OCTAVE) << 1 | ((bits & ((UINT64_C(1) << DROP_BITS) - 1)) != 0);
}

/*
 * The same cell 2^by times coarser: finest cells grouped by their index.
 * A point cell stays one only on the coarser cell's own lower edge.
 */
static uint32_t coarser(uint32_t code, uint32_t by)
{
    uint32_t index = code >> 1, inside = (code & 1) | ((index & ((1u << by) - 1)) != 0);
    return (index >> by) << 1 | inside;
}

static double cell_edge(uint32_t code, uint32_t level)
{
    uint32_t i = (code >> 1) << level;
    if (i < OCTAVE)
        return 0;
    uint64_t bits = (uint64_t)(i - OCTAVE + FLOOR_KEY) << DROP_BITS;
    double x;
    memcpy(&x, &bits, sizeof x);
    return x;
}

static uint32_t *find_slot(uint32_t *slot, uint32_t cap, uint32_t key)
{
    uint32_t h = key * 0x9E3779B1u;
    uint32_t i = (h ^ (h >> 15)) & (cap - 1);
    while (slot[2 * i] && slot[2 * i] != key)
        i = (i + 1) & (cap - 1);
    return &slot[2 * i];
}

static int column_grow(column *c)
{
    uint32_t cap = c->cap ? 2 * c->cap : 8;
    uint32_t *slot = calloc((size_t)cap * 2, sizeof *slot);
    if (!slot)
        return -1;
    for (uint32_t i = 0; i < c->cap; i++)
        if (c->slot[2 * i]) {
            uint32_t *t = find_slot(slot, cap, c->slot[2 * i]);
            t[0] = c->slot[2 * i];
            t[1] = c->slot[2 * i + 1];
        }
    free(c->slot);
    c->slot = slot;
    c->cap = cap;
    return 0;
}

static int column_insert(column *c, uint32_t code, uint32_t count)
{
    if (10 * (uint64_t)(c->used + 1) > 7 * (uint64_t)c->cap && column_grow(c) != 0)
        return -1;
    uint32_t *t = find_slot(c->slot, c->cap, code + 1);
    if (!t[0]) {
        t[0] = code + 1;
        c->used++;
    }
    t[1] += count;
    return 0;
}

/* The column's cells 2^by times coarser: its counts regrouped, in a table of the same size. */
static int column_coarsen(column *c, uint32_t by)
{
    column n = {.cap = c->cap, .level = c->level + by, .n = c->n, .n_share = c->n_share, .share = c->share};
    if (!(n.slot = calloc((size_t)n.cap * 2, sizeof *n.slot)))
        return -1;
    for (uint32_t k = 0; k < c->cap; k++)
        if (c->slot[2 * k] && column_insert(&n, coarser(c->slot[2 * k] - 1, by), c->slot[2 * k + 1]) != 0) {
            free(n.slot);
            return -1;
        }
    free(c->slot);
    *c = n;
    return 0;
}

/*
 * Counts a cell given at `level` (at most the column's).  A column that
 * goes over `budget` cells is coarsened until it fits.  Its level is then the
 * least at which all its values fit the budget: a function of the values
 * alone, not of their order or grouping, so merges in any order agree.
 */
static int column_count(column *c, uint32_t code, uint32_t level, uint32_t count, uint32_t budget)
{
    if (column_insert(c, coarser(code, c->level - level), count) != 0)
        return -1;
    while (c->used > budget)
        if (column_coarsen(c, 1) != 0)
            return -1;
    return 0;
}

/* Brings a column to at least `level` before cells of that level are added. */
static int column_reach(column *c, uint32_t level, uint32_t budget)
{
    if (level <= c->level)
        return 0;
    if (column_coarsen(c, level - c->level) != 0)
        return -1;
    while (c->used > budget)
        if (column_coarsen(c, 1) != 0)
            return -1;
    return 0;
}

tc_status tc_bands_add_columns(tc_bands *b, const double *waiting, const double *bottleneck, int rows,
                               size_t lo, size_t hi)
{
    size_t TS = (size_t)b->T * (size_t)b->S;
    for (size_t i = lo; i < hi; i++) { /* column by column: its table stays in cache for all the rows */
        column *c = &b->col[i];
        for (int r = 0; r < rows; r++) {
            double w = waiting[(size_t)r * TS + i], v = bottleneck[(size_t)r * TS + i];
            if (!isnan(w)) {
                if (column_count(c, cell_of(w), 0, 1, b->budget) != 0)
                    return TC_ERR_RUNTIME;
                c->n++;
            }
            if (!isnan(v)) {
                v = v < 0 ? 0 : v > 1 ? 1 : v;
                c->share += (uint64_t)llround(ldexp(v, 32));
                c->n_share++;
            }
        }
    }
    return TC_OK;
}

void tc_bands_count(tc_bands *b, long replications)
{
    b->R += replications;
}

tc_status tc_bands_add(tc_bands *b, const double *waiting, const double *bottleneck)
{
    tc_status st = tc_bands_add_columns(b, waiting, bottleneck, 1, 0, (size_t)b->T * (size_t)b->S);
    if (st == TC_OK)
        b->R++;
    return st;
}

tc_status tc_bands_merge(tc_bands *dst, const tc_bands *src)
{
    if (dst->T != src->T || dst->S != src->S)
        return TC_ERR_INPUT;
    for (size_t i = 0; i < (size_t)src->T * (size_t)src->S; i++) {
        const column *s = &src->col[i];
        column *d = &dst->col[i];
        if (column_reach(d, s->level, dst->budget) != 0)
            return TC_ERR_RUNTIME;
        for (uint32_t k = 0; k < s->cap; k++)
            if (s->slot[2 * k] &&
                column_count(d, s->slot[2 * k] - 1, s->level, s->slot[2 * k + 1], dst->budget) != 0)
                return TC_ERR_RUNTIME;
        d->n += s->n;
        d->n_share += s->n_share;
        d->share += s->share;
    }
    dst->R += src->R;
    return TC_OK;
}

/* Layout: T, S, R (2 words); per column n, n_share, share (2 words), used, level, then used (code + 1, count)
 * pairs. */
size_t tc_bands_packed_words(const tc_bands *b)
{
    size_t w = 4;
    for (size_t i = 0; i < (size_t)b->T * (size_t)b->S; i++)
        w += 6 + 2 * (size_t)b->col[i].used;
    return w;
}

void tc_bands_pack(const tc_bands *b, uint32_t *out)
{
    *out++ = (uint32_t)b->T;
    *out++ = (uint32_t)b->S;
    *out++ = (uint32_t)((uint64_t)b->R & 0xffffffffu);
    *out++ = (uint32_t)((uint64_t)b->R >> 32);
    for (size_t i = 0; i < (size_t)b->T * (size_t)b->S; i++) {
        const column *c = &b->col[i];
        *out++ = c->n;
        *out++ = c->n_share;
        *out++ = (uint32_t)(c->share & 0xffffffffu);
        *out++ = (uint32_t)(c->share >> 32);
        *out++ = c->used;
        *out++ = c->level;
        for (uint32_t k = 0; k < c->cap; k++)
            if (c->slot[2 * k]) {
                *out++ = c->slot[2 * k];
                *out++ = c->slot[2 * k + 1];
            }
    }
}

/* Walks a packed copy: whether it fits dst's shape and is whole; with apply, adds it. */
static tc_status walk_packed(tc_bands *dst, const uint32_t *in, size_t words, int apply)
{
    const uint32_t *end = in + words;
    if (words < 4 || in[0] != (uint32_t)dst->T || in[1] != (uint32_t)dst->S)
        return TC_ERR_INPUT;
    long R = (long)((uint64_t)in[2] | (uint64_t)in[3] << 32);
    in += 4;
    for (size_t i = 0; i < (size_t)dst->T * (size_t)dst->S; i++) {
        column *d = &dst->col[i];
        if (end - in < 6)
            return TC_ERR_INPUT;
        uint32_t used = in[4], level = in[5];
        if (level > MAX_LEVEL || used > dst->budget)
            return TC_ERR_INPUT;
        if (apply) {
            d->n += in[0];
            d->n_share += in[1];
            d->share += (uint64_t)in[2] | (uint64_t)in[3] << 32;
            if (column_reach(d, level, dst->budget) != 0)
                return TC_ERR_RUNTIME;
        }
        in += 6;
        if ((size_t)(end - in) < 2 * (size_t)used)
            return TC_ERR_INPUT;
        for (uint32_t k = 0; k < used; k++, in += 2)
            if (!in[0])
                return TC_ERR_INPUT;
            else if (apply && column_count(d, in[0] - 1, level, in[1], dst->budget) != 0)
                return TC_ERR_RUNTIME;
    }
    if (apply)
        dst->R += R;
    return in == end ? TC_OK : TC_ERR_INPUT;
}

tc_status tc_bands_merge_packed(tc_bands *dst, const uint32_t *in, size_t words)
{
    tc_status st = walk_packed(dst, in, words, 0); /* checked whole first: never half-applied */
    return st == TC_OK ? walk_packed(dst, in, words, 1) : st;
}

/*
 * Sorts n cells (code + 1, count) by code: least significant byte first,
 * four stable counting passes through tmp, O(n), where qsort had been a
 * tenth of a forecast's time.
 */
static void sort_cells(uint64_t *cell, uint64_t *tmp, uint32_t n)
{
    for (int shift = 32; shift < 64; shift += 8) {
        size_t start[257] = {0};
        for (uint32_t k = 0; k < n; k++)
            start[((cell[k] >> shift) & 0xff) + 1]++;
        for (int d = 0; d < 256; d++)
            start[d + 1] += start[d];
        for (uint32_t k = 0; k < n; k++)
            tmp[start[(cell[k] >> shift) & 0xff]++] = cell[k];
        memcpy(cell, tmp, sizeof *cell * n);
    }
}

/*
 * One column's quantiles from its cells sorted by code (pairs code, count).
 * Type 7: order statistics lo = floor((n-1)p) and lo + 1, 0-based.
 */
static double column_quantiles(const uint64_t *cell, uint32_t ncell, uint32_t n, uint32_t level,
                               const double *p, int np, double *out)
{
#define CODE(x)  ((uint32_t)((x) >> 32) - 1)
#define COUNT(x) ((uint32_t)(x))
    double worst = 0;
    uint32_t k = 0;     /* the cell holding order statistic `below`.. */
    uint64_t below = 0; /* values in cells before k */
    for (int q = 0; q < np; q++) {
        if (n == 0) {
            out[q] = NAN;
            continue;
        }
        double h = (double)(n - 1) * p[q];
        uint64_t lo = (uint64_t)floor(h);
        double frac = h - (double)lo;
        while (k + 1 < ncell && below + COUNT(cell[k]) <= lo) /* p ascending: cells only move forward */
            below += COUNT(cell[k++]);
        uint32_t klo = k, khi = k;
        uint64_t b2 = below;
        if (frac > 0 && lo + 1 < n)
            while (khi + 1 < ncell && b2 + COUNT(cell[khi]) <= lo + 1)
                b2 += COUNT(cell[khi++]);
        double a = cell_edge(CODE(cell[klo]), level), z = cell_edge(CODE(cell[khi]), level);
        out[q] = frac > 0 ? a + frac * (z - a) : a;
        /* how far the quantile can be in rank: it lies between the two cells' edges, below every value
           of the upper cell, so only one cell's interior values can stand between it and its rank */
        uint64_t inside = (CODE(cell[klo]) & 1) ? COUNT(cell[klo]) : 0;
        if (khi != klo && (CODE(cell[khi]) & 1) && COUNT(cell[khi]) > inside)
            inside = COUNT(cell[khi]);
        if ((double)inside / n > worst)
            worst = (double)inside / n;
    }
    return worst;
#undef CODE
#undef COUNT
}

tc_status tc_bands_summarise(const tc_bands *b, const double *p, int np, double *quantiles,
                             double *probability, double *rank_error, double *resolution)
{
    size_t TS = (size_t)b->T * (size_t)b->S;
    uint32_t most = 1;
    for (size_t i = 0; i < TS; i++)
        most = b->col[i].used > most ? b->col[i].used : most;
    uint64_t *cell = malloc(sizeof(uint64_t) * 2 * most); /* code + 1 << 32 | count, then the sort's room */
    if (!cell)
        return TC_ERR_RUNTIME;
    uint64_t *tmp = cell + most;
    double worst = 0;
    for (size_t i = 0; i < TS; i++) {
        const column *c = &b->col[i];
        uint32_t m = 0;
        for (uint32_t k = 0; k < c->cap; k++)
            if (c->slot[2 * k])
                cell[m++] = (uint64_t)c->slot[2 * k] << 32 | c->slot[2 * k + 1];
        sort_cells(cell, tmp, m);
        double e = column_quantiles(cell, m, c->n, c->level, p, np, quantiles + i * (size_t)np);
        worst = e > worst ? e : worst;
        probability[i] = c->n_share ? ldexp((double)c->share, -32) / c->n_share : NAN;
    }
    free(cell);
    *rank_error = worst;
    uint32_t level = 0;
    for (size_t i = 0; i < TS; i++)
        level = b->col[i].level > level ? b->col[i].level : level;
    *resolution = ldexp(TC_BANDS_RESOLUTION, (int)level);
    return TC_OK;
}
