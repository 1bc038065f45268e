/* argon — phase timestamps for profiling (ARGON_TRACE=1, or =/ABS/PATH).
 *
 * `ar_trace("what")` writes one line to stderr (or appends it to the file
 * ARGON_TRACE names, which also catches processes whose stderr is
 * /dev/null: the monitor): the pid, CLOCK_MONOTONIC in microseconds, the
 * phase. Absolute times let the lines of the runtime,
 * its children, the engine and the monitor be merged and sorted
 * (bench/phases does). Off, it costs one branch on a cached flag. */
#ifndef ARGON_TRACE_H
#define ARGON_TRACE_H

#define AR_TRACE_ENV "ARGON_TRACE"

void ar_trace(const char *what);

#endif
