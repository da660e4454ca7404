/* summary.c - statistics of an ensemble held whole: made through its tally (tally.c). */
#include <stdlib.h>
#include <string.h>

#include "twincast/stats.h"
#include "twincast/summary.h"
#include "twincast/tally.h"

const double tc_quantile_levels[TC_NQ] = {0.05, 0.25, 0.5, 0.75, 0.95};

tc_summary *tc_summary_compute(const tc_sample *smp, const tc_sample *base, double level)
{
    tc_tally *t = tc_tally_create(smp->S, smp->P), *b = base ? tc_tally_create(base->S, base->P) : NULL;
    tc_summary *sum = NULL;
    if (t && (!base || b) && tc_tally_add(t, smp) == TC_OK && (!b || tc_tally_add(b, base) == TC_OK))
        sum = tc_tally_summarise(t, b, smp->bands, smp->T, level);
    tc_tally_destroy(t);
    tc_tally_destroy(b);
    return sum;
}

void tc_summary_destroy(tc_summary *sum)
{
    if (!sum)
        return;
    free(sum->station);
    free(sum->product);
    free(sum->setup_batch);
    free(sum->waiting_quantiles);
    free(sum->bottleneck_probability);
    free(sum);
}
