/* Unit tests for src/lib/rootfs*.c: a hand-built spec set up around a tiny
 * rootfs in a child with its own mount (and UTS) namespace, checked from
 * inside after pivot_root; host-side effects checked by the parent.
 *
 * Layout (B = a fresh /tmp/argon-rootfs-XXXXXX):
 *   B/rootfs     the container root (dirs, a few files)
 *   B/hostdata   a host directory bound read-only at /data
 *   B/outside    what a hostile symlink points at; must stay untouched
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

/* gnu11 predefines `linux` as 1; spec.h has a field of that name. */
#undef linux
#include "rootfs.h"
#include "unit.h"
#include "util.h"

static char base[64], rootfs[128], hostdata[128], outside[128];
static struct ar_err terr;

/* Like CHECK for a fallible call: prints its error message. */
#define CHECK_OK(call) do { if ((call) < 0) { \
	fprintf(stderr, "  %s:%d: %s: %s\n", __FILE__, __LINE__, #call, terr.msg); \
	unit_failed_now = 1; return; } } while (0)

static int put_file(const char *dir, const char *rel, const char *text)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int r;

	if (fd < 0)
		return -1;
	r = write_all(fd, text, strlen(text));
	close(fd);
	return r;
}

static int put_dir(const char *dir, const char *rel)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, rel);

	return mkdir(p, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

static int put_link(const char *dir, const char *rel, const char *target)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, rel);

	return symlink(target, p);
}

static bool fixture_up(void)
{
	static const char *const dirs[] = {
		"proc", "dev", "tmp", "etc", "etc/rodir", "etc/secretdir", "etc/copy",
		"etc/copy/sub", "data", "sys", NULL
	};

	snprintf(base, sizeof base, "/tmp/argon-rootfs-XXXXXX");
	if (mkdtemp(base) == NULL)
		return false;
	snprintf(rootfs, sizeof rootfs, "%s/rootfs", base);
	snprintf(hostdata, sizeof hostdata, "%s/hostdata", base);
	snprintf(outside, sizeof outside, "%s/outside", base);
	if (mkdir(rootfs, 0755) < 0 || mkdir(hostdata, 0755) < 0 || mkdir(outside, 0755) < 0)
		return false;
	for (const char *const *d = dirs; *d; d++)
		if (put_dir(rootfs, *d) < 0)
			return false;
	return put_file(rootfs, "marker", "m") == 0 && put_file(rootfs, "etc/secret", "secret") == 0 &&
	       put_file(rootfs, "etc/secretdir/f", "x") == 0 &&
	       put_file(rootfs, "etc/copy/a", "copied") == 0 &&
	       put_file(rootfs, "etc/copy/sub/b", "b") == 0 &&
	       put_link(rootfs, "etc/copy/link", "a") == 0 &&
	       put_file(hostdata, "hello", "hello") == 0;
}

