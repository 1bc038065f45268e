/* argon — safe extraction of tar archives (image layers and import archives).
 *
 * Every archive is hostile. Entries are created below a root dirfd with
 * openat-family calls only: parent components must be real directories
 * inside the root (never symlinks, never `..`), files are created with
 * O_EXCL|O_NOFOLLOW and their metadata set through the open fd, so nothing
 * outside the root can be touched. See docs/storage.md for the full rules.
 */
#ifndef ARGON_EXTRACT_H
#define ARGON_EXTRACT_H

#include <stdint.h>

#include "error.h"

enum extract_mode {
	/* An image layer: owners, modes (incl. setuid), times, device nodes,
	 * fifos, hard links, user.* and security.capability xattrs; OCI
	 * whiteouts (.wh.NAME, .wh..wh..opq) become overlayfs whiteouts
	 * (char 0:0) and opaque dirs (trusted.overlay.opaque=y). */
	EXTRACT_LAYER,
	/* An import archive (OCI layout or docker-save tar): directories,
	 * regular files and symlinks only, owned by the caller, mode & 0755,
	 * no xattrs, no whiteout processing. */
	EXTRACT_ARCHIVE,
};

struct extract_stats {
	uint64_t entries;	/* archive entries processed */
	uint64_t bytes;		/* file data bytes written */
};

/* Reads a tar (plain, gzip, zstd, xz or bzip2 compressed, detected) from
 * `fd` and extracts it below `rootfd`. Fails with a message naming the
 * offending entry; the tree below rootfd may then be partial and the
 * caller removes it. `st` may be NULL. */
int extract_tar(int fd, int rootfd, enum extract_mode mode, struct extract_stats *st,
		struct ar_err *err);

/* Copies the decompressed stream of `in` (a blob: plain or compressed as
 * above, read to EOF) to `out` (may be -1: hash only) and returns the
 * sha256 of the bytes read (compressed_hex) and of the bytes written
 * (raw_hex), lower-case hex. For a plain blob the two are equal.
 * `raw_bytes` (may be NULL) gets the decompressed size. */
int blob_decompress(int in, int out, char compressed_hex[65], char raw_hex[65],
		    uint64_t *raw_bytes, struct ar_err *err);

#endif
