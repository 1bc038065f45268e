/* argon — the store's garbage: unreferenced layers and images, and what a
 * crashed command left behind. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>

#include "db.h"
#include "sandbox.h"
#include "store_priv.h"
#include "util.h"

static bool is_hex64(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return n == 64 && s[64] == '\0';
}

/* Moves layers/<hex> out of the way; removal happens after the commit. */
static int doom_layer_dir(struct store *s, const char *hex, char ***doomed, struct ar_err *err)
{
	_cleanup_free_ char *del = xasprintf(".del-%s", hex);

	if (renameat(s->layersfd, hex, s->layersfd, del) < 0) {
		if (errno == ENOENT)
			return 0;
		return ar_error(err, errno, "rename layer `%s`", hex);
	}
	strv_push(doomed, steal_ptr(&del));
	return 0;
}

int store_gc_layers(struct store *s, char ***doomed, struct ar_err *err)
{
	sqlite3_stmt *q;
	char **ids = NULL;
	int r = 0;

	if (db_prepare(s->db, &q, err, "SELECT id FROM layers WHERE id NOT IN "
			"(SELECT layer_id FROM image_layers)", NULL) < 0)
		return -1;
	while (sqlite3_step(q) == SQLITE_ROW)
		strv_push(&ids, db_col_str(q, 0));
	sqlite3_finalize(q);
	for (size_t i = 0; ids && ids[i] && r == 0; i++) {
		const char *hex = digest_hex(ids[i]);
		r = db_run(s->db, err, "DELETE FROM layers WHERE id = ?", "s", ids[i]);
		if (r == 0 && hex)
			r = doom_layer_dir(s, hex, doomed, err);
	}
	strv_free(ids);
	return r;
}

int store_gc_image(struct store *s, const char *id, struct ar_err *err)
{
	return db_run(s->db, err,
		      "DELETE FROM images WHERE id = ?1 "
		      "AND NOT EXISTS (SELECT 1 FROM tags WHERE image_id = ?1) "
		      "AND NOT EXISTS (SELECT 1 FROM containers WHERE image_id = ?1)",
		      "s", id);
}

void store_undoom(struct store *s, char **doomed)
{
	for (size_t i = 0; doomed && doomed[i]; i++) {
		if (strncmp(doomed[i], ".del-", 5) == 0 && is_hex64(doomed[i] + 5))
			renameat(s->layersfd, doomed[i], s->layersfd, doomed[i] + 5);
	}
	strv_free(doomed);
}

void store_remove_doomed(struct store *s, char **doomed)
{
	for (size_t i = 0; doomed && doomed[i]; i++)
		rm_rf_at(s->layersfd, doomed[i], NULL);
	strv_free(doomed);
}

/* A staging dir whose flock we can take has no living maker. */
static bool stage_abandoned(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	bool abandoned;

	if (fd < 0)
		return false;
	abandoned = flock(fd, LOCK_EX | LOCK_NB) == 0;
	close(fd);	/* releases the lock again */
	return abandoned;
}

static bool row_exists(struct store *s, const char *sql, const char *key)
{
	sqlite3_stmt *q;
	bool found;

	if (db_prepare(s->db, &q, NULL, sql, "s", key) < 0)
		return true;	/* when in doubt, keep */
	found = sqlite3_step(q) == SQLITE_ROW;
	sqlite3_finalize(q);
	return found;
}

/* layers/: abandoned stages, half-removed layers, dirs without a row. */
static void reconcile_layers(struct store *s, char ***doomed)
{
	DIR *d;
	struct dirent *de;
	int fd = dup(s->layersfd);

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		const char *n = de->d_name;
		if (strncmp(n, ".tmp-", 5) == 0 && stage_abandoned(s->layersfd, n)) {
			strv_push(doomed, xstrdup(n));
		} else if (strncmp(n, ".del-", 5) == 0) {
			strv_push(doomed, xstrdup(n));
		} else if (is_hex64(n)) {
			_cleanup_free_ char *id = xasprintf("sha256:%s", n);
			if (!row_exists(s, "SELECT 1 FROM layers WHERE id = ?", id))
				doom_layer_dir(s, n, doomed, NULL);
		}
	}
	closedir(d);
}

/* containers/<id> without a row: a create that died before its row was
 * written never got that far (rows come first), so this is a removal that
 * died after deleting the row. */
static void reconcile_containers(struct store *s)
{
	_cleanup_free_ char *path = xasprintf("%s/containers", s->root);
	DIR *d = opendir(path);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (!is_hex64(de->d_name) ||
		    row_exists(s, "SELECT 1 FROM containers WHERE id = ?", de->d_name))
			continue;
		_cleanup_free_ char *dir = xasprintf("%s/%s", path, de->d_name);
		sandbox_destroy(dir, NULL);
	}
	closedir(d);
}

static void reconcile_tmp(struct store *s)
{
	int fd = openat(s->rootfd, "tmp", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.' && stage_abandoned(dirfd(d), de->d_name))
			rm_rf_at(dirfd(d), de->d_name, NULL);
	}
	closedir(d);
}

int store_reconcile(struct store *s, struct ar_err *err)
{
	char **doomed = NULL;

	/* Under the write lock: a maker renames its layers and inserts their
	 * rows in one transaction, so we never see one without the other. */
	if (db_begin(s->db, err) < 0)
		return -1;
	reconcile_layers(s, &doomed);
	if (store_gc_layers(s, &doomed, err) < 0) {
		db_rollback(s->db);
		store_undoom(s, doomed);
		return -1;
	}
	reconcile_containers(s);
	/* Exit codes of --rm containers are kept for clients still waiting:
	 * an hour is plenty. */
	db_run(s->db, NULL, "DELETE FROM exits WHERE finished_at < ?", "i",
	       (int64_t)(time(NULL) - 3600) * 1000000000LL);
	if (db_commit(s->db, err) < 0) {
		db_rollback(s->db);
		store_undoom(s, doomed);
		return -1;
	}
	store_remove_doomed(s, doomed);
	reconcile_tmp(s);
	return 0;
}
