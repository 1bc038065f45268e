/* Unit tests for src/lib/cp*.c (docker cp): docker's path rules, and that
 * a hostile container root can never make a copy read or write outside it.
 *
 * Layout (B = a fresh /tmp/argon-cp-XXXXXX):
 *   B/outside/secret     the host file an escape would reach ("host secret")
 *   B/root/              the container root; B/root/etc/passwd is its own
 *   B/host/              the host side of the copies
 * The container's hostile links point at B/outside by absolute path or by
 * climbing with "..": inside the root those mean B/root/B/outside (the
 * "twin"), which some tests create to see the copy land exactly there.
 * Every test runs twice (openat2, then the forced fallback walk), and
 * B/outside is snapshotted (names, types, modes, sizes, times, contents)
 * before and after: any change fails the test.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cp.h"
#include "resolve.h"
#include "unit.h"
#include "util.h"

#define T0 1000000000
#define BIG (1024 * 1024)

static char base[64];
static int rootfd = -1;
static struct ar_err E;

/* A path below B (printf-style); caller frees. */
static char * __attribute__((format(printf, 1, 2))) B(const char *fmt, ...)
{
	va_list ap;
	char *rel, *p;

	va_start(ap, fmt);
	if (vasprintf(&rel, fmt, ap) < 0)
		abort();
	va_end(ap);
	p = xasprintf("%s/%s", base, rel);
	free(rel);
	return p;
}

static int put(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	int r;

	if (fd < 0)
		return -1;
	r = write_all(fd, text, strlen(text));
	if (r == 0)
		r = fchmod(fd, mode);
	close(fd);
	return r;
}

static int put_b(const char *rel, const char *text)
{
	_cleanup_free_ char *p = B("%s", rel);

	return put(p, text, 0644);
}

/* The text of a regular file (never through a symlink), or NULL. */
static char *get(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	char *buf;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return NULL;
	buf = xcalloc(1, (size_t)st.st_size + 1);
	if (read_all(fd, buf, (size_t)st.st_size) != st.st_size) {
		free(buf);
		return NULL;
	}
	return buf;
}

static char *get_b(const char *rel)
{
	_cleanup_free_ char *p = B("%s", rel);

	return get(p);
}

static bool is_type(const char *rel, mode_t type)
{
	_cleanup_free_ char *p = B("%s", rel);
	struct stat st;

	return lstat(p, &st) == 0 && (st.st_mode & S_IFMT) == type;
}

static bool exists_b(const char *rel)
{
	_cleanup_free_ char *p = B("%s", rel);
	struct stat st;

	return lstat(p, &st) == 0;
}

static int mkdir_b(const char *rel, mode_t mode)
{
	_cleanup_free_ char *p = B("%s", rel);

	return mkdir(p, mode) == 0 || errno == EEXIST ? 0 : -1;
}

static int link_b(const char *rel, const char *target)
{
	_cleanup_free_ char *p = B("%s", rel);

	return symlink(target, p);
}

static int set_time_b(const char *rel)
{
	_cleanup_free_ char *p = B("%s", rel);
	struct timespec ts[2] = { { T0, 0 }, { T0, 0 } };

	return utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW);
}

/* Entries of a directory (not . and ..) whose names start with prefix. */
static int count_entries(const char *rel, const char *prefix)
{
	_cleanup_free_ char *p = B("%s", rel);
	DIR *d = opendir(p);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
		     strncmp(de->d_name, prefix, strlen(prefix)) == 0;
	closedir(d);
	return n;
}

/* The temporary names a copy uses (cp_place.c). */
static int tmp_left(const char *rel)
{
	return count_entries(rel, ".argon-cp-");
}

static int dir_entries(const char *rel)
{
	return count_entries(rel, "");
}

/* ------------------------------------------------------------ snapshot */

static char *snap;

static int snap_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	_cleanup_free_ char *text = S_ISREG(st->st_mode) ? get(path) : NULL;
	char *line = xasprintf("%s %o %u:%u %lld %lld.%09ld %s\n", path, st->st_mode,
			       st->st_uid, st->st_gid, (long long)st->st_size,
			       (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
			       text ? text : "-");
	char *next = xasprintf("%s%s", snap, line);

	free(line);
	free(snap);
	snap = next;
	return 0;
}

/* Everything below B/outside, as text. */
static char *snapshot(void)
{
	_cleanup_free_ char *dir = B("outside");

	snap = xstrdup("");
	if (nftw(dir, snap_one, 16, FTW_PHYS) < 0) {
		free(snap);
		return xstrdup("(nftw failed)");
	}
	return steal_ptr(&snap);
}

/* ------------------------------------------------------------ fixture */

static bool fixture_up(void)
{
	_cleanup_free_ char *root = NULL;

	snprintf(base, sizeof base, "/tmp/argon-cp-XXXXXX");
	if (mkdtemp(base) == NULL)
		return false;
	root = B("root");
	if (mkdir_b("root", 0755) < 0 || mkdir_b("host", 0755) < 0 ||
	    mkdir_b("outside", 0755) < 0 || put_b("outside/secret", "host secret") < 0 ||
	    mkdir_b("root/etc", 0755) < 0 || put_b("root/etc/passwd", "container passwd") < 0 ||
	    put_b("host/f", "data") < 0)
		return false;
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return rootfd >= 0;
}

