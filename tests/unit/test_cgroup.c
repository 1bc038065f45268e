/* Unit tests of the job object (cgroup.c, cgroup_v1.c, cgroup_v2.c) on the
 * real host: each test makes a cgroup below argon-test/<pid>-<n>, puts
 * forked children in it and checks what the kernel does with the limits.
 * Needs root; without it every test says so and passes. The last test
 * fails if any argon-test cgroup was left behind. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "resources.h"
#include "util.h"
#include "unit.h"

#define MiB (1024 * 1024)

static int seq;
static char **dirs_before;	/* argon-test cgroups that existed before this run */

/* ---- helpers ---- */

static bool need_root(void)
{
	if (geteuid() == 0)
		return true;
	unit_skip_why = "needs root (cgroups)";
	return false;
}

static char **found;
static size_t n_found;

static int collect_test_dir(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	if (flag == FTW_D && strstr(path, "argon-test")) {
		found = xrealloc(found, (n_found + 2) * sizeof *found);
		found[n_found++] = xstrdup(path);
		found[n_found] = NULL;
	}
	return 0;
}

/* Every argon-test cgroup dir of every hierarchy, NULL-terminated. */
static char **scan_test_dirs(void)
{
	found = xcalloc(1, sizeof *found);
	n_found = 0;
	nftw("/sys/fs/cgroup", collect_test_dir, 32, FTW_PHYS);
	return steal_ptr(&found);
}

