/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The project's one out-of-memory rule: allocation does not fail. These
 * allocators print "PROG: out of memory" and abort when the C library says no.
 *
 * Why abort rather than return ENOMEM: a container runtime or manager that
 * cannot allocate a few bytes cannot undo what it half did either, and the
 * hundreds of recovery paths such a rule needs are code no test reaches. A
 * half-built argv handed to the runtime is worse than a crash; an abort leaves
 * the state that the next command's recovery (reconcile, delete) already
 * handles after a SIGKILL.
 *
 * Code uses these instead of malloc/calloc/realloc/strdup/asprintf, and never
 * checks their result.
 */
#ifndef CUBO_SHARED_XALLOC_H
#define CUBO_SHARED_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t size) __attribute__((malloc, returns_nonnull));
/* Zeroed; n * size is checked for overflow (overflow counts as out of memory). */
void *xcalloc(size_t n, size_t size) __attribute__((malloc, returns_nonnull));
void *xrealloc(void *p, size_t size) __attribute__((returns_nonnull));
/* realloc to n * size bytes, checked for overflow. */
void *xreallocarray(void *p, size_t n, size_t size) __attribute__((returns_nonnull));
/* A copy of s; NULL stays NULL (so optional strings copy without a test). */
char *xstrdup(const char *s) __attribute__((malloc));
/* At most n bytes of s, always NUL-terminated. */
char *xstrndup(const char *s, size_t n) __attribute__((malloc, returns_nonnull));
void *xmemdup(const void *p, size_t size) __attribute__((malloc, returns_nonnull));
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2), returns_nonnull));
char *xvasprintf(const char *fmt, va_list ap)
	__attribute__((format(printf, 1, 0), returns_nonnull));

/* Print "PROG: out of memory" on stderr and abort. Async-signal-safe. */
__attribute__((noreturn)) void xalloc_die(void);

#endif
