/*
 * doc.h - reading YAML and JSON documents (libfyaml) with messages that
 * name the file, line and column.  Internal to the library: shared by the
 * model loader and the state-snapshot reader.
 */
#ifndef TWINCAST_DOC_H
#define TWINCAST_DOC_H

#include <libfyaml.h>
#include <stddef.h>

#include "twincast/duration.h"
#include "twincast/status.h"

typedef struct tc_doc {
    const char *origin; /* file name for messages */
    char *err;
    size_t errlen;
    tc_time_unit unit; /* for durations */
    int json;          /* strict JSON typing: numbers and booleans unquoted */
    struct fy_document *fyd;
    struct fy_parser *fyp;
} tc_doc;

/* Parses text (YAML, or JSON when d->json); TC_ERR_INPUT with file:line:col on failure. */
tc_status tc_doc_parse(tc_doc *d, const char *text, size_t len);
struct fy_node *tc_doc_root(tc_doc *d);
void tc_doc_close(tc_doc *d);

/* Reads a whole text file of at most max bytes, rejecting NUL bytes. */
tc_status tc_doc_read_file(const char *path, size_t max, char **text, size_t *len, char *err, size_t errlen);

/* Formats "origin:line:col: message" at node n (or "origin: message"); returns -1. */
int tc_doc_fail(tc_doc *d, struct fy_node *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
const char *tc_doc_scalar(tc_doc *d, struct fy_node *n, const char *key);
int tc_doc_real(tc_doc *d, struct fy_node *n, const char *key, double *out);
int tc_doc_int(tc_doc *d, struct fy_node *n, const char *key, long lo, long hi, long *out);
int tc_doc_duration(tc_doc *d, struct fy_node *n, const char *key, double *out); /* >= 0 */
int tc_doc_bool(tc_doc *d, struct fy_node *n, const char *key, int *out);
struct fy_node *tc_doc_find(struct fy_node *map, const char *key, struct fy_node **keynode);
int tc_doc_expect_mapping(tc_doc *d, struct fy_node *n, struct fy_node *at, const char *what);
/* Rejects keys outside `allowed` (NULL-terminated), naming the valid ones. */
int tc_doc_check_keys(tc_doc *d, struct fy_node *map, const char *what, const char *const *allowed);

#endif
