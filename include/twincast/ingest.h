/*
 * ingest.h - the plant's telemetry from Kafka (librdkafka), on a thread of
 * its own so that network I/O never stalls the simulation: a consumer in a
 * group feeds a bounded queue that the main thread drains.  Also the
 * producer for forecasts and the dead-letter copies, offsets bookkeeping
 * and commits, and librdkafka's mock cluster for demos and tests.
 */
#ifndef TWINCAST_INGEST_H
#define TWINCAST_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "twincast/status.h"

typedef struct tc_ingest_cfg {
    const char *brokers; /* host:port[,...], or "mock" for an in-process mock cluster */
    const char *topic;   /* events */
    const char *forecast_topic;
    const char *dlq_topic; /* NULL: no dead-letter copies */
    const char *group;
    const char *config_file;    /* name=value librdkafka properties, # comments; may be NULL */
    const char *resume_offsets; /* {"topic/partition": offset, ...} from the output file, or NULL */
    size_t queue_capacity;      /* messages held between the consumer thread and the main thread */
} tc_ingest_cfg;

typedef struct tc_message {
    char *payload;
    size_t len;
    int32_t partition;
    int64_t offset;
} tc_message;

typedef struct tc_ingest tc_ingest;

tc_status tc_ingest_start(const tc_ingest_cfg *cfg, tc_ingest **out, char *err, size_t errlen);
/* The bootstrap servers in use ("mock": the mock cluster's random ports). */
const char *tc_ingest_bootstraps(const tc_ingest *in);
/* Next message: 1 got one, 0 timed out, -1 stopping. */
int tc_ingest_pop(tc_ingest *in, tc_message *m, double timeout_s);
void tc_message_clear(tc_message *m);
/* The message was handed to the twin: its offset counts toward the next commit. */
void tc_ingest_mark(tc_ingest *in, const tc_message *m);
/* Offsets of all marked messages (next offset per partition) as JSON; remembered for the commit. */
char *tc_ingest_offsets_json(tc_ingest *in);
/* Commits the offsets remembered by the last tc_ingest_offsets_json(), synchronously. */
tc_status tc_ingest_commit(tc_ingest *in, char *err, size_t errlen);
/* Significant events (down, up, set) seen by the consumer thread so far. */
long tc_ingest_significant(tc_ingest *in);
void tc_ingest_produce(tc_ingest *in, const char *topic, const char *key, const char *payload, size_t len,
                       const char *reason);
/* Waits until every produced message is delivered (or the timeout passes). */
void tc_ingest_flush(tc_ingest *in, int timeout_ms);
/* Produces a recorded log (one message per line) into the events topic, paced by its ts at `speed` (0: at
 * once). */
tc_status tc_ingest_replay_file(tc_ingest *in, const char *path, double speed, char *err, size_t errlen);
/* Counters for the outage report. */
long tc_ingest_errors(tc_ingest *in);
void tc_ingest_stop(tc_ingest *in);    /* asks the consumer thread to stop */
void tc_ingest_destroy(tc_ingest *in); /* flushes the producer, closes the consumer */

/* Reads a librdkafka properties file: name=value per line.  Values are never logged. */
tc_status tc_kafka_config_read(const char *path, char ***names, char ***values, int *n, char *err,
                               size_t errlen);

#endif
