/* argon — naming images: normalised references, lookup by tag or ID. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "db.h"
#include "store_priv.h"
#include "util.h"

/* Repository: lower-case path components of [a-z0-9] separated by [._-],
 * joined by '/', an optional registry host[:port] first (docker's grammar,
 * loosely). Tag: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. */
static bool repo_valid(const char *r)
{
	size_t n = strlen(r);

	if (n == 0 || n > 255 || r[0] == '/' || r[n - 1] == '/' || strstr(r, "//"))
		return false;
	for (const char *p = r; *p; p++) {
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) ||
		      strchr("._-/:", *p)))
			return false;
	}
	return true;
}

static bool tag_valid(const char *t)
{
	size_t n = strlen(t);

	if (n == 0 || n > 128 || t[0] == '.' || t[0] == '-')
		return false;
	for (const char *p = t; *p; p++) {
		if (!(isalnum((unsigned char)*p) || strchr("_.-", *p)))
			return false;
	}
	return true;
}

int image_ref_normalize(const char *ref, char **out, struct ar_err *err)
{
	const char *slash = strrchr(ref, '/'), *colon = strrchr(ref, ':');
	_cleanup_free_ char *repo = NULL;
	const char *tag = "latest";

	if (strchr(ref, '@'))
		return ar_fail(err, EINVAL, "invalid reference `%s`: digests are not supported",
				ref);
	if (colon && (!slash || colon > slash)) {
		repo = strndup(ref, (size_t)(colon - ref));
		tag = colon + 1;
	} else {
		repo = xstrdup(ref);
	}
	if (repo == NULL || !repo_valid(repo) || !tag_valid(tag))
		return ar_fail(err, EINVAL, "invalid reference format `%s` (repository names "
				"are lower case; tags are [A-Za-z0-9_.-], at most 128)", ref);
	/* docker.io/library/busybox is what docker shows as busybox. */
	const char *familiar = repo;
	if (strncmp(familiar, "docker.io/", 10) == 0)
		familiar += 10;
	if (strncmp(familiar, "library/", 8) == 0 && familiar != repo)
		familiar += 8;
	*out = xasprintf("%s:%s", familiar, tag);
	return 0;
}

static char **query_strv(struct store *s, const char *sql, const char *key)
{
	sqlite3_stmt *q;
	char **v = xcalloc(1, sizeof *v);

	if (db_prepare(s->db, &q, NULL, sql, "s", key) < 0)
		return v;
	while (sqlite3_step(q) == SQLITE_ROW)
		strv_push(&v, db_col_str(q, 0));
	sqlite3_finalize(q);
	return v;
}

static int64_t query_int(struct store *s, const char *sql, const char *key)
{
	sqlite3_stmt *q;
	int64_t v = 0;

	if (db_prepare(s->db, &q, NULL, sql, "s", key) < 0)
		return 0;
	if (sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

/* Fills *out for the image with exactly this ID; 0 or -ENOENT. */
static int image_load(struct store *s, const char *id, struct image_info *out,
		      struct ar_err *err)
{
	sqlite3_stmt *q;

	memset(out, 0, sizeof *out);
	if (db_prepare(s->db, &q, err, "SELECT id, config, manifest, created FROM images "
		       "WHERE id = ?", "s", id) < 0)
		return -1;
	if (sqlite3_step(q) != SQLITE_ROW) {
		sqlite3_finalize(q);
		return -ENOENT;
	}
	out->id = db_col_str(q, 0);
	out->config = db_col_str(q, 1);
	out->manifest = db_col_str(q, 2);
	out->created = sqlite3_column_int64(q, 3);
	sqlite3_finalize(q);
	out->layers = query_strv(s, "SELECT layer_id FROM image_layers WHERE image_id = ? "
				 "ORDER BY position", id);
	out->n_layers = strv_len(out->layers);
	out->tags = query_strv(s, "SELECT name FROM tags WHERE image_id = ? ORDER BY name", id);
	out->size = (uint64_t)query_int(s, "SELECT COALESCE(SUM(l.size), 0) FROM image_layers il "
					"JOIN layers l ON l.id = il.layer_id WHERE il.image_id = ?",
					id);
	out->containers = (int)query_int(s, "SELECT COUNT(*) FROM containers WHERE image_id = ?",
					 id);
	return 0;
}

static bool is_hex(const char *s, size_t min, size_t max)
{
	size_t n = strspn(s, "0123456789abcdef");

	return s[n] == '\0' && n >= min && n <= max;
}

/* By ID prefix: exactly one image must match. */
static int find_by_prefix(struct store *s, const char *ref, char **id, struct ar_err *err)
{
	const char *hex = strncmp(ref, "sha256:", 7) == 0 ? ref + 7 : ref;
	_cleanup_free_ char *pattern = NULL;
	char **ids;
	size_t n;

	if (!is_hex(hex, 1, 64))
		return -ENOENT;
	pattern = xasprintf("sha256:%s*", hex);
	ids = query_strv(s, "SELECT id FROM images WHERE id GLOB ? LIMIT 2", pattern);
	n = strv_len(ids);
	if (n == 1)
		*id = xstrdup(ids[0]);
	strv_free(ids);
	if (n > 1)
		return ar_fail(err, EINVAL, "image ID prefix `%s` is ambiguous", ref);
	return n == 1 ? 0 : -ENOENT;
}

int store_image_find(struct store *s, const char *ref, struct image_info *out,
		     struct ar_err *err)
{
	_cleanup_free_ char *norm = NULL, *id = NULL;
	char **hit;
	int r = 0;

	memset(out, 0, sizeof *out);
	if (image_ref_normalize(ref, &norm, NULL) == 0) {
		hit = query_strv(s, "SELECT image_id FROM tags WHERE name = ?", norm);
		if (hit[0])
			id = xstrdup(hit[0]);
		strv_free(hit);
	}
	if (id == NULL) {
		r = find_by_prefix(s, ref, &id, err);
		if (r == -1)
			return -1;
	}
	if (id == NULL || (r = image_load(s, id, out, err)) == -ENOENT)
		return ar_fail(err, ENOENT, "no such image: `%s`", ref);
	return r < 0 ? -1 : 0;
}

int store_image_list(struct store *s, image_fn fn, void *data, struct ar_err *err)
{
	sqlite3_stmt *q;
	char **ids = NULL;
	int r = 0;

	if (db_prepare(s->db, &q, err, "SELECT id FROM images ORDER BY created DESC, id", NULL) < 0)
		return -1;
	while (sqlite3_step(q) == SQLITE_ROW)
		strv_push(&ids, db_col_str(q, 0));
	sqlite3_finalize(q);
	for (size_t i = 0; ids && ids[i] && r == 0; i++) {
		struct image_info info;
		r = image_load(s, ids[i], &info, err);
		if (r == -ENOENT) {
			r = 0;	/* removed meanwhile */
			continue;
		}
		if (r == 0)
			r = fn(&info, data);
		image_info_free(&info);
	}
	strv_free(ids);
	return r < 0 ? -1 : 0;
}
