/* Unit tests for src/lib/state.c: IDs, container directories and locking,
 * state.json round trips and corruption, status, OCI state output, listing. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "proc.h"
#include "state.h"
#include "unit.h"
#include "util.h"

/* A temporary state root under /tmp, removed when the variable leaves scope
 * (also when a CHECK returns early). */
struct tmp_root {
	char path[64];
	int fd;
};

static void tmp_root_remove(struct tmp_root *r)
{
	struct ar_err err = { 0 };

	if (r->fd >= 0)
		close(r->fd);
	if (r->path[0])
		rm_rf_at(AT_FDCWD, r->path, &err);
	ar_err_clear(&err);
}
#define _cleanup_root_ __attribute__((cleanup(tmp_root_remove)))

static int tmp_root_make(struct tmp_root *r)
{
	struct ar_err err = { 0 };

	r->fd = -1;
	snprintf(r->path, sizeof r->path, "/tmp/argon-test-state-XXXXXX");
	if (mkdtemp(r->path) == NULL) {
		r->path[0] = '\0';
		return -1;
	}
	if (state_root_open(r->path, &r->fd, &err) < 0) {
		ar_err_clear(&err);
		return -1;
	}
	return 0;
}

static void child_reap(pid_t *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGKILL);
		while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
}
#define _cleanup_child_ __attribute__((cleanup(child_reap)))

static void free_state(struct ar_state *st)
{
	ar_state_free(st);
}
#define _cleanup_state_ __attribute__((cleanup(free_state)))

static void clear_err(struct ar_err *err)
{
	ar_err_clear(err);
}
#define _cleanup_err_ __attribute__((cleanup(clear_err)))

/* Expects state_validate_id(id) to fail with a message containing `want`. */
static bool id_refused(const char *id, const char *want)
{
	struct ar_err err = { 0 };
	bool ok = state_validate_id(id, &err) < 0 && err.msg && strstr(err.msg, want);

	if (!ok)
		fprintf(stderr, "  id `%s`: got `%s`\n", id ? id : "(null)", err.msg ? err.msg : "(none)");
	ar_err_clear(&err);
	return ok;
}

static void id_validation(void)
{
	char long_id[STATE_ID_MAX + 2];
	struct ar_err err = { 0 };

	CHECK(id_refused("", "container ID is empty"));
	CHECK(id_refused(NULL, "container ID is empty"));
	CHECK(id_refused(".", "invalid container ID `.`"));
	CHECK(id_refused("..", "invalid container ID `..`"));
	CHECK(id_refused("a/b", "invalid container ID `a/b`: only [A-Za-z0-9_+.-] allowed"));
	CHECK(id_refused("a b", "invalid container ID `a b`"));
	CHECK(id_refused("caf\xc3\xa9", "only [A-Za-z0-9_+.-] allowed"));
	CHECK(id_refused("x\ny", "only [A-Za-z0-9_+.-] allowed"));
	CHECK(id_refused("a:b", "only [A-Za-z0-9_+.-] allowed"));
	memset(long_id, 'x', sizeof long_id);
	long_id[STATE_ID_MAX + 1] = '\0';
	CHECK(id_refused(long_id, "container ID is longer than 1024 bytes"));
	long_id[STATE_ID_MAX] = '\0';
	CHECK(state_validate_id(long_id, &err) == 0);
	CHECK(state_validate_id("abc-DEF_1.2+3", &err) == 0);
	CHECK(id_refused("...", "must not start with `.`"));
	CHECK(id_refused(".seccomp", "must not start with `.`"));	/* the runtime's cache */
	CHECK(state_validate_id("a.", &err) == 0);
	CHECK(state_validate_id("a", &err) == 0);
	CHECK(err.msg == NULL);
}

