/* argon — turning the current process into the configured one: limits,
 * identity, capabilities, executable lookup, cwd and the fd sweep. Runs in the
 * container child; every failure is reported through *err, never printed. */

#include "process.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "resolve.h"
#include "seccomp.h"
#include "util.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define DEFAULT_UMASK 0022
/* 32-bit ABIs keep 16-bit ids in the old syscalls; use the 32-bit ones. */
#ifdef SYS_setresuid32
#define SYS_SETRESUID SYS_setresuid32
#define SYS_SETRESGID SYS_setresgid32
#define SYS_SETGROUPS SYS_setgroups32
#else
#define SYS_SETRESUID SYS_setresuid
#define SYS_SETRESGID SYS_setresgid
#define SYS_SETGROUPS SYS_setgroups
#endif
/* (uid_t)-1 means "leave unchanged" to set*id(): never a real id. */
#define ID_UNCHANGED UINT32_MAX

/* An error whose message needs no strerror suffix but still carries errnum. */
static int error_plain(struct ar_err *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int error_plain(struct ar_err *err, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ar_verror(err, 0, fmt, ap);
	va_end(ap);
	if (err)
		err->errnum = errnum;
	return -1;
}

/* ---- names for messages ---- */

/* spec_tables.c maps names to resources only; this is the reverse. */
static const char *rlimit_label(int resource)
{
	static const char *const names[] = {
		[RLIMIT_CPU] = "RLIMIT_CPU", [RLIMIT_FSIZE] = "RLIMIT_FSIZE",
		[RLIMIT_DATA] = "RLIMIT_DATA", [RLIMIT_STACK] = "RLIMIT_STACK",
		[RLIMIT_CORE] = "RLIMIT_CORE", [RLIMIT_RSS] = "RLIMIT_RSS",
		[RLIMIT_NPROC] = "RLIMIT_NPROC", [RLIMIT_NOFILE] = "RLIMIT_NOFILE",
		[RLIMIT_MEMLOCK] = "RLIMIT_MEMLOCK", [RLIMIT_AS] = "RLIMIT_AS",
		[RLIMIT_LOCKS] = "RLIMIT_LOCKS", [RLIMIT_SIGPENDING] = "RLIMIT_SIGPENDING",
		[RLIMIT_MSGQUEUE] = "RLIMIT_MSGQUEUE", [RLIMIT_NICE] = "RLIMIT_NICE",
		[RLIMIT_RTPRIO] = "RLIMIT_RTPRIO", [RLIMIT_RTTIME] = "RLIMIT_RTTIME",
	};
	if (resource >= 0 && (size_t)resource < sizeof names / sizeof names[0] && names[resource])
		return names[resource];
	return "RLIMIT_?";
}

static const char *cap_label(int cap)
{
	const char *name = cap_name(cap);
	return name ? name : "CAP_?";
}

/* ---- limits ---- */

int process_apply_rlimits(const struct spec_process *p, struct ar_err *err)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		const struct spec_rlimit *rl = &p->rlimits[i];
		struct rlimit64 lim = { .rlim_cur = rl->soft, .rlim_max = rl->hard };

		if (prlimit64(0, rl->resource, &lim, NULL) < 0)
			return ar_error(err, errno, "setrlimit `%s` (soft %llu, hard %llu)",
					rlimit_label(rl->resource),
					(unsigned long long)rl->soft, (unsigned long long)rl->hard);
	}
	return 0;
}

int process_apply_oom_score_adj(const struct spec_process *p, struct ar_err *err)
{
	char buf[32];
	int n;

	if (!p->has_oom_score_adj)
		return 0;
	n = snprintf(buf, sizeof buf, "%d", p->oom_score_adj);
	if (write_file_at(AT_FDCWD, "/proc/self/oom_score_adj", buf, (size_t)n, 0, 0, err) < 0)
		return ar_err_prefix(err, "set oom_score_adj %d", p->oom_score_adj);
	return 0;
}

/* ---- capabilities ---- */

/* The highest capability the running kernel knows; newer names in a config
 * are ignored rather than failing, like runc. */
