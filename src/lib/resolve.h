/* argon — resolve paths inside a container root without leaving it.
 *
 * Images are hostile: a path like /proc or /etc/x may be a symlink pointing
 * anywhere. Every lookup inside the rootfs starts from a root dirfd and uses
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS); where openat2 is missing
 * a component-by-component walk with O_NOFOLLOW that treats absolute symlink
 * targets and ".." as relative to the root (tested on its own).
 */
#ifndef ARGON_RESOLVE_H
#define ARGON_RESOLVE_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

/* Opens `path` (absolute or relative; interpreted inside rootfd) with
 * `flags` (O_CLOEXEC is always added). Symlinks resolve inside the root. */
int resolve_open(int rootfd, const char *path, int flags, struct ar_err *err);

/* Creates every missing directory of `path` inside rootfd (mode 0755) and
 * returns an O_PATH|O_DIRECTORY fd to it. */
int resolve_mkdir_p(int rootfd, const char *path, mode_t mode, struct ar_err *err);

/* Makes sure a mount target exists inside the root: a directory when
 * want_dir, else an empty regular file (parents created). Returns an O_PATH
 * fd to the target, ready for mount(2) on "/proc/self/fd/N". */
int resolve_mount_target(int rootfd, const char *path, bool want_dir, struct ar_err *err);

/* Forces the fallback walk (tests use it to check the fallback itself). */
void resolve_force_fallback(bool on);

#endif
