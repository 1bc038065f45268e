/* argon — docker cp's path rules over the safe copy (cp.h).
 *
 * An end's path is located as docker does: its directory part resolved
 * (in a container, inside the root: openat2 RESOLVE_IN_ROOT), its last
 * component lstat'ed in that directory; a symlink there is followed by
 * reading it and locating its target the same way (again inside the
 * root), for DEST always and for SRC with -L. The copy then works from
 * the directory fds got this way (cp_walk.c, cp_place.c).
 */
#include "cp_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "resolve.h"
#include "util.h"

#define CP_MAX_LINKS 40

static cp_race_fn race_fn;
static void *race_data;

void cp_set_race_hook(cp_race_fn fn, void *data)
{
	race_fn = fn;
	race_data = data;
}

void cp_race_point(const char *dst_dir)
{
	if (race_fn)
		race_fn(dst_dir, race_data);
}

/* ------------------------------------------------------------ paths */

static bool in_container(const struct cp_end *e)
{
	return e->rootfd >= 0;
}

/* "a/b/" and "a/b/." say "a directory". */
static bool asserts_dir(const char *path)
{
	size_t n = strlen(path);

	return (n > 0 && path[n - 1] == '/') || strcmp(path, ".") == 0 ||
	       (n >= 2 && strcmp(path + n - 2, "/.") == 0);
}

/* Splits a path into its directory and last name, docker's way: trailing
 * slashes dropped; "/" (and "x/..") is the directory itself, named ".". */
static void split(const char *path, char **dir, char **base)
{
	_cleanup_free_ char *p = xstrdup(path);
	size_t n = strlen(p);
	char *slash;

	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
	slash = strrchr(p, '/');
	if (strcmp(p, "/") == 0 || strcmp(slash ? slash + 1 : p, "..") == 0) {
		*dir = xstrdup(p);
		*base = xstrdup(".");
		return;
	}
	*base = xstrdup(slash ? slash + 1 : p);
	if (slash == NULL)
		*dir = xstrdup(".");
	else if (slash == p)
		*dir = xstrdup("/");
	else
		*dir = xasprintf("%.*s", (int)(slash - p), p);
}

/* The name SRC's entry gets in a destination directory (docker's rebase
 * name): the last name of the path as written, "." for its contents. */
static char *src_base(const char *path)
{
	char *dir, *base;

	split(path, &dir, &base);
	free(dir);
	return base;
}

/* docker's messages for a path that is not there. */
static int no_path(const struct cp_end *e, const char *path, int errnum, struct ar_err *err)
{
	if (in_container(e) && errnum == ENOENT)
		return ar_fail(err, ENOENT, "Could not find the file %s in container %s", path,
			       e->container);
	if (in_container(e))
		return ar_error(err, errnum, "stat %s in container %s", path, e->container);
	return ar_error(err, errnum, "lstat `%s`", path);
}

static int open_dir(const struct cp_end *e, const char *dir, struct ar_err *err)
{
	int fd;

	if (in_container(e))
		return resolve_open(e->rootfd, dir, O_PATH | O_DIRECTORY, err);
	fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? ar_error(err, errno, "open `%s`", dir) : fd;
}

/* Where an end's path leads. */
struct loc {
	int pfd;		/* its directory (O_PATH) */
	char *dir;		/* that directory's path */
	char *name;		/* its name there; "." for that directory itself */
	char *path;		/* the path located (a symlink's target when followed) */
	bool exists;
	struct stat st;		/* lstat of the entry */
};

static void loc_free(struct loc *l)
{
	if (l->pfd >= 0)
		close(l->pfd);
	free(l->dir);
	free(l->name);
	free(l->path);
	*l = (struct loc){ .pfd = -1 };
}

/* A symlink's target as a path to locate next: absolute ones stay (in a
 * container they are resolved inside its root), relative ones are taken
 * from the link's directory. */
