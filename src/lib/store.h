/* argon — the store under the argon root (the seeds' windowsfilter folder).
 *
 *   <root>/argon.db            metadata (db.h)
 *   <root>/layers/<hex>/       one layer's files, named by its diff_id
 *   <root>/layers/.tmp-XXXX/     a layer being made (flock held by its maker)
 *   <root>/layers/.del-HEX/      a layer being removed
 *   <root>/containers/<id>/    a container's sandbox and bundle (sandbox.h)
 *   <root>/volumes/<name>/_data  a named volume
 *   <root>/tmp/                import staging
 *
 * Rules that keep it consistent across crashes: a row in the database
 * always has its directory; a directory with no row is garbage that the
 * next writer removes (store_reconcile). Layers are renamed into place
 * inside the transaction that inserts their rows.
 */
#ifndef ARGON_STORE_H
#define ARGON_STORE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct store {
	char *root;		/* absolute path */
	int rootfd;		/* O_PATH|O_DIRECTORY */
	int layersfd;		/* <root>/layers */
	sqlite3 *db;
};

/* Opens the store at `root` (created 0700 when missing). */
int store_open(const char *root, struct store **out, struct ar_err *err);
void store_close(struct store *s);

/* Removes what crashed commands left: stale .tmp-/.del- dirs, layer dirs
 * and container dirs without a row, unreferenced layers. */
int store_reconcile(struct store *s, struct ar_err *err);

/* ------------------------------------------------------------ layers */

/* A layer being made: an empty, locked directory below layers/. */
struct layer_stage {
	int dirfd;		/* the directory to fill; holds the flock */
	char *name;		/* ".tmp-XXXXXX" */
	char *diff_id;		/* set by the maker: "sha256:<hex>" */
	uint64_t size;		/* bytes of file data */
	char *source;		/* "import", "prep", "commit" */
};

int layer_stage_begin(struct store *s, struct layer_stage *st, struct ar_err *err);
/* Removes the staged directory (if still staged) and frees *st. */
void layer_stage_abort(struct store *s, struct layer_stage *st);

bool store_layer_exists(struct store *s, const char *diff_id);
/* "<root>/layers/<hex>"; caller frees. */
char *store_layer_path(const struct store *s, const char *diff_id);

/* ------------------------------------------------------------ images */

struct image_info {
	char *id;		/* "sha256:<hex>" of the config */
	char *config;		/* the config JSON as stored */
	char *manifest;		/* the manifest JSON or NULL */
	char **layers;		/* diff_ids, bottom-most first, NULL-terminated */
	size_t n_layers;
	char **tags;		/* "name:tag", NULL-terminated */
	int64_t created;	/* unix seconds when added */
	uint64_t size;		/* bytes of all its layers */
	int containers;		/* containers using it */
};
void image_info_free(struct image_info *i);

/* Adds an image in one transaction: the staged layers (those whose
 * diff_id the store already has are discarded: a shared layer is stored
 * once), the image row and its layer chain, and `tag` (normalised; may be
 * NULL) moved to it. An image that lost its last tag and is used by no
 * container is removed in the same transaction (prep's swap). The stages
 * are consumed either way. `id_out` (may be NULL) gets the image ID. */
int store_image_add(struct store *s, const char *config, const char *manifest,
		    struct layer_stage *stages, size_t n_stages, char *const *tags,
		    char **id_out, struct ar_err *err);

/* Finds an image by "name[:tag]", full ID ("sha256:<hex>" or <hex>) or a
 * unique ID prefix. */
int store_image_find(struct store *s, const char *ref, struct image_info *out,
		     struct ar_err *err);

typedef int (*image_fn)(const struct image_info *i, void *data);
int store_image_list(struct store *s, image_fn fn, void *data, struct ar_err *err);

/* docker rmi: by tag removes that tag, and the image when it was the last
 * one; by ID removes the image (refused when it has several tags unless
 * force). Refused while a container uses it, unless force: then the tags
 * go and the image stays, untagged, until its last container is removed.
 * Layers no image needs any more are removed. `out_fn` hears each line
 * docker prints ("Untagged: x", "Deleted: sha256:..."). */
