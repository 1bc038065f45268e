/* argon — docker-format seccomp profiles into OCI linux.seccomp
 * (seccomp_default.h), as docker's daemon does (profiles/seccomp
 * setupSeccomp): "archMap" picks the native architecture and its
 * sub-architectures; a rule is kept when its "includes" all hold (every
 * capability listed is in the container's set, the native architecture is
 * listed, the kernel is at least minKernel) and none of its "excludes"
 * does; "name" becomes "names"; "comment" goes.
 *
 * Stricter than docker where docker is silent: an unknown key or
 * capability name fails naming it (a typo would otherwise drop a rule),
 * and a profile without defaultAction is refused rather than taken for
 * "unconfined".
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "seccomp.h"
#include "seccomp_default.h"
#include "spec.h"
#include "util.h"

struct rctx {
	uint64_t caps;
	const char *what;
	bool keep_all;		/* check every rule, drop none (seccomp_profile_check) */
	struct ar_err *err;
};

static int fail(const struct rctx *c, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(const struct rctx *c, const char *field, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return ar_fail(c->err, EINVAL, "%s: %s%s%s", c->what, field, *field ? ": " : "", msg);
}

static json_object *member(json_object *o, const char *key)
{
	json_object *v = NULL;

	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static int check_keys(const struct rctx *c, json_object *o, const char *field,
		      const char *const *keys)
{
	json_object_object_foreach(o, k, v) {
		const char *const *p = keys;
		(void)v;
		while (*p && strcmp(*p, k) != 0)
			p++;
		if (*p == NULL)
			return fail(c, field, "unknown key `%s`", k);
	}
	return 0;
}

static int want_strings(const struct rctx *c, json_object *a, const char *field)
{
	if (!json_object_is_type(a, json_type_array))
		return fail(c, field, "must be an array of strings");
	for (size_t i = 0; i < json_object_array_length(a); i++)
		if (!json_object_is_type(json_object_array_get_idx(a, i), json_type_string))
			return fail(c, field, "must be an array of strings (item %zu is not)", i);
	return 0;
}

static bool strings_have(json_object *a, const char *s)
{
	for (size_t i = 0; s && a && i < json_object_array_length(a); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(a, i)), s) == 0)
			return true;
	return false;
}

/* "5.8", "4.14.3", "6.1.0-rc2" → {5, 8, 0}; -1 when it starts otherwise. */
static int parse_version(const char *s, long v[3])
{
	int n = 0;

	v[0] = v[1] = v[2] = 0;
	while (n < 3 && isdigit((unsigned char)*s)) {
		char *end;
		v[n++] = strtol(s, &end, 10);
		s = end;
		if (*s != '.')
			break;
		s++;
	}
	return n >= 2 ? 0 : -1;
}

static int kernel_at_least(const struct rctx *c, json_object *min, const char *field, bool *ok)
{
	long want[3], have[3];
	struct utsname u;

	if (!json_object_is_type(min, json_type_string) ||
	    parse_version(json_object_get_string(min), want) < 0)
		return fail(c, field, "`%s` is not a kernel version like 5.8",
			    json_object_get_string(min));
	if (uname(&u) < 0 || parse_version(u.release, have) < 0)
		return ar_error(c->err, errno, "%s: %s: read the kernel version", c->what, field);
	*ok = true;	/* equal */
	for (int i = 0; i < 3; i++)
		if (have[i] != want[i]) {
			*ok = have[i] > want[i];
			break;
		}
	return 0;
}

/* includes (every condition holds) or excludes (some condition holds). */
static int filter_holds(const struct rctx *c, json_object *f, const char *field, bool include,
			bool *holds)
{
	static const char *const keys[] = { "caps", "arches", "minKernel", NULL };
	json_object *caps = member(f, "caps"), *arches = member(f, "arches"), *min;
	bool all = true, any = false, native;
	char sub[96];

	if (!json_object_is_type(f, json_type_object))
		return fail(c, field, "must be an object");
	if (check_keys(c, f, field, keys) < 0)
		return -1;
	snprintf(sub, sizeof sub, "%s.caps", field);
	if (caps && want_strings(c, caps, sub) < 0)
		return -1;
	for (size_t i = 0; caps && i < json_object_array_length(caps); i++) {
		const char *n = json_object_get_string(json_object_array_get_idx(caps, i));
		int cap = cap_from_name(n);
		if (cap < 0 || cap > 63)
			return fail(c, sub, "unknown capability `%s`", n);
		bool has = (c->caps >> cap) & 1;
		all = all && has;
		any = any || has;
	}
	snprintf(sub, sizeof sub, "%s.arches", field);
	if (arches && want_strings(c, arches, sub) < 0)
		return -1;
	native = strings_have(arches, seccomp_native_arch());
	*holds = include ? all && (arches == NULL || native) : any || (arches != NULL && native);
	if ((min = member(f, "minKernel")) != NULL) {
		bool newer = false;
		snprintf(sub, sizeof sub, "%s.minKernel", field);
		if (kernel_at_least(c, min, sub, &newer) < 0)
			return -1;
		*holds = include ? *holds && newer : *holds || newer;
	}
	return 0;
}

/* The OCI part of a rule, "name" made "names". */
static json_object *rule_out(json_object *in)
{
	json_object *r = json_object_new_object(), *v;

	if ((v = member(in, "names")) != NULL) {
		json_object_object_add(r, "names", json_object_get(v));
	} else {
		json_object *names = json_object_new_array();
		json_object_array_add(names, json_object_get(member(in, "name")));
		json_object_object_add(r, "names", names);
	}
	json_object_object_add(r, "action", json_object_get(member(in, "action")));
	if ((v = member(in, "errnoRet")) != NULL)
		json_object_object_add(r, "errnoRet", json_object_get(v));
	if ((v = member(in, "args")) != NULL)
		json_object_object_add(r, "args", json_object_get(v));
	return r;
}

