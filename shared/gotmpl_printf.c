/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Go's fmt.Sprintf for template values: the verbs %v %s %d %q %x %X %o %b
 * %c %U %e %E %f %F %g %G %t %%, the flags - + # 0 and space, widths and
 * precisions (also *), and Go's wording of mistakes: %!d(string=x),
 * %!s(MISSING), %!(EXTRA int=1), %!(BADWIDTH).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/gotmpl_int.h"
#include "shared/xalloc.h"

/* data nested deeper is not formatted element by element */
#define FORMAT_MAX_DEPTH 512
/* Go's fmt: widths and precisions above this are refused */
#define MAX_WIDTH 1000000

struct spec {
	bool minus, plus, sharp, zero, space;
	int width, prec; /* -1: not given */
	char verb;
};

static size_t runes(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

/* Byte length of the first `count` characters of s. */
static size_t rune_prefix(const char *s, size_t len, size_t count)
{
	size_t i = 0, n = 0;
	for (; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && n++ == count)
			break;
	return i;
}

static void pad(struct cubo_strbuf *b, const struct spec *sp, const char *s, size_t len,
		bool numeric)
{
	size_t w = runes(s, len);
	size_t fill = sp->width > 0 && (size_t)sp->width > w ? (size_t)sp->width - w : 0;
	if (sp->minus) {
		cubo_strbuf_add(b, s, len);
		for (size_t i = 0; i < fill; i++)
			cubo_strbuf_addc(b, ' ');
		return;
	}
	bool zeros = sp->zero && !numeric;
	for (size_t i = 0; i < fill; i++)
		cubo_strbuf_addc(b, zeros ? '0' : ' ');
	cubo_strbuf_add(b, s, len);
}

/* strconv.Quote: printable characters kept, the rest escaped. */
static void quote(struct cubo_strbuf *b, const char *s, size_t len)
{
	char esc[8];
	cubo_strbuf_addc(b, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		const char *named = strchr("\a\b\f\n\r\t\v", ch);
		if (ch == '"' || ch == '\\') {
			cubo_strbuf_addc(b, '\\');
			cubo_strbuf_addc(b, (char)ch);
		} else if (ch && named) {
			cubo_strbuf_addc(b, '\\');
			cubo_strbuf_addc(b, "abfnrtv"[named - "\a\b\f\n\r\t\v"]);
		} else if (ch < 0x20 || ch == 0x7f) {
			snprintf(esc, sizeof(esc), "\\x%02x", ch);
			cubo_strbuf_adds(b, esc);
		} else if (ch < 0x80) {
			cubo_strbuf_addc(b, (char)ch);
		} else { /* a valid UTF-8 sequence stays, a stray byte is escaped */
			int extra = (ch >> 5) == 6    ? 1
				    : (ch >> 4) == 14 ? 2
				    : (ch >> 3) == 30 ? 3
						      : -1;
			bool ok = extra > 0 && i + (size_t)extra < len;
			for (int k = 1; ok && k <= extra; k++)
				ok = ((unsigned char)s[i + k] & 0xc0) == 0x80;
			if (ok) {
				cubo_strbuf_add(b, s + i, (size_t)extra + 1);
				i += (size_t)extra;
			} else {
				snprintf(esc, sizeof(esc), "\\x%02x", ch);
				cubo_strbuf_adds(b, esc);
			}
		}
	}
	cubo_strbuf_addc(b, '"');
}

/* %!d(string=x) */
static void bad_verb(struct cubo_strbuf *b, const struct spec *sp, const struct gv *v)
{
	cubo_strbuf_adds(b, "%!");
	cubo_strbuf_addc(b, sp->verb);
	cubo_strbuf_addc(b, '(');
	if (v->k == GV_NIL) {
		cubo_strbuf_adds(b, "<nil>");
	} else {
		cubo_strbuf_adds(b, gv_type_name(v));
		cubo_strbuf_addc(b, '=');
		gv_print(b, v, false);
	}
	cubo_strbuf_addc(b, ')');
}

/*
 * A C conversion of one number with the spec's flags and precision (the
 * width is pad()'s). magnitude: an integer's absolute value, unsigned, for
 * Go's -ff of a negative number (no overflow at INT64_MIN).
 */
static void c_number(struct cubo_strbuf *b, const struct spec *sp, const char *length, char conv,
		     const struct gv *v, bool magnitude)
{
	char f[40];
	int k = 0;
	f[k++] = '%';
	if (sp->minus)
		f[k++] = '-';
	if (sp->plus)
		f[k++] = '+';
	if (sp->sharp)
		f[k++] = '#';
	if (sp->zero && !sp->minus)
		f[k++] = '0';
	if (sp->space)
		f[k++] = ' ';
	f[k] = '\0';
	if (sp->prec >= 0)
		snprintf(f + k, sizeof(f) - (size_t)k, ".%d%s%c", sp->prec, length, conv);
	else
		snprintf(f + k, sizeof(f) - (size_t)k, "%s%c", length, conv);
	unsigned long long mag = (unsigned long long)((uint64_t)0 - (uint64_t)v->i);
	char *out;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (v->k == GV_INT && magnitude)
		out = xasprintf(f, mag);
	else if (v->k == GV_INT)
		out = xasprintf(f, (long long)v->i);
	else
		out = xasprintf(f, v->f);
#pragma GCC diagnostic pop
	size_t len = strlen(out);
	if (sp->zero && !sp->minus && sp->width > 0 && len < (size_t)sp->width) {
		/* zero padding goes after the sign */
		size_t sign = out[0] == '-' || out[0] == '+' || out[0] == ' ';
		cubo_strbuf_add(b, out, sign);
		for (size_t i = len; i < (size_t)sp->width; i++)
			cubo_strbuf_addc(b, '0');
		cubo_strbuf_adds(b, out + sign);
	} else {
		pad(b, sp, out, len, true);
	}
	free(out);
}

static void format_int(struct cubo_strbuf *b, const struct spec *sp, const struct gv *v)
{
	struct cubo_strbuf t = {0};
	char buf[80];
	switch (sp->verb) {
	case 'v':
	case 'd':
		c_number(b, sp, "ll", 'd', v, false);
		return;
	case 'x':
	case 'X':
	case 'o':
		if (v->i < 0) { /* Go writes -ff, not the two's complement */
			struct spec s2 = *sp;
			s2.width = -1;
			c_number(&t, &s2, "ll", sp->verb, v, true);
			char *neg = xasprintf("-%s", t.s);
			pad(b, sp, neg, strlen(neg), true);
			free(neg);
			free(t.s);
			return;
		}
		c_number(b, sp, "ll", sp->verb, v, false);
		return;
	case 'b': {
		uint64_t u = v->i < 0 ? (uint64_t)0 - (uint64_t)v->i : (uint64_t)v->i;
		size_t k = sizeof(buf) - 1;
		buf[k] = '\0';
		do {
			buf[--k] = (char)('0' + (u & 1));
			u >>= 1;
		} while (u);
		if (v->i < 0)
			buf[--k] = '-';
		pad(b, sp, buf + k, strlen(buf + k), true);
		return;
	}
	case 'c':
		gv_put_utf8(&t, v->i);
		break;
	case 'q': { /* strconv.QuoteRune */
		const char *named =
			v->i > 0 && v->i < 0x80 ? strchr("\a\b\f\n\r\t\v", (int)v->i) : NULL;
		cubo_strbuf_addc(&t, '\'');
		if (v->i == '\'' || v->i == '\\') {
			cubo_strbuf_addc(&t, '\\');
			cubo_strbuf_addc(&t, (char)v->i);
		} else if (named) {
			cubo_strbuf_addc(&t, '\\');
			cubo_strbuf_addc(&t, "abfnrtv"[named - "\a\b\f\n\r\t\v"]);
		} else if (v->i >= 0 && (v->i < 0x20 || v->i == 0x7f)) {
			snprintf(buf, sizeof(buf), "\\x%02x", (unsigned)v->i);
			cubo_strbuf_adds(&t, buf);
		} else {
			gv_put_utf8(&t, v->i);
		}
		cubo_strbuf_addc(&t, '\'');
		break;
	}
	case 'U':
		snprintf(buf, sizeof(buf), "U+%04llX", (unsigned long long)v->i);
		cubo_strbuf_adds(&t, buf);
		break;
	case 'e':
	case 'E':
	case 'f':
	case 'F':
	case 'g':
	case 'G':
	default:
		bad_verb(b, sp, v);
		return;
	}
	pad(b, sp, t.s, t.len, false);
	free(t.s);
}

static void format_float(struct cubo_strbuf *b, const struct spec *sp, const struct gv *v)
{
	switch (sp->verb) {
	case 'v':
	case 'g':
	case 'G':
		if (sp->prec < 0) { /* shortest, as Go's %v and %g */
			struct cubo_strbuf t = {0};
			gv_print_float(&t, v->f);
			if (sp->plus && v->f >= 0) {
				char *s = xasprintf("+%s", t.s);
				free(t.s);
				t.s = s;
				t.len = strlen(s);
			}
			if (sp->verb == 'G')
				for (size_t i = 0; i < t.len; i++)
					if (t.s[i] == 'e')
						t.s[i] = 'E';
			pad(b, sp, t.s, t.len, true);
			free(t.s);
			return;
		}
		c_number(b, sp, "", sp->verb == 'v' ? 'g' : sp->verb, v, false);
		return;
	case 'e':
	case 'E':
	case 'f':
	case 'F': {
		struct spec s2 = *sp;
		if (s2.prec < 0)
			s2.prec = 6;
		c_number(b, &s2, "", sp->verb == 'F' ? 'f' : sp->verb, v, false);
		return;
	}
	default:
		bad_verb(b, sp, v);
	}
}

static void format_one(struct cubo_strbuf *b, const struct spec *sp, const struct gv *v, int depth);

/* Go formats a list or map element by element, each with the verb. */
static void format_composite(struct cubo_strbuf *b, const struct spec *sp, const struct gv *v,
			     int depth)
{
	if (depth > FORMAT_MAX_DEPTH) {
		cubo_strbuf_adds(b, "...");
		return;
	}
	if (v->k == GV_LIST || YAJL_IS_ARRAY(v->j)) {
		size_t n = v->k == GV_LIST ? v->n : v->j->u.array.len;
		cubo_strbuf_addc(b, '[');
		for (size_t i = 0; i < n; i++) {
			if (i)
				cubo_strbuf_addc(b, ' ');
			struct gv el = v->k == GV_LIST ? gv_str(v->list[i], strlen(v->list[i]))
						       : gv_from_json(v->j->u.array.values[i]);
			format_one(b, sp, &el, depth + 1);
			gv_free(&el);
		}
		cubo_strbuf_addc(b, ']');
		return;
	}
	size_t *order = gv_sorted_keys(v->j);
	cubo_strbuf_adds(b, "map[");
	for (size_t i = 0; i < v->j->u.object.len; i++) {
		if (i)
			cubo_strbuf_addc(b, ' ');
		const char *k = v->j->u.object.keys[order[i]];
		struct gv key = gv_str(k, strlen(k));
		struct gv el = gv_from_json(v->j->u.object.values[order[i]]);
		format_one(b, sp, &key, depth + 1);
		cubo_strbuf_addc(b, ':');
		format_one(b, sp, &el, depth + 1);
		gv_free(&key);
		gv_free(&el);
	}
	cubo_strbuf_addc(b, ']');
	free(order);
}

static void format_one(struct cubo_strbuf *b, const struct spec *sp, const struct gv *v, int depth)
{
	struct cubo_strbuf t = {0};
	switch (v->k) {
	case GV_INT:
		format_int(b, sp, v);
		return;
	case GV_FLOAT:
		format_float(b, sp, v);
		return;
	case GV_STR:
		if (sp->verb == 's' || sp->verb == 'v') {
			size_t len = sp->prec >= 0 ? rune_prefix(v->s, v->len, (size_t)sp->prec)
						   : v->len;
			pad(b, sp, v->s, len, false);
			return;
		}
		if (sp->verb == 'q') {
			quote(&t, v->s, v->len);
		} else if (sp->verb == 'x' || sp->verb == 'X') {
			char h[4];
			for (size_t i = 0; i < v->len; i++) {
				snprintf(h, sizeof(h), sp->verb == 'x' ? "%02x" : "%02X",
					 (unsigned char)v->s[i]);
				cubo_strbuf_adds(&t, h);
			}
		} else {
			bad_verb(b, sp, v);
			return;
		}
		break;
	case GV_BOOL:
		if (sp->verb != 't' && sp->verb != 'v') {
			bad_verb(b, sp, v);
			return;
		}
		cubo_strbuf_adds(&t, v->b ? "true" : "false");
		break;
	case GV_NIL:
		if (sp->verb != 'v' && !depth) { /* inside a list or map, Go prints <nil> */
			bad_verb(b, sp, v);
			return;
		}
		cubo_strbuf_adds(&t, "<nil>");
		break;
	default:
		format_composite(b, sp, v, depth);
		return;
	}
	pad(b, sp, t.s ? t.s : "", t.len, false);
	free(t.s);
}

/* A width or precision: digits or '*'. false: Go's BADWIDTH/BADPREC. */
static bool number_at(const char *f, size_t len, size_t *i, struct gv *args, size_t n, size_t *argi,
		      int *out)
{
	if (*i < len && f[*i] == '*') {
		(*i)++;
		if (*argi >= n || args[*argi].k != GV_INT || args[*argi].i > MAX_WIDTH ||
		    args[*argi].i < -MAX_WIDTH) {
			(*argi)++;
			return false;
		}
		*out = (int)args[(*argi)++].i;
		return true;
	}
	long v = 0;
	bool any = false;
	while (*i < len && f[*i] >= '0' && f[*i] <= '9') {
		if (v <= MAX_WIDTH)
			v = v * 10 + (f[*i] - '0');
		any = true;
		(*i)++;
	}
	if (!any)
		return true;
	if (v > MAX_WIDTH)
		return false;
	*out = (int)v;
	return true;
}

bool gt_sprintf(struct gt_exec *e, const struct gt_cmd *c, const char *f, size_t len,
		struct gv *args, size_t n, struct cubo_strbuf *b)
{
	size_t argi = 0;
	for (size_t i = 0; i < len;) {
		if (b->len > GOTMPL_MAX_BYTES)
			return gt_charge(e, c->pos, c->end, b->len);
		if (f[i] != '%') {
			const char *pct = memchr(f + i, '%', len - i);
			size_t stop = pct ? (size_t)(pct - f) : len;
			cubo_strbuf_add(b, f + i, stop - i);
			i = stop;
			continue;
		}
		i++;
		struct spec sp = {.width = -1, .prec = -1};
		for (; i < len && strchr("-+# 0", f[i]) && f[i]; i++) {
			sp.minus |= f[i] == '-';
			sp.plus |= f[i] == '+';
			sp.sharp |= f[i] == '#';
			sp.zero |= f[i] == '0';
			sp.space |= f[i] == ' ';
		}
		if (!number_at(f, len, &i, args, n, &argi, &sp.width))
			cubo_strbuf_adds(b, "%!(BADWIDTH)");
		if (sp.width < 0 && sp.width != -1) { /* a negative * width left-justifies */
			sp.minus = true;
			sp.width = -sp.width;
		}
		if (i < len && f[i] == '.') {
			i++;
			sp.prec = 0;
			if (!number_at(f, len, &i, args, n, &argi, &sp.prec))
				cubo_strbuf_adds(b, "%!(BADPREC)");
			if (sp.prec < 0)
				sp.prec = -1;
		}
		if (i >= len) {
			cubo_strbuf_adds(b, "%!(NOVERB)");
			break;
		}
		sp.verb = f[i++];
		if (sp.verb == '%') {
			cubo_strbuf_addc(b, '%');
			continue;
		}
		if (argi >= n) {
			cubo_strbuf_adds(b, "%!");
			cubo_strbuf_addc(b, sp.verb);
			cubo_strbuf_adds(b, "(MISSING)");
			continue;
		}
		if (sp.verb == 'v') /* %+v and %#v mean field names and Go syntax, not flags */
			sp.plus = sp.sharp = false;
		format_one(b, &sp, &args[argi++], 0);
	}
	if (argi < n) {
		cubo_strbuf_adds(b, "%!(EXTRA ");
		for (size_t k = argi; k < n; k++) {
			if (k > argi)
				cubo_strbuf_adds(b, ", ");
			if (args[k].k == GV_NIL) {
				cubo_strbuf_adds(b, "<nil>");
				continue;
			}
			cubo_strbuf_adds(b, gv_type_name(&args[k]));
			cubo_strbuf_addc(b, '=');
			gv_print(b, &args[k], false);
		}
		cubo_strbuf_addc(b, ')');
	}
	if (b->len > GOTMPL_MAX_BYTES)
		return gt_charge(e, c->pos, c->end, b->len);
	return true;
}