static void fixture_down(void)
{
	struct ar_err e = { 0 };

	if (base[0] && rm_rf_at(AT_FDCWD, base, &e) < 0)
		fprintf(stderr, "  cleanup: %s\n", e.msg);
	ar_err_clear(&e);
	base[0] = '\0';
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
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

/* Fixture in the parent, body in a child with private namespaces, the
 * parent's host-side check after the child is gone, then cleanup. */
static void run_test(void (*setup)(void), void (*body)(void), void (*host_check)(void))
{
	pid_t pid;
	int st = 0;

	if (!fixture_up()) {
		fprintf(stderr, "  fixture: %s\n", strerror(errno));
		unit_failed_now = 1;
		fixture_down();
		return;
	}
	if (setup)
		setup();
	pid = unit_failed_now ? -1 : fork();
	if (pid == 0) {
		if (unshare(CLONE_NEWNS | CLONE_NEWUTS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			_exit(3);
		body();
		_exit(unit_failed_now ? 1 : 0);
	}
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (pid > 0 && (!WIFEXITED(st) || WEXITSTATUS(st) != 0)) {
		fprintf(stderr, "  child failed (status %#x)\n", st);
		unit_failed_now = 1;
	}
	if (!unit_failed_now && host_check)
		host_check();
	fixture_down();
}

static struct spec_mount *add_mount(struct spec *s, const char *dest, const char *type,
				    const char *src, unsigned long flags, const char *data)
{
	struct spec_mount *m;

	s->mounts = xrealloc(s->mounts, (s->n_mounts + 1) * sizeof *s->mounts);
	m = &s->mounts[s->n_mounts++];
	memset(m, 0, sizeof *m);
	m->destination = xstrdup(dest);
	m->type = type ? xstrdup(type) : NULL;
	m->source = src ? xstrdup(src) : NULL;
	m->flags = flags;
	m->data = data ? xstrdup(data) : NULL;
	return m;
}

static void add_bind(struct spec *s, const char *dest, const char *src, unsigned long flags)
{
	struct spec_mount *m = add_mount(s, dest, "bind", src, MS_BIND | MS_REC | flags, NULL);

	m->bind = m->recursive = true;
}

static void add_base_mounts(struct spec *s, bool dev_tmpfs)
{
	add_mount(s, "/proc", "proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL);
	if (!dev_tmpfs)
		return;
	add_mount(s, "/dev", "tmpfs", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=1m");
	add_mount(s, "/dev/pts", "devpts", "devpts", MS_NOSUID | MS_NOEXEC,
		  "newinstance,ptmxmode=0666,mode=0620");
}

static bool is_chr(const char *path, unsigned maj, unsigned min)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == maj &&
	       minor(st.st_rdev) == min;
}

static int create_errno(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return errno;
}

static bool link_is(const char *path, const char *target)
{
	char buf[256];
	ssize_t n = readlink(path, buf, sizeof buf - 1);

	if (n < 0)
		return false;
	buf[n] = '\0';
	return strcmp(buf, target) == 0;
}

static ssize_t read_size(const char *path)
{
	char buf[64];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof buf);
	close(fd);
	return n;
}

/* The mountinfo line of "/" says whether it is shared. */
static bool root_is_shared(void)
{
	_cleanup_free_ char *text = NULL;
	char *save = NULL;

	if (read_file_at(AT_FDCWD, "/proc/self/mountinfo", &text, NULL, NULL) < 0)
		return false;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char mp[256];

		if (sscanf(l, "%*d %*d %*s %*s %255s", mp) == 1 && strcmp(mp, "/") == 0)
			return strstr(l, " shared:") != NULL;
	}
	return false;
}

/* A pty of the container's own devpts; its slave path into *slave. */
static int open_pty(char *slave, size_t len)
{
	int fd = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC), n = 0, unlock = 0;

	if (fd < 0 || ioctl(fd, TIOCSPTLCK, &unlock) < 0 || ioctl(fd, TIOCGPTN, &n) < 0)
		return -1;
	snprintf(slave, len, "/dev/pts/%d", n);
	return fd;
}

/* /proc/kcore is absent on some kernels (then skipped, like /nonexistent). */
static char *masked[] = {
	"/proc/kcore", "/proc/keys", "/proc/acpi", "/etc/secret", "/etc/secretdir",
	"/nonexistent/x", NULL
};
static char *readonly[] = { "/proc/sys", "/etc/rodir", "/missing", NULL };

static void full_spec(struct spec *s, struct spec_kv *kv)
{
	struct spec_mount *m;

	add_base_mounts(s, true);
	add_mount(s, "/tmp", "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV, "size=1m");
	add_bind(s, "/data", hostdata, MS_RDONLY);
	m = add_mount(s, "/etc/copy", "tmpfs", "tmpfs", MS_RDONLY, "size=1m");
	m->tmpcopyup = true;
	s->linux.masked_paths = masked;
	s->linux.readonly_paths = readonly;
	kv->key = "kernel.hostname";
	kv->value = "argon-rootfs-test";
	s->linux.sysctl = kv;
	s->linux.n_sysctl = 1;
	s->root_readonly = true;
	s->linux.rootfs_propagation = MS_SHARED;
}

static void check_dev(void)
{
	struct stat st;

	CHECK(is_chr("/dev/null", 1, 3) && is_chr("/dev/zero", 1, 5));
	CHECK(is_chr("/dev/full", 1, 7) && is_chr("/dev/random", 1, 8));
	CHECK(is_chr("/dev/urandom", 1, 9) && is_chr("/dev/tty", 5, 0));
	CHECK(stat("/dev/null", &st) == 0 && (st.st_mode & 07777) == 0666);
	CHECK(link_is("/dev/fd", "/proc/self/fd") && link_is("/dev/stdin", "/proc/self/fd/0"));
	CHECK(link_is("/dev/stdout", "/proc/self/fd/1"));
	CHECK(link_is("/dev/stderr", "/proc/self/fd/2"));
	CHECK(link_is("/dev/ptmx", "pts/ptmx"));
	CHECK(stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode));
}

static void check_mounts(void)
{
	struct statfs sf;
	struct stat st;

	CHECK(read_size("/data/hello") == 5);
	CHECK(create_errno("/data/new") == EROFS);
	CHECK(read_size("/etc/copy/a") == 6 && read_size("/etc/copy/sub/b") == 1);
	CHECK(link_is("/etc/copy/link", "a"));
	CHECK(statfs("/etc/copy", &sf) == 0 && sf.f_type == TMPFS_MAGIC);
	CHECK(create_errno("/etc/copy/new") == EROFS);
	CHECK(read_size("/etc/secret") == 0);
	CHECK(is_chr("/proc/keys", 1, 3));
	CHECK(access("/proc/kcore", F_OK) < 0 || is_chr("/proc/kcore", 1, 3));
	CHECK(statfs("/proc/acpi", &sf) == 0 && sf.f_type == TMPFS_MAGIC);
	CHECK(mkdir("/proc/acpi/x", 0755) < 0 && errno == EROFS);
	CHECK(count_entries("/etc/secretdir") == 0);
	CHECK(create_errno("/etc/secretdir/new") == EROFS);
	CHECK(create_errno("/etc/rodir/new") == EROFS);
	CHECK(open("/proc/sys/kernel/hostname", O_WRONLY | O_CLOEXEC) < 0 && errno == EROFS);
	CHECK(create_errno("/newfile") == EROFS);
	CHECK(create_errno("/tmp/newfile") == 0);
	CHECK(stat("/marker", &st) == 0);
	CHECK(root_is_shared());
}

static void body_full(void)
{
	struct spec s = { 0 }, bad = { 0 };
	struct spec_kv kv, badkv = { "kernel/../../x", "1" };
	struct rootfs_opts o = { .spec = &s, .rootfs = rootfs, .terminal = true };
	struct rootfs_opts ob = { .spec = &bad };
	struct utsname u;
	struct stat a, b;
	char slave[64];

	full_spec(&s, &kv);
	CHECK_OK(rootfs_prepare(&o, &terr));
	CHECK_OK(rootfs_pivot(&o, &terr));
	CHECK(stat("/dev/console", &a) == 0 && S_ISREG(a.st_mode));
	CHECK(open_pty(slave, sizeof slave) >= 0);
	CHECK_OK(rootfs_bind_console(slave, &terr));
	CHECK(stat("/dev/console", &a) == 0 && stat(slave, &b) == 0 && a.st_rdev == b.st_rdev);
	CHECK_OK(rootfs_finalize(&o, &terr));
	check_dev();
	if (unit_failed_now)
		return;
	check_mounts();
	CHECK(uname(&u) == 0 && strcmp(u.nodename, "argon-rootfs-test") == 0);
	bad.linux.sysctl = &badkv;
	bad.linux.n_sysctl = 1;
	CHECK(rootfs_finalize(&ob, &terr) < 0);
	CHECK_CONTAINS(terr.msg, "invalid key");
}

/* Nothing the container did reached the host's copy of the rootfs. */
static void host_full(void)
{
	_cleanup_free_ char *p = xasprintf("%s/etc/copy/new", rootfs);
	_cleanup_free_ char *dev = xasprintf("%s/dev", rootfs);

	CHECK(access(p, F_OK) < 0 && errno == ENOENT);
	CHECK(count_entries(dev) == 0);	/* /dev was a tmpfs */
	CHECK(count_entries(outside) == 0);
}

static void test_full_container(void)
{
	run_test(NULL, body_full, host_full);
}

/* The image plants a regular file at /dev/null and a symlink at /dev/zero;
 * with no /dev mount both must be replaced by the real nodes. */
static void setup_planted(void)
{
	_cleanup_free_ char *target = xasprintf("%s/etc/target", rootfs);

	CHECK(put_file(rootfs, "dev/null", "planted") == 0);
	CHECK(put_file(rootfs, "etc/target", "target") == 0);
	CHECK(put_link(rootfs, "dev/zero", "/etc/target") == 0);
	CHECK(put_link(rootfs, "dev/fd", "/elsewhere") == 0);	/* kept */
	CHECK(put_link(rootfs, "dev/console", "/etc/target") == 0);
}

static void body_planted(void)
{
	struct spec s = { 0 };
	struct spec_device dev = { .path = "/dev/mydev", .type = 'c', .major = 1, .minor = 7,
				   .has_mode = true, .mode = 0600, .has_uid = true,
				   .uid = 1000, .has_gid = true, .gid = 1001 };
	struct rootfs_opts o = { .spec = &s, .rootfs = rootfs, .terminal = true };
	char *mask[] = { "/etc/secret", NULL };
	struct stat st;

	add_base_mounts(&s, false);
	s.linux.devices = &dev;
	s.linux.n_devices = 1;
	s.linux.masked_paths = mask;
	CHECK_OK(rootfs_prepare(&o, &terr));
	CHECK_OK(rootfs_pivot(&o, &terr));
	CHECK_OK(rootfs_finalize(&o, &terr));
	CHECK(is_chr("/dev/null", 1, 3) && is_chr("/dev/zero", 1, 5));
	CHECK(read_size("/etc/target") == 6);
	CHECK(lstat("/dev/mydev", &st) == 0 && S_ISCHR(st.st_mode));
	CHECK((st.st_mode & 07777) == 0600 && st.st_uid == 1000 && st.st_gid == 1001);
	CHECK(major(st.st_rdev) == 1 && minor(st.st_rdev) == 7);
	CHECK(link_is("/dev/fd", "/elsewhere"));
	CHECK(lstat("/dev/ptmx", &st) < 0);	/* no devpts mount, no link */
	CHECK(lstat("/dev/console", &st) == 0 && S_ISREG(st.st_mode));
	CHECK(read_size("/etc/secret") == 0);
}

static void host_planted(void)
{
	_cleanup_free_ char *null = xasprintf("%s/dev/null", rootfs);
	_cleanup_free_ char *target = xasprintf("%s/etc/target", rootfs);
	char buf[16] = { 0 };
	int fd;

	CHECK(is_chr(null, 1, 3));
	fd = open(target, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	CHECK(read(fd, buf, sizeof buf - 1) == 6 && strcmp(buf, "target") == 0);
	close(fd);
}

static void test_planted_dev_nodes(void)
{
	run_test(setup_planted, body_planted, host_planted);
}

/* A regular file swapped in at /dev/null before finalize must never be
 * bound over masked paths. */
static void body_fake_null(void)
{
	struct spec s = { 0 };
	struct rootfs_opts o = { .spec = &s, .rootfs = rootfs };
	char *mask[] = { "/etc/secret", NULL };

	add_base_mounts(&s, true);
	s.linux.masked_paths = mask;
	CHECK_OK(rootfs_prepare(&o, &terr));
	CHECK_OK(rootfs_pivot(&o, &terr));
	CHECK(unlink("/dev/null") == 0 && put_file("/dev", "null", "fake") == 0);
	CHECK(rootfs_finalize(&o, &terr) < 0);
	CHECK_CONTAINS(terr.msg, "`/dev/null` is not the null device");
	CHECK(read_size("/etc/secret") == 6);
}

static void test_masked_needs_real_null(void)
{
	run_test(NULL, body_fake_null, NULL);
}

static void setup_proc_link(void)
{
	_cleanup_free_ char *dir = xasprintf("%s/proc", rootfs);

	CHECK(rmdir(dir) == 0);
	CHECK(put_link(rootfs, "proc", outside) == 0);
}

static void body_proc_link(void)
{
	struct spec s = { 0 };
	struct rootfs_opts o = { .spec = &s, .rootfs = rootfs };
	struct statfs sf;

	add_base_mounts(&s, true);
	CHECK(rootfs_prepare(&o, &terr) < 0);
	CHECK_CONTAINS(terr.msg, "rootfs: `/proc` is a symlink, refusing");
	CHECK(statfs(outside, &sf) == 0 && sf.f_type != PROC_SUPER_MAGIC);
}

static void host_outside_empty(void)
{
	CHECK(count_entries(outside) == 0);
}

static void test_proc_symlink_refused(void)
{
	run_test(setup_proc_link, body_proc_link, host_outside_empty);
}

/* The same rule for a kernel fs deeper down: sysfs on /sys through a link. */
static void setup_sys_link(void)
{
	_cleanup_free_ char *dir = xasprintf("%s/sys", rootfs);

	CHECK(rmdir(dir) == 0);
	CHECK(put_link(rootfs, "sys", outside) == 0);
}

static void body_sys_link(void)
{
	struct spec s = { 0 };
	struct rootfs_opts o = { .spec = &s, .rootfs = rootfs };
	struct statfs sf;

	add_base_mounts(&s, true);
	add_mount(&s, "/sys/kernel", "sysfs", "sysfs", MS_RDONLY, NULL);
	CHECK(rootfs_prepare(&o, &terr) < 0);
	CHECK_CONTAINS(terr.msg, "rootfs: `/sys` is a symlink, refusing");
	CHECK(statfs(outside, &sf) == 0 && sf.f_type != SYSFS_MAGIC);
}

static void test_sysfs_through_symlink_refused(void)
{
	run_test(setup_sys_link, body_sys_link, host_outside_empty);
}

/* A bind mount whose destination passes an absolute link lands inside. */
static void setup_bind_link(void)
{
	CHECK(put_link(rootfs, "etc/x", outside) == 0);
}

static void body_bind_link(void)
{
	struct spec s = { 0 };
	struct rootfs_opts o = { .spec = &s, .rootfs = rootfs };
	_cleanup_free_ char *hello = xasprintf("%s/data/hello", outside);

	add_base_mounts(&s, true);
	add_bind(&s, "/etc/x/data", hostdata, MS_RDONLY);
	CHECK_OK(rootfs_prepare(&o, &terr));
	CHECK(count_entries(outside) == 0);
	CHECK_OK(rootfs_pivot(&o, &terr));
	CHECK(read_size(hello) == 5);
	CHECK(read_size("/etc/x/data/hello") == 5);
}

static void test_bind_through_symlink_stays_inside(void)
{
	run_test(setup_bind_link, body_bind_link, host_outside_empty);
}

/* userns mode: nodes are binds of the host's (no mknod). */
static void body_userns_devices(void)
{
	struct spec s = { 0 };
	struct rootfs_opts o = { .spec = &s, .rootfs = rootfs, .userns = true };
	struct stat dev, null;

	add_base_mounts(&s, true);
	CHECK_OK(rootfs_prepare(&o, &terr));
	CHECK_OK(rootfs_pivot(&o, &terr));
	CHECK(is_chr("/dev/null", 1, 3) && is_chr("/dev/tty", 5, 0));
	CHECK(stat("/dev", &dev) == 0 && stat("/dev/null", &null) == 0);
	CHECK(dev.st_dev != null.st_dev);	/* a bind from the host's /dev */
}

static void test_userns_binds_devices(void)
{
	run_test(NULL, body_userns_devices, NULL);
}

static int write_proc_self(const char *name, const char *text)
{
	_cleanup_free_ char *p = xasprintf("/proc/self/%s", name);
	int fd = open(p, O_WRONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -1;
	r = write_all(fd, text, strlen(text));
	close(fd);
	return r;
}

/* A real user namespace (root mapped to itself), no net ns: sysfs is
 * refused and the host's /sys is bound instead; the read-only bind must
 * keep the locked flags of its source; device nodes are binds. */
static void body_real_userns(void)
{
	struct spec s = { 0 };
	struct rootfs_opts o = { .spec = &s, .rootfs = rootfs, .userns = true };
	struct statvfs sv;
	struct statfs sf;

	/* A nosuid,nodev,noexec source: those flags are locked in the userns
	 * and the read-only remount fails (EPERM) unless it keeps them. */
	CHECK(mount("tmpfs", hostdata, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=64k") == 0);
	CHECK(put_file(hostdata, "hello", "hello") == 0);
	CHECK(unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0);
	CHECK(write_proc_self("uid_map", "0 0 1") == 0);
	CHECK(write_proc_self("setgroups", "deny") == 0);
	CHECK(write_proc_self("gid_map", "0 0 1") == 0);
	/* No proc: mounting it needs a pid ns of our own. */
	add_mount(&s, "/dev", "tmpfs", "tmpfs", MS_NOSUID, "mode=755,size=1m");
	add_mount(&s, "/sys", "sysfs", "sysfs", MS_RDONLY | MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL);
	add_bind(&s, "/data", hostdata, MS_RDONLY);
	CHECK_OK(rootfs_prepare(&o, &terr));
	CHECK_OK(rootfs_pivot(&o, &terr));
	CHECK(statfs("/sys", &sf) == 0 && sf.f_type == SYSFS_MAGIC);
	CHECK(statvfs("/sys", &sv) == 0 && (sv.f_flag & ST_RDONLY));
	CHECK(create_errno("/data/new") == EROFS);
	CHECK(read_size("/data/hello") == 5);
	CHECK(statvfs("/data", &sv) == 0 && (sv.f_flag & ST_NOSUID) && (sv.f_flag & ST_NOEXEC));
	CHECK(is_chr("/dev/null", 1, 3) && is_chr("/dev/urandom", 1, 9));
}

static void test_real_userns(void)
{
	run_test(NULL, body_real_userns, NULL);
}

static void body_no_pivot(void)
{
	struct spec s = { 0 };
	struct rootfs_opts o = { .spec = &s, .rootfs = rootfs, .no_pivot = true };
	char cwd[64];

	add_base_mounts(&s, true);
	CHECK_OK(rootfs_prepare(&o, &terr));
	CHECK_OK(rootfs_pivot(&o, &terr));
	CHECK(access("/marker", F_OK) == 0);
	CHECK(getcwd(cwd, sizeof cwd) && strcmp(cwd, "/") == 0);
	CHECK(is_chr("/dev/null", 1, 3));
}

static void test_no_pivot(void)
{
	run_test(NULL, body_no_pivot, NULL);
}

/* The host directory of our own cgroup in the hierarchy at `mnt`. */
static ino_t own_cgroup_ino(const char *mnt, const char *ctrl)
{
	_cleanup_free_ char *text = NULL;
	char *save = NULL;
	struct stat st;

	if (read_file_at(AT_FDCWD, "/proc/self/cgroup", &text, NULL, NULL) < 0)
		return 0;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		_cleanup_free_ char *p = NULL;

		if (c2 == NULL || strncmp(c1 + 1, ctrl, (size_t)(c2 - c1 - 1)) != 0 ||
		    (size_t)(c2 - c1 - 1) != strlen(ctrl))
			continue;
		p = xasprintf("%s%s", mnt, c2 + 1);
		return stat(p, &st) == 0 ? st.st_ino : 0;
	}
	return 0;
}

static void body_cgroup(void)
{
	struct spec s = { 0 };
	struct rootfs_opts o = { .spec = &s, .rootfs = rootfs };
	bool v2 = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
	ino_t mem = v2 ? 0 : own_cgroup_ino("/sys/fs/cgroup/memory", "memory");
	struct statfs sf;
	struct stat st;

	add_base_mounts(&s, true);
	add_mount(&s, "/sys", "sysfs", "sysfs", MS_RDONLY | MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL);
	add_mount(&s, "/sys/fs/cgroup", "cgroup", "cgroup", MS_RDONLY | MS_NOSUID | MS_NOEXEC |
		  MS_NODEV, NULL);
	CHECK(v2 || mem != 0);
	CHECK_OK(rootfs_prepare(&o, &terr));
	CHECK_OK(rootfs_pivot(&o, &terr));
	CHECK(statfs("/sys", &sf) == 0 && sf.f_type == SYSFS_MAGIC);
	if (v2) {
		CHECK(statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC);
		return;
	}
	CHECK(statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == TMPFS_MAGIC);
	CHECK(mkdir("/sys/fs/cgroup/new", 0755) < 0 && errno == EROFS);
	CHECK(statfs("/sys/fs/cgroup/memory", &sf) == 0 && sf.f_type == CGROUP_SUPER_MAGIC);
	CHECK(stat("/sys/fs/cgroup/memory", &st) == 0 && st.st_ino == mem);
	CHECK(mkdir("/sys/fs/cgroup/memory/new", 0755) < 0 && errno == EROFS);
	if (access("/sys/fs/cgroup/unified", F_OK) == 0)
		CHECK(statfs("/sys/fs/cgroup/unified", &sf) == 0 &&
		      sf.f_type == CGROUP2_SUPER_MAGIC);
}

static void test_cgroup_mount(void)
{
	run_test(NULL, body_cgroup, NULL);
}

UNIT_MAIN_NO_MOUNT_LEAK(UNIT(test_full_container), UNIT(test_planted_dev_nodes),
			UNIT(test_masked_needs_real_null), UNIT(test_proc_symlink_refused),
			UNIT(test_sysfs_through_symlink_refused),
			UNIT(test_bind_through_symlink_stays_inside), UNIT(test_userns_binds_devices),
			UNIT(test_real_userns), UNIT(test_no_pivot), UNIT(test_cgroup_mount))
