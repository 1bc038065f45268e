/* argon — config.json for an engine container: the default spec (the one
 * `argon-runtime spec` writes), with the image's defaults and the user's
 * options laid over it the way docker combines them.
 *
 * Command: a non-NULL o->entrypoint (--entrypoint, even "") replaces the
 * image's Entrypoint AND drops the image's Cmd, so only o->args follow it;
 * an entrypoint of [] or [""] means none (docker resets [""] to nil after
 * the merge). Without --entrypoint: image Entrypoint + (o->args or image
 * Cmd). An empty o->args counts as not given, as docker's len() == 0.
 * With --init the result follows BUNDLE_INIT_PATH and "--".
 *
 * The HostConfig part (capabilities, devices, CPU limits ...) is in
 * bundle_host.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "bundle_priv.h"
#include "spec.h"
#include "util.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static json_object *strv_json(char *const *v)
{
	json_object *a = json_object_new_array();

	for (; v && *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

static bool strv_empty(char *const *v)
{
	return v == NULL || v[0] == NULL;
}

/* --init: the reaper runs the command as its child, docker-init's way. */
static json_object *init_args(json_object *cmd)
{
	json_object *a = json_object_new_array();

	json_object_array_add(a, json_object_new_string(BUNDLE_INIT_PATH));
	json_object_array_add(a, json_object_new_string("--"));
	for (size_t i = 0; i < json_object_array_length(cmd); i++)
		json_object_array_add(a, json_object_get(json_object_array_get_idx(cmd, i)));
	json_object_put(cmd);
	return a;
}

static json_object *args_json(const struct bundle_opts *o, struct ar_err *err)
{
	const struct image_config *img = o->image;
	char *const *ep, *const *cmd;
	json_object *a;

	if (o->entrypoint) {
		ep = o->entrypoint;
		if (ep[0] && ep[0][0] == '\0' && ep[1] == NULL)
			ep = NULL;
		cmd = o->args;
	} else {
		ep = img ? img->entrypoint : NULL;
		cmd = !strv_empty(o->args) ? o->args : img ? img->cmd : NULL;
	}
	a = strv_json(ep);
	for (; cmd && *cmd; cmd++)
		json_object_array_add(a, json_object_new_string(*cmd));
	if (json_object_array_length(a) == 0 ||
	    json_object_get_string_len(json_object_array_get_idx(a, 0)) == 0) {
		json_object_put(a);
		ar_error(err, 0, "no command specified");
		return NULL;
	}
	return o->init_path ? init_args(a) : a;
}

/* Sets "K=V" in env (n entries): replaces the first entry of that key and
 * drops later ones, or appends. */
static void env_set(char **env, size_t *n, const char *kv)
{
	size_t klen = (size_t)(strchr(kv, '=') - kv) + 1, j = 0;
	bool done = false;

	for (size_t i = 0; i < *n; i++) {
		if (strncmp(env[i], kv, klen) != 0) {
			env[j++] = env[i];
		} else if (!done) {
			free(env[i]);
			env[j++] = xstrdup(kv);
			done = true;
		} else {
			free(env[i]);
		}
	}
	*n = j;
	if (!done)
		env[(*n)++] = xstrdup(kv);
	env[*n] = NULL;
}

static bool env_has(char *const *env, const char *key_eq)
{
	for (; env && *env; env++)
		if (strncmp(*env, key_eq, strlen(key_eq)) == 0)
			return true;
	return false;
}

static bool is_key_value(const char *kv)
{
	const char *eq = strchr(kv, '=');

	return eq != NULL && eq != kv;
}

/* Image env, then the user's by key; PATH (first) and, with a terminal,
 * TERM=xterm when neither gave them, as docker's daemon environment. */
