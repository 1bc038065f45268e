/* argon — the parent/child sync channel (an AF_UNIX SOCK_SEQPACKET pair).
 *
 * Every setup step of the container init runs in the child; when one fails
 * the child sends SYNC_ERROR with errno and the full message, so the parent
 * reports the real cause ("mount `proc` on `/proc`: Permission denied")
 * instead of "child exited with status 1". One message = one datagram.
 * A message may carry one fd (SCM_RIGHTS): the seccomp notify listener the
 * child created goes to the parent that way.
 */
#ifndef ARGON_SYNC_H
#define ARGON_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum sync_type {
	SYNC_USERMAP_REQ = 1,	/* child unshared a user ns: write its maps */
	SYNC_USERMAP_ACK,
	SYNC_INIT_PID,		/* stage 1 -> parent: the init's pid (int32 payload) */
	SYNC_CREATE_RUNTIME,	/* init: namespaces exist, run createRuntime hooks */
	SYNC_CREATE_RUNTIME_ACK,/* payload: state JSON for the in-container hooks */
	SYNC_READY,		/* init: everything set up, waiting for start */
	SYNC_ERROR,		/* payload: message; errnum carries errno */
	SYNC_SECCOMP_FD,	/* child: the seccomp listener fd (SCM_RIGHTS) */
	SYNC_SECCOMP_FD_ACK,	/* parent: the listener reached listenerPath */
};

struct sync_msg {
	uint32_t type;
	int32_t errnum;
	char *data;		/* NUL-terminated payload, owned (may be NULL) */
	size_t len;
	int fd;			/* an fd passed with the message (owned), or -1;
				 * set by sync_recv, closed by sync_msg_free */
};

int sync_pair(int fds[2], struct ar_err *err);
int sync_send(int fd, enum sync_type type, int errnum, const void *data, size_t len,
	      struct ar_err *err);
/* Sends a message carrying `passfd` as SCM_RIGHTS (the caller keeps its copy). */
int sync_send_fd(int fd, enum sync_type type, int passfd, struct ar_err *err);
/* Reads one message. EOF (peer gone) is an error with errnum EPIPE. */
int sync_recv(int fd, struct sync_msg *m, struct ar_err *err);
/* Receives and checks the type; a SYNC_ERROR becomes *err (the child's cause). */
int sync_expect(int fd, enum sync_type type, struct sync_msg *m, struct ar_err *err);
/* Child side: sends *err as SYNC_ERROR (best effort). */
void sync_send_error(int fd, const struct ar_err *err);
/* Frees the payload and closes a received fd that was not taken (steal_fd). */
void sync_msg_free(struct sync_msg *m);

#endif
