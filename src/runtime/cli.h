/* argon-runtime — the command line: runc's argv shapes over libargon. */
#ifndef ARGON_CLI_H
#define ARGON_CLI_H

#include "container.h"
#include "error.h"

#define ARGON_VERSION "0.1.0"

struct cli {
	struct ar_runtime rt;
	const char *prog;	/* "argon-runtime" */
};

/* A command returns its exit status; on failure it fills err and returns -1
 * (main prints "argon-runtime: <message>" once and exits 1). */
typedef int (*cli_cmd_fn)(struct cli *cli, int argc, char **argv, struct ar_err *err);

int cmd_create(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_start(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_run(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_kill(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_delete(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_state(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_list(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_ps(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_spec(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_features(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_exec(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_pause(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_resume(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_update(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_events(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_unsupported(struct cli *cli, int argc, char **argv, struct ar_err *err);

/* Shared argument helpers. */
int cli_one_id(int argc, char **argv, int optind_, const char *cmd, const char **id,
	       struct ar_err *err);
int cli_parse_int(const char *flag, const char *s, int *out, struct ar_err *err);

#endif
