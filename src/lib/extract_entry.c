/* argon — creating one tar entry below the extraction root (see extract.h).
 *
 * The parent directory is reached by extract_open_dir() (no symlinks, no
 * "..") and the entry is made relative to that fd: regular files with
 * O_EXCL|O_NOFOLLOW and their metadata set through the open fd; nodes and
 * symlinks with the *at calls' no-follow flags. Whatever already has the
 * entry's name is removed first (last entry wins, as in tar), unless both
 * are directories. Nothing is ever opened by following a name.
 */
#include "extract_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "util.h"

#define WH_PREFIX ".wh."
#define WH_META ".wh..wh."
#define WH_OPAQUE ".wh..wh..opq"
#define OVL_OPAQUE_XATTR "trusted.overlay.opaque"

#define DEV_MAJOR_LIMIT 4096u
#define DEV_MINOR_LIMIT (1u << 20)
#define ID_MAX 0xFFFFFFFEll	/* (uid_t)-1 means "no change" to chown */

static bool is_layer(const struct extract_ctx *x)
{
	return x->mode == EXTRACT_LAYER;
}

/* ------------------------------------------------------------ metadata */

static mode_t entry_mode(const struct extract_ctx *x, struct archive_entry *e)
{
	mode_t m = archive_entry_perm(e) & 07777;

	/* Import archives hold blobs and JSON: no setuid, nothing writable
	 * by others, whatever the archive says. */
	return is_layer(x) ? m : m & 0755;
}

/* False when the entry carries no mtime (the file keeps "now"). */
static bool entry_times(struct archive_entry *e, struct timespec ts[2])
{
	if (!archive_entry_mtime_is_set(e))
		return false;
	ts[1].tv_sec = archive_entry_mtime(e);
	ts[1].tv_nsec = archive_entry_mtime_nsec(e);
	if (archive_entry_atime_is_set(e)) {
		ts[0].tv_sec = archive_entry_atime(e);
		ts[0].tv_nsec = archive_entry_atime_nsec(e);
	} else {
		ts[0] = ts[1];
	}
	for (int i = 0; i < 2; i++)
		if (ts[i].tv_nsec < 0 || ts[i].tv_nsec >= 1000000000)
			ts[i].tv_nsec = 0;
	return true;
}

/* Only user.* (plain data) and security.capability (file capabilities,
 * part of what an image ships) are applied. trusted.* is how overlayfs
 * keeps its own state: trusted.overlay.redirect / .origin / .metacopy /
 * .opaque in a layer would let it redirect lookups into other layers or
 * hide their files, so opaque dirs come only from .wh..wh..opq entries.
 * security.selinux and system.* (ACLs) belong to the host's policy. */
static bool xattr_allowed(const char *name)
{
	return strncmp(name, "user.", 5) == 0 || strcmp(name, "security.capability") == 0;
}

static int set_xattrs(struct extract_ctx *x, int fd, struct archive_entry *e,
		      struct ar_err *err)
{
	const char *name;
	const void *value;
	size_t size;

	if (!is_layer(x))
		return 0;
	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		if (name == NULL || !xattr_allowed(name))
			continue;
		if (fsetxattr(fd, name, value, size, 0) < 0)
			return ar_error(err, errno, "set xattr `%s`", name);
	}
	return 0;
}

/* Owner, then mode (chown clears setuid), then xattrs (security.capability
 * is cleared by chown and by writing), then times: all through the fd. */
static int set_meta_fd(struct extract_ctx *x, int fd, struct archive_entry *e,
		       struct ar_err *err)
{
	struct timespec ts[2];

	if (is_layer(x) &&
	    fchown(fd, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e)) < 0)
		return ar_error(err, errno, "change owner");
	if (fchmod(fd, entry_mode(x, e)) < 0)
		return ar_error(err, errno, "change mode");
	if (set_xattrs(x, fd, e, err) < 0)
		return -1;
	if (entry_times(e, ts) && futimens(fd, ts) < 0)
		return ar_error(err, errno, "set times");
	return 0;
}

