/* argon — one config.json mount inside the rootfs.
 *
 * Targets are resolved inside the root and mounted through
 * "/proc/self/fd/N". That fd keeps naming the covered inode after the
 * mount, so every follow-up (remount, propagation) reopens the path to
 * reach the new mount, as runc does.
 */
/* gnu11 predefines `linux` as 1; spec.h has a field of that name. */
#undef linux
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "resolve.h"
#include "rootfs_priv.h"
#include "util.h"

#define PROPAGATION_FLAGS (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)
#define COPYUP_MAX_DEPTH 128

static bool type_is(const struct spec_mount *m, const char *t)
{
	return m->type && strcmp(m->type, t) == 0;
}

/* Kernel file systems whose destination must be a real directory path:
 * one reached through a symlink is refused, never followed. */
static bool needs_plain_path(const struct spec_mount *m)
{
	static const char *const types[] = {
		"proc", "sysfs", "devpts", "mqueue", "cgroup", "cgroup2", NULL
	};

	for (const char *const *t = types; *t; t++)
		if (type_is(m, *t))
			return true;
	return type_is(m, "tmpfs") && strcmp(m->destination, "/dev") == 0;
}

/* Opens (creating missing parts of) a directory destination whose every
 * component is a real directory. */
static int open_plain_dir(int rootfd, const char *dest, struct ar_err *err)
{
	_cleanup_close_ int cur = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *copy = xstrdup(dest);
	char *save = NULL;

	if (cur < 0)
		return ar_error(err, errno, "open the rootfs");
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		int len = (int)(c - copy + (ptrdiff_t)strlen(c));
		struct stat st;
		int fd;

		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0)
			return ar_error(err, 0, "mount `%s`: `..` in the destination, refusing", dest);
		fd = openat(cur, c, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && (mkdirat(cur, c, 0755) == 0 || errno == EEXIST))
			fd = openat(cur, c, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0)
			return ar_error(err, errno, "open `%.*s`", len, dest);
		close(cur);
		cur = fd;
		if (S_ISLNK(st.st_mode))
			return ar_error(err, 0, "rootfs: `%.*s` is a symlink, refusing", len, dest);
		if (!S_ISDIR(st.st_mode))
			return ar_error(err, 0, "rootfs: `%.*s` is not a directory, refusing", len, dest);
	}
	return steal_fd(&cur);
}

static int mount_on_fd(const char *src, int fd, const char *type, unsigned long flags,
		       const char *data, const char *dest, struct ar_err *err)
{
	char p[ROOTFS_FD_PATH_LEN];

	rootfs_fd_path(fd, p);
	if (mount(src, p, type, flags, data) < 0)
		return ar_error(err, errno, "mount `%s` on `%s`", src ? src : type, dest);
	return 0;
}

/* The new mount at dest (reopened: see the top comment). */
static int reopen_mount(int rootfd, const char *dest, char p[static ROOTFS_FD_PATH_LEN],
			struct ar_err *err)
{
	int fd = resolve_open(rootfd, dest, O_PATH, err);

	if (fd < 0)
		return ar_err_prefix(err, "reopen mount");
	rootfs_fd_path(fd, p);
	return fd;
}

static int apply_propagation(int rootfd, const struct spec_mount *m, struct ar_err *err)
{
	_cleanup_close_ int fd = -1;
	char p[ROOTFS_FD_PATH_LEN];

	if (!m->propagation)
		return 0;
	fd = reopen_mount(rootfd, m->destination, p, err);
	if (fd < 0)
		return -1;
	if (mount(NULL, p, NULL, m->propagation, NULL) < 0)
		return ar_error(err, errno, "set propagation of `%s`", m->destination);
	return 0;
}

/* rbind of a host directory instead of a fresh kernel mount, then the
 * requested flags (ro...) by remount; locked flags are kept. */
static int rbind_host(int rootfd, int target, const char *host, const struct spec_mount *m,
		      struct ar_err *err)
{
	unsigned long extra = m->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
	_cleanup_close_ int fd = -1;
	char p[ROOTFS_FD_PATH_LEN];

