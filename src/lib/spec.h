/* argon — the OCI runtime configuration (config.json) as typed C data.
 *
 * The HCS of the seeds takes a JSON document describing a compute system; argon
 * takes the OCI config.json. spec_parse() validates everything it can before
 * any process is created (parse first, then execute), so a bad config fails
 * with a message naming the field and leaves nothing behind.
 */
#ifndef ARGON_SPEC_H
#define ARGON_SPEC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "resources.h"

/* gnu11 predefines the legacy macro `linux` (1); the config's `linux` object
 * needs the name. Code tests __linux__ instead. */
#undef linux

#define SPEC_OCI_VERSION "1.2.0"
#define SPEC_OCI_VERSION_MIN "1.0.0"

struct spec_kv {
	char *key;
	char *value;
};

struct spec_rlimit {
	int resource;	/* RLIMIT_* */
	uint64_t soft, hard;
};

/* Capability sets as 64-bit masks (bit n = capability n). */
struct spec_caps {
	bool present;	/* process.capabilities was given */
	uint64_t bounding, effective, permitted, inheritable, ambient;
};

struct spec_user {
	uint32_t uid, gid;
	bool has_umask;
	uint32_t umask;
	uint32_t *additional_gids;
	size_t n_additional_gids;
	char *username;	/* Windows only in the spec; kept for errors */
};

struct spec_process {
	bool terminal;
	bool has_console_size;
	unsigned console_height, console_width;
	char *cwd;	/* absolute */
	char **args;	/* NULL-terminated, at least one */
	char **env;	/* NULL-terminated, "K=V" */
	struct spec_user user;
	struct spec_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privileges;
	bool has_oom_score_adj;
	int oom_score_adj;
	struct spec_caps caps;
	char *apparmor_profile;	/* refused if set (not supported on this build) */
	char *selinux_label;	/* refused if set */
};

/* Mount flags resolved from the option strings at parse time. */
struct spec_mount {
	char *destination;	/* absolute inside the container */
	char *type;		/* may be NULL for bind mounts */
	char *source;
	char **options;		/* the original strings, for state/inspect */
	unsigned long flags;	/* MS_* to set */
	unsigned long clear_flags; /* MS_* explicitly cleared (rw, suid, ...) */
	unsigned long propagation; /* MS_SHARED|MS_SLAVE|MS_PRIVATE|MS_UNBINDABLE (|MS_REC) */
	char *data;		/* fs-specific options joined by ',' */
	bool bind;		/* bind or rbind */
	bool recursive;		/* rbind */
	bool tmpcopyup;
};

enum spec_ns_type {
	NS_PID, NS_NET, NS_IPC, NS_UTS, NS_MOUNT, NS_USER, NS_CGROUP, NS_TIME, NS__COUNT
};

struct spec_namespace {
	bool enabled;	/* listed in linux.namespaces */
	char *path;	/* join this one instead of creating (NULL = new) */
};

struct spec_idmap {
	uint32_t container_id, host_id, size;
};

struct spec_device {
	char *path;	/* absolute inside the container */
	char type;	/* 'c', 'b', 'u' (unbuffered char) or 'p' (fifo) */
	int64_t major, minor;
	bool has_mode, has_uid, has_gid;
	uint32_t mode, uid, gid;
};

struct spec_hook {
	char *path;
	char **args;
	char **env;
	bool has_timeout;
	int timeout;	/* seconds, > 0 */
};

struct spec_hook_list {
	struct spec_hook *v;
	size_t n;
};

enum spec_hook_kind {
	HOOK_PRESTART, HOOK_CREATE_RUNTIME, HOOK_CREATE_CONTAINER,
	HOOK_START_CONTAINER, HOOK_POSTSTART, HOOK_POSTSTOP, HOOK__COUNT
};

struct spec_time_offset {
	bool set;
	int64_t secs;
	uint32_t nanosecs;
};

struct spec_linux {
	struct spec_namespace ns[NS__COUNT];
	struct spec_idmap *uid_mappings, *gid_mappings;
	size_t n_uid_mappings, n_gid_mappings;
	struct spec_device *devices;
	size_t n_devices;
	char *cgroups_path;
	char **masked_paths;
	char **readonly_paths;
	struct spec_kv *sysctl;
	size_t n_sysctl;
	unsigned long rootfs_propagation; /* 0 = default (rslave) */
	char *mount_label;
	struct spec_time_offset time_monotonic, time_boottime;
	/* linux.resources, parsed once (the job object takes it over). */
	bool has_resources;
	struct resources resources;
	/* linux.seccomp, as JSON text for the security work. */
	char *seccomp_json;
	char *personality_json;
	char *intel_rdt_json;
};

struct spec {
	char *oci_version;
	char *root_path;	/* as written; absolute or relative to the bundle */
	bool root_readonly;
	char *hostname;
	char *domainname;
	bool has_process;
	struct spec_process process;
	struct spec_mount *mounts;
	size_t n_mounts;
	struct spec_hook_list hooks[HOOK__COUNT];
	struct spec_kv *annotations;
	size_t n_annotations;
	struct spec_linux linux;
};

/* Parses and validates config.json text. `what` names the input in errors
 * ("config.json"). On failure *out is untouched and nothing is allocated. */
int spec_parse(const char *json, size_t len, const char *what, struct spec **out,
	       struct ar_err *err);
/* Parses a process object alone (`exec --process FILE`). */
int spec_parse_process(const char *json, size_t len, const char *what,
		       struct spec_process *out, struct ar_err *err);
/* Reads and parses BUNDLE/config.json; with text_out, also hands back the
 * text as read (create keeps a copy of it in the state dir). */
int spec_load_bundle(const char *bundle_dir, struct spec **out, char **text_out,
		     size_t *len_out, struct ar_err *err);
void spec_free(struct spec *s);
void spec_process_free(struct spec_process *p);

/* The default config.json that `argon-runtime spec` writes (the wsc.def of
 * argon): rootless=false gives root's, rootless=true a user-namespace one. */
char *spec_default_json(bool rootless);

/* Tables shared with the CLI and `features`. */
const char *spec_ns_name(enum spec_ns_type t);	/* "pid", "network", ... */
int spec_ns_clone_flag(enum spec_ns_type t);	/* CLONE_NEW* */
const char *spec_hook_name(enum spec_hook_kind k); /* "createRuntime", ... */
int cap_from_name(const char *name);		/* "CAP_CHOWN" -> 0, -1 unknown */
const char *cap_name(int cap);
int cap_last_known(void);			/* highest capability number we name */
int rlimit_from_name(const char *name);		/* "RLIMIT_NOFILE" -> RLIMIT_NOFILE */
/* NULL-terminated list of the mount option words spec_parse understands. */
const char *const *spec_mount_option_names(void);

#endif
