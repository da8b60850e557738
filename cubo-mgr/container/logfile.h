/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's log file, <id>/ctr.log, in the CRI log format that
 * Kubernetes and podman's k8s-file driver use: one record per line,
 *
 *   2026-11-24T09:35:00.123456789Z stdout F hello
 *   2026-11-24T09:35:00.123460000Z stderr P a line without its end yet
 *
 * F ends a line of output, P is a piece of a longer line (or one cut at a
 * chunk's end) continued by the next record of that stream. Nothing is
 * escaped: the content is the bytes up to the record's newline, so a 100 MB
 * log costs a timestamp per line and no encoding.
 */
#ifndef CUBO_MGR_CONTAINER_LOGFILE_H
#define CUBO_MGR_CONTAINER_LOGFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "shared/error.h"

enum log_stream { LOG_STDOUT = 1, LOG_STDERR = 2 };

/* ---- writing (the monitor) ---- */

struct log_writer {
	int fd;
	char *buf; /* records being assembled */
	size_t cap;
};

/* fd: the log, opened O_APPEND. */
void log_writer_init(struct log_writer *w, int fd);
void log_writer_free(struct log_writer *w);
/* Append a chunk of a stream's output as records stamped with the current time. */
struct cubo_error *log_writer_write(struct log_writer *w, enum log_stream s, const char *data,
				    size_t len);

/* ---- reading (logs) ---- */

struct log_record {
	const char *time; /* not NUL-terminated: time_len bytes */
	size_t time_len;
	enum log_stream stream;
	bool partial;
	const char *text; /* without the record's newline */
	size_t text_len;
};

/*
 * Parse one record from p (len bytes available). Returns the bytes it took
 * including its newline, 0 when no whole record is there yet, or -1 for a
 * line that is not a record (skipped by readers: *consumed tells how far).
 */
long log_record_parse(const char *p, size_t len, struct log_record *r);

struct log_print_opts {
	bool timestamps; /* prefix each line with its time, as docker logs -t */
	long tail;	 /* the last N lines; < 0: all */
	int out_fd, err_fd;
};

/* The state of a reader between chunks: where each stream's line stands. */
struct log_printer {
	struct log_print_opts o;
	bool mid_line[3]; /* per stream: a P record left its line open */
};

void log_printer_init(struct log_printer *pr, const struct log_print_opts *o);
/* Print the whole records in buf; returns the bytes used (a torn last record stays). */
struct cubo_error *log_printer_feed(struct log_printer *pr, const char *buf, size_t len,
				    size_t *used);
/* Where the last `tail` lines start in buf (0 when there are fewer). */
size_t log_tail_offset(const char *buf, size_t len, long tail);

#endif
