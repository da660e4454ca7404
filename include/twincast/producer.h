/*
 * producer.h - lines of telemetry into a Kafka topic (librdkafka), paced by
 * their timestamps: how `twincast emulate --brokers` feeds a live twin as a
 * plant would.  Delivery is checked: closing waits for every message and
 * reports those that never arrived.
 */
#ifndef TWINCAST_PRODUCER_H
#define TWINCAST_PRODUCER_H

#include <stddef.h>

#include "twincast/status.h"

typedef struct tc_producer tc_producer;

/*
 * brokers: host:port[,...]; config_file: name=value librdkafka properties
 * (NULL: none); speed: X times faster than the lines' timestamps (0: as
 * fast as the broker takes them).
 */
tc_status tc_producer_create(const char *brokers, const char *config_file, const char *topic, double speed,
                             tc_producer **out, char *err, size_t errlen);
/* One line stamped ts (seconds since the epoch), sent with its key once its time has come; a tc_emulate_sink.
 */
int tc_producer_send(void *producer, double ts, const char *key, const char *line, size_t len);
/* Waits up to timeout_s for every delivery; TC_ERR_RUNTIME (err counts them) if some failed. Frees. */
tc_status tc_producer_close(tc_producer *p, double timeout_s, long *delivered, char *err, size_t errlen);

#endif
