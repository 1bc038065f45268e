/* argon — config.json "linux": namespaces, id mappings, devices, sysctl,
 * rootfsPropagation, timeOffsets, resources validation, and the
 * sections kept as JSON text (seccomp, personality, intelRdt).
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "resources.h"
#include "seccomp.h"
#include "spec_priv.h"
#include "sysctl_ns.h"
#include "util.h"

static int parse_namespace(const struct pctx *c, json_object *o, const char *field,
			   struct spec_linux *l)
{
	_cleanup_free_ char *type = NULL;
	char f[FIELD_LEN];
	struct spec_namespace *ns;
	int t, r;

	if (spj_want(c, o, json_type_object, field) < 0)
		return -1;
	r = spj_get_str(c, o, field, "type", &type);
	spj_sub(f, field, "type");
	if (r < 0)
		return -1;
	if (r == 0)
		return fail(c, f, "is required");
	for (t = 0; t < NS__COUNT; t++) {
		const char *name = spec_ns_name((enum spec_ns_type)t);
		if (name && strcmp(name, type) == 0)
			break;
	}
	if (t == NS__COUNT)
		return fail(c, f, "unknown namespace type `%s`", type);
	ns = &l->ns[t];
	if (ns->enabled)
		return fail(c, f, "duplicate namespace `%s`", type);
	ns->enabled = true;
	if (spj_get_str(c, o, field, "path", &ns->path) < 0)
		return -1;
	if (ns->path && ns->path[0] == '\0') { /* "" means a new one, as in Go */
		free(ns->path);
		ns->path = NULL;
	}
	return ns->path ? spj_check_abs(c, ns->path, spj_sub(f, field, "path")) : 0;
}

static int parse_namespaces(const struct pctx *c, json_object *a, struct spec_linux *l)
{
	char f[FIELD_LEN];

	if (spj_want(c, a, json_type_array, "linux.namespaces") < 0)
		return -1;
	for (size_t i = 0; i < json_object_array_length(a); i++)
		if (parse_namespace(c, json_object_array_get_idx(a, i),
				    spj_idx(f, "linux.namespaces", i), l) < 0)
			return -1;
	return 0;
}

static int parse_idmap(const struct pctx *c, json_object *o, const char *field, void *item)
{
	struct spec_idmap *m = item;

	if (spj_want(c, o, json_type_object, field) < 0 ||
	    spj_get_u32(c, o, field, "containerID", true, &m->container_id) < 0 ||
	    spj_get_u32(c, o, field, "hostID", true, &m->host_id) < 0 ||
	    spj_get_u32(c, o, field, "size", true, &m->size) < 0)
		return -1;
	if (m->size == 0)
		return fail(c, field, "size must be greater than 0");
	if ((uint64_t)m->container_id + m->size > (uint64_t)UINT32_MAX + 1 ||
	    (uint64_t)m->host_id + m->size > (uint64_t)UINT32_MAX + 1)
		return fail(c, field, "the range runs past 4294967295");
	return 0;
}

static int parse_device(const struct pctx *c, json_object *o, const char *field, void *item)
{
	struct spec_device *d = item;
	_cleanup_free_ char *path = NULL, *type = NULL;
	char f[FIELD_LEN];
	uint64_t major = 0, minor = 0;
	bool numbered;
	int r;

	if (spj_want(c, o, json_type_object, field) < 0)
		return -1;
	r = spj_get_str(c, o, field, "path", &path);
	spj_sub(f, field, "path");
	if (r < 0)
		return -1;
	if (r == 0 || path[0] == '\0')
		return fail(c, f, "is required");
	if (spj_check_abs(c, path, f) < 0 || spj_clean_container_path(c, path, f, &d->path) < 0)
		return -1;
	r = spj_get_str(c, o, field, "type", &type);
	spj_sub(f, field, "type");
	if (r < 0)
		return -1;
	if (r == 0 || strlen(type) != 1 || !strchr("cbup", type[0]))
		return fail(c, f, "must be one of `c`, `b`, `u`, `p`");
	d->type = type[0];
	numbered = d->type != 'p';
	if (spj_get_uint(c, o, field, "major", numbered, UINT32_MAX, &major) < 0 ||
	    spj_get_uint(c, o, field, "minor", numbered, UINT32_MAX, &minor) < 0)
		return -1;
	d->major = (int64_t)major;
	d->minor = (int64_t)minor;
	r = spj_get_u32(c, o, field, "fileMode", false, &d->mode);
	d->has_mode = r == 1;
	if (r < 0)
		return -1;
	r = spj_get_u32(c, o, field, "uid", false, &d->uid);
	d->has_uid = r == 1;
	if (r < 0)
		return -1;
	r = spj_get_u32(c, o, field, "gid", false, &d->gid);
	d->has_gid = r == 1;
	return r < 0 ? -1 : 0;
}

