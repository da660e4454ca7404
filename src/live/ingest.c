/*
 * ingest.c - Kafka in and out (librdkafka).
 *
 * The consumer thread only copies payloads into a bounded queue: parsing
 * and the twin live on the main thread, which never waits on the network.
 * When the queue is full the consumer thread waits, and the backlog stays
 * in Kafka (consumer lag), not in memory.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "kafka_internal.h"
#include "twincast/clock.h"
#include "twincast/ingest.h"

typedef struct part_offset {
    int32_t partition;
    int64_t next;
} part_offset;

struct tc_ingest {
    tc_ingest_cfg cfg;
    char *topic, *forecast_topic, *dlq_topic, *bootstraps;
    rd_kafka_t *mock_rk, *consumer, *producer;
    rd_kafka_mock_cluster_t *mock;
    pthread_t thread, replay_thread;
    int thread_started, replay_started;
    atomic_int stop;
    atomic_int assigned; /* the group has given us partitions */
    atomic_long significant, errors;
    pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full;
    tc_message *q;
    size_t cap, head, len;
    part_offset *marked, *snapshot; /* main thread only */
    int n_marked, n_snapshot;
    part_offset *resume;
    int n_resume;
    char *replay_path;
    double replay_speed;
};

static void set_err(char *err, size_t errlen, const char *fmt, const char *a, const char *b)
{
    snprintf(err, errlen, fmt, a, b);
}

/* ---- configuration ---------------------------------------------------------------- */

tc_status tc_kafka_config_read(const char *path, char ***names, char ***values, int *n, char *err,
                               size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return TC_ERR_INPUT;
    }
    char line[4096];
    int cap = 0, lineno = 0;
    *n = 0;
    *names = *values = NULL;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *s = line, *e = line + strlen(line);
        while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
            *--e = '\0';
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (!eq || eq == s) {
            snprintf(err, errlen, "%s:%d: expected name=value", path, lineno);
            fclose(f);
            return TC_ERR_INPUT;
        }
        char *ne = eq;
        while (ne > s && (ne[-1] == ' ' || ne[-1] == '\t'))
            ne--;
        *ne = '\0';
        char *v = eq + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *names = realloc(*names, sizeof **names * (size_t)cap);
            *values = realloc(*values, sizeof **values * (size_t)cap);
            if (!*names || !*values) {
                fclose(f);
                snprintf(err, errlen, "out of memory");
                return TC_ERR_RUNTIME;
            }
        }
        (*names)[*n] = strdup(s);
        (*values)[*n] = strdup(v);
        (*n)++;
    }
    fclose(f);
    return TC_OK;
}

static void free_config(char **names, char **values, int n)
{
    for (int i = 0; i < n; i++) {
        free(names[i]);
        if (values[i])
            memset(values[i], 0, strlen(values[i])); /* secrets do not linger */
        free(values[i]);
    }
    free(names);
    free(values);
}

int tc_kafka_conf_set(rd_kafka_conf_t *conf, const char *name, const char *value, char *err, size_t errlen)
{
    char why[512];
    if (rd_kafka_conf_set(conf, name, value, why, sizeof why) != RD_KAFKA_CONF_OK) {
        /* the property's name only: its value may be a password */
        snprintf(err, errlen, "Kafka property '%s' rejected: %s", name, why);
        return -1;
    }
    return 0;
}

int tc_kafka_conf_file(rd_kafka_conf_t *conf, const char *path, char *err, size_t errlen)
{
    char **names = NULL, **values = NULL;
    int n = 0, bad = tc_kafka_config_read(path, &names, &values, &n, err, errlen) != TC_OK;
    for (int i = 0; !bad && i < n; i++)
        bad |= tc_kafka_conf_set(conf, names[i], values[i], err, errlen);
    free_config(names, values, n);
    return bad ? -1 : 0;
}

static void error_cb(rd_kafka_t *rk, int code, const char *reason, void *opaque)
{
    (void)rk;
    tc_ingest *in = opaque;
    static _Thread_local double last;
    atomic_fetch_add(&in->errors, 1);
    double t = tc_clock_now();
    if (t - last >= 10) { /* a broker outage logs once per 10 s, not per retry */
        fprintf(stderr, "twincast: kafka: %s: %s\n", rd_kafka_err2name((rd_kafka_resp_err_t)code), reason);
        last = t;
    }
}

static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    if (level <= 3)
        fprintf(stderr, "twincast: kafka %s: %s\n", fac, buf);
}

