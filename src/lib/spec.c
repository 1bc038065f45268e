/* argon — config.json → struct spec: parse and validate before anything runs.
 *
 * Every error names the input and the field path ("config.json:
 * process.user.uid: must be an integer in 0..4294967295"). Unknown keys are
 * ignored for forward compatibility; known keys with the wrong JSON type are
 * errors. A JSON null counts as absent, as it does for Go's decoder (runc),
 * because generated configs are full of them.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "spec_priv.h"
#include "util.h"

/* ---- process ---- */

static int parse_caps(const struct pctx *c, json_object *o, const char *field,
		      struct spec_caps *caps)
{
	static const char *const sets[] = {
		"bounding", "effective", "permitted", "inheritable", "ambient",
	};
	uint64_t *masks[] = {
		&caps->bounding, &caps->effective, &caps->permitted, &caps->inheritable,
		&caps->ambient,
	};
	char f[FIELD_LEN], g[FIELD_LEN];

	if (spj_want(c, o, json_type_object, field) < 0)
		return -1;
	caps->present = true;
	for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++) {
		json_object *a = spj_member(o, sets[s]);
		if (a == NULL)
			continue;
		if (spj_want(c, a, json_type_array, spj_sub(f, field, sets[s])) < 0)
			return -1;
		for (size_t i = 0; i < json_object_array_length(a); i++) {
			json_object *e = json_object_array_get_idx(a, i);
			int cap;
			if (spj_want(c, e, json_type_string, spj_idx(g, f, i)) < 0)
				return -1;
			cap = cap_from_name(json_object_get_string(e));
			if (cap < 0)
				return fail(c, g, "unknown capability `%s`",
					    json_object_get_string(e));
			*masks[s] |= 1ULL << cap;
		}
	}
	return 0;
}

static int parse_rlimit(const struct pctx *c, json_object *o, const char *field, void *item)
{
	struct spec_rlimit *rl = item;
	_cleanup_free_ char *type = NULL;
	char f[FIELD_LEN];
	int r;

	if (spj_want(c, o, json_type_object, field) < 0)
		return -1;
	r = spj_get_str(c, o, field, "type", &type);
	if (r < 0)
		return -1;
	spj_sub(f, field, "type");
	if (r == 0)
		return fail(c, f, "is required");
	rl->resource = rlimit_from_name(type);
	if (rl->resource < 0)
		return fail(c, f, "unknown rlimit `%s`", type);
	if (spj_get_uint(c, o, field, "soft", true, UINT64_MAX, &rl->soft) < 0 ||
	    spj_get_uint(c, o, field, "hard", true, UINT64_MAX, &rl->hard) < 0)
		return -1;
	if (rl->soft > rl->hard)
		return fail(c, field, "soft limit %" PRIu64 " exceeds hard limit %" PRIu64,
			    rl->soft, rl->hard);
	return 0;
}

static int parse_rlimits(const struct pctx *c, json_object *a, const char *field,
			 struct spec_process *p)
{
	void *v = NULL;
	char f[FIELD_LEN];
	int r = spj_parse_array(c, a, field, sizeof *p->rlimits, parse_rlimit, &v, &p->n_rlimits);

	p->rlimits = v;
	if (r < 0)
		return -1;
	for (size_t i = 1; i < p->n_rlimits; i++)
		for (size_t j = 0; j < i; j++)
			if (p->rlimits[i].resource == p->rlimits[j].resource)
				return fail(c, spj_idx(f, field, i), "duplicate `%s`",
					    json_object_get_string(spj_member(
						json_object_array_get_idx(a, i), "type")));
	return 0;
}

static int parse_user(const struct pctx *c, json_object *o, const char *field,
		      struct spec_user *u)
{
	char f[FIELD_LEN];
	json_object *g;
	int r;

