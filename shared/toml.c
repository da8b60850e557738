/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TOML 1.0, parsed in one pass by recursive descent over the bytes.
 *
 * The tree is built as the document is read. What the spec forbids about
 * defining things twice is checked against a few flags each table keeps
 * (struct node), following https://toml.io/en/v1.0.0 and its clarification
 * in toml-lang/toml#846:
 *
 *  - a key is defined once per table;
 *  - [a.b] defines table a.b once; it may go through tables made before
 *    (a, whether by a header, as a header's parent or by dotted keys) but
 *    not define a table dotted keys made, nor go into an inline table or a
 *    static array; through an array of tables it goes into the last element;
 *  - [[a.b]] appends to an array of tables, never to a static array;
 *  - a dotted key a.b = 1 makes and defines tables for a, or goes through
 *    tables dotted keys or headers' parents made, never through a table a
 *    header defined, an inline table or any array;
 *  - inline tables, and everything in them, are closed once written.
 *
 * Positions are byte offsets while parsing, turned into line and column by
 * locate(), which counts forward from where it last stopped: the parser asks
 * for positions in increasing order, so all of it costs one pass.
 */
#include "shared/toml.h"
#include "shared/strbuf.h"
#include "shared/xalloc.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	F_IMPLICIT = 1 << 0, /* table: made as the parent in a [header], not defined yet */
	F_DEFINED = 1 << 1,  /* table: defined by a [header] or [[header]] */
	F_DOTTED = 1 << 2,   /* table: defined by dotted keys */
	F_INLINE = 1 << 3,   /* table: written inline, closed */
	F_AOT = 1 << 4,	     /* array: made by [[header]]s, open to more */
};

struct node {
	struct toml_value v; /* first, so a toml_value * is its node's address */
	unsigned flags;
	int depth; /* the root table is 0 */
};

#define NODE(val) ((struct node *)(val))

struct keypart {
	char *s;
	size_t len;
	size_t off;
	int line, col;
};

struct key {
	struct keypart *v;
	size_t n;
};

struct parser {
	const char *s;
	size_t len, pos;
	const char *source;
	size_t loc_off; /* locate(): loc_off is at loc_line:loc_col */
	int loc_line, loc_col;
	struct node *root, *cur;
	char *msgkey; /* the key text of the error being made */
};

/* Make sure b->s is an allocated, NUL-terminated string (also when empty). */
static void buf_finish(struct cubo_strbuf *b)
{
	cubo_strbuf_add(b, "", 0);
}

/* Room for one more element in an array of n that grows by doubling. */
static void grow(void **v, size_t n, size_t size)
{
	if (n != 0 && (n < 4 || (n & (n - 1))))
		return;
	*v = xreallocarray(*v, n ? n * 2 : 4, size);
}

/* ---------------------------------------------------------------- positions */

static void locate(struct parser *p, size_t off, int *line, int *col)
{
	if (off > p->len)
		off = p->len;
	if (off < p->loc_off) {
		p->loc_off = 0;
		p->loc_line = 1;
		p->loc_col = 1;
	}
	for (size_t i = p->loc_off; i < off; i++) {
		unsigned char c = (unsigned char)p->s[i];
		if (c == '\n') {
			p->loc_line++;
			p->loc_col = 1;
		} else if ((c & 0xC0) != 0x80) {
			p->loc_col++;
		}
	}
	p->loc_off = off;
	*line = p->loc_line;
	*col = p->loc_col;
}