/*
 * Our defaults first (low latency: a twin reacts to single events), then
 * the user's file, which may override any of them.
 */
static rd_kafka_conf_t *base_conf(tc_ingest *in, int consumer, char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    int bad = 0;
    bad |= tc_kafka_conf_set(conf, "bootstrap.servers", in->bootstraps, err, errlen);
    bad |= !bad && tc_kafka_conf_set(conf, "log_level", "4", err, errlen);
    if (consumer) {
        bad |= !bad && tc_kafka_conf_set(conf, "group.id", in->cfg.group, err, errlen);
        bad |= !bad && tc_kafka_conf_set(conf, "enable.auto.commit", "false", err, errlen);
        bad |= !bad && tc_kafka_conf_set(conf, "auto.offset.reset", "earliest", err, errlen);
        bad |= !bad && tc_kafka_conf_set(conf, "fetch.wait.max.ms", "50", err, errlen);
        bad |= !bad && tc_kafka_conf_set(conf, "max.partition.fetch.bytes", "8388608", err, errlen);
        /* the prefetch queue is librdkafka's; bound it so that memory stays flat under load */
        bad |= !bad && tc_kafka_conf_set(conf, "queued.max.messages.kbytes", "16384", err, errlen);
        bad |= !bad && tc_kafka_conf_set(conf, "queued.min.messages", "100000", err, errlen);
    } else {
        bad |= !bad && tc_kafka_conf_set(conf, "linger.ms", "1", err, errlen);
    }
    if (!bad && in->cfg.config_file)
        bad = tc_kafka_conf_file(conf, in->cfg.config_file, err, errlen);
    if (bad) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_conf_set_error_cb(conf, error_cb);
    rd_kafka_conf_set_log_cb(conf, log_cb);
    rd_kafka_conf_set_opaque(conf, in);
    return conf;
}

/* ---- the mock cluster -------------------------------------------------------------- */

static int start_mock(tc_ingest *in, char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char why[512];
    rd_kafka_conf_set(conf, "log_level", "4", why, sizeof why);
    if (!(in->mock_rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof why))) {
        set_err(err, errlen, "cannot start the mock cluster: %s%s", why, "");
        return -1;
    }
    if (!(in->mock = rd_kafka_mock_cluster_new(in->mock_rk, 1))) {
        set_err(err, errlen, "cannot start the mock cluster%s%s", "", "");
        return -1;
    }
    const char *topics[] = {in->topic, in->forecast_topic, in->dlq_topic};
    for (int i = 0; i < 3; i++)
        if (topics[i])
            rd_kafka_mock_topic_create(in->mock, topics[i], 1, 1);
    in->bootstraps = strdup(rd_kafka_mock_cluster_bootstraps(in->mock));
    return 0;
}

/* ---- the consumer thread ----------------------------------------------------------- */

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t e, rd_kafka_topic_partition_list_t *parts,
                         void *opaque)
{
    tc_ingest *in = opaque;
    if (e == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        /* the output file knows exactly which events its last epoch reflects: resume there */
        for (int i = 0; i < parts->cnt; i++)
            for (int k = 0; k < in->n_resume; k++)
                if (!strcmp(parts->elems[i].topic, in->topic) &&
                    parts->elems[i].partition == in->resume[k].partition)
                    parts->elems[i].offset = in->resume[k].next;
        rd_kafka_assign(rk, parts);
        atomic_store(&in->assigned, 1);
    } else {
        rd_kafka_assign(rk, NULL);
    }
}

/* A cheap look at "type": enough to tell the main thread that a newer state is coming. */
static int looks_significant(const char *p, size_t n)
{
    const char *end = p + n, *k = p;
    while ((k = memchr(k, '"', (size_t)(end - k))) && end - k > 7) {
        if (!memcmp(k, "\"type\"", 6)) {
            const char *v = k + 6;
            while (v < end && (*v == ' ' || *v == ':' || *v == '\t'))
                v++;
            return (end - v >= 6 && !memcmp(v, "\"down\"", 6)) || (end - v >= 4 && !memcmp(v, "\"up\"", 4)) ||
                   (end - v >= 5 && !memcmp(v, "\"set\"", 5));
        }
        k++;
    }
    return 0;
}

static void push(tc_ingest *in, tc_message *m)
{
    pthread_mutex_lock(&in->mu);
    while (in->len == in->cap && !atomic_load(&in->stop)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&in->not_full, &in->mu, &ts);
    }
    if (in->len < in->cap) {
        in->q[(in->head + in->len) % in->cap] = *m;
        in->len++;
        m->payload = NULL;
        pthread_cond_signal(&in->not_empty);
    }
    pthread_mutex_unlock(&in->mu);
    tc_message_clear(m);
}

