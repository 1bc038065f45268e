/* argon — writing a directory tree as a tar stream (commit and export). */
#ifndef ARGON_TARWRITE_H
#define ARGON_TARWRITE_H

#include <sys/stat.h>

#include "error.h"

struct archive_entry;

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

/* Shared with cp's tar output (cp_tar.c): */

/* A header entry for `path` with st's type, mode, owner, mtime, size and
 * device numbers. */
struct archive_entry *tar_entry_new(const char *path, const struct stat *st);

/* Hard links: when st is a second name of an inode already written (a
 * non-directory with links), the hard link entry `path` -> its first name;
 * else NULL, and `path` is recorded as the inode's first name. *links is a
 * tsearch tree, NULL at first; tar_links_free frees it. */
struct archive_entry *tar_hardlink_entry(void **links, const char *path, const struct stat *st);
void tar_links_free(void **links);

#endif
