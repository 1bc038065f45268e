/* argon — safe tar extraction: the reader, entry names, the parent walk,
 * deferred directory metadata, and blob decompression. One entry is
 * created by extract_entry.c; the rules are in extract.h.
 *
 * libarchive only reads. It never writes to disk (no archive_write_disk):
 * every file is created by us below a root dirfd with openat-family calls.
 */
#include "extract.h"
#include "extract_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <search.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sha256.h"
#include "util.h"

#define EXTRACT_BLOCK (64 * 1024)

int extract_refuse(struct ar_err *err, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ar_verror(err, 0, fmt, ap);
	va_end(ap);
	err->errnum = errnum;
	return -1;
}

int extract_archive_fail(struct archive *a, struct ar_err *err, const char *what)
{
	const char *msg = archive_error_string(a);
	int e = archive_errno(a);

	return extract_refuse(err, e > 0 ? e : EIO, "%s: %s", what, msg ? msg : "unknown error");
}

/* ------------------------------------------------------------ the reader */

/* A reader for tar or, when `raw`, for an opaque byte stream; both accept
 * a stream of zero bytes (an empty layer, an empty blob). Only built-in decoders: libarchive
 * answers ARCHIVE_WARN when it would run an external program instead. */
static struct archive *reader_new(bool raw, struct ar_err *err)
{
	/* Not static: the functions are resolved at run time (lazy_archive.h). */
	const struct {
		int (*add)(struct archive *);
		const char *name;
	} filters[] = {
		{ archive_read_support_filter_none, "plain" },
		{ archive_read_support_filter_gzip, "gzip" },
		{ archive_read_support_filter_zstd, "zstd" },
		{ archive_read_support_filter_xz, "xz" },
		{ archive_read_support_filter_bzip2, "bzip2" },
	};
	struct archive *a = archive_read_new();
	int r;

	if (a == NULL) {
		ar_error(err, ENOMEM, "create archive reader");
		return NULL;
	}
	r = raw ? archive_read_support_format_raw(a) : archive_read_support_format_tar(a);
	/* A stream that decodes to nothing (raw refuses it); a decoder error
	 * still fails archive_read_open. */
	if (r == ARCHIVE_OK)
		r = archive_read_support_format_empty(a);
	if (r != ARCHIVE_OK) {
		extract_archive_fail(a, err, "set up archive reader");
		archive_read_free(a);
		return NULL;
	}
	for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++) {
		if (filters[i].add(a) != ARCHIVE_OK) {
			extract_refuse(err, ENOTSUP, "libarchive has no built-in %s decoder",
				       filters[i].name);
			archive_read_free(a);
			return NULL;
		}
	}
	return a;
}

/* ------------------------------------------------------------ names */

int extract_norm_name(const char *raw, const char *what, char **out, struct ar_err *err)
{
	size_t len = strlen(raw), o = 0;
	_cleanup_free_ char *n = xmalloc(len + 1);
	const char *p = raw;

	while (*p) {
		const char *c = p;
		size_t cl;

		while (*p && *p != '/')
			p++;
		cl = (size_t)(p - c);
		if (*p)
			p++;
		if (cl == 0 || (cl == 1 && c[0] == '.'))
			continue;
		if (cl == 2 && c[0] == '.' && c[1] == '.')
			return extract_refuse(err, EINVAL, "path leaves the %s root", what);
		if (cl > NAME_MAX)
			return extract_refuse(err, ENAMETOOLONG, "name component longer than %d bytes",
					      NAME_MAX);
		if (o)
			n[o++] = '/';
		memcpy(n + o, c, cl);
		o += cl;
	}
	n[o] = '\0';
	if (o >= PATH_MAX)
		return extract_refuse(err, ENAMETOOLONG, "path longer than %d bytes", PATH_MAX - 1);
	*out = steal_ptr(&n);
	return 0;
}

