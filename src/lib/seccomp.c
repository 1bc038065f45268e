/* argon — linux.seccomp: the profile read into a typed form (at spec parse
 * to check it, again at compile to build it) and its compilation to
 * classic BPF with libseccomp. The cache is in seccomp_cache.c, the kernel
 * side (load, listener hand-off) in seccomp_load.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/seccomp.h>
#include <seccomp.h>

#include "seccomp.h"
#include "seccomp_priv.h"
#include "spec_priv.h"
#include "util.h"

#define BASE "linux.seccomp"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

struct name_val {
	const char *name;
	uint32_t val;
};

/* The spec's strings for libseccomp's constants. */
static const struct name_val actions[] = {
	{ "SCMP_ACT_KILL", SCMP_ACT_KILL },	/* = kill the thread */
	{ "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD },
	{ "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS },
	{ "SCMP_ACT_TRAP", SCMP_ACT_TRAP },
	{ "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0) },
	{ "SCMP_ACT_TRACE", SCMP_ACT_TRACE(0) },
	{ "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW },
	{ "SCMP_ACT_LOG", SCMP_ACT_LOG },
	{ "SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY },
	{ NULL, 0 }
};

static const struct name_val arches[] = {
	{ "SCMP_ARCH_X86", SCMP_ARCH_X86 },
	{ "SCMP_ARCH_X86_64", SCMP_ARCH_X86_64 },
	{ "SCMP_ARCH_X32", SCMP_ARCH_X32 },
	{ "SCMP_ARCH_ARM", SCMP_ARCH_ARM },
	{ "SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64 },
	{ "SCMP_ARCH_MIPS", SCMP_ARCH_MIPS },
	{ "SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64 },
	{ "SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32 },
	{ "SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL },
	{ "SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64 },
	{ "SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32 },
	{ "SCMP_ARCH_PPC", SCMP_ARCH_PPC },
	{ "SCMP_ARCH_PPC64", SCMP_ARCH_PPC64 },
	{ "SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE },
	{ "SCMP_ARCH_S390", SCMP_ARCH_S390 },
	{ "SCMP_ARCH_S390X", SCMP_ARCH_S390X },
	{ "SCMP_ARCH_PARISC", SCMP_ARCH_PARISC },
	{ "SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64 },
	{ "SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64 },
	{ NULL, 0 }
};

static const struct name_val operators[] = {
	{ "SCMP_CMP_NE", SCMP_CMP_NE },
	{ "SCMP_CMP_LT", SCMP_CMP_LT },
	{ "SCMP_CMP_LE", SCMP_CMP_LE },
	{ "SCMP_CMP_EQ", SCMP_CMP_EQ },
	{ "SCMP_CMP_GE", SCMP_CMP_GE },
	{ "SCMP_CMP_GT", SCMP_CMP_GT },
	{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
	{ NULL, 0 }
};

/* seccomp(2) flags; we make the call ourselves, so these are kernel bits. */
static const struct name_val filter_flags[] = {
	{ "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
	{ "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
	{ "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
	{ "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV },
	{ NULL, 0 }
};

/* One syscalls[] entry. Strings are borrowed from the JSON object. */
struct sc_rule {
	json_object *names;
	size_t entry;		/* index in syscalls[], for errors */
	uint32_t action;
	struct scmp_arg_cmp *args;
	size_t n_args;
	bool split;		/* an index repeats: one rule per condition (OR), as runc */
};

struct sc_profile {
	uint32_t def_action;
	uint32_t *arches;
	size_t n_arches;
	unsigned int flags;
	bool notify;
	const char *listener_path;
	const char *listener_metadata;
	struct sc_rule *rules;
	size_t n_rules;
};

static void profile_free(struct sc_profile *p)
{
	for (size_t i = 0; i < p->n_rules; i++)
		free(p->rules[i].args);
	free(p->rules);
	free(p->arches);
	memset(p, 0, sizeof *p);
}

static int lookup(const struct pctx *c, const struct name_val *t, json_object *v,
		  const char *field, const char *kind, uint32_t *out)
{
	const char *s;

	if (spj_want(c, v, json_type_string, field) < 0)
		return -1;
	s = json_object_get_string(v);
	for (; t->name; t++)
		if (strcmp(t->name, s) == 0) {
			*out = t->val;
			return 0;
		}
	return fail(c, field, "unknown %s `%s`", kind, s);
}

/* A string member, borrowed; 0 when absent. */
static int get_str(const struct pctx *c, json_object *o, const char *base, const char *key,
		   const char **out)
{
	char f[FIELD_LEN];
	json_object *v = spj_member(o, key);

	if (v == NULL)
		return 0;
	spj_sub(f, base, key);
	if (spj_want(c, v, json_type_string, f) < 0)
		return -1;
	*out = json_object_get_string(v);
	if (strlen(*out) != (size_t)json_object_get_string_len(v))
		return fail(c, f, "must not contain a NUL byte");
	if (**out == '\0')
		return fail(c, f, "must not be empty");
	return 1;
}

/* "action" + "errnoRet" (or the default pair). The errno rides in the
 * action's 16 data bits; EPERM when not given, like runc. An errno above
 * the kernel's MAX_ERRNO (4095) is no errno: libseccomp refuses it. */
static int parse_action(const struct pctx *c, json_object *o, const char *base,
			const char *akey, const char *ekey, uint32_t *out)
{
	char f[FIELD_LEN];
	json_object *v = spj_member(o, akey);
	uint64_t e = EPERM;
	int r;

	spj_sub(f, base, akey);
	if (v == NULL)
		return fail(c, f, "is required");
	if (lookup(c, actions, v, f, "action", out) < 0)
		return -1;
	r = spj_get_uint(c, o, base, ekey, false, *out == SCMP_ACT_ERRNO(0) ? 4095 : 65535, &e);
	if (r < 0)
		return -1;
	if (*out == SCMP_ACT_ERRNO(0) || *out == SCMP_ACT_TRACE(0)) {
		*out |= (uint32_t)e;
		return 0;
	}
	if (r == 1)
		return fail(c, spj_sub(f, base, ekey),
			    "is only allowed with SCMP_ACT_ERRNO and SCMP_ACT_TRACE, not `%s`",
			    json_object_get_string(v));
	return 0;
}

static int parse_list(const struct pctx *c, json_object *s, const char *key,
		      const struct name_val *t, const char *kind, uint32_t **out, size_t *n)
{
	char f[FIELD_LEN], g[FIELD_LEN];
	json_object *a = spj_member(s, key);
	size_t len;

	if (a == NULL)
		return 0;
	spj_sub(f, BASE, key);
	if (spj_want(c, a, json_type_array, f) < 0)
		return -1;
	len = json_object_array_length(a);
	*out = xcalloc(len ? len : 1, sizeof **out);
	for (*n = 0; *n < len; (*n)++)
		if (lookup(c, t, json_object_array_get_idx(a, *n), spj_idx(g, f, *n), kind,
			   &(*out)[*n]) < 0)
			return -1;
	return 0;
}

static int parse_arg(const struct pctx *c, json_object *o, const char *field,
		     struct scmp_arg_cmp *a)
{
	char f[FIELD_LEN];
	json_object *op = spj_member(o, "op");
	uint64_t index, value, value2 = 0;
	uint32_t cmp;

	if (spj_want(c, o, json_type_object, field) < 0 ||
	    spj_get_uint(c, o, field, "index", true, 5, &index) < 0 ||
	    spj_get_uint(c, o, field, "value", true, UINT64_MAX, &value) < 0 ||
	    spj_get_uint(c, o, field, "valueTwo", false, UINT64_MAX, &value2) < 0)
		return -1;
	spj_sub(f, field, "op");
	if (op == NULL)
		return fail(c, f, "is required");
	if (lookup(c, operators, op, f, "operator", &cmp) < 0)
		return -1;
	/* MASKED_EQ: value is the mask, valueTwo what the masked argument equals. */
	*a = (struct scmp_arg_cmp){ .arg = (unsigned int)index, .op = (enum scmp_compare)cmp,
				    .datum_a = value, .datum_b = value2 };
	return 0;
}

static int parse_args(const struct pctx *c, json_object *o, const char *field,
		      struct sc_rule *r)
{
	char f[FIELD_LEN], g[FIELD_LEN];
	json_object *a = spj_member(o, "args");
	unsigned int seen[6] = { 0 };
	size_t len;

	if (a == NULL)
		return 0;
	spj_sub(f, field, "args");
	if (spj_want(c, a, json_type_array, f) < 0)
		return -1;
	len = json_object_array_length(a);
	r->args = xcalloc(len ? len : 1, sizeof *r->args);
	for (r->n_args = 0; r->n_args < len; r->n_args++) {
		struct scmp_arg_cmp *cmp = &r->args[r->n_args];

		if (parse_arg(c, json_object_array_get_idx(a, r->n_args),
			      spj_idx(g, f, r->n_args), cmp) < 0)
			return -1;
		if (++seen[cmp->arg] > 1)
			r->split = true;
	}
	return 0;
}

/* A notified syscall blocks until the agent answers, and the agent gets
 * the listener only after the container's init has sent it to us: on
 * these syscalls the init would wait for itself forever (runc refuses
 * write for the same reason). */
static const char *const notify_refused[] = { "write", "sendmsg", NULL };

static int parse_names(const struct pctx *c, json_object *o, const char *field,
		       const struct sc_rule *r)
{
	char f[FIELD_LEN], g[FIELD_LEN];
	size_t len;

	spj_sub(f, field, "names");
	if (r->names == NULL)
		return fail(c, f, "is required");
	if (spj_want(c, r->names, json_type_array, f) < 0)
		return -1;
	len = json_object_array_length(r->names);
	if (len == 0)
		return fail(c, f, "must name at least one syscall");
	for (size_t i = 0; i < len; i++) {
		json_object *v = json_object_array_get_idx(r->names, i);
		const char *s;

		spj_idx(g, f, i);
		if (spj_want(c, v, json_type_string, g) < 0)
			return -1;
		s = json_object_get_string(v);
		if (s[0] == '\0' || strlen(s) != (size_t)json_object_get_string_len(v))
			return fail(c, g, "must be a syscall name");
		for (size_t k = 0; r->action == SCMP_ACT_NOTIFY && notify_refused[k]; k++)
			if (strcmp(s, notify_refused[k]) == 0)
				return fail(c, g, "SCMP_ACT_NOTIFY cannot be used for `%s`: the "
					    "container's init needs it to hand the listener over", s);
	}
	return 0;
}

static int parse_rule(const struct pctx *c, json_object *o, const char *field,
		      struct sc_rule *r)
{
	if (spj_want(c, o, json_type_object, field) < 0)
		return -1;
	r->names = spj_member(o, "names");
	if (parse_action(c, o, field, "action", "errnoRet", &r->action) < 0 ||
	    parse_names(c, o, field, r) < 0)
		return -1;
	return parse_args(c, o, field, r);
}

static int parse_rules(const struct pctx *c, json_object *s, struct sc_profile *p)
{
	char g[FIELD_LEN];
	json_object *a = spj_member(s, "syscalls");
	size_t len;

	if (a == NULL)
		return 0;
	if (spj_want(c, a, json_type_array, BASE ".syscalls") < 0)
		return -1;
	len = json_object_array_length(a);
	p->rules = xcalloc(len ? len : 1, sizeof *p->rules);
	for (; p->n_rules < len; p->n_rules++) {
		struct sc_rule *r = &p->rules[p->n_rules];

		r->entry = p->n_rules;
		if (parse_rule(c, json_object_array_get_idx(a, p->n_rules),
			       spj_idx(g, BASE ".syscalls", p->n_rules), r) < 0) {
			p->n_rules++;	/* its args are allocated: free them too */
			return -1;
		}
		p->notify |= r->action == SCMP_ACT_NOTIFY;
	}
	return 0;
}

/* listenerPath, listenerMetadata and their ties to SCMP_ACT_NOTIFY. */
static int parse_listener(const struct pctx *c, json_object *s, struct sc_profile *p)
{
	int has_path = get_str(c, s, BASE, "listenerPath", &p->listener_path);
	struct sockaddr_un sa;
	int has_meta;

	if (has_path < 0)
		return -1;
	if (has_path && strlen(p->listener_path) >= sizeof sa.sun_path)
		return fail(c, BASE ".listenerPath", "`%s` is longer than a unix socket path can be",
			    p->listener_path);
	has_meta = get_str(c, s, BASE, "listenerMetadata", &p->listener_metadata);
	if (has_meta < 0)
		return -1;
	if (has_meta && !has_path)
		return fail(c, BASE ".listenerMetadata", "requires listenerPath");
	if (has_path && !p->notify)
		return fail(c, BASE ".listenerPath", "is set but no rule uses SCMP_ACT_NOTIFY");
	if (!has_path && p->notify)
		return fail(c, BASE ".syscalls", "SCMP_ACT_NOTIFY requires listenerPath");
	return 0;
}

static int profile_parse(json_object *s, const char *what, struct sc_profile *p,
			 struct ar_err *err)
{
	const struct pctx c = { what, err };
	uint32_t *flags = NULL;
	size_t n_flags = 0;
	int r;

	memset(p, 0, sizeof *p);
	if (spj_want(&c, s, json_type_object, BASE) < 0 ||
	    parse_action(&c, s, BASE, "defaultAction", "defaultErrnoRet", &p->def_action) < 0)
		return -1;
	/* Every syscall would wait for an agent that has no listener yet. */
	if (p->def_action == SCMP_ACT_NOTIFY)
		return fail(&c, BASE ".defaultAction", "SCMP_ACT_NOTIFY cannot be the default action");
	if (parse_list(&c, s, "architectures", arches, "architecture", &p->arches,
		       &p->n_arches) < 0)
		return -1;
	r = parse_list(&c, s, "flags", filter_flags, "flag", &flags, &n_flags);
	for (size_t i = 0; i < n_flags; i++)
		p->flags |= flags[i];
	free(flags);
	if (r < 0 || parse_rules(&c, s, p) < 0)
		return -1;
	return parse_listener(&c, s, p);
}

int seccomp_check(json_object *seccomp, const char *what, struct ar_err *err)
{
	struct sc_profile p;
	int r = profile_parse(seccomp, what, &p, err);

	profile_free(&p);
	return r;
}

/* ---- compile ---- */

static int add_rule(scmp_filter_ctx ctx, const struct sc_rule *r, const char *name,
		    struct ar_err *err)
{
	int nr = seccomp_syscall_resolve_name(name);
	int rc = 0;

	if (nr == __NR_SCMP_ERROR)
		return 0;	/* not a syscall of this architecture: skipped, like runc */
	if (!r->split)
		rc = seccomp_rule_add_array(ctx, r->action, nr, (unsigned int)r->n_args, r->args);
	for (size_t i = 0; r->split && i < r->n_args && rc == 0; i++)
		rc = seccomp_rule_add_array(ctx, r->action, nr, 1, &r->args[i]);
	if (rc < 0)
		return ar_error(err, -rc, "config.json: " BASE ".syscalls[%zu]: add a rule for `%s`",
				r->entry, name);
	return 0;
}

static int set_attrs(scmp_filter_ctx ctx, const struct sc_profile *p, struct ar_err *err)
{
	int rc;

	/* no_new_privs is the process's "noNewPrivileges", set by us, not here. */
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)) < 0 ||
	    ((p->flags & SECCOMP_FILTER_FLAG_TSYNC) &&
	     (rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1)) < 0) ||
	    ((p->flags & SECCOMP_FILTER_FLAG_LOG) &&
	     (rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1)) < 0) ||
	    ((p->flags & SECCOMP_FILTER_FLAG_SPEC_ALLOW) &&
	     (rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_SSB, 1)) < 0))
		return ar_error(err, -rc, "libseccomp: set a filter attribute");
	/* A binary tree of syscall numbers instead of a linear scan for long
	 * profiles; libseccomp <= 2.5.4 misbehaves with it on empty ones. */
	if (p->n_rules > 32)
		(void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	for (size_t i = 0; i < p->n_arches; i++) {
		rc = seccomp_arch_add(ctx, p->arches[i]);
		if (rc < 0 && rc != -EEXIST)
			return ar_error(err, -rc, "config.json: " BASE ".architectures[%zu]: add", i);
	}
	return 0;
}

static int build_filter(scmp_filter_ctx ctx, const struct sc_profile *p, struct ar_err *err)
{
	if (set_attrs(ctx, p, err) < 0)
		return -1;
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct sc_rule *r = &p->rules[i];

		/* libseccomp refuses a rule that repeats the default: it is one. */
		if (r->action == p->def_action)
			continue;
		for (size_t k = 0; k < json_object_array_length(r->names); k++)
			if (add_rule(ctx, r, json_object_get_string(
						json_object_array_get_idx(r->names, k)), err) < 0)
				return -1;
	}
	return 0;
}

/* libseccomp writes the program to an fd; a memfd brings it back. */
static int export_bpf(scmp_filter_ctx ctx, struct seccomp_prog *prog, struct ar_err *err)
{
	_cleanup_close_ int fd = memfd_create("argon-seccomp", MFD_CLOEXEC);
	off_t size;
	int rc;

	if (fd < 0)
		return ar_error(err, errno, "memfd_create");
	if ((rc = seccomp_export_bpf(ctx, fd)) < 0)
		return ar_error(err, -rc, "libseccomp: export the filter");
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % (off_t)sizeof(struct sock_filter) != 0)
		return ar_fail(err, EINVAL, "libseccomp: exported a filter of %jd bytes",
			       (intmax_t)size);
	prog->len = (size_t)size / sizeof(struct sock_filter);
	if (prog->len > BPF_MAXINSNS)
		return ar_fail(err, E2BIG, "config.json: " BASE ": the filter has %zu instructions,"
			       " more than the kernel's %d", prog->len, BPF_MAXINSNS);
	prog->insns = xmalloc((size_t)size);
	if (pread(fd, prog->insns, (size_t)size, 0) != size)
		return ar_error(err, errno, "read the exported filter");
	return 0;
}

static int compile_profile(const struct sc_profile *p, struct seccomp_prog *prog,
			   struct ar_err *err)
{
	scmp_filter_ctx ctx = seccomp_init(p->def_action);
	int r;

	if (ctx == NULL)
		return ar_fail(err, EINVAL, "libseccomp: cannot create a filter");
	r = build_filter(ctx, p, err);
	if (r == 0)
		r = export_bpf(ctx, prog, err);
	seccomp_release(ctx);
	if (r < 0)
		return -1;
	sc_prepend_enosys_stub(prog, p->def_action);
	prog->flags = p->flags;
	prog->notify = p->notify;
	prog->listener_path = p->listener_path ? xstrdup(p->listener_path) : NULL;
	prog->listener_metadata = p->listener_metadata ? xstrdup(p->listener_metadata) : NULL;
	return 0;
}

static int compile_text(const char *json_text, struct seccomp_prog **out, struct ar_err *err)
{
	json_object *o = spj_parse_json(json_text, strlen(json_text), "config.json", err);
	struct seccomp_prog *prog;
	struct sc_profile p;
	int r;

	if (o == NULL)
		return -1;
	r = profile_parse(o, "config.json", &p, err);
	prog = xcalloc(1, sizeof *prog);
	if (r == 0)
		r = compile_profile(&p, prog, err);
	profile_free(&p);
	json_object_put(o);
	if (r < 0) {
		seccomp_prog_free(prog);
		return -1;
	}
	*out = prog;
	return 0;
}

int seccomp_compile(const char *json_text, const char *cache_dir, struct seccomp_prog **out,
		    struct ar_err *err)
{
	_cleanup_close_ int dfd = -1;
	char key[65];

	*out = NULL;
	if (cache_dir && (dfd = sc_cache_open(cache_dir)) >= 0) {
		sc_cache_key(json_text, key);
		if ((*out = sc_cache_read(dfd, key)) != NULL)
			return 0;
	}
	if (compile_text(json_text, out, err) < 0)
		return -1;
	if (dfd >= 0)
		sc_cache_write(dfd, key, *out);
	return 0;
}

void seccomp_prog_free(struct seccomp_prog *p)
{
	if (p == NULL)
		return;
	free(p->insns);
	free(p->listener_path);
	free(p->listener_metadata);
	free(p);
}
