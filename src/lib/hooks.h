/* argon — OCI hooks: each hook runs with the container state JSON on stdin,
 * its own args and env, and an optional timeout (killed when it expires). A
 * failing hook fails the operation (except poststart/poststop, which the
 * caller only warns about, per the spec). */
#ifndef ARGON_HOOKS_H
#define ARGON_HOOKS_H

#include "error.h"
#include "spec.h"

/* Runs hooks of one kind in order; stops at the first failure with
 * "<kind> hook `PATH`: exit status N" (or "killed by SIGNAL", "timed out"). */
int hooks_run(const struct spec_hook_list *hooks, enum spec_hook_kind kind,
	      const char *state_json, struct ar_err *err);

#endif
