/* Unit tests for src/lib/bundle.c: the config.json an engine container
 * gets. Every output is read back with spec_parse(), so the tests check
 * what the runtime will see, not the text. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

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
	/* docker's: no no_new_privs unless asked, its 14 capabilities */
	CHECK(!s->process.no_new_privileges && s->process.caps.present);
	CHECK(s->process.caps.bounding == hostcfg_default_caps());
	CHECK(s->process.caps.effective == hostcfg_default_caps());
	CHECK(s->process.caps.permitted == hostcfg_default_caps());
	CHECK(s->process.caps.inheritable == 0 && s->process.caps.ambient == 0);
	CHECK(s->linux.n_devices == 0 && strv_len(s->linux.readonly_paths) == 5);
	CHECK(s->process.n_rlimits == 1 && s->process.rlimits[0].resource == RLIMIT_NOFILE);
	CHECK(!s->linux.resources.cpu.quota.set && !s->linux.resources.memory.swap.set);
	CHECK(strv_len(s->linux.masked_paths) == 11);
	CHECK(s->n_mounts == 7);
	spec_free(s);
	/* and the text is the same every time */
	CHECK(bundle_config_json(&o, &a, &err) == 0 && bundle_config_json(&o, &b, &err) == 0);
	CHECK_STR(a, b);
}

#define BIT(c) (UINT64_C(1) << (c))

static void caps_added_and_dropped(void)
{
	struct bundle_opts o = { .args = V("sh"), .cap_add = V("sys_admin", "CAP_NET_ADMIN"),
				 .cap_drop = V("chown") };
	uint64_t want = (hostcfg_default_caps() & ~BIT(CAP_CHOWN)) | BIT(CAP_SYS_ADMIN) |
			BIT(CAP_NET_ADMIN);
	struct spec *s = build(&o);

	CHECK(s != NULL);
	CHECK(s->process.caps.bounding == want && s->process.caps.effective == want &&
	      s->process.caps.permitted == want);
	spec_free(s);
	o.cap_add = NULL;
	o.cap_drop = V("ALL");
	s = build(&o);
	CHECK(s != NULL);
	CHECK(s->process.caps.bounding == 0 && s->process.caps.present);
	spec_free(s);
	o.cap_drop = V("CAP_BOGUS");
	CHECK(build_fails(&o, "unknown capability: `CAP_BOGUS`"));
}

static bool mount_has_ro(const struct spec *s, const char *dest)
{
	for (size_t i = 0; i < s->n_mounts; i++)
		if (strcmp(s->mounts[i].destination, dest) == 0)
			return (s->mounts[i].flags & MS_RDONLY) != 0;
	return false;
}

static void privileged_is_docker_privileged(void)
{
	const struct hostcfg_device user[] = {
		{ "/dev/null", "/dev/null", "r", 'c', 1, 3, 0600, 0, 0 },
	};
	struct bundle_opts o = { .args = V("sh"), .privileged = true, .cap_drop = V("chown"),
				 .devices = user, .n_devices = 1 };
	struct spec *s = build(&o);
	const struct resources *r;
	uint64_t all = 0;
	bool zero = false;
	size_t nulls = 0;

	CHECK(s != NULL);
	CHECK(hostcfg_caps(NULL, NULL, true, &all, NULL) == 0);
	CHECK(s->process.caps.bounding == all && (all & BIT(CAP_SYS_ADMIN)) &&
	      (all & BIT(CAP_CHOWN)));
	CHECK(s->linux.masked_paths == NULL && s->linux.readonly_paths == NULL);
	CHECK(!mount_has_ro(s, "/sys") && !mount_has_ro(s, "/sys/fs/cgroup"));
	r = &s->linux.resources;
	CHECK(r->n_devices == 1 && r->devices[0].allow && r->devices[0].type == 'a');
	CHECK_STR(r->devices[0].access, "rwm");
	for (size_t i = 0; i < s->linux.n_devices; i++) {
		const struct spec_device *d = &s->linux.devices[i];
		nulls += strcmp(d->path, "/dev/null") == 0;
		zero |= strcmp(d->path, "/dev/zero") == 0 && d->type == 'c' && d->minor == 5;
		if (strcmp(d->path, "/dev/null") == 0)
			CHECK(d->mode == 0600);	/* the user's entry, not the host's */
	}
	CHECK(zero && nulls == 1);
	spec_free(s);
}

static void ulimits_over_default_rlimits(void)
{
	const struct hostcfg_ulimit u[] = {
		{ "nofile", RLIMIT_NOFILE, 100, 200 }, { "core", RLIMIT_CORE, -1, -1 },
		{ "nproc", RLIMIT_NPROC, 10, 20 }, { "nproc", RLIMIT_NPROC, 30, 40 },
	};
	struct bundle_opts o = { .args = V("sh"), .ulimits = u, .n_ulimits = 4 };
	struct spec *s = build(&o);
	const struct spec_rlimit *rl;

	CHECK(s != NULL);
	CHECK(s->process.n_rlimits == 3);
	rl = s->process.rlimits;
	CHECK(rl[0].resource == RLIMIT_NOFILE && rl[0].soft == 100 && rl[0].hard == 200);
	CHECK(rl[1].resource == RLIMIT_CORE && rl[1].soft == UINT64_MAX &&
	      rl[1].hard == UINT64_MAX);
	CHECK(rl[2].resource == RLIMIT_NPROC && rl[2].soft == 30 && rl[2].hard == 40);
	spec_free(s);
}

