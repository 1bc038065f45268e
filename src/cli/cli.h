/* argon — the engine's command line: docker's names, flags and output
 * shapes over libargon. Each command is a function in a cmd_*.c file. */
#ifndef ARGON_CLI_CLI_H
#define ARGON_CLI_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "engine.h"
#include "error.h"
#include "store.h"

#define ARGON_VERSION "0.1.0"
#define ARGON_DEFAULT_ROOT "/var/lib/argon"
#define ARGON_DEFAULT_STATE_DIR "/run/argon"

/* docker's exit statuses: 125 the engine could not do it (bad flags too). */
#define EXIT_ENGINE 125

struct cli {
	const char *root;	/* --root */
	const char *state_dir;	/* --state-dir: runtime state */
	bool debug;
	struct store *store;	/* opened by cli_store() on first use */
	struct engine engine;	/* set up by cli_engine() on first use */
	bool engine_ready;
};

/* A command returns its exit status, or -1 with *err filled (main prints
 * "argon: <message>", exit 1), or CLI_USAGE (main prints the message and
 * exits 125, as docker does for a flag error). */
#define CLI_USAGE (-2)
typedef int (*cli_cmd_fn)(struct cli *cli, int argc, char **argv, struct ar_err *err);

/* Opens the store (and cleans what crashed commands left) once. */
struct store *cli_store(struct cli *cli, struct ar_err *err);

/* The store and the runtime library together, once. */
struct engine *cli_engine(struct cli *cli, struct ar_err *err);

/* Sets a usage message ("`argon images` accepts no arguments") and
 * returns CLI_USAGE. */
int cli_usage(struct ar_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Runs the subcommand argv[1] of a command group (`argon volume ls`). */
struct cli_subcmd {
	const char *name;
	cli_cmd_fn fn;
};
int cli_dispatch(struct cli *cli, int argc, char **argv, const struct cli_subcmd *sub,
		 size_t n, const char *usage, struct ar_err *err);

/* The flags of a listing command: -q/--quiet and --format table|json, no
 * arguments. `usage` is its usage line. */
int cli_list_flags(int argc, char **argv, const char *usage, bool *quiet, bool *json,
		   struct ar_err *err);

/* docker's commands over several names (rm, stop, rmi, volume rm ...):
 * `fn` on each; a failure is printed ("argon: <message>") and the next
 * name goes on; the status is 1 when any failed. `fn` prints its output. */
typedef int (*cli_each_fn)(struct cli *cli, const char *name, void *data, struct ar_err *err);
int cli_each(struct cli *cli, char *const *names, int n, cli_each_fn fn, void *data);
/* cli_each over the containers named from argv[first] (at least one, or a
 * usage error), with the engine set up first. */
int cli_each_container(struct cli *cli, int argc, char **argv, int first, cli_each_fn fn,
		       void *data, struct ar_err *err);
/* For a cli_each_fn: prints `name` when r is 0 (docker's echo); returns r. */
int cli_said(int r, const char *name);
/* For a removal's cli_each_fn: cli_said, except that with `force` a
 * missing one (ENOENT) is fine and prints nothing. */
int cli_removed(int r, const char *name, bool force, struct ar_err *err);

/* docker's `inspect`: a JSON array of one object per name in argv[1..];
 * `one` makes the object or fails (the message is printed, the rest go on,
 * the status is 1). "[]" when none was found. */
struct json_object;
typedef struct json_object *(*cli_inspect_fn)(struct cli *cli, const char *name,
					     struct ar_err *err);
int cli_inspect_each(struct cli *cli, int argc, char **argv, cli_inspect_fn one);

/* Output helpers (output.c). */
char *human_size(uint64_t bytes);		/* docker's: "4.26MB" (1000-based) */
char *human_ago(int64_t unix_seconds);		/* "3 minutes ago" */
char *rfc3339(int64_t unix_seconds);		/* "2026-11-21T10:00:00Z" */
char *short_id(const char *id);			/* 12 hex, "sha256:" dropped */
/* A table: fixed columns padded like docker's tabwriter (3 spaces). */
struct table;
struct table *table_new(size_t ncols, ...);	/* column headers */
void table_row(struct table *t, ...);		/* ncols strings (copied) */
void table_print(struct table *t, FILE *f);	/* prints and frees */
/* `--format` values: "table" (default) or "json" (one object per line). */
int cli_format(const char *s, bool *json, struct ar_err *err);

int cmd_import(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_images(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_rmi(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_tag(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_image(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_image_inspect(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_prep(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_volume(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_network(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_sandbox(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_diff(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_commit(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_export(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_cp(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_create(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_start(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_run(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_stop(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_kill(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_rm(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_wait(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_ps(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_inspect(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_logs(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_events(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_monitor(struct cli *cli, int argc, char **argv, struct ar_err *err);
/* Prepares the `host` image when `ref` names it and it does not exist. */
int cli_ensure_host_image(struct cli *cli, const char *ref, struct ar_err *err);
int cmd_monitor_done(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_exec(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_restart(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_pause(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_unpause(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_rename(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_top(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_port(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_stats(struct cli *cli, int argc, char **argv, struct ar_err *err);
int cmd_seccomp(struct cli *cli, int argc, char **argv, struct ar_err *err);

/* Follows a container's log to stdout/stderr (logs.c); `follow` until it
 * has exited. `fd` is the open log file. */
struct log_opts {
	bool follow, timestamps;
	long tail;		/* < 0: all */
	int64_t since_ns;	/* 0: all */
	int64_t until_ns;	/* 0: no end */
	uint64_t *skip;		/* NULL, or bytes of stdout, stderr not to print
				 * again (counted down): what an attached run
				 * showed before the monitor dropped it */
};
int cli_print_log(struct engine *e, const char *id, int fd, const struct log_opts *o,
		  int sigfd, struct ar_err *err);

#endif
