/* argon — /dev inside the container: device nodes, links, the console.
 *
 * Runs after the config mounts (so a tmpfs on /dev is already there). Every
 * node is created through its resolved parent directory, never through a
 * symlink; whatever the image left at a node's path that is not exactly the
 * right device is replaced, so a planted regular file at /dev/null can
 * never stand in for the null device.
 */
/* gnu11 predefines `linux` as 1; spec.h has a field of that name. */
#undef linux
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "resolve.h"
#include "rootfs_priv.h"
#include "util.h"

struct dev_node {
	const char *path;
	mode_t type;		/* S_IFCHR, S_IFBLK or S_IFIFO */
	unsigned major, minor;
	mode_t mode;
	uid_t uid;
	gid_t gid;
};

/* Every container gets these, as with runc. */
static const struct dev_node default_nodes[] = {
	{ "/dev/null", S_IFCHR, 1, 3, 0666, 0, 0 },
	{ "/dev/zero", S_IFCHR, 1, 5, 0666, 0, 0 },
	{ "/dev/full", S_IFCHR, 1, 7, 0666, 0, 0 },
	{ "/dev/random", S_IFCHR, 1, 8, 0666, 0, 0 },
	{ "/dev/urandom", S_IFCHR, 1, 9, 0666, 0, 0 },
	{ "/dev/tty", S_IFCHR, 5, 0, 0666, 0, 0 },
};

static const struct { const char *name, *target; } dev_links[] = {
	{ "fd", "/proc/self/fd" },
	{ "stdin", "/proc/self/fd/0" },
	{ "stdout", "/proc/self/fd/1" },
	{ "stderr", "/proc/self/fd/2" },
};

static void node_from_spec(const struct spec_device *d, struct dev_node *n)
{
	n->path = d->path;
	n->type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
	n->major = d->type == 'p' ? 0 : (unsigned)d->major;
	n->minor = d->type == 'p' ? 0 : (unsigned)d->minor;
	n->mode = d->has_mode ? (mode_t)(d->mode & 07777) : 0666;
	n->uid = d->has_uid ? d->uid : 0;
	n->gid = d->has_gid ? d->gid : 0;
}

static bool node_matches(const struct dev_node *n, const struct stat *st)
{
	if ((st->st_mode & S_IFMT) != n->type)
		return false;
	return n->type == S_IFIFO ||
	       (major(st->st_rdev) == n->major && minor(st->st_rdev) == n->minor);
}

/* Removes whatever sits at name unless it is already the right node;
 * returns 1 when the right node is already there. */
static int clear_node_path(int parent, const char *name, const struct dev_node *n,
			   bool keep_regular, struct ar_err *err)
{
	struct stat st;

	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return ar_error(err, errno, "stat device `%s`", n->path);
	}
	if (node_matches(n, &st) || (keep_regular && S_ISREG(st.st_mode)))
		return 1;
	if (S_ISDIR(st.st_mode))
		return ar_error(err, EISDIR, "device `%s`: a directory is in the way", n->path);
	if (unlinkat(parent, name, 0) < 0)
		return ar_error(err, errno, "remove `%s` to create the device", n->path);
	return 0;
}

static int mknod_node(int parent, const char *name, const struct dev_node *n,
		      struct ar_err *err)
{
	int r = clear_node_path(parent, name, n, false, err);

