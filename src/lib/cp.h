/* argon — docker cp: copying files between the host and a container.
 *
 * Container content is hostile: a container may hold symlinks to
 * "/etc/passwd" or "../../..", and a running one may swap a directory for
 * a symlink while a copy runs. So every container path is resolved inside
 * the container's root dirfd (openat2 RESOLVE_IN_ROOT, see resolve.h),
 * never by joining strings, and everything below is read and written with
 * *at() calls relative to fds got that way: entries are opened with
 * O_NOFOLLOW, created with O_EXCL under a temporary name in their
 * directory and renamed over the destination (renameat replaces a
 * symlink, never follows it). A failed copy leaves no partial file: a
 * new file or directory appears whole or not at all (a copy merged into
 * an existing directory may have placed some of its entries).
 *
 * docker's rules (docker cp --help): SRC a file: DEST missing -> a file
 * of that name (its parent must exist; DEST ending in "/" is an error),
 * DEST a file -> overwritten, DEST a dir -> DEST/basename(SRC). SRC a
 * directory: DEST missing -> created with SRC's contents, DEST a file ->
 * error, DEST a dir -> DEST/basename(SRC), or with SRC ending in "/."
 * SRC's contents merged into DEST. A symlink DEST is followed (inside the
 * container); a symlink SRC is copied as a link unless -L.
 */
#ifndef ARGON_CP_H
#define ARGON_CP_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

struct engine;

struct cp_opts {
	bool archive;	/* -a: owners as the source's; else the destination's
			 * user (root:root in a container, the caller on the host) */
	bool follow;	/* -L: a symlink SRC is followed */
};

/* One end of a copy. In a container (rootfd >= 0) `path` is resolved
 * inside rootfd whether it starts with "/" or not; on the host
 * (rootfd < 0) it is the caller's own path. `container` names the
 * container in messages ("Could not find the file /x in container c"). */
struct cp_end {
	int rootfd;
	const char *container;	/* NULL on the host */
	const char *path;
};

struct cp_stats {
	uint64_t bytes;		/* file data copied */
	uint64_t entries;	/* files, directories, links and nodes made */
};

/* Copies src to dst by docker's rules (above). `st` may be NULL. */
int cp_copy(const struct cp_end *src, const struct cp_end *dst, const struct cp_opts *o,
	    struct cp_stats *st, struct ar_err *err);

/* `docker cp CONTAINER:SRC -`: a tar of SRC to outfd, entries named
 * basename(SRC)/... ("./..." for SRC ending in "/."), owners as found. */
int cp_to_tar(const struct cp_end *src, int outfd, const struct cp_opts *o,
	      struct cp_stats *st, struct ar_err *err);

/* `docker cp - CONTAINER:DEST`: extracts a tar (plain or gzip, zstd, xz,
 * bzip2) read from infd into the existing directory DEST. Names with ".."
 * are refused and no entry is made through a symlink; an entry replaces a
 * non-directory of its name, never a directory with a non-directory or
 * the reverse. */
int cp_from_tar(int infd, const struct cp_end *dst, const struct cp_opts *o,
		struct cp_stats *st, struct ar_err *err);

/* A container's file system as cp sees it. A created, running or paused
 * container: its init's root (/proc/PID/root, the PID checked against the
 * runtime's start time), so its volumes and tmpfs mounts are seen as the
 * container sees them. Otherwise the sandbox's merged root, mounted for
 * the copy when it was not (cp_container_close unmounts it again). */
struct cp_container {
	int rootfd;		/* O_PATH directory fd */
	bool live;		/* through a running init's root */
	char *mounted_dir;	/* sandbox this copy mounted, NULL otherwise */
};
int cp_container_open(struct engine *e, const char *ref, struct cp_container *c,
		      struct ar_err *err);
void cp_container_close(struct cp_container *c);

/* Tests only: called once the destination directory is open, before any
 * entry is written, with the path of that directory (as resolved, relative
 * to the end's root) - a test swaps things there to race the copy. */
typedef void (*cp_race_fn)(const char *dst_dir, void *data);
void cp_set_race_hook(cp_race_fn fn, void *data);

#endif
