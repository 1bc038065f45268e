/* Unit tests for src/lib/resolve.c: lookups inside a hostile root never
 * leave it, with openat2 and with the forced fallback walk alike.
 *
 * Layout (B = a fresh /tmp/argon-resolve-XXXXXX):
 *   B/outside/secret         the host file an escape would reach
 *   B/root/                  the container root
 *   B/root/etc/x -> B/outside             (absolute: means root/B/outside)
 *   B/root/a/b/rel -> ../../../../../../../../B/outside   (climbs past /)
 * Every test runs in a child with its own private mount namespace.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdbool.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "resolve.h"
#include "unit.h"
#include "util.h"

static char base[64];		/* B */
static char root[128];		/* B/root */
static char outside[128];	/* B/outside */
static int rootfd = -1;

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int r;

	if (fd < 0)
		return -1;
	r = write_all(fd, text, strlen(text));
	close(fd);
	return r;
}

static int mkdirs(const char *rel)
{
	char *p = xasprintf("%s/%s", root, rel);
	int r = 0;

	for (char *s = p + strlen(root) + 1; r == 0 && (s = strchr(s, '/')); s++) {
		*s = '\0';
		r = mkdir(p, 0755) < 0 && errno != EEXIST ? -1 : 0;
		*s = '/';
	}
	if (r == 0 && mkdir(p, 0755) < 0 && errno != EEXIST)
		r = -1;
	free(p);
	return r;
}

static int link_in_root(const char *rel, const char *target)
{
	char *p = xasprintf("%s/%s", root, rel);
	int r = symlink(target, p);

	free(p);
	return r;
}

