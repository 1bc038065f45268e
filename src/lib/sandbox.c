/* argon — the per-container writable layer and the overlay root. See
 * sandbox.h for the layout.
 *
 * Overlay options: index=off, redirect_dir=off, metacopy=off are always
 * given, whatever the kernel's build defaults. index=on would tie the upper
 * to the exact lower dirs it was first mounted on (a re-pulled layer then
 * fails the mount); redirect dirs and metacopy files keep data or names in
 * the lowers, so the upper alone would no longer be the container's change
 * set that diff and commit (tar_write_tree) read. xino is left to the
 * kernel: it only changes st_ino numbering. No nosuid/nodev on the
 * overlay: images carry setuid binaries and device nodes, and the device
 * cgroup is what guards devices. The capped sandbox fs itself is mounted
 * nosuid,nodev,noexec: it is only reached through the overlay, whose own
 * mount flags are the ones checked on exec and open (tested). Lowers on
 * the same fs as the upper (plain sandbox) and on another (capped) both
 * work with these options.
 *
 * The overlay is mounted with fsopen/fsconfig, one "lowerdir+" per layer
 * (6.8+), which has no limit on the number or length of layer paths; on
 * older kernels mount(2) takes all options in one page, and more layers
 * than fit are refused with a message saying so.
 */
#define _GNU_SOURCE
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "loopdev.h"
#include "sandbox_priv.h"
#include "util.h"

#define IMG_NAME "sandbox.img"
#define FS_DIR "sandbox"
#define ROOTFS_DIR "rootfs"
#define UMOUNT_TRIES 5
#define UMOUNT_MAX_STACK 64
#define MOUNT_OPTS_MAX 4096	/* mount(2) copies one page of options */
#define OVL_FIXED_OPTS "index=off,redirect_dir=off,metacopy=off"

static bool legacy_mount_forced;

void sandbox_force_legacy_mount(bool on)
{
	legacy_mount_forced = on;
}

static char *path_in(const char *dir, const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

int sandbox_check_dir(const char *dir, struct ar_err *err)
{
	if (dir == NULL || dir[0] != '/')
		return ar_error(err, EINVAL, "sandbox dir `%s` is not an absolute path",
				dir ? dir : "");
	return 0;
}

static bool capped(const char *dir)
{
	_cleanup_free_ char *img = path_in(dir, IMG_NAME);
	struct stat st;

	return lstat(img, &st) == 0;
}

/* statx knows a mount root even for a bind mount of the same fs; before
 * 5.8 compare the device with the parent's. */
static bool is_mount_point(const char *path)
{
	_cleanup_free_ char *parent = NULL;
	struct statx sx;
	struct stat a, b;

	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_BASIC_STATS,
		  &sx) < 0)
		return false;
	if (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
		return sx.stx_attributes & STATX_ATTR_MOUNT_ROOT;
	parent = xasprintf("%s/..", path);
	return lstat(path, &a) == 0 && lstat(parent, &b) == 0 && a.st_dev != b.st_dev;
}

/* ---- mkfs ---- */

