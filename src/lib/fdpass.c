/* argon — one fd over an AF_UNIX socket (fdpass.h). */
#include "fdpass.h"

#include <string.h>
#include <unistd.h>

void fdpass_attach(struct msghdr *msg, union fdpass_ctl *ctl, int fd)
{
	struct cmsghdr *cm;

	memset(ctl, 0, sizeof *ctl);
	msg->msg_control = ctl->buf;
	msg->msg_controllen = sizeof ctl->buf;
	cm = CMSG_FIRSTHDR(msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof fd);
}

int fdpass_take(struct msghdr *msg)
{
	int got = -1;

	for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
		size_t n;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof fd);
			if (got < 0)
				got = fd;
			else
				close(fd);
		}
	}
	return got;
}
