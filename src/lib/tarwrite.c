/* argon — writing a directory tree as a tar stream. See tarwrite.h.
 *
 * The tree is read with *at() calls on directory fds, never following a
 * symlink; file data and xattrs come from an fd of the file itself
 * (O_NOFOLLOW, checked to be the inode fstatat saw). Only what makes up
 * the tree goes in the headers: no atime/ctime, no dev/ino, no user or
 * group names from the host, so equal trees give equal bytes.
 */
#define _GNU_SOURCE
#include "lazy_archive.h"
#include "tarwrite.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <search.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "util.h"

#define TW_MAX_DEPTH 512
#define TW_BUF (128 * 1024)
#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"

struct tw {
	struct archive *a;
	enum tar_tree_kind kind;
	void *links;		/* tsearch tree of struct link */
	struct stat out;	/* the output, never archived into itself */
	bool out_reg;
	char *buf;
	struct ar_err *err;
};


struct link {
	dev_t dev;
	ino_t ino;
	char *name;
};

static int link_cmp(const void *a, const void *b)
{
	const struct link *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static void link_free(void *p)
{
	struct link *l = p;

	free(l->name);
	free(l);
}

struct archive_entry *tar_hardlink_entry(void **links, const char *path, const struct stat *st)
{
	struct link key = { st->st_dev, st->st_ino, NULL }, *l, **found;
	struct archive_entry *e;

	if (S_ISDIR(st->st_mode) || st->st_nlink < 2)
		return NULL;
	found = tfind(&key, links, link_cmp);
	if (found == NULL) {
		l = xmalloc(sizeof *l);
		*l = key;
		l->name = xstrdup(path);
		if (tsearch(l, links, link_cmp) == NULL)
			abort();	/* OOM */
		return NULL;
	}
	e = tar_entry_new(path, st);
	archive_entry_set_size(e, 0);
	archive_entry_copy_hardlink(e, (*found)->name);
	return e;
}

void tar_links_free(void **links)
{
	tdestroy(*links, link_free);
	*links = NULL;
}

struct archive_entry *tar_entry_new(const char *path, const struct stat *st)
{
	struct archive_entry *e = archive_entry_new();

	if (e == NULL)
		abort();	/* OOM, as xmalloc */
	archive_entry_copy_pathname(e, path);
	archive_entry_set_mode(e, st->st_mode);
	archive_entry_set_uid(e, st->st_uid);
	archive_entry_set_gid(e, st->st_gid);
	archive_entry_set_mtime(e, st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
	if (S_ISREG(st->st_mode))
		archive_entry_set_size(e, st->st_size);
	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
		archive_entry_set_rdevmajor(e, major(st->st_rdev));
		archive_entry_set_rdevminor(e, minor(st->st_rdev));
	}
	return e;
}

static int arch_fail(struct tw *t, const char *what, const char *path)
{
	const char *why = archive_error_string(t->a);

	ar_error(t->err, 0, "%s `%s`: %s", what, path, why ? why : "libarchive failed");
	if (t->err)
		t->err->errnum = archive_errno(t->a);
	return -1;
}


static int put_header(struct tw *t, struct archive_entry *e, const char *path)
{
	int r = archive_write_header(t->a, e);

	archive_entry_free(e);
	return r < ARCHIVE_WARN ? arch_fail(t, "write tar header for", path) : 0;
}

/* An empty regular file entry: a whiteout or the opaque marker. */
static int put_marker(struct tw *t, const char *path, const struct stat *st, mode_t mode)
{
	struct stat m = *st;

	m.st_mode = S_IFREG | mode;
	m.st_size = 0;
	return put_header(t, tar_entry_new(path, &m), path);
}

/* ---- xattrs ---- */

static bool xattr_kept(const struct tw *t, const char *name)
{
	if (t->kind == TAR_TREE_UPPER && strncmp(name, "user.overlay.", 13) == 0)
		return false;
	return strncmp(name, "user.", 5) == 0 || strcmp(name, "security.capability") == 0;
}

/* Overlay keeps some of an upper entry elsewhere when these are set: the
 * upper alone is then not the change set. */
static bool xattr_incomplete(const char *name)
{
	return strcmp(name, "trusted.overlay.redirect") == 0 ||
	       strcmp(name, "trusted.overlay.metacopy") == 0;
}

/* NULL-terminated sorted names, or NULL with errno (ENOTSUP: none). */
static char **xattr_names(int fd)
{
	ssize_t n = flistxattr(fd, NULL, 0);
	_cleanup_free_ char *buf = NULL;
	char **v;
	size_t k = 0;

	if (n < 0)
		return NULL;
	buf = xmalloc((size_t)n + 1);
	n = flistxattr(fd, buf, (size_t)n);
	if (n < 0)
		return NULL;	/* ERANGE: grew meanwhile; the caller reports it */
	v = xcalloc((size_t)n + 1, sizeof *v);
	for (char *p = buf; p < buf + n; p += strlen(p) + 1)
		v[k++] = xstrdup(p);
	strv_sort(v, k);
	return v;
}

static int xattr_add(struct tw *t, struct archive_entry *e, int fd, const char *name,
		     const char *path)
{
	ssize_t n = fgetxattr(fd, name, NULL, 0);
	_cleanup_free_ char *val = NULL;

	if (n >= 0) {
		val = xmalloc((size_t)n + 1);
		n = fgetxattr(fd, name, val, (size_t)n);
	}
	if (n < 0)
		return errno == ENODATA ? 0 : ar_error(t->err, errno, "read xattr `%s` of `%s`",
						       name, path);
	archive_entry_xattr_add_entry(e, name, val, (size_t)n);
	return 0;
}

/* Adds the kept xattrs of `fd` to `e`; *opaque tells whether an upper
 * directory is overlay-opaque. */
static int add_xattrs(struct tw *t, struct archive_entry *e, int fd, const char *path,
		      bool *opaque)
{
	_cleanup_strv_ char **names = xattr_names(fd);
	char v[2];

	*opaque = false;
	if (names == NULL)
		return errno == ENOTSUP ? 0 : ar_error(t->err, errno, "list xattrs of `%s`", path);
	for (char **nm = names; *nm; nm++) {
		if (t->kind == TAR_TREE_UPPER && xattr_incomplete(*nm))
			return ar_error(t->err, ENOTSUP, "`%s` has `%s`: its data is not all in the "
					"upper dir (redirect_dir/metacopy must be off)", path, *nm);
		if (t->kind == TAR_TREE_UPPER && strcmp(*nm, "trusted.overlay.opaque") == 0)
			*opaque = fgetxattr(fd, *nm, v, sizeof v) == 1 && v[0] == 'y';
		if (xattr_kept(t, *nm) && xattr_add(t, e, fd, *nm, path) < 0)
			return -1;
	}
	return 0;
}

/* ---- entries ---- */

/* Opens an entry for its data and xattrs; it must still be what fstatat
 * saw. O_NOATIME keeps exporting from touching the tree. */
static int open_entry(struct tw *t, int dfd, const char *name, const char *path,
		      const struct stat *st)
{
	int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC |
		    (S_ISDIR(st->st_mode) ? O_DIRECTORY : 0);
	struct stat now;
	int fd = openat(dfd, name, flags | O_NOATIME);

	if (fd < 0 && errno == EPERM)
		fd = openat(dfd, name, flags);
	if (fd < 0)
		return ar_error(t->err, errno, "open `%s`", path);
	if (fstat(fd, &now) < 0 || now.st_ino != st->st_ino || now.st_dev != st->st_dev ||
	    (now.st_mode & S_IFMT) != (st->st_mode & S_IFMT)) {
		close(fd);
		return ar_error(t->err, EAGAIN, "`%s` changed while being read", path);
	}
	return fd;
}

/* For a second name of an inode already written: a hard link entry. */
static int try_hardlink(struct tw *t, const char *path, const struct stat *st, bool *done)
{
	struct archive_entry *e = tar_hardlink_entry(&t->links, path, st);

	*done = e != NULL;
	return e ? put_header(t, e, path) : 0;
}

static int copy_data(struct tw *t, int fd, const char *path, off_t size)
{
	while (size > 0) {
		ssize_t n = read(fd, t->buf, size < TW_BUF ? (size_t)size : TW_BUF);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ar_error(t->err, errno, "read `%s`", path);
		if (n == 0)
			return ar_error(t->err, EAGAIN, "`%s` shrank while being read", path);
		if (archive_write_data(t->a, t->buf, (size_t)n) < 0)
			return arch_fail(t, "write data of", path);
		size -= n;
	}
	return 0;
}

static int put_file(struct tw *t, int dfd, const char *name, const char *path,
		    const struct stat *st)
{
	_cleanup_close_ int fd = open_entry(t, dfd, name, path, st);
	struct archive_entry *e;
	bool opaque;

	if (fd < 0)
		return -1;
	e = tar_entry_new(path, st);
	if (add_xattrs(t, e, fd, path, &opaque) < 0) {
		archive_entry_free(e);
		return -1;
	}
	if (put_header(t, e, path) < 0)
		return -1;
	return copy_data(t, fd, path, st->st_size);
}

static int put_symlink(struct tw *t, int dfd, const char *name, const char *path,
		       const struct stat *st)
{
	size_t cap = st->st_size > 0 ? (size_t)st->st_size + 1 : 256;
	_cleanup_free_ char *target = NULL;
	struct archive_entry *e;
	ssize_t n;

	for (;;) {
		target = xrealloc(target, cap);
		n = readlinkat(dfd, name, target, cap);
		if (n < 0)
			return ar_error(t->err, errno, "read symlink `%s`", path);
		if ((size_t)n < cap)
			break;
		cap *= 2;
	}
	target[n] = '\0';
	e = tar_entry_new(path, st);
	archive_entry_copy_symlink(e, target);
	return put_header(t, e, path);
}

static int walk(struct tw *t, int dfd, const char *prefix, int depth);

static int put_dir(struct tw *t, int dfd, const char *name, const char *path,
		   const struct stat *st, int depth)
{
	_cleanup_close_ int fd = open_entry(t, dfd, name, path, st);
	struct archive_entry *e;
	bool opaque;

	if (fd < 0)
		return -1;
	if (depth >= TW_MAX_DEPTH)
		return ar_error(t->err, ELOOP, "`%s` is more than %d levels deep", path,
				TW_MAX_DEPTH);
	e = tar_entry_new(path, st);
	if (add_xattrs(t, e, fd, path, &opaque) < 0) {
		archive_entry_free(e);
		return -1;
	}
	if (put_header(t, e, path) < 0)
		return -1;
	/* Before the children, so an extractor clears the lower contents
	 * first and keeps what follows. */
	if (opaque) {
		_cleanup_free_ char *opq = xasprintf("%s/" WH_OPAQUE, path);

		if (put_marker(t, opq, st, st->st_mode & 0777) < 0)
			return -1;
	}
	return walk(t, fd, path, depth + 1);
}

/* One entry of the tree, named `path` in the archive. */
static int put_entry(struct tw *t, int dfd, const char *name, const char *path,
		     const struct stat *st, int depth)
{
	bool linked;

	if (t->kind == TAR_TREE_UPPER && S_ISCHR(st->st_mode) && st->st_rdev == 0) {
		/* Overlay shares one inode among whiteouts: never a hard link. */
		_cleanup_free_ char *wh = NULL;
		const char *slash = strrchr(path, '/');

		wh = slash ? xasprintf("%.*s/" WH_PREFIX "%s", (int)(slash - path), path, name)
			   : xasprintf(WH_PREFIX "%s", name);
		return put_marker(t, wh, st, 0600);
	}
	if (t->kind == TAR_TREE_UPPER && strncmp(name, WH_PREFIX, strlen(WH_PREFIX)) == 0)
		return ar_error(t->err, EINVAL, "`%s`: a name starting with `" WH_PREFIX "` cannot "
				"be stored in an image layer", path);
	if (S_ISSOCK(st->st_mode))
		return 0;
	if (S_ISDIR(st->st_mode))
		return put_dir(t, dfd, name, path, st, depth);
	if (try_hardlink(t, path, st, &linked) < 0 || linked)
		return linked ? 0 : -1;
	if (S_ISREG(st->st_mode))
		return put_file(t, dfd, name, path, st);
	if (S_ISLNK(st->st_mode))
		return put_symlink(t, dfd, name, path, st);
	return put_header(t, tar_entry_new(path, st), path);	/* device or fifo */
}

static int walk(struct tw *t, int dfd, const char *prefix, int depth)
{
	_cleanup_strv_ char **names = dir_sorted_names(dfd);

	if (names == NULL)
		return ar_error(t->err, errno, "read directory `%s`", *prefix ? prefix : ".");
	for (char **nm = names; *nm; nm++) {
		_cleanup_free_ char *path = *prefix ? xasprintf("%s/%s", prefix, *nm) : xstrdup(*nm);
		struct stat st;

		if (fstatat(dfd, *nm, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;	/* removed since the listing */
			return ar_error(t->err, errno, "stat `%s`", path);
		}
		if (t->out_reg && st.st_dev == t->out.st_dev && st.st_ino == t->out.st_ino)
			continue;
		if (put_entry(t, dfd, *nm, path, &st, depth) < 0)
			return -1;
	}
	return 0;
}

static int tw_open(struct tw *t, int outfd)
{
	t->a = archive_write_new();
	if (t->a == NULL)
		abort();	/* OOM */
	if (archive_write_set_format_pax_restricted(t->a) != ARCHIVE_OK ||
	    /* SCHILY only: what Go's archive/tar reads; both would make a
	     * libarchive reader see every xattr twice. */
	    archive_write_set_format_option(t->a, "pax", "xattrheader", "SCHILY") != ARCHIVE_OK ||
	    archive_write_add_filter_none(t->a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(t->a, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(t->a, outfd) != ARCHIVE_OK)
		return arch_fail(t, "open tar output", "fd");
	return 0;
}

int tar_write_tree(int dirfd, int outfd, enum tar_tree_kind kind, struct ar_err *err)
{
	struct tw t = { .kind = kind, .err = err };
	int r;

	t.out_reg = fstat(outfd, &t.out) == 0 && S_ISREG(t.out.st_mode);
	t.buf = xmalloc(TW_BUF);
	r = tw_open(&t, outfd);
	if (r == 0)
		r = walk(&t, dirfd, "", 0);
	if (r == 0 && archive_write_close(t.a) != ARCHIVE_OK)
		r = arch_fail(&t, "finish tar", "output");
	archive_write_free(t.a);
	tar_links_free(&t.links);
	free(t.buf);
	return r < 0 ? ar_err_prefix(err, "write tar") : 0;
}
