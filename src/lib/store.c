/* argon — the store: open, layer staging, reconciliation after crashes. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#include "db.h"
#include "imgconfig.h"
#include "sandbox.h"
#include "store_priv.h"
#include "util.h"

int64_t store_now(void)
{
	return (int64_t)time(NULL);
}

void store_random_hex(char out[65])
{
	unsigned char b[32];
	size_t got = 0;

	while (got < sizeof b) {
		ssize_t n = getrandom(b + got, sizeof b - got, 0);
		if (n > 0)
			got += (size_t)n;
		else if (errno != EINTR)
			abort();	/* no entropy source: nothing sane to do */
	}
	for (size_t i = 0; i < sizeof b; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

const char *digest_hex(const char *digest)
{
	return digest && digest_valid(digest) ? digest + strlen("sha256:") : NULL;
}

static int open_subdir(int dirfd, const char *root, const char *name, struct ar_err *err)
{
	int fd;

	if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
		return ar_error(err, errno, "create `%s/%s`", root, name);
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return ar_error(err, errno, "open `%s/%s`", root, name);
	return fd;
}

static int store_make_dirs(struct store *s, struct ar_err *err)
{
	static const char *const subdirs[] = { "containers", "volumes", "tmp" };

	if (mkdir(s->root, 0700) < 0 && errno != EEXIST)
		return ar_error(err, errno, "create `%s`", s->root);
	s->rootfd = open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->rootfd < 0)
		return ar_error(err, errno, "open `%s`", s->root);
	if (dir_check_private(s->rootfd, s->root, err) < 0)
		return -1;
	s->layersfd = open_subdir(s->rootfd, s->root, "layers", err);
	if (s->layersfd < 0)
		return -1;
	for (size_t i = 0; i < sizeof subdirs / sizeof subdirs[0]; i++) {
		int fd = open_subdir(s->rootfd, s->root, subdirs[i], err);
		if (fd < 0)
			return -1;
		close(fd);
	}
	return 0;
}

int store_open(const char *root, struct store **out, struct ar_err *err)
{
	struct store *s = xcalloc(1, sizeof *s);
	_cleanup_free_ char *dbpath = NULL;

	s->rootfd = s->layersfd = -1;
	s->root = realpath(root, NULL);
	if (s->root == NULL) {
		if (errno != ENOENT || root[0] != '/') {
			ar_error(err, errno, "argon root `%s`", root);
			goto fail;
		}
		s->root = xstrdup(root);	/* made below */
	}
	if (store_make_dirs(s, err) < 0) {
		ar_err_prefix(err, "argon root");
		goto fail;
	}
	dbpath = xasprintf("%s/argon.db", s->root);
	if (db_open(dbpath, &s->db, err) < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	store_close(s);
	return -1;
}

void store_close(struct store *s)
{
	if (s == NULL)
		return;
	if (s->db)
		db_close(s->db);
	if (s->rootfd >= 0)
		close(s->rootfd);
	if (s->layersfd >= 0)
		close(s->layersfd);
	free(s->root);
	free(s);
}

/* ------------------------------------------------------------ staging */

/* The stage's flock is its maker's: a reconciler that gets the lock knows
 * the maker is gone. */
static int make_locked_dir(int parentfd, const char *prefix, char **name_out, struct ar_err *err)
{
	for (int tries = 0; tries < 16; tries++) {
		char hex[65];
		store_random_hex(hex);
		_cleanup_free_ char *name = xasprintf("%s%.12s", prefix, hex);
		if (mkdirat(parentfd, name, 0700) < 0) {
			if (errno == EEXIST)
				continue;
			return ar_error(err, errno, "create `%s`", name);
		}
		int fd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0) {
			int e = errno;
			if (fd >= 0)
				close(fd);
			unlinkat(parentfd, name, AT_REMOVEDIR);
			return ar_error(err, e, "lock `%s`", name);
		}
		*name_out = steal_ptr(&name);
		return fd;
	}
	return ar_fail(err, EEXIST, "create a staging directory");
}

int layer_stage_begin(struct store *s, struct layer_stage *st, struct ar_err *err)
{
	memset(st, 0, sizeof *st);
	st->dirfd = make_locked_dir(s->layersfd, ".tmp-", &st->name, err);
	if (st->dirfd < 0)
		return ar_err_prefix(err, "stage a layer in `%s/layers`", s->root);
	return 0;
}

void layer_stage_abort(struct store *s, struct layer_stage *st)
{
	if (st->name && st->dirfd >= 0)
		rm_rf_at(s->layersfd, st->name, NULL);
	if (st->dirfd >= 0)
		close(st->dirfd);
	free(st->name);
	free(st->diff_id);
	free(st->source);
	memset(st, 0, sizeof *st);
	st->dirfd = -1;
}

int store_tmp_dir(struct store *s, char **name, struct ar_err *err)
{
	_cleanup_close_ int tmpfd = openat(s->rootfd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (tmpfd < 0)
		return ar_error(err, errno, "open `%s/tmp`", s->root);
	return make_locked_dir(tmpfd, "work-", name, err);
}

bool store_layer_exists(struct store *s, const char *diff_id)
{
	sqlite3_stmt *q;
	bool found;

	if (db_prepare(s->db, &q, NULL, "SELECT 1 FROM layers WHERE id = ?", "s", diff_id) < 0)
		return false;
	found = sqlite3_step(q) == SQLITE_ROW;
	sqlite3_finalize(q);
	return found;
}

char *store_layer_path(const struct store *s, const char *diff_id)
{
	const char *hex = digest_hex(diff_id);

	return xasprintf("%s/layers/%s", s->root, hex ? hex : "invalid");
}