static void cpu_io_swap_limits(void)
{
	struct bundle_opts o = { .args = V("sh"), .nano_cpus = 1500000000, .cpu_shares = 512,
				 .cpuset_cpus = "0", .blkio_weight = 300, .memory = 64 << 20,
				 .memory_swap = 128 << 20 };
	struct spec *s = build(&o);
	const struct resources *r;

	CHECK(s != NULL);
	r = &s->linux.resources;
	CHECK(r->cpu.quota.set && r->cpu.quota.v == 150000);
	CHECK(r->cpu.period.set && r->cpu.period.v == 100000);
	CHECK(r->cpu.shares.set && r->cpu.shares.v == 512);
	CHECK_STR(r->cpu.cpus, "0");
	CHECK(r->blkio.weight.set && r->blkio.weight.v == 300);
	CHECK(r->memory.limit.v == 64 << 20 && r->memory.swap.set && r->memory.swap.v == 128 << 20);
	spec_free(s);
	o = (struct bundle_opts){ .args = V("sh"), .memory = 64 << 20, .memory_swap = -1,
				  .nano_cpus = 10000000, .cpuset_cpus = "" };
	s = build(&o);
	CHECK(s != NULL);
	r = &s->linux.resources;
	CHECK(r->memory.swap.set && r->memory.swap.v == -1);
	CHECK(r->cpu.quota.v == 1000 && r->cpu.cpus == NULL && !r->cpu.shares.set);
	spec_free(s);
	/* the runtime's own rule: swap is memory+swap */
	o = (struct bundle_opts){ .args = V("sh"), .memory = 64 << 20, .memory_swap = 32 << 20 };
	s = build(&o);
	CHECK(s == NULL);
	CHECK_CONTAINS(last_err, "must be >= memory.limit");
}

static void devices_mapped_and_allowed(void)
{
	const struct hostcfg_device d[] = {
		{ "/dev/null", "/dev/mynull", "rw", 'c', 1, 3, 0666, 0, 0 },
		{ "/dev/loop0", "/dev/loop0", "rwm", 'b', 7, 0, 0660, 0, 6 },
	};
	struct bundle_opts o = { .args = V("sh"), .devices = d, .n_devices = 2 };
	struct spec *s = build(&o);
	const struct res_device_rule *rules;
	size_t n;

	CHECK(s != NULL);
	CHECK(s->linux.n_devices == 2);
	CHECK_STR(s->linux.devices[0].path, "/dev/mynull");
	CHECK(s->linux.devices[0].type == 'c' && s->linux.devices[0].major == 1 &&
	      s->linux.devices[0].minor == 3 && s->linux.devices[0].mode == 0666);
	CHECK(s->linux.devices[1].type == 'b' && s->linux.devices[1].gid == 6);
	rules = s->linux.resources.devices;
	n = s->linux.resources.n_devices;
	CHECK(n == 3);
	CHECK(!rules[0].allow && rules[0].type == 'a');	/* the default deny first */
	CHECK(rules[1].allow && rules[1].type == 'c' && rules[1].major == 1 && rules[1].minor == 3);
	CHECK_STR(rules[1].access, "rw");
	CHECK(rules[2].allow && rules[2].type == 'b' && rules[2].major == 7);
	spec_free(s);
}

static void network_host_and_nnp(void)
{
	struct hostcfg_security sec = { .no_new_privileges = true };
	struct bundle_opts o = { .args = V("sh"), .host_network = true, .security = &sec };
	struct spec *s = build(&o);

	CHECK(s != NULL);
	CHECK(!s->linux.ns[NS_NET].enabled);
	CHECK(s->linux.ns[NS_PID].enabled && s->linux.ns[NS_UTS].enabled &&
	      s->linux.ns[NS_IPC].enabled);
	CHECK(s->process.no_new_privileges);
	spec_free(s);
}

static void init_runs_the_command(void)
{
	struct image_config img = { .entrypoint = V("/ep"), .cmd = V("c1") };
	const struct bundle_mount m[] = { { "tmpfs", "tmpfs", "/sbin", false, NULL } };
	struct bundle_opts o = { .image = &img, .init_path = "/usr/lib/argon/argon-init",
				 .mounts = m, .n_mounts = 1 };
	struct spec *s = build(&o);
	const struct spec_mount *im;

	CHECK(s != NULL);
	CHECK(args_are(s, V(BUNDLE_INIT_PATH, "--", "/ep", "c1")));
	CHECK(s->n_mounts == 9);
	CHECK_STR(s->mounts[7].destination, "/sbin");	/* parents first */
	im = &s->mounts[8];
	CHECK_STR(im->destination, "/sbin/argon-init");
	CHECK_STR(im->source, "/usr/lib/argon/argon-init");
	CHECK(im->bind && (im->flags & MS_RDONLY));
	spec_free(s);
	o.mounts = (const struct bundle_mount[]){ { "bind", "/x", BUNDLE_INIT_PATH, false, NULL } };
	CHECK(build_fails(&o, "duplicate mount point `/sbin/argon-init`"));
	o.image = NULL;
	o.n_mounts = 0;
	CHECK(build_fails(&o, "no command specified"));
}