static int parse_time_offset(const struct pctx *c, json_object *o, const char *field,
			     struct spec_time_offset *t)
{
	json_object *v;
	int64_t secs = 0;
	uint64_t ns = 0;
	char f[FIELD_LEN];

	if (spj_want(c, o, json_type_object, field) < 0)
		return -1;
	if ((v = spj_member(o, "secs")) &&
	    spj_take_int(c, v, spj_sub(f, field, "secs"), INT64_MIN, INT64_MAX, &secs) < 0)
		return -1;
	if (spj_get_uint(c, o, field, "nanosecs", false, 999999999, &ns) < 0)
		return -1;
	t->set = true;
	t->secs = secs;
	t->nanosecs = (uint32_t)ns;
	return 0;
}

static int parse_time_offsets(const struct pctx *c, json_object *o, struct spec_linux *l)
{
	char f[FIELD_LEN];

	if (spj_want(c, o, json_type_object, "linux.timeOffsets") < 0)
		return -1;
	json_object_object_foreach(o, clock, val) {
		struct spec_time_offset *t;
		spj_sub(f, "linux.timeOffsets", clock);
		if (strcmp(clock, "monotonic") == 0)
			t = &l->time_monotonic;
		else if (strcmp(clock, "boottime") == 0)
			t = &l->time_boottime;
		else
			return fail(c, f, "unknown clock (expected `monotonic` or `boottime`)");
		if (val && parse_time_offset(c, val, f, t) < 0)
			return -1;
	}
	return 0;
}

/* linux.resources: parsed here with the typed parser, so a bad limit fails
 * before anything is created, and kept for the job object. */
static int parse_resources(const struct pctx *c, json_object *o, struct spec_linux *l)
{
	if (spj_want(c, o, json_type_object, "linux.resources") < 0 ||
	    resources_from_object(o, c->what, &l->resources, c->err) < 0)
		return -1;
	l->has_resources = true;
	return 0;
}

/* Only sysctls that belong to a namespace of the container may be set
 * (whether a joined one is the host's is checked at create). */
static int check_sysctl(const struct pctx *c, const struct spec_linux *l, const char *key)
{
	static const char *const need[NS__COUNT] = {
		[NS_IPC] = "an IPC namespace",
		[NS_NET] = "a network namespace (not the host's)",
		[NS_UTS] = "a UTS namespace",
	};
	enum spec_ns_type t;

	if (key[0] == '\0' || key[0] == '.' || key[0] == '/' || strstr(key, ".."))
		return fail(c, "linux.sysctl", "`%s` is not a sysctl name", key);
	t = sysctl_namespace(key);
	if (t == NS__COUNT)
		return fail(c, "linux.sysctl", "`%s` is not namespaced", key);
	if (!l->ns[t].enabled)
		return fail(c, "linux.sysctl", "`%s` requires %s", key, need[t]);
	return 0;
}

static int parse_propagation(const struct pctx *c, json_object *o, struct spec_linux *l)
{
	_cleanup_free_ char *word = NULL;
	const struct mount_opt *m;

	if (spj_take_str(c, o, "linux.rootfsPropagation", &word) < 0)
		return -1;
	if (word[0] == '\0')
		return 0;
	m = spj_find_mount_opt(word);
	if (m == NULL || m->kind != MOPT_PROP)
		return fail(c, "linux.rootfsPropagation", "unknown propagation `%s`", word);
	l->rootfs_propagation = m->flag;
	return 0;
}

