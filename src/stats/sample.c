/* sample.c - per-replication result arrays. */
#include <stdlib.h>

#include "twincast/sample.h"

static const char *const names[TC_M_COUNT] = {
    "onset_time", "mean_waiting", "max_waiting",      "utilisation", "throughput", "blocked",
    "starved",    "availability", "bottleneck_share", "setup",       "mean_batch", "planned_down",
};

static const char *const product_names[TC_P_COUNT] = {"completed", "scrapped", "reworks_per_job",
                                                      "time_in_system"};

const char *tc_sample_measure_name(int k)
{
    return names[k];
}

const char *tc_sample_product_measure_name(int k)
{
    return product_names[k];
}

double tc_sample_row_bytes(int S, int P)
{
    return sizeof(double) * ((double)TC_M_COUNT * S + (double)TC_P_COUNT * P);
}

tc_sample *tc_sample_create(long cap, int S, int T, int P)
{
    tc_sample *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->S = S;
    s->T = T;
    s->P = P;
    if (!(s->bands = tc_bands_create(T, S)) || tc_sample_reserve(s, cap > 0 ? cap : 1) != TC_OK) {
        tc_sample_destroy(s);
        return NULL;
    }
    return s;
}

tc_status tc_sample_reserve(tc_sample *s, long cap)
{
    if (cap <= s->cap)
        return TC_OK;
    size_t per_m = (size_t)s->S;
    for (int k = 0; k < TC_M_COUNT; k++) {
        double *p = realloc(s->m[k], sizeof(double) * per_m * (size_t)cap);
        if (!p)
            return TC_ERR_RUNTIME;
        s->m[k] = p;
    }
    for (int k = 0; k < TC_P_COUNT; k++) {
        double *p = realloc(s->p[k], sizeof(double) * (size_t)(s->P ? s->P : 1) * (size_t)cap);
        if (!p)
            return TC_ERR_RUNTIME;
        s->p[k] = p;
    }
    s->cap = cap;
    return TC_OK;
}

tc_status tc_sample_swap_rows(tc_sample *a, tc_sample *b)
{
    if (a->S != b->S || a->P != b->P)
        return TC_ERR_INPUT;
    for (int k = 0; k < TC_M_COUNT; k++) {
        double *m = a->m[k];
        a->m[k] = b->m[k];
        b->m[k] = m;
    }
    for (int k = 0; k < TC_P_COUNT; k++) {
        double *p = a->p[k];
        a->p[k] = b->p[k];
        b->p[k] = p;
    }
    long R = a->R, cap = a->cap;
    a->R = b->R;
    a->cap = b->cap;
    b->R = R;
    b->cap = cap;
    return TC_OK;
}

void tc_sample_destroy(tc_sample *s)
{
    if (!s)
        return;
    for (int k = 0; k < TC_M_COUNT; k++)
        free(s->m[k]);
    tc_bands_destroy(s->bands);
    for (int k = 0; k < TC_P_COUNT; k++)
        free(s->p[k]);
    free(s);
}
