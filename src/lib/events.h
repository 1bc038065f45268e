/* argon — the engine's events (`argon events`, docker's shapes): what
 * happened to which container, when. Each event is one JSON line appended
 * to <state-dir>/events.log (rotated when it grows past a cap), so any
 * argon process, the monitors included, can emit one, and `argon events`
 * reads history (--since) and follows new ones. The state dir is cleared
 * on reboot, as docker's daemon forgets its events on restart. */
#ifndef ARGON_EVENTS_H
#define ARGON_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

struct engine;

/* One event. attrs are "key=value" strings, NULL-terminated or NULL; the
 * container's name and image are passed by the caller (at "destroy" the
 * row is gone). Best effort: a container's life never fails because its
 * event could not be written, so this returns nothing. Actions are
 * docker's: create, start, attach, die (exitCode=N), oom, kill (signal=N),
 * stop, restart, pause, unpause, rename (oldName=...), destroy,
 * exec_create, exec_start, exec_die (exitCode=N). */
void engine_event(struct engine *e, const char *id, const char *name, const char *image,
		  const char *action, const char *const *attrs);

/* engine_event for a container engine_find loaded: its name, its image as
 * the user wrote it and its labels (docker's attributes) from its record. */
struct engine_info;
void engine_event_of(struct engine *e, const struct engine_info *i, const char *action,
		     const char *const *attrs);

/* docker's "kill" event of a signal sent to the container: signal=N. */
void engine_event_signal(struct engine *e, const struct engine_info *i, int sig);

/* The pieces of engine_event, for writers without a struct engine. The
 * line (with its "\n") of one event at time_ns; attributes sorted by key,
 * as docker's. */
char *event_line(const char *id, const char *name, const char *image, const char *action,
		 const char *const *attrs, int64_t time_ns);
/* Appends a line with one write(2) (O_APPEND: whole among concurrent
 * writers) under a shared lock of <state_dir>/events.lock; past
 * EVENTS_MAX_SIZE it renames events.log to events.log.1 (the older .1
 * goes) under the exclusive lock, so that a rotation is done once and no
 * line goes to a file already renamed. Best effort, silent. */
#define EVENTS_LOG "events.log"
#define EVENTS_MAX_SIZE (1 << 20)
void events_append(const char *state_dir, const char *line);

/* ------------------------------------------------------------ reading */

/* The events of <state_dir>, oldest first: with history, those kept
 * (events.log.1, then events.log) from since_ns on, else only those
 * written from now on; then new ones as they come (event_reader_wait).
 * Events after until_ns (0: none) are left out. */
struct event_reader;
struct json_object;
int event_reader_open(const char *state_dir, bool history, int64_t since_ns, int64_t until_ns,
		      struct event_reader **out, struct ar_err *err);
/* 1 with the next event (*ev is the reader's until the next call) and its
 * time (timeNano); 0 when none is there now. Lines that are not events
 * (torn by a crash) are skipped. */
int event_reader_next(struct event_reader *r, struct json_object **ev, int64_t *time_ns);
/* Waits for a new event, fd (>= 0) to be readable, or timeout_ms; 1 when
 * fd is readable. */
int event_reader_wait(struct event_reader *r, int fd, int timeout_ms);
void event_reader_free(struct event_reader *r);

#endif
