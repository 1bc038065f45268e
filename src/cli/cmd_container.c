/* argon — a container's life from the command line: create, start, run,
 * stop, kill, rm, wait, and the hidden `_monitor`. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "attach.h"
#include "cli.h"
#include "create_flags.h"
#include "db.h"
#include "proc.h"
#include "trace.h"
#include "util.h"

/* docker's statuses for a container that could not be made: 127 when its
 * command is not found, 126 when it cannot be run, else 125. */
static int create_failure(const struct ar_err *err)
{
	const char *m = err->msg ? err->msg : "";

	if (err->errnum == ENOENT && strstr(m, "exec `"))
		return 127;
	if ((err->errnum == EACCES || err->errnum == ENOEXEC) && strstr(m, "exec `"))
		return 126;
	return CLI_USAGE;
}

/* The container `a` asks for, made (after the `host` image, when that is
 * the one named and it is missing); the engine, or NULL with *err set. */
static struct engine *create_container(struct cli *cli, const struct create_args *a,
				       struct container_info *c, struct ar_err *err)
{
	struct engine *e = cli_engine(cli, err);
	int r;

	if (e == NULL || cli_ensure_host_image(cli, a->e.image_ref, err) < 0)
		return NULL;
	r = engine_create(e, &a->e, c, err);
	for (size_t i = 0; a->warnings && a->warnings[i]; i++)
		fprintf(stderr, "%s\n", a->warnings[i]);
	return r < 0 ? NULL : e;
}

int cmd_create(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	struct create_args a;
	struct container_info c = { 0 };
	int r = cli_parse_create(argc, argv, CREATE_CONTAINER, &a, err);

	if (r == 0 && create_container(cli, &a, &c, err) == NULL)
		r = -1;
	if (r == 0)
		printf("%s\n", c.id);
	container_info_free(&c);
	create_args_free(&a);
	return r == -1 ? create_failure(err) : r;
}

static int start_one(struct cli *cli, const char *ref, void *data, struct ar_err *err)
{
	return cli_said(engine_start(&cli->engine, ref, err), ref);
}

static int run_attached(struct engine *e, const struct container_info *c,
			const struct attach_opts *o, struct ar_err *err);

/* start -a: the container's output (and with -i our input) until it
 * exits; its exit code is ours. */
static int start_attached(struct cli *cli, const char *ref, bool send_stdin,
			  struct ar_err *err)
{
	struct engine *e = cli_engine(cli, err);
	struct engine_info i;
	json_object *j, *v;
	struct attach_opts o = { .send_stdin = send_stdin };
	int r;

	if (e == NULL || engine_ready(e, ref, err) < 0 || engine_find(e, ref, &i, err) < 0)
		return -1;
	if (i.state == ENGINE_RUNNING) {
		engine_info_free(&i);
		return ar_fail(err, EBUSY, "container `%s` is running already: `argon start -a` "
			       "attaches when it starts", ref);
	}
	j = i.config ? json_tokener_parse(i.config) : NULL;
	o.tty = j && json_object_object_get_ex(j, "Tty", &v) && json_object_get_boolean(v);
	json_object_put(j);
	r = run_attached(e, &i.c, &o, err);
	engine_info_free(&i);
	return r;
}

int cmd_start(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	static const struct option opts[] = {
		{ "attach", no_argument, NULL, 'a' }, { "interactive", no_argument, NULL, 'i' },
		{ 0 },
	};
	bool attach = false, interactive = false;
	int c;

	while ((c = getopt_long(argc, argv, "+ai", opts, NULL)) != -1) {
		if (c == 'a')
			attach = true;
		else if (c == 'i')
			interactive = true;
		else
			return cli_usage(err, "usage: argon start [-a] [-i] CONTAINER...");
	}
	if (!attach && !interactive)
		return cli_each_container(cli, argc, argv, optind, start_one, NULL, err);
	if (argc - optind != 1)
		return cli_usage(err, "`argon start -a` takes one container");
	return start_attached(cli, argv[optind], interactive, err);
}