static void fixture_down(void)
{
	struct ar_err e = { 0 };

	if (rootfd >= 0)
		close(rootfd);
	rootfd = -1;
	if (base[0] && rm_rf_at(AT_FDCWD, base, &e) < 0)
		fprintf(stderr, "  cleanup: %s\n", e.msg);
	ar_err_clear(&e);
	ar_err_clear(&E);
	base[0] = '\0';
}

/* The root's twin of B/outside: B/root/B/outside (made when `make`). */
static char *twin_rel(const char *name)
{
	return xasprintf("root%s/outside%s%s", base, name ? "/" : "", name ? name : "");
}

static bool make_twin(void)
{
	_cleanup_free_ char *t = twin_rel(NULL), *p = NULL;
	bool ok = true;

	/* mkdir -p of root/tmp/argon-cp-XXXXXX/outside */
	for (char *s = strchr(t + 5, '/'); ok && s; s = strchr(s + 1, '/')) {
		*s = '\0';
		ok = mkdir_b(t, 0755) == 0;
		*s = '/';
	}
	p = twin_rel("secret");
	return ok && mkdir_b(t, 0755) == 0 && put_b(p, "inside") == 0;
}

static void run_both(void (*body)(void))
{
	for (int fallback = 0; fallback < 2 && !unit_failed_now; fallback++) {
		_cleanup_free_ char *before = NULL, *after = NULL;

		if (!fixture_up()) {
			fprintf(stderr, "  fixture: %s\n", strerror(errno));
			fixture_down();
			unit_failed_now = 1;
			return;
		}
		before = snapshot();
		resolve_force_fallback(fallback);
		body();
		resolve_force_fallback(false);
		cp_set_race_hook(NULL, NULL);
		after = snapshot();
		if (strcmp(before, after) != 0) {
			fprintf(stderr, "  B/outside changed:\n%s  now:\n%s", before, after);
			unit_failed_now = 1;
		}
		if (unit_failed_now)
			fprintf(stderr, "  (%s mode; last error: %s)\n",
				fallback ? "fallback" : "openat2", E.msg ? E.msg : "none");
		fixture_down();
	}
}

/* ------------------------------------------------------------ copies */

/* host B/<hrel> -> container path */
static int to_box(const char *hrel, const char *cpath, bool archive, bool follow)
{
	_cleanup_free_ char *h = B("%s", hrel);
	struct cp_end s = { .rootfd = -1, .path = h };
	struct cp_end d = { .rootfd = rootfd, .container = "c", .path = cpath };
	struct cp_opts o = { .archive = archive, .follow = follow };

	ar_err_clear(&E);
	return cp_copy(&s, &d, &o, NULL, &E);
}

/* container path -> host B/<hrel> (a trailing "/" kept) */
static int from_box(const char *cpath, const char *hrel, bool archive, bool follow)
{
	_cleanup_free_ char *h = B("%s", hrel);
	struct cp_end s = { .rootfd = rootfd, .container = "c", .path = cpath };
	struct cp_end d = { .rootfd = -1, .path = h };
	struct cp_opts o = { .archive = archive, .follow = follow };

	ar_err_clear(&E);
	return cp_copy(&s, &d, &o, NULL, &E);
}

#define CHECK_TEXT(rel, want) do { _cleanup_free_ char *t_ = get_b(rel); \
	CHECK_STR(t_, want); } while (0)

/* ------------------------------------------------------------ docker's rules */

static void body_file_rules(void)
{
	_cleanup_free_ char *hf = B("host/f");
	struct stat st;
	struct timespec ts[2] = { { T0, 0 }, { T0, 5 } };

	CHECK(chmod(hf, 0640) == 0 && utimensat(AT_FDCWD, hf, ts, 0) == 0);
	CHECK(mkdir_b("root/dir", 0755) == 0);
	/* DEST a directory: DEST/basename(SRC), mode and mtime kept */
	CHECK(to_box("host/f", "/dir", false, false) == 0);
	CHECK_TEXT("root/dir/f", "data");
	{
		_cleanup_free_ char *p = B("root/dir/f");
		CHECK(lstat(p, &st) == 0 && (st.st_mode & 07777) == 0640);
		CHECK(st.st_mtim.tv_sec == T0 && st.st_mtim.tv_nsec == 5);
		CHECK(st.st_uid == 0 && st.st_gid == 0);
	}
	CHECK(to_box("host/f", "dir/", false, false) == 0);	/* relative = from / */
	/* DEST missing: a file of that name; DEST a file: overwritten */
	CHECK(to_box("host/f", "/new", false, false) == 0);
	CHECK_TEXT("root/new", "data");
	CHECK(put(hf, "data2", 0600) == 0);
	CHECK(to_box("host/f", "/new", false, false) == 0);
	CHECK_TEXT("root/new", "data2");
	/* DEST ending in "/" must be a directory that exists */
	CHECK(to_box("host/f", "/missing/", false, false) < 0);
	CHECK(!exists_b("root/missing"));
	CHECK(to_box("host/f", "/new/", false, false) < 0);
	CHECK(E.errnum == ENOTDIR);
	CHECK_TEXT("root/new", "data2");
	/* DEST's parent must exist: docker's message */
	CHECK(to_box("host/f", "/nodir/x", false, false) < 0);
	CHECK(E.errnum == ENOENT);
	CHECK_STR(E.msg, "Could not find the file /nodir in container c");
	CHECK(to_box("host/nope", "/dir", false, false) < 0 && E.errnum == ENOENT);
	CHECK(tmp_left("root/dir") == 0 && tmp_left("root") == 0);
}