/* The same for a symlink or node known only by name: never followed. */
static int set_meta_at(struct extract_ctx *x, int pfd, const char *name, bool chmod_it,
		       struct archive_entry *e, struct ar_err *err)
{
	struct timespec ts[2];

	if (is_layer(x) && fchownat(pfd, name, (uid_t)archive_entry_uid(e),
				    (gid_t)archive_entry_gid(e), AT_SYMLINK_NOFOLLOW) < 0)
		return ar_error(err, errno, "change owner");
	if (chmod_it && fchmodat(pfd, name, entry_mode(x, e), AT_SYMLINK_NOFOLLOW) < 0)
		return ar_error(err, errno, "change mode");
	if (entry_times(e, ts) && utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return ar_error(err, errno, "set times");
	return 0;
}

/* ------------------------------------------------------------ entry kinds */

/* Makes room for the entry: keeps an existing directory when a directory
 * comes (*kept), removes anything else. */
static int clear_name(int pfd, const char *name, bool want_dir, bool *kept,
		      struct ar_err *err)
{
	struct stat st;

	if (kept)
		*kept = false;
	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : ar_error(err, errno, "stat existing entry");
	if (S_ISDIR(st.st_mode) && want_dir) {
		*kept = true;
		return 0;
	}
	if (S_ISDIR(st.st_mode))
		return rm_rf_at(pfd, name, err) < 0 ? ar_err_prefix(err, "replace directory") : 0;
	if (unlinkat(pfd, name, 0) < 0)
		return ar_error(err, errno, "replace existing entry");
	return 0;
}

static int pwrite_all(int fd, const char *buf, size_t len, off_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, buf, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

/* Data blocks at their offsets (holes of sparse files stay holes), then
 * the size the entry declares (a trailing hole). */
static int write_data(struct extract_ctx *x, struct archive_entry *e, int fd,
		      struct ar_err *err)
{
	uint64_t end = 0, want;
	struct stat st;

	for (;;) {
		const void *buf;
		size_t size;
		la_int64_t off;
		int r = archive_read_data_block(x->a, &buf, &size, &off);

		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			return extract_archive_fail(x->a, err, "read data");
		if (off < 0 || (uint64_t)off > (uint64_t)INT64_MAX - size)
			return extract_refuse(err, EINVAL, "data offset %" PRId64 " out of range",
					      (int64_t)off);
		if (pwrite_all(fd, buf, size, (off_t)off) < 0)
			return ar_error(err, errno, "write data");
		x->st.bytes += size;
		if ((uint64_t)off + size > end)
			end = (uint64_t)off + size;
	}
	want = end;
	if (archive_entry_size_is_set(e) && archive_entry_size(e) > 0 &&
	    (uint64_t)archive_entry_size(e) > want)
		want = (uint64_t)archive_entry_size(e);
	if (want > (uint64_t)INT64_MAX)
		return extract_refuse(err, EFBIG, "file size out of range");
	if (fstat(fd, &st) < 0)
		return ar_error(err, errno, "stat file");
	if ((uint64_t)st.st_size != want && ftruncate(fd, (off_t)want) < 0)
		return ar_error(err, errno, "set file size");
	return 0;
}

static int make_file(struct extract_ctx *x, struct archive_entry *e, int pfd,
		     const char *name, struct ar_err *err)
{
	_cleanup_close_ int fd = -1;

	if (clear_name(pfd, name, false, NULL, err) < 0)
		return -1;
	fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return ar_error(err, errno, "create file");
	if (write_data(x, e, fd, err) < 0)
		return -1;
	return set_meta_fd(x, fd, e, err);
}

/* Owner and xattrs now; mode and times once the archive is done. */
static int dir_meta(struct extract_ctx *x, struct archive_entry *e, int fd, const char *path,
		    struct ar_err *err)
{
	struct timespec ts[2];
	bool has_ts = entry_times(e, ts);

	if (is_layer(x) &&
	    fchown(fd, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e)) < 0)
		return ar_error(err, errno, "change owner");
	if (set_xattrs(x, fd, e, err) < 0)
		return -1;
	extract_fixup_add(x, path, entry_mode(x, e), has_ts ? ts : NULL);
	return 0;
}

static int make_dir(struct extract_ctx *x, struct archive_entry *e, int pfd, const char *name,
		    const char *path, struct ar_err *err)
{
	_cleanup_close_ int fd = -1;
	bool kept;

	if (clear_name(pfd, name, true, &kept, err) < 0)
		return -1;
	if (!kept && mkdirat(pfd, name, 0700) < 0)
		return ar_error(err, errno, "create directory");
	fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return ar_error(err, errno, "open directory");
	return dir_meta(x, e, fd, path, err);
}

/* The target text is stored, never resolved. */
static int make_symlink(struct extract_ctx *x, struct archive_entry *e, int pfd,
			const char *name, struct ar_err *err)
{
	const char *target = archive_entry_symlink(e);

	if (target == NULL || *target == '\0')
		return extract_refuse(err, EINVAL, "symlink without a target");
	if (clear_name(pfd, name, false, NULL, err) < 0)
		return -1;
	if (symlinkat(target, pfd, name) < 0)
		return ar_error(err, errno, "create symlink to `%s`", target);
	return set_meta_at(x, pfd, name, false, e, err);
}

/* The target is an entry already extracted into this root, reached the
 * same way as a parent (no symlinks on the way, its own name not
 * followed either), and not a directory. */
static int make_hardlink(struct extract_ctx *x, const char *target, int pfd, const char *name,
			 struct ar_err *err)
{
	_cleanup_free_ char *tpath = NULL;
	_cleanup_close_ int tpfd = -1;
	const char *tdir, *tname;
	struct stat tst, st;

