/* argon — the engine: containers' whole life over the store and the
 * runtime library (the seeds' HCS + CExecSvc + termination notification).
 *
 * A container is a row of the store's database (its name, image, state,
 * exit status), a sandbox + bundle in <root>/containers/<id>/ (storage.h),
 * and, while it exists in the kernel, runtime state under
 * <state-dir>/runtime/<id>. Each created container has a monitor: a small
 * process of its own (double-forked, a subreaper, `argon _monitor`) that is
 * the parent of the container's init, writes its stdout/stderr to
 * <dir>/container.log (docker's json-file lines), reaps it, records the
 * exit code, OOM flag and finish time, deletes the runtime state, and
 * removes the container when --rm asked for it.
 *
 * If the monitor dies, nothing is lost: every command refreshes a row
 * whose monitor is gone from the runtime's own state (engine_refresh).
 */
#ifndef ARGON_ENGINE_H
#define ARGON_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "container.h"
#include "error.h"
#include "storage.h"
#include "store.h"

struct engine {
	struct store *store;
	struct ar_runtime rt;		/* root: <state-dir>/runtime */
	const char *state_dir;
	const char *argon_path;		/* the binary that runs `_monitor` */
};

/* Opens <state-dir>/runtime for the runtime library. */
int engine_init(struct engine *e, struct store *s, const char *state_dir, struct ar_err *err);
void engine_fini(struct engine *e);

/* A container's network (engine_net.h): docker's flags as given. */
struct engine_net_opts {
	const char *mode;		/* --network: none, host, container:X, a
					 * network; NULL: the default */
	const char *ip;			/* --ip on that network */
	char *const *aliases;		/* --network-alias */
	char *const *ports;		/* -p values (portspec.h) */
	bool publish_all;		/* -P: every exposed port, random host ports */
	char *const *expose;		/* --expose values */
	char *const *dns, *const *dns_search, *const *dns_options;
	char *const *extra_hosts;	/* --add-host NAME:IP */
};

/* What docker keeps beside the OCI config: how to stop, whether to remove,
 * what the user asked for (inspect shows it). */
struct engine_opts {
	struct storage_create_opts storage;
	const char *image_ref;		/* as the user wrote it */
	bool auto_remove;		/* --rm */
	int stop_signal;		/* 0: SIGTERM */
	int stop_timeout;		/* seconds; < 0: 10 */
	char *const *labels;		/* "k=v" */
	bool interactive;		/* -i: the init's stdin is a pipe the monitor
					 * keeps open for attached clients; else
					 * /dev/null. -t is storage.bundle.terminal. */
	int64_t log_max_size;		/* bytes per log file before it rotates;
					 * 0: 10 MiB; < 0: no cap */
	int log_max_files;		/* log files kept, the current one
					 * included; 0: 2 */
	struct engine_net_opts net;
	char ***warnings;		/* out, may be NULL: docker's "WARNING:"
					 * lines for the caller to print */
};

/* Creates the container (record, sandbox, bundle, monitor, runtime create):
 * its init waits for engine_start. All or nothing. */
int engine_create(struct engine *e, const struct engine_opts *o, struct container_info *out,
		  struct ar_err *err);
/* An exited container gets a new runtime container and monitor, created
 * and waiting for start (so a client can attach first); others: no-op. */
int engine_ready(struct engine *e, const char *ref, struct ar_err *err);
/* Starts a created container, or an exited one again (a new monitor). */
int engine_start(struct engine *e, const char *ref, struct ar_err *err);
/* Stop signal, up to `timeout` seconds (< 0: the container's own), then
 * SIGKILL to every process. A container that is not running: no-op. */
int engine_stop(struct engine *e, const char *ref, int timeout, struct ar_err *err);
int engine_kill(struct engine *e, const char *ref, int sig, struct ar_err *err);
/* Refused while running unless force (then killed first). */
int engine_remove(struct engine *e, const char *ref, bool force, bool volumes,
		  struct ar_err *err);
/* Blocks until the container has exited; its exit code. Works for a
 * --rm container removed meanwhile (the exits table keeps its code). */
int engine_wait(struct engine *e, const char *ref, int *exit_code, struct ar_err *err);

enum engine_state { ENGINE_CREATED, ENGINE_RUNNING, ENGINE_EXITED };

struct engine_info {
	struct container_info c;
	enum engine_state state;
	char *config;			/* engine options JSON */
	pid_t init_pid, monitor_pid;
	uint64_t monitor_start;		/* the monitor's start time (proc_is_same) */
	int64_t started_at, finished_at;	/* ns since the epoch, 0: never */
	int exit_code;			/* -1: unknown (the monitor died) */
	bool oom_killed;
	bool paused;			/* running, its freezer frozen: set by engine_list
					 * and engine_load_paused, not engine_find */
};
void engine_info_free(struct engine_info *i);

/* Loads a container and makes its state truthful first: a row that says
 * running whose monitor is gone is checked against the runtime. */
int engine_find(struct engine *e, const char *ref, struct engine_info *out, struct ar_err *err);
typedef int (*engine_fn)(const struct engine_info *i, void *data);
int engine_list(struct engine *e, engine_fn fn, void *data, struct ar_err *err);

const char *engine_state_name(enum engine_state s);	/* "created", ... */

/* A pidfd of the container's monitor (POLLIN once it has exited, that is
 * once the container's end is recorded, and for --rm its removal done),
 * or -1 when it has none or it is gone already. Waiting on it instead of
 * polling the store is what lets `run` return as the container ends. */
int engine_monitor_pidfd(const struct engine_info *i);

/* The monitor's first step (`argon _monitor ID FD ARGON_PATH`) and its last
 * (`argon _monitor-done ID STATUS`, STATUS a wait status), monitor.c:
 * neither returns. */
void engine_monitor_main(struct engine *e, const char *id, int report_fd);
void engine_monitor_done(struct engine *e, const char *id, int status);

#endif