static void *consume(void *arg)
{
    tc_ingest *in = arg;
    while (!atomic_load(&in->stop)) {
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(in->consumer, 100);
        if (!msg)
            continue;
        if (msg->err) {
            if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                error_cb(in->consumer, msg->err, rd_kafka_message_errstr(msg), in);
            rd_kafka_message_destroy(msg);
            continue;
        }
        tc_message m = {malloc(msg->len + 1), msg->len, msg->partition, msg->offset};
        if (m.payload) {
            memcpy(m.payload, msg->payload, msg->len);
            m.payload[msg->len] = '\0';
            if (looks_significant(m.payload, m.len))
                atomic_fetch_add(&in->significant, 1);
            push(in, &m);
        }
        rd_kafka_message_destroy(msg);
    }
    return NULL;
}

/* ---- life cycle ------------------------------------------------------------------- */

static void parse_resume(tc_ingest *in, const char *json)
{
    /* {"topic/3": 124, ...}: only our topic's partitions matter */
    size_t tl = strlen(in->topic);
    for (const char *p = json; p && (p = strstr(p, in->topic)); p += tl) {
        if (p == json || p[-1] != '"' || p[tl] != '/')
            continue;
        char *end;
        long part = strtol(p + tl + 1, &end, 10);
        if (*end != '"')
            continue;
        const char *c = strchr(end, ':');
        if (!c)
            break;
        long long off = strtoll(c + 1, NULL, 10);
        part_offset *nr = realloc(in->resume, sizeof *nr * (size_t)(in->n_resume + 1));
        if (!nr)
            break;
        in->resume = nr;
        in->resume[in->n_resume++] = (part_offset){(int32_t)part, off};
    }
}

