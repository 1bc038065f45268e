/* Unit tests for src/lib/bundle.c: the config.json an engine container
 * gets. Every output is read back with spec_parse(), so the tests check
 * what the runtime will see, not the text. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "spec.h"
#include "unit.h"
#include "util.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static char last_err[1024];

/* The config.json for o, parsed back; NULL (and last_err) on failure. */
static struct spec *build(const struct bundle_opts *o)
{
	struct ar_err err = { 0 };
	_cleanup_free_ char *text = NULL;
	struct spec *s = NULL;

	last_err[0] = '\0';
	if (bundle_config_json(o, &text, &err) < 0 ||
	    spec_parse(text, strlen(text), "config.json", &s, &err) < 0) {
		snprintf(last_err, sizeof last_err, "%s", err.msg);
		ar_err_clear(&err);
		return NULL;
	}
	return s;
}

static bool build_fails(const struct bundle_opts *o, const char *msg)
{
	struct ar_err err = { 0 };
	char *text = NULL;
	bool ok;

	if (bundle_config_json(o, &text, &err) == 0) {
		fprintf(stderr, "  accepted:\n%s\n", text);
		free(text);
		return false;
	}
	ok = text == NULL && err.msg && strcmp(err.msg, msg) == 0;
	if (!ok)
		fprintf(stderr, "  got  %s\n  want %s\n", err.msg, msg);
	ar_err_clear(&err);
	return ok;
}

static bool args_are(const struct spec *s, char *const *want)
{
	size_t i = 0;

	for (; want[i]; i++)
		if (!s->process.args[i] || strcmp(s->process.args[i], want[i]) != 0)
			break;
	if (want[i] == NULL && s->process.args[i] == NULL)
		return true;
	fprintf(stderr, "  args:");
	for (i = 0; s->process.args[i]; i++)
		fprintf(stderr, " `%s`", s->process.args[i]);
	fprintf(stderr, "\n");
	return false;
}

#define V(...) ((char *[]){ __VA_ARGS__, NULL })
#define NONE ((char *[]){ NULL })

/* docker's combination of --entrypoint / args with the image's
 * Entrypoint / Cmd (daemon merge() and the [""] reset after it). */
static void entrypoint_cmd_table(void)
{
	struct {
		char **img_ep, **img_cmd, **ep, **args, **want;
	} cases[] = {
		/* image only */
		{ V("/ep", "-x"), V("c1", "c2"), NULL, NULL, V("/ep", "-x", "c1", "c2") },
		{ NULL, V("/bin/sh"), NULL, NULL, V("/bin/sh") },
		{ V("/ep"), NULL, NULL, NULL, V("/ep") },
		/* args replace Cmd, keep Entrypoint */
		{ V("/ep"), V("c1"), NULL, V("a1", "a2"), V("/ep", "a1", "a2") },
		{ NULL, V("/bin/sh"), NULL, V("ls", "-l"), V("ls", "-l") },
		/* empty args count as none */
		{ V("/ep"), V("c1"), NULL, NONE, V("/ep", "c1") },
		/* --entrypoint drops the image Cmd */
		{ V("/ep"), V("c1"), V("/new"), NULL, V("/new") },
		{ NULL, V("c1"), V("/new"), NULL, V("/new") },
		{ V("/ep"), V("c1"), V("/new"), V("a1"), V("/new", "a1") },
		/* --entrypoint "" clears it: args alone */
		{ V("/ep"), V("c1"), V(""), V("a1", "a2"), V("a1", "a2") },
		{ V("/ep"), V("c1"), NONE, V("a1"), V("a1") },
		/* an image Entrypoint of [] is none */
		{ NONE, V("c1"), NULL, NULL, V("c1") },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct image_config img = { .entrypoint = cases[i].img_ep, .cmd = cases[i].img_cmd };
		struct bundle_opts o = { .image = &img, .entrypoint = cases[i].ep,
					 .args = cases[i].args };
		struct spec *s = build(&o);
		bool ok;
		if (s == NULL)
			fprintf(stderr, "  case %zu: %s\n", i, last_err);
		CHECK(s != NULL);
		ok = args_are(s, cases[i].want);
		spec_free(s);
		if (!ok)
			fprintf(stderr, "  case %zu\n", i);
		CHECK(ok);
	}
}

