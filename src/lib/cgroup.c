/* argon — the job object's common half: which cgroup layout the host has,
 * where a container's cgroup lives in it, killing everything inside, and
 * the cgroupfs file helpers both backends share. */
#define _GNU_SOURCE
#include "cgroup_priv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sha256.h"
#include "util.h"

#define CG_V2_DEFAULT "/sys/fs/cgroup"
#define CG_V2_HYBRID "/sys/fs/cgroup/unified"
#define CG_DEFAULT_PARENT "argon"
#define CG_NAME_MAX 200		/* longer IDs are named ~sha256(ID), as in state.c */

struct cg_mount {
	char *dir;	/* mount point */
	char *root;	/* the mount's root within its hierarchy */
	char *names;	/* v1: "cpu,cpuacct", "name=systemd"; NULL for cgroup2 */
};

/* The host's cgroup mounts: read once, kept for the life of the process
 * (they are a fact about the machine, not an option). */
struct cg_host {
	enum cg_layout layout;
	struct cg_mount v2;	/* .dir NULL when there is no cgroup2 */
	struct cg_mount *v1;
	size_t n_v1;
};

static struct cg_host *host_cache;

/* ---- mountinfo ---- */

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

/* The controller part of a v1 mount's super options ("rw,cpu,cpuacct" ->
 * "cpu,cpuacct"); NULL when none is named. */
static char *v1_controllers(const char *superopts)
{
	static const char *const not_controllers[] = { "rw", "ro", "noprefix", "xattr",
		"clone_children", "cpuset_v2_mode", "favordynmods", "nofavordynmods", "none" };
	_cleanup_free_ char *copy = xstrdup(superopts);
	char *names = NULL, *save = NULL;

	for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		bool skip = strncmp(o, "release_agent=", 14) == 0;
		for (size_t i = 0; i < sizeof not_controllers / sizeof *not_controllers; i++)
			skip = skip || strcmp(o, not_controllers[i]) == 0;
		if (skip)
			continue;
		char *joined = names ? xasprintf("%s,%s", names, o) : xstrdup(o);
		free(names);
		names = joined;
	}
	return names;
}

static void host_add_v1(struct cg_host *h, const char *dir, const char *root, char *names)
{
	for (size_t i = 0; i < h->n_v1; i++) {
		if (strcmp(h->v1[i].names, names) == 0) {	/* the same hierarchy again */
			free(names);
			return;
		}
	}
	h->v1 = xrealloc(h->v1, (h->n_v1 + 1) * sizeof *h->v1);
	h->v1[h->n_v1++] = (struct cg_mount){ xstrdup(dir), xstrdup(root), names };
}

/* Prefers the usual places for the cgroup2 mount; else the first seen. */
static void host_set_v2(struct cg_host *h, const char *dir, const char *root)
{
	if (h->v2.dir && (strcmp(h->v2.dir, CG_V2_DEFAULT) == 0 ||
			  (strcmp(h->v2.dir, CG_V2_HYBRID) == 0 && strcmp(dir, CG_V2_DEFAULT) != 0)))
		return;
	free(h->v2.dir);
	free(h->v2.root);
	h->v2 = (struct cg_mount){ xstrdup(dir), xstrdup(root), NULL };
}

/* One mountinfo line: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS...] -
 * FSTYPE SOURCE SUPEROPTS". */
static void host_parse_line(struct cg_host *h, char *line)
{
	char *f[6], *save = NULL, *fstype, *superopts, *tok;
	int i = 0;

	for (tok = strtok_r(line, " ", &save); tok && i < 6; tok = strtok_r(NULL, " ", &save))
		f[i++] = tok;
	while (tok && strcmp(tok, "-") != 0)
		tok = strtok_r(NULL, " ", &save);
	if (i < 6 || tok == NULL)
		return;
	fstype = strtok_r(NULL, " ", &save);
	if (fstype == NULL || strtok_r(NULL, " ", &save) == NULL)
		return;
	superopts = strtok_r(NULL, " \n", &save);
	unescape_octal(f[3]);
	unescape_octal(f[4]);
	if (strcmp(fstype, "cgroup2") == 0) {
		host_set_v2(h, f[4], f[3]);
	} else if (strcmp(fstype, "cgroup") == 0 && superopts) {
		char *names = v1_controllers(superopts);
		if (names)
			host_add_v1(h, f[4], f[3], names);
	}
}

