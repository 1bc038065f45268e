/* argon — `exec`: start a process inside a running container (CExecSvc).
 *
 * A child enters every namespace of the container's init at once with
 * setns(pidfd) (atomic, immune to PID reuse), forks so the new process is
 * inside the pid namespace too, then applies the process description and
 * execs. The sync socket is close-on-exec: EOF means the exec happened, a
 * SYNC_ERROR carries the cause of a failure.
 *
 * The process never gets more than the container: its capability sets must
 * lie within the init's bounding set, and it gets the container's seccomp
 * filter (from the stored config.json), loaded right before execve; a
 * NOTIFY listener comes back over the sync socket and goes to listenerPath.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container.h"
#include "create_priv.h"
#include "job.h"
#include "proc.h"
#include "process.h"
#include "seccomp.h"
#include "sync.h"
#include "terminal.h"
#include "util.h"

static const struct {
	const char *name;
	int flag;
} ns_files[] = {
	{ "user", CLONE_NEWUSER }, { "mnt", CLONE_NEWNS }, { "pid", CLONE_NEWPID },
	{ "net", CLONE_NEWNET }, { "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS },
	{ "cgroup", CLONE_NEWCGROUP }, { "time", CLONE_NEWTIME },
};

/* The namespaces of `pid` that differ from ours: setns refuses to "enter"
 * the user namespace we are already in. */
static int ns_to_join(pid_t pid, bool *userns)
{
	int flags = 0;

	*userns = false;
	for (size_t i = 0; i < sizeof ns_files / sizeof ns_files[0]; i++) {
		char path[64];
		struct stat theirs, ours;
		snprintf(path, sizeof path, "/proc/%d/ns/%s", pid, ns_files[i].name);
		if (stat(path, &theirs) < 0)
			continue;
		snprintf(path, sizeof path, "/proc/self/ns/%s", ns_files[i].name);
		if (stat(path, &ours) < 0 || theirs.st_ino != ours.st_ino ||
		    theirs.st_dev != ours.st_dev) {
			flags |= ns_files[i].flag;
			if (ns_files[i].flag == CLONE_NEWUSER)
				*userns = true;
		}
	}
	return flags;
}

struct exec_ctx {
	const struct ar_exec_opts *o;
	struct spec_process proc;	/* *o->process with the capabilities settled (shallow) */
	struct seccomp_prog *seccomp;	/* the container's filter, NULL for none */
	char *state_json;		/* for a NOTIFY listener's agent */
	int pidfd;
	int ns_flags;
	bool userns;
	int console_fd;
	int sync_child;
	struct cgroup *cg;	/* the container's job, joined first; NULL for none */
	bool born_in_job;	/* the child was forked into its cgroup2 dir */
};

static int exec_terminal(struct exec_ctx *c, struct ar_err *err)
{
	_cleanup_free_ char *slave = NULL;

	if (send_new_pty(&c->proc, &c->console_fd, &slave, err) < 0)
		return -1;
	return terminal_make_controlling(slave, err);
}

static int exec_setup(struct exec_ctx *c, char **exe, struct ar_err *err)
{
	const struct spec_process *p = &c->proc;

	if (p->terminal && exec_terminal(c, err) < 0)
		return -1;
	if (process_chdir(p, err) < 0 || process_find_executable(p, exe, err) < 0)
		return -1;
	if (process_apply_rlimits(p, err) < 0 || process_apply_oom_score_adj(p, err) < 0)
		return -1;
	if (process_apply_user(p, c->userns, err) < 0 || sweep_fds(c->o->preserve_fds, err) < 0)
		return -1;
	return process_apply_caps(p, c->seccomp, hand_off_listener, &c->sync_child, err);
}

__attribute__((noreturn)) static void exec_child(struct exec_ctx *c)
{
	struct ar_err err = { 0 };
	char *exe = NULL;
	pid_t pid;
	int32_t pid32;

	int keep[] = { c->sync_child, c->pidfd, c->console_fd };

	reset_signals();
	if (close_foreign_fds(c->o->preserve_fds, keep, 3, &err) < 0)
		goto fail;
	/* Into the job first: limits apply, and the cgroup namespace we join
	 * next shows the job as "/". */
	if (c->cg && c->cg->ops->join_self(c->cg, c->born_in_job, &err) < 0)
		goto fail;
	if (setns(c->pidfd, c->ns_flags) < 0) {
		ar_error(&err, errno, "join the container's namespaces");
		goto fail;
	}
	pid = fork();
	if (pid < 0) {
		ar_error(&err, errno, "fork");
		goto fail;
	}
	if (pid > 0) {
		pid32 = pid;
		if (sync_send(c->sync_child, SYNC_INIT_PID, 0, &pid32, sizeof pid32, NULL) < 0) {
			/* Unknown to the parent, it could wait for it forever. */
			kill(pid, SIGKILL);
			_exit(1);
		}
		_exit(0);
	}
	if (exec_setup(c, &exe, &err) == 0) {
		execve(exe, c->proc.args, c->proc.env);
		ar_error(&err, errno, "exec `%s`", exe);
	}
fail:
	sync_send_error(c->sync_child, &err);
	_exit(127);
}

