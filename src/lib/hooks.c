/* argon — running OCI hooks: state JSON on a stdin pipe, the hook's own argv
 * and env (exactly as configured), stdout/stderr shared with the caller, and
 * a timeout enforced with a pidfd (the hook is killed and reaped on expiry). */

#include "hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* Without a pidfd the exit is checked this often (ms). */
#define HOOK_POLL_FALLBACK_MS 20

struct hook_run {
	const struct spec_hook *hook;
	const char *kind;
	pid_t pid;
	int pidfd;		/* -1 when pidfd_open is unavailable */
	int stdin_fd;		/* our write end; -1 once all is written */
	const char *state;
	size_t state_len, written;
	bool got_epipe;
};

/* "<kind> hook `PATH`: <what>[: strerror]", errnum kept either way. */
static int hook_error(struct ar_err *err, const struct hook_run *r, int errnum, bool with_strerror,
		      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int hook_error(struct ar_err *err, const struct hook_run *r, int errnum, bool with_strerror,
		      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ar_verror(err, with_strerror ? errnum : 0, fmt, ap);
	va_end(ap);
	ar_err_prefix(err, "%s hook `%s`", r->kind, r->hook->path);
	if (err)
		err->errnum = errnum;
	return -1;
}

/* Between fork and exec: async-signal-safe calls only. */
static void __attribute__((noreturn))
hook_child(char *const *argv, char *const *envp, const char *path, int stdin_rd, int report_wr)
{
	sigset_t none;
	int e;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (stdin_rd == STDIN_FILENO)
		e = fcntl(stdin_rd, F_SETFD, 0) < 0 ? errno : 0;
	else
		e = dup2(stdin_rd, STDIN_FILENO) < 0 ? errno : 0;
	if (e == 0) {
		execve(path, argv, envp);
		e = errno;
	}
	if (write(report_wr, &e, sizeof e) < 0) {
	}
	_exit(127);
}

/* Forks the hook; after a successful return it has exec'd. */
static int hook_spawn(struct hook_run *r, struct ar_err *err)
{
	char *path_argv[] = { r->hook->path, NULL };
	char *no_env[] = { NULL };
	char *const *argv = r->hook->args && r->hook->args[0] ? r->hook->args : path_argv;
	char *const *envp = r->hook->env ? r->hook->env : no_env;
	_cleanup_close_ int stdin_rd = -1, report_rd = -1, report_wr = -1;
	int in_pipe[2], report[2], child_errno = 0;

	if (pipe2(in_pipe, O_CLOEXEC) < 0)
		return hook_error(err, r, errno, true, "create the stdin pipe");
	stdin_rd = in_pipe[0];
	r->stdin_fd = in_pipe[1];
	if (pipe2(report, O_CLOEXEC) < 0)
		return hook_error(err, r, errno, true, "create the exec report pipe");
	report_rd = report[0];
	report_wr = report[1];
	r->pid = fork();
	if (r->pid < 0)
		return hook_error(err, r, errno, true, "fork");
	if (r->pid == 0)
		hook_child(argv, envp, r->hook->path, stdin_rd, report_wr);
	close(steal_fd(&report_wr));
	/* EOF means execve succeeded (the report end was close-on-exec). */
	if (read_all(report_rd, &child_errno, sizeof child_errno) == (ssize_t)sizeof child_errno) {
		waitpid(r->pid, NULL, 0);
		r->pid = -1;
		return hook_error(err, r, child_errno, true, "exec");
	}
	r->pidfd = (int)syscall(SYS_pidfd_open, r->pid, 0);
	/* The hook gets the state as it can read it; we never block on it. */
	if (fcntl(r->stdin_fd, F_SETFL, O_NONBLOCK) < 0)
		return hook_error(err, r, errno, true, "make the stdin pipe non-blocking");
	return 0;
}

static void hook_feed_stdin(struct hook_run *r)
{
	while (r->written < r->state_len) {
		ssize_t n = write(r->stdin_fd, r->state + r->written, r->state_len - r->written);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) {
			/* The hook closed its stdin (or exited) without reading it all. */
			r->got_epipe = errno == EPIPE;
			break;
		}
		r->written += (size_t)n;
	}
	close(r->stdin_fd);
	r->stdin_fd = -1;
}

