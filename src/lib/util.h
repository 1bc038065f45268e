/* argon — small shared helpers: ownership, files, numbers. */
#ifndef ARGON_UTIL_H
#define ARGON_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include "error.h"

/* Ownership: a variable marked _cleanup_free_ / _cleanup_close_ is released
 * when it leaves scope; hand it off visibly with steal_ptr()/steal_fd(). */
void ar_freep(void *p);
void ar_closep(int *fd);
void ar_strvfreep(char ***v);
#define _cleanup_free_ __attribute__((cleanup(ar_freep)))
#define _cleanup_close_ __attribute__((cleanup(ar_closep)))
#define _cleanup_strv_ __attribute__((cleanup(ar_strvfreep)))

static inline int steal_fd(int *fd)
{
	int r = *fd;
	*fd = -1;
	return r;
}

static inline void *steal_ptr(void *pp)
{
	void **p = (void **)pp;
	void *r = *p;
	*p = NULL;
	return r;
}

void strv_free(char **v);
size_t strv_len(char *const *v);
/* Appends s (owned from now on) to a NULL-terminated list (*v may be NULL). */
void strv_push(char ***v, char *s);
/* Sorts the first n strings bytewise. */
void strv_sort(char **v, size_t n);
/* Whether an element starts with prefix ("TERM=" finds a variable). */
bool strv_has_prefix(char *const *v, const char *prefix);

/* Aborts on allocation failure: argon treats OOM as fatal, like crun. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t sz);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Whole-file I/O. read_file_at returns a NUL-terminated buffer. */
int read_file_at(int dirfd, const char *path, char **out, size_t *len, struct ar_err *err);
int write_file_at(int dirfd, const char *path, const void *data, size_t len, int flags,
		  mode_t mode, struct ar_err *err);
/* Atomic but not durable: temp + rename, no fsync. For files that describe
 * processes (the runtime's state, pid files): a process crash never shows a
 * torn file, and a power loss ends the processes they describe anyway
 * (readers treat a torn file after a reboot as a dead container). */
int write_file_replace_at(int dirfd, const char *path, const void *data, size_t len,
			  mode_t mode, struct ar_err *err);
/* Durable replace: write <path>.tmp, fsync, rename over <path>, fsync dir. */
int write_file_atomic_at(int dirfd, const char *path, const void *data, size_t len,
			 mode_t mode, struct ar_err *err);
int write_all(int fd, const void *buf, size_t len);
ssize_t read_all(int fd, void *buf, size_t len);

/* The entry names of a directory (no "." and ".."), sorted bytewise,
 * NULL-terminated; NULL with errno on failure. */
char **dir_sorted_names(int dfd);

/* A path inside a container, normalised: taken from "/", "//" and "."
 * collapsed, no trailing "/". NULL when a component is ".." (refused
 * rather than resolved: it reads like an escape). Caller frees. */
char *path_clean(const char *in);

/* A state directory (fd, opened from `path`) must be ours alone: owned by
 * our euid and not writable by group or others. Otherwise another user
 * could plant a state.json, a socket or a layer that we would trust. */
int dir_check_private(int fd, const char *path, struct ar_err *err);

/* Removes a directory tree below dirfd without following symlinks. */
int rm_rf_at(int dirfd, const char *name, struct ar_err *err);

/* Strict number parsing: the whole string, no sign surprises, range checked. */
int parse_u64(const char *s, uint64_t *out);
int parse_i64(const char *s, int64_t *out);

/* Monotonic/real time helpers. */
uint64_t now_ns(void);
void sleep_ms(int ms);	/* the whole time: resumed after a signal */

#endif
