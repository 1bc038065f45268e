/* argon — the container's terminal: pty creation, making it the controlling
 * terminal, handing the master over a unix socket (SCM_RIGHTS, as runc does)
 * and relaying it to our own stdio when nobody else takes it. */
#include "terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "util.h"

#define RELAY_BUF 8192
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
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	/* A stream message needs at least one byte of payload to carry the fd. */
	const char *payload = name && name[0] ? name : "";
	struct iovec iov = { .iov_base = (void *)payload, .iov_len = strlen(payload) + !payload[0] };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf };
	struct cmsghdr *cmsg;
	ssize_t n;

	memset(&ctl, 0, sizeof ctl);
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof fd);
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return ar_error(err, errno, "console socket: send the terminal");
	return 0;
}

/* Takes the first passed fd out of a message; any other is closed. */
static int take_passed_fd(struct msghdr *msg)
{
	int got = -1;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
			if (got < 0)
				got = fd;
			else
				close(fd);
		}
	}
	return got;
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
	got = take_passed_fd(&msg);
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

/* ---- relay ---- */

struct relay {
	int master, in_fd, out_fd, winch_fd;
	bool in_open;
	char to_master[RELAY_BUF];
	size_t pending_off, pending_len;	/* in to_master, not yet written */
};

static void copy_window_size(int from, int to)
{
	struct winsize ws;

	if (ioctl(from, TIOCGWINSZ, &ws) == 0)
		ioctl(to, TIOCSWINSZ, &ws);
}

/* Reads what the process wrote; 1 = keep going, 0 = slave gone, -1 = error. */
static int relay_from_master(struct relay *r, struct ar_err *err)
{
	char buf[RELAY_BUF];
	ssize_t n = read(r->master, buf, sizeof buf);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 1;
	/* EIO: every holder of the slave has closed it. */
	if (n == 0 || (n < 0 && errno == EIO))
		return 0;
	if (n < 0)
		return ar_error(err, errno, "read from the terminal");
	if (write_all(r->out_fd, buf, (size_t)n) < 0)
		return ar_error(err, errno, "write the terminal output");
	return 1;
}

static int relay_from_input(struct relay *r, struct ar_err *err)
{
	ssize_t n = read(r->in_fd, r->to_master, sizeof r->to_master);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n < 0 && errno != EIO)
		return ar_error(err, errno, "read the terminal input");
	if (n <= 0) {
		/* Input ended; keep draining the process's output. */
		r->in_open = false;
		return 0;
	}
	r->pending_off = 0;
	r->pending_len = (size_t)n;
	return 0;
}

/* The master is non-blocking: write what fits now, keep the rest. */
static int relay_to_master(struct relay *r, struct ar_err *err)
{
	ssize_t n = write(r->master, r->to_master + r->pending_off, r->pending_len);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n < 0 && errno == EIO) {
		r->pending_len = 0;	/* the slave is gone; the read side ends the loop */
		return 0;
	}
	if (n < 0)
		return ar_error(err, errno, "write to the terminal");
	r->pending_off += (size_t)n;
	r->pending_len -= (size_t)n;
	return 0;
}

static void relay_drain_winch(struct relay *r)
{
	struct signalfd_siginfo si;

	while (read(r->winch_fd, &si, sizeof si) == (ssize_t)sizeof si)
		;
	copy_window_size(r->in_fd, r->master);
}

static int relay_loop(struct relay *r, struct ar_err *err)
{
	for (;;) {
		struct pollfd pfd[3] = {
			{ .fd = r->master, .events = POLLIN | (r->pending_len ? POLLOUT : 0) },
			{ .fd = r->in_open && !r->pending_len ? r->in_fd : -1, .events = POLLIN },
			{ .fd = r->winch_fd, .events = POLLIN },
		};
		int rc;

		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return ar_error(err, errno, "poll the terminal");
		}
		if (pfd[2].revents & POLLIN)
			relay_drain_winch(r);
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			rc = relay_from_master(r, err);
			if (rc <= 0)
				return rc;
		}
		if ((pfd[0].revents & POLLOUT) && relay_to_master(r, err) < 0)
			return -1;
		if ((pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) && relay_from_input(r, err) < 0)
			return -1;
	}
}

/* SIGWINCH as an fd while relaying; the old mask is restored afterwards. */
static int open_winch_fd(sigset_t *old_mask)
{
	sigset_t winch;
	int fd;

	sigemptyset(&winch);
	sigaddset(&winch, SIGWINCH);
	if (pthread_sigmask(SIG_BLOCK, &winch, old_mask) != 0)
		return -1;
	fd = signalfd(-1, &winch, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		pthread_sigmask(SIG_SETMASK, old_mask, NULL);
	return fd;
}

int terminal_relay(int master, int in_fd, int out_fd, struct ar_err *err)
{
	struct relay *r = xcalloc(1, sizeof *r);
	bool in_tty = in_fd >= 0 && isatty(in_fd);
	int master_flags = fcntl(master, F_GETFL);
	struct termios saved, raw;
	bool raw_set = false;
	sigset_t old_mask;
	int rc;

	if (master_flags < 0 || fcntl(master, F_SETFL, master_flags | O_NONBLOCK) < 0) {
		free(r);
		return ar_error(err, errno, "make the terminal non-blocking");
	}
	*r = (struct relay){ .master = master, .in_fd = in_fd, .out_fd = out_fd,
			     .winch_fd = -1, .in_open = in_fd >= 0 };
	if (in_tty) {
		/* Watch SIGWINCH before the first copy so no resize is missed. */
		r->winch_fd = open_winch_fd(&old_mask);
		copy_window_size(in_fd, master);
		if (tcgetattr(in_fd, &saved) == 0) {
			raw = saved;
			cfmakeraw(&raw);
			raw_set = tcsetattr(in_fd, TCSANOW, &raw) == 0;
		}
	}
	rc = relay_loop(r, err);
	if (raw_set)
		tcsetattr(in_fd, TCSANOW, &saved);
	if (r->winch_fd >= 0) {
		close(r->winch_fd);
		pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	}
	fcntl(master, F_SETFL, master_flags);
	free(r);
	return rc < 0 ? -1 : 0;
}
