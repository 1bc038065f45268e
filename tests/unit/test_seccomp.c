/* Unit tests of the seccomp library against the real kernel: each filter
 * is loaded in a forked child, which then makes the syscalls the profile
 * speaks about and reports through its exit status what it saw. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/seccomp.h>
#include <seccomp.h>	/* before ours: see seccomp_load in seccomp.h */

#include "unit.h"
#include "seccomp.h"
#include "spec.h"
#include "seccomp_unit.h"
#include "util.h"

static void errno_rules(void)
{
	struct seccomp_prog *p = compile("{" ALLOW ",\"syscalls\":["
		"{\"names\":[\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38},"
		"{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_ERRNO\"},"
		"{\"names\":[\"getsid\"],\"action\":\"SCMP_ACT_TRACE\",\"errnoRet\":5},"
		"{\"names\":[\"getpgid\"],\"action\":\"SCMP_ACT_LOG\"},"
		"{\"names\":[\"getpid\"],\"action\":\"SCMP_ACT_ALLOW\"}]}");
	int st;

	CHECK(p != NULL && p->len > 0 && !p->notify && !p->from_cache);
	/* TRACE with no tracer attached: the kernel answers ENOSYS. */
	st = PROBES(p, { SYS_getpid, 0, 0, 0 }, { SYS_mkdirat, AT_FDCWD, (long)"/", ENOSYS },
		    { SYS_getppid, 0, 0, EPERM }, { SYS_getsid, 0, 0, ENOSYS },
		    { SYS_getpgid, 0, 0, 0 });
	seccomp_prog_free(p);
	show_status(st);
	CHECK(EXITED_OK(st));
	/* Without the filter the same probe fails: it measures the filter. */
	CHECK(mkdirat(AT_FDCWD, "/", 0700) < 0 && errno == EEXIST);
}

static void kill_actions(void)
{
	static const char *const acts[] = { "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL",
					    "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP" };

	for (size_t i = 0; i < sizeof acts / sizeof *acts; i++) {
		_cleanup_free_ char *json = xasprintf("{" ALLOW ",\"syscalls\":[{\"names\":"
						      "[\"getppid\"],\"action\":\"%s\"}]}", acts[i]);
		struct seccomp_prog *p = compile(json);
		int st;

		CHECK(p != NULL);
		st = PROBES(p, { SYS_getpid, 0, 0, 0 }, { SYS_getppid, 0, 0, 0 });
		seccomp_prog_free(p);
		if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSYS) {
			fprintf(stderr, "  %s: ", acts[i]);
			show_status(st);
			CHECK(!"killed by SIGSYS");
		}
	}
}