static struct cubo_error *perr(struct parser *p, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static struct cubo_error *perr(struct parser *p, size_t off, const char *fmt, ...)
{
	int line, col;
	char *msg = NULL;
	va_list ap;

	locate(p, off, &line, &col);
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	struct cubo_error *err = cubo_error_new("%s:%d:%d: %s", p->source, line, col, msg);
	free(msg);
	return err;
}

static int at(const struct parser *p, size_t k)
{
	return p->pos + k < p->len ? (unsigned char)p->s[p->pos + k] : -1;
}

static bool is_ctrl(int c)
{
	return (c >= 0 && c < 0x20 && c != '\t') || c == 0x7F;
}

static bool at_newline(const struct parser *p)
{
	return at(p, 0) == '\n' || (at(p, 0) == '\r' && at(p, 1) == '\n');
}

/* What is at off, for "found ..." in messages. */
static const char *found(const struct parser *p, size_t off, char buf[16])
{
	if (off >= p->len)
		return "end of file";
	unsigned char c = (unsigned char)p->s[off];
	if (c == '\n' || (c == '\r' && off + 1 < p->len && p->s[off + 1] == '\n'))
		return "end of line";
	if (c >= 0x20 && c < 0x7F) {
		snprintf(buf, 16, "\"%c\"", c);
	} else if (c < 0x80) {
		snprintf(buf, 16, "U+%04X", c);
	} else {
		size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
		if (off + n > p->len)
			n = p->len - off;
		snprintf(buf, 16, "\"%.*s\"", (int)n, p->s + off);
	}
	return buf;
}

static bool is_bare(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* The first n parts of k as written, for messages; valid until the next call. */
static const char *keytext(struct parser *p, const struct keypart *v, size_t n)
{
	struct cubo_strbuf b = {0};

	for (size_t i = 0; i < n; i++) {
		bool bare = v[i].len > 0;
		for (size_t j = 0; j < v[i].len; j++)
			bare = bare && is_bare((unsigned char)v[i].s[j]);
		if (i)
			cubo_strbuf_addc(&b, '.');
		if (bare) {
			cubo_strbuf_add(&b, v[i].s, v[i].len);
			continue;
		}
		cubo_strbuf_addc(&b, '\'');
		for (size_t j = 0; j < v[i].len; j++) {
			unsigned char c = (unsigned char)v[i].s[j];
			char esc[8];
			if (is_ctrl(c) || c == '\t') {
				snprintf(esc, sizeof(esc), "\\x%02x", c);
				cubo_strbuf_add(&b, esc, strlen(esc));
			} else {
				cubo_strbuf_addc(&b, (char)c);
			}
		}
		cubo_strbuf_addc(&b, '\'');
	}
	buf_finish(&b);
	free(p->msgkey);
	p->msgkey = b.s;
	return p->msgkey;
}

/* ------------------------------------------------------------------- values */

static struct node *new_node(struct parser *p, enum toml_type type, size_t off, int depth)
{
	struct node *n = xcalloc(1, sizeof(*n));
	n->v.type = type;
	n->depth = depth;
	locate(p, off, &n->v.line, &n->v.col);
	return n;
}

void toml_free(struct toml_value *v)
{
	if (!v)
		return;
	switch (v->type) {
	case TOML_STRING:
		free(v->string.s);
		break;
	case TOML_ARRAY:
		for (size_t i = 0; i < v->array.n; i++)
			toml_free(v->array.v[i]);
		free(v->array.v);
		break;
	case TOML_TABLE:
		for (size_t i = 0; i < v->table.n; i++) {
			free(v->table.v[i].key);
			toml_free(v->table.v[i].value);
		}
		free(v->table.v);
		break;
	default:
		break;
	}
	free(NODE(v));
}

static struct toml_entry *find(struct node *t, const char *k, size_t len)
{
	for (size_t i = 0; i < t->v.table.n; i++) {
		struct toml_entry *e = &t->v.table.v[i];
		if (e->key_len == len && !memcmp(e->key, k, len))
			return e;
	}
	return NULL;
}

const struct toml_value *toml_table_get(const struct toml_value *table, const char *key)
{
	if (!table || table->type != TOML_TABLE)
		return NULL;
	struct toml_entry *e = find(NODE(table), key, strlen(key));
	return e ? e->value : NULL;
}

const char *toml_type_name(enum toml_type t)
{
	switch (t) {
	case TOML_STRING:
		return "string";
	case TOML_INTEGER:
		return "integer";
	case TOML_FLOAT:
		return "float";
	case TOML_BOOL:
		return "boolean";
	case TOML_DATETIME:
		return "datetime";
	case TOML_ARRAY:
		return "array";
	case TOML_TABLE:
		return "table";
	}
	return "?";
}

/* Add key kp = v to table t (the key is known to be new there). Takes v. */
static void insert(struct node *t, const struct keypart *kp, struct node *v)
{
	/* not xstrndup: a quoted key may hold "\u0000" */
	char *k = xmalloc(kp->len + 1);
	grow((void **)&t->v.table.v, t->v.table.n, sizeof(struct toml_entry));
	memcpy(k, kp->s, kp->len);
	k[kp->len] = 0;
	t->v.table.v[t->v.table.n++] = (struct toml_entry){
		.key = k, .key_len = kp->len, .line = kp->line, .col = kp->col, .value = &v->v};
}

static struct cubo_error *too_deep(struct parser *p, size_t off)
{
	return perr(p, off, "tables and arrays nest more than %d levels deep", TOML_MAX_DEPTH);
}

/* A new table for key part kp in t. */
static struct cubo_error *add_table(struct parser *p, struct node *t, const struct keypart *kp,
				    unsigned flags, struct node **out)
{
	if (t->depth >= TOML_MAX_DEPTH)
		return too_deep(p, kp->off);
	struct node *n = xcalloc(1, sizeof(*n));
	n->v.type = TOML_TABLE;
	n->v.line = kp->line;
	n->v.col = kp->col;
	n->depth = t->depth + 1;
	n->flags = flags;
	insert(t, kp, n);
	*out = n;
	return NULL;
}

/* ------------------------------------------------------- whitespace, comments */

static void skip_ws(struct parser *p)
{
	while (at(p, 0) == ' ' || at(p, 0) == '\t')
		p->pos++;
}

/* At '#': up to the end of the line, which is left for the caller. */
static struct cubo_error *skip_comment(struct parser *p)
{
	p->pos++;
	while (p->pos < p->len && !at_newline(p)) {
		int c = at(p, 0);
		if (is_ctrl(c))
			return perr(p, p->pos, "control character U+%04X in comment", c);
		p->pos++;
	}
	return NULL;
}

/* Whitespace, newlines and comments, as arrays allow between their values. */
static struct cubo_error *skip_ws_nl(struct parser *p)
{
	for (;;) {
		skip_ws(p);
		if (at(p, 0) == '#')
			CUBO_TRY(skip_comment(p));
		if (at(p, 0) == '\n')
			p->pos++;
		else if (at(p, 0) == '\r' && at(p, 1) == '\n')
			p->pos += 2;
		else
			return NULL;
	}
}

/* After a key/value pair or a header: an optional comment, then the line ends. */
static struct cubo_error *end_line(struct parser *p, const char *after)
{
	char fb[16];

	skip_ws(p);
	if (at(p, 0) == '#')
		CUBO_TRY(skip_comment(p));
	if (p->pos >= p->len)
		return NULL;
	if (at(p, 0) == '\n') {
		p->pos++;
		return NULL;
	}
	if (at(p, 0) == '\r' && at(p, 1) == '\n') {
		p->pos += 2;
		return NULL;
	}
	return perr(p, p->pos, "expected end of line after %s, found %s", after,
		    found(p, p->pos, fb));
}

/* ------------------------------------------------------------------ strings */

/*
 * At a backslash in a basic string that started at start. In a multi-line
 * one, a backslash that ends its line (trailing whitespace allowed) drops
 * all whitespace and newlines up to the next other character.
 */
static struct cubo_error *escape(struct parser *p, struct cubo_strbuf *b, bool multiline,
				 size_t start)
{
	size_t off = p->pos;
	int c = at(p, 1);
	char e = 0;

	switch (c) {
	case 'b':
		e = '\b';
		break;
	case 't':
		e = '\t';
		break;
	case 'n':
		e = '\n';
		break;
	case 'f':
		e = '\f';
		break;
	case 'r':
		e = '\r';
		break;
	case '"':
		e = '"';
		break;
	case '\\':
		e = '\\';
		break;
	case 'u':
	case 'U': {
		int digits = c == 'u' ? 4 : 8;
		uint32_t cp = 0;
		for (int i = 0; i < digits; i++) {
			int h = cubo_hex_value(at(p, 2 + (size_t)i));
			if (h < 0)
				return perr(p, off, "\\%c needs %d hexadecimal digits", c, digits);
			cp = cp << 4 | (uint32_t)h;
		}
		if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return perr(p, off, "\\%c%.*s is not a Unicode scalar value", c, digits,
				    p->s + off + 2);
		cubo_strbuf_add_utf8(b, cp);
		p->pos += 2 + (size_t)digits;
		return NULL;
	}
	default:
		if (multiline) {
			size_t q = off + 1;
			while (q < p->len && (p->s[q] == ' ' || p->s[q] == '\t'))
				q++;
			if (q < p->len && (p->s[q] == '\n' || (p->s[q] == '\r' && q + 1 < p->len &&
							       p->s[q + 1] == '\n'))) {
				p->pos = q;
				for (;;) {
					int d = at(p, 0);
					if (d == ' ' || d == '\t' || d == '\n')
						p->pos++;
					else if (d == '\r' && at(p, 1) == '\n')
						p->pos += 2;
					else
						return NULL;
				}
			}
		}
		if (c < 0)
			return perr(p, start, "unterminated string");
		if (c > 0x20 && c < 0x7F)
			return perr(p, off, "invalid escape sequence \"\\%c\"", c);
		return perr(p, off,
			    "invalid escape sequence: a backslash must be followed by one "
			    "of b t n f r \" \\ u U");
	}
	cubo_strbuf_addc(b, e);
	p->pos += 2;
	return NULL;
}

/* At the quote that opens a "basic" or 'literal' one-line string. */
static struct cubo_error *parse_string_line(struct parser *p, struct cubo_strbuf *b)
{
	size_t start = p->pos;
	char q = p->s[p->pos++];

	for (;;) {
		int c = at(p, 0);
		if (c < 0 || at_newline(p))
			return perr(p, start, "unterminated string");
		if (c == q) {
			p->pos++;
			buf_finish(b);
			return NULL;
		}
		if (c == '\\' && q == '"') {
			CUBO_TRY(escape(p, b, false, start));
			continue;
		}
		if (is_ctrl(c))
			return perr(p, p->pos, "control character U+%04X in string (escape it)", c);
		cubo_strbuf_addc(b, (char)c);
		p->pos++;
	}
}

/* At the """ or ''' that opens a multi-line string. */
static struct cubo_error *parse_string_multi(struct parser *p, struct cubo_strbuf *b)
{
	size_t start = p->pos;
	char q = p->s[p->pos];

	p->pos += 3;
	if (at(p, 0) == '\n')
		p->pos++;
	else if (at(p, 0) == '\r' && at(p, 1) == '\n')
		p->pos += 2;
	for (;;) {
		int c = at(p, 0);
		if (c < 0)
			return perr(p, start, "unterminated multi-line string");
		if (c == q) {
			size_t n = 0;
			while (at(p, n) == q)
				n++;
			if (n < 3) {
				for (size_t i = 0; i < n; i++)
					cubo_strbuf_addc(b, q);
				p->pos += n;
				continue;
			}
			if (n > 5)
				return perr(p, p->pos + 5,
					    "too many quotes: at most two may come before the "
					    "closing %c%c%c",
					    q, q, q);
			for (size_t i = 3; i < n; i++)
				cubo_strbuf_addc(b, q);
			p->pos += n;
			buf_finish(b);
			return NULL;
		}
		if (c == '\\' && q == '"') {
			CUBO_TRY(escape(p, b, true, start));
			continue;
		}
		if (c == '\r' && at(p, 1) == '\n') {
			/* CRLF is kept as the newline it stands for */
			p->pos++;
			continue;
		}
		if (is_ctrl(c) && c != '\n')
			return perr(p, p->pos, "control character U+%04X in string (escape it)", c);
		cubo_strbuf_addc(b, (char)c);
		p->pos++;
	}
}

static bool triple(const struct parser *p)
{
	return at(p, 1) == at(p, 0) && at(p, 2) == at(p, 0);
}

/* -------------------------------------------------------------------- keys */

static void key_free(struct key *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->v[i].s);
	free(k->v);
	k->v = NULL;
	k->n = 0;
}

/* A simple or dotted key; leaves the position after it and its whitespace. */
static struct cubo_error *parse_key(struct parser *p, struct key *k)
{
	char fb[16];

	for (;;) {
		struct keypart kp = {.off = p->pos};
		struct cubo_strbuf b = {0};
		int c = at(p, 0);

		locate(p, kp.off, &kp.line, &kp.col);
		if (c == '"' || c == '\'') {
			if (triple(p))
				return perr(p, p->pos, "a key cannot be a multi-line string");
			struct cubo_error *err = parse_string_line(p, &b);
			if (err) {
				free(b.s);
				return err;
			}
		} else if (c >= 0 && is_bare(c)) {
			size_t e = p->pos;
			while (e < p->len && is_bare((unsigned char)p->s[e]))
				e++;
			cubo_strbuf_add(&b, p->s + p->pos, e - p->pos);
			p->pos = e;
		} else {
			return perr(p, p->pos, "expected a key, found %s", found(p, p->pos, fb));
		}
		kp.s = b.s;
		kp.len = b.len;
		grow((void **)&k->v, k->n, sizeof(*k->v));
		k->v[k->n++] = kp;
		skip_ws(p);
		if (at(p, 0) != '.')
			return NULL;
		p->pos++;
		skip_ws(p);
	}
}

/*
 * k's first i + 1 parts name entry e, which is in the way: what says why,
 * with a %s for the key; where e came from is added.
 */
static struct cubo_error *conflict(struct parser *p, const struct key *k, size_t i,
				   const struct toml_entry *e, const char *what)
{
	_Pragma("GCC diagnostic push");
	_Pragma("GCC diagnostic ignored \"-Wformat-nonliteral\"");
	char *msg = xasprintf(what, keytext(p, k->v, i + 1));
	_Pragma("GCC diagnostic pop");
	struct cubo_error *err =
		perr(p, k->v[i].off, "%s (first defined at line %d)", msg, e->line);
	free(msg);
	return err;
}

/*
 * Go through the parts of dotted key k but the last, starting at t, making
 * tables as needed; *out is where the last part goes, which must be new.
 */
static struct cubo_error *walk_dotted(struct parser *p, struct node *t, const struct key *k,
				      struct node **out)
{
	for (size_t i = 0; i + 1 < k->n; i++) {
		struct toml_entry *e = find(t, k->v[i].s, k->v[i].len);
		if (!e) {
			CUBO_TRY(add_table(p, t, &k->v[i], F_DOTTED, &t));
			continue;
		}
		struct node *n = NODE(e->value);
		if (n->v.type == TOML_ARRAY)
			return conflict(p, k, i, e, "cannot add to array \"%s\" with a dotted key");
		if (n->v.type != TOML_TABLE)
			return conflict(p, k, i, e, "duplicate key \"%s\"");
		if (n->flags & F_INLINE)
			return conflict(p, k, i, e, "cannot add to inline table \"%s\"");
		if (n->flags & F_DEFINED)
			return conflict(
				p, k, i, e,
				"cannot add to table \"%s\" with a dotted key: it has a [header]");
		if (n->flags & F_IMPLICIT)
			n->flags = (n->flags & ~(unsigned)F_IMPLICIT) | F_DOTTED;
		t = n;
	}
	struct toml_entry *e = find(t, k->v[k->n - 1].s, k->v[k->n - 1].len);
	if (e)
		return conflict(p, k, k->n - 1, e, "duplicate key \"%s\"");
	*out = t;
	return NULL;
}

/* ------------------------------------------------------------------ scalars */

static bool digits_at(const struct parser *p, size_t off, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		size_t q = off + (size_t)i;
		if (q >= p->len || p->s[q] < '0' || p->s[q] > '9')
			return false;
		v = v * 10 + (p->s[q] - '0');
	}
	*out = v;
	return true;
}

