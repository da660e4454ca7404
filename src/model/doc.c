/*
 * doc.c - YAML and JSON text into a tree of tc_node (libyaml's event parser).
 *
 * Why our own tree rather than a library's document: every node keeps its
 * line and column for the messages; duplicate keys, over-deep nesting and
 * (for JSON) YAML syntax are refused here, once for all readers; the tree is
 * freed by walking one chain, never by recursion.  Why libyaml: OSS-Fuzz has
 * fuzzed it continuously for years.  libfyaml 0.7.12, used before, crashed in
 * its own clean-up on a 20-byte malformed model found by our fuzzer
 * (tests/fuzz/regressions/model/crash-f96606c8...).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "doc.h"
#include "twincast/utf8.h"

typedef struct anchor {
    char *name;
    tc_node *node;
} anchor;

typedef struct builder {
    tc_doc *d;
    tc_node *stack[TC_DOC_MAX_DEPTH];
    char *pending[TC_DOC_MAX_DEPTH]; /* a container's anchor: usable once the container is complete */
    int depth;
    int documents;
    anchor *anchors;
    int n_anchors, cap_anchors;
} builder;

static tc_status fail_at(builder *b, const yaml_mark_t *mk, const char *msg, const char *arg)
{
    snprintf(b->d->err, b->d->errlen, "%s:%zu:%zu: %s%s%s%s", b->d->origin, mk->line + 1, mk->column + 1, msg,
             arg ? " '" : "", arg ? arg : "", arg ? "'" : "");
    return TC_ERR_INPUT;
}

/* Line and column (from 0, counting characters, not bytes) of a byte offset. */
static yaml_mark_t mark_of(const char *text, size_t offset)
{
    yaml_mark_t mk = {.index = offset};
    for (size_t i = 0; i < offset && text[i]; i++)
        if (text[i] == '\n') {
            mk.line++;
            mk.column = 0;
        } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
            mk.column++;
        }
    return mk;
}

static tc_status out_of_memory(builder *b)
{
    snprintf(b->d->err, b->d->errlen, "%s: out of memory", b->d->origin);
    return TC_ERR_RUNTIME;
}

static tc_node *new_node(builder *b, tc_node_kind kind, const yaml_mark_t *mk)
{
    tc_node *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->kind = kind;
    n->line = (int)mk->line + 1;
    n->col = (int)mk->column + 1;
    n->chain = b->d->nodes;
    b->d->nodes = n;
    b->d->n_nodes++;
    return n;
}

/* Appends n to the open container; while open, a mapping's count is of keys and values both. */
static int attach(builder *b, tc_node *n)
{
    if (b->depth == 0) {
        b->d->root = n;
        return 0;
    }
    tc_node *parent = b->stack[b->depth - 1];
    if (!parent)
        return -1;
    if (parent->count == parent->cap) {
        int ncap = parent->cap ? parent->cap * 2 : 8;
        tc_node **ni = realloc(parent->items, sizeof *ni * (size_t)ncap);
        if (!ni)
            return -1;
        parent->items = ni;
        parent->cap = ncap;
    }
    parent->items[parent->count++] = n;
    return 0;
}

static int by_text_then_place(const void *a, const void *b)
{
    const tc_node *x = *(tc_node *const *)a, *y = *(tc_node *const *)b;
    int c = strcmp(x->text, y->text);
    if (c == 0)
        c = (x->line > y->line) - (x->line < y->line);
    if (c == 0)
        c = (x->col > y->col) - (x->col < y->col);
    return c;
}

/* The first repeated key in reading order, or NULL; sorting keeps a 100,000-key mapping fast. */
static const tc_node *duplicate_key(const tc_node *map, int *oom)
{
    int n = 0;
    const tc_node *dup = NULL;
    if (map->count == 0 || !map->items)
        return NULL;
    tc_node **keys = malloc(sizeof *keys * (size_t)(map->count + 1));
    if (!keys) {
        *oom = 1;
        return NULL;
    }
    for (int i = 0; i < map->count; i++)
        if (tc_node_key(map, i)->kind == TC_NODE_SCALAR)
            keys[n++] = tc_node_key(map, i);
    qsort(keys, (size_t)n, sizeof *keys, by_text_then_place);
    for (int i = 1; i < n; i++)
        if (strcmp(keys[i - 1]->text, keys[i]->text) == 0 &&
            (!dup || keys[i]->line < dup->line || (keys[i]->line == dup->line && keys[i]->col < dup->col)))
            dup = keys[i];
    free(keys);
    return dup;
}

static int define_anchor(builder *b, const yaml_char_t *name, tc_node *n)
{
    if (b->n_anchors == b->cap_anchors) {
        int ncap = b->cap_anchors ? b->cap_anchors * 2 : 8;
        anchor *na = realloc(b->anchors, sizeof *na * (size_t)ncap);
        if (!na)
            return -1;
        b->anchors = na;
        b->cap_anchors = ncap;
    }
    char *copy = strdup((const char *)name);
    if (!copy)
        return -1;
    b->anchors[b->n_anchors].name = copy;
    b->anchors[b->n_anchors++].node = n;
    return 0;
}

