/* Helpers shared by the seccomp unit tests (test_seccomp*.c): compiling a
 * profile, and children that load a filter and report through their exit
 * status what the kernel did. */
#ifndef ARGON_SECCOMP_UNIT_H
#define ARGON_SECCOMP_UNIT_H

#include <errno.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "seccomp.h"
#include "util.h"

#define ALLOW "\"defaultAction\":\"SCMP_ACT_ALLOW\""

static inline struct seccomp_prog *compile_in(const char *json, const char *cache)
{
	struct seccomp_prog *p = NULL;
	struct ar_err err = { 0 };

	if (seccomp_compile(json, cache, &p, &err) < 0) {
		fprintf(stderr, "  compile: %s\n", err.msg);
		ar_err_clear(&err);
	}
	return p;
}

static inline struct seccomp_prog *compile(const char *json)
{
	return compile_in(json, NULL);
}

/* A syscall the child makes with the filter on, and the errno it must
 * fail with (0: it must succeed). */
struct probe {
	long nr, a0, a1;
	int err;
};

/* The raw exit: under ASan _exit runs the leak check first, whose
 * syscalls a strict filter refuses. */
static inline __attribute__((noreturn)) void child_exit(int code)
{
	syscall(SYS_exit_group, code);
	_exit(code);
}

static inline void child_prepare(void)
{
	struct rlimit none = { 0, 0 };

	setrlimit(RLIMIT_CORE, &none);	/* SIGSYS would dump core */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		child_exit(98);
}

/* Loads p in a child and runs the probes; the wait status comes back.
 * Exit 0: every probe as expected; 100+i: probe i was not; 99: no load. */
static inline int run_probes(const struct seccomp_prog *p, const struct probe *pr, size_t n)
{
	pid_t pid = fork();
	int st = -1;

	if (pid == 0) {
		child_prepare();
		if (seccomp_prog_load(p, NULL, NULL) < 0)
			child_exit(99);
		for (size_t i = 0; i < n; i++) {
			long r = syscall(pr[i].nr, pr[i].a0, pr[i].a1);
			if ((r < 0 ? errno : 0) != pr[i].err)
				child_exit(100 + (int)i);
		}
		child_exit(0);
	}
	if (pid > 0)
		waitpid(pid, &st, 0);
	return st;
}

#define PROBES(p, ...) run_probes(p, (const struct probe[]){ __VA_ARGS__ }, \
	sizeof((const struct probe[]){ __VA_ARGS__ }) / sizeof(struct probe))
#define EXITED_OK(st) (WIFEXITED(st) && WEXITSTATUS(st) == 0)

static inline void show_status(int st)
{
	if (WIFEXITED(st) && WEXITSTATUS(st))
		fprintf(stderr, "  child exit %d\n", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		fprintf(stderr, "  child killed by signal %d\n", WTERMSIG(st));
}

/* A getppid NOTIFY rule and an ERRNO rule. Caller frees. */
static inline char *notify_profile(const char *flags, const char *path)
{
	return xasprintf("{" ALLOW ",\"flags\":[%s],\"listenerPath\":\"%s\","
			 "\"listenerMetadata\":\"m=1\",\"syscalls\":["
			 "{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_NOTIFY\"},"
			 "{\"names\":[\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38}]}",
			 flags, path);
}

#endif
