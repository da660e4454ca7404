/* fuzz_model - libFuzzer target: any bytes as a model file. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "twincast/model.h"
#include "twincast/timetable.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1), err[1024];
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    tc_model *m = NULL;
    if (tc_model_load_string(text, "fuzz.yaml", &m, err, sizeof err) == TC_OK) {
        /* a model that loads must be usable: every registered parameter can be read back */
        for (int i = 0; i < m->n_params; i++)
            (void)tc_plant_get(&m->plant, &m->params[i]);
        /* ... and its calendar compiles, over a horizon up to 40 days (longer only costs time) */
        tc_timetable *tt = NULL;
        double days = m->horizon * tc_time_unit_seconds(m->unit) / 86400;
        if (m->calendar && days <= 40 &&
            tc_timetable_build(m, m->start, m->horizon, &tt, err, sizeof err) == TC_OK) {
            for (int i = 1; tt && i < tt->n_changes; i++)
                if (tt->changes[i].at < tt->changes[i - 1].at || tt->changes[i].at > m->horizon)
                    abort(); /* changes in time order, within the horizon */
            tc_timetable_destroy(tt);
        }
        tc_model_destroy(m);
    } else if (!err[0]) {
        abort(); /* a refusal always says why */
    }
    free(text);
    return 0;
}
