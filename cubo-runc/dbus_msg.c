/* SPDX-License-Identifier: Apache-2.0 */
#include "cubo-runc/dbus_msg.h"
#include "shared/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* the header fields' codes */
enum {
	FIELD_PATH = 1,
	FIELD_INTERFACE = 2,
	FIELD_MEMBER = 3,
	FIELD_ERROR_NAME = 4,
	FIELD_REPLY_SERIAL = 5,
	FIELD_DESTINATION = 6,
	FIELD_SENDER = 7,
	FIELD_SIGNATURE = 8,
};

/* the specification's limit on one array's data */
#define MAX_ARRAY (1u << 26)

static size_t align_up(size_t n, size_t a)
{
	return (n + a - 1) / a * a;
}

/* ---- writing ---- */

static void reserve(struct dbus_writer *w, size_t more)
{
	if (w->len + more <= w->cap)
		return;
	size_t cap = w->cap ? w->cap : 256;
	while (cap < w->len + more)
		cap *= 2;
	uint8_t *nb = xrealloc(w->buf, cap);
	w->buf = nb;
	w->cap = cap;
}

static void put(struct dbus_writer *w, const void *p, size_t n)
{
	if (!n)
		return;
	reserve(w, n);
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static void pad(struct dbus_writer *w, size_t a)
{
	size_t n = align_up(w->len, a) - w->len;
	if (!n)
		return;
	reserve(w, n);
	memset(w->buf + w->len, 0, n);
	w->len += n;
}

static void put_le32_at(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void dbus_w_free(struct dbus_writer *w)
{
	free(w->buf);
	*w = (struct dbus_writer){0};
}

void dbus_w_byte(struct dbus_writer *w, uint8_t v)
{
	put(w, &v, 1);
}

void dbus_w_u32(struct dbus_writer *w, uint32_t v)
{
	uint8_t b[4];
	pad(w, 4);
	put_le32_at(b, v);
	put(w, b, 4);
}

void dbus_w_bool(struct dbus_writer *w, bool v)
{
	dbus_w_u32(w, v ? 1 : 0);
}

void dbus_w_u64(struct dbus_writer *w, uint64_t v)
{
	uint8_t b[8];
	pad(w, 8);
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	put(w, b, 8);
}

void dbus_w_string(struct dbus_writer *w, const char *s)
{
	size_t n = strlen(s);
	dbus_w_u32(w, (uint32_t)n);
	put(w, s, n + 1);
}

void dbus_w_signature(struct dbus_writer *w, const char *sig)
{
	size_t n = strlen(sig);
	dbus_w_byte(w, (uint8_t)n);
	put(w, sig, n + 1);
}

size_t dbus_w_array_begin(struct dbus_writer *w, size_t elem_align)
{
	dbus_w_u32(w, 0);
	size_t mark = w->len - 4;
	pad(w, elem_align);
	return mark;
}

void dbus_w_array_end(struct dbus_writer *w, size_t mark, size_t elem_align)
{
	size_t start = align_up(mark + 4, elem_align);
	put_le32_at(w->buf + mark, (uint32_t)(w->len - start));
}

void dbus_w_struct_begin(struct dbus_writer *w)
{
	pad(w, 8);
}

void dbus_w_variant(struct dbus_writer *w, const char *sig)
{
	dbus_w_signature(w, sig);
}

static void field_string(struct dbus_writer *w, uint8_t code, const char *sig, const char *v)
{
	if (!v)
		return;
	dbus_w_struct_begin(w);
	dbus_w_byte(w, code);
	dbus_w_variant(w, sig);
	if (sig[0] == 'g')
		dbus_w_signature(w, v);
	else
		dbus_w_string(w, v);
}

void dbus_msg_encode(const struct dbus_header *h, const struct dbus_writer *body,
		     struct dbus_writer *out)
{
	dbus_w_byte(out, 'l');
	dbus_w_byte(out, (uint8_t)h->type);
	dbus_w_byte(out, h->flags);
	dbus_w_byte(out, 1);
	dbus_w_u32(out, (uint32_t)body->len);
	dbus_w_u32(out, h->serial);
	size_t fields = dbus_w_array_begin(out, 8);
	field_string(out, FIELD_PATH, "o", h->path);
	field_string(out, FIELD_INTERFACE, "s", h->interface);
	field_string(out, FIELD_MEMBER, "s", h->member);
	field_string(out, FIELD_ERROR_NAME, "s", h->error_name);
	if (h->reply_serial) {
		dbus_w_struct_begin(out);
		dbus_w_byte(out, FIELD_REPLY_SERIAL);
		dbus_w_variant(out, "u");
		dbus_w_u32(out, h->reply_serial);
	}
	field_string(out, FIELD_DESTINATION, "s", h->destination);
	field_string(out, FIELD_SENDER, "s", h->sender);
	if (h->signature && h->signature[0])
		field_string(out, FIELD_SIGNATURE, "g", h->signature);
	dbus_w_array_end(out, fields, 8);
	pad(out, 8);
	if (body->len)
		put(out, body->buf, body->len);
}

/* ---- reading ---- */

static struct cubo_error *short_msg(const struct dbus_reader *r, size_t need)
{
	return cubo_error_new("D-Bus message: %zu bytes needed at offset %zu of %zu", need, r->pos,
			      r->len);
}

static struct cubo_error *r_align(struct dbus_reader *r, size_t a)
{
	size_t to = align_up(r->pos, a);
	if (to > r->len)
		return short_msg(r, to - r->pos);
	for (size_t i = r->pos; i < to; i++)
		if (r->p[i])
			return cubo_error_new("D-Bus message: padding at offset %zu is not zero",
					      i);
	r->pos = to;
	return NULL;
}

static struct cubo_error *need(const struct dbus_reader *r, size_t n)
{
	return r->len - r->pos < n ? short_msg(r, n) : NULL;
}

static uint32_t get32(const uint8_t *p, bool big)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++)
		v |= (uint32_t)p[big ? 3 - i : i] << (8 * i);
	return v;
}

