/* argon — reading the two archive formats: an OCI image layout (oci-layout,
 * index.json, blobs/sha256/...) and docker save (manifest.json naming the
 * config and layer files). Nothing here is trusted: every field is checked
 * for its type, digests before they become paths. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "imgconfig.h"
#include "import_priv.h"
#include "store_priv.h"
#include "util.h"

static json_object *parse_json(const char *text, size_t len, const char *what, struct ar_err *err)
{
	json_tokener *tok = json_tokener_new_ex(64);
	json_object *o = json_tokener_parse_ex(tok, text, (int)len);

	if (o == NULL || json_tokener_get_parse_end(tok) != len) {
		enum json_tokener_error e = json_tokener_get_error(tok);
		ar_fail(err, EINVAL, "`%s`: invalid JSON: %s", what,
			e == json_tokener_continue ? "unexpected end of input"
						   : json_tokener_error_desc(e));
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

static const char *get_str(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static json_object *get_array(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_array))
		return NULL;
	return v;
}

static void push_image(struct import_image **v, size_t *n, struct import_image *im)
{
	*v = xrealloc(*v, (*n + 1) * sizeof **v);
	(*v)[(*n)++] = *im;
	memset(im, 0, sizeof *im);
}

/* ------------------------------------------------------------ OCI */

static const char *host_arch(void)
{
	static struct utsname u;

	if (uname(&u) < 0)
		return "amd64";
	if (strcmp(u.machine, "x86_64") == 0)
		return "amd64";
	if (strcmp(u.machine, "aarch64") == 0)
		return "arm64";
	return u.machine;
}

static bool is_index_type(const char *mt)
{
	return mt && (strcmp(mt, "application/vnd.oci.image.index.v1+json") == 0 ||
		      strcmp(mt, "application/vnd.docker.distribution.manifest.list.v2+json") == 0);
}

/* In a nested index, the manifest for this machine (or the only one). */
static json_object *pick_platform(json_object *manifests)
{
	size_t n = json_object_array_length(manifests);

	for (size_t i = 0; i < n; i++) {
		json_object *d = json_object_array_get_idx(manifests, i), *p;
		if (json_object_object_get_ex(d, "platform", &p)) {
			const char *os = get_str(p, "os"), *arch = get_str(p, "architecture");
			if (os && arch && strcmp(os, "linux") == 0 && strcmp(arch, host_arch()) == 0)
				return d;
		}
	}
	return n == 1 ? json_object_array_get_idx(manifests, 0) : NULL;
}

static int oci_layers(json_object *man, struct import_image *im, struct ar_err *err)
{
	json_object *layers = get_array(man, "layers");
	size_t n = layers ? json_object_array_length(layers) : 0;

	if (layers == NULL)
		return ar_fail(err, EINVAL, "manifest: `layers` must be an array");
	im->layer_paths = xcalloc(n + 1, sizeof(char *));
	im->layer_digests = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		json_object *l = json_object_array_get_idx(layers, i);
		const char *mt = get_str(l, "mediaType"), *dg = get_str(l, "digest");
		if (!digest_valid(dg))
			return ar_fail(err, EINVAL, "manifest: layer %zu: invalid digest `%s`", i,
					dg ? dg : "(none)");
		if (mt && !strstr(mt, "tar"))
			return ar_fail(err, EINVAL, "manifest: layer %zu: unsupported media type "
					"`%s`", i, mt);
		im->layer_paths[i] = xasprintf("blobs/sha256/%s", dg + 7);
		im->layer_digests[i] = xstrdup(dg);
	}
	return 0;
}

/* Reads a manifest descriptor into an image, following one nested index. */
static int oci_manifest(int srcfd, json_object *desc, struct import_image *im, int depth,
			struct ar_err *err)
{
	const char *dg = get_str(desc, "digest"), *mt = get_str(desc, "mediaType");
	_cleanup_free_ char *text = NULL, *ctext = NULL;
	size_t len, clen;
	json_object *man, *cfg;
	int r = -1;

