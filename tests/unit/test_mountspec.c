/* Unit tests for src/lib/mountspec.c: -v, --mount and --tmpfs as docker
 * reads them. Accept tables check every field of the result; reject tables
 * check the exact message, which quotes the flag's value. */
#include <stdbool.h>
#include <string.h>

#include "mountspec.h"
#include "unit.h"
#include "util.h"

typedef int (*parse_fn)(const char *s, struct mount_req *out, struct ar_err *err);

struct accept {
	const char *in;
	enum mount_kind kind;
	const char *source, *target;
	bool readonly;
	const char *options;
};

struct reject {
	const char *in, *msg;
};

static bool str_eq(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

static bool accepted(parse_fn fn, const struct accept *a)
{
	struct mount_req m = { 0 };
	struct ar_err err = { 0 };
	bool ok;

	if (fn(a->in, &m, &err) < 0) {
		fprintf(stderr, "  `%s` refused: %s\n", a->in, err.msg);
		ar_err_clear(&err);
		return false;
	}
	ok = m.kind == a->kind && str_eq(m.source, a->source) && str_eq(m.target, a->target) &&
	     m.readonly == a->readonly && str_eq(m.options, a->options);
	if (!ok)
		fprintf(stderr, "  `%s`: kind %d source %s target %s ro %d options %s\n", a->in,
			m.kind, m.source ? m.source : "(null)", m.target, m.readonly,
			m.options ? m.options : "(null)");
	mount_req_free(&m);
	return ok;
}

static bool refused(parse_fn fn, const struct reject *r)
{
	struct mount_req m = { 0 };
	struct ar_err err = { 0 };
	bool ok;

	if (fn(r->in, &m, &err) == 0) {
		fprintf(stderr, "  `%s` accepted\n", r->in);
		mount_req_free(&m);
		return false;
	}
	ok = err.msg && strcmp(err.msg, r->msg) == 0 && m.target == NULL && m.source == NULL;
	if (!ok)
		fprintf(stderr, "  `%s`:\n    got  %s\n    want %s\n", r->in, err.msg, r->msg);
	ar_err_clear(&err);
	return ok;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void volume_accepts(void)
{
	static const struct accept cases[] = {
		{ "/data", MOUNT_VOLUME, NULL, "/data", false, NULL },
		{ "/data/", MOUNT_VOLUME, NULL, "/data", false, NULL },
		{ "//data//x/./", MOUNT_VOLUME, NULL, "/data/x", false, NULL },
		{ "myvol:/data", MOUNT_VOLUME, "myvol", "/data", false, NULL },
		{ "myvol:/data:ro", MOUNT_VOLUME, "myvol", "/data", true, NULL },
		{ "My_vol.1-x:/data:rw", MOUNT_VOLUME, "My_vol.1-x", "/data", false, NULL },
		{ "a:/data", MOUNT_VOLUME, "a", "/data", false, NULL },
		{ "v:/c:nocopy", MOUNT_VOLUME, "v", "/c", false, NULL },
		{ "v:/c:ro,nocopy", MOUNT_VOLUME, "v", "/c", true, NULL },
		{ "/host:/c", MOUNT_BIND, "/host", "/c", false, NULL },
		{ "/host/dir:/c/d:ro", MOUNT_BIND, "/host/dir", "/c/d", true, NULL },
		{ "/:/host", MOUNT_BIND, "/", "/host", false, NULL },
		{ "/host:/c:ro,rshared", MOUNT_BIND, "/host", "/c", true, "rshared" },
		{ "/host:/c:rslave,rw", MOUNT_BIND, "/host", "/c", false, "rslave" },
		{ "/host:/c:private", MOUNT_BIND, "/host", "/c", false, "private" },
	};

	for (size_t i = 0; i < N(cases); i++)
		CHECK(accepted(mountspec_parse_volume, &cases[i]));
}

#define BADNAME(n) "`" n "` includes invalid characters for a local volume name, only " \
	"`[a-zA-Z0-9][a-zA-Z0-9_.-]` are allowed (at most 255); if you intended to pass " \
	"a host directory, use an absolute path"

static void volume_rejects(void)
{
	static const struct reject cases[] = {
		{ "", "invalid volume specification ``: the target must not be empty" },
		{ "data", "invalid volume specification `data`: the target `data` must be an absolute path" },
		{ "/", "invalid volume specification `/`: the target `/` must not be `/`" },
		{ "v:/", "invalid volume specification `v:/`: the target `/` must not be `/`" },
		{ "v://./", "invalid volume specification `v://./`: the target `//./` must not be `/`" },
		{ "v:/a/../b", "invalid volume specification `v:/a/../b`: the target `/a/../b` must not contain `..`" },
		{ "v:/a/..", "invalid volume specification `v:/a/..`: the target `/a/..` must not contain `..`" },
		{ "v:rel", "invalid volume specification `v:rel`: the target `rel` must be an absolute path" },
		{ "/data:ro", "invalid volume specification `/data:ro`: the target `ro` must be an absolute path" },
		{ ":/c", "invalid volume specification `:/c`: the source must not be empty" },
		{ "v:", "invalid volume specification `v:`: the target must not be empty" },
		{ "a:/b:ro:d", "invalid volume specification `a:/b:ro:d`: too many colons" },
		{ "/h:/c:rx", "invalid volume specification `/h:/c:rx`: invalid mode `rx`" },
		{ "/h:/c:RO", "invalid volume specification `/h:/c:RO`: invalid mode `RO`" },
		{ "/h:/c:ro,rw", "invalid volume specification `/h:/c:ro,rw`: conflicting modes `rw`" },
		{ "/h:/c:shared,slave", "invalid volume specification `/h:/c:shared,slave`: conflicting modes `slave`" },
		{ "v:/c:nocopy,nocopy", "invalid volume specification `v:/c:nocopy,nocopy`: conflicting modes `nocopy`" },
		{ "/h:/c:z", "invalid volume specification `/h:/c:z`: SELinux relabelling (`z`) is not supported" },
		{ "/h:/c:ro,Z", "invalid volume specification `/h:/c:ro,Z`: SELinux relabelling (`Z`) is not supported" },
		{ "v:/c:rshared", "invalid volume specification `v:/c:rshared`: `rshared` applies to bind mounts only" },
		{ "/h:/c:nocopy", "invalid volume specification `/h:/c:nocopy`: `nocopy` applies to volumes only" },
		{ "/h:/c:", "invalid volume specification `/h:/c:`: empty mode" },
		{ "/h:/c:ro,", "invalid volume specification `/h:/c:ro,`: empty mode" },
		{ "/h:/c:,ro", "invalid volume specification `/h:/c:,ro`: empty mode" },
		{ "-bad:/c", "invalid volume specification `-bad:/c`: " BADNAME("-bad") },
		{ "my vol:/c", "invalid volume specification `my vol:/c`: " BADNAME("my vol") },
		{ "./rel:/c", "invalid volume specification `./rel:/c`: " BADNAME("./rel") },
		{ "a/b:/c", "invalid volume specification `a/b:/c`: " BADNAME("a/b") },
	};

	for (size_t i = 0; i < N(cases); i++)
		CHECK(refused(mountspec_parse_volume, &cases[i]));
}

static void volume_name_table(void)
{
	char long_name[300];

	CHECK(volume_name_valid("a"));
	CHECK(volume_name_valid("0"));
	CHECK(volume_name_valid("data_1.v-2"));
	CHECK(volume_name_valid("Z..-__"));
	CHECK(!volume_name_valid(""));
	CHECK(!volume_name_valid("_a"));
	CHECK(!volume_name_valid(".a"));
	CHECK(!volume_name_valid("-a"));
	CHECK(!volume_name_valid(".."));
	CHECK(!volume_name_valid("a b"));
	CHECK(!volume_name_valid("a/b"));
	CHECK(!volume_name_valid("a:b"));
	CHECK(!volume_name_valid("\xc3\xa9t\xc3\xa9"));
	memset(long_name, 'x', 255);
	long_name[255] = '\0';
	CHECK(volume_name_valid(long_name));
	long_name[255] = 'x';
	long_name[256] = '\0';
	CHECK(!volume_name_valid(long_name));
}

static void mount_accepts(void)
{
	static const struct accept cases[] = {
		{ "type=bind,source=/h,target=/c", MOUNT_BIND, "/h", "/c", false, NULL },
		{ "type=bind,src=/h,dst=/c,readonly", MOUNT_BIND, "/h", "/c", true, NULL },
		{ "type=bind,source=/h,destination=/c/,ro", MOUNT_BIND, "/h", "/c", true, NULL },
		{ "type=bind,source=/h,target=/c,ro=true", MOUNT_BIND, "/h", "/c", true, NULL },
		{ "type=bind,source=/h,target=/c,readonly=1", MOUNT_BIND, "/h", "/c", true, NULL },
		{ "type=bind,source=/h,target=/c,readonly=false", MOUNT_BIND, "/h", "/c", false, NULL },
		{ "type=bind,source=/h,target=/c,readonly,readonly=0", MOUNT_BIND, "/h", "/c", false, NULL },
		{ "type=bind,source=/h,target=/c,bind-propagation=rslave", MOUNT_BIND, "/h", "/c", false, "rslave" },
		{ "target=/a,type=bind,source=/h", MOUNT_BIND, "/h", "/a", false, NULL },
		{ "type=bind,source=/h,target=/c,target=/d", MOUNT_BIND, "/h", "/d", false, NULL },
		{ "type=bind,source=/h,target=/c,consistency=cached", MOUNT_BIND, "/h", "/c", false, NULL },
		{ "target=/c", MOUNT_VOLUME, NULL, "/c", false, NULL },
		{ "type=volume,target=/c,source=", MOUNT_VOLUME, NULL, "/c", false, NULL },
		{ "source=v,target=/c", MOUNT_VOLUME, "v", "/c", false, NULL },
		{ "type=volume,src=v,target=/c,readonly", MOUNT_VOLUME, "v", "/c", true, NULL },
		{ "type=volume,source=v,target=/c,volume-nocopy", MOUNT_VOLUME, "v", "/c", false, NULL },
		{ "type=volume,source=v,target=/c,volume-nocopy=false", MOUNT_VOLUME, "v", "/c", false, NULL },
		{ "type=tmpfs,target=/t", MOUNT_TMPFS, NULL, "/t", false, NULL },
		{ "type=tmpfs,target=/t,readonly", MOUNT_TMPFS, NULL, "/t", true, NULL },
		{ "type=tmpfs,target=/t,tmpfs-size=64m", MOUNT_TMPFS, NULL, "/t", false, "size=65536k" },
		{ "type=tmpfs,target=/t,tmpfs-size=1000", MOUNT_TMPFS, NULL, "/t", false, "size=1k" },
		{ "type=tmpfs,target=/t,tmpfs-size=1025", MOUNT_TMPFS, NULL, "/t", false, "size=2k" },
		{ "type=tmpfs,target=/t,tmpfs-size=1.5g", MOUNT_TMPFS, NULL, "/t", false, "size=1572864k" },
		{ "type=tmpfs,target=/t,tmpfs-size=512KiB", MOUNT_TMPFS, NULL, "/t", false, "size=512k" },
		{ "type=tmpfs,target=/t,tmpfs-size=2 MB", MOUNT_TMPFS, NULL, "/t", false, "size=2048k" },
		{ "type=tmpfs,target=/t,tmpfs-size=1T", MOUNT_TMPFS, NULL, "/t", false, "size=1073741824k" },
		{ "type=tmpfs,target=/t,tmpfs-size=0", MOUNT_TMPFS, NULL, "/t", false, NULL },
		{ "type=tmpfs,target=/t,tmpfs-mode=1777", MOUNT_TMPFS, NULL, "/t", false, "mode=1777" },
		{ "type=tmpfs,target=/t,tmpfs-mode=0700", MOUNT_TMPFS, NULL, "/t", false, "mode=700" },
		{ "type=tmpfs,target=/t,tmpfs-mode=0", MOUNT_TMPFS, NULL, "/t", false, "mode=0" },
		{ "type=tmpfs,tmpfs-mode=1777,target=/t,tmpfs-size=64m", MOUNT_TMPFS, NULL, "/t", false,
		  "size=65536k,mode=1777" },
	};

	for (size_t i = 0; i < N(cases); i++)
		CHECK(accepted(mountspec_parse_mount, &cases[i]));
}

#define M(v) "invalid mount specification `" v "`: "

static void mount_rejects(void)
{
	static const struct reject cases[] = {
		{ "", M("") "empty field" },
		{ "type=bind,,target=/c", M("type=bind,,target=/c") "empty field" },
		{ "target=/c,", M("target=/c,") "empty field" },
		{ "=x,target=/c", M("=x,target=/c") "empty field" },
		{ "type", M("type") "field `type` must be a key=value pair" },
		{ "target=/c,bind-propagation", M("target=/c,bind-propagation") "field `bind-propagation` must be a key=value pair" },
		{ "type=bind,target=/c", M("type=bind,target=/c") "source is required for a bind mount" },
		{ "type=bind,source=,target=/c", M("type=bind,source=,target=/c") "source is required for a bind mount" },
		{ "type=bind,source=rel,target=/c", M("type=bind,source=rel,target=/c") "the bind source `rel` must be an absolute path" },
		{ "type=volume,source=/h,target=/c", M("type=volume,source=/h,target=/c") "invalid volume name `/h`" },
		{ "source=-x,target=/c", M("source=-x,target=/c") "invalid volume name `-x`" },
		{ "type=bind,source=/h", M("type=bind,source=/h") "target is required" },
		{ "type=bind,source=/h,target=", M("type=bind,source=/h,target=") "the target must not be empty" },
		{ "type=bind,source=/h,target=c", M("type=bind,source=/h,target=c") "the target `c` must be an absolute path" },
		{ "type=tmpfs,target=/", M("type=tmpfs,target=/") "the target `/` must not be `/`" },
		{ "type=tmpfs,target=/a/../..", M("type=tmpfs,target=/a/../..") "the target `/a/../..` must not contain `..`" },
		{ "type=tmpfs,source=x,target=/t", M("type=tmpfs,source=x,target=/t") "a tmpfs mount takes no source" },
		{ "type=nfs,target=/c", M("type=nfs,target=/c") "unsupported mount type `nfs`" },
		{ "type=,target=/c", M("type=,target=/c") "unsupported mount type ``" },
		{ "type=bind,source=/h,target=/c,foo=bar", M("type=bind,source=/h,target=/c,foo=bar") "unexpected key `foo`" },
		{ "target=/c,volume-driver=local", M("target=/c,volume-driver=local") "unexpected key `volume-driver`" },
		{ "type=bind,source=/h,target=/c,readonly=yes", M("type=bind,source=/h,target=/c,readonly=yes") "invalid value for `readonly`: `yes`" },
		{ "type=bind,source=/h,target=/c,ro=", M("type=bind,source=/h,target=/c,ro=") "invalid value for `ro`: ``" },
		{ "target=/c,volume-nocopy=2", M("target=/c,volume-nocopy=2") "invalid value for `volume-nocopy`: `2`" },
		{ "type=bind,source=/h,target=/c,bind-propagation=unbindable", M("type=bind,source=/h,target=/c,bind-propagation=unbindable") "invalid bind propagation `unbindable`" },
		{ "type=volume,target=/c,bind-propagation=rshared", M("type=volume,target=/c,bind-propagation=rshared") "cannot mix `bind-propagation` with mount type `volume`" },
		{ "target=/c,tmpfs-size=1m", M("target=/c,tmpfs-size=1m") "cannot mix `tmpfs-size` with mount type `volume`" },
		{ "type=bind,source=/h,target=/c,tmpfs-mode=1777", M("type=bind,source=/h,target=/c,tmpfs-mode=1777") "cannot mix `tmpfs-mode` with mount type `bind`" },
		{ "type=bind,source=/h,target=/c,volume-nocopy", M("type=bind,source=/h,target=/c,volume-nocopy") "cannot mix `volume-nocopy` with mount type `bind`" },
		{ "type=tmpfs,target=/t,bind-propagation=shared", M("type=tmpfs,target=/t,bind-propagation=shared") "cannot mix `bind-propagation` with mount type `tmpfs`" },
		{ "type=tmpfs,target=/t,tmpfs-size=-1", M("type=tmpfs,target=/t,tmpfs-size=-1") "invalid tmpfs size `-1`" },
		{ "type=tmpfs,target=/t,tmpfs-size=", M("type=tmpfs,target=/t,tmpfs-size=") "invalid tmpfs size ``" },
		{ "type=tmpfs,target=/t,tmpfs-size=1x", M("type=tmpfs,target=/t,tmpfs-size=1x") "invalid tmpfs size `1x`" },
		{ "type=tmpfs,target=/t,tmpfs-size=1.", M("type=tmpfs,target=/t,tmpfs-size=1.") "invalid tmpfs size `1.`" },
		{ "type=tmpfs,target=/t,tmpfs-size=m", M("type=tmpfs,target=/t,tmpfs-size=m") "invalid tmpfs size `m`" },
		{ "type=tmpfs,target=/t,tmpfs-size=1mm", M("type=tmpfs,target=/t,tmpfs-size=1mm") "invalid tmpfs size `1mm`" },
		{ "type=tmpfs,target=/t,tmpfs-size=99999999999999999999", M("type=tmpfs,target=/t,tmpfs-size=99999999999999999999") "invalid tmpfs size `99999999999999999999`" },
		{ "type=tmpfs,target=/t,tmpfs-size=99999999p", M("type=tmpfs,target=/t,tmpfs-size=99999999p") "invalid tmpfs size `99999999p`" },
		{ "type=tmpfs,target=/t,tmpfs-mode=8", M("type=tmpfs,target=/t,tmpfs-mode=8") "invalid tmpfs mode `8` (octal, at most 7777)" },
		{ "type=tmpfs,target=/t,tmpfs-mode=17777", M("type=tmpfs,target=/t,tmpfs-mode=17777") "invalid tmpfs mode `17777` (octal, at most 7777)" },
		{ "type=tmpfs,target=/t,tmpfs-mode=", M("type=tmpfs,target=/t,tmpfs-mode=") "invalid tmpfs mode `` (octal, at most 7777)" },
		{ "type=tmpfs,target=/t,tmpfs-mode=-1", M("type=tmpfs,target=/t,tmpfs-mode=-1") "invalid tmpfs mode `-1` (octal, at most 7777)" },
	};

	for (size_t i = 0; i < N(cases); i++)
		CHECK(refused(mountspec_parse_mount, &cases[i]));
}

static void tmpfs_accepts(void)
{
	static const struct accept cases[] = {
		{ "/run", MOUNT_TMPFS, NULL, "/run", false, NULL },
		{ "/run//x/", MOUNT_TMPFS, NULL, "/run/x", false, NULL },
		{ "/run:rw,noexec,nosuid,size=65536k", MOUNT_TMPFS, NULL, "/run", false, "noexec,nosuid,size=65536k" },
		{ "/run:ro", MOUNT_TMPFS, NULL, "/run", true, NULL },
		{ "/run:ro,rw", MOUNT_TMPFS, NULL, "/run", false, NULL },
		{ "/t:size=64m,mode=1777,nr_inodes=1k,exec,suid,dev,nodev", MOUNT_TMPFS, NULL, "/t", false,
		  "size=64m,mode=1777,nr_inodes=1k,exec,suid,dev,nodev" },
		{ "/t:size=50%", MOUNT_TMPFS, NULL, "/t", false, "size=50%" },
		{ "/t:size=1048576,nr_inodes=400", MOUNT_TMPFS, NULL, "/t", false, "size=1048576,nr_inodes=400" },
		{ "/t/:mode=0700,ro", MOUNT_TMPFS, NULL, "/t", true, "mode=0700" },
	};

	for (size_t i = 0; i < N(cases); i++)
		CHECK(accepted(mountspec_parse_tmpfs, &cases[i]));
}

#define T(v) "invalid tmpfs specification `" v "`: "

static void tmpfs_rejects(void)
{
	static const struct reject cases[] = {
		{ "", T("") "the target must not be empty" },
		{ ":size=1m", T(":size=1m") "the target must not be empty" },
		{ "run", T("run") "the target `run` must be an absolute path" },
		{ "/:size=1m", T("/:size=1m") "the target `/` must not be `/`" },
		{ "/a/../b", T("/a/../b") "the target `/a/../b` must not contain `..`" },
		{ "/t:", T("/t:") "empty option" },
		{ "/t:ro,,rw", T("/t:ro,,rw") "empty option" },
		{ "/t:ro,", T("/t:ro,") "empty option" },
		{ "/t:foo", T("/t:foo") "invalid option `foo`" },
		{ "/t:uid=0", T("/t:uid=0") "invalid option `uid=0`" },
		{ "/t:NOEXEC", T("/t:NOEXEC") "invalid option `NOEXEC`" },
		{ "/t:size=abc", T("/t:size=abc") "invalid option `size=abc`" },
		{ "/t:size=", T("/t:size=") "invalid option `size=`" },
		{ "/t:size=k", T("/t:size=k") "invalid option `size=k`" },
		{ "/t:size=-1", T("/t:size=-1") "invalid option `size=-1`" },
		{ "/t:size=64m:x", T("/t:size=64m:x") "invalid option `size=64m:x`" },
		{ "/t:mode=999", T("/t:mode=999") "invalid option `mode=999`" },
		{ "/t:mode=", T("/t:mode=") "invalid option `mode=`" },
		{ "/t:nr_inodes=x", T("/t:nr_inodes=x") "invalid option `nr_inodes=x`" },
		{ "/t:nr_inodes=10%", T("/t:nr_inodes=10%") "invalid option `nr_inodes=10%`" },
		{ "/t:noexec,bind", T("/t:noexec,bind") "invalid option `bind`" },
	};

	for (size_t i = 0; i < N(cases); i++)
		CHECK(refused(mountspec_parse_tmpfs, &cases[i]));
}

/* A hostile value longer than the message buffer is cut, never overrun. */
static void long_values_are_safe(void)
{
	struct mount_req m = { 0 };
	struct ar_err err = { 0 };
	size_t n = 8192;
	_cleanup_free_ char *s = xmalloc(n + 1);

	memset(s, 'a', n);
	s[0] = '/';
	s[n] = '\0';
	CHECK(mountspec_parse_tmpfs(s, &m, &err) == 0);
	CHECK(strlen(m.target) == n);
	mount_req_free(&m);
	s[0] = 'a';
	CHECK(mountspec_parse_volume(s, &m, &err) < 0);
	CHECK(err.msg && strncmp(err.msg, "invalid volume specification `aaaa", 34) == 0);
	ar_err_clear(&err);
	mount_req_free(NULL);
}

UNIT_MAIN(UNIT(volume_accepts), UNIT(volume_rejects), UNIT(volume_name_table),
	  UNIT(mount_accepts), UNIT(mount_rejects), UNIT(tmpfs_accepts), UNIT(tmpfs_rejects),
	  UNIT(long_values_are_safe))
