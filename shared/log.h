/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Logging for --log FILE / --log-format text|json / --debug, as runc does it:
 * orchestrators (containerd's shim, conmon) read the JSON lines
 * {"level":"error","msg":"...","time":"2026-01-02T03:04:05.123456789Z"}.
 * The logger is a value owned by main and passed down; there is no global.
 */
#ifndef CUBO_SHARED_LOG_H
#define CUBO_SHARED_LOG_H

#include <stdbool.h>

#include "shared/error.h"

enum cubo_log_level { CUBO_LOG_ERROR, CUBO_LOG_WARN, CUBO_LOG_INFO, CUBO_LOG_DEBUG };
enum cubo_log_format { CUBO_LOG_TEXT, CUBO_LOG_JSON };

struct cubo_log {
	int fd;                  /* -1: nothing is logged; 2: stderr */
	bool own_fd;             /* close fd in cubo_log_close */
	enum cubo_log_format format;
	enum cubo_log_level level; /* messages above this level are dropped */
	const char *prog;          /* "cubo-runc": prefix for text lines */
	/*
	 * Text on stderr in logrus' shape, as runc writes it (callers grep
	 * `level=debug` and its messages); only an error stays one plain line
	 * for a person, unless debugging. Else every stderr line is plain.
	 */
	bool logrus_stderr;
};

/* Parse "text"/"json"; error names the bad value. */
struct cubo_error *cubo_log_format_parse(const char *s, enum cubo_log_format *out);
/*
 * path NULL or "" logs to stderr; otherwise the file is opened O_APPEND|O_CREAT
 * (0640) with O_CLOEXEC so no container can inherit it.
 */
struct cubo_error *cubo_log_open(struct cubo_log *log, const char *prog, const char *path,
				 enum cubo_log_format format, enum cubo_log_level level);
void cubo_log_write(const struct cubo_log *log, enum cubo_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Log err at error level as one line (its full text). */
void cubo_log_error(const struct cubo_log *log, const struct cubo_error *err);
void cubo_log_close(struct cubo_log *log);

#define cubo_debug(log, ...) cubo_log_write((log), CUBO_LOG_DEBUG, __VA_ARGS__)
#define cubo_info(log, ...) cubo_log_write((log), CUBO_LOG_INFO, __VA_ARGS__)
#define cubo_warn(log, ...) cubo_log_write((log), CUBO_LOG_WARN, __VA_ARGS__)

#endif
