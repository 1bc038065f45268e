/* argon — linux.resources as typed data: the job object's limits, parsed and
 * validated once so both cgroup backends only translate.
 *
 * Follows the OCI runtime spec (config-linux.md) and runc: JSON null counts
 * as absent, unknown keys are ignored, known keys with the wrong type are
 * errors naming the field path. Where runc reads 0 as "unset" (cpu.shares,
 * blockIO weights) the value is stored as not set, so a set value is always
 * in the kernel's range.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "resources.h"
#include "spec_priv.h"
#include "util.h"

#define BASE "linux.resources"

/* ---- typed members ---- */

/* Getters return 1 when the member is present, 0 when absent, -1 on error. */
static int get_i64(const struct pctx *c, json_object *o, const char *base, const char *key,
		   int64_t min, int64_t max, struct res_i64 *out)
{
	char f[FIELD_LEN];
	json_object *v = spj_member(o, key);

	if (v == NULL)
		return 0;
	if (spj_take_int(c, v, spj_sub(f, base, key), min, max, &out->v) < 0)
		return -1;
	out->set = true;
	return 1;
}

static int get_u64(const struct pctx *c, json_object *o, const char *base, const char *key,
		   uint64_t max, struct res_u64 *out)
{
	char f[FIELD_LEN];
	json_object *v = spj_member(o, key);

	if (v == NULL)
		return 0;
	if (spj_take_uint(c, v, spj_sub(f, base, key), max, &out->v) < 0)
		return -1;
	out->set = true;
	return 1;
}

static int get_required_i64(const struct pctx *c, json_object *o, const char *base,
			    const char *key, int64_t min, int64_t *out)
{
	char f[FIELD_LEN];
	struct res_i64 v = { 0 };
	int r = get_i64(c, o, base, key, min, INT64_MAX, &v);

	if (r == 0)
		return fail(c, spj_sub(f, base, key), "is required");
	*out = v.v;
	return r < 0 ? -1 : 0;
}

/* blkio weights: 10..1000, with 0 meaning "unset" as in runc. */
static int get_blkio_weight(const struct pctx *c, json_object *o, const char *base,
			    const char *key, struct res_u64 *out)
{
	char f[FIELD_LEN];
	int r = get_u64(c, o, base, key, 1000, out);

	if (r <= 0)
		return r;
	if (out->v == 0)
		out->set = false;
	else if (out->v < 10)
		return fail(c, spj_sub(f, base, key),
			    "must be 0 (unset) or in 10..1000, not %" PRIu64, out->v);
	return 1;
}

/* kernel and kernelTCP: cgroups dropped kernel memory limits; a config that
 * still sets one must not believe it is enforced. */
static int check_removed(const struct pctx *c, json_object *o, const char *base,
			 const char *key)
{
	char f[FIELD_LEN];
	struct res_i64 v = { 0 };

	if (get_i64(c, o, base, key, INT64_MIN, INT64_MAX, &v) < 0)
		return -1;
	if (v.set && v.v != 0)
		return fail(c, spj_sub(f, base, key),
			    "is not supported (kernel memory limits were removed from cgroups)");
	return 0;
}

/* ---- memory ---- */

static int get_flag(const struct pctx *c, json_object *o, const char *base, const char *key,
		    bool *val, bool *has)
{
	int r = spj_get_bool(c, o, base, key, val);

	if (has)
		*has = r == 1;
	return r < 0 ? -1 : 0;
}

