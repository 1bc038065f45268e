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
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

#include <json-c/json.h>

#include "spec.h"
#include "util.h"

#define FIELD_LEN 256

/* Parse context: what the input is called, where errors go. */
struct pctx {
	const char *what;
	struct ar_err *err;
};

static void set_error(const struct pctx *c, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_error(const struct pctx *c, const char *field, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	ar_error(c->err, 0, "%s: %s: %s", c->what, field, msg);
}

/* Records "<what>: <field>: <message>" and evaluates to -1, visibly to the
 * compiler and the static analyser, so `return fail(...)` reads as it acts. */
#define fail(...) (set_error(__VA_ARGS__), -1)

/* Field paths: "process" + "user" -> "process.user"; "mounts" + 2 -> "mounts[2]".
 * Only hostile keys make a path this long; it is cut with a visible "...". */
static const char *clip(char *buf, int n)
{
	if (n < 0 || n >= FIELD_LEN)
		strcpy(buf + FIELD_LEN - 4, "...");
	return buf;
}

static const char *sub(char *buf, const char *base, const char *key)
{
	return clip(buf, snprintf(buf, FIELD_LEN, "%s%s%s", base, *base ? "." : "", key));
}

static const char *idx(char *buf, const char *base, size_t i)
{
	return clip(buf, snprintf(buf, FIELD_LEN, "%s[%zu]", base, i));
}

/* The member, or NULL when it is absent or JSON null. */
static json_object *member(json_object *obj, const char *key)
{
	json_object *v = NULL;

	json_object_object_get_ex(obj, key, &v);
	return v;
}

static int want(const struct pctx *c, json_object *v, json_type t, const char *field)
{
	static const char *const desc[] = {
		[json_type_null] = "null", [json_type_boolean] = "a boolean",
		[json_type_double] = "a number", [json_type_int] = "an integer",
		[json_type_object] = "an object", [json_type_array] = "an array",
		[json_type_string] = "a string",
	};

	if (json_object_is_type(v, t))
		return 0;
	return fail(c, field, "must be %s", desc[t]);
}

/* NUL bytes ("\u0000") are refused: every C consumer would silently truncate. */
static int take_str(const struct pctx *c, json_object *v, const char *field, char **out)
{
	const char *s;

	if (want(c, v, json_type_string, field) < 0)
		return -1;
	s = json_object_get_string(v);
	if (strlen(s) != (size_t)json_object_get_string_len(v))
		return fail(c, field, "must not contain a NUL byte");
	*out = xstrdup(s);
	return 0;
}

/* Getters return 1 when the member is present, 0 when absent, -1 on error. */
static int get_str(const struct pctx *c, json_object *obj, const char *base, const char *key,
		   char **out)
{
	char f[FIELD_LEN];
	json_object *v = member(obj, key);

	if (v == NULL)
		return 0;
	return take_str(c, v, sub(f, base, key), out) < 0 ? -1 : 1;
}

static int get_bool(const struct pctx *c, json_object *obj, const char *base, const char *key,
		    bool *out)
{
	char f[FIELD_LEN];
	json_object *v = member(obj, key);

	if (v == NULL)
		return 0;
	if (want(c, v, json_type_boolean, sub(f, base, key)) < 0)
		return -1;
	*out = json_object_get_boolean(v);
	return 1;
}

/* json-c reads integers above INT64_MAX back saturated from get_int64 and
 * negative ones as 0 from get_uint64, so both are consulted; integers beyond
 * 64 bits never get here (lex_check refuses them). Doubles such as 1.5 or
 * 1e3 are not integers, as for Go's decoder. */
static int take_uint(const struct pctx *c, json_object *v, const char *field, uint64_t max,
		     uint64_t *out)
{
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0 ||
	    json_object_get_uint64(v) > max)
		return fail(c, field, "must be an integer in 0..%" PRIu64, max);
	*out = json_object_get_uint64(v);
	return 0;
}

static int take_int(const struct pctx *c, json_object *v, const char *field, int64_t min,
		    int64_t max, int64_t *out)
{
	int64_t i = json_object_get_int64(v);

	if (!json_object_is_type(v, json_type_int) ||
	    json_object_get_uint64(v) > (uint64_t)INT64_MAX || i < min || i > max)
		return fail(c, field, "must be an integer in %" PRId64 "..%" PRId64, min, max);
	*out = i;
	return 0;
}

static int get_uint(const struct pctx *c, json_object *obj, const char *base, const char *key,
		    bool required, uint64_t max, uint64_t *out)
{
	char f[FIELD_LEN];
	json_object *v = member(obj, key);

	sub(f, base, key);
	if (v == NULL)
		return required ? fail(c, f, "is required") : 0;
	return take_uint(c, v, f, max, out) < 0 ? -1 : 1;
}

static int get_u32(const struct pctx *c, json_object *obj, const char *base, const char *key,
		   bool required, uint32_t *out)
{
	uint64_t u;
	int r = get_uint(c, obj, base, key, required, UINT32_MAX, &u);

	if (r == 1)
		*out = (uint32_t)u;
	return r;
}

