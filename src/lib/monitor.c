/* argon — the per-container monitor (the seeds' CExecSvc and termination
 * notification), in three steps of one process:
 *   1. `argon _monitor ID FD ARGON_PATH`, double-forked away from the CLI
 *      and run from a sealed copy of argon (exec_monitor), a subreaper:
 *      makes the init's stdio (pipes, or a pty with -t) and the
 *      attach socket, creates the runtime container (its init is our
 *      child), reports to the CLI, and execs
 *   2. argon-monitor (src/monitor/), small and static, which logs, serves
 *      attached clients and reaps for the container's whole life, then execs
 *   3. `argon _monitor-done ID STATUS`: reads the OOM flag, deletes the
 *      runtime state, records how the init ended, emits the events, and
 *      removes a --rm container.
 * So the resident monitor costs a few hundred KiB, not the whole engine. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db.h"
#include "engine_net.h"
#include "engine_priv.h"
#include "events.h"
#include "monitor_proto.h"
#include "terminal.h"
#include "trace.h"
#include "util.h"

/* ------------------------------------------------------------ the CLI's side */

/* The monitor runs from a sealed copy of argon (sealed): it creates the
 * container, and the container's init is its fork until it execs, so a
 * process of the container must never reach a writable argon binary
 * through /proc/PID/exe (CVE-2019-5736). It learns argon's real path, for
 * argon-monitor and the last step, from its arguments. */
static void exec_monitor(struct engine *e, const char *id, int sealed, int report)
{
	char fdnum[16];
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	/* Nothing of the caller's: a `$(argon run -d ...)` must not wait for
	 * the monitor to close the caller's stdout. */
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0 ||
	    fcntl(report, F_SETFD, 0) < 0)
		_exit(127);
	/* Nor its working directory: a long-lived monitor would keep it busy. */
	if (chdir("/") < 0)
		_exit(127);
	snprintf(fdnum, sizeof fdnum, "%d", report);
	char *argv[] = { "argon", "--root", e->store->root, "--state-dir", (char *)e->state_dir,
			 "_monitor", (char *)id, fdnum, (char *)e->argon_path, NULL };
	syscall(SYS_execveat, sealed, "", argv, environ, AT_EMPTY_PATH);
	dprintf(report, "ERR %d exec a sealed copy of `%s`: %s", EIO, e->argon_path,
		strerror(errno));
	_exit(127);
}