static int days_in_month(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : days[m - 1];
}

/* HH:MM:SS[.frac] at q; q is left after it. */
static struct cubo_error *parse_time(struct parser *p, size_t *q, struct toml_datetime *dt)
{
	size_t o = *q;

	if (!digits_at(p, o, 2, &dt->hour) || o + 2 >= p->len || p->s[o + 2] != ':' ||
	    !digits_at(p, o + 3, 2, &dt->minute) || o + 5 >= p->len || p->s[o + 5] != ':' ||
	    !digits_at(p, o + 6, 2, &dt->second))
		return perr(p, o, "expected a time as HH:MM:SS");
	if (dt->hour > 23)
		return perr(p, o, "hour %02d is out of range (00 to 23)", dt->hour);
	if (dt->minute > 59)
		return perr(p, o + 3, "minute %02d is out of range (00 to 59)", dt->minute);
	if (dt->second > 60)
		return perr(p, o + 6, "second %02d is out of range (00 to 60)", dt->second);
	o += 8;
	if (o < p->len && p->s[o] == '.') {
		int n = 0, d;
		o++;
		if (!digits_at(p, o, 1, &d))
			return perr(p, o, "expected digits after the \".\" of the seconds");
		while (digits_at(p, o, 1, &d)) {
			if (n++ < 9)
				dt->nanosecond = dt->nanosecond * 10 + d;
			o++;
		}
		for (; n < 9; n++)
			dt->nanosecond *= 10;
	}
	*q = o;
	return NULL;
}