__attribute__((constructor)) static void setup(void)
{
	/* Orphans of the children (forks of forks) come back to us. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	dirs_before = scan_test_dirs();
}

/* The container's dir in the hierarchy holding `ctrl` (v2: the one dir). */
static char *ctl_dir(const struct cgroup *cg, const char *ctrl)
{
	for (size_t i = 0; i < cg->n_v1; i++) {
		const char *n = cg->v1_names[i];
		size_t len = strlen(ctrl);
		for (const char *p = n; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
			if (strncmp(p, ctrl, len) == 0 && (p[len] == ',' || p[len] == '\0'))
				return xstrdup(cg->v1_dirs[i]);
	}
	if (cg->layout == CG_LAYOUT_V2 || (strcmp(ctrl, "hugetlb") == 0 && cg->v2_root))
		return xasprintf("%s/%s", cg->v2_root, cg->path);
	return NULL;
}

/* A cgroup file's text; NULL when it is not there. */
static char *ctl_read(const struct cgroup *cg, const char *ctrl, const char *file)
{
	_cleanup_free_ char *dir = ctl_dir(cg, ctrl), *path = NULL;
	struct ar_err err = { 0 };
	char *text = NULL;

	path = xasprintf("%s/%s", dir ? dir : "/nonexistent", file);
	if (read_file_at(AT_FDCWD, path, &text, NULL, &err) < 0)
		ar_err_clear(&err);
	return text;
}

static bool ctl_has(const struct cgroup *cg, const char *ctrl, const char *file)
{
	_cleanup_free_ char *text = ctl_read(cg, ctrl, file);

	return text != NULL;
}

static struct cgroup *open_test_cgroup(const char *suffix)
{
	_cleanup_free_ char *path = xasprintf("/argon-test/%d-%d%s", (int)getpid(), seq, suffix);
	struct ar_err err = { 0 };
	struct cgroup *cg = NULL;

	if (cgroup_open(path, NULL, &cg, &err) < 0 || cg->ops->create(cg, &err) < 0) {
		fprintf(stderr, "  open/create `%s`: %s\n", path, err.msg);
		ar_err_clear(&err);
		cgroup_free(cg);
		return NULL;
	}
	return cg;
}

static int apply_json(struct cgroup *cg, const char *json, struct ar_err *err)
{
	struct resources r;
	int ret;

	if (resources_parse(json, strlen(json), "test", &r, err) < 0)
		return -1;
	ret = cg->ops->apply(cg, &r, err);
	resources_free(&r);
	return ret;
}

/* Forks a child that runs fn(arg) once it is in the cgroup. */
static pid_t spawn_in(struct cgroup *cg, int (*fn)(void *), void *arg)
{
	int gate[2];
	struct ar_err err = { 0 };
	char go = 1;
	pid_t pid;

	if (pipe2(gate, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		close(gate[1]);
		if (read(gate[0], &go, 1) != 1)
			_exit(99);
		_exit(fn(arg));
	}
	close(gate[0]);
	if (pid > 0 && cg->ops->add_pid(cg, pid, &err) < 0) {
		fprintf(stderr, "  add_pid: %s\n", err.msg);
		ar_err_clear(&err);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	if (pid > 0 && write(gate[1], &go, 1) != 1)
		pid = -1;
	close(gate[1]);
	return pid;
}

static int do_pause(void *arg)
{
	for (;;)
		pause();
	return 0;
}

/* Reaps every child (and orphaned grandchild) there is, waiting up to ~3 s
 * for ones still dying. */
static void reap_all(void)
{
	for (int idle = 0; idle < 300;) {
		pid_t p = waitpid(-1, NULL, WNOHANG);
		if (p < 0)
			break;	/* ECHILD: none left */
		if (p == 0) {
			sleep_ms(10);
			idle++;
		}
	}
}

/* Kills what is left, reaps every child, removes the cgroup and the
 * argon-test parents; false (with a message) when something stays. */
static bool teardown(struct cgroup *cg)
{
	struct ar_err err = { 0 };
	bool ok = true;

	if (cg == NULL)
		return false;
	if (cg->ops->is_frozen(cg) && cg->ops->freeze(cg, false, &err) < 0)
		ar_err_clear(&err);
	if (cgroup_kill_all(cg, SIGKILL, &err) < 0) {
		fprintf(stderr, "  kill_all: %s\n", err.msg);
		ar_err_clear(&err);
	}
	reap_all();
	if (cg->ops->destroy(cg, &err) < 0) {
		fprintf(stderr, "  destroy: %s\n", err.msg);
		ar_err_clear(&err);
		ok = false;
	}
	for (size_t i = 0; i <= cg->n_v1; i++) {
		const char *dir = i < cg->n_v1 ? cg->v1_dirs[i] : NULL;
		_cleanup_free_ char *v2 = NULL, *parent = NULL;
		if (dir == NULL && cg->v2_root)
			dir = v2 = xasprintf("%s/%s", cg->v2_root, cg->path);
		if (dir == NULL)
			continue;
		if (access(dir, F_OK) == 0) {
			fprintf(stderr, "  left behind: %s\n", dir);
			ok = false;
		}
		parent = xstrdup(dir);
		if (strstr(parent, "/argon-test/")) {
			strcpy(strstr(parent, "/argon-test/"), "/argon-test");
			rmdir(parent);	/* not argon's own parent: destroy leaves it */
		}
	}
	cgroup_free(cg);
	return ok;
}

static bool wait_readable(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };

	return poll(&p, 1, ms) == 1;
}

/* waitpid with a deadline (a grandchild is only ours once re-parented). */
static bool wait_child(pid_t pid, int *status, int ms)
{
	for (int i = 0; i < ms / 10; i++) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return true;
		if (r < 0 && errno != ECHILD)
			return false;
		sleep_ms(10);
	}
	return false;
}

static pid_t outsider = -1;	/* a child of ours outside the cgroup (kill tests) */

/* Runs body on a fresh argon-test cgroup and always tears it down. */
static void with_cgroup(void (*body)(struct cgroup *))
{
	struct cgroup *cg;

	if (!need_root())
		return;
	seq++;
	cg = open_test_cgroup("");
	CHECK(cg);
	body(cg);
	if (outsider > 0) {
		kill(outsider, SIGKILL);
		waitpid(outsider, NULL, 0);
		outsider = -1;
	}
	CHECK(teardown(cg));
}

/* A test that runs one body on its own cgroup. */
#define CGROUP_TEST(name, body) \
	static void name(void) \
	{ \
		with_cgroup(body); \
	}

/* ---- joining ---- */

/* Whether /proc/self/cgroup's line for hierarchy `ctrls` ("" is cgroup2's
 * "0::") names the cgroup at `path`. */
static bool line_in(const char *text, const char *ctrls, const char *path)
{
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *c = strchr(l, ':'), *p = c ? strchr(c + 1, ':') : NULL;
		size_t n = p ? (size_t)(p - c - 1) : 0, plen = strlen(path);
		if (p == NULL || n != strlen(ctrls) || strncmp(c + 1, ctrls, n) != 0)
			continue;
		return p[1] == '/' && strncmp(p + 2, path, plen) == 0 &&
		       (p[2 + plen] == '\n' || p[2 + plen] == '\0');
	}
	return false;
}

/* cgroup_fork + join_self, the way create and exec use them: the child
 * ends up in the job in every hierarchy, born there on cgroup2
 * (CLONE_INTO_CGROUP), moved by "0" into `tasks` on v1. */
static void fork_join_body(struct cgroup *cg)
{
	char text[4096] = "";
	bool born = false;
	int p[2], status = -1;
	ssize_t n;
	pid_t pid;

	CHECK(pipe2(p, O_CLOEXEC) == 0);
	pid = cgroup_fork(cg, &born);
	if (pid == 0) {
		struct ar_err err = { 0 };
		_cleanup_free_ char *mine = NULL;
		if (cg->ops->join_self(cg, born, &err) < 0 ||
		    read_file_at(AT_FDCWD, "/proc/self/cgroup", &mine, NULL, &err) < 0)
			_exit(1);
		_exit(write_all(p[1], mine, strlen(mine)) < 0 ? 2 : 0);
	}
	close(p[1]);
	n = read_all(p[0], text, sizeof text - 1);
	close(p[0]);
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && status == 0);
	CHECK(n > 0);
	/* Every kernel argon supports has clone3 (5.7+): born in the cgroup2
	 * dir whenever there is one. */
	CHECK(born == (cg->v2_root != NULL));
	for (size_t i = 0; i < cg->n_v1; i++)
		CHECK(line_in(text, cg->v1_names[i], cg->path));
	if (cg->v2_root)
		CHECK(line_in(text, "", cg->path));
}
CGROUP_TEST(test_fork_join, fork_join_body)

