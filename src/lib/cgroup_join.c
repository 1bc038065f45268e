/* argon — putting a new process into its job without waiting.
 *
 * Moving a process by writing its pid to cgroup.procs takes the kernel's
 * global cgroup_threadgroup_rwsem for writing, and taking that per-cpu
 * rwsem for writing waits for an RCU grace period: 6 to 10 ms on this
 * 2-core machine, the largest single cost of `create` once measured.
 * Two ways around it, both in the kernel's fast path:
 *   - cgroup2: clone3(CLONE_INTO_CGROUP) makes the child inside the cgroup
 *     (fork takes the rwsem for reading only);
 *   - cgroup v1: a thread writing "0" to `tasks` moves only itself, and
 *     the kernel skips the global lock for that (cgroup_procs_write_start:
 *     "If we migrate a single thread, we don't care about threadgroup
 *     stability"). Our children are single-threaded, so the thread is
 *     the whole process.
 * Either falls back to the slow write when the kernel or the permissions
 * say no, so the error, if any, is the ordinary one.
 */
#define _GNU_SOURCE
#include "cgroup_priv.h"

#include <errno.h>
#include <linux/sched.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

pid_t cgroup_fork(struct cgroup *cg, bool *born_in_v2)
{
	struct cg_impl *c = cg ? cg_impl(cg) : NULL;
	struct clone_args args;
	long pid;
	int fd;

	*born_in_v2 = false;
	if (c == NULL || c->v2_dir == NULL)
		return fork();
	fd = cg_open_dir(c->v2_dir, NULL);
	if (fd < 0)
		return fork();
	memset(&args, 0, sizeof args);
	args.flags = CLONE_INTO_CGROUP;
	args.exit_signal = SIGCHLD;
	args.cgroup = (uint64_t)fd;
	/* Like fork (no new stack, SIGCHLD). glibc's fork would also refresh
	 * the thread id it keeps for the thread; nothing the child runs uses
	 * it (no PI or robust mutexes; raise() asks the kernel), and its own
	 * next fork refreshes it. glibc has cached no pid since 2.25. */
	pid = syscall(SYS_clone3, &args, sizeof args);
	close(fd);
	if (pid < 0)
		return fork();	/* no clone3, not permitted: the slow way */
	*born_in_v2 = true;
	return (pid_t)pid;
}

/* v1: "0" into `tasks` moves this thread without the global lock. */
int cg_v1_join_self(const char *dir, struct ar_err *err)
{
	_cleanup_close_ int fd = cg_open_dir(dir, err);
	struct ar_err ignored = { 0 };

	if (fd < 0)
		return -1;
	if (cg_write(fd, dir, "tasks", "0", &ignored) == 0)
		return 0;
	ar_err_clear(&ignored);
	return cg_writef(fd, dir, "cgroup.procs", err, "%d", (int)getpid());
}