static struct cubo_error *parse_datetime(struct parser *p, struct toml_datetime *dt)
{
	size_t o = p->pos;

	memset(dt, 0, sizeof(*dt));
	if (at(p, 2) == ':') {
		dt->kind = TOML_LOCAL_TIME;
		CUBO_TRY(parse_time(p, &o, dt));
		p->pos = o;
		return NULL;
	}
	if (!digits_at(p, o, 4, &dt->year) || o + 4 >= p->len || p->s[o + 4] != '-' ||
	    !digits_at(p, o + 5, 2, &dt->month) || o + 7 >= p->len || p->s[o + 7] != '-' ||
	    !digits_at(p, o + 8, 2, &dt->day))
		return perr(p, o, "expected a date as YYYY-MM-DD");
	if (dt->month < 1 || dt->month > 12)
		return perr(p, o + 5, "month %02d is out of range (01 to 12)", dt->month);
	if (dt->day < 1 || dt->day > days_in_month(dt->year, dt->month))
		return perr(p, o + 8, "day %02d is out of range for %04d-%02d", dt->day, dt->year,
			    dt->month);
	o += 10;
	dt->kind = TOML_LOCAL_DATE;
	/* "1979-05-27 07:32:00": a space separates too, when a time follows */
	if (o < p->len &&
	    (p->s[o] == 'T' || p->s[o] == 't' ||
	     (p->s[o] == ' ' && o + 1 < p->len && p->s[o + 1] >= '0' && p->s[o + 1] <= '9'))) {
		o++;
		dt->kind = TOML_LOCAL_DATETIME;
		CUBO_TRY(parse_time(p, &o, dt));
		int c = o < p->len ? p->s[o] : -1;
		if (c == 'Z' || c == 'z') {
			dt->kind = TOML_OFFSET_DATETIME;
			o++;
		} else if (c == '+' || c == '-') {
			int h, m;
			if (!digits_at(p, o + 1, 2, &h) || o + 3 >= p->len || p->s[o + 3] != ':' ||
			    !digits_at(p, o + 4, 2, &m))
				return perr(p, o, "expected a UTC offset as %cHH:MM", c);
			if (h > 23 || m > 59)
				return perr(p, o, "UTC offset %.6s is out of range", p->s + o);
			dt->kind = TOML_OFFSET_DATETIME;
			dt->offset_minutes = (c == '-' ? -1 : 1) * (h * 60 + m);
			o += 6;
		}
	}
	p->pos = o;
	return NULL;
}

