/* Unit tests for src/lib/prep*.c: the manifest parser, a layer prepared
 * from a fake host tree (links, copies, skips, xattrs, special files, the
 * generated /etc, the digest), the cross-file-system fallback (the host
 * tree on a tmpfs in a private mount namespace) and a layer from the real
 * host root with the default manifest.
 *
 * Layout (B = a fresh /tmp/argon-test-prep-XXXXXX):
 *   B/host     the fake host root (hostfd)
 *   B/layer    the layer being prepared (layerfd)
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "prep.h"
#include "sha256.h"
#include "unit.h"
#include "util.h"

static struct ar_err terr;

#define CHECK_OK(call) do { ar_err_clear(&terr); if ((call) < 0) { \
	fprintf(stderr, "  %s:%d: %s: %s\n", __FILE__, __LINE__, #call, terr.msg); \
	unit_failed_now = 1; return; } } while (0)

/* A scratch base with host/ and layer/, removed (and unmounted) on scope
 * exit. */
struct scratch {
	char base[64];
	char *host, *layer;
	int hostfd, layerfd;
	bool tmpfs;
};

static void scratch_remove(struct scratch *s)
{
	struct ar_err err = { 0 };

	if (s->hostfd >= 0)
		close(s->hostfd);
	if (s->layerfd >= 0)
		close(s->layerfd);
	if (s->tmpfs)
		umount2(s->host, MNT_DETACH);
	if (s->base[0])
		rm_rf_at(AT_FDCWD, s->base, &err);
	ar_err_clear(&err);
	free(s->host);
	free(s->layer);
}
#define _cleanup_scratch_ __attribute__((cleanup(scratch_remove)))

static int scratch_make(struct scratch *s)
{
	snprintf(s->base, sizeof s->base, "/tmp/argon-test-prep-XXXXXX");
	if (mkdtemp(s->base) == NULL) {
		s->base[0] = '\0';
		return -1;
	}
	s->host = xasprintf("%s/host", s->base);
	s->layer = xasprintf("%s/layer", s->base);
	/* The layer starts 0700 like a store's staging directory. */
	if (mkdir(s->host, 0755) < 0 || mkdir(s->layer, 0700) < 0 || chmod(s->host, 0755) < 0)
		return -1;
	s->hostfd = open(s->host, O_PATH | O_DIRECTORY | O_CLOEXEC);
	s->layerfd = open(s->layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return s->hostfd < 0 || s->layerfd < 0 ? -1 : 0;
}

/* A fresh empty layer directory `name` under the base. */
static int scratch_layer(struct scratch *s, const char *name)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", s->base, name);

	if (mkdir(p, 0755) < 0)
		return -1;
	return open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static int put(const char *root, const char *rel, const char *text, mode_t mode)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", root, rel);
	_cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || write_all(fd, text, strlen(text)) < 0 || fchmod(fd, mode) < 0)
		return -1;
	return 0;
}

static int put_dirs(const char *root, const char *const *rels)
{
	for (; *rels; rels++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", root, *rels);
		if (mkdir(p, 0755) < 0)
			return -1;
	}
	return 0;
}

static int put_link(const char *root, const char *rel, const char *target)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", root, rel);
	return symlink(target, p);
}

/* A version 2 file capability: cap_net_raw+ep. */
static int put_caps(const char *root, const char *rel)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", root, rel);
	struct vfs_cap_data cap = {
		.magic_etc = VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE,
		.data = { { .permitted = 1u << CAP_NET_RAW } },
	};

	return setxattr(p, "security.capability", &cap, XATTR_CAPS_SZ_2, 0);
}

static int put_socket(const char *root, const char *rel)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int r;

	snprintf(sa.sun_path, sizeof sa.sun_path, "%s/%s", root, rel);
	r = fd < 0 ? -1 : bind(fd, (struct sockaddr *)&sa, sizeof sa);
	if (fd >= 0)
		close(fd);
	return r;
}

