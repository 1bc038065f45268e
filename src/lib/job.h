/* argon — a container's job object: its cgroup, derived from the config at
 * create and found again from state.json afterwards. */
#ifndef ARGON_JOB_H
#define ARGON_JOB_H

#include <stdbool.h>

#include "cgroup.h"
#include "error.h"
#include "resources.h"
#include "spec.h"
#include "state.h"

/* Takes over the spec's parsed linux.resources and resolves
 * linux.cgroupsPath. The device rules in *res are the effective ones: the
 * config's, then allow rules for the device nodes argon creates (runc's
 * order: those always stay usable). */
int job_from_spec(struct spec *s, const char *id, struct cgroup **cg, struct resources *res,
		  struct ar_err *err);
/* Creates the cgroup and applies the limits; on failure nothing is left. */
int job_create(struct cgroup *cg, const struct resources *res, struct ar_err *err);
/* The cgroup recorded in state.json (*cg = NULL for none). */
int job_from_state(const struct ar_state *st, struct cgroup **cg, struct ar_err *err);
/* SIGKILLs everything in the cgroup, waits (bounded) until it is empty and
 * removes it. */
int job_destroy(struct cgroup *cg, struct ar_err *err);

#endif