static void argument_conditions(void)
{
	struct seccomp_prog *p = compile("{" ALLOW ",\"syscalls\":["
		/* a repeated index: one rule per condition, either matches (OR) */
		"{\"names\":[\"kill\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":45,\"args\":["
		"{\"index\":0,\"value\":200000001,\"op\":\"SCMP_CMP_EQ\"},"
		"{\"index\":0,\"value\":200000002,\"op\":\"SCMP_CMP_EQ\"}]},"
		/* distinct indexes: all must match (AND) */
		"{\"names\":[\"getpriority\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":44,\"args\":["
		"{\"index\":0,\"value\":0,\"op\":\"SCMP_CMP_EQ\"},"
		"{\"index\":1,\"value\":123456789,\"op\":\"SCMP_CMP_EQ\"}]},"
		"{\"names\":[\"getsid\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":43,\"args\":["
		"{\"index\":0,\"value\":2130706432,\"valueTwo\":301989888,\"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
		"{\"names\":[\"getpgid\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":42,\"args\":["
		"{\"index\":0,\"value\":100000000,\"op\":\"SCMP_CMP_GE\"}]},"
		"{\"names\":[\"sched_getscheduler\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":47,"
		"\"args\":[{\"index\":0,\"value\":300000000,\"op\":\"SCMP_CMP_GT\"}]},"
		"{\"names\":[\"sched_get_priority_min\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":48,"
		"\"args\":[{\"index\":0,\"value\":0,\"op\":\"SCMP_CMP_NE\"}]},"
		"{\"names\":[\"sched_get_priority_max\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":49,"
		"\"args\":[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_LT\"}]},"
		"{\"names\":[\"ioprio_get\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":50,"
		"\"args\":[{\"index\":0,\"value\":0,\"op\":\"SCMP_CMP_LE\"}]}]}");
	int st;

	CHECK(p != NULL);
	/* Each blocked case next to its neighbour that reaches the kernel
	 * (ESRCH: no such process; pids stay below 2^22). */
	st = PROBES(p, { SYS_kill, 200000001, 0, 45 }, { SYS_kill, 200000002, 0, 45 },
		    { SYS_kill, 200000003, 0, ESRCH },
		    { SYS_getpriority, 0, 123456789, 44 }, { SYS_getpriority, 1, 123456789, ESRCH },
		    { SYS_getpriority, 0, 0, 0 },
		    { SYS_getsid, 0x12000001, 0, 43 }, { SYS_getsid, 0x13000001, 0, ESRCH },
		    { SYS_getpgid, 100000000, 0, 42 }, { SYS_getpgid, 99999999, 0, ESRCH },
		    { SYS_sched_getscheduler, 300000001, 0, 47 },
		    { SYS_sched_getscheduler, 300000000, 0, ESRCH },
		    { SYS_sched_get_priority_min, 1, 0, 48 }, { SYS_sched_get_priority_min, 0, 0, 0 },
		    { SYS_sched_get_priority_max, 0, 0, 49 }, { SYS_sched_get_priority_max, 1, 0, 0 },
		    { SYS_ioprio_get, 0, 0, 50 }, { SYS_ioprio_get, 1, 0, 0 });
	seccomp_prog_free(p);
	show_status(st);
	CHECK(EXITED_OK(st));
}

static void unknown_names_skipped(void)
{
	const char *arches =
#ifdef __x86_64__
		"\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"],";
#else
		"";
#endif
	_cleanup_free_ char *json = xasprintf("{" ALLOW ",%s\"syscalls\":["
		"{\"names\":[\"no_such_syscall\",\"getppid\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":42},"
		"{\"names\":[\"also_not_a_syscall\"],\"action\":\"SCMP_ACT_KILL\"}]}", arches);
	struct seccomp_prog *p = compile(json);
	int st;

	CHECK(p != NULL);
	st = PROBES(p, { SYS_getpid, 0, 0, 0 }, { SYS_getppid, 0, 0, 42 });
	seccomp_prog_free(p);
	show_status(st);
	CHECK(EXITED_OK(st));
}

/* Every syscall libseccomp knows here but getppid and getuid allowed, the
 * rest ERRNO (errno_ret, or the default when < 0): the shape and about the
 * size of docker's default allowlist. Caller frees. */
static char *allowlist_profile(int errno_ret, size_t *n_names)
{
	json_object *o = json_object_new_object(), *rule = json_object_new_object();
	json_object *names = json_object_new_array(), *rules = json_object_new_array();
	char *text;

	for (int nr = 0; nr < 1024; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);

		if (name && strcmp(name, "getppid") != 0 && strcmp(name, "getuid") != 0)
			json_object_array_add(names, json_object_new_string(name));
		free(name);
	}
	*n_names = json_object_array_length(names);
	json_object_object_add(o, "defaultAction", json_object_new_string("SCMP_ACT_ERRNO"));
	if (errno_ret >= 0)
		json_object_object_add(o, "defaultErrnoRet", json_object_new_int(errno_ret));
	json_object_object_add(rule, "names", names);
	json_object_object_add(rule, "action", json_object_new_string("SCMP_ACT_ALLOW"));
	json_object_array_add(rules, rule);
	json_object_object_add(o, "syscalls", rules);
	text = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return text;
}

static void large_allowlist(void)
{
	size_t n = 0;
	_cleanup_free_ char *json = allowlist_profile(77, &n);
	struct seccomp_prog *p = compile(json);
	int st;

	CHECK(n > 250);
	CHECK(p != NULL && p->len > 100);
	st = PROBES(p, { SYS_getpid, 0, 0, 0 }, { SYS_getppid, 0, 0, 77 },
		    { SYS_getuid, 0, 0, 77 }, { SYS_geteuid, 0, 0, 0 });
	seccomp_prog_free(p);
	show_status(st);
	CHECK(EXITED_OK(st));
}

