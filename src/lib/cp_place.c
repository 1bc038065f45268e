/* argon — making one entry of a copy below a directory fd (cp_priv.h).
 *
 * Nothing here follows a name: files are created O_EXCL|O_NOFOLLOW and
 * their metadata set through the open fd; links and nodes are changed
 * with the *at calls' no-follow flags. An entry that replaces something
 * is made under a temporary name first and renamed over it, so a failure
 * leaves the old entry (or nothing), never half a file, and a symlink
 * swapped in at the name is replaced, never written through.
 */
#include "cp_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "util.h"

#define CP_TMP_PREFIX ".argon-cp-"
#define CP_TMP_TRIES 64

/* A fresh temporary name; unpredictable, so a container cannot plant it. */
static void tmp_name(char out[32])
{
	unsigned char r[8];
	size_t got = 0;

	while (got < sizeof r) {
		ssize_t n = getrandom(r + got, sizeof r - got, 0);
		if (n < 0 && errno != EINTR)
			abort();	/* getrandom(2) cannot fail on 3.17+ otherwise */
		if (n > 0)
			got += (size_t)n;
	}
	snprintf(out, 32, CP_TMP_PREFIX "%02x%02x%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2],
		 r[3], r[4], r[5], r[6], r[7]);
}

int cp_meta_fd(int fd, const struct cp_node *n, struct ar_err *err)
{
	if (fchown(fd, n->uid, n->gid) < 0)
		return ar_error(err, errno, "change owner");
	if (fchmod(fd, n->mode & 07777) < 0)
		return ar_error(err, errno, "change mode");
	if (futimens(fd, n->times) < 0)
		return ar_error(err, errno, "set times");
	return 0;
}

/* The same for a symlink or node known by name only: never followed. */
static int meta_at(int dirfd, const char *name, const struct cp_node *n, struct ar_err *err)
{
	if (fchownat(dirfd, name, n->uid, n->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return ar_error(err, errno, "change owner");
	if (!S_ISLNK(n->mode) && fchmodat(dirfd, name, n->mode & 07777, AT_SYMLINK_NOFOLLOW) < 0)
		return ar_error(err, errno, "change mode");
	if (utimensat(dirfd, name, n->times, AT_SYMLINK_NOFOLLOW) < 0)
		return ar_error(err, errno, "set times");
	return 0;
}

static int make_file(int dirfd, const char *name, const struct cp_node *n, struct ar_err *err)
{
	_cleanup_close_ int fd =
		openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0)
		return errno == EEXIST ? -EEXIST : ar_error(err, errno, "create file");
	if (n->fill && n->fill(fd, n->fill_data, err) < 0)
		return -1;
	return cp_meta_fd(fd, n, err);
}

/* Makes `n` as `name`; -EEXIST (err untouched) when the name is taken. */
static int make_node(int dirfd, const char *name, const struct cp_node *n, struct ar_err *err)
{
	mode_t type = n->mode & S_IFMT;
	int r;

	if (n->hl_dirfd >= 0) {
		if (linkat(n->hl_dirfd, n->hl_name, dirfd, name, 0) == 0)
			return 0;	/* a hard link shares its target's metadata */
		return errno == EEXIST ? -EEXIST : ar_error(err, errno, "create hard link");
	}
	if (type == S_IFREG)
		return make_file(dirfd, name, n, err);
	if (type == S_IFLNK)
		r = symlinkat(n->link, dirfd, name);
	else if (type == S_IFIFO)
		r = mkfifoat(dirfd, name, 0600);
	else if (type == S_IFCHR || type == S_IFBLK)
		r = mknodat(dirfd, name, type | 0600, n->rdev);
	else
		return ar_fail(err, EINVAL, "unsupported file type %#o", (unsigned)type);
	if (r < 0)
		return errno == EEXIST ? -EEXIST : ar_error(err, errno, "create %s",
							     type == S_IFLNK ? "symlink" : "node");
	return meta_at(dirfd, name, n, err);
}

/* Makes the node under a fresh temporary name (returned in tmp). */
static int make_tmp(int dirfd, const struct cp_node *n, char tmp[32], struct ar_err *err)
{
	for (int i = 0; i < CP_TMP_TRIES; i++) {
		int r;

		tmp_name(tmp);
		r = make_node(dirfd, tmp, n, err);
		if (r != -EEXIST) {
			if (r < 0)
				unlinkat(dirfd, tmp, 0);	/* half made */
			return r;
		}
	}
	return ar_error(err, EEXIST, "create a temporary name");
}

int cp_place(int dirfd, const char *name, bool fresh, const struct cp_node *n, const char *path,
	     struct ar_err *err)
{
	char tmp[32];
	struct stat old;
	int r;

	if (fresh) {
		r = make_node(dirfd, name, n, err);
		if (r == -EEXIST)
			r = ar_error(err, EEXIST, "create");
		return r < 0 ? ar_err_prefix(err, "`%s`", path) : 0;
	}
	if (fstatat(dirfd, name, &old, AT_SYMLINK_NOFOLLOW) == 0) {
		struct stat t;

		if (S_ISDIR(old.st_mode))
			return ar_fail(err, EISDIR, "cannot overwrite directory `%s` with "
				       "non-directory", path);
		/* rename(2) of one link over another of the same inode does
		 * nothing: the temporary name would stay. */
		if (n->hl_dirfd >= 0 &&
		    fstatat(n->hl_dirfd, n->hl_name, &t, AT_SYMLINK_NOFOLLOW) == 0 &&
		    t.st_dev == old.st_dev && t.st_ino == old.st_ino)
			return 0;
	}
	if (make_tmp(dirfd, n, tmp, err) < 0)
		return ar_err_prefix(err, "`%s`", path);
	/* Replaces a file or a symlink itself; fails on a directory put
	 * there meanwhile. */
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		r = errno;
		unlinkat(dirfd, tmp, 0);
		return ar_error(err, r, "`%s`: rename into place", path);
	}
	return 0;
}

