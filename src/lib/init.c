/* argon — stage 1 and the container init (the silo's first process).
 *
 * Stage 1 is forked by `create`: it joins namespaces given by path, creates a
 * user namespace first (the parent writes its maps), unshares the rest, and
 * forks the init so the init is pid 1 of a new pid namespace. The init builds
 * the file system view, reports SYNC_READY, then blocks on exec.fifo until
 * `start`, runs startContainer hooks and execs the process. Every failure is
 * sent to the parent over the sync socket with its real cause.
 *
 * The seccomp filter is loaded as late as possible: right before execve,
 * after the startContainer hooks. A profile with a NOTIFY rule is the
 * exception: its listener must reach the creating parent while it is alive,
 * so that filter is loaded at the end of setup, before SYNC_READY, and
 * everything after (the fifo wait, the hooks) runs under it, as in runc.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "create_priv.h"
#include "hooks.h"
#include "process.h"
#include "resolve.h"
#include "rootfs.h"
#include "seccomp.h"
#include "sync.h"
#include "terminal.h"
#include "trace.h"
#include "util.h"

void reset_signals(void)
{
	sigset_t none;
	struct sigaction dfl = { .sa_handler = SIG_DFL };

	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Join order: the user namespace first (it owns the others), mount last so
 * the other paths were opened from the runtime's view (they are fds already). */
static const enum spec_ns_type join_order[] = {
	NS_USER, NS_IPC, NS_UTS, NS_NET, NS_PID, NS_CGROUP, NS_TIME, NS_MOUNT,
};

static int join_namespaces(struct create_ctx *c, struct ar_err *err)
{
	for (size_t i = 0; i < sizeof join_order / sizeof join_order[0]; i++) {
		enum spec_ns_type t = join_order[i];
		if (c->join_fd[t] < 0)
			continue;
		if (setns(c->join_fd[t], spec_ns_clone_flag(t)) < 0)
			return ar_error(err, errno, "join %s namespace `%s`", spec_ns_name(t),
					c->spec->linux.ns[t].path);
		close(c->join_fd[t]);
		c->join_fd[t] = -1;
	}
	return 0;
}

static int become_userns_root(struct create_ctx *c, struct ar_err *err)
{
	struct sync_msg m;

	if (unshare(CLONE_NEWUSER) < 0)
		return ar_error(err, errno, "create user namespace");
	if (sync_send(c->sync_child, SYNC_USERMAP_REQ, 0, NULL, 0, err) < 0 ||
	    sync_expect(c->sync_child, SYNC_USERMAP_ACK, &m, err) < 0)
		return -1;
	sync_msg_free(&m);
	if (setresgid(0, 0, 0) < 0)
		return ar_error(err, errno, "setresgid to 0 in the user namespace");
	if (setresuid(0, 0, 0) < 0)
		return ar_error(err, errno, "setresuid to 0 in the user namespace");
	return 0;
}

static int write_time_offsets(const struct spec_linux *l, struct ar_err *err)
{
	char buf[128];
	int n = 0;

	if (l->time_monotonic.set)
		n += snprintf(buf + n, sizeof buf - (size_t)n, "monotonic %lld %u\n",
			      (long long)l->time_monotonic.secs, l->time_monotonic.nanosecs);
	if (l->time_boottime.set)
		n += snprintf(buf + n, sizeof buf - (size_t)n, "boottime %lld %u\n",
			      (long long)l->time_boottime.secs, l->time_boottime.nanosecs);
	if (n == 0)
		return 0;
	return write_file_at(AT_FDCWD, "/proc/self/timens_offsets", buf, (size_t)n, 0, 0, err);
}

static int stage1_run(struct create_ctx *c, struct ar_err *err)
{
	pid_t init;
	int32_t pid32;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return ar_error(err, errno, "set parent death signal");
	/* Join the job before anything else, so the init and every process it
	 * forks are in it, and a new cgroup namespace is rooted at it. (A
	 * rootless container without a delegated cgroup has no job.) */
	if (c->cg && c->cg->ops->join_self(c->cg, c->born_in_job, err) < 0)
		return ar_err_prefix(err, "join cgroup `%s`", c->cg->path);
	ar_trace("stage1: joined the job");
	if (chdir(c->bundle) < 0)
		return ar_error(err, errno, "chdir to bundle `%s`", c->bundle);
	if (join_namespaces(c, err) < 0)
		return -1;
	if (c->new_userns && become_userns_root(c, err) < 0)
		return -1;
	if (c->new_ns_flags && unshare(c->new_ns_flags) < 0)
		return ar_error(err, errno, "create namespaces");
	if ((c->new_ns_flags & CLONE_NEWTIME) && write_time_offsets(&c->spec->linux, err) < 0)
		return -1;
	ar_trace("stage1: namespaces made");
	init = fork();
	if (init < 0)
		return ar_error(err, errno, "fork container init");
	if (init == 0)
		init_main(c);
	pid32 = init;
	return sync_send(c->sync_child, SYNC_INIT_PID, 0, &pid32, sizeof pid32, err);
}

