/* argon — attaching to a container's monitor (attach.h). */
#define _GNU_SOURCE
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

#include "attach.h"
#include "cli.h"
#include "monitor_proto.h"
#include "util.h"

#define CTRL_P 0x10
#define CTRL_Q 0x11

int cli_attach_connect(const char *dir, int *sock, struct ar_err *err)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int fd;

	if (dfd < 0)
		return ar_error(err, errno, "open `%s`", dir);
	/* Through the dir's fd: the socket's path may be longer than sun_path. */
	snprintf(a.sun_path, sizeof a.sun_path, "/proc/self/fd/%d/%s", dfd, ATTACH_SOCK_NAME);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ar_error(err, errno, "socket");
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		int e = errno;
		close(fd);
		return ar_error(err, e, "attach to the container's monitor (`%s/%s`)", dir,
				ATTACH_SOCK_NAME);
	}
	*sock = fd;
	return 0;
}

struct relay {
	struct engine *e;
	const char *id;
	const struct attach_opts *o;
	int sock;
	bool stdin_open, held_ctrl_p;
	struct attach_result res;	/* what the caller is told */
};

static int send_packet(int sock, int type, const void *data, size_t n)
{
	char pkt[1 + ATTACH_MAX_PAYLOAD];

	pkt[0] = (char)type;
	if (n)
		memcpy(pkt + 1, data, n);
	return send(sock, pkt, n + 1, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

static void send_winsize(int sock)
{
	struct winsize w;
	struct attach_winsize ws;

	if (ioctl(0, TIOCGWINSZ, &w) < 0 && ioctl(1, TIOCGWINSZ, &w) < 0)
		return;
	ws = (struct attach_winsize){ .rows = w.ws_row, .cols = w.ws_col };
	send_packet(sock, ATTACH_RESIZE, &ws, sizeof ws);
}

/* Our input to the container; on a terminal, ctrl-p ctrl-q detaches (a
 * ctrl-p followed by anything else goes through, late by one key). */
static void input(struct relay *r)
{
	char buf[ATTACH_MAX_PAYLOAD / 2], out[ATTACH_MAX_PAYLOAD];
	ssize_t n = read(0, buf, sizeof buf);
	size_t o = 0;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		r->stdin_open = false;
		send_packet(r->sock, ATTACH_STDIN_EOF, NULL, 0);
		return;
	}
	for (ssize_t k = 0; k < n; k++) {
		char c = buf[k];
		if (r->o->tty && r->held_ctrl_p) {
			r->held_ctrl_p = false;
			if (c == CTRL_Q) {
				r->res.detached = true;
				return;
			}
			out[o++] = CTRL_P;
		}
		if (r->o->tty && c == CTRL_P)
			r->held_ctrl_p = true;
		else
			out[o++] = c;
	}
	if (o)
		send_packet(r->sock, ATTACH_STDIN, out, o);
}

/* One packet of the container's output; 0 when the monitor closed. */
static int output(struct relay *r)
{
	char pkt[1 + ATTACH_MAX_PAYLOAD];
	ssize_t n = recv(r->sock, pkt, sizeof pkt, 0);

	if (n < 0 && errno == EINTR)
		return 1;
	if (n <= 0)
		return 0;
	if (n > 1 && (pkt[0] == ATTACH_STDOUT || pkt[0] == ATTACH_STDERR)) {
		int err = pkt[0] == ATTACH_STDERR;
		write_all(err ? 2 : 1, pkt + 1, (size_t)n - 1);
		r->res.relayed[err] += (uint64_t)n - 1;
	}
	if (n == 1 && pkt[0] == ATTACH_END)
		r->res.ended = true;
	return 1;
}

static void on_signal(struct relay *r, int sfd)
{
	struct signalfd_siginfo si;
	struct ar_err ignored = { 0 };

	if (read(sfd, &si, sizeof si) != sizeof si)
		return;
	if (si.ssi_signo == SIGWINCH) {
		send_winsize(r->sock);
		return;
	}
	engine_kill(r->e, r->id, (int)si.ssi_signo, &ignored);
	ar_err_clear(&ignored);
}

int cli_signalfd(bool winch)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaddset(&set, sigs[i]);
	if (winch)
		sigaddset(&set, SIGWINCH);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

int cli_attach_relay(struct engine *e, const char *id, int sock, const struct attach_opts *o,
		     struct attach_result *res, struct ar_err *err)
{
	struct relay r = { .e = e, .id = id, .o = o, .sock = sock, .stdin_open = o->send_stdin };
	_cleanup_close_ int sfd = cli_signalfd(true);
	struct termios saved, raw;
	bool is_raw = false;

	if (sfd < 0)
		return ar_error(err, errno, "signalfd");
	if (o->tty && isatty(0) && tcgetattr(0, &saved) == 0) {
		raw = saved;
		cfmakeraw(&raw);
		is_raw = tcsetattr(0, TCSANOW, &raw) == 0;
	}
	if (o->tty)
		send_winsize(sock);
	for (bool open = true; open && !r.res.detached;) {
		struct pollfd p[3] = {
			{ sock, POLLIN, 0 }, { sfd, POLLIN, 0 }, { r.stdin_open ? 0 : -1, POLLIN, 0 },
		};
		if (poll(p, 3, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			open = output(&r);
		if (p[1].revents)
			on_signal(&r, sfd);
		if (p[2].revents)
			input(&r);
	}
	if (is_raw)
		tcsetattr(0, TCSANOW, &saved);
	*res = r.res;
	return 0;
}
