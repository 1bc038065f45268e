#define _GNU_SOURCE
#include "sync.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fdpass.h"
#include "util.h"

/* Large enough for any error message or state JSON we send. */
#define SYNC_MAX (256 * 1024)

struct sync_hdr {
	uint32_t type;
	int32_t errnum;
};

int sync_pair(int fds[2], struct ar_err *err)
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
		return ar_error(err, errno, "create sync socket pair");
	return 0;
}

static int send_msg(int fd, struct msghdr *mh, struct ar_err *err)
{
	ssize_t n;

	do
		n = sendmsg(fd, mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return ar_error(err, errno, "send sync message");
	return 0;
}

int sync_send(int fd, enum sync_type type, int errnum, const void *data, size_t len,
	      struct ar_err *err)
{
	struct sync_hdr h = { .type = type, .errnum = errnum };
	struct iovec iov[2] = { { &h, sizeof h }, { (void *)data, data ? len : 0 } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };

	if (len > SYNC_MAX)
		return ar_error(err, EMSGSIZE, "sync message of %zu bytes", len);
	return send_msg(fd, &mh, err);
}

int sync_send_fd(int fd, enum sync_type type, int passfd, struct ar_err *err)
{
	struct sync_hdr h = { .type = type };
	struct iovec iov = { &h, sizeof h };
	union fdpass_ctl ctl;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	fdpass_attach(&mh, &ctl, passfd);
	return send_msg(fd, &mh, err);
}

int sync_recv(int fd, struct sync_msg *m, struct ar_err *err)
{
	struct sync_hdr h;
	_cleanup_free_ char *buf = xmalloc(SYNC_MAX + 1);
	struct iovec iov[2] = { { &h, sizeof h }, { buf, SYNC_MAX } };
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2, .msg_control = u.buf,
			     .msg_controllen = sizeof u.buf };
	_cleanup_close_ int passed = -1;
	ssize_t n;

	memset(m, 0, sizeof *m);
	m->fd = -1;
	do
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return ar_error(err, errno, "receive sync message");
	passed = fdpass_take(&mh);
	if (mh.msg_flags & MSG_CTRUNC)
		return ar_error(err, EPROTO, "sync message with truncated fds");
	if (n == 0)
		return ar_error(err, EPIPE, "container init exited during setup");
	if ((size_t)n < sizeof h)
		return ar_error(err, EPROTO, "short sync message");
	m->type = h.type;
	m->errnum = h.errnum;
	m->len = (size_t)n - sizeof h;
	buf[m->len] = '\0';
	m->data = steal_ptr(&buf);
	m->fd = steal_fd(&passed);
	return 0;
}

int sync_expect(int fd, enum sync_type type, struct sync_msg *m, struct ar_err *err)
{
	if (sync_recv(fd, m, err) < 0)
		return -1;
	if (m->type == SYNC_ERROR) {
		ar_err_set_raw(err, m->errnum, m->data);
		sync_msg_free(m);
		return -1;
	}
	if (m->type != (uint32_t)type) {
		int got = (int)m->type;
		sync_msg_free(m);
		return ar_error(err, EPROTO, "sync: expected message %d, got %d", type, got);
	}
	return 0;
}

void sync_send_error(int fd, const struct ar_err *err)
{
	const char *msg = err && err->msg ? err->msg : "unknown error in container init";

	sync_send(fd, SYNC_ERROR, err ? err->errnum : 0, msg, strlen(msg) + 1, NULL);
}

void sync_msg_free(struct sync_msg *m)
{
	free(m->data);
	m->data = NULL;
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
}
