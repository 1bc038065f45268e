/* argon — the flags of `create`, `run` and `sandbox create` (docker's). */
#ifndef ARGON_CLI_CREATE_FLAGS_H
#define ARGON_CLI_CREATE_FLAGS_H

#include "engine.h"

enum create_mode { CREATE_SANDBOX, CREATE_CONTAINER, CREATE_RUN };

struct create_args {
	struct engine_opts e;		/* e.storage is what sandbox create uses */
	struct mount_req *mounts;
	char **env, **entrypoint, **labels;
	bool detach;			/* run -d */
};

/* Parses argv (optind at the first flag); IMAGE and CMD end it. Returns 0,
 * or CLI_USAGE with *err set. */
int cli_parse_create(int argc, char **argv, enum create_mode mode, struct create_args *a,
		     struct ar_err *err);
void create_args_free(struct create_args *a);

#endif
