/* argon — the engine: create, start, stop, kill, remove, wait, and a
 * truthful state (engine.h). The monitor's side is in monitor.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <poll.h>
#include <unistd.h>

#include "db.h"
#include "engine_net.h"
#include "engine_ops.h"
#include "engine_priv.h"
#include "events.h"
#include "proc.h"
#include "trace.h"
#include "util.h"

int engine_init(struct engine *e, struct store *s, const char *state_dir, struct ar_err *err)
{
	_cleanup_free_ char *rt = xasprintf("%s/runtime", state_dir);

	e->store = s;
	e->state_dir = state_dir;
	_cleanup_close_ int fd = -1;

	if (mkdir(state_dir, 0711) < 0 && errno != EEXIST)
		return ar_error(err, errno, "create state dir `%s`", state_dir);
	fd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return ar_error(err, errno, "open state dir `%s`", state_dir);
	if (dir_check_private(fd, state_dir, err) < 0)
		return -1;
	if (mkdir(rt, 0700) < 0 && errno != EEXIST)
		return ar_error(err, errno, "create `%s`", rt);
	e->rt = (struct ar_runtime){ .root = steal_ptr(&rt), .rootfd = -1, .log_fd = -1 };
	return ar_runtime_open_root(&e->rt, err);
}

void engine_fini(struct engine *e)
{
	if (e->rt.rootfd >= 0)
		close(e->rt.rootfd);
	free((char *)e->rt.root);
	e->rt.root = NULL;
	e->rt.rootfd = -1;
}

const char *engine_state_name(enum engine_state s)
{
	return s == ENGINE_RUNNING ? "running" : s == ENGINE_EXITED ? "exited" : "created";
}

void engine_info_free(struct engine_info *i)
{
	container_info_free(&i->c);
	free(i->config);
	memset(i, 0, sizeof *i);
}


/* ------------------------------------------------------------ create, start */

/* docker's HostConfig.LogConfig: the json-file driver and the --log-opt
 * values given. */
static json_object *log_config_json(const struct engine_opts *o)
{
	json_object *log = json_object_new_object(), *cfg = json_object_new_object();
	char n[24];

	if (o->log_max_size > 0) {
		snprintf(n, sizeof n, "%lld", (long long)o->log_max_size);
		json_object_object_add(cfg, "max-size", json_object_new_string(n));
	}
	if (o->log_max_files > 0) {
		snprintf(n, sizeof n, "%d", o->log_max_files);
		json_object_object_add(cfg, "max-file", json_object_new_string(n));
	}
	json_object_object_add(log, "Type", json_object_new_string("json-file"));
	json_object_object_add(log, "Config", cfg);
	return log;
}