const char *extract_split(char *path, const char **dir)
{
	char *slash = strrchr(path, '/');

	if (slash == NULL) {
		*dir = "";
		return path;
	}
	*slash = '\0';
	*dir = path;
	return slash + 1;
}

/* ------------------------------------------------------------ parent walk */

/* Creates a missing directory on the way: 0755 whatever the umask, and
 * in a layer root:root whatever our groups or a setgid root dir say. */
static int walk_mkdir(struct extract_ctx *x, int dirfd, const char *name, const char *path,
		      int plen, struct ar_err *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *dir = NULL;

	if (mkdirat(dirfd, name, 0700) < 0)
		return ar_error(err, errno, "create directory `%.*s`", plen, path);
	dir = xasprintf("%.*s", plen, path);
	extract_fixup_forget(x, dir);
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return ar_error(err, errno, "open directory `%.*s`", plen, path);
	if (x->mode == EXTRACT_LAYER && fchown(fd, 0, 0) < 0)
		return ar_error(err, errno, "chown directory `%.*s`", plen, path);
	if (fchmod(fd, 0755) < 0)
		return ar_error(err, errno, "chmod directory `%.*s`", plen, path);
	return steal_fd(&fd);
}

/* One step of the walk: `name` below dirfd, `path`[0..plen) for messages. */
static int walk_step(struct extract_ctx *x, int dirfd, const char *name, bool create,
		     const char *path, int plen, struct ar_err *err)
{
	struct stat st;
	int fd = openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (errno == ENOENT && create)
		return walk_mkdir(x, dirfd, name, path, plen, err);
	if (errno == ENOENT)
		return extract_refuse(err, ENOENT, "`%.*s` does not exist", plen, path);
	if (errno != ENOTDIR && errno != ELOOP)
		return ar_error(err, errno, "open `%.*s`", plen, path);
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
		return extract_refuse(err, ELOOP, "path through a symlink `%.*s`", plen, path);
	return extract_refuse(err, ENOTDIR, "`%.*s` is not a directory", plen, path);
}

int extract_open_dir(struct extract_ctx *x, const char *path, bool create,
		     struct ar_err *err)
{
	_cleanup_close_ int cur = fcntl(x->rootfd, F_DUPFD_CLOEXEC, 3);
	char name[NAME_MAX + 1];
	const char *p = path;

	if (cur < 0)
		return ar_error(err, errno, "duplicate the root fd");
	while (*p) {
		const char *c = p;
		size_t cl = strcspn(c, "/");
		int fd;

		/* Normalised paths have no empty, "." or ".." components. */
		if (cl == 0 || cl > NAME_MAX)
			return extract_refuse(err, EINVAL, "bad path `%s`", path);
		memcpy(name, c, cl);
		name[cl] = '\0';
		p = c[cl] ? c + cl + 1 : c + cl;
		fd = walk_step(x, cur, name, create, path, (int)(c + cl - path), err);
		if (fd < 0)
			return -1;
		close(cur);
		cur = fd;
	}
	return steal_fd(&cur);
}

/* ------------------------------------------------------------ directory fixups */

/* One record per path, the latest entry's. A directory created at a path
 * (again) drops the record: the one it was for is gone, and inode numbers
 * are reused too quickly to tell the two apart. */
static int fixup_cmp(const void *a, const void *b)
{
	return strcmp(((const struct dir_fixup *)a)->path, ((const struct dir_fixup *)b)->path);
}

static void fixup_free(void *p)
{
	struct dir_fixup *f = p;

	free(f->path);
	free(f);
}

void extract_fixup_add(struct extract_ctx *x, const char *path, mode_t mode,
		       const struct timespec *ts)
{
	struct dir_fixup *f = xcalloc(1, sizeof *f), **slot;

	f->path = xstrdup(path);
	slot = tsearch(f, &x->fixups, fixup_cmp);
	if (slot == NULL)
		abort();	/* out of memory, as xmalloc */
	if (*slot != f) {
		fixup_free(f);
		f = *slot;
	}
	f->mode = mode;
	f->has_times = ts != NULL;
	if (ts) {
		f->ts[0] = ts[0];
		f->ts[1] = ts[1];
	}
}

