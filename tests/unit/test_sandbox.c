/* Unit tests for src/lib/sandbox.c and loopdev.c: real overlay mounts,
 * real loop devices, real ext4. The whole binary runs in its own mount
 * namespace (a constructor unshares before main), so the mount-leak check
 * of UNIT_MAIN_NO_MOUNT_LEAK sees this namespace; loop devices are global,
 * so every test that makes one counts the devices backed by files below
 * its fixture dir before, during and after. Lower layers are built by hand.
 *
 * Layout (B = a fresh /tmp/argon-sbx-XXXXXX per test):
 *   B/l0 B/l1 ...   lower layers (l0 top-most)
 *   B/c             the container dir given to sandbox_*
 *   B/host          stands for the host's own files (prep hard-links them)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "loopdev.h"
#include "sandbox.h"
#include "unit.h"
#include "util.h"

static char base[64], cdir[96];
static struct ar_err terr;
static bool ns_ok;

#define CHECK_OK(call) do { if ((call) < 0) { \
	fprintf(stderr, "  %s:%d: %s: %s\n", __FILE__, __LINE__, #call, terr.msg); \
	unit_failed_now = 1; return; } } while (0)

__attribute__((constructor)) static void private_mount_ns(void)
{
	ns_ok = geteuid() == 0 && unshare(CLONE_NEWNS) == 0 &&
		mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
}

/* ---- mounts and loops below B ---- */

/* Mount points of this namespace below `prefix`, deepest last. */
static size_t mounts_under(const char *prefix, char out[][256], size_t max)
{
	_cleanup_free_ char *text = NULL;
	char *save = NULL;
	size_t n = 0, plen = strlen(prefix);

	if (read_file_at(AT_FDCWD, "/proc/self/mountinfo", &text, NULL, NULL) < 0)
		return 0;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char raw[512], mp[256];
		size_t j = 0;

		if (sscanf(l, "%*d %*d %*s %*s %511s", raw) != 1)
			continue;
		for (const char *p = raw; *p && j < sizeof mp - 1; p++) {
			unsigned o;

			if (p[0] == '\\' && sscanf(p + 1, "%3o", &o) == 1) {	/* \040 */
				mp[j++] = (char)o;
				p += 3;
			} else {
				mp[j++] = *p;
			}
		}
		mp[j] = '\0';
		if (strncmp(mp, prefix, plen) == 0 && n < max)
			snprintf(out[n++], 256, "%s", mp);
	}
	return n;
}

static size_t n_mounts_under(const char *prefix)
{
	static char mps[64][256];

	return mounts_under(prefix, mps, 64);
}

