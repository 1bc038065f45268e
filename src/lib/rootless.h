/* argon — running as an unprivileged user ("rootless"): the runtime's
 * effective uid on the host is not 0, so the container needs a user
 * namespace, keeps its state in the user's runtime dir, and gets a cgroup
 * only where one was delegated to the user.
 */
#ifndef ARGON_ROOTLESS_H
#define ARGON_ROOTLESS_H

#include <stdbool.h>

#include "cgroup.h"
#include "error.h"
#include "resources.h"
#include "spec.h"

/* The runtime runs without root on the host (euid != 0). */
bool rootless_euid(void);

/* The state root when --root is not given: /run/argon-runtime for root;
 * $XDG_RUNTIME_DIR/argon-runtime for anyone else when that directory is
 * theirs; otherwise an error asking for --root. *out is malloc'd. */
int runtime_default_root(char **out, struct ar_err *err);

/* Rootless: the config must create or join a user namespace (nothing else
 * can be unshared without one), and its cgroup mounts are made read-only:
 * the host's cgroup tree seen from a user's container is never its to
 * change, as with runc and crun. */
int rootless_adjust_spec(struct spec *s, struct ar_err *err);

/* Rootless: keeps the job object only where this user may create and join
 * it (a delegated cgroup: detected, not assumed). Without one, a config that
 * asks for a limit is refused, naming the limit; otherwise *cg is freed and
 * set to NULL and the container runs without a cgroup. Device rules are
 * dropped either way: the kernel refuses them to an unprivileged user (v1
 * devices.allow needs CAP_SYS_ADMIN, v2 a BPF program), and in a user
 * namespace no device node can be made, only the host's bound in. */
int rootless_job(struct cgroup **cg, struct resources *res, struct ar_err *err);

/* The config field of the first limit in *r ("linux.resources.memory.limit"),
 * or NULL when it asks for none. */
const char *resources_first_limit(const struct resources *r);

#endif