int store_image_remove(struct store *s, const char *ref, bool force,
		       void (*out_fn)(const char *line, void *data), void *data,
		       struct ar_err *err);

/* Adds tag `tag` to the image `ref`. */
int store_image_tag(struct store *s, const char *ref, const char *tag, struct ar_err *err);

/* "busybox" -> "busybox:latest"; "docker.io/library/x:1" -> "x:1". Refuses
 * invalid names with a message quoting them. Caller frees *out. */
int image_ref_normalize(const char *ref, char **out, struct ar_err *err);

/* ------------------------------------------------------------ containers' storage */

struct container_info {
	char *id;		/* 64 hex */
	char *name;
	char *image_id;
	int64_t created;
	uint64_t storage_size;	/* 0: no cap */
	char *dir;		/* <root>/containers/<id> */
};
void container_info_free(struct container_info *c);

/* Records a container (name unique: refused when taken) and creates its
 * directory; the sandbox itself is made by the caller in c->dir. */
int store_container_add(struct store *s, const char *name, const char *image_id,
			uint64_t storage_size, struct container_info *out, struct ar_err *err);
/* docker's rule for names: [a-zA-Z0-9][a-zA-Z0-9_.-]+, at most 253. */
bool container_name_valid(const char *name);
/* By full ID, unique ID prefix, or name. */
int store_container_find(struct store *s, const char *ref, struct container_info *out,
			 struct ar_err *err);
typedef int (*container_fn)(const struct container_info *c, void *data);
int store_container_list(struct store *s, container_fn fn, void *data, struct ar_err *err);
/* Unmounts and removes the container's dir, its row and volume uses, then
 * an untagged image it was the last user of. */
int store_container_remove(struct store *s, const char *id, struct ar_err *err);
/* An engine container's own bottom layer, <dir>/init (docker's init
 * layer): empty /etc/hosts, /etc/resolv.conf and /etc/hostname for the
 * engine's bind mounts to land on, so that the container's changes (diff,
 * commit) never show those mount points. */
#define STORE_INIT_LAYER "init"

/* The chain of layer dirs for sandbox_mount: top-most first (the init
 * layer, when the container has one, then the image's). */
int store_container_lowers(struct store *s, const struct container_info *c, char ***out,
			   size_t *n, struct ar_err *err);

/* ------------------------------------------------------------ volumes */

struct volume_info {
	char *name;
	char *mountpoint;	/* <root>/volumes/<name>/_data */
	int64_t created;
	bool anonymous;
	int containers;		/* containers using it */
	char **label_keys, **label_values;
	size_t n_labels;
};
void volume_info_free(struct volume_info *v);

/* docker volume create: NULL name makes an anonymous one (64 hex). An
 * existing name is not an error (returns it). */
int store_volume_create(struct store *s, const char *name, bool anonymous,
			char *const *labels /* "k=v", NULL-terminated or NULL */,
			struct volume_info *out, struct ar_err *err);
int store_volume_find(struct store *s, const char *name, struct volume_info *out,
		      struct ar_err *err);
typedef int (*volume_fn)(const struct volume_info *v, void *data);
int store_volume_list(struct store *s, volume_fn fn, void *data, struct ar_err *err);
/* Refused while a container uses it (force does not change that, as in docker). */
int store_volume_remove(struct store *s, const char *name, struct ar_err *err);
/* Removes every volume no container uses (anonymous only unless all);
 * `fn` hears each removed name; *reclaimed gets the bytes freed. */
int store_volume_prune(struct store *s, bool all, volume_fn fn, void *data,
		       uint64_t *reclaimed, struct ar_err *err);
/* Records that container `id` mounts volume `name` at `target`. */
int store_volume_use(struct store *s, const char *container_id, const char *name,
		     const char *target, struct ar_err *err);

#endif