static void body_dir_rules(void)
{
	struct stat st;

	CHECK(mkdir_b("host/d", 0755) == 0 && put_b("host/d/a", "A") == 0);
	CHECK(mkdir_b("host/d/sub", 0750) == 0 && put_b("host/d/sub/b", "B") == 0);
	CHECK(link_b("host/d/ln", "a") == 0 && set_time_b("host/d/sub") == 0);
	/* DEST missing: created with SRC's contents */
	CHECK(to_box("host/d", "/new", false, false) == 0);
	CHECK_TEXT("root/new/a", "A");
	CHECK_TEXT("root/new/sub/b", "B");
	CHECK(is_type("root/new/ln", S_IFLNK));
	{
		_cleanup_free_ char *p = B("root/new/sub");
		CHECK(lstat(p, &st) == 0 && (st.st_mode & 07777) == 0750 &&
		      st.st_mtim.tv_sec == T0);
	}
	/* DEST a directory: DEST/basename(SRC) */
	CHECK(to_box("host/d", "/", false, false) == 0);
	CHECK_TEXT("root/d/sub/b", "B");
	/* "/." merges the contents */
	CHECK(put_b("host/d/a", "A2") == 0 && put_b("host/d/c", "C") == 0);
	CHECK(to_box("host/d/.", "/new", false, false) == 0);
	CHECK_TEXT("root/new/a", "A2");
	CHECK_TEXT("root/new/c", "C");
	CHECK(!exists_b("root/new/d"));
	/* a directory onto a file; a directory over a file of its name */
	CHECK(to_box("host/d", "/etc/passwd", false, false) < 0 && E.errnum == EISDIR);
	CHECK_TEXT("root/etc/passwd", "container passwd");
	CHECK(mkdir_b("root/clash", 0755) == 0 && put_b("root/clash/d", "file") == 0);
	CHECK(to_box("host/d", "/clash", false, false) < 0);
	CHECK_CONTAINS(E.msg, "cannot overwrite non-directory");
	CHECK_TEXT("root/clash/d", "file");
	/* a file over a directory of its name */
	CHECK(mkdir_b("root/dx", 0755) == 0 && mkdir_b("root/dx/f", 0755) == 0);
	CHECK(to_box("host/f", "/dx", false, false) < 0);
	CHECK_CONTAINS(E.msg, "cannot overwrite directory");
	CHECK(is_type("root/dx/f", S_IFDIR));
	CHECK(tmp_left("root") == 0 && tmp_left("root/clash") == 0 && tmp_left("root/dx") == 0);
}

static void body_from_box(void)
{
	CHECK(from_box("/etc/passwd", "host/out", false, false) == 0);
	CHECK_TEXT("host/out", "container passwd");
	CHECK(from_box("etc", "host/", false, false) == 0);
	CHECK_TEXT("host/etc/passwd", "container passwd");
	CHECK(from_box("/etc/.", "host/etc2", false, false) == 0);
	CHECK_TEXT("host/etc2/passwd", "container passwd");
	CHECK(from_box("/nope", "host/o", false, false) < 0);
	CHECK(E.errnum == ENOENT);
	CHECK_STR(E.msg, "Could not find the file /nope in container c");
	CHECK(!exists_b("host/o"));
	CHECK(from_box("/etc/passwd/.", "host/o", false, false) < 0 && E.errnum == ENOTDIR);
	/* the root itself: its contents */
	CHECK(from_box("/", "host/all", false, false) == 0);
	CHECK_TEXT("host/all/etc/passwd", "container passwd");
}

static void body_owners(void)
{
	_cleanup_free_ char *own = B("host/own"), *pw = B("root/etc/passwd");
	_cleanup_free_ char *o1 = B("root/o1"), *o2 = B("root/o2");
	_cleanup_free_ char *p1 = B("host/p1"), *p2 = B("host/p2");
	struct stat st;

	CHECK(put(own, "x", 04755) == 0 && chown(own, 1234, 5678) == 0 && chmod(own, 04755) == 0);
	CHECK(to_box("host/own", "/o1", false, false) == 0);
	CHECK(lstat(o1, &st) == 0 && st.st_uid == 0 && st.st_gid == 0);
	CHECK((st.st_mode & 07777) == 04755);	/* setuid kept, after chown */
	CHECK(to_box("host/own", "/o2", true, false) == 0);
	CHECK(lstat(o2, &st) == 0 && st.st_uid == 1234 && st.st_gid == 5678);
	CHECK((st.st_mode & 07777) == 04755);
	CHECK(chown(pw, 42, 43) == 0);
	CHECK(from_box("/etc/passwd", "host/p1", false, false) == 0);
	CHECK(lstat(p1, &st) == 0 && st.st_uid == geteuid() && st.st_gid == getegid());
	CHECK(from_box("/etc/passwd", "host/p2", true, false) == 0);
	CHECK(lstat(p2, &st) == 0 && st.st_uid == 42 && st.st_gid == 43);
}

