/* argon — the container's terminal: pty creation, making it the controlling
 * terminal, and handing the master over a unix socket (SCM_RIGHTS, as runc
 * does). The foreground relay of `run -t` lives in wait.c, beside signal
 * forwarding. */
#include "terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "fdpass.h"
#include "util.h"

/* What we accept as the payload next to the fd: runc sends the pty name. */
#define FD_PAYLOAD_MAX 4096

int terminal_open_pty(int *master, char **slave_path, struct ar_err *err)
{
	_cleanup_close_ int fd = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	int unlock = 0;
	unsigned ptn;

	if (fd < 0)
		return ar_error(err, errno, "open `/dev/ptmx`");
	if (ioctl(fd, TIOCSPTLCK, &unlock) < 0)
		return ar_error(err, errno, "unlock the pty");
	/* The number is relative to the devpts instance behind this ptmx, i.e.
	 * the /dev/pts of the current root. */
	if (ioctl(fd, TIOCGPTN, &ptn) < 0)
		return ar_error(err, errno, "get the pty number");
	*slave_path = xasprintf("/dev/pts/%u", ptn);
	*master = steal_fd(&fd);
	return 0;
}

int terminal_set_size(int fd, unsigned rows, unsigned cols, struct ar_err *err)
{
	struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };

	if (rows > 0xffff || cols > 0xffff)
		return ar_error(err, EINVAL, "terminal size %ux%u", rows, cols);
	if (ioctl(fd, TIOCSWINSZ, &ws) < 0)
		return ar_error(err, errno, "set terminal size %ux%u", rows, cols);
	return 0;
}

int terminal_make_controlling(const char *slave_path, struct ar_err *err)
{
	_cleanup_close_ int fd = -1;

	if (setsid() < 0)
		return ar_error(err, errno, "setsid");
	fd = open(slave_path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return ar_error(err, errno, "open terminal `%s`", slave_path);
	/* dup2 onto itself would keep O_CLOEXEC: move it above stdio first. */
	if (fd <= STDERR_FILENO) {
		int high = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
		if (high < 0)
			return ar_error(err, errno, "dup terminal `%s`", slave_path);
		close(fd);
		fd = high;
	}
	if (ioctl(fd, TIOCSCTTY, 0) < 0)
		return ar_error(err, errno, "make `%s` the controlling terminal", slave_path);
	for (int std = STDIN_FILENO; std <= STDERR_FILENO; std++)
		if (dup2(fd, std) < 0)
			return ar_error(err, errno, "dup2 terminal `%s` onto fd %d", slave_path, std);
	return 0;
}

int terminal_connect_socket(const char *path, int *fd, struct ar_err *err)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	_cleanup_close_ int sock = -1;

	if (strlen(path) >= sizeof addr.sun_path) {
		_cleanup_free_ char *msg = xasprintf("console socket path `%s` is too long", path);
		return ar_err_set_raw(err, ENAMETOOLONG, msg);
	}
	memcpy(addr.sun_path, path, strlen(path) + 1);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return ar_error(err, errno, "create a socket for console socket `%s`", path);
	if (connect(sock, (struct sockaddr *)&addr, sizeof addr) < 0)
		return ar_error(err, errno, "connect to console socket `%s`", path);
	*fd = steal_fd(&sock);
	return 0;
}

int terminal_send_fd(int sock, int fd, const char *name, struct ar_err *err)
{
	union fdpass_ctl ctl;
	/* A stream message needs at least one byte of payload to carry the fd. */
	const char *payload = name && name[0] ? name : "";
	struct iovec iov = { .iov_base = (void *)payload, .iov_len = strlen(payload) + !payload[0] };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	fdpass_attach(&msg, &ctl, fd);
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return ar_error(err, errno, "console socket: send the terminal");
	return 0;
}

int terminal_recv_fd(int sock, int *fd, struct ar_err *err)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	_cleanup_free_ char *payload = xmalloc(FD_PAYLOAD_MAX);
	struct iovec iov = { .iov_base = payload, .iov_len = FD_PAYLOAD_MAX };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf };
	ssize_t n;
	int got;

	memset(&ctl, 0, sizeof ctl);
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return ar_error(err, errno, "console socket: receive the terminal");
	got = fdpass_take(&msg);
	if (msg.msg_flags & MSG_CTRUNC) {
		if (got >= 0)
			close(got);
		return ar_error(err, 0, "console socket: more than one file descriptor received");
	}
	if (got < 0) {
		ar_error(err, 0, "console socket: no file descriptor received");
		err->errnum = EBADMSG;
		return -1;
	}
	*fd = got;
	return 0;
}
