/* argon — path resolution that never leaves the container root.
 *
 * The fast path is openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS). Where
 * the kernel lacks openat2 (before 5.6) the same rules are applied by hand:
 * one component at a time with O_NOFOLLOW, symlink targets spliced into the
 * remaining path (absolute ones restart at the root), ".." popping a stack of
 * directory fds that never goes below the root, at most 40 links. The stack
 * means ".." never asks the kernel for a parent, so a directory moved out of
 * the root meanwhile cannot be used to climb out.
 *
 * Magic links (/proc/self/fd/N) met by the fallback are resolved as plain
 * text inside the root: that stays inside, which is the property we need.
 */
#include "resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

#define RESOLVE_MAX_LINKS 40
#define RESOLVE_OPENAT2_RETRIES 16

/* Test hook (see resolve.h); argon itself never sets it. */
static bool fallback_forced;

void resolve_force_fallback(bool on)
{
	fallback_forced = on;
}

enum walk_mode {
	WALK_OPEN,	/* open the last component with the caller's flags */
	WALK_MKDIR,	/* create every missing directory, return O_PATH dir */
};

struct walk {
	enum walk_mode mode;
	int flags;		/* WALK_OPEN: the caller's open flags */
	mode_t perm;		/* creation mode (files or directories) */
	int *dirs;		/* dirs[0] is the root (not owned), then owned fds */
	size_t n, cap;
	char *todo;		/* the path still to resolve (owned) */
	size_t pos;		/* next unread byte of todo */
	unsigned links;
};

static void walk_free(struct walk *w)
{
	for (size_t i = 1; i < w->n; i++)
		close(w->dirs[i]);
	free(w->dirs);
	free(w->todo);
}

static int walk_top(const struct walk *w)
{
	return w->dirs[w->n - 1];
}

static void walk_push(struct walk *w, int fd)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 16;
		w->dirs = xrealloc(w->dirs, w->cap * sizeof *w->dirs);
	}
	w->dirs[w->n++] = fd;
}

/* ".." below the root stays at the root, like RESOLVE_IN_ROOT. */
static void walk_pop(struct walk *w, size_t keep)
{
	while (w->n > keep && w->n > 1)
		close(w->dirs[--w->n]);
}

/* Copies the next component into name; returns 0 at the end of the path,
 * 1 with a component, -1 (errno) when it is too long. *last tells whether
 * nothing at all follows it (a trailing slash makes it a directory step). */
