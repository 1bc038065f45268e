/* argon — the container's file system view (the silo's object namespace).
 *
 * Runs in the container's init, in its new mount namespace, in three steps
 * around the createContainer hooks and the console setup:
 *   rootfs_prepare  propagation, bind the rootfs on itself, every config
 *                   mount (targets resolved inside the rootfs), /dev nodes
 *                   and links; all before pivot_root.
 *   rootfs_pivot    pivot_root (or MS_MOVE + chroot with --no-pivot), old
 *                   root detached.
 *   rootfs_finalize masked paths (real /dev/null, or a read-only tmpfs for
 *                   directories), readonly paths, sysctl, read-only root,
 *                   rootfsPropagation.
 */
#ifndef ARGON_ROOTFS_H
#define ARGON_ROOTFS_H

#include <stdbool.h>

#include "error.h"
#include "spec.h"

struct rootfs_opts {
	const struct spec *spec;
	const char *rootfs;	/* absolute host path */
	bool userns;		/* in a new user ns: bind host devices, no mknod */
	bool terminal;		/* /dev/console will be bound to the pty */
	bool no_pivot;
};

int rootfs_prepare(const struct rootfs_opts *o, struct ar_err *err);
int rootfs_pivot(const struct rootfs_opts *o, struct ar_err *err);
/* After pivot: binds the pty slave (path inside the container, e.g.
 * "/dev/pts/0") onto /dev/console. */
int rootfs_bind_console(const char *slave_path, struct ar_err *err);
int rootfs_finalize(const struct rootfs_opts *o, struct ar_err *err);

#endif