static void no_command_is_an_error(void)
{
	struct image_config img = { .entrypoint = V("/ep"), .cmd = V("c1") };
	struct image_config bare = { 0 };
	struct image_config empty_cmd = { .cmd = V("") };
	struct bundle_opts cases[] = {
		{ .image = &bare },
		{ .image = NULL },
		{ .image = &img, .entrypoint = V("") },		/* --entrypoint "" alone */
		{ .image = &img, .entrypoint = NONE },
		{ .image = &bare, .args = NONE },
		{ .image = &empty_cmd },
		{ .image = &bare, .entrypoint = V("") , .args = V("") },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		CHECK(build_fails(&cases[i], "no command specified"));
}

static void env_image_then_user_by_key(void)
{
	struct image_config img = {
		.cmd = V("sh"), .env = V("PATH=/img/bin", "A=1", "B=2", "A=dup", "EMPTY="),
	};
	struct bundle_opts o = { .image = &img, .env = V("B=3", "C=4=5", "EMPTY=x") };
	struct spec *s = build(&o);
	char **e;

	CHECK(s != NULL);
	e = s->process.env;
	CHECK(strv_len(e) == 5);
	CHECK_STR(e[0], "PATH=/img/bin");
	CHECK_STR(e[1], "A=dup");
	CHECK_STR(e[2], "B=3");
	CHECK_STR(e[3], "EMPTY=x");
	CHECK_STR(e[4], "C=4=5");
	spec_free(s);
}

static void env_defaults_path_and_term(void)
{
	struct image_config img = { .cmd = V("sh"), .env = V("A=1") };
	struct bundle_opts o = { .image = &img, .terminal = true };
	struct spec *s = build(&o);

	CHECK(s != NULL);
	CHECK(strv_len(s->process.env) == 3);
	CHECK_STR(s->process.env[0], DEFAULT_PATH);
	CHECK_STR(s->process.env[1], "A=1");
	CHECK_STR(s->process.env[2], "TERM=xterm");
	CHECK(s->process.terminal);
	spec_free(s);

	/* the user's PATH and TERM win; no terminal, no TERM */
	o.env = V("PATH=/mine", "TERM=dumb");
	s = build(&o);
	CHECK(s != NULL);
	CHECK(strv_len(s->process.env) == 3);
	CHECK_STR(s->process.env[1], "PATH=/mine");
	CHECK_STR(s->process.env[2], "TERM=dumb");
	spec_free(s);
	o.env = NULL;
	o.terminal = false;
	s = build(&o);
	CHECK(s != NULL);
	CHECK(!s->process.terminal);
	CHECK(strv_len(s->process.env) == 2);
	spec_free(s);
}

static void env_not_key_value_is_an_error(void)
{
	struct bundle_opts o = { .args = V("sh"), .env = V("A=1", "FOO") };

	CHECK(build_fails(&o, "environment variable `FOO` is not KEY=VALUE"));
	o.env = V("=x");
	CHECK(build_fails(&o, "environment variable `=x` is not KEY=VALUE"));
	/* a hand-built image config is checked too */
	struct image_config img = { .env = V("OK=1", "BAD") };
	o.env = NULL;
	o.image = &img;
	CHECK(build_fails(&o, "image environment variable `BAD` is not KEY=VALUE"));
}

static void root_path_and_readonly(void)
{
	struct bundle_opts o = { .args = V("sh"), .rootfs = "/var/lib/argon/c1/merged",
				 .readonly_root = true };
	struct spec *s = build(&o);

	CHECK(s != NULL);
	CHECK_STR(s->root_path, "/var/lib/argon/c1/merged");
	CHECK(s->root_readonly);
	spec_free(s);
	o.readonly_root = false;
	o.rootfs = NULL;
	s = build(&o);
	CHECK(s != NULL);
	CHECK_STR(s->root_path, "rootfs");
	CHECK(!s->root_readonly);
	spec_free(s);
}

static void cwd_override_image_default(void)
{
	struct image_config img = { .cmd = V("sh"), .working_dir = "/srv" };
	struct bundle_opts o = { .image = &img };
	struct spec *s = build(&o);

	CHECK(s != NULL);
	CHECK_STR(s->process.cwd, "/srv");
	spec_free(s);
	o.cwd = "/tmp/x";
	s = build(&o);
	CHECK(s != NULL);
	CHECK_STR(s->process.cwd, "/tmp/x");
	spec_free(s);
	img.working_dir = NULL;
	o.cwd = NULL;
	s = build(&o);
	CHECK(s != NULL);
	CHECK_STR(s->process.cwd, "/");
	spec_free(s);
	o.cwd = "rel/dir";
	CHECK(build_fails(&o, "working directory `rel/dir` must be an absolute path"));
	o.cwd = NULL;
	img.working_dir = "app";
	CHECK(build_fails(&o, "working directory `app` must be an absolute path"));
}

static void user_numeric_only(void)
{
	static const struct {
		const char *user;
		uint32_t uid, gid;
	} ok[] = {
		{ NULL, 0, 0 }, { "", 0, 0 }, { "1000", 1000, 0 }, { "1000:100", 1000, 100 },
		{ "0:5", 0, 5 }, { "4294967294:4294967294", 4294967294u, 4294967294u },
	};
	static const char *const bad[] = {
		"nobody", "1000:users", "-1", "1000:", ":100", "4294967295", "0:4294967295",
		"99999999999999999999", "1 ", "0x10", "1:2:3",
	};
	struct bundle_opts o = { .args = V("sh") };
	char want[256];

	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		struct spec *s;
		o.user = ok[i].user;
		s = build(&o);
		CHECK(s != NULL);
		CHECK(s->process.user.uid == ok[i].uid && s->process.user.gid == ok[i].gid);
		spec_free(s);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		o.user = bad[i];
		snprintf(want, sizeof want, "user `%s` must be a numeric uid[:gid] (user and group "
			 "names are not supported yet)", bad[i]);
		CHECK(build_fails(&o, want));
	}
}