/* The fake host: see the counts in fake_host_layer. */
static int fake_host(const char *h)
{
	static const char *const dirs[] = {
		"usr", "usr/bin", "usr/lib", "usr/lib/sub", "usr/lib/sub/deep", "usr/share",
		"usr/share/doc", "lib64", "etc", "etc/ssh", "etc/conf.d", "home", "home/x",
		"srv", NULL,
	};
	_cleanup_free_ char *fifo = xasprintf("%s/etc/fifo", h);
	_cleanup_free_ char *conf = xasprintf("%s/etc/conf.d/a.conf", h);
	_cleanup_free_ char *lib = xasprintf("%s/usr/lib/libx.so", h);
	_cleanup_free_ char *capbin = xasprintf("%s/etc/capbin", h);

	if (put_dirs(h, dirs) < 0 || put_link(h, "bin", "usr/bin") < 0 ||
	    put_link(h, "lib", "usr/lib") < 0 || put(h, "lib64/ld.so", "ld", 0755) < 0 ||
	    put(h, "usr/bin/tool", "tool", 0755) < 0 || put(h, "usr/bin/suid", "suid", 04755) < 0 ||
	    put(h, "usr/bin/capped", "capped", 0755) < 0 || put_caps(h, "usr/bin/capped") < 0 ||
	    put(h, "usr/lib/libx.so", "libx", 0644) < 0 || chown(lib, 1234, 5678) < 0 ||
	    put(h, "usr/lib/sub/deep/file", "deep", 0644) < 0 ||
	    put_link(h, "usr/lib/rel", "../bin/tool") < 0 ||
	    put(h, "usr/share/doc/readme", "docs", 0644) < 0 ||
	    put(h, "etc/passwd", "root:x:0:0:HOST:/root:/bin/bash\n", 0644) < 0 ||
	    put(h, "etc/shadow", "root:$6$secret:1::::::\n", 0640) < 0 ||
	    put(h, "etc/ssh/ssh_config", "Host *\n", 0644) < 0 ||
	    put(h, "etc/ssh/ssh_host_rsa_key", "PRIVATE KEY\n", 0600) < 0 ||
	    put(h, "etc/resolv.conf", "# host\nnameserver 127.0.0.53\nnameserver 10.1.2.3\n"
		"nameserver ::1\nsearch example.com\noptions edns0\nsortlist 10.0.0.0\n", 0644) < 0 ||
	    put(h, "etc/conf.d/a.conf", "a=1\n", 0640) < 0 || chown(conf, 1234, 5678) < 0 ||
	    setxattr(conf, "user.note", "hello", 5, 0) < 0 ||
	    put(h, "etc/capbin", "capbin", 0755) < 0 || put_caps(h, "etc/capbin") < 0 ||
	    setxattr(capbin, "user.x", "y", 1, 0) < 0 || mkfifo(fifo, 0600) < 0 ||
	    chmod(fifo, 0620) < 0 ||
	    put_socket(h, "etc/sock") < 0 || put_link(h, "etc/os-release", "../usr/lib/os-release") < 0 ||
	    put(h, "home/x/file", "private", 0600) < 0 || put(h, "srv/data", "data", 0644) < 0)
		return -1;
	return 0;
}

static const char fake_manifest[] =
	"link /usr\n"
	"link /bin\n"
	"link /lib*\n"
	"skip /usr/share/doc\n"
	"copy /etc\n"
	"skip /etc/shadow\n"
	"skip /etc/ssh/ssh_host_*\n"
	"skip /home\n";

/* Every host entry's mode, owner, size, mtime, content and xattrs, one
 * line each (ctime is left out: link() changes it, by design). */
static char *snap;
static size_t snap_len;

static int snap_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	char sum[65] = "-", xa[256] = "";
	_cleanup_free_ char *line = NULL;
	ssize_t xn = llistxattr(path, xa, sizeof xa - 1);

	if (S_ISREG(st->st_mode)) {
		_cleanup_free_ char *text = NULL;
		size_t len = 0;
		struct ar_err err = { 0 };
		if (read_file_at(AT_FDCWD, path, &text, &len, &err) < 0)
			return ar_err_clear(&err), 1;
		sha256_hex(text, len, sum);
	}
	for (ssize_t i = 0; i < xn; i++)
		if (xa[i] == '\0')
			xa[i] = ',';
	line = xasprintf("%s %o %u %u %lld %lld.%09ld %s %s\n", path, st->st_mode, st->st_uid,
			 st->st_gid, (long long)st->st_size, (long long)st->st_mtim.tv_sec,
			 st->st_mtim.tv_nsec, sum, xn > 0 ? xa : "");
	snap = xrealloc(snap, snap_len + strlen(line) + 1);
	strcpy(snap + snap_len, line);
	snap_len += strlen(line);
	return 0;
}

static char *snapshot(const char *root)
{
	snap = xstrdup("");
	snap_len = 0;
	if (nftw(root, snap_one, 16, FTW_PHYS) != 0) {
		free(snap);
		return NULL;
	}
	return snap;
}

static bool same_inode(const char *a, const char *b)
{
	struct stat sa, sb;
	return lstat(a, &sa) == 0 && lstat(b, &sb) == 0 && sa.st_ino == sb.st_ino &&
	       sa.st_dev == sb.st_dev;
}

static char *slurp(const char *root, const char *rel)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", root, rel);
	struct ar_err err = { 0 };
	char *text = NULL;

	if (read_file_at(AT_FDCWD, p, &text, NULL, &err) < 0)
		ar_err_clear(&err);
	return text;
}

static bool absent(const char *root, const char *rel)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", root, rel);
	struct stat st;
	return lstat(p, &st) < 0 && errno == ENOENT;
}

static int unlink_rel(const char *root, const char *rel)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", root, rel);
	return unlink(p);
}

static bool xattr_is(const char *path, const char *name, const void *want, size_t len)
{
	char buf[64];
	ssize_t n = lgetxattr(path, name, buf, sizeof buf);
	return n == (ssize_t)len && memcmp(buf, want, len) == 0;
}