struct cubo_error *dbus_r_byte(struct dbus_reader *r, uint8_t *v)
{
	CUBO_TRY(need(r, 1));
	*v = r->p[r->pos++];
	return NULL;
}

struct cubo_error *dbus_r_u32(struct dbus_reader *r, uint32_t *v)
{
	CUBO_TRY(r_align(r, 4));
	CUBO_TRY(need(r, 4));
	*v = get32(r->p + r->pos, r->big_endian);
	r->pos += 4;
	return NULL;
}

struct cubo_error *dbus_r_bool(struct dbus_reader *r, bool *v)
{
	uint32_t u;
	CUBO_TRY(dbus_r_u32(r, &u));
	if (u > 1)
		return cubo_error_new("D-Bus message: boolean %u at offset %zu", u, r->pos - 4);
	*v = u;
	return NULL;
}

struct cubo_error *dbus_r_u64(struct dbus_reader *r, uint64_t *v)
{
	CUBO_TRY(r_align(r, 8));
	CUBO_TRY(need(r, 8));
	uint64_t lo = get32(r->p + r->pos + (r->big_endian ? 4 : 0), r->big_endian);
	uint64_t hi = get32(r->p + r->pos + (r->big_endian ? 0 : 4), r->big_endian);
	*v = hi << 32 | lo;
	r->pos += 8;
	return NULL;
}

/* n bytes of text, then its NUL, no NUL inside */
static struct cubo_error *r_text(struct dbus_reader *r, size_t n, const char **s)
{
	CUBO_TRY(need(r, n + 1));
	const char *t = (const char *)r->p + r->pos;
	if (t[n] || memchr(t, 0, n))
		return cubo_error_new(
			"D-Bus message: string at offset %zu is not terminated at its "
			"length",
			r->pos);
	*s = t;
	r->pos += n + 1;
	return NULL;
}

