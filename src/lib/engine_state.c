/* argon — reading the engine's rows, and keeping them truthful when a
 * monitor has died. */
#define _GNU_SOURCE
#include <errno.h>
#include <json-c/json.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "engine_priv.h"
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
static int load_row(struct engine *e, struct engine_info *i, uint64_t *mon_start)
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
	*mon_start = (uint64_t)sqlite3_column_int64(q, 4);
	i->started_at = sqlite3_column_int64(q, 5);
	i->finished_at = sqlite3_column_int64(q, 6);
	i->exit_code = sqlite3_column_int(q, 7);
	i->oom_killed = sqlite3_column_int(q, 8) != 0;
	sqlite3_finalize(q);
	return 0;
}

uint64_t engine_monitor_start(struct engine *e, const char *id)
{
	sqlite3_stmt *q;
	uint64_t v = 0;

	if (db_prepare(e->store->db, &q, NULL, "SELECT monitor_start FROM containers WHERE id = ?",
		       "s", id) < 0)
		return 0;
	if (sqlite3_step(q) == SQLITE_ROW)
		v = (uint64_t)sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

/* A row says created or running but its monitor is gone (killed, or the
 * host rebooted): the runtime knows whether the init still lives. What
 * it cannot know is the exit code: -1 says so. */
static void refresh(struct engine *e, struct engine_info *i, uint64_t mon_start)
{
	struct ar_state st = { 0 };
	enum ar_status status = ST_STOPPED;
	struct ar_err err = { 0 };

	/* monitor_pid 0: never had one (`argon sandbox create`), nothing ran. */
	if (i->state == ENGINE_EXITED || i->monitor_pid <= 0 ||
	    proc_is_same(i->monitor_pid, mon_start))
		return;
	if (ar_container_load(&e->rt, i->c.id, &st, &status, &err) == 0) {
		ar_state_free(&st);
		if (status != ST_STOPPED)
			return;	/* still alive, unmonitored */
	}
	ar_err_clear(&err);
	ar_container_delete(&e->rt, i->c.id, true, &err);
	ar_err_clear(&err);
	i->state = ENGINE_EXITED;
	i->exit_code = -1;
	i->finished_at = engine_now_ns();
	db_run(e->store->db, NULL, "UPDATE containers SET state = 'exited', exit_code = -1, "
	       "finished_at = ? WHERE id = ? AND state != 'exited'", "is", i->finished_at,
	       i->c.id);
}

int engine_find(struct engine *e, const char *ref, struct engine_info *out, struct ar_err *err)
{
	uint64_t mon_start = 0;
	int r;

	memset(out, 0, sizeof *out);
	if (store_container_find(e->store, ref, &out->c, err) < 0)
		return -1;
	r = load_row(e, out, &mon_start);
	if (r < 0) {
		engine_info_free(out);
		return ar_fail(err, ENOENT, "no such container: `%s`", ref);
	}
	refresh(e, out, mon_start);
	return 0;
}

struct list_ctx {
	struct engine *e;
	engine_fn fn;
	void *data;
};

static int list_one(const struct container_info *c, void *data)
{
	struct list_ctx *l = data;
	struct engine_info i;
	int r;

	if (engine_find(l->e, c->id, &i, NULL) < 0)
		return 0;	/* removed meanwhile */
	r = l->fn(&i, l->data);
	engine_info_free(&i);
	return r;
}

int engine_list(struct engine *e, engine_fn fn, void *data, struct ar_err *err)
{
	struct list_ctx l = { e, fn, data };

	return store_container_list(e->store, list_one, &l, err);
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

bool engine_auto_remove(struct engine *e, const char *id)
{
	sqlite3_stmt *q;
	json_object *j = NULL, *v;
	bool yes = false;

	if (db_prepare(e->store->db, &q, NULL, "SELECT config FROM containers WHERE id = ?", "s",
		       id) < 0)
		return false;
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
		j = json_tokener_parse((const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	if (j && json_object_object_get_ex(j, "AutoRemove", &v))
		yes = json_object_get_boolean(v);
	json_object_put(j);
	return yes;
}
