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
/* The identity, in this order: the bounding set dropped to the configured
 * one (while still privileged), keepcaps, setgroups(additionalGids) exactly
 * (none: the caller's groups are dropped), setresgid, setresuid; then the
 * inheritable and ambient sets are cleared (even without
 * process.capabilities) and the umask set. The permitted set stays as it
 * was: process_apply_caps must follow. */
int process_apply_user(const struct spec_process *p, bool in_userns, struct ar_err *err);

struct seccomp_prog;
/* Receives the listener fd of a seccomp filter with a NOTIFY rule right
 * after it is loaded; must close it (it hands it to the parent). */
typedef int (*process_listener_fn)(int listener, void *arg, struct ar_err *err);

/* The last step before execve: the final capability sets (capset, then the
 * ambient ones raised), no_new_privs when asked, and the seccomp filter
 * when given. The filter is loaded last, except without noNewPrivileges
 * when the final effective set lacks CAP_SYS_ADMIN, which seccomp(2) then
 * needs: effective is raised to the still-wide permitted set, the filter
 * loaded, and capset/prctl run under it (the filter must allow them, as
 * with runc). Without process.capabilities the sets follow the kernel's
 * rule for the uid: root keeps its permitted set, other uids get none. */
int process_apply_caps(const struct spec_process *p, const struct seccomp_prog *filter,
		       process_listener_fn hand_off, void *arg, struct ar_err *err);

/* Whether a filter can still be loaded after process_apply_caps (without
 * one) has set the final sets: no_new_privs, or CAP_SYS_ADMIN kept. */
bool process_filter_may_wait(const struct spec_process *p);
/* Loads a filter with no NOTIFY rule (nobody to hand a listener to). */
int process_load_filter(const struct seccomp_prog *filter, struct ar_err *err);

/* Refuses capability sets beyond `bounding` (an exec'd process never gets
 * more than the container), naming the first capability too many. */
int process_check_caps(const struct spec_caps *c, uint64_t bounding, struct ar_err *err);

/* process_apply_user then process_apply_caps without a filter. */
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