static int stop_one(struct cli *cli, const char *ref, void *data, struct ar_err *err)
{
	return cli_said(engine_stop(&cli->engine, ref, *(int *)data, err), ref);
}

int cmd_stop(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	static const struct option opts[] = { { "time", required_argument, NULL, 't' }, { 0 } };
	int c, timeout = -1;
	int64_t v;

	while ((c = getopt_long(argc, argv, "+t:", opts, NULL)) != -1) {
		if (c != 't' || parse_i64(optarg, &v) < 0 || v < 0 || v > 86400)
			return cli_usage(err, "usage: argon stop [-t SECONDS] CONTAINER...");
		timeout = (int)v;
	}
	return cli_each_container(cli, argc, argv, optind, stop_one, &timeout, err);
}

static int kill_one(struct cli *cli, const char *ref, void *data, struct ar_err *err)
{
	return cli_said(engine_kill(&cli->engine, ref, *(int *)data, err), ref);
}

int cmd_kill(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	static const struct option opts[] = { { "signal", required_argument, NULL, 's' }, { 0 } };
	int c, sig = SIGKILL;

	while ((c = getopt_long(argc, argv, "+s:", opts, NULL)) != -1) {
		if (c != 's' || (sig = signal_parse(optarg)) <= 0)
			return cli_usage(err, "usage: argon kill [-s SIGNAL] CONTAINER...");
	}
	return cli_each_container(cli, argc, argv, optind, kill_one, &sig, err);
}

struct rm_flags {
	bool force, volumes;
};

static int rm_one(struct cli *cli, const char *ref, void *data, struct ar_err *err)
{
	const struct rm_flags *f = data;

	return cli_said(engine_remove(&cli->engine, ref, f->force, f->volumes, err), ref);
}

int cmd_rm(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' }, { "volumes", no_argument, NULL, 'v' }, { 0 },
	};
	struct rm_flags f = { 0 };
	int c;

	while ((c = getopt_long(argc, argv, "+fv", opts, NULL)) != -1) {
		if (c == 'f')
			f.force = true;
		else if (c == 'v')
			f.volumes = true;
		else
			return cli_usage(err, "usage: argon rm [-f] [-v] CONTAINER...");
	}
	return cli_each_container(cli, argc, argv, optind, rm_one, &f, err);
}

static int wait_one(struct cli *cli, const char *ref, void *data, struct ar_err *err)
{
	int code;

	if (engine_wait(&cli->engine, ref, &code, err) < 0)
		return -1;
	printf("%d\n", code);
	return 0;
}

int cmd_wait(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	if (argc > 1 && argv[1][0] == '-')
		return cli_usage(err, "usage: argon wait CONTAINER...");
	return cli_each_container(cli, argc, argv, 1, wait_one, NULL, err);
}

/* ------------------------------------------------------------ run */

/* The monitor closed without ATTACH_END: it dropped us (we stopped reading
 * for 5 s: `run | less`), or died. The rest comes from container.log (even
 * if a --rm container is gone: the file is open), past what we showed. */
static int rest_from_log(struct engine *e, const char *id, int logfd,
			 const struct attach_result *res, struct ar_err *err)
{
	uint64_t skip[2] = { res->relayed[0], res->relayed[1] };
	struct log_opts lo = { .follow = true, .tail = -1, .skip = skip };
	_cleanup_close_ int sigfd = cli_signalfd(false);

	return cli_print_log(e, id, logfd, &lo, sigfd, err);
}

/* Through the monitor's attach socket, connected before start (as docker
 * attaches before it starts): the output as it comes, stdin with -i, the
 * pty with -t. Not by following container.log: an inotify watch costs an
 * RCU grace period (10-20 ms here) when it is closed; the log is only the
 * fallback for a client the monitor dropped. */
