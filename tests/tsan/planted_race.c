/*
 * planted_race.c - proof that tests/tsan.sh can see the races it claims
 * to exclude; a run without a report (or a crash) means the setup is blind
 * and the "no report" of the real runs would prove nothing.
 *   kafka:  librdkafka's broker threads call log_cb while the main thread
 *           writes the same counter, with no lock (needs c11threads.so);
 *   openmp: an OpenMP loop adds to a shared sum without a reduction
 *           (needs LLVM's OpenMP runtime with Archer).
 * Not part of twincast: built and used by tests/tsan.sh alone.
 */
#include <stdio.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

static long lines; /* deliberately unsynchronised */

static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk, (void)level, (void)fac, (void)buf;
    lines++;
}

static int kafka(void)
{
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "test.mock.num.brokers", "1", err, sizeof err) != RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "debug", "broker,protocol", err, sizeof err) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "planted_race: %s\n", err);
        return 1;
    }
    rd_kafka_conf_set_log_cb(conf, log_cb);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "planted_race: %s\n", err);
        return 1;
    }
    for (int i = 0; i < 200; i++) {
        lines++;
        rd_kafka_poll(rk, 5);
    }
    rd_kafka_destroy(rk);
    printf("planted_race: %ld log lines, no report\n", lines);
    return 0;
}

static int openmp(void)
{
    double sum = 0;
#pragma omp parallel for
    for (int i = 0; i < 100000; i++)
        sum += i;
    printf("planted_race: sum %.0f, no report\n", sum);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "kafka") == 0)
        return kafka();
    if (argc == 2 && strcmp(argv[1], "openmp") == 0)
        return openmp();
    fprintf(stderr, "usage: planted_race kafka|openmp\n");
    return 2;
}
