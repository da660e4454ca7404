/* doc.c - YAML/JSON documents with exact error positions (libfyaml). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "utf8.h"

static int first_scalar_mark(struct fy_node *n, int *line, int *col)
{
    if (!n)
        return -1;
    if (fy_node_is_scalar(n)) {
        struct fy_token *t = fy_node_get_scalar_token(n);
        const struct fy_mark *mk = t ? fy_token_start_mark(t) : NULL;
        if (!mk)
            return -1;
        *line = mk->line + 1;
        *col = mk->column + 1;
        return 0;
    }
    void *it = NULL;
    if (fy_node_is_sequence(n))
        return first_scalar_mark(fy_node_sequence_iterate(n, &it), line, col);
    struct fy_node_pair *p = fy_node_mapping_iterate(n, &it);
    return p ? first_scalar_mark(fy_node_pair_key(p), line, col) : -1;
}

int tc_doc_fail(tc_doc *d, struct fy_node *n, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized): started just above
    va_end(ap);
    int line, col;
    if (first_scalar_mark(n, &line, &col) == 0)
        snprintf(d->err, d->errlen, "%s:%d:%d: %s", d->origin, line, col, msg);
    else
        snprintf(d->err, d->errlen, "%s: %s", d->origin, msg);
    return -1;
}

static int is_quoted(struct fy_node *n)
{
    enum fy_node_style st = fy_node_get_style(n);
    return st == FYNS_SINGLE_QUOTED || st == FYNS_DOUBLE_QUOTED;
}

const char *tc_doc_scalar(tc_doc *d, struct fy_node *n, const char *key)
{
    if (!n || !fy_node_is_scalar(n)) {
        tc_doc_fail(d, n, "'%s' must be a single value, not a list or mapping", key);
        return NULL;
    }
    const char *s = fy_node_get_scalar0(n);
    if (!s)
        tc_doc_fail(d, n, "'%s': out of memory", key);
    return s;
}

int tc_doc_real(tc_doc *d, struct fy_node *n, const char *key, double *out)
{
    const char *s = tc_doc_scalar(d, n, key);
    if (!s)
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v) || (d->json && is_quoted(n)))
        return tc_doc_fail(d, n, "'%s' must be a finite number, got '%s'", key, s);
    *out = v;
    return 0;
}

int tc_doc_int(tc_doc *d, struct fy_node *n, const char *key, long lo, long hi, long *out)
{
    const char *s = tc_doc_scalar(d, n, key);
    if (!s)
        return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno == ERANGE || (d->json && is_quoted(n)))
        return tc_doc_fail(d, n, "'%s' must be a whole number, got '%s'", key, s);
    if (v < lo || v > hi)
        return tc_doc_fail(d, n, "'%s' must be from %ld to %ld, got %ld", key, lo, hi, v);
    *out = v;
    return 0;
}

int tc_doc_duration(tc_doc *d, struct fy_node *n, const char *key, double *out)
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

int tc_doc_bool(tc_doc *d, struct fy_node *n, const char *key, int *out)
{
    const char *s = tc_doc_scalar(d, n, key);
    if (!s)
        return -1;
    if (!is_quoted(n) && strcmp(s, "true") == 0)
        *out = 1;
    else if (!is_quoted(n) && strcmp(s, "false") == 0)
        *out = 0;
    else
        return tc_doc_fail(d, n, "'%s' must be true or false, got '%s'", key, s);
    return 0;
}

struct fy_node *tc_doc_find(struct fy_node *map, const char *key, struct fy_node **keynode)
{
    void *it = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(map, &it))) {
        struct fy_node *k = fy_node_pair_key(p);
        const char *ks = k && fy_node_is_scalar(k) ? fy_node_get_scalar0(k) : NULL;
        if (ks && strcmp(ks, key) == 0) {
            if (keynode)
                *keynode = k;
            return fy_node_pair_value(p);
        }
    }
    return NULL;
}

int tc_doc_expect_mapping(tc_doc *d, struct fy_node *n, struct fy_node *at, const char *what)
{
    if (!n || !fy_node_is_mapping(n))
        return tc_doc_fail(d, n ? n : at, "%s must be a mapping of key: value", what);
    return 0;
}

int tc_doc_check_keys(tc_doc *d, struct fy_node *map, const char *what, const char *const *allowed)
{
    void *it = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(map, &it))) {
        struct fy_node *k = fy_node_pair_key(p);
        const char *ks = k && fy_node_is_scalar(k) ? fy_node_get_scalar0(k) : NULL;
        if (!ks)
            return tc_doc_fail(d, k, "%s: keys must be plain names", what);
        int ok = 0;
        for (int i = 0; allowed[i]; i++)
            ok |= strcmp(ks, allowed[i]) == 0;
        if (!ok) {
            char list[512] = "";
            for (int i = 0; allowed[i]; i++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", allowed[i]);
            return tc_doc_fail(d, k, "unknown key '%s' in %s (expected one of: %s)", ks, what, list);
        }
    }
    return 0;
}

/* Keeps the first complaint's text; libfyaml formats it as "line:col: error: message". */
static void diag_sink(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
    (void)diag;
    char *first = user;
    if (!first[0])
        snprintf(first, 512, "%.*s", (int)len, buf);
}