/* ---- detection and paths ---- */

/* The layout from mountinfo, worked out independently of cgroup.c. */
static enum cg_layout expected_layout(void)
{
	_cleanup_free_ char *text = NULL;
	struct ar_err err = { 0 };
	bool v2_root = false, v2 = false, v1 = false;

	if (read_file_at(AT_FDCWD, "/proc/self/mountinfo", &text, NULL, &err) < 0)
		return 0;
	for (char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		char mnt[256] = "", *sep = strstr(l, " - ");
		if (sep == NULL || sscanf(l, "%*s %*s %*s %*s %255s", mnt) != 1)
			continue;
		if (strncmp(sep, " - cgroup2 ", 11) == 0) {
			v2 = true;
			v2_root = v2_root || strcmp(mnt, "/sys/fs/cgroup") == 0;
		} else if (strncmp(sep, " - cgroup ", 10) == 0) {
			v1 = true;
		}
	}
	if (v2_root || (v2 && !v1))
		return CG_LAYOUT_V2;
	return v1 ? (v2 ? CG_LAYOUT_HYBRID : CG_LAYOUT_V1) : 0;
}

static void test_detect(void)
{
	static const char *const names[] = { "?", "v1", "v2", "hybrid" };
	struct ar_err err = { 0 };
	enum cg_layout want = expected_layout(), got = cgroup_detect(&err);

	printf("  layout: %s\n", got >= 1 && got <= 3 ? names[got] : "error");
	CHECK(want != 0);
	CHECK(got == want);
	CHECK(cgroup_detect(&err) == got);	/* cached */
}

static void check_good_path(const char *in, const char *want)
{
	struct ar_err err = { 0 };
	struct cgroup *cg = NULL;

	CHECK(cgroup_open(in, "id1", &cg, &err) == 0);
	CHECK_STR(cg->path, want);
	CHECK((cg->n_v1 > 0) == (cg->layout != CG_LAYOUT_V2));
	CHECK((cg->v2_root != NULL) == (cg->layout != CG_LAYOUT_V1));
	for (size_t i = 0; i < cg->n_v1; i++) {
		size_t n = strlen(cg->v1_dirs[i]), m = strlen(want);
		CHECK(n > m + 1 && strcmp(cg->v1_dirs[i] + n - m, want) == 0);
		CHECK(cg->v1_dirs[i][n - m - 1] == '/' && cg->v1_names[i][0] != '\0');
	}
	cgroup_free(cg);
}

static void check_bad_path(const char *in, const char *why)
{
	struct ar_err err = { 0 };
	struct cgroup *cg = NULL;

	CHECK(cgroup_open(in, "id1", &cg, &err) < 0 && cg == NULL);
	CHECK_CONTAINS(err.msg, "linux.cgroupsPath");
	CHECK_CONTAINS(err.msg, why);
	if (strlen(in) < 100) {
		_cleanup_free_ char *quoted = xasprintf("`%s`", in);
		CHECK_CONTAINS(err.msg, quoted);
	}
	ar_err_clear(&err);
}