	if (spj_want(c, o, json_type_object, field) < 0)
		return -1;
	if (spj_get_u32(c, o, field, "uid", false, &u->uid) < 0 ||
	    spj_get_u32(c, o, field, "gid", false, &u->gid) < 0 ||
	    spj_get_str(c, o, field, "username", &u->username) < 0)
		return -1;
	r = spj_get_u32(c, o, field, "umask", false, &u->umask);
	if (r < 0)
		return -1;
	u->has_umask = r == 1;
	if (u->has_umask && u->umask > 07777)
		return fail(c, spj_sub(f, field, "umask"), "%#o is not a mode mask (at most 07777)",
			    u->umask);
	g = spj_member(o, "additionalGids");
	if (g == NULL)
		return 0;
	if (spj_want(c, g, json_type_array, spj_sub(f, field, "additionalGids")) < 0)
		return -1;
	u->n_additional_gids = json_object_array_length(g);
	u->additional_gids = xcalloc(u->n_additional_gids, sizeof *u->additional_gids);
	for (size_t i = 0; i < u->n_additional_gids; i++) {
		char e[FIELD_LEN];
		uint64_t gid;
		if (spj_take_uint(c, json_object_array_get_idx(g, i), spj_idx(e, f, i), UINT32_MAX,
			      &gid) < 0)
			return -1;
		u->additional_gids[i] = (uint32_t)gid;
	}
	return 0;
}

static int parse_command(const struct pctx *c, json_object *o, const char *base,
			 struct spec_process *p)
{
	char f[FIELD_LEN];
	int r = spj_get_strv(c, o, base, "args", &p->args);

	spj_sub(f, base, "args");
	if (r < 0)
		return -1;
	if (r == 0 || p->args[0] == NULL)
		return fail(c, f, "must be a non-empty array of strings");
	if (p->args[0][0] == '\0')
		return fail(c, f, "the program name (args[0]) must not be empty");
	if (spj_get_strv(c, o, base, "env", &p->env) < 0 ||
	    spj_check_env(c, p->env, spj_sub(f, base, "env")) < 0)
		return -1;
	if (p->env == NULL)
		p->env = xcalloc(1, sizeof *p->env);
	r = spj_get_str(c, o, base, "cwd", &p->cwd);
	spj_sub(f, base, "cwd");
	if (r < 0)
		return -1;
	if (r == 0 || p->cwd[0] == '\0')
		return fail(c, f, "is required");
	return spj_check_abs(c, p->cwd, f);
}

static int parse_console_size(const struct pctx *c, json_object *o, const char *field,
			      struct spec_process *p)
{
	uint32_t h = 0, w = 0;

	if (spj_want(c, o, json_type_object, field) < 0 ||
	    spj_get_u32(c, o, field, "height", true, &h) < 0 ||
	    spj_get_u32(c, o, field, "width", true, &w) < 0)
		return -1;
	p->has_console_size = true;
	p->console_height = h;
	p->console_width = w;
	return 0;
}

/* `base` is "process" inside config.json, "" for a standalone process.json. */
static int parse_process_obj(const struct pctx *c, json_object *o, const char *base,
			     struct spec_process *p)
{
	char f[FIELD_LEN];
	json_object *v;