/* Without defaultErrnoRet the default ERRNO is EPERM, as the spec says. */
static void default_errno_is_eperm(void)
{
	size_t n = 0;
	_cleanup_free_ char *json = allowlist_profile(-1, &n);
	struct seccomp_prog *p = compile(json);
	int st;

	CHECK(p != NULL);
	st = PROBES(p, { SYS_getpid, 0, 0, 0 }, { SYS_getppid, 0, 0, EPERM });
	seccomp_prog_free(p);
	show_status(st);
	CHECK(EXITED_OK(st));
}

/* A syscall number above every name libseccomp knows (a kernel newer than
 * it) gets ENOSYS, so a newer libc falls back, not the default EPERM; a
 * known call left out still gets the default. */
static void newer_syscalls_enosys(void)
{
	size_t n = 0;
	_cleanup_free_ char *json = allowlist_profile(-1, &n);
	struct seccomp_prog *p = compile(json);
	int st;

	CHECK(p != NULL);
	st = PROBES(p, { 1500, 0, 0, ENOSYS }, { SYS_getppid, 0, 0, EPERM },
		    { SYS_getpid, 0, 0, 0 });
	seccomp_prog_free(p);
	show_status(st);
	CHECK(EXITED_OK(st));
}

static int check_text(const char *json, struct ar_err *err)
{
	json_object *o = json_tokener_parse(json);
	int r;

	if (o == NULL)
		return ar_fail(err, EINVAL, "test: bad JSON %s", json);
	r = seccomp_check(o, "config.json", err);
	json_object_put(o);
	return r;
}

