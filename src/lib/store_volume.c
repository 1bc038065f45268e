/* argon — named volumes: data dirs under <root>/volumes that outlive the
 * containers using them (the seeds' `-v cache:c:\temp`). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "db.h"
#include "mountspec.h"
#include "store_priv.h"
#include "util.h"

void volume_info_free(struct volume_info *v)
{
	if (v == NULL)
		return;
	free(v->name);
	free(v->mountpoint);
	for (size_t i = 0; i < v->n_labels; i++) {
		free(v->label_keys[i]);
		free(v->label_values[i]);
	}
	free(v->label_keys);
	free(v->label_values);
	memset(v, 0, sizeof *v);
}

static void labels_from_json(const char *text, struct volume_info *v)
{
	json_object *o = text ? json_tokener_parse(text) : NULL;

	if (o && json_object_is_type(o, json_type_object)) {
		size_t n = (size_t)json_object_object_length(o), i = 0;
		v->label_keys = xcalloc(n + 1, sizeof(char *));
		v->label_values = xcalloc(n + 1, sizeof(char *));
		json_object_object_foreach(o, key, val) {
			v->label_keys[i] = xstrdup(key);
			v->label_values[i++] = xstrdup(json_object_get_string(val));
		}
		v->n_labels = i;
	}
	json_object_put(o);
}

static int labels_to_json(char *const *labels, char **out, struct ar_err *err)
{
	json_object *o;

	*out = NULL;
	if (labels == NULL || labels[0] == NULL)
		return 0;
	o = json_object_new_object();
	for (size_t i = 0; labels[i]; i++) {
		const char *eq = strchr(labels[i], '=');
		_cleanup_free_ char *key = eq ? strndup(labels[i], (size_t)(eq - labels[i]))
					      : xstrdup(labels[i]);
		if (key == NULL || key[0] == '\0') {
			json_object_put(o);
			return ar_fail(err, EINVAL, "invalid label `%s`", labels[i]);
		}
		json_object_object_add(o, key, json_object_new_string(eq ? eq + 1 : ""));
	}
	*out = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return 0;
}

#define VOLUME_COLUMNS "SELECT name, created, anonymous, labels, " \
	"(SELECT COUNT(*) FROM container_volumes cv WHERE cv.volume = v.name) FROM volumes v "

static void fill_volume(struct store *s, sqlite3_stmt *q, struct volume_info *v)
{
	_cleanup_free_ char *labels = NULL;

	memset(v, 0, sizeof *v);
	v->name = db_col_str(q, 0);
	v->created = sqlite3_column_int64(q, 1);
	v->anonymous = sqlite3_column_int(q, 2) != 0;
	labels = db_col_str(q, 3);
	v->containers = sqlite3_column_int(q, 4);
	v->mountpoint = xasprintf("%s/volumes/%s/_data", s->root, v->name);
	labels_from_json(labels, v);
}

int store_volume_find(struct store *s, const char *name, struct volume_info *out,
		      struct ar_err *err)
{
	sqlite3_stmt *q;
	int found;

	if (db_prepare(s->db, &q, err, VOLUME_COLUMNS "WHERE name = ?", "s", name) < 0)
		return -1;
	found = sqlite3_step(q) == SQLITE_ROW;
	if (found)
		fill_volume(s, q, out);
	sqlite3_finalize(q);
	return found ? 0 : ar_fail(err, ENOENT, "no such volume: `%s`", name);
}

/* volumes/<name>/_data, created 0755 (the container decides what it holds). */
static int make_volume_dir(struct store *s, const char *name, struct ar_err *err)
{
	_cleanup_free_ char *dir = xasprintf("volumes/%s", name);
	_cleanup_free_ char *data = xasprintf("volumes/%s/_data", name);

	if (mkdirat(s->rootfd, dir, 0701) < 0 && errno != EEXIST)
		return ar_error(err, errno, "create `%s/%s`", s->root, dir);
	if (mkdirat(s->rootfd, data, 0755) < 0 && errno != EEXIST)
		return ar_error(err, errno, "create `%s/%s`", s->root, data);
	return 0;
}

int store_volume_create(struct store *s, const char *name, bool anonymous,
			char *const *labels, struct volume_info *out, struct ar_err *err)
{
	char hex[65];
	_cleanup_free_ char *labels_json = NULL;

	if (name == NULL) {
		store_random_hex(hex);
		name = hex;
		anonymous = true;
	}
	if (!volume_name_valid(name))
		return ar_fail(err, EINVAL, "invalid volume name `%s`: only [a-zA-Z0-9]"
				"[a-zA-Z0-9_.-] are allowed", name);
	if (labels_to_json(labels, &labels_json, err) < 0)
		return -1;
	if (db_begin(s->db, err) < 0)
		return -1;
	/* Row and directory together: a row always has its directory. */
	if (db_run(s->db, err, "INSERT OR IGNORE INTO volumes(name, created, anonymous, labels) "
		   "VALUES(?, ?, ?, ?)", "siis", name, store_now(), (int64_t)anonymous,
		   labels_json) < 0 ||
	    make_volume_dir(s, name, err) < 0 || db_commit(s->db, err) < 0) {
		db_rollback(s->db);
		return -1;
	}
	return store_volume_find(s, name, out, err);
}

