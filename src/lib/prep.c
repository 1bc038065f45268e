/* argon — a base layer from the host's own files (wincon's conprep).
 *
 * One walk from the host root, siblings sorted (a deterministic digest).
 * Every host access is relative to a directory fd with O_NOFOLLOW or
 * AT_SYMLINK_NOFOLLOW: a host path is never resolved as a string. The
 * manifest's patterns are matched component by component: a directory
 * carries the rules still "live" below it, so the bulk of /usr (no rule
 * below /usr/lib) costs no fnmatch at all.
 *
 * A linked file is the host's inode: nothing here changes its metadata.
 * Copies and created directories get the host's owner, mode and times.
 */
/* prep.h uses size_t without including <stddef.h>. */
#include <stddef.h>

#include "prep.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "sha256.h"
#include "util.h"

#define PREP_MAX_DEPTH 256
#define STATX_WANT (STATX_TYPE | STATX_MODE | STATX_UID | STATX_GID | STATX_SIZE | \
		    STATX_ATIME | STATX_MTIME | STATX_INO)
#define STATX_FLAGS (AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT)

/* A manifest rule split into its path components. */
struct prule {
	enum prep_action action;
	char **comp;
	size_t n;
};

struct walk {
	struct prule *rules;
	size_t n_rules;
	struct prep_stats *st;
	struct sha256 sha;
	char *path;		/* the current host path, "" for the root */
	size_t len, cap;
};

/* A host directory being walked. Directories that are only on the way to
 * a taken path are created in the layer when something below is taken. */
struct frame {
	struct frame *up;
	int src;		/* host directory, readable */
	int dst;		/* layer directory; -1 until created */
	bool own_dst;		/* dst was created here (the layer root is not) */
	char action;		/* digest tag: 'l', 'c' or '-' (on the way) */
	const char *name;	/* in the parent */
	size_t path_len;
	struct statx stx;
};

static void rules_free(struct prule *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		strv_free(r[i].comp);
	free(r);
}

static struct prule *rules_compile(const struct prep_manifest *m)
{
	struct prule *r = xcalloc(m->n_rules, sizeof *r);

	for (size_t i = 0; i < m->n_rules; i++) {
		_cleanup_free_ char *copy = xstrdup(m->rules[i].pattern);
		char *save = NULL;

		r[i].action = m->rules[i].action;
		r[i].comp = xcalloc(strlen(copy) + 1, sizeof *r[i].comp);
		for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save))
			r[i].comp[r[i].n++] = xstrdup(c);
	}
	return r;
}

static size_t path_push(struct walk *w, const char *name)
{
	size_t old = w->len, n = strlen(name);

	if (w->len + n + 2 > w->cap) {
		w->cap = (w->len + n + 2) * 2;
		w->path = xrealloc(w->path, w->cap);
	}
	w->path[w->len++] = '/';
	memcpy(w->path + w->len, name, n + 1);
	w->len += n;
	return old;
}

static void path_pop(struct walk *w, size_t old)
{
	w->len = old;
	w->path[old] = '\0';
}

/* One canonical record per taken entry: path, type, mode, owner, size,
 * mtime, how it was taken, link target. NULs keep the fields apart. Not
 * ctime: link() itself changes that on every host file. */
static void digest_entry(struct walk *w, size_t path_len, const struct statx *x, char how,
			 const char *target)
{
	char rec[160];
	bool sized = S_ISREG(x->stx_mode) || S_ISLNK(x->stx_mode);
	int n = snprintf(rec, sizeof rec, "%o %o %u %u %llu %lld.%09u %c",
			 (unsigned)(x->stx_mode & S_IFMT) >> 12, x->stx_mode & 07777u,
			 x->stx_uid, x->stx_gid, sized ? (unsigned long long)x->stx_size : 0ull,
			 (long long)x->stx_mtime.tv_sec, x->stx_mtime.tv_nsec, how);

	sha256_update(&w->sha, path_len ? w->path : "/", path_len ? path_len : 1);
	sha256_update(&w->sha, "", 1);
	sha256_update(&w->sha, rec, (size_t)n + 1);
	if (target)
		sha256_update(&w->sha, target, strlen(target));
	sha256_update(&w->sha, "\n", 1);
}

/* Data: a reflink where the file systems share extents, else an in-kernel
 * copy, else read/write (copy_file_range refuses some pairs of fs). */