/* Poll timeout in ms until the deadline (0 = none), capped without a pidfd. */
static int hook_poll_ms(const struct hook_run *r, uint64_t deadline)
{
	int64_t ms = -1;

	if (deadline) {
		uint64_t now = now_ns();
		ms = now >= deadline ? 0 : (int64_t)((deadline - now + 999999) / 1000000);
	}
	if (r->pidfd < 0 && (ms < 0 || ms > HOOK_POLL_FALLBACK_MS))
		ms = HOOK_POLL_FALLBACK_MS;
	return ms > INT32_MAX ? INT32_MAX : (int)ms;
}

/* Feeds stdin and waits; 0 with *status set, 1 on timeout, -1 on error. */
static int hook_wait(struct hook_run *r, uint64_t deadline, int *status, struct ar_err *err)
{
	for (;;) {
		pid_t w = waitpid(r->pid, status, WNOHANG);
		struct pollfd pfd[2] = {
			{ .fd = r->pidfd, .events = POLLIN },
			{ .fd = r->stdin_fd, .events = POLLOUT },
		};

		if (w == r->pid)
			return 0;
		if (w < 0 && errno != EINTR)
			return hook_error(err, r, errno, true, "wait");
		if (deadline && now_ns() >= deadline)
			return 1;
		if (r->stdin_fd >= 0 && r->written >= r->state_len) {
			hook_feed_stdin(r);	/* nothing (left) to send: EOF now */
			continue;
		}
		if (poll(pfd, 2, hook_poll_ms(r, deadline)) < 0 && errno != EINTR)
			return hook_error(err, r, errno, true, "poll");
		if (pfd[1].revents)
			hook_feed_stdin(r);
	}
}

static int hook_report_status(const struct hook_run *r, int status, struct ar_err *err)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		return hook_error(err, r, 0, false, "exit status %d", WEXITSTATUS(status));
	if (WIFSIGNALED(status)) {
		const char *abbrev = sigabbrev_np(WTERMSIG(status));
		if (abbrev)
			return hook_error(err, r, 0, false, "killed by SIG%s", abbrev);
		return hook_error(err, r, 0, false, "killed by signal %d", WTERMSIG(status));
	}
	return hook_error(err, r, 0, false, "unexpected wait status %#x", status);
}

/* SIGPIPE is blocked while feeding stdin so a hook that ignores it cannot
 * kill us; a SIGPIPE we caused is consumed, one that was already pending is
 * left for the caller. */
static int hook_run_one(struct hook_run *r, struct ar_err *err)
{
	uint64_t deadline = r->hook->has_timeout
		? now_ns() + (uint64_t)r->hook->timeout * 1000000000ULL : 0;
	sigset_t pipe_set, old_mask, pending;
	bool was_pending;
	int status = 0, rc;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE) == 1;
	rc = hook_spawn(r, err);
	if (rc == 0)
		rc = hook_wait(r, deadline, &status, err);
	if (rc == 0) {
		rc = hook_report_status(r, status, err);
	} else if (r->pid > 0) {
		/* Timed out or failed while it runs: it must not outlive us. */
		kill(r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0);
		if (rc == 1)
			rc = hook_error(err, r, ETIMEDOUT, false, "timed out after %d s",
					r->hook->timeout);
	}
	if (r->got_epipe && !was_pending) {
		struct timespec zero = { 0, 0 };
		sigtimedwait(&pipe_set, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	return rc;
}

int hooks_run(const struct spec_hook_list *hooks, enum spec_hook_kind kind,
	      const char *state_json, struct ar_err *err)
{
	for (size_t i = 0; hooks && i < hooks->n; i++) {
		const char *kind_name = spec_hook_name(kind);
		struct hook_run r = {
			.hook = &hooks->v[i], .kind = kind_name ? kind_name : "unknown", .pid = -1,
			.pidfd = -1, .stdin_fd = -1, .state = state_json ? state_json : "",
			.state_len = state_json ? strlen(state_json) : 0,
		};
		int rc = hook_run_one(&r, err);

		if (r.pidfd >= 0)
			close(r.pidfd);
		if (r.stdin_fd >= 0)
			close(r.stdin_fd);
		if (rc < 0)
			return -1;
	}
	return 0;
}
