/* argon — internals of docker cp (cp.h): cp.c applies docker's path rules,
 * cp_place.c makes entries safely below a directory fd, cp_walk.c walks a
 * source tree into a sink (a directory, or a tar stream: cp_tar.c, which
 * also reads tar input), cp_container.c finds a container's root. */
#ifndef ARGON_CP_PRIV_H
#define ARGON_CP_PRIV_H

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "cp.h"

/* ------------------------------------------------------------ cp_place.c */

/* An entry to make: its kind, owner, mode, times and content. */
struct cp_node {
	mode_t mode;			/* file type and permission bits */
	uid_t uid;
	gid_t gid;
	struct timespec times[2];	/* atime, mtime */
	dev_t rdev;			/* S_IFCHR, S_IFBLK */
	const char *link;		/* S_IFLNK: the target, stored as text */
	int hl_dirfd;			/* >= 0: a hard link to hl_name in it */
	const char *hl_name;
	/* S_IFREG: writes the data into the new file */
	int (*fill)(int fd, void *data, struct ar_err *err);
	void *fill_data;
};

/* A directory being filled. */
struct cp_dir {
	int fd;		/* O_RDONLY|O_DIRECTORY */
	bool fresh;	/* made by this copy: its entries are made in place */
	char *tmp;	/* made under this temporary name, renamed at the end */
};

/* Places the non-directory `n` as `name` in dirfd. Unless `fresh` (dirfd
 * was made by this copy), it is made under a temporary name and renamed
 * over what has the name: never a directory. `path` names the entry in
 * messages. */
int cp_place(int dirfd, const char *name, bool fresh, const struct cp_node *n, const char *path,
	     struct ar_err *err);

/* Opens the directory `name` in dirfd to fill: an existing one (unless
 * fresh) is merged into, a missing one is made (0700 until cp_dir_end)
 * under a temporary name. A non-directory there is refused. */
int cp_dir_begin(int dirfd, const char *name, bool fresh, const char *path, struct cp_dir *d,
		 struct ar_err *err);
/* Applies `meta` (owner, mode, times; NULL: none), renames a new
 * directory into place (never over anything) and closes d; with !ok (or
 * when that fails) a new directory is removed again. */
int cp_dir_end(int dirfd, const char *name, struct cp_dir *d, const struct cp_node *meta, bool ok,
	       const char *path, struct ar_err *err);

/* Owner, then mode (chown clears setuid), then times, through an fd. */
int cp_meta_fd(int fd, const struct cp_node *n, struct ar_err *err);

/* ------------------------------------------------------------ cp_walk.c */

/* Where a walk puts entries: a directory of the destination (fd sink) or
 * a name prefix in a tar stream (tar sink). */
struct cp_at {
	struct cp_dir dir;	/* fd sink */
	char *path;		/* entry path: the tar name, or for messages */
};

struct cp_walk;
struct cp_sink_ops {
	/* A non-directory; datafd: a regular file's open source, else -1. */
	int (*put)(struct cp_walk *w, struct cp_at *at, const char *name, const struct stat *st,
		   int datafd, const char *link, struct ar_err *err);
	/* A directory: sets up *in for its entries. */
	int (*dir_open)(struct cp_walk *w, struct cp_at *at, const char *name,
			const struct stat *st, struct cp_at *in, struct ar_err *err);
	/* After its entries (ok: all went well): metadata, into place. */
	int (*dir_close)(struct cp_walk *w, struct cp_at *at, const char *name,
			 const struct stat *st, struct cp_at *in, bool ok, struct ar_err *err);
};

struct cp_walk {
	const struct cp_sink_ops *ops;
	bool archive;		/* -a: the source's owners */
	uid_t uid;		/* else these */
	gid_t gid;
	struct archive *a;	/* tar sink */
	void *links;		/* tar sink: tsearch tree of inodes written */
	void *made;		/* fd sink: tsearch tree of directories made,
				 * never walked as source (a copy into itself) */
	char *buf;		/* CP_BUF bytes of file data */
	struct cp_stats st;
};

#define CP_BUF (128 * 1024)

extern const struct cp_sink_ops cp_fd_sink;

/* Copies the entry `sname` of sdirfd (never followed) as `dname` into at;
 * `spath` names the source in messages. */
int cp_walk_entry(struct cp_walk *w, int sdirfd, const char *sname, const char *spath,
		  const char *dname, struct cp_at *at, struct ar_err *err);
/* Copies the entries of the directory sdirfd into at. */
int cp_walk_contents(struct cp_walk *w, int sdirfd, const char *spath, struct cp_at *at,
		     struct ar_err *err);

/* "dir/name"; "name" at the top (dir ""); "/name" below "/". */
char *cp_join(const char *dir, const char *name);

/* Frees what a walk keeps besides its buffer (w->made). */
void cp_walk_free(struct cp_walk *w);

/* A stat as the node to make (owner per -a), fill unset. */
void cp_node_from_stat(const struct cp_walk *w, const struct stat *st, struct cp_node *n);

/* ------------------------------------------------------------ cp_tar.c */

extern const struct cp_sink_ops cp_tar_sink;

/* Opens / finishes w->a as a pax tar writer to outfd; after a failure
 * (!ok) the archive is left unterminated. */
int cp_tar_writer_open(struct cp_walk *w, int outfd, struct ar_err *err);
int cp_tar_writer_close(struct cp_walk *w, bool ok, struct ar_err *err);

/* Extracts the tar read from infd into the directory dirfd. */
int cp_tar_extract(struct cp_walk *w, int infd, int dirfd, struct ar_err *err);

/* The test hook (cp.h), called by cp.c. */
void cp_race_point(const char *dst_dir);

#endif
