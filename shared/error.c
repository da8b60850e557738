/* SPDX-License-Identifier: Apache-2.0 */
#include "error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/*
 * When even the error cannot be allocated we hand out this constant; free()
 * recognises and skips it, so callers need no special case.
 */
static struct cubo_error out_of_memory = {.errnum = ENOMEM, .msg = (char *)"out of memory"};

static struct cubo_error *error_vnew(int errnum, const char *fmt, va_list ap)
{
	struct cubo_error *err = malloc(sizeof(*err));
	if (!err)
		return &out_of_memory;
	err->errnum = errnum;
	if (vasprintf(&err->msg, fmt, ap) < 0) {
		free(err);
		return &out_of_memory;
	}
	return err;
}

struct cubo_error *cubo_error_new(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct cubo_error *err = error_vnew(0, fmt, ap);
	va_end(ap);
	return err;
}

struct cubo_error *cubo_error_new_errno(int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct cubo_error *err = error_vnew(errnum, fmt, ap);
	va_end(ap);
	return err;
}

struct cubo_error *cubo_error_vwrap(struct cubo_error *err, const char *fmt, va_list ap)
{
	char *ctx = NULL, *joined = NULL;

	if (!err || err == &out_of_memory)
		return err;
	if (vasprintf(&ctx, fmt, ap) < 0)
		return err;
	if (asprintf(&joined, "%s: %s", ctx, err->msg) >= 0) {
		free(err->msg);
		err->msg = joined;
	}
	free(ctx);
	return err;
}

struct cubo_error *cubo_error_wrap(struct cubo_error *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	err = cubo_error_vwrap(err, fmt, ap);
	va_end(ap);
	return err;
}

char *cubo_error_text(const struct cubo_error *err)
{
	char *text = NULL;
	int r;

	if (!err)
		return strdup("success");
	if (err->errnum)
		r = asprintf(&text, "%s: %s", err->msg, strerror(err->errnum));
	else
		r = asprintf(&text, "%s", err->msg);
	if (r < 0)
		return NULL;
	return text;
}

void cubo_error_print(const struct cubo_error *err, const char *prog, FILE *stream)
{
	char *text = cubo_error_text(err);
	fprintf(stream, "%s: %s\n", prog, text ? text : "out of memory");
	free(text);
}

void cubo_error_free(struct cubo_error *err)
{
	if (!err || err == &out_of_memory)
		return;
	free(err->msg);
	free(err);
}
