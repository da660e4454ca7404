/* cli_twin.c - the options `serve` and `replay` share. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "cli_twin.h"

/* --decide's settings: one set per process, as one twin runs per process. */
static tc_decide_opts *decide_opts(void)
{
    static tc_decide_opts d;
    static int set;
    if (!set) {
        tc_decide_opts_default(&d);
        set = 1;
    }
    return &d;
}

int tc_cli_twin_opt(tc_live_opts *o, int c, const char *arg, const char **bad)
{
    tc_forecast_opts *f = &o->forecast;
    long v;
    char *end;
    switch (c) {
    case 'n':
        if (tc_cli_parse_long(arg, 1, 100000000, &f->replications))
            *bad = "-n must be from 1 to 100000000";
        return 1;
    case 'o': f->output = arg; return 1;
    case 'q': o->quiet = 1; return 1;
    case 300: f->horizon = arg; return 1;
    case 301: f->bin_width = arg; return 1;
    case 302:
        if (tc_cli_parse_long(arg, 0, 4294967295L, &f->seed))
            *bad = "--seed must be from 0 to 4294967295";
        return 1;
    case 303:
        if (tc_cli_parse_long(arg, 1, 4096, &v))
            *bad = "--threads must be from 1 to 4096";
        f->threads = (int)v;
        return 1;
    case 304:
        if (f->n_scenarios == TC_FORECAST_MAX_SCENARIOS)
            *bad = "at most 64 scenarios";
        else
            f->scenarios[f->n_scenarios++] = arg;
        return 1;
    case 305:
    case 306: {
        double sec;
        char why[128];
        if (tc_duration_parse(arg, TC_UNIT_S, &sec, why, sizeof why) || sec < 0 || sec > 1e7) {
            *bad = c == 305 ? "--debounce must be a duration such as 200ms"
                            : "--interval must be a duration such as 60s";
            return 1;
        }
        if (c == 305)
            o->debounce = sec;
        else
            o->interval = sec;
        return 1;
    }
    case 307: o->on_shift_change = 1; return 1;
    case 308: o->score_leads = arg; return 1;
    case 309: o->no_score = 1; return 1;
    case 310: o->decide = decide_opts(); return 1;
    case 311:
        decide_opts()->delta = strtod(arg, &end);
        if (*end || end == arg || !(decide_opts()->delta > 0))
            *bad = "--delta must be > 0";
        return 1;
    case 312:
        decide_opts()->confidence = strtod(arg, &end);
        if (*end || end == arg || !(decide_opts()->confidence > 0.5 && decide_opts()->confidence < 1))
            *bad = "--confidence must be in (0.5, 1)";
        return 1;
    default: return 0;
    }
}

long tc_cli_twin_skipped(const tc_twin_counters *k)
{
    long rejected = 0;
    for (int r = 1; r < TC_REJ_COUNT; r++)
        rejected += k->rejected[r];
    return rejected;
}
