/*
 * ingest_bench - how fast events go from Kafka through the switchboard.
 * Prints figures; asserts nothing.
 *   ingest_bench MODEL.yaml [N]      switchboard alone, then from the mock cluster
 *   ingest_bench --generate FILE N   writes N valid events (a plant's daily chatter)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "twincast/clock.h"
#include "twincast/ingest.h"
#include "twincast/twin.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Event i of a stream of arrive/start/finish cycles over stations A..D. */
static int make_event(char *buf, size_t n, long i)
{
    static const char *st[] = {"A", "B", "C", "D"};
    static const char *ty[] = {"arrive", "start", "finish"};
    long job = i / 3;
    char ts[64];
    tc_iso_format(1796112000.0 + (double)i * 0.05, ts, sizeof ts);
    return snprintf(buf, n, "{\"ts\": \"%s\", \"type\": \"%s\", \"station\": \"%s\", \"job\": \"J%ld\"}", ts,
                    ty[i % 3], st[job % 4], job);
}

static long mem_switchboard(const tc_model *m, long N)
{
    tc_twin *t = tc_twin_create(m);
    char msg[256], why[128];
    long ok = 0;
    double t0 = now();
    for (long i = 0; i < N; i++) {
        int len = make_event(msg, sizeof msg, i);
        tc_event ev;
        if (tc_event_parse(m, msg, (size_t)len, &ev, why, sizeof why) == TC_REJ_NONE) {
            tc_twin_offer(t, &ev, msg, (size_t)len);
            ok++;
        }
        if (tc_twin_pending(t) >= 1000)
            tc_twin_settle(t);
    }
    tc_twin_settle(t);
    double dt = now() - t0;
    printf("switchboard, in memory     : %ld events in %.3f s = %.0f events/s (parse + apply, one core); %ld "
           "applied\n",
           N, dt, N / dt, tc_twin_get_counters(t)->applied);
    tc_twin_destroy(t);
    return ok;
}

/*
 * The mock cluster keeps only the newest 5 MB of a partition, so the events
 * go in rounds of 40,000 (4 MB): produce a round, then time its consumption,
 * parsing and applying.  Only the consuming side is timed.
 */
static void from_mock(const tc_model *m, long N)
{
    tc_ingest_cfg cfg = {"mock", "bench.events", "bench.forecasts", NULL, "bench", NULL, NULL, 65536};
    tc_ingest *in = NULL;
    char err[512], msg[256];
    if (tc_ingest_start(&cfg, &in, err, sizeof err) != TC_OK) {
        printf("ingest_bench: %s\n", err);
        return;
    }
    tc_twin *t = tc_twin_create(m);
    const long round = 40000;
    long got = 0, produced = 0, last_offset = -1, gaps = 0;
    double busy = 0;
    while (produced < N) {
        long k = N - produced < round ? N - produced : round;
        for (long i = 0; i < k; i++) {
            int len = make_event(msg, sizeof msg, produced + i);
            tc_ingest_produce(in, "bench.events", NULL, msg, (size_t)len, NULL);
        }
        tc_ingest_flush(in, 30000);
        produced += k;
        tc_message mm;
        if (got == 0 && tc_ingest_pop(in, &mm, 30.0) == 1) { /* the group join is not timed */
            last_offset = mm.offset;
            tc_message_clear(&mm);
            got++;
        }
        double t0 = now();
        while (got < produced) {
            if (tc_ingest_pop(in, &mm, 5.0) != 1)
                break;
            gaps += mm.offset != last_offset + 1;
            last_offset = mm.offset;
            tc_ingest_mark(in, &mm);
            tc_event ev;
            char why[128];
            if (tc_event_parse(m, mm.payload, mm.len, &ev, why, sizeof why) == TC_REJ_NONE)
                tc_twin_offer(t, &ev, NULL, 0);
            if (tc_twin_pending(t) >= 1000)
                tc_twin_settle(t);
            tc_message_clear(&mm);
            got++;
        }
        tc_twin_settle(t);
        busy += now() - t0;
    }
    printf("from the mock cluster      : %ld events consumed, parsed and applied in %.3f s = %.0f events/s "
           "(%ld applied, %ld gaps in the offsets)\n",
           got, busy, got / busy, tc_twin_get_counters(t)->applied, gaps);
    tc_twin_destroy(t);
    tc_ingest_destroy(in);
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "--generate")) {
        FILE *f = fopen(argv[2], "w");
        long n = atol(argv[3]);
        char msg[256];
        for (long i = 0; f && i < n; i++) {
            make_event(msg, sizeof msg, i);
            fprintf(f, "%s\n", msg);
        }
        return f && fclose(f) == 0 ? 0 : 1;
    }
    if (argc < 2) {
        fprintf(stderr, "usage: ingest_bench MODEL.yaml [N] | --generate FILE N\n");
        return 2;
    }
    char err[512];
    tc_model *m = NULL;
    if (tc_model_load(argv[1], &m, err, sizeof err) != TC_OK) {
        fprintf(stderr, "ingest_bench: %s\n", err);
        return 1;
    }
    long N = argc > 2 ? atol(argv[2]) : 1000000;
    mem_switchboard(m, N);
    from_mock(m, N);
    tc_model_destroy(m);
    return 0;
}
