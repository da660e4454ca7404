/* kafka_internal.h - inside the live stage: librdkafka configuration shared
 * by the consumer (ingest.c) and the producer (producer.c). */
#ifndef TWINCAST_KAFKA_INTERNAL_H
#define TWINCAST_KAFKA_INTERNAL_H

#include <stddef.h>

#include <librdkafka/rdkafka.h>

/* One property; on refusal err names the property, never its value (it may be a password). */
int tc_kafka_conf_set(rd_kafka_conf_t *conf, const char *name, const char *value, char *err, size_t errlen);
/* Every property of a name=value file (tc_kafka_config_read); -1 with err on a bad file or property. */
int tc_kafka_conf_file(rd_kafka_conf_t *conf, const char *path, char *err, size_t errlen);

#endif