static int stage1_close_fds(struct create_ctx *c, struct ar_err *err)
{
	int keep[NS__COUNT + 3];
	size_t n = 0;

	keep[n++] = c->sync_child;
	keep[n++] = c->fifo_fd;
	keep[n++] = c->console_fd;
	for (int t = 0; t < NS__COUNT; t++)
		keep[n++] = c->join_fd[t];
	return close_foreign_fds(c->o->preserve_fds, keep, n, err);
}

void stage1_main(struct create_ctx *c)
{
	struct ar_err err = { 0 };

	reset_signals();
	close(c->sync_parent);
	/* flock belongs to the open file: a child holding the locked state dir
	 * would block `start` until it execs. */
	close(c->dirfd);
	c->dirfd = -1;
	if (c->rt->rootfd >= 0)
		close(c->rt->rootfd);
	c->rt->rootfd = -1;
	if (stage1_close_fds(c, &err) < 0 || stage1_run(c, &err) < 0) {
		sync_send_error(c->sync_child, &err);
		_exit(1);
	}
	_exit(0);
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

int close_foreign_fds(int preserve, const int *keep, size_t n_keep, struct ar_err *err)
{
	int v[16] = { 0 };
	size_t n = 0;
	unsigned int lo = 3u + (unsigned int)preserve;

	for (size_t i = 0; i < n_keep && n < sizeof v / sizeof v[0]; i++)
		if (keep[i] >= (int)lo)
			v[n++] = keep[i];
	qsort(v, n, sizeof v[0], cmp_int);
	for (size_t i = 0; i <= n; i++) {
		unsigned int hi = i < n ? (unsigned int)v[i] - 1 : ~0u;
		if (lo <= hi && syscall(SYS_close_range, lo, hi, 0) < 0)
			return ar_error(err, errno, "close inherited fds %u..%u", lo, hi);
		if (i < n)
			lo = (unsigned int)v[i] + 1;
	}
	return 0;
}

int sweep_fds(int preserve, struct ar_err *err)
{
	int keep[64];
	size_t n = 0;

	for (int fd = 3; fd < 3 + preserve && n < sizeof keep / sizeof keep[0]; fd++)
		keep[n++] = fd;
	return process_cloexec_fds(3, keep, n, err);
}

int send_new_pty(const struct spec_process *p, int *console_fd, char **slave,
		 struct ar_err *err)
{
	_cleanup_close_ int master = -1;

	if (terminal_open_pty(&master, slave, err) < 0)
		return -1;
	if (p->has_console_size &&
	    terminal_set_size(master, p->console_height, p->console_width, err) < 0)
		return -1;
	if (terminal_send_fd(*console_fd, master, *slave, err) < 0)
		return ar_err_prefix(err, "send the pty master to the console socket");
	close(*console_fd);
	*console_fd = -1;
	return 0;
}

static int init_terminal(struct create_ctx *c, struct ar_err *err)
{
	_cleanup_free_ char *slave = NULL;

	if (send_new_pty(&c->spec->process, &c->console_fd, &slave, err) < 0 ||
	    rootfs_bind_console(slave, err) < 0)
		return -1;
	return terminal_make_controlling(slave, err);
}

static int init_set_names(const struct spec *s, struct ar_err *err)
{
	if (s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0)
		return ar_error(err, errno, "set hostname `%s`", s->hostname);
	if (s->domainname && setdomainname(s->domainname, strlen(s->domainname)) < 0)
		return ar_error(err, errno, "set domainname `%s`", s->domainname);
	return 0;
}

/* A new network namespace starts with lo down; runc brings it up, and
 * programs expect 127.0.0.1 to work. */
static int init_loopback_up(const struct spec *s, struct ar_err *err)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	_cleanup_close_ int fd = -1;

	if (!s->linux.ns[NS_NET].enabled || s->linux.ns[NS_NET].path)
		return 0;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return ar_error(err, errno, "bring up `lo`");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return ar_error(err, errno, "bring up `lo`");
	return 0;
}

/* Hands the createRuntime point to the parent; returns the state JSON the
 * in-container hooks get (createContainer's, then startContainer's). */
static int init_create_runtime(struct create_ctx *c, struct sync_msg *m, struct ar_err *err)
{
	if (sync_send(c->sync_child, SYNC_CREATE_RUNTIME, 0, NULL, 0, err) < 0)
		return -1;
	return sync_expect(c->sync_child, SYNC_CREATE_RUNTIME_ACK, m, err);
}

/* The final capabilities and the filter wait for the exec point, unless a
 * NOTIFY listener has to reach the parent first. */
