/* argon — the container's file system view: prepare, pivot, finalize.
 *
 * Everything inside the rootfs is reached from a root dirfd through
 * resolve_*(), and mounts go onto "/proc/self/fd/N" of the resolved O_PATH
 * fd, so a hostile image (symlinks at /proc, /dev/null, /etc/x...) can never
 * redirect a mount or a write outside the root.
 */
/* gnu11 predefines `linux` as 1; spec.h has a field of that name. */
#undef linux
#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "resolve.h"
#include "rootfs_priv.h"
#include "util.h"

void rootfs_fd_path(int fd, char buf[static ROOTFS_FD_PATH_LEN])
{
	snprintf(buf, ROOTFS_FD_PATH_LEN, "/proc/self/fd/%d", fd);
}

#define ATIME_FLAGS (MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME)

static unsigned long existing_flags(const struct statvfs *sv, unsigned long asked)
{
	unsigned long f = 0;

	if (sv->f_flag & ST_RDONLY)
		f |= MS_RDONLY;
	if (sv->f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv->f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv->f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (!(asked & ATIME_FLAGS)) {
		if (sv->f_flag & ST_NOATIME)
			f |= MS_NOATIME;
		if (sv->f_flag & ST_NODIRATIME)
			f |= MS_NODIRATIME;
		if (sv->f_flag & ST_RELATIME)
			f |= MS_RELATIME;
	}
	return f;
}

int rootfs_remount_bind(const char *target, unsigned long flags, bool keep_existing,
			const char *what, struct ar_err *err)
{
	unsigned long kept = 0;
	struct statvfs sv;

	if (keep_existing) {
		if (statvfs(target, &sv) < 0)
			return ar_error(err, errno, "statvfs `%s`", what);
		kept = existing_flags(&sv, flags);
	}
	if (mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | flags | kept, NULL) < 0)
		return ar_error(err, errno, "remount `%s`", what);
	return 0;
}

/* /proc and /dev of the image must be real directories: the kernel file
 * systems and device nodes that go there must never be redirected. */
