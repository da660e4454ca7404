/* json_quote.c - see json_quote.h. */
#include "twincast/json_quote.h"

#include <string.h>

#include "twincast/utf8.h"

typedef struct out {
    char *dst;
    size_t cap, len;
} out;

static void put(out *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++, o->len++)
        if (o->len + 1 < o->cap)
            o->dst[o->len] = s[i];
}

/* Every code point we escape is below 0x10000: four hex digits suffice. */
static void put_escape(out *o, unsigned cp)
{
    static const char hex[] = "0123456789abcdef";
    char e[6] = {'\\', 'u', hex[(cp >> 12) & 0xF], hex[(cp >> 8) & 0xF], hex[(cp >> 4) & 0xF], hex[cp & 0xF]};
    put(o, e, sizeof e);
}

/* The code point of a valid sequence of n bytes. */
static unsigned code_point(const unsigned char *p, int n)
{
    static const unsigned char lead_mask[5] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    unsigned cp = p[0] & lead_mask[n];
    for (int i = 1; i < n; i++)
        cp = (cp << 6) | (p[i] & 0x3F);
    return cp;
}

size_t tc_json_quote(char *dst, size_t cap, const char *s)
{
    out o = {dst, cap, 0};
    const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);
    put(&o, "\"", 1);
    while (p < end) {
        int n = tc_utf8_len(p, end);
        unsigned cp = n ? code_point(p, n) : 0xFFFD;
        if (cp == '"' || cp == '\\') {
            put(&o, "\\", 1);
            put(&o, (const char *)p, 1);
        } else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF ||
                   cp == 0xFFFE || cp == 0xFFFF || n == 0) {
            put_escape(&o, cp);
        } else {
            put(&o, (const char *)p, (size_t)n);
        }
        p += n ? n : 1;
    }
    put(&o, "\"", 1);
    if (cap)
        dst[o.len < cap ? o.len : cap - 1] = '\0';
    return o.len;
}
