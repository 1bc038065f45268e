/* argon — start, kill, delete and state of an existing container. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "container.h"
#include "hooks.h"
#include "job.h"
#include "proc.h"
#include "rootless.h"
#include "trace.h"
#include "util.h"

int ar_runtime_open_root(struct ar_runtime *rt, struct ar_err *err)
{
	_cleanup_free_ char *unused = NULL;

	if (rt->rootfd >= 0)
		return 0;
	/* No --root and no default (rootless, no XDG_RUNTIME_DIR): say why. */
	if (rt->root == NULL && runtime_default_root(&unused, err) < 0)
		return -1;
	if (rt->root == NULL)
		return ar_fail(err, EINVAL, "no state root: give one with --root");
	return state_root_open(rt->root, &rt->rootfd, err);
}

/* Opens and locks the container directory and reads its state. */
static int open_container(struct ar_runtime *rt, const char *id, int *dirfd,
			  struct ar_state *st, struct ar_err *err)
{
	if (state_validate_id(id, err) < 0 || ar_runtime_open_root(rt, err) < 0)
		return -1;
	if (state_dir_open(rt->rootfd, id, dirfd, err) < 0)
		return -1;
	if (state_read(*dirfd, id, st, err) < 0) {
		close(*dirfd);
		*dirfd = -1;
		return -1;
	}
	return 0;
}

/* state_status, plus `paused` when the job's freezer holds a live container. */
static enum ar_status live_status(int dirfd, const struct ar_state *st)
{
	enum ar_status status = state_status(dirfd, st);
	struct cgroup *cg = NULL;
	struct ar_err ignored = { 0 };

	if (status == ST_RUNNING && job_from_state(st, &cg, &ignored) == 0 && cg &&
	    cg->ops->is_frozen(cg))
		status = ST_PAUSED;
	ar_err_clear(&ignored);
	cgroup_free(cg);
	return status;
}

int ar_container_load(struct ar_runtime *rt, const char *id, struct ar_state *st,
		      enum ar_status *status, struct ar_err *err)
{
	_cleanup_close_ int dirfd = -1;

	if (open_container(rt, id, &dirfd, st, err) < 0)
		return -1;
	*status = live_status(dirfd, st);
	return 0;
}

/* The kernel OOM-killed a process of the container (its job's counter). */
static bool job_saw_oom(const struct ar_state *st)
{
	struct cgroup *cg = NULL;
	struct cg_stats s = { 0 };
	struct ar_err ignored = { 0 };
	bool oom = false;

	if (job_from_state(st, &cg, &ignored) == 0 && cg && cg->ops->stats(cg, &s, &ignored) == 0)
		oom = s.oom_kills > 0;
	free(s.cpu_percpu_ns);
	cgroup_free(cg);
	ar_err_clear(&ignored);
	return oom;
}

