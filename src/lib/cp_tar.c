/* argon — docker cp's tar streams: the sink that writes a walked tree as
 * a tar (`cp CONTAINER:SRC -`), and the extraction of a tar read from
 * stdin into a directory (`cp - CONTAINER:DEST`).
 *
 * Extraction trusts nothing in the archive: names are cleaned and ".."
 * refused, parents are reached one component at a time with O_NOFOLLOW
 * from the destination's fd (a symlink on the way is refused, so an entry
 * "link/x" after "link -> /etc" cannot land outside), and every entry is
 * made by cp_place (temporary name, rename). Directories get their mode
 * and times once the archive is done: making their entries changes them.
 */
#include "lazy_archive.h"
#include "cp_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "tarwrite.h"
#include "util.h"

#define CP_TAR_BLOCK (64 * 1024)

static int arch_fail(struct archive *a, struct ar_err *err, const char *what, const char *path)
{
	const char *why = archive_error_string(a);
	int e = archive_errno(a);

	return ar_fail(err, e > 0 ? e : EIO, "%s `%s`: %s", what, path,
		       why ? why : "libarchive failed");
}

/* ------------------------------------------------------------ the tar sink */


int cp_tar_writer_open(struct cp_walk *w, int outfd, struct ar_err *err)
{
	w->a = archive_write_new();
	if (w->a == NULL)
		abort();	/* OOM, as xmalloc */
	if (archive_write_set_format_pax_restricted(w->a) != ARCHIVE_OK ||
	    archive_write_add_filter_none(w->a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(w->a, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(w->a, outfd) != ARCHIVE_OK)
		return arch_fail(w->a, err, "open", "tar output");
	return 0;
}

int cp_tar_writer_close(struct cp_walk *w, bool ok, struct ar_err *err)
{
	int r = 0;

	/* After a failure no end-of-archive: a reader sees the stream cut. */
	if (w->a && !ok)
		archive_write_fail(w->a);
	else if (w->a && archive_write_close(w->a) != ARCHIVE_OK)
		r = arch_fail(w->a, err, "finish", "tar output");
	if (w->a)
		archive_write_free(w->a);
	w->a = NULL;
	tar_links_free(&w->links);
	w->links = NULL;
	return r;
}

/* Only what makes up the entry: no atime/ctime, no dev/ino, no names. */

static int put_header(struct cp_walk *w, struct archive_entry *e, const char *path,
		      struct ar_err *err)
{
	int r = archive_write_header(w->a, e);

	archive_entry_free(e);
	if (r < ARCHIVE_WARN)
		return arch_fail(w->a, err, "write tar header for", path);
	w->st.entries++;
	return 0;
}

/* A second name of an inode already written: a hard link entry (*done). */
static int try_hardlink(struct cp_walk *w, const char *path, const struct stat *st, bool *done,
			struct ar_err *err)
{
	struct archive_entry *e = tar_hardlink_entry(&w->links, path, st);

	*done = e != NULL;
	return e ? put_header(w, e, path, err) : 0;
}

static int copy_data(struct cp_walk *w, int fd, const char *path, off_t size,
		     struct ar_err *err)
{
	while (size > 0) {
		ssize_t n = read(fd, w->buf, size < CP_BUF ? (size_t)size : CP_BUF);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ar_error(err, errno, "read `%s`", path);
		if (n == 0)
			return ar_fail(err, EAGAIN, "`%s` shrank while being read", path);
		if (archive_write_data(w->a, w->buf, (size_t)n) < 0)
			return arch_fail(w->a, err, "write data of", path);
		w->st.bytes += (uint64_t)n;
		size -= n;
	}
	return 0;
}

static int tar_put(struct cp_walk *w, struct cp_at *at, const char *name, const struct stat *st,
		   int datafd, const char *link, struct ar_err *err)
{
	_cleanup_free_ char *path = cp_join(at->path, name);
	struct archive_entry *e;
	bool linked;

	if (try_hardlink(w, path, st, &linked, err) < 0 || linked)
		return linked ? 0 : -1;
	e = tar_entry_new(path, st);
	if (link)
		archive_entry_copy_symlink(e, link);
	if (put_header(w, e, path, err) < 0)
		return -1;
	return datafd >= 0 ? copy_data(w, datafd, path, st->st_size, err) : 0;
}

static int tar_dir_open(struct cp_walk *w, struct cp_at *at, const char *name,
			const struct stat *st, struct cp_at *in, struct ar_err *err)
{
	in->path = cp_join(at->path, name);
	if (put_header(w, tar_entry_new(in->path, st), in->path, err) < 0) {
		free(steal_ptr(&in->path));
		return -1;
	}
	return 0;
}

static int tar_dir_close(struct cp_walk *w, struct cp_at *at, const char *name,
			 const struct stat *st, struct cp_at *in, bool ok, struct ar_err *err)
{
	free(steal_ptr(&in->path));
	return ok ? 0 : -1;
}

const struct cp_sink_ops cp_tar_sink = {
	.put = tar_put,
	.dir_open = tar_dir_open,
	.dir_close = tar_dir_close,
};

/* ------------------------------------------------------------ extraction */

struct fixup {
	char *path;
	struct cp_node meta;
};

struct tx {
	struct cp_walk *w;
	struct archive *a;
	int dirfd;		/* the destination directory */
	struct archive_entry *cur;	/* the entry being made */
	struct fixup *fix;
	size_t n_fix, cap_fix;
};

static struct archive *reader_new(struct ar_err *err)
{
	struct archive *a = archive_read_new();

	if (a == NULL)
		abort();	/* OOM */
	/* Built-in decoders only: no external programs. */
	if (archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    archive_read_support_format_empty(a) != ARCHIVE_OK ||
	    archive_read_support_filter_none(a) != ARCHIVE_OK ||
	    archive_read_support_filter_gzip(a) != ARCHIVE_OK ||
	    archive_read_support_filter_zstd(a) != ARCHIVE_OK ||
	    archive_read_support_filter_xz(a) != ARCHIVE_OK ||
	    archive_read_support_filter_bzip2(a) != ARCHIVE_OK) {
		arch_fail(a, err, "set up", "tar reader");
		archive_read_free(a);
		return NULL;
	}
	return a;
}

/* The entry name relative to the destination ("" for itself), or an
 * error for a name that climbs out. */
static int tx_norm(const char *raw, char **out, struct ar_err *err)
{
	_cleanup_free_ char *clean = path_clean(raw);

	if (clean == NULL)
		return ar_fail(err, EINVAL, "`%s`: path leaves the destination", raw);
	if (strlen(clean) >= PATH_MAX)
		return ar_fail(err, ENAMETOOLONG, "`%s`: path too long", raw);
	*out = xstrdup(clean + 1);
	return 0;
}

/* A missing parent: 0755, owned as the entries are without -a. */
static int tx_mkdir(struct tx *x, int cur, const char *name, struct ar_err *err)
{
	_cleanup_close_ int fd = -1;

	if (mkdirat(cur, name, 0700) < 0 && errno != EEXIST)
		return ar_error(err, errno, "create directory `%s`", name);
	fd = openat(cur, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return ar_error(err, errno, "open directory `%s`", name);
	if (fchown(fd, x->w->uid, x->w->gid) < 0 || fchmod(fd, 0755) < 0)
		return ar_error(err, errno, "set up directory `%s`", name);
	return steal_fd(&fd);
}

/* Opens the directory `dir` (cleaned, relative) below the destination
 * without following anything; missing ones are made when `create`. */
static int tx_open_dir(struct tx *x, const char *dir, bool create, struct ar_err *err)
{
	_cleanup_close_ int cur = fcntl(x->dirfd, F_DUPFD_CLOEXEC, 3);
	_cleanup_free_ char *copy = xstrdup(dir);
	char *save = NULL;

	if (cur < 0)
		return ar_error(err, errno, "duplicate the destination fd");
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		int fd = openat(cur, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (fd < 0 && errno == ENOENT && create) {
			fd = tx_mkdir(x, cur, c, err);
			if (fd < 0)
				return -1;
		}
		if (fd < 0 && (errno == ENOTDIR || errno == ELOOP))
			return ar_fail(err, errno, "`%s` is a symlink or not a directory", c);
		if (fd < 0)
			return ar_error(err, errno, "open `%s`", c);
		close(cur);
		cur = fd;
	}
	return steal_fd(&cur);
}

static int tx_fill(int fd, void *data, struct ar_err *err)
{
	struct tx *x = data;
	uint64_t end = 0;

	for (;;) {
		const void *buf;
		size_t size;
		la_int64_t off;
		int r = archive_read_data_block(x->a, &buf, &size, &off);

		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			return arch_fail(x->a, err, "read", "data");
		if (off < 0 || (uint64_t)off > (uint64_t)INT64_MAX - size)
			return ar_fail(err, EINVAL, "data offset out of range");
		for (size_t done = 0; done < size;) {
			ssize_t n = pwrite(fd, (const char *)buf + done, size - done,
					   (off_t)(off + (la_int64_t)done));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return ar_error(err, n < 0 ? errno : EIO, "write");
			done += (size_t)n;
		}
		x->w->st.bytes += size;
		if ((uint64_t)off + size > end)
			end = (uint64_t)off + size;
	}
	/* A sparse file's trailing hole. */
	if (archive_entry_size_is_set(x->cur) && archive_entry_size(x->cur) > 0 &&
	    (uint64_t)archive_entry_size(x->cur) > end)
		end = (uint64_t)archive_entry_size(x->cur);
	if (end > (uint64_t)INT64_MAX)
		return ar_fail(err, EFBIG, "file size out of range");
	return ftruncate(fd, (off_t)end) < 0 ? ar_error(err, errno, "set file size") : 0;
}

/* The entry's metadata as the node to make (owner per -a). */
static void tx_node(const struct tx *x, struct archive_entry *e, struct cp_node *n)
{
	*n = (struct cp_node){
		.mode = archive_entry_filetype(e) | (archive_entry_perm(e) & 07777),
		.uid = x->w->archive ? (uid_t)archive_entry_uid(e) : x->w->uid,
		.gid = x->w->archive ? (gid_t)archive_entry_gid(e) : x->w->gid,
		.rdev = makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e)),
		.hl_dirfd = -1,
	};
	if (!archive_entry_mtime_is_set(e)) {
		n->times[0].tv_nsec = n->times[1].tv_nsec = UTIME_NOW;
		return;
	}
	n->times[1].tv_sec = archive_entry_mtime(e);
	n->times[1].tv_nsec = archive_entry_mtime_nsec(e);
	n->times[0] = n->times[1];
	if (archive_entry_atime_is_set(e)) {
		n->times[0].tv_sec = archive_entry_atime(e);
		n->times[0].tv_nsec = archive_entry_atime_nsec(e);
	}
	for (int i = 0; i < 2; i++)
		if (n->times[i].tv_nsec < 0 || n->times[i].tv_nsec >= 1000000000)
			n->times[i].tv_nsec = 0;
}

/* A directory entry: kept when it exists (its metadata applied at the
 * end, as docker merges), made when missing. */
static int tx_dir(struct tx *x, int pfd, const char *name, const char *path,
		  const struct cp_node *n, struct ar_err *err)
{
	struct stat st;
	struct fixup *f;

	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISDIR(st.st_mode))
			return ar_fail(err, ENOTDIR, "cannot overwrite non-directory `%s` with "
				       "directory", path);
	} else if (errno != ENOENT || mkdirat(pfd, name, 0700) < 0) {
		return ar_error(err, errno, "create directory `%s`", path);
	}
	if (x->n_fix == x->cap_fix) {
		x->cap_fix = x->cap_fix ? 2 * x->cap_fix : 16;
		x->fix = xrealloc(x->fix, x->cap_fix * sizeof *x->fix);
	}
	f = &x->fix[x->n_fix++];
	f->path = xstrdup(path);
	f->meta = *n;
	x->w->st.entries++;
	return 0;
}