tc_status tc_doc_parse(tc_doc *d, const char *text, size_t len)
{
    /* checked here, not left to libfyaml: 0.7.12 loops forever on some invalid UTF-8 (found by fuzzing) */
    long bad = tc_utf8_check(text, len);
    if (bad >= 0) {
        int line = 1, col = 1;
        for (long i = 0; i < bad; i++) {
            if (text[i] == '\n') {
                line++;
                col = 1;
            } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
                col++;
            }
        }
        snprintf(d->err, d->errlen, "%s:%d:%d: not valid UTF-8 text (byte 0x%02x at offset %ld)", d->origin,
                 line, col, (unsigned char)text[bad], bad);
        return TC_ERR_INPUT;
    }
    /*
     * Errors go to a callback, not into libfyaml's collected-error list:
     * those records leak on a syntax error in 0.7.12 (found by fuzzing).
     */
    char first[512] = "";
    struct fy_diag_cfg dc;
    fy_diag_cfg_default(&dc);
    dc.fp = NULL;
    dc.output_fn = diag_sink;
    dc.user = first;
    dc.colorize = false;
    dc.show_source = false;
    dc.show_position = true;
    dc.show_type = false;
    dc.show_module = false;
    dc.position_width = 0;
    dc.level = FYET_ERROR;
    struct fy_diag *diag = fy_diag_create(&dc);
    if (!diag) {
        snprintf(d->err, d->errlen, "%s: out of memory", d->origin);
        return TC_ERR_RUNTIME;
    }
    struct fy_parse_cfg pc = {
        .flags = FYPCF_QUIET | FYPCF_RESOLVE_DOCUMENT | (d->json ? FYPCF_JSON_FORCE : 0), .diag = diag};
    /*
     * An explicit parser rather than fy_document_build_from_string(): on a
     * syntax error that one leaks its parser (libfyaml 0.7.12; found by
     * fuzzing with LeakSanitizer), this one we destroy ourselves.
     */
    struct fy_parser *fyp = fy_parser_create(&pc);
    d->fyd = NULL;
    if (fyp && fy_parser_set_string(fyp, text, len) == 0)
        d->fyd = fy_parse_load_document(fyp);
    if (d->fyd && fy_parser_get_stream_error(fyp)) {
        fy_parse_document_destroy(fyp, d->fyd);
        d->fyd = NULL;
    }
    d->fyp = fyp;
    tc_status st = TC_OK;
    if (!d->fyd || !fy_document_root(d->fyd)) {
        size_t n = strlen(first);
        while (n && (first[n - 1] == '\n' || first[n - 1] == ' '))
            first[--n] = '\0';
        /* "<source>:LINE:COL: error: MESSAGE" -> "origin:LINE:COL: MESSAGE" */
        int line = 0, col = 0, at = -1;
        for (const char *c = strchr(first, ':'); c && at < 0; c = strchr(c + 1, ':')) {
            int used = 0;
            // NOLINTNEXTLINE(cert-err34-c): digits checked by the format
            if (sscanf(c, ":%d:%d:%n", &line, &col, &used) == 2 && used > 0)
                at = (int)(c - first) + used;
        }
        const char *msg = at >= 0 ? first + at : first;
        while (*msg == ' ')
            msg++;
        if (!strncmp(msg, "error: ", 7))
            msg += 7;
        if (at >= 0)
            snprintf(d->err, d->errlen, "%s:%d:%d: %s", d->origin, line, col, msg);
        else if (*msg)
            snprintf(d->err, d->errlen, "%s: %s", d->origin, msg);
        else
            snprintf(d->err, d->errlen, "%s: not a %s document (empty, or not UTF-8 text?)", d->origin,
                     d->json ? "JSON" : "YAML");
        if (d->fyd)
            fy_parse_document_destroy(fyp, d->fyd);
        d->fyd = NULL;
        if (fyp)
            fy_parser_destroy(fyp);
        d->fyp = NULL;
        st = TC_ERR_INPUT;
    }
    fy_diag_unref(diag);
    return st;
}

struct fy_node *tc_doc_root(tc_doc *d)
{
    return d->fyd ? fy_document_root(d->fyd) : NULL;
}

void tc_doc_close(tc_doc *d)
{
    if (d->fyd)
        fy_parse_document_destroy(d->fyp, d->fyd);
    if (d->fyp)
        fy_parser_destroy(d->fyp);
    d->fyd = NULL;
    d->fyp = NULL;
}

tc_status tc_doc_read_file(const char *path, size_t max, char **text, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return TC_ERR_INPUT;
    }
    char *buf = malloc(max + 1);
    size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        free(buf);
        snprintf(err, errlen, "%s: %s", path, buf ? "read error" : "out of memory");
        return TC_ERR_RUNTIME;
    }
    if (n > max) {
        free(buf);
        snprintf(err, errlen, "%s: larger than the %zu MiB limit for this file", path, max >> 20);
        return TC_ERR_INPUT;
    }
    if (memchr(buf, '\0', n)) {
        free(buf);
        snprintf(err, errlen, "%s: contains a NUL byte; not a text file", path);
        return TC_ERR_INPUT;
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return TC_OK;
}
