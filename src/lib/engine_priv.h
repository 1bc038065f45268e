/* argon — internals shared by engine.c, engine_state.c and monitor.c. */
#ifndef ARGON_ENGINE_PRIV_H
#define ARGON_ENGINE_PRIV_H

#include <json-c/json.h>

#include "engine.h"

int64_t engine_now_ns(void);

/* Starts the container's monitor, which creates the runtime container;
 * returns when the init waits for start (or with the monitor's error). */
int engine_spawn_monitor(struct engine *e, const char *id, pid_t *init, pid_t *monitor,
			 struct ar_err *err);

/* StopSignal and StopTimeout from the engine options JSON. */
void engine_stop_settings(const char *config, int *sig, int *secs);

/* The recorded start time of the container's monitor (0: none). */

/* The container's engine options (options_json in engine.c), parsed; NULL
 * when there is none. Caller puts it. */
json_object *engine_config(struct engine *e, const char *id);

/* In a container's dir while `restart` stops it: its monitor does not
 * remove a --rm container then. */
#define ENGINE_RESTARTING "restarting"

/* AutoRemove (--rm) of the container's engine options. */
bool engine_auto_remove(struct engine *e, const char *id);

/* The exit code of a --rm container removed meanwhile, from `exits`. */
int engine_removed_exit(struct engine *e, const char *id, int *exit_code, const char *ref,
			struct ar_err *err);

#endif
