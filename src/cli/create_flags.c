/* argon — parsing docker's create/run flags into engine options.
 *
 * Values are checked here, with docker's rules (hostcfg.h), so a bad one
 * fails with 125 before anything is created. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "create_flags.h"
#include "portspec.h"
#include "proc.h"
#include "util.h"

void create_args_free(struct create_args *a)
{
	for (size_t i = 0; i < a->e.storage.n_mounts; i++)
		mount_req_free(&a->mounts[i]);
	free(a->mounts);
	for (size_t i = 0; i < a->e.storage.bundle.n_devices; i++)
		hostcfg_device_free(&a->devices[i]);
	free(a->devices);
	free(a->ulimits);
	free(a->init_path);
	strv_free(a->env);
	strv_free(a->env_all);
	strv_free(a->entrypoint);
	strv_free(a->labels);
	strv_free(a->cap_add);
	strv_free(a->cap_drop);
	hostcfg_security_free(&a->security);
	strv_free(a->sysctls);
	free(a->groups);
	strv_free(a->ports);
	strv_free(a->expose);
	strv_free(a->dns);
	strv_free(a->dns_search);
	strv_free(a->dns_options);
	strv_free(a->extra_hosts);
	strv_free(a->aliases);
	strv_free(a->warnings);
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

/* A value the parser refused: docker's "invalid argument" line, naming
 * the flag, the value and why. */
static int bad_value(struct ar_err *err, const char *flag, const char *arg)
{
	_cleanup_free_ char *why = xstrdup(err->msg ? err->msg : "invalid value");

	return cli_usage(err, "invalid argument `%s` for %s: %s", arg, flag, why);
}

enum { O_NAME = 256, O_SIZE, O_MOUNT, O_TMPFS, O_RO, O_ENTRY, O_RM, O_PIDS, O_STOPSIG,
       O_STOPTIME, O_LABEL, O_ISOLATION, O_ENVFILE, O_CPUS, O_CPUSET, O_BLKIO, O_SWAP,
       O_ULIMIT, O_DEVICE, O_CAPADD, O_CAPDROP, O_PRIV, O_SECOPT, O_NET, O_LOGOPT, O_INIT,
       O_SYSCTL, O_GROUPADD, O_IP, O_EXPOSE, O_DNS, O_DNS_SEARCH, O_DNS_OPT, O_ADD_HOST,
       O_ALIAS };

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
	{ "env-file", required_argument, NULL, O_ENVFILE }, { "cpus", required_argument, NULL, O_CPUS },
	{ "cpu-shares", required_argument, NULL, 'c' },
	{ "cpuset-cpus", required_argument, NULL, O_CPUSET },
	{ "blkio-weight", required_argument, NULL, O_BLKIO },
	{ "memory-swap", required_argument, NULL, O_SWAP },
	{ "ulimit", required_argument, NULL, O_ULIMIT }, { "device", required_argument, NULL, O_DEVICE },
	{ "cap-add", required_argument, NULL, O_CAPADD }, { "cap-drop", required_argument, NULL, O_CAPDROP },
	{ "privileged", no_argument, NULL, O_PRIV },
	{ "security-opt", required_argument, NULL, O_SECOPT },
	{ "sysctl", required_argument, NULL, O_SYSCTL }, { "group-add", required_argument, NULL, O_GROUPADD },
	{ "network", required_argument, NULL, O_NET }, { "net", required_argument, NULL, O_NET },
	{ "publish", required_argument, NULL, 'p' }, { "publish-all", no_argument, NULL, 'P' },
	{ "ip", required_argument, NULL, O_IP }, { "expose", required_argument, NULL, O_EXPOSE },
	{ "dns", required_argument, NULL, O_DNS }, { "dns-search", required_argument, NULL, O_DNS_SEARCH },
	{ "dns-option", required_argument, NULL, O_DNS_OPT }, { "dns-opt", required_argument, NULL, O_DNS_OPT },
	{ "add-host", required_argument, NULL, O_ADD_HOST },
	{ "network-alias", required_argument, NULL, O_ALIAS }, { "net-alias", required_argument, NULL, O_ALIAS },
	{ "log-opt", required_argument, NULL, O_LOGOPT }, { "init", no_argument, NULL, O_INIT },
	{ 0 },
};

