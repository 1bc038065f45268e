/* argon — docker's HostConfig flags of `create`/`run` in typed form: the
 * parsers of --cpus, --cpuset-cpus, --ulimit, --device, --cap-add/--cap-drop,
 * --memory-swap, --security-opt and --env-file, with docker's rules and
 * messages, and the host facts they are checked against (online CPUs,
 * device nodes, the cgroup files a limit needs). The bundle turns the
 * result into config.json (bundle.h).
 */
#ifndef ARGON_HOSTCFG_H
#define ARGON_HOSTCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* --ulimit NAME=SOFT[:HARD]: docker's names ("nofile"), -1 unlimited. */
struct hostcfg_ulimit {
	char name[16];
	int resource;		/* RLIMIT_* */
	int64_t soft, hard;
};

/* --device HOST[:CONTAINER[:PERMS]], the host node stat'ed. */
struct hostcfg_device {
	char *host, *container;	/* PathOnHost, PathInContainer */
	char access[4];		/* CgroupPermissions: "rwm" or a subset */
	char type;		/* 'c' or 'b' */
	int64_t major, minor;
	uint32_t mode, uid, gid;	/* the host node's */
};
void hostcfg_device_free(struct hostcfg_device *d);

/* --cpus "1.5" -> 1500000000 (NanoCpus); 0 is "unset". Refused: not a
 * decimal, finer than 1e-9, below 0.01 or above the CPUs we may use. */
int hostcfg_parse_cpus(const char *s, int64_t *nano, struct ar_err *err);
/* The CPUs the process may run on (sched_getaffinity), as docker counts. */
int hostcfg_cpu_count(void);

/* --cpuset-cpus "0-1,3": the syntax, and every CPU listed is online
 * (/sys/devices/system/cpu/online). */
int hostcfg_check_cpuset(const char *s, struct ar_err *err);

int hostcfg_parse_ulimit(const char *s, struct hostcfg_ulimit *out, struct ar_err *err);

/* Parses and stats the host path (following symlinks, as docker): a
 * character or block device, else an error naming it. */
int hostcfg_parse_device(const char *s, struct hostcfg_device *out, struct ar_err *err);
/* Every device node under /dev (docker's --privileged list): no pts, shm,
 * mqueue, console or ptmx, which the runtime makes itself. */
int hostcfg_host_devices(struct hostcfg_device **out, size_t *n, struct ar_err *err);

/* "sys_admin", "CAP_SYS_ADMIN", "all" -> "CAP_SYS_ADMIN" / "ALL"; unknown
 * names fail. Caller frees *out. */
int hostcfg_cap_normalize(const char *name, char **out, struct ar_err *err);
/* docker's TweakCapabilities over its default set, as a mask (bit n =
 * capability n); privileged or ALL: every capability in our bounding set. */
int hostcfg_caps(char *const *add, char *const *drop, bool privileged, uint64_t *mask,
		 struct ar_err *err);
uint64_t hostcfg_default_caps(void);

/* --memory-swap: "-1" (unlimited), "0" (unset) or a size. */
int hostcfg_parse_swap(const char *s, int64_t *out, struct ar_err *err);

/* --security-opt (hostcfg_security.c): no-new-privileges[=BOOL],
 * seccomp=FILE|unconfined|builtin, systempaths=unconfined,
 * writable-cgroups=BOOL; apparmor= and label= only as unconfined / disable
 * (argon has no LSM support). A later option overrides an earlier one. */
struct hostcfg_security {
	bool no_new_privileges;
	bool seccomp_unconfined;	/* seccomp=unconfined */
	char *seccomp_profile;		/* seccomp=FILE: the profile, compact JSON */
	bool unmask_paths;		/* systempaths=unconfined */
	bool writable_cgroups;		/* writable-cgroups=true */
	char **opts;			/* docker's HostConfig.SecurityOpt: as given,
					 * seccomp=FILE as seccomp=<its JSON> */
};
int hostcfg_parse_security_opt(const char *s, struct hostcfg_security *sec, struct ar_err *err);
void hostcfg_security_free(struct hostcfg_security *s);

/* --sysctl K=V: docker's list, the sysctls of the container's own IPC and
 * network namespaces (kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*,
 * net.*). Whether net.* fits the network mode is the caller's check. */
int hostcfg_parse_sysctl(const char *s, struct ar_err *err);

/* --group-add: a numeric GID (names are not looked up yet). */
int hostcfg_parse_group(const char *s, uint32_t *gid, struct ar_err *err);

/* Appends the variables of a docker env file ("K=V" lines, `#` comments and
 * blank lines skipped, a bare K taken from our environment when set) to
 * *env. Nothing is appended on failure. */
int hostcfg_env_file(const char *path, char ***env, struct ar_err *err);

/* Whether the host's cgroup for `controller` ("memory", "blkio" / "io")
 * has one of `files` (NULL-terminated), looked up where the engine's
 * containers go: what a limit needs before docker accepts it. */
bool hostcfg_cgroup_has(const char *controller, const char *const *files);

#endif
