/* argon — the engine's metadata database: open, schema, small helpers. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "util.h"

/* Version 1: images, layers, tags, containers' storage, volumes; version 2:
 * containers' life; version 3: networks and endpoints. Each later version appends its statements;
 * user_version says which have run. */
static const char *const schema[] = {
	"CREATE TABLE layers("
	"  id TEXT PRIMARY KEY,"		/* diff_id "sha256:<hex>" */
	"  size INTEGER NOT NULL,"
	"  source TEXT NOT NULL,"		/* import | prep | commit */
	"  created INTEGER NOT NULL);"
	"CREATE TABLE images("
	"  id TEXT PRIMARY KEY,"		/* sha256 of the config */
	"  config TEXT NOT NULL,"
	"  manifest TEXT,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE image_layers("
	"  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
	"  position INTEGER NOT NULL,"		/* 0 = bottom-most */
	"  layer_id TEXT NOT NULL REFERENCES layers(id),"
	"  PRIMARY KEY(image_id, position));"
	"CREATE INDEX image_layers_by_layer ON image_layers(layer_id);"
	"CREATE TABLE tags("
	"  name TEXT PRIMARY KEY,"
	"  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE);"
	"CREATE TABLE containers("
	"  id TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  image_id TEXT NOT NULL REFERENCES images(id),"
	"  created INTEGER NOT NULL,"
	"  storage_size INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX containers_by_image ON containers(image_id);"
	"CREATE TABLE volumes("
	"  name TEXT PRIMARY KEY,"
	"  created INTEGER NOT NULL,"
	"  anonymous INTEGER NOT NULL DEFAULT 0,"
	"  labels TEXT);"			/* JSON object or NULL */
	"CREATE TABLE container_volumes("
	"  container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,"
	"  volume TEXT NOT NULL REFERENCES volumes(name),"
	"  target TEXT NOT NULL,"
	"  PRIMARY KEY(container_id, target));"
	"CREATE INDEX container_volumes_by_volume ON container_volumes(volume);",
	/* Version 2: the engine's view of a container's life (engine.h). */
	"ALTER TABLE containers ADD COLUMN state TEXT NOT NULL DEFAULT 'created';"
	"ALTER TABLE containers ADD COLUMN config TEXT;"	/* engine options, JSON */
	"ALTER TABLE containers ADD COLUMN init_pid INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE containers ADD COLUMN monitor_pid INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE containers ADD COLUMN monitor_start INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE containers ADD COLUMN started_at INTEGER NOT NULL DEFAULT 0;"	/* ns */
	"ALTER TABLE containers ADD COLUMN finished_at INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE containers ADD COLUMN exit_code INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE containers ADD COLUMN oom_killed INTEGER NOT NULL DEFAULT 0;"
	/* Exit codes of removed (--rm) containers, for a client still waiting. */
	"CREATE TABLE exits(id TEXT PRIMARY KEY, exit_code INTEGER NOT NULL,"
	"  finished_at INTEGER NOT NULL);",
	/* Version 3: networks and the addresses reserved on them (netdb.h).
	 * Addresses are integers in host byte order, so ranges compare. */
	"CREATE TABLE networks("
	"  id TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  driver TEXT NOT NULL,"		/* nat | transparent | l2bridge */
	"  subnet INTEGER NOT NULL,"
	"  prefix INTEGER NOT NULL,"
	"  gateway INTEGER NOT NULL,"
	"  range_start INTEGER NOT NULL,"
	"  range_end INTEGER NOT NULL,"
	"  parent TEXT,"			/* transparent, l2bridge */
	"  bridge TEXT UNIQUE,"			/* nat (internal too) */
	"  internal INTEGER NOT NULL DEFAULT 0,"
	"  options TEXT NOT NULL DEFAULT '{}',"	/* JSON object */
	"  labels TEXT NOT NULL DEFAULT '{}',"	/* JSON object */
	"  created INTEGER NOT NULL);"
	"CREATE TABLE endpoints("
	"  container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,"
	/* No cascade: a network with endpoints is refused removal. */
	"  network_id TEXT NOT NULL REFERENCES networks(id),"
	"  ip INTEGER NOT NULL,"
	"  ifname TEXT NOT NULL,"
	"  aliases TEXT NOT NULL DEFAULT '[]',"	/* JSON array */
	"  PRIMARY KEY(container_id, network_id),"
	"  UNIQUE(network_id, ip),"		/* the final guard against a duplicate */
	"  UNIQUE(container_id, ifname));",
};

int db_error(sqlite3 *db, struct ar_err *err, const char *what)
{
	int code = sqlite3_extended_errcode(db);
	int e = code == SQLITE_BUSY || code == SQLITE_LOCKED ? EBUSY :
		code == SQLITE_FULL ? ENOSPC : code == SQLITE_CONSTRAINT_UNIQUE ? EEXIST : EIO;

	ar_error(err, 0, "%s: %s", what, sqlite3_errmsg(db));
	if (err)
		err->errnum = e;
	return -1;
}

