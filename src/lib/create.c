/* argon — `create`, the parent side (HcsCreateComputeSystem).
 *
 * Validate the whole config, reserve the state directory (mkdir is the
 * duplicate-ID check), fork stage 1, serve its requests (user maps,
 * createRuntime hooks) until the init says READY, then commit state.json.
 * Any failure kills what was started and removes the state directory, so a
 * failed create leaves the system as if it had never run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "create_priv.h"
#include "hooks.h"
#include "idmap.h"
#include "job.h"
#include "proc.h"
#include "rootless.h"
#include "seccomp.h"
#include "sync.h"
#include "sysctl_ns.h"
#include "terminal.h"
#include "trace.h"
#include "util.h"

static int refuse_unsupported(const struct spec *s, struct ar_err *err)
{
	const struct spec_linux *l = &s->linux;

	if (l->personality_json)
		return ar_error(err, ENOTSUP, "config.json: `linux.personality` is not supported yet");
	if (l->intel_rdt_json)
		return ar_error(err, ENOTSUP, "config.json: `linux.intelRdt` is not supported");
	if (s->process.apparmor_profile && *s->process.apparmor_profile)
		return ar_error(err, ENOTSUP, "config.json: `process.apparmorProfile`: AppArmor is not supported");
	if (s->process.selinux_label && *s->process.selinux_label)
		return ar_error(err, ENOTSUP, "config.json: `process.selinuxLabel`: SELinux is not supported");
	return 0;
}

static int validate_for_create(const struct create_ctx *c, struct ar_err *err)
{
	const struct spec *s = c->spec;
	const struct spec_namespace *ns = s->linux.ns;

	if (!s->has_process)
		return ar_error(err, EINVAL, "config.json: `process` is required to create a container");
	if (refuse_unsupported(s, err) < 0)
		return -1;
	if (!ns[NS_MOUNT].enabled || ns[NS_MOUNT].path)
		return ar_error(err, EINVAL, "config.json: linux.namespaces: a new mount namespace is required");
	if ((s->hostname || s->domainname) && (!ns[NS_UTS].enabled || ns[NS_UTS].path))
		return ar_error(err, EINVAL, "config.json: hostname needs a new uts namespace");
	if ((s->linux.time_monotonic.set || s->linux.time_boottime.set) &&
	    (!ns[NS_TIME].enabled || ns[NS_TIME].path))
		return ar_error(err, EINVAL, "config.json: linux.timeOffsets needs a new time namespace");
	if (s->process.terminal && c->o->console_sock_fd < 0 && !c->o->console_socket)
		return ar_error(err, EINVAL, "process.terminal is true: --console-socket is required");
	if (!s->process.terminal && c->o->console_socket)
		return ar_error(err, EINVAL, "--console-socket given but process.terminal is false");
	return 0;
}

static int resolve_paths(struct create_ctx *c, struct ar_err *err)
{
	const char *b = c->o->bundle ? c->o->bundle : ".";
	_cleanup_free_ char *root = NULL;
	struct stat st;

	c->bundle = realpath(b, NULL);
	if (c->bundle == NULL)
		return ar_error(err, errno, "bundle `%s`", b);
	root = c->spec->root_path[0] == '/' ? xstrdup(c->spec->root_path)
					    : xasprintf("%s/%s", c->bundle, c->spec->root_path);
	c->rootfs = realpath(root, NULL);
	if (c->rootfs == NULL)
		return ar_error(err, errno, "root.path `%s`", root);
	if (stat(c->rootfs, &st) < 0 || !S_ISDIR(st.st_mode))
		return ar_error(err, ENOTDIR, "root.path `%s`", root);
	return 0;
}

static int open_join_namespaces(struct create_ctx *c, struct ar_err *err)
{
	for (int t = 0; t < NS__COUNT; t++) {
		const struct spec_namespace *ns = &c->spec->linux.ns[t];
		int type;

		c->join_fd[t] = -1;
		if (!ns->enabled)
			continue;
		if (ns->path == NULL) {
			if (t == NS_USER)
				c->new_userns = true;
			else
				c->new_ns_flags |= spec_ns_clone_flag(t);
			continue;
		}
		c->join_fd[t] = open(ns->path, O_RDONLY | O_CLOEXEC);
		if (c->join_fd[t] < 0)
			return ar_error(err, errno, "open %s namespace `%s`", spec_ns_name(t), ns->path);
		type = ioctl(c->join_fd[t], NS_GET_NSTYPE);
		if (type != spec_ns_clone_flag(t))
			return ar_error(err, EINVAL, "`%s` is not a %s namespace", ns->path,
					spec_ns_name(t));
	}
	return 0;
}

static char *annotations_json(const struct spec *s)
{
	json_object *o = json_object_new_object();
	char *r;

	for (size_t i = 0; i < s->n_annotations; i++)
		json_object_object_add(o, s->annotations[i].key,
				       json_object_new_string(s->annotations[i].value));
	r = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							 JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return r;
}

static void fill_state(const struct create_ctx *c, struct ar_state *st)
{
	memset(st, 0, sizeof *st);
	st->id = (char *)c->o->id;
	st->bundle = c->bundle;
	st->rootfs = c->rootfs;
	st->pid = c->init;
	st->created_ns = c->created_ns;
	st->owner = (char *)"";
	st->ns_flags = (uint32_t)c->new_ns_flags | (c->new_userns ? CLONE_NEWUSER : 0);
	st->own_pidns = (c->new_ns_flags & CLONE_NEWPID) != 0;
	st->annotations_json = annotations_json(c->spec);
	st->cgroup_path = c->cg ? c->cg->path : NULL;
}

static int serve_usermap(struct create_ctx *c, struct ar_err *err)
{
	if (idmap_write(c->stage1, &c->spec->linux, err) < 0)
		return ar_err_prefix(err, "write user namespace mappings");
	return sync_send(c->sync_parent, SYNC_USERMAP_ACK, 0, NULL, 0, err);
}

/* prestart and createRuntime run here, in the runtime namespace, once the
 * container's namespaces exist; the reply carries the state documents for
 * the createContainer and startContainer hooks run inside. */
