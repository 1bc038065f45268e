/* argon — what cgroup.c shares with the two backends (cgroup_v1.c,
 * cgroup_v2.c): the private half of struct cgroup and the cgroupfs file
 * helpers. Every write goes through openat on a dirfd with O_NOFOLLOW, and
 * every failure names the file, the value and the directory. */
#ifndef ARGON_CGROUP_PRIV_H
#define ARGON_CGROUP_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "cgroup.h"

/* struct cgroup as cgroup_open allocates it: the public part first. */
struct cg_impl {
	struct cgroup pub;
	char *v2_dir;		/* the container's dir in the cgroup2 tree, or NULL */
	char *v2_mnt_root;	/* that mount's root within its hierarchy (mountinfo) */
	char **v1_mounts;	/* mount point of each v1 hierarchy (parallel to v1_dirs) */
	char **v1_mnt_roots;
};

static inline struct cg_impl *cg_impl(struct cgroup *cg)
{
	return (struct cg_impl *)cg;
}

extern const struct cg_ops cg_v1_ops, cg_v2_ops;

/* Moves the calling single-threaded process into a v1 dir (cgroup_join.c). */
int cg_v1_join_self(const char *dir, struct ar_err *err);

/* A growing, later sorted, set of pids. */
struct cg_pidset {
	pid_t *v;
	size_t n, cap;
};

/* Opens a cgroup directory (O_DIRECTORY, no symlink at the end). */
int cg_open_dir(const char *dir, struct ar_err *err);
/* Writes `val` to dir/file: "write `file` = `val` in `dir`: strerror". */
int cg_write(int dirfd, const char *dir, const char *file, const char *val,
	     struct ar_err *err);
int cg_writef(int dirfd, const char *dir, const char *file, struct ar_err *err,
	      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
bool cg_has_file(int dirfd, const char *file);
/* The whole file, NUL-terminated; "read `file` in `dir`: strerror". */
int cg_read(int dirfd, const char *dir, const char *file, char **out, struct ar_err *err);
/* A file holding one number ("max" reads as UINT64_MAX); false when absent
 * or unparsable, *out left alone. */
bool cg_read_u64(int dirfd, const char *file, uint64_t *out);
/* The value of a "key value" line of a flat-keyed file (cpu.stat, memory.stat). */
bool cg_keyed_u64(const char *text, const char *key, uint64_t *out);
/* Same, read from the file; *out is left alone when absent. */
void cg_file_keyed(int dirfd, const char *file, const char *key, uint64_t *out);

/* Called for each level of a cgroup path, from the first below the mount
 * down to the container's own dir (parentfd is the level above). */
typedef int (*cg_level_fn)(int parentfd, int dirfd, const char *dir, struct ar_err *err);
/* mkdir -p mount/path (0755), calling `fn` (may be NULL) on every level. */
int cg_mkdir_p(const char *mount, const char *path, cg_level_fn fn, struct ar_err *err);
/* v2: enables every controller the parent offers in cgroup.subtree_control
 * of the mount root and each level above the container's own cgroup. */
void cg_v2_enable_controllers(const char *mount, const char *path);

/* Adds the pids of dir/cgroup.procs and of every sub-cgroup; a missing dir
 * adds nothing. */
int cg_collect_pids(const char *dir, struct cg_pidset *set, struct ar_err *err);
/* Sorts and deduplicates, handing the array to the caller. */
void cg_pidset_finish(struct cg_pidset *set, pid_t **pids, size_t *n);

/* rmdir dir and its sub-cgroups, deepest first; retries EBUSY for a moment
 * (a process that just exited leaves its cgroup a little later). A missing
 * dir is fine. */
int cg_rmdir_tree(const char *dir, struct ar_err *err);
/* rmdir mount/argon when the path is argon's default "argon/<id>" and the
 * parent is now empty; anything else (still used) is left alone. */
void cg_rmdir_default_parent(const char *mount, const char *path);

/* "MAJ:MIN" with -1 as "*" (device rules). */
void cg_devnum(int64_t v, char out[24]);

#endif
