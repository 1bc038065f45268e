/* argon — internals shared by extract.c (reader, names, parent walk,
 * deferred directory metadata) and extract_entry.c (one entry). */
#ifndef ARGON_EXTRACT_PRIV_H
#define ARGON_EXTRACT_PRIV_H

#include <stdbool.h>
#include <sys/stat.h>
#include <time.h>


#include "lazy_archive.h"
#include "extract.h"

/* A directory's mode and times, applied after the whole archive: creating
 * children changes a directory's mtime, and a read-only mode set early
 * would stop an unprivileged caller from filling it. */
struct dir_fixup {
	char *path;		/* normalised, "" for the root */
	mode_t mode;
	bool has_times;
	struct timespec ts[2];
};

struct extract_ctx {
	struct archive *a;
	int rootfd;
	enum extract_mode mode;
	const char *what;	/* "layer" or "archive", for messages */
	struct extract_stats st;
	void *fixups;		/* tsearch tree of struct dir_fixup, by path */
};

/* Like ar_error() without the strerror suffix: a policy refusal, whose
 * message says it all, still carries an errno-style cause. */
int extract_refuse(struct ar_err *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "<what>: <libarchive's message>" with libarchive's errno. */
int extract_archive_fail(struct archive *a, struct ar_err *err, const char *what);

/* Normalises an entry name into *out (owned): "/" and "." components and
 * empty ones dropped, so "" is the root itself. Refuses "..", components
 * longer than NAME_MAX and paths of PATH_MAX or more. */
int extract_norm_name(const char *raw, const char *what, char **out, struct ar_err *err);

/* Splits a normalised path in place: returns the last component and
 * points *dir at the directory part ("" at the top). */
const char *extract_split(char *path, const char **dir);

/* Opens the directory `path` (normalised) below x->rootfd, one component
 * at a time with O_NOFOLLOW: a symlink or a non-directory on the way is
 * refused (errnum ELOOP / ENOTDIR); a missing one is created 0755 (in a
 * layer root:root) when `create`, else refused (ENOENT). Returns an
 * owned fd (O_PATH, or O_RDONLY for a directory just made). */
int extract_open_dir(struct extract_ctx *x, const char *path, bool create,
		     struct ar_err *err);

/* Records the mode and times (ts may be NULL) of the directory at `path`,
 * replacing an earlier record. _forget drops the record when a new
 * directory is made at `path`: it is not the one recorded. */
void extract_fixup_add(struct extract_ctx *x, const char *path, mode_t mode,
		       const struct timespec *ts);
void extract_fixup_forget(struct extract_ctx *x, const char *path);

/* Creates one entry (extract_entry.c); the error names the entry. */
int extract_entry(struct extract_ctx *x, struct archive_entry *e, struct ar_err *err);

#endif
