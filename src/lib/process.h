/* argon — turning the init (or an exec'd process) into the configured process:
 * identity, capabilities, limits, environment. Each step is a function so
 * init and exec share them; all run in the child, errors go back to the parent.
 */
#ifndef ARGON_PROCESS_H
#define ARGON_PROCESS_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "spec.h"

/* setrlimit for each configured rlimit. */
int process_apply_rlimits(const struct spec_process *p, struct ar_err *err);
/* Writes /proc/self/oom_score_adj when configured. */
int process_apply_oom_score_adj(const struct spec_process *p, struct ar_err *err);
/* Drops the bounding set to the configured one (while still privileged),
 * sets keepcaps, setgroups(additionalGids), setresgid, setresuid, then
 * capset(effective, permitted, inheritable) and raises ambient caps; umask;
 * finally no_new_privs when asked. With caps.present false the caps are
 * left as the kernel gives them for the uid. */
int process_apply_identity(const struct spec_process *p, bool in_userns, struct ar_err *err);
/* Resolves args[0] against PATH from the process env (or the default PATH),
 * inside the current root, like execvp; checks it is an executable file.
 * Errors: "exec `ARG0`: executable file not found in $PATH" (ENOENT),
 * permission problems (EACCES). */
int process_find_executable(const struct spec_process *p, char **path, struct ar_err *err);
/* Enters process.cwd resolved inside the current root (openat2
 * RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), so `/proc/self/fd/N` can never
 * lead to a host directory (CVE-2024-21626); getcwd confirms the result is
 * reachable from the root. A missing cwd is an error naming it. */
int process_chdir(const struct spec_process *p, struct ar_err *err);
/* Marks every fd >= first_fd close-on-exec except those in keep[] (close_range
 * with CLOSE_RANGE_CLOEXEC, /proc/self/fd walk as fallback). */
int process_cloexec_fds(int first_fd, const int *keep, size_t n_keep, struct ar_err *err);

#endif