/* A symlink SRC: the link itself, or with -L its target under SRC's name. */
static void body_src_symlink(void)
{
	_cleanup_free_ char *hf = B("host/f");
	_cleanup_free_ char *l = NULL;

	CHECK(link_b("host/hl", hf) == 0 && mkdir_b("root/dir", 0755) == 0);
	CHECK(to_box("host/hl", "/l1", false, false) == 0);
	CHECK(is_type("root/l1", S_IFLNK));
	CHECK(to_box("host/hl", "/dir", false, true) == 0);
	CHECK(is_type("root/dir/hl", S_IFREG));
	CHECK_TEXT("root/dir/hl", "data");
	/* in the container: -L follows inside the root */
	CHECK(link_b("root/etc/plink", "/etc/passwd") == 0);
	CHECK(from_box("/etc/plink", "host/p", false, true) == 0);
	CHECK_TEXT("host/p", "container passwd");
	/* a trailing "/" follows a link to a directory, as docker does */
	CHECK(mkdir_b("root/tmp", 0755) == 0 && link_b("root/tmp/ldir", "/etc") == 0);
	CHECK(from_box("/tmp/ldir/", "host/ld", false, false) == 0);
	CHECK_TEXT("host/ld/passwd", "container passwd");
	CHECK(from_box("/tmp/ldir", "host/ld2", false, false) == 0);
	CHECK(is_type("host/ld2", S_IFLNK));
	CHECK(from_box("/etc/plink/", "host/ld3", false, false) < 0 && E.errnum == ENOTDIR);
	CHECK(from_box("/etc/plink", "host/q", false, false) == 0);
	CHECK(is_type("host/q", S_IFLNK));
	l = B("host/q");
	{
		char t[64];
		ssize_t n = readlink(l, t, sizeof t - 1);
		CHECK(n == 11 && memcmp(t, "/etc/passwd", 11) == 0);
	}
}

/* A host tree holding the container's root, copied into it: what the
 * copy makes is not copied again. */
static void body_into_itself(void)
{
	struct cp_end s = { .rootfd = -1, .path = base };
	struct cp_end d = { .rootfd = rootfd, .container = "c", .path = "/copy" };
	struct cp_opts o = { 0 };

	CHECK(cp_copy(&s, &d, &o, NULL, &E) == 0);
	CHECK_TEXT("root/copy/root/etc/passwd", "container passwd");
	CHECK_TEXT("root/copy/host/f", "data");
	CHECK(!exists_b("root/copy/root/copy"));
	CHECK(tmp_left("root") == 0 && tmp_left("root/copy/root") == 0);
}

/* ------------------------------------------------------------ hostile roots */

/* root/abs -> B/outside: an absolute host path, meaning the twin inside. */
static void body_abs_parent(void)
{
	_cleanup_free_ char *out = B("outside");
	_cleanup_free_ char *tf = twin_rel("f"), *ts = twin_rel("secret"), *twin = twin_rel(NULL);

	CHECK(link_b("root/abs", out) == 0);
	CHECK(to_box("host/f", "/abs/f", false, false) < 0 && E.errnum == ENOENT);
	CHECK(from_box("/abs/secret", "host/got", false, false) < 0 && E.errnum == ENOENT);
	CHECK(!exists_b("host/got"));
	CHECK(make_twin());
	CHECK(to_box("host/f", "/abs/f", false, false) == 0);
	CHECK_TEXT(tf, "data");
	CHECK(to_box("host/f", "/abs/secret", false, false) == 0);
	CHECK_TEXT(ts, "data");
	CHECK(from_box("/abs/secret", "host/got", false, false) == 0);
	CHECK_TEXT("host/got", "data");
	/* into the link as a directory */
	CHECK(to_box("host/f", "/abs/", false, false) == 0);
	CHECK(tmp_left(twin) == 0);
}

/* ".." climbing: in a link's target and in the path itself. */
static void body_dotdot(void)
{
	_cleanup_free_ char *rel = xasprintf("../../../../../../../..%s/outside", base);
	_cleanup_free_ char *via = xasprintf("/../../../..%s/outside/y", base);
	_cleanup_free_ char *tx = twin_rel("x"), *ty = twin_rel("y");

	CHECK(mkdir_b("root/a", 0755) == 0 && mkdir_b("root/a/b", 0755) == 0);
	CHECK(link_b("root/a/b/rel", rel) == 0);
	CHECK(to_box("host/f", "/a/b/rel/x", false, false) < 0 && E.errnum == ENOENT);
	CHECK(to_box("host/f", via, false, false) < 0 && E.errnum == ENOENT);
	CHECK(make_twin());
	CHECK(to_box("host/f", "/a/b/rel/x", false, false) == 0);
	CHECK_TEXT(tx, "data");
	CHECK(to_box("host/f", via, false, false) == 0);
	CHECK_TEXT(ty, "data");
	CHECK(from_box("a/b/rel/secret", "host/got", false, false) == 0);
	CHECK_TEXT("host/got", "inside");
}