static void root_created_with_modes(void)
{
	_cleanup_root_ struct tmp_root r = { .fd = -1 };
	_cleanup_err_ struct ar_err err = { 0 };
	_cleanup_free_ char *nested = NULL;
	_cleanup_free_ char *parent = NULL;
	struct stat st;
	int fd = -1;

	CHECK(tmp_root_make(&r) == 0);
	nested = xasprintf("%s/p/q//state", r.path);
	parent = xasprintf("%s/p/q", r.path);
	CHECK(state_root_open(nested, &fd, &err) == 0);
	CHECK(fstat(fd, &st) == 0);
	CHECK(S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0700);
	CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
	close(fd);
	CHECK(stat(parent, &st) == 0);
	mode_t mask = umask(0);
	umask(mask);
	CHECK((st.st_mode & 0777) == (0755 & ~mask));
	/* Opening again is fine; a file in the way is not. */
	CHECK(state_root_open(nested, &fd, &err) == 0);
	close(fd);
	CHECK(write_file_at(r.fd, "file", "x", 1, O_CREAT | O_EXCL, 0600, &err) == 0);
	_cleanup_free_ char *file = xasprintf("%s/file", r.path);
	CHECK(state_root_open(file, &fd, &err) < 0);
	CHECK_CONTAINS(err.msg, "file");
}

/* A root someone else could write to (or owns) is refused: a planted
 * state.json would be trusted. */
static void root_must_be_private(void)
{
	_cleanup_root_ struct tmp_root r = { .fd = -1 };
	_cleanup_err_ struct ar_err err = { 0 };
	int fd = -1;

	CHECK(tmp_root_make(&r) == 0);
	_cleanup_free_ char *open_root = xasprintf("%s/open", r.path);
	CHECK(mkdir(open_root, 0700) == 0 && chmod(open_root, 0777) == 0);
	CHECK(state_root_open(open_root, &fd, &err) < 0);
	CHECK_CONTAINS(err.msg, "writable by others (mode 0777)");
	CHECK(chmod(open_root, 0720) == 0);
	CHECK(state_root_open(open_root, &fd, &err) < 0);
	CHECK(chmod(open_root, 0711) == 0);
	CHECK(state_root_open(open_root, &fd, &err) == 0);
	close(fd);
	CHECK(chown(open_root, 65534, 65534) == 0);
	CHECK(state_root_open(open_root, &fd, &err) < 0);
	CHECK_CONTAINS(err.msg, "owned by uid 65534");
}