static char *link_next(const struct loc *l, struct ar_err *err)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(l->pfd, l->name, target, sizeof target - 1);

	if (n <= 0) {
		ar_error(err, n < 0 ? errno : ENOENT, "read symlink `%s`", l->path);
		return NULL;
	}
	target[n] = '\0';
	return target[0] == '/' ? xstrdup(target) : cp_join(l->dir, target);
}

/* One step: the directory of l->path, and its last name lstat'ed. */
static int locate_step(const struct cp_end *e, struct loc *l, struct ar_err *err)
{
	struct ar_err derr = { 0 };

	free(l->dir);
	free(l->name);
	split(l->path, &l->dir, &l->name);
	if (l->pfd >= 0)
		close(l->pfd);
	l->pfd = open_dir(e, l->dir, &derr);
	if (l->pfd < 0) {
		int errnum = derr.errnum;

		ar_err_clear(&derr);
		return no_path(e, l->dir, errnum, err);
	}
	l->exists = fstatat(l->pfd, l->name, &l->st, AT_SYMLINK_NOFOLLOW) == 0;
	if (!l->exists && errno != ENOENT)
		return no_path(e, l->path, errno, err);
	return 0;
}

static int locate(const struct cp_end *e, bool follow, struct loc *l, struct ar_err *err)
{
	*l = (struct loc){ .pfd = -1, .path = xstrdup(e->path) };
	for (int i = 0; i <= CP_MAX_LINKS; i++) {
		char *next;

		if (locate_step(e, l, err) < 0)
			return -1;
		if (!l->exists || !follow || !S_ISLNK(l->st.st_mode))
			return 0;
		next = link_next(l, err);
		if (next == NULL)
			return -1;
		free(l->path);
		l->path = next;
	}
	return no_path(e, e->path, ELOOP, err);
}

/* SRC located and required to exist; its contents when the path says "/.".
 * A trailing "/" follows a symlink to a directory, as in docker. */
static int locate_src(const struct cp_end *src, const struct cp_opts *o, struct loc *l,
		      struct ar_err *err)
{
	bool dir = asserts_dir(src->path);

	if (locate(src, o->follow || dir, l, err) < 0)
		return -1;
	if (!l->exists)
		return no_path(src, src->path, ENOENT, err);
	if (dir && !S_ISDIR(l->st.st_mode))
		return no_path(src, src->path, ENOTDIR, err);
	return 0;
}

/* ------------------------------------------------------------ copies */

static void walk_init(struct cp_walk *w, const struct cp_end *dst, const struct cp_opts *o,
		      const struct cp_sink_ops *ops)
{
	*w = (struct cp_walk){ .ops = ops, .archive = o->archive, .buf = xmalloc(CP_BUF) };
	/* docker: root:root in a container, the caller on the host. */
	w->uid = dst && !in_container(dst) ? geteuid() : 0;
	w->gid = dst && !in_container(dst) ? getegid() : 0;
}

static int walk_done(struct cp_walk *w, int r, struct cp_stats *st)
{
	if (st)
		*st = w->st;
	cp_walk_free(w);
	free(w->buf);
	return r;
}