static json_object *key(json_object *o, const char *k)
{
	json_object *v = NULL;

	json_object_object_get_ex(o, k, &v);
	return v;
}

static void hostconfig_for_inspect(void)
{
	const struct hostcfg_ulimit u[] = { { "nofile", RLIMIT_NOFILE, 100, 200 } };
	const struct hostcfg_device d[] = { { "/dev/null", "/dev/mynull", "rw", 'c', 1, 3, 0, 0, 0 } };
	struct bundle_opts o = { .nano_cpus = 500000000, .cpu_shares = 512, .cpuset_cpus = "0",
				 .blkio_weight = 300, .memory_swap = -1, .ulimits = u, .n_ulimits = 1,
				 .devices = d, .n_devices = 1, .cap_add = V("sys_admin"),
				 .host_network = true, .init_path = "/x/argon-init",
				 .security = &(struct hostcfg_security){ .no_new_privileges = true,
									 .opts = V("no-new-privileges") },
				 .sysctls = V("net.ipv4.ip_forward=1", "kernel.shmmni=8"),
				 .group_add = (const uint32_t[]){ 5, 1000 }, .n_group_add = 2 };
	json_object *j = json_object_new_object(), *e = json_object_new_object();

	bundle_hostconfig_json(&o, j);
	CHECK_STR(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
						    JSON_C_TO_STRING_NOSLASHESCAPE),
		  "{\"NanoCpus\":500000000,\"CpuShares\":512,\"CpusetCpus\":\"0\",\"BlkioWeight\":300,"
		  "\"MemorySwap\":-1,\"Ulimits\":[{\"Name\":\"nofile\",\"Hard\":200,\"Soft\":100}],"
		  "\"Devices\":[{\"PathOnHost\":\"/dev/null\",\"PathInContainer\":\"/dev/mynull\","
		  "\"CgroupPermissions\":\"rw\"}],\"CapAdd\":[\"CAP_SYS_ADMIN\"],\"CapDrop\":null,"
		  "\"Privileged\":false,\"SecurityOpt\":[\"no-new-privileges\"],"
		  "\"Sysctls\":{\"net.ipv4.ip_forward\":\"1\",\"kernel.shmmni\":\"8\"},"
		  "\"GroupAdd\":[\"5\",\"1000\"],\"NetworkMode\":\"host\",\"Init\":true}");
	json_object_put(j);
	bundle_hostconfig_json(&(struct bundle_opts){ 0 }, e);
	CHECK_STR(json_object_get_string(key(e, "NetworkMode")), "none");
	CHECK(!json_object_get_boolean(key(e, "Init")) && key(e, "CapAdd") == NULL);
	CHECK(json_object_array_length(key(e, "Ulimits")) == 0);
	json_object_put(e);
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
	CHECK(bundle_write(d.fd, &o, true, &err) == 0);
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
	CHECK(bundle_write(d.fd, &o, false, &err) < 0);
	CHECK_STR(err.msg, "no command specified");
	ar_err_clear(&err);
	CHECK(fstatat(d.fd, "config.json", &st, 0) < 0 && errno == ENOENT);
}

static void write_to_bad_dir_fails(void)
{
	struct bundle_opts o = { .args = V("sh") };
	struct ar_err err = { 0 };

	CHECK(bundle_write(-1, &o, true, &err) < 0);
	CHECK(err.errnum == EBADF);
	ar_err_clear(&err);
}

UNIT_MAIN(UNIT(entrypoint_cmd_table), UNIT(no_command_is_an_error),
	  UNIT(env_image_then_user_by_key), UNIT(env_defaults_path_and_term),
	  UNIT(env_not_key_value_is_an_error), UNIT(root_path_and_readonly),
	  UNIT(cwd_override_image_default), UNIT(user_numeric_only),
	  UNIT(user_from_image_unless_given), UNIT(hostname_only_when_set), UNIT(bind_mounts),
	  UNIT(tmpfs_mounts), UNIT(user_mount_replaces_default), UNIT(mounts_sorted_by_depth),
	  UNIT(mount_errors), UNIT(defaults_kept), UNIT(caps_added_and_dropped),
	  UNIT(privileged_is_docker_privileged), UNIT(ulimits_over_default_rlimits),
	  UNIT(cpu_io_swap_limits), UNIT(devices_mapped_and_allowed), UNIT(network_host_and_nnp),
	  UNIT(init_runs_the_command), UNIT(hostconfig_for_inspect),
	  UNIT(write_is_atomic_and_private), UNIT(write_to_bad_dir_fails))
