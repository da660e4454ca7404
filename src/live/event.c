/*
 * event.c - telemetry messages.  A small strict JSON reader for flat
 * objects: it must keep up with hundreds of thousands of messages a
 * second, so it decodes only the fields it knows and skips the rest.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "twincast/clock.h"
#include "twincast/event.h"
#include "twincast/utf8.h"

static const char *const type_names[TC_EV_NTYPES] = {"down",    "up",  "arrive", "start", "finish",
                                                     "waiting", "set", "setup",  "scrap"};
static const char *const reject_names[TC_REJ_COUNT] = {
    "none",         "oversized",     "not_json",        "missing_field",
    "wrong_type",   "unknown_type",  "unknown_station", "unknown_path",
    "out_of_range", "bad_timestamp", "unknown_job",     "over_capacity",
    "late",         "duplicate",     "unknown_product", "not_on_route",
};

const char *tc_event_type_name(tc_event_type t)
{
    return type_names[t];
}
const char *tc_reject_name(tc_reject r)
{
    return reject_names[r];
}
int tc_event_is_significant(tc_event_type t)
{
    return t == TC_EV_DOWN || t == TC_EV_UP || t == TC_EV_SET;
}

/* ---- a flat JSON object reader -------------------------------------------- */

typedef struct reader {
    const char *p, *end;
} reader;

typedef enum { V_NONE, V_STRING, V_NUMBER, V_BOOL, V_NULL, V_NESTED } vkind;

typedef struct value {
    vkind kind;
    char s[256]; /* strings, decoded; longer ones are cut and flagged */
    int too_long;
    double num;
    const char *raw; /* numbers: the literal, for integer checks */
    size_t rawlen;
} value;

static void ws(reader *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
        r->p++;
}

static int hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

