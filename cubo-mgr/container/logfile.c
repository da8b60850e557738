/* SPDX-License-Identifier: Apache-2.0 */
/* The container log files (k8s-file, json-file) and their rotation: see logfile.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_parse.h>

#include "cubo-mgr/container/logfile.h"
#include "shared/lock.h"
#include "shared/timeutil.h"
#include "shared/xalloc.h"

/* the seconds a time may have so that it still fits in int64 nanoseconds */
#define NS_SECONDS_MAX 9000000000LL

static const char *const stream_names[] = {[LOG_STDOUT] = "stdout", [LOG_STDERR] = "stderr"};

/* ---- writing ---- */

struct cubo_error *log_writer_open(struct log_writer *w, const char *path, enum log_format fmt,
				   int64_t max_size, unsigned max_file)
{
	memset(w, 0, sizeof(*w));
	w->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (w->fd < 0)
		return cubo_error_errno("open %s", path);
	struct stat st;
	if (fstat(w->fd, &st) == 0)
		w->size = st.st_size;
	w->fmt = fmt;
	w->path = xstrdup(path);
	w->max_size = max_size;
	w->max_file = max_file ? max_file : 1;
	return NULL;
}

void log_writer_close(struct log_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	free(w->buf);
	free(w->path);
	w->buf = w->path = NULL;
	w->cap = 0;
}

static struct cubo_error *write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t r = write(fd, p, n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return cubo_error_errno("write the container log");
		}
		p += r;
		n -= (size_t)r;
	}
	return NULL;
}

static char *numbered(const char *path, unsigned i)
{
	return xasprintf("%s.%u", path, i);
}

/*
 * ctr.log.N-2 -> .N-1, ..., then ctr.log is linked as ctr.log.1 and a new
 * empty file renamed over it: at every moment ctr.log exists and each file
 * holds whole records. A reader holding the old file reads it to its end.
 */