static int digit_in(int c, int base)
{
	int d = cubo_hex_value(c);
	return d >= 0 && d < base ? d : -1;
}

/*
 * Digits of base at t[*i], each "_" between two digits; *i is left after
 * them. false: no digit first, or a misplaced "_".
 */
static bool scan_digits(const char *t, size_t n, size_t *i, int base)
{
	size_t j = *i;
	if (j >= n || digit_in((unsigned char)t[j], base) < 0)
		return false;
	while (j < n) {
		if (digit_in((unsigned char)t[j], base) >= 0) {
			j++;
		} else if (t[j] == '_') {
			if (j + 1 >= n || digit_in((unsigned char)t[j + 1], base) < 0)
				return false;
			j++;
		} else {
			break;
		}
	}
	*i = j;
	return true;
}

/* An integer or a float, the token t (n bytes) at off. */
static struct cubo_error *parse_number(struct parser *p, size_t off, const char *t, size_t n,
				       struct node *v)
{
	size_t i = 0;
	bool neg = false, sign = false;
	int ni = (int)(n > 64 ? 64 : n);

	if (t[0] == '+' || t[0] == '-') {
		sign = true;
		neg = t[0] == '-';
		i = 1;
	}
	if (i + 1 < n && t[i] == '0' && (t[i + 1] == 'x' || t[i + 1] == 'o' || t[i + 1] == 'b')) {
		int base = t[i + 1] == 'x' ? 16 : t[i + 1] == 'o' ? 8 : 2;
		uint64_t val = 0;
		if (sign)
			return perr(p, off, "a %s integer cannot have a sign",
				    base == 16	? "hexadecimal"
				    : base == 8 ? "octal"
						: "binary");
		i += 2;
		size_t s = i;
		if (!scan_digits(t, n, &i, base) || i != n)
			return perr(p, off, "invalid number \"%.*s\"", ni, t);
		for (i = s; i < n; i++) {
			if (t[i] == '_')
				continue;
			uint64_t d = (uint64_t)digit_in((unsigned char)t[i], base);
			if (val > ((uint64_t)INT64_MAX - d) / (uint64_t)base)
				return perr(p, off, "integer %.*s does not fit in 64 bits", ni, t);
			val = val * (uint64_t)base + d;
		}
		v->v.type = TOML_INTEGER;
		v->v.integer = (int64_t)val;
		return NULL;
	}

