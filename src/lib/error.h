/* argon — the one error contract.
 *
 * A fallible function takes `struct ar_err *err` as its last argument and
 * returns a negative value on failure after filling *err with an errno and a
 * message ("verb object: strerror"). Callers add context on the way up with
 * ar_err_prefix(); only main() prints. A message quotes the user input it is
 * about. Functions never print and never exit on their own.
 */
#ifndef ARGON_ERROR_H
#define ARGON_ERROR_H

#include <stdarg.h>

struct ar_err {
	int errnum;	/* errno-style cause, 0 when the cause is not a syscall */
	char *msg;	/* owned, NULL when no error */
};

/* Sets *err to "<fmt>: strerror(errnum)" (or just "<fmt>" when errnum is 0)
 * and returns -1, so `return ar_error(err, errno, "open `%s`", path);` reads
 * like the sentence it prints. An existing error is replaced. */
int ar_error(struct ar_err *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int ar_verror(struct ar_err *err, int errnum, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* As ar_error, but the message is complete without strerror: for causes
 * that are not a failed syscall ("no such image: `x`") yet carry an errno
 * (ENOENT) for callers to test. */
int ar_fail(struct ar_err *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Adds "<fmt>: " in front of an existing message; returns -1. */
int ar_err_prefix(struct ar_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Sets *err from a message already formatted elsewhere (the child's report). */
int ar_err_set_raw(struct ar_err *err, int errnum, const char *msg);

void ar_err_clear(struct ar_err *err);

#endif
