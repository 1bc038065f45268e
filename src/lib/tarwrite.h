/* argon — writing a directory tree as a tar stream (commit and export). */
#ifndef ARGON_TARWRITE_H
#define ARGON_TARWRITE_H

#include "error.h"

enum tar_tree_kind {
	/* A root file system as it is (export): every entry as found. */
	TAR_TREE_ROOTFS,
	/* An overlayfs upper dir (commit): char 0:0 whiteouts become OCI
	 * ".wh.NAME" entries, a trusted.overlay.opaque=y dir gets a
	 * ".wh..wh..opq" entry, trusted.overlay.* xattrs are never written. */
	TAR_TREE_UPPER,
};

/* Writes a POSIX pax tar of the tree below `dirfd` to `outfd`, uncompressed.
 * Entry names are relative ("etc/passwd"), directories before their
 * contents, siblings sorted by name so the same tree gives the same bytes
 * (and so the same diff_id); owners, modes, mtimes, symlinks, devices,
 * fifos, hard links within the tree, user.* and security.capability
 * xattrs kept; sockets skipped. Never follows a symlink. */
int tar_write_tree(int dirfd, int outfd, enum tar_tree_kind kind, struct ar_err *err);

#endif