static int kernel_last_cap(void)
{
	_cleanup_free_ char *text = NULL;
	uint64_t v;
	int cap;

	if (read_file_at(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", &text, NULL, NULL) == 0) {
		text[strcspn(text, "\n")] = '\0';
		if (parse_u64(text, &v) == 0 && v < 64)
			return (int)v;
	}
	/* No /proc: probe the bounding set, which answers EINVAL past the end. */
	for (cap = 0; cap < 63; cap++)
		if (prctl(PR_CAPBSET_READ, cap + 1, 0, 0, 0) < 0 && errno == EINVAL)
			break;
	return cap;
}

static uint64_t caps_mask(int last_cap)
{
	return last_cap >= 63 ? UINT64_MAX : (UINT64_C(1) << (last_cap + 1)) - 1;
}

static int drop_bounding(uint64_t keep, int last_cap, struct ar_err *err)
{
	for (int cap = 0; cap <= last_cap; cap++) {
		if (keep & (UINT64_C(1) << cap))
			continue;
		/* Skip what is already gone: dropping needs CAP_SETPCAP even then. */
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 0)
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return ar_error(err, errno, "drop `%s` from the bounding set", cap_label(cap));
	}
	return 0;
}

struct capsets {
	uint64_t eff, prm, inh;
};

static int caps_get(struct capsets *cs, struct ar_err *err)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data) < 0)
		return ar_error(err, errno, "capget");
	cs->eff = data[0].effective | (uint64_t)data[1].effective << 32;
	cs->prm = data[0].permitted | (uint64_t)data[1].permitted << 32;
	cs->inh = data[0].inheritable | (uint64_t)data[1].inheritable << 32;
	return 0;
}

static int caps_set(const struct capsets *cs, struct ar_err *err)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2];

	for (int i = 0; i < 2; i++) {
		data[i].effective = (uint32_t)(cs->eff >> (32 * i));
		data[i].permitted = (uint32_t)(cs->prm >> (32 * i));
		data[i].inheritable = (uint32_t)(cs->inh >> (32 * i));
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		return ar_error(err, errno, "capset (effective %#llx, permitted %#llx, inheritable %#llx)",
				(unsigned long long)cs->eff, (unsigned long long)cs->prm,
				(unsigned long long)cs->inh);
	return 0;
}

static int set_ambient(uint64_t ambient, struct ar_err *err)
{
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && ambient != 0)
		return ar_error(err, errno, "clear the ambient capabilities");
	for (int cap = 0; cap < 64; cap++) {
		if (!(ambient & (UINT64_C(1) << cap)))
			continue;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			return ar_error(err, errno, "raise ambient capability `%s`", cap_label(cap));
	}
	return 0;
}

/* ---- identity ---- */

/* Refuses what the kernel would silently misread, before anything changes. */
static int check_identity(const struct spec_process *p, uint64_t known, struct ar_err *err)
{
	uint64_t ambient = p->caps.ambient & known;
	uint64_t usable = p->caps.permitted & p->caps.inheritable;

	if (p->user.uid == ID_UNCHANGED)
		return error_plain(err, EINVAL, "process.user.uid: %u is not a valid uid", p->user.uid);
	if (p->user.gid == ID_UNCHANGED)
		return error_plain(err, EINVAL, "process.user.gid: %u is not a valid gid", p->user.gid);
	for (size_t i = 0; i < p->user.n_additional_gids; i++)
		if (p->user.additional_gids[i] == ID_UNCHANGED)
			return error_plain(err, EINVAL, "process.user.additionalGids: %u is not a valid gid",
					p->user.additional_gids[i]);
	for (int cap = 0; p->caps.present && cap < 64; cap++)
		if ((ambient & (UINT64_C(1) << cap)) && !(usable & (UINT64_C(1) << cap)))
			return error_plain(err, EINVAL,
					   "capability `%s` in ambient needs it in permitted and inheritable",
					   cap_label(cap));
	return 0;
}

/* In a user namespace whose setgroups file says "deny", setgroups() always
 * fails; that is fine only when no groups were asked for. */