static int serve_create_runtime(struct create_ctx *c, struct ar_err *err)
{
	struct ar_state st;
	_cleanup_free_ char *creating = NULL, *created = NULL, *both = NULL;
	size_t n1, n2;
	int r;

	fill_state(c, &st);
	creating = state_to_json(&st, ST_CREATING, false);
	created = state_to_json(&st, ST_CREATED, false);
	free(st.annotations_json);
	r = hooks_run(&c->spec->hooks[HOOK_PRESTART], HOOK_PRESTART, creating, err);
	if (r == 0)
		r = hooks_run(&c->spec->hooks[HOOK_CREATE_RUNTIME], HOOK_CREATE_RUNTIME, creating, err);
	if (r < 0)
		return -1;
	n1 = strlen(creating) + 1;
	n2 = strlen(created) + 1;
	both = xmalloc(n1 + n2);
	memcpy(both, creating, n1);
	memcpy(both + n1, created, n2);
	return sync_send(c->sync_parent, SYNC_CREATE_RUNTIME_ACK, 0, both, n1 + n2, err);
}

/* A NOTIFY profile: the init loaded its filter and sent the listener; it
 * goes to listenerPath with the state of the container being created. */
static int serve_seccomp_fd(struct create_ctx *c, struct sync_msg *m, struct ar_err *err)
{
	struct ar_state st;
	_cleanup_free_ char *json = NULL;

	if (m->fd < 0 || c->seccomp == NULL || c->init <= 0)
		return ar_error(err, EPROTO, "sync: unexpected seccomp listener");
	fill_state(c, &st);
	json = state_to_json(&st, ST_CREATING, false);
	free(st.annotations_json);
	if (seccomp_send_listener(c->seccomp, m->fd, c->init, json, err) < 0)
		return -1;
	return sync_send(c->sync_parent, SYNC_SECCOMP_FD_ACK, 0, NULL, 0, err);
}