static int check_plain_dir(int rootfd, const char *name, struct ar_err *err)
{
	struct stat st;

	if (fstatat(rootfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return ar_error(err, errno, "stat rootfs `/%s`", name);
	}
	if (S_ISLNK(st.st_mode))
		return ar_error(err, 0, "rootfs: `/%s` is a symlink, refusing", name);
	if (!S_ISDIR(st.st_mode))
		return ar_error(err, 0, "rootfs: `/%s` is not a directory, refusing", name);
	return 0;
}

int rootfs_prepare(const struct rootfs_opts *o, struct ar_err *err)
{
	const struct spec *s = o->spec;
	_cleanup_close_ int rootfd = -1;

	/* Nothing we mount may propagate back to the host; rootfsPropagation
	 * is applied to the new root in rootfs_finalize. */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return ar_error(err, errno, "make `/` rslave");
	/* pivot_root needs the new root to be a mount point. */
	if (mount(o->rootfs, o->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return ar_error(err, errno, "bind rootfs `%s` onto itself", o->rootfs);
	/* Opened after the bind, so lookups from it see the bind's mounts. */
	rootfd = open(o->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return ar_error(err, errno, "open rootfs `%s`", o->rootfs);
	if (check_plain_dir(rootfd, "proc", err) < 0 || check_plain_dir(rootfd, "dev", err) < 0)
		return -1;
	for (size_t i = 0; i < s->n_mounts; i++)
		if (rootfs_mount_one(rootfd, o, &s->mounts[i], err) < 0)
			return -1;
	return rootfs_setup_dev(rootfd, o, err);
}

static int pivot_root(const char *new_root, const char *put_old)
{
	return (int)syscall(SYS_pivot_root, new_root, put_old);
}

/* pivot_root(".", ".") stacks the old root on top of the new one. A path
 * "." from the new root's directory would name the new root (mount(2) does
 * not cross the stacked mount), so we step onto the old root by fd before
 * making it rslave (so the detach cannot propagate to the host) and
 * detaching it; the container's own mounts keep their propagation. */
static int pivot_and_detach(const char *rootfs, struct ar_err *err)
{
	_cleanup_close_ int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);

	if (oldroot < 0)
		return ar_error(err, errno, "open the old root");
	if (pivot_root(".", ".") < 0)
		return ar_error(err, errno, "pivot_root to `%s`", rootfs);
	if (fchdir(oldroot) < 0)
		return ar_error(err, errno, "chdir to the old root");
	if (mount(NULL, ".", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return ar_error(err, errno, "make the old root rslave");
	if (umount2(".", MNT_DETACH) < 0)
		return ar_error(err, errno, "detach the old root");
	return 0;
}

int rootfs_pivot(const struct rootfs_opts *o, struct ar_err *err)
{
	if (chdir(o->rootfs) < 0)
		return ar_error(err, errno, "chdir to rootfs `%s`", o->rootfs);
	if (o->no_pivot) {
		if (mount(o->rootfs, "/", NULL, MS_MOVE, NULL) < 0)
			return ar_error(err, errno, "move rootfs `%s` to `/`", o->rootfs);
		if (chroot(".") < 0)
			return ar_error(err, errno, "chroot to rootfs `%s`", o->rootfs);
	} else if (pivot_and_detach(o->rootfs, err) < 0) {
		return -1;
	}
	if (chdir("/") < 0)
		return ar_error(err, errno, "chdir to `/`");
	return 0;
}

/* After pivot, "/proc/self/fd/N" only means what we want if the container's
 * /proc is a real procfs (an image could ship a fake /proc/self tree). */
static int require_procfs(const char *why, struct ar_err *err)
{
	struct statfs sf;

	if (statfs("/proc/self/fd", &sf) < 0)
		return ar_error(err, errno, "%s: stat `/proc/self/fd`", why);
	if (sf.f_type != PROC_SUPER_MAGIC)
		return ar_error(err, 0, "%s: `/proc` is not a procfs mount", why);
	return 0;
}

static int open_root(struct ar_err *err)
{
	int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return ar_error(err, errno, "open `/`");
	return fd;
}

int rootfs_bind_console(const char *slave_path, struct ar_err *err)
{
	_cleanup_close_ int rootfd = -1, fd = -1;
	char p[ROOTFS_FD_PATH_LEN];

	if (require_procfs("bind the console", err) < 0)
		return -1;
	rootfd = open_root(err);
	if (rootfd < 0)
		return -1;
	fd = resolve_mount_target(rootfd, "/dev/console", false, err);
	if (fd < 0)
		return -1;
	rootfs_fd_path(fd, p);
	if (mount(slave_path, p, NULL, MS_BIND, NULL) < 0)
		return ar_error(err, errno, "bind `%s` on `/dev/console`", slave_path);
	return 0;
}

/* Opens a path that may legitimately be absent: 0 with *fd = -1 then. */
static int open_optional(int rootfd, const char *path, int flags, int *fd, struct ar_err *err)
{
	struct ar_err e = { 0 };

	*fd = resolve_open(rootfd, path, flags, &e);
	if (*fd >= 0 || e.errnum == ENOENT) {
		ar_err_clear(&e);
		return 0;
	}
	ar_err_set_raw(err, e.errnum, e.msg);
	ar_err_clear(&e);
	return -1;
}

/* The container's /dev/null, checked to be the real 1:3 char device: a
 * planted file there must never be bound over masked paths. */
static int open_dev_null(int rootfd, struct ar_err *err)
{
	_cleanup_close_ int fd = resolve_open(rootfd, "/dev/null", O_PATH | O_NOFOLLOW, err);
	struct stat st;

	if (fd < 0)
		return ar_err_prefix(err, "mask paths");
	if (fstat(fd, &st) < 0)
		return ar_error(err, errno, "stat `/dev/null`");
	if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 1 || minor(st.st_rdev) != 3)
		return ar_error(err, 0, "mask paths: `/dev/null` is not the null device (1:3), refusing");
	return steal_fd(&fd);
}

static int mask_path(int rootfd, int nullfd, const char *path, struct ar_err *err)
{
	_cleanup_close_ int fd = -1;
	char p[ROOTFS_FD_PATH_LEN], src[ROOTFS_FD_PATH_LEN];
	struct stat st;

	if (open_optional(rootfd, path, O_PATH, &fd, err) < 0)
		return ar_err_prefix(err, "mask path");
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0)
		return ar_error(err, errno, "stat masked path `%s`", path);
	rootfs_fd_path(fd, p);
	if (S_ISDIR(st.st_mode)) {
		if (mount("tmpfs", p, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
			return ar_error(err, errno, "mask directory `%s`", path);
		return 0;
	}
	rootfs_fd_path(nullfd, src);
	if (mount(src, p, NULL, MS_BIND, NULL) < 0)
		return ar_error(err, errno, "mask path `%s`", path);
	return 0;
}

static int readonly_path(int rootfd, const char *path, struct ar_err *err)
{
	_cleanup_close_ int fd = -1, top = -1;
	char p[ROOTFS_FD_PATH_LEN];

	if (open_optional(rootfd, path, O_PATH, &fd, err) < 0)
		return ar_err_prefix(err, "readonly path");
	if (fd < 0)
		return 0;
	rootfs_fd_path(fd, p);
	if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0)
		return ar_error(err, errno, "bind readonly path `%s`", path);
	/* fd still names the covered inode; the remount needs the new mount. */
	top = resolve_open(rootfd, path, O_PATH, err);
	if (top < 0)
		return -1;
	rootfs_fd_path(top, p);
	return rootfs_remount_bind(p, MS_RDONLY, true, path, err);
}

/* Every component non-empty and neither "." nor "..". */
static bool sysctl_components_ok(const char *k)
{
	for (;;) {
		size_t len = strcspn(k, "/");

		if (len == 0 || (len == 1 && k[0] == '.') ||
		    (len == 2 && k[0] == '.' && k[1] == '.'))
			return false;
		if (k[len] == '\0')
			return true;
		k += len + 1;
	}
}

/* "net.ipv4.ip_forward" -> "/proc/sys/net/ipv4/ip_forward"; a '/' in a key
 * stands for a '.' in a name ("net.ipv4.conf.eth0/1.forwarding"), as in
 * sysctl(8). NULL for a key that would leave /proc/sys. */
static char *sysctl_path(const char *key)
{
	char *path = xasprintf("/proc/sys/%s", key);
	char *k = path + strlen("/proc/sys/");

	for (char *c = k; *c; c++)
		*c = *c == '.' ? '/' : *c == '/' ? '.' : *c;
	if (!sysctl_components_ok(k)) {
		free(path);
		return NULL;
	}
	return path;
}

static int write_sysctl(int rootfd, const struct spec_kv *kv, struct ar_err *err)
{
	_cleanup_free_ char *path = sysctl_path(kv->key);
	_cleanup_close_ int fd = -1;
	struct statfs sf;

	if (path == NULL)
		return ar_error(err, EINVAL, "sysctl `%s`: invalid key", kv->key);
	fd = resolve_open(rootfd, path, O_WRONLY, err);
	if (fd < 0)
		return ar_err_prefix(err, "sysctl `%s`", kv->key);
	if (fstatfs(fd, &sf) < 0)
		return ar_error(err, errno, "sysctl `%s`: statfs", kv->key);
	if (sf.f_type != PROC_SUPER_MAGIC)
		return ar_error(err, 0, "sysctl `%s`: `/proc` is not a procfs mount", kv->key);
	if (write_all(fd, kv->value, strlen(kv->value)) < 0)
		return ar_error(err, errno, "write sysctl `%s`", kv->key);
	return 0;
}

static int finalize_paths(int rootfd, const struct spec_linux *l, struct ar_err *err)
{
	_cleanup_close_ int nullfd = -1;

	if ((l->masked_paths && l->masked_paths[0]) || (l->readonly_paths && l->readonly_paths[0]))
		if (require_procfs("masked and readonly paths", err) < 0)
			return -1;
	for (char **r = l->readonly_paths; r && *r; r++)
		if (readonly_path(rootfd, *r, err) < 0)
			return -1;
	for (char **m = l->masked_paths; m && *m; m++) {
		if (nullfd < 0 && (nullfd = open_dev_null(rootfd, err)) < 0)
			return -1;
		if (mask_path(rootfd, nullfd, *m, err) < 0)
			return -1;
	}
	return 0;
}

int rootfs_finalize(const struct rootfs_opts *o, struct ar_err *err)
{
	const struct spec *s = o->spec;
	const struct spec_linux *l = &s->linux;
	_cleanup_close_ int rootfd = open_root(err);

	if (rootfd < 0)
		return -1;
	/* sysctl first: /proc/sys is usually among the readonly paths. */
	for (size_t i = 0; i < l->n_sysctl; i++)
		if (write_sysctl(rootfd, &l->sysctl[i], err) < 0)
			return -1;
	if (finalize_paths(rootfd, l, err) < 0)
		return -1;
	if (s->root_readonly && rootfs_remount_bind("/", MS_RDONLY, true, "/", err) < 0)
		return ar_err_prefix(err, "root.readonly");
	if (l->rootfs_propagation &&
	    mount(NULL, "/", NULL, l->rootfs_propagation, NULL) < 0)
		return ar_error(err, errno, "set rootfsPropagation on `/`");
	return 0;
}