/* A copy: another inode with the host's content, mode, owner and mtime. */
static bool is_copy(const char *host, const char *layer, const char *rel)
{
	_cleanup_free_ char *h = xasprintf("%s/%s", host, rel);
	_cleanup_free_ char *l = xasprintf("%s/%s", layer, rel);
	_cleanup_free_ char *ht = slurp(host, rel), *lt = slurp(layer, rel);
	struct stat sh, sl;

	if (lstat(h, &sh) < 0 || lstat(l, &sl) < 0 || sh.st_ino == sl.st_ino)
		return false;
	return ht && lt && strcmp(ht, lt) == 0 && sh.st_mode == sl.st_mode &&
	       sh.st_uid == sl.st_uid && sh.st_gid == sl.st_gid &&
	       sh.st_mtim.tv_sec == sl.st_mtim.tv_sec && sh.st_mtim.tv_nsec == sl.st_mtim.tv_nsec;
}

static void free_manifest(struct prep_manifest *m)
{
	prep_manifest_free(m);
}
#define _cleanup_manifest_ __attribute__((cleanup(free_manifest)))

/* ---- the manifest parser ---- */

static void manifest_accepts(void)
{
	_cleanup_manifest_ struct prep_manifest m = { 0 };

	CHECK_OK(prep_manifest_parse("# a comment\n\n  link /usr\t# the OS\r\n"
				     "copy /etc/ssl*\nskip\t/etc/ssh/ssh_host_*   \n"
				     "link /a#b\nskip /x/[ab]?/*", "m", &m, &terr));
	CHECK(m.n_rules == 5);
	CHECK(m.rules[0].action == PREP_LINK);
	CHECK_STR(m.rules[0].pattern, "/usr");
	CHECK(m.rules[1].action == PREP_COPY);
	CHECK_STR(m.rules[1].pattern, "/etc/ssl*");
	CHECK(m.rules[2].action == PREP_SKIP);
	CHECK_STR(m.rules[2].pattern, "/etc/ssh/ssh_host_*");
	CHECK_STR(m.rules[3].pattern, "/a#b");
	CHECK_STR(m.rules[4].pattern, "/x/[ab]?/*");
	prep_manifest_free(&m);
	CHECK_OK(prep_manifest_parse("", "empty", &m, &terr));
	CHECK(m.n_rules == 0);
	prep_manifest_free(&m);
	CHECK_OK(prep_manifest_parse("# only\n\n", "comments", &m, &terr));
	CHECK(m.n_rules == 0);
}

static bool refused(const char *text, const char *want)
{
	struct prep_manifest m = { .rules = NULL, .n_rules = 77 };
	struct ar_err err = { 0 };
	bool ok = prep_manifest_parse(text, "m", &m, &err) < 0 && err.msg &&
		  strcmp(err.msg, want) == 0 && m.n_rules == 77;

	if (!ok)
		fprintf(stderr, "  `%s`: got `%s`\n", text, err.msg ? err.msg : "(none)");
	ar_err_clear(&err);
	return ok;
}

static void manifest_rejects(void)
{
	CHECK(refused("link /usr\n# x\nlnk /usr\n", "manifest `m` line 3: unknown action `lnk`"));
	CHECK(refused("LINK /usr", "manifest `m` line 1: unknown action `LINK`"));
	CHECK(refused("link", "manifest `m` line 1: `link` needs a pattern"));
	CHECK(refused("skip   # why", "manifest `m` line 1: `skip` needs a pattern"));
	CHECK(refused("\nlink usr", "manifest `m` line 2: pattern `usr` is not absolute"));
	CHECK(refused("copy /a/../b", "manifest `m` line 1: pattern `/a/../b` has a `..` component"));
	CHECK(refused("copy /..", "manifest `m` line 1: pattern `/..` has a `..` component"));
	CHECK(refused("copy /a//b", "manifest `m` line 1: pattern `/a//b` has an empty component"));
	CHECK(refused("copy /a/", "manifest `m` line 1: pattern `/a/` has an empty component"));
	CHECK(refused("copy /a/./b", "manifest `m` line 1: pattern `/a/./b` has a `.` component"));
	CHECK(refused("link /a b", "manifest `m` line 1: unexpected `b` after the pattern"));
	CHECK(refused("link /a /b # c", "manifest `m` line 1: unexpected `/b` after the pattern"));
	CHECK(refused("link /", "manifest `m` line 1: pattern `/` names the whole host; "
		      "name the trees to take"));
	CHECK(refused("link /usr\ncopy /etc\nskip /usr", "manifest `m` line 3: pattern `/usr` "
		      "repeats line 1"));
}