static void test_open_paths(void)
{
	_cleanup_free_ char *long_id = xcalloc(1, 301), *huge = xcalloc(1, PATH_MAX + 10);
	struct ar_err err = { 0 };
	struct cgroup *cg = NULL;

	check_good_path(NULL, "argon/id1");
	check_good_path("/a/b", "a/b");
	check_good_path("a/b", "a/b");
	check_good_path("/machine.slice/x..y", "machine.slice/x..y");
	check_bad_path("", "root");
	check_bad_path("/", "root");
	check_bad_path("//", "empty component");
	check_bad_path("a//b", "empty component");
	check_bad_path("a/b/", "empty component");
	check_bad_path("/a/../b", "`..`");
	check_bad_path("..", "`..`");
	check_bad_path("./a", "`.`");
	check_bad_path("a\nb", "newline");
	memset(huge, 'a', PATH_MAX + 5);
	check_bad_path(huge, "PATH_MAX");
	memset(long_id, 'x', 300);
	CHECK(cgroup_open(NULL, long_id, &cg, &err) == 0);
	CHECK(strncmp(cg->path, "argon/~", 7) == 0 && strlen(cg->path) == 7 + 64);
	cgroup_free(cg);
	CHECK(cgroup_open(NULL, "a/b", &cg, &err) < 0);
	CHECK_CONTAINS(err.msg, "`a/b`");
	ar_err_clear(&err);
}

/* ---- limits ---- */

static int do_work_then_pause(void *arg)
{
	int ready = *(int *)arg;
	struct timespec cpu = { 0, 0 };
	char *mem;

	/* 30 ms of CPU time and 4 MiB, charged to the cgroup */
	while (cpu.tv_sec == 0 && cpu.tv_nsec < 30 * 1000000L)
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
	mem = mmap(NULL, 4 * MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return 3;
	memset(mem, 1, 4 * MiB);
	if (write(ready, "r", 1) != 1)
		return 4;
	return do_pause(NULL);
}

static void check_proc_cgroup(const struct cgroup *cg, pid_t pid)
{
	_cleanup_free_ char *file = xasprintf("/proc/%d/cgroup", (int)pid), *text = NULL;
	_cleanup_free_ char *want = xasprintf("/%s", cg->path);
	struct ar_err err = { 0 };
	size_t lines = 0;
	char *save = NULL;

	CHECK(read_file_at(AT_FDCWD, file, &text, NULL, &err) == 0);
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save), lines++) {
		size_t n = strlen(l), m = strlen(want);
		if (n < m || strcmp(l + n - m, want) != 0)
			fprintf(stderr, "  %s: `%s`\n", file, l);
		CHECK(n >= m && strcmp(l + n - m, want) == 0);
	}
	CHECK(lines >= cg->n_v1 + (cg->v2_root ? 1 : 0));
}

static void check_stats(struct cgroup *cg)
{
	struct cg_stats st;
	struct ar_err err = { 0 };
	int r = cg->ops->stats(cg, &st, &err);

	free(st.cpu_percpu_ns);
	CHECK(r == 0);
	printf("  stats: cpu %" PRIu64 " ns, memory %" PRIu64 " bytes, pids %" PRIu64 "/%" PRIu64
	       "\n", st.cpu_total_ns, st.mem_usage, st.pids_current, st.pids_limit);
	CHECK(st.cpu_total_ns >= 10 * 1000000ull);
	CHECK(st.mem_usage >= 4 * MiB);
	CHECK(st.mem_limit == 32 * MiB);
	CHECK(st.pids_current == 1 && st.pids_limit == 16);
}

static void body_apply(struct cgroup *cg)
{
	_cleanup_free_ char *mem = NULL, *pids_max = NULL, *cpu = NULL, *cpus = NULL, *devs = NULL;
	_cleanup_free_ pid_t *pids = NULL;
	struct ar_err err = { 0 };
	int ready[2];
	size_t n = 0;
	pid_t child;
	char c;
	bool v2 = cg->layout == CG_LAYOUT_V2;

	CHECK(apply_json(cg, "{\"memory\":{\"limit\":33554432},\"pids\":{\"limit\":16},"
			 "\"cpu\":{\"shares\":512,\"cpus\":\"0\"},\"devices\":[{\"allow\":false},"
			 "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"}]}",
			 &err) == 0);
	mem = ctl_read(cg, "memory", v2 ? "memory.max" : "memory.limit_in_bytes");
	pids_max = ctl_read(cg, "pids", "pids.max");
	cpu = ctl_read(cg, "cpu", v2 ? "cpu.weight" : "cpu.shares");
	cpus = ctl_read(cg, "cpuset", "cpuset.cpus");
	CHECK_STR(mem, "33554432\n");
	CHECK_STR(pids_max, "16\n");
	CHECK(cpu && strtoull(cpu, NULL, 10) == (v2 ? res_shares_to_weight(512) : 512));
	CHECK_STR(cpus, "0\n");
	if (!v2) {
		devs = ctl_read(cg, "devices", "devices.list");
		CHECK_STR(devs, "c 1:3 rwm\n");
	}
	CHECK(pipe2(ready, O_CLOEXEC) == 0);
	child = spawn_in(cg, do_work_then_pause, &ready[1]);
	close(ready[1]);
	CHECK(child > 0);
	CHECK(wait_readable(ready[0], POLLIN, 5000) && read(ready[0], &c, 1) == 1);
	close(ready[0]);
	check_proc_cgroup(cg, child);
	CHECK(cg->ops->pids(cg, &pids, &n, &err) == 0);
	CHECK(n == 1 && pids[0] == child);
	check_stats(cg);
}

