/*
 * bands.c - per-bin bands as mergeable histograms.  Each (bin, station)
 * column is an array of (cell code, count) sorted by code: the cells a
 * column's values fall in are few (a waiting level spans a few powers of
 * two, 2048 cells each), however many replications there are.  New values
 * wait in a small buffer of their cells and are merged in, sorted, when it
 * fills: a sequential pass where a hash table took a cache miss per value
 * (the columns of line5 outgrow the caches; their inserts had been a
 * seventh of a forecast's time).
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
#define PEND_MOST   1024u /* 4 kB a column; a merge's pass over up to 8192 cells then costs 9 moves a value */

typedef struct column {
    uint64_t *cell; /* [cap]: code << 32 | count, ascending by code, `used` of them */
    uint32_t *pend; /* [the set's pend]: the finest cells of values not merged yet, `npend` of them */
    uint32_t cap, used, npend;
    uint32_t level;   /* cells are 2^level finest cells wide (coarsened to stay within the budget) */
    uint32_t n;       /* waiting levels counted (not NaN) */
    uint32_t n_share; /* bottleneck shares counted */
    uint64_t share;   /* sum of the shares in units of 2^-32: exact, so any order gives the same */
} column;

struct tc_bands {
    int T, S;
    uint32_t budget; /* cells per column: the same for every set of one shape, so all agree */
    uint32_t pend;   /* values a column buffers before merging them: half its budget, at most PEND_MOST */
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
    b->pend = b->budget / 2 < PEND_MOST ? b->budget / 2 : PEND_MOST;
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
    for (size_t i = 0; i < (size_t)b->T * (size_t)b->S; i++) {
        free(b->col[i].cell);
        free(b->col[i].pend);
    }
    free(b->col);
    free(b);
}

