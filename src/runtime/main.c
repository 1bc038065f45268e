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
#include "spec.h"
#include "util.h"

static const struct {
	const char *name;
	cli_cmd_fn fn;
	const char *help;
} commands[] = {
	{ "create", cmd_create, "create a container" },
	{ "start", cmd_start, "start a created container" },
	{ "run", cmd_run, "create and start a container" },
	{ "exec", cmd_exec, "run a new process inside a container" },
	{ "kill", cmd_kill, "send a signal to the container's init (or all with --all)" },
	{ "delete", cmd_delete, "delete a container and its state" },
	{ "state", cmd_state, "print the OCI state of a container" },
	{ "list", cmd_list, "list containers" },
	{ "ps", cmd_ps, "list the processes of a container" },
	{ "spec", cmd_spec, "write a default config.json" },
	{ "features", cmd_features, "print the features JSON" },
	{ "pause", cmd_unsupported, NULL },
	{ "resume", cmd_unsupported, NULL },
	{ "update", cmd_unsupported, NULL },
	{ "events", cmd_unsupported, NULL },
	{ "checkpoint", cmd_unsupported, NULL },
	{ "restore", cmd_unsupported, NULL },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: argon-runtime [--root DIR] [--log FILE] [--log-format text|json] "
		   "[--debug] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (commands[i].help)
			fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
}

/* Errors go to stderr and, with --log, to the log file in runc's shapes. */
static void report_error(const struct cli *cli, const struct ar_err *err)
{
	const char *msg = err->msg ? err->msg : "unknown error";

	fprintf(stderr, "%s: %s\n", cli->prog, msg);
	if (cli->rt.log_fd < 0)
		return;
	if (cli->rt.log_json) {
		struct timespec ts;
		char when[64];
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
		_cleanup_free_ char *esc = xstrdup(msg);
		for (char *p = esc; *p; p++)	/* keep the line valid JSON */
			if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
				*p = '\'';
		dprintf(cli->rt.log_fd, "{\"level\":\"error\",\"msg\":\"%s\",\"time\":\"%s\"}\n",
			esc, when);
	} else {
		dprintf(cli->rt.log_fd, "level=error msg=\"%s\"\n", msg);
	}
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
		.rt = { .root = "/run/argon-runtime", .rootfd = -1, .log_fd = -1 },
		.prog = "argon-runtime", .envp = envp, .argv0 = argv,
	};
	struct ar_err err = { 0 };
	int first, r;

	first = parse_globals(&cli, argc, argv, &err);
	if (first < 0) {
		report_error(&cli, &err);
		ar_err_clear(&err);
		return 1;
	}
	if (first >= argc) {
		usage(stderr);
		return 1;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(argv[first], commands[i].name) != 0)
			continue;
		optind = 1;
		r = commands[i].fn(&cli, argc - first, argv + first, &err);
		if (r < 0) {
			report_error(&cli, &err);
			r = 1;
		}
		ar_err_clear(&err);
		return r;
	}
	fprintf(stderr, "%s: unknown command `%s`\n", cli.prog, argv[first]);
	usage(stderr);
	return 1;
}