/* DEST itself a link to an absolute host path: followed inside the root;
 * a dangling one is created at its target, inside. */
static void body_dest_link(void)
{
	_cleanup_free_ char *sec = B("outside/secret"), *nf = B("outside/newfile");
	_cleanup_free_ char *ts = twin_rel("secret"), *tn = twin_rel("newfile");

	CHECK(link_b("root/pw", sec) == 0 && link_b("root/dang", nf) == 0);
	CHECK(make_twin());
	CHECK(to_box("host/f", "/pw", false, false) == 0);
	CHECK_TEXT(ts, "data");
	CHECK(is_type("root/pw", S_IFLNK));
	CHECK(to_box("host/f", "/dang", false, false) == 0);
	CHECK_TEXT(tn, "data");
	CHECK(!exists_b("outside/newfile"));
}

/* Links inside a copied tree are copied as links, never followed. */
static void body_tree_links(void)
{
	_cleanup_free_ char *sec = B("outside/secret");

	CHECK(mkdir_b("root/tree", 0755) == 0 && link_b("root/tree/esc", sec) == 0);
	CHECK(link_b("root/tree/up", "../../../..") == 0);
	CHECK(from_box("/tree", "host/t", false, false) == 0);
	CHECK(is_type("host/t/esc", S_IFLNK) && is_type("host/t/up", S_IFLNK));
	CHECK(to_box("host/t", "/tree2", false, false) == 0);
	CHECK(is_type("root/tree2/esc", S_IFLNK) && is_type("root/tree2/up", S_IFLNK));
	/* and a copy into the container through such a link is refused
	 * by the rules of a directory (the link is replaced, not followed) */
	CHECK(mkdir_b("host/tree", 0755) == 0 && mkdir_b("host/tree/esc", 0755) == 0);
	CHECK(put_b("host/tree/esc/pwn", "x") == 0);
	CHECK(to_box("host/tree", "/", false, false) < 0);
	CHECK_CONTAINS(E.msg, "cannot overwrite non-directory");
}

/* The race hook swaps B/root/data for a link to B/outside once the copy
 * has opened its destination. */
static void swap_dir(const char *dst, void *data)
{
	_cleanup_free_ char *d = B("root/data"), *m = B("root/data.moved"), *o = B("outside");

	if (rename(d, m) < 0 || symlink(o, d) < 0)
		fprintf(stderr, "  swap_dir: %s\n", strerror(errno));
	(*(int *)data)++;
}

static void body_race_dir(void)
{
	int calls = 0;

	CHECK(mkdir_b("root/data", 0755) == 0);
	CHECK(mkdir_b("host/d", 0755) == 0 && put_b("host/d/a", "A") == 0);
	cp_set_race_hook(swap_dir, &calls);
	CHECK(to_box("host/f", "/data/", false, false) == 0);
	CHECK(calls == 1);
	CHECK_TEXT("root/data.moved/f", "data");
	CHECK(is_type("root/data", S_IFLNK));
	/* again, with a directory, into the moved dir */
	{
		_cleanup_free_ char *d = B("root/data"), *m = B("root/data.moved");
		CHECK(unlink(d) == 0 && rename(m, d) == 0);
	}
	CHECK(to_box("host/d", "/data", false, false) == 0);
	CHECK(calls == 2);
	CHECK_TEXT("root/data.moved/d/a", "A");
	cp_set_race_hook(NULL, NULL);
}

/* ... or swaps the destination file for a link to the host's secret. */
static void swap_file(const char *dst, void *data)
{
	_cleanup_free_ char *f = B("root/data/f"), *s = B("outside/secret");

	if (unlink(f) < 0 || symlink(s, f) < 0)
		fprintf(stderr, "  swap_file: %s\n", strerror(errno));
	(*(int *)data)++;
}

static void body_race_file(void)
{
	int calls = 0;

	CHECK(mkdir_b("root/data", 0755) == 0 && put_b("root/data/f", "old") == 0);
	cp_set_race_hook(swap_file, &calls);
	CHECK(to_box("host/f", "/data", false, false) == 0);	/* into the dir */
	CHECK(calls == 1);
	CHECK(is_type("root/data/f", S_IFREG));
	CHECK_TEXT("root/data/f", "data");
	CHECK(to_box("host/f", "/data/f", false, false) == 0);	/* over the file */
	CHECK(calls == 2);
	CHECK(is_type("root/data/f", S_IFREG));
	CHECK_TEXT("root/data/f", "data");
	cp_set_race_hook(NULL, NULL);
	CHECK(tmp_left("root/data") == 0);
}

/* ------------------------------------------------------------ tar streams */

struct tb {
	struct archive *a;
	int fd;
};

