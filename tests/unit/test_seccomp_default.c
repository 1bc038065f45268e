/* Unit tests for src/lib/seccomp_default.c and seccomp_profile.c: the
 * default profile's table, docker-format profiles resolved for a
 * capability set, and the default profile loaded into a real child
 * process: what it refuses (with which errno) and what ordinary programs
 * need from it still works. */
#include <seccomp.h>	/* libseccomp's, before ours (seccomp.h) */

#include <errno.h>
#include <linux/capability.h>
#include <linux/kcmp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hostcfg.h"
#include "seccomp.h"
#include "seccomp_default.h"
#include "unit.h"
#include "util.h"

#define BIT(c) (UINT64_C(1) << (c))

static json_object *get(json_object *o, const char *k)
{
	json_object *v = NULL;

	json_object_object_get_ex(o, k, &v);
	return v;
}

/* The rules of a resolved profile that name `call`, as one string each:
 * "ALLOW", "ALLOW arg0 MASKED_EQ", "ERRNO 38". */
static char *rules_for(json_object *p, const char *call)
{
	json_object *calls = get(p, "syscalls");
	char *out = xstrdup("");

	for (size_t i = 0; i < json_object_array_length(calls); i++) {
		json_object *r = json_object_array_get_idx(calls, i), *names = get(r, "names");
		for (size_t k = 0; k < json_object_array_length(names); k++) {
			if (strcmp(json_object_get_string(json_object_array_get_idx(names, k)), call))
				continue;
			char *more = xasprintf("%s%s%s%s%s", out, *out ? "; " : "",
					       json_object_get_string(get(r, "action")) + 9,
					       get(r, "errnoRet") ? " errno" : "",
					       get(r, "args") ? " args" : "");
			free(out);
			out = more;
		}
	}
	return out;
}

static bool rules_are(json_object *p, const char *call, const char *want)
{
	_cleanup_free_ char *got = rules_for(p, call);

	if (strcmp(got, want) != 0)
		fprintf(stderr, "  %s: rules `%s`, want `%s`\n", call, got, want);
	return strcmp(got, want) == 0;
}

static void default_profile_shape(void)
{
	json_object *p = seccomp_default_profile(hostcfg_default_caps()), *a;
	struct ar_err err = { 0 };

	CHECK_STR(json_object_get_string(get(p, "defaultAction")), "SCMP_ACT_ERRNO");
	CHECK(json_object_get_int(get(p, "defaultErrnoRet")) == EPERM);
	CHECK(get(p, "archMap") == NULL && get(p, "comment") == NULL);
	a = get(p, "architectures");
	if (strcmp(seccomp_native_arch() ? seccomp_native_arch() : "", "amd64") == 0)
		CHECK_STR(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN),
			  "[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"]");
	CHECK(seccomp_check(p, "default", &err) == 0);
	json_object_put(p);
}