int ar_container_state(struct ar_runtime *rt, const char *id, char **json, struct ar_err *err)
{
	struct ar_state st;
	enum ar_status status;

	if (ar_container_load(rt, id, &st, &status, err) < 0)
		return -1;
	*json = state_to_json(&st, status, true);
	/* The runtime spec allows more state properties: argon adds
	 * "oomKilled" (only when true, so the output is runc's otherwise) to
	 * a stopped container's state; a running one is not read for it. */
	if (status == ST_STOPPED && job_saw_oom(&st)) {
		json_object *o = json_tokener_parse(*json);
		if (o) {
			json_object_object_add(o, "oomKilled", json_object_new_boolean(1));
			free(*json);
			*json = xstrdup(json_object_to_json_string_ext(
				o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
			json_object_put(o);
		}
	}
	ar_state_free(&st);
	return 0;
}

static int load_spec_copy(int dirfd, struct spec **s, struct ar_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;

	if (read_file_at(dirfd, "config.json", &text, &len, err) < 0)
		return -1;
	return spec_parse(text, len, "config.json", s, err);
}

/* Runs poststart/poststop hooks; per the spec their failure is only a warning. */
static void run_warn_hooks(int dirfd, const struct ar_state *st, enum ar_status status,
			   enum spec_hook_kind kind)
{
	struct spec *s = NULL;
	struct ar_err err = { 0 };
	_cleanup_free_ char *json = NULL;

	if (load_spec_copy(dirfd, &s, &err) == 0 && s->hooks[kind].n > 0) {
		json = state_to_json(st, status, false);
		hooks_run(&s->hooks[kind], kind, json, &err);
	}
	if (err.msg)
		dprintf(2, "argon-runtime: warning: %s\n", err.msg);
	ar_err_clear(&err);
	spec_free(s);
}

int ar_container_start(struct ar_runtime *rt, const char *id, struct ar_err *err)
{
	_cleanup_close_ int dirfd = -1, fifo = -1;
	struct ar_state st;
	enum ar_status status;
	int r = -1;

	if (open_container(rt, id, &dirfd, &st, err) < 0)
		return -1;
	status = state_status(dirfd, &st);
	if (status != ST_CREATED) {
		ar_error(err, EINVAL, "start container `%s`: container is %s, not created", id,
			 ar_status_name(status));
		goto out;
	}
	/* O_NONBLOCK: ENXIO instead of a hang when the init is gone. */
	fifo = openat(dirfd, "exec.fifo", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fifo < 0) {
		ar_error(err, errno, "start container `%s`: open exec.fifo", id);
		goto out;
	}
	if (write(fifo, "1", 1) != 1) {
		ar_error(err, errno, "start container `%s`: write exec.fifo", id);
		goto out;
	}
	ar_trace("start: exec.fifo written");
	unlinkat(dirfd, "exec.fifo", 0);
	run_warn_hooks(dirfd, &st, ST_RUNNING, HOOK_POSTSTART);
	r = 0;
out:
	ar_state_free(&st);
	return r;
}

static int pidfd_of(const struct ar_state *st, struct ar_err *err)
{
	int fd = (int)syscall(SYS_pidfd_open, st->pid, 0);

	if (fd < 0)
		return ar_error(err, errno, "open pidfd of container init %d", st->pid);
	/* The pidfd pins the process; re-check it is still the container's init. */
	if (!proc_is_same(st->pid, st->start_time)) {
		close(fd);
		return ar_error(err, ESRCH, "container `%s` is not running", st->id);
	}
	return fd;
}

static int signal_pid(pid_t pid, int sig)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	int r;

	if (fd < 0)
		return -1;
	r = (int)syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
	close(fd);
	return r;
}

static int kill_all(const struct ar_state *st, int sig, struct ar_err *err)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	struct cgroup *cg = NULL;
	int r;

	/* The job object holds every process, also ones that left the pid
	 * namespace's tree or outlived the init. */
	if (job_from_state(st, &cg, err) < 0)
		return -1;
	if (cg) {
		r = cgroup_kill_all(cg, sig, err);
		cgroup_free(cg);
		return r;
	}
	if (!st->own_pidns)	/* shared pid ns: only what we know is ours */
		return signal_pid(st->pid, sig) < 0 && errno != ESRCH
			       ? ar_error(err, errno, "kill %d", st->pid) : 0;
	if (proc_pids_in_pidns_of(st->pid, &pids, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (signal_pid(pids[i], sig) < 0 && errno != ESRCH)
			return ar_error(err, errno, "kill %d", pids[i]);
	return 0;
}

static int kill_locked(int dirfd, const struct ar_state *st, int sig, bool all,
		       struct ar_err *err)
{
	_cleanup_close_ int pfd = -1;
	enum ar_status status = state_status(dirfd, st);

	/* A stopped container's job may still hold the init's orphans. */
	bool has_job = st->cgroup_path && st->cgroup_path[0];

	if (status == ST_STOPPED && !(all && has_job))
		return ar_error(err, ESRCH, "kill container `%s`: container is not running", st->id);
	if (all)
		return kill_all(st, sig, err);
	pfd = pidfd_of(st, err);
	if (pfd < 0)
		return -1;
	if (syscall(SYS_pidfd_send_signal, pfd, sig, NULL, 0) < 0)
		return ar_error(err, errno, "kill container `%s` with signal %d", st->id, sig);
	return 0;
}

int ar_container_kill(struct ar_runtime *rt, const char *id, int sig, bool all,
		      struct ar_err *err)
{
	_cleanup_close_ int dirfd = -1;
	struct ar_state st;
	int r;

	if (open_container(rt, id, &dirfd, &st, err) < 0)
		return -1;
	r = kill_locked(dirfd, &st, sig, all, err);
	ar_state_free(&st);
	return r;
}

/* SIGKILLs the container and waits (bounded) until the init is gone. */
static int kill_and_wait(int dirfd, const struct ar_state *st, struct ar_err *err)
{
	_cleanup_close_ int pfd = pidfd_of(st, NULL);
	struct pollfd p;

	if (pfd < 0)
		return 0;	/* already gone */
	if (kill_all(st, SIGKILL, err) < 0)
		return -1;
	syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0);
	p = (struct pollfd){ .fd = pfd, .events = POLLIN };
	if (poll(&p, 1, 10000) == 0)
		return ar_error(err, ETIMEDOUT, "container `%s` did not die after SIGKILL", st->id);
	return 0;
}

/* Whatever is left in the job (the init's orphans) dies with it. */
static int destroy_job(const struct ar_state *st, struct ar_err *err)
{
	struct cgroup *cg = NULL;
	int r;

	if (job_from_state(st, &cg, err) < 0)
		return -1;
	if (cg == NULL)
		return 0;
	r = job_destroy(cg, err);
	cgroup_free(cg);
	return r;
}

static int destroy_half_made_job(int dirfd, const char *id, struct ar_err *err)
{
	_cleanup_free_ char *path = NULL;
	struct ar_state st = { .id = (char *)id };
	int r;

	if (read_file_at(dirfd, "cgroup", &path, NULL, err) < 0) {
		if (err->errnum != ENOENT)
			return -1;
		ar_err_clear(err);	/* died before it made one */
		return 0;
	}
	st.cgroup_path = path;
	r = destroy_job(&st, err);
	return r;
}

int ar_container_delete(struct ar_runtime *rt, const char *id, bool force, struct ar_err *err)
{
	_cleanup_close_ int dirfd = -1;
	struct ar_state st;
	enum ar_status status;
	int r = -1;

	if (state_validate_id(id, err) < 0 || ar_runtime_open_root(rt, err) < 0)
		return -1;
	if (state_dir_open(rt->rootfd, id, &dirfd, err) < 0) {
		/* runc and crun: --force of a container that is not there is
		 * done (engines call it after a failed create). */
		if (force && err->errnum == ENOENT) {
			ar_err_clear(err);
			return 0;
		}
		return -1;
	}
	if (state_read(dirfd, id, &st, err) < 0) {
		/* No state.json: a create that died half-way. Its init died with
		 * it; its job may remain. An unreadable one was torn by a power
		 * loss (it is written without fsync), so its processes are gone
		 * too; but it could also be another version's, or edited: only
		 * --force treats it so, killing what its job holds. */
		if (err->errnum != ENOENT && !(force && err->errnum == EINVAL))
			return -1;
		ar_err_clear(err);
		if (destroy_half_made_job(dirfd, id, err) < 0)
			return -1;
		return state_dir_remove(rt->rootfd, id, err);
	}
	status = live_status(dirfd, &st);
	if ((status == ST_RUNNING || status == ST_PAUSED) && !force) {
		ar_error(err, EBUSY, "delete container `%s`: container is running (use --force)", id);
		goto out;
	}
	/* A created container is deleted without --force, as runc does. The
	 * job goes first: it thaws a paused container, so SIGKILL can land. */
	if (destroy_job(&st, err) < 0)
		goto out;
	if (status != ST_STOPPED && kill_and_wait(dirfd, &st, err) < 0)
		goto out;
	ar_trace("delete: job destroyed");
	run_warn_hooks(dirfd, &st, ST_STOPPED, HOOK_POSTSTOP);
	r = state_dir_remove(rt->rootfd, id, err);
	ar_trace("delete: state removed");
out:
	ar_state_free(&st);
	return r;
}

int ar_container_pids(struct ar_runtime *rt, const char *id, pid_t **pids, size_t *n,
		      struct ar_err *err)
{
	struct ar_state st;
	enum ar_status status;
	struct cgroup *cg = NULL;
	int r = 0;

	*pids = NULL;
	*n = 0;
	if (ar_container_load(rt, id, &st, &status, err) < 0)
		return -1;
	if (job_from_state(&st, &cg, err) < 0)
		r = -1;
	else if (cg)
		r = cg->ops->pids(cg, pids, n, err);
	else if (status == ST_STOPPED)
		;	/* no processes */
	else if (st.own_pidns)
		r = proc_pids_in_pidns_of(st.pid, pids, n, err);
	else {
		*pids = xmalloc(sizeof(pid_t));
		(*pids)[0] = st.pid;
		*n = 1;
	}
	cgroup_free(cg);
	ar_state_free(&st);
	return r;
}

/* The one way a container comes to have no job object. */
#define NO_CGROUP_WHY "a rootless container gets one only where a cgroup is delegated to its user"

/* pause/resume: the job object's freezer. */
int ar_container_pause(struct ar_runtime *rt, const char *id, bool pause, struct ar_err *err)
{
	_cleanup_close_ int dirfd = -1;
	struct ar_state st;
	struct cgroup *cg = NULL;
	enum ar_status status;
	int r = -1;

	if (open_container(rt, id, &dirfd, &st, err) < 0)
		return -1;
	status = live_status(dirfd, &st);
	if (status != (pause ? ST_RUNNING : ST_PAUSED))
		ar_error(err, EINVAL, "%s container `%s`: container is %s", pause ? "pause" : "resume",
			 id, ar_status_name(status));
	else if (job_from_state(&st, &cg, err) == 0 && cg == NULL)
		ar_fail(err, ENOTSUP, "%s container `%s`: it has no cgroup to freeze (%s)",
			pause ? "pause" : "resume", id, NO_CGROUP_WHY);
	else if (cg)
		r = cg->ops->freeze(cg, pause, err);
	cgroup_free(cg);
	ar_state_free(&st);
	return r;
}

int ar_container_job(struct ar_runtime *rt, const char *id, struct cgroup **cg,
		     enum ar_status *status, struct ar_err *err)
{
	struct ar_state st;
	int r;

	*cg = NULL;
	if (ar_container_load(rt, id, &st, status, err) < 0)
		return -1;
	r = job_from_state(&st, cg, err);
	if (r == 0 && *cg == NULL)
		r = ar_fail(err, ENOTSUP, "container `%s` has no cgroup: no limits to change, no "
			    "usage or OOM events to report (%s)", id, NO_CGROUP_WHY);
	ar_state_free(&st);
	return r;
}
