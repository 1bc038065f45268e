/* Unit tests for src/lib/extract.c: every archive is built here with
 * libarchive's writer (or byte by byte where the writer cannot express the
 * hostile field), extracted into a fresh root, and checked on disk.
 *
 * Layout of each fixture: /tmp/argon-test-extract-XXXXXX/{root,sentinel,
 * layer.tar}. Hostile tests aim at sentinel/ (and /etc/passwd) by every
 * route; a snapshot of everything outside root/ (names, modes, owners,
 * times incl. ctime, contents, xattrs) plus /etc/passwd's stat is taken
 * before and after and must be identical. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "extract.h"
#include "sha256.h"
#include "unit.h"
#include "util.h"

#define T0 1600000000	/* mtime of entries unless a test sets one */

/* ------------------------------------------------------------ tree snapshots */

enum { D_CTIME = 1, D_TOP_SKIP = 2 };

static void describe_entry(int dfd, const char *name, const char *rel, FILE *out, int flags);

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void describe_dir(int dfd, const char *rel, FILE *out, int flags)
{
	DIR *d = fdopendir(dup(dfd));
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;

	if (d == NULL) {
		fprintf(out, "%s: opendir failed\n", rel);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if ((flags & D_TOP_SKIP) &&
		    (strcmp(de->d_name, "root") == 0 || strcmp(de->d_name, "layer.tar") == 0))
			continue;
		names = xrealloc(names, (n + 1) * sizeof *names);
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, name_cmp);
	for (size_t i = 0; i < n; i++) {
		char *crel = xasprintf("%s/%s", rel, names[i]);
		describe_entry(dfd, names[i], crel, out, flags & ~D_TOP_SKIP);
		free(crel);
		free(names[i]);
	}
	free(names);
}

static void describe_xattrs(int fd, FILE *out)
{
	char list[4096], val[256];
	ssize_t n = flistxattr(fd, list, sizeof list);

	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(list + i) + 1) {
		ssize_t v = fgetxattr(fd, list + i, val, sizeof val);
		fprintf(out, " xattr:%s=", list + i);
		for (ssize_t j = 0; j < v; j++)
			fprintf(out, "%02x", (unsigned char)val[j]);
	}
}

static void describe_entry(int dfd, const char *name, const char *rel, FILE *out, int flags)
{
	struct stat st;
	struct ar_err err = { 0 };
	int fd;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		fprintf(out, "%s: stat failed\n", rel);
		return;
	}
	fprintf(out, "%s %o %u:%u size=%lld mtime=%lld nlink=%lu", rel, st.st_mode, st.st_uid,
		st.st_gid, (long long)st.st_size, (long long)st.st_mtim.tv_sec,
		(unsigned long)st.st_nlink);
	if (flags & D_CTIME)
		fprintf(out, " mtime_ns=%ld ctime=%lld.%09ld", st.st_mtim.tv_nsec,
			(long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
	if (S_ISREG(st.st_mode)) {
		char *data = NULL, hex[65];
		size_t len = 0;
		if (read_file_at(dfd, name, &data, &len, &err) == 0) {
			sha256_hex(data, len, hex);
			fprintf(out, " sha=%.16s", hex);
		}
		free(data);
		ar_err_clear(&err);
	} else if (S_ISLNK(st.st_mode)) {
		char t[PATH_MAX];
		ssize_t n = readlinkat(dfd, name, t, sizeof t - 1);
		fprintf(out, " -> %.*s", (int)(n < 0 ? 0 : n), t);
	} else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
		fprintf(out, " dev=%u:%u", major(st.st_rdev), minor(st.st_rdev));
	}
	if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
		fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		if (fd >= 0) {
			describe_xattrs(fd, out);
			fputc('\n', out);
			if (S_ISDIR(st.st_mode))
				describe_dir(fd, rel, out, flags);
			close(fd);
			return;
		}
	}
	fputc('\n', out);
}

/* Everything below `path` (the top entry's own line included). */
static char *describe(int dirfd, const char *path, int flags)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	describe_entry(dirfd, path, ".", out, flags);
	fclose(out);
	return buf;
}

/* ------------------------------------------------------------ fixture */

struct fx {
	char base[64];
	int basefd, rootfd, tarfd;
	struct archive *w;
	bool wfail;
	char *before, *after;
	struct extract_stats st;
	struct ar_err err;
};

static void fx_free(struct fx *f)
{
	struct ar_err err = { 0 };

	if (f->w)
		archive_write_free(f->w);
	if (f->tarfd >= 0)
		close(f->tarfd);
	if (f->rootfd >= 0)
		close(f->rootfd);
	if (f->basefd >= 0)
		close(f->basefd);
	if (f->base[0])
		rm_rf_at(AT_FDCWD, f->base, &err);
	ar_err_clear(&err);
	ar_err_clear(&f->err);
	free(f->before);
	free(f->after);
}
#define _cleanup_fx_ __attribute__((cleanup(fx_free)))
#define FX(name) _cleanup_fx_ struct fx name = { .basefd = -1, .rootfd = -1, .tarfd = -1 }

