/* argon — the per-container monitor (the seeds' CExecSvc and termination
 * notification): `argon _monitor ID FD`, double-forked away from the CLI,
 * a subreaper, the parent of the container's init. It logs the init's
 * stdout/stderr as docker's json-file lines, reaps it, records how it
 * ended, deletes the runtime state, and removes a --rm container. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "engine_priv.h"
#include "util.h"

/* ------------------------------------------------------------ the CLI's side */

static void exec_monitor(struct engine *e, const char *id, int report)
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
			 "_monitor", (char *)id, fdnum, NULL };
	execv(e->argon_path, argv);
	dprintf(report, "ERR %d exec `%s`: %s", EIO, e->argon_path, strerror(errno));
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
	int p[2], status;
	pid_t child;

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
			exec_monitor(e, id, p[1]);
		_exit(g < 0 ? 1 : 0);
	}
	close(p[1]);
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	int r = read_report(p[0], init, monitor, err);
	close(p[0]);
	return r;
}

/* ------------------------------------------------------------ the log */

struct stream {
	int fd;			/* read end of the init's stdout or stderr */
	const char *name;	/* "stdout", "stderr" */
	char buf[16384];	/* a line not ended yet */
	size_t len;
};

/* One docker json-file record: {"log":"...","stream":"stdout","time":"..."} */
static void log_record(int logfd, const char *stream, const char *data, size_t n)
{
	json_object *o = json_object_new_object();
	char when[64], frac[16];
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(frac, sizeof frac, ".%09ldZ", ts.tv_nsec);
	strcat(when, frac);
	json_object_object_add(o, "log", json_object_new_string_len(data, (int)n));
	json_object_object_add(o, "stream", json_object_new_string(stream));
	json_object_object_add(o, "time", json_object_new_string(when));
	const char *line = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE);
	_cleanup_free_ char *rec = xasprintf("%s\n", line);
	write_all(logfd, rec, strlen(rec));
	json_object_put(o);
}

/* Reads what is there; writes every complete line (or a full buffer).
 * Returns 0 at EOF. */
static int stream_pump(struct stream *s, int logfd)
{
	ssize_t n = read(s->fd, s->buf + s->len, sizeof s->buf - s->len);
	size_t start = 0;

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : 0;
	if (n == 0) {
		if (s->len)
			log_record(logfd, s->name, s->buf, s->len);
		s->len = 0;
		return 0;
	}
	s->len += (size_t)n;
	for (size_t i = 0; i < s->len; i++) {
		if (s->buf[i] == '\n') {
			log_record(logfd, s->name, s->buf + start, i + 1 - start);
			start = i + 1;
		}
	}
	if (start == 0 && s->len == sizeof s->buf) {
		log_record(logfd, s->name, s->buf, s->len);
		start = s->len;
	}
	memmove(s->buf, s->buf + start, s->len - start);
	s->len -= start;
	return 1;
}

/* ------------------------------------------------------------ the monitor */

struct mon {
	struct engine *e;
	const char *id;
	struct container_info c;
	int logfd, sigfd;
	struct stream out, errs;
	pid_t init;
	int status;		/* wait status of the init */
	bool oom;		/* the init was OOM-killed */
};

/* The init's stdio: /dev/null in, pipes out, through our own fds 0-2. */
static int stdio_for_init(struct mon *m, struct ar_err *err)
{
	int o[2], e2[2], null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null < 0 || pipe2(o, O_CLOEXEC) < 0 || pipe2(e2, O_CLOEXEC) < 0)
		return ar_error(err, errno, "make the container's stdio");
	if (dup2(null, 0) < 0 || dup2(o[1], 1) < 0 || dup2(e2[1], 2) < 0)
		return ar_error(err, errno, "dup2");
	close(o[1]);
	close(e2[1]);
	close(null);
	m->out = (struct stream){ .fd = o[0], .name = "stdout" };
	m->errs = (struct stream){ .fd = e2[0], .name = "stderr" };
	return 0;
}

/* Our fds 1 and 2 were the init's write ends: let go of them, so the
 * pipes end when the container's processes are gone. */
static void drop_write_ends(void)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null >= 0) {
		dup2(null, 1);
		dup2(null, 2);
		close(null);
	}
}

static int monitor_setup(struct mon *m, struct ar_err *err)
{
	sigset_t set;
	_cleanup_free_ char *log = NULL;

	prctl(PR_SET_CHILD_SUBREAPER, 1);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	m->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (m->sigfd < 0)
		return ar_error(err, errno, "signalfd");
	if (store_container_find(m->e->store, m->id, &m->c, err) < 0)
		return -1;
	log = xasprintf("%s/container.log", m->c.dir);
	m->logfd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (m->logfd < 0)
		return ar_error(err, errno, "open `%s`", log);
	return stdio_for_init(m, err);
}