static int walk_next(struct walk *w, char name[static NAME_MAX + 1], bool *last)
{
	const char *p = w->todo + w->pos;
	size_t len;

	while (*p == '/')
		p++;
	if (*p == '\0')
		return 0;
	len = strcspn(p, "/");
	if (len > NAME_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(name, p, len);
	name[len] = '\0';
	w->pos = (size_t)(p + len - w->todo);
	*last = p[len] == '\0';
	return 1;
}

/* Replaces the consumed part of the path with the link's target. */
static int walk_follow(struct walk *w, int linkfd)
{
	char target[PATH_MAX];
	ssize_t n;
	const char *rest = w->todo + w->pos;
	char *next;

	if (++w->links > RESOLVE_MAX_LINKS) {
		errno = ELOOP;
		return -1;
	}
	n = readlinkat(linkfd, "", target, sizeof target - 1);
	if (n < 0)
		return -1;
	if (n == 0) {
		errno = ENOENT;
		return -1;
	}
	target[n] = '\0';
	next = xasprintf("%s%s", target, rest);
	free(w->todo);
	w->todo = next;
	w->pos = 0;
	if (target[0] == '/')
		walk_pop(w, 1);
	return 0;
}

/* Opens (or, in WALK_MKDIR, creates then opens) one intermediate component
 * without following it. */
static int walk_probe(struct walk *w, const char *name)
{
	int fd = openat(walk_top(w), name, O_PATH | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT && w->mode == WALK_MKDIR) {
		if (mkdirat(walk_top(w), name, w->perm) < 0 && errno != EEXIST)
			return -1;
		fd = openat(walk_top(w), name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	}
	return fd;
}

/* Reopens a checked non-symlink with the caller's flags and makes sure it
 * is still the inode we checked (a swap in between is refused). */
static int walk_reopen(struct walk *w, const char *name, const struct stat *want)
{
	int fd = openat(walk_top(w), name, w->flags | O_NOFOLLOW | O_CLOEXEC, w->perm);
	struct stat st;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || st.st_dev != want->st_dev || st.st_ino != want->st_ino) {
		close(fd);
		errno = EAGAIN;
		return -1;
	}
	return fd;
}

/* The last component in WALK_OPEN. Returns an fd, -1 (errno) on error, or
 * -2 after splicing in a symlink to resolve further. */
static int walk_last(struct walk *w, const char *name)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	int cflags = w->flags & (O_CREAT | O_EXCL);

	if (cflags == (O_CREAT | O_EXCL))	/* never follows, EEXIST on a link */
		return openat(walk_top(w), name, w->flags | O_NOFOLLOW | O_CLOEXEC, w->perm);
	fd = openat(walk_top(w), name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && (w->flags & O_CREAT))
		return openat(walk_top(w), name, w->flags | O_NOFOLLOW | O_CLOEXEC, w->perm);
	if (fd < 0 || fstat(fd, &st) < 0)
		return -1;
	if (!S_ISLNK(st.st_mode))
		return walk_reopen(w, name, &st);
	if (w->flags & O_NOFOLLOW) {
		if (w->flags & O_PATH)
			return steal_fd(&fd);
		errno = ELOOP;
		return -1;
	}
	return walk_follow(w, fd) < 0 ? -1 : -2;
}

/* One intermediate step: a directory is entered, a symlink spliced in. */
static int walk_step(struct walk *w, const char *name)
{
	_cleanup_close_ int fd = walk_probe(w, name);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		return -1;
	if (S_ISLNK(st.st_mode))
		return walk_follow(w, fd);
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	walk_push(w, steal_fd(&fd));
	return 0;
}

