/* argon — images in the store: add (with their layers), find, list, tag. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "imgconfig.h"
#include "sha256.h"
#include "store_priv.h"
#include "util.h"

void image_info_free(struct image_info *i)
{
	if (i == NULL)
		return;
	free(i->id);
	free(i->config);
	free(i->manifest);
	strv_free(i->layers);
	strv_free(i->tags);
	memset(i, 0, sizeof *i);
}

/* A staged layer's dir becomes layers/<hex>, unless the store has it:
 * then the stage is dropped (a layer shared by two images is kept once).
 * A dir of that name without a row (a crash) is moved away first. */
static int commit_stage(struct store *s, struct layer_stage *st, char ***doomed, bool *placed,
			struct ar_err *err)
{
	const char *hex = digest_hex(st->diff_id);

	*placed = false;
	if (hex == NULL)
		return ar_fail(err, EINVAL, "layer has no valid diff_id");
	if (store_layer_exists(s, st->diff_id))
		return 0;
	if (st->name == NULL)	/* it was there when staged; an rmi took it since */
		return ar_fail(err, ENOENT, "layer `%s` was removed meanwhile: import again",
			       st->diff_id);
	if (renameat(s->layersfd, st->name, s->layersfd, hex) < 0) {
		if (errno != EEXIST && errno != ENOTEMPTY)
			return ar_error(err, errno, "rename layer `%s`", hex);
		_cleanup_free_ char *del = xasprintf(".del-%s.%.8s", hex, st->name + 5);
		if (renameat(s->layersfd, hex, s->layersfd, del) < 0 ||
		    renameat(s->layersfd, st->name, s->layersfd, hex) < 0)
			return ar_error(err, errno, "rename layer `%s`", hex);
		strv_push(doomed, steal_ptr(&del));
	}
	*placed = true;
	if (db_run(s->db, err, "INSERT INTO layers(id, size, source, created) VALUES(?,?,?,?)",
		   "sisi", st->diff_id, (int64_t)st->size, st->source ? st->source : "import",
		   store_now()) < 0)
		return -1;
	return 0;
}

static void uncommit_stages(struct store *s, struct layer_stage *stages, const bool *placed,
			    size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *hex = digest_hex(stages[i].diff_id);
		if (placed[i] && hex)
			renameat(s->layersfd, hex, s->layersfd, stages[i].name);
	}
}

static int move_tag(struct store *s, const char *tag, const char *id, struct ar_err *err)
{
	_cleanup_free_ char *norm = NULL, *old = NULL;
	sqlite3_stmt *q;

	if (image_ref_normalize(tag, &norm, err) < 0)
		return -1;
	if (db_prepare(s->db, &q, err, "SELECT image_id FROM tags WHERE name = ?", "s", norm) < 0)
		return -1;
	if (sqlite3_step(q) == SQLITE_ROW)
		old = db_col_str(q, 0);
	sqlite3_finalize(q);
	if (db_run(s->db, err, "INSERT OR REPLACE INTO tags(name, image_id) VALUES(?, ?)",
		   "ss", norm, id) < 0)
		return -1;
	if (old && strcmp(old, id) != 0)
		return store_gc_image(s, old, err);
	return 0;
}

static int insert_image(struct store *s, const char *id, const char *config,
			const char *manifest, struct ar_err *err)
{
	struct image_config c = { 0 };
	int r;

	if (image_config_parse(config, strlen(config), &c, err) < 0)
		return -1;
	r = db_run(s->db, err, "INSERT OR IGNORE INTO images(id, config, manifest, created) "
		   "VALUES(?, ?, ?, ?)", "sssi", id, config, manifest, store_now());
	for (size_t i = 0; r == 0 && i < c.n_diff_ids; i++) {
		if (!store_layer_exists(s, c.diff_ids[i])) {
			r = ar_fail(err, ENOENT, "layer `%s` is not in the store", c.diff_ids[i]);
			break;
		}
		r = db_run(s->db, err, "INSERT OR IGNORE INTO image_layers(image_id, position, "
			   "layer_id) VALUES(?, ?, ?)", "sis", id, (int64_t)i, c.diff_ids[i]);
	}
	image_config_free(&c);
	return r;
}

static int add_in_tx(struct store *s, const char *id, const char *config, const char *manifest,
		     struct layer_stage *stages, bool *placed, size_t n, char *const *tags,
		     char ***doomed, struct ar_err *err)
{
	for (size_t i = 0; i < n; i++) {
		if (commit_stage(s, &stages[i], doomed, &placed[i], err) < 0)
			return -1;
	}
	if (insert_image(s, id, config, manifest, err) < 0)
		return -1;
	for (size_t i = 0; tags && tags[i]; i++) {
		if (move_tag(s, tags[i], id, err) < 0)
			return -1;
	}
	/* An image that lost its tag above (prep run again) may have left
	 * layers that nothing needs. */
	return store_gc_layers(s, doomed, err);
}