static const struct {
	const char *json, *want;
} bad_profiles[] = {
	{ "[]", "config.json: linux.seccomp: must be an object" },
	{ "{}", "linux.seccomp.defaultAction: is required" },
	{ "{\"defaultAction\":\"SCMP_ACT_NOPE\"}",
	  "linux.seccomp.defaultAction: unknown action `SCMP_ACT_NOPE`" },
	{ "{" ALLOW ",\"defaultErrnoRet\":1}",
	  "linux.seccomp.defaultErrnoRet: is only allowed with SCMP_ACT_ERRNO and SCMP_ACT_TRACE" },
	{ "{\"defaultAction\":\"SCMP_ACT_NOTIFY\"}",
	  "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action" },
	{ "{" ALLOW ",\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_Z80\"]}",
	  "linux.seccomp.architectures[1]: unknown architecture `SCMP_ARCH_Z80`" },
	{ "{" ALLOW ",\"flags\":[\"SECCOMP_FILTER_FLAG_NOPE\"]}",
	  "linux.seccomp.flags[0]: unknown flag `SECCOMP_FILTER_FLAG_NOPE`" },
	{ "{" ALLOW ",\"syscalls\":{}}", "linux.seccomp.syscalls: must be an array" },
	{ "{" ALLOW ",\"syscalls\":[{\"names\":[\"getpid\"],\"action\":\"SCMP_ACT_FOO\"}]}",
	  "linux.seccomp.syscalls[0].action: unknown action `SCMP_ACT_FOO`" },
	{ "{" ALLOW ",\"syscalls\":[{\"names\":[\"getpid\"]}]}",
	  "linux.seccomp.syscalls[0].action: is required" },
	{ "{" ALLOW ",\"syscalls\":[{\"names\":\"getpid\",\"action\":\"SCMP_ACT_KILL\"}]}",
	  "linux.seccomp.syscalls[0].names: must be an array" },
	{ "{" ALLOW ",\"syscalls\":[{\"names\":[],\"action\":\"SCMP_ACT_KILL\"}]}",
	  "linux.seccomp.syscalls[0].names: must name at least one syscall" },
	{ "{" ALLOW ",\"syscalls\":[{\"action\":\"SCMP_ACT_KILL\"}]}",
	  "linux.seccomp.syscalls[0].names: is required" },
	{ "{" ALLOW ",\"syscalls\":[{\"names\":[\"a\",7],\"action\":\"SCMP_ACT_KILL\"}]}",
	  "linux.seccomp.syscalls[0].names[1]: must be a string" },
	{ "{" ALLOW ",\"syscalls\":[{\"names\":[\"\"],\"action\":\"SCMP_ACT_KILL\"}]}",
	  "linux.seccomp.syscalls[0].names[0]: must be a syscall name" },
	{ "{" ALLOW ",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ALLOW\",\"errnoRet\":1}]}",
	  "linux.seccomp.syscalls[0].errnoRet: is only allowed with SCMP_ACT_ERRNO and "
	  "SCMP_ACT_TRACE, not `SCMP_ACT_ALLOW`" },
	{ "{" ALLOW ",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":4096}]}",
	  "linux.seccomp.syscalls[0].errnoRet: must be an integer in 0..4095" },
	{ "{" ALLOW ",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_TRACE\",\"errnoRet\":65536}]}",
	  "linux.seccomp.syscalls[0].errnoRet: must be an integer in 0..65535" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":-1}",
	  "linux.seccomp.defaultErrnoRet: must be an integer in 0..4095" },
	{ "{" ALLOW ",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_KILL\",\"args\":"
	  "[{\"index\":6,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}",
	  "linux.seccomp.syscalls[0].args[0].index: must be an integer in 0..5" },
	{ "{" ALLOW ",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_KILL\",\"args\":"
	  "[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_EQ\"},{\"index\":1,\"value\":1,\"op\":\"SCMP_CMP_XX\"}]}]}",
	  "linux.seccomp.syscalls[0].args[1].op: unknown operator `SCMP_CMP_XX`" },
	{ "{" ALLOW ",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_KILL\",\"args\":"
	  "[{\"index\":0,\"value\":1}]}]}", "linux.seccomp.syscalls[0].args[0].op: is required" },
	{ "{" ALLOW ",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_KILL\",\"args\":"
	  "[{\"index\":0,\"value\":-1,\"op\":\"SCMP_CMP_EQ\"}]}]}",
	  "linux.seccomp.syscalls[0].args[0].value: must be an integer in 0..18446744073709551615" },
	{ "{" ALLOW ",\"listenerPath\":\"/run/agent.sock\"}",
	  "linux.seccomp.listenerPath: is set but no rule uses SCMP_ACT_NOTIFY" },
	{ "{" ALLOW ",\"listenerMetadata\":\"m\"}", "linux.seccomp.listenerMetadata: requires listenerPath" },
	{ "{" ALLOW ",\"syscalls\":[{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}",
	  "linux.seccomp.syscalls: SCMP_ACT_NOTIFY requires listenerPath" },
	{ "{" ALLOW ",\"listenerPath\":\"/a\",\"syscalls\":[{\"names\":[\"read\",\"write\"],"
	  "\"action\":\"SCMP_ACT_NOTIFY\"}]}",
	  "linux.seccomp.syscalls[0].names[1]: SCMP_ACT_NOTIFY cannot be used for `write`" },
};

static void malformed_profiles(void)
{
	for (size_t i = 0; i < sizeof bad_profiles / sizeof *bad_profiles; i++) {
		struct ar_err err = { 0 };
		int r = check_text(bad_profiles[i].json, &err);

		if (r == 0 || !err.msg || !strstr(err.msg, bad_profiles[i].want))
			fprintf(stderr, "  profile %zu %s: got `%s`\n", i, bad_profiles[i].json,
				r == 0 ? "(accepted)" : err.msg);
		CHECK(r < 0 && err.msg);
		CHECK_CONTAINS(err.msg, bad_profiles[i].want);
		ar_err_clear(&err);
	}
}

/* The same checks run at compile, and at spec parse. */
static void malformed_fail_everywhere(void)
{
	const char *prof = "{" ALLOW ",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_BAD\"}]}";
	_cleanup_free_ char *cfg = xasprintf("{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},"
					     "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"},"
					     "\"linux\":{\"seccomp\":%s}}", prof);
	struct seccomp_prog *p = NULL;
	struct ar_err err = { 0 };
	struct spec *s = NULL;

	CHECK(seccomp_compile(prof, NULL, &p, &err) < 0 && p == NULL);
	CHECK_CONTAINS(err.msg, "config.json: linux.seccomp.syscalls[0].action: unknown action `SCMP_ACT_BAD`");
	ar_err_clear(&err);
	CHECK(spec_parse(cfg, strlen(cfg), "config.json", &s, &err) < 0 && s == NULL);
	CHECK_CONTAINS(err.msg, "config.json: linux.seccomp.syscalls[0].action: unknown action `SCMP_ACT_BAD`");
	ar_err_clear(&err);
}