static enum cg_layout host_layout(struct cg_host *h)
{
	if (h->v2.dir && strcmp(h->v2.dir, CG_V2_DEFAULT) == 0)
		return CG_LAYOUT_V2;
	if (h->n_v1 > 0)
		return h->v2.dir ? CG_LAYOUT_HYBRID : CG_LAYOUT_V1;
	return h->v2.dir ? CG_LAYOUT_V2 : 0;
}

static const struct cg_host *host_get(struct ar_err *err)
{
	_cleanup_free_ char *text = NULL;
	struct cg_host *h;
	char *save = NULL;

	if (host_cache)
		return host_cache;
	if (read_file_at(AT_FDCWD, "/proc/self/mountinfo", &text, NULL, err) < 0)
		return NULL;
	h = xcalloc(1, sizeof *h);
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		host_parse_line(h, l);
	h->layout = host_layout(h);
	if (h->layout == 0) {
		free(h->v1);
		free(h);
		return ar_error(err, ENOENT, "find a cgroup filesystem in /proc/self/mountinfo"),
		       NULL;
	}
	host_cache = h;
	return h;
}

/* 0 (no layout) with *err set when there is no cgroup filesystem. */
enum cg_layout cgroup_detect(struct ar_err *err)
{
	const struct cg_host *h = host_get(err);

	return h ? h->layout : 0;
}

/* ---- where the container's cgroup is ---- */

static int bad_path(const char *value, const char *why, struct ar_err *err)
{
	return ar_error(err, EINVAL, "invalid linux.cgroupsPath `%.256s%s`: %s", value,
			strlen(value) > 256 ? "..." : "", why);
}

/* runc's rule for a non-systemd cgroupsPath: relative or absolute, it is
 * taken from the hierarchy root. Anything that could leave the hierarchy
 * or name its root is refused rather than cleaned up. */