/* Reaps every child; notes the init's status. Returns 1 once the init is
 * gone. */
static int reap(struct mon *m)
{
	struct signalfd_siginfo si;
	int st, gone = 0;
	pid_t p;

	while (read(m->sigfd, &si, sizeof si) > 0)
		;
	while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
		if (p == m->init) {
			m->status = st;
			gone = 1;
		}
	}
	return gone;
}

/* The runtime reports an OOM kill of a stopped container in its state. */
static bool oom_killed(struct mon *m)
{
	_cleanup_free_ char *json = NULL;
	struct ar_err err = { 0 };
	bool oom = false;

	if (ar_container_state(&m->e->rt, m->id, &json, &err) == 0)
		oom = strstr(json, "\"oomKilled\": true") || strstr(json, "\"oomKilled\":true");
	ar_err_clear(&err);
	return oom;
}

/* The OOM flag first (the runtime's state says, until deleted), then the
 * runtime container goes, killing whatever the init left in its cgroup. */
static void init_exited(struct mon *m)
{
	struct ar_err ignored = { 0 };

	m->oom = oom_killed(m);
	ar_container_delete(&m->e->rt, m->id, true, &ignored);
	ar_err_clear(&ignored);
}

/* Logs until the init exits; then, once the runtime has killed what was
 * left of the container, until both pipes end. */
static void monitor_loop(struct mon *m)
{
	bool init_gone = false, out_open = true, err_open = true;

	while (out_open || err_open) {
		struct pollfd p[3] = {
			{ out_open ? m->out.fd : -1, POLLIN, 0 },
			{ err_open ? m->errs.fd : -1, POLLIN, 0 },
			{ init_gone ? -1 : m->sigfd, POLLIN, 0 },
		};
		if (poll(p, 3, init_gone ? 2000 : -1) == 0)
			break;	/* something outside the cgroup holds a pipe */
		if (p[0].revents && !stream_pump(&m->out, m->logfd))
			out_open = false;
		if (p[1].revents && !stream_pump(&m->errs, m->logfd))
			err_open = false;
		if (!init_gone && p[2].revents && reap(m)) {
			init_gone = true;
			init_exited(m);
		}
	}
	/* The pipes may end first (the init closed them, or died): wait. */
	if (!init_gone) {
		while (!reap(m))
			poll(&(struct pollfd){ m->sigfd, POLLIN, 0 }, 1, -1);
		init_exited(m);
	}
}

static int exit_code_of(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

static void monitor_record(struct mon *m)
{
	int code = exit_code_of(m->status);
	int64_t now = engine_now_ns();
	bool auto_remove = engine_auto_remove(m->e, m->id);

	db_run(m->e->store->db, NULL, "UPDATE containers SET state = 'exited', exit_code = ?, "
	       "oom_killed = ?, finished_at = ? WHERE id = ? AND monitor_pid = ?", "iiisi",
	       (int64_t)code, (int64_t)m->oom, now, m->id, (int64_t)getpid());
	if (auto_remove) {
		struct ar_err ignored = { 0 };
		db_run(m->e->store->db, NULL, "INSERT OR REPLACE INTO exits(id, exit_code, "
		       "finished_at) VALUES(?, ?, ?)", "sii", m->id, (int64_t)code, now);
		storage_container_remove(m->e->store, m->id, true, &ignored);
		ar_err_clear(&ignored);
	}
}

void engine_monitor_main(struct engine *e, const char *id, int report)
{
	struct mon m = { .e = e, .id = id, .logfd = -1, .sigfd = -1 };
	struct ar_create_opts o = { .id = id, .console_sock_fd = -1 };
	struct ar_err err = { 0 };

	if (monitor_setup(&m, &err) == 0) {
		o.bundle = m.c.dir;
		ar_container_create(&e->rt, &o, &m.init, &err);
	}
	drop_write_ends();
	if (err.msg) {
		dprintf(report, "ERR %d %s", err.errnum, err.msg);
		_exit(1);
	}
	dprintf(report, "OK %ld %ld\n", (long)m.init, (long)getpid());
	close(report);
	monitor_loop(&m);
	ar_container_delete(&e->rt, id, true, &err);	/* gone already, normally */
	ar_err_clear(&err);
	monitor_record(&m);
	_exit(0);
}
