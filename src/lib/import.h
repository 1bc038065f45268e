/* argon — bringing images into the store: OCI image layouts and `docker
 * save` archives (a directory or a tar of one), and single layers from a
 * tar stream (commit). Every blob's digest is checked before anything of
 * it is committed; a failed import leaves the store as it was. */
#ifndef ARGON_IMPORT_H
#define ARGON_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

struct import_progress {
	size_t layer;		/* 1-based layer being loaded */
	size_t n_layers;
	uint64_t bytes;		/* uncompressed bytes loaded so far */
	const char *diff_id;	/* the layer just done */
	int shared;		/* 1: already in the store, not loaded again */
};

struct import_opts {
	const char *tag;	/* NULL: the names in the archive */
	void (*progress)(const struct import_progress *p, void *data);
	void *data;
};

/* Imports every image of `path` (a directory or a tar file, compressed or
 * not). *ids_out (may be NULL) gets the image IDs, NULL-terminated. */
int image_import(struct store *s, const char *path, const struct import_opts *o,
		 char ***ids_out, struct ar_err *err);

/* Reads a layer blob (plain or compressed tar) from `blobfd`, checks its
 * digests against `want_blob` (the compressed digest, may be NULL) and
 * `want_diff_id` (may be NULL), and stages it: st->diff_id is set; when the
 * store has the layer already, nothing is extracted (st->name is NULL). */
int layer_stage_from_blob(struct store *s, int blobfd, const char *want_blob,
			  const char *want_diff_id, const char *source, struct layer_stage *st,
			  struct ar_err *err);

#endif