static void default_manifest_parses(void)
{
	_cleanup_manifest_ struct prep_manifest m = { 0 };
	bool usr = false, shadow = false, etc = false;

	CHECK_OK(prep_manifest_parse(prep_default_manifest, "default", &m, &terr));
	for (size_t i = 0; i < m.n_rules; i++) {
		usr |= m.rules[i].action == PREP_LINK && strcmp(m.rules[i].pattern, "/usr") == 0;
		shadow |= m.rules[i].action == PREP_SKIP &&
			  strcmp(m.rules[i].pattern, "/etc/shadow*") == 0;
		/* /etc is taken piecemeal, never whole. */
		etc |= strcmp(m.rules[i].pattern, "/etc") == 0;
	}
	CHECK(usr && shadow && !etc);
}

/* ---- a layer from a fake host ---- */

static bool linked(const char *host, const char *layer, const char *rel)
{
	_cleanup_free_ char *h = xasprintf("%s/%s", host, rel);
	_cleanup_free_ char *l = xasprintf("%s/%s", layer, rel);
	return same_inode(h, l);
}

static bool mode_is(const char *root, const char *rel, mode_t mode)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", root, rel);
	struct stat st;
	return lstat(p, &st) == 0 && st.st_mode == mode;
}

static bool symlink_is(const char *root, const char *rel, const char *want)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", root, rel);
	char buf[256];
	ssize_t n = readlink(p, buf, sizeof buf - 1);

	if (n < 0)
		return false;
	buf[n] = '\0';
	return strcmp(buf, want) == 0;
}

static const struct vfs_cap_data net_raw = {
	.magic_etc = VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE,
	.data = { { .permitted = 1u << CAP_NET_RAW } },
};

static void fake_host_layer(void)
{
	_cleanup_scratch_ struct scratch s = { .hostfd = -1, .layerfd = -1 };
	_cleanup_manifest_ struct prep_manifest m = { 0 };
	_cleanup_free_ char *before = NULL, *after = NULL;
	_cleanup_free_ char *capbin = NULL, *conf = NULL;
	struct prep_stats st;
	char digest[65];

	CHECK(scratch_make(&s) == 0);
	CHECK(fake_host(s.host) == 0);
	before = snapshot(s.host);
	CHECK(before != NULL);
	CHECK_OK(prep_manifest_parse(fake_manifest, "fake", &m, &terr));
	CHECK_OK(prep_build(s.hostfd, s.layerfd, &m, &st, digest, &terr));
	/* The host stays as it was: every mode, owner, mtime, byte, xattr. */
	after = snapshot(s.host);
	CHECK_STR(after, before);
	CHECK(st.linked == 6 && st.copied == 6 && st.dirs == 10 && st.symlinks == 4);
	CHECK(st.skipped == 4);	/* usr/share/doc, shadow, ssh_host_rsa_key, sock */
	CHECK(strlen(digest) == 64);

	/* link: the host's inode itself, setuid bit and capability included. */
	CHECK(linked(s.host, s.layer, "usr/bin/tool"));
	CHECK(linked(s.host, s.layer, "usr/bin/suid"));
	CHECK(mode_is(s.layer, "usr/bin/suid", S_IFREG | 04755));
	CHECK(linked(s.host, s.layer, "usr/bin/capped"));
	CHECK(linked(s.host, s.layer, "usr/lib/libx.so"));
	CHECK(linked(s.host, s.layer, "usr/lib/sub/deep/file"));
	/* /lib* took the lib symlink and the lib64 directory. */
	CHECK(symlink_is(s.layer, "lib", "usr/lib"));
	CHECK(linked(s.host, s.layer, "lib64/ld.so"));
	CHECK(symlink_is(s.layer, "bin", "usr/bin"));
	CHECK(symlink_is(s.layer, "usr/lib/rel", "../bin/tool"));
	CHECK(symlink_is(s.layer, "etc/os-release", "../usr/lib/os-release"));

	/* copy: another inode, same bytes, mode, owner, times and xattrs. */
	CHECK(is_copy(s.host, s.layer, "etc/ssh/ssh_config"));
	CHECK(is_copy(s.host, s.layer, "etc/conf.d/a.conf"));
	CHECK(is_copy(s.host, s.layer, "etc/capbin"));
	conf = xasprintf("%s/etc/conf.d/a.conf", s.layer);
	CHECK(xattr_is(conf, "user.note", "hello", 5));
	capbin = xasprintf("%s/etc/capbin", s.layer);
	CHECK(xattr_is(capbin, "security.capability", &net_raw, XATTR_CAPS_SZ_2));
	CHECK(xattr_is(capbin, "user.x", "y", 1));
	CHECK(mode_is(s.layer, "etc/fifo", S_IFIFO | 0620));
	CHECK(mode_is(s.layer, "etc", S_IFDIR | 0755));

	/* skip, and what no rule names. */
	CHECK(absent(s.layer, "etc/shadow"));
	CHECK(absent(s.layer, "etc/ssh/ssh_host_rsa_key"));
	CHECK(absent(s.layer, "etc/sock"));
	CHECK(absent(s.layer, "usr/share/doc"));
	CHECK(mode_is(s.layer, "usr/share", S_IFDIR | 0755));
	CHECK(absent(s.layer, "home/x"));
	CHECK(absent(s.layer, "srv"));
	/* The skeleton a root file system needs. */
	CHECK(mode_is(s.layer, "tmp", S_IFDIR | 01777));
	CHECK(mode_is(s.layer, "var/tmp", S_IFDIR | 01777));
	CHECK(mode_is(s.layer, "root", S_IFDIR | 0700));
	CHECK(mode_is(s.layer, "proc", S_IFDIR | 0555));
	CHECK(mode_is(s.layer, ".", S_IFDIR | 0755));
}

