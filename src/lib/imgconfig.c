/* argon — an image's configuration (OCI image config / docker's <id>.json).
 *
 * The text is untrusted (it comes out of a pulled or loaded archive). It goes
 * through the same JSON front end as config.json (spj_parse_json: json-c's
 * strict tokener with its default depth limit of 32, trailing data refused,
 * huge integers and NaN refused); then every field we use is type checked,
 * naming the field. Fields we do not use are ignored. Duplicate keys: the
 * last one wins (json-c's tokener replaces).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "imgconfig.h"
#include "spec_priv.h"
#include "util.h"

#define WHAT "image config"

static int bad(struct ar_err *err, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "image config: `config.Cmd` must be an array of strings" */
static int bad(struct ar_err *err, const char *field, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return ar_error(err, 0, WHAT ": `%s` %s", field, msg);
}

int digest_valid(const char *digest)
{
	if (digest == NULL || strncmp(digest, "sha256:", 7) != 0)
		return 0;
	digest += 7;
	for (size_t i = 0; i < 64; i++)
		if (!((digest[i] >= '0' && digest[i] <= '9') || (digest[i] >= 'a' && digest[i] <= 'f')))
			return 0;
	return digest[64] == '\0';
}

/* json-c keeps object keys as C strings, so "\u0000" in a key would be cut
 * silently; values are checked by length, keys cannot be. Refuse the escape
 * anywhere (no real image config contains it). The text is well-formed. */
static int refuse_nul_escape(const char *s, size_t len, struct ar_err *err)
{
	bool in_str = false;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"') {
			in_str = !in_str;
		} else if (in_str && s[i] == '\\') {
			if (i + 5 < len && s[i + 1] == 'u' && memcmp(s + i + 2, "0000", 4) == 0)
				return ar_error(err, 0, WHAT ": invalid JSON at byte %zu: "
						"NUL character escape", i);
			i++;
		}
	}
	return 0;
}

/* A present string value; NUL bytes are refused (C would truncate). */
static int take_str(json_object *v, const char *field, char **out, struct ar_err *err)
{
	if (!json_object_is_type(v, json_type_string))
		return bad(err, field, "must be a string");
	if (strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v))
		return bad(err, field, "must not contain a NUL byte");
	*out = xstrdup(json_object_get_string(v));
	return 0;
}

/* obj.key as a string; absent, null and "" all leave *out NULL. */
static int get_str(json_object *obj, const char *key, const char *field, char **out,
		   struct ar_err *err)
{
	json_object *v = spj_member(obj, key);

	if (v == NULL)
		return 0;
	if (take_str(v, field, out, err) < 0)
		return -1;
	if (**out == '\0') {
		free(*out);
		*out = NULL;
	}
	return 0;
}

/* obj.key as a NULL-terminated array of strings; absent/null leaves *out. */
static int get_strv(json_object *obj, const char *key, const char *field, char ***out,
		    struct ar_err *err)
{
	json_object *v = spj_member(obj, key);
	char f[FIELD_LEN];
	size_t n;
	char **r;

	if (v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return bad(err, field, "must be an array of strings");
	n = json_object_array_length(v);
	r = xcalloc(n + 1, sizeof *r);
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(v, i);
		int ret = json_object_is_type(e, json_type_string)
				  ? take_str(e, spj_idx(f, field, i), &r[i], err)
				  : bad(err, field, "must be an array of strings");
		if (ret < 0) {
			strv_free(r);
			return -1;
		}
	}
	*out = r;
	return 0;
}

static int check_env(char *const *env, struct ar_err *err)
{
	char f[FIELD_LEN];

	for (size_t i = 0; env[i]; i++) {
		const char *eq = strchr(env[i], '=');
		if (eq == NULL || eq == env[i])
			return bad(err, spj_idx(f, "config.Env", i), "must be KEY=VALUE, not `%s`",
				   env[i]);
	}
	return 0;
}

static int label_cmp(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;

	return strcmp(x[0], y[0]);
}

static void free_label_values(char **pairs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(pairs[2 * i + 1]);
}

/* Labels are kept sorted by key (as Go writes a map), so that a parsed
 * config and its re-serialisation compare equal. pairs[] holds borrowed
 * keys and owned values until they are handed to c. */
static int parse_labels(json_object *cfg, struct image_config *c, struct ar_err *err)
{
	json_object *o = spj_member(cfg, "Labels");
	_cleanup_free_ char **pairs = NULL;
	char f[FIELD_LEN];
	size_t n = 0;

	if (o == NULL)
		return 0;
	if (!json_object_is_type(o, json_type_object))
		return bad(err, "config.Labels", "must be an object of strings");
	pairs = xcalloc((size_t)json_object_object_length(o) * 2 + 1, sizeof *pairs);
	json_object_object_foreach(o, key, val) {
		char *v = NULL;
		const char *field = spj_sub(f, "config.Labels", key);
		int r = val ? take_str(val, field, &v, err) : bad(err, field, "must be a string");
		if (r < 0) {
			free_label_values(pairs, n);
			return -1;
		}
		pairs[2 * n] = key;
		pairs[2 * n++ + 1] = v;
	}
	qsort(pairs, n, 2 * sizeof *pairs, label_cmp);
	c->label_keys = xcalloc(n + 1, sizeof *c->label_keys);
	c->label_values = xcalloc(n + 1, sizeof *c->label_values);
	for (size_t i = 0; i < n; i++) {
		c->label_keys[i] = xstrdup(pairs[2 * i]);
		c->label_values[i] = pairs[2 * i + 1];
	}
	c->n_labels = n;
	return 0;
}

