/* Unit tests for src/lib/tarwrite.c: a hand-made tree (every file type,
 * owners, setuid, xattrs, hard links) tarred and read back with
 * libarchive's read API; byte-identical repeats; the overlay upper
 * conversions (whiteouts, opaque dirs, trusted.* never written); symlinks
 * never followed. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "tarwrite.h"
#include "unit.h"
#include "util.h"

static char base[64];
static struct ar_err terr;

#define CHECK_OK(call) do { if ((call) < 0) { \
	fprintf(stderr, "  %s:%d: %s: %s\n", __FILE__, __LINE__, #call, terr.msg); \
	unit_failed_now = 1; return; } } while (0)

/* ---- fixture ---- */

static void tree_down(void)
{
	struct ar_err e = { 0 };

	if (base[0] && rm_rf_at(AT_FDCWD, base, &e) < 0)
		fprintf(stderr, "  cleanup: %s\n", e.msg);
	ar_err_clear(&e);
	ar_err_clear(&terr);
	base[0] = '\0';
}

static void tree_downp(int *unused)
{
	(void)unused;
	tree_down();
}
#define _cleanup_tree_ __attribute__((cleanup(tree_downp)))

static bool tree_up(void)
{
	snprintf(base, sizeof base, "/tmp/argon-tarw-XXXXXX");
	if (mkdtemp(base) == NULL) {
		base[0] = '\0';
		return false;
	}
	return true;
}

static char *at(const char *rel)
{
	return xasprintf("%s/%s", base, rel);
}

static int put(const char *rel, const char *text, mode_t mode)
{
	_cleanup_free_ char *p = at(rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int r;

	if (fd < 0)
		return -1;
	r = write_all(fd, text, strlen(text));
	close(fd);
	return r < 0 ? -1 : chmod(p, mode);
}

static int dir(const char *rel, mode_t mode)
{
	_cleanup_free_ char *p = at(rel);

	return mkdir(p, 0700) < 0 ? -1 : chmod(p, mode);
}

static int own(const char *rel, uid_t u, gid_t g)
{
	_cleanup_free_ char *p = at(rel);

	return lchown(p, u, g);
}

static int xset(const char *rel, const char *name, const void *val, size_t len)
{
	_cleanup_free_ char *p = at(rel);

	return lsetxattr(p, name, val, len, 0);
}

static int node(const char *rel, mode_t mode, dev_t dev)
{
	_cleanup_free_ char *p = at(rel);

	return mknod(p, mode, dev) < 0 ? -1 : chmod(p, mode & 07777);	/* past the umask */
}

static int hardlink(const char *from, const char *to)
{
	_cleanup_free_ char *a = at(from), *b = at(to);

	return link(a, b);
}

static int symlink_at(const char *rel, const char *target)
{
	_cleanup_free_ char *p = at(rel);

	return symlink(target, p);
}

/* A bound unix socket inside the tree (sockets are skipped). */
static int make_socket(const char *rel)
{
	_cleanup_free_ char *p = at(rel);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), r;

	if (fd < 0)
		return -1;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", p);
	r = bind(fd, (struct sockaddr *)&sa, sizeof sa);
	close(fd);
	return r;
}

/* ---- reading back ---- */

struct ent {
	char name[256], symlink[256], hardlink[256], xattrs[512], data[64];
	mode_t mode;	/* type and permission bits */
	uid_t uid;
	gid_t gid;
	int64_t size;
	unsigned rmaj, rmin;
	int64_t mtime;
};

struct ents {
	struct ent v[64];
	size_t n;
};

static void read_xattrs(struct archive_entry *ae, struct ent *e)
{
	const char *name;
	const void *val;
	size_t len, used = 0;

	archive_entry_xattr_reset(ae);
	while (archive_entry_xattr_next(ae, &name, &val, &len) == ARCHIVE_OK) {
		int n = snprintf(e->xattrs + used, sizeof e->xattrs - used, "%s=%.*s;", name,
				 (int)len, (const char *)val);
		if (n > 0)
			used += (size_t)n < sizeof e->xattrs - used ? (size_t)n : 0;
	}
}