	if (r < 0)
		return -1;
	if (r == 0 && mknodat(parent, name, n->type | n->mode,
			      makedev(n->major, n->minor)) < 0)
		return ar_error(err, errno, "mknod `%s`", n->path);
	/* The node is ours now (created, or checked to be the device): set
	 * the mode exactly, whatever the umask, and the owner. */
	if (fchownat(parent, name, n->uid, n->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return ar_error(err, errno, "chown `%s`", n->path);
	if (fchmodat(parent, name, n->mode, 0) < 0)
		return ar_error(err, errno, "chmod `%s`", n->path);
	return 0;
}

/* In a user namespace mknod is refused: bind the host's node onto an
 * empty file instead (a FIFO needs no privilege and is made directly). */
static int bind_node(int parent, const char *name, const struct dev_node *n,
		     struct ar_err *err)
{
	_cleanup_close_ int fd = -1;
	char p[ROOTFS_FD_PATH_LEN];
	int r;

	if (n->type == S_IFIFO)
		return mknod_node(parent, name, n, err);
	r = clear_node_path(parent, name, n, true, err);
	if (r < 0)
		return -1;
	if (r == 0) {
		fd = openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0);
		if (fd < 0)
			return ar_error(err, errno, "create `%s`", n->path);
		close(steal_fd(&fd));
	}
	fd = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return ar_error(err, errno, "open `%s`", n->path);
	rootfs_fd_path(fd, p);
	if (mount(n->path, p, NULL, MS_BIND, NULL) < 0)
		return ar_error(err, errno, "bind host device `%s`", n->path);
	return 0;
}

/* Splits "/dev/x/y" at its last slash into the resolved parent directory
 * and the name; returns the parent fd. */
static int open_parent(int rootfd, const char *path, const char **name, struct ar_err *err)
{
	_cleanup_free_ char *dir = NULL;
	const char *slash = strrchr(path, '/');

	if (slash == NULL || slash[1] == '\0' || strcmp(slash + 1, ".") == 0 ||
	    strcmp(slash + 1, "..") == 0)
		return ar_error(err, EINVAL, "device path `%s`: not a file path", path);
	*name = slash + 1;
	dir = slash == path ? xstrdup("/") : xasprintf("%.*s", (int)(slash - path), path);
	return resolve_mkdir_p(rootfd, dir, 0755, err);
}

static int create_node(int rootfd, const struct dev_node *n, bool userns, struct ar_err *err)
{
	_cleanup_close_ int parent = -1;
	const char *name = NULL;

	parent = open_parent(rootfd, n->path, &name, err);
	if (parent < 0)
		return ar_err_prefix(err, "device `%s`", n->path);
	return userns ? bind_node(parent, name, n, err) : mknod_node(parent, name, n, err);
}

static bool configured(const struct spec_linux *l, const char *path)
{
	for (size_t i = 0; i < l->n_devices; i++)
		if (strcmp(l->devices[i].path, path) == 0)
			return true;
	return false;
}

static int create_nodes(int rootfd, const struct rootfs_opts *o, struct ar_err *err)
{
	const struct spec_linux *l = &o->spec->linux;

	for (size_t i = 0; i < sizeof default_nodes / sizeof default_nodes[0]; i++) {
		if (configured(l, default_nodes[i].path))
			continue;	/* the config's own entry wins */
		if (create_node(rootfd, &default_nodes[i], o->userns, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < l->n_devices; i++) {
		struct dev_node n;

		node_from_spec(&l->devices[i], &n);
		if (create_node(rootfd, &n, o->userns, err) < 0)
			return -1;
	}
	return 0;
}

static bool has_devpts_mount(const struct spec *s)
{
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct spec_mount *m = &s->mounts[i];

		if (m->type && strcmp(m->type, "devpts") == 0 &&
		    strcmp(m->destination, "/dev/pts") == 0)
			return true;
	}
	return false;
}

/* /dev/fd and friends, /dev/ptmx for a devpts mount, /dev/shm. Existing
 * links are kept, as with runc; only ptmx is replaced (it must be the
 * container's devpts one). */
static int create_links(int devfd, const struct rootfs_opts *o, struct ar_err *err)
{
	for (size_t i = 0; i < sizeof dev_links / sizeof dev_links[0]; i++)
		if (symlinkat(dev_links[i].target, devfd, dev_links[i].name) < 0 &&
		    errno != EEXIST)
			return ar_error(err, errno, "symlink `/dev/%s`", dev_links[i].name);
	if (has_devpts_mount(o->spec)) {
		if (unlinkat(devfd, "ptmx", 0) < 0 && errno != ENOENT)
			return ar_error(err, errno, "remove `/dev/ptmx`");
		if (symlinkat("pts/ptmx", devfd, "ptmx") < 0)
			return ar_error(err, errno, "symlink `/dev/ptmx`");
	}
	/* Plain 0755: without a configured /dev/shm mount nobody asked for a
	 * world-writable shared memory directory. */
	if (mkdirat(devfd, "shm", 0755) < 0 && errno != EEXIST)
		return ar_error(err, errno, "mkdir `/dev/shm`");
	return 0;
}

/* The bind target for the pty slave (rootfs_bind_console): an image's
 * symlink there is removed, so the pty lands on /dev/console itself. */
static int create_console(int devfd, struct ar_err *err)
{
	struct stat st;
	int fd;

	if (fstatat(devfd, "console", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode) && unlinkat(devfd, "console", 0) < 0)
		return ar_error(err, errno, "remove `/dev/console`");
	fd = openat(devfd, "console", O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0);

	if (fd < 0 && errno != EEXIST)
		return ar_error(err, errno, "create `/dev/console`");
	if (fd >= 0)
		close(fd);
	return 0;
}

int rootfs_setup_dev(int rootfd, const struct rootfs_opts *o, struct ar_err *err)
{
	_cleanup_close_ int devfd = -1;

	if (create_nodes(rootfd, o, err) < 0)
		return -1;
	devfd = resolve_mkdir_p(rootfd, "/dev", 0755, err);
	if (devfd < 0)
		return -1;
	if (create_links(devfd, o, err) < 0)
		return -1;
	return o->terminal ? create_console(devfd, err) : 0;
}