	if (spj_want(c, o, json_type_object, *base ? base : "process") < 0 ||
	    parse_command(c, o, base, p) < 0 ||
	    spj_get_bool(c, o, base, "terminal", &p->terminal) < 0 ||
	    spj_get_bool(c, o, base, "noNewPrivileges", &p->no_new_privileges) < 0 ||
	    spj_get_str(c, o, base, "apparmorProfile", &p->apparmor_profile) < 0 ||
	    spj_get_str(c, o, base, "selinuxLabel", &p->selinux_label) < 0)
		return -1;
	if ((v = spj_member(o, "consoleSize")) &&
	    parse_console_size(c, v, spj_sub(f, base, "consoleSize"), p) < 0)
		return -1;
	if ((v = spj_member(o, "user")) && parse_user(c, v, spj_sub(f, base, "user"), &p->user) < 0)
		return -1;
	if ((v = spj_member(o, "rlimits")) && parse_rlimits(c, v, spj_sub(f, base, "rlimits"), p) < 0)
		return -1;
	if ((v = spj_member(o, "capabilities")) &&
	    parse_caps(c, v, spj_sub(f, base, "capabilities"), &p->caps) < 0)
		return -1;
	if ((v = spj_member(o, "oomScoreAdj"))) {
		int64_t adj;
		if (spj_take_int(c, v, spj_sub(f, base, "oomScoreAdj"), -1000, 1000, &adj) < 0)
			return -1;
		p->has_oom_score_adj = true;
		p->oom_score_adj = (int)adj;
	}
	return 0;
}

/* ---- hooks ---- */

static int parse_hook(const struct pctx *c, json_object *o, const char *field, void *item)
{
	struct spec_hook *h = item;
	char f[FIELD_LEN];
	json_object *t;
	int r;

	if (spj_want(c, o, json_type_object, field) < 0)
		return -1;
	r = spj_get_str(c, o, field, "path", &h->path);
	spj_sub(f, field, "path");
	if (r < 0)
		return -1;
	if (r == 0 || h->path[0] == '\0')
		return fail(c, f, "is required");
	if (spj_check_abs(c, h->path, f) < 0 ||
	    spj_get_strv(c, o, field, "args", &h->args) < 0 ||
	    spj_get_strv(c, o, field, "env", &h->env) < 0 ||
	    spj_check_env(c, h->env, spj_sub(f, field, "env")) < 0)
		return -1;
	if ((t = spj_member(o, "timeout"))) {
		int64_t secs;
		if (spj_take_int(c, t, spj_sub(f, field, "timeout"), 1, INT_MAX, &secs) < 0)
			return -1;
		h->has_timeout = true;
		h->timeout = (int)secs;
	}
	return 0;
}

static int parse_hooks(const struct pctx *c, json_object *o, struct spec *s)
{
	char f[FIELD_LEN];

	if (spj_want(c, o, json_type_object, "hooks") < 0)
		return -1;
	for (int k = 0; k < HOOK__COUNT; k++) {
		const char *name = spec_hook_name((enum spec_hook_kind)k);
		json_object *a = spj_member(o, name);
		void *v = NULL;
		int r;
		if (a == NULL)
			continue;
		r = spj_parse_array(c, a, spj_sub(f, "hooks", name), sizeof *s->hooks[k].v, parse_hook,
				&v, &s->hooks[k].n);
		s->hooks[k].v = v;
		if (r < 0)
			return -1;
	}
	return 0;
}

/* Rules that span sections, checked once everything is parsed. */
static int check_namespaces(const struct pctx *c, const struct spec *s)
{
	const struct spec_linux *l = &s->linux;
	const struct spec_namespace *user = &l->ns[NS_USER], *tns = &l->ns[NS_TIME];

	if (l->n_uid_mappings && !user->enabled)
		return fail(c, "linux.uidMappings", "requires a user namespace");
	if (l->n_gid_mappings && !user->enabled)
		return fail(c, "linux.gidMappings", "requires a user namespace");
	if (user->enabled && user->path == NULL && l->n_uid_mappings == 0)
		return fail(c, "linux.namespaces", "a new user namespace requires linux.uidMappings");
	if (user->enabled && user->path == NULL && l->n_gid_mappings == 0)
		return fail(c, "linux.namespaces", "a new user namespace requires linux.gidMappings");
	if ((l->time_monotonic.set || l->time_boottime.set) && (!tns->enabled || tns->path))
		return fail(c, "linux.timeOffsets", "requires a new time namespace");
	if (s->hostname && s->hostname[0] && !l->ns[NS_UTS].enabled)
		return fail(c, "hostname", "requires a UTS namespace");
	if (s->domainname && s->domainname[0] && !l->ns[NS_UTS].enabled)
		return fail(c, "domainname", "requires a UTS namespace");
	return 0;
}

