/* argon — entry point: global flags, the command table, the one place
 * that prints an error. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <errno.h>
#include <unistd.h>

#include "cli.h"
#include "trace.h"
#include "util.h"

static const struct {
	const char *name;
	cli_cmd_fn fn;
	const char *help;
} commands[] = {
	{ "run", cmd_run, "create and start a container (-d: detached)" },
	{ "create", cmd_create, "create a container" },
	{ "start", cmd_start, "start containers" },
	{ "exec", cmd_exec, "run a command in a running container" },
	{ "stop", cmd_stop, "stop containers (stop signal, then SIGKILL)" },
	{ "kill", cmd_kill, "send a signal to containers" },
	{ "rm", cmd_rm, "remove containers" },
	{ "ps", cmd_ps, "list containers" },
	{ "inspect", cmd_inspect, "show containers as JSON" },
	{ "logs", cmd_logs, "show a container's output" },
	{ "events", cmd_events, "show the engine's events (--since, --until, --filter)" },
	{ "wait", cmd_wait, "wait for containers to exit, print their exit codes" },
	{ "restart", cmd_restart, "stop and start containers again" },
	{ "pause", cmd_pause, "freeze every process of containers" },
	{ "unpause", cmd_unpause, "thaw paused containers" },
	{ "rename", cmd_rename, "give a container a new name" },
	{ "top", cmd_top, "show a container's processes (host ps options)" },
	{ "stats", cmd_stats, "show containers' CPU, memory, network, block I/O, pids" },
	{ "port", cmd_port, "list a container's published ports" },
	{ "import", cmd_import, "import an OCI image layout or docker save archive" },
	{ "images", cmd_images, "list images" },
	{ "image", cmd_image, "manage images (ls, rm, inspect, tag, import)" },
	{ "rmi", cmd_rmi, "remove images" },
	{ "tag", cmd_tag, "name an image" },
	{ "prep", cmd_prep, "make a base image from this host's own files" },
	{ "volume", cmd_volume, "manage volumes (create, ls, inspect, rm, prune)" },
	{ "network", cmd_network, "manage networks (create, ls, inspect, rm, prune, connect, disconnect)" },
	{ "sandbox", cmd_sandbox, "make a container's root file system and bundle (create, rm, ls, mount, umount)" },
	{ "diff", cmd_diff, "list what a container changed" },
	{ "commit", cmd_commit, "make an image of a container's changes" },
	{ "export", cmd_export, "write a container's file system as a tar" },
	{ "cp", cmd_cp, "copy files between a container and the host" },
	{ "seccomp", cmd_seccomp, "print the default seccomp profile (default [--oci])" },
	{ "_monitor", cmd_monitor, NULL },	/* the per-container monitor */
	{ "_monitor-done", cmd_monitor_done, NULL },	/* ... and its last step */
};

static void usage(FILE *f)
{
	fprintf(f, "usage: argon [--root DIR] [--state-dir DIR] [--debug] COMMAND [ARGS]\n\n"
		   "commands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (commands[i].help)
			fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].help);
}

struct store *cli_store(struct cli *cli, struct ar_err *err)
{
	if (cli->store)
		return cli->store;
	if (store_open(cli->root, &cli->store, err) < 0)
		return NULL;
	/* What a killed command left (a half-made layer, a removal cut
	 * short) is cleaned by the next one. */
	if (store_reconcile(cli->store, err) < 0) {
		store_close(cli->store);
		cli->store = NULL;
		return NULL;
	}
	return cli->store;
}

struct engine *cli_engine(struct cli *cli, struct ar_err *err)
{
	static char self[4096];
	ssize_t n;

	if (cli->engine_ready)
		return &cli->engine;
	if (cli_store(cli, err) == NULL ||
	    engine_init(&cli->engine, cli->store, cli->state_dir, err) < 0)
		return NULL;
	/* The monitor is this very binary, run again. */
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		return ar_error(err, errno, "readlink `/proc/self/exe`"), NULL;
	self[n] = '\0';
	cli->engine.argon_path = self;
	cli->engine_ready = true;
	return &cli->engine;
}

int cli_usage(struct ar_err *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ar_verror(err, 0, fmt, ap);
	va_end(ap);
	return CLI_USAGE;
}

int cli_dispatch(struct cli *cli, int argc, char **argv, const struct cli_subcmd *sub,
		 size_t n, const char *usage, struct ar_err *err)
{
	if (argc < 2)
		return cli_usage(err, "usage: %s", usage);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(argv[1], sub[i].name) == 0) {
			optind = 0;
			return sub[i].fn(cli, argc - 1, argv + 1, err);
		}
	}
	return cli_usage(err, "unknown command `%s %s` (usage: %s)", argv[0], argv[1], usage);
}

int cli_list_flags(int argc, char **argv, const char *usage, bool *quiet, bool *json,
		   struct ar_err *err)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' }, { "format", required_argument, NULL, 'f' },
		{ 0 },
	};
	int c;

	*quiet = *json = false;
	while ((c = getopt_long(argc, argv, "+q", opts, NULL)) != -1) {
		if (c == 'q')
			*quiet = true;
		else if (c != 'f' || cli_format(optarg, json, err) < 0)
			return cli_usage(err, "usage: %s", usage);
	}
	if (optind != argc)
		return cli_usage(err, "%s: takes no arguments", usage);
	return 0;
}

static int parse_globals(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "debug", no_argument, NULL, 'D' },
		{ "version", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+hvD", opts, NULL)) != -1) {
		switch (c) {
		case 'r': cli->root = optarg; break;
		case 's': cli->state_dir = optarg; break;
		case 'D': cli->debug = true; break;
		case 'v': printf("argon version %s\n", ARGON_VERSION); exit(0);
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(EXIT_ENGINE);
		}
	}
	return optind;
}

/* Removing a hostile layer's deep tree holds one fd per level: take the
 * hard limit, as Go programs (docker, podman) do at startup. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	struct cli cli = { .root = getenv("ARGON_ROOT"), .state_dir = getenv("ARGON_STATE_DIR") };
	struct ar_err err = { 0 };
	int first, r = -1;

	if (cli.root == NULL || cli.root[0] == '\0')
		cli.root = ARGON_DEFAULT_ROOT;
	if (cli.state_dir == NULL || cli.state_dir[0] == '\0')
		cli.state_dir = ARGON_DEFAULT_STATE_DIR;
	ar_trace("argon main");
	raise_nofile();
	first = parse_globals(&cli, argc, argv);
	if (first >= argc) {
		usage(stderr);
		return EXIT_ENGINE;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(argv[first], commands[i].name) == 0) {
			optind = 0;
			/* exec puts a process into a container: from a sealed
			 * copy of argon (CVE-2019-5736), as the monitor does. */
			if (commands[i].fn == cmd_exec && ar_ensure_sealed_binary(argv, environ, &err) < 0)
				goto done;
			r = commands[i].fn(&cli, argc - first, argv + first, &err);
			goto done;
		}
	}
	fprintf(stderr, "argon: unknown command `%s`\n", argv[first]);
	usage(stderr);
	return EXIT_ENGINE;
done:
	if (cli.engine_ready)
		engine_fini(&cli.engine);
	store_close(cli.store);
	/* A status of its own (126/127 for a command that cannot run) may
	 * come with a message too. */
	if (r == CLI_USAGE || r == -1 || err.msg)
		fprintf(stderr, "argon: %s\n", err.msg ? err.msg : "unknown error");
	ar_err_clear(&err);
	return r == CLI_USAGE ? EXIT_ENGINE : r == -1 ? 1 : r;
}