/* --ulimit: a later one of the same name replaces the earlier (docker
 * keeps them by name). */
static int add_ulimit(struct create_args *a, const char *arg, struct ar_err *err)
{
	struct bundle_opts *b = &a->e.storage.bundle;
	struct hostcfg_ulimit u;
	size_t i = 0;

	if (hostcfg_parse_ulimit(arg, &u, err) < 0)
		return bad_value(err, "--ulimit", arg);
	while (i < b->n_ulimits && a->ulimits[i].resource != u.resource)
		i++;
	if (i == b->n_ulimits)
		a->ulimits = xrealloc(a->ulimits, ++b->n_ulimits * sizeof *a->ulimits);
	a->ulimits[i] = u;
	return 0;
}

static int add_device(struct create_args *a, const char *arg, struct ar_err *err)
{
	struct bundle_opts *b = &a->e.storage.bundle;
	struct hostcfg_device d;

	if (hostcfg_parse_device(arg, &d, err) < 0)
		return bad_value(err, "--device", arg);
	a->devices = xrealloc(a->devices, (b->n_devices + 1) * sizeof *a->devices);
	a->devices[b->n_devices++] = d;
	return 0;
}

static int add_cap(char ***list, const char *flag, const char *arg, struct ar_err *err)
{
	char *n = NULL;

	if (hostcfg_cap_normalize(arg, &n, err) < 0)
		return bad_value(err, flag, arg);
	strv_push(list, n);
	return 0;
}

static int add_group(struct create_args *a, const char *arg, struct ar_err *err)
{
	struct bundle_opts *b = &a->e.storage.bundle;
	uint32_t gid;

	if (hostcfg_parse_group(arg, &gid, err) < 0)
		return bad_value(err, "--group-add", arg);
	a->groups = xrealloc(a->groups, (b->n_group_add + 1) * sizeof *a->groups);
	a->groups[b->n_group_add++] = gid;
	return 0;
}

/* --log-opt KEY=VALUE: the json-file driver's max-size and max-file. */
static int log_opt(struct engine_opts *e, const char *arg, struct ar_err *err)
{
	const char *eq = strchr(arg, '=');
	uint64_t size;
	int64_t n;

	if (eq && strncmp(arg, "max-size=", 9) == 0) {
		if (parse_size(eq + 1, &size, err) < 0 || size > INT64_MAX)
			return bad_value(err, "--log-opt", arg);
		e->log_max_size = (int64_t)size;
	} else if (eq && strncmp(arg, "max-file=", 9) == 0) {
		if (parse_i64(eq + 1, &n) < 0 || n < 1 || n > 1000)
			return cli_usage(err, "invalid argument `%s` for --log-opt: max-file must be "
					 "a number from 1 to 1000", arg);
		e->log_max_files = (int)n;
	} else {
		return cli_usage(err, "invalid argument `%s` for --log-opt: unknown log opt for the "
				 "json-file log driver (max-size and max-file are supported)", arg);
	}
	return 0;
}

/* Resources: docker's cgroup flags. */
static int resource_flag(int c, const char *arg, struct create_args *a, struct ar_err *err)
{
	struct bundle_opts *b = &a->e.storage.bundle;
	int64_t i;

	switch (c) {
	case O_CPUS:
		return hostcfg_parse_cpus(arg, &b->nano_cpus, err) < 0 ? bad_value(err, "--cpus", arg) : 0;
	case 'c':
		if (parse_i64(arg, &i) < 0 || i < 0)
			return cli_usage(err, "invalid argument `%s` for --cpu-shares: not a number "
					 "from 0 (default) up", arg);
		b->cpu_shares = (uint64_t)i;
		return 0;
	case O_CPUSET:
		if (hostcfg_check_cpuset(arg, err) < 0)
			return bad_value(err, "--cpuset-cpus", arg);
		b->cpuset_cpus = arg;
		return 0;
	case O_BLKIO:
		if (parse_i64(arg, &i) < 0 || (i != 0 && (i < 10 || i > 1000)))
			return cli_usage(err, "invalid argument `%s` for --blkio-weight: range of "
					 "blkio weight is from 10 to 1000 (0: unset)", arg);
		b->blkio_weight = (uint64_t)i;
		return 0;
	case O_SWAP:
		return hostcfg_parse_swap(arg, &b->memory_swap, err) < 0
			       ? bad_value(err, "--memory-swap", arg) : 0;
	case O_ULIMIT: return add_ulimit(a, arg, err);
	case O_DEVICE: return add_device(a, arg, err);
	}
	return -1;
}