static bool fixture_up(void)
{
	char *t;
	bool ok;

	snprintf(base, sizeof base, "/tmp/argon-resolve-XXXXXX");
	if (mkdtemp(base) == NULL)
		return false;
	snprintf(root, sizeof root, "%s/root", base);
	snprintf(outside, sizeof outside, "%s/outside", base);
	t = xasprintf("%s/secret", outside);
	ok = mkdir(root, 0755) == 0 && mkdir(outside, 0755) == 0 &&
	     write_text(t, "host secret") == 0 && mkdirs("etc") == 0 && mkdirs("a/b") == 0 &&
	     link_in_root("etc/x", outside) == 0;
	free(t);
	t = xasprintf("../../../../../../../..%s", outside);
	ok = ok && link_in_root("a/b/rel", t) == 0;
	free(t);
	rootfd = ok ? open(root, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
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
	base[0] = '\0';
}

/* Number of entries in the host's outside dir (only `secret` at start). */
static int outside_entries(void)
{
	DIR *d = opendir(outside);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static ino_t ino_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 ? st.st_ino : 0;
}

static ino_t ino_of_fd(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? st.st_ino : 0;
}

/* Runs body in a child (private mount namespace), once with openat2 and
 * once with the fallback walk; the child's CHECK failures fail the test. */
static void run_both(void (*body)(void))
{
	for (int fallback = 0; fallback < 2 && !unit_failed_now; fallback++) {
		pid_t pid;
		int st = 0;

		if (!fixture_up()) {
			fprintf(stderr, "  fixture: %s\n", strerror(errno));
			fixture_down();
			unit_failed_now = 1;
			return;
		}
		pid = fork();
		if (pid == 0) {
			if (unshare(CLONE_NEWNS) < 0 ||
			    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
				_exit(3);
			/* An fd from before unshare names the old namespace's
			 * mounts, where we may not mount. */
			close(rootfd);
			rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
			resolve_force_fallback(fallback);
			body();
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

/* The in-root twin of the host's outside dir: root/B/outside. */
static char *inside_twin(const char *name)
{
	return xasprintf("%s%s/%s", root, outside, name);
}

static bool make_inside_twin(void)
{
	char *dir = xasprintf("%s%s", root, outside), *f = inside_twin("secret");
	bool ok = mkdirs(dir + strlen(root) + 1) == 0 && write_text(f, "inside") == 0;

	free(dir);
	free(f);
	return ok;
}

/* An escape through `via` would reach B/outside/secret; in the root it is
 * ENOENT until the in-root twin exists, and then exactly that twin. */
static void check_escape_via(const char *via)
{
	struct ar_err e = { 0 };
	_cleanup_free_ char *path = xasprintf("%s/secret", via);
	_cleanup_free_ char *twin = inside_twin("secret");
	_cleanup_free_ char *host = xasprintf("%s/secret", outside);
	_cleanup_close_ int fd = resolve_open(rootfd, path, O_RDONLY, &e);

	CHECK(fd < 0);
	CHECK(e.errnum == ENOENT);
	CHECK_CONTAINS(e.msg, path);
	ar_err_clear(&e);
	CHECK(make_inside_twin());
	fd = resolve_open(rootfd, path, O_RDONLY, &e);
	CHECK(fd >= 0);
	CHECK(ino_of_fd(fd) == ino_of(twin));
	CHECK(ino_of_fd(fd) != ino_of(host));
	CHECK(outside_entries() == 1);
}

static void body_abs_symlink(void)
{
	check_escape_via("/etc/x");
}

static void body_rel_symlink(void)
{
	check_escape_via("a/b/rel");
}

static void body_dotdot(void)
{
	_cleanup_free_ char *via = xasprintf("/a/../../../..%s", outside);

	check_escape_via(via);
}

static void body_loops(void)
{
	struct ar_err e = { 0 };
	int fd;

	CHECK(link_in_root("l1", "l2") == 0 && link_in_root("l2", "/l1") == 0);
	CHECK(link_in_root("self", "self") == 0);
	fd = resolve_open(rootfd, "/l1", O_RDONLY, &e);
	CHECK(fd < 0 && e.errnum == ELOOP);
	fd = resolve_open(rootfd, "self/x", O_RDONLY, &e);
	CHECK(fd < 0 && e.errnum == ELOOP);
	ar_err_clear(&e);
}

/* A chain of 40 links resolves; 41 is ELOOP (the fallback's limit). */
static void body_link_limit(void)
{
	struct ar_err e = { 0 };
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *end = xasprintf("%s/end", root);
	char name[32], target[32];

	CHECK(write_text(end, "end") == 0);
	for (int i = 0; i < 41; i++) {
		snprintf(name, sizeof name, "c%d", i);
		snprintf(target, sizeof target, i == 40 ? "end" : "c%d", i + 1);
		CHECK(link_in_root(name, target) == 0);
	}
	fd = resolve_open(rootfd, "c1", O_RDONLY, &e);
	CHECK(fd >= 0);
	close(steal_fd(&fd));
	fd = resolve_open(rootfd, "c0", O_RDONLY, &e);
	CHECK(fd < 0 && e.errnum == ELOOP);
	ar_err_clear(&e);
}

static void body_nofollow_and_types(void)
{
	struct ar_err e = { 0 };
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *file = xasprintf("%s/etc/file", root);
	struct stat st;

	fd = resolve_open(rootfd, "/etc/x", O_RDONLY | O_NOFOLLOW, &e);
	CHECK(fd < 0 && e.errnum == ELOOP);
	fd = resolve_open(rootfd, "/etc/x", O_PATH | O_NOFOLLOW, &e);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISLNK(st.st_mode));
	close(steal_fd(&fd));
	CHECK(write_text(file, "f") == 0);
	fd = resolve_open(rootfd, "/etc/file/more", O_RDONLY, &e);
	CHECK(fd < 0 && e.errnum == ENOTDIR);
	fd = resolve_open(rootfd, "/", O_PATH | O_DIRECTORY, &e);
	CHECK(fd >= 0 && ino_of_fd(fd) == ino_of(root));
	close(steal_fd(&fd));
	/* A relative link inside the root resolves normally. */
	CHECK(link_in_root("etc/alias", "../etc/./file") == 0);
	fd = resolve_open(rootfd, "etc/alias", O_RDONLY, &e);
	CHECK(fd >= 0 && ino_of_fd(fd) == ino_of(file));
	ar_err_clear(&e);
}

static void body_create_through_link(void)
{
	struct ar_err e = { 0 };
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *twin_dir = xasprintf("%s%s", root, outside);
	_cleanup_free_ char *twin = inside_twin("made");

	CHECK(mkdirs(twin_dir + strlen(root) + 1) == 0);
	fd = resolve_open(rootfd, "/etc/x/made", O_WRONLY | O_CREAT, &e);
	CHECK(fd >= 0);
	CHECK(ino_of_fd(fd) == ino_of(twin));
	CHECK(outside_entries() == 1);
	close(steal_fd(&fd));
	fd = resolve_open(rootfd, "/etc/x/made", O_WRONLY | O_CREAT | O_EXCL, &e);
	CHECK(fd < 0 && e.errnum == EEXIST);
	ar_err_clear(&e);
}

static void body_mkdir_p(void)
{
	struct ar_err e = { 0 };
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *twin = inside_twin("new/dir");
	_cleanup_free_ char *twin2 = inside_twin("deep/er");
	_cleanup_free_ char *twin3 = inside_twin("dangling");
	_cleanup_free_ char *dangle = xasprintf("%s/dangling", outside);
	_cleanup_free_ char *ab = xasprintf("%s/a/b", root);
	struct stat st;

	fd = resolve_mkdir_p(rootfd, "/etc/x/new/dir", 0755, &e);
	CHECK(fd >= 0 && ino_of_fd(fd) == ino_of(twin));
	close(steal_fd(&fd));
	fd = resolve_mkdir_p(rootfd, "a/b/rel/deep/er", 0755, &e);
	CHECK(fd >= 0 && ino_of_fd(fd) == ino_of(twin2));
	close(steal_fd(&fd));
	/* The last component is a dangling absolute link: created inside. */
	CHECK(link_in_root("etc/dang", dangle) == 0);
	fd = resolve_mkdir_p(rootfd, "/etc/dang", 0755, &e);
	CHECK(fd >= 0 && ino_of_fd(fd) == ino_of(twin3));
	CHECK(stat(twin3, &st) == 0 && S_ISDIR(st.st_mode));
	close(steal_fd(&fd));
	/* An existing directory is simply opened. */
	fd = resolve_mkdir_p(rootfd, "/a/b", 0755, &e);
	CHECK(fd >= 0 && ino_of_fd(fd) == ino_of(ab));
	close(steal_fd(&fd));
	/* A file in the way inside the root: ENOTDIR, never the host dir. */
	CHECK(make_inside_twin());
	fd = resolve_mkdir_p(rootfd, "/etc/x/secret/sub", 0755, &e);
	CHECK(fd < 0 && e.errnum == ENOTDIR);
	ar_err_clear(&e);
	CHECK(outside_entries() == 1);
}

/* Mount targets: files and directories behind hostile links are created
 * in the root, and mounting on /proc/self/fd/N lands exactly there. */
static void body_mount_target(void)
{
	struct ar_err e = { 0 };
	_cleanup_close_ int dfd = -1, ffd = -1, lfd = -1;
	_cleanup_free_ char *twin = inside_twin("mnt");
	_cleanup_free_ char *ftwin = inside_twin("file");
	_cleanup_free_ char *run = xasprintf("%s/run/resolv.conf", root);
	char p[64];
	struct statfs sf;
	struct stat st;

	dfd = resolve_mount_target(rootfd, "/etc/x/mnt", true, &e);
	CHECK(dfd >= 0 && ino_of_fd(dfd) == ino_of(twin));
	ffd = resolve_mount_target(rootfd, "/etc/x/file", false, &e);
	CHECK(ffd >= 0 && ino_of_fd(ffd) == ino_of(ftwin));
	CHECK(stat(ftwin, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0);
	/* Existing file target: opened, not recreated. */
	close(steal_fd(&ffd));
	ffd = resolve_mount_target(rootfd, "/etc/x/file", false, &e);
	CHECK(ffd >= 0 && ino_of_fd(ffd) == ino_of(ftwin));
	/* A dangling relative link as the file: its target is created. */
	CHECK(link_in_root("etc/resolv.conf", "../run/resolv.conf") == 0);
	lfd = resolve_mount_target(rootfd, "/etc/resolv.conf", false, &e);
	CHECK(lfd >= 0 && ino_of_fd(lfd) == ino_of(run));
	CHECK(outside_entries() == 1);
	snprintf(p, sizeof p, "/proc/self/fd/%d", dfd);
	CHECK(mount("tmpfs", p, "tmpfs", 0, "size=64k") == 0);
	CHECK(statfs(twin, &sf) == 0 && sf.f_type == TMPFS_MAGIC);
	CHECK(statfs(outside, &sf) == 0 && sf.f_type != TMPFS_MAGIC);
	ar_err_clear(&e);
}

static void test_abs_symlink(void) { run_both(body_abs_symlink); }
static void test_rel_symlink(void) { run_both(body_rel_symlink); }
static void test_dotdot(void) { run_both(body_dotdot); }
static void test_loops(void) { run_both(body_loops); }
static void test_link_limit(void) { run_both(body_link_limit); }
static void test_nofollow_and_types(void) { run_both(body_nofollow_and_types); }
static void test_create_through_link(void) { run_both(body_create_through_link); }
static void test_mkdir_p(void) { run_both(body_mkdir_p); }
static void test_mount_target(void) { run_both(body_mount_target); }

UNIT_MAIN_NO_MOUNT_LEAK(UNIT(test_abs_symlink), UNIT(test_rel_symlink), UNIT(test_dotdot),
			UNIT(test_loops), UNIT(test_link_limit), UNIT(test_nofollow_and_types),
			UNIT(test_create_through_link), UNIT(test_mkdir_p), UNIT(test_mount_target))
