/* Unit tests for process.c: identity and capabilities are applied in forked
 * children (the test process keeps its own), which check /proc/self/status
 * and report back through a pipe. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "process.h"
#include "unit.h"
#include "util.h"

#define BIT(cap) (UINT64_C(1) << (cap))

/* ---- running a check in a child ---- */

static char child_msg[1024];

/* In a child: record why it failed and return the message. */
static const char *child_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *child_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(child_msg, sizeof child_msg, fmt, ap);
	va_end(ap);
	return child_msg;
}

typedef const char *(*child_fn)(void *arg);

/* Runs fn in a forked child; true when it returned NULL (success). */
static bool in_child(child_fn fn, void *arg)
{
	char msg[1024] = "";
	int fds[2], status = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return false;
	pid = fork();
	if (pid == 0) {
		const char *why = fn(arg);
		if (why && write(fds[1], why, strlen(why)) < 0)
			_exit(2);
		_exit(why ? 1 : 0);
	}
	close(fds[1]);
	n = pid > 0 ? read_all(fds[0], msg, sizeof msg - 1) : -1;
	close(fds[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
	if (n > 0) {
		msg[n] = '\0';
		fprintf(stderr, "  child: %s\n", msg);
	}
	return pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* The value of "Name:\t..." in /proc/self/status, trimmed; static buffer. */
static const char *status_field(const char *name)
{
	static char value[256];
	char line[512];
	size_t len = strlen(name);
	FILE *f = fopen("/proc/self/status", "re");

	value[0] = '\0';
	while (f && fgets(line, sizeof line, f)) {
		if (strncmp(line, name, len) == 0 && line[len] == ':') {
			char *v = line + len + 1;
			v += strspn(v, " \t");
			v[strcspn(v, "\n")] = '\0';
			while (*v && v[strlen(v) - 1] == ' ')
				v[strlen(v) - 1] = '\0';
			snprintf(value, sizeof value, "%s", v);
			break;
		}
	}
	if (f)
		fclose(f);
	return value;
}

#define EXPECT_FIELD(name, want) do { const char *got_ = status_field(name); \
	if (strcmp(got_, want) != 0) \
		return child_fail("%s: got `%s`, want `%s`", name, got_, want); } while (0)

static bool skip_unless_root(void)
{
	if (geteuid() == 0)
		return false;
	unit_skip_why = "needs root";
	return true;
}

/* ---- identity ---- */

static const char *child_full_identity(void *arg)
{
	uint32_t gids[] = { 10, 20 };
	struct spec_process p = {
		.user = { .uid = 1000, .gid = 1000, .additional_gids = gids, .n_additional_gids = 2 },
		.caps = { .present = true, .bounding = BIT(CAP_KILL) | BIT(CAP_NET_BIND_SERVICE),
			  .effective = BIT(CAP_KILL), .permitted = BIT(CAP_KILL) },
		.no_new_privileges = true,
	};
	struct ar_err err = { 0 };

	umask(0077);
	if (process_apply_identity(&p, false, &err) < 0)
		return child_fail("apply: %s", err.msg);
	EXPECT_FIELD("Uid", "1000\t1000\t1000\t1000");
	EXPECT_FIELD("Gid", "1000\t1000\t1000\t1000");
	EXPECT_FIELD("Groups", "10 20");
	EXPECT_FIELD("CapInh", "0000000000000000");
	EXPECT_FIELD("CapPrm", "0000000000000020");
	EXPECT_FIELD("CapEff", "0000000000000020");
	EXPECT_FIELD("CapBnd", "0000000000000420");
	EXPECT_FIELD("CapAmb", "0000000000000000");
	EXPECT_FIELD("NoNewPrivs", "1");
	EXPECT_FIELD("Umask", "0022");	/* runc's default when none is given */
	return NULL;
}

static void identity_full(void)
{
	if (skip_unless_root())
		return;
	CHECK(in_child(child_full_identity, NULL));
}

static const char *child_no_caps(void *arg)
{
	struct spec_process p = { .user = { .uid = 1000, .gid = 1001, .has_umask = true,
					    .umask = 0027 } };
	struct ar_err err = { 0 };
	gid_t host_groups[] = { 5, 6 };

	/* Stand-ins for supplementary groups a host process may carry. */
	if (setgroups(2, host_groups) < 0)
		return child_fail("setgroups: %s", strerror(errno));
	if (process_apply_identity(&p, false, &err) < 0)
		return child_fail("apply: %s", err.msg);
	EXPECT_FIELD("Uid", "1000\t1000\t1000\t1000");
	EXPECT_FIELD("Gid", "1001\t1001\t1001\t1001");
	EXPECT_FIELD("Groups", "");	/* the host's supplementary groups are dropped */
	EXPECT_FIELD("CapPrm", "0000000000000000");
	EXPECT_FIELD("CapEff", "0000000000000000");
	EXPECT_FIELD("NoNewPrivs", "0");
	EXPECT_FIELD("Umask", "0027");
	return NULL;
}

static void identity_without_caps(void)
{
	if (skip_unless_root())
		return;
	CHECK(in_child(child_no_caps, NULL));
}

static const char *child_big_ids(void *arg)
{
	const uint32_t *ids = arg;
	struct spec_process p = { .user = { .uid = ids[0], .gid = ids[1] } };
	struct ar_err err = { 0 };
	char want[128];

	if (process_apply_identity(&p, false, &err) < 0)
		return child_fail("apply: %s", err.msg);
	snprintf(want, sizeof want, "%u\t%u\t%u\t%u", ids[0], ids[0], ids[0], ids[0]);
	EXPECT_FIELD("Uid", want);
	snprintf(want, sizeof want, "%u\t%u\t%u\t%u", ids[1], ids[1], ids[1], ids[1]);
	EXPECT_FIELD("Gid", want);
	return NULL;
}

static void identity_large_ids_exact(void)
{
	uint32_t half[] = { 2147483648u, 2147483649u };
	uint32_t top[] = { 4294967294u, 4294967294u };

	if (skip_unless_root())
		return;
	CHECK(in_child(child_big_ids, half));
	CHECK(in_child(child_big_ids, top));
}

struct refusal {
	struct spec_process p;
	const char *want;	/* expected in the message */
};

static const char *child_expect_error(void *arg)
{
	const struct refusal *r = arg;
	struct ar_err err = { 0 };
	char bnd_before[64];

	snprintf(bnd_before, sizeof bnd_before, "%s", status_field("CapBnd"));
	if (process_apply_identity(&r->p, false, &err) == 0)
		return child_fail("applied, want error `%s`", r->want);
	if (strstr(err.msg, r->want) == NULL || err.errnum == 0)
		return child_fail("error `%s` (errnum %d) lacks `%s`", err.msg, err.errnum, r->want);
	/* Refused before anything changed. */
	EXPECT_FIELD("Uid", "0\t0\t0\t0");
	EXPECT_FIELD("CapBnd", bnd_before);
	return NULL;
}

static void identity_uid_minus_one_refused(void)
{
	struct refusal uid = {
		.p = { .user = { .uid = UINT32_MAX, .gid = 0 }, .caps = { .present = true } },
		.want = "process.user.uid: 4294967295 is not a valid uid",
	};
	struct refusal gid = {
		.p = { .user = { .uid = 0, .gid = UINT32_MAX } },
		.want = "process.user.gid: 4294967295 is not a valid gid",
	};

	if (skip_unless_root())
		return;
	CHECK(in_child(child_expect_error, &uid));
	CHECK(in_child(child_expect_error, &gid));
}

static void identity_ambient_needs_inheritable(void)
{
	struct refusal r = {
		.p = { .user = { .uid = 1000, .gid = 1000 },
		       .caps = { .present = true, .bounding = BIT(CAP_KILL),
				 .effective = BIT(CAP_KILL), .permitted = BIT(CAP_KILL),
				 .ambient = BIT(CAP_KILL) } },
		.want = "capability `CAP_KILL` in ambient needs it in permitted and inheritable",
	};

	if (skip_unless_root())
		return;
	CHECK(in_child(child_expect_error, &r));
}

static const char *child_ambient(void *arg)
{
	uint64_t nbs = BIT(CAP_NET_BIND_SERVICE);
	struct spec_process p = {
		.user = { .uid = 1000, .gid = 1000 },
		.caps = { .present = true, .bounding = nbs, .effective = nbs, .permitted = nbs,
			  .inheritable = nbs, .ambient = nbs },
	};
	struct ar_err err = { 0 };
	/* A cap beyond what any kernel knows is ignored, not an error. */
	p.caps.permitted |= BIT(63);
	p.caps.effective |= BIT(63);

	if (process_apply_identity(&p, false, &err) < 0)
		return child_fail("apply: %s", err.msg);
	EXPECT_FIELD("CapAmb", "0000000000000400");
	EXPECT_FIELD("CapInh", "0000000000000400");
	EXPECT_FIELD("CapPrm", "0000000000000400");
	EXPECT_FIELD("CapBnd", "0000000000000400");
	return NULL;
}

static void identity_ambient_raised(void)
{
	if (skip_unless_root())
		return;
	CHECK(in_child(child_ambient, NULL));
}

/* A user namespace with setgroups denied: no groups asked is fine, some
 * groups asked is an error naming setgroups. */
static const char *child_userns_deny(void *arg)
{
	uint32_t gids[] = { 0 };
	struct spec_process none = { .user = { .uid = 0, .gid = 0 } };
	struct spec_process some = { .user = { .uid = 0, .gid = 0, .additional_gids = gids,
					       .n_additional_gids = 1 } };
	struct ar_err err = { 0 };

	if (unshare(CLONE_NEWUSER) < 0 ||
	    write_file_at(AT_FDCWD, "/proc/self/uid_map", "0 0 1", 5, 0, 0, &err) < 0 ||
	    write_file_at(AT_FDCWD, "/proc/self/setgroups", "deny", 4, 0, 0, &err) < 0 ||
	    write_file_at(AT_FDCWD, "/proc/self/gid_map", "0 0 1", 5, 0, 0, &err) < 0)
		return child_fail("user namespace setup: %s", err.msg ? err.msg : strerror(errno));
	if (process_apply_identity(&none, true, &err) < 0)
		return child_fail("no groups: %s", err.msg);
	if (process_apply_identity(&some, true, &err) == 0)
		return child_fail("additionalGids accepted with setgroups denied");
	if (strstr(err.msg, "setgroups") == NULL || err.errnum != EPERM)
		return child_fail("bad error `%s`", err.msg);
	ar_err_clear(&err);
	return NULL;
}

static void identity_userns_setgroups_denied(void)
{
	if (skip_unless_root())
		return;
	CHECK(in_child(child_userns_deny, NULL));
}

/* ---- rlimits and oom ---- */

static const char *child_rlimits(void *arg)
{
	struct spec_rlimit rl[] = { { RLIMIT_NOFILE, 100, 200 }, { RLIMIT_CORE, 0, 0 } };
	struct spec_rlimit bad[] = { { RLIMIT_NOFILE, 300, 200 } };
	struct spec_process p = { .rlimits = rl, .n_rlimits = 2 };
	struct ar_err err = { 0 };
	struct rlimit got;

	if (process_apply_rlimits(&p, &err) < 0)
		return child_fail("apply: %s", err.msg);
	if (getrlimit(RLIMIT_NOFILE, &got) < 0 || got.rlim_cur != 100 || got.rlim_max != 200)
		return child_fail("NOFILE is %llu/%llu", (unsigned long long)got.rlim_cur,
				  (unsigned long long)got.rlim_max);
	if (getrlimit(RLIMIT_CORE, &got) < 0 || got.rlim_cur != 0 || got.rlim_max != 0)
		return child_fail("CORE not 0/0");
	p.rlimits = bad;
	p.n_rlimits = 1;
	if (process_apply_rlimits(&p, &err) == 0)
		return child_fail("soft > hard accepted");
	if (strstr(err.msg, "setrlimit `RLIMIT_NOFILE` (soft 300, hard 200)") == NULL ||
	    err.errnum != EINVAL)
		return child_fail("bad error `%s`", err.msg);
	ar_err_clear(&err);
	return NULL;
}

static void rlimits_applied(void)
{
	CHECK(in_child(child_rlimits, NULL));
}

static const char *child_oom(void *arg)
{
	struct spec_process p = { .has_oom_score_adj = true, .oom_score_adj = 500 };
	struct spec_process off = { .has_oom_score_adj = false, .oom_score_adj = 900 };
	struct ar_err err = { 0 };
	_cleanup_free_ char *text = NULL;

	if (process_apply_oom_score_adj(&p, &err) < 0 || process_apply_oom_score_adj(&off, &err) < 0)
		return child_fail("apply: %s", err.msg);
	if (read_file_at(AT_FDCWD, "/proc/self/oom_score_adj", &text, NULL, &err) < 0)
		return child_fail("read: %s", err.msg);
	if (strcmp(text, "500\n") != 0)
		return child_fail("oom_score_adj is `%s`", text);
	return NULL;
}

static void oom_score_adj_written(void)
{
	CHECK(in_child(child_oom, NULL));
}

/* ---- executable lookup and cwd ---- */

struct exe_dir {
	char path[64];
};

static int make_exe_dir(struct exe_dir *d)
{
	char *f;
	int rc = 0;

	snprintf(d->path, sizeof d->path, "/tmp/argon-test-exe.XXXXXX");
	if (mkdtemp(d->path) == NULL)
		return -1;
	f = xasprintf("%s/prog", d->path);
	rc |= write_file_at(AT_FDCWD, f, "#!/bin/sh\n", 10, O_CREAT, 0755, NULL);
	free(f);
	f = xasprintf("%s/plain", d->path);
	rc |= write_file_at(AT_FDCWD, f, "x", 1, O_CREAT, 0644, NULL);
	free(f);
	f = xasprintf("%s/adir", d->path);
	rc |= mkdir(f, 0755);
	free(f);
	/* Decoys for the PATH search: a plain file and a directory named prog. */
	f = xasprintf("%s/adir/prog", d->path);
	rc |= write_file_at(AT_FDCWD, f, "x", 1, O_CREAT, 0644, NULL);
	free(f);
	f = xasprintf("%s/shadow", d->path);
	rc |= mkdir(f, 0755);
	free(f);
	f = xasprintf("%s/shadow/prog", d->path);
	rc |= mkdir(f, 0755);
	free(f);
	return rc;
}

static void find_executable_in_path(void)
{
	struct exe_dir d;
	char *pathenv, *env[3] = { "FOO=1", NULL, NULL };
	char *args[] = { "prog", NULL };
	struct spec_process p = { .args = args, .env = env };
	struct ar_err err = { 0 };
	_cleanup_free_ char *found = NULL, *want = NULL;
	int rc;

	CHECK(make_exe_dir(&d) == 0);
	/* A non-executable file and a directory earlier in PATH are skipped. */
	pathenv = xasprintf("PATH=/nonexistent::%s/shadow:%s/adir:%s", d.path, d.path, d.path);
	env[1] = pathenv;
	rc = process_find_executable(&p, &found, &err);
	want = xasprintf("%s/prog", d.path);
	rm_rf_at(AT_FDCWD, d.path, NULL);
	free(pathenv);
	CHECK(rc == 0);
	CHECK_STR(found, want);
}

static void find_executable_errors(void)
{
	struct exe_dir d;
	char *env[] = { NULL, NULL };
	char *args[] = { "plain", NULL };
	struct spec_process p = { .args = args, .env = env };
	struct ar_err e_path = { 0 }, e_plain = { 0 }, e_dir = { 0 }, e_missing = { 0 };
	_cleanup_free_ char *plain = NULL, *adir = NULL, *missing = NULL, *found = NULL;
	int r_path, r_plain, r_dir, r_missing;

	CHECK(make_exe_dir(&d) == 0);
	env[0] = xasprintf("PATH=%s", d.path);
	r_path = process_find_executable(&p, &found, &e_path);
	args[0] = plain = xasprintf("%s/plain", d.path);
	r_plain = process_find_executable(&p, &found, &e_plain);
	args[0] = adir = xasprintf("%s/adir", d.path);
	r_dir = process_find_executable(&p, &found, &e_dir);
	args[0] = missing = xasprintf("%s/missing", d.path);
	r_missing = process_find_executable(&p, &found, &e_missing);
	rm_rf_at(AT_FDCWD, d.path, NULL);
	free(env[0]);
	CHECK(r_path < 0 && e_path.errnum == ENOENT);
	CHECK_STR(e_path.msg, "exec `plain`: executable file not found in $PATH");
	CHECK(r_plain < 0 && e_plain.errnum == EACCES);
	CHECK(r_dir < 0 && e_dir.errnum == EACCES);
	CHECK(r_missing < 0 && e_missing.errnum == ENOENT);
	CHECK_CONTAINS(e_missing.msg, "exec `");
	CHECK_CONTAINS(e_missing.msg, "/missing`: No such file or directory");
	CHECK(found == NULL);
	ar_err_clear(&e_path);
	ar_err_clear(&e_plain);
	ar_err_clear(&e_dir);
	ar_err_clear(&e_missing);
}

static void find_executable_default_path(void)
{
	char *args[] = { "sh", NULL };
	struct spec_process p = { .args = args, .env = NULL };
	struct ar_err err = { 0 };
	_cleanup_free_ char *found = NULL;
	struct stat st;

	CHECK(process_find_executable(&p, &found, &err) == 0);
	CHECK(found[0] == '/');
	CHECK(strcmp(found + strlen(found) - 3, "/sh") == 0);
	CHECK(stat(found, &st) == 0 && S_ISREG(st.st_mode));
}

/* CVE-2024-21626: a cwd through an open directory fd (a magic link) is
 * refused, even though the fd's directory exists. */
static const char *chdir_refuses_magic_link(void)
{
	struct ar_err err = { 0 };
	char path[64];
	int fd = open("/tmp", O_RDONLY | O_DIRECTORY);	/* deliberately inheritable */
	struct spec_process leak = { .cwd = path };
	int r;

	if (fd < 0)
		return child_fail("open /tmp: %s", strerror(errno));
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	r = process_chdir(&leak, &err);
	close(fd);
	if (r == 0)
		return child_fail("chdir through `%s` succeeded", path);
	ar_err_clear(&err);
	return NULL;
}

static const char *child_chdir(void *arg)
{
	struct spec_process ok = { .cwd = "/proc/self" }, bad = { .cwd = "/nonexistent/cwd" };
	struct ar_err err = { 0 };
	char buf[256];

	if (process_chdir(&ok, &err) < 0)
		return child_fail("chdir: %s", err.msg);
	if (getcwd(buf, sizeof buf) == NULL || strncmp(buf, "/proc/", 6) != 0)
		return child_fail("cwd is not under /proc");
	if (process_chdir(&bad, &err) == 0)
		return child_fail("chdir to a missing dir succeeded");
	if (strstr(err.msg, "process.cwd `/nonexistent/cwd`") == NULL || err.errnum != ENOENT)
		return child_fail("bad error `%s`", err.msg);
	ar_err_clear(&err);
	return chdir_refuses_magic_link();
}

static void chdir_cwd(void)
{
	CHECK(in_child(child_chdir, NULL));
}

/* ---- fd sweep ---- */

/* Opens fds (some close-on-exec already), keeps one, then checks the flags
 * and what an exec'd shell really sees. */
static const char *child_cloexec(void *arg)
{
	bool no_close_range = arg != NULL;
	int fds[4], keep, status;
	struct ar_err err = { 0 };
	char script[256];
	pid_t pid;

	for (int i = 0; i < 4; i++)
		fds[i] = fcntl(STDERR_FILENO, i == 2 ? F_DUPFD_CLOEXEC : F_DUPFD, 10 + i * 3);
	keep = fds[2];	/* starts close-on-exec: must be cleared */
	if (no_close_range) {
		/* Make close_range ENOSYS to exercise the /proc/self/fd walk. */
		struct sock_filter f[] = {
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_close_range, 0, 1),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		struct sock_fprog prog = { .len = 4, .filter = f };
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
			return child_fail("seccomp: %s", strerror(errno));
		if (syscall(SYS_close_range, 100, 101, 0) == 0 || errno != ENOSYS)
			return child_fail("close_range not blocked");
	}
	if (process_cloexec_fds(3, &keep, 1, &err) < 0)
		return child_fail("cloexec: %s", err.msg);
	for (int i = 0; i < 4; i++) {
		int flags = fcntl(fds[i], F_GETFD);
		if (flags < 0 || !!(flags & FD_CLOEXEC) != (fds[i] != keep))
			return child_fail("fd %d flags %d", fds[i], flags);
	}
	snprintf(script, sizeof script,
		 "test -e /proc/self/fd/%d && ! test -e /proc/self/fd/%d && "
		 "! test -e /proc/self/fd/%d && ! test -e /proc/self/fd/%d",
		 keep, fds[0], fds[1], fds[3]);
	pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", script, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return child_fail("exec'd shell saw the wrong fds (%s)", script);
	return NULL;
}

static void cloexec_fds_close_range(void)
{
	CHECK(in_child(child_cloexec, NULL));
}

static void cloexec_fds_proc_walk(void)
{
	CHECK(in_child(child_cloexec, (void *)1));
}

UNIT_MAIN(UNIT(identity_full), UNIT(identity_without_caps), UNIT(identity_large_ids_exact),
	  UNIT(identity_uid_minus_one_refused), UNIT(identity_ambient_needs_inheritable),
	  UNIT(identity_ambient_raised), UNIT(identity_userns_setgroups_denied), UNIT(rlimits_applied), UNIT(oom_score_adj_written),
	  UNIT(find_executable_in_path), UNIT(find_executable_errors),
	  UNIT(find_executable_default_path), UNIT(chdir_cwd), UNIT(cloexec_fds_close_range),
	  UNIT(cloexec_fds_proc_walk))