static struct cubo_error *rotate_locked(struct log_writer *w)
{
	struct cubo_error *err = NULL;
	if (w->max_file > 1) {
		char *oldest = numbered(w->path, w->max_file - 1);
		if (unlink(oldest) < 0 && errno != ENOENT)
			err = cubo_error_errno("remove %s", oldest);
		free(oldest);
		for (unsigned i = w->max_file - 1; !err && i-- > 1;) {
			char *from = numbered(w->path, i), *to = numbered(w->path, i + 1);
			if (rename(from, to) < 0 && errno != ENOENT)
				err = cubo_error_errno("rename %s", from);
			free(from);
			free(to);
		}
		char *first = numbered(w->path, 1);
		if (!err && link(w->path, first) < 0)
			err = cubo_error_errno("link %s", first);
		free(first);
	}
	char *fresh = xasprintf("%s.new", w->path);
	int fd = -1;
	if (!err) {
		fd = open(fresh, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
		if (fd < 0)
			err = cubo_error_errno("create %s", fresh);
	}
	if (!err && rename(fresh, w->path) < 0) {
		err = cubo_error_errno("rename %s", fresh);
		close(fd);
		unlink(fresh);
	}
	free(fresh);
	if (err)
		return cubo_error_wrap(err, "rotate the container log");
	close(w->fd);
	w->fd = fd;
	w->size = 0;
	return NULL;
}

/* Readers open the set of files under the same lock (logset.c): they never see a gap. */
static struct cubo_error *rotate(struct log_writer *w)
{
	char *lock_path = xasprintf("%s" LOG_LOCK_SUFFIX, w->path);
	int lock;
	struct cubo_error *err = cubo_lock_path(lock_path, true, &lock);
	free(lock_path);
	if (err)
		return cubo_error_wrap(err, "rotate the container log");
	err = rotate_locked(w);
	cubo_unlock(lock);
	return err;
}

static size_t utf8_seq_len(const unsigned char *p, size_t avail)
{
	unsigned c = p[0];
	size_t n;
	unsigned min;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, min = 0x10000;
	else
		return 0;
	if (avail < n)
		return 0;
	unsigned cp = c & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* JSON string contents for n bytes of output; at most 6 bytes out per byte in. */
static char *json_escape(char *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	while (p < end) {
		unsigned c = *p;
		if (c >= 0x80) {
			size_t k = utf8_seq_len(p, (size_t)(end - p));
			if (k) {
				memcpy(o, p, k);
				o += k;
				p += k;
			} else {
				memcpy(o, "\\ufffd", 6);
				o += 6;
				p++;
			}
			continue;
		}
		p++;
		const char *esc = NULL;
		switch (c) {
		case '"':
			esc = "\\\"";
			break;
		case '\\':
			esc = "\\\\";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\r':
			esc = "\\r";
			break;
		case '\t':
			esc = "\\t";
			break;
		default:
			break;
		}
		if (esc) {
			*o++ = esc[0];
			*o++ = esc[1];
		} else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
			/* control characters, and what docker's encoder keeps out of HTML */
			memcpy(o, "\\u00", 4);
			o[4] = hex[c >> 4];
			o[5] = hex[c & 15];
			o += 6;
		} else {
			*o++ = (char)c;
		}
	}
	return o;
}

static char *put_record(const struct log_writer *w, char *o, const char *ts, size_t ts_len,
			enum log_stream s, const char *text, size_t n, bool whole)
{
	const char *name = stream_names[s];
	if (w->fmt == LOG_FORMAT_JSON) {
		o = stpcpy(o, "{\"log\":\"");
		o = json_escape(o, text, n);
		o = stpcpy(o, whole ? "\\n\",\"stream\":\"" : "\",\"stream\":\"");
		o = stpcpy(o, name);
		o = stpcpy(o, "\",\"time\":\"");
		memcpy(o, ts, ts_len);
		o += ts_len;
		o = stpcpy(o, "\"}\n");
		return o;
	}
	memcpy(o, ts, ts_len);
	o += ts_len;
	*o++ = ' ';
	memcpy(o, name, 6);
	o += 6;
	*o++ = ' ';
	*o++ = whole ? 'F' : 'P';
	*o++ = ' ';
	memcpy(o, text, n);
	o += n;
	*o++ = '\n';
	return o;
}

struct cubo_error *log_writer_write(struct log_writer *w, enum log_stream s, const char *data,
				    size_t len)
{
	if (!len)
		return NULL;
	char ts[CUBO_RFC3339_LEN];
	cubo_time_now_rfc3339(ts);
	size_t ts_len = strlen(ts);
	/* worst case: every byte a newline, each a record of its own */
	size_t lines = 1;
	for (const char *p = data; (p = memchr(p, '\n', (size_t)(data + len - p))); p++)
		lines++;
	size_t need = len * (w->fmt == LOG_FORMAT_JSON ? 6 : 1) + lines * (ts_len + 64);
	if (need > w->cap) {
		w->buf = xrealloc(w->buf, need);
		w->cap = need;
	}
	char *o = w->buf;
	const char *p = data, *end = data + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *rec = o;
		o = put_record(w, o, ts, ts_len, s, p, n, nl != NULL);
		p += n + (nl ? 1 : 0);
		size_t before = (size_t)(rec - w->buf), rec_len = (size_t)(o - rec);
		/* the record would take the file past its size: it starts the next file */
		if (w->max_size > 0 && w->size + (off_t)before > 0 &&
		    w->size + (off_t)(before + rec_len) > (off_t)w->max_size) {
			CUBO_TRY(write_all(w->fd, w->buf, before));
			w->size += (off_t)before;
			struct cubo_error *err = rotate(w);
			memmove(w->buf, rec, rec_len);
			o = w->buf + rec_len;
			if (err) /* kept in the current file: better too much than lost */
				cubo_error_free(err);
		}
	}
	struct cubo_error *err = write_all(w->fd, w->buf, (size_t)(o - w->buf));
	if (!err)
		w->size += o - w->buf;
	return err;
}

/* ---- reading ---- */