/* The rules that depend on capabilities follow the container's set. */
static void rules_follow_capabilities(void)
{
	uint64_t def = hostcfg_default_caps();
	json_object *p = seccomp_default_profile(def);

	CHECK(rules_are(p, "read", "ALLOW") && rules_are(p, "keyctl", "") &&
	      rules_are(p, "add_key", "") && rules_are(p, "kexec_load", "") &&
	      rules_are(p, "userfaultfd", "") && rules_are(p, "io_uring_setup", ""));
	CHECK(rules_are(p, "mount", "") && rules_are(p, "unshare", "") &&
	      rules_are(p, "setns", "") && rules_are(p, "pivot_root", "") &&
	      rules_are(p, "ptrace", "") && rules_are(p, "bpf", "") &&
	      rules_are(p, "init_module", "") && rules_are(p, "reboot", "") &&
	      rules_are(p, "settimeofday", "") && rules_are(p, "open_by_handle_at", ""));
	CHECK(rules_are(p, "clone", "ALLOW args") && rules_are(p, "clone3", "ERRNO errno"));
	CHECK(rules_are(p, "chroot", "ALLOW"));	/* CAP_SYS_CHROOT is a default */
	CHECK(rules_are(p, "personality", "ALLOW args; ALLOW args; ALLOW args; ALLOW args; "
				     "ALLOW args"));
	json_object_put(p);
	p = seccomp_default_profile(def | BIT(CAP_SYS_ADMIN));
	CHECK(rules_are(p, "mount", "ALLOW") && rules_are(p, "unshare", "ALLOW") &&
	      rules_are(p, "pivot_root", "ALLOW") && rules_are(p, "clone", "ALLOW") &&
	      rules_are(p, "clone3", "ALLOW") && rules_are(p, "bpf", "ALLOW"));
	json_object_put(p);
	p = seccomp_default_profile(BIT(CAP_SYS_PTRACE) | BIT(CAP_SYS_TIME) | BIT(CAP_SYS_BOOT) |
				    BIT(CAP_SYS_MODULE) | BIT(CAP_DAC_READ_SEARCH));
	CHECK(rules_are(p, "ptrace", "ALLOW") && rules_are(p, "kcmp", "ALLOW") &&
	      rules_are(p, "clock_settime", "ALLOW") && rules_are(p, "reboot", "ALLOW") &&
	      rules_are(p, "finit_module", "ALLOW") && rules_are(p, "open_by_handle_at", "ALLOW"));
	CHECK(rules_are(p, "chroot", "") && rules_are(p, "keyctl", ""));
	json_object_put(p);
}

/* Every name of the table is one libseccomp knows on an architecture of
 * ours, but the few newer than this libseccomp (skipped by the runtime):
 * a typo would silently leave a syscall blocked. */
static void table_names_are_syscalls(void)
{
	static const uint32_t arches[] = { SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32,
					   SCMP_ARCH_AARCH64, SCMP_ARCH_ARM };
	static const char *const newer[] = { "getxattrat", "setxattrat", "listxattrat",
					     "removexattrat", "mseal", NULL };
	json_object *p = seccomp_default_docker(), *calls = get(p, "syscalls");
	size_t n = 0, unknown = 0;

	for (size_t i = 0; i < json_object_array_length(calls); i++) {
		json_object *names = get(json_object_array_get_idx(calls, i), "names");
		for (size_t k = 0; k < json_object_array_length(names); k++, n++) {
			const char *s = json_object_get_string(json_object_array_get_idx(names, k));
			bool known = false, listed = false;
			for (size_t a = 0; a < sizeof arches / sizeof arches[0]; a++)
				known |= seccomp_syscall_resolve_name_arch(arches[a], s) != __NR_SCMP_ERROR;
			for (const char *const *x = newer; *x; x++)
				listed |= strcmp(*x, s) == 0;
			if (!known && !listed)
				fprintf(stderr, "  `%s` is no syscall libseccomp knows\n", s);
			unknown += !known && !listed;
		}
	}
	json_object_put(p);
	CHECK(n > 300 && unknown == 0);
}

/* ------------------------------------------------------------ the kernel */

static int probe_keyctl(void)
{	/* KEYCTL_GET_KEYRING_ID of the session keyring */
	return syscall(SYS_keyctl, 0, -3, 0) < 0 ? errno : 0;
}

static int probe_clone3(void)
{	/* no arguments: EINVAL from the kernel, ENOSYS from the filter */
	return syscall(SYS_clone3, NULL, 0) < 0 ? errno : 0;
}

static int probe_clone_flags(unsigned long flags)
{
	long c = syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);

	if (c == 0)
		_exit(0);
	if (c < 0)
		return errno;
	waitpid((pid_t)c, NULL, 0);
	return 0;
}

