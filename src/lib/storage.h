/* argon — what the engine does with the store: containers' root file
 * systems (sandbox over an image's layers, volumes, bundle), diff, commit,
 * export, and prep (a base image from the host's files). */
#ifndef ARGON_STORAGE_H
#define ARGON_STORAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "bundle.h"
#include "error.h"
#include "mountspec.h"
#include "prep.h"
#include "sandbox.h"
#include "store.h"

struct storage_create_opts {
	const char *name;		/* NULL: a generated one */
	const char *image;		/* reference */
	uint64_t storage_size;		/* 0: no cap */
	const struct mount_req *mounts;	/* -v, --mount, --tmpfs */
	size_t n_mounts;
	struct bundle_opts bundle;	/* image, rootfs and mounts are filled in */
	bool ephemeral;			/* --rm: never outlives a reboot, so its
					 * bundle is written without fsync */
};

/* Records the container, makes its sandbox, mounts the root, creates the
 * volumes it names, and writes <dir>/config.json: <dir> is an OCI bundle
 * that argon-runtime can run. All or nothing. */
int storage_container_create(struct store *s, const struct storage_create_opts *o,
			     struct container_info *out, struct ar_err *err);
/* Mounts the container's root again (after a reboot, or an unmount). */
int storage_container_mount(struct store *s, const struct container_info *c,
			    struct ar_err *err);
/* Unmounts and removes; with remove_anonymous also its anonymous volumes. */
int storage_container_remove(struct store *s, const char *ref, bool remove_anonymous,
			     struct ar_err *err);

int storage_diff(struct store *s, const char *ref, sandbox_change_fn fn, void *data,
		 struct ar_err *err);
/* The sandbox becomes a layer on top of the container's image: a new
 * image, tagged `tag` when not NULL. */
int storage_commit(struct store *s, const char *ref, const char *tag, char **id_out,
		   struct ar_err *err);
/* A tar of the container's whole root file system to `outfd`. */
int storage_export(struct store *s, const char *ref, int outfd, struct ar_err *err);

/* Builds the base layer from the host root as `manifest_text` says (NULL:
 * the default) and tags the image `name` (NULL: "host"); the previous
 * image of that name goes once nothing uses it. */
int storage_prep(struct store *s, const char *manifest_text, const char *manifest_name,
		 const char *name, struct prep_stats *stats, char **id_out, struct ar_err *err);

/* The engine's /etc files (docker's three): written in a container's dir,
 * bind-mounted on /etc/<name>, over empty files of its init layer. */
#define STORAGE_NET_FILES 3
extern const char *const storage_net_files[STORAGE_NET_FILES];	/* "hosts", ... */

#endif
