/* SPDX-License-Identifier: Apache-2.0 */
/* The CRI-format container log: see logfile.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cubo-mgr/container/logfile.h"
#include "shared/timeutil.h"
#include "shared/xalloc.h"

static const char *const stream_names[] = {[LOG_STDOUT] = "stdout", [LOG_STDERR] = "stderr"};

void log_writer_init(struct log_writer *w, int fd)
{
	w->fd = fd;
	w->buf = NULL;
	w->cap = 0;
}

void log_writer_free(struct log_writer *w)
{
	free(w->buf);
	w->buf = NULL;
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

struct cubo_error *log_writer_write(struct log_writer *w, enum log_stream s, const char *data,
				    size_t len)
{
	if (!len)
		return NULL;
	char ts[CUBO_RFC3339_LEN];
	cubo_time_now_rfc3339(ts);
	size_t ts_len = strlen(ts);
	const char *name = stream_names[s];
	/* worst case: every byte a newline, each a record of its own */
	size_t lines = 1;
	for (const char *p = data; (p = memchr(p, '\n', (size_t)(data + len - p))); p++)
		lines++;
	size_t need = len + lines * (ts_len + 12);
	if (need > w->cap) {
		char *nb = xrealloc(w->buf, need);
		w->buf = nb;
		w->cap = need;
	}
	char *o = w->buf;
	const char *p = data, *end = data + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		memcpy(o, ts, ts_len);
		o += ts_len;
		*o++ = ' ';
		memcpy(o, name, 6);
		o += 6;
		*o++ = ' ';
		*o++ = nl ? 'F' : 'P';
		*o++ = ' ';
		memcpy(o, p, n);
		o += n;
		*o++ = '\n';
		p += n + (nl ? 1 : 0);
	}
	return write_all(w->fd, w->buf, (size_t)(o - w->buf));
}

long log_record_parse(const char *p, size_t len, struct log_record *r)
{
	const char *nl = memchr(p, '\n', len);
	if (!nl)
		return 0;
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

void log_printer_init(struct log_printer *pr, const struct log_print_opts *o)
{
	memset(pr, 0, sizeof(*pr));
	pr->o = *o;
}

struct cubo_error *log_printer_feed(struct log_printer *pr, const char *buf, size_t len,
				    size_t *used)
{
	size_t off = 0;
	while (off < len) {
		struct log_record r;
		long n = log_record_parse(buf + off, len - off, &r);
		if (n == 0)
			break;
		if (n < 0) {
			off += (size_t)-n;
			continue;
		}
		off += (size_t)n;
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

size_t log_tail_offset(const char *buf, size_t len, long tail)
{
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
		long n = log_record_parse(buf + start, end - start, &r);
		if (n > 0 && !r.partial) {
			if (lines == tail)
				return end;
			lines++;
		}
		end = start;
	}
	return 0;
}
