/* argon — shared internals of the store (store*.c only). */
#ifndef ARGON_STORE_PRIV_H
#define ARGON_STORE_PRIV_H

#include "store.h"

/* Seconds since the epoch, for created columns. */
int64_t store_now(void);

/* 64 random lower-case hex digits (container IDs, anonymous volumes). */
void store_random_hex(char out[65]);

/* The hex part of a valid "sha256:<hex>" digest, or NULL. */
const char *digest_hex(const char *digest);

/* Inside a write transaction: removes the rows of layers no image uses
 * and renames their dirs to ".del-<hex>", appending those names to
 * *doomed (a NULL-terminated list the caller owns). */
int store_gc_layers(struct store *s, char ***doomed, struct ar_err *err);

/* Inside a write transaction: removes image `id` when it has no tag and
 * no container (its layers follow at the next store_gc_layers). */
int store_gc_image(struct store *s, const char *id, struct ar_err *err);

/* After a rollback: renames the doomed dirs back and frees the list. */
void store_undoom(struct store *s, char **doomed);

/* After the commit: removes the doomed dirs below layers/ and frees the list. */
void store_remove_doomed(struct store *s, char **doomed);

/* A private, flock-held dir <root>/tmp/<*name>; the reconciler removes it
 * once its maker is gone. Returns its fd. */
int store_tmp_dir(struct store *s, char **name, struct ar_err *err);

#endif