static char *options_json(const struct engine_opts *o, struct ar_err *err)
{
	json_object *j = json_object_new_object(), *labels = json_object_new_object();
	const char *sig = signal_name(o->stop_signal ? o->stop_signal : SIGTERM);
	char *text;

	json_object_object_add(j, "Image", json_object_new_string(o->image_ref));
	json_object_object_add(j, "AutoRemove", json_object_new_boolean(o->auto_remove));
	json_object_object_add(j, "StopSignal", json_object_new_string(sig ? sig : "SIGTERM"));
	json_object_object_add(j, "StopTimeout",
			       json_object_new_int(o->stop_timeout < 0 ? 10 : o->stop_timeout));
	json_object_object_add(j, "Tty", json_object_new_boolean(o->storage.bundle.terminal));
	json_object_object_add(j, "OpenStdin", json_object_new_boolean(o->interactive));
	json_object_object_add(j, "LogMaxSize", json_object_new_int64(o->log_max_size));
	json_object_object_add(j, "LogMaxFiles", json_object_new_int(o->log_max_files));
	json_object_object_add(j, "Memory", json_object_new_int64(o->storage.bundle.memory));
	json_object_object_add(j, "PidsLimit", json_object_new_int64(o->storage.bundle.pids_limit));
	bundle_hostconfig_json(&o->storage.bundle, j);	/* NanoCpus, CapAdd, Init ... */
	json_object_object_add(j, "LogConfig", log_config_json(o));
	for (size_t i = 0; o->labels && o->labels[i]; i++) {
		const char *eq = strchr(o->labels[i], '=');
		_cleanup_free_ char *k = eq ? strndup(o->labels[i], (size_t)(eq - o->labels[i]))
					    : xstrdup(o->labels[i]);
		json_object_object_add(labels, k, json_object_new_string(eq ? eq + 1 : ""));
	}
	json_object_object_add(j, "Labels", labels);
	if (engine_net_options(o, j, err) < 0) {
		json_object_put(j);
		return NULL;
	}
	text = xstrdup(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
	json_object_put(j);
	return text;
}

static void add_warnings(const struct engine_opts *o, char **lines)
{
	for (size_t i = 0; o->warnings && lines && lines[i]; i++)
		strv_push(o->warnings, xstrdup(lines[i]));
}

/* The network's part of create: the mode planned into the bundle options
 * (a copy of o), the options JSON. */
static int create_plan(struct engine *e, const struct engine_opts *o, struct engine_opts *eo,
		       struct engine_net_plan *plan, char **opts, struct ar_err *err)
{
	*eo = *o;
	eo->storage.ephemeral = o->auto_remove;
	if (engine_net_plan(e, eo, plan, err) < 0)
		return -1;
	*opts = options_json(eo, err);
	if (*opts == NULL) {
		engine_net_plan_free(plan);
		return -1;
	}
	add_warnings(o, plan->warnings);
	return 0;
}

int engine_create(struct engine *e, const struct engine_opts *o, struct container_info *out,
		  struct ar_err *err)
{
	_cleanup_free_ char *opts = NULL;
	struct engine_net_plan plan;
	struct engine_opts eo;
	pid_t init = 0, mon = 0;
	uint64_t mon_start = 0;
	int r;

	if (create_plan(e, o, &eo, &plan, &opts, err) < 0)
		return -1;
	ar_trace("engine: planned");
	r = storage_container_create(e->store, &eo.storage, out, err);
	engine_net_plan_free(&plan);
	if (r < 0)
		return -1;
	ar_trace("engine: storage created");
	if (db_run(e->store->db, err, "UPDATE containers SET config = ?, state = 'created' "
		   "WHERE id = ?", "ss", opts, out->id) < 0 ||
	    engine_net_reserve(e, out->id, o->warnings, err) < 0 ||
	    engine_spawn_monitor(e, out->id, &init, &mon, err) < 0) {
		struct ar_err ignored = { 0 };
		_cleanup_strv_ char **nets = engine_net_networks_of(e, out->id);
		storage_container_remove(e->store, out->id, true, &ignored);
		engine_net_neighbours_changed(e, nets);
		ar_err_clear(&ignored);
		container_info_free(out);
		return -1;
	}
	proc_start_time(mon, &mon_start);
	if (db_run(e->store->db, err, "UPDATE containers SET init_pid = ?, monitor_pid = ?, "
		   "monitor_start = ? WHERE id = ?", "iiis", (int64_t)init, (int64_t)mon,
		   (int64_t)mon_start, out->id) < 0)
		return -1;
	engine_event(e, out->id, out->name, o->image_ref, "create",
		     (const char *const *)o->labels);
	return 0;
}

/* An exited container starts again as docker's does: a new runtime
 * container (and monitor) over the same sandbox. */
static int recreate(struct engine *e, struct engine_info *i, struct ar_err *err)
{
	pid_t init = 0, mon = 0;
	uint64_t mon_start = 0;

	if (storage_container_mount(e->store, &i->c, err) < 0 ||
	    engine_spawn_monitor(e, i->c.id, &init, &mon, err) < 0)
		return -1;
	proc_start_time(mon, &mon_start);
	i->state = ENGINE_CREATED;
	return db_run(e->store->db, err, "UPDATE containers SET state = 'created', init_pid = ?, "
		      "monitor_pid = ?, monitor_start = ?, exit_code = 0, oom_killed = 0, "
		      "finished_at = 0 WHERE id = ?", "iiis", (int64_t)init, (int64_t)mon,
		      (int64_t)mon_start, i->c.id);
}

int engine_ready(struct engine *e, const char *ref, struct ar_err *err)
{
	struct engine_info i;
	int r = 0;

	if (engine_find(e, ref, &i, err) < 0)
		return -1;
	if (i.state == ENGINE_EXITED)
		r = recreate(e, &i, err);
	engine_info_free(&i);
	return r;
}

int engine_start(struct engine *e, const char *ref, struct ar_err *err)
{
	struct engine_info i;
	int r = -1;

	if (engine_find(e, ref, &i, err) < 0)
		return -1;
	if (i.state == ENGINE_RUNNING) {
		engine_info_free(&i);
		return 0;	/* docker: starting a running container is fine */
	}
	if (i.state == ENGINE_EXITED && recreate(e, &i, err) < 0)
		goto out;
	/* Running before the init is released: the monitor's "exited" can
	 * then never be overwritten by a late "running". */
	if (db_run(e->store->db, err, "UPDATE containers SET state = 'running', started_at = ? "
		   "WHERE id = ? AND state = 'created'", "is", (int64_t)engine_now_ns(), i.c.id) < 0)
		goto out;
	/* Before the init runs: its "die" (the monitor's) comes after. */
	engine_event_of(e, &i, "start", NULL);
	r = ar_container_start(&e->rt, i.c.id, err);
	if (r < 0)
		db_run(e->store->db, NULL, "UPDATE containers SET state = 'created', started_at = 0 "
		       "WHERE id = ? AND state = 'running'", "s", i.c.id);
out:
	engine_info_free(&i);
	return r;
}

/* ------------------------------------------------------------ stop, kill, remove, wait */

/* Polls until the container has exited or `ms` have passed; 1 when exited. */
static int wait_exited(struct engine *e, const char *id, int ms)
{
	for (int waited = 0;; waited += 20) {
		struct engine_info i;
		if (engine_find(e, id, &i, NULL) < 0)
			return 1;	/* removed (--rm): exited */
		bool done = i.state != ENGINE_RUNNING;
		engine_info_free(&i);
		if (done)
			return 1;
		if (waited >= ms)
			return 0;
		sleep_ms(20);
	}
}

int engine_kill(struct engine *e, const char *ref, int sig, struct ar_err *err)
{
	struct engine_info i;
	int r;

	if (engine_find(e, ref, &i, err) < 0)
		return -1;
	if (i.state != ENGINE_RUNNING) {
		r = ar_fail(err, EINVAL, "cannot kill container `%s`: it is not running", ref);
	} else {
		engine_event_signal(e, &i, sig);	/* before: the "die" it causes comes after */
		r = ar_container_kill(&e->rt, i.c.id, sig, false, err);
		if (r == 0)
			engine_thaw_for_signal(e, &i, sig);
	}
	engine_info_free(&i);
	return r;
}

int engine_stop(struct engine *e, const char *ref, int timeout, struct ar_err *err)
{
	struct engine_info i;
	int sig = SIGTERM, secs = 10, r = 0;

	if (engine_find(e, ref, &i, err) < 0)
		return -1;
	engine_stop_settings(i.config, &sig, &secs);
	if (timeout >= 0)
		secs = timeout;
	if (i.state == ENGINE_RUNNING) {
		struct ar_err ignored = { 0 };
		engine_event_signal(e, &i, sig);
		ar_container_kill(&e->rt, i.c.id, sig, false, &ignored);
		engine_thaw_for_signal(e, &i, sig);
		if (!wait_exited(e, i.c.id, secs * 1000)) {
			engine_event_signal(e, &i, SIGKILL);
			ar_container_kill(&e->rt, i.c.id, SIGKILL, true, &ignored);
			if (!wait_exited(e, i.c.id, 10000))
				r = ar_fail(err, ETIMEDOUT, "container `%s` did not stop", ref);
		}
		if (r == 0)
			engine_event_of(e, &i, "stop", NULL);
		ar_err_clear(&ignored);
	}
	engine_info_free(&i);
	return r;
}

/* The monitor of a container being removed must be done with it first. */
static void wait_monitor_gone(const struct engine_info *i)
{
	for (int n = 0; n < 250 && i->monitor_pid > 0 && proc_is_same(i->monitor_pid, i->monitor_start);
	     n++)
		sleep_ms(20);
}

int engine_remove(struct engine *e, const char *ref, bool force, bool volumes,
		  struct ar_err *err)
{
	struct engine_info i;
	struct ar_err ignored = { 0 };
	int r;

	if (engine_find(e, ref, &i, err) < 0)
		return -1;
	if (i.state == ENGINE_RUNNING && !force) {
		engine_info_free(&i);
		return ar_fail(err, EBUSY, "cannot remove container `%s`: it is running (stop it "
			       "first, or use -f)", ref);
	}
	if (i.state != ENGINE_EXITED) {
		if (i.state == ENGINE_RUNNING)
			engine_event_signal(e, &i, SIGKILL);
		ar_container_kill(&e->rt, i.c.id, SIGKILL, true, &ignored);
		engine_thaw_for_signal(e, &i, SIGKILL);
		wait_exited(e, i.c.id, 10000);
	}
	wait_monitor_gone(&i);
	ar_container_delete(&e->rt, i.c.id, true, &ignored);
	ar_err_clear(&ignored);
	engine_net_teardown(e, i.c.id);
	_cleanup_strv_ char **nets = engine_net_networks_of(e, i.c.id);
	r = storage_container_remove(e->store, i.c.id, volumes, err);
	if (r == 0)
		engine_net_neighbours_changed(e, nets);
	if (r == 0)
		engine_event_of(e, &i, "destroy", NULL);
	if (r < 0 && err && err->errnum == ENOENT)	/* --rm got there first */
		r = 0;
	engine_info_free(&i);
	return r;
}

int engine_wait(struct engine *e, const char *ref, int *exit_code, struct ar_err *err)
{
	struct engine_info i;
	_cleanup_free_ char *id = NULL;

	if (engine_find(e, ref, &i, err) < 0) {
		struct ar_err none = { 0 };
		/* A --rm container gone already: its code, when ref is its ID. */
		int r = engine_removed_exit(e, ref, exit_code, ref, &none);
		ar_err_clear(&none);
		if (r == 0)
			ar_err_clear(err);
		return r;
	}
	id = xstrdup(i.c.id);
	engine_info_free(&i);
	for (;;) {
		int mon;

		if (engine_find(e, id, &i, NULL) < 0)
			return engine_removed_exit(e, id, exit_code, ref, err);
		if (i.state == ENGINE_EXITED) {
			*exit_code = i.exit_code;
			engine_info_free(&i);
			return 0;
		}
		/* The monitor records the end, then exits: wait for that
		 * (bounded, in case a restart made another monitor). */
		mon = engine_monitor_pidfd(&i);
		engine_info_free(&i);
		if (mon < 0) {
			sleep_ms(50);
			continue;
		}
		poll(&(struct pollfd){ mon, POLLIN, 0 }, 1, 1000);
		close(mon);
	}
}
