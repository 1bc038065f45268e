/* argon — one fd over an AF_UNIX socket (SCM_RIGHTS): the console socket's
 * pty master, the seccomp listener to the runtime and to listenerPath. */
#ifndef ARGON_FDPASS_H
#define ARGON_FDPASS_H

#include <sys/socket.h>

/* Room for one fd's control message, aligned for struct cmsghdr. */
union fdpass_ctl {
	char buf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr align;
};

/* Points msg's control data at ctl, holding fd. */
void fdpass_attach(struct msghdr *msg, union fdpass_ctl *ctl, int fd);

/* The first fd a received message carries, -1 when none; any other is
 * closed, so a confused peer cannot make us leak fds. */
int fdpass_take(struct msghdr *msg);

#endif