static int take_strv(const struct pctx *c, json_object *v, const char *field, char ***out)
{
	char f[FIELD_LEN];
	size_t n;
	char **r;

	if (want(c, v, json_type_array, field) < 0)
		return -1;
	n = json_object_array_length(v);
	r = xcalloc(n + 1, sizeof *r);
	for (size_t i = 0; i < n; i++) {
		if (take_str(c, json_object_array_get_idx(v, i), idx(f, field, i), &r[i]) < 0) {
			strv_free(r);
			return -1;
		}
	}
	*out = r;
	return 0;
}

static int get_strv(const struct pctx *c, json_object *obj, const char *base, const char *key,
		    char ***out)
{
	char f[FIELD_LEN];
	json_object *v = member(obj, key);

	if (v == NULL)
		return 0;
	return take_strv(c, v, sub(f, base, key), out) < 0 ? -1 : 1;
}

/* A JSON object of strings, e.g. annotations and linux.sysctl. */
static int take_kv(const struct pctx *c, json_object *o, const char *field,
		   struct spec_kv **out, size_t *n)
{
	char f[FIELD_LEN];
	size_t i = 0;

	if (want(c, o, json_type_object, field) < 0)
		return -1;
	*n = (size_t)json_object_object_length(o);
	*out = xcalloc(*n, sizeof **out);
	json_object_object_foreach(o, key, val) {
		sub(f, field, key);
		if (val == NULL)
			return fail(c, f, "must be a string");
		if (take_str(c, val, f, &(*out)[i].value) < 0)
			return -1;
		(*out)[i++].key = xstrdup(key);
	}
	return 0;
}

typedef int (*item_fn)(const struct pctx *c, json_object *o, const char *field, void *item);

/* Parses a JSON array into a zeroed C array; on failure the caller frees the
 * partly filled result, so *items and *n are set before any element. */
static int parse_array(const struct pctx *c, json_object *a, const char *field, size_t size,
		       item_fn fn, void **items, size_t *n)
{
	char f[FIELD_LEN];

	if (want(c, a, json_type_array, field) < 0)
		return -1;
	*n = json_object_array_length(a);
	*items = xcalloc(*n, size);
	for (size_t i = 0; i < *n; i++)
		if (fn(c, json_object_array_get_idx(a, i), idx(f, field, i),
		       (char *)*items + i * size) < 0)
			return -1;
	return 0;
}

static int check_abs(const struct pctx *c, const char *path, const char *field)
{
	if (path[0] != '/')
		return fail(c, field, "`%s` must be an absolute path", path);
	return 0;
}

static int check_env(const struct pctx *c, char *const *env, const char *field)
{
	char f[FIELD_LEN];

	for (size_t i = 0; env && env[i]; i++) {
		const char *eq = strchr(env[i], '=');
		if (eq == NULL || eq == env[i])
			return fail(c, idx(f, field, i), "`%s` is not KEY=VALUE", env[i]);
	}
	return 0;
}

/* Normalises a path inside the container: relative paths are taken from /
 * (as runc does for old configs), "//" and "." collapse. ".." is refused
 * rather than resolved, so the config reads like what the runtime does. */