struct cubo_error *dbus_r_string(struct dbus_reader *r, const char **s)
{
	uint32_t n;
	CUBO_TRY(dbus_r_u32(r, &n));
	return r_text(r, n, s);
}

struct cubo_error *dbus_r_signature(struct dbus_reader *r, const char **sig)
{
	uint8_t n;
	CUBO_TRY(dbus_r_byte(r, &n));
	CUBO_TRY(r_text(r, n, sig));
	if (!dbus_valid_signature(*sig))
		return cubo_error_new("D-Bus message: bad signature \"%s\"", *sig);
	return NULL;
}

struct cubo_error *dbus_r_array(struct dbus_reader *r, size_t elem_align, size_t *end)
{
	uint32_t n;
	CUBO_TRY(dbus_r_u32(r, &n));
	if (n > MAX_ARRAY)
		return cubo_error_new("D-Bus message: array of %u bytes", n);
	CUBO_TRY(r_align(r, elem_align));
	CUBO_TRY(need(r, n));
	*end = r->pos + n;
	return NULL;
}

struct cubo_error *dbus_r_struct(struct dbus_reader *r)
{
	return r_align(r, 8);
}

/* The length of the single complete type at sig (0: none valid), nesting at most depth. */
static size_t type_len(const char *sig, int depth)
{
	if (depth > DBUS_MAX_DEPTH)
		return 0;
	switch (*sig) {
	case 'y':
	case 'b':
	case 'n':
	case 'q':
	case 'i':
	case 'u':
	case 'x':
	case 't':
	case 'd':
	case 's':
	case 'o':
	case 'g':
	case 'h':
	case 'v':
		return 1;
	case 'a': {
		size_t n = type_len(sig + 1, depth + 1);
		return n ? n + 1 : 0;
	}
	case '(': {
		size_t i = 1;
		if (sig[i] == ')')
			return 0; /* no empty struct */
		while (sig[i] && sig[i] != ')') {
			size_t n = type_len(sig + i, depth + 1);
			if (!n)
				return 0;
			i += n;
		}
		return sig[i] == ')' ? i + 1 : 0;
	}
	case '{': {
		/* a dict entry: a basic key, one value, only as an array's element (checked by the
		 * caller) */
		if (!strchr("ybnqiuxtdsogh", sig[1]) || !sig[1])
			return 0;
		size_t n = type_len(sig + 2, depth + 1);
		return n && sig[2 + n] == '}' ? n + 3 : 0;
	}
	default:
		return 0;
	}
}

/* no dict entry outside an array */
static bool dict_entries_in_arrays(const char *sig, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (sig[i] == '{' && (i == 0 || sig[i - 1] != 'a'))
			return false;
	return true;
}

bool dbus_valid_signature(const char *sig)
{
	size_t len = strlen(sig);
	if (len > 255)
		return false;
	for (size_t i = 0; i < len;) {
		size_t n = type_len(sig + i, 0);
		if (!n)
			return false;
		i += n;
	}
	return dict_entries_in_arrays(sig, len);
}

static struct cubo_error *skip(struct dbus_reader *r, const char **sig, int depth)
{
	const char *s = *sig;
	size_t n = type_len(s, 0);
	uint32_t u;
	uint64_t t;
	uint8_t y;
	const char *str;