static int parse_memory(const struct pctx *c, json_object *o, struct resources *res)
{
	static const char b[] = BASE ".memory";
	typeof(res->memory) *m = &res->memory;

	if (spj_want(c, o, json_type_object, b) < 0)
		return -1;
	if (get_i64(c, o, b, "limit", -1, INT64_MAX, &m->limit) < 0 ||
	    get_i64(c, o, b, "reservation", -1, INT64_MAX, &m->reservation) < 0 ||
	    get_i64(c, o, b, "swap", -1, INT64_MAX, &m->swap) < 0 ||
	    get_u64(c, o, b, "swappiness", 100, &m->swappiness) < 0 ||
	    get_flag(c, o, b, "disableOOMKiller", &m->disable_oom_killer,
		     &m->has_disable_oom_killer) < 0 ||
	    get_flag(c, o, b, "useHierarchy", &m->use_hierarchy, &m->has_use_hierarchy) < 0 ||
	    get_flag(c, o, b, "checkBeforeUpdate", &m->check_before_update, NULL) < 0 ||
	    check_removed(c, o, b, "kernel") < 0 || check_removed(c, o, b, "kernelTCP") < 0)
		return -1;
	/* swap is memory+swap (v1 semantics); 0 is runc's "unset". */
	if (m->swap.set && m->limit.set && m->swap.v > 0 && m->swap.v < m->limit.v)
		return fail(c, BASE ".memory.swap",
			    "must be >= memory.limit (it is memory+swap): %" PRId64 " < %" PRId64,
			    m->swap.v, m->limit.v);
	return 0;
}

/* ---- cpu ---- */

static const char *parse_cpuset_number(const char *p, unsigned long *out)
{
	unsigned long n = 0;
	const char *start = p;

	while (*p >= '0' && *p <= '9' && p - start < 9)
		n = n * 10 + (unsigned long)(*p++ - '0');
	if (p == start || (*p >= '0' && *p <= '9'))
		return NULL;
	*out = n;
	return p;
}

/* The kernel's list format without strides: "0", "0-3", "0,2-5". */
static bool cpuset_list_valid(const char *s)
{
	const char *p = s;

	for (;;) {
		unsigned long lo, hi;
		p = parse_cpuset_number(p, &lo);
		if (p == NULL)
			return false;
		if (*p == '-') {
			p = parse_cpuset_number(p + 1, &hi);
			if (p == NULL || hi < lo)
				return false;
		}
		if (*p == '\0')
			return true;
		if (*p++ != ',')
			return false;
	}
}

static int get_cpuset(const struct pctx *c, json_object *o, const char *base, const char *key,
		      char **out)
{
	char f[FIELD_LEN];
	int r = spj_get_str(c, o, base, key, out);

	if (r <= 0)
		return r;
	if (**out == '\0') {
		/* Go's decoder cannot tell "" from absent; runc leaves it unset. */
		free(steal_ptr(out));
		return 0;
	}
	if (!cpuset_list_valid(*out))
		return fail(c, spj_sub(f, base, key),
			    "`%s` is not a CPU/node list such as `0-3,5`", *out);
	return 1;
}

static int parse_cpu(const struct pctx *c, json_object *o, struct resources *res)
{
	static const char b[] = BASE ".cpu";
	typeof(res->cpu) *cpu = &res->cpu;

	if (spj_want(c, o, json_type_object, b) < 0)
		return -1;
	if (get_u64(c, o, b, "shares", UINT64_MAX, &cpu->shares) < 0 ||
	    get_i64(c, o, b, "quota", -1, INT64_MAX, &cpu->quota) < 0 ||
	    get_u64(c, o, b, "period", UINT64_MAX, &cpu->period) < 0 ||
	    get_i64(c, o, b, "realtimeRuntime", -1, INT64_MAX, &cpu->realtime_runtime) < 0 ||
	    get_u64(c, o, b, "realtimePeriod", UINT64_MAX, &cpu->realtime_period) < 0 ||
	    get_u64(c, o, b, "burst", UINT64_MAX, &cpu->burst) < 0 ||
	    get_i64(c, o, b, "idle", 0, 1, &cpu->idle) < 0 ||
	    get_cpuset(c, o, b, "cpus", &cpu->cpus) < 0 ||
	    get_cpuset(c, o, b, "mems", &cpu->mems) < 0)
		return -1;
	if (cpu->shares.set && cpu->shares.v == 0)
		cpu->shares.set = false;
	return 0;
}

