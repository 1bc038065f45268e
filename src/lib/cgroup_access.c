/* argon — may this (unprivileged) process create and join a container's
 * cgroup? The kernel's own rules, checked before anything is made, so that
 * a rootless create either uses a cgroup delegated to the user or knows it
 * has none:
 *   - creating a cgroup is a mkdir: the deepest level that exists must be
 *     writable (a container cgroup left by a crashed create: its
 *     cgroup.procs instead);
 *   - on cgroup2, moving a process needs write access to cgroup.procs of
 *     the common ancestor of its current cgroup and the new one (the
 *     delegation rule of cgroup-v2.rst, "Delegation Containment").
 */
#define _GNU_SOURCE
#include "cgroup_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static bool may_write(const char *dir, const char *file)
{
	_cleanup_free_ char *p = file ? xasprintf("%s/%s", dir, file) : xstrdup(dir);

	return faccessat(AT_FDCWD, p, W_OK, AT_EACCESS) == 0;
}

/* mount/path cut back to its deepest existing directory. */
static char *deepest_existing(const char *mount, const char *path)
{
	char *dir = xasprintf("%s/%s", mount, path);
	size_t mlen = strlen(mount);
	struct stat st;

	while (strlen(dir) > mlen && (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)))
		*strrchr(dir, '/') = '\0';
	return dir;
}

/* This process's cgroup2 path relative to the mount (NULL when unknown). */
static char *self_v2_path(const char *mnt_root)
{
	_cleanup_free_ char *text = NULL;
	struct ar_err ignored = { 0 };
	size_t rl = strcmp(mnt_root, "/") == 0 ? 0 : strlen(mnt_root);
	char *save = NULL;

	if (read_file_at(AT_FDCWD, "/proc/self/cgroup", &text, NULL, &ignored) < 0) {
		ar_err_clear(&ignored);
		return NULL;
	}
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (strncmp(l, "0::", 3) != 0)
			continue;
		l += 3;
		if (strncmp(l, mnt_root, rl) != 0 || (l[rl] != '/' && l[rl] != '\0'))
			return NULL;	/* outside what the mount shows */
		l += rl;
		return xstrdup(l + (*l == '/'));
	}
	return NULL;
}

/* mount + the longest common leading components of a and b. */
static char *common_ancestor(const char *mount, const char *a, const char *b)
{
	size_t keep = 0, i = 0;

	for (;; i++) {
		bool end_a = a[i] == '\0' || a[i] == '/', end_b = b[i] == '\0' || b[i] == '/';
		if (end_a && end_b)
			keep = i;	/* a whole component matched */
		if (a[i] != b[i] || a[i] == '\0')
			break;
	}
	return keep ? xasprintf("%s/%.*s", mount, (int)keep, a) : xstrdup(mount);
}

static bool level_ok(const char *mount, const char *path, const char *v2_mnt_root, char **why)
{
	_cleanup_free_ char *full = xasprintf("%s/%s", mount, path);
	_cleanup_free_ char *dir = deepest_existing(mount, path), *self = NULL, *com = NULL;

	if (strcmp(dir, full) == 0 ? !may_write(full, "cgroup.procs") : !may_write(dir, NULL)) {
		*why = xasprintf("`%s` is not writable", strcmp(dir, full) == 0 ? full : dir);
		return false;
	}
	if (v2_mnt_root == NULL)
		return true;
	self = self_v2_path(v2_mnt_root);
	if (self == NULL) {
		*why = xasprintf("this process's cgroup is not below `%s`", mount);
		return false;
	}
	com = common_ancestor(mount, self, path);
	if (!may_write(com, "cgroup.procs")) {
		*why = xasprintf("moving a process from `%s/%s` needs `%s/cgroup.procs` writable",
				 mount, self, com);
		return false;
	}
	return true;
}

bool cgroup_writable(struct cgroup *cg, char **why)
{
	struct cg_impl *c = cg_impl(cg);

	*why = NULL;
	for (size_t i = 0; i < cg->n_v1; i++)
		if (!level_ok(c->v1_mounts[i], cg->path, NULL, why))
			return false;
	return c->v2_dir == NULL || level_ok(cg->v2_root, cg->path, c->v2_mnt_root, why);
}
