/* argon-monitor ARGON ROOT STATE_DIR ID INIT_PID TTY LOG_MAX_SIZE LOG_FILES
 * — see mon.h. Run by `argon _monitor` only. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "monitor_proto.h"
#include "mon.h"

#define MAX_CLIENTS 16

struct mon {
	struct mon_stream out, err;
	struct mon_log log;
	int in, listen, sig;
	bool tty;
	pid_t init;
	int status;
	bool init_gone;
	int clients[MAX_CLIENTS];
	int n_clients;
	char pending[ATTACH_MAX_PAYLOAD];	/* client input not yet taken by the init */
	size_t pending_len, pending_off;
};

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/* ------------------------------------------------------------ clients */

static void client_drop(struct mon *m, int k)
{
	close(m->clients[k]);
	m->clients[k] = m->clients[--m->n_clients];
}

/* Takes every pending connection (the socket is non-blocking). */
static void clients_accept(struct mon *m)
{
	struct timeval tv = { 5, 0 };
	int fd;

	while ((fd = accept4(m->listen, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		if (m->n_clients == MAX_CLIENTS) {
			close(fd);
			continue;
		}
		/* A client that stops reading (a suspended terminal) is dropped
		 * after 5 s rather than stall the container's output for good. */
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		m->clients[m->n_clients++] = fd;
	}
}

static void clients_send(struct mon *m, int type, const char *data, size_t n)
{
	char pkt[1 + ATTACH_MAX_PAYLOAD];

	while (n > 0) {
		size_t chunk = n > ATTACH_MAX_PAYLOAD ? ATTACH_MAX_PAYLOAD : n;
		pkt[0] = (char)type;
		memcpy(pkt + 1, data, chunk);
		for (int k = m->n_clients - 1; k >= 0; k--)
			if (send(m->clients[k], pkt, chunk + 1, MSG_NOSIGNAL) < 0)
				client_drop(m, k);
		data += chunk;
		n -= chunk;
	}
}

static void stdin_close(struct mon *m)
{
	if (m->in >= 0 && !m->tty)
		close(m->in);
	if (!m->tty)
		m->in = -1;
	m->pending_len = m->pending_off = 0;
}

/* One packet from client k. */
static void client_packet(struct mon *m, int k)
{
	char pkt[1 + ATTACH_MAX_PAYLOAD];
	ssize_t n = recv(m->clients[k], pkt, sizeof pkt, MSG_DONTWAIT);
	struct attach_winsize ws;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_drop(m, k);
		return;
	}
	switch (pkt[0]) {
	case ATTACH_STDIN:
		if (m->in >= 0 && n > 1) {
			memcpy(m->pending, pkt + 1, (size_t)n - 1);
			m->pending_len = (size_t)n - 1;
			m->pending_off = 0;
		}
		break;
	case ATTACH_STDIN_EOF:
		stdin_close(m);
		break;
	case ATTACH_RESIZE:
		if (m->tty && (size_t)n >= 1 + sizeof ws) {
			memcpy(&ws, pkt + 1, sizeof ws);
			struct winsize w = { .ws_row = ws.rows, .ws_col = ws.cols };
			ioctl(m->out.fd, TIOCSWINSZ, &w);
		}
		break;
	}
}

/* Feeds pending client input to the init without ever blocking on it. */
static void stdin_feed(struct mon *m)
{
	ssize_t w = write(m->in, m->pending + m->pending_off, m->pending_len - m->pending_off);

	if (w < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (w < 0) {	/* the init closed its stdin */
		stdin_close(m);
		return;
	}
	m->pending_off += (size_t)w;
	if (m->pending_off == m->pending_len)
		m->pending_len = m->pending_off = 0;
}

/* ------------------------------------------------------------ the init */

static void output(struct mon *m, struct mon_stream *s)
{
	ssize_t n = read(s->fd, s->buf + s->len, sizeof s->buf - s->len);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {	/* EOF, or EIO from a pty whose slave is gone */
		mon_stream_log(s, &m->log, true);
		s->open = false;
		return;
	}
	clients_send(m, s->type, s->buf + s->len, (size_t)n);
	s->len += (size_t)n;
	mon_stream_log(s, &m->log, false);
}

static void reap(struct mon *m)
{
	struct signalfd_siginfo si;
	int st;
	pid_t p;

	while (read(m->sig, &si, sizeof si) > 0)
		;
	while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
		if (p == m->init) {
			m->status = st;
			m->init_gone = true;
		}
	}
}

/* Until the init has exited and its output ended (or stayed silent for
 * 2 s: something outside the container holds a pipe). */
static void mon_loop(struct mon *m)
{
	struct pollfd p[5 + MAX_CLIENTS];

	while (!m->init_gone || m->out.open || m->err.open) {
		int n = 0, nc = m->n_clients;
		bool feeding = m->pending_len > 0 && m->in >= 0;
		p[n++] = (struct pollfd){ m->out.open ? m->out.fd : -1, POLLIN, 0 };
		p[n++] = (struct pollfd){ m->err.open ? m->err.fd : -1, POLLIN, 0 };
		p[n++] = (struct pollfd){ m->init_gone ? -1 : m->sig, POLLIN, 0 };
		p[n++] = (struct pollfd){ m->listen, POLLIN, 0 };
		p[n++] = (struct pollfd){ feeding ? m->in : -1, POLLOUT, 0 };
		for (int k = 0; k < nc; k++)	/* input waits while some is pending */
			p[n++] = (struct pollfd){ m->clients[k], feeding ? 0 : POLLIN, 0 };
		int r = poll(p, (nfds_t)n, m->init_gone ? 2000 : -1);
		if (r == 0)
			break;
		if (r < 0)
			continue;
		/* Clients first: one that connected before `start` (run -it)
		 * must not miss the container's first output. */
		if (p[3].revents)
			clients_accept(m);
		if (p[0].revents)
			output(m, &m->out);
		if (p[1].revents)
			output(m, &m->err);
		if (p[2].revents)
			reap(m);
		if (p[4].revents)
			stdin_feed(m);
		for (int k = nc - 1; k >= 0; k--)	/* drops move the last one down */
			if (k < m->n_clients && p[5 + k].revents)
				client_packet(m, k);
	}
	if (!m->init_gone) {
		while (!m->init_gone)
			if (poll(&(struct pollfd){ m->sig, POLLIN, 0 }, 1, -1) > 0)
				reap(m);
	}
}

static int setup(struct mon *m, char **argv)
{
	sigset_t set;

	m->tty = strcmp(argv[6], "1") == 0;
	m->init = (pid_t)mon_parse_i64(argv[5]);
	m->in = fd_open(MON_FD_IN) ? MON_FD_IN : -1;
	m->listen = MON_FD_LISTEN;
	m->out = (struct mon_stream){ .fd = MON_FD_OUT, .name = "stdout",
				      .type = ATTACH_STDOUT, .open = true };
	m->err = (struct mon_stream){ .fd = MON_FD_ERR, .name = "stderr",
				      .type = ATTACH_STDERR, .open = fd_open(MON_FD_ERR) };
	mon_log_init(&m->log, MON_FD_LOG, MON_FD_DIR, mon_parse_i64(argv[7]),
		     (int)mon_parse_i64(argv[8]));
	if (m->in >= 0)
		fcntl(m->in, F_SETFL, fcntl(m->in, F_GETFL) | O_NONBLOCK);
	fcntl(m->listen, F_SETFL, fcntl(m->listen, F_GETFL) | O_NONBLOCK);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);	/* blocked already, since `_monitor` */
	m->sig = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return m->sig < 0 || m->init <= 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	static struct mon m;
	char status[16];

	if (argc != 9 || setup(&m, argv) < 0) {
		static const char usage[] = "usage: argon-monitor ARGON ROOT STATE_DIR ID INIT_PID "
					    "TTY LOG_MAX_SIZE LOG_FILES (run by argon only)\n";
		if (write(2, usage, sizeof usage - 1) < 0)
			return 2;
		return 2;
	}
	reap(&m);	/* an init that exited before the signalfd existed */
	mon_loop(&m);
	/* Attached clients get ATTACH_END, then EOF: the output is all there,
	 * the exit code is recorded next. (A client dropped on the way gets no
	 * END: it knows to read the rest from the log.) */
	for (int k = 0; k < m.n_clients; k++) {
		char end = ATTACH_END;
		send(m.clients[k], &end, 1, MSG_NOSIGNAL | MSG_DONTWAIT);	/* else: EOF alone */
		close(m.clients[k]);
	}
	unlinkat(MON_FD_DIR, ATTACH_SOCK_NAME, 0);
	for (int fd = MON_FD_OUT; fd < MON_FD_END; fd++)
		close(fd);
	mon_fmt_uint(status, (uint64_t)m.status, 0);
	char *done[] = { "argon", "--root", argv[2], "--state-dir", argv[3], "_monitor-done",
			 argv[4], status, NULL };
	execv(argv[1], done);
	return 1;	/* the next argon command finds the monitor gone (engine_state.c) */
}
