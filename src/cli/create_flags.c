/* argon — parsing docker's create/run flags into engine options. */
#define _GNU_SOURCE
#include <getopt.h>
#include <signal.h>
#include <string.h>

#include "cli.h"
#include "create_flags.h"
#include "proc.h"
#include "util.h"

void create_args_free(struct create_args *a)
{
	for (size_t i = 0; i < a->e.storage.n_mounts; i++)
		mount_req_free(&a->mounts[i]);
	free(a->mounts);
	strv_free(a->env);
	strv_free(a->entrypoint);
	strv_free(a->labels);
}

static int add_mount(struct create_args *a, int kind, const char *val, struct ar_err *err)
{
	struct mount_req m = { 0 };
	int r = kind == 'v' ? mountspec_parse_volume(val, &m, err) :
		kind == 'M' ? mountspec_parse_mount(val, &m, err) : mountspec_parse_tmpfs(val, &m, err);

	if (r < 0)
		return CLI_USAGE;
	a->mounts = xrealloc(a->mounts, (a->e.storage.n_mounts + 1) * sizeof *a->mounts);
	a->mounts[a->e.storage.n_mounts++] = m;
	return 0;
}

/* -e K=V, or -e K taking K from our environment (docker's rule). */
static void add_env(struct create_args *a, const char *val)
{
	const char *v;

	if (strchr(val, '='))
		strv_push(&a->env, xstrdup(val));
	else if ((v = getenv(val)) != NULL)
		strv_push(&a->env, xasprintf("%s=%s", val, v));
}

enum { O_NAME = 256, O_SIZE, O_MOUNT, O_TMPFS, O_RO, O_ENTRY, O_RM, O_PIDS, O_STOPSIG,
       O_STOPTIME, O_LABEL, O_ISOLATION };

static const struct option create_opts[] = {
	{ "name", required_argument, NULL, O_NAME }, { "storage-size", required_argument, NULL, O_SIZE },
	{ "volume", required_argument, NULL, 'v' }, { "mount", required_argument, NULL, O_MOUNT },
	{ "tmpfs", required_argument, NULL, O_TMPFS }, { "read-only", no_argument, NULL, O_RO },
	{ "env", required_argument, NULL, 'e' }, { "workdir", required_argument, NULL, 'w' },
	{ "user", required_argument, NULL, 'u' }, { "entrypoint", required_argument, NULL, O_ENTRY },
	{ "hostname", required_argument, NULL, 'h' }, { "tty", no_argument, NULL, 't' },
	{ "interactive", no_argument, NULL, 'i' }, { "detach", no_argument, NULL, 'd' },
	{ "rm", no_argument, NULL, O_RM }, { "memory", required_argument, NULL, 'm' },
	{ "pids-limit", required_argument, NULL, O_PIDS },
	{ "stop-signal", required_argument, NULL, O_STOPSIG },
	{ "stop-timeout", required_argument, NULL, O_STOPTIME },
	{ "label", required_argument, NULL, O_LABEL }, { "isolation", required_argument, NULL, O_ISOLATION },
	{ 0 },
};

/* The flags only the engine has (create, run), and run's own. */
static int engine_flag(int c, const char *arg, enum create_mode mode, struct create_args *a,
		       struct ar_err *err)
{
	uint64_t v;
	int64_t i;

	switch (c) {
	case 'd':
		if (mode != CREATE_RUN)
			return -1;
		a->detach = true;
		return 0;
	case 'i':
	case 't':
		return cli_usage(err, "-%c: interactive and terminal sessions are not supported "
				 "yet (use -d and `argon logs`)", c);
	case O_RM: a->e.auto_remove = true; return 0;
	case 'm':
		if (parse_size(arg, &v, err) < 0 || v > INT64_MAX)
			return CLI_USAGE;
		a->e.storage.bundle.memory = (int64_t)v;
		return 0;
	case O_PIDS:
		if (parse_i64(arg, &i) < 0 || i < -1)
			return cli_usage(err, "invalid --pids-limit `%s`", arg);
		a->e.storage.bundle.pids_limit = i;
		return 0;
	case O_STOPSIG:
		if ((a->e.stop_signal = signal_parse(arg)) <= 0)
			return cli_usage(err, "invalid --stop-signal `%s`", arg);
		return 0;
	case O_STOPTIME:
		if (parse_i64(arg, &i) < 0 || i < 0 || i > 86400)
			return cli_usage(err, "invalid --stop-timeout `%s`", arg);
		a->e.stop_timeout = (int)i;
		return 0;
	case O_LABEL: strv_push(&a->labels, xstrdup(arg)); return 0;
	case O_ISOLATION:
		if (strcmp(arg, "process") != 0 && strcmp(arg, "default") != 0)
			return cli_usage(err, "--isolation `%s`: only `process` is supported", arg);
		return 0;
	}
	return -1;
}

static int common_flag(int c, const char *arg, struct create_args *a, struct ar_err *err)
{
	struct storage_create_opts *o = &a->e.storage;

	switch (c) {
	case O_NAME: o->name = arg; return 0;
	case O_SIZE: return parse_size(arg, &o->storage_size, err) < 0 ? CLI_USAGE : 0;
	case 'v': case O_MOUNT: case O_TMPFS:
		return add_mount(a, c == 'v' ? 'v' : c == O_MOUNT ? 'M' : 'T', arg, err);
	case O_RO: o->bundle.readonly_root = true; return 0;
	case 'e': add_env(a, arg); return 0;
	case 'w': o->bundle.cwd = arg; return 0;
	case 'u': o->bundle.user = arg; return 0;
	case O_ENTRY: strv_push(&a->entrypoint, xstrdup(arg)); return 0;
	case 'h': o->bundle.hostname = arg; return 0;
	}
	return -1;
}

int cli_parse_create(int argc, char **argv, enum create_mode mode, struct create_args *a,
		     struct ar_err *err)
{
	const char *usage = mode == CREATE_SANDBOX ? "argon sandbox create [OPTIONS] IMAGE [CMD...]" :
			    mode == CREATE_RUN ? "argon run [OPTIONS] IMAGE [CMD...]" :
						 "argon create [OPTIONS] IMAGE [CMD...]";
	int c, r;

	memset(a, 0, sizeof *a);
	a->e.stop_timeout = -1;
	while ((c = getopt_long(argc, argv, "+v:e:w:u:h:tidm:", create_opts, NULL)) != -1) {
		r = common_flag(c, optarg, a, err);
		if (r == -1 && c == 't' && mode == CREATE_SANDBOX) {
			a->e.storage.bundle.terminal = true;
			r = 0;
		} else if (r == -1 && mode != CREATE_SANDBOX) {
			r = engine_flag(c, optarg, mode, a, err);
		}
		if (r == CLI_USAGE)
			return CLI_USAGE;
		if (r < 0)
			return cli_usage(err, "usage: %s", usage);
	}
	if (optind >= argc)
		return cli_usage(err, "usage: %s", usage);
	a->e.image_ref = a->e.storage.image = argv[optind];
	a->e.storage.mounts = a->mounts;
	a->e.storage.bundle.env = a->env;
	a->e.storage.bundle.entrypoint = a->entrypoint;
	a->e.storage.bundle.args = optind + 1 < argc ? argv + optind + 1 : NULL;
	a->e.labels = a->labels;
	return 0;
}