static int parse_pids(const struct pctx *c, json_object *o, struct resources *res)
{
	if (spj_want(c, o, json_type_object, BASE ".pids") < 0)
		return -1;
	return get_i64(c, o, BASE ".pids", "limit", INT64_MIN, INT64_MAX, &res->pids.limit) < 0
		       ? -1 : 0;
}

/* ---- blockIO ---- */

static int parse_weight_dev(const struct pctx *c, json_object *o, const char *field, void *item)
{
	struct res_blkio_dev *d = item;

	if (spj_want(c, o, json_type_object, field) < 0 ||
	    get_required_i64(c, o, field, "major", 0, &d->major) < 0 ||
	    get_required_i64(c, o, field, "minor", 0, &d->minor) < 0 ||
	    get_blkio_weight(c, o, field, "weight", &d->weight) < 0 ||
	    get_blkio_weight(c, o, field, "leafWeight", &d->leaf_weight) < 0)
		return -1;
	return 0;
}

static int parse_throttle_dev(const struct pctx *c, json_object *o, const char *field,
			      void *item)
{
	struct res_blkio_dev *d = item;
	struct res_u64 rate = { 0 };
	char f[FIELD_LEN];
	int r;

	if (spj_want(c, o, json_type_object, field) < 0 ||
	    get_required_i64(c, o, field, "major", 0, &d->major) < 0 ||
	    get_required_i64(c, o, field, "minor", 0, &d->minor) < 0)
		return -1;
	r = get_u64(c, o, field, "rate", UINT64_MAX, &rate);
	if (r == 0)
		return fail(c, spj_sub(f, field, "rate"), "is required");
	d->rate = rate.v;
	return r < 0 ? -1 : 0;
}

static int parse_dev_list(const struct pctx *c, json_object *o, const char *key, item_fn fn,
			  struct res_blkio_dev **list, size_t *n)
{
	char f[FIELD_LEN];
	json_object *a = spj_member(o, key);
	void *items = NULL;
	int r;

	if (a == NULL)
		return 0;
	r = spj_parse_array(c, a, spj_sub(f, BASE ".blockIO", key), sizeof **list, fn, &items, n);
	*list = items;
	return r;
}

static int parse_blkio(const struct pctx *c, json_object *o, struct resources *res)
{
	static const char b[] = BASE ".blockIO";
	static const char *const throttle_keys[] = {
		[RES_THROTTLE_READ_BPS] = "throttleReadBpsDevice",
		[RES_THROTTLE_WRITE_BPS] = "throttleWriteBpsDevice",
		[RES_THROTTLE_READ_IOPS] = "throttleReadIOPSDevice",
		[RES_THROTTLE_WRITE_IOPS] = "throttleWriteIOPSDevice",
	};
	typeof(res->blkio) *bio = &res->blkio;

	if (spj_want(c, o, json_type_object, b) < 0 ||
	    get_blkio_weight(c, o, b, "weight", &bio->weight) < 0 ||
	    get_blkio_weight(c, o, b, "leafWeight", &bio->leaf_weight) < 0 ||
	    parse_dev_list(c, o, "weightDevice", parse_weight_dev, &bio->weight_device,
			   &bio->n_weight_device) < 0)
		return -1;
	for (size_t t = 0; t < 4; t++)
		if (parse_dev_list(c, o, throttle_keys[t], parse_throttle_dev, &bio->throttle[t],
				   &bio->n_throttle[t]) < 0)
			return -1;
	return 0;
}

/* ---- hugepageLimits ---- */

/* The size part of hugetlb.<size>.limit_in_bytes: "64KB", "2MB", "1GB". */
static bool pagesize_valid(const char *s)
{
	static const char *const units[] = { "KB", "MB", "GB", "TB" };
	size_t digits = strspn(s, "0123456789");

	if (digits == 0 || digits > 9 || s[0] == '0')
		return false;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcmp(s + digits, units[i]) == 0)
			return true;
	return false;
}