void tc_bands_clear(tc_bands *b)
{
    for (size_t i = 0; i < (size_t)b->T * (size_t)b->S; i++) {
        column *c = &b->col[i];
        c->used = c->npend = c->n = c->n_share = 0; /* the level stays: later values are no finer */
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

/* Room for `need` cells: grown by half again, but never past what a merge can need. */
static int column_room(column *c, uint32_t need, uint32_t most)
{
    if (need <= c->cap)
        return 0;
    uint32_t cap = c->cap + c->cap / 2 > need ? c->cap + c->cap / 2 : need;
    cap = cap < 16 ? 16 : cap > most && need <= most ? most : cap;
    uint64_t *cell = realloc(c->cell, sizeof *cell * cap);
    if (!cell)
        return -1;
    c->cell = cell;
    c->cap = cap;
    return 0;
}

/* The column's cells 2^by times coarser, in place: coarsening keeps the codes in order. */
static void column_coarsen(column *c, uint32_t by)
{
    uint32_t m = 0;
    for (uint32_t k = 0; k < c->used; k++) {
        uint64_t code = coarser((uint32_t)(c->cell[k] >> 32), by), count = (uint32_t)c->cell[k];
        if (m > 0 && c->cell[m - 1] >> 32 == code)
            c->cell[m - 1] += count;
        else
            c->cell[m++] = code << 32 | count;
    }
    c->used = m;
    c->level += by;
}

/*
 * Coarsened until it fits the budget.  Its level is then the least at
 * which all its values fit: a function of the values alone, not of their
 * order or grouping, so merges in any order agree.
 */
static void column_fit(column *c, uint32_t budget)
{
    while (c->used > budget)
        column_coarsen(c, 1);
}

/*
 * Adds n cells (code << 32 | count at the column's level, ascending, each
 * code once): merged from the back into the room after the column's own,
 * then the part that equal codes left unused closed up.
 */
static int column_merge(column *c, const uint64_t *in, uint32_t n, uint32_t budget, uint32_t most)
{
    if (column_room(c, c->used + n, most) != 0)
        return -1;
    uint32_t i = c->used, j = n, k = c->used + n;
    while (j > 0) {
        uint64_t x = in[j - 1];
        if (i > 0 && c->cell[i - 1] >> 32 > x >> 32) {
            c->cell[--k] = c->cell[--i];
        } else if (i > 0 && c->cell[i - 1] >> 32 == x >> 32) {
            c->cell[--k] = c->cell[--i] + (uint32_t)x;
            j--;
        } else {
            c->cell[--k] = x;
            j--;
        }
    }
    uint32_t tail = c->used + n - k;
    if (k > i)
        memmove(c->cell + i, c->cell + k, sizeof *c->cell * tail);
    c->used = i + tail;
    column_fit(c, budget);
    return 0;
}

/* Brings a column to at least `level` before cells of that level are added. */
static void column_reach(column *c, uint32_t level, uint32_t budget)
{
    if (level > c->level)
        column_coarsen(c, level - c->level);
    column_fit(c, budget);
}

/* Sorts n codes: least significant byte first, stable counting passes through tmp, as far as the largest. */
static void sort_codes(uint32_t *code, uint32_t *tmp, uint32_t n, uint32_t largest)
{
    for (int shift = 0; shift < 32 && (largest >> shift) != 0; shift += 8) {
        uint32_t start[257] = {0};
        for (uint32_t k = 0; k < n; k++)
            start[((code[k] >> shift) & 0xff) + 1]++;
        for (int d = 0; d < 256; d++)
            start[d + 1] += start[d];
        for (uint32_t k = 0; k < n; k++)
            tmp[start[(code[k] >> shift) & 0xff]++] = code[k];
        memcpy(code, tmp, sizeof *code * n);
    }
}

/* The buffered values merged in: their cells at the column's level, sorted, counted, merged. */
static int column_settle(column *c, const tc_bands *b)
{
    uint32_t tmp[PEND_MOST], largest = 0, m = 0;
    uint64_t run[PEND_MOST];
    if (c->npend == 0)
        return 0;
    for (uint32_t k = 0; k < c->npend; k++) {
        c->pend[k] = coarser(c->pend[k], c->level);
        largest = c->pend[k] > largest ? c->pend[k] : largest;
    }
    sort_codes(c->pend, tmp, c->npend, largest);
    for (uint32_t k = 0; k < c->npend; k++)
        if (m > 0 && run[m - 1] >> 32 == c->pend[k])
            run[m - 1]++;
        else
            run[m++] = (uint64_t)c->pend[k] << 32 | 1;
    c->npend = 0;
    return column_merge(c, run, m, b->budget, b->budget + b->pend);
}

/* One value's finest cell, buffered. */
static int column_count(column *c, const tc_bands *b, uint32_t code)
{
    if (!c->pend && !(c->pend = malloc(sizeof *c->pend * b->pend)))
        return -1;
    c->pend[c->npend++] = code;
    return c->npend == b->pend ? column_settle(c, b) : 0;
}

/*
 * Every column's buffered values merged in.  The set's content, as
 * summarise, pack and merge read it, does not change: so those settle a set
 * they are handed as const (never while threads add to it).
 */
static int settle(const tc_bands *cb)
{
    tc_bands *b = (tc_bands *)cb; // NOLINT: only the representation changes
    for (size_t i = 0; i < (size_t)b->T * (size_t)b->S; i++)
        if (column_settle(&b->col[i], b) != 0)
            return -1;
    return 0;
}

/* Adds n cells (code << 32 | count, ascending) given at `level`, coarsened to the column's on the way. */
static int column_absorb(column *d, const tc_bands *b, const uint64_t *in, uint32_t n, uint32_t level)
{
    column_reach(d, level, b->budget);
    uint64_t *run = n ? malloc(sizeof *run * n) : NULL;
    uint32_t m = 0, by = d->level - level;
    if (n && !run)
        return -1;
    for (uint32_t k = 0; k < n; k++) {
        uint64_t code = coarser((uint32_t)(in[k] >> 32), by), count = (uint32_t)in[k];
        if (m > 0 && run[m - 1] >> 32 == code)
            run[m - 1] += count;
        else
            run[m++] = code << 32 | count;
    }
    int rc = column_merge(d, run, m, b->budget, 2 * b->budget);
    free(run);
    return rc;
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
                if (column_count(c, b, cell_of(w)) != 0)
                    return TC_ERR_RUNTIME;
                c->n++;
            }
            if (!isnan(v)) {
                v = v < 0 ? 0 : v > 1 ? 1 : v;
                c->share += (uint64_t)(v * 4294967296.0 +
                                       0.5); /* exact: v * 2^32 < 2^33, so + 0.5 rounds nothing; = llround */
                c->n_share++;
            }
        }
    }
    return TC_OK;
}