int store_image_add(struct store *s, const char *config, const char *manifest,
		    struct layer_stage *stages, size_t n_stages, char *const *tags,
		    char **id_out, struct ar_err *err)
{
	char hex[65];
	_cleanup_free_ char *id = NULL;
	_cleanup_free_ bool *placed = xcalloc(n_stages + 1, sizeof *placed);
	char **doomed = NULL;
	int r = -1;

	sha256_hex(config, strlen(config), hex);
	id = xasprintf("sha256:%s", hex);
	/* The layers' files reach the disk before any row says they exist. */
	if (n_stages && syncfs(s->layersfd) < 0) {
		ar_error(err, errno, "sync `%s/layers`", s->root);
		goto out;
	}
	if (db_begin(s->db, err) < 0)
		goto out;
	if (add_in_tx(s, id, config, manifest, stages, placed, n_stages, tags, &doomed, err) < 0 ||
	    db_commit(s->db, err) < 0) {
		db_rollback(s->db);
		uncommit_stages(s, stages, placed, n_stages);
		store_undoom(s, doomed);
		goto out;
	}
	store_remove_doomed(s, doomed);
	r = 0;
	if (id_out)
		*id_out = steal_ptr(&id);
out:
	for (size_t i = 0; i < n_stages; i++)
		layer_stage_abort(s, &stages[i]);
	return r;
}

/* docker's lines: "Untagged: busybox:latest", "Deleted: sha256:...". */
static void say(void (*out_fn)(const char *, void *), void *data, const char *verb,
		const char *what)
{
	if (out_fn) {
		_cleanup_free_ char *line = xasprintf("%s: %s", verb, what);
		out_fn(line, data);
	}
}

/* Which tags a removal takes away, or an error saying why it may not. */
static int rmi_plan(const struct image_info *img, const char *ref, bool force, char ***untag,
		    struct ar_err *err)
{
	_cleanup_free_ char *norm = NULL;
	bool by_tag = false;

	if (image_ref_normalize(ref, &norm, NULL) == 0) {
		for (size_t i = 0; img->tags[i]; i++)
			by_tag |= strcmp(img->tags[i], norm) == 0;
	}
	if (by_tag && strv_len(img->tags) > 1) {
		strv_push(untag, steal_ptr(&norm));	/* other names keep it */
		return 0;
	}
	if (!force && !by_tag && strv_len(img->tags) > 1)
		return ar_fail(err, EBUSY, "conflict: unable to delete `%s` (must be forced) - "
				"image is referenced in multiple repositories", ref);
	if (!force && img->containers > 0)
		return ar_fail(err, EBUSY, "conflict: unable to remove `%s` (must force) - "
				"%d container(s) use image %.19s", ref, img->containers, img->id);
	for (size_t i = 0; img->tags[i]; i++)
		strv_push(untag, xstrdup(img->tags[i]));
	return 0;
}

static int rmi_in_tx(struct store *s, const struct image_info *img, char **untag,
		     bool *deleted, char ***doomed, struct ar_err *err)
{
	for (size_t i = 0; untag && untag[i]; i++) {
		if (db_run(s->db, err, "DELETE FROM tags WHERE name = ?", "s", untag[i]) < 0)
			return -1;
	}
	if (store_gc_image(s, img->id, err) < 0)
		return -1;
	*deleted = sqlite3_changes(s->db) > 0;
	return store_gc_layers(s, doomed, err);
}

int store_image_remove(struct store *s, const char *ref, bool force,
		       void (*out_fn)(const char *line, void *data), void *data,
		       struct ar_err *err)
{
	struct image_info img;
	char **untag = NULL, **doomed = NULL;
	bool deleted = false;
	int r = -1;

	if (db_begin(s->db, err) < 0)
		return -1;
	if (store_image_find(s, ref, &img, err) < 0) {
		db_rollback(s->db);
		return -1;
	}
	if (rmi_plan(&img, ref, force, &untag, err) < 0 ||
	    rmi_in_tx(s, &img, untag, &deleted, &doomed, err) < 0 ||
	    db_commit(s->db, err) < 0) {
		db_rollback(s->db);
		store_undoom(s, doomed);
		goto out;
	}
	store_remove_doomed(s, doomed);
	for (size_t i = 0; untag && untag[i]; i++)
		say(out_fn, data, "Untagged", untag[i]);
	if (deleted)
		say(out_fn, data, "Deleted", img.id);
	r = 0;
out:
	strv_free(untag);
	image_info_free(&img);
	return r;
}

int store_image_tag(struct store *s, const char *ref, const char *tag, struct ar_err *err)
{
	struct image_info img;
	int r;

	if (db_begin(s->db, err) < 0)
		return -1;
	r = store_image_find(s, ref, &img, err);
	if (r == 0)
		r = move_tag(s, tag, img.id, err);
	if (r == 0) {
		char **doomed = NULL;
		r = store_gc_layers(s, &doomed, err);
		if (r == 0 && db_commit(s->db, err) == 0) {
			store_remove_doomed(s, doomed);
			image_info_free(&img);
			return 0;
		}
		store_undoom(s, doomed);
	}
	db_rollback(s->db);
	image_info_free(&img);
	return -1;
}
