/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's log file, <id>/ctr.log, in one of two formats.
 *
 * k8s-file: the CRI log format that Kubernetes and podman's k8s-file driver
 * use, one record per line,
 *
 *   2026-11-24T09:35:00.123456789Z stdout F hello
 *   2026-11-24T09:35:00.123460000Z stderr P a line without its end yet
 *
 * F ends a line of output, P is a piece of a longer line (or one cut at a
 * chunk's end) continued by the next record of that stream. Nothing is
 * escaped: the content is the bytes up to the record's newline, so a 100 MB
 * log costs a timestamp per line and no encoding.
 *
 * json-file: docker's, one JSON object per line,
 *
 *   {"log":"hello\n","stream":"stdout","time":"2026-11-24T09:35:00.123456789Z"}
 *
 * a piece of a line being one whose "log" does not end in "\n". Bytes that
 * are not UTF-8 become U+FFFD, as docker's encoder makes them.
 *
 * Rotation (logconf.h): a record is never split between two files. The
 * writer renames ctr.log.N-1 to .N, ..., hard-links ctr.log to ctr.log.1
 * and renames a fresh file over ctr.log, so ctr.log always exists and
 * every rotated file is whole. Readers take the rotated files oldest first.
 */
#ifndef CUBO_MGR_CONTAINER_LOGFILE_H
#define CUBO_MGR_CONTAINER_LOGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "shared/error.h"

enum log_stream { LOG_STDOUT = 1, LOG_STDERR = 2 };
enum log_format { LOG_FORMAT_K8S, LOG_FORMAT_JSON };

#define LOG_FILE_NAME "ctr.log"
/* beside it: held while the files are renamed, and while a reader opens them */
#define LOG_LOCK_SUFFIX ".lock"

/* ---- writing (the monitor) ---- */

struct log_writer {
	enum log_format fmt;
	int fd;
	char *path;	  /* of the current file: rotated files are path.1, path.2, ... */
	off_t size;	  /* of the current file */
	int64_t max_size; /* <= 0: no rotation */
	unsigned max_file;
	char *buf; /* records being assembled */
	size_t cap;
};

/* Open (create, append to) path; rotate at max_size (<= 0: never) keeping max_file files. */
struct cubo_error *log_writer_open(struct log_writer *w, const char *path, enum log_format fmt,
				   int64_t max_size, unsigned max_file);
void log_writer_close(struct log_writer *w);
/* Append a chunk of a stream's output as records stamped with the current time. */
struct cubo_error *log_writer_write(struct log_writer *w, enum log_stream s, const char *data,
				    size_t len);

/* ---- reading (logs) ---- */

struct log_record {
	const char *time; /* not NUL-terminated: time_len bytes */
	size_t time_len;
	enum log_stream stream;
	bool partial;
	const char *text; /* without the line's newline */
	size_t text_len;
};

/* What a reader needs between records: json-file's decoded record lives here. */
struct log_parser {
	enum log_format fmt;
	char *text; /* the decoded "log" */
	size_t len, cap;
	char time[64];
	size_t time_len;
	enum log_stream stream;
	int key;       /* the field whose value comes next */
	int depth;     /* of nesting: only a flat object is a record */
	unsigned seen; /* fields found, a bit each */
};

void log_parser_init(struct log_parser *ps, enum log_format fmt);
void log_parser_free(struct log_parser *ps);

/*
 * Parse one record from p (len bytes available). Returns the bytes it took
 * including its newline, 0 when no whole record is there yet, or minus the
 * bytes of a line that is not a record (skipped by readers). The record's
 * pointers stay valid until the next call.
 */
long log_record_parse(struct log_parser *ps, const char *p, size_t len, struct log_record *r);

/* "2026-11-24T09:35:00.123456789Z" (any offset, 0-9 fraction digits) -> ns since the epoch. */
bool log_time_parse_rfc3339(const char *s, size_t len, int64_t *ns);

/*
 * A --since/--until value as docker takes it: RFC 3339 ("2026-11-24T09:35:00Z",
 * any fraction and offset), a local time without offset ("2026-11-24T09:35:00",
 * "2026-11-24"), unix seconds ("1700000000", "1700000000.5"), or a duration
 * back from now_ns ("10m", "1h30m", "1.5h", "300ms"). -> ns since the epoch.
 */
bool log_time_arg(const char *s, int64_t now_ns, int64_t *ns);

struct log_print_opts {
	enum log_format fmt;
	bool timestamps;      /* prefix each line with its time, as docker logs -t */
	long tail;	      /* the last N lines; < 0: all */
	int64_t since, until; /* ns since the epoch: records outside are left out; 0: no bound */
	int out_fd, err_fd;
};

/* The state of a reader between chunks: where each stream's line stands. */
struct log_printer {
	struct log_print_opts o;
	struct log_parser ps;
	bool mid_line[3]; /* per stream: a P record left its line open */
};

void log_printer_init(struct log_printer *pr, const struct log_print_opts *o);
void log_printer_free(struct log_printer *pr);
/* Print the whole records in buf; returns the bytes used (a torn last record stays). */
struct cubo_error *log_printer_feed(struct log_printer *pr, const char *buf, size_t len,
				    size_t *used);
/*
 * Where the last `tail` lines start in buf (0 when there are fewer);
 * *found: how many whole lines there are from that offset on.
 */
size_t log_tail_offset(struct log_parser *ps, const char *buf, size_t len, long tail, long *found);

#endif