static int read_report(int fd, pid_t *init, pid_t *monitor, struct ar_err *err)
{
	char buf[4096];
	size_t n = 0;
	ssize_t r;
	long a, b;

	while (n + 1 < sizeof buf && (r = read(fd, buf + n, sizeof buf - n - 1)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return ar_error(err, errno, "read the monitor's report");
		n += (size_t)r;
	}
	buf[n] = '\0';
	if (sscanf(buf, "OK %ld %ld", &a, &b) == 2) {
		*init = (pid_t)a;
		*monitor = (pid_t)b;
		return 0;
	}
	int errnum = 0, at = 0;
	if (sscanf(buf, "ERR %d %n", &errnum, &at) == 1 && at > 0)
		return ar_err_set_raw(err, errnum ? errnum : EIO, buf + at);
	return ar_fail(err, EIO, "the container's monitor died before it reported");
}

int engine_spawn_monitor(struct engine *e, const char *id, pid_t *init, pid_t *monitor,
			 struct ar_err *err)
{
	_cleanup_close_ int sealed = -1;
	int p[2], status;
	pid_t child;

	if (ar_sealed_self(&sealed, err) < 0)
		return ar_err_prefix(err, "start the container's monitor");
	if (pipe2(p, O_CLOEXEC) < 0)
		return ar_error(err, errno, "pipe");
	child = fork();
	if (child < 0) {
		close(p[0]);
		close(p[1]);
		return ar_error(err, errno, "fork");
	}
	if (child == 0) {
		/* Double fork: the monitor is nobody's child but init's parent. */
		setsid();
		pid_t g = fork();
		if (g == 0)
			exec_monitor(e, id, sealed, p[1]);
		_exit(g < 0 ? 1 : 0);
	}
	close(p[1]);
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	int r = read_report(p[0], init, monitor, err);
	close(p[0]);
	return r;
}

/* ------------------------------------------------------------ step 1: setup */

/* What the container's options ask of its stdio and log, and --rm (read
 * here with the rest: one parse of the options at start). */
struct io_settings {
	bool tty, interactive, auto_remove;
	int64_t log_max_size;
	int log_files;
};

static void io_settings(struct engine *e, const char *id, struct io_settings *io)
{
	json_object *j = engine_config(e, id), *v;

	*io = (struct io_settings){ .log_max_size = 10 << 20, .log_files = 2 };
	if (j && json_object_object_get_ex(j, "Tty", &v))
		io->tty = json_object_get_boolean(v);
	if (j && json_object_object_get_ex(j, "OpenStdin", &v))
		io->interactive = json_object_get_boolean(v);
	if (j && json_object_object_get_ex(j, "LogMaxSize", &v) && json_object_get_int64(v))
		io->log_max_size = json_object_get_int64(v);
	if (j && json_object_object_get_ex(j, "LogMaxFiles", &v) && json_object_get_int(v) > 0)
		io->log_files = json_object_get_int(v);
	if (j && json_object_object_get_ex(j, "AutoRemove", &v))
		io->auto_remove = json_object_get_boolean(v);
	json_object_put(j);
}

/* The fds argon-monitor starts with (src/monitor/mon.h), -1 for none. */
struct mon_fds {
	int out, err, in, listen, log, dir;
};

struct mon {
	struct engine *e;
	const char *id;
	struct container_info c;
	struct io_settings io;
	struct mon_fds fds;
	int console[2];		/* -t: the runtime sends the master on [1] */
	pid_t init;
};

/* Our 0-2 become the init's stdio when it is created without a pty:
 * stdin a pipe (-i) or /dev/null, stdout and stderr pipes. */
static int stdio_pipes(struct mon *m, struct ar_err *err)
{
	int o[2], e2[2], i[2] = { -1, -1 };
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null < 0 || pipe2(o, O_CLOEXEC) < 0 || pipe2(e2, O_CLOEXEC) < 0 ||
	    (m->io.interactive && pipe2(i, O_CLOEXEC) < 0))
		return ar_error(err, errno, "make the container's stdio");
	if (dup2(i[0] >= 0 ? i[0] : null, 0) < 0 || dup2(o[1], 1) < 0 || dup2(e2[1], 2) < 0)
		return ar_error(err, errno, "dup2");
	close(o[1]);
	close(e2[1]);
	if (i[0] >= 0)
		close(i[0]);
	close(null);
	m->fds.out = o[0];
	m->fds.err = e2[0];
	m->fds.in = i[1];
	return 0;
}

/* The attach socket, bound through the dir's fd: a path of any length. */
static int attach_listen(struct mon *m, struct ar_err *err)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd;

	unlinkat(m->fds.dir, ATTACH_SOCK_NAME, 0);	/* a previous run's */
	snprintf(a.sun_path, sizeof a.sun_path, "/proc/self/fd/%d/%s", m->fds.dir,
		 ATTACH_SOCK_NAME);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
	    fchmodat(m->fds.dir, ATTACH_SOCK_NAME, 0600, 0) < 0 || listen(fd, 16) < 0) {
		if (fd >= 0)
			close(fd);
		return ar_error(err, errno, "listen on `%s/%s`", m->c.dir, ATTACH_SOCK_NAME);
	}
	m->fds.listen = fd;
	return 0;
}

static int monitor_setup(struct mon *m, struct ar_err *err)
{
	sigset_t set;

	prctl(PR_SET_CHILD_SUBREAPER, 1);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);	/* argon-monitor's signalfd gets them */
	if (store_container_find(m->e->store, m->id, &m->c, err) < 0)
		return -1;
	io_settings(m->e, m->id, &m->io);
	if (m->io.auto_remove)
		db_skip_sync();	/* --rm: nothing of it outlives a reboot */
	m->fds.dir = open(m->c.dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (m->fds.dir < 0)
		return ar_error(err, errno, "open `%s`", m->c.dir);
	m->fds.log = openat(m->fds.dir, "container.log", O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
			    0640);
	if (m->fds.log < 0)
		return ar_error(err, errno, "open `%s/container.log`", m->c.dir);
	if (attach_listen(m, err) < 0)
		return -1;
	if (!m->io.tty)
		return stdio_pipes(m, err);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, m->console) < 0)
		return ar_error(err, errno, "socketpair");
	return 0;
}

/* With -t, the runtime has sent the pty's master: it is both the output
 * and, for attached input, the input. */