	if (!n || depth > DBUS_MAX_DEPTH)
		return cubo_error_new("D-Bus message: cannot read type \"%.*s\"", 16, s);
	*sig = s + n;
	switch (*s) {
	case 'y':
		return dbus_r_byte(r, &y);
	case 'n':
	case 'q':
		CUBO_TRY(r_align(r, 2));
		CUBO_TRY(need(r, 2));
		r->pos += 2;
		return NULL;
	case 'b': {
		bool b;
		return dbus_r_bool(r, &b);
	}
	case 'i':
	case 'u':
	case 'h':
		return dbus_r_u32(r, &u);
	case 'x':
	case 't':
	case 'd':
		return dbus_r_u64(r, &t);
	case 's':
	case 'o':
		return dbus_r_string(r, &str);
	case 'g':
		return dbus_r_signature(r, &str);
	case 'v': {
		const char *vs;
		CUBO_TRY(dbus_r_signature(r, &vs));
		if (type_len(vs, depth + 1) != strlen(vs))
			return cubo_error_new("D-Bus message: variant of \"%s\"", vs);
		return skip(r, &vs, depth + 1);
	}
	case 'a': {
		size_t end;
		char c = s[1];
		CUBO_TRY(dbus_r_array(r,
				      c == '(' || c == '{' || c == 'x' || c == 't' || c == 'd' ? 8
				      : c == 'n' || c == 'q'				       ? 2
				      : c == 'y' || c == 'g' || c == 'v'		       ? 1
											       : 4,
				      &end));
		while (r->pos < end) {
			const char *e = s + 1;
			CUBO_TRY(skip(r, &e, depth + 1));
		}
		if (r->pos != end)
			return cubo_error_new("D-Bus message: array overruns its length");
		return NULL;
	}
	case '(':
	case '{': {
		CUBO_TRY(dbus_r_struct(r));
		const char *m = s + 1;
		while (*m != ')' && *m != '}')
			CUBO_TRY(skip(r, &m, depth + 1));
		return NULL;
	}
	default:
		return cubo_error_new("D-Bus message: cannot read type '%c'", *s);
	}
}

struct cubo_error *dbus_r_skip(struct dbus_reader *r, const char **sig)
{
	return skip(r, sig, 0);
}

struct cubo_error *dbus_msg_size(const uint8_t *buf, size_t have, size_t *total)
{
	if (have < DBUS_FIXED_HEADER)
		return cubo_error_new("D-Bus message: %zu bytes, fewer than a header", have);
	if ((buf[0] != 'l' && buf[0] != 'B') || buf[3] != 1)
		return cubo_error_new("D-Bus message: not a version 1 message (starts 0x%02x, "
				      "version %u)",
				      buf[0], buf[3]);
	bool big = buf[0] == 'B';
	uint64_t body = get32(buf + 4, big), fields = get32(buf + 12, big);
	uint64_t n = align_up(DBUS_FIXED_HEADER + fields, 8) + body;
	if (fields > DBUS_MAX_MESSAGE || n > DBUS_MAX_MESSAGE)
		return cubo_error_new("D-Bus message of %llu bytes: more than the %d allowed",
				      (unsigned long long)n, DBUS_MAX_MESSAGE);
	*total = (size_t)n;
	return NULL;
}

static struct cubo_error *read_field(struct dbus_reader *r, struct dbus_header *h)
{
	uint8_t code;
	const char *sig;
	CUBO_TRY(dbus_r_struct(r));
	CUBO_TRY(dbus_r_byte(r, &code));
	CUBO_TRY(dbus_r_signature(r, &sig));
	static const char *const want[] = {
		[FIELD_PATH] = "o",	  [FIELD_INTERFACE] = "s",    [FIELD_MEMBER] = "s",
		[FIELD_ERROR_NAME] = "s", [FIELD_REPLY_SERIAL] = "u", [FIELD_DESTINATION] = "s",
		[FIELD_SENDER] = "s",	  [FIELD_SIGNATURE] = "g"};
	if (code == 0 || code > FIELD_SIGNATURE) {
		/* a field this version does not know: skipped, as the specification asks */
		if (type_len(sig, 0) != strlen(sig))
			return cubo_error_new("D-Bus message: header field %u of type \"%s\"", code,
					      sig);
		return dbus_r_skip(r, &sig);
	}
	if (strcmp(sig, want[code]))
		return cubo_error_new("D-Bus message: header field %u of type \"%s\", not \"%s\"",
				      code, sig, want[code]);
	const char **slot[] = {[FIELD_PATH] = &h->path,
			       [FIELD_INTERFACE] = &h->interface,
			       [FIELD_MEMBER] = &h->member,
			       [FIELD_ERROR_NAME] = &h->error_name,
			       [FIELD_DESTINATION] = &h->destination,
			       [FIELD_SENDER] = &h->sender,
			       [FIELD_SIGNATURE] = &h->signature};
	if (code == FIELD_REPLY_SERIAL)
		return dbus_r_u32(r, &h->reply_serial);
	if (code == FIELD_SIGNATURE)
		return dbus_r_signature(r, slot[code]);
	CUBO_TRY(dbus_r_string(r, slot[code]));
	if (code == FIELD_PATH && !dbus_valid_path(h->path))
		return cubo_error_new("D-Bus message: bad object path \"%s\"", h->path);
	return NULL;
}

