/*
 * fuzz_event - libFuzzer target: any bytes as telemetry messages (split at
 * newlines) through the parser and the switchboard of one twin, whose
 * snapshot must then always be a valid state.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz_common.h"
#include "twincast/twin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tc_model *m = fuzz_model();
    tc_twin *t = tc_twin_create(m);
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        tc_event ev;
        char why[256];
        if (tc_event_parse(m, p, len, &ev, why, sizeof why) == TC_REJ_NONE)
            tc_twin_offer(t, &ev, p, len);
        p += len + 1;
    }
    tc_twin_settle(t);
    double at = tc_twin_time(t);
    char *json = tc_twin_snapshot_json(t, at == at ? at : 0);
    tc_state *s = NULL;
    char err[1024];
    if (!json || tc_state_parse_json(m, json, strlen(json), "snapshot", &s, err, sizeof err) != TC_OK) {
        /* the switchboard never builds an invalid state: say why it did */
        fprintf(stderr, "snapshot refused: %s\n%s\n", json ? err : "no snapshot", json ? json : "");
        abort();
    }
    tc_state_destroy(s);
    free(json);
    tc_twin_destroy(t);
    return 0;
}
