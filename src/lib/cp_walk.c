/* argon — walking a copy's source tree into a sink (cp_priv.h), and the
 * sink that makes the entries below a directory fd.
 *
 * The source is read with *at() calls on directory fds, never following
 * a symlink: an entry is lstat'ed, then opened O_NOFOLLOW|O_NONBLOCK and
 * checked to be the inode lstat saw, so a container swapping a directory
 * for a symlink (or a file for a fifo) mid-copy gets an error, not a
 * read of something else.
 */
#include "cp_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <search.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "util.h"

#define CP_MAX_DEPTH 512
#define CP_MQUEUE_MAGIC 0x19800202	/* not in <linux/magic.h> */

struct inode {
	dev_t dev;
	ino_t ino;
};

static int inode_cmp(const void *a, const void *b)
{
	const struct inode *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

void cp_walk_free(struct cp_walk *w)
{
	tdestroy(w->made, free);
	w->made = NULL;
}

/* A directory this copy made: when the destination is inside the source
 * (a host tree holding the container's root), it is not copied again. */
static void made_add(struct cp_walk *w, int fd)
{
	struct inode *k, **slot;
	struct stat st;

	if (fstat(fd, &st) < 0)
		return;
	k = xmalloc(sizeof *k);
	*k = (struct inode){ st.st_dev, st.st_ino };
	slot = tsearch(k, &w->made, inode_cmp);
	if (slot == NULL)
		abort();	/* OOM */
	if (*slot != k)
		free(k);	/* an inode number reused: already there */
}

static bool made_has(const struct cp_walk *w, const struct stat *st)
{
	struct inode k = { st->st_dev, st->st_ino };

	return tfind(&k, &w->made, inode_cmp) != NULL;
}

/* The kernel's own file systems: what docker cp cannot copy either
 * ("resources under /proc, /sys"). A walk that reaches one mounted below
 * its source (a running container's /proc) makes the mount point's
 * directory, empty, as docker's view of the root has it; named as SRC
 * itself, it is read. */
static bool pseudo_fs(int fd)
{
	static const unsigned long magic[] = {
		PROC_SUPER_MAGIC, SYSFS_MAGIC, DEVPTS_SUPER_MAGIC, CGROUP_SUPER_MAGIC,
		CGROUP2_SUPER_MAGIC, CP_MQUEUE_MAGIC, SECURITYFS_MAGIC, DEBUGFS_MAGIC,
		TRACEFS_MAGIC, BPF_FS_MAGIC, PSTOREFS_MAGIC, BINFMTFS_MAGIC, SELINUX_MAGIC,
		EFIVARFS_MAGIC,
	};
	struct statfs sf;

	if (fstatfs(fd, &sf) < 0)
		return false;
	for (size_t i = 0; i < sizeof magic / sizeof magic[0]; i++)
		if ((unsigned long)sf.f_type == magic[i])
			return true;
	return false;
}

/* A kernel file system mounted on the directory fd, below the top. */
static bool pseudo_mount(int sdirfd, int fd, const struct stat *st, int depth)
{
	struct stat parent;

	return depth > 0 && fstat(sdirfd, &parent) == 0 && parent.st_dev != st->st_dev &&
	       pseudo_fs(fd);
}

void cp_node_from_stat(const struct cp_walk *w, const struct stat *st, struct cp_node *n)
{
	*n = (struct cp_node){
		.mode = st->st_mode,
		.uid = w->archive ? st->st_uid : w->uid,
		.gid = w->archive ? st->st_gid : w->gid,
		.times = { st->st_atim, st->st_mtim },
		.rdev = st->st_rdev,
		.hl_dirfd = -1,
	};
}

char *cp_join(const char *dir, const char *name)
{
	if (*dir == '\0')
		return xstrdup(name);
	if (strcmp(dir, "/") == 0)
		return xasprintf("/%s", name);
	return xasprintf("%s/%s", dir, name);
}

/* Opens an entry lstat saw as `want`: still that inode, still that type. */
static int open_checked(int dirfd, const char *name, const struct stat *want, const char *spath,
			struct ar_err *err)
{
	int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC |
		    (S_ISDIR(want->st_mode) ? O_DIRECTORY : 0);
	int fd = openat(dirfd, name, flags);
	struct stat now;

	if (fd < 0)
		return ar_error(err, errno, "open `%s`", spath);
	if (fstat(fd, &now) < 0 || now.st_dev != want->st_dev || now.st_ino != want->st_ino ||
	    (now.st_mode & S_IFMT) != (want->st_mode & S_IFMT)) {
		close(fd);
		return ar_fail(err, EAGAIN, "`%s` changed while being copied", spath);
	}
	return fd;
}

static char *read_link(int dirfd, const char *name, const struct stat *st, const char *spath,
		       struct ar_err *err)
{
	size_t cap = st->st_size > 0 ? (size_t)st->st_size + 1 : 256;
	char *target = NULL;

	for (;;) {
		ssize_t n;

		target = xrealloc(target, cap);
		n = readlinkat(dirfd, name, target, cap);
		if (n < 0) {
			ar_error(err, errno, "read symlink `%s`", spath);
			free(target);
			return NULL;
		}
		if ((size_t)n < cap) {
			target[n] = '\0';
			return target;
		}
		if (cap >= PATH_MAX * 2) {
			ar_fail(err, ENAMETOOLONG, "symlink `%s`: target too long", spath);
			free(target);
			return NULL;
		}
		cap *= 2;
	}
}

static int walk_one(struct cp_walk *w, int sdirfd, const char *sname, const char *spath,
		    const char *dname, struct cp_at *at, int depth, struct ar_err *err);

static int walk_dir(struct cp_walk *w, int fd, const char *spath, struct cp_at *in, int depth,
		    struct ar_err *err)
{
	_cleanup_strv_ char **names = dir_sorted_names(fd);

	if (names == NULL)
		return ar_error(err, errno, "read directory `%s`", spath);
	for (char **nm = names; *nm; nm++) {
		_cleanup_free_ char *sub = cp_join(spath, *nm);

		if (walk_one(w, fd, *nm, sub, *nm, in, depth + 1, err) < 0)
			return -1;
	}
	return 0;
}

static int walk_subdir(struct cp_walk *w, int sdirfd, const char *sname, const char *spath,
		       const struct stat *st, const char *dname, struct cp_at *at, int depth,
		       struct ar_err *err)
{
	_cleanup_close_ int fd = -1;
	struct cp_at in = { .dir.fd = -1 };
	int r;

	if (depth > CP_MAX_DEPTH)
		return ar_fail(err, ELOOP, "`%s` is more than %d levels deep", spath, CP_MAX_DEPTH);
	if (made_has(w, st))
		return 0;	/* made by this copy: the destination is in the source */
	fd = open_checked(sdirfd, sname, st, spath, err);
	if (fd < 0 || w->ops->dir_open(w, at, dname, st, &in, err) < 0)
		return -1;
	r = pseudo_mount(sdirfd, fd, st, depth) ? 0 : walk_dir(w, fd, spath, &in, depth, err);
	/* Closed even after a failure: a new directory is removed again. */
	if (w->ops->dir_close(w, at, dname, st, &in, r == 0, err) < 0)
		r = -1;
	return r;
}

static int walk_one(struct cp_walk *w, int sdirfd, const char *sname, const char *spath,
		    const char *dname, struct cp_at *at, int depth, struct ar_err *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *link = NULL;
	struct stat st;

	if (fstatat(sdirfd, sname, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return ar_error(err, errno, "stat `%s`", spath);
	switch (st.st_mode & S_IFMT) {
	case S_IFDIR:
		return walk_subdir(w, sdirfd, sname, spath, &st, dname, at, depth, err);
	case S_IFREG:
		fd = open_checked(sdirfd, sname, &st, spath, err);
		if (fd < 0)
			return -1;
		break;
	case S_IFLNK:
		link = read_link(sdirfd, sname, &st, spath, err);
		if (link == NULL)
			return -1;
		break;
	case S_IFSOCK:
		return 0;	/* as tar: a socket is not content */
	default:
		break;		/* fifo, device: made from the stat alone */
	}
	return w->ops->put(w, at, dname, &st, fd, link, err);
}

int cp_walk_entry(struct cp_walk *w, int sdirfd, const char *sname, const char *spath,
		  const char *dname, struct cp_at *at, struct ar_err *err)
{
	return walk_one(w, sdirfd, sname, spath, dname, at, 0, err);
}

int cp_walk_contents(struct cp_walk *w, int sdirfd, const char *spath, struct cp_at *at,
		     struct ar_err *err)
{
	return walk_dir(w, sdirfd, spath, at, 0, err);
}

/* ------------------------------------------------------------ the fd sink */

struct fill_src {
	struct cp_walk *w;
	int fd;
};

static int fill_from_fd(int fd, void *data, struct ar_err *err)
{
	struct fill_src *s = data;

	for (;;) {
		ssize_t n = read(s->fd, s->w->buf, CP_BUF);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ar_error(err, errno, "read the source");
		if (n == 0)
			return 0;
		if (write_all(fd, s->w->buf, (size_t)n) < 0)
			return ar_error(err, errno, "write");
		s->w->st.bytes += (uint64_t)n;
	}
}

static int fd_put(struct cp_walk *w, struct cp_at *at, const char *name, const struct stat *st,
		  int datafd, const char *link, struct ar_err *err)
{
	_cleanup_free_ char *path = cp_join(at->path, name);
	struct fill_src src = { .w = w, .fd = datafd };
	struct cp_node n;

	cp_node_from_stat(w, st, &n);
	n.link = link;
	if (datafd >= 0) {
		n.fill = fill_from_fd;
		n.fill_data = &src;
	}
	if (cp_place(at->dir.fd, name, at->dir.fresh, &n, path, err) < 0)
		return -1;
	w->st.entries++;
	return 0;
}

static int fd_dir_open(struct cp_walk *w, struct cp_at *at, const char *name,
		       const struct stat *st, struct cp_at *in, struct ar_err *err)
{
	in->path = cp_join(at->path, name);
	if (cp_dir_begin(at->dir.fd, name, at->dir.fresh, in->path, &in->dir, err) < 0) {
		free(steal_ptr(&in->path));
		return -1;
	}
	if (in->dir.fresh)
		made_add(w, in->dir.fd);
	return 0;
}

static int fd_dir_close(struct cp_walk *w, struct cp_at *at, const char *name,
			const struct stat *st, struct cp_at *in, bool ok, struct ar_err *err)
{
	struct cp_node n;
	int r;

	cp_node_from_stat(w, st, &n);
	r = cp_dir_end(at->dir.fd, name, &in->dir, &n, ok, in->path, err);
	free(steal_ptr(&in->path));
	if (r == 0)
		w->st.entries++;
	return r;
}

const struct cp_sink_ops cp_fd_sink = {
	.put = fd_put,
	.dir_open = fd_dir_open,
	.dir_close = fd_dir_close,
};
