/* cli.h - shared by the twincast subcommands. */
#ifndef TWINCAST_CLI_H
#define TWINCAST_CLI_H

#include <stdio.h>

#include "twincast/store.h"

int tc_cmd_forecast(int argc, char **argv);
int tc_cmd_report(int argc, char **argv);
int tc_cmd_replay(int argc, char **argv);
int tc_cmd_serve(int argc, char **argv);
int tc_cmd_merge(int argc, char **argv);
int tc_cmd_emulate(int argc, char **argv);
int tc_cmd_score(int argc, char **argv);
int tc_cmd_decide(int argc, char **argv);

/* Prints "twincast: msg: arg" and a hint; returns TC_ERR_INPUT. */
int tc_cli_usage_error(const char *cmd, const char *msg, const char *arg);
int tc_cli_parse_long(const char *s, long lo, long hi, long *out);
double tc_cli_now(void);
/* The per-station table of every scenario in a forecast. */
void tc_cli_print_table(FILE *f, const tc_forecast_view *v);
void tc_cli_print_json(FILE *f, const tc_forecast_view *v);
void tc_cli_print_csv(FILE *f, const tc_forecast_view *v);
/* A decision (decide, report --decisions) as a table (cli_decide.c). */
void tc_cli_print_decision(FILE *f, const tc_decision *d);

#endif
