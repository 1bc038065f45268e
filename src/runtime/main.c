/* argon-runtime — entry point: global flags, the command table, the one
 * place that prints an error. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "rootless.h"
#include "spec.h"
#include "trace.h"
#include "util.h"

/* `seal`: the command puts a process into a container, so it first
 * re-executes from a sealed copy of the runtime (CVE-2019-5736). */
static const struct {
	const char *name;
	cli_cmd_fn fn;
	const char *help;
	bool seal;
} commands[] = {
	{ "create", cmd_create, "create a container", true },
	{ "start", cmd_start, "start a created container", false },
	{ "run", cmd_run, "create and start a container", true },
	{ "exec", cmd_exec, "run a new process inside a container", true },
	{ "kill", cmd_kill, "send a signal to the container's init (or all with --all)", false },
	{ "delete", cmd_delete, "delete a container and its state", false },
	{ "state", cmd_state, "print the OCI state of a container", false },
	{ "list", cmd_list, "list containers", false },
	{ "ps", cmd_ps, "list the processes of a container", false },
	{ "spec", cmd_spec, "write a default config.json", false },
	{ "features", cmd_features, "print the features JSON", false },
	{ "pause", cmd_pause, "freeze every process of a container", false },
	{ "resume", cmd_resume, "thaw a paused container", false },
	{ "update", cmd_update, "change the resource limits of a container", false },
	{ "events", cmd_events, "stream stats and oom events as JSON (--stats: once)", false },
	{ "checkpoint", cmd_unsupported, NULL, false },
	{ "restore", cmd_unsupported, NULL, false },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: argon-runtime [--root DIR] [--log FILE] [--log-format text|json] "
		   "[--debug] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (commands[i].help)
			fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
}

/* One line in the log file (runc's shapes: logrus text or JSON). */
static void log_line(const struct cli *cli, const char *level, const char *msg)
{
	int fd = cli->rt.log_fd >= 0 ? cli->rt.log_fd : 2;
	_cleanup_free_ char *esc = xstrdup(msg);
	struct timespec ts;
	struct tm tm;
	char when[64];

	for (char *p = esc; *p; p++)	/* keep the line one valid record */
		if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
			*p = '\'';
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (cli->rt.log_json)
		dprintf(fd, "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s\"}\n", level, esc, when);
	else
		dprintf(fd, "time=\"%s\" level=%s msg=\"%s\"\n", when, level, esc);
}

/* Errors go to stderr and, with --log, to the log file too. */
static void report_error(const struct cli *cli, const struct ar_err *err)
{
	const char *msg = err->msg ? err->msg : "unknown error";

	fprintf(stderr, "%s: %s\n", cli->prog, msg);
	if (cli->rt.log_fd >= 0)
		log_line(cli, "error", msg);
}

/* --debug: the command line and its outcome, in the log (or on stderr). */
static void debug_line(const struct cli *cli, int argc, char **argv, int status)
{
	_cleanup_free_ char *msg = NULL;

	if (!cli->rt.debug)
		return;
	if (status >= 0) {
		msg = xasprintf("%s exited with status %d", argv[0], status);
	} else {
		msg = xstrdup("argon-runtime");
		for (int i = 0; i < argc; i++) {
			char *m = xasprintf("%s %s", msg, argv[i]);
			free(msg);
			msg = m;
		}
	}
	log_line(cli, "debug", msg);
}

static int parse_globals(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	enum { O_ROOT = 256, O_LOG, O_LOGFMT, O_DEBUG, O_SYSTEMD, O_CRIU, O_ROOTLESS };
	static const struct option opts[] = {
		{ "root", required_argument, NULL, O_ROOT },
		{ "log", required_argument, NULL, O_LOG },
		{ "log-format", required_argument, NULL, O_LOGFMT },
		{ "debug", no_argument, NULL, O_DEBUG },
		{ "systemd-cgroup", no_argument, NULL, O_SYSTEMD },
		{ "criu", required_argument, NULL, O_CRIU },
		{ "rootless", required_argument, NULL, O_ROOTLESS },
		{ "version", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
		switch (c) {
		case O_ROOT: cli->rt.root = optarg; break;
		case O_LOG:
			cli->rt.log_fd = open(optarg, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
			if (cli->rt.log_fd < 0)
				return ar_error(err, errno, "open log file `%s`", optarg);
			break;
		case O_LOGFMT:
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0)
				return ar_error(err, EINVAL, "--log-format `%s`: use text or json", optarg);
			cli->rt.log_json = strcmp(optarg, "json") == 0;
			break;
		case O_DEBUG: cli->rt.debug = true; break;
		case O_SYSTEMD:
			return ar_error(err, ENOTSUP, "--systemd-cgroup: the systemd cgroup manager is not supported; use cgroupfs");
		case O_CRIU: case O_ROOTLESS: break;	/* accepted for runc compatibility */
		case 'v':
			printf("argon-runtime version %s\nspec: %s\n", ARGON_VERSION, SPEC_OCI_VERSION);
			exit(0);
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(1);
		}
	}
	return optind;
}

int main(int argc, char **argv, char **envp)
{
	struct cli cli = {
		.rt = { .root = NULL, .rootfd = -1, .log_fd = -1 },
		.prog = "argon-runtime",
	};
	struct ar_err err = { 0 };
	_cleanup_free_ char *default_root = NULL;
	int first, r;

	ar_trace("runtime main");
	first = parse_globals(&cli, argc, argv, &err);
	if (first < 0) {
		report_error(&cli, &err);
		ar_err_clear(&err);
		return 1;
	}
	/* Without --root: /run/argon-runtime for root, the user's runtime dir
	 * otherwise; when there is none, a command that needs the state root
	 * says why (spec and features do not need one). */
	if (cli.rt.root == NULL && runtime_default_root(&default_root, &err) == 0)
		cli.rt.root = default_root;
	ar_err_clear(&err);
	if (first >= argc) {
		usage(stderr);
		return 1;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(argv[first], commands[i].name) != 0)
			continue;
		optind = 1;
		if (commands[i].seal && ar_ensure_sealed_binary(argv, envp, &err) < 0)
			r = -1;
		else {
			debug_line(&cli, argc - first, argv + first, -1);
			r = commands[i].fn(&cli, argc - first, argv + first, &err);
		}
		if (r < 0) {
			report_error(&cli, &err);
			r = 1;
		}
		debug_line(&cli, argc - first, argv + first, r);
		ar_err_clear(&err);
		return r;
	}
	fprintf(stderr, "%s: unknown command `%s`\n", cli.prog, argv[first]);
	usage(stderr);
	return 1;
}
