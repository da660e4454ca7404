/*
 * cli_emulate.c - `twincast emulate`: a true plant's telemetry as an event
 * log, to test a twin (or a whole pipeline) without a plant.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "twincast/emulate.h"
#include "twincast/producer.h"

static const char usage[] =
    "usage: twincast emulate TRUTH.yaml [--start ISO] [--days D | --until ISO] [--seed S]\n"
    "                        [--drift PATH=VALUE@TIME]... [--noise SPEC]\n"
    "                        [-o EVENTS.jsonl | --brokers HOST:PORT[,...] [--topic T] [--speed X]\n"
    "                         [--kafka-config FILE]]\n"
    "\n"
    "Runs one long replication of a \"true\" plant from an empty start and writes its\n"
    "telemetry: one JSON event per line (arrive, setup, start, finish, scrap, down, up),\n"
    "with unique job ids and products, stamped with when each happens.  Replay it through\n"
    "the twin (`twincast replay MODEL.yaml EVENTS.jsonl`) or into Kafka (`twincast serve\n"
    "--replay`).  --drift changes a true parameter at a time, e.g.\n"
    "B.process.mean=2.3@2026-12-08T10:00:00Z.\n"
    "\n"
    "  --start ISO    when the plant starts (default: the model's start, else now)\n"
    "  --days D       how long: days as a number, or a duration (36h) (default 1)\n"
    "  --until ISO    or until when\n"
    "  --noise SPEC   what real telemetry suffers, e.g. dup=0.01,late=0.02,drop=0.005,late_max=5s:\n"
    "                 each event is dropped, sent late (after later ones, by up to late_max\n"
    "                 of plant time), or sent twice, with these probabilities; every event then\n"
    "                 carries an id.  The faults injected are counted on stderr\n"
    "  -o FILE        write the events there (default: standard output)\n"
    "  --brokers B    produce them into Kafka instead, topic --topic (default plant.events),\n"
    "                 each delivery checked; --speed X paces them X times faster than their\n"
    "                 timestamps (default 0: at once); --kafka-config FILE: librdkafka properties\n"
    "\n"
    "exit status: 0 ok, 1 run-time failure, 2 bad usage or bad input\n";

static int write_line(void *user, double ts, const char *key, const char *line, size_t len)
{
    (void)ts;
    (void)key;
    FILE *f = user;
    return fwrite(line, 1, len, f) != len || putc('\n', f) == EOF;
}

static void print_counts(const tc_emulate_opts *o, const tc_emulate_counts *k, const char *where)
{
    fprintf(stderr, "twincast: emulated %ld events%s%s\n", k->events, where ? " into " : "",
            where ? where : "");
    if (o->noise)
        fprintf(stderr, "twincast: noise: %ld dropped, %ld sent late, %ld sent twice; %ld lines\n",
                k->dropped, k->delayed, k->duplicated, k->sent);
}

/* --brokers: the events into a topic, each delivery checked. */
static int to_kafka(const tc_emulate_opts *o, const char *brokers, const char *topic, const char *config,
                    double speed)
{
    char err[1024] = "", where[512];
    tc_producer *p = NULL;
    tc_emulate_counts k;
    long delivered = 0;
    int st = tc_producer_create(brokers, config, topic, speed, &p, err, sizeof err);
    if (st == TC_OK)
        st = tc_emulate_run(o, tc_producer_send, p, &k, err, sizeof err);
    if (p) {
        char cerr[512];
        int cst = tc_producer_close(p, 60, &delivered, cerr, sizeof cerr);
        if (cst != TC_OK && st == TC_OK) {
            st = cst;
            snprintf(err, sizeof err, "%s", cerr);
        }
    }
    if (st != TC_OK) {
        fprintf(stderr, "twincast: %s\n", err);
        return st;
    }
    snprintf(where, sizeof where, "topic %s (%ld delivered)", topic, delivered);
    print_counts(o, &k, where);
    return TC_OK;
}

int tc_cmd_emulate(int argc, char **argv)
{
    static const struct option longopts[] = {{"start", required_argument, 0, 's'},
                                             {"days", required_argument, 0, 'd'},
                                             {"until", required_argument, 0, 'u'},
                                             {"seed", required_argument, 0, 'S'},
                                             {"drift", required_argument, 0, 'D'},
                                             {"output", required_argument, 0, 'o'},
                                             {"noise", required_argument, 0, 'N'},
                                             {"brokers", required_argument, 0, 'b'},
                                             {"topic", required_argument, 0, 'T'},
                                             {"speed", required_argument, 0, 'x'},
                                             {"kafka-config", required_argument, 0, 'K'},
                                             {"help", no_argument, 0, 'h'},
                                             {0, 0, 0, 0}};
    tc_emulate_opts o;
    tc_emulate_opts_default(&o);
    const char *output = NULL, *brokers = NULL, *topic = "plant.events", *kafka_config = NULL;
    double speed = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(usage, stdout); return TC_OK;
        case 's': o.start = optarg; break;
        case 'd': o.days = optarg; break;
        case 'u': o.until = optarg; break;
        case 'o': output = optarg; break;
        case 'N': o.noise = optarg; break;
        case 'b': brokers = optarg; break;
        case 'T': topic = optarg; break;
        case 'K': kafka_config = optarg; break;
        case 'x': {
            char *end;
            speed = strtod(optarg, &end);
            if (*end || !(speed >= 0))
                return tc_cli_usage_error("emulate", "--speed must be a number >= 0", optarg);
            break;
        }
        case 'S':
            if (tc_cli_parse_long(optarg, 0, 4294967295L, &o.seed))
                return tc_cli_usage_error("emulate", "--seed must be from 0 to 4294967295", optarg);
            break;
        case 'D':
            if (o.n_drifts == TC_EMULATE_MAX_DRIFTS)
                return tc_cli_usage_error("emulate", "at most 64 drifts", NULL);
            o.drift[o.n_drifts++] = optarg;
            break;
        default: return tc_cli_usage_error("emulate", "bad option", NULL);
        }
    }
    if (argc - optind != 1)
        return tc_cli_usage_error("emulate", "need TRUTH.yaml", NULL);
    if (o.days && o.until)
        return tc_cli_usage_error("emulate", "give --days or --until, not both", NULL);
    if (output && brokers)
        return tc_cli_usage_error("emulate", "give -o or --brokers, not both", NULL);
    o.model = argv[optind];
    if (brokers)
        return to_kafka(&o, brokers, topic, kafka_config, speed);
    FILE *out = output ? fopen(output, "w") : stdout;
    if (!out) {
        fprintf(stderr, "twincast: %s: cannot write: %s\n", output, strerror(errno));
        return TC_ERR_RUNTIME;
    }
    char err[1024] = "";
    tc_emulate_counts k;
    int st = tc_emulate_run(&o, write_line, out, &k, err, sizeof err);
    if (!output && (fflush(out) != 0 || ferror(out)) && st == TC_OK) {
        snprintf(err, sizeof err, "cannot write the events to standard output");
        st = TC_ERR_RUNTIME;
    }
    if (output && fclose(out) != 0 && st == TC_OK) {
        snprintf(err, sizeof err, "%s: cannot write: %s", output, strerror(errno));
        st = TC_ERR_RUNTIME;
    }
    if (st != TC_OK)
        fprintf(stderr, "twincast: %s\n", err);
    else
        print_counts(&o, &k, output);
    return st;
}