static int parse_config(json_object *top, struct image_config *c, struct ar_err *err)
{
	json_object *cfg = spj_member(top, "config");

	if (cfg == NULL)
		return 0;
	if (!json_object_is_type(cfg, json_type_object))
		return bad(err, "config", "must be an object");
	if (get_strv(cfg, "Env", "config.Env", &c->env, err) < 0 ||
	    (c->env && check_env(c->env, err) < 0) ||
	    get_strv(cfg, "Cmd", "config.Cmd", &c->cmd, err) < 0 ||
	    get_strv(cfg, "Entrypoint", "config.Entrypoint", &c->entrypoint, err) < 0 ||
	    get_str(cfg, "WorkingDir", "config.WorkingDir", &c->working_dir, err) < 0 ||
	    get_str(cfg, "User", "config.User", &c->user, err) < 0)
		return -1;
	return parse_labels(cfg, c, err);
}

/* rootfs is required (as docker's image.NewFromJSON requires it). */
static int parse_rootfs(json_object *top, struct image_config *c, struct ar_err *err)
{
	json_object *r = spj_member(top, "rootfs");
	_cleanup_free_ char *type = NULL;
	char f[FIELD_LEN];

	if (r == NULL)
		return bad(err, "rootfs", "is required");
	if (!json_object_is_type(r, json_type_object))
		return bad(err, "rootfs", "must be an object");
	if (get_str(r, "type", "rootfs.type", &type, err) < 0)
		return -1;
	if (type == NULL || strcmp(type, "layers") != 0)
		return bad(err, "rootfs.type", "must be `layers`, not `%s`", type ? type : "");
	if (get_strv(r, "diff_ids", "rootfs.diff_ids", &c->diff_ids, err) < 0)
		return -1;
	if (c->diff_ids == NULL)
		c->diff_ids = xcalloc(1, sizeof *c->diff_ids);
	c->n_diff_ids = strv_len(c->diff_ids);
	for (size_t i = 0; i < c->n_diff_ids; i++)
		if (!digest_valid(c->diff_ids[i]))
			return bad(err, spj_idx(f, "rootfs.diff_ids", i),
				   "must be sha256: and 64 lower-case hex digits, not `%s`",
				   c->diff_ids[i]);
	return 0;
}

int image_config_parse(const char *json, size_t len, struct image_config *c, struct ar_err *err)
{
	struct image_config n = { 0 };
	json_object *top = spj_parse_json(json, len, WHAT, err);
	int r = -1;

	if (top == NULL)
		return -1;
	if (refuse_nul_escape(json, len, err) == 0 &&
	    get_str(top, "architecture", "architecture", &n.architecture, err) == 0 &&
	    get_str(top, "os", "os", &n.os, err) == 0 &&
	    get_str(top, "created", "created", &n.created, err) == 0 &&
	    parse_config(top, &n, err) == 0 && parse_rootfs(top, &n, err) == 0)
		r = 0;
	json_object_put(top);
	if (r < 0) {
		image_config_free(&n);
		return -1;
	}
	if (n.env == NULL)
		n.env = xcalloc(1, sizeof *n.env);
	*c = n;
	return 0;
}

void image_config_free(struct image_config *c)
{
	if (c == NULL)
		return;
	strv_free(c->env);
	strv_free(c->cmd);
	strv_free(c->entrypoint);
	free(c->working_dir);
	free(c->user);
	for (size_t i = 0; i < c->n_labels; i++) {
		free(c->label_keys[i]);
		free(c->label_values[i]);
	}
	free(c->label_keys);
	free(c->label_values);
	free(c->architecture);
	free(c->os);
	free(c->created);
	strv_free(c->diff_ids);
	memset(c, 0, sizeof *c);
}

/* ---- writing ---- */

static json_object *strv_json(char *const *v)
{
	json_object *a = json_object_new_array();

	for (; v && *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

static void add_str(json_object *o, const char *key, const char *s)
{
	if (s)
		json_object_object_add(o, key, json_object_new_string(s));
}

/* Fixed key order; absent (NULL) fields are left out, so parsing the
 * output gives back an equal struct. */
static json_object *config_json(const struct image_config *c)
{
	json_object *cfg = json_object_new_object();

	if (c->env && c->env[0])
		json_object_object_add(cfg, "Env", strv_json(c->env));
	if (c->cmd)
		json_object_object_add(cfg, "Cmd", strv_json(c->cmd));
	if (c->entrypoint)
		json_object_object_add(cfg, "Entrypoint", strv_json(c->entrypoint));
	add_str(cfg, "WorkingDir", c->working_dir);
	add_str(cfg, "User", c->user);
	if (c->n_labels) {
		json_object *l = json_object_new_object();
		for (size_t i = 0; i < c->n_labels; i++)
			json_object_object_add(l, c->label_keys[i],
					       json_object_new_string(c->label_values[i]));
		json_object_object_add(cfg, "Labels", l);
	}
	return cfg;
}

char *image_config_to_json(const struct image_config *c)
{
	json_object *top = json_object_new_object(), *rootfs = json_object_new_object();
	char *text;

	add_str(top, "architecture", c->architecture);
	add_str(top, "os", c->os);
	add_str(top, "created", c->created);
	json_object_object_add(top, "config", config_json(c));
	json_object_object_add(rootfs, "type", json_object_new_string("layers"));
	json_object_object_add(rootfs, "diff_ids", strv_json(c->diff_ids));
	json_object_object_add(top, "rootfs", rootfs);
	text = xstrdup(json_object_to_json_string_ext(
		top, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(top);
	return text;
}
