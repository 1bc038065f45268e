/* argon — config.json parsing, the JSON layer: the typed, range-checked
 * getters and field checks every section of the parser uses, and the pass
 * over the text that refuses what json-c's strict mode lets through.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "spec_priv.h"
#include "util.h"

void spj_set_error(const struct pctx *c, const char *field, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	ar_error(c->err, 0, "%s: %s: %s", c->what, field, msg);
}

/* Field paths: "process" + "user" -> "process.user"; "mounts" + 2 -> "mounts[2]".
 * Only hostile keys make a path this long; it is cut with a visible "...". */
static const char *clip(char *buf, int n)
{
	if (n < 0 || n >= FIELD_LEN)
		strcpy(buf + FIELD_LEN - 4, "...");
	return buf;
}

const char *spj_sub(char *buf, const char *base, const char *key)
{
	return clip(buf, snprintf(buf, FIELD_LEN, "%s%s%s", base, *base ? "." : "", key));
}

const char *spj_idx(char *buf, const char *base, size_t i)
{
	return clip(buf, snprintf(buf, FIELD_LEN, "%s[%zu]", base, i));
}

/* The spj_member, or NULL when it is absent or JSON null. */
json_object *spj_member(json_object *obj, const char *key)
{
	json_object *v = NULL;

	json_object_object_get_ex(obj, key, &v);
	return v;
}

int spj_want(const struct pctx *c, json_object *v, json_type t, const char *field)
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
int spj_take_str(const struct pctx *c, json_object *v, const char *field, char **out)
{
	const char *s;

	if (spj_want(c, v, json_type_string, field) < 0)
		return -1;
	s = json_object_get_string(v);
	if (strlen(s) != (size_t)json_object_get_string_len(v))
		return fail(c, field, "must not contain a NUL byte");
	*out = xstrdup(s);
	return 0;
}

/* Getters return 1 when the member is present, 0 when absent, -1 on error. */
int spj_get_str(const struct pctx *c, json_object *obj, const char *base, const char *key,
	    char **out)
{
	char f[FIELD_LEN];
	json_object *v = spj_member(obj, key);

	if (v == NULL)
		return 0;
	return spj_take_str(c, v, spj_sub(f, base, key), out) < 0 ? -1 : 1;
}

int spj_get_bool(const struct pctx *c, json_object *obj, const char *base, const char *key,
	     bool *out)
{
	char f[FIELD_LEN];
	json_object *v = spj_member(obj, key);

	if (v == NULL)
		return 0;
	if (spj_want(c, v, json_type_boolean, spj_sub(f, base, key)) < 0)
		return -1;
	*out = json_object_get_boolean(v);
	return 1;
}

/* json-c reads integers above INT64_MAX back saturated from get_int64 and
 * negative ones as 0 from get_uint64, so both are consulted; integers beyond
 * 64 bits never get here (lex_check refuses them). Doubles such as 1.5 or
 * 1e3 are not integers, as for Go's decoder. */
int spj_take_uint(const struct pctx *c, json_object *v, const char *field, uint64_t max,
	      uint64_t *out)
{
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0 ||
	    json_object_get_uint64(v) > max)
		return fail(c, field, "must be an integer in 0..%" PRIu64, max);
	*out = json_object_get_uint64(v);
	return 0;
}

int spj_take_int(const struct pctx *c, json_object *v, const char *field, int64_t min,
	     int64_t max, int64_t *out)
{
	int64_t i = json_object_get_int64(v);

	if (!json_object_is_type(v, json_type_int) ||
	    json_object_get_uint64(v) > (uint64_t)INT64_MAX || i < min || i > max)
		return fail(c, field, "must be an integer in %" PRId64 "..%" PRId64, min, max);
	*out = i;
	return 0;
}

int spj_get_uint(const struct pctx *c, json_object *obj, const char *base, const char *key,
	     bool required, uint64_t max, uint64_t *out)
{
	char f[FIELD_LEN];
	json_object *v = spj_member(obj, key);

	spj_sub(f, base, key);
	if (v == NULL)
		return required ? fail(c, f, "is required") : 0;
	return spj_take_uint(c, v, f, max, out) < 0 ? -1 : 1;
}

