/*
 * source_kafka.c - the Kafka consumer (ingest) as the live loop's source.
 * A message is marked as taken when the loop takes it; the offsets an
 * epoch commits are those of the messages taken before its snapshot.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "twincast/live.h"

typedef struct kafka_source {
    tc_ingest *in;
    const char *forecast_topic, *dlq_topic, *key;
    const volatile sig_atomic_t *stop;
    long significant_at_snapshot;
    tc_message m; /* the message last handed out */
} kafka_source;

static int k_next(void *self, const char **msg, size_t *len, double wait)
{
    kafka_source *k = self;
    tc_message_clear(&k->m);
    if (*k->stop)
        return TC_LIVE_END;
    if (tc_ingest_pop(k->in, &k->m, wait) != 1)
        return TC_LIVE_NONE;
    tc_ingest_mark(k->in, &k->m);
    *msg = k->m.payload;
    *len = k->m.len;
    return TC_LIVE_MESSAGE;
}

static char *k_offsets(void *self)
{
    kafka_source *k = self;
    k->significant_at_snapshot = tc_ingest_significant(k->in);
    return tc_ingest_offsets_json(k->in);
}

static int k_newer(void *self)
{
    kafka_source *k = self;
    return *k->stop || tc_ingest_significant(k->in) != k->significant_at_snapshot;
}

static void k_publish(void *self, const char *json, size_t len)
{
    kafka_source *k = self;
    tc_ingest_produce(k->in, k->forecast_topic, k->key, json, len, NULL);
}

static void k_commit(void *self, const char *offsets)
{
    kafka_source *k = self;
    char err[256];
    (void)offsets;
    if (tc_ingest_commit(k->in, err, sizeof err) != TC_OK)
        fprintf(stderr, "twincast: %s (the events will be read again after a restart)\n", err);
}

static long k_errors(void *self)
{
    return tc_ingest_errors(((kafka_source *)self)->in);
}

static void k_dead_letter(void *self, const char *raw, size_t len, const char *reason)
{
    kafka_source *k = self;
    tc_ingest_produce(k->in, k->dlq_topic, NULL, raw, len, reason);
}

tc_status tc_live_kafka_open(tc_live_source *src, tc_ingest *in, const char *forecast_topic,
                             const char *dlq_topic, const char *key, const volatile sig_atomic_t *stop,
                             char *err, size_t errlen)
{
    kafka_source *k = calloc(1, sizeof *k);
    memset(src, 0, sizeof *src);
    if (!k) {
        snprintf(err, errlen, "out of memory");
        return TC_ERR_RUNTIME;
    }
    k->in = in;
    k->forecast_topic = forecast_topic;
    k->dlq_topic = dlq_topic;
    k->key = key;
    k->stop = stop;
    src->self = k;
    src->next = k_next;
    src->offsets_json = k_offsets;
    src->newer = k_newer;
    src->publish = k_publish;
    src->commit = k_commit;
    src->dead_letter = dlq_topic ? k_dead_letter : NULL;
    src->transport_errors = k_errors;
    return TC_OK;
}

void tc_live_kafka_close(tc_live_source *src)
{
    kafka_source *k = src->self;
    if (k) {
        tc_message_clear(&k->m);
        free(k);
    }
    memset(src, 0, sizeof *src);
}