static void user_from_image_unless_given(void)
{
	struct image_config img = { .cmd = V("sh"), .user = "33:33" };
	struct bundle_opts o = { .image = &img };
	struct spec *s = build(&o);

	CHECK(s != NULL);
	CHECK(s->process.user.uid == 33 && s->process.user.gid == 33);
	spec_free(s);
	o.user = "0";
	s = build(&o);
	CHECK(s != NULL);
	CHECK(s->process.user.uid == 0 && s->process.user.gid == 0);
	spec_free(s);
	o.user = NULL;
	img.user = "www-data";
	CHECK(build_fails(&o, "user `www-data` must be a numeric uid[:gid] (user and group "
			      "names are not supported yet)"));
}

static void hostname_only_when_set(void)
{
	struct bundle_opts o = { .args = V("sh"), .hostname = "c0ffee" };
	struct spec *s = build(&o);

	CHECK(s != NULL);
	CHECK_STR(s->hostname, "c0ffee");
	spec_free(s);
	o.hostname = NULL;
	s = build(&o);
	CHECK(s != NULL);
	CHECK(s->hostname == NULL);
	spec_free(s);
	/* checked by the runtime's parser at build time */
	o.hostname = "a/b";
	CHECK(build_fails(&o, "config.json: hostname: `a/b` must not contain `/`"));
}

static const struct spec_mount *find(const struct spec *s, const char *dest)
{
	for (size_t i = 0; i < s->n_mounts; i++)
		if (strcmp(s->mounts[i].destination, dest) == 0)
			return &s->mounts[i];
	return NULL;
}

static void bind_mounts(void)
{
	const struct bundle_mount m[] = {
		{ "bind", "/srv/data", "/data", false, NULL },
		{ "bind", "/etc/conf", "/conf", true, NULL },
		{ "bind", "/var/vol/v1/_data", "/vol", false, "rshared" },
	};
	struct bundle_opts o = { .args = V("sh"), .mounts = m, .n_mounts = 3 };
	struct spec *s = build(&o);
	const struct spec_mount *d, *c, *v;

	CHECK(s != NULL);
	CHECK(s->n_mounts == 10);
	d = find(s, "/data");
	c = find(s, "/conf");
	v = find(s, "/vol");
	CHECK(d && c && v);
	CHECK_STR(d->type, "bind");
	CHECK_STR(d->source, "/srv/data");
	CHECK(d->bind && d->recursive && !(d->flags & MS_RDONLY));
	CHECK(d->clear_flags & MS_RDONLY);
	CHECK(d->propagation == (MS_PRIVATE | MS_REC)); /* rprivate by default */
	CHECK(strv_len(d->options) == 3);
	CHECK_STR(d->options[0], "rbind");
	CHECK_STR(d->options[1], "rw");
	CHECK_STR(d->options[2], "rprivate");
	CHECK(c->flags & MS_RDONLY);
	CHECK_STR(c->options[1], "ro");
	CHECK(v->propagation == (MS_SHARED | MS_REC));
	CHECK(strv_len(v->options) == 3);
	CHECK_STR(v->options[2], "rshared");
	CHECK(d->data == NULL && c->data == NULL && v->data == NULL);
	spec_free(s);
}