void extract_fixup_forget(struct extract_ctx *x, const char *path)
{
	struct dir_fixup key = { .path = (char *)path }, **slot;
	struct dir_fixup *f;

	slot = tfind(&key, &x->fixups, fixup_cmp);
	if (slot == NULL)
		return;
	f = *slot;
	tdelete(&key, &x->fixups, fixup_cmp);
	fixup_free(f);
}

/* Re-opens the directory safely from the root; a path that is no longer
 * a directory (or now passes a symlink) is left alone. */
static int fixup_apply(struct extract_ctx *x, const struct dir_fixup *f, struct ar_err *err)
{
	struct ar_err werr = { 0 };
	_cleanup_close_ int dfd = extract_open_dir(x, f->path, false, &werr);
	_cleanup_close_ int fd = -1;

	if (dfd < 0) {
		if (werr.errnum == ENOENT || werr.errnum == ENOTDIR || werr.errnum == ELOOP) {
			ar_err_clear(&werr);
			return 0;
		}
		*err = werr;
		return -1;
	}
	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return ar_error(err, errno, "open directory");
	if (fchmod(fd, f->mode) < 0)
		return ar_error(err, errno, "chmod directory");
	if (f->has_times && futimens(fd, f->ts) < 0)
		return ar_error(err, errno, "set directory times");
	return 0;
}

struct fixup_list {
	struct dir_fixup **v;
	size_t n, cap;
};

static void fixup_collect(const void *node, VISIT which, void *data)
{
	struct fixup_list *l = data;

	if (which != postorder && which != leaf)
		return;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n++] = *(struct dir_fixup *const *)node;
}

static int fixups_apply(struct extract_ctx *x, struct ar_err *err)
{
	struct fixup_list l = { 0 };
	int r = 0;

	twalk_r(x->fixups, fixup_collect, &l);
	for (size_t i = 0; i < l.n && r == 0; i++) {
		if (fixup_apply(x, l.v[i], err) < 0)
			r = ar_err_prefix(err, "%s entry `%s`", x->what,
					  *l.v[i]->path ? l.v[i]->path : ".");
	}
	free(l.v);
	return r;
}

/* ------------------------------------------------------------ extract_tar */

static int extract_loop(struct extract_ctx *x, struct ar_err *err)
{
	_cleanup_free_ char *what = xasprintf("read %s tar", x->what);

	for (;;) {
		struct archive_entry *e;
		int r = archive_read_next_header(x->a, &e);

		if (r == ARCHIVE_EOF)
			return 0;
		/* ARCHIVE_WARN: e.g. a name not convertible to the locale,
		 * kept as raw bytes; the entry itself is complete. */
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			return extract_archive_fail(x->a, err, what);
		x->st.entries++;
		if (extract_entry(x, e, err) < 0)
			return -1;
	}
}

int extract_tar(int fd, int rootfd, enum extract_mode mode, struct extract_stats *st,
		struct ar_err *err)
{
	struct extract_ctx x = {
		.rootfd = rootfd,
		.mode = mode,
		.what = mode == EXTRACT_LAYER ? "layer" : "archive",
	};
	int r;

	x.a = reader_new(false, err);
	if (x.a == NULL)
		return -1;
	if (archive_read_open_fd(x.a, fd, EXTRACT_BLOCK) != ARCHIVE_OK)
		r = extract_archive_fail(x.a, err, mode == EXTRACT_LAYER ? "open layer tar"
								     : "open archive tar");
	else
		r = extract_loop(&x, err);
	if (r == 0)
		r = fixups_apply(&x, err);
	if (st)
		*st = x.st;
	tdestroy(x.fixups, fixup_free);
	archive_read_free(x.a);
	return r;
}

/* ------------------------------------------------------------ blob_decompress */

struct blob_src {
	int fd;
	struct sha256 h;	/* of every byte read from fd */
	unsigned char *buf;
	size_t pending;		/* bytes in buf read ahead, not handed over yet */
};