CGROUP_TEST(test_apply_and_read_back, body_apply)

static int do_open_devices(void *arg)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int zero = open("/dev/zero", O_RDONLY | O_CLOEXEC);

	if (null < 0)
		return 1;
	return zero < 0 && errno == EPERM ? 0 : 2;
}

/* The device rules hold: c 1:3 opens, c 1:5 does not (v1 file, v2 eBPF). */
static void body_devices(struct cgroup *cg)
{
	struct ar_err err = { 0 };
	int status = -1;
	pid_t child;

	if (apply_json(cg, "{\"devices\":[{\"allow\":false},{\"allow\":true,\"type\":\"c\","
		       "\"major\":1,\"minor\":3,\"access\":\"rw\"}]}", &err) < 0)
		fprintf(stderr, "  apply: %s\n", err.msg);
	CHECK(err.msg == NULL);
	child = spawn_in(cg, do_open_devices, NULL);
	CHECK(child > 0 && wait_child(child, &status, 5000));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

CGROUP_TEST(test_devices_enforced, body_devices)

static int do_count(void *arg)
{
	volatile uint64_t *counter = arg;

	for (;;)
		(*counter)++;
	return 0;
}

static void body_freeze(struct cgroup *cg)
{
	static volatile uint64_t *counter;	/* shared with the child */
	_cleanup_free_ char *state = NULL;
	struct ar_err err = { 0 };
	uint64_t a, b;

	if (counter == NULL)
		counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(counter != MAP_FAILED);
	CHECK(spawn_in(cg, do_count, (void *)counter) > 0);
	sleep_ms(50);
	CHECK(*counter > 0);
	CHECK(!cg->ops->is_frozen(cg));
	CHECK(cg->ops->freeze(cg, true, &err) == 0);
	CHECK(cg->ops->is_frozen(cg));
	if (cg->layout == CG_LAYOUT_V2) {
		state = ctl_read(cg, "memory", "cgroup.events");
		CHECK_CONTAINS(state, "frozen 1");
	} else {
		state = ctl_read(cg, "freezer", "freezer.state");
		CHECK_STR(state, "FROZEN\n");
	}
	a = *counter;
	sleep_ms(100);
	b = *counter;
	CHECK(a == b);
	CHECK(cg->ops->freeze(cg, false, &err) == 0);
	CHECK(!cg->ops->is_frozen(cg));
	sleep_ms(100);
	CHECK(*counter > b);
}

CGROUP_TEST(test_freeze, body_freeze)

static int do_fork_many(void *arg)
{
	for (int i = 0; i < 20; i++) {
		pid_t p = fork();
		if (p == 0)
			do_pause(NULL);
		if (p < 0)
			return errno == EAGAIN ? 0 : 2;
	}
	return 1;
}

static void body_pids_limit(struct cgroup *cg)
{
	struct ar_err err = { 0 };
	struct cg_stats st = { 0 };
	int status = -1;
	pid_t child;

	CHECK(apply_json(cg, "{\"pids\":{\"limit\":16}}", &err) == 0);
	child = spawn_in(cg, do_fork_many, NULL);
	CHECK(child > 0 && wait_child(child, &status, 5000));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);	/* got EAGAIN */
	CHECK(cg->ops->stats(cg, &st, &err) == 0);
	free(st.cpu_percpu_ns);
	CHECK(st.pids_current > 0 && st.pids_current <= 16);
}

CGROUP_TEST(test_pids_limit, body_pids_limit)

static int do_eat_64m(void *arg)
{
	size_t n = 64 * MiB;
	char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 3;
	for (size_t i = 0; i < n; i += 4096)
		p[i] = 1;
	return 0;	/* survived: the limit did nothing */
}