	if (import_read_blob(srcfd, dg, &text, &len, err) < 0)
		return ar_err_prefix(err, "manifest");
	if ((man = parse_json(text, len, dg, err)) == NULL)
		return -1;
	if (is_index_type(mt) || is_index_type(get_str(man, "mediaType"))) {
		json_object *list = get_array(man, "manifests"), *d;
		if (depth > 0 || list == NULL || (d = pick_platform(list)) == NULL)
			ar_fail(err, EINVAL, "index `%s`: no manifest for linux/%s", dg, host_arch());
		else
			r = oci_manifest(srcfd, d, im, depth + 1, err);
		json_object_put(man);
		return r;
	}
	if (!json_object_object_get_ex(man, "config", &cfg)) {
		json_object_put(man);
		return ar_fail(err, EINVAL, "manifest `%s` has no config", dg);
	}
	if (import_read_blob(srcfd, get_str(cfg, "digest"), &ctext, &clen, err) < 0) {
		json_object_put(man);
		return ar_err_prefix(err, "config");
	}
	r = oci_layers(man, im, err);
	json_object_put(man);
	if (r == 0) {
		im->config = steal_ptr(&ctext);
		im->manifest = steal_ptr(&text);
	}
	return r;
}

/* containerd names the image in full; the OCI annotation is often just a
 * tag, which names nothing alone. */
static void oci_tags(json_object *desc, struct import_image *im)
{
	json_object *ann;
	const char *name = NULL;

	im->tags = xcalloc(1, sizeof(char *));
	if (!json_object_object_get_ex(desc, "annotations", &ann))
		return;
	name = get_str(ann, "io.containerd.image.name");
	if (name == NULL) {
		name = get_str(ann, "org.opencontainers.image.ref.name");
		if (name && !strchr(name, ':') && !strchr(name, '/'))
			name = NULL;
	}
	if (name)
		strv_push(&im->tags, xstrdup(name));
}

int import_scan_oci(int srcfd, struct import_image **out, size_t *n, struct ar_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	json_object *idx, *list;
	int r = 0;

	if (import_read_json(srcfd, "index.json", &text, &len, err) < 0 ||
	    (idx = parse_json(text, len, "index.json", err)) == NULL)
		return -1;
	list = get_array(idx, "manifests");
	if (list == NULL || json_object_array_length(list) == 0)
		r = ar_fail(err, EINVAL, "index.json: `manifests` must be a non-empty array");
	for (size_t i = 0; r == 0 && i < json_object_array_length(list); i++) {
		json_object *d = json_object_array_get_idx(list, i);
		struct import_image im = { 0 };
		r = oci_manifest(srcfd, d, &im, 0, err);
		if (r == 0) {
			oci_tags(d, &im);
			push_image(out, n, &im);
		}
		import_image_free(&im);
	}
	json_object_put(idx);
	return r;
}

/* ------------------------------------------------------------ docker save */

static int docker_entry(int srcfd, json_object *e, size_t idx, struct import_image *im,
			struct ar_err *err)
{
	const char *config = get_str(e, "Config");
	json_object *layers = get_array(e, "Layers"), *tags = get_array(e, "RepoTags");
	size_t len, n;

	if (config == NULL || layers == NULL)
		return ar_fail(err, EINVAL, "manifest.json entry %zu: `Config` (string) and "
				"`Layers` (array) are required", idx);
	if (import_read_json(srcfd, config, &im->config, &len, err) < 0)
		return -1;
	if (strlen(im->config) != len)
		return ar_fail(err, EINVAL, "config `%s` holds a NUL byte", config);
	n = json_object_array_length(layers);
	im->layer_paths = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		json_object *l = json_object_array_get_idx(layers, i);
		if (!json_object_is_type(l, json_type_string))
			return ar_fail(err, EINVAL, "manifest.json entry %zu: layer %zu is not "
					"a string", idx, i);
		im->layer_paths[i] = xstrdup(json_object_get_string(l));
	}
	im->tags = xcalloc(1, sizeof(char *));
	for (size_t i = 0; tags && i < json_object_array_length(tags); i++) {
		json_object *t = json_object_array_get_idx(tags, i);
		if (json_object_is_type(t, json_type_string))
			strv_push(&im->tags, xstrdup(json_object_get_string(t)));
	}
	return 0;
}

int import_scan_docker(int srcfd, struct import_image **out, size_t *n, struct ar_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	json_object *list;
	int r = 0;

	if (import_read_json(srcfd, "manifest.json", &text, &len, err) < 0 ||
	    (list = parse_json(text, len, "manifest.json", err)) == NULL)
		return -1;
	if (!json_object_is_type(list, json_type_array) || json_object_array_length(list) == 0)
		r = ar_fail(err, EINVAL, "manifest.json must be a non-empty array");
	for (size_t i = 0; r == 0 && i < json_object_array_length(list); i++) {
		struct import_image im = { 0 };
		r = docker_entry(srcfd, json_object_array_get_idx(list, i), i, &im, err);
		if (r == 0)
			push_image(out, n, &im);
		import_image_free(&im);
	}
	json_object_put(list);
	return r;
}
