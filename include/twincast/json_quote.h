/* json_quote.h - JSON string literals that every reader takes back, our own
 * (libyaml in JSON mode) included. */
#ifndef TWINCAST_JSON_QUOTE_H
#define TWINCAST_JSON_QUOTE_H

#include <stddef.h>

/*
 * Writes s as a JSON string literal, quotes included, into dst (at most cap
 * bytes with the NUL; dst may be NULL when cap is 0) and returns the length
 * it needs, as snprintf does.  Besides what JSON requires, it escapes what
 * YAML forbids raw (DEL, the C1 controls, U+FEFF, U+FFFE, U+FFFF) or folds
 * as a line break (U+0085, U+2028, U+2029), because a snapshot that names a
 * job "J1<DEL>" must read back after a restart; a byte that is not UTF-8
 * becomes U+FFFD.
 */
size_t tc_json_quote(char *dst, size_t cap, const char *s);

#endif