static void check_generated(const char *layer)
{
	static const char *const files[] = {
		"passwd", "group", "hostname", "hosts", "resolv.conf", "nsswitch.conf", "machine-id",
	};
	_cleanup_free_ char *passwd = slurp(layer, "etc/passwd");
	_cleanup_free_ char *group = slurp(layer, "etc/group");
	_cleanup_free_ char *hostname = slurp(layer, "etc/hostname");
	_cleanup_free_ char *hosts = slurp(layer, "etc/hosts");
	_cleanup_free_ char *nss = slurp(layer, "etc/nsswitch.conf");

	CHECK_STR(passwd, "root:x:0:0:root:/root:/bin/sh\n"
		  "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
	CHECK_STR(group, "root:x:0:\nnogroup:x:65534:\n");
	CHECK_STR(hostname, "argon\n");
	CHECK_STR(hosts, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
	CHECK_CONTAINS(nss, "passwd:         files\n");
	CHECK_CONTAINS(nss, "hosts:          files dns\n");
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		_cleanup_free_ char *rel = xasprintf("etc/%s", files[i]);
		_cleanup_free_ char *p = xasprintf("%s/%s", layer, rel);
		struct stat st;
		CHECK(lstat(p, &st) == 0);
		CHECK(st.st_mode == (S_IFREG | 0644) && st.st_uid == 0 && st.st_gid == 0);
		CHECK(st.st_nlink == 1);
	}
}

static void generated_etc(void)
{
	_cleanup_scratch_ struct scratch s = { .hostfd = -1, .layerfd = -1 };
	_cleanup_manifest_ struct prep_manifest m = { 0 };
	_cleanup_free_ char *resolv = NULL, *mid = NULL, *hostpw = NULL;
	struct prep_stats st;
	char digest[65];

	CHECK(scratch_make(&s) == 0);
	CHECK(fake_host(s.host) == 0);
	CHECK_OK(prep_manifest_parse(fake_manifest, "fake", &m, &terr));
	CHECK_OK(prep_build(s.hostfd, s.layerfd, &m, &st, digest, &terr));
	check_generated(s.layer);
	if (unit_failed_now)
		return;
	resolv = slurp(s.layer, "etc/resolv.conf");
	CHECK_STR(resolv, "# from the host's /etc/resolv.conf, loopback servers left out\n"
		  "nameserver 10.1.2.3\nsearch example.com\noptions edns0\n");
	mid = slurp(s.layer, "etc/machine-id");
	CHECK(mid && strlen(mid) == 33 && mid[32] == '\n');
	CHECK(strspn(mid, "0123456789abcdef") == 32);
	/* The host's copied passwd was replaced, not written into. */
	hostpw = slurp(s.host, "etc/passwd");
	CHECK_STR(hostpw, "root:x:0:0:HOST:/root:/bin/bash\n");
}

/* The key safety property: with /etc linked, the generated files replace
 * the links; the host's files keep their bytes. */
static void generated_etc_never_writes_host(void)
{
	_cleanup_scratch_ struct scratch s = { .hostfd = -1, .layerfd = -1 };
	_cleanup_manifest_ struct prep_manifest m = { 0 };
	_cleanup_free_ char *before = NULL, *after = NULL, *pw = NULL;
	struct prep_stats st;
	char digest[65];

	CHECK(scratch_make(&s) == 0);
	CHECK(fake_host(s.host) == 0);
	CHECK(put(s.host, "etc/hosts", "10.0.0.1 hostonly\n", 0644) == 0);
	CHECK(put(s.host, "etc/hostname", "hostbox\n", 0644) == 0);
	before = snapshot(s.host);
	CHECK_OK(prep_manifest_parse("link /etc\nskip /etc/sock\n", "m", &m, &terr));
	CHECK_OK(prep_build(s.hostfd, s.layerfd, &m, &st, digest, &terr));
	after = snapshot(s.host);
	CHECK_STR(after, before);
	pw = slurp(s.host, "etc/passwd");
	CHECK_STR(pw, "root:x:0:0:HOST:/root:/bin/bash\n");
	CHECK(!linked(s.host, s.layer, "etc/passwd"));
	CHECK(!linked(s.host, s.layer, "etc/hosts"));
	CHECK(linked(s.host, s.layer, "etc/ssh/ssh_config"));
	check_generated(s.layer);
}

static int prep_into(struct scratch *s, const char *name, const struct prep_manifest *m,
		     char digest[65])
{
	_cleanup_close_ int fd = scratch_layer(s, name);
	struct prep_stats st;

	return fd < 0 ? -1 : prep_build(s->hostfd, fd, m, &st, digest, &terr);
}

static void digest_follows_host_state(void)
{
	_cleanup_scratch_ struct scratch s = { .hostfd = -1, .layerfd = -1 };
	_cleanup_manifest_ struct prep_manifest m = { 0 };
	_cleanup_free_ char *tool = NULL;
	char d1[65], d2[65], d3[65], d4[65];
	struct timespec t[2] = { { 0, UTIME_OMIT }, { 1000000000, 5 } };

	CHECK(scratch_make(&s) == 0);
	CHECK(fake_host(s.host) == 0);
	CHECK_OK(prep_manifest_parse(fake_manifest, "fake", &m, &terr));
	CHECK_OK(prep_into(&s, "l1", &m, d1));
	CHECK_OK(prep_into(&s, "l2", &m, d2));
	CHECK_STR(d1, d2);
	/* Same machine-id too: it follows from the host state. */
	{
		_cleanup_free_ char *a = slurp(s.base, "l1/etc/machine-id");
		_cleanup_free_ char *b = slurp(s.base, "l2/etc/machine-id");
		CHECK_STR(a, b);
	}
	tool = xasprintf("%s/usr/bin/tool", s.host);
	CHECK(utimensat(AT_FDCWD, tool, t, AT_SYMLINK_NOFOLLOW) == 0);
	CHECK_OK(prep_into(&s, "l3", &m, d3));
	CHECK(strcmp(d3, d1) != 0);
	/* A generated file's content counts too. */
	CHECK(put(s.host, "etc/resolv.conf", "nameserver 10.9.9.9\n", 0644) == 0);
	CHECK_OK(prep_into(&s, "l4", &m, d4));
	CHECK(strcmp(d4, d3) != 0);
}

/* Longest pattern wins; at equal length skip, then copy. */
static void rule_precedence(void)
{
	_cleanup_scratch_ struct scratch s = { .hostfd = -1, .layerfd = -1 };
	_cleanup_manifest_ struct prep_manifest m = { 0 };
	struct prep_stats st;
	char digest[65];

	CHECK(scratch_make(&s) == 0);
	CHECK(fake_host(s.host) == 0);
	CHECK_OK(prep_manifest_parse("skip /etc\ncopy /etc/ssh\nlink /etc/ssh/*\n"
				     "skip /etc/ssh/ssh_c*\ncopy /etc/ssh/ssh_host_*\n"
				     "link /usr/bin/*\ncopy /usr/bin/t*\nskip /usr/bin/s*\n",
				     "m", &m, &terr));
	CHECK_OK(prep_build(s.hostfd, s.layerfd, &m, &st, digest, &terr));
	CHECK(absent(s.layer, "etc/ssh/ssh_config"));		/* skip beats link */
	CHECK(is_copy(s.host, s.layer, "etc/ssh/ssh_host_rsa_key"));	/* copy beats link */
	CHECK(is_copy(s.host, s.layer, "usr/bin/tool"));
	CHECK(absent(s.layer, "usr/bin/suid"));
	CHECK(linked(s.host, s.layer, "usr/bin/capped"));
	/* /etc was skipped but a longer rule took something below it. */
	CHECK(absent(s.layer, "etc/conf.d") && absent(s.layer, "etc/fifo"));
	CHECK(mode_is(s.layer, "usr/bin", S_IFDIR | 0755));
	CHECK(absent(s.layer, "usr/lib"));
}

static void layer_must_be_empty(void)
{
	_cleanup_scratch_ struct scratch s = { .hostfd = -1, .layerfd = -1 };
	_cleanup_manifest_ struct prep_manifest m = { 0 };
	struct prep_stats st;
	char digest[65];

	CHECK(scratch_make(&s) == 0);
	CHECK(put(s.layer, "junk", "x", 0644) == 0);
	CHECK_OK(prep_manifest_parse("link /usr", "m", &m, &terr));
	CHECK(prep_build(s.hostfd, s.layerfd, &m, &st, digest, &terr) < 0);
	CHECK_STR(terr.msg, "the layer directory is not empty");
}

/* ---- prep_write_minimal_etc on its own ---- */

static const char seed[] = "0123456789ABCDEF0123456789abcdefffff";

static void minimal_etc_machine_id(void)
{
	_cleanup_scratch_ struct scratch s = { .hostfd = -1, .layerfd = -1 };
	_cleanup_free_ char *mid = NULL;

	CHECK(scratch_make(&s) == 0);
	CHECK_OK(prep_write_minimal_etc(s.hostfd, s.layerfd, seed, &terr));
	mid = slurp(s.layer, "etc/machine-id");
	CHECK_STR(mid, "0123456789abcdef0123456789abcdef\n");
	CHECK(mode_is(s.layer, "etc", S_IFDIR | 0755));
	check_generated(s.layer);
	CHECK(prep_write_minimal_etc(s.hostfd, s.layerfd, "0123abc", &terr) < 0);
	CHECK_STR(terr.msg, "machine-id seed `0123abc`: need 32 hex digits");
	CHECK(prep_write_minimal_etc(s.hostfd, s.layerfd, "0123456789abcdef0123456789abcdeg",
				     &terr) < 0);
}

static void minimal_etc_resolv_sources(void)
{
	_cleanup_scratch_ struct scratch s = { .hostfd = -1, .layerfd = -1 };
	static const char *const dirs[] = { "etc", "run", "run/systemd", "run/systemd/resolve", NULL };
	_cleanup_free_ char *r1 = NULL, *r2 = NULL, *r3 = NULL;

	CHECK(scratch_make(&s) == 0);
	/* No resolv.conf at all: a comment, never an invented server. */
	CHECK_OK(prep_write_minimal_etc(s.hostfd, s.layerfd, seed, &terr));
	r1 = slurp(s.layer, "etc/resolv.conf");
	CHECK_STR(r1, "# argon: the host has no nameserver a container can reach\n"
		  "# (none but loopback ones); add one here\n");
	/* systemd-resolved: the stub is loopback, the upstreams are in /run.
	 * The absolute symlink resolves inside the host tree, not at "/". */
	CHECK(put_dirs(s.host, dirs) == 0);
	CHECK(put(s.host, "run/systemd/resolve/stub-resolv.conf",
		  "nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch lan\n", 0644) == 0);
	CHECK(put_link(s.host, "etc/resolv.conf", "/run/systemd/resolve/stub-resolv.conf") == 0);
	CHECK(put(s.host, "run/systemd/resolve/resolv.conf",
		  "nameserver 192.0.2.1\nnameserver ::ffff:127.0.0.1\nnameserver 2001:db8::1\n",
		  0644) == 0);
	CHECK_OK(prep_write_minimal_etc(s.hostfd, s.layerfd, seed, &terr));
	r2 = slurp(s.layer, "etc/resolv.conf");
	CHECK_STR(r2, "# from the host's /run/systemd/resolve/resolv.conf, loopback servers "
		  "left out\nnameserver 192.0.2.1\nnameserver 2001:db8::1\n");
	CHECK(unlink_rel(s.host, "run/systemd/resolve/resolv.conf") == 0);
	CHECK_OK(prep_write_minimal_etc(s.hostfd, s.layerfd, seed, &terr));
	r3 = slurp(s.layer, "etc/resolv.conf");
	CHECK_CONTAINS(r3, "no nameserver a container can reach");
}

/* A layer whose etc is a symlink (taken from a host where it is one)
 * could lead the generated files anywhere: refused. */
static void minimal_etc_refuses_symlinked_etc(void)
{
	_cleanup_scratch_ struct scratch s = { .hostfd = -1, .layerfd = -1 };
	_cleanup_free_ char *target = NULL;

	CHECK(scratch_make(&s) == 0);
	target = xasprintf("%s/host", s.base);
	CHECK(put_link(s.layer, "etc", target) == 0);
	CHECK(prep_write_minimal_etc(s.hostfd, s.layerfd, seed, &terr) < 0);
	CHECK_CONTAINS(terr.msg, "layer `etc` is not a directory, refusing");
	CHECK(absent(s.host, "passwd"));
}

/* ---- across file systems: the host tree on a tmpfs ---- */

static void cross_fs_copies(void)
{
	_cleanup_scratch_ struct scratch s = { .hostfd = -1, .layerfd = -1 };
	_cleanup_manifest_ struct prep_manifest m = { 0 };
	static const char *const dirs[] = { "usr", "usr/bin", "usr/lib", NULL };
	_cleanup_free_ char *capped = NULL;
	struct prep_stats st;
	char digest[65];

	if (geteuid() != 0)
		SKIP("needs root to mount a tmpfs");
	if (unshare(CLONE_NEWNS) < 0)
		SKIP("unshare(CLONE_NEWNS) refused");
	CHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);
	CHECK(scratch_make(&s) == 0);
	close(s.hostfd);
	s.hostfd = -1;
	CHECK(mount("tmpfs", s.host, "tmpfs", 0, "mode=0755") == 0);
	s.tmpfs = true;
	s.hostfd = open(s.host, O_PATH | O_DIRECTORY | O_CLOEXEC);
	CHECK(s.hostfd >= 0);
	CHECK(put_dirs(s.host, dirs) == 0);
	CHECK(put(s.host, "usr/bin/tool", "tool", 0755) == 0);
	CHECK(put(s.host, "usr/bin/suid", "suid", 04755) == 0);
	CHECK(put(s.host, "usr/bin/capped", "capped", 0750) == 0);
	CHECK(put_caps(s.host, "usr/bin/capped") == 0);
	capped = xasprintf("%s/usr/bin/capped", s.host);
	if (setxattr(capped, "user.note", "hi", 2, 0) < 0)
		SKIP("this tmpfs has no user xattrs");
	CHECK(put_link(s.host, "usr/lib/l", "../bin/tool") == 0);
	CHECK_OK(prep_manifest_parse("link /usr", "m", &m, &terr));
	CHECK_OK(prep_build(s.hostfd, s.layerfd, &m, &st, digest, &terr));
	CHECK(st.linked == 0 && st.copied == 3 && st.symlinks == 1 && st.dirs == 3);
	CHECK(is_copy(s.host, s.layer, "usr/bin/tool"));
	CHECK(is_copy(s.host, s.layer, "usr/bin/suid"));
	CHECK(mode_is(s.layer, "usr/bin/suid", S_IFREG | 04755));
	CHECK(is_copy(s.host, s.layer, "usr/bin/capped"));
	free(capped);
	capped = xasprintf("%s/usr/bin/capped", s.layer);
	CHECK(xattr_is(capped, "security.capability", &net_raw, XATTR_CAPS_SZ_2));
	CHECK(xattr_is(capped, "user.note", "hi", 2));
	CHECK(symlink_is(s.layer, "usr/lib/l", "../bin/tool"));
}