/* The path ended on a directory ("/", "a/..", "a/"). */
static int walk_end(struct walk *w)
{
	if (w->mode == WALK_MKDIR)
		return openat(walk_top(w), ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	return openat(walk_top(w), ".", w->flags | O_CLOEXEC, w->perm);
}

static int walk_run(struct walk *w)
{
	char name[NAME_MAX + 1];
	bool last;

	for (;;) {
		int r = walk_next(w, name, &last);

		if (r < 0)
			return -1;
		if (r == 0)
			return walk_end(w);
		if (strcmp(name, ".") == 0)
			continue;
		if (strcmp(name, "..") == 0) {
			walk_pop(w, w->n - 1);
			continue;
		}
		if (last && w->mode == WALK_OPEN) {
			r = walk_last(w, name);
			if (r != -2)
				return r;
			continue;
		}
		if (walk_step(w, name) < 0)
			return -1;
	}
}

static int walk_path(int rootfd, const char *path, enum walk_mode mode, int flags,
		     mode_t perm)
{
	struct walk w = { .mode = mode, .flags = flags, .perm = perm };
	int fd, saved;

	if (path[0] == '\0') {
		errno = ENOENT;
		return -1;
	}
	walk_push(&w, rootfd);
	w.todo = xstrdup(path);
	fd = walk_run(&w);
	saved = errno;
	walk_free(&w);
	errno = saved;
	return fd;
}

static int openat2_in_root(int rootfd, const char *path, int flags, mode_t perm)
{
	struct open_how how = {
		.flags = (unsigned)(flags | O_CLOEXEC),
		/* O_TMPFILE contains O_DIRECTORY's bit: test it whole. */
		.mode = ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) ? perm : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd = -1;

	/* EAGAIN: a rename raced with ".." resolution; the kernel asks to retry. */
	for (int i = 0; i < RESOLVE_OPENAT2_RETRIES; i++) {
		fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
		if (fd >= 0 || errno != EAGAIN)
			break;
	}
	return fd;
}

/* Mode for files created by resolve_open(O_CREAT): the header has no mode
 * argument, and a plain file readable by all is what callers want. */
#define RESOLVE_FILE_MODE 0644

static int open_in_root(int rootfd, const char *path, int flags)
{
	if (!fallback_forced) {
		int fd = openat2_in_root(rootfd, path, flags, RESOLVE_FILE_MODE);
		if (fd >= 0 || errno != ENOSYS)
			return fd;
	}
	return walk_path(rootfd, path, WALK_OPEN, flags, RESOLVE_FILE_MODE);
}

int resolve_open(int rootfd, const char *path, int flags, struct ar_err *err)
{
	int fd = open_in_root(rootfd, path, flags);

	if (fd < 0)
		return ar_error(err, errno, "open `%s`", path);
	return fd;
}

int resolve_mkdir_p(int rootfd, const char *path, mode_t mode, struct ar_err *err)
{
	int fd = open_in_root(rootfd, path, O_PATH | O_DIRECTORY);

	/* Something is missing: the walk creates it, each step checked. */
	if (fd < 0 && errno == ENOENT)
		fd = walk_path(rootfd, path, WALK_MKDIR, 0, mode);
	if (fd < 0)
		return ar_error(err, errno, "create directory `%s`", path);
	return fd;
}

/* Splits "a/b/c" into a directory part ("a/b", "/" or ".") and the last
 * name; both are fresh strings. */
static void split_path(const char *path, char **dir, char **base)
{
	char *copy = xstrdup(path);
	size_t len = strlen(copy);
	char *slash;

	while (len > 1 && copy[len - 1] == '/')
		copy[--len] = '\0';
	slash = strrchr(copy, '/');
	if (slash == NULL) {
		*dir = xstrdup(".");
		*base = copy;
		return;
	}
	*base = xstrdup(slash + 1);
	if (slash == copy)
		slash[1] = '\0';
	else
		*slash = '\0';
	*dir = copy;
}

/* The file branch of resolve_mount_target for one path. Returns the target
 * fd, -1 on error, or -2 with *next set to a dangling symlink's target path
 * (which is then created instead, inside the root). */
static int file_target(int rootfd, const char *path, char **next, struct ar_err *err)
{
	_cleanup_free_ char *dir = NULL, *base = NULL;
	_cleanup_close_ int parent = -1, fd = -1;
	char target[PATH_MAX];
	ssize_t n;

	split_path(path, &dir, &base);
	if (base[0] == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return resolve_open(rootfd, path, O_PATH, err);
	parent = resolve_mkdir_p(rootfd, dir, 0755, err);
	if (parent < 0)
		return -1;
	fd = openat(parent, base, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 && errno != EEXIST)
		return ar_error(err, errno, "create `%s`", path);
	if (fd >= 0)
		close(steal_fd(&fd));
	fd = open_in_root(rootfd, path, O_PATH);
	if (fd >= 0 || errno != ENOENT)
		return fd >= 0 ? steal_fd(&fd) : ar_error(err, errno, "open `%s`", path);
	/* ENOENT although the name exists: a dangling symlink. */
	n = readlinkat(parent, base, target, sizeof target - 1);
	if (n <= 0)
		return ar_error(err, n < 0 ? errno : ENOENT, "open `%s`", path);
	target[n] = '\0';
	*next = target[0] == '/' ? xstrdup(target) : xasprintf("%s/%s", dir, target);
	return -2;
}

int resolve_mount_target(int rootfd, const char *path, bool want_dir, struct ar_err *err)
{
	_cleanup_free_ char *cur = NULL;

	if (want_dir)
		return resolve_mkdir_p(rootfd, path, 0755, err);
	cur = xstrdup(path);
	for (int i = 0; i <= RESOLVE_MAX_LINKS; i++) {
		char *next = NULL;
		int fd = file_target(rootfd, cur, &next, err);

		if (fd != -2)
			return fd;
		free(cur);
		cur = next;
	}
	return ar_error(err, ELOOP, "create `%s`", path);
}