static int dir_make(int dirfd, const char *name, bool fresh, struct cp_dir *d, struct ar_err *err)
{
	char tmp[32];

	if (fresh) {
		if (mkdirat(dirfd, name, 0700) < 0)
			return ar_error(err, errno, "create directory");
	} else {
		int i;

		for (i = 0; i < CP_TMP_TRIES; i++) {
			tmp_name(tmp);
			if (mkdirat(dirfd, tmp, 0700) == 0)
				break;
			if (errno != EEXIST)
				return ar_error(err, errno, "create directory");
		}
		if (i == CP_TMP_TRIES)
			return ar_error(err, EEXIST, "create a temporary name");
		d->tmp = xstrdup(tmp);
	}
	d->fresh = true;
	d->fd = openat(dirfd, d->tmp ? d->tmp : name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		       O_CLOEXEC);
	return d->fd < 0 ? ar_error(err, errno, "open new directory") : 0;
}

int cp_dir_begin(int dirfd, const char *name, bool fresh, const char *path, struct cp_dir *d,
		 struct ar_err *err)
{
	struct stat st;

	*d = (struct cp_dir){ .fd = -1 };
	if (!fresh && fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISDIR(st.st_mode))
			return ar_fail(err, ENOTDIR, "cannot overwrite non-directory `%s` with "
				       "directory", path);
		d->fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		return d->fd < 0 ? ar_error(err, errno, "open directory `%s`", path) : 0;
	}
	if (!fresh && errno != ENOENT)
		return ar_error(err, errno, "stat `%s`", path);
	if (dir_make(dirfd, name, fresh, d, err) < 0) {
		ar_err_prefix(err, "`%s`", path);
		cp_dir_end(dirfd, name, d, NULL, false, path, NULL);
		return -1;
	}
	return 0;
}

int cp_dir_end(int dirfd, const char *name, struct cp_dir *d, const struct cp_node *meta, bool ok,
	       const char *path, struct ar_err *err)
{
	int r = ok ? 0 : -1;

	if (r == 0 && meta && d->fd >= 0 && cp_meta_fd(d->fd, meta, err) < 0)
		r = ar_err_prefix(err, "`%s`", path);
	if (r == 0 && d->tmp && renameat2(dirfd, d->tmp, dirfd, name, RENAME_NOREPLACE) < 0)
		r = ar_error(err, errno, "`%s`: rename into place", path);
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	if (r < 0 && d->tmp) {
		struct ar_err ignored = { 0 };
		rm_rf_at(dirfd, d->tmp, &ignored);
		ar_err_clear(&ignored);
	}
	free(d->tmp);
	d->tmp = NULL;
	return r;
}