static int run_attached(struct engine *e, const struct container_info *c,
			const struct attach_opts *o, struct ar_err *err)
{
	_cleanup_free_ char *log = xasprintf("%s/container.log", c->dir);
	/* Opened before start: a --rm container's dir may be gone by the end,
	 * and the open file still reads. */
	_cleanup_close_ int logfd = open(log, O_RDONLY | O_CLOEXEC | O_CREAT, 0640);
	_cleanup_close_ int sock = -1;
	struct attach_result res = { 0 };
	int code = 0;

	if (logfd < 0)
		return ar_error(err, errno, "open `%s`", log);
	if (cli_attach_connect(c->dir, &sock, err) < 0 || engine_start(e, c->id, err) < 0 ||
	    cli_attach_relay(e, c->id, sock, o, &res, err) < 0)
		return -1;
	if (!res.detached && !res.ended && rest_from_log(e, c->id, logfd, &res, err) < 0)
		return -1;
	if (res.detached) {
		fprintf(stderr, "\r\nargon: detached from %s; it runs on (`argon logs -f %s`, "
			"`argon exec -it %s sh`)\r\n", c->name, c->name, c->name);
		return 0;
	}
	if (engine_wait(e, c->id, &code, err) < 0)
		return -1;
	return code < 0 ? 255 : code;
}

int cmd_run(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	struct create_args a;
	struct container_info c = { 0 };
	struct engine *e = NULL;
	int r = cli_parse_create(argc, argv, CREATE_RUN, &a, err);

	if (r == 0 && a.e.auto_remove)
		db_skip_sync();	/* --rm: nothing of this run outlives a reboot */

	if (r == 0 && (e = create_container(cli, &a, &c, err)) == NULL)
		r = create_failure(err);
	ar_trace("run: created");
	if (r == 0 && a.detach) {
		if (engine_start(e, c.id, err) < 0) {
			struct ar_err ignored = { 0 };
			engine_remove(e, c.id, true, true, &ignored);
			ar_err_clear(&ignored);
			r = CLI_USAGE;
		} else {
			printf("%s\n", c.id);
		}
	} else if (r == 0) {
		struct attach_opts o = { .tty = a.e.storage.bundle.terminal,
					 .send_stdin = a.e.interactive };
		r = run_attached(e, &c, &o, err);
		if (r < 0)
			r = CLI_USAGE;
	}
	container_info_free(&c);
	create_args_free(&a);
	return r;
}

int cmd_monitor(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	int64_t fd;
	struct engine *e;

	if (argc != 4 || parse_i64(argv[2], &fd) < 0 || fd < 3 || fd > 65535 || argv[3][0] != '/')
		return cli_usage(err, "usage: argon _monitor ID FD ARGON_PATH (run by argon itself)");
	if (store_open(cli->root, &cli->store, err) < 0) {
		dprintf((int)fd, "ERR %d %s", err->errnum, err->msg);
		return -1;
	}
	e = cli_engine(cli, err);
	if (e == NULL) {
		dprintf((int)fd, "ERR %d %s", err->errnum, err->msg);
		return -1;
	}
	e->argon_path = argv[3];	/* ours is a sealed memfd's */
	engine_monitor_main(e, argv[1], (int)fd);
	return 0;
}

int cmd_monitor_done(struct cli *cli, int argc, char **argv, struct ar_err *err)
{
	int64_t status;
	struct engine *e;

	if (argc != 3 || parse_i64(argv[2], &status) < 0 || status < 0 || status > 0xffff)
		return cli_usage(err, "usage: argon _monitor-done ID STATUS (run by argon-monitor)");
	/* Not cli_engine's reconcile: this container is ours to settle. */
	if (store_open(cli->root, &cli->store, err) < 0 || (e = cli_engine(cli, err)) == NULL)
		return -1;
	engine_monitor_done(e, argv[1], (int)status);
	return 0;
}
