/*
 * fuzz_message - libFuzzer target: any bytes as one telemetry message, through
 * the event parser alone (fuzz_event drives whole logs through the
 * switchboard; this one reaches tens of millions of inputs).
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "twincast/event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tc_model *m = fuzz_model();
    tc_event ev;
    char why[256] = "";
    tc_reject r = tc_event_parse(m, (const char *)data, size, &ev, why, sizeof why);
    if (r == TC_REJ_NONE) {
        /* what parses is well formed: a known type, a station or a parameter, finite numbers */
        if (ev.type >= TC_EV_NTYPES || (ev.type == TC_EV_SET ? ev.param < 0 : ev.station < 0) ||
            ev.ts != ev.ts || ev.value != ev.value || memchr(ev.job, '\0', sizeof ev.job) == NULL)
            abort();
    } else if (!why[0] || r >= TC_REJ_COUNT) {
        abort(); /* a refusal always says why */
    }
    return 0;
}
