/* argon — image import: the archive's shape (OCI layout or docker save),
 * digest checks, and layers staged into the store. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "extract.h"
#include "imgconfig.h"
#include "import_priv.h"
#include "resolve.h"
#include "sha256.h"
#include "store_priv.h"
#include "util.h"

/* Manifests and configs are small; a bigger "JSON" file is hostile. */
#define IMPORT_JSON_MAX (16u << 20)

int import_open_file(int srcfd, const char *path, struct ar_err *err)
{
	struct stat st;
	int fd = resolve_open(srcfd, path, O_RDONLY | O_NOCTTY | O_NONBLOCK, err);

	if (fd < 0)
		return ar_err_prefix(err, "archive");
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return ar_fail(err, EINVAL, "archive entry `%s` is not a regular file", path);
	}
	return fd;
}

int import_read_json(int srcfd, const char *path, char **text, size_t *len, struct ar_err *err)
{
	_cleanup_close_ int fd = import_open_file(srcfd, path, err);
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || (uint64_t)st.st_size > IMPORT_JSON_MAX)
		return ar_fail(err, EFBIG, "archive entry `%s` is too big for JSON", path);
	*text = xmalloc((size_t)st.st_size + 1);
	n = read_all(fd, *text, (size_t)st.st_size);
	if (n != st.st_size) {
		free(*text);
		*text = NULL;
		return ar_error(err, n < 0 ? errno : EIO, "read archive entry `%s`", path);
	}
	(*text)[n] = '\0';
	*len = (size_t)n;
	return 0;
}

/* The digest is checked first, so that no unverified byte is parsed. */
int import_read_blob(int srcfd, const char *digest, char **text, size_t *len,
		     struct ar_err *err)
{
	const char *hex = digest_hex(digest);
	char got[65];

	if (hex == NULL)
		return ar_fail(err, EINVAL, "invalid digest `%s` (want sha256:<64 hex>)",
				digest ? digest : "(none)");
	_cleanup_free_ char *path = xasprintf("blobs/sha256/%s", hex);
	if (import_read_json(srcfd, path, text, len, err) < 0)
		return -1;
	sha256_hex(*text, *len, got);
	if (strcmp(got, hex) != 0) {
		free(*text);
		*text = NULL;
		return ar_fail(err, EINVAL, "blob `%s`: digest mismatch (content is sha256:%s)",
				digest, got);
	}
	return 0;
}

static int check_digest(const char *what, const char *want, const char *got_hex,
			struct ar_err *err)
{
	if (want == NULL || strcmp(want + strlen("sha256:"), got_hex) == 0)
		return 0;
	return ar_fail(err, EINVAL, "%s: digest mismatch: the archive says `%s`, the content "
			"is sha256:%s", what, want, got_hex);
}

int layer_stage_from_blob(struct store *s, int blobfd, const char *want_blob,
			  const char *want_diff_id, const char *source, struct layer_stage *st,
			  struct ar_err *err)
{
	char comp[65], raw[65];
	uint64_t raw_bytes = 0;
	struct extract_stats xs = { 0 };