static void dir_create_twice(void)
{
	_cleanup_root_ struct tmp_root r = { .fd = -1 };
	_cleanup_err_ struct ar_err err = { 0 };
	_cleanup_close_ int dfd = -1;
	int second = -1;
	struct stat st;

	CHECK(tmp_root_make(&r) == 0);
	CHECK(state_dir_create(r.fd, "c1", &dfd, &err) == 0);
	CHECK(fstat(dfd, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700);
	CHECK(state_dir_create(r.fd, "c1", &second, &err) < 0);
	CHECK(err.errnum == EEXIST);
	CHECK_STR(err.msg, "container `c1` already exists: File exists");
	CHECK(second == -1);
	CHECK(state_dir_create(r.fd, "../escape", &second, &err) < 0);
	CHECK_CONTAINS(err.msg, "invalid container ID `../escape`");
}

/* Eight processes create the same ID at once: exactly one wins, and no
 * hidden work directory is left behind. */
static void dir_create_concurrent_one_wins(void)
{
	_cleanup_root_ struct tmp_root r = { .fd = -1 };
	pid_t kids[8];
	int wins = 0, n_entries = 0;
	DIR *d;
	struct dirent *de;

	CHECK(tmp_root_make(&r) == 0);
	for (int i = 0; i < 8; i++) {
		kids[i] = fork();
		CHECK(kids[i] >= 0);
		if (kids[i] == 0) {
			struct ar_err e = { 0 };
			int fd = -1;
			_exit(state_dir_create(r.fd, "race", &fd, &e) == 0 ? 0 :
			      e.errnum == EEXIST ? 1 : 2);
		}
	}
	for (int i = 0; i < 8; i++) {
		int ws;
		CHECK(waitpid(kids[i], &ws, 0) == kids[i] && WIFEXITED(ws));
		CHECK(WEXITSTATUS(ws) != 2);
		wins += WEXITSTATUS(ws) == 0;
	}
	CHECK(wins == 1);
	d = opendir(r.path);
	CHECK(d != NULL);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n_entries++;
	closedir(d);
	CHECK(n_entries == 1);
}

static void dir_open_missing_and_locked(void)
{
	_cleanup_root_ struct tmp_root r = { .fd = -1 };
	_cleanup_err_ struct ar_err err = { 0 };
	_cleanup_close_ int dfd = -1;
	_cleanup_close_ int probe = -1;
	int fd = -1;

	CHECK(tmp_root_make(&r) == 0);
	CHECK(state_dir_open(r.fd, "nope", &fd, &err) < 0);
	CHECK(err.errnum == ENOENT);
	CHECK_CONTAINS(err.msg, "container `nope` does not exist");
	CHECK(state_dir_create(r.fd, "c1", &dfd, &err) == 0);
	/* The directory is locked: a separate open file cannot take the lock. */
	probe = openat(r.fd, "c1", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(probe >= 0);
	CHECK(flock(probe, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK);
	close(steal_fd(&dfd));
	CHECK(flock(probe, LOCK_EX | LOCK_NB) == 0);
	CHECK(flock(probe, LOCK_UN) == 0);
	CHECK(state_dir_open(r.fd, "c1", &dfd, &err) == 0);
	CHECK(flock(probe, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK);
}

/* A waiter blocked on the lock must notice that the holder deleted the
 * container meanwhile. */
static void dir_open_after_concurrent_delete(void)
{
	_cleanup_root_ struct tmp_root r = { .fd = -1 };
	_cleanup_err_ struct ar_err err = { 0 };
	_cleanup_close_ int dfd = -1;
	_cleanup_child_ pid_t child = -1;
	struct timespec wait = { 0, 200 * 1000 * 1000 };
	int status = 0;

	CHECK(tmp_root_make(&r) == 0);
	CHECK(state_dir_create(r.fd, "c1", &dfd, &err) == 0);
	child = fork();
	if (child == 0) {
		struct ar_err cerr = { 0 };
		int fd = -1;
		/* The inherited descriptor shares the parent's open file and so
		 * its lock; keeping it would make us wait for ourselves. */
		close(dfd);
		alarm(10);
		int rc = state_dir_open(r.fd, "c1", &fd, &cerr);
		_exit(rc < 0 && cerr.errnum == ENOENT && strstr(cerr.msg, "does not exist") ? 0 : 1);
	}
	CHECK(child > 0);
	nanosleep(&wait, NULL);	/* let the child block in flock */
	CHECK(state_dir_remove(r.fd, "c1", &err) == 0);
	close(steal_fd(&dfd));
	CHECK(waitpid(child, &status, 0) == child);
	child = -1;
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(faccessat(r.fd, "c1", F_OK, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT);
}

static void fill_state(struct ar_state *st)
{
	st->id = xstrdup("ctr-1");
	st->bundle = xstrdup("/var/lib/bundles/ctr \"1\"");
	st->rootfs = xstrdup("/var/lib/bundles/ctr/rootfs");
	st->pid = 2147483000;
	st->start_time = UINT64_MAX - 7;
	st->created_ns = 1795283520123456789LL;
	st->owner = xstrdup("root");
	st->ns_flags = 0xfc020000u;
	st->own_pidns = true;
	st->annotations_json = xstrdup("{\"org.example/key\":\"v/1\",\"n\":\"\\u00e9\"}");
	st->cgroup_path = xstrdup("argon/ctr-1");
}

/* A 1024-byte ID cannot be a file name: it is stored under a hashed name
 * and found again by create, open, list and remove. */
static void long_id_full_cycle(void)
{
	_cleanup_root_ struct tmp_root r = { .fd = -1 };
	_cleanup_err_ struct ar_err err = { 0 };
	_cleanup_close_ int dfd = -1, again = -1;
	_cleanup_state_ struct ar_state in = { 0 };
	_cleanup_state_ struct ar_state out = { 0 };
	_cleanup_free_ char *id = xmalloc(1025);
	char **ids = NULL;
	size_t n = 0;
	int dup = -1;

	memset(id, 'x', 1024);
	id[1024] = '\0';
	CHECK(tmp_root_make(&r) == 0);
	CHECK(state_dir_create(r.fd, id, &dfd, &err) == 0);
	CHECK(state_dir_create(r.fd, id, &dup, &err) < 0 && err.errnum == EEXIST);
	fill_state(&in);
	free(in.id);
	in.id = xstrdup(id);
	CHECK(state_write(dfd, &in, &err) == 0);
	close(steal_fd(&dfd));
	CHECK(state_dir_open(r.fd, id, &again, &err) == 0);
	CHECK(state_read(again, id, &out, &err) == 0);
	CHECK_STR(out.id, id);
	CHECK(state_list_ids(r.fd, &ids, &n, &err) == 0);
	CHECK(n == 1 && strcmp(ids[0], id) == 0);
	strv_free(ids);
	CHECK(state_dir_remove(r.fd, id, &err) == 0);
	CHECK(state_list_ids(r.fd, &ids, &n, &err) == 0);
	strv_free(ids);
	CHECK(n == 0);
}

static void state_round_trip(void)
{
	_cleanup_root_ struct tmp_root r = { .fd = -1 };
	_cleanup_err_ struct ar_err err = { 0 };
	_cleanup_close_ int dfd = -1;
	_cleanup_state_ struct ar_state in = { 0 };
	_cleanup_state_ struct ar_state out = { 0 };
	struct json_object *a = NULL, *b = NULL;
	struct stat st;
	bool same_ann;

	CHECK(tmp_root_make(&r) == 0);
	CHECK(state_dir_create(r.fd, "ctr-1", &dfd, &err) == 0);
	fill_state(&in);
	CHECK(state_write(dfd, &in, &err) == 0);
	CHECK(fstatat(dfd, "state.json", &st, AT_SYMLINK_NOFOLLOW) == 0);
	CHECK(S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0600);
	CHECK(faccessat(dfd, "state.json.tmp", F_OK, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT);
	CHECK(state_read(dfd, "ctr-1", &out, &err) == 0);
	CHECK_STR(out.id, in.id);
	CHECK_STR(out.bundle, in.bundle);
	CHECK_STR(out.rootfs, in.rootfs);
	CHECK_STR(out.owner, in.owner);
	CHECK_STR(out.cgroup_path, "argon/ctr-1");
	CHECK(out.pid == in.pid);
	CHECK(out.start_time == UINT64_MAX - 7);
	CHECK(out.created_ns == in.created_ns);
	CHECK(out.ns_flags == in.ns_flags);
	CHECK(out.own_pidns);
	a = json_tokener_parse(in.annotations_json);
	b = json_tokener_parse(out.annotations_json);
	same_ann = a && b && json_object_equal(a, b);
	json_object_put(a);
	json_object_put(b);
	CHECK(same_ann);
	/* Overwriting replaces the whole file. */
	in.pid = 0;
	in.own_pidns = false;
	free(in.annotations_json);
	in.annotations_json = NULL;
	CHECK(state_write(dfd, &in, &err) == 0);
	ar_state_free(&out);
	CHECK(state_read(dfd, "ctr-1", &out, &err) == 0);
	CHECK(out.pid == 0 && !out.own_pidns);
	CHECK_STR(out.annotations_json, "{}");
}

static void state_write_refuses_bad_annotations(void)
{
	_cleanup_root_ struct tmp_root r = { .fd = -1 };
	_cleanup_err_ struct ar_err err = { 0 };
	_cleanup_close_ int dfd = -1;
	_cleanup_state_ struct ar_state in = { 0 };

	CHECK(tmp_root_make(&r) == 0);
	CHECK(state_dir_create(r.fd, "ctr-1", &dfd, &err) == 0);
	fill_state(&in);
	free(in.annotations_json);
	in.annotations_json = xstrdup("[1]");
	CHECK(state_write(dfd, &in, &err) < 0);
	CHECK_CONTAINS(err.msg, "annotations");
	CHECK(faccessat(dfd, "state.json", F_OK, 0) < 0 && errno == ENOENT);
}

/* Writes `text` as state.json and expects state_read to fail naming
 * state.json and `want`. */
static bool read_refuses(int dfd, const char *text, const char *want)
{
	struct ar_err err = { 0 };
	struct ar_state st = { 0 };
	bool ok;

	if (write_file_at(dfd, "state.json", text, strlen(text), O_CREAT | O_TRUNC, 0600, &err) < 0)
		return false;
	ok = state_read(dfd, "ctr-1", &st, &err) < 0 && err.errnum == EINVAL && err.msg &&
	     strstr(err.msg, "`state.json`") && strstr(err.msg, want) && st.id == NULL;
	if (!ok)
		fprintf(stderr, "  for %.60s: got `%s`\n", text, err.msg ? err.msg : "(none)");
	ar_state_free(&st);
	ar_err_clear(&err);
	return ok;
}

static void state_read_corrupted(void)
{
	_cleanup_root_ struct tmp_root r = { .fd = -1 };
	_cleanup_err_ struct ar_err err = { 0 };
	_cleanup_close_ int dfd = -1;
	_cleanup_state_ struct ar_state in = { 0 };
	_cleanup_free_ char *good = NULL;
	_cleanup_free_ char *text = NULL;

	CHECK(tmp_root_make(&r) == 0);
	CHECK(state_dir_create(r.fd, "ctr-1", &dfd, &err) == 0);
	fill_state(&in);
	CHECK(state_write(dfd, &in, &err) == 0);
	CHECK(read_file_at(dfd, "state.json", &good, NULL, &err) == 0);
	char *trailing = xasprintf("%s x\n", good);
	bool trailing_refused = read_refuses(dfd, trailing, "of container `ctr-1`");
	free(trailing);
	CHECK(trailing_refused);
	good[strlen(good) / 2] = '\0';	/* truncated, as after a crash mid-write */
	CHECK(read_refuses(dfd, good, "end of data"));
	CHECK(read_refuses(dfd, "", "end of data"));
	CHECK(read_refuses(dfd, "[]", "not a JSON object"));

	text = xstrdup("{\"id\":\"ctr-1\",\"bundle\":\"/b\",\"rootfs\":\"/r\",\"owner\":\"\",\"cgroup_path\":\"\","
		       "\"pid\":\"12\",\"start_time\":1,\"created_ns\":1,\"ns_flags\":0,"
		       "\"own_pidns\":false,\"annotations\":{}}");
	CHECK(read_refuses(dfd, text, "`pid` must be an integer"));
	CHECK(read_refuses(dfd, "{\"id\":\"ctr-1\",\"bundle\":7}", "`bundle` must be a string"));
	CHECK(read_refuses(dfd, "{\"id\":\"ctr-1\",\"bundle\":\"/b\"}", "`rootfs` is missing"));
	free(text);
	text = xstrdup("{\"id\":\"ctr-1\",\"bundle\":\"/b\",\"rootfs\":\"/r\",\"owner\":\"\",\"cgroup_path\":\"\","
		       "\"pid\":1,\"start_time\":-1,\"created_ns\":1,\"ns_flags\":0,"
		       "\"own_pidns\":false,\"annotations\":{}}");
	CHECK(read_refuses(dfd, text, "`start_time` is negative"));
	free(text);
	text = xstrdup("{\"id\":\"ctr-1\",\"bundle\":\"/b\",\"rootfs\":\"/r\",\"owner\":\"\",\"cgroup_path\":\"\","
		       "\"pid\":-3,\"start_time\":1,\"created_ns\":1,\"ns_flags\":0,"
		       "\"own_pidns\":false,\"annotations\":{}}");
	CHECK(read_refuses(dfd, text, "`pid` is out of range"));
	free(text);
	text = xstrdup("{\"id\":\"ctr-1\",\"bundle\":\"/b\",\"rootfs\":\"/r\",\"owner\":\"\",\"cgroup_path\":\"\","
		       "\"pid\":1.5,\"start_time\":1,\"created_ns\":1,\"ns_flags\":0,"
		       "\"own_pidns\":false,\"annotations\":{}}");
	CHECK(read_refuses(dfd, text, "`pid` must be an integer"));
	free(text);
	text = xstrdup("{\"id\":\"ctr-1\",\"bundle\":\"/b\",\"rootfs\":\"/r\",\"owner\":\"\",\"cgroup_path\":\"\","
		       "\"pid\":1,\"start_time\":1,\"created_ns\":1,\"ns_flags\":0,"
		       "\"own_pidns\":false,\"annotations\":[]}");
	CHECK(read_refuses(dfd, text, "`annotations` must be an object"));
	free(text);
	text = xstrdup("{\"id\":\"ctr-1\",\"bundle\":\"/b\",\"rootfs\":\"/r\",\"owner\":\"\",\"cgroup_path\":\"\","
		       "\"pid\":1,\"start_time\":1,\"created_ns\":1,\"ns_flags\":0,"
		       "\"own_pidns\":1,\"annotations\":{}}");
	CHECK(read_refuses(dfd, text, "`own_pidns` must be a boolean"));
	free(text);
	text = xstrdup("{\"id\":\"other\",\"bundle\":\"/b\",\"rootfs\":\"/r\",\"owner\":\"\",\"cgroup_path\":\"\","
		       "\"pid\":1,\"start_time\":1,\"created_ns\":1,\"ns_flags\":0,"
		       "\"own_pidns\":true,\"annotations\":{}}");
	CHECK(read_refuses(dfd, text, "names container `other`"));
	free(text);
	text = xstrdup("{\"id\":\"ctr-1\",\"bundle\":\"/b\",\"rootfs\":\"/r\",\"owner\":\"\",\"cgroup_path\":\"\","
		       "\"pid\":1,\"start_time\":1,\"created_ns\":1,\"ns_flags\":4294967296,"
		       "\"own_pidns\":true,\"annotations\":{}}");
	CHECK(read_refuses(dfd, text, "`ns_flags` is out of range"));
	/* The same document with valid values is accepted. */
	text[strlen(text) - strlen("4294967296,\"own_pidns\":true,\"annotations\":{}}")] = '\0';
	char *fixed = xasprintf("%s7,\"own_pidns\":true,\"annotations\":{}}\n", text);
	struct ar_state st = { 0 };
	int rc = write_file_at(dfd, "state.json", fixed, strlen(fixed), O_TRUNC, 0600, &err);
	free(fixed);
	CHECK(rc == 0);
	CHECK(state_read(dfd, "ctr-1", &st, &err) == 0);
	bool ok = st.ns_flags == 7 && st.own_pidns;
	ar_state_free(&st);
	CHECK(ok);
}

static void state_read_missing(void)
{
	_cleanup_root_ struct tmp_root r = { .fd = -1 };
	_cleanup_err_ struct ar_err err = { 0 };
	_cleanup_close_ int dfd = -1;
	struct ar_state st = { 0 };

	CHECK(tmp_root_make(&r) == 0);
	CHECK(state_dir_create(r.fd, "ctr-1", &dfd, &err) == 0);
	CHECK(state_read(dfd, "ctr-1", &st, &err) < 0);
	CHECK(err.errnum == ENOENT);
	CHECK_CONTAINS(err.msg, "state.json");
	CHECK(st.id == NULL);
}

static pid_t spawn_sleeper(void)
{
	pid_t pid = fork();

	if (pid == 0)
		for (;;)
			pause();
	return pid;
}

static void status_follows_process(void)
{
	_cleanup_root_ struct tmp_root r = { .fd = -1 };
	_cleanup_err_ struct ar_err err = { 0 };
	_cleanup_close_ int dfd = -1;
	_cleanup_child_ pid_t child = spawn_sleeper();
	struct ar_state st = { 0 };

	CHECK(child > 0);
	CHECK(tmp_root_make(&r) == 0);
	CHECK(state_dir_create(r.fd, "c", &dfd, &err) == 0);
	CHECK(state_status(dfd, &st) == ST_STOPPED);	/* pid 0: never started */
	st.pid = child;
	CHECK(proc_start_time(child, &st.start_time) == 0);
	CHECK(state_status(dfd, &st) == ST_RUNNING);
	CHECK(mkfifoat(dfd, "exec.fifo", 0600) == 0);
	CHECK(state_status(dfd, &st) == ST_CREATED);
	CHECK(unlinkat(dfd, "exec.fifo", 0) == 0);
	CHECK(state_status(dfd, &st) == ST_RUNNING);
	/* The PID-reuse guard: same PID, other start time, is not ours. */
	st.start_time++;
	CHECK(state_status(dfd, &st) == ST_STOPPED);
	st.start_time--;
	CHECK(mkfifoat(dfd, "exec.fifo", 0600) == 0);
	child_reap(&child);
	child = -1;
	CHECK(state_status(dfd, &st) == ST_STOPPED);	/* even with the fifo left */
}

static struct json_object *parse_obj(const char *text)
{
	struct json_object *o = text ? json_tokener_parse(text) : NULL;

	if (o && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
	return o;
}

static const char *get_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int64_t get_int(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return -999;
	return json_object_get_int64(v);
}

static void oci_state_json(void)
{
	_cleanup_state_ struct ar_state st = { 0 };
	_cleanup_free_ char *text = NULL;
	struct json_object *o, *ann;
	bool have_ann;

	fill_state(&st);
	st.pid = 4242;
	text = state_to_json(&st, ST_RUNNING, false);
	o = parse_obj(text);
	CHECK(o != NULL);
	have_ann = json_object_object_get_ex(o, "annotations", &ann) &&
		   json_object_is_type(ann, json_type_object) && get_str(ann, "org.example/key") &&
		   strcmp(get_str(ann, "org.example/key"), "v/1") == 0;
	bool keys_ok = get_str(o, "ociVersion") && get_str(o, "id") && get_str(o, "status") &&
		       get_str(o, "bundle") && get_str(o, "rootfs") && get_str(o, "created") &&
		       get_str(o, "owner") && get_int(o, "pid") == 4242 &&
		       strcmp(get_str(o, "status"), "running") == 0 &&
		       strcmp(get_str(o, "id"), "ctr-1") == 0 &&
		       strcmp(get_str(o, "created"), "2026-11-21T17:52:00.123456789Z") == 0 &&
		       strcmp(get_str(o, "bundle"), st.bundle) == 0;
	json_object_put(o);
	CHECK(keys_ok);
	CHECK(have_ann);
	CHECK(strchr(text, '\n') == NULL);
	CHECK(strstr(text, "\\/") == NULL);	/* no escaped slashes */
	CHECK_CONTAINS(text, "\"ociVersion\":\"1.2.0\"");
}

static void oci_state_json_stopped_and_pretty(void)
{
	_cleanup_state_ struct ar_state st = { 0 };
	_cleanup_free_ char *text = NULL;
	struct json_object *o, *ann;
	int64_t pid;
	bool has_ann;
	const char *status;

	fill_state(&st);
	free(st.annotations_json);
	st.annotations_json = xstrdup("{}");
	st.created_ns = 1795283520120000000LL;
	text = state_to_json(&st, ST_STOPPED, true);
	CHECK(strchr(text, '\n') != NULL);
	CHECK_CONTAINS(text, "/var/lib/bundles/ctr/rootfs");
	o = parse_obj(text);
	CHECK(o != NULL);
	pid = get_int(o, "pid");
	has_ann = json_object_object_get_ex(o, "annotations", &ann);
	status = get_str(o, "status");
	bool status_ok = status && strcmp(status, "stopped") == 0;
	bool created_ok = get_str(o, "created") &&
			  strcmp(get_str(o, "created"), "2026-11-21T17:52:00.12Z") == 0;
	json_object_put(o);
	CHECK(pid == 0);
	CHECK(!has_ann);
	CHECK(status_ok);
	CHECK(created_ok);
}

static void oci_state_created_times(void)
{
	struct ar_state st = { 0 };
	char *a, *b;
	bool ok;

	st.created_ns = 1795283520000000000LL;
	a = state_to_json(&st, ST_CREATED, false);
	st.created_ns = -1;
	b = state_to_json(&st, ST_CREATING, false);
	ok = strstr(a, "\"created\":\"2026-11-21T17:52:00Z\"") && strstr(a, "\"status\":\"created\"") &&
	     strstr(b, "\"created\":\"1969-12-31T23:59:59.999999999Z\"") &&
	     strstr(b, "\"status\":\"creating\"");
	if (!ok)
		fprintf(stderr, "  got %s\n  and %s\n", a, b);
	free(a);
	free(b);
	CHECK(ok);
}

static void status_names(void)
{
	CHECK_STR(ar_status_name(ST_CREATING), "creating");
	CHECK_STR(ar_status_name(ST_CREATED), "created");
	CHECK_STR(ar_status_name(ST_RUNNING), "running");
	CHECK_STR(ar_status_name(ST_PAUSED), "paused");
	CHECK_STR(ar_status_name(ST_STOPPED), "stopped");
}

static void list_ids_sorted_skipping_junk(void)
{
	_cleanup_root_ struct tmp_root r = { .fd = -1 };
	_cleanup_err_ struct ar_err err = { 0 };
	_cleanup_strv_ char **ids = NULL;
	size_t n = 99;

	CHECK(tmp_root_make(&r) == 0);
	CHECK(state_list_ids(r.fd, &ids, &n, &err) == 0);
	CHECK(n == 0 && ids && ids[0] == NULL);
	strv_free(steal_ptr(&ids));
	CHECK(mkdirat(r.fd, "b", 0700) == 0);
	CHECK(mkdirat(r.fd, "a", 0700) == 0);
	CHECK(mkdirat(r.fd, "c-1", 0700) == 0);
	CHECK(mkdirat(r.fd, "B", 0700) == 0);
	CHECK(mkdirat(r.fd, ".hidden", 0700) == 0);
	CHECK(mkdirat(r.fd, "bad name", 0700) == 0);
	CHECK(write_file_at(r.fd, "zfile", "x", 1, O_CREAT | O_EXCL, 0600, &err) == 0);
	CHECK(symlinkat("a", r.fd, "link") == 0);
	CHECK(state_list_ids(r.fd, &ids, &n, &err) == 0);
	CHECK(n == 4);
	CHECK_STR(ids[0], "B");
	CHECK_STR(ids[1], "a");
	CHECK_STR(ids[2], "b");
	CHECK_STR(ids[3], "c-1");
	CHECK(ids[4] == NULL);
}

static void dir_remove(void)
{
	_cleanup_root_ struct tmp_root r = { .fd = -1 };
	_cleanup_err_ struct ar_err err = { 0 };
	_cleanup_close_ int dfd = -1;
	_cleanup_state_ struct ar_state st = { 0 };

	CHECK(tmp_root_make(&r) == 0);
	CHECK(state_dir_create(r.fd, "ctr-1", &dfd, &err) == 0);
	fill_state(&st);
	CHECK(state_write(dfd, &st, &err) == 0);
	CHECK(mkfifoat(dfd, "exec.fifo", 0600) == 0);
	CHECK(mkdirat(dfd, "sub", 0700) == 0);
	CHECK(state_dir_remove(r.fd, "ctr-1", &err) == 0);
	CHECK(faccessat(r.fd, "ctr-1", F_OK, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT);
	CHECK(state_dir_remove(r.fd, "ctr-1", &err) == 0);	/* already gone: fine */
	CHECK(state_dir_remove(r.fd, "..", &err) < 0);
}

UNIT_MAIN(UNIT(id_validation), UNIT(root_created_with_modes), UNIT(root_must_be_private),
	  UNIT(dir_create_twice), UNIT(long_id_full_cycle),
	  UNIT(dir_create_concurrent_one_wins),
	  UNIT(dir_open_missing_and_locked), UNIT(dir_open_after_concurrent_delete),
	  UNIT(state_round_trip), UNIT(state_write_refuses_bad_annotations),
	  UNIT(state_read_corrupted), UNIT(state_read_missing), UNIT(status_follows_process),
	  UNIT(oci_state_json), UNIT(oci_state_json_stopped_and_pretty),
	  UNIT(oci_state_created_times), UNIT(status_names), UNIT(list_ids_sorted_skipping_junk),
	  UNIT(dir_remove))
