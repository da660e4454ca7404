/* utf8.h - UTF-8 validation, shared by the readers of user text. */
#ifndef TWINCAST_UTF8_H
#define TWINCAST_UTF8_H

#include <stddef.h>

/* The length of the valid UTF-8 sequence at p (1..4), or 0 if it is not one. */
static inline int tc_utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0];
    int n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || p + n > end || (n == 2 && c < 0xC2) || (n == 4 && c > 0xF4))
        return 0;
    for (int i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    if (n == 3 && ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] >= 0xA0)))
        return 0; /* overlong, or a surrogate */
    if (n == 4 && ((c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] >= 0x90)))
        return 0;
    return n;
}

/* -1 if all of text is valid UTF-8, else the offset of the first bad byte. */
static inline long tc_utf8_check(const char *text, size_t len)
{
    const unsigned char *p = (const unsigned char *)text, *end = p + len;
    while (p < end) {
        if (*p < 0x80) {
            p++;
            continue;
        }
        int n = tc_utf8_len(p, end);
        if (n == 0)
            return (long)(p - (const unsigned char *)text);
        p += n;
    }
    return -1;
}

#endif