static int store_json(const struct pctx *c, json_object *lo, const char *key, char **out)
{
	char f[FIELD_LEN];
	json_object *v = spj_member(lo, key);

	if (v == NULL)
		return 0;
	if (spj_want(c, v, json_type_object, spj_sub(f, "linux", key)) < 0)
		return -1;
	*out = xstrdup(json_object_to_json_string_ext(
		v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	return 0;
}

/* A malformed profile fails here, naming its field, before anything exists. */
static int check_seccomp(const struct pctx *c, json_object *lo)
{
	json_object *v = spj_member(lo, "seccomp");

	return v ? seccomp_check(v, c->what, c->err) : 0;
}

static int parse_paths(const struct pctx *c, json_object *lo, const char *key, char ***out)
{
	char f[FIELD_LEN], g[FIELD_LEN];

	if (spj_get_strv(c, lo, "linux", key, out) < 0)
		return -1;
	for (size_t i = 0; *out && (*out)[i]; i++)
		if (spj_check_abs(c, (*out)[i], spj_idx(g, spj_sub(f, "linux", key), i)) < 0)
			return -1;
	return 0;
}

static int parse_linux_lists(const struct pctx *c, json_object *lo, struct spec_linux *l)
{
	json_object *v;
	void *items = NULL;
	int r = 0;

	if ((v = spj_member(lo, "uidMappings"))) {
		r = spj_parse_array(c, v, "linux.uidMappings", sizeof *l->uid_mappings, parse_idmap,
				&items, &l->n_uid_mappings);
		l->uid_mappings = steal_ptr(&items);
		if (r < 0)
			return -1;
	}
	if ((v = spj_member(lo, "gidMappings"))) {
		r = spj_parse_array(c, v, "linux.gidMappings", sizeof *l->gid_mappings, parse_idmap,
				&items, &l->n_gid_mappings);
		l->gid_mappings = steal_ptr(&items);
		if (r < 0)
			return -1;
	}
	if ((v = spj_member(lo, "devices"))) {
		r = spj_parse_array(c, v, "linux.devices", sizeof *l->devices, parse_device, &items,
				&l->n_devices);
		l->devices = steal_ptr(&items);
	}
	return r;
}

int spj_parse_linux(const struct pctx *c, json_object *lo, struct spec_linux *l)
{
	json_object *v;

	if (spj_want(c, lo, json_type_object, "linux") < 0)
		return -1;
	if ((v = spj_member(lo, "namespaces")) && parse_namespaces(c, v, l) < 0)
		return -1;
	if (parse_linux_lists(c, lo, l) < 0 ||
	    spj_get_str(c, lo, "linux", "cgroupsPath", &l->cgroups_path) < 0 ||
	    spj_get_str(c, lo, "linux", "mountLabel", &l->mount_label) < 0 ||
	    parse_paths(c, lo, "maskedPaths", &l->masked_paths) < 0 ||
	    parse_paths(c, lo, "readonlyPaths", &l->readonly_paths) < 0 ||
	    store_json(c, lo, "seccomp", &l->seccomp_json) < 0 ||
	    check_seccomp(c, lo) < 0 ||
	    store_json(c, lo, "personality", &l->personality_json) < 0 ||
	    store_json(c, lo, "intelRdt", &l->intel_rdt_json) < 0)
		return -1;
	if ((v = spj_member(lo, "sysctl")) && spj_take_kv(c, v, "linux.sysctl", &l->sysctl, &l->n_sysctl) < 0)
		return -1;
	for (size_t i = 0; i < l->n_sysctl; i++)
		if (check_sysctl(c, l, l->sysctl[i].key) < 0)
			return -1;
	if ((v = spj_member(lo, "rootfsPropagation")) && parse_propagation(c, v, l) < 0)
		return -1;
	if ((v = spj_member(lo, "timeOffsets")) && parse_time_offsets(c, v, l) < 0)
		return -1;
	if ((v = spj_member(lo, "resources")) && parse_resources(c, v, l) < 0)
		return -1;
	return 0;
}