/* The existing directory l names, opened for *at() (O_PATH). */
static int open_located_dir(const struct loc *l, struct ar_err *err)
{
	int fd = openat(l->pfd, l->name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	return fd < 0 ? ar_error(err, errno, "open directory `%s`", l->path) : fd;
}

/* SRC's entry into the directory dfd, named dname (or its contents). */
static int copy_into(struct cp_walk *w, const struct cp_end *src, const struct loc *s, int dfd,
		     const char *dpath, const char *dname, struct ar_err *err)
{
	struct cp_at at = { .dir = { .fd = dfd }, .path = (char *)dpath };

	cp_race_point(dpath);
	if (dname == NULL)
		return cp_walk_contents(w, s->pfd, src->path, &at, err);
	return cp_walk_entry(w, s->pfd, s->name, src->path, dname, &at, err);
}

/* DEST exists: into a directory, or over a regular file. */
static int copy_to_existing(struct cp_walk *w, const struct cp_end *src, const struct loc *s,
			    const struct cp_end *dst, const struct loc *d, struct ar_err *err)
{
	_cleanup_free_ char *base = NULL;
	_cleanup_close_ int dfd = -1;
	bool src_dir = S_ISDIR(s->st.st_mode);

	if (S_ISDIR(d->st.st_mode)) {
		dfd = open_located_dir(d, err);
		if (dfd < 0)
			return -1;
		base = src_base(src->path);
		return copy_into(w, src, s, dfd, d->path, strcmp(base, ".") ? base : NULL, err);
	}
	if (src_dir)
		return ar_fail(err, EISDIR, "cannot copy a directory to a file: `%s` is not a "
			       "directory", dst->path);
	if (asserts_dir(dst->path))
		return ar_fail(err, ENOTDIR, "`%s` is not a directory", dst->path);
	if (!S_ISREG(d->st.st_mode))
		return ar_fail(err, EINVAL, "destination `%s` must be a directory or a regular "
			       "file", dst->path);
	return copy_into(w, src, s, d->pfd, d->dir, d->name, err);
}

int cp_copy(const struct cp_end *src, const struct cp_end *dst, const struct cp_opts *o,
	    struct cp_stats *st, struct ar_err *err)
{
	struct loc s = { .pfd = -1 }, d = { .pfd = -1 };
	struct cp_walk w;
	int r = -1;

	walk_init(&w, dst, o, &cp_fd_sink);
	if (locate_src(src, o, &s, err) < 0 || locate(dst, true, &d, err) < 0)
		goto out;
	if (d.exists) {
		r = copy_to_existing(&w, src, &s, dst, &d, err);
	} else if (!S_ISDIR(s.st.st_mode) && asserts_dir(dst->path)) {
		r = ar_fail(err, ENOENT, "destination directory `%s` does not exist", dst->path);
	} else {
		/* Made as DEST's last name; a directory with SRC's contents. */
		r = copy_into(&w, src, &s, d.pfd, d.dir, d.name, err);
	}
out:
	loc_free(&s);
	loc_free(&d);
	return walk_done(&w, r, st);
}

int cp_to_tar(const struct cp_end *src, int outfd, const struct cp_opts *o,
	      struct cp_stats *st, struct ar_err *err)
{
	_cleanup_free_ char *base = src_base(src->path);
	struct loc s = { .pfd = -1 };
	struct cp_at at = { .dir.fd = -1, .path = "" };
	struct cp_walk w;
	int r = -1;

	walk_init(&w, NULL, o, &cp_tar_sink);
	if (locate_src(src, o, &s, err) == 0 && cp_tar_writer_open(&w, outfd, err) == 0) {
		r = cp_walk_entry(&w, s.pfd, s.name, src->path, base, &at, err);
		if (cp_tar_writer_close(&w, r == 0, err) < 0)
			r = -1;
	} else if (w.a) {
		cp_tar_writer_close(&w, false, err);
	}
	loc_free(&s);
	return walk_done(&w, r, st);
}

int cp_from_tar(int infd, const struct cp_end *dst, const struct cp_opts *o,
		struct cp_stats *st, struct ar_err *err)
{
	struct loc d = { .pfd = -1 };
	_cleanup_close_ int dfd = -1;
	struct cp_walk w;
	int r = -1;

	walk_init(&w, dst, o, NULL);
	if (locate(dst, true, &d, err) < 0)
		goto out;
	if (!d.exists || !S_ISDIR(d.st.st_mode)) {
		if (in_container(dst))
			ar_fail(err, ENOTDIR, "destination \"%s:%s\" must be a directory",
				dst->container, dst->path);
		else
			ar_fail(err, ENOTDIR, "destination `%s` must be a directory", dst->path);
		goto out;
	}
	dfd = open_located_dir(&d, err);
	if (dfd >= 0) {
		cp_race_point(d.path);
		r = cp_tar_extract(&w, infd, dfd, err);
	}
out:
	loc_free(&d);
	return walk_done(&w, r, st);
}
