/* cli_report.c - `twincast report`: the summary of a forecast file. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "twincast/decide.h"

static const char usage[] =
    "usage: twincast report OUT.h5 [--epoch N] [--scenario NAME] [--format table|json|csv]\n"
    "                       [--calibration | --decisions]\n"
    "\n"
    "Prints the per-station summary of a forecast epoch (default: the latest) for\n"
    "every scenario (or one): P(bottleneck forms within the horizon) with its Wilson\n"
    "95% interval, the onset mean with its Student-t 95% interval, the 90% band of\n"
    "onset times, and for what-if scenarios the paired difference to the baseline.\n"
    "\n"
    "  --epoch N          epoch number (default: latest)\n"
    "  --scenario NAME    only this scenario\n"
    "  --format F         table (default), json (one object), csv (one row per station)\n"
    "  --calibration      what the twin had learnt of its parameters at that epoch: the\n"
    "                     prior, the estimate and its 95% interval, observations, resets\n"
    "  --decisions        the decision `twincast decide -o` kept (--epoch: its number under\n"
    "                     /decisions, default the latest): the ranking and the recommendation\n"
    "  -h, --help         this text\n"
    "\n"
    "exit status: 0 ok, 1 run-time failure, 2 bad usage or bad input\n";

/* A decision of /decisions, as decide printed it. */
static int print_decision(const char *path, int number, int json)
{
    char err[1024];
    tc_decision d;
    int got = 0;
    tc_status st = tc_store_read_decision(path, number, &d, &got, err, sizeof err);
    if (st != TC_OK) {
        fprintf(stderr, "twincast: %s\n", err);
        return st;
    }
    char *text = json ? tc_decide_json(&d) : NULL;
    if (text) {
        printf("%s\n", text);
    } else {
        printf("%s, decision %06d (%d rank%s x %d thread%s, %.3f s)\n", path, got, d.ranks,
               d.ranks == 1 ? "" : "s", d.threads, d.threads == 1 ? "" : "s", d.seconds);
        tc_cli_print_decision(stdout, &d);
    }
    free(text);
    tc_decision_clear(&d);
    return TC_OK;
}

/* The epoch's calibration table. */
static int print_calibration(const char *path, int epoch)
{
    char err[1024];
    tc_state_calibration *rows = NULL;
    int n = 0;
    tc_status st = tc_store_read_calibration(path, epoch, &rows, &n, err, sizeof err);
    if (st != TC_OK) {
        fprintf(stderr, "twincast: %s\n", err);
        return st;
    }
    printf("%-28s %10s %10s  %-23s %7s %9s  %s\n", "parameter", "prior", "estimate", "95% interval", "n",
           "weight", "last drift reset");
    for (int k = 0; k < n; k++) {
        const tc_state_calibration *r = &rows[k];
        char ci[48] = "-";
        if (r->lo == r->lo && r->hi == r->hi) /* not NaN */
            snprintf(ci, sizeof ci, "[%9.4g, %9.4g]", r->lo, r->hi);
        printf("%-28s %10.4g %10.4g  %-23s %7ld %9.1f  %s\n", r->path, r->prior, r->estimate, ci, r->n,
               r->n_eff, r->last_reset[0] ? r->last_reset : "-");
    }
    free(rows);
    return TC_OK;
}

int tc_cmd_report(int argc, char **argv)
{
    static const struct option longopts[] = {{"epoch", required_argument, 0, 'e'},
                                             {"scenario", required_argument, 0, 's'},
                                             {"format", required_argument, 0, 'f'},
                                             {"calibration", no_argument, 0, 'c'},
                                             {"decisions", no_argument, 0, 'd'},
                                             {"help", no_argument, 0, 'h'},
                                             {0, 0, 0, 0}};
    long epoch = 0;
    const char *scenario = NULL, *format = "table";
    int c, calibration = 0, decisions = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'e':
            if (tc_cli_parse_long(optarg, 1, 999999, &epoch))
                return tc_cli_usage_error("report", "--epoch must be from 1 to 999999", optarg);
            break;
        case 's': scenario = optarg; break;
        case 'f':
            if (strcmp(optarg, "table") != 0 && strcmp(optarg, "json") != 0 && strcmp(optarg, "csv") != 0)
                return tc_cli_usage_error("report", "--format must be table, json or csv", optarg);
            format = optarg;
            break;
        case 'c': calibration = 1; break;
        case 'd': decisions = 1; break;
        case 'h': fputs(usage, stdout); return TC_OK;
        default: return tc_cli_usage_error("report", "bad option", NULL);
        }
    }
    if (optind != argc - 1)
        return tc_cli_usage_error("report", optind >= argc ? "missing OUT.h5" : "one file only", NULL);
    if (calibration && decisions)
        return tc_cli_usage_error("report", "give --calibration or --decisions, not both", NULL);
    if (calibration)
        return print_calibration(argv[optind], (int)epoch);
    if (decisions)
        return print_decision(argv[optind], (int)epoch, !strcmp(format, "json"));
    char err[1024];
    tc_forecast_view *v = NULL;
    tc_status st = tc_store_read(argv[optind], (int)epoch, scenario, &v, err, sizeof err);
    if (st != TC_OK) {
        fprintf(stderr, "twincast: %s\n", err);
        return st;
    }
    if (!strcmp(format, "json"))
        tc_cli_print_json(stdout, v);
    else if (!strcmp(format, "csv"))
        tc_cli_print_csv(stdout, v);
    else {
        printf("%s, epoch %06d (%s, %d rank%s x %d thread%s, %.3f s)\n", argv[optind], v->epoch,
               v->stop_reason, v->ranks, v->ranks == 1 ? "" : "s", v->threads, v->threads == 1 ? "" : "s",
               v->wall_seconds);
        tc_cli_print_table(stdout, v);
    }
    tc_forecast_view_destroy(v);
    return TC_OK;
}
