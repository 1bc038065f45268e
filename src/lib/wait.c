/* argon — the foreground side of `run` and `exec`: relay signals (and the
 * terminal) to the container process and reap until it exits. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "container.h"
#include "util.h"

static void relayed_set(sigset_t *set)
{
	sigfillset(set);
	/* Faults are ours, not the container's. */
	sigdelset(set, SIGSEGV);
	sigdelset(set, SIGBUS);
	sigdelset(set, SIGILL);
	sigdelset(set, SIGFPE);
	sigdelset(set, SIGTRAP);
	sigdelset(set, SIGABRT);
}

void ar_signals_block(void)
{
	sigset_t set;

	relayed_set(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

struct relay {
	int master;		/* -1 when no terminal */
	bool master_open;
	bool stdin_open;
	bool raw;
	struct termios saved;
};

static void relay_winsize(const struct relay *r)
{
	struct winsize ws;

	if (r->master >= 0 && ioctl(0, TIOCGWINSZ, &ws) == 0)
		ioctl(r->master, TIOCSWINSZ, &ws);
}

static void relay_start(struct relay *r, int master)
{
	struct termios t;

	r->master = master;
	r->master_open = master >= 0;
	r->stdin_open = master >= 0;
	r->raw = false;
	if (master < 0)
		return;
	if (isatty(0) && tcgetattr(0, &r->saved) == 0) {
		t = r->saved;
		cfmakeraw(&t);
		r->raw = tcsetattr(0, TCSANOW, &t) == 0;
	}
	relay_winsize(r);
}

static void relay_stop(struct relay *r)
{
	if (r->raw)
		tcsetattr(0, TCSANOW, &r->saved);
}

/* Copies what is readable from `from` to `to`; returns false on EOF/EIO. */
static bool copy_once(int from, int to)
{
	char buf[8192];
	ssize_t n = read(from, buf, sizeof buf);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	return write_all(to, buf, (size_t)n) == 0;
}

/* After the process exited, whatever it wrote is still in the pty. */
static void relay_drain(struct relay *r)
{
	if (r->master < 0)
		return;
	char buf[8192];
	ssize_t n;

	fcntl(r->master, F_SETFL, fcntl(r->master, F_GETFL) | O_NONBLOCK);
	while ((n = read(r->master, buf, sizeof buf)) > 0)
		if (write_all(1, buf, (size_t)n) < 0)
			break;
}

static int reap(pid_t pid, int *status, bool *done)
{
	int ws;
	pid_t p;

	while ((p = waitpid(-1, &ws, WNOHANG)) > 0) {
		if (p != pid)
			continue;	/* an orphan we adopted as subreaper */
		*done = true;
		*status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	}
	return 0;
}

static int on_signal(int sfd, pid_t pid, struct relay *r, int *status, bool *done)
{
	struct signalfd_siginfo si;

	if (read(sfd, &si, sizeof si) != sizeof si)
		return 0;
	if (si.ssi_signo == SIGCHLD)
		return reap(pid, status, done);
	if (si.ssi_signo == SIGWINCH)
		relay_winsize(r);
	kill(pid, (int)si.ssi_signo);
	return 0;
}

int ar_wait_forward(pid_t pid, int relay_master, int *status, struct ar_err *err)
{
	sigset_t set;
	struct relay r;
	bool done = false;
	_cleanup_close_ int sfd = -1;

	relayed_set(&set);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		return ar_error(err, errno, "signalfd");
	relay_start(&r, relay_master);
	reap(pid, status, &done);	/* it may have exited already */
	while (!done) {
		struct pollfd p[3] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = r.master_open ? r.master : -1, .events = POLLIN },
			{ .fd = r.stdin_open ? 0 : -1, .events = POLLIN },
		};
		if (poll(p, 3, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			on_signal(sfd, pid, &r, status, &done);
		if (p[1].revents && !copy_once(r.master, 1))
			r.master_open = false;
		if (p[2].revents && !copy_once(0, r.master))
			r.stdin_open = false;
	}
	relay_drain(&r);
	relay_stop(&r);
	return done ? 0 : ar_error(err, errno, "wait for container process %d", pid);
}