static void body_oom(struct cgroup *cg)
{
	bool swap = ctl_has(cg, "memory", cg->layout == CG_LAYOUT_V2 ? "memory.swap.max"
							: "memory.memsw.limit_in_bytes");
	/* v1: an eventfd; v2: memory.events, where POLLIN is always set */
	short events = cg->layout == CG_LAYOUT_V2 ? POLLPRI : POLLIN;
	_cleanup_close_ int efd = -1;
	struct ar_err err = { 0 };
	struct cg_stats st = { 0 };
	int status = -1;
	pid_t child;

	/* memory+swap = memory: no escape into swap either */
	CHECK(apply_json(cg, swap ? "{\"memory\":{\"limit\":33554432,\"swap\":33554432}}"
				  : "{\"memory\":{\"limit\":33554432}}", &err) == 0);
	efd = cg->ops->oom_fd(cg, &err);
	CHECK(efd >= 0);
	CHECK(!wait_readable(efd, events, 0));
	child = spawn_in(cg, do_eat_64m, NULL);
	CHECK(child > 0);
	CHECK(wait_child(child, &status, 10000));
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	CHECK(wait_readable(efd, events, 5000));
	CHECK(cg->ops->stats(cg, &st, &err) == 0);
	free(st.cpu_percpu_ns);
	printf("  oom_kills %" PRIu64 ", failcnt %" PRIu64 "\n", st.oom_kills, st.mem_failcnt);
	CHECK(st.oom_kills >= 1);
}

CGROUP_TEST(test_oom, body_oom)

/* ---- kill ---- */

static int do_tree(void *arg)
{
	int fd = *(int *)arg;
	pid_t kids[2];

	for (int i = 0; i < 2; i++) {
		kids[i] = fork();
		if (kids[i] == 0)
			do_pause(NULL);
	}
	if (write(fd, kids, sizeof kids) != sizeof kids)
		return 1;
	return do_pause(NULL);
}

/* A forks B and C; B moves to a sub-cgroup two levels down; O, a child of
 * ours outside the cgroup, must survive. */
static void body_kill(struct cgroup *cg, int sig)
{
	_cleanup_free_ char *file = NULL, *text = NULL;
	_cleanup_free_ pid_t *left = NULL;
	struct ar_err err = { 0 };
	struct cgroup *sub;
	int p[2], status = -1, added;
	pid_t a, kids[2] = { -1, -1 };
	size_t n = 1;

	CHECK(pipe2(p, O_CLOEXEC) == 0);
	a = spawn_in(cg, do_tree, &p[1]);
	close(p[1]);
	CHECK(a > 0 && wait_readable(p[0], POLLIN, 5000));
	CHECK(read(p[0], kids, sizeof kids) == sizeof kids);
	close(p[0]);
	sub = open_test_cgroup("/sub/deeper");
	added = sub ? sub->ops->add_pid(sub, kids[0], &err) : -1;
	if (added < 0)
		fprintf(stderr, "  add to sub-cgroup: %s\n", err.msg);
	ar_err_clear(&err);
	cgroup_free(sub);
	CHECK(added == 0);
	file = xasprintf("/proc/%d/cgroup", (int)kids[0]);
	CHECK(read_file_at(AT_FDCWD, file, &text, NULL, &err) == 0);
	CHECK_CONTAINS(text, "/sub/deeper\n");
	outsider = fork();
	if (outsider == 0)
		do_pause(NULL);
	CHECK(cgroup_kill_all(cg, sig, &err) == 0);
	CHECK(wait_child(a, &status, 3000) && WIFSIGNALED(status) && WTERMSIG(status) == sig);
	for (int i = 0; i < 2; i++)
		CHECK(wait_child(kids[i], &status, 3000) && WIFSIGNALED(status) &&
		      WTERMSIG(status) == sig);
	CHECK(waitpid(outsider, &status, WNOHANG) == 0);
	CHECK(cg->ops->pids(cg, &left, &n, &err) == 0 && n == 0);
}

static void body_kill_sigkill(struct cgroup *cg)
{
	body_kill(cg, SIGKILL);
}

static void body_kill_sigterm(struct cgroup *cg)
{
	body_kill(cg, SIGTERM);
}

CGROUP_TEST(test_kill_all_sigkill, body_kill_sigkill)

CGROUP_TEST(test_kill_all_sigterm, body_kill_sigterm)

/* ---- memory+swap ordering, errors, hugetlb ---- */

