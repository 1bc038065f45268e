/* argon — containers' root file systems over the store, and the image
 * operations on them (diff, commit, export, prep). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "imgconfig.h"
#include "import.h"
#include "storage.h"
#include "store_priv.h"
#include "tarwrite.h"
#include "util.h"

/* Mount requests in host terms: volumes made (or found) and recorded. */
static int resolve_mounts(struct store *s, const struct container_info *c,
			  const struct storage_create_opts *o, struct bundle_mount *bm,
			  char **sources, struct ar_err *err)
{
	for (size_t i = 0; i < o->n_mounts; i++) {
		const struct mount_req *m = &o->mounts[i];
		struct stat st;
		bm[i] = (struct bundle_mount){ .type = "bind", .target = m->target,
					       .readonly = m->readonly, .options = m->options };
		if (m->kind == MOUNT_TMPFS) {
			bm[i].type = bm[i].source = "tmpfs";
		} else if (m->kind == MOUNT_BIND) {
			if (stat(m->source, &st) < 0)
				return ar_error(err, errno, "bind source path `%s`", m->source);
			bm[i].source = m->source;
		} else {
			struct volume_info v = { 0 };
			if (store_volume_create(s, m->source, m->source == NULL, NULL, &v, err) < 0 ||
			    store_volume_use(s, c->id, v.name, m->target, err) < 0) {
				if (m->source == NULL && v.name)
					store_volume_remove(s, v.name, NULL);
				volume_info_free(&v);
				return -1;
			}
			sources[i] = steal_ptr(&v.mountpoint);
			bm[i].source = sources[i];
			volume_info_free(&v);
		}
	}
	return 0;
}

const char *const storage_net_files[STORAGE_NET_FILES] = { "hosts", "resolv.conf", "hostname" };

/* The engine's /etc files, bind-mounted from net_files_dir unless the user
 * mounts one of those paths. `bm` has room for them after b->n_mounts;
 * sources[k] and targets[k] keep their strings until the bundle is written. */
static void add_net_files(struct bundle_opts *b, struct bundle_mount *bm, char **sources,
			  char **targets)
{
	for (size_t k = 0; b->net_files_dir && k < STORAGE_NET_FILES; k++) {
		bool taken = false;

		targets[k] = xasprintf("/etc/%s", storage_net_files[k]);
		for (size_t i = 0; i < b->n_mounts; i++)
			taken = taken || strcmp(bm[i].target, targets[k]) == 0;
		if (taken)
			continue;
		sources[k] = xasprintf("%s/%s", b->net_files_dir, storage_net_files[k]);
		bm[b->n_mounts++] = (struct bundle_mount){ .type = "bind", .source = sources[k],
							   .target = targets[k] };
	}
}

static int write_bundle(struct store *s, const struct container_info *c,
			const struct storage_create_opts *o, const struct image_info *img,
			struct ar_err *err)
{
	struct image_config ic = { 0 };
	struct bundle_mount *bm = xcalloc(o->n_mounts + STORAGE_NET_FILES + 1, sizeof *bm);
	char **sources = xcalloc(o->n_mounts + STORAGE_NET_FILES + 1, sizeof *sources);
	char *targets[STORAGE_NET_FILES] = { NULL };
	struct bundle_opts b = o->bundle;
	_cleanup_close_ int dirfd = -1;
	int r = -1;

	if (image_config_parse(img->config, strlen(img->config), &ic, err) < 0 ||
	    resolve_mounts(s, c, o, bm, sources, err) < 0)
		goto out;
	dirfd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		ar_error(err, errno, "open `%s`", c->dir);
		goto out;
	}
	b.image = &ic;
	b.rootfs = "rootfs";
	/* docker's default hostname: the short container ID. */
	char hostname[13];
	if (b.hostname == NULL) {
		snprintf(hostname, sizeof hostname, "%.12s", c->id);
		b.hostname = hostname;
	}
	b.mounts = bm;
	b.n_mounts = o->n_mounts;
	if (b.net_files_dir && !b.net_files_dir[0])
		b.net_files_dir = c->dir;
	add_net_files(&b, bm, sources + o->n_mounts, targets);
	r = bundle_write(dirfd, &b, !o->ephemeral, err);