static int probe_clone_newuts(void) { return probe_clone_flags(CLONE_NEWUTS); }
static int probe_fork(void) { return probe_clone_flags(0); }
static int probe_unshare_user(void) { return unshare(CLONE_NEWUSER) < 0 ? errno : 0; }
static int probe_mount(void) { return mount("none", "/", NULL, MS_REMOUNT, NULL) < 0 ? errno : 0; }
static int probe_vsock(void) { return socket(AF_VSOCK, SOCK_STREAM, 0) < 0 ? errno : 0; }
static int probe_unix(void) { return socket(AF_UNIX, SOCK_STREAM, 0) < 0 ? errno : 0; }
static int probe_persona_query(void) { return personality(0xffffffff) < 0 ? errno : 0; }
static int probe_persona_norandom(void) { return personality(ADDR_NO_RANDOMIZE) < 0 ? errno : 0; }
static int probe_io_uring(void)
{
	char params[120] = { 0 };	/* struct io_uring_params */

	return syscall(SYS_io_uring_setup, 1, params) < 0 ? errno : 0;
}
static int probe_kcmp(void)
{
	return syscall(SYS_kcmp, getpid(), getpid(), KCMP_VM, 0, 0) < 0 ? errno : 0;
}

static void *thread_main(void *arg) { return arg; }
static int probe_thread(void)
{	/* glibc tries clone3 first, then clone with CLONE_THREAD */
	pthread_t t;
	void *ret = NULL;
	int r = pthread_create(&t, NULL, thread_main, (void *)42);

	return r ? r : pthread_join(t, &ret) ? 99 : ret == (void *)42 ? 0 : 98;
}
static int probe_files(void)
{
	char dir[] = "/tmp/argon-test-sc-XXXXXX", sub[64];

	if (mkdtemp(dir) == NULL)
		return errno;
	snprintf(sub, sizeof sub, "%s/sub", dir);
	if (mkdir(sub, 0700) < 0)
		return errno;
	return rmdir(sub) < 0 || rmdir(dir) < 0 ? errno : 0;
}

/* probe() in a child under `prog` (NULL: no filter); its result (an errno,
 * 0 for success), or -1 when the child could not load the filter. */
static int in_child(const struct seccomp_prog *prog, int (*probe)(void))
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		struct ar_err err = { 0 };
		if (prog && (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
			     seccomp_prog_load(prog, NULL, &err) < 0))
			_exit(200);
		_exit(probe());
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) == 200)
		return -1;
	return WEXITSTATUS(status);
}

static struct seccomp_prog *compile_default(uint64_t caps)
{
	json_object *p = seccomp_default_profile(caps);
	struct seccomp_prog *prog = NULL;
	struct ar_err err = { 0 };

	if (seccomp_compile(json_object_to_json_string(p), NULL, &prog, &err) < 0)
		fprintf(stderr, "  compile: %s\n", err.msg);
	ar_err_clear(&err);
	json_object_put(p);
	return prog;
}

#define EXPECT(prog, probe, want) do { int r_ = in_child(prog, probe); \
	if (r_ != (want)) fprintf(stderr, "  %s: %d (%s), want %d\n", #probe, r_, \
				  r_ > 0 ? strerror(r_) : "", want); \
	CHECK(r_ == (want)); } while (0)

/* The default profile in a real process: the blocked calls fail with
 * EPERM (clone3 with ENOSYS), the rest of what programs do still works.
 * Without the filter the same probes succeed, so each one can fail. */
static void default_profile_in_the_kernel(void)
{
	struct seccomp_prog *prog;

	if (getuid() != 0)
		SKIP("needs root: the unfiltered runs unshare and mount");
	EXPECT(NULL, probe_keyctl, 0);
	EXPECT(NULL, probe_clone3, EINVAL);
	EXPECT(NULL, probe_unshare_user, 0);
	EXPECT(NULL, probe_clone_newuts, 0);
	EXPECT(NULL, probe_kcmp, 0);
	prog = compile_default(hostcfg_default_caps());
	CHECK(prog != NULL);
	EXPECT(prog, probe_keyctl, EPERM);
	EXPECT(prog, probe_clone3, ENOSYS);
	EXPECT(prog, probe_unshare_user, EPERM);
	EXPECT(prog, probe_clone_newuts, EPERM);
	EXPECT(prog, probe_mount, EPERM);
	EXPECT(prog, probe_vsock, EPERM);
	EXPECT(prog, probe_persona_norandom, EPERM);
	EXPECT(prog, probe_io_uring, EPERM);
	EXPECT(prog, probe_kcmp, EPERM);
	EXPECT(prog, probe_fork, 0);
	EXPECT(prog, probe_thread, 0);
	EXPECT(prog, probe_unix, 0);
	EXPECT(prog, probe_persona_query, 0);
	EXPECT(prog, probe_files, 0);
	seccomp_prog_free(prog);
	/* with CAP_SYS_ADMIN and CAP_SYS_PTRACE their calls come back */
	prog = compile_default(hostcfg_default_caps() | BIT(CAP_SYS_ADMIN) | BIT(CAP_SYS_PTRACE));
	CHECK(prog != NULL);
	EXPECT(prog, probe_unshare_user, 0);
	EXPECT(prog, probe_clone_newuts, 0);
	EXPECT(prog, probe_clone3, EINVAL);
	EXPECT(prog, probe_kcmp, 0);
	EXPECT(prog, probe_keyctl, EPERM);
	seccomp_prog_free(prog);
}