	if (mount_on_fd(host, target, NULL, MS_BIND | MS_REC, NULL, m->destination, err) < 0)
		return -1;
	if (!extra)
		return 0;
	fd = reopen_mount(rootfd, m->destination, p, err);
	if (fd < 0)
		return -1;
	return rootfs_remount_bind(p, extra, true, m->destination, err);
}

static int mount_bind(int rootfd, const struct rootfs_opts *o, const struct spec_mount *m,
		      struct ar_err *err)
{
	unsigned long extra = m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT | PROPAGATION_FLAGS);
	_cleanup_close_ int target = -1, top = -1;
	char p[ROOTFS_FD_PATH_LEN];
	struct stat st;

	if (m->source == NULL)
		return ar_error(err, EINVAL, "bind mount `%s`: no source", m->destination);
	/* The host side is trusted: following its symlinks is fine. */
	if (stat(m->source, &st) < 0)
		return ar_error(err, errno, "bind mount `%s`: stat source `%s`", m->destination,
				m->source);
	target = resolve_mount_target(rootfd, m->destination, S_ISDIR(st.st_mode), err);
	if (target < 0)
		return ar_err_prefix(err, "bind mount `%s`", m->destination);
	if (mount_on_fd(m->source, target, NULL, MS_BIND | (m->recursive ? MS_REC : 0), NULL,
			m->destination, err) < 0)
		return -1;
	if (extra) {
		top = reopen_mount(rootfd, m->destination, p, err);
		if (top < 0 || rootfs_remount_bind(p, extra, o->userns, m->destination, err) < 0)
			return -1;
	}
	return apply_propagation(rootfd, m, err);
}

static int copy_tree(int sdir, int ddir, unsigned depth, struct ar_err *err);

static int copy_file(int sdir, int ddir, const char *name, struct ar_err *err)
{
	_cleanup_close_ int in = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int out = -1;
	char buf[65536];
	ssize_t n;

	if (in < 0)
		return ar_error(err, errno, "copy up: open `%s`", name);
	out = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return ar_error(err, errno, "copy up: create `%s`", name);
	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write_all(out, buf, (size_t)n) < 0)
			return ar_error(err, errno, "copy up: write `%s`", name);
	if (n < 0)
		return ar_error(err, errno, "copy up: read `%s`", name);
	return 0;
}

static int copy_subdir(int sdir, int ddir, const char *name, unsigned depth,
		       struct ar_err *err)
{
	_cleanup_close_ int s = -1, d = -1;

	if (mkdirat(ddir, name, 0700) < 0)
		return ar_error(err, errno, "copy up: mkdir `%s`", name);
	s = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	d = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s < 0 || d < 0)
		return ar_error(err, errno, "copy up: open `%s`", name);
	return copy_tree(s, d, depth + 1, err);
}

