/*
 * doc.h - reading YAML and JSON documents (libyaml) into a small tree whose
 * every node knows where it was written, so that every complaint can name
 * the file, line and column.  Internal to the library: shared by the model
 * loader and the state-snapshot reader.
 */
#ifndef TWINCAST_DOC_H
#define TWINCAST_DOC_H

#include <stddef.h>

#include "twincast/duration.h"
#include "twincast/status.h"

typedef enum tc_node_kind { TC_NODE_SCALAR, TC_NODE_SEQUENCE, TC_NODE_MAPPING } tc_node_kind;

typedef struct tc_node {
    tc_node_kind kind;
    int quoted;             /* a scalar written in quotes: text, never a number */
    int line, col;          /* where the node starts, from 1 */
    int count;              /* items of a sequence, pairs of a mapping */
    int cap;                /* room in items */
    char *text;             /* a scalar's value; never holds a NUL byte */
    struct tc_node **items; /* a sequence's items, or a mapping's keys and values in turn */
    struct tc_node *chain;  /* every node of the document once, for freeing */
} tc_node;

static inline tc_node *tc_node_item(const tc_node *n, int i)
{
    return n->items[i];
}
static inline tc_node *tc_node_key(const tc_node *n, int i)
{
    return n->items[2 * i];
}
static inline tc_node *tc_node_value(const tc_node *n, int i)
{
    return n->items[2 * i + 1];
}

typedef struct tc_doc {
    const char *origin; /* file name for messages */
    char *err;
    size_t errlen;
    tc_time_unit unit; /* for durations */
    int json;          /* JSON only: no YAML syntax, numbers and booleans unquoted */
    tc_node *root;
    tc_node *nodes; /* the chain of all nodes */
    long n_nodes;
} tc_doc;

/* Limits on any document, whatever its size in bytes. */
#define TC_DOC_MAX_DEPTH 64
#define TC_DOC_MAX_NODES 2000000L

/*
 * Parses text (YAML, or JSON when d->json): one document, aliases resolved
 * to the anchored node, duplicate keys refused.  TC_ERR_INPUT with
 * "origin:line:col: message" on failure, TC_ERR_RUNTIME when out of memory.
 */
tc_status tc_doc_parse(tc_doc *d, const char *text, size_t len);
tc_node *tc_doc_root(tc_doc *d);
void tc_doc_close(tc_doc *d);

/* Reads a whole text file of at most max bytes, rejecting NUL bytes. */
tc_status tc_doc_read_file(const char *path, size_t max, char **text, size_t *len, char *err, size_t errlen);

/* Formats "origin:line:col: message" at node n (or "origin: message"); returns -1. */
int tc_doc_fail(tc_doc *d, const tc_node *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
const char *tc_doc_scalar(tc_doc *d, const tc_node *n, const char *key);
int tc_doc_real(tc_doc *d, const tc_node *n, const char *key, double *out);
int tc_doc_int(tc_doc *d, const tc_node *n, const char *key, long lo, long hi, long *out);
int tc_doc_duration(tc_doc *d, const tc_node *n, const char *key, double *out); /* >= 0 */
int tc_doc_bool(tc_doc *d, const tc_node *n, const char *key, int *out);
tc_node *tc_doc_find(const tc_node *map, const char *key, tc_node **keynode);
int tc_doc_is(const tc_node *n, tc_node_kind kind);
int tc_doc_expect_mapping(tc_doc *d, const tc_node *n, const tc_node *at, const char *what);
/* Rejects keys outside `allowed` (NULL-terminated), naming the valid ones. */
int tc_doc_check_keys(tc_doc *d, const tc_node *map, const char *what, const char *const *allowed);

#endif