/* ------------------------------------------------------------ docker's format */

static json_object *parse(const char *text)
{
	json_object *j = json_tokener_parse(text);

	if (j == NULL)
		abort();
	return j;
}

/* resolve(text) for caps; the result as plain JSON, or "ERR: message". */
static char *resolved(const char *text, uint64_t caps)
{
	json_object *in = parse(text), *out = NULL;
	struct ar_err err = { 0 };
	char *s;

	if (seccomp_profile_resolve(in, caps, "`p.json`", &out, &err) < 0)
		s = xasprintf("ERR: %s", err.msg);
	else
		s = xstrdup(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN));
	json_object_put(in);
	json_object_put(out);
	ar_err_clear(&err);
	return s;
}

#define RESOLVES(text, caps, want) do { _cleanup_free_ char *got_ = resolved(text, caps); \
	CHECK_STR(got_, want); } while (0)
#define REFUSED(text, want) do { _cleanup_free_ char *got_ = resolved(text, 0); \
	CHECK_CONTAINS(got_, want); } while (0)

static void docker_format_resolved(void)
{
	static const char prof[] =
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
		"{\"name\":\"a\",\"action\":\"SCMP_ACT_ALLOW\",\"comment\":\"x\"},"
		"{\"names\":[\"b\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"caps\":"
		"[\"CAP_SYS_ADMIN\",\"CAP_NET_ADMIN\"]}},"
		"{\"names\":[\"c\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38,"
		"\"excludes\":{\"caps\":[\"CAP_SYS_ADMIN\"]}},"
		"{\"names\":[\"d\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"minKernel\":\"2.6\"}},"
		"{\"names\":[\"e\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"minKernel\":\"99.0\"}},"
		"{\"names\":[\"f\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"arches\":[\"nope\"]}}]}";
	uint64_t both = BIT(CAP_SYS_ADMIN) | BIT(CAP_NET_ADMIN);

	RESOLVES(prof, 0, "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
		 "{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ALLOW\"},"
		 "{\"names\":[\"c\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38},"
		 "{\"names\":[\"d\"],\"action\":\"SCMP_ACT_ALLOW\"}]}");
	RESOLVES(prof, BIT(CAP_SYS_ADMIN), "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
		 "{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ALLOW\"},"
		 "{\"names\":[\"d\"],\"action\":\"SCMP_ACT_ALLOW\"}]}");
	RESOLVES(prof, both, "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
		 "{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ALLOW\"},"
		 "{\"names\":[\"b\"],\"action\":\"SCMP_ACT_ALLOW\"},"
		 "{\"names\":[\"d\"],\"action\":\"SCMP_ACT_ALLOW\"}]}");
	/* OCI's shape passes through */
	RESOLVES("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86\"],"
		 "\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"],\"syscalls\":[{\"names\":[\"x\"],"
		 "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"value\":1,\"op\":"
		 "\"SCMP_CMP_EQ\"}]}]}", 0,
		 "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"],"
		 "\"architectures\":[\"SCMP_ARCH_X86\"],\"syscalls\":[{\"names\":[\"x\"],"
		 "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"value\":1,\"op\":"
		 "\"SCMP_CMP_EQ\"}]}]}");
	/* archMap: the native entry (or none) */
	if (seccomp_native_scmp_arch() && strcmp(seccomp_native_scmp_arch(), "SCMP_ARCH_X86_64") == 0)
		RESOLVES("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"archMap\":[{\"architecture\":"
			 "\"SCMP_ARCH_AARCH64\",\"subArchitectures\":[\"SCMP_ARCH_ARM\"]},"
			 "{\"architecture\":\"SCMP_ARCH_X86_64\",\"subArchitectures\":"
			 "[\"SCMP_ARCH_X86\"]}]}", 0,
			 "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":"
			 "[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\"]}");
	RESOLVES("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"archMap\":[{\"architecture\":"
		 "\"SCMP_ARCH_S390X\"}]}", 0, "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}");
}