	if (extract_norm_name(target, x->what, &tpath, err) < 0)
		return ar_err_prefix(err, "hard link target `%s`", target);
	if (*tpath == '\0')
		return extract_refuse(err, EPERM, "hard link target `%s` is a directory", target);
	tname = extract_split(tpath, &tdir);
	tpfd = extract_open_dir(x, tdir, false, err);
	if (tpfd < 0)
		return ar_err_prefix(err, "hard link target `%s`", target);
	if (fstatat(tpfd, tname, &tst, AT_SYMLINK_NOFOLLOW) < 0)
		return ar_error(err, errno, "hard link target `%s`", target);
	if (S_ISDIR(tst.st_mode))
		return extract_refuse(err, EPERM, "hard link target `%s` is a directory", target);
	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_dev == tst.st_dev &&
	    st.st_ino == tst.st_ino)
		return 0;	/* already this very link */
	if (clear_name(pfd, name, false, NULL, err) < 0)
		return -1;
	if (linkat(tpfd, tname, pfd, name, 0) < 0)
		return ar_error(err, errno, "create hard link to `%s`", target);
	return 0;
}

static int check_device(struct archive_entry *e, mode_t type, dev_t *dev, struct ar_err *err)
{
	dev_t maj = archive_entry_rdevmajor(e), min = archive_entry_rdevminor(e);

	if (maj >= DEV_MAJOR_LIMIT || min >= DEV_MINOR_LIMIT)
		return extract_refuse(err, ERANGE, "device number %ju:%ju out of range",
				      (uintmax_t)maj, (uintmax_t)min);
	if (type == S_IFCHR && maj == 0 && min == 0)
		return extract_refuse(err, EPERM, "character device 0:0 is an overlay whiteout "
					   "(layers delete files with .wh. entries)");
	*dev = makedev(maj, min);
	return 0;
}

