/* argon — files of lines that rotate: <path> is written (appended to) and,
 * past a size, renamed <path>.1 (an older .1 becoming .2, ...). A reader
 * wants them oldest first, <path>.N ... <path>.1, then <path>, and to keep
 * following <path> across a rotation without losing a line: the renamed
 * file is finished first, then the new <path> read from its start. Used
 * for a container's log (container.log) and the engine's events.log.
 *
 * Writers must write whole lines, and be done with the old file when the
 * rename happens (one writer that renames, or writers and rotation under a
 * lock, as events.c does): the reader takes a different inode at <path> as
 * the sign that the file it reads is complete. */
#ifndef ARGON_ROTLOG_H
#define ARGON_ROTLOG_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

struct rotlog;

/* Opens <path> and, with history, its rotated files before it. A missing
 * <path> is no error: it is read once it appears. */
int rotlog_open(const char *path, bool history, struct rotlog **out, struct ar_err *err);
/* As rotlog_open without history, over `fd`, an open <path> (taken:
 * closed by rotlog_free). path may be NULL: no rotation is watched. */
struct rotlog *rotlog_from_fd(int fd, const char *path);
/* Leaves the history and what <path> holds now: only lines written from
 * now on are read. */
void rotlog_skip_to_end(struct rotlog *r);

/* The next line, without its "\n" and NUL-terminated: 1 with *line and
 * *len (the reader's memory, valid until the next call), 0 when every
 * complete line written so far was read. The last line of a finished
 * (rotated) file comes even without its "\n". */
int rotlog_next(struct rotlog *r, const char **line, size_t *len);

/* Waits until <path>'s directory changes (inotify: a write, a rename), fd
 * (when >= 0) is readable, wake (when >= 0: a pidfd, say) is, or
 * timeout_ms pass. 1 when fd is readable. */
int rotlog_wait(struct rotlog *r, int fd, int wake, int timeout_ms);
/* Whether rotlog_wait wakes for writes (an inotify watch was made). */
bool rotlog_watching(const struct rotlog *r);

void rotlog_free(struct rotlog *r);

#endif
