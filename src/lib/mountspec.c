/* argon — -v, --mount and --tmpfs as docker parses them, into mount_req.
 *
 * Differences from docker, on purpose: SELinux relabel modes (z, Z) are
 * refused (argon has no SELinux labelling); --mount values are split on
 * ',' only (no CSV quoting); volume-driver/-opt/-label are unknown keys
 * (only local volumes exist). volume-nocopy (and -v's `nocopy`) are
 * accepted and have no effect. A one-character volume name is valid here
 * (docker's local driver wants two).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mountspec.h"
#include "util.h"

/* "invalid volume specification `x:y`: <why>" */
static int bad_spec(struct ar_err *err, const char *kind, const char *value, const char *fmt,
		    ...) __attribute__((format(printf, 4, 5)));

static int bad_spec(struct ar_err *err, const char *kind, const char *value, const char *fmt,
		    ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return ar_error(err, 0, "invalid %s specification `%s`: %s", kind, value, msg);
}

bool volume_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 255)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = name[i];
		bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			     (ch >= '0' && ch <= '9');
		if (!alnum && (i == 0 || (ch != '_' && ch != '.' && ch != '-')))
			return false;
	}
	return true;
}

void mount_req_free(struct mount_req *m)
{
	if (m == NULL)
		return;
	free(m->source);
	free(m->target);
	free(m->options);
	memset(m, 0, sizeof *m);
}

/* The target, absolute, with "//", "." and a trailing "/" collapsed; ".."
 * is refused rather than resolved (it reads like an escape attempt), and
 * "/" itself cannot be mounted over. Returns NULL with *why set. */
static char *clean_target(const char *in, const char **why)
{
	char *o;

	if (in[0] != '/') {
		*why = "must be an absolute path";
		return NULL;
	}
	o = path_clean(in);
	if (o == NULL)
		*why = "must not contain `..`";
	else if (strcmp(o, "/") == 0)
		*why = "must not be `/`";
	if (o == NULL || strcmp(o, "/") == 0) {
		free(o);
		return NULL;
	}
	return o;
}

static int set_target(struct mount_req *m, const char *t, const char *kind, const char *value,
		      struct ar_err *err)
{
	const char *why = NULL;

	if (t == NULL || t[0] == '\0')
		return bad_spec(err, kind, value, "the target must not be empty");
	m->target = clean_target(t, &why);
	if (m->target == NULL)
		return bad_spec(err, kind, value, "the target `%s` %s", t, why);
	return 0;
}

/* Absolute: a host path (bind); anything else names a volume. */
static int set_source(struct mount_req *m, const char *s, const char *kind, const char *value,
		      struct ar_err *err)
{
	if (s[0] == '/') {
		m->kind = MOUNT_BIND;
	} else if (!volume_name_valid(s)) {
		return bad_spec(err, kind, value,
				"`%s` includes invalid characters for a local volume name, only "
				"`[a-zA-Z0-9][a-zA-Z0-9_.-]` are allowed (at most 255); if you "
				"intended to pass a host directory, use an absolute path", s);
	} else {
		m->kind = MOUNT_VOLUME;
	}
	m->source = xstrdup(s);
	return 0;
}

/* "", ",a", "a,", "a,,b": strtok would skip these silently. */
static bool has_empty_word(const char *list)
{
	size_t n = strlen(list);

	return n == 0 || list[0] == ',' || list[n - 1] == ',' || strstr(list, ",,");
}

static bool is_propagation(const char *w)
{
	static const char *const words[] = {
		"private", "rprivate", "shared", "rshared", "slave", "rslave", NULL,
	};

	for (const char *const *p = words; *p; p++)
		if (strcmp(*p, w) == 0)
			return true;
	return false;
}

/* -v's third field: a comma list with at most one word of each group. */
static int volume_modes(struct mount_req *m, char *modes, const char *value,
			struct ar_err *err)
{
	bool rw_seen = false, nocopy_seen = false;
	char *save = NULL;