/* Fifos and device nodes (layers only; checked by the caller). */
static int make_node(struct extract_ctx *x, struct archive_entry *e, int pfd, const char *name,
		     mode_t type, struct ar_err *err)
{
	dev_t dev = 0;

	if (type != S_IFIFO && check_device(e, type, &dev, err) < 0)
		return -1;
	if (clear_name(pfd, name, false, NULL, err) < 0)
		return -1;
	if (type == S_IFIFO ? mkfifoat(pfd, name, 0600) : mknodat(pfd, name, type | 0600, dev))
		return ar_error(err, errno, "create %s", type == S_IFIFO ? "fifo" : "device node");
	/* user.* xattrs are refused by the kernel on fifos and devices, and
	 * file capabilities mean nothing there: none are applied. */
	return set_meta_at(x, pfd, name, true, e, err);
}

/* ------------------------------------------------------------ whiteouts */

/* ".wh..wh..opq": the directory holding it hides the lower layers'. */
static int make_opaque(int pfd, struct ar_err *err)
{
	_cleanup_close_ int fd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return ar_error(err, errno, "open directory");
	if (fsetxattr(fd, OVL_OPAQUE_XATTR, "y", 1, 0) < 0)
		return ar_error(err, errno, "set " OVL_OPAQUE_XATTR);
	return 0;
}

/* ".wh.NAME": NAME is deleted from the lower layers, which overlayfs
 * reads from a char 0:0 node of that name. */
static int make_whiteout(struct extract_ctx *x, const char *dir, const char *base,
			 struct ar_err *err)
{
	const char *name = base + strlen(WH_PREFIX);
	_cleanup_close_ int pfd = -1;

	if (strncmp(base, WH_META, strlen(WH_META)) == 0) {
		/* aufs bookkeeping some old images still carry: nothing to do */
		if (strcmp(base, WH_META "plnk") == 0 || strcmp(base, WH_META "aufs") == 0)
			return 0;
		if (strcmp(base, WH_OPAQUE) != 0)
			return extract_refuse(err, EINVAL, "unknown whiteout metadata `%s`", base);
	} else if (*name == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		return extract_refuse(err, EINVAL, "invalid whiteout name `%s`", base);
	}
	pfd = extract_open_dir(x, dir, true, err);
	if (pfd < 0)
		return -1;
	if (strcmp(base, WH_OPAQUE) == 0)
		return make_opaque(pfd, err);
	if (clear_name(pfd, name, false, NULL, err) < 0)
		return -1;
	if (mknodat(pfd, name, S_IFCHR, makedev(0, 0)) < 0)
		return ar_error(err, errno, "create whiteout for `%s`", name);
	return 0;
}

/* Directory components of a layer entry: under ".wh..wh.plnk" / ".aufs"
 * (aufs bookkeeping) the entry is skipped (returns 1); any other ".wh."
 * name used as a directory is refused. */
static int check_wh_dirs(const char *dir, struct ar_err *err)
{
	for (const char *p = dir; *p;) {
		size_t cl = strcspn(p, "/");

		if ((cl == 12 && strncmp(p, WH_META "plnk", 12) == 0) ||
		    (cl == 12 && strncmp(p, WH_META "aufs", 12) == 0))
			return 1;
		if (strncmp(p, WH_PREFIX, strlen(WH_PREFIX)) == 0)
			return extract_refuse(err, EINVAL, "whiteout name `%.*s` used as a directory",
					      (int)cl, p);
		p += cl + (p[cl] == '/');
	}
	return 0;
}

/* ------------------------------------------------------------ one entry */

static const char *type_name(mode_t type)
{
	switch (type) {
	case AE_IFIFO: return "fifo";
	case AE_IFCHR: return "character device";
	case AE_IFBLK: return "block device";
	case AE_IFSOCK: return "socket";
	default: return "unknown-type";
	}
}

