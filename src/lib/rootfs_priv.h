/* argon — internals shared by rootfs.c, rootfs_mount.c and rootfs_dev.c. */
#ifndef ARGON_ROOTFS_PRIV_H
#define ARGON_ROOTFS_PRIV_H

#include <stdbool.h>

#include "error.h"
#include "rootfs.h"
#include "spec.h"

/* "/proc/self/fd/N": mounting there lands exactly on the inode fd holds. */
#define ROOTFS_FD_PATH_LEN 32
void rootfs_fd_path(int fd, char buf[static ROOTFS_FD_PATH_LEN]);

/* mount(NULL, target, NULL, MS_BIND|MS_REMOUNT|flags): when keep_existing,
 * the target's current nosuid/nodev/noexec/rdonly (locked in a user ns)
 * and atime flags (unless flags name one) are kept. `what` names the
 * destination in errors. */
int rootfs_remount_bind(const char *target, unsigned long flags, bool keep_existing,
			const char *what, struct ar_err *err);

/* One config.json mount, target resolved inside rootfd. */
int rootfs_mount_one(int rootfd, const struct rootfs_opts *o, const struct spec_mount *m,
		     struct ar_err *err);

/* Device nodes (linux.devices and the default set), /dev links, the
 * /dev/console bind target. */
int rootfs_setup_dev(int rootfd, const struct rootfs_opts *o, struct ar_err *err);

#endif