struct cubo_error *dbus_msg_parse(const uint8_t *raw, size_t len, struct dbus_msg *out)
{
	size_t total;
	CUBO_TRY(dbus_msg_size(raw, len, &total));
	if (total != len)
		return cubo_error_new("D-Bus message: %zu bytes, its header says %zu", len, total);
	struct dbus_reader r = {.p = raw, .len = len, .big_endian = raw[0] == 'B'};
	struct dbus_header h = {0};
	uint8_t b, version;
	uint32_t body_len;
	CUBO_TRY(dbus_r_byte(&r, &b));
	CUBO_TRY(dbus_r_byte(&r, &b));
	h.type = b;
	CUBO_TRY(dbus_r_byte(&r, &h.flags));
	CUBO_TRY(dbus_r_byte(&r, &version));
	CUBO_TRY(dbus_r_u32(&r, &body_len));
	CUBO_TRY(dbus_r_u32(&r, &h.serial));
	if (!h.serial)
		return cubo_error_new("D-Bus message: serial 0");
	size_t end;
	CUBO_TRY(dbus_r_array(&r, 8, &end));
	while (r.pos < end)
		CUBO_TRY(read_field(&r, &h));
	if (r.pos != end)
		return cubo_error_new("D-Bus message: header fields overrun their length");
	CUBO_TRY(r_align(&r, 8));
	if (r.len - r.pos != body_len)
		return cubo_error_new("D-Bus message: body of %zu bytes, the header says %u",
				      r.len - r.pos, body_len);
	bool ok = true;
	switch (h.type) {
	case DBUS_METHOD_CALL:
		ok = h.path && h.member;
		break;
	case DBUS_METHOD_RETURN:
		ok = h.reply_serial;
		break;
	case DBUS_ERROR:
		ok = h.reply_serial && h.error_name;
		break;
	case DBUS_SIGNAL:
		ok = h.path && h.interface && h.member;
		break;
	default:
		break; /* unknown types are the caller's to ignore */
	}
	if (!ok)
		return cubo_error_new("D-Bus message: a message of type %u without its required "
				      "header fields",
				      h.type);
	if (body_len && (!h.signature || !h.signature[0]))
		return cubo_error_new("D-Bus message: a body without a signature");
	struct dbus_msg m = {
		.h = h, .body = raw + r.pos, .body_len = body_len, .big_endian = r.big_endian};
	/* the whole body, checked once against its signature: readers then find what it says */
	struct dbus_reader body = dbus_msg_body(&m);
	for (const char *sig = h.signature ? h.signature : ""; *sig;)
		CUBO_TRY_CTX(dbus_r_skip(&body, &sig), "body of signature \"%s\"", h.signature);
	if (body.pos != body.len)
		return cubo_error_new("D-Bus message: %zu bytes after the body's values",
				      body.len - body.pos);
	*out = m;
	return NULL;
}

struct dbus_reader dbus_msg_body(const struct dbus_msg *m)
{
	return (struct dbus_reader){.p = m->body, .len = m->body_len, .big_endian = m->big_endian};
}

static bool path_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

bool dbus_valid_path(const char *p)
{
	if (!p || p[0] != '/')
		return false;
	if (!p[1])
		return true;
	for (size_t i = 1; p[i]; i++) {
		if (p[i] == '/') {
			if (p[i - 1] == '/' || !p[i + 1])
				return false;
		} else if (!path_char(p[i])) {
			return false;
		}
	}
	return true;
}