static int take_master(struct mon *m, struct ar_err *err)
{
	int master;

	close(m->console[1]);
	m->console[1] = -1;
	if (terminal_recv_fd(m->console[0], &master, err) < 0)
		return -1;
	m->fds.out = master;
	m->fds.in = fcntl(master, F_DUPFD_CLOEXEC, 3);
	return m->fds.in < 0 ? ar_error(err, errno, "dup") : 0;
}

/* Our fds 0-2 were the init's: let go of them, so its pipes end when the
 * container's processes are gone. */
static void drop_init_stdio(void)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		close(null);
	}
}

/* Puts each fd at its number in mon.h (through high numbers first, so no
 * move overwrites one still to be moved), the sockets that hold published
 * host ports right after them (argon-monitor and `_monitor-done` keep
 * them open, untouched, until the container is gone), and closes
 * everything else. */
static int place_fds(const struct mon_fds *f, const int *ports, size_t n_ports)
{
	const int src[] = { f->out, f->err, f->in, f->listen, f->log, f->dir };
	/* Above every final place, so no dup2 below overwrites a copy. */
	int base = MON_FD_END + (int)n_ports > 64 ? MON_FD_END + (int)n_ports : 64;
	int high[6];

	for (int k = 0; k < 6; k++)
		if ((high[k] = src[k] < 0 ? -1 : fcntl(src[k], F_DUPFD_CLOEXEC, base)) < 0 &&
		    src[k] >= 0)
			return -1;
	_cleanup_free_ int *port_high = xcalloc(n_ports + 1, sizeof *port_high);

	for (size_t k = 0; k < n_ports; k++)
		if ((port_high[k] = fcntl(ports[k], F_DUPFD_CLOEXEC, base)) < 0)
			return -1;
	for (size_t k = 0; k < n_ports; k++)
		if (dup2(port_high[k], MON_FD_END + (int)k) < 0)	/* dup2: no CLOEXEC */
			return -1;
	for (int k = 0; k < 6; k++) {
		if (high[k] >= 0 && dup2(high[k], MON_FIRST_FD + k) < 0)
			return -1;
		if (high[k] < 0)
			close(MON_FIRST_FD + k);
	}
	return close_range(MON_FD_END + (unsigned)n_ports, ~0U, 0);
}

static void exec_steady(struct mon *m, const char *monitor_path, const int *ports,
			size_t n_ports)
{
	char init[16], size[24], files[16];

	snprintf(init, sizeof init, "%ld", (long)m->init);
	snprintf(size, sizeof size, "%lld", (long long)m->io.log_max_size);
	snprintf(files, sizeof files, "%d", m->io.log_files);
	char *argv[] = { "argon-monitor", (char *)m->e->argon_path, m->e->store->root,
			 (char *)m->e->state_dir, (char *)m->id, init, m->io.tty ? "1" : "0",
			 size, files, NULL };
	if (place_fds(&m->fds, ports, n_ports) == 0)
		execv(monitor_path, argv);
}

/* ------------------------------------------------------------ step 3: done */