/* A hard link's target: an entry made before, reached without following
 * anything, not a directory. Sets n->hl_dirfd (owned by the caller). */
static int tx_hardlink(struct tx *x, const char *target, struct cp_node *n, char **tname,
		       struct ar_err *err)
{
	_cleanup_free_ char *t = NULL;
	char *slash;
	struct stat st;

	if (tx_norm(target, &t, err) < 0)
		return -1;
	slash = strrchr(t, '/');
	*tname = xstrdup(slash ? slash + 1 : t);
	if (slash)
		*slash = '\0';
	n->hl_dirfd = tx_open_dir(x, slash ? t : "", false, err);
	if (n->hl_dirfd < 0)
		return ar_err_prefix(err, "hard link target `%s`", target);
	n->hl_name = *tname;
	if (**tname == '\0' || fstatat(n->hl_dirfd, *tname, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return ar_error(err, **tname ? errno : EISDIR, "hard link target `%s`", target);
	if (S_ISDIR(st.st_mode))
		return ar_fail(err, EPERM, "hard link target `%s` is a directory", target);
	return 0;
}

static int tx_make(struct tx *x, struct archive_entry *e, int pfd, const char *name,
		   const char *path, struct ar_err *err)
{
	const char *hl = archive_entry_hardlink(e);
	_cleanup_free_ char *tname = NULL;
	struct cp_node n;
	int r;

	tx_node(x, e, &n);
	if (hl) {
		r = tx_hardlink(x, hl, &n, &tname, err);
		if (r == 0)
			r = cp_place(pfd, name, false, &n, path, err);
		if (n.hl_dirfd >= 0)
			close(n.hl_dirfd);
		return r;
	}
	switch (archive_entry_filetype(e)) {
	case AE_IFDIR:
		return tx_dir(x, pfd, name, path, &n, err);
	case AE_IFREG:
		n.fill = tx_fill;
		n.fill_data = x;
		break;
	case AE_IFLNK:
		n.link = archive_entry_symlink(e);
		if (n.link == NULL || *n.link == '\0')
			return ar_fail(err, EINVAL, "symlink `%s` without a target", path);
		break;
	case AE_IFIFO: case AE_IFCHR: case AE_IFBLK:
		break;
	case AE_IFSOCK:
		return 0;
	default:
		return ar_fail(err, EINVAL, "`%s`: unsupported entry type", path);
	}
	return cp_place(pfd, name, false, &n, path, err);
}

static int tx_entry(struct tx *x, struct archive_entry *e, struct ar_err *err)
{
	const char *raw = archive_entry_pathname(e);
	_cleanup_free_ char *path = NULL, *dir = NULL;
	_cleanup_close_ int pfd = -1;
	char *slash;
	int r;

	if (raw == NULL)
		return ar_fail(err, EINVAL, "tar entry without a name");
	if (tx_norm(raw, &path, err) < 0)
		return -1;
	if (*path == '\0')
		return 0;	/* "." or "/": the destination itself, kept */
	dir = xstrdup(path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	pfd = tx_open_dir(x, slash ? dir : "", true, err);
	if (pfd < 0)
		return ar_err_prefix(err, "`%s`", path);
	x->cur = e;
	r = tx_make(x, e, pfd, slash ? slash + 1 : path, path, err);
	if (r == 0 && archive_entry_filetype(e) != AE_IFDIR)
		x->w->st.entries++;
	return r;
}

/* Directories' mode, owner and times, reached again from the top; one
 * replaced or moved meanwhile is left alone. */
static void tx_fixups(struct tx *x)
{
	for (size_t i = x->n_fix; i-- > 0;) {
		struct ar_err ignored = { 0 };
		struct fixup *f = &x->fix[i];
		char *slash = strrchr(f->path, '/');
		_cleanup_close_ int pfd = -1, fd = -1;

		if (slash)
			*slash = '\0';
		pfd = tx_open_dir(x, slash ? f->path : "", false, &ignored);
		if (pfd >= 0)
			fd = openat(pfd, slash ? slash + 1 : f->path,
				    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			cp_meta_fd(fd, &f->meta, &ignored);
		ar_err_clear(&ignored);
	}
}

static int tx_loop(struct tx *x, struct ar_err *err)
{
	for (;;) {
		struct archive_entry *e;
		int r = archive_read_next_header(x->a, &e);

		if (r == ARCHIVE_EOF)
			return 0;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			return arch_fail(x->a, err, "read", "tar input");
		if (tx_entry(x, e, err) < 0)
			return -1;
	}
}

int cp_tar_extract(struct cp_walk *w, int infd, int dirfd, struct ar_err *err)
{
	struct tx x = { .w = w, .dirfd = dirfd };
	int r;

	x.a = reader_new(err);
	if (x.a == NULL)
		return -1;
	if (archive_read_open_fd(x.a, infd, CP_TAR_BLOCK) != ARCHIVE_OK)
		r = arch_fail(x.a, err, "open", "tar input");
	else
		r = tx_loop(&x, err);
	/* Also after a failure: what was made is whole, so it is finished. */
	tx_fixups(&x);
	for (size_t i = 0; i < x.n_fix; i++)
		free(x.fix[i].path);
	free(x.fix);
	archive_read_free(x.a);
	return r;
}