tc_status tc_ingest_start(const tc_ingest_cfg *cfg, tc_ingest **out, char *err, size_t errlen)
{
    tc_ingest *in = calloc(1, sizeof *in);
    if (!in) {
        snprintf(err, errlen, "out of memory");
        return TC_ERR_RUNTIME;
    }
    in->cfg = *cfg;
    in->topic = strdup(cfg->topic);
    in->forecast_topic = strdup(cfg->forecast_topic);
    in->dlq_topic = cfg->dlq_topic ? strdup(cfg->dlq_topic) : NULL;
    in->cap = cfg->queue_capacity ? cfg->queue_capacity : 65536;
    in->q = calloc(in->cap, sizeof *in->q);
    pthread_mutex_init(&in->mu, NULL);
    pthread_cond_init(&in->not_empty, NULL);
    pthread_cond_init(&in->not_full, NULL);
    if (cfg->resume_offsets)
        parse_resume(in, cfg->resume_offsets);
    char why[512];
    tc_status st = TC_ERR_INPUT;
    if (!strcmp(cfg->brokers, "mock")) {
        if (start_mock(in, err, errlen))
            goto fail;
    } else {
        in->bootstraps = strdup(cfg->brokers);
    }
    rd_kafka_conf_t *cc = base_conf(in, 1, err, errlen), *pc = NULL;
    if (!cc)
        goto fail;
    rd_kafka_conf_set_rebalance_cb(cc, rebalance_cb);
    if (!(in->consumer = rd_kafka_new(RD_KAFKA_CONSUMER, cc, why, sizeof why))) {
        set_err(err, errlen, "cannot create the Kafka consumer: %s%s", why, "");
        goto fail;
    }
    rd_kafka_poll_set_consumer(in->consumer);
    if (!(pc = base_conf(in, 0, err, errlen)))
        goto fail;
    if (!(in->producer = rd_kafka_new(RD_KAFKA_PRODUCER, pc, why, sizeof why))) {
        set_err(err, errlen, "cannot create the Kafka producer: %s%s", why, "");
        goto fail;
    }
    rd_kafka_topic_partition_list_t *subs = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(subs, in->topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(in->consumer, subs);
    rd_kafka_topic_partition_list_destroy(subs);
    if (e) {
        set_err(err, errlen, "cannot subscribe to %s: %s", in->topic, rd_kafka_err2str(e));
        goto fail;
    }
    if (pthread_create(&in->thread, NULL, consume, in) != 0) {
        set_err(err, errlen, "cannot start the ingest thread%s%s", "", "");
        st = TC_ERR_RUNTIME;
        goto fail;
    }
    in->thread_started = 1;
    *out = in;
    return TC_OK;
fail:
    tc_ingest_destroy(in);
    return st;
}

const char *tc_ingest_bootstraps(const tc_ingest *in)
{
    return in->bootstraps;
}
long tc_ingest_significant(tc_ingest *in)
{
    return atomic_load(&in->significant);
}
long tc_ingest_errors(tc_ingest *in)
{
    return atomic_load(&in->errors);
}

int tc_ingest_pop(tc_ingest *in, tc_message *m, double timeout_s)
{
    pthread_mutex_lock(&in->mu);
    if (in->len == 0 && timeout_s > 0 && !atomic_load(&in->stop)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        double t = ts.tv_sec + 1e-9 * ts.tv_nsec + timeout_s;
        ts.tv_sec = (time_t)t;
        ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
        pthread_cond_timedwait(&in->not_empty, &in->mu, &ts);
    }
    int got = 0;
    if (in->len > 0) {
        *m = in->q[in->head];
        in->head = (in->head + 1) % in->cap;
        in->len--;
        pthread_cond_signal(&in->not_full);
        got = 1;
    }
    pthread_mutex_unlock(&in->mu);
    return got ? 1 : (atomic_load(&in->stop) ? -1 : 0);
}

void tc_message_clear(tc_message *m)
{
    free(m->payload);
    m->payload = NULL;
}

void tc_ingest_mark(tc_ingest *in, const tc_message *m)
{
    for (int i = 0; i < in->n_marked; i++)
        if (in->marked[i].partition == m->partition) {
            if (m->offset + 1 > in->marked[i].next)
                in->marked[i].next = m->offset + 1;
            return;
        }
    part_offset *nm = realloc(in->marked, sizeof *nm * (size_t)(in->n_marked + 1));
    if (!nm)
        return;
    in->marked = nm;
    in->marked[in->n_marked++] = (part_offset){m->partition, m->offset + 1};
}

char *tc_ingest_offsets_json(tc_ingest *in)
{
    /* resumed partitions without new messages keep their offsets */
    for (int k = 0; k < in->n_resume; k++) {
        int found = 0;
        for (int i = 0; i < in->n_marked; i++)
            found |= in->marked[i].partition == in->resume[k].partition;
        if (!found) {
            tc_message m = {NULL, 0, in->resume[k].partition, in->resume[k].next - 1};
            tc_ingest_mark(in, &m);
        }
    }
    size_t cap = 64 + (size_t)in->n_marked * (strlen(in->topic) + 48);
    char *b = malloc(cap);
    part_offset *snap = malloc(sizeof *snap * (size_t)(in->n_marked + 1));
    if (!b || !snap) {
        free(b);
        free(snap);
        return NULL;
    }
    size_t n = (size_t)snprintf(b, cap, "{");
    for (int i = 0; i < in->n_marked; i++)
        n += (size_t)snprintf(b + n, cap - n, "%s\"%s/%d\": %lld", i ? ", " : "", in->topic,
                              (int)in->marked[i].partition, (long long)in->marked[i].next);
    snprintf(b + n, cap - n, "}");
    memcpy(snap, in->marked, sizeof *snap * (size_t)in->n_marked);
    free(in->snapshot);
    in->snapshot = snap;
    in->n_snapshot = in->n_marked;
    return b;
}

tc_status tc_ingest_commit(tc_ingest *in, char *err, size_t errlen)
{
    if (in->n_snapshot == 0)
        return TC_OK;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(in->n_snapshot);
    for (int i = 0; i < in->n_snapshot; i++)
        rd_kafka_topic_partition_list_add(l, in->topic, in->snapshot[i].partition)->offset =
            in->snapshot[i].next;
    rd_kafka_resp_err_t e = rd_kafka_commit(in->consumer, l, 0);
    rd_kafka_topic_partition_list_destroy(l);
    if (e) {
        snprintf(err, errlen, "committing offsets: %s", rd_kafka_err2str(e));
        return TC_ERR_RUNTIME;
    }
    return TC_OK;
}

void tc_ingest_produce(tc_ingest *in, const char *topic, const char *key, const char *payload, size_t len,
                       const char *reason)
{
    rd_kafka_headers_t *h = NULL;
    if (reason) {
        h = rd_kafka_headers_new(1);
        rd_kafka_header_add(h, "twincast-reason", -1, reason, -1);
    }
    rd_kafka_resp_err_t e;
    for (int tries = 0;; tries++) {
        e = rd_kafka_producev(in->producer, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE((void *)payload, len),
                              RD_KAFKA_V_KEY((void *)key, key ? strlen(key) : 0),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(h),
                              RD_KAFKA_V_END);
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL || tries == 100)
            break;
        rd_kafka_poll(in->producer, 100); /* the local queue is full: let deliveries drain it */
    }
    if (e) {
        if (h)
            rd_kafka_headers_destroy(h);
        error_cb(in->producer, e, "producing a message", in);
    }
    rd_kafka_poll(in->producer, 0);
}