static int copy_data(int src, int dst)
{
	_cleanup_free_ char *buf = NULL;
	const size_t size = 128 * 1024;
	ssize_t n;

	if (ioctl(dst, FICLONE, src) == 0)
		return 0;
	while ((n = copy_file_range(src, NULL, dst, NULL, 1 << 30, 0)) > 0)
		;
	if (n == 0)
		return 0;
	if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
		return -1;
	/* Both offsets moved with what was copied: go on from there. */
	buf = xmalloc(size);
	while ((n = read(src, buf, size)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || write_all(dst, buf, (size_t)n) < 0)
			return -1;
	}
	return 0;
}

/* File capabilities and user xattrs travel with a copy; a copy that lost
 * one would silently differ from the host's file, so a failure is an error. */
static int copy_xattrs(struct walk *w, int src, int dst, struct ar_err *err)
{
	ssize_t n = flistxattr(src, NULL, 0);
	_cleanup_free_ char *names = NULL;

	if (n < 0 && (errno == ENOTSUP || errno == ENOSYS))
		return 0;
	if (n <= 0)
		return n < 0 ? ar_error(err, errno, "list the xattrs of `%s`", w->path) : 0;
	names = xmalloc((size_t)n);
	n = flistxattr(src, names, (size_t)n);
	if (n < 0)
		return ar_error(err, errno, "list the xattrs of `%s`", w->path);
	for (char *name = names; name < names + n; name += strlen(name) + 1) {
		_cleanup_free_ char *val = NULL;
		ssize_t len;

		if (strcmp(name, "security.capability") != 0 && strncmp(name, "user.", 5) != 0)
			continue;
		len = fgetxattr(src, name, NULL, 0);
		val = xmalloc(len > 0 ? (size_t)len : 1);
		if (len >= 0)
			len = fgetxattr(src, name, val, (size_t)len);
		if (len < 0 || fsetxattr(dst, name, val, (size_t)len, 0) < 0)
			return ar_error(err, errno, "copy the xattr `%s` of `%s`", name, w->path);
	}
	return 0;
}