/* Reads the tar in the memfd `fd` (from offset 0); -1 on a read error. */
static int read_tar(int fd, struct ents *out)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ae;
	int r = 0;

	out->n = 0;
	lseek(fd, 0, SEEK_SET);
	archive_read_support_format_tar(a);
	if (archive_read_open_fd(a, fd, 10240) != ARCHIVE_OK)
		r = -1;
	while (r == 0 && out->n < 64 && (r = archive_read_next_header(a, &ae)) == ARCHIVE_OK) {
		struct ent *e = &out->v[out->n++];
		const char *s;
		ssize_t got;

		memset(e, 0, sizeof *e);
		snprintf(e->name, sizeof e->name, "%s", archive_entry_pathname(ae));
		if ((s = archive_entry_symlink(ae)))
			snprintf(e->symlink, sizeof e->symlink, "%s", s);
		if ((s = archive_entry_hardlink(ae)))
			snprintf(e->hardlink, sizeof e->hardlink, "%s", s);
		e->mode = archive_entry_mode(ae);
		e->uid = (uid_t)archive_entry_uid(ae);
		e->gid = (gid_t)archive_entry_gid(ae);
		e->size = archive_entry_size(ae);
		e->rmaj = (unsigned)archive_entry_rdevmajor(ae);
		e->rmin = (unsigned)archive_entry_rdevminor(ae);
		e->mtime = archive_entry_mtime(ae);
		read_xattrs(ae, e);
		got = archive_read_data(a, e->data, sizeof e->data - 1);
		e->data[got > 0 ? got : 0] = '\0';
	}
	if (r == ARCHIVE_EOF)
		r = 0;
	archive_read_free(a);
	return r == 0 ? 0 : -1;
}

static const struct ent *find(const struct ents *es, const char *name)
{
	for (size_t i = 0; i < es->n; i++)
		if (strcmp(es->v[i].name, name) == 0)
			return &es->v[i];
	return NULL;
}

/* Tars the fixture tree into a new memfd. */
static int tar_tree(enum tar_tree_kind kind)
{
	_cleanup_close_ int dfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int out = memfd_create("tar", MFD_CLOEXEC);

	if (dfd < 0 || out < 0 || tar_write_tree(dfd, out, kind, &terr) < 0) {
		if (out >= 0)
			close(out);
		return -1;
	}
	return out;
}

static bool names_are(const struct ents *es, const char *const *want)
{
	size_t i = 0;

	for (; want[i]; i++)
		if (i >= es->n || strcmp(es->v[i].name, want[i]) != 0) {
			fprintf(stderr, "  entry %zu: got `%s`, want `%s`\n", i,
				i < es->n ? es->v[i].name : "(end)", want[i]);
			return false;
		}
	if (i != es->n)
		fprintf(stderr, "  %zu extra entries, first `%s`\n", es->n - i, es->v[i].name);
	return i == es->n;
}

/* ---- tests ---- */

static bool full_tree(void)
{
	struct vfs_cap_data cap = { .magic_etc = VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE };
	struct timespec ts[2] = { { 1000, 0 }, { 1600000000, 0 } };
	_cleanup_free_ char *f = at("a/file");

	cap.data[0].permitted = 1u << CAP_NET_BIND_SERVICE;
	return dir("a", 0750) == 0 && own("a", 1000, 1001) == 0 &&
	       put("a/file", "hello", 0640) == 0 && own("a/file", 7, 8) == 0 &&
	       utimensat(AT_FDCWD, f, ts, 0) == 0 && symlink_at("a/link", "file") == 0 &&
	       hardlink("a/file", "a/hard") == 0 && dir("b", 0755) == 0 && dir("b/c", 0700) == 0 &&
	       put("b/c/d", "deep", 0600) == 0 && node("fifo", S_IFIFO | 0620, 0) == 0 &&
	       node("null", S_IFCHR | 0666, makedev(1, 3)) == 0 &&
	       node("blk", S_IFBLK | 0600, makedev(7, 42)) == 0 &&
	       put("setuid", "#!/bin/true\n", 04755) == 0 && put("xa", "x", 0644) == 0 &&
	       xset("xa", "user.test", "v1", 2) == 0 &&
	       xset("xa", "security.capability", &cap, sizeof cap) == 0 &&
	       xset("xa", "trusted.secret", "no", 2) == 0 && xset("a", "user.dir", "d", 1) == 0 &&
	       make_socket("sock") == 0;
}