/* Privileges, network, logs, init. */
static int host_flag(int c, const char *arg, struct create_args *a, struct ar_err *err)
{
	struct bundle_opts *b = &a->e.storage.bundle;

	switch (c) {
	case O_CAPADD: return add_cap(&a->cap_add, "--cap-add", arg, err);
	case O_CAPDROP: return add_cap(&a->cap_drop, "--cap-drop", arg, err);
	case O_PRIV: b->privileged = true; return 0;
	case O_SECOPT:
		return hostcfg_parse_security_opt(arg, &a->security, err) < 0
			       ? bad_value(err, "--security-opt", arg) : 0;
	case O_SYSCTL:
		if (hostcfg_parse_sysctl(arg, err) < 0)
			return bad_value(err, "--sysctl", arg);
		strv_push(&a->sysctls, xstrdup(arg));
		return 0;
	case O_GROUPADD: return add_group(a, arg, err);
	case O_NET:
		a->e.net.mode = arg;
		/* --sysctl net.* and the host's name need to know it now */
		b->host_network = strcmp(arg, "host") == 0;
		return 0;
	case 'p': {
		struct port_map *maps = NULL;
		size_t n = 0;
		int r = portspec_parse(arg, &maps, &n, err);
		free(maps);
		if (r < 0)
			return CLI_USAGE;	/* the message names -p and the value */
		strv_push(&a->ports, xstrdup(arg));
		return 0;
	}
	case O_EXPOSE: {
		struct port_map *maps = NULL;
		size_t n = 0;
		int r = portspec_parse_expose(arg, &maps, &n, err);
		free(maps);
		if (r < 0)
			return bad_value(err, "--expose", arg);
		strv_push(&a->expose, xstrdup(arg));
		return 0;
	}
	case 'P': a->e.net.publish_all = true; return 0;
	case O_IP: a->e.net.ip = arg; return 0;
	case O_DNS: strv_push(&a->dns, xstrdup(arg)); return 0;
	case O_DNS_SEARCH: strv_push(&a->dns_search, xstrdup(arg)); return 0;
	case O_DNS_OPT: strv_push(&a->dns_options, xstrdup(arg)); return 0;
	case O_ADD_HOST: strv_push(&a->extra_hosts, xstrdup(arg)); return 0;
	case O_ALIAS: strv_push(&a->aliases, xstrdup(arg)); return 0;
	case O_LOGOPT: return log_opt(&a->e, arg, err);
	case O_INIT: a->init = true; return 0;	/* found once parsing is done */
	}
	return -1;
}

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
	case 'i': a->e.interactive = true; return 0;
	case 't': a->e.storage.bundle.terminal = true; return 0;
	case O_RM: a->e.auto_remove = true; return 0;
	case 'm':
		if (parse_size(arg, &v, err) < 0 || v > INT64_MAX)
			return bad_value(err, "--memory", arg);
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
	int r = resource_flag(c, arg, a, err);
	return r != -1 ? r : host_flag(c, arg, a, err);
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
	case O_ENVFILE:
		return hostcfg_env_file(arg, &a->env_all, err) < 0 ? bad_value(err, "--env-file", arg)
								    : 0;
	case 'w': o->bundle.cwd = arg; return 0;
	case 'u': o->bundle.user = arg; return 0;
	case O_ENTRY: strv_push(&a->entrypoint, xstrdup(arg)); return 0;
	case 'h': o->bundle.hostname = arg; return 0;
	}
	return -1;
}

/* argon-init is installed beside argon (build/ or the prefix's bin/). */
static int find_init(struct create_args *a, struct ar_err *err)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	char *slash;

	if (n < 0)
		return ar_error(err, errno, "--init: find our own binary (/proc/self/exe)");
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	a->init_path = xasprintf("%.*s/argon-init", slash ? (int)(slash - exe) : 1,
				 slash ? exe : ".");
	if (access(a->init_path, X_OK) < 0)
		return ar_error(err, errno, "--init: `%s` (argon-init is installed beside argon)",
				a->init_path);
	a->e.storage.bundle.init_path = a->init_path;
	return 0;
}