static int parse_hugepage(const struct pctx *c, json_object *o, const char *field, void *item)
{
	struct res_hugepage *h = item;
	struct res_u64 limit = { 0 };
	char f[FIELD_LEN];
	int r;

	if (spj_want(c, o, json_type_object, field) < 0)
		return -1;
	r = spj_get_str(c, o, field, "pageSize", &h->pagesize);
	spj_sub(f, field, "pageSize");
	if (r == 0)
		return fail(c, f, "is required");
	if (r < 0)
		return -1;
	if (!pagesize_valid(h->pagesize))
		return fail(c, f, "`%s` is not a page size such as `2MB` or `1GB`", h->pagesize);
	r = get_u64(c, o, field, "limit", UINT64_MAX, &limit);
	if (r == 0)
		return fail(c, spj_sub(f, field, "limit"), "is required");
	h->limit = limit.v;
	return r < 0 ? -1 : 0;
}

static int parse_hugepages(const struct pctx *c, json_object *a, struct resources *res)
{
	void *items = NULL;
	int r = spj_parse_array(c, a, BASE ".hugepageLimits", sizeof *res->hugepages,
				parse_hugepage, &items, &res->n_hugepages);

	res->hugepages = items;
	return r;
}

/* ---- unified ---- */

/* "<controller>.<file>" naming a file of the container's own cgroup
 * directory: no path separators, nothing hidden. */
static bool unified_key_valid(const char *k)
{
	const char *dot = strchr(k, '.');

	return k[0] != '.' && dot && dot[1] != '\0' && strchr(k, '/') == NULL;
}

static int parse_unified(const struct pctx *c, json_object *o, struct resources *res)
{
	static const char b[] = BASE ".unified";
	char f[FIELD_LEN];

	if (spj_want(c, o, json_type_object, b) < 0)
		return -1;
	res->unified = xcalloc((size_t)json_object_object_length(o), sizeof *res->unified);
	json_object_object_foreach(o, key, val) {
		struct res_kv *kv = &res->unified[res->n_unified];
		spj_sub(f, b, key);
		if (!unified_key_valid(key))
			return fail(c, b, "`%s` is not a cgroup file name such as `memory.high`",
				    key);
		if (val == NULL)
			return fail(c, f, "must be a string");
		if (spj_take_str(c, val, f, &kv->value) < 0)
			return -1;
		kv->key = xstrdup(key);
		res->n_unified++;
	}
	return 0;
}

/* ---- devices ---- */

/* Normalises an access string to "rwm" order; each letter at most once. */
static bool device_access_norm(const char *in, char out[4])
{
	static const char order[] = "rwm";
	bool seen[3] = { false, false, false };
	size_t n = 0;

	for (const char *p = in; *p; p++) {
		const char *at = strchr(order, *p);
		if (at == NULL || seen[at - order])
			return false;
		seen[at - order] = true;
	}
	for (size_t i = 0; i < 3; i++)
		if (seen[i])
			out[n++] = order[i];
	out[n] = '\0';
	return true;
}

static int device_type_and_access(const struct pctx *c, json_object *o, const char *field,
				  struct res_device_rule *d)
{
	_cleanup_free_ char *type = NULL, *access = NULL;
	char f[FIELD_LEN];

	/* "" reads as absent: Go's decoder (runc) cannot tell them apart. */
	if (spj_get_str(c, o, field, "type", &type) < 0)
		return -1;
	if (type == NULL || type[0] == '\0')
		d->type = 'a';
	else if (strlen(type) == 1 && strchr("acb", type[0]))
		d->type = type[0];
	else
		return fail(c, spj_sub(f, field, "type"), "`%s` is not `a`, `c` or `b`", type);
	if (spj_get_str(c, o, field, "access", &access) < 0)
		return -1;
	if (access == NULL || access[0] == '\0')
		strcpy(d->access, "rwm");
	else if (!device_access_norm(access, d->access))
		return fail(c, spj_sub(f, field, "access"),
			    "`%s` is not a combination of `r`, `w` and `m`", access);
	return 0;
}