static bool setgroups_denied(void)
{
	_cleanup_free_ char *text = NULL;

	if (read_file_at(AT_FDCWD, "/proc/self/setgroups", &text, NULL, NULL) < 0)
		return false;
	return strncmp(text, "deny", 4) == 0;
}

static int set_groups(const struct spec_user *u, bool in_userns, struct ar_err *err)
{
	if (in_userns && setgroups_denied()) {
		if (u->n_additional_gids == 0)
			return 0;
		return error_plain(err, EPERM, "setgroups: additionalGids need /proc/self/setgroups "
				   "to allow setgroups in the user namespace");
	}
	/* With no list this drops the host's supplementary groups. */
	if (syscall(SYS_SETGROUPS, u->n_additional_gids, u->additional_gids) < 0)
		return ar_error(err, errno, "setgroups (%zu additionalGids)", u->n_additional_gids);
	return 0;
}

/* Raw syscalls: the caller may be a raw clone() child where glibc's set*id
 * thread broadcast has no valid thread list; values go through as uint32. */
static int switch_ids(const struct spec_user *u, struct ar_err *err)
{
	if (syscall(SYS_SETRESGID, u->gid, u->gid, u->gid) < 0)
		return ar_error(err, errno, "setresgid to %u", u->gid);
	if (syscall(SYS_SETRESUID, u->uid, u->uid, u->uid) < 0)
		return ar_error(err, errno, "setresuid to %u", u->uid);
	return 0;
}

int process_apply_user(const struct spec_process *p, bool in_userns, struct ar_err *err)
{
	int last_cap = kernel_last_cap();
	struct capsets now;

	if (check_identity(p, caps_mask(last_cap), err) < 0)
		return -1;
	if (p->caps.present && drop_bounding(p->caps.bounding, last_cap, err) < 0)
		return -1;
	/* Keep the permitted set across the switch to a non-root uid: the
	 * final sets come last (process_apply_caps), and a seccomp filter
	 * loaded without no_new_privs needs CAP_SYS_ADMIN until then. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return ar_error(err, errno, "prctl PR_SET_KEEPCAPS");
	if (set_groups(&p->user, in_userns, err) < 0 || switch_ids(&p->user, err) < 0)
		return -1;
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return ar_error(err, errno, "prctl PR_SET_KEEPCAPS");
	/* Nothing inheritable or ambient from whoever started the runtime
	 * survives, even without process.capabilities (CVE-2022-27650). */
	if (caps_get(&now, err) < 0)
		return -1;
	now.inh = 0;
	if (caps_set(&now, err) < 0 || set_ambient(0, err) < 0)
		return -1;
	umask(p->user.has_umask ? (mode_t)p->user.umask : DEFAULT_UMASK);
	return 0;
}

/* The sets the process ends with. Without process.capabilities: the
 * kernel's rule for the uid (root keeps its set, any other uid has none). */
static void final_caps(const struct spec_process *p, uint64_t known,
		       const struct capsets *now, struct capsets *t)
{
	if (p->caps.present) {
		t->eff = p->caps.effective & known;
		t->prm = p->caps.permitted & known;
		t->inh = p->caps.inheritable & known;
	} else {
		t->eff = t->prm = p->user.uid == 0 ? now->prm : 0;
		t->inh = 0;
	}
}

static int load_filter(const struct seccomp_prog *f, process_listener_fn hand_off, void *arg,
		       struct ar_err *err)
{
	int listener = -1;

	if (seccomp_prog_load(f, f->notify ? &listener : NULL, err) < 0)
		return ar_err_prefix(err, "load the seccomp filter");
	if (listener < 0)
		return 0;
	if (hand_off == NULL) {
		close(listener);
		return ar_fail(err, EINVAL, "seccomp: no one to hand the notify listener to");
	}
	return hand_off(listener, arg, err);
}

/* Without no_new_privs, seccomp(2) wants CAP_SYS_ADMIN in the effective
 * set: raise effective to the (still wide) permitted set, then load. */
