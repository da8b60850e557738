/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A growable NUL-terminated string, for parsers and file renderers that
 * build text piece by piece. Allocation does not fail (shared/xalloc.h).
 * Zero-initialise to start: struct cubo_strbuf b = {0};
 */
#ifndef CUBO_SHARED_STRBUF_H
#define CUBO_SHARED_STRBUF_H

#include <stddef.h>
#include <stdint.h>

struct cubo_strbuf {
	char *s; /* NULL until something is added; always NUL-terminated after */
	size_t len, cap;
};

void cubo_strbuf_add(struct cubo_strbuf *b, const char *s, size_t n);
void cubo_strbuf_addc(struct cubo_strbuf *b, char c);
void cubo_strbuf_adds(struct cubo_strbuf *b, const char *s);
/* Append cp as UTF-8, 1 to 4 bytes; cp must be a Unicode scalar value. */
void cubo_strbuf_add_utf8(struct cubo_strbuf *b, uint32_t cp);
/* The value of hexadecimal digit c, or -1: for the parsers' \x and \u escapes. */
int cubo_hex_value(int c);
/* The string, "" when nothing was added; b is empty again. Caller frees. */
char *cubo_strbuf_take(struct cubo_strbuf *b);

#endif