static bool prog_equal(const struct seccomp_prog *a, const struct seccomp_prog *b)
{
	return a->len == b->len && memcmp(a->insns, b->insns, a->len * sizeof *a->insns) == 0 &&
	       a->flags == b->flags && a->notify == b->notify &&
	       !a->listener_path == !b->listener_path &&
	       (!a->listener_path || strcmp(a->listener_path, b->listener_path) == 0) &&
	       !a->listener_metadata == !b->listener_metadata &&
	       (!a->listener_metadata || strcmp(a->listener_metadata, b->listener_metadata) == 0);
}

/* The one <key>.bpf file in dir, into path; how many files there are. */
static int cache_files(const char *dir, char *path, size_t size)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char **names = dfd >= 0 ? dir_sorted_names(dfd) : NULL;
	int n = 0;

	for (; names && names[n]; n++)
		snprintf(path, size, "%s/%s", dir, names[n]);
	strv_free(names);
	return n;
}

static void cache_hit_and_corruption(void)
{
	_cleanup_unit_dir_ struct unit_dir d = { "" };
	_cleanup_free_ char *dir = NULL;
	_cleanup_free_ char *prof = notify_profile("\"SECCOMP_FILTER_FLAG_LOG\"", "/run/agent.sock");
	struct seccomp_prog *ref = compile(prof), *p;
	char file[256];
	struct stat st;

	CHECK(ref != NULL && unit_dir_make(&d, "seccomp") == 0);
	dir = xasprintf("%s/cache", d.path);
	p = compile_in(prof, dir);		/* miss: compiled, stored */
	CHECK(p != NULL && !p->from_cache && prog_equal(p, ref));
	seccomp_prog_free(p);
	CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700);
	CHECK(cache_files(dir, file, sizeof file) == 1);	/* no tmp file left */
	CHECK(stat(file, &st) == 0 && (st.st_mode & 0777) == 0600 && strstr(file, ".bpf"));
	p = compile_in(prof, dir);		/* hit: the same program */
	CHECK(p != NULL && p->from_cache && prog_equal(p, ref));
	CHECK_STR(p->listener_metadata, "m=1");
	seccomp_prog_free(p);
	/* A flipped byte, a cut, an empty file: recompiled, never loaded. */
	for (int how = 0; how < 3; how++) {
		_cleanup_free_ char *data = NULL;
		size_t len = 0;
		struct ar_err err = { 0 };

		CHECK(read_file_at(AT_FDCWD, file, &data, &len, &err) == 0 && len > 64);
		if (how == 0)
			data[len / 2] ^= 0x40;
		len = how == 0 ? len : how == 1 ? len - 8 : 0;
		CHECK(write_file_at(AT_FDCWD, file, data, len, O_TRUNC, 0600, &err) == 0);
		p = compile_in(prof, dir);
		CHECK(p != NULL && !p->from_cache && prog_equal(p, ref));
		seccomp_prog_free(p);
		p = compile_in(prof, dir);	/* and rewritten */
		CHECK(p != NULL && p->from_cache && prog_equal(p, ref));
		seccomp_prog_free(p);
	}
	/* Another profile, another entry. */
	p = compile_in("{" ALLOW "}", dir);
	CHECK(p != NULL && !p->from_cache);
	seccomp_prog_free(p);
	CHECK(cache_files(dir, file, sizeof file) == 2);
	seccomp_prog_free(ref);
}

