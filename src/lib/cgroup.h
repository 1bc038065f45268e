/* argon — the job object: a container's cgroup, behind one small ops struct
 * with two backends (cgroup_v1.c, cgroup_v2.c) chosen once at run time.
 *
 * Hosts come in three layouts, detected from /proc/self/mountinfo:
 *   pure v2  one cgroup2 mount at /sys/fs/cgroup: the v2 backend.
 *   pure v1  one cgroup (v1) mount per controller: the v1 backend.
 *   hybrid   v1 controllers plus a cgroup2 mount with no controllers (this
 *            machine): the v1 backend for every controller; the cgroup2 tree
 *            is joined too (so cgroup.kill and the eBPF device filter can be
 *            used where they help) but holds no limits.
 * crun 1.8.1 refuses hybrid hosts; argon does not.
 */
#ifndef ARGON_CGROUP_H
#define ARGON_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "resources.h"

enum cg_layout { CG_LAYOUT_V1 = 1, CG_LAYOUT_V2, CG_LAYOUT_HYBRID };

/* Usage figures in runc's `events --stats` terms (0 when unknown). */
/* cpu_percpu_ns is malloc'd by stats(): the caller frees it. */
struct cg_stats {
	uint64_t cpu_total_ns, cpu_user_ns, cpu_system_ns;
	uint64_t *cpu_percpu_ns;
	size_t n_cpus;
	uint64_t cpu_throttled_periods, cpu_periods, cpu_throttled_ns;
	uint64_t mem_usage, mem_max_usage, mem_limit, mem_failcnt;
	uint64_t swap_usage, swap_limit;
	uint64_t mem_cache, mem_rss;
	uint64_t pids_current, pids_limit;	/* limit 0 = max */
	uint64_t oom_kills;			/* v2 memory.events / v1 oom_control oom_kill */
	uint64_t io_read_bytes, io_write_bytes, io_read_ops, io_write_ops;
};

struct cgroup;

struct cg_ops {
	const char *name;	/* "v1", "v2" */
	/* Creates the container's cgroup (every hierarchy); EEXIST is fine
	 * (a leftover of a crashed create is reused and reset). */
	int (*create)(struct cgroup *cg, struct ar_err *err);
	/* Applies the limits; devices rules included (v1 files, v2 eBPF). */
	int (*apply)(struct cgroup *cg, const struct resources *r, struct ar_err *err);
	int (*add_pid)(struct cgroup *cg, pid_t pid, struct ar_err *err);
	/* Moves the calling process, which must be single-threaded (a child
	 * of cgroup_fork), into the cgroup in every hierarchy; the cgroup2
	 * one is skipped when the child was born there. See cgroup_join.c. */
	int (*join_self)(struct cgroup *cg, bool born_in_v2, struct ar_err *err);
	int (*freeze)(struct cgroup *cg, bool frozen, struct ar_err *err);
	/* true while the freezer reports frozen (v1 FROZEN, v2 cgroup.events frozen 1). */
	bool (*is_frozen)(struct cgroup *cg);
	/* Every process in the cgroup and below, sorted (cgroup.procs). */
	int (*pids)(struct cgroup *cg, pid_t **pids, size_t *n, struct ar_err *err);
	int (*stats)(struct cgroup *cg, struct cg_stats *st, struct ar_err *err);
	/* An fd that wakes the caller when the kernel OOM-kills in the cgroup.
	 * v1: an eventfd registered on memory.oom_control (POLLIN; read 8
	 * bytes). v2: memory.events: poll POLLPRI only (POLLIN is always set)
	 * and re-read it with pread(fd, buf, n, 0) after each wake-up. */
	int (*oom_fd)(struct cgroup *cg, struct ar_err *err);
	/* Removes the cgroup (and sub-cgroups) once empty. */
	int (*destroy)(struct cgroup *cg, struct ar_err *err);
};

struct cgroup {
	const struct cg_ops *ops;
	enum cg_layout layout;
	char *path;		/* relative to each hierarchy root, e.g. "argon/ID" */
	char *v2_root;		/* mount point of cgroup2 ("/sys/fs/cgroup" or ".../unified"), or NULL */
	char **v1_dirs;		/* v1: absolute dir of the container in each hierarchy */
	char **v1_names;	/* v1: controller set of each ("cpu,cpuacct", "memory", "name=systemd") */
	size_t n_v1;
};

/* The host's layout (cached after the first call); 0 with *err set when
 * there is no cgroup file system. */
enum cg_layout cgroup_detect(struct ar_err *err);

/* Resolves the container's cgroup from linux.cgroupsPath (NULL = default
 * "argon/<id>"); relative and absolute paths are both below the hierarchy
 * root (runc resolves relative ones from its own cgroup); ".." and empty
 * components are refused. Nothing is created yet. */
int cgroup_open(const char *cgroups_path, const char *id, struct cgroup **out,
		struct ar_err *err);
void cgroup_free(struct cgroup *cg);

/* Whether this process may create the cgroup and move processes into it
 * in every hierarchy (cgroup_access.c); for an unprivileged caller that is
 * whether it was delegated. When not, *why (malloc'd) says which directory
 * or file is not writable. */
bool cgroup_writable(struct cgroup *cg, char **why);

/* fork(), with the child born in the cgroup's cgroup2 directory when it has
 * one (clone3 CLONE_INTO_CGROUP); *born_in_v2 says whether it was, for
 * join_self. Falls back to a plain fork. cg may be NULL. */
pid_t cgroup_fork(struct cgroup *cg, bool *born_in_v2);

/* Kills every process in the cgroup with `sig` (cgroup.kill where present
 * and sig == SIGKILL; else each pid), including ones in sub-cgroups. */
int cgroup_kill_all(struct cgroup *cg, int sig, struct ar_err *err);

#endif
