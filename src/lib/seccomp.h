/* argon — seccomp-bpf from config.json's linux.seccomp (the seeds' Win32k
 * syscall filter).
 *
 * Three steps, in three places:
 *   1. seccomp_check, at spec parse: the whole object is validated (actions,
 *      operators, architectures, flags, errnoRet, argument indexes) so a bad
 *      profile fails naming the field, before anything is created.
 *   2. seccomp_compile, in the runtime's parent process (create, exec): the
 *      profile goes through libseccomp once and comes out as a classic BPF
 *      program. With a cache dir the program is kept as <dir>/<key>.bpf,
 *      key = sha256 over the profile text, libseccomp's version and API
 *      level and the native architecture, so the next start with the same
 *      profile skips libseccomp entirely.
 *   3. seccomp_prog_load, in the container child, as late as possible: a raw
 *      seccomp(2) call, no libseccomp, no allocation. A profile with a
 *      SCMP_ACT_NOTIFY rule is loaded with SECCOMP_FILTER_FLAG_NEW_LISTENER
 *      and the listener fd goes to the parent, which hands it to the
 *      listenerPath socket (seccomp_send_listener).
 *
 * Syscall names this architecture does not know are skipped, like runc.
 * SCMP_ACT_NOTIFY is refused as the default action and for `write` and
 * `sendmsg`: the init needs those to hand the listener over before anyone
 * could answer it.
 */
#ifndef ARGON_SECCOMP_H
#define ARGON_SECCOMP_H

#include <json-c/json.h>
#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* A compiled filter, ready for seccomp(2). */
struct seccomp_prog {
	struct sock_filter *insns;
	size_t len;		/* instructions */
	unsigned int flags;	/* SECCOMP_FILTER_FLAG_* from "flags" (TSYNC, LOG,
				 * SPEC_ALLOW, WAIT_KILLABLE_RECV): kernel bits */
	bool notify;		/* some rule is SCMP_ACT_NOTIFY: load with NEW_LISTENER */
	char *listener_path;	/* "listenerPath", NULL if none */
	char *listener_metadata;/* "listenerMetadata", NULL if none */
	bool from_cache;	/* the program was read from the cache */
};

/* Validates a linux.seccomp object; `what` names the document in errors
 * ("config.json: linux.seccomp.syscalls[3].action: unknown action `X`"). */
int seccomp_check(json_object *seccomp, const char *what, struct ar_err *err);

/* Compiles the JSON text of a linux.seccomp object (checking it again).
 * cache_dir may be NULL (no cache); it is created (0700) when missing, and
 * not used when another user owns it or others can write to it. A cache
 * entry that cannot be read or written, or is corrupt, is no error: the
 * profile is compiled (and the entry rewritten). */
int seccomp_compile(const char *json_text, const char *cache_dir, struct seccomp_prog **out,
		    struct ar_err *err);
void seccomp_prog_free(struct seccomp_prog *p);

/* In the child: installs the filter. *listener_fd (may be NULL when the
 * program has no notify rule) gets the listener fd, or -1. Needs
 * no_new_privs or CAP_SYS_ADMIN in the current user namespace. Allocates
 * nothing unless it fails. (Not "seccomp_load": libseccomp exports that.) */
int seccomp_prog_load(const struct seccomp_prog *p, int *listener_fd, struct ar_err *err);

/* In the parent: connects to p->listener_path and sends the OCI
 * containerProcessState (ociVersion, fds ["seccompFd"], pid, metadata,
 * state) with listener_fd as SCM_RIGHTS. state_json is the container's
 * state document (`argon-runtime state` output). */
int seccomp_send_listener(const struct seccomp_prog *p, int listener_fd, pid_t pid,
			  const char *state_json, struct ar_err *err);

#endif