static void tree_roundtrip(void)
{
	static const char *const want[] = {
		"a/", "a/file", "a/hard", "a/link", "b/", "b/c/", "b/c/d", "blk", "fifo", "null",
		"setuid", "xa", NULL
	};
	_cleanup_tree_ int guard = 0;
	_cleanup_close_ int out = -1;
	static struct ents es;
	const struct ent *e;

	CHECK(tree_up() && full_tree());
	CHECK_OK(out = tar_tree(TAR_TREE_ROOTFS));
	CHECK(read_tar(out, &es) == 0);
	CHECK(names_are(&es, want));
	e = find(&es, "a/");
	CHECK(e && S_ISDIR(e->mode) && (e->mode & 07777) == 0750 && e->uid == 1000 &&
	      e->gid == 1001);
	CHECK_STR(e->xattrs, "user.dir=d;");
	e = find(&es, "a/file");
	CHECK(e && S_ISREG(e->mode) && (e->mode & 07777) == 0640 && e->uid == 7 && e->gid == 8);
	CHECK(e->size == 5 && e->mtime == 1600000000 && e->hardlink[0] == '\0');
	CHECK_STR(e->data, "hello");
	e = find(&es, "a/hard");
	CHECK(e && e->size == 0);
	CHECK_STR(e->hardlink, "a/file");
	e = find(&es, "a/link");
	CHECK(e && S_ISLNK(e->mode));
	CHECK_STR(e->symlink, "file");
	e = find(&es, "b/c/d");
	CHECK(e && (e->mode & 07777) == 0600);
	CHECK_STR(e->data, "deep");
	e = find(&es, "fifo");
	CHECK(e && S_ISFIFO(e->mode) && (e->mode & 07777) == 0620);
	e = find(&es, "null");
	CHECK(e && S_ISCHR(e->mode) && e->rmaj == 1 && e->rmin == 3);
	e = find(&es, "blk");
	CHECK(e && S_ISBLK(e->mode) && e->rmaj == 7 && e->rmin == 42);
	e = find(&es, "setuid");
	CHECK(e && (e->mode & 07777) == 04755 && e->uid == 0);
	e = find(&es, "xa");
	CHECK(e && strstr(e->xattrs, "user.test=v1;") && strstr(e->xattrs, "security.capability="));
	CHECK(strstr(e->xattrs, "trusted") == NULL);
}

/* The pax headers carry xattrs as SCHILY.xattr (what Go's archive/tar
 * reads), and nothing host-specific (atime, ctime, dev/ino, names). */
static void pax_headers_portable(void)
{
	_cleanup_tree_ int guard = 0;
	_cleanup_close_ int out = -1;
	char buf[1 << 16];
	ssize_t n;

	CHECK(tree_up() && full_tree());
	CHECK_OK(out = tar_tree(TAR_TREE_ROOTFS));
	n = pread(out, buf, sizeof buf - 1, 0);
	CHECK(n > 0 && n < (ssize_t)sizeof buf - 1);
	buf[n] = '\0';
	CHECK(memmem(buf, (size_t)n, "SCHILY.xattr.user.test=v1", 25) != NULL);
	CHECK(memmem(buf, (size_t)n, "atime=", 6) == NULL);
	CHECK(memmem(buf, (size_t)n, "ctime=", 6) == NULL);
	CHECK(memmem(buf, (size_t)n, "SCHILY.ino", 10) == NULL);
	CHECK(memmem(buf, (size_t)n, "trusted.secret", 14) == NULL);
}

static bool same_bytes(int a, int b)
{
	static char x[1 << 16], y[1 << 16];
	off_t la = lseek(a, 0, SEEK_END), lb = lseek(b, 0, SEEK_END);

	if (la != lb || la <= 0 || la > (off_t)sizeof x)
		return false;
	return pread(a, x, (size_t)la, 0) == la && pread(b, y, (size_t)lb, 0) == lb &&
	       memcmp(x, y, (size_t)la) == 0;
}

static void same_tree_same_bytes(void)
{
	_cleanup_tree_ int guard = 0;
	_cleanup_close_ int one = -1, two = -1;
	_cleanup_free_ char *text = NULL, *f = NULL;

	CHECK(tree_up() && full_tree());
	CHECK_OK(one = tar_tree(TAR_TREE_ROOTFS));
	/* Reading files in between must not matter (atime is not written). */
	f = at("b/c/d");
	CHECK(read_file_at(AT_FDCWD, f, &text, NULL, NULL) == 0);
	sleep(1);
	CHECK_OK(two = tar_tree(TAR_TREE_ROOTFS));
	CHECK(same_bytes(one, two));
	/* And a change does show. */
	CHECK(put("b/c/d", "deeP", 0600) == 0);
	close(two);
	CHECK_OK(two = tar_tree(TAR_TREE_ROOTFS));
	CHECK(!same_bytes(one, two));
}