/* A cache others can write to could feed us any filter: it is not used. */
static void cache_not_trusted(void)
{
	_cleanup_unit_dir_ struct unit_dir d = { "" };
	_cleanup_free_ char *dir = NULL;
	struct seccomp_prog *p;
	char file[256];

	CHECK(unit_dir_make(&d, "seccomp") == 0);
	dir = xasprintf("%s/cache", d.path);
	CHECK(mkdir(dir, 0700) == 0 && chmod(dir, 0777) == 0);
	for (int i = 0; i < 2; i++) {
		p = compile_in("{" ALLOW "}", dir);
		CHECK(p != NULL && !p->from_cache);
		seccomp_prog_free(p);
	}
	CHECK(cache_files(dir, file, sizeof file) == 0);
}

struct tsync_probe {
	int go[2];
	int err;
};

static void *tsync_thread(void *arg)
{
	struct tsync_probe *t = arg;
	char c;

	if (read(t->go[0], &c, 1) == 1)
		t->err = syscall(SYS_getppid) < 0 ? errno : 0;
	return NULL;
}

/* The flags reach seccomp(2): with TSYNC a thread started before the load
 * is filtered too, without it is not. Returns the thread's errno. */
static int thread_errno_after_load(const struct seccomp_prog *p)
{
	pid_t pid = fork();
	int st = -1;

	if (pid == 0) {
		struct tsync_probe t = { .err = -1 };
		pthread_t th;

		child_prepare();
		if (pipe2(t.go, O_CLOEXEC) < 0 || pthread_create(&th, NULL, tsync_thread, &t) != 0)
			child_exit(98);
		if (seccomp_prog_load(p, NULL, NULL) < 0)
			child_exit(99);
		if (write(t.go[1], "x", 1) != 1 || pthread_join(th, NULL) != 0)
			child_exit(97);
		child_exit(t.err);
	}
	if (pid > 0)
		waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void flags_passed_through(void)
{
	_cleanup_unit_dir_ struct unit_dir d = { "" };
	_cleanup_free_ char *dir = NULL;
#define FLAGGED(flags) "{" ALLOW ",\"flags\":[" flags "],\"syscalls\":[{\"names\":[\"getppid\"]," \
			"\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":42}]}"
	const char *all = FLAGGED("\"SECCOMP_FILTER_FLAG_TSYNC\",\"SECCOMP_FILTER_FLAG_LOG\","
				  "\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\""), *none = FLAGGED("");
	struct seccomp_prog *p;

	CHECK(unit_dir_make(&d, "seccomp") == 0);
	dir = xasprintf("%s/cache", d.path);
	for (int i = 0; i < 2; i++) {		/* compiled, then from the cache */
		p = compile_in(all, dir);
		CHECK(p != NULL && p->from_cache == (i == 1));
		CHECK(p->flags == (SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG |
				   SECCOMP_FILTER_FLAG_SPEC_ALLOW));
		CHECK(thread_errno_after_load(p) == 42);
		seccomp_prog_free(p);
	}
	p = compile_in(none, dir);
	CHECK(p != NULL && p->flags == 0);
	CHECK(thread_errno_after_load(p) == 0);
	seccomp_prog_free(p);
}

/* A load that the kernel refuses reports why, and installs nothing. */
static void load_errors(void)
{
	struct sock_filter bad[] = { BPF_STMT(BPF_JMP | BPF_JA, 5) };	/* jumps off the end */
	struct seccomp_prog p = { .insns = bad, .len = 1 };
	struct ar_err err = { 0 };
	int lfd = 7;

	CHECK(seccomp_prog_load(&p, &lfd, &err) < 0 && lfd == -1);
	CHECK_CONTAINS(err.msg, "seccomp(SECCOMP_SET_MODE_FILTER): Invalid argument");
	ar_err_clear(&err);
	p.len = 0;
	CHECK(seccomp_prog_load(&p, NULL, &err) < 0);
	ar_err_clear(&err);
	CHECK(syscall(SYS_getppid) > 0);
}

UNIT_MAIN(
	UNIT(errno_rules),
	UNIT(kill_actions),
	UNIT(argument_conditions),
	UNIT(unknown_names_skipped),
	UNIT(large_allowlist),
	UNIT(default_errno_is_eperm),
	UNIT(newer_syscalls_enosys),
	UNIT(malformed_profiles),
	UNIT(malformed_fail_everywhere),
	UNIT(cache_hit_and_corruption),
	UNIT(cache_not_trusted),
	UNIT(flags_passed_through),
	UNIT(load_errors),
)
