/* argon — an image's configuration (the OCI image config / docker's
 * <id>.json): what a container of the image runs by default. */
#ifndef ARGON_IMGCONFIG_H
#define ARGON_IMGCONFIG_H

#include <stddef.h>

#include "error.h"

struct image_config {
	char **env;		/* NULL-terminated, "K=V"; never NULL after parse */
	char **cmd;		/* NULL when absent */
	char **entrypoint;	/* NULL when absent */
	char *working_dir;	/* NULL when absent */
	char *user;		/* NULL when absent */
	char **label_keys;	/* n_labels each */
	char **label_values;
	size_t n_labels;
	char *architecture;	/* "amd64" ... */
	char *os;		/* "linux" */
	char *created;		/* RFC 3339 or NULL */
	char **diff_ids;	/* rootfs.diff_ids, "sha256:<hex>", NULL-terminated */
	size_t n_diff_ids;
};

/* Parses an OCI image config. Strict about types (a Cmd that is not an
 * array of strings is an error naming the field), lenient about unknown
 * fields. diff_ids must be "sha256:" + 64 lower-case hex. */
int image_config_parse(const char *json, size_t len, struct image_config *c, struct ar_err *err);
void image_config_free(struct image_config *c);

/* Serialises `c` as an OCI image config (for prep and commit); the bytes
 * are what the image ID is the sha256 of. Caller frees. */
char *image_config_to_json(const struct image_config *c);

/* True for "sha256:" followed by exactly 64 lower-case hex digits. */
int digest_valid(const char *digest);

#endif