/* ---- the real host ---- */

/* Pseudo file systems and device nodes are never taken, whatever the
 * manifest says. */
static void real_host_pseudo_fs_refused(void)
{
	_cleanup_scratch_ struct scratch s = { .hostfd = -1, .layerfd = -1 };
	_cleanup_manifest_ struct prep_manifest m = { 0 };
	_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct prep_stats st;
	char digest[65];

	CHECK(scratch_make(&s) == 0);
	CHECK_OK(prep_manifest_parse("copy /proc/sys/kernel\ncopy /sys/kernel\n"
				     "copy /dev/null\n", "m", &m, &terr));
	CHECK_OK(prep_build(root, s.layerfd, &m, &st, digest, &terr));
	CHECK(st.skipped == 3 && st.copied == 0 && st.dirs == 0);
	CHECK(absent(s.layer, "proc/sys"));
	CHECK(absent(s.layer, "sys/kernel"));
	CHECK(absent(s.layer, "dev/null"));
}

static void real_host_default_manifest(void)
{
	_cleanup_scratch_ struct scratch s = { .hostfd = -1, .layerfd = -1 };
	_cleanup_manifest_ struct prep_manifest m = { 0 };
	_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *pw = NULL;
	struct prep_stats st;
	char digest[65], env[PATH_MAX];
	struct stat sb;
	uint64_t t0, t1;

	CHECK(scratch_make(&s) == 0);
	CHECK(root >= 0);
	CHECK_OK(prep_manifest_parse(prep_default_manifest, "default", &m, &terr));
	t0 = now_ns();
	CHECK_OK(prep_build(root, s.layerfd, &m, &st, digest, &terr));
	t1 = now_ns();
	fprintf(stderr, "  real host: %.3f s: %llu linked, %llu copied, %llu dirs, %llu symlinks, "
		"%llu skipped\n", (double)(t1 - t0) / 1e9, (unsigned long long)st.linked,
		(unsigned long long)st.copied, (unsigned long long)st.dirs,
		(unsigned long long)st.symlinks, (unsigned long long)st.skipped);
	/* /usr/bin/env through the layer's own bin symlink is the host's inode. */
	CHECK(realpath("/usr/bin/env", env) != NULL);
	CHECK(lstat(env, &sb) == 0 && S_ISREG(sb.st_mode));
	CHECK(linked("", s.layer, env + 1));
	CHECK(symlink_is(s.layer, "bin", "usr/bin") || linked("", s.layer, "bin/sh"));
	CHECK(absent(s.layer, "etc/shadow"));
	CHECK(absent(s.layer, "etc/gshadow"));
	CHECK(absent(s.layer, "usr/share/doc"));
	CHECK(absent(s.layer, "usr/local"));
	pw = slurp(s.layer, "etc/passwd");
	CHECK_STR(pw, "root:x:0:0:root:/root:/bin/sh\n"
		  "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
	if (access("/etc/ld.so.cache", F_OK) == 0)
		CHECK(is_copy("", s.layer, "etc/ld.so.cache"));
	CHECK(st.linked > 1000 && st.dirs > 100);
}

UNIT_MAIN_NO_MOUNT_LEAK(UNIT(manifest_accepts), UNIT(manifest_rejects),
			UNIT(default_manifest_parses), UNIT(fake_host_layer), UNIT(generated_etc),
			UNIT(generated_etc_never_writes_host), UNIT(digest_follows_host_state),
			UNIT(rule_precedence), UNIT(layer_must_be_empty),
			UNIT(minimal_etc_machine_id), UNIT(minimal_etc_resolv_sources),
			UNIT(minimal_etc_refuses_symlinked_etc), UNIT(real_host_pseudo_fs_refused),
			UNIT(real_host_default_manifest), UNIT(cross_fs_copies))
