/* argon — reading the engine's rows, and keeping them truthful when a
 * monitor has died. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "engine_ops.h"
#include "engine_net.h"
#include "engine_priv.h"
#include "events.h"
#include "job.h"
#include "proc.h"
#include "util.h"

int64_t engine_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void engine_stop_settings(const char *config, int *sig, int *secs)
{
	json_object *j = config ? json_tokener_parse(config) : NULL, *v;

	if (j && json_object_object_get_ex(j, "StopSignal", &v)) {
		int s = signal_parse(json_object_get_string(v));
		if (s > 0)
			*sig = s;
	}
	if (j && json_object_object_get_ex(j, "StopTimeout", &v))
		*secs = json_object_get_int(v);
	json_object_put(j);
}

static enum engine_state state_of(const char *s)
{
	if (s && strcmp(s, "running") == 0)
		return ENGINE_RUNNING;
	if (s && strcmp(s, "exited") == 0)
		return ENGINE_EXITED;
	return ENGINE_CREATED;
}

#define ENGINE_COLUMNS "SELECT state, config, init_pid, monitor_pid, monitor_start, " \
	"started_at, finished_at, exit_code, oom_killed FROM containers WHERE id = ?"

/* The engine's columns of a row found by store_container_find. */
static int load_row(struct engine *e, struct engine_info *i)
{
	sqlite3_stmt *q;
	_cleanup_free_ char *state = NULL;

	if (db_prepare(e->store->db, &q, NULL, ENGINE_COLUMNS, "s", i->c.id) < 0)
		return -1;
	if (sqlite3_step(q) != SQLITE_ROW) {
		sqlite3_finalize(q);
		return -ENOENT;
	}
	state = db_col_str(q, 0);
	i->state = state_of(state);
	i->config = db_col_str(q, 1);
	i->init_pid = (pid_t)sqlite3_column_int64(q, 2);
	i->monitor_pid = (pid_t)sqlite3_column_int64(q, 3);
	i->monitor_start = (uint64_t)sqlite3_column_int64(q, 4);
	i->started_at = sqlite3_column_int64(q, 5);
	i->finished_at = sqlite3_column_int64(q, 6);
	i->exit_code = sqlite3_column_int(q, 7);
	i->oom_killed = sqlite3_column_int(q, 8) != 0;
	sqlite3_finalize(q);
	return 0;
}