static void docker_format_refused(void)
{
	REFUSED("[]", "`p.json`: a seccomp profile is a JSON object");
	REFUSED("{}", "`p.json`: no `defaultAction` (--security-opt seccomp=unconfined");
	REFUSED("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"defaultaction\":1}",
		"`p.json`: unknown key `defaultaction`");
	REFUSED("{\"defaultAction\":\"A\",\"architectures\":[],\"archMap\":[]}",
		"both `architectures` and `archMap`");
	REFUSED("{\"defaultAction\":\"A\",\"syscalls\":{}}", "`p.json`: syscalls: must be an array");
	REFUSED("{\"defaultAction\":\"A\",\"syscalls\":[{\"action\":\"X\"}]}",
		"`p.json`: syscalls[0]: no `names`");
	REFUSED("{\"defaultAction\":\"A\",\"syscalls\":[{\"name\":\"a\",\"names\":[\"b\"],"
		"\"action\":\"X\"}]}", "syscalls[0]: both `name` and `names`");
	REFUSED("{\"defaultAction\":\"A\",\"syscalls\":[{\"names\":[\"a\"]}]}",
		"syscalls[0]: no `action`");
	REFUSED("{\"defaultAction\":\"A\",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"X\"},"
		"{\"names\":[\"b\"],\"action\":\"X\",\"includes\":{\"caps\":[\"CAP_BOGUS\"]}}]}",
		"syscalls[1].includes.caps: unknown capability `CAP_BOGUS`");
	REFUSED("{\"defaultAction\":\"A\",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"X\","
		"\"excludes\":{\"minKernel\":\"new\"}}]}",
		"syscalls[0].excludes.minKernel: `new` is not a kernel version");
	REFUSED("{\"defaultAction\":\"A\",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"X\","
		"\"includes\":{\"cap\":[]}}]}", "syscalls[0].includes: unknown key `cap`");
	REFUSED("{\"defaultAction\":\"A\",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"X\","
		"\"includes\":{\"arches\":\"amd64\"}}]}",
		"syscalls[0].includes.arches: must be an array of strings");
}

/* seccomp_profile_check: every rule, whatever the capabilities, numbered
 * as in the file, with the runtime's own checks. */
static void profile_check_whole(void)
{
	struct ar_err err = { 0 };
	json_object *def = seccomp_default_docker(), *bad;

	CHECK(seccomp_profile_check(def, "default", &err) == 0);
	json_object_put(def);
	bad = parse("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
		    "{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"caps\":"
		    "[\"CAP_SYS_ADMIN\"]}},{\"names\":[\"b\"],\"action\":\"SCMP_ACT_MAYBE\"}]}");
	CHECK(seccomp_profile_check(bad, "`p.json`", &err) < 0);
	CHECK_CONTAINS(err.msg, "`p.json`");
	CHECK_CONTAINS(err.msg, "syscalls[1]");
	CHECK_CONTAINS(err.msg, "SCMP_ACT_MAYBE");
	ar_err_clear(&err);
	json_object_put(bad);
}

UNIT_MAIN(UNIT(default_profile_shape), UNIT(rules_follow_capabilities),
	  UNIT(table_names_are_syscalls), UNIT(default_profile_in_the_kernel),
	  UNIT(docker_format_resolved), UNIT(docker_format_refused), UNIT(profile_check_whole))
