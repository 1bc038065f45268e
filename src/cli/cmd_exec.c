/* argon — `argon exec [-d] [-i] [-t] [-e K=V] [-w DIR] [-u UID[:GID]]
 * CONTAINER CMD...` (the seeds' CExecSvc): a new process in a running
 * container, its exit code ours. Its stdio is ours (stdin only with -i),
 * or with -t a pty whose master the runtime sends us and we relay, our
 * terminal raw and its size following. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "events.h"
#include "terminal.h"
#include "util.h"

struct exec_flags {
	struct ar_exec_override o;
	char **env;
	bool detach, interactive, tty;
};

static int parse_exec(int argc, char **argv, struct exec_flags *f, struct ar_err *err)
{
	static const struct option opts[] = {
		{ "detach", no_argument, NULL, 'd' }, { "env", required_argument, NULL, 'e' },
		{ "workdir", required_argument, NULL, 'w' }, { "user", required_argument, NULL, 'u' },
		{ "interactive", no_argument, NULL, 'i' }, { "tty", no_argument, NULL, 't' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+de:w:u:it", opts, NULL)) != -1) {
		switch (c) {
		case 'd': f->detach = true; break;
		case 'e': strv_push(&f->env, xstrdup(optarg)); break;
		case 'w': f->o.cwd = optarg; break;
		case 'u': f->o.user = optarg; break;
		case 'i': f->interactive = true; break;
		case 't': f->tty = true; break;
		default:
			return cli_usage(err, "usage: argon exec [-d] [-i] [-t] [-e K=V] [-w DIR] "
					 "[-u UID[:GID]] CONTAINER CMD...");
		}
	}
	if (argc - optind < 2)
		return cli_usage(err, "usage: argon exec [OPTIONS] CONTAINER CMD...");
	f->o.env = f->env;
	f->o.args = argv + optind + 1;
	return optind;
}

/* docker's statuses for a process that could not start: 127 not found,
 * 126 not runnable; anything else is the engine's (125). */
static int exec_failure(const struct ar_err *err)
{
	if (err->errnum == ENOENT && err->msg && strstr(err->msg, "exec `"))
		return 127;
	if ((err->errnum == EACCES || err->errnum == ENOEXEC) && err->msg &&
	    strstr(err->msg, "exec `"))
		return 126;
	return CLI_USAGE;
}

/* Without -i the process reads nothing of ours, as docker's exec. */
static int stdin_null(struct ar_err *err)
{
	_cleanup_close_ int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (null < 0 || dup2(null, 0) < 0)
		return ar_error(err, errno, "open `/dev/null`");
	return 0;
}

/* -t: the runtime sends the pty's master on a socket pair. */
static int tty_socket(int sp[2], struct ar_err *err)
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return ar_error(err, errno, "socketpair");
	return 0;
}

/* docker's "execCommand" attribute: the command line, space-joined. */
static char *exec_cmd_attr(char *const *args)
{
	char *s = xstrdup("execCommand=");

	for (size_t k = 0; args && args[k]; k++) {
		char *t = xasprintf("%s%s%s", s, k ? " " : "", args[k]);
		free(s);
		s = t;
	}
	return s;
}

static int exec_in(struct engine *e, const struct engine_info *i, struct exec_flags *f,
		   struct ar_err *err)
{
	struct spec_process p = { 0 };
	struct ar_exec_opts o = { .id = i->c.id, .process = &p, .console_sock_fd = -1,
				  .detach = f->detach };
	int status = 0, r, sp[2] = { -1, -1 };
	_cleanup_close_ int master = -1;
	_cleanup_free_ char *cmd = exec_cmd_attr(f->o.args), *code = NULL;
	pid_t pid;

	if (ar_exec_default_process(&e->rt, i->c.id, &p, err) < 0 ||
	    ar_exec_override(&p, &f->o, err) < 0) {
		spec_process_free(&p);
		return CLI_USAGE;
	}
	p.terminal = f->tty;
	if (f->tty && !strv_has_prefix(p.env, "TERM="))
		strv_push(&p.env, xstrdup("TERM=xterm"));	/* docker's, for -t */
	if ((!f->interactive && stdin_null(err) < 0) || (f->tty && tty_socket(sp, err) < 0)) {
		spec_process_free(&p);
		return -1;
	}
	o.console_sock_fd = sp[1];
	if (!f->detach) {
		ar_signals_block();	/* forwarded to the process, as docker does */
		prctl(PR_SET_CHILD_SUBREAPER, 1);
	}
	r = ar_container_exec(&e->rt, &o, &pid, err);
	spec_process_free(&p);
	if (sp[1] >= 0)
		close(sp[1]);
	if (r == 0 && f->tty)
		r = terminal_recv_fd(sp[0], &master, err);
	if (sp[0] >= 0)
		close(sp[0]);
	if (r < 0)
		return exec_failure(err);
	engine_event_of(e, i, "exec_start", (const char *const[]){ cmd, NULL });
	if (f->detach)
		return 0;
	if (ar_wait_forward(pid, master, &status, err) < 0)
		return -1;
	code = xasprintf("exitCode=%d", status);
	engine_event_of(e, i, "exec_die", (const char *const[]){ cmd, code, NULL });
	return status;
}

int cmd_exec(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	struct exec_flags f = { 0 };
	struct engine_info i;
	struct engine *e;
	int first = parse_exec(argc, argv, &f, err), r;

	if (first < 0) {
		strv_free(f.env);
		return first;
	}
	if ((e = cli_engine(cli, err)) == NULL || engine_find(e, argv[first], &i, err) < 0) {
		strv_free(f.env);
		return -1;
	}
	if (i.state != ENGINE_RUNNING)
		r = ar_fail(err, EINVAL, "container `%s` is not running", argv[first]);
	else
		r = exec_in(e, &i, &f, err);
	engine_info_free(&i);
	strv_free(f.env);
	return r;
}
