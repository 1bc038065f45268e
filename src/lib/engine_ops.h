/* argon — what docker's daemon does for pause, unpause, restart, rename,
 * top, stats and port, over the engine (engine.h). The CLI prints.
 *
 * "Paused" is never stored: it is the runtime's own status (the job's
 * freezer), read when a running container is loaded, so it cannot go stale
 * when a paused container dies or is thawed by `argon-runtime resume`.
 */
#ifndef ARGON_ENGINE_OPS_H
#define ARGON_ENGINE_OPS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine.h"
#include "error.h"

/* True while the runtime reports the container's freezer frozen. */
bool engine_paused(struct engine *e, const char *id);
/* Sets i->paused (a runtime state load: engine_find leaves it false, so
 * start, stop and wait do not pay for it; engine_list sets it). */
void engine_load_paused(struct engine *e, struct engine_info *i);
/* docker's State.Status: engine_state_name(), or "paused". */
const char *engine_status_name(const struct engine_info *i);

/* docker's pause / unpause: the job's freezer. Errors: not running,
 * already paused, not paused. Each emits its event. */
int engine_pause(struct engine *e, const char *ref, struct ar_err *err);
int engine_unpause(struct engine *e, const char *ref, struct ar_err *err);

/* Called once `sig` has been sent to the container: when it is the stop
 * signal or SIGKILL and the container is paused, thaws it so the signal
 * lands (docker's order: signal, then resume). Best effort. */
void engine_thaw_for_signal(struct engine *e, const struct engine_info *i, int sig);

/* engine_stop (timeout as there), then engine_start; a "restart" event. */
int engine_restart(struct engine *e, const char *ref, int timeout, struct ar_err *err);

/* A new name (docker's syntax; a leading "/" is dropped); refused when
 * taken (EEXIST) or the same. A "rename" event with oldName=/OLD. */
int engine_rename(struct engine *e, const char *ref, const char *name, struct ar_err *err);

/* docker's `top`: host `ps` (ps_args, or -ef when none) filtered to the
 * container's processes: the header's titles and one row per process,
 * the last column holding the rest of the line. Not running: an error. */
struct engine_top {
	char **titles;		/* NULL-terminated */
	char ***rows;		/* each NULL-terminated, as many as titles */
	size_t n_rows;
};
int engine_top(struct engine *e, const char *ref, char *const *ps_args, struct engine_top *out,
	       struct ar_err *err);
void engine_top_free(struct engine_top *t);

/* One reading of a container's usage for `stats`; all 0 when it is not
 * running. CPU % comes from two readings: delta cpu_ns / delta at_ns. */
struct engine_sample {
	bool running;
	uint64_t at_ns;			/* CLOCK_MONOTONIC */
	uint64_t cpu_ns;		/* the cgroup's CPU time */
	uint64_t mem_usage, mem_limit;	/* limit: the host's RAM when smaller */
	uint64_t net_rx, net_tx;	/* its network namespace but lo; 0 when
					 * it shares the host's */
	uint64_t blk_read, blk_write;
	uint64_t pids;
};
int engine_sample(struct engine *e, const struct engine_info *i, struct engine_sample *s,
		  struct ar_err *err);

/* Published ports of a running container, from the engine options'
 * "Ports" (docker's NetworkSettings.Ports shape: {"80/tcp": [{"HostIp":
 * "0.0.0.0", "HostPort": "8080"}]}), sorted naturally. None (n = 0) when
 * it is not running or publishes nothing. */
struct engine_port {
	char *private_port;	/* "80/tcp" */
	char *host;		/* "0.0.0.0:8080", "[::]:8080" */
};
int engine_ports(const struct engine_info *i, struct engine_port **out, size_t *n,
		 struct ar_err *err);
void engine_ports_free(struct engine_port *p, size_t n);

#endif
