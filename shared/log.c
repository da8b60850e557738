/* SPDX-License-Identifier: Apache-2.0 */
#include "shared/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/strbuf.h"
#include "shared/timeutil.h"
#include "shared/xalloc.h"

/* The names logrus prints, which log readers (containerd, conmon) expect. */
static const char *const level_names[] = {
	[CUBO_LOG_ERROR] = "error",
	[CUBO_LOG_WARN] = "warning",
	[CUBO_LOG_INFO] = "info",
	[CUBO_LOG_DEBUG] = "debug",
};

struct cubo_error *cubo_log_format_parse(const char *s, enum cubo_log_format *out)
{
	if (strcmp(s, "text") == 0)
		*out = CUBO_LOG_TEXT;
	else if (strcmp(s, "json") == 0)
		*out = CUBO_LOG_JSON;
	else
		return cubo_error_new("invalid log format \"%s\": expected text or json", s);
	return NULL;
}

struct cubo_error *cubo_log_open(struct cubo_log *log, const char *prog, const char *path,
				 enum cubo_log_format format, enum cubo_log_level level)
{
	*log = (struct cubo_log){
		.fd = -1, .own_fd = false, .format = format, .level = level, .prog = prog};
	if (!path || !*path) {
		log->fd = STDERR_FILENO;
		return NULL;
	}
	log->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
	if (log->fd < 0)
		return cubo_error_errno("open log file %s", path);
	/*
	 * With stdio closed the file lands on 0, 1 or 2: it would then be taken
	 * for stderr, or handed on as a child's stdio. Move it out of the way.
	 */
	if (log->fd <= STDERR_FILENO) {
		int high = fcntl(log->fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
		int saved = errno;
		close(log->fd);
		log->fd = high;
		if (high < 0)
			return cubo_error_new_errno(saved, "open log file %s: move it above stdio",
						    path);
	}
	log->own_fd = true;
	return NULL;
}

void cubo_log_close(struct cubo_log *log)
{
	if (log->own_fd && log->fd >= 0)
		close(log->fd);
	log->fd = -1;
	log->own_fd = false;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 if invalid. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates and values past U+10FFFF are not UTF-8. */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/* The escapes JSON and Go's %q share; NULL for any other byte. */
static const char *short_escape(unsigned char c)
{
	switch (c) {
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	case '\n':
		return "\\n";
	case '\r':
		return "\\r";
	case '\t':
		return "\\t";
	}
	return NULL;
}

/*
 * A JSON string body. Invalid UTF-8 becomes U+FFFD, as Go's encoder does, so
 * strict readers never reject a line because of a stray byte in a path.
 */
static void put_json_escaped(struct cubo_strbuf *l, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	while (n > 0) {
		char esc[8];
		size_t seq;

		const char *e = short_escape(*p);
		if (e) {
			cubo_strbuf_adds(l, e);
		} else if (*p < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
			cubo_strbuf_adds(l, esc);
		} else if ((seq = utf8_seq_len(p, n)) == 0) {
			cubo_strbuf_adds(l, "\\ufffd");
		} else {
			cubo_strbuf_add(l, (const char *)p, seq);
			p += seq;
			n -= seq;
			continue;
		}
		p++;
		n--;
	}
}

/* A double-quoted logfmt value, escaped the way Go's %q does for ASCII. */
static void put_text_quoted(struct cubo_strbuf *l, const char *s)
{
	cubo_strbuf_adds(l, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char esc[8];

		const char *e = short_escape(*p);
		if (e) {
			cubo_strbuf_adds(l, e);
		} else if (*p < 0x20 || *p == 0x7f) {
			snprintf(esc, sizeof(esc), "\\x%02x", *p);
			cubo_strbuf_adds(l, esc);
		} else {
			cubo_strbuf_add(l, (const char *)p, 1);
		}
	}
	cubo_strbuf_adds(l, "\"");
}

/* logrus' text formatter stamps whole seconds: RFC 3339 without the fraction. */
static void time_rfc3339_seconds(char buf[CUBO_RFC3339_LEN])
{
	char *dot;

	cubo_time_now_rfc3339(buf);
	dot = strchr(buf, '.');
	if (dot)
		strcpy(dot, "Z");
}

static void format_line(const struct cubo_log *log, enum cubo_log_level level, const char *msg,
			struct cubo_strbuf *l)
{
	char ts[CUBO_RFC3339_LEN];

	if (log->format == CUBO_LOG_JSON) {
		cubo_time_now_rfc3339(ts);
		cubo_strbuf_adds(l, "{\"level\":\"");
		cubo_strbuf_adds(l, level_names[level]);
		cubo_strbuf_adds(l, "\",\"msg\":\"");
		put_json_escaped(l, msg);
		cubo_strbuf_adds(l, "\",\"time\":\"");
		cubo_strbuf_adds(l, ts);
		cubo_strbuf_adds(l, "\"}\n");
	} else if (log->fd == STDERR_FILENO &&
		   (!log->logrus_stderr ||
		    (level == CUBO_LOG_ERROR && log->level < CUBO_LOG_DEBUG))) {
		/* A person reads stderr: the same one line cubo_error_print gives. */
		if (log->prog && *log->prog) {
			cubo_strbuf_adds(l, log->prog);
			cubo_strbuf_adds(l, ": ");
		}
		cubo_strbuf_adds(l, msg);
		cubo_strbuf_adds(l, "\n");
	} else {
		time_rfc3339_seconds(ts);
		cubo_strbuf_adds(l, "time=\"");
		cubo_strbuf_adds(l, ts);
		cubo_strbuf_adds(l, "\" level=");
		cubo_strbuf_adds(l, level_names[level]);
		cubo_strbuf_adds(l, " msg=");
		put_text_quoted(l, msg);
		cubo_strbuf_adds(l, "\n");
	}
}

/*
 * One write(2) per line: with O_APPEND, lines from concurrent writers (the
 * runtime and its re-executed helpers share a log file) never interleave.
 * Only a short write, which a regular file does not do, splits a line.
 */
static void write_line(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

static void log_vwrite(const struct cubo_log *log, enum cubo_log_level level, const char *fmt,
		       va_list ap)
{
	struct cubo_strbuf l = {0};
	char *msg = NULL;
	int saved_errno = errno;

	if (!log || log->fd < 0 || level > log->level || level < CUBO_LOG_ERROR)
		return;
	msg = xvasprintf(fmt, ap);
	format_line(log, level, msg, &l);
	/* built whole first, so that it goes out in one write(2) */
	write_line(log->fd, l.s, l.len);
	free(l.s);
	free(msg);
	/* Logging must not disturb the caller's errno (it may log, then report it). */
	errno = saved_errno;
}

void cubo_log_write(const struct cubo_log *log, enum cubo_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(log, level, fmt, ap);
	va_end(ap);
}

void cubo_log_error(const struct cubo_log *log, const struct cubo_error *err)
{
	char *text = cubo_error_text(err);

	cubo_log_write(log, CUBO_LOG_ERROR, "%s", text);
	free(text);
}
