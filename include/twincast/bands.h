/*
 * bands.h - the per-bin bands of an ensemble as mergeable summaries: for
 * each (time bin, station), the distribution of the time-average waiting
 * level as a histogram with integer counts, and the bottleneck share as an
 * exact fixed-point sum.  Each rank (and each thread) adds its own
 * replications; merging is addition of counts, so the result is the same
 * whatever the order or the split, and its size does not grow with the
 * number of replications.  Knows nothing of the engine or of MPI: plain
 * numbers in, plain numbers out, a flat buffer to send.
 *
 * The cells: a value's cell is its IEEE-754 bits with the 41 lowest
 * mantissa bits dropped, so each power of two has 2048 cells and a cell's
 * width is at most 2^-11 (0.049%) of its lower edge; a value exactly on a
 * lower edge (0, every integer below 4096, ...) gets a point cell of its
 * own.  A quantile is the type-7 interpolation between the lower edges of
 * the cells holding the two order statistics it needs: within 2^-11 of
 * the exact quantile, relatively, and exact where they sit on edges.
 *
 * Memory: a column holds at most 8192 cells (fewer when there are more
 * than 1024 columns, so that all hold about 8 M cells; at least 256: a
 * 1000-station plant's 96,000 columns take at most about 430 MB, and their
 * rank error is then coarser), 8 bytes each, and buffers up to half as
 * many new values (at most 1024, 4 bytes each) before merging them in.
 * One that would hold more is
 * coarsened, two cells into one, until it fits; its coarseness is then the
 * least at which all its values fit, a function of the values alone, so
 * any order and grouping of merges still agree to the bit.  line5 (480
 * columns) so never takes more than 37 MB, whatever the replications; at
 * 10^5 of them its saturated columns are 2^-10 wide and the stated rank
 * error is 0.074%.
 * The resolution was chosen by measurement: at 2^-10 the stated rank
 * error of the factory with B down reached 0.15%; at 2^-11 it is 0.08%
 * (test_bands), under the 0.1% asked for.
 */
#ifndef TWINCAST_BANDS_H
#define TWINCAST_BANDS_H

#include <stddef.h>
#include <stdint.h>

#include "twincast/status.h"

#define TC_BANDS_RESOLUTION 0.00048828125 /* 2^-11: the relative width of a cell */

typedef struct tc_bands tc_bands;

tc_bands *tc_bands_create(int T, int S);
void tc_bands_destroy(tc_bands *b);
/* Forgets every replication added, keeping the room. */
void tc_bands_clear(tc_bands *b);
/* One replication's rows, each [T * S] (bin-major): NaN (an empty bin) is left out. */
tc_status tc_bands_add(tc_bands *b, const double *waiting, const double *bottleneck);
/*
 * The same in parts, for threads that share one set of bands: columns
 * [lo, hi) of `rows` replications' rows, one after another, each [T * S]
 * (each part under the caller's lock), and the count of replications so
 * added.
 */
tc_status tc_bands_add_columns(tc_bands *b, const double *waiting, const double *bottleneck, int rows,
                               size_t lo, size_t hi);
void tc_bands_count(tc_bands *b, long replications);
/*
 * Merges the values columns [lo, hi) still buffer (a column merges its
 * buffer when it fills, and the rest when read): threads may settle
 * disjoint ranges at once, so that this work is not left to one.
 */
tc_status tc_bands_settle(tc_bands *b, size_t lo, size_t hi);
tc_status tc_bands_merge(tc_bands *dst, const tc_bands *src);
long tc_bands_replications(const tc_bands *b);

/* A flat copy to send: the number of uint32 words, then the words. */
size_t tc_bands_packed_words(const tc_bands *b);
void tc_bands_pack(const tc_bands *b, uint32_t *out);
/* Adds a packed copy into dst; TC_ERR_INPUT if it does not fit dst's shape. */
tc_status tc_bands_merge_packed(tc_bands *dst, const uint32_t *in, size_t words);

/*
 * The bands: quantiles[T][S][np] of the waiting level at the ascending
 * levels p (NaN where a bin had no data), probability[T][S] the mean
 * bottleneck share, and *rank_error the largest fraction of the
 * replications of one column that lie strictly inside a cell a quantile was
 * read from: a bound on how far, in rank, a quantile can be from the exact
 * one; *resolution the relative width of the coarsest cell read (2^-11, or
 * a power of two more where a column was coarsened).  TC_ERR_RUNTIME when
 * memory runs out.
 */
tc_status tc_bands_summarise(const tc_bands *b, const double *p, int np, double *quantiles,
                             double *probability, double *rank_error, double *resolution);

#endif