static json_object *env_json(const struct bundle_opts *o, struct ar_err *err)
{
	char *const *img = o->image ? o->image->env : NULL;
	_cleanup_strv_ char **env = xcalloc(strv_len(img) + strv_len(o->env) + 3, sizeof *env);
	size_t n = 0;

	for (char *const *e = img; e && *e; e++) {
		if (!is_key_value(*e)) {
			ar_error(err, 0, "image environment variable `%s` is not KEY=VALUE", *e);
			return NULL;
		}
		env_set(env, &n, *e);
	}
	for (char *const *e = o->env; e && *e; e++) {
		if (!is_key_value(*e)) {
			ar_error(err, 0, "environment variable `%s` is not KEY=VALUE", *e);
			return NULL;
		}
		env_set(env, &n, *e);
	}
	if (o->terminal && !env_has(env, "TERM="))
		env_set(env, &n, "TERM=xterm");
	if (!env_has(env, "PATH=")) {
		memmove(env + 1, env, (n + 1) * sizeof *env);
		env[0] = xstrdup(DEFAULT_PATH);
	}
	return strv_json(env);
}

/* "uid[:gid]", numeric; a uid alone runs with gid 0 (docker would take the
 * passwd entry's group: names and groups are looked up later, not here). */
static int user_json(const struct bundle_opts *o, json_object *process, struct ar_err *err)
{
	const char *u = o->user ? o->user : o->image ? o->image->user : NULL;
	_cleanup_free_ char *uid_s = xstrdup(u ? u : "");
	char *gid_s = strchr(uid_s, ':');
	uint64_t uid = 0, gid = 0;
	json_object *user = json_object_new_object();

	if (gid_s)
		*gid_s++ = '\0';
	/* (uid_t)-1 means "unchanged" to the kernel, so it is no user. */
	if (u && u[0] && (parse_u64(uid_s, &uid) < 0 || uid >= UINT32_MAX ||
			  (gid_s && (parse_u64(gid_s, &gid) < 0 || gid >= UINT32_MAX)))) {
		json_object_put(user);
		return ar_error(err, 0, "user `%s` must be a numeric uid[:gid] (user and group "
				"names are not supported yet)", u);
	}
	json_object_object_add(user, "uid", json_object_new_int64((int64_t)uid));
	json_object_object_add(user, "gid", json_object_new_int64((int64_t)gid));
	json_object_object_add(process, "user", user);
	return 0;
}

static int process_fill(const struct bundle_opts *o, json_object *process, struct ar_err *err)
{
	const char *cwd = o->cwd ? o->cwd : o->image ? o->image->working_dir : NULL;
	json_object *args, *env;

	if (cwd == NULL)
		cwd = "/";
	if (cwd[0] != '/')
		return ar_error(err, 0, "working directory `%s` must be an absolute path", cwd);
	args = args_json(o, err);
	if (args == NULL)
		return -1;
	json_object_object_add(process, "args", args);
	env = env_json(o, err);
	if (env == NULL)
		return -1;
	json_object_object_add(process, "env", env);
	json_object_object_add(process, "cwd", json_object_new_string(cwd));
	json_object_object_add(process, "terminal", json_object_new_boolean(o->terminal));
	return user_json(o, process, err);
}

/* ---- mounts ---- */

static bool has_propagation(const char *opts)
{
	static const char *const words[] = {
		"private", "rprivate", "shared", "rshared", "slave", "rslave",
		"unbindable", "runbindable", NULL,
	};
	_cleanup_free_ char *copy = xstrdup(opts ? opts : "");
	char *save = NULL;

	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save))
		for (const char *const *p = words; *p; p++)
			if (strcmp(w, *p) == 0)
				return true;
	return false;
}

static void add_words(json_object *a, const char *list)
{
	_cleanup_free_ char *copy = xstrdup(list ? list : "");
	char *save = NULL;

	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save))
		json_object_array_add(a, json_object_new_string(w));
}

/* bind: rbind + ro|rw + extra, rprivate unless told (docker's default, so
 * a host mount made shared by systemd does not propagate into or out of
 * the container). tmpfs: nosuid,nodev + extra, ro last so it wins. */
static int mount_check(const struct bundle_mount *m, bool bind, struct ar_err *err)
{
	const char *t = m->target ? m->target : "";

	if (!bind && !(m->type && strcmp(m->type, "tmpfs") == 0))
		return ar_error(err, 0, "mount `%s`: unsupported type `%s`", t,
				m->type ? m->type : "");
	if (t[0] != '/')
		return ar_error(err, 0, "mount target `%s` must be an absolute path", t);
	if (bind && (m->source == NULL || m->source[0] != '/'))
		return ar_error(err, 0, "mount `%s`: bind source `%s` must be an absolute path",
				t, m->source ? m->source : "");
	return 0;
}

