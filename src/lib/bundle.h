/* argon — writing the OCI description of a container (the HCS JSON of the
 * seeds): config.json from the default spec, the image config and the
 * user's options. */
#ifndef ARGON_BUNDLE_H
#define ARGON_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "hostcfg.h"
#include "imgconfig.h"

/* Where --init's reaper is bound inside the container (docker's is
 * /sbin/docker-init); the runtime creates the mount target. */
#define BUNDLE_INIT_PATH "/sbin/argon-init"

/* A mount already resolved to host terms (volume names turned into their
 * data dirs by the caller). */
struct bundle_mount {
	const char *type;	/* "bind" or "tmpfs" */
	const char *source;	/* host path, or "tmpfs" */
	const char *target;
	bool readonly;
	const char *options;	/* extra comma list or NULL */
};

struct bundle_opts {
	const struct image_config *image;
	char *const *args;		/* command override (NULL: image's); with
					 * entrypoint as docker combines them */
	char *const *entrypoint;	/* --entrypoint override, NULL: image's */
	char *const *env;		/* added/overriding "K=V", NULL-terminated or NULL */
	const char *cwd;		/* NULL: image's WorkingDir or "/" */
	const char *user;		/* NULL: image's User; "uid[:gid]" numeric only */
	const char *hostname;		/* NULL: none set */
	const char *rootfs;		/* root.path as written, e.g. "rootfs" */
	bool readonly_root;
	bool terminal;
	const struct bundle_mount *mounts;
	size_t n_mounts;
	/* The job object: 0 / NULL leave the default. */
	const char *cgroups_path;	/* linux.cgroupsPath */
	int64_t memory;			/* bytes: linux.resources.memory.limit */
	int64_t pids_limit;		/* linux.resources.pids.limit */
	/* The rest of docker's HostConfig (hostcfg.h); 0 / NULL / false give
	 * docker's defaults. */
	int64_t nano_cpus;		/* --cpus: cpu quota over a 100 ms period */
	uint64_t cpu_shares;		/* linux.resources.cpu.shares */
	const char *cpuset_cpus;	/* linux.resources.cpu.cpus */
	uint64_t blkio_weight;		/* 10..1000: linux.resources.blockIO.weight */
	int64_t memory_swap;		/* memory+swap bytes; -1: unlimited */
	const struct hostcfg_ulimit *ulimits;	/* over process.rlimits by type */
	size_t n_ulimits;
	const struct hostcfg_device *devices;	/* linux.devices, each allowed */
	size_t n_devices;
	char *const *cap_add, *const *cap_drop;	/* docker's names, "ALL" */
	bool privileged;		/* every capability and host device, nothing
					 * masked, /sys writable, no seccomp profile */
	const struct hostcfg_security *security;	/* --security-opt; NULL: none
							 * (the default seccomp profile) */
	char *const *sysctls;		/* --sysctl "K=V": linux.sysctl */
	const uint32_t *group_add;	/* --group-add: process.user.additionalGids */
	size_t n_group_add;
	bool host_network;		/* --network host: no network namespace */
	const char *netns_path;		/* --network container:X: join this one */
	const char *network_mode;	/* NetworkMode for inspect; NULL: host or none */
	const char *net_files_dir;	/* its hosts, resolv.conf and hostname are
					 * bind-mounted on /etc's (the engine's);
					 * "": the container's own dir */
	const char *init_path;		/* --init: the host's argon-init, run as pid 1
					 * from BUNDLE_INIT_PATH */
};

/* Builds the config.json text. Fails (naming the field) when there is no
 * command at all or the user is not numeric. Caller frees *out. */
int bundle_config_json(const struct bundle_opts *o, char **out, struct ar_err *err);

/* docker's HostConfig names of what o asks for (NanoCpus, CapAdd,
 * NetworkMode, Init ...), added to `into` for `inspect`. */
struct json_object;
void bundle_hostconfig_json(const struct bundle_opts *o, struct json_object *into);

/* bundle_config_json, then writes it atomically as <dirfd>/config.json;
 * durable: fsynced too (a container that may outlive a reboot). */
int bundle_write(int dirfd, const struct bundle_opts *o, bool durable, struct ar_err *err);

#endif