static bool tar_begin(struct tb *t, const char *rel)
{
	_cleanup_free_ char *p = B("%s", rel);

	t->fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	t->a = archive_write_new();
	return t->fd >= 0 && archive_write_set_format_pax(t->a) == ARCHIVE_OK &&
	       archive_write_open_fd(t->a, t->fd) == ARCHIVE_OK;
}

static void tar_add(struct tb *t, const char *name, mode_t mode, const char *text,
		    const char *link, const char *hard)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_copy_pathname(e, name);
	archive_entry_set_mode(e, mode);
	archive_entry_set_uid(e, 77);
	archive_entry_set_gid(e, 88);
	archive_entry_set_mtime(e, T0, 0);
	if (link)
		archive_entry_copy_symlink(e, link);
	if (hard)
		archive_entry_copy_hardlink(e, hard);
	archive_entry_set_size(e, text ? (la_int64_t)strlen(text) : 0);
	archive_write_header(t->a, e);
	if (text)
		archive_write_data(t->a, text, strlen(text));
	archive_entry_free(e);
}

static void tar_end(struct tb *t)
{
	archive_write_close(t->a);
	archive_write_free(t->a);
	close(t->fd);
}

static int from_tar(const char *rel, const char *cpath, bool archive)
{
	_cleanup_free_ char *p = B("%s", rel);
	_cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
	struct cp_end d = { .rootfd = rootfd, .container = "c", .path = cpath };
	struct cp_opts o = { .archive = archive };

	ar_err_clear(&E);
	return cp_from_tar(fd, &d, &o, NULL, &E);
}

static void body_tar_in(void)
{
	_cleanup_free_ char *out = B("outside"), *ok = B("root/dst/ok.txt"), *hl = B("root/dst/hl");
	_cleanup_free_ char *d2 = B("root/dst/dir2"), *up = xasprintf("../..%s/outside/secret", base);
	struct stat a, b;
	struct tb t;

	CHECK(mkdir_b("root/dst", 0755) == 0);
	CHECK(tar_begin(&t, "t1.tar"));
	tar_add(&t, "./", AE_IFDIR | 0700, NULL, NULL, NULL);
	tar_add(&t, "ok.txt", AE_IFREG | 0600, "OK", NULL, NULL);
	tar_add(&t, "sub/deep.txt", AE_IFREG | 0644, "D", NULL, NULL);
	tar_add(&t, "/abs.txt", AE_IFREG | 0644, "ABS", NULL, NULL);
	tar_add(&t, "lnk", AE_IFLNK | 0777, NULL, out, NULL);
	tar_add(&t, "hl", AE_IFREG | 0600, NULL, NULL, "ok.txt");
	tar_add(&t, "dir2/", AE_IFDIR | 0700, NULL, NULL, NULL);
	tar_add(&t, "dir2/x", AE_IFREG | 0644, "X", NULL, NULL);
	tar_end(&t);
	CHECK(from_tar("t1.tar", "/dst", false) == 0);
	CHECK_TEXT("root/dst/ok.txt", "OK");
	CHECK_TEXT("root/dst/sub/deep.txt", "D");
	CHECK_TEXT("root/dst/abs.txt", "ABS");
	CHECK(!exists_b("root/abs.txt"));
	CHECK(is_type("root/dst/lnk", S_IFLNK));
	CHECK(lstat(ok, &a) == 0 && lstat(hl, &b) == 0 && a.st_ino == b.st_ino);
	CHECK(a.st_uid == 0 && (a.st_mode & 07777) == 0600 && a.st_mtim.tv_sec == T0);
	CHECK(lstat(d2, &a) == 0 && (a.st_mode & 07777) == 0700 && a.st_mtim.tv_sec == T0);
	/* the destination itself ("./") keeps its own mode */
	{
		_cleanup_free_ char *dst = B("root/dst");
		CHECK(lstat(dst, &a) == 0 && (a.st_mode & 07777) == 0755);
	}
	/* again with -a: the archive's owners; an existing tree is merged */
	CHECK(from_tar("t1.tar", "/dst", true) == 0);
	CHECK(lstat(ok, &a) == 0 && a.st_uid == 77 && a.st_gid == 88);
	/* through a symlink the archive made */
	CHECK(tar_begin(&t, "t2.tar"));
	tar_add(&t, "lnk2", AE_IFLNK | 0777, NULL, out, NULL);
	tar_add(&t, "lnk2/pwn", AE_IFREG | 0644, "PWN", NULL, NULL);
	tar_end(&t);
	CHECK(from_tar("t2.tar", "/dst", false) < 0 && E.errnum == ENOTDIR);
	/* names that climb out, hard links that would */
	CHECK(tar_begin(&t, "t3.tar"));
	tar_add(&t, "a/../../escape", AE_IFREG | 0644, "E", NULL, NULL);
	tar_end(&t);
	CHECK(from_tar("t3.tar", "/dst", false) < 0 && E.errnum == EINVAL);
	CHECK(!exists_b("root/escape"));
	CHECK(tar_begin(&t, "t4.tar"));
	tar_add(&t, "h", AE_IFREG | 0644, NULL, NULL, up);
	tar_end(&t);
	CHECK(from_tar("t4.tar", "/dst", false) < 0);
	CHECK(tar_begin(&t, "t5.tar"));
	tar_add(&t, "h", AE_IFREG | 0644, NULL, NULL, "lnk/secret");
	tar_end(&t);
	CHECK(from_tar("t5.tar", "/dst", false) < 0);
	CHECK(!exists_b("root/dst/h"));
	/* a directory over a file */
	CHECK(tar_begin(&t, "t6.tar"));
	tar_add(&t, "ok.txt/", AE_IFDIR | 0755, NULL, NULL, NULL);
	tar_end(&t);
	CHECK(from_tar("t6.tar", "/dst", false) < 0);
	CHECK_CONTAINS(E.msg, "cannot overwrite non-directory");
	/* DEST must be a directory: not a file, not a link out */
	CHECK(from_tar("t1.tar", "/etc/passwd", false) < 0);
	CHECK_CONTAINS(E.msg, "must be a directory");
	CHECK(link_b("root/dl", out) == 0);
	CHECK(from_tar("t1.tar", "/dl", false) < 0);
	CHECK(tmp_left("root/dst") == 0);
}