/* ---- top level ---- */

/* MAJOR.MINOR.PATCH with an optional -prerelease / +build suffix. */
static bool parse_semver_major(const char *v, unsigned long *major)
{
	const char *p = v;

	for (int part = 0; part < 3; part++) {
		char *end;
		if (!isdigit((unsigned char)*p))
			return false;
		errno = 0;
		unsigned long n = strtoul(p, &end, 10);
		if (errno)
			return false;
		if (part == 0)
			*major = n;
		p = end;
		if (part < 2 && *p++ != '.')
			return false;
	}
	return *p == '\0' || *p == '-' || *p == '+';
}

static int parse_version(const struct pctx *c, json_object *top, struct spec *s)
{
	unsigned long major = 0;
	int r = spj_get_str(c, top, "", "ociVersion", &s->oci_version);

	if (r < 0)
		return -1;
	if (r == 0)
		return fail(c, "ociVersion", "is required");
	if (!parse_semver_major(s->oci_version, &major))
		return fail(c, "ociVersion", "`%s` is not a semantic version", s->oci_version);
	if (major != 1)
		return fail(c, "ociVersion", "version `%s` is not supported (need 1.x)",
			    s->oci_version);
	return 0;
}

static int parse_root(const struct pctx *c, json_object *top, struct spec *s)
{
	json_object *root = spj_member(top, "root");
	int r;

	if (root == NULL)
		return fail(c, "root", "is required");
	if (spj_want(c, root, json_type_object, "root") < 0)
		return -1;
	r = spj_get_str(c, root, "root", "path", &s->root_path);
	if (r < 0)
		return -1;
	if (r == 0 || s->root_path[0] == '\0')
		return fail(c, "root.path", "is required");
	return spj_get_bool(c, root, "root", "readonly", &s->root_readonly) < 0 ? -1 : 0;
}

static int check_host_name(const struct pctx *c, const char *field, const char *name)
{
	if (name && strlen(name) > 64)
		return fail(c, field, "`%s` is longer than 64 characters", name);
	if (name && strchr(name, '/'))
		return fail(c, field, "`%s` must not contain `/`", name);
	return 0;
}

static int parse_top(const struct pctx *c, json_object *top, struct spec *s)
{
	json_object *v;
	void *items = NULL;

	if (parse_version(c, top, s) < 0 || parse_root(c, top, s) < 0 ||
	    spj_get_str(c, top, "", "hostname", &s->hostname) < 0 ||
	    check_host_name(c, "hostname", s->hostname) < 0 ||
	    spj_get_str(c, top, "", "domainname", &s->domainname) < 0 ||
	    check_host_name(c, "domainname", s->domainname) < 0)
		return -1;
	if ((v = spj_member(top, "process"))) {
		s->has_process = true;
		if (parse_process_obj(c, v, "process", &s->process) < 0)
			return -1;
	}
	if ((v = spj_member(top, "mounts"))) {
		int r = spj_parse_array(c, v, "mounts", sizeof *s->mounts, spj_parse_mount, &items,
				    &s->n_mounts);
		s->mounts = items;
		if (r < 0)
			return -1;
	}
	if ((v = spj_member(top, "hooks")) && parse_hooks(c, v, s) < 0)
		return -1;
	if ((v = spj_member(top, "annotations")) &&
	    spj_take_kv(c, v, "annotations", &s->annotations, &s->n_annotations) < 0)
		return -1;
	if ((v = spj_member(top, "linux")) && spj_parse_linux(c, v, &s->linux) < 0)
		return -1;
	return check_namespaces(c, s);
}

int spec_parse(const char *json, size_t len, const char *what, struct spec **out,
	       struct ar_err *err)
{
	struct pctx c = { .what = what, .err = err };
	json_object *top;
	struct spec *s;
	int r;

