/* argon — `argon exec [-d] [-e K=V] [-w DIR] [-u UID[:GID]] CONTAINER CMD...`
 * (the seeds' CExecSvc): a new process in a running container, its stdio
 * ours, its exit code ours. -i/-t arrive with terminal support. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <sys/prctl.h>

#include "cli.h"
#include "util.h"

struct exec_flags {
	struct ar_exec_override o;
	char **env;
	bool detach;
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
		case 'i': case 't':
			return cli_usage(err, "-%c: interactive and terminal sessions are not "
					 "supported yet", c);
		default:
			return cli_usage(err, "usage: argon exec [-d] [-e K=V] [-w DIR] [-u UID[:GID]] "
					 "CONTAINER CMD...");
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

static int exec_in(struct engine *e, const struct engine_info *i, struct exec_flags *f,
		   struct ar_err *err)
{
	struct spec_process p = { 0 };
	struct ar_exec_opts o = { .id = i->c.id, .process = &p, .console_sock_fd = -1,
				  .detach = f->detach };
	int status = 0, r;
	pid_t pid;

	if (ar_exec_default_process(&e->rt, i->c.id, &p, err) < 0 ||
	    ar_exec_override(&p, &f->o, err) < 0) {
		spec_process_free(&p);
		return CLI_USAGE;
	}
	if (!f->detach) {
		ar_signals_block();	/* forwarded to the process, as docker does */
		prctl(PR_SET_CHILD_SUBREAPER, 1);
	}
	r = ar_container_exec(&e->rt, &o, &pid, err);
	spec_process_free(&p);
	if (r < 0)
		return exec_failure(err);
	if (f->detach)
		return 0;
	return ar_wait_forward(pid, -1, &status, err) < 0 ? -1 : status;
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