/* Serves the children until the init reports READY. The init's pid and its
 * createRuntime request come from two processes and may arrive in any order. */
static int serve_children(struct create_ctx *c, struct ar_err *err)
{
	bool want_hooks = false, ready = false;

	while (!ready) {
		struct sync_msg m;
		if (sync_recv(c->sync_parent, &m, err) < 0)
			return -1;
		switch (m.type) {
		case SYNC_ERROR:
			ar_err_set_raw(err, m.errnum, m.data);
			sync_msg_free(&m);
			return -1;
		case SYNC_USERMAP_REQ:
			if (serve_usermap(c, err) < 0)
				goto fail;
			break;
		case SYNC_INIT_PID:
			if (m.len == sizeof(int32_t))
				memcpy(&c->init, m.data, sizeof(int32_t));
			waitpid(c->stage1, NULL, 0);
			c->stage1 = 0;
			break;
		case SYNC_CREATE_RUNTIME:
			want_hooks = true;
			break;
		case SYNC_READY:
			ready = true;
			break;
		case SYNC_SECCOMP_FD:
			if (serve_seccomp_fd(c, &m, err) < 0)
				goto fail;
			break;
		default:
			ar_error(err, EPROTO, "unexpected sync message %u", m.type);
			goto fail;
		}
		sync_msg_free(&m);
		if (want_hooks && c->init > 0) {
			want_hooks = false;
			if (serve_create_runtime(c, err) < 0)
				return -1;
		}
		continue;
fail:
		sync_msg_free(&m);
		return -1;
	}
	return c->init > 0 ? 0 : ar_error(err, EPROTO, "container init pid never arrived");
}

static int commit_state(struct create_ctx *c, struct ar_err *err)
{
	struct ar_state st;
	int r;

	fill_state(c, &st);
	if (proc_start_time(c->init, &st.start_time) < 0) {
		free(st.annotations_json);
		return ar_error(err, ESRCH, "container init %d exited during create", c->init);
	}
	r = write_file_replace_at(c->dirfd, "config.json", c->config_text, c->config_len, 0600, err);
	if (r == 0)
		r = state_write(c->dirfd, &st, err);
	free(st.annotations_json);
	if (r == 0 && c->o->pid_file) {
		char buf[32];
		int n = snprintf(buf, sizeof buf, "%d", c->init);
		r = write_file_replace_at(AT_FDCWD, c->o->pid_file, buf, (size_t)n, 0644, err);
	}
	return r;
}

static int spawn_and_serve(struct create_ctx *c, struct ar_err *err)
{
	int fds[2];

	/* Intent first: a create killed from here on leaves a directory whose
	 * `cgroup` file tells the next delete what to remove. (A rootless
	 * container without a delegated cgroup has none.) */
	if (c->cg && write_file_replace_at(c->dirfd, "cgroup", c->cg->path, strlen(c->cg->path),
					  0600, err) < 0)
		return -1;
	ar_trace("create: spec loaded, state dir made");
	if (c->cg && job_create(c->cg, &c->res, err) < 0)
		return -1;
	ar_trace("create: job created");
	c->cg_created = c->cg != NULL;
	if (mkfifoat(c->dirfd, "exec.fifo", 0600) < 0)
		return ar_error(err, errno, "create exec.fifo");
	c->fifo_fd = openat(c->dirfd, "exec.fifo", O_RDWR | O_CLOEXEC);
	if (c->fifo_fd < 0)
		return ar_error(err, errno, "open exec.fifo");
	if (sync_pair(fds, err) < 0)
		return -1;
	c->sync_parent = fds[0];
	c->sync_child = fds[1];
	c->stage1 = cgroup_fork(c->cg, &c->born_in_job);
	if (c->stage1 < 0)
		return ar_error(err, errno, "fork");
	if (c->stage1 == 0)
		stage1_main(c);
	close(c->sync_child);
	c->sync_child = -1;
	if (serve_children(c, err) < 0)
		return -1;
	ar_trace("create: init ready");
	if (commit_state(c, err) < 0)
		return -1;
	ar_trace("create: state committed");
	return 0;
}