/* "name type [target|content]" per entry of the tar at B/<rel>. */
static char *tar_list(const char *rel)
{
	_cleanup_free_ char *p = B("%s", rel);
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char *out = xstrdup("");

	archive_read_support_format_tar(a);
	archive_read_support_format_empty(a);
	if (archive_read_open_filename(a, p, 10240) != ARCHIVE_OK) {
		archive_read_free(a);
		free(out);
		return xstrdup("(unreadable)");
	}
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		char data[256] = "";
		char *next;

		if (archive_entry_filetype(e) == AE_IFREG)
			archive_read_data(a, data, sizeof data - 1);
		next = xasprintf("%s%s %c %s\n", out, archive_entry_pathname(e),
				 archive_entry_filetype(e) == AE_IFDIR ? 'd' :
				 archive_entry_filetype(e) == AE_IFLNK ? 'l' : 'f',
				 archive_entry_filetype(e) == AE_IFLNK ? archive_entry_symlink(e) : data);
		free(out);
		out = next;
	}
	archive_read_free(a);
	return out;
}

static int to_tar(const char *cpath, const char *rel)
{
	_cleanup_free_ char *p = B("%s", rel);
	_cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	struct cp_end s = { .rootfd = rootfd, .container = "c", .path = cpath };
	struct cp_opts o = { 0 };

	ar_err_clear(&E);
	return cp_to_tar(&s, fd, &o, NULL, &E);
}

static void body_tar_out(void)
{
	_cleanup_free_ char *l1 = NULL, *l2 = NULL, *l3 = NULL, *l4 = NULL;
	_cleanup_free_ char *sec = B("outside/secret"), *empty = B("o5.tar");
	struct stat st;

	CHECK(link_b("root/etc/sh", sec) == 0);
	CHECK(to_tar("/etc", "o1.tar") == 0);
	l1 = tar_list("o1.tar");
	CHECK_CONTAINS(l1, "etc/ d");
	CHECK_CONTAINS(l1, "etc/passwd f container passwd\n");
	CHECK_CONTAINS(l1, "etc/sh l ");
	CHECK(strstr(l1, "host secret") == NULL);
	CHECK(to_tar("/etc/.", "o2.tar") == 0);
	l2 = tar_list("o2.tar");
	CHECK_CONTAINS(l2, "./passwd f container passwd\n");
	CHECK(to_tar("etc/passwd", "o3.tar") == 0);
	l3 = tar_list("o3.tar");
	CHECK_STR(l3, "passwd f container passwd\n");
	/* -L is not asked: the link itself */
	CHECK(to_tar("/etc/sh", "o4.tar") == 0);
	l4 = tar_list("o4.tar");
	CHECK(strncmp(l4, "sh l /", 6) == 0);
	CHECK(to_tar("/nope", "o5.tar") < 0 && E.errnum == ENOENT);
	CHECK(stat(empty, &st) == 0 && st.st_size == 0);
}

/* ------------------------------------------------------------ no partial files */

static void body_no_partial(void)
{
	_cleanup_free_ char *big = B("host/big"), *small = B("root/small");
	char *fill = xmalloc(BIG + 1);
	struct tb t;

	memset(fill, 'x', BIG);
	fill[BIG] = '\0';
	CHECK(put(big, fill, 0644) == 0);
	CHECK(mkdir_b("host/dbig", 0755) == 0 && put_b("host/dbig/a", "A") == 0);
	{
		_cleanup_free_ char *z = B("host/dbig/z");
		CHECK(put(z, fill, 0644) == 0);
	}
	CHECK(tar_begin(&t, "big.tar"));
	tar_add(&t, "big", AE_IFREG | 0644, fill, NULL, NULL);
	tar_end(&t);
	free(fill);
	CHECK(mkdir(small, 0755) == 0);
	CHECK(mount("tmpfs", small, "tmpfs", 0, "size=256k") == 0);
	CHECK(to_box("host/big", "/small/big", false, false) < 0 && E.errnum == ENOSPC);
	CHECK(dir_entries("root/small") == 0);
	CHECK(put_b("root/small/f", "old") == 0);
	CHECK(to_box("host/big", "/small/f", false, false) < 0);
	CHECK_TEXT("root/small/f", "old");
	CHECK(to_box("host/dbig", "/small/dbig", false, false) < 0);
	CHECK(from_tar("big.tar", "/small", false) < 0);
	CHECK(dir_entries("root/small") == 1);
	CHECK(umount2(small, MNT_DETACH) == 0);
}