static int clean_container_path(const struct pctx *c, const char *in, const char *field,
				char **out)
{
	char *o = xmalloc(strlen(in) + 2);
	size_t len = 0;
	const char *p = in;

	while (*p) {
		const char *end;
		while (*p == '/')
			p++;
		end = strchrnul(p, '/');
		if (end - p == 2 && p[0] == '.' && p[1] == '.') {
			free(o);
			return fail(c, field, "`%s` must not contain `..`", in);
		}
		if (end - p > 0 && !(end - p == 1 && p[0] == '.')) {
			o[len++] = '/';
			memcpy(o + len, p, (size_t)(end - p));
			len += (size_t)(end - p);
		}
		p = end;
	}
	if (len == 0)
		o[len++] = '/';
	o[len] = '\0';
	*out = o;
	return 0;
}

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

	if (want(c, o, json_type_object, field) < 0)
		return -1;
	caps->present = true;
	for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++) {
		json_object *a = member(o, sets[s]);
		if (a == NULL)
			continue;
		if (want(c, a, json_type_array, sub(f, field, sets[s])) < 0)
			return -1;
		for (size_t i = 0; i < json_object_array_length(a); i++) {
			json_object *e = json_object_array_get_idx(a, i);
			int cap;
			if (want(c, e, json_type_string, idx(g, f, i)) < 0)
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

	if (want(c, o, json_type_object, field) < 0)
		return -1;
	r = get_str(c, o, field, "type", &type);
	if (r < 0)
		return -1;
	sub(f, field, "type");
	if (r == 0)
		return fail(c, f, "is required");
	rl->resource = rlimit_from_name(type);
	if (rl->resource < 0)
		return fail(c, f, "unknown rlimit `%s`", type);
	if (get_uint(c, o, field, "soft", true, UINT64_MAX, &rl->soft) < 0 ||
	    get_uint(c, o, field, "hard", true, UINT64_MAX, &rl->hard) < 0)
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
	int r = parse_array(c, a, field, sizeof *p->rlimits, parse_rlimit, &v, &p->n_rlimits);

	p->rlimits = v;
	if (r < 0)
		return -1;
	for (size_t i = 1; i < p->n_rlimits; i++)
		for (size_t j = 0; j < i; j++)
			if (p->rlimits[i].resource == p->rlimits[j].resource)
				return fail(c, idx(f, field, i), "duplicate `%s`",
					    json_object_get_string(member(
						json_object_array_get_idx(a, i), "type")));
	return 0;
}

static int parse_user(const struct pctx *c, json_object *o, const char *field,
		      struct spec_user *u)
{
	char f[FIELD_LEN];
	json_object *g;
	int r;

	if (want(c, o, json_type_object, field) < 0)
		return -1;
	if (get_u32(c, o, field, "uid", false, &u->uid) < 0 ||
	    get_u32(c, o, field, "gid", false, &u->gid) < 0 ||
	    get_str(c, o, field, "username", &u->username) < 0)
		return -1;
	r = get_u32(c, o, field, "umask", false, &u->umask);
	if (r < 0)
		return -1;
	u->has_umask = r == 1;
	if (u->has_umask && u->umask > 07777)
		return fail(c, sub(f, field, "umask"), "%#o is not a mode mask (at most 07777)",
			    u->umask);
	g = member(o, "additionalGids");
	if (g == NULL)
		return 0;
	if (want(c, g, json_type_array, sub(f, field, "additionalGids")) < 0)
		return -1;
	u->n_additional_gids = json_object_array_length(g);
	u->additional_gids = xcalloc(u->n_additional_gids, sizeof *u->additional_gids);
	for (size_t i = 0; i < u->n_additional_gids; i++) {
		char e[FIELD_LEN];
		uint64_t gid;
		if (take_uint(c, json_object_array_get_idx(g, i), idx(e, f, i), UINT32_MAX,
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
	int r = get_strv(c, o, base, "args", &p->args);

	sub(f, base, "args");
	if (r < 0)
		return -1;
	if (r == 0 || p->args[0] == NULL)
		return fail(c, f, "must be a non-empty array of strings");
	if (p->args[0][0] == '\0')
		return fail(c, f, "the program name (args[0]) must not be empty");
	if (get_strv(c, o, base, "env", &p->env) < 0 ||
	    check_env(c, p->env, sub(f, base, "env")) < 0)
		return -1;
	if (p->env == NULL)
		p->env = xcalloc(1, sizeof *p->env);
	r = get_str(c, o, base, "cwd", &p->cwd);
	sub(f, base, "cwd");
	if (r < 0)
		return -1;
	if (r == 0 || p->cwd[0] == '\0')
		return fail(c, f, "is required");
	return check_abs(c, p->cwd, f);
}

static int parse_console_size(const struct pctx *c, json_object *o, const char *field,
			      struct spec_process *p)
{
	uint32_t h = 0, w = 0;

	if (want(c, o, json_type_object, field) < 0 ||
	    get_u32(c, o, field, "height", true, &h) < 0 ||
	    get_u32(c, o, field, "width", true, &w) < 0)
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

	if (want(c, o, json_type_object, *base ? base : "process") < 0 ||
	    parse_command(c, o, base, p) < 0 ||
	    get_bool(c, o, base, "terminal", &p->terminal) < 0 ||
	    get_bool(c, o, base, "noNewPrivileges", &p->no_new_privileges) < 0 ||
	    get_str(c, o, base, "apparmorProfile", &p->apparmor_profile) < 0 ||
	    get_str(c, o, base, "selinuxLabel", &p->selinux_label) < 0)
		return -1;
	if ((v = member(o, "consoleSize")) &&
	    parse_console_size(c, v, sub(f, base, "consoleSize"), p) < 0)
		return -1;
	if ((v = member(o, "user")) && parse_user(c, v, sub(f, base, "user"), &p->user) < 0)
		return -1;
	if ((v = member(o, "rlimits")) && parse_rlimits(c, v, sub(f, base, "rlimits"), p) < 0)
		return -1;
	if ((v = member(o, "capabilities")) &&
	    parse_caps(c, v, sub(f, base, "capabilities"), &p->caps) < 0)
		return -1;
	if ((v = member(o, "oomScoreAdj"))) {
		int64_t adj;
		if (take_int(c, v, sub(f, base, "oomScoreAdj"), -1000, 1000, &adj) < 0)
			return -1;
		p->has_oom_score_adj = true;
		p->oom_score_adj = (int)adj;
	}
	return 0;
}

/* ---- mounts ---- */

enum mopt_kind { MOPT_NOP, MOPT_SET, MOPT_CLEAR, MOPT_PROP, MOPT_BIND, MOPT_TMPCOPYUP };

struct mount_opt {
	const char *name;
	enum mopt_kind kind;
	unsigned long flag;
};

/* The words runc and crun give meaning to; anything else is fs data. */
#define MOUNT_OPTIONS(X) \
	X("defaults", MOPT_NOP, 0) \
	X("ro", MOPT_SET, MS_RDONLY) X("rw", MOPT_CLEAR, MS_RDONLY) \
	X("suid", MOPT_CLEAR, MS_NOSUID) X("nosuid", MOPT_SET, MS_NOSUID) \
	X("dev", MOPT_CLEAR, MS_NODEV) X("nodev", MOPT_SET, MS_NODEV) \
	X("exec", MOPT_CLEAR, MS_NOEXEC) X("noexec", MOPT_SET, MS_NOEXEC) \
	X("sync", MOPT_SET, MS_SYNCHRONOUS) X("async", MOPT_CLEAR, MS_SYNCHRONOUS) \
	X("dirsync", MOPT_SET, MS_DIRSYNC) X("remount", MOPT_SET, MS_REMOUNT) \
	X("mand", MOPT_SET, MS_MANDLOCK) X("nomand", MOPT_CLEAR, MS_MANDLOCK) \
	X("atime", MOPT_CLEAR, MS_NOATIME) X("noatime", MOPT_SET, MS_NOATIME) \
	X("diratime", MOPT_CLEAR, MS_NODIRATIME) X("nodiratime", MOPT_SET, MS_NODIRATIME) \
	X("relatime", MOPT_SET, MS_RELATIME) X("norelatime", MOPT_CLEAR, MS_RELATIME) \
	X("strictatime", MOPT_SET, MS_STRICTATIME) \
	X("nostrictatime", MOPT_CLEAR, MS_STRICTATIME) \
	X("lazytime", MOPT_SET, MS_LAZYTIME) X("nolazytime", MOPT_CLEAR, MS_LAZYTIME) \
	X("silent", MOPT_SET, MS_SILENT) X("loud", MOPT_CLEAR, MS_SILENT) \
	X("iversion", MOPT_SET, MS_I_VERSION) X("noiversion", MOPT_CLEAR, MS_I_VERSION) \
	X("bind", MOPT_BIND, MS_BIND) X("rbind", MOPT_BIND, MS_BIND | MS_REC) \
	X("private", MOPT_PROP, MS_PRIVATE) X("rprivate", MOPT_PROP, MS_PRIVATE | MS_REC) \
	X("shared", MOPT_PROP, MS_SHARED) X("rshared", MOPT_PROP, MS_SHARED | MS_REC) \
	X("slave", MOPT_PROP, MS_SLAVE) X("rslave", MOPT_PROP, MS_SLAVE | MS_REC) \
	X("unbindable", MOPT_PROP, MS_UNBINDABLE) \
	X("runbindable", MOPT_PROP, MS_UNBINDABLE | MS_REC) \
	X("tmpcopyup", MOPT_TMPCOPYUP, 0)

#define MOPT_ENTRY(n, k, f) { n, k, f },
#define MOPT_NAME(n, k, f) n,
static const struct mount_opt mount_opts[] = { MOUNT_OPTIONS(MOPT_ENTRY) };
static const char *const mount_opt_names[] = { MOUNT_OPTIONS(MOPT_NAME) NULL };

const char *const *spec_mount_option_names(void)
{
	return mount_opt_names;
}

static const struct mount_opt *find_mount_opt(const char *word)
{
	for (size_t i = 0; i < sizeof mount_opts / sizeof mount_opts[0]; i++)
		if (strcmp(mount_opts[i].name, word) == 0)
			return &mount_opts[i];
	return NULL;
}

/* Later words win, as with mount(8): "ro,rw" is read-write. */
static void apply_mount_word(struct spec_mount *m, const char *word)
{
	const struct mount_opt *o = find_mount_opt(word);
	char *data;

	if (o == NULL) {
		data = m->data ? xasprintf("%s,%s", m->data, word) : xstrdup(word);
		free(m->data);
		m->data = data;
		return;
	}
	switch (o->kind) {
	case MOPT_NOP:
		break;
	case MOPT_SET:
		m->flags |= o->flag;
		m->clear_flags &= ~o->flag;
		break;
	case MOPT_CLEAR:
		m->flags &= ~o->flag;
		m->clear_flags |= o->flag;
		break;
	case MOPT_PROP:
		m->propagation = o->flag;
		break;
	case MOPT_BIND:
		m->flags |= o->flag;
		m->bind = true;
		m->recursive = m->recursive || (o->flag & MS_REC);
		break;
	case MOPT_TMPCOPYUP:
		m->tmpcopyup = true;
		break;
	}
}

static int parse_mount(const struct pctx *c, json_object *o, const char *field, void *item)
{
	struct spec_mount *m = item;
	_cleanup_free_ char *dest = NULL;
	char f[FIELD_LEN];
	int r;

	if (want(c, o, json_type_object, field) < 0)
		return -1;
	r = get_str(c, o, field, "destination", &dest);
	sub(f, field, "destination");
	if (r < 0)
		return -1;
	if (r == 0 || dest[0] == '\0')
		return fail(c, f, "is required");
	if (clean_container_path(c, dest, f, &m->destination) < 0 ||
	    get_str(c, o, field, "type", &m->type) < 0 ||
	    get_str(c, o, field, "source", &m->source) < 0 ||
	    get_strv(c, o, field, "options", &m->options) < 0)
		return -1;
	for (char **w = m->options; w && *w; w++)
		if (**w)
			apply_mount_word(m, *w);
	if (m->type && strcmp(m->type, "bind") == 0) {
		m->bind = true;
		m->flags |= MS_BIND;
	}
	if (m->bind && (m->source == NULL || m->source[0] == '\0'))
		return fail(c, sub(f, field, "source"), "is required for a bind mount");
	/* mount(2) needs a type unless it binds, remounts or only propagates. */
	if (!m->bind && !(m->flags & MS_REMOUNT) && !m->propagation &&
	    (m->type == NULL || m->type[0] == '\0'))
		return fail(c, sub(f, field, "type"), "is required unless the mount is a bind mount");
	return 0;
}

/* ---- hooks ---- */

static int parse_hook(const struct pctx *c, json_object *o, const char *field, void *item)
{
	struct spec_hook *h = item;
	char f[FIELD_LEN];
	json_object *t;
	int r;

	if (want(c, o, json_type_object, field) < 0)
		return -1;
	r = get_str(c, o, field, "path", &h->path);
	sub(f, field, "path");
	if (r < 0)
		return -1;
	if (r == 0 || h->path[0] == '\0')
		return fail(c, f, "is required");
	if (check_abs(c, h->path, f) < 0 ||
	    get_strv(c, o, field, "args", &h->args) < 0 ||
	    get_strv(c, o, field, "env", &h->env) < 0 ||
	    check_env(c, h->env, sub(f, field, "env")) < 0)
		return -1;
	if ((t = member(o, "timeout"))) {
		int64_t secs;
		if (take_int(c, t, sub(f, field, "timeout"), 1, INT_MAX, &secs) < 0)
			return -1;
		h->has_timeout = true;
		h->timeout = (int)secs;
	}
	return 0;
}

static int parse_hooks(const struct pctx *c, json_object *o, struct spec *s)
{
	char f[FIELD_LEN];

	if (want(c, o, json_type_object, "hooks") < 0)
		return -1;
	for (int k = 0; k < HOOK__COUNT; k++) {
		const char *name = spec_hook_name((enum spec_hook_kind)k);
		json_object *a = member(o, name);
		void *v = NULL;
		int r;
		if (a == NULL)
			continue;
		r = parse_array(c, a, sub(f, "hooks", name), sizeof *s->hooks[k].v, parse_hook,
				&v, &s->hooks[k].n);
		s->hooks[k].v = v;
		if (r < 0)
			return -1;
	}
	return 0;
}

/* ---- linux ---- */

static int parse_namespace(const struct pctx *c, json_object *o, const char *field,
			   struct spec_linux *l)
{
	_cleanup_free_ char *type = NULL;
	char f[FIELD_LEN];
	struct spec_namespace *ns;
	int t, r;

	if (want(c, o, json_type_object, field) < 0)
		return -1;
	r = get_str(c, o, field, "type", &type);
	sub(f, field, "type");
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
	if (get_str(c, o, field, "path", &ns->path) < 0)
		return -1;
	if (ns->path && ns->path[0] == '\0') { /* "" means a new one, as in Go */
		free(ns->path);
		ns->path = NULL;
	}
	return ns->path ? check_abs(c, ns->path, sub(f, field, "path")) : 0;
}

static int parse_namespaces(const struct pctx *c, json_object *a, struct spec_linux *l)
{
	char f[FIELD_LEN];

	if (want(c, a, json_type_array, "linux.namespaces") < 0)
		return -1;
	for (size_t i = 0; i < json_object_array_length(a); i++)
		if (parse_namespace(c, json_object_array_get_idx(a, i),
				    idx(f, "linux.namespaces", i), l) < 0)
			return -1;
	return 0;
}

static int parse_idmap(const struct pctx *c, json_object *o, const char *field, void *item)
{
	struct spec_idmap *m = item;

	if (want(c, o, json_type_object, field) < 0 ||
	    get_u32(c, o, field, "containerID", true, &m->container_id) < 0 ||
	    get_u32(c, o, field, "hostID", true, &m->host_id) < 0 ||
	    get_u32(c, o, field, "size", true, &m->size) < 0)
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

	if (want(c, o, json_type_object, field) < 0)
		return -1;
	r = get_str(c, o, field, "path", &path);
	sub(f, field, "path");
	if (r < 0)
		return -1;
	if (r == 0 || path[0] == '\0')
		return fail(c, f, "is required");
	if (check_abs(c, path, f) < 0 || clean_container_path(c, path, f, &d->path) < 0)
		return -1;
	r = get_str(c, o, field, "type", &type);
	sub(f, field, "type");
	if (r < 0)
		return -1;
	if (r == 0 || strlen(type) != 1 || !strchr("cbup", type[0]))
		return fail(c, f, "must be one of `c`, `b`, `u`, `p`");
	d->type = type[0];
	numbered = d->type != 'p';
	if (get_uint(c, o, field, "major", numbered, UINT32_MAX, &major) < 0 ||
	    get_uint(c, o, field, "minor", numbered, UINT32_MAX, &minor) < 0)
		return -1;
	d->major = (int64_t)major;
	d->minor = (int64_t)minor;
	r = get_u32(c, o, field, "fileMode", false, &d->mode);
	d->has_mode = r == 1;
	if (r < 0)
		return -1;
	r = get_u32(c, o, field, "uid", false, &d->uid);
	d->has_uid = r == 1;
	if (r < 0)
		return -1;
	r = get_u32(c, o, field, "gid", false, &d->gid);
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

	if (want(c, o, json_type_object, field) < 0)
		return -1;
	if ((v = member(o, "secs")) &&
	    take_int(c, v, sub(f, field, "secs"), INT64_MIN, INT64_MAX, &secs) < 0)
		return -1;
	if (get_uint(c, o, field, "nanosecs", false, 999999999, &ns) < 0)
		return -1;
	t->set = true;
	t->secs = secs;
	t->nanosecs = (uint32_t)ns;
	return 0;
}

static int parse_time_offsets(const struct pctx *c, json_object *o, struct spec_linux *l)
{
	char f[FIELD_LEN];

	if (want(c, o, json_type_object, "linux.timeOffsets") < 0)
		return -1;
	json_object_object_foreach(o, clock, val) {
		struct spec_time_offset *t;
		sub(f, "linux.timeOffsets", clock);
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

/* Does this part of linux.resources ask for anything? null, false, {} and
 * [] do not; any number, string or true does. */
static bool json_asks(json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return false;
	case json_type_boolean:
		return json_object_get_boolean(v);
	case json_type_object: {
		json_object_object_foreach(v, key, val) {
			(void)key;
			if (json_asks(val))
				return true;
		}
		return false;
	}
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(v); i++)
			if (json_asks(json_object_array_get_idx(v, i)))
				return true;
		return false;
	default:
		return true;
	}
}

/* {allow:false, access:"rwm"} with no type (or "a") and no major/minor:
 * argon creates only the configured device nodes, so this is already true. */
static bool rule_denies_all(json_object *r)
{
	json_object *allow = member(r, "allow"), *type = member(r, "type");
	json_object *access = member(r, "access");
	const char *a = access ? json_object_get_string(access) : "rwm";

	if (!json_object_is_type(r, json_type_object) ||
	    (allow && (!json_object_is_type(allow, json_type_boolean) ||
		       json_object_get_boolean(allow))) ||
	    member(r, "major") || member(r, "minor"))
		return false;
	if (type && (!json_object_is_type(type, json_type_string) ||
		     strcmp(json_object_get_string(type), "a") != 0))
		return false;
	if (access && !json_object_is_type(access, json_type_string))
		return false;
	return strlen(a) == 3 && strchr(a, 'r') && strchr(a, 'w') && strchr(a, 'm');
}

static int check_device_rules(const struct pctx *c, json_object *a, bool *asks)
{
	char f[FIELD_LEN];

	*asks = false;
	if (a == NULL)
		return 0;
	if (want(c, a, json_type_array, "linux.resources.devices") < 0)
		return -1;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *r = json_object_array_get_idx(a, i);
		if (want(c, r, json_type_object, idx(f, "linux.resources.devices", i)) < 0)
			return -1;
		if (!rule_denies_all(r))
			*asks = true;
	}
	return 0;
}

static int parse_resources(const struct pctx *c, json_object *o, struct spec_linux *l)
{
	if (want(c, o, json_type_object, "linux.resources") < 0)
		return -1;
	l->resources_json = xstrdup(json_object_to_json_string_ext(
		o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_object_foreach(o, key, val) {
		bool asks;
		if (strcmp(key, "devices") == 0) {
			if (check_device_rules(c, val, &asks) < 0)
				return -1;
		} else if (strcmp(key, "unified") == 0) {
			if (val && want(c, val, json_type_object, "linux.resources.unified") < 0)
				return -1;
			asks = val && json_object_object_length(val) > 0;
		} else {
			asks = json_asks(val);
		}
		if (asks && !l->resources_unsupported) {
			l->resources_unsupported = true;
			l->resources_unsupported_what = xasprintf("linux.resources.%s", key);
		}
	}
	return 0;
}

/* Only sysctls that belong to a namespace of the container may be set. */
static int check_sysctl(const struct pctx *c, const struct spec_linux *l, const char *key)
{
	static const char *const ipc_prefixes[] = {
		"kernel.shm", "kernel.msg", "kernel.sem", "fs.mqueue.",
	};

	if (key[0] == '\0' || key[0] == '.' || key[0] == '/' || strstr(key, ".."))
		return fail(c, "linux.sysctl", "`%s` is not a sysctl name", key);
	for (size_t i = 0; i < sizeof ipc_prefixes / sizeof ipc_prefixes[0]; i++) {
		if (strncmp(key, ipc_prefixes[i], strlen(ipc_prefixes[i])) != 0)
			continue;
		if (!l->ns[NS_IPC].enabled)
			return fail(c, "linux.sysctl", "`%s` requires an IPC namespace", key);
		return 0;
	}
	if (strncmp(key, "net.", 4) == 0) {
		if (!l->ns[NS_NET].enabled)
			return fail(c, "linux.sysctl",
				    "`%s` requires a network namespace (not the host's)", key);
		return 0;
	}
	if (strcmp(key, "kernel.hostname") == 0 || strcmp(key, "kernel.domainname") == 0) {
		if (!l->ns[NS_UTS].enabled)
			return fail(c, "linux.sysctl", "`%s` requires a UTS namespace", key);
		return 0;
	}
	return fail(c, "linux.sysctl", "`%s` is not namespaced", key);
}

static int parse_propagation(const struct pctx *c, json_object *o, struct spec_linux *l)
{
	_cleanup_free_ char *word = NULL;
	const struct mount_opt *m;

	if (take_str(c, o, "linux.rootfsPropagation", &word) < 0)
		return -1;
	if (word[0] == '\0')
		return 0;
	m = find_mount_opt(word);
	if (m == NULL || m->kind != MOPT_PROP)
		return fail(c, "linux.rootfsPropagation", "unknown propagation `%s`", word);
	l->rootfs_propagation = m->flag;
	return 0;
}

static int store_json(const struct pctx *c, json_object *lo, const char *key, char **out)
{
	char f[FIELD_LEN];
	json_object *v = member(lo, key);

	if (v == NULL)
		return 0;
	if (want(c, v, json_type_object, sub(f, "linux", key)) < 0)
		return -1;
	*out = xstrdup(json_object_to_json_string_ext(
		v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	return 0;
}

static int parse_paths(const struct pctx *c, json_object *lo, const char *key, char ***out)
{
	char f[FIELD_LEN], g[FIELD_LEN];

	if (get_strv(c, lo, "linux", key, out) < 0)
		return -1;
	for (size_t i = 0; *out && (*out)[i]; i++)
		if (check_abs(c, (*out)[i], idx(g, sub(f, "linux", key), i)) < 0)
			return -1;
	return 0;
}

static int parse_linux_lists(const struct pctx *c, json_object *lo, struct spec_linux *l)
{
	json_object *v;
	void *items = NULL;
	int r = 0;

	if ((v = member(lo, "uidMappings"))) {
		r = parse_array(c, v, "linux.uidMappings", sizeof *l->uid_mappings, parse_idmap,
				&items, &l->n_uid_mappings);
		l->uid_mappings = steal_ptr(&items);
		if (r < 0)
			return -1;
	}
	if ((v = member(lo, "gidMappings"))) {
		r = parse_array(c, v, "linux.gidMappings", sizeof *l->gid_mappings, parse_idmap,
				&items, &l->n_gid_mappings);
		l->gid_mappings = steal_ptr(&items);
		if (r < 0)
			return -1;
	}
	if ((v = member(lo, "devices"))) {
		r = parse_array(c, v, "linux.devices", sizeof *l->devices, parse_device, &items,
				&l->n_devices);
		l->devices = steal_ptr(&items);
	}
	return r;
}

static int parse_linux(const struct pctx *c, json_object *lo, struct spec_linux *l)
{
	json_object *v;

	if (want(c, lo, json_type_object, "linux") < 0)
		return -1;
	if ((v = member(lo, "namespaces")) && parse_namespaces(c, v, l) < 0)
		return -1;
	if (parse_linux_lists(c, lo, l) < 0 ||
	    get_str(c, lo, "linux", "cgroupsPath", &l->cgroups_path) < 0 ||
	    get_str(c, lo, "linux", "mountLabel", &l->mount_label) < 0 ||
	    parse_paths(c, lo, "maskedPaths", &l->masked_paths) < 0 ||
	    parse_paths(c, lo, "readonlyPaths", &l->readonly_paths) < 0 ||
	    store_json(c, lo, "seccomp", &l->seccomp_json) < 0 ||
	    store_json(c, lo, "personality", &l->personality_json) < 0 ||
	    store_json(c, lo, "intelRdt", &l->intel_rdt_json) < 0)
		return -1;
	if ((v = member(lo, "sysctl")) && take_kv(c, v, "linux.sysctl", &l->sysctl, &l->n_sysctl) < 0)
		return -1;
	for (size_t i = 0; i < l->n_sysctl; i++)
		if (check_sysctl(c, l, l->sysctl[i].key) < 0)
			return -1;
	if ((v = member(lo, "rootfsPropagation")) && parse_propagation(c, v, l) < 0)
		return -1;
	if ((v = member(lo, "timeOffsets")) && parse_time_offsets(c, v, l) < 0)
		return -1;
	if ((v = member(lo, "resources")) && parse_resources(c, v, l) < 0)
		return -1;
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
	int r = get_str(c, top, "", "ociVersion", &s->oci_version);

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
	json_object *root = member(top, "root");
	int r;

	if (root == NULL)
		return fail(c, "root", "is required");
	if (want(c, root, json_type_object, "root") < 0)
		return -1;
	r = get_str(c, root, "root", "path", &s->root_path);
	if (r < 0)
		return -1;
	if (r == 0 || s->root_path[0] == '\0')
		return fail(c, "root.path", "is required");
	return get_bool(c, root, "root", "readonly", &s->root_readonly) < 0 ? -1 : 0;
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
	    get_str(c, top, "", "hostname", &s->hostname) < 0 ||
	    check_host_name(c, "hostname", s->hostname) < 0 ||
	    get_str(c, top, "", "domainname", &s->domainname) < 0 ||
	    check_host_name(c, "domainname", s->domainname) < 0)
		return -1;
	if ((v = member(top, "process"))) {
		s->has_process = true;
		if (parse_process_obj(c, v, "process", &s->process) < 0)
			return -1;
	}
	if ((v = member(top, "mounts"))) {
		int r = parse_array(c, v, "mounts", sizeof *s->mounts, parse_mount, &items,
				    &s->n_mounts);
		s->mounts = items;
		if (r < 0)
			return -1;
	}
	if ((v = member(top, "hooks")) && parse_hooks(c, v, s) < 0)
		return -1;
	if ((v = member(top, "annotations")) &&
	    take_kv(c, v, "annotations", &s->annotations, &s->n_annotations) < 0)
		return -1;
	if ((v = member(top, "linux")) && parse_linux(c, v, &s->linux) < 0)
		return -1;
	return check_namespaces(c, s);
}

/* ---- JSON text ---- */

static int bad_json(const char *what, size_t at, const char *why, struct ar_err *err)
{
	return ar_error(err, 0, "%s: invalid JSON at byte %zu: %s", what, at, why);
}

/* An integer literal must fit in 64 bits: json-c silently saturates. */
static int check_number(const char *s, size_t len, size_t at, const char *what,
			struct ar_err *err)
{
	size_t n = 0;
	bool integer = true;
	char buf[32];

	while (at + n < len && strchr("+-0123456789.eE", s[at + n])) {
		if (strchr(".eE", s[at + n]))
			integer = false;
		if (s[at + n] == '.' && !(at + n + 1 < len && isdigit((unsigned char)s[at + n + 1])))
			return bad_json(what, at + n, "a digit must follow `.`", err);
		n++;
	}
	if (n == 1 && s[at] == '-')
		return bad_json(what, at, "number expected", err);
	if (!integer)
		return (int)n;
	if (n < sizeof buf) {
		memcpy(buf, s + at, n);
		buf[n] = '\0';
		errno = 0;
		if (buf[0] == '-')
			(void)strtoll(buf, NULL, 10);
		else
			(void)strtoull(buf, NULL, 10);
	}
	if (n >= sizeof buf || errno == ERANGE)
		return bad_json(what, at, "integer does not fit in 64 bits", err);
	return (int)n;
}

/* json-c's strict mode still lets through a few things Go's decoder refuses:
 * single-quoted strings, NaN/Infinity, raw control characters in strings,
 * "1." — and it saturates huge integers. This pass over the already
 * well-formed text refuses them. */
static int lex_check(const char *s, size_t len, const char *what, struct ar_err *err)
{
	for (size_t i = 0; i < len;) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"') {
			for (i++; i < len && s[i] != '"'; i++) {
				if ((unsigned char)s[i] < 0x20)
					return bad_json(what, i, "control character in a string", err);
				if (s[i] == '\\')
					i++;
			}
			i++;
		} else if (ch == '-' || isdigit(ch)) {
			int n = check_number(s, len, i, what, err);
			if (n < 0)
				return -1;
			i += (size_t)n;
		} else if (ch == '\'' || ch == 'N' || ch == 'I') {
			return bad_json(what, i, "unexpected character", err);
		} else {
			i++;
		}
	}
	return 0;
}

static json_object *parse_json(const char *text, size_t len, const char *what,
			       struct ar_err *err)
{
	const char *nul = memchr(text, '\0', len);
	struct json_tokener *tok;
	enum json_tokener_error jerr;
	json_object *top;
	size_t end;

	if (nul) {
		bad_json(what, (size_t)(nul - text), "NUL byte", err);
		return NULL;
	}
	if (len > INT_MAX) {
		ar_error(err, EFBIG, "%s: too large", what);
		return NULL;
	}
	tok = json_tokener_new();
	if (tok == NULL)
		abort(); /* out of memory, as xmalloc */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	top = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (jerr == json_tokener_continue)
		bad_json(what, len, "unexpected end of data", err);
	else if (jerr != json_tokener_success)
		bad_json(what, end, json_tokener_error_desc(jerr), err);
	else if (end < len)
		bad_json(what, end, "trailing data", err);
	else if (lex_check(text, len, what, err) < 0)
		;
	else if (!json_object_is_type(top, json_type_object))
		ar_error(err, 0, "%s: the top level must be a JSON object", what);
	else
		return top;
	json_object_put(top);
	return NULL;
}

int spec_parse(const char *json, size_t len, const char *what, struct spec **out,
	       struct ar_err *err)
{
	struct pctx c = { .what = what, .err = err };
	json_object *top;
	struct spec *s;
	int r;

	ar_err_clear(err);
	top = parse_json(json, len, what, err);
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
	top = parse_json(json, len, what, err);
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

int spec_load_bundle(const char *bundle_dir, struct spec **out, struct ar_err *err)
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
	return spec_parse(text, len, "config.json", out, err);
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
	free(l->resources_json);
	free(l->resources_unsupported_what);
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