int spj_get_u32(const struct pctx *c, json_object *obj, const char *base, const char *key,
	    bool required, uint32_t *out)
{
	uint64_t u;
	int r = spj_get_uint(c, obj, base, key, required, UINT32_MAX, &u);

	if (r == 1)
		*out = (uint32_t)u;
	return r;
}

int spj_take_strv(const struct pctx *c, json_object *v, const char *field, char ***out)
{
	char f[FIELD_LEN];
	size_t n;
	char **r;

	if (spj_want(c, v, json_type_array, field) < 0)
		return -1;
	n = json_object_array_length(v);
	r = xcalloc(n + 1, sizeof *r);
	for (size_t i = 0; i < n; i++) {
		if (spj_take_str(c, json_object_array_get_idx(v, i), spj_idx(f, field, i), &r[i]) < 0) {
			strv_free(r);
			return -1;
		}
	}
	*out = r;
	return 0;
}

int spj_get_strv(const struct pctx *c, json_object *obj, const char *base, const char *key,
	     char ***out)
{
	char f[FIELD_LEN];
	json_object *v = spj_member(obj, key);

	if (v == NULL)
		return 0;
	return spj_take_strv(c, v, spj_sub(f, base, key), out) < 0 ? -1 : 1;
}

/* A JSON object of strings, e.g. annotations and linux.sysctl. */
int spj_take_kv(const struct pctx *c, json_object *o, const char *field,
	    struct spec_kv **out, size_t *n)
{
	char f[FIELD_LEN];
	size_t i = 0;

	if (spj_want(c, o, json_type_object, field) < 0)
		return -1;
	*n = (size_t)json_object_object_length(o);
	*out = xcalloc(*n, sizeof **out);
	json_object_object_foreach(o, key, val) {
		spj_sub(f, field, key);
		if (val == NULL)
			return fail(c, f, "must be a string");
		if (spj_take_str(c, val, f, &(*out)[i].value) < 0)
			return -1;
		(*out)[i++].key = xstrdup(key);
	}
	return 0;
}

/* Parses a JSON array into a zeroed C array; on failure the caller frees the
 * partly filled result, so *items and *n are set before any element. */
int spj_parse_array(const struct pctx *c, json_object *a, const char *field, size_t size,
		item_fn fn, void **items, size_t *n)
{
	char f[FIELD_LEN];

	if (spj_want(c, a, json_type_array, field) < 0)
		return -1;
	*n = json_object_array_length(a);
	*items = xcalloc(*n, size);
	for (size_t i = 0; i < *n; i++)
		if (fn(c, json_object_array_get_idx(a, i), spj_idx(f, field, i),
		       (char *)*items + i * size) < 0)
			return -1;
	return 0;
}

int spj_check_abs(const struct pctx *c, const char *path, const char *field)
{
	if (path[0] != '/')
		return fail(c, field, "`%s` must be an absolute path", path);
	return 0;
}

int spj_check_env(const struct pctx *c, char *const *env, const char *field)
{
	char f[FIELD_LEN];

	for (size_t i = 0; env && env[i]; i++) {
		const char *eq = strchr(env[i], '=');
		if (eq == NULL || eq == env[i])
			return fail(c, spj_idx(f, field, i), "`%s` is not KEY=VALUE", env[i]);
	}
	return 0;
}

/* Normalises a path inside the container: relative paths are taken from /
 * (as runc does for old configs), "//" and "." collapse. ".." is refused
 * rather than resolved, so the config reads like what the runtime does. */
int spj_clean_container_path(const struct pctx *c, const char *in, const char *field,
			 char **out)
{
	*out = path_clean(in);
	if (*out == NULL)
		return fail(c, field, "`%s` must not contain `..`", in);
	return 0;
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

json_object *spj_parse_json(const char *text, size_t len, const char *what,
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
