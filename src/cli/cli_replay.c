/*
 * cli_replay.c - `twincast replay`: the live twin's switchboard and trigger
 * rules driven by a recorded event log instead of Kafka.  Time is the
 * events' own: the debounce and the interval are measured in event time,
 * so the same log always gives the same epochs and the same results.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_twin.h"
#include "twincast/event.h"

static const char usage[] =
    "usage: twincast replay MODEL.yaml EVENTS.jsonl [-n N] [--horizon DUR] [--seed S]\n"
    "                       [--threads T] [--scenario NAME]... [--debounce DUR]\n"
    "                       [--interval DUR] [-o OUT.h5] [-q]\n"
    "\n"
    "Feeds a recorded event log (one JSON event per line) through the live twin's\n"
    "switchboard and re-forecasts as `serve` would: after a significant event (down, up,\n"
    "set) once the debounce window has passed, and otherwise at most every interval,\n"
    "both measured in event time.  Prints one forecast message (JSON) per epoch on\n"
    "stdout; with -o, writes the epochs to an HDF5 file.  Deterministic: the same log\n"
    "gives the same epochs and the same numbers.  Runs under mpirun/srun too.\n"
    "\n"
    "  --debounce DUR   wait after a significant event (default 200ms)\n"
    "  --interval DUR   re-forecast at least this often while events arrive (default 60s)\n"
    "  (other options as for `twincast forecast`)\n"
    "\n"
    "exit status: 0 ok, 1 run-time failure, 2 bad usage or bad input\n";

typedef struct file_source {
    const char *path;
    long line;
} file_source;

static char *file_offsets(void *self)
{
    file_source *f = self;
    char *b = malloc(strlen(f->path) * 2 + 64);
    if (b) {
        char *p = b;
        *p++ = '{';
        *p++ = '"';
        for (const char *s = f->path; *s; s++) {
            if (*s == '"' || *s == '\\')
                *p++ = '\\';
            *p++ = *s;
        }
        sprintf(p, "\": %ld}", f->line);
    }
    return b;
}

static void print_message(void *self, const char *json, size_t len)
{
    (void)self;
    fwrite(json, 1, len, stdout);
    fputc('\n', stdout);
    fflush(stdout);
}

/* Shared option parsing for serve and replay (long options with codes >= 256). */
int twin_opt(twin_opts *o, int c, const char *arg, const char **bad)
{
    long v;
    char *end;
    switch (c) {
    case 'n':
        if (tc_cli_parse_long(arg, 1, 100000000, &o->n))
            *bad = "-n must be from 1 to 100000000";
        return 1;
    case 'o': o->out = arg; return 1;
    case 'q': o->quiet = 1; return 1;
    case 300: o->horizon = arg; return 1;
    case 301: o->bin_width = arg; return 1;
    case 302:
        if (tc_cli_parse_long(arg, 0, 4294967295L, &o->seed))
            *bad = "--seed must be from 0 to 4294967295";
        return 1;
    case 303:
        if (tc_cli_parse_long(arg, 1, 4096, &v))
            *bad = "--threads must be from 1 to 4096";
        o->threads = (int)v;
        return 1;
    case 304:
        if (o->nscen == 64)
            *bad = "at most 64 scenarios";
        else
            o->scen[o->nscen++] = arg;
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
        (void)end;
        return 1;
    }
    default: return 0;
    }
}

int tc_cmd_replay(int argc, char **argv)
{
    static const struct option longopts[] = {TWIN_LONGOPTS, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    twin_run tr = {0};
    MPI_Comm_rank(MPI_COMM_WORLD, &tr.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &tr.size);
    twin_opts_default(&tr.o);
    const char *bad = NULL, *badarg = NULL;
    int c;
    optind = 1;
    opterr = tr.rank == 0;
    while (!bad && (c = getopt_long(argc, argv, "n:o:qh", longopts, NULL)) != -1) {
        if (c == 'h') {
            if (tr.rank == 0)
                fputs(usage, stdout);
            MPI_Finalize();
            return TC_OK;
        }
        badarg = optarg;
        if (!twin_opt(&tr.o, c, optarg, &bad))
            bad = "bad option", badarg = NULL;
    }
    if (!bad && optind != argc - 2)
        bad = "need MODEL.yaml and EVENTS.jsonl", badarg = NULL;
    if (bad) {
        if (tr.rank == 0)
            tc_cli_usage_error("replay", bad, badarg);
        MPI_Finalize();
        return TC_ERR_INPUT;
    }
    tr.o.model = argv[optind];
    const char *events = argv[optind + 1];
    FILE *in = NULL;
    int st = TC_OK;
    if (tr.rank == 0 && !(in = fopen(events, "rb"))) {
        snprintf(tr.err, sizeof tr.err, "%s: cannot open: %s", events, strerror(errno));
        st = TC_ERR_INPUT;
    }
    MPI_Bcast(&st, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (st == TC_OK)
        st = twin_init(&tr);
    if (st == TC_OK && tr.rank != 0) {
        st = twin_worker(&tr);
    } else if (st == TC_OK) {
        file_source fs = {events, 0};
        tr.src = (twin_source){file_offsets, NULL, print_message, NULL, NULL, NULL, &fs};
        char *line = malloc(TC_EVENT_MAX_BYTES + 2);
        double now = NAN;
        while (st == TC_OK && line && fgets(line, TC_EVENT_MAX_BYTES + 2, in)) {
            size_t len = strlen(line);
            fs.line++;
            if (len == TC_EVENT_MAX_BYTES + 1 && line[len - 1] != '\n') { /* too long: skip the rest */
                int ch;
                while ((ch = fgetc(in)) != EOF && ch != '\n')
                    ;
                tc_twin_count_rejected(tr.twin, TC_REJ_OVERSIZED);
                continue;
            }
            while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
                line[--len] = '\0';
            if (len == 0)
                continue;
            /* event time drives the clock: an epoch due before this event runs first */
            tc_event ev;
            char why[64];
            if (tc_event_parse(tr.m, line, len, &ev, why, sizeof why) == TC_REJ_NONE &&
                (isnan(now) || ev.ts > now))
                now = ev.ts;
            while (st == TC_OK && !isnan(now) && twin_due(&tr, now) && twin_dirty(&tr))
                st = twin_fire(&tr);
            twin_offer(&tr, line, len, isnan(now) ? 0 : now);
        }
        if (st == TC_OK && twin_dirty(&tr))
            st = twin_fire(&tr);
        free(line);
        twin_stop(&tr);
        if (st == TC_OK) {
            const tc_twin_counters *k = tc_twin_get_counters(tr.twin);
            long rejected = 0;
            for (int r = 1; r < TC_REJ_COUNT; r++)
                rejected += k->rejected[r];
            fprintf(stderr,
                    "twincast: replayed %ld lines: %ld events applied (%ld late), %ld skipped; %d epoch%s\n",
                    fs.line, k->applied, k->late, rejected, tr.epochs_done, tr.epochs_done == 1 ? "" : "s");
            for (int r = 1; r < TC_REJ_COUNT; r++)
                if (k->rejected[r])
                    fprintf(stderr, "  skipped %ld: %s\n", k->rejected[r], tc_reject_name((tc_reject)r));
        }
    }
    if (in)
        fclose(in);
    if (st != TC_OK && tr.rank == 0)
        fprintf(stderr, "twincast: %s\n", tr.err);
    twin_free(&tr);
    MPI_Finalize();
    return st;
}