static void tmpfs_mounts(void)
{
	const struct bundle_mount m[] = {
		{ "tmpfs", "tmpfs", "/run", false, "size=65536k,mode=1777" },
		{ "tmpfs", NULL, "/ro", true, NULL },
		{ "tmpfs", "tmpfs", "/x", false, "exec,dev" },
	};
	struct bundle_opts o = { .args = V("sh"), .mounts = m, .n_mounts = 3 };
	struct spec *s = build(&o);
	const struct spec_mount *run, *ro, *x;

	CHECK(s != NULL);
	run = find(s, "/run");
	ro = find(s, "/ro");
	x = find(s, "/x");
	CHECK(run && ro && x);
	CHECK_STR(run->type, "tmpfs");
	CHECK_STR(run->source, "tmpfs");
	CHECK(!run->bind);
	CHECK(run->flags == (MS_NOSUID | MS_NODEV));
	CHECK_STR(run->data, "size=65536k,mode=1777");
	CHECK_STR(ro->source, "tmpfs");
	CHECK(ro->flags == (MS_NOSUID | MS_NODEV | MS_RDONLY));
	CHECK(ro->data == NULL);
	CHECK(x->flags == MS_NOSUID); /* dev after nodev wins */
	CHECK(x->clear_flags & MS_NOEXEC);
	spec_free(s);
}

/* -v over /dev/shm replaces the default one in place (after /dev). */
static void user_mount_replaces_default(void)
{
	const struct bundle_mount m[] = {
		{ "tmpfs", "tmpfs", "/dev/shm", false, "size=1048576k" },
	};
	struct bundle_opts o = { .args = V("sh"), .mounts = m, .n_mounts = 1 };
	struct spec *s = build(&o);

	CHECK(s != NULL);
	CHECK(s->n_mounts == 7);
	CHECK_STR(s->mounts[3].destination, "/dev/shm");
	CHECK_STR(s->mounts[3].data, "size=1048576k");
	CHECK(s->mounts[3].flags == (MS_NOSUID | MS_NODEV));
	CHECK_STR(s->mounts[1].destination, "/dev");
	spec_free(s);
}

/* Parents before children, otherwise in the order given. */
static void mounts_sorted_by_depth(void)
{
	const struct bundle_mount m[] = {
		{ "bind", "/h/a", "/data/a/deep", false, NULL },
		{ "bind", "/h/b", "/data/b", false, NULL },
		{ "bind", "/h/c", "/data", false, NULL },
		{ "tmpfs", "tmpfs", "/z", false, NULL },
		{ "bind", "/h/d", "/data/a", false, NULL },
	};
	static const char *const want[] = { "/data", "/z", "/data/b", "/data/a", "/data/a/deep" };
	struct bundle_opts o = { .args = V("sh"), .mounts = m, .n_mounts = 5 };
	struct spec *s = build(&o);

	CHECK(s != NULL);
	CHECK(s->n_mounts == 12);
	for (size_t i = 0; i < 5; i++)
		CHECK_STR(s->mounts[7 + i].destination, want[i]);
	spec_free(s);
}

static void mount_errors(void)
{
	const struct bundle_mount dup[] = {
		{ "bind", "/h", "/data", false, NULL }, { "tmpfs", "tmpfs", "/data", false, NULL },
	};
	const struct bundle_mount bad_type[] = { { "volume", "v", "/data", false, NULL } };
	const struct bundle_mount rel_target[] = { { "tmpfs", "tmpfs", "data", false, NULL } };
	const struct bundle_mount rel_source[] = { { "bind", "h", "/data", false, NULL } };
	const struct bundle_mount no_source[] = { { "bind", NULL, "/data", false, NULL } };
	struct bundle_opts o = { .args = V("sh"), .n_mounts = 1 };

	o.mounts = dup;
	o.n_mounts = 2;
	CHECK(build_fails(&o, "duplicate mount point `/data`"));
	o.n_mounts = 1;
	o.mounts = bad_type;
	CHECK(build_fails(&o, "mount `/data`: unsupported type `volume`"));
	o.mounts = rel_target;
	CHECK(build_fails(&o, "mount target `data` must be an absolute path"));
	o.mounts = rel_source;
	CHECK(build_fails(&o, "mount `/data`: bind source `h` must be an absolute path"));
	o.mounts = no_source;
	CHECK(build_fails(&o, "mount `/data`: bind source `` must be an absolute path"));
}