	if (i < n && t[i] == '0' && i + 1 < n &&
	    (t[i + 1] == '_' || (t[i + 1] >= '0' && t[i + 1] <= '9')))
		return perr(p, off, "leading zeros are not allowed: \"%.*s\"", ni, t);
	bool is_float = false;
	if (!scan_digits(t, n, &i, 10))
		return perr(p, off, "invalid number \"%.*s\"", ni, t);
	if (i < n && t[i] == '.') {
		i++;
		is_float = true;
		if (i >= n || t[i] < '0' || t[i] > '9')
			return perr(p, off, "invalid float \"%.*s\": digits must follow the \".\"",
				    ni, t);
		if (!scan_digits(t, n, &i, 10))
			return perr(p, off, "invalid number \"%.*s\"", ni, t);
	}
	if (i < n && (t[i] == 'e' || t[i] == 'E')) {
		i++;
		is_float = true;
		if (i < n && (t[i] == '+' || t[i] == '-'))
			i++;
		if (i >= n || t[i] < '0' || t[i] > '9')
			return perr(p, off, "invalid float \"%.*s\": digits must follow the \"e\"",
				    ni, t);
		if (!scan_digits(t, n, &i, 10))
			return perr(p, off, "invalid number \"%.*s\"", ni, t);
	}
	if (i != n)
		return perr(p, off, "invalid number \"%.*s\"", ni, t);

	if (is_float) {
		char *clean = xmalloc(n + 1), *end;
		size_t m = 0;
		for (i = 0; i < n; i++)
			if (t[i] != '_')
				clean[m++] = t[i];
		clean[m] = 0;
		errno = 0;
		double d = strtod(clean, &end);
		free(clean);
		if (isinf(d))
			return perr(p, off, "float %.*s is out of range", ni, t);
		v->v.type = TOML_FLOAT;
		v->v.fp = d;
		return NULL;
	}
	uint64_t val = 0, max = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (i = sign; i < n; i++) {
		if (t[i] == '_')
			continue;
		uint64_t d = (uint64_t)(t[i] - '0');
		if (val > (max - d) / 10)
			return perr(p, off, "integer %.*s does not fit in 64 bits", ni, t);
		val = val * 10 + d;
	}
	v->v.type = TOML_INTEGER;
	v->v.integer = neg ? (int64_t)(0 - val) : (int64_t)val;
	return NULL;
}

static bool is_token(int c)
{
	return c >= 0 && (is_bare(c) || c == '+' || c == '.');
}

/* true, false, inf, nan, a number or a date-time: everything unquoted. */
static struct cubo_error *parse_bare(struct parser *p, struct node *v)
{
	size_t off = p->pos, e = off;
	int d;

	if ((digits_at(p, off, 4, &d) && at(p, 4) == '-') ||
	    (digits_at(p, off, 2, &d) && at(p, 2) == ':')) {
		v->v.type = TOML_DATETIME;
		return parse_datetime(p, &v->v.datetime);
	}
	while (e < p->len && is_token((unsigned char)p->s[e]))
		e++;
	const char *t = p->s + off;
	size_t n = e - off;
	p->pos = e;
	if ((n == 4 && !memcmp(t, "true", 4)) || (n == 5 && !memcmp(t, "false", 5))) {
		v->v.type = TOML_BOOL;
		v->v.boolean = n == 4;
		return NULL;
	}
	const char *u = t + (n && (t[0] == '+' || t[0] == '-'));
	size_t un = n - (size_t)(u - t);
	if (un == 3 && (!memcmp(u, "inf", 3) || !memcmp(u, "nan", 3))) {
		v->v.type = TOML_FLOAT;
		v->v.fp = u[0] == 'i' ? INFINITY : NAN;
		if (t[0] == '-')
			v->v.fp = -v->v.fp;
		return NULL;
	}
	if (n && ((t[0] >= '0' && t[0] <= '9') || t[0] == '+' || t[0] == '-'))
		return parse_number(p, off, t, n, v);
	char fb[16];
	if (n == 0)
		return perr(p, off, "expected a value, found %s", found(p, off, fb));
	return perr(p, off, "expected a value, found \"%.*s\" (strings need quotes)",
		    (int)(n > 64 ? 64 : n), t);
}

/* ------------------------------------------------------- values, containers */

static struct cubo_error *parse_value(struct parser *p, int depth, struct node **out);

static struct cubo_error *parse_keyval(struct parser *p, struct node *t);

static struct cubo_error *parse_array(struct parser *p, struct node *a)
{
	size_t open = p->pos;
	char fb[16];

	p->pos++;
	for (;;) {
		CUBO_TRY(skip_ws_nl(p));
		if (p->pos >= p->len)
			return perr(p, open, "unterminated array");
		if (at(p, 0) == ']') {
			p->pos++;
			return NULL;
		}
		struct node *v;
		CUBO_TRY(parse_value(p, a->depth + 1, &v));
		grow((void **)&a->v.array.v, a->v.array.n, sizeof(*a->v.array.v));
		a->v.array.v[a->v.array.n++] = &v->v;
		CUBO_TRY(skip_ws_nl(p));
		if (at(p, 0) == ',') {
			p->pos++;
		} else if (at(p, 0) == ']') {
			p->pos++;
			return NULL;
		} else if (p->pos >= p->len) {
			return perr(p, open, "unterminated array");
		} else {
			return perr(p, p->pos, "expected \",\" or \"]\" in array, found %s",
				    found(p, p->pos, fb));
		}
	}
}