static ssize_t read_some(int fd, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

static la_ssize_t blob_read(struct archive *a, void *data, const void **out)
{
	struct blob_src *s = data;
	ssize_t n;

	*out = s->buf;
	if (s->pending) {
		n = (ssize_t)s->pending;
		s->pending = 0;
		return n;
	}
	n = read_some(s->fd, s->buf, EXTRACT_BLOCK);
	if (n < 0) {
		archive_set_error(a, errno, "read blob");
		return -1;
	}
	sha256_update(&s->h, s->buf, (size_t)n);
	return n;
}

static int blob_copy_data(struct archive *a, int out, struct sha256 *raw, uint64_t *total,
			  struct ar_err *err)
{
	for (;;) {
		const void *buf;
		size_t size;
		la_int64_t off;
		int r = archive_read_data_block(a, &buf, &size, &off);

		if (r == ARCHIVE_EOF)
			return 0;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			return extract_archive_fail(a, err, "decompress blob");
		/* The raw format hands out the stream in order. */
		if (off < 0 || (uint64_t)off != *total)
			return extract_refuse(err, EIO, "decompress blob: data out of order");
		sha256_update(raw, buf, size);
		if (out >= 0 && write_all(out, buf, size) < 0)
			return ar_error(err, errno, "write decompressed blob");
		*total += size;
	}
}

static int blob_copy(struct blob_src *s, int out, struct sha256 *raw, uint64_t *total,
		     struct ar_err *err)
{
	struct archive *a = reader_new(true, err);
	struct archive_entry *e;
	int r;

	if (a == NULL)
		return -1;
	if (archive_read_open(a, s, NULL, blob_read, NULL) != ARCHIVE_OK)
		r = extract_archive_fail(a, err, "open blob");
	else if ((r = archive_read_next_header(a, &e)) == ARCHIVE_EOF)
		r = 0;	/* the empty format: decodes to nothing */
	else if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
		r = extract_archive_fail(a, err, "decompress blob");
	else
		r = blob_copy_data(a, out, raw, total, err);
	archive_read_free(a);
	return r;
}

static void hex32(const uint8_t d[32], char out[65])
{
	static const char hx[] = "0123456789abcdef";

	for (int i = 0; i < 32; i++) {
		out[2 * i] = hx[d[i] >> 4];
		out[2 * i + 1] = hx[d[i] & 15];
	}
	out[64] = '\0';
}

int blob_decompress(int in, int out, char compressed_hex[65], char raw_hex[65],
		    uint64_t *raw_bytes, struct ar_err *err)
{
	_cleanup_free_ unsigned char *buf = xmalloc(EXTRACT_BLOCK);
	struct blob_src s = { .fd = in, .buf = buf };
	struct sha256 raw;
	uint64_t total = 0;
	uint8_t d[32];
	ssize_t n;

	sha256_init(&s.h);
	sha256_init(&raw);
	/* libarchive's raw format refuses an empty stream: an empty blob is
	 * known here, and is its own (empty) content. */
	n = read_some(in, buf, EXTRACT_BLOCK);
	if (n < 0)
		return ar_error(err, errno, "read blob");
	if (n > 0) {
		sha256_update(&s.h, buf, (size_t)n);
		s.pending = (size_t)n;
		if (blob_copy(&s, out, &raw, &total, err) < 0)
			return -1;
		/* The digest is of the whole blob, also of what the decoder
		 * did not need (trailing bytes after the last frame). */
		while ((n = read_some(in, buf, EXTRACT_BLOCK)) > 0)
			sha256_update(&s.h, buf, (size_t)n);
		if (n < 0)
			return ar_error(err, errno, "read blob");
	}
	sha256_final(&s.h, d);
	hex32(d, compressed_hex);
	sha256_final(&raw, d);
	hex32(d, raw_hex);
	if (raw_bytes)
		*raw_bytes = total;
	return 0;
}