static bool init_filter_late(const struct create_ctx *c)
{
	return c->seccomp && !c->seccomp->notify;
}

int hand_off_listener(int listener, void *sync_fd, struct ar_err *err)
{
	int fd = *(int *)sync_fd;
	struct sync_msg m;
	int r;

	r = sync_send_fd(fd, SYNC_SECCOMP_FD, listener, err);
	/* Never kept: a container process holding its own listener could
	 * answer its own notifications. */
	close(listener);
	if (r < 0 || sync_expect(fd, SYNC_SECCOMP_FD_ACK, &m, err) < 0)
		return ar_err_prefix(err, "hand the seccomp listener to the runtime");
	sync_msg_free(&m);
	return 0;
}

static int init_setup(struct create_ctx *c, struct sync_msg *hook_state, char **exe,
		      struct ar_err *err)
{
	const struct spec *s = c->spec;
	struct rootfs_opts ro = {
		.spec = s, .rootfs = c->rootfs, .userns = c->new_userns ||
		c->spec->linux.ns[NS_USER].path, .terminal = s->process.terminal,
		.no_pivot = c->o->no_pivot,
	};

	ar_trace("init: begins");
	if (rootfs_prepare(&ro, err) < 0 || init_set_names(s, err) < 0 ||
	    init_loopback_up(s, err) < 0)
		return -1;
	/* The last trace point of the init: after pivot_root a trace file's
	 * path would name a file of the container's. */
	ar_trace("init: rootfs mounted");
	if (init_create_runtime(c, hook_state, err) < 0)
		return -1;
	if (hooks_run(&s->hooks[HOOK_CREATE_CONTAINER], HOOK_CREATE_CONTAINER,
		      hook_state->data, err) < 0)
		return -1;
	if (rootfs_pivot(&ro, err) < 0)
		return -1;
	if (s->process.terminal && init_terminal(c, err) < 0)
		return -1;
	if (rootfs_finalize(&ro, err) < 0 || process_chdir(&s->process, err) < 0)
		return -1;
	if (process_find_executable(&s->process, exe, err) < 0)
		return -1;
	if (process_apply_rlimits(&s->process, err) < 0 ||
	    process_apply_oom_score_adj(&s->process, err) < 0)
		return -1;
	if (process_apply_user(&s->process, ro.userns, err) < 0 ||
	    sweep_fds(c->o->preserve_fds, err) < 0)
		return -1;
	if (init_filter_late(c))
		return 0;
	return process_apply_caps(&s->process, c->seccomp, hand_off_listener, &c->sync_child, err);
}

/* Blocks until `start` writes a byte into exec.fifo. */
static int init_wait_start(struct create_ctx *c, struct ar_err *err)
{
	char b;
	ssize_t n;

	do
		n = read(c->fifo_fd, &b, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		return ar_error(err, n < 0 ? errno : EPIPE, "wait for start on exec.fifo");
	close(c->fifo_fd);
	c->fifo_fd = -1;
	return 0;
}

__attribute__((noreturn)) static void init_fail_late(const struct ar_err *err)
{
	/* The creating parent is gone: stderr is all we have (runc does the same). */
	dprintf(2, "argon-runtime: %s\n", err->msg ? err->msg : "container init failed");
	_exit(127);
}

void init_main(struct create_ctx *c)
{
	struct ar_err err = { 0 };
	struct sync_msg hook_state = { .fd = -1 };
	const char *start_state;
	char *exe = NULL;
	bool wait;

	if (init_setup(c, &hook_state, &exe, &err) < 0) {
		sync_send_error(c->sync_child, &err);
		_exit(1);
	}
	if (sync_send(c->sync_child, SYNC_READY, 0, NULL, 0, &err) < 0)
		_exit(1);
	close(c->sync_child);
	if (init_wait_start(c, &err) < 0)
		_exit(1);
	/* The ACK payload holds two NUL-separated documents. */
	start_state = hook_state.data + strlen(hook_state.data) + 1;
	/* The startContainer hooks run a binary of the (untrusted) rootfs:
	 * with the process's final sets. The filter follows them when it can
	 * still be loaded then, else it goes with the sets, before the hooks. */
	wait = init_filter_late(c) && process_filter_may_wait(&c->spec->process);
	if (init_filter_late(c) &&
	    process_apply_caps(&c->spec->process, wait ? NULL : c->seccomp, NULL, NULL, &err) < 0)
		init_fail_late(&err);
	if (hooks_run(&c->spec->hooks[HOOK_START_CONTAINER], HOOK_START_CONTAINER,
		      start_state, &err) < 0)
		init_fail_late(&err);
	if (wait && process_load_filter(c->seccomp, &err) < 0)
		init_fail_late(&err);
	execve(exe, c->spec->process.args, c->spec->process.env);
	ar_error(&err, errno, "exec `%s`", exe);
	init_fail_late(&err);
}