/* Inline tables fit on one line: no newlines, no comments, no trailing comma. */
static struct cubo_error *inline_gap(struct parser *p, size_t open)
{
	skip_ws(p);
	if (p->pos >= p->len)
		return perr(p, open, "unterminated inline table");
	if (at_newline(p))
		return perr(p, p->pos, "newline in inline table (it must fit on one line)");
	if (at(p, 0) == '#')
		return perr(p, p->pos, "comment in inline table (it must fit on one line)");
	return NULL;
}

static struct cubo_error *parse_inline_table(struct parser *p, struct node *t)
{
	size_t open = p->pos;
	char fb[16];

	p->pos++;
	CUBO_TRY(inline_gap(p, open));
	if (at(p, 0) == '}') {
		p->pos++;
		t->flags |= F_INLINE;
		return NULL;
	}
	for (;;) {
		CUBO_TRY(parse_keyval(p, t));
		CUBO_TRY(inline_gap(p, open));
		if (at(p, 0) == '}') {
			p->pos++;
			t->flags |= F_INLINE;
			return NULL;
		}
		if (at(p, 0) != ',')
			return perr(p, p->pos, "expected \",\" or \"}\" in inline table, found %s",
				    found(p, p->pos, fb));
		p->pos++;
		CUBO_TRY(inline_gap(p, open));
		if (at(p, 0) == '}')
			return perr(p, p->pos, "trailing comma in inline table");
	}
}

/* The value at the position, which will sit depth levels below the root. */
static struct cubo_error *parse_value(struct parser *p, int depth, struct node **out)
{
	size_t off = p->pos;
	int c = at(p, 0);
	struct cubo_error *err;
	struct cubo_strbuf b = {0};
	char fb[16];

	if (c < 0 || at_newline(p) || c == '#')
		return perr(p, off, "expected a value, found %s", found(p, off, fb));
	if ((c == '[' || c == '{') && depth > TOML_MAX_DEPTH)
		return too_deep(p, off);
	struct node *v = new_node(p, TOML_STRING, off, depth);
	switch (c) {
	case '"':
	case '\'':
		err = triple(p) ? parse_string_multi(p, &b) : parse_string_line(p, &b);
		v->v.string.s = b.s;
		v->v.string.len = b.len;
		break;
	case '[':
		v->v.type = TOML_ARRAY;
		err = parse_array(p, v);
		break;
	case '{':
		v->v.type = TOML_TABLE;
		err = parse_inline_table(p, v);
		break;
	default:
		err = parse_bare(p, v);
		break;
	}
	if (err) {
		toml_free(&v->v);
		return err;
	}
	*out = v;
	return NULL;
}

/* key = value, into table t. */
static struct cubo_error *parse_keyval(struct parser *p, struct node *t)
{
	struct key k = {0};
	struct node *target = NULL, *v = NULL;
	char fb[16];

	struct cubo_error *err = parse_key(p, &k);
	if (!err && at(p, 0) != '=')
		err = perr(p, p->pos, "expected \"=\" after key \"%s\", found %s",
			   keytext(p, k.v, k.n), found(p, p->pos, fb));
	if (!err) {
		p->pos++;
		skip_ws(p);
		err = walk_dotted(p, t, &k, &target);
	}
	if (!err)
		err = parse_value(p, target->depth + 1, &v);
	if (!err)
		insert(target, &k.v[k.n - 1], v);
	key_free(&k);
	return err;
}