/* A NOTIFY listener from the process: to listenerPath, then the ACK that
 * lets it exec (or the error that makes it give up). */
static int exec_serve_listener(struct exec_ctx *c, int sync_parent, int listener, pid_t pid,
			       struct ar_err *err)
{
	if (c->seccomp == NULL || !c->seccomp->notify || seccomp_send_listener(c->seccomp, listener, pid, c->state_json,
							 err) < 0) {
		if (c->seccomp == NULL || !c->seccomp->notify)
			ar_error(err, EPROTO, "sync: unexpected seccomp listener");
		sync_send_error(sync_parent, err);
		return -1;
	}
	return sync_send(sync_parent, SYNC_SECCOMP_FD_ACK, 0, NULL, 0, err);
}

/* Collects the pid and the outcome; EOF (every child end closed) means the
 * process exec'd. The two senders may arrive in any order, so a listener
 * may wait for the pid. */
static int exec_collect(struct exec_ctx *c, int sync_parent, pid_t stage, pid_t *pid,
			struct ar_err *err)
{
	_cleanup_close_ int listener = -1;
	int failed = 0;

	for (;;) {
		struct sync_msg m;
		if (sync_recv(sync_parent, &m, NULL) < 0)
			break;	/* EOF */
		if (m.type == SYNC_INIT_PID && m.len == sizeof(int32_t))
			memcpy(pid, m.data, sizeof(int32_t));
		else if (m.type == SYNC_SECCOMP_FD && m.fd >= 0 && listener < 0)
			listener = steal_fd(&m.fd);
		else if (m.type == SYNC_ERROR && !failed) {
			ar_err_set_raw(err, m.errnum, m.data);
			failed = -1;
		}
		sync_msg_free(&m);
		if (listener >= 0 && *pid > 0 && !failed) {
			failed = exec_serve_listener(c, sync_parent, listener, *pid, err);
			close(steal_fd(&listener));
		}
	}
	waitpid(stage, NULL, 0);
	if (failed == 0 && *pid <= 0)
		return ar_error(err, EPROTO, "exec: the process never started");
	if (failed && *pid > 0)
		waitpid(*pid, NULL, 0);	/* we are its subreaper */
	return failed;
}

