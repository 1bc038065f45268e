/* argon — containers' storage records: name, image, sandbox dir. The
 * engine (argon create/run) adds the runtime side on top. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "db.h"
#include "sandbox.h"
#include "store_priv.h"
#include "util.h"

void container_info_free(struct container_info *c)
{
	if (c == NULL)
		return;
	free(c->id);
	free(c->name);
	free(c->image_id);
	free(c->dir);
	memset(c, 0, sizeof *c);
}

bool container_name_valid(const char *n)
{
	size_t len = strlen(n);

	if (len < 2 || len > 253 || !isalnum((unsigned char)n[0]))
		return false;
	for (const char *p = n; *p; p++) {
		if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
			return false;
	}
	return true;
}

static void fill_info(struct store *s, sqlite3_stmt *q, struct container_info *c)
{
	c->id = db_col_str(q, 0);
	c->name = db_col_str(q, 1);
	c->image_id = db_col_str(q, 2);
	c->created = sqlite3_column_int64(q, 3);
	c->storage_size = (uint64_t)sqlite3_column_int64(q, 4);
	c->dir = xasprintf("%s/containers/%s", s->root, c->id);
}

#define CONTAINER_COLUMNS "SELECT id, name, image_id, created, storage_size FROM containers "

int store_container_add(struct store *s, const char *name, const char *image_id,
			uint64_t storage_size, struct container_info *out, struct ar_err *err)
{
	char id[65];
	_cleanup_free_ char *dflt = NULL, *rel = NULL;

	store_random_hex(id);
	if (name == NULL)
		name = dflt = xasprintf("argon_%.12s", id);
	if (!container_name_valid(name))
		return ar_fail(err, EINVAL, "invalid container name `%s`: only [a-zA-Z0-9]"
				"[a-zA-Z0-9_.-] are allowed", name);
	/* The row first: a directory without a row is garbage to reconcile,
	 * so the row must exist before the directory does. */
	if (db_run(s->db, err, "INSERT INTO containers(id, name, image_id, created, storage_size) "
		   "VALUES(?, ?, ?, ?, ?)", "sssii", id, name, image_id, store_now(),
		   (int64_t)storage_size) < 0) {
		if (err && err->errnum == EEXIST)
			return ar_fail(err, EEXIST, "the container name `%s` is already in use", name);
		return -1;
	}
	rel = xasprintf("containers/%s", id);
	if (mkdirat(s->rootfd, rel, 0711) < 0) {
		int e = errno;
		db_run(s->db, NULL, "DELETE FROM containers WHERE id = ?", "s", id);
		return ar_error(err, e, "create `%s/%s`", s->root, rel);
	}
	memset(out, 0, sizeof *out);
	out->id = xstrdup(id);
	out->name = xstrdup(name);
	out->image_id = xstrdup(image_id);
	out->created = store_now();
	out->storage_size = storage_size;
	out->dir = xasprintf("%s/%s", s->root, rel);
	return 0;
}

static int find_one(struct store *s, const char *sql, const char *key, struct container_info *out,
		    int *matches)
{
	sqlite3_stmt *q;

	*matches = 0;
	if (db_prepare(s->db, &q, NULL, sql, "s", key) < 0)
		return -1;
	while (sqlite3_step(q) == SQLITE_ROW && *matches < 2) {
		if (++*matches == 1)
			fill_info(s, q, out);
	}
	sqlite3_finalize(q);
	if (*matches > 1)
		container_info_free(out);
	return 0;
}

int store_container_find(struct store *s, const char *ref, struct container_info *out,
			 struct ar_err *err)
{
	int n = 0;
	size_t hexlen = strspn(ref, "0123456789abcdef");

	memset(out, 0, sizeof *out);
	/* docker: an exact ID, then an exact name, then a unique ID prefix. */
	if (find_one(s, CONTAINER_COLUMNS "WHERE id = ?", ref, out, &n) < 0)
		return ar_fail(err, EIO, "look up container `%s`", ref);
	if (n == 0)
		find_one(s, CONTAINER_COLUMNS "WHERE name = ?", ref, out, &n);
	if (n == 0 && hexlen == strlen(ref) && hexlen > 0) {
		_cleanup_free_ char *pat = xasprintf("%s*", ref);
		find_one(s, CONTAINER_COLUMNS "WHERE id GLOB ? LIMIT 2", pat, out, &n);
		if (n > 1)
			return ar_fail(err, EINVAL, "container ID prefix `%s` is ambiguous", ref);
	}
	if (n != 1)
		return ar_fail(err, ENOENT, "no such container: `%s`", ref);
	return 0;
}

int store_container_list(struct store *s, container_fn fn, void *data, struct ar_err *err)
{
	sqlite3_stmt *q;
	int r = 0;

	if (db_prepare(s->db, &q, err, CONTAINER_COLUMNS "ORDER BY created DESC, id", NULL) < 0)
		return -1;
	while (r == 0 && sqlite3_step(q) == SQLITE_ROW) {
		struct container_info c = { 0 };
		fill_info(s, q, &c);
		r = fn(&c, data);
		container_info_free(&c);
	}
	sqlite3_finalize(q);
	return r < 0 ? -1 : 0;
}

static int remove_row(struct store *s, const struct container_info *c, char ***doomed,
		      struct ar_err *err)
{
	if (db_run(s->db, err, "DELETE FROM containers WHERE id = ?", "s", c->id) < 0 ||
	    store_gc_image(s, c->image_id, err) < 0)
		return -1;
	return store_gc_layers(s, doomed, err);
}

int store_container_remove(struct store *s, const char *id, struct ar_err *err)
{
	struct container_info c;
	char **doomed = NULL;

	if (store_container_find(s, id, &c, err) < 0)
		return -1;
	/* Files first, then the row: a row always has its directory, and a
	 * crash in between leaves a row whose removal is simply run again. */
	if (sandbox_destroy(c.dir, err) < 0) {
		container_info_free(&c);
		return ar_err_prefix(err, "remove container `%s`", id);
	}
	if (db_begin(s->db, err) < 0 || remove_row(s, &c, &doomed, err) < 0 ||
	    db_commit(s->db, err) < 0) {
		db_rollback(s->db);
		store_undoom(s, doomed);
		container_info_free(&c);
		return -1;
	}
	store_remove_doomed(s, doomed);
	container_info_free(&c);
	return 0;
}

int store_container_lowers(struct store *s, const struct container_info *c, char ***out,
			   size_t *n, struct ar_err *err)
{
	sqlite3_stmt *q;
	char **v = xcalloc(1, sizeof *v);
	_cleanup_free_ char *init = xasprintf("%s/" STORE_INIT_LAYER, c->dir);
	struct stat st;

	/* The engine's init layer is the topmost lower (store.h). */
	bool has_init = stat(init, &st) == 0 && S_ISDIR(st.st_mode);

	if (has_init)
		strv_push(&v, steal_ptr(&init));
	if (db_prepare(s->db, &q, err, "SELECT layer_id FROM image_layers WHERE image_id = ? "
		       "ORDER BY position DESC", "s", c->image_id) < 0) {
		strv_free(v);
		return -1;
	}
	while (sqlite3_step(q) == SQLITE_ROW) {
		_cleanup_free_ char *id = db_col_str(q, 0);
		strv_push(&v, store_layer_path(s, id));
	}
	sqlite3_finalize(q);
	*n = strv_len(v);
	if (*n == (size_t)has_init) {
		strv_free(v);
		return ar_fail(err, ENOENT, "image `%s` has no layers", c->image_id);
	}
	*out = v;
	return 0;
}
