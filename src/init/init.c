/* argon-init — `run --init`'s pid 1 (docker-init / tini's job).
 *
 *   argon-init -- CMD [ARGS...]
 *
 * A process that is pid 1 of its pid namespace gets no default signal
 * actions and inherits every orphan. Most commands are not written for
 * that: SIGTERM from `argon stop` would be ignored and orphans would stay
 * zombies. argon-init runs the command as its child in a process group of
 * its own (the terminal's foreground group, with -t), forwards the signals
 * it is sent to the child, reaps every process that ends, and exits with
 * the child's status (128+N when signal N killed it) as soon as the child
 * is gone; the kernel then ends whatever else is left in the namespace.
 *
 * Static, libc only, no allocation: it lives for the whole container.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXIT_USAGE 125		/* as docker-init: its own failure */

/* The signals about the reaper itself, never forwarded (as tini): faults
 * are its own bugs, and the tty ones come from handing the terminal over.
 * SIGCHLD is how it learns of exits. */
static bool own(int sig)
{
	switch (sig) {
	case SIGFPE: case SIGILL: case SIGSEGV: case SIGBUS: case SIGABRT: case SIGTRAP:
	case SIGSYS: case SIGTTIN: case SIGTTOU: case SIGKILL: case SIGSTOP:
		return true;
	}
	return false;
}

static void say(const char *what, const char *arg, int e)
{
	fprintf(stderr, "argon-init: %s `%s`: %s\n", what, arg, strerror(e));
}

/* The child: its own process group (taking the terminal when stdin is
 * one), the signal mask and actions of a fresh process, then the command. */
static void child(char **argv, const sigset_t *orig)
{
	int e;

	setpgid(0, 0);
	/* SIGTTOU is still blocked here, so a background group may do this. */
	if (isatty(STDIN_FILENO) && tcsetpgrp(STDIN_FILENO, getpgrp()) < 0 && errno != ENOTTY &&
	    errno != ENXIO)
		say("take the terminal", "stdin", errno);
	signal(SIGTTIN, SIG_DFL);
	signal(SIGTTOU, SIG_DFL);
	sigprocmask(SIG_SETMASK, orig, NULL);
	execvp(argv[0], argv);
	e = errno;
	say("exec", argv[0], e);
	_exit(e == ENOENT ? 127 : 126);
}

/* Reaps every exited process; returns 1 with *status when `pid` was one. */
static int reap(pid_t pid, int *status)
{
	int found = 0, st;
	pid_t p;

	while ((p = waitpid(-1, &st, WNOHANG)) > 0)
		if (p == pid) {
			*status = st;
			found = 1;
		}
	return found;
}

static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

static int supervise(pid_t pid, const sigset_t *waited)
{
	int status = 0;

	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(waited, &si);
		if (sig < 0)
			continue;	/* EINTR */
		if (sig != SIGCHLD) {
			/* The child is not reaped before its exit is seen, so
			 * its pid cannot be reused by then. */
			if (kill(pid, sig) < 0 && errno != ESRCH)
				say("forward signal to", "child", errno);
			continue;
		}
		if (reap(pid, &status))
			return exit_code(status);
	}
}

int main(int argc, char **argv)
{
	sigset_t orig, waited;
	pid_t pid;

	if (argc > 1 && strcmp(argv[1], "--") == 0) {
		argv++;
		argc--;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: argon-init -- CMD [ARGS...]\n");
		return EXIT_USAGE;
	}
	/* Not pid 1 (no pid namespace): orphans still come to us. */
	if (getpid() != 1)
		prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	/* Everything else is blocked and taken with sigwaitinfo: a blocked
	 * signal reaches even a pid 1 that has no handler for it. */
	sigemptyset(&waited);
	for (int sig = 1; sig < NSIG; sig++)
		if (!own(sig))
			sigaddset(&waited, sig);	/* glibc's internal ones fail: fine */
	sigprocmask(SIG_SETMASK, &waited, &orig);
	/* The tty signals: ignored, so the terminal hand-over never stops us. */
	signal(SIGTTIN, SIG_IGN);
	signal(SIGTTOU, SIG_IGN);
	pid = fork();
	if (pid < 0) {
		say("fork for", argv[1], errno);
		return EXIT_USAGE;
	}
	if (pid == 0)
		child(argv + 1, &orig);
	return supervise(pid, &waited);
}
