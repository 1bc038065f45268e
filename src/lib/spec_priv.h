/* argon — internals shared by the config.json parser: spec.c (top level,
 * process, hooks), spec_json.c (JSON text, typed getters, field checks),
 * spec_mount.c (mounts) and spec_linux.c (the linux object). Not installed.
 */
#ifndef ARGON_SPEC_PRIV_H
#define ARGON_SPEC_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "error.h"
#include "spec.h"

/* Room for a field path such as "linux.resources.devices[12]". */
#define FIELD_LEN 256

/* Parse context: what the input is called, where errors go. */
struct pctx {
	const char *what;
	struct ar_err *err;
};

void spj_set_error(const struct pctx *c, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Records "<what>: <field>: <message>" and evaluates to -1, visibly to the
 * compiler and the static analyser, so `return fail(...)` reads as it acts. */
#define fail(...) (spj_set_error(__VA_ARGS__), -1)

/* ---- spec_json.c ---- */

/* The text as a JSON object, after the checks json-c's strict mode misses;
 * NULL with err set otherwise. The caller puts the result. */
json_object *spj_parse_json(const char *text, size_t len, const char *what,
			struct ar_err *err);

/* Field paths into buf[FIELD_LEN]: base.key and base[i]. */
const char *spj_sub(char *buf, const char *base, const char *key);
const char *spj_idx(char *buf, const char *base, size_t i);
/* The spj_member, or NULL when it is absent or JSON null. */
json_object *spj_member(json_object *obj, const char *key);
int spj_want(const struct pctx *c, json_object *v, json_type t, const char *field);

/* take_*: convert a present value. get_*: look up obj.key and return 1 when
 * it is present, 0 when absent, -1 on error. */
int spj_take_str(const struct pctx *c, json_object *v, const char *field, char **out);
int spj_get_str(const struct pctx *c, json_object *obj, const char *base, const char *key,
	    char **out);
int spj_get_bool(const struct pctx *c, json_object *obj, const char *base, const char *key,
	     bool *out);
int spj_take_uint(const struct pctx *c, json_object *v, const char *field, uint64_t max,
	      uint64_t *out);
int spj_take_int(const struct pctx *c, json_object *v, const char *field, int64_t min,
	     int64_t max, int64_t *out);
int spj_get_uint(const struct pctx *c, json_object *obj, const char *base, const char *key,
	     bool required, uint64_t max, uint64_t *out);
int spj_get_u32(const struct pctx *c, json_object *obj, const char *base, const char *key,
	    bool required, uint32_t *out);
int spj_take_strv(const struct pctx *c, json_object *v, const char *field, char ***out);
int spj_get_strv(const struct pctx *c, json_object *obj, const char *base, const char *key,
	     char ***out);
/* A JSON object of strings, e.g. annotations and linux.sysctl. */
int spj_take_kv(const struct pctx *c, json_object *o, const char *field,
	    struct spec_kv **out, size_t *n);

typedef int (*item_fn)(const struct pctx *c, json_object *o, const char *field, void *item);

/* A JSON array into a zeroed C array of `size`-byte items filled by fn; on
 * failure the caller frees the partly filled *items (*n items). */
int spj_parse_array(const struct pctx *c, json_object *a, const char *field, size_t size,
		item_fn fn, void **items, size_t *n);

int spj_check_abs(const struct pctx *c, const char *path, const char *field);
int spj_check_env(const struct pctx *c, char *const *env, const char *field);
/* A path inside the container, normalised from /; `..` is refused. */
int spj_clean_container_path(const struct pctx *c, const char *in, const char *field,
			 char **out);

/* ---- spec_mount.c ---- */

enum mopt_kind { MOPT_NOP, MOPT_SET, MOPT_CLEAR, MOPT_PROP, MOPT_BIND, MOPT_TMPCOPYUP };

struct mount_opt {
	const char *name;
	enum mopt_kind kind;
	unsigned long flag;
};

/* The meaning of a mount option word, or NULL when it is fs data. */
const struct mount_opt *spj_find_mount_opt(const char *word);
/* One element of "mounts" (an item_fn filling a struct spec_mount). */
int spj_parse_mount(const struct pctx *c, json_object *o, const char *field, void *item);

/* ---- spec_linux.c ---- */

int spj_parse_linux(const struct pctx *c, json_object *lo, struct spec_linux *l);

#endif
