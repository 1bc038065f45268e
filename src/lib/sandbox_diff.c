/* argon — what a container changed (sandbox_diff) and size strings
 * (parse_size). See sandbox.h.
 *
 * The upper dir is walked in sorted order against the merged view of the
 * lower layers, looked up the way overlayfs does (top-most first, never
 * following a symlink; a whiteout, a non-directory or an opaque directory
 * hides what lies below). Two simplifications: an opaque upper directory
 * (the container removed a directory and made it again) is reported 'C',
 * and the lower entries it hides are not each reported 'D'; its children
 * are 'C' when the same name existed before, else 'A'. A non-directory
 * replacing a directory is likewise one 'C'. A whiteout is 'D' even when
 * no lower holds the name (overlay only makes one when some did).
 */
#define _GNU_SOURCE
#include "sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "sandbox_priv.h"
#include "util.h"

#define DIFF_MAX_DEPTH 512

static bool is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == 0;
}

static bool fd_opaque(int fd)
{
	char v[2];

	return fgetxattr(fd, "trusted.overlay.opaque", v, sizeof v) == 1 && v[0] == 'y';
}

/* The walk keeps, per upper directory, the lower layers (indices, top-most
 * first) whose same directory shows through in the merged view; below a
 * whiteout, a non-directory or an opaque directory nothing shows. Lookups
 * use the path from the layer root: every component of it is a real
 * directory in those layers, checked on the way down. */
struct diff {
	sandbox_change_fn fn;
	void *data;
	const int *lower;
	struct ar_err *err;
};

/* 1 when `rel` is in the merged lower view, 0 when not, -errno. */
static int lower_has(const struct diff *d, const size_t *set, size_t n, const char *rel)
{
	struct stat st;

	for (size_t i = 0; i < n; i++) {
		if (fstatat(d->lower[set[i]], rel, &st, AT_SYMLINK_NOFOLLOW) == 0)
			return !is_whiteout(&st);
		if (errno != ENOENT)
			return -errno;
	}
	return 0;
}

/* Fills `out` with the layers of `set` where `rel` is a directory that
 * shows through; returns their count or -errno. */
static ssize_t lower_dirs(const struct diff *d, const size_t *set, size_t n, const char *rel,
			  size_t *out)
{
	size_t m = 0;

	for (size_t i = 0; i < n; i++) {
		int fd = openat(d->lower[set[i]], rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			       O_CLOEXEC);
		bool opaque;

		if (fd < 0 && errno == ENOENT)
			continue;
		if (fd < 0 && (errno == ENOTDIR || errno == ELOOP))
			break;	/* a whiteout or non-directory hides what is below */
		if (fd < 0)
			return -errno;
		out[m++] = set[i];
		opaque = fd_opaque(fd);
		close(fd);
		if (opaque)
			break;
	}
	return (ssize_t)m;
}

static int diff_walk(const struct diff *d, int upfd, const char *rel, const size_t *set,
		     size_t n, int depth);