/* [a.b] or [[a.b]] at the position: p->cur becomes that table. */
static struct cubo_error *open_table(struct parser *p, const struct key *k, bool aot, int line,
				     int col)
{
	struct node *t = p->root;

	for (size_t i = 0; i + 1 < k->n; i++) {
		struct toml_entry *e = find(t, k->v[i].s, k->v[i].len);
		if (!e) {
			CUBO_TRY(add_table(p, t, &k->v[i], F_IMPLICIT, &t));
			continue;
		}
		struct node *n = NODE(e->value);
		if (n->v.type == TOML_ARRAY && (n->flags & F_AOT)) {
			t = NODE(n->v.array.v[n->v.array.n - 1]);
		} else if (n->v.type == TOML_ARRAY) {
			return conflict(p, k, i, e, "cannot add a table to static array \"%s\"");
		} else if (n->v.type != TOML_TABLE) {
			return conflict(p, k, i, e, "duplicate key \"%s\"");
		} else if (n->flags & F_INLINE) {
			return conflict(p, k, i, e, "cannot add a table to inline table \"%s\"");
		} else {
			t = n;
		}
	}

	const struct keypart *last = &k->v[k->n - 1];
	struct toml_entry *e = find(t, last->s, last->len);
	struct node *n = e ? NODE(e->value) : NULL;
	if (!aot) {
		if (!e) {
			CUBO_TRY(add_table(p, t, last, F_DEFINED, &n));
		} else if (n->v.type == TOML_TABLE && n->flags == F_IMPLICIT) {
			n->flags = F_DEFINED;
		} else if (n->v.type == TOML_TABLE && (n->flags & F_DOTTED)) {
			return conflict(p, k, k->n - 1, e,
					"table \"%s\" was defined by dotted keys: it cannot "
					"have a [header]");
		} else if (n->v.type == TOML_TABLE && (n->flags & F_INLINE)) {
			return conflict(p, k, k->n - 1, e, "cannot redefine inline table \"%s\"");
		} else if (n->v.type == TOML_TABLE) {
			return conflict(p, k, k->n - 1, e, "duplicate table \"%s\"");
		} else if (n->v.type == TOML_ARRAY && (n->flags & F_AOT)) {
			return conflict(p, k, k->n - 1, e,
					"\"%s\" is an array of tables, not a table");
		} else {
			return conflict(p, k, k->n - 1, e, "duplicate key \"%s\"");
		}
		n->v.line = line;
		n->v.col = col;
		p->cur = n;
		return NULL;
	}

	if (!e) {
		if (t->depth >= TOML_MAX_DEPTH)
			return too_deep(p, last->off);
		n = xcalloc(1, sizeof(*n));
		n->v.type = TOML_ARRAY;
		n->v.line = line;
		n->v.col = col;
		n->depth = t->depth + 1;
		n->flags = F_AOT;
		insert(t, last, n);
	} else if (n->v.type == TOML_ARRAY && !(n->flags & F_AOT)) {
		return conflict(p, k, k->n - 1, e, "cannot append to static array \"%s\"");
	} else if (n->v.type == TOML_TABLE) {
		return conflict(p, k, k->n - 1, e, "\"%s\" is a table, not an array of tables");
	} else if (n->v.type != TOML_ARRAY) {
		return conflict(p, k, k->n - 1, e, "duplicate key \"%s\"");
	}
	if (n->depth >= TOML_MAX_DEPTH)
		return too_deep(p, last->off);
	struct node *el = xcalloc(1, sizeof(*el));
	grow((void **)&n->v.array.v, n->v.array.n, sizeof(*n->v.array.v));
	el->v.type = TOML_TABLE;
	el->v.line = line;
	el->v.col = col;
	el->depth = n->depth + 1;
	el->flags = F_DEFINED;
	n->v.array.v[n->v.array.n++] = &el->v;
	p->cur = el;
	return NULL;
}

static struct cubo_error *parse_header(struct parser *p)
{
	bool aot = at(p, 1) == '[';
	struct key k = {0};
	int line, col;
	char fb[16];

	locate(p, p->pos, &line, &col);
	p->pos += aot ? 2 : 1;
	skip_ws(p);
	struct cubo_error *err = parse_key(p, &k);
	if (!err && (at(p, 0) != ']' || (aot && at(p, 1) != ']')))
		err = perr(p, p->pos, "expected \"%s\" after table name \"%s\", found %s",
			   aot ? "]]" : "]", keytext(p, k.v, k.n), found(p, p->pos, fb));
	if (!err) {
		p->pos += aot ? 2 : 1;
		err = open_table(p, &k, aot, line, col);
	}
	key_free(&k);
	return err;
}

/* Valid UTF-8, no overlong forms, no surrogates, nothing past U+10FFFF. */
static struct cubo_error *check_utf8(struct parser *p)
{
	const unsigned char *s = (const unsigned char *)p->s;

	for (size_t i = 0; i < p->len;) {
		unsigned c = s[i];
		size_t n;
		uint32_t cp, min;
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xC2 && c <= 0xDF) {
			n = 2;
			cp = c & 0x1F;
			min = 0x80;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 3;
			cp = c & 0x0F;
			min = 0x800;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 4;
			cp = c & 0x07;
			min = 0x10000;
		} else {
			return perr(p, i, "invalid UTF-8");
		}
		if (i + n > p->len)
			return perr(p, i, "invalid UTF-8");
		for (size_t j = 1; j < n; j++) {
			if ((s[i + j] & 0xC0) != 0x80)
				return perr(p, i, "invalid UTF-8");
			cp = cp << 6 | (s[i + j] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return perr(p, i, "invalid UTF-8");
		i += n;
	}
	return NULL;
}

static struct cubo_error *parse_document(struct parser *p)
{
	/* a byte order mark is not part of the document */
	if (p->len >= 3 && !memcmp(p->s, "\xEF\xBB\xBF", 3))
		p->pos = 3;
	for (;;) {
		skip_ws(p);
		if (p->pos >= p->len)
			return NULL;
		int c = at(p, 0);
		const char *what = "value";
		if (c == '[') {
			CUBO_TRY(parse_header(p));
			what = "table header";
		} else if (c != '#' && !at_newline(p)) {
			CUBO_TRY(parse_keyval(p, p->cur));
		}
		CUBO_TRY(end_line(p, what));
	}
}

struct cubo_error *toml_parse(const char *text, size_t len, const char *source,
			      struct toml_value **root)
{
	struct parser p = {.s = text,
			   .len = len,
			   .source = source ? source : "<toml>",
			   .loc_line = 1,
			   .loc_col = 1};

	*root = NULL;
	p.root = new_node(&p, TOML_TABLE, 0, 0);
	p.root->flags = F_DEFINED;
	p.cur = p.root;
	struct cubo_error *err = check_utf8(&p);
	if (!err)
		err = parse_document(&p);
	free(p.msgkey);
	if (err) {
		toml_free(&p.root->v);
		return err;
	}
	*root = &p.root->v;
	return NULL;
}