int store_volume_list(struct store *s, volume_fn fn, void *data, struct ar_err *err)
{
	sqlite3_stmt *q;
	int r = 0;

	if (db_prepare(s->db, &q, err, VOLUME_COLUMNS "ORDER BY name", NULL) < 0)
		return -1;
	while (r == 0 && sqlite3_step(q) == SQLITE_ROW) {
		struct volume_info v;
		fill_volume(s, q, &v);
		r = fn(&v, data);
		volume_info_free(&v);
	}
	sqlite3_finalize(q);
	return r < 0 ? -1 : 0;
}

/* The row goes in the transaction; the files after it (a dir without a
 * row is garbage, never the reverse). */
static int remove_volume_locked(struct store *s, const char *name, struct ar_err *err)
{
	struct volume_info v;

	if (store_volume_find(s, name, &v, err) < 0)
		return -1;
	if (v.containers > 0) {
		volume_info_free(&v);
		return ar_fail(err, EBUSY, "remove volume `%s`: volume is in use by %d "
				"container(s)", name, v.containers);
	}
	volume_info_free(&v);
	return db_run(s->db, err, "DELETE FROM volumes WHERE name = ?", "s", name);
}

static void remove_volume_dir(struct store *s, const char *name)
{
	_cleanup_free_ char *dir = xasprintf("volumes/%s", name);

	rm_rf_at(s->rootfd, dir, NULL);
}

int store_volume_remove(struct store *s, const char *name, struct ar_err *err)
{
	if (db_begin(s->db, err) < 0)
		return -1;
	if (remove_volume_locked(s, name, err) < 0 || db_commit(s->db, err) < 0) {
		db_rollback(s->db);
		return -1;
	}
	remove_volume_dir(s, name);
	return 0;
}

static uint64_t tree_bytes;
static int add_size(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	if (flag == FTW_F)
		tree_bytes += (uint64_t)st->st_blocks * 512;
	return 0;
}

static uint64_t volume_bytes(const struct volume_info *v)
{
	tree_bytes = 0;
	nftw(v->mountpoint, add_size, 16, FTW_PHYS | FTW_MOUNT);
	return tree_bytes;
}

int store_volume_prune(struct store *s, bool all, volume_fn fn, void *data,
		       uint64_t *reclaimed, struct ar_err *err)
{
	sqlite3_stmt *q;
	struct volume_info *doomed = NULL;
	size_t n = 0;

	*reclaimed = 0;
	if (db_begin(s->db, err) < 0)
		return -1;
	if (db_prepare(s->db, &q, err, VOLUME_COLUMNS "WHERE (anonymous = 1 OR ?1) AND NOT EXISTS "
		       "(SELECT 1 FROM container_volumes cv WHERE cv.volume = v.name) ORDER BY name",
		       "i", (int64_t)all) < 0) {
		db_rollback(s->db);
		return -1;
	}
	while (sqlite3_step(q) == SQLITE_ROW) {
		doomed = xrealloc(doomed, (n + 1) * sizeof *doomed);
		fill_volume(s, q, &doomed[n++]);
	}
	sqlite3_finalize(q);
	int r = db_run(s->db, err, "DELETE FROM volumes WHERE (anonymous = 1 OR ?1) AND NOT EXISTS "
		       "(SELECT 1 FROM container_volumes cv WHERE cv.volume = volumes.name)",
		       "i", (int64_t)all);
	if (r == 0)
		r = db_commit(s->db, err);
	if (r < 0)
		db_rollback(s->db);
	for (size_t i = 0; i < n; i++) {
		if (r == 0) {
			*reclaimed += volume_bytes(&doomed[i]);
			remove_volume_dir(s, doomed[i].name);
			if (fn)
				fn(&doomed[i], data);
		}
		volume_info_free(&doomed[i]);
	}
	free(doomed);
	return r;
}

int store_volume_use(struct store *s, const char *container_id, const char *name,
		     const char *target, struct ar_err *err)
{
	return db_run(s->db, err, "INSERT INTO container_volumes(container_id, volume, target) "
		      "VALUES(?, ?, ?)", "sss", container_id, name, target);
}
