/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One error type for the whole project: an errno, a message and the chain of
 * contexts it travelled through. Fallible functions return `struct cubo_error *`:
 * NULL means success. Callers either handle and free it, or add context and
 * pass it up, so a failure deep in mount setup reaches the user as one line:
 *
 *   cubo-runc: create c1: mount /proc: mount proc on /tmp/r/proc: Operation not permitted
 */
#ifndef CUBO_SHARED_ERROR_H
#define CUBO_SHARED_ERROR_H

#include <stdarg.h>
#include <stdio.h>

struct cubo_error {
	int errnum; /* errno value, 0 when the failure was not a system call's */
	char *msg;  /* "outer ctx: inner ctx: message" (without strerror) */
};

/* A new error with no errno. */
struct cubo_error *cubo_error_new(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A new error carrying errnum (strerror(errnum) is appended when printed). */
struct cubo_error *cubo_error_new_errno(int errnum, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Same, with the current errno. */
#define cubo_error_errno(...) cubo_error_new_errno(errno, __VA_ARGS__)
/* Prefix context "fmt: " to err and return it; NULL passes through. */
struct cubo_error *cubo_error_wrap(struct cubo_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
struct cubo_error *cubo_error_vwrap(struct cubo_error *err, const char *fmt, va_list ap);

/* Full one-line text: "msg: strerror" ("success" for NULL). Caller frees; never NULL
 * (allocation aborts, shared/xalloc.h). */
char *cubo_error_text(const struct cubo_error *err);
/* Print "prog: text\n" to stream. */
void cubo_error_print(const struct cubo_error *err, const char *prog, FILE *stream);
void cubo_error_free(struct cubo_error *err);

/* Return the error from the enclosing function if expr fails. */
#define CUBO_TRY(expr)                                                                             \
	do {                                                                                       \
		struct cubo_error *_cubo_e = (expr);                                               \
		if (_cubo_e)                                                                       \
			return _cubo_e;                                                            \
	} while (0)

/* Same, adding context first. */
#define CUBO_TRY_CTX(expr, ...)                                                                    \
	do {                                                                                       \
		struct cubo_error *_cubo_e = (expr);                                               \
		if (_cubo_e)                                                                       \
			return cubo_error_wrap(_cubo_e, __VA_ARGS__);                              \
	} while (0)

#endif