static void put(value *v, size_t *n, unsigned cp)
{
    char buf[4];
    int k = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (k == 1)
        buf[0] = (char)cp;
    else if (k == 2) {
        buf[0] = (char)(0xC0 | cp >> 6);
        buf[1] = (char)(0x80 | (cp & 0x3F));
    } else if (k == 3) {
        buf[0] = (char)(0xE0 | cp >> 12);
        buf[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        buf[2] = (char)(0x80 | (cp & 0x3F));
    } else {
        buf[0] = (char)(0xF0 | cp >> 18);
        buf[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        buf[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        buf[3] = (char)(0x80 | (cp & 0x3F));
    }
    if (*n + (size_t)k < sizeof v->s) {
        memcpy(v->s + *n, buf, (size_t)k);
        *n += (size_t)k;
    } else {
        v->too_long = 1;
    }
}

static int read_string(reader *r, value *v)
{
    size_t n = 0;
    v->too_long = 0;
    if (r->p >= r->end || *r->p != '"')
        return -1;
    r->p++;
    while (r->p < r->end) {
        unsigned char c = (unsigned char)*r->p;
        if (c == '"') {
            r->p++;
            v->s[n] = '\0';
            return 0;
        }
        if (c < 0x20)
            return -1;
        if (c == '\\') {
            if (r->p + 1 >= r->end)
                return -1;
            char e = r->p[1];
            unsigned cp;
            r->p += 2;
            switch (e) {
            case '"':
            case '\\':
            case '/': put(v, &n, (unsigned)e); break;
            case 'b': put(v, &n, '\b'); break;
            case 'f': put(v, &n, '\f'); break;
            case 'n': put(v, &n, '\n'); break;
            case 'r': put(v, &n, '\r'); break;
            case 't': put(v, &n, '\t'); break;
            case 'u':
                if (r->end - r->p < 4 || hex4(r->p, &cp))
                    return -1;
                r->p += 4;
                if (cp >= 0xD800 && cp < 0xDC00) { /* a surrogate pair */
                    unsigned lo;
                    if (r->end - r->p < 6 || r->p[0] != '\\' || r->p[1] != 'u' || hex4(r->p + 2, &lo) ||
                        lo < 0xDC00 || lo > 0xDFFF)
                        return -1;
                    r->p += 6;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                } else if (cp >= 0xDC00 && cp < 0xE000) {
                    return -1;
                }
                put(v, &n, cp);
                break;
            default: return -1;
            }
            continue;
        }
        int k = tc_utf8_len((const unsigned char *)r->p, (const unsigned char *)r->end);
        if (k == 0)
            return -1;
        if (n + (size_t)k < sizeof v->s) {
            memcpy(v->s + n, r->p, (size_t)k);
            n += (size_t)k;
        } else {
            v->too_long = 1;
        }
        r->p += k;
    }
    return -1;
}

static int read_number(reader *r, value *v)
{
    const char *s = r->p;
    if (r->p < r->end && *r->p == '-')
        r->p++;
    if (r->p >= r->end)
        return -1;
    if (*r->p == '0')
        r->p++;
    else if (*r->p >= '1' && *r->p <= '9')
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
            r->p++;
    else
        return -1;
    if (r->p < r->end && *r->p == '.') {
        r->p++;
        if (r->p >= r->end || *r->p < '0' || *r->p > '9')
            return -1;
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
            r->p++;
    }
    if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
        r->p++;
        if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
            r->p++;
        if (r->p >= r->end || *r->p < '0' || *r->p > '9')
            return -1;
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
            r->p++;
    }
    char buf[64];
    size_t len = (size_t)(r->p - s);
    if (len >= sizeof buf)
        len = sizeof buf - 1; /* a number this long is out of range anyway */
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    v->num = strtod(buf, NULL);
    if (errno == ERANGE || !isfinite(v->num))
        v->num = NAN;
    v->raw = s;
    v->rawlen = (size_t)(r->p - s);
    return 0;
}

static int skip_value(reader *r, int depth);

static int skip_container(reader *r, int depth, char close)
{
    value tmp;
    r->p++;
    ws(r);
    if (r->p < r->end && *r->p == close) {
        r->p++;
        return 0;
    }
    for (;;) {
        ws(r);
        if (close == '}') {
            if (read_string(r, &tmp))
                return -1;
            ws(r);
            if (r->p >= r->end || *r->p != ':')
                return -1;
            r->p++;
        }
        if (skip_value(r, depth + 1))
            return -1;
        ws(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        if (r->p < r->end && *r->p == close) {
            r->p++;
            return 0;
        }
        return -1;
    }
}

static int skip_value(reader *r, int depth)
{
    value tmp;
    ws(r);
    if (depth > 32 || r->p >= r->end) /* after the blanks: a value may be missing (found by fuzzing) */
        return -1;
    switch (*r->p) {
    case '{': return skip_container(r, depth, '}');
    case '[': return skip_container(r, depth, ']');
    case '"': return read_string(r, &tmp);
    default: break;
    }
    if (r->end - r->p >= 4 && (!memcmp(r->p, "true", 4) || !memcmp(r->p, "null", 4))) {
        r->p += 4;
        return 0;
    }
    if (r->end - r->p >= 5 && !memcmp(r->p, "false", 5)) {
        r->p += 5;
        return 0;
    }
    return read_number(r, &tmp);
}

static int read_value(reader *r, value *v)
{
    ws(r);
    if (r->p >= r->end)
        return -1;
    char c = *r->p;
    v->kind = V_NONE;
    if (c == '"') {
        v->kind = V_STRING;
        return read_string(r, v);
    }
    if (c == '{' || c == '[') {
        v->kind = V_NESTED;
        return skip_value(r, 1);
    }
    if (r->end - r->p >= 4 && !memcmp(r->p, "true", 4)) {
        r->p += 4;
        v->kind = V_BOOL;
        return 0;
    }
    if (r->end - r->p >= 4 && !memcmp(r->p, "null", 4)) {
        r->p += 4;
        v->kind = V_NULL;
        return 0;
    }
    if (r->end - r->p >= 5 && !memcmp(r->p, "false", 5)) {
        r->p += 5;
        v->kind = V_BOOL;
        return 0;
    }
    v->kind = V_NUMBER;
    return read_number(r, v);
}

/* ---- the event ------------------------------------------------------------- */

enum { F_TS, F_TYPE, F_STATION, F_JOB, F_PATH, F_VALUE, F_ID, F_PRODUCT, F_COUNT };
static const char *const field_names[F_COUNT] = {"ts",   "type",  "station", "job",
                                                 "path", "value", "id",      "product"};

#define REJECT(code, ...)                                                                                    \
    do {                                                                                                     \
        snprintf(why, whylen, __VA_ARGS__);                                                                  \
        return code;                                                                                         \
    } while (0)

static tc_reject check_fields(const tc_model *m, value *f, const int *seen, tc_event *ev, char *why,
                              size_t whylen)
{
    if (!seen[F_TYPE])
        REJECT(TC_REJ_MISSING_FIELD, "missing field 'type'");
    if (f[F_TYPE].kind != V_STRING)
        REJECT(TC_REJ_WRONG_TYPE, "'type' must be a string");
    int t = -1;
    for (int i = 0; i < TC_EV_NTYPES; i++)
        if (!strcmp(f[F_TYPE].s, type_names[i]))
            t = i;
    if (t < 0)
        REJECT(TC_REJ_UNKNOWN_TYPE, "unknown type '%.64s'", f[F_TYPE].s);
    ev->type = (tc_event_type)t;
    if (!seen[F_TS])
        REJECT(TC_REJ_MISSING_FIELD, "missing field 'ts'");
    if (f[F_TS].kind == V_STRING) {
        if (tc_iso_parse(f[F_TS].s, &ev->ts))
            REJECT(TC_REJ_BAD_TIMESTAMP, "'ts' is not ISO-8601 with a zone: '%.40s'", f[F_TS].s);
    } else if (f[F_TS].kind == V_NUMBER) {
        if (isnan(f[F_TS].num) || f[F_TS].num < 0 || f[F_TS].num > 1e12)
            REJECT(TC_REJ_BAD_TIMESTAMP, "'ts' out of range");
        ev->ts = f[F_TS].num * tc_time_unit_seconds(m->unit);
    } else {
        REJECT(TC_REJ_WRONG_TYPE, "'ts' must be a string or a number");
    }
    ev->station = ev->param = ev->product = -1;
    ev->value = 0;
    ev->job[0] = ev->id[0] = '\0';
    if (seen[F_ID]) {
        if (f[F_ID].kind != V_STRING || f[F_ID].too_long || strlen(f[F_ID].s) >= TC_EVENT_ID_MAX)
            REJECT(TC_REJ_WRONG_TYPE, "'id' must be a string of at most %d bytes", TC_EVENT_ID_MAX - 1);
        strcpy(ev->id, f[F_ID].s);
    }
    if (ev->type == TC_EV_SET) {
        if (!seen[F_PATH])
            REJECT(TC_REJ_MISSING_FIELD, "missing field 'path'");
        if (f[F_PATH].kind != V_STRING || f[F_PATH].too_long)
            REJECT(TC_REJ_WRONG_TYPE, "'path' must be a string");
        if ((ev->param = tc_model_param_find(m, f[F_PATH].s)) < 0)
            REJECT(TC_REJ_UNKNOWN_PATH, "unknown parameter path '%.64s'", f[F_PATH].s);
    } else {
        if (!seen[F_STATION])
            REJECT(TC_REJ_MISSING_FIELD, "missing field 'station'");
        if (f[F_STATION].kind != V_STRING || f[F_STATION].too_long)
            REJECT(TC_REJ_WRONG_TYPE, "'station' must be a string");
        if ((ev->station = tc_model_station_index(m, f[F_STATION].s)) < 0)
            REJECT(TC_REJ_UNKNOWN_STATION, "unknown station '%.64s'", f[F_STATION].s);
    }
    int jobs = ev->type == TC_EV_START || ev->type == TC_EV_FINISH || ev->type == TC_EV_SETUP ||
               ev->type == TC_EV_SCRAP || ev->type == TC_EV_ARRIVE;
    if (jobs && seen[F_PRODUCT]) {
        if (f[F_PRODUCT].kind != V_STRING || f[F_PRODUCT].too_long)
            REJECT(TC_REJ_WRONG_TYPE, "'product' must be a string");
        if ((ev->product = tc_model_source_index(m, f[F_PRODUCT].s)) < 0)
            REJECT(TC_REJ_UNKNOWN_PRODUCT, "unknown product '%.64s'", f[F_PRODUCT].s);
        if (tc_model_route_step(m, ev->product, ev->station) < 0)
            REJECT(TC_REJ_NOT_ON_ROUTE, "product %.64s is not routed through %.64s", f[F_PRODUCT].s,
                   f[F_STATION].s);
    }
    if (jobs && (ev->type != TC_EV_ARRIVE || seen[F_JOB])) {
        if (!seen[F_JOB])
            REJECT(TC_REJ_MISSING_FIELD, "missing field 'job'");
        if (f[F_JOB].kind != V_STRING || f[F_JOB].too_long || strlen(f[F_JOB].s) >= TC_EVENT_ID_MAX ||
            !f[F_JOB].s[0])
            REJECT(TC_REJ_WRONG_TYPE, "'job' must be a non-empty string of at most %d bytes",
                   TC_EVENT_ID_MAX - 1);
        strcpy(ev->job, f[F_JOB].s);
    }
    if (ev->type == TC_EV_WAITING || ev->type == TC_EV_SET) {
        if (!seen[F_VALUE])
            REJECT(TC_REJ_MISSING_FIELD, "missing field 'value'");
        if (f[F_VALUE].kind != V_NUMBER)
            REJECT(TC_REJ_WRONG_TYPE, "'value' must be a number");
        ev->value = f[F_VALUE].num;
        if (isnan(ev->value))
            REJECT(TC_REJ_OUT_OF_RANGE, "'value' out of range");
        if (ev->type == TC_EV_WAITING) {
            if (ev->value != floor(ev->value))
                REJECT(TC_REJ_WRONG_TYPE, "'value' must be a whole number of jobs");
            if (ev->value < 0 || ev->value > 1e8)
                REJECT(TC_REJ_OUT_OF_RANGE, "'value' %g out of range", ev->value);
        } else {
            const tc_param *q = &m->params[ev->param];
            if (q->is_integer && ev->value != floor(ev->value))
                REJECT(TC_REJ_WRONG_TYPE, "%s takes a whole number, got %g", q->path, ev->value);
            if (ev->value < q->min || ev->value > q->max)
                REJECT(TC_REJ_OUT_OF_RANGE, "%s: %g out of range [%g, %g]", q->path, ev->value, q->min,
                       q->max);
        }
    }
    return TC_REJ_NONE;
}

tc_reject tc_event_parse(const tc_model *m, const char *msg, size_t len, tc_event *ev, char *why,
                         size_t whylen)
{
    if (len > TC_EVENT_MAX_BYTES)
        REJECT(TC_REJ_OVERSIZED, "message of %zu bytes (limit %d)", len, TC_EVENT_MAX_BYTES);
    reader r = {msg, msg + len};
    value f[F_COUNT], other;
    int seen[F_COUNT] = {0};
    ws(&r);
    if (r.p >= r.end || *r.p != '{')
        REJECT(TC_REJ_NOT_JSON, "not a JSON object");
    r.p++;
    ws(&r);
    if (r.p < r.end && *r.p == '}') {
        r.p++;
    } else {
        for (;;) {
            value key;
            ws(&r);
            if (read_string(&r, &key))
                REJECT(TC_REJ_NOT_JSON, "malformed JSON (a key) at byte %ld", (long)(r.p - msg));
            ws(&r);
            if (r.p >= r.end || *r.p != ':')
                REJECT(TC_REJ_NOT_JSON, "malformed JSON (expected ':') at byte %ld", (long)(r.p - msg));
            r.p++;
            int k = -1;
            for (int i = 0; i < F_COUNT && !key.too_long; i++)
                if (!strcmp(key.s, field_names[i]))
                    k = i;
            if (k >= 0 && seen[k])
                REJECT(TC_REJ_NOT_JSON, "duplicate key '%s'", key.s);
            if (read_value(&r, k >= 0 ? &f[k] : &other))
                REJECT(TC_REJ_NOT_JSON, "malformed JSON (a value) at byte %ld", (long)(r.p - msg));
            if (k >= 0)
                seen[k] = 1;
            ws(&r);
            if (r.p < r.end && *r.p == ',') {
                r.p++;
                continue;
            }
            if (r.p < r.end && *r.p == '}') {
                r.p++;
                break;
            }
            REJECT(TC_REJ_NOT_JSON, "malformed JSON at byte %ld", (long)(r.p - msg));
        }
    }
    ws(&r);
    if (r.p != r.end)
        REJECT(TC_REJ_NOT_JSON, "trailing bytes after the JSON object");
    return check_fields(m, f, seen, ev, why, whylen);
}