static int parse_device_rule(const struct pctx *c, json_object *o, const char *field,
			     void *item)
{
	struct res_device_rule *d = item;
	struct res_i64 major = { 0 }, minor = { 0 };
	char f[FIELD_LEN];
	int r;

	if (spj_want(c, o, json_type_object, field) < 0)
		return -1;
	r = spj_get_bool(c, o, field, "allow", &d->allow);
	if (r == 0)
		return fail(c, spj_sub(f, field, "allow"), "is required");
	if (r < 0 || device_type_and_access(c, o, field, d) < 0 ||
	    get_i64(c, o, field, "major", -1, INT64_MAX, &major) < 0 ||
	    get_i64(c, o, field, "minor", -1, INT64_MAX, &minor) < 0)
		return -1;
	d->major = major.set ? major.v : -1;
	d->minor = minor.set ? minor.v : -1;
	return 0;
}

static int parse_devices(const struct pctx *c, json_object *a, struct resources *res)
{
	void *items = NULL;
	int r = spj_parse_array(c, a, BASE ".devices", sizeof *res->devices, parse_device_rule,
				&items, &res->n_devices);

	res->devices = items;
	return r;
}

/* ---- the whole object ---- */

/* network (net_cls/net_prio) and rdma exist only on cgroup v1 and argon does
 * not apply them; refusing beats pretending. Empty objects ask nothing. */
static int refuse_nonempty(const struct pctx *c, json_object *top, const char *key)
{
	char f[FIELD_LEN];
	json_object *v = spj_member(top, key);

	spj_sub(f, BASE, key);
	if (v == NULL)
		return 0;
	if (spj_want(c, v, json_type_object, f) < 0)
		return -1;
	if (json_object_object_length(v) > 0)
		return ar_error(c->err, 0, "%s: %s is not supported", c->what, f);
	return 0;
}

typedef int (*section_fn)(const struct pctx *c, json_object *o, struct resources *res);

static int parse_sections(const struct pctx *c, json_object *top, struct resources *res)
{
	static const struct {
		const char *key;
		section_fn fn;
	} sections[] = {
		{ "memory", parse_memory },	{ "cpu", parse_cpu },
		{ "pids", parse_pids },		{ "blockIO", parse_blkio },
		{ "hugepageLimits", parse_hugepages }, { "unified", parse_unified },
		{ "devices", parse_devices },
	};

	for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++) {
		json_object *v = spj_member(top, sections[i].key);
		if (v && sections[i].fn(c, v, res) < 0)
			return -1;
	}
	if (refuse_nonempty(c, top, "network") < 0 || refuse_nonempty(c, top, "rdma") < 0)
		return -1;
	return 0;
}

/* Something beyond device rules: a set number, a true flag, a cpuset, a
 * non-empty list. Explicit false flags and 0 weights ask for nothing. */
static bool asks_for_limit(const struct resources *r)
{
	bool any = r->memory.limit.set || r->memory.reservation.set || r->memory.swap.set ||
		   r->memory.swappiness.set || r->memory.disable_oom_killer ||
		   r->memory.use_hierarchy;

	any = any || r->cpu.shares.set || r->cpu.quota.set || r->cpu.period.set ||
	      r->cpu.realtime_runtime.set || r->cpu.realtime_period.set || r->cpu.burst.set ||
	      r->cpu.idle.set || r->cpu.cpus || r->cpu.mems;
	any = any || r->pids.limit.set || r->blkio.weight.set || r->blkio.leaf_weight.set ||
	      r->blkio.n_weight_device > 0;
	for (size_t t = 0; t < 4; t++)
		any = any || r->blkio.n_throttle[t] > 0;
	return any || r->n_hugepages > 0 || r->n_unified > 0;
}