/* The latest complete node of that name: YAML lets an anchor be redefined. */
static tc_node *find_anchor(const builder *b, const yaml_char_t *name)
{
    for (int i = b->n_anchors - 1; i >= 0; i--)
        if (strcmp(b->anchors[i].name, (const char *)name) == 0)
            return b->anchors[i].node;
    return NULL;
}

/* JSON's bare words: numbers, true, false and null. */
static int json_bare(const char *s)
{
    if (!strcmp(s, "true") || !strcmp(s, "false") || !strcmp(s, "null"))
        return 1;
    const char *p = s + (*s == '-');
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        while (*p >= '0' && *p <= '9')
            p++;
    else
        return 0;
    if (*p == '.') {
        if (!(*++p >= '0' && *p <= '9'))
            return 0;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p += p[1] == '+' || p[1] == '-' ? 2 : 1;
        if (!(*p >= '0' && *p <= '9'))
            return 0;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return *p == '\0';
}

static tc_status on_scalar(builder *b, const yaml_event_t *e)
{
    const char *v = (const char *)e->data.scalar.value;
    size_t len = e->data.scalar.length;
    if (memchr(v, '\0', len))
        return fail_at(b, &e->start_mark, "a value holds a NUL character (\\0)", NULL);
    yaml_scalar_style_t style = e->data.scalar.style;
    if (b->d->json &&
        (style == YAML_SINGLE_QUOTED_SCALAR_STYLE || style == YAML_LITERAL_SCALAR_STYLE ||
         style == YAML_FOLDED_SCALAR_STYLE || (style == YAML_PLAIN_SCALAR_STYLE && !json_bare(v))))
        return fail_at(b, &e->start_mark, "not JSON: text must be in double quotes, got", v);
    tc_node *n = new_node(b, TC_NODE_SCALAR, &e->start_mark);
    if (!n || !(n->text = malloc(len + 1)))
        return out_of_memory(b);
    memcpy(n->text, v, len);
    n->text[len] = '\0';
    n->quoted = style == YAML_SINGLE_QUOTED_SCALAR_STYLE || style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    if (attach(b, n) || (e->data.scalar.anchor && define_anchor(b, e->data.scalar.anchor, n)))
        return out_of_memory(b);
    return TC_OK;
}

static tc_status on_open(builder *b, const yaml_event_t *e, tc_node_kind kind)
{
    int block = kind == TC_NODE_MAPPING ? e->data.mapping_start.style == YAML_BLOCK_MAPPING_STYLE
                                        : e->data.sequence_start.style == YAML_BLOCK_SEQUENCE_STYLE;
    const yaml_char_t *name =
        kind == TC_NODE_MAPPING ? e->data.mapping_start.anchor : e->data.sequence_start.anchor;
    if (b->d->json && block)
        return fail_at(b, &e->start_mark, "not JSON: a YAML block list or mapping (JSON needs [ ] or { })",
                       NULL);
    if (b->depth == TC_DOC_MAX_DEPTH)
        return fail_at(b, &e->start_mark, "lists and mappings nested more than 64 deep", NULL);
    tc_node *n = new_node(b, kind, &e->start_mark);
    char *pending = name ? strdup((const char *)name) : NULL;
    if (!n || (name && !pending) || attach(b, n)) {
        free(pending);
        return out_of_memory(b);
    }
    b->pending[b->depth] = pending;
    b->stack[b->depth++] = n;
    return TC_OK;
}

static tc_status on_close(builder *b)
{
    if (b->depth == 0 || !b->stack[b->depth - 1]) /* libyaml balances its events; never trust it blindly */
        return fail_at(b, &(yaml_mark_t){0}, "unbalanced list or mapping", NULL);
    tc_node *n = b->stack[--b->depth];
    char *name = b->pending[b->depth];
    b->pending[b->depth] = NULL;
    int fail = name && define_anchor(b, (const yaml_char_t *)name, n);
    free(name);
    if (fail)
        return out_of_memory(b);
    if (n->kind != TC_NODE_MAPPING)
        return TC_OK;
    n->count /= 2; /* keys and values in turn: from now on, pairs */
    int oom = 0;
    const tc_node *dup = duplicate_key(n, &oom);
    if (oom)
        return out_of_memory(b);
    if (dup) {
        yaml_mark_t mk = {.line = (size_t)dup->line - 1, .column = (size_t)dup->col - 1};
        return fail_at(b, &mk, "duplicate key", dup->text);
    }
    return TC_OK;
}

static tc_status on_event(builder *b, const yaml_event_t *e)
{
    if (b->d->n_nodes >= TC_DOC_MAX_NODES)
        return fail_at(b, &e->start_mark, "more than 2,000,000 values in one document", NULL);
    switch (e->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (b->documents++ > 0)
            return fail_at(b, &e->start_mark, "a second document ('---'): one document per file", NULL);
        return TC_OK;
    case YAML_SCALAR_EVENT: return on_scalar(b, e);
    case YAML_SEQUENCE_START_EVENT: return on_open(b, e, TC_NODE_SEQUENCE);
    case YAML_MAPPING_START_EVENT: return on_open(b, e, TC_NODE_MAPPING);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: return on_close(b);
    case YAML_ALIAS_EVENT: {
        if (b->d->json)
            return fail_at(b, &e->start_mark, "not JSON: an alias", (const char *)e->data.alias.anchor);
        tc_node *n = find_anchor(b, e->data.alias.anchor);
        if (!n)
            return fail_at(b, &e->start_mark, "alias to no complete anchor before it: *",
                           (const char *)e->data.alias.anchor);
        return attach(b, n) ? out_of_memory(b) : TC_OK;
    }
    default: return TC_OK;
    }
}

/* libyaml's complaint as "origin:line:col: problem (context)". */
static tc_status parser_error(builder *b, const yaml_parser_t *p, const char *text)
{
    if (p->error == YAML_MEMORY_ERROR)
        return out_of_memory(b);
    yaml_mark_t mk = p->problem_mark;
    if (p->error == YAML_READER_ERROR) /* the reader gives an offset only */
        mk = mark_of(text, p->problem_offset);
    char msg[400];
    if (p->context)
        snprintf(msg, sizeof msg, "%s (%s started at %zu:%zu)", p->problem ? p->problem : "syntax error",
                 p->context, p->context_mark.line + 1, p->context_mark.column + 1);
    else
        snprintf(msg, sizeof msg, "%s", p->problem ? p->problem : "syntax error");
    return fail_at(b, &mk, msg, NULL);
}

/* checked before parsing so that the message gives line and column, not a byte offset */
static tc_status check_utf8(builder *b, const char *text, size_t len)
{
    long bad = tc_utf8_check(text, len);
    if (bad < 0)
        return TC_OK;
    char msg[80];
    snprintf(msg, sizeof msg, "not valid UTF-8 text (byte 0x%02x at offset %ld)", (unsigned char)text[bad],
             bad);
    yaml_mark_t mk = mark_of(text, (size_t)bad);
    return fail_at(b, &mk, msg, NULL);
}

/*
 * JSON lets U+0085, U+2028 and U+2029 stand raw in a string, but YAML (and so
 * libyaml) reads them as line breaks and would fold a job id silently; refuse
 * them with the escape to write instead.
 */
static tc_status check_json_breaks(builder *b, const char *text, size_t len)
{
    const unsigned char *u = (const unsigned char *)text;
    for (size_t i = 0; i + 1 < len; i++) {
        unsigned cp = 0;
        if (u[i] == 0xC2 && u[i + 1] == 0x85)
            cp = 0x85;
        else if (i + 2 < len && u[i] == 0xE2 && u[i + 1] == 0x80 && (u[i + 2] == 0xA8 || u[i + 2] == 0xA9))
            cp = u[i + 2] == 0xA8 ? 0x2028 : 0x2029;
        else
            continue;
        char msg[96];
        snprintf(msg, sizeof msg, "U+%04X written raw: write it as \\u%04x", cp, cp);
        yaml_mark_t mk = mark_of(text, i);
        return fail_at(b, &mk, msg, NULL);
    }
    return TC_OK;
}

tc_status tc_doc_parse(tc_doc *d, const char *text, size_t len)
{
    d->root = NULL;
    d->nodes = NULL;
    d->n_nodes = 0;
    builder b = {.d = d};
    tc_status st = check_utf8(&b, text, len);
    if (st == TC_OK && d->json)
        st = check_json_breaks(&b, text, len);
    if (st != TC_OK)
        return st;
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        return out_of_memory(&b);
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
    for (int done = 0; !done && st == TC_OK;) {
        yaml_event_t e;
        if (!yaml_parser_parse(&p, &e)) {
            st = parser_error(&b, &p, text);
            break;
        }
        done = e.type == YAML_STREAM_END_EVENT;
        st = on_event(&b, &e);
        yaml_event_delete(&e);
    }
    yaml_parser_delete(&p);
    for (int i = 0; i < b.depth; i++)
        free(b.pending[i]);
    for (int i = 0; i < b.n_anchors; i++)
        free(b.anchors[i].name);
    free(b.anchors);
    if (st == TC_OK && !d->root) {
        snprintf(d->err, d->errlen, "%s: empty: no %s document in it", d->origin, d->json ? "JSON" : "YAML");
        st = TC_ERR_INPUT;
    }
    if (st != TC_OK)
        tc_doc_close(d);
    return st;
}

tc_node *tc_doc_root(tc_doc *d)
{
    return d->root;
}

void tc_doc_close(tc_doc *d)
{
    for (tc_node *n = d->nodes, *next; n; n = next) {
        next = n->chain;
        free(n->text);
        free(n->items);
        free(n);
    }
    d->nodes = NULL;
    d->root = NULL;
    d->n_nodes = 0;
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
