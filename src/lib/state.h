/* argon-runtime — per-container state under --root (the OCI convention).
 *
 * Layout: <root>/<id>/state.json (written atomically: temp + rename),
 * <root>/<id>/config.json (the config the container was created from),
 * <root>/<id>/exec.fifo (present from create until start).
 * A container directory is locked with flock(LOCK_EX) on its dirfd while a
 * command changes it. The init's start time (field 22 of /proc/PID/stat) is
 * stored so a reused PID is never mistaken for the container.
 */
#ifndef ARGON_STATE_H
#define ARGON_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

#define STATE_ID_MAX 1024

enum ar_status { ST_CREATING, ST_CREATED, ST_RUNNING, ST_PAUSED, ST_STOPPED };

struct ar_state {
	char *id;
	char *bundle;		/* absolute */
	char *rootfs;		/* absolute host path of the rootfs */
	pid_t pid;		/* init, in the runtime's pid namespace; 0 = none yet */
	uint64_t start_time;	/* init's start time in clock ticks since boot */
	int64_t created_ns;	/* CLOCK_REALTIME at create, ns */
	char *owner;		/* user name of the creator ("" when unknown) */
	uint32_t ns_flags;	/* CLONE_NEW* the container created (for ps/kill --all) */
	bool own_pidns;		/* the container has a pid namespace of its own */
	char *annotations_json;	/* JSON object text, "{}" when none */
	char *cgroup_path;	/* the container's cgroup below each hierarchy root */
};

const char *ar_status_name(enum ar_status s);	/* "created", ... */

/* IDs: 1..1024 bytes of [A-Za-z0-9_+.-], not "." or "..", no '/'. */
int state_validate_id(const char *id, struct ar_err *err);

/* Opens (creating with 0700 when missing) the state root; returns an O_PATH-free dirfd. */
int state_root_open(const char *root, int *rootfd, struct ar_err *err);
/* mkdirat(id) — EEXIST becomes "container `ID` already exists". Returns the
 * locked dirfd of the new container directory. */
int state_dir_create(int rootfd, const char *id, int *dirfd, struct ar_err *err);
/* Opens and locks an existing container directory; ENOENT becomes
 * "container `ID` does not exist". */
int state_dir_open(int rootfd, const char *id, int *dirfd, struct ar_err *err);
/* Removes the container directory and everything in it. */
int state_dir_remove(int rootfd, const char *id, struct ar_err *err);

int state_write(int dirfd, const struct ar_state *st, struct ar_err *err);
/* ENOENT (no state.json: a create that never finished) is reported with
 * err->errnum == ENOENT so delete can clean such a directory. */
int state_read(int dirfd, const char *id, struct ar_state *st, struct ar_err *err);
void ar_state_free(struct ar_state *st);

/* created while exec.fifo exists and init lives, running once started,
 * stopped when init is gone or its start time differs. */
enum ar_status state_status(int dirfd, const struct ar_state *st);

/* The OCI state JSON ("ociVersion", "id", "status", "pid", "bundle",
 * "annotations"), plus runc's "rootfs", "created" (RFC 3339) and "owner". */
char *state_to_json(const struct ar_state *st, enum ar_status status, bool pretty);

/* Sorted list of container IDs under the root (directories only). */
int state_list_ids(int rootfd, char ***ids, size_t *n, struct ar_err *err);

#endif