/* What the mode allows at all, before anything is touched. */
static int check_kind(struct extract_ctx *x, struct archive_entry *e, struct ar_err *err)
{
	mode_t type = archive_entry_filetype(e);
	la_int64_t uid = archive_entry_uid(e), gid = archive_entry_gid(e);

	if (!is_layer(x)) {
		if (archive_entry_hardlink(e))
			return extract_refuse(err, EPERM, "hard links are not allowed in an "
							  "import archive");
		if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK)
			return extract_refuse(err, EPERM, "%s entries are not allowed in an "
							  "import archive", type_name(type));
		return 0;
	}
	if (uid < 0 || uid > ID_MAX)
		return extract_refuse(err, ERANGE, "uid %" PRId64 " out of range", (int64_t)uid);
	if (gid < 0 || gid > ID_MAX)
		return extract_refuse(err, ERANGE, "gid %" PRId64 " out of range", (int64_t)gid);
	return 0;
}

/* "." or "/" itself: a layer sets the root's owner, mode and times. */
static int root_entry(struct extract_ctx *x, struct archive_entry *e, struct ar_err *err)
{
	_cleanup_close_ int fd = -1;

	if (!is_layer(x))
		return 0;
	if (archive_entry_hardlink(e) || archive_entry_filetype(e) != AE_IFDIR)
		return extract_refuse(err, EINVAL, "the root entry is not a directory");
	fd = openat(x->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return ar_error(err, errno, "open the root directory");
	return dir_meta(x, e, fd, "", err);
}

static int make_entry(struct extract_ctx *x, struct archive_entry *e, int pfd, const char *name,
		      const char *path, struct ar_err *err)
{
	const char *target = archive_entry_hardlink(e);
	mode_t type = archive_entry_filetype(e);

	/* Hard links first: libarchive gives them the type of their data. */
	if (target)
		return make_hardlink(x, target, pfd, name, err);
	switch (type) {
	case AE_IFREG: return make_file(x, e, pfd, name, err);
	case AE_IFDIR: return make_dir(x, e, pfd, name, path, err);
	case AE_IFLNK: return make_symlink(x, e, pfd, name, err);
	case AE_IFIFO: return make_node(x, e, pfd, name, S_IFIFO, err);
	case AE_IFCHR: return make_node(x, e, pfd, name, S_IFCHR, err);
	case AE_IFBLK: return make_node(x, e, pfd, name, S_IFBLK, err);
	default:
		return extract_refuse(err, EPERM, "%s entries are not supported", type_name(type));
	}
}

static int entry_do(struct extract_ctx *x, struct archive_entry *e, const char *raw,
		    struct ar_err *err)
{
	_cleanup_free_ char *path = NULL, *dirpath = NULL;
	_cleanup_close_ int pfd = -1;
	const char *dir, *name;
	int r;

	if (extract_norm_name(raw, x->what, &path, err) < 0 || check_kind(x, e, err) < 0)
		return -1;
	if (*path == '\0')
		return root_entry(x, e, err);
	dirpath = xstrdup(path);
	name = extract_split(dirpath, &dir);
	if (is_layer(x)) {
		r = check_wh_dirs(dir, err);
		if (r != 0)
			return r < 0 ? -1 : 0;
		if (strncmp(name, WH_PREFIX, strlen(WH_PREFIX)) == 0)
			return make_whiteout(x, dir, name, err);
	}
	pfd = extract_open_dir(x, dir, true, err);
	if (pfd < 0)
		return -1;
	return make_entry(x, e, pfd, name, path, err);
}

int extract_entry(struct extract_ctx *x, struct archive_entry *e, struct ar_err *err)
{
	const char *raw = archive_entry_pathname(e);

	if (raw == NULL)
		return extract_refuse(err, EINVAL, "%s entry without a name", x->what);
	if (entry_do(x, e, raw, err) < 0)
		return ar_err_prefix(err, "%s entry `%s`", x->what, raw);
	return 0;
}