	memset(st, 0, sizeof *st);
	st->dirfd = -1;
	if ((want_blob && !digest_valid(want_blob)) || (want_diff_id && !digest_valid(want_diff_id)))
		return ar_fail(err, EINVAL, "invalid layer digest `%s`",
				want_blob && !digest_valid(want_blob) ? want_blob : want_diff_id);
	/* Decompress into a private, nameless file: the blob we verify is
	 * the one we extract, whatever happens to the source meanwhile. */
	_cleanup_close_ int tmp = openat(s->rootfd, "tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (tmp < 0)
		return ar_error(err, errno, "create a temporary file in `%s/tmp`", s->root);
	if (blob_decompress(blobfd, tmp, comp, raw, &raw_bytes, err) < 0)
		return -1;
	if (check_digest("layer blob", want_blob, comp, err) < 0 ||
	    check_digest("layer diff_id", want_diff_id, raw, err) < 0)
		return -1;
	st->diff_id = xasprintf("sha256:%s", raw);
	st->source = xstrdup(source);
	st->size = raw_bytes;
	if (store_layer_exists(s, st->diff_id))
		return 0;	/* shared: stored once */
	if (lseek(tmp, 0, SEEK_SET) < 0)
		return ar_error(err, errno, "rewind layer");
	_cleanup_free_ char *diff_id = steal_ptr(&st->diff_id);
	_cleanup_free_ char *src = steal_ptr(&st->source);
	if (layer_stage_begin(s, st, err) < 0)
		return -1;
	st->diff_id = steal_ptr(&diff_id);
	st->source = steal_ptr(&src);
	if (extract_tar(tmp, st->dirfd, EXTRACT_LAYER, &xs, err) < 0) {
		ar_err_prefix(err, "layer %s", st->diff_id);
		layer_stage_abort(s, st);
		return -1;
	}
	st->size = xs.bytes;
	return 0;
}

/* ------------------------------------------------------------ one image */

void import_image_free(struct import_image *im)
{
	free(im->config);
	free(im->manifest);
	strv_free(im->layer_paths);
	strv_free(im->layer_digests);
	strv_free(im->tags);
	memset(im, 0, sizeof *im);
}

static void report(const struct import_opts *o, struct import_progress *p)
{
	if (o && o->progress)
		o->progress(p, o->data);
}

static int stage_layers(struct store *s, int srcfd, const struct import_image *im,
			const struct image_config *c, struct layer_stage *stages,
			const struct import_opts *o, struct ar_err *err)
{
	struct import_progress p = { .n_layers = c->n_diff_ids };

	for (size_t i = 0; i < c->n_diff_ids; i++) {
		const char *path = im->layer_paths[i];
		_cleanup_close_ int fd = import_open_file(srcfd, path, err);
		if (fd < 0)
			return -1;
		if (layer_stage_from_blob(s, fd, im->layer_digests ? im->layer_digests[i] : NULL,
					  c->diff_ids[i], "import", &stages[i], err) < 0)
			return ar_err_prefix(err, "layer %zu of %zu (`%s`)", i + 1, c->n_diff_ids,
					     path);
		p.layer = i + 1;
		p.bytes += stages[i].size;
		p.diff_id = stages[i].diff_id;
		p.shared = stages[i].name == NULL;
		report(o, &p);
	}
	return 0;
}

int import_commit_image(struct store *s, int srcfd, const struct import_image *im,
			const struct import_opts *o, char **id_out, struct ar_err *err)
{
	struct image_config c = { 0 };
	struct layer_stage *stages = NULL;
	int r = -1;

	if (image_config_parse(im->config, strlen(im->config), &c, err) < 0)
		return -1;
	if (c.n_diff_ids != strv_len(im->layer_paths)) {
		ar_fail(err, EINVAL, "the image has %zu layers but its config lists %zu diff_ids",
			 strv_len(im->layer_paths), c.n_diff_ids);
		goto out;
	}
	stages = xcalloc(c.n_diff_ids + 1, sizeof *stages);
	for (size_t i = 0; i < c.n_diff_ids; i++)
		stages[i].dirfd = -1;
	if (stage_layers(s, srcfd, im, &c, stages, o, err) < 0) {
		for (size_t i = 0; i < c.n_diff_ids; i++)
			layer_stage_abort(s, &stages[i]);
		goto out;
	}
	r = store_image_add(s, im->config, im->manifest, stages, c.n_diff_ids,
			    o && o->tag ? (char *const[]){ (char *)o->tag, NULL } : im->tags,
			    id_out, err);
out:
	free(stages);
	image_config_free(&c);
	return r;
}

/* ------------------------------------------------------------ archives */

/* A tar archive is unpacked (files, dirs and symlinks only) into a private
 * dir of the store, then read as a directory. */
static int unpack_archive(struct store *s, int fd, char **tmpname, struct ar_err *err)
{
	int dirfd = store_tmp_dir(s, tmpname, err);

	if (dirfd < 0)
		return -1;
	if (extract_tar(fd, dirfd, EXTRACT_ARCHIVE, NULL, err) < 0) {
		close(dirfd);
		_cleanup_close_ int tmp = openat(s->rootfd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		rm_rf_at(tmp, *tmpname, NULL);
		return -1;
	}
	return dirfd;
}

static int scan_archive(int srcfd, struct import_image **ims, size_t *n, struct ar_err *err)
{
	if (faccessat(srcfd, "oci-layout", F_OK, AT_SYMLINK_NOFOLLOW) == 0 &&
	    faccessat(srcfd, "index.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return import_scan_oci(srcfd, ims, n, err);
	if (faccessat(srcfd, "manifest.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return import_scan_docker(srcfd, ims, n, err);
	return ar_fail(err, EINVAL, "neither an OCI image layout (oci-layout, index.json) nor "
			"a docker save archive (manifest.json)");
}

static int import_all(struct store *s, int srcfd, const struct import_opts *o, char ***ids,
		      struct ar_err *err)
{
	struct import_image *ims = NULL;
	size_t n = 0;
	int r = scan_archive(srcfd, &ims, &n, err);

	if (r == 0 && o && o->tag && n > 1)
		r = ar_fail(err, EINVAL, "the archive holds %zu images; a NAME can tag only one", n);
	for (size_t i = 0; r == 0 && i < n; i++) {
		char *id = NULL;
		r = import_commit_image(s, srcfd, &ims[i], o, &id, err);
		if (r == 0 && ids)
			strv_push(ids, id);
		else
			free(id);
	}
	for (size_t i = 0; i < n; i++)
		import_image_free(&ims[i]);
	free(ims);
	return r;
}

int image_import(struct store *s, const char *path, const struct import_opts *o,
		 char ***ids_out, struct ar_err *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	_cleanup_free_ char *tmpname = NULL;
	struct stat st;
	char **ids = NULL;
	int srcfd, r;

	if (fd < 0 || fstat(fd, &st) < 0)
		return ar_error(err, errno, "import `%s`", path);
	if (S_ISDIR(st.st_mode))
		srcfd = steal_fd(&fd);
	else if (S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode))
		srcfd = unpack_archive(s, fd, &tmpname, err);
	else
		return ar_fail(err, EINVAL, "import `%s`: not a file or directory", path);
	if (srcfd < 0)
		return ar_err_prefix(err, "import `%s`", path);
	r = import_all(s, srcfd, o, &ids, err);
	close(srcfd);
	if (tmpname) {
		_cleanup_close_ int tmp = openat(s->rootfd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		rm_rf_at(tmp, tmpname, NULL);
	}
	if (r < 0) {
		strv_free(ids);
		return ar_err_prefix(err, "import `%s`", path);
	}
	if (ids_out)
		*ids_out = ids;
	else
		strv_free(ids);
	return 0;
}
