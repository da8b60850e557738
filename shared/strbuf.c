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
