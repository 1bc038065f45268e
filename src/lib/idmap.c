/* argon — writing a new user namespace's id maps (see idmap.h). */
#define _GNU_SOURCE
#include "idmap.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rootless.h"
#include "util.h"

extern char **environ;

/* What differs between the two maps. */
struct idmap_kind {
	const char *file;	/* "uid_map" */
	const char *field;	/* "linux.uidMappings" */
	const char *helper;	/* "newuidmap" */
	const char *subid;	/* "/etc/subuid" */
	unsigned own;		/* the caller's euid (egid) */
	bool gid;
};

static int write_map_file(pid_t pid, const struct idmap_kind *k, const struct spec_idmap *m,
			  size_t n, struct ar_err *err)
{
	char buf[4096], path[64];
	size_t len = 0;

	for (size_t i = 0; i < n && len < sizeof buf; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%u %u %u\n",
					m[i].container_id, m[i].host_id, m[i].size);
	if (len >= sizeof buf)
		return ar_error(err, E2BIG, "config.json: %s: too many id mappings", k->field);
	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, k->file);
	return write_file_at(AT_FDCWD, path, buf, len, 0, 0, err);
}

/* ---- /etc/subuid, /etc/subgid ---- */

static bool owner_is(const char *owner, const char *name, unsigned uid)
{
	char num[16];

	snprintf(num, sizeof num, "%u", uid);
	return (name && strcmp(owner, name) == 0) || strcmp(owner, num) == 0;
}

/* The end of the user's range that holds id `at`, or 0 when none does. */
static uint64_t range_end_at(const char *text, const char *name, unsigned uid, uint64_t at)
{
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		_cleanup_free_ char *line = xasprintf("%.*s", (int)strcspn(l, "\n"), l);
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		uint64_t start, count;

		if (line[0] == '#' || c2 == NULL)
			continue;
		*c1 = *c2 = '\0';
		if (!owner_is(line, name, uid) || parse_u64(c1 + 1, &start) < 0 ||
		    parse_u64(c2 + 1, &count) < 0 || start > UINT32_MAX || count > UINT32_MAX)
			continue;
		if (start <= at && at < start + count)
			return start + count;
	}
	return 0;
}

bool idmap_subid_covers(const char *text, const char *name, unsigned uid, uint64_t start,
			uint64_t count)
{
	uint64_t at = start, end = start + count;

	if (count == 0)
		return false;
	while (at < end) {
		uint64_t e = range_end_at(text, name, uid, at);
		if (e == 0)
			return false;
		at = e;
	}
	return true;
}

static bool own_id(const struct idmap_kind *k, const struct spec_idmap *m)
{
	return m->size == 1 && m->host_id == k->own;
}

/* Every mapping but the caller's own id must be delegated in /etc/sub?id. */
static int check_subids(const struct idmap_kind *k, const struct spec_idmap *m, size_t n,
			struct ar_err *err)
{
	_cleanup_free_ char *text = NULL;
	unsigned uid = (unsigned)geteuid();
	struct passwd *pw = getpwuid(uid);
	const char *name = pw ? pw->pw_name : NULL;
	struct ar_err missing = { 0 };

	if (read_file_at(AT_FDCWD, k->subid, &text, NULL, &missing) < 0) {
		ar_err_clear(&missing);	/* no file: nothing is delegated */
		text = xstrdup("");
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t last = (uint64_t)m[i].host_id + m[i].size - 1;
		if (own_id(k, &m[i]) || idmap_subid_covers(text, name, uid, m[i].host_id, m[i].size))
			continue;
		return ar_fail(err, EPERM, "config.json: %s[%zu] (containerID %u, hostID %u, size "
			       "%u): rootless, host ids %u-%llu are not delegated to user `%s` "
			       "(uid %u) in %s", k->field, i, m[i].container_id, m[i].host_id,
			       m[i].size, m[i].host_id, (unsigned long long)last, name ? name : "?",
			       uid, k->subid);
	}
	return 0;
}

/* ---- newuidmap / newgidmap ---- */

static char *find_helper(const char *name)
{
	const char *path = getenv("PATH");
	_cleanup_free_ char *copy = xstrdup(path && *path ? path
					    : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	char *save = NULL;

	for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char *p = xasprintf("%s/%s", d, name);
		if (d[0] == '/' && access(p, X_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}

/* Reads the helper's output to EOF, keeping the first bytes for the error. */
static void read_output(int fd, char *out, size_t size)
{
	size_t len = 0;
	char chunk[512];
	ssize_t r;

	while ((r = read(fd, chunk, sizeof chunk)) != 0) {
		size_t keep;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		keep = len + (size_t)r < size ? (size_t)r : size - 1 - len;
		memcpy(out + len, chunk, keep);
		len += keep;
	}
	while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == ' '))
		len--;
	out[len] = '\0';
}

/* Runs exe with argv (stdin /dev/null, stdout+stderr captured); *status is
 * its wait status. */
static int run_helper(const char *exe, char **argv, char *out, size_t size, int *status,
		      struct ar_err *err)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	int pfd[2], r;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return ar_error(err, errno, "pipe");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 2);
	posix_spawnattr_init(&at);
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setsigmask(&at, &none);	/* run/exec block signals */
	posix_spawnattr_setsigdefault(&at, &all);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	r = posix_spawn(&pid, exe, &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(pfd[1]);
	if (r != 0) {
		close(pfd[0]);
		return ar_error(err, r, "run `%s`", exe);
	}
	read_output(pfd[0], out, size);
	close(pfd[0]);
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return ar_error(err, errno, "wait for `%s`", exe);
	return 0;
}