/* filter: NULL (plain), "gzip", "zstd", or "raw" (the test writes bytes). */
static int fx_setup(struct fx *f, const char *filter)
{
	struct ar_err err = { 0 };
	int r = 0;

	snprintf(f->base, sizeof f->base, "/tmp/argon-test-extract-XXXXXX");
	if (mkdtemp(f->base) == NULL) {
		f->base[0] = '\0';
		return -1;
	}
	f->basefd = open(f->base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f->basefd < 0 || mkdirat(f->basefd, "root", 0755) < 0 ||
	    mkdirat(f->basefd, "sentinel", 0755) < 0 ||
	    mkdirat(f->basefd, "sentinel/sub", 0755) < 0 ||
	    write_file_at(f->basefd, "sentinel/file", "sentinel\n", 9, O_CREAT | O_EXCL, 0644,
			  &err) < 0)
		r = -1;
	ar_err_clear(&err);
	f->rootfd = openat(f->basefd, "root", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	f->tarfd = openat(f->basefd, "layer.tar", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (r < 0 || f->rootfd < 0 || f->tarfd < 0)
		return -1;
	if (filter && strcmp(filter, "raw") == 0)
		return 0;
	f->w = archive_write_new();
	if (archive_write_set_format_pax(f->w) != ARCHIVE_OK ||
	    (filter && strcmp(filter, "gzip") == 0 && archive_write_add_filter_gzip(f->w) != ARCHIVE_OK) ||
	    (filter && strcmp(filter, "zstd") == 0 && archive_write_add_filter_zstd(f->w) != ARCHIVE_OK) ||
	    archive_write_open_fd(f->w, f->tarfd) != ARCHIVE_OK)
		return -1;
	return 0;
}

static struct archive_entry *ent(const char *name, mode_t mode)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_copy_pathname(e, name);
	archive_entry_set_mode(e, mode);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	archive_entry_set_mtime(e, T0, 0);
	return e;
}

/* Writes and frees the entry. */
static void add(struct fx *f, struct archive_entry *e, const void *data, size_t len)
{
	if (data)
		archive_entry_set_size(e, (la_int64_t)len);
	if (archive_write_header(f->w, e) != ARCHIVE_OK ||
	    (data && len && archive_write_data(f->w, data, len) != (la_ssize_t)len)) {
		fprintf(stderr, "  writer: %s\n", archive_error_string(f->w));
		f->wfail = true;
	}
	archive_entry_free(e);
}

static void add_file(struct fx *f, const char *name, mode_t mode, const char *content)
{
	add(f, ent(name, S_IFREG | mode), content, strlen(content));
}

static void add_dir(struct fx *f, const char *name, mode_t mode)
{
	add(f, ent(name, S_IFDIR | mode), NULL, 0);
}

static void add_symlink(struct fx *f, const char *name, const char *target)
{
	struct archive_entry *e = ent(name, S_IFLNK | 0777);

	archive_entry_copy_symlink(e, target);
	add(f, e, NULL, 0);
}

static void add_hardlink(struct fx *f, const char *name, const char *target)
{
	struct archive_entry *e = ent(name, S_IFREG | 0644);

	archive_entry_copy_hardlink(e, target);
	add(f, e, NULL, 0);
}

static void add_node(struct fx *f, const char *name, mode_t mode, unsigned maj, unsigned min)
{
	struct archive_entry *e = ent(name, mode);

	archive_entry_set_rdevmajor(e, maj);
	archive_entry_set_rdevminor(e, min);
	add(f, e, NULL, 0);
}

/* One ustar header, for fields the writer will not produce. `uid256`
 * puts base-256 -1 into the uid field. */
static void raw_header(struct fx *f, const char *name, char type, const char *link, size_t size,
		       bool uid256)
{
	unsigned char h[512] = { 0 };
	unsigned sum = 0;

	snprintf((char *)h, 100, "%s", name);
	snprintf((char *)h + 100, 8, "%07o", 0644);
	if (uid256)
		memset(h + 108, 0xff, 8);
	else
		snprintf((char *)h + 108, 8, "%07o", 0);
	snprintf((char *)h + 116, 8, "%07o", 0);
	snprintf((char *)h + 124, 12, "%011o", (unsigned)size);
	snprintf((char *)h + 136, 12, "%011o", T0);
	h[156] = (unsigned char)type;
	if (link)
		snprintf((char *)h + 157, 100, "%s", link);
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	if (write_all(f->tarfd, h, sizeof h) < 0)
		f->wfail = true;
}

static void raw_data(struct fx *f, const char *data)
{
	char block[512] = { 0 };
	size_t len = strlen(data);

	for (size_t off = 0; off < len; off += 512) {
		memset(block, 0, sizeof block);
		memcpy(block, data + off, len - off < 512 ? len - off : 512);
		if (write_all(f->tarfd, block, sizeof block) < 0)
			f->wfail = true;
	}
}

static void raw_file(struct fx *f, const char *name, const char *data)
{
	raw_header(f, name, '0', NULL, strlen(data), false);
	raw_data(f, data);
}

/* A pax extended header ('x') with one record: makes libarchive read the
 * next entry as pax interchange format. */
static void raw_pax(struct fx *f, const char *key, const char *value)
{
	char rec[512];
	int len = (int)(strlen(key) + strlen(value) + 3), n;

	/* The length counts its own digits. */
	while ((n = snprintf(rec, sizeof rec, "%d %s=%s\n", len, key, value)) != len)
		len = n;
	raw_header(f, "PaxHeaders/x", 'x', NULL, (size_t)len, false);
	raw_data(f, rec);
}

static void raw_end(struct fx *f)
{
	char z[1024] = { 0 };

	if (write_all(f->tarfd, z, sizeof z) < 0)
		f->wfail = true;
}

static char *outside_snapshot(struct fx *f)
{
	struct stat st;
	char *tree = describe(AT_FDCWD, f->base, D_CTIME | D_TOP_SKIP), *all;

	if (stat("/etc/passwd", &st) < 0)
		memset(&st, 0, sizeof st);
	all = xasprintf("%s/etc/passwd ino=%lu nlink=%lu mode=%o uid=%u ctime=%lld.%ld\n", tree,
			(unsigned long)st.st_ino, (unsigned long)st.st_nlink, st.st_mode, st.st_uid,
			(long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
	free(tree);
	return all;
}

/* Finishes the archive and extracts it; snapshots outside the root. */
static int fx_extract(struct fx *f, enum extract_mode mode)
{
	_cleanup_close_ int fd = -1;

	if (f->w) {
		if (archive_write_close(f->w) != ARCHIVE_OK)
			f->wfail = true;
		archive_write_free(f->w);
		f->w = NULL;
	}
	if (f->wfail)
		return -2;
	f->before = outside_snapshot(f);
	fd = openat(f->basefd, "layer.tar", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -2;
	int r = extract_tar(fd, f->rootfd, mode, &f->st, &f->err);
	f->after = outside_snapshot(f);
	if (r < 0)
		printf("  (refused: %s)\n", f->err.msg ? f->err.msg : "?");
	return r;
}

#define SETUP(f, filter) CHECK(fx_setup(&(f), (filter)) == 0)
#define OUTSIDE_UNCHANGED(f) CHECK_STR((f).before, (f).after)
#define REFUSED(f, mode, want) do { CHECK(fx_extract(&(f), (mode)) == -1); \
	CHECK_CONTAINS((f).err.msg, (want)); OUTSIDE_UNCHANGED(f); } while (0)
#define EXTRACTS(f, mode) do { int r_ = fx_extract(&(f), (mode)); \
	if (r_ < 0) fprintf(stderr, "  extract: %s\n", (f).err.msg ? (f).err.msg : "?"); \
	CHECK(r_ == 0); } while (0)

static char *content(int dirfd, const char *path)
{
	struct ar_err err = { 0 };
	char *s = NULL;

	if (read_file_at(dirfd, path, &s, NULL, &err) < 0)
		s = NULL;
	ar_err_clear(&err);
	return s;
}

static bool has_content(int dirfd, const char *path, const char *want)
{
	char *s = content(dirfd, path);
	bool ok = s && strcmp(s, want) == 0;

	if (!ok)
		fprintf(stderr, "  `%s`: got `%s`, want `%s`\n", path, s ? s : "(none)", want);
	free(s);
	return ok;
}

static bool lexists(int dirfd, const char *path)
{
	struct stat st;

	return fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static mode_t ltype(int dirfd, const char *path)
{
	struct stat st;

	return fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 ? st.st_mode & S_IFMT : 0;
}

/* ============================================================ hostile */

static void dotdot_refused(void)
{
	FX(f);
	SETUP(f, NULL);
	add_file(&f, "../sentinel/pwned", 0644, "x");
	REFUSED(f, EXTRACT_LAYER, "layer entry `../sentinel/pwned`: path leaves the layer root");
	CHECK(f.err.errnum == EINVAL);
}

static void dotdot_in_the_middle_refused(void)
{
	FX(f);
	SETUP(f, NULL);
	add_file(&f, "ok", 0644, "fine");
	add_file(&f, "a/../../sentinel/file", 0644, "x");
	REFUSED(f, EXTRACT_LAYER, "layer entry `a/../../sentinel/file`: path leaves the layer root");
}

static void dotdot_in_archive_mode_refused(void)
{
	FX(f);
	SETUP(f, NULL);
	add_file(&f, "./../sentinel/file", 0644, "x");
	REFUSED(f, EXTRACT_ARCHIVE, "archive entry `./../sentinel/file`: path leaves the archive root");
}

/* Absolute names stay inside: /tmp/.../sentinel/file lands at root/tmp/... */
static void absolute_path_kept_inside(void)
{
	FX(f);
	SETUP(f, NULL);
	_cleanup_free_ char *abs = xasprintf("%s/sentinel/file", f.base);
	_cleanup_free_ char *inside = xasprintf("%s/sentinel/file", f.base + 1);
	add_file(&f, abs, 0644, "evil");
	add_file(&f, "/etc/passwd", 0644, "root::0:0::/:/bin/sh\n");
	add_file(&f, "//./x", 0644, "x");
	EXTRACTS(f, EXTRACT_LAYER);
	OUTSIDE_UNCHANGED(f);
	CHECK(has_content(f.rootfd, inside, "evil"));
	CHECK(has_content(f.rootfd, "etc/passwd", "root::0:0::/:/bin/sh\n"));
	CHECK(has_content(f.rootfd, "x", "x"));
}

static void write_through_relative_symlink_refused(void)
{
	FX(f);
	SETUP(f, NULL);
	add_symlink(&f, "link", "../sentinel");
	add_file(&f, "link/pwned", 0644, "x");
	REFUSED(f, EXTRACT_LAYER, "layer entry `link/pwned`: path through a symlink `link`");
	CHECK(f.err.errnum == ELOOP);
}

static void write_through_absolute_symlink_refused(void)
{
	FX(f);
	SETUP(f, NULL);
	_cleanup_free_ char *target = xasprintf("%s/sentinel", f.base);
	add_dir(&f, "d", 0755);
	add_symlink(&f, "d/link", target);
	add_file(&f, "d/link/sub/file", 0644, "x");
	REFUSED(f, EXTRACT_LAYER, "layer entry `d/link/sub/file`: path through a symlink `d/link`");
}

static void mkdir_through_symlink_refused(void)
{
	FX(f);
	SETUP(f, NULL);
	add_symlink(&f, "link", "../sentinel");
	add_dir(&f, "link/newdir", 0777);
	REFUSED(f, EXTRACT_LAYER, "path through a symlink `link`");
}

static void hardlink_outside_refused(void)
{
	FX(f);
	SETUP(f, NULL);
	add_hardlink(&f, "h", "../sentinel/file");
	REFUSED(f, EXTRACT_LAYER,
		"layer entry `h`: hard link target `../sentinel/file`: path leaves the layer root");
}

/* "/etc/passwd" means root/etc/passwd, which does not exist. */
static void hardlink_absolute_refused(void)
{
	FX(f);
	SETUP(f, NULL);
	add_hardlink(&f, "h", "/etc/passwd");
	REFUSED(f, EXTRACT_LAYER, "layer entry `h`: hard link target `/etc/passwd`");
	CHECK(!lexists(f.rootfd, "h"));
}

static void hardlink_through_symlink_refused(void)
{
	FX(f);
	SETUP(f, NULL);
	add_symlink(&f, "link", "../sentinel");
	add_hardlink(&f, "h", "link/file");
	REFUSED(f, EXTRACT_LAYER, "hard link target `link/file`: path through a symlink `link`");
}

static void hardlink_to_directory_refused(void)
{
	FX(f);
	SETUP(f, NULL);
	add_dir(&f, "d", 0755);
	add_hardlink(&f, "h", "d");
	REFUSED(f, EXTRACT_LAYER, "hard link target `d` is a directory");
}

/* A hard link to a symlink links the symlink itself, never its target;
 * a later file of that name replaces the link. */
static void hardlink_to_symlink_links_the_symlink(void)
{
	FX(f);
	SETUP(f, NULL);
	add_symlink(&f, "s", "../sentinel/file");
	add_hardlink(&f, "h", "s");
	EXTRACTS(f, EXTRACT_LAYER);
	OUTSIDE_UNCHANGED(f);
	CHECK(ltype(f.rootfd, "h") == S_IFLNK);
}

/* A hard link entry carrying data (as pax allows): the data must not
 * reach the linked file. */
static void hardlink_data_not_written_through(void)
{
	FX(f);
	SETUP(f, "raw");
	raw_file(&f, "f", "orig");
	raw_pax(&f, "comment", "pax: hard links may carry data");
	raw_header(&f, "h", '1', "f", 5, false);
	raw_data(&f, "evil!");
	raw_file(&f, "after", "ok");
	raw_end(&f);
	EXTRACTS(f, EXTRACT_LAYER);
	OUTSIDE_UNCHANGED(f);
	CHECK(has_content(f.rootfd, "f", "orig"));
	CHECK(has_content(f.rootfd, "after", "ok"));
	struct stat a, b;
	CHECK(fstatat(f.rootfd, "f", &a, 0) == 0 && fstatat(f.rootfd, "h", &b, 0) == 0);
	CHECK(a.st_ino == b.st_ino);
}

static void file_after_hardlink_replaces_it(void)
{
	FX(f);
	struct stat a, b;
	SETUP(f, NULL);
	add_file(&f, "f", 0644, "orig");
	add_hardlink(&f, "h", "f");
	add_file(&f, "h", 0644, "evil");
	EXTRACTS(f, EXTRACT_LAYER);
	CHECK(has_content(f.rootfd, "f", "orig"));
	CHECK(has_content(f.rootfd, "h", "evil"));
	CHECK(fstatat(f.rootfd, "f", &a, 0) == 0 && fstatat(f.rootfd, "h", &b, 0) == 0);
	CHECK(a.st_ino != b.st_ino && a.st_nlink == 1);
}

static void file_replaces_symlink(void)
{
	FX(f);
	SETUP(f, NULL);
	add_symlink(&f, "s", "../sentinel/file");
	add_file(&f, "s", 0600, "evil");
	EXTRACTS(f, EXTRACT_LAYER);
	OUTSIDE_UNCHANGED(f);
	CHECK(ltype(f.rootfd, "s") == S_IFREG);
	CHECK(has_content(f.rootfd, "s", "evil"));
}

static void dir_replaces_symlink(void)
{
	FX(f);
	SETUP(f, NULL);
	add_symlink(&f, "d", "../sentinel");
	add_dir(&f, "d", 0700);
	add_file(&f, "d/file", 0644, "inside");
	EXTRACTS(f, EXTRACT_LAYER);
	OUTSIDE_UNCHANGED(f);
	CHECK(ltype(f.rootfd, "d") == S_IFDIR);
	CHECK(has_content(f.rootfd, "d/file", "inside"));
}

/* A directory's deferred mode and mtime must not land on the symlink
 * that later took its name (nor on what the symlink points to). */
static void dir_fixup_not_applied_through_symlink(void)
{
	FX(f);
	SETUP(f, NULL);
	struct archive_entry *e = ent("d", S_IFDIR | 0777);
	archive_entry_set_mtime(e, 1000, 0);
	add(&f, e, NULL, 0);
	add_symlink(&f, "d", "../sentinel");
	e = ent("e", S_IFDIR | 01777);
	add(&f, e, NULL, 0);
	add_file(&f, "e", 0644, "file now");
	EXTRACTS(f, EXTRACT_LAYER);
	OUTSIDE_UNCHANGED(f);
	CHECK(ltype(f.rootfd, "d") == S_IFLNK);
	struct stat st;
	CHECK(fstatat(f.rootfd, "e", &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & 07777) == 0644);
}

/* A directory that a later entry removed is not the one re-created at
 * the same path afterwards: the old entry's mode does not apply. */
static void stale_dir_fixup_skipped(void)
{
	FX(f);
	struct stat st;
	SETUP(f, NULL);
	add_dir(&f, "a", 0755);
	add_dir(&f, "a/d", 01777);
	add_file(&f, "a", 0644, "replaces the tree");
	add_dir(&f, "a", 0755);
	add_file(&f, "a/d/x", 0644, "x");	/* a/d implicit: 0755 */
	EXTRACTS(f, EXTRACT_LAYER);
	CHECK(fstatat(f.rootfd, "a/d", &st, 0) == 0 && (st.st_mode & 07777) == 0755);
}

/* Owner, mode and times of a symlink entry apply to the link alone. */
static void symlink_metadata_not_applied_to_target(void)
{
	FX(f);
	struct stat st;
	SETUP(f, NULL);
	_cleanup_free_ char *abs = xasprintf("%s/sentinel/file", f.base);
	struct archive_entry *e = ent("s", S_IFLNK | 0777);
	archive_entry_copy_symlink(e, "../sentinel/file");
	archive_entry_set_uid(e, 1234);
	archive_entry_set_gid(e, 4321);
	archive_entry_set_mtime(e, 1000, 0);
	add(&f, e, NULL, 0);
	e = ent("a", S_IFLNK | 0777);
	archive_entry_copy_symlink(e, abs);
	archive_entry_set_uid(e, 99);
	add(&f, e, NULL, 0);
	EXTRACTS(f, EXTRACT_LAYER);
	OUTSIDE_UNCHANGED(f);
	CHECK(fstatat(f.rootfd, "s", &st, AT_SYMLINK_NOFOLLOW) == 0);
	CHECK(S_ISLNK(st.st_mode) && st.st_uid == 1234 && st.st_gid == 4321);
	CHECK(st.st_mtim.tv_sec == 1000);
	CHECK(fstatat(f.rootfd, "a", &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_uid == 99);
}

static void device_major_out_of_range_refused(void)
{
	FX(f);
	SETUP(f, NULL);
	add_node(&f, "dev", S_IFCHR | 0666, 4096, 1);
	REFUSED(f, EXTRACT_LAYER, "layer entry `dev`: device number 4096:1 out of range");
	CHECK(!lexists(f.rootfd, "dev"));
}

static void device_minor_out_of_range_refused(void)
{
	FX(f);
	SETUP(f, NULL);
	add_node(&f, "blk", S_IFBLK | 0600, 8, 1u << 20);
	REFUSED(f, EXTRACT_LAYER, "layer entry `blk`: device number 8:1048576 out of range");
	CHECK(!lexists(f.rootfd, "blk"));
}

static void char_0_0_refused(void)
{
	FX(f);
	SETUP(f, NULL);
	add_node(&f, "wh", S_IFCHR | 0600, 0, 0);
	REFUSED(f, EXTRACT_LAYER, "layer entry `wh`: character device 0:0 is an overlay whiteout");
	CHECK(!lexists(f.rootfd, "wh"));
}

/* uid -1 in base-256 (GNU's encoding of negative numbers). */
static void uid_negative_refused(void)
{
	FX(f);
	SETUP(f, "raw");
	raw_header(&f, "f", '0', NULL, 0, true);
	raw_end(&f);
	REFUSED(f, EXTRACT_LAYER, "layer entry `f`: uid -1 out of range");
	CHECK(!lexists(f.rootfd, "f"));
}

static void uid_huge_refused(void)
{
	FX(f);
	SETUP(f, NULL);
	struct archive_entry *e = ent("f", S_IFREG | 0644);
	archive_entry_set_uid(e, 0xFFFFFFFFll);
	add(&f, e, "x", 1);
	REFUSED(f, EXTRACT_LAYER, "layer entry `f`: uid 4294967295 out of range");
}

static void gid_huge_refused(void)
{
	FX(f);
	SETUP(f, NULL);
	struct archive_entry *e = ent("d", S_IFDIR | 0755);
	archive_entry_set_gid(e, 1ll << 40);
	add(&f, e, NULL, 0);
	REFUSED(f, EXTRACT_LAYER, "layer entry `d/`: gid 1099511627776 out of range");
}

static void overlong_component_refused(void)
{
	FX(f);
	char name[NAME_MAX + 8];
	SETUP(f, NULL);
	memset(name, 'a', sizeof name);
	memcpy(name, "d/", 2);
	name[NAME_MAX + 3] = '\0';	/* "d/" + 256 bytes */
	add_file(&f, name, 0644, "x");
	REFUSED(f, EXTRACT_LAYER, "name component longer than 255 bytes");
	CHECK(f.err.errnum == ENAMETOOLONG);
}

static void overlong_path_refused(void)
{
	FX(f);
	char name[PATH_MAX + 300];
	size_t o = 0;
	SETUP(f, NULL);
	while (o < PATH_MAX + 10) {
		memset(name + o, 'b', 200);
		name[o + 200] = '/';
		o += 201;
	}
	memcpy(name + o, "f", 2);
	add_file(&f, name, 0644, "x");
	REFUSED(f, EXTRACT_LAYER, "path longer than 4095 bytes");
	CHECK(!lexists(f.rootfd, "bbbbbbbb"));
}

static void whiteout_empty_name_refused(void)
{
	FX(f);
	SETUP(f, NULL);
	add_file(&f, "d/.wh.", 0644, "");
	REFUSED(f, EXTRACT_LAYER, "layer entry `d/.wh.`: invalid whiteout name `.wh.`");
}

static void whiteout_dot_refused(void)
{
	FX(f);
	SETUP(f, NULL);
	add_dir(&f, "d", 0755);
	add_file(&f, "d/.wh..", 0644, "");
	REFUSED(f, EXTRACT_LAYER, "invalid whiteout name `.wh..`");
	CHECK(ltype(f.rootfd, "d") == S_IFDIR);
}

static void whiteout_dotdot_refused(void)
{
	FX(f);
	SETUP(f, NULL);
	add_dir(&f, "d", 0755);
	add_file(&f, "d/.wh...", 0644, "");
	REFUSED(f, EXTRACT_LAYER, "invalid whiteout name `.wh...`");
	CHECK(ltype(f.rootfd, "d") == S_IFDIR);
}

static void whiteout_unknown_meta_refused(void)
{
	FX(f);
	SETUP(f, NULL);
	add_file(&f, ".wh..wh.foo", 0644, "");
	REFUSED(f, EXTRACT_LAYER, "unknown whiteout metadata `.wh..wh.foo`");
}

static void whiteout_as_directory_refused(void)
{
	FX(f);
	SETUP(f, NULL);
	add_file(&f, ".wh.x/y", 0644, "");
	REFUSED(f, EXTRACT_LAYER, "whiteout name `.wh.x` used as a directory");
}

/* A whiteout below a symlink would delete sentinel/file. */
static void whiteout_through_symlink_refused(void)
{
	FX(f);
	SETUP(f, NULL);
	add_symlink(&f, "link", "../sentinel");
	add_file(&f, "link/.wh.file", 0644, "");
	REFUSED(f, EXTRACT_LAYER, "path through a symlink `link`");
	CHECK(faccessat(f.basefd, "sentinel/file", F_OK, 0) == 0);
}

static void opaque_through_symlink_refused(void)
{
	FX(f);
	char v[8];
	SETUP(f, NULL);
	add_symlink(&f, "link", "../sentinel");
	add_file(&f, "link/.wh..wh..opq", 0644, "");
	REFUSED(f, EXTRACT_LAYER, "path through a symlink `link`");
	CHECK(getxattr(f.base, "trusted.overlay.opaque", v, sizeof v) < 0);
	_cleanup_free_ char *s = xasprintf("%s/sentinel", f.base);
	CHECK(getxattr(s, "trusted.overlay.opaque", v, sizeof v) < 0 && errno == ENODATA);
}

/* trusted.* (overlayfs' own state), security.selinux and system.* are
 * dropped; user.* is kept. */
static void untrusted_xattrs_ignored(void)
{
	FX(f);
	char v[64];
	SETUP(f, NULL);
	struct archive_entry *e = ent("f", S_IFREG | 0644);
	archive_entry_xattr_add_entry(e, "trusted.overlay.redirect", "/sentinel", 9);
	archive_entry_xattr_add_entry(e, "trusted.overlay.metacopy", "", 0);
	archive_entry_xattr_add_entry(e, "security.selinux", "system_u:object_r:shadow_t:s0", 29);
	archive_entry_xattr_add_entry(e, "user.ok", "yes", 3);
	add(&f, e, "data", 4);
	e = ent("d", S_IFDIR | 0755);
	archive_entry_xattr_add_entry(e, "trusted.overlay.opaque", "y", 1);
	archive_entry_xattr_add_entry(e, "trusted.overlay.redirect", "/x", 2);
	add(&f, e, NULL, 0);
	EXTRACTS(f, EXTRACT_LAYER);
	OUTSIDE_UNCHANGED(f);
	_cleanup_free_ char *p = xasprintf("%s/root/f", f.base);
	_cleanup_free_ char *d = xasprintf("%s/root/d", f.base);
	CHECK(getxattr(p, "trusted.overlay.redirect", v, sizeof v) < 0 && errno == ENODATA);
	CHECK(getxattr(p, "trusted.overlay.metacopy", v, sizeof v) < 0 && errno == ENODATA);
	CHECK(getxattr(p, "user.ok", v, sizeof v) == 3 && memcmp(v, "yes", 3) == 0);
	CHECK(getxattr(d, "trusted.overlay.opaque", v, sizeof v) < 0 && errno == ENODATA);
	CHECK(getxattr(d, "trusted.overlay.redirect", v, sizeof v) < 0 && errno == ENODATA);
	/* the host's own label on the file, if any, is not the archive's */
	ssize_t n = getxattr(p, "security.selinux", v, sizeof v);
	CHECK(n < 0 || memcmp(v, "system_u:object_r:shadow_t", 26) != 0);
}

static void truncated_archive_refused(void)
{
	FX(f);
	SETUP(f, "raw");
	raw_header(&f, "big", '0', NULL, 100000, false);
	raw_data(&f, "only a little");
	REFUSED(f, EXTRACT_LAYER, "layer entry `big`: read data");
}

static void garbage_refused(void)
{
	FX(f);
	SETUP(f, "raw");
	CHECK(write_all(f.tarfd, "this is not a tar archive at all, not even close......", 54) == 0);
	REFUSED(f, EXTRACT_LAYER, "layer tar: Unrecognized archive format");
}

/* ============================================================ layers */

static void regular_file_metadata(void)
{
	FX(f);
	struct stat st;
	SETUP(f, NULL);
	struct archive_entry *e = ent("bin/su", S_IFREG | 04755);
	archive_entry_set_uid(e, 1000);
	archive_entry_set_gid(e, 2000);
	archive_entry_set_mtime(e, 1234567890, 500000000);
	add(&f, e, "#!/bin/true\n", 12);
	add_file(&f, "etc/zero", 0, "");
	e = ent("g", S_IFREG | 02711);
	archive_entry_set_gid(e, 50);
	add(&f, e, "g", 1);
	EXTRACTS(f, EXTRACT_LAYER);
	CHECK(has_content(f.rootfd, "bin/su", "#!/bin/true\n"));
	CHECK(fstatat(f.rootfd, "bin/su", &st, 0) == 0);
	CHECK((st.st_mode & 07777) == 04755);
	CHECK(st.st_uid == 1000 && st.st_gid == 2000);
	CHECK(st.st_mtim.tv_sec == 1234567890 && st.st_mtim.tv_nsec == 500000000);
	CHECK(fstatat(f.rootfd, "etc/zero", &st, 0) == 0 && (st.st_mode & 07777) == 0);
	CHECK(st.st_size == 0);
	CHECK(fstatat(f.rootfd, "g", &st, 0) == 0 && (st.st_mode & 07777) == 02711);
	CHECK(st.st_gid == 50);
	/* implicit parents: 0755 root:root */
	CHECK(fstatat(f.rootfd, "bin", &st, 0) == 0 && (st.st_mode & 07777) == 0755);
	CHECK(st.st_uid == 0 && st.st_gid == 0);
}

static void sparse_file(void)
{
	FX(f);
	const size_t size = 8 << 20;
	struct stat st;
	char buf[8];
	SETUP(f, NULL);
	_cleanup_free_ char *data = xcalloc(1, size);
	memset(data + 4096, 'a', 4096);
	memset(data + (6 << 20), 'b', 4096);
	struct archive_entry *e = ent("sparse", S_IFREG | 0644);
	archive_entry_set_size(e, (la_int64_t)size);	/* before the map */
	archive_entry_sparse_add_entry(e, 4096, 4096);
	archive_entry_sparse_add_entry(e, 6 << 20, 4096);
	add(&f, e, data, size);
	EXTRACTS(f, EXTRACT_LAYER);
	_cleanup_close_ int fd = openat(f.rootfd, "sparse", O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0 && fstat(fd, &st) == 0);
	CHECK(st.st_size == (off_t)size);
	CHECK((uint64_t)st.st_blocks * 512 < (1 << 20));	/* holes stayed holes */
	CHECK(pread(fd, buf, 1, 4095) == 1 && buf[0] == 0);
	CHECK(pread(fd, buf, 1, 4096) == 1 && buf[0] == 'a');
	CHECK(pread(fd, buf, 1, (6 << 20) + 4095) == 1 && buf[0] == 'b');
	CHECK(pread(fd, buf, 1, size - 1) == 1 && buf[0] == 0);
	CHECK(f.st.bytes == 8192);
}

static void hardlinks_share_inode(void)
{
	FX(f);
	struct stat a, b, c;
	SETUP(f, NULL);
	add_file(&f, "usr/bin/a", 0755, "multi");
	add_hardlink(&f, "usr/bin/b", "usr/bin/a");
	add_hardlink(&f, "/sbin/c", "./usr/bin/a");
	add_hardlink(&f, "usr/bin/b", "usr/bin/a");	/* the same link again */
	EXTRACTS(f, EXTRACT_LAYER);
	CHECK(fstatat(f.rootfd, "usr/bin/a", &a, 0) == 0);
	CHECK(fstatat(f.rootfd, "usr/bin/b", &b, 0) == 0);
	CHECK(fstatat(f.rootfd, "sbin/c", &c, 0) == 0);
	CHECK(a.st_ino == b.st_ino && a.st_ino == c.st_ino && a.st_nlink == 3);
}

static void symlinks_verbatim(void)
{
	FX(f);
	char t[PATH_MAX];
	ssize_t n;
	SETUP(f, NULL);
	add_symlink(&f, "dangling", "nowhere/at/all");
	add_symlink(&f, "abs", "/etc/passwd");
	add_symlink(&f, "up", "../../../sentinel/file");
	add_symlink(&f, "dir/self", ".");
	EXTRACTS(f, EXTRACT_LAYER);
	OUTSIDE_UNCHANGED(f);
	n = readlinkat(f.rootfd, "dangling", t, sizeof t);
	CHECK(n == 14 && memcmp(t, "nowhere/at/all", 14) == 0);
	n = readlinkat(f.rootfd, "abs", t, sizeof t);
	CHECK(n == 11 && memcmp(t, "/etc/passwd", 11) == 0);
	n = readlinkat(f.rootfd, "up", t, sizeof t);
	CHECK(n == 22 && memcmp(t, "../../../sentinel/file", 22) == 0);
	n = readlinkat(f.rootfd, "dir/self", t, sizeof t);
	CHECK(n == 1 && t[0] == '.');
}

static void fifo_created(void)
{
	FX(f);
	struct stat st;
	SETUP(f, NULL);
	struct archive_entry *e = ent("run/fifo", S_IFIFO | 0620);
	archive_entry_set_uid(e, 7);
	add(&f, e, NULL, 0);
	EXTRACTS(f, EXTRACT_LAYER);
	CHECK(fstatat(f.rootfd, "run/fifo", &st, AT_SYMLINK_NOFOLLOW) == 0);
	CHECK(S_ISFIFO(st.st_mode) && (st.st_mode & 07777) == 0620 && st.st_uid == 7);
	CHECK(st.st_mtim.tv_sec == T0);
}

static void char_device_created(void)
{
	FX(f);
	struct stat st;
	SETUP(f, "raw");
	if (mknodat(f.basefd, "probe", S_IFCHR | 0600, makedev(1, 3)) < 0)
		SKIP("mknod is not permitted here");
	unlinkat(f.basefd, "probe", 0);
	f.w = archive_write_new();
	CHECK(archive_write_set_format_pax(f.w) == ARCHIVE_OK);
	CHECK(archive_write_open_fd(f.w, f.tarfd) == ARCHIVE_OK);
	add_node(&f, "dev/null", S_IFCHR | 0666, 1, 3);
	add_node(&f, "dev/loop9", S_IFBLK | 0660, 7, 9);
	EXTRACTS(f, EXTRACT_LAYER);
	CHECK(fstatat(f.rootfd, "dev/null", &st, AT_SYMLINK_NOFOLLOW) == 0);
	CHECK(S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3);
	CHECK((st.st_mode & 07777) == 0666);
	CHECK(fstatat(f.rootfd, "dev/loop9", &st, AT_SYMLINK_NOFOLLOW) == 0);
	CHECK(S_ISBLK(st.st_mode) && major(st.st_rdev) == 7 && minor(st.st_rdev) == 9);
}

/* Children are created after their directory; its mtime and mode are
 * still the archive's at the end. The root entry sets the root. */
static void dir_metadata_preserved(void)
{
	FX(f);
	struct stat st;
	SETUP(f, NULL);
	struct archive_entry *e = ent("./", S_IFDIR | 0751);
	archive_entry_set_mtime(e, 1111111111, 0);
	archive_entry_set_uid(e, 5);
	add(&f, e, NULL, 0);
	e = ent("d", S_IFDIR | 0555);
	archive_entry_set_mtime(e, 1000000000, 123);
	add(&f, e, NULL, 0);
	add_file(&f, "d/a", 0644, "a");
	add_file(&f, "d/b/c", 0644, "c");
	add_file(&f, "d/.wh.gone", 0644, "");
	EXTRACTS(f, EXTRACT_LAYER);
	CHECK(fstatat(f.rootfd, "d", &st, 0) == 0);
	CHECK(st.st_mtim.tv_sec == 1000000000 && st.st_mtim.tv_nsec == 123);
	CHECK((st.st_mode & 07777) == 0555);
	CHECK(fstat(f.rootfd, &st) == 0);
	CHECK(st.st_mtim.tv_sec == 1111111111 && (st.st_mode & 07777) == 0751 && st.st_uid == 5);
	CHECK(has_content(f.rootfd, "d/b/c", "c"));
}

static void duplicates_last_wins(void)
{
	FX(f);
	struct stat st;
	SETUP(f, NULL);
	add_file(&f, "x", 0644, "one");
	add_file(&f, "x", 0600, "two");
	add_file(&f, "f", 0644, "file");
	add_dir(&f, "f", 0711);
	add_dir(&f, "d", 0755);
	add_file(&f, "d/c", 0644, "child");
	add_file(&f, "d", 0640, "now a file");
	add_dir(&f, "dd", 0700);
	add_file(&f, "dd/keep", 0644, "kept");
	add_dir(&f, "dd", 0750);
	add_symlink(&f, "s", "a");
	add_symlink(&f, "s", "b");
	EXTRACTS(f, EXTRACT_LAYER);
	CHECK(has_content(f.rootfd, "x", "two"));
	CHECK(fstatat(f.rootfd, "x", &st, 0) == 0 && (st.st_mode & 07777) == 0600);
	CHECK(fstatat(f.rootfd, "f", &st, 0) == 0 && S_ISDIR(st.st_mode));
	CHECK((st.st_mode & 07777) == 0711);
	CHECK(ltype(f.rootfd, "d") == S_IFREG);
	CHECK(has_content(f.rootfd, "d", "now a file"));
	CHECK(fstatat(f.rootfd, "dd", &st, 0) == 0 && (st.st_mode & 07777) == 0750);
	CHECK(has_content(f.rootfd, "dd/keep", "kept"));
	char t[4];
	CHECK(readlinkat(f.rootfd, "s", t, sizeof t) == 1 && t[0] == 'b');
}

static bool is_whiteout(int dirfd, const char *path)
{
	struct stat st;

	return fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISCHR(st.st_mode) &&
	       st.st_rdev == makedev(0, 0);
}

static void whiteouts_become_char_0_0(void)
{
	FX(f);
	SETUP(f, NULL);
	add_file(&f, "a", 0644, "earlier in this layer");
	add_file(&f, ".wh.a", 0644, "");
	add_file(&f, "etc/.wh.b", 0644, "");
	add_dir(&f, "tree", 0755);
	add_file(&f, "tree/deep/file", 0644, "x");
	add_file(&f, ".wh.tree", 0644, "");
	add_file(&f, ".wh..wh", 0644, "");	/* whites out ".wh" itself */
	EXTRACTS(f, EXTRACT_LAYER);
	OUTSIDE_UNCHANGED(f);
	CHECK(is_whiteout(f.rootfd, "a"));
	CHECK(is_whiteout(f.rootfd, "etc/b"));
	CHECK(is_whiteout(f.rootfd, "tree"));
	CHECK(is_whiteout(f.rootfd, ".wh"));
	CHECK(!lexists(f.rootfd, ".wh.a") && !lexists(f.rootfd, "etc/.wh.b"));
}

static void opaque_dir_marked(void)
{
	FX(f);
	char v[8];
	SETUP(f, NULL);
	add_dir(&f, "d", 0755);
	add_file(&f, "d/.wh..wh..opq", 0644, "");
	add_file(&f, "d/kept", 0644, "k");
	add_file(&f, "new/.wh..wh..opq", 0644, "");
	EXTRACTS(f, EXTRACT_LAYER);
	_cleanup_free_ char *d = xasprintf("%s/root/d", f.base);
	_cleanup_free_ char *n = xasprintf("%s/root/new", f.base);
	CHECK(getxattr(d, "trusted.overlay.opaque", v, sizeof v) == 1 && v[0] == 'y');
	CHECK(getxattr(n, "trusted.overlay.opaque", v, sizeof v) == 1 && v[0] == 'y');
	CHECK(!lexists(f.rootfd, "d/.wh..wh..opq"));
	CHECK(has_content(f.rootfd, "d/kept", "k"));
}

static void aufs_metadata_skipped(void)
{
	FX(f);
	SETUP(f, NULL);
	add_dir(&f, ".wh..wh.plnk", 0700);
	add_file(&f, ".wh..wh.plnk/123.456", 0644, "x");
	add_file(&f, ".wh..wh.aufs", 0644, "");
	add_file(&f, "real", 0644, "r");
	EXTRACTS(f, EXTRACT_LAYER);
	CHECK(!lexists(f.rootfd, ".wh..wh.plnk") && !lexists(f.rootfd, ".wh..wh.aufs"));
	CHECK(has_content(f.rootfd, "real", "r"));
	CHECK(f.st.entries == 4);
}

/* v2 file capabilities: cap_net_bind_service, effective. Set after the
 * chown, which would clear it. */
static void security_capability_preserved(void)
{
	FX(f);
	const unsigned char cap[20] = { 1, 0, 0, 2, 0, 4, 0, 0 };
	unsigned char v[64];
	char u[8];
	SETUP(f, NULL);
	struct archive_entry *e = ent("bin/ping", S_IFREG | 0755);
	archive_entry_set_uid(e, 10);
	archive_entry_xattr_add_entry(e, "security.capability", cap, sizeof cap);
	archive_entry_xattr_add_entry(e, "user.note", "hi", 2);
	add(&f, e, "ELF", 3);
	EXTRACTS(f, EXTRACT_LAYER);
	_cleanup_free_ char *p = xasprintf("%s/root/bin/ping", f.base);
	ssize_t n = getxattr(p, "security.capability", v, sizeof v);
	CHECK(n == (ssize_t)sizeof cap && memcmp(v, cap, sizeof cap) == 0);
	CHECK(getxattr(p, "user.note", u, sizeof u) == 2 && memcmp(u, "hi", 2) == 0);
}

static void compressed_tree(const char *filter)
{
	FX(f);
	SETUP(f, filter);
	add_dir(&f, "etc", 0755);
	add_file(&f, "etc/os-release", 0644, "ID=argon\n");
	add_symlink(&f, "etc/link", "os-release");
	EXTRACTS(f, EXTRACT_LAYER);
	CHECK(has_content(f.rootfd, "etc/link", "ID=argon\n"));
	CHECK(f.st.entries == 3 && f.st.bytes == 9);
}

static void gzip_input(void)
{
	compressed_tree("gzip");
}

static void zstd_input(void)
{
	compressed_tree("zstd");
}

static void stats_counted(void)
{
	FX(f);
	SETUP(f, NULL);
	add_dir(&f, "d", 0755);
	add_file(&f, "d/a", 0644, "12345");
	add_file(&f, "d/b", 0644, "678");
	add_hardlink(&f, "d/c", "d/a");
	add_symlink(&f, "d/s", "a");
	EXTRACTS(f, EXTRACT_LAYER);
	CHECK(f.st.entries == 5);
	CHECK(f.st.bytes == 8);
}

/* Names are bytes: a UTF-8 pax path (as Go and Docker write them) and a
 * non-UTF-8 ustar name keep theirs, whatever our locale (C here). */
static void non_ascii_names(void)
{
	FX(f);
	SETUP(f, "raw");
	raw_pax(&f, "path", "caf\xc3\xa9");
	raw_file(&f, "placeholder", "utf8");
	raw_file(&f, "raw\xff", "latin");
	raw_end(&f);
	EXTRACTS(f, EXTRACT_LAYER);
	CHECK(!lexists(f.rootfd, "placeholder"));
	CHECK(has_content(f.rootfd, "caf\xc3\xa9", "utf8"));
	CHECK(has_content(f.rootfd, "raw\xff", "latin"));
}

static void empty_input(void)
{
	FX(f);
	SETUP(f, "raw");
	EXTRACTS(f, EXTRACT_LAYER);
	CHECK(f.st.entries == 0);
	_cleanup_free_ char *tree = describe(f.basefd, "root", 0);
	CHECK(strchr(tree, '\n') == tree + strlen(tree) - 1);	/* just the root */
}

/* ============================================================ import archives */

static void archive_mode_refuses_device(void)
{
	FX(f);
	SETUP(f, NULL);
	add_node(&f, "null", S_IFCHR | 0666, 1, 3);
	REFUSED(f, EXTRACT_ARCHIVE,
		"archive entry `null`: character device entries are not allowed in an import archive");
	CHECK(!lexists(f.rootfd, "null"));
}

static void archive_mode_refuses_fifo(void)
{
	FX(f);
	SETUP(f, NULL);
	add_node(&f, "p", S_IFIFO | 0600, 0, 0);
	REFUSED(f, EXTRACT_ARCHIVE, "archive entry `p`: fifo entries are not allowed");
}

static void archive_mode_refuses_hardlink(void)
{
	FX(f);
	SETUP(f, NULL);
	add_file(&f, "a", 0644, "a");
	add_hardlink(&f, "b", "a");
	REFUSED(f, EXTRACT_ARCHIVE, "archive entry `b`: hard links are not allowed");
}

static void archive_mode_plain_files(void)
{
	FX(f);
	struct stat st;
	char v[8];
	SETUP(f, NULL);
	struct archive_entry *e = ent("blobs/sha256/abc", S_IFREG | 04777);
	archive_entry_set_uid(e, 1234);
	archive_entry_set_gid(e, 1234);
	archive_entry_xattr_add_entry(e, "user.x", "1", 1);
	add(&f, e, "{}", 2);
	add_dir(&f, "open", 0777);
	add_file(&f, ".wh.foo", 0644, "not a whiteout here");
	add_symlink(&f, "repositories", "blobs/sha256/abc");
	add_dir(&f, ".", 0700);	/* the root entry is skipped */
	EXTRACTS(f, EXTRACT_ARCHIVE);
	CHECK(fstatat(f.rootfd, "blobs/sha256/abc", &st, 0) == 0);
	CHECK((st.st_mode & 07777) == 0755 && st.st_uid == getuid() && st.st_gid == getgid());
	CHECK(st.st_mtim.tv_sec == T0);
	CHECK(fstatat(f.rootfd, "open", &st, 0) == 0 && (st.st_mode & 07777) == 0755);
	CHECK(has_content(f.rootfd, ".wh.foo", "not a whiteout here"));
	CHECK(ltype(f.rootfd, "repositories") == S_IFLNK);
	CHECK(fstat(f.rootfd, &st) == 0 && (st.st_mode & 07777) == 0755);
	_cleanup_free_ char *p = xasprintf("%s/root/blobs/sha256/abc", f.base);
	CHECK(getxattr(p, "user.x", v, sizeof v) < 0 && errno == ENODATA);
}

/* ============================================================ blob_decompress */

/* Writes `plain` as a raw stream through `filter` into a temp file and
 * checks both digests, the size and the copy. */
static bool blob_check(const char *filter, const char *plain, size_t len)
{
	char path[] = "/tmp/argon-test-blob-XXXXXX", want_c[65], want_r[65], got_c[65], got_r[65];
	_cleanup_close_ int fd = mkstemp(path), out = -1, in = -1;
	struct archive *w = archive_write_new();
	struct ar_err err = { 0 };
	_cleanup_free_ char *blob = NULL, *copy = NULL;
	size_t blen = 0, clen = 0;
	uint64_t raw = 0;
	bool ok = false;

	if (fd < 0)
		return false;
	unlink(path);
	if (filter == NULL) {
		ok = write_all(fd, plain, len) == 0;
	} else {
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, "data");
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_size(e, (la_int64_t)len);
		ok = archive_write_set_format_raw(w) == ARCHIVE_OK &&
		     archive_write_add_filter_by_name(w, filter) == ARCHIVE_OK &&
		     archive_write_open_fd(w, fd) == ARCHIVE_OK &&
		     archive_write_header(w, e) == ARCHIVE_OK &&
		     (len == 0 || archive_write_data(w, plain, len) == (la_ssize_t)len) &&
		     archive_write_close(w) == ARCHIVE_OK;
		archive_entry_free(e);
	}
	archive_write_free(w);
	_cleanup_free_ char *self = xasprintf("/proc/self/fd/%d", fd);
	if (!ok || read_file_at(AT_FDCWD, self, &blob, &blen, &err) < 0)
		return false;
	sha256_hex(blob, blen, want_c);
	sha256_hex(plain, len, want_r);
	in = open(self, O_RDONLY | O_CLOEXEC);
	out = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (in < 0 || out < 0 || blob_decompress(in, out, got_c, got_r, &raw, &err) < 0) {
		fprintf(stderr, "  blob_decompress(%s): %s\n", filter ? filter : "plain", err.msg);
		ar_err_clear(&err);
		return false;
	}
	_cleanup_free_ char *outself = xasprintf("/proc/self/fd/%d", out);
	if (read_file_at(AT_FDCWD, outself, &copy, &clen, &err) < 0)
		return false;
	ok = strcmp(got_c, want_c) == 0 && strcmp(got_r, want_r) == 0 && raw == len &&
	     clen == len && memcmp(copy, plain, len) == 0;
	if (!ok)
		fprintf(stderr, "  %s: compressed %s/%s raw %s/%s size %" PRIu64 "/%zu\n",
			filter ? filter : "plain", got_c, want_c, got_r, want_r, raw, len);
	/* out = -1: digests only */
	if (ok && (lseek(in, 0, SEEK_SET) < 0 ||
		   blob_decompress(in, -1, got_c, got_r, NULL, &err) < 0 ||
		   strcmp(got_c, want_c) != 0 || strcmp(got_r, want_r) != 0))
		ok = false;
	ar_err_clear(&err);
	return ok;
}

static char *test_data(size_t len)
{
	char *d = xmalloc(len + 1);
	uint32_t x = 12345;

	/* Half noise, half text: both compressible and not. */
	for (size_t i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		d[i] = i % 2 ? (char)(x >> 16) : (char)('a' + i % 26);
	}
	d[len] = '\0';
	return d;
}

static void blob_digests(void)
{
	_cleanup_free_ char *big = test_data(300000);

	CHECK(blob_check(NULL, "hello\n", 6));
	CHECK(blob_check(NULL, big, 300000));
	CHECK(blob_check("gzip", big, 300000));
	CHECK(blob_check("zstd", big, 300000));
	CHECK(blob_check("gzip", "x", 1));
}

static void blob_empty(void)
{
	static const char empty[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	char c[65], r[65];
	uint64_t n = 99;
	struct ar_err err = { 0 };
	_cleanup_close_ int fd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	CHECK(fd >= 0);
	CHECK(blob_decompress(fd, -1, c, r, &n, &err) == 0);
	CHECK_STR(c, empty);
	CHECK_STR(r, empty);
	CHECK(n == 0);
	/* gzip of nothing: a non-empty blob whose content is empty */
	CHECK(blob_check("gzip", "", 0));
}

/* The compressed digest covers bytes after the end of the gzip stream. */
static void blob_trailing_bytes_hashed(void)
{
	char path[] = "/tmp/argon-test-blob-XXXXXX", c[65], r[65], want[65];
	_cleanup_close_ int fd = mkstemp(path);
	struct archive *w = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	struct ar_err err = { 0 };
	_cleanup_free_ char *blob = NULL;
	size_t blen = 0;

	CHECK(fd >= 0);
	unlink(path);
	archive_entry_set_pathname(e, "data");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_size(e, 5);
	CHECK(archive_write_set_format_raw(w) == ARCHIVE_OK);
	CHECK(archive_write_add_filter_gzip(w) == ARCHIVE_OK);
	CHECK(archive_write_open_fd(w, fd) == ARCHIVE_OK);
	CHECK(archive_write_header(w, e) == ARCHIVE_OK);
	CHECK(archive_write_data(w, "hello", 5) == 5);
	CHECK(archive_write_close(w) == ARCHIVE_OK);
	archive_write_free(w);
	archive_entry_free(e);
	char zeros[100000] = { 0 };
	CHECK(write_all(fd, zeros, sizeof zeros) == 0);
	_cleanup_free_ char *self = xasprintf("/proc/self/fd/%d", fd);
	CHECK(read_file_at(AT_FDCWD, self, &blob, &blen, &err) == 0);
	sha256_hex(blob, blen, want);
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	if (blob_decompress(fd, -1, c, r, NULL, &err) < 0) {
		/* refusing trailing garbage is fine too; hashing part of it is not */
		ar_err_clear(&err);
		return;
	}
	CHECK_STR(c, want);
	sha256_hex("hello", 5, want);
	CHECK_STR(r, want);
}

static void blob_corrupt_refused(void)
{
	char c[65], r[65];
	struct ar_err err = { 0 };
	_cleanup_close_ int fd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	static const unsigned char bad[] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xde, 0xad,
					     0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8 };

	CHECK(fd >= 0 && write_all(fd, bad, sizeof bad) == 0 && lseek(fd, 0, SEEK_SET) == 0);
	CHECK(blob_decompress(fd, -1, c, r, NULL, &err) < 0);
	CHECK(err.msg != NULL);
	ar_err_clear(&err);
}

/* ============================================================ real tar */

/* A tree made by hand, archived by the system's GNU tar, extracts to the
 * same tree (types, modes, owners, sizes, mtimes, contents, links). */
static void real_tar_roundtrip(void)
{
	FX(f);
	struct stat a, b;
	if (access("/bin/busybox", R_OK) < 0 || access("/usr/bin/tar", X_OK) < 0)
		SKIP("needs /bin/busybox and /usr/bin/tar");
	SETUP(f, "raw");
	_cleanup_free_ char *src = xasprintf("%s/src", f.base);
	_cleanup_free_ char *cmd = xasprintf(
		"set -e; mkdir -p %1$s/bin %1$s/etc/empty %1$s/usr/lib; cd %1$s; "
		"cp /bin/busybox bin/busybox; ln -s busybox bin/sh; ln bin/busybox bin/ls; "
		"echo argon > etc/hostname; chmod 0600 etc/hostname; chown 1:2 etc/hostname; "
		"ln -s ../etc/hostname usr/lib/dangling-ish; mkfifo usr/lib/fifo; "
		"chmod 4755 bin/busybox; "
		"touch -h -d @1500000000 bin/sh; touch -d @1400000000 etc/empty etc bin usr/lib usr .; "
		"/usr/bin/tar -C %1$s -cf %2$s/layer.tar .",
		src, f.base);
	CHECK(system(cmd) == 0);
	EXTRACTS(f, EXTRACT_LAYER);
	_cleanup_free_ char *want = describe(f.basefd, "src", 0);
	_cleanup_free_ char *got = describe(f.basefd, "root", 0);
	CHECK_STR(got, want);
	CHECK(fstatat(f.rootfd, "bin/busybox", &a, 0) == 0 && fstatat(f.rootfd, "bin/ls", &b, 0) == 0);
	CHECK(a.st_ino == b.st_ino && (a.st_mode & 07777) == 04755);
	CHECK(f.st.entries == 12);
}

UNIT_MAIN(
	UNIT(dotdot_refused),
	UNIT(dotdot_in_the_middle_refused),
	UNIT(dotdot_in_archive_mode_refused),
	UNIT(absolute_path_kept_inside),
	UNIT(write_through_relative_symlink_refused),
	UNIT(write_through_absolute_symlink_refused),
	UNIT(mkdir_through_symlink_refused),
	UNIT(hardlink_outside_refused),
	UNIT(hardlink_absolute_refused),
	UNIT(hardlink_through_symlink_refused),
	UNIT(hardlink_to_directory_refused),
	UNIT(hardlink_to_symlink_links_the_symlink),
	UNIT(hardlink_data_not_written_through),
	UNIT(file_after_hardlink_replaces_it),
	UNIT(file_replaces_symlink),
	UNIT(dir_replaces_symlink),
	UNIT(dir_fixup_not_applied_through_symlink),
	UNIT(stale_dir_fixup_skipped),
	UNIT(symlink_metadata_not_applied_to_target),
	UNIT(device_major_out_of_range_refused),
	UNIT(device_minor_out_of_range_refused),
	UNIT(char_0_0_refused),
	UNIT(uid_negative_refused),
	UNIT(uid_huge_refused),
	UNIT(gid_huge_refused),
	UNIT(overlong_component_refused),
	UNIT(overlong_path_refused),
	UNIT(whiteout_empty_name_refused),
	UNIT(whiteout_dot_refused),
	UNIT(whiteout_dotdot_refused),
	UNIT(whiteout_unknown_meta_refused),
	UNIT(whiteout_as_directory_refused),
	UNIT(whiteout_through_symlink_refused),
	UNIT(opaque_through_symlink_refused),
	UNIT(untrusted_xattrs_ignored),
	UNIT(truncated_archive_refused),
	UNIT(garbage_refused),
	UNIT(regular_file_metadata),
	UNIT(sparse_file),
	UNIT(hardlinks_share_inode),
	UNIT(symlinks_verbatim),
	UNIT(fifo_created),
	UNIT(char_device_created),
	UNIT(dir_metadata_preserved),
	UNIT(duplicates_last_wins),
	UNIT(whiteouts_become_char_0_0),
	UNIT(opaque_dir_marked),
	UNIT(aufs_metadata_skipped),
	UNIT(security_capability_preserved),
	UNIT(gzip_input),
	UNIT(zstd_input),
	UNIT(stats_counted),
	UNIT(non_ascii_names),
	UNIT(empty_input),
	UNIT(archive_mode_refuses_device),
	UNIT(archive_mode_refuses_fifo),
	UNIT(archive_mode_refuses_hardlink),
	UNIT(archive_mode_plain_files),
	UNIT(blob_digests),
	UNIT(blob_empty),
	UNIT(blob_trailing_bytes_hashed),
	UNIT(blob_corrupt_refused),
	UNIT(real_tar_roundtrip))