static int exit_code_of(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

/* The runtime reports an OOM kill of a stopped container in its state. */
static bool oom_killed(struct engine *e, const char *id)
{
	_cleanup_free_ char *json = NULL;
	struct ar_err err = { 0 };
	bool oom = false;

	if (ar_container_state(&e->rt, id, &json, &err) == 0)
		oom = strstr(json, "\"oomKilled\": true") || strstr(json, "\"oomKilled\":true");
	ar_err_clear(&err);
	return oom;
}


static bool restarting(struct engine *e, const char *id)
{
	_cleanup_free_ char *marker = xasprintf("%s/containers/%s/" ENGINE_RESTARTING,
						e->store->root, id);

	return access(marker, F_OK) == 0;
}

/* The OOM flag first (the runtime's state says, until deleted), then the
 * runtime container goes, killing whatever the init left in its cgroup;
 * then the record, the events and --rm. */
void engine_monitor_done(struct engine *e, const char *id, int status)
{
	struct ar_err ignored = { 0 };
	struct engine_info i;
	_cleanup_free_ char *code_attr = xasprintf("exitCode=%d", exit_code_of(status));
	bool oom = oom_killed(e, id), auto_remove = engine_auto_remove(e, id) && !restarting(e, id);
	int64_t now = engine_now_ns();

	if (auto_remove)
		db_skip_sync();

	ar_trace("monitor: done begins");

	ar_container_delete(&e->rt, id, true, &ignored);
	ar_err_clear(&ignored);
	/* Only the row's own monitor speaks for it; the events come before
	 * the row says exited, so a `wait` that returned finds its "die". */
	if (engine_find(e, id, &i, NULL) < 0 || i.monitor_pid != getpid()) {
		db_sync(e->store->db);
		_exit(0);
	}
	engine_net_teardown(e, id);	/* then _exit frees the held host ports */
	ar_trace("monitor: network torn down");
	if (oom)
		engine_event_of(e, &i, "oom", NULL);
	engine_event_of(e, &i, "die", (const char *const[]){ code_attr, NULL });
	db_run(e->store->db, NULL, "UPDATE containers SET state = 'exited', exit_code = ?, "
	       "oom_killed = ?, finished_at = ? WHERE id = ? AND monitor_pid = ?", "iiisi",
	       (int64_t)exit_code_of(status), (int64_t)oom, now, id, (int64_t)getpid());
	if (auto_remove) {
		db_run(e->store->db, NULL, "INSERT OR REPLACE INTO exits(id, exit_code, "
		       "finished_at) VALUES(?, ?, ?)", "sii", id, (int64_t)exit_code_of(status), now);
		_cleanup_strv_ char **nets = engine_net_networks_of(e, id);
		ar_trace("monitor: recorded");
		if (storage_container_remove(e->store, id, true, &ignored) == 0) {
			engine_net_neighbours_changed(e, nets);
			engine_event_of(e, &i, "destroy", NULL);
		}
		ar_err_clear(&ignored);
	}
	engine_info_free(&i);
	db_sync(e->store->db);	/* _exit: the store is never closed */
	ar_trace("monitor: done");
	_exit(0);
}

/* ------------------------------------------------------------ step 1, whole */

/* argon-monitor lives beside argon. */
static char *monitor_path(const struct engine *e)
{
	const char *slash = strrchr(e->argon_path, '/');

	if (!slash)
		return xstrdup("argon-monitor");
	return xasprintf("%.*s/argon-monitor", (int)(slash - e->argon_path), e->argon_path);
}

void engine_monitor_main(struct engine *e, const char *id, int report)
{
	struct mon m = { .e = e, .id = id, .console = { -1, -1 },
			 .fds = { -1, -1, -1, -1, -1, -1 } };
	struct ar_create_opts o = { .id = id, .console_sock_fd = -1 };
	_cleanup_free_ char *mpath = monitor_path(e);
	struct ar_err err = { 0 };
	_cleanup_free_ int *ports = NULL;
	size_t n_ports = 0;

	ar_trace("monitor: step 1");
	if (access(mpath, X_OK) < 0)
		ar_error(&err, errno, "the container monitor `%s`", mpath);
	else if (monitor_setup(&m, &err) == 0) {
		o.bundle = m.c.dir;
		o.console_sock_fd = m.console[1];
		/* Between create and start the init waits: its network
		 * namespace is wired now (engine_net.h). */
		if (engine_net_prepare(e, id, &err) == 0 &&
		    ar_container_create(&e->rt, &o, &m.init, &err) == 0 &&
		    (!m.io.tty || take_master(&m, &err) == 0))
			engine_net_setup(e, id, m.init, &ports, &n_ports, &err);
	}
	drop_init_stdio();
	if (err.msg) {
		if (m.init > 0) {	/* made, but no pty came */
			struct ar_err ignored = { 0 };
			ar_container_delete(&e->rt, id, true, &ignored);
			ar_err_clear(&ignored);
		}
		if (m.fds.dir >= 0)
			unlinkat(m.fds.dir, ATTACH_SOCK_NAME, 0);
		dprintf(report, "ERR %d %s", err.errnum, err.msg);
		db_sync(e->store->db);
		_exit(1);
	}
	ar_trace("monitor: created");
	dprintf(report, "OK %ld %ld\n", (long)m.init, (long)getpid());
	close(report);
	db_sync(e->store->db);	/* this process execs, never closes the store */
	exec_steady(&m, mpath, ports, n_ports);
	/* Could not become argon-monitor: the container cannot be watched, so
	 * it does not run; it is recorded as ended. */
	ar_container_kill(&e->rt, id, SIGKILL, true, &err);
	ar_err_clear(&err);
	engine_monitor_done(e, id, 255 << 8);
}
