/*
 * latency_bench - reaction latency of a running `twincast serve`: produce a
 * down or up event for station B, wait for the forecast that reflects it on
 * the forecast topic.  An independent Kafka client, like kcat.
 * Usage: latency_bench BOOTSTRAP TRIALS
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: latency_bench BOOTSTRAP TRIALS\n");
        return 2;
    }
    int trials = atoi(argv[2]);
    char err[512];
    rd_kafka_conf_t *pc = rd_kafka_conf_new(), *cc = rd_kafka_conf_new();
    rd_kafka_conf_set(pc, "bootstrap.servers", argv[1], err, sizeof err);
    rd_kafka_conf_set(pc, "linger.ms", "0", err, sizeof err);
    rd_kafka_conf_set(cc, "bootstrap.servers", argv[1], err, sizeof err);
    rd_kafka_conf_set(cc, "group.id", "latency-bench", err, sizeof err);
    rd_kafka_conf_set(cc, "fetch.wait.max.ms", "10", err, sizeof err);
    rd_kafka_t *p = rd_kafka_new(RD_KAFKA_PRODUCER, pc, err, sizeof err);
    rd_kafka_t *c = rd_kafka_new(RD_KAFKA_CONSUMER, cc, err, sizeof err);
    rd_kafka_poll_set_consumer(c);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, "plant.forecasts", 0)->offset = RD_KAFKA_OFFSET_END;
    rd_kafka_assign(c, l);
    rd_kafka_topic_partition_list_destroy(l);
    for (int i = 0; i < 20; i++) { /* let the assignment settle */
        rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 100);
        if (m)
            rd_kafka_message_destroy(m);
    }
    double *lat = calloc((size_t)trials, sizeof *lat);
    int n = 0;
    for (int t = 0; t < trials; t++) {
        char msg[256];
        time_t wall = time(NULL);
        struct tm tm;
        gmtime_r(&wall, &tm);
        char ts[64];
        strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
        snprintf(msg, sizeof msg, "{\"ts\": \"%s\", \"type\": \"%s\", \"station\": \"B\"}", ts,
                 t % 2 ? "up" : "down");
        double t0 = now();
        rd_kafka_producev(p, RD_KAFKA_V_TOPIC("plant.events"), RD_KAFKA_V_VALUE(msg, strlen(msg)),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        rd_kafka_flush(p, 5000);
        for (;;) {
            rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 1000);
            if (!m) {
                if (now() - t0 > 30)
                    break;
                continue;
            }
            int ok = !m->err;
            rd_kafka_message_destroy(m);
            if (ok) {
                lat[n++] = now() - t0;
                break;
            }
        }
        struct timespec s = {0, 300000000};
        nanosleep(&s, NULL);
    }
    qsort(lat, (size_t)n, sizeof *lat, cmp);
    if (n)
        printf(
            "reaction latency, event produced -> forecast readable: median %.0f ms, min %.0f ms, max %.0f ms "
            "over %d trials\n",
            1000 * lat[n / 2], 1000 * lat[0], 1000 * lat[n - 1], n);
    else
        printf("reaction latency: no forecast arrived\n");
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
    rd_kafka_destroy(p);
    free(lat);
    return n ? 0 : 1;
}