void log_parser_init(struct log_parser *ps, enum log_format fmt)
{
	memset(ps, 0, sizeof(*ps));
	ps->fmt = fmt;
}

void log_parser_free(struct log_parser *ps)
{
	free(ps->text);
	ps->text = NULL;
	ps->cap = 0;
}

static long parse_k8s(const char *p, const char *nl, struct log_record *r)
{
	long used = (long)(nl - p) + 1;
	const char *sp1 = memchr(p, ' ', (size_t)(nl - p));
	if (!sp1 || nl - sp1 < 9)
		return -used;
	r->time = p;
	r->time_len = (size_t)(sp1 - p);
	if (!memcmp(sp1 + 1, "stdout ", 7))
		r->stream = LOG_STDOUT;
	else if (!memcmp(sp1 + 1, "stderr ", 7))
		r->stream = LOG_STDERR;
	else
		return -used;
	char tag = sp1[8];
	if ((tag != 'F' && tag != 'P') || (sp1 + 9 < nl && sp1[9] != ' '))
		return -used;
	r->partial = tag == 'P';
	r->text = sp1 + 9 < nl ? sp1 + 10 : nl;
	r->text_len = (size_t)(nl - r->text);
	return used;
}

enum { KEY_OTHER, KEY_LOG, KEY_STREAM, KEY_TIME };

static int js_key(void *ctx, const unsigned char *k, size_t n)
{
	struct log_parser *ps = ctx;
	if (ps->depth != 1)
		return 0;
	ps->key = n == 3 && !memcmp(k, "log", 3)      ? KEY_LOG
		  : n == 6 && !memcmp(k, "stream", 6) ? KEY_STREAM
		  : n == 4 && !memcmp(k, "time", 4)   ? KEY_TIME
						      : KEY_OTHER;
	return 1;
}

static int js_string(void *ctx, const unsigned char *s, size_t n)
{
	struct log_parser *ps = ctx;
	if (ps->depth != 1)
		return 0;
	switch (ps->key) {
	case KEY_LOG:
		if (n + 1 > ps->cap) {
			ps->text = xrealloc(ps->text, n + 1);
			ps->cap = n + 1;
		}
		memcpy(ps->text, s, n);
		ps->len = n;
		break;
	case KEY_STREAM:
		if (n == 6 && !memcmp(s, "stdout", 6))
			ps->stream = LOG_STDOUT;
		else if (n == 6 && !memcmp(s, "stderr", 6))
			ps->stream = LOG_STDERR;
		else
			return 0;
		break;
	case KEY_TIME:
		if (n >= sizeof(ps->time))
			return 0;
		memcpy(ps->time, s, n);
		ps->time_len = n;
		break;
	default:
		return 1;
	}
	ps->seen |= 1u << ps->key;
	return 1;
}

static int js_scalar(void *ctx)
{
	const struct log_parser *ps = ctx;
	/* docker adds "attrs" maps with --log-opt labels: none of ours, but not wrong */
	return ps->depth == 1 && ps->key == KEY_OTHER;
}
static int js_null(void *ctx)
{
	return js_scalar(ctx);
}
static int js_bool(void *ctx, int b)
{
	(void)b;
	return js_scalar(ctx);
}
static int js_number(void *ctx, const char *s, size_t n)
{
	(void)s;
	(void)n;
	return js_scalar(ctx);
}
static int js_open(void *ctx)
{
	struct log_parser *ps = ctx;
	return ++ps->depth == 1;
}
static int js_close(void *ctx)
{
	struct log_parser *ps = ctx;
	ps->depth--;
	return 1;
}

static const yajl_callbacks json_record_callbacks = {
	.yajl_null = js_null,
	.yajl_boolean = js_bool,
	.yajl_number = js_number,
	.yajl_string = js_string,
	.yajl_start_map = js_open,
	.yajl_map_key = js_key,
	.yajl_end_map = js_close,
	.yajl_start_array = js_open,
	.yajl_end_array = js_close,
};