static int map_with_helper(pid_t pid, const struct idmap_kind *k, const struct spec_idmap *m,
			   size_t n, struct ar_err *err)
{
	_cleanup_free_ char *exe = find_helper(k->helper);
	_cleanup_strv_ char **argv = NULL;
	char out[512];
	int status;

	if (exe == NULL)
		return ar_fail(err, ENOENT, "config.json: %s: %s is no longer in PATH", k->field,
			       k->helper);
	strv_push(&argv, xstrdup(k->helper));
	strv_push(&argv, xasprintf("%d", (int)pid));
	for (size_t i = 0; i < n; i++) {
		strv_push(&argv, xasprintf("%u", m[i].container_id));
		strv_push(&argv, xasprintf("%u", m[i].host_id));
		strv_push(&argv, xasprintf("%u", m[i].size));
	}
	if (run_helper(exe, argv, out, sizeof out, &status, err) < 0)
		return ar_err_prefix(err, "config.json: %s", k->field);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	return ar_fail(err, EPERM, "config.json: %s: `%s` failed (%s %d): %s", k->field, exe,
		       WIFEXITED(status) ? "exit status" : "signal",
		       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
		       out[0] ? out : "no message");
}

/* What the kernel or the helpers would refuse, said before anything runs. */
static int check_rootless(const struct idmap_kind *k, const struct spec_idmap *m, size_t n,
			  struct ar_err *err)
{
	_cleanup_free_ char *exe = NULL;

	if (n == 0)
		return ar_fail(err, EINVAL, "config.json: %s is empty: rootless, a user namespace "
			       "needs at least the mapping of the caller's own id (%u)", k->field,
			       k->own);
	if (n == 1 && own_id(k, &m[0]))
		return 0;
	if (check_subids(k, m, n, err) < 0)
		return -1;
	exe = find_helper(k->helper);
	if (exe == NULL)
		return ar_fail(err, ENOENT, "config.json: %s: rootless, mapping more than the "
			       "caller's own id (%u) needs %s (Debian package uidmap), which is "
			       "not in PATH", k->field, k->own, k->helper);
	return 0;
}

static int write_rootless(pid_t pid, const struct idmap_kind *k, const struct spec_idmap *m,
			  size_t n, struct ar_err *err)
{
	char path[64];

	if (check_rootless(k, m, n, err) < 0)
		return -1;
	if (n == 1 && own_id(k, &m[0])) {
		/* The kernel's rule for an unprivileged gid_map: setgroups denied
		 * first, so no one can drop a group used to deny access. */
		snprintf(path, sizeof path, "/proc/%d/setgroups", (int)pid);
		if (k->gid && write_file_at(AT_FDCWD, path, "deny", 4, 0, 0, err) < 0)
			return -1;
		return write_map_file(pid, k, m, n, err);
	}
	return map_with_helper(pid, k, m, n, err);
}

#define KIND_GID { "gid_map", "linux.gidMappings", "newgidmap", "/etc/subgid", \
		   (unsigned)getegid(), true }
#define KIND_UID { "uid_map", "linux.uidMappings", "newuidmap", "/etc/subuid", \
		   (unsigned)geteuid(), false }

int idmap_check(const struct spec_linux *l, struct ar_err *err)
{
	const struct idmap_kind gid = KIND_GID, uid = KIND_UID;

	if (!rootless_euid())
		return 0;
	return check_rootless(&gid, l->gid_mappings, l->n_gid_mappings, err) < 0 ||
	       check_rootless(&uid, l->uid_mappings, l->n_uid_mappings, err) < 0 ? -1 : 0;
}

int idmap_write(pid_t pid, const struct spec_linux *l, struct ar_err *err)
{
	const struct idmap_kind gid = KIND_GID, uid = KIND_UID;

	if (!rootless_euid())
		return write_map_file(pid, &gid, l->gid_mappings, l->n_gid_mappings, err) < 0 ||
		       write_map_file(pid, &uid, l->uid_mappings, l->n_uid_mappings, err) < 0
			       ? -1 : 0;
	if (write_rootless(pid, &gid, l->gid_mappings, l->n_gid_mappings, err) < 0 ||
	    write_rootless(pid, &uid, l->uid_mappings, l->n_uid_mappings, err) < 0)
		return -1;
	return 0;
}
