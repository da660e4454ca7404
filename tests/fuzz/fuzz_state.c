/* fuzz_state - libFuzzer target: any bytes as a JSON state snapshot. */
#include <stdint.h>

#include "fuzz_common.h"
#include "twincast/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tc_model *m = fuzz_model();
    tc_state *s = NULL;
    char err[1024] = "";
    if (tc_state_parse_json(m, (const char *)data, size, "fuzz.json", &s, err, sizeof err) == TC_OK) {
        if (tc_state_validate(s, m, err, sizeof err) != TC_OK)
            abort(); /* what parses is valid */
        tc_state_destroy(s);
    } else if (!err[0]) {
        abort();
    }
    return 0;
}