static long parse_json(struct log_parser *ps, const char *p, const char *nl, struct log_record *r)
{
	long used = (long)(nl - p) + 1;
	ps->depth = 0;
	ps->seen = 0;
	ps->len = 0;
	yajl_handle h = yajl_alloc(&json_record_callbacks, NULL, ps);
	bool ok = yajl_parse(h, (const unsigned char *)p, (size_t)(nl - p)) == yajl_status_ok &&
		  yajl_complete_parse(h) == yajl_status_ok;
	yajl_free(h);
	unsigned all = 1u << KEY_LOG | 1u << KEY_STREAM | 1u << KEY_TIME;
	if (!ok || (ps->seen & all) != all)
		return -used;
	r->time = ps->time;
	r->time_len = ps->time_len;
	r->stream = ps->stream;
	r->partial = !(ps->len && ps->text[ps->len - 1] == '\n');
	r->text = ps->text ? ps->text : "";
	r->text_len = ps->len - (r->partial ? 0 : 1);
	return used;
}

long log_record_parse(struct log_parser *ps, const char *p, size_t len, struct log_record *r)
{
	const char *nl = memchr(p, '\n', len);
	if (!nl)
		return 0;
	return ps->fmt == LOG_FORMAT_JSON ? parse_json(ps, p, nl, r) : parse_k8s(p, nl, r);
}