	if (has_empty_word(modes))
		return bad_spec(err, "volume", value, "empty mode");
	for (char *w = strtok_r(modes, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		bool *seen = NULL;
		if (strcmp(w, "ro") == 0 || strcmp(w, "rw") == 0) {
			seen = &rw_seen;
			m->readonly = w[1] == 'o';
		} else if (strcmp(w, "nocopy") == 0) {
			if (m->kind != MOUNT_VOLUME)
				return bad_spec(err, "volume", value, "`%s` applies to volumes only", w);
			seen = &nocopy_seen;
		} else if (is_propagation(w)) {
			if (m->kind != MOUNT_BIND)
				return bad_spec(err, "volume", value,
						"`%s` applies to bind mounts only", w);
			if (m->options)
				return bad_spec(err, "volume", value, "conflicting modes `%s`", w);
			m->options = xstrdup(w);
		} else if (strcmp(w, "z") == 0 || strcmp(w, "Z") == 0) {
			return bad_spec(err, "volume", value,
					"SELinux relabelling (`%s`) is not supported", w);
		} else {
			return bad_spec(err, "volume", value, "invalid mode `%s`", w);
		}
		if (seen && *seen)
			return bad_spec(err, "volume", value, "conflicting modes `%s`", w);
		if (seen)
			*seen = true;
	}
	return 0;
}

/* -v [SOURCE:]TARGET[:MODES] */
int mountspec_parse_volume(const char *s, struct mount_req *out, struct ar_err *err)
{
	struct mount_req m = { .kind = MOUNT_VOLUME };
	_cleanup_free_ char *copy = xstrdup(s);
	char *part[3] = { NULL, NULL, NULL };
	size_t n = 0;
	int r = 0;

	for (char *p = copy; p; n++) {
		if (n == 3)
			return bad_spec(err, "volume", s, "too many colons");
		part[n] = p;
		p = strchr(p, ':');
		if (p)
			*p++ = '\0';
	}
	if (n == 1) {
		r = set_target(&m, part[0], "volume", s, err); /* anonymous volume */
	} else {
		if (part[0][0] == '\0')
			r = bad_spec(err, "volume", s, "the source must not be empty");
		if (r == 0)
			r = set_source(&m, part[0], "volume", s, err);
		if (r == 0)
			r = set_target(&m, part[1], "volume", s, err);
		if (r == 0 && n == 3)
			r = volume_modes(&m, part[2], s, err);
	}
	if (r < 0) {
		mount_req_free(&m);
		return -1;
	}
	*out = m;
	return 0;
}

/* ---- --mount ---- */

struct mount_fields {
	const char *type, *source, *target, *propagation;
	bool readonly, has_size, has_mode;
	uint64_t size;		/* bytes */
	unsigned long mode;
	const char *bind_key, *volume_key, *tmpfs_key; /* a key of each family seen */
};

static int parse_bool(const char *v, bool *out)
{
	if (v == NULL || strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
		*out = true;
	else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
		*out = false;
	else
		return -1;
	return 0;
}

static int parse_mode(const char *v, unsigned long *out)
{
	char *end;

	if (v[0] < '0' || v[0] > '7')
		return -1;
	errno = 0;
	*out = strtoul(v, &end, 8);
	return errno || *end || *out > 07777 ? -1 : 0;
}

/* docker's RAMInBytes: "64m", "1.5g", "512 KiB", "1024"; binary units. */
static int parse_ram_bytes(const char *v, uint64_t *out)
{
	static const char units[] = "kmgtp";
	uint64_t whole = 0, frac = 0, scale = 1, mult = 1;
	const char *p = v, *u;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++)
		if (__builtin_mul_overflow(whole, 10, &whole) ||
		    __builtin_add_overflow(whole, (uint64_t)(*p - '0'), &whole))
			return -1;
	if (*p == '.') {
		if (p[1] < '0' || p[1] > '9')
			return -1;
		for (p++; *p >= '0' && *p <= '9'; p++)
			if (scale < 1000000000) { /* further digits are below a byte */
				frac = frac * 10 + (uint64_t)(*p - '0');
				scale *= 10;
			}
	}
	if (*p == ' ')
		p++;
	if (*p && (u = strchr(units, *p | 0x20)) != NULL) {
		for (const char *q = units; q <= u; q++)
			mult *= 1024;
		p++;
		if (*p == 'i' || *p == 'I')
			p++;
	}
	if (*p == 'b' || *p == 'B')
		p++;
	/* frac < 10^9 and mult <= 2^50: the product needs 128 bits. */
	if (*p || __builtin_mul_overflow(whole, mult, out) ||
	    __builtin_add_overflow(*out, (uint64_t)((unsigned __int128)frac * mult / scale), out))
		return -1;
	return 0;
}

/* One key[=value] of --mount into f; `value` is the whole flag. */
static int mount_field(struct mount_fields *f, const char *key, const char *v,
		       const char *value, struct ar_err *err)
{
	if (v == NULL && strcmp(key, "readonly") && strcmp(key, "ro") &&
	    strcmp(key, "volume-nocopy"))
		return bad_spec(err, "mount", value, "field `%s` must be a key=value pair", key);
	if (strcmp(key, "type") == 0) {
		f->type = v;
	} else if (strcmp(key, "source") == 0 || strcmp(key, "src") == 0) {
		f->source = v;
	} else if (strcmp(key, "target") == 0 || strcmp(key, "destination") == 0 ||
		   strcmp(key, "dst") == 0) {
		f->target = v;
	} else if (strcmp(key, "readonly") == 0 || strcmp(key, "ro") == 0) {
		if (parse_bool(v, &f->readonly) < 0)
			return bad_spec(err, "mount", value, "invalid value for `%s`: `%s`", key, v);
	} else if (strcmp(key, "bind-propagation") == 0) {
		if (!is_propagation(v))
			return bad_spec(err, "mount", value, "invalid bind propagation `%s`", v);
		f->propagation = v;
		f->bind_key = key;
	} else if (strcmp(key, "volume-nocopy") == 0) {
		bool ignored;
		if (parse_bool(v, &ignored) < 0)
			return bad_spec(err, "mount", value, "invalid value for `%s`: `%s`", key, v);
		f->volume_key = key;
	} else if (strcmp(key, "tmpfs-size") == 0) {
		if (parse_ram_bytes(v, &f->size) < 0)
			return bad_spec(err, "mount", value, "invalid tmpfs size `%s`", v);
		f->has_size = true;
		f->tmpfs_key = key;
	} else if (strcmp(key, "tmpfs-mode") == 0) {
		if (parse_mode(v, &f->mode) < 0)
			return bad_spec(err, "mount", value, "invalid tmpfs mode `%s` (octal, at most 7777)", v);
		f->has_mode = true;
		f->tmpfs_key = key;
	} else if (strcmp(key, "consistency") != 0) { /* docker ignores it on Linux */
		return bad_spec(err, "mount", value, "unexpected key `%s`", key);
	}
	return 0;
}

/* Options only one type takes: docker's "cannot mix" check. */
static int mount_check_mix(const struct mount_fields *f, enum mount_kind kind,
			   const char *value, struct ar_err *err)
{
	const char *k = kind != MOUNT_BIND && f->bind_key	  ? f->bind_key
			: kind != MOUNT_VOLUME && f->volume_key ? f->volume_key
			: kind != MOUNT_TMPFS && f->tmpfs_key	  ? f->tmpfs_key
								  : NULL;

	if (k)
		return bad_spec(err, "mount", value, "cannot mix `%s` with mount type `%s`", k,
				f->type ? f->type : "volume");
	return 0;
}

static int mount_build(const struct mount_fields *f, struct mount_req *m, const char *value,
		       struct ar_err *err)
{
	const char *t = f->type ? f->type : "volume";

