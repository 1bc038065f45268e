/* argon — the engine's metadata database (SQLite, WAL mode).
 *
 * One file, <root>/argon.db: images, tags, layer references, containers and
 * their names, volumes, networks and their IP reservations. Writers take
 * the database lock up front (BEGIN IMMEDIATE), so two commands reserving
 * the same name cannot both win; content stays in plain files beside it.
 */
#ifndef ARGON_DB_H
#define ARGON_DB_H

#include <sqlite3.h>
#include <stdint.h>

#include "error.h"

/* Opens (creating) the database at `path`, WAL mode, foreign keys on, a
 * busy timeout, and brings the schema to the current version. */
int db_open(const char *path, sqlite3 **out, struct ar_err *err);
/* Makes the commits of this connection durable (an fdatasync of the WAL,
 * when it changed anything); db_close does it first. For a process that
 * leaves by _exit. */
void db_sync(sqlite3 *db);
/* This process serves only a --rm container, which never outlives a
 * reboot: its commits need not survive a power loss (db_sync does
 * nothing). What else it changed in passing (the refresh of other rows)
 * is found again by the next command's refresh. */
void db_skip_sync(void);
void db_close(sqlite3 *db);

/* A write transaction: BEGIN IMMEDIATE ... COMMIT, or ROLLBACK. */
int db_begin(sqlite3 *db, struct ar_err *err);
int db_commit(sqlite3 *db, struct ar_err *err);
void db_rollback(sqlite3 *db);

/* Runs SQL with no result rows. */
int db_exec(sqlite3 *db, const char *sql, struct ar_err *err);

/* Prepares `sql` and binds the arguments described by `types`, one char
 * each: 's' const char * (NULL binds NULL), 'i' int64_t. */
int db_prepare(sqlite3 *db, sqlite3_stmt **out, struct ar_err *err, const char *sql,
	       const char *types, ...);

/* Steps a statement with no rows (INSERT/UPDATE/DELETE) and finalizes it. */
int db_run(sqlite3 *db, struct ar_err *err, const char *sql, const char *types, ...);

/* Fills *err from the database's last error, prefixed by `what`. */
int db_error(sqlite3 *db, struct ar_err *err, const char *what);

/* sqlite3_column_text as a char *, NULL-safe: a copy the caller frees. */
char *db_col_str(sqlite3_stmt *st, int col);

#endif
