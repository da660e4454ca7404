/* tc_test.h - helpers shared by the cmocka tests. */
#ifndef TC_TEST_H
#define TC_TEST_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* after the headers above, which cmocka.h needs and does not include */
#include <cmocka.h>

#include "twincast/engine.h"
#include "twincast/model.h"
#include "twincast/stats.h"

/* Absolute closeness, printing both values when it fails. */
#define assert_close(a, b, tol)                                                                              \
    do {                                                                                                     \
        double a_ = (a), b_ = (b), t_ = (tol);                                                               \
        if (!(fabs(a_ - b_) <= t_)) {                                                                        \
            print_error("%s = %.17g, expected %s = %.17g within %g\n", #a, a_, #b, b_, t_);                  \
            fail();                                                                                          \
        }                                                                                                    \
    } while (0)

/* The truth must lie in the confidence interval computed from the data. */
static inline void tc_assert_ci_(const tc_moments *m, double truth, double level, const char *what,
                                 const char *file, int line)
{
    double h = tc_t_halfwidth(m, level);
    fprintf(stderr, "  %-44s mean %.5f +- %.5f (%.1f%% CI, n=%ld), theory %.5f\n", what, m->mean, h,
            level * 100, m->n, truth);
    if (!(fabs(m->mean - truth) <= h)) {
        print_error("%s:%d: %s: theory %.6g outside %.6g +- %.6g\n", file, line, what, truth, m->mean, h);
        fail();
    }
}
#define assert_ci_contains(m, truth, level, what)                                                            \
    tc_assert_ci_((m), (truth), (level), (what), __FILE__, __LINE__)

static inline tc_model *tc_test_model(const char *yaml)
{
    char err[1024];
    tc_model *m = NULL;
    if (tc_model_load_string(yaml, "test.yaml", &m, err, sizeof err) != TC_OK) {
        print_error("model did not load: %s\n", err);
        fail();
    }
    return m;
}

#endif
