/*
 * rng.h - counter-based random streams (Philox4x32-10, Random123).
 *
 * A stream is addressed, not seeded: key = (seed, crn_key), counter =
 * (replication, stream, draw index).  The numbers a replication sees depend
 * only on that address, never on which thread or rank runs it, so results
 * are bit-identical for any split of the work; and two scenarios that use
 * the same crn_key see the same numbers (common random numbers).
 */
#ifndef TWINCAST_RNG_H
#define TWINCAST_RNG_H

#include <Random123/philox.h>
#include <stdint.h>

typedef struct tc_rng {
    philox4x32_key_t key;
    philox4x32_ctr_t ctr; /* v[0]=replication, v[1]=stream, v[2..3]=block */
    uint64_t buf[2];
    int avail;
} tc_rng;

/* Stream ids: one per source of randomness. */
#define TC_STREAM_ARRIVALS(src) (0x10000000u | (uint32_t)(src))
#define TC_STREAM_PROCESS(st)   (0x20000000u | (uint32_t)(st))
#define TC_STREAM_FAILURE(st)   (0x30000000u | (uint32_t)(st))
#define TC_STREAM_INITIAL(st)   (0x40000000u | (uint32_t)(st))
#define TC_STREAM_ROUTING(src)  (0x50000000u | (uint32_t)(src)) /* rework and scrap decisions */
#define TC_STREAM_SETUP(st)     (0x60000000u | (uint32_t)(st))  /* changeover times */
#define TC_STREAM_PARAMS        0x70000000u /* a replication's parameters drawn from the posterior */
#define TC_STREAM_SKILL(st)     (0x80000000u | (uint32_t)(st)) /* scoring: an epoch's PIT randomization */

static inline void tc_rng_init(tc_rng *r, uint32_t seed, uint32_t crn_key, uint32_t replication,
                               uint32_t stream)
{
    r->key.v[0] = seed;
    r->key.v[1] = crn_key;
    r->ctr.v[0] = replication;
    r->ctr.v[1] = stream;
    r->ctr.v[2] = 0;
    r->ctr.v[3] = 0;
    r->avail = 0;
}

static inline void tc_rng_refill_(tc_rng *r)
{
    philox4x32_ctr_t out = philox4x32(r->ctr, r->key);
    if (++r->ctr.v[2] == 0)
        ++r->ctr.v[3];
    r->buf[0] = ((uint64_t)out.v[0] << 32) | out.v[1];
    r->buf[1] = ((uint64_t)out.v[2] << 32) | out.v[3];
    r->avail = 2;
}

/* 64 random bits. */
static inline uint64_t tc_rng_bits(tc_rng *r)
{
    if (r->avail == 0)
        tc_rng_refill_(r);
    return r->buf[--r->avail];
}

/* The top 53 bits as a double centred in its interval: in (0, 1), never 0 or 1. */
static inline double tc_rng_to_unit(uint64_t bits)
{
    return ((double)(bits >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

/* A uniform draw in the open interval (0, 1). */
static inline double tc_rng_uniform(tc_rng *r)
{
    return tc_rng_to_unit(tc_rng_bits(r));
}

#endif