static int copy_entry(int sdir, int ddir, const char *name, const struct stat *st,
		      unsigned depth, struct ar_err *err)
{
	char target[4096];
	ssize_t n;

	switch (st->st_mode & S_IFMT) {
	case S_IFDIR:
		if (copy_subdir(sdir, ddir, name, depth, err) < 0)
			return -1;
		break;
	case S_IFREG:
		if (copy_file(sdir, ddir, name, err) < 0)
			return -1;
		break;
	case S_IFLNK:
		n = readlinkat(sdir, name, target, sizeof target - 1);
		if (n < 0)
			return ar_error(err, errno, "copy up: readlink `%s`", name);
		target[n] = '\0';
		if (symlinkat(target, ddir, name) < 0)
			return ar_error(err, errno, "copy up: symlink `%s`", name);
		break;
	case S_IFCHR: case S_IFBLK: case S_IFIFO:
		if (mknodat(ddir, name, st->st_mode, st->st_rdev) < 0)
			return ar_error(err, errno, "copy up: mknod `%s`", name);
		break;
	default:	/* sockets belong to a live process, not to an image */
		return 0;
	}
	if (fchownat(ddir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return ar_error(err, errno, "copy up: chown `%s`", name);
	if (!S_ISLNK(st->st_mode) && fchmodat(ddir, name, st->st_mode & 07777, 0) < 0)
		return ar_error(err, errno, "copy up: chmod `%s`", name);
	return 0;
}

/* Copies the contents of directory sdir into ddir (both O_RDONLY). */
static int copy_tree(int sdir, int ddir, unsigned depth, struct ar_err *err)
{
	DIR *d;
	struct dirent *de;
	int dfd, r = 0;

	if (depth > COPYUP_MAX_DEPTH)
		return ar_error(err, ELOOP, "copy up: tree deeper than %d", COPYUP_MAX_DEPTH);
	dfd = fcntl(sdir, F_DUPFD_CLOEXEC, 0);
	d = dfd < 0 ? NULL : fdopendir(dfd);
	if (d == NULL) {
		r = ar_error(err, errno, "copy up: read directory");
		if (dfd >= 0)
			close(dfd);
		return r;
	}
	while (r == 0 && (errno = 0, de = readdir(d)) != NULL) {
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(sdir, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			r = ar_error(err, errno, "copy up: stat `%s`", de->d_name);
		else
			r = copy_entry(sdir, ddir, de->d_name, &st, depth, err);
	}
	if (r == 0 && errno != 0)
		r = ar_error(err, errno, "copy up: read directory");
	closedir(d);
	return r;
}

/* tmpcopyup: the new tmpfs starts with the contents (and the owner and
 * mode) of the directory it covers. src is that directory, opened before
 * the mount. */
static int copy_up(int rootfd, int src, const struct spec_mount *m, struct ar_err *err)
{
	_cleanup_close_ int dst = resolve_open(rootfd, m->destination, O_RDONLY | O_DIRECTORY, err);
	struct stat st;

	if (dst < 0)
		return ar_err_prefix(err, "tmpcopyup");
	if (fstat(src, &st) < 0 || fchown(dst, st.st_uid, st.st_gid) < 0 ||
	    fchmod(dst, st.st_mode & 07777) < 0)
		return ar_error(err, errno, "tmpcopyup `%s`", m->destination);
	if (copy_tree(src, dst, 0, err) < 0)
		return ar_err_prefix(err, "tmpcopyup `%s`", m->destination);
	return 0;
}

static int remount_fs(int rootfd, const struct spec_mount *m, unsigned long flags,
		      struct ar_err *err)
{
	_cleanup_close_ int fd = -1;
	char p[ROOTFS_FD_PATH_LEN];

	fd = reopen_mount(rootfd, m->destination, p, err);
	if (fd < 0)
		return -1;
	if (mount(NULL, p, NULL, MS_REMOUNT | flags, m->data) < 0)
		return ar_error(err, errno, "remount `%s`", m->destination);
	return 0;
}

/* A user ns without its own net ns may not mount sysfs, nor mqueue without
 * its own ipc ns (EPERM): like runc, bind the host's instead. */
static const char *eperm_fallback(const struct spec_mount *m)
{
	if (type_is(m, "sysfs"))
		return "/sys";
	if (type_is(m, "mqueue"))
		return "/dev/mqueue";
	return NULL;
}

/* The kernel refused a fresh mount: the EPERM fallback, or the error. */
static int mount_refused(int rootfd, int target, const struct spec_mount *m,
			 const char *source, struct ar_err *err)
{
	int e = errno;
	const char *host = eperm_fallback(m);

	if (e != EPERM || host == NULL)
		return ar_error(err, e, "mount %s `%s` on `%s`", m->type, source, m->destination);
	if (rbind_host(rootfd, target, host, m, err) < 0)
		return ar_err_prefix(err, "mount %s on `%s` (EPERM, so bind `%s`)", m->type,
				     m->destination, host);
	return apply_propagation(rootfd, m, err);
}

static int mount_fs(int rootfd, const struct rootfs_opts *o, const struct spec_mount *m,
		    struct ar_err *err)
{
	unsigned long flags = m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT | PROPAGATION_FLAGS);
	_cleanup_close_ int target = -1, src = -1;
	const char *source = m->source ? m->source : m->type;
	char p[ROOTFS_FD_PATH_LEN];

	target = needs_plain_path(m) ? open_plain_dir(rootfd, m->destination, err)
				     : resolve_mount_target(rootfd, m->destination, true, err);
	if (target < 0)
		return ar_err_prefix(err, "mount `%s`", m->destination);
	if (m->tmpcopyup) {
		src = openat(target, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (src < 0)
			return ar_error(err, errno, "tmpcopyup `%s`", m->destination);
		flags &= ~MS_RDONLY;	/* filled first, made read-only after */
	}
	rootfs_fd_path(target, p);
	if (mount(source, p, m->type, flags, m->data) < 0)
		return mount_refused(rootfd, target, m, source, err);
	if (m->tmpcopyup) {
		if (copy_up(rootfd, src, m, err) < 0)
			return -1;
		if ((m->flags & MS_RDONLY) && remount_fs(rootfd, m, flags | MS_RDONLY, err) < 0)
			return -1;
	}
	return apply_propagation(rootfd, m, err);
}

/* cgroup mounts.
 *
 * A pure v2 host (cgroup.controllers at the top of /sys/fs/cgroup): mount
 * cgroup2; with a cgroup ns it shows the container's own subtree. Without
 * the right to (EPERM in a user ns without a cgroup ns), rbind the host's.
 *
 * A v1 or hybrid host has no single cgroup file system to mount, so the
 * /sys/fs/cgroup layout is rebuilt by hand, as runc does: a tmpfs, and in
 * it one directory per hierarchy the host mounts under /sys/fs/cgroup
 * (fstype cgroup, and cgroup2 for the hybrid "unified"). With a cgroup ns,
 * each is a fresh mount of that hierarchy (rooted at the ns); otherwise,
 * or when that is refused, a bind of this process's own cgroup directory
 * in it (from /proc/self/cgroup), so the container sees its own cgroup and
 * nothing above it. The host's symlinks there (cpu -> cpu,cpuacct) are
 * copied; the tmpfs is made read-only last when the mount asks for ro.
 */
#define CGROUP_ROOT "/sys/fs/cgroup"

struct cg_mount {
	char *root;		/* the mount's root inside its hierarchy */
	char *mountpoint;
	char *fstype;
	char *superopts;	/* "rw,cpu,cpuacct" */
};

/* Splits one /proc/self/mountinfo line in place; false if unreadable. */
static bool parse_mountinfo(char *line, struct cg_mount *out)
{
	char *sep = strstr(line, " - "), *save = NULL, *f[5];

	if (sep == NULL || strchr(line, '\\'))
		return false;
	*sep = '\0';
	for (int i = 0; i < 5; i++)
		if ((f[i] = strtok_r(i ? NULL : line, " ", &save)) == NULL)
			return false;
	out->root = f[3];
	out->mountpoint = f[4];
	save = NULL;
	out->fstype = strtok_r(sep + 3, " ", &save);
	if (out->fstype == NULL || strtok_r(NULL, " ", &save) == NULL)
		return false;
	out->superopts = strtok_r(NULL, " \n", &save);
	return out->superopts != NULL;
}

static bool opt_listed(const char *opts, const char *word, size_t len)
{
	for (const char *p = opts; *p; ) {
		size_t n = strcspn(p, ",");

		if (n == len && strncmp(p, word, len) == 0)
			return true;
		p += n + (p[n] == ',');
	}
	return false;
}

/* Whether a /proc/self/cgroup line ("4:memory:/x" or "0::/x") belongs to
 * the hierarchy of mount c. */
static bool cgroup_line_matches(const char *id, const char *ctrls, const struct cg_mount *c)
{
	if (strcmp(c->fstype, "cgroup2") == 0)
		return strcmp(id, "0") == 0 && ctrls[0] == '\0';
	if (ctrls[0] == '\0')
		return false;
	for (const char *p = ctrls; *p; ) {
		size_t n = strcspn(p, ",");

		if (!opt_listed(c->superopts, p, n))
			return false;
		p += n + (p[n] == ',');
	}
	return true;
}

/* The host directory to bind for hierarchy c: our own cgroup in it. */
static char *own_cgroup_dir(const char *self_cgroup, const struct cg_mount *c)
{
	_cleanup_free_ char *text = xstrdup(self_cgroup);
	char *save = NULL;
	struct stat st;

	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		const char *path;
		char *dir;
		size_t rl = strlen(c->root);

		if (c2 == NULL)
			continue;
		*c1 = *c2 = '\0';
		if (!cgroup_line_matches(l, c1 + 1, c))
			continue;
		path = c2 + 1;
		if (strcmp(c->root, "/") != 0) {
			if (strncmp(path, c->root, rl) != 0 || (path[rl] && path[rl] != '/'))
				break;
			path += rl;
		}
		dir = xasprintf("%s%s", c->mountpoint, path);
		if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
			return dir;
		free(dir);
		break;
	}
	return xstrdup(c->mountpoint);
}

/* "rw,cpu,cpuacct" -> "cpu,cpuacct": the hierarchy's mount data. */
static char *cgroup_data(const char *superopts)
{
	const char *p = superopts;

	if (strncmp(p, "rw,", 3) == 0 || strncmp(p, "ro,", 3) == 0)
		p += 3;
	else if (strcmp(p, "rw") == 0 || strcmp(p, "ro") == 0)
		p += 2;
	return xstrdup(p);
}

static int mount_hierarchy(int tmpdir, const struct cg_mount *c, const char *self_cgroup,
			   const struct rootfs_opts *o, const struct spec_mount *m,
			   struct ar_err *err)
{
	const char *name = c->mountpoint + strlen(CGROUP_ROOT "/");
	unsigned long ro = m->flags & MS_RDONLY, sec = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	_cleanup_close_ int fd = -1, top = -1;
	_cleanup_free_ char *host = NULL, *data = NULL;
	char p[ROOTFS_FD_PATH_LEN];

	if (mkdirat(tmpdir, name, 0755) < 0 && errno != EEXIST)
		return ar_error(err, errno, "cgroup mount `%s`: mkdir `%s`", m->destination, name);
	fd = openat(tmpdir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return ar_error(err, errno, "cgroup mount `%s`: open `%s`", m->destination, name);
	rootfs_fd_path(fd, p);
	if (o->spec->linux.ns[NS_CGROUP].enabled) {
		data = strcmp(c->fstype, "cgroup") == 0 ? cgroup_data(c->superopts) : NULL;
		if (mount(c->fstype, p, c->fstype, sec | ro, data) == 0)
			return 0;
	}
	host = own_cgroup_dir(self_cgroup, c);
	if (mount(host, p, NULL, MS_BIND | MS_REC, NULL) < 0)
		return ar_error(err, errno, "cgroup mount `%s`: bind `%s`", m->destination, host);
	top = openat(tmpdir, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (top < 0)
		return ar_error(err, errno, "cgroup mount `%s`: reopen `%s`", m->destination, name);
	rootfs_fd_path(top, p);
	return rootfs_remount_bind(p, sec | ro, true, m->destination, err);
}

static bool is_host_hierarchy(const struct cg_mount *c)
{
	const char *name = c->mountpoint + strlen(CGROUP_ROOT "/");

	if (strncmp(c->mountpoint, CGROUP_ROOT "/", strlen(CGROUP_ROOT "/")) != 0)
		return false;
	if (name[0] == '\0' || strchr(name, '/') || name[0] == '.')
		return false;
	return strcmp(c->fstype, "cgroup") == 0 || strcmp(c->fstype, "cgroup2") == 0;
}

static int fill_v1_hierarchies(int tmpdir, const struct rootfs_opts *o,
			       const struct spec_mount *m, struct ar_err *err)
{
	_cleanup_free_ char *info = NULL, *self = NULL;
	char *save = NULL;

	if (read_file_at(AT_FDCWD, "/proc/self/mountinfo", &info, NULL, err) < 0 ||
	    read_file_at(AT_FDCWD, "/proc/self/cgroup", &self, NULL, err) < 0)
		return ar_err_prefix(err, "cgroup mount `%s`", m->destination);
	for (char *l = strtok_r(info, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		struct cg_mount c;

		if (!parse_mountinfo(l, &c) || !is_host_hierarchy(&c))
			continue;
		if (mount_hierarchy(tmpdir, &c, self, o, m, err) < 0)
			return -1;
	}
	return 0;
}

/* The host's aliases (cpu -> cpu,cpuacct) next to the hierarchies. */
static int copy_cgroup_links(int tmpdir, const struct spec_mount *m, struct ar_err *err)
{
	DIR *d = opendir(CGROUP_ROOT);
	struct dirent *de;
	char target[4096];
	int r = 0;

	if (d == NULL)
		return ar_error(err, errno, "cgroup mount `%s`: read `%s`", m->destination,
				CGROUP_ROOT);
	while (r == 0 && (de = readdir(d)) != NULL) {
		ssize_t n;

		if (de->d_type != DT_LNK)
			continue;
		n = readlinkat(dirfd(d), de->d_name, target, sizeof target - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		if (symlinkat(target, tmpdir, de->d_name) < 0 && errno != EEXIST)
			r = ar_error(err, errno, "cgroup mount `%s`: link `%s`", m->destination,
				     de->d_name);
	}
	closedir(d);
	return r;
}

static int mount_cgroup_v1(int rootfd, const struct rootfs_opts *o, const struct spec_mount *m,
			   struct ar_err *err)
{
	unsigned long flags = (m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT | PROPAGATION_FLAGS));
	_cleanup_close_ int target = open_plain_dir(rootfd, m->destination, err), dir = -1;

	if (target < 0)
		return ar_err_prefix(err, "mount `%s`", m->destination);
	if (mount_on_fd("tmpfs", target, "tmpfs", (flags & ~MS_RDONLY) | MS_NOSUID | MS_NODEV |
			MS_NOEXEC, "mode=755", m->destination, err) < 0)
		return -1;
	dir = resolve_open(rootfd, m->destination, O_RDONLY | O_DIRECTORY, err);
	if (dir < 0)
		return ar_err_prefix(err, "cgroup mount `%s`", m->destination);
	if (fill_v1_hierarchies(dir, o, m, err) < 0 || copy_cgroup_links(dir, m, err) < 0)
		return -1;
	if (flags & MS_RDONLY) {
		char p[ROOTFS_FD_PATH_LEN];

		rootfs_fd_path(dir, p);
		if (mount(NULL, p, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV |
			  MS_NOEXEC, "mode=755") < 0)
			return ar_error(err, errno, "remount `%s` read-only", m->destination);
	}
	return apply_propagation(rootfd, m, err);
}

static int mount_cgroup(int rootfd, const struct rootfs_opts *o, const struct spec_mount *m,
			struct ar_err *err)
{
	unsigned long flags = m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT | PROPAGATION_FLAGS);
	_cleanup_close_ int target = -1;
	char p[ROOTFS_FD_PATH_LEN];

	if (access(CGROUP_ROOT "/cgroup.controllers", F_OK) < 0)
		return mount_cgroup_v1(rootfd, o, m, err);
	target = open_plain_dir(rootfd, m->destination, err);
	if (target < 0)
		return ar_err_prefix(err, "mount `%s`", m->destination);
	rootfs_fd_path(target, p);
	if (mount("cgroup2", p, "cgroup2", flags, m->data) < 0) {
		if (errno != EPERM)
			return ar_error(err, errno, "mount cgroup2 on `%s`", m->destination);
		if (rbind_host(rootfd, target, CGROUP_ROOT, m, err) < 0)
			return -1;
	}
	return apply_propagation(rootfd, m, err);
}

int rootfs_mount_one(int rootfd, const struct rootfs_opts *o, const struct spec_mount *m,
		     struct ar_err *err)
{
	if (m->destination == NULL || m->destination[0] != '/')
		return ar_error(err, EINVAL, "mount `%s`: destination must be absolute",
				m->destination ? m->destination : "");
	if (m->bind || type_is(m, "bind"))	/* runc takes type "bind" alone too */
		return mount_bind(rootfd, o, m, err);
	if (m->type == NULL)
		return ar_error(err, EINVAL, "mount `%s`: no type", m->destination);
	if (type_is(m, "cgroup") || type_is(m, "cgroup2"))
		return mount_cgroup(rootfd, o, m, err);
	return mount_fs(rootfd, o, m, err);
}
