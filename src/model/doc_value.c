/* doc_value.c - typed values out of a document's nodes, each refusal naming file:line:col. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"

int tc_doc_fail(tc_doc *d, const tc_node *n, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized): started just above
    va_end(ap);
    if (n)
        snprintf(d->err, d->errlen, "%s:%d:%d: %s", d->origin, n->line, n->col, msg);
    else
        snprintf(d->err, d->errlen, "%s: %s", d->origin, msg);
    return -1;
}

int tc_doc_is(const tc_node *n, tc_node_kind kind)
{
    return n && n->kind == kind;
}

const char *tc_doc_scalar(tc_doc *d, const tc_node *n, const char *key)
{
    if (!tc_doc_is(n, TC_NODE_SCALAR)) {
        tc_doc_fail(d, n, "'%s' must be a single value, not a list or mapping", key);
        return NULL;
    }
    return n->text;
}

int tc_doc_real(tc_doc *d, const tc_node *n, const char *key, double *out)
{
    const char *s = tc_doc_scalar(d, n, key);
    if (!s)
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v) || (d->json && n->quoted))
        return tc_doc_fail(d, n, "'%s' must be a finite number, got '%s'", key, s);
    *out = v;
    return 0;
}

int tc_doc_int(tc_doc *d, const tc_node *n, const char *key, long lo, long hi, long *out)
{
    const char *s = tc_doc_scalar(d, n, key);
    if (!s)
        return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno == ERANGE || (d->json && n->quoted))
        return tc_doc_fail(d, n, "'%s' must be a whole number, got '%s'", key, s);
    if (v < lo || v > hi)
        return tc_doc_fail(d, n, "'%s' must be from %ld to %ld, got %ld", key, lo, hi, v);
    *out = v;
    return 0;
}

int tc_doc_duration(tc_doc *d, const tc_node *n, const char *key, double *out)
{
    const char *s = tc_doc_scalar(d, n, key);
    if (!s)
        return -1;
    char why[256];
    if (tc_duration_parse(s, d->unit, out, why, sizeof why) != 0)
        return tc_doc_fail(d, n, "'%s': %s", key, why);
    if (*out < 0)
        return tc_doc_fail(d, n, "'%s' must not be negative, got '%s'", key, s);
    return 0;
}

int tc_doc_bool(tc_doc *d, const tc_node *n, const char *key, int *out)
{
    const char *s = tc_doc_scalar(d, n, key);
    if (!s)
        return -1;
    if (!n->quoted && strcmp(s, "true") == 0)
        *out = 1;
    else if (!n->quoted && strcmp(s, "false") == 0)
        *out = 0;
    else
        return tc_doc_fail(d, n, "'%s' must be true or false, got '%s'", key, s);
    return 0;
}

tc_node *tc_doc_find(const tc_node *map, const char *key, tc_node **keynode)
{
    for (int i = 0; tc_doc_is(map, TC_NODE_MAPPING) && i < map->count; i++) {
        tc_node *k = tc_node_key(map, i);
        if (k->kind == TC_NODE_SCALAR && strcmp(k->text, key) == 0) {
            if (keynode)
                *keynode = k;
            return tc_node_value(map, i);
        }
    }
    return NULL;
}

int tc_doc_expect_mapping(tc_doc *d, const tc_node *n, const tc_node *at, const char *what)
{
    if (!tc_doc_is(n, TC_NODE_MAPPING))
        return tc_doc_fail(d, n ? n : at, "%s must be a mapping of key: value", what);
    return 0;
}

int tc_doc_check_keys(tc_doc *d, const tc_node *map, const char *what, const char *const *allowed)
{
    for (int i = 0; i < map->count; i++) {
        const tc_node *k = tc_node_key(map, i);
        if (k->kind != TC_NODE_SCALAR)
            return tc_doc_fail(d, k, "%s: keys must be plain names", what);
        int ok = 0;
        for (int j = 0; allowed[j]; j++)
            ok |= strcmp(k->text, allowed[j]) == 0;
        if (!ok) {
            char list[512] = "";
            for (int j = 0; allowed[j]; j++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", j ? ", " : "", allowed[j]);
            return tc_doc_fail(d, k, "unknown key '%s' in %s (expected one of: %s)", k->text, what, list);
        }
    }
    return 0;
}