/* The kernel's file systems mounted in the root are not walked into (a
 * running container's /proc and /sys); named as SRC they are read. */
static void body_pseudo_fs(void)
{
	_cleanup_free_ char *proc = B("root/proc"), *sys = B("root/sys"), *tmp = B("root/tmp");

	CHECK(mkdir(proc, 0555) == 0 && mkdir(sys, 0555) == 0 && mkdir(tmp, 01777) == 0);
	CHECK(mount("proc", proc, "proc", 0, NULL) == 0);
	CHECK(mount("sysfs", sys, "sysfs", 0, NULL) == 0);
	CHECK(mount("tmpfs", tmp, "tmpfs", 0, "size=64k") == 0);
	CHECK(put_b("root/tmp/t", "on tmpfs") == 0);
	CHECK(from_box("/", "host/all", false, false) == 0);
	CHECK_TEXT("host/all/etc/passwd", "container passwd");
	CHECK_TEXT("host/all/tmp/t", "on tmpfs");
	CHECK(is_type("host/all/proc", S_IFDIR) && dir_entries("host/all/proc") == 0);
	CHECK(is_type("host/all/sys", S_IFDIR) && dir_entries("host/all/sys") == 0);
	CHECK(from_box("/proc/self/stat", "host/stat", false, false) == 0);
	{
		_cleanup_free_ char *t = get_b("host/stat");
		CHECK(t && t[0] >= '1' && t[0] <= '9');
	}
	CHECK(umount2(proc, MNT_DETACH) == 0 && umount2(sys, MNT_DETACH) == 0);
	CHECK(umount2(tmp, MNT_DETACH) == 0);
}

/* In a child with a private mount namespace (the tmpfs goes with it). */
static void in_mount_ns(void (*body)(void))
{
	for (int fallback = 0; fallback < 2 && !unit_failed_now; fallback++) {
		_cleanup_free_ char *root = NULL;
		int st = 0;
		pid_t pid;

		if (!fixture_up()) {
			fixture_down();
			unit_failed_now = 1;
			return;
		}
		root = B("root");
		pid = fork();
		if (pid == 0) {
			if (unshare(CLONE_NEWNS) < 0 ||
			    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
				_exit(3);
			close(rootfd);
			rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
			resolve_force_fallback(fallback);
			body();
			if (unit_failed_now)
				fprintf(stderr, "  last error: %s\n", E.msg ? E.msg : "none");
			_exit(unit_failed_now ? 1 : 0);
		}
		while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		if (pid < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "  %s mode failed (status %#x)\n",
				fallback ? "fallback" : "openat2", st);
			unit_failed_now = 1;
		}
		fixture_down();
	}
}

/* ------------------------------------------------------------ tests */

static void test_file_rules(void) { run_both(body_file_rules); }
static void test_dir_rules(void) { run_both(body_dir_rules); }
static void test_from_container(void) { run_both(body_from_box); }
static void test_owners(void) { run_both(body_owners); }
static void test_copy_into_itself(void) { run_both(body_into_itself); }
static void test_src_symlink(void) { run_both(body_src_symlink); }
static void test_abs_symlink_parent(void) { run_both(body_abs_parent); }
static void test_dotdot_escapes(void) { run_both(body_dotdot); }
static void test_dest_symlink(void) { run_both(body_dest_link); }
static void test_tree_links_not_followed(void) { run_both(body_tree_links); }
static void test_race_dest_dir_swapped(void) { run_both(body_race_dir); }
static void test_race_dest_file_swapped(void) { run_both(body_race_file); }
static void test_tar_in(void) { run_both(body_tar_in); }
static void test_tar_out(void) { run_both(body_tar_out); }
static void test_no_partial_file(void) { in_mount_ns(body_no_partial); }
static void test_pseudo_fs_not_walked(void) { in_mount_ns(body_pseudo_fs); }

UNIT_MAIN_NO_MOUNT_LEAK(
	UNIT(test_file_rules),
	UNIT(test_dir_rules),
	UNIT(test_from_container),
	UNIT(test_owners),
	UNIT(test_copy_into_itself),
	UNIT(test_src_symlink),
	UNIT(test_abs_symlink_parent),
	UNIT(test_dotdot_escapes),
	UNIT(test_dest_symlink),
	UNIT(test_tree_links_not_followed),
	UNIT(test_race_dest_dir_swapped),
	UNIT(test_race_dest_file_swapped),
	UNIT(test_tar_in),
	UNIT(test_tar_out),
	UNIT(test_no_partial_file),
	UNIT(test_pseudo_fs_not_walked)
)
