/* argon — the flags of `create`, `run` and `sandbox create` (docker's). */
#ifndef ARGON_CLI_CREATE_FLAGS_H
#define ARGON_CLI_CREATE_FLAGS_H

#include <limits.h>

#include "engine.h"
#include "hostcfg.h"

enum create_mode { CREATE_SANDBOX, CREATE_CONTAINER, CREATE_RUN };

struct create_args {
	struct engine_opts e;		/* e.storage is what sandbox create uses */
	struct mount_req *mounts;
	char **env, **entrypoint, **labels;
	char **env_all;			/* --env-file's variables, then -e's */
	struct hostcfg_ulimit *ulimits;
	struct hostcfg_device *devices;
	char **cap_add, **cap_drop;
	struct hostcfg_security security;	/* --security-opt */
	char **sysctls;			/* --sysctl "K=V" */
	uint32_t *groups;		/* --group-add */
	char *init_path;		/* --init: argon-init beside our binary */
	char **ports, **expose, **dns, **dns_search, **dns_options, **extra_hosts,
	     **aliases;			/* the network's flags (engine_net_opts) */
	char **warnings;		/* engine_create's, printed by the command */
	char host_name[HOST_NAME_MAX + 1];	/* --network host: the host's */
	bool init;			/* --init */
	bool detach;			/* run -d */
};

/* Parses argv (optind at the first flag); IMAGE and CMD end it. Returns 0,
 * or CLI_USAGE with *err set (a bad value names its flag). Prints docker's
 * warnings ("WARNING: ...") to stderr for limits this host cannot apply. */
int cli_parse_create(int argc, char **argv, enum create_mode mode, struct create_args *a,
		     struct ar_err *err);
void create_args_free(struct create_args *a);

#endif