int resources_from_object(struct json_object *top, const char *what, struct resources *out,
			  struct ar_err *err)
{
	struct pctx c = { .what = what, .err = err };

	memset(out, 0, sizeof *out);
	if (parse_sections(&c, top, out) < 0) {
		resources_free(out);
		return -1;
	}
	out->any_limit = asks_for_limit(out);
	return 0;
}

int resources_parse(const char *json, size_t len, const char *what, struct resources *out,
		    struct ar_err *err)
{
	json_object *top;
	int r;

	memset(out, 0, sizeof *out);
	top = spj_parse_json(json, len, what, err);
	if (top == NULL)
		return -1;
	r = resources_from_object(top, what, out, err);
	json_object_put(top);
	return r;
}

void resources_free(struct resources *r)
{
	if (r == NULL)
		return;
	free(r->cpu.cpus);
	free(r->cpu.mems);
	free(r->blkio.weight_device);
	for (size_t t = 0; t < 4; t++)
		free(r->blkio.throttle[t]);
	for (size_t i = 0; i < r->n_hugepages; i++)
		free(r->hugepages[i].pagesize);
	free(r->hugepages);
	for (size_t i = 0; i < r->n_unified; i++) {
		free(r->unified[i].key);
		free(r->unified[i].value);
	}
	free(r->unified);
	free(r->devices);
	memset(r, 0, sizeof *r);
}

/* ---- runc's v1 -> v2 conversions ---- */

/* cpu.shares 2..262144 -> cpu.weight 1..10000, linearly (runc's formula).
 * Out-of-range shares are clamped first, as the v1 kernel does; runc would
 * underflow or overflow instead. 0 stays 0: unset. */
uint64_t res_shares_to_weight(uint64_t shares)
{
	if (shares == 0)
		return 0;
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((shares - 2) * 9999) / 262142;
}

/* blkio.weight 10..1000 -> io.weight / io.bfq.weight 1..10000 (runc's
 * ConvertBlkIOToIOWeightValue), clamped like the shares. 0 stays unset. */
uint64_t res_blkio_weight_to_io_weight(uint64_t w)
{
	if (w == 0)
		return 0;
	if (w < 10)
		w = 10;
	if (w > 1000)
		w = 1000;
	return 1 + (w - 10) * 9999 / 990;
}

void res_v2_limit(int64_t v, char out[24])
{
	if (v < 0)
		strcpy(out, "max");
	else
		snprintf(out, 24, "%" PRId64, v);
}

/* runc's ConvertMemorySwapToCgroupV2Value, with unset reading as 0 (runc's
 * "unset"): returns 1 when memory.swap.max is to be left alone, 0 with
 * *swap_max set (-1 = "max"), -1 when the pair makes no sense on v2. */
int res_v2_swap(const struct resources *r, int64_t *swap_max, struct ar_err *err)
{
	int64_t swap = r->memory.swap.set ? r->memory.swap.v : 0;
	int64_t mem = r->memory.limit.set ? r->memory.limit.v : 0;

	if (mem == -1 && swap == 0) {
		/* "memory unlimited" without a swap value means both, as on v1 */
		*swap_max = -1;
		return 0;
	}
	if (swap == 0)
		return 1;
	if (swap == -1 || mem == -1) {
		*swap_max = swap;
		return 0;
	}
	if (mem == 0)
		return ar_error(err, 0, "set memory.swap `%" PRId64 "`: needs memory.limit on cgroup v2",
				swap);
	if (mem < 0 || swap < mem)
		return ar_error(err, 0,
				"set memory.swap `%" PRId64 "`: must be >= memory.limit `%" PRId64 "`",
				swap, mem);
	*swap_max = swap - mem;
	return 0;
}