static int copy_file(struct walk *w, int srcdir, int dstdir, const char *name,
		     const struct statx *x, struct ar_err *err)
{
	_cleanup_close_ int src = openat(srcdir, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY |
					 O_NONBLOCK | O_CLOEXEC);
	_cleanup_close_ int dst = -1;
	struct timespec times[2] = {
		{ x->stx_atime.tv_sec, x->stx_atime.tv_nsec },
		{ x->stx_mtime.tv_sec, x->stx_mtime.tv_nsec },
	};
	struct stat st;

	if (src < 0 || fstat(src, &st) < 0)
		return ar_error(err, errno, "open `%s`", w->path);
	if (!S_ISREG(st.st_mode) || st.st_ino != x->stx_ino)
		return ar_error(err, 0, "`%s` changed while it was taken", w->path);
	dst = openat(dstdir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (dst < 0)
		return ar_error(err, errno, "create `%s` in the layer", w->path);
	if (copy_data(src, dst) < 0)
		return ar_error(err, errno, "copy `%s`", w->path);
	/* chown clears file capabilities: owner, then mode, then xattrs. */
	if (fchown(dst, x->stx_uid, x->stx_gid) < 0 || fchmod(dst, x->stx_mode & 07777) < 0)
		return ar_error(err, errno, "set the owner and mode of the copy of `%s`", w->path);
	if (copy_xattrs(w, src, dst, err) < 0)
		return -1;
	if (futimens(dst, times) < 0)
		return ar_error(err, errno, "set the times of the copy of `%s`", w->path);
	return 0;
}

/* A hard link to the host's inode; across file systems (EXDEV), where
 * links are refused (EPERM: protected_hardlinks, immutable files) or the
 * inode has too many (EMLINK), a copy. Returns 1 when the file vanished. */
static int take_file(struct walk *w, struct frame *f, const char *name, const struct statx *x,
		     enum prep_action action, struct ar_err *err)
{
	if (action == PREP_LINK) {
		if (linkat(f->src, name, f->dst, name, 0) == 0) {
			w->st->linked++;
			w->st->bytes += x->stx_size;
			return 0;
		}
		if (errno == ENOENT)
			return 1;
		if (errno != EXDEV && errno != EPERM && errno != EMLINK)
			return ar_error(err, errno, "link `%s` into the layer", w->path);
	}
	if (copy_file(w, f->src, f->dst, name, x, err) < 0)
		return -1;
	w->st->copied++;
	w->st->bytes += x->stx_size;
	return 0;
}

static int take_symlink(struct walk *w, struct frame *f, const char *name,
			const struct statx *x, char **target, struct ar_err *err)
{
	struct timespec times[2] = {
		{ x->stx_atime.tv_sec, x->stx_atime.tv_nsec },
		{ x->stx_mtime.tv_sec, x->stx_mtime.tv_nsec },
	};
	size_t cap = x->stx_size + 2;
	ssize_t n;

	*target = xmalloc(cap);
	n = readlinkat(f->src, name, *target, cap);
	if (n < 0 || (size_t)n >= cap)
		return ar_error(err, n < 0 ? errno : 0, "read the symlink `%s`", w->path);
	(*target)[n] = '\0';
	if (symlinkat(*target, f->dst, name) < 0)
		return ar_error(err, errno, "create the symlink `%s` in the layer", w->path);
	if (fchownat(f->dst, name, x->stx_uid, x->stx_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
	    utimensat(f->dst, name, times, AT_SYMLINK_NOFOLLOW) < 0)
		return ar_error(err, errno, "set the owner and times of the symlink `%s`", w->path);
	w->st->symlinks++;
	return 0;
}

/* A FIFO has no content: recreating it is a faithful copy. */
static int take_fifo(struct walk *w, struct frame *f, const char *name, const struct statx *x,
		     struct ar_err *err)
{
	struct timespec times[2] = {
		{ x->stx_atime.tv_sec, x->stx_atime.tv_nsec },
		{ x->stx_mtime.tv_sec, x->stx_mtime.tv_nsec },
	};

	if (mknodat(f->dst, name, S_IFIFO | 0600, 0) < 0)
		return ar_error(err, errno, "create the fifo `%s` in the layer", w->path);
	if (fchownat(f->dst, name, x->stx_uid, x->stx_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
	    fchmodat(f->dst, name, x->stx_mode & 07777, 0) < 0 ||
	    utimensat(f->dst, name, times, AT_SYMLINK_NOFOLLOW) < 0)
		return ar_error(err, errno, "set the metadata of the fifo `%s`", w->path);
	w->st->copied++;
	return 0;
}

/* Creates the layer directory of `f` (and of every parent still missing). */
static int frame_materialize(struct walk *w, struct frame *f, struct ar_err *err)
{
	char *p = w->path;

	if (f->dst >= 0)
		return 0;
	if (frame_materialize(w, f->up, err) < 0)
		return -1;
	if (mkdirat(f->up->dst, f->name, 0700) < 0)
		return ar_error(err, errno, "create `%.*s` in the layer", (int)f->path_len, p);
	f->dst = openat(f->up->dst, f->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (f->dst < 0)
		return ar_error(err, errno, "open `%.*s` in the layer", (int)f->path_len, p);
	f->own_dst = true;
	digest_entry(w, f->path_len, &f->stx, f->action, NULL);
	w->st->dirs++;
	return 0;
}

/* Owner, mode and times of a created directory, after its children (each
 * child changes the directory's mtime). */
static int frame_finish(struct walk *w, struct frame *f, struct ar_err *err)
{
	struct timespec times[2] = {
		{ f->stx.stx_atime.tv_sec, f->stx.stx_atime.tv_nsec },
		{ f->stx.stx_mtime.tv_sec, f->stx.stx_mtime.tv_nsec },
	};

	if (!f->own_dst)
		return 0;
	if (fchown(f->dst, f->stx.stx_uid, f->stx.stx_gid) < 0 ||
	    fchmod(f->dst, f->stx.stx_mode & 07777) < 0 || futimens(f->dst, times) < 0)
		return ar_error(err, errno, "set the metadata of `%s` in the layer", w->path);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in a directory (fd is consumed), sorted; one allocation
 * holds them all. */
static int dir_names(struct walk *w, int fd, char ***names, size_t *count, struct ar_err *err)
{
	_cleanup_free_ size_t *offs = NULL;
	DIR *d = fdopendir(fd);
	size_t n = 0, cap = 0, used = 0, size = 4096;
	char *buf;
	struct dirent *de;

	if (d == NULL) {
		int e = errno;
		close(fd);
		return ar_error(err, e, "read the directory `%s`", w->path);
	}
	buf = xmalloc(size);
	for (errno = 0; (de = readdir(d)) != NULL; errno = 0) {
		size_t len = strlen(de->d_name) + 1;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap)
			offs = xrealloc(offs, (cap = cap ? cap * 2 : 64) * sizeof *offs);
		while (used + len > size)
			buf = xrealloc(buf, size *= 2);
		memcpy(buf + used, de->d_name, len);
		offs[n++] = used;
		used += len;
	}
	if (errno) {
		int e = errno;
		free(buf);
		closedir(d);
		return ar_error(err, e, "read the directory `%s`", w->path);
	}
	closedir(d);
	/* The vector and the names in one block: free(*names) frees both. */
	*names = xmalloc((n + 1) * sizeof **names + used);
	memcpy((char *)(*names + n + 1), buf, used);
	for (size_t i = 0; i < n; i++)
		(*names)[i] = (char *)(*names + n + 1) + offs[i];
	(*names)[n] = NULL;
	free(buf);
	qsort(*names, n, sizeof **names, cmp_names);
	*count = n;
	return 0;
}

static int action_rank(enum prep_action a)
{
	return a == PREP_SKIP ? 3 : a == PREP_COPY ? 2 : 1;
}

/* What rules say about the child `name` at `depth` (its number of
 * components): the rule that ends there wins over the inherited one (it
 * is longer); rules reaching further stay live below it. Returns whether
 * a live rule takes something below. */
static bool child_rules(const struct walk *w, const size_t *live, size_t n_live, size_t depth,
			const char *name, const struct prule **eff, size_t *child_live,
			size_t *n_child)
{
	const struct prule *here = NULL;
	bool takes_below = false;

	*n_child = 0;
	for (size_t i = 0; i < n_live; i++) {
		const struct prule *r = &w->rules[live[i]];

		if (fnmatch(r->comp[depth - 1], name, 0) != 0)
			continue;
		if (r->n == depth) {
			if (here == NULL || action_rank(r->action) > action_rank(here->action))
				here = r;
		} else {
			child_live[(*n_child)++] = live[i];
			takes_below |= r->action != PREP_SKIP;
		}
	}
	if (here)
		*eff = here;
	return takes_below;
}

static int walk_dir(struct walk *w, struct frame *f, const struct prule *eff,
		    const size_t *live, size_t n_live, size_t depth, struct ar_err *err);

/* Pseudo file systems are never content: a rule that reaches one (a
 * mount under a taken tree) takes nothing from it. */
static bool fs_is_pseudo(int fd)
{
	static const long magic[] = {
		PROC_SUPER_MAGIC, SYSFS_MAGIC, CGROUP_SUPER_MAGIC, CGROUP2_SUPER_MAGIC,
		DEBUGFS_MAGIC, TRACEFS_MAGIC, SECURITYFS_MAGIC, BPF_FS_MAGIC, DEVPTS_SUPER_MAGIC,
		EFIVARFS_MAGIC, PSTOREFS_MAGIC, BINFMTFS_MAGIC, SELINUX_MAGIC, NSFS_MAGIC,
	};
	struct statfs sfs;

	if (fstatfs(fd, &sfs) < 0)
		return true;
	for (size_t i = 0; i < sizeof magic / sizeof magic[0]; i++)
		if ((long)sfs.f_type == magic[i])
			return true;
	return false;
}

static int take_dir(struct walk *w, struct frame *up, const char *name, const struct statx *x,
		    const struct prule *eff, const size_t *live, size_t n_live, size_t depth,
		    struct ar_err *err)
{
	bool take = eff && eff->action != PREP_SKIP;
	struct frame f = {
		.up = up, .dst = -1, .name = name, .path_len = w->len, .stx = *x,
		.action = !take ? '-' : eff->action == PREP_LINK ? 'l' : 'c',
	};
	struct stat st;
	int ret = -1;

	if (depth > PREP_MAX_DEPTH)
		return ar_error(err, ELOOP, "`%s` is nested too deep", w->path);
	f.src = openat(up->src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (f.src < 0 && errno == ENOENT)
		return 0;	/* vanished meanwhile */
	if (f.src < 0 || fstat(f.src, &st) < 0) {
		ret = ar_error(err, errno, "open `%s`", w->path);
		goto out;
	}
	if (st.st_ino != x->stx_ino) {
		ret = ar_error(err, 0, "`%s` changed while it was taken", w->path);
		goto out;
	}
	if ((x->stx_dev_major != up->stx.stx_dev_major ||
	     x->stx_dev_minor != up->stx.stx_dev_minor) && fs_is_pseudo(f.src)) {
		w->st->skipped++;
		ret = 0;
		goto out;
	}
	if (take && frame_materialize(w, &f, err) < 0)
		goto out;
	ret = walk_dir(w, &f, eff, live, n_live, depth, err);
	if (ret == 0)
		ret = frame_finish(w, &f, err);
out:
	if (f.own_dst)
		close(f.dst);
	if (f.src >= 0)
		close(f.src);
	return ret;
}

static int take_entry(struct walk *w, struct frame *f, const char *name, const struct statx *x,
		      const struct prule *eff, const size_t *live, size_t n_live, size_t depth,
		      struct ar_err *err)
{
	_cleanup_free_ char *target = NULL;
	mode_t type = x->stx_mode & S_IFMT;
	int r;

	if (type == S_IFDIR)
		return take_dir(w, f, name, x, eff, live, n_live, depth, err);
	if (eff == NULL || eff->action == PREP_SKIP)
		return 0;
	if (type != S_IFREG && type != S_IFLNK && type != S_IFIFO) {
		w->st->skipped++;	/* sockets, device nodes */
		return 0;
	}
	if (frame_materialize(w, f, err) < 0)
		return -1;
	if (type == S_IFREG)
		r = take_file(w, f, name, x, eff->action, err);
	else if (type == S_IFLNK)
		r = take_symlink(w, f, name, x, &target, err);
	else
		r = take_fifo(w, f, name, x, err);
	/* The rule, not the outcome (link or fallback copy): the same host
	 * state gives the same digest on any file system. */
	if (r == 0)
		digest_entry(w, w->len, x, eff->action == PREP_LINK ? 'l' : 'c', target);
	return r < 0 ? -1 : 0;
}

static int walk_dir(struct walk *w, struct frame *f, const struct prule *eff,
		    const size_t *live, size_t n_live, size_t depth, struct ar_err *err)
{
	_cleanup_free_ size_t *child_live = xmalloc((n_live ? n_live : 1) * sizeof *child_live);
	_cleanup_free_ char **names = NULL;
	int fd = dup(f->src);
	size_t n = 0;

	if (fd < 0)
		return ar_error(err, errno, "read the directory `%s`", w->path);
	if (dir_names(w, fd, &names, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct prule *ceff = eff;
		size_t n_child, old;
		bool below = child_rules(w, live, n_live, depth + 1, names[i], &ceff, child_live,
					 &n_child);
		bool take = ceff && ceff->action != PREP_SKIP;
		struct statx x;
		int r;

		/* Counted where a skip rule keeps out what would be taken. */
		if (!take && ceff != eff && eff && eff->action != PREP_SKIP)
			w->st->skipped++;
		if (!take && !below)
			continue;
		if (statx(f->src, names[i], STATX_FLAGS, STATX_WANT, &x) < 0) {
			if (errno == ENOENT)
				continue;	/* vanished meanwhile */
			return ar_error(err, errno, "stat `%s/%s`", w->path, names[i]);
		}
		old = path_push(w, names[i]);
		r = take_entry(w, f, names[i], &x, ceff, child_live, n_child, depth + 1, err);
		path_pop(w, old);
		if (r < 0)
			return -1;
	}
	return 0;
}

static int layer_check_empty(int layerfd, struct ar_err *err)
{
	int fd = openat(layerfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;
	bool empty = true;

	if (d == NULL) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return ar_error(err, e, "open the layer directory");
	}
	while (empty && (de = readdir(d)) != NULL)
		empty = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;
	closedir(d);
	return empty ? 0 : ar_error(err, 0, "the layer directory is not empty");
}

/* Mount points and scratch directories a root file system needs and the
 * manifest does not take from the host. Created only where missing; the
 * parent is opened with O_NOFOLLOW (a taken symlink may point anywhere). */
static int layer_skeleton(int layerfd, struct ar_err *err)
{
	static const struct { const char *parent, *name; mode_t mode; } dirs[] = {
		{ ".", "dev", 0755 }, { ".", "proc", 0555 }, { ".", "sys", 0555 },
		{ ".", "run", 0755 }, { ".", "tmp", 01777 }, { ".", "root", 0700 },
		{ ".", "home", 0755 }, { ".", "var", 0755 }, { "var", "tmp", 01777 },
	};

	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		_cleanup_close_ int parent = openat(layerfd, dirs[i].parent,
						    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		_cleanup_close_ int fd = -1;

		if (parent < 0)
			continue;	/* var taken as something else: leave it */
		if (mkdirat(parent, dirs[i].name, 0700) < 0) {
			if (errno == EEXIST)
				continue;
			return ar_error(err, errno, "create `%s` in the layer", dirs[i].name);
		}
		fd = openat(parent, dirs[i].name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fchown(fd, 0, 0) < 0 || fchmod(fd, dirs[i].mode) < 0)
			return ar_error(err, errno, "set up `%s` in the layer", dirs[i].name);
	}
	return 0;
}

/* The files prep_write_minimal_etc writes, read back into the digest. */
static int digest_generated(struct sha256 *sha, int layerfd, struct ar_err *err)
{
	static const char *const files[] = {
		"passwd", "group", "hostname", "hosts", "resolv.conf", "nsswitch.conf", "machine-id",
	};
	_cleanup_close_ int etcfd = openat(layerfd, "etc", O_PATH | O_DIRECTORY | O_NOFOLLOW |
					   O_CLOEXEC);

	if (etcfd < 0)
		return ar_error(err, errno, "open `etc` in the layer");
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		_cleanup_close_ int fd = openat(etcfd, files[i], O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		char buf[4096];
		struct stat st;
		ssize_t n;
		int len;

		if (fd < 0 || fstat(fd, &st) < 0)
			return ar_error(err, errno, "open `etc/%s` in the layer", files[i]);
		len = snprintf(buf, sizeof buf, "etc/%s%c%lld", files[i], 0, (long long)st.st_size);
		sha256_update(sha, buf, (size_t)len + 1);
		while ((n = read(fd, buf, sizeof buf)) > 0)
			sha256_update(sha, buf, (size_t)n);
		if (n < 0)
			return ar_error(err, errno, "read `etc/%s` in the layer", files[i]);
	}
	return 0;
}

static void hex(const uint8_t d[32], char out[65])
{
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* The layer root becomes the container's "/": the host root's owner and
 * mode, not the staging directory's (often 0700). */
static int layer_root_meta(int layerfd, const struct statx *x, struct ar_err *err)
{
	_cleanup_close_ int fd = openat(layerfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fchown(fd, x->stx_uid, x->stx_gid) < 0 ||
	    fchmod(fd, x->stx_mode & 07777) < 0)
		return ar_error(err, errno, "set the owner and mode of the layer root");
	return 0;
}

static int prep_walk(int hostfd, int layerfd, struct walk *w, struct ar_err *err)
{
	_cleanup_free_ size_t *live = xmalloc((w->n_rules ? w->n_rules : 1) * sizeof *live);
	struct frame root = { .dst = layerfd, .action = '-' };
	int r;

	for (size_t i = 0; i < w->n_rules; i++)
		live[i] = i;
	root.src = openat(hostfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root.src < 0 || statx(root.src, "", AT_EMPTY_PATH, STATX_WANT, &root.stx) < 0) {
		r = ar_error(err, errno, "open the host root");
	} else {
		/* The root's owner and mode go to the layer root (not its mtime). */
		char rec[64];
		int n = snprintf(rec, sizeof rec, "/%c%o %u %u", 0, root.stx.stx_mode & 07777u,
				 root.stx.stx_uid, root.stx.stx_gid);

		sha256_update(&w->sha, rec, (size_t)n + 1);
		r = walk_dir(w, &root, NULL, live, w->n_rules, 0, err);
		if (r < 0)
			ar_err_prefix(err, "take the host's files");
	}
	if (root.src >= 0)
		close(root.src);
	return r < 0 ? r : layer_root_meta(layerfd, &root.stx, err);
}

int prep_build(int hostfd, int layerfd, const struct prep_manifest *m, struct prep_stats *st,
	       char digest_hex[65], struct ar_err *err)
{
	struct walk w = { .n_rules = m->n_rules, .st = st, .path = xstrdup(""), .cap = 1 };
	struct sha256 seed;
	uint8_t d[32];
	char seed_hex[65];
	int r;

	memset(st, 0, sizeof *st);
	if (layer_check_empty(layerfd, err) < 0) {
		free(w.path);
		return -1;
	}
	w.rules = rules_compile(m);
	sha256_init(&w.sha);
	r = prep_walk(hostfd, layerfd, &w, err);
	if (r == 0)
		r = layer_skeleton(layerfd, err);
	if (r == 0) {
		/* The machine-id follows from what was taken: stable per host state. */
		seed = w.sha;
		sha256_final(&seed, d);
		hex(d, seed_hex);
		r = prep_write_minimal_etc(hostfd, layerfd, seed_hex, err);
	}
	if (r == 0)
		r = digest_generated(&w.sha, layerfd, err);
	if (r == 0) {
		sha256_final(&w.sha, d);
		hex(d, digest_hex);
	}
	rules_free(w.rules, w.n_rules);
	free(w.path);
	return r;
}