static int check_cgroups_path(const char *value, char **out, struct ar_err *err)
{
	const char *p = value[0] == '/' ? value + 1 : value;
	size_t len;

	if (strlen(value) >= PATH_MAX)
		return bad_path(value, "longer than PATH_MAX", err);
	if (*p == '\0')
		return bad_path(value, "names the hierarchy root itself", err);
	if (strchr(p, '\n'))
		return bad_path(value, "holds a newline", err);
	for (const char *c = p;; c += len + 1) {
		len = strcspn(c, "/");
		if (len == 0)
			return bad_path(value, "has an empty component", err);
		if ((len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
			return bad_path(value, "has a `.` or `..` component", err);
		if (len > NAME_MAX)
			return bad_path(value, "has a component longer than NAME_MAX", err);
		if (c[len] == '\0')
			break;
	}
	*out = xstrdup(p);
	return 0;
}

static int default_cgroup_path(const char *id, char **out, struct ar_err *err)
{
	char hex[65];

	if (id == NULL || id[0] == '\0' || strchr(id, '/') || strchr(id, '\n') ||
	    strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return ar_error(err, EINVAL, "name a cgroup after container ID `%s`", id ? id : "");
	if (strlen(id) <= CG_NAME_MAX) {
		*out = xasprintf(CG_DEFAULT_PARENT "/%s", id);
		return 0;
	}
	sha256_hex(id, strlen(id), hex);
	*out = xasprintf(CG_DEFAULT_PARENT "/~%s", hex);
	return 0;
}

static void open_v1_dirs(struct cg_impl *c, const struct cg_host *h)
{
	struct cgroup *cg = &c->pub;

	cg->n_v1 = h->n_v1;
	cg->v1_dirs = xcalloc(h->n_v1 + 1, sizeof(char *));
	cg->v1_names = xcalloc(h->n_v1 + 1, sizeof(char *));
	c->v1_mounts = xcalloc(h->n_v1 + 1, sizeof(char *));
	c->v1_mnt_roots = xcalloc(h->n_v1 + 1, sizeof(char *));
	for (size_t i = 0; i < h->n_v1; i++) {
		cg->v1_dirs[i] = xasprintf("%s/%s", h->v1[i].dir, cg->path);
		cg->v1_names[i] = xstrdup(h->v1[i].names);
		c->v1_mounts[i] = xstrdup(h->v1[i].dir);
		c->v1_mnt_roots[i] = xstrdup(h->v1[i].root);
	}
}

int cgroup_open(const char *cgroups_path, const char *id, struct cgroup **out,
		struct ar_err *err)
{
	const struct cg_host *h = host_get(err);
	_cleanup_free_ char *path = NULL;
	struct cg_impl *c;

	*out = NULL;
	if (h == NULL)
		return -1;
	if (cgroups_path ? check_cgroups_path(cgroups_path, &path, err)
			 : default_cgroup_path(id, &path, err))
		return -1;
	c = xcalloc(1, sizeof *c);
	c->pub.layout = h->layout;
	c->pub.ops = h->layout == CG_LAYOUT_V2 ? &cg_v2_ops : &cg_v1_ops;
	c->pub.path = steal_ptr(&path);
	if (h->layout != CG_LAYOUT_V1) {
		c->pub.v2_root = xstrdup(h->v2.dir);
		c->v2_dir = xasprintf("%s/%s", h->v2.dir, c->pub.path);
		c->v2_mnt_root = xstrdup(h->v2.root);
	}
	if (h->layout != CG_LAYOUT_V2)
		open_v1_dirs(c, h);
	*out = &c->pub;
	return 0;
}

void cgroup_free(struct cgroup *cg)
{
	struct cg_impl *c = (struct cg_impl *)cg;

	if (cg == NULL)
		return;
	free(cg->path);
	free(cg->v2_root);
	strv_free(cg->v1_dirs);
	strv_free(cg->v1_names);
	strv_free(c->v1_mounts);
	strv_free(c->v1_mnt_roots);
	free(c->v2_dir);
	free(c->v2_mnt_root);
	free(c);
}

/* ---- kill ---- */

/* Whether /proc/<pid>/cgroup puts the pid at or below the container's
 * cgroup in a hierarchy of ours. */
static bool cgline_in(const char *cgpath, const char *mnt_root, const char *path)
{
	_cleanup_free_ char *want = NULL;
	size_t n;

	want = strcmp(mnt_root, "/") == 0 ? xasprintf("/%s", path)
					  : xasprintf("%s/%s", mnt_root, path);
	n = strlen(want);
	return strncmp(cgpath, want, n) == 0 && (cgpath[n] == '\0' || cgpath[n] == '/');
}

static bool pid_in_cgroup(struct cg_impl *c, pid_t pid)
{
	_cleanup_free_ char *file = xasprintf("/proc/%d/cgroup", (int)pid), *text = NULL;
	struct ar_err ignored = { 0 };
	char *save = NULL;
	bool in = false;

	if (read_file_at(AT_FDCWD, file, &text, NULL, &ignored) < 0) {
		ar_err_clear(&ignored);
		return false;
	}
	for (char *l = strtok_r(text, "\n", &save); l && !in; l = strtok_r(NULL, "\n", &save)) {
		char *ctrls = strchr(l, ':'), *path = ctrls ? strchr(ctrls + 1, ':') : NULL;
		if (path == NULL)
			continue;
		*path++ = '\0';
		ctrls++;
		if (*ctrls == '\0' && c->v2_dir)
			in = cgline_in(path, c->v2_mnt_root, c->pub.path);
		for (size_t i = 0; i < c->pub.n_v1 && !in && *ctrls; i++)
			if (strcmp(ctrls, c->pub.v1_names[i]) == 0)
				in = cgline_in(path, c->v1_mnt_roots[i], c->pub.path);
	}
	return in;
}

/* Signals a pid only once it is certain the process is the cgroup's: the
 * pidfd pins the process, the membership is read, and the process still
 * being alive afterwards proves the pid was not reused in between. */
static int signal_member(struct cg_impl *c, pid_t pid, int sig)
{
	_cleanup_close_ int pfd = (int)pidfd_open(pid, 0);

	if (pfd < 0 && errno != ENOSYS)
		return errno == ESRCH ? 0 : -1;
	if (!pid_in_cgroup(c, pid))
		return 0;
	if (pfd < 0)	/* no pidfds: the check above is the best there is */
		return kill(pid, sig) < 0 && errno != ESRCH ? -1 : 0;
	if (pidfd_send_signal(pfd, 0, NULL, 0) < 0)
		return 0;
	return pidfd_send_signal(pfd, sig, NULL, 0) < 0 && errno != ESRCH ? -1 : 0;
}

static int kill_listed(struct cgroup *cg, int sig, size_t *n_left, struct ar_err *err)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;

	if (cg->ops->pids(cg, &pids, &n, err) < 0)
		return -1;
	*n_left = n;
	for (size_t i = 0; i < n; i++)
		if (signal_member(cg_impl(cg), pids[i], sig) < 0)
			return ar_error(err, errno, "send signal %d to pid %d", sig, (int)pids[i]);
	return 0;
}

int cgroup_kill_all(struct cgroup *cg, int sig, struct ar_err *err)
{
	struct cg_impl *c = cg_impl(cg);
	struct timespec tick = { 0, 5 * 1000 * 1000 };
	size_t left = 0;

	if (sig == SIGKILL && c->v2_dir) {
		_cleanup_close_ int fd = open(c->v2_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0 && cg_has_file(fd, "cgroup.kill"))
			return cg_write(fd, c->v2_dir, "cgroup.kill", "1", err);
	}
	/* Without cgroup.kill a process may fork between the listing and the
	 * signal: list again until nothing is left (bounded). */
	for (int round = 0; round < (sig == SIGKILL ? 100 : 1); round++) {
		if (kill_listed(cg, sig, &left, err) < 0)
			return -1;
		if (left == 0)
			break;
		nanosleep(&tick, NULL);
	}
	return 0;
}

/* ---- cgroupfs files ---- */

int cg_open_dir(const char *dir, struct ar_err *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return ar_error(err, errno, "open cgroup `%s`", dir);
	return fd;
}

int cg_write(int dirfd, const char *dir, const char *file, const char *val,
	     struct ar_err *err)
{
	struct ar_err e = { 0 };
	int errnum;

	if (write_file_at(dirfd, file, val, strlen(val), O_NOFOLLOW, 0, &e) == 0)
		return 0;
	errnum = e.errnum;
	ar_err_clear(&e);
	return ar_error(err, errnum, "write `%s` = `%s` in `%s`", file, val, dir);
}

int cg_writef(int dirfd, const char *dir, const char *file, struct ar_err *err,
	      const char *fmt, ...)
{
	_cleanup_free_ char *val = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&val, fmt, ap);
	va_end(ap);
	if (r < 0)
		abort();	/* argon treats OOM as fatal (util.h) */
	return cg_write(dirfd, dir, file, val, err);
}

bool cg_has_file(int dirfd, const char *file)
{
	return faccessat(dirfd, file, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

int cg_read(int dirfd, const char *dir, const char *file, char **out, struct ar_err *err)
{
	struct ar_err e = { 0 };
	int errnum;

	if (read_file_at(dirfd, file, out, NULL, &e) == 0)
		return 0;
	errnum = e.errnum;
	ar_err_clear(&e);
	return ar_error(err, errnum, "read `%s` in `%s`", file, dir);
}

bool cg_read_u64(int dirfd, const char *file, uint64_t *out)
{
	_cleanup_free_ char *text = NULL;
	struct ar_err ignored = { 0 };

	if (read_file_at(dirfd, file, &text, NULL, &ignored) < 0) {
		ar_err_clear(&ignored);
		return false;
	}
	text[strcspn(text, "\n")] = '\0';
	if (strcmp(text, "max") == 0) {
		*out = UINT64_MAX;
		return true;
	}
	return parse_u64(text, out) == 0;
}

bool cg_keyed_u64(const char *text, const char *key, uint64_t *out)
{
	size_t klen = strlen(key);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (strncmp(l, key, klen) == 0 && l[klen] == ' ') {
			char num[32];
			size_t n = strcspn(l + klen + 1, "\n");
			if (n >= sizeof num)
				return false;
			memcpy(num, l + klen + 1, n);
			num[n] = '\0';
			if (strcmp(num, "max") == 0)
				*out = UINT64_MAX;
			else if (parse_u64(num, out) < 0)
				return false;
			return true;
		}
	}
	return false;
}

void cg_file_keyed(int dirfd, const char *file, const char *key, uint64_t *out)
{
	_cleanup_free_ char *text = NULL;
	struct ar_err ignored = { 0 };

	if (read_file_at(dirfd, file, &text, NULL, &ignored) < 0)
		ar_err_clear(&ignored);
	else
		cg_keyed_u64(text, key, out);
}

void cg_devnum(int64_t v, char out[24])
{
	if (v < 0)
		strcpy(out, "*");
	else
		snprintf(out, 24, "%lld", (long long)v);
}

/* ---- directories ---- */

int cg_mkdir_p(const char *mount, const char *path, cg_level_fn fn, struct ar_err *err)
{
	_cleanup_close_ int parent = cg_open_dir(mount, err);
	_cleanup_free_ char *copy = xstrdup(path), *dir = xstrdup(mount);
	char *save = NULL;

	if (parent < 0)
		return -1;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		char *next = xasprintf("%s/%s", dir, c);
		int fd;
		free(dir);
		dir = next;
		if (mkdirat(parent, c, 0755) < 0 && errno != EEXIST)
			return ar_error(err, errno, "create cgroup `%s`", dir);
		fd = openat(parent, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return ar_error(err, errno, "open cgroup `%s`", dir);
		if (fn && fn(parent, fd, dir, err) < 0) {
			close(fd);
			return -1;
		}
		close(parent);
		parent = fd;
	}
	return 0;
}

/* ---- processes ---- */

static void pidset_add(struct cg_pidset *set, pid_t pid)
{
	if (set->n == set->cap) {
		set->cap = set->cap ? set->cap * 2 : 16;
		set->v = xrealloc(set->v, set->cap * sizeof *set->v);
	}
	set->v[set->n++] = pid;
}

static int collect_at(int fd, const char *dir, struct cg_pidset *set, struct ar_err *err);

/* Recurses into every sub-cgroup; one removed meanwhile is skipped. */
static int collect_subdirs(int fd, const char *dir, struct cg_pidset *set, struct ar_err *err)
{
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct dirent *de;
	int ret = 0;

	if (d == NULL) {
		if (dfd >= 0)
			close(dfd);
		return ar_error(err, errno, "list cgroup `%s`", dir);
	}
	while (ret == 0 && (errno = 0, de = readdir(d)) != NULL) {
		if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		_cleanup_free_ char *sub = xasprintf("%s/%s", dir, de->d_name);
		_cleanup_close_ int sfd = openat(dirfd(d), de->d_name,
						 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sfd >= 0)
			ret = collect_at(sfd, sub, set, err);
		else if (errno != ENOENT)
			ret = ar_error(err, errno, "open cgroup `%s`", sub);
	}
	if (ret == 0 && errno != 0)
		ret = ar_error(err, errno, "list cgroup `%s`", dir);
	closedir(d);
	return ret;
}

static int collect_at(int fd, const char *dir, struct cg_pidset *set, struct ar_err *err)
{
	_cleanup_free_ char *text = NULL;
	char *save = NULL;

	if (cg_read(fd, dir, "cgroup.procs", &text, err) < 0) {
		if (err->errnum != ENODEV && err->errnum != ENOENT)
			return -1;
		ar_err_clear(err);	/* removed while we looked */
		return 0;
	}
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		uint64_t v;
		if (parse_u64(l, &v) == 0 && v > 0 && v <= INT_MAX)
			pidset_add(set, (pid_t)v);
	}
	return collect_subdirs(fd, dir, set, err);
}

int cg_collect_pids(const char *dir, struct cg_pidset *set, struct ar_err *err)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? 0 : ar_error(err, errno, "open cgroup `%s`", dir);
	return collect_at(fd, dir, set, err);
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

void cg_pidset_finish(struct cg_pidset *set, pid_t **pids, size_t *n)
{
	size_t w = 0;

	if (set->n > 0)
		qsort(set->v, set->n, sizeof *set->v, cmp_pid);
	for (size_t i = 0; i < set->n; i++)
		if (w == 0 || set->v[w - 1] != set->v[i])
			set->v[w++] = set->v[i];
	*pids = set->v ? set->v : xcalloc(1, sizeof(pid_t));
	*n = w;
	*set = (struct cg_pidset){ 0 };
}

/* ---- removal ---- */

static int rmdir_at(int parentfd, const char *name, const char *path, struct ar_err *err)
{
	struct timespec tick = { 0, 0 };
	int fd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	int ret = 0;

	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return errno == ENOENT ? 0 : ar_error(err, errno, "open cgroup `%s`", path);
	}
	while (ret == 0 && (de = readdir(d)) != NULL) {
		if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		_cleanup_free_ char *sub = xasprintf("%s/%s", path, de->d_name);
		ret = rmdir_at(dirfd(d), de->d_name, sub, err);
	}
	closedir(d);
	/* EBUSY for ~2 s at most. The wait is usually for a task that has
	 * exited but is not reaped yet: polled at 0.25 ms, doubling up to
	 * 10 ms, so the common short wait is not rounded up to a 10 ms tick. */
	for (long waited_us = 0, step_us = 250; ret == 0 && waited_us < 2000000;
	     waited_us += step_us, step_us = step_us < 10000 ? step_us * 2 : 10000) {
		if (unlinkat(parentfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			break;
		tick.tv_nsec = step_us * 1000;
		nanosleep(&tick, NULL);
	}
	return ret < 0 ? ret : ar_error(err, errno, "remove cgroup `%s`", path);
}

int cg_rmdir_tree(const char *dir, struct ar_err *err)
{
	_cleanup_free_ char *parent = xstrdup(dir);
	char *slash = strrchr(parent, '/');
	_cleanup_close_ int pfd = -1;

	if (slash == NULL || slash == parent)
		return ar_error(err, EINVAL, "remove cgroup `%s`: not below a mount", dir);
	*slash = '\0';
	pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return errno == ENOENT ? 0 : ar_error(err, errno, "open cgroup `%s`", parent);
	return rmdir_at(pfd, slash + 1, dir, err);
}

void cg_rmdir_default_parent(const char *mount, const char *path)
{
	const char *rest = path + strlen(CG_DEFAULT_PARENT "/");
	_cleanup_close_ int fd = -1;

	if (strncmp(path, CG_DEFAULT_PARENT "/", strlen(CG_DEFAULT_PARENT "/")) != 0 ||
	    strchr(rest, '/') != NULL)
		return;
	fd = open(mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* Another container's cgroup keeps it busy: ENOTEMPTY/EBUSY are fine. */
	if (fd >= 0)
		(void)unlinkat(fd, CG_DEFAULT_PARENT, AT_REMOVEDIR);
}