/* A service's PATH often lacks the sbin dirs, so they are always tried. */
static char *find_prog(const char *name)
{
	const char *env = getenv("PATH");
	_cleanup_free_ char *all = xasprintf("%s:/usr/sbin:/sbin", env ? env : "/usr/bin:/bin");
	char *save = NULL;

	for (char *d = strtok_r(all, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char *p;

		if (d[0] != '/')
			continue;
		p = xasprintf("%s/%s", d, name);
		if (access(p, X_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}

/* Runs in the forked child: only async-signal-safe calls. */
static void __attribute__((noreturn)) exec_child(const char *prog, char *const argv[],
						  int devnull, int errfd)
{
	static char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL };
	sigset_t all;

	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	if (dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 || dup2(errfd, 2) < 0)
		_exit(127);
	close_range(3, ~0U, 0);
	execve(prog, argv, envp);
	_exit(127);
}

/* The first line of what the child wrote, for the error message; the
 * rest is drained so the child never blocks on a full pipe. */
static void read_first_line(int fd, char *buf, size_t size)
{
	ssize_t n = read_all(fd, buf, size - 1);
	char sink[512], *nl;

	buf[n > 0 ? n : 0] = '\0';
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	while (read_all(fd, sink, sizeof sink) > 0)
		;
}

/* Fresh sparse file: mke2fs discards it (a hole punch, reading back
 * zeros), so inode tables count as zeroed and no lazy-init thread writes
 * them later; the journal is not zeroed either (it already reads as zeros).
 * Journal kept: a host crash must not leave a sandbox that needs fsck.
 * No root reserve: the cap is the container's to use. */
static int run_mkfs(const char *img, struct ar_err *err)
{
	char *const argv[] = { "mkfs.ext4", "-q", "-F", "-m", "0", "-E", "lazy_journal_init=1",
			       "--", (char *)img, NULL };
	_cleanup_free_ char *prog = find_prog("mkfs.ext4");
	_cleanup_close_ int devnull = -1, rd = -1, wr = -1;
	char msg[512];
	int p[2], status;
	pid_t pid;

	if (prog == NULL)
		return ar_error(err, ENOENT, "find `mkfs.ext4` (e2fsprogs) in PATH or /usr/sbin");
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0 || pipe2(p, O_CLOEXEC) < 0)
		return ar_error(err, errno, "prepare to run `%s`", prog);
	rd = p[0];
	wr = p[1];
	pid = fork();
	if (pid < 0)
		return ar_error(err, errno, "fork for `%s`", prog);
	if (pid == 0)
		exec_child(prog, argv, devnull, wr);
	close(steal_fd(&wr));
	read_first_line(rd, msg, sizeof msg);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return ar_error(err, errno, "wait for `%s`", prog);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		return ar_error(err, 0, "mkfs.ext4 `%s` exited with %d: %s", img,
				WEXITSTATUS(status), msg[0] ? msg : "(no message)");
	return ar_error(err, 0, "mkfs.ext4 `%s` killed by signal %d", img, WTERMSIG(status));
}

/* ---- create ---- */

/* What sandbox_create made so far, removed again on failure. */
struct undo {
	int dfd;
	size_t n;
	const char *name[4];
	int flags[4];
};

static void undo_add(struct undo *u, const char *name, int flags)
{
	u->name[u->n] = name;
	u->flags[u->n++] = flags;
}

static void undo_run(struct undo *u)
{
	while (u->n > 0) {
		u->n--;
		unlinkat(u->dfd, u->name[u->n], u->flags[u->n]);
	}
}

static int make_dir(struct undo *u, const char *dir, const char *name, mode_t mode,
		    struct ar_err *err)
{
	if (mkdirat(u->dfd, name, mode) < 0)
		return ar_error(err, errno, "create `%s/%s`", dir, name);
	undo_add(u, name, AT_REMOVEDIR);
	return 0;
}

static int make_image(struct undo *u, const char *dir, uint64_t size, struct ar_err *err)
{
	_cleanup_free_ char *img = path_in(dir, IMG_NAME);
	_cleanup_close_ int fd = -1;

	if (size > (uint64_t)INT64_MAX)
		return ar_error(err, EFBIG, "sandbox size %llu is too large",
				(unsigned long long)size);
	fd = openat(u->dfd, IMG_NAME, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return ar_error(err, errno, "create `%s`", img);
	undo_add(u, IMG_NAME, 0);
	if (ftruncate(fd, (off_t)size) < 0)
		return ar_error(err, errno, "size `%s` to %llu bytes", img, (unsigned long long)size);
	if (run_mkfs(img, err) < 0)
		return -1;
	/* upper/ and work/ are made inside on first mount (mount_sandbox_fs). */
	return make_dir(u, dir, FS_DIR, 0700, err);
}

int sandbox_create(const char *dir, const struct sandbox_opts *o, struct ar_err *err)
{
	struct undo u = { .dfd = -1 };
	int r;

	if (sandbox_check_dir(dir, err) < 0)
		return -1;
	u.dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (u.dfd < 0)
		return ar_error(err, errno, "create sandbox: open `%s`", dir);
	r = make_dir(&u, dir, ROOTFS_DIR, 0755, err);
	if (r == 0 && o && o->size > 0)
		r = make_image(&u, dir, o->size, err);
	else if (r == 0)
		r = make_dir(&u, dir, "upper", 0755, err) < 0 ||
		    make_dir(&u, dir, "work", 0700, err) < 0 ? -1 : 0;
	if (r < 0)
		undo_run(&u);
	close(u.dfd);
	return r < 0 ? ar_err_prefix(err, "create sandbox") : 0;
}

/* ---- mount ---- */

static int mkdir_in(const char *dir, const char *name, mode_t mode, struct ar_err *err)
{
	_cleanup_free_ char *p = path_in(dir, name);

	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return ar_error(err, errno, "create `%s`", p);
	return 0;
}

/* One mount at `path`, unmounted again (with every mount stacked on it).
 * A busy mount gets a few tries, then is detached lazily: it goes away,
 * with its loop device, once the last user lets go. */
static int unmount_all(const char *path, struct ar_err *err)
{
	int busy = 0;

	for (int i = 0; i < UMOUNT_MAX_STACK && is_mount_point(path); i++) {
		if (umount2(path, UMOUNT_NOFOLLOW) == 0)
			continue;
		if (errno == EINVAL || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return ar_error(err, errno, "unmount `%s`", path);
		if (++busy < UMOUNT_TRIES) {
			nanosleep(&(struct timespec){ .tv_nsec = 20 * 1000 * 1000 }, NULL);
			continue;
		}
		if (umount2(path, UMOUNT_NOFOLLOW | MNT_DETACH) < 0)
			return ar_error(err, errno, "detach `%s`", path);
	}
	return is_mount_point(path) ? ar_error(err, EBUSY, "unmount `%s`: mounts keep coming back",
					       path) : 0;
}

/* Mounts the capped sandbox fs when it is not; *mounted tells whether
 * this call did (the caller's rollback). The loop fd is closed once the
 * mount holds the device, so autoclear ties the device to the mount. */
int sandbox_fs_mount(const char *dir, bool *mounted, struct ar_err *err)
{
	_cleanup_free_ char *img = path_in(dir, IMG_NAME), *mnt = path_in(dir, FS_DIR);
	_cleanup_free_ char *dev = NULL;
	_cleanup_close_ int fd = -1, loopfd = -1;

	*mounted = false;
	if (!capped(dir))
		return 0;
	if (!is_mount_point(mnt)) {
		fd = open(img, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return ar_error(err, errno, "open `%s`", img);
		loopfd = loop_attach(fd, img, false, &dev, err);
		if (loopfd < 0)
			return -1;
		/* discard: a file deleted inside punches a hole in the image,
		 * so the host keeps only what the container really holds. */
		if (mount(dev, mnt, "ext4", MS_NOSUID | MS_NODEV | MS_NOEXEC, "discard") < 0)
			return ar_error(err, errno, "mount `%s` (`%s`) on `%s`", img, dev, mnt);
		*mounted = true;
	}
	/* Also when mounted already: a mounter may have died before this. */
	if (mkdir_in(mnt, "upper", 0755, err) < 0 || mkdir_in(mnt, "work", 0700, err) < 0) {
		struct ar_err ignored = { 0 };

		if (*mounted)
			unmount_all(mnt, &ignored);
		ar_err_clear(&ignored);
		*mounted = false;
		return -1;
	}
	return 0;
}

/* Overlay's option syntax gives ',' ':' '\' a meaning (and the new API
 * unescapes some keys but not others): such paths are refused, argon's
 * own paths never hold them. */
static int check_layer_path(const char *p, struct ar_err *err)
{
	if (p == NULL || p[0] != '/')
		return ar_error(err, EINVAL, "layer path `%s` is not absolute", p ? p : "");
	if (strpbrk(p, ",:\\\n"))
		return ar_error(err, EINVAL, "layer path `%s` holds one of `,:\\` or a newline", p);
	return 0;
}

struct ovl {
	char *const *lowers;
	size_t n;
	char *upper, *work, *target;
	int fsfd;
	const char *key, *val;	/* the fsconfig call that failed */
};

/* The kernel's own explanation of a failed fsconfig, when it left one. */
static void fs_log(int fsfd, char *buf, size_t size)
{
	char line[512];
	ssize_t n;

	buf[0] = '\0';
	while ((n = read(fsfd, line, sizeof line - 1)) > 0) {
		line[n] = '\0';
		if (line[0] == 'e' || buf[0] == '\0') {
			const char *m = n > 2 ? line + 2 : line;	/* skip "e " */
			size_t l = strnlen(m, size - 1);

			memcpy(buf, m, l);
			buf[l] = '\0';
		}
	}
}

static int fs_set(struct ovl *o, const char *key, const char *val)
{
	o->key = key;
	o->val = val;
	return fsconfig(o->fsfd, val ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, key, val, 0);
}

/* Everything after the first layer; -1 with errno on failure. */
static int ovl_configure(struct ovl *o)
{
	static const char *const fixed[][2] = {
		{ "source", "overlay" }, { "index", "off" }, { "redirect_dir", "off" },
		{ "metacopy", "off" },
	};

	for (size_t i = 1; i < o->n; i++)
		if (fs_set(o, "lowerdir+", o->lowers[i]) < 0)
			return -1;
	if (fs_set(o, "upperdir", o->upper) < 0 || fs_set(o, "workdir", o->work) < 0)
		return -1;
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		if (fs_set(o, fixed[i][0], fixed[i][1]) < 0)
			return -1;
	o->key = NULL;
	return fsconfig(o->fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0);
}

/* The new mount API: one fsconfig call per layer, no page limit. Returns
 * 1 when the kernel lacks it or "lowerdir+" (before 6.8). */
static int mount_overlay_new(struct ovl *o, struct ar_err *err)
{
	_cleanup_close_ int fsfd = fsopen("overlay", FSOPEN_CLOEXEC), mfd = -1;
	char why[256] = "";
	int e;

	if (fsfd < 0)
		return errno == ENOSYS ? 1 : ar_error(err, errno, "fsopen overlay");
	o->fsfd = fsfd;
	/* Before 6.5 overlayfs parses options the legacy way: fsconfig takes
	 * any key, and "lowerdir+" fails only at create. A key no overlayfs
	 * knows tells the two apart. */
	if (fsconfig(fsfd, FSCONFIG_SET_FLAG, "argon-no-such-option", NULL, 0) == 0)
		return 1;
	fs_log(fsfd, why, sizeof why);	/* its "Unknown parameter": not a later error's */
	why[0] = '\0';
	if (fs_set(o, "lowerdir+", o->lowers[0]) < 0) {
		e = errno;
		fs_log(fsfd, why, sizeof why);
		if (e == EINVAL && strstr(why, "Unknown parameter"))
			return 1;
		goto fail;
	}
	if (ovl_configure(o) == 0 && (mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, 0)) >= 0 &&
	    move_mount(mfd, "", AT_FDCWD, o->target, MOVE_MOUNT_F_EMPTY_PATH) == 0)
		return 0;
	e = errno;
	fs_log(fsfd, why, sizeof why);
fail:
	if (o->key)
		return ar_error(err, e, "mount overlay on `%s`: set %s `%s`%s%s", o->target, o->key,
				o->val ? o->val : "", why[0] ? ": " : "", why);
	return ar_error(err, e, "mount overlay of %zu layers on `%s`%s%s", o->n, o->target,
			why[0] ? ": " : "", why);
}

/* mount(2): every option in one page. */
static int mount_overlay_legacy(const struct ovl *o, struct ar_err *err)
{
	size_t len = sizeof "lowerdir=,upperdir=,workdir=," OVL_FIXED_OPTS + strlen(o->upper) +
		     strlen(o->work);
	_cleanup_free_ char *opts = NULL;
	char *p;

	for (size_t i = 0; i < o->n; i++)
		len += strlen(o->lowers[i]) + 1;
	if (len > MOUNT_OPTS_MAX)
		return ar_error(err, E2BIG, "mount overlay on `%s`: the options for %zu layers take "
				"%zu bytes, over the %d that mount(2) takes (kernel 6.8+ has no "
				"such limit)", o->target, o->n, len, MOUNT_OPTS_MAX);
	p = opts = xmalloc(len);
	p = stpcpy(p, "lowerdir=");
	for (size_t i = 0; i < o->n; i++) {
		p = stpcpy(p, o->lowers[i]);
		*p++ = i + 1 < o->n ? ':' : ',';
	}
	snprintf(p, len - (size_t)(p - opts), "upperdir=%s,workdir=%s," OVL_FIXED_OPTS, o->upper,
		 o->work);
	if (mount("overlay", o->target, "overlay", 0, opts) < 0)
		return ar_error(err, errno, "mount overlay of %zu layers on `%s`", o->n, o->target);
	return 0;
}

static int mount_overlay(const char *dir, char *const *lowers, size_t n, struct ar_err *err)
{
	const char *base = capped(dir) ? FS_DIR "/" : "";
	_cleanup_free_ char *upper = xasprintf("%s/%supper", dir, base);
	_cleanup_free_ char *work = xasprintf("%s/%swork", dir, base);
	_cleanup_free_ char *target = path_in(dir, ROOTFS_DIR);
	struct ovl o = { lowers, n, upper, work, target, -1, NULL, NULL };
	int r;

	for (size_t i = 0; i < n; i++)
		if (check_layer_path(lowers[i], err) < 0)
			return -1;
	if (check_layer_path(upper, err) < 0)
		return -1;
	r = legacy_mount_forced ? 1 : mount_overlay_new(&o, err);
	return r == 1 ? mount_overlay_legacy(&o, err) : r;
}

int sandbox_mount(const char *dir, char *const *lowers, size_t n_lowers, struct ar_err *err)
{
	bool fs_mounted;

	if (sandbox_check_dir(dir, err) < 0)
		return -1;
	if (lowers == NULL || n_lowers == 0)
		return ar_error(err, EINVAL, "mount sandbox `%s`: no image layers", dir);
	if (sandbox_is_mounted(dir))
		return 0;
	if (sandbox_fs_mount(dir, &fs_mounted, err) < 0)
		return ar_err_prefix(err, "mount sandbox `%s`", dir);
	if (mount_overlay(dir, lowers, n_lowers, err) < 0) {
		if (fs_mounted)
			sandbox_fs_unmount_quiet(dir);
		return ar_err_prefix(err, "mount sandbox");
	}
	return 0;
}

int sandbox_unmount(const char *dir, struct ar_err *err)
{
	_cleanup_free_ char *root = NULL, *mnt = NULL;

	if (sandbox_check_dir(dir, err) < 0)
		return -1;
	root = path_in(dir, ROOTFS_DIR);
	mnt = path_in(dir, FS_DIR);
	if (unmount_all(root, err) < 0 || unmount_all(mnt, err) < 0)
		return ar_err_prefix(err, "unmount sandbox");
	return 0;
}

int sandbox_destroy(const char *dir, struct ar_err *err)
{
	_cleanup_free_ char *mnt = NULL;
	struct stat st;

	if (sandbox_check_dir(dir, err) < 0)
		return -1;
	if (lstat(dir, &st) < 0 && errno == ENOENT)
		return 0;
	if (sandbox_unmount(dir, err) < 0)
		return ar_err_prefix(err, "destroy sandbox");
	/* Removing through a mount would delete layer or host files. */
	mnt = path_in(dir, FS_DIR);
	if (sandbox_is_mounted(dir) || is_mount_point(mnt))
		return ar_error(err, EBUSY, "destroy sandbox `%s`: still mounted", dir);
	if (rm_rf_at(AT_FDCWD, dir, err) < 0)
		return ar_err_prefix(err, "destroy sandbox");
	return 0;
}

bool sandbox_is_mounted(const char *dir)
{
	_cleanup_free_ char *root = NULL;

	if (dir == NULL || dir[0] != '/')
		return false;
	root = path_in(dir, ROOTFS_DIR);
	return is_mount_point(root);
}

char *sandbox_upper_dir(const char *dir)
{
	return xasprintf("%s/%supper", dir, capped(dir) ? FS_DIR "/" : "");
}

void sandbox_fs_unmount_quiet(const char *dir)
{
	_cleanup_free_ char *mnt = path_in(dir, FS_DIR);
	struct ar_err ignored = { 0 };

	unmount_all(mnt, &ignored);
	ar_err_clear(&ignored);
}

int sandbox_upper_path(const char *dir, char **out, struct ar_err *err)
{
	bool mounted;

	if (sandbox_check_dir(dir, err) < 0)
		return -1;
	if (sandbox_fs_mount(dir, &mounted, err) < 0)
		return ar_err_prefix(err, "sandbox `%s`", dir);
	*out = sandbox_upper_dir(dir);
	return 0;
}