void tc_ingest_flush(tc_ingest *in, int timeout_ms)
{
    rd_kafka_flush(in->producer, timeout_ms);
}

/* ---- replaying a recorded log into the mock cluster ------------------------------------ */

static double line_ts(const char *line)
{
    const char *k = strstr(line, "\"ts\"");
    if (!k)
        return NAN;
    k += 4;
    while (*k == ' ' || *k == ':')
        k++;
    if (*k == '"') {
        char buf[64];
        const char *e = strchr(k + 1, '"');
        if (!e || e - k - 1 >= (long)sizeof buf)
            return NAN;
        memcpy(buf, k + 1, (size_t)(e - k - 1));
        buf[e - k - 1] = '\0';
        double s;
        return tc_iso_parse(buf, &s) == 0 ? s : NAN;
    }
    return strtod(k, NULL);
}

static void *replay(void *arg)
{
    tc_ingest *in = arg;
    FILE *f = fopen(in->replay_path, "r");
    if (!f)
        return NULL;
    char *line = malloc(1 << 20);
    /* a replay is a demonstration: start it once the consumer is listening */
    for (int i = 0; i < 600 && !atomic_load(&in->assigned) && !atomic_load(&in->stop); i++) {
        struct timespec s = {0, 50000000};
        nanosleep(&s, NULL);
    }
    double first_ts = NAN, t0 = tc_clock_now();
    while (line && !atomic_load(&in->stop) && fgets(line, 1 << 20, f)) {
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (!n)
            continue;
        double ts = line_ts(line);
        if (in->replay_speed > 0 && !isnan(ts)) {
            if (isnan(first_ts))
                first_ts = ts;
            double due = t0 + (ts - first_ts) / in->replay_speed;
            while (!atomic_load(&in->stop) && tc_clock_now() < due) {
                struct timespec s = {0, 5000000};
                nanosleep(&s, NULL);
            }
        }
        tc_ingest_produce(in, in->topic, NULL, line, n, NULL);
    }
    free(line);
    fclose(f);
    rd_kafka_flush(in->producer, 5000);
    return NULL;
}

tc_status tc_ingest_replay_file(tc_ingest *in, const char *path, double speed, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return TC_ERR_INPUT;
    }
    fclose(f);
    in->replay_path = strdup(path);
    in->replay_speed = speed;
    if (pthread_create(&in->replay_thread, NULL, replay, in) != 0) {
        snprintf(err, errlen, "cannot start the replay thread");
        return TC_ERR_RUNTIME;
    }
    in->replay_started = 1;
    return TC_OK;
}

void tc_ingest_stop(tc_ingest *in)
{
    atomic_store(&in->stop, 1);
    pthread_mutex_lock(&in->mu);
    pthread_cond_broadcast(&in->not_empty);
    pthread_cond_broadcast(&in->not_full);
    pthread_mutex_unlock(&in->mu);
}

void tc_ingest_destroy(tc_ingest *in)
{
    if (!in)
        return;
    tc_ingest_stop(in);
    if (in->replay_started)
        pthread_join(in->replay_thread, NULL);
    if (in->thread_started)
        pthread_join(in->thread, NULL);
    if (in->producer) {
        rd_kafka_flush(in->producer, 10000);
        rd_kafka_destroy(in->producer);
    }
    if (in->consumer) {
        rd_kafka_consumer_close(in->consumer);
        rd_kafka_destroy(in->consumer);
    }
    if (in->mock)
        rd_kafka_mock_cluster_destroy(in->mock);
    if (in->mock_rk)
        rd_kafka_destroy(in->mock_rk);
    for (size_t i = 0; i < in->len; i++)
        free(in->q[(in->head + i) % in->cap].payload);
    pthread_mutex_destroy(&in->mu);
    pthread_cond_destroy(&in->not_empty);
    pthread_cond_destroy(&in->not_full);
    free(in->q);
    free(in->marked);
    free(in->snapshot);
    free(in->resume);
    free(in->replay_path);
    free(in->topic);
    free(in->forecast_topic);
    free(in->dlq_topic);
    free(in->bootstraps);
    free(in);
}