static void add_word(json_object *a, const char *w)
{
	json_object_array_add(a, json_object_new_string(w));
}

/* bind: rbind + ro|rw + extra, rprivate unless told (docker's default, so
 * a host mount made shared by systemd does not propagate into or out of
 * the container). tmpfs: nosuid,nodev + extra, ro last so it wins. */
static json_object *mount_json(const struct bundle_mount *m, struct ar_err *err)
{
	bool bind = m->type && strcmp(m->type, "bind") == 0;
	json_object *o, *opts;

	if (mount_check(m, bind, err) < 0)
		return NULL;
	o = json_object_new_object();
	opts = json_object_new_array();
	json_object_object_add(o, "destination", json_object_new_string(m->target));
	json_object_object_add(o, "type", json_object_new_string(m->type));
	json_object_object_add(o, "source", json_object_new_string(m->source ? m->source : "tmpfs"));
	if (bind) {
		add_word(opts, "rbind");
		add_word(opts, m->readonly ? "ro" : "rw");
		add_words(opts, m->options);
		if (!has_propagation(m->options))
			add_word(opts, "rprivate");
	} else {
		add_word(opts, "nosuid");
		add_word(opts, "nodev");
		add_words(opts, m->options);
		if (m->readonly)
			add_word(opts, "ro");
	}
	json_object_object_add(o, "options", opts);
	return o;
}

static size_t depth(const char *path)
{
	size_t n = 0;

	for (; *path; path++)
		n += *path == '/';
	return n;
}

/* The default mount with this destination, or -1. */
static ssize_t find_mount(json_object *mounts, const char *dest, size_t n_default)
{
	for (size_t i = 0; i < n_default; i++) {
		json_object *d = NULL;
		json_object_object_get_ex(json_object_array_get_idx(mounts, i), "destination", &d);
		if (d && strcmp(json_object_get_string(d), dest) == 0)
			return (ssize_t)i;
	}
	return -1;
}

static bool duplicate_target(const struct bundle_opts *o, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (strcmp(o->mounts[j].target, o->mounts[i].target) == 0)
			return true;
	return false;
}

/* A user mount over a default one (/dev/shm ...) takes its place; the rest
 * follow the defaults, parents before children (docker sorts them by
 * depth, stable), so -v a:/data/x -v b:/data still shows a at /data/x. */
static int mounts_fill(const struct bundle_opts *o, json_object *mounts, struct ar_err *err)
{
	size_t n_default = json_object_array_length(mounts), n_extra = 0;
	_cleanup_free_ size_t *order = xcalloc(o->n_mounts + 1, sizeof *order);
	_cleanup_free_ json_object **made = xcalloc(o->n_mounts + 1, sizeof *made);
	int r = 0;

	for (size_t i = 0; r == 0 && i < o->n_mounts; i++) {
		ssize_t at;
		size_t k;
		made[i] = mount_json(&o->mounts[i], err);
		if (made[i] == NULL) {
			r = -1;
		} else if (duplicate_target(o, i)) {
			r = ar_error(err, 0, "duplicate mount point `%s`", o->mounts[i].target);
		} else if ((at = find_mount(mounts, o->mounts[i].target, n_default)) >= 0) {
			json_object_array_put_idx(mounts, (size_t)at, steal_ptr(&made[i]));
		} else {
			for (k = n_extra++; k > 0 && depth(o->mounts[order[k - 1]].target) >
							     depth(o->mounts[i].target); k--)
				order[k] = order[k - 1];
			order[k] = i;
		}
	}
	for (size_t k = 0; k < n_extra; k++)
		if (r == 0)
			json_object_array_add(mounts, steal_ptr(&made[order[k]]));
	for (size_t i = 0; i < o->n_mounts; i++)
		json_object_put(made[i]);
	return r;
}

json_object *bundle_object_at(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_object)) {
		v = json_object_new_object();
		json_object_object_add(o, key, v);
	}
	return v;
}

