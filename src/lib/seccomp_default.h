/* argon — the default seccomp profile and docker-format profiles.
 *
 * The default is an allowlist in the spirit of docker's (moby
 * profiles/seccomp): every syscall an ordinary program needs is allowed,
 * the rest fails with EPERM; the syscalls that reach kernel state shared
 * with the host (keyrings, modules, kexec, the clock, mounts and new
 * namespaces, ...) are allowed only when the container holds the capability
 * that makes them safe to ask for, as docker does. See docs/security.md.
 *
 * Profiles come in docker's format: OCI's linux.seccomp plus "archMap"
 * (architectures by the native one), per-rule "includes"/"excludes"
 * (caps, arches, minKernel), "name" and "comment". seccomp_profile_resolve
 * turns one into linux.seccomp for this host and a capability set; an
 * OCI-shaped profile passes through unchanged.
 */
#ifndef ARGON_SECCOMP_DEFAULT_H
#define ARGON_SECCOMP_DEFAULT_H

#include <json-c/json.h>
#include <stdint.h>

#include "error.h"

/* What a syscall outside the allowlist returns (defaultErrnoRet). */
#define SECCOMP_DEFAULT_ERRNO 1	/* EPERM */

/* The default profile in docker's format, independent of capabilities:
 * what `argon seccomp default` prints and --security-opt seccomp=FILE
 * takes back. Caller puts it. */
json_object *seccomp_default_docker(void);

/* The default profile as linux.seccomp for a container whose capability
 * sets are `caps` (bit n = capability n). Caller puts it. */
json_object *seccomp_default_profile(uint64_t caps);

/* A profile in docker's format (or OCI's) → linux.seccomp for this host's
 * architecture and kernel and the capability set `caps`. `what` names the
 * profile in errors ("`/etc/p.json`: syscalls[2].includes.caps[0]: unknown
 * capability `CAP_X`"). The actions, operators and numbers are checked
 * later, by the runtime's parser. */
int seccomp_profile_resolve(json_object *profile, uint64_t caps, const char *what,
			    json_object **out, struct ar_err *err);

/* Checks a profile whole, for every capability set: what resolving
 * takes (as seccomp_profile_resolve) and what the runtime takes
 * (seccomp_check: actions, operators, architectures...), the rules
 * numbered as in the profile. */
int seccomp_profile_check(json_object *profile, const char *what, struct ar_err *err);

/* The native architecture: docker's name ("amd64") and libseccomp's
 * ("SCMP_ARCH_X86_64"); NULL on one we have no name for. */
const char *seccomp_native_arch(void);
const char *seccomp_native_scmp_arch(void);

#endif