static bool digits(const char *s, size_t n, int *out)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* "YYYY-MM-DD" and, with_time, "THH:MM:SS" after it -> *tm (fields only). */
static bool parse_civil(const char *s, size_t len, bool with_time, struct tm *tm)
{
	int Y, M, D, h = 0, m = 0, sec = 0;
	if (len < (with_time ? 19u : 10u) || s[4] != '-' || s[7] != '-' || !digits(s, 4, &Y) ||
	    !digits(s + 5, 2, &M) || !digits(s + 8, 2, &D))
		return false;
	if (with_time &&
	    ((s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':' ||
	     !digits(s + 11, 2, &h) || !digits(s + 14, 2, &m) || !digits(s + 17, 2, &sec)))
		return false;
	if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
		return false;
	*tm = (struct tm){.tm_year = Y - 1900,
			  .tm_mon = M - 1,
			  .tm_mday = D,
			  .tm_hour = h,
			  .tm_min = m,
			  .tm_sec = sec,
			  .tm_isdst = -1};
	return true;
}

/* An optional ".digits" at s: *frac in ns, *used the bytes; false for a dot alone. */
static bool parse_fraction(const char *s, size_t len, size_t *used, int64_t *frac)
{
	size_t i = 0, nd = 0;
	*frac = 0;
	if (len && s[0] == '.') {
		for (i = 1; i < len && s[i] >= '0' && s[i] <= '9'; i++, nd++)
			if (nd < 9)
				*frac = *frac * 10 + (s[i] - '0');
		if (nd == 0)
			return false;
		for (; nd < 9; nd++)
			*frac *= 10;
	}
	*used = i;
	return true;
}

bool log_time_parse_rfc3339(const char *s, size_t len, int64_t *ns)
{
	struct tm tm;
	size_t i = 19, n;
	int64_t frac;
	if (!parse_civil(s, len, true, &tm) || !parse_fraction(s + i, len - i, &n, &frac))
		return false;
	i += n;
	int off = 0;
	if (i + 1 == len && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	} else if (i + 6 == len && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
		int oh, om;
		if (!digits(s + i + 1, 2, &oh) || !digits(s + i + 4, 2, &om) || oh > 23 || om > 59)
			return false;
		off = (oh * 60 + om) * 60 * (s[i] == '-' ? -1 : 1);
	} else {
		return false;
	}
	int64_t t = (int64_t)timegm(&tm) - off;
	/* nanoseconds since 1970 in 64 bits reach the year 2262 */
	if (t < -NS_SECONDS_MAX || t > NS_SECONDS_MAX)
		return false;
	*ns = t * 1000000000 + frac;
	return true;
}

void log_printer_init(struct log_printer *pr, const struct log_print_opts *o)
{
	memset(pr, 0, sizeof(*pr));
	pr->o = *o;
	log_parser_init(&pr->ps, o->fmt);
}

void log_printer_free(struct log_printer *pr)
{
	log_parser_free(&pr->ps);
}

static bool in_window(const struct log_printer *pr, const struct log_record *r)
{
	if (!pr->o.since && !pr->o.until)
		return true;
	int64_t t;
	if (!log_time_parse_rfc3339(r->time, r->time_len, &t))
		return true; /* a record without a readable time: not ours to hide */
	return (!pr->o.since || t >= pr->o.since) && (!pr->o.until || t <= pr->o.until);
}

struct cubo_error *log_printer_feed(struct log_printer *pr, const char *buf, size_t len,
				    size_t *used)
{
	size_t off = 0;
	while (off < len) {
		struct log_record r;
		long n = log_record_parse(&pr->ps, buf + off, len - off, &r);
		if (n == 0)
			break;
		if (n < 0) {
			off += (size_t)-n;
			continue;
		}
		off += (size_t)n;
		if (!in_window(pr, &r))
			continue;
		int fd = r.stream == LOG_STDERR ? pr->o.err_fd : pr->o.out_fd;
		if (pr->o.timestamps && !pr->mid_line[r.stream]) {
			CUBO_TRY(write_all(fd, r.time, r.time_len));
			CUBO_TRY(write_all(fd, " ", 1));
		}
		CUBO_TRY(write_all(fd, r.text, r.text_len));
		if (!r.partial)
			CUBO_TRY(write_all(fd, "\n", 1));
		pr->mid_line[r.stream] = r.partial;
	}
	*used = off;
	return NULL;
}

size_t log_tail_offset(struct log_parser *ps, const char *buf, size_t len, long tail, long *found)
{
	*found = 0;
	if (tail < 0)
		return 0;
	if (tail == 0)
		return len;
	/* walk back over whole lines: a line is its P records plus the F that ends it */
	long lines = 0;
	size_t end = len;
	while (end > 0) {
		/* the record ending at end-1 starts after the previous newline */
		size_t start = end - 1;
		while (start > 0 && buf[start - 1] != '\n')
			start--;
		struct log_record r;
		long n = log_record_parse(ps, buf + start, end - start, &r);
		if (n > 0 && !r.partial) {
			if (lines == tail) {
				*found = lines;
				return end;
			}
			lines++;
		}
		end = start;
	}
	*found = lines;
	return 0;
}

/* docker's forms without an offset, in local time: "2026-11-24T09:35:00", "2026-11-24" */
static bool parse_local_time(const char *s, int64_t *ns)
{
	size_t len = strlen(s);
	struct tm tm;
	if ((len != 10 && len != 19) || !parse_civil(s, len, len == 19, &tm))
		return false;
	time_t t = mktime(&tm);
	if (t == (time_t)-1 || t < -NS_SECONDS_MAX || t > NS_SECONDS_MAX)
		return false;
	*ns = (int64_t)t * 1000000000;
	return true;
}

static bool parse_unix(const char *s, int64_t *ns)
{
	int64_t secs = 0, frac;
	size_t i = 0, n;
	for (; s[i] >= '0' && s[i] <= '9'; i++) {
		secs = secs * 10 + (s[i] - '0');
		if (secs > NS_SECONDS_MAX)
			return false;
	}
	if (i == 0 || !parse_fraction(s + i, strlen(s + i), &n, &frac) || s[i + n])
		return false;
	*ns = secs * 1000000000 + frac;
	return true;
}

bool log_time_arg(const char *s, int64_t now_ns, int64_t *ns)
{
	int64_t d;
	if (log_time_parse_rfc3339(s, strlen(s), ns) || parse_local_time(s, ns) ||
	    parse_unix(s, ns))
		return true;
	/* a duration back from now ("10m"): Go's syntax, without a sign */
	if (*s != '-' && *s != '+' && cubo_duration_parse(s, &d)) {
		*ns = now_ns - d;
		return true;
	}
	return false;
}
