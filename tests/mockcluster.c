/*
 * mockcluster - a Kafka protocol peer for tests: librdkafka's mock cluster
 * with the given topics, its bootstrap list written to a file, running
 * until SIGTERM or SIGINT.  Usage: mockcluster BOOTSTRAP_FILE TOPIC[:PARTITIONS]...
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

static volatile sig_atomic_t done;

static void on_signal(int sig)
{
    (void)sig;
    done = 1;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: mockcluster BOOTSTRAP_FILE TOPIC[:PARTITIONS]...\n");
        return 2;
    }
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "4", err, sizeof err);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    rd_kafka_mock_cluster_t *mc = rk ? rd_kafka_mock_cluster_new(rk, 1) : NULL;
    if (!mc) {
        fprintf(stderr, "mockcluster: cannot start: %s\n", err);
        return 1;
    }
    for (int i = 2; i < argc; i++) {
        char *colon = strchr(argv[i], ':');
        int parts = colon ? atoi(colon + 1) : 1;
        if (colon)
            *colon = '\0';
        rd_kafka_mock_topic_create(mc, argv[i], parts > 0 ? parts : 1, 1);
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", argv[1]);
    FILE *f = fopen(tmp, "w");
    if (!f || fprintf(f, "%s\n", rd_kafka_mock_cluster_bootstraps(mc)) < 0 || fclose(f) != 0 ||
        rename(tmp, argv[1])) {
        fprintf(stderr, "mockcluster: cannot write %s\n", argv[1]);
        return 1;
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    while (!done)
        pause();
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return 0;
}
