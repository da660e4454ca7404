/*
 * source_file.c - a recorded event log as the live loop's source: one JSON
 * message per line.  Its offsets are the lines read, so a replay's epochs
 * say exactly how far into the log each state reaches.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "twincast/event.h"
#include "twincast/json_quote.h"
#include "twincast/live.h"

typedef struct file_source {
    FILE *in, *out;
    char *path, *line;
    long lines;
} file_source;

static int file_next(void *self, const char **msg, size_t *len, double wait)
{
    file_source *f = self;
    (void)wait;
    while (fgets(f->line, TC_EVENT_MAX_BYTES + 2, f->in)) {
        size_t n = strlen(f->line);
        f->lines++;
        if (n == TC_EVENT_MAX_BYTES + 1 && f->line[n - 1] != '\n') { /* too long: skip the rest */
            int ch;
            while ((ch = fgetc(f->in)) != EOF && ch != '\n')
                ;
            return TC_LIVE_OVERSIZED;
        }
        while (n && (f->line[n - 1] == '\n' || f->line[n - 1] == '\r'))
            f->line[--n] = '\0';
        if (n == 0)
            continue;
        *msg = f->line;
        *len = n;
        return TC_LIVE_MESSAGE;
    }
    return TC_LIVE_END;
}

static char *file_offsets(void *self)
{
    file_source *f = self;
    size_t q = tc_json_quote(NULL, 0, f->path);
    char *b = malloc(q + 32);
    if (b) {
        b[0] = '{';
        tc_json_quote(b + 1, q + 1, f->path);
        snprintf(b + 1 + q, 31, ": %ld}", f->lines);
    }
    return b;
}

static void file_publish(void *self, const char *json, size_t len)
{
    file_source *f = self;
    if (!f->out)
        return;
    fwrite(json, 1, len, f->out);
    fputc('\n', f->out);
    fflush(f->out);
}

tc_status tc_live_file_open(tc_live_source *src, const char *path, FILE *out, char *err, size_t errlen)
{
    file_source *f = calloc(1, sizeof *f);
    memset(src, 0, sizeof *src);
    if (!f || !(f->path = strdup(path)) || !(f->line = malloc(TC_EVENT_MAX_BYTES + 2))) {
        snprintf(err, errlen, "out of memory");
        src->self = f;
        tc_live_file_close(src);
        return TC_ERR_RUNTIME;
    }
    src->self = f;
    if (!(f->in = fopen(path, "rb"))) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        tc_live_file_close(src);
        return TC_ERR_INPUT;
    }
    f->out = out;
    src->next = file_next;
    src->offsets_json = file_offsets;
    src->publish = file_publish;
    return TC_OK;
}

long tc_live_file_lines(const tc_live_source *src)
{
    const file_source *f = src->self;
    return f ? f->lines : 0;
}

void tc_live_file_close(tc_live_source *src)
{
    file_source *f = src->self;
    if (f) {
        if (f->in)
            fclose(f->in);
        free(f->path);
        free(f->line);
        free(f);
    }
    memset(src, 0, sizeof *src);
}
