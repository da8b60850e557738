/* SPDX-License-Identifier: Apache-2.0 */
/* A growable string: see strbuf.h. */
#include <stdlib.h>
#include <string.h>

#include "shared/strbuf.h"
#include "shared/xalloc.h"

void cubo_strbuf_add(struct cubo_strbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *grown = xrealloc(b->s, cap);
		b->s = grown;
		b->cap = cap;
	}
	if (n)
		memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void cubo_strbuf_addc(struct cubo_strbuf *b, char c)
{
	cubo_strbuf_add(b, &c, 1);
}

void cubo_strbuf_adds(struct cubo_strbuf *b, const char *s)
{
	cubo_strbuf_add(b, s, strlen(s));
}

char *cubo_strbuf_take(struct cubo_strbuf *b)
{
	if (!b->s)
		cubo_strbuf_add(b, "", 0);
	char *s = b->s;
	memset(b, 0, sizeof(*b));
	return s;
}

void cubo_strbuf_add_utf8(struct cubo_strbuf *b, uint32_t cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	cubo_strbuf_add(b, u, n);
}

int cubo_hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