int engine_monitor_pidfd(const struct engine_info *i)
{
	int fd = i->monitor_pid > 0 ? (int)syscall(SYS_pidfd_open, i->monitor_pid, 0) : -1;

	/* Checked after the open: the fd then names this very process. */
	if (fd >= 0 && !proc_is_same(i->monitor_pid, i->monitor_start)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* ------------------------------------------------------------ reconcile */

/* The container's own cgroup, from its bundle: linux.cgroupsPath, or the
 * default argon/<id>. A path that does not end in the ID could be shared
 * with others: *cg stays NULL, it is left alone. */
static int bundle_cgroup(const struct container_info *c, struct cgroup **cg, struct ar_err *err)
{
	_cleanup_free_ char *file = xasprintf("%s/config.json", c->dir), *text = NULL;
	json_object *j = NULL, *lx, *v;
	const char *path = NULL, *last;
	int r = 0;

	*cg = NULL;
	if (read_file_at(AT_FDCWD, file, &text, NULL, err) < 0) {
		if (err->errnum != ENOENT)
			return -1;
		ar_err_clear(err);	/* no bundle: the default path */
	}
	j = text ? json_tokener_parse(text) : NULL;
	if (j && json_object_object_get_ex(j, "linux", &lx) &&
	    json_object_object_get_ex(lx, "cgroupsPath", &v) &&
	    json_object_is_type(v, json_type_string))
		path = json_object_get_string(v);
	last = path ? strrchr(path, '/') : NULL;
	last = last ? last + 1 : path;
	if (path == NULL || strcmp(last, c->id) == 0)
		r = cgroup_open(path, c->id, cg, err);
	json_object_put(j);
	return r;
}

/* The runtime's state is gone (a reboot cleared it, or a crash did) but
 * the kernel may still hold the container's cgroup, even processes in it:
 * they are killed, then the cgroup goes. */
static void destroy_leftover_cgroup(const struct container_info *c)
{
	struct cgroup *cg = NULL;
	struct ar_err err = { 0 };

	if (bundle_cgroup(c, &cg, &err) == 0 && cg)
		job_destroy(cg, &err);
	cgroup_free(cg);
	ar_err_clear(&err);
}

/* Whether the runtime has the init running (or paused). A created init
 * without its monitor counts as gone: no one would log or reap it, so it
 * is killed and a later start makes it anew. */
static bool init_alive(struct engine *e, const char *id)
{
	struct ar_state st = { 0 };
	enum ar_status status = ST_STOPPED;
	struct ar_err err = { 0 };

	if (ar_container_load(&e->rt, id, &st, &status, &err) == 0)
		ar_state_free(&st);
	ar_err_clear(&err);
	return status == ST_RUNNING || status == ST_PAUSED;
}

/* Whether the row still says what refresh saw: not exited, that monitor.
 * Under the lock, it proves no one else reconciled it meanwhile, and no
 * start is making it anew (a start begins from an exited row). */
static bool row_unchanged(struct engine *e, const char *id, pid_t monitor)
{
	sqlite3_stmt *q;
	bool same = false;

	if (db_prepare(e->store->db, &q, NULL, "SELECT state, monitor_pid FROM containers "
		       "WHERE id = ?", "s", id) < 0)
		return false;
	if (sqlite3_step(q) == SQLITE_ROW)
		same = state_of((const char *)sqlite3_column_text(q, 0)) != ENGINE_EXITED &&
		       (pid_t)sqlite3_column_int64(q, 1) == monitor;
	sqlite3_finalize(q);
	return same;
}

/* What the monitor's end would have done (monitor.c), with an exit code
 * no one saw: -1. A --rm container goes without showing exited first, so
 * that no command sees it between; returns 1 when it went. */
static int record_exit(struct engine *e, struct engine_info *i)
{
	const char *const die[] = { "exitCode=-1", NULL };
	struct ar_err err = { 0 };

	i->state = ENGINE_EXITED;
	i->exit_code = -1;
	i->finished_at = engine_now_ns();
	engine_event_of(e, i, "die", die);
	if (engine_auto_remove(e, i->c.id)) {
		db_run(e->store->db, NULL, "INSERT OR REPLACE INTO exits(id, exit_code, "
		       "finished_at) VALUES(?, -1, ?)", "si", i->c.id, i->finished_at);
		_cleanup_strv_ char **nets = engine_net_networks_of(e, i->c.id);
		if (storage_container_remove(e->store, i->c.id, true, &err) == 0) {
			engine_net_neighbours_changed(e, nets);
			engine_event_of(e, i, "destroy", NULL);
			return 1;
		}
		ar_err_clear(&err);	/* kept, exited: rm can try again */
	}
	db_run(e->store->db, NULL, "UPDATE containers SET state = 'exited', exit_code = -1, "
	       "finished_at = ? WHERE id = ? AND state != 'exited'", "is", i->finished_at,
	       i->c.id);
	return 0;
}

#define RECONCILE_LOCK "reconcile.lock"

/* What refresh did. */
enum { REFRESH_KEPT, REFRESH_REMOVED, REFRESH_RELOAD };

/* The lock that makes one command at a time reconcile: one for all
 * containers, in the state dir (a reboot clears it, and nothing is held
 * across one). -1 when it cannot be had: reconcile unlocked. */
static int reconcile_lock(struct engine *e)
{
	_cleanup_free_ char *path = xasprintf("%s/" RECONCILE_LOCK, e->state_dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd >= 0 && flock(fd, LOCK_EX) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A row says created or running but its monitor is gone (killed, or the
 * host rebooted): the runtime knows whether the init still lives. If not,
 * whatever is left of the container in the kernel goes (runtime state,
 * cgroup, stray processes) and the row says exited, with -1 for the exit
 * code no one saw. Under the reconcile lock one command does it; the
 * others read its result again (REFRESH_RELOAD). */
static int refresh(struct engine *e, struct engine_info *i)
{
	_cleanup_close_ int lock = -1;
	struct ar_err err = { 0 };

	/* monitor_pid 0: never had one (`argon sandbox create`), nothing ran. */
	if (i->state == ENGINE_EXITED || i->monitor_pid <= 0 ||
	    proc_is_same(i->monitor_pid, i->monitor_start) || init_alive(e, i->c.id))
		return REFRESH_KEPT;
	lock = reconcile_lock(e);
	if (!row_unchanged(e, i->c.id, i->monitor_pid))
		return REFRESH_RELOAD;
	ar_container_delete(&e->rt, i->c.id, true, &err);
	ar_err_clear(&err);
	destroy_leftover_cgroup(&i->c);
	/* The monitor's end did not run: its network part (rules, veths) now,
	 * and whatever else a crash left in argon's nft table. */
	engine_net_teardown(e, i->c.id);
	engine_net_reconcile(e);
	return record_exit(e, i) ? REFRESH_REMOVED : REFRESH_KEPT;
}

static int find_once(struct engine *e, const char *ref, struct engine_info *out,
		     struct ar_err *err)
{
	memset(out, 0, sizeof *out);
	if (store_container_find(e->store, ref, &out->c, err) < 0)
		return -1;
	if (load_row(e, out) < 0) {
		engine_info_free(out);
		return ar_fail(err, ENOENT, "no such container: `%s`", ref);
	}
	return refresh(e, out);
}

int engine_find(struct engine *e, const char *ref, struct engine_info *out, struct ar_err *err)
{
	int r;

	/* Another command reconciled it while we looked: read it again. */
	for (int tries = 0; (r = find_once(e, ref, out, err)) == REFRESH_RELOAD && tries < 5;
	     tries++)
		engine_info_free(out);
	if (r < 0)
		return -1;
	if (r == REFRESH_REMOVED) {
		engine_info_free(out);
		return ar_fail(err, ENOENT, "no such container: `%s`", ref);
	}
	return 0;
}

static int collect_id(const struct container_info *c, void *data)
{
	strv_push(data, xstrdup(c->id));
	return 0;
}

/* The IDs are read first: a statement left open across the rows would
 * hold one snapshot of the database, in which a reconcile could neither
 * see another's result nor write its own. */
int engine_list(struct engine *e, engine_fn fn, void *data, struct ar_err *err)
{
	_cleanup_strv_ char **ids = xcalloc(1, sizeof *ids);
	int r = 0;

	if (store_container_list(e->store, collect_id, &ids, err) < 0)
		return -1;
	for (size_t k = 0; ids[k] && r == 0; k++) {
		struct engine_info i;
		if (engine_find(e, ids[k], &i, NULL) < 0)
			continue;	/* removed meanwhile */
		engine_load_paused(e, &i);
		r = fn(&i, data);
		engine_info_free(&i);
	}
	return r < 0 ? -1 : 0;
}

int engine_removed_exit(struct engine *e, const char *id, int *exit_code, const char *ref,
			struct ar_err *err)
{
	sqlite3_stmt *q;
	int found;

	if (db_prepare(e->store->db, &q, err, "SELECT exit_code FROM exits WHERE id = ?", "s",
		       id) < 0)
		return -1;
	found = sqlite3_step(q) == SQLITE_ROW;
	if (found)
		*exit_code = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	return found ? 0 : ar_fail(err, ENOENT, "no such container: `%s`", ref);
}

json_object *engine_config(struct engine *e, const char *id)
{
	sqlite3_stmt *q;
	json_object *j = NULL;

	if (db_prepare(e->store->db, &q, NULL, "SELECT config FROM containers WHERE id = ?", "s",
		       id) < 0)
		return NULL;
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
		j = json_tokener_parse((const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	return j;
}

bool engine_auto_remove(struct engine *e, const char *id)
{
	json_object *j = engine_config(e, id), *v;
	bool yes = false;

	if (j && json_object_object_get_ex(j, "AutoRemove", &v))
		yes = json_object_get_boolean(v);
	json_object_put(j);
	return yes;
}