static void check_mem(struct cgroup *cg, const char *json, const char *limit, const char *swap)
{
	bool v2 = cg->layout == CG_LAYOUT_V2;
	_cleanup_free_ char *l = NULL, *s = NULL;
	struct ar_err err = { 0 };

	if (apply_json(cg, json, &err) < 0)
		fprintf(stderr, "  %s: %s\n", json, err.msg);
	CHECK(err.msg == NULL);
	l = ctl_read(cg, "memory", v2 ? "memory.max" : "memory.limit_in_bytes");
	s = ctl_read(cg, "memory", v2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes");
	CHECK_STR(l, limit);
	CHECK_STR(s, swap);
}

/* Raising needs memsw first, lowering memory first (v1); v2 writes
 * swap - limit to memory.swap.max. */
static void body_memory_swap(struct cgroup *cg)
{
	static const char unlimited[] = "9223372036854771712\n";
	bool v2 = cg->layout == CG_LAYOUT_V2;

	if (!ctl_has(cg, "memory", v2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes")) {
		printf("  note: no swap accounting, swap limits not checked\n");
	} else if (v2) {
		check_mem(cg, "{\"memory\":{\"limit\":33554432,\"swap\":67108864}}", "33554432\n",
			  "33554432\n");
		check_mem(cg, "{\"memory\":{\"limit\":-1}}", "max\n", "max\n");
	} else {
		check_mem(cg, "{\"memory\":{\"limit\":33554432,\"swap\":67108864}}", "33554432\n",
			  "67108864\n");
		check_mem(cg, "{\"memory\":{\"limit\":134217728,\"swap\":268435456}}",
			  "134217728\n", "268435456\n");
		check_mem(cg, "{\"memory\":{\"limit\":16777216,\"swap\":33554432}}", "16777216\n",
			  "33554432\n");
		check_mem(cg, "{\"memory\":{\"limit\":-1}}", unlimited, unlimited);
	}
}

CGROUP_TEST(test_memory_swap, body_memory_swap)

static void body_errors(struct cgroup *cg)
{
	_cleanup_free_ char *dir = ctl_dir(cg, "cpuset"), *want = NULL, *pids_max = NULL;
	struct res_kv kv = { "a/b", "1" };
	struct resources r = { .unified = &kv, .n_unified = 1 };
	struct ar_err err = { 0 };

	if (ctl_has(cg, "cpuset", "cpuset.cpus")) {
		CHECK(apply_json(cg, "{\"cpu\":{\"cpus\":\"63\"}}", &err) < 0);
		want = xasprintf("write `cpuset.cpus` = `63` in `%s`: ", dir);
		CHECK_CONTAINS(err.msg, want);
		ar_err_clear(&err);
	}
	if (cg->layout != CG_LAYOUT_V2) {
		CHECK(apply_json(cg, "{\"unified\":{\"pids.max\":\"7\"}}", &err) < 0);
		CHECK_CONTAINS(err.msg, "needs cgroup v2");
		ar_err_clear(&err);
		return;
	}
	CHECK(apply_json(cg, "{\"unified\":{\"pids.max\":\"7\"}}", &err) == 0);
	pids_max = ctl_read(cg, "pids", "pids.max");
	CHECK_STR(pids_max, "7\n");
	CHECK(cg->ops->apply(cg, &r, &err) < 0);
	CHECK_CONTAINS(err.msg, "`a/b`");
	ar_err_clear(&err);
	CHECK(apply_json(cg, "{\"memory\":{\"swappiness\":10}}", &err) < 0);
	CHECK_CONTAINS(err.msg, "memory.swappiness: not supported on cgroup v2");
	ar_err_clear(&err);
}

CGROUP_TEST(test_apply_errors, body_errors)

/* hugetlb.2MB.limit_in_bytes on v1, hugetlb.2MB.max on v2 (and on hybrid
 * hosts whose hugetlb controller is on the cgroup2 tree). */
static void body_hugetlb(struct cgroup *cg)
{
	_cleanup_free_ char *got = NULL;
	struct ar_err err = { 0 };
	const char *file = ctl_has(cg, "hugetlb", "hugetlb.2MB.limit_in_bytes")
				   ? "hugetlb.2MB.limit_in_bytes" : "hugetlb.2MB.max";

	if (access("/sys/kernel/mm/hugepages/hugepages-2048kB", F_OK) < 0) {
		SKIP("no 2MB huge pages");
	}
	if (apply_json(cg, "{\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4194304}]}",
		       &err) < 0)
		fprintf(stderr, "  apply: %s\n", err.msg);
	CHECK(err.msg == NULL);
	got = ctl_read(cg, "hugetlb", file);
	CHECK_STR(got, "4194304\n");
}

/* The cgroup2 root gets hugetlb delegated on demand (hybrid hosts): put
 * it back as it was. */
static void test_hugetlb(void)
{
	struct ar_err err = { 0 };
	struct cgroup *cg = NULL;
	_cleanup_free_ char *file = NULL, *before = NULL;

	if (cgroup_open(NULL, "x", &cg, &err) == 0 && cg->v2_root)
		file = xasprintf("%s/cgroup.subtree_control", cg->v2_root);
	cgroup_free(cg);
	if (file && read_file_at(AT_FDCWD, file, &before, NULL, &err) < 0)
		ar_err_clear(&err);
	with_cgroup(body_hugetlb);
	if (before && !strstr(before, "hugetlb") &&
	    write_file_at(AT_FDCWD, file, "-hugetlb", 8, 0, 0, &err) < 0)
		ar_err_clear(&err);
}

/* argon/<id>: destroy removes the leaf in every hierarchy, and the argon
 * parent too unless another container's cgroup is in it. */
static void test_default_path(void)
{
	_cleanup_free_ char *id = xasprintf("argon-test-unit-%d", (int)getpid());
	struct ar_err err = { 0 };
	struct cgroup *cg = NULL;
	size_t made = 0, cg_n_v1;

	if (!need_root())
		return;
	CHECK(cgroup_open(NULL, id, &cg, &err) == 0);
	cg_n_v1 = cg->n_v1;
	if (cg->ops->create(cg, &err) < 0)
		fprintf(stderr, "  create: %s\n", err.msg);
	ar_err_clear(&err);
	for (size_t i = 0; i < cg->n_v1; i++)
		made += access(cg->v1_dirs[i], F_OK) == 0;
	CHECK(teardown(cg) && made == cg_n_v1);
	CHECK(cgroup_open(NULL, id, &cg, &err) == 0);
	for (size_t i = 0; i < cg->n_v1 + 1; i++) {
		const char *dir = i < cg->n_v1 ? cg->v1_dirs[i] : cg->v2_root;
		_cleanup_free_ char *parent = NULL;
		if (dir == NULL)
			continue;
		parent = i < cg->n_v1 ? xasprintf("%.*s", (int)(strlen(dir) - strlen(id) - 1), dir)
				      : xasprintf("%s/argon", dir);
		/* gone, or holding someone else's cgroup */
		int r = rmdir(parent), e = errno;
		if (r == 0 || (e != ENOENT && e != ENOTEMPTY))
			fprintf(stderr, "  destroy left `%s` (%s)\n", parent, r ? strerror(e) : "empty");
		CHECK(r < 0 && (e == ENOENT || e == ENOTEMPTY));
	}
	cgroup_free(cg);
}

/* Whether a new argon-test dir is this run's doing: one of its cgroups,
 * or an argon-test parent left empty (another run's may hold it). */
static bool ours(const char *dir)
{
	_cleanup_free_ char *tag = xasprintf("/argon-test/%d-", (int)getpid());
	_cleanup_free_ char *unit = xasprintf("/argon-test-unit-%d", (int)getpid());
	const char *base = strrchr(dir, '/');

	if (strstr(dir, tag) || (base && strcmp(base, unit) == 0))
		return true;
	return base && strcmp(base, "/argon-test") == 0 && rmdir(dir) == 0;
}

static void test_no_leftovers(void)
{
	_cleanup_strv_ char **after = scan_test_dirs();
	size_t fresh = 0;

	for (char **d = after; *d; d++) {
		bool old = false;
		for (char **b = dirs_before; b && *b; b++)
			old = old || strcmp(*b, *d) == 0;
		if (!old && ours(*d)) {
			fprintf(stderr, "  left behind: %s\n", *d);
			fresh++;
		}
	}
	strv_free(dirs_before);
	dirs_before = NULL;
	CHECK(fresh == 0);
}

UNIT_MAIN(UNIT(test_detect), UNIT(test_open_paths), UNIT(test_fork_join),
	  UNIT(test_apply_and_read_back),
	  UNIT(test_devices_enforced), UNIT(test_freeze), UNIT(test_pids_limit), UNIT(test_oom),
	  UNIT(test_kill_all_sigkill), UNIT(test_kill_all_sigterm), UNIT(test_memory_swap),
	  UNIT(test_apply_errors), UNIT(test_hugetlb), UNIT(test_default_path),
	  UNIT(test_no_leftovers))
