/* argon — the container's terminal: a pty made inside the container's devpts
 * whose master goes to the caller over --console-socket (SCM_RIGHTS), as runc
 * does; the slave becomes the process's controlling terminal and stdio.
 */
#ifndef ARGON_TERMINAL_H
#define ARGON_TERMINAL_H

#include <stdbool.h>

#include "error.h"

/* Opens /dev/ptmx (of the current root), unlocks it, returns the master and
 * the slave's path ("/dev/pts/N"). */
int terminal_open_pty(int *master, char **slave_path, struct ar_err *err);
int terminal_set_size(int fd, unsigned rows, unsigned cols, struct ar_err *err);
/* setsid, TIOCSCTTY, dup2 onto 0/1/2. */
int terminal_make_controlling(const char *slave_path, struct ar_err *err);
/* Connects to a unix socket path (the --console-socket). */
int terminal_connect_socket(const char *path, int *fd, struct ar_err *err);
/* Sends/receives one fd with SCM_RIGHTS; `name` travels as the payload. */
int terminal_send_fd(int sock, int fd, const char *name, struct ar_err *err);
int terminal_recv_fd(int sock, int *fd, struct ar_err *err);

#endif