int db_exec(sqlite3 *db, const char *sql, struct ar_err *err)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_error(db, err, "database");
	return 0;
}

static int user_version(sqlite3 *db, int *version, struct ar_err *err)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return db_error(db, err, "database");
	*version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	return 0;
}

static int db_migrate(sqlite3 *db, struct ar_err *err)
{
	int version = 0;
	size_t n = sizeof schema / sizeof schema[0];
	_cleanup_free_ char *set = xasprintf("PRAGMA user_version = %zu", n);

	if (user_version(db, &version, err) < 0)
		return -1;
	if (version >= 0 && (size_t)version == n)
		return 0;	/* the usual case: no lock taken */
	/* Read again under the write lock: two commands starting at once
	 * after an upgrade must not both run the same statements. */
	if (db_begin(db, err) < 0)
		return -1;
	if (user_version(db, &version, err) < 0)
		goto fail;
	if (version < 0 || (size_t)version > n) {
		ar_error(err, 0, "database schema version %d is newer than this argon (%zu)",
			 version, n);
		db_rollback(db);
		return -1;
	}
	for (size_t i = (size_t)version; i < n; i++) {
		if (db_exec(db, schema[i], err) < 0)
			goto fail;
	}
	if (db_exec(db, set, err) < 0 || db_commit(db, err) < 0)
		goto fail;
	return 0;
fail:
	db_rollback(db);
	return ar_err_prefix(err, "upgrade the database schema");
}

int db_open(const char *path, sqlite3 **out, struct ar_err *err)
{
	sqlite3 *db = NULL;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;

	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		ar_fail(err, EIO, "open database `%s`: %s", path,
			 db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return -1;
	}
	sqlite3_busy_timeout(db, 30000);
	/* Every command is a short process: a checkpoint at each close (the
	 * WAL synced, its pages copied, the database synced) would be paid
	 * three times by each `run` (CLI, monitor, last step). The WAL is
	 * checkpointed when it reaches 1000 pages instead, by whichever
	 * commit gets there; db_sync makes a command's commits durable. */
	sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	/* WAL: readers never block the writer; NORMAL sync is durable in WAL
	 * mode except for the last transactions on power loss, never corrupt. */
	if (db_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
			"PRAGMA foreign_keys=ON;", err) < 0 ||
	    db_migrate(db, err) < 0) {
		sqlite3_close(db);
		return ar_err_prefix(err, "open database `%s`", path);
	}
	*out = db;
	return 0;
}

static bool sync_skipped;

void db_skip_sync(void)
{
	sync_skipped = true;
}

void db_sync(sqlite3 *db)
{
	const char *main_file = db ? sqlite3_db_filename(db, "main") : NULL;
	_cleanup_free_ char *wal = NULL;
	_cleanup_close_ int fd = -1;

	if (sync_skipped || main_file == NULL || sqlite3_total_changes(db) == 0)
		return;
	/* synchronous=NORMAL syncs the WAL only at checkpoints: one
	 * fdatasync of it is what makes this process's commits survive a
	 * power loss. */
	wal = xasprintf("%s-wal", main_file);
	fd = open(wal, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		fdatasync(fd);
}

void db_close(sqlite3 *db)
{
	db_sync(db);
	sqlite3_close(db);
}

int db_begin(sqlite3 *db, struct ar_err *err)
{
	return db_exec(db, "BEGIN IMMEDIATE", err);
}

int db_commit(sqlite3 *db, struct ar_err *err)
{
	return db_exec(db, "COMMIT", err);
}

void db_rollback(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

static int db_vprepare(sqlite3 *db, sqlite3_stmt **out, struct ar_err *err, const char *sql,
		       const char *types, va_list ap)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_error(db, err, "database");
	for (int i = 0; types && types[i] && rc == SQLITE_OK; i++) {
		if (types[i] == 's')
			rc = sqlite3_bind_text(st, i + 1, va_arg(ap, const char *), -1,
					       SQLITE_TRANSIENT);
		else
			rc = sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
	}
	if (rc != SQLITE_OK) {
		sqlite3_finalize(st);
		return db_error(db, err, "database");
	}
	*out = st;
	return 0;
}

int db_prepare(sqlite3 *db, sqlite3_stmt **out, struct ar_err *err, const char *sql,
	       const char *types, ...)
{
	va_list ap;
	int r;

	va_start(ap, types);
	r = db_vprepare(db, out, err, sql, types, ap);
	va_end(ap);
	return r;
}

int db_run(sqlite3 *db, struct ar_err *err, const char *sql, const char *types, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int r;

	va_start(ap, types);
	r = db_vprepare(db, &st, err, sql, types, ap);
	va_end(ap);
	if (r < 0)
		return -1;
	r = sqlite3_step(st);
	if (r != SQLITE_DONE && r != SQLITE_ROW) {
		db_error(db, err, "database");
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

char *db_col_str(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return t ? xstrdup((const char *)t) : NULL;
}