static void linux_fill(const struct bundle_opts *o, json_object *top)
{
	json_object *lx = bundle_object_at(top, "linux"), *res;

	if (o->cgroups_path)
		json_object_object_add(lx, "cgroupsPath", json_object_new_string(o->cgroups_path));
	if (o->memory <= 0 && o->pids_limit == 0)
		return;
	res = bundle_object_at(lx, "resources");
	if (o->memory > 0)
		json_object_object_add(bundle_object_at(res, "memory"), "limit",
				       json_object_new_int64(o->memory));
	if (o->pids_limit != 0)
		json_object_object_add(bundle_object_at(res, "pids"), "limit",
				       json_object_new_int64(o->pids_limit));
}

/* The user's mounts, and --init's reaper bound read-only. */
static int init_mounts_fill(const struct bundle_opts *o, json_object *mounts,
			    struct ar_err *err)
{
	struct bundle_opts with = *o;
	_cleanup_free_ struct bundle_mount *all = NULL;

	if (o->init_path == NULL)
		return mounts_fill(o, mounts, err);
	all = xcalloc(o->n_mounts + 1, sizeof *all);
	if (o->n_mounts)
		memcpy(all, o->mounts, o->n_mounts * sizeof *all);
	all[o->n_mounts] = (struct bundle_mount){ .type = "bind", .source = o->init_path,
						  .target = BUNDLE_INIT_PATH, .readonly = true };
	with.mounts = all;
	with.n_mounts = o->n_mounts + 1;
	return mounts_fill(&with, mounts, err);
}

static int config_fill(const struct bundle_opts *o, json_object *top, struct ar_err *err)
{
	json_object *root = NULL, *process = NULL, *mounts = NULL;

	if (!json_object_object_get_ex(top, "root", &root) ||
	    !json_object_object_get_ex(top, "process", &process) ||
	    !json_object_object_get_ex(top, "mounts", &mounts))
		abort(); /* spec_default_json always writes them */
	if (o->rootfs)
		json_object_object_add(root, "path", json_object_new_string(o->rootfs));
	json_object_object_add(root, "readonly", json_object_new_boolean(o->readonly_root));
	if (o->hostname)
		json_object_object_add(top, "hostname", json_object_new_string(o->hostname));
	else
		json_object_object_del(top, "hostname");
	if (process_fill(o, process, err) < 0 || init_mounts_fill(o, mounts, err) < 0)
		return -1;
	linux_fill(o, top);
	return bundle_host_fill(o, top, err);
}

/* The text is checked with the runtime's own parser before it is handed
 * out, so what the user gave (a hostname of 65 characters, a mount option
 * the runtime refuses) fails at create, naming the field, not at start. */
int bundle_config_json(const struct bundle_opts *o, char **out, struct ar_err *err)
{
	_cleanup_free_ char *def = spec_default_json(false);
	json_object *top = json_tokener_parse(def);
	_cleanup_free_ char *text = NULL;
	struct spec *s = NULL;
	int r;

	if (top == NULL)
		abort(); /* our own text; only OOM makes it fail */
	r = config_fill(o, top, err);
	if (r == 0)
		text = xstrdup(json_object_to_json_string_ext(
			top, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_PRETTY_TAB |
				     JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(top);
	if (r < 0 || spec_parse(text, strlen(text), "config.json", &s, err) < 0)
		return -1;
	spec_free(s);
	*out = steal_ptr(&text);
	return 0;
}

/* 0600, not runc's 0644: process.env carries the user's -e values, which
 * are often secrets, and only root (the engine) reads the bundle. A stale
 * config.json.tmp is removed first so its mode cannot carry over. */
int bundle_write(int dirfd, const struct bundle_opts *o, bool durable, struct ar_err *err)
{
	_cleanup_free_ char *text = NULL;

	if (bundle_config_json(o, &text, err) < 0)
		return -1;
	if (unlinkat(dirfd, "config.json.tmp", 0) < 0 && errno != ENOENT)
		return ar_error(err, errno, "remove `config.json.tmp`");
	return durable ? write_file_atomic_at(dirfd, "config.json", text, strlen(text), 0600, err)
		       : write_file_replace_at(dirfd, "config.json", text, strlen(text), 0600, err);
}
