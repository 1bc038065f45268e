/* argon — the file system a copy into or out of a container works on
 * (cp.h): a live container's init's root, else the sandbox's root.
 *
 * /proc/PID/root is a magic link: it is opened once, O_PATH|O_DIRECTORY,
 * through a /proc/PID dirfd that pins the task, and the task is checked
 * to be the runtime's init (its start time) after the dirfd is taken, so
 * a PID reused by another process is never mistaken for the container.
 * Everything below that root is then resolved with RESOLVE_IN_ROOT.
 */
#include "cp_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "engine.h"
#include "proc.h"
#include "util.h"

/* 0 with *out set, 1 when the process is gone (not live after all). */
static int proc_root(pid_t pid, uint64_t start, int *out, struct ar_err *err)
{
	char path[64];
	_cleanup_close_ int procfd = -1, rootfd = -1;
	struct stat root, host;

	snprintf(path, sizeof path, "/proc/%d", (int)pid);
	procfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		return errno == ENOENT ? 1 : ar_error(err, errno, "open `%s`", path);
	/* procfd names the task that had the PID when it was opened: the
	 * init if it is the init now. */
	if (!proc_is_same(pid, start))
		return 1;
	rootfd = openat(procfd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return errno == ENOENT || errno == ESRCH ? 1
			: ar_error(err, errno, "open `%s/root`", path);
	/* A container never shares the host's root: refuse rather than copy
	 * into the host (a container mid-setup would show it). */
	if (fstat(rootfd, &root) < 0 || stat("/", &host) < 0)
		return ar_error(err, errno, "stat the container's root");
	if (root.st_dev == host.st_dev && root.st_ino == host.st_ino)
		return ar_fail(err, EPERM, "the container's root is the host's root");
	*out = steal_fd(&rootfd);
	return 0;
}

/* 0 with c->rootfd set, 1 when the container has no live init. */
static int live_root(struct engine *e, const char *id, struct cp_container *c,
		     struct ar_err *err)
{
	struct ar_state st = { 0 };
	enum ar_status status;
	struct ar_err ignored = { 0 };
	int r = 1;

	if (ar_container_load(&e->rt, id, &st, &status, &ignored) < 0) {
		ar_err_clear(&ignored);
		return 1;	/* no runtime state: not created in the kernel */
	}
	if ((status == ST_CREATED || status == ST_RUNNING || status == ST_PAUSED) && st.pid > 0)
		r = proc_root(st.pid, st.start_time, &c->rootfd, err);
	ar_state_free(&st);
	c->live = r == 0;
	return r;
}

static int sandbox_root(struct store *s, const struct container_info *ci, struct cp_container *c,
			struct ar_err *err)
{
	bool was_mounted = sandbox_is_mounted(ci->dir);
	_cleanup_free_ char *root = xasprintf("%s/rootfs", ci->dir);

	if (!was_mounted && storage_container_mount(s, ci, err) < 0)
		return -1;
	c->rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->rootfd < 0) {
		ar_error(err, errno, "open `%s`", root);
		if (!was_mounted)
			sandbox_unmount(ci->dir, NULL);
		return -1;
	}
	if (!was_mounted)
		c->mounted_dir = xstrdup(ci->dir);
	return 0;
}

int cp_container_open(struct engine *e, const char *ref, struct cp_container *c,
		      struct ar_err *err)
{
	struct engine_info info;
	int r = 1;

	*c = (struct cp_container){ .rootfd = -1 };
	if (engine_find(e, ref, &info, err) < 0)
		return -1;
	if (info.state != ENGINE_EXITED)
		r = live_root(e, info.c.id, c, err);
	if (r == 1)
		r = sandbox_root(e->store, &info.c, c, err);
	engine_info_free(&info);
	return r;
}

void cp_container_close(struct cp_container *c)
{
	if (c->rootfd >= 0)
		close(c->rootfd);
	c->rootfd = -1;
	if (c->mounted_dir)
		sandbox_unmount(c->mounted_dir, NULL);
	free(c->mounted_dir);
	c->mounted_dir = NULL;
}