/* The defaults the engine does not touch stay as `argon-runtime spec`. */
static void defaults_kept(void)
{
	struct bundle_opts o = { .args = V("/bin/true") };
	struct spec *s = build(&o);
	_cleanup_free_ char *a = NULL, *b = NULL;
	struct ar_err err = { 0 };

	CHECK(s != NULL);
	CHECK(s->linux.ns[NS_PID].enabled && s->linux.ns[NS_MOUNT].enabled);
	CHECK(s->linux.ns[NS_NET].enabled && !s->linux.ns[NS_USER].enabled);
	CHECK(s->process.no_new_privileges && s->process.caps.present);
	CHECK(strv_len(s->linux.masked_paths) == 11);
	CHECK(s->n_mounts == 7);
	spec_free(s);
	/* and the text is the same every time */
	CHECK(bundle_config_json(&o, &a, &err) == 0 && bundle_config_json(&o, &b, &err) == 0);
	CHECK_STR(a, b);
}

struct tmp_dir {
	char path[64];
	int fd;
};

static void tmp_dir_remove(struct tmp_dir *d)
{
	struct ar_err err = { 0 };

	if (d->fd >= 0)
		close(d->fd);
	if (d->path[0])
		rm_rf_at(AT_FDCWD, d->path, &err);
	ar_err_clear(&err);
}
#define _cleanup_dir_ __attribute__((cleanup(tmp_dir_remove)))

static void write_is_atomic_and_private(void)
{
	_cleanup_dir_ struct tmp_dir d = { .path = "/tmp/argon-test-bundle-XXXXXX", .fd = -1 };
	struct bundle_opts o = { .args = V("sh"), .env = V("SECRET=hunter2") };
	_cleanup_free_ char *want = NULL, *got = NULL;
	struct ar_err err = { 0 };
	struct spec *s = NULL;
	struct stat st;
	size_t len;
	int fd;

	CHECK(mkdtemp(d.path) != NULL);
	d.fd = open(d.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(d.fd >= 0);
	/* a stale temp file from a crash, world-readable */
	fd = openat(d.fd, "config.json.tmp", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	CHECK(fd >= 0);
	close(fd);
	CHECK(bundle_write(d.fd, &o, &err) == 0);
	CHECK(fstatat(d.fd, "config.json", &st, 0) == 0);
	CHECK((st.st_mode & 07777) == 0600);
	CHECK(fstatat(d.fd, "config.json.tmp", &st, 0) < 0 && errno == ENOENT);
	CHECK(bundle_config_json(&o, &want, &err) == 0);
	CHECK(read_file_at(d.fd, "config.json", &got, &len, &err) == 0);
	CHECK_STR(got, want);
	CHECK(spec_load_bundle(d.path, &s, NULL, NULL, &err) == 0);
	CHECK_STR(s->process.env[1], "SECRET=hunter2");
	spec_free(s);
	/* a failed build writes nothing */
	o.args = NULL;
	CHECK(unlinkat(d.fd, "config.json", 0) == 0);
	CHECK(bundle_write(d.fd, &o, &err) < 0);
	CHECK_STR(err.msg, "no command specified");
	ar_err_clear(&err);
	CHECK(fstatat(d.fd, "config.json", &st, 0) < 0 && errno == ENOENT);
}

static void write_to_bad_dir_fails(void)
{
	struct bundle_opts o = { .args = V("sh") };
	struct ar_err err = { 0 };

	CHECK(bundle_write(-1, &o, &err) < 0);
	CHECK(err.errnum == EBADF);
	ar_err_clear(&err);
}

UNIT_MAIN(UNIT(entrypoint_cmd_table), UNIT(no_command_is_an_error),
	  UNIT(env_image_then_user_by_key), UNIT(env_defaults_path_and_term),
	  UNIT(env_not_key_value_is_an_error), UNIT(root_path_and_readonly),
	  UNIT(cwd_override_image_default), UNIT(user_numeric_only),
	  UNIT(user_from_image_unless_given), UNIT(hostname_only_when_set), UNIT(bind_mounts),
	  UNIT(tmpfs_mounts), UNIT(user_mount_replaces_default), UNIT(mounts_sorted_by_depth),
	  UNIT(mount_errors), UNIT(defaults_kept), UNIT(write_is_atomic_and_private),
	  UNIT(write_to_bad_dir_fails))
