/*
 * producer.c - telemetry lines into a Kafka topic, paced by their
 * timestamps (see producer.h).  Each message's delivery report is counted,
 * so that a run against an unreachable or refusing broker says so instead
 * of exiting as if all went out.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kafka_internal.h"
#include "twincast/clock.h"
#include "twincast/producer.h"

struct tc_producer {
    rd_kafka_t *rk;
    char *topic;
    double speed, first_ts, t0; /* pacing: line ts first_ts goes out at wall time t0 */
    long sent, delivered, failed;
    char last_error[256];
};

static void delivered(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    tc_producer *p = opaque;
    if (m->err) {
        p->failed++;
        snprintf(p->last_error, sizeof p->last_error, "%s", rd_kafka_err2str(m->err));
    } else {
        p->delivered++;
    }
}

tc_status tc_producer_create(const char *brokers, const char *config_file, const char *topic, double speed,
                             tc_producer **out, char *err, size_t errlen)
{
    tc_producer *p = calloc(1, sizeof *p);
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char why[512];
    *out = NULL;
    if (!p || !conf || !(p->topic = strdup(topic))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    /* defaults first, so that the user's file may change them */
    if (tc_kafka_conf_set(conf, "bootstrap.servers", brokers, err, errlen) ||
        tc_kafka_conf_set(conf, "log_level", "3", err, errlen) ||
        tc_kafka_conf_set(conf, "linger.ms", "5", err, errlen) ||
        tc_kafka_conf_set(conf, "message.timeout.ms", "30000", err, errlen) ||
        tc_kafka_conf_set(conf, "enable.idempotence", "true", err, errlen) ||
        (config_file && tc_kafka_conf_file(conf, config_file, err, errlen)))
        goto fail;
    rd_kafka_conf_set_dr_msg_cb(conf, delivered);
    rd_kafka_conf_set_opaque(conf, p);
    if (!(p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof why))) {
        snprintf(err, errlen, "cannot create a Kafka producer: %s", why);
        goto fail;
    }
    p->speed = speed;
    p->first_ts = NAN;
    *out = p;
    return TC_OK;
fail:
    if (conf)
        rd_kafka_conf_destroy(conf);
    if (p)
        free(p->topic);
    free(p);
    return TC_ERR_INPUT;
}

/* Waits until the line's time has come at the chosen speed, serving delivery reports meanwhile. */
static void pace(tc_producer *p, double ts)
{
    if (!(p->speed > 0) || isnan(ts))
        return;
    if (isnan(p->first_ts)) {
        p->first_ts = ts;
        p->t0 = tc_clock_monotonic();
    }
    double due = p->t0 + (ts - p->first_ts) / p->speed;
    double wait;
    while ((wait = due - tc_clock_monotonic()) > 0)
        rd_kafka_poll(p->rk, wait > 0.05 ? 50 : (int)(wait * 1000));
}

int tc_producer_send(void *producer, double ts, const char *key, const char *line, size_t len)
{
    tc_producer *p = producer;
    pace(p, ts);
    rd_kafka_resp_err_t e;
    for (int tries = 0;; tries++) {
        e = rd_kafka_producev(p->rk, RD_KAFKA_V_TOPIC(p->topic), RD_KAFKA_V_VALUE((void *)line, len),
                              RD_KAFKA_V_KEY((void *)key, key ? strlen(key) : 0),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL || tries == 600)
            break;
        rd_kafka_poll(p->rk, 100); /* the local queue is full: let deliveries drain it */
    }
    if (e) {
        p->failed++;
        snprintf(p->last_error, sizeof p->last_error, "%s", rd_kafka_err2str(e));
        return -1;
    }
    p->sent++;
    rd_kafka_poll(p->rk, 0);
    return 0;
}

tc_status tc_producer_close(tc_producer *p, double timeout_s, long *delivered_out, char *err, size_t errlen)
{
    tc_status st = TC_OK;
    rd_kafka_flush(p->rk, (int)(timeout_s * 1000));
    long undelivered = p->sent - p->delivered;
    if (p->failed || undelivered > 0) {
        snprintf(err, errlen, "%ld of %ld events not delivered to topic %s (%s)", undelivered, p->sent,
                 p->topic,
                 p->last_error[0] ? p->last_error : "no delivery report in time: brokers unreachable?");
        st = TC_ERR_RUNTIME;
    }
    if (delivered_out)
        *delivered_out = p->delivered;
    rd_kafka_destroy(p->rk);
    free(p->topic);
    free(p);
    return st;
}