/* docker's checks of the memory pair, and its warnings where the host
 * cannot apply a limit: the limit is dropped, the container still made. */
static int memory_checks(struct create_args *a, struct ar_err *err)
{
	static const char *const swap_files[] = { "memory.memsw.limit_in_bytes", "memory.swap.max",
						  NULL };
	static const char *const weight_files[] = { "blkio.weight", "blkio.bfq.weight", "io.weight",
						    "io.bfq.weight", NULL };
	struct bundle_opts *b = &a->e.storage.bundle;

	if (b->memory == 0 && b->memory_swap > 0)
		return cli_usage(err, "--memory-swap `%lld`: you should always set the memory limit "
				 "when using memoryswap limit", (long long)b->memory_swap);
	if (b->memory > 0 && b->memory_swap > 0 && b->memory_swap < b->memory)
		return cli_usage(err, "--memory-swap `%lld` is below --memory `%lld`: the minimum "
				 "memoryswap limit is the memory limit (it is memory+swap)",
				 (long long)b->memory_swap, (long long)b->memory);
	if ((b->memory > 0 || b->memory_swap != 0) && !hostcfg_cgroup_has("memory", swap_files)) {
		if (b->memory_swap != 0)
			fprintf(stderr, "WARNING: Your kernel does not support swap limit capabilities "
				"or the cgroup is not mounted. Memory limited without swap.\n");
		b->memory_swap = 0;
	} else if (b->memory > 0 && b->memory_swap == 0) {
		/* docker's default: as much swap again */
		b->memory_swap = b->memory > INT64_MAX / 2 ? -1 : b->memory * 2;
	}
	if (b->blkio_weight && !hostcfg_cgroup_has("blkio", weight_files)) {
		fprintf(stderr, "WARNING: Your kernel does not support Block I/O weight or the "
			"cgroup is not mounted. Weight discarded.\n");
		b->blkio_weight = 0;
	}
	return 0;
}

/* What needs all the flags: the environment's order, the checks across
 * flags, --init's binary, --network host's hostname. */
static int finish(struct create_args *a, struct ar_err *err)
{
	struct bundle_opts *b = &a->e.storage.bundle;
	struct ar_err tmp = { 0 };

	for (size_t i = 0; a->env && a->env[i]; i++)
		strv_push(&a->env_all, xstrdup(a->env[i]));
	b->env = a->env_all;
	b->ulimits = a->ulimits;
	b->devices = a->devices;
	b->cap_add = a->cap_add;
	b->cap_drop = a->cap_drop;
	b->security = &a->security;
	b->sysctls = a->sysctls;
	b->group_add = a->groups;
	a->e.net.ports = a->ports;
	a->e.net.expose = a->expose;
	a->e.net.dns = a->dns;
	a->e.net.dns_search = a->dns_search;
	a->e.net.dns_options = a->dns_options;
	a->e.net.extra_hosts = a->extra_hosts;
	a->e.net.aliases = a->aliases;
	a->e.warnings = &a->warnings;
	if (memory_checks(a, err) < 0)
		return CLI_USAGE;
	for (size_t i = 0; b->host_network && a->sysctls && a->sysctls[i]; i++)
		if (strncmp(a->sysctls[i], "net.", 4) == 0)	/* they would change the host's */
			return cli_usage(err, "invalid argument `%s` for --sysctl: net.* sysctls are "
					 "not allowed with --network host", a->sysctls[i]);
	if (a->init && find_init(a, &tmp) < 0) {
		cli_usage(err, "%s", tmp.msg);
		ar_err_clear(&tmp);
		return CLI_USAGE;
	}
	if (b->host_network && b->hostname == NULL &&
	    gethostname(a->host_name, sizeof a->host_name - 1) == 0)
		b->hostname = a->host_name;	/* docker: the host's name */
	return 0;
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
	while ((c = getopt_long(argc, argv, "+v:e:w:u:h:tidm:c:p:P", create_opts, NULL)) != -1) {
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
	a->e.storage.bundle.entrypoint = a->entrypoint;
	a->e.storage.bundle.args = optind + 1 < argc ? argv + optind + 1 : NULL;
	a->e.labels = a->labels;
	return finish(a, err);
}
