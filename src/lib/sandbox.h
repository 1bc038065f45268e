/* argon — the per-container writable layer and the overlay root
 * (the seeds' sandbox.vhdx attached under wcifs).
 *
 * A container dir `dir` (absolute path, created empty by the caller) holds:
 *   upper/ work/            the writable layer, when no size cap is asked;
 *   sandbox.img             with a cap: a sparse ext4 image of that size,
 *   sandbox/upper sandbox/work   mounted from a loop device (autoclear) on
 *                            sandbox/, so the container sees ENOSPC at the cap;
 *   rootfs/                 the overlay of the image's layers + upper.
 * Everything is unmounted and detached again by sandbox_unmount(), also for
 * a sandbox left mounted by a process that died (the loop device is
 * autoclear: it goes away with its last mount).
 */
#ifndef ARGON_SANDBOX_H
#define ARGON_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct sandbox_opts {
	uint64_t size;	/* bytes; 0 = plain directories, no cap */
};

/* Makes the writable layer in `dir`. Leaves `dir` as it was on failure. */
int sandbox_create(const char *dir, const struct sandbox_opts *o, struct ar_err *err);

/* Mounts the sandbox file system (when capped) and the overlay of `lowers`
 * (absolute layer dirs, top-most first, n_lowers >= 1) with upper/work on
 * <dir>/rootfs. Already mounted: no-op. Undoes its own steps on failure. */
int sandbox_mount(const char *dir, char *const *lowers, size_t n_lowers, struct ar_err *err);

/* Unmounts rootfs and the sandbox fs; not mounted is not an error. */
int sandbox_unmount(const char *dir, struct ar_err *err);

/* sandbox_unmount, then removes `dir` and everything in it. */
int sandbox_destroy(const char *dir, struct ar_err *err);

bool sandbox_is_mounted(const char *dir);

/* The upper dir's path (mounts the capped sandbox fs when needed; the
 * caller unmounts with sandbox_unmount). Caller frees *out. */
int sandbox_upper_path(const char *dir, char **out, struct ar_err *err);

/* What the container changed (docker diff / the seeds' delta hive):
 * 'A' added, 'C' changed, 'D' deleted, path absolute inside the container.
 * Walks upper in sorted order, parents before children; a directory that
 * exists in a lower layer and holds changes is reported 'C'. A callback
 * returning < 0 stops the walk with that result. */
typedef int (*sandbox_change_fn)(char kind, const char *path, void *data);
int sandbox_diff(const char *dir, char *const *lowers, size_t n_lowers,
		 sandbox_change_fn fn, void *data, struct ar_err *err);

/* Tests only: mount the overlay with mount(2) and its one page of options,
 * as on kernels before 6.8, instead of fsopen/fsconfig "lowerdir+". */
void sandbox_force_legacy_mount(bool on);

/* Parses "10G", "512m", "1048576", "100MB" (1024-based, docker style). */
int parse_size(const char *s, uint64_t *out, struct ar_err *err);

#endif
