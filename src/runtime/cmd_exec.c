/* argon-runtime exec: runc's flags, a process built from --process or from
 * the container's own config plus the flags. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "terminal.h"
#include "util.h"

struct exec_args {
	struct ar_exec_opts o;
	const char *process_file, *cwd, *user;
	char **env;		/* --env values, NULL-terminated */
	char **caps;
	size_t n_env, n_caps;
	bool tty, no_new_privs;
};

static void push(char ***v, size_t *n, const char *s)
{
	*v = xrealloc(*v, (*n + 2) * sizeof **v);
	(*v)[(*n)++] = xstrdup(s);
	(*v)[*n] = NULL;
}

static int parse_exec(int argc, char **argv, struct exec_args *a, struct ar_err *err)
{
	enum { O_CONSOLE = 256, O_CWD, O_PIDFILE, O_LABEL, O_APPARMOR, O_NNP, O_PRESERVE,
	       O_IGNORE, O_CGROUP };
	static const struct option opts[] = {
		{ "console-socket", required_argument, NULL, O_CONSOLE },
		{ "cwd", required_argument, NULL, O_CWD },
		{ "env", required_argument, NULL, 'e' },
		{ "tty", no_argument, NULL, 't' },
		{ "user", required_argument, NULL, 'u' },
		{ "additional-gids", required_argument, NULL, 'g' },
		{ "process", required_argument, NULL, 'p' },
		{ "detach", no_argument, NULL, 'd' },
		{ "pid-file", required_argument, NULL, O_PIDFILE },
		{ "process-label", required_argument, NULL, O_LABEL },
		{ "apparmor", required_argument, NULL, O_APPARMOR },
		{ "no-new-privs", no_argument, NULL, O_NNP },
		{ "cap", required_argument, NULL, 'c' },
		{ "preserve-fds", required_argument, NULL, O_PRESERVE },
		{ "ignore-paused", no_argument, NULL, O_IGNORE },
		{ "cgroup", required_argument, NULL, O_CGROUP },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+e:tu:g:p:dc:", opts, NULL)) != -1) {
		switch (c) {
		case O_CONSOLE: a->o.console_socket = optarg; break;
		case O_CWD: a->cwd = optarg; break;
		case 'e': push(&a->env, &a->n_env, optarg); break;
		case 't': a->tty = true; break;
		case 'u': a->user = optarg; break;
		case 'p': a->process_file = optarg; break;
		case 'd': a->o.detach = true; break;
		case O_PIDFILE: a->o.pid_file = optarg; break;
		case O_NNP: a->no_new_privs = true; break;
		case 'c': push(&a->caps, &a->n_caps, optarg); break;
		case O_PRESERVE:
			if (cli_parse_int("--preserve-fds", optarg, &a->o.preserve_fds, err) < 0)
				return -1;
			break;
		case O_IGNORE: break;
		case 'g': case O_LABEL: case O_APPARMOR: case O_CGROUP:
			return ar_error(err, ENOTSUP, "exec: `%s` is not supported yet", argv[optind - 1]);
		default: return ar_error(err, EINVAL, "exec: unknown flag `%s`", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return ar_error(err, EINVAL, "exec: a container ID is required");
	a->o.id = argv[optind++];
	if (a->process_file == NULL && optind >= argc)
		return ar_error(err, EINVAL, "exec: a command is required (or --process)");
	return optind;
}

static int apply_flags(struct exec_args *a, char **args, struct spec_process *p,
		       struct ar_err *err)
{
	struct ar_exec_override o = { .args = args, .env = a->env, .cwd = a->cwd,
				      .user = a->user };

	if (ar_exec_override(p, &o, err) < 0)
		return -1;
	for (size_t i = 0; i < a->n_caps; i++) {
		int cap = cap_from_name(a->caps[i]);
		if (cap < 0)
			return ar_error(err, EINVAL, "exec: unknown capability `%s`", a->caps[i]);
		p->caps.bounding |= 1ull << cap;
		p->caps.effective |= 1ull << cap;
		p->caps.permitted |= 1ull << cap;
	}
	p->terminal = a->tty;
	p->no_new_privileges |= a->no_new_privs;
	return 0;
}

static int build_process(struct cli *cli, struct exec_args *a, char **args,
			 struct spec_process *p, struct ar_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;

	if (a->process_file) {
		if (read_file_at(AT_FDCWD, a->process_file, &text, &len, err) < 0)
			return ar_err_prefix(err, "exec: --process");
		if (spec_parse_process(text, len, a->process_file, p, err) < 0)
			return -1;
		p->terminal |= a->tty;
		return 0;
	}
	if (ar_exec_default_process(&cli->rt, a->o.id, p, err) < 0)
		return -1;
	return apply_flags(a, args, p, err);
}

static int exec_wait(struct exec_args *a, pid_t pid, int console, struct ar_err *err)
{
	int master = -1, status = 0, r;

	if (console >= 0 && terminal_recv_fd(console, &master, err) < 0)
		return -1;
	r = ar_wait_forward(pid, master, &status, err);
	if (master >= 0)
		close(master);
	return r < 0 ? -1 : status;
}

int cmd_exec(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	struct exec_args a = { .o.console_sock_fd = -1 };
	struct spec_process p = { 0 };
	int first, console = -1, r = -1, sv[2];
	pid_t pid;

	first = parse_exec(argc, argv, &a, err);
	if (first < 0 || build_process(cli, &a, argv + first, &p, err) < 0)
		goto out;
	a.o.process = &p;
	if (!a.o.detach) {
		ar_signals_block();
		if (p.terminal && !a.o.console_socket) {
			if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
				ar_error(err, errno, "socketpair");
				goto out;
			}
			console = sv[0];
			a.o.console_sock_fd = sv[1];
		}
	}
	r = ar_container_exec(&cli->rt, &a.o, &pid, err);
	if (a.o.console_sock_fd >= 0)
		close(a.o.console_sock_fd);
	if (r == 0 && !a.o.detach)
		r = exec_wait(&a, pid, console, err);
out:
	if (console >= 0)
		close(console);
	spec_process_free(&p);
	strv_free(a.env);
	strv_free(a.caps);
	return r;
}