	ar_err_clear(err);
	top = spj_parse_json(json, len, what, err);
	if (top == NULL)
		return -1;
	s = xcalloc(1, sizeof *s);
	r = parse_top(&c, top, s);
	json_object_put(top);
	if (r < 0) {
		spec_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

int spec_parse_process(const char *json, size_t len, const char *what,
		       struct spec_process *out, struct ar_err *err)
{
	struct pctx c = { .what = what, .err = err };
	struct spec_process p = { 0 };
	json_object *top;
	int r;

	ar_err_clear(err);
	top = spj_parse_json(json, len, what, err);
	if (top == NULL)
		return -1;
	r = parse_process_obj(&c, top, "", &p);
	json_object_put(top);
	if (r < 0) {
		spec_process_free(&p);
		return -1;
	}
	*out = p;
	return 0;
}

int spec_load_bundle(const char *bundle_dir, struct spec **out, char **text_out,
		     size_t *len_out, struct ar_err *err)
{
	_cleanup_close_ int dfd = open(bundle_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *text = NULL;
	size_t len = 0;

	if (dfd < 0)
		return ar_error(err, errno, "open bundle `%s`", bundle_dir);
	if (read_file_at(dfd, "config.json", &text, &len, err) < 0) {
		bool opening = err->msg && strncmp(err->msg, "open ", 5) == 0;
		return ar_error(err, err->errnum, "%s `%s/config.json`", opening ? "open" : "read",
				bundle_dir);
	}
	if (spec_parse(text, len, "config.json", out, err) < 0)
		return -1;
	if (text_out) {
		*text_out = steal_ptr(&text);
		*len_out = len;
	}
	return 0;
}

/* ---- freeing ---- */

static void free_kv(struct spec_kv *kv, size_t n)
{
	for (size_t i = 0; kv && i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

void spec_process_free(struct spec_process *p)
{
	if (p == NULL)
		return;
	free(p->cwd);
	strv_free(p->args);
	strv_free(p->env);
	free(p->user.additional_gids);
	free(p->user.username);
	free(p->rlimits);
	free(p->apparmor_profile);
	free(p->selinux_label);
	memset(p, 0, sizeof *p);
}

static void free_linux(struct spec_linux *l)
{
	for (int t = 0; t < NS__COUNT; t++)
		free(l->ns[t].path);
	free(l->uid_mappings);
	free(l->gid_mappings);
	for (size_t i = 0; l->devices && i < l->n_devices; i++)
		free(l->devices[i].path);
	free(l->devices);
	free(l->cgroups_path);
	strv_free(l->masked_paths);
	strv_free(l->readonly_paths);
	free_kv(l->sysctl, l->n_sysctl);
	free(l->mount_label);
	resources_free(&l->resources);
	free(l->seccomp_json);
	free(l->personality_json);
	free(l->intel_rdt_json);
}

void spec_free(struct spec *s)
{
	if (s == NULL)
		return;
	free(s->oci_version);
	free(s->root_path);
	free(s->hostname);
	free(s->domainname);
	spec_process_free(&s->process);
	for (size_t i = 0; s->mounts && i < s->n_mounts; i++) {
		struct spec_mount *m = &s->mounts[i];
		free(m->destination);
		free(m->type);
		free(m->source);
		strv_free(m->options);
		free(m->data);
	}
	free(s->mounts);
	for (int k = 0; k < HOOK__COUNT; k++) {
		for (size_t i = 0; s->hooks[k].v && i < s->hooks[k].n; i++) {
			free(s->hooks[k].v[i].path);
			strv_free(s->hooks[k].v[i].args);
			strv_free(s->hooks[k].v[i].env);
		}
		free(s->hooks[k].v);
	}
	free_kv(s->annotations, s->n_annotations);
	free_linux(&s->linux);
	free(s);
}
