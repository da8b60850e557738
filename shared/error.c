/* SPDX-License-Identifier: Apache-2.0 */
#include "error.h"

#include "shared/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct cubo_error *error_vnew(int errnum, const char *fmt, va_list ap)
{
	struct cubo_error *err = xmalloc(sizeof(*err));

	err->errnum = errnum;
	err->msg = xvasprintf(fmt, ap);
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
	char *ctx, *joined;

	if (!err)
		return err;
	ctx = xvasprintf(fmt, ap);
	joined = xasprintf("%s: %s", ctx, err->msg);
	free(ctx);
	free(err->msg);
	err->msg = joined;
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
	if (!err)
		return xstrdup("success");
	if (err->errnum)
		return xasprintf("%s: %s", err->msg, strerror(err->errnum));
	return xstrdup(err->msg);
}

void cubo_error_print(const struct cubo_error *err, const char *prog, FILE *stream)
{
	char *text = cubo_error_text(err);
	fprintf(stream, "%s: %s\n", prog, text);
	free(text);
}

void cubo_error_free(struct cubo_error *err)
{
	if (!err)
		return;
	free(err->msg);
	free(err);
}