static int load_privileged(const struct seccomp_prog *f, const struct capsets *now,
			   process_listener_fn hand_off, void *arg, struct ar_err *err)
{
	struct capsets raised = { .eff = now->prm, .prm = now->prm, .inh = now->inh };

	if (!(now->prm & (UINT64_C(1) << CAP_SYS_ADMIN)))
		return ar_fail(err, EPERM, "load the seccomp filter: without noNewPrivileges it "
			       "needs CAP_SYS_ADMIN, which the runtime does not have");
	if (caps_set(&raised, err) < 0)
		return -1;
	return load_filter(f, hand_off, arg, err);
}

int process_apply_caps(const struct spec_process *p, const struct seccomp_prog *filter,
		       process_listener_fn hand_off, void *arg, struct ar_err *err)
{
	uint64_t known = caps_mask(kernel_last_cap());
	struct capsets now, target;
	bool early;

	if (caps_get(&now, err) < 0)
		return -1;
	final_caps(p, known, &now, &target);
	/* The filter goes last unless loading it needs a capability the
	 * final sets lack: then it goes first, and must allow what follows. */
	early = filter && !p->no_new_privileges &&
		!(target.eff & (UINT64_C(1) << CAP_SYS_ADMIN));
	if (early && load_privileged(filter, &now, hand_off, arg, err) < 0)
		return -1;
	if (caps_set(&target, err) < 0 ||
	    set_ambient(p->caps.present ? p->caps.ambient & known : 0, err) < 0) {
		if (early)
			ar_err_prefix(err, "set capabilities under the seccomp filter (without "
				      "noNewPrivileges it must allow capset and prctl)");
		return -1;
	}
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return ar_error(err, errno, "prctl PR_SET_NO_NEW_PRIVS");
	if (filter && !early)
		return load_filter(filter, hand_off, arg, err);
	return 0;
}

bool process_filter_may_wait(const struct spec_process *p)
{
	struct capsets now, target;

	if (p->no_new_privileges)
		return true;
	if (caps_get(&now, NULL) < 0)
		return false;
	final_caps(p, caps_mask(kernel_last_cap()), &now, &target);
	return (target.eff & (UINT64_C(1) << CAP_SYS_ADMIN)) != 0;
}

int process_load_filter(const struct seccomp_prog *filter, struct ar_err *err)
{
	return load_filter(filter, NULL, NULL, err);
}

int process_check_caps(const struct spec_caps *c, uint64_t bounding, struct ar_err *err)
{
	static const char *const names[] = {
		"bounding", "effective", "permitted", "inheritable", "ambient",
	};
	const uint64_t sets[] = { c->bounding, c->effective, c->permitted, c->inheritable,
				  c->ambient };
	uint64_t known = caps_mask(kernel_last_cap());

	for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
		uint64_t over = sets[i] & known & ~bounding;
		if (over)
			return ar_fail(err, EPERM, "capability `%s` (%s) is not in the container's "
				       "bounding set", cap_label(__builtin_ctzll(over)), names[i]);
	}
	return 0;
}

int process_apply_identity(const struct spec_process *p, bool in_userns, struct ar_err *err)
{
	if (process_apply_user(p, in_userns, err) < 0)
		return -1;
	return process_apply_caps(p, NULL, NULL, NULL, err);
}

/* ---- executable lookup ---- */

/* 0 when `path` is a file we may execute, else the errno execve would give. */
static int executable_status(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return errno;
	if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
		return EACCES;
	/* Also catches noexec mounts and the effective ids after the switch. */
	if (faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) < 0)
		return errno;
	return 0;
}

static const char *env_path(char *const *env)
{
	for (size_t i = 0; env && env[i]; i++)
		if (strncmp(env[i], "PATH=", 5) == 0)
			return env[i] + 5;
	return DEFAULT_PATH;
}

static char *search_path(const char *search, const char *name)
{
	const char *dir = search;

	for (;;) {
		size_t len = strcspn(dir, ":");
		/* An empty PATH element means the current directory (POSIX). */
		char *cand = len ? xasprintf("%.*s/%s", (int)len, dir, name) : xasprintf("./%s", name);

		if (executable_status(cand) == 0)
			return cand;
		free(cand);
		if (dir[len] == '\0')
			return NULL;
		dir += len + 1;
	}
}

