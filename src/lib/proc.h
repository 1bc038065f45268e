/* argon — facts about processes read from /proc. */
#ifndef ARGON_PROC_H
#define ARGON_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* Field 22 (starttime) of /proc/PID/stat; parses past the comm field safely
 * (comm may hold spaces and parentheses). */
int proc_start_time(pid_t pid, uint64_t *out);
/* The process exists, is not a zombie, and has this start time. */
bool proc_is_same(pid_t pid, uint64_t start_time);
/* All PIDs (in our pid namespace) that live in the same pid namespace as
 * `init` (compares /proc/PID/ns/pid), sorted, init included. */
int proc_pids_in_pidns_of(pid_t init, pid_t **pids, size_t *n, struct ar_err *err);

/* Signal names: "KILL", "SIGKILL", "kill", "9", "SIGRTMIN+3", "RTMAX-1". */
int signal_parse(const char *s);	/* -1 when unknown or out of range */
const char *signal_name(int sig);	/* "SIGKILL"; NULL when unnamed */

#endif