static void create_cleanup(struct create_ctx *c, bool failed)
{
	if (failed) {
		if (c->init > 0)
			kill(c->init, SIGKILL);
		if (c->stage1 > 0) {
			kill(c->stage1, SIGKILL);
			waitpid(c->stage1, NULL, 0);
		}
		if (c->cg_created) {
			struct ar_err ignored = { 0 };
			job_destroy(c->cg, &ignored);
			ar_err_clear(&ignored);
		}
		if (c->dirfd >= 0)
			state_dir_remove(c->rt->rootfd, c->o->id, NULL);
	}
	cgroup_free(c->cg);
	resources_free(&c->res);
	for (int t = 0; t < NS__COUNT; t++)
		if (c->join_fd[t] >= 0)
			close(c->join_fd[t]);
	if (c->fifo_fd >= 0)
		close(c->fifo_fd);
	if (c->console_fd >= 0 && c->console_fd != c->o->console_sock_fd)
		close(c->console_fd);
	if (c->sync_parent >= 0)
		close(c->sync_parent);
	if (c->dirfd >= 0)
		close(c->dirfd);
	seccomp_prog_free(c->seccomp);
	spec_free(c->spec);
	free(c->config_text);
	free(c->bundle);
	free(c->rootfs);
}

/* Compiled here, before anything exists: the init inherits the program. */
static int compile_seccomp(struct create_ctx *c, struct ar_err *err)
{
	_cleanup_free_ char *cache = NULL;

	if (c->spec->linux.seccomp_json == NULL)
		return 0;
	cache = xasprintf("%s/%s", c->rt->root, SECCOMP_CACHE_NAME);
	return seccomp_compile(c->spec->linux.seccomp_json, cache, &c->seccomp, err);
}

static int create_prepare(struct create_ctx *c, struct ar_err *err)
{
	struct timespec ts;

	if (state_validate_id(c->o->id, err) < 0 ||
	    spec_load_bundle(c->o->bundle ? c->o->bundle : ".", &c->spec, &c->config_text,
			     &c->config_len, err) < 0)
		return -1;
	if (validate_for_create(c, err) < 0 || rootless_adjust_spec(c->spec, err) < 0 ||
	    resolve_paths(c, err) < 0)
		return -1;
	if (open_join_namespaces(c, err) < 0 || sysctl_check_host_ns(c->spec, c->join_fd, err) < 0)
		return -1;
	if (job_from_spec(c->spec, c->o->id, &c->cg, &c->res, err) < 0 ||
	    rootless_job(&c->cg, &c->res, err) < 0)
		return -1;
	if (c->o->console_sock_fd >= 0)
		c->console_fd = c->o->console_sock_fd;
	else if (c->o->console_socket &&
		 terminal_connect_socket(c->o->console_socket, &c->console_fd, err) < 0)
		return -1;
	if (ar_runtime_open_root(c->rt, err) < 0 || compile_seccomp(c, err) < 0)
		return -1;
	clock_gettime(CLOCK_REALTIME, &ts);
	c->created_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	return state_dir_create(c->rt->rootfd, c->o->id, &c->dirfd, err);
}

int ar_container_create(struct ar_runtime *rt, const struct ar_create_opts *o, pid_t *init_pid,
			struct ar_err *err)
{
	struct create_ctx c = {
		.rt = rt, .o = o, .dirfd = -1, .fifo_fd = -1, .console_fd = -1,
		.sync_parent = -1, .sync_child = -1,
	};
	int r;

	for (int t = 0; t < NS__COUNT; t++)
		c.join_fd[t] = -1;
	r = create_prepare(&c, err);
	if (r == 0)
		r = spawn_and_serve(&c, err);
	if (r == 0 && init_pid)
		*init_pid = c.init;
	create_cleanup(&c, r < 0);
	return r;
}