/* Loop devices whose backing file is below `prefix`. */
static int loops_under(const char *prefix)
{
	DIR *d = opendir("/sys/block");
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		_cleanup_free_ char *p = NULL, *text = NULL;

		if (strncmp(de->d_name, "loop", 4) != 0)
			continue;
		p = xasprintf("/sys/block/%s/loop/backing_file", de->d_name);
		if (read_file_at(AT_FDCWD, p, &text, NULL, NULL) == 0 &&
		    strncmp(text, prefix, strlen(prefix)) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/* Autoclear runs when the last user lets go: give it a moment. */
static bool loops_become(const char *prefix, int want)
{
	for (int i = 0; i < 300; i++) {
		if (loops_under(prefix) == want)
			return true;
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
	fprintf(stderr, "  %d loop devices below `%s`, want %d\n", loops_under(prefix), prefix,
		want);
	return false;
}

/* ---- fixture ---- */

static void fixture_down(void)
{
	static char mps[64][256];
	struct ar_err e = { 0 };
	size_t n;

	sandbox_force_legacy_mount(false);
	if (base[0] == '\0')
		return;
	/* A failed test may leave mounts: never remove through them. */
	while ((n = mounts_under(base, mps, 64)) > 0)
		if (umount2(mps[n - 1], MNT_DETACH) < 0)
			break;
	if (rm_rf_at(AT_FDCWD, base, &e) < 0)
		fprintf(stderr, "  cleanup: %s\n", e.msg);
	ar_err_clear(&e);
	ar_err_clear(&terr);
	base[0] = '\0';
}

static void fixture_downp(int *unused)
{
	(void)unused;
	fixture_down();
}
#define _cleanup_fixture_ __attribute__((cleanup(fixture_downp)))

static bool fixture_up(void)
{
	snprintf(base, sizeof base, "/tmp/argon-sbx-XXXXXX");
	if (mkdtemp(base) == NULL) {
		base[0] = '\0';
		return false;
	}
	snprintf(cdir, sizeof cdir, "%s/c", base);
	return mkdir(cdir, 0700) == 0;
}

#define FIXTURE() _cleanup_fixture_ int fixture_ = 0; (void)fixture_; \
	if (!ns_ok) SKIP("needs root and a private mount namespace"); \
	CHECK(fixture_up())

static char *at(const char *rel)
{
	return xasprintf("%s/%s", base, rel);
}

static int put(const char *rel, const char *text)
{
	_cleanup_free_ char *p = at(rel);

	return write_file_at(AT_FDCWD, p, text, strlen(text), O_CREAT | O_TRUNC, 0644, NULL);
}

static int append(const char *rel, const char *text)
{
	_cleanup_free_ char *p = at(rel);

	return write_file_at(AT_FDCWD, p, text, strlen(text), O_APPEND, 0, NULL);
}

static int mkdirs(const char *rel)
{
	_cleanup_free_ char *p = at(rel);

	for (char *s = strchr(p + strlen(base) + 1, '/');; s = strchr(s + 1, '/')) {
		if (s)
			*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -1;
		if (s == NULL)
			return 0;
		*s = '/';
	}
}

static int whiteout(const char *rel)
{
	_cleanup_free_ char *p = at(rel);

	return mknod(p, S_IFCHR, 0);
}

static int remove_at(const char *rel)
{
	_cleanup_free_ char *p = at(rel);

	return unlink(p);
}

static bool content_is(const char *rel, const char *want)
{
	_cleanup_free_ char *p = at(rel), *text = NULL;

	if (read_file_at(AT_FDCWD, p, &text, NULL, NULL) < 0)
		return false;
	if (strcmp(text, want) != 0)
		fprintf(stderr, "  `%s` holds `%s`, want `%s`\n", rel, text, want);
	return strcmp(text, want) == 0;
}

static bool exists(const char *rel)
{
	_cleanup_free_ char *p = at(rel);
	struct stat st;

	return lstat(p, &st) == 0;
}

static bool is_whiteout_at(const char *rel)
{
	_cleanup_free_ char *p = at(rel);
	struct stat st;

	return lstat(p, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == 0;
}

/* Absolute lower paths for sandbox_mount: B/l0 ... */
static char **lowers_of(size_t n)
{
	char **v = xcalloc(n + 1, sizeof *v);

	for (size_t i = 0; i < n; i++)
		v[i] = xasprintf("%s/l%zu", base, i);
	return v;
}

static bool fs_is(const char *rel, long magic)
{
	_cleanup_free_ char *p = at(rel);
	struct statfs sf;

	return statfs(p, &sf) == 0 && sf.f_type == magic;
}

/* ---- parse_size ---- */

static void parse_sizes(void)
{
	static const struct { const char *s; uint64_t v; } ok[] = {
		{ "1", 1 }, { "1048576", 1048576 }, { "1k", 1024 }, { "1K", 1024 },
		{ "10g", 10ull << 30 }, { "512m", 512ull << 20 }, { "100MB", 100ull << 20 },
		{ "2GiB", 2ull << 30 }, { "1.5g", 3ull << 29 }, { "3t", 3ull << 40 },
		{ "1p", 1ull << 50 }, { "7b", 7 }, { "16383p", 16383ull << 50 },
		{ "18446744073709551615", UINT64_MAX },
	};
	static const char *const bad[] = {
		"", "0", "0k", "0.0001k", "-1", "-1g", "+5", " 5", "5 ", "5x", "5kk", "1.", ".5",
		"g", "1e3", "16384p", "18446744073709551616", "99999999999999999999999k", "1g5",
		"0x10", "5ib",
	};
	uint64_t v;

	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		if (parse_size(ok[i].s, &v, &terr) < 0 || v != ok[i].v)
			fprintf(stderr, "  `%s`: %s\n", ok[i].s, terr.msg ? terr.msg : "wrong value");
		CHECK(parse_size(ok[i].s, &v, &terr) == 0 && v == ok[i].v);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (parse_size(bad[i], &v, &terr) == 0)
			fprintf(stderr, "  `%s` accepted as %llu\n", bad[i], (unsigned long long)v);
		CHECK(parse_size(bad[i], &v, &terr) < 0);
		CHECK_CONTAINS(terr.msg, "size");
	}
	CHECK(parse_size(NULL, &v, &terr) < 0);
	ar_err_clear(&terr);
}

/* ---- plain sandbox ---- */

/* Two lowers (l0 over l1) and a plain sandbox in a dir whose name has a
 * space (mountinfo escapes it; sandbox_is_mounted must not care). */
static void plain_overlay_shows_lowers(void)
{
	_cleanup_strv_ char **lw = NULL;
	int lines;

	FIXTURE();
	snprintf(cdir, sizeof cdir, "%s/c 1", base);
	CHECK(mkdir(cdir, 0700) == 0);
	CHECK(mkdirs("l0/etc") == 0 && mkdirs("l1/etc") == 0 && mkdirs("l1/bin") == 0);
	CHECK(put("l1/etc/passwd", "base") == 0 && put("l0/etc/passwd", "top") == 0 &&
	      put("l1/bin/sh", "sh") == 0);
	lw = lowers_of(2);
	CHECK_OK(sandbox_create(cdir, &(struct sandbox_opts){ 0 }, &terr));
	CHECK(exists("c 1/upper") && exists("c 1/work") && exists("c 1/rootfs"));
	CHECK(!sandbox_is_mounted(cdir));
	CHECK_OK(sandbox_mount(cdir, lw, 2, &terr));
	CHECK(sandbox_is_mounted(cdir) && fs_is("c 1/rootfs", OVERLAYFS_SUPER_MAGIC));
	CHECK(content_is("c 1/rootfs/etc/passwd", "top") && content_is("c 1/rootfs/bin/sh", "sh"));
	/* Mounting again changes nothing. */
	lines = unit_mountinfo_lines();
	CHECK_OK(sandbox_mount(cdir, lw, 2, &terr));
	CHECK(unit_mountinfo_lines() == lines && n_mounts_under(base) == 1);
	CHECK_OK(sandbox_unmount(cdir, &terr));
	CHECK(!sandbox_is_mounted(cdir) && n_mounts_under(base) == 0);
	CHECK(!exists("c 1/rootfs/etc"));
	CHECK_OK(sandbox_unmount(cdir, &terr));
	CHECK_OK(sandbox_destroy(cdir, &terr));
	CHECK(!exists("c 1"));
	CHECK_OK(sandbox_destroy(cdir, &terr));
}

static int fstat_path(const char *rel, struct stat *st)
{
	_cleanup_free_ char *p = at(rel);

	return lstat(p, st);
}

/* The property `argon prep` rests on: a lower file hard-linked to a host
 * file is copied up on write; the host file keeps content, inode, mode
 * and mtime. */
static void write_never_reaches_lower(void)
{
	_cleanup_strv_ char **lw = NULL;
	_cleanup_free_ char *f = NULL, *lf = NULL, *r = NULL;
	struct stat before, after, lower_before, lower_after, up;

	FIXTURE();
	CHECK(mkdirs("host") == 0 && mkdirs("l0/etc") == 0 && put("host/F", "host") == 0 &&
	      put("l0/etc/plain", "plain") == 0);
	f = at("host/F");
	lf = at("l0/etc/hosts");
	CHECK(link(f, lf) == 0);
	CHECK(fstat_path("host/F", &before) == 0 && before.st_nlink == 2);
	CHECK(fstat_path("l0/etc/plain", &lower_before) == 0);
	lw = lowers_of(1);
	CHECK_OK(sandbox_create(cdir, &(struct sandbox_opts){ 0 }, &terr));
	CHECK_OK(sandbox_mount(cdir, lw, 1, &terr));
	sleep(1);	/* an mtime change would show */
	CHECK(put("c/rootfs/etc/hosts", "container") == 0 && append("c/rootfs/etc/plain", "+") == 0);
	r = at("c/rootfs/etc/hosts");
	CHECK(chmod(r, 0600) == 0 && chown(r, 123, 456) == 0);
	CHECK(content_is("c/rootfs/etc/hosts", "container") && content_is("host/F", "host") &&
	      content_is("l0/etc/hosts", "host") && content_is("l0/etc/plain", "plain") &&
	      content_is("c/upper/etc/hosts", "container") &&
	      content_is("c/upper/etc/plain", "plain+"));
	CHECK(fstat_path("host/F", &after) == 0 && fstat_path("c/upper/etc/hosts", &up) == 0);
	CHECK(after.st_ino == before.st_ino && after.st_nlink == 2 && after.st_mode == before.st_mode &&
	      after.st_uid == before.st_uid && after.st_mtime == before.st_mtime);
	CHECK(up.st_ino != before.st_ino && up.st_uid == 123 && (up.st_mode & 07777) == 0600);
	CHECK(fstat_path("l0/etc/plain", &lower_after) == 0);
	CHECK(lower_after.st_ino == lower_before.st_ino && lower_after.st_size == 5 &&
	      lower_after.st_mtime == lower_before.st_mtime);
	CHECK_OK(sandbox_unmount(cdir, &terr));
}

struct changes {
	char text[2048];
};

static int collect(char kind, const char *path, void *data)
{
	struct changes *c = data;
	size_t used = strlen(c->text);

	snprintf(c->text + used, sizeof c->text - used, "%c %s\n", kind, path);
	return 0;
}

static void delete_makes_whiteout(void)
{
	_cleanup_strv_ char **lw = NULL;
	_cleanup_free_ char *x = NULL;
	struct changes ch = { "" };

	FIXTURE();
	CHECK(mkdirs("l0/etc") == 0 && put("l0/etc/x", "x") == 0 && put("l0/etc/y", "y") == 0);
	lw = lowers_of(1);
	CHECK_OK(sandbox_create(cdir, &(struct sandbox_opts){ 0 }, &terr));
	CHECK_OK(sandbox_mount(cdir, lw, 1, &terr));
	x = at("c/rootfs/etc/x");
	CHECK(unlink(x) == 0 && !exists("c/rootfs/etc/x") && exists("l0/etc/x"));
	CHECK(is_whiteout_at("c/upper/etc/x"));
	CHECK_OK(sandbox_diff(cdir, lw, 1, collect, &ch, &terr));
	CHECK_STR(ch.text, "C /etc\nD /etc/x\n");
	CHECK_OK(sandbox_unmount(cdir, &terr));
}

static int run(const char *cmd)
{
	_cleanup_free_ char *full = xasprintf("cd '%s/c/rootfs' && %s", base, cmd);
	int st = system(full);

	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* The lowers of the scripted diff: l1 at the bottom, l0 over it. */
static bool diff_lowers(void)
{
	return mkdirs("l1/a") == 0 && put("l1/a/keep", "k") == 0 && put("l1/a/del", "d") == 0 &&
	       mkdirs("l1/b") == 0 && put("l1/b/old", "o") == 0 && mkdirs("l1/d") == 0 &&
	       put("l1/d/x", "x") == 0 && put("l1/w", "w") == 0 && mkdirs("l1/sub/deep") == 0 &&
	       put("l1/sub/deep/f", "f") == 0 && mkdirs("l1/o") == 0 && put("l1/o/q", "q") == 0 &&
	       mkdirs("l0/a") == 0 && put("l0/a/top", "t") == 0 && mkdirs("l0/b") == 0 &&
	       whiteout("l0/b/old") == 0 && mkdirs("l0/o") == 0 && put("l0/o/p", "p") == 0;
}

static void diff_scripted(void)
{
	static const char want[] =
		"C /a\nD /a/del\nC /a/keep\nA /a/new\n"
		"C /b\nA /b/old\n"
		"C /d\nC /d/x\nA /d/y\n"
		"A /ln\n"
		"A /n\nA /n/m\nA /n/m/f\n"
		"C /o\nA /o/q\n"
		"C /sub\nC /sub/deep\nC /sub/deep/f\n"
		"C /w\n";
	_cleanup_strv_ char **lw = NULL;
	_cleanup_free_ char *o = NULL;
	struct changes ch = { "" };

	FIXTURE();
	CHECK(diff_lowers());
	o = at("l0/o");
	/* l0's /o hides l1's /o/q: creating it is an addition. */
	CHECK(setxattr(o, "trusted.overlay.opaque", "y", 1, 0) == 0);
	lw = lowers_of(2);
	CHECK_OK(sandbox_create(cdir, &(struct sandbox_opts){ 0 }, &terr));
	CHECK_OK(sandbox_mount(cdir, lw, 2, &terr));
	CHECK(!exists("c/rootfs/b/old") && !exists("c/rootfs/o/q") && exists("c/rootfs/o/p"));
	CHECK(run("echo >> a/keep && rm a/del && touch a/new && mkdir -p n/m && touch n/m/f && "
		  "touch b/old && rm -rf d && mkdir d && touch d/x d/y && rm w && mkdir w && "
		  "chmod 600 sub/deep/f && ln -s /a ln && touch o/q") == 0);
	CHECK_OK(sandbox_diff(cdir, lw, 2, collect, &ch, &terr));
	CHECK_STR(ch.text, want);
	CHECK_OK(sandbox_unmount(cdir, &terr));
	/* Same answer with the overlay gone: only upper and lowers are read. */
	ch.text[0] = '\0';
	CHECK_OK(sandbox_diff(cdir, lw, 2, collect, &ch, &terr));
	CHECK_STR(ch.text, want);
}

static int stop_at_second(char kind, const char *path, void *data)
{
	int *n = data;

	(void)kind;
	(void)path;
	return ++*n == 2 ? -42 : 0;
}

static void diff_callback_stops(void)
{
	_cleanup_strv_ char **lw = NULL;
	int n = 0;

	FIXTURE();
	CHECK(mkdirs("l0") == 0);
	lw = lowers_of(1);
	CHECK_OK(sandbox_create(cdir, &(struct sandbox_opts){ 0 }, &terr));
	CHECK(put("c/upper/a", "") == 0 && put("c/upper/b", "") == 0 && put("c/upper/c", "") == 0);
	CHECK(sandbox_diff(cdir, lw, 1, stop_at_second, &n, &terr) == -42 && n == 2);
}

/* ---- capped sandbox ---- */

#define MIB (1024ull * 1024)

/* Writes up to `bytes` zeros into `rel`; the errno that stopped it. */
static int fill(const char *rel, uint64_t bytes)
{
	_cleanup_free_ char *p = at(rel), *buf = xcalloc(1, MIB);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), e = 0;

	if (fd < 0)
		return errno;
	for (uint64_t done = 0; done < bytes && e == 0; done += MIB)
		if (write_all(fd, buf, MIB) < 0)
			e = errno;
	if (e == 0 && fsync(fd) < 0)
		e = errno;
	close(fd);
	return e;
}

static int sync_fs(const char *rel)
{
	_cleanup_free_ char *p = at(rel);
	_cleanup_close_ int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	return fd < 0 ? -1 : syncfs(fd);
}

/* ext4 discards when its journal commits; the loop device punches the
 * holes from its own worker: give it a moment. */
static bool image_shrinks_below(const char *rel, uint64_t bytes)
{
	struct stat st;

	for (int i = 0; i < 500; i++) {
		if (fstat_path(rel, &st) == 0 && (uint64_t)st.st_blocks * 512 < bytes)
			return true;
		if (i % 50 == 0)
			sync_fs("c/sandbox");
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
	fprintf(stderr, "  `%s` still uses %llu KiB\n", rel, (unsigned long long)st.st_blocks / 2);
	return false;
}

static void capped_hits_enospc(void)
{
	_cleanup_strv_ char **lw = NULL;
	struct stat img;

	FIXTURE();
	CHECK(mkdirs("l0/etc") == 0 && put("l0/etc/x", "x") == 0);
	lw = lowers_of(1);
	CHECK_OK(sandbox_create(cdir, &(struct sandbox_opts){ .size = 16 * MIB }, &terr));
	CHECK(fstat_path("c/sandbox.img", &img) == 0 && img.st_size == (off_t)(16 * MIB));
	CHECK(!exists("c/upper") && loops_under(base) == 0);
	CHECK_OK(sandbox_mount(cdir, lw, 1, &terr));
	CHECK(loops_under(base) == 1 && n_mounts_under(base) == 2);
	CHECK(fs_is("c/sandbox", EXT4_SUPER_MAGIC) && fs_is("c/rootfs", OVERLAYFS_SUPER_MAGIC));
	CHECK(content_is("c/rootfs/etc/x", "x"));
	CHECK(fill("c/rootfs/big", 32 * MIB) == ENOSPC);
	CHECK(exists("c/sandbox/upper/big") && !exists("l0/big"));
	/* The host file system only holds the image, within its size. */
	CHECK(fstat_path("c/sandbox.img", &img) == 0 && img.st_size == (off_t)(16 * MIB) &&
	      (uint64_t)img.st_blocks * 512 <= 16 * MIB);
	/* Deleting frees the space again, in the image too (discard). */
	CHECK(fstat_path("c/sandbox.img", &img) == 0 && (uint64_t)img.st_blocks * 512 > 12 * MIB);
	CHECK(remove_at("c/rootfs/big") == 0 && sync_fs("c/sandbox") == 0);
	CHECK(image_shrinks_below("c/sandbox.img", 4 * MIB));
	CHECK(fill("c/rootfs/small", 4 * MIB) == 0);
	CHECK_OK(sandbox_unmount(cdir, &terr));
	CHECK(n_mounts_under(base) == 0 && loops_become(base, 0));
	CHECK_OK(sandbox_unmount(cdir, &terr));
	/* The data outlives the mount. */
	CHECK_OK(sandbox_mount(cdir, lw, 1, &terr));
	CHECK(exists("c/rootfs/small") && loops_under(base) == 1);
	CHECK_OK(sandbox_destroy(cdir, &terr));
	CHECK(!exists("c") && n_mounts_under(base) == 0 && loops_become(base, 0));
}

/* `id -u` run as nobody from `path`; its output into out. */
static int run_as_nobody(const char *path, char *out, size_t size)
{
	int p[2], st;
	ssize_t n;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		if (dup2(p[1], 1) < 0 || setgroups(0, NULL) < 0 ||
		    setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
			_exit(126);
		execl(path, "id", "-u", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	n = read_all(p[0], out, size - 1);
	close(p[0]);
	out[n > 0 ? n : 0] = '\0';
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* The capped fs is mounted nosuid,nodev,noexec; through the overlay a
 * copied-up binary still runs, setuid still applies, devices still open. */
static void capped_overlay_keeps_exec_suid_dev(void)
{
	_cleanup_strv_ char **lw = NULL;
	_cleanup_free_ char *idp = NULL, *nul = NULL, *text = NULL;
	char out[64];
	size_t len;
	int fd;

	FIXTURE();
	CHECK(chmod(base, 0755) == 0 && chmod(cdir, 0755) == 0 && mkdirs("l0/bin") == 0);
	CHECK(read_file_at(AT_FDCWD, "/usr/bin/id", &text, &len, NULL) == 0);
	idp = at("l0/bin/id");
	CHECK(write_file_at(AT_FDCWD, idp, text, len, O_CREAT | O_TRUNC, 0755, &terr) == 0);
	free(idp);
	lw = lowers_of(1);
	CHECK_OK(sandbox_create(cdir, &(struct sandbox_opts){ .size = 16 * MIB }, &terr));
	CHECK_OK(sandbox_mount(cdir, lw, 1, &terr));
	idp = at("c/rootfs/bin/id");
	CHECK(chmod(idp, 04755) == 0 && exists("c/sandbox/upper/bin/id"));
	CHECK(run_as_nobody(idp, out, sizeof out) == 0);
	CHECK_STR(out, "0\n");
	nul = at("c/rootfs/null");
	CHECK(mknod(nul, S_IFCHR | 0666, makedev(1, 3)) == 0);
	fd = open(nul, O_WRONLY | O_CLOEXEC);
	CHECK(fd >= 0 && write(fd, "x", 1) == 1);
	close(fd);
	CHECK_OK(sandbox_unmount(cdir, &terr));
	CHECK(loops_become(base, 0));
}

/* A process mounts and dies without unmounting; the next one cleans up. */
static void dead_mounter_cleaned(void)
{
	_cleanup_strv_ char **lw = NULL;
	pid_t pid;
	int st;

	FIXTURE();
	CHECK(mkdirs("l0") == 0 && put("l0/f", "f") == 0);
	lw = lowers_of(1);
	CHECK_OK(sandbox_create(cdir, &(struct sandbox_opts){ .size = 16 * MIB }, &terr));
	pid = fork();
	if (pid == 0)
		_exit(sandbox_mount(cdir, lw, 1, NULL) < 0 ? 1 : 0);
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(sandbox_is_mounted(cdir) && content_is("c/rootfs/f", "f"));
	CHECK(loops_under(base) == 1 && n_mounts_under(base) == 2);
	CHECK_OK(sandbox_unmount(cdir, &terr));
	CHECK(!sandbox_is_mounted(cdir) && n_mounts_under(base) == 0 && loops_become(base, 0));
}

/* A busy rootfs (an open file inside) is still unmounted, lazily; the loop
 * device goes once the last user lets go. */
static void busy_rootfs_detached(void)
{
	_cleanup_strv_ char **lw = NULL;
	_cleanup_free_ char *f = NULL;
	_cleanup_close_ int fd = -1;

	FIXTURE();
	CHECK(mkdirs("l0") == 0 && put("l0/f", "f") == 0);
	lw = lowers_of(1);
	CHECK_OK(sandbox_create(cdir, &(struct sandbox_opts){ .size = 16 * MIB }, &terr));
	CHECK_OK(sandbox_mount(cdir, lw, 1, &terr));
	f = at("c/rootfs/f");
	fd = open(f, O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0);
	CHECK_OK(sandbox_unmount(cdir, &terr));
	CHECK(!sandbox_is_mounted(cdir) && n_mounts_under(base) == 0);
	CHECK(loops_under(base) == 1 && write(fd, "g", 1) == 1);
	close(steal_fd(&fd));
	CHECK(loops_become(base, 0));
}

static bool dir_is_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return false;
	while ((de = readdir(d)) != NULL)
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return n == 0;
}

static void create_failure_leaves_dir(void)
{
	_cleanup_free_ char *rootfs = NULL;

	FIXTURE();
	/* Beyond what ext4 (the fs under /tmp here) can hold in one file. */
	CHECK(sandbox_create(cdir, &(struct sandbox_opts){ .size = 1ull << 60 }, &terr) < 0);
	CHECK_CONTAINS(terr.msg, "sandbox.img");
	CHECK(dir_is_empty(cdir));
	/* Too small for mke2fs: its own message comes through. */
	CHECK(sandbox_create(cdir, &(struct sandbox_opts){ .size = 4096 }, &terr) < 0);
	CHECK_CONTAINS(terr.msg, "mkfs.ext4");
	CHECK(dir_is_empty(cdir) && loops_under(base) == 0);
	CHECK(sandbox_create(cdir, &(struct sandbox_opts){ .size = UINT64_MAX }, &terr) < 0);
	CHECK(dir_is_empty(cdir));
	/* What was there before stays. */
	rootfs = at("c/rootfs");
	CHECK(mkdir(rootfs, 0700) == 0);
	CHECK(sandbox_create(cdir, &(struct sandbox_opts){ 0 }, &terr) < 0);
	CHECK(terr.errnum == EEXIST && exists("c/rootfs") && !exists("c/upper"));
	CHECK(sandbox_create("relative/dir", &(struct sandbox_opts){ 0 }, &terr) < 0);
	CHECK_CONTAINS(terr.msg, "absolute");
}

/* A failing overlay mount takes the sandbox fs it mounted down with it. */
static void mount_failure_rolls_back(void)
{
	char *missing[] = { NULL, NULL };
	char *bad[] = { "/tmp/with:colon", NULL };

	FIXTURE();
	missing[0] = at("no-such-layer");
	CHECK_OK(sandbox_create(cdir, &(struct sandbox_opts){ .size = 16 * MIB }, &terr));
	CHECK(sandbox_mount(cdir, missing, 1, &terr) < 0);
	free(missing[0]);
	CHECK_CONTAINS(terr.msg, "no-such-layer");
	CHECK(n_mounts_under(base) == 0 && loops_become(base, 0));
	CHECK(sandbox_mount(cdir, bad, 1, &terr) < 0);
	CHECK_CONTAINS(terr.msg, "with:colon");
	CHECK(sandbox_mount(cdir, bad, 0, &terr) < 0);
	CHECK(n_mounts_under(base) == 0 && loops_become(base, 0));
}

/* Processes attaching at once: each gets devices of its own (a device
 * taken between LOOP_CTL_GET_FREE and LOOP_CONFIGURE is retried), and a
 * process that exits holding them leaves none attached (autoclear). */
static void loop_attach_concurrent(void)
{
	enum { PROCS = 4, EACH = 3 };
	pid_t pids[PROCS];
	int ok = 0;

	FIXTURE();
	CHECK(put("img", "") == 0);
	for (int p = 0; p < PROCS; p++) {
		pids[p] = fork();
		if (pids[p] == 0) {
			_cleanup_free_ char *img = at("img");
			char *paths[EACH] = { NULL };
			int fd = open(img, O_RDWR | O_CLOEXEC);

			for (int i = 0; i < EACH; i++)
				if (fd < 0 || loop_attach(fd, img, false, &paths[i], NULL) < 0)
					_exit(1);
			for (int i = 0; i < EACH; i++)
				for (int j = 0; j < i; j++)
					if (strcmp(paths[i], paths[j]) == 0)
						_exit(2);
			_exit(loops_under(base) >= EACH ? 0 : 3);
		}
	}
	for (int p = 0; p < PROCS; p++) {
		int st;

		if (pids[p] > 0 && waitpid(pids[p], &st, 0) == pids[p] && WIFEXITED(st) &&
		    WEXITSTATUS(st) == 0)
			ok++;
	}
	CHECK(ok == PROCS);
	CHECK(loops_become(base, 0));
}

/* ---- many layers ---- */

#define MANY 60

/* MANY layers below a long dir name: their options far exceed a page. */
static char **many_lowers(void)
{
	char **v = xcalloc(MANY + 1, sizeof *v);
	char longname[121];

	memset(longname, 'L', 120);
	longname[120] = '\0';
	for (size_t i = 0; i < MANY; i++) {
		_cleanup_free_ char *rel = xasprintf("%s/layer-%02zu", longname, i);
		_cleanup_free_ char *f = xasprintf("%s/f%zu", rel, i), *c = xasprintf("%s/common", rel);
		_cleanup_free_ char *num = xasprintf("%zu", i);

		if (mkdirs(rel) < 0 || put(f, num) < 0 || put(c, num) < 0) {
			strv_free(v);
			return NULL;
		}
		v[i] = at(rel);
	}
	return v;
}

static void many_lowers_mount(void)
{
	_cleanup_strv_ char **lw = NULL;
	size_t total = 0;

	FIXTURE();
	lw = many_lowers();
	CHECK(lw != NULL);
	for (size_t i = 0; i < MANY; i++)
		total += strlen(lw[i]) + 1;
	CHECK(total > 4096);
	CHECK_OK(sandbox_create(cdir, &(struct sandbox_opts){ 0 }, &terr));
	CHECK_OK(sandbox_mount(cdir, lw, MANY, &terr));
	CHECK(content_is("c/rootfs/common", "0"));
	for (size_t i = 0; i < MANY; i++) {
		_cleanup_free_ char *f = xasprintf("c/rootfs/f%zu", i);

		CHECK(exists(f));
	}
	CHECK_OK(sandbox_unmount(cdir, &terr));
	/* mount(2) cannot take them: a clear refusal, nothing left mounted. */
	sandbox_force_legacy_mount(true);
	CHECK(sandbox_mount(cdir, lw, MANY, &terr) < 0);
	CHECK_CONTAINS(terr.msg, "4096");
	CHECK(n_mounts_under(base) == 0);
}

/* The mount(2) path itself, as on kernels before 6.8. */
static void legacy_mount_works(void)
{
	_cleanup_strv_ char **lw = NULL;

	FIXTURE();
	sandbox_force_legacy_mount(true);
	CHECK(mkdirs("l0") == 0 && mkdirs("l1") == 0 && mkdirs("l2") == 0);
	CHECK(put("l0/c", "0") == 0 && put("l1/c", "1") == 0 && put("l2/c", "2") == 0 &&
	      put("l2/only2", "2") == 0);
	lw = lowers_of(3);
	CHECK_OK(sandbox_create(cdir, &(struct sandbox_opts){ .size = 16 * MIB }, &terr));
	CHECK_OK(sandbox_mount(cdir, lw, 3, &terr));
	CHECK(fs_is("c/rootfs", OVERLAYFS_SUPER_MAGIC) && content_is("c/rootfs/c", "0") &&
	      content_is("c/rootfs/only2", "2"));
	CHECK(put("c/rootfs/new", "n") == 0 && content_is("c/sandbox/upper/new", "n"));
	CHECK_OK(sandbox_unmount(cdir, &terr));
	CHECK(loops_become(base, 0));
}

/* ---- upper path, diff of a capped sandbox ---- */

static void upper_path_and_capped_diff(void)
{
	_cleanup_strv_ char **lw = NULL;
	_cleanup_free_ char *up = NULL, *want = NULL;
	struct changes ch = { "" };

	FIXTURE();
	CHECK(mkdirs("l0/etc") == 0 && put("l0/etc/a", "a") == 0);
	lw = lowers_of(1);
	CHECK_OK(sandbox_create(cdir, &(struct sandbox_opts){ .size = 16 * MIB }, &terr));
	CHECK_OK(sandbox_upper_path(cdir, &up, &terr));
	want = at("c/sandbox/upper");
	CHECK_STR(up, want);
	CHECK(fs_is("c/sandbox", EXT4_SUPER_MAGIC) && loops_under(base) == 1);
	CHECK(mkdirs("c/sandbox/upper/etc") == 0 && put("c/sandbox/upper/etc/b", "b") == 0);
	CHECK_OK(sandbox_unmount(cdir, &terr));
	CHECK(loops_become(base, 0));
	/* diff mounts the sandbox fs for the walk and unmounts it again. */
	CHECK_OK(sandbox_diff(cdir, lw, 1, collect, &ch, &terr));
	CHECK_STR(ch.text, "C /etc\nA /etc/b\n");
	CHECK(n_mounts_under(base) == 0 && loops_become(base, 0));
	free(up);
	up = NULL;
	CHECK_OK(sandbox_destroy(cdir, &terr));
	CHECK(mkdir(cdir, 0700) == 0);
	CHECK_OK(sandbox_create(cdir, &(struct sandbox_opts){ 0 }, &terr));
	CHECK_OK(sandbox_upper_path(cdir, &up, &terr));
	free(want);
	want = at("c/upper");
	CHECK_STR(up, want);
	CHECK(n_mounts_under(base) == 0);
}

/* ---- timing ---- */

static double secs_since(uint64_t t0)
{
	return (double)(now_ns() - t0) / 1e9;
}

/* 1 GiB: mkfs and mount should be cheap, the image sparse. */
static void timing_1g(void)
{
	_cleanup_strv_ char **lw = NULL;
	double t_create, t_mount, t_unmount;
	struct stat img;
	uint64_t t0;

	FIXTURE();
	CHECK(mkdirs("l0") == 0);
	lw = lowers_of(1);
	t0 = now_ns();
	CHECK_OK(sandbox_create(cdir, &(struct sandbox_opts){ .size = 1024 * MIB }, &terr));
	t_create = secs_since(t0);
	t0 = now_ns();
	CHECK_OK(sandbox_mount(cdir, lw, 1, &terr));
	t_mount = secs_since(t0);
	t0 = now_ns();
	CHECK_OK(sandbox_unmount(cdir, &terr));
	t_unmount = secs_since(t0);
	CHECK(fstat_path("c/sandbox.img", &img) == 0);
	printf("  1 GiB sandbox: create (ftruncate+mkfs.ext4) %.3f s, mount (loop+ext4+overlay) "
	       "%.3f s, unmount %.3f s, image uses %llu KiB on the host\n", t_create, t_mount,
	       t_unmount, (unsigned long long)img.st_blocks / 2);
	CHECK((uint64_t)img.st_blocks * 512 < 8 * MIB);
	CHECK(loops_become(base, 0));
}

UNIT_MAIN_NO_MOUNT_LEAK(UNIT(parse_sizes), UNIT(plain_overlay_shows_lowers),
			UNIT(write_never_reaches_lower), UNIT(delete_makes_whiteout),
			UNIT(diff_scripted), UNIT(diff_callback_stops), UNIT(capped_hits_enospc),
			UNIT(capped_overlay_keeps_exec_suid_dev), UNIT(dead_mounter_cleaned),
			UNIT(busy_rootfs_detached), UNIT(loop_attach_concurrent), UNIT(create_failure_leaves_dir),
			UNIT(mount_failure_rolls_back), UNIT(many_lowers_mount),
			UNIT(legacy_mount_works), UNIT(upper_path_and_capped_diff), UNIT(timing_1g))