static int rule_resolve(const struct rctx *c, json_object *in, size_t i, json_object *out)
{
	static const char *const keys[] = { "name", "names", "action", "errnoRet", "args",
					    "comment", "includes", "excludes", NULL };
	json_object *name = member(in, "name"), *names = member(in, "names"), *f;
	bool keep = true, holds;
	char field[64], sub[80];

	snprintf(field, sizeof field, "syscalls[%zu]", i);
	if (!json_object_is_type(in, json_type_object))
		return fail(c, field, "must be an object");
	if (check_keys(c, in, field, keys) < 0)
		return -1;
	if (name && names)
		return fail(c, field, "both `name` and `names`: use one");
	if (name == NULL && names == NULL)
		return fail(c, field, "no `names`");
	if (name && !json_object_is_type(name, json_type_string))
		return fail(c, field, "`name` must be a string");
	if (member(in, "action") == NULL)
		return fail(c, field, "no `action`");
	if ((f = member(in, "includes")) != NULL) {
		snprintf(sub, sizeof sub, "%s.includes", field);
		if (filter_holds(c, f, sub, true, &holds) < 0)
			return -1;
		keep = holds;
	}
	if ((f = member(in, "excludes")) != NULL) {
		snprintf(sub, sizeof sub, "%s.excludes", field);
		if (filter_holds(c, f, sub, false, &holds) < 0)
			return -1;
		keep = keep && !holds;
	}
	if (keep || c->keep_all)
		json_object_array_add(out, rule_out(in));
	return 0;
}

/* "architectures" as given, or archMap's entry for the native one with its
 * sub-architectures (none matching: libseccomp's native alone). */
static int arches_resolve(const struct rctx *c, json_object *in, json_object *out)
{
	json_object *list = member(in, "architectures"), *map = member(in, "archMap");
	const char *native = seccomp_native_scmp_arch();

	if (list && map)
		return fail(c, "", "both `architectures` and `archMap`: use one");
	if (list) {
		json_object_object_add(out, "architectures", json_object_get(list));
		return 0;
	}
	if (map == NULL)
		return 0;
	if (!json_object_is_type(map, json_type_array))
		return fail(c, "archMap", "must be an array");
	for (size_t i = 0; i < json_object_array_length(map); i++) {
		json_object *e = json_object_array_get_idx(map, i), *a = member(e, "architecture");
		json_object *subs = member(e, "subArchitectures"), *arches;
		char field[48];
		snprintf(field, sizeof field, "archMap[%zu].subArchitectures", i);
		if (!json_object_is_type(a, json_type_string))
			return fail(c, "archMap", "item %zu has no `architecture` string", i);
		if (subs && want_strings(c, subs, field) < 0)
			return -1;
		if (native == NULL || strcmp(json_object_get_string(a), native) != 0)
			continue;
		arches = json_object_new_array();
		json_object_array_add(arches, json_object_get(a));
		for (size_t k = 0; subs && k < json_object_array_length(subs); k++)
			json_object_array_add(arches, json_object_get(json_object_array_get_idx(subs, k)));
		json_object_object_add(out, "architectures", arches);
		break;
	}
	return 0;
}

static int resolve(const struct rctx *c, json_object *in, json_object *out)
{
	static const char *const keys[] = { "defaultAction", "defaultErrnoRet", "architectures",
					    "archMap", "flags", "listenerPath", "listenerMetadata",
					    "syscalls", NULL };
	static const char *const copied[] = { "defaultAction", "defaultErrnoRet", "flags",
					      "listenerPath", "listenerMetadata", NULL };
	json_object *calls = member(in, "syscalls"), *v;

	if (!json_object_is_type(in, json_type_object))
		return fail(c, "", "a seccomp profile is a JSON object");
	if (check_keys(c, in, "", keys) < 0)
		return -1;
	if (member(in, "defaultAction") == NULL)
		return fail(c, "", "no `defaultAction` (--security-opt seccomp=unconfined runs "
			    "without a profile)");
	for (const char *const *k = copied; *k; k++)
		if ((v = member(in, *k)) != NULL)
			json_object_object_add(out, *k, json_object_get(v));
	if (arches_resolve(c, in, out) < 0)
		return -1;
	if (calls == NULL)
		return 0;
	if (!json_object_is_type(calls, json_type_array))
		return fail(c, "syscalls", "must be an array");
	v = json_object_new_array();
	json_object_object_add(out, "syscalls", v);
	for (size_t i = 0; i < json_object_array_length(calls); i++)
		if (rule_resolve(c, json_object_array_get_idx(calls, i), i, v) < 0)
			return -1;
	return 0;
}

int seccomp_profile_resolve(json_object *profile, uint64_t caps, const char *what,
			    json_object **out, struct ar_err *err)
{
	struct rctx c = { .caps = caps, .what = what, .err = err };
	json_object *o = json_object_new_object();

	if (resolve(&c, profile, o) < 0) {
		json_object_put(o);
		return -1;
	}
	*out = o;
	return 0;
}

int seccomp_profile_check(json_object *profile, const char *what, struct ar_err *err)
{
	struct rctx c = { .what = what, .keep_all = true, .err = err };
	json_object *o = json_object_new_object();
	int r = resolve(&c, profile, o);

	if (r == 0)
		r = seccomp_check(o, what, err);
	json_object_put(o);
	return r;
}
