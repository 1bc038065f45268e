#define _GNU_SOURCE
#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ar_verror(struct ar_err *err, int errnum, const char *fmt, va_list ap)
{
	char *what = NULL, *msg = NULL;

	if (err == NULL)
		return -1;
	if (vasprintf(&what, fmt, ap) < 0)
		what = NULL;
	if (what && errnum)
		if (asprintf(&msg, "%s: %s", what, strerror(errnum)) < 0)
			msg = NULL;
	if (msg == NULL && errnum == 0) {
		msg = what;
		what = NULL;
	}
	free(what);
	free(err->msg);
	err->msg = msg ? msg : strdup("out of memory formatting an error");
	err->errnum = errnum;
	return -1;
}

int ar_error(struct ar_err *err, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ar_verror(err, errnum, fmt, ap);
	va_end(ap);
	return -1;
}

int ar_fail(struct ar_err *err, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ar_verror(err, 0, fmt, ap);
	va_end(ap);
	if (err)
		err->errnum = errnum;
	return -1;
}

int ar_err_prefix(struct ar_err *err, const char *fmt, ...)
{
	char *ctx = NULL, *msg = NULL;
	va_list ap;

	if (err == NULL || err->msg == NULL)
		return -1;
	va_start(ap, fmt);
	if (vasprintf(&ctx, fmt, ap) < 0)
		ctx = NULL;
	va_end(ap);
	if (ctx && asprintf(&msg, "%s: %s", ctx, err->msg) >= 0) {
		free(err->msg);
		err->msg = msg;
	}
	free(ctx);
	return -1;
}

int ar_err_set_raw(struct ar_err *err, int errnum, const char *msg)
{
	if (err == NULL)
		return -1;
	free(err->msg);
	err->msg = strdup(msg ? msg : "unknown error");
	err->errnum = errnum;
	return -1;
}

void ar_err_clear(struct ar_err *err)
{
	if (err == NULL)
		return;
	free(err->msg);
	err->msg = NULL;
	err->errnum = 0;
}
