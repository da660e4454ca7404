/*
 * twin_line.c - what the twin knows of the jobs at a station: the waiting
 * line as runs of one product since one time (a count from the plant may
 * be large, and costs one run), and the jobs in service.
 */
#include <stdlib.h>
#include <string.h>

#include "twin_internal.h"

int tc_twin_default_product(const tc_twin *t, int s)
{
    int r = tc_model_first_product(t->m, s);
    return r >= 0 ? r : 0;
}

int tc_twin_line_join(station_twin *st, int product, double since, long n)
{
    if (n <= 0)
        return 0;
    waiting_run *last = st->nrun ? &st->line[st->nrun - 1] : NULL;
    if (last && last->product == product && last->since == since) {
        last->count += n;
    } else {
        if (st->nrun == st->runcap) {
            int ncap = st->runcap ? st->runcap * 2 : 8;
            waiting_run *nl = realloc(st->line, sizeof *nl * (size_t)ncap);
            if (!nl)
                return -1;
            st->line = nl;
            st->runcap = ncap;
        }
        if (!st->line) /* not reached (runcap > 0): for the analyser */
            return -1;
        st->line[st->nrun++] = (waiting_run){product, since, n};
    }
    st->waiting += (int)n;
    return 0;
}

static void run_drop(station_twin *st, int k, long n)
{
    st->line[k].count -= n;
    st->waiting -= (int)n;
    if (st->line[k].count == 0) {
        memmove(st->line + k, st->line + k + 1, sizeof *st->line * (size_t)(st->nrun - k - 1));
        st->nrun--;
    }
}

void tc_twin_line_take(station_twin *st, int product)
{
    if (st->nrun == 0)
        return; /* the line was not reported: nothing to take */
    int k = 0;
    while (k < st->nrun && st->line[k].product != product)
        k++;
    run_drop(st, k < st->nrun ? k : 0, 1);
}

int tc_twin_line_set(station_twin *st, long count, int product, double at)
{
    while (st->waiting > count) {
        long over = st->waiting - count;
        run_drop(st, 0, over < st->line[0].count ? over : st->line[0].count);
    }
    return tc_twin_line_join(st, product, at, count - st->waiting);
}

int tc_twin_service_reserve(station_twin *st)
{
    if (st->n < st->cap)
        return 0;
    int ncap = st->cap ? st->cap * 2 : 4;
    in_service *ns = realloc(st->svc, sizeof *ns * (size_t)ncap);
    if (!ns)
        return -1;
    st->svc = ns;
    st->cap = ncap;
    return 0;
}

int tc_twin_service_find(const station_twin *st, const char *job)
{
    for (int i = 0; i < st->n; i++)
        if (!strcmp(st->svc[i].job, job))
            return i;
    return -1;
}