int process_find_executable(const struct spec_process *p, char **path, struct ar_err *err)
{
	const char *arg0 = p->args ? p->args[0] : NULL;
	char *found;
	int status;

	if (arg0 == NULL || arg0[0] == '\0')
		return ar_error(err, EINVAL, "process.args: no program to run");
	if (strchr(arg0, '/')) {
		status = executable_status(arg0);
		if (status != 0)
			return ar_error(err, status, "exec `%s`", arg0);
		*path = xstrdup(arg0);
		return 0;
	}
	found = search_path(env_path(p->env), arg0);
	if (found == NULL)
		return error_plain(err, ENOENT, "exec `%s`: executable file not found in $PATH",
				   arg0);
	*path = found;
	return 0;
}

int process_chdir(const struct spec_process *p, struct ar_err *err)
{
	const char *cwd = p->cwd ? p->cwd : "/";
	_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int dir = -1;
	char buf[4096];

	if (root < 0)
		return ar_error(err, errno, "open `/`");
	dir = resolve_open(root, cwd, O_PATH | O_DIRECTORY, err);
	if (dir < 0)
		return ar_err_prefix(err, "process.cwd `%s`", cwd);
	if (fchdir(dir) < 0)
		return ar_error(err, errno, "chdir to process.cwd `%s`", cwd);
	/* getcwd fails (ENOENT) when the cwd is not reachable from our root. */
	if (getcwd(buf, sizeof buf) == NULL || buf[0] != '/')
		return ar_error(err, EPERM, "process.cwd `%s` is outside the container", cwd);
	return 0;
}

/* ---- the fd sweep ---- */

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static bool is_kept(int fd, const int *keep, size_t n_keep)
{
	for (size_t i = 0; i < n_keep; i++)
		if (keep[i] == fd)
			return true;
	return false;
}

/* close_range() over the gaps between kept fds; -1 with errno on failure. */
static int cloexec_ranges(int first_fd, const int *keep, size_t n_keep)
{
	_cleanup_free_ int *sorted = xmalloc((n_keep + 1) * sizeof *sorted);
	unsigned lo = (unsigned)first_fd;

	memcpy(sorted, keep, n_keep * sizeof *sorted);
	qsort(sorted, n_keep, sizeof *sorted, cmp_int);
	for (size_t i = 0; i < n_keep; i++) {
		if (sorted[i] < 0 || (unsigned)sorted[i] < lo)
			continue;
		if ((unsigned)sorted[i] > lo &&
		    syscall(SYS_close_range, lo, (unsigned)sorted[i] - 1, CLOSE_RANGE_CLOEXEC) < 0)
			return -1;
		lo = (unsigned)sorted[i] + 1;
	}
	return (int)syscall(SYS_close_range, lo, ~0U, CLOSE_RANGE_CLOEXEC);
}

static int cloexec_walk(int first_fd, const int *keep, size_t n_keep, struct ar_err *err)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	if (d == NULL)
		return ar_error(err, errno, "open `/proc/self/fd`");
	while ((de = readdir(d)) != NULL) {
		uint64_t v;
		int fd, flags;

		if (parse_u64(de->d_name, &v) < 0 || v > INT32_MAX)
			continue;
		fd = (int)v;
		if (fd < first_fd || fd == dirfd(d) || is_kept(fd, keep, n_keep))
			continue;
		flags = fcntl(fd, F_GETFD);
		if (flags >= 0 && !(flags & FD_CLOEXEC))
			fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
	}
	closedir(d);
	return 0;
}

int process_cloexec_fds(int first_fd, const int *keep, size_t n_keep, struct ar_err *err)
{
	if (first_fd < 0)
		first_fd = 0;
	if (cloexec_ranges(first_fd, keep, n_keep) < 0 &&
	    cloexec_walk(first_fd, keep, n_keep, err) < 0)
		return -1;
	/* Kept fds are meant to reach the new program. */
	for (size_t i = 0; i < n_keep; i++) {
		int flags = fcntl(keep[i], F_GETFD);

		if (flags < 0 || fcntl(keep[i], F_SETFD, flags & ~FD_CLOEXEC) < 0)
			return ar_error(err, errno, "keep fd %d open across exec", keep[i]);
	}
	return 0;
}