static int exec_spawn(struct exec_ctx *c, pid_t *pid, struct ar_err *err)
{
	int fds[2];
	pid_t stage;
	int r;

	if (sync_pair(fds, err) < 0)
		return -1;
	c->sync_child = fds[1];
	/* The exec'd process is reparented to us when the middle child exits. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	stage = cgroup_fork(c->cg, &c->born_in_job);
	if (stage < 0) {
		close(fds[0]);
		close(fds[1]);
		return ar_error(err, errno, "fork");
	}
	if (stage == 0) {
		close(fds[0]);
		exec_child(c);
	}
	close(fds[1]);
	r = exec_collect(c, fds[0], stage, pid, err);
	close(fds[0]);
	return r;
}

static int exec_validate(const struct ar_exec_opts *o, struct ar_err *err)
{
	const struct spec_process *p = o->process;

	if (p->args == NULL || p->args[0] == NULL)
		return ar_error(err, EINVAL, "exec: no command given");
	if (p->terminal && o->console_sock_fd < 0 && !o->console_socket)
		return ar_error(err, EINVAL, "exec with a terminal: --console-socket is required");
	if (!p->terminal && o->console_socket)
		return ar_error(err, EINVAL, "--console-socket given without a terminal (-t)");
	return 0;
}

static int load_config_copy(struct ar_runtime *rt, const char *id, struct spec **s,
			    struct ar_err *err)
{
	_cleanup_close_ int dirfd = -1;
	_cleanup_free_ char *text = NULL;
	size_t len;

	if (state_validate_id(id, err) < 0 || ar_runtime_open_root(rt, err) < 0 ||
	    state_dir_open(rt->rootfd, id, &dirfd, err) < 0)
		return -1;
	if (read_file_at(dirfd, "config.json", &text, &len, err) < 0)
		return ar_err_prefix(err, "container `%s`", id);
	return spec_parse(text, len, "config.json", s, err);
}

/* CapBnd of /proc/PID/status: the most the container's init may hold. */
static bool init_bounding(pid_t pid, uint64_t *bnd)
{
	char path[64];
	_cleanup_free_ char *text = NULL;
	const char *v;

	snprintf(path, sizeof path, "/proc/%d/status", pid);
	if (read_file_at(AT_FDCWD, path, &text, NULL, NULL) < 0)
		return false;
	v = strstr(text, "\nCapBnd:");
	return v && sscanf(v + 8, "%" SCNx64, bnd) == 1;
}

/* The process's capabilities: its own, else the container's
 * process.capabilities, else (none configured anywhere) the kernel's rule
 * for its uid within the init's bounding set; bits from `exec --cap` are
 * added. Never beyond the init's bounding set. */
static int exec_caps(const struct spec *cfg, uint64_t bnd, struct spec_process *p,
		     struct ar_err *err)
{
	struct spec_caps *c = &p->caps, extra = p->caps;

	if (!c->present) {
		if (cfg->process.caps.present) {
			*c = cfg->process.caps;
		} else {
			*c = (struct spec_caps){ .present = true, .bounding = bnd };
			c->effective = c->permitted = p->user.uid == 0 ? bnd : 0;
		}
		c->bounding |= extra.bounding;
		c->effective |= extra.effective;
		c->permitted |= extra.permitted;
		c->inheritable |= extra.inheritable;
		c->ambient |= extra.ambient;
	}
	return process_check_caps(c, bnd, err);
}

/* What the container imposes on every process: capabilities within its
 * bounding set and its seccomp filter, both from the stored config.json. */
static int exec_security(struct ar_runtime *rt, struct exec_ctx *c, const struct ar_state *st,
			 enum ar_status status, uint64_t bnd, struct ar_err *err)
{
	struct spec *cfg = NULL;
	_cleanup_free_ char *cache = NULL;
	int r;

	if (load_config_copy(rt, c->o->id, &cfg, err) < 0)
		return -1;
	c->proc = *c->o->process;
	r = exec_caps(cfg, bnd, &c->proc, err);
	if (r == 0 && cfg->linux.seccomp_json) {
		cache = xasprintf("%s/%s", rt->root, SECCOMP_CACHE_NAME);
		r = seccomp_compile(cfg->linux.seccomp_json, cache, &c->seccomp, err);
	}
	if (r == 0 && c->seccomp && c->seccomp->notify)
		c->state_json = state_to_json(st, status, false);
	spec_free(cfg);
	return r < 0 ? ar_err_prefix(err, "exec in container `%s`", c->o->id) : 0;
}

int ar_container_exec(struct ar_runtime *rt, const struct ar_exec_opts *o, pid_t *pid,
		      struct ar_err *err)
{
	struct exec_ctx c = { .o = o, .pidfd = -1, .console_fd = -1 };
	struct ar_state st;
	enum ar_status status;
	uint64_t bnd = 0;
	int r = -1;

	*pid = 0;
	if (exec_validate(o, err) < 0 || ar_container_load(rt, o->id, &st, &status, err) < 0)
		return -1;
	if (status != ST_RUNNING && status != ST_CREATED) {	/* paused too, as runc */
		ar_error(err, EINVAL, "exec in container `%s`: container is %s", o->id,
			 ar_status_name(status));
		goto out;
	}
	c.pidfd = (int)syscall(SYS_pidfd_open, st.pid, 0);
	/* Read before the start-time check, so it is the init's for sure. */
	if (c.pidfd < 0 || !init_bounding(st.pid, &bnd) || !proc_is_same(st.pid, st.start_time)) {
		ar_error(err, ESRCH, "exec in container `%s`: container is not running", o->id);
		goto out;
	}
	c.ns_flags = ns_to_join(st.pid, &c.userns);
	if (exec_security(rt, &c, &st, status, bnd, err) < 0 || job_from_state(&st, &c.cg, err) < 0)
		goto out;
	if (o->console_sock_fd >= 0)
		c.console_fd = o->console_sock_fd;
	else if (o->console_socket &&
		 terminal_connect_socket(o->console_socket, &c.console_fd, err) < 0)
		goto out;
	r = exec_spawn(&c, pid, err);
	if (r == 0 && o->pid_file) {
		char buf[32];
		int n = snprintf(buf, sizeof buf, "%d", *pid);
		r = write_file_replace_at(AT_FDCWD, o->pid_file, buf, (size_t)n, 0644, err);
	}
out:
	if (c.pidfd >= 0)
		close(c.pidfd);
	if (c.console_fd >= 0 && c.console_fd != o->console_sock_fd)
		close(c.console_fd);
	cgroup_free(c.cg);
	seccomp_prog_free(c.seccomp);
	free(c.state_json);
	ar_state_free(&st);
	return r;
}

int ar_exec_default_process(struct ar_runtime *rt, const char *id, struct spec_process *p,
			    struct ar_err *err)
{
	struct spec *s = NULL;

	if (load_config_copy(rt, id, &s, err) < 0)
		return -1;
	/* Move the container's process out; exec replaces args and terminal. */
	*p = s->process;
	memset(&s->process, 0, sizeof s->process);
	spec_free(s);
	strv_free(p->args);
	p->args = NULL;
	p->terminal = false;
	p->has_console_size = false;
	return 0;
}