tc_status tc_bands_settle(tc_bands *b, size_t lo, size_t hi)
{
    for (size_t i = lo; i < hi; i++)
        if (column_settle(&b->col[i], b) != 0)
            return TC_ERR_RUNTIME;
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
    if (settle(src) != 0)
        return TC_ERR_RUNTIME;
    for (size_t i = 0; i < (size_t)src->T * (size_t)src->S; i++) {
        const column *s = &src->col[i];
        column *d = &dst->col[i];
        if (column_absorb(d, dst, s->cell, s->used, s->level) != 0)
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
    if (settle(b) != 0)
        return 0;
    for (size_t i = 0; i < (size_t)b->T * (size_t)b->S; i++)
        w += 6 + 2 * (size_t)b->col[i].used;
    return w;
}

void tc_bands_pack(const tc_bands *b, uint32_t *out)
{
    settle(b); /* settled already by tc_bands_packed_words, which a caller asks first */
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
        for (uint32_t k = 0; k < c->used; k++) {
            *out++ = (uint32_t)(c->cell[k] >> 32) + 1;
            *out++ = (uint32_t)c->cell[k];
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
    uint64_t *cells = apply ? malloc(sizeof *cells * (dst->budget ? dst->budget : 1)) : NULL;
    if (apply && !cells)
        return TC_ERR_RUNTIME;
    tc_status st = TC_OK;
    for (size_t i = 0; st == TC_OK && i < (size_t)dst->T * (size_t)dst->S; i++) {
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
        }
        in += 6;
        if ((size_t)(end - in) < 2 * (size_t)used)
            return TC_ERR_INPUT;
        for (uint32_t k = 0; k < used; k++, in += 2) /* codes + 1, ascending: as tc_bands_pack writes them */
            if (!in[0] || (k > 0 && in[0] <= in[-2]))
                return TC_ERR_INPUT;
            else if (apply)
                cells[k] = (uint64_t)(in[0] - 1) << 32 | in[1];
        if (apply && column_absorb(d, dst, cells, used, level) != 0)
            st = TC_ERR_RUNTIME;
    }
    free(cells);
    if (st == TC_OK && apply)
        dst->R += R;
    return st != TC_OK ? st : in == end ? TC_OK : TC_ERR_INPUT;
}

tc_status tc_bands_merge_packed(tc_bands *dst, const uint32_t *in, size_t words)
{
    tc_status st = walk_packed(dst, in, words, 0); /* checked whole first: never half-applied */
    return st == TC_OK ? walk_packed(dst, in, words, 1) : st;
}

/*
 * One column's quantiles from its cells sorted by code (pairs code, count).
 * Type 7: order statistics lo = floor((n-1)p) and lo + 1, 0-based.
 */
static double column_quantiles(const uint64_t *cell, uint32_t ncell, uint32_t n, uint32_t level,
                               const double *p, int np, double *out)
{
#define CODE(x)  ((uint32_t)((x) >> 32))
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
    if (settle(b) != 0)
        return TC_ERR_RUNTIME;
    double worst = 0;
    uint32_t level = 0;
    for (size_t i = 0; i < TS; i++) {
        const column *c = &b->col[i];
        double e = column_quantiles(c->cell, c->used, c->n, c->level, p, np, quantiles + i * (size_t)np);
        worst = e > worst ? e : worst;
        probability[i] = c->n_share ? ldexp((double)c->share, -32) / c->n_share : NAN;
        level = c->level > level ? c->level : level;
    }
    *rank_error = worst;
    *resolution = ldexp(TC_BANDS_RESOLUTION, (int)level);
    return TC_OK;
}