/* An overlay upper: whiteouts (sharing one inode, as overlay makes them),
 * an opaque dir, overlay's own xattrs. */
static bool upper_tree(void)
{
	return node("gone", S_IFCHR | 0, 0) == 0 && hardlink("gone", "gone2") == 0 &&
	       dir("opq", 0711) == 0 && xset("opq", "trusted.overlay.opaque", "y", 1) == 0 &&
	       put("opq/new", "n", 0644) == 0 && dir("plain", 0755) == 0 &&
	       xset("plain", "trusted.overlay.impure", "y", 1) == 0 &&
	       node("plain/wh", S_IFCHR | 0, 0) == 0 && put("kept", "k", 0644) == 0 &&
	       xset("kept", "trusted.overlay.origin", "\0\1\2", 3) == 0 &&
	       xset("kept", "user.overlay.x", "1", 1) == 0 && xset("kept", "user.keep", "yes", 3) == 0;
}

static void upper_whiteouts(void)
{
	static const char *const want[] = {
		".wh.gone", ".wh.gone2", "kept", "opq/", "opq/.wh..wh..opq", "opq/new", "plain/",
		"plain/.wh.wh", NULL
	};
	_cleanup_tree_ int guard = 0;
	_cleanup_close_ int out = -1;
	static struct ents es;
	const struct ent *e;
	struct stat st;
	_cleanup_free_ char *g = NULL;

	CHECK(tree_up() && upper_tree());
	g = at("gone");
	CHECK(stat(g, &st) == 0 && st.st_nlink == 2);
	CHECK_OK(out = tar_tree(TAR_TREE_UPPER));
	CHECK(read_tar(out, &es) == 0);
	CHECK(names_are(&es, want));
	for (size_t i = 0; i < es.n; i++) {
		CHECK(strstr(es.v[i].xattrs, "trusted.") == NULL);
		CHECK(strstr(es.v[i].xattrs, "user.overlay.") == NULL);
		CHECK(es.v[i].hardlink[0] == '\0');
	}
	e = find(&es, ".wh.gone2");
	CHECK(e && S_ISREG(e->mode) && e->size == 0);
	e = find(&es, "opq/.wh..wh..opq");
	CHECK(e && S_ISREG(e->mode) && e->size == 0);
	e = find(&es, "opq/");
	CHECK(e && S_ISDIR(e->mode) && (e->mode & 07777) == 0711);
	CHECK_STR(find(&es, "kept")->xattrs, "user.keep=yes;");
}

/* The same tree exported as a root file system: nothing converted. */
static void rootfs_keeps_nodes(void)
{
	static const char *const want[] = {
		"gone", "gone2", "kept", "opq/", "opq/new", "plain/", "plain/wh", NULL
	};
	_cleanup_tree_ int guard = 0;
	_cleanup_close_ int out = -1;
	static struct ents es;
	const struct ent *e;

	CHECK(tree_up() && upper_tree());
	CHECK_OK(out = tar_tree(TAR_TREE_ROOTFS));
	CHECK(read_tar(out, &es) == 0);
	CHECK(names_are(&es, want));
	e = find(&es, "gone");
	CHECK(e && S_ISCHR(e->mode) && e->rmaj == 0 && e->rmin == 0);
	e = find(&es, "gone2");
	CHECK_STR(e->hardlink, "gone");
	CHECK_STR(find(&es, "kept")->xattrs, "user.keep=yes;user.overlay.x=1;");
}

static void upper_refuses_reserved_names(void)
{
	_cleanup_tree_ int guard = 0;
	_cleanup_close_ int out = -1;

	CHECK(tree_up() && put(".wh.sneaky", "x", 0644) == 0);
	CHECK(tar_tree(TAR_TREE_UPPER) < 0);
	CHECK_CONTAINS(terr.msg, "`.wh.sneaky`");
	CHECK_OK(out = tar_tree(TAR_TREE_ROOTFS));
}