out:
	for (size_t i = 0; i < o->n_mounts + STORAGE_NET_FILES; i++)
		free(sources[i]);
	for (size_t k = 0; k < STORAGE_NET_FILES; k++)
		free(targets[k]);
	free(sources);
	free(bm);
	image_config_free(&ic);
	return r;
}

int storage_container_mount(struct store *s, const struct container_info *c,
			    struct ar_err *err)
{
	char **lowers = NULL;
	size_t n = 0;
	int r;

	if (store_container_lowers(s, c, &lowers, &n, err) < 0)
		return -1;
	r = sandbox_mount(c->dir, lowers, n, err);
	strv_free(lowers);
	return r;
}

/* <dir>/init/etc/{hosts,resolv.conf,hostname}, empty (store.h). */
static int make_init_layer(const struct container_info *c, struct ar_err *err)
{
	_cleanup_free_ char *init = xasprintf("%s/" STORE_INIT_LAYER, c->dir);
	_cleanup_free_ char *etc = xasprintf("%s/etc", init);
	_cleanup_close_ int fd = -1;

	if (mkdir(init, 0755) < 0 || mkdir(etc, 0755) < 0)
		return ar_error(err, errno, "create `%s`", etc);
	fd = open(etc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return ar_error(err, errno, "open `%s`", etc);
	for (size_t i = 0; i < STORAGE_NET_FILES; i++)
		if (write_file_at(fd, storage_net_files[i], "", 0, O_CREAT | O_EXCL, 0644, err) < 0)
			return -1;
	return 0;
}

int storage_container_create(struct store *s, const struct storage_create_opts *o,
			     struct container_info *out, struct ar_err *err)
{
	struct image_info img;
	struct sandbox_opts so = { .size = o->storage_size };

	if (store_image_find(s, o->image, &img, err) < 0)
		return -1;
	if (store_container_add(s, o->name, img.id, o->storage_size, out, err) < 0) {
		image_info_free(&img);
		return -1;
	}
	if (sandbox_create(out->dir, &so, err) < 0 ||
	    (o->bundle.net_files_dir && make_init_layer(out, err) < 0) ||
	    storage_container_mount(s, out, err) < 0 ||
	    write_bundle(s, out, o, &img, err) < 0) {
		struct ar_err ignored = { 0 };
		storage_container_remove(s, out->id, true, &ignored);
		ar_err_clear(&ignored);
		container_info_free(out);
		image_info_free(&img);
		return -1;
	}
	image_info_free(&img);
	return 0;
}

static char **anonymous_volumes(struct store *s, const char *id)
{
	sqlite3_stmt *q;
	char **v = NULL;

	if (db_prepare(s->db, &q, NULL, "SELECT v.name FROM container_volumes cv JOIN volumes v "
		       "ON v.name = cv.volume WHERE cv.container_id = ? AND v.anonymous = 1",
		       "s", id) < 0)
		return NULL;
	while (sqlite3_step(q) == SQLITE_ROW)
		strv_push(&v, db_col_str(q, 0));
	sqlite3_finalize(q);
	return v;
}

int storage_container_remove(struct store *s, const char *ref, bool remove_anonymous,
			     struct ar_err *err)
{
	struct container_info c;
	char **anon;

	if (store_container_find(s, ref, &c, err) < 0)
		return -1;
	anon = remove_anonymous ? anonymous_volumes(s, c.id) : NULL;
	if (store_container_remove(s, c.id, err) < 0) {
		strv_free(anon);
		container_info_free(&c);
		return -1;
	}
	for (size_t i = 0; anon && anon[i]; i++)
		store_volume_remove(s, anon[i], NULL);
	strv_free(anon);
	container_info_free(&c);
	return 0;
}

/* ------------------------------------------------------------ diff, commit, export */

int storage_diff(struct store *s, const char *ref, sandbox_change_fn fn, void *data,
		 struct ar_err *err)
{
	struct container_info c;
	char **lowers = NULL;
	size_t n = 0;
	int r = -1;

	if (store_container_find(s, ref, &c, err) < 0)
		return -1;
	if (store_container_lowers(s, &c, &lowers, &n, err) == 0)
		r = sandbox_diff(c.dir, lowers, n, fn, data, err);
	strv_free(lowers);
	container_info_free(&c);
	return r;
}

static char *rfc3339_now(void)
{
	char buf[64];
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(buf);
}

/* The image config of base + one layer. */
static char *config_plus_layer(const char *base, const char *diff_id, struct ar_err *err)
{
	struct image_config c = { 0 };
	char *json;

	if (image_config_parse(base, strlen(base), &c, err) < 0)
		return NULL;
	c.diff_ids = xrealloc(c.diff_ids, (c.n_diff_ids + 2) * sizeof(char *));
	c.diff_ids[c.n_diff_ids++] = xstrdup(diff_id);
	c.diff_ids[c.n_diff_ids] = NULL;
	free(c.created);
	c.created = rfc3339_now();
	json = image_config_to_json(&c);
	image_config_free(&c);
	return json;
}

/* The upper dir as a tar in a nameless file, staged as a layer. */
static int stage_upper(struct store *s, const struct container_info *c, struct layer_stage *st,
		       struct ar_err *err)
{
	_cleanup_free_ char *upper = NULL;
	_cleanup_close_ int tmp = -1, upperfd = -1;

	if (sandbox_upper_path(c->dir, &upper, err) < 0)
		return -1;
	upperfd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (upperfd < 0)
		return ar_error(err, errno, "open `%s`", upper);
	tmp = openat(s->rootfd, "tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (tmp < 0)
		return ar_error(err, errno, "create a temporary file in `%s/tmp`", s->root);
	if (tar_write_tree(upperfd, tmp, TAR_TREE_UPPER, err) < 0)
		return -1;
	if (lseek(tmp, 0, SEEK_SET) < 0)
		return ar_error(err, errno, "rewind");
	return layer_stage_from_blob(s, tmp, NULL, NULL, "commit", st, err);
}

int storage_commit(struct store *s, const char *ref, const char *tag, char **id_out,
		   struct ar_err *err)
{
	struct container_info c;
	struct image_info img = { 0 };
	struct layer_stage st = { .dirfd = -1 };
	_cleanup_free_ char *config = NULL;
	int r = -1;

	if (store_container_find(s, ref, &c, err) < 0)
		return -1;
	bool was_mounted = sandbox_is_mounted(c.dir);
	if (store_image_find(s, c.image_id, &img, err) < 0)
		goto out;
	r = stage_upper(s, &c, &st, err);
	if (!was_mounted)	/* a capped sandbox's fs was mounted to read it */
		sandbox_unmount(c.dir, NULL);
	if (r < 0)
		goto out;
	r = -1;
	config = config_plus_layer(img.config, st.diff_id, err);
	if (config == NULL) {
		layer_stage_abort(s, &st);
		goto out;
	}
	r = store_image_add(s, config, NULL, &st, 1, tag ? (char *const[]){ (char *)tag, NULL } : NULL,
			    id_out, err);
out:
	if (r < 0)
		ar_err_prefix(err, "commit `%s`", ref);
	image_info_free(&img);
	container_info_free(&c);
	return r;
}

int storage_export(struct store *s, const char *ref, int outfd, struct ar_err *err)
{
	struct container_info c;
	bool was_mounted;
	int r = -1;

	if (store_container_find(s, ref, &c, err) < 0)
		return -1;
	was_mounted = sandbox_is_mounted(c.dir);
	if (was_mounted || storage_container_mount(s, &c, err) == 0) {
		_cleanup_free_ char *root = xasprintf("%s/rootfs", c.dir);
		_cleanup_close_ int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		r = rootfd < 0 ? ar_error(err, errno, "open `%s`", root)
			       : tar_write_tree(rootfd, outfd, TAR_TREE_ROOTFS, err);
		if (!was_mounted)
			sandbox_unmount(c.dir, NULL);
	}
	container_info_free(&c);
	return r < 0 ? ar_err_prefix(err, "export `%s`", ref) : 0;
}
