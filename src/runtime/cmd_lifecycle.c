/* argon-runtime create, start, run, kill, delete. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "proc.h"
#include "terminal.h"
#include "trace.h"
#include "util.h"

int cli_one_id(int argc, char **argv, int optind_, const char *cmd, const char **id,
	       struct ar_err *err)
{
	if (optind_ >= argc)
		return ar_error(err, EINVAL, "%s: a container ID is required", cmd);
	if (argc - optind_ > 1)
		return ar_error(err, EINVAL, "%s: unexpected argument `%s`", cmd, argv[optind_ + 1]);
	*id = argv[optind_];
	return 0;
}

int cli_parse_int(const char *flag, const char *s, int *out, struct ar_err *err)
{
	int64_t v;

	if (parse_i64(s, &v) < 0 || v < 0 || v > 65536)
		return ar_error(err, EINVAL, "%s `%s`: not a valid number", flag, s);
	*out = (int)v;
	return 0;
}

struct create_args {
	struct ar_create_opts o;
	bool detach;
};

/* Flags shared by create and run (run adds --detach). */
static int parse_create(int argc, char **argv, bool is_run, struct create_args *a,
			struct ar_err *err)
{
	enum { O_PIDFILE = 256, O_CONSOLE, O_NOPIVOT, O_NOKEYRING, O_PRESERVE, O_KEEP };
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "detach", no_argument, NULL, 'd' },
		{ "pid-file", required_argument, NULL, O_PIDFILE },
		{ "console-socket", required_argument, NULL, O_CONSOLE },
		{ "no-pivot", no_argument, NULL, O_NOPIVOT },
		{ "no-new-keyring", no_argument, NULL, O_NOKEYRING },
		{ "preserve-fds", required_argument, NULL, O_PRESERVE },
		{ "keep", no_argument, NULL, O_KEEP },
		{ 0 },
	};
	const char *cmd = is_run ? "run" : "create";
	int c;

	memset(a, 0, sizeof *a);
	a->o.console_sock_fd = -1;
	while ((c = getopt_long(argc, argv, is_run ? "+b:d" : "+b:", opts, NULL)) != -1) {
		switch (c) {
		case 'b': a->o.bundle = optarg; break;
		case 'd': a->detach = true; break;
		case O_PIDFILE: a->o.pid_file = optarg; break;
		case O_CONSOLE: a->o.console_socket = optarg; break;
		case O_NOPIVOT: a->o.no_pivot = true; break;
		case O_NOKEYRING: case O_KEEP: break;
		case O_PRESERVE:
			if (cli_parse_int("--preserve-fds", optarg, &a->o.preserve_fds, err) < 0)
				return -1;
			break;
		default: return ar_error(err, EINVAL, "%s: unknown flag `%s`", cmd, argv[optind - 1]);
		}
	}
	return cli_one_id(argc, argv, optind, cmd, &a->o.id, err);
}

int cmd_create(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	struct create_args a;

	if (parse_create(argc, argv, false, &a, err) < 0)
		return -1;
	return ar_container_create(&cli->rt, &a.o, NULL, err) < 0 ? -1 : 0;
}

int cmd_start(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	const char *id;

	if (getopt_long(argc, argv, "+", (struct option[]){ { 0 } }, NULL) != -1)
		return ar_error(err, EINVAL, "start: unknown flag `%s`", argv[optind - 1]);
	if (cli_one_id(argc, argv, optind, "start", &id, err) < 0)
		return -1;
	return ar_container_start(&cli->rt, id, err) < 0 ? -1 : 0;
}

/* A foreground run with a terminal and no console socket: we receive the
 * pty master ourselves over a socket pair and relay it. */
static int run_own_console(struct create_args *a, int *ours, struct ar_err *err)
{
	int sv[2];

	*ours = -1;
	if (a->detach || a->o.console_socket)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return ar_error(err, errno, "socketpair");
	*ours = sv[0];
	a->o.console_sock_fd = sv[1];
	return 0;
}

static int run_foreground(struct cli *cli, struct create_args *a, pid_t pid, int console,
			  struct ar_err *err)
{
	struct ar_err ignored = { 0 };
	int master = -1, status = 0, r;

	if (console >= 0) {
		/* The init sent its pty before READY, so it is queued by now; a
		 * config without a terminal sent nothing. Non-blocking: a receive
		 * timeout, however short, is rounded up to a scheduler tick
		 * (4 ms at HZ=250). */
		fcntl(console, F_SETFL, O_NONBLOCK);
		terminal_recv_fd(console, &master, &ignored);
		ar_err_clear(&ignored);
	}
	r = ar_container_start(&cli->rt, a->o.id, err);
	if (r == 0)
		r = ar_wait_forward(pid, master, &status, err);
	ar_trace("run: container exited");
	if (master >= 0)
		close(master);
	ar_container_delete(&cli->rt, a->o.id, true, &ignored);
	ar_err_clear(&ignored);
	return r < 0 ? -1 : status;
}

int cmd_run(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	struct create_args a;
	int console = -1, r;
	pid_t pid;

	if (parse_create(argc, argv, true, &a, err) < 0)
		return -1;
	if (!a.detach) {
		ar_signals_block();
		prctl(PR_SET_CHILD_SUBREAPER, 1);
	}
	if (run_own_console(&a, &console, err) < 0)
		return -1;
	r = ar_container_create(&cli->rt, &a.o, &pid, err);
	if (a.o.console_sock_fd >= 0)
		close(a.o.console_sock_fd);
	if (r < 0) {
		if (console >= 0)
			close(console);
		return -1;
	}
	if (!a.detach) {
		r = run_foreground(cli, &a, pid, console, err);
		if (console >= 0)
			close(console);
		return r;
	}
	if (ar_container_start(&cli->rt, a.o.id, err) < 0) {
		struct ar_err ignored = { 0 };
		ar_container_delete(&cli->rt, a.o.id, true, &ignored);
		ar_err_clear(&ignored);
		return -1;
	}
	return 0;
}

int cmd_kill(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	static const struct option opts[] = { { "all", no_argument, NULL, 'a' }, { 0 } };
	bool all = false;
	int c, sig = SIGTERM;
	const char *id;

	while ((c = getopt_long(argc, argv, "+a", opts, NULL)) != -1) {
		if (c != 'a')
			return ar_error(err, EINVAL, "kill: unknown flag `%s`", argv[optind - 1]);
		all = true;
	}
	if (optind >= argc)
		return ar_error(err, EINVAL, "kill: a container ID is required");
	id = argv[optind];
	if (argc - optind > 2)
		return ar_error(err, EINVAL, "kill: unexpected argument `%s`", argv[optind + 2]);
	if (argc - optind == 2) {
		sig = signal_parse(argv[optind + 1]);
		if (sig <= 0)
			return ar_error(err, EINVAL, "kill: unknown signal `%s`", argv[optind + 1]);
	}
	return ar_container_kill(&cli->rt, id, sig, all, err) < 0 ? -1 : 0;
}

int cmd_delete(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	static const struct option opts[] = { { "force", no_argument, NULL, 'f' }, { 0 } };
	bool force = false;
	int c;
	const char *id;

	while ((c = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
		if (c != 'f')
			return ar_error(err, EINVAL, "delete: unknown flag `%s`", argv[optind - 1]);
		force = true;
	}
	if (cli_one_id(argc, argv, optind, "delete", &id, err) < 0)
		return -1;
	return ar_container_delete(&cli->rt, id, force, err) < 0 ? -1 : 0;
}
