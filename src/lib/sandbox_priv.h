/* argon — what sandbox.c shares with sandbox_diff.c. */
#ifndef ARGON_SANDBOX_PRIV_H
#define ARGON_SANDBOX_PRIV_H

#include <stdbool.h>

#include "error.h"

/* Refuses a dir that is not an absolute path. */
int sandbox_check_dir(const char *dir, struct ar_err *err);

/* Mounts the capped sandbox fs on <dir>/sandbox unless it is (no-op for a
 * plain sandbox); *mounted tells whether this call mounted it. */
int sandbox_fs_mount(const char *dir, bool *mounted, struct ar_err *err);

/* Unmounts <dir>/sandbox, errors ignored: a rollback. */
void sandbox_fs_unmount_quiet(const char *dir);

/* <dir>/upper, or <dir>/sandbox/upper when capped. */
char *sandbox_upper_dir(const char *dir);

#endif
