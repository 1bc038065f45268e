/* argon — internals shared by import.c and import_format.c. */
#ifndef ARGON_IMPORT_PRIV_H
#define ARGON_IMPORT_PRIV_H

#include "import.h"

/* One image found in an archive, before anything is verified. */
struct import_image {
	char *config;		/* the config blob's bytes (digest checked) */
	char *manifest;		/* the manifest's bytes or NULL */
	char **layer_paths;	/* each layer blob's path inside the archive */
	char **layer_digests;	/* their blob digests (OCI) or NULL (docker) */
	char **tags;		/* names given in the archive, NULL-terminated */
};
void import_image_free(struct import_image *im);

/* Opens a regular file inside the archive root (symlinks stay inside). */
int import_open_file(int srcfd, const char *path, struct ar_err *err);
int import_read_json(int srcfd, const char *path, char **text, size_t *len, struct ar_err *err);
/* Reads blobs/sha256/<hex> of `digest` and checks its digest. */
int import_read_blob(int srcfd, const char *digest, char **text, size_t *len,
		     struct ar_err *err);

/* Stages the layers, then adds the image (store_image_add). */
int import_commit_image(struct store *s, int srcfd, const struct import_image *im,
			const struct import_opts *o, char **id_out, struct ar_err *err);

/* The images of an archive directory, by format. */
int import_scan_oci(int srcfd, struct import_image **out, size_t *n, struct ar_err *err);
int import_scan_docker(int srcfd, struct import_image **out, size_t *n, struct ar_err *err);

#endif