static void upper_refuses_metacopy(void)
{
	_cleanup_tree_ int guard = 0;

	CHECK(tree_up() && put("m", "", 0644) == 0 &&
	      xset("m", "trusted.overlay.metacopy", "", 0) == 0);
	CHECK(tar_tree(TAR_TREE_UPPER) < 0);
	CHECK_CONTAINS(terr.msg, "metacopy");
}

static void symlinks_never_followed(void)
{
	static const char *const want[] = { "d/", "d/up", "etc", NULL };
	_cleanup_tree_ int guard = 0;
	_cleanup_close_ int out = -1;
	static struct ents es;

	CHECK(tree_up() && symlink_at("etc", "/etc") == 0 && dir("d", 0755) == 0 &&
	      symlink_at("d/up", "../../../../etc/passwd") == 0);
	CHECK_OK(out = tar_tree(TAR_TREE_ROOTFS));
	CHECK(read_tar(out, &es) == 0);
	CHECK(names_are(&es, want));
	CHECK(S_ISLNK(find(&es, "etc")->mode) && find(&es, "etc")->size == 0);
	CHECK_STR(find(&es, "etc")->symlink, "/etc");
	CHECK_STR(find(&es, "d/up")->symlink, "../../../../etc/passwd");
}

/* A tar written into the tree it archives leaves itself out. */
static void output_inside_tree_skipped(void)
{
	static const char *const want[] = { "f", NULL };
	_cleanup_tree_ int guard = 0;
	_cleanup_close_ int dfd = -1, out = -1;
	static struct ents es;

	CHECK(tree_up() && put("f", "f", 0644) == 0);
	dfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	out = openat(dfd, "out.tar", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	CHECK(dfd >= 0 && out >= 0);
	CHECK_OK(tar_write_tree(dfd, out, TAR_TREE_ROOTFS, &terr));
	CHECK(read_tar(out, &es) == 0);
	CHECK(names_are(&es, want));
}

static void write_error_reported(void)
{
	_cleanup_tree_ int guard = 0;
	_cleanup_close_ int dfd = -1, out = open("/dev/null", O_RDONLY | O_CLOEXEC);

	CHECK(tree_up() && put("f", "f", 0644) == 0);
	dfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(dfd >= 0 && out >= 0);
	CHECK(tar_write_tree(dfd, out, TAR_TREE_ROOTFS, &terr) < 0);
	CHECK_CONTAINS(terr.msg, "write tar");
}

/* Long names and a big file go through pax and data blocks intact. */
static void long_names_and_data(void)
{
	_cleanup_tree_ int guard = 0;
	_cleanup_close_ int out = -1;
	_cleanup_free_ char *big = xmalloc(300001), *name = NULL;
	static struct ents es;
	char seg[101];

	memset(seg, 'n', 100);
	seg[100] = '\0';
	name = xasprintf("%s/%s", seg, seg);
	memset(big, 'z', 300000);
	big[300000] = '\0';
	CHECK(tree_up() && dir(seg, 0755) == 0 && put(name, big, 0644) == 0);
	CHECK_OK(out = tar_tree(TAR_TREE_ROOTFS));
	CHECK(read_tar(out, &es) == 0 && es.n == 2);
	CHECK_STR(es.v[1].name, name);
	CHECK(es.v[1].size == 300000);
}

/* Names are bytes: one that is not UTF-8 comes back as written. */
static void binary_names(void)
{
	_cleanup_tree_ int guard = 0;
	_cleanup_close_ int out = -1;
	static struct ents es;

	CHECK(tree_up() && put("caf\xe9-\xff", "x", 0644) == 0 && put("utf8-\xc3\xa9", "y", 0644) == 0);
	CHECK_OK(out = tar_tree(TAR_TREE_ROOTFS));
	CHECK(read_tar(out, &es) == 0 && es.n == 2);
	CHECK_STR(es.v[0].name, "caf\xe9-\xff");
	CHECK_STR(es.v[1].name, "utf8-\xc3\xa9");
}

UNIT_MAIN(UNIT(tree_roundtrip), UNIT(pax_headers_portable), UNIT(same_tree_same_bytes),
	  UNIT(upper_whiteouts), UNIT(rootfs_keeps_nodes), UNIT(upper_refuses_reserved_names),
	  UNIT(upper_refuses_metacopy), UNIT(symlinks_never_followed),
	  UNIT(output_inside_tree_skipped), UNIT(write_error_reported), UNIT(long_names_and_data), UNIT(binary_names))