	if (strcmp(t, "bind") == 0)
		m->kind = MOUNT_BIND;
	else if (strcmp(t, "volume") == 0)
		m->kind = MOUNT_VOLUME;
	else if (strcmp(t, "tmpfs") == 0)
		m->kind = MOUNT_TMPFS;
	else
		return bad_spec(err, "mount", value, "unsupported mount type `%s`", t);
	if (mount_check_mix(f, m->kind, value, err) < 0)
		return -1;
	if (f->target == NULL)
		return bad_spec(err, "mount", value, "target is required");
	if (set_target(m, f->target, "mount", value, err) < 0)
		return -1;
	m->readonly = f->readonly;
	if (m->kind == MOUNT_TMPFS) {
		if (f->source && f->source[0])
			return bad_spec(err, "mount", value, "a tmpfs mount takes no source");
		/* Whole KiB, rounded up; size 0 means no limit, as in docker. */
		if (f->has_size && f->size && f->has_mode)
			m->options = xasprintf("size=%" PRIu64 "k,mode=%lo", (f->size + 1023) / 1024, f->mode);
		else if (f->has_size && f->size)
			m->options = xasprintf("size=%" PRIu64 "k", (f->size + 1023) / 1024);
		else if (f->has_mode)
			m->options = xasprintf("mode=%lo", f->mode);
		return 0;
	}
	if (f->source == NULL || f->source[0] == '\0') {
		if (m->kind == MOUNT_BIND)
			return bad_spec(err, "mount", value, "source is required for a bind mount");
		return 0; /* anonymous volume */
	}
	if (m->kind == MOUNT_BIND && f->source[0] != '/')
		return bad_spec(err, "mount", value, "the bind source `%s` must be an absolute path",
				f->source);
	if (m->kind == MOUNT_VOLUME && (f->source[0] == '/' || !volume_name_valid(f->source)))
		return bad_spec(err, "mount", value, "invalid volume name `%s`", f->source);
	m->source = xstrdup(f->source);
	if (f->propagation)
		m->options = xstrdup(f->propagation);
	return 0;
}

/* --mount key=value,...: later keys win, as in docker. */
int mountspec_parse_mount(const char *s, struct mount_req *out, struct ar_err *err)
{
	_cleanup_free_ char *copy = xstrdup(s);
	struct mount_fields f = { 0 };
	struct mount_req m = { 0 };
	char *p = copy;

	for (;;) {
		char *comma = strchr(p, ',');
		char *eq;
		if (comma)
			*comma = '\0';
		eq = strchr(p, '=');
		if (eq)
			*eq = '\0';
		if (*p == '\0')
			return bad_spec(err, "mount", s, "empty field");
		if (mount_field(&f, p, eq ? eq + 1 : NULL, s, err) < 0)
			return -1;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	if (mount_build(&f, &m, s, err) < 0) {
		mount_req_free(&m);
		return -1;
	}
	*out = m;
	return 0;
}

/* ---- --tmpfs ---- */

/* digits with an optional suffix from `suffixes` */
static bool number_with_suffix(const char *v, const char *suffixes)
{
	uint64_t n;
	size_t len = strlen(v);
	_cleanup_free_ char *num = xstrdup(v);

	if (len > 1 && strchr(suffixes, v[len - 1]))
		num[len - 1] = '\0';
	return parse_u64(num, &n) == 0;
}

static int tmpfs_option(struct mount_req *m, const char *w, const char *value,
			struct ar_err *err)
{
	static const char *const flags[] = {
		"noexec", "nosuid", "nodev", "exec", "suid", "dev", NULL,
	};
	unsigned long mode;
	bool ok = false;
	char *o;

	if (strcmp(w, "ro") == 0 || strcmp(w, "rw") == 0) {
		m->readonly = w[1] == 'o';
		return 0;
	}
	for (const char *const *f = flags; *f; f++)
		ok = ok || strcmp(*f, w) == 0;
	if (strncmp(w, "size=", 5) == 0)
		ok = number_with_suffix(w + 5, "kKmMgG%");
	else if (strncmp(w, "nr_inodes=", 10) == 0)
		ok = number_with_suffix(w + 10, "kKmMgG");
	else if (strncmp(w, "mode=", 5) == 0)
		ok = parse_mode(w + 5, &mode) == 0;
	if (!ok)
		return bad_spec(err, "tmpfs", value, "invalid option `%s`", w);
	o = m->options ? xasprintf("%s,%s", m->options, w) : xstrdup(w);
	free(m->options);
	m->options = o;
	return 0;
}

/* --tmpfs TARGET[:OPT,OPT...]; ro/rw go to `readonly`, the rest pass on. */
int mountspec_parse_tmpfs(const char *s, struct mount_req *out, struct ar_err *err)
{
	_cleanup_free_ char *copy = xstrdup(s);
	struct mount_req m = { .kind = MOUNT_TMPFS };
	char *opts = strchr(copy, ':');
	int r;

	if (opts)
		*opts++ = '\0';
	r = set_target(&m, copy, "tmpfs", s, err);
	if (r == 0 && opts) {
		char *save = NULL;
		if (has_empty_word(opts))
			r = bad_spec(err, "tmpfs", s, "empty option");
		for (char *w = strtok_r(opts, ",", &save); r == 0 && w;
		     w = strtok_r(NULL, ",", &save))
			r = tmpfs_option(&m, w, s, err);
	}
	if (r < 0) {
		mount_req_free(&m);
		return -1;
	}
	*out = m;
	return 0;
}
