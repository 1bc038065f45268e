/* Unit tests for src/lib/proc.c: /proc/PID/stat parsing, the PID-reuse
 * guard, pid namespace membership and signal names. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"
#include "unit.h"
#include "util.h"

/* A child of ours that is killed and reaped when the variable leaves scope,
 * so a failed CHECK never leaves a process behind. */
static void child_reap(pid_t *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGKILL);
		while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
}
#define _cleanup_child_ __attribute__((cleanup(child_reap)))

/* Field 22 of a /proc/PID/stat line, parsed independently with sscanf. */
static int stat_field22(pid_t pid, unsigned long long *out)
{
	char path[64], buf[4096];
	int fd;
	ssize_t n;
	const char *p;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (p == NULL)
		return -1;
	return sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
		      out) == 1 ? 0 : -1;
}

/* Forks a child that renames itself to `comm`, reports ready on a pipe and
 * sleeps until killed. */
static pid_t spawn_sleeper(const char *comm)
{
	int p[2];
	char c;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		if (comm)
			prctl(PR_SET_NAME, comm, 0, 0, 0);
		if (write(p[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	if (pid > 0 && read(p[0], &c, 1) != 1) {
		child_reap(&pid);
		pid = -1;
	}
	close(p[0]);
	return pid;
}

static void start_time_of_self(void)
{
	uint64_t got = 0;
	unsigned long long want = 0;

	CHECK(proc_start_time(getpid(), &got) == 0);
	CHECK(stat_field22(getpid(), &want) == 0);
	CHECK(got == want);
	CHECK(got > 0);
}

static void start_time_hostile_comm(void)
{
	/* A naive parser stopping at the first ')' reads the wrong fields. */
	_cleanup_child_ pid_t child = spawn_sleeper("a) Z 1 2 (b");
	uint64_t got = 0, self = 0;
	unsigned long long want = 0;

	CHECK(child > 0);
	CHECK(proc_start_time(child, &got) == 0);
	CHECK(stat_field22(child, &want) == 0);
	CHECK(got == want);
	CHECK(proc_start_time(getpid(), &self) == 0);
	CHECK(got >= self);
	CHECK(proc_is_same(child, got));
	CHECK(!proc_is_same(child, got + 1));
}

static void start_time_errors(void)
{
	uint64_t t;

	CHECK(proc_start_time(0, &t) < 0);
	CHECK(proc_start_time(-5, &t) < 0);
	CHECK(!proc_is_same(0, 0));
	CHECK(!proc_is_same(-1, 0));
}

static void is_same_false_for_zombie_and_reaped(void)
{
	uint64_t start = 0, again = 0;
	siginfo_t si;
	pid_t child = fork();

	if (child == 0)
		_exit(0);
	CHECK(child > 0);
	/* WNOWAIT: wait until it has exited but leave the zombie in place. */
	memset(&si, 0, sizeof si);
	while (waitid(P_PID, (id_t)child, &si, WEXITED | WNOWAIT) < 0 && errno == EINTR)
		;
	int have_start = proc_start_time(child, &start);
	bool zombie_same = proc_is_same(child, start);
	waitpid(child, NULL, 0);
	/* The zombie's stat is readable and its start time right; it is still
	 * not "the same process". */
	CHECK(si.si_pid == child);
	CHECK(have_start == 0);
	CHECK(!zombie_same);
	CHECK(proc_start_time(child, &again) < 0);
	CHECK(!proc_is_same(child, start));
}

static bool pids_contain(const pid_t *pids, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

static void pidns_of_self(void)
{
	_cleanup_child_ pid_t child = spawn_sleeper(NULL);
	_cleanup_free_ pid_t *pids = NULL;
	struct ar_err err = { 0 };
	size_t n = 0;

	CHECK(child > 0);
	CHECK(proc_pids_in_pidns_of(getpid(), &pids, &n, &err) == 0);
	CHECK(n >= 2);
	CHECK(pids_contain(pids, n, getpid()));
	CHECK(pids_contain(pids, n, child));
	for (size_t i = 1; i < n; i++)
		CHECK(pids[i - 1] < pids[i]);
}

static void pidns_of_missing_pid(void)
{
	pid_t *pids = NULL;
	struct ar_err err = { 0 };
	size_t n = 0;
	pid_t gone = fork();

	if (gone == 0)
		_exit(0);
	CHECK(gone > 0);
	waitpid(gone, NULL, 0);
	CHECK(proc_pids_in_pidns_of(gone, &pids, &n, &err) < 0);
	CHECK(err.errnum == ENOENT);
	CHECK_CONTAINS(err.msg, "/ns/pid");
	ar_err_clear(&err);
}

/* The middle child unshares a pid namespace and forks its init, which forks
 * one more process; both report on pipes. Returns the middle child's pid. */
static pid_t spawn_pidns(pid_t *init, int *ready_fd)
{
	int pid_pipe[2], ready[2];
	pid_t mid;

	if (pipe2(pid_pipe, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(ready, O_CLOEXEC) < 0) {
		close(pid_pipe[0]);
		close(pid_pipe[1]);
		return -1;
	}
	mid = fork();
	if (mid == 0) {
		if (unshare(CLONE_NEWPID) < 0)
			_exit(1);
		pid_t ns_init = fork();
		if (ns_init == 0) {
			if (fork() == 0)
				for (;;)
					pause();
			if (write(ready[1], "r", 1) != 1)
				_exit(1);
			for (;;)
				pause();
		}
		if (ns_init < 0 || write(pid_pipe[1], &ns_init, sizeof ns_init) != sizeof ns_init)
			_exit(1);
		waitpid(ns_init, NULL, 0);
		_exit(0);
	}
	close(pid_pipe[1]);
	close(ready[1]);
	*ready_fd = ready[0];
	*init = -1;
	if (mid > 0 && read(pid_pipe[0], init, sizeof *init) != sizeof *init)
		*init = -1;
	close(pid_pipe[0]);
	return mid;
}

static pid_t ppid_of(pid_t pid)
{
	char path[64], buf[4096];
	int fd, ppid = -1;
	ssize_t n;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (strrchr(buf, ')') == NULL || sscanf(strrchr(buf, ')') + 1, " %*c %d", &ppid) != 1)
		return -1;
	return ppid;
}

/* Ends the namespace: SIGKILL to its init (its descendants die with it);
 * the middle child, which reaps init, then exits by itself. Killing the
 * middle child first would leave init's zombie to our pid 1. */
struct pidns_kids {
	pid_t mid, init;
};

static void pidns_kids_end(struct pidns_kids *k)
{
	if (k->init > 0)
		kill(k->init, SIGKILL);
	if (k->mid > 0) {
		if (k->init <= 0)
			kill(k->mid, SIGKILL);
		while (waitpid(k->mid, NULL, 0) < 0 && errno == EINTR)
			;
	}
}

static void pidns_of_child_namespace(void)
{
	__attribute__((cleanup(pidns_kids_end))) struct pidns_kids kids = { -1, -1 };
	_cleanup_close_ int ready = -1;
	_cleanup_free_ pid_t *pids = NULL;
	struct ar_err err = { 0 };
	size_t n = 0;
	char c;

	if (geteuid() != 0)
		SKIP("needs root for unshare(CLONE_NEWPID)");
	kids.mid = spawn_pidns(&kids.init, &ready);
	CHECK(kids.mid > 0);
	CHECK(kids.init > 0);
	CHECK(read(ready, &c, 1) == 1);
	CHECK(proc_pids_in_pidns_of(kids.init, &pids, &n, &err) == 0);
	CHECK(n == 2);
	CHECK(pids_contain(pids, n, kids.init));
	CHECK(!pids_contain(pids, n, getpid()));
	CHECK(!pids_contain(pids, n, kids.mid));
	CHECK(ppid_of(pids[0] == kids.init ? pids[1] : pids[0]) == kids.init);
}

static void signals_by_name(void)
{
	CHECK(signal_parse("KILL") == SIGKILL);
	CHECK(signal_parse("SIGKILL") == SIGKILL);
	CHECK(signal_parse("kill") == SIGKILL);
	CHECK(signal_parse("sigterm") == SIGTERM);
	CHECK(signal_parse("9") == 9);
	CHECK(signal_parse("HUP") == SIGHUP);
	CHECK(signal_parse("SIGSYS") == SIGSYS);
	CHECK(signal_parse("IOT") == SIGABRT);
	CHECK(signal_parse("POLL") == SIGIO);
	CHECK(signal_parse("IO") == SIGIO);
	CHECK(signal_parse("CLD") == SIGCHLD);
	CHECK(signal_parse("WINCH") == SIGWINCH);
}

static void signals_invalid(void)
{
	char buf[32];

	CHECK(signal_parse("0") == -1);
	CHECK(signal_parse("65") == -1);
	snprintf(buf, sizeof buf, "%d", SIGRTMAX + 1);
	CHECK(signal_parse(buf) == -1);
	CHECK(signal_parse("bogus") == -1);
	CHECK(signal_parse("SIGBOGUS") == -1);
	CHECK(signal_parse("SIG") == -1);
	CHECK(signal_parse("") == -1);
	CHECK(signal_parse(NULL) == -1);
	CHECK(signal_parse("-9") == -1);
	CHECK(signal_parse("+9") == -1);
	CHECK(signal_parse(" 9") == -1);
	CHECK(signal_parse("9x") == -1);
	CHECK(signal_parse("KILLX") == -1);
	CHECK(signal_parse("RTMIN+") == -1);
	CHECK(signal_parse("RTMIN-1") == -1);
	CHECK(signal_parse("RTMAX+1") == -1);
	snprintf(buf, sizeof buf, "RTMIN+%d", SIGRTMAX - SIGRTMIN + 1);
	CHECK(signal_parse(buf) == -1);
}

static void signals_realtime(void)
{
	char buf[32];

	CHECK(signal_parse("RTMIN") == SIGRTMIN);
	CHECK(signal_parse("SIGRTMIN") == SIGRTMIN);
	CHECK(signal_parse("RTMIN+2") == SIGRTMIN + 2);
	CHECK(signal_parse("sigrtmin+3") == SIGRTMIN + 3);
	CHECK(signal_parse("RTMAX") == SIGRTMAX);
	CHECK(signal_parse("RTMAX-1") == SIGRTMAX - 1);
	snprintf(buf, sizeof buf, "%d", SIGRTMAX);
	CHECK(signal_parse(buf) == SIGRTMAX);
	snprintf(buf, sizeof buf, "RTMAX-%d", SIGRTMAX - SIGRTMIN);
	CHECK(signal_parse(buf) == SIGRTMIN);
}

static void signal_names(void)
{
	CHECK_STR(signal_name(SIGKILL), "SIGKILL");
	CHECK_STR(signal_name(SIGHUP), "SIGHUP");
	CHECK_STR(signal_name(SIGABRT), "SIGABRT");
	CHECK_STR(signal_name(SIGCHLD), "SIGCHLD");
	CHECK_STR(signal_name(SIGIO), "SIGIO");
	CHECK_STR(signal_name(SIGSYS), "SIGSYS");
	CHECK_STR(signal_name(SIGRTMIN), "SIGRTMIN");
	CHECK_STR(signal_name(SIGRTMIN + 2), "SIGRTMIN+2");
	CHECK_STR(signal_name(SIGRTMAX), "SIGRTMAX");
	CHECK_STR(signal_name(SIGRTMAX - 1), "SIGRTMAX-1");
	CHECK(signal_name(0) == NULL);
	CHECK(signal_name(SIGRTMAX + 1) == NULL);
	CHECK(signal_name(-1) == NULL);
	/* Every named signal parses back to itself. */
	for (int sig = 1; sig <= SIGRTMAX; sig++) {
		const char *name = signal_name(sig);
		if (name)
			CHECK(signal_parse(name) == sig);
	}
	for (int sig = 1; sig < 32; sig++)
		CHECK(signal_name(sig) != NULL);
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		CHECK(signal_name(sig) != NULL);
}

/* Processes exiting mid-scan (in another pid namespace) must never turn
 * into a failed scan: that once made `delete --force` fail at random. */
static void pidns_scan_survives_churn(void)
{
	pid_t mid, churn, target = 0;
	int fails = 0, p[2];

	if (geteuid() != 0)
		SKIP("needs root for CLONE_NEWPID");
	CHECK(pipe2(p, O_CLOEXEC) == 0);
	mid = fork();
	CHECK(mid >= 0);
	if (mid == 0) {	/* target = pid 1 of a new pid namespace */
		pid_t g;
		if (unshare(CLONE_NEWPID) < 0 || (g = fork()) < 0)
			_exit(1);
		if (g == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			pause();
			_exit(0);
		}
		if (write(p[1], &g, sizeof g) != sizeof g)
			_exit(1);
		waitpid(g, NULL, 0);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &target, sizeof target) != sizeof target)
		target = 0;
	close(p[0]);
	churn = fork();
	if (churn == 0) {	/* host processes that exit all the time */
		for (int k = 0; k < 3; k++)
			if (fork() == 0)
				break;
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;) {
			pid_t c = fork();
			if (c == 0)
				_exit(0);
			if (c > 0)
				waitpid(c, NULL, 0);
		}
	}
	for (int i = 0; target > 0 && churn > 0 && i < 3000; i++) {
		struct ar_err e = { 0 };
		pid_t *pids = NULL;
		size_t n = 0;
		if (proc_pids_in_pidns_of(target, &pids, &n, &e) < 0 || n != 1)
			fails++;
		free(pids);
		ar_err_clear(&e);
	}
	if (churn > 0) {
		kill(churn, SIGKILL);
		waitpid(churn, NULL, 0);
	}
	kill(mid, SIGKILL);	/* the target dies with it (PDEATHSIG) */
	waitpid(mid, NULL, 0);
	CHECK(target > 0 && churn > 0);
	CHECK(fails == 0);
}

UNIT_MAIN(UNIT(pidns_scan_survives_churn), UNIT(start_time_of_self), UNIT(start_time_hostile_comm), UNIT(start_time_errors),
	  UNIT(is_same_false_for_zombie_and_reaped), UNIT(pidns_of_self), UNIT(pidns_of_missing_pid),
	  UNIT(pidns_of_child_namespace), UNIT(signals_by_name), UNIT(signals_invalid),
	  UNIT(signals_realtime), UNIT(signal_names))