static int diff_subdir(const struct diff *d, int upfd, const char *name, const char *rel,
		       const size_t *set, size_t n, int depth)
{
	_cleanup_close_ int fd = openat(upfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_free_ size_t *sub = xcalloc(n ? n : 1, sizeof *sub);
	ssize_t m;

	if (fd < 0)
		return ar_error(d->err, errno, "open upper `/%s`", rel);
	m = lower_dirs(d, set, n, rel, sub);
	if (m < 0)
		return ar_error(d->err, (int)-m, "look up `/%s` in the image layers", rel);
	return diff_walk(d, fd, rel, sub, (size_t)m, depth + 1);
}

static int diff_walk(const struct diff *d, int upfd, const char *rel, const size_t *set,
		     size_t n, int depth)
{
	_cleanup_strv_ char **names = NULL;

	if (depth > DIFF_MAX_DEPTH)
		return ar_error(d->err, ELOOP, "upper `/%s`: more than %d levels deep", rel,
				DIFF_MAX_DEPTH);
	names = dir_sorted_names(upfd);
	if (names == NULL)
		return ar_error(d->err, errno, "read upper `/%s`", rel);
	for (char **nm = names; *nm; nm++) {
		_cleanup_free_ char *child = *rel ? xasprintf("%s/%s", rel, *nm) : xstrdup(*nm);
		_cleanup_free_ char *abs = xasprintf("/%s", child);
		struct stat st;
		int in_lower, r;

		if (fstatat(upfd, *nm, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return ar_error(d->err, errno, "stat upper `%s`", abs);
		in_lower = lower_has(d, set, n, child);
		if (in_lower < 0)
			return ar_error(d->err, -in_lower, "look up `%s` in the image layers", abs);
		r = d->fn(is_whiteout(&st) ? 'D' : in_lower ? 'C' : 'A', abs, d->data);
		if (r < 0) {
			ar_error(d->err, ECANCELED, "diff stopped at `%s`", abs);
			return r;
		}
		if (S_ISDIR(st.st_mode) && (r = diff_subdir(d, upfd, *nm, child, set, n, depth)) < 0)
			return r;
	}
	return 0;
}

static int diff_run(const char *upper, char *const *lowers, size_t n, sandbox_change_fn fn,
		    void *data, struct ar_err *err)
{
	_cleanup_free_ int *fds = xcalloc(n, sizeof *fds);
	_cleanup_free_ size_t *all = xcalloc(n, sizeof *all);
	_cleanup_close_ int upfd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct diff d = { fn, data, fds, err };
	size_t opened = 0;
	int r = -1;

	if (upfd < 0)
		return ar_error(err, errno, "open upper `%s`", upper);
	for (; opened < n; opened++) {
		all[opened] = opened;
		fds[opened] = open(lowers[opened], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fds[opened] < 0) {
			ar_error(err, errno, "open layer `%s`", lowers[opened]);
			goto out;
		}
	}
	r = diff_walk(&d, upfd, "", all, n, 0);
out:
	while (opened > 0)
		close(fds[--opened]);
	return r;
}

int sandbox_diff(const char *dir, char *const *lowers, size_t n_lowers, sandbox_change_fn fn,
		 void *data, struct ar_err *err)
{
	_cleanup_free_ char *upper = NULL;
	bool mounted;
	int r;

	if (sandbox_check_dir(dir, err) < 0)
		return -1;
	if (n_lowers > 0 && lowers == NULL)
		return ar_fail(err, EINVAL, "diff sandbox `%s`: no layer list", dir);
	if (sandbox_fs_mount(dir, &mounted, err) < 0)
		return ar_err_prefix(err, "diff sandbox `%s`", dir);
	upper = sandbox_upper_dir(dir);
	r = diff_run(upper, lowers, n_lowers, fn, data, err);
	if (mounted)
		sandbox_fs_unmount_quiet(dir);
	return r;
}

/* ---- sizes ---- */

static int size_shift(const char **p)
{
	static const char units[] = "kmgtp";
	const char *u = **p ? strchr(units, **p | 0x20) : NULL;
	int shift = 0;

	if (u) {
		shift = 10 * (int)(u - units + 1);
		(*p)++;
		if ((**p | 0x20) == 'i')
			(*p)++;
	}
	if ((**p | 0x20) == 'b')
		(*p)++;
	return **p ? -1 : shift;
}

int parse_size(const char *s, uint64_t *out, struct ar_err *err)
{
	unsigned __int128 v = 0, frac = 0, scale = 1;
	const char *p = s;
	int shift;

	if (s == NULL || *p < '0' || *p > '9')
		goto bad;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((v = v * 10 + (unsigned)(*p - '0')) > UINT64_MAX)
			return ar_fail(err, ERANGE, "size `%s` is too large", s);
	if (*p == '.') {
		if (*++p < '0' || *p > '9')
			goto bad;
		for (; *p >= '0' && *p <= '9'; p++)
			if (scale < 1000000000000000000ull) {	/* finer digits cannot matter */
				frac = frac * 10 + (unsigned)(*p - '0');
				scale *= 10;
			}
	}
	shift = size_shift(&p);
	if (shift < 0)
		goto bad;
	v = (v << shift) + ((frac << shift) / scale);
	if (v > UINT64_MAX)
		return ar_fail(err, ERANGE, "size `%s` is too large", s);
	if (v == 0)
		return ar_fail(err, EINVAL, "size `%s` is zero", s);
	*out = (uint64_t)v;
	return 0;
bad:
	return ar_fail(err, EINVAL, "invalid size `%s` (want a number with an optional k, m, g, "
			"t or p suffix, e.g. `10g`)", s ? s : "");
}
